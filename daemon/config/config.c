/*
 * config.c: loads and checks the gateway configuration (config.h): the
 * gateway, buses and devices sections, device profiles pulled from the
 * profile directory, and (through config_projects.c and config_publish.c)
 * the M&V and publishing sections. Every problem found is reported as
 * FILE:LINE: message; the loader keeps going after an error so that a user
 * fixes a file in one pass.
 */
#include "config.h"
#include "config_digest.h"

#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_projects.h"
#include "config_publish.h"
#include "config_read.h"
#include "config_scan.h"
#include "config_table.h"
#include "point.h"
#include "strpool.h"

_Static_assert(MVG_CFG_ID_MAX == MVG_NAME_MAX, "mvg_mqtt_cfg.gateway_id holds a gateway id");

#ifndef MVG_DEFAULT_PROFILE_DIR
#define MVG_DEFAULT_PROFILE_DIR "/usr/share/mvgate/profiles"
#endif
#ifndef MVG_REL_PROFILE_DIR
#define MVG_REL_PROFILE_DIR "../share/mvgate/profiles"
#endif

/* Loader-owned storage behind mvg_config.priv: the string pool that the
 * src fields' file names and the points' names and units point into. Its
 * strings live as long as the mvg_config; copies of a point (a profile's
 * into each device) share them. */
typedef struct {
    mvg_strpool *strings;
} cfg_priv;

/* A point's strings are pointers into the pool, its small fields packed
 * (device.h): 176 bytes a point when they were arrays inside it. */
_Static_assert(sizeof(mvg_point_cfg) <= 80, "mvg_point_cfg is packed (device.h)");

/* A loaded profile file: its points, kept for the devices that use it. */
typedef struct {
    char name[MVG_NAME_MAX];
    char source[800];
    mvg_point_cfg *points;
    size_t npoints;
    int failed;
    int has_unit_id;        /* the maker's factory default slave id */
    int unit_id;
    mvg_profile_ident ident;
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
    const char *kept = mvg_strpool_intern(L->priv->strings, file);
    return kept ? kept : L->cfg->path;
}

/* The pool's copy of a string the loader makes (not a key's, which the
 * table interns); "" when out of memory, after saying so. */
static const char *intern_text(loader *L, const char *s)
{
    const char *kept = mvg_strpool_intern(L->priv->strings, s);
    if (!kept)
        mvg_diags_add(L->r.diags, L->cfg->path, 0, "out of memory");
    L->r.errors += !kept;
    return kept ? kept : "";
}

static mvg_cfg_src src_of(loader *L, const config_setting_t *s)
{
    mvg_cfg_src src = {intern(L, config_setting_source_file(s)), (int)config_setting_source_line(s)};
    return src;
}

#define FAIL(L, s, ...) mvg_cfgr_fail(&(L)->r, (s), __VA_ARGS__)
#define KEY(sec, name) mvg_section_key(&mvg_config_##sec##_section, name)

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


/* mvgated creates a missing data_dir (mvg_gateway_new): it must be a
 * directory it can write, or creatable under the nearest one that exists. */
static void check_data_dir(loader *L, const config_setting_t *at, const char *dir)
{
    char path[MVG_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    struct stat st;
    int missing = 0;
    while (stat(path, &st) != 0) {
        char *slash = strrchr(path, '/');
        missing = 1;
        if (!slash || slash == path) {
            snprintf(path, sizeof path, "/");
            if (stat(path, &st) != 0)
                return;
            break;
        }
        *slash = '\0';
    }
    if (!S_ISDIR(st.st_mode))
        FAIL(L, at, "gateway: data_dir %s: %s is not a directory", dir, path);
    else if (access(path, W_OK | X_OK) != 0)
        FAIL(L, at, "gateway: data_dir %s: %s is not writable by this user (%s; check as the "
                    "daemon's user)", dir, path, missing ? "mvgated would create data_dir in it"
                                                          : "mvgated writes its store there");
}

static void load_gateway(loader *L, const config_setting_t *root)
{
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
    mvg_section_defaults(&mvg_config_gateway_section, gw);
    gw->src = src_of(L, g);
    signed char rc[8];
    mvg_section_read(&L->r, &mvg_config_gateway_section, g, "gateway", gw, rc);
    if (mvg_section_rc(&mvg_config_gateway_section, rc, "data_dir") > 0)
        check_data_dir(L, config_setting_get_member(g, "data_dir"), gw->data_dir);
}

/* ---- buses ------------------------------------------------------------- */


static int applies_to(const char *applies, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = applies; p && *p; p += strspn(p, ", "))
        if (strncmp(p, type, n) == 0 && (p[n] == '\0' || p[n] == ','))
            return 1;
        else
            p += strcspn(p, ",");
    return !applies;
}

