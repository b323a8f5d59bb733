/*
 * test_influx_lines.c: the InfluxDB line layouts (influx_lines.h), byte
 * for byte: a poll's mvgate_sample lines (a value that is not good keeps
 * its quality field, tags escaped) and an interval record's
 * mvgate_interval lines, one per stream (NaN figures left out), in each
 * phase with the figures the engine leaves undefined there.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "influx_lines.h"

static void test_sample_lines(void **state)
{
    (void)state;
    mvg_point_cfg pts[2] = {{.name = "kw"}, {.name = "kwh total"}};
    mvg_device_cfg dev = {.name = "m,1", .points = pts, .npoints = 2};
    char buf[sizeof(mvg_sample_batch) + 2 * sizeof(mvg_sample)];
    mvg_sample_batch *b = (mvg_sample_batch *)buf;
    *b = (mvg_sample_batch){.device = 0, .n = 2};
    b->samples[0] = (mvg_sample){.ts_ms = 1000, .value = 1.5, .quality = MVG_Q_GOOD};
    b->samples[1] = (mvg_sample){.ts_ms = 1000, .value = NAN, .quality = MVG_Q_COMM_ERROR};
    mvg_lp *lp = mvg_lp_new();
    assert_non_null(lp);
    size_t len = 0;
    const char *got = mvg_influx_lines_samples(lp, "gw", &dev, b, 0, &len);
    const char want[] =
        "mvgate_sample,gateway=gw,device=m\\,1,point=kw value=1.5,quality=\"good\" 1000\n"
        "mvgate_sample,gateway=gw,device=m\\,1,point=kwh\\ total quality=\"comm_error\" 1000\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    /* the buffer is cleared first: a second poll is not appended */
    b->samples[0].ts_ms = b->samples[1].ts_ms = 2000;
    got = mvg_influx_lines_samples(lp, "gw", &dev, b, 0, &len);
    assert_non_null(strstr(got, " 2000\n"));
    assert_null(strstr(got, " 1000\n"));
    mvg_lp_free(lp);
}

/* The exact raw values: an int64 as an integer field, a uint64 as an
 * unsigned one where the server has them (InfluxDB 2), else an integer up
 * to 2^63 - 1 and a string above; a string point's text as a string. */
static void test_sample_raw_fields(void **state)
{
    (void)state;
    mvg_point_cfg pts[4] = {{.name = "i"}, {.name = "u"}, {.name = "big"}, {.name = "sn"}};
    mvg_device_cfg dev = {.name = "m", .points = pts, .npoints = 4};
    char buf[sizeof(mvg_sample_batch) + 4 * sizeof(mvg_sample)];
    mvg_sample_batch *b = (mvg_sample_batch *)buf;
    *b = (mvg_sample_batch){.device = 0, .n = 4};
    b->samples[0] = (mvg_sample){.ts_ms = 5, .value = -9007199254740992.0, .quality = MVG_Q_GOOD,
                                 .raw_kind = MVG_RAW_INT, .raw_i = -9007199254740993LL};
    b->samples[1] = (mvg_sample){.ts_ms = 5, .value = 9007199254740992.0, .quality = MVG_Q_GOOD,
                                 .raw_kind = MVG_RAW_UINT, .raw_u = 9007199254740993ULL};
    b->samples[2] = (mvg_sample){.ts_ms = 5, .value = 18446744073709551616.0,
                                 .quality = MVG_Q_GOOD, .raw_kind = MVG_RAW_UINT,
                                 .raw_u = UINT64_MAX};
    b->samples[3] = (mvg_sample){.ts_ms = 5, .value = NAN, .quality = MVG_Q_GOOD,
                                 .raw_kind = MVG_RAW_TEXT, .text = "SN \"7\""};
    mvg_lp *lp = mvg_lp_new();
    assert_non_null(lp);
    size_t len = 0;
    const char *got = mvg_influx_lines_samples(lp, "gw", &dev, b, 0, &len);
    const char v1[] =
        "mvgate_sample,gateway=gw,device=m,point=i value=-9007199254740992,"
        "raw=-9007199254740993i,quality=\"good\" 5\n"
        "mvgate_sample,gateway=gw,device=m,point=u value=9007199254740992,"
        "raw=9007199254740993i,quality=\"good\" 5\n"
        "mvgate_sample,gateway=gw,device=m,point=big value=1.8446744073709552e+19,"
        "raw_text=\"18446744073709551615\",quality=\"good\" 5\n"
        "mvgate_sample,gateway=gw,device=m,point=sn text=\"SN \\\"7\\\"\",quality=\"good\" 5\n";
    assert_string_equal(got, v1);
    assert_int_equal(len, strlen(v1));
    got = mvg_influx_lines_samples(lp, "gw", &dev, b, 1, &len);
    assert_non_null(strstr(got, "point=u value=9007199254740992,raw_u=9007199254740993u,"));
    assert_non_null(strstr(got, "point=big value=1.8446744073709552e+19,raw_u=18446744073709551615u,"));
    assert_non_null(strstr(got, "point=i value=-9007199254740992,raw=-9007199254740993i,"));
    mvg_lp_free(lp);
}

