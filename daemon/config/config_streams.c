/*
 * config_streams.c: the savings streams of a project (config_prj.h): type
 * and unit, references, the baseline model, conversion factors and
 * non-routine adjustments.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_prj.h"
#include "expr.h"

/* ---- model -------------------------------------------------------------- */

static int read_array(ctx_t *c, const config_setting_t *a, const char *ctxs, const char *key,
                      double *v, size_t cap, size_t *n)
{
    if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
        mvg_cfgp_fail(c, a, "%s: '%s' must be an array of numbers [ ... ]", ctxs, key);
        return -1;
    }
    int len = config_setting_length(a);
    if ((size_t)len > cap) {
        mvg_cfgp_fail(c, a, "%s: '%s' has %d values, at most %zu allowed", ctxs, key, len, cap);
        return -1;
    }
    for (int i = 0; i < len; i++)
        if (mvg_cfgp_get_number(c, config_setting_get_elem(a, (unsigned)i), &v[i]) != 0) {
            mvg_cfgp_fail(c, a, "%s: '%s'[%d] must be a number", ctxs, key, i);
            return -1;
        }
    *n = (size_t)len;
    return 0;
}

typedef struct {
    char type[16];
    double n, cv_rmse, rho, nmbe, r2;
    int exclude_outliers;
    double range_margin;
} model_row;

#define MR(f) MVG_FIELD(model_row, f)
static const mvg_key model_keys[] = {
    {"type", MVG_KEY_STRING, 0, MR(type), .def = "auto",
     .allowed = "`mean`, `intensity`, `linear`, `3pc`, `3ph`, `4p`, `5p`, `auto`",
     .doc = "model form, see [method.md](method.md); `auto` fits the candidates and keeps the best "
            "valid one"},
    {"x", MVG_KEY_OTHER, 0, .type_doc = "array of references", .def_doc = "`[]`",
     .allowed = "0..12",
     .doc = "independent variables: none for `mean`; exactly one for `intensity`; one or more "
            "for `linear` and `auto`; one or more for `3pc`, `3ph`, `4p`, `5p` (at most 11 for "
            "`4p` and `5p`): the first is the change-point variable (temperature), any further "
            "ones enter linearly (e.g. production load)"},
    {"coefficients", MVG_KEY_OTHER, 0, .type_doc = "array of numbers", .def_doc = "none",
     .allowed = "see below", .doc = "a model fitted elsewhere: used as given, never refitted"},
    {"change_points", MVG_KEY_OTHER, 0, .type_doc = "array of numbers", .def_doc = "none",
     .allowed = "see below", .doc = "its change points (only with `coefficients`)"},
    {"n", MVG_KEY_NUMBER, 0, MR(n), .min = 2, .max = 1e9, .def = "0", .def_doc = "unknown",
     .allowed = "> number of parameters, ≤ 1e9", .doc = "rows of the external fit"},
    {"cv_rmse", MVG_KEY_NUMBER, 0, MR(cv_rmse), .min = 0, .max = 10, .def = "nan",
     .def_doc = "unknown", .doc = "its CV(RMSE) (fraction)"},
    {"nmbe", MVG_KEY_NUMBER, 0, MR(nmbe), .min = -10, .max = 10, .def = "nan",
     .def_doc = "unknown", .doc = "its NMBE (fraction)"},
    {"r2", MVG_KEY_NUMBER, 0, MR(r2), .min = -1e9, .max = 1, .def = "nan", .def_doc = "unknown",
     .allowed = "≤ 1", .doc = "its R²"},
    {"rho", MVG_KEY_NUMBER, 0, MR(rho), .min = -1, .max = 1, .def = "0",
     .doc = "lag-1 autocorrelation of its residuals"},
    {"exclude_outliers", MVG_KEY_BOOL, 0, MR(exclude_outliers), .def = "false",
     .allowed = "a fitted model (no `coefficients`)",
     .doc = "refit once without the baseline rows the outlier rule flags (residual more than 3 "
            "IQR from the median, docs/method.md \"Screening\"); false: flagged and counted, "
            "still fitted"},
    {"range_margin", MVG_KEY_NUMBER, 0, MR(range_margin), .min = 0, .max = 10, .def = "0",
     .allowed = "0..10, a fitted model (no `coefficients`)",
     .doc = "a reporting interval is flagged as extrapolated when an x lies outside the "
            "baseline's range widened by this fraction of the range's width on each side"},
};
const mvg_section mvg_config_model_section = {"model", MVG_KEYS(model_keys)};

/* The model group m of stream st: the rules between its keys (forms,
 * counts, change points) and the given model's statistics. */
