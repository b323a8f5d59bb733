/*
 * mqtt_topics.h: where each document mvgate publishes goes on MQTT: its
 * entry topic (below <prefix>/<gateway>/), whether the broker retains it,
 * and its outbox class (which decides what an over-full outbox drops
 * first). The table is in docs/mqtt.md ("Topics and payloads"). The
 * chained records (interval, model, key, newchain, definition) are the ones `mvgate verify
 * --mqtt-capture` reads back by their topic (mvg_mqtt_topics_parse, the
 * reverse of the routes). Key records are retained each on its own topic,
 * key/<project>/<chain>, so that the broker keeps the whole key history for
 * a subscriber that joins late. The head record (not chained) is retained
 * on head/<project>: its newest head. Pure.
 */
#ifndef MVG_MQTT_TOPICS_H
#define MVG_MQTT_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "outbox.h"

typedef enum {
    MVG_MQTT_TELEMETRY, /* telemetry/<device>: one poll */
    MVG_MQTT_INTERVAL,  /* interval/<project>: an interval record */
    MVG_MQTT_TOTALS,    /* totals/<project>: running totals, retained */
    MVG_MQTT_MODEL,     /* model/<project>: the frozen baseline models, retained */
    MVG_MQTT_KEY,       /* key/<project>/<chain>: a key rotation, retained */
    MVG_MQTT_NEWCHAIN,  /* newchain/<project>: a chain begun again after a lost store */
    MVG_MQTT_DEFINITION,/* definition/<project>: the project definition in force, retained */
    MVG_MQTT_IDENTITY,  /* identity: the public key, retained */
    MVG_MQTT_STATUS,    /* status: the status document (and the publisher's birth and will) */
    MVG_MQTT_HEAD,      /* head/<project>: the signed head of the project's chain, retained */
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

/* The route of a chained record at chain position chain: the same as
 * mvg_mqtt_topics_route but for the documents numbered by their chain
 * (key records), whose topic ends in /<chain>. */
mvg_mqtt_route mvg_mqtt_topics_route_chained(mvg_mqtt_doc doc, const char *name, int64_t chain);

/* A topic read back. */
typedef struct {
    mvg_mqtt_doc doc;
    char name[MVG_NAME_MAX + 1];     /* the device or project */
    int64_t chain;                   /* a numbered document's chain, else 0 */
    char gateway[MVG_NAME_MAX + 1];  /* the level before the kind, "" when none */
} mvg_mqtt_topic;

/* Reads a full topic <prefix>/<gateway>/<entry topic> (topic[0..len)) back
 * into the document it routes: 0, or -1 when it is not the topic of a
 * named document (telemetry, interval, totals, model, key, newchain,
 * definition, head).
 * kind/<name>/<chain> is tried first, so a gateway named like a numbered
 * kind with numeric project names would read wrongly: a record's own
 * project and chain then disagree with the topic, which verify reports. */
int mvg_mqtt_topics_parse(const char *topic, size_t len, mvg_mqtt_topic *out);

/* 1 when doc is a chained record. */
int mvg_mqtt_topics_doc_chained(mvg_mqtt_doc doc);

/* 1 when kind, the topic level before the name ("interval" of
 * .../interval/<project>), is that of a chained record. */
int mvg_mqtt_topics_chained(const char *kind);

#endif
