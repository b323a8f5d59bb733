/*
 * programme_data.c: gathers `mvgate programme` (programme_data.h).
 */
#include "programme_data.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hub_tally.h"
#include "model.h"
#include "model_json.h"
#include "savings.h"
#include "timefmt.h"
#include "vec.h"

const char *const mvg_prg_unit_key[MVG_PU_COUNT] = {"tj",    "co2_t",    "voc_t",   "so2_t",
                                                    "nox_t", "water_m3", "cost_hkd"};
const char *const mvg_prg_unit_name[MVG_PU_COUNT] = {"TJ",    "t CO2", "t VOC", "t SO2",
                                                     "t NOx", "m3",    "HK$"};

int mvg_programme_year(const char *s, int64_t *from_ms, int64_t *to_ms)
{
    int y, yy;
    char tail;
    if (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", &y, &yy, &tail) != 2 || s[4] != '-' ||
        y < 1971 || y > 9998 || yy != (y + 1) % 100)
        return -1;
    char a[40], b[40];
    snprintf(a, sizeof a, "%04d-04-01T00:00+08:00", y);
    snprintf(b, sizeof b, "%04d-04-01T00:00+08:00", y + 1);
    return mvg_timefmt_parse(a, from_ms) == 0 && mvg_timefmt_parse(b, to_ms) == 0 ? 0 : -1;
}

/* The programme's units from one stream's converted figures (the record's
 * "converted" members): energy, CO2 and cost from every stream, the
 * pollutant mass by the stream's type, water from water streams. */
static void to_units(const char *type, const double conv[MVG_HUB_TC_COUNT], double out[MVG_PU_COUNT])
{
    for (int u = 0; u < MVG_PU_COUNT; u++)
        out[u] = 0.0;
    out[MVG_PU_TJ] = conv[MVG_HUB_TC_TJ];
    out[MVG_PU_CO2_T] = conv[MVG_HUB_TC_CO2_T];
    out[MVG_PU_HKD] = conv[MVG_HUB_TC_COST_HKD];
    out[MVG_PU_WATER_M3] = conv[MVG_HUB_TC_WATER_M3];
    double t = conv[MVG_HUB_TC_POLLUTANT_KG] / 1000.0;
    if (strcmp(type, "voc") == 0)
        out[MVG_PU_VOC_T] = t;
    else if (strcmp(type, "so2") == 0)
        out[MVG_PU_SO2_T] = t;
    else if (strcmp(type, "nox") == 0)
        out[MVG_PU_NOX_T] = t;
}

/* ---- projects ----------------------------------------------------------- */

typedef struct {
    mvg_programme *p;
    size_t cap;
    json_t **models;              /* per project: its newest verified model record */
    size_t models_cap;
} gather;

static mvg_prg_project *project(gather *g, const char *gw, const char *pr)
{
    mvg_programme *p = g->p;
    if (!gw || !pr)
        return NULL;
    for (size_t i = p->nprojects; i-- > 0;)
        if (strcmp(p->projects[i].gateway, gw) == 0 && strcmp(p->projects[i].project, pr) == 0)
            return &p->projects[i];
    if (strlen(gw) >= sizeof p->projects[0].gateway || strlen(pr) >= sizeof p->projects[0].project)
        return NULL;
    size_t cap = g->cap;
    mvg_prg_project *a = mvg_vec_reserve(p->projects, p->nprojects, &cap, sizeof *a, 64);
    if (!a)
        return NULL;
    p->projects = a;
    g->cap = cap;
    size_t mcap = g->models_cap;
    json_t **m = mvg_vec_reserve(g->models, p->nprojects, &mcap, sizeof *m, 64);
    if (!m)
        return NULL;
    g->models = m;
    g->models_cap = mcap;
    g->models[p->nprojects] = NULL;
    mvg_prg_project *x = &a[p->nprojects++];
    memset(x, 0, sizeof *x);
    snprintf(x->gateway, sizeof x->gateway, "%s", gw);
    snprintf(x->project, sizeof x->project, "%s", pr);
    x->coverage = NAN;
    for (int u = 0; u < MVG_PU_COUNT; u++)
        x->half[u] = x->annual[u] = NAN;
    return x;
}

