/*
 * config_publish.c: the store, mqtt, influx and http sections
 * (config_publish.h):
 * one key table each, and next to it the one function with the rules
 * between its keys.
 */
#include "config_publish.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_table.h"
#include "tlsfiles.h"

/* ---- store ------------------------------------------------------------- */

static const char *const sync_modes[] = {"normal", "full", NULL};
static const char *const sample_sets[] = {"engine", "all", NULL};

static const mvg_key store_keys[] = {
    {"synchronous", MVG_KEY_CHOICE, 0, MVG_FIELD(mvg_store_cfg, sync_full), .choices = sync_modes,
     .def = "normal",
     .doc = "SQLite `PRAGMA synchronous` of the WAL-mode store: with `normal` a power cut may "
            "lose the last commits (never the database's consistency); `full` syncs every "
            "commit, at the cost of more writes to the flash"},
    {"samples", MVG_KEY_CHOICE, 0, MVG_FIELD(mvg_store_cfg, all_samples), .choices = sample_sets,
     .def = "engine",
     .doc = "which raw samples are stored: only the points the projects and derived channels "
            "use, or every point"},
    {"retention_days", MVG_KEY_INT, 0, MVG_FIELD(mvg_store_cfg, retention_days), .lo = 0,
     .hi = 36500, .def = "400", .doc = "raw samples older than this are deleted (0: kept forever)"},
    {"samples_max_mb", MVG_KEY_INT, 0, MVG_FIELD(mvg_store_cfg, samples_max_mb), .lo = 0,
     .hi = 1000000, .def = "0",
     .doc = "bound on the raw samples' size, oldest deleted first (0: none)"},
    {"outbox_max_entries", MVG_KEY_INT, 0, MVG_FIELD(mvg_store_cfg, outbox_max_entries), .lo = 0,
     .hi = 1000000000LL, .def = "2000000",
     .doc = "per publisher (mqtt, influx): undelivered messages kept while the broker or "
            "database is unreachable; beyond it the lowest class and then the oldest are "
            "dropped and counted (0: no bound)"},
    {"outbox_max_mb", MVG_KEY_INT, 0, MVG_FIELD(mvg_store_cfg, outbox_max_mb), .lo = 0,
     .hi = 1000000, .def = "1024", .doc = "the same bound in MB (0: none)"},
    {"reserve_mb", MVG_KEY_NUMBER, 0, MVG_FIELD(mvg_store_cfg, reserve_mb), .min = 0,
     .max = 1000000, .def = "16",
     .doc = "free space kept for records on data_dir's filesystem: below it raw samples and "
            "telemetry are not stored (counted, `mvgate status` says \"store full\") while "
            "interval, model and key records still are; it also sizes SQLite's WAL (a quarter "
            "of it, at most 1000 pages). docs/store.md \"Full disk\""},
};
const mvg_section mvg_config_store_section = {"store", MVG_KEYS(store_keys)};

/* ---- mqtt -------------------------------------------------------------- */

static const char *const mqtt_versions[] = {"3.1.1", "5", NULL};
static const int mqtt_version_values[] = {3, 5};
static const char *const telemetry_modes[] = {"every", "change", "off", NULL};
#define MQ(f) MVG_FIELD(mvg_mqtt_cfg, f)

