/*
 * hub_alert.c: the hub's alerts (hub_alert.h): the kinds table, raise and
 * clear exactly once, publication, listing, and one detection function per
 * family of kinds.
 */
#include "hub_alert.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "hub_ingest.h"
#include "log.h"
#include "timefmt.h"
#include "vec.h"

typedef enum {
    A_BAD_SIGNATURE,
    A_ALTERED,
    A_UNKNOWN_KEY,
    A_NOT_ENROLLED,
    A_RESTARTED,
    A_MISSING,
    A_OFFLINE,
    A_REFIT,
    A_WITHHELD_TAIL,
    A_DEFINITION_CHANGE,
    A_DOUBLE_COUNTED,
    A_N
} kind_id;

/* The kinds of alert: the word (the kind column and topic level), whether
 * it is informational (an event: stored and published, never cleared,
 * not "open"), and for the kinds a record's verdict raises, that verdict
 * (chain.h's word). */
static const struct {
    const char *word;
    int info;
    const char *verdict;
} kinds[A_N] = {
    [A_BAD_SIGNATURE] = {"bad-signature", 0, "bad signature"},
    [A_ALTERED] = {"altered", 0, "altered"},
    [A_UNKNOWN_KEY] = {"unknown-key", 0, "unknown key"},
    [A_NOT_ENROLLED] = {"not-enrolled", 0, "not enrolled"},
    [A_RESTARTED] = {"restarted", 0, "restarted"},
    [A_MISSING] = {"missing", 0, NULL},
    [A_OFFLINE] = {"offline", 0, NULL},
    [A_REFIT] = {"refit", 1, NULL},
    [A_WITHHELD_TAIL] = {"withheld-tail", 0, NULL},
    [A_DEFINITION_CHANGE] = {"definition-change", 1, NULL},
    [A_DOUBLE_COUNTED] = {"double-counted", 0, NULL},
};

/* The topic under the prefix that carries the alerts: under the hub's own
 * level, which hub_ingest.c's table of topics keeps apart from the
 * gateways'. */
#define ALERT_TOPIC MVG_HUB_TOPIC_LEVEL "/alerts"

typedef struct {
    kind_id kind;
    const char *gateway, *project; /* project NULL: the gateway as a whole */
    int64_t from, to;              /* chain positions; 0: none */
    int64_t record_id;             /* the hub_records row it is about; 0: none */
    const char *ref;               /* the topic's last level (NULL: none) */
    const char *episode;           /* tells apart alerts on one topic over time (NULL: none) */
    char detail[600];
} alert;

static void set_detail(alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_detail(alert *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof a->detail, fmt, ap);
    va_end(ap);
}

/* "gateway G project P chain N..M" for the log. */
static void where_text(const char *gw, const char *project, int64_t from, int64_t to, char *out,
                       size_t len)
{
    int n = snprintf(out, len, "gateway %s", gw);
    if (project && n >= 0 && (size_t)n < len)
        n += snprintf(out + n, len - (size_t)n, " project %s", project);
    if (from && n >= 0 && (size_t)n < len)
        n += snprintf(out + n, len - (size_t)n, " chain %lld", (long long)from);
    if (to && to != from && n >= 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, "..%lld", (long long)to);
}

/* A topic level from free text: no '/', '+', '#' or spaces. */
static void level_text(const char *s, char *out, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        out[i] = strchr("/+# ", s[i]) ? '_' : s[i];
    out[i] = '\0';
}

/* Raises a unless an alert of its identity exists: 1 raised here (and
 * logged), 0 there already, -1 db error. */
static int raise_alert(mvg_hub_db *db, const mvg_hub_alert_ctx *c, const alert *a)
{
    char ref[160] = "", topic[1024], ident[1200];
    if (a->ref)
        level_text(a->ref, ref, sizeof ref);
    snprintf(topic, sizeof topic, "%s/" ALERT_TOPIC "/%s/%s/%s%s%s", c->prefix, a->gateway,
             a->project ? a->project : "-", kinds[a->kind].word, ref[0] ? "/" : "", ref);
    snprintf(ident, sizeof ident, "%s%s%s", topic + strlen(c->prefix) + 1, a->episode ? "#" : "",
             a->episode ? a->episode : "");
    mvg_hub_param p[] = {MVG_HUB_TEXT(ident),
                         MVG_HUB_TEXT(kinds[a->kind].word),
                         MVG_HUB_TEXT(kinds[a->kind].info ? "info" : "alarm"),
                         MVG_HUB_TEXT(a->gateway),
                         MVG_HUB_TEXT(a->project),
                         a->from ? MVG_HUB_INT(a->from) : MVG_HUB_TEXT(NULL),
                         a->to ? MVG_HUB_INT(a->to) : MVG_HUB_TEXT(NULL),
                         a->record_id ? MVG_HUB_INT(a->record_id) : MVG_HUB_TEXT(NULL),
                         MVG_HUB_TEXT(topic),
                         MVG_HUB_TEXT(a->detail),
                         MVG_HUB_INT(c->now_ms),
                         MVG_HUB_TEXT(c->hub_id)};
    long n = mvg_hub_db_exec(db,
                             "INSERT INTO hub_alerts (ident, kind, severity, gateway, project,"
                             " chain_from, chain_to, record_id, topic, detail, raised_ms,"
                             " raised_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                             " $12) ON CONFLICT (ident) DO NOTHING",
                             p, 12);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    char where[600];
    where_text(a->gateway, a->project, a->from, a->to, where, sizeof where);
    if (kinds[a->kind].info)
        mvg_log(MVG_LOG_NOTICE, "alert (info): %s: %s: %s", kinds[a->kind].word, where, a->detail);
    else
        mvg_log(MVG_LOG_WARN, "alert raised: %s: %s: %s", kinds[a->kind].word, where, a->detail);
    return 1;
}

