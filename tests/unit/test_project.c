/*
 * test_project.c: project behaviours the templates do not reach, on
 * configs loaded by the real loader and interval records built by hand:
 * a model given in the config (used as is, never refitted), non-routine
 * adjustments (per interval and once, reported apart from the avoided
 * use), the fit on command before the baseline ends, phases at period
 * boundaries, and an interval below the coverage threshold (not counted).
 * Per phase, the figures that are undefined are NaN (null in the interval
 * record, schema 2), and schema 1 records come out as they were written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "payload.h"
#include "project.h"
#include "runner.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define H (3600000LL)

static const char *DEVICES =
    "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
    "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
    "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
    "  { name = \"kwh\"; area = \"input\"; address = 0; type = \"uint32\"; unit = \"kWh\"; kind = \"counter\"; },\n"
    "  { name = \"prod\"; area = \"input\"; address = 2; type = \"uint32\"; unit = \"t\"; kind = \"counter\"; } ); } );\n";

typedef struct {
    mvg_config *cfg;
    mvg_runner *r;
    mvg_project *p;
    const char *const *names;
    size_t nch;
} rig;

static void rig_open(rig *g, const char *projects)
{
    char path[] = "/tmp/mvg-test-project-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(DEVICES, f);
    fputs(projects, f);
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    g->cfg = mvg_config_load(path, NULL, d);
    unlink(path);
    if (!g->cfg)
        mvg_diags_print(d, stderr);
    assert_non_null(g->cfg);
    mvg_diags_free(d);
    char err[256];
    g->r = mvg_runner_new(g->cfg, 1.0, err, sizeof err);
    assert_non_null(g->r);
    g->p = mvg_runner_project(g->r, 0);
    g->names = mvg_runner_channels(g->r, 0, &g->nch);
}

static void rig_close(rig *g)
{
    mvg_runner_free(g->r);
    mvg_config_free(g->cfg);
}

/* One hourly record into ch (room for 4 channels): prod t produced, kwh
 * used, coverage of both; a forward clock step of clock_step_ms inside it. */
static mvg_interval_record record(const rig *g, mvg_interval_value *ch, int64_t start, double kwh,
                                  double prod, double coverage, int64_t clock_step_ms)
{
    for (size_t k = 0; k < g->nch && k < 4; k++) {
        int is_kwh = strstr(g->names[k], "kwh") != NULL;
        ch[k] = (mvg_interval_value){.value = is_kwh ? kwh : prod, .mean = 0, .coverage = coverage,
                                     .n_good = 60};
    }
    return (mvg_interval_record){start, start + H, g->nch, ch, coverage < 1, clock_step_ms};
}

