/*
 * config_publish.h: the `store`, `mqtt` and `influx` sections of the
 * configuration: how the store keeps data and how the publishers reach the
 * dashboard. The config loader (config.c) calls mvg_config_publish_load()
 * with the parsed libconfig root; this module checks those sections (types,
 * ranges, unknown keys, files that must exist) and fills the plain struct.
 * Every key and default is documented in docs/config.md.
 */
#ifndef MVG_CONFIG_PUBLISH_H
#define MVG_CONFIG_PUBLISH_H

#include <libconfig.h>

#include "diag.h"

#define MVG_CFG_URL_MAX 256
#define MVG_CFG_FILE_MAX 512

typedef enum { MVG_TELEMETRY_EVERY, MVG_TELEMETRY_CHANGE, MVG_TELEMETRY_OFF } mvg_telemetry_mode;

typedef struct {
    int sync_full;              /* synchronous = "full" (default "normal") */
    int all_samples;            /* samples = "all" (default "engine": the points the engine uses) */
    long long retention_days;   /* raw samples kept; default 400 (a year of replay and more); 0 = no limit */
    long long samples_max_mb;   /* default 0 = no limit */
    long long outbox_max_entries; /* per publisher; default 2,000,000 */
    long long outbox_max_mb;    /* per publisher; default 1024 */
} mvg_store_cfg;

typedef struct {
    int enabled;                /* the section is present */
    char uri[MVG_CFG_URL_MAX];  /* tcp://host:1883, ssl://, mqtts://, ws:// */
    char client_id[128];        /* default "mvgate-<gateway id>" */
    char topic_prefix[128];     /* default "mvgate/v1" */
    int qos;                    /* 0..2, default 1 */
    int version;                /* "3.1.1" (default) or "5" (the numbers 3 and 5 work too) */
    int keepalive_s;            /* default 30 */
    char username[128];
    char password_file[MVG_CFG_FILE_MAX];
    char ca_file[MVG_CFG_FILE_MAX];
    char cert_file[MVG_CFG_FILE_MAX];
    char key_file[MVG_CFG_FILE_MAX];
    int verify_hostname;        /* default true */
    int inflight;               /* unacknowledged messages in flight; default 32 */
    mvg_telemetry_mode telemetry; /* default every poll */
    int telemetry_every;        /* with "every": one message per this many polls; default 1 */
    double deadband;            /* with "change": relative change that counts; default 0 (any) */
} mvg_mqtt_section;

typedef struct {
    int enabled;
    char url[MVG_CFG_URL_MAX];  /* http://127.0.0.1:8086 */
    int version;                /* 1 (default) or 2 */
    char db[64], rp[64];        /* v1 */
    char username[128];
    char password_file[MVG_CFG_FILE_MAX];
    char org[64], bucket[64];   /* v2 */
    char token_file[MVG_CFG_FILE_MAX];
    int gzip;                   /* default false */
    int batch_lines;            /* default 5000 */
    int timeout_ms;             /* default 10000 */
    int telemetry;              /* write samples too; default true */
} mvg_influx_section;

typedef struct mvg_publish_cfg {
    mvg_store_cfg store;
    mvg_mqtt_section mqtt;
    mvg_influx_section influx;
} mvg_publish_cfg;

/* Fills out (defaults for absent keys). gateway_id names the default MQTT
 * client id. Returns 0, or -1 after adding every problem to diags. */
int mvg_config_publish_load(const config_setting_t *root, const char *gateway_id,
                            mvg_diags *diags, mvg_publish_cfg *out);

#endif
