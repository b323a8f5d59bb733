/*
 * hub_alert.h: the hub's alerts (docs/hub.md "Alerts"). Owns the one table
 * of alert kinds (hub_alert.c: the word, whether it is an alarm that
 * clears or an informational event), the hub_alerts rows, raising and
 * clearing each alert exactly once whichever instance sees it first (an
 * alert's identity is a unique key: a raise is an insert-or-ignore, a
 * clear an update of a row still open, and only the instance whose
 * statement changed the row logs it), the log lines, the retained
 * publication on <prefix>/hub/alerts/..., and the detection functions,
 * which read the tables that hub_ingest and hub_verify fill:
 *   bad records    a verdict other than ok (bad signature, altered,
 *                  unknown key, not enrolled, restarted) at its position
 *   missing        chain positions absent while a later one has been
 *                  stored for missing_grace_s; cleared when all arrive
 *   offline        the gateway's last status says offline (its will or a
 *                  clean stop); cleared when it says online again
 *   refit          a model record of version > 1 (informational)
 *   heads          a head record that does not verify (altered, unknown
 *                  key); withheld tail: no good head for two of its
 *                  every_s periods, cleared by the next good head
 *   definitions    a definition record of version > 1 (informational);
 *                  a meter in the current definitions of two projects,
 *                  cleared when no two name it any more
 * Time comes in (now_ms); the functions do no I/O but the database's and
 * the publish callback's.
 */
#ifndef MVG_HUB_ALERT_H
#define MVG_HUB_ALERT_H

#include <stdint.h>
#include <stdio.h>

#include "cli_enrol.h"
#include "hub_db.h"

typedef struct {
    int64_t now_ms;
    int64_t missing_grace_ms; /* hub.conf missing_grace_s */
    /* gaps are looked for below the positions stored from here to
     * now - grace: 0 at start (all), then the last pass's now - grace */
    int64_t missing_since_ms;
    const char *hub_id;       /* stored as who raised / cleared */
    const char *prefix;       /* the gateways' topic prefix */
    const mvg_cli_enrol *reg; /* the register (which keys a gateway holds) */
} mvg_hub_alert_ctx;

/* The detection pass: raises and clears what the tables show now, logging
 * each raise and clear this instance made. The number of alerts raised or
 * cleared here, or -1 with the database's error. */
long mvg_hub_alerts_check(mvg_hub_db *db, const mvg_hub_alert_ctx *ctx);

/* Publishes topic (retained, QoS 1): 0 handed to the broker, -1 not now. */
typedef int (*mvg_hub_alert_publish_fn)(void *user, const char *topic, const char *payload,
                                        size_t len);

/* Publishes every alert whose state (open, cleared, info) has not been
 * published yet, and marks it: the number published, -1 db error. An
 * alert not published now (publish returned -1) is tried at the next call. */
long mvg_hub_alerts_publish(mvg_hub_db *db, mvg_hub_alert_publish_fn publish, void *user);

/* `mvgate hub alerts`: every alert (open_only: the alarms not cleared),
 * oldest first, as lines or (json) one JSON array of the published
 * documents (out NULL: only counts). The number listed, or -1 with the
 * database's error. */
long mvg_hub_alerts_list(mvg_hub_db *db, int open_only, int json, FILE *out);

#endif
