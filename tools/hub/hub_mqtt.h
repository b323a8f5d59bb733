/*
 * hub_mqtt.h: the hub's MQTT 5 subscriber session, over TCP or TLS
 * (OpenSSL, with the TLS files checked by tlsfiles.h). Our own small client
 * rather than paho.mqtt.c, for one reason: paho sends the PUBACK of a QoS 1
 * message before the application sees it (MQTTProtocol_handlePublishes:
 * "send puback before processing"), so a hub killed between receipt and
 * commit would lose a message the broker counts as delivered. Here the
 * caller acknowledges a message itself (mvg_hub_mqtt_ack) after its row is
 * committed and on the disk; a message not acknowledged stays in the
 * broker's session (clean start 0, a session expiry interval) and comes
 * again, DUP set, after a reconnect. One subscription, QoS 1, optionally shared
 * ($share/<group>/...). Not thread-safe: one thread owns a session.
 */
#ifndef MVG_HUB_MQTT_H
#define MVG_HUB_MQTT_H

#include <stddef.h>
#include <stdint.h>

#include "hub_config.h"

typedef struct mvg_hub_mqtt mvg_hub_mqtt;

typedef struct {
    const char *topic;          /* NUL-terminated */
    const char *payload;        /* exactly as received; not NUL-terminated */
    size_t len;
    int retained, qos, dup;
    uint16_t id;                /* packet id (QoS 1): what mvg_hub_mqtt_ack takes */
} mvg_hub_msg;

/* A session for cfg (nothing connected yet); NULL with err on a bad uri or
 * TLS files. */
mvg_hub_mqtt *mvg_hub_mqtt_new(const mvg_hub_mqtt_cfg *cfg, char *err, size_t errlen);
void mvg_hub_mqtt_free(mvg_hub_mqtt *m);

/* Connects (CONNECT clean start 0 with the session expiry), subscribes to
 * filter at QoS 1 and waits for both answers: 0, or -1 with err (the
 * broker's reason code named). *session_present: the broker still had our
 * session (what was queued for us comes now). */
int mvg_hub_mqtt_connect(mvg_hub_mqtt *m, const char *filter, int *session_present, char *err,
                         size_t errlen);

/* Waits up to timeout_ms for the next PUBLISH, keeping the connection
 * alive meanwhile: 1 with msg filled (valid until the next call), 0 when
 * none came, -1 when the connection is lost (err says why). */
int mvg_hub_mqtt_next(mvg_hub_mqtt *m, mvg_hub_msg *msg, int timeout_ms, char *err,
                      size_t errlen);

/* The PUBACK of packet id: 0, or -1 when the connection is lost. */
int mvg_hub_mqtt_ack(mvg_hub_mqtt *m, uint16_t id);

/* Publishes payload on topic, QoS 1 and retained (the hub's alerts): 0
 * handed to the connection, -1 not connected or lost. The broker's PUBACK
 * is not waited for: what matters is kept in the database and published
 * again by its owner (hub_alert.h) when this fails. */
int mvg_hub_mqtt_publish(mvg_hub_mqtt *m, const char *topic, const char *payload, size_t len);

/* A clean DISCONNECT (the broker keeps the session for its expiry) and the
 * socket closed; safe when not connected. */
void mvg_hub_mqtt_disconnect(mvg_hub_mqtt *m);

/* The subscription filter of cfg: [$share/<group>/]<prefix>/+/# */
void mvg_hub_mqtt_filter(const mvg_hub_mqtt_cfg *cfg, char *out, size_t len);

#endif
