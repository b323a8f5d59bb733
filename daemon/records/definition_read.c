/*
 * definition_read.c: a project definition record read back into the
 * project it states (definition.h), the inverse of definition.c: the same
 * members, in the same meaning. What a reader needs and the record does
 * not carry (the criteria's granularity and confidence) keeps the engine's
 * default. The conversion factors start from mvg_convert_defaults() of the
 * stream's type, fuel and unit and take the record's values, so that
 * mvg_convert_apply() gives what the gateway computed.
 */
#include "definition.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_projects.h"
#include "convert.h"
#include "model_json.h"
#include "timefmt.h"

typedef struct {
    char *err;
    size_t errlen;
    int failed;
} rd;

static void fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(rd *r, const char *fmt, ...)
{
    if (r->failed++)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
}

/* A string member into buf ("" for null when may_null). */
static void str(rd *r, const json_t *o, const char *key, const char *where, int may_null,
                char *buf, size_t len)
{
    const json_t *v = json_object_get(o, key);
    buf[0] = '\0';
    if (json_is_string(v) && strlen(json_string_value(v)) < len)
        snprintf(buf, len, "%s", json_string_value(v));
    else if (!(may_null && json_is_null(v)))
        fail(r, "%s: '%s' must be a string%s%s", where, key, may_null ? " or null" : "",
             json_is_string(v) ? " (too long)" : "");
}

static double num(rd *r, const json_t *o, const char *key, const char *where)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        fail(r, "%s: '%s' must be a number", where, key);
        return NAN;
    }
    return json_number_value(v);
}

static int64_t when(rd *r, const json_t *o, const char *key, const char *where, int *given)
{
    const json_t *v = json_object_get(o, key);
    int64_t ms = 0;
    if (given)
        *given = !json_is_null(v);
    if (given && !*given)
        return 0;
    if (!json_is_string(v) || mvg_timefmt_parse(json_string_value(v), &ms) != 0)
        fail(r, "%s: '%s' must be a time%s", where, key, given ? " or null" : "");
    return ms;
}

/* "device.point[:sum|:mean|:min|:max]", as definition.c's ref() writes it. */
static void ref(rd *r, const json_t *v, const char *where, mvg_ref_cfg *out)
{
    static const char *const aggs[] = {"sum", "mean", "min", "max"};
    memset(out, 0, sizeof *out);
    const char *s = json_string_value(v);
    if (!s || strlen(s) >= sizeof out->channel) {
        fail(r, "%s: a channel reference must be a string", where);
        return;
    }
    snprintf(out->channel, sizeof out->channel, "%s", s);
    char *colon = strrchr(out->channel, ':');
    for (size_t i = 0; colon && i < 4; i++)
        if (strcmp(colon + 1, aggs[i]) == 0) {
            *colon = '\0';
            out->agg = (mvg_ref_agg)(MVG_REF_SUM + i);
        }
}

static void period(rd *r, const json_t *ps, const char *name, int64_t *start, int *has_end,
                   int64_t *end)
{
    char where[64];
    snprintf(where, sizeof where, "periods.%s", name);
    const json_t *p = json_object_get(ps, name);
    if (!json_is_object(p)) {
        fail(r, "%s must be an object", where);
        return;
    }
    *start = when(r, p, "start", where, NULL);
    *end = when(r, p, "end", where, has_end);
}

