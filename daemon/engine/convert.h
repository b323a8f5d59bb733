/*
 * convert.h: conversions of a savings stream's amount (in the stream's own
 * unit: kWh, Nm3, L, kg, t of steam, m3, kg of pollutant, HK$) into the
 * scheme's reporting quantities: energy (kWh and TJ), CO2 (t), pollutant
 * mass (kg), water (m3) and cost (HK$). It also owns the flue-gas formulas
 * (concentration corrected to reference O2, pollutant mass from concentration
 * and flow, VOC removed by a treatment unit). Every factor is a field of
 * mvg_conv_factors, filled with a documented default (docs/conversions.md
 * gives each source) and overridable from the config. Pure: no state, no I/O.
 */
#ifndef MVG_CONVERT_H
#define MVG_CONVERT_H

#include <stddef.h>

typedef enum {
    MVG_STREAM_ELECTRICITY, /* kWh */
    MVG_STREAM_FUEL,        /* Nm3, m3, L, kg or t of a fuel */
    MVG_STREAM_HEAT,        /* kWh_th, or t of steam with an enthalpy */
    MVG_STREAM_WATER,       /* m3 of water or wastewater */
    MVG_STREAM_NOX,         /* kg NOx (from mg/Nm3, O2 and flue-gas flow) */
    MVG_STREAM_SO2,         /* kg SO2 (likewise) */
    MVG_STREAM_VOC,         /* kg VOC (inlet and outlet concentration and flow) */
    MVG_STREAM_COST         /* HK$ of production cost */
} mvg_stream_type;

const char *mvg_convert_stream_name(mvg_stream_type t); /* "electricity", ... */
int mvg_convert_stream_parse(const char *s, mvg_stream_type *out);

typedef enum { MVG_FUEL_NATURAL_GAS, MVG_FUEL_DIESEL, MVG_FUEL_LPG } mvg_fuel;

int mvg_convert_fuel_parse(const char *s, mvg_fuel *out);
const char *mvg_convert_fuel_name(mvg_fuel f); /* "natural_gas", ... */

/* Bits of mvg_conv_factors.defaulted: which factors still hold the built-in
 * default, so that outputs can say "grid factor not configured". */
enum {
    MVG_CONV_DEF_CO2 = 1u << 0,
    MVG_CONV_DEF_COST = 1u << 1,
    MVG_CONV_DEF_NCV = 1u << 2,
    MVG_CONV_DEF_MASS = 1u << 3,
    MVG_CONV_DEF_ENTHALPY = 1u << 4,
    MVG_CONV_DEF_O2_REF = 1u << 5,
    MVG_CONV_DEF_FLOW = 1u << 6,
    MVG_CONV_DEF_FLOW_STATE = 1u << 7 /* flow_h2o_pct, flow_temp_c, flow_kpa */
};

typedef enum {
    /* The flue-gas flow is the measured dry flow at the measured O2 (what a
     * flow meter reports): mass = C * Q, whatever O2 is. */
    MVG_FLOW_MEASURED,
    /* The flow is already expressed at the reference O2: mass = C_ref * Q. */
    MVG_FLOW_REFERENCE
} mvg_flow_basis;

typedef struct {
    mvg_stream_type type;
    char unit[16];               /* the stream's unit: "kWh", "Nm3", "L", "kg", "t", "m3", ... */
    /* electricity: grid factor, kg CO2 per kWh. fuel: kg CO2 per TJ (IPCC).
     * heat: kg CO2 per kWh_th (0 unless the heat source is known). */
    double co2_factor;
    double cost_per_unit;        /* HK$ per stream unit; 0 = not costed */
    /* fuel */
    mvg_fuel fuel;
    double kg_per_unit;          /* mass of one stream unit (density for Nm3/L/m3) */
    double ncv_tj_per_gg;        /* net calorific value */
    /* heat as steam (unit "t"): net enthalpy delivered, steam minus feedwater */
    double enthalpy_kj_per_kg;
    /* NOx / SO2 */
    double o2_ref_pct;           /* reference O2 for corrected concentrations */
    mvg_flow_basis flow_basis;
    /* The state the flow meter reports the flue gas in, normalised to the
     * concentrations' basis (dry, 0 degC, 101.325 kPa) before the mass is
     * taken (mvg_convert_flow_normal): its moisture (vol % H2O of the wet
     * gas; 0: a dry flow), temperature and absolute pressure. The defaults
     * (0, 0, 101.325) are a flow already dry and normal. */
    double flow_h2o_pct, flow_temp_c, flow_kpa;
    /* gas fuels by volume: the temperature the volumes are stated at (0:
     * Nm3 at 0 degC; 20: 20 degC), both at 101.325 kPa */
    int volume_ref_c;
    unsigned defaulted;          /* MVG_CONV_DEF_* bits */
    /* The source of a configured co2_factor when it was taken from the
     * grid factor table (config_grid.h: the entry and its publication);
     * "" for a number given in the configuration. */
    char co2_source[640];
    /* The source of a configured o2_ref_pct when it was taken from a named
     * emission standard (o2_ref_standard, mvg_convert_o2_standard); "" for
     * a number given in the configuration. */
    char o2_ref_source[256];
} mvg_conv_factors;

/* A reference O2 that an emission standard fixes for a kind of combustion
 * plant, selected by name (`o2_ref_standard = "gb13271-oil-gas"`): the
 * value and the document it is taken from (docs/conversions.md
 * "Reference O2"). The table is this module's, like the defaults. */
typedef struct {
    const char *name;
    double o2_pct;
    const char *source;
} mvg_o2_standard;

