/*
 * test_templates.c: every project template of config/templates/ run through
 * the engine as the daemon runs it (config loader -> runner -> intervals ->
 * project): ten days of simulated baseline data of a plant whose use is an
 * exact linear function of its drivers, a day of installation, then four
 * days of reporting with the retrofit using a known fraction less. The
 * fitted model must recover the relation (ASHRAE 14 pass) and the verified
 * savings fraction must equal the one built into the data.
 *
 * Loads are smooth functions of time sampled every minute; counters are
 * their exact integrals, so the only error left is the trapezoid rule on
 * the rates, well below the tolerances used.
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

#include "config.h"
#include "diag.h"
#include "runner.h"

#define T0_MS 1735689600000LL /* 2025-01-01T00:00:00Z, the templates' baseline start */
#define STEP_MS 60000LL
#define DAYS 15

/* Plant state at time t (hours since T0): loads in [0.1, 1]. */
static double load(double h) { return 0.55 + 0.3 * sin(2 * M_PI * h / 24.0) + 0.1 * sin(2 * M_PI * h / 7.3); }
static double ambient(double h) { return 18.0 + 6.0 * sin(2 * M_PI * (h - 9) / 24.0) + 2.0 * sin(2 * M_PI * h / 61.0); }
static int retrofit(double h) { return h >= 11 * 24.0; }

/* One point's value: rate (per hour) for counters, value for gauges. The
 * counter itself is integrated by the harness. */
typedef double (*gen_fn)(double h);

typedef struct {
    const char *device, *point, *unit;
    int counter;
    gen_fn f;
} gen_point;

typedef struct {
    const char *file;          /* config/templates/<file>.conf */
    const gen_point *points;
    size_t npoints;
    const char *stream[2];
    double want_fraction[2];   /* savings / adjusted baseline */
    double want_removal;       /* > 0: the removal efficiency of the first stream (voc) */
} template_case;

/* ---- air compressor: kWh = 25 kW idle + 0.09 kWh per m3, VSD uses 20 % less */
static double air_m3h(double h) { return 600.0 * load(h); }
static double comp_kw(double h) { return (25.0 + 0.09 * air_m3h(h)) * (retrofit(h) ? 0.8 : 1.0); }
static const gen_point air_points[] = {
    {"comp1", "kwh", "kWh", 1, comp_kw},
    {"air1", "volume_m3", "m3", 1, air_m3h},
};

/* ---- chiller: kW = 20 + 0.18 * cooling kW + 3 * (t_cond - 28); new chiller 30 % less */
static double chw_flow(double h) { return 120.0 * load(h); }
static double t_supply(double h) { (void)h; return 7.0; }
static double t_return(double h) { return 7.0 + 4.0 + 2.0 * load(h); }
static double t_cond(double h) { return 28.0 + 0.5 * (ambient(h) - 18.0); }
static double chiller_kw(double h)
{
    double cooling = 1.163 * chw_flow(h) * (t_return(h) - t_supply(h));
    return (20.0 + 0.18 * cooling + 3.0 * (t_cond(h) - 28.0)) * (retrofit(h) ? 0.7 : 1.0);
}
static const gen_point chiller_points[] = {
    {"chiller1", "kwh", "kWh", 1, chiller_kw},
    {"chw", "flow_m3h", "m3/h", 0, chw_flow},
    {"chw", "t_supply", "degC", 0, t_supply},
    {"chw", "t_return", "degC", 0, t_return},
    {"cw", "t_cond", "degC", 0, t_cond},
};

/* ---- heat pump: kW = 5 + heat / 3 + 0.4 * (20 - ambient); 25 % less */
static double heat_kw(double h) { return 90.0 * load(h); }
static double hp_kw(double h)
{
    return (5.0 + heat_kw(h) / 3.0 + 0.4 * (20.0 - ambient(h))) * (retrofit(h) ? 0.75 : 1.0);
}
static const gen_point heat_pump_points[] = {
    {"hp", "kwh", "kWh", 1, hp_kw},
    {"heat", "kwh_th", "kWh", 1, heat_kw},
    {"amb", "t", "degC", 0, ambient},
};

/* ---- boiler: gas Nm3 = 12 + 75 per t of steam; low-NOx burner: gas -8 %,
 * NOx concentration 150 -> 60 mg/Nm3 at 3 % O2, flue gas 11 Nm3 per Nm3 of gas */
