/*
 * cmd_fit.c: `mvgate fit`: fits a baseline model to the columns of a CSV
 * and prints its coefficients, ASHRAE Guideline 14 statistics and verdict,
 * as a table or as the JSON object that `mvgate savings --model` reads.
 * Exit 0 when a model was fitted (whatever its verdict), 2 on bad input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_data.h"
#include "commands.h"
#include "model.h"
#include "model_json.h"
#include "screen.h"
#include "timefmt.h"
#include "towt.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate fit --model TYPE --csv FILE --y COL [--x COL]... [--confidence C] "
            "[--json]\n"
            "                  [--aggregate hourly|daily] [--utc-offset +HH:MM] [--weekend]\n"
            "                  [--holidays FILE] [--shift HH:MM-HH:MM] [--mode COL]\n"
            "                  [--exclude-outliers]\n"
            "Fits a baseline model to a CSV and prints its ASHRAE 14 statistics and\n"
            "the rows the outlier rule flags (CalTRACK 2.3.6 on the residuals).\n");
}

static const mvg_cli_fit_help fit_help = {
    .model_value = "TYPE",
    .model = "mean, intensity, linear, 3pc, 3ph, 4p, 5p, hdd, cdd, hdd-cdd,\n"
             "towt or auto",
    .csv = "CSV with a header row (baseline period); with a 'timestamp'\n"
           "column (ISO 8601) rows are taken in time order and the\n"
           "coverage (rows / expected at the median step) enters the verdict",
    .y = "the energy use column",
    .x = "an independent variable (repeat for several; one for\n"
         "intensity and the degree-day forms, the temperature first for\n"
         "towt and change-point forms, whose further x are linear, none\n"
         "for mean)",
    .confidence = "two-sided level for the coefficient intervals (default 0.90)",
    .json = "print the model as JSON (input of mvgate savings --model)",
    .aggregate_or_accuracy = "sum y and average x over local hours or days first (needs\n"
                             "the timestamp column); hdd, cdd and hdd-cdd need daily rows",
    .utc_offset = "the site's offset from UTC for local days, weeks and shifts\n"
                  "(+HH:MM; default Z; Hong Kong and Guangdong +08:00)",
    .weekend = "add a 0/1 column: local Saturday or Sunday",
    .holidays = "add a 0/1 column: a local date listed in FILE (YYYY-MM-DD a line)",
    .shift = "add a 0/1 column: local time inside W (HH:MM-HH:MM; 22:00-06:00 wraps)",
    .mode = "add a 0/1 column for each value of COL but the lowest (an\n"
            "operating mode read from a point)",
    .exclude_outliers = "fit once more without the rows flagged as outliers (a\n"
                        "residual more than 3 IQR from the median); without it they\n"
                        "are listed and stay in the fit",
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
    printf("ASHRAE Guideline 14 (%s thresholds): %s\n", mvg_granularity_name(m->granularity),
           m->pass ? "pass" : "FAIL");
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

static void print_towt(const mvg_towt *t, const mvg_model *m, const char *const *xn)
{
    size_t occ = 0, nb = mvg_towt_bins(t, &occ);
    printf("model: towt   n = %zu   p = %zu   time-of-week bins %zu (occupied %zu)\n", m->n, m->p,
           nb, occ);
    for (int mode = 1; mode >= 0; mode--) {
        const mvg_towt_mode *md = mvg_towt_mode_info(t, mode);
        if (md->rows == 0)
            continue;
        printf("\n%s mode: %zu rows; temperature segments (C):", mode ? "occupied" : "unoccupied",
               md->rows);
        for (size_t k = 0; k <= md->nknots; k++) {
            char lo[24] = "", hi[24] = "";
            if (k > 0)
                snprintf(lo, sizeof lo, "%.1f", md->knots[k - 1]);
            if (k < md->nknots)
                snprintf(hi, sizeof hi, "%.1f", md->knots[k]);
            printf("  [%s..%s] %.6g", lo, hi, md->slope[k]);
        }
        printf("\n");
        for (size_t j = 0; j < md->nextra; j++)
            printf("  %-20s %.6g\n", xn[1 + j], md->extra[j]);
    }
    char b1[32], b2[32];
    printf("\nR2 %.6f   adjusted R2 %.6f   RMSE %.6g   mean y %.6g\n", m->r2, m->adj_r2, m->rmse,
           m->ybar);
    printf("CV(RMSE) %s   NMBE %s   lag-1 autocorrelation %.4f\n",
           fmt_pct(m->cv_rmse, b1, sizeof b1), fmt_pct(m->nmbe, b2, sizeof b2), m->rho);
    printf("ASHRAE Guideline 14 (%s thresholds): %s\n", mvg_granularity_name(m->granularity),
           m->pass ? "pass" : "FAIL");
    for (size_t r = 0; r < m->nreasons; r++)
        printf("  - %s\n", m->reasons[r]);
}

static json_t *towt_json(const mvg_towt *t, const mvg_model *m, const char *const *xn,
                         const mvg_towt_opts *o)
{
    json_t *j = mvg_model_to_json(m, xn);
    if (!j)
        return NULL;
    json_t *tw = json_object();
    size_t occ = 0;
    json_object_set_new(tw, "bins", json_integer((json_int_t)mvg_towt_bins(t, &occ)));
    json_object_set_new(tw, "occupied_bins", json_integer((json_int_t)occ));
    json_object_set_new(tw, "step_ms", json_integer((json_int_t)o->step_ms));
    json_object_set_new(tw, "utc_offset_min", json_integer(o->utc_offset_min));
    json_t *modes = json_array();
    for (int mode = 0; mode < 2; mode++) {
        const mvg_towt_mode *md = mvg_towt_mode_info(t, mode);
        json_t *mo = json_object(), *k = json_array(), *sl = json_array(), *ex = json_array();
        json_object_set_new(mo, "occupied", json_boolean(mode));
        json_object_set_new(mo, "rows", json_integer((json_int_t)md->rows));
        for (size_t i = 0; md->rows && i < md->nknots; i++)
            json_array_append_new(k, json_real(md->knots[i]));
        for (size_t i = 0; md->rows && i <= md->nknots; i++)
            json_array_append_new(sl, json_real(md->slope[i]));
        for (size_t i = 0; md->rows && i < md->nextra; i++)
            json_array_append_new(ex, json_real(md->extra[i]));
        json_object_set_new(mo, "knots", k);
        json_object_set_new(mo, "slopes", sl);
        json_object_set_new(mo, "extra", ex);
        json_array_append_new(modes, mo);
    }
    json_object_set_new(tw, "modes", modes);
    /* per bin: what mvgate savings reads the model back from */
    json_t *alpha = json_array(), *occb = json_array();
    for (size_t b = 0; b < mvg_towt_bins(t, NULL); b++) {
        int oc = 0;
        double a = mvg_towt_bin(t, b, &oc);
        json_array_append_new(alpha, isfinite(a) ? json_real(a) : json_null());
        json_array_append_new(occb, json_boolean(oc));
    }
    json_object_set_new(tw, "alpha", alpha);
    json_object_set_new(tw, "occupied", occb);
    json_object_set_new(j, "towt", tw);
    return j;
}