static void parse_model(ctx_t *c, const config_setting_t *m, const char *ctxs,
                        const mvg_project_cfg *prj, mvg_stream_cfg *st)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s: model", ctxs);
    model_row row;
    mvg_section_defaults(&mvg_config_model_section, &row);
    if (mvg_section_read_group(&c->r, &mvg_config_model_section, m, sub,
                               "{ type = ...; x = [ ... ]; }", &row, NULL) != 0)
        return;
    st->has_model = 1;
    st->model_type = MVG_MODEL_AUTO;
    /* the daemon fits at its interval: the daily degree-day forms and TOWT
     * are `mvgate fit`'s for now (docs/method.md) */
    if (mvg_model_type_parse(row.type, &st->model_type) != 0 || st->model_type > MVG_MODEL_AUTO) {
        mvg_cfgp_fail(c, config_setting_get_member(m, "type"),
             "%s: unknown type '%s' (mean, intensity, linear, 3pc, 3ph, 4p, 5p, auto)", sub, row.type);
        return;
    }
    const config_setting_t *xs = config_setting_get_member(m, "x");
    if (xs) {
        if (!config_setting_is_array(xs) && !config_setting_is_list(xs)) {
            mvg_cfgp_fail(c, xs, "%s: 'x' must be an array of point names [ \"dev.point\", ... ]", sub);
            return;
        }
        int n = config_setting_length(xs);
        if (n > MVG_MODEL_MAX_X) {
            mvg_cfgp_fail(c, xs, "%s: %d independent variables, at most %d", sub, n, MVG_MODEL_MAX_X);
            return;
        }
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(xs, (unsigned)i);
            char xctx[340], impl[MVG_CHANNEL_NAME_MAX];
            snprintf(xctx, sizeof xctx, "%s: x[%d]", sub, i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                mvg_cfgp_fail(c, e, "%s must be a string", xctx);
                continue;
            }
            snprintf(impl, sizeof impl, "~%s.%s.x%d", prj->name, st->name, i);
            if (mvg_cfgp_parse_ref(c, e, xctx, config_setting_get_string(e), impl, &st->x[st->nx]) == 0)
                st->nx++;
        }
        if ((int)st->nx != n)
            return;
    }
    size_t ncp;
    mvg_model_type t = st->model_type;
    if (t == MVG_MODEL_MEAN && st->nx != 0) {
        mvg_cfgp_fail(c, m, "%s: a 'mean' model takes no x", sub);
        return;
    }
    /* how many x a form takes is the engine's rule (mvg_model_nx_range) */
    size_t lo, hi;
    mvg_model_nx_range(t, &lo, &hi);
    int cp_form = t == MVG_MODEL_3PC || t == MVG_MODEL_3PH || t == MVG_MODEL_4P || t == MVG_MODEL_5P;
    if (t != MVG_MODEL_MEAN && st->nx < lo) {
        mvg_cfgp_fail(c, m, "%s: a '%s' model needs at least one x%s", sub, mvg_model_type_name(t),
                      cp_form ? " (the change-point variable first, then any linear ones)" : "");
        return;
    }
    if (hi == 1 && st->nx != 1) {
        mvg_cfgp_fail(c, m, "%s: a '%s' model takes exactly one x, not %zu", sub, mvg_model_type_name(t),
             st->nx);
        return;
    }
    if (st->nx > hi) {
        mvg_cfgp_fail(c, m, "%s: a '%s' model takes at most %zu x, not %zu", sub,
                      mvg_model_type_name(t), hi, st->nx);
        return;
    }
    const config_setting_t *co = config_setting_get_member(m, "coefficients");
    const config_setting_t *cps = config_setting_get_member(m, "change_points");
    st->exclude_outliers = row.exclude_outliers;
    st->range_margin = row.range_margin;
    /* screening acts on the baseline rows of a fit made here */
    static const char *const screen_keys[] = {"exclude_outliers", "range_margin"};
    for (size_t i = 0; co && i < 2; i++)
        if (config_setting_get_member(m, screen_keys[i]))
            mvg_cfgp_fail(c, config_setting_get_member(m, screen_keys[i]),
                          "%s: '%s' applies to a model fitted from the baseline, not one given "
                          "by its 'coefficients'",
                          sub, screen_keys[i]);
    if (!co) {
        if (cps)
            mvg_cfgp_fail(c, cps, "%s: 'change_points' given without 'coefficients'", sub);
        return;
    }
    if (t == MVG_MODEL_AUTO) {
        mvg_cfgp_fail(c, co, "%s: a model given by its coefficients needs its type, not 'auto'", sub);
        return;
    }
    mvg_model *md = &st->model;
    memset(md, 0, sizeof *md);
    md->type = t;
    md->nx = st->nx;
    int want = (int)mvg_model_form_size(t, st->nx, &ncp);
    size_t n = 0;
    if (read_array(c, co, sub, "coefficients", md->coef, MVG_MODEL_MAX_COEF, &n) != 0)
        return;
    if ((int)n != want) {
        mvg_cfgp_fail(c, co, "%s: a '%s' model with %zu x has %d coefficients, not %zu", sub,
             mvg_model_type_name(t), st->nx, want, n);
        return;
    }
    md->ncoef = n;
    size_t ncps = 0;
    if (cps && read_array(c, cps, sub, "change_points", md->cp, 2, &ncps) != 0)
        return;
    if (ncps != ncp) {
        mvg_cfgp_fail(c, cps ? cps : co, "%s: a '%s' model has %zu change point%s, not %zu", sub,
             mvg_model_type_name(t), ncp, ncp == 1 ? "" : "s", ncps);
        return;
    }
    if (ncp == 2 && !(md->cp[0] < md->cp[1])) {
        mvg_cfgp_fail(c, cps, "%s: change points must be in increasing order", sub);
        return;
    }
    md->ncp = ncp;
    md->p = n + ncp;
    /* Fit statistics of the external fit, needed for the FSU; unknown: NaN
     * (the table's defaults), n 0 */
    if (row.n != 0 && row.n < (double)md->p + 1) {
        mvg_cfgp_fail(c, config_setting_get_member(m, "n"),
                      "%s: 'n' = %g must be more than the model's %zu parameters", sub, row.n, md->p);
        return;
    }
    md->n = (size_t)row.n;
    md->cv_rmse = row.cv_rmse;
    md->rho = row.rho;
    md->nmbe = row.nmbe;
    md->r2 = row.r2;
    md->adj_r2 = NAN;
    md->rmse = NAN;
    md->ybar = NAN;
    md->sse = NAN;
    md->coverage = 1.0;
    md->pass = isfinite(md->cv_rmse) && md->cv_rmse <= prj->criteria.max_cv_rmse &&
               (!isfinite(md->nmbe) || fabs(md->nmbe) <= prj->criteria.max_abs_nmbe);
    for (size_t i = 0; i < MVG_MODEL_MAX_COEF; i++)
        md->std_err[i] = md->t_stat[i] = NAN;
    st->model_given = 1;
}

