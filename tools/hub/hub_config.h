/*
 * hub_config.h: hub.conf, the configuration of mvgate-hub, as plain values.
 * Read with the gateway's key-table machinery (config_table.h), so a key
 * is one row, its type, range and default are checked in one place and
 * every problem is reported as FILE:LINE. The file has top-level keys (the
 * hub's instance id, the register of enrolled gateways) and two groups:
 * mqtt (the broker and the persistent subscription) and db (where the
 * received messages are stored). Owns the tables and the rules between
 * their keys; the register itself is parsed by cli_enrol.h.
 */
#ifndef MVG_HUB_CONFIG_H
#define MVG_HUB_CONFIG_H

#include "config_publish.h"
#include "diag.h"

typedef enum { MVG_HUB_DB_SQLITE, MVG_HUB_DB_POSTGRESQL } mvg_hub_db_backend;

typedef struct {
    char uri[MVG_CFG_URL_MAX];      /* tcp://host:port, ssl:// or mqtts:// for TLS */
    char client_id[128];            /* default mvgate-hub-<id> */
    char topic_prefix[128];         /* the gateways' topic_prefix */
    char shared_group[64];          /* "": a plain subscription; else $share/<group>/... */
    long long session_expiry_s;     /* how long the broker keeps our session while we are away */
    int keepalive_s;
    int connect_timeout_s;
    char username[128];
    char password_file[MVG_CFG_FILE_MAX];
    char ca_file[MVG_CFG_FILE_MAX];
    char cert_file[MVG_CFG_FILE_MAX];
    char key_file[MVG_CFG_FILE_MAX];
    int verify_hostname;
} mvg_hub_mqtt_cfg;

typedef struct {
    mvg_hub_db_backend backend;
    char path[MVG_CFG_FILE_MAX];    /* sqlite: the database file */
    char conninfo[1024];            /* postgresql: a libpq connection string */
} mvg_hub_db_cfg;

typedef struct {
    char path[MVG_CFG_FILE_MAX];    /* the file read */
    char id[64];                    /* this hub instance: stored with every message it receives */
    char enrolled[MVG_CFG_FILE_MAX];/* the register of enrolled gateways (cli_enrol.h) */
    int verify_interval_ms;         /* the verification sweep's period */
    long long missing_grace_s;      /* absent positions before the missing alert */
    mvg_hub_mqtt_cfg mqtt;
    mvg_hub_db_cfg db;
} mvg_hub_cfg;

/* Reads and checks path into out: 0, or -1 with every problem in diags
 * ("FILE:LINE: ..."). */
int mvg_hub_config_load(const char *path, mvg_hub_cfg *out, mvg_diags *diags);

/* The key tables as docs/hub.md carries them. */
struct mvg_section;
extern const struct mvg_section mvg_hub_section, mvg_hub_mqtt_section, mvg_hub_db_section;

#endif
