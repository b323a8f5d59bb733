/*
 * payload.c: JSON payloads (payload.h). The records (interval, totals,
 * model) are built with jansson; the telemetry, written at poll rate, with
 * the streaming writer (base/jsonw.h), which formats each number without
 * an allocation (docs/performance.md).
 */
#include "payload.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "convert.h"
#include "model_json.h"
#include "tariff.h"
#include "timefmt.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

const char *mvg_payload_time(int64_t ms, char *buf, size_t len)
{
    return mvg_timefmt_format(ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, buf, len);
}

void mvg_payload_sample_members(mvg_jsonw *w, const mvg_sample *s, const char *unit,
                                int answered)
{
    mvg_jsonw_key(w, "value");
    if (answered && s->raw_kind == MVG_RAW_TEXT && s->text)
        mvg_jsonw_str(w, s->text); /* a string point: its text is its value */
    else if (answered)
        mvg_jsonw_num(w, s->value); /* NaN: null, never 0 */
    else
        mvg_jsonw_null(w);
    char digits[MVG_SAMPLE_DIGITS];
    int nd = mvg_sample_raw_digits(s, digits);
    if (answered && nd > 0) {
        /* a 64-bit integer's register value, exact (the double is not above 2^53) */
        mvg_jsonw_key(w, "raw");
        mvg_jsonw_raw(w, digits, (size_t)nd);
    }
    mvg_jsonw_key(w, "unit");
    mvg_jsonw_str(w, unit);
    mvg_jsonw_key(w, "quality");
    mvg_jsonw_str(w, mvg_quality_name(s->quality));
    if (s->quality == MVG_Q_EXCEPTION) {
        mvg_jsonw_key(w, "exception_code");
        mvg_jsonw_int(w, s->exception_code);
    }
}

/* A number, or null when it is not one. */
static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *jtime(int64_t ms)
{
    char buf[40];
    return json_string(mvg_payload_time(ms, buf, sizeof buf));
}

static char *dump(json_t *doc)
{
    char *s = doc ? json_dumps(doc, DUMP_FLAGS) : NULL;
    json_decref(doc);
    return s;
}

const char *mvg_payload_telemetry(mvg_jsonw *w, const char *gateway, const mvg_device_cfg *dev,
                                  const mvg_sample_batch *b, const unsigned char *only,
                                  size_t *len)
{
    mvg_jsonw_reset(w);
    mvg_jsonw_obj(w);
    mvg_jsonw_key(w, "schema");
    mvg_jsonw_str(w, MVG_SCHEMA_TELEMETRY);
    mvg_jsonw_key(w, "gateway");
    mvg_jsonw_str(w, gateway);
    mvg_jsonw_key(w, "device");
    mvg_jsonw_str(w, dev->name);
    mvg_jsonw_key(w, "online");
    mvg_jsonw_bool(w, b->online);
    mvg_jsonw_key(w, "samples");
    mvg_jsonw_arr(w);
    /* the points of a poll mostly share one time: formatted once per change */
    char ts[40];
    size_t tslen = 0;
    int64_t ts_ms = 0;
    for (size_t i = 0; i < b->n && i < dev->npoints; i++) {
        const mvg_sample *s = &b->samples[i];
        if (only && !only[i])
            continue;
        if (!tslen || s->ts_ms != ts_ms) {
            char t[32];
            ts_ms = s->ts_ms;
            tslen = (size_t)snprintf(ts, sizeof ts, "\"%s\"", mvg_payload_time(ts_ms, t, sizeof t));
        }
        mvg_jsonw_obj(w);
        mvg_jsonw_key(w, "point");
        mvg_jsonw_str(w, dev->points[i].name);
        mvg_jsonw_key(w, "ts");
        mvg_jsonw_raw(w, ts, tslen);
        mvg_payload_sample_members(w, s, dev->points[i].unit, 1);
        mvg_jsonw_obj_end(w);
    }
    mvg_jsonw_arr_end(w);
    mvg_jsonw_obj_end(w);
    return mvg_jsonw_done(w, len);
}

/* Tonnes beside kilograms (schema 4): the scheme reports pollutants in
 * t, and a reader should not have to divide. After pollutant_kg. */
static void conv_tonnes(json_t *o, const mvg_conv_result *c)
{
    if (o)
        json_object_set_new(o, "pollutant_t", num(c->pollutant_kg / 1000.0));
}

