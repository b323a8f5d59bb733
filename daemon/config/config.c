/*
 * config.c: loads and checks the gateway configuration (config.h): the
 * gateway, buses and devices sections, device profiles pulled from the
 * profile directory, and (through config_projects.c and config_publish.c)
 * the M&V and publishing sections. Every problem found is reported as
 * FILE:LINE: message; the loader keeps going after an error so that a user
 * fixes a file in one pass.
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_projects.h"
#include "config_publish.h"
#include "config_read.h"

#ifndef MVG_DEFAULT_PROFILE_DIR
#define MVG_DEFAULT_PROFILE_DIR "/usr/share/mvgate/profiles"
#endif

/* Loader-owned storage behind mvg_config.priv: the interned file names the
 * src fields point at. */
typedef struct {
    char **files;
    size_t nfiles;
} cfg_priv;

/* A loaded profile file: its points, kept for the devices that use it. */
typedef struct {
    char name[MVG_NAME_MAX];
    char source[800];
    mvg_point_cfg *points;
    size_t npoints;
    int failed;
    int has_unit_id;        /* the maker's factory default slave id */
    int unit_id;
} profile_t;

typedef struct {
    mvg_cfgr r;
    mvg_config *cfg;
    cfg_priv *priv;
    const mvg_config_opts *opts;
    char dir[MVG_PATH_MAX];   /* the config file's directory */
    profile_t *profiles;
    size_t nprofiles;
} loader;

static const char *intern(loader *L, const char *file)
{
    char buf[2 * MVG_PATH_MAX];
    if (!file)
        file = L->cfg->path;
    file = mvg_cfgr_file(&L->r, file, buf, sizeof buf);
    for (size_t i = 0; i < L->priv->nfiles; i++)
        if (strcmp(L->priv->files[i], file) == 0)
            return L->priv->files[i];
    char **f = realloc(L->priv->files, (L->priv->nfiles + 1) * sizeof *f);
    char *dup = strdup(file);
    if (!f || !dup) {
        free(dup);
        if (f)
            L->priv->files = f;
        return L->cfg->path;
    }
    L->priv->files = f;
    f[L->priv->nfiles++] = dup;
    return dup;
}

static mvg_cfg_src src_of(loader *L, const config_setting_t *s)
{
    mvg_cfg_src src = {intern(L, config_setting_source_file(s)), (int)config_setting_source_line(s)};
    return src;
}

#define FAIL(L, s, ...) mvg_cfgr_fail(&(L)->r, (s), __VA_ARGS__)

/* Names are MQTT topic levels and file names: letters, digits, '_' and
 * '-' only. Device and point names also appear in expressions as
 * device.point, whose grammar has no '-' (it is the minus sign): for them
 * ident_only also refuses '-'. */
static int valid_name_as(const char *s, int ident_only)
{
    if (!*s || strlen(s) >= MVG_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (*s == '-' && !ident_only)))
            return 0;
    return 1;
}

static int valid_name(const char *s) { return valid_name_as(s, 0); }

/* A required name member: checked and copied; 0 or -1. */
static int get_name_as(loader *L, const config_setting_t *g, const char *key, const char *ctx,
                       char *dst, int ident_only)
{
    char buf[256];
    int rc = mvg_cfgr_string(&L->r, g, key, ctx, buf, sizeof buf);
    if (rc == 0) {
        FAIL(L, g, "%s: '%s' is missing", ctx, key);
        return -1;
    }
    if (rc < 0)
        return -1;
    if (!valid_name_as(buf, ident_only)) {
        FAIL(L, config_setting_get_member(g, key), "%s: %s \"%s\" must be 1..%d letters, digits%s",
             ctx, key, buf, MVG_NAME_MAX - 1,
             ident_only ? " or '_' (it is used as device.point in expressions)" : ", '_' or '-'");
        return -1;
    }
    memcpy(dst, buf, strlen(buf) + 1);
    return 0;
}

static int get_name(loader *L, const config_setting_t *g, const char *key, const char *ctx,
                    char *dst)
{
    return get_name_as(L, g, key, ctx, dst, 0);
}

static int get_int(loader *L, const config_setting_t *g, const char *key, const char *ctx,
                   long long lo, long long hi, int *v)
{
    long long x;
    int rc = mvg_cfgr_int(&L->r, g, key, ctx, lo, hi, &x);
    if (rc > 0)
        *v = (int)x;
    return rc;
}