static const mvg_key mqtt_keys[] = {
    {"uri", MVG_KEY_STRING, MVG_KEY_REQUIRED, MQ(uri), .hint = "e.g. \"tcp://127.0.0.1:1883\"",
     .allowed = "`tcp://`, `mqtt://`, `ssl://`, `mqtts://`, `ws://`, `wss://` and a host; < 256 "
                "characters",
     .doc = "the broker, e.g. `\"tcp://127.0.0.1:1883\"`"},
    {"client_id", MVG_KEY_STRING, 0, MQ(client_id), .def_doc = "`\"mvgate-<gateway id>\"`",
     .doc = "MQTT client id (must be unique on the broker)"},
    {"topic_prefix", MVG_KEY_STRING, 0, MQ(topic_prefix), .def = "mvgate/v1",
     .allowed = "non-empty, no `#` or `+`, < 128 characters", .doc = "first levels of every topic"},
    {"qos", MVG_KEY_INT, 0, MQ(qos), .lo = 0, .hi = 2, .def = "1",
     .doc = "QoS of published messages"},
    {"version", MVG_KEY_CHOICE, MVG_KEY_INT_TOO, MQ(version), .lo = 3, .hi = 5,
     .choices = mqtt_versions, .values = mqtt_version_values, .def = "5",
     .allowed = "`\"3.1.1\"`, `\"5\"` (or the protocol levels `3` or `4`: 3.1.1, `5`)",
     .doc = "protocol version; only MQTT 5 lets the broker say that it refused a publish (an "
            "ACL-denied publish is acknowledged as delivered under 3.1.1, docs/mqtt.md)"},
    {"keepalive_s", MVG_KEY_INT, 0, MQ(keepalive_s), .lo = 5, .hi = 3600, .def = "30",
     .doc = "keep-alive interval"},
    {"username", MVG_KEY_STRING, 0, MQ(username), .doc = ""},
    {"password_file", MVG_KEY_STRING, MVG_KEY_READABLE | MVG_KEY_SECRET, MQ(password_file),
     .allowed = "secret file; needs `username`",
     .doc = "file holding the password (kept out of the config)"},
    {"ca_file", MVG_KEY_STRING, MVG_KEY_READABLE, MQ(ca_file),
     .allowed = "readable PEM file of one or more certificates; a TLS `uri` (`ssl://`, "
                "`mqtts://`, `wss://`)",
     .doc = "CA certificate(s) to verify the broker (TLS)"},
    {"cert_file", MVG_KEY_STRING, MVG_KEY_READABLE, MQ(cert_file),
     .allowed = "readable PEM certificate (a chain: ours first); with `key_file`; a TLS `uri`",
     .doc = "client certificate (TLS client authentication)"},
    {"key_file", MVG_KEY_STRING, MVG_KEY_READABLE, MQ(key_file),
     .allowed = "readable unencrypted PEM key, the one of `cert_file`'s certificate; a TLS "
                "`uri`",
     .doc = "its key (PEM, unencrypted)"},
    {"verify_hostname", MVG_KEY_BOOL, 0, MQ(verify_hostname), .def = "true",
     .doc = "check the broker certificate's host name"},
    {"inflight", MVG_KEY_INT, 0, MQ(inflight), .lo = 1, .hi = 65535, .def = "32",
     .doc = "unacknowledged messages in flight"},
    {"refused_retry_s", MVG_KEY_INT, 0, MQ(refused_retry_s), .lo = 0, .hi = 604800, .def = "600",
     .doc = "MQTT 5: a publish the broker refused (PUBACK reason code >= 0x80, e.g. 0x87 not "
            "authorized) stays in the outbox, parked, and is sent again after this time, at every "
            "start and reload, and on `mvgate outbox resend` (0: not by time)"},
    {"telemetry", MVG_KEY_CHOICE, 0, MQ(telemetry), .choices = telemetry_modes, .def = "every",
     .doc = "raw telemetry: every poll (see `telemetry_every`), only points that changed, or none "
            "(interval and project results are published in every mode)"},
    {"telemetry_every", MVG_KEY_INT, 0, MQ(telemetry_every), .lo = 1, .hi = 1000000, .def = "1",
     .doc = "with `every`: one message per this many polls of a device"},
    {"deadband", MVG_KEY_NUMBER, 0, MQ(deadband), .min = 0, .max = 1e9, .def = "0",
     .doc = "with `change`: a point is sent when its quality changed or its good value moved by "
            "more than `deadband × abs(last sent value)` (0: any change)"},
};
const mvg_section mvg_config_mqtt_section = {"mqtt", MVG_KEYS(mqtt_keys)};

static const char *const mqtt_schemes[] = {"tcp://", "mqtt://", "ssl://", "mqtts://", "ws://",
                                           "wss://"};

/* client_id absent or "" */
static void default_client_id(mvg_mqtt_cfg *c)
{
    snprintf(c->client_id, sizeof c->client_id, "mvgate-%s", c->gateway_id);
}