/* The rules between a bus's keys. */
static void check_bus(loader *L, const config_setting_t *g, const signed char *rc, const char *ctx,
                      mvg_bus_cfg *b)
{
    const mvg_section *sec = &mvg_config_bus_section;
    if (mvg_section_rc(sec, rc, "type") <= 0)
        return;
    const char *type = KEY(bus, "type")->choices[b->type == MVG_BUS_TCP ? 0 : b->type == MVG_BUS_RTU ? 1 : 2];
    for (size_t i = 0; i < sec->nkeys; i++) {
        const config_setting_t *s = config_setting_get_member(g, sec->keys[i].name);
        if (s && !applies_to(sec->keys[i].applies, type))
            FAIL(L, s, "%s: '%s' does not apply to a %s bus", ctx, sec->keys[i].name, type);
    }
    if (b->type != MVG_BUS_RTU) {
        if (!config_setting_get_member(g, "host"))
            FAIL(L, g, "%s: a %s bus needs 'host'", ctx, type);
        return;
    }
    if (!config_setting_get_member(g, "device"))
        FAIL(L, g, "%s: an rtu bus needs 'device' (e.g. \"/dev/ttyUSB0\")", ctx);
    if (b->has_rts_delay && b->rts == MVG_RTS_NONE)
        FAIL(L, config_setting_get_member(g, "rts_delay_us"),
             "%s: 'rts_delay_us' needs 'rts' = \"up\" or \"down\"", ctx);
}

/*
 * The start of element index of a list of what (bus, device): its defaults
 * from sec, its context "what N" in messages, and "what 'name'" once its
 * name reads (name: the element's name field). 0 to read on, -1 after
 * saying that the element must be a group of the shape given.
 */
static int open_element(loader *L, const config_setting_t *g, const mvg_section *sec,
                        const char *what, const char *shape, size_t index, void *out,
                        const char *name, char *ctx, size_t ctxlen)
{
    snprintf(ctx, ctxlen, "%s %zu", what, index + 1);
    mvg_section_defaults(sec, out);
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "%s: each %s must be a group { %s }", ctx, what, shape);
        return -1;
    }
    if (mvg_key_read(&L->r, mvg_section_key(sec, "name"), g, ctx, out, NULL) > 0)
        snprintf(ctx, ctxlen, "%s '%s'", what, name);
    return 0;
}

static void load_bus(loader *L, const config_setting_t *g, mvg_bus_cfg *b, size_t index)
{
    char ctx[MVG_NAME_MAX + 32];
    b->src = src_of(L, g);
    if (open_element(L, g, &mvg_config_bus_section, "bus", "name = ...; type = ...;", index, b,
                     b->name, ctx, sizeof ctx) != 0)
        return;
    signed char rc[32];
    mvg_section_read(&L->r, &mvg_config_bus_section, g, ctx, b, rc);
    check_bus(L, g, rc, ctx, b);
}

/* ---- points ------------------------------------------------------------ */


/* A string point: a count of registers, and none of the keys of a number
 * (its text has no scale, range or counter). A count on another type is a
 * mistake too: it would be ignored. */
static void check_string_point(loader *L, const config_setting_t *g, const signed char *rc,
                               const char *ctx, const mvg_point_cfg *p)
{
    const mvg_section *sec = &mvg_config_point_section;
    if (p->type != MVG_TYPE_STRING) {
        if (p->has_count)
            FAIL(L, config_setting_get_member(g, "count"),
                 "%s: 'count' gives the registers of a string point; a %s has its own width",
                 ctx, KEY(point, "type")->choices[p->type]);
        return;
    }
    if (mvg_section_rc(sec, rc, "count") == 0)
        FAIL(L, g, "%s: a string point needs 'count', its registers (1..64)", ctx);
    static const char *const numeric[] = {"scale", "offset", "min", "max", "kind"};
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
        if (mvg_section_rc(sec, rc, numeric[i]) > 0)
            FAIL(L, config_setting_get_member(g, numeric[i]),
                 "%s: '%s' is for numbers; a string point's text has none", ctx, numeric[i]);
}

/* The rules between a point's keys. Each runs when the keys it needs were
 * read, whatever else is wrong with the point: the user sees every problem
 * in one pass, and none that is only the echo of another (a mistyped type
 * must not also make its order "not fit"). */
