/*
 * convert.c: stream conversions. The default factors live in one table-like
 * block each (mvg_convert_defaults) so that docs/conversions.md can cite
 * them one by one; nothing else in the engine hard-codes a factor.
 */
#include "convert.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TJ_PER_KWH 3.6e-6 /* 1 kWh = 3.6 MJ */

/* Built-in defaults; see docs/conversions.md for the source of each. */
#define DEF_GRID_KG_PER_KWH 0.5703   /* mainland China national grid average (MEE 2023) */
#define DEF_NG_KG_PER_TJ 56100.0     /* IPCC 2006 Vol.2 Ch.1 Table 1.4 */
#define DEF_DIESEL_KG_PER_TJ 74100.0 /* gas/diesel oil */
#define DEF_LPG_KG_PER_TJ 63100.0
#define DEF_NG_NCV 48.0              /* TJ/Gg, IPCC 2006 Vol.2 Ch.1 Table 1.2 */
#define DEF_DIESEL_NCV 43.0
#define DEF_LPG_NCV 47.3
#define DEF_NG_KG_PER_NM3 0.75       /* typical pipeline gas at 0 degC, 101.325 kPa */
#define DEF_DIESEL_KG_PER_L 0.84
#define DEF_LPG_KG_PER_L 0.54
#define DEF_STEAM_KJ_PER_KG 2442.0   /* sat. steam 10 bar abs (2777) - feedwater 80 degC (335) */
#define DEF_O2_REF_PCT 3.0           /* gas- and oil-fired boilers */

static const char *const stream_names[] = {"electricity", "fuel", "heat", "water",
                                           "nox",         "so2",  "voc",  "cost"};
static const char *const fuel_names[] = {"natural_gas", "diesel", "lpg"};

const char *mvg_convert_stream_name(mvg_stream_type t)
{
    return (unsigned)t < sizeof stream_names / sizeof *stream_names ? stream_names[t] : "?";
}

int mvg_convert_stream_parse(const char *s, mvg_stream_type *out)
{
    for (size_t i = 0; i < sizeof stream_names / sizeof *stream_names; i++)
        if (strcmp(s, stream_names[i]) == 0) {
            *out = (mvg_stream_type)i;
            return 0;
        }
    /* Accepted synonyms a site engineer would write. */
    if (strcmp(s, "steam") == 0) {
        *out = MVG_STREAM_HEAT;
        return 0;
    }
    if (strcmp(s, "wastewater") == 0) {
        *out = MVG_STREAM_WATER;
        return 0;
    }
    return -1;
}

const char *mvg_convert_fuel_name(mvg_fuel f)
{
    return (unsigned)f < sizeof fuel_names / sizeof *fuel_names ? fuel_names[f] : "?";
}

int mvg_convert_fuel_parse(const char *s, mvg_fuel *out)
{
    for (size_t i = 0; i < sizeof fuel_names / sizeof *fuel_names; i++)
        if (strcmp(s, fuel_names[i]) == 0) {
            *out = (mvg_fuel)i;
            return 0;
        }
    return -1;
}

const mvg_conv_field mvg_convert_fields[] = {
    {"amount", NULL, offsetof(mvg_conv_result, amount)},
    {"kwh", "kWh", offsetof(mvg_conv_result, kwh)},
    {"tj", "TJ", offsetof(mvg_conv_result, tj)},
    {"co2_t", "t", offsetof(mvg_conv_result, co2_t)},
    {"pollutant_kg", "kg", offsetof(mvg_conv_result, pollutant_kg)},
    {"water_m3", "m3", offsetof(mvg_conv_result, water_m3)},
    {"cost_hkd", "HK$", offsetof(mvg_conv_result, cost_hkd)},
};
const size_t mvg_convert_nfields = sizeof mvg_convert_fields / sizeof *mvg_convert_fields;

static int unit_is(const char *u, const char *a) { return strcasecmp(u, a) == 0; }

