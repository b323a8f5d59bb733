/*
 * config_prj_common.c: what the derived/projects loader shares
 * (config_prj.h): diagnostics and source files, references resolved
 * against the checked devices, points and derived channels, inline
 * expressions compiled with expr.h (their errors carry a column), and the
 * `derived` section: its key table and the rules between its keys.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_prj.h"
#include "config_read.h"
#include "expr.h"
#include "strpool.h"

_Static_assert(MVG_PRJ_NAME_MAX == MVG_NAME_MAX, "project names follow config names");

/* ---- small helpers ------------------------------------------------------ */

void mvg_cfgp_init(ctx_t *c, const mvg_config *cfg, mvg_diags *diags)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->r.diags = diags;
    /* An @included file is named relative to the config's directory (the
     * include dir): name it from the working directory, as config.c does. */
    const char *slash = cfg ? strrchr(cfg->path, '/') : NULL;
    if (slash) {
        snprintf(c->include_dir, sizeof c->include_dir, "%.*s", (int)(slash - cfg->path),
                 cfg->path);
        c->r.main_file = cfg->path;
        c->r.include_dir = c->include_dir;
    }
}

static const char *intern_file(ctx_t *c, const char *file)
{
    if (!file)
        file = "config"; /* read from a string: keep the line numbers useful */
    char buf[2 * MVG_PATH_MAX];
    file = mvg_cfgr_file(&c->r, file, buf, sizeof buf);
    if (!c->out->files && !(c->out->files = mvg_strpool_new()))
        return "config";
    const char *kept = mvg_strpool_intern(c->out->files, file);
    return kept ? kept : "config";
}

mvg_prj_src mvg_cfgp_src_of(ctx_t *c, const config_setting_t *s)
{
    mvg_prj_src src = {intern_file(c, config_setting_source_file(s)),
                       (int)config_setting_source_line(s)};
    return src;
}

void mvg_cfgp_fail(ctx_t *c, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mvg_cfgr_vfail(&c->r, s, fmt, ap);
    va_end(ap);
}

int mvg_cfgp_get_number(const ctx_t *c, const config_setting_t *s, double *v)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: {
        long long i;
        char text[64];
        if (mvg_cfgr_int_value(&c->r, s, &i, text, sizeof text) != 0)
            return -1;
        *v = (double)i;
        return 0;
    }
    case CONFIG_TYPE_FLOAT:
        *v = config_setting_get_float(s);
        return isfinite(*v) ? 0 : -1;
    default:
        return -1;
    }
}

int mvg_cfgp_is_ident(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* ---- references and expressions ---------------------------------------- */

/* Own lookups rather than config.c's, so that this module can be checked on
 * a hand-built device list. */
static long find_device(const mvg_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].name, name) == 0)
            return (long)i;
    return -1;
}

static long find_point(const mvg_device_cfg *d, const char *name)
{
    for (size_t i = 0; i < d->npoints; i++)
        if (strcmp(d->points[i].name, name) == 0)
            return (long)i;
    return -1;
}

static long find_derived(const mvg_projects_cfg *p, size_t limit, const char *name)
{
    for (size_t i = 0; i < limit && i < p->nderived; i++)
        if (strcmp(p->derived[i].name, name) == 0)
            return (long)i;
    return -1;
}

static size_t total_points(const mvg_config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->ndevices; i++)
        n += cfg->devices[i].npoints;
    return n;
}

/* Variable indices for compile-time checks: the points of all devices in
 * order, then the derived channels. */