static const config_setting_t *get_list(loader *L, const config_setting_t *g, const char *key,
                                        const char *ctx, int required)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        if (required)
            FAIL(L, g, "%s: '%s' is missing", ctx, key);
        return NULL;
    }
    if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
        FAIL(L, s, "%s: '%s' must be a list: %s = ( ... );", ctx, key, key);
        return NULL;
    }
    return s;
}

/* ---- gateway ----------------------------------------------------------- */

static void load_gateway(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"id", "site", "data_dir", NULL};
    mvg_gateway_cfg *gw = &L->cfg->gateway;
    const config_setting_t *g = config_setting_get_member(root, "gateway");
    if (!g) {
        FAIL(L, root, "'gateway' is missing: gateway = { id = \"...\"; site = \"...\"; "
                      "data_dir = \"...\"; };");
        return;
    }
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "'gateway' must be a group: gateway = { ... };");
        return;
    }
    gw->src = src_of(L, g);
    mvg_cfgr_keys(&L->r, g, keys, "gateway");
    get_name(L, g, "id", "gateway", gw->id);
    get_name(L, g, "site", "gateway", gw->site);
    int rc = mvg_cfgr_string(&L->r, g, "data_dir", "gateway", gw->data_dir, sizeof gw->data_dir);
    if (rc == 0)
        FAIL(L, g, "gateway: 'data_dir' is missing (e.g. \"/var/lib/mvgate\")");
    else if (rc > 0 && gw->data_dir[0] != '/')
        FAIL(L, config_setting_get_member(g, "data_dir"),
             "gateway: data_dir \"%s\" must be an absolute path", gw->data_dir);
}

/* ---- buses ------------------------------------------------------------- */

static int valid_baud(long long b)
{
    static const long long rates[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (rates[i] == b)
            return 1;
    return 0;
}

static void load_bus(loader *L, const config_setting_t *g, mvg_bus_cfg *b, size_t index)
{
    static const char *const keys[] = {"name",      "type",      "host",       "port",
                                       "device",    "baud",      "parity",     "data_bits",
                                       "stop_bits", "timeout_ms", "retries",   "backoff_ms",
                                       "offline_after", "reprobe_ms", NULL};
    static const char *const types[] = {"tcp", "rtu", "rtu-tcp", NULL};
    static const char *const parities[] = {"N", "E", "O", "none", "even", "odd", NULL};
    char ctx[MVG_NAME_MAX + 32];
    snprintf(ctx, sizeof ctx, "bus %zu", index + 1);
    b->src = src_of(L, g);
    b->port = 502;
    b->baud = 9600;
    b->parity = 'N';
    b->data_bits = 8;
    b->stop_bits = 1;
    b->timeout_ms = 1000;
    b->retries = 1;
    b->backoff_ms = 100;
    b->offline_after = 3;
    b->reprobe_ms = 30000;
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "%s: each bus must be a group { name = ...; type = ...; }", ctx);
        return;
    }
    if (get_name(L, g, "name", ctx, b->name) == 0)
        snprintf(ctx, sizeof ctx, "bus '%s'", b->name);
    mvg_cfgr_keys(&L->r, g, keys, ctx);
    int type = 0;
    int rc = mvg_cfgr_choice(&L->r, g, "type", ctx, types, &type);
    if (rc == 0)
        FAIL(L, g, "%s: 'type' is missing (\"tcp\", \"rtu\" or \"rtu-tcp\")", ctx);
    b->type = type == 0 ? MVG_BUS_TCP : type == 1 ? MVG_BUS_RTU : MVG_BUS_RTU_TCP;
    int net = b->type != MVG_BUS_RTU;
    const char *wrong[] = {net ? "device" : "host", net ? "baud" : "port", net ? "parity" : NULL,
                           net ? "data_bits" : NULL, net ? "stop_bits" : NULL};
    for (size_t i = 0; rc > 0 && i < sizeof wrong / sizeof wrong[0]; i++)
        if (wrong[i] && config_setting_get_member(g, wrong[i]))
            FAIL(L, config_setting_get_member(g, wrong[i]), "%s: '%s' does not apply to a %s bus",
                 ctx, wrong[i], types[type]);
    if (net) {
        if (mvg_cfgr_string(&L->r, g, "host", ctx, b->host, sizeof b->host) == 0)
            FAIL(L, g, "%s: a %s bus needs 'host'", ctx, types[type]);
        else if (!b->host[0])
            FAIL(L, config_setting_get_member(g, "host"), "%s: 'host' is empty", ctx);
        get_int(L, g, "port", ctx, 1, 65535, &b->port);
    } else {
        if (mvg_cfgr_string(&L->r, g, "device", ctx, b->device, sizeof b->device) == 0)
            FAIL(L, g, "%s: an rtu bus needs 'device' (e.g. \"/dev/ttyUSB0\")", ctx);
        else if (b->device[0] != '/')
            FAIL(L, config_setting_get_member(g, "device"),
                 "%s: device \"%s\" must be an absolute path", ctx, b->device);
        long long baud = 9600;
        if (mvg_cfgr_int(&L->r, g, "baud", ctx, 1, 4000000, &baud) > 0 && !valid_baud(baud))
            FAIL(L, config_setting_get_member(g, "baud"),
                 "%s: baud %lld is not a standard rate (1200 .. 230400)", ctx, baud);
        b->baud = (int)baud;
        int par = 0;
        if (mvg_cfgr_choice(&L->r, g, "parity", ctx, parities, &par) > 0)
            b->parity = "NEONEO"[par];
        get_int(L, g, "data_bits", ctx, 5, 8, &b->data_bits);
        get_int(L, g, "stop_bits", ctx, 1, 2, &b->stop_bits);
    }
    get_int(L, g, "timeout_ms", ctx, 1, 60000, &b->timeout_ms);
    get_int(L, g, "retries", ctx, 0, 10, &b->retries);
    get_int(L, g, "backoff_ms", ctx, 0, 60000, &b->backoff_ms);
    get_int(L, g, "offline_after", ctx, 1, 1000, &b->offline_after);
    get_int(L, g, "reprobe_ms", ctx, 100, 86400000, &b->reprobe_ms);
}

