/*
 * model.c: the baseline models of the M&V engine (model.h). It owns the
 * forms (mean, intensity, linear, 3PC, 3PH, 4P, 5P), the final
 * least-squares fit at the change points that changepoint.c finds through lsq.c (QR, never normal equations),
 * the further linear variables of a change-point form (x[1..], after the
 * hinges), the ASHRAE Guideline 14 statistics and verdict, the auto selection
 * (CalTRACK's rule: highest adjusted R2 among the physically plausible
 * candidates) and prediction. Pure: no clock, no I/O, no global state.
 *
 * Sign convention: (x-c)+ = max(x-c, 0) and (x-c)- = max(c-x, 0), so that
 * every slope of a physical heating or cooling response is positive: a
 * heating slope b1 > 0 makes use rise as x falls below c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "cpsums.h"
#include "degreeday.h"
#include "lsq.h"
#include "diag.h"
#include "model.h"


static const char *const type_names[] = {"mean", "intensity", "linear", "3pc", "3ph",
                                         "4p",   "5p",        "auto",   "hdd", "cdd",
                                         "hdd-cdd", "towt"};

const char *mvg_model_type_name(mvg_model_type t)
{
    if ((unsigned)t < sizeof type_names / sizeof type_names[0])
        return type_names[t];
    return "?";
}

int mvg_model_type_parse(const char *s, mvg_model_type *out)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(s, type_names[i]) == 0) {
            if (out)
                *out = (mvg_model_type)i;
            return 0;
        }
    return -1;
}

/*
 * The acceptance thresholds by granularity: the one table. Sources:
 *  - hourly (and 15-min): ASHRAE Guideline 14-2014, section 4.3.2.4 (and
 *    the calibration criteria of 5.3.2.4 it shares): CV(RMSE) 30 %,
 *    NMBE +-10 % for hourly data;
 *  - daily: CalTRACK 2.0 (methods 4.3.2.1 leaves CV(RMSE) to the procurer,
 *    100 % at most for portfolios); the California NMEC practice that
 *    CalTRACK's daily methods serve screens daily baselines at CV(RMSE)
 *    25 % and NMBE +-0.5 %;
 *  - monthly: ASHRAE Guideline 14-2014, same sections, monthly data:
 *    CV(RMSE) 15 %, NMBE +-5 %.
 * docs/method.md, "Verdict", cites the same rows; the source member is
 * what the report cites beside the thresholds.
 */
static const struct {
    const char *name;
    double max_cv_rmse, max_abs_nmbe;
    const char *source; /* what outputs cite beside the granularity (mvg_model_criteria_source) */
} gran_table[] = {
    [MVG_GRAN_HOURLY] = {"hourly", 0.30, 0.10,
                         "ASHRAE Guideline 14-2014, section 4.3.2.4"},
    [MVG_GRAN_DAILY] = {"daily", 0.25, 0.005,
                        "California NMEC practice for CalTRACK 2.0 daily baselines (CalTRACK "
                        "methods 4.3.2.1 leaves CV(RMSE) to the procurer)"},
    [MVG_GRAN_MONTHLY] = {"monthly", 0.15, 0.05,
                          "ASHRAE Guideline 14-2014, sections 4.3.2.4 / 5.3.2.4"},
};

const char *mvg_model_criteria_source(const mvg_model_criteria *c)
{
    if ((unsigned)c->granularity >= sizeof gran_table / sizeof gran_table[0])
        return NULL;
    if (c->max_cv_rmse != gran_table[c->granularity].max_cv_rmse ||
        c->max_abs_nmbe != gran_table[c->granularity].max_abs_nmbe)
        return NULL; /* configured thresholds: the configuration is their source */
    return gran_table[c->granularity].source;
}

const char *mvg_granularity_name(mvg_granularity g)
{
    if ((unsigned)g < sizeof gran_table / sizeof gran_table[0])
        return gran_table[g].name;
    return "?";
}

