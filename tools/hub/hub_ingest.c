/*
 * hub_ingest.c: a received message into the tables (hub_ingest.h).
 */
#include "hub_ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "hub_tally.h"
#include "hub_verify.h"

enum {
    K_CHAINED = 0x1,   /* a signed record of a project's chain: verified by position */
    K_IDENTITY = 0x2,  /* carries the gateway's public key */
    K_PROJECT = 0x4,   /* the level after the kind is the project */
    K_POSITION = 0x8,  /* ... and the level after that the chain position */
    K_STATUS = 0x10,   /* the gateway's birth / will / status: online or offline */
    K_HEAD = 0x20,     /* a signed, unchained head record (hub_heads, checked by hub_alert) */
};

/* The topic levels after <prefix>/<gateway>/ (docs/mqtt.md "Topics"). */
static const struct {
    const char *word;
    unsigned flags;
} kinds[] = {
    {"interval", K_CHAINED | K_PROJECT},
    {"model", K_CHAINED | K_PROJECT},
    {"key", K_CHAINED | K_PROJECT | K_POSITION},
    {"newchain", K_CHAINED | K_PROJECT},
    {"definition", K_CHAINED | K_PROJECT},
    {"head", K_HEAD | K_PROJECT},
    {"totals", K_PROJECT},
    {"telemetry", 0},
    {"status", K_STATUS},
    {"identity", K_IDENTITY},
};

typedef struct {
    char gateway[128], kind[32], project[128];
    int64_t chain_hint;
    unsigned flags;
} topic_parts;

/* "<prefix>/<gateway>/<kind>[/<project>[/<chain>]]": 0, -1 not ours, -2
 * the hub's own topic. */
static int split_topic(const char *topic, const char *prefix, topic_parts *t)
{
    memset(t, 0, sizeof *t);
    size_t pl = strlen(prefix);
    if (strncmp(topic, prefix, pl) != 0 || topic[pl] != '/')
        return -1;
    const char *levels[4] = {NULL};
    size_t lens[4] = {0};
    const char *p = topic + pl + 1;
    int n = 0;
    while (n < 4) {
        const char *e = strchr(p, '/');
        levels[n] = p;
        lens[n] = e ? (size_t)(e - p) : strlen(p);
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    if (n < 2 || lens[0] == 0 || lens[0] >= sizeof t->gateway || lens[1] >= sizeof t->kind)
        return -1;
    memcpy(t->gateway, levels[0], lens[0]);
    memcpy(t->kind, levels[1], lens[1]);
    if (strcmp(t->gateway, MVG_HUB_TOPIC_LEVEL) == 0)
        return -2;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].word, t->kind) == 0)
            t->flags = kinds[i].flags;
    if ((t->flags & K_PROJECT) && n >= 3 && lens[2] < sizeof t->project)
        memcpy(t->project, levels[2], lens[2]);
    if ((t->flags & K_POSITION) && n >= 4)
        t->chain_hint = strtoll(levels[3], NULL, 10);
    return 0;
}

/* A public key (base64) into hub_keys under the fingerprint we compute. */
static int add_key(mvg_hub_db *db, const char *b64, const char *gateway, int64_t now)
{
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (!b64 || mvg_chain_pk_from_b64(b64, strlen(b64), pk) != 0)
        return 0;
    char fp[MVG_CHAIN_FP_LEN], canon[MVG_CHAIN_PK_B64_LEN];
    mvg_chain_fingerprint(pk, fp);
    mvg_chain_pk_to_b64(pk, canon);
    mvg_hub_param p[] = {MVG_HUB_TEXT(fp), MVG_HUB_TEXT(canon), MVG_HUB_TEXT(gateway),
                         MVG_HUB_INT(now)};
    return mvg_hub_db_exec(db,
                           "INSERT INTO hub_keys (fingerprint, pk, gateway, first_ms)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT (fingerprint) DO NOTHING",
                           p, 4) < 0 ? -1 : 0;
}

/* A top-level string member of doc, or NULL. */
static const char *jstr(const mvg_hub_doc *doc, const char *k)
{
    return mvg_hub_doc_get_str(doc, mvg_hub_doc_root(doc), k);
}