/* ---- factors ------------------------------------------------------------- */

typedef struct {
    double cost_per_unit, co2_kg_per_unit, co2_kg_per_tj, kg_per_unit, ncv_tj_per_gg,
        enthalpy_kj_per_kg, o2_ref, flow_h2o_pct, flow_temp_c, flow_kpa;
    int flow_basis;
    char grid[64];
    char o2_standard[64];
    int volume_at;
} factors_row;

static const char *const volume_refs[] = {"0C", "20C", NULL};
static const int volume_ref_values[] = {0, 20};

static const char *const flow_bases[] = {"measured", "reference", NULL};
static const int flow_basis_values[] = {MVG_FLOW_MEASURED, MVG_FLOW_REFERENCE};
#define FR(f) MVG_FIELD(factors_row, f)
#define FUEL_ONLY .applies = "fuel"
#define FLUE_ONLY .applies = "nox, so2"

/* No defaults here: they depend on the stream's type, fuel and unit
 * (mvg_convert_defaults, docs/conversions.md); def_doc quotes them. */
static const mvg_key factors_keys[] = {
    {"cost_per_unit", MVG_KEY_NUMBER, 0, FR(cost_per_unit), .min = 0, .max = 1e9,
     .def_doc = "0 (not costed); `cost` streams 1", .doc = "HK$ per stream unit"},
    {"co2_kg_per_unit", MVG_KEY_NUMBER, 0, FR(co2_kg_per_unit), .min = 0, .max = 100,
     .applies = "electricity, heat",
     .def_doc = "electricity 0.5703 kg/kWh (mainland China grid: **set your utility's**); heat 0",
     .doc = "kg CO2 per stream unit (the grid factor)"},
    {"grid", MVG_KEY_STRING, MVG_KEY_NAME, FR(grid), .applies = "electricity",
     .def_doc = "none", .allowed = "a name of `config/factors/grid.conf`",
     .doc = "the grid factor from the table of published factors by grid and year "
            "(docs/conversions.md), e.g. `\"csg-2022\"`; its publication becomes the factor's "
            "source in the definition record; not with `co2_kg_per_unit`"},
    {"co2_kg_per_tj", MVG_KEY_NUMBER, 0, FR(co2_kg_per_tj), .min = 0, .max = 1e6, FUEL_ONLY,
     .def_doc = "56,100 (natural gas), 74,100 (diesel), 63,100 (LPG)", .doc = "kg CO2 per TJ (IPCC)"},
    {"kg_per_unit", MVG_KEY_NUMBER, 0, FR(kg_per_unit), .min = 1e-6, .max = 1e6, FUEL_ONLY,
     .def_doc = "0.75 kg/Nm3 gas, 0.84 kg/L diesel, 0.54 kg/L LPG (×1000 per m3); exact for kg and t",
     .doc = "mass of one stream unit (density)"},
    {"ncv_tj_per_gg", MVG_KEY_NUMBER, 0, FR(ncv_tj_per_gg), .min = 1, .max = 200, FUEL_ONLY,
     .def_doc = "48.0, 43.0, 47.3", .doc = "net calorific value"},
    {"enthalpy_kj_per_kg", MVG_KEY_NUMBER, 0, FR(enthalpy_kj_per_kg), .min = 1, .max = 5000,
     .applies = "heat in `t` of steam", .def_doc = "2,442",
     .doc = "net enthalpy delivered, steam minus feedwater"},
    {"o2_ref", MVG_KEY_NUMBER, 0, FR(o2_ref), .min = 0, .max = 20.9, FLUE_ONLY, .def_doc = "3",
     .doc = "reference O2 (%) of the corrected concentrations"},
    {"o2_ref_standard", MVG_KEY_STRING, MVG_KEY_NAME, FR(o2_standard), FLUE_ONLY,
     .def_doc = "none", .allowed = "`\"gb13271-coal\"`, `\"gb13271-oil-gas\"`",
     .doc = "the reference O2 of an emission standard by name (docs/conversions.md \"Reference "
            "O2\"): GB 13271-2014 Table 4 for boilers; its source goes into the definition "
            "record; not with `o2_ref`"},
    {"flow_basis", MVG_KEY_CHOICE, 0, FR(flow_basis), .choices = flow_bases,
     .values = flow_basis_values, FLUE_ONLY, .def_doc = "`\"measured\"`",
     .doc = "`measured`: the flow at the measured O2 (usual); `reference`: a flow already "
            "expressed at `o2_ref`"},
    {"flow_h2o_pct", MVG_KEY_NUMBER, 0, FR(flow_h2o_pct), .min = 0, .max = 60, FLUE_ONLY,
     .def_doc = "0 (a dry flow)",
     .doc = "water vapour in the flow meter's gas (vol % of the wet gas): a wet flow is made dry "
            "like the concentrations (mg/Nm3 dry) before the mass is taken"},
    {"flow_temp_c", MVG_KEY_NUMBER, 0, FR(flow_temp_c), .min = -50, .max = 1200, FLUE_ONLY,
     .def_doc = "0 (a flow in Nm3/h)",
     .doc = "temperature of a flow measured at actual conditions (m3/h), normalised to 0 degC"},
    {"flow_kpa", MVG_KEY_NUMBER, 0, FR(flow_kpa), .min = 10, .max = 1000, FLUE_ONLY,
     .def_doc = "101.325", .doc = "absolute pressure of that flow, normalised to 101.325 kPa"},
    {"volume_at", MVG_KEY_CHOICE, 0, FR(volume_at), .choices = volume_refs,
     .values = volume_ref_values, .applies = "fuel: natural gas in Nm3",
     .def_doc = "`\"0C\"`",
     .doc = "the temperature the gas volumes are stated at (101.325 kPa): `0C` (Nm3) or `20C` "
            "(the reference of mainland China's natural gas standards); the built-in density "
            "follows (0.75 kg/Nm3 at 0 degC, 0.699 at 20 degC)"},
};
const mvg_section mvg_config_factors_section = {"factors", MVG_KEYS(factors_keys)};

