/*
 * lapack_linked.c: the table of the linked LAPACKE (lapack_linked.h).
 */
#include "lapack_linked.h"

#include <lapacke.h>

_Static_assert(MVG_LAPACK_COL_MAJOR == LAPACK_COL_MAJOR, "LAPACKE's column-major constant");

/* Assigning LAPACKE's functions checks lapack.h's prototypes against
 * lapacke.h: an ILP64 build (lapack_int 64-bit) does not compile. */
static const mvg_lapack linked = {
    .dgeqrf = LAPACKE_dgeqrf,
    .dormqr = LAPACKE_dormqr,
    .dtrtrs = LAPACKE_dtrtrs,
    .dtrtri = LAPACKE_dtrtri,
};

const mvg_lapack *mvg_lapack_linked(void) { return &linked; }