/* The standard called name, or NULL. */
const mvg_o2_standard *mvg_convert_o2_standard(const char *name);
/* The standards' names, comma separated, into buf (for "unknown standard"). */
const char *mvg_convert_o2_standard_names(char *buf, size_t len);

/*
 * Fills f with the defaults for a stream of type measured in unit (and fuel,
 * for MVG_STREAM_FUEL). Returns 0, or -1 with err when the unit does not fit
 * the stream (e.g. a fuel in "kWh": give its mass or volume).
 */
int mvg_convert_defaults(mvg_stream_type type, mvg_fuel fuel, const char *unit,
                         mvg_conv_factors *f, char *err, size_t errlen);

/* Conversions of one amount. Fields that do not apply to a stream are 0. */
typedef struct {
    double amount;      /* in the stream's unit (mvg_conv_factors.unit) */
    double kwh;         /* kWh (electric, thermal, or the fuel's energy by NCV) */
    double tj;          /* TJ */
    double co2_t;       /* t CO2 */
    double pollutant_kg;/* kg of NOx, SO2 or VOC */
    double water_m3;    /* m3 */
    double cost_hkd;    /* HK$ */
} mvg_conv_result;

/* Names and units of the mvg_conv_result fields, for publishers. */
typedef struct {
    const char *name;
    const char *unit;
    size_t offset;      /* offsetof(mvg_conv_result, field) */
} mvg_conv_field;
extern const mvg_conv_field mvg_convert_fields[];
extern const size_t mvg_convert_nfields;

void mvg_convert_apply(const mvg_conv_factors *f, double amount, mvg_conv_result *out);

/* One factor a stream's conversions use, as the project definition record
 * publishes it: its config key (or, for a fixed one, its name), value and
 * unit, where the value comes from and whether it is still the built-in
 * default. mvg_convert_apply() uses exactly these: tj = kwh * tj_per_kwh;
 * electricity and heat: kwh = amount * kwh_per_unit, co2_t = kwh *
 * co2_kg_per_unit / 1000; fuel: tj = amount * kg_per_unit / 1e6 *
 * ncv_tj_per_gg, kwh = tj / tj_per_kwh, co2_t = tj * co2_kg_per_tj / 1000;
 * every stream: cost_hkd = amount * cost_per_unit (docs/conversions.md). */
typedef struct {
    const char *name;   /* "co2_kg_per_unit", "ncv_tj_per_gg", "tj_per_kwh", ... */
    double value;       /* NaN for flow_basis (text) */
    const char *text;   /* flow_basis: "measured" or "reference"; else NULL */
    char unit[32];
    const char *source; /* the default's source (docs/conversions.md); NULL when configured */
    int defaulted;      /* 1: the built-in (or fixed) value, 0: the configuration's */
} mvg_conv_factor_use;

#define MVG_CONV_FACTORS_MAX 8

/* The factors f's stream uses, into out (room for MVG_CONV_FACTORS_MAX);
 * returns how many. */
size_t mvg_convert_factors_used(const mvg_conv_factors *f, mvg_conv_factor_use *out);

/* The conversions of an amount that is not defined (the savings of an
 * interval outside the reporting period, or without a baseline value):
 * every field NaN, where mvg_convert_apply(NaN) would leave the fields that
 * do not apply to the stream at 0, so that nothing of it reads as a figure. */
void mvg_convert_undefined(mvg_conv_result *out);

/* C_ref = C * (21 - O2_ref) / (21 - O2); NaN when O2 >= 21 or inputs are not finite. */
double mvg_convert_o2_corrected(double c_mg_nm3, double o2_pct, double o2_ref_pct);

/*
 * States that a gas fuel's volumes are at ref_c degC (0 or 20) and 101.325
 * kPa: a built-in density (at 0 degC) is scaled by 273.15 / (273.15 +
 * ref_c) (ideal gas); a configured kg_per_unit is taken as stated at that
 * reference. Returns 0, or -1 with err for a stream that is not a gas fuel
 * by volume, or another temperature.
 */
int mvg_convert_volume_ref(mvg_conv_factors *f, int ref_c, char *err, size_t errlen);

/*
 * A flue-gas flow q as the meter reports it (wet with h2o_pct % of water
 * vapour by volume, at t_c degC and p_kpa absolute) as a dry flow at 0
 * degC and 101.325 kPa, the basis of the concentrations (mg/Nm3 dry):
 * q x (1 - h2o/100) x 273.15 / (273.15 + t) x p / 101.325. NaN when an
 * input is not finite.
 */
double mvg_convert_flow_normal(double q, double h2o_pct, double t_c, double p_kpa);

/*
 * Pollutant mass in kg over hours from a concentration (mg/Nm3, dry, as
 * measured at o2_pct) and a flue-gas flow (Nm3/h, dry and normal: see
 * mvg_convert_flow_normal) on the given basis.
 */
double mvg_convert_flue_mass_kg(double c_mg_nm3, double o2_pct, double o2_ref_pct,
                                double q_nm3_h, mvg_flow_basis basis, double hours);

/* VOC removed by a treatment unit, kg: (C_in*Q_in - C_out*Q_out) * hours. */
double mvg_convert_voc_removed_kg(double c_in_mg_nm3, double q_in_nm3_h, double c_out_mg_nm3,
                                  double q_out_nm3_h, double hours);
/* Removal efficiency 1 - (C_out*Q_out)/(C_in*Q_in) as a fraction; NaN when the inlet is 0. */
double mvg_convert_voc_efficiency(double c_in_mg_nm3, double q_in_nm3_h, double c_out_mg_nm3,
                                  double q_out_nm3_h);

#endif
