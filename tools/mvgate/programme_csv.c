/*
 * programme_csv.c: `mvgate programme --format csv` (programme_out.h):
 * RFC 4180, header section,key,value,unit; the totals, then per project
 * (key GATEWAY/PROJECT.field) its verification and figures, then the
 * months. An undefined figure has an empty value cell, never 0.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"

#include "programme_out.h"
#include "timefmt.h"

static void row(FILE *out, const char *section, const char *key, const char *value,
                const char *unit)
{
    const char *f[] = {section, key, value, unit};
    mvg_csv_put_row(out, f, 4);
}

static void num_row(FILE *out, const char *section, const char *key, double v, const char *unit)
{
    char b[40] = "";
    if (isfinite(v))
        snprintf(b, sizeof b, "%.17g", v);
    row(out, section, key, b, unit);
}

static void int_row(FILE *out, const char *section, const char *key, long long v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", v);
    row(out, section, key, b, "");
}

static void units_rows(FILE *out, const char *section, const char *prefix, const char *what,
                       const double v[MVG_PU_COUNT])
{
    for (int k = 0; k < MVG_PU_COUNT; k++) {
        char key[400];
        snprintf(key, sizeof key, "%s%s.%s", prefix, what, mvg_prg_unit_key[k]);
        num_row(out, section, key, v[k], mvg_prg_unit_name[k]);
    }
}

int mvg_programme_write_csv(const mvg_programme *p, FILE *out, char *err, size_t errlen)
{
    char b[40];
    fputs("section,key,value,unit\r\n", out);
    row(out, "programme", "schema", MVG_PROGRAMME_SCHEMA, "");
    row(out, "programme", "generated",
        mvg_timefmt_format(p->generated_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b), "");
    row(out, "programme", "from",
        p->from_ms == INT64_MIN ? "" : mvg_timefmt_format(p->from_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b), "");
    row(out, "programme", "to",
        p->to_ms == INT64_MAX ? "" : mvg_timefmt_format(p->to_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b), "");
    row(out, "programme", "year", p->year, "");
    num_row(out, "programme", "confidence", p->confidence, "");
    units_rows(out, "totals", "", "measured", p->measured);
    units_rows(out, "totals", "", "uncertainty", p->half);
    units_rows(out, "totals", "", "annual", p->annual);
    int_row(out, "totals", "projects", (long long)p->nprojects);
    int_row(out, "totals", "projects_measured", (long long)p->n_measured);
    int_row(out, "totals", "projects_without_interval", (long long)p->n_half_missing);
    int_row(out, "totals", "projects_annual", (long long)p->n_annual);
    int_row(out, "totals", "projects_bad", (long long)p->n_bad);
    int_row(out, "totals", "projects_alarmed", (long long)p->n_alarmed);
    int_row(out, "totals", "records", (long long)p->records);
    int_row(out, "totals", "unread", (long long)p->unread);
    for (size_t i = 0; i < p->nprojects; i++) {
        const mvg_prg_project *x = &p->projects[i];
        char pre[300], key[400];
        snprintf(pre, sizeof pre, "%s/%s.", x->gateway, x->project);
#define KEY(f) (snprintf(key, sizeof key, "%s%s", pre, f), key)
        row(out, "project", KEY("technology"), x->technology, "");
        row(out, "project", KEY("status"), x->status, "");
        int_row(out, "project", KEY("verified_records"), (long long)x->ok_records);
        int_row(out, "project", KEY("verified_chain"), (long long)x->ok_chain_max);
        int_row(out, "project", KEY("waiting"), (long long)x->waiting);
        int_row(out, "project", KEY("bad"), (long long)x->bad);
        int_row(out, "project", KEY("unread"), (long long)x->unread);
        int_row(out, "project", KEY("open_alarms"), (long long)x->open_alarms);
        row(out, "project", KEY("alarm_kinds"), x->alarms, "");
        int_row(out, "project", KEY("records"), (long long)x->records);
        num_row(out, "project", KEY("coverage"), x->coverage, "");
#undef KEY
        units_rows(out, "project", pre, "measured", x->measured);
        units_rows(out, "project", pre, "uncertainty", x->half);
        units_rows(out, "project", pre, "annual", x->annual);
    }
    for (size_t i = 0; i < p->nmonths; i++) {
        char pre[48];
        mvg_timefmt_format(p->months[i].start_ms + MVG_PRG_TZ_MS, MVG_TIMEFMT_MIN, b, sizeof b);
        snprintf(pre, sizeof pre, "%.7s.", b);
        units_rows(out, "month", pre, "measured", p->months[i].measured);
    }
    if (ferror(out)) {
        snprintf(err, errlen, "write error");
        return -1;
    }
    return 0;
}
