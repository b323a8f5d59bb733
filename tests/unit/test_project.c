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
#include "logfmt.h"
#include "payload.h"
#include "project.h"
#include "runner.h"
#include "timefmt.h"

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

static void rig_open_on(rig *g, const char *devices, const char *projects)
{
    char path[] = "/tmp/mvg-test-project-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(devices, f);
    fputs(projects, f);
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    mvg_config_opts o = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"}; /* the grid table beside */
    g->cfg = mvg_config_load(path, &o, d);
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

static void rig_open(rig *g, const char *projects) { rig_open_on(g, DEVICES, projects); }

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

/* A new project of g's config with g's state saved and loaded into it. */
static mvg_project *restored_copy(const rig *g)
{
    size_t cap = mvg_project_state_size(g->p), len = 0;
    void *buf = malloc(cap);
    char err[256];
    assert_int_equal(mvg_project_save(g->p, buf, cap, &len, err, sizeof err), 0);
    mvg_project *q = mvg_project_new(mvg_project_config(g->p), g->names, g->nch, err, sizeof err);
    assert_non_null(q);
    assert_int_equal(mvg_project_load(q, buf, len, err, sizeof err), 0);
    free(buf);
    return q;
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

        mvg_payload_link link = {0, "", "", (int64_t)h + 1};
        char *v2 = mvg_payload_interval("g", "p", h + 1, &rec, g.names, &res, &link);
        assert_non_null(v2);
        json_t *doc = json_loads(v2, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/interval/5");
        assert_int_equal(mvg_payload_interval_version("mvgate/interval/4"), 4);
        assert_int_equal(mvg_payload_interval_version("mvgate/interval/5"), 5);
        assert_int_equal(mvg_payload_interval_version("mvgate/interval/3"), 3);
        /* 4 is 5 without the members 5 added: the granularity, and per
         * stream the day (null in an interval project) */
        assert_string_equal(json_string_value(json_object_get(doc, "granularity")), "interval");
        assert_true(json_is_null(
            json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "day")));
        char *old4 = mvg_payload_interval_as(4, mvg_project_config(g.p), "g", "p", h + 1, &rec,
                                             g.names, &res, &link);
        json_t *doc4v = old4 ? json_loads(old4, 0, NULL) : NULL;
        assert_non_null(doc4v);
        json_t *doc5 = json_deep_copy(doc);
        json_object_del(doc5, "granularity");
        json_object_del(json_array_get(json_object_get(doc5, "streams"), 0), "day");
        json_object_set_new(doc5, "schema", json_string("mvgate/interval/4"));
        assert_true(json_equal(doc5, doc4v));
        json_decref(doc5);
        json_decref(doc4v);
        free(old4);
        json_object_del(doc, "granularity");
        json_object_del(json_array_get(json_object_get(doc, "streams"), 0), "day");
        /* 3 is 4 without the members 4 added: without a calendar each
         * stream's annual_calendar (null); the screening (a given model has
         * no baseline range: null) */
        json_t *st4 = json_array_get(json_object_get(doc, "streams"), 0);
        assert_true(json_is_null(json_object_get(st4, "extrapolated")));
        assert_true(json_is_null(json_object_get(st4, "x_outside")));
        assert_non_null(json_object_get(json_object_get(st4, "cumulative"), "m_extrapolated"));
        char *old3 = mvg_payload_interval_as(3, mvg_project_config(g.p), "g", "p", h + 1, &rec,
                                             g.names, &res, &link);
        json_t *doc3 = old3 ? json_loads(old3, 0, NULL) : NULL;
        assert_non_null(doc3);
        json_t *st3 = json_array_get(json_object_get(doc3, "streams"), 0);
        assert_null(json_object_get(st3, "extrapolated"));
        assert_null(json_object_get(json_object_get(st3, "cumulative"), "m_extrapolated"));
        json_t *doc4 = json_deep_copy(doc);
        st4 = json_array_get(json_object_get(doc4, "streams"), 0);
        json_t *cum4 = json_object_get(st4, "cumulative");
        assert_true(json_is_null(json_object_get(cum4, "annual_calendar")));
        json_object_del(cum4, "annual_calendar");
        /* and without a tariff the demand and cost members, null */
        assert_true(json_is_null(json_object_get(cum4, "cost")));
        json_object_del(cum4, "cost");
        assert_true(json_is_null(json_object_get(st4, "tariff")));
        json_object_del(st4, "tariff");
        json_object_del(st4, "extrapolated");
        json_object_del(st4, "x_outside");
        json_object_del(cum4, "m_extrapolated");
        /* and the tonnes beside the kilograms: pollutant_kg / 1000 */
        json_t *blocks[] = {json_object_get(doc4, "units"), json_object_get(st4, "converted"),
                            json_object_get(cum4, "converted"),
                            json_object_get(cum4, "annual_converted")};
        assert_string_equal(json_string_value(json_object_get(blocks[0], "pollutant_t")), "t");
        for (size_t b = 0; b < 4; b++) {
            json_t *t = json_object_get(blocks[b], "pollutant_t");
            assert_non_null(t);
            if (b > 0 && json_is_number(t))
                assert_true(json_number_value(t) ==
                            json_number_value(json_object_get(blocks[b], "pollutant_kg")) / 1000.0);
            json_object_del(blocks[b], "pollutant_t");
        }
        json_object_set_new(doc4, "schema", json_string("mvgate/interval/3"));
        assert_true(json_equal(doc4, doc3));
        json_decref(doc4);
        json_decref(doc3);
        free(old3);
        assert_int_equal(mvg_payload_interval_version("mvgate/interval/2"), 2);
        /* schema 3 names the definition in force; 2 is the same without it */
        assert_int_equal(json_integer_value(json_object_get(doc, "definition")), (int64_t)h + 1);
        char *old2 = mvg_payload_interval_as(2, mvg_project_config(g.p), "g", "p", h + 1, &rec,
                                             g.names, &res, &link);
        json_t *doc2 = old2 ? json_loads(old2, 0, NULL) : NULL;
        assert_non_null(doc2);
        /* 2 is 3 without the members 3 added at the top: the definition and
         * the net total (and, per stream, the removal and annual members) */
        assert_null(json_object_get(doc2, "definition"));
        assert_null(json_object_get(doc2, "net"));
        json_object_del(doc, "definition");
        json_object_del(doc, "net");
        json_object_del(json_object_get(doc, "units"), "pollutant_t"); /* schema 4 */
        json_object_del(doc, "streams");
        json_object_del(doc2, "streams");
        json_object_set_new(doc, "schema", json_string("mvgate/interval/2"));
        assert_true(json_equal(doc, doc2));
        json_decref(doc2);
        free(old2);
        link.definition = 0;
        free(v2);
        v2 = mvg_payload_interval("g", "p", h + 1, &rec, g.names, &res, &link);
        json_decref(doc);
        doc = json_loads(v2, 0, NULL);
        assert_true(json_is_null(json_object_get(doc, "definition")));
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
    assert_int_equal(mvg_payload_interval_version("mvgate/interval/6"), -1);
    assert_int_equal(mvg_payload_interval_version("mvgate/totals/1"), -1);
    assert_null(mvg_payload_interval_as(6, mvg_project_config(g.p), "g", "p", 9, NULL, g.names, &r,
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
                 "                    { reason = \"one-off\"; once_at = \"2026-01-02T05:30:00Z\"; amount = 20.0; } ); },\n"
                 "   { name = \"f\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\"; accuracy_pct = 2.0;\n"
                 "    model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 10.0, 2.0 ];\n"
                 "              n = 500; cv_rmse = 0.05; nmbe = 0.0; }; } ); } );\n");
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
    /* stream f: the same meter figures with a 2 % meter, combined in
     * quadrature: sqrt((fsu S)^2 + (0.02 A)^2) / S */
    const mvg_stream_result *f = &r.streams[1];
    double um = s->fsu * fabs(f->cum_avoided), ua = 0.02 * fabs(f->cum_actual);
    assert_true(fabs(f->fsu - sqrt(um * um + ua * ua) / fabs(f->cum_avoided)) < 1e-12);
    assert_true(f->fsu > s->fsu);
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


/* ---- the reload's matching rule (runner.h, mvg_runner_carry_over) ------ */

/* Two streams: e linear in m.prod, f the mean of m.kwh; %s are the edits:
 * interval, baseline end, e's model, e's factors, confidence, extra keys. */
static const char *CARRY_TEMPLATE =
    "projects = ( { name = \"%s\"; technology = \"t\"; interval_min = 60;%s\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"%s\"; };\n"
    "  reporting = { start = \"2026-01-02T00:00:00Z\";%s };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "                model = %s; cost_per_unit = %s;%s },\n"
    "              { name = \"f\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "                model = { type = \"mean\"; }; } ); } );\n";

typedef struct {
    const char *what;
    const char *name, *confidence, *base_end, *rep_end, *model, *cost, *extra;
    const char *prod_scale; /* of the point m.prod */
    int e_kept, f_kept, progress, open_interval;
} carry_case;

#define LINEAR "{ type = \"linear\"; x = [ \"m.prod\" ]; }"
#define BASE "p", "", "2026-01-01T12:00:00Z", "", LINEAR, "1.0", "", "1.0"

static const carry_case CARRY_CASES[] = {
    {"nothing changed", BASE, 1, 1, 1, 1},
    {"a cost factor and a CO2 factor", "p", "", "2026-01-01T12:00:00Z", "", LINEAR, "2.5",
     " co2_kg_per_unit = 0.3;", "1.0", 1, 1, 1, 1},
    {"the confidence", "p", " confidence = 0.95;", "2026-01-01T12:00:00Z", "", LINEAR, "1.0", "",
     "1.0", 1, 1, 1, 1},
    {"a grid factor by name", "p", "", "2026-01-01T12:00:00Z", "", LINEAR, "1.0",
     " grid = \"csg-2022\";", "1.0", 1, 1, 1, 1},
    {"e's screening keys", "p", "", "2026-01-01T12:00:00Z", "",
     "{ type = \"linear\"; x = [ \"m.prod\" ]; exclude_outliers = true; range_margin = 0.1; }",
     "1.0", "", "1.0", 1, 1, 1, 1},
    {"an adjustment", "p", "", "2026-01-01T12:00:00Z", "", LINEAR, "1.0",
     " adjustments = ( { reason = \"r\"; per_interval = 1.0; } );", "1.0", 1, 1, 1, 1},
    {"the reporting end", "p", "", "2026-01-01T12:00:00Z", " end = \"2027-01-01T00:00:00Z\";",
     LINEAR, "1.0", "", "1.0", 1, 1, 1, 1},
    {"e's form, same x", "p", "", "2026-01-01T12:00:00Z", "", "{ type = \"intensity\"; x = [ \"m.prod\" ]; }",
     "1.0", "", "1.0", 0, 1, 1, 1},
    {"e's form, x dropped", "p", "", "2026-01-01T12:00:00Z", "", "{ type = \"mean\"; }", "1.0",
     "", "1.0", 0, 1, 1, 0},
    {"e's x aggregated otherwise", "p", "", "2026-01-01T12:00:00Z", "",
     "{ type = \"linear\"; x = [ \"m.prod:max\" ]; }", "1.0", "", "1.0", 0, 1, 1, 1},
    {"the scale of e's x point", "p", "", "2026-01-01T12:00:00Z", "", LINEAR, "1.0", "", "0.1",
     0, 1, 1, 0},
    {"the baseline end", "p", "", "2026-01-01T18:00:00Z", "", LINEAR, "1.0", "", "1.0", 0, 0, 0,
     1},
    {"the project's name", "p2", "", "2026-01-01T12:00:00Z", "", LINEAR, "1.0", "", "1.0", 0, 0,
     0, 0},
};

static void carry_rig(rig *g, const carry_case *c)
{
    char devices[1024], projects[2048];
    snprintf(devices, sizeof devices,
             "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
             "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
             "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
             "  { name = \"kwh\"; area = \"input\"; address = 0; type = \"uint32\"; unit = \"kWh\"; kind = \"counter\"; },\n"
             "  { name = \"prod\"; area = \"input\"; address = 2; type = \"uint32\"; unit = \"t\"; kind = \"counter\"; scale = %s; } ); } );\n",
             c->prod_scale);
    snprintf(projects, sizeof projects, CARRY_TEMPLATE, c->name, c->confidence, c->base_end,
             c->rep_end, c->model, c->cost, c->extra);
    rig_open_on(g, devices, projects);
}

/* Which edits keep which state: each case against the same running
 * engine, which has collected 5 baseline rows per stream. */
static void test_reload_matching_rule(void **state)
{
    (void)state;
    rig old;
    carry_rig(&old, &CARRY_CASES[0]);
    for (int h = 0; h < 5; h++)
        feed(&old, T0 + h * H, 7.0 + 3.0 * (h % 4), h % 4, 1.0);
    for (size_t i = 0; i < sizeof CARRY_CASES / sizeof *CARRY_CASES; i++) {
        const carry_case *c = &CARRY_CASES[i];
        rig g;
        carry_rig(&g, c);
        mvg_runner_carry carry;
        int todo = mvg_runner_carry_over(g.r, old.r, &carry);
        int kept[2] = {c->e_kept, c->f_kept};
        if (carry.kept_progress != c->progress || carry.kept_interval != c->open_interval)
            fail_msg("%s: progress %d interval %d", c->what, carry.kept_progress,
                     carry.kept_interval);
        for (size_t s = 0; s < 2; s++) {
            const mvg_runner_carry_stream *cs = &carry.s[s];
            if ((cs->outcome == MVG_CARRY_KEPT) != kept[s])
                fail_msg("%s: stream %s %s (%s)", c->what, cs->name,
                         kept[s] ? "not kept" : "kept", cs->why);
            /* kept: the rows are there; not kept: a reason, and nothing yet */
            assert_int_equal(mvg_project_baseline_rows(g.p, s), kept[s] ? 5 : 0);
            assert_true(kept[s] ? cs->why[0] == '\0' : cs->why[0] != '\0');
        }
        int all = c->e_kept && c->f_kept && c->open_interval;
        assert_int_equal(todo, all ? 0 : 1);
        rig_close(&g);
    }
    rig_close(&old);
}

/* ---- pollutants against the old system, annual figures, net total -------
 * Hand-worked: hourly intervals, production L t/h; inlet VOC 100 L mg/Nm3 at
 * 20,000 Nm3/h, so 2 L kg/h enter the treatment. The old unit lets 20 %
 * through (0.4 L kg), the new one 5 % (0.1 L kg). NOx 0.5 L kg; the fan
 * 10 + 2 L kWh, 30 % more after the retrofit. Baseline hours L = 4 5 6 5 4
 * 6 (mean 5) with +-0.01 of noise that is orthogonal to 1 and L, so the fits
 * are exactly out = 0.4 L, nox = 0.5 L, fan = 10 + 2 L. */
static const char *POLLUTANT_DEVICES =
    "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
    "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
    "devices = ( { name = \"v\"; bus = \"lan\"; points = (\n"
    "  { name = \"cin\"; area = \"holding\"; address = 0; type = \"float32\"; unit = \"mg/Nm3\"; },\n"
    "  { name = \"cout\"; area = \"holding\"; address = 2; type = \"float32\"; unit = \"mg/Nm3\"; },\n"
    "  { name = \"q\"; area = \"holding\"; address = 4; type = \"float32\"; unit = \"Nm3/h\"; },\n"
    "  { name = \"load\"; area = \"holding\"; address = 6; type = \"float32\"; unit = \"t/h\"; },\n"
    "  { name = \"noxkg\"; area = \"holding\"; address = 8; type = \"float32\"; unit = \"kg/h\"; },\n"
    "  { name = \"fankwh\"; area = \"holding\"; address = 10; type = \"uint32\"; unit = \"kWh\"; kind = \"counter\"; } ); } );\n";

static const char *POLLUTANT_PROJECT =
    "projects = ( { name = \"p\"; technology = \"voc_treatment\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T06:00:00Z\"; };\n"
    "  reporting = { start = \"2026-01-01T06:00:00Z\"; };\n"
    "  streams = (\n"
    "   { name = \"voc\"; type = \"voc\"; unit = \"kg\";\n"
    "     inlet = { conc = \"v.cin\"; flow = \"v.q\"; }; outlet = { conc = \"v.cout\"; flow = \"v.q\"; };\n"
    "     model = { type = \"linear\"; x = [ \"v.load\" ]; }; },\n"
    "   { name = \"nox\"; type = \"nox\"; unit = \"kg\"; actual = \"v.noxkg\";\n"
    "     model = { type = \"linear\"; x = [ \"v.load\" ]; }; },\n"
    "   { name = \"fan\"; type = \"electricity\"; unit = \"kWh\"; actual = \"v.fankwh\";\n"
    "     co2_kg_per_unit = 0.5; cost_per_unit = 1.0;\n"
    "     model = { type = \"linear\"; x = [ \"v.load\" ]; }; } ); } );\n";

/* One hour: production L, outlet share of the VOC, the NOx and fan figures. */
static mvg_project_result feed_pollutant(rig *g, int64_t start, double L, double share,
                                         double nox, double fan)
{
    mvg_interval_value ch[8] = {{0}};
    assert_true(g->nch <= 8);
    for (size_t k = 0; k < g->nch; k++) {
        const char *n = g->names[k];
        double v = strcmp(n, "v.cin") == 0    ? 100.0 * L
                   : strcmp(n, "v.cout") == 0 ? share * 100.0 * L
                   : strcmp(n, "v.q") == 0    ? 20000.0
                   : strcmp(n, "v.load") == 0 ? L
                   : strcmp(n, "v.noxkg") == 0 ? nox
                   : strcmp(n, "v.fankwh") == 0 ? fan
                                               : NAN;
        assert_true(isfinite(v));
        /* a gauge's amount is its rate integral: kg/h over one hour = the mean */
        ch[k] = (mvg_interval_value){.value = v, .mean = v, .min = v, .max = v, .coverage = 1,
                                     .n_good = 60};
    }
    mvg_interval_record rec = {start, start + H, g->nch, ch, 0, 0};
    mvg_project_result res;
    char err[256];
    int rc = mvg_project_update(g->p, &rec, &res, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    return res;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static void test_pollutants_against_the_old_system(void **state)
{
    (void)state;
    rig g;
    rig_open_on(&g, POLLUTANT_DEVICES, POLLUTANT_PROJECT);
    static const double L[6] = {4, 5, 6, 5, 4, 6}, e[6] = {0.01, -0.01, 0.01, 0.01, -0.01, -0.01};
    for (int h = 0; h < 6; h++) {
        mvg_project_result r = feed_pollutant(&g, T0 + h * H, L[h], 0.2 + e[h] / (200.0 * L[h]),
                                              0.5 * L[h] + e[h], 10 + 2 * L[h] + e[h]);
        assert_int_equal(r.phase, MVG_PHASE_BASELINE);
        /* the removal is a figure of any interval: 2 L in, 0.4 L (+ e / 100) out */
        NEAR(r.streams[0].removal, 1.6 * L[h] - e[h] / 100.0);
        assert_true(isnan(r.streams[0].savings));
    }
    /* reporting, L = 5: the new unit lets 5 % through; the NOx meter is sound */
    mvg_project_result r = feed_pollutant(&g, T0 + 6 * H, 5, 0.05, 2.5 * 0.6, 1.3 * 20);
    assert_int_equal(r.phase, MVG_PHASE_REPORTING);
    assert_true(r.fitted_now);
    const mvg_stream_result *voc = &r.streams[0], *nox = &r.streams[1], *fan = &r.streams[2];
    /* the old unit's modelled outlet: 0.4 * 5 = 2 kg; measured 0.5 kg */
    NEAR(voc->adjusted_baseline, 2.0);
    NEAR(voc->actual, 0.5);
    NEAR(voc->savings, 1.5);            /* not the 9.5 kg removed */
    NEAR(voc->removal, 9.5);
    NEAR(voc->cum_removal, 9.5);
    NEAR(voc->removal_efficiency, 0.95);
    NEAR(voc->savings_fraction, 0.75);
    NEAR(voc->conv.pollutant_kg, 1.5);
    /* normalised annual: mean prediction over the baseline 0.4 * 5 = 2 kg an
     * hour, 8760 hours: 17,520 kg; 75 % of it saved: 13,140 kg a year */
    NEAR(voc->annual_baseline, 17520.0);
    NEAR(voc->annual_savings, 13140.0);
    assert_string_equal(voc->annual_basis, "baseline year");
    NEAR(voc->annual_conv.pollutant_kg, 13140.0);
    assert_false(voc->annual_exceeds_baseline);
    /* NOx 40 % lower: 2.5 -> 1.5 kg; annual 0.4 * 2.5 * 8760 */
    NEAR(nox->savings, 1.0);
    NEAR(nox->annual_savings, 0.4 * 2.5 * 8760.0);
    assert_true(isnan(nox->removal) && isnan(nox->removal_efficiency));
    /* fan: 20 kWh modelled, 26 used: -6 kWh; the net counts it against the
     * pollutant streams, which carry no energy, CO2 or cost */
    NEAR(fan->savings, -6.0);
    assert_true(r.net_defined && r.annual_net_defined);
    NEAR(r.net.kwh, -6.0);
    NEAR(r.net.tj, -6.0 * 3.6e-6);
    NEAR(r.net.co2_t, -6.0 * 0.5 / 1000.0);
    NEAR(r.net.cost_hkd, -6.0);
    assert_true(isnan(r.net.pollutant_kg)); /* kg of VOC and NOx do not add up */
    NEAR(r.annual_net.kwh, -0.3 * 20.0 * 8760.0);
    NEAR(r.annual_net.cost_hkd, -0.3 * 20.0 * 8760.0);

    /* the record carries it: removal, the annual basis, the net block */
    mvg_payload_link link = {0, "", "", 0};
    mvg_interval_value ch[8] = {{0}};
    mvg_interval_record rec = {T0 + 6 * H, T0 + 7 * H, g.nch, ch, 0, 0};
    char *txt = mvg_payload_interval("g", "p", 7, &rec, g.names, &r, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    assert_non_null(doc);
    json_t *s0 = json_array_get(json_object_get(doc, "streams"), 0);
    json_t *cum = json_object_get(s0, "cumulative");
    NEAR(json_real_value(json_object_get(s0, "removal")), 9.5);
    NEAR(json_real_value(json_object_get(cum, "annual_baseline")), 17520.0);
    assert_string_equal(json_string_value(json_object_get(cum, "annual_basis")), "baseline year");
    assert_true(json_is_null(json_object_get(cum, "annual_error")));
    json_t *net = json_object_get(doc, "net");
    NEAR(json_real_value(json_object_get(net, "cost_hkd")), -6.0);
    NEAR(json_real_value(json_object_get(json_object_get(net, "annual"), "kwh")), -52560.0);
    json_decref(doc);
    free(txt);

    /* a NOx meter that reads -3 kg: 6.5 of 5 kg reduced (130 %), the annual
     * reduction exceeds the annual baseline emission: an error, once */
    r = feed_pollutant(&g, T0 + 7 * H, 5, 0.05, -3.0, 26);
    nox = &r.streams[1];
    NEAR(nox->savings_fraction, (5.0 - (1.5 - 3.0)) / 5.0);
    assert_true(nox->annual_savings > nox->annual_baseline);
    assert_true(nox->annual_exceeds_baseline && nox->annual_error_began);
    assert_false(nox->model_pass);
    assert_false(r.streams[0].annual_exceeds_baseline);
    txt = mvg_payload_interval("g", "p", 8, &rec, g.names, &r, &link);
    assert_non_null(strstr(txt, "annual reduction exceeds the annual baseline emission"));
    free(txt);
    r = feed_pollutant(&g, T0 + 8 * H, 5, 0.05, -3.0, 26);
    assert_true(r.streams[1].annual_exceeds_baseline && !r.streams[1].annual_error_began);

    /* the annual figures survive a save and load (taken at the fit, when
     * the baseline rows are freed) */
    size_t cap = mvg_project_state_size(g.p), len = 0;
    void *buf = malloc(cap);
    char err[256];
    assert_int_equal(mvg_project_save(g.p, buf, cap, &len, err, sizeof err), 0);
    mvg_project *q = mvg_project_new(mvg_project_config(g.p), g.names, g.nch, err, sizeof err);
    assert_non_null(q);
    assert_int_equal(mvg_project_load(q, buf, len, err, sizeof err), 0);
    mvg_project *orig = g.p;
    g.p = q;
    mvg_project_result a = feed_pollutant(&g, T0 + 9 * H, 5, 0.05, 1.5, 26);
    g.p = orig;
    mvg_project_result b = feed_pollutant(&g, T0 + 9 * H, 5, 0.05, 1.5, 26);
    NEAR(a.streams[0].annual_baseline, 17520.0);
    NEAR(a.streams[0].annual_savings, b.streams[0].annual_savings);
    NEAR(a.net.kwh, b.net.kwh);
    mvg_project_free(q);
    free(buf);
    rig_close(&g);
}

/* The shared rule, by hand: 3 intervals of 15 min predicting 1, 2 and 3 kWh
 * (mean 2 kWh, 35,040 intervals a year) at a savings fraction of 10 %. */
/* Screening (docs/method.md "Screening"), on 20 baseline hours of kwh = 10
 * + 2 prod exactly, prod cycling 1..5, but for one hour 40 kWh too high.
 * The outlier rule flags that hour and no other (its residual is about
 * 36 against fences a few kWh wide). Without exclude_outliers it stays in
 * the fit (b0 above 10); with it the one refit over the 19 exact rows is
 * the truth, 10 + 2 prod, n 19. The range of prod over the rows fitted is
 * 1..5; a margin of 0.25 of its width 4 admits 0..6: a reporting hour at
 * prod 6 is inside, one at 6.5 is flagged and counted in m_extrapolated,
 * and the count survives a save and load of the project state. */
static const char *SCREEN_TEMPLATE =
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T20:00:00Z\"; };\n"
    "  reporting = { start = \"2026-01-01T20:00:00Z\"; };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; %s }; } ); } );\n";

static void screen_baseline(rig *g, const char *keys)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg, SCREEN_TEMPLATE, keys);
    rig_open(g, cfg);
    for (int h = 0; h < 20; h++) {
        double prod = 1.0 + h % 5;
        feed(g, T0 + h * H, 10.0 + 2.0 * prod + (h == 7 ? 40.0 : 0.0), prod, 1.0);
    }
}

static void test_screening(void **state)
{
    (void)state;
    rig g;
    screen_baseline(&g, "");
    mvg_project_result r = feed(&g, T0 + 20 * H, 22.0, 6.5, 1.0); /* fits, then reporting */
    assert_true(r.fitted_now);
    const mvg_stream_screening *z = mvg_project_screening(g.p, 0);
    assert_true(z->screened && z->has_range);
    assert_int_equal(z->fences.n, 20);
    assert_int_equal(z->fences.n_outliers, 1);
    assert_int_equal(z->n_excluded, 0);
    const mvg_model *m = mvg_project_model(g.p, 0, NULL);
    assert_int_equal(m->n, 20);
    assert_true(m->coef[0] > 11.0); /* the spike is in the fit */
    /* no margin: 6.5 is outside 1..5 */
    assert_true(r.streams[0].extrapolated && r.streams[0].x_outside == 1);
    assert_int_equal(r.streams[0].m_extrapolated, 1);
    rig_close(&g);

    screen_baseline(&g, "exclude_outliers = true; range_margin = 0.25;");
    r = feed(&g, T0 + 20 * H, 22.0, 6.0, 1.0);
    z = mvg_project_screening(g.p, 0);
    assert_int_equal(z->fences.n_outliers, 1);
    assert_int_equal(z->n_excluded, 1);
    m = mvg_project_model(g.p, 0, NULL);
    assert_int_equal(m->n, 19);
    assert_true(fabs(m->coef[0] - 10.0) < 1e-9 && fabs(m->coef[1] - 2.0) < 1e-9);
    assert_true(z->range.min[0] == 1.0 && z->range.max[0] == 5.0);
    assert_false(r.streams[0].extrapolated); /* 6 is on the widened edge */
    assert_true(fabs(r.streams[0].adjusted_baseline - 22.0) < 1e-9);
    mvg_interval_value ch[4] = {{0}};
    mvg_interval_record rec = record(&g, ch, T0 + 21 * H, 23.0, 6.5, 1.0, 0);
    char err[256];
    assert_int_equal(mvg_project_update(g.p, &rec, &r, err, sizeof err), 0);
    assert_true(r.streams[0].extrapolated);
    /* the interval record flags it, the model record shows the screening */
    mvg_payload_link link = {1, "", "", 1};
    char *txt = mvg_payload_interval("g", "p", 2, &rec, g.names, &r, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    free(txt);
    json_t *st = json_array_get(json_object_get(doc, "streams"), 0);
    assert_true(json_is_true(json_object_get(st, "extrapolated")));
    assert_true(json_is_true(json_array_get(json_object_get(st, "x_outside"), 0)));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "cumulative"),
                                                        "m_extrapolated")), 1);
    json_decref(doc);
    txt = mvg_payload_model("g", g.p, 1, T0 + 20 * H, &link);
    doc = json_loads(txt, 0, NULL);
    free(txt);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/model/2");
    json_t *z2 = json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "screening");
    assert_int_equal(json_integer_value(json_object_get(z2, "outliers")), 1);
    assert_int_equal(json_integer_value(json_object_get(z2, "excluded")), 1);
    assert_true(json_is_true(json_object_get(z2, "exclude_outliers")));
    json_t *rg = json_array_get(json_object_get(z2, "range"), 0);
    assert_string_equal(json_string_value(json_object_get(rg, "x")), "m.prod");
    assert_true(json_real_value(json_object_get(rg, "max")) == 5.0);
    json_decref(doc);
    txt = mvg_payload_model_as(1, "g", g.p, 1, T0 + 20 * H, &link);
    doc = json_loads(txt, 0, NULL);
    free(txt);
    assert_null(json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "screening"));
    json_decref(doc);
    assert_int_equal(r.streams[0].m_extrapolated, 1);
    assert_int_equal(r.streams[0].m, 2);
    /* a poorly covered hour is not counted, whatever its x */
    r = feed(&g, T0 + 22 * H, 23.0, 9.0, 0.5);
    assert_false(r.streams[0].extrapolated);
    assert_int_equal(r.streams[0].m_extrapolated, 1);

    /* the screening and the count are part of the state */
    size_t len = mvg_project_state_size(g.p), wrote = 0;
    unsigned char *buf = malloc(len);
    assert_int_equal(mvg_project_save(g.p, buf, len, &wrote, err, sizeof err), 0);
    rig h;
    screen_baseline(&h, "exclude_outliers = true; range_margin = 0.25;");
    assert_int_equal(mvg_project_load(h.p, buf, wrote, err, sizeof err), 0);
    free(buf);
    z = mvg_project_screening(h.p, 0);
    assert_int_equal(z->n_excluded, 1);
    assert_true(z->has_range && z->range.max[0] == 5.0);
    r = feed(&h, T0 + 23 * H, 23.0, 0.0, 1.0); /* 0 is on the lower edge */
    assert_int_equal(r.streams[0].m_extrapolated, 1);
    r = feed(&h, T0 + 24 * H, 23.0, -0.1, 1.0);
    assert_int_equal(r.streams[0].m_extrapolated, 2);
    rig_close(&h);
    rig_close(&g);
}

