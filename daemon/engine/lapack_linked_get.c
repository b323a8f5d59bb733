/*
 * lapack_linked_get.c: mvg_lapack_get() (lapack.h) of a program that links
 * LAPACKE: the linked table. A file of its own, in a library of its own
 * (mvg_lapack_get_linked), so that a program defining mvg_lapack_get()
 * itself can still link the table.
 */
#include "lapack_linked.h"

const mvg_lapack *mvg_lapack_get(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return mvg_lapack_linked();
}
