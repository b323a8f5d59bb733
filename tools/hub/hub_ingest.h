/*
 * hub_ingest.h: one received message into the hub's tables (hub_db.h), in
 * the caller's transaction: the raw row with its exact bytes, and for what
 * the topic names, the index columns and the derived rows (a chained
 * record's bytes once, in its record row, the raw row pointing there).
 * What a topic
 * level after the gateway means is one table of kinds (hub_ingest.c): a
 * chained record (interval, model, key, newchain, definition) becomes a
 * hub_records row keyed by its own signed gateway, project, chain and the
 * SHA-256 of its bytes (an at-least-once repeat is the same row); an
 * identity or key record adds the public key it carries to hub_keys; a
 * status message sets the gateway's state (hub_gateways); a head record
 * (signed, unchained) goes to hub_heads for the alert pass; everything
 * else is kept raw. <prefix>/hub/... is the hub's own (its alerts). A record whose own gateway, project, kind or chain is not the
 * one its topic names is kept raw with the note "wrong topic" and not
 * verified. New kinds are new rows of the table. A chained record is
 * verified as it is stored when what it depends on is there (hub_verify.h),
 * its verdict in its insert; the rest waits for the sweep.
 */
#ifndef MVG_HUB_INGEST_H
#define MVG_HUB_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "cli_enrol.h"
#include "hub_db.h"
#include "hub_doc.h"

/* The level after the prefix that is the hub's own, not a gateway's:
 * <prefix>/hub/alerts/... carries its alerts (hub_alert.h), so no gateway
 * can be called this. */
#define MVG_HUB_TOPIC_LEVEL "hub"

typedef struct {
    const char *topic;
    const char *payload;
    size_t len;
    int retained;
    int64_t received_ms;
} mvg_hub_in;

/* Stores m (prefix: the gateways' topic prefix, hub_id: this instance) and
 * verifies a chained record as it comes against reg, the register (NULL:
 * left to the sweep, hub_verify.h): 0, or -1 with the database's error
 * (the caller rolls back). */
int mvg_hub_ingest(mvg_hub_db *db, const char *prefix, const char *hub_id,
                   const mvg_cli_enrol *reg, const mvg_hub_in *m);

/* What of a message is worked out without the database: the parse, the
 * SHA-256 of a record's bytes and its signature under a key known
 * beforehand. Most of the CPU a message costs, so it can be done on
 * another thread (hub_precheck.h) while the main one stores. */
typedef struct {
    mvg_hub_doc *doc;           /* the payload parsed, when its kind needs it; NULL: not
                                   parsed or not JSON */
    int parsed;                 /* its kind needed the parse (so doc NULL: not JSON) */
    char hash[MVG_CHAIN_HEX_LEN];   /* a chained or head record's SHA-256, else "" */
    const char *carried_key;    /* the public key (base64) an identity or key record carries,
                                   in doc; NULL: none */
    int sig_checked;            /* the signature was checked under sig_pk: sig_status */
    unsigned char sig_pk[MVG_CHAIN_PK_BYTES];
    mvg_chain_sig_status sig_status;
} mvg_hub_prep;

/* The public key of fingerprint fp if the caller knows it: 1 (pk filled), else 0. */
typedef int (*mvg_hub_pk_fn)(void *user, const char *fp, unsigned char pk[MVG_CHAIN_PK_BYTES]);

/* Prepares m (no database, any thread; find_pk may be NULL: the signature
 * is then checked at the store): out to be let go with mvg_hub_prep_clear. */
void mvg_hub_ingest_prepare(const char *prefix, const mvg_hub_in *m, mvg_hub_pk_fn find_pk,
                            void *user, mvg_hub_prep *out);
void mvg_hub_prep_clear(mvg_hub_prep *p);

/* mvg_hub_ingest of m prepared as pr (by mvg_hub_ingest_prepare with the
 * same prefix); pr stays the caller's. */
int mvg_hub_ingest_prepared(mvg_hub_db *db, const char *prefix, const char *hub_id,
                            const mvg_cli_enrol *reg, const mvg_hub_in *m,
                            const mvg_hub_prep *pr);

#endif
