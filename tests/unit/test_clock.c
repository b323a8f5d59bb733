/*
 * test_clock.c: the monotonic helpers every thread's wait is built on: a
 * deadline lands in_ms ahead on CLOCK_MONOTONIC with a normalised
 * timespec (a condition variable on that clock really waits that long and
 * no longer), the ns and ms clocks agree, the timebase, and the detector
 * of wall-clock steps against the monotonic clock.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static int64_t ts_ms(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void test_deadline(void **state)
{
    (void)state;
    const int64_t ins[] = {0, -5, 1, 999, 1000, 1001, 2500, 86400000};
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
        int64_t before = mvg_clock_mono_ms();
        struct timespec ts;
        mvg_clock_mono_deadline(ins[i], &ts);
        int64_t after = mvg_clock_mono_ms();
        int64_t in = ins[i] > 0 ? ins[i] : 0;
        assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
        assert_true(ts_ms(&ts) >= before + in);
        assert_true(ts_ms(&ts) <= after + in);
    }
}

static void test_deadline_waits(void **state)
{
    (void)state;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_condattr_t ca;
    pthread_cond_t cv;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&mu);
    int64_t t0 = mvg_clock_mono_ms();
    struct timespec ts;
    mvg_clock_mono_deadline(120, &ts);
    int rc;
    while ((rc = pthread_cond_timedwait(&cv, &mu, &ts)) == 0)
        ;
    int64_t waited = mvg_clock_mono_ms() - t0;
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&cv);
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(waited >= 119);
    assert_true(waited < 5000);
}

static void test_ns_and_ms_agree(void **state)
{
    (void)state;
    int64_t ms0 = mvg_clock_mono_ms(), ns = mvg_clock_mono_ns(), ms1 = mvg_clock_mono_ms();
    assert_true(ns / 1000000 >= ms0);
    assert_true(ns / 1000000 <= ms1);
}

static void test_timebase(void **state)
{
    (void)state;
    mvg_timebase tb;
    mvg_timebase_init(&tb, 1.0, 0);
    int64_t real = mvg_clock_real_ms(), now = mvg_timebase_now(&tb);
    assert_true(now >= real && now - real < 1000);
    mvg_timebase_init(&tb, 1000.0, 1767225600000LL);
    mvg_clock_sleep_ms(20);
    now = mvg_timebase_now(&tb);
    assert_true(now >= 1767225600000LL + 19000);
    assert_true(now < 1767225600000LL + 5000000);
}

/* Readings that advance together are no step; a slew inside the
 * threshold is none either; a jump either way is reported once, with its
 * size and the time the clock would have read. */
static void test_steps(void **state)
{
    (void)state;
    mvg_clock_steps d;
    mvg_clock_steps_init(&d, 1.0);
    mvg_clock_step st = {0, 0, 0};
    assert_int_equal(mvg_clock_steps_check(&d, 1000000, 50, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 1000200, 250, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 1001700, 450, &st), 0); /* +1.3 s: slew */
    const int64_t two_days = 2LL * 86400 * 1000;
    assert_int_equal(mvg_clock_steps_check(&d, 1001900 + two_days, 650, &st), 1);
    assert_int_equal(st.step_ms, two_days);
    assert_int_equal(st.skip_ms, two_days);
    assert_int_equal(st.from_ms, 1001900);
    /* the next pair is measured from the stepped clock: no second report */
    assert_int_equal(mvg_clock_steps_check(&d, 1002100 + two_days, 850, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 1002300 + two_days - 3600000, 1050, &st), 1);
    assert_int_equal(st.step_ms, -3600000);
    assert_int_equal(st.skip_ms, 0);
    assert_int_equal(st.from_ms, 1002300 + two_days);
    /* set right again, a little more than it went back: undone, nothing
     * skipped; then a step of ten minutes skips ten minutes */
    assert_int_equal(mvg_clock_steps_check(&d, 1002500 + two_days + 900, 1250, &st), 1);
    assert_int_equal(st.step_ms, 3600000 + 900);
    assert_int_equal(st.skip_ms, 0);
    assert_int_equal(mvg_clock_steps_check(&d, 1002700 + two_days + 900 + 600000, 1450, &st), 1);
    assert_int_equal(st.skip_ms, 600000);

    /* an accelerated timebase moves scale times faster: that is no step,
     * and the threshold scales with it */
    mvg_clock_steps_init(&d, 60.0);
    assert_int_equal(mvg_clock_steps_check(&d, 0, 0, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 60000, 1000, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 120000 + 100000, 2000, &st), 0);
    assert_int_equal(mvg_clock_steps_check(&d, 280000 + 200000, 3000, &st), 1);
    assert_int_equal(st.step_ms, 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_deadline_waits),
        cmocka_unit_test(test_ns_and_ms_agree),
        cmocka_unit_test(test_timebase),
        cmocka_unit_test(test_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
