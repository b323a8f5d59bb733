/*
 * report_json.c: the report as one JSON document (report_out.h). Numbers
 * are written at full precision (17 significant digits, as the records);
 * undefined ones are null. Every number sits once, in "figures" (keyed as
 * the HTML's data-k attributes) or in the per-interval "series"; the other
 * members describe (names, units, verdict reasons, the chain's line).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "report_out.h"

/* The first of a meter's roles: "used_as" names one (the schema's enum). */
static int first_role(unsigned roles)
{
    int i = 0;
    while (i < MVG_REPORT_ROLES - 1 && !(roles & 1u << i))
        i++;
    return i;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *when(int64_t ms)
{
    char b[40];
    return json_string(mvg_payload_time(ms, b, sizeof b));
}

static json_t *when_or_null(int64_t ms, int set) { return set ? when(ms) : json_null(); }

static json_t *figures(const mvg_report *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < r->nfigs; i++) {
        const mvg_report_fig *f = &r->figs[i];
        json_t *v = f->is_int && isfinite(f->value) ? json_integer((json_int_t)f->value) : num(f->value);
        json_object_set_new(o, f->key,
                            json_pack("{s:s, s:o, s:s}", "section", f->section, "value", v, "unit",
                                      f->unit));
    }
    return o;
}

static json_t *periods(const mvg_report *r)
{
    const mvg_project_cfg *p = r->prj;
    json_t *o = json_object();
    for (int k = 0; k < MVG_RP_COUNT; k++) {
        const mvg_report_seen *s = &r->seen[k];
        json_t *cs = json_null(), *ce = json_null();
        if (k == MVG_RP_BASELINE) {
            cs = when(p->baseline_start_ms);
            ce = when(p->baseline_end_ms);
        } else if (k == MVG_RP_INSTALLATION && p->has_installation) {
            cs = when(p->installation_start_ms);
            ce = when(p->installation_end_ms);
        } else if (k == MVG_RP_REPORTING) {
            cs = when(p->reporting_start_ms);
            ce = when_or_null(p->reporting_end_ms, p->has_reporting_end);
        }
        json_object_set_new(o, mvg_report_phase_name((mvg_report_phase)k),
                            json_pack("{s:o, s:o, s:o, s:o}", "configured_start", cs,
                                      "configured_end", ce, "first", when_or_null(s->first_ms, s->count > 0),
                                      "last", when_or_null(s->last_ms, s->count > 0)));
    }
    return o;
}

static json_t *meters(const mvg_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nmeters; i++) {
        const mvg_report_meter *m = &r->meters[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "channel", m->channel, "unit", m->unit,
                              "used_as", mvg_report_role_name(first_role(m->roles)), "streams",
                              m->streams);
        if (m->is_point) {
            json_object_set_new(o, "device", json_string(m->device));
            json_object_set_new(o, "point", json_string(m->point));
            json_object_set_new(o, "bus", json_string(m->bus));
            json_object_set_new(o, "unit_id", json_integer(m->unit_id));
            json_object_set_new(o, "profile", json_string(m->profile));
            json_object_set_new(o, "kind", json_string(m->counter ? "counter" : "gauge"));
            json_object_set_new(o, "accuracy_class", m->accuracy_class[0]
                                                         ? json_string(m->accuracy_class)
                                                         : json_null());
            json_object_set_new(o, "calibration_date", m->calibration_date[0]
                                                           ? json_string(m->calibration_date)
                                                           : json_null());
        } else {
            json_object_set_new(o, "expr", json_string(m->expr ? m->expr : ""));
        }
        json_object_set_new(o, "also_counted_by", json_string(m->also_counted_by));
        json_array_append_new(a, o);
    }
    return a;
}

/* The factors of the stream's conversions: what each is and where it comes
 * from; the values are figures (factors.S.NAME). */
static json_t *factors_doc(const mvg_report_stream *s)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < s->nfactors; k++) {
        const mvg_conv_factor_use *u = &s->factors[k];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", u->name, "unit",
                                           u->unit, "source",
                                           u->source ? u->source : "configuration", "defaulted",
                                           u->defaulted,
                                           "text", u->text ? json_string(u->text) : json_null()));
    }
    return a;
}

