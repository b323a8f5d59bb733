/*
 * test_calendar.c: the classes of operation of an operating calendar and
 * their counts over a year (engine/calendar.h), by hand: a holiday, a
 * weekend day, a make-up working day on a Sunday, shift windows (one past
 * midnight) and the intervals of each class in a year, worked out below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calendar.h"
#include "catvar.h"
#include "timefmt.h"

#define H 3600000LL

static int64_t t_of(const char *s)
{
    int64_t ms;
    assert_int_equal(mvg_timefmt_parse(s, &ms), 0);
    return ms;
}

static int64_t day_of(const char *date) { return mvg_catvar_day(t_of(date), 0); }

/* 2025: a holiday on Wednesday 1 January, a make-up working day on Sunday
 * 26 January (as the mainland's 2025 notice has it). */
static void make(mvg_calendar *cal, int64_t *hol, int64_t *work)
{
    memset(cal, 0, sizeof *cal);
    strcpy(cal->name, "t");
    cal->utc_offset_min = 480;
    cal->first_year = 2025;
    cal->last_year = 2025;
    hol[0] = day_of("2025-01-01");
    work[0] = day_of("2025-01-26");
    cal->holidays = hol;
    cal->nholidays = 1;
    cal->workdays = work;
    cal->nworkdays = 1;
}

static void test_classes_of_days_and_shifts(void **state)
{
    (void)state;
    mvg_calendar cal;
    int64_t hol[1], work[1];
    make(&cal, hol, work);
    mvg_operating op = {.cal = &cal, .rest_days = (1u << 0) | (1u << 6), .nshifts = 2,
                        .shift_start = {8 * 60, 20 * 60}, .shift_end = {20 * 60, 2 * 60}};
    assert_int_equal(mvg_calendar_nclasses(&op), 4); /* 2 shifts, off shift, rest day */
    /* local time is UTC+8: 2025-01-01 00:00 local is 2024-12-31T16:00Z */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-01T10:00:00+08:00")), 3); /* holiday */
    assert_int_equal(mvg_calendar_class(&op, t_of("2024-12-31T16:00:00Z")), 3);
    assert_int_equal(mvg_calendar_class(&op, t_of("2024-12-31T15:59:59Z")), 1); /* Tue 23:59 local */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T07:59:00+08:00")), 2); /* off shift */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T08:00:00+08:00")), 0);
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T19:59:00+08:00")), 0);
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T20:00:00+08:00")), 1);
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T01:59:00+08:00")), 1); /* wraps */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T02:00:00+08:00")), 2);
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-04T12:00:00+08:00")), 3); /* Saturday */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-26T12:00:00+08:00")), 0); /* worked Sunday */
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-19T12:00:00+08:00")), 3); /* a Sunday */
    char name[48];
    assert_string_equal(mvg_calendar_class_name(&op, 1, name, sizeof name), "shift 20:00-02:00");
    assert_string_equal(mvg_calendar_class_name(&op, 2, name, sizeof name), "off shift");
    assert_string_equal(mvg_calendar_class_name(&op, 3, name, sizeof name), "rest day");
    op.nshifts = 0;
    assert_int_equal(mvg_calendar_nclasses(&op), 2);
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-02T03:00:00+08:00")), 0);
    assert_string_equal(mvg_calendar_class_name(&op, 0, name, sizeof name), "working day");
    /* a site that works every weekday but Sunday */
    op.rest_days = 1u << 0;
    assert_int_equal(mvg_calendar_class(&op, t_of("2025-01-04T12:00:00+08:00")), 0);
}

/*
 * 2025 starts on a Wednesday: 365 days = 52 weeks + 1 day, so 104 Saturdays
 * and Sundays. The holiday (a Wednesday) adds a rest day, the worked Sunday
 * takes one: 104 rest days, 261 working days. Hourly: 104 x 24 = 2496 rest
 * intervals; with one shift 08:00-20:00, 261 x 12 = 3132 in the shift and
 * 3132 off it; 15-minute intervals four times each.
 */
static void test_year_counts(void **state)
{
    (void)state;
    mvg_calendar cal;
    int64_t hol[1], work[1];
    make(&cal, hol, work);
    mvg_operating op = {.cal = &cal, .rest_days = (1u << 0) | (1u << 6), .nshifts = 1,
                        .shift_start = {8 * 60}, .shift_end = {20 * 60}};
    uint64_t n[MVG_CAL_MAX_CLASSES];
    char err[160];
    assert_int_equal(mvg_calendar_year_counts(&op, 2025, H, n, err, sizeof err), 0);
    assert_int_equal(n[0], 3132);
    assert_int_equal(n[1], 3132);
    assert_int_equal(n[2], 2496);
    assert_int_equal(n[0] + n[1] + n[2], 8760);
    assert_int_equal(mvg_calendar_year_counts(&op, 2025, H / 4, n, err, sizeof err), 0);
    assert_int_equal(n[0], 4 * 3132);
    assert_int_equal(n[2], 4 * 2496);
    /* a year the calendar does not cover */
    assert_int_equal(mvg_calendar_year_counts(&op, 2026, H, n, err, sizeof err), -1);
    assert_string_equal(err, "calendar 't' covers 2025-2025, not 2026");
    /* local midnights: 2024 is a leap year (366 days) */
    assert_int_equal(mvg_calendar_year_start(2025, 480), t_of("2025-01-01T00:00:00+08:00"));
    assert_int_equal(mvg_calendar_year_start(2025, 480) - mvg_calendar_year_start(2024, 480),
                     366 * 24 * H);
    assert_int_equal(mvg_calendar_year_start(1970, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_of_days_and_shifts),
        cmocka_unit_test(test_year_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
