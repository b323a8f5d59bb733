/*
 * sample.c: the names of the sample qualities.
 */
#include "sample.h"

#include <string.h>

static const char *const quality_names[] = {"good",         "stale",   "comm_error",   "exception",
                                            "out_of_range", "invalid", "counter_reset"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *mvg_quality_name(mvg_quality q)
{
    return (unsigned)q < COUNT(quality_names) ? quality_names[q] : "?";
}

int mvg_quality_parse(const char *s, mvg_quality *out)
{
    if (!s)
        return -1;
    for (unsigned i = 0; i < COUNT(quality_names); i++) {
        if (strcmp(quality_names[i], s) == 0) {
            *out = (mvg_quality)i;
            return 0;
        }
    }
    return -1;
}