int mvg_granularity_parse(const char *s, mvg_granularity *out)
{
    for (size_t i = 0; s && i < sizeof gran_table / sizeof gran_table[0]; i++)
        if (strcmp(s, gran_table[i].name) == 0) {
            if (out)
                *out = (mvg_granularity)i;
            return 0;
        }
    return -1;
}

mvg_granularity mvg_granularity_of_step_ms(long long step_ms)
{
    const long long day = 86400000LL;
    if (step_ms < day)
        return MVG_GRAN_HOURLY;
    if (step_ms < 28 * day)
        return MVG_GRAN_DAILY;
    return MVG_GRAN_MONTHLY;
}

void mvg_model_criteria_for(mvg_granularity g, mvg_model_criteria *c)
{
    if ((unsigned)g >= sizeof gran_table / sizeof gran_table[0])
        g = MVG_GRAN_HOURLY;
    memset(c, 0, sizeof *c); /* padding too: criteria are compared and saved as bytes */
    c->granularity = g;
    c->max_cv_rmse = gran_table[g].max_cv_rmse;
    c->max_abs_nmbe = gran_table[g].max_abs_nmbe;
    c->min_coverage = 0.90;
    c->min_points_per_segment = 10;
    c->confidence = 0.90;
}

void mvg_model_criteria_default(mvg_model_criteria *c)
{
    mvg_model_criteria_for(MVG_GRAN_HOURLY, c);
}

static double pos(double v) { return v > 0 ? v : 0.0; }

/* The hinge columns of a change-point form (1 or 2), 0 for other forms. */
static size_t cp_hinges(mvg_model_type t)
{
    switch (t) {
    case MVG_MODEL_3PC:
    case MVG_MODEL_3PH:
        return 1;
    case MVG_MODEL_4P:
    case MVG_MODEL_5P:
        return 2;
    default:
        return 0;
    }
}

/* The further linear variables of a change-point form (x[1..]): their
 * coefficients follow the hinge slopes. */
static size_t cp_extra(mvg_model_type t, size_t nx)
{
    return cp_hinges(t) > 0 && nx > 1 ? nx - 1 : 0;
}

void mvg_model_nx_range(mvg_model_type t, size_t *lo, size_t *hi)
{
    size_t h = cp_hinges(t);
    *lo = t == MVG_MODEL_MEAN ? 0 : 1;
    *hi = MVG_MODEL_MAX_X;
    if (h > 0 && MVG_MODEL_MAX_COEF - h < MVG_MODEL_MAX_X)
        *hi = MVG_MODEL_MAX_COEF - h; /* b0 + h hinges + (nx - 1) linear terms */
    else if (t == MVG_MODEL_INTENSITY || t == MVG_MODEL_HDD || t == MVG_MODEL_CDD ||
             t == MVG_MODEL_HDD_CDD)
        *hi = 1;
}

int mvg_model_coef_x(const mvg_model *m, size_t k)
{
    if (k >= m->ncoef || m->type == MVG_MODEL_MEAN || m->type == MVG_MODEL_TOWT)
        return -1;
    if (m->type == MVG_MODEL_INTENSITY)
        return 0;
    if (k == 0)
        return -1; /* b0 */
    if (m->type == MVG_MODEL_LINEAR)
        return (int)(k - 1);
    size_t h = cp_hinges(m->type);
    if (h == 0 || k <= h)
        return 0; /* a hinge slope, or a degree-day form's */
    return (int)(k - h); /* x[1..] after the hinges */
}

size_t mvg_model_form_size(mvg_model_type t, size_t nx, size_t *ncp)
{
    *ncp = 0;
    switch (t) {
    case MVG_MODEL_MEAN:
    case MVG_MODEL_INTENSITY:
        return 1;
    case MVG_MODEL_LINEAR:
        return 1 + nx;
    case MVG_MODEL_3PC:
    case MVG_MODEL_3PH:
        *ncp = 1;
        return 2 + cp_extra(t, nx);
    case MVG_MODEL_4P:
        *ncp = 1;
        return 3 + cp_extra(t, nx);
    case MVG_MODEL_5P:
        *ncp = 2;
        return 3 + cp_extra(t, nx);
    case MVG_MODEL_HDD:
    case MVG_MODEL_CDD:
        *ncp = 1; /* the balance point counts in p, as a change point does */
        return 2;
    case MVG_MODEL_HDD_CDD:
        *ncp = 2;
        return 3;
    default:
        return 0;
    }
}