/* A project's 3pc on temperature and load (the chiller): fitted at the end
 * of the baseline with both x, x[0] the change-point variable; a reporting
 * interval's adjusted baseline is the model at that interval's T and L. */
static void test_change_point_with_load(void **state)
{
    (void)state;
    static const char *const devices =
        "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
        "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
        "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
        "  { name = \"kwh\"; area = \"input\"; address = 0; type = \"uint32\"; unit = \"kWh\"; kind = \"counter\"; },\n"
        "  { name = \"t\"; area = \"input\"; address = 2; type = \"uint32\"; kind = \"counter\"; },\n"
        "  { name = \"load\"; area = \"input\"; address = 4; type = \"uint32\"; unit = \"t\"; kind = \"counter\"; } ); } );\n";
    static const char *const projects =
        "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
        "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-03T12:00:00Z\"; };\n"
        "  reporting = { start = \"2026-01-03T12:00:00Z\"; };\n"
        "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
        "    model = { type = \"3pc\"; x = [ \"m.t\", \"m.load\" ]; }; } ); } );\n";
    rig g;
    rig_open_on(&g, devices, projects);
    mvg_project_result r;
    for (int h = 0; h <= 60; h++) {
        /* 60 baseline hours (T 5 .. 26.83), then one reporting hour */
        double t = h < 60 ? 5 + 0.37 * h : 30, l = h < 60 ? 100 + 37 * ((h * 7) % 11) : 150;
        double kwh = 10 + 2 * fmax(t - 18, 0) + 0.5 * l + 0.01 * ((h * 5) % 3 - 1);
        mvg_interval_value ch[3] = {{0}};
        for (size_t k = 0; k < g.nch; k++)
            ch[k] = (mvg_interval_value){.value = strstr(g.names[k], "kwh") ? kwh
                                                  : strstr(g.names[k], "load") ? l
                                                                               : t,
                                         .coverage = 1, .n_good = 60};
        mvg_interval_record rec = {T0 + h * H, T0 + (h + 1) * H, g.nch, ch, 0, 0};
        char err[256];
        assert_int_equal(mvg_project_update(g.p, &rec, &r, err, sizeof err), 0);
    }
    assert_true(r.fitted_now);
    const mvg_model *m = mvg_project_model(g.p, 0, NULL);
    assert_non_null(m);
    assert_int_equal(m->type, MVG_MODEL_3PC);
    assert_int_equal(m->nx, 2);
    assert_int_equal(m->ncoef, 3);
    assert_true(fabs(m->cp[0] - 18) < 0.1);
    assert_true(fabs(m->coef[1] - 2) < 0.01 && fabs(m->coef[2] - 0.5) < 0.001);
    /* the reporting hour at T 30, L 150: 10 + 2 * 12 + 0.5 * 150 = 109 */
    double x[2] = {30, 150};
    assert_true(r.streams[0].adjusted_baseline == mvg_model_predict(m, x));
    assert_true(fabs(r.streams[0].adjusted_baseline - 109) < 0.1);
    rig_close(&g);
}

