/*
 * cmd_savings.c: `mvgate savings`: the avoided energy of a reporting-period
 * CSV against a baseline model saved by `mvgate fit --json`: adjusted
 * baseline, actual, savings, the ASHRAE Guideline 14 fractional savings
 * uncertainty and the savings interval. Exit 0 with results (the FSU may be
 * null when undefined, e.g. zero savings), 2 on bad input.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli_data.h"
#include "commands.h"
#include "model_json.h"
#include "savings.h"
#include "timefmt.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate savings --model MODEL.json --csv FILE --y COL [--x COL]... "
                 "[--confidence C] [--json]\n"
                 "                      [--accuracy-pct A] [--utc-offset O] [--weekend]\n"
                 "                      [--holidays FILE] [--shift W] [--mode COL]\n"
                 "Applies a fitted model to a reporting period: avoided energy, its fractional\n"
                 "savings uncertainty and interval.\n");
}

static const mvg_cli_fit_help savings_help = {
    .model_value = "FILE",
    .model = "the model as printed by mvgate fit --json",
    .csv = "CSV with a header row (reporting period)",
    .y = "the measured energy use column",
    .x = "independent variables, in the model's order (default: the\nmodel's x names)",
    .confidence = "two-sided level of the FSU and the interval (default 0.90)",
    .json = "print JSON",
    .aggregate_or_accuracy = "the meter's accuracy in percent of reading, combined with\n"
                             "the model's uncertainty in quadrature (Guideline 14 Annex B)",
    .utc_offset = "the site's offset from UTC, as given to mvgate fit",
    .weekend = "the weekend column, as given to mvgate fit",
    .holidays = "the holiday column, as given to mvgate fit",
    .shift = "the shift column, as given to mvgate fit",
    .mode = "the operating-mode columns, as given to mvgate fit",
};

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* A TOWT model's savings: each row's prediction at its time, temperature
 * (x[0]) and extra columns, summed, then the rule of every model
 * (mvg_savings_from_totals). A row whose time-of-week bin had no baseline
 * rows has no prediction: refused, naming it, as a non-finite row is. */
static int towt_savings(const mvg_towt *tw, const mvg_model *m, const mvg_cli_data *d,
                        double confidence, mvg_savings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->adjusted_baseline = s->actual = NAN;
    if (!d->has_time) {
        snprintf(err, errlen, "a towt model needs the 'timestamp' column");
        return -1;
    }
    long double base = 0, act = 0;
    for (size_t i = 0; i < d->n; i++) {
        double extra[MVG_MODEL_MAX_X];
        for (size_t j = 1; j < d->nx; j++)
            extra[j - 1] = d->x[j][i];
        double e = mvg_towt_predict(tw, d->t[i], d->x[0][i], extra);
        if (!isfinite(e) || !isfinite(d->y[i])) {
            char when[32];
            snprintf(err, errlen, "row %zu (%s): %s", i + 1,
                     mvg_timefmt_format(d->t[i], MVG_TIMEFMT_MIN | MVG_TIMEFMT_Z, when,
                                        sizeof when),
                     isfinite(d->y[i]) ? "its time-of-week bin had no baseline rows: no prediction"
                                       : "the actual is not a finite number");
            return -1;
        }
        base += e;
        act += d->y[i];
    }
    return mvg_savings_from_totals(m, d->n, (double)base, (double)act, confidence, s, err, errlen);
}