static void test_interval_lines(void **state)
{
    (void)state;
    static mvg_project_result res;
    memset(&res, 0, sizeof res);
    res.end_ms = 1767226500000LL;
    res.phase = MVG_PHASE_REPORTING;
    res.nstreams = 2;
    mvg_stream_result *a = &res.streams[0];
    strcpy(a->name, "energy");
    a->valid = 1;
    a->coverage = 1;
    a->actual = 12.5;
    a->adjusted_baseline = 20;
    a->savings = 7.5;
    a->cum_savings = 30;
    a->fsu = 0.25;
    a->cum_conv = (mvg_conv_result){.tj = 0.5, .co2_t = 2, .cost_hkd = 100};
    mvg_stream_result *w = &res.streams[1];
    strcpy(w->name, "water");
    w->valid = 0;
    w->coverage = 0.5;
    w->actual = 3;
    w->adjusted_baseline = w->savings = w->cum_savings = w->fsu = NAN;
    w->cum_conv = (mvg_conv_result){.tj = NAN, .co2_t = NAN, .cost_hkd = NAN};
    mvg_lp *lp = mvg_lp_new();
    assert_non_null(lp);
    size_t len = 0;
    const char *got = mvg_influx_lines_interval(lp, "gw", "comp vsd", 42, &res, &len);
    const char want[] =
        "mvgate_interval,gateway=gw,project=comp\\ vsd,stream=energy seq=42i,phase=\"reporting\","
        "valid=true,coverage=1,actual=12.5,adjusted_baseline=20,savings=7.5,cum_savings=30,"
        "fsu=0.25,cum_tj=0.5,cum_co2_t=2,cum_cost_hkd=100 1767226500000\n"
        "mvgate_interval,gateway=gw,project=comp\\ vsd,stream=water seq=42i,phase=\"reporting\","
        "valid=false,coverage=0.5,actual=3 1767226500000\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    mvg_lp_free(lp);
}

/* A daily project's interval that closes a day carries a second line,
 * mvgate_day, at the day's end: the day's figures; undefined ones (an
 * incomplete day has no adjusted baseline) are absent, extrapolated only
 * on a counted day. An interval that closes no day has none. */
static void test_day_lines(void **state)
{
    (void)state;
    static mvg_project_result res;
    memset(&res, 0, sizeof res);
    res.end_ms = 1767283200000LL; /* 2026-01-01T16:00Z: Hong Kong midnight */
    res.phase = MVG_PHASE_REPORTING;
    res.nstreams = 2;
    for (size_t i = 0; i < 2; i++) {
        mvg_stream_result *a = &res.streams[i];
        strcpy(a->name, i ? "gas" : "el");
        a->valid = 1;
        a->coverage = 1;
        a->actual = 100;
        a->adjusted_baseline = a->savings = a->fsu = NAN;
        a->cum_savings = 0;
        a->cum_conv = (mvg_conv_result){.tj = NAN, .co2_t = NAN, .cost_hkd = NAN};
        a->day_closed = 1;
        a->day.start_ms = res.end_ms - 86400000LL;
        a->day.end_ms = res.end_ms;
        a->day.intervals = 24;
    }
    mvg_stream_result *e = &res.streams[0], *g = &res.streams[1];
    e->day.complete = 1;
    e->day.valid = 24;
    e->day.y = 2400;
    e->day_adjusted_baseline = 3000;
    e->day_avoided = 600;
    e->day_conv = (mvg_conv_result){.tj = 0.00216, .co2_t = 0.3, .cost_hkd = 810};
    e->day_x_outside = 1;
    g->day.complete = 0;
    g->day.valid = 23;
    g->day.y = 50;
    g->day_adjusted_baseline = g->day_avoided = NAN;
    g->day_conv = (mvg_conv_result){.tj = NAN, .co2_t = NAN, .cost_hkd = NAN};
    mvg_lp *lp = mvg_lp_new();
    assert_non_null(lp);
    size_t len = 0;
    const char *got = mvg_influx_lines_interval(lp, "gw", "p", 7, &res, &len);
    const char want[] =
        "mvgate_interval,gateway=gw,project=p,stream=el seq=7i,phase=\"reporting\",valid=true,"
        "coverage=1,actual=100,cum_savings=0 1767283200000\n"
        "mvgate_day,gateway=gw,project=p,stream=el seq=7i,complete=true,intervals=24i,valid_intervals=24i,"
        "actual=2400,adjusted_baseline=3000,avoided=600,tj=0.00216,co2_t=0.3,cost_hkd=810,"
        "extrapolated=true 1767283200000\n"
        "mvgate_interval,gateway=gw,project=p,stream=gas seq=7i,phase=\"reporting\",valid=true,"
        "coverage=1,actual=100,cum_savings=0 1767283200000\n"
        "mvgate_day,gateway=gw,project=p,stream=gas seq=7i,complete=false,intervals=24i,"
        "valid_intervals=23i,actual=50 1767283200000\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    res.streams[0].day_closed = res.streams[1].day_closed = 0;
    got = mvg_influx_lines_interval(lp, "gw", "p", 8, &res, &len);
    assert_null(strstr(got, "mvgate_day"));
    mvg_lp_free(lp);
}

