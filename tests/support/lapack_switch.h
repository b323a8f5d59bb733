/*
 * lapack_switch.h: mvg_lapack_get() (engine/lapack.h) for a test or
 * benchmark that runs the same fits through two tables (the linked LAPACKE
 * and the loaded one, lapack_dl.h): it returns the table last chosen here.
 * Its program sets the target property MVG_LAPACK_GET (tests/CMakeLists.txt).
 * One thread only.
 */
#ifndef MVG_TEST_LAPACK_SWITCH_H
#define MVG_TEST_LAPACK_SWITCH_H

#include "lapack.h"

/* From now on mvg_lapack_get returns t; when t is NULL, NULL with why. */
void tu_lapack_use(const mvg_lapack *t, const char *why);

#endif
