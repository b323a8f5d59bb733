/*
 * hub_tally.c: the programme's running sums (hub_tally.h).
 */
#include "hub_tally.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "timefmt.h"

const char *const mvg_hub_tally_conv_names[MVG_HUB_TC_COUNT] = {
    "kwh", "tj", "co2_t", "pollutant_kg", "water_m3", "cost_hkd"};

int64_t mvg_hub_tally_day(int64_t ms)
{
    int64_t t = ms + MVG_HUB_TALLY_TZ_MS;
    int64_t d = t / 86400000;
    return t % 86400000 < 0 ? d - 1 : d;
}

int64_t mvg_hub_tally_day_start(int64_t day) { return day * 86400000 - MVG_HUB_TALLY_TZ_MS; }

int mvg_hub_tally_extract(const char *payload, size_t len, int64_t record_id,
                          mvg_hub_tally_row rows[MVG_HUB_TALLY_MAX_STREAMS], char *err,
                          size_t errlen)
{
    char why[200];
    mvg_hub_doc *doc = mvg_hub_doc_parse(payload, len, why, sizeof why);
    if (!doc) {
        mvg_set_err(err, errlen, "not JSON: %s", why);
        return -1;
    }
    int n = mvg_hub_tally_extract_doc(doc, record_id, rows, err, errlen);
    mvg_hub_doc_free(doc);
    return n;
}

int mvg_hub_tally_extract_doc(const mvg_hub_doc *doc, int64_t record_id,
                              mvg_hub_tally_row rows[MVG_HUB_TALLY_MAX_STREAMS], char *err,
                              size_t errlen)
{
    mvg_hub_node top = mvg_hub_doc_root(doc);
    const char *phase = mvg_hub_doc_get_str(doc, top, "phase");
    const char *start = mvg_hub_doc_get_str(doc, top, "start");
    mvg_hub_node streams = mvg_hub_doc_get(doc, top, "streams");
    int64_t start_ms;
    if (!phase || !start || mvg_timefmt_parse(start, &start_ms) != 0 ||
        mvg_hub_doc_type_of(doc, streams) != MVG_HUB_DOC_ARRAY) {
        mvg_set_err(err, errlen, "an interval record without phase, start or streams");
        return -1;
    }
    if (strcmp(phase, "reporting") != 0)
        return 0;
    size_t n = mvg_hub_doc_count(doc, streams);
    if (n > MVG_HUB_TALLY_MAX_STREAMS) {
        mvg_set_err(err, errlen, "more than %d streams", MVG_HUB_TALLY_MAX_STREAMS);
        return -1;
    }
    size_t i = 0;
    for (mvg_hub_node s = mvg_hub_doc_first(doc, streams); s != MVG_HUB_DOC_NONE;
         s = mvg_hub_doc_next(doc, s), i++) {
        mvg_hub_tally_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        const char *name = mvg_hub_doc_get_str(doc, s, "name");
        const char *type = mvg_hub_doc_get_str(doc, s, "type");
        if (!name || !type || strlen(name) >= sizeof r->stream || strlen(type) >= sizeof r->type) {
            mvg_set_err(err, errlen, "stream %zu without a name or type", i);
            return -1;
        }
        snprintf(r->stream, sizeof r->stream, "%s", name);
        snprintf(r->type, sizeof r->type, "%s", type);
        r->day = mvg_hub_tally_day(start_ms);
        r->records = 1;
        r->first_ms = r->last_ms = start_ms;
        r->last_id = record_id;
        /* a number member reads as not finite when absent, null or out of range */
        double cov = mvg_hub_doc_get_num(doc, s, "coverage");
        r->coverage = isfinite(cov) ? cov : 0.0;
        double adj = mvg_hub_doc_get_num(doc, s, "adjustment");
        r->adjustment = isfinite(adj) ? adj : 0.0;
        /* counted: the interval has a baseline value (docs/mqtt.md,
         * "Undefined figures"); its savings include the adjustment */
        double base = mvg_hub_doc_get_num(doc, s, "adjusted_baseline");
        /* a daily project (interval schema 5): the interval has no
         * baseline value; the record that ends a counted day carries the
         * day's, whose savings are its avoided use (the adjustments stay
         * per interval, above) */
        mvg_hub_node day = mvg_hub_doc_get(doc, s, "day"), src = s;
        if (isfinite(mvg_hub_doc_get_num(doc, day, "adjusted_baseline"))) {
            src = day;
            base = mvg_hub_doc_get_num(doc, day, "adjusted_baseline");
        }
        if (isfinite(base)) {
            r->m = 1;
            r->adjusted_baseline = base;
            double act = mvg_hub_doc_get_num(doc, src, "actual");
            double sav = mvg_hub_doc_get_num(doc, src, src == day ? "avoided" : "savings");
            r->actual = isfinite(act) ? act : 0.0;
            r->savings = isfinite(sav) ? sav : 0.0;
            mvg_hub_node conv = mvg_hub_doc_get(doc, src, "converted");
            for (int c = 0; c < MVG_HUB_TC_COUNT; c++) {
                double v = mvg_hub_doc_get_num(doc, conv, mvg_hub_tally_conv_names[c]);
                r->conv[c] = isfinite(v) ? v : 0.0;
            }
        }
    }
    return (int)n;
}

