/*
 * config_publish.c: the store, mqtt and influx sections (config_publish.h).
 */
#include "config_publish.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_read.h"

static void defaults(mvg_publish_cfg *o, const char *gateway_id)
{
    memset(o, 0, sizeof *o);
    o->store.retention_days = 400;
    o->store.outbox_max_entries = 2000000;
    o->store.outbox_max_mb = 1024;
    snprintf(o->mqtt.client_id, sizeof o->mqtt.client_id, "mvgate-%s", gateway_id);
    snprintf(o->mqtt.topic_prefix, sizeof o->mqtt.topic_prefix, "mvgate/v1");
    o->mqtt.qos = 1;
    o->mqtt.version = 3;
    o->mqtt.keepalive_s = 30;
    o->mqtt.verify_hostname = 1;
    o->mqtt.inflight = 32;
    o->mqtt.telemetry_every = 1;
    o->influx.version = 1;
    o->influx.batch_lines = 5000;
    o->influx.timeout_ms = 10000;
    o->influx.telemetry = 1;
}

/* A file the daemon will read (secret, certificate): it must be readable
 * now, or the daemon would only find out when it first connects. */
static void readable(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                     const char *path)
{
    if (path[0] && access(path, R_OK) != 0)
        mvg_cfgr_fail(r, config_setting_get_member(g, key), "%s: '%s' file %s cannot be read",
                      ctx, key, path);
}

static void load_store(mvg_cfgr *r, const config_setting_t *g, mvg_store_cfg *o)
{
    static const char *const keys[] = {"synchronous", "samples", "retention_days",
                                       "samples_max_mb", "outbox_max_entries", "outbox_max_mb",
                                       NULL};
    static const char *const sync[] = {"normal", "full", NULL};
    static const char *const samples[] = {"engine", "all", NULL};
    mvg_cfgr_keys(r, g, keys, "store");
    mvg_cfgr_choice(r, g, "synchronous", "store", sync, &o->sync_full);
    mvg_cfgr_choice(r, g, "samples", "store", samples, &o->all_samples);
    mvg_cfgr_int(r, g, "retention_days", "store", 0, 36500, &o->retention_days);
    mvg_cfgr_int(r, g, "samples_max_mb", "store", 0, 1000000, &o->samples_max_mb);
    mvg_cfgr_int(r, g, "outbox_max_entries", "store", 0, 1000000000LL, &o->outbox_max_entries);
    mvg_cfgr_int(r, g, "outbox_max_mb", "store", 0, 1000000, &o->outbox_max_mb);
}

static void load_mqtt(mvg_cfgr *r, const config_setting_t *g, mvg_mqtt_section *o)
{
    static const char *const keys[] = {
        "uri",      "client_id", "topic_prefix",    "qos",      "version",   "keepalive_s",
        "username", "password_file", "ca_file",     "cert_file", "key_file", "verify_hostname",
        "inflight", "telemetry", "telemetry_every", "deadband", NULL};
    static const char *const versions[] = {"3.1.1", "5", NULL};
    static const char *const modes[] = {"every", "change", "off", NULL};
    const char *ctx = "mqtt";
    long long v;
    int i;
    o->enabled = 1;
    mvg_cfgr_keys(r, g, keys, ctx);
    if (mvg_cfgr_string(r, g, "uri", ctx, o->uri, sizeof o->uri) == 0)
        mvg_cfgr_fail(r, g, "mqtt: 'uri' is missing (e.g. \"tcp://127.0.0.1:1883\")");
    else if (o->uri[0] && !strstr(o->uri, "://"))
        mvg_cfgr_fail(r, config_setting_get_member(g, "uri"),
                      "mqtt: 'uri' \"%s\" needs a scheme: tcp://, ssl://, mqtts://, ws:// or wss://",
                      o->uri);
    mvg_cfgr_string(r, g, "client_id", ctx, o->client_id, sizeof o->client_id);
    mvg_cfgr_string(r, g, "topic_prefix", ctx, o->topic_prefix, sizeof o->topic_prefix);
    if (strpbrk(o->topic_prefix, "#+") || !o->topic_prefix[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "topic_prefix"),
                      "mqtt: 'topic_prefix' must be non-empty without '#' or '+'");
    if (mvg_cfgr_int(r, g, "qos", ctx, 0, 2, &v) > 0)
        o->qos = (int)v;
    /* "3.1.1" or "5"; the number 5 (or 3, 4 for 3.1.1) is taken too */
    const config_setting_t *vs = config_setting_get_member(g, "version");
    if (vs && config_setting_type(vs) != CONFIG_TYPE_STRING) {
        if (mvg_cfgr_int(r, g, "version", ctx, 3, 5, &v) > 0)
            o->version = v == 5 ? 5 : 3;
    } else if (mvg_cfgr_choice(r, g, "version", ctx, versions, &i) > 0) {
        o->version = i == 0 ? 3 : 5;
    }
    if (mvg_cfgr_int(r, g, "keepalive_s", ctx, 5, 3600, &v) > 0)
        o->keepalive_s = (int)v;
    mvg_cfgr_string(r, g, "username", ctx, o->username, sizeof o->username);
    mvg_cfgr_string(r, g, "password_file", ctx, o->password_file, sizeof o->password_file);
    mvg_cfgr_string(r, g, "ca_file", ctx, o->ca_file, sizeof o->ca_file);
    mvg_cfgr_string(r, g, "cert_file", ctx, o->cert_file, sizeof o->cert_file);
    mvg_cfgr_string(r, g, "key_file", ctx, o->key_file, sizeof o->key_file);
    mvg_cfgr_bool(r, g, "verify_hostname", ctx, &o->verify_hostname);
    if (mvg_cfgr_int(r, g, "inflight", ctx, 1, 65535, &v) > 0)
        o->inflight = (int)v;
    if (mvg_cfgr_choice(r, g, "telemetry", ctx, modes, &i) > 0)
        o->telemetry = (mvg_telemetry_mode)i;
    if (mvg_cfgr_int(r, g, "telemetry_every", ctx, 1, 1000000, &v) > 0)
        o->telemetry_every = (int)v;
    mvg_cfgr_number(r, g, "deadband", ctx, 0, 1e9, &o->deadband);
    if (o->password_file[0] && !o->username[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "password_file"),
                      "mqtt: 'password_file' without 'username'");
    if (!o->cert_file[0] != !o->key_file[0])
        mvg_cfgr_fail(r, g, "mqtt: a client certificate needs both 'cert_file' and 'key_file'");
    readable(r, g, "password_file", ctx, o->password_file);
    readable(r, g, "ca_file", ctx, o->ca_file);
    readable(r, g, "cert_file", ctx, o->cert_file);
    readable(r, g, "key_file", ctx, o->key_file);
}

