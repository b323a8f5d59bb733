/*
 * config_projects.c: parses and checks the `derived` and `projects`
 * sections. Every problem found is added to the diagnostics with the file
 * and line of the setting at fault; parsing goes on after an error so that
 * a user fixes the whole file in one pass. References are resolved against
 * the already-checked devices and points and the derived channels; inline
 * expressions are compiled with expr.h so that their errors carry a column.
 */
#include "config_projects.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"
#include "expr.h"
#include "timefmt.h"

_Static_assert(MVG_PRJ_NAME_MAX == MVG_NAME_MAX, "project names follow config names");

typedef struct {
    const mvg_config *cfg;
    mvg_diags *diags;
    mvg_projects_cfg *out;
    int errors;
    size_t derived_visible; /* derived channels an expression may use (earlier ones) */
    size_t ndeclared;       /* declared derived channels (the rest are implicit) */
    const config_setting_t *derived_list; /* for "defined later" hints */
    const char *late_name;  /* a derived name used before its definition */
    char late_buf[MVG_NAME_MAX];
} ctx_t;

/* ---- small helpers ------------------------------------------------------ */

static const char *intern_file(ctx_t *c, const char *file)
{
    if (!file)
        file = "config"; /* read from a string: keep the line numbers useful */
    /* An @included file is named relative to the config's directory (the
     * include dir): name it from the working directory, as config.c does. */
    char dir[MVG_PATH_MAX], buf[2 * MVG_PATH_MAX];
    const char *slash = c->cfg ? strrchr(c->cfg->path, '/') : NULL;
    if (slash) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - c->cfg->path), c->cfg->path);
        mvg_cfgr r = {NULL, 0, c->cfg->path, slash == c->cfg->path ? "" : dir};
        file = mvg_cfgr_file(&r, file, buf, sizeof buf);
    }
    for (size_t i = 0; i < c->out->nfiles; i++)
        if (strcmp(c->out->files[i], file) == 0)
            return c->out->files[i];
    char **f = realloc(c->out->files, (c->out->nfiles + 1) * sizeof *f);
    if (!f)
        return "config";
    c->out->files = f;
    char *dup = strdup(file);
    if (!dup)
        return "config";
    f[c->out->nfiles++] = dup;
    return dup;
}

static mvg_prj_src src_of(ctx_t *c, const config_setting_t *s)
{
    mvg_prj_src src = {intern_file(c, config_setting_source_file(s)),
                       (int)config_setting_source_line(s)};
    return src;
}

__attribute__((format(printf, 3, 4))) static void fail(ctx_t *c, const config_setting_t *s,
                                                        const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mvg_prj_src src = src_of(c, s);
    mvg_diags_add(c->diags, src.file, src.line, "%s", msg);
    c->errors++;
}

static int get_number(const config_setting_t *s, double *v)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *v = (double)config_setting_get_int64(s);
        return 0;
    case CONFIG_TYPE_FLOAT:
        *v = config_setting_get_float(s);
        return isfinite(*v) ? 0 : -1;
    default:
        return -1;
    }
}

/* Optional number member; 0 when absent (v untouched), 1 when read, -1 on a type error. */
static int opt_number(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                      double lo, double hi, double *v)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    double x;
    if (get_number(s, &x) != 0) {
        fail(c, s, "%s: '%s' must be a number", ctxs, key);
        return -1;
    }
    if (x < lo || x > hi) {
        fail(c, s, "%s: '%s' must be %g..%g, not %g", ctxs, key, lo, hi, x);
        return -1;
    }
    *v = x;
    return 1;
}

/* Optional string member; NULL when absent, reported when not a string. */
static const char *opt_string(ctx_t *c, const config_setting_t *g, const char *key,
                              const char *ctxs)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return NULL;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        fail(c, s, "%s: '%s' must be a string", ctxs, key);
        return NULL;
    }
    return config_setting_get_string(s);
}

static const char *req_string(ctx_t *c, const config_setting_t *g, const char *key,
                              const char *ctxs)
{
    const char *v = opt_string(c, g, key, ctxs);
    if (!v && !config_setting_get_member(g, key))
        fail(c, g, "%s: '%s' is missing", ctxs, key);
    return v;
}