static void check_point(loader *L, const config_setting_t *g, const signed char *rc,
                        const char *ctx, mvg_point_cfg *p)
{
    const mvg_section *sec = &mvg_config_point_section;
    int area_ok = mvg_section_rc(sec, rc, "area") > 0, type_ok = mvg_section_rc(sec, rc, "type") > 0;
    const char *type = KEY(point, "type")->choices[p->type];
    p->order = mvg_type_default_order(p->type);
    char order[16];
    if (mvg_key_read(&L->r, KEY(point, "order"), g, ctx, NULL, order) > 0) {
        mvg_order o;
        if (mvg_order_parse(order, &o) != 0)
            FAIL(L, config_setting_get_member(g, "order"),
                 "%s: order \"%s\" is not one of AB, BA, ABCD, CDAB, BADC, DCBA, ABCDEFGH, "
                 "GHEFCDAB, BADCFEHG, HGFEDCBA", ctx, order);
        else if (type_ok && !mvg_order_fits_type(o, p->type) && p->type == MVG_TYPE_STRING)
            FAIL(L, config_setting_get_member(g, "order"),
                 "%s: a string's order is AB or BA (the two characters of each register), "
                 "not %s", ctx, order);
        else if (type_ok && !mvg_order_fits_type(o, p->type))
            FAIL(L, config_setting_get_member(g, "order"),
                 "%s: order %s does not fit a %s (%u bytes)", ctx, order, type,
                 mvg_type_bytes(p->type));
        else
            p->order = o;
    }
    if (p->scale == 0)
        FAIL(L, config_setting_get_member(g, "scale"), "%s: 'scale' must not be 0", ctx);
    if (p->has_min && p->has_max && p->min > p->max)
        FAIL(L, config_setting_get_member(g, "max"), "%s: min %g is above max %g", ctx, p->min,
             p->max);
    if (area_ok && type_ok && mvg_area_is_bits(p->area) && p->type != MVG_TYPE_BOOL)
        FAIL(L, config_setting_get_member(g, "type"),
             "%s: a %s point in the %s area must be of type bool (one bit)", ctx, type,
             KEY(point, "area")->choices[p->area]);
    if (type_ok && mvg_section_rc(sec, rc, "kind") > 0 && p->kind == MVG_KIND_COUNTER &&
        p->type == MVG_TYPE_BOOL)
        FAIL(L, config_setting_get_member(g, "kind"), "%s: a bool cannot be a counter", ctx);
    if (p->has_bit && area_ok && type_ok &&
        (mvg_area_is_bits(p->area) || p->type != MVG_TYPE_BOOL))
        FAIL(L, config_setting_get_member(g, "bit"),
             "%s: 'bit' takes one bit of a register: it needs type bool in the holding or input "
             "area, not a %s in %s", ctx, type, KEY(point, "area")->choices[p->area]);
    if (type_ok)
        check_string_point(L, g, rc, ctx, p);
    if (area_ok && type_ok && mvg_section_rc(sec, rc, "address") > 0) {
        unsigned width = mvg_point_width(p); /* 0: a string without its count, said above */
        if (width > 0 && p->address + width - 1 > 65535)
            FAIL(L, config_setting_get_member(g, "address"),
                 "%s: a %s at address %u runs past the end of the address space (65535)", ctx,
                 type, p->address);
    }
}

/* Loads one point group into p; 0 or -1 (reported). */
static int load_point(loader *L, const config_setting_t *g, const char *owner, mvg_point_cfg *p)
{
    int errors = L->r.errors;
    char ctx[2 * MVG_NAME_MAX + 32];
    memset(p, 0, sizeof *p);
    p->src = src_of(L, g);
    mvg_section_defaults(&mvg_config_point_section, p);
    snprintf(ctx, sizeof ctx, "%s: point", owner);
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "%s: each point must be a group { name = ...; area = ...; ... }", owner);
        return -1;
    }
    if (mvg_key_read(&L->r, KEY(point, "name"), g, ctx, p, NULL) > 0)
        snprintf(ctx, sizeof ctx, "%s: point '%s'", owner, p->name);
    signed char rc[32];
    mvg_section_read(&L->r, &mvg_config_point_section, g, ctx, p, rc);
    check_point(L, g, rc, ctx, p);
    return L->r.errors != errors ? -1 : 0;
}