/* Fills the n x k column-major design of form t at change points cp. */
static void build_design(mvg_model_type t, const double *const *x, size_t nx, size_t n,
                         const double *cp, double *a)
{
    switch (t) {
    case MVG_MODEL_MEAN:
        for (size_t i = 0; i < n; i++)
            a[i] = 1.0;
        break;
    case MVG_MODEL_INTENSITY:
        memcpy(a, x[0], n * sizeof *a);
        break;
    case MVG_MODEL_LINEAR:
        for (size_t i = 0; i < n; i++)
            a[i] = 1.0;
        for (size_t j = 0; j < nx; j++)
            memcpy(a + (j + 1) * n, x[j], n * sizeof *a);
        break;
    case MVG_MODEL_3PC:
        for (size_t i = 0; i < n; i++) {
            a[i] = 1.0;
            a[n + i] = pos(x[0][i] - cp[0]);
        }
        break;
    case MVG_MODEL_3PH:
        for (size_t i = 0; i < n; i++) {
            a[i] = 1.0;
            a[n + i] = pos(cp[0] - x[0][i]);
        }
        break;
    case MVG_MODEL_4P:
        for (size_t i = 0; i < n; i++) {
            a[i] = 1.0;
            a[n + i] = pos(cp[0] - x[0][i]);
            a[2 * n + i] = pos(x[0][i] - cp[0]);
        }
        break;
    case MVG_MODEL_5P:
        for (size_t i = 0; i < n; i++) {
            a[i] = 1.0;
            a[n + i] = pos(cp[0] - x[0][i]);
            a[2 * n + i] = pos(x[0][i] - cp[1]);
        }
        break;
    default:
        break;
    }
    /* a change-point form's further x enter linearly, after the hinges */
    size_t h = cp_hinges(t);
    for (size_t j = 0; j < cp_extra(t, nx); j++)
        memcpy(a + (1 + h + j) * n, x[j + 1], n * sizeof *a);
}

/* sum c_k x[k] over a change-point form's further x (0 for other forms) */
static double extra_terms(const mvg_model *m, const double *x)
{
    size_t h = cp_hinges(m->type);
    double v = 0;
    for (size_t j = 0; j < cp_extra(m->type, m->nx); j++)
        v += m->coef[1 + h + j] * x[j + 1];
    return v;
}

double mvg_model_predict(const mvg_model *m, const double *x)
{
    const double *b = m->coef;
    switch (m->type) {
    case MVG_MODEL_MEAN:
        return b[0];
    case MVG_MODEL_INTENSITY:
        return b[0] * x[0];
    case MVG_MODEL_LINEAR: {
        double v = b[0];
        for (size_t j = 0; j < m->nx; j++)
            v += b[j + 1] * x[j];
        return v;
    }
    case MVG_MODEL_3PC:
        return b[0] + b[1] * pos(x[0] - m->cp[0]) + extra_terms(m, x);
    case MVG_MODEL_3PH:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + extra_terms(m, x);
    case MVG_MODEL_4P:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + b[2] * pos(x[0] - m->cp[0]) +
               extra_terms(m, x);
    case MVG_MODEL_5P:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + b[2] * pos(x[0] - m->cp[1]) +
               extra_terms(m, x);
    case MVG_MODEL_HDD: /* x[0]: the day's mean temperature (CalTRACK 3.3.5) */
        return b[0] + b[1] * pos(m->cp[0] - x[0]);
    case MVG_MODEL_CDD:
        return b[0] + b[1] * pos(x[0] - m->cp[0]);
    case MVG_MODEL_HDD_CDD:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + b[2] * pos(x[0] - m->cp[1]);
    default:
        return NAN;
    }
}