/* An auto fit keeps its candidates for the model record written with the
 * fit: every form tried, the one chosen, why the others were not; a model
 * of another form, and one restored from the state, list none. */
static void test_auto_candidates(void **state)
{
    (void)state;
    rig g;
    char cfg[1024];
    snprintf(cfg, sizeof cfg, SCREEN_TEMPLATE, "");
    char *t = strstr(cfg, "type = \"linear\"");
    assert_non_null(t);
    memcpy(t, "type = \"auto\";  ", 16); /* same length: "linear\"" -> "auto\";  " */
    rig_open(&g, cfg);
    for (int h = 0; h < 20; h++) {
        double prod = 1.0 + h % 5;
        feed(&g, T0 + h * H, 10.0 + 2.0 * prod + 0.01 * (h % 3), prod, 1.0);
    }
    mvg_project_result r = feed(&g, T0 + 20 * H, 22.0, 3.0, 1.0);
    assert_true(r.fitted_now);
    const mvg_model *m = mvg_project_model(g.p, 0, NULL);
    assert_non_null(m);
    size_t n = 0;
    const mvg_model_candidate *c = mvg_project_candidates(g.p, 0, &n);
    assert_int_equal(n, 6); /* mean, linear, 3pc, 3ph, 4p, 5p: hourly, one x */
    int chosen = -1;
    for (size_t k = 0; k < n; k++)
        if (c[k].qualified && c[k].type == m->type)
            chosen = (int)k;
    assert_true(chosen >= 0);
    assert_int_equal(c[0].type, MVG_MODEL_MEAN);
    mvg_payload_link link = {1, "", "", 1};
    char *txt = mvg_payload_model("g", g.p, 1, T0 + 20 * H, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    free(txt);
    json_t *a = json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "candidates");
    assert_int_equal(json_array_size(a), 6);
    size_t nchosen = 0;
    for (size_t k = 0; k < 6; k++) {
        json_t *x = json_array_get(a, k);
        assert_string_equal(json_string_value(json_object_get(x, "model")),
                            mvg_model_type_name(c[k].type));
        assert_int_equal(json_is_true(json_object_get(x, "qualified")), c[k].qualified);
        /* a form not taken says why; a qualified one has no reason */
        assert_int_equal(json_is_string(json_object_get(x, "why")), !c[k].qualified);
        nchosen += json_is_true(json_object_get(x, "chosen"));
        if (json_is_true(json_object_get(x, "chosen")))
            assert_int_equal((int)k, chosen);
    }
    assert_int_equal(nchosen, 1);
    json_decref(doc);
    /* restored from the state: the model, not the candidates */
    char err[256];
    size_t len = mvg_project_state_size(g.p), wrote = 0;
    unsigned char *buf = malloc(len);
    assert_int_equal(mvg_project_save(g.p, buf, len, &wrote, err, sizeof err), 0);
    rig h;
    rig_open(&h, cfg);
    assert_int_equal(mvg_project_load(h.p, buf, wrote, err, sizeof err), 0);
    free(buf);
    assert_non_null(mvg_project_model(h.p, 0, NULL));
    assert_null(mvg_project_candidates(h.p, 0, &n));
    assert_int_equal(n, 0);
    rig_close(&h);
    rig_close(&g);
    /* a linear model lists none */
    screen_baseline(&g, "");
    feed(&g, T0 + 20 * H, 22.0, 3.0, 1.0);
    assert_null(mvg_project_candidates(g.p, 0, &n));
    txt = mvg_payload_model("g", g.p, 1, T0 + 20 * H, &link);
    doc = json_loads(txt, 0, NULL);
    free(txt);
    assert_null(json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "candidates"));
    json_decref(doc);
    rig_close(&g);
}

