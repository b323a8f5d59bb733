/*
 * lapack.h: the four LAPACK routines the engine's least squares calls
 * (lsq.c), as one table of function pointers, and the one way the engine
 * gets it: mvg_lapack_get(), which the engine declares and the program
 * defines. The engine owns the table's shape only; how it was filled is
 * not its business. The CLI tools, the tests and the benchmarks get the
 * table of the linked LAPACKE (lapack_linked.h, chosen by
 * daemon/engine/CMakeLists.txt for every program that does not say
 * otherwise); mvgated loads LAPACKE at its first fit
 * (daemon/gateway/lapack_dl.h), so that a daemon maps LAPACK and its
 * Fortran runtime only once it fits a model (docs/performance.md).
 */
#ifndef MVG_LAPACK_H
#define MVG_LAPACK_H

#include <stddef.h>

/* LAPACKE's LAPACK_COL_MAJOR (lapack_linked.c checks that it is). */
#define MVG_LAPACK_COL_MAJOR 102

/* LAPACKE's own prototypes, lapack_int being int (Debian's LP64 build;
 * lapack_linked.c fails to compile against any other). */
typedef struct mvg_lapack {
    int (*dgeqrf)(int layout, int m, int n, double *a, int lda, double *tau);
    int (*dormqr)(int layout, char side, char trans, int m, int n, int k, const double *a, int lda,
                  const double *tau, double *c, int ldc);
    int (*dtrtrs)(int layout, char uplo, char trans, char diag, int n, int nrhs, const double *a,
                  int lda, double *b, int ldb);
    int (*dtrtri)(int layout, char uplo, char diag, int n, double *a, int lda);
} mvg_lapack;

/*
 * The program's LAPACK, or NULL with err saying why there is none (the
 * library could not be loaded): the fit then fails with that reason.
 * Safe to call from any thread, as often as a fit needs it.
 */
const mvg_lapack *mvg_lapack_get(char *err, size_t errlen);

#endif