/* ---- points ------------------------------------------------------------ */

/* Loads one point group into p; 0 or -1 (reported). */
static int load_point(loader *L, const config_setting_t *g, const char *owner, mvg_point_cfg *p)
{
    static const char *const keys[] = {"name", "area",  "address", "type", "order", "scale",
                                       "offset", "unit", "kind",    "min",  "max",   NULL};
    static const char *const areas[] = {"coil", "discrete", "input", "holding", NULL};
    static const char *const types[] = {"bool",   "int16",  "uint16",  "int32",  "uint32",
                                        "int64",  "uint64", "float32", "float64", NULL};
    static const char *const kinds[] = {"gauge", "counter", NULL};
    int errors = L->r.errors;
    char ctx[2 * MVG_NAME_MAX + 32];
    memset(p, 0, sizeof *p);
    p->src = src_of(L, g);
    p->scale = 1.0;
    snprintf(ctx, sizeof ctx, "%s: point", owner);
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "%s: each point must be a group { name = ...; area = ...; ... }", owner);
        return -1;
    }
    if (get_name_as(L, g, "name", ctx, p->name, 1) == 0)
        snprintf(ctx, sizeof ctx, "%s: point '%s'", owner, p->name);
    mvg_cfgr_keys(&L->r, g, keys, ctx);
    /* Each structural check below runs when the keys it needs were read,
     * whatever else is wrong with the point: the user sees every problem in
     * one pass, and none that is only the echo of another (a mistyped type
     * must not also make its order "not fit"). */
    int area = 0, type = 0, kind = 0;
    int area_rc = mvg_cfgr_choice(&L->r, g, "area", ctx, areas, &area);
    if (area_rc == 0)
        FAIL(L, g, "%s: 'area' is missing (coil, discrete, input or holding)", ctx);
    p->area = (mvg_area)area;
    long long addr = 0;
    int addr_rc = mvg_cfgr_int(&L->r, g, "address", ctx, 0, 65535, &addr);
    if (addr_rc == 0)
        FAIL(L, g, "%s: 'address' is missing (0-based protocol address)", ctx);
    p->address = (unsigned)addr;
    int type_rc = mvg_cfgr_choice(&L->r, g, "type", ctx, types, &type);
    if (type_rc == 0)
        FAIL(L, g, "%s: 'type' is missing", ctx);
    p->type = (mvg_type)type;
    p->order = mvg_type_default_order(p->type);
    char order[16];
    if (mvg_cfgr_string(&L->r, g, "order", ctx, order, sizeof order) > 0) {
        mvg_order o;
        if (mvg_order_parse(order, &o) != 0)
            FAIL(L, config_setting_get_member(g, "order"),
                 "%s: order \"%s\" is not one of AB, BA, ABCD, CDAB, BADC, DCBA, ABCDEFGH, "
                 "GHEFCDAB, BADCFEHG, HGFEDCBA", ctx, order);
        else if (type_rc > 0 && !mvg_order_fits_type(o, p->type))
            FAIL(L, config_setting_get_member(g, "order"),
                 "%s: order %s does not fit a %s (%u bytes)", ctx, order, types[type],
                 mvg_type_bytes(p->type));
        else
            p->order = o;
    }
    mvg_cfgr_number(&L->r, g, "scale", ctx, -1e300, 1e300, &p->scale);
    if (p->scale == 0)
        FAIL(L, config_setting_get_member(g, "scale"), "%s: 'scale' must not be 0", ctx);
    mvg_cfgr_number(&L->r, g, "offset", ctx, -1e300, 1e300, &p->offset);
    mvg_cfgr_string(&L->r, g, "unit", ctx, p->unit, sizeof p->unit);
    int kind_rc = mvg_cfgr_choice(&L->r, g, "kind", ctx, kinds, &kind);
    p->kind = (mvg_kind)kind;
    if (mvg_cfgr_number(&L->r, g, "min", ctx, -1e300, 1e300, &p->min) > 0)
        p->has_min = 1;
    if (mvg_cfgr_number(&L->r, g, "max", ctx, -1e300, 1e300, &p->max) > 0)
        p->has_max = 1;
    if (p->has_min && p->has_max && p->min > p->max)
        FAIL(L, config_setting_get_member(g, "max"), "%s: min %g is above max %g", ctx, p->min,
             p->max);
    if (area_rc > 0 && type_rc > 0 && mvg_area_is_bits(p->area) && p->type != MVG_TYPE_BOOL)
        FAIL(L, config_setting_get_member(g, "type"),
             "%s: a %s point in the %s area must be of type bool (one bit)", ctx, types[type],
             areas[area]);
    if (type_rc > 0 && kind_rc > 0 && p->kind == MVG_KIND_COUNTER && p->type == MVG_TYPE_BOOL)
        FAIL(L, config_setting_get_member(g, "kind"), "%s: a bool cannot be a counter", ctx);
    if (area_rc > 0 && type_rc > 0 && addr_rc > 0) {
        unsigned width = mvg_area_is_bits(p->area) ? 1 : mvg_type_registers(p->type);
        if (p->address + width - 1 > 65535)
            FAIL(L, config_setting_get_member(g, "address"),
                 "%s: a %s at address %u runs past the end of the address space (65535)", ctx,
                 types[type], p->address);
    }
    return L->r.errors != errors ? -1 : 0;
}