static json_t *conv(const mvg_conv_result *c, int version)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < mvg_convert_nfields; i++) {
        const mvg_conv_field *f = &mvg_convert_fields[i];
        json_object_set_new(o, f->name, num(*(const double *)((const char *)c + f->offset)));
        if (version >= 4 && f->offset == offsetof(mvg_conv_result, pollutant_kg))
            conv_tonnes(o, c);
    }
    return o;
}

static json_t *conv_units(int version)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < mvg_convert_nfields; i++) {
        json_object_set_new(o, mvg_convert_fields[i].name,
                            json_string(mvg_convert_fields[i].unit ? mvg_convert_fields[i].unit : "stream unit"));
        if (version >= 4 && mvg_convert_fields[i].offset == offsetof(mvg_conv_result, pollutant_kg))
            json_object_set_new(o, "pollutant_t", json_string("t"));
    }
    return o;
}

/* The members the current schema added to the cumulative block: the
 * normalised annual figures' baseline and basis, the annual check's error
 * and the removal of a voc stream. */
static void cumulative_current(json_t *o, const mvg_stream_result *r)
{
    if (!o)
        return;
    json_object_set_new(o, "annual_baseline", num(r->annual_baseline));
    json_object_set_new(o, "annual_basis",
                        r->annual_basis ? json_string(r->annual_basis) : json_null());
    json_object_set_new(o, "annual_error",
                        r->annual_exceeds_baseline
                            ? json_string("annual reduction exceeds the annual baseline emission")
                            : json_null());
    json_object_set_new(o, "removal", num(r->cum_removal));
}

/* Schema 4, operating calendar (issue 14 item 2): what the normalised
 * annual figures of basis "calendar" were built from: the calendar and
 * the normal year, and per class of operation its intervals and hours in
 * that year, the baseline intervals of the class and the model's mean
 * prediction over them; error names a class of the year the baseline has
 * no interval of. null for the basis "baseline year". */
static json_t *annual_calendar(const mvg_project_result *res, const mvg_stream_result *r)
{
    if (!res->calendar || !res->operating || r->annual_ncls == 0)
        return json_null();
    double interval_h = (double)(res->end_ms - res->start_ms) / 3600000.0;
    json_t *cls = json_array();
    for (size_t k = 0; cls && k < r->annual_ncls; k++) {
        char name[48];
        mvg_calendar_class_name(res->operating, k, name, sizeof name);
        json_array_append_new(
            cls, json_pack("{s:s, s:I, s:o, s:I, s:o}", "class", name, "year_intervals",
                           (json_int_t)r->annual_year_n[k], "year_hours",
                           num((double)r->annual_year_n[k] * interval_h), "baseline_intervals",
                           (json_int_t)r->annual_cls_n[k], "baseline_mean",
                           num(r->annual_cls_mean[k])));
    }
    json_t *err = json_null();
    if (r->annual_missing_class >= 0) {
        char name[48], msg[200];
        size_t k = (size_t)r->annual_missing_class;
        mvg_calendar_class_name(res->operating, k, name, sizeof name);
        snprintf(msg, sizeof msg,
                 "the normal year has %.0f h of '%s' and the baseline no interval of it",
                 (double)r->annual_year_n[k] * interval_h, name);
        err = json_string(msg);
    }
    return json_pack("{s:s, s:i, s:o, s:o}", "calendar", res->calendar, "year",
                     res->calendar_year, "classes", cls, "error", err);
}

/* The members schema 4 adds to the cumulative block for the operating
 * calendar (a block of its own: the other additions of schema 4 have
 * theirs). */
static void cumulative_v4_calendar(json_t *o, const mvg_project_result *res,
                                   const mvg_stream_result *r)
{
    if (o)
        json_object_set_new(o, "annual_calendar", annual_calendar(res, r));
}

/* Schema 4, demand and cost (issue 14 item 7): an electricity stream
 * priced by a time-of-use tariff. Per interval its period and price, and
 * the billing month's peak demand so far of the adjusted baseline and the
 * measured use with the demand charge savings of that month; null without
 * a tariff. */
static json_t *tariff_interval(const mvg_stream_result *r)
{
    if (!r->has_tariff)
        return json_null();
    char month[16];
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "period",
                     r->tou_period ? json_string(r->tou_period) : json_null(), "price",
                     num(r->price), "billing_month",
                     r->billing_month != INT64_MIN
                         ? json_string(mvg_tariff_month_name(r->billing_month, month, sizeof month))
                         : json_null(),
                     "peak_kw_baseline", num(r->peak_kw_baseline), "peak_kw_actual",
                     num(r->peak_kw_actual), "peak_kw_savings", num(r->peak_kw_savings),
                     "demand_charge_savings", num(r->demand_cost_month));
}

