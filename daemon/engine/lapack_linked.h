/*
 * lapack_linked.h: the LAPACK table (lapack.h) of the LAPACKE linked into
 * the program. lapack_linked_get.c makes it the program's mvg_lapack_get()
 * (every program but mvgated); a test or benchmark that compares it with
 * the loaded one (lapack_dl.h) takes it from here.
 */
#ifndef MVG_LAPACK_LINKED_H
#define MVG_LAPACK_LINKED_H

#include "lapack.h"

const mvg_lapack *mvg_lapack_linked(void);

#endif