/* Appends the points of list (a libconfig list of groups) to *pts. */
static int load_points(loader *L, const config_setting_t *list, const char *owner,
                       mvg_point_cfg **pts, size_t *n)
{
    int count = config_setting_length(list);
    if (count <= 0)
        return 0;
    mvg_point_cfg *grown = realloc(*pts, (*n + (size_t)count) * sizeof *grown);
    if (!grown) {
        FAIL(L, list, "%s: out of memory", owner);
        return -1;
    }
    *pts = grown;
    int rc = 0;
    for (int i = 0; i < count; i++) {
        if (load_point(L, config_setting_get_elem(list, (unsigned)i), owner, &grown[*n]) == 0)
            (*n)++;
        else
            rc = -1;
    }
    return rc;
}

/* ---- profiles ---------------------------------------------------------- */

static int try_profile_path(const char *dir, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s.conf", dir, name);
    return n > 0 && (size_t)n < len && access(out, R_OK) == 0;
}

static const profile_t *get_profile(loader *L, const config_setting_t *at, const char *name)
{
    for (size_t i = 0; i < L->nprofiles; i++)
        if (strcmp(L->profiles[i].name, name) == 0)
            return L->profiles[i].failed ? NULL : &L->profiles[i];
    profile_t *grown = realloc(L->profiles, (L->nprofiles + 1) * sizeof *grown);
    if (!grown) {
        FAIL(L, at, "out of memory");
        return NULL;
    }
    L->profiles = grown;
    profile_t *pr = &grown[L->nprofiles++];
    memset(pr, 0, sizeof *pr);
    snprintf(pr->name, sizeof pr->name, "%s", name);
    pr->failed = 1;

    /* where to look, in order */
    char dirs[4][MVG_PATH_MAX + 16];
    size_t ndirs = 0;
    const char *env = getenv("MVG_PROFILE_DIR");
    if (L->opts && L->opts->profile_dir)
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s", L->opts->profile_dir);
    if (env && *env)
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s", env);
    snprintf(dirs[ndirs++], sizeof dirs[0], "%s/../profiles", L->dir);
    snprintf(dirs[ndirs++], sizeof dirs[0], "%s", MVG_DEFAULT_PROFILE_DIR);
    char path[MVG_PATH_MAX + MVG_NAME_MAX + 32];
    size_t i;
    for (i = 0; i < ndirs; i++)
        if (try_profile_path(dirs[i], name, path, sizeof path))
            break;
    if (i == ndirs) {
        char searched[sizeof dirs + 16] = "";
        size_t pos = 0;
        for (size_t k = 0; k < ndirs; k++) {
            int w = snprintf(searched + pos, sizeof searched - pos, "%s%s", k ? ", " : "", dirs[k]);
            if (w < 0 || (size_t)w >= sizeof searched - pos)
                break;
            pos += (size_t)w;
        }
        FAIL(L, at, "profile \"%s\" not found (looked for %s.conf in %s)", name, name, searched);
        return NULL;
    }

    config_t pc;
    config_init(&pc);
    config_set_options(&pc, CONFIG_OPTION_AUTOCONVERT);
    /* path is already relative to the working directory: report it as is */
    const char *include_dir = L->r.include_dir;
    L->r.include_dir = NULL;
    if (config_read_file(&pc, path) != CONFIG_TRUE) {
        const char *file = config_error_file(&pc);
        mvg_diags_add(L->r.diags, file ? file : path, config_error_line(&pc),
                      "syntax error: %s (profile \"%s\")", config_error_text(&pc), name);
        L->r.errors++;
        config_destroy(&pc);
        L->r.include_dir = include_dir;
        return NULL;
    }
    static const char *const top[] = {"profile", "points", NULL};
    static const char *const meta[] = {"maker", "model",   "manual",    "manual_version",
                                       "notes", "url",     "area_note", "unit_id",
                                       NULL};
    const config_setting_t *root = config_root_setting(&pc);
    int errors = L->r.errors;
    mvg_cfgr_keys(&L->r, root, top, "profile file");
    const config_setting_t *info = config_setting_get_member(root, "profile");
    char maker[128] = "", model[128] = "", manual[256] = "", version[256] = "";
    if (!info || !config_setting_is_group(info)) {
        FAIL(L, info ? info : root, "profile \"%s\": 'profile = { maker; model; manual; "
                                    "manual_version; };' is missing", name);
    } else {
        mvg_cfgr_keys(&L->r, info, meta, "profile");
        const char *req[] = {"maker", "model", "manual", "manual_version"};
        char *dst[] = {maker, model, manual, version};
        size_t cap[] = {sizeof maker, sizeof model, sizeof manual, sizeof version};
        for (size_t k = 0; k < 4; k++)
            if (mvg_cfgr_string(&L->r, info, req[k], "profile", dst[k], cap[k]) == 0)
                FAIL(L, info, "profile: '%s' is missing (say where the register map comes from)",
                     req[k]);
        char note[1024];
        mvg_cfgr_string(&L->r, info, "notes", "profile", note, sizeof note);
        mvg_cfgr_string(&L->r, info, "url", "profile", note, sizeof note);
        mvg_cfgr_string(&L->r, info, "area_note", "profile", note, sizeof note);
        long long uid;
        if (mvg_cfgr_int(&L->r, info, "unit_id", "profile", 1, 247, &uid) > 0) {
            pr->has_unit_id = 1;
            pr->unit_id = (int)uid;
        }
    }
    const config_setting_t *list = get_list(L, root, "points", "profile", 1);
    char owner[MVG_NAME_MAX + 16];
    snprintf(owner, sizeof owner, "profile %s", name);
    if (list)
        load_points(L, list, owner, &pr->points, &pr->npoints);
    snprintf(pr->source, sizeof pr->source, "%s %s, %s (%s)", maker, model, manual, version);
    config_destroy(&pc);
    L->r.include_dir = include_dir;
    if (L->r.errors != errors)
        return NULL;
    pr->failed = 0;
    return pr;
}

