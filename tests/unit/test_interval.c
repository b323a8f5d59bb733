/* Unit tests of daemon/engine/interval: expected values are worked out by
 * hand in the comments (kWh of simple profiles, counter arithmetic). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interval.h"
#include "statefmt.h"

/* This cmocka (1.1) compares floats only in single precision: use our own. */
#define assert_near(a, b, eps)                                                             \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (!(fabs(a_ - b_) <= (eps)))                                                     \
            fail_msg("%s = %.17g, expected %.17g (+-%g)", #a, a_, b_, (double)(eps));      \
    } while (0)

#define MIN_MS 60000LL
/* 2023-11-14 22:15:00 UTC: a multiple of 15 min since the epoch */
#define T0 1700000100000LL

#define MAX_REC 64
#define MAX_CH 4

typedef struct {
    int64_t start, end;
    int partial;
    int64_t clock_step_ms;
    mvg_interval_value ch[MAX_CH];
} rec_copy;

typedef struct {
    rec_copy r[MAX_REC];
    int n;
    int stop_after; /* 0: never */
} sink;

static int collect(const mvg_interval_record *rec, void *user)
{
    sink *s = user;
    assert_true(s->n < MAX_REC);
    assert_true(rec->nch <= MAX_CH);
    rec_copy *c = &s->r[s->n++];
    memset(c, 0, sizeof *c);
    c->start = rec->start_ms;
    c->end = rec->end_ms;
    c->partial = rec->partial;
    c->clock_step_ms = rec->clock_step_ms;
    memcpy(c->ch, rec->ch, rec->nch * sizeof *rec->ch);
    return s->stop_after && s->n >= s->stop_after;
}

static mvg_interval_channel rate_ch(const char *name, int64_t max_gap)
{
    return (mvg_interval_channel){.name = name, .kind = MVG_INTERVAL_RATE, .unit_s = 3600,
                                  .max_gap_ms = max_gap};
}

static mvg_interval_channel counter_ch(const char *name, double span, int64_t max_gap)
{
    return (mvg_interval_channel){.name = name, .kind = MVG_INTERVAL_COUNTER, .wrap_span = span,
                                  .max_gap_ms = max_gap};
}

static mvg_interval *new1(mvg_interval_channel c)
{
    char err[256];
    mvg_interval *agg = mvg_interval_new(15, &c, 1, err, sizeof err);
    if (!agg)
        fail_msg("new: %s", err);
    return agg;
}

static void push(mvg_interval *agg, size_t ch, int64_t ts, double v, mvg_quality q)
{
    mvg_sample s = {.ts_ms = ts, .value = v, .quality = q};
    int rc = mvg_interval_push(agg, ch, &s);
    if (rc != 0)
        fail_msg("push ch %zu ts %lld: %s", ch, (long long)ts, mvg_interval_strerror(rc));
}

static void good(mvg_interval *agg, size_t ch, int64_t ts, double v)
{
    push(agg, ch, ts, v, MVG_Q_GOOD);
}

static void test_constant_rate(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 2 * MIN_MS));
    /* 60 kW, one sample a minute, 0..15 min: 60 kW * 0.25 h = 15 kWh */
    for (int m = 0; m <= 15; m++)
        good(agg, 0, T0 + m * MIN_MS, 60.0);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_int_equal(s.r[0].start, T0);
    assert_int_equal(s.r[0].end, T0 + 15 * MIN_MS);
    assert_near(s.r[0].ch[0].value, 15.0, 0);
    assert_near(s.r[0].ch[0].mean, 60.0, 0);
    assert_near(s.r[0].ch[0].min, 60.0, 0);
    assert_near(s.r[0].ch[0].max, 60.0, 0);
    assert_near(s.r[0].ch[0].coverage, 1.0, 0);
    assert_int_equal(s.r[0].ch[0].n_good, 15); /* the sample at 15 min opens the next */
    assert_int_equal(s.r[0].ch[0].n_bad, 0);
    assert_int_equal(s.r[0].ch[0].flags, 0);
    assert_int_equal(s.r[0].partial, 0);
    mvg_interval_free(agg);
}

