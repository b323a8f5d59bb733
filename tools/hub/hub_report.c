/*
 * hub_report.c: the hub's verified records as a report source
 * (hub_report.h).
 */
#include "hub_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "definition.h"
#include "timefmt.h"

struct mvg_hub_report {
    mvg_report_source src;
    mvg_hub_rows *rows;          /* the project's records, by chain position */
    size_t *used;                /* row indexes of chain 1..nused, the ok one of each */
    size_t nused;
    mvg_definition *def;
    /* the points this project's definition counts, and the gateway's other
     * projects' newest verified definitions with theirs (their "counts",
     * the gateway's rule of a double count); NULL when not known */
    json_t *own_counts;
    json_t *other_counts; /* project name -> its "counts" */
    char gateway[128], project[128], site[128];
    char origin[1100];
    const mvg_cli_enrol *reg;
};

enum { C_CHAIN, C_KIND, C_VERDICT, C_DETAIL, C_KEY, C_NEXT, C_PAYLOAD, C_HASH, C_PREV };

static const char *kind_of(const mvg_hub_report *h, size_t i)
{
    return mvg_hub_rows_text(h->rows, h->used[i], C_KIND);
}

static int foreach_interval(void *ctx, mvg_store_record_fn fn, void *user, char *err,
                            size_t errlen)
{
    mvg_hub_report *h = ctx;
    for (size_t i = 0; i < h->nused; i++) {
        if (strcmp(kind_of(h, i), "interval") != 0)
            continue;
        size_t len = 0;
        const char *p = mvg_hub_rows_blob(h->rows, h->used[i], C_PAYLOAD, &len);
        json_t *doc = json_loadb(p, len, 0, NULL);
        int64_t start = 0, end = 0;
        const char *s = json_string_value(json_object_get(doc, "start"));
        const char *e = json_string_value(json_object_get(doc, "end"));
        json_int_t seq = json_integer_value(json_object_get(doc, "seq"));
        int ok = s && e && mvg_timefmt_parse(s, &start) == 0 && mvg_timefmt_parse(e, &end) == 0;
        json_decref(doc);
        if (!ok) {
            snprintf(err, errlen, "gateway %s project %s chain %lld: an interval record without"
                     " a readable start and end", h->gateway, h->project,
                     (long long)mvg_hub_rows_int(h->rows, h->used[i], C_CHAIN));
            return -1;
        }
        int rc = fn(user, h->project, (int64_t)seq, start, end, p, len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int model(void *ctx, char **json, int64_t *version, char *err, size_t errlen)
{
    mvg_hub_report *h = ctx;
    *json = NULL;
    *version = 0;
    for (size_t i = h->nused; i-- > 0;) {
        if (strcmp(kind_of(h, i), "model") != 0)
            continue;
        size_t len = 0;
        const char *p = mvg_hub_rows_blob(h->rows, h->used[i], C_PAYLOAD, &len);
        json_t *doc = json_loadb(p, len, 0, NULL);
        *version = json_integer_value(json_object_get(doc, "version"));
        json_decref(doc);
        *json = malloc(len + 1);
        if (!*json) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memcpy(*json, p, len);
        (*json)[len] = '\0';
        return 0;
    }
    return 0;
}

static mvg_chain_verdict verdict_of(const char *word)
{
    for (int v = MVG_CHAIN_V_ALTERED; v <= MVG_CHAIN_V_NOT_ENROLLED; v++)
        if (strcmp(mvg_chain_verdict_name((mvg_chain_verdict)v), word) == 0)
            return (mvg_chain_verdict)v;
    return MVG_CHAIN_V_ALTERED;
}

/*
 * The verdict: the hub's, record by record. The chain holds when no
 * record of the project is bad; the line says which range the report
 * uses and what, after it, is not used and why.
 */
static int chain(void *ctx, mvg_cli_chain_result *out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    mvg_hub_report *h = ctx;
    memset(out, 0, sizeof *out);
    out->enrolled = 1;
    out->records = h->nused;
    size_t kinds[5] = {0};
    for (size_t i = 0; i < h->nused; i++) {
        const char *k = kind_of(h, i);
        kinds[!strcmp(k, "model")        ? 1
              : !strcmp(k, "key")        ? 2
              : !strcmp(k, "newchain")   ? 3
              : !strcmp(k, "definition") ? 4
                                         : 0]++;
    }
    const char *first = mvg_hub_rows_text(h->rows, h->used[0], C_KEY);
    const char *last = mvg_hub_rows_text(h->rows, h->used[h->nused - 1], C_NEXT);
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", first ? first : "");
    snprintf(out->current_fingerprint, sizeof out->current_fingerprint, "%s",
             last ? last : out->fingerprint);
    /* after the range: the rows not used, the first bad one */
    size_t n = mvg_hub_rows_count(h->rows), after = 0, bad = 0, first_bad = 0;
    int64_t upto = (int64_t)h->nused;
    for (size_t i = 0; i < n; i++) {
        const char *v = mvg_hub_rows_text(h->rows, i, C_VERDICT);
        if (v && strcmp(v, "ok") != 0 && bad++ == 0)
            first_bad = i;
        if (mvg_hub_rows_int(h->rows, i, C_CHAIN) > upto)
            after++;
    }
    int rot = strcmp(out->current_fingerprint, out->fingerprint) != 0;
    int w = snprintf(out->line, sizeof out->line,
                     "%s: %zu records (%zu interval, %zu model, %zu key rotation, %zu definition%s),"
                     " key %s%s%s; verified at the hub: chain 1..%lld",
                     bad ? "DOES NOT HOLD" : "OK", h->nused, kinds[0], kinds[1], kinds[2],
                     kinds[4], kinds[3] ? ", new chain after a lost store" : "", out->fingerprint,
                     rot ? ", now " : "", rot ? out->current_fingerprint : "", (long long)upto);
    if (after && w > 0 && (size_t)w < sizeof out->line) {
        /* what stops the range: the next position missing or not verified */
        const char *why = "missing";
        for (size_t i = 0; i < n; i++)
            if (mvg_hub_rows_int(h->rows, i, C_CHAIN) == upto + 1)
                why = mvg_hub_rows_text(h->rows, i, C_VERDICT) ? "bad" : "not verified yet";
        w += snprintf(out->line + w, sizeof out->line - (size_t)w,
                      "; not used: %zu record(s) after it (chain %lld %s)", after,
                      (long long)upto + 1, why);
    }
    if (bad && w > 0 && (size_t)w < sizeof out->line)
        snprintf(out->line + w, sizeof out->line - (size_t)w,
                 "; %zu bad record(s) not used, the first: chain %lld: %s: %s", bad,
                 (long long)mvg_hub_rows_int(h->rows, first_bad, C_CHAIN),
                 mvg_hub_rows_text(h->rows, first_bad, C_VERDICT),
                 mvg_hub_rows_text(h->rows, first_bad, C_DETAIL)
                     ? mvg_hub_rows_text(h->rows, first_bad, C_DETAIL)
                     : "");
    out->verdict = bad ? verdict_of(mvg_hub_rows_text(h->rows, first_bad, C_VERDICT))
                       : MVG_CHAIN_V_OK;
    /* the line's parts, for a report that words them in its language */
    memcpy(out->kinds, kinds, sizeof out->kinds);
    out->rotations = (size_t)rot;
    snprintf(out->gateway, sizeof out->gateway, "%s", h->gateway);
    out->hub_upto = upto;
    out->hub_after = after;
    if (!bad && h->reg)
        mvg_cli_enrol_lookup((void *)h->reg, h->gateway, out->enrolled_at,
                             sizeof out->enrolled_at);
    if (!bad)
        mvg_cli_enrol_trust_line(h->reg, h->gateway, out->fingerprint, "the hub's register",
                                 out->trust, sizeof out->trust);
    return 0;
}

/* Whether a definition record's "counts" names channel. */
static int counts_has(const json_t *counts, const char *channel)
{
    size_t i;
    const json_t *c;
    json_array_foreach(counts, i, c)
    {
        const char *s = json_string_value(c);
        if (s && strcmp(s, channel) == 0)
            return 1;
    }
    return 0;
}

/* The other projects of the gateway that count channel when this one does. */
static void also_counted(const mvg_hub_report *h, mvg_report_meter *m)
{
    if (!h->own_counts || !counts_has(h->own_counts, m->channel))
        return;
    const char *prj;
    json_t *counts;
    json_object_foreach(h->other_counts, prj, counts)
    {
        if (!counts_has(counts, m->channel))
            continue;
        size_t l = strlen(m->also_counted_by);
        snprintf(m->also_counted_by + l, sizeof m->also_counted_by - l, "%s%s", l ? ", " : "",
                 prj);
    }
}

/* The "counts" of each other project of the gateway, from its newest
 * verified definition record (rows by project, then id: the last of a
 * project wins), read once; NULL when the query fails (double counts are
 * then left unnamed). */
static json_t *other_counts(mvg_hub_db *db, const mvg_hub_param *p)
{
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT project, payload FROM hub_records WHERE"
                                       " gateway = $1 AND project <> $2 AND kind = 'definition'"
                                       " AND verdict = 'ok' ORDER BY project, id",
                                       p, 2);
    if (!r)
        return NULL;
    json_t *o = json_object();
    for (size_t i = 0, n = mvg_hub_rows_count(r); o && i < n; i++) {
        size_t len = 0;
        const char *b = mvg_hub_rows_blob(r, i, 1, &len);
        json_t *doc = b ? json_loadb(b, len, 0, NULL) : NULL;
        json_t *c = json_object_get(doc, "counts");
        if (json_is_array(c))
            json_object_set(o, mvg_hub_rows_text(r, i, 0), c);
        else
            json_object_del(o, mvg_hub_rows_text(r, i, 0)); /* the newest states none */
        json_decref(doc);
    }
    mvg_hub_rows_free(r);
    return o;
}

/* A point of a meter the definition lists, or a derived channel of it. */
static void describe(void *ctx, mvg_report_meter *m)
{
    mvg_hub_report *h = ctx;
    const mvg_definition *d = h->def;
    const char *dot = strchr(m->channel, '.');
    for (size_t i = 0; dot && m->channel[0] != '~' && i < d->nmeters; i++) {
        const mvg_definition_meter *mt = &d->meters[i];
        if (strlen(mt->device) != (size_t)(dot - m->channel) ||
            strncmp(mt->device, m->channel, (size_t)(dot - m->channel)) != 0)
            continue;
        for (size_t k = 0; k < mt->npoints; k++) {
            if (strcmp(mt->points[k].name, dot + 1) != 0)
                continue;
            m->is_point = 1;
            snprintf(m->device, sizeof m->device, "%s", mt->device);
            snprintf(m->point, sizeof m->point, "%s", mt->points[k].name);
            snprintf(m->profile, sizeof m->profile, "%s", mt->profile);
            /* the record names where the meter is, not the bus's name */
            if (mt->serial_port[0])
                snprintf(m->bus, sizeof m->bus, "%s %s", mt->transport, mt->serial_port);
            else
                snprintf(m->bus, sizeof m->bus, "%s %s:%d", mt->transport, mt->host, mt->port);
            snprintf(m->unit, sizeof m->unit, "%s", mt->points[k].unit);
            m->unit_id = mt->unit_id;
            m->counter = mt->points[k].counter;
            snprintf(m->accuracy_class, sizeof m->accuracy_class, "%s", mt->accuracy_class);
            snprintf(m->calibration_date, sizeof m->calibration_date, "%s", mt->calibration_date);
            also_counted(h, m);
            return;
        }
    }
    for (size_t i = 0; i < d->nderived; i++)
        if (strcmp(d->derived[i].name, m->channel) == 0) {
            m->expr = d->derived[i].expr;
            snprintf(m->unit, sizeof m->unit, "%s", d->derived[i].unit);
        }
}

/* The gateway that has project (or the one named). */
static int find_gateway(mvg_hub_report *h, mvg_hub_db *db, const char *gateway, char *err,
                        size_t errlen)
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(h->project)};
    mvg_hub_rows *r = mvg_hub_db_query(
        db, "SELECT DISTINCT gateway FROM hub_records WHERE project = $1 ORDER BY gateway", p, 1);
    if (!r) {
        snprintf(err, errlen, "hub database: %s", mvg_hub_db_error(db));
        return -1;
    }
    size_t n = mvg_hub_rows_count(r);
    int rc = 0;
    if (gateway) {
        rc = -1;
        for (size_t i = 0; i < n; i++)
            if (strcmp(mvg_hub_rows_text(r, i, 0), gateway) == 0)
                rc = 0;
        if (rc)
            snprintf(err, errlen, "the hub has no record of gateway %s project %s", gateway,
                     h->project);
        else
            snprintf(h->gateway, sizeof h->gateway, "%s", gateway);
    } else if (n == 0) {
        snprintf(err, errlen, "the hub has no record of project %s", h->project);
        rc = -1;
    } else if (n > 1) {
        int w = snprintf(err, errlen, "project %s is on %zu gateways (", h->project, n);
        for (size_t i = 0; i < n && w > 0 && (size_t)w < errlen; i++)
            w += snprintf(err + w, errlen - (size_t)w, "%s%s", i ? ", " : "",
                          mvg_hub_rows_text(r, i, 0));
        if (w > 0 && (size_t)w < errlen)
            snprintf(err + w, errlen - (size_t)w, "): give --gateway");
        rc = -1;
    } else {
        snprintf(h->gateway, sizeof h->gateway, "%s", mvg_hub_rows_text(r, 0, 0));
    }
    mvg_hub_rows_free(r);
    return rc;
}