/* What the loader says of DEVICES then projects, a config it must refuse
 * (malloc'd). */
static char *refused(const char *projects)
{
    char path[] = "/tmp/mvg-test-project-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(DEVICES, f);
    fputs(projects, f);
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    mvg_config *cfg = mvg_config_load(path, NULL, d);
    unlink(path);
    assert_null(cfg);
    char *text = NULL;
    size_t tl = 0;
    FILE *mf = open_memstream(&text, &tl);
    mvg_diags_print(d, mf);
    fclose(mf);
    mvg_diags_free(d);
    return text;
}

static void test_screening_config(void **state)
{
    (void)state;
    /* a given model has no baseline rows to screen */
    char *text = refused("projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
          "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T20:00:00Z\"; };\n"
          "  reporting = { start = \"2026-01-01T20:00:00Z\"; };\n"
          "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
          "    model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 1.0, 2.0 ];\n"
          "      range_margin = 0.1; }; } ); } );\n");
    if (!strstr(text, ":11: "))
        fprintf(stderr, "%s", text);
    assert_non_null(strstr(text, ":11: "));
    assert_non_null(strstr(text, "'range_margin' applies to a model fitted from the baseline"));
    free(text);
}

/* The flow's state changes a flue stream's amounts: its fingerprint moves
 * with it (docs/daemon.md "Reload"); the cost does not. */
