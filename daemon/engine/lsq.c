/*
 * lsq.c: least squares by Householder QR (LAPACK dgeqrf/dormqr/dtrtrs),
 * covariance from R^-1 (dtrtri), through the program's LAPACK table
 * (lapack.h). See lsq.h for the contract.
 */
#include "lsq.h"

#include "diag.h"
#include "lapack.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A column whose part orthogonal to the previous (unit-norm) columns is
 * below this is taken as a linear combination of them. NIST Filip, the
 * worst conditioned certified problem, has its smallest scaled pivot near
 * 1e-11, so the threshold sits well below it but far above rounding noise
 * of an exactly dependent column (about 1e-16 * sqrt(n)).
 */
#define RANK_TOL 1e-13

/* Least-squares solve with a factorised (scaled) design: b = R^-1 Q^T r. */
/* v = R^-1 v (trans 'N') or R^-T v ('T'), R the upper triangle of the
 * n x p factor qr; v has p entries. */
static int r_solve(const mvg_lapack *la, const double *qr, size_t n, size_t p, char trans,
                   double *v)
{
    return la->dtrtrs(MVG_LAPACK_COL_MAJOR, 'U', trans, 'N', (int)p, 1, qr, (int)n, v, (int)p) == 0
               ? 0
               : -1;
}

/* v = Q^T v (trans 'T') or Q v ('N'), Q the reflectors in qr and tau; v
 * has n entries. */
static int q_apply(const mvg_lapack *la, const double *qr, const double *tau, size_t n, size_t p,
                   char trans, double *v)
{
    return la->dormqr(MVG_LAPACK_COL_MAJOR, 'L', trans, (int)n, 1, (int)p, qr, (int)n, tau, v,
                      (int)n) == 0
               ? 0
               : -1;
}

static int qr_solve(const mvg_lapack *la, const double *qr, const double *tau, size_t n, size_t p,
                    const double *rhs, double *tmp, double *b)
{
    memcpy(tmp, rhs, n * sizeof *tmp);
    if (q_apply(la, qr, tau, n, p, 'T', tmp) != 0 || r_solve(la, qr, n, p, 'N', tmp) != 0)
        return -1;
    memcpy(b, tmp, p * sizeof *b);
    return 0;
}

/* Coefficients of the centered, scaled problem back in the original units:
 * b_j = b'_j / s_j, and with an intercept b_0 = shift + b'_0/s_0 - sum m_j b_j. */
static void to_orig(const double *bs, size_t p, int intercept, double shift, const double *mean,
                    const double *scale, double *coef)
{
    for (size_t j = 0; j < p; j++)
        coef[j] = bs[j] / scale[j];
    if (intercept) {
        long double b0 = (long double)shift + coef[0];
        for (size_t j = 1; j < p; j++)
            b0 -= (long double)mean[j] * coef[j];
        coef[0] = (double)b0;
    }
}

