/*
 * config_publish.h: the `store`, `mqtt`, `influx` and `http` sections of
 * the configuration as plain values: how the store keeps data, how the
 * publishers reach the dashboard and where the metrics endpoint listens. The config loader (config.c) calls
 * mvg_config_publish_load() with the parsed libconfig root; config_publish.c
 * holds the three key tables and the rules between keys, and checks
 * everything here once. The publishers (mqtt_pub.h, influx_pub.h) take their
 * section's struct as it is: this header needs neither libconfig nor the
 * publishers' libraries, so the publisher module includes it without
 * linking the config library. docs/config.md's key tables come from the
 * tables (mvgate config-doc).
 */
#ifndef MVG_CONFIG_PUBLISH_H
#define MVG_CONFIG_PUBLISH_H

#include <string.h>

#include "diag.h"

#define MVG_CFG_URL_MAX 256
#define MVG_CFG_FILE_MAX 512
#define MVG_CFG_ID_MAX 64 /* a gateway id: MVG_NAME_MAX of device.h */

typedef enum { MVG_TELEMETRY_EVERY, MVG_TELEMETRY_CHANGE, MVG_TELEMETRY_OFF } mvg_telemetry_mode;

typedef struct {
    int sync_full;              /* synchronous = "full" (default "normal") */
    int all_samples;            /* samples = "all" (default "engine": the points the engine uses) */
    long long retention_days;   /* raw samples kept; 0 = no limit */
    long long samples_max_mb;   /* 0 = no limit */
    long long outbox_max_entries; /* per publisher */
    long long outbox_max_mb;    /* per publisher */
    double reserve_mb;          /* free space kept for records (docs/store.md "Full disk") */
} mvg_store_cfg;

/* The mqtt section, and what mvg_mqtt_pub_start takes. */
typedef struct {
    int enabled;                /* the section is present */
    char uri[MVG_CFG_URL_MAX];  /* tcp://, mqtt://, ssl://, mqtts://, ws://, wss:// */
    char client_id[128];        /* after loading never "": the default is mvgate-<gateway id> */
    char topic_prefix[128];
    int qos;
    int version;                /* 3 (MQTT 3.1.1) or 5 */
    int keepalive_s;
    char username[128];         /* "": none */
    char password_file[MVG_CFG_FILE_MAX];
    char ca_file[MVG_CFG_FILE_MAX];
    char cert_file[MVG_CFG_FILE_MAX];
    char key_file[MVG_CFG_FILE_MAX];
    int verify_hostname;
    int inflight;               /* window of unacknowledged messages */
    int refused_retry_s;        /* a refused (parked) entry is sent again after this; 0: not by time */
    mvg_telemetry_mode telemetry;
    int telemetry_every;
    double deadband;
    /* Not keys of the section: */
    char gateway_id[MVG_CFG_ID_MAX]; /* gateway.id, a level of every topic */
    /* The publisher's timing, 0 for its built-in values (tests shorten them). */
    int connect_timeout_s;      /* 0: 10 */
    int backoff_min_ms;         /* reconnect delay, doubled after each failure; 0: 500 */
    int backoff_max_ms;         /* ... up to this; 0: 30000 */
    int idle_poll_ms;           /* outbox poll period when idle and not kicked; 0: 100 */
} mvg_mqtt_cfg;

/* The influx section, and what mvg_influx_pub_start takes. */
typedef struct {
    int enabled;
    char url[MVG_CFG_URL_MAX];  /* http://127.0.0.1:8086 */
    int version;                /* 1 or 2 */
    char db[64], rp[64];        /* v1; rp "": the default */
    char username[128];         /* v1; "": no authentication */
    char password_file[MVG_CFG_FILE_MAX];
    char org[64], bucket[64];   /* v2 */
    char token_file[MVG_CFG_FILE_MAX];
    int gzip;
    int batch_lines;
    int timeout_ms;             /* whole request */
    int telemetry;              /* write samples too */
    char ca_file[MVG_CFG_FILE_MAX]; /* https://: the CA to verify the server; "": the system's */
    /* The writer's tuning, not keys: 0 for its built-in values. */
    size_t batch_bytes;         /* 0: 1 MiB (before compression) */
    int backoff_min_ms;         /* 0: 500 */
    int backoff_max_ms;         /* 0: 60000 */
    int poll_ms;                /* look at the outbox this often without a kick; 0: 1000 */
} mvg_influx_cfg;

/* The http section, and what the HTTP module's start takes (http.h): the
 * metrics and live page endpoint. Off without the section. */
#define MVG_CFG_LISTEN_MAX 64
typedef struct {
    int enabled;                /* the section is present and its `enabled` is true */
    char listen[MVG_CFG_LISTEN_MAX]; /* a numeric IPv4 or IPv6 address */
    int port;
} mvg_http_cfg;

typedef struct mvg_publish_cfg {
    mvg_store_cfg store;
    mvg_mqtt_cfg mqtt;
    mvg_influx_cfg influx;
    mvg_http_cfg http;
} mvg_publish_cfg;

struct config_setting_t;
struct mvg_config_opts;

/* Fills out (defaults for absent keys) and checks it. gateway_id names the
 * default MQTT client id. main_file and include_dir are the loader's (see
 * mvg_cfgr in config_read.h), so that a setting of an @included file is
 * named, and read again, from the working directory; opts (may be NULL) the
 * loader's options (its TLS files check). Returns 0, or -1 after adding
 * every problem to diags. */
int mvg_config_publish_load(const struct config_setting_t *root, const char *gateway_id,
                            const char *main_file, const char *include_dir,
                            const struct mvg_config_opts *opts, mvg_diags *diags,
                            mvg_publish_cfg *out);

/* The broker connection rules every MQTT client of ours shares (the
 * gateway's publisher, the hub's subscriber, tools/hub): the uri has a
 * scheme and a host (uri_read: it was read, so a bad one is reported),
 * ca_file/cert_file/key_file only with a TLS uri, a certificate with its
 * key, and the files that could be read (files[], NULL for one that was
 * not given or not readable; values[] the fields as read) parse and belong
 * together, checked by r's tls_check hook (config.h). g is the section's
 * group, ctx its name in the messages. Adds every problem to r. */
struct mvg_cfgr_s;
void mvg_config_mqtt_check_conn(struct mvg_cfgr_s *r, const struct config_setting_t *g,
                                const char *ctx, const char *uri, int uri_read,
                                const char *const values[3], const char *const files[3]);

/* A section with its table's defaults, as an absent key gets it (for the
 * programs that build a section without a file: tests, benches). */
void mvg_config_mqtt_defaults(mvg_mqtt_cfg *c, const char *gateway_id);
void mvg_config_influx_defaults(mvg_influx_cfg *c);

/* The one rule of which MQTT uri schemes are TLS: the checks and the
 * publisher both ask here. */
static inline int mvg_mqtt_uri_is_tls(const char *uri)
{
    return strncmp(uri, "ssl://", 6) == 0 || strncmp(uri, "mqtts://", 8) == 0 ||
           strncmp(uri, "wss://", 6) == 0;
}

/* The same for the influx section's url: https:// (the loader's check,
 * ca_file's rule, the choice of the InfluxDB module). */
static inline int mvg_influx_url_is_tls(const char *url)
{
    return strncmp(url, "https://", 8) == 0;
}

#endif
