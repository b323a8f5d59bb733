/*
 * hub_ingest.h: one received message into the hub's tables (hub_db.h), in
 * the caller's transaction: the raw row with its exact bytes, and for what
 * the topic names, the index columns and the derived rows. What a topic
 * level after the gateway means is one table of kinds (hub_ingest.c): a
 * chained record (interval, model, key, newchain, definition) becomes a
 * hub_records row keyed by its own signed gateway, project, chain and the
 * SHA-256 of its bytes (an at-least-once repeat is the same row); an
 * identity or key record adds the public key it carries to hub_keys; a
 * status message sets the gateway's state (hub_gateways); a head record
 * (signed, unchained) goes to hub_heads for the alert pass; everything
 * else is kept raw. <prefix>/hub/... is the hub's own (its alerts). A record whose own gateway, project, kind or chain is not the
 * one its topic names is kept raw with the note "wrong topic" and not
 * verified. New kinds are new rows of the table.
 */
#ifndef MVG_HUB_INGEST_H
#define MVG_HUB_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "cli_enrol.h"
#include "hub_db.h"

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

#endif