/* The site the gateway's last status message names ("" without one; the
 * offline message of a clean stop or the broker's will carries none). */
static void find_site(mvg_hub_report *h, mvg_hub_db *db)
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(h->gateway)};
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT payload FROM hub_messages WHERE gateway = $1 AND"
                                       " kind = 'status' ORDER BY id DESC LIMIT 20",
                                       p, 1);
    h->site[0] = '\0';
    for (size_t i = 0; r && i < mvg_hub_rows_count(r) && !h->site[0]; i++) {
        size_t len = 0;
        const char *b = mvg_hub_rows_blob(r, i, 0, &len);
        json_t *doc = b ? json_loadb(b, len, 0, NULL) : NULL;
        const char *site = json_string_value(json_object_get(doc, "site"));
        snprintf(h->site, sizeof h->site, "%s", site ? site : "");
        json_decref(doc);
    }
    mvg_hub_rows_free(r);
}

/* Chain 1..N: at each position the row verified ok whose prev is the hash
 * of the row taken before it (at chain 1 the first stored), up to the
 * first position that has none. Following the links keeps the range one
 * chain where a gateway began a second one after a lost store. */
static int take_range(mvg_hub_report *h)
{
    size_t n = mvg_hub_rows_count(h->rows);
    h->used = malloc((n ? n : 1) * sizeof *h->used);
    if (!h->used)
        return -1;
    int64_t expect = 1;
    const char *link = NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t c = mvg_hub_rows_int(h->rows, i, C_CHAIN);
        const char *v = mvg_hub_rows_text(h->rows, i, C_VERDICT);
        const char *prev = mvg_hub_rows_text(h->rows, i, C_PREV);
        if (c > expect)
            break;
        if (c == expect && v && strcmp(v, "ok") == 0 &&
            (!link || (prev && strcmp(prev, link) == 0))) {
            h->used[h->nused++] = i;
            link = mvg_hub_rows_text(h->rows, i, C_HASH);
            expect++;
        }
    }
    return 0;
}

