/*
 * Unit tests of mvgate-sim's plant models, register image and control
 * commands, linked against mvg_sim (all of mvgate-sim but its main.c).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_control.h"
#include "sim_plant.h"
#include "sim_regs.h"

#include <jansson.h>

#include "codec.h"

/* Monday 2026-03-02 00:00 at the site (UTC+8) = 2026-03-01T16:00:00Z. */
static const double MONDAY = 1772380800.0;
#define DAY 86400.0

static size_t point_index(mvg_sim_plant_kind k, int unit, const char *name)
{
    size_t n;
    const mvg_sim_point *pts = mvg_sim_plant_points(k, &n);
    for (size_t i = 0; i < n; i++)
        if (pts[i].unit == unit && strcmp(pts[i].name, name) == 0)
            return i;
    fail_msg("no point %d/%s", unit, name);
    return 0;
}

static void test_monday_is_monday(void **state)
{
    (void)state;
    assert_int_equal(mvg_sim_plant_site_dow(MONDAY + 1), 1);
    assert_true(mvg_sim_plant_site_hour(MONDAY + 1) < 0.01);
    assert_true(fabs(mvg_sim_plant_site_hour(MONDAY + 8.5 * 3600) - 8.5) < 1e-9);
    assert_int_equal(mvg_sim_plant_site_dow(MONDAY + 5 * DAY + 3600), 6); /* Saturday */
}

/* The same seed gives the same plant whatever the pattern of advance calls. */
static void test_deterministic_in_time(void **state)
{
    (void)state;
    for (int k = 0; k < MVG_SIM_NPLANTS; k++) {
        mvg_sim_plant *a = mvg_sim_plant_new((mvg_sim_plant_kind)k, MVG_SIM_BASELINE, 42, MONDAY + 0.25);
        mvg_sim_plant *b = mvg_sim_plant_new((mvg_sim_plant_kind)k, MVG_SIM_BASELINE, 42, MONDAY + 0.25);
        mvg_sim_plant *c = mvg_sim_plant_new((mvg_sim_plant_kind)k, MVG_SIM_BASELINE, 43, MONDAY + 0.25);
        double end = MONDAY + 3 * 3600 + 0.7;
        mvg_sim_plant_advance(a, end);
        for (double t = MONDAY; t < end; t += 0.37)
            mvg_sim_plant_advance(b, t);
        mvg_sim_plant_advance(b, end);
        mvg_sim_plant_advance(c, end);
        size_t n;
        mvg_sim_plant_points((mvg_sim_plant_kind)k, &n);
        int differs = 0;
        for (size_t i = 0; i < n; i++) {
            double va = mvg_sim_plant_value(a, i), vb = mvg_sim_plant_value(b, i);
            assert_true(isfinite(va));
            /* Counters: the same steps summed in the same order, plus the
             * same fraction of the running step. */
            assert_true(fabs(va - vb) <= 1e-9 * fabs(va));
            if (fabs(va - mvg_sim_plant_value(c, i)) > 1e-9)
                differs = 1;
        }
        assert_true(differs); /* another seed, another plant */
        mvg_sim_plant_free(a);
        mvg_sim_plant_free(b);
        mvg_sim_plant_free(c);
    }
}

/* Every counter is the integral of its rate, including inside a step. */
static void test_counters_are_integrals(void **state)
{
    (void)state;
    for (int k = 0; k < MVG_SIM_NPLANTS; k++) {
        size_t n;
        const mvg_sim_point *pts = mvg_sim_plant_points((mvg_sim_plant_kind)k, &n);
        mvg_sim_plant *p = mvg_sim_plant_new((mvg_sim_plant_kind)k, MVG_SIM_RETROFIT, 5, MONDAY + 6 * 3600);
        double start[MVG_SIM_MAX_POINTS], sum[MVG_SIM_MAX_POINTS] = {0};
        for (size_t i = 0; i < n; i++)
            start[i] = mvg_sim_plant_value(p, i);
        double t = mvg_sim_plant_time(p);
        for (int s = 0; s < 4 * 3600; s++) {
            for (size_t i = 0; i < n; i++)
                sum[i] += mvg_sim_plant_rate(p, i) * 0.5;
            t += 0.5; /* half steps: the running-step part must be exact too */
            mvg_sim_plant_advance(p, t);
        }
        int counters = 0;
        for (size_t i = 0; i < n; i++) {
            if (pts[i].kind != MVG_KIND_COUNTER) {
                assert_true(mvg_sim_plant_rate(p, i) == 0.0);
                continue;
            }
            counters++;
            double delta = mvg_sim_plant_value(p, i) - start[i];
            assert_true(delta > 0);
            assert_true(fabs(delta - sum[i]) <= 1e-9 * delta + 1e-9);
        }
        assert_true(counters >= 1);
        mvg_sim_plant_free(p);
    }
}