/* ---- devices ----------------------------------------------------------- */

static long find_point(const mvg_point_cfg *pts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pts[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* The device's points: the profile's (all, or those profile_points names),
 * then its own, a point of its own replacing a profile point of that name. */
static const profile_t *device_points(loader *L, const config_setting_t *g, mvg_device_cfg *d,
                                      const char *ctx)
{
    const profile_t *pr = NULL;
    const config_setting_t *pname = config_setting_get_member(g, "profile");
    const config_setting_t *subset = config_setting_get_member(g, "profile_points");
    if (subset && !pname)
        FAIL(L, subset, "%s: 'profile_points' without 'profile'", ctx);
    if (pname && mvg_cfgr_string(&L->r, g, "profile", ctx, d->profile, sizeof d->profile) > 0) {
        pr = valid_name(d->profile) ? get_profile(L, pname, d->profile) : NULL;
        if (!valid_name(d->profile))
            FAIL(L, pname, "%s: profile \"%s\" is not a valid profile name", ctx, d->profile);
        if (pr) {
            snprintf(d->profile_source, sizeof d->profile_source, "%s", pr->source);
            int count = subset ? config_setting_length(subset) : (int)pr->npoints;
            if (subset && !config_setting_is_array(subset) && !config_setting_is_list(subset)) {
                FAIL(L, subset, "%s: 'profile_points' must be a list of names: [ \"a\", \"b\" ]",
                     ctx);
                count = 0;
            }
            d->points = calloc((size_t)count + 1, sizeof *d->points);
            for (int i = 0; d->points && i < count; i++) {
                long k = (long)i;
                if (subset) {
                    const config_setting_t *e = config_setting_get_elem(subset, (unsigned)i);
                    const char *want = config_setting_get_string(e);
                    k = want ? find_point(pr->points, pr->npoints, want) : -1;
                    if (k < 0) {
                        FAIL(L, e, "%s: profile \"%s\" has no point \"%s\"", ctx, d->profile,
                             want ? want : "(not a string)");
                        continue;
                    }
                }
                d->points[d->npoints] = pr->points[k];
                /* errors about the point point at the device, where the user can act */
                d->points[d->npoints].src = src_of(L, pname);
                d->npoints++;
            }
        }
    }
    const config_setting_t *own = get_list(L, g, "points", ctx, 0);
    if (!own) {
        if (!pname && !config_setting_get_member(g, "points"))
            FAIL(L, g, "%s: no points: give 'points' or a 'profile'", ctx);
        return pr;
    }
    mvg_point_cfg *mine = NULL;
    size_t nmine = 0;
    load_points(L, own, ctx, &mine, &nmine);
    size_t from_profile = d->npoints; /* only these may be replaced; own duplicates are errors */
    for (size_t i = 0; i < nmine; i++) {
        long k = find_point(d->points, from_profile, mine[i].name);
        if (k >= 0) {
            d->points[k] = mine[i]; /* the installer's correction of the profile */
            continue;
        }
        mvg_point_cfg *grown = realloc(d->points, (d->npoints + 1) * sizeof *grown);
        if (!grown)
            break;
        d->points = grown;
        d->points[d->npoints++] = mine[i];
    }
    free(mine);
    return pr;
}

static void check_points(loader *L, const mvg_device_cfg *d)
{
    for (size_t i = 0; i < d->npoints; i++) {
        const mvg_point_cfg *a = &d->points[i];
        unsigned wa = mvg_area_is_bits(a->area) ? 1 : mvg_type_registers(a->type);
        for (size_t j = 0; j < i; j++) {
            const mvg_point_cfg *b = &d->points[j];
            if (strcmp(a->name, b->name) == 0) {
                mvg_diags_add(L->r.diags, a->src.file, a->src.line,
                              "device '%s': point '%s' is defined twice (first at line %d)",
                              d->name, a->name, b->src.line);
                L->r.errors++;
                continue;
            }
            if (a->area != b->area)
                continue;
            unsigned wb = mvg_area_is_bits(b->area) ? 1 : mvg_type_registers(b->type);
            if (a->address < b->address + wb && b->address < a->address + wa) {
                mvg_diags_add(L->r.diags, a->src.file, a->src.line,
                              "device '%s': point '%s' (%s %u..%u) overlaps point '%s' (%u..%u, "
                              "line %d)",
                              d->name, a->name, mvg_area_name(a->area), a->address,
                              a->address + wa - 1, b->name, b->address, b->address + wb - 1,
                              b->src.line);
                L->r.errors++;
            }
        }
    }
}

static void load_device(loader *L, const config_setting_t *g, mvg_device_cfg *d, size_t index)
{
    static const char *const keys[] = {"name",    "bus",            "unit_id", "interval_ms",
                                       "max_gap", "profile",        "profile_points", "points",
                                       NULL};
    char ctx[MVG_NAME_MAX + 32];
    snprintf(ctx, sizeof ctx, "device %zu", index + 1);
    d->src = src_of(L, g);
    d->interval_ms = 1000;
    d->max_gap = 8;
    d->unit_id = 1;
    d->bus = (size_t)-1;
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "%s: each device must be a group { name = ...; bus = ...; }", ctx);
        return;
    }
    if (get_name_as(L, g, "name", ctx, d->name, 1) == 0)
        snprintf(ctx, sizeof ctx, "device '%s'", d->name);
    mvg_cfgr_keys(&L->r, g, keys, ctx);
    char bus[MVG_NAME_MAX];
    if (get_name(L, g, "bus", ctx, bus) == 0) {
        for (size_t b = 0; b < L->cfg->nbuses; b++)
            if (strcmp(L->cfg->buses[b].name, bus) == 0)
                d->bus = b;
        if (d->bus == (size_t)-1)
            FAIL(L, config_setting_get_member(g, "bus"), "%s: bus \"%s\" is not defined in 'buses'",
                 ctx, bus);
    }
    long long unit = 1;
    const config_setting_t *us = config_setting_get_member(g, "unit_id");
    if (mvg_cfgr_int(&L->r, g, "unit_id", ctx, 0, 255, &unit) > 0 && d->bus != (size_t)-1) {
        mvg_bus_type bt = L->cfg->buses[d->bus].type;
        if (bt != MVG_BUS_TCP && (unit < 1 || unit > 247))
            FAIL(L, us, "%s: unit_id %lld on a serial line must be 1..247 (0 is broadcast, which "
                        "gets no answer)", ctx, unit);
    }
    d->unit_id = (int)unit;
    get_int(L, g, "interval_ms", ctx, 10, 86400000, &d->interval_ms);
    long long gap = 8;
    if (mvg_cfgr_int(&L->r, g, "max_gap", ctx, 0, 2000, &gap) > 0)
        d->max_gap = (unsigned)gap;
    const profile_t *pr = device_points(L, g, d, ctx);
    if (!us && pr && pr->has_unit_id)
        d->unit_id = pr->unit_id; /* the profile's factory default, valid on any bus */
    check_points(L, d);
}