mvg_hub_report *mvg_hub_report_open(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *origin,
                                    const char *gateway, const char *project, char *err,
                                    size_t errlen)
{
    mvg_hub_report *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->reg = reg;
    snprintf(h->project, sizeof h->project, "%s", project);
    snprintf(h->origin, sizeof h->origin, "%s", origin);
    if (find_gateway(h, db, gateway, err, errlen) != 0)
        goto fail;
    find_site(h, db);
    mvg_hub_param p[] = {MVG_HUB_TEXT(h->gateway), MVG_HUB_TEXT(h->project)};
    h->rows = mvg_hub_db_query(db,
                               "SELECT chain, kind, verdict, detail, key_fp, next_key, payload,"
                               " hash, prev"
                               " FROM hub_records WHERE gateway = $1 AND project = $2"
                               " ORDER BY chain, id",
                               p, 2);
    if (!h->rows) {
        snprintf(err, errlen, "hub database: %s", mvg_hub_db_error(db));
        goto fail;
    }
    if (take_range(h) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (h->nused == 0) {
        snprintf(err, errlen, "gateway %s project %s: nothing verified from chain 1 at the hub",
                 h->gateway, h->project);
        goto fail;
    }
    for (size_t i = h->nused; i-- > 0 && !h->def;) {
        if (strcmp(kind_of(h, i), "definition") != 0)
            continue;
        size_t len = 0;
        const char *b = mvg_hub_rows_blob(h->rows, h->used[i], C_PAYLOAD, &len);
        char e[400];
        h->def = mvg_definition_parse(b, len, e, sizeof e);
        json_t *doc = h->def ? json_loadb(b, len, 0, NULL) : NULL;
        if (doc && json_is_array(json_object_get(doc, "counts")))
            h->own_counts = json_incref(json_object_get(doc, "counts"));
        json_decref(doc);
        if (!h->def) {
            snprintf(err, errlen, "gateway %s project %s chain %lld: %s", h->gateway, h->project,
                     (long long)mvg_hub_rows_int(h->rows, h->used[i], C_CHAIN), e);
            goto fail;
        }
    }
    if (!h->def) {
        snprintf(err, errlen,
                 "gateway %s project %s: no verified definition record in chain 1..%zu at the"
                 " hub: the report needs the project as the gateway defined it",
                 h->gateway, h->project, h->nused);
        goto fail;
    }
    h->other_counts = other_counts(db, p);
    h->src = (mvg_report_source){
        .gateway = h->gateway,
        .site = h->site,
        .hub = 1,
        .origin = h->origin,
        .prj = &h->def->prj,
        .ctx = h,
        .foreach_interval = foreach_interval,
        .model = model,
        .chain = chain,
        .describe = describe,
    };
    snprintf(h->src.config_sha256, sizeof h->src.config_sha256, "%s", h->def->config_sha256);
    h->src.definition_version = h->def->version;
    return h;
fail:
    mvg_hub_report_free(h);
    return NULL;
}

const mvg_report_source *mvg_hub_report_source(const mvg_hub_report *h)
{
    return &h->src;
}

void mvg_hub_report_free(mvg_hub_report *h)
{
    if (!h)
        return;
    mvg_hub_rows_free(h->rows);
    json_decref(h->other_counts);
    json_decref(h->own_counts);
    free(h->used);
    mvg_definition_free(h->def);
    free(h);
}