static json_t *stream_doc(const mvg_report *r, const mvg_report_stream *s)
{
    const mvg_stream_cfg *c = s->cfg;
    json_t *xs = json_array();
    for (size_t j = 0; j < c->nx; j++)
        json_array_append_new(xs, json_string(c->x[j].channel));
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:f, s:f}", "name", c->name, "type",
                          mvg_convert_stream_name(c->type), "unit", c->factors.unit, "x", xs,
                          "co2_factor", c->factors.co2_factor, "cost_per_unit",
                          c->factors.cost_per_unit);
    json_object_set_new(o, "baseline", json_string(s->inlet_baseline ? "inlet_mass" : "model"));
    json_object_set_new(o, "factors", factors_doc(s));
    json_object_set_new(o, "thresholds_source",
                        json_string(r->criteria_source ? r->criteria_source : "configuration"));
    json_t *ex = json_array();
    for (size_t k = 0; k < s->nexcl; k++) {
        const mvg_report_excl *e = &s->excl[k];
        json_array_append_new(ex, json_pack("{s:o, s:o, s:I, s:s, s:o}", "start", when(e->start_ms),
                                            "end", when(e->end_ms), "intervals",
                                            (json_int_t)e->intervals, "why",
                                            mvg_report_excl_name(e->why), "coverage",
                                            num(e->coverage)));
    }
    json_object_set_new(o, "excluded", ex);
    json_t *xa = json_array();
    for (size_t k = 0; k < r->nrecords; k++) {
        const mvg_report_point *p = &s->pts[k];
        if (!mvg_report_point_extrapolated(p))
            continue;
        json_t *px = json_array();
        for (size_t j = 0; j < p->nx; j++)
            json_array_append_new(px, num(p->x[j]));
        json_array_append_new(xa, json_pack("{s:o, s:o, s:o}", "start", when(p->start_ms), "end",
                                            when(p->end_ms), "x", px));
    }
    json_object_set_new(o, "extrapolated_intervals", xa);
    json_object_set_new(o, "model_error",
                        s->model_error[0] && !s->inlet_baseline ? json_string(s->model_error) : json_null());
    json_t *cands = json_array();
    for (size_t k = 0; k < s->ncand; k++)
        json_array_append_new(
            cands, json_pack("{s:s, s:b, s:b, s:o, s:o, s:b}", "model", s->cand[k].model,
                             "fitted", s->cand[k].fitted, "qualified", s->cand[k].qualified,
                             "adj_r2", num(s->cand[k].adj_r2), "why",
                             s->cand[k].why[0] ? json_string(s->cand[k].why) : json_null(),
                             "chosen", s->cand[k].chosen));
    json_object_set_new(o, "candidates", cands);
    if (!s->has_model) {
        json_object_set_new(o, "model", json_null());
        return o;
    }
    char names[MVG_MODEL_MAX_COEF + 2][24];
    size_t nn = mvg_report_coef_names(&s->model, names, MVG_MODEL_MAX_COEF + 2);
    json_t *cn = json_array(), *reasons = json_array();
    for (size_t k = 0; k < nn; k++)
        json_array_append_new(cn, json_string(names[k]));
    for (size_t k = 0; k < s->model.nreasons; k++)
        json_array_append_new(reasons, json_string(s->model.reasons[k]));
    json_object_set_new(o, "model",
                        json_pack("{s:s, s:b, s:o, s:b, s:o}", "form",
                                  mvg_model_type_name(s->model.type), "given", s->model_given,
                                  "coefficients", cn, "pass", s->model.pass, "reasons", reasons));
    return o;
}

static json_t *series(const mvg_report *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        json_t *a = json_array();
        for (size_t k = 0; k < r->nrecords; k++) {
            const mvg_report_point *p = &s->pts[k];
            if (!p->in_window)
                continue;
            json_t *xs = json_array();
            for (size_t j = 0; j < p->nx; j++)
                json_array_append_new(xs, num(p->x[j]));
            json_array_append_new(
                a, json_pack("{s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                             "start", when(p->start_ms), "end", when(p->end_ms), "phase",
                             mvg_report_phase_name(p->phase), "valid", p->valid, "coverage",
                             num(p->coverage), "actual", num(p->actual), "x", xs, "prediction",
                             num(p->prediction), "adjusted_baseline", num(p->adjusted_baseline),
                             "savings", num(p->phase == MVG_RP_REPORTING ? p->savings : NAN),
                             "cum_savings", num(p->cum_savings), "cum_low", num(p->cum_low),
                             "cum_high", num(p->cum_high)));
        }
        json_object_set_new(o, s->cfg->name, a);
    }
    return o;
}

