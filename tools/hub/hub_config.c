/*
 * hub_config.c: hub.conf (hub_config.h): one key table per group and the
 * rules between their keys beside it.
 */
#include "hub_config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_table.h"
#include "tlsfiles.h"

#define HB(f) MVG_FIELD(mvg_hub_cfg, f)
#define HM(f) MVG_FIELD(mvg_hub_mqtt_cfg, f)
#define HD(f) MVG_FIELD(mvg_hub_db_cfg, f)

static const mvg_key hub_keys[] = {
    {"id", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME, HB(id), .hint = "e.g. \"hub-1\"",
     .doc = "this hub instance: stored with every message it receives (instances sharing one "
            "database and subscription need different ids)"},
    {"enrolled", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_READABLE, HB(enrolled),
     .hint = "e.g. \"/etc/mvgate/enrolled\"",
     .doc = "the register of enrolled gateways (`GATEWAY_ID FINGERPRINT` lines, docs/mqtt.md "
            "\"Enrolment\"; `mvgate hub enrol` appends to it)"},
    {"verify_interval_ms", MVG_KEY_INT, 0, HB(verify_interval_ms), .lo = 10, .hi = 600000,
     .def = "500", .doc = "how often the records not verified yet are looked at again"},
    {"missing_grace_s", MVG_KEY_INT, 0, HB(missing_grace_s), .lo = 1, .hi = 2592000,
     .def = "600",
     .doc = "how long chain positions may be absent while a later one is stored before the "
            "`missing` alert (docs/hub.md \"Alerts\")"},
    {"mqtt", MVG_KEY_OTHER, MVG_KEY_REQUIRED, .doc = "the broker (below)"},
    {"db", MVG_KEY_OTHER, MVG_KEY_REQUIRED, .doc = "the database (below)"},
};
const mvg_section mvg_hub_section = {"hub", MVG_KEYS(hub_keys)};

static const mvg_key hub_mqtt_keys[] = {
    {"uri", MVG_KEY_STRING, MVG_KEY_REQUIRED, HM(uri), .hint = "e.g. \"tcp://127.0.0.1:1883\"",
     .allowed = "`tcp://`, `mqtt://`, `ssl://`, `mqtts://` and a host",
     .doc = "the broker the gateways publish to"},
    {"client_id", MVG_KEY_STRING, 0, HM(client_id), .def_doc = "`\"mvgate-hub-<id>\"`",
     .doc = "MQTT client id; the broker keeps the session under it, so keep it across restarts"},
    {"topic_prefix", MVG_KEY_STRING, 0, HM(topic_prefix), .def = "mvgate/v1",
     .allowed = "non-empty, no `#` or `+`",
     .doc = "the gateways' `mqtt.topic_prefix`: the hub subscribes to `<prefix>/+/#`"},
    {"shared_group", MVG_KEY_STRING, MVG_KEY_NAME, HM(shared_group),
     .doc = "subscribe through `$share/<group>/...` so that hub instances share the messages "
            "(MQTT 5 shared subscription); absent: every message to this instance"},
    {"session_expiry_s", MVG_KEY_INT, 0, HM(session_expiry_s), .lo = 60, .hi = 4294967295LL,
     .def = "604800",
     .doc = "how long the broker keeps the hub's session and queues its messages while it is "
            "away"},
    {"keepalive_s", MVG_KEY_INT, 0, HM(keepalive_s), .lo = 5, .hi = 3600, .def = "30",
     .doc = "keep-alive interval"},
    {"connect_timeout_s", MVG_KEY_INT, 0, HM(connect_timeout_s), .lo = 1, .hi = 300, .def = "10",
     .doc = "one connection attempt"},
    {"username", MVG_KEY_STRING, 0, HM(username), .doc = ""},
    {"password_file", MVG_KEY_STRING, MVG_KEY_READABLE | MVG_KEY_SECRET, HM(password_file),
     .allowed = "secret file; needs `username`", .doc = "file holding the password"},
    {"ca_file", MVG_KEY_STRING, MVG_KEY_READABLE, HM(ca_file),
     .allowed = "readable PEM file; a TLS `uri`", .doc = "CA certificate(s) to verify the broker"},
    {"cert_file", MVG_KEY_STRING, MVG_KEY_READABLE, HM(cert_file),
     .allowed = "readable PEM certificate; with `key_file`; a TLS `uri`",
     .doc = "client certificate (mutual TLS)"},
    {"key_file", MVG_KEY_STRING, MVG_KEY_READABLE, HM(key_file),
     .allowed = "the unencrypted PEM key of `cert_file`", .doc = "its key"},
    {"verify_hostname", MVG_KEY_BOOL, 0, HM(verify_hostname), .def = "true",
     .doc = "check the broker certificate's host name"},
};
const mvg_section mvg_hub_mqtt_section = {"hub-mqtt", MVG_KEYS(hub_mqtt_keys)};

static const char *const backends[] = {"sqlite", "postgresql", NULL};

static const mvg_key hub_db_keys[] = {
    {"backend", MVG_KEY_CHOICE, 0, HD(backend), .choices = backends, .def = "sqlite",
     .doc = "embedded SQLite (one hub), or PostgreSQL through libpq (several hub instances, "
            "programme scale)"},
    {"path", MVG_KEY_STRING, 0, HD(path), .allowed = "required for `sqlite`",
     .doc = "the SQLite database file (WAL mode; created when absent)"},
    {"conninfo", MVG_KEY_STRING, 0, HD(conninfo),
     .allowed = "required for `postgresql`; keep a password in `~/.pgpass`, not here",
     .doc = "libpq connection string, e.g. `\"host=127.0.0.1 port=5432 dbname=hub\"`"},
};
const mvg_section mvg_hub_db_section = {"hub-db", MVG_KEYS(hub_db_keys)};