static mvg_hub_rows *query(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np,
                           char *err, size_t errlen)
{
    mvg_hub_rows *r = mvg_hub_db_query(db, sql, p, np);
    if (!r)
        mvg_set_err(err, errlen, "hub database: %s", mvg_hub_db_error(db));
    return r;
}

/* Verified counts, waiting and bad records, per project. */
static int verification(gather *g, mvg_hub_db *db, char *err, size_t errlen)
{
    mvg_hub_rows *r = query(db,
                            "SELECT gateway, project, ok_records, ok_chain_max, unread"
                            " FROM hub_tally_projects ORDER BY gateway, project",
                            NULL, 0, err, errlen);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
        mvg_prg_project *x = project(g, mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1));
        if (!x)
            goto oom;
        x->ok_records = mvg_hub_rows_int(r, i, 2);
        x->ok_chain_max = mvg_hub_rows_int(r, i, 3);
        x->unread = mvg_hub_rows_int(r, i, 4);
        g->p->unread += x->unread;
    }
    mvg_hub_rows_free(r);
    /* Both through the partial indexes of the records waiting and bad, and
     * counted here: a GROUP BY lets SQLite's planner prefer the unique
     * (gateway, project, ...) index for its order and walk every record
     * (12 s for half a million records, where these read a few rows). */
    static const char *const sql[2] = {
        "SELECT gateway, project FROM hub_records WHERE verdict IS NULL"
        " ORDER BY gateway, project, chain",
        "SELECT gateway, project FROM hub_records WHERE verdict <> 'ok' ORDER BY id"};
    for (int k = 0; k < 2; k++) {
        r = query(db, sql[k], NULL, 0, err, errlen);
        if (!r)
            return -1;
        for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
            mvg_prg_project *x = project(g, mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1));
            if (!x)
                goto oom;
            (*(k == 0 ? &x->waiting : &x->bad))++;
        }
        mvg_hub_rows_free(r);
    }
    return 0;
oom:
    mvg_hub_rows_free(r);
    mvg_set_err(err, errlen, "out of memory");
    return -1;
}

/* The newest verified definition (technology, interval) and model record
 * of each project. */
static int definitions(gather *g, mvg_hub_db *db, char *err, size_t errlen)
{
    static const char *const kinds[2] = {"definition", "model"};
    for (int k = 0; k < 2; k++) {
        mvg_hub_param p[] = {MVG_HUB_TEXT(kinds[k])};
        mvg_hub_rows *r = query(db,
                                "SELECT gateway, project, payload FROM hub_records"
                                " WHERE kind = $1 AND kind <> 'interval' AND"
                                " verdict = 'ok' ORDER BY id", /* hub_db.c's index */
                                p, 1, err, errlen);
        if (!r)
            return -1;
        for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
            mvg_prg_project *x = project(g, mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1));
            if (!x) {
                mvg_hub_rows_free(r);
                mvg_set_err(err, errlen, "out of memory");
                return -1;
            }
            size_t len;
            const char *b = mvg_hub_rows_blob(r, i, 2, &len);
            json_t *doc = json_loadb(b, len, 0, NULL);
            if (!doc) {
                mvg_set_err(err, errlen, "gateway %s project %s: a verified %s record that is"
                            " not JSON", x->gateway, x->project, kinds[k]);
                mvg_hub_rows_free(r);
                return -1;
            }
            if (k == 0) {
                const char *t = json_string_value(json_object_get(doc, "technology"));
                snprintf(x->technology, sizeof x->technology, "%s", t ? t : "");
                json_int_t im = json_integer_value(json_object_get(doc, "interval_min"));
                x->interval_ms = im > 0 ? (int64_t)im * 60000 : 0;
                json_decref(doc);
            } else {
                size_t at = (size_t)(x - g->p->projects);
                json_decref(g->models[at]);
                g->models[at] = doc;
            }
        }
        mvg_hub_rows_free(r);
    }
    return 0;
}