static void test_ramp_and_boundary_split(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 15 * MIN_MS));
    /* 0 -> 120 kW linearly over 15 min: mean 60 kW, 15 kWh */
    good(agg, 0, T0, 0);
    good(agg, 0, T0 + 5 * MIN_MS, 40);
    good(agg, 0, T0 + 10 * MIN_MS, 80);
    good(agg, 0, T0 + 15 * MIN_MS, 120);
    /* next interval: only 25..35 min, 0 -> 120 kW across the boundary at 30:
     * [25,30) 0 -> 60 kW: 30 kW * 5/60 h = 2.5 kWh; [30,35) 60 -> 120: 7.5 kWh */
    push(agg, 0, T0 + 20 * MIN_MS, NAN, MVG_Q_COMM_ERROR);
    good(agg, 0, T0 + 25 * MIN_MS, 0);
    good(agg, 0, T0 + 35 * MIN_MS, 120);
    sink s = {0};
    /* [30,45) waits until no sample can join the one at 35 min (max_gap 15) */
    assert_int_equal(mvg_interval_advance(agg, T0 + 50 * MIN_MS, collect, &s), 2);
    assert_int_equal(mvg_interval_advance(agg, T0 + 50 * MIN_MS + 1, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 15.0, 1e-12);
    assert_near(s.r[0].ch[0].mean, 60.0, 1e-12);
    assert_near(s.r[0].ch[0].min, 0.0, 0);
    assert_near(s.r[0].ch[0].max, 120.0, 0);
    /* interval 2: 15..20 bridged (then the comm error breaks it), 25..30 */
    const mvg_interval_value *v = &s.r[1].ch[0];
    /* 120 kW at 15 min, then the comm error at 20: [15,20) is not
     * integrated. So only [25,30): 2.5 kWh over 5 min */
    assert_near(v->value, 2.5, 1e-12);
    assert_near(v->coverage, 5.0 / 15.0, 1e-15);
    assert_near(v->mean, 30.0, 1e-12);
    assert_near(v->min, 0.0, 0);
    assert_near(v->max, 120.0, 0); /* the sample at 15 min */
    assert_int_equal(v->n_good, 2);   /* 15 and 25 min */
    assert_int_equal(v->n_bad, 1);
    assert_int_equal(s.r[1].partial, 1);
    v = &s.r[2].ch[0];
    assert_near(v->value, 7.5, 1e-12);
    assert_near(v->coverage, 5.0 / 15.0, 1e-15);
    assert_near(v->mean, 90.0, 1e-12);
    assert_near(v->min, 60.0, 1e-12); /* interpolated at the boundary */
    assert_near(v->max, 120.0, 0);
    mvg_interval_free(agg);
}

static void test_gap_not_bridged(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 2 * MIN_MS));
    /* 60 kW at 0,1,2 min, then 10..15 min: the 8-min hole exceeds max_gap 2 min.
     * Covered 2 + 5 = 7 min: 60 kW * 7/60 h = 7 kWh, coverage 7/15. */
    for (int m = 0; m <= 2; m++)
        good(agg, 0, T0 + m * MIN_MS, 60);
    for (int m = 10; m <= 15; m++)
        good(agg, 0, T0 + m * MIN_MS, 60);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 7.0, 1e-12);
    assert_near(s.r[0].ch[0].coverage, 7.0 / 15.0, 1e-15);
    assert_near(s.r[0].ch[0].mean, 60.0, 1e-12);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_GAP);
    assert_int_equal(s.r[0].partial, 1);
    /* exactly max_gap apart is still bridged */
    mvg_interval_free(agg);
    agg = new1(rate_ch("kw", 5 * MIN_MS));
    good(agg, 0, T0, 12);
    good(agg, 0, T0 + 5 * MIN_MS, 12);
    good(agg, 0, T0 + 10 * MIN_MS + 1, 12);
    good(agg, 0, T0 + 15 * MIN_MS, 12);
    s.n = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    /* 0..5 bridged (5 min), 5..10:00.001 not, 10:00.001..15 bridged */
    double covered = 5 * MIN_MS + (5 * MIN_MS - 1);
    assert_near(s.r[0].ch[0].coverage, covered / (15.0 * MIN_MS), 1e-15);
    assert_near(s.r[0].ch[0].value, 12.0 * covered / 3600000.0, 1e-12);
    mvg_interval_free(agg);
}

static void test_comm_error_not_counted(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 2 * MIN_MS));
    /* 60 kW every minute; the read at 7 min failed: 6..8 min not integrated */
    for (int m = 0; m <= 15; m++)
        push(agg, 0, T0 + m * MIN_MS, m == 7 ? NAN : 60.0, m == 7 ? MVG_Q_COMM_ERROR : MVG_Q_GOOD);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 13.0, 1e-12);
    assert_near(s.r[0].ch[0].coverage, 13.0 / 15.0, 1e-15);
    assert_int_equal(s.r[0].ch[0].n_good, 14);
    assert_int_equal(s.r[0].ch[0].n_bad, 1);
    /* a "good" NaN is not a value either */
    mvg_interval_free(agg);
    agg = new1(rate_ch("kw", 2 * MIN_MS));
    good(agg, 0, T0, 60);
    push(agg, 0, T0 + MIN_MS, NAN, MVG_Q_GOOD);
    good(agg, 0, T0 + 2 * MIN_MS, 60);
    good(agg, 0, T0 + 3 * MIN_MS, 60);
    s.n = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS + 2 * MIN_MS + 1, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 1.0, 1e-12);
    assert_int_equal(s.r[0].ch[0].n_bad, 1);
    mvg_interval_free(agg);
}