static int copy_name(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *key,
                     const char *v, char *dst, size_t cap)
{
    if (!v)
        return -1;
    if (!*v || strlen(v) >= cap) {
        fail(c, s, "%s: '%s' must be 1..%zu characters", ctxs, key, cap - 1);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int is_ident(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void check_keys(ctx_t *c, const config_setting_t *g, const char *const *allowed,
                       const char *ctxs)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        int ok = 0;
        for (size_t k = 0; allowed[k] && !ok; k++)
            ok = strcmp(name, allowed[k]) == 0;
        if (!ok)
            fail(c, m, "%s: unknown key '%s'", ctxs, name);
    }
}

/* ---- time --------------------------------------------------------------- */

static int req_time(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                    int required, int64_t *ms)
{
    const char *v = required ? req_string(c, g, key, ctxs) : opt_string(c, g, key, ctxs);
    if (!v)
        return -1;
    if (mvg_timefmt_parse(v, ms) != 0) {
        fail(c, config_setting_get_member(g, key),
             "%s: '%s' = \"%s\" is not an ISO 8601 time (e.g. \"2025-03-01T00:00:00Z\")", ctxs,
             key, v);
        return -1;
    }
    return 0;
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
    mvg_expr *e = mvg_expr_compile(src, resolve, c, err, sizeof err);
    if (!e) {
        if (c->late_name)
            fail(c, s, "%s: %s (derived channel '%s' must be defined before it is used)", ctxs,
                 err, c->late_name);
        else
            fail(c, s, "%s: %s", ctxs, err);
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
static int parse_ref(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *text,
                     const char *implicit, mvg_ref_cfg *out)
{
    memset(out, 0, sizeof *out);
    out->src = src_of(c, s);
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
        int idx = resolve(name, c);
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
            fail(c, s, "%s: unknown %s '%s'", ctxs, dots ? "point" : "derived channel", name);
            return -1;
        }
    }
    c->derived_visible = c->ndeclared;
    if (check_expr(c, s, ctxs, text) != 0)
        return -1;
    if (add_derived(c, implicit, text, "", out->src) != 0) {
        fail(c, s, "%s: out of memory", ctxs);
        return -1;
    }
    snprintf(out->channel, sizeof out->channel, "%s", implicit);
    return 0;
}

static int req_ref(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                   const char *implicit, mvg_ref_cfg *out)
{
    char sub[512];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    const char *v = req_string(c, g, key, ctxs);
    if (!v)
        return -1;
    return parse_ref(c, config_setting_get_member(g, key), sub, v, implicit, out);
}

/* ---- derived ------------------------------------------------------------ */

static void parse_derived(ctx_t *c, const config_setting_t *list)
{
    if (!config_setting_is_list(list)) {
        fail(c, list, "'derived' must be a list: derived = ( { name = ...; expr = ...; } );");
        return;
    }
    static const char *const keys[] = {"name", "expr", "unit", NULL};
    int n = config_setting_length(list);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char ctxs[128];
        snprintf(ctxs, sizeof ctxs, "derived[%d]", i);
        if (!config_setting_is_group(g)) {
            fail(c, g, "%s must be a group { name = ...; expr = ...; }", ctxs);
            continue;
        }
        check_keys(c, g, keys, ctxs);
        const char *name = req_string(c, g, "name", ctxs);
        const char *expr = req_string(c, g, "expr", ctxs);
        const char *unit = opt_string(c, g, "unit", ctxs);
        if (!name)
            continue;
        const config_setting_t *ns = config_setting_get_member(g, "name");
        if (!is_ident(name) || strlen(name) >= MVG_NAME_MAX) {
            fail(c, ns, "%s: name '%s' must be a letter or '_' then letters, digits, '_' or '-' "
                 "(no '.': that is how points are named)", ctxs, name);
            continue;
        }
        snprintf(ctxs, sizeof ctxs, "derived '%s'", name);
        if (find_derived(c->out, c->out->nderived, name) >= 0) {
            fail(c, ns, "%s: defined twice", ctxs);
            continue;
        }
        if (find_device(c->cfg, name) >= 0) {
            fail(c, ns, "%s: a device has the same name", ctxs);
            continue;
        }
        if (!expr)
            continue;
        c->derived_visible = c->out->nderived; /* only earlier ones: no cycles */
        if (check_expr(c, config_setting_get_member(g, "expr"), ctxs, expr) != 0)
            continue;
        if (add_derived(c, name, expr, unit, src_of(c, g)) != 0)
            fail(c, g, "%s: out of memory", ctxs);
    }
}

/* ---- streams ------------------------------------------------------------ */

static int read_array(ctx_t *c, const config_setting_t *a, const char *ctxs, const char *key,
                      double *v, size_t cap, size_t *n)
{
    if (!config_setting_is_array(a) && !config_setting_is_list(a)) {
        fail(c, a, "%s: '%s' must be an array of numbers [ ... ]", ctxs, key);
        return -1;
    }
    int len = config_setting_length(a);
    if ((size_t)len > cap) {
        fail(c, a, "%s: '%s' has %d values, at most %zu allowed", ctxs, key, len, cap);
        return -1;
    }
    for (int i = 0; i < len; i++)
        if (get_number(config_setting_get_elem(a, (unsigned)i), &v[i]) != 0) {
            fail(c, a, "%s: '%s'[%d] must be a number", ctxs, key, i);
            return -1;
        }
    *n = (size_t)len;
    return 0;
}

