/*
 * changepoint.c: the change-point search of the baseline models
 * (changepoint.h): a grid over candidate values, then golden-section
 * refinement of the SSE, each candidate's SSE from prefix sums over the rows
 * sorted by x (cpsums.h; with or without further columns), or from the
 * caller's function (mvg_changepoint_search_with: the QR of the full design
 * per candidate, model.c's reference and fallback). Pure: no clock, no
 * I/O, no global state.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "cpsums.h"
#include "diag.h"

/* Grid sizes of the change-point search: enough that the refinement starts
 * in the right basin; the refinement then reaches full precision. A
 * candidate costs O(log n) (prefix sums), so the grids can be fine. */
#define GRID_1CP 400
#define GRID_2CP 200
#define REFINE_STARTS_2CP 5
#define GOLDEN_ITERS 60
#define REFINE_BASINS 3

typedef struct {
    mvg_model_type t;
    size_t n;
    const mvg_cpsums *sums;    /* the rows sorted by x, and each candidate's SSE */
    mvg_changepoint_sse_fn fn; /* the caller's SSE, or NULL for the sums' */
    void *fn_ctx;
} search_ctx;

/* SSE of a candidate: the caller's when given one, else the sums'. A 5P's
 * change points must be ordered either way (c1 <= c2). */
static double sse_at(search_ctx *s, const double *cp)
{
    if (!s->fn)
        return mvg_cpsums_sse(s->sums, cp);
    if (s->t == MVG_MODEL_5P && !(cp[0] <= cp[1]))
        return INFINITY;
    double v = s->fn(s->fn_ctx, cp);
    return isfinite(v) ? v : INFINITY;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/*
 * Candidate values for one change point inside [a, b]: up to g values,
 * half spaced by rank among the sorted x inside the range (dense data,
 * dense candidates), half evenly in value, sorted and de-duplicated.
 * Returns their count (0 when no x lies in the range).
 */
static size_t candidates(const mvg_cpsums *sums, double a, double b, size_t g, double *out)
{
    if (!(b >= a))
        return 0;
    const double *sorted = mvg_cpsums_sorted_x(sums);
    size_t ilo = mvg_cpsums_count_below(sums, a), ihi = mvg_cpsums_count_upto(sums, b);
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
static void line_search(search_ctx *s, const double *cp, size_t idx, double a, double b,
                        size_t gsize, double *best, double *bestv)
{
    double grid[GRID_1CP], f[GRID_1CP];
    size_t g = candidates(s->sums, a, b, gsize < GRID_1CP ? gsize : GRID_1CP, grid);
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

/*
 * The search behind the three entry points: each candidate's SSE from
 * sse(ctx, cp) when sse is given, else from the prefix sums over y, x and
 * the k further columns z.
 */
static int search(mvg_model_type t, const double *y, const double *x, const double *const *z,
                  size_t k, size_t n, mvg_changepoint_sse_fn sse, void *ctx, double *cp_out,
                  char *err, size_t errlen)
{
    int rc = -1;
    /* the QR path uses the sums only for the sorted x */
    mvg_cpsums *sums = mvg_cpsums_new(t, y, x, z, sse ? 0 : k, n, err, errlen);
    if (!sums)
        return -1;
    const double *sorted = mvg_cpsums_sorted_x(sums);
    search_ctx s = {t, n, sums, sse, ctx};
    double lo = sorted[(size_t)floor(0.1 * (double)(n - 1))];
    double hi = sorted[(size_t)ceil(0.9 * (double)(n - 1))];
    double best[2] = {NAN, NAN}, bestv = INFINITY;

    if (t != MVG_MODEL_5P) {
        double c[2] = {lo, 0};
        line_search(&s, c, 0, lo, hi, GRID_1CP, best, &bestv);
        if (!isfinite(bestv))
            goto none;
    } else {
        double grid[GRID_2CP];
        double *f2 = malloc(GRID_2CP * GRID_2CP * sizeof *f2);
        if (!f2) {
            mvg_set_err(err, errlen, "change-point search: out of memory");
            goto cleanup;
        }
        size_t g = candidates(sums, lo, hi, GRID_2CP, grid);
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
            line_search(&s, c, 0, lo, c[1] - eps, GRID_1CP, best, &bestv);
            c[0] = best[0];
            c[1] = best[1];
            line_search(&s, c, 1, c[0] + eps, hi, GRID_1CP, best, &bestv);
            if (!(bestv < before * (1 - 1e-12)))
                break;
        }
    }
    cp_out[0] = best[0];
    cp_out[1] = best[1];
    rc = 0;
    goto cleanup;
none:
    if (sse || k > 0) /* the design has further columns: one more cause */
        mvg_set_err(err, errlen,
                    "singular design at every candidate change point: x1 has too few distinct "
                    "values between its 10th and 90th percentiles, or a further x is constant or "
                    "a linear combination of the others and the hinge columns");
    else
        mvg_set_err(err, errlen,
                "singular design at every candidate change point: x has too few distinct values "
                "between its 10th and 90th percentiles");
cleanup:
    mvg_cpsums_free(sums);
    return rc;
}

int mvg_changepoint_search(mvg_model_type t, const double *y, const double *x, size_t n,
                           double *cp_out, char *err, size_t errlen)
{
    return search(t, y, x, NULL, 0, n, NULL, NULL, cp_out, err, errlen);
}

int mvg_changepoint_search_z(mvg_model_type t, const double *y, const double *x,
                             const double *const *z, size_t k, size_t n, double *cp_out,
                             char *err, size_t errlen)
{
    return search(t, y, x, z, k, n, NULL, NULL, cp_out, err, errlen);
}

int mvg_changepoint_search_with(mvg_model_type t, const double *y, const double *x, size_t n,
                                mvg_changepoint_sse_fn sse, void *ctx, double *cp_out, char *err,
                                size_t errlen)
{
    return search(t, y, x, NULL, 0, n, sse, ctx, cp_out, err, errlen);
}

