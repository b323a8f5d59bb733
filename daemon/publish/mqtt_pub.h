/*
 * mqtt_pub.h: the MQTT publisher. It owns one thread, one paho MQTTAsync
 * client per broker connection and its own handle on the "mqtt" outbox of
 * the store database. It drains the outbox in id order to
 * <prefix>/<gateway>/<entry topic>, keeps a bounded window of unacknowledged
 * messages, and marks an entry delivered only after the broker acknowledged
 * it (QoS 1/2: PUBACK/PUBCOMP; QoS 0: written to the socket). On connection
 * loss every unacknowledged entry is fetched again and re-sent in id order,
 * so delivery is at least once, in order, with duplicates bounded by the
 * window; telemetry goes by memory while the outbox has nothing more to
 * send (telemetry_lane.h). It publishes a retained birth on <prefix>/<gateway>/status and
 * leaves a retained last will there. Details: docs/mqtt.md.
 */
#ifndef MVG_MQTT_PUB_H
#define MVG_MQTT_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "config_publish.h"

/* The publisher takes the mqtt section as the config loader checked it
 * (mvg_mqtt_cfg, config_publish.h): it checks nothing again. Programs that
 * build one without a file start from mvg_config_mqtt_defaults(). */

typedef struct {
    int connected;              /* 1 while a broker session is up */
    uint64_t delivered;         /* entries acknowledged by the broker and acked in the outbox */
    uint64_t sent;              /* publish calls, re-sends after a reconnect included */
    uint64_t rejected;          /* MQTT 5 PUBACK with a failure reason: acked, never re-sent */
    unsigned in_flight;         /* sent, not yet acknowledged */
    uint64_t connects;          /* successful connections */
    uint64_t reconnects;        /* successful connections after the first */
    uint64_t connect_failures;
    int64_t last_id;            /* the highest outbox id acknowledged */
    char last_error[320];       /* the problem while there is one; "" once delivery works again */
} mvg_mqtt_stats;

typedef struct mvg_mqtt_pub mvg_mqtt_pub;

/* Reads the password file, opens the outbox of db_path and starts the
 * publisher thread, which connects in the background (a broker that is down
 * is retried with backoff; it is not an error here). cfg is copied. lane
 * (or NULL): telemetry by memory while the outbox is drained
 * (telemetry_lane.h); it must outlive the publisher. NULL with err when a
 * file cannot be read or the outbox cannot be opened. */
struct mvg_lane;
mvg_mqtt_pub *mvg_mqtt_pub_start(const mvg_mqtt_cfg *cfg, const char *db_path,
                                 struct mvg_lane *lane, char *err, size_t errlen);

/* Publishes a retained "offline" status when connected, disconnects, joins
 * the thread and frees everything. Unacknowledged entries stay in the
 * outbox for the next start; the lane's are handed back to it (closed).
 * NULL is a no-op. */
void mvg_mqtt_pub_stop(mvg_mqtt_pub *p);

/* Wakes the publisher: new entries are in the outbox. Never blocks beyond
 * a short mutex hold; safe from any thread. */
void mvg_mqtt_pub_kick(mvg_mqtt_pub *p);

void mvg_mqtt_pub_get_stats(mvg_mqtt_pub *p, mvg_mqtt_stats *st);

#endif