/* Clears the open alert id: 1 cleared here (logged with why), 0 cleared
 * already, -1 db error. */
static int clear_alert(mvg_hub_db *db, const mvg_hub_alert_ctx *c, int64_t id, const char *why)
{
    mvg_hub_param p[] = {MVG_HUB_INT(c->now_ms), MVG_HUB_TEXT(c->hub_id), MVG_HUB_INT(id)};
    long n = mvg_hub_db_exec(db,
                             "UPDATE hub_alerts SET cleared_ms = $1, cleared_by = $2"
                             " WHERE id = $3 AND cleared_ms IS NULL",
                             p, 3);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    mvg_hub_param q[] = {MVG_HUB_INT(id)};
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT kind, gateway, project, chain_from, chain_to"
                                       " FROM hub_alerts WHERE id = $1",
                                       q, 1);
    if (!r)
        return -1;
    if (mvg_hub_rows_count(r)) {
        char where[600];
        where_text(mvg_hub_rows_text(r, 0, 1), mvg_hub_rows_text(r, 0, 2),
                   mvg_hub_rows_int(r, 0, 3), mvg_hub_rows_int(r, 0, 4), where, sizeof where);
        mvg_log(MVG_LOG_NOTICE, "alert cleared: %s: %s: %s", mvg_hub_rows_text(r, 0, 0), where,
                why);
    }
    mvg_hub_rows_free(r);
    return 1;
}

/* Counts a step's result into *count: -1 passes through. */
static int tally(int rc, long *count)
{
    if (rc > 0)
        (*count)++;
    return rc < 0 ? -1 : 0;
}

static kind_id kind_of_verdict(const char *verdict)
{
    for (int k = 0; k < A_N; k++)
        if (kinds[k].verdict && strcmp(kinds[k].verdict, verdict) == 0)
            return (kind_id)k;
    return A_ALTERED;
}

/* ---- bad records ---- */

static int check_records(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    /* a restarted chain goes on being restarted: its chain 1 is the alert */
    mvg_hub_rows *r = mvg_hub_db_query(
        db,
        "SELECT r.id, r.gateway, r.project, r.chain, r.verdict, r.detail FROM hub_records r"
        " WHERE r.verdict IS NOT NULL AND r.verdict <> 'ok' AND"
        " NOT (r.verdict = 'restarted' AND r.chain > 1) AND"
        " NOT EXISTS (SELECT 1 FROM hub_alerts a WHERE a.record_id = r.id)",
        NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        char ref[32], episode[32];
        snprintf(ref, sizeof ref, "%lld", (long long)mvg_hub_rows_int(r, i, 3));
        snprintf(episode, sizeof episode, "r%lld", (long long)mvg_hub_rows_int(r, i, 0));
        alert a = {.kind = kind_of_verdict(mvg_hub_rows_text(r, i, 4)),
                   .gateway = mvg_hub_rows_text(r, i, 1),
                   .project = mvg_hub_rows_text(r, i, 2),
                   .from = mvg_hub_rows_int(r, i, 3),
                   .to = mvg_hub_rows_int(r, i, 3),
                   .record_id = mvg_hub_rows_int(r, i, 0),
                   .ref = ref,
                   .episode = episode};
        const char *d = mvg_hub_rows_text(r, i, 5);
        set_detail(&a, "%s", d ? d : "");
        rc = tally(raise_alert(db, c, &a), count);
    }
    mvg_hub_rows_free(r);
    return rc;
}

/* ---- re-fits and definition changes ---- */