/* One fit of the chosen form to the rows of d (auto: every candidate,
 * TOWT among them where it applies), as the first fit and the refit
 * without outliers share it. */
typedef struct {
    mvg_model_type type;
    mvg_cli_data *d;
    const mvg_model_criteria *crit;
    const mvg_towt_opts *to;
    int towt_ok, quiet;
    mvg_model *m;
    /* out */
    mvg_towt *tw;
    mvg_model_candidate cd[MVG_MODEL_MAX_CANDIDATES];
    size_t nc;
    int towt_tried;
    double towt_adj;
    char towt_why[300];
} fit_run;

static int fit_once(fit_run *f, char *err, size_t errlen)
{
    mvg_cli_data *d = f->d;
    const double *const *xs = (const double *const *)d->x;
    size_t nx = d->nx;
    mvg_model mt;
    f->tw = NULL;
    f->nc = 0;
    f->towt_tried = 0;
    f->towt_adj = NAN;
    f->towt_why[0] = '\0';
    if (f->type == MVG_MODEL_TOWT) {
        f->tw = mvg_towt_fit(f->to, d->t, d->y, d->x[0], xs + 1, nx - 1, d->n, d->coverage,
                             f->crit, f->m, err, errlen);
        return f->tw ? 0 : -1;
    }
    if (f->type != MVG_MODEL_AUTO)
        return mvg_model_fit(f->type, d->y, xs, nx, d->n, d->coverage, f->crit, f->m, err,
                             errlen);
    int frc = mvg_model_fit_auto(d->y, xs, nx, d->n, d->coverage, f->crit, f->m, f->cd, &f->nc,
                                 err, errlen);
    if (f->towt_ok) {
        /* TOWT is a candidate where it applies: hourly rows with times */
        char terr[300] = "";
        mvg_towt *t = mvg_towt_fit(f->to, d->t, d->y, d->x[0], xs + 1, nx - 1, d->n, d->coverage,
                                   f->crit, &mt, terr, sizeof terr);
        if (t && (frc != 0 || mt.adj_r2 > f->m->adj_r2)) {
            *f->m = mt;
            f->tw = t;
            frc = 0;
        } else
            mvg_towt_free(t);
        f->towt_tried = 1;
        f->towt_adj = t ? mt.adj_r2 : NAN;
        snprintf(f->towt_why, sizeof f->towt_why, "%s", t ? "" : terr);
        if (!f->quiet)
            printf("auto: towt candidate %s%s\n",
                   t ? (f->tw ? "chosen" : "fitted, lower adjusted R2") : "not fitted: ",
                   t ? "" : terr);
    }
    return frc;
}