static void parse_model(ctx_t *c, const config_setting_t *m, const char *ctxs,
                        const mvg_project_cfg *prj, mvg_stream_cfg *st)
{
    static const char *const keys[] = {"type", "x", "coefficients", "change_points", "n",
                                       "cv_rmse", "rho", "nmbe", "r2", NULL};
    char sub[300];
    snprintf(sub, sizeof sub, "%s: model", ctxs);
    if (!config_setting_is_group(m)) {
        fail(c, m, "%s must be a group { type = ...; x = [ ... ]; }", sub);
        return;
    }
    check_keys(c, m, keys, sub);
    st->has_model = 1;
    st->model_type = MVG_MODEL_AUTO;
    const char *type = opt_string(c, m, "type", sub);
    if (type && mvg_model_type_parse(type, &st->model_type) != 0) {
        fail(c, config_setting_get_member(m, "type"),
             "%s: unknown type '%s' (mean, intensity, linear, 3pc, 3ph, 4p, 5p, auto)", sub, type);
        return;
    }
    const config_setting_t *xs = config_setting_get_member(m, "x");
    if (xs) {
        if (!config_setting_is_array(xs) && !config_setting_is_list(xs)) {
            fail(c, xs, "%s: 'x' must be an array of point names [ \"dev.point\", ... ]", sub);
            return;
        }
        int n = config_setting_length(xs);
        if (n > MVG_MODEL_MAX_X) {
            fail(c, xs, "%s: %d independent variables, at most %d", sub, n, MVG_MODEL_MAX_X);
            return;
        }
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(xs, (unsigned)i);
            char xctx[340], impl[MVG_CHANNEL_NAME_MAX];
            snprintf(xctx, sizeof xctx, "%s: x[%d]", sub, i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                fail(c, e, "%s must be a string", xctx);
                continue;
            }
            snprintf(impl, sizeof impl, "~%s.%s.x%d", prj->name, st->name, i);
            if (parse_ref(c, e, xctx, config_setting_get_string(e), impl, &st->x[st->nx]) == 0)
                st->nx++;
        }
        if ((int)st->nx != n)
            return;
    }
    size_t ncp;
    mvg_model_type t = st->model_type;
    if (t == MVG_MODEL_MEAN && st->nx != 0) {
        fail(c, m, "%s: a 'mean' model takes no x", sub);
        return;
    }
    if (t != MVG_MODEL_MEAN && st->nx == 0) {
        fail(c, m, "%s: a '%s' model needs at least one x", sub, mvg_model_type_name(t));
        return;
    }
    if (t != MVG_MODEL_MEAN && t != MVG_MODEL_LINEAR && t != MVG_MODEL_AUTO && st->nx != 1) {
        fail(c, m, "%s: a '%s' model takes exactly one x, not %zu", sub, mvg_model_type_name(t),
             st->nx);
        return;
    }
    const config_setting_t *co = config_setting_get_member(m, "coefficients");
    const config_setting_t *cps = config_setting_get_member(m, "change_points");
    if (!co) {
        if (cps)
            fail(c, cps, "%s: 'change_points' given without 'coefficients'", sub);
        return;
    }
    if (t == MVG_MODEL_AUTO) {
        fail(c, co, "%s: a model given by its coefficients needs its type, not 'auto'", sub);
        return;
    }
    mvg_model *md = &st->model;
    memset(md, 0, sizeof *md);
    md->type = t;
    md->nx = st->nx;
    int want = (int)mvg_model_form_size(t, st->nx, &ncp);
    size_t n = 0;
    if (read_array(c, co, sub, "coefficients", md->coef, MVG_MODEL_MAX_COEF, &n) != 0)
        return;
    if ((int)n != want) {
        fail(c, co, "%s: a '%s' model with %zu x has %d coefficients, not %zu", sub,
             mvg_model_type_name(t), st->nx, want, n);
        return;
    }
    md->ncoef = n;
    size_t ncps = 0;
    if (cps && read_array(c, cps, sub, "change_points", md->cp, 2, &ncps) != 0)
        return;
    if (ncps != ncp) {
        fail(c, cps ? cps : co, "%s: a '%s' model has %zu change point%s, not %zu", sub,
             mvg_model_type_name(t), ncp, ncp == 1 ? "" : "s", ncps);
        return;
    }
    if (ncp == 2 && !(md->cp[0] < md->cp[1])) {
        fail(c, cps, "%s: change points must be in increasing order", sub);
        return;
    }
    md->ncp = ncp;
    md->p = n + ncp;
    /* Fit statistics of the external fit, needed for the FSU; unknown -> NaN. */
    double v = NAN;
    md->n = 0;
    if (opt_number(c, m, "n", sub, (double)md->p + 1, 1e9, &v) == 1)
        md->n = (size_t)v;
    md->cv_rmse = NAN;
    md->rho = 0.0;
    md->nmbe = NAN;
    md->r2 = NAN;
    opt_number(c, m, "cv_rmse", sub, 0.0, 10.0, &md->cv_rmse);
    opt_number(c, m, "rho", sub, -1.0, 1.0, &md->rho);
    opt_number(c, m, "nmbe", sub, -10.0, 10.0, &md->nmbe);
    opt_number(c, m, "r2", sub, -1e9, 1.0, &md->r2);
    md->adj_r2 = NAN;
    md->rmse = NAN;
    md->ybar = NAN;
    md->sse = NAN;
    md->coverage = 1.0;
    md->pass = isfinite(md->cv_rmse) && md->cv_rmse <= prj->criteria.max_cv_rmse &&
               (!isfinite(md->nmbe) || fabs(md->nmbe) <= prj->criteria.max_abs_nmbe);
    for (size_t i = 0; i < MVG_MODEL_MAX_COEF; i++)
        md->std_err[i] = md->t_stat[i] = NAN;
    st->model_given = 1;
}

