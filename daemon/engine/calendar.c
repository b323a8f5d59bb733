/*
 * calendar.c: classes of operation from a calendar, and their counts over
 * a year (calendar.h).
 */
#include "calendar.h"

#include <stdio.h>

#include "catvar.h"

#define DAY_MS 86400000LL

size_t mvg_calendar_nclasses(const mvg_operating *op) { return op->nshifts ? op->nshifts + 2 : 2; }

static int has_day(const int64_t *days, size_t n, int64_t d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (days[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && days[lo] == d;
}

int mvg_calendar_rest_day(const mvg_operating *op, int64_t d)
{
    if (has_day(op->cal->holidays, op->cal->nholidays, d))
        return 1;
    int64_t w = ((d + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: 0 Sunday .. 6 Saturday */
    if (!(op->rest_days & (1u << w)))
        return 0;
    /* a rest weekday the calendar makes a working day (the mainland's 调休) */
    return !has_day(op->cal->workdays, op->cal->nworkdays, d);
}

size_t mvg_calendar_class(const mvg_operating *op, int64_t t_ms)
{
    size_t rest = mvg_calendar_nclasses(op) - 1;
    int off = op->cal->utc_offset_min;
    if (mvg_calendar_rest_day(op, mvg_catvar_day(t_ms, off)))
        return rest;
    if (op->nshifts == 0)
        return 0;
    int64_t v = t_ms + (int64_t)off * 60000;
    int m = (int)((((v % DAY_MS) + DAY_MS) % DAY_MS) / 60000);
    for (size_t k = 0; k < op->nshifts; k++) {
        int s = op->shift_start[k], e = op->shift_end[k];
        if (s < e ? (m >= s && m < e) : (m >= s || m < e))
            return k;
    }
    return op->nshifts; /* off shift */
}

const char *mvg_calendar_class_name(const mvg_operating *op, size_t k, char *buf, size_t len)
{
    size_t n = mvg_calendar_nclasses(op);
    if (k + 1 == n)
        snprintf(buf, len, "rest day");
    else if (op->nshifts == 0)
        snprintf(buf, len, "working day");
    else if (k == op->nshifts)
        snprintf(buf, len, "off shift");
    else if (k < op->nshifts)
        snprintf(buf, len, "shift %02d:%02d-%02d:%02d", op->shift_start[k] / 60,
                 op->shift_start[k] % 60, op->shift_end[k] / 60, op->shift_end[k] % 60);
    else
        snprintf(buf, len, "?");
    return buf;
}

/* Howard Hinnant's days_from_civil, for January 1st. */
static int64_t days_of_jan1(int64_t y)
{
    y -= 1; /* January counts in the previous March-based year */
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = 306; /* March 1st to January 1st */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t mvg_calendar_year_start(int year, int utc_offset_min)
{
    return days_of_jan1(year) * DAY_MS - (int64_t)utc_offset_min * 60000;
}

int mvg_calendar_year_counts(const mvg_operating *op, int year, int64_t interval_ms,
                             uint64_t *counts, char *err, size_t errlen)
{
    const mvg_calendar *cal = op->cal;
    if (year < cal->first_year || year > cal->last_year) {
        snprintf(err, errlen, "calendar '%s' covers %d-%d, not %d", cal->name, cal->first_year,
                 cal->last_year, year);
        return -1;
    }
    if (interval_ms <= 0 || DAY_MS % interval_ms != 0) {
        snprintf(err, errlen, "an interval of %lld ms does not divide a day",
                 (long long)interval_ms);
        return -1;
    }
    size_t n = mvg_calendar_nclasses(op);
    for (size_t k = 0; k < n; k++)
        counts[k] = 0;
    int64_t t = mvg_calendar_year_start(year, cal->utc_offset_min);
    int64_t end = mvg_calendar_year_start(year + 1, cal->utc_offset_min);
    for (; t < end; t += interval_ms)
        counts[mvg_calendar_class(op, t)]++;
    return 0;
}