static void test_flow_state_in_fingerprint(void **state)
{
    (void)state;
    mvg_stream_cfg a;
    memset(&a, 0, sizeof a);
    a.type = MVG_STREAM_NOX;
    a.has_flue = 1;
    a.factors.flow_kpa = 101.325;
    mvg_stream_cfg b = a;
    b.factors.cost_per_unit = 9.0;
    assert_true(mvg_stream_fingerprint(&a, NULL, NULL) == mvg_stream_fingerprint(&b, NULL, NULL));
    b.factors.flow_h2o_pct = 12.0;
    assert_true(mvg_stream_fingerprint(&a, NULL, NULL) != mvg_stream_fingerprint(&b, NULL, NULL));
}

static void test_annual_rule(void **state)
{
    (void)state;
    double base, sav;
    mvg_project_annual(6.0, 3, 0.25, 0.1, &base, &sav);
    NEAR(base, 2.0 * 35040.0);
    NEAR(sav, 0.1 * 2.0 * 35040.0);
    mvg_project_annual(6.0, 0, 0.25, 0.1, &base, &sav);
    assert_true(isnan(base) && isnan(sav));
    mvg_project_annual(6.0, 3, 0.25, NAN, &base, &sav);
    assert_true(isfinite(base) && isnan(sav));
}


/* Hong Kong's calendar as shipped (config/calendars/hk.conf). */
#define HK_CALENDAR MVG_SOURCE_DIR "/config/calendars/hk.conf"

/* A baseline of two local days of HK: 1 January 2026 (a holiday, the plant
 * idle, prod 0) and Friday 2 January (prod 5 t an hour); then reporting. */