static double steam_th(double h) { return 2.0 * load(h); }
static double gas_nm3h(double h) { return (12.0 + 75.0 * steam_th(h)) * (retrofit(h) ? 0.92 : 1.0); }
static double nox_conc(double h) { return retrofit(h) ? 60.0 : 150.0; }
static double o2_pct(double h) { (void)h; return 3.0; }
static double flue_nm3h(double h) { return 11.0 * gas_nm3h(h); }
static const gen_point boiler_points[] = {
    {"boiler", "gas_nm3", "Nm3", 1, gas_nm3h},   {"boiler", "steam_t", "t", 1, steam_th},
    {"boiler", "nox_mgnm3", "mg/Nm3", 0, nox_conc}, {"boiler", "o2_pct", "%", 0, o2_pct},
    {"boiler", "flue_nm3h", "Nm3/h", 0, flue_nm3h},
};

/* ---- VOC treatment: 400..600 mg/Nm3 in; the old unit lets 20 % through,
 * the new one 5 % (95 % removal), same flow: the saving against the old unit
 * is 1 - 0.05 / 0.20 = 75 % of its outlet emission, not the 95 % removed.
 * The new unit's fan needs 30 % more power. */
static double voc_in_conc(double h) { return 400.0 + 200.0 * load(h); }
static double voc_out_conc(double h) { return (retrofit(h) ? 0.05 : 0.20) * voc_in_conc(h); }
static double voc_fan_kw(double h) { return (5.0 + 0.001 * (20000.0 + 5000.0 * load(h))) * (retrofit(h) ? 1.3 : 1.0); }
static double voc_flow(double h) { return 20000.0 + 5000.0 * load(h); }
static const gen_point voc_points[] = {
    {"voc_in", "conc_mgnm3", "mg/Nm3", 0, voc_in_conc},
    {"voc_in", "flow_nm3h", "Nm3/h", 0, voc_flow},
    {"voc_out", "conc_mgnm3", "mg/Nm3", 0, voc_out_conc},
    {"fan", "kwh", "kWh", 1, voc_fan_kw},
    {"voc_out", "flow_nm3h", "Nm3/h", 0, voc_flow},
};

