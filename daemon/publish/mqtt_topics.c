/*
 * mqtt_topics.c: the MQTT topic table (mqtt_topics.h).
 */
#include "mqtt_topics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *kind; /* the topic, or its level before the name */
    int named;        /* kind/<name> */
    mvg_out_class cls;
    int retained;
    int chained;
    int numbered;     /* kind/<name>/<chain>: one retained topic per record */
} routes[] = {
    [MVG_MQTT_TELEMETRY] = {"telemetry", 1, MVG_OUT_TELEMETRY, 0, 0, 0},
    [MVG_MQTT_INTERVAL] = {"interval", 1, MVG_OUT_INTERVAL, 0, 1, 0},
    [MVG_MQTT_TOTALS] = {"totals", 1, MVG_OUT_TOTALS, 1, 0, 0},
    [MVG_MQTT_MODEL] = {"model", 1, MVG_OUT_MODEL, 1, 1, 0},
    /* a chained record: dropped last, with the interval records */
    /* every key record retained on its own topic: the key history a
     * subscriber that joins late verifies the retained state with */
    [MVG_MQTT_KEY] = {"key", 1, MVG_OUT_INTERVAL, 1, 1, 1},
    [MVG_MQTT_NEWCHAIN] = {"newchain", 1, MVG_OUT_INTERVAL, 0, 1, 0},
    /* retained: a subscriber that joins late has the definition in force */
    [MVG_MQTT_DEFINITION] = {"definition", 1, MVG_OUT_INTERVAL, 1, 1, 0},
    [MVG_MQTT_IDENTITY] = {"identity", 0, MVG_OUT_MODEL, 1, 0, 0},
    [MVG_MQTT_STATUS] = {MVG_MQTT_TOPIC_STATUS, 0, MVG_OUT_STATUS, 1, 0, 0},
    /* not chained, but a record: dropped last; the newest one retained */
    [MVG_MQTT_HEAD] = {"head", 1, MVG_OUT_INTERVAL, 1, 0, 0},
};

mvg_mqtt_route mvg_mqtt_topics_route(mvg_mqtt_doc doc, const char *name)
{
    mvg_mqtt_route r = {.cls = MVG_OUT_TELEMETRY};
    if ((size_t)doc >= sizeof routes / sizeof routes[0])
        return r;
    r.cls = routes[doc].cls;
    r.retained = routes[doc].retained;
    if (routes[doc].named)
        snprintf(r.topic, sizeof r.topic, "%s/%s", routes[doc].kind, name);
    else
        snprintf(r.topic, sizeof r.topic, "%s", routes[doc].kind);
    return r;
}

mvg_mqtt_route mvg_mqtt_topics_route_chained(mvg_mqtt_doc doc, const char *name, int64_t chain)
{
    mvg_mqtt_route r = mvg_mqtt_topics_route(doc, name);
    if ((size_t)doc < sizeof routes / sizeof routes[0] && routes[doc].numbered) {
        size_t n = strlen(r.topic);
        snprintf(r.topic + n, sizeof r.topic - n, "/%lld", (long long)chain);
    }
    return r;
}

/* The start of the level of topic that ends at e. */
static const char *level_before(const char *topic, const char *e)
{
    const char *b = e;
    while (b > topic && b[-1] != '/')
        b--;
    return b;
}

/* The named document whose kind is [b, e) (numbered_only: of the numbered
 * ones), or -1. */
static int doc_of(const char *b, const char *e, int numbered_only)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].named && (routes[i].numbered || !numbered_only) &&
            strlen(routes[i].kind) == (size_t)(e - b) && memcmp(routes[i].kind, b, (size_t)(e - b)) == 0)
            return (int)i;
    return -1;
}

static void copy_level(char *out, size_t cap, const char *b, const char *e)
{
    size_t n = (size_t)(e - b) < cap - 1 ? (size_t)(e - b) : cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

int mvg_mqtt_topics_parse(const char *topic, size_t len, mvg_mqtt_topic *out)
{
    memset(out, 0, sizeof *out);
    const char *end = topic + len;
    /* kind/<name>/<chain> first: its last level is a number */
    const char *last = level_before(topic, end);
    char *stop = NULL;
    long long chain = last < end && *last >= '1' && *last <= '9' ? strtoll(last, &stop, 10) : 0;
    if (chain > 0 && stop == end && last - topic >= 4) {
        const char *name = level_before(topic, last - 1);
        const char *kind = name - 1 > topic ? level_before(topic, name - 1) : NULL;
        int d = kind ? doc_of(kind, name - 1, 1) : -1;
        if (d >= 0 && name < last - 1) {
            out->doc = (mvg_mqtt_doc)d;
            out->chain = chain;
            copy_level(out->name, sizeof out->name, name, last - 1);
            if (kind > topic)
                copy_level(out->gateway, sizeof out->gateway, level_before(topic, kind - 1),
                           kind - 1);
            return 0;
        }
    }
    if (last == topic || last == end)
        return -1;
    const char *kind = level_before(topic, last - 1);
    int d = doc_of(kind, last - 1, 0);
    if (d < 0 || kind == last - 1)
        return -1;
    out->doc = (mvg_mqtt_doc)d;
    copy_level(out->name, sizeof out->name, last, end);
    if (kind > topic)
        copy_level(out->gateway, sizeof out->gateway, level_before(topic, kind - 1), kind - 1);
    return 0;
}

int mvg_mqtt_topics_chained(const char *kind)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].chained && strcmp(kind, routes[i].kind) == 0)
            return 1;
    return 0;
}

int mvg_mqtt_topics_doc_chained(mvg_mqtt_doc doc)
{
    return (size_t)doc < sizeof routes / sizeof routes[0] && routes[doc].chained;
}