/* ... and in the cumulative block the two parts of its cost_hkd: the
 * savings priced interval by interval, and the demand charge savings of
 * every billing month so far. */
static void cumulative_v4_cost(json_t *o, const mvg_stream_result *r)
{
    if (!o)
        return;
    json_object_set_new(o, "cost",
                        r->has_tariff
                            ? json_pack("{s:o, s:o, s:I}", "energy_hkd", num(r->cum_energy_cost),
                                        "demand_hkd", num(r->cum_demand_cost), "billing_months",
                                        (json_int_t)r->billing_months)
                            : json_null());
}

/* Screening (schema 4, docs/mqtt.md "Screening"): the counted reporting
 * intervals whose x lay outside the baseline's range, of m. */
static void cumulative_screening(json_t *o, const mvg_stream_result *r)
{
    if (o)
        json_object_set_new(o, "m_extrapolated", json_integer((json_int_t)r->m_extrapolated));
}

/* Screening (schema 4): whether this interval's x lay outside the
 * baseline's range (null without a range: a model given in the config, or
 * none yet) and which of them, one flag per member of x. */
static void interval_screening(json_t *o, const mvg_stream_result *r)
{
    if (!o)
        return;
    if (!r->has_range) {
        json_object_set_new(o, "extrapolated", json_null());
        json_object_set_new(o, "x_outside", json_null());
        return;
    }
    json_t *a = json_array();
    for (size_t k = 0; a && k < r->nx; k++)
        json_array_append_new(a, json_boolean((r->x_outside >> k) & 1u));
    json_object_set_new(o, "extrapolated", json_boolean(r->x_outside != 0));
    json_object_set_new(o, "x_outside", a);
}

static json_t *cumulative(const mvg_project_result *res, const mvg_stream_result *r, int version)
{
    int current = version >= 3;
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "m", (json_int_t)r->m, "covered_hours", num(r->covered_hours),
                     "adjusted_baseline", num(r->cum_adjusted_baseline), "actual",
                     num(r->cum_actual), "avoided", num(r->cum_avoided), "adjustment",
                     num(r->cum_adjustment), "savings", num(r->cum_savings), "savings_fraction",
                     num(r->savings_fraction), "fsu", num(r->fsu), "confidence",
                     num(res->confidence), "savings_low", num(r->savings_low), "savings_high",
                     num(r->savings_high), "converted", conv(&r->cum_conv, version), "annual_savings",
                     num(r->annual_savings), "annual_converted", conv(&r->annual_conv, version));
    if (current)
        cumulative_current(o, r);
    if (version >= 4)
        cumulative_v4_calendar(o, res, r);
    if (version >= 4)
        cumulative_v4_cost(o, r);
    if (version >= 4)
        cumulative_screening(o, r);
    return o;
}

/* The project's net total across streams (project.h), null until defined. */
static json_t *net_conv(const mvg_conv_result *c)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "kwh", num(c->kwh), "tj", num(c->tj), "co2_t",
                     num(c->co2_t), "cost_hkd", num(c->cost_hkd));
}

static json_t *net(const mvg_project_result *res)
{
    if (!res->net_defined)
        return json_null();
    json_t *o = net_conv(&res->net);
    if (o)
        json_object_set_new(o, "annual",
                            res->annual_net_defined ? net_conv(&res->annual_net) : json_null());
    return o;
}

/* Schema 5: the day a daily project's interval ends (null on the others,
 * and in every record of an interval project). */
static json_t *day_block(const mvg_stream_result *r, int version)
{
    if (!r->day_closed)
        return json_null();
    const mvg_dayrow *d = &r->day;
    json_t *x = json_array(), *out = json_array();
    for (size_t k = 0; k < d->nx; k++) {
        json_array_append_new(x, num(d->x[k]));
        json_array_append_new(out, json_boolean((r->day_x_outside >> k) & 1u));
    }
    int counted = isfinite(r->day_adjusted_baseline);
    return json_pack("{s:o, s:o, s:b, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "start",
                     jtime(d->start_ms), "end", jtime(d->end_ms), "complete", d->complete,
                     "intervals", (int)d->intervals, "fed", (int)d->fed, "valid", (int)d->valid,
                     "actual", num(d->y), "x", x, "adjusted_baseline",
                     num(r->day_adjusted_baseline), "avoided", num(r->day_avoided), "converted",
                     conv(&r->day_conv, version), "extrapolated",
                     counted ? json_boolean(r->day_x_outside != 0) : json_null(), "x_outside",
                     counted ? out : (json_decref(out), json_null()));
}