/* A factor given both by the name of a table entry and as a number: the
 * one rule for every such pair (grid / co2_kg_per_unit, o2_ref_standard /
 * o2_ref). 1 (and the error at `at`) when both are there. */
static int by_name_and_number(ctx_t *c, const config_setting_t *at, const char *ctxs,
                              int with_number, const char *name_key, const char *number_key,
                              const char *what)
{
    if (!with_number)
        return 0;
    mvg_cfgp_fail(c, at, "%s: '%s' and '%s' both give the %s: keep one", ctxs, name_key,
                  number_key, what);
    return 1;
}

/* The grid factor table's entry name (config_grid.h) into f: its value
 * and its publication as the source. The table is read at the first use. */
static void grid_factor(ctx_t *c, const config_setting_t *g, const char *ctxs, const char *name,
                        int with_number, mvg_conv_factors *f)
{
    const config_setting_t *at = config_setting_get_member(g, "grid");
    if (by_name_and_number(c, at, ctxs, with_number, "grid", "co2_kg_per_unit", "grid factor"))
        return;
    if (!c->grid && !c->grid_failed) {
        if (c->grid_path)
            c->grid = mvg_grid_load(c->grid_path, c->r.diags);
        c->grid_failed = c->grid == NULL;
        if (c->grid_failed && c->grid_path)
            c->r.errors++; /* the table's own problems were reported with its lines */
    }
    if (!c->grid) {
        mvg_cfgp_fail(c, at,
                      "%s: grid \"%s\": no grid factor table (factors/grid.conf beside the "
                      "profiles folder)%s",
                      ctxs, name, c->grid_path ? " that loads" : " was found");
        return;
    }
    const mvg_grid_entry *e = mvg_grid_find(c->grid, name);
    if (!e) {
        char names[1024];
        mvg_cfgp_fail(c, at, "%s: unknown grid \"%s\" (%s has: %s)", ctxs, name, c->grid_path,
                      mvg_grid_names(c->grid, names, sizeof names));
        return;
    }
    f->co2_factor = e->kg_co2_per_kwh;
    f->defaulted &= ~(unsigned)MVG_CONV_DEF_CO2;
    snprintf(f->co2_source, sizeof f->co2_source, "grid table \"%s\" (%s, %lld): %s", e->name,
             e->region, e->year, e->source);
}

/* The reference O2 of the emission standard called name (convert.h) into
 * f, with the standard as its source. */
static void o2_standard(ctx_t *c, const config_setting_t *g, const char *ctxs, const char *name,
                        int with_number, mvg_conv_factors *f)
{
    const config_setting_t *at = config_setting_get_member(g, "o2_ref_standard");
    if (by_name_and_number(c, at, ctxs, with_number, "o2_ref_standard", "o2_ref", "reference O2"))
        return;
    const mvg_o2_standard *s = mvg_convert_o2_standard(name);
    if (!s) {
        char names[256];
        mvg_cfgp_fail(c, at, "%s: unknown o2_ref_standard \"%s\" (known: %s)", ctxs, name,
                      mvg_convert_o2_standard_names(names, sizeof names));
        return;
    }
    f->o2_ref_pct = s->o2_pct;
    f->defaulted &= ~(unsigned)MVG_CONV_DEF_O2_REF;
    snprintf(f->o2_ref_source, sizeof f->o2_ref_source, "%s (o2_ref_standard \"%s\")",
             s->source, s->name);
}

/* The factor keys of g (the stream group itself, whose other keys the
 * stream's table checks, or its `factors` group: own_group): read, refused
 * on a stream type they do not apply to, and put in force. */
