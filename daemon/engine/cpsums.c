/*
 * cpsums.c: a change-point candidate's SSE from prefix sums (cpsums.h).
 * Pure: no clock, no I/O, no global state.
 *
 * The hinge columns (c1-x)+ and (x-c2)+ are linear in x on the rows where
 * they are non-zero (a prefix and a suffix of the rows sorted by x), so
 * every cross product of the design at a candidate is a combination of
 * prefix sums at two split indices (a binary search each): of 1, u, u^2,
 * v, uv, v^2 and, for each further column, w_j and u*w_j; the products
 * w_j*w_l and w_j*v of the further columns do not depend on the candidate
 * and are summed once (u, v, w_j: x, y and z_j minus their means, to keep
 * the sums small and the cancellation in SSE = Syy - q'Q^-1 q harmless;
 * long double for the same reason). The intercept is eliminated (every
 * cross product about the means).
 *
 * With further columns, they come first in the elimination: their block
 * does not depend on the candidate, so its Cholesky factor L and
 * a = L^-1 q_z are computed once, and a candidate only adds its one or two
 * hinge columns: b = L^-1 Q_zh, the Schur complement Q_hh - b'b, and its
 * 1 x 1 or 2 x 2 factor. Each pivot must keep SUMS_RANK_TOL of the
 * column's sum of squares about the mean (and that sum SUMS_RANK_TOL of
 * the column's raw sum of squares), as a QR with a rank tolerance would;
 * otherwise the candidate's SSE is +inf. Without further columns the
 * arithmetic is the one-x search's, unchanged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpsums.h"
#include "diag.h"

/* Below this share of a column's sum of squares left after removing the
 * intercept (and the columns eliminated before it), a candidate is treated
 * as singular: well above the rounding of the sums, far below any design
 * the QR fit would find ill-conditioned in practice. */
#define SUMS_RANK_TOL 1e-14

/* Per-row prefix sums: these first, then W_j and UW_j for each further
 * column j (PS_N + 2j and PS_N + 2j + 1). */
enum { PS_U, PS_UU, PS_V, PS_UV, PS_VV, PS_N };

struct mvg_cpsums {
    mvg_model_type t;
    size_t n, k, stride;
    double *xs;       /* x sorted ascending */
    long double *ps;  /* (n+1) x stride prefix sums over the sorted rows */
    double xm;        /* mean of x, subtracted before summing */
    /* The further columns' block, about the means, eliminated once: */
    int z_singular;   /* the z block alone is singular: every candidate is */
    long double lz[MVG_CPSUMS_MAX_Z][MVG_CPSUMS_MAX_Z]; /* Cholesky factor of Q_zz */
    long double az[MVG_CPSUMS_MAX_Z]; /* L^-1 q_z */
    long double ryy;  /* Syy - a'a: y's sum of squares left after the z */
};

typedef struct {
    double x;
    size_t i;
} sort_row;

/* By x, ties in row order, so that the sums do not depend on qsort's
 * handling of equal keys. */
static int cmp_row(const void *pa, const void *pb)
{
    const sort_row *a = pa, *b = pb;
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    return (a->i > b->i) - (a->i < b->i);
}

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

/* Cholesky factor of the k x k block about the means (the further
 * columns), L^-1 q_z and what is left of Syy. */
