/*
 * test_convert.c: each stream conversion against values computed by hand
 * (the arithmetic is written out beside each expectation).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "convert.h"

#define REL(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * fmax(1.0, fabs(b)))

static void defaults_for(mvg_stream_type t, mvg_fuel fuel, const char *unit, mvg_conv_factors *f)
{
    char err[160] = "";
    int rc = mvg_convert_defaults(t, fuel, unit, f, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
}

static void test_electricity(void **state)
{
    (void)state;
    mvg_conv_factors f;
    mvg_conv_result r;
    defaults_for(MVG_STREAM_ELECTRICITY, 0, "kWh", &f);
    assert_true(f.defaulted & MVG_CONV_DEF_CO2);
    REL(f.co2_factor, 0.5703);
    f.co2_factor = 0.39; /* e.g. a Hong Kong utility */
    f.cost_per_unit = 1.35;
    mvg_convert_apply(&f, 1000.0, &r);
    REL(r.kwh, 1000.0);
    REL(r.tj, 0.0036);    /* 1000 kWh * 3.6 MJ = 3600 MJ */
    REL(r.co2_t, 0.39);   /* 1000 * 0.39 kg = 390 kg */
    REL(r.cost_hkd, 1350.0);
    assert_true(r.pollutant_kg == 0.0 && r.water_m3 == 0.0);

    defaults_for(MVG_STREAM_ELECTRICITY, 0, "MWh", &f);
    mvg_convert_apply(&f, 2.0, &r);
    REL(r.kwh, 2000.0);
    REL(r.co2_t, 2000.0 * 0.5703 / 1000.0);
}

static void test_fuels(void **state)
{
    (void)state;
    mvg_conv_factors f;
    mvg_conv_result r;

    /* 1000 Nm3 * 0.75 kg/Nm3 = 750 kg = 7.5e-4 Gg; * 48.0 TJ/Gg = 0.036 TJ;
     * * 56,100 kg/TJ = 2019.6 kg CO2; 0.036 TJ / 3.6e-6 = 10,000 kWh. */
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", &f);
    f.cost_per_unit = 4.0;
    mvg_convert_apply(&f, 1000.0, &r);
    REL(r.tj, 0.036);
    REL(r.co2_t, 2.0196);
    REL(r.kwh, 10000.0);
    REL(r.cost_hkd, 4000.0);

    /* 1000 L * 0.84 kg/L = 840 kg; * 43.0e-6 = 0.03612 TJ; * 74,100 = 2676.492 kg. */
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_DIESEL, "L", &f);
    mvg_convert_apply(&f, 1000.0, &r);
    REL(r.tj, 0.03612);
    REL(r.co2_t, 2.676492);

    /* 100 kg LPG = 1e-4 Gg * 47.3 = 0.00473 TJ; * 63,100 = 298.463 kg. */
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_LPG, "kg", &f);
    assert_false(f.defaulted & MVG_CONV_DEF_MASS);
    mvg_convert_apply(&f, 100.0, &r);
    REL(r.tj, 0.00473);
    REL(r.co2_t, 0.298463);

    /* 2 t diesel = 2000 kg = 0.002 Gg * 43 = 0.086 TJ. */
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_DIESEL, "t", &f);
    mvg_convert_apply(&f, 2.0, &r);
    REL(r.tj, 0.086);

    /* A configured gas density changes the mass: 1000 Nm3 * 0.80 = 800 kg -> 0.0384 TJ. */
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", &f);
    f.kg_per_unit = 0.80;
    mvg_convert_apply(&f, 1000.0, &r);
    REL(r.tj, 0.0384);
}

static void test_heat_water_cost(void **state)
{
    (void)state;
    mvg_conv_factors f;
    mvg_conv_result r;

    /* 10 t steam * 1000 kg/t * 2442 kJ/kg = 24,420,000 kJ = 0.02442 TJ = 6783.33 kWh. */
    defaults_for(MVG_STREAM_HEAT, 0, "t", &f);
    mvg_convert_apply(&f, 10.0, &r);
    REL(r.tj, 0.02442);
    REL(r.kwh, 24420000.0 / 3600.0);
    assert_true(r.co2_t == 0.0);

    defaults_for(MVG_STREAM_HEAT, 0, "GJ", &f);
    mvg_convert_apply(&f, 5.0, &r);
    REL(r.tj, 0.005);

    defaults_for(MVG_STREAM_HEAT, 0, "kWh_th", &f);
    f.co2_factor = 0.2;
    mvg_convert_apply(&f, 500.0, &r);
    REL(r.tj, 0.0018);
    REL(r.co2_t, 0.1);

    defaults_for(MVG_STREAM_WATER, 0, "m3", &f);
    f.cost_per_unit = 9.5;
    mvg_convert_apply(&f, 120.0, &r);
    REL(r.water_m3, 120.0);
    REL(r.cost_hkd, 1140.0);
    assert_true(r.tj == 0.0);

    defaults_for(MVG_STREAM_COST, 0, "HKD", &f);
    mvg_convert_apply(&f, 2500.0, &r);
    REL(r.cost_hkd, 2500.0);
}