static int check_versions(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    mvg_hub_rows *r = mvg_hub_db_query(
        db,
        "SELECT r.id, r.gateway, r.project, r.chain, r.kind, r.payload FROM hub_records r"
        " WHERE r.kind IN ('model', 'definition') AND r.kind <> 'interval' AND"
        " r.verdict = 'ok' AND"
        " NOT EXISTS (SELECT 1 FROM hub_alerts a WHERE a.record_id = r.id) AND"
        " EXISTS (SELECT 1 FROM hub_records o WHERE o.gateway = r.gateway AND"
        " o.project = r.project AND o.kind = r.kind AND o.verdict = 'ok' AND o.id <> r.id)",
        NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        size_t len;
        const char *b = mvg_hub_rows_blob(r, i, 5, &len);
        json_t *doc = json_loadb(b, len, 0, NULL);
        json_t *v = json_object_get(doc, "version");
        long long version = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
        json_decref(doc);
        if (version <= 1)
            continue; /* the first version (again, after a new chain) */
        int model = strcmp(mvg_hub_rows_text(r, i, 4), "model") == 0;
        char ref[32], episode[32];
        snprintf(ref, sizeof ref, "%lld", (long long)mvg_hub_rows_int(r, i, 3));
        snprintf(episode, sizeof episode, "r%lld", (long long)mvg_hub_rows_int(r, i, 0));
        alert a = {.kind = model ? A_REFIT : A_DEFINITION_CHANGE,
                   .gateway = mvg_hub_rows_text(r, i, 1),
                   .project = mvg_hub_rows_text(r, i, 2),
                   .from = mvg_hub_rows_int(r, i, 3),
                   .to = mvg_hub_rows_int(r, i, 3),
                   .record_id = mvg_hub_rows_int(r, i, 0),
                   .ref = ref,
                   .episode = episode};
        if (model)
            set_detail(&a,
                       "model version %lld: the baseline model was fitted again; the savings"
                       " from here on are computed with it",
                       version);
        else
            set_detail(&a,
                       "definition version %lld: the project's definition changed (its"
                       " meters, streams or periods)",
                       version);
        rc = tally(raise_alert(db, c, &a), count);
    }
    mvg_hub_rows_free(r);
    return rc;
}

/* ---- missing positions ---- */

static int raise_missing(mvg_hub_db *db, const mvg_hub_alert_ctx *c, const char *gw,
                         const char *project, int64_t from, int64_t to, int64_t since_ms,
                         const char *because, long *count)
{
    if (c->now_ms - since_ms < c->missing_grace_ms)
        return 0;
    /* a gap partly filled since its alert is still that alert */
    mvg_hub_param p[] = {MVG_HUB_TEXT(gw), MVG_HUB_TEXT(project), MVG_HUB_INT(from),
                         MVG_HUB_INT(to)};
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT 1 FROM hub_alerts WHERE kind = 'missing' AND"
                                       " gateway = $1 AND project = $2 AND cleared_ms IS NULL"
                                       " AND chain_from <= $4 AND chain_to >= $3 LIMIT 1",
                                       p, 4);
    if (!r)
        return -1;
    int open = mvg_hub_rows_count(r) > 0;
    mvg_hub_rows_free(r);
    if (open)
        return 0;
    char ref[32], episode[32], since[32];
    snprintf(ref, sizeof ref, "%lld", (long long)from);
    snprintf(episode, sizeof episode, "%lld", (long long)to);
    mvg_timefmt_format(since_ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, since, sizeof since);
    alert a = {.kind = A_MISSING,
               .gateway = gw,
               .project = project,
               .from = from,
               .to = to,
               .ref = ref,
               .episode = episode};
    set_detail(&a, "chain %lld..%lld not received, while %s since %s (grace %lld s)",
               (long long)from, (long long)to, because, since,
               (long long)(c->missing_grace_ms / 1000));
    return tally(raise_alert(db, c, &a), count);
}

static int check_missing(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    /* A gap ends below a stored position whose predecessor is not stored.
     * Only the positions stored in [missing_since_ms, now - grace] are
     * looked at (they have just passed their grace; the caller moves the
     * mark on), so a pass does not read the whole table. */
    mvg_hub_param w[] = {MVG_HUB_INT(c->missing_since_ms),
                         MVG_HUB_INT(c->now_ms - c->missing_grace_ms)};
    mvg_hub_rows *r = mvg_hub_db_query(
        db,
        "SELECT r.gateway, r.project, r.chain, MIN(r.first_ms), (SELECT MAX(p.chain) FROM"
        " hub_records p WHERE p.gateway = r.gateway AND p.project = r.project AND"
        " p.chain < r.chain) FROM hub_records r WHERE r.first_ms >= $1 AND r.first_ms <= $2"
        " AND r.chain > 1 AND NOT EXISTS (SELECT 1 FROM hub_records q WHERE"
        " q.gateway = r.gateway AND q.project = r.project AND q.chain = r.chain - 1)"
        " GROUP BY r.gateway, r.project, r.chain",
        w, 2);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int64_t ch = mvg_hub_rows_int(r, i, 2), below = mvg_hub_rows_int(r, i, 4);
        char because[64];
        snprintf(because, sizeof because, "chain %lld has been stored", (long long)ch);
        rc = raise_missing(db, c, mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1), below + 1,
                           ch - 1, mvg_hub_rows_int(r, i, 3), because, count);
    }
    mvg_hub_rows_free(r);
    if (rc < 0)
        return -1;
    /* a head that names a position beyond the last stored: the tail is missing */
    r = mvg_hub_db_query(db,
                         "SELECT p.gateway, p.project, p.head_chain, p.head_ms,"
                         " (SELECT MAX(chain) FROM hub_records h WHERE h.gateway = p.gateway AND"
                         " h.project = p.project) FROM hub_projects p",
                         NULL, 0);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int64_t head = mvg_hub_rows_int(r, i, 2), top = mvg_hub_rows_int(r, i, 4);
        if (head > top) {
            char because[64];
            snprintf(because, sizeof because, "a head record names chain %lld", (long long)head);
            rc = raise_missing(db, c, mvg_hub_rows_text(r, i, 0), mvg_hub_rows_text(r, i, 1),
                               top + 1, head, mvg_hub_rows_int(r, i, 3), because, count);
        }
    }
    mvg_hub_rows_free(r);
    if (rc < 0)
        return -1;
    /* clear the gaps whose positions have all arrived */
    r = mvg_hub_db_query(db,
                         "SELECT a.id, a.chain_from, a.chain_to, (SELECT COUNT(DISTINCT chain)"
                         " FROM hub_records h WHERE h.gateway = a.gateway AND"
                         " h.project = a.project AND h.chain BETWEEN a.chain_from AND"
                         " a.chain_to) FROM hub_alerts a WHERE a.kind = 'missing' AND"
                         " a.cleared_ms IS NULL",
                         NULL, 0);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++)
        if (mvg_hub_rows_int(r, i, 3) == mvg_hub_rows_int(r, i, 2) - mvg_hub_rows_int(r, i, 1) + 1)
            rc = tally(
                clear_alert(db, c, mvg_hub_rows_int(r, i, 0), "the missing positions have arrived"),
                count);
    mvg_hub_rows_free(r);
    return rc;
}