static void load_influx(mvg_cfgr *r, const config_setting_t *g, mvg_influx_section *o)
{
    static const char *const keys[] = {"url",        "version",       "db",     "rp",
                                       "username",   "password_file", "org",    "bucket",
                                       "token_file", "gzip",          "batch_lines", "timeout_ms",
                                       "telemetry",  NULL};
    const char *ctx = "influx";
    long long v;
    o->enabled = 1;
    mvg_cfgr_keys(r, g, keys, ctx);
    if (mvg_cfgr_string(r, g, "url", ctx, o->url, sizeof o->url) == 0)
        mvg_cfgr_fail(r, g, "influx: 'url' is missing (e.g. \"http://127.0.0.1:8086\")");
    else if (o->url[0] && strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
        mvg_cfgr_fail(r, config_setting_get_member(g, "url"),
                      "influx: 'url' \"%s\" must start with http:// or https://", o->url);
    if (mvg_cfgr_int(r, g, "version", ctx, 1, 2, &v) > 0)
        o->version = (int)v;
    mvg_cfgr_string(r, g, "db", ctx, o->db, sizeof o->db);
    mvg_cfgr_string(r, g, "rp", ctx, o->rp, sizeof o->rp);
    mvg_cfgr_string(r, g, "username", ctx, o->username, sizeof o->username);
    mvg_cfgr_string(r, g, "password_file", ctx, o->password_file, sizeof o->password_file);
    mvg_cfgr_string(r, g, "org", ctx, o->org, sizeof o->org);
    mvg_cfgr_string(r, g, "bucket", ctx, o->bucket, sizeof o->bucket);
    mvg_cfgr_string(r, g, "token_file", ctx, o->token_file, sizeof o->token_file);
    mvg_cfgr_bool(r, g, "gzip", ctx, &o->gzip);
    if (mvg_cfgr_int(r, g, "batch_lines", ctx, 1, 1000000, &v) > 0)
        o->batch_lines = (int)v;
    if (mvg_cfgr_int(r, g, "timeout_ms", ctx, 100, 600000, &v) > 0)
        o->timeout_ms = (int)v;
    mvg_cfgr_bool(r, g, "telemetry", ctx, &o->telemetry);
    if (o->version == 1 && !o->db[0])
        mvg_cfgr_fail(r, g, "influx: version 1 needs 'db'");
    if (o->version == 2 && (!o->org[0] || !o->bucket[0] || !o->token_file[0]))
        mvg_cfgr_fail(r, g, "influx: version 2 needs 'org', 'bucket' and 'token_file'");
    readable(r, g, "password_file", ctx, o->password_file);
    readable(r, g, "token_file", ctx, o->token_file);
}

int mvg_config_publish_load(const config_setting_t *root, const char *gateway_id,
                            mvg_diags *diags, mvg_publish_cfg *out)
{
    mvg_cfgr r = {.diags = diags};
    defaults(out, gateway_id);
    static const char *const sections[] = {"store", "mqtt", "influx"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const config_setting_t *g = config_setting_get_member(root, sections[i]);
        if (!g)
            continue;
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            mvg_cfgr_fail(&r, g, "'%s' must be a group: %s = { ... };", sections[i], sections[i]);
            continue;
        }
        if (i == 0)
            load_store(&r, g, &out->store);
        else if (i == 1)
            load_mqtt(&r, g, &out->mqtt);
        else
            load_influx(&r, g, &out->influx);
    }
    return r.errors ? -1 : 0;
}