int mvg_lsq_fit(const double *a, size_t n, size_t p, const double *y, int intercept, size_t df,
                mvg_lsq_result *out, size_t *bad_col, char *err, size_t errlen)
{
    if (!a || !y || !out || p == 0 || p > MVG_LSQ_MAX_P) {
        mvg_set_err(err, errlen, "least squares: %zu parameters (1..%d supported)", p, MVG_LSQ_MAX_P);
        return -1;
    }
    if (n <= p) {
        mvg_set_err(err, errlen, "least squares: %zu rows for %zu parameters: need more rows than parameters",
                n, p);
        return -1;
    }
    if (df == 0)
        df = n - p;
    if (df > n - p) {
        mvg_set_err(err, errlen, "least squares: %zu residual degrees of freedom requested, at most %zu", df, n - p);
        return -1;
    }
    for (size_t k = 0; k < n * p; k++)
        if (!isfinite(a[k])) {
            mvg_set_err(err, errlen, "least squares: column %zu row %zu is not a finite number", k / n, k % n);
            return -1;
        }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i])) {
            mvg_set_err(err, errlen, "least squares: y at row %zu is not a finite number", i);
            return -1;
        }
    if (intercept)
        for (size_t i = 0; i < n; i++)
            if (a[i] != 1.0) {
                mvg_set_err(err, errlen, "least squares: column 0 is declared the intercept but is not all ones");
                return -1;
            }

    const mvg_lapack *la = mvg_lapack_get(err, errlen);
    if (!la)
        return -1;
    int rc = -1;
    double *w = malloc(n * p * sizeof *w);
    double *qr = malloc(n * p * sizeof *qr);
    double *yv = malloc(n * sizeof *yv);
    double *r = malloc(n * sizeof *r);
    double *tmp = malloc(n * sizeof *tmp);
    double *f = malloc(n * sizeof *f);
    double tau[MVG_LSQ_MAX_P], mean[MVG_LSQ_MAX_P] = {0}, scale[MVG_LSQ_MAX_P];
    double b[MVG_LSQ_MAX_P], db[MVG_LSQ_MAX_P];
    double rinv[MVG_LSQ_MAX_P * MVG_LSQ_MAX_P];
    if (!w || !qr || !yv || !r || !tmp || !f) {
        mvg_set_err(err, errlen, "least squares: out of memory for %zu x %zu", n, p);
        goto cleanup;
    }

    /* Center y and the non-intercept columns: the intercept then carries
     * only the means, and the other columns lose their common offset, which
     * is what makes polynomial and Longley-type designs tractable. */
    long double ysum = 0;
    for (size_t i = 0; i < n; i++)
        ysum += y[i];
    double ybar = (double)(ysum / n);
    double yshift = intercept ? ybar : 0.0;
    for (size_t i = 0; i < n; i++)
        yv[i] = y[i] - yshift;
    for (size_t j = 0; j < p; j++) {
        const double *col = a + j * n;
        if (intercept && j > 0) {
            long double s = 0;
            for (size_t i = 0; i < n; i++)
                s += col[i];
            mean[j] = (double)(s / n);
        }
        long double ss = 0;
        for (size_t i = 0; i < n; i++) {
            double v = col[i] - mean[j];
            w[j * n + i] = v;
            ss += (long double)v * v;
        }
        scale[j] = (double)sqrtl(ss);
        if (!(scale[j] > 0)) {
            if (bad_col)
                *bad_col = j;
            mvg_set_err(err, errlen, "least squares: column %zu is %s", j,
                    intercept && j > 0 ? "constant (collinear with the intercept)" : "all zero");
            rc = -2;
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++)
            w[j * n + i] /= scale[j];
    }

    memcpy(qr, w, n * p * sizeof *qr);
    if (la->dgeqrf(MVG_LAPACK_COL_MAJOR, (int)n, (int)p, qr, (int)n, tau) != 0) {
        mvg_set_err(err, errlen, "least squares: QR factorisation failed");
        goto cleanup;
    }
    for (size_t j = 0; j < p; j++)
        if (fabs(qr[j * n + j]) < RANK_TOL) {
            if (bad_col)
                *bad_col = j;
            mvg_set_err(err, errlen, "least squares: column %zu is a linear combination of the previous columns "
                    "(singular design)", j);
            rc = -2;
            goto cleanup;
        }

    if (qr_solve(la, qr, tau, n, p, yv, tmp, b) != 0) {
        mvg_set_err(err, errlen, "least squares: triangular solve failed");
        goto cleanup;
    }
    to_orig(b, p, intercept, yshift, mean, scale, out->coef);
    /* Iterative refinement of the augmented system [I A; A^T 0][r; x] =
     * [y; 0] (Bjorck 1967): its residuals f = y - r - A x and g = -A^T r
     * are accumulated in long double on the original data, and the
     * corrections are solved with the QR factor already at hand (A = W M,
     * W = QR, M the centering/scaling map). Refining x alone cannot help a
     * large-residual problem such as NIST Wampler5, whose error comes from
     * Q^T y carrying rounding of the size eps*|y|. */
    for (size_t i = 0; i < n; i++) {
        long double acc = y[i];
        for (size_t j = 0; j < p; j++)
            acc -= (long double)a[j * n + i] * out->coef[j];
        r[i] = (double)acc;
    }
    for (int it = 0; it < 3; it++) {
        double g[MVG_LSQ_MAX_P], u[MVG_LSQ_MAX_P];
        for (size_t i = 0; i < n; i++) {
            long double acc = (long double)y[i] - r[i];
            for (size_t j = 0; j < p; j++)
                acc -= (long double)a[j * n + i] * out->coef[j];
            f[i] = (double)acc;
        }
        for (size_t j = 0; j < p; j++) {
            long double acc = 0;
            for (size_t i = 0; i < n; i++)
                acc -= (long double)a[j * n + i] * r[i];
            g[j] = (double)acc;
        }
        /* u = M^-T g, then h1 = R^-T u (kept in the first p entries of h). */
        for (size_t j = 0; j < p; j++)
            u[j] = (intercept && j > 0) ? (g[j] - mean[j] * g[0]) / scale[j] : g[j] / scale[j];
        /* and Q^T f = [f1; f2] */
        if (r_solve(la, qr, n, p, 'T', u) != 0 || q_apply(la, qr, tau, n, p, 'T', f) != 0)
            goto solve_failed;
        for (size_t j = 0; j < p; j++) {
            db[j] = f[j] - u[j]; /* f1 - h1 */
            f[j] = u[j];         /* [h1; f2], rotated back below into dr */
        }
        if (r_solve(la, qr, n, p, 'N', db) != 0 || q_apply(la, qr, tau, n, p, 'N', f) != 0)
            goto solve_failed;
        double d[MVG_LSQ_MAX_P];
        to_orig(db, p, intercept, 0.0, mean, scale, d);
        for (size_t j = 0; j < p; j++)
            out->coef[j] += d[j];
        for (size_t i = 0; i < n; i++)
            r[i] += f[i];
    }

    /* Residuals and sums of squares in the original units. */
    long double sse = 0, sst = 0;
    for (size_t i = 0; i < n; i++) {
        long double fit = 0;
        for (size_t j = 0; j < p; j++)
            fit += (long double)a[j * n + i] * out->coef[j];
        long double e = (long double)y[i] - fit;
        sse += e * e;
        long double d = intercept ? (long double)y[i] - ysum / n : (long double)y[i];
        sst += d * d;
    }
    out->n = n;
    out->p = p;
    out->df = df;
    out->sse = (double)sse;
    out->sst = (double)sst;
    out->r2 = sst > 0 ? (double)(1.0L - sse / sst) : NAN;
    out->s = sqrt(out->sse / (double)df);

    /* Covariance of the scaled coefficients: (R^T R)^-1 = R^-1 R^-T. */
    memset(rinv, 0, sizeof rinv);
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i <= j; i++)
            rinv[j * p + i] = qr[j * n + i];
    if (la->dtrtri(MVG_LAPACK_COL_MAJOR, 'U', 'N', (int)p, rinv, (int)p) != 0) {
        mvg_set_err(err, errlen, "least squares: the R factor could not be inverted");
        goto cleanup;
    }
    /* The original coefficients are T b' with T = diag(1/scale) plus, with
     * an intercept, row 0 = (1/s0, -m1/s1, ...). Var = s^2 T C T^T, and
     * T C T^T = (T R^-1)(T R^-1)^T, so only the rows of T R^-1 are needed. */
    for (size_t k = 0; k < p; k++) {
        long double v = 0;
        for (size_t c = 0; c < p; c++) {
            long double g = 0; /* (T R^-1)[k][c] */
            for (size_t j = 0; j < p; j++) {
                double t;
                if (j == k)
                    t = 1.0 / scale[j];
                else if (intercept && k == 0)
                    t = -mean[j] / scale[j];
                else
                    t = 0.0;
                if (t != 0.0 && c >= j)
                    g += (long double)t * rinv[c * p + j];
            }
            v += g * g;
        }
        out->std_err[k] = out->s * (double)sqrtl(v);
    }
    rc = 0;
    goto cleanup;