static const char *CALENDAR_PROJECT =
    "projects = ( { name = \"p\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00+08:00\"; end = \"2026-01-03T00:00:00+08:00\"; };\n"
    "  reporting = { start = \"2026-01-03T00:00:00+08:00\"; };\n"
    "  annual_basis = \"calendar\"; calendar = \"" HK_CALENDAR "\";%s\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; }; cost_per_unit = 1.0; } ); } );\n";

#define HK0 (T0 - 8 * H) /* 2026-01-01T00:00:00+08:00 */

static void open_calendar(rig *g, const char *extra)
{
    char cfg[2048];
    snprintf(cfg, sizeof cfg, CALENDAR_PROJECT, extra);
    rig_open(g, cfg);
}

/* Hour h of the baseline: 10 kWh +-0.1 on the holiday, 20 +-0.1 on the
 * Friday (the noise cancels within each day, so the fitted line goes
 * through 10 at prod 0 and 20 at prod 5). */
static mvg_project_result feed_calendar_hour(rig *g, int h)
{
    double noise = h % 2 ? 0.1 : -0.1;
    return h < 24 ? feed(g, HK0 + h * H, 10 + noise, 0, 1) : feed(g, HK0 + h * H, 20 + noise, 5, 1);
}

/*
 * The normal year of HK 2026 (the year of the reporting start), hand
 * worked: 365 days from a Thursday, 104 Saturdays and Sundays; of the 17
 * general holidays 3 fall on a Saturday (4 April, 26 September, 26
 * December), so 14 more rest days: 118 rest days and 247 working days,
 * 2,832 and 5,928 hourly intervals. The model predicts 10 kWh for the
 * baseline's rest day and 20 for its working day: the annual baseline is
 * 5,928 x 20 + 2,832 x 10 = 146,880 kWh (the baseline year's rule would
 * say 15 x 8,760 = 131,400). A reporting hour of 18 kWh at prod 5 saves
 * 10 %: 14,688 kWh a year.
 */
