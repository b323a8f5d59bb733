/*
 * definition.c: the project definition record (definition.h), built with
 * jansson like every other payload. Members in the order docs/mqtt.md
 * gives; what is not given is null, never 0 or "".
 */
#include "definition.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_projects.h"
#include "convert.h"
#include "model_json.h"
#include "timefmt.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *jtime(int64_t ms)
{
    char buf[40];
    return json_string(mvg_payload_time(ms, buf, sizeof buf));
}

static json_t *period(int64_t start, int has_end, int64_t end)
{
    return json_pack("{s:o, s:o}", "start", jtime(start), "end",
                     has_end ? jtime(end) : json_null());
}

static json_t *periods(const mvg_project_cfg *p)
{
    return json_pack("{s:o, s:o, s:o}", "baseline",
                     period(p->baseline_start_ms, 1, p->baseline_end_ms), "installation",
                     p->has_installation
                         ? period(p->installation_start_ms, 1, p->installation_end_ms)
                         : json_null(),
                     "reporting",
                     period(p->reporting_start_ms, p->has_reporting_end, p->reporting_end_ms));
}

static const char *bus_type_name(mvg_bus_type t)
{
    return t == MVG_BUS_TCP ? "tcp" : t == MVG_BUS_RTU ? "rtu" : "rtu-tcp";
}

static json_t *meter(const mvg_config *cfg, const mvg_device_cfg *d)
{
    const mvg_bus_cfg *b = d->bus < cfg->nbuses ? &cfg->buses[d->bus] : NULL;
    int serial = b && b->type == MVG_BUS_RTU;
    char date[40] = "";
    if (d->has_calibration)
        mvg_timefmt_format(d->calibration_ms, MVG_TIMEFMT_DATE, date, sizeof date);
    json_t *points = json_array();
    for (size_t k = 0; points && k < d->npoints; k++)
        json_array_append_new(points, json_pack("{s:s, s:s, s:s}", "name", d->points[k].name,
                                                "unit", d->points[k].unit, "kind",
                                                mvg_kind_name(d->points[k].kind)));
    return json_pack("{s:s, s:o, s:o, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "device", d->name,
                     "profile", str_or_null(d->profile), "profile_source",
                     str_or_null(d->profile_source), "unit_id", d->unit_id, "transport",
                     b ? bus_type_name(b->type) : "?", "host",
                     b && !serial ? json_string(b->host) : json_null(), "port",
                     b && !serial ? json_integer(b->port) : json_null(), "serial_port",
                     serial ? json_string(b->device) : json_null(), "accuracy_class",
                     str_or_null(d->accuracy_class), "calibration_date",
                     d->has_calibration ? json_string(date) : json_null(), "points", points);
}

static const char *agg_suffix(mvg_ref_agg a)
{
    static const char *const names[] = {"", ":sum", ":mean", ":min", ":max"};
    return (unsigned)a < 5 ? names[a] : "";
}

static json_t *ref(const mvg_ref_cfg *r)
{
    char buf[MVG_CHANNEL_NAME_MAX + 8];
    snprintf(buf, sizeof buf, "%s%s", r->channel, agg_suffix(r->agg));
    return json_string(buf);
}

static json_t *factors(const mvg_conv_factors *f)
{
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    size_t n = mvg_convert_factors_used(f, u);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:o, s:s, s:o, s:b}", "name", u[i].name, "value",
                         u[i].text ? json_string(u[i].text)
                                   : isfinite(u[i].value) ? json_real(u[i].value) : json_null(),
                         "unit", u[i].unit, "source",
                         u[i].source ? json_string(u[i].source) : json_string("configuration"),
                         "defaulted", u[i].defaulted));
    return a;
}

