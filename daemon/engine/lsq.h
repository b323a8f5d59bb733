/*
 * lsq.h: ordinary least squares by Householder QR through LAPACK (the
 * program's table, lapack.h; never the normal equations). It owns nothing
 * but the arithmetic: the caller gives a column-major design matrix and gets coefficients, their standard errors
 * (from (R^T R)^-1 times s^2, R inverted with dtrtri), the residual sum of
 * squares, the residual SD and R2. Columns are centered (when column 0 is the
 * intercept) and scaled to unit norm before the factorisation, and the
 * solution gets one step of iterative refinement with residuals accumulated
 * in long double; results are reported in the original units. Pure: no I/O.
 */
#ifndef MVG_LSQ_H
#define MVG_LSQ_H

#include <stddef.h>

#define MVG_LSQ_MAX_P 16

typedef struct {
    size_t n, p;
    size_t df;                      /* residual degrees of freedom used for s */
    double coef[MVG_LSQ_MAX_P];
    double std_err[MVG_LSQ_MAX_P];
    double sse;                     /* sum of squared residuals */
    double sst;                     /* total sum of squares: about the mean with an intercept, about 0 without */
    double r2;                      /* 1 - sse/sst (uncentered without an intercept, as NIST/R do) */
    double s;                       /* residual standard deviation sqrt(sse/df) */
} mvg_lsq_result;

/*
 * Fits y ~ a. a is n x p column-major (a[j*n + i] = column j, row i).
 * intercept: column 0 is the constant column (all ones); the others are then
 * centered and R2 is the centered one. df: residual degrees of freedom for s
 * and the standard errors; 0 means n - p (callers whose model has extra
 * parameters, such as change points, pass a smaller df).
 * Returns 0; -1 with err for bad arguments, non-finite data or no LAPACK
 * (mvg_lapack_get's reason, e.g. the library could not be loaded); -2 with err
 * and *bad_col (when bad_col is not NULL) set to the first column that is a
 * linear combination of the previous ones (rank deficiency).
 */
int mvg_lsq_fit(const double *a, size_t n, size_t p, const double *y, int intercept, size_t df,
                mvg_lsq_result *out, size_t *bad_col, char *err, size_t errlen);

/*
 * Residual sum of squares only, for searches that fit many designs (change
 * points). Destroys a (n x p, column-major) and y (n). Returns 0, -1 for bad
 * arguments or no LAPACK, or -2 when the design is rank deficient (the SSE
 * is then meaningless).
 */
int mvg_lsq_sse_inplace(double *a, size_t n, size_t p, double *y, double *sse);

#endif
