/*
 * model.c: the baseline models of the M&V engine (model.h). It owns the
 * forms (mean, intensity, linear, 3PC, 3PH, 4P, 5P), the change-point search
 * (grid over candidate values, then golden-section refinement of the SSE,
 * each candidate's SSE from prefix sums over the rows sorted by x), the
 * final least-squares fit through lsq.c (QR, never normal equations),
 * the ASHRAE Guideline 14 statistics and verdict, the auto selection
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

#include "lsq.h"
#include "diag.h"
#include "model.h"

/* Grid sizes of the change-point search: enough that the refinement starts
 * in the right basin; the refinement then reaches full precision. A
 * candidate costs O(log n) (prefix sums), so the grids can be fine. */
#define GRID_1CP 400
#define GRID_2CP 200
#define REFINE_STARTS_2CP 5
#define GOLDEN_ITERS 60
#define REFINE_BASINS 3

static const char *const type_names[] = {"mean", "intensity", "linear", "3pc",
                                         "3ph",  "4p",        "5p",     "auto"};

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

void mvg_model_criteria_default(mvg_model_criteria *c)
{
    c->max_cv_rmse = 0.30;
    c->max_abs_nmbe = 0.10;
    c->min_coverage = 0.90;
    c->min_points_per_segment = 10;
    c->confidence = 0.90;
}

static double pos(double v) { return v > 0 ? v : 0.0; }

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
        return 2;
    case MVG_MODEL_4P:
        *ncp = 1;
        return 3;
    case MVG_MODEL_5P:
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
        return b[0] + b[1] * pos(x[0] - m->cp[0]);
    case MVG_MODEL_3PH:
        return b[0] + b[1] * pos(m->cp[0] - x[0]);
    case MVG_MODEL_4P:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + b[2] * pos(x[0] - m->cp[0]);
    case MVG_MODEL_5P:
        return b[0] + b[1] * pos(m->cp[0] - x[0]) + b[2] * pos(x[0] - m->cp[1]);
    default:
        return NAN;
    }
}

/* ---- change-point search ------------------------------------------------ */

/*
 * The SSE of a candidate comes from prefix sums over the rows sorted by x,
 * not from a QR of the n-row design: the hinge columns (c1-x)+ and (x-c2)+
 * are linear in x on the rows where they are non-zero (a prefix and a
 * suffix of the sorted rows), so every entry of the cross products is a
 * combination of prefix sums of 1, u, u^2, v, uv, v^2 at two split indices
 * (u, v: x and y minus their means, to keep the sums small and the
 * cancellation in SSE = Syy - q'Q^-1 q harmless; long double for the same
 * reason). O(log n) per candidate instead of O(n). The final fit at the
 * change points found is the QR one, which decides every reported number.
 */
enum { PS_U, PS_UU, PS_V, PS_UV, PS_VV, PS_N };

typedef struct {
    mvg_model_type t;
    size_t n;
    const double *xs;     /* x sorted ascending */
    const long double *ps; /* (n+1) x PS_N prefix sums over the sorted rows */
    double xm;            /* mean of x, subtracted before summing */
} search_ctx;