typedef struct {
    double use;     /* the savings stream's counter delta */
    double driver;  /* the independent variable's counter delta */
} week_totals;

/* Runs `days` days from a Friday 00:00 (site time) when days < 7, so that
 * short runs still cover weekdays and a weekend; a week starts on Monday. */
static week_totals run_days(mvg_sim_plant_kind k, mvg_sim_phase ph, uint64_t seed, size_t use_i, size_t driver_i,
                            double days)
{
    double start = days < 7 ? MONDAY + 4 * DAY : MONDAY;
    mvg_sim_plant *p = mvg_sim_plant_new(k, ph, seed, start);
    double u0 = mvg_sim_plant_value(p, use_i), d0 = mvg_sim_plant_value(p, driver_i);
    mvg_sim_plant_advance(p, start + days * DAY);
    week_totals w = {mvg_sim_plant_value(p, use_i) - u0, mvg_sim_plant_value(p, driver_i) - d0};
    mvg_sim_plant_free(p);
    return w;
}

/* The compressor retrofit saves 25-35 % of a week's energy for the same air. */
static void test_compressor_week_savings(void **state)
{
    (void)state;
    size_t kwh = point_index(MVG_SIM_COMPRESSOR, 1, "energy_kwh");
    size_t m3 = point_index(MVG_SIM_COMPRESSOR, 2, "volume_m3");
    week_totals b = run_days(MVG_SIM_COMPRESSOR, MVG_SIM_BASELINE, 1, kwh, m3, 7);
    week_totals r = run_days(MVG_SIM_COMPRESSOR, MVG_SIM_RETROFIT, 1, kwh, m3, 7);
    assert_true(fabs(b.driver - r.driver) < 1e-6 * b.driver); /* same air demand */
    /* Demand 2..9 m3/min, so a week of air is 20,160..90,720 m3. */
    assert_true(b.driver > 20000 && b.driver < 90000);
    double savings = 1.0 - r.use / b.use;
    print_message("compressor week: %.0f m3, baseline %.0f kWh, retrofit %.0f kWh, savings %.1f %%\n", b.driver,
                  b.use, r.use, 100 * savings);
    assert_true(savings > 0.25 && savings < 0.35);
}

static void test_chiller_week_savings(void **state)
{
    (void)state;
    size_t kwh = point_index(MVG_SIM_CHILLER, 1, "energy_kwh");
    size_t q = point_index(MVG_SIM_CHILLER, 2, "cooling_kwh");
    week_totals b = run_days(MVG_SIM_CHILLER, MVG_SIM_BASELINE, 2, kwh, q, 3);
    week_totals r = run_days(MVG_SIM_CHILLER, MVG_SIM_RETROFIT, 2, kwh, q, 3);
    assert_true(fabs(b.driver - r.driver) < 1e-6 * b.driver);
    double cop_b = b.driver / b.use, cop_r = r.driver / r.use;
    print_message("chiller, 3 days: %.0f kWh cooling, COP %.2f -> %.2f, savings %.1f %%\n", b.driver, cop_b, cop_r,
                  100 * (1 - r.use / b.use));
    assert_true(cop_b > 3.5 && cop_b < 6.0);
    assert_true(cop_r > cop_b * 1.2 && cop_r < 10.0);
}

