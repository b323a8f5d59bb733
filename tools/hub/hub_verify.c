/*
 * hub_verify.c: the verification sweep (hub_verify.h).
 */
#include "hub_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "hub_tally.h"

static void decide(mvg_hub_decision *d, mvg_chain_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void decide(mvg_hub_decision *d, mvg_chain_verdict v, const char *fmt, ...)
{
    d->decided = 1;
    d->verdict = mvg_chain_verdict_name(v);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->detail, sizeof d->detail, fmt, ap);
    va_end(ap);
}

int mvg_hub_verify_find_pk(mvg_hub_db *db, const char *fp, unsigned char pk[MVG_CHAIN_PK_BYTES])
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

/* Whether sql (with params p) returns a row: 1, 0, -1 db error. */
static int any_row(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np)
{
    mvg_hub_rows *r = mvg_hub_db_query(db, sql, p, np);
    if (!r)
        return -1;
    int n = mvg_hub_rows_count(r) > 0;
    mvg_hub_rows_free(r);
    return n;
}

/* A key record's handover: its new_key must have its new_fingerprint. 1
 * a key record that hands over (to), 0 not a key record, -1 one that
 * does not match (detail in d). */
static int handover(const mvg_hub_vrec *x, char to[MVG_CHAIN_FP_LEN], mvg_hub_decision *d)
{
    if (!mvg_chain_handover(x->payload, x->len, to))
        return strcmp(x->kind, "key") == 0 ? (decide(d, MVG_CHAIN_V_ALTERED,
                                                     "a key record without a new key"), -1)
                                           : 0;
    mvg_hub_doc *own = x->doc ? NULL : mvg_hub_doc_parse(x->payload, x->len, NULL, 0);
    const mvg_hub_doc *doc = x->doc ? x->doc : own;
    const char *nk = mvg_hub_doc_get_str(doc, mvg_hub_doc_root(doc), "new_key");
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    char fp[MVG_CHAIN_FP_LEN] = "";
    if (nk && mvg_chain_pk_from_b64(nk, strlen(nk), pk) == 0)
        mvg_chain_fingerprint(pk, fp);
    mvg_hub_doc_free(own);
    if (strcmp(fp, to) != 0) {
        decide(d, MVG_CHAIN_V_ALTERED, "its new_key is not the key of its new_fingerprint %s", to);
        return -1;
    }
    return 1;
}