/* ---- offline ---- */

static int check_offline(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    mvg_hub_rows *r = mvg_hub_db_query(
        db,
        "SELECT g.gateway, g.state, g.will, g.state_ms, (SELECT a.id FROM hub_alerts a WHERE"
        " a.kind = 'offline' AND a.gateway = g.gateway AND a.cleared_ms IS NULL LIMIT 1)"
        " FROM hub_gateways g",
        NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int offline = strcmp(mvg_hub_rows_text(r, i, 1), "offline") == 0;
        int64_t open = mvg_hub_rows_int(r, i, 4);
        if (offline && !open) {
            char episode[32], since[32];
            snprintf(episode, sizeof episode, "%lld", (long long)mvg_hub_rows_int(r, i, 3));
            mvg_timefmt_format(mvg_hub_rows_int(r, i, 3), MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, since,
                               sizeof since);
            alert a = {
                .kind = A_OFFLINE, .gateway = mvg_hub_rows_text(r, i, 0), .episode = episode};
            set_detail(&a, "%s (status received %s)",
                       mvg_hub_rows_int(r, i, 2)
                           ? "its will: the connection died without a DISCONNECT"
                           : "it stopped cleanly and said offline",
                       since);
            rc = tally(raise_alert(db, c, &a), count);
        } else if (!offline && open) {
            rc = tally(clear_alert(db, c, open, "the gateway is online again"), count);
        }
    }
    mvg_hub_rows_free(r);
    return rc;
}

/* ---- heads ---- */

/* Whether gateway holds key fp: it is enrolled with it, or a verified
 * record of it handed over to it. 1, 0, -1 db error. */
static int holds_key(mvg_hub_db *db, const mvg_hub_alert_ctx *c, const char *gw, const char *fp)
{
    const mvg_cli_enrol_entry *e = c->reg ? mvg_cli_enrol_find(c->reg, gw) : NULL;
    if (e && strcmp(e->fingerprint, fp) == 0)
        return 1;
    mvg_hub_param p[] = {MVG_HUB_TEXT(gw), MVG_HUB_TEXT(fp)};
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT 1 FROM hub_records WHERE gateway = $1 AND"
                                       " verdict = 'ok' AND next_key = $2 LIMIT 1",
                                       p, 2);
    if (!r)
        return -1;
    int n = mvg_hub_rows_count(r) > 0;
    mvg_hub_rows_free(r);
    return n;
}

/* The decision on one head: 0 waits, 1 ok (every_s, chain filled), 2 bad
 * (*kind, why); -1 db error. */