static void parse_factors(ctx_t *c, const config_setting_t *g, const char *ctxs, int own_group,
                          mvg_stream_cfg *st)
{
    const mvg_section *sec = &mvg_config_factors_section;
    factors_row row;
    memset(&row, 0, sizeof row);
    signed char rc[sizeof factors_keys / sizeof factors_keys[0]];
    if (own_group)
        mvg_section_read(&c->r, sec, g, ctxs, &row, rc);
    else
        mvg_section_read_rows(&c->r, sec, g, ctxs, &row, rc);
    mvg_conv_factors *f = &st->factors;
    mvg_stream_type t = st->type;
    int flue = t == MVG_STREAM_NOX || t == MVG_STREAM_SO2;
    struct {
        const char *key;
        int ok;
        const char *hint;
        double *dst, v;
        unsigned bit;
    } rules[] = {
        {"cost_per_unit", 1, "", &f->cost_per_unit, row.cost_per_unit, MVG_CONV_DEF_COST},
        {"co2_kg_per_unit", t == MVG_STREAM_ELECTRICITY || t == MVG_STREAM_HEAT,
         "applies to electricity (grid factor) and heat streams; fuels take co2_kg_per_tj",
         &f->co2_factor, row.co2_kg_per_unit, MVG_CONV_DEF_CO2},
        {"co2_kg_per_tj", t == MVG_STREAM_FUEL, "applies to fuel streams", &f->co2_factor,
         row.co2_kg_per_tj, MVG_CONV_DEF_CO2},
        {"kg_per_unit", t == MVG_STREAM_FUEL, "applies to fuel streams (density)", &f->kg_per_unit,
         row.kg_per_unit, MVG_CONV_DEF_MASS},
        {"ncv_tj_per_gg", t == MVG_STREAM_FUEL, "applies to fuel streams", &f->ncv_tj_per_gg,
         row.ncv_tj_per_gg, MVG_CONV_DEF_NCV},
        {"enthalpy_kj_per_kg", t == MVG_STREAM_HEAT && strcmp(f->unit, "t") == 0,
         "applies to heat streams measured in t of steam", &f->enthalpy_kj_per_kg,
         row.enthalpy_kj_per_kg, MVG_CONV_DEF_ENTHALPY},
        {"o2_ref", flue, "applies to nox and so2 streams", &f->o2_ref_pct, row.o2_ref,
         MVG_CONV_DEF_O2_REF},
        {"flow_basis", flue, "applies to nox and so2 streams", NULL, 0, MVG_CONV_DEF_FLOW},
        {"flow_h2o_pct", flue, "applies to nox and so2 streams", &f->flow_h2o_pct,
         row.flow_h2o_pct, MVG_CONV_DEF_FLOW_STATE},
        {"flow_temp_c", flue, "applies to nox and so2 streams", &f->flow_temp_c, row.flow_temp_c,
         MVG_CONV_DEF_FLOW_STATE},
        {"flow_kpa", flue, "applies to nox and so2 streams", &f->flow_kpa, row.flow_kpa,
         MVG_CONV_DEF_FLOW_STATE},
        {"volume_at", t == MVG_STREAM_FUEL, "applies to fuel streams (natural gas by volume)",
         NULL, 0, 0},
        {"o2_ref_standard", flue, "applies to nox and so2 streams", NULL, 0, 0},
        {"grid", t == MVG_STREAM_ELECTRICITY,
         "applies to electricity streams (a heat stream's factor is its source's)", NULL, 0, 0},
    };
    int volume_at = -1;
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        if (mvg_section_rc(sec, rc, rules[i].key) <= 0)
            continue;
        if (!rules[i].ok) {
            mvg_cfgp_fail(c, config_setting_get_member(g, rules[i].key), "%s: '%s' %s", ctxs,
                          rules[i].key, rules[i].hint);
        } else if (rules[i].dst) {
            *rules[i].dst = rules[i].v;
            f->defaulted &= ~rules[i].bit;
            if (rules[i].dst == &f->co2_factor)
                f->co2_source[0] = '\0'; /* a number of the configuration's own */
        } else if (strcmp(rules[i].key, "volume_at") == 0) {
            volume_at = row.volume_at; /* after kg_per_unit, whichever came first */
        } else if (strcmp(rules[i].key, "o2_ref_standard") == 0) {
            o2_standard(c, g, ctxs, row.o2_standard, mvg_section_rc(sec, rc, "o2_ref") > 0, f);
        } else if (strcmp(rules[i].key, "grid") == 0) {
            grid_factor(c, g, ctxs, row.grid, mvg_section_rc(sec, rc, "co2_kg_per_unit") > 0, f);
        } else {
            f->flow_basis = (mvg_flow_basis)row.flow_basis;
            f->defaulted &= ~rules[i].bit;
        }
    }
    char e[160];
    if (volume_at >= 0 && mvg_convert_volume_ref(f, volume_at, e, sizeof e) != 0)
        mvg_cfgp_fail(c, config_setting_get_member(g, "volume_at"), "%s: 'volume_at' %s", ctxs, e);
}

/* ---- adjustments --------------------------------------------------------- */

#define AD(f) MVG_FIELD(mvg_adjust_cfg, f)
static const mvg_key adjust_keys[] = {
    {"reason", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_CUT, AD(reason),
     .doc = "why; reported with the adjustment"},
    {"per_interval", MVG_KEY_NUMBER, 0, AD(amount), .min = -1e12, .max = 1e12,
     .doc = "amount added to every valid (counted) reporting interval"},
    {"once_at", MVG_KEY_TIME, 0, AD(once_at_ms), .doc = "the one interval that gets `amount`"},
    {"amount", MVG_KEY_NUMBER, 0, AD(amount), .min = -1e12, .max = 1e12,
     .allowed = "-1e12..1e12; with `once_at` only", .doc = "the amount of `once_at`"},
};
const mvg_section mvg_config_adjustments_section = {"adjustments", MVG_KEYS(adjust_keys)};