/* version: the interval schema's (payload.h); 3 and later have the
 * members of 3, 4 and later those of 4, 5 those of 5. */
static json_t *stream(const mvg_project_result *res, size_t i, int with_interval, int version)
{
    int current = version >= 3;
    const mvg_stream_result *r = &res->streams[i];
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b}", "name", r->name, "type",
                          mvg_convert_stream_name(r->type), "unit", r->unit, "model_ready",
                          r->model_ready, "model_pass", r->model_pass);
    if (!o)
        return NULL;
    if (with_interval) {
        json_t *x = json_array();
        for (size_t k = 0; x && k < r->nx; k++)
            json_array_append_new(x, num(r->x[k]));
        json_object_set_new(o, "valid", json_boolean(r->valid));
        json_object_set_new(o, "coverage", num(r->coverage));
        json_object_set_new(o, "actual", num(r->actual));
        json_object_set_new(o, "x", x);
        json_object_set_new(o, "adjusted_baseline", num(r->adjusted_baseline));
        json_object_set_new(o, "avoided", num(r->avoided));
        json_object_set_new(o, "adjustment", num(r->adjustment));
        json_object_set_new(o, "savings", num(r->savings));
        json_object_set_new(o, "converted", conv(&r->conv, version));
        if (current)
            json_object_set_new(o, "removal", num(r->removal));
        if (version >= 4)
            json_object_set_new(o, "tariff", tariff_interval(r));
        if (version >= 4)
            interval_screening(o, r);
        if (version >= 5)
            json_object_set_new(o, "day", day_block(r, version));
        if (res->phase == MVG_PHASE_BASELINE)
            json_object_set_new(o, "baseline_rows", json_integer((json_int_t)r->baseline_rows));
    }
    json_object_set_new(o, "cumulative", cumulative(res, r, version));
    json_object_set_new(o, "removal_efficiency", num(r->removal_efficiency));
    return o;
}

static json_t *flags(uint32_t f)
{
    json_t *a = json_array();
    if (f & MVG_INTERVAL_F_ROLLOVER)
        json_array_append_new(a, json_string("rollover"));
    if (f & MVG_INTERVAL_F_RESET)
        json_array_append_new(a, json_string("reset"));
    if (f & MVG_INTERVAL_F_GAP)
        json_array_append_new(a, json_string("gap"));
    if (f & MVG_INTERVAL_F_LATE)
        json_array_append_new(a, json_string("late"));
    return a;
}