static int judge_head(mvg_hub_db *db, const mvg_hub_alert_ctx *c, const char *gw, const char *key,
                      const char *b, size_t len, int64_t received_ms, int64_t *every_s,
                      int64_t *chain, kind_id *kind, char *why, size_t wlen)
{
    unsigned char pk[MVG_CHAIN_PK_BYTES] = {0};
    int have_pk = 0;
    if (key) {
        mvg_hub_param p[] = {MVG_HUB_TEXT(key)};
        mvg_hub_rows *r =
            mvg_hub_db_query(db, "SELECT pk FROM hub_keys WHERE fingerprint = $1", p, 1);
        if (!r)
            return -1;
        const char *b64 = mvg_hub_rows_count(r) ? mvg_hub_rows_text(r, 0, 0) : NULL;
        have_pk = b64 && mvg_chain_pk_from_b64(b64, strlen(b64), pk) == 0;
        mvg_hub_rows_free(r);
    }
    mvg_chain_sig_status s = mvg_chain_check_sig(b, len, pk, NULL);
    if (s == MVG_CHAIN_NO_SIG || !key) {
        *kind = A_BAD_SIGNATURE;
        snprintf(why, wlen, "a head record without a well-formed final sig member or key");
        return 2;
    }
    if (!have_pk)
        return 0; /* the key's public half has not arrived yet */
    if (s == MVG_CHAIN_BAD_SIG) {
        *kind = A_ALTERED;
        snprintf(why, wlen, "the head record's signature does not match its bytes under key %s",
                 key);
        return 2;
    }
    int holds = holds_key(db, c, gw, key);
    if (holds < 0)
        return -1;
    if (!holds) {
        if (c->now_ms - received_ms < c->missing_grace_ms)
            return 0; /* the key record that hands over to it may still come */
        *kind = A_UNKNOWN_KEY;
        snprintf(why, wlen, "a head record signed by key %s, which gateway %s does not hold", key,
                 gw);
        return 2;
    }
    json_t *doc = json_loadb(b, len, 0, NULL);
    json_t *e = json_object_get(doc, "every_s"), *h = json_object_get(doc, "head");
    *every_s = json_is_integer(e) ? json_integer_value(e) : 0;
    *chain = json_is_integer(h) ? json_integer_value(h) : 0;
    json_decref(doc);
    /* a year at most: two periods in ms must not overflow */
    if (*every_s <= 0 || *every_s > 366 * 86400 || *chain < 0) {
        *kind = A_ALTERED;
        snprintf(why, wlen,
                 "a signed head record without an every_s of 1 s to a year or a head"
                 " position");
        return 2;
    }
    return 1;
}

static int check_heads(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT id, gateway, project, key_fp, payload,"
                                       " received_ms FROM hub_heads WHERE verdict IS NULL"
                                       " ORDER BY id",
                                       NULL, 0);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int64_t id = mvg_hub_rows_int(r, i, 0), every_s = 0, chain = 0;
        const char *gw = mvg_hub_rows_text(r, i, 1), *pr = mvg_hub_rows_text(r, i, 2);
        size_t len;
        const char *b = mvg_hub_rows_blob(r, i, 4, &len);
        int64_t received = mvg_hub_rows_int(r, i, 5);
        kind_id kind = A_ALTERED;
        char why[300] = "";
        int j = judge_head(db, c, gw, mvg_hub_rows_text(r, i, 3), b, len, received, &every_s,
                           &chain, &kind, why, sizeof why);
        if (j <= 0) {
            rc = j;
            continue;
        }
        mvg_hub_param u[] = {MVG_HUB_TEXT(j == 1 ? "ok" : kinds[kind].verdict), MVG_HUB_TEXT(why),
                             MVG_HUB_INT(id)};
        if (mvg_hub_db_exec(db,
                            "UPDATE hub_heads SET verdict = $1, detail = $2 WHERE id = $3 AND"
                            " verdict IS NULL",
                            u, 3) < 0) {
            rc = -1;
            break;
        }
        if (j == 1) {
            mvg_hub_param p[] = {MVG_HUB_TEXT(gw),      MVG_HUB_TEXT(pr),     MVG_HUB_INT(id),
                                 MVG_HUB_INT(received), MVG_HUB_INT(every_s), MVG_HUB_INT(chain)};
            if (mvg_hub_db_exec(db,
                                "INSERT INTO hub_projects (gateway, project, head_id, head_ms,"
                                " head_every_s, head_chain) VALUES ($1, $2, $3, $4, $5, $6)"
                                " ON CONFLICT (gateway, project) DO UPDATE SET"
                                " head_id = excluded.head_id, head_ms = excluded.head_ms,"
                                " head_every_s = excluded.head_every_s,"
                                " head_chain = excluded.head_chain"
                                " WHERE excluded.head_ms >= hub_projects.head_ms",
                                p, 6) < 0)
                rc = -1;
            continue;
        }
        char episode[32];
        snprintf(episode, sizeof episode, "h%lld", (long long)id);
        alert a = {.kind = kind, .gateway = gw, .project = pr, .ref = "head", .episode = episode};
        set_detail(&a, "%s", why);
        rc = tally(raise_alert(db, c, &a), count);
    }
    mvg_hub_rows_free(r);
    if (rc < 0)
        return -1;
    /* withheld tail: no good head for two of its periods */
    r = mvg_hub_db_query(db,
                         "SELECT p.gateway, p.project, p.head_id, p.head_ms, p.head_every_s,"
                         " p.head_chain, (SELECT a.id FROM hub_alerts a WHERE"
                         " a.kind = 'withheld-tail' AND a.gateway = p.gateway AND"
                         " a.project = p.project AND a.cleared_ms IS NULL LIMIT 1)"
                         " FROM hub_projects p",
                         NULL, 0);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int64_t head_ms = mvg_hub_rows_int(r, i, 3), every_s = mvg_hub_rows_int(r, i, 4);
        int64_t open = mvg_hub_rows_int(r, i, 6);
        int late = c->now_ms - head_ms > 2 * every_s * 1000;
        if (late && !open) {
            char episode[32], since[32];
            snprintf(episode, sizeof episode, "h%lld", (long long)mvg_hub_rows_int(r, i, 2));
            mvg_timefmt_format(head_ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, since, sizeof since);
            alert a = {.kind = A_WITHHELD_TAIL,
                       .gateway = mvg_hub_rows_text(r, i, 0),
                       .project = mvg_hub_rows_text(r, i, 1),
                       .from = mvg_hub_rows_int(r, i, 5),
                       .to = mvg_hub_rows_int(r, i, 5),
                       .episode = episode};
            set_detail(&a,
                       "no head record since %s (head at chain %lld), although the gateway"
                       " sends one every %lld s: the records after it may be withheld",
                       since, (long long)a.from, (long long)every_s);
            rc = tally(raise_alert(db, c, &a), count);
        } else if (!late && open) {
            rc = tally(clear_alert(db, c, open, "a head record arrived again"), count);
        }
    }
    mvg_hub_rows_free(r);
    return rc;
}