static int fuel_defaults(mvg_conv_factors *f, const char *unit, char *err, size_t errlen)
{
    static const double kg_per_tj[] = {DEF_NG_KG_PER_TJ, DEF_DIESEL_KG_PER_TJ, DEF_LPG_KG_PER_TJ};
    static const double ncv[] = {DEF_NG_NCV, DEF_DIESEL_NCV, DEF_LPG_NCV};
    f->co2_factor = kg_per_tj[f->fuel];
    f->ncv_tj_per_gg = ncv[f->fuel];
    if (unit_is(unit, "kg")) {
        f->kg_per_unit = 1.0;
        return 0;
    }
    if (unit_is(unit, "t")) {
        f->kg_per_unit = 1000.0;
        return 0;
    }
    f->defaulted |= MVG_CONV_DEF_MASS;
    if (f->fuel == MVG_FUEL_NATURAL_GAS && unit_is(unit, "Nm3")) {
        f->kg_per_unit = DEF_NG_KG_PER_NM3;
        return 0;
    }
    if (f->fuel != MVG_FUEL_NATURAL_GAS && unit_is(unit, "L")) {
        f->kg_per_unit = f->fuel == MVG_FUEL_DIESEL ? DEF_DIESEL_KG_PER_L : DEF_LPG_KG_PER_L;
        return 0;
    }
    if (f->fuel != MVG_FUEL_NATURAL_GAS && unit_is(unit, "m3")) {
        f->kg_per_unit =
            1000.0 * (f->fuel == MVG_FUEL_DIESEL ? DEF_DIESEL_KG_PER_L : DEF_LPG_KG_PER_L);
        return 0;
    }
    snprintf(err, errlen, "%s measured in '%s': use %s", mvg_convert_fuel_name(f->fuel), unit,
             f->fuel == MVG_FUEL_NATURAL_GAS ? "Nm3, kg or t" : "L, m3 (liquid), kg or t");
    return -1;
}

int mvg_convert_defaults(mvg_stream_type type, mvg_fuel fuel, const char *unit,
                         mvg_conv_factors *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->type = type;
    f->fuel = fuel;
    f->flow_basis = MVG_FLOW_MEASURED;
    f->o2_ref_pct = DEF_O2_REF_PCT;
    f->flow_h2o_pct = 0.0;
    f->flow_temp_c = 0.0;
    f->flow_kpa = 101.325;
    f->defaulted = MVG_CONV_DEF_COST;
    if (!unit || strlen(unit) >= sizeof f->unit) {
        snprintf(err, errlen, "stream unit missing or too long");
        return -1;
    }
    snprintf(f->unit, sizeof f->unit, "%s", unit);
    const char *want = NULL;
    switch (type) {
    case MVG_STREAM_ELECTRICITY:
        f->co2_factor = DEF_GRID_KG_PER_KWH;
        f->defaulted |= MVG_CONV_DEF_CO2;
        if (!unit_is(unit, "kWh") && !unit_is(unit, "MWh"))
            want = "kWh or MWh";
        break;
    case MVG_STREAM_FUEL:
        f->defaulted |= MVG_CONV_DEF_CO2 | MVG_CONV_DEF_NCV;
        return fuel_defaults(f, unit, err, errlen);
    case MVG_STREAM_HEAT:
        /* The CO2 of delivered heat depends on how it was made: 0 until configured. */
        f->defaulted |= MVG_CONV_DEF_CO2;
        if (unit_is(unit, "t")) {
            f->enthalpy_kj_per_kg = DEF_STEAM_KJ_PER_KG;
            f->defaulted |= MVG_CONV_DEF_ENTHALPY;
        } else if (!unit_is(unit, "kWh") && !unit_is(unit, "kWh_th") && !unit_is(unit, "MWh") &&
                   !unit_is(unit, "GJ"))
            want = "kWh_th, MWh, GJ, or t (of steam)";
        break;
    case MVG_STREAM_WATER:
        if (!unit_is(unit, "m3"))
            want = "m3";
        break;
    case MVG_STREAM_NOX:
    case MVG_STREAM_SO2:
        f->defaulted |= MVG_CONV_DEF_O2_REF | MVG_CONV_DEF_FLOW | MVG_CONV_DEF_FLOW_STATE;
        if (!unit_is(unit, "kg"))
            want = "kg";
        break;
    case MVG_STREAM_VOC:
        if (!unit_is(unit, "kg"))
            want = "kg";
        break;
    case MVG_STREAM_COST:
        f->cost_per_unit = 1.0;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_COST;
        if (!unit_is(unit, "HKD") && !unit_is(unit, "HK$"))
            want = "HKD";
        break;
    default:
        snprintf(err, errlen, "unknown stream type");
        return -1;
    }
    if (want) {
        snprintf(err, errlen, "a '%s' stream measured in '%s': use %s", mvg_convert_stream_name(type),
                 unit, want);
        return -1;
    }
    return 0;
}