static int alarms(gather *g, mvg_hub_db *db, char *err, size_t errlen)
{
    mvg_hub_rows *r = query(db,
                            "SELECT gateway, project, kind FROM hub_alerts WHERE cleared_ms IS"
                            " NULL AND severity = 'alarm' ORDER BY id",
                            NULL, 0, err, errlen);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
        const char *gw = mvg_hub_rows_text(r, i, 0), *pr = mvg_hub_rows_text(r, i, 1);
        const char *kind = mvg_hub_rows_text(r, i, 2);
        /* an alarm about a gateway as a whole is on each of its projects */
        for (size_t j = 0; j < g->p->nprojects; j++) {
            mvg_prg_project *x = &g->p->projects[j];
            if (strcmp(x->gateway, gw) != 0 || (pr && strcmp(x->project, pr) != 0))
                continue;
            size_t n = strlen(x->alarms);
            if (!strstr(x->alarms, kind) && n + strlen(kind) + 3 < sizeof x->alarms)
                snprintf(x->alarms + n, sizeof x->alarms - n, "%s%s", n ? ", " : "", kind);
            x->open_alarms++;
        }
    }
    mvg_hub_rows_free(r);
    return 0;
}

/* ---- the window's sums -------------------------------------------------- */

/* One stream of one project over the window. */
typedef struct {
    char stream[64], type[24];
    int64_t records, m;
    double coverage, base, act, adj, sav;
    double conv[MVG_HUB_TC_COUNT];
} stream_sum;

/* The stream's model in the project's model record: 0 and *m, -1 none. */
static int stream_model(const json_t *model_doc, const char *stream, mvg_model *m)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(model_doc, "streams"), i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        if (name && strcmp(name, stream) == 0) {
            char e[200];
            return mvg_model_from_json(json_object_get(s, "model"), m, NULL, e, sizeof e);
        }
    }
    return -1;
}

/*
 * A stream's window sums into its project: measured, and the half-width of
 * its savings interval in each unit (squared, to be summed), or *undefined
 * set when it has none (no model, FSU undefined).
 */
static void add_stream(mvg_prg_project *x, const json_t *model_doc, const stream_sum *s,
                       double conf, double half2[MVG_PU_COUNT], int *undefined)
{
    double u[MVG_PU_COUNT];
    to_units(s->type, s->conv, u);
    for (int k = 0; k < MVG_PU_COUNT; k++)
        x->measured[k] += u[k];
    x->coverage += s->coverage;
    if (s->m == 0)
        return;
    x->has_measured = 1;
    mvg_model model;
    mvg_savings sv;
    char e[200];
    if (!model_doc || stream_model(model_doc, s->stream, &model) != 0 ||
        mvg_savings_from_totals(&model, (size_t)s->m, s->base, s->act, conf, &sv, e, sizeof e) !=
            0 ||
        !isfinite(sv.fsu) || s->sav == 0.0) {
        *undefined = 1;
        return;
    }
    /* the interval is about the avoided use; each unit is the savings
     * converted, so the window's own ratio converts the half-width */
    double half = sv.fsu * fabs(sv.savings);
    for (int k = 0; k < MVG_PU_COUNT; k++) {
        double h = half * fabs(u[k] / s->sav);
        half2[k] += h * h;
    }
}