static void test_counter_uint16_rollover(void **state)
{
    (void)state;
    mvg_interval *agg = new1(counter_ch("kwh", 65536.0, 10 * MIN_MS));
    /* 65500 -> 65530 (+30) -> 10 (+16 across the wrap at 65536) -> 50 (+40) -> 60 (+10) */
    good(agg, 0, T0, 65500);
    good(agg, 0, T0 + 5 * MIN_MS, 65530);
    good(agg, 0, T0 + 10 * MIN_MS, 10);
    good(agg, 0, T0 + 14 * MIN_MS, 50);
    good(agg, 0, T0 + 15 * MIN_MS, 60);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 96.0, 0);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_ROLLOVER);
    assert_false(s.r[0].ch[0].flags & MVG_INTERVAL_F_RESET);
    assert_near(s.r[0].ch[0].coverage, 1.0, 0);
    assert_near(s.r[0].ch[0].min, 10.0, 0);
    assert_near(s.r[0].ch[0].max, 65530.0, 0);
    mvg_interval_free(agg);
}

static void test_counter_uint32_rollover_scaled(void **state)
{
    (void)state;
    /* uint32 register with scale 0.01 kWh: wraps at 2^32 * 0.01 */
    double span = 4294967296.0 * 0.01;
    mvg_interval *agg = new1(counter_ch("kwh", span, 10 * MIN_MS));
    good(agg, 0, T0, 42949670.00);
    good(agg, 0, T0 + 5 * MIN_MS, 42949672.50);
    good(agg, 0, T0 + 10 * MIN_MS, 1.25);  /* 42949672.96 - 42949672.50 + 1.25 = 1.71 */
    good(agg, 0, T0 + 15 * MIN_MS, 2.25);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 2.50 + 1.71 + 1.00, 1e-6);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_ROLLOVER);
    mvg_interval_free(agg);
}

static void test_counter_reset_excluded(void **state)
{
    (void)state;
    /* a counter_reset sample: 1000 -> 1010 (+10), reset, 5 (re-base) -> 8 (+3) */
    mvg_interval *agg = new1(counter_ch("kwh", 0, 10 * MIN_MS));
    good(agg, 0, T0, 1000);
    good(agg, 0, T0 + 2 * MIN_MS, 1010);
    push(agg, 0, T0 + 4 * MIN_MS, 0, MVG_Q_COUNTER_RESET);
    good(agg, 0, T0 + 6 * MIN_MS, 5);
    good(agg, 0, T0 + 15 * MIN_MS, 8);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 13.0, 0);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_RESET);
    assert_int_equal(s.r[0].ch[0].n_bad, 1);
    /* covered: 0..2 and 6..15 */
    assert_near(s.r[0].ch[0].coverage, 11.0 / 15.0, 1e-15);
    mvg_interval_free(agg);

    /* a backward step that is no wrap (uint16: 1010 -> 3 would be a wrap of
     * 65529, more than a quarter of the span): excluded, re-based on the 3; the
     * 3 -> 8 step spans 11 min, within this channel's 15-min max gap */
    agg = new1(counter_ch("kwh", 65536.0, 15 * MIN_MS));
    good(agg, 0, T0, 1000);
    good(agg, 0, T0 + 2 * MIN_MS, 1010);
    good(agg, 0, T0 + 4 * MIN_MS, 3);
    good(agg, 0, T0 + 15 * MIN_MS, 8);
    s.n = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 15.0, 0);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_RESET);
    assert_false(s.r[0].ch[0].flags & MVG_INTERVAL_F_ROLLOVER);
    assert_int_equal(s.r[0].ch[0].n_bad, 0);
    mvg_interval_free(agg);
}

static void test_counter_straddles_boundary(void **state)
{
    (void)state;
    mvg_interval *agg = new1(counter_ch("m3", 0, 15 * MIN_MS));
    /* 100 at 13 min, 160 at 19 min: 2/6 of 60 before the boundary, 4/6 after */
    good(agg, 0, T0 + 13 * MIN_MS, 100);
    good(agg, 0, T0 + 19 * MIN_MS, 160);
    /* a comm error does not break a counter: 160 at 19 -> 190 at 29 */
    push(agg, 0, T0 + 24 * MIN_MS, NAN, MVG_Q_COMM_ERROR);
    good(agg, 0, T0 + 29 * MIN_MS, 190);
    good(agg, 0, T0 + 30 * MIN_MS, 190);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 30 * MIN_MS, collect, &s), 2);
    assert_near(s.r[0].ch[0].value, 20.0, 1e-12);
    assert_near(s.r[1].ch[0].value, 40.0 + 30.0, 1e-12);
    assert_near(s.r[0].ch[0].value + s.r[1].ch[0].value, 90.0, 0);
    assert_near(s.r[0].ch[0].coverage, 2.0 / 15.0, 1e-15);
    assert_near(s.r[1].ch[0].coverage, 1.0, 0);
    assert_near(s.r[0].ch[0].max, 120.0, 1e-12); /* reading interpolated at 15 min */
    assert_int_equal(s.r[1].ch[0].n_bad, 1);
    mvg_interval_free(agg);
}