/* ---- statistics and verdict -------------------------------------------- */

static void add_reason(mvg_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_reason(mvg_model *m, const char *fmt, ...)
{
    if (m->nreasons >= MVG_MODEL_MAX_REASONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->reasons[m->nreasons], sizeof m->reasons[0], fmt, ap);
    va_end(ap);
    m->nreasons++;
}

static void count_segments(mvg_model *m, const double *x, size_t n)
{
    m->nseg = 0;
    memset(m->seg_n, 0, sizeof m->seg_n);
    switch (m->type) {
    case MVG_MODEL_3PC: /* flat part x <= c */
        m->nseg = 2;
        for (size_t i = 0; i < n; i++)
            m->seg_n[x[i] > m->cp[0]]++;
        break;
    case MVG_MODEL_3PH: /* flat part x >= c */
    case MVG_MODEL_4P:
        m->nseg = 2;
        for (size_t i = 0; i < n; i++)
            m->seg_n[x[i] >= m->cp[0]]++;
        break;
    case MVG_MODEL_5P:
        m->nseg = 3;
        for (size_t i = 0; i < n; i++)
            m->seg_n[x[i] < m->cp[0] ? 0 : x[i] <= m->cp[1] ? 1 : 2]++;
        break;
    default:
        break;
    }
}

void mvg_model_judge(mvg_model *m, const mvg_model_criteria *c)
{
    m->nreasons = 0;
    if (!(m->cv_rmse <= c->max_cv_rmse))
        add_reason(m, "CV(RMSE) %.3f > %.2f", m->cv_rmse, c->max_cv_rmse);
    if (!(fabs(m->nmbe) <= c->max_abs_nmbe))
        add_reason(m, "|NMBE| %.3f > %.2f", fabs(m->nmbe), c->max_abs_nmbe);
    if (!(m->coverage >= c->min_coverage))
        add_reason(m, "coverage %.3f < %.2f", m->coverage, c->min_coverage);
    for (size_t s = 0; s < m->nseg; s++)
        if (m->seg_n[s] < c->min_points_per_segment)
            add_reason(m, "segment %zu of %zu has %zu points < %zu", s + 1, m->nseg, m->seg_n[s],
                       c->min_points_per_segment);
    m->pass = m->nreasons == 0;
}

/*
 * A mean model does not pass where a variable it leaves out is
 * significant: the slope of y on each x (simple regression through lsq.c)
 * with |t| at or above the two-sided 90 % quantile (p < 0.10, the level at
 * which CalTRACK and auto test slopes) adds a reason. Without it a mean
 * model on weather-driven data passes on CV(RMSE) alone.
 */
static void mean_left_out(mvg_model *m, const double *y, const double *const *x, size_t nx,
                          size_t n)
{
    if (nx == 0 || n < 3)
        return;
    double *a = malloc(2 * n * sizeof *a);
    if (!a)
        return;
    double tq = mvg_t_quantile(0.90, (double)(n - 2));
    for (size_t j = 0; j < nx; j++) {
        for (size_t i = 0; i < n; i++) {
            a[i] = 1.0;
            a[n + i] = x[j][i];
        }
        mvg_lsq_result lr;
        char e[160];
        if (mvg_lsq_fit(a, n, 2, y, 1, 0, &lr, NULL, e, sizeof e) != 0)
            continue; /* x constant (rank deficient): it explains nothing */
        double t = lr.std_err[1] > 0 ? lr.coef[1] / lr.std_err[1]
                   : lr.coef[1] != 0 ? INFINITY /* an exact fit: y is a line in x */
                                     : 0.0;
        if (fabs(t) >= tq) {
            add_reason(m, "x%zu is significant (|t| %.2f >= %.2f, p < 0.10): a mean model leaves it out",
                       j + 1, fabs(t), tq);
            m->pass = 0;
        }
    }
    free(a);
}

/* ---- fitting ------------------------------------------------------------ */

static int check_input(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                       size_t n, char *err, size_t errlen)
{
    const char *tn = mvg_model_type_name(type);
    if (!y || (nx > 0 && !x)) {
        mvg_set_err(err, errlen, "%s model: no data", tn);
        return -1;
    }
    if (nx > MVG_MODEL_MAX_X) {
        mvg_set_err(err, errlen, "%s model: %zu independent variables, at most %d", tn, nx,
                MVG_MODEL_MAX_X);
        return -1;
    }
    switch (type) {
    case MVG_MODEL_MEAN: /* x, if any, are tested, not used */
        break;
    case MVG_MODEL_LINEAR:
        if (nx == 0) {
            mvg_set_err(err, errlen, "linear model needs at least one x");
            return -1;
        }
        break;
    case MVG_MODEL_3PC:
    case MVG_MODEL_3PH:
    case MVG_MODEL_4P:
    case MVG_MODEL_5P: {
        size_t lo, hi;
        mvg_model_nx_range(type, &lo, &hi);
        if (nx < lo) {
            mvg_set_err(err, errlen, "%s model needs at least one x (the change-point variable "
                        "first)", tn);
            return -1;
        }
        if (nx > hi) {
            mvg_set_err(err, errlen, "%s model takes at most %zu x, %zu given", tn, hi, nx);
            return -1;
        }
        break;
    }
    case MVG_MODEL_INTENSITY:
    case MVG_MODEL_HDD:
    case MVG_MODEL_CDD:
    case MVG_MODEL_HDD_CDD:
        if (nx != 1) {
            mvg_set_err(err, errlen, "%s model takes exactly one x, %zu given", tn, nx);
            return -1;
        }
        break;
    default:
        mvg_set_err(err, errlen, "model type %d cannot be fitted directly", (int)type);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            mvg_set_err(err, errlen, "%s model: y at row %zu is not a finite number", tn, i);
            return -1;
        }
        for (size_t j = 0; j < nx; j++)
            if (!isfinite(x[j][i])) {
                mvg_set_err(err, errlen, "%s model: x%zu at row %zu is not a finite number", tn, j + 1,
                        i);
                return -1;
            }
    }
    return 0;
}