int mvg_cmd_savings(int argc, char **argv)
{
    mvg_cli_fit_args a;
    int early = mvg_cli_fit_args_parse(argc, argv, "savings", usage, &savings_help, &a);
    if (early >= 0)
        return early;
    json_error_t jerr;
    json_t *mj = json_load_file(a.model, 0, &jerr);
    if (!mj) {
        fprintf(stderr, "mvgate savings: %s:%d: %s\n", a.model, jerr.line, jerr.text);
        return 2;
    }
    mvg_model m;
    char xnames[MVG_MODEL_MAX_X][MVG_MODEL_XNAME_MAX];
    char err[1024] = "";
    mvg_towt *tw = NULL; /* a TOWT model's tables */
    const char *type = json_string_value(json_object_get(mj, "model"));
    int rc = type && strcmp(type, "towt") == 0
                 ? mvg_model_towt_from_json(mj, &m, xnames, &tw, err, sizeof err)
                 : mvg_model_from_json(mj, &m, xnames, err, sizeof err);
    json_decref(mj);
    if (rc != 0) {
        fprintf(stderr, "mvgate savings: %s: %s\n", a.model, err);
        mvg_towt_free(tw);
        return 2;
    }
    int cats = a.weekend || a.holidays || a.shift || a.mode;
    if (a.nx == 0 && !cats) {
        for (size_t j = 0; j < m.nx; j++)
            a.xcols[j] = xnames[j];
        a.nx = m.nx;
    } else if (!cats && a.nx != m.nx) {
        fprintf(stderr, "mvgate savings: %zu --x columns given, the %s model in %s uses %zu\n",
                a.nx, mvg_model_type_name(m.type), a.model, m.nx);
        mvg_towt_free(tw);
        return 2;
    }
    mvg_cli_data d;
    const char *names[MVG_MODEL_MAX_X];
    int off = 0;
    if (mvg_cli_data_load(a.csv, a.ycol, a.xcols, a.nx + (a.mode != NULL), &d, err, sizeof err) !=
            0 ||
        mvg_cli_data_catvars(&d, &a, names, &off, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate savings: %s\n", err);
        mvg_cli_data_free(&d);
        mvg_towt_free(tw);
        return 2;
    }
    if (d.nx != m.nx) {
        fprintf(stderr, "mvgate savings: %zu x columns given, the %s model in %s uses %zu\n", d.nx,
                mvg_model_type_name(m.type), a.model, m.nx);
        mvg_cli_data_free(&d);
        mvg_towt_free(tw);
        return 2;
    }
    /* a daily model predicts days: interval rows are summed into days first */
    if (m.granularity == MVG_GRAN_DAILY && d.has_time && d.step_ms < 86400000 &&
        mvg_cli_data_aggregate(&d, 86400000, off, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate savings: %s: %s\n", a.csv, err);
        mvg_cli_data_free(&d);
        mvg_towt_free(tw);
        return 2;
    }
    if (d.n == 0) {
        fprintf(stderr, "mvgate savings: %s: no data rows\n", a.csv);
        mvg_cli_data_free(&d);
        mvg_towt_free(tw);
        return 2;
    }
    mvg_savings s;
    char fsu_err[256] = "";
    if (tw)
        rc = towt_savings(tw, &m, &d, a.confidence, &s, fsu_err, sizeof fsu_err);
    else
        rc = mvg_savings_compute(&m, d.y, (const double *const *)d.x, d.nx, d.n, a.confidence,
                                 &s, fsu_err, sizeof fsu_err);
    mvg_towt_free(tw);
    mvg_cli_data_free(&d);
    if (rc == 0 && a.accuracy_pct > 0 &&
        mvg_savings_add_meter(&s, a.accuracy_pct / 100.0, fsu_err, sizeof fsu_err) != 0) {
        fprintf(stderr, "mvgate savings: --accuracy-pct: %s\n", fsu_err);
        return 2;
    }
    if (rc != 0 && !isfinite(s.adjusted_baseline + s.actual)) {
        fprintf(stderr, "mvgate savings: %s: %s\n", a.csv, fsu_err);
        return 2;
    }
    if (a.json) {
        json_t *out = json_object();
        json_object_set_new(out, "adjusted_baseline", num(s.adjusted_baseline));
        json_object_set_new(out, "actual", num(s.actual));
        json_object_set_new(out, "savings", num(s.savings));
        json_object_set_new(out, "savings_fraction", num(s.savings_fraction));
        json_object_set_new(out, "fsu", num(s.fsu));
        json_object_set_new(out, "fsu_model", num(s.fsu_model));
        json_object_set_new(out, "meter_accuracy", num(s.meter_accuracy));
        json_object_set_new(out, "savings_low", num(s.savings_low));
        json_object_set_new(out, "savings_high", num(s.savings_high));
        json_object_set_new(out, "m", json_integer((json_int_t)s.m));
        json_object_set_new(out, "confidence", json_real(a.confidence));
        json_object_set_new(out, "t", num(s.t));
        json_object_set_new(out, "n_eff", num(s.n_eff));
        if (rc != 0)
            json_object_set_new(out, "fsu_note", json_string(fsu_err));
        int dr = json_dumpf(out, stdout,
                            JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
        json_decref(out);
        printf("\n");
        return dr == 0 ? 0 : 2;
    }
    printf("model: %s (n = %zu, p = %zu, CV(RMSE) %.2f %%, rho %.3f)   reporting points m = %zu\n",
           mvg_model_type_name(m.type), m.n, m.p, 100 * m.cv_rmse, m.rho, s.m);
    printf("adjusted baseline %.6g\nactual            %.6g\nsavings           %.6g (%.2f %% of "
           "the adjusted baseline)\n",
           s.adjusted_baseline, s.actual, s.savings, 100 * s.savings_fraction);
    if (rc == 0)
        printf("FSU at %.0f %%      %.2f %%   (t = %.4f, n' = %.1f%s)\n"
               "savings interval  [%.6g, %.6g]\n",
               100 * a.confidence, 100 * s.fsu, s.t, s.n_eff,
               s.meter_accuracy > 0 ? ", meter accuracy in quadrature" : "", s.savings_low,
               s.savings_high);
    else
        printf("FSU               undefined: %s\n", fsu_err);
    return 0;
}
