/*
 * test_catvar.c: categorical model variables (daemon/engine/catvar.c), by
 * hand at UTC+8 (Hong Kong): 2026-01-09T16:30Z is Saturday 00:30 local
 * (weekend), 15:30Z Friday 23:30 (not); 2025-12-31T16:00Z is 1 January
 * 2026 00:00 local (a holiday there, still 31 December in UTC); a night
 * shift 22:00-06:00 holds 23:00 and 05:59 local, not 06:00.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catvar.h"

static void test_weekend_holiday(void **state)
{
    (void)state;
    int64_t t[3] = {1767976200000LL, 1767972600000LL, 1767196800000LL};
    double out[3];
    mvg_catvar_weekend(t, 3, 480, out);
    assert_true(out[0] == 1 && out[1] == 0 && out[2] == 0); /* 2026-01-01 is a Thursday */
    int64_t hol[2] = {20454 /* 2026-01-01 */, 20500};
    assert_true(mvg_catvar_day(1767225600000LL /* 2026-01-01T00:00Z */, 0) == 20454);
    mvg_catvar_holiday(t, 3, 480, hol, 2, out);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] == 1);
    mvg_catvar_holiday(t, 3, 0, hol, 2, out); /* in UTC it is still 31 December */
    assert_true(out[2] == 0);
}

static void test_shift(void **state)
{
    (void)state;
    int64_t t[3] = {1767279600000LL, 1767304740000LL, 1767304800000LL};
    double out[3];
    assert_int_equal(mvg_catvar_shift(t, 3, 480, 22 * 60, 6 * 60, out), 0);
    assert_true(out[0] == 1 && out[1] == 1 && out[2] == 0);
    assert_int_equal(mvg_catvar_shift(t, 3, 480, 6 * 60, 22 * 60, out), 0);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] == 1);
    assert_int_equal(mvg_catvar_shift(t, 3, 480, 60, 60, out), -1);
}

static void test_levels(void **state)
{
    (void)state;
    double v[5] = {2, 1, 2, 3, 1}, lv[4], out[5];
    size_t nl = 0;
    assert_int_equal(mvg_catvar_levels(v, 5, lv, 4, &nl), 0);
    assert_int_equal(nl, 3);
    assert_true(lv[0] == 1 && lv[1] == 2 && lv[2] == 3);
    mvg_catvar_level(v, 5, 2, out);
    assert_true(out[0] == 1 && out[1] == 0 && out[2] == 1 && out[3] == 0 && out[4] == 0);
    assert_int_equal(mvg_catvar_levels(v, 5, lv, 2, &nl), -1); /* more than 2 levels */
    double c[3] = {4, 4, 4};
    assert_int_equal(mvg_catvar_levels(c, 3, lv, 4, &nl), -1); /* one level is no variable */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekend_holiday),
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
