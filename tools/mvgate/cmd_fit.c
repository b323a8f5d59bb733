/*
 * cmd_fit.c: `mvgate fit`: fits a baseline model to the columns of a CSV
 * and prints its coefficients, ASHRAE Guideline 14 statistics and verdict,
 * as a table or as the JSON object that `mvgate savings --model` reads.
 * Exit 0 when a model was fitted (whatever its verdict), 2 on bad input.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli_data.h"
#include "commands.h"
#include "model.h"
#include "model_json.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate fit --model TYPE --csv FILE --y COL [--x COL]... [--confidence C] "
                 "[--json]\n"
                 "Fits a baseline model to a CSV and prints its ASHRAE 14 statistics.\n");
}

static const mvg_cli_fit_help fit_help = {
    .model_value = "TYPE",
    .model = "mean, intensity, linear, 3pc, 3ph, 4p, 5p or auto",
    .csv = "CSV with a header row (baseline period); with a 'timestamp'\n"
           "column (ISO 8601) rows are taken in time order and the\n"
           "coverage (rows / expected at the median step) enters the verdict",
    .y = "the energy use column",
    .x = "an independent variable (repeat for several; one for\n"
         "intensity and change-point forms, none for mean)",
    .confidence = "two-sided level for the coefficient intervals (default 0.90)",
    .json = "print the model as JSON (input of mvgate savings --model)",
};

static const char *fmt_pct(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.2f %%", 100.0 * v);
    else
        snprintf(buf, len, "-");
    return buf;
}

static void print_table(const mvg_model *m, const char *const *xn, double conf,
                        const mvg_model_candidate *cd, size_t nc)
{
    char b1[32], b2[32];
    printf("model: %s   n = %zu   p = %zu (coefficients %zu + change points %zu)\n",
           mvg_model_type_name(m->type), m->n, m->p, m->ncoef, m->ncp);
    double tq = mvg_t_quantile(conf, (double)(m->n - m->p));
    printf("\n%-14s %14s %12s %10s   %s %.0f %% interval\n", "term", "coefficient", "std error",
           "t", "", 100 * conf);
    for (size_t j = 0; j < m->ncoef; j++) {
        char term[80];
        int has_b0 = m->type != MVG_MODEL_INTENSITY;
        if (has_b0 && j == 0)
            snprintf(term, sizeof term, "b0");
        else if (m->type == MVG_MODEL_LINEAR || m->type == MVG_MODEL_INTENSITY)
            snprintf(term, sizeof term, "b%zu (%.8s)", j + !has_b0, xn[j - has_b0]);
        else
            snprintf(term, sizeof term, "b%zu", j);
        printf("%-14s %14.6g %12.4g %10.3f   [%.6g, %.6g]\n", term, m->coef[j], m->std_err[j],
               m->t_stat[j], m->coef[j] - tq * m->std_err[j], m->coef[j] + tq * m->std_err[j]);
    }
    for (size_t k = 0; k < m->ncp; k++)
        printf("%-14s %14.6g\n", m->ncp == 2 ? (k ? "c2" : "c1") : "c", m->cp[k]);
    if (m->nseg) {
        printf("points per segment (low x to high x):");
        for (size_t s = 0; s < m->nseg; s++)
            printf(" %zu", m->seg_n[s]);
        printf("\n");
    }
    printf("\nR2 %.6f   adjusted R2 %.6f   RMSE %.6g   mean y %.6g\n", m->r2, m->adj_r2, m->rmse,
           m->ybar);
    printf("CV(RMSE) %s   NMBE %s   lag-1 autocorrelation %.4f\n",
           fmt_pct(m->cv_rmse, b1, sizeof b1), fmt_pct(m->nmbe, b2, sizeof b2), m->rho);
    printf("ASHRAE Guideline 14: %s\n", m->pass ? "pass" : "FAIL");
    for (size_t r = 0; r < m->nreasons; r++)
        printf("  - %s\n", m->reasons[r]);
    if (nc) {
        printf("\nauto candidates (chosen by adjusted R2 among the qualified):\n");
        for (size_t i = 0; i < nc; i++)
            printf("  %-9s %-12s adj R2 %-10s %s\n", mvg_model_type_name(cd[i].type),
                   cd[i].qualified ? "qualified" : cd[i].fitted ? "disqualified" : "not fitted",
                   isfinite(cd[i].adj_r2) ? (snprintf(b1, sizeof b1, "%.6f", cd[i].adj_r2), b1)
                                          : "-",
                   cd[i].why);
    }
}

int mvg_cmd_fit(int argc, char **argv)
{
    mvg_cli_fit_args a;
    int early = mvg_cli_fit_args_parse(argc, argv, "fit", usage, &fit_help, &a);
    if (early >= 0)
        return early;
    mvg_model_type type;
    if (mvg_model_type_parse(a.model, &type) != 0) {
        fprintf(stderr,
                "mvgate fit: unknown --model '%s' (mean, intensity, linear, 3pc, 3ph, 4p, 5p, "
                "auto)\n",
                a.model);
        return 2;
    }

    char err[1024] = "";
    mvg_cli_data d;
    if (mvg_cli_data_load(a.csv, a.ycol, a.xcols, a.nx, &d, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate fit: %s\n", err);
        mvg_cli_data_free(&d);
        return 2;
    }
    mvg_model_criteria crit;
    mvg_model_criteria_default(&crit);
    crit.confidence = a.confidence;
    mvg_model m;
    mvg_model_candidate cd[MVG_MODEL_MAX_CANDIDATES];
    size_t nc = 0;
    const double *const *xs = (const double *const *)d.x;
    int rc = type == MVG_MODEL_AUTO
                 ? mvg_model_fit_auto(d.y, xs, a.nx, d.n, d.coverage, &crit, &m, cd, &nc, err,
                                      sizeof err)
                 : mvg_model_fit(type, d.y, xs, a.nx, d.n, d.coverage, &crit, &m, err, sizeof err);
    int has_time = d.has_time, reordered = d.reordered;
    double step_min = (double)d.step_ms / 60000.0;
    mvg_cli_data_free(&d);
    if (rc != 0) {
        fprintf(stderr, "mvgate fit: %s: %s\n", a.csv, err);
        return 2;
    }
    if (!a.json) {
        if (has_time)
            printf("rows %s by timestamp; step %.4g min; coverage %.1f %%\n",
                   reordered ? "sorted" : "in order", step_min, 100 * m.coverage);
        print_table(&m, a.xcols, a.confidence, cd, nc);
        return 0;
    }
    json_t *o_ = mvg_model_to_json(&m, a.xcols);
    if (!o_) {
        fprintf(stderr, "mvgate fit: out of memory\n");
        return 2;
    }
    json_object_set_new(o_, "confidence", json_real(a.confidence));
    if (type == MVG_MODEL_AUTO) {
        json_t *ca = json_array();
        for (size_t i = 0; i < nc; i++) {
            json_t *c = json_object();
            json_object_set_new(c, "model", json_string(mvg_model_type_name(cd[i].type)));
            json_object_set_new(c, "fitted", json_boolean(cd[i].fitted));
            json_object_set_new(c, "qualified", json_boolean(cd[i].qualified));
            json_object_set_new(c, "adj_r2",
                                isfinite(cd[i].adj_r2) ? json_real(cd[i].adj_r2) : json_null());
            json_object_set_new(c, "why", json_string(cd[i].why));
            json_array_append_new(ca, c);
        }
        json_object_set_new(o_, "candidates", ca);
    }
    int dr = json_dumpf(o_, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(o_);
    printf("\n");
    return dr == 0 ? 0 : 2;
}
