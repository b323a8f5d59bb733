/*
 * calendar.h: the operating calendar of a site, and the normal year of
 * operating conditions built from it. It owns the rule that puts an
 * interval into a class of operation: a rest day (a public holiday of the
 * calendar, or a weekday the site rests on that the calendar does not make
 * a working day), else one of the site's shifts, else "off shift" on a
 * working day; and the count of each class's intervals in a calendar year.
 * The holidays are data (config/calendars/, read by daemon/config), passed
 * in as plain arrays. Pure: no clock, no I/O; local time is UTC plus the
 * calendar's fixed offset (Hong Kong and mainland China keep no daylight
 * saving).
 */
#ifndef MVG_CALENDAR_H
#define MVG_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define MVG_CAL_MAX_SHIFTS 4
#define MVG_CAL_MAX_CLASSES (MVG_CAL_MAX_SHIFTS + 2)
#define MVG_CAL_NAME_MAX 64

/* One published calendar: the public holidays and, for the mainland, the
 * make-up working days (调休 上班) of the years it covers. Day numbers are
 * local days since 1970-01-01 (mvg_catvar_day of the local midnight),
 * sorted ascending. */
typedef struct {
    char name[MVG_CAL_NAME_MAX];      /* "hk", "cn" */
    int utc_offset_min;               /* +480 for both */
    int first_year, last_year;        /* the years the lists are complete for */
    int64_t *holidays;                /* owned by whoever filled it (the config) */
    size_t nholidays;
    int64_t *workdays;                /* make-up working days on a rest weekday */
    size_t nworkdays;
} mvg_calendar;

/* A site's operating pattern on a calendar. */
typedef struct {
    const mvg_calendar *cal;
    unsigned rest_days;               /* bit w: weekday w rests (0 Sunday .. 6 Saturday) */
    size_t nshifts;                   /* 0: a working day is one class */
    int shift_start[MVG_CAL_MAX_SHIFTS], shift_end[MVG_CAL_MAX_SHIFTS]; /* minutes; end < start wraps */
} mvg_operating;

/* The number of classes of op: nshifts + 2 (the shifts, off shift, rest
 * day), or 2 (working day, rest day) without shifts. */
size_t mvg_calendar_nclasses(const mvg_operating *op);

/* The class of the interval starting at UTC time t_ms. The day (working
 * or rest) is the local date of t_ms; the shift its local time of day. */
size_t mvg_calendar_class(const mvg_operating *op, int64_t t_ms);

/* The name of class k into buf: "shift 08:00-20:00", "off shift",
 * "working day", "rest day". Returns buf. */
const char *mvg_calendar_class_name(const mvg_operating *op, size_t k, char *buf, size_t len);

/* 1 when the local day d is a rest day of op. */
int mvg_calendar_rest_day(const mvg_operating *op, int64_t d);

/*
 * The intervals of interval_ms (a divisor of a day) of each class in the
 * local calendar year `year`, into counts[0..nclasses): the normal year of
 * operating conditions. Returns 0, or -1 with err when the calendar does
 * not cover the year.
 */
int mvg_calendar_year_counts(const mvg_operating *op, int year, int64_t interval_ms,
                             uint64_t *counts, char *err, size_t errlen);

/* The UTC epoch ms of local midnight starting year-01-01 (offset in minutes). */
int64_t mvg_calendar_year_start(int year, int utc_offset_min);

#endif