static char *interval(const char *schema, const char *gateway, const char *project, int64_t seq,
                      const mvg_interval_record *rec, const char *const *channels,
                      const mvg_project_result *res, const mvg_payload_link *link)
{
    /* current: the members of schema 3 (payload.h), not those of 1 and 2 */
    int version = mvg_payload_interval_version(schema), current = version >= 3;
    json_t *streams = json_array(), *chans = json_array();
    for (size_t i = 0; streams && i < res->nstreams; i++)
        json_array_append_new(streams, stream(res, i, 1, version));
    for (size_t i = 0; chans && i < rec->nch; i++) {
        const mvg_interval_value *v = &rec->ch[i];
        json_array_append_new(
            chans, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:o}", "name",
                             channels[i], "value", num(v->value), "gap_delta", num(v->gap_delta),
                             "mean", num(v->mean), "min", num(v->min), "max", num(v->max),
                             "coverage", num(v->coverage), "n_good", (int)v->n_good, "n_bad",
                             (int)v->n_bad, "n_rejected", (int)v->n_rejected, "flags",
                             flags(v->flags)));
    }
    /* chain, key and prev last, so the signature member follows them (chain.h) */
    if (version < 2) /* schema 1 had no clock step members */
        return dump(json_pack(
            "{s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:b, s:b, s:o, s:o, s:o, s:I, s:s, s:s}", "schema",
            schema, "gateway", gateway, "project", project, "seq", (json_int_t)seq, "start",
            jtime(rec->start_ms), "end", jtime(rec->end_ms), "phase",
            mvg_project_phase_name(res->phase), "partial", rec->partial, "fitted_now",
            res->fitted_now, "units", conv_units(version), "streams", streams, "channels", chans, "chain",
            (json_int_t)link->chain, "key", link->key, "prev", link->prev));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:b, s:b, s:I, s:b}",
                            "schema", schema, "gateway", gateway, "project", project,
                            "seq", (json_int_t)seq, "start", jtime(rec->start_ms), "end",
                            jtime(rec->end_ms), "phase", mvg_project_phase_name(res->phase),
                            "partial", rec->partial, "clock_step", rec->clock_step_ms > 0,
                            "clock_step_ms", (json_int_t)rec->clock_step_ms, "fitted_now",
                            res->fitted_now);
    /* schema 3: the definition in force, after fitted_now */
    if (doc && current)
        json_object_set_new(doc, "definition", link->definition > 0
                                                   ? json_integer((json_int_t)link->definition)
                                                   : json_null());
    if (doc && version >= 5) /* schema 5: what the model rows and savings are */
        json_object_set_new(doc, "granularity", json_string(res->daily ? "daily" : "interval"));
    if (doc) {
        json_object_set_new(doc, "units", conv_units(version));
        json_object_set_new(doc, "streams", streams);
        if (current) /* schema 3: the project's net total, after the streams */
            json_object_set_new(doc, "net", net(res));
        json_object_set_new(doc, "channels", chans);
        json_object_set_new(doc, "chain", json_integer((json_int_t)link->chain));
        json_object_set_new(doc, "key", json_string(link->key));
        json_object_set_new(doc, "prev", json_string(link->prev));
    } else {
        json_decref(streams);
        json_decref(chans);
    }
    return dump(doc);
}

char *mvg_payload_interval(const char *gateway, const char *project, int64_t seq,
                           const mvg_interval_record *rec, const char *const *channels,
                           const mvg_project_result *res, const mvg_payload_link *link)
{
    return interval(MVG_SCHEMA_INTERVAL, gateway, project, seq, rec, channels, res, link);
}