/* The outlier screening of the first fit (screen.h): the fences, and
 * each flagged row with its time, y and residual as the fit saw it. */
typedef struct {
    int screened, excluded;
    mvg_screen_fences fences;
    unsigned char *flag; /* per row of the first fit */
    size_t n;
    size_t *row;          /* the flagged rows (0-based, in fit order) */
    int64_t *t;
    double *y, *resid;
} screening;

static void screening_free(screening *s)
{
    free(s->flag);
    free(s->row);
    free(s->t);
    free(s->y);
    free(s->resid);
}

static int screen_rows(const mvg_cli_data *d, const mvg_model *m, const mvg_towt *tw,
                       screening *s)
{
    double *e = malloc((d->n ? d->n : 1) * sizeof *e);
    s->flag = calloc(d->n ? d->n : 1, 1);
    if (!e || !s->flag) {
        free(e);
        return -1;
    }
    if (tw) { /* TOWT's value needs the time */
        double extra[MVG_MODEL_MAX_X];
        for (size_t i = 0; i < d->n; i++) {
            for (size_t j = 1; j < d->nx; j++)
                extra[j - 1] = d->x[j][i];
            e[i] = d->y[i] - mvg_towt_predict(tw, d->t[i], d->x[0][i], extra);
        }
    } else {
        mvg_screen_residuals(m, d->y, (const double *const *)d->x, d->n, e);
    }
    s->n = d->n;
    s->screened = mvg_screen_outliers(e, d->n, &s->fences, s->flag) == 0;
    size_t k = s->fences.n_outliers;
    s->row = malloc((k ? k : 1) * sizeof *s->row);
    s->t = malloc((k ? k : 1) * sizeof *s->t);
    s->y = malloc((k ? k : 1) * sizeof *s->y);
    s->resid = malloc((k ? k : 1) * sizeof *s->resid);
    if (!s->row || !s->t || !s->y || !s->resid) {
        free(e);
        return -1;
    }
    for (size_t i = 0, q = 0; i < d->n && q < k; i++)
        if (s->flag[i]) {
            s->row[q] = i;
            s->t[q] = d->t ? d->t[i] : 0;
            s->y[q] = d->y[i];
            s->resid[q++] = e[i];
        }
    free(e);
    return 0;
}

/* Leaves out the flagged rows of d; the coverage counts the rows kept. */
static void drop_rows(mvg_cli_data *d, const unsigned char *flag)
{
    size_t q = 0, n = d->n;
    for (size_t i = 0; i < n; i++) {
        if (flag[i])
            continue;
        d->y[q] = d->y[i];
        for (size_t j = 0; j < d->nx; j++)
            d->x[j][q] = d->x[j][i];
        if (d->t)
            d->t[q] = d->t[i];
        q++;
    }
    d->coverage *= n ? (double)q / (double)n : 1.0;
    d->n = q;
}

