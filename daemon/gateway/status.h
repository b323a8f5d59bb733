/*
 * status.h: the gateway's status document (schema mvgate/status/1): state,
 * version, uptime, every device's state with its last good poll, the
 * sample queue, the samples the engine refused (late or out of order),
 * the store and each publisher's outbox depth, age, drop counters (and how
 * many of the drops are unacknowledged) and parked (refused) entries, and
 * the store's state (ok, full, failing: docs/store.md "Full disk") with
 * the records waiting for it. The daemon writes it to the store (meta "status") and to the
 * MQTT outbox (retained `status`) every few seconds; `mvgate status` reads
 * it back. Building it is pure: the caller gathers the figures.
 */
#ifndef MVG_STATUS_H
#define MVG_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "influx_pub.h"
#include "mqtt_pub.h"
#include "outbox.h"
#include "poller.h"
#include "store.h"

#define MVG_SCHEMA_STATUS "mvgate/status/1"
#define MVG_STATUS_MAX_PUBLISHERS 2

typedef struct mvg_status_input {
    const mvg_config *cfg;
    const char *state;              /* "online", "stopping" */
    int64_t now_ms, started_ms;     /* realtime */
    const mvg_device_status *devices; /* cfg->ndevices entries */
    uint64_t queue_depth, queue_dropped;
    uint64_t engine_rejected;       /* mvg_runner_rejected() */
    const mvg_store_status *store;  /* may be NULL */
    /* the store's state (mvg_pipeline_store_state): "ok", "full", "failing" */
    const char *store_state;        /* NULL: not known (left out) */
    const char *store_why;
    int64_t store_since_ms;         /* realtime; 0 when ok */
    uint64_t records_waiting;
    int engine_held;
    mvg_store_room room;
    size_t npublishers;
    const char *publisher[MVG_STATUS_MAX_PUBLISHERS];
    mvg_outbox_stats outbox[MVG_STATUS_MAX_PUBLISHERS];
    int has_mqtt, has_influx;       /* the publishers' own figures follow when set */
    mvg_mqtt_stats mqtt;
    mvg_influx_stats influx;
} mvg_status_input;

/* malloc'd JSON text, or NULL when out of memory. */
char *mvg_status_json(const mvg_status_input *in);

#endif