static void test_counter_gap_delta(void **state)
{
    (void)state;
    /* a counter outage longer than max_gap: the increase is reported apart */
    mvg_interval *agg = new1(counter_ch("kwh", 0, 5 * MIN_MS));
    good(agg, 0, T0, 100);
    good(agg, 0, T0 + MIN_MS, 101);
    good(agg, 0, T0 + 40 * MIN_MS, 150); /* 39 min later: +49 unplaceable */
    good(agg, 0, T0 + 45 * MIN_MS, 155);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 45 * MIN_MS, collect, &s), 3);
    assert_near(s.r[0].ch[0].value, 1.0, 0);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_GAP);
    assert_near(s.r[1].ch[0].value, 0.0, 0);
    assert_near(s.r[1].ch[0].coverage, 0.0, 0);
    assert_true(isnan(s.r[1].ch[0].mean));
    assert_near(s.r[2].ch[0].value, 5.0, 0);
    assert_near(s.r[2].ch[0].gap_delta, 49.0, 0);
    assert_true(s.r[2].ch[0].flags & MVG_INTERVAL_F_GAP);
    assert_near(s.r[2].ch[0].coverage, 5.0 / 15.0, 1e-15);
    mvg_interval_free(agg);
}

static void test_out_of_order_rejected(void **state)
{
    (void)state;
    mvg_interval_channel ch[2] = {rate_ch("a", 15 * MIN_MS), rate_ch("b", 15 * MIN_MS)};
    char err[256];
    mvg_interval *agg = mvg_interval_new(15, ch, 2, err, sizeof err);
    assert_non_null(agg);
    good(agg, 0, T0, 60);
    good(agg, 0, T0 + 2 * MIN_MS, 60);
    mvg_sample back = {.ts_ms = T0 + MIN_MS, .value = 1e6, .quality = MVG_Q_GOOD};
    assert_int_equal(mvg_interval_push(agg, 0, &back), MVG_INTERVAL_EORDER);
    back.ts_ms = T0 + 2 * MIN_MS; /* duplicate */
    assert_int_equal(mvg_interval_push(agg, 0, &back), MVG_INTERVAL_EORDER);
    /* channels are independent: b may be earlier than a's last sample */
    good(agg, 1, T0 + MIN_MS, 5);
    good(agg, 0, T0 + 15 * MIN_MS, 60);
    good(agg, 1, T0 + 15 * MIN_MS, 5);
    assert_int_equal(mvg_interval_rejected(agg, 0), 2);
    assert_int_equal(mvg_interval_rejected(agg, 1), 0);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 60.0 * 15 / 60, 1e-12);
    assert_int_equal(s.r[0].ch[0].n_rejected, 2);
    assert_int_equal(s.r[0].ch[0].n_good, 2);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_LATE);
    assert_near(s.r[0].ch[1].value, 5.0 * 14 / 60, 1e-12);
    /* a sample inside the emitted interval is late */
    back.ts_ms = T0 + 14 * MIN_MS;
    assert_int_equal(mvg_interval_push(agg, 1, &back), MVG_INTERVAL_ELATE);
    assert_int_equal(mvg_interval_rejected(agg, 1), 1);
    mvg_interval_free(agg);

    agg = mvg_interval_new(15, ch, 2, err, sizeof err);
    good(agg, 0, T0, 1);
    good(agg, 0, T0 + 20 * MIN_MS, 1);
    s.n = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS, collect, &s), 1);
    back.ts_ms = T0 + 3 * MIN_MS;
    assert_int_equal(mvg_interval_push(agg, 1, &back), MVG_INTERVAL_ELATE);
    assert_int_equal(mvg_interval_rejected(agg, 1), 1);
    assert_int_equal(mvg_interval_push(agg, 2, &back), MVG_INTERVAL_EARG);
    mvg_interval_free(agg);
}