/* kWh of one unit of an electricity or heat stream. */
static double kwh_per_unit(const mvg_conv_factors *f)
{
    if (unit_is(f->unit, "MWh"))
        return 1000.0;
    if (unit_is(f->unit, "GJ"))
        return 1.0 / 0.0036;
    if (unit_is(f->unit, "t")) /* steam: kJ -> kWh */
        return 1000.0 * f->enthalpy_kj_per_kg / 3600.0;
    return 1.0;
}

void mvg_convert_undefined(mvg_conv_result *out)
{
    *out = (mvg_conv_result){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
}

void mvg_convert_apply(const mvg_conv_factors *f, double amount, mvg_conv_result *out)
{
    memset(out, 0, sizeof *out);
    out->amount = amount;
    out->cost_hkd = amount * f->cost_per_unit;
    switch (f->type) {
    case MVG_STREAM_ELECTRICITY:
        out->kwh = amount * kwh_per_unit(f);
        out->tj = out->kwh * TJ_PER_KWH;
        out->co2_t = out->kwh * f->co2_factor / 1000.0;
        break;
    case MVG_STREAM_FUEL: {
        double gg = amount * f->kg_per_unit / 1e6; /* 1 Gg = 1e6 kg */
        out->tj = gg * f->ncv_tj_per_gg;
        out->kwh = out->tj / TJ_PER_KWH;
        out->co2_t = out->tj * f->co2_factor / 1000.0;
        break;
    }
    case MVG_STREAM_HEAT:
        out->kwh = amount * kwh_per_unit(f);
        out->tj = out->kwh * TJ_PER_KWH;
        out->co2_t = out->kwh * f->co2_factor / 1000.0;
        break;
    case MVG_STREAM_WATER:
        out->water_m3 = amount;
        break;
    case MVG_STREAM_NOX:
    case MVG_STREAM_SO2:
    case MVG_STREAM_VOC:
        out->pollutant_kg = amount;
        break;
    case MVG_STREAM_COST:
        break;
    }
}

/* The sources of the defaults, as docs/conversions.md gives them. */
static const char SRC_TJ[] = "definition (1 kWh = 3.6 MJ)";
static const char SRC_UNIT[] = "unit conversion of the stream's unit";
static const char SRC_GRID[] = "mainland China national grid average, MEE notice of February 2023";
static const char SRC_HEAT_CO2[] = "none: 0 until the heat source is configured";
static const char SRC_EF[] = "IPCC 2006 Guidelines, Vol. 2, Ch. 1, Table 1.4";
static const char SRC_NCV[] = "IPCC 2006 Guidelines, Vol. 2, Ch. 1, Table 1.2";
static const char SRC_EXACT_MASS[] = "exact (a mass unit)";
static const char SRC_NG_DENSITY[] = "typical pipeline gas at 0 degC and 101.325 kPa";
static const char SRC_NG_DENSITY_20[] =
    "typical pipeline gas at 0 degC and 101.325 kPa, at 20 degC by the ideal gas law (x 273.15 / 293.15)";
static const char SRC_DIESEL_DENSITY[] = "EN 590 automotive diesel at 15 degC";
static const char SRC_LPG_DENSITY[] = "liquid propane/butane mixes at 15 degC";
static const char SRC_STEAM[] = "IAPWS-IF97: saturated steam at 10 bar abs minus feedwater at 80 degC";
static const char SRC_O2[] = "reference O2 for liquid and gaseous fuels in boilers, EU IED 2010/75/EU Annex V";
/* Reference O2 by standard. GB 13271-2014 (锅炉大气污染物排放标准, emission
 * standard of air pollutants for boilers), 5.2 and Table 4: measured
 * concentrations are converted to the reference O2 by
 * rho = rho' x (21 - O2ref) / (21 - O2measured) (mvg_convert_o2_corrected).
 * The values are those the standard's Table 4 gives as reported by Zhang
 * Shanshan, "Analysis of the influence of the reference oxygen content on
 * the emission of contaminants", Environment and Development 2018(7), p. 117
 * (DOI 10.16647/j.cnki.cn15-1369/X.2018.07.068); the standard's own text was
 * not read (docs/conversions.md). */
static const mvg_o2_standard o2_standards[] = {
    {"gb13271-coal", 9.0,
     "GB 13271-2014, 5.2 and Table 4: reference O2 of coal-fired boilers 9 % (as reported by "
     "Environment and Development 2018(7) p. 117, DOI 10.16647/j.cnki.cn15-1369/X.2018.07.068)"},
    {"gb13271-oil-gas", 3.5,
     "GB 13271-2014, 5.2 and Table 4: reference O2 of oil- and gas-fired boilers 3.5 % (as "
     "reported by Environment and Development 2018(7) p. 117, DOI "
     "10.16647/j.cnki.cn15-1369/X.2018.07.068)"},
};

const mvg_o2_standard *mvg_convert_o2_standard(const char *name)
{
    for (size_t i = 0; name && i < sizeof o2_standards / sizeof *o2_standards; i++)
        if (strcmp(o2_standards[i].name, name) == 0)
            return &o2_standards[i];
    return NULL;
}

const char *mvg_convert_o2_standard_names(char *buf, size_t len)
{
    size_t at = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof o2_standards / sizeof *o2_standards && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", o2_standards[i].name);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    return buf;
}

static const char SRC_FLOW[] = "built-in default: the flow as measured";
static const char SRC_COST[] = "none: not costed (0)";
static const char SRC_COST_SELF[] = "identity: the stream is measured in HK$";

static mvg_conv_factor_use use(const char *name, double value, const char *unit, int defaulted,
                               const char *source)
{
    mvg_conv_factor_use u = {name, value, NULL, "", defaulted ? source : NULL, defaulted};
    snprintf(u.unit, sizeof u.unit, "%s", unit);
    return u;
}

static const char *density_source(const mvg_conv_factors *f)
{
    if (unit_is(f->unit, "kg") || unit_is(f->unit, "t"))
        return SRC_EXACT_MASS;
    if (f->fuel == MVG_FUEL_NATURAL_GAS && f->volume_ref_c == 20)
        return SRC_NG_DENSITY_20;
    return f->fuel == MVG_FUEL_NATURAL_GAS ? SRC_NG_DENSITY
           : f->fuel == MVG_FUEL_DIESEL    ? SRC_DIESEL_DENSITY
                                           : SRC_LPG_DENSITY;
}

size_t mvg_convert_factors_used(const mvg_conv_factors *f, mvg_conv_factor_use *out)
{
    size_t n = 0;
    unsigned d = f->defaulted;
    char per[32];
    snprintf(per, sizeof per, "kg/%s", f->unit);
    switch (f->type) {
    case MVG_STREAM_ELECTRICITY:
    case MVG_STREAM_HEAT: {
        int steam = f->type == MVG_STREAM_HEAT && unit_is(f->unit, "t");
        char u[32];
        snprintf(u, sizeof u, "kWh/%s", f->unit);
        if (steam)
            out[n++] = use("enthalpy_kj_per_kg", f->enthalpy_kj_per_kg, "kJ/kg",
                           (d & MVG_CONV_DEF_ENTHALPY) != 0, SRC_STEAM);
        /* fixed by the unit; for steam it follows the enthalpy (and is
         * defaulted when that is) */
        out[n++] = use("kwh_per_unit", kwh_per_unit(f), u,
                       !steam || (d & MVG_CONV_DEF_ENTHALPY) != 0,
                       steam ? "1000 x enthalpy_kj_per_kg / 3600" : SRC_UNIT);
        out[n++] = use("tj_per_kwh", TJ_PER_KWH, "TJ/kWh", 1, SRC_TJ);
        out[n++] = use("co2_kg_per_unit", f->co2_factor, "kg CO2/kWh", (d & MVG_CONV_DEF_CO2) != 0,
                       f->type == MVG_STREAM_ELECTRICITY ? SRC_GRID : SRC_HEAT_CO2);
        if (!(d & MVG_CONV_DEF_CO2) && f->co2_source[0])
            out[n - 1].source = f->co2_source; /* a grid table entry's publication */
        break;
    }
    case MVG_STREAM_FUEL:
        out[n++] = use("kg_per_unit", f->kg_per_unit, per, (d & MVG_CONV_DEF_MASS) != 0 ||
                           unit_is(f->unit, "kg") || unit_is(f->unit, "t"),
                       density_source(f));
        out[n++] = use("ncv_tj_per_gg", f->ncv_tj_per_gg, "TJ/Gg", (d & MVG_CONV_DEF_NCV) != 0,
                       SRC_NCV);
        out[n++] = use("co2_kg_per_tj", f->co2_factor, "kg CO2/TJ", (d & MVG_CONV_DEF_CO2) != 0,
                       SRC_EF);
        out[n++] = use("tj_per_kwh", TJ_PER_KWH, "TJ/kWh", 1, SRC_TJ);
        break;
    case MVG_STREAM_NOX:
    case MVG_STREAM_SO2:
        out[n++] = use("o2_ref", f->o2_ref_pct, "%", (d & MVG_CONV_DEF_O2_REF) != 0, SRC_O2);
        if (!(d & MVG_CONV_DEF_O2_REF) && f->o2_ref_source[0])
            out[n - 1].source = f->o2_ref_source; /* a named standard's */
        out[n] = use("flow_basis", NAN, "", (d & MVG_CONV_DEF_FLOW) != 0, SRC_FLOW);
        out[n++].text = f->flow_basis == MVG_FLOW_MEASURED ? "measured" : "reference";
        /* the flow's state: published once configured (a dry normal flow,
         * the default, is what definitions before these keys described) */
        if (!(d & MVG_CONV_DEF_FLOW_STATE)) {
            out[n++] = use("flow_h2o_pct", f->flow_h2o_pct, "% H2O", 0, NULL);
            out[n++] = use("flow_temp_c", f->flow_temp_c, "degC", 0, NULL);
            out[n++] = use("flow_kpa", f->flow_kpa, "kPa", 0, NULL);
        }
        break;
    case MVG_STREAM_WATER:
    case MVG_STREAM_VOC:
    case MVG_STREAM_COST:
        break;
    }
    char hkd[32];
    snprintf(hkd, sizeof hkd, "HK$/%s", f->unit);
    out[n++] = f->type == MVG_STREAM_COST
                   ? use("cost_per_unit", f->cost_per_unit, hkd, 1, SRC_COST_SELF)
                   : use("cost_per_unit", f->cost_per_unit, hkd, (d & MVG_CONV_DEF_COST) != 0,
                         SRC_COST);
    return n;
}

double mvg_convert_o2_corrected(double c_mg_nm3, double o2_pct, double o2_ref_pct)
{
    if (!isfinite(c_mg_nm3) || !isfinite(o2_pct) || !isfinite(o2_ref_pct) || o2_pct >= 21.0 ||
        o2_ref_pct >= 21.0)
        return NAN;
    return c_mg_nm3 * (21.0 - o2_ref_pct) / (21.0 - o2_pct);
}

int mvg_convert_volume_ref(mvg_conv_factors *f, int ref_c, char *err, size_t errlen)
{
    int gas_volume = f->type == MVG_STREAM_FUEL && f->fuel == MVG_FUEL_NATURAL_GAS &&
                     (unit_is(f->unit, "Nm3") || unit_is(f->unit, "m3"));
    if (!gas_volume) {
        snprintf(err, errlen, "applies to natural gas measured by volume (Nm3)");
        return -1;
    }
    if (ref_c != 0 && ref_c != 20) {
        snprintf(err, errlen, "volumes are stated at 0 or 20 degC, not %d", ref_c);
        return -1;
    }
    if (f->volume_ref_c == 0 && ref_c == 20 && (f->defaulted & MVG_CONV_DEF_MASS))
        f->kg_per_unit *= 273.15 / 293.15;
    f->volume_ref_c = ref_c;
    return 0;
}

double mvg_convert_flow_normal(double q, double h2o_pct, double t_c, double p_kpa)
{
    /* Each factor is exactly 1 at the defaults, so a dry normal flow is
     * passed through bit for bit. */
    return q * (1.0 - h2o_pct / 100.0) * (273.15 / (273.15 + t_c)) * (p_kpa / 101.325);
}

double mvg_convert_flue_mass_kg(double c_mg_nm3, double o2_pct, double o2_ref_pct,
                                double q_nm3_h, mvg_flow_basis basis, double hours)
{
    /* mg -> kg is 1e-6. On the measured basis the O2 correction cancels out:
     * C_ref * Q_ref = C * Q, because Q_ref = Q * (21 - O2) / (21 - O2_ref). */
    if (basis == MVG_FLOW_MEASURED)
        return c_mg_nm3 * q_nm3_h * hours * 1e-6;
    return mvg_convert_o2_corrected(c_mg_nm3, o2_pct, o2_ref_pct) * q_nm3_h * hours * 1e-6;
}

double mvg_convert_voc_removed_kg(double c_in_mg_nm3, double q_in_nm3_h, double c_out_mg_nm3,
                                  double q_out_nm3_h, double hours)
{
    return (c_in_mg_nm3 * q_in_nm3_h - c_out_mg_nm3 * q_out_nm3_h) * hours * 1e-6;
}

double mvg_convert_voc_efficiency(double c_in_mg_nm3, double q_in_nm3_h, double c_out_mg_nm3,
                                  double q_out_nm3_h)
{
    double in = c_in_mg_nm3 * q_in_nm3_h;
    if (!(in > 0.0))
        return NAN;
    return 1.0 - c_out_mg_nm3 * q_out_nm3_h / in;
}