/* The record's kind word from its schema "mvgate/<word>/N". */
static void schema_word(const char *schema, char *out, size_t len)
{
    out[0] = '\0';
    if (!schema || strncmp(schema, "mvgate/", 7) != 0)
        return;
    const char *w = schema + 7, *s = strchr(w, '/');
    if (s && (size_t)(s - w) < len) {
        memcpy(out, w, (size_t)(s - w));
        out[s - w] = '\0';
    }
}

/*
 * The record row of a chained message: *record_id, or 0 with *note. With
 * reg, the record is verified as it arrives (hub_verify.h) and a decided
 * verdict goes into the row's insert, so that a record whose predecessor
 * is already decided, nearly every one, costs one row write instead of a
 * write, the sweep's read and an update; and a new row decided "ok" is
 * added to the tallies here, in the same transaction, by the instance
 * whose insert stored it. One that waits is left to the sweep, as is a
 * repeat of a stored row (the conflict).
 */
static int add_record(mvg_hub_db *db, const topic_parts *t, const mvg_hub_in *m,
                      const mvg_hub_prep *pr, const char *hub_id, const mvg_cli_enrol *reg,
                      int64_t *record_id, const char **note, int64_t *chain, const char **key_fp)
{
    const mvg_hub_doc *doc = pr->doc;
    char word[32];
    schema_word(jstr(doc, "schema"), word, sizeof word);
    const char *gw = jstr(doc, "gateway"), *project = jstr(doc, "project");
    const char *key = jstr(doc, "key"), *prev = jstr(doc, "prev");
    if (!mvg_hub_doc_int(doc, mvg_hub_doc_get(doc, mvg_hub_doc_root(doc), "chain"), chain))
        *chain = 0;
    *key_fp = key;
    if (!gw || !project || !key || !prev || *chain <= 0) {
        *note = "not a chained record";
        return 0;
    }
    if (strcmp(word, t->kind) != 0 || strcmp(gw, t->gateway) != 0 ||
        strcmp(project, t->project) != 0 || (t->chain_hint && t->chain_hint != *chain)) {
        *note = "wrong topic";
        return 0;
    }
    const char *hash = pr->hash;
    mvg_hub_vrec x = {.gateway = gw, .kind = word, .key_fp = key, .prev = prev, .chain = *chain,
                      .payload = m->payload, .len = m->len, .doc = doc,
                      .sig_pk = pr->sig_checked ? pr->sig_pk : NULL,
                      .sig_status = pr->sig_status};
    mvg_hub_decision d = {0};
    if (reg && mvg_hub_verify_judge(db, reg, &x, project, 0, &d) < 0)
        return -1;
    mvg_hub_param p[] = {MVG_HUB_TEXT(gw),
                         MVG_HUB_TEXT(project),
                         MVG_HUB_INT(*chain),
                         MVG_HUB_TEXT(hash),
                         MVG_HUB_TEXT(prev),
                         MVG_HUB_TEXT(word),
                         MVG_HUB_TEXT(key),
                         MVG_HUB_BLOB(m->payload, m->len),
                         MVG_HUB_INT(m->received_ms),
                         MVG_HUB_TEXT(hub_id),
                         MVG_HUB_TEXT(d.decided ? d.verdict : NULL),
                         MVG_HUB_TEXT(d.decided ? d.detail : NULL),
                         MVG_HUB_TEXT(d.decided && d.next_key[0] ? d.next_key : NULL),
                         d.decided ? MVG_HUB_INT(m->received_ms) : MVG_HUB_TEXT(NULL),
                         MVG_HUB_TEXT(d.decided ? hub_id : NULL)};
    /* a new record says its id; a repeat (the conflict) is looked up */
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "INSERT INTO hub_records (gateway, project, chain, hash,"
                                       " prev, kind, key_fp, payload, first_ms, first_hub,"
                                       " verdict, detail, next_key, verified_ms, verified_by)"
                                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                                       " $12, $13, $14, $15)"
                                       " ON CONFLICT (gateway, project, chain, hash) DO NOTHING"
                                       " RETURNING id",
                                       p, 15);
    int inserted = r && mvg_hub_rows_count(r) == 1;
    if (r && !inserted) {
        mvg_hub_rows_free(r);
        r = mvg_hub_db_query(db,
                             "SELECT id FROM hub_records WHERE gateway = $1 AND"
                             " project = $2 AND chain = $3 AND hash = $4",
                             p, 4);
    }
    if (!r)
        return -1;
    *record_id = mvg_hub_rows_count(r) ? mvg_hub_rows_int(r, 0, 0) : 0;
    mvg_hub_rows_free(r);
    if (inserted && d.decided && strcmp(d.verdict, "ok") == 0 &&
        mvg_hub_tally_verified(db, &x, project, *record_id) < 0)
        return -1;
    return 0;
}

