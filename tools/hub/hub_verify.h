/*
 * hub_verify.h: continuous verification of the stored records by chain
 * position against the register of enrolled gateways. A record is decided
 * when it and what it depends on are stored, whatever the order of arrival
 * and whichever instance received it:
 *   chain 1    prev 64 zeros; signed by the key enrolled for its gateway
 *              (a new-chain record: by a key the gateway holds, the
 *              enrolled one or one a verified key record handed over to)
 *   chain n>1  the record at n-1 whose SHA-256 is its prev is verified
 *              good, and it is signed by the key in force after that one
 *              (the key that one names, or the key a key record there
 *              handed over to)
 * and its signature verifies over its bytes under the key it names
 * (daemon/records/chain.c's one byte rule). Until then it waits (no
 * verdict); a missing predecessor that arrives later is picked up by the
 * next sweep; so does a gateway that is not in the register yet (the
 * register is the hub's knowledge, not a fact of the bytes). A verdict, once stored, is final: it depends only on bytes
 * that cannot change, so two instances sweeping one database store the
 * same one (the update only fills an empty verdict). Verdicts are "ok" or
 * chain.h's words ("altered", "bad signature", "unknown key", "not
 * enrolled", "restarted": a chain 1 without a new-chain record after an
 * ok chain 1 stored before it, and every record that continues it).
 * The decision itself (mvg_hub_verify_decide) is pure: the sweep, and
 * ingest for a record as it arrives (hub_ingest.h: most records find their
 * predecessor decided, so the verdict goes into the record's own row and
 * the sweep is left with what waits), gather the facts it needs from the
 * tables and the register (mvg_hub_verify_judge).
 */
#ifndef MVG_HUB_VERIFY_H
#define MVG_HUB_VERIFY_H

#include <stdint.h>

#include "chain.h"
#include "cli_enrol.h"
#include "hub_db.h"
#include "hub_doc.h"

/* A record as the decision sees it (its bytes and the index columns). */
typedef struct {
    const char *gateway, *kind, *key_fp, *prev;
    int64_t chain;
    const char *payload;
    size_t len;
    /* the bytes parsed, when the caller has them (ingest), else NULL: so
     * that a record is parsed once, not again by the decision and tally */
    const mvg_hub_doc *doc;
    /* the signature already checked under the public key sig_pk (another
     * thread, hub_precheck.h): sig_status; NULL: not checked yet */
    const unsigned char *sig_pk;
    mvg_chain_sig_status sig_status;
} mvg_hub_vrec;

/* What the decision depends on besides the record; each fact only where
 * it applies. */
typedef struct {
    int have_pk;                        /* the public key of key_fp is known: pk */
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    /* chain 1 */
    const char *enrolled_fp;            /* the gateway's enrolled first key; NULL: not enrolled */
    const char *enrolled_where;         /* "REGISTER:LINE" for the message */
    int holds_key;      /* new-chain: a verified record of the gateway hands over to key_fp */
    int chain1_before;  /* not new-chain: an ok chain 1 of the project stored before it */
    /* chain n > 1: the record at n-1 whose hash is prev */
    const char *pred_verdict;           /* NULL: not stored or not decided yet */
    const char *pred_next_key;          /* the key in force after it */
} mvg_hub_vfacts;

typedef struct {
    int decided;                        /* 0: waits (no verdict yet) */
    const char *verdict;                /* "ok" or chain.h's word */
    char detail[256];
    char next_key[MVG_CHAIN_FP_LEN];    /* ok: the key in force after it */
} mvg_hub_decision;

/* The decision on x given f (no I/O): d->decided 0 while it must wait. */
void mvg_hub_verify_decide(const mvg_hub_vrec *x, const mvg_hub_vfacts *f, mvg_hub_decision *d);

/* The public key of fingerprint fp in hub_keys: 1 found, 0 not (yet), -1
 * db error. */
int mvg_hub_verify_find_pk(mvg_hub_db *db, const char *fp, unsigned char pk[MVG_CHAIN_PK_BYTES]);

/* The facts about x (of project; id its hub_records row, or 0 when it is
 * not stored yet: every stored record is then before it) from the tables
 * and the register, then the decision: 0, or -1 on a database error. */
int mvg_hub_verify_judge(mvg_hub_db *db, const mvg_cli_enrol *reg, const mvg_hub_vrec *x,
                         const char *project, int64_t id, mvg_hub_decision *d);

/* One sweep over the records without a verdict, repeated while it
 * decides some: the number decided, or -1 with the database's error.
 * now_ms is stored as the verdict's time, hub_id as who decided it. */
long mvg_hub_verify_sweep(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *hub_id,
                          int64_t now_ms);

#endif
