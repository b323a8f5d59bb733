/*
 * programme_json.c: `mvgate programme --format json` (programme_out.h):
 * every figure at full precision, an undefined one null.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "programme_out.h"
#include "timefmt.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *when(int64_t ms, int set)
{
    if (!set)
        return json_null();
    char b[40];
    return json_string(mvg_timefmt_format(ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b));
}

/* {"tj": v, "co2_t": v, ...} */
static json_t *units(const double v[MVG_PU_COUNT])
{
    json_t *o = json_object();
    for (int k = 0; k < MVG_PU_COUNT; k++)
        json_object_set_new(o, mvg_prg_unit_key[k], num(v[k]));
    return o;
}

static json_t *project(const mvg_prg_project *x)
{
    json_t *kinds = json_array();
    char buf[sizeof x->alarms];
    snprintf(buf, sizeof buf, "%s", x->alarms);
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        json_array_append_new(kinds, json_string(t));
    return json_pack(
        "{s:s, s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o,"
        " s:o}",
        "gateway", x->gateway, "project", x->project, "technology",
        x->technology[0] ? x->technology : NULL, "status", x->status, "verified_records",
        (json_int_t)x->ok_records, "verified_chain", (json_int_t)x->ok_chain_max, "waiting",
        (json_int_t)x->waiting, "bad", (json_int_t)x->bad, "unread", (json_int_t)x->unread,
        "open_alarms", (json_int_t)x->open_alarms, "alarm_kinds", kinds, "records",
        (json_int_t)x->records, "first", when(x->first_ms, x->records > 0), "last",
        when(x->last_ms, x->records > 0), "coverage", num(x->coverage), "measured",
        units(x->measured), "uncertainty", units(x->half), "annual", units(x->annual));
}

int mvg_programme_write_json(const mvg_programme *p, FILE *out, char *err, size_t errlen)
{
    json_t *names = json_object();
    for (int k = 0; k < MVG_PU_COUNT; k++)
        json_object_set_new(names, mvg_prg_unit_key[k], json_string(mvg_prg_unit_name[k]));
    json_t *projects = json_array(), *months = json_array();
    for (size_t i = 0; i < p->nprojects; i++)
        json_array_append_new(projects, project(&p->projects[i]));
    for (size_t i = 0; i < p->nmonths; i++)
        json_array_append_new(months, json_pack("{s:o, s:o}", "start",
                                                when(p->months[i].start_ms, 1), "measured",
                                                units(p->months[i].measured)));
    json_t *doc = json_pack(
        "{s:s, s:o, s:{s:o, s:o, s:s?, s:s}, s:f, s:o, s:{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I,"
        " s:I, s:I, s:I}, s:o, s:o}",
        "schema", MVG_PROGRAMME_SCHEMA, "generated", when(p->generated_ms, 1), "window", "from",
        when(p->from_ms, p->from_ms != INT64_MIN), "to", when(p->to_ms, p->to_ms != INT64_MAX),
        "year", p->year[0] ? p->year : NULL, "time_zone", "+08:00", "confidence",
        p->confidence, "units", names, "totals", "measured", units(p->measured), "uncertainty",
        units(p->half), "annual", units(p->annual), "projects", (json_int_t)p->nprojects,
        "projects_measured", (json_int_t)p->n_measured, "projects_without_interval",
        (json_int_t)p->n_half_missing, "projects_annual", (json_int_t)p->n_annual,
        "projects_bad", (json_int_t)p->n_bad, "projects_alarmed", (json_int_t)p->n_alarmed,
        "records", (json_int_t)p->records, "unread", (json_int_t)p->unread, "projects",
        projects, "months", months);
    if (!doc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) == 0 &&
                     fputc('\n', out) != EOF && !ferror(out)
                 ? 0
                 : -1;
    json_decref(doc);
    if (rc != 0)
        snprintf(err, errlen, "write error");
    return rc;
}