static void test_advance_waits_for_bridge(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 2 * MIN_MS));
    for (int m = 0; m <= 14; m++)
        good(agg, 0, T0 + m * MIN_MS, 60);
    sink s = {0};
    /* the boundary has passed, but a sample at up to 16 min may still join 14 min */
    assert_int_equal(mvg_interval_advance(agg, T0 + 15 * MIN_MS + 1000, collect, &s), 0);
    assert_int_equal(mvg_interval_advance(agg, T0 + 16 * MIN_MS, collect, &s), 0);
    /* now no sample can join it any more */
    assert_int_equal(mvg_interval_advance(agg, T0 + 16 * MIN_MS + 1, collect, &s), 1);
    assert_near(s.r[0].ch[0].value, 14.0, 1e-12);
    assert_near(s.r[0].ch[0].coverage, 14.0 / 15.0, 1e-15);
    assert_true(s.r[0].ch[0].flags & MVG_INTERVAL_F_GAP);
    /* empty intervals are emitted too; stop after one on request */
    s.stop_after = 2;
    assert_int_equal(mvg_interval_advance(agg, T0 + 60 * MIN_MS, collect, &s), 1);
    assert_int_equal(s.r[1].start, T0 + 15 * MIN_MS);
    assert_near(s.r[1].ch[0].coverage, 0, 0);
    assert_true(isnan(s.r[1].ch[0].mean));
    assert_true(isnan(s.r[1].ch[0].min));
    s.stop_after = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 60 * MIN_MS, collect, &s), 2);
    assert_int_equal(s.r[3].start, T0 + 45 * MIN_MS);
    mvg_interval_free(agg);
}

static void test_alignment(void **state)
{
    (void)state;
    char err[256];
    mvg_interval_channel c = rate_ch("kw", MIN_MS);
    mvg_interval *agg = mvg_interval_new(1, &c, 1, err, sizeof err);
    assert_int_equal(mvg_interval_length_ms(agg), 60000);
    /* before the epoch: -1 ms lies in [-60000, 0) */
    good(agg, 0, -1, 3);
    good(agg, 0, 59999, 3);
    sink s = {0};
    /* [0,60000) closes once nothing can join 59999 any more (max_gap 1 min) */
    assert_int_equal(mvg_interval_advance(agg, 119999, collect, &s), 1);
    assert_int_equal(mvg_interval_advance(agg, 120000, collect, &s), 2);
    assert_int_equal(s.r[0].start, -60000);
    assert_int_equal(s.r[0].end, 0);
    assert_int_equal(s.r[1].start, 0);
    mvg_interval_free(agg);
    /* the first advance fixes the first interval */
    agg = mvg_interval_new(60, &c, 1, err, sizeof err);
    s.n = 0;
    assert_int_equal(mvg_interval_advance(agg, T0 + 7 * MIN_MS, collect, &s), 0);
    assert_int_equal(mvg_interval_advance(agg, T0 + 200 * MIN_MS, collect, &s), 3);
    /* T0 = 22:15 UTC; the hour containing it starts at 22:00 */
    assert_int_equal(s.r[0].start, T0 - 15 * MIN_MS);
    assert_int_equal(s.r[0].end - s.r[0].start, 60 * MIN_MS);
    mvg_interval_free(agg);
}

static void test_bad_specs(void **state)
{
    (void)state;
    char err[256];
    mvg_interval_channel c = rate_ch("kw", MIN_MS);
    assert_null(mvg_interval_new(0, &c, 1, err, sizeof err));
    assert_string_equal(err, "interval length must be 1..60 minutes, got 0");
    assert_null(mvg_interval_new(61, &c, 1, err, sizeof err));
    c.unit_s = 0;
    assert_null(mvg_interval_new(15, &c, 1, err, sizeof err));
    assert_string_equal(err, "channel 'kw': unit_s must be > 0 (3600 for kW -> kWh)");
    c = rate_ch("kw", 0);
    assert_null(mvg_interval_new(15, &c, 1, err, sizeof err));
    assert_non_null(strstr(err, "max_gap_ms must be 1.."));
    mvg_interval_channel two[2] = {rate_ch("kw", MIN_MS), counter_ch("kw", 0, MIN_MS)};
    assert_null(mvg_interval_new(15, two, 2, err, sizeof err));
    assert_string_equal(err, "channel 'kw' given twice");
    two[1] = counter_ch("kwh", -1, MIN_MS);
    assert_null(mvg_interval_new(15, two, 2, err, sizeof err));
    assert_non_null(strstr(err, "wrap_span must be >= 0"));
    mvg_interval_free(NULL);
}

/* ---- serialisation ---- */

static const mvg_interval_channel MIX[3] = {
    {.name = "comp1.kwh", .kind = MVG_INTERVAL_COUNTER, .wrap_span = 65536.0 * 0.1,
     .max_gap_ms = 5 * MIN_MS},
    {.name = "comp1.kw", .kind = MVG_INTERVAL_RATE, .unit_s = 3600, .max_gap_ms = 90000},
    {.name = "flow.m3h", .kind = MVG_INTERVAL_RATE, .unit_s = 3600, .max_gap_ms = 30000},
};

/* A deterministic mixed stream: counter with wraps and a reset, noisy rates,
 * comm errors and holes. Event i: channel, ts, value, quality. */
#define NEV 3000
typedef struct {
    size_t ch;
    mvg_sample s;
} event;

