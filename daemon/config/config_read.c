/*
 * config_read.c: typed libconfig readers with diagnostics (config_read.h).
 */
#include "config_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mvg_cfgr_fail(mvg_cfgr *r, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mvg_cfgr_vfail(r, s, fmt, ap);
    va_end(ap);
}

void mvg_cfgr_vfail(mvg_cfgr *r, const config_setting_t *s, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char buf[1024];
    const char *file = mvg_cfgr_file(r, config_setting_source_file(s), buf, sizeof buf);
    mvg_diags_add(r->diags, file ? file : "config", (int)config_setting_source_line(s), "%s", msg);
    r->errors++;
}

const char *mvg_cfgr_file(const mvg_cfgr *r, const char *file, char *buf, size_t cap)
{
    if (!file || file[0] == '/' || !r->main_file || !r->include_dir ||
        strcmp(file, r->main_file) == 0 || strcmp(r->include_dir, ".") == 0)
        return file;
    int n = snprintf(buf, cap, "%s/%s", r->include_dir, file);
    return n > 0 && (size_t)n < cap ? buf : file;
}

void mvg_cfgr_keys(mvg_cfgr *r, const config_setting_t *g, const char *const *allowed,
                   const char *ctx)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        int ok = 0;
        for (size_t k = 0; allowed[k] && !ok; k++)
            ok = name && strcmp(name, allowed[k]) == 0;
        if (!ok) {
            char list[512];
            mvg_diag_join(list, sizeof list, allowed, "", ", ");
            mvg_cfgr_fail(r, m, "%s: unknown key '%s' (known: %s)", ctx, name ? name : "?", list);
        }
    }
}

int mvg_cfgr_int(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                 long long lo, long long hi, long long *v)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be an integer", ctx, key);
        return -1;
    }
    long long x = config_setting_get_int64(s);
    if (x < lo || x > hi) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be %lld..%lld, not %lld", ctx, key, lo, hi, x);
        return -1;
    }
    *v = x;
    return 1;
}

int mvg_cfgr_number(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    double lo, double hi, double *v)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    double x;
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        x = (double)config_setting_get_int64(s);
    else if (t == CONFIG_TYPE_FLOAT)
        x = config_setting_get_float(s);
    else {
        mvg_cfgr_fail(r, s, "%s: '%s' must be a number", ctx, key);
        return -1;
    }
    if (!isfinite(x) || x < lo || x > hi) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be %g..%g, not %g", ctx, key, lo, hi, x);
        return -1;
    }
    *v = x;
    return 1;
}

int mvg_cfgr_bool(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx, int *v)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be true or false", ctx, key);
        return -1;
    }
    *v = config_setting_get_bool(s);
    return 1;
}

int mvg_cfgr_string(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    char *buf, size_t cap)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be a string", ctx, key);
        return -1;
    }
    const char *v = config_setting_get_string(s);
    size_t len = strlen(v);
    if (len >= cap) {
        mvg_cfgr_fail(r, s, "%s: '%s' is longer than %zu characters", ctx, key, cap - 1);
        return -1;
    }
    memcpy(buf, v, len + 1);
    return 1;
}

int mvg_cfgr_choice(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    const char *const *choices, int *index)
{
    char v[64];
    int rc = mvg_cfgr_string(r, g, key, ctx, v, sizeof v);
    if (rc <= 0) {
        if (rc < 0)
            return rc;
        return 0;
    }
    for (int i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0) {
            *index = i;
            return 1;
        }
    char list[256];
    mvg_diag_join(list, sizeof list, choices, "\"", ", ");
    mvg_cfgr_fail(r, config_setting_get_member(g, key), "%s: '%s' must be one of %s, not \"%s\"",
                  ctx, key, list, v);
    return -1;
}