/* The rules between the keys of one adjustment a, read from g: 1 valid. */
static int check_adjustment(ctx_t *c, const config_setting_t *g, const char *sub,
                            const signed char *rc, mvg_adjust_cfg *a)
{
    const mvg_section *sec = &mvg_config_adjustments_section;
    if (mvg_section_rc(sec, rc, "reason") <= 0)
        return 0;
    const config_setting_t *amount = config_setting_get_member(g, "amount");
    int has_per = config_setting_get_member(g, "per_interval") != NULL;
    int has_once = config_setting_get_member(g, "once_at") != NULL;
    if (has_per == has_once) {
        mvg_cfgp_fail(c, g, "%s: give either 'per_interval' or 'once_at' with 'amount'", sub);
        return 0;
    }
    if (has_per) {
        if (amount)
            mvg_cfgp_fail(c, amount,
                 "%s: 'amount' goes with 'once_at'; 'per_interval' is the amount itself", sub);
        return mvg_section_rc(sec, rc, "per_interval") > 0;
    }
    a->once = 1;
    if (mvg_section_rc(sec, rc, "once_at") <= 0)
        return 0;
    if (!amount) {
        mvg_cfgp_fail(c, g, "%s: 'once_at' needs 'amount'", sub);
        return 0;
    }
    return mvg_section_rc(sec, rc, "amount") > 0;
}

static void parse_adjustments(ctx_t *c, const config_setting_t *list, const char *ctxs,
                              mvg_stream_cfg *st)
{
    if (!config_setting_is_list(list)) {
        mvg_cfgp_fail(c, list, "%s: 'adjustments' must be a list ( { reason = ...; ... } )", ctxs);
        return;
    }
    int n = config_setting_length(list);
    st->adjust = calloc((size_t)(n ? n : 1), sizeof *st->adjust);
    if (!st->adjust)
        return;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char sub[300];
        snprintf(sub, sizeof sub, "%s: adjustments[%d]", ctxs, i);
        mvg_adjust_cfg *a = &st->adjust[st->nadjust];
        signed char rc[sizeof adjust_keys / sizeof adjust_keys[0]];
        memset(a, 0, sizeof *a);
        if (mvg_section_read_group(&c->r, &mvg_config_adjustments_section, g, sub, NULL, a, rc) != 0)
            continue;
        a->src = mvg_cfgp_src_of(c, g);
        if (check_adjustment(c, g, sub, rc, a))
            st->nadjust++;
    }
}

/* ---- the inlet and outlet of a voc stream -------------------------------- */

typedef struct {
    const char *conc, *flow;
} voc_pair_row;

static const mvg_key voc_pair_keys[] = {
    {"conc", MVG_KEY_TEXT, MVG_KEY_REQUIRED, MVG_FIELD(voc_pair_row, conc),
     .type_doc = "reference", .allowed = "[reference](#references)", .doc = "concentration (mg/Nm3)"},
    {"flow", MVG_KEY_TEXT, MVG_KEY_REQUIRED, MVG_FIELD(voc_pair_row, flow),
     .type_doc = "reference", .allowed = "[reference](#references)", .doc = "flow (Nm3/h)"},
};
const mvg_section mvg_config_voc_pair_section = {"inlet-outlet", MVG_KEYS(voc_pair_keys)};

static void parse_voc_pair(ctx_t *c, const config_setting_t *s, const char *key,
                           const char *ctxs, const mvg_project_cfg *prj, mvg_stream_cfg *st,
                           mvg_ref_cfg *conc, mvg_ref_cfg *flow)
{
    char sub[300], impl[MVG_CHANNEL_NAME_MAX];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    voc_pair_row row = {NULL, NULL};
    if (mvg_section_read_group(&c->r, &mvg_config_voc_pair_section, s, sub,
                               "{ conc = \"dev.point\"; flow = \"dev.point\"; }", &row, NULL) != 0)
        return;
    snprintf(impl, sizeof impl, "~%s.%s.%s_conc", prj->name, st->name, key);
    mvg_cfgp_ref(c, s, "conc", sub, row.conc, impl, conc);
    snprintf(impl, sizeof impl, "~%s.%s.%s_flow", prj->name, st->name, key);
    mvg_cfgp_ref(c, s, "flow", sub, row.flow, impl, flow);
}

/* ---- streams ------------------------------------------------------------- */

typedef struct {
    char name[MVG_PRJ_NAME_MAX];
    char type[32], unit[64], fuel[32];
    const char *actual, *conc, *o2, *flow;
    double accuracy_pct;
    const char *tariff;
    double energy_price, demand_charge;
    int demand_interval_min;
} stream_row;