/* The annual figures of the record that ends the project's window. */
static int annual(mvg_prg_project *x, mvg_hub_db *db, int64_t last_id, char *err, size_t errlen)
{
    mvg_hub_param p[] = {MVG_HUB_INT(last_id)};
    mvg_hub_rows *r = query(db, "SELECT payload FROM hub_records WHERE id = $1", p, 1, err,
                            errlen);
    if (!r)
        return -1;
    json_t *doc = NULL;
    if (mvg_hub_rows_count(r) == 1) {
        size_t len;
        const char *b = mvg_hub_rows_blob(r, 0, 0, &len);
        doc = json_loadb(b, len, 0, NULL);
    }
    mvg_hub_rows_free(r);
    if (!doc) {
        mvg_set_err(err, errlen, "gateway %s project %s: record %lld does not parse", x->gateway,
                    x->project, (long long)last_id);
        return -1;
    }
    double sum[MVG_PU_COUNT] = {0};
    int ok = json_array_size(json_object_get(doc, "streams")) > 0;
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(doc, "streams"), i, s) {
        const char *type = json_string_value(json_object_get(s, "type"));
        const json_t *ac = json_object_get(json_object_get(s, "cumulative"), "annual_converted");
        double conv[MVG_HUB_TC_COUNT], u[MVG_PU_COUNT];
        for (int c = 0; c < MVG_HUB_TC_COUNT; c++) {
            const json_t *v = json_object_get(ac, mvg_hub_tally_conv_names[c]);
            conv[c] = json_is_number(v) ? json_number_value(v) : NAN;
        }
        if (!type || !isfinite(conv[MVG_HUB_TC_TJ]) || !isfinite(conv[MVG_HUB_TC_COST_HKD])) {
            ok = 0; /* not yet: no counted interval, or a record before annual figures */
            break;
        }
        for (int c = 0; c < MVG_HUB_TC_COUNT; c++)
            if (!isfinite(conv[c]))
                conv[c] = 0.0; /* a conversion that does not apply to the stream */
        to_units(type, conv, u);
        for (int k = 0; k < MVG_PU_COUNT; k++)
            sum[k] += u[k];
    }
    json_decref(doc);
    if (ok)
        memcpy(x->annual, sum, sizeof sum);
    return 0;
}

static int month_add(mvg_programme *p, size_t *cap, int64_t day, const double u[MVG_PU_COUNT])
{
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(day * 86400000, &c); /* the HK day's calendar date */
    char s[40];
    snprintf(s, sizeof s, "%04lld-%02d-01T00:00+08:00", (long long)c.year, c.month);
    int64_t start;
    if (mvg_timefmt_parse(s, &start) != 0)
        return -1;
    size_t i = 0;
    while (i < p->nmonths && p->months[i].start_ms < start)
        i++;
    if (i == p->nmonths || p->months[i].start_ms != start) {
        mvg_prg_month *a = mvg_vec_reserve(p->months, p->nmonths, cap, sizeof *a, 16);
        if (!a)
            return -1;
        p->months = a;
        memmove(&a[i + 1], &a[i], (p->nmonths - i) * sizeof *a);
        memset(&a[i], 0, sizeof a[i]);
        a[i].start_ms = start;
        p->nmonths++;
    }
    for (int k = 0; k < MVG_PU_COUNT; k++)
        p->months[i].measured[k] += u[k];
    return 0;
}

/* A day row's key, for sorting (the day order within a stream does not
 * matter: the sums add). */
typedef struct {
    const char *gw, *prj, *stream;
    size_t row;
} row_key;

static int cmp_row(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    int d = strcmp(x->gw, y->gw);
    if (!d)
        d = strcmp(x->prj, y->prj);
    if (!d)
        d = strcmp(x->stream, y->stream);
    return d ? d : x->row < y->row ? -1 : x->row > y->row;
}

/* The window's day rows, read in the table's own order (a scan, where an
 * ORDER BY of the key walks the key's index and fetches each row apart)
 * and sorted here: one pass sums each stream, its project and the months. */