static void eliminate_z(mvg_cpsums *s, long double qzz[][MVG_CPSUMS_MAX_Z],
                        const long double *qzv, const long double *raw, long double syy)
{
    size_t k = s->k;
    for (size_t j = 0; j < k; j++) {
        if (!(qzz[j][j] > SUMS_RANK_TOL * raw[j])) {
            s->z_singular = 1; /* constant: nothing left after the intercept */
            return;
        }
        for (size_t i = j; i < k; i++) {
            long double v = qzz[i][j];
            for (size_t l = 0; l < j; l++)
                v -= s->lz[i][l] * s->lz[j][l];
            if (i == j) {
                if (!(v > SUMS_RANK_TOL * qzz[j][j])) {
                    s->z_singular = 1; /* a combination of the columns before it */
                    return;
                }
                s->lz[j][j] = sqrtl(v);
            } else {
                s->lz[i][j] = v / s->lz[j][j];
            }
        }
    }
    long double left = syy;
    for (size_t j = 0; j < k; j++) {
        long double v = qzv[j];
        for (size_t l = 0; l < j; l++)
            v -= s->lz[j][l] * s->az[l];
        s->az[j] = v / s->lz[j][j];
        left -= s->az[j] * s->az[j];
    }
    s->ryy = left;
}

mvg_cpsums *mvg_cpsums_new(mvg_model_type t, const double *y, const double *x,
                           const double *const *z, size_t k, size_t n, char *err, size_t errlen)
{
    if (t != MVG_MODEL_3PC && t != MVG_MODEL_3PH && t != MVG_MODEL_4P && t != MVG_MODEL_5P) {
        mvg_set_err(err, errlen, "change-point sums: %s is not a change-point form",
                    mvg_model_type_name(t));
        return NULL;
    }
    if (n == 0 || k > MVG_CPSUMS_MAX_Z || (k > 0 && !z)) {
        mvg_set_err(err, errlen, "change-point sums: %zu rows and %zu further columns (1.. rows, "
                    "at most %d columns)", n, k, MVG_CPSUMS_MAX_Z);
        return NULL;
    }
    mvg_cpsums *s = calloc(1, sizeof *s);
    sort_row *rows = malloc(n * sizeof *rows);
    size_t stride = PS_N + 2 * k;
    if (s) {
        s->t = t;
        s->n = n;
        s->k = k;
        s->stride = stride;
        s->xs = malloc(n * sizeof *s->xs);
        s->ps = malloc((n + 1) * stride * sizeof *s->ps);
    }
    if (!s || !rows || !s->xs || !s->ps) {
        mvg_set_err(err, errlen, "change-point sums: out of memory for %zu rows", n);
        free(rows);
        mvg_cpsums_free(s);
        return NULL;
    }
    long double xsum = 0, ysum = 0, zsum[MVG_CPSUMS_MAX_Z] = {0};
    for (size_t i = 0; i < n; i++) {
        rows[i].x = x[i];
        rows[i].i = i;
        xsum += x[i];
        ysum += y[i];
        for (size_t j = 0; j < k; j++)
            zsum[j] += z[j][i];
    }
    qsort(rows, n, sizeof *rows, cmp_row);
    double xm = (double)(xsum / n), ym = (double)(ysum / n), zm[MVG_CPSUMS_MAX_Z];
    for (size_t j = 0; j < k; j++)
        zm[j] = (double)(zsum[j] / n);
    s->xm = xm;
    /* The z block's sums do not depend on the candidate: once, here. */
    long double qzz[MVG_CPSUMS_MAX_Z][MVG_CPSUMS_MAX_Z] = {{0}}, qzv[MVG_CPSUMS_MAX_Z] = {0},
                raw[MVG_CPSUMS_MAX_Z] = {0};
    memset(s->ps, 0, stride * sizeof *s->ps);
    for (size_t r = 0; r < n; r++) {
        const long double *a = s->ps + r * stride;
        long double *b = s->ps + (r + 1) * stride;
        size_t i = rows[r].i;
        long double u = (long double)rows[r].x - xm, v = (long double)y[i] - ym;
        s->xs[r] = rows[r].x;
        b[PS_U] = a[PS_U] + u;
        b[PS_UU] = a[PS_UU] + u * u;
        b[PS_V] = a[PS_V] + v;
        b[PS_UV] = a[PS_UV] + u * v;
        b[PS_VV] = a[PS_VV] + v * v;
        long double w[MVG_CPSUMS_MAX_Z];
        for (size_t j = 0; j < k; j++) {
            w[j] = (long double)z[j][i] - zm[j];
            b[PS_N + 2 * j] = a[PS_N + 2 * j] + w[j];
            b[PS_N + 2 * j + 1] = a[PS_N + 2 * j + 1] + u * w[j];
            raw[j] += (long double)z[j][i] * z[j][i];
            qzv[j] += w[j] * v;
            for (size_t l = 0; l <= j; l++)
                qzz[j][l] += w[j] * w[l];
        }
    }
    free(rows);
    if (k > 0) {
        const long double *tot = s->ps + n * stride;
        long double nn = (long double)n, sv = tot[PS_V];
        for (size_t j = 0; j < k; j++) {
            long double sj = tot[PS_N + 2 * j];
            qzv[j] -= sj * sv / nn;
            for (size_t l = 0; l <= j; l++)
                qzz[l][j] = qzz[j][l] = qzz[j][l] - sj * tot[PS_N + 2 * l] / nn;
        }
        eliminate_z(s, qzz, qzv, raw, tot[PS_VV] - sv * sv / nn);
    }
    return s;
}

