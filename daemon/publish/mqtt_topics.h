/*
 * mqtt_topics.h: where each document mvgate publishes goes on MQTT: its
 * entry topic (below <prefix>/<gateway>/), whether the broker retains it,
 * and its outbox class (which decides what an over-full outbox drops
 * first). The table is in docs/mqtt.md ("Topics and payloads"). The
 * chained records (interval, model, key, newchain) are the ones `mvgate verify
 * --mqtt-capture` reads back by their topic. Pure.
 */
#ifndef MVG_MQTT_TOPICS_H
#define MVG_MQTT_TOPICS_H

#include "device.h"
#include "outbox.h"

typedef enum {
    MVG_MQTT_TELEMETRY, /* telemetry/<device>: one poll */
    MVG_MQTT_INTERVAL,  /* interval/<project>: an interval record */
    MVG_MQTT_TOTALS,    /* totals/<project>: running totals, retained */
    MVG_MQTT_MODEL,     /* model/<project>: the frozen baseline models, retained */
    MVG_MQTT_KEY,       /* key/<project>: a key rotation */
    MVG_MQTT_NEWCHAIN,  /* newchain/<project>: a chain begun again after a lost store */
    MVG_MQTT_IDENTITY,  /* identity: the public key, retained */
    MVG_MQTT_STATUS,    /* status: the status document (and the publisher's birth and will) */
} mvg_mqtt_doc;

/* The status topic, which the publisher also uses for its birth and will. */
#define MVG_MQTT_TOPIC_STATUS "status"

typedef struct {
    char topic[MVG_NAME_MAX + 16];
    mvg_out_class cls;
    int retained;
} mvg_mqtt_route;

/* The route of a document of kind doc about name (its device or project;
 * unused for identity and status). */
mvg_mqtt_route mvg_mqtt_topics_route(mvg_mqtt_doc doc, const char *name);

/* 1 when kind, the topic level before the name ("interval" of
 * .../interval/<project>), is that of a chained record. */
int mvg_mqtt_topics_chained(const char *kind);

#endif