static int resolve(const char *name, void *user)
{
    ctx_t *c = user;
    const char *dot = strchr(name, '.');
    if (dot) {
        char dev[MVG_NAME_MAX];
        size_t dl = (size_t)(dot - name);
        if (dl >= sizeof dev)
            return -1;
        memcpy(dev, name, dl);
        dev[dl] = '\0';
        long d = find_device(c->cfg, dev);
        if (d < 0)
            return -1;
        long pt = find_point(&c->cfg->devices[d], dot + 1);
        if (pt < 0)
            return -1;
        if (c->cfg->devices[d].points[pt].type == MVG_TYPE_STRING) {
            c->text_point = 1;
            return -1;
        }
        size_t idx = 0;
        for (long i = 0; i < d; i++)
            idx += c->cfg->devices[i].npoints;
        return (int)(idx + (size_t)pt);
    }
    long k = find_derived(c->out, c->derived_visible, name);
    if (k >= 0)
        return (int)(total_points(c->cfg) + (size_t)k);
    int n = c->derived_list ? config_setting_length(c->derived_list) : 0;
    for (int i = 0; i < n; i++) {
        const char *dn = NULL;
        const config_setting_t *g = config_setting_get_elem(c->derived_list, (unsigned)i);
        if (config_setting_is_group(g) && config_setting_lookup_string(g, "name", &dn) &&
            strcmp(dn, name) == 0) {
            snprintf(c->late_buf, sizeof c->late_buf, "%s", name);
            c->late_name = c->late_buf;
        }
    }
    return -1;
}

/* Compiles src for a check; reports the expr error at s. Returns 0 or -1. */
static int check_expr(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *src)
{
    char err[256];
    c->late_name = NULL;
    c->text_point = 0;
    mvg_expr *e = mvg_expr_compile(src, resolve, c, err, sizeof err);
    if (!e) {
        if (c->text_point)
            mvg_cfgp_fail(c, s, "%s: %s (a string point has text, no number to compute with)",
                          ctxs, err);
        else if (c->late_name)
            mvg_cfgp_fail(c, s, "%s: %s (derived channel '%s' must be defined before it is used)", ctxs,
                 err, c->late_name);
        else
            mvg_cfgp_fail(c, s, "%s: %s", ctxs, err);
        return -1;
    }
    mvg_expr_free(e);
    return 0;
}

static int add_derived(ctx_t *c, const char *name, const char *expr, const char *unit,
                       mvg_prj_src src)
{
    mvg_projects_cfg *p = c->out;
    mvg_derived_cfg *d = realloc(p->derived, (p->nderived + 1) * sizeof *d);
    if (!d)
        return -1;
    p->derived = d;
    d = &p->derived[p->nderived];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->unit, sizeof d->unit, "%s", unit ? unit : "");
    d->expr = strdup(expr);
    if (!d->expr)
        return -1;
    d->src = src;
    p->nderived++;
    return 0;
}

/*
 * A reference: "device.point", a derived name, either with an optional
 * ":sum|:mean|:min|:max", or an inline expression (which becomes an implicit
 * derived channel called implicit).
 */
int mvg_cfgp_parse_ref(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *text,
                       const char *implicit, mvg_ref_cfg *out)
{
    memset(out, 0, sizeof *out);
    out->src = mvg_cfgp_src_of(c, s);
    char name[sizeof out->channel];
    snprintf(name, sizeof name, "%s", text);
    const char *colon = strrchr(text, ':');
    static const char *const aggs[] = {"sum", "mean", "min", "max"};
    if (colon && strlen(text) < sizeof name) {
        for (size_t i = 0; i < 4; i++)
            if (strcmp(colon + 1, aggs[i]) == 0) {
                name[colon - text] = '\0';
                out->agg = (mvg_ref_agg)(MVG_REF_SUM + i);
            }
    }
    /* A plain name? */
    int plain = strlen(text) < sizeof name;
    int dots = 0;
    for (const char *q = name; *q && plain; q++) {
        if (*q == '.')
            dots++;
        else if (!(isalnum((unsigned char)*q) || *q == '_' || *q == '-'))
            plain = 0;
    }
    plain = plain && dots <= 1 && name[0] && name[0] != '.';
    if (plain) {
        c->derived_visible = c->out->nderived;
        c->late_name = NULL;
        c->text_point = 0;
        int idx = resolve(name, c);
        if (c->text_point) {
            mvg_cfgp_fail(c, s, "%s: '%s' is a string point: it has text, no number to use", ctxs,
                          name);
            return -1;
        }
        if (idx >= 0) {
            snprintf(out->channel, sizeof out->channel, "%s", name);
            if (dots) {
                const char *dot = strchr(name, '.');
                char dev[MVG_NAME_MAX];
                snprintf(dev, sizeof dev, "%.*s", (int)(dot - name), name);
                const mvg_device_cfg *d = &c->cfg->devices[find_device(c->cfg, dev)];
                const mvg_point_cfg *pt = &d->points[find_point(d, dot + 1)];
                out->is_counter = pt->kind == MVG_KIND_COUNTER;
            }
            return 0;
        }
        if (out->agg != MVG_REF_AUTO || !dots) {
            mvg_cfgp_fail(c, s, "%s: unknown %s '%s'", ctxs, dots ? "point" : "derived channel", name);
            return -1;
        }
    }
    c->derived_visible = c->ndeclared;
    if (check_expr(c, s, ctxs, text) != 0)
        return -1;
    if (add_derived(c, implicit, text, "", out->src) != 0) {
        mvg_cfgp_fail(c, s, "%s: out of memory", ctxs);
        return -1;
    }
    snprintf(out->channel, sizeof out->channel, "%s", implicit);
    return 0;
}