/* One stream in each phase as the engine leaves it (project.h): the
 * figures undefined there are NaN and their fields are absent from the
 * line; the cumulative ones (0 before the first counted interval) stay. */
static void test_interval_lines_per_phase(void **state)
{
    (void)state;
    static const struct {
        mvg_phase phase;
        int valid, counted;
        const char *want;
    } cases[] = {
        {MVG_PHASE_BASELINE, 1, 0,
         "mvgate_interval,gateway=gw,project=p,stream=e seq=3i,phase=\"baseline\",valid=true,"
         "coverage=1,actual=12.5,cum_savings=0,cum_tj=0,cum_co2_t=0,cum_cost_hkd=0 3600000\n"},
        {MVG_PHASE_INSTALLATION, 1, 0,
         "mvgate_interval,gateway=gw,project=p,stream=e seq=3i,phase=\"installation\",valid=true,"
         "coverage=1,actual=12.5,cum_savings=0,cum_tj=0,cum_co2_t=0,cum_cost_hkd=0 3600000\n"},
        {MVG_PHASE_REPORTING, 0, 0,
         "mvgate_interval,gateway=gw,project=p,stream=e seq=3i,phase=\"reporting\",valid=false,"
         "coverage=1,actual=12.5,cum_savings=0,cum_tj=0,cum_co2_t=0,cum_cost_hkd=0 3600000\n"},
        {MVG_PHASE_REPORTING, 1, 1,
         "mvgate_interval,gateway=gw,project=p,stream=e seq=3i,phase=\"reporting\",valid=true,"
         "coverage=1,actual=12.5,adjusted_baseline=20,savings=7.5,cum_savings=7.5,fsu=0.5,"
         "cum_tj=0,cum_co2_t=0,cum_cost_hkd=0 3600000\n"},
    };
    mvg_lp *lp = mvg_lp_new();
    assert_non_null(lp);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        static mvg_project_result res;
        memset(&res, 0, sizeof res);
        res.end_ms = 3600000;
        res.phase = cases[i].phase;
        res.nstreams = 1;
        mvg_stream_result *r = &res.streams[0];
        strcpy(r->name, "e");
        r->valid = cases[i].valid;
        r->coverage = 1;
        r->actual = 12.5;
        r->adjusted_baseline = cases[i].counted ? 20 : NAN;
        r->savings = cases[i].counted ? 7.5 : NAN;
        r->cum_savings = cases[i].counted ? 7.5 : 0;
        r->fsu = cases[i].counted ? 0.5 : NAN;
        size_t len = 0;
        const char *got = mvg_influx_lines_interval(lp, "gw", "p", 3, &res, &len);
        assert_int_equal(len, strlen(cases[i].want));
        assert_memory_equal(got, cases[i].want, len);
    }
    mvg_lp_free(lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_lines),
        cmocka_unit_test(test_sample_raw_fields),
        cmocka_unit_test(test_interval_lines),
        cmocka_unit_test(test_interval_lines_per_phase),
        cmocka_unit_test(test_day_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
