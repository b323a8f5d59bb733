/*
 * lapack_dl.h: the LAPACK table (engine/lapack.h) of a LAPACKE loaded with
 * dlopen at the first fit, for mvgated: a gateway fits its models once,
 * at the end of a baseline, and should not map LAPACK, BLAS and the
 * Fortran runtime (about 1.2 MB resident) for the rest of its life before
 * that. It owns the one loaded library and its table, for the process.
 */
#ifndef MVG_LAPACK_DL_H
#define MVG_LAPACK_DL_H

#include <stddef.h>

#include "lapack.h"

/* The library mvgated loads: the soname of Debian's liblapacke3. */
#define MVG_LAPACK_DL_SONAME "liblapacke.so.3"

/*
 * The table of soname's LAPACKE, loaded at the first call. A load that
 * failed is logged once (error level) and not tried again in this process:
 * every later call returns NULL with the same reason in err. Later calls
 * get the first call's library whatever soname they name. Thread-safe.
 */
const mvg_lapack *mvg_lapack_dl_get(const char *soname, char *err, size_t errlen);

#endif