static void test_flue_gas(void **state)
{
    (void)state;
    /* 100 mg/Nm3 at 6 % O2 to 3 % O2: 100 * 18 / 15 = 120. */
    REL(mvg_convert_o2_corrected(100.0, 6.0, 3.0), 120.0);
    /* at 11 % reference: 100 * 10 / 15 */
    REL(mvg_convert_o2_corrected(100.0, 6.0, 11.0), 100.0 * 10.0 / 15.0);
    assert_true(isnan(mvg_convert_o2_corrected(100.0, 21.0, 3.0)));
    assert_true(isnan(mvg_convert_o2_corrected(NAN, 5.0, 3.0)));

    /* Reference basis: 120 mg/Nm3 * 10,000 Nm3/h * 0.25 h = 300,000 mg = 0.3 kg. */
    REL(mvg_convert_flue_mass_kg(100.0, 6.0, 3.0, 10000.0, MVG_FLOW_REFERENCE, 0.25), 0.3);
    /* Measured basis: 100 * 10,000 * 0.25 = 250,000 mg = 0.25 kg. */
    REL(mvg_convert_flue_mass_kg(100.0, 6.0, 3.0, 10000.0, MVG_FLOW_MEASURED, 0.25), 0.25);

    mvg_conv_factors f;
    mvg_conv_result r;
    defaults_for(MVG_STREAM_NOX, 0, "kg", &f);
    REL(f.o2_ref_pct, 3.0);
    mvg_convert_apply(&f, 0.25, &r);
    REL(r.pollutant_kg, 0.25);

    /* A wet flow at actual conditions made dry and normal, by hand: 10,000
     * m3/h with 12 % H2O at 180 degC and 100 kPa is 10,000 x 0.88 x 273.15
     * / 453.15 x 100 / 101.325 = 5,235.10 Nm3/h dry; at 150 mg/Nm3 (dry)
     * over 1 h that is 0.78527 kg, where the wet flow taken as dry would
     * give 1.5 kg. The defaults (0 %, 0 degC, 101.325 kPa) pass a flow
     * through unchanged, bit for bit. */
    double q = mvg_convert_flow_normal(10000.0, 12.0, 180.0, 100.0);
    assert_true(fabs(q - 5235.1036) < 1e-3);
    assert_true(fabs(mvg_convert_flue_mass_kg(150.0, 5.0, 3.0, q, MVG_FLOW_MEASURED, 1.0) -
                     0.785266) < 1e-6);
    assert_true(mvg_convert_flow_normal(1234.5678, f.flow_h2o_pct, f.flow_temp_c, f.flow_kpa) ==
                1234.5678);
    assert_true(isnan(mvg_convert_flow_normal(NAN, 0.0, 0.0, 101.325)));
    /* published in the definition only once configured */
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    size_t n = mvg_convert_factors_used(&f, u);
    for (size_t i = 0; i < n; i++)
        assert_true(strncmp(u[i].name, "flow_h2o", 8) != 0);
    f.flow_h2o_pct = 12.0;
    f.defaulted &= ~(unsigned)MVG_CONV_DEF_FLOW_STATE;
    n = mvg_convert_factors_used(&f, u);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        seen |= strcmp(u[i].name, "flow_h2o_pct") == 0 && u[i].value == 12.0;
    assert_true(seen && n <= MVG_CONV_FACTORS_MAX);
}

/* Reference O2 by standard (GB 13271-2014 Table 4), by hand with the
 * standard's formula rho = rho' x (21 - O2ref) / (21 - O2measured):
 * - a gas-fired boiler (3.5 %), NOx 150 mg/m3 measured at 6 % O2:
 *   150 x 17.5 / 15 = 175 mg/m3; with a flow already expressed at the
 *   reference (flow_basis reference), 5,000 m3/h for 1 h: 175 x 5,000 x
 *   1e-6 = 0.875 kg; as measured: 150 x 5,000 x 1e-6 = 0.75 kg;
 * - a coal-fired boiler (9 %), SO2 200 mg/m3 at 12 % O2: 200 x 12 / 9 =
 *   266.67 mg/m3, and at 9 % itself unchanged. */