static int window(gather *g, const mvg_programme_req *req, char *err, size_t errlen)
{
    mvg_programme *p = g->p;
    int64_t d0 = req->from_ms == INT64_MIN ? INT64_MIN : mvg_hub_tally_day(req->from_ms);
    int64_t d1 = req->to_ms == INT64_MAX ? INT64_MAX : mvg_hub_tally_day(req->to_ms);
    mvg_hub_param prm[] = {MVG_HUB_INT(d0), MVG_HUB_INT(d1)};
    mvg_hub_rows *r = query(req->db,
                            "SELECT gateway, project, stream, type, day, records, m, coverage,"
                            " adjusted_baseline, actual, adjustment, savings, kwh, tj, co2_t,"
                            " pollutant_kg, water_m3, cost_hkd, first_ms, last_ms, last_id"
                            " FROM hub_tally_days WHERE day >= $1 AND day < $2",
                            prm, 2, err, errlen);
    if (!r)
        return -1;
    size_t n = mvg_hub_rows_count(r), mcap = 0;
    int rc = -1;
    row_key *keys = malloc((n ? n : 1) * sizeof *keys);
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!keys || !ord) {
        free(keys);
        goto oom;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (row_key){mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1),
                            mvg_hub_rows_text(r, i, 2), i};
    qsort(keys, n, sizeof *keys, cmp_row);
    for (size_t i = 0; i < n; i++)
        ord[i] = keys[i].row;
    free(keys);
    for (size_t i = 0; i < n;) {
        mvg_prg_project *x = project(g, mvg_hub_rows_text(r, ord[i], 0), mvg_hub_rows_text(r, ord[i], 1));
        if (!x)
            goto oom;
        const json_t *model_doc = g->models[x - p->projects];
        x->coverage = 0.0;
        double half2[MVG_PU_COUNT] = {0};
        int undefined = 0, nstreams = 0;
        int64_t last_ms = INT64_MIN, last_id = 0, first_ms = INT64_MAX, records = 0;
        /* the project's rows */
        while (i < n && strcmp(mvg_hub_rows_text(r, ord[i], 0), x->gateway) == 0 &&
               strcmp(mvg_hub_rows_text(r, ord[i], 1), x->project) == 0) {
            stream_sum s = {0};
            snprintf(s.stream, sizeof s.stream, "%s", mvg_hub_rows_text(r, ord[i], 2));
            snprintf(s.type, sizeof s.type, "%s", mvg_hub_rows_text(r, ord[i], 3));
            int64_t srec = 0;
            for (; i < n && strcmp(mvg_hub_rows_text(r, ord[i], 0), x->gateway) == 0 &&
                   strcmp(mvg_hub_rows_text(r, ord[i], 1), x->project) == 0 &&
                   strcmp(mvg_hub_rows_text(r, ord[i], 2), s.stream) == 0;
                 i++) {
                srec += mvg_hub_rows_int(r, ord[i], 5);
                s.m += mvg_hub_rows_int(r, ord[i], 6);
                double v[11];
                for (int k = 0; k < 11; k++)
                    v[k] = strtod(mvg_hub_rows_text(r, ord[i], 7 + k), NULL);
                s.coverage += v[0];
                s.base += v[1];
                s.act += v[2];
                s.adj += v[3];
                s.sav += v[4];
                double conv[MVG_HUB_TC_COUNT], u[MVG_PU_COUNT];
                for (int c = 0; c < MVG_HUB_TC_COUNT; c++) {
                    conv[c] = v[5 + c];
                    s.conv[c] += conv[c];
                }
                to_units(s.type, conv, u);
                if (month_add(p, &mcap, mvg_hub_rows_int(r, ord[i], 4), u) < 0)
                    goto oom;
                int64_t f = mvg_hub_rows_int(r, ord[i], 18), l = mvg_hub_rows_int(r, ord[i], 19);
                if (f < first_ms)
                    first_ms = f;
                if (l > last_ms) {
                    last_ms = l;
                    last_id = mvg_hub_rows_int(r, ord[i], 20);
                }
            }
            s.records = srec;
            if (srec > records)
                records = srec; /* one record carries every stream */
            add_stream(x, model_doc, &s, req->confidence, half2, &undefined);
            nstreams++;
        }
        x->records = records;
        x->first_ms = first_ms;
        x->last_ms = last_ms;
        /* coverage: the intervals the records span should all be there */
        if (x->interval_ms > 0 && nstreams > 0)
            x->coverage /= (double)nstreams * (double)((last_ms - first_ms) / x->interval_ms + 1);
        else
            x->coverage = NAN;
        for (int k = 0; k < MVG_PU_COUNT; k++)
            x->half[k] = x->has_measured && !undefined ? sqrt(half2[k]) : NAN;
        if (annual(x, req->db, last_id, err, errlen) < 0)
            goto out;
    }
    rc = 0;
    goto out;
oom:
    mvg_set_err(err, errlen, "out of memory");
out:
    free(ord);
    mvg_hub_rows_free(r);
    return rc;
}

