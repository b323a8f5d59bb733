/*
 * sample.c: the names of the sample qualities and the text of a sample's
 * exact integer.
 */
#include "sample.h"

#include <inttypes.h>
#include <stdio.h>


static const char *const quality_names[] = {"good",         "stale",   "comm_error",   "exception",
                                            "out_of_range", "invalid", "counter_reset"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *mvg_quality_name(mvg_quality q)
{
    return (unsigned)q < COUNT(quality_names) ? quality_names[q] : "?";
}

int mvg_sample_raw_digits(const mvg_sample *s, char buf[MVG_SAMPLE_DIGITS])
{
    buf[0] = '\0';
    if (s->raw_kind == MVG_RAW_INT)
        return snprintf(buf, MVG_SAMPLE_DIGITS, "%" PRId64, s->raw_i);
    if (s->raw_kind == MVG_RAW_UINT)
        return snprintf(buf, MVG_SAMPLE_DIGITS, "%" PRIu64, s->raw_u);
    return -1;
}