/* The design and work space of the QR path of a change-point search with
 * further x: every candidate's SSE is the QR one of the full design
 * (lsq.c). */
typedef struct {
    mvg_model_type t;
    const double *y;
    const double *const *x;
    size_t nx, n, k;
    double *a, *yw; /* n x k and n, overwritten by each candidate */
} cp_search;

static double cp_search_sse(void *ctx, const double *cp)
{
    cp_search *s = ctx;
    double sse;
    build_design(s->t, s->x, s->nx, s->n, cp, s->a);
    memcpy(s->yw, s->y, s->n * sizeof *s->yw);
    return mvg_lsq_sse_inplace(s->a, s->n, s->k, s->yw, &sse) == 0 ? sse : INFINITY;
}

/* The change point(s) of form t: the one-x search of changepoint.c, or, with
 * further x, the same grid and refinement with each candidate's SSE from
 * the prefix sums of the full design (intercept, hinges, the further x),
 * or from its QR when asked (by_qr) or when the sums do not carry that
 * many further x. */
static int search_cp(mvg_model_type t, const double *y, const double *const *x, size_t nx,
                     size_t n, int by_qr, double *cp, char *err, size_t errlen)
{
    if (nx <= 1)
        return mvg_changepoint_search(t, y, x[0], n, cp, err, errlen);
    if (!by_qr && nx - 1 <= MVG_CPSUMS_MAX_Z)
        return mvg_changepoint_search_z(t, y, x[0], x + 1, nx - 1, n, cp, err, errlen);
    size_t ncp;
    cp_search s = {t, y, x, nx, n, mvg_model_form_size(t, nx, &ncp), NULL, NULL};
    s.a = malloc(n * s.k * sizeof *s.a);
    s.yw = malloc(n * sizeof *s.yw);
    int rc = -1;
    if (!s.a || !s.yw)
        mvg_set_err(err, errlen, "%s model: out of memory for %zu rows", mvg_model_type_name(t), n);
    else
        rc = mvg_changepoint_search_with(t, y, x[0], n, cp_search_sse, &s, cp, err, errlen);
    free(s.a);
    free(s.yw);
    return rc;
}