#define SCREEN_SHOWN 20

static void print_screening(const screening *s, int has_time)
{
    if (!s->screened) {
        printf("\noutliers: not screened (fewer than 4 residuals)\n");
        return;
    }
    const mvg_screen_fences *f = &s->fences;
    printf("\noutliers (CalTRACK 2.0 methods 2.3.6 on the residuals: outside median %.6g -+ 3 "
           "IQR %.6g = [%.6g, %.6g]): %zu of %zu rows%s\n",
           f->median, f->iqr, f->low, f->high, f->n_outliers, f->n,
           !f->n_outliers ? "" : s->excluded ? ", left out: the model above is the refit without them"
                                             : ", kept in the fit (--exclude-outliers leaves them out)");
    for (size_t q = 0; q < f->n_outliers && q < SCREEN_SHOWN; q++) {
        char when[40] = "";
        if (has_time)
            mvg_timefmt_format(s->t[q], MVG_TIMEFMT_Z, when, sizeof when);
        printf("  row %zu%s%s   y %.6g   residual %.6g\n", s->row[q] + 1, has_time ? " " : "",
               when, s->y[q], s->resid[q]);
    }
    if (f->n_outliers > SCREEN_SHOWN)
        printf("  ... %zu more (--json lists every one)\n", f->n_outliers - SCREEN_SHOWN);
}