/* ---- whole file -------------------------------------------------------- */

static void load_all(loader *L, const config_setting_t *root)
{
    static const char *const top[] = {"gateway", "buses",  "devices", "derived",
                                      "projects", "store", "mqtt",    "influx", NULL};
    mvg_config *cfg = L->cfg;
    mvg_cfgr_keys(&L->r, root, top, "top level");
    load_gateway(L, root);

    const config_setting_t *buses = get_list(L, root, "buses", "top level", 1);
    int nb = buses ? config_setting_length(buses) : 0;
    if (buses && nb == 0)
        FAIL(L, buses, "'buses' is empty: the gateway needs at least one bus");
    cfg->buses = calloc((size_t)nb + 1, sizeof *cfg->buses);
    for (int i = 0; cfg->buses && i < nb; i++) {
        mvg_bus_cfg *b = &cfg->buses[cfg->nbuses];
        load_bus(L, config_setting_get_elem(buses, (unsigned)i), b, (size_t)i);
        for (size_t k = 0; k < cfg->nbuses; k++)
            if (b->name[0] && strcmp(cfg->buses[k].name, b->name) == 0)
                FAIL(L, config_setting_get_elem(buses, (unsigned)i),
                     "bus '%s' is defined twice (first at line %d)", b->name,
                     cfg->buses[k].src.line);
            /* Two pollers on one serial port would interleave their frames:
             * one line is one bus, with all its devices on it. */
            else if (b->type == MVG_BUS_RTU && cfg->buses[k].type == MVG_BUS_RTU &&
                     b->device[0] && strcmp(b->device, cfg->buses[k].device) == 0)
                FAIL(L, config_setting_get_member(config_setting_get_elem(buses, (unsigned)i),
                                                  "device"),
                     "bus '%s': serial device %s is already bus '%s' (line %d); put all the "
                     "devices of one line on one bus", b->name, b->device, cfg->buses[k].name,
                     cfg->buses[k].src.line);
        cfg->nbuses++;
    }

    const config_setting_t *devices = get_list(L, root, "devices", "top level", 1);
    int nd = devices ? config_setting_length(devices) : 0;
    if (devices && nd == 0)
        FAIL(L, devices, "'devices' is empty: the gateway needs at least one device");
    cfg->devices = calloc((size_t)nd + 1, sizeof *cfg->devices);
    for (int i = 0; cfg->devices && i < nd; i++) {
        const config_setting_t *g = config_setting_get_elem(devices, (unsigned)i);
        mvg_device_cfg *d = &cfg->devices[cfg->ndevices++];
        load_device(L, g, d, (size_t)i);
        for (size_t k = 0; k + 1 < cfg->ndevices; k++) {
            const mvg_device_cfg *o = &cfg->devices[k];
            if (d->name[0] && strcmp(o->name, d->name) == 0)
                FAIL(L, g, "device '%s' is defined twice (first at line %d)", d->name,
                     o->src.line);
            else if (d->bus != (size_t)-1 && o->bus == d->bus && o->unit_id == d->unit_id)
                FAIL(L, g, "device '%s': unit_id %d on bus '%s' is already device '%s' (line %d)",
                     d->name, d->unit_id, cfg->buses[d->bus].name, o->name, o->src.line);
        }
    }

    cfg->publish = calloc(1, sizeof *cfg->publish);
    if (!cfg->publish)
        FAIL(L, root, "out of memory");
    else if (mvg_config_publish_load(root, cfg->gateway.id, L->r.diags, cfg->publish) != 0)
        L->r.errors++;
    /* The M&V sections refer to devices and points: check them only once
     * those are sound, or every reference would be reported again. */
    if (L->r.errors == 0 &&
        mvg_config_projects_load(root, cfg, L->r.diags, &cfg->projects) != 0)
        L->r.errors++;
}