/* The fit of form type, at the change points cp_fixed when not NULL, else
 * at those the search finds (see mvg_model_fit and mvg_model_fit_at). */
static int fit_form(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                    size_t n, const double *cp_fixed, double coverage,
                    const mvg_model_criteria *crit, mvg_model *out, char *err, size_t errlen)
{
    mvg_model_criteria defc;
    if (!crit) {
        mvg_model_criteria_default(&defc);
        crit = &defc;
    }
    if (!out) {
        mvg_set_err(err, errlen, "model fit: no output");
        return -1;
    }
    if (check_input(type, y, x, nx, n, err, errlen) != 0)
        return -1;
    const char *tn = mvg_model_type_name(type);
    size_t ncp, k = mvg_model_form_size(type, nx, &ncp);
    size_t p = k + ncp;
    if (n <= p) {
        mvg_set_err(err, errlen, "%s model: %zu rows for %zu parameters: need more rows than parameters",
                tn, n, p);
        return -1;
    }
    long double ys = 0;
    for (size_t i = 0; i < n; i++)
        ys += y[i];
    double ybar = (double)(ys / n);
    long double sst = 0;
    for (size_t i = 0; i < n; i++)
        sst += ((long double)y[i] - ybar) * ((long double)y[i] - ybar);
    if (!(sst > 0)) {
        mvg_set_err(err, errlen, "%s model: y is constant (%g on all %zu rows): R2 is undefined", tn,
                y[0], n);
        return -1;
    }
    if (ybar == 0.0) {
        mvg_set_err(err, errlen, "%s model: mean of y is 0: CV(RMSE) and NMBE are undefined", tn);
        return -1;
    }

    mvg_model m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.nx = nx;
    m.ncoef = k;
    m.ncp = ncp;
    m.n = n;
    m.p = p;
    m.cp[0] = m.cp[1] = NAN;
    if (ncp > 0 && cp_fixed) {
        m.cp[0] = cp_fixed[0];
        if (ncp > 1)
            m.cp[1] = cp_fixed[1];
    } else if (ncp > 0 && search_cp(type, y, x, nx, n, crit->cp_sse_by_qr, m.cp, err, errlen) != 0)
        return -1;

    int rc = -1;
    double *a = malloc(n * k * sizeof *a);
    if (!a) {
        mvg_set_err(err, errlen, "%s model: out of memory for %zu rows", tn, n);
        return -1;
    }
    build_design(type == MVG_MODEL_HDD     ? MVG_MODEL_3PH
                 : type == MVG_MODEL_CDD   ? MVG_MODEL_3PC
                 : type == MVG_MODEL_HDD_CDD ? MVG_MODEL_5P
                                           : type,
                 x, nx, n, m.cp, a);
    mvg_lsq_result lr;
    size_t bad = 0;
    char lerr[160];
    int lrc = mvg_lsq_fit(a, n, k, y, type != MVG_MODEL_INTENSITY, n - p, &lr, &bad, lerr,
                          sizeof lerr);
    if (lrc == -2) {
        if (type == MVG_MODEL_LINEAR && bad > 0)
            mvg_set_err(err, errlen,
                    "%s model: singular design: x%zu is a linear combination of the intercept "
                    "and the x before it (or constant)",
                    tn, bad);
        else
            mvg_set_err(err, errlen, "%s model: singular design (x is zero or constant)", tn);
        goto cleanup;
    }
    if (lrc != 0) {
        mvg_set_err(err, errlen, "%s model: %s", tn, lerr);
        goto cleanup;
    }
    for (size_t j = 0; j < k; j++) {
        m.coef[j] = lr.coef[j];
        m.std_err[j] = lr.std_err[j];
        m.t_stat[j] = lr.std_err[j] > 0 ? lr.coef[j] / lr.std_err[j] : NAN;
    }

    /* Residual statistics from the residuals themselves (long double), so
     * that SSE, NMBE and rho agree with each other to the last digit. */
    long double sse = 0, sum_e = 0, lag = 0;
    double prev = 0;
    for (size_t i = 0; i < n; i++) {
        double xi[MVG_MODEL_MAX_X];
        for (size_t j = 0; j < nx; j++)
            xi[j] = x[j][i];
        double e = y[i] - mvg_model_predict(&m, xi);
        sse += (long double)e * e;
        sum_e += e;
        if (i > 0)
            lag += (long double)e * prev;
        prev = e;
    }
    double dof = (double)(n - p);
    m.ybar = ybar;
    m.sse = (double)sse;
    /* R2 against ybar for every form, intensity included: the question is
     * how much of the variation about the mean the model explains, which is
     * what adjusted R2 compares across candidates (not the uncentered R2 of
     * a through-origin regression, which is not comparable). */
    m.r2 = (double)(1.0L - sse / sst);
    m.adj_r2 = 1.0 - (1.0 - m.r2) * (double)(n - 1) / dof;
    m.rmse = sqrt(m.sse / dof);
    m.cv_rmse = m.rmse / ybar;
    m.nmbe = (double)(sum_e / ((long double)dof * ybar));
    m.rho = sse > 0 ? (double)(lag / sse) : 0.0;
    m.coverage = isfinite(coverage) ? coverage : 1.0;
    m.granularity = crit->granularity;
    count_segments(&m, x ? x[0] : NULL, ncp ? n : 0);
    mvg_model_judge(&m, crit);
    if (type == MVG_MODEL_MEAN)
        mean_left_out(&m, y, x, nx, n);
    *out = m;
    rc = 0;
cleanup:
    free(a);
    return rc;
}