/* One hourly record fed to the project (record()). */
static mvg_project_result feed_step(rig *g, int64_t start, double kwh, double prod,
                                    double coverage, int64_t clock_step_ms)
{
    mvg_interval_value ch[4] = {{0}};
    mvg_interval_record rec = record(g, ch, start, kwh, prod, coverage, clock_step_ms);
    mvg_project_result res;
    char err[256];
    int rc = mvg_project_update(g->p, &rec, &res, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    return res;
}

static mvg_project_result feed(rig *g, int64_t start, double kwh, double prod, double coverage)
{
    return feed_step(g, start, kwh, prod, coverage, 0);
}

static const char *PHASED =
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T03:00:00Z\"; };\n"
    "  installation = { start = \"2026-01-01T03:00:00Z\"; end = \"2026-01-01T05:00:00Z\"; };\n"
    "  reporting = { start = \"2026-01-01T05:00:00Z\"; };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 10.0, 2.0 ];\n"
    "              n = 500; cv_rmse = 0.05; nmbe = 0.0; };\n"
    "    co2_kg_per_unit = 0.5; cost_per_unit = 1.0;\n"
    "    adjustments = ( { reason = \"new line\"; per_interval = 1.5; },\n"
    "                    { reason = \"one-off\"; once_at = \"2026-01-01T06:30:00Z\"; amount = 20.0; } ); } ); } );\n";

/* The hours of PHASED: 0-2 baseline, 3-4 installation, 5 reporting, 6
 * reporting with half the coverage (and the one-off adjustment), 7 reporting. */
static const struct {
    double kwh, prod, coverage;
} HOURS[8] = {{20, 5, 1}, {21, 5, 1}, {19, 5, 1}, {18, 4, 1},
              {17, 4, 1}, {14.4, 4, 1}, {30, 6, 0.5}, {16, 5, 1}};

/* The golden records of PHASED, one line per hour, as the payload code of
 * schema 1 wrote them (the gateway before undefined figures became null). */
#define SCHEMA1_GOLDEN MVG_SOURCE_DIR "/tests/unit/data/interval_schema1.jsonl"

static int all_nan(const mvg_conv_result *c)
{
    return isnan(c->amount) && isnan(c->kwh) && isnan(c->tj) && isnan(c->co2_t) &&
           isnan(c->pollutant_kg) && isnan(c->water_m3) && isnan(c->cost_hkd);
}

/* A member of the record's first stream: null, or a number. */
static int is_null(json_t *doc, const char *key)
{
    json_t *s = json_array_get(json_object_get(doc, "streams"), 0);
    json_t *v = json_object_get(s, key);
    assert_non_null(v);
    return json_is_null(v);
}

/* Each phase with the figures it defines: outside the reporting period
 * adjusted baseline, avoided use, adjustment, savings and conversions are
 * NaN (null in the record); a reporting interval below the coverage
 * threshold has its one-off adjustment and nothing else; the cumulative
 * totals take what they took before (the adjustment, not the interval).
 * Schema 1 of the record still comes out byte for byte as it was written. */
static void test_undefined_figures_per_phase(void **state)
{
    (void)state;
    FILE *f = fopen(SCHEMA1_GOLDEN, "r");
    assert_non_null(f);
    rig g;
    rig_open(&g, PHASED);
    static const mvg_phase want_phase[8] = {
        MVG_PHASE_BASELINE,  MVG_PHASE_BASELINE,  MVG_PHASE_BASELINE,  MVG_PHASE_INSTALLATION,
        MVG_PHASE_INSTALLATION, MVG_PHASE_REPORTING, MVG_PHASE_REPORTING, MVG_PHASE_REPORTING};
    double cum_avoided = 0;
    for (int h = 0; h < 8; h++) {
        mvg_interval_value ch[4] = {{0}};
        mvg_interval_record rec = record(&g, ch, T0 + h * H, HOURS[h].kwh, HOURS[h].prod,
                                         HOURS[h].coverage, 0);
        mvg_project_result res;
        char err[256];
        assert_int_equal(mvg_project_update(g.p, &rec, &res, err, sizeof err), 0);
        assert_int_equal(res.phase, want_phase[h]);
        const mvg_stream_result *s = &res.streams[0];
        int counted = res.phase == MVG_PHASE_REPORTING && s->valid;
        if (counted) {
            double base = 10.0 + 2.0 * HOURS[h].prod;
            assert_true(fabs(s->adjusted_baseline - base) < 1e-9);
            assert_true(fabs(s->savings - (base - HOURS[h].kwh + 1.5)) < 1e-9);
            assert_true(fabs(s->conv.cost_hkd - s->savings) < 1e-9);
            assert_true(s->conv.pollutant_kg == 0.0); /* does not apply: 0 */
            cum_avoided += base - HOURS[h].kwh;
        } else {
            assert_true(isnan(s->adjusted_baseline) && isnan(s->avoided) && isnan(s->savings));
            assert_true(all_nan(&s->conv));
        }
        if (res.phase == MVG_PHASE_REPORTING)
            assert_true(s->adjustment == (h == 6 ? 20.0 : 1.5)); /* one-off at 06:30 */
        else
            assert_true(isnan(s->adjustment));
        assert_true(isnan(s->fsu) == (s->m == 0));
        /* a model given in the config has no baseline conditions to
         * normalise to: no annual figure, never the measured one x 8760 / h */
        assert_true(isnan(s->annual_savings) && isnan(s->annual_baseline) && !s->annual_basis);
        assert_true(all_nan(&s->annual_conv));
        assert_true(isnan(s->savings_low) == (s->m == 0) && isnan(s->savings_high) == (s->m == 0));

        mvg_payload_link link = {0, "", ""};
        char *v2 = mvg_payload_interval("g", "p", h + 1, &rec, g.names, &res, &link);
        assert_non_null(v2);
        json_t *doc = json_loads(v2, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/interval/2");
        assert_int_equal(mvg_payload_interval_version("mvgate/interval/2"), 2);
        static const char *const figures[] = {"adjusted_baseline", "avoided", "savings"};
        for (size_t k = 0; k < 3; k++)
            assert_int_equal(is_null(doc, figures[k]), !counted);
        assert_int_equal(is_null(doc, "adjustment"), res.phase != MVG_PHASE_REPORTING);
        json_t *conv = json_object_get(json_array_get(json_object_get(doc, "streams"), 0),
                                       "converted");
        assert_int_equal(json_is_null(json_object_get(conv, "kwh")), !counted);
        assert_int_equal(json_is_null(json_object_get(conv, "pollutant_kg")), !counted);
        json_decref(doc);
        free(v2);

        char golden[4096];
        assert_non_null(fgets(golden, sizeof golden, f));
        golden[strcspn(golden, "\n")] = '\0';
        char *v1 = mvg_payload_interval_as(1, mvg_project_config(g.p), "g", "p", h + 1, &rec,
                                           g.names, &res, &link);
        assert_non_null(v1);
        assert_string_equal(v1, golden);
        free(v1);
    }
    fclose(f);
    /* hours 5 and 7 counted; the one-off adjustment of the uncounted hour 6 too */
    mvg_project_result r = feed(&g, T0 + 8 * H, 16, 5, 1);
    const mvg_stream_result *s = &r.streams[0];
    cum_avoided += 20.0 - 16.0;
    assert_int_equal(s->m, 3);
    assert_true(fabs(s->cum_adjustment - (3 * 1.5 + 20.0)) < 1e-9);
    assert_true(fabs(s->cum_savings - (cum_avoided + 3 * 1.5 + 20.0)) < 1e-9);
    assert_int_equal(mvg_payload_interval_version("mvgate/interval/1"), 1);
    assert_int_equal(mvg_payload_interval_version("mvgate/interval/3"), -1);
    assert_int_equal(mvg_payload_interval_version("mvgate/totals/1"), -1);
    assert_null(mvg_payload_interval_as(3, mvg_project_config(g.p), "g", "p", 9, NULL, g.names, &r,
                                        NULL));
    rig_close(&g);
}

static void test_model_given_in_config_and_adjustments(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
                 "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-02T00:00:00Z\"; };\n"
                 "  reporting = { start = \"2026-01-02T00:00:00Z\"; };\n"
                 "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
                 "    model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 10.0, 2.0 ];\n"
                 "              n = 500; cv_rmse = 0.05; nmbe = 0.0; };\n"
                 "    co2_kg_per_unit = 0.5; cost_per_unit = 1.0;\n"
                 "    adjustments = ( { reason = \"new line\"; per_interval = 1.5; },\n"
                 "                    { reason = \"one-off\"; once_at = \"2026-01-02T05:30:00Z\"; amount = 20.0; } ); } ); } );\n");
    const mvg_model *m = mvg_project_model(g.p, 0, NULL);
    assert_non_null(m); /* ready before any data */
    /* a baseline day that does NOT follow the given model: it is never refitted */
    for (int h = 0; h < 24; h++) {
        mvg_project_result r = feed(&g, T0 + h * H, 100.0 + h, 5.0, 1.0);
        assert_int_equal(r.phase, MVG_PHASE_BASELINE);
        assert_false(r.fitted_now);
    }
    double cum_avoided = 0, cum_adjust = 0;
    mvg_project_result r;
    for (int h = 24; h < 34; h++) {
        /* model: 10 + 2 * prod; actual uses 20 % less */
        double prod = 4.0 + (h % 3);
        double base = 10.0 + 2.0 * prod;
        r = feed(&g, T0 + h * H, 0.8 * base, prod, 1.0);
        const mvg_stream_result *s = &r.streams[0];
        assert_int_equal(r.phase, MVG_PHASE_REPORTING);
        /* the first record after the baseline freezes the models (a given
         * one is put in force as it is: that record carries it out) */
        assert_int_equal(r.fitted_now, h == 24);
        assert_true(fabs(s->adjusted_baseline - base) < 1e-9);
        assert_true(fabs(s->avoided - 0.2 * base) < 1e-9);
        double adj = 1.5 + (h == 29 ? 20.0 : 0.0); /* 05:30 on day 2 is in the 05:00 interval */
        assert_true(fabs(s->adjustment - adj) < 1e-9);
        assert_true(fabs(s->savings - (0.2 * base + adj)) < 1e-9);
        assert_true(fabs(s->conv.co2_t - s->savings * 0.5 / 1000.0) < 1e-12);
        cum_avoided += 0.2 * base;
        cum_adjust += adj;
    }
    const mvg_stream_result *s = &r.streams[0];
    assert_int_equal(s->m, 10);
    assert_true(fabs(s->cum_avoided - cum_avoided) < 1e-9);
    assert_true(fabs(s->cum_adjustment - cum_adjust) < 1e-9);
    assert_true(fabs(s->cum_savings - (cum_avoided + cum_adjust)) < 1e-9);
    /* FSU from the given statistics (n 500, CV 0.05, rho 0): defined */
    assert_true(isfinite(s->fsu) && s->fsu > 0);
    m = mvg_project_model(g.p, 0, NULL);
    assert_true(m->coef[0] == 10.0 && m->coef[1] == 2.0);
    rig_close(&g);
}

static void test_fit_on_command_and_coverage_threshold(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
                 "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-05T00:00:00Z\"; };\n"
                 "  installation = { start = \"2026-01-05T00:00:00Z\"; end = \"2026-01-05T06:00:00Z\"; };\n"
                 "  reporting = { start = \"2026-01-05T06:00:00Z\"; };\n"
                 "  min_interval_coverage = 0.9;\n"
                 "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
                 "    model = { type = \"linear\"; x = [ \"m.prod\" ]; }; } ); } );\n");
    const char *why = NULL;
    assert_null(mvg_project_model(g.p, 0, &why));
    /* 30 hours of baseline: kwh = 7 + 3 * prod, with a little deterministic wobble */
    for (int h = 0; h < 30; h++) {
        double prod = 2.0 + (h * 7 % 5);
        feed(&g, T0 + h * H, 7.0 + 3.0 * prod + 0.05 * ((h % 3) - 1), prod, 1.0);
    }
    /* a poorly covered hour is collected for nothing: not a baseline row */
    mvg_project_result r = feed(&g, T0 + 30 * H, 1000.0, 1.0, 0.5);
    assert_false(r.streams[0].valid);
    assert_int_equal(r.streams[0].baseline_rows, 30);
    /* the verifier asks for the fit now, a day and a half early */
    char err[256];
    assert_int_equal(mvg_project_fit_now(g.p, err, sizeof err), 0);
    const mvg_model *m = mvg_project_model(g.p, 0, &why);
    assert_non_null(m);
    assert_int_equal(m->n, 30);
    assert_true(fabs(m->coef[1] - 3.0) < 0.05);
    double b0 = m->coef[0], b1 = m->coef[1];
    /* frozen: more baseline data and the baseline's end do not refit it */
    for (int h = 31; h < 4 * 24; h++)
        feed(&g, T0 + h * H, 50.0, 1.0, 1.0);
    r = feed(&g, T0 + 96 * H, 10.0, 1.0, 1.0); /* installation */
    assert_int_equal(r.phase, MVG_PHASE_INSTALLATION);
    assert_false(r.fitted_now);
    for (int h = 97; h < 102; h++)
        r = feed(&g, T0 + h * H, 10.0, 1.0, 1.0);
    assert_int_equal(r.phase, MVG_PHASE_INSTALLATION); /* 05:00-06:00 still installation */
    r = feed(&g, T0 + 102 * H, 10.0, 2.0, 1.0);
    assert_int_equal(r.phase, MVG_PHASE_REPORTING);
    m = mvg_project_model(g.p, 0, NULL);
    assert_true(m->coef[0] == b0 && m->coef[1] == b1);
    assert_true(fabs(r.streams[0].adjusted_baseline - (b0 + 2.0 * b1)) < 1e-9);
    /* a reporting hour below the coverage threshold is not counted */
    r = feed(&g, T0 + 103 * H, 10.0, 2.0, 0.85);
    assert_false(r.streams[0].valid);
    assert_int_equal(r.streams[0].m, 1);
    rig_close(&g);
}