/* The programme's totals from its projects. */
static void totals(mvg_programme *p)
{
    double half2[MVG_PU_COUNT] = {0}, meas[MVG_PU_COUNT] = {0}, ann[MVG_PU_COUNT] = {0};
    for (size_t i = 0; i < p->nprojects; i++) {
        mvg_prg_project *x = &p->projects[i];
        x->status = x->bad > 0 ? "bad" : x->ok_records > 0 ? "verified" : "unverified";
        p->n_bad += x->bad > 0;
        p->n_alarmed += x->open_alarms > 0;
        p->records += x->records;
        if (x->has_measured) {
            p->n_measured++;
            for (int k = 0; k < MVG_PU_COUNT; k++)
                meas[k] += x->measured[k];
            if (isfinite(x->half[0]))
                for (int k = 0; k < MVG_PU_COUNT; k++)
                    half2[k] += x->half[k] * x->half[k];
            else
                p->n_half_missing++;
        }
        if (isfinite(x->annual[0])) {
            p->n_annual++;
            for (int k = 0; k < MVG_PU_COUNT; k++)
                ann[k] += x->annual[k];
        }
    }
    for (int k = 0; k < MVG_PU_COUNT; k++) {
        p->measured[k] = p->n_measured ? meas[k] : NAN;
        p->half[k] = p->n_measured > p->n_half_missing ? sqrt(half2[k]) : NAN;
        p->annual[k] = p->n_annual ? ann[k] : NAN;
    }
}

static int cmp_project(const void *a, const void *b)
{
    const mvg_prg_project *x = a, *y = b;
    int c = strcmp(x->gateway, y->gateway);
    return c ? c : strcmp(x->project, y->project);
}

/* A window edge must be a Hong Kong midnight: the tallies are per day. */
static int check_edge(const char *what, int64_t ms, char *err, size_t errlen)
{
    if (ms == INT64_MIN || ms == INT64_MAX || mvg_hub_tally_day_start(mvg_hub_tally_day(ms)) == ms)
        return 0;
    char b[40];
    mvg_timefmt_format(ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, b, sizeof b);
    mvg_set_err(err, errlen,
                "--%s %s is not a day boundary in Hong Kong time: the programme counts whole"
                " days from 00:00 HKT (give e.g. 2025-04-01T00:00+08:00 or"
                " 2025-03-31T16:00:00Z)",
                what, b);
    return -1;
}

mvg_programme *mvg_programme_build(const mvg_programme_req *req, char *err, size_t errlen)
{
    if (check_edge("from", req->from_ms, err, errlen) < 0 ||
        check_edge("to", req->to_ms, err, errlen) < 0)
        return NULL;
    if (req->from_ms != INT64_MIN && req->to_ms != INT64_MAX && req->from_ms >= req->to_ms) {
        mvg_set_err(err, errlen, "--from must be before --to");
        return NULL;
    }
    mvg_programme *p = calloc(1, sizeof *p);
    if (!p) {
        mvg_set_err(err, errlen, "out of memory");
        return NULL;
    }
    p->from_ms = req->from_ms;
    p->to_ms = req->to_ms;
    snprintf(p->year, sizeof p->year, "%s", req->year ? req->year : "");
    p->generated_ms = req->now_ms;
    p->confidence = req->confidence;
    gather g = {p, 0, NULL, 0};
    int rc = verification(&g, req->db, err, errlen);
    if (rc == 0)
        rc = definitions(&g, req->db, err, errlen);
    if (rc == 0)
        rc = alarms(&g, req->db, err, errlen);
    if (rc == 0)
        rc = window(&g, req, err, errlen);
    for (size_t i = 0; i < p->nprojects; i++)
        json_decref(g.models[i]);
    free(g.models);
    if (rc != 0) {
        mvg_programme_free(p);
        return NULL;
    }
    if (p->nprojects)
        qsort(p->projects, p->nprojects, sizeof *p->projects, cmp_project);
    totals(p);
    return p;
}

void mvg_programme_free(mvg_programme *p)
{
    if (!p)
        return;
    free(p->projects);
    free(p->months);
    free(p);
}