static void parse_factors(ctx_t *c, const config_setting_t *g, const char *ctxs,
                          mvg_stream_cfg *st)
{
    mvg_conv_factors *f = &st->factors;
    double v;
    mvg_stream_type t = st->type;
    struct {
        const char *key;
        int ok;
        const char *hint;
    } rules[] = {
        {"co2_kg_per_unit", t == MVG_STREAM_ELECTRICITY || t == MVG_STREAM_HEAT,
         "applies to electricity (grid factor) and heat streams; fuels take co2_kg_per_tj"},
        {"co2_kg_per_tj", t == MVG_STREAM_FUEL, "applies to fuel streams"},
        {"kg_per_unit", t == MVG_STREAM_FUEL, "applies to fuel streams (density)"},
        {"ncv_tj_per_gg", t == MVG_STREAM_FUEL, "applies to fuel streams"},
        {"enthalpy_kj_per_kg", t == MVG_STREAM_HEAT && strcmp(f->unit, "t") == 0,
         "applies to heat streams measured in t of steam"},
        {"o2_ref", t == MVG_STREAM_NOX || t == MVG_STREAM_SO2, "applies to nox and so2 streams"},
        {"flow_basis", t == MVG_STREAM_NOX || t == MVG_STREAM_SO2, "applies to nox and so2 streams"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const config_setting_t *s = config_setting_get_member(g, rules[i].key);
        if (s && !rules[i].ok)
            fail(c, s, "%s: '%s' %s", ctxs, rules[i].key, rules[i].hint);
    }
    if (opt_number(c, g, "cost_per_unit", ctxs, 0.0, 1e9, &f->cost_per_unit) == 1)
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_COST;
    if (rules[0].ok && opt_number(c, g, "co2_kg_per_unit", ctxs, 0.0, 100.0, &v) == 1) {
        f->co2_factor = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_CO2;
    }
    if (rules[1].ok && opt_number(c, g, "co2_kg_per_tj", ctxs, 0.0, 1e6, &v) == 1) {
        f->co2_factor = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_CO2;
    }
    if (rules[2].ok && opt_number(c, g, "kg_per_unit", ctxs, 1e-6, 1e6, &v) == 1) {
        f->kg_per_unit = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_MASS;
    }
    if (rules[3].ok && opt_number(c, g, "ncv_tj_per_gg", ctxs, 1.0, 200.0, &v) == 1) {
        f->ncv_tj_per_gg = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_NCV;
    }
    if (rules[4].ok && opt_number(c, g, "enthalpy_kj_per_kg", ctxs, 1.0, 5000.0, &v) == 1) {
        f->enthalpy_kj_per_kg = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_ENTHALPY;
    }
    if (rules[5].ok && opt_number(c, g, "o2_ref", ctxs, 0.0, 20.9, &v) == 1) {
        f->o2_ref_pct = v;
        f->defaulted &= ~(unsigned)MVG_CONV_DEF_O2_REF;
    }
    const char *fb = rules[6].ok ? opt_string(c, g, "flow_basis", ctxs) : NULL;
    if (fb) {
        if (strcmp(fb, "measured") == 0)
            f->flow_basis = MVG_FLOW_MEASURED;
        else if (strcmp(fb, "reference") == 0)
            f->flow_basis = MVG_FLOW_REFERENCE;
        else
            fail(c, config_setting_get_member(g, "flow_basis"),
                 "%s: flow_basis must be \"measured\" or \"reference\", not \"%s\"", ctxs, fb);
    }
}

static void parse_adjustments(ctx_t *c, const config_setting_t *list, const char *ctxs,
                              mvg_stream_cfg *st)
{
    static const char *const keys[] = {"reason", "per_interval", "once_at", "amount", NULL};
    if (!config_setting_is_list(list)) {
        fail(c, list, "%s: 'adjustments' must be a list ( { reason = ...; ... } )", ctxs);
        return;
    }
    int n = config_setting_length(list);
    st->adjust = calloc((size_t)(n ? n : 1), sizeof *st->adjust);
    if (!st->adjust)
        return;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char sub[300];
        snprintf(sub, sizeof sub, "%s: adjustments[%d]", ctxs, i);
        if (!config_setting_is_group(g)) {
            fail(c, g, "%s must be a group", sub);
            continue;
        }
        check_keys(c, g, keys, sub);
        mvg_adjust_cfg *a = &st->adjust[st->nadjust];
        a->src = src_of(c, g);
        const char *reason = req_string(c, g, "reason", sub);
        if (!reason)
            continue;
        snprintf(a->reason, sizeof a->reason, "%s", reason);
        int has_per = config_setting_get_member(g, "per_interval") != NULL;
        int has_once = config_setting_get_member(g, "once_at") != NULL;
        if (has_per == has_once) {
            fail(c, g, "%s: give either 'per_interval' or 'once_at' with 'amount'", sub);
            continue;
        }
        if (has_per) {
            if (config_setting_get_member(g, "amount"))
                fail(c, config_setting_get_member(g, "amount"),
                     "%s: 'amount' goes with 'once_at'; 'per_interval' is the amount itself", sub);
            if (opt_number(c, g, "per_interval", sub, -1e12, 1e12, &a->amount) != 1)
                continue;
        } else {
            a->once = 1;
            if (req_time(c, g, "once_at", sub, 1, &a->once_at_ms) != 0)
                continue;
            if (!config_setting_get_member(g, "amount")) {
                fail(c, g, "%s: 'once_at' needs 'amount'", sub);
                continue;
            }
            if (opt_number(c, g, "amount", sub, -1e12, 1e12, &a->amount) != 1)
                continue;
        }
        st->nadjust++;
    }
}

