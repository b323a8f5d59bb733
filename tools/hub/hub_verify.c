/*
 * hub_verify.c: the verification sweep (hub_verify.h).
 */
#include "hub_verify.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

typedef struct {
    int decided;                /* 0: waits */
    const char *verdict;
    char detail[256];
    char next_key[MVG_CHAIN_FP_LEN];
} decision;

typedef struct {
    int64_t id, chain;
    const char *gateway, *project, *hash, *prev, *kind, *key_fp, *payload;
    size_t len;
} rec;

static void decide(decision *d, mvg_chain_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void decide(decision *d, mvg_chain_verdict v, const char *fmt, ...)
{
    d->decided = 1;
    d->verdict = mvg_chain_verdict_name(v);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->detail, sizeof d->detail, fmt, ap);
    va_end(ap);
}

/* The public key of fingerprint fp: 1 found, 0 not (yet), -1 db error. */
static int find_pk(mvg_hub_db *db, const char *fp, unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(fp)};
    mvg_hub_rows *r = mvg_hub_db_query(db, "SELECT pk FROM hub_keys WHERE fingerprint = $1", p, 1);
    if (!r)
        return -1;
    int found = mvg_hub_rows_count(r) == 1;
    if (found) {
        const char *b64 = mvg_hub_rows_text(r, 0, 0);
        found = b64 && mvg_chain_pk_from_b64(b64, strlen(b64), pk) == 0;
    }
    mvg_hub_rows_free(r);
    return found;
}

/* Whether fp is a key gateway holds by its chains: one a verified record
 * of it handed over to. 1, 0, -1 db error. */
static int gateway_holds(mvg_hub_db *db, const char *gateway, const char *fp)
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(gateway), MVG_HUB_TEXT(fp)};
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

/* A key record's handover: its new_key must have its new_fingerprint. 1
 * a key record that hands over (to), 0 not a key record, -1 one that
 * does not match (detail in d). */
static int handover(const rec *x, char to[MVG_CHAIN_FP_LEN], decision *d)
{
    if (!mvg_chain_handover(x->payload, x->len, to))
        return strcmp(x->kind, "key") == 0 ? (decide(d, MVG_CHAIN_V_ALTERED,
                                                     "a key record without a new key"), -1)
                                           : 0;
    json_t *doc = json_loadb(x->payload, x->len, 0, NULL);
    const char *nk = json_string_value(json_object_get(doc, "new_key"));
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    char fp[MVG_CHAIN_FP_LEN] = "";
    if (nk && mvg_chain_pk_from_b64(nk, strlen(nk), pk) == 0)
        mvg_chain_fingerprint(pk, fp);
    json_decref(doc);
    if (strcmp(fp, to) != 0) {
        decide(d, MVG_CHAIN_V_ALTERED, "its new_key is not the key of its new_fingerprint %s", to);
        return -1;
    }
    return 1;
}

