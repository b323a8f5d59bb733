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
 * enrolled").
 */
#ifndef MVG_HUB_VERIFY_H
#define MVG_HUB_VERIFY_H

#include <stdint.h>

#include "cli_enrol.h"
#include "hub_db.h"

/* One sweep over the records without a verdict, repeated while it
 * decides some: the number decided, or -1 with the database's error.
 * now_ms is stored as the verdict's time, hub_id as who decided it. */
long mvg_hub_verify_sweep(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *hub_id,
                          int64_t now_ms);

#endif