solve_failed:
    mvg_set_err(err, errlen, "least squares: triangular solve failed during refinement");
cleanup:
    free(w);
    free(qr);
    free(yv);
    free(r);
    free(tmp);
    free(f);
    return rc;
}

int mvg_lsq_sse_inplace(double *a, size_t n, size_t p, double *y, double *sse)
{
    double tau[MVG_LSQ_MAX_P];
    const mvg_lapack *la = mvg_lapack_get(NULL, 0);
    if (!la || p == 0 || p > MVG_LSQ_MAX_P || n <= p)
        return -1;
    for (size_t j = 0; j < p; j++) {
        double *col = a + j * n;
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += col[i] * col[i];
        double s = sqrt(ss);
        if (!(s > 0))
            return -2;
        for (size_t i = 0; i < n; i++)
            col[i] /= s;
    }
    if (la->dgeqrf(MVG_LAPACK_COL_MAJOR, (int)n, (int)p, a, (int)n, tau) != 0)
        return -1;
    for (size_t j = 0; j < p; j++)
        if (fabs(a[j * n + j]) < RANK_TOL)
            return -2;
    if (q_apply(la, a, tau, n, p, 'T', y) != 0)
        return -1;
    /* Q^T y below the first p entries is the residual in the rotated basis. */
    double s = 0;
    for (size_t i = p; i < n; i++)
        s += y[i] * y[i];
    *sse = s;
    return 0;
}