void mvg_config_mqtt_defaults(mvg_mqtt_cfg *c, const char *gateway_id)
{
    memset(c, 0, sizeof *c);
    mvg_section_defaults(&mvg_config_mqtt_section, c);
    snprintf(c->gateway_id, sizeof c->gateway_id, "%s", gateway_id);
    default_client_id(c);
}

/* The TLS files that could be read parse and belong together
 * (tlsfiles.h): what the broker's handshake would otherwise refuse at the
 * first connect, with OpenSSL's reason, at the key's line. */
static void check_tls_files(mvg_cfgr *r, const config_setting_t *g, const char *ctx,
                            const char *const paths_in[3])
{
    static const char *const names[] = {"ca_file", "cert_file", "key_file"};
    const char *paths[3] = {paths_in[0], paths_in[1], paths_in[2]};
    int which = 0;
    char why[512];
    if (!r->opts || !r->opts->tls_check)
        return;
    if (r->opts->tls_check(paths[MVG_TLSFILE_CA], paths[MVG_TLSFILE_CERT], paths[MVG_TLSFILE_KEY],
                           &which, why, sizeof why) < 0)
        mvg_cfgr_fail(r, config_setting_get_member(g, names[which]), "%s: '%s' %s %s", ctx,
                      names[which], paths[which], why);
}

void mvg_config_mqtt_check_conn(mvg_cfgr *r, const config_setting_t *g, const char *ctx,
                                const char *uri, int uri_read, const char *const values[3],
                                const char *const files[3])
{
    int scheme = 0;
    for (size_t i = 0; i < sizeof mqtt_schemes / sizeof mqtt_schemes[0]; i++)
        scheme |= strncmp(uri, mqtt_schemes[i], strlen(mqtt_schemes[i])) == 0 &&
                  uri[strlen(mqtt_schemes[i])] != '\0';
    if (uri_read && !scheme)
        mvg_cfgr_fail(r, config_setting_get_member(g, "uri"),
                      "%s: 'uri' \"%s\" needs a scheme and a host: tcp://, mqtt://, ssl://, "
                      "mqtts://, ws:// or wss://", ctx, uri);
    static const char *const tls_only[] = {"ca_file", "cert_file", "key_file"};
    if (!values[MVG_TLSFILE_CERT][0] != !values[MVG_TLSFILE_KEY][0])
        mvg_cfgr_fail(r, g, "%s: a client certificate needs both 'cert_file' and 'key_file'", ctx);
    for (size_t i = 0; scheme && !mvg_mqtt_uri_is_tls(uri) && i < 3; i++) {
        const config_setting_t *s = config_setting_get_member(g, tls_only[i]);
        if (s)
            mvg_cfgr_fail(r, s, "%s: '%s' needs a TLS 'uri' (ssl://, mqtts:// or wss://), not "
                                "\"%s\"", ctx, tls_only[i], uri);
    }
    if (scheme && mvg_mqtt_uri_is_tls(uri))
        check_tls_files(r, g, ctx, files);
}

static void check_mqtt(mvg_cfgr *r, const config_setting_t *g, const signed char *rc,
                       mvg_mqtt_cfg *o)
{
    const char *ctx = "mqtt";
    static const char *const names[] = {"ca_file", "cert_file", "key_file"};
    const char *files[3] = {o->ca_file, o->cert_file, o->key_file};
    for (int i = 0; i < 3; i++)
        if (mvg_section_rc(&mvg_config_mqtt_section, rc, names[i]) <= 0)
            files[i] = NULL;
    const char *values[3] = {o->ca_file, o->cert_file, o->key_file};
    mvg_config_mqtt_check_conn(r, g, ctx, o->uri,
                               mvg_section_rc(&mvg_config_mqtt_section, rc, "uri") > 0, values,
                               files);
    if (strpbrk(o->topic_prefix, "#+") || !o->topic_prefix[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "topic_prefix"),
                      "%s: 'topic_prefix' must be non-empty without '#' or '+'", ctx);
    o->version = o->version == 5 ? 5 : 3; /* protocol level 4 is 3.1.1 */
    if (o->password_file[0] && !o->username[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "password_file"),
                      "%s: 'password_file' without 'username'", ctx);
    if (!o->client_id[0])
        default_client_id(o);
}

