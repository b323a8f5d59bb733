/*
 * lapack_switch.c: the switchable mvg_lapack_get of lapack_switch.h. Its
 * two statics are the program's, as in any test seam: one thread.
 */
#include "lapack_switch.h"

#include <stdio.h>

static const mvg_lapack *chosen;
static const char *chosen_why = "no LAPACK chosen (tu_lapack_use)";

void tu_lapack_use(const mvg_lapack *t, const char *why)
{
    chosen = t;
    chosen_why = why ? why : "no LAPACK chosen (tu_lapack_use)";
}

const mvg_lapack *mvg_lapack_get(char *err, size_t errlen)
{
    if (!chosen && err && errlen)
        snprintf(err, errlen, "%s", chosen_why);
    return chosen;
}
