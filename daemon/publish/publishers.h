/*
 * publishers.h: the MQTT and InfluxDB publishers as the daemon reaches
 * them: through a table of functions in a module (mvgate-publish.so) that
 * is loaded only when the configuration has an mqtt or influx section.
 * The publishers bring libcurl and paho.mqtt.c, and with them OpenSSL,
 * GnuTLS, Kerberos and p11-kit: about 5 MB of resident library pages that a
 * gateway without them should not carry. The library, once loaded, stays
 * loaded (paho keeps threads of its own).
 */
#ifndef MVG_PUBLISHERS_H
#define MVG_PUBLISHERS_H

#include <stddef.h>

#include "influx_pub.h"
#include "mqtt_pub.h"

#define MVG_PUBLISHERS_API_VERSION 2 /* 2: the publishers take the config sections */

typedef struct {
    int version; /* MVG_PUBLISHERS_API_VERSION */
    mvg_mqtt_pub *(*mqtt_start)(const mvg_mqtt_cfg *cfg, const char *db_path, char *err,
                                size_t errlen);
    void (*mqtt_stop)(mvg_mqtt_pub *p);
    void (*mqtt_kick)(mvg_mqtt_pub *p);
    void (*mqtt_get_stats)(mvg_mqtt_pub *p, mvg_mqtt_stats *st);
    mvg_influx_pub *(*influx_start)(const mvg_influx_cfg *cfg, const char *db_path, char *err,
                                    size_t errlen);
    void (*influx_stop)(mvg_influx_pub *p);
    void (*influx_kick)(mvg_influx_pub *p);
    void (*influx_get_stats)(mvg_influx_pub *p, mvg_influx_stats *st);
} mvg_publishers_api;

/* The symbol the module exports. */
#define MVG_PUBLISHERS_SYMBOL "mvg_publishers_api_v1"

/*
 * Loads the module (again: the same table): the file
 * named by MVG_PUBLISH_MODULE, else lib/mvgate/mvgate-publish.so beside
 * the executable's bin/ (the build tree), else the installed one. NULL
 * with err naming what was tried.
 */
const mvg_publishers_api *mvg_publishers_load(char *err, size_t errlen);

#endif