/* ---- influx ------------------------------------------------------------ */

#define IN(f) MVG_FIELD(mvg_influx_cfg, f)

static const mvg_key influx_keys[] = {
    {"url", MVG_KEY_STRING, MVG_KEY_REQUIRED, IN(url), .hint = "e.g. \"http://127.0.0.1:8086\"",
     .allowed = "`http://` or `https://` and a host, < 256 characters",
     .doc = "the server, e.g. `\"http://127.0.0.1:8086\"`"},
    {"version", MVG_KEY_INT, 0, IN(version), .lo = 1, .hi = 2, .def = "1",
     .doc = "InfluxDB 1.x API (database, user, password) or 2.x API (organisation, bucket, "
            "token)"},
    {"db", MVG_KEY_STRING, 0, IN(db), .allowed = "< 64 characters; required for version 1",
     .doc = "database"},
    {"rp", MVG_KEY_STRING, 0, IN(rp), .doc = "retention policy (version 1)"},
    {"username", MVG_KEY_STRING, 0, IN(username),
     .allowed = "< 128 characters; version 1: needs `password_file`", .doc = "version 1 user"},
    {"password_file", MVG_KEY_STRING, MVG_KEY_READABLE | MVG_KEY_SECRET, IN(password_file),
     .doc = "version 1 password"},
    {"org", MVG_KEY_STRING, 0, IN(org), .allowed = "< 64 characters; required for version 2",
     .doc = "organisation"},
    {"bucket", MVG_KEY_STRING, 0, IN(bucket), .allowed = "< 64 characters; required for version 2",
     .doc = "bucket"},
    {"token_file", MVG_KEY_STRING, MVG_KEY_READABLE | MVG_KEY_SECRET, IN(token_file),
     .allowed = "secret file; required for version 2", .doc = "file holding the API token"},
    {"gzip", MVG_KEY_BOOL, 0, IN(gzip), .def = "false", .doc = "compress request bodies"},
    {"batch_lines", MVG_KEY_INT, 0, IN(batch_lines), .lo = 1, .hi = 1000000, .def = "5000",
     .doc = "line-protocol lines per request"},
    {"timeout_ms", MVG_KEY_INT, 0, IN(timeout_ms), .lo = 100, .hi = 600000, .def = "10000",
     .doc = "HTTP request timeout"},
    {"ca_file", MVG_KEY_STRING, MVG_KEY_READABLE, IN(ca_file),
     .allowed = "readable PEM file of one or more certificates; an `https://` `url`",
     .doc = "CA certificate(s) to verify the server, instead of the system's (`https://`)"},
    {"telemetry", MVG_KEY_BOOL, 0, IN(telemetry), .def = "true",
     .doc = "write raw samples too (false: results only)"},
};
const mvg_section mvg_config_influx_section = {"influx", MVG_KEYS(influx_keys)};

void mvg_config_influx_defaults(mvg_influx_cfg *c)
{
    memset(c, 0, sizeof *c);
    mvg_section_defaults(&mvg_config_influx_section, c);
}

static void check_influx(mvg_cfgr *r, const config_setting_t *g, const signed char *rc,
                         const mvg_influx_cfg *o)
{
    const char *ctx = "influx";
    int http = strncmp(o->url, "http://", 7) == 0 && o->url[7];
    int https = mvg_influx_url_is_tls(o->url) && o->url[8];
    if (mvg_section_rc(&mvg_config_influx_section, rc, "url") > 0 && !http && !https)
        mvg_cfgr_fail(r, config_setting_get_member(g, "url"),
                      "%s: 'url' \"%s\" must start with http:// or https:// and name a host", ctx,
                      o->url);
    if (o->version == 1 && !o->db[0])
        mvg_cfgr_fail(r, g, "%s: version 1 needs 'db'", ctx);
    if (o->version == 1 && o->username[0] && !o->password_file[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "username"),
                      "%s: 'username' needs 'password_file'", ctx);
    if (o->version == 2 && (!o->org[0] || !o->bucket[0] || !o->token_file[0]))
        mvg_cfgr_fail(r, g, "%s: version 2 needs 'org', 'bucket' and 'token_file'", ctx);
    const config_setting_t *ca = config_setting_get_member(g, "ca_file");
    if (ca && http)
        mvg_cfgr_fail(r, ca, "%s: 'ca_file' needs an https:// 'url', not \"%s\"", ctx, o->url);
    /* a CA file that could be read parses (the MQTT TLS files' check) */
    const char *files[3] = {mvg_section_rc(&mvg_config_influx_section, rc, "ca_file") > 0
                                ? o->ca_file : NULL, NULL, NULL};
    if (https && files[0])
        check_tls_files(r, g, ctx, files);
}