static void parse_flue_pair(ctx_t *c, const config_setting_t *s, const char *key,
                            const char *ctxs, const mvg_project_cfg *prj, mvg_stream_cfg *st,
                            mvg_ref_cfg *conc, mvg_ref_cfg *flow)
{
    char sub[300], impl[MVG_CHANNEL_NAME_MAX];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    if (!config_setting_is_group(s)) {
        fail(c, s, "%s must be a group { conc = \"dev.point\"; flow = \"dev.point\"; }", sub);
        return;
    }
    static const char *const keys[] = {"conc", "flow", NULL};
    check_keys(c, s, keys, sub);
    snprintf(impl, sizeof impl, "~%s.%s.%s_conc", prj->name, st->name, key);
    req_ref(c, s, "conc", sub, impl, conc);
    snprintf(impl, sizeof impl, "~%s.%s.%s_flow", prj->name, st->name, key);
    req_ref(c, s, "flow", sub, impl, flow);
}

static void parse_stream(ctx_t *c, const config_setting_t *g, const char *pctx,
                         const mvg_project_cfg *prj, size_t idx, mvg_stream_cfg *st)
{
    static const char *const keys[] = {
        "name",          "type",        "unit",         "fuel",          "actual",
        "model",         "factors",     "adjustments",  "conc",          "o2",
        "flow",          "inlet",       "outlet",       "co2_kg_per_unit", "co2_kg_per_tj",
        "cost_per_unit", "kg_per_unit", "ncv_tj_per_gg", "enthalpy_kj_per_kg", "o2_ref",
        "flow_basis",    NULL};
    char ctxs[256];
    snprintf(ctxs, sizeof ctxs, "%s: streams[%zu]", pctx, idx);
    st->src = src_of(c, g);
    if (!config_setting_is_group(g)) {
        fail(c, g, "%s must be a group { name = ...; type = ...; ... }", ctxs);
        return;
    }
    const char *name = req_string(c, g, "name", ctxs);
    if (copy_name(c, g, ctxs, "name", name, st->name, sizeof st->name) != 0) {
        check_keys(c, g, keys, ctxs);
        return;
    }
    snprintf(ctxs, sizeof ctxs, "%s: stream '%s'", pctx, name);
    check_keys(c, g, keys, ctxs);
    for (size_t i = 0; i < idx; i++)
        if (strcmp(prj->streams[i].name, name) == 0) {
            fail(c, config_setting_get_member(g, "name"), "%s: defined twice in this project",
                 ctxs);
            return;
        }
    const char *type = req_string(c, g, "type", ctxs);
    const char *unit = req_string(c, g, "unit", ctxs);
    if (!type || !unit)
        return;
    if (mvg_convert_stream_parse(type, &st->type) != 0) {
        fail(c, config_setting_get_member(g, "type"),
             "%s: unknown type '%s' (electricity, fuel, heat, water, nox, so2, voc, cost)", ctxs,
             type);
        return;
    }
    mvg_fuel fuel = MVG_FUEL_NATURAL_GAS;
    const char *fs = opt_string(c, g, "fuel", ctxs);
    if (st->type == MVG_STREAM_FUEL) {
        if (!fs) {
            fail(c, g, "%s: a fuel stream needs 'fuel' (natural_gas, diesel, lpg)", ctxs);
            return;
        }
        if (mvg_convert_fuel_parse(fs, &fuel) != 0) {
            fail(c, config_setting_get_member(g, "fuel"),
                 "%s: unknown fuel '%s' (natural_gas, diesel, lpg)", ctxs, fs);
            return;
        }
    } else if (fs) {
        fail(c, config_setting_get_member(g, "fuel"), "%s: 'fuel' applies to fuel streams only",
             ctxs);
    }
    char err[160];
    if (mvg_convert_defaults(st->type, fuel, unit, &st->factors, err, sizeof err) != 0) {
        fail(c, config_setting_get_member(g, "unit"), "%s: %s", ctxs, err);
        return;
    }
    parse_factors(c, g, ctxs, st);
    const config_setting_t *fg = config_setting_get_member(g, "factors");
    if (fg) {
        if (!config_setting_is_group(fg)) {
            fail(c, fg, "%s: 'factors' must be a group", ctxs);
        } else {
            static const char *const fkeys[] = {"co2_kg_per_unit", "co2_kg_per_tj", "cost_per_unit",
                                                "kg_per_unit",     "ncv_tj_per_gg", "enthalpy_kj_per_kg",
                                                "o2_ref",          "flow_basis",    NULL};
            char sub[300];
            snprintf(sub, sizeof sub, "%s: factors", ctxs);
            check_keys(c, fg, fkeys, sub);
            parse_factors(c, fg, sub, st);
        }
    }

    char impl[MVG_CHANNEL_NAME_MAX];
    const config_setting_t *act = config_setting_get_member(g, "actual");
    int is_flue = st->type == MVG_STREAM_NOX || st->type == MVG_STREAM_SO2;
    if (st->type == MVG_STREAM_VOC) {
        const config_setting_t *in = config_setting_get_member(g, "inlet");
        const config_setting_t *outs = config_setting_get_member(g, "outlet");
        if (act)
            fail(c, act, "%s: a voc stream is measured by 'inlet' and 'outlet', not 'actual'", ctxs);
        if (!in || !outs) {
            fail(c, g, "%s: a voc stream needs inlet = { conc; flow; } and outlet = { conc; flow; }",
                 ctxs);
        } else {
            parse_flue_pair(c, in, "inlet", ctxs, prj, st, &st->in_conc, &st->in_flow);
            parse_flue_pair(c, outs, "outlet", ctxs, prj, st, &st->out_conc, &st->out_flow);
        }
    } else if (is_flue && !act) {
        st->has_flue = 1;
        snprintf(impl, sizeof impl, "~%s.%s.conc", prj->name, st->name);
        req_ref(c, g, "conc", ctxs, impl, &st->conc);
        snprintf(impl, sizeof impl, "~%s.%s.flow", prj->name, st->name);
        req_ref(c, g, "flow", ctxs, impl, &st->flow);
        if (config_setting_get_member(g, "o2")) {
            snprintf(impl, sizeof impl, "~%s.%s.o2", prj->name, st->name);
            st->has_o2 = req_ref(c, g, "o2", ctxs, impl, &st->o2) == 0;
        } else if (st->factors.flow_basis == MVG_FLOW_REFERENCE) {
            fail(c, g, "%s: flow_basis \"reference\" needs 'o2' (the measured O2, %%)", ctxs);
        }
    } else {
        snprintf(impl, sizeof impl, "~%s.%s.actual", prj->name, st->name);
        if (req_ref(c, g, "actual", ctxs, impl, &st->actual) == 0)
            st->has_actual = 1;
        static const char *const flue_only[] = {"conc", "o2", "flow", "inlet", "outlet"};
        for (size_t i = 0; i < 5; i++) {
            const config_setting_t *s = config_setting_get_member(g, flue_only[i]);
            if (s)
                fail(c, s, "%s: '%s' applies to %s streams only", ctxs, flue_only[i],
                     i < 3 ? "nox and so2 streams without 'actual'," : "voc");
        }
    }

    const config_setting_t *m = config_setting_get_member(g, "model");
    if (m)
        parse_model(c, m, ctxs, prj, st);
    else if (st->type != MVG_STREAM_VOC)
        fail(c, g, "%s: 'model' is missing (e.g. model = { type = \"linear\"; x = [ \"dev.point\" ]; })",
             ctxs);
    const config_setting_t *adj = config_setting_get_member(g, "adjustments");
    if (adj)
        parse_adjustments(c, adj, ctxs, st);
}

