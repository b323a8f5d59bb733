/*
 * sample.c: the names of the sample qualities.
 */
#include "sample.h"


static const char *const quality_names[] = {"good",         "stale",   "comm_error",   "exception",
                                            "out_of_range", "invalid", "counter_reset"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *mvg_quality_name(mvg_quality q)
{
    return (unsigned)q < COUNT(quality_names) ? quality_names[q] : "?";
}