static json_t *screening_json(const screening *s, int has_time)
{
    const mvg_screen_fences *f = &s->fences;
    json_t *o = json_object();
    json_t *rows = json_array();
    for (size_t q = 0; rows && q < f->n_outliers; q++) {
        json_t *r = json_object();
        json_object_set_new(r, "row", json_integer((json_int_t)(s->row[q] + 1)));
        if (has_time) {
            char when[40];
            json_object_set_new(r, "timestamp", json_string(mvg_timefmt_format(
                                                    s->t[q], MVG_TIMEFMT_Z, when, sizeof when)));
        }
        json_object_set_new(r, "y", json_real(s->y[q]));
        json_object_set_new(r, "residual", json_real(s->resid[q]));
        json_array_append_new(rows, r);
    }
    json_object_set_new(o, "rule", json_string("CalTRACK 2.0 methods 2.3.6: a residual more than 3 "
                                               "interquartile ranges from the median"));
    json_object_set_new(o, "screened", json_boolean(s->screened));
    json_object_set_new(o, "n", json_integer((json_int_t)f->n));
    const char *k[] = {"median", "q1", "q3", "low", "high"};
    const double v[] = {f->median, f->q1, f->q3, f->low, f->high};
    for (size_t i = 0; i < 5; i++)
        json_object_set_new(o, k[i], isfinite(v[i]) ? json_real(v[i]) : json_null());
    json_object_set_new(o, "count", json_integer((json_int_t)f->n_outliers));
    json_object_set_new(o, "excluded", json_boolean(s->excluded));
    json_object_set_new(o, "rows", rows);
    return o;
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
                "hdd, cdd, hdd-cdd, towt, auto)\n",
                a.model);
        return 2;
    }

    char err[1024] = "";
    int rc = 2, off = 0;
    const char *names[MVG_MODEL_MAX_X];
    mvg_cli_data d;
    mvg_towt *tw = NULL;
    mvg_towt_opts to = {0, 0, 1};
    screening scr = {0};
    if (mvg_cli_data_load(a.csv, a.ycol, a.xcols, a.nx + (a.mode != NULL), &d, err, sizeof err) !=
            0 ||
        mvg_cli_data_catvars(&d, &a, names, &off, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate fit: %s\n", err);
        goto out;
    }
    if (a.aggregate >= 0 &&
        mvg_cli_data_aggregate(&d, a.aggregate == 0 ? 3600000 : 86400000, off, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate fit: %s: %s\n", a.csv, err);
        goto out;
    }
    mvg_granularity gran = d.has_time ? mvg_granularity_of_step_ms(d.step_ms) : MVG_GRAN_HOURLY;
    mvg_model_criteria crit;
    mvg_model_criteria_for(gran, &crit);
    crit.confidence = a.confidence;
    size_t nx = d.nx;
    if ((type == MVG_MODEL_HDD || type == MVG_MODEL_CDD || type == MVG_MODEL_HDD_CDD) &&
        gran != MVG_GRAN_DAILY) {
        fprintf(stderr, "mvgate fit: %s: the %s model needs daily rows (--aggregate daily)\n", a.csv,
                a.model);
        goto out;
    }
    int towt_ok = d.t && gran == MVG_GRAN_HOURLY && nx >= 1 && d.step_ms <= 3600000;
    if (type == MVG_MODEL_TOWT && !towt_ok) {
        fprintf(stderr,
                "mvgate fit: %s: the towt model needs a 'timestamp' column, hourly or sub-hourly "
                "rows and the temperature as the first --x\n",
                a.csv);
        goto out;
    }
    mvg_model m;
    fit_run fr = {.type = type, .d = &d, .crit = &crit, .to = &to, .towt_ok = towt_ok,
                  .quiet = a.json, .m = &m};
    to.step_ms = d.step_ms;
    to.utc_offset_min = off;
    int frc = fit_once(&fr, err, sizeof err);
    if (frc != 0) {
        fprintf(stderr, "mvgate fit: %s: %s\n", a.csv, err);
        goto out;
    }
    tw = fr.tw;
    /* screening (docs/method.md "Screening"): flagged always, left out by
     * one refit only when asked */
    if (screen_rows(&d, &m, tw, &scr) != 0) {
        fprintf(stderr, "mvgate fit: out of memory\n");
        goto out;
    }
    if (a.exclude_outliers && scr.fences.n_outliers > 0) {
        drop_rows(&d, scr.flag);
        mvg_towt_free(tw);
        tw = fr.tw = NULL;
        fr.quiet = 1; /* the candidates' lines were printed for the first fit */
        frc = fit_once(&fr, err, sizeof err);
        tw = fr.tw;
        if (frc != 0) {
            fprintf(stderr, "mvgate fit: %s: refit without %zu outliers: %s\n", a.csv,
                    scr.fences.n_outliers, err);
            goto out;
        }
        scr.excluded = 1;
    }
    mvg_model_candidate *cd = fr.cd;
    size_t nc = fr.nc;
    int towt_tried = fr.towt_tried;
    double towt_adj = fr.towt_adj;
    const char *towt_why = fr.towt_why;
    if (!a.json) {
        if (d.has_time)
            printf("rows %s by timestamp; step %.4g min; coverage %.1f %%\n",
                   d.reordered ? "sorted" : "in order", (double)d.step_ms / 60000.0,
                   100 * m.coverage);
        if (tw)
            print_towt(tw, &m, names);
        else
            print_table(&m, names, a.confidence, cd, nc);
        print_screening(&scr, d.has_time);
        rc = 0;
        goto out;
    }
    json_t *o_ = tw ? towt_json(tw, &m, names, &to) : mvg_model_to_json(&m, names);
    if (!o_) {
        fprintf(stderr, "mvgate fit: out of memory\n");
        goto out;
    }
    json_object_set_new(o_, "confidence", json_real(a.confidence));
    json_object_set_new(o_, "outliers", screening_json(&scr, d.has_time));
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
        if (towt_tried) {
            json_t *c = json_object();
            json_object_set_new(c, "model", json_string("towt"));
            json_object_set_new(c, "fitted", json_boolean(isfinite(towt_adj)));
            json_object_set_new(c, "qualified", json_boolean(isfinite(towt_adj)));
            json_object_set_new(c, "adj_r2", isfinite(towt_adj) ? json_real(towt_adj) : json_null());
            json_object_set_new(c, "why", json_string(towt_why));
            json_array_append_new(ca, c);
        }
        json_object_set_new(o_, "candidates", ca);
    }
    int dr = json_dumpf(o_, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(o_);
    printf("\n");
    rc = dr == 0 ? 0 : 2;
out:
    mvg_towt_free(tw);
    screening_free(&scr);
    mvg_cli_data_free(&d);
    return rc;
}