int mvg_model_fit(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                  size_t n, double coverage, const mvg_model_criteria *crit, mvg_model *out,
                  char *err, size_t errlen)
{
    if (type == MVG_MODEL_HDD || type == MVG_MODEL_CDD || type == MVG_MODEL_HDD_CDD)
        return mvg_degreeday_fit(type, y, nx == 1 && x ? x[0] : NULL, n, coverage, crit, out,
                                 err, errlen);
    return fit_form(type, y, x, nx, n, NULL, coverage, crit, out, err, errlen);
}

int mvg_model_fit_at(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                     size_t n, const double *cp, double coverage, const mvg_model_criteria *crit,
                     mvg_model *out, char *err, size_t errlen)
{
    return fit_form(type, y, x, nx, n, cp, coverage, crit, out, err, errlen);
}

/*
 * Physical plausibility of a change-point fit, as CalTRACK screens its
 * candidates: heating and cooling slopes positive (use rises away from the
 * balance point) and significant (p < 0.10, two-sided, conditional on the
 * change points). Without the significance rule a 4P or 5P with a slope
 * fitted to noise beats the true 3P by a hair of adjusted R2. Writes why
 * into buf and returns 1 when disqualified.
 */
static int implausible(const mvg_model *m, char *buf, size_t len)
{
    static const char *const names[3] = {"", "heating slope b1", "cooling slope b2"};
    size_t first, last;
    switch (m->type) {
    case MVG_MODEL_3PC:
    case MVG_MODEL_3PH:
        first = last = 1;
        break;
    case MVG_MODEL_4P:
    case MVG_MODEL_5P:
        first = 1;
        last = 2;
        break;
    default:
        return 0;
    }
    double tq = mvg_t_quantile(0.90, (double)(m->n - m->p));
    for (size_t j = first; j <= last; j++) {
        const char *nm = m->type == MVG_MODEL_3PC ? "cooling slope b1"
                         : m->type == MVG_MODEL_3PH ? "heating slope b1"
                                                    : names[j];
        if (!(m->coef[j] > 0)) {
            snprintf(buf, len, "%s %.4g <= 0: %s", nm, m->coef[j],
                     strstr(nm, "heating") ? "use does not rise as x falls"
                                           : "use does not rise as x rises");
            return 1;
        }
        if (isfinite(m->t_stat[j]) && m->t_stat[j] < tq) {
            snprintf(buf, len, "%s not significant (t %.2f < %.2f, p >= 0.10)", nm, m->t_stat[j],
                     tq);
            return 1;
        }
    }
    return 0;
}