/* ---- a meter counted by two projects ---- */

typedef struct {
    char key[300]; /* the meter: "serial S", or "G host H unit U" / "G port P unit U" */
    const char *gateway, *project, *device;
} meter;

static int meter_cmp(const void *a, const void *b)
{
    const meter *x = a, *y = b;
    int k = strcmp(x->key, y->key);
    if (k)
        return k;
    k = strcmp(x->gateway, y->gateway);
    return k ? k : strcmp(x->project, y->project);
}

/* The meter of the definition record's meters list named device, or NULL. */
static json_t *meter_named(json_t *list, const char *device)
{
    json_t *m;
    size_t i;
    json_array_foreach(list, i, m)
    {
        const char *d = json_string_value(json_object_get(m, "device"));
        if (d && strcmp(d, device) == 0)
            return m;
    }
    return NULL;
}

/*
 * What one definition record counts, into *ms (grown): with its "counts"
 * (the points the gateway's engine counts as use or emission,
 * mvg_runner_project_counts_point: the rule `mvgate check` warns by) each
 * counted point of a meter; a record without it (written before), each
 * meter it names. 0 or -1 (memory).
 */
static int add_meters(json_t *doc, const char *gw, const char *project, meter **ms, size_t *n,
                      size_t *cap, json_t *keep)
{
    json_t *list = json_object_get(doc, "meters"), *counts = json_object_get(doc, "counts"), *m;
    size_t i, nitems = json_is_array(counts) ? json_array_size(counts) : json_array_size(list);
    for (i = 0; i < nitems; i++) {
        const char *point = NULL;
        char dev[300];
        if (json_is_array(counts)) {
            const char *ch = json_string_value(json_array_get(counts, i));
            const char *dot = ch ? strchr(ch, '.') : NULL;
            if (!dot)
                continue;
            snprintf(dev, sizeof dev, "%.*s", (int)(dot - ch), ch);
            m = meter_named(list, dev);
            point = dot + 1;
            if (!m)
                continue;
        } else {
            m = json_array_get(list, i);
        }
        /* the definition record's meter (records/definition.c): a TCP meter by
         * host, port and unit id, a serial one by its port's device and unit
         * id, both within the gateway (private addresses and tty names repeat
         * across sites) */
        const char *host = json_string_value(json_object_get(m, "host"));
        const char *tty = json_string_value(json_object_get(m, "serial_port"));
        json_t *port = json_object_get(m, "port"), *unit = json_object_get(m, "unit_id");
        if (!host && !tty)
            continue;
        meter *grown = mvg_vec_reserve(*ms, *n, cap, sizeof **ms, 16);
        if (!grown)
            return -1;
        *ms = grown;
        meter *x = &(*ms)[(*n)++];
        long long u = json_is_integer(unit) ? (long long)json_integer_value(unit) : 0;
        int w;
        if (host)
            w = snprintf(x->key, sizeof x->key, "%s %s:%lld unit %lld", gw, host,
                         json_is_integer(port) ? (long long)json_integer_value(port) : 0, u);
        else
            w = snprintf(x->key, sizeof x->key, "%s %s unit %lld", gw, tty, u);
        if (point && w > 0 && (size_t)w < sizeof x->key)
            snprintf(x->key + w, sizeof x->key - (size_t)w, " point %s", point);
        x->gateway = gw;
        x->project = project;
        x->device = json_string_value(json_object_get(m, "device"));
        if (!x->device)
            x->device = "?";
    }
    json_array_append(keep, doc); /* the strings above live as long as keep */
    return 0;
}