/* The record's factor values over the defaults of the stream's kind. */
static void factors(rd *r, const json_t *a, const char *where, mvg_conv_factors *f)
{
    static const struct {
        const char *name;
        size_t off;
        unsigned bit;
    } rows[] = {
        {"co2_kg_per_unit", offsetof(mvg_conv_factors, co2_factor), MVG_CONV_DEF_CO2},
        {"co2_kg_per_tj", offsetof(mvg_conv_factors, co2_factor), MVG_CONV_DEF_CO2},
        {"cost_per_unit", offsetof(mvg_conv_factors, cost_per_unit), MVG_CONV_DEF_COST},
        {"kg_per_unit", offsetof(mvg_conv_factors, kg_per_unit), MVG_CONV_DEF_MASS},
        {"ncv_tj_per_gg", offsetof(mvg_conv_factors, ncv_tj_per_gg), MVG_CONV_DEF_NCV},
        {"enthalpy_kj_per_kg", offsetof(mvg_conv_factors, enthalpy_kj_per_kg),
         MVG_CONV_DEF_ENTHALPY},
        {"o2_ref", offsetof(mvg_conv_factors, o2_ref_pct), MVG_CONV_DEF_O2_REF},
    };
    if (!json_is_array(a)) {
        fail(r, "%s: 'factors' must be an array", where);
        return;
    }
    size_t k;
    const json_t *it;
    json_array_foreach(a, k, it)
    {
        const char *n = json_string_value(json_object_get(it, "name"));
        const json_t *v = json_object_get(it, "value");
        int defaulted = json_is_true(json_object_get(it, "defaulted"));
        if (!n) {
            fail(r, "%s: factors[%zu]: 'name' must be a string", where, k);
            return;
        }
        if (strcmp(n, "flow_basis") == 0) {
            const char *b = json_string_value(v);
            if (!b || (strcmp(b, "measured") != 0 && strcmp(b, "reference") != 0))
                fail(r, "%s: factor flow_basis must be \"measured\" or \"reference\"", where);
            else
                f->flow_basis = strcmp(b, "measured") == 0 ? MVG_FLOW_MEASURED : MVG_FLOW_REFERENCE;
            if (!defaulted)
                f->defaulted &= ~(unsigned)MVG_CONV_DEF_FLOW;
            continue;
        }
        if (!json_is_number(v)) {
            fail(r, "%s: factor %s: 'value' must be a number", where, n);
            return;
        }
        /* kwh_per_unit and tj_per_kwh follow from the unit (and enthalpy) */
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
            if (strcmp(rows[i].name, n) == 0) {
                *(double *)((char *)f + rows[i].off) = json_number_value(v);
                if (!defaulted)
                    f->defaulted &= ~rows[i].bit;
            }
        /* A configured factor whose record names a publication (a grid
         * table entry, a named O2 standard) keeps it: the writer says
         * "configuration" only for a number of the configuration's own. */
        const char *src = json_string_value(json_object_get(it, "source"));
        if (!defaulted && src && strcmp(src, "configuration") != 0) {
            if (strncmp(n, "co2_kg_per_", 11) == 0)
                snprintf(f->co2_source, sizeof f->co2_source, "%s", src);
            else if (strcmp(n, "o2_ref") == 0)
                snprintf(f->o2_ref_source, sizeof f->o2_ref_source, "%s", src);
        }
    }
}

static void adjustments(rd *r, const json_t *a, const char *where, mvg_stream_cfg *s)
{
    size_t n = json_array_size(a);
    if (!json_is_array(a)) {
        fail(r, "%s: 'adjustments' must be an array", where);
        return;
    }
    if (n == 0)
        return;
    s->adjust = calloc(n, sizeof *s->adjust);
    if (!s->adjust) {
        fail(r, "out of memory");
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const json_t *it = json_array_get(a, k);
        char w[160];
        snprintf(w, sizeof w, "%s: adjustments[%zu]", where, k);
        mvg_adjust_cfg *ad = &s->adjust[k];
        str(r, it, "reason", w, 0, ad->reason, sizeof ad->reason);
        ad->amount = num(r, it, "amount", w);
        ad->once_at_ms = when(r, it, "once_at", w, &ad->once);
    }
    s->nadjust = n;
}

static void model(rd *r, const json_t *m, const char *where, mvg_stream_cfg *s)
{
    if (json_is_null(m))
        return;
    const char *form = json_string_value(json_object_get(m, "form"));
    if (!json_is_object(m) || !form || mvg_model_type_parse(form, &s->model_type) != 0) {
        fail(r, "%s: 'model' must be null or an object with a known 'form'", where);
        return;
    }
    s->has_model = 1;
    const json_t *x = json_object_get(m, "x");
    if (!json_is_array(x) || json_array_size(x) > MVG_MODEL_MAX_X) {
        fail(r, "%s: model 'x' must be an array of at most %d channels", where, MVG_MODEL_MAX_X);
        return;
    }
    s->nx = json_array_size(x);
    for (size_t k = 0; k < s->nx; k++)
        ref(r, json_array_get(x, k), where, &s->x[k]);
    s->model_given = json_is_true(json_object_get(m, "given"));
    if (s->model_given) {
        char e[300];
        if (mvg_model_from_json(json_object_get(m, "coefficients"), &s->model, NULL, e,
                                sizeof e) != 0)
            fail(r, "%s: model coefficients: %s", where, e);
    }
}