int mvg_payload_interval_version(const char *schema)
{
    static const char prefix[] = "mvgate/interval/";
    if (!schema || strncmp(schema, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *v = schema + sizeof prefix - 1;
    if (strcmp(v, "1") == 0)
        return 1;
    if (strcmp(v, "2") == 0)
        return 2;
    if (strcmp(v, "3") == 0)
        return 3;
    if (strcmp(v, "4") == 0)
        return 4;
    return strcmp(v, "5") == 0 ? 5 : -1;
}

/* The annual figure of schemas 1 and 2 (before issue 14): the measured
 * cumulative savings times 8760 h over the hours covered, converted with
 * mvg_convert_apply() also when undefined. Kept only so that replay can
 * compare records written under that rule; the engine's figure is the
 * normalised one (project.h). */
static void legacy_annual(const mvg_stream_cfg *sc, mvg_stream_result *r)
{
    r->annual_savings =
        r->covered_hours > 0.0 ? r->cum_savings * 8760.0 / r->covered_hours : NAN;
    mvg_convert_apply(&sc->factors, r->annual_savings, &r->annual_conv);
}

/* res as schema 1 carried it (payload.h): the engine then left the
 * interval figures at 0 outside the reporting period, gave a reporting
 * interval without a baseline value the adjustment as its savings, and
 * converted an undefined annual figure with mvg_convert_apply() (the
 * conversions that do not apply to the stream at 0). */
static void as_schema_1(const mvg_project_cfg *prj, mvg_project_result *res)
{
    for (size_t i = 0; i < res->nstreams && i < prj->nstreams; i++) {
        mvg_stream_result *r = &res->streams[i];
        legacy_annual(&prj->streams[i], r);
        if (res->phase != MVG_PHASE_REPORTING) {
            r->adjusted_baseline = r->avoided = r->adjustment = r->savings = 0.0;
            memset(&r->conv, 0, sizeof r->conv);
        } else if (!isfinite(r->adjusted_baseline)) {
            r->savings = r->adjustment;
            mvg_convert_apply(&prj->streams[i].factors, r->savings, &r->conv);
        }
    }
}

char *mvg_payload_interval_as(int version, const mvg_project_cfg *prj, const char *gateway,
                              const char *project, int64_t seq, const mvg_interval_record *rec,
                              const char *const *channels, const mvg_project_result *res,
                              const mvg_payload_link *link)
{
    if (version == MVG_SCHEMA_INTERVAL_VERSION)
        return mvg_payload_interval(gateway, project, seq, rec, channels, res, link);
    if (version == 3 || version == 4) /* the figures of now without the later members */
        return interval(version == 3 ? "mvgate/interval/3" : "mvgate/interval/4", gateway,
                        project, seq, rec, channels, res, link);
    if ((version != 1 && version != 2) || !prj)
        return NULL;
    mvg_project_result *old = malloc(sizeof *old);
    if (!old)
        return NULL;
    *old = *res;
    if (version == 1) {
        as_schema_1(prj, old);
    } else { /* the figures of 3 without its members, and the annual rule of then */
        for (size_t i = 0; i < old->nstreams && i < prj->nstreams; i++)
            legacy_annual(&prj->streams[i], &old->streams[i]);
    }
    char *s = interval(version == 1 ? "mvgate/interval/1" : "mvgate/interval/2", gateway, project,
                       seq, rec, channels, old, link);
    free(old);
    return s;
}

char *mvg_payload_identity(const char *gateway, const char *key_b64, const char *fingerprint)
{
    return dump(json_pack("{s:s, s:s, s:s, s:s, s:s}", "schema", MVG_SCHEMA_IDENTITY, "gateway",
                          gateway, "key", key_b64, "fingerprint", fingerprint, "algorithm",
                          "Ed25519"));
}

char *mvg_payload_totals(const char *gateway, const char *project, int64_t seq,
                         const mvg_project_result *res)
{
    json_t *streams = json_array();
    for (size_t i = 0; streams && i < res->nstreams; i++)
        json_array_append_new(streams, stream(res, i, 0, MVG_SCHEMA_INTERVAL_VERSION));
    return dump(json_pack("{s:s, s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o}", "schema",
                          MVG_SCHEMA_TOTALS, "gateway", gateway, "project", project, "seq",
                          (json_int_t)seq, "as_of", jtime(res->end_ms), "phase",
                          mvg_project_phase_name(res->phase), "units",
                          conv_units(MVG_SCHEMA_INTERVAL_VERSION), "streams",
                          streams, "net", net(res)));
}

static const char *agg_suffix(mvg_ref_agg a)
{
    static const char *const names[] = {"", ":sum", ":mean", ":min", ":max"};
    return (unsigned)a < 5 ? names[a] : "";
}

/* A stream's screening in the model record (schema 2, docs/mqtt.md
 * "Screening"): the outlier rule's fences and counts, whether the flagged
 * rows were left out, and the x range of the rows fitted with the margin
 * the reporting intervals are checked by; null for a model given in the
 * config (no baseline rows). */
static json_t *model_screening(const mvg_stream_cfg *sc, const mvg_stream_screening *z,
                               const char *const *xn)
{
    if (sc->model_given || !z)
        return json_null();
    json_t *o = json_pack("{s:s, s:b, s:b}", "rule", MVG_SCREEN_RULE, "screened", z->screened,
                          "exclude_outliers", sc->exclude_outliers);
    if (!o)
        return NULL;
    json_object_set_new(o, "n", json_integer((json_int_t)z->fences.n));
    json_object_set_new(o, "median", num(z->fences.median));
    json_object_set_new(o, "q1", num(z->fences.q1));
    json_object_set_new(o, "q3", num(z->fences.q3));
    json_object_set_new(o, "low", num(z->fences.low));
    json_object_set_new(o, "high", num(z->fences.high));
    json_object_set_new(o, "outliers", json_integer((json_int_t)z->fences.n_outliers));
    json_object_set_new(o, "excluded", json_integer((json_int_t)z->n_excluded));
    json_t *rg = z->has_range ? json_array() : json_null();
    for (size_t k = 0; rg && z->has_range && k < z->range.nx; k++)
        json_array_append_new(rg, json_pack("{s:s, s:o, s:o}", "x", xn[k], "min",
                                            num(z->range.min[k]), "max", num(z->range.max[k])));
    json_object_set_new(o, "range", rg);
    json_object_set_new(o, "range_margin", json_real(sc->range_margin));
    return o;
}

char *mvg_payload_model(const char *gateway, const mvg_project *prj, int64_t version,
                        int64_t fitted_at_ms, const mvg_payload_link *link)
{
    return mvg_payload_model_as(MVG_SCHEMA_MODEL_VERSION, gateway, prj, version, fitted_at_ms,
                                link);
}

/* An auto fit's candidates in the order fitted: each form, whether it was
 * fitted and qualified, its adjusted R2 (what the choice compares), why it
 * was not (the engine's words) and the one chosen. */
static json_t *model_candidates(const mvg_model_candidate *c, size_t n, const mvg_model *chosen)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        json_array_append_new(
            a, json_pack("{s:s, s:b, s:b, s:o, s:o, s:b}", "model",
                         mvg_model_type_name(c[k].type), "fitted", c[k].fitted, "qualified",
                         c[k].qualified, "adj_r2", num(c[k].fitted ? c[k].adj_r2 : NAN), "why",
                         c[k].why[0] ? json_string(c[k].why) : json_null(), "chosen",
                         chosen && c[k].qualified && c[k].type == chosen->type));
    return a;
}

char *mvg_payload_model_as(int schema_version, const char *gateway, const mvg_project *prj,
                           int64_t version, int64_t fitted_at_ms, const mvg_payload_link *link)
{
    if (schema_version != 1 && schema_version != MVG_SCHEMA_MODEL_VERSION)
        return NULL;
    const mvg_project_cfg *pc = mvg_project_config(prj);
    json_t *streams = json_array();
    for (size_t i = 0; streams && i < mvg_project_stream_count(prj); i++) {
        const mvg_stream_cfg *sc = &pc->streams[i];
        const char *why = NULL;
        const mvg_model *m = mvg_project_model(prj, i, &why);
        char names[MVG_MODEL_MAX_X][MVG_CHANNEL_NAME_MAX + 8];
        const char *xn[MVG_MODEL_MAX_X];
        for (size_t k = 0; k < sc->nx && k < MVG_MODEL_MAX_X; k++) {
            snprintf(names[k], sizeof names[k], "%s%s", sc->x[k].channel, agg_suffix(sc->x[k].agg));
            xn[k] = names[k];
        }
        json_t *o = json_pack("{s:s, s:s, s:b}", "name", sc->name, "unit", sc->factors.unit,
                              "given", sc->model_given);
        if (!o)
            continue;
        if (m)
            json_object_set_new(o, "model", mvg_model_to_json(m, xn));
        else
            json_object_set_new(o, "error", json_string(why && *why ? why : "no model"));
        if (schema_version >= 2)
            json_object_set_new(o, "screening",
                                model_screening(sc, mvg_project_screening(prj, i), xn));
        size_t nc = 0;
        const mvg_model_candidate *cd = mvg_project_candidates(prj, i, &nc);
        if (schema_version >= 2 && nc > 0)
            json_object_set_new(o, "candidates", model_candidates(cd, nc, m));
        json_array_append_new(streams, o);
    }
    return dump(json_pack("{s:s, s:s, s:s, s:I, s:o, s:f, s:o, s:I, s:s, s:s}", "schema",
                          schema_version == 1 ? "mvgate/model/1" : MVG_SCHEMA_MODEL, "gateway", gateway, "project", pc->name, "version",
                          (json_int_t)version, "fitted_at", jtime(fitted_at_ms), "confidence",
                          pc->confidence, "streams", streams, "chain", (json_int_t)link->chain,
                          "key", link->key, "prev", link->prev));
}

char *mvg_payload_key_record(const char *gateway, const char *project, int64_t created_ms,
                             const char *new_key_b64, const char *new_fingerprint,
                             const mvg_payload_link *link)
{
    return dump(json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:s, s:s}", "schema",
                          MVG_SCHEMA_KEY, "gateway", gateway, "project", project, "created",
                          jtime(created_ms), "algorithm", "Ed25519", "new_key", new_key_b64,
                          "new_fingerprint", new_fingerprint, "chain", (json_int_t)link->chain,
                          "key", link->key, "prev", link->prev));
}

char *mvg_payload_newchain_record(const char *gateway, const char *project, int64_t created_ms,
                                  const char *previous_store, const char *reason,
                                  const mvg_payload_link *link)
{
    return dump(json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:s, s:s}", "schema",
                          MVG_SCHEMA_NEWCHAIN, "gateway", gateway, "project", project, "created",
                          jtime(created_ms), "previous_store", previous_store, "reason", reason,
                          "chain", (json_int_t)link->chain, "key", link->key, "prev", link->prev));
}