static int check_meters(mvg_hub_db *db, const mvg_hub_alert_ctx *c, long *count)
{
    /* the current definition of each project: its highest version */
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT gateway, project, payload FROM hub_records"
                                       " WHERE kind = 'definition' AND kind <> 'interval'"
                                       " AND verdict = 'ok'"
                                       " ORDER BY gateway, project, id",
                                       NULL, 0);
    if (!r)
        return -1;
    meter *ms = NULL;
    size_t n = 0, cap = 0;
    json_t *keep = json_array();
    char **idents = NULL;
    size_t ni = 0, icap = 0;
    int rc = keep ? 0 : -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r) && rc == 0;) {
        const char *gw = mvg_hub_rows_text(r, i, 0), *pr = mvg_hub_rows_text(r, i, 1);
        json_t *best = NULL;
        long long best_v = -1;
        for (; i < mvg_hub_rows_count(r) && strcmp(mvg_hub_rows_text(r, i, 0), gw) == 0 &&
               strcmp(mvg_hub_rows_text(r, i, 1), pr) == 0;
             i++) {
            size_t len;
            const char *b = mvg_hub_rows_blob(r, i, 2, &len);
            json_t *doc = json_loadb(b, len, 0, NULL);
            json_t *v = json_object_get(doc, "version");
            long long ver = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
            if (doc && ver >= best_v) {
                json_decref(best);
                best = doc;
                best_v = ver;
            } else {
                json_decref(doc);
            }
        }
        if (best && add_meters(best, gw, pr, &ms, &n, &cap, keep) < 0)
            rc = -1;
        json_decref(best);
    }
    if (n > 1)
        qsort(ms, n, sizeof *ms, meter_cmp);
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t j = i + 1; j < n && strcmp(ms[j].key, ms[i].key) == 0 && rc == 0; j++) {
            if (strcmp(ms[j].gateway, ms[i].gateway) == 0 &&
                strcmp(ms[j].project, ms[i].project) == 0)
                continue; /* one project naming a meter twice is its own business */
            char episode[400];
            snprintf(episode, sizeof episode, "%s/%s", ms[i].gateway, ms[i].project);
            alert a = {.kind = A_DOUBLE_COUNTED,
                       .gateway = ms[j].gateway,
                       .project = ms[j].project,
                       .ref = ms[j].key,
                       .episode = episode};
            set_detail(&a,
                       "meter %s (device %s) is counted by project %s of gateway %s and by"
                       " project %s of gateway %s",
                       ms[j].key, ms[j].device, ms[i].project, ms[i].gateway, ms[j].project,
                       ms[j].gateway);
            rc = tally(raise_alert(db, c, &a), count);
            /* the identity as raise_alert makes it, to keep it open below */
            char ref[160], ident[1200];
            level_text(ms[j].key, ref, sizeof ref);
            snprintf(ident, sizeof ident, ALERT_TOPIC "/%s/%s/%s/%s#%s", ms[j].gateway,
                     ms[j].project, kinds[A_DOUBLE_COUNTED].word, ref, episode);
            char **grown = mvg_vec_reserve(idents, ni, &icap, sizeof *idents, 8);
            if (!grown || !(grown[ni] = strdup(ident))) {
                idents = grown ? grown : idents;
                rc = -1;
                break;
            }
            idents = grown;
            ni++;
        }
    }
    mvg_hub_rows_free(r);
    r = rc == 0 ? mvg_hub_db_query(db,
                                   "SELECT id, ident FROM hub_alerts WHERE"
                                   " kind = 'double-counted' AND cleared_ms IS NULL",
                                   NULL, 0)
                : NULL;
    if (rc == 0 && !r)
        rc = -1;
    for (size_t i = 0; r && i < mvg_hub_rows_count(r) && rc == 0; i++) {
        int still = 0;
        for (size_t k = 0; k < ni && !still; k++)
            still = strcmp(idents[k], mvg_hub_rows_text(r, i, 1)) == 0;
        if (!still)
            rc = tally(clear_alert(db, c, mvg_hub_rows_int(r, i, 0),
                                   "no two current definitions name the meter any more"),
                       count);
    }
    mvg_hub_rows_free(r);
    for (size_t k = 0; k < ni; k++)
        free(idents[k]);
    free(idents);
    free(ms);
    json_decref(keep);
    return rc;
}

long mvg_hub_alerts_check(mvg_hub_db *db, const mvg_hub_alert_ctx *c)
{
    long count = 0;
    if (check_records(db, c, &count) < 0 || check_versions(db, c, &count) < 0 ||
        check_heads(db, c, &count) < 0 || check_missing(db, c, &count) < 0 ||
        check_offline(db, c, &count) < 0 || check_meters(db, c, &count) < 0)
        return -1;
    return count;
}

/* ---- publication and listing ---- */

#define ALERT_COLUMNS                                                                              \
    "id, kind, severity, gateway, project, chain_from, chain_to, topic, detail, raised_ms,"        \
    " raised_by, cleared_ms, cleared_by, published"

static const char *row_state(const mvg_hub_rows *r, size_t i)
{
    if (strcmp(mvg_hub_rows_text(r, i, 2), "info") == 0)
        return "info";
    return mvg_hub_rows_text(r, i, 11) ? "cleared" : "open";
}