static json_t *days(const mvg_report *r)
{
    json_t *a = json_array();
    for (size_t d = 0; d < r->ndays; d++) {
        char b[40];
        mvg_payload_time(r->days[d].day_ms, b, sizeof b);
        b[10] = '\0';
        json_t *cov = json_object();
        for (size_t i = 0; i < r->nstreams; i++)
            json_object_set_new(cov, r->streams[i].cfg->name, num(r->days[d].cov[i]));
        json_array_append_new(a, json_pack("{s:s, s:o}", "day", b, "coverage", cov));
    }
    return a;
}

int mvg_report_write_json(const mvg_report *r, FILE *out, char *err, size_t errlen)
{
    json_t *streams = json_array();
    for (size_t i = 0; i < r->nstreams; i++)
        json_array_append_new(streams, stream_doc(r, &r->streams[i]));
    json_t *doc = json_pack(
        "{s:s, s:o, s:{s:s, s:s}, s:{s:s, s:s, s:i, s:f}, s:{s:o, s:o, s:o, s:o}, s:o, s:o,"
        " s:{s:o, s:o}, s:o, s:{s:b, s:s, s:I, s:s, s:s, s:s, s:s}, s:o, s:o, s:o}",
        "schema", MVG_REPORT_SCHEMA, "generated", when(r->generated_ms), "gateway", "id",
        r->src->gateway, "site", r->src->site, "project", "name", r->prj->name,
        "technology", r->prj->technology, "interval_min", r->prj->interval_min, "confidence",
        r->prj->confidence, "window", "from", when_or_null(r->from_ms, r->from_ms != INT64_MIN),
        "to", when_or_null(r->to_ms, r->to_ms != INT64_MAX), "first", when(r->win_first_ms),
        "last", when(r->win_last_ms), "periods", periods(r), "meters", meters(r), "model",
        "version", r->has_model_record ? json_integer(r->model_version) : json_null(),
        "fitted_at", r->has_model_record ? json_string(r->fitted_at) : json_null(), "streams",
        streams, "chain", "ok", r->chain_ok, "line", r->chain.line, "records",
        (json_int_t)r->chain.records, "fingerprint", r->chain.fingerprint, "current_fingerprint",
        r->chain.current_fingerprint, "attestation", mvg_cli_enrol_trust_word(r->chain.enrolled),
        "trust", r->chain.trust, "figures", figures(r), "series", series(r),
        "coverage_days", days(r));
    /* what the definition states (null: not stated) */
    json_t *prj = doc ? json_object_get(doc, "project") : NULL;
    static const char *const options[] = {"A", "B", "C", "D"};
    if (prj) {
        json_object_set_new(prj, "granularity", json_string(r->daily ? "daily" : "interval"));
        json_object_set_new(prj, "open_intervals",
                            r->daily ? json_integer((json_int_t)r->open_intervals) : json_null());
        int o = r->prj->ipmvp_option;
        json_object_set_new(prj, "ipmvp_option",
                            o >= 1 && o <= 4 ? json_string(options[o - 1]) : json_null());
        json_object_set_new(prj, "measurement_boundary",
                            r->prj->measurement_boundary[0]
                                ? json_string(r->prj->measurement_boundary)
                                : json_null());
        json_object_set_new(prj, "config_sha256", r->src->config_sha256[0]
                                                      ? json_string(r->src->config_sha256)
                                                      : json_null());
        json_object_set_new(prj, "definition_version",
                            r->src->definition_version > 0
                                ? json_integer((json_int_t)r->src->definition_version)
                                : json_null());
    }
    if (!doc) {
        snprintf(err, errlen, "out of memory building the JSON report");
        return -1;
    }
    int rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) != 0 ? -1 : 0;
    json_decref(doc);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "write error");
    return rc;
}
