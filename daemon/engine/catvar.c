/*
 * catvar.c: categorical model variables from times and points
 * (catvar.h).
 */
#include <stdlib.h>

#include "catvar.h"

#define DAY_MS 86400000LL

int64_t mvg_catvar_day(int64_t t, int utc_offset_min)
{
    int64_t v = t + (int64_t)utc_offset_min * 60000;
    int64_t q = v / DAY_MS;
    return (v % DAY_MS != 0 && v < 0) ? q - 1 : q;
}

void mvg_catvar_weekend(const int64_t *t, size_t n, int utc_offset_min, double *out)
{
    for (size_t i = 0; i < n; i++) {
        /* 1970-01-01 was a Thursday: day 2 is Saturday, 3 Sunday */
        int64_t w = (mvg_catvar_day(t[i], utc_offset_min) + 4) % 7; /* 0 Sunday .. 6 Saturday */
        if (w < 0)
            w += 7;
        out[i] = w == 0 || w == 6;
    }
}

void mvg_catvar_holiday(const int64_t *t, size_t n, int utc_offset_min, const int64_t *days,
                        size_t nd, double *out)
{
    for (size_t i = 0; i < n; i++) {
        int64_t d = mvg_catvar_day(t[i], utc_offset_min);
        out[i] = 0;
        for (size_t k = 0; k < nd; k++)
            if (days[k] == d) {
                out[i] = 1;
                break;
            }
    }
}

int mvg_catvar_shift(const int64_t *t, size_t n, int utc_offset_min, int start_min, int end_min,
                     double *out)
{
    if (start_min == end_min || start_min < 0 || start_min > 1440 || end_min < 0 || end_min > 1440)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t v = t[i] + (int64_t)utc_offset_min * 60000;
        int64_t m = ((v % DAY_MS) + DAY_MS) % DAY_MS / 60000;
        out[i] =
            start_min < end_min ? (m >= start_min && m < end_min) : (m >= start_min || m < end_min);
    }
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int mvg_catvar_levels(const double *v, size_t n, double *levels, size_t max, size_t *nlevels)
{
    *nlevels = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < *nlevels && levels[k] != v[i])
            k++;
        if (k < *nlevels)
            continue;
        if (*nlevels == max)
            return -1;
        levels[(*nlevels)++] = v[i];
    }
    qsort(levels, *nlevels, sizeof *levels, cmp_d);
    return *nlevels >= 2 ? 0 : -1;
}

void mvg_catvar_level(const double *v, size_t n, double level, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = v[i] == level;
}