/* Rows of the sorted x below c (strict: x < c), by binary search. */
static size_t count_below(const double *xs, size_t n, double c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (xs[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Rows of the sorted x at or below c. */
static size_t count_upto(const double *xs, size_t n, double c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (xs[mid] <= c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A hinge column's sums over its non-zero rows: sum h, sum h^2, sum h*v. */
typedef struct {
    size_t cnt;
    long double h, hh, hv;
} hinge_sums;

/* Rows [0, L) with h = d - u: the heating hinge (c-x)+. */
static hinge_sums lower_hinge(const search_ctx *s, double c)
{
    size_t L = count_below(s->xs, s->n, c);
    const long double *p = s->ps + L * PS_N;
    long double d = (long double)c - s->xm, nl = (long double)L;
    hinge_sums r = {L, d * nl - p[PS_U], d * d * nl - 2 * d * p[PS_U] + p[PS_UU],
                    d * p[PS_V] - p[PS_UV]};
    return r;
}

/* Rows [R, n) with h = u - d: the cooling hinge (x-c)+. */
static hinge_sums upper_hinge(const search_ctx *s, double c)
{
    size_t R = count_upto(s->xs, s->n, c);
    const long double *p = s->ps + R * PS_N, *t = s->ps + s->n * PS_N;
    long double d = (long double)c - s->xm, nr = (long double)(s->n - R);
    long double su = t[PS_U] - p[PS_U], suu = t[PS_UU] - p[PS_UU], sv = t[PS_V] - p[PS_V],
                suv = t[PS_UV] - p[PS_UV];
    hinge_sums r = {s->n - R, su - d * nr, suu - 2 * d * su + d * d * nr, suv - d * sv};
    return r;
}

/* Below this share of a hinge column's sum of squares left after removing
 * the intercept (or of the 2x2 determinant), a candidate is treated as
 * singular: well above the rounding of the sums, far below any design the
 * QR fit would find ill-conditioned in practice. */
#define SUMS_RANK_TOL 1e-14

/* SSE of the OLS fit at change points cp; +inf when the design is singular
 * or ill-conditioned there (e.g. a hinge column that is zero on every row). */
static double sse_at(search_ctx *s, const double *cp)
{
    hinge_sums h[2];
    size_t m = 0;
    switch (s->t) {
    case MVG_MODEL_3PC:
        h[m++] = upper_hinge(s, cp[0]);
        break;
    case MVG_MODEL_3PH:
        h[m++] = lower_hinge(s, cp[0]);
        break;
    case MVG_MODEL_4P:
        h[m++] = lower_hinge(s, cp[0]);
        h[m++] = upper_hinge(s, cp[0]);
        break;
    case MVG_MODEL_5P:
        /* the hinges' rows are disjoint (no cross term) only when c1 <= c2 */
        if (!(cp[0] <= cp[1]))
            return INFINITY;
        h[m++] = lower_hinge(s, cp[0]);
        h[m++] = upper_hinge(s, cp[1]);
        break;
    default:
        return INFINITY;
    }
    const long double *t = s->ps + s->n * PS_N;
    long double nn = (long double)s->n, sv = t[PS_V];
    long double syy = t[PS_VV] - sv * sv / nn;
    /* Intercept eliminated: Q, q are the hinge columns' cross products
     * about their means. */
    long double q[2], Q[2][2];
    for (size_t j = 0; j < m; j++) {
        if (h[j].cnt == 0 || !(h[j].hh > 0))
            return INFINITY;
        q[j] = h[j].hv - h[j].h * sv / nn;
        for (size_t k = 0; k <= j; k++)
            Q[j][k] = Q[k][j] = (j == k ? h[j].hh : 0.0L) - h[j].h * h[k].h / nn;
        if (!(Q[j][j] > SUMS_RANK_TOL * h[j].hh))
            return INFINITY;
    }
    long double expl;
    if (m == 1) {
        expl = q[0] * q[0] / Q[0][0];
    } else {
        long double det = Q[0][0] * Q[1][1] - Q[0][1] * Q[0][1];
        if (!(det > SUMS_RANK_TOL * Q[0][0] * Q[1][1]))
            return INFINITY;
        expl = (Q[1][1] * q[0] * q[0] - 2 * Q[0][1] * q[0] * q[1] + Q[0][0] * q[1] * q[1]) / det;
    }
    double sse = (double)(syy - expl);
    if (!isfinite(sse))
        return INFINITY;
    return sse > 0 ? sse : 0.0;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

typedef struct {
    double x, y;
} xy_row;

static int cmp_row(const void *pa, const void *pb)
{
    double a = ((const xy_row *)pa)->x, b = ((const xy_row *)pb)->x;
    return (a > b) - (a < b);
}

/*
 * Candidate values for one change point inside [a, b]: up to g values,
 * half spaced by rank among the sorted x inside the range (dense data,
 * dense candidates), half evenly in value, sorted and de-duplicated.
 * Returns their count (0 when no x lies in the range).
 */
static size_t candidates(const double *sorted, size_t n, double a, double b, size_t g,
                         double *out)
{
    if (!(b >= a))
        return 0;
    size_t ilo = count_below(sorted, n, a), ihi = count_upto(sorted, n, b);
    if (ihi <= ilo)
        return 0;
    ihi--; /* inclusive */
    size_t half = g / 2, m = 0;
    for (size_t k = 0; k < half; k++) {
        size_t idx = ilo + (size_t)llround((double)(ihi - ilo) * (double)k / (double)(half - 1));
        out[m++] = sorted[idx];
    }
    for (size_t k = 0; k < g - half; k++)
        out[m++] = a + (b - a) * (double)k / (double)(g - half - 1);
    qsort(out, m, sizeof *out, cmp_double);
    size_t u = 0;
    for (size_t k = 0; k < m; k++)
        if (u == 0 || out[k] != out[u - 1])
            out[u++] = out[k];
    return u;
}

static void keep_if_better(double v, const double *t, double *best, double *bestv)
{
    if (v < *bestv) {
        *bestv = v;
        best[0] = t[0];
        best[1] = t[1];
    }
}

/* Golden-section minimisation of the SSE over cp[idx] in [a, b], the other
 * change point held at cp[1 - idx]. Every point evaluated competes for
 * best/bestv, so the result is never worse than where the search started. */
static void golden(search_ctx *s, const double *cp, size_t idx, double a, double b, double *best,
                   double *bestv)
{
    const double r = 0.5 * (sqrt(5.0) - 1.0);
    double t1[2] = {cp[0], cp[1]}, t2[2] = {cp[0], cp[1]};
    if (!(b > a))
        return;
    t1[idx] = b - r * (b - a);
    t2[idx] = a + r * (b - a);
    double f1 = sse_at(s, t1), f2 = sse_at(s, t2);
    keep_if_better(f1, t1, best, bestv);
    keep_if_better(f2, t2, best, bestv);
    for (int it = 0; it < GOLDEN_ITERS && (b - a) > 1e-10 * (fabs(a) + fabs(b) + 1e-300); it++) {
        if (f1 <= f2) {
            b = t2[idx];
            t2[idx] = t1[idx];
            f2 = f1;
            t1[idx] = b - r * (b - a);
            f1 = sse_at(s, t1);
            keep_if_better(f1, t1, best, bestv);
        } else {
            a = t1[idx];
            t1[idx] = t2[idx];
            f1 = f2;
            t2[idx] = a + r * (b - a);
            f2 = sse_at(s, t2);
            keep_if_better(f2, t2, best, bestv);
        }
    }
}

/*
 * Global search of cp[idx] over [a, b] with the other change point held:
 * the SSE on a grid of candidates, then golden-section refinement inside
 * the neighbouring cells of the REFINE_BASINS lowest local minima of the
 * grid (the SSE need not be unimodal over the whole range). Updates
 * best/bestv.
 */
static void line_search(search_ctx *s, const double *sorted, const double *cp, size_t idx,
                        double a, double b, size_t gsize, double *best, double *bestv)
{
    double grid[GRID_1CP], f[GRID_1CP];
    size_t g = candidates(sorted, s->n, a, b, gsize < GRID_1CP ? gsize : GRID_1CP, grid);
    double t[2] = {cp[0], cp[1]};
    for (size_t i = 0; i < g; i++) {
        t[idx] = grid[i];
        f[i] = sse_at(s, t);
        keep_if_better(f[i], t, best, bestv);
    }
    for (int basin = 0; basin < REFINE_BASINS; basin++) {
        size_t pick = g;
        for (size_t i = 0; i < g; i++) {
            if (!isfinite(f[i]))
                continue;
            int lmin = (i == 0 || !(f[i] > f[i - 1])) && (i + 1 == g || !(f[i] > f[i + 1]));
            if (lmin && (pick == g || f[i] < f[pick]))
                pick = i;
        }
        if (pick == g)
            break;
        t[idx] = grid[pick];
        golden(s, t, idx, grid[pick > 0 ? pick - 1 : 0], grid[pick + 1 < g ? pick + 1 : g - 1],
               best, bestv);
        f[pick] = NAN; /* excluded from the next basin pick */
    }
}

/* Finds the change point(s) minimising the SSE over [P10, P90] of x (order
 * statistics floor(0.1(n-1)) and ceil(0.9(n-1)) of the sorted x). Returns
 * 0, or -1 when no candidate gives a non-singular design. */
static int search_cp(mvg_model_type t, const double *y, const double *x, size_t n,
                     double *cp_out, char *err, size_t errlen)
{
    int rc = -1;
    xy_row *rows = malloc(n * sizeof *rows);
    double *sorted = malloc(n * sizeof *sorted);
    long double *ps = malloc((n + 1) * PS_N * sizeof *ps);
    if (!rows || !sorted || !ps) {
        mvg_set_err(err, errlen, "change-point search: out of memory for %zu rows", n);
        goto cleanup;
    }
    long double xsum = 0, ysum = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].x = x[i];
        rows[i].y = y[i];
        xsum += x[i];
        ysum += y[i];
    }
    qsort(rows, n, sizeof *rows, cmp_row);
    double xm = (double)(xsum / n), ym = (double)(ysum / n);
    memset(ps, 0, PS_N * sizeof *ps);
    for (size_t i = 0; i < n; i++) {
        const long double *a = ps + i * PS_N;
        long double *b = ps + (i + 1) * PS_N;
        long double u = (long double)rows[i].x - xm, v = (long double)rows[i].y - ym;
        sorted[i] = rows[i].x;
        b[PS_U] = a[PS_U] + u;
        b[PS_UU] = a[PS_UU] + u * u;
        b[PS_V] = a[PS_V] + v;
        b[PS_UV] = a[PS_UV] + u * v;
        b[PS_VV] = a[PS_VV] + v * v;
    }
    search_ctx s = {t, n, sorted, ps, xm};
    double lo = sorted[(size_t)floor(0.1 * (double)(n - 1))];
    double hi = sorted[(size_t)ceil(0.9 * (double)(n - 1))];
    double best[2] = {NAN, NAN}, bestv = INFINITY;

    if (t != MVG_MODEL_5P) {
        double c[2] = {lo, 0};
        line_search(&s, sorted, c, 0, lo, hi, GRID_1CP, best, &bestv);
        if (!isfinite(bestv))
            goto none;
    } else {
        double grid[GRID_2CP];
        double *f2 = malloc(GRID_2CP * GRID_2CP * sizeof *f2);
        if (!f2) {
            mvg_set_err(err, errlen, "change-point search: out of memory");
            goto cleanup;
        }
        size_t g = candidates(sorted, n, lo, hi, GRID_2CP, grid);
        for (size_t i = 0; i < g; i++)
            for (size_t j = 0; j < g; j++) {
                double c[2] = {grid[i], grid[j]};
                f2[i * g + j] = j > i ? sse_at(&s, c) : INFINITY;
                keep_if_better(f2[i * g + j], c, best, &bestv);
            }
        if (!isfinite(bestv)) {
            free(f2);
            goto none;
        }
        /* Local refinement from the lowest few local minima of the pair
         * grid (the SSE surface of a 5P often has several basins): golden
         * section on c1 and c2 in turn inside the neighbouring cells. */
        for (int start = 0; start < REFINE_STARTS_2CP; start++) {
            size_t pi = g, pj = g;
            for (size_t i = 0; i < g; i++)
                for (size_t j = i + 1; j < g; j++) {
                    double v = f2[i * g + j];
                    if (!isfinite(v))
                        continue;
                    int lmin = 1;
                    for (int di = -1; di <= 1 && lmin; di++)
                        for (int dj = -1; dj <= 1 && lmin; dj++) {
                            size_t ii = i + (size_t)di, jj = j + (size_t)dj;
                            if ((di || dj) && ii < g && jj < g && f2[ii * g + jj] < v)
                                lmin = 0;
                        }
                    if (lmin && (pi == g || v < f2[pi * g + pj])) {
                        pi = i;
                        pj = j;
                    }
                }
            if (pi == g)
                break;
            double sb[2] = {grid[pi], grid[pj]}, sv = f2[pi * g + pj];
            double a1 = grid[pi > 0 ? pi - 1 : 0], b1 = grid[pi + 1];
            double a2 = grid[pj - 1], b2 = grid[pj + 1 < g ? pj + 1 : g - 1];
            for (int round = 0; round < 8; round++) {
                double before = sv;
                double eps = 1e-9 * (fabs(hi) + fabs(lo) + 1e-300);
                golden(&s, sb, 0, a1, fmin(b1, sb[1] - eps), sb, &sv);
                golden(&s, sb, 1, fmax(a2, sb[0] + eps), b2, sb, &sv);
                if (!(sv < before * (1 - 1e-12)))
                    break;
            }
            keep_if_better(sv, sb, best, &bestv);
            f2[pi * g + pj] = NAN; /* excluded from the next start */
        }
        free(f2);
        /* Coordinate descent with a global line search on each change
         * point in turn (c1 over [lo, c2), c2 over (c1, hi]), from the best
         * point so far. */
        for (int round = 0; round < 8; round++) {
            double before = bestv;
            double c[2] = {best[0], best[1]};
            double eps = 1e-9 * (fabs(hi) + fabs(lo) + 1e-300);
            line_search(&s, sorted, c, 0, lo, c[1] - eps, GRID_1CP, best, &bestv);
            c[0] = best[0];
            c[1] = best[1];
            line_search(&s, sorted, c, 1, c[0] + eps, hi, GRID_1CP, best, &bestv);
            if (!(bestv < before * (1 - 1e-12)))
                break;
        }
    }
    cp_out[0] = best[0];
    cp_out[1] = best[1];
    rc = 0;
    goto cleanup;
none:
    mvg_set_err(err, errlen,
            "singular design at every candidate change point: x has too few distinct values "
            "between its 10th and 90th percentiles");
cleanup:
    free(rows);
    free(sorted);
    free(ps);
    return rc;
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

static void verdict(mvg_model *m, const mvg_model_criteria *c)
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
    case MVG_MODEL_MEAN:
        if (nx != 0) {
            mvg_set_err(err, errlen, "mean model takes no x, %zu given", nx);
            return -1;
        }
        break;
    case MVG_MODEL_LINEAR:
        if (nx == 0) {
            mvg_set_err(err, errlen, "linear model needs at least one x");
            return -1;
        }
        break;
    case MVG_MODEL_INTENSITY:
    case MVG_MODEL_3PC:
    case MVG_MODEL_3PH:
    case MVG_MODEL_4P:
    case MVG_MODEL_5P:
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

int mvg_model_fit(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                  size_t n, double coverage, const mvg_model_criteria *crit, mvg_model *out,
                  char *err, size_t errlen)
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
    if (ncp > 0 && search_cp(type, y, x[0], n, m.cp, err, errlen) != 0)
        return -1;

    int rc = -1;
    double *a = malloc(n * k * sizeof *a);
    if (!a) {
        mvg_set_err(err, errlen, "%s model: out of memory for %zu rows", tn, n);
        return -1;
    }
    build_design(type, x, nx, n, m.cp, a);
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
    count_segments(&m, x ? x[0] : NULL, ncp ? n : 0);
    verdict(&m, crit);
    *out = m;
    rc = 0;
cleanup:
    free(a);
    return rc;
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
    static const mvg_model_type order[MVG_MODEL_MAX_CANDIDATES] = {
        MVG_MODEL_MEAN, MVG_MODEL_LINEAR, MVG_MODEL_3PC,
        MVG_MODEL_3PH,  MVG_MODEL_4P,     MVG_MODEL_5P};
    mvg_model_criteria defc;
    if (!crit) {
        mvg_model_criteria_default(&defc);
        crit = &defc;
    }
    if (ncands)
        *ncands = 0;
    if (!out) {
        mvg_set_err(err, errlen, "auto fit: no output");
        return -1;
    }
    int have = 0;
    mvg_model best, cur;
    char reasons[6 * 200] = "";
    for (size_t c = 0; c < MVG_MODEL_MAX_CANDIDATES; c++) {
        mvg_model_type t = order[c];
        mvg_model_candidate cd = {t, 0, 0, NAN, ""};
        size_t fnx = t == MVG_MODEL_MEAN ? 0 : nx;
        if (t == MVG_MODEL_LINEAR && nx == 0) {
            snprintf(cd.why, sizeof cd.why, "needs at least one x");
        } else if (t >= MVG_MODEL_3PC && nx != 1) {
            snprintf(cd.why, sizeof cd.why, "change-point forms need exactly one x, %zu given", nx);
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
