/*
 * catvar.h: categorical variables of a baseline model, made from the
 * rows' times or from a point's values: weekday/weekend, a holiday from a
 * calendar of dates, a shift (a daily window of local time), and an
 * operating mode (one 0/1 column per level of a point). Each is a column
 * of 0 and 1 that enters a linear or TOWT model as one more x. It owns the
 * rules (local days, windows that wrap past midnight, which level is the
 * reference); the caller owns the arrays. Pure: no clock, no I/O, no zone
 * database: local time is UTC plus the given offset.
 */
#ifndef MVG_CATVAR_H
#define MVG_CATVAR_H

#include <stddef.h>
#include <stdint.h>

/* The local day number (days since 1970-01-01 local) of UTC time t. */
int64_t mvg_catvar_day(int64_t t, int utc_offset_min);

/* out[i] = 1 on local Saturdays and Sundays, else 0. */
void mvg_catvar_weekend(const int64_t *t, size_t n, int utc_offset_min, double *out);

/* out[i] = 1 when the local day of t[i] is one of days[0..nd) (local day
 * numbers, mvg_catvar_day of the date's midnight with offset 0). */
void mvg_catvar_holiday(const int64_t *t, size_t n, int utc_offset_min, const int64_t *days,
                        size_t nd, double *out);

/* out[i] = 1 when the local time of day of t[i] is in [start, end)
 * minutes after midnight; end < start wraps past midnight (a night shift
 * 22:00-06:00). Returns 0, or -1 when start == end or either is outside
 * 0..1440. */
int mvg_catvar_shift(const int64_t *t, size_t n, int utc_offset_min, int start_min, int end_min,
                     double *out);

/*
 * Operating-mode levels of a point's values v[0..n): the distinct values
 * in ascending order into levels (at most max), *nlevels their count.
 * Each level but the first (the reference, absorbed by the intercept or
 * the time-of-week terms) becomes a column: mvg_catvar_level(v, n, level,
 * out) sets out[i] = (v[i] == level). Returns 0, or -1 when there are more
 * than max levels or fewer than 2.
 */
int mvg_catvar_levels(const double *v, size_t n, double *levels, size_t max, size_t *nlevels);
void mvg_catvar_level(const double *v, size_t n, double level, double *out);

#endif