/* Appends the points of list (a libconfig list of groups) to *pts. */
static int load_points(loader *L, const config_setting_t *list, const char *owner,
                       mvg_point_cfg **pts, size_t *n)
{
    int count = config_setting_length(list);
    if (count <= 0) {
        /* a device that polls nothing is a mistake, not a choice */
        FAIL(L, list, "%s: 'points' is empty: give at least one point", owner);
        return -1;
    }
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

/* The profiles installed beside the running program (PREFIX/bin/mvgate or
 * PREFIX/sbin/mvgated -> PREFIX/share/mvgate/profiles), so that a gateway
 * installed under another prefix than the configured one (a package built
 * from a /usr/local tree installs under /usr) finds its own profiles. 0 when
 * that folder is not there (the build tree) or is the configured one. */
static int installed_profile_dir(char *out, size_t len)
{
    char exe[MVG_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (!slash)
        return 0;
    *slash = '\0';
    int w = snprintf(out, len, "%s/%s", exe, MVG_REL_PROFILE_DIR);
    if (w <= 0 || (size_t)w >= len)
        return 0;
    char real[PATH_MAX], configured[PATH_MAX];
    if (!realpath(out, real))
        return 0;
    if (realpath(MVG_DEFAULT_PROFILE_DIR, configured) && strcmp(real, configured) == 0)
        return 0;
    if (strlen(real) >= len)
        return 0;
    memcpy(out, real, strlen(real) + 1);
    return 1;
}

#define PROFILE_DIRS 5

/* Where profiles are looked for, in order: --profile-dir, MVG_PROFILE_DIR,
 * the configuration's ../profiles, the installed and the built-in folder.
 * Returns how many of dirs were filled. */
static size_t profile_dirs(const loader *L, char dirs[PROFILE_DIRS][MVG_PATH_MAX + 16])
{
    size_t ndirs = 0;
    const char *env = getenv("MVG_PROFILE_DIR");
    if (L->opts && L->opts->profile_dir)
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s", L->opts->profile_dir);
    if (env && *env)
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s", env);
    if (L->dir[0])
        snprintf(dirs[ndirs++], sizeof dirs[0], "%s/../profiles", L->dir);
    if (installed_profile_dir(dirs[ndirs], sizeof dirs[0]))
        ndirs++;
    snprintf(dirs[ndirs++], sizeof dirs[0], "%s", MVG_DEFAULT_PROFILE_DIR);
    return ndirs;
}

/* The grid factor table (config_grid.h): factors/grid.conf beside the
 * profiles folder of the first profile search directory that has one (the
 * source tree's config/factors, the installed share/mvgate/factors), so
 * that the table travels with the profiles. NULL when none has it. */
static const char *grid_table_path(const loader *L, char *out, size_t len)
{
    char dirs[PROFILE_DIRS][MVG_PATH_MAX + 16];
    size_t ndirs = profile_dirs(L, dirs);
    for (size_t i = 0; i < ndirs; i++) {
        int n = snprintf(out, len, "%s/../factors/grid.conf", dirs[i]);
        if (n > 0 && (size_t)n < len && access(out, R_OK) == 0)
            return out;
    }
    return NULL;
}

/*
 * The optional identify block of a profile: how `mvgate scan` recognises
 * the meter. vendor and product are looked for in the Read Device
 * Identification objects, registers are raw register values (one, or a
 * range); at least one of them, since an empty block would match anything.
 */
static void load_identify(loader *L, const config_setting_t *root, mvg_profile_ident *id)
{
    const config_setting_t *g = config_setting_get_member(root, "identify");
    if (!g)
        return;
    if (!config_setting_is_group(g)) {
        FAIL(L, g, "profile: 'identify' must be a group: identify = { vendor = \"...\"; };");
        return;
    }
    static const char *const keys[] = {"vendor", "product", "registers", NULL};
    mvg_cfgr_keys(&L->r, g, keys, "identify");
    id->declared = 1;
    mvg_cfgr_string(&L->r, g, "vendor", "identify", id->vendor, sizeof id->vendor);
    mvg_cfgr_string(&L->r, g, "product", "identify", id->product, sizeof id->product);
    const config_setting_t *list = config_setting_get_member(g, "registers");
    if (list && !config_setting_is_list(list)) {
        FAIL(L, list, "identify: 'registers' must be a list: registers = ( { area = \"holding\"; "
                      "address = 11; value = 1648; } );");
        list = NULL;
    }
    int n = list ? config_setting_length(list) : 0;
    if (n > MVG_IDENT_MAX_REGS)
        FAIL(L, list, "identify: %d registers, at most %d", n, MVG_IDENT_MAX_REGS);
    static const char *const areas[] = {"holding", "input", NULL};
    for (int i = 0; i < n && i < MVG_IDENT_MAX_REGS; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(e)) {
            FAIL(L, e, "identify: registers[%d] must be a group { area; address; value; }", i);
            continue;
        }
        static const char *const rkeys[] = {"area", "address", "value", "min", "max", NULL};
        mvg_cfgr_keys(&L->r, e, rkeys, "identify register");
        mvg_ident_reg *r = &id->regs[id->nregs];
        int area = -1;
        long long addr = -1, value = -1, lo = -1, hi = -1;
        if (mvg_cfgr_choice(&L->r, e, "area", "identify register", areas, &area) == 0)
            FAIL(L, e, "identify: registers[%d]: 'area' is missing (\"holding\" or \"input\")", i);
        if (mvg_cfgr_int(&L->r, e, "address", "identify register", 0, 65535, &addr) == 0)
            FAIL(L, e, "identify: registers[%d]: 'address' is missing (0..65535)", i);
        int has_v = mvg_cfgr_int(&L->r, e, "value", "identify register", 0, 65535, &value);
        int has_lo = mvg_cfgr_int(&L->r, e, "min", "identify register", 0, 65535, &lo);
        int has_hi = mvg_cfgr_int(&L->r, e, "max", "identify register", 0, 65535, &hi);
        if (has_v < 0 || has_lo < 0 || has_hi < 0 || area < 0 || addr < 0)
            continue;
        if (has_v > 0 && (has_lo > 0 || has_hi > 0)) {
            FAIL(L, e, "identify: registers[%d]: give 'value' or 'min' and 'max', not both", i);
            continue;
        }
        if (has_v == 0 && (has_lo == 0 || has_hi == 0)) {
            FAIL(L, e, "identify: registers[%d]: give 'value', or both 'min' and 'max'", i);
            continue;
        }
        if (has_v == 0 && lo > hi) {
            FAIL(L, e, "identify: registers[%d]: min %lld is above max %lld", i, lo, hi);
            continue;
        }
        r->area = area == 0 ? MVG_AREA_HOLDING : MVG_AREA_INPUT;
        r->address = (unsigned)addr;
        r->min = (unsigned)(has_v > 0 ? value : lo);
        r->max = (unsigned)(has_v > 0 ? value : hi);
        id->nregs++;
    }
    if (!id->vendor[0] && !id->product[0] && n == 0)
        FAIL(L, g, "identify: give 'vendor', 'product' or 'registers' (an empty block would "
                   "match any meter)");
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

    char dirs[PROFILE_DIRS][MVG_PATH_MAX + 16];
    size_t ndirs = profile_dirs(L, dirs);
    char path[MVG_PATH_MAX + MVG_NAME_MAX + 32];
    size_t i;
    for (i = 0; i < ndirs; i++)
        if (try_profile_path(dirs[i], name, path, sizeof path))
            break;
    if (i == ndirs && !at) {
        mvg_diags_add(L->r.diags, NULL, 0, "profile \"%s\" not found", name);
        return NULL;
    }
    if (i == ndirs) {
        const char *names[sizeof dirs / sizeof dirs[0] + 1];
        for (size_t k = 0; k < ndirs; k++)
            names[k] = dirs[k];
        names[ndirs] = NULL;
        char searched[sizeof dirs + 16];
        mvg_diag_join(searched, sizeof searched, names, "", ", ");
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
        char what[MVG_NAME_MAX + 16];
        snprintf(what, sizeof what, " (profile \"%s\")", name);
        mvg_cfgr_read_error(&L->r, &pc, path, what);
        config_destroy(&pc);
        L->r.include_dir = include_dir;
        return NULL;
    }
    static const char *const top[] = {"profile", "points", "identify", NULL};
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
    load_identify(L, root, &pr->ident);
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
    if (mvg_key_read(&L->r, KEY(device, "profile"), g, ctx, d, NULL) > 0) {
        int named = mvg_config_name_ok(d->profile, 0);
        pr = named ? get_profile(L, pname, d->profile) : NULL;
        if (!named)
            FAIL(L, pname, "%s: profile \"%s\" is not a valid profile name", ctx, d->profile);
        if (pr) {
            d->profile_source = intern_text(L, pr->source);
            int count = subset ? config_setting_length(subset) : (int)pr->npoints;
            if (subset && !config_setting_is_array(subset) && !config_setting_is_list(subset)) {
                FAIL(L, subset, "%s: 'profile_points' must be a list of names: [ \"a\", \"b\" ]",
                     ctx);
                count = 0;
            } else if (subset && count == 0) {
                FAIL(L, subset, "%s: 'profile_points' is empty: name at least one point, or leave "
                                "it out for all of the profile's", ctx);
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
        unsigned wa = mvg_point_width(a);
        for (size_t j = 0; j < i; j++) {
            const mvg_point_cfg *b = &d->points[j];
            if (strcmp(a->name, b->name) == 0) {
                mvg_diags_add(L->r.diags, a->src.file, a->src.line,
                              "device '%s': point '%s' is defined twice (first at line %d)",
                              d->name, a->name, b->src.line);
                L->r.errors++;
                continue;
            }
            /* a bit shares its register with the other bits and the whole
             * word (a status word and its flags); only the same bit twice
             * is a mistake */
            if (a->area != b->area || (a->has_bit != b->has_bit) ||
                (a->has_bit && a->bit != b->bit))
                continue;
            unsigned wb = mvg_point_width(b);
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
    char ctx[MVG_NAME_MAX + 32];
    d->src = src_of(L, g);
    d->bus = (size_t)-1;
    d->profile_source = "";
    if (open_element(L, g, &mvg_config_device_section, "device", "name = ...; bus = ...;", index,
                     d, d->name, ctx, sizeof ctx) != 0)
        return;
    signed char rc[16];
    mvg_section_read(&L->r, &mvg_config_device_section, g, ctx, d, rc);
    char bus[MVG_NAME_MAX];
    if (mvg_key_read(&L->r, KEY(device, "bus"), g, ctx, NULL, bus) > 0) {
        for (size_t b = 0; b < L->cfg->nbuses; b++)
            if (strcmp(L->cfg->buses[b].name, bus) == 0)
                d->bus = b;
        if (d->bus == (size_t)-1)
            FAIL(L, config_setting_get_member(g, "bus"), "%s: bus \"%s\" is not defined in 'buses'",
                 ctx, bus);
    }
    int has_unit = mvg_section_rc(&mvg_config_device_section, rc, "unit_id") > 0;
    if (mvg_section_rc(&mvg_config_device_section, rc, "unit_id") < 0)
        d->unit_id = -1; /* refused: no second error for a default it collides with */
    if (has_unit && d->bus != (size_t)-1 && L->cfg->buses[d->bus].type != MVG_BUS_TCP &&
        (d->unit_id < 1 || d->unit_id > 247))
        FAIL(L, config_setting_get_member(g, "unit_id"),
             "%s: unit_id %d on a serial line must be 1..247 (0 is broadcast, which gets no "
             "answer)", ctx, d->unit_id);
    const profile_t *pr = device_points(L, g, d, ctx);
    if (!config_setting_get_member(g, "unit_id") && pr && pr->has_unit_id)
        d->unit_id = pr->unit_id; /* the profile's factory default, valid on any bus */
    check_points(L, d);
}

/* ---- whole file -------------------------------------------------------- */

/* The top-level keys, the gateway and the buses: what a device refers to. */
static void load_head(loader *L, const config_setting_t *root)
{
    static const char *const top[] = {"gateway", "buses",  "devices", "derived",
                                      "projects", "store", "mqtt",    "influx", "http", NULL};
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
}

/* The elements of list as the next devices of cfg->devices (which has room
 * for them), each checked against every device before it, those of earlier
 * chunks included. */
static void load_devices(loader *L, const config_setting_t *list)
{
    mvg_config *cfg = L->cfg;
    int n = config_setting_length(list);
    for (int i = 0; cfg->devices && i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        mvg_device_cfg *d = &cfg->devices[cfg->ndevices++];
        load_device(L, g, d, cfg->ndevices - 1);
        for (size_t k = 0; k + 1 < cfg->ndevices; k++) {
            const mvg_device_cfg *o = &cfg->devices[k];
            if (d->name[0] && strcmp(o->name, d->name) == 0)
                FAIL(L, g, "device '%s' is defined twice (first at line %d)", d->name,
                     o->src.line);
            else if (d->bus != (size_t)-1 && o->bus == d->bus && d->unit_id >= 0 &&
                     o->unit_id == d->unit_id)
                FAIL(L, g, "device '%s': unit_id %d on bus '%s' is already device '%s' (line %d)",
                     d->name, d->unit_id, cfg->buses[d->bus].name, o->name, o->src.line);
        }
    }
}

/* The publishing and M&V sections, which come after every device. */
static void load_tail(loader *L, const config_setting_t *root)
{
    mvg_config *cfg = L->cfg;
    cfg->publish = calloc(1, sizeof *cfg->publish);
    if (!cfg->publish)
        FAIL(L, root, "out of memory");
    else if (mvg_config_publish_load(root, cfg->gateway.id, L->r.main_file, L->r.include_dir,
                                     L->opts, L->r.diags, cfg->publish) != 0)
        L->r.errors++;
    /* The M&V sections refer to devices and points: check them only once
     * those are sound, or every reference would be reported again. */
    char grid[MVG_PATH_MAX + 64];
    if (L->r.errors == 0 &&
        mvg_config_projects_load(root, cfg, grid_table_path(L, grid, sizeof grid), L->r.diags,
                                 &cfg->projects) != 0)
        L->r.errors++;
}

/* The whole file's tree at once. */
static void load_all(loader *L, const config_setting_t *root)
{
    mvg_config *cfg = L->cfg;
    load_head(L, root);
    const config_setting_t *devices = get_list(L, root, "devices", "top level", 1);
    int nd = devices ? config_setting_length(devices) : 0;
    if (devices && nd == 0)
        FAIL(L, devices, "'devices' is empty: the gateway needs at least one device");
    cfg->devices = calloc((size_t)nd + 1, sizeof *cfg->devices);
    if (devices)
        load_devices(L, devices);
    load_tail(L, root);
}

/* A libconfig tree of text parsed as the main file's (its settings named
 * after it, @include relative to its directory); 0, or -1 when it does not
 * parse. */
static int parse_text(loader *L, config_t *c, const char *text)
{
    config_init(c);
    config_set_options(c, CONFIG_OPTION_AUTOCONVERT);
    config_set_include_dir(c, L->dir);
    if (config_read_string(c, text) != CONFIG_TRUE) {
        config_destroy(c);
        return -1;
    }
    mvg_cfgr_name_source(config_root_setting(c), L->cfg->path);
    return 0;
}

/*
 * The file with its devices parsed a chunk at a time (config_scan.h): the
 * rest of the file first, with the list's elements blanked, then each chunk
 * of devices, its tree destroyed before the next is parsed, so libconfig
 * never holds every point at once (the high-water mark of a 100,000-point
 * gateway was 4 times its steady RSS). The checks run in load_all's order.
 * Returns 0, or -1 when this way cannot give load_all's answer (the text
 * does not scan or a part does not parse): the caller then discards what
 * was reported and reads the whole file.
 */
static int load_chunked(loader *L, size_t chunk_bytes)
{
    size_t len = 0;
    const char *text = mvg_cfgr_src_text(L->r.src, L->cfg->path, &len);
    mvg_cfgscan sc;
    if (!text || mvg_cfgscan_devices(text, len, chunk_bytes, &sc) != 0)
        return -1;
    int rc = -1;
    config_t c;
    char *blanked = mvg_cfgscan_blanked(text, len, &sc);
    int parsed = blanked && parse_text(L, &c, blanked) == 0;
    free(blanked);
    if (!parsed)
        goto out;
    const config_setting_t *root = config_root_setting(&c);
    load_head(L, root);
    L->cfg->devices = calloc(sc.nelems + 1, sizeof *L->cfg->devices);
    if (!L->cfg->devices)
        goto destroy;
    for (size_t i = 0; i < sc.nchunks; i++) {
        char *chunk = mvg_cfgscan_chunk_text(text, &sc.chunks[i]);
        config_t cc;
        parsed = chunk && parse_text(L, &cc, chunk) == 0;
        free(chunk);
        if (!parsed)
            goto destroy;
        const config_setting_t *list = config_lookup(&cc, "devices");
        int fits = list && L->cfg->ndevices + (size_t)config_setting_length(list) <= sc.nelems;
        if (fits)
            load_devices(L, list);
        config_destroy(&cc);
        if (!fits)
            goto destroy;
    }
    if (L->cfg->ndevices != sc.nelems)
        goto destroy;
    load_tail(L, root);
    rc = 0;
destroy:
    config_destroy(&c);
out:
    mvg_cfgscan_free(&sc);
    return rc;
}

/* An empty configuration with its string pool; NULL when out of memory. */
static mvg_config *new_config(void)
{
    mvg_config *cfg = calloc(1, sizeof *cfg);
    cfg_priv *priv = calloc(1, sizeof *priv);
    mvg_strpool *strings = mvg_strpool_new();
    if (!cfg || !priv || !strings) {
        free(cfg);
        free(priv);
        mvg_strpool_free(strings);
        return NULL;
    }
    priv->strings = strings;
    cfg->priv = priv;
    return cfg;
}

/* mvg_config_load, the devices read a chunk at a time unless chunk_bytes is
 * SIZE_MAX; *refused set when that way cannot give the answer (nothing in
 * diags is then the file's). */
static mvg_config *load(const char *path, const mvg_config_opts *opts, mvg_diags *diags,
                        size_t chunk_bytes, int *refused)
{
    mvg_config *cfg = new_config();
    if (!cfg) {
        mvg_diags_add(diags, path, 0, "out of memory");
        return NULL;
    }
    cfg_priv *priv = cfg->priv;
    if (strlen(path) >= sizeof cfg->path) {
        mvg_diags_add(diags, NULL, 0, "config path too long: %s", path);
        mvg_config_free(cfg);
        return NULL;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    mvg_cfgr_src src = {0}; /* the files read once for their integer literals */
    loader L = {.r = {diags, 0, cfg->path, NULL, opts, &src, priv->strings}, .cfg = cfg,
                .priv = priv, .opts = opts};
    snprintf(L.dir, sizeof L.dir, "%s", path);
    char *slash = strrchr(L.dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(L.dir, sizeof L.dir, ".");
    L.r.include_dir = L.dir;

    if (chunk_bytes != SIZE_MAX) {
        *refused = load_chunked(&L, chunk_bytes) != 0;
    } else {
        config_t c;
        config_init(&c);
        config_set_options(&c, CONFIG_OPTION_AUTOCONVERT);
        config_set_include_dir(&c, L.dir); /* @include is relative to the file, not the cwd */
        if (config_read_file(&c, path) != CONFIG_TRUE) {
            mvg_cfgr_read_error(&L.r, &c, path, ""); /* counts the error */
        } else {
            load_all(&L, config_root_setting(&c));
        }
        config_destroy(&c);
    }
    mvg_cfgr_src_free(&src);
    for (size_t i = 0; i < L.nprofiles; i++)
        free(L.profiles[i].points);
    free(L.profiles);
    char derr[MVG_PATH_MAX + 64];
    if (!L.r.errors && !*refused &&
        mvg_config_digest(path, L.dir, cfg->sha256, derr, sizeof derr) != 0) {
        mvg_diags_add(diags, path, 0, "%s", derr);
        L.r.errors++;
    }
    if (L.r.errors || *refused) {
        mvg_config_free(cfg);
        return NULL;
    }
    mvg_strpool_seal(priv->strings); /* read-only from here on */
    return cfg;
}

mvg_config *mvg_config_load(const char *path, const mvg_config_opts *opts, mvg_diags *diags)
{
    size_t chunk = opts && opts->devices_chunk ? opts->devices_chunk : MVG_CONFIG_DEVICES_CHUNK;
    int refused = 0;
    if (chunk != SIZE_MAX) {
        /* Its own list, so that a refusal leaves nothing in the caller's. */
        mvg_diags *mine = mvg_diags_new();
        if (mine) {
            mvg_config *cfg = load(path, opts, mine, chunk, &refused);
            for (size_t i = 0; !refused && i < mvg_diags_count(mine); i++)
                mvg_diags_add(diags, NULL, 0, "%s", mvg_diags_get(mine, i));
            mvg_diags_free(mine);
            if (!refused)
                return cfg;
            refused = 0;
        }
    }
    return load(path, opts, diags, SIZE_MAX, &refused);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

mvg_profile_info *mvg_config_profiles(const char *config_path, const mvg_config_opts *opts,
                                      size_t *n, mvg_diags *diags)
{
    *n = 0;
    mvg_config *cfg = new_config();
    mvg_profile_info *out = NULL;
    char **names = NULL;
    size_t nnames = 0;
    if (!cfg) {
        mvg_diags_add(diags, NULL, 0, "out of memory");
        return NULL;
    }
    cfg_priv *priv = cfg->priv;
    snprintf(cfg->path, sizeof cfg->path, "%s", config_path ? config_path : "profiles");
    loader L = {.r = {diags, 0, NULL, NULL, opts, NULL, priv->strings}, .cfg = cfg, .priv = priv,
                .opts = opts};
    if (config_path) {
        snprintf(L.dir, sizeof L.dir, "%s", config_path);
        char *slash = strrchr(L.dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(L.dir, sizeof L.dir, ".");
    }
    char dirs[PROFILE_DIRS][MVG_PATH_MAX + 16];
    size_t ndirs = profile_dirs(&L, dirs);
    /* the names, each once: get_profile takes the first folder that has it */
    for (size_t i = 0; i < ndirs; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0 || len - 5 >= MVG_NAME_MAX)
                continue;
            char name[MVG_NAME_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(len - 5), e->d_name);
            if (!mvg_config_name_ok(name, 0))
                continue;
            size_t k;
            for (k = 0; k < nnames && strcmp(names[k], name) != 0; k++)
                ;
            if (k < nnames)
                continue;
            char **grown = realloc(names, (nnames + 1) * sizeof *names);
            char *copy = strdup(name);
            if (!grown || !copy) {
                free(copy);
                if (grown)
                    names = grown;
                mvg_diags_add(diags, NULL, 0, "out of memory");
                break;
            }
            names = grown;
            names[nnames++] = copy;
        }
        if (d)
            closedir(d);
    }
    if (nnames)
        qsort(names, nnames, sizeof *names, cmp_names);
    out = calloc(nnames + 1, sizeof *out);
    for (size_t i = 0; out && i < nnames; i++) {
        const profile_t *pr = get_profile(&L, NULL, names[i]);
        if (!pr)
            continue;
        mvg_profile_info *p = &out[(*n)++];
        snprintf(p->name, sizeof p->name, "%s", pr->name);
        snprintf(p->source, sizeof p->source, "%s", pr->source);
        p->unit_id = pr->has_unit_id ? pr->unit_id : 0;
        p->ident = pr->ident;
    }
    for (size_t i = 0; i < L.nprofiles; i++)
        free(L.profiles[i].points);
    free(L.profiles);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    mvg_config_free(cfg);
    if (!*n) {
        free(out);
        return NULL;
    }
    return out;
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
    if (priv)
        mvg_strpool_free(priv->strings);
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
