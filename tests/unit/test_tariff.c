/*
 * test_tariff.c: time-of-use periods, billing months and the accumulator
 * of priced intervals and monthly peak demand (engine/tariff.h), by hand:
 * a tariff of two periods and a summer peak, 15-minute intervals summed
 * into 30-minute demand, a month closed by the next, the annual HK$.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tariff.h"
#include "timefmt.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static int64_t t_of(const char *s)
{
    int64_t ms;
    assert_int_equal(mvg_timefmt_parse(s, &ms), 0);
    return ms;
}

/* day 08:00-20:00 (ratio 1), night 20:00-08:00 (0.5), and a summer peak
 * 14:00-16:00 in July (3), listed first so that it wins */
static void make(mvg_tariff *t)
{
    memset(t, 0, sizeof *t);
    t->utc_offset_min = 480;
    t->nperiods = 3;
    t->periods[0] = (mvg_tariff_period){"summer", 3.0, 1, {14 * 60}, {16 * 60}, 1u << 7};
    t->periods[1] = (mvg_tariff_period){"day", 1.0, 1, {8 * 60}, {20 * 60}, 0};
    t->periods[2] = (mvg_tariff_period){"night", 0.5, 1, {20 * 60}, {8 * 60}, 0};
}

static void test_periods_and_months(void **state)
{
    (void)state;
    mvg_tariff t;
    make(&t);
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-06-30T14:30:00+08:00")), 1);
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T14:30:00+08:00")), 0);
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T16:00:00+08:00")), 1);
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T07:59:00+08:00")), 2); /* wraps */
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T20:00:00+08:00")), 2);
    /* the local month: 2026-06-30T16:00Z is 1 July 00:00 in +08:00 */
    char m[16];
    int64_t mo = mvg_tariff_month(&t, t_of("2026-06-30T16:00:00Z"));
    assert_string_equal(mvg_tariff_month_name(mo, m, sizeof m), "2026-07");
    assert_string_equal(mvg_tariff_month_name(mvg_tariff_month(&t, t_of("2026-06-30T15:59:00Z")),
                                              m, sizeof m),
                        "2026-06");
    /* a period without hours holds nothing: day prices the July afternoon;
     * with that period alone, nothing does (-1) */
    t.periods[0].nwin = 0;
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T14:30:00+08:00")), 1);
    t.nperiods = 1;
    assert_int_equal(mvg_tariff_period_of(&t, t_of("2026-07-01T14:30:00+08:00")), -1);
}

/*
 * Flat price HK$2/kWh, demand charge HK$10/kW, 15-minute intervals, 30-minute
 * demand. 30 June 19:30 and 19:45 (day): base 5 + 7, used 4 + 6 kWh: saves
 * 1 + 1 kWh x 2 = HK$4; demand (12 / 0.5 h) 24 kW against 20 kW: June saves
 * 4 kW, HK$40. 30 June 20:00 (night) alone: half a demand interval, no
 * reading; saves 3 x 1 = HK$3. 1 July 14:00 and 14:15 (summer, ratio 3):
 * base 10 + 10, used 9 + 8: saves 3 x 6 = HK$18; July peaks 40 / 34 kW,
 * HK$60; June closed. Energy HK$25, demand HK$100 over 2 months.
 * Annual: 1,000 kWh saved a year at the mean price 25 / 8 = 3.125 and
 * 12 x 100 / 2 = 600 of demand: HK$3,725.
 */
static void test_accumulator(void **state)
{
    (void)state;
    mvg_tariff t;
    make(&t);
    mvg_tariff_use u = {&t, 2.0, 10.0, 1.0, 30 * 60000, 15 * 60000};
    mvg_tariff_acc a;
    mvg_tariff_acc_init(&a);
    assert_true(isnan(mvg_tariff_acc_month_cost(&a, &u)));
    NEAR(mvg_tariff_acc_demand_cost(&a, &u), 0.0);
    int k;
    double cost;
    NEAR(mvg_tariff_acc_add(&a, &u, t_of("2026-06-30T19:30:00+08:00"), 5, 4, 1, &k, &cost), 2.0);
    assert_int_equal(k, 1);
    NEAR(cost, 2.0);
    assert_int_equal(a.month, INT64_MIN); /* half a demand interval */
    mvg_tariff_acc_add(&a, &u, t_of("2026-06-30T19:45:00+08:00"), 7, 6, 1, &k, &cost);
    NEAR(a.peak_base, 24.0);
    NEAR(a.peak_act, 20.0);
    NEAR(mvg_tariff_acc_month_cost(&a, &u), 40.0);
    NEAR(mvg_tariff_acc_add(&a, &u, t_of("2026-06-30T20:00:00+08:00"), 50, 47, 3, &k, &cost), 1.0);
    assert_int_equal(k, 2);
    NEAR(a.peak_base, 24.0); /* no reading: the interval's other half is missing */
    mvg_tariff_acc_add(&a, &u, t_of("2026-07-01T14:00:00+08:00"), 10, 9, 1, &k, &cost);
    assert_int_equal(k, 0);
    NEAR(cost, 6.0);
    mvg_tariff_acc_add(&a, &u, t_of("2026-07-01T14:15:00+08:00"), 10, 8, 2, &k, &cost);
    NEAR(a.energy_cost, 4.0 + 3.0 + 18.0);
    NEAR(a.closed_cost, 40.0);
    NEAR(mvg_tariff_acc_month_cost(&a, &u), 60.0);
    NEAR(mvg_tariff_acc_demand_cost(&a, &u), 100.0);
    assert_int_equal(a.months, 2);
    NEAR(mvg_tariff_acc_annual_cost(&a, &u, 1000.0, 8.0), 1000.0 * 25.0 / 8.0 + 600.0);
    assert_true(isnan(mvg_tariff_acc_annual_cost(&a, &u, NAN, 8.0)));
    /* the mean price the annual figure (and the report's bounds) are priced at */
    NEAR(mvg_tariff_acc_mean_price(&a, 8.0), 25.0 / 8.0);
    assert_true(isnan(mvg_tariff_acc_mean_price(&a, 0.0)));
    assert_true(isnan(mvg_tariff_acc_mean_price(&a, NAN)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periods_and_months),
        cmocka_unit_test(test_accumulator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