static void test_boiler_week_savings(void **state)
{
    (void)state;
    size_t gas = point_index(MVG_SIM_BOILER, 1, "gas_nm3");
    size_t steam = point_index(MVG_SIM_BOILER, 3, "steam_t");
    week_totals b = run_days(MVG_SIM_BOILER, MVG_SIM_BASELINE, 3, gas, steam, 3);
    week_totals r = run_days(MVG_SIM_BOILER, MVG_SIM_RETROFIT, 3, gas, steam, 3);
    assert_true(fabs(b.driver - r.driver) < 1e-6 * b.driver);
    /* Independent check of the fuel balance: 653 kW per t/h of steam,
     * 36 MJ/Nm3, efficiency 80-86 % in the baseline. */
    double eff_b = b.driver * 653.0 * 3.6 / (b.use * 36.0);
    double eff_r = r.driver * 653.0 * 3.6 / (r.use * 36.0);
    print_message("boiler, 3 days: %.0f t steam, efficiency %.3f -> %.3f\n", b.driver, eff_b, eff_r);
    assert_true(eff_b > 0.80 && eff_b < 0.86);
    assert_true(eff_r > eff_b + 0.02 && eff_r < 0.89);
}

static void test_wastewater_week(void **state)
{
    (void)state;
    size_t dis = point_index(MVG_SIM_WASTEWATER, 4, "volume_m3");
    size_t prod = point_index(MVG_SIM_WASTEWATER, 1, "output_t");
    week_totals b = run_days(MVG_SIM_WASTEWATER, MVG_SIM_BASELINE, 4, dis, prod, 3);
    week_totals r = run_days(MVG_SIM_WASTEWATER, MVG_SIM_RETROFIT, 4, dis, prod, 3);
    assert_true(fabs(b.driver - r.driver) < 1e-6 * b.driver);
    double cut = 1.0 - r.use / b.use;
    print_message("wastewater, 3 days: %.0f t, discharge %.0f -> %.0f m3 (-%.1f %%)\n", b.driver, b.use, r.use,
                  100 * cut);
    assert_true(cut >= 0.30 && cut <= 0.50);
}

/* Mass balance of the water meters at every step: intake + recycled =
 * process use, discharge = 90 % of use - recycled. */
static void test_wastewater_balance(void **state)
{
    (void)state;
    mvg_sim_plant *p = mvg_sim_plant_new(MVG_SIM_WASTEWATER, MVG_SIM_RETROFIT, 9, MONDAY);
    size_t in = point_index(MVG_SIM_WASTEWATER, 2, "flow_m3h");
    size_t rec = point_index(MVG_SIM_WASTEWATER, 3, "flow_m3h");
    size_t dis = point_index(MVG_SIM_WASTEWATER, 4, "flow_m3h");
    for (int h = 0; h < 48; h++) {
        mvg_sim_plant_advance(p, MONDAY + h * 3600.0);
        double use = mvg_sim_plant_value(p, in) + mvg_sim_plant_value(p, rec);
        assert_true(fabs(mvg_sim_plant_value(p, dis) - (0.9 * use - mvg_sim_plant_value(p, rec))) < 1e-9);
        const char *names[4];
        double vals[4];
        mvg_sim_plant_state(p, names, vals, 4);
        assert_string_equal(names[0], "process_water_m3h");
        assert_true(fabs(vals[0] - use) < 1e-9);
    }
    mvg_sim_plant_free(p);
}

static void test_voc_removal(void **state)
{
    (void)state;
    size_t cin = point_index(MVG_SIM_VOC, 2, "voc_mgnm3"), cout = point_index(MVG_SIM_VOC, 3, "voc_mgnm3");
    double min_b = 1, max_b = 0;
    /* 40 days at 6-hour samples: the carbon goes through a whole change
     * cycle. The models are pure functions of time, so each sample is a
     * plant started right there instead of 40 days of steps. */
    for (int i = 1; i <= 160; i++) {
        double t = MONDAY + i * 6 * 3600.0;
        mvg_sim_plant *b = mvg_sim_plant_new(MVG_SIM_VOC, MVG_SIM_BASELINE, 6, t);
        mvg_sim_plant *r = mvg_sim_plant_new(MVG_SIM_VOC, MVG_SIM_RETROFIT, 6, t);
        double eb = 1 - mvg_sim_plant_value(b, cout) / mvg_sim_plant_value(b, cin);
        double er = 1 - mvg_sim_plant_value(r, cout) / mvg_sim_plant_value(r, cin);
        assert_true(er > 0.95);
        assert_true(eb < er);
        min_b = eb < min_b ? eb : min_b;
        max_b = eb > max_b ? eb : max_b;
        assert_true(fabs(mvg_sim_plant_value(b, cin) - mvg_sim_plant_value(r, cin)) < 1e-9);
        mvg_sim_plant_free(b);
        mvg_sim_plant_free(r);
    }
    assert_true(max_b > 0.85 && min_b < 0.55);
}

