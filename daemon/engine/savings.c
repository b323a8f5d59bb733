/*
 * savings.c: avoided energy and its ASHRAE Guideline 14 fractional savings
 * uncertainty (savings.h). Owns the FSU formula (Guideline 14-2014 Annex B,
 * with the autocorrelation correction n' = n(1-rho)/(1+rho)) and nothing
 * else: the totals come from the caller. Pure.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "savings.h"
#include "diag.h"

/* n' of the model: n when the residuals are not positively correlated,
 * otherwise n(1-rho)/(1+rho), never below 1 (a strongly autocorrelated
 * series still carries at least one independent observation). */
static double effective_n(const mvg_model *m)
{
    double n = (double)m->n;
    double rho = m->rho;
    double ne = (isfinite(rho) && rho > 0) ? n * (1.0 - rho) / (1.0 + rho) : n;
    return ne < 1.0 ? 1.0 : ne;
}

double mvg_savings_fsu_factor(mvg_granularity g, size_t m)
{
    double mo;
    switch (g) {
    case MVG_GRAN_DAILY:
        mo = (double)m / 30.4375;
        return -0.00024 * mo * mo + 0.03535 * mo + 1.00286;
    case MVG_GRAN_MONTHLY:
        mo = (double)m;
        return -0.00022 * mo * mo + 0.03306 * mo + 0.94054;
    default:
        return 1.26;
    }
}

double mvg_savings_combine_meter(double fsu_model, double savings, double actual,
                                 double accuracy)
{
    double um = fsu_model * fabs(savings), ua = accuracy * fabs(actual);
    return sqrt(um * um + ua * ua) / fabs(savings);
}

int mvg_savings_add_meter(mvg_savings *s, double accuracy, char *err, size_t errlen)
{
    if (!(accuracy >= 0 && accuracy < 1)) {
        mvg_set_err(err, errlen, "meter accuracy %g is not a fraction in [0, 1)", accuracy);
        return -1;
    }
    if (!isfinite(s->fsu_model) || !isfinite(s->savings) || s->savings == 0.0) {
        mvg_set_err(err, errlen, "meter accuracy: the savings uncertainty is undefined");
        return -1;
    }
    s->meter_accuracy = accuracy;
    s->fsu = mvg_savings_combine_meter(s->fsu_model, s->savings, s->actual, accuracy);
    s->savings_low = s->savings - fabs(s->savings) * s->fsu;
    s->savings_high = s->savings + fabs(s->savings) * s->fsu;
    return 0;
}

int mvg_savings_fsu(const mvg_model *model, size_t m, double adjusted_baseline, double savings,
                    double confidence, double *fsu, char *err, size_t errlen)
{
    *fsu = NAN;
    if (!model) {
        mvg_set_err(err, errlen, "FSU: no model");
        return -1;
    }
    if (m == 0) {
        mvg_set_err(err, errlen, "FSU undefined: no reporting points");
        return -1;
    }
    if (!(confidence > 0 && confidence < 1)) {
        mvg_set_err(err, errlen, "FSU undefined: confidence %g outside (0, 1)", confidence);
        return -1;
    }
    if (model->n <= model->p) {
        mvg_set_err(err, errlen, "FSU undefined: model has %zu points for %zu parameters", model->n,
                model->p);
        return -1;
    }
    if (!isfinite(model->cv_rmse)) {
        mvg_set_err(err, errlen, "FSU undefined: the model's CV(RMSE) is not known");
        return -1;
    }
    if (!isfinite(adjusted_baseline) || adjusted_baseline == 0.0) {
        mvg_set_err(err, errlen, "FSU undefined: adjusted baseline is %g", adjusted_baseline);
        return -1;
    }
    if (!isfinite(savings) || savings == 0.0) {
        mvg_set_err(err, errlen, "FSU undefined: savings are %g", savings);
        return -1;
    }
    double n = (double)model->n;
    double ne = effective_n(model);
    double t = mvg_t_quantile(confidence, (double)(model->n - model->p));
    if (!isfinite(t)) {
        mvg_set_err(err, errlen, "FSU undefined: no Student-t quantile for confidence %g, df %zu",
                confidence, model->n - model->p);
        return -1;
    }
    double f = fabs(savings / adjusted_baseline);
    *fsu = t * mvg_savings_fsu_factor(model->granularity, m) * model->cv_rmse * sqrt((n / ne) * (1.0 + 2.0 / ne) / (double)m) / f;
    return 0;
}

int mvg_savings_from_totals(const mvg_model *model, size_t m, double adjusted_baseline,
                            double actual, double confidence, mvg_savings *out, char *err,
                            size_t errlen)
{
    out->m = m;
    out->adjusted_baseline = adjusted_baseline;
    out->actual = actual;
    out->savings = adjusted_baseline - actual;
    out->savings_fraction = adjusted_baseline != 0.0 ? out->savings / adjusted_baseline : NAN;
    out->confidence = confidence;
    out->t = NAN;
    out->n_eff = NAN;
    out->fsu = out->savings_low = out->savings_high = out->fsu_model = NAN;
    out->meter_accuracy = 0;
    if (model && model->n > model->p && confidence > 0 && confidence < 1) {
        out->t = mvg_t_quantile(confidence, (double)(model->n - model->p));
        out->n_eff = effective_n(model);
    }
    double fsu;
    if (mvg_savings_fsu(model, m, adjusted_baseline, out->savings, confidence, &fsu, err, errlen) !=
        0)
        return -1;
    out->fsu = out->fsu_model = fsu;
    out->savings_low = out->savings - fabs(out->savings) * fsu;
    out->savings_high = out->savings + fabs(out->savings) * fsu;
    return 0;
}

int mvg_savings_compute(const mvg_model *model, const double *y, const double *const *x, size_t nx,
                        size_t m, double confidence, mvg_savings *out, char *err, size_t errlen)
{
    if (!model || !out || (m > 0 && !y) || (nx > 0 && !x)) {
        mvg_set_err(err, errlen, "savings: missing model or data");
        return -1;
    }
    if (nx != model->nx) {
        mvg_set_err(err, errlen, "savings: %zu x columns given, the %s model uses %zu", nx,
                model->type == MVG_MODEL_AUTO ? "auto" : "fitted", model->nx);
        return -1;
    }
    long double base = 0, act = 0;
    for (size_t i = 0; i < m; i++) {
        double xi[MVG_MODEL_MAX_X];
        for (size_t j = 0; j < nx; j++)
            xi[j] = x[j][i];
        double e = mvg_model_predict(model, xi);
        if (!isfinite(e) || !isfinite(y[i])) {
            mvg_set_err(err, errlen, "savings: row %zu is not a finite number (%s)", i,
                    isfinite(y[i]) ? "adjusted baseline" : "actual");
            return -1;
        }
        base += e;
        act += y[i];
    }
    return mvg_savings_from_totals(model, m, (double)base, (double)act, confidence, out, err,
                                   errlen);
}