static void stream(rd *r, const json_t *j, size_t k, mvg_stream_cfg *s)
{
    char where[96], type[16], fuel[16], unit[16];
    snprintf(where, sizeof where, "streams[%zu]", k);
    str(r, j, "name", where, 0, s->name, sizeof s->name);
    str(r, j, "type", where, 0, type, sizeof type);
    str(r, j, "unit", where, 0, unit, sizeof unit);
    str(r, j, "fuel", where, 1, fuel, sizeof fuel);
    if (r->failed)
        return;
    mvg_fuel fu = MVG_FUEL_NATURAL_GAS;
    char e[160];
    if (mvg_convert_stream_parse(type, &s->type) != 0 ||
        (fuel[0] && mvg_convert_fuel_parse(fuel, &fu) != 0)) {
        fail(r, "%s: unknown type '%s' or fuel '%s'", where, type, fuel);
        return;
    }
    if (mvg_convert_defaults(s->type, fu, unit, &s->factors, e, sizeof e) != 0) {
        fail(r, "%s: %s", where, e);
        return;
    }
    const json_t *a = json_object_get(j, "actual");
    s->has_actual = !json_is_null(a);
    if (s->has_actual)
        ref(r, a, where, &s->actual);
    model(r, json_object_get(j, "model"), where, s);
    const json_t *fg = json_object_get(j, "flue_gas");
    if (json_is_object(fg) && json_object_get(fg, "conc")) {
        s->has_flue = 1;
        ref(r, json_object_get(fg, "conc"), where, &s->conc);
        ref(r, json_object_get(fg, "flow"), where, &s->flow);
        s->has_o2 = !json_is_null(json_object_get(fg, "o2"));
        if (s->has_o2)
            ref(r, json_object_get(fg, "o2"), where, &s->o2);
    } else if (json_is_object(fg)) {
        ref(r, json_object_get(fg, "in_conc"), where, &s->in_conc);
        ref(r, json_object_get(fg, "in_flow"), where, &s->in_flow);
        ref(r, json_object_get(fg, "out_conc"), where, &s->out_conc);
        ref(r, json_object_get(fg, "out_flow"), where, &s->out_flow);
    }
    adjustments(r, json_object_get(j, "adjustments"), where, s);
    factors(r, json_object_get(j, "factors"), where, &s->factors);
    const json_t *acc = json_object_get(j, "meter_accuracy");
    /* records before the member was written: not combined, as then */
    s->meter_accuracy = json_is_number(acc) ? json_number_value(acc) : 0.0;
}

static void meter(rd *r, const json_t *j, size_t k, mvg_definition_meter *m)
{
    char where[64];
    snprintf(where, sizeof where, "meters[%zu]", k);
    str(r, j, "device", where, 0, m->device, sizeof m->device);
    str(r, j, "profile", where, 1, m->profile, sizeof m->profile);
    str(r, j, "transport", where, 0, m->transport, sizeof m->transport);
    str(r, j, "host", where, 1, m->host, sizeof m->host);
    str(r, j, "serial_port", where, 1, m->serial_port, sizeof m->serial_port);
    str(r, j, "accuracy_class", where, 1, m->accuracy_class, sizeof m->accuracy_class);
    str(r, j, "calibration_date", where, 1, m->calibration_date, sizeof m->calibration_date);
    m->unit_id = (int)json_integer_value(json_object_get(j, "unit_id"));
    m->port = (int)json_integer_value(json_object_get(j, "port"));
    const json_t *pts = json_object_get(j, "points");
    size_t n = json_array_size(pts);
    m->points = calloc(n ? n : 1, sizeof *m->points);
    if (!m->points) {
        fail(r, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(pts, i);
        char kind[16];
        str(r, p, "name", where, 0, m->points[i].name, sizeof m->points[i].name);
        str(r, p, "unit", where, 0, m->points[i].unit, sizeof m->points[i].unit);
        str(r, p, "kind", where, 0, kind, sizeof kind);
        m->points[i].counter = strcmp(kind, "counter") == 0;
    }
    m->npoints = n;
}

static void project(rd *r, const json_t *doc, mvg_definition *d)
{
    static const char *const options[] = {"A", "B", "C", "D"};
    mvg_project_cfg *p = &d->prj;
    str(r, doc, "gateway", "definition", 0, d->gateway, sizeof d->gateway);
    str(r, doc, "project", "definition", 0, p->name, sizeof p->name);
    str(r, doc, "technology", "definition", 1, p->technology, sizeof p->technology);
    str(r, doc, "measurement_boundary", "definition", 1, p->measurement_boundary,
        sizeof p->measurement_boundary);
    str(r, doc, "config_sha256", "definition", 0, d->config_sha256, sizeof d->config_sha256);
    d->version = json_integer_value(json_object_get(doc, "version"));
    d->chain = json_integer_value(json_object_get(doc, "chain"));
    p->interval_min = (int)json_integer_value(json_object_get(doc, "interval_min"));
    if (p->interval_min < 1 || p->interval_min > 60)
        fail(r, "definition: 'interval_min' must be 1..60");
    p->confidence = num(r, doc, "confidence", "definition");
    p->min_interval_coverage = num(r, doc, "min_interval_coverage", "definition");
    const char *opt = json_string_value(json_object_get(doc, "ipmvp_option"));
    for (int i = 0; opt && i < 4; i++)
        if (strcmp(opt, options[i]) == 0)
            p->ipmvp_option = i + 1;
    const json_t *ps = json_object_get(doc, "periods");
    int has_end = 0;
    period(r, ps, "baseline", &p->baseline_start_ms, &has_end, &p->baseline_end_ms);
    if (json_is_null(json_object_get(ps, "installation")))
        p->has_installation = 0;
    else
        period(r, ps, "installation", &p->installation_start_ms, &p->has_installation,
               &p->installation_end_ms);
    period(r, ps, "reporting", &p->reporting_start_ms, &p->has_reporting_end,
           &p->reporting_end_ms);
    mvg_model_criteria_default(&p->criteria);
    const json_t *cr = json_object_get(doc, "criteria");
    p->criteria.max_cv_rmse = num(r, cr, "max_cv_rmse", "criteria");
    p->criteria.max_abs_nmbe = num(r, cr, "max_abs_nmbe", "criteria");
    p->criteria.min_coverage = num(r, cr, "min_coverage", "criteria");
    p->criteria.min_points_per_segment =
        (size_t)json_integer_value(json_object_get(cr, "min_points_per_segment"));
}

void mvg_definition_free(mvg_definition *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->prj.nstreams; i++)
        free(d->prj.streams[i].adjust);
    free(d->prj.streams);
    for (size_t i = 0; i < d->nmeters; i++)
        free(d->meters[i].points);
    free(d->meters);
    for (size_t i = 0; i < d->nderived; i++)
        free(d->derived[i].expr);
    free(d->derived);
    free(d);
}