/* The decision on x: -1 only on a database error. */
static int judge(mvg_hub_db *db, const mvg_cli_enrol *reg, const rec *x, decision *d)
{
    memset(d, 0, sizeof *d);
    unsigned char pk[MVG_CHAIN_PK_BYTES] = {0};
    int have_pk = find_pk(db, x->key_fp, pk);
    if (have_pk < 0)
        return -1;
    /* The byte rule first: it needs only the key the record names. */
    mvg_chain_sig_status s = mvg_chain_check_sig(x->payload, x->len, pk, NULL);
    if (s == MVG_CHAIN_NO_SIG) {
        decide(d, MVG_CHAIN_V_BAD_SIGNATURE, "no well-formed final sig member");
        return 0;
    }
    if (have_pk && s == MVG_CHAIN_BAD_SIG) {
        decide(d, MVG_CHAIN_V_ALTERED, "the signature does not match the bytes under key %s",
               x->key_fp);
        return 0;
    }
    char to[MVG_CHAIN_FP_LEN];
    int ho = handover(x, to, d);
    if (ho < 0)
        return 0;

    char in_force[MVG_CHAIN_FP_LEN] = "";
    if (x->chain == 1) {
        char zero[MVG_CHAIN_HEX_LEN];
        mvg_chain_zero_prev(zero);
        if (strcmp(x->prev, zero) != 0) {
            decide(d, MVG_CHAIN_V_ALTERED, "chain 1 whose prev is not 64 zeros");
            return 0;
        }
        const mvg_cli_enrol_entry *e = mvg_cli_enrol_find(reg, x->gateway);
        if (strcmp(x->kind, "newchain") == 0) {
            /* begun again after a lost store, under a key the gateway holds */
            int holds = e && strcmp(e->fingerprint, x->key_fp) == 0;
            if (!holds && e && (holds = gateway_holds(db, x->gateway, x->key_fp)) < 0)
                return -1;
            if (!e || !holds)
                return 0; /* waits for the key record that hands over to it */
        } else if (!e) {
            return 0; /* waits for the gateway's enrolment (mvgate hub enrol, SIGHUP) */
        } else if (strcmp(e->fingerprint, x->key_fp) != 0) {
            decide(d, MVG_CHAIN_V_NOT_ENROLLED,
                   "the chain starts with key %s, but gateway %s was enrolled with key %s at "
                   "%s:%d", x->key_fp, x->gateway, e->fingerprint, reg->file, e->line);
            return 0;
        }
        snprintf(in_force, sizeof in_force, "%s", x->key_fp);
    } else {
        mvg_hub_param p[] = {MVG_HUB_TEXT(x->gateway), MVG_HUB_TEXT(x->project),
                             MVG_HUB_INT(x->chain - 1), MVG_HUB_TEXT(x->prev)};
        mvg_hub_rows *r = mvg_hub_db_query(db,
                                           "SELECT verdict, next_key FROM hub_records WHERE"
                                           " gateway = $1 AND project = $2 AND chain = $3 AND"
                                           " hash = $4",
                                           p, 4);
        if (!r)
            return -1;
        const char *pv = mvg_hub_rows_count(r) ? mvg_hub_rows_text(r, 0, 0) : NULL;
        const char *nk = mvg_hub_rows_count(r) ? mvg_hub_rows_text(r, 0, 1) : NULL;
        if (pv && strcmp(pv, "ok") == 0 && nk)
            snprintf(in_force, sizeof in_force, "%s", nk);
        else if (pv)
            decide(d, MVG_CHAIN_V_ALTERED, "its prev is the hash of chain %lld, which is %s",
                   (long long)x->chain - 1, pv);
        mvg_hub_rows_free(r);
        if (!in_force[0])
            return 0; /* decided bad, or the predecessor is not here or not decided yet */
        if (strcmp(in_force, x->key_fp) != 0) {
            decide(d, MVG_CHAIN_V_UNKNOWN_KEY,
                   "signed by key %s, but the key in force at chain %lld is %s", x->key_fp,
                   (long long)x->chain, in_force);
            return 0;
        }
    }
    if (!have_pk)
        return 0; /* the key's public half has not arrived yet (identity) */
    /* have_pk and the signature verified above */
    d->decided = 1;
    d->verdict = mvg_chain_verdict_name(MVG_CHAIN_V_OK);
    snprintf(d->next_key, sizeof d->next_key, "%s", ho > 0 ? to : in_force);
    return 0;
}

long mvg_hub_verify_sweep(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *hub_id,
                          int64_t now_ms)
{
    long total = 0;
    for (;;) {
        mvg_hub_rows *r = mvg_hub_db_query(db,
                                           "SELECT id, gateway, project, chain, hash, prev, kind,"
                                           " key_fp, payload FROM hub_records WHERE verdict IS"
                                           " NULL ORDER BY gateway, project, chain, id",
                                           NULL, 0);
        if (!r)
            return -1;
        long decided = 0;
        for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
            rec x = {.id = mvg_hub_rows_int(r, i, 0),
                     .gateway = mvg_hub_rows_text(r, i, 1),
                     .project = mvg_hub_rows_text(r, i, 2),
                     .chain = mvg_hub_rows_int(r, i, 3),
                     .hash = mvg_hub_rows_text(r, i, 4),
                     .prev = mvg_hub_rows_text(r, i, 5),
                     .kind = mvg_hub_rows_text(r, i, 6),
                     .key_fp = mvg_hub_rows_text(r, i, 7)};
            x.payload = mvg_hub_rows_blob(r, i, 8, &x.len);
            decision d;
            if (judge(db, reg, &x, &d) < 0) {
                mvg_hub_rows_free(r);
                return -1;
            }
            if (!d.decided)
                continue;
            mvg_hub_param p[] = {MVG_HUB_TEXT(d.verdict), MVG_HUB_TEXT(d.detail),
                                 MVG_HUB_TEXT(d.next_key[0] ? d.next_key : NULL),
                                 MVG_HUB_INT(now_ms), MVG_HUB_TEXT(hub_id), MVG_HUB_INT(x.id)};
            long n = mvg_hub_db_exec(db,
                                     "UPDATE hub_records SET verdict = $1, detail = $2,"
                                     " next_key = $3, verified_ms = $4, verified_by = $5"
                                     " WHERE id = $6 AND verdict IS NULL",
                                     p, 6);
            if (n < 0) {
                mvg_hub_rows_free(r);
                return -1;
            }
            decided++; /* decided here or by another instance meanwhile: progress either way */
        }
        mvg_hub_rows_free(r);
        total += decided;
        if (decided == 0)
            return total;
    }
}