int mvg_model_fit_auto(const double *y, const double *const *x, size_t nx, size_t n,
                       double coverage, const mvg_model_criteria *crit, mvg_model *out,
                       mvg_model_candidate *cands, size_t *ncands, char *err, size_t errlen)
{
    /* The degree-day forms are CalTRACK's daily methods: candidates for
     * daily rows with one x (the day's mean temperature) only. */
    static const mvg_model_type order[MVG_MODEL_MAX_CANDIDATES] = {
        MVG_MODEL_MEAN, MVG_MODEL_LINEAR, MVG_MODEL_3PC, MVG_MODEL_3PH,    MVG_MODEL_4P,
        MVG_MODEL_5P,   MVG_MODEL_HDD,    MVG_MODEL_CDD, MVG_MODEL_HDD_CDD};
    mvg_model_criteria defc;
    if (!crit) {
        mvg_model_criteria_default(&defc);
        crit = &defc;
    }
    size_t ncand = crit->granularity == MVG_GRAN_DAILY && nx == 1 ? MVG_MODEL_MAX_CANDIDATES
                                                                 : MVG_MODEL_MAX_CANDIDATES - 3;
    if (ncands)
        *ncands = 0;
    if (!out) {
        mvg_set_err(err, errlen, "auto fit: no output");
        return -1;
    }
    int have = 0;
    mvg_model best, cur;
    char reasons[MVG_MODEL_MAX_CANDIDATES * 200] = "";
    for (size_t c = 0; c < ncand; c++) {
        mvg_model_type t = order[c];
        mvg_model_candidate cd = {t, 0, 0, NAN, ""};
        size_t fnx = nx; /* the mean model tests the x it leaves out */
        if (t == MVG_MODEL_LINEAR && nx == 0) {
            snprintf(cd.why, sizeof cd.why, "needs at least one x");
        } else if (t >= MVG_MODEL_3PC && nx == 0) {
            snprintf(cd.why, sizeof cd.why, "change-point forms need at least one x");
        } else if (mvg_model_fit(t, y, x, fnx, n, coverage, crit, &cur, cd.why, sizeof cd.why) ==
                   0) {
            cd.fitted = 1;
            cur.nx = nx; /* a mean chosen among x-models still reads (and ignores) the x */
            cd.adj_r2 = cur.adj_r2;
            int bad = implausible(&cur, cd.why, sizeof cd.why);
            size_t short_seg = cur.nseg;
            for (size_t s = 0; s < cur.nseg; s++)
                if (cur.seg_n[s] < crit->min_points_per_segment) {
                    short_seg = s;
                    break;
                }
            if (bad)
                ;
            else if (short_seg < cur.nseg)
                snprintf(cd.why, sizeof cd.why, "segment %zu of %zu has %zu points < %zu",
                         short_seg + 1, cur.nseg, cur.seg_n[short_seg],
                         crit->min_points_per_segment);
            else {
                cd.qualified = 1;
                if (!have || cur.adj_r2 > best.adj_r2) {
                    best = cur;
                    have = 1;
                }
            }
        }
        if (!cd.qualified) {
            size_t l = strlen(reasons);
            snprintf(reasons + l, sizeof reasons - l, "%s%s: %s", l ? "; " : "",
                     mvg_model_type_name(t), cd.why);
        }
        if (cands)
            cands[c] = cd;
        if (ncands)
            *ncands = c + 1;
    }
    if (!have) {
        mvg_set_err(err, errlen, "auto fit: no candidate qualified (%s)", reasons);
        return -1;
    }
    *out = best;
    return 0;
}