int mvg_hub_tally_add(mvg_hub_db *db, const char *gateway, const char *project,
                      const mvg_hub_tally_row *rows, size_t n)
{
    /* the right-hand sides of an upsert's SET see the row as it was, on
     * both backends, so last_id follows last_ms before last_ms moves */
    static const char sql[] =
        "INSERT INTO hub_tally_days (gateway, project, stream, day, type, records, m, coverage,"
        " adjusted_baseline, actual, adjustment, savings, kwh, tj, co2_t, pollutant_kg, water_m3,"
        " cost_hkd, first_ms, last_ms, last_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
        " ON CONFLICT (gateway, project, stream, day) DO UPDATE SET"
        " records = hub_tally_days.records + excluded.records,"
        " m = hub_tally_days.m + excluded.m,"
        " coverage = hub_tally_days.coverage + excluded.coverage,"
        " adjusted_baseline = hub_tally_days.adjusted_baseline + excluded.adjusted_baseline,"
        " actual = hub_tally_days.actual + excluded.actual,"
        " adjustment = hub_tally_days.adjustment + excluded.adjustment,"
        " savings = hub_tally_days.savings + excluded.savings,"
        " kwh = hub_tally_days.kwh + excluded.kwh, tj = hub_tally_days.tj + excluded.tj,"
        " co2_t = hub_tally_days.co2_t + excluded.co2_t,"
        " pollutant_kg = hub_tally_days.pollutant_kg + excluded.pollutant_kg,"
        " water_m3 = hub_tally_days.water_m3 + excluded.water_m3,"
        " cost_hkd = hub_tally_days.cost_hkd + excluded.cost_hkd,"
        " first_ms = CASE WHEN excluded.first_ms < hub_tally_days.first_ms"
        " THEN excluded.first_ms ELSE hub_tally_days.first_ms END,"
        " last_id = CASE WHEN excluded.last_ms >= hub_tally_days.last_ms"
        " THEN excluded.last_id ELSE hub_tally_days.last_id END,"
        " last_ms = CASE WHEN excluded.last_ms > hub_tally_days.last_ms"
        " THEN excluded.last_ms ELSE hub_tally_days.last_ms END";
    for (size_t i = 0; i < n; i++) {
        const mvg_hub_tally_row *r = &rows[i];
        const double v[11] = {r->coverage, r->adjusted_baseline, r->actual, r->adjustment,
                              r->savings, r->conv[0], r->conv[1], r->conv[2], r->conv[3],
                              r->conv[4], r->conv[5]};
        mvg_hub_param p[21] = {MVG_HUB_TEXT(gateway), MVG_HUB_TEXT(project),
                               MVG_HUB_TEXT(r->stream), MVG_HUB_INT(r->day),
                               MVG_HUB_TEXT(r->type), MVG_HUB_INT(r->records), MVG_HUB_INT(r->m)};
        for (int k = 0; k < 11; k++)
            p[7 + k] = MVG_HUB_REAL(v[k]);
        p[18] = MVG_HUB_INT(r->first_ms);
        p[19] = MVG_HUB_INT(r->last_ms);
        p[20] = MVG_HUB_INT(r->last_id);
        if (mvg_hub_db_exec(db, sql, p, 21) < 0)
            return -1;
    }
    return 0;
}

int mvg_hub_tally_count(mvg_hub_db *db, const char *gateway, const char *project, int64_t n,
                        int64_t chain_max, int64_t unread)
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(gateway), MVG_HUB_TEXT(project), MVG_HUB_INT(n),
                         MVG_HUB_INT(chain_max), MVG_HUB_INT(unread)};
    return mvg_hub_db_exec(db,
                           "INSERT INTO hub_tally_projects (gateway, project, ok_records,"
                           " ok_chain_max, unread) VALUES ($1, $2, $3, $4, $5)"
                           " ON CONFLICT (gateway, project) DO UPDATE SET"
                           " ok_records = hub_tally_projects.ok_records + excluded.ok_records,"
                           " unread = hub_tally_projects.unread + excluded.unread,"
                           " ok_chain_max = CASE WHEN excluded.ok_chain_max >"
                           " hub_tally_projects.ok_chain_max THEN excluded.ok_chain_max"
                           " ELSE hub_tally_projects.ok_chain_max END",
                           p, 5) < 0
               ? -1
               : 0;
}

int mvg_hub_tally_verified(mvg_hub_db *db, const mvg_hub_vrec *x, const char *project,
                           int64_t id)
{
    int n = 0;
    mvg_hub_tally_row rows[MVG_HUB_TALLY_MAX_STREAMS];
    if (strcmp(x->kind, "interval") == 0) {
        char err[160];
        n = x->doc ? mvg_hub_tally_extract_doc(x->doc, id, rows, err, sizeof err)
                   : mvg_hub_tally_extract(x->payload, x->len, id, rows, err, sizeof err);
    }
    if (mvg_hub_tally_count(db, x->gateway, project, 1, x->chain, n < 0) < 0)
        return -1;
    return n > 0 ? mvg_hub_tally_add(db, x->gateway, project, rows, (size_t)n) : 0;
}