void mvg_hub_verify_decide(const mvg_hub_vrec *x, const mvg_hub_vfacts *f, mvg_hub_decision *d)
{
    memset(d, 0, sizeof *d);
    /* The byte rule first: it needs only the key the record names. */
    static const unsigned char no_pk[MVG_CHAIN_PK_BYTES];
    const unsigned char *pk = f->have_pk ? f->pk : no_pk;
    /* checked beforehand only counts under the very key in force here */
    mvg_chain_sig_status s = x->sig_pk && memcmp(x->sig_pk, pk, MVG_CHAIN_PK_BYTES) == 0
                                 ? x->sig_status
                                 : mvg_chain_check_sig(x->payload, x->len, pk, NULL);
    if (s == MVG_CHAIN_NO_SIG) {
        decide(d, MVG_CHAIN_V_BAD_SIGNATURE, "no well-formed final sig member");
        return;
    }
    if (f->have_pk && s == MVG_CHAIN_BAD_SIG) {
        decide(d, MVG_CHAIN_V_ALTERED, "the signature does not match the bytes under key %s",
               x->key_fp);
        return;
    }
    char to[MVG_CHAIN_FP_LEN];
    int ho = handover(x, to, d);
    if (ho < 0)
        return;

    char in_force[MVG_CHAIN_FP_LEN] = "";
    if (x->chain == 1) {
        char zero[MVG_CHAIN_HEX_LEN];
        mvg_chain_zero_prev(zero);
        if (strcmp(x->prev, zero) != 0) {
            decide(d, MVG_CHAIN_V_ALTERED, "chain 1 whose prev is not 64 zeros");
            return;
        }
        const char *e = f->enrolled_fp;
        if (strcmp(x->kind, "newchain") == 0) {
            /* begun again after a lost store, under a key the gateway holds */
            if (!e || (strcmp(e, x->key_fp) != 0 && !f->holds_key))
                return; /* waits for the enrolment or the key record that hands over to it */
        } else if (!e) {
            return; /* waits for the gateway's enrolment (mvgate hub enrol, SIGHUP) */
        } else if (strcmp(e, x->key_fp) != 0) {
            decide(d, MVG_CHAIN_V_NOT_ENROLLED,
                   "the chain starts with key %s, but gateway %s was enrolled with key %s at %s",
                   x->key_fp, x->gateway, e, f->enrolled_where ? f->enrolled_where : "?");
            return;
        } else if (f->chain1_before) {
            /* as mvgate verify: back at 1 with no signed new-chain record */
            decide(d, MVG_CHAIN_V_RESTARTED,
                   "the chain begins again at 1 after an existing chain without a signed"
                   " new-chain record: the store was emptied or rolled back and the gateway"
                   " went on silently");
            return;
        }
        snprintf(in_force, sizeof in_force, "%s", x->key_fp);
    } else {
        const char *pv = f->pred_verdict;
        if (!pv)
            return; /* the predecessor is not here or not decided yet */
        if (strcmp(pv, "ok") != 0 || !f->pred_next_key) {
            if (strcmp(pv, mvg_chain_verdict_name(MVG_CHAIN_V_RESTARTED)) == 0)
                decide(d, MVG_CHAIN_V_RESTARTED,
                       "it continues the chain begun again at 1 without a new-chain record");
            else
                decide(d, MVG_CHAIN_V_ALTERED, "its prev is the hash of chain %lld, which is %s",
                       (long long)x->chain - 1, pv);
            return;
        }
        snprintf(in_force, sizeof in_force, "%s", f->pred_next_key);
        if (strcmp(in_force, x->key_fp) != 0) {
            decide(d, MVG_CHAIN_V_UNKNOWN_KEY,
                   "signed by key %s, but the key in force at chain %lld is %s", x->key_fp,
                   (long long)x->chain, in_force);
            return;
        }
    }
    if (!f->have_pk)
        return; /* the key's public half has not arrived yet (identity) */
    /* have_pk and the signature verified above */
    d->decided = 1;
    d->verdict = mvg_chain_verdict_name(MVG_CHAIN_V_OK);
    snprintf(d->next_key, sizeof d->next_key, "%s", ho > 0 ? to : in_force);
}