static json_t *time_or_null(const mvg_hub_rows *r, size_t i, int col)
{
    if (!mvg_hub_rows_text(r, i, col))
        return json_null();
    char buf[32];
    return json_string(mvg_timefmt_format(mvg_hub_rows_int(r, i, col),
                                          MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, buf, sizeof buf));
}

static json_t *text_or_null(const mvg_hub_rows *r, size_t i, int col)
{
    const char *s = mvg_hub_rows_text(r, i, col);
    return s ? json_string(s) : json_null();
}

/* The published document of row i (docs/hub.md "Alerts"). */
static json_t *alert_doc(const mvg_hub_rows *r, size_t i)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("mvgate/alert/1"));
    json_object_set_new(o, "id", json_integer(mvg_hub_rows_int(r, i, 0)));
    json_object_set_new(o, "kind", text_or_null(r, i, 1));
    json_object_set_new(o, "severity", text_or_null(r, i, 2));
    json_object_set_new(o, "state", json_string(row_state(r, i)));
    json_object_set_new(o, "gateway", text_or_null(r, i, 3));
    json_object_set_new(o, "project", text_or_null(r, i, 4));
    json_object_set_new(o, "chain_from",
                        mvg_hub_rows_text(r, i, 5) ? json_integer(mvg_hub_rows_int(r, i, 5))
                                                   : json_null());
    json_object_set_new(o, "chain_to",
                        mvg_hub_rows_text(r, i, 6) ? json_integer(mvg_hub_rows_int(r, i, 6))
                                                   : json_null());
    json_object_set_new(o, "detail", text_or_null(r, i, 8));
    json_object_set_new(o, "raised", time_or_null(r, i, 9));
    json_object_set_new(o, "raised_by", text_or_null(r, i, 10));
    json_object_set_new(o, "cleared", time_or_null(r, i, 11));
    json_object_set_new(o, "cleared_by", text_or_null(r, i, 12));
    return o;
}

long mvg_hub_alerts_publish(mvg_hub_db *db, mvg_hub_alert_publish_fn publish, void *user)
{
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT " ALERT_COLUMNS " FROM hub_alerts WHERE"
                                       " published IS NULL OR (cleared_ms IS NOT NULL AND"
                                       " published <> 'cleared') ORDER BY id",
                                       NULL, 0);
    if (!r)
        return -1;
    long sent = 0;
    for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
        json_t *doc = alert_doc(r, i);
        char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        if (!text)
            break;
        int ok = publish(user, mvg_hub_rows_text(r, i, 7), text, strlen(text)) == 0;
        free(text);
        if (!ok)
            break; /* not connected: the rest wait for the next call */
        const char *state = row_state(r, i);
        mvg_hub_param p[] = {MVG_HUB_TEXT(state), MVG_HUB_INT(mvg_hub_rows_int(r, i, 0))};
        if (mvg_hub_db_exec(db, "UPDATE hub_alerts SET published = $1 WHERE id = $2", p, 2) < 0) {
            mvg_hub_rows_free(r);
            return -1;
        }
        sent++;
    }
    mvg_hub_rows_free(r);
    return sent;
}

long mvg_hub_alerts_list(mvg_hub_db *db, int open_only, int json, FILE *out)
{
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       open_only ? "SELECT " ALERT_COLUMNS " FROM hub_alerts"
                                                   " WHERE cleared_ms IS NULL AND"
                                                   " severity = 'alarm' ORDER BY id"
                                                 : "SELECT " ALERT_COLUMNS " FROM hub_alerts"
                                                   " ORDER BY id",
                                       NULL, 0);
    if (!r)
        return -1;
    size_t n = mvg_hub_rows_count(r);
    if (!out) { /* only counting */
        mvg_hub_rows_free(r);
        return (long)n;
    }
    json_t *all = json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        if (all) {
            json_array_append_new(all, alert_doc(r, i));
            continue;
        }
        char where[600], raised[32], cleared[32] = "";
        where_text(mvg_hub_rows_text(r, i, 3), mvg_hub_rows_text(r, i, 4),
                   mvg_hub_rows_int(r, i, 5), mvg_hub_rows_int(r, i, 6), where, sizeof where);
        mvg_timefmt_format(mvg_hub_rows_int(r, i, 9), MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, raised,
                           sizeof raised);
        if (mvg_hub_rows_text(r, i, 11))
            mvg_timefmt_format(mvg_hub_rows_int(r, i, 11), MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, cleared,
                               sizeof cleared);
        fprintf(out, "%s %s %s: %s: %s%s%s\n", raised, row_state(r, i), mvg_hub_rows_text(r, i, 1),
                where, mvg_hub_rows_text(r, i, 8), cleared[0] ? "; cleared " : "", cleared);
    }
    if (all) {
        char *text = json_dumps(all, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        if (text) {
            fprintf(out, "%s\n", text);
            free(text);
        }
        json_decref(all);
    }
    mvg_hub_rows_free(r);
    return (long)n;
}