static double state_of(const mvg_sim_plant *p, const char *name)
{
    const char *names[8];
    double v[8];
    size_t n = mvg_sim_plant_state(p, names, v, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        if (strcmp(names[i], name) == 0)
            return v[i];
    fail_msg("no state '%s'", name);
    return NAN;
}

/* The VOC plant's truth: old_outlet_kg and new_outlet_kg integrate the
 * outlet mass of the old and the new unit whatever the phase, so the
 * counter of the running phase agrees with the served outlet concentration
 * times the flow, and both plants of one seed carry the same truth. */
static void test_voc_truth(void **state)
{
    (void)state;
    size_t cout = point_index(MVG_SIM_VOC, 3, "voc_mgnm3"), flow = point_index(MVG_SIM_VOC, 1, "flow_nm3h");
    double t0 = MONDAY + 7 * 3600.0; /* 15:00 site time: production */
    mvg_sim_plant *b = mvg_sim_plant_new(MVG_SIM_VOC, MVG_SIM_BASELINE, 6, t0);
    mvg_sim_plant *r = mvg_sim_plant_new(MVG_SIM_VOC, MVG_SIM_RETROFIT, 6, t0);
    double served_b = 0, served_r = 0;
    double old0 = state_of(b, "old_outlet_kg"), new0 = state_of(r, "new_outlet_kg");
    assert_true(old0 == 0 && new0 == 0);
    for (int i = 1; i <= 3600; i++) { /* one hour in 1 s steps */
        served_b += mvg_sim_plant_value(b, cout) * mvg_sim_plant_value(b, flow) * 1e-6 / 3600.0;
        served_r += mvg_sim_plant_value(r, cout) * mvg_sim_plant_value(r, flow) * 1e-6 / 3600.0;
        mvg_sim_plant_advance(b, t0 + i);
        mvg_sim_plant_advance(r, t0 + i);
    }
    double old_b = state_of(b, "old_outlet_kg"), new_r = state_of(r, "new_outlet_kg");
    assert_true(fabs(old_b - served_b) < 1e-9 * served_b);
    assert_true(fabs(new_r - served_r) < 1e-9 * served_r);
    /* the same truth in both phases */
    assert_true(fabs(state_of(r, "old_outlet_kg") - old_b) < 1e-9 * old_b);
    assert_true(fabs(state_of(b, "new_outlet_kg") - new_r) < 1e-9 * new_r);
    /* an hour of production: ~13 kg in, several kg out of carbon, ~0.3 of the RTO */
    assert_true(old_b > 2 * new_r && new_r > 0);
    mvg_sim_plant_free(b);
    mvg_sim_plant_free(r);
}

/* The load/unload compressor keeps its pressure band and cycles. */
static void test_compressor_pressure_band(void **state)
{
    (void)state;
    mvg_sim_plant *p = mvg_sim_plant_new(MVG_SIM_COMPRESSOR, MVG_SIM_BASELINE, 8, MONDAY);
    size_t bar = point_index(MVG_SIM_COMPRESSOR, 2, "pressure_bar");
    size_t kw = point_index(MVG_SIM_COMPRESSOR, 1, "power_kw");
    int switches = 0, loaded_prev = -1;
    double lo = 99, hi = 0;
    for (int s = 1; s <= 86400; s++) {
        mvg_sim_plant_advance(p, MONDAY + s);
        double v = mvg_sim_plant_value(p, bar);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        int loaded = mvg_sim_plant_value(p, kw) > 30;
        if (loaded_prev >= 0 && loaded != loaded_prev)
            switches++;
        loaded_prev = loaded;
    }
    assert_true(lo > 6.3 && hi < 7.7);
    assert_true(switches > 200); /* at least a few cycles per hour */
    mvg_sim_plant_free(p);
}

static void test_chiller_heat_balance(void **state)
{
    (void)state;
    mvg_sim_plant *p = mvg_sim_plant_new(MVG_SIM_CHILLER, MVG_SIM_BASELINE, 10, MONDAY + 10 * 3600);
    size_t f = point_index(MVG_SIM_CHILLER, 2, "flow_m3h"), ts = point_index(MVG_SIM_CHILLER, 2, "t_supply");
    size_t tr = point_index(MVG_SIM_CHILLER, 2, "t_return"), q = point_index(MVG_SIM_CHILLER, 2, "cooling_kw");
    double load = 1.163 * mvg_sim_plant_value(p, f) * (mvg_sim_plant_value(p, tr) - mvg_sim_plant_value(p, ts));
    assert_true(fabs(load - mvg_sim_plant_value(p, q)) < 1e-6 * load);
    assert_true(load > 200); /* office hours */
    mvg_sim_plant_free(p);
}

/* Every value stays inside the range the example configs declare (so that a
 * gateway reading them reports `good`), at every hour of a week, for both
 * phases and several seeds. Models are pure functions of time apart from the
 * compressor's pressure, so each sample is a plant started there and run for
 * ten minutes to settle. */
static void test_values_within_declared_ranges(void **state)
{
    (void)state;
    for (int k = 0; k < MVG_SIM_NPLANTS; k++) {
        size_t n;
        const mvg_sim_point *pts = mvg_sim_plant_points((mvg_sim_plant_kind)k, &n);
        for (int ph = 0; ph < 2; ph++)
            for (uint64_t seed = 1; seed <= 3; seed++)
                for (int h = 0; h < 7 * 24; h += 3) {
                    double t0 = MONDAY + h * 3600.0 + seed * 997.0;
                    mvg_sim_plant *p = mvg_sim_plant_new((mvg_sim_plant_kind)k, (mvg_sim_phase)ph, seed, t0);
                    mvg_sim_plant_advance(p, t0 + 600.0);
                    for (size_t i = 0; i < n; i++) {
                        double v = mvg_sim_plant_value(p, i);
                        if (!(v >= pts[i].min && (isnan(pts[i].max) || v <= pts[i].max)))
                            fail_msg("%s %s unit %d %s = %g outside [%g, %g] at hour %d seed %d",
                                     mvg_sim_plant_kind_name((mvg_sim_plant_kind)k),
                                     mvg_sim_phase_name((mvg_sim_phase)ph), pts[i].unit, pts[i].name, v,
                                     pts[i].min, pts[i].max, h, (int)seed);
                    }
                    mvg_sim_plant_free(p);
                }
    }
}

static void test_names(void **state)
{
    (void)state;
    mvg_sim_plant_kind k;
    mvg_sim_phase ph;
    assert_int_equal(mvg_sim_plant_kind_parse("boiler", &k), 0);
    assert_int_equal(k, MVG_SIM_BOILER);
    assert_int_equal(mvg_sim_plant_kind_parse("reactor", &k), -1);
    assert_int_equal(mvg_sim_phase_parse("retrofit", &ph), 0);
    assert_int_equal(ph, MVG_SIM_RETROFIT);
    assert_int_equal(mvg_sim_phase_parse("Retrofit", &ph), -1);
    assert_string_equal(mvg_sim_plant_kind_name(MVG_SIM_VOC), "voc");
}

/* ---- register image ------------------------------------------------------ */

static double decode(mvg_sim_regs *r, size_t i)
{
    const mvg_sim_point *p = mvg_sim_regs_point(r, i);
    modbus_mapping_t *m = mvg_sim_regs_mapping(r, p->unit);
    uint16_t *tab = p->area == MVG_AREA_INPUT ? m->tab_input_registers : m->tab_registers;
    double raw;
    assert_int_equal(mvg_codec_decode(p->type, p->order, &tab[p->address], &raw), 0);
    return raw;
}

static void test_regs_encode_and_faults(void **state)
{
    (void)state;
    char err[200];
    size_t n;
    const mvg_sim_point *pts = mvg_sim_plant_points(MVG_SIM_COMPRESSOR, &n);
    mvg_sim_regs *r = mvg_sim_regs_new(pts, n, err, sizeof err);
    assert_non_null(r);
    assert_null(mvg_sim_regs_mapping(r, 3));
    size_t kw = point_index(MVG_SIM_COMPRESSOR, 1, "power_kw");
    size_t kwh = point_index(MVG_SIM_COMPRESSOR, 1, "energy_kwh");
    size_t bar = point_index(MVG_SIM_COMPRESSOR, 2, "pressure_bar");
    size_t kvar = point_index(MVG_SIM_COMPRESSOR, 1, "reactive_kvar");

    mvg_sim_regs_store(r, kw, 55.25);
    assert_true(decode(r, kw) == 55.25f);
    /* 0x425D 0x0000 on the wire for 55.25 ABCD, checked by hand. */
    modbus_mapping_t *m = mvg_sim_regs_mapping(r, 1);
    assert_int_equal(m->tab_input_registers[4], 0x425D);
    assert_int_equal(m->tab_input_registers[5], 0x0000);
    mvg_sim_regs_store(r, kwh, 12345.678); /* 0.01 kWh counts, floored */
    assert_true(decode(r, kwh) == 1234567.0);
    assert_int_equal(m->tab_input_registers[12], (1234567 & 0xFFFF)); /* CDAB: low word first */
    mvg_sim_regs_store(r, kvar, -12.347);
    assert_true(decode(r, kvar) == -1235.0); /* gauges round */
    mvg_sim_regs_store(r, bar, 7.126);
    assert_true(decode(r, bar) == 713.0);

    /* NaN on a float point only. */
    assert_int_equal(mvg_sim_regs_fault_nan(r, kw, err, sizeof err), 0);
    mvg_sim_regs_store(r, kw, 40.0);
    assert_true(isnan(decode(r, kw)));
    assert_int_equal(mvg_sim_regs_fault_nan(r, kwh, err, sizeof err), -1);
    assert_non_null(strstr(err, "uint32"));
    mvg_sim_regs_clear_faults(r);
    mvg_sim_regs_store(r, kw, 40.0);
    assert_true(decode(r, kw) == 40.0);

    /* Rollover: 100 counts short of 2^32, then it wraps and keeps counting. */
    assert_int_equal(mvg_sim_regs_fault_rollover(r, kwh, 100, err, sizeof err), 0);
    mvg_sim_regs_store(r, kwh, 12345.678);
    assert_true(decode(r, kwh) == 4294967296.0 - 100);
    mvg_sim_regs_store(r, kwh, 12345.678 + 0.99); /* 1234666.8 counts */
    assert_true(decode(r, kwh) == 4294967296.0 - 1);
    mvg_sim_regs_store(r, kwh, 12345.678 + 1.5); /* 2^32 + 50.8 */
    assert_true(decode(r, kwh) == 50.0);
    assert_int_equal(mvg_sim_regs_fault_rollover(r, kw, 100, err, sizeof err), -1);
    size_t fine = point_index(MVG_SIM_COMPRESSOR, 1, "energy_kwh_fine");
    assert_int_equal(mvg_sim_regs_fault_rollover(r, fine, 100, err, sizeof err), -1);

    /* Reset: back to 0 and counting from there. */
    assert_int_equal(mvg_sim_regs_fault_reset(r, kwh, err, sizeof err), 0);
    mvg_sim_regs_store(r, kwh, 12345.678 + 1.5);
    assert_true(decode(r, kwh) == 0.0);
    mvg_sim_regs_store(r, kwh, 12345.678 + 2.0);
    assert_true(decode(r, kwh) == 50.0);

    /* Finding points by address. */
    size_t idx;
    assert_int_equal(mvg_sim_regs_find(r, 1, "4", &idx, err, sizeof err), 0);
    assert_int_equal(idx, kw);
    assert_int_equal(mvg_sim_regs_find(r, 1, "input:12", &idx, err, sizeof err), 0);
    assert_int_equal(idx, kwh);
    assert_int_equal(mvg_sim_regs_find(r, 1, "holding:4", &idx, err, sizeof err), -1);
    assert_int_equal(mvg_sim_regs_find(r, 1, "5", &idx, err, sizeof err), -1);
    assert_int_equal(mvg_sim_regs_find(r, 7, "0", &idx, err, sizeof err), -1);
    assert_int_equal(mvg_sim_regs_find(r, 1, "x", &idx, err, sizeof err), -1);
    mvg_sim_regs_free(r);
    mvg_sim_regs_free(NULL);
}

static void test_regs_reject_overlap(void **state)
{
    (void)state;
    char err[200];
    mvg_sim_point pts[2] = {
        {1, "a", MVG_AREA_HOLDING, 0, MVG_TYPE_FLOAT32, MVG_ORDER_ABCD, 1, "kW", MVG_KIND_GAUGE, 0, 1},
        {1, "b", MVG_AREA_HOLDING, 1, MVG_TYPE_UINT16, MVG_ORDER_AB, 1, "kW", MVG_KIND_GAUGE, 0, 1},
    };
    assert_null(mvg_sim_regs_new(pts, 2, err, sizeof err));
    assert_non_null(strstr(err, "overlaps"));
    pts[1].area = MVG_AREA_INPUT; /* other area: fine */
    mvg_sim_regs *r = mvg_sim_regs_new(pts, 2, err, sizeof err);
    assert_non_null(r);
    mvg_sim_regs_free(r);
}

/* ---- control commands ---------------------------------------------------- */

typedef struct {
    mvg_sim_plant *plant;
    mvg_sim_regs *regs;
    mvg_sim_faults faults;
    mvg_sim_control_env env;
    char reply[MVG_SIM_CONTROL_REPLY_MAX];
} ctl_fixture;

static int ctl_setup(void **state)
{
    static ctl_fixture f;
    char err[200];
    size_t n;
    memset(&f, 0, sizeof f);
    f.plant = mvg_sim_plant_new(MVG_SIM_COMPRESSOR, MVG_SIM_BASELINE, 1, MONDAY + 9 * 3600);
    const mvg_sim_point *pts = mvg_sim_plant_points(MVG_SIM_COMPRESSOR, &n);
    f.regs = mvg_sim_regs_new(pts, n, err, sizeof err);
    for (size_t i = 0; i < n; i++)
        mvg_sim_regs_store(f.regs, i, mvg_sim_plant_value(f.plant, i));
    f.env = (mvg_sim_control_env){f.plant, f.regs, &f.faults, mvg_sim_plant_time(f.plant), 60.0};
    *state = &f;
    return f.plant && f.regs ? 0 : -1;
}

static int ctl_teardown(void **state)
{
    ctl_fixture *f = *state;
    mvg_sim_regs_free(f->regs);
    mvg_sim_plant_free(f->plant);
    return 0;
}

static int run(ctl_fixture *f, const char *line)
{
    return mvg_sim_control_exec(&f->env, line, f->reply, sizeof f->reply);
}

static void test_control_link_faults(void **state)
{
    ctl_fixture *f = *state;
    assert_int_equal(run(f, "fault delay 250 2"), 0);
    assert_string_equal(f->reply, "ok");
    assert_int_equal(f->faults.delay_ms[2], 250);
    assert_int_equal(f->faults.delay_all_ms, 0);
    assert_int_equal(run(f, "fault delay 40"), 0);
    assert_int_equal(f->faults.delay_all_ms, 40);
    assert_int_equal(run(f, "fault delay 250 9"), -1);
    assert_string_equal(f->reply, "error: no meter at unit 9");
    assert_int_equal(run(f, "fault delay -1"), -1);
    assert_int_equal(run(f, "fault exception 11"), 0);
    assert_int_equal(f->faults.exc_all, 11);
    assert_int_equal(run(f, "fault exception 4 1"), 0);
    assert_int_equal(f->faults.exc[1], 4);
    assert_int_equal(run(f, "fault exception 0"), -1);
    assert_int_equal(run(f, "fault exception 12 1"), -1);
    unsigned gen = f->faults.drop_gen;
    assert_int_equal(run(f, "fault drop 2"), 0);
    assert_int_equal(f->faults.drop[2], 1);
    assert_int_equal(f->faults.drop_gen, gen); /* one meter: connections stay */
    assert_int_equal(run(f, "fault drop"), 0);
    assert_int_equal(f->faults.drop_all, 1);
    assert_int_equal(f->faults.drop_gen, gen + 1);
    assert_int_equal(run(f, "clear"), 0);
    assert_int_equal(f->faults.drop_all + f->faults.drop[2] + f->faults.exc[1] + f->faults.exc_all, 0);
    assert_int_equal(f->faults.delay_all_ms + f->faults.delay_ms[2], 0);
    assert_int_equal(f->faults.drop_gen, gen + 1); /* clear does not reconnect-kick again */
    assert_int_equal(run(f, "fault drop 1 2"), -1);
    assert_int_equal(run(f, "fault melt"), -1);
    assert_non_null(strstr(f->reply, "unknown fault 'melt'"));
    assert_int_equal(run(f, "fault delay 1 2 3 4 5 6 7"), -1);
    assert_int_equal(run(f, ""), -1);
    assert_int_equal(run(f, "reboot"), -1);
    assert_int_equal(strncmp(f->reply, "error: ", 7), 0);
}

static void test_control_point_faults_and_phase(void **state)
{
    ctl_fixture *f = *state;
    size_t kw = point_index(MVG_SIM_COMPRESSOR, 1, "power_kw");
    size_t kwh = point_index(MVG_SIM_COMPRESSOR, 1, "energy_kwh");
    assert_int_equal(run(f, "fault nan 1 4"), 0);
    mvg_sim_regs_store(f->regs, kw, 50.0);
    assert_true(isnan(decode(f->regs, kw)));
    assert_int_equal(run(f, "fault nan 1 input:99"), -1);
    assert_int_equal(run(f, "fault nan 1"), -1);
    /* Rollover lead: 120 plant seconds at the current rate, in counts. */
    double rate = mvg_sim_plant_rate(f->plant, kwh);
    assert_int_equal(run(f, "fault rollover 1 12"), 0);
    mvg_sim_regs_store(f->regs, kwh, mvg_sim_plant_value(f->plant, kwh));
    double lead = 4294967296.0 - decode(f->regs, kwh);
    assert_true(fabs(lead - ceil(rate * 120.0 / 0.01)) <= 1.0);
    assert_int_equal(run(f, "fault reset 2 holding:2"), 0);
    assert_int_equal(run(f, "fault reset 2 4"), -1); /* a gauge */
    assert_int_equal(run(f, "phase retrofit"), 0);
    assert_int_equal(mvg_sim_plant_phase(f->plant), MVG_SIM_RETROFIT);
    assert_int_equal(run(f, "phase later"), -1);
    assert_int_equal(run(f, "clear"), 0);
    mvg_sim_regs_store(f->regs, kw, 50.0);
    assert_true(decode(f->regs, kw) == 50.0);
}

static void test_control_status_json(void **state)
{
    ctl_fixture *f = *state;
    assert_int_equal(run(f, "status"), 0);
    json_error_t jerr;
    json_t *j = json_loads(f->reply, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "plant")), "compressor");
    assert_string_equal(json_string_value(json_object_get(j, "clock")), "2026-03-02T01:00:00.000Z");
    json_t *vals = json_object_get(j, "values");
    size_t npts;
    mvg_sim_plant_points(MVG_SIM_COMPRESSOR, &npts);
    assert_int_equal(json_object_size(vals), npts); /* one value a point */
    size_t kwh = point_index(MVG_SIM_COMPRESSOR, 1, "energy_kwh");
    double v = json_number_value(json_object_get(vals, "comp_power.energy_kwh"));
    assert_true(fabs(v - mvg_sim_plant_value(f->plant, kwh)) < 1e-4);
    assert_non_null(json_object_get(json_object_get(j, "state"), "pressure_bar"));
    assert_true(json_is_false(json_object_get(json_object_get(j, "faults"), "drop_all")));
    json_decref(j);

    char buf[40];
    mvg_sim_control_iso8601(1772380800.5, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01T16:00:00.500Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monday_is_monday),
        cmocka_unit_test(test_deterministic_in_time),
        cmocka_unit_test(test_counters_are_integrals),
        cmocka_unit_test(test_compressor_week_savings),
        cmocka_unit_test(test_chiller_week_savings),
        cmocka_unit_test(test_boiler_week_savings),
        cmocka_unit_test(test_wastewater_week),
        cmocka_unit_test(test_wastewater_balance),
        cmocka_unit_test(test_voc_removal),
        cmocka_unit_test(test_voc_truth),
        cmocka_unit_test(test_compressor_pressure_band),
        cmocka_unit_test(test_chiller_heat_balance),
        cmocka_unit_test(test_values_within_declared_ranges),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_regs_encode_and_faults),
        cmocka_unit_test(test_regs_reject_overlap),
        cmocka_unit_test_setup_teardown(test_control_link_faults, ctl_setup, ctl_teardown),
        cmocka_unit_test_setup_teardown(test_control_point_faults_and_phase, ctl_setup, ctl_teardown),
        cmocka_unit_test_setup_teardown(test_control_status_json, ctl_setup, ctl_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
