/*
 * publishers.h: the MQTT and InfluxDB publishers, and the HTTP endpoint,
 * as the daemon reaches them: through a table of functions in a module per
 * client, loaded only for a configured section: mvgate-mqtt.so
 * (paho-mqtt3a, no TLS), mvgate-mqtt-tls.so (paho-mqtt3as and OpenSSL, for
 * an ssl:// or mqtts:// broker), mvgate-influx.so (libevent's HTTP client,
 * for an http:// InfluxDB), mvgate-influx-tls.so (libcurl, and with it
 * OpenSSL, GnuTLS, Kerberos, LDAP and p11-kit, for https://) and
 * mvgate-http.so (libmicrohttpd,
 * for an `http` section: http_server.h). Each brings one to four MB of resident library pages
 * that a gateway without it should not carry (docs/performance.md). A
 * module, once loaded, stays loaded (paho keeps threads of its own).
 */
#ifndef MVG_PUBLISHERS_H
#define MVG_PUBLISHERS_H

#include <stddef.h>

#include "http_server.h"
#include "influx_pub.h"
#include "mqtt_pub.h"

#define MVG_PUBLISHERS_API_VERSION 6 /* 3: a module per client, the TLS files check; 4: http;
                                        5: the telemetry lane; 6: the influx section's ca_file,
                                        the InfluxDB module for https:// apart */

typedef struct {
    int version; /* MVG_PUBLISHERS_API_VERSION */
    mvg_mqtt_pub *(*mqtt_start)(const mvg_mqtt_cfg *cfg, const char *db_path,
                                struct mvg_lane *lane, char *err, size_t errlen);
    void (*mqtt_stop)(mvg_mqtt_pub *p);
    void (*mqtt_kick)(mvg_mqtt_pub *p);
    void (*mqtt_get_stats)(mvg_mqtt_pub *p, mvg_mqtt_stats *st);
    mvg_influx_pub *(*influx_start)(const mvg_influx_cfg *cfg, const char *db_path, char *err,
                                    size_t errlen);
    void (*influx_stop)(mvg_influx_pub *p);
    void (*influx_kick)(mvg_influx_pub *p);
    void (*influx_get_stats)(mvg_influx_pub *p, mvg_influx_stats *st);
    /* mvgate-mqtt-tls.so: tlsfiles.h's check, for the configuration loader
     * of a daemon that does not link libcrypto itself (config.h). */
    int (*tlsfiles_check)(const char *ca, const char *cert, const char *key, int *which, char *err,
                          size_t errlen);
    /* mvgate-http.so: http_server.h */
    mvg_http_server *(*http_start)(const mvg_http_cfg *cfg, char *err, size_t errlen);
    void (*http_offer)(mvg_http_server *srv, mvg_http_snap *snap);
    void (*http_stop)(mvg_http_server *srv);
} mvg_publishers_api;

/* The symbol each module exports: the table with its own client's entries
 * (the others NULL). */
#define MVG_PUBLISHERS_SYMBOL "mvg_publishers_api_v1"

typedef enum {
    MVG_PUBMOD_MQTT,
    MVG_PUBMOD_MQTT_TLS,
    MVG_PUBMOD_INFLUX,
    MVG_PUBMOD_INFLUX_TLS,
    MVG_PUBMOD_HTTP
} mvg_pubmod;

/* The module that serves an MQTT broker at uri: with TLS or without. */
mvg_pubmod mvg_publishers_mqtt_module(const char *uri);
/* The module that writes to the InfluxDB at url (http:// or https://). */
mvg_pubmod mvg_publishers_influx_module(const char *url);

/*
 * Loads a module (again: the same table): from the directory named by
 * MVG_PUBLISH_MODULE_DIR, else lib/mvgate/ beside the executable's bin/ (the
 * build tree), else the installed one. NULL with err naming what was tried.
 */
const mvg_publishers_api *mvg_publishers_load(mvg_pubmod which, char *err, size_t errlen);

#endif