static void check_mqtt(mvg_cfgr *r, const config_setting_t *g, const signed char *rc,
                       mvg_hub_cfg *c)
{
    mvg_hub_mqtt_cfg *o = &c->mqtt;
    static const char *const names[] = {"ca_file", "cert_file", "key_file"};
    const char *values[3] = {o->ca_file, o->cert_file, o->key_file};
    const char *files[3] = {o->ca_file, o->cert_file, o->key_file};
    for (int i = 0; i < 3; i++)
        if (mvg_section_rc(&mvg_hub_mqtt_section, rc, names[i]) <= 0)
            files[i] = NULL;
    mvg_config_mqtt_check_conn(r, g, "mqtt", o->uri,
                               mvg_section_rc(&mvg_hub_mqtt_section, rc, "uri") > 0, values,
                               files);
    if (strncmp(o->uri, "ws", 2) == 0)
        mvg_cfgr_fail(r, config_setting_get_member(g, "uri"),
                      "mqtt: 'uri' \"%s\": the hub speaks MQTT over TCP or TLS, not websockets",
                      o->uri);
    if (strpbrk(o->topic_prefix, "#+") || !o->topic_prefix[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "topic_prefix"),
                      "mqtt: 'topic_prefix' must be non-empty without '#' or '+'");
    if (o->password_file[0] && !o->username[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "password_file"),
                      "mqtt: 'password_file' without 'username'");
    if (!o->client_id[0])
        snprintf(o->client_id, sizeof o->client_id, "mvgate-hub-%.50s", c->id);
}

static void check_db(mvg_cfgr *r, const config_setting_t *g, mvg_hub_db_cfg *o)
{
    if (o->backend == MVG_HUB_DB_SQLITE && !o->path[0])
        mvg_cfgr_fail(r, g, "db: backend \"sqlite\" needs 'path'");
    if (o->backend == MVG_HUB_DB_POSTGRESQL && !o->conninfo[0])
        mvg_cfgr_fail(r, g, "db: backend \"postgresql\" needs 'conninfo'");
    if (o->backend == MVG_HUB_DB_SQLITE && o->conninfo[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "conninfo"),
                      "db: 'conninfo' is for backend \"postgresql\"");
    if (o->backend == MVG_HUB_DB_POSTGRESQL && o->path[0])
        mvg_cfgr_fail(r, config_setting_get_member(g, "path"),
                      "db: 'path' is for backend \"sqlite\"");
}

/* A group of the root read by its table; NULL when absent or not a group
 * (reported). */
static const config_setting_t *read_group(mvg_cfgr *r, const config_setting_t *root,
                                          const mvg_section *s, const char *name, void *out,
                                          signed char *rc)
{
    const config_setting_t *g = config_setting_get_member(root, name);
    if (!g)
        return NULL; /* the root's table reports it missing */
    if (mvg_section_read_group(r, s, g, name, NULL, out, rc) < 0)
        return NULL;
    return g;
}

int mvg_hub_config_load(const char *path, mvg_hub_cfg *out, mvg_diags *diags)
{
    memset(out, 0, sizeof *out);
    mvg_section_defaults(&mvg_hub_section, out);
    mvg_section_defaults(&mvg_hub_mqtt_section, &out->mqtt);
    mvg_section_defaults(&mvg_hub_db_section, &out->db);
    if (strlen(path) >= sizeof out->path) {
        mvg_diags_add(diags, NULL, 0, "config path too long: %s", path);
        return -1;
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    char dir[MVG_CFG_FILE_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");

    /* the hub links libcrypto (its TLS client): the TLS files are checked here */
    static const mvg_config_opts opts = {.tls_check = mvg_tlsfiles_check};
    mvg_cfgr r = {.diags = diags, .main_file = out->path, .include_dir = dir, .opts = &opts};
    config_t c;
    config_init(&c);
    config_set_options(&c, CONFIG_OPTION_AUTOCONVERT);
    config_set_include_dir(&c, dir);
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO && !config_error_file(&c))
            mvg_diags_add(diags, path, 0, "cannot read: %s", strerror(errno ? errno : ENOENT));
        else {
            char buf[2 * MVG_CFG_FILE_MAX];
            const char *file = mvg_cfgr_file(&r, config_error_file(&c), buf, sizeof buf);
            mvg_diags_add(diags, file ? file : path, config_error_line(&c), "syntax error: %s",
                          config_error_text(&c));
        }
        config_destroy(&c);
        return -1;
    }
    const config_setting_t *root = config_root_setting(&c);
    signed char rc[64];
    mvg_section_read(&r, &mvg_hub_section, root, "hub.conf", out, rc);
    const config_setting_t *g = read_group(&r, root, &mvg_hub_mqtt_section, "mqtt", &out->mqtt, rc);
    if (g)
        check_mqtt(&r, g, rc, out);
    g = read_group(&r, root, &mvg_hub_db_section, "db", &out->db, rc);
    if (g)
        check_db(&r, g, &out->db);
    config_destroy(&c);
    return r.errors ? -1 : 0;
}