void mvg_cpsums_free(mvg_cpsums *s)
{
    if (!s)
        return;
    free(s->xs);
    free(s->ps);
    free(s);
}

const double *mvg_cpsums_sorted_x(const mvg_cpsums *s) { return s->xs; }

size_t mvg_cpsums_count_below(const mvg_cpsums *s, double c) { return count_below(s->xs, s->n, c); }

size_t mvg_cpsums_count_upto(const mvg_cpsums *s, double c) { return count_upto(s->xs, s->n, c); }

/* A hinge column's sums over its non-zero rows: sum h, sum h^2, sum h*v,
 * and sum h*w_j for each further column. */
typedef struct {
    size_t cnt;
    long double h, hh, hv;
    long double hw[MVG_CPSUMS_MAX_Z];
} hinge_sums;

/* Rows [0, L) with h = d - u: the heating hinge (c-x)+. */
static void lower_hinge(const mvg_cpsums *s, double c, hinge_sums *r)
{
    size_t L = count_below(s->xs, s->n, c);
    const long double *p = s->ps + L * s->stride;
    long double d = (long double)c - s->xm, nl = (long double)L;
    r->cnt = L;
    r->h = d * nl - p[PS_U];
    r->hh = d * d * nl - 2 * d * p[PS_U] + p[PS_UU];
    r->hv = d * p[PS_V] - p[PS_UV];
    for (size_t j = 0; j < s->k; j++)
        r->hw[j] = d * p[PS_N + 2 * j] - p[PS_N + 2 * j + 1];
}

/* Rows [R, n) with h = u - d: the cooling hinge (x-c)+. */
static void upper_hinge(const mvg_cpsums *s, double c, hinge_sums *r)
{
    size_t R = count_upto(s->xs, s->n, c);
    const long double *p = s->ps + R * s->stride, *t = s->ps + s->n * s->stride;
    long double d = (long double)c - s->xm, nr = (long double)(s->n - R);
    long double su = t[PS_U] - p[PS_U], suu = t[PS_UU] - p[PS_UU], sv = t[PS_V] - p[PS_V],
                suv = t[PS_UV] - p[PS_UV];
    r->cnt = s->n - R;
    r->h = su - d * nr;
    r->hh = suu - 2 * d * su + d * d * nr;
    r->hv = suv - d * sv;
    for (size_t j = 0; j < s->k; j++)
        r->hw[j] = (t[PS_N + 2 * j + 1] - p[PS_N + 2 * j + 1]) -
                   d * (t[PS_N + 2 * j] - p[PS_N + 2 * j]);
}

/* The hinge column(s) of form t at cp into h; their count, 0 when the
 * candidate is not one (a 5P with c1 > c2). */