static void test_o2_standards(void **state)
{
    (void)state;
    const mvg_o2_standard *gas = mvg_convert_o2_standard("gb13271-oil-gas");
    const mvg_o2_standard *coal = mvg_convert_o2_standard("gb13271-coal");
    assert_non_null(gas);
    assert_non_null(coal);
    REL(gas->o2_pct, 3.5);
    REL(coal->o2_pct, 9.0);
    assert_non_null(strstr(gas->source, "GB 13271-2014"));
    assert_non_null(strstr(coal->source, "Table 4"));
    assert_null(mvg_convert_o2_standard("gb13271"));
    assert_null(mvg_convert_o2_standard(NULL));
    char names[128];
    assert_string_equal(mvg_convert_o2_standard_names(names, sizeof names),
                        "gb13271-coal, gb13271-oil-gas");

    REL(mvg_convert_o2_corrected(150.0, 6.0, gas->o2_pct), 175.0);
    REL(mvg_convert_flue_mass_kg(150.0, 6.0, gas->o2_pct, 5000.0, MVG_FLOW_REFERENCE, 1.0), 0.875);
    REL(mvg_convert_flue_mass_kg(150.0, 6.0, gas->o2_pct, 5000.0, MVG_FLOW_MEASURED, 1.0), 0.75);
    REL(mvg_convert_o2_corrected(200.0, 12.0, coal->o2_pct), 200.0 * 12.0 / 9.0);
    REL(mvg_convert_o2_corrected(200.0, 9.0, coal->o2_pct), 200.0);

    /* the standard, once put in force, is the factor's published source */
    mvg_conv_factors f;
    defaults_for(MVG_STREAM_NOX, 0, "kg", &f);
    f.o2_ref_pct = gas->o2_pct;
    f.defaulted &= ~(unsigned)MVG_CONV_DEF_O2_REF;
    snprintf(f.o2_ref_source, sizeof f.o2_ref_source, "%s", gas->source);
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    size_t n = mvg_convert_factors_used(&f, u);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(u[i].name, "o2_ref") == 0) {
            REL(u[i].value, 3.5);
            assert_false(u[i].defaulted);
            assert_ptr_equal(u[i].source, f.o2_ref_source);
            seen = 1;
        }
    assert_true(seen);
}

/* Gas volumes at 20 degC (101.325 kPa), by hand: the built-in 0.75 kg/Nm3
 * at 0 degC is 0.75 x 273.15 / 293.15 = 0.698832 kg/m3 at 20 degC, so 100
 * m3 are 69.8832 kg and 69.8832e-6 Gg x 48.0 TJ/Gg = 0.00335439 TJ. A given
 * density is taken as stated at the reference; a liquid has no such rule. */
static void test_gas_volume_reference(void **state)
{
    (void)state;
    mvg_conv_factors f;
    mvg_conv_result r;
    char err[160];
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", &f);
    assert_int_equal(mvg_convert_volume_ref(&f, 20, err, sizeof err), 0);
    REL(f.kg_per_unit, 0.75 * 273.15 / 293.15);
    mvg_convert_apply(&f, 100.0, &r);
    assert_true(fabs(r.tj - 0.00335439) < 1e-8);
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    size_t n = mvg_convert_factors_used(&f, u);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        seen |= strcmp(u[i].name, "kg_per_unit") == 0 && u[i].source &&
                strstr(u[i].source, "20 degC") != NULL;
    assert_true(seen);
    assert_int_equal(mvg_convert_volume_ref(&f, 20, err, sizeof err), 0); /* not scaled twice */
    REL(f.kg_per_unit, 0.75 * 273.15 / 293.15);
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", &f);
    f.kg_per_unit = 0.72; /* the supplier's analysis, at 20 degC */
    f.defaulted &= ~(unsigned)MVG_CONV_DEF_MASS;
    assert_int_equal(mvg_convert_volume_ref(&f, 20, err, sizeof err), 0);
    REL(f.kg_per_unit, 0.72);
    assert_int_equal(mvg_convert_volume_ref(&f, 15, err, sizeof err), -1);
    defaults_for(MVG_STREAM_FUEL, MVG_FUEL_DIESEL, "L", &f);
    assert_int_equal(mvg_convert_volume_ref(&f, 20, err, sizeof err), -1);
    assert_non_null(strstr(err, "natural gas"));
}

static void test_voc(void **state)
{
    (void)state;
    /* in: 500 mg/Nm3 * 20,000 Nm3/h = 1e7 mg/h; out: 25 * 20,500 = 512,500 mg/h;
     * over 0.25 h: (1e7 - 512,500) * 0.25 = 2,371,875 mg = 2.371875 kg. */
    REL(mvg_convert_voc_removed_kg(500.0, 20000.0, 25.0, 20500.0, 0.25), 2.371875);
    REL(mvg_convert_voc_efficiency(500.0, 20000.0, 25.0, 20500.0), 1.0 - 512500.0 / 1e7);
    assert_true(isnan(mvg_convert_voc_efficiency(0.0, 20000.0, 25.0, 20500.0)));
}