/* ---- http -------------------------------------------------------------- */

#define HT(f) MVG_FIELD(mvg_http_cfg, f)

static const mvg_key http_keys[] = {
    {"enabled", MVG_KEY_BOOL, 0, HT(enabled), .def = "true",
     .doc = "serve the endpoint (false: the section is kept but nothing listens, and the HTTP "
            "module is not loaded)"},
    {"listen", MVG_KEY_STRING, 0, HT(listen), .def = "127.0.0.1",
     .allowed = "a numeric IPv4 or IPv6 address, < 64 characters",
     .doc = "the address to listen on: the loopback by default, so that only the gateway "
            "itself (or an SSH tunnel) reaches it; `\"0.0.0.0\"` or `\"::\"` for every "
            "interface"},
    {"port", MVG_KEY_INT, 0, HT(port), .lo = 1, .hi = 65535, .def = "9780",
     .doc = "TCP port of `/metrics` (Prometheus), `/` (the live page) and `/api/live`"},
};
const mvg_section mvg_config_http_section = {"http", MVG_KEYS(http_keys)};

static void check_http(mvg_cfgr *r, const config_setting_t *g, const signed char *rc,
                       const mvg_http_cfg *o)
{
    unsigned char addr[16];
    if (mvg_section_rc(&mvg_config_http_section, rc, "listen") > 0 &&
        inet_pton(AF_INET, o->listen, addr) != 1 && inet_pton(AF_INET6, o->listen, addr) != 1)
        mvg_cfgr_fail(r, config_setting_get_member(g, "listen"),
                      "http: 'listen' \"%s\" must be a numeric IPv4 or IPv6 address (e.g. "
                      "\"127.0.0.1\", \"::1\", \"0.0.0.0\"), not a host name",
                      o->listen);
}

/* ---- the four sections ------------------------------------------------- */

int mvg_config_publish_load(const config_setting_t *root, const char *gateway_id,
                            const char *main_file, const char *include_dir,
                            const mvg_config_opts *opts, mvg_diags *diags, mvg_publish_cfg *out)
{
    mvg_cfgr r = {.diags = diags, .main_file = main_file, .include_dir = include_dir, .opts = opts};
    memset(out, 0, sizeof *out);
    mvg_section_defaults(&mvg_config_store_section, &out->store);
    mvg_config_mqtt_defaults(&out->mqtt, gateway_id);
    mvg_config_influx_defaults(&out->influx);
    mvg_section_defaults(&mvg_config_http_section, &out->http);
    out->http.enabled = 0; /* off without the section */
    const mvg_section *const sections[] = {&mvg_config_store_section, &mvg_config_mqtt_section,
                                           &mvg_config_influx_section, &mvg_config_http_section};
    void *const dst[] = {&out->store, &out->mqtt, &out->influx, &out->http};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const char *name = sections[i]->name;
        const config_setting_t *g = config_setting_get_member(root, name);
        if (!g)
            continue;
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            mvg_cfgr_fail(&r, g, "'%s' must be a group: %s = { ... };", name, name);
            continue;
        }
        signed char rc[64];
        if (i == 3)
            out->http.enabled = 1; /* the section turns it on, unless it says enabled = false */
        mvg_section_read(&r, sections[i], g, name, dst[i], rc);
        if (i == 1) {
            out->mqtt.enabled = 1;
            check_mqtt(&r, g, rc, &out->mqtt);
        } else if (i == 2) {
            out->influx.enabled = 1;
            check_influx(&r, g, rc, &out->influx);
        } else if (i == 3) {
            check_http(&r, g, rc, &out->http);
        }
    }
    return r.errors ? -1 : 0;
}