static void test_annual_over_the_calendar(void **state)
{
    (void)state;
    rig g, k;
    open_calendar(&g, "");
    open_calendar(&k, "");
    for (int h = 0; h < 48; h++) {
        feed_calendar_hour(&g, h);
        if (h < 30)
            feed_calendar_hour(&k, h);
    }
    /* the rows and their times survive a save and load in the baseline */
    mvg_project *q = restored_copy(&k);
    mvg_project *kp = k.p;
    k.p = q;
    for (int h = 30; h < 48; h++)
        feed_calendar_hour(&k, h);

    mvg_project_result r = feed(&g, HK0 + 48 * H, 18, 5, 1), rk = feed(&k, HK0 + 48 * H, 18, 5, 1);
    assert_int_equal(r.phase, MVG_PHASE_REPORTING);
    const mvg_stream_result *s = &r.streams[0];
    NEAR(s->adjusted_baseline, 20.0);
    NEAR(s->savings_fraction, 0.1);
    assert_int_equal(s->annual_ncls, 2);
    assert_int_equal(s->annual_year_n[0], 5928);
    assert_int_equal(s->annual_year_n[1], 2832);
    assert_int_equal(s->annual_cls_n[0], 24);
    assert_int_equal(s->annual_cls_n[1], 24);
    NEAR(s->annual_cls_mean[0], 20.0);
    NEAR(s->annual_cls_mean[1], 10.0);
    NEAR(s->annual_baseline, 146880.0);
    NEAR(s->annual_savings, 14688.0);
    NEAR(s->annual_conv.cost_hkd, 14688.0);
    assert_string_equal(s->annual_basis, "calendar");
    assert_int_equal(s->annual_missing_class, -1);
    NEAR(rk.streams[0].annual_baseline, 146880.0);
    NEAR(rk.streams[0].annual_savings, s->annual_savings);

    /* the record says what the figure is made of */
    mvg_payload_link link = {0, "", "", 0};
    mvg_interval_value ch[4] = {{0}};
    mvg_interval_record rec = record(&g, ch, HK0 + 48 * H, 18, 5, 1, 0);
    char *txt = mvg_payload_interval("g", "p", 49, &rec, g.names, &r, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    assert_non_null(doc);
    json_t *cum = json_object_get(json_array_get(json_object_get(doc, "streams"), 0), "cumulative");
    assert_string_equal(json_string_value(json_object_get(cum, "annual_basis")), "calendar");
    json_t *ac = json_object_get(cum, "annual_calendar");
    assert_string_equal(json_string_value(json_object_get(ac, "calendar")), HK_CALENDAR);
    assert_int_equal(json_integer_value(json_object_get(ac, "year")), 2026);
    assert_true(json_is_null(json_object_get(ac, "error")));
    json_t *c0 = json_array_get(json_object_get(ac, "classes"), 0);
    json_t *c1 = json_array_get(json_object_get(ac, "classes"), 1);
    assert_string_equal(json_string_value(json_object_get(c0, "class")), "working day");
    assert_string_equal(json_string_value(json_object_get(c1, "class")), "rest day");
    assert_int_equal(json_integer_value(json_object_get(c0, "year_intervals")), 5928);
    NEAR(json_real_value(json_object_get(c1, "year_hours")), 2832.0);
    assert_int_equal(json_integer_value(json_object_get(c1, "baseline_intervals")), 24);
    NEAR(json_real_value(json_object_get(c0, "baseline_mean")), 20.0);
    /* schema 3 has none of it */
    char *v3 = mvg_payload_interval_as(3, mvg_project_config(g.p), "g", "p", 49, &rec, g.names,
                                       &r, &link);
    assert_null(strstr(v3, "annual_calendar"));
    free(v3);
    json_decref(doc);
    free(txt);
    mvg_project_free(q);
    k.p = kp;
    rig_close(&k);
    rig_close(&g);
}

/* A day shift and a baseline of the holiday alone: the normal year's
 * 247 x 12 = 2,964 h of the shift have no baseline interval to evaluate
 * the model at; the annual figures are null and the record says why. */
static void test_annual_calendar_class_without_baseline(void **state)
{
    (void)state;
    rig g;
    open_calendar(&g, " shifts = [ \"08:00-20:00\" ];");
    for (int h = 0; h < 24; h++) /* some work on the holiday, so that the line fits */
        feed(&g, HK0 + h * H, 10 + h % 3 + (h % 2 ? 0.1 : -0.1), h % 3, 1);
    char err[256];
    assert_int_equal(mvg_project_fit_now(g.p, err, sizeof err), 0); /* before the Friday */
    mvg_project_result r = feed(&g, HK0 + 48 * H, 18, 5, 1);
    const mvg_stream_result *s = &r.streams[0];
    assert_int_equal(s->annual_ncls, 3);
    assert_int_equal(s->annual_year_n[0], 2964);
    assert_int_equal(s->annual_cls_n[0], 0);
    assert_int_equal(s->annual_cls_n[2], 24);
    assert_int_equal(s->annual_missing_class, 0);
    assert_true(isnan(s->annual_baseline) && isnan(s->annual_savings) && !s->annual_basis);
    mvg_payload_link link = {0, "", "", 0};
    mvg_interval_value ch[4] = {{0}};
    mvg_interval_record rec = record(&g, ch, HK0 + 48 * H, 18, 5, 1, 0);
    char *txt = mvg_payload_interval("g", "p", 49, &rec, g.names, &r, &link);
    assert_non_null(strstr(txt, "the normal year has 2964 h of 'shift 08:00-20:00' and the "
                                "baseline no interval of it"));
    free(txt);
    rig_close(&g);
}

/* The calendar rule, by hand: 3 classes with 100, 50 and 0 intervals in the
 * year, mean predictions 2 and 1 (the third has no baseline rows but no
 * intervals either): 100 x 2 + 50 x 1 = 250, 20 % of it saved. */
static void test_annual_calendar_rule(void **state)
{
    (void)state;
    const uint64_t year_n[3] = {100, 50, 0}, cls_n[3] = {4, 2, 0};
    const double cls_sum[3] = {8.0, 2.0, 0.0};
    double base, sav;
    assert_int_equal(mvg_project_annual_calendar(year_n, cls_n, cls_sum, 3, 0.2, &base, &sav), -1);
    NEAR(base, 250.0);
    NEAR(sav, 50.0);
    const uint64_t cls_n2[3] = {4, 0, 0};
    assert_int_equal(mvg_project_annual_calendar(year_n, cls_n2, cls_sum, 3, 0.2, &base, &sav), 1);
    assert_true(isnan(base) && isnan(sav));
}

/* Guangdong's time-of-use periods as shipped (config/tariffs/guangdong.conf). */
#define GD_TARIFF MVG_SOURCE_DIR "/config/tariffs/guangdong.conf"

static const char *TARIFF_PROJECT =
    "projects = ( { name = \"p\"; interval_min = 60;\n"
    "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-02T00:00:00Z\"; };\n"
    "  reporting = { start = \"2026-03-30T00:00:00Z\"; };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 10.0, 2.0 ];\n"
    "              n = 500; cv_rmse = 0.05; nmbe = 0.0; };\n"
    "    tariff = \"" GD_TARIFF "\"; energy_price = 1.0; demand_charge = 50.0; } ); } );\n";

/* One reporting hour at local (+08:00) time `local`: prod t, kwh used. */
static mvg_project_result feed_at(rig *g, const char *local, double kwh, double prod)
{
    int64_t t;
    assert_int_equal(mvg_timefmt_parse(local, &t), 0);
    return feed(g, t, kwh, prod, 1);
}

/*
 * Demand and time-of-use cost, hand worked. The model is 10 + 2 prod kWh
 * an hour; the flat price HK$1.00, Guangdong's ratios 0.38 valley, 1.7
 * peak, 2.125 critical peak (July-September 11-12 h, 15-17 h), a demand
 * charge of HK$50 per kW of the month's peak; hourly demand.
 *   31 Mar 03:00 valley  base 10 used  9: saves 1 x 0.38 = 0.38; peaks 10 / 9
 *   31 Mar 10:00 peak    base 20 used 16: saves 4 x 1.7  = 6.80; peaks 20 / 16
 *   31 Mar 20:00 flat    base 26 used 25: saves 1 x 1.0  = 1.00; peaks 26 / 25:
 *                        March saves 1 kW of peak demand (the peaks of the
 *                        baseline and of the use need not be the same hour), HK$50
 *    1 Apr 11:00 peak    base 20 used 15: saves 5 x 1.7  = 8.50; April: 5 kW, HK$250
 *    1 Jul 11:00 critical base 20 used 18: saves 2 x 2.125 = 4.25; July: 2 kW, HK$100
 * Energy HK$20.93, demand HK$400 over 3 months: cost_hkd 420.93.
 */
static void test_demand_and_time_of_use(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, TARIFF_PROJECT);
    mvg_project_result r = feed_at(&g, "2026-03-31T03:00:00+08:00", 9, 0);
    const mvg_stream_result *s = &r.streams[0];
    assert_int_equal(r.phase, MVG_PHASE_REPORTING);
    assert_string_equal(s->tou_period, "valley");
    NEAR(s->price, 0.38);
    NEAR(s->conv.cost_hkd, 0.38);
    r = feed_at(&g, "2026-03-31T10:00:00+08:00", 16, 5);
    assert_string_equal(s->tou_period, "peak");
    NEAR(s->conv.cost_hkd, 6.8);
    NEAR(s->peak_kw_savings, 4.0);
    NEAR(s->demand_cost_month, 200.0);
    r = feed_at(&g, "2026-03-31T20:00:00+08:00", 25, 8);
    assert_string_equal(s->tou_period, "flat");
    NEAR(s->peak_kw_baseline, 26.0);
    NEAR(s->peak_kw_actual, 25.0);
    NEAR(s->peak_kw_savings, 1.0);
    NEAR(s->demand_cost_month, 50.0);
    r = feed_at(&g, "2026-04-01T11:00:00+08:00", 15, 5);
    assert_string_equal(s->tou_period, "peak"); /* April: no critical peak */
    NEAR(s->cum_demand_cost, 50.0 + 250.0);
    r = feed_at(&g, "2026-07-01T11:00:00+08:00", 18, 5);
    assert_string_equal(s->tou_period, "critical peak");
    NEAR(s->price, 2.125);
    NEAR(s->conv.cost_hkd, 4.25);
    NEAR(s->demand_cost_month, 100.0);
    NEAR(s->cum_energy_cost, 20.93);
    NEAR(s->cum_demand_cost, 400.0);
    NEAR(s->cum_conv.cost_hkd, 420.93);
    assert_int_equal(s->billing_months, 3);
    NEAR(r.net.cost_hkd, 420.93); /* the net total takes the tariff's figure */

    mvg_payload_link link = {0, "", "", 0};
    mvg_interval_value ch[4] = {{0}};
    int64_t t;
    mvg_timefmt_parse("2026-07-01T11:00:00+08:00", &t);
    mvg_interval_record rec = record(&g, ch, t, 18, 5, 1, 0);
    char *txt = mvg_payload_interval("g", "p", 5, &rec, g.names, &r, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    assert_non_null(doc);
    json_t *s0 = json_array_get(json_object_get(doc, "streams"), 0);
    json_t *tj = json_object_get(s0, "tariff");
    assert_string_equal(json_string_value(json_object_get(tj, "period")), "critical peak");
    assert_string_equal(json_string_value(json_object_get(tj, "billing_month")), "2026-07");
    NEAR(json_real_value(json_object_get(tj, "peak_kw_savings")), 2.0);
    NEAR(json_real_value(json_object_get(tj, "demand_charge_savings")), 100.0);
    json_t *cost = json_object_get(json_object_get(s0, "cumulative"), "cost");
    NEAR(json_real_value(json_object_get(cost, "energy_hkd")), 20.93);
    NEAR(json_real_value(json_object_get(cost, "demand_hkd")), 400.0);
    assert_int_equal(json_integer_value(json_object_get(cost, "billing_months")), 3);
    json_decref(doc);
    free(txt);

    /* the accumulators survive a save and load */
    size_t cap = mvg_project_state_size(g.p), len = 0;
    void *buf = malloc(cap);
    char err[256];
    assert_int_equal(mvg_project_save(g.p, buf, cap, &len, err, sizeof err), 0);
    mvg_project *q = mvg_project_new(mvg_project_config(g.p), g.names, g.nch, err, sizeof err);
    assert_non_null(q);
    assert_int_equal(mvg_project_load(q, buf, len, err, sizeof err), 0);
    free(buf);
    mvg_project *orig = g.p;
    g.p = q;
    mvg_project_result a = feed_at(&g, "2026-07-01T15:00:00+08:00", 17, 5);
    g.p = orig;
    mvg_project_result b = feed_at(&g, "2026-07-01T15:00:00+08:00", 17, 5);
    NEAR(a.streams[0].cum_conv.cost_hkd, b.streams[0].cum_conv.cost_hkd);
    /* 15:00 used 17 kWh: the month's measured peak stays 18 kW */
    NEAR(b.streams[0].cum_demand_cost, 400.0);
    NEAR(b.streams[0].cum_energy_cost, 20.93 + 3.0 * 2.125);
    mvg_project_free(q);
    rig_close(&g);
}

/* A daily project (docs/method.md "Daily projects"), worked by hand: Hong
 * Kong local days (+08:00, 16:00Z to 16:00Z), hourly intervals, kWh a
 * counter, prod a counter (an amount: summed over the day). Baseline day
 * d = 0..11: prod 1 + d % 4 t an hour, kWh 10 + 2 prod an hour, and
 * d % 3 - 1 kWh more in its first hour, so the day is
 * Y_d = 24 (10 + 2 p_d) + (d % 3 - 1) against X_d = 24 p_d. The day
 * noise sums to 0 against every level of p_d (12 = lcm(3, 4)), so OLS gives
 * exactly Y = 240 + 2 X, with residuals (not a perfect fit).
 * Reporting: 8 + 2 prod an hour, 48 kWh a day below the model: day 0
 * (p 2) 336 predicted, 288 used; day 1 (p 3) lacks an hour: not counted;
 * day 2 (p 3) 384 predicted, 336 used, after a save and load mid-day.
 * Annual: mean prediction over the baseline days 240 + 2 x 60 = 360,
 * x 365 days = 131,400 kWh; fraction 96 / 720; annual savings 17,520. */
static const char *DAILY =
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
    "  granularity = \"daily\"; utc_offset = \"+08:00\";\n"
    "  baseline = { start = \"2026-01-01T00:00:00+08:00\"; end = \"2026-01-13T00:00:00+08:00\"; };\n"
    "  reporting = { start = \"2026-01-13T00:00:00+08:00\"; };\n"
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "    model = { type = \"linear\"; x = [ \"m.prod\" ]; }; } ); } );\n";

static mvg_project_result feed_day_hour(rig *g, int64_t day0, int h, double kwh, double prod,
                                        double coverage)
{
    return feed(g, day0 + h * H, kwh, prod, coverage);
}

static void test_daily_project(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, DAILY);
    const int64_t D0 = T0 - 8 * H; /* 2026-01-01T00:00+08:00 */
    mvg_project_result r;
    for (int d = 0; d < 12; d++) {
        double p = 1 + d % 4;
        for (int h = 0; h < 24; h++) {
            r = feed_day_hour(&g, D0 + d * 24 * H, h, 10 + 2 * p + (h == 0 ? d % 3 - 1 : 0), p, 1);
            const mvg_stream_result *s = &r.streams[0];
            assert_int_equal(r.phase, MVG_PHASE_BASELINE);
            assert_true(r.daily);
            assert_int_equal(s->day_closed, h == 23);
            assert_true(isnan(s->savings));
        }
        const mvg_dayrow *day = &r.streams[0].day;
        assert_true(day->complete);
        assert_int_equal(day->start_ms, D0 + d * 24 * H);
        assert_true(fabs(day->y - (24 * (10 + 2 * p) + (d % 3 - 1))) < 1e-9);
        assert_true(fabs(day->x[0] - 24 * p) < 1e-9);
        assert_int_equal(r.streams[0].baseline_rows, (size_t)d + 1);
    }
    const int64_t R0 = D0 + 12 * 24 * H;
    for (int h = 0; h < 24; h++) {
        r = feed_day_hour(&g, R0, h, 12, 2, 1);
        if (h == 0) {
            assert_true(r.fitted_now);
            const mvg_model *m = mvg_project_model(g.p, 0, NULL);
            assert_non_null(m);
            assert_int_equal(m->granularity, MVG_GRAN_DAILY);
            assert_int_equal(m->n, 12);
            assert_true(fabs(m->coef[0] - 240.0) < 1e-9 && fabs(m->coef[1] - 2.0) < 1e-9);
            assert_true(m->cv_rmse > 0.0);
        }
        assert_int_equal(r.streams[0].m, h == 23 ? 1 : 0);
    }
    const mvg_stream_result *s = &r.streams[0];
    assert_true(s->day_closed && s->day.complete);
    assert_true(fabs(s->day_adjusted_baseline - 336.0) < 1e-9);
    assert_true(fabs(s->day_avoided - 48.0) < 1e-9);
    assert_true(fabs(s->covered_hours - 24.0) < 1e-12);
    char line[600];
    mvg_logfmt_stream("p", &r, 0, line, sizeof line);
    if (!strstr(line, "; day 2026-01-12T16:00Z: actual 288, adjusted baseline 336, avoided 48 kWh | "
                      "cumulative 48 kWh over 1 days"))
        fprintf(stderr, "%s\n", line);
    assert_non_null(strstr(line, "; day 2026-01-12T16:00Z: actual 288, adjusted baseline 336, "
                                 "avoided 48 kWh | cumulative 48 kWh over 1 days"));
    mvg_payload_link link = {0, "", "", 1};
    mvg_interval_value ch[4] = {{0}};
    mvg_interval_record rec = record(&g, ch, R0 + 23 * H, 12, 2, 1, 0);
    char *txt = mvg_payload_interval("g", "p", 1, &rec, g.names, &r, &link);
    json_t *doc = json_loads(txt, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "granularity")), "daily");
    json_t *st = json_array_get(json_object_get(doc, "streams"), 0);
    json_t *dj = json_object_get(st, "day");
    assert_true(json_is_object(dj));
    assert_true(json_is_null(json_object_get(st, "savings")));
    assert_true(json_is_true(json_object_get(dj, "complete")));
    assert_int_equal(json_integer_value(json_object_get(dj, "valid")), 24);
    assert_true(fabs(json_number_value(json_object_get(dj, "adjusted_baseline")) - 336.0) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(dj, "actual")) - 288.0) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(json_object_get(dj, "converted"), "kwh")) -
                     48.0) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(dj, "start")), "2026-01-12T16:00:00.000Z");
    json_decref(doc);
    free(txt);

    /* day 1: hour 5 not covered: the day is reported, not counted */
    for (int h = 0; h < 24; h++)
        r = feed_day_hour(&g, R0 + 24 * H, h, 14, 3, h == 5 ? 0.0 : 1.0);
    s = &r.streams[0];
    assert_true(s->day_closed && !s->day.complete);
    assert_int_equal(s->day.valid, 23);
    assert_true(isnan(s->day_adjusted_baseline));
    assert_int_equal(s->m, 1);
    mvg_logfmt_stream("p", &r, 0, line, sizeof line);
    assert_non_null(strstr(line, "; day 2026-01-13T16:00Z not counted (23 of 24 intervals valid)"));

    /* day 2: saved and loaded after 10 hours; both go on alike */
    for (int h = 0; h < 10; h++)
        feed_day_hour(&g, R0 + 48 * H, h, 14, 3, 1);
    mvg_project *q = restored_copy(&g);
    mvg_project *orig = g.p;
    mvg_project_result a, b;
    for (int h = 10; h < 24; h++) {
        g.p = q;
        a = feed_day_hour(&g, R0 + 48 * H, h, 14, 3, 1);
        g.p = orig;
        b = feed_day_hour(&g, R0 + 48 * H, h, 14, 3, 1);
    }
    mvg_project_free(q);
    assert_int_equal(memcmp(&a.streams[0], &b.streams[0], sizeof a.streams[0]), 0);
    s = &b.streams[0];
    assert_true(s->day.complete);
    assert_true(fabs(s->day_adjusted_baseline - 384.0) < 1e-9);
    assert_int_equal(s->m, 2);
    assert_true(fabs(s->cum_avoided - 96.0) < 1e-9);
    assert_true(fabs(s->annual_baseline - 131400.0) < 1e-6);
    assert_true(fabs(s->annual_savings - 17520.0) < 1e-6);
    assert_true(isfinite(s->fsu));
    rig_close(&g);
}