static void test_bad_units(void **state)
{
    (void)state;
    mvg_conv_factors f;
    char err[160];
    assert_int_equal(
        mvg_convert_defaults(MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "L", &f, err, sizeof err), -1);
    assert_string_equal(err, "natural_gas measured in 'L': use Nm3, kg or t");
    assert_int_equal(mvg_convert_defaults(MVG_STREAM_ELECTRICITY, 0, "m3", &f, err, sizeof err),
                     -1);
    assert_string_equal(err, "a 'electricity' stream measured in 'm3': use kWh or MWh");
    assert_int_equal(mvg_convert_defaults(MVG_STREAM_NOX, 0, "t", &f, err, sizeof err), -1);
    assert_string_equal(err, "a 'nox' stream measured in 't': use kg");
}

static void test_names(void **state)
{
    (void)state;
    mvg_stream_type t;
    mvg_fuel fu;
    assert_int_equal(mvg_convert_stream_parse("voc", &t), 0);
    assert_int_equal(t, MVG_STREAM_VOC);
    assert_int_equal(mvg_convert_stream_parse("steam", &t), 0);
    assert_int_equal(t, MVG_STREAM_HEAT);
    assert_int_equal(mvg_convert_stream_parse("coal", &t), -1);
    assert_int_equal(mvg_convert_fuel_parse("lpg", &fu), 0);
    assert_int_equal(fu, MVG_FUEL_LPG);
    assert_string_equal(mvg_convert_stream_name(MVG_STREAM_SO2), "so2");
    /* Every output field but the raw amount states a unit. */
    for (size_t i = 1; i < mvg_convert_nfields; i++)
        assert_non_null(mvg_convert_fields[i].unit);
}

static const mvg_conv_factor_use *used(const mvg_conv_factor_use *u, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(u[i].name, name) == 0)
            return &u[i];
    return NULL;
}

/* The factors the definition record publishes: per stream type the ones
 * mvg_convert_apply() uses, each defaulted until configured. */
static void test_factors_used(void **state)
{
    (void)state;
    char err[128];
    mvg_conv_factors f;
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    assert_int_equal(mvg_convert_defaults(MVG_STREAM_HEAT, MVG_FUEL_NATURAL_GAS, "t", &f, err,
                                          sizeof err),
                     0);
    size_t n = mvg_convert_factors_used(&f, u);
    assert_true(n >= 5 && n <= MVG_CONV_FACTORS_MAX);
    assert_true(used(u, n, "enthalpy_kj_per_kg")->defaulted);
    assert_true(used(u, n, "kwh_per_unit")->defaulted);
    REL(used(u, n, "kwh_per_unit")->value, 1000.0 * 2442.0 / 3600.0);
    f.enthalpy_kj_per_kg = 2500.0; /* as the configuration sets it */
    f.defaulted &= ~(unsigned)MVG_CONV_DEF_ENTHALPY;
    n = mvg_convert_factors_used(&f, u);
    assert_false(used(u, n, "enthalpy_kj_per_kg")->defaulted);
    assert_null(used(u, n, "enthalpy_kj_per_kg")->source);
    assert_false(used(u, n, "kwh_per_unit")->defaulted);
    mvg_conv_result r;
    mvg_convert_apply(&f, 2.0, &r);
    REL(r.kwh, 2.0 * used(u, n, "kwh_per_unit")->value);
    assert_null(used(u, n, "ncv_tj_per_gg"));

    assert_int_equal(mvg_convert_defaults(MVG_STREAM_NOX, MVG_FUEL_NATURAL_GAS, "kg", &f, err,
                                          sizeof err),
                     0);
    n = mvg_convert_factors_used(&f, u);
    assert_string_equal(used(u, n, "flow_basis")->text, "measured");
    assert_true(used(u, n, "flow_basis")->defaulted && used(u, n, "o2_ref")->defaulted);
    assert_true(isnan(used(u, n, "flow_basis")->value));
    assert_true(used(u, n, "cost_per_unit")->defaulted);
    assert_null(used(u, n, "tj_per_kwh"));

    assert_int_equal(mvg_convert_defaults(MVG_STREAM_COST, MVG_FUEL_NATURAL_GAS, "HKD", &f, err,
                                          sizeof err),
                     0);
    n = mvg_convert_factors_used(&f, u);
    assert_int_equal(n, 1);
    REL(u[0].value, 1.0);
    assert_string_equal(u[0].unit, "HK$/HKD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_electricity),     cmocka_unit_test(test_fuels),
        cmocka_unit_test(test_factors_used),
        cmocka_unit_test(test_heat_water_cost), cmocka_unit_test(test_flue_gas),
        cmocka_unit_test(test_voc),             cmocka_unit_test(test_bad_units),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_gas_volume_reference),
        cmocka_unit_test(test_o2_standards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