mvg_config *mvg_config_load(const char *path, const mvg_config_opts *opts, mvg_diags *diags)
{
    mvg_config *cfg = calloc(1, sizeof *cfg);
    cfg_priv *priv = calloc(1, sizeof *priv);
    if (!cfg || !priv) {
        free(cfg);
        free(priv);
        mvg_diags_add(diags, path, 0, "out of memory");
        return NULL;
    }
    cfg->priv = priv;
    if (strlen(path) >= sizeof cfg->path) {
        mvg_diags_add(diags, NULL, 0, "config path too long: %s", path);
        mvg_config_free(cfg);
        return NULL;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    loader L = {.r = {diags, 0, cfg->path, NULL}, .cfg = cfg, .priv = priv, .opts = opts};
    snprintf(L.dir, sizeof L.dir, "%s", path);
    char *slash = strrchr(L.dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(L.dir, sizeof L.dir, ".");

    config_t c;
    config_init(&c);
    config_set_options(&c, CONFIG_OPTION_AUTOCONVERT);
    config_set_include_dir(&c, L.dir); /* @include is relative to the file, not the cwd */
    L.r.include_dir = L.dir;
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO && !config_error_file(&c))
            mvg_diags_add(diags, path, 0, "cannot read: %s", strerror(errno ? errno : ENOENT));
        else {
            char buf[2 * MVG_PATH_MAX];
            const char *file = mvg_cfgr_file(&L.r, config_error_file(&c), buf, sizeof buf);
            mvg_diags_add(diags, file ? file : path, config_error_line(&c), "syntax error: %s",
                          config_error_text(&c));
        }
        config_destroy(&c);
        mvg_config_free(cfg);
        return NULL;
    }
    load_all(&L, config_root_setting(&c));
    for (size_t i = 0; i < L.nprofiles; i++)
        free(L.profiles[i].points);
    free(L.profiles);
    config_destroy(&c);
    if (L.r.errors) {
        mvg_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void mvg_config_free(mvg_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; cfg->devices && i < cfg->ndevices; i++)
        free(cfg->devices[i].points);
    free(cfg->devices);
    free(cfg->buses);
    mvg_config_projects_free(cfg->projects);
    free(cfg->publish);
    cfg_priv *priv = cfg->priv;
    for (size_t i = 0; priv && i < priv->nfiles; i++)
        free(priv->files[i]);
    if (priv)
        free(priv->files);
    free(priv);
    free(cfg);
}

const char *mvg_config_default_profile_dir(void) { return MVG_DEFAULT_PROFILE_DIR; }

long mvg_config_find_device(const mvg_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].name, name) == 0)
            return (long)i;
    return -1;
}

long mvg_config_find_point(const mvg_device_cfg *dev, const char *name)
{
    return find_point(dev->points, dev->npoints, name);
}