int mvg_cfgp_ref(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                 const char *text, const char *implicit, mvg_ref_cfg *out)
{
    if (!text)
        return -1;
    char sub[512];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    return mvg_cfgp_parse_ref(c, config_setting_get_member(g, key), sub, text, implicit, out);
}

/* ---- derived ------------------------------------------------------------ */

typedef struct {
    char name[MVG_NAME_MAX];
    const char *expr;
    char unit[sizeof ((mvg_derived_cfg *)0)->unit];
} derived_row;

#define DR(f) MVG_FIELD(derived_row, f)
static const mvg_key derived_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED, DR(name),
     .allowed = "a letter or `_`, then letters, digits, `_`, `-` (no `.`); < 64 characters; "
                "unique; not the name of a device",
     .doc = "the channel's name in references"},
    {"expr", MVG_KEY_TEXT, MVG_KEY_REQUIRED, DR(expr), .allowed = "expression, ≤ 4096 characters",
     .doc = "see below"},
    {"unit", MVG_KEY_STRING, MVG_KEY_CUT, DR(unit), .def = "", .doc = "unit of the result"},
};
const mvg_section mvg_config_derived_section = {"derived", MVG_KEYS(derived_keys)};

/* The rules between the keys of one derived channel d (read from g). */
static void check_derived(ctx_t *c, const config_setting_t *g, const char *ctx,
                          const derived_row *d)
{
    const config_setting_t *ns = config_setting_get_member(g, "name");
    if (!mvg_cfgp_is_ident(d->name)) {
        mvg_cfgp_fail(c, ns, "%s: name '%s' must be a letter or '_' then letters, digits, '_' or '-' "
             "(no '.': that is how points are named)", ctx, d->name);
        return;
    }
    char ctxs[128];
    snprintf(ctxs, sizeof ctxs, "derived '%s'", d->name);
    if (find_derived(c->out, c->out->nderived, d->name) >= 0) {
        mvg_cfgp_fail(c, ns, "%s: defined twice", ctxs);
        return;
    }
    if (find_device(c->cfg, d->name) >= 0) {
        mvg_cfgp_fail(c, ns, "%s: a device has the same name", ctxs);
        return;
    }
    if (!d->expr)
        return;
    c->derived_visible = c->out->nderived; /* only earlier ones: no cycles */
    if (check_expr(c, config_setting_get_member(g, "expr"), ctxs, d->expr) != 0)
        return;
    if (add_derived(c, d->name, d->expr, d->unit, mvg_cfgp_src_of(c, g)) != 0)
        mvg_cfgp_fail(c, g, "%s: out of memory", ctxs);
}

void mvg_cfgp_parse_derived(ctx_t *c, const config_setting_t *list)
{
    if (!config_setting_is_list(list)) {
        mvg_cfgp_fail(c, list, "'derived' must be a list: derived = ( { name = ...; expr = ...; } );");
        return;
    }
    const mvg_section *sec = &mvg_config_derived_section;
    int n = config_setting_length(list);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char ctxs[128];
        snprintf(ctxs, sizeof ctxs, "derived[%d]", i);
        derived_row d = {0};
        signed char rc[sizeof derived_keys / sizeof derived_keys[0]];
        mvg_section_defaults(sec, &d);
        if (mvg_section_read_group(&c->r, sec, g, ctxs, "{ name = ...; expr = ...; }", &d, rc) == 0 &&
            mvg_section_rc(sec, rc, "name") > 0)
            check_derived(c, g, ctxs, &d);
    }
}
