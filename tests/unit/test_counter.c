/*
 * test_counter.c: mvg_counter_step, the one wrap-or-reset rule, at its
 * edges: forward steps, a wrap just inside a quarter of the span, exactly a
 * quarter (a reset), a half (a reset: the engine's old threshold), spans in
 * engineering units, counters that never wrap, NaN. And the driver and the
 * engine agree on the same step at the edge.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "counter.h"
#include "interval.h"
#include "point.h"

#define SPAN16 65536.0

/* One step and what it must give: the kind, and the delta exactly. */
static void step(double prev, double cur, double span, mvg_counter_step_kind kind, double delta)
{
    double d = -1;
    mvg_counter_step_kind got = mvg_counter_step(prev, cur, span, &d);
    if (got != kind || !(d == delta))
        fail_msg("%.17g -> %.17g (span %g): kind %d delta %.17g, want %d %.17g", prev, cur, span,
                 (int)got, d, (int)kind, delta);
}

static void test_forward(void **state)
{
    (void)state;
    step(10, 25, SPAN16, MVG_COUNTER_FORWARD, 15);
    step(10, 10, SPAN16, MVG_COUNTER_FORWARD, 0);
    /* forward is forward whatever the size, and with no span */
    step(0, 65535, SPAN16, MVG_COUNTER_FORWARD, 65535);
    step(1.5, 2.25, 0, MVG_COUNTER_FORWARD, 0.75);
    assert_int_equal(mvg_counter_step(1, 2, 0, NULL), MVG_COUNTER_FORWARD);
}

static void test_wrap_edges(void **state)
{
    (void)state;
    step(65530, 5, SPAN16, MVG_COUNTER_WRAP, 11); /* 65530 -> 65535 -> 0 -> 5 */
    /* one count short of a quarter of the span: a wrap */
    step(49153, 0, SPAN16, MVG_COUNTER_WRAP, 16383);
    /* exactly a quarter: a reset */
    step(49152, 0, SPAN16, MVG_COUNTER_RESET, 0);
    /* within a half but not a quarter (a wrap by the engine's old rule): a reset */
    step(40000, 100, SPAN16, MVG_COUNTER_RESET, 0);
    /* a reset to a small value from the middle */
    step(1010, 3, SPAN16, MVG_COUNTER_RESET, 0);
}

static void test_engineering_units(void **state)
{
    (void)state;
    double span = 4294967296.0 * 0.01, d = -1; /* uint32, scale 0.01 kWh */
    assert_int_equal(mvg_counter_step(42949672.50, 1.25, span, &d), MVG_COUNTER_WRAP);
    assert_true(fabs(d - 1.71) < 1e-6);
    assert_int_equal(mvg_counter_step(span * 0.75 + 1.0, 0.0, span, &d), MVG_COUNTER_WRAP);
    assert_int_equal(mvg_counter_step(span * 0.75 - 1.0, 0.0, span, &d), MVG_COUNTER_RESET);
}

static void test_never_wraps_and_nan(void **state)
{
    (void)state;
    /* floats (span 0) and nonsense spans never wrap */
    step(16777215.0, 1.0, 0, MVG_COUNTER_RESET, 0);
    step(65530, 5, -SPAN16, MVG_COUNTER_RESET, 0);
    step(65530, 5, NAN, MVG_COUNTER_RESET, 0);
    /* NaN readings are no increase */
    step(NAN, 5, SPAN16, MVG_COUNTER_RESET, 0);
    step(5, NAN, SPAN16, MVG_COUNTER_RESET, 0);
}

/* The same backward step, once through the driver's tracker and once
 * through the engine's aggregator: both call it a wrap or both a reset. */
static int collect(const mvg_interval_record *rec, void *user)
{
    *(unsigned *)user = rec->ch[0].flags;
    return 0;
}

static void agree(double prev, double cur, mvg_counter_step_kind want)
{
    mvg_point_cfg p;
    memset(&p, 0, sizeof p);
    p.type = MVG_TYPE_UINT16;
    p.kind = MVG_KIND_COUNTER;
    p.scale = 1.0;
    mvg_counter_track t = {0};
    mvg_quality q = MVG_Q_GOOD;
    assert_int_equal(mvg_point_counter_step(&t, &p, prev, &q), 0);
    assert_int_equal(mvg_point_counter_step(&t, &p, cur, &q), 0);
    assert_int_equal(q == MVG_Q_COUNTER_RESET, want == MVG_COUNTER_RESET);
    assert_int_equal(t.rolled, want == MVG_COUNTER_WRAP);

    mvg_interval_channel ch = {.name = "kwh", .kind = MVG_INTERVAL_COUNTER, .wrap_span = SPAN16,
                               .max_gap_ms = 600000};
    char err[128];
    mvg_interval *agg = mvg_interval_new(15, &ch, 1, err, sizeof err);
    assert_non_null(agg);
    mvg_sample a = {.ts_ms = 60000, .value = prev, .quality = MVG_Q_GOOD};
    mvg_sample b = {.ts_ms = 120000, .value = cur, .quality = MVG_Q_GOOD};
    assert_int_equal(mvg_interval_push(agg, 0, &a), 0);
    assert_int_equal(mvg_interval_push(agg, 0, &b), 0);
    unsigned flags = 0;
    assert_int_equal(mvg_interval_advance(agg, 900000, collect, &flags), 1);
    assert_int_equal(!!(flags & MVG_INTERVAL_F_ROLLOVER), want == MVG_COUNTER_WRAP);
    assert_int_equal(!!(flags & MVG_INTERVAL_F_RESET), want == MVG_COUNTER_RESET);
    mvg_interval_free(agg);
}

static void test_driver_and_engine_agree(void **state)
{
    (void)state;
    agree(49153, 0, MVG_COUNTER_WRAP);
    agree(49152, 0, MVG_COUNTER_RESET);
    agree(40000, 100, MVG_COUNTER_RESET);
    agree(100, 200, MVG_COUNTER_FORWARD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward),
        cmocka_unit_test(test_wrap_edges),
        cmocka_unit_test(test_engineering_units),
        cmocka_unit_test(test_never_wraps_and_nan),
        cmocka_unit_test(test_driver_and_engine_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