/* The gateway's state from a status message: a change of state received
 * later than the one stored replaces it, and state_ms is when it changed
 * (so two instances receiving one will keep one time: the alert's
 * episode). A will has no ts_ms: that is how it is told from a clean stop. */
static int add_status(mvg_hub_db *db, const topic_parts *t, const mvg_hub_doc *doc, int64_t now,
                      const char **note)
{
    const char *gw = jstr(doc, "gateway"), *state = jstr(doc, "state");
    if (!gw || strcmp(gw, t->gateway) != 0) {
        *note = "wrong topic";
        return 0;
    }
    if (!state)
        return 0;
    int offline = strcmp(state, "offline") == 0 || strcmp(state, "stopped") == 0;
    mvg_hub_node top = mvg_hub_doc_root(doc);
    int will = offline && mvg_hub_doc_get(doc, top, "ts_ms") == MVG_HUB_DOC_NONE &&
               mvg_hub_doc_get(doc, top, "time") == MVG_HUB_DOC_NONE;
    mvg_hub_param p[] = {MVG_HUB_TEXT(gw), MVG_HUB_TEXT(offline ? "offline" : "online"),
                         MVG_HUB_INT(will), MVG_HUB_INT(now)};
    return mvg_hub_db_exec(db,
                           "INSERT INTO hub_gateways (gateway, state, will, state_ms)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT (gateway) DO UPDATE SET"
                           " state = excluded.state, will = excluded.will,"
                           " state_ms = excluded.state_ms"
                           " WHERE excluded.state_ms >= hub_gateways.state_ms AND"
                           " excluded.state <> hub_gateways.state",
                           p, 4) < 0 ? -1 : 0;
}

/* A head record into hub_heads, for the alert pass to check. */
static int add_head(mvg_hub_db *db, const topic_parts *t, const mvg_hub_in *m,
                    const mvg_hub_prep *pr, const char **note, const char **key_fp)
{
    const mvg_hub_doc *doc = pr->doc;
    char word[32];
    schema_word(jstr(doc, "schema"), word, sizeof word);
    const char *gw = jstr(doc, "gateway"), *project = jstr(doc, "project");
    *key_fp = jstr(doc, "key");
    if (strcmp(word, "head") != 0 || !gw || !project || strcmp(gw, t->gateway) != 0 ||
        strcmp(project, t->project) != 0) {
        *note = "wrong topic";
        return 0;
    }
    mvg_hub_param p[] = {MVG_HUB_TEXT(gw),         MVG_HUB_TEXT(project),
                         MVG_HUB_TEXT(pr->hash),       MVG_HUB_INT(m->received_ms),
                         MVG_HUB_TEXT(*key_fp),    MVG_HUB_BLOB(m->payload, m->len)};
    return mvg_hub_db_exec(db,
                           "INSERT INTO hub_heads (gateway, project, hash, received_ms, key_fp,"
                           " payload) VALUES ($1, $2, $3, $4, $5, $6)"
                           " ON CONFLICT (gateway, project, hash) DO NOTHING",
                           p, 6) < 0 ? -1 : 0;
}

void mvg_hub_ingest_prepare(const char *prefix, const mvg_hub_in *m, mvg_hub_pk_fn find_pk,
                            void *user, mvg_hub_prep *out)
{
    memset(out, 0, sizeof *out);
    topic_parts t;
    if (split_topic(m->topic, prefix, &t) != 0 ||
        !(t.flags & (K_CHAINED | K_IDENTITY | K_STATUS | K_HEAD)))
        return;
    out->parsed = 1;
    out->doc = mvg_hub_doc_parse(m->payload, m->len, NULL, 0);
    if (!out->doc)
        return;
    if (t.flags & K_IDENTITY)
        out->carried_key = jstr(out->doc, "key");
    else if (strcmp(t.kind, "key") == 0)
        out->carried_key = jstr(out->doc, "new_key");
    if (!(t.flags & (K_CHAINED | K_HEAD)))
        return;
    mvg_chain_hash_hex(m->payload, m->len, out->hash);
    const char *fp = jstr(out->doc, "key");
    if ((t.flags & K_CHAINED) && fp && find_pk && find_pk(user, fp, out->sig_pk) == 1) {
        out->sig_status = mvg_chain_check_sig(m->payload, m->len, out->sig_pk, NULL);
        out->sig_checked = 1;
    }
}