static const char *ONE_DAY_BASELINE =
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-02T00:00:00Z\"; };\n"
    "  reporting = { start = \"2026-01-02T00:00:00Z\"; };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; }; } ); } );\n";

/* A forward clock step of 500 days in the baseline does not close it: the
 * records after the step are still baseline, also after a restart, and
 * the fit comes when the baseline's length has passed in the plant's time. */
static void test_clock_step_keeps_baseline(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, ONE_DAY_BASELINE);
    const int64_t step = 500LL * 24 * H;
    mvg_project_result r;
    for (int h = 0; h < 10; h++)
        feed(&g, T0 + h * H, 7.0 + 3.0 * (h % 4), h % 4, 1.0);
    r = feed_step(&g, T0 + 10 * H, 10.0, 1.0, 0.5, step);
    assert_int_equal(r.phase, MVG_PHASE_BASELINE);
    /* a restart after the step: the saved state keeps it */
    size_t len = mvg_project_state_size(g.p), got = 0;
    unsigned char *buf = malloc(len);
    char err[256];
    assert_int_equal(mvg_project_save(g.p, buf, len, &got, err, sizeof err), 0);
    rig_close(&g);
    rig_open(&g, ONE_DAY_BASELINE);
    assert_int_equal(mvg_project_load(g.p, buf, got, err, sizeof err), 0);
    free(buf);
    for (int h = 11; h < 24; h++) {
        r = feed(&g, T0 + step + h * H, 7.0 + 3.0 * (h % 5), h % 5, 1.0);
        assert_int_equal(r.phase, MVG_PHASE_BASELINE);
        assert_false(r.fitted_now);
    }
    r = feed(&g, T0 + step + 24 * H, 10.0, 1.0, 1.0);
    assert_true(r.fitted_now);
    assert_int_equal(r.phase, MVG_PHASE_REPORTING);
    const char *why = NULL;
    const mvg_model *m = mvg_project_model(g.p, 0, &why);
    assert_non_null(m);
    assert_int_equal(m->n, 23);
    rig_close(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_given_in_config_and_adjustments),
        cmocka_unit_test(test_fit_on_command_and_coverage_threshold),
        cmocka_unit_test(test_undefined_figures_per_phase),
        cmocka_unit_test(test_clock_step_keeps_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