static json_t *model(const mvg_stream_cfg *s)
{
    if (!s->has_model)
        return json_null();
    json_t *x = json_array();
    const char *xn[MVG_MODEL_MAX_X];
    char names[MVG_MODEL_MAX_X][MVG_CHANNEL_NAME_MAX + 8];
    for (size_t k = 0; x && k < s->nx && k < MVG_MODEL_MAX_X; k++) {
        json_array_append_new(x, ref(&s->x[k]));
        snprintf(names[k], sizeof names[k], "%s%s", s->x[k].channel, agg_suffix(s->x[k].agg));
        xn[k] = names[k];
    }
    json_t *o = json_pack("{s:s, s:o, s:b}", "form", mvg_model_type_name(s->model_type), "x", x,
                          "given", s->model_given);
    if (o && s->model_given)
        json_object_set_new(o, "coefficients", mvg_model_to_json(&s->model, xn));
    return o;
}

static json_t *window(int start, int end)
{
    char w[48];
    snprintf(w, sizeof w, "%02d:%02d-%02d:%02d", start / 60, start % 60,
             end ? end / 60 : 24, end ? end % 60 : 0);
    return json_string(w);
}

/* A stream's tariff (docs/conversions.md "Tariffs"): what prices its
 * cost_hkd, so that a verifier can recompute it. Only for a stream with
 * one: the records of the others stay as they were. */
static json_t *tariff(const mvg_stream_cfg *s)
{
    const mvg_tariff *t = s->tariff;
    json_t *ps = json_array();
    for (size_t k = 0; ps && k < t->nperiods; k++) {
        const mvg_tariff_period *q = &t->periods[k];
        json_t *hours = json_array(), *months = q->months ? json_array() : json_null();
        for (size_t w = 0; hours && w < q->nwin; w++)
            json_array_append_new(hours, window(q->win_start[w], q->win_end[w]));
        for (int m = 1; q->months && months && m <= 12; m++)
            if (q->months & (1u << m))
                json_array_append_new(months, json_integer(m));
        json_array_append_new(ps, json_pack("{s:s, s:f, s:o, s:o}", "name", q->name, "ratio",
                                            q->ratio, "hours", hours, "months", months));
    }
    return json_pack("{s:s, s:i, s:f, s:f, s:i, s:o}", "name", s->tariff_name, "utc_offset_min",
                     t->utc_offset_min, "energy_price", s->energy_price, "demand_charge",
                     s->demand_charge, "demand_interval_min", s->demand_interval_min, "periods", ps);
}

/* The operating calendar of the normal year (docs/method.md "Annual
 * figures"): only with annual_basis "calendar". */
static json_t *annual(const mvg_project_cfg *p)
{
    static const char *const wd[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    json_t *rest = json_array(), *shifts = json_array();
    for (int w = 0; rest && w < 7; w++)
        if (p->operating.rest_days & (1u << w))
            json_array_append_new(rest, json_string(wd[w]));
    for (size_t k = 0; shifts && k < p->operating.nshifts; k++)
        json_array_append_new(shifts,
                              window(p->operating.shift_start[k], p->operating.shift_end[k]));
    const mvg_calendar *cal = p->operating.cal;
    return json_pack("{s:s, s:s, s:i, s:i, s:o, s:o}", "basis", "calendar", "calendar",
                     p->calendar, "year", p->calendar_year, "utc_offset_min",
                     cal ? cal->utc_offset_min : 0, "rest_days", rest, "shifts", shifts);
}

static json_t *stream(const mvg_stream_cfg *s)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", s->name, "type",
                          mvg_convert_stream_name(s->type), "unit", s->factors.unit, "fuel",
                          s->type == MVG_STREAM_FUEL
                              ? json_string(mvg_convert_fuel_name(s->factors.fuel))
                              : json_null(),
                          "actual", s->has_actual ? ref(&s->actual) : json_null(), "model",
                          model(s));
    if (!o)
        return NULL;
    json_t *ch = json_null();
    if (s->has_flue)
        ch = json_pack("{s:o, s:o, s:o}", "conc", ref(&s->conc), "o2",
                       s->has_o2 ? ref(&s->o2) : json_null(), "flow", ref(&s->flow));
    else if (s->type == MVG_STREAM_VOC)
        ch = json_pack("{s:o, s:o, s:o, s:o}", "in_conc", ref(&s->in_conc), "in_flow",
                       ref(&s->in_flow), "out_conc", ref(&s->out_conc), "out_flow",
                       ref(&s->out_flow));
    json_object_set_new(o, "flue_gas", ch);
    json_t *adj = json_array();
    for (size_t i = 0; adj && i < s->nadjust; i++)
        json_array_append_new(adj, json_pack("{s:s, s:f, s:o}", "reason", s->adjust[i].reason,
                                             "amount", s->adjust[i].amount, "once_at",
                                             s->adjust[i].once ? jtime(s->adjust[i].once_at_ms)
                                                               : json_null()));
    json_object_set_new(o, "adjustments", adj);
    json_object_set_new(o, "factors", factors(&s->factors));
    /* the meter's accuracy enters the savings interval (savings.h), so a
     * verifier recomputing the FSU needs it */
    json_object_set_new(o, "meter_accuracy",
                        s->meter_accuracy > 0 ? json_real(s->meter_accuracy) : json_null());
    if (s->tariff)
        json_object_set_new(o, "tariff", tariff(s));
    return o;
}