#define SR(f) MVG_FIELD(stream_row, f)
#define REF .type_doc = "reference"
static const mvg_key stream_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NONEMPTY | MVG_KEY_MANUAL, SR(name),
     .allowed = "1..63 characters, unique in the project", .doc = "the stream"},
    {"type", MVG_KEY_STRING, MVG_KEY_REQUIRED, SR(type),
     .allowed = "`electricity`, `fuel`, `heat` (or `steam`), `water` (or `wastewater`), `nox`, "
                "`so2`, `voc`, `cost`",
     .doc = "what is measured"},
    {"unit", MVG_KEY_STRING, MVG_KEY_REQUIRED, SR(unit),
     .allowed = "by type, see below (case-insensitive)",
     .doc = "the unit of `actual` and of the savings"},
    {"fuel", MVG_KEY_STRING, 0, SR(fuel), .def_doc = "required for `fuel`, not allowed otherwise",
     .allowed = "`natural_gas`, `diesel`, `lpg`",
     .doc = "the fuel, for its default density, NCV and CO2 factor"},
    {"actual", MVG_KEY_TEXT, 0, SR(actual), REF,
     .def_doc = "required, except `voc` and `nox`/`so2` measured by concentration",
     .allowed = "[reference](#references)", .doc = "the measured use per interval"},
    {"model", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "required",
     .hint = "e.g. model = { type = \"linear\"; x = [ \"dev.point\" ]; }",
     .allowed = "[model](#model)", .doc = "the baseline model"},
    {"conc", MVG_KEY_TEXT, 0, SR(conc), REF, .def_doc = "required for `nox`, `so2` without `actual`",
     .allowed = "`nox`, `so2` without `actual`", .doc = "concentration (mg/Nm3)"},
    {"flow", MVG_KEY_TEXT, 0, SR(flow), REF, .def_doc = "required for `nox`, `so2` without `actual`",
     .allowed = "`nox`, `so2` without `actual`", .doc = "flue-gas flow (Nm3/h)"},
    {"o2", MVG_KEY_TEXT, 0, SR(o2), REF, .def_doc = "required with `flow_basis = \"reference\"`",
     .allowed = "`nox`, `so2` without `actual`", .doc = "measured O2 (%)"},
    {"inlet", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "required for `voc`",
     .allowed = "`voc` only: `conc`, `flow` (below)",
     .doc = "concentration (mg/Nm3) and flow (Nm3/h) before the treatment"},
    {"outlet", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "required for `voc`",
     .allowed = "`voc` only: `conc`, `flow` (below)", .doc = "the same after the treatment"},
    {"adjustments", MVG_KEY_OTHER, 0, .type_doc = "list", .def_doc = "none",
     .allowed = "[adjustments](#adjustments)", .doc = "non-routine adjustments"},
    {"factors", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "none",
     .allowed = "[factors](#factors)", .doc = "the conversion factors, grouped"},
    {"accuracy_pct", MVG_KEY_NUMBER, 0, SR(accuracy_pct), .min = 0, .max = 50, .def = "0",
     .doc = "the meter's accuracy (percent of reading), combined with the model's FSU in "
            "quadrature (docs/method.md); 0: not combined"},
    {"tariff", MVG_KEY_TEXT, MVG_KEY_NONEMPTY, SR(tariff), .def_doc = "none (`cost_per_unit`)",
     .allowed = "`\"guangdong\"` ([tariffs](#tariffs)), or a file path with a `/`",
     .applies = "electricity",
     .doc = "time-of-use periods that price each interval's savings, with the demand charge"},
    {"energy_price", MVG_KEY_NUMBER, 0, SR(energy_price), .min = 0, .max = 1e6,
     .def_doc = "required with `tariff`", .applies = "with `tariff`",
     .doc = "HK$ per kWh of the tariff's flat period (ratio 1); the other periods by their ratio"},
    {"demand_charge", MVG_KEY_NUMBER, 0, SR(demand_charge), .min = 0, .max = 1e6, .def = "0",
     .applies = "with `tariff`",
     .doc = "HK$ per kW of the billing month's peak demand (the demand charge; per kVA: divide "
            "by the power factor)"},
    {"demand_interval_min", MVG_KEY_INT, 0, SR(demand_interval_min), .lo = 1, .hi = 60,
     .def_doc = "the project's `interval_min`", .applies = "with `tariff`",
     .allowed = "a multiple of `interval_min` that divides the hour",
     .doc = "the window the demand meter averages over (HK utilities: 30 minutes)"},
};
const mvg_section mvg_config_streams_section = {
    .name = "streams",
    .keys = stream_keys,
    .nkeys = sizeof stream_keys / sizeof stream_keys[0],
    .inline_keys = &mvg_config_factors_section,
};

/* How a stream is measured: the references its type needs, and no other. */
static void check_measurement(ctx_t *c, const config_setting_t *g, const char *ctxs,
                              const mvg_project_cfg *prj, const stream_row *row,
                              mvg_stream_cfg *st)
{
    const mvg_section *sec = &mvg_config_streams_section;
    char impl[MVG_CHANNEL_NAME_MAX];
    const config_setting_t *act = config_setting_get_member(g, "actual");
    int is_flue = st->type == MVG_STREAM_NOX || st->type == MVG_STREAM_SO2;
    if (st->type == MVG_STREAM_VOC) {
        const config_setting_t *in = config_setting_get_member(g, "inlet");
        const config_setting_t *outs = config_setting_get_member(g, "outlet");
        if (act)
            mvg_cfgp_fail(c, act, "%s: a voc stream is measured by 'inlet' and 'outlet', not 'actual'", ctxs);
        if (!in || !outs) {
            mvg_cfgp_fail(c, g, "%s: a voc stream needs inlet = { conc; flow; } and outlet = { conc; flow; }",
                 ctxs);
        } else {
            parse_voc_pair(c, in, "inlet", ctxs, prj, st, &st->in_conc, &st->in_flow);
            parse_voc_pair(c, outs, "outlet", ctxs, prj, st, &st->out_conc, &st->out_flow);
        }
    } else if (is_flue && !act) {
        st->has_flue = 1;
        snprintf(impl, sizeof impl, "~%s.%s.conc", prj->name, st->name);
        if (mvg_section_require(&c->r, sec, "conc", g, ctxs))
            mvg_cfgp_ref(c, g, "conc", ctxs, row->conc, impl, &st->conc);
        snprintf(impl, sizeof impl, "~%s.%s.flow", prj->name, st->name);
        if (mvg_section_require(&c->r, sec, "flow", g, ctxs))
            mvg_cfgp_ref(c, g, "flow", ctxs, row->flow, impl, &st->flow);
        if (config_setting_get_member(g, "o2")) {
            snprintf(impl, sizeof impl, "~%s.%s.o2", prj->name, st->name);
            st->has_o2 = mvg_cfgp_ref(c, g, "o2", ctxs, row->o2, impl, &st->o2) == 0;
        } else if (st->factors.flow_basis == MVG_FLOW_REFERENCE) {
            mvg_cfgp_fail(c, g, "%s: flow_basis \"reference\" needs 'o2' (the measured O2, %%)", ctxs);
        }
    } else {
        snprintf(impl, sizeof impl, "~%s.%s.actual", prj->name, st->name);
        if (mvg_section_require(&c->r, sec, "actual", g, ctxs) &&
            mvg_cfgp_ref(c, g, "actual", ctxs, row->actual, impl, &st->actual) == 0)
            st->has_actual = 1;
        static const char *const flue_only[] = {"conc", "o2", "flow", "inlet", "outlet"};
        for (size_t i = 0; i < 5; i++) {
            const config_setting_t *s = config_setting_get_member(g, flue_only[i]);
            if (s)
                mvg_cfgp_fail(c, s, "%s: '%s' applies to %s streams only", ctxs, flue_only[i],
                     i < 3 ? "nox and so2 streams without 'actual'," : "voc");
        }
    }
}