static void make_events(event *ev)
{
    uint32_t x = 12345;
    double counter = 6500.0;
    for (int i = 0; i < NEV; i++) {
        x = x * 1664525u + 1013904223u;
        size_t ch = (size_t)(i % 3);
        int64_t ts = T0 + 3 * MIN_MS + (int64_t)(i / 3) * 7001; /* not aligned */
        double r = (double)(x >> 8) / 16777216.0;
        mvg_quality q = (x % 97) == 0 ? MVG_Q_COMM_ERROR : MVG_Q_GOOD;
        double v;
        if (ch == 0) {
            counter += r * 2.0;
            if (counter >= 6553.6)
                counter -= 6553.6;
            if (i == 1500)
                q = MVG_Q_COUNTER_RESET, counter = 1.0;
            v = counter;
        } else {
            v = 50.0 + 20.0 * r;
        }
        if (i / 3 >= 400 && i / 3 < 420)
            continue; /* a hole of about 2.3 min */
        if (q != MVG_Q_GOOD && q != MVG_Q_COUNTER_RESET)
            v = NAN;
        ev[i] = (event){ch, {.ts_ms = ts, .value = v, .quality = q}};
    }
}

static void run_events(mvg_interval *agg, const event *ev, int from, int to, sink *s)
{
    for (int i = from; i < to; i++) {
        if (ev[i].s.ts_ms == 0)
            continue;
        assert_int_equal(mvg_interval_push(agg, ev[i].ch, &ev[i].s), 0);
        if (i % 50 == 0)
            assert_true(mvg_interval_advance(agg, ev[i].s.ts_ms - 10000, collect, s) >= 0);
    }
}