/* ---- water recycling: intake 3 + 9 m3 per t (recycling: -40 %), discharge 2 + 8 (-50 %) */
static double output_th(double h) { return 6.0 * load(h); }
static double intake(double h) { return (3.0 + 9.0 * output_th(h)) * (retrofit(h) ? 0.6 : 1.0); }
static double discharge(double h) { return (2.0 + 8.0 * output_th(h)) * (retrofit(h) ? 0.5 : 1.0); }
static const gen_point water_points[] = {
    {"water", "intake_m3", "m3", 1, intake},
    {"ww", "discharge_m3", "m3", 1, discharge},
    {"prod", "output_t", "t", 1, output_th},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* NOx savings fraction: mass ~ conc * flue flow; both change. */
#define NOX_FRACTION (1.0 - (60.0 * 0.92) / 150.0)

static const template_case cases[] = {
    {"air_compressor", air_points, N(air_points), {"electricity", NULL}, {0.20, 0}, 0},
    {"chiller", chiller_points, N(chiller_points), {"electricity", NULL}, {0.30, 0}, 0},
    {"heat_pump", heat_pump_points, N(heat_pump_points), {"electricity", NULL}, {0.25, 0}, 0},
    {"boiler", boiler_points, N(boiler_points), {"gas", "nox"}, {0.08, NOX_FRACTION}, 0},
    {"voc_treatment", voc_points, N(voc_points), {"voc", NULL}, {0.75, 0}, 0.95},
    {"wastewater_recycling", water_points, N(water_points), {"freshwater", "wastewater"},
     {0.40, 0.50}, 0},
};

/* Writes gateway + one bus + a device per distinct device name (holding
 * float64 points; the test feeds the runner directly) + the template. */
static char *build_config(const template_case *tc, char *path, size_t pathlen)
{
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/config/templates/%s.conf", MVG_SOURCE_DIR, tc->file);
    FILE *in = fopen(tmpl, "r");
    assert_non_null(in);
    snprintf(path, pathlen, "/tmp/mvg-test-templates-%s-XXXXXX", tc->file);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    fprintf(out, "gateway = { id = \"gw\"; site = \"test\"; data_dir = \"/tmp\"; };\n"
                 "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
                 "devices = (\n");
    int unit = 1;
    for (size_t i = 0; i < tc->npoints; i++) {
        int first = 1;
        for (size_t k = 0; k < i; k++)
            first &= strcmp(tc->points[k].device, tc->points[i].device) != 0;
        if (!first)
            continue;
        fprintf(out, "%s  { name = \"%s\"; bus = \"lan\"; unit_id = %d; interval_ms = 60000; points = (",
                unit > 1 ? ",\n" : "", tc->points[i].device, unit);
        unit++;
        unsigned addr = 0;
        for (size_t k = i; k < tc->npoints; k++) {
            if (strcmp(tc->points[k].device, tc->points[i].device) != 0)
                continue;
            fprintf(out, "%s { name = \"%s\"; area = \"holding\"; address = %u; type = \"float64\"; "
                         "unit = \"%s\"; kind = \"%s\"; }",
                    addr ? "," : "", tc->points[k].point, addr, tc->points[k].unit,
                    tc->points[k].counter ? "counter" : "gauge");
            addr += 4;
        }
        fprintf(out, " ); }");
    }
    fprintf(out, "\n);\n");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    return path;
}

typedef struct {
    mvg_project_result last;
    size_t reporting, baseline, fitted;
} sink;

static void on_result(void *user, size_t project, const mvg_interval_record *rec,
                      const mvg_project_result *res)
{
    (void)project;
    (void)rec;
    sink *s = user;
    s->last = *res;
    s->reporting += res->phase == MVG_PHASE_REPORTING;
    s->baseline += res->phase == MVG_PHASE_BASELINE;
    s->fitted += res->fitted_now;
}

static const mvg_stream_result *find_stream(const mvg_project_result *r, const char *name)
{
    for (size_t i = 0; i < r->nstreams; i++)
        if (strcmp(r->streams[i].name, name) == 0)
            return &r->streams[i];
    return NULL;
}

/* Runs the case; restarts (state saved to bytes, a new runner loads it)
 * at each time in restart_h (hours, ascending, -1 terminated). */
static void run_case_restarting(const template_case *tc, const double *restart_h, sink *out);

static void run_case(const template_case *tc)
{
    static const double none[] = {-1};
    sink s;
    run_case_restarting(tc, none, &s);
}

static void run_case_restarting(const template_case *tc, const double *restart_h, sink *out)
{
    char path[256];
    build_config(tc, path, sizeof path);
    mvg_diags *d = mvg_diags_new();
    mvg_config_opts o = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"}; /* and the grid table beside them */
    mvg_config *cfg = mvg_config_load(path, &o, d);
    if (!cfg)
        mvg_diags_print(d, stderr);
    assert_non_null(cfg);
    unlink(path);
    char err[256];
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    if (!r)
        fprintf(stderr, "%s: %s\n", tc->file, err);
    assert_non_null(r);
    assert_int_equal(mvg_runner_project_count(r), 1);

    /* point -> (device index, point index); counters start at 1000 */
    size_t dev[8], pt[8];
    double counter[8];
    for (size_t i = 0; i < tc->npoints; i++) {
        long di = mvg_config_find_device(cfg, tc->points[i].device);
        assert_true(di >= 0);
        long pi = mvg_config_find_point(&cfg->devices[di], tc->points[i].point);
        assert_true(pi >= 0);
        dev[i] = (size_t)di;
        pt[i] = (size_t)pi;
        counter[i] = 1000.0;
    }
    sink s = {0};
    mvg_sample samples[8];
    double step_h = (double)STEP_MS / 3600000.0;
    for (int64_t t = T0_MS; t <= T0_MS + DAYS * 86400000LL; t += STEP_MS) {
        double h = (double)(t - T0_MS) / 3600000.0;
        for (size_t i = 0; i < tc->npoints; i++) {
            if (!tc->points[i].counter)
                continue;
            if (t > T0_MS) /* exact enough: Simpson over the minute */
                counter[i] += step_h / 6.0 *
                              (tc->points[i].f(h - step_h) + 4 * tc->points[i].f(h - step_h / 2) +
                               tc->points[i].f(h));
        }
        for (size_t di = 0; di < cfg->ndevices; di++) {
            const mvg_device_cfg *dv = &cfg->devices[di];
            for (size_t k = 0; k < dv->npoints; k++)
                samples[k] = (mvg_sample){.ts_ms = t, .value = NAN, .quality = MVG_Q_COMM_ERROR};
            for (size_t i = 0; i < tc->npoints; i++)
                if (dev[i] == di)
                    samples[pt[i]] = (mvg_sample){
                        .ts_ms = t,
                        .value = tc->points[i].counter ? counter[i] : tc->points[i].f(h),
                        .quality = MVG_Q_GOOD};
            mvg_runner_push(r, di, samples, dv->npoints);
        }
        mvg_runner_advance(r, t, on_result, &s);
        if (*restart_h >= 0 && h >= *restart_h) {
            restart_h++;
            size_t cap = mvg_runner_state_size(r), len = 0;
            void *buf = malloc(cap);
            assert_non_null(buf);
            assert_int_equal(mvg_runner_save(r, buf, cap, &len, err, sizeof err), 0);
            mvg_runner_free(r);
            r = mvg_runner_new(cfg, 1.0, err, sizeof err);
            assert_non_null(r);
            int rc = mvg_runner_load(r, buf, len, err, sizeof err);
            if (rc != 0)
                fprintf(stderr, "load: %s\n", err);
            assert_int_equal(rc, 0);
            free(buf);
        }
    }
    *out = s;
    assert_int_equal(s.fitted, 1);
    assert_true(s.baseline >= 10 * 96 - 2);
    assert_true(s.reporting >= 3 * 96);
    for (size_t k = 0; k < 2 && tc->stream[k]; k++) {
        const mvg_stream_result *st = find_stream(&s.last, tc->stream[k]);
        assert_non_null(st);
        if (k == 0 && tc->want_removal > 0) {
            /* VOC: the removal by the new unit is reported beside the saving */
            if (fabs(st->removal_efficiency - tc->want_removal) > 0.002 || getenv("MVG_TEST_VERBOSE"))
                fprintf(stderr, "%s/%s: removal %.4f, want %.4f\n", tc->file, st->name,
                        st->removal_efficiency, tc->want_removal);
            assert_true(fabs(st->removal_efficiency - tc->want_removal) <= 0.002);
            assert_true(st->cum_removal > st->cum_savings);
        }
        assert_true(st->model_ready);
        if (!st->model_pass || fabs(st->savings_fraction - tc->want_fraction[k]) > 0.002 || getenv("MVG_TEST_VERBOSE"))
            fprintf(stderr, "%s/%s: pass %d, savings fraction %.4f, want %.4f (m %zu)\n", tc->file,
                    st->name, st->model_pass, st->savings_fraction, tc->want_fraction[k], st->m);
        assert_true(st->model_pass);
        assert_true(fabs(st->savings_fraction - tc->want_fraction[k]) <= 0.002);
        assert_true(st->cum_savings > 0);
        assert_true(isfinite(st->fsu) && st->fsu > 0 && st->fsu < 0.2);
        assert_true(st->savings_low < st->cum_savings && st->cum_savings < st->savings_high);
        assert_true(st->annual_savings > st->cum_savings);
    }
    mvg_runner_free(r);
    mvg_config_free(cfg);
    mvg_diags_free(d);
}

static void test_template(void **state) { run_case(*state); }

/* Restarts mid-baseline, mid-installation and mid-reporting (the runner
 * state as bytes, into a new runner) give exactly the uninterrupted
 * results: every accumulator, collected row and frozen model survives. */
static void test_restarts_are_exact(void **state)
{
    (void)state;
    static const double none[] = {-1};
    static const double restarts[] = {5 * 24 + 0.3, 10 * 24 + 7.9, 11 * 24 + 12.2, 13 * 24 + 1, -1};
    for (size_t c = 0; c < N(cases); c++) {
        sink a, b;
        run_case_restarting(&cases[c], none, &a);
        run_case_restarting(&cases[c], restarts, &b);
        assert_int_equal(a.reporting, b.reporting);
        assert_int_equal(a.baseline, b.baseline);
        assert_int_equal(a.fitted, b.fitted);
        assert_int_equal(a.last.nstreams, b.last.nstreams);
        for (size_t k = 0; k < a.last.nstreams; k++) {
            const mvg_stream_result *x = &a.last.streams[k], *y = &b.last.streams[k];
            assert_true(x->cum_savings == y->cum_savings);
            assert_true(x->cum_actual == y->cum_actual);
            assert_true(x->cum_adjusted_baseline == y->cum_adjusted_baseline);
            assert_true(x->m == y->m);
            assert_true((isnan(x->fsu) && isnan(y->fsu)) || x->fsu == y->fsu);
        }
    }
}

int main(void)
{
    struct CMUnitTest tests[N(cases) + 1];
    for (size_t i = 0; i < N(cases); i++)
        tests[i] = (struct CMUnitTest){cases[i].file, test_template, NULL, NULL, (void *)&cases[i]};
    tests[N(cases)] = (struct CMUnitTest){"restarts_are_exact", test_restarts_are_exact, NULL, NULL, NULL};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