void mvg_cfgp_parse_stream(ctx_t *c, const config_setting_t *g, const char *pctx,
                           const mvg_project_cfg *prj, size_t idx, mvg_stream_cfg *st)
{
    const mvg_section *sec = &mvg_config_streams_section;
    char ctxs[256];
    snprintf(ctxs, sizeof ctxs, "%s: streams[%zu]", pctx, idx);
    st->src = mvg_cfgp_src_of(c, g);
    if (!config_setting_is_group(g)) {
        mvg_cfgp_fail(c, g, "%s must be a group { name = ...; type = ...; ... }", ctxs);
        return;
    }
    stream_row row;
    memset(&row, 0, sizeof row);
    signed char rc[sizeof stream_keys / sizeof stream_keys[0]];
    if (mvg_key_read(&c->r, mvg_section_key(sec, "name"), g, ctxs, &row, NULL) <= 0) {
        mvg_section_read(&c->r, sec, g, ctxs, &row, rc);
        return;
    }
    snprintf(st->name, sizeof st->name, "%s", row.name);
    snprintf(ctxs, sizeof ctxs, "%s: stream '%s'", pctx, row.name);
    mvg_section_read(&c->r, sec, g, ctxs, &row, rc);
    for (size_t i = 0; i < idx; i++)
        if (strcmp(prj->streams[i].name, row.name) == 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "name"), "%s: defined twice in this project",
                 ctxs);
            return;
        }
    if (mvg_section_rc(sec, rc, "type") <= 0 || mvg_section_rc(sec, rc, "unit") <= 0)
        return;
    if (mvg_convert_stream_parse(row.type, &st->type) != 0) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "type"),
             "%s: unknown type '%s' (electricity, fuel, heat, water, nox, so2, voc, cost)", ctxs,
             row.type);
        return;
    }
    mvg_fuel fuel = MVG_FUEL_NATURAL_GAS;
    int has_fuel = mvg_section_rc(sec, rc, "fuel") > 0;
    if (st->type == MVG_STREAM_FUEL) {
        if (!has_fuel) {
            if (mvg_section_rc(sec, rc, "fuel") == 0)
                mvg_cfgp_fail(c, g, "%s: a fuel stream needs 'fuel' (natural_gas, diesel, lpg)", ctxs);
            return;
        }
        if (mvg_convert_fuel_parse(row.fuel, &fuel) != 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "fuel"),
                 "%s: unknown fuel '%s' (natural_gas, diesel, lpg)", ctxs, row.fuel);
            return;
        }
    } else if (has_fuel) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "fuel"), "%s: 'fuel' applies to fuel streams only",
             ctxs);
    }
    char err[160];
    if (mvg_convert_defaults(st->type, fuel, row.unit, &st->factors, err, sizeof err) != 0) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "unit"), "%s: %s", ctxs, err);
        return;
    }
    parse_factors(c, g, ctxs, 0, st);
    const config_setting_t *fg = config_setting_get_member(g, "factors");
    if (fg) {
        char sub[300];
        snprintf(sub, sizeof sub, "%s: factors", ctxs);
        if (!config_setting_is_group(fg))
            mvg_cfgp_fail(c, fg, "%s: 'factors' must be a group", ctxs);
        else
            parse_factors(c, fg, sub, 1, st);
    }
    check_measurement(c, g, ctxs, prj, &row, st);
    st->meter_accuracy = row.accuracy_pct / 100.0;
    mvg_cfgp_tariff_keys tk = {mvg_section_rc(sec, rc, "tariff") > 0,
                               mvg_section_rc(sec, rc, "energy_price") > 0,
                               mvg_section_rc(sec, rc, "demand_interval_min") > 0,
                               row.tariff,
                               row.energy_price,
                               row.demand_charge,
                               row.demand_interval_min};
    mvg_cfgp_parse_tariff(c, g, ctxs, prj, &tk, st);

    const config_setting_t *m = config_setting_get_member(g, "model");
    /* Pollutants too: the saving is the old system's modelled emission minus
     * the measured one (docs/method.md "Pollutants"), never what a VOC unit
     * removes (inlet minus outlet). */
    if (m)
        parse_model(c, m, ctxs, prj, st);
    else if (st->type == MVG_STREAM_VOC)
        mvg_cfgp_fail(c, g,
                      "%s: a voc stream needs 'model': the old unit's outlet emission against its "
                      "driver (e.g. model = { type = \"linear\"; x = [ \"inlet load\" ]; }), "
                      "docs/method.md \"Pollutants\"",
                      ctxs);
    else
        mvg_section_require(&c->r, sec, "model", g, ctxs);
    const config_setting_t *adj = config_setting_get_member(g, "adjustments");
    if (adj)
        parse_adjustments(c, adj, ctxs, st);
}