/* What a daily project refuses, with the file and line. */
static void test_daily_config_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *keys, *want;
    } cases[] = {
        {"granularity = \"daily\"; utc_offset = \"+05:45\";",
         "345 min is not a multiple of the 60 min interval"},
        {"granularity = \"daily\"; utc_offset = \"+8\";", "utc_offset '+8' must be an offset"},
        {"utc_offset = \"+08:00\";", "'utc_offset' applies only with granularity = \"daily\""},
        {"granularity = \"weekly\";", "granularity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cfg[2048];
        snprintf(cfg, sizeof cfg,
                 "projects = ( { name = \"p\"; interval_min = 60; %s\n"
                 "  baseline = { start = \"2026-01-01\"; end = \"2026-01-13\"; };\n"
                 "  reporting = { start = \"2026-01-13\"; };\n"
                 "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; "
                 "actual = \"m.kwh\";\n"
                 "    model = { type = \"linear\"; x = [ \"m.prod\" ]; }; } ); } );\n",
                 cases[i].keys);
        char *text = refused(cfg);
        if (!strstr(text, cases[i].want) || !strstr(text, ":6:"))
            fprintf(stderr, "case %zu: %s\n", i, text);
        assert_non_null(strstr(text, cases[i].want));
        assert_non_null(strstr(text, ":6:")); /* the project's line */
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_given_in_config_and_adjustments),
        cmocka_unit_test(test_fit_on_command_and_coverage_threshold),
        cmocka_unit_test(test_undefined_figures_per_phase),
        cmocka_unit_test(test_clock_step_keeps_baseline),
        cmocka_unit_test(test_reload_matching_rule),
        cmocka_unit_test(test_pollutants_against_the_old_system),
        cmocka_unit_test(test_annual_rule),
        cmocka_unit_test(test_annual_over_the_calendar),
        cmocka_unit_test(test_annual_calendar_class_without_baseline),
        cmocka_unit_test(test_annual_calendar_rule),
        cmocka_unit_test(test_demand_and_time_of_use),
        cmocka_unit_test(test_screening),
        cmocka_unit_test(test_change_point_with_load),
        cmocka_unit_test(test_auto_candidates),
        cmocka_unit_test(test_screening_config),
        cmocka_unit_test(test_flow_state_in_fingerprint),
        cmocka_unit_test(test_daily_project),
        cmocka_unit_test(test_daily_config_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