/* ---- projects ----------------------------------------------------------- */

static void parse_period(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                         int required, int end_required, int *present, int64_t *start,
                         int *has_end, int64_t *end)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    *present = 0;
    if (!s) {
        if (required)
            fail(c, g, "%s: '%s' is missing (%s = { start = \"...\"; end = \"...\"; })", ctxs, key,
                 key);
        return;
    }
    char sub[300];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    if (!config_setting_is_group(s)) {
        fail(c, s, "%s must be a group { start = \"...\"; end = \"...\"; }", sub);
        return;
    }
    static const char *const keys[] = {"start", "end", NULL};
    check_keys(c, s, keys, sub);
    int ok = req_time(c, s, "start", sub, 1, start) == 0;
    *has_end = 0;
    if (config_setting_get_member(s, "end") || end_required) {
        if (req_time(c, s, "end", sub, 1, end) != 0)
            ok = 0;
        else
            *has_end = 1;
    }
    if (ok && *has_end && *end <= *start) {
        fail(c, s, "%s: end must be after start", sub);
        ok = 0;
    }
    *present = ok;
}

static void parse_project(ctx_t *c, const config_setting_t *g, int idx, mvg_project_cfg *prj)
{
    static const char *const keys[] = {"name",       "technology", "interval_min", "baseline",
                                       "installation", "reporting", "confidence",  "criteria",
                                       "streams",    "min_interval_coverage", NULL};
    char ctxs[160];
    snprintf(ctxs, sizeof ctxs, "projects[%d]", idx);
    prj->src = src_of(c, g);
    if (!config_setting_is_group(g)) {
        fail(c, g, "%s must be a group { name = ...; baseline = ...; streams = ...; }", ctxs);
        return;
    }
    const char *name = req_string(c, g, "name", ctxs);
    if (copy_name(c, g, ctxs, "name", name, prj->name, sizeof prj->name) != 0) {
        check_keys(c, g, keys, ctxs);
        return;
    }
    if (!is_ident(name)) {
        fail(c, config_setting_get_member(g, "name"),
             "%s: name '%s' must be a letter or '_' then letters, digits, '_' or '-'", ctxs, name);
        return;
    }
    snprintf(ctxs, sizeof ctxs, "project '%s'", name);
    check_keys(c, g, keys, ctxs);
    for (int i = 0; i < idx; i++)
        if (strcmp(c->out->projects[i].name, name) == 0) {
            fail(c, config_setting_get_member(g, "name"), "%s: defined twice", ctxs);
            return;
        }
    const char *tech = opt_string(c, g, "technology", ctxs);
    snprintf(prj->technology, sizeof prj->technology, "%s", tech ? tech : "");
    double v = 15;
    const config_setting_t *im = config_setting_get_member(g, "interval_min");
    if (im && config_setting_type(im) != CONFIG_TYPE_INT)
        fail(c, im, "%s: 'interval_min' must be an integer (minutes)", ctxs);
    else
        opt_number(c, g, "interval_min", ctxs, 1, 60, &v);
    prj->interval_min = (int)v;
    if (im && 60 % prj->interval_min != 0)
        fail(c, im, "%s: 'interval_min' = %d does not divide the hour (1, 2, 3, 4, 5, 6, 10, 12, "
             "15, 20, 30 or 60)", ctxs, prj->interval_min);
    prj->confidence = 0.90;
    opt_number(c, g, "confidence", ctxs, 0.5, 0.999, &prj->confidence);
    prj->min_interval_coverage = 0.90;
    opt_number(c, g, "min_interval_coverage", ctxs, 0.0, 1.0, &prj->min_interval_coverage);
    mvg_model_criteria_default(&prj->criteria);
    prj->criteria.confidence = prj->confidence;
    const config_setting_t *cr = config_setting_get_member(g, "criteria");
    if (cr) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s: criteria", ctxs);
        static const char *const ckeys[] = {"max_cv_rmse", "max_abs_nmbe", "min_coverage",
                                            "min_points_per_segment", NULL};
        if (!config_setting_is_group(cr)) {
            fail(c, cr, "%s must be a group", sub);
        } else {
            check_keys(c, cr, ckeys, sub);
            opt_number(c, cr, "max_cv_rmse", sub, 0.0, 10.0, &prj->criteria.max_cv_rmse);
            opt_number(c, cr, "max_abs_nmbe", sub, 0.0, 10.0, &prj->criteria.max_abs_nmbe);
            opt_number(c, cr, "min_coverage", sub, 0.0, 1.0, &prj->criteria.min_coverage);
            double mp = (double)prj->criteria.min_points_per_segment;
            if (opt_number(c, cr, "min_points_per_segment", sub, 1, 1e6, &mp) == 1)
                prj->criteria.min_points_per_segment = (size_t)mp;
        }
    }

    int has_b, has_r, has_bend, has_iend, has_rend;
    int64_t bend = 0, iend = 0;
    parse_period(c, g, "baseline", ctxs, 1, 1, &has_b, &prj->baseline_start_ms, &has_bend, &bend);
    prj->baseline_end_ms = bend;
    parse_period(c, g, "installation", ctxs, 0, 1, &prj->has_installation,
                 &prj->installation_start_ms, &has_iend, &iend);
    prj->installation_end_ms = iend;
    parse_period(c, g, "reporting", ctxs, 1, 0, &has_r, &prj->reporting_start_ms, &has_rend,
                 &prj->reporting_end_ms);
    prj->has_reporting_end = has_r && has_rend;
    if (has_b && has_r) {
        int64_t after_b = prj->baseline_end_ms;
        if (prj->has_installation) {
            if (prj->installation_start_ms < prj->baseline_end_ms)
                fail(c, config_setting_get_member(g, "installation"),
                     "%s: installation must start at or after the end of the baseline", ctxs);
            after_b = prj->installation_end_ms;
        }
        if (prj->reporting_start_ms < after_b)
            fail(c, config_setting_get_member(g, "reporting"),
                 "%s: reporting must start at or after the end of the %s", ctxs,
                 prj->has_installation ? "installation" : "baseline");
    }

    const config_setting_t *sl = config_setting_get_member(g, "streams");
    if (!sl) {
        fail(c, g, "%s: 'streams' is missing", ctxs);
        return;
    }
    if (!config_setting_is_list(sl) || config_setting_length(sl) == 0) {
        fail(c, sl, "%s: 'streams' must be a non-empty list ( { name = ...; ... } )", ctxs);
        return;
    }
    size_t n = (size_t)config_setting_length(sl);
    if (n > MVG_PROJECT_MAX_STREAMS) {
        fail(c, sl, "%s: %zu streams, at most %d per project (split it into projects)", ctxs, n,
             MVG_PROJECT_MAX_STREAMS);
        return;
    }
    prj->streams = calloc(n, sizeof *prj->streams);
    if (!prj->streams)
        return;
    for (size_t i = 0; i < n; i++) {
        prj->nstreams = i + 1; /* so that free() sees what was allocated */
        parse_stream(c, config_setting_get_elem(sl, (unsigned)i), ctxs, prj, i, &prj->streams[i]);
    }
}