/* 1 when the project refers to channel name in one of its references. */
static int refers(const mvg_project_cfg *p, const char *name)
{
    for (size_t i = 0; i < p->nstreams; i++) {
        const mvg_stream_cfg *s = &p->streams[i];
        const mvg_ref_cfg *r[] = {&s->actual,  &s->conc,     &s->o2,       &s->flow,
                                  &s->in_conc, &s->in_flow,  &s->out_conc, &s->out_flow};
        for (size_t k = 0; k < sizeof r / sizeof r[0]; k++)
            if (strcmp(r[k]->channel, name) == 0)
                return 1;
        for (size_t k = 0; k < s->nx; k++)
            if (strcmp(s->x[k].channel, name) == 0)
                return 1;
    }
    return 0;
}

/* The derived channels the project reads: those it names, and those their
 * expressions name (a derived channel refers only to earlier ones). */
static json_t *derived(const mvg_projects_cfg *all, const mvg_project_cfg *p)
{
    size_t n = all ? all->nderived : 0;
    unsigned char *use = calloc(n + 1, 1);
    json_t *a = json_array();
    if (!use || !a) {
        free(use);
        json_decref(a);
        return NULL;
    }
    for (size_t i = n; i-- > 0;) {
        const mvg_derived_cfg *d = &all->derived[i];
        use[i] = (unsigned char)refers(p, d->name);
        for (size_t j = i + 1; !use[i] && j < n; j++)
            if (use[j] && all->derived[j].expr && strstr(all->derived[j].expr, d->name))
                use[i] = 1;
    }
    for (size_t i = 0; i < n; i++)
        if (use[i])
            json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", all->derived[i].name,
                                               "expr", all->derived[i].expr ? all->derived[i].expr
                                                                            : "",
                                               "unit", all->derived[i].unit));
    free(use);
    return a;
}

static json_t *criteria(const mvg_model_criteria *c)
{
    return json_pack("{s:f, s:f, s:f, s:I}", "max_cv_rmse", c->max_cv_rmse, "max_abs_nmbe",
                     c->max_abs_nmbe, "min_coverage", c->min_coverage, "min_points_per_segment",
                     (json_int_t)c->min_points_per_segment);
}