void mvg_hub_prep_clear(mvg_hub_prep *p)
{
    if (!p)
        return;
    mvg_hub_doc_free(p->doc);
    memset(p, 0, sizeof *p);
}

int mvg_hub_ingest(mvg_hub_db *db, const char *prefix, const char *hub_id,
                   const mvg_cli_enrol *reg, const mvg_hub_in *m)
{
    mvg_hub_prep pr;
    mvg_hub_ingest_prepare(prefix, m, NULL, NULL, &pr);
    int rc = mvg_hub_ingest_prepared(db, prefix, hub_id, reg, m, &pr);
    mvg_hub_prep_clear(&pr);
    return rc;
}

int mvg_hub_ingest_prepared(mvg_hub_db *db, const char *prefix, const char *hub_id,
                            const mvg_cli_enrol *reg, const mvg_hub_in *m,
                            const mvg_hub_prep *pr)
{
    topic_parts t;
    int split = split_topic(m->topic, prefix, &t);
    int ours = split == 0;
    int64_t record_id = 0, chain = 0;
    /* the hub's own alerts come back through the subscription: kept, not noted */
    const char *note = ours || split == -2 ? NULL : "not a gateway topic";
    const char *key_fp = NULL;
    const mvg_hub_doc *doc = pr->doc;
    if (pr->parsed && !doc)
        note = "not JSON";
    if (doc && (t.flags & K_CHAINED) && !note) {
        if (add_record(db, &t, m, pr, hub_id, reg, &record_id, &note, &chain, &key_fp) < 0)
            return -1;
        /* a rotation carries the next key: kept so it can verify once the
         * chain has handed over to it */
        if (record_id && strcmp(t.kind, "key") == 0 &&
            add_key(db, jstr(doc, "new_key"), t.gateway, m->received_ms) < 0)
            return -1;
    }
    if (doc && (t.flags & K_IDENTITY) && !note) {
        const char *gw = jstr(doc, "gateway");
        if (!gw || strcmp(gw, t.gateway) != 0)
            note = "wrong topic";
        else if (add_key(db, jstr(doc, "key"), t.gateway, m->received_ms) < 0)
            return -1;
    }
    if (doc && (t.flags & K_STATUS) && !note &&
        add_status(db, &t, doc, m->received_ms, &note) < 0)
        return -1;
    if (doc && (t.flags & K_HEAD) && !note && add_head(db, &t, m, pr, &note, &key_fp) < 0)
        return -1;
    /* A record's bytes are kept once, in its hub_records row: the very
     * bytes, since the row is found by their SHA-256; the message row
     * points there (record_id) with an empty payload. Writing them twice
     * was most of what a record cost the disk (bench_hub_ingest). */
    mvg_hub_param p[] = {MVG_HUB_INT(m->received_ms),
                         MVG_HUB_TEXT(hub_id),
                         MVG_HUB_TEXT(m->topic),
                         MVG_HUB_INT(m->retained),
                         MVG_HUB_BLOB(m->payload, record_id ? 0 : m->len),
                         MVG_HUB_TEXT(ours ? t.gateway : NULL),
                         MVG_HUB_TEXT(ours ? t.kind : NULL),
                         MVG_HUB_TEXT(ours && t.project[0] ? t.project : NULL),
                         chain > 0 ? MVG_HUB_INT(chain) : MVG_HUB_TEXT(NULL),
                         MVG_HUB_TEXT(key_fp),
                         record_id ? MVG_HUB_INT(record_id) : MVG_HUB_TEXT(NULL),
                         MVG_HUB_TEXT(note)};
    return mvg_hub_db_exec(db,
                        "INSERT INTO hub_messages (received_ms, hub, topic, retained, payload,"
                        " gateway, kind, project, chain, key_fp, record_id, note)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                        p, 12) < 0 ? -1 : 0;
}