mvg_definition *mvg_definition_parse(const char *bytes, size_t len, char *err, size_t errlen)
{
    rd r = {err, errlen, 0};
    json_error_t je;
    json_t *doc = json_loadb(bytes, len, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "definition record: not JSON: %s", je.text);
        return NULL;
    }
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    if (!schema || strcmp(schema, MVG_SCHEMA_DEFINITION) != 0) {
        snprintf(err, errlen, "not a definition record (schema %s, not %s)",
                 schema ? schema : "missing", MVG_SCHEMA_DEFINITION);
        json_decref(doc);
        return NULL;
    }
    mvg_definition *d = calloc(1, sizeof *d);
    const json_t *streams = json_object_get(doc, "streams"), *meters = json_object_get(doc, "meters"),
                 *derived = json_object_get(doc, "derived");
    size_t ns = json_array_size(streams), nm = json_array_size(meters),
           nd = json_array_size(derived);
    if (!d) {
        json_decref(doc);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (ns == 0 || ns > MVG_PROJECT_MAX_STREAMS)
        fail(&r, "definition: 'streams' must hold 1..%d streams", MVG_PROJECT_MAX_STREAMS);
    d->prj.streams = calloc(ns ? ns : 1, sizeof *d->prj.streams);
    d->meters = calloc(nm ? nm : 1, sizeof *d->meters);
    d->derived = calloc(nd ? nd : 1, sizeof *d->derived);
    if (!d->prj.streams || !d->meters || !d->derived)
        fail(&r, "out of memory");
    if (!r.failed) {
        project(&r, doc, d);
        for (size_t k = 0; k < ns && !r.failed; k++, d->prj.nstreams++)
            stream(&r, json_array_get(streams, k), k, &d->prj.streams[k]);
        for (size_t k = 0; k < nm && !r.failed; k++, d->nmeters++)
            meter(&r, json_array_get(meters, k), k, &d->meters[k]);
        for (size_t k = 0; k < nd && !r.failed; k++) {
            const json_t *it = json_array_get(derived, k);
            mvg_derived_cfg *dc = &d->derived[k];
            char w[32];
            snprintf(w, sizeof w, "derived[%zu]", k);
            str(&r, it, "name", w, 0, dc->name, sizeof dc->name);
            str(&r, it, "unit", w, 0, dc->unit, sizeof dc->unit);
            const char *e = json_string_value(json_object_get(it, "expr"));
            dc->expr = strdup(e ? e : "");
            d->nderived++;
            if (!dc->expr)
                fail(&r, "out of memory");
        }
    }
    json_decref(doc);
    if (r.failed) {
        mvg_definition_free(d);
        return NULL;
    }
    return d;
}
