/*
 * mqtt_topics.c: the MQTT topic table (mqtt_topics.h).
 */
#include "mqtt_topics.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *kind; /* the topic, or its level before the name */
    int named;        /* kind/<name> */
    mvg_out_class cls;
    int retained;
    int chained;
} routes[] = {
    [MVG_MQTT_TELEMETRY] = {"telemetry", 1, MVG_OUT_TELEMETRY, 0, 0},
    [MVG_MQTT_INTERVAL] = {"interval", 1, MVG_OUT_INTERVAL, 0, 1},
    [MVG_MQTT_TOTALS] = {"totals", 1, MVG_OUT_TOTALS, 1, 0},
    [MVG_MQTT_MODEL] = {"model", 1, MVG_OUT_MODEL, 1, 1},
    /* a chained record: dropped last, with the interval records */
    [MVG_MQTT_KEY] = {"key", 1, MVG_OUT_INTERVAL, 0, 1},
    [MVG_MQTT_NEWCHAIN] = {"newchain", 1, MVG_OUT_INTERVAL, 0, 1},
    [MVG_MQTT_IDENTITY] = {"identity", 0, MVG_OUT_MODEL, 1, 0},
    [MVG_MQTT_STATUS] = {MVG_MQTT_TOPIC_STATUS, 0, MVG_OUT_STATUS, 1, 0},
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

int mvg_mqtt_topics_chained(const char *kind)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].chained && strcmp(kind, routes[i].kind) == 0)
            return 1;
    return 0;
}