static void test_state_roundtrip_exact(void **state)
{
    (void)state;
    static event ev[NEV];
    static sink a, b;
    memset(ev, 0, sizeof ev);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    make_events(ev);
    char err[256];
    int64_t end = T0 + 3 * MIN_MS + (int64_t)(NEV / 3) * 7001 + 30 * MIN_MS;

    mvg_interval *one = mvg_interval_new(15, MIX, 3, err, sizeof err);
    assert_non_null(one);
    run_events(one, ev, 0, NEV, &a);
    assert_true(mvg_interval_advance(one, end, collect, &a) > 0);

    mvg_interval *first = mvg_interval_new(15, MIX, 3, err, sizeof err);
    run_events(first, ev, 0, NEV / 2 + 1, &b);
    size_t need = mvg_interval_state_size(first);
    uint8_t *buf = malloc(need);
    size_t written = 0;
    assert_int_equal(mvg_interval_save(first, buf, need - 1, &written, err, sizeof err),
                     MVG_INTERVAL_EARG);
    assert_int_equal(mvg_interval_save(first, buf, need, &written, err, sizeof err), 0);
    assert_int_equal(written, need);
    mvg_interval_free(first);
    mvg_interval *second = mvg_interval_new(15, MIX, 3, err, sizeof err);
    if (mvg_interval_load(second, buf, written, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    run_events(second, ev, NEV / 2 + 1, NEV, &b);
    assert_true(mvg_interval_advance(second, end, collect, &b) > 0);

    assert_true(a.n >= 8);
    assert_int_equal(a.n, b.n);
    assert_int_equal(memcmp(a.r, b.r, (size_t)a.n * sizeof a.r[0]), 0);
    /* the stream exercised what it was meant to */
    uint32_t flags = 0;
    double kwh = 0;
    for (int i = 0; i < a.n; i++) {
        flags |= a.r[i].ch[0].flags | a.r[i].ch[1].flags | a.r[i].ch[2].flags;
        kwh += a.r[i].ch[1].value;
    }
    assert_true(flags & MVG_INTERVAL_F_ROLLOVER);
    assert_true(flags & MVG_INTERVAL_F_RESET);
    assert_true(flags & MVG_INTERVAL_F_GAP);
    assert_true(kwh > 0);
    assert_int_equal(mvg_interval_rejected(second, 0), 0);
    free(buf);
    mvg_interval_free(one);
    mvg_interval_free(second);
}

/* A valid checksum over forged bytes. */
static void reseal(uint8_t *buf, size_t len)
{
    uint64_t h = mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, buf + 24, len - 24);
    for (int i = 0; i < 8; i++)
        buf[16 + i] = (uint8_t)(h >> (8 * i));
}

static void test_state_corrupt_rejected(void **state)
{
    (void)state;
    static event ev[NEV];
    memset(ev, 0, sizeof ev);
    make_events(ev);
    static sink s;
    memset(&s, 0, sizeof s);
    char err[256];
    mvg_interval *agg = mvg_interval_new(15, MIX, 3, err, sizeof err);
    run_events(agg, ev, 0, 300, &s);
    size_t len = mvg_interval_state_size(agg);
    uint8_t *good_buf = malloc(len), *bad = malloc(len);
    size_t w;
    assert_int_equal(mvg_interval_save(agg, good_buf, len, &w, err, sizeof err), 0);

    mvg_interval *fresh = mvg_interval_new(15, MIX, 3, err, sizeof err);
    /* every truncation */
    for (size_t n = 0; n < len; n++)
        assert_int_equal(mvg_interval_load(fresh, good_buf, n, err, sizeof err),
                         MVG_INTERVAL_EFORMAT);
    /* every single-bit flip */
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, good_buf, len);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        int rc = mvg_interval_load(fresh, bad, len, err, sizeof err);
        if (rc != MVG_INTERVAL_EFORMAT)
            fail_msg("flip at byte %zu: rc %d", i, rc);
    }
    memcpy(bad, good_buf, len);
    bad[4] = 2; /* version */
    assert_int_equal(mvg_interval_load(fresh, bad, len, err, sizeof err), MVG_INTERVAL_EFORMAT);
    assert_string_equal(err, "interval state format version 2, this build reads 1");
    /* a forged checksum over nonsense is still caught: have_cursor = 7 */
    memcpy(bad, good_buf, len);
    size_t specs = 8 + 4;
    for (size_t i = 0; i < 3; i++)
        specs += 4 + strlen(MIX[i].name) + 1 + 8 + 8 + 8;
    bad[24 + specs] = 7;
    reseal(bad, len);
    assert_int_equal(mvg_interval_load(fresh, bad, len, err, sizeof err), MVG_INTERVAL_EFORMAT);
    /* an aggregator of other channels refuses the state */
    mvg_interval_channel other[3] = {MIX[0], MIX[1], MIX[2]};
    other[2].max_gap_ms = 31000;
    mvg_interval *diff = mvg_interval_new(15, other, 3, err, sizeof err);
    assert_int_equal(mvg_interval_load(diff, good_buf, len, err, sizeof err),
                     MVG_INTERVAL_EMISMATCH);
    assert_string_equal(err, "interval state channel 2 differs from 'flow.m3h' as configured");
    mvg_interval *shorter = mvg_interval_new(5, MIX, 3, err, sizeof err);
    assert_int_equal(mvg_interval_load(shorter, good_buf, len, err, sizeof err),
                     MVG_INTERVAL_EMISMATCH);

    /* after all the failures, fresh is untouched: it accepts an early sample */
    mvg_sample early = {.ts_ms = T0, .value = 1, .quality = MVG_Q_GOOD};
    assert_int_equal(mvg_interval_push(fresh, 1, &early), 0);
    /* and the intact state still loads */
    assert_int_equal(mvg_interval_load(diff, good_buf, 0, err, sizeof err), MVG_INTERVAL_EFORMAT);
    mvg_interval *ok = mvg_interval_new(15, MIX, 3, err, sizeof err);
    assert_int_equal(mvg_interval_load(ok, good_buf, len, err, sizeof err), 0);
    assert_int_equal(mvg_interval_state_size(ok), len);
    mvg_interval_free(ok);
    mvg_interval_free(shorter);
    mvg_interval_free(diff);
    mvg_interval_free(fresh);
    mvg_interval_free(agg);
    free(good_buf);
    free(bad);
}

/* A forward wall-clock step of two days (192 intervals of 15 min) gives
 * one record that says so, not 192 empty ones; the record after it is the
 * interval the clock landed in, and its samples count as usual. */
static void test_clock_step_forward(void **state)
{
    (void)state;
    mvg_interval *agg = new1(rate_ch("kw", 2 * MIN_MS));
    const int64_t step = 2 * 24 * 60 * MIN_MS;
    for (int m = 0; m <= 7; m++)
        good(agg, 0, T0 + m * MIN_MS, 60.0);
    mvg_interval_clock_step(agg, T0 + 7 * MIN_MS + 30000, T0 + 7 * MIN_MS + 30000 + step);
    for (int m = 8; m <= 31; m++)
        good(agg, 0, T0 + step + m * MIN_MS, 60.0);
    sink s = {0};
    assert_int_equal(mvg_interval_advance(agg, T0 + step + 30 * MIN_MS, collect, &s), 3);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.r[0].start, T0);
    assert_int_equal(s.r[0].clock_step_ms, step);
    assert_int_equal(s.r[1].start, T0 + step);
    assert_int_equal(s.r[1].clock_step_ms, 0);
    /* 8..15 min covered after the step: 8 of 15 minutes */
    assert_near(s.r[1].ch[0].coverage, 7.0 / 15.0, 1e-9);
    assert_int_equal(s.r[2].start, T0 + step + 15 * MIN_MS);
    assert_near(s.r[2].ch[0].coverage, 1.0, 1e-9);
    mvg_interval_free(agg);
}