int mvg_config_projects_load(const config_setting_t *root, const mvg_config *cfg,
                             mvg_diags *diags, mvg_projects_cfg **out)
{
    *out = NULL;
    const config_setting_t *ds = config_setting_get_member(root, "derived");
    const config_setting_t *ps = config_setting_get_member(root, "projects");
    if (!ds && !ps)
        return 0;
    ctx_t c = {.cfg = cfg, .diags = diags};
    c.out = calloc(1, sizeof *c.out);
    if (!c.out) {
        mvg_diags_add(diags, NULL, 0, "out of memory loading projects");
        return -1;
    }
    if (ds) {
        c.derived_list = config_setting_is_list(ds) ? ds : NULL;
        parse_derived(&c, ds);
    }
    c.ndeclared = c.out->nderived;
    if (ps) {
        if (!config_setting_is_list(ps)) {
            fail(&c, ps, "'projects' must be a list: projects = ( { name = ...; ... } );");
        } else {
            size_t n = (size_t)config_setting_length(ps);
            c.out->projects = calloc(n ? n : 1, sizeof *c.out->projects);
            if (!c.out->projects) {
                fail(&c, ps, "out of memory");
            } else {
                for (size_t i = 0; i < n; i++) {
                    c.out->nprojects = i + 1;
                    parse_project(&c, config_setting_get_elem(ps, (unsigned)i), (int)i,
                                  &c.out->projects[i]);
                }
            }
        }
    }
    if (c.errors) {
        mvg_config_projects_free(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

void mvg_config_projects_free(mvg_projects_cfg *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nderived; i++)
        free(p->derived[i].expr);
    free(p->derived);
    for (size_t i = 0; i < p->nprojects; i++) {
        for (size_t j = 0; j < p->projects[i].nstreams; j++)
            free(p->projects[i].streams[j].adjust);
        free(p->projects[i].streams);
    }
    free(p->projects);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p);
}