int mvg_hub_verify_judge(mvg_hub_db *db, const mvg_cli_enrol *reg, const mvg_hub_vrec *x,
                         const char *project, int64_t id, mvg_hub_decision *d)
{
    mvg_hub_vfacts f = {0};
    char where[600] = "";
    mvg_hub_rows *pred = NULL;
    if (x->chain == 1) {
        f.have_pk = mvg_hub_verify_find_pk(db, x->key_fp, f.pk);
        if (f.have_pk < 0)
            return -1;
        const mvg_cli_enrol_entry *e = mvg_cli_enrol_find(reg, x->gateway);
        if (e) {
            f.enrolled_fp = e->fingerprint;
            snprintf(where, sizeof where, "%s:%d", reg->file, e->line);
            f.enrolled_where = where;
        }
        if (strcmp(x->kind, "newchain") == 0 && e && strcmp(e->fingerprint, x->key_fp) != 0) {
            mvg_hub_param p[] = {MVG_HUB_TEXT(x->gateway), MVG_HUB_TEXT(x->key_fp)};
            f.holds_key = any_row(db,
                                  "SELECT 1 FROM hub_records WHERE gateway = $1 AND"
                                  " verdict = 'ok' AND next_key = $2 LIMIT 1",
                                  p, 2);
            if (f.holds_key < 0)
                return -1;
        } else if (strcmp(x->kind, "newchain") != 0) {
            /* an ok chain 1 stored before this one: this one begins again */
            mvg_hub_param p[] = {MVG_HUB_TEXT(x->gateway), MVG_HUB_TEXT(project),
                                 MVG_HUB_INT(id > 0 ? id : INT64_MAX)};
            f.chain1_before = any_row(db,
                                      "SELECT 1 FROM hub_records WHERE gateway = $1 AND"
                                      " project = $2 AND chain = 1 AND id < $3 AND"
                                      " verdict = 'ok' LIMIT 1",
                                      p, 3);
            if (f.chain1_before < 0)
                return -1;
        }
    } else {
        /* the key and the predecessor in one statement: this runs for
         * nearly every record, and a statement costs more than its rows */
        mvg_hub_param p[] = {MVG_HUB_TEXT(x->key_fp), MVG_HUB_TEXT(x->gateway),
                             MVG_HUB_TEXT(project), MVG_HUB_INT(x->chain - 1),
                             MVG_HUB_TEXT(x->prev)};
        pred = mvg_hub_db_query(db,
                                "SELECT (SELECT pk FROM hub_keys WHERE fingerprint = $1),"
                                " r.verdict, r.next_key FROM (SELECT 1) AS one"
                                " LEFT JOIN hub_records r ON r.gateway = $2 AND"
                                " r.project = $3 AND r.chain = $4 AND r.hash = $5",
                                p, 5);
        if (!pred)
            return -1;
        if (mvg_hub_rows_count(pred)) {
            const char *b64 = mvg_hub_rows_text(pred, 0, 0);
            f.have_pk = b64 && mvg_chain_pk_from_b64(b64, strlen(b64), f.pk) == 0;
            f.pred_verdict = mvg_hub_rows_text(pred, 0, 1);
            f.pred_next_key = mvg_hub_rows_text(pred, 0, 2);
        }
    }
    mvg_hub_verify_decide(x, &f, d);
    mvg_hub_rows_free(pred);
    return 0;
}

/*
 * Stores the decision on record id and, when this statement is the one
 * that filled the verdict with "ok", adds the record to the programme's
 * tallies (hub_tally.h) in the same transaction: so a record is added once,
 * by the instance that decided it, and never lost between the two. 0, or
 * -1 on a database error (rolled back).
 */
static int store_verdict(mvg_hub_db *db, const mvg_hub_vrec *x, const char *project, int64_t id,
                         const mvg_hub_decision *d, const char *hub_id, int64_t now_ms)
{
    if (mvg_hub_db_begin(db) < 0)
        return -1;
    mvg_hub_param p[] = {MVG_HUB_TEXT(d->verdict), MVG_HUB_TEXT(d->detail),
                         MVG_HUB_TEXT(d->next_key[0] ? d->next_key : NULL),
                         MVG_HUB_INT(now_ms), MVG_HUB_TEXT(hub_id), MVG_HUB_INT(id)};
    long n = mvg_hub_db_exec(db,
                             "UPDATE hub_records SET verdict = $1, detail = $2,"
                             " next_key = $3, verified_ms = $4, verified_by = $5"
                             " WHERE id = $6 AND verdict IS NULL",
                             p, 6);
    if (n < 0 || (n == 1 && strcmp(d->verdict, "ok") == 0 &&
                  mvg_hub_tally_verified(db, x, project, id) < 0) ||
        mvg_hub_db_commit(db) < 0) {
        mvg_hub_db_rollback(db);
        return -1;
    }
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
            int64_t id = mvg_hub_rows_int(r, i, 0);
            mvg_hub_vrec x = {.gateway = mvg_hub_rows_text(r, i, 1),
                              .chain = mvg_hub_rows_int(r, i, 3),
                              .prev = mvg_hub_rows_text(r, i, 5),
                              .kind = mvg_hub_rows_text(r, i, 6),
                              .key_fp = mvg_hub_rows_text(r, i, 7)};
            x.payload = mvg_hub_rows_blob(r, i, 8, &x.len);
            mvg_hub_decision d;
            if (mvg_hub_verify_judge(db, reg, &x, mvg_hub_rows_text(r, i, 2), id, &d) < 0) {
                mvg_hub_rows_free(r);
                return -1;
            }
            if (!d.decided)
                continue;
            if (store_verdict(db, &x, mvg_hub_rows_text(r, i, 2), id, &d, hub_id, now_ms) < 0) {
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