/* A step whose record is not out yet is part of the saved state (a crash
 * between the step and its record must not turn the two days into 192
 * empty records): restored, the engine gives the same records as the one
 * that never stopped. A state without a pending step keeps the bytes of
 * the format before (no trailing field), and a forged step is refused. */
static void test_clock_step_in_saved_state(void **state)
{
    (void)state;
    char err[256];
    const int64_t step = 2 * 24 * 60 * MIN_MS;
    mvg_interval *a = new1(rate_ch("kw", 2 * MIN_MS));
    for (int m = 0; m <= 7; m++)
        good(a, 0, T0 + m * MIN_MS, 60.0);
    size_t plain = mvg_interval_state_size(a);
    mvg_interval_clock_step(a, T0 + 7 * MIN_MS + 30000, T0 + 7 * MIN_MS + 30000 + step);
    size_t len = mvg_interval_state_size(a);
    assert_int_equal(len, plain + 24);
    uint8_t *buf = malloc(len), *bad = malloc(len);
    size_t w = 0;
    assert_int_equal(mvg_interval_save(a, buf, len, &w, err, sizeof err), 0);
    assert_int_equal(w, len);

    mvg_interval *b = new1(rate_ch("kw", 2 * MIN_MS));
    if (mvg_interval_load(b, buf, len, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(mvg_interval_state_size(b), len);
    static sink sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    for (int m = 8; m <= 31; m++) {
        good(a, 0, T0 + step + m * MIN_MS, 60.0);
        good(b, 0, T0 + step + m * MIN_MS, 60.0);
    }
    assert_int_equal(mvg_interval_advance(a, T0 + step + 30 * MIN_MS, collect, &sa), 3);
    assert_int_equal(mvg_interval_advance(b, T0 + step + 30 * MIN_MS, collect, &sb), 3);
    assert_int_equal(sb.r[0].start, T0);
    assert_int_equal(sb.r[0].clock_step_ms, step);
    assert_int_equal(sb.r[1].start, T0 + step);
    assert_int_equal(memcmp(sa.r, sb.r, 3 * sizeof sa.r[0]), 0);
    /* emitted, the step leaves the state: the bytes are the plain format again */
    assert_int_equal(mvg_interval_state_size(b), mvg_interval_state_size(a));
    size_t after = mvg_interval_state_size(b);
    uint8_t *buf2 = malloc(after);
    assert_int_equal(mvg_interval_save(b, buf2, after, &w, err, sizeof err), 0);
    mvg_interval *c = new1(rate_ch("kw", 2 * MIN_MS));
    assert_int_equal(mvg_interval_load(c, buf2, after, err, sizeof err), 0);
    static sink sc;
    memset(&sc, 0, sizeof sc);
    good(c, 0, T0 + step + 45 * MIN_MS, 60.0);
    assert_int_equal(mvg_interval_advance(c, T0 + step + 46 * MIN_MS, collect, &sc), 1);
    assert_int_equal(sc.r[0].clock_step_ms, 0);

    /* forged steps, with a valid checksum: none, or before the cursor */
    mvg_interval *fresh = new1(rate_ch("kw", 2 * MIN_MS));
    memcpy(bad, buf, len);
    memset(bad + len - 8, 0, 8); /* step_ms 0 */
    reseal(bad, len);
    assert_int_equal(mvg_interval_load(fresh, bad, len, err, sizeof err), MVG_INTERVAL_EFORMAT);
    memcpy(bad, buf, len);
    for (int i = 0; i < 8; i++) /* step_idx -1 */
        bad[len - 24 + i] = 0xFF;
    reseal(bad, len);
    assert_int_equal(mvg_interval_load(fresh, bad, len, err, sizeof err), MVG_INTERVAL_EFORMAT);
    assert_string_equal(err, "interval state is inconsistent (values out of range)");
    free(buf);
    free(buf2);
    free(bad);
    mvg_interval_free(a);
    mvg_interval_free(b);
    mvg_interval_free(c);
    mvg_interval_free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_rate),
        cmocka_unit_test(test_ramp_and_boundary_split),
        cmocka_unit_test(test_gap_not_bridged),
        cmocka_unit_test(test_comm_error_not_counted),
        cmocka_unit_test(test_counter_uint16_rollover),
        cmocka_unit_test(test_counter_uint32_rollover_scaled),
        cmocka_unit_test(test_counter_reset_excluded),
        cmocka_unit_test(test_counter_straddles_boundary),
        cmocka_unit_test(test_counter_gap_delta),
        cmocka_unit_test(test_out_of_order_rejected),
        cmocka_unit_test(test_advance_waits_for_bridge),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_state_roundtrip_exact),
        cmocka_unit_test(test_state_corrupt_rejected),
        cmocka_unit_test(test_clock_step_forward),
        cmocka_unit_test(test_clock_step_in_saved_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