static size_t hinges_at(const mvg_cpsums *s, const double *cp, hinge_sums *h)
{
    switch (s->t) {
    case MVG_MODEL_3PC:
        upper_hinge(s, cp[0], &h[0]);
        return 1;
    case MVG_MODEL_3PH:
        lower_hinge(s, cp[0], &h[0]);
        return 1;
    case MVG_MODEL_4P:
        lower_hinge(s, cp[0], &h[0]);
        upper_hinge(s, cp[0], &h[1]);
        return 2;
    case MVG_MODEL_5P:
        /* the hinges' rows are disjoint (no cross term) only when c1 <= c2 */
        if (!(cp[0] <= cp[1]))
            return 0;
        lower_hinge(s, cp[0], &h[0]);
        upper_hinge(s, cp[1], &h[1]);
        return 2;
    default:
        return 0;
    }
}

static double clamp_sse(long double v)
{
    double sse = (double)v;
    if (!isfinite(sse))
        return INFINITY;
    return sse > 0 ? sse : 0.0;
}

/* The one-x SSE: Syy - q'Q^-1 q with Q the hinges' (at most 2 x 2). */
static double sse_one_x(const mvg_cpsums *s, const hinge_sums *h, size_t m)
{
    const long double *t = s->ps + s->n * s->stride;
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
    return clamp_sse(syy - expl);
}

/* With further columns: the hinges after the z block (eliminated once,
 * see eliminate_z), through its Schur complement. */
static double sse_with_z(const mvg_cpsums *s, const hinge_sums *h, size_t m)
{
    if (s->z_singular)
        return INFINITY;
    const long double *t = s->ps + s->n * s->stride;
    long double nn = (long double)s->n, sv = t[PS_V];
    size_t k = s->k;
    long double b[2][MVG_CPSUMS_MAX_Z], q[2], S[2][2], qh[2];
    for (size_t i = 0; i < m; i++) {
        if (h[i].cnt == 0 || !(h[i].hh > 0))
            return INFINITY;
        qh[i] = h[i].hh - h[i].h * h[i].h / nn;
        if (!(qh[i] > SUMS_RANK_TOL * h[i].hh))
            return INFINITY;
        /* b_i = L^-1 Q_z,hi (forward substitution), q_i = q_hi - b_i'a */
        long double qi = h[i].hv - h[i].h * sv / nn;
        for (size_t j = 0; j < k; j++) {
            long double v = h[i].hw[j] - h[i].h * t[PS_N + 2 * j] / nn;
            for (size_t l = 0; l < j; l++)
                v -= s->lz[j][l] * b[i][l];
            b[i][j] = v / s->lz[j][j];
            qi -= b[i][j] * s->az[j];
        }
        q[i] = qi;
        for (size_t i2 = 0; i2 <= i; i2++) {
            /* the hinges share no row: their raw cross product is 0 */
            long double v = (i == i2 ? h[i].hh : 0.0L) - h[i].h * h[i2].h / nn;
            for (size_t j = 0; j < k; j++)
                v -= b[i][j] * b[i2][j];
            S[i][i2] = S[i2][i] = v;
        }
    }
    if (!(S[0][0] > SUMS_RANK_TOL * qh[0]))
        return INFINITY;
    long double left = s->ryy - q[0] * q[0] / S[0][0];
    if (m == 2) {
        long double l10 = S[1][0] / S[0][0];
        long double p1 = S[1][1] - l10 * S[1][0];
        if (!(p1 > SUMS_RANK_TOL * qh[1]))
            return INFINITY;
        long double r1 = q[1] - l10 * q[0];
        left -= r1 * r1 / p1;
    }
    return clamp_sse(left);
}

double mvg_cpsums_sse(const mvg_cpsums *s, const double *cp)
{
    hinge_sums h[2];
    size_t m = hinges_at(s, cp, h);
    if (m == 0)
        return INFINITY;
    return s->k == 0 ? sse_one_x(s, h, m) : sse_with_z(s, h, m);
}