/* The content: every member but version, created and the chain members. */
static json_t *content(const mvg_definition_in *in)
{
    const mvg_project_cfg *p = in->prj;
    static const char *const options[] = {NULL, "A", "B", "C", "D"};
    json_t *meters = json_array(), *streams = json_array();
    for (size_t d = 0; meters && d < in->cfg->ndevices; d++)
        if (in->uses[d])
            json_array_append_new(meters, meter(in->cfg, &in->cfg->devices[d]));
    for (size_t i = 0; streams && i < p->nstreams; i++)
        json_array_append_new(streams, stream(&p->streams[i]));
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:f, s:f, s:o, s:o, s:o, s:o, s:s}", "schema",
        MVG_SCHEMA_DEFINITION, "gateway", in->gateway, "project", p->name, "technology",
        str_or_null(p->technology), "interval_min", p->interval_min, "periods", periods(p),
        "ipmvp_option",
        p->ipmvp_option >= 1 && p->ipmvp_option <= 4 ? json_string(options[p->ipmvp_option])
                                                     : json_null(),
        "measurement_boundary", str_or_null(p->measurement_boundary), "confidence",
        p->confidence, "min_interval_coverage", p->min_interval_coverage, "criteria",
        criteria(&p->criteria), "meters", meters, "derived", derived(in->cfg->projects, p),
        "streams", streams, "config_sha256", in->cfg->sha256);
    if (doc && p->annual_basis == MVG_ANNUAL_CALENDAR)
        json_object_set_new(doc, "annual", annual(p));
    /* a daily project: where its days begin, which a verifier needs to
     * group the interval records into the days the model was fitted on
     * (absent otherwise, so the records of interval projects stay as
     * they were) */
    if (doc && p->granularity == MVG_PRJ_GRAN_DAILY)
        json_object_set_new(doc, "days",
                            json_pack("{s:s, s:i, s:s}", "granularity", "daily",
                                      "utc_offset_min", p->utc_offset_min, "complete",
                                      "every interval valid and in one phase"));
    /* the points the project counts: what a hub compares across projects
     * for a double count (an independent variable two projects share is
     * no double count) */
    json_t *counts = doc && in->counts ? json_array() : NULL;
    for (size_t d = 0; counts && d < in->cfg->ndevices; d++)
        for (size_t k = 0; in->counts[d] && k < in->cfg->devices[d].npoints; k++)
            if (in->counts[d][k]) {
                char ch[2 * MVG_NAME_MAX + 2];
                snprintf(ch, sizeof ch, "%s.%s", in->cfg->devices[d].name,
                         in->cfg->devices[d].points[k].name);
                json_array_append_new(counts, json_string(ch));
            }
    if (counts)
        json_object_set_new(doc, "counts", counts);
    return doc;
}

void mvg_definition_digest(const mvg_definition_in *in, char out[MVG_CHAIN_HEX_LEN])
{
    json_t *c = content(in);
    char *s = c ? json_dumps(c, DUMP_FLAGS) : NULL;
    json_decref(c);
    /* out of memory: a digest that matches nothing, so a definition is written */
    mvg_chain_hash_hex(s ? s : "", s ? strlen(s) : 0, out);
    if (!s)
        out[0] = 'x';
    free(s);
}

char *mvg_definition_record(const mvg_definition_in *in, int64_t version, int64_t created_ms,
                            const mvg_payload_link *link)
{
    json_t *c = content(in);
    json_t *doc = json_object();
    if (!c || !doc) {
        json_decref(c);
        json_decref(doc);
        return NULL;
    }
    /* schema, gateway and project first, then version and created, then
     * the rest of the content; chain, key and prev last (chain.h) */
    const char *key;
    json_t *v;
    size_t n = 0;
    json_object_foreach(c, key, v)
    {
        json_object_set(doc, key, v);
        if (++n == 3) {
            json_object_set_new(doc, "version", json_integer((json_int_t)version));
            json_object_set_new(doc, "created", jtime(created_ms));
        }
    }
    json_decref(c);
    json_object_set_new(doc, "chain", json_integer((json_int_t)link->chain));
    json_object_set_new(doc, "key", json_string(link->key));
    json_object_set_new(doc, "prev", json_string(link->prev));
    char *s = json_dumps(doc, DUMP_FLAGS);
    json_decref(doc);
    return s;
}
