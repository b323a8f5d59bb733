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
#include "config_read.h"
#include "expr.h"

/* ---- streams ------------------------------------------------------------ */

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
        if (mvg_cfgp_get_number(config_setting_get_elem(a, (unsigned)i), &v[i]) != 0) {
            mvg_cfgp_fail(c, a, "%s: '%s'[%d] must be a number", ctxs, key, i);
            return -1;
        }
    *n = (size_t)len;
    return 0;
}

static void parse_model(ctx_t *c, const config_setting_t *m, const char *ctxs,
                        const mvg_project_cfg *prj, mvg_stream_cfg *st)
{
    static const char *const keys[] = {"type", "x", "coefficients", "change_points", "n",
                                       "cv_rmse", "rho", "nmbe", "r2", NULL};
    char sub[300];
    snprintf(sub, sizeof sub, "%s: model", ctxs);
    if (!config_setting_is_group(m)) {
        mvg_cfgp_fail(c, m, "%s must be a group { type = ...; x = [ ... ]; }", sub);
        return;
    }
    mvg_cfgp_check_keys(c, m, keys, sub);
    st->has_model = 1;
    st->model_type = MVG_MODEL_AUTO;
    const char *type = mvg_cfgp_opt_string(c, m, "type", sub);
    if (type && mvg_model_type_parse(type, &st->model_type) != 0) {
        mvg_cfgp_fail(c, config_setting_get_member(m, "type"),
             "%s: unknown type '%s' (mean, intensity, linear, 3pc, 3ph, 4p, 5p, auto)", sub, type);
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
    if (t != MVG_MODEL_MEAN && st->nx == 0) {
        mvg_cfgp_fail(c, m, "%s: a '%s' model needs at least one x", sub, mvg_model_type_name(t));
        return;
    }
    if (t != MVG_MODEL_MEAN && t != MVG_MODEL_LINEAR && t != MVG_MODEL_AUTO && st->nx != 1) {
        mvg_cfgp_fail(c, m, "%s: a '%s' model takes exactly one x, not %zu", sub, mvg_model_type_name(t),
             st->nx);
        return;
    }
    const config_setting_t *co = config_setting_get_member(m, "coefficients");
    const config_setting_t *cps = config_setting_get_member(m, "change_points");
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
    /* Fit statistics of the external fit, needed for the FSU; unknown -> NaN. */
    double v = NAN;
    md->n = 0;
    if (mvg_cfgp_opt_number(c, m, "n", sub, (double)md->p + 1, 1e9, &v) == 1)
        md->n = (size_t)v;
    md->cv_rmse = NAN;
    md->rho = 0.0;
    md->nmbe = NAN;
    md->r2 = NAN;
    mvg_cfgp_opt_number(c, m, "cv_rmse", sub, 0.0, 10.0, &md->cv_rmse);
    mvg_cfgp_opt_number(c, m, "rho", sub, -1.0, 1.0, &md->rho);
    mvg_cfgp_opt_number(c, m, "nmbe", sub, -10.0, 10.0, &md->nmbe);
    mvg_cfgp_opt_number(c, m, "r2", sub, -1e9, 1.0, &md->r2);
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

static void parse_factors(ctx_t *c, const config_setting_t *g, const char *ctxs,
                          mvg_stream_cfg *st)
{
    mvg_conv_factors *f = &st->factors;
    double v;
    mvg_stream_type t = st->type;
    struct {
        const char *key;
        int ok;
        const char *hint;
    } rules[] = {
        {"co2_kg_per_unit", t == MVG_STREAM_ELECTRICITY || t == MVG_STREAM_HEAT,
         "applies to electricity (grid factor) and heat streams; fuels take co2_kg_per_tj"},
        {"co2_kg_per_tj", t == MVG_STREAM_FUEL, "applies to fuel streams"},
        {"kg_per_unit", t == MVG_STREAM_FUEL, "applies to fuel streams (density)"},
        {"ncv_tj_per_gg", t == MVG_STREAM_FUEL, "applies to fuel streams"},
        {"enthalpy_kj_per_kg", t == MVG_STREAM_HEAT && strcmp(f->unit, "t") == 0,
         "applies to heat streams measured in t of steam"},
        {"o2_ref", t == MVG_STREAM_NOX || t == MVG_STREAM_SO2, "applies to nox and so2 streams"},
        {"flow_basis", t == MVG_STREAM_NOX || t == MVG_STREAM_SO2, "applies to nox and so2 streams"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const config_setting_t *s = config_setting_get_member(g, rules[i].key);
        if (s && !rules[i].ok)
            mvg_cfgp_fail(c, s, "%s: '%s' %s", ctxs, rules[i].key, rules[i].hint);
    }
    if (mvg_cfgp_opt_number(c, g, "cost_per_unit", ctxs, 0.0, 1e9, &f->cost_per_unit) == 1)
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_COST;
    if (rules[0].ok && mvg_cfgp_opt_number(c, g, "co2_kg_per_unit", ctxs, 0.0, 100.0, &v) == 1) {
        f->co2_factor = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_CO2;
    }
    if (rules[1].ok && mvg_cfgp_opt_number(c, g, "co2_kg_per_tj", ctxs, 0.0, 1e6, &v) == 1) {
        f->co2_factor = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_CO2;
    }
    if (rules[2].ok && mvg_cfgp_opt_number(c, g, "kg_per_unit", ctxs, 1e-6, 1e6, &v) == 1) {
        f->kg_per_unit = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_MASS;
    }
    if (rules[3].ok && mvg_cfgp_opt_number(c, g, "ncv_tj_per_gg", ctxs, 1.0, 200.0, &v) == 1) {
        f->ncv_tj_per_gg = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_NCV;
    }
    if (rules[4].ok && mvg_cfgp_opt_number(c, g, "enthalpy_kj_per_kg", ctxs, 1.0, 5000.0, &v) == 1) {
        f->enthalpy_kj_per_kg = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_ENTHALPY;
    }
    if (rules[5].ok && mvg_cfgp_opt_number(c, g, "o2_ref", ctxs, 0.0, 20.9, &v) == 1) {
        f->o2_ref_pct = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_O2_REF;
    }
    const char *fb = rules[6].ok ? mvg_cfgp_opt_string(c, g, "flow_basis", ctxs) : NULL;
    if (fb) {
        if (strcmp(fb, "measured") == 0)
            f->flow_basis = MVG_FLOW_MEASURED;
        else if (strcmp(fb, "reference") == 0)
            f->flow_basis = MVG_FLOW_REFERENCE;
        else
            mvg_cfgp_fail(c, config_setting_get_member(g, "flow_basis"),
                 "%s: flow_basis must be \"measured\" or \"reference\", not \"%s\"", ctxs, fb);
    }
}

static void parse_adjustments(ctx_t *c, const config_setting_t *list, const char *ctxs,
                              mvg_stream_cfg *st)
{
    static const char *const keys[] = {"reason", "per_interval", "once_at", "amount", NULL};
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
        if (!config_setting_is_group(g)) {
            mvg_cfgp_fail(c, g, "%s must be a group", sub);
            continue;
        }
        mvg_cfgp_check_keys(c, g, keys, sub);
        mvg_adjust_cfg *a = &st->adjust[st->nadjust];
        a->src = mvg_cfgp_src_of(c, g);
        const char *reason = mvg_cfgp_req_string(c, g, "reason", sub);
        if (!reason)
            continue;
        snprintf(a->reason, sizeof a->reason, "%s", reason);
        int has_per = config_setting_get_member(g, "per_interval") != NULL;
        int has_once = config_setting_get_member(g, "once_at") != NULL;
        if (has_per == has_once) {
            mvg_cfgp_fail(c, g, "%s: give either 'per_interval' or 'once_at' with 'amount'", sub);
            continue;
        }
        if (has_per) {
            if (config_setting_get_member(g, "amount"))
                mvg_cfgp_fail(c, config_setting_get_member(g, "amount"),
                     "%s: 'amount' goes with 'once_at'; 'per_interval' is the amount itself", sub);
            if (mvg_cfgp_opt_number(c, g, "per_interval", sub, -1e12, 1e12, &a->amount) != 1)
                continue;
        } else {
            a->once = 1;
            if (mvg_cfgp_req_time(c, g, "once_at", sub, 1, &a->once_at_ms) != 0)
                continue;
            if (!config_setting_get_member(g, "amount")) {
                mvg_cfgp_fail(c, g, "%s: 'once_at' needs 'amount'", sub);
                continue;
            }
            if (mvg_cfgp_opt_number(c, g, "amount", sub, -1e12, 1e12, &a->amount) != 1)
                continue;
        }
        st->nadjust++;
    }
}

static void parse_flue_pair(ctx_t *c, const config_setting_t *s, const char *key,
                            const char *ctxs, const mvg_project_cfg *prj, mvg_stream_cfg *st,
                            mvg_ref_cfg *conc, mvg_ref_cfg *flow)
{
    char sub[300], impl[MVG_CHANNEL_NAME_MAX];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    if (!config_setting_is_group(s)) {
        mvg_cfgp_fail(c, s, "%s must be a group { conc = \"dev.point\"; flow = \"dev.point\"; }", sub);
        return;
    }
    static const char *const keys[] = {"conc", "flow", NULL};
    mvg_cfgp_check_keys(c, s, keys, sub);
    snprintf(impl, sizeof impl, "~%s.%s.%s_conc", prj->name, st->name, key);
    mvg_cfgp_req_ref(c, s, "conc", sub, impl, conc);
    snprintf(impl, sizeof impl, "~%s.%s.%s_flow", prj->name, st->name, key);
    mvg_cfgp_req_ref(c, s, "flow", sub, impl, flow);
}

void mvg_cfgp_parse_stream(ctx_t *c, const config_setting_t *g, const char *pctx,
                           const mvg_project_cfg *prj, size_t idx, mvg_stream_cfg *st)
{
    static const char *const keys[] = {
        "name",          "type",        "unit",         "fuel",          "actual",
        "model",         "factors",     "adjustments",  "conc",          "o2",
        "flow",          "inlet",       "outlet",       "co2_kg_per_unit", "co2_kg_per_tj",
        "cost_per_unit", "kg_per_unit", "ncv_tj_per_gg", "enthalpy_kj_per_kg", "o2_ref",
        "flow_basis",    NULL};
    char ctxs[256];
    snprintf(ctxs, sizeof ctxs, "%s: streams[%zu]", pctx, idx);
    st->src = mvg_cfgp_src_of(c, g);
    if (!config_setting_is_group(g)) {
        mvg_cfgp_fail(c, g, "%s must be a group { name = ...; type = ...; ... }", ctxs);
        return;
    }
    const char *name = mvg_cfgp_req_string(c, g, "name", ctxs);
    if (mvg_cfgp_copy_name(c, g, ctxs, "name", name, st->name, sizeof st->name) != 0) {
        mvg_cfgp_check_keys(c, g, keys, ctxs);
        return;
    }
    snprintf(ctxs, sizeof ctxs, "%s: stream '%s'", pctx, name);
    mvg_cfgp_check_keys(c, g, keys, ctxs);
    for (size_t i = 0; i < idx; i++)
        if (strcmp(prj->streams[i].name, name) == 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "name"), "%s: defined twice in this project",
                 ctxs);
            return;
        }
    const char *type = mvg_cfgp_req_string(c, g, "type", ctxs);
    const char *unit = mvg_cfgp_req_string(c, g, "unit", ctxs);
    if (!type || !unit)
        return;
    if (mvg_convert_stream_parse(type, &st->type) != 0) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "type"),
             "%s: unknown type '%s' (electricity, fuel, heat, water, nox, so2, voc, cost)", ctxs,
             type);
        return;
    }
    mvg_fuel fuel = MVG_FUEL_NATURAL_GAS;
    const char *fs = mvg_cfgp_opt_string(c, g, "fuel", ctxs);
    if (st->type == MVG_STREAM_FUEL) {
        if (!fs) {
            mvg_cfgp_fail(c, g, "%s: a fuel stream needs 'fuel' (natural_gas, diesel, lpg)", ctxs);
            return;
        }
        if (mvg_convert_fuel_parse(fs, &fuel) != 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "fuel"),
                 "%s: unknown fuel '%s' (natural_gas, diesel, lpg)", ctxs, fs);
            return;
        }
    } else if (fs) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "fuel"), "%s: 'fuel' applies to fuel streams only",
             ctxs);
    }
    char err[160];
    if (mvg_convert_defaults(st->type, fuel, unit, &st->factors, err, sizeof err) != 0) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "unit"), "%s: %s", ctxs, err);
        return;
    }
    parse_factors(c, g, ctxs, st);
    const config_setting_t *fg = config_setting_get_member(g, "factors");
    if (fg) {
        if (!config_setting_is_group(fg)) {
            mvg_cfgp_fail(c, fg, "%s: 'factors' must be a group", ctxs);
        } else {
            static const char *const fkeys[] = {"co2_kg_per_unit", "co2_kg_per_tj", "cost_per_unit",
                                                "kg_per_unit",     "ncv_tj_per_gg", "enthalpy_kj_per_kg",
                                                "o2_ref",          "flow_basis",    NULL};
            char sub[300];
            snprintf(sub, sizeof sub, "%s: factors", ctxs);
            mvg_cfgp_check_keys(c, fg, fkeys, sub);
            parse_factors(c, fg, sub, st);
        }
    }

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
            parse_flue_pair(c, in, "inlet", ctxs, prj, st, &st->in_conc, &st->in_flow);
            parse_flue_pair(c, outs, "outlet", ctxs, prj, st, &st->out_conc, &st->out_flow);
        }
    } else if (is_flue && !act) {
        st->has_flue = 1;
        snprintf(impl, sizeof impl, "~%s.%s.conc", prj->name, st->name);
        mvg_cfgp_req_ref(c, g, "conc", ctxs, impl, &st->conc);
        snprintf(impl, sizeof impl, "~%s.%s.flow", prj->name, st->name);
        mvg_cfgp_req_ref(c, g, "flow", ctxs, impl, &st->flow);
        if (config_setting_get_member(g, "o2")) {
            snprintf(impl, sizeof impl, "~%s.%s.o2", prj->name, st->name);
            st->has_o2 = mvg_cfgp_req_ref(c, g, "o2", ctxs, impl, &st->o2) == 0;
        } else if (st->factors.flow_basis == MVG_FLOW_REFERENCE) {
            mvg_cfgp_fail(c, g, "%s: flow_basis \"reference\" needs 'o2' (the measured O2, %%)", ctxs);
        }
    } else {
        snprintf(impl, sizeof impl, "~%s.%s.actual", prj->name, st->name);
        if (mvg_cfgp_req_ref(c, g, "actual", ctxs, impl, &st->actual) == 0)
            st->has_actual = 1;
        static const char *const flue_only[] = {"conc", "o2", "flow", "inlet", "outlet"};
        for (size_t i = 0; i < 5; i++) {
            const config_setting_t *s = config_setting_get_member(g, flue_only[i]);
            if (s)
                mvg_cfgp_fail(c, s, "%s: '%s' applies to %s streams only", ctxs, flue_only[i],
                     i < 3 ? "nox and so2 streams without 'actual'," : "voc");
        }
    }

    const config_setting_t *m = config_setting_get_member(g, "model");
    if (m)
        parse_model(c, m, ctxs, prj, st);
    else if (st->type != MVG_STREAM_VOC)
        mvg_cfgp_fail(c, g, "%s: 'model' is missing (e.g. model = { type = \"linear\"; x = [ \"dev.point\" ]; })",
             ctxs);
    const config_setting_t *adj = config_setting_get_member(g, "adjustments");
    if (adj)
        parse_adjustments(c, adj, ctxs, st);
}

