/*
 * test_dayrow.c: intervals into day rows (daemon/engine/dayrow.c), worked
 * by hand. Hourly intervals unless said; x[0] a temperature (a level,
 * averaged), x[1] a production count (an amount, summed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dayrow.h"
#include "timefmt.h"

#define H 3600000LL

static int64_t at(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(mvg_timefmt_parse(s, &ms), 0);
    return ms;
}

static const mvg_dayrow_cfg HK = {H, 480, 2, 2u}; /* +08:00, x[1] summed */

/* Feeds hourly intervals k = first..last of the local day starting at
 * day0 (k = 0 its first hour): y = k + 1, temperature 10 + k, count 2;
 * skip (if >= 0) is not fed, invalid (if >= 0) is fed as not valid.
 * Returns how many days were returned; *d the last. */
static int feed(mvg_dayrow_acc *a, const mvg_dayrow_cfg *c, int64_t day0, int first, int last,
                int skip, int invalid, mvg_dayrow *d)
{
    int closed = 0;
    for (int k = first; k <= last; k++) {
        if (k == skip)
            continue;
        double x[2] = {10.0 + k, 2.0};
        closed += mvg_dayrow_add(a, c, day0 + k * H, k != invalid, 1, k + 1.0, 0.5, x, d);
    }
    return closed;
}

/* A local day of Hong Kong runs 16:00Z to 16:00Z: the UTC midnight inside
 * it closes nothing. y = 1 + ... + 24 = 300; mean temperature 10 + 11.5;
 * count 24 x 2 = 48; aux 24 x 0.5 = 12. */
static void test_full_day_across_utc_midnight(void **state)
{
    (void)state;
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-05T16:00Z");
    assert_int_equal(mvg_dayrow_day_start(&HK, at("2026-01-06T00:00Z")), day0);
    assert_int_equal(mvg_dayrow_day_start(&HK, at("2026-01-06T15:59Z")), day0);
    assert_int_equal(mvg_dayrow_day_start(&HK, at("2026-01-06T16:00Z")), day0 + 24 * H);
    /* 16:00Z .. 23:00Z, then 00:00Z .. 14:00Z: still open */
    assert_int_equal(feed(&a, &HK, day0, 0, 22, -1, -1, &d), 0);
    assert_int_equal(feed(&a, &HK, day0, 23, 23, -1, -1, &d), 1); /* 15:00Z-16:00Z ends it */
    assert_true(d.complete);
    assert_int_equal(d.start_ms, day0);
    assert_int_equal(d.end_ms, at("2026-01-07T00:00+08:00"));
    assert_int_equal(d.intervals, 24);
    assert_int_equal(d.fed, 24);
    assert_int_equal(d.valid, 24);
    assert_int_equal(d.phase, 1);
    assert_true(d.y == 300.0);
    assert_true(d.x[0] == 21.5);
    assert_true(d.x[1] == 48.0);
    assert_true(d.aux == 12.0);
    assert_int_equal(a.stale, 0);
}

/* The project starts at 20:00 local (12:00Z): the first day has 4 of 24
 * intervals (y = 21 + 22 + 23 + 24 = 90) and is not complete. */
static void test_partial_first_day(void **state)
{
    (void)state;
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-06T00:00+08:00");
    assert_int_equal(feed(&a, &HK, day0, 20, 23, -1, -1, &d), 1);
    assert_false(d.complete);
    assert_int_equal(d.fed, 4);
    assert_int_equal(d.valid, 4);
    assert_true(d.y == 90.0);
    assert_true(d.x[0] == 31.5); /* mean of 30 .. 33 */
    assert_true(d.x[1] == 8.0);
}

/* One interval missing (never fed), or fed but not valid: 23 of 24, not
 * complete, the sums over the 23 (300 - 13 = 287 without k = 12). */
static void test_missing_interval(void **state)
{
    (void)state;
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-06T00:00+08:00");
    assert_int_equal(feed(&a, &HK, day0, 0, 23, 12, -1, &d), 1);
    assert_false(d.complete);
    assert_int_equal(d.fed, 23);
    assert_int_equal(d.valid, 23);
    assert_true(d.y == 287.0);
    assert_true(d.x[1] == 46.0);
    assert_int_equal(feed(&a, &HK, day0 + 24 * H, 0, 23, -1, 12, &d), 1);
    assert_false(d.complete);
    assert_int_equal(d.fed, 24);
    assert_int_equal(d.valid, 23);
    assert_true(d.y == 287.0);
    assert_true(fabs(d.x[0] - (21.5 * 24 - 22.0) / 23.0) < 1e-12);
    /* the next day whole again */
    assert_int_equal(feed(&a, &HK, day0 + 48 * H, 0, 23, -1, -1, &d), 1);
    assert_true(d.complete);
}

/* A gap over a midnight: the open day never gets its last interval; it is
 * dropped (counted stale) when the next day's first interval comes. */
static void test_gap_over_midnight(void **state)
{
    (void)state;
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-06T00:00+08:00");
    assert_int_equal(feed(&a, &HK, day0, 0, 10, -1, -1, &d), 0);
    assert_int_equal(feed(&a, &HK, day0 + 24 * H, 5, 23, -1, -1, &d), 1);
    assert_int_equal(a.stale, 1);
    assert_int_equal(d.start_ms, day0 + 24 * H);
    assert_int_equal(d.fed, 19);
    assert_false(d.complete);
}

/* Intervals of two phases in one day (a baseline that ends at noon): not
 * complete, phase -1. */
static void test_mixed_phase(void **state)
{
    (void)state;
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-06T00:00+08:00");
    double x[2] = {20, 1};
    for (int k = 0; k < 24; k++)
        mvg_dayrow_add(&a, &HK, day0 + k * H, 1, k < 12 ? 1 : 2, 1.0, 0.0, x, &d);
    assert_int_equal(d.valid, 24);
    assert_int_equal(d.phase, -1);
    assert_false(d.complete);
}

/* Offsets without daylight saving west of UTC and off the hour: -05:30
 * with 30-min intervals puts local midnight at 05:30Z; 05:00Z is still
 * the previous local day (23:30 local). */
static void test_offsets(void **state)
{
    (void)state;
    mvg_dayrow_cfg c = {30 * 60000LL, -330, 1, 0u};
    char err[200];
    assert_int_equal(mvg_dayrow_cfg_check(&c, err, sizeof err), 0);
    assert_int_equal(mvg_dayrow_day_start(&c, at("2026-01-06T05:00Z")), at("2026-01-05T05:30Z"));
    assert_int_equal(mvg_dayrow_day_start(&c, at("2026-01-06T05:30Z")), at("2026-01-06T05:30Z"));
    mvg_dayrow_acc a;
    memset(&a, 0, sizeof a);
    mvg_dayrow d;
    int64_t day0 = at("2026-01-06T05:30Z");
    int closed = 0;
    for (int k = 0; k < 48; k++) {
        double x = k < 24 ? 10.0 : 20.0;
        closed += mvg_dayrow_add(&a, &c, day0 + k * 30 * 60000LL, 1, 0, 0.25, 0.0, &x, &d);
    }
    assert_int_equal(closed, 1);
    assert_true(d.complete);
    assert_int_equal(d.intervals, 48);
    assert_true(d.y == 12.0);
    assert_true(d.x[0] == 15.0);
    assert_int_equal(d.end_ms, at("2026-01-07T00:00-05:30"));
    /* +05:45 with hourly intervals: local midnight inside an interval */
    mvg_dayrow_cfg np = {H, 345, 1, 0u};
    assert_int_equal(mvg_dayrow_cfg_check(&np, err, sizeof err), -1);
    assert_non_null(strstr(err, "345 min is not a multiple of the 60 min interval"));
    np.interval_ms = 15 * 60000LL;
    assert_int_equal(mvg_dayrow_cfg_check(&np, err, sizeof err), 0);
    mvg_dayrow_cfg seven = {7 * 60000LL, 0, 1, 0u};
    assert_int_equal(mvg_dayrow_cfg_check(&seven, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not divide a day"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_day_across_utc_midnight),
        cmocka_unit_test(test_partial_first_day),
        cmocka_unit_test(test_missing_interval),
        cmocka_unit_test(test_gap_over_midnight),
        cmocka_unit_test(test_mixed_phase),
        cmocka_unit_test(test_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
