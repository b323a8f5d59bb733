/*
 * config_table.c: table-driven sections (config_table.h).
 */
#include "config_table.h"
#include "secret.h"
#include "strpool.h"
#include "timefmt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 63: MVG_NAME_MAX - 1 of device.h, which this module does not need */
#define NAME_LEN 63

const mvg_section *const mvg_config_sections[] = {
    &mvg_config_gateway_section,     &mvg_config_bus_section,      &mvg_config_device_section,
    &mvg_config_point_section,       &mvg_config_derived_section,  &mvg_config_projects_section,
    &mvg_config_periods_section,     &mvg_config_criteria_section, &mvg_config_streams_section,
    &mvg_config_factors_section,     &mvg_config_voc_pair_section, &mvg_config_model_section,
    &mvg_config_adjustments_section, &mvg_config_store_section,    &mvg_config_mqtt_section,
    &mvg_config_influx_section,      &mvg_config_http_section,     NULL,
};

int mvg_config_name_ok(const char *s, int ident_only)
{
    if (!*s || strlen(s) > NAME_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (*s == '-' && !ident_only)))
            return 0;
    return 1;
}

static void store_int(void *f, size_t size, long long v)
{
    if (size == 1) {
        signed char x = (signed char)v;
        memcpy(f, &x, 1);
    } else if (size == 2) {
        int16_t x = (int16_t)v;
        memcpy(f, &x, 2);
    } else if (size == 4) {
        int32_t x = (int32_t)v;
        memcpy(f, &x, 4);
    } else if (size == 8) {
        int64_t x = (int64_t)v;
        memcpy(f, &x, 8);
    }
}

static long long choice_value(const mvg_key *k, int i) { return k->values ? k->values[i] : i; }

void mvg_section_defaults(const mvg_section *s, void *out)
{
    for (size_t i = 0; i < s->nkeys; i++) {
        const mvg_key *k = &s->keys[i];
        void *f = (char *)out + k->offset;
        if (!k->def || !k->size)
            continue;
        switch (k->type) {
        case MVG_KEY_INT:
            store_int(f, k->size, strtoll(k->def, NULL, 0));
            break;
        case MVG_KEY_NUMBER: {
            double d = strtod(k->def, NULL);
            memcpy(f, &d, sizeof d);
            break;
        }
        case MVG_KEY_BOOL: {
            int b = strcmp(k->def, "true") == 0;
            memcpy(f, &b, sizeof b);
            break;
        }
        case MVG_KEY_STRING:
            if (k->flags & MVG_KEY_POOLED)
                memcpy(f, &k->def, sizeof k->def); /* constant: lives as long as the pool */
            else
                snprintf(f, k->size, "%s", k->def);
            break;
        case MVG_KEY_CHOICE:
            for (int c = 0; k->choices[c]; c++)
                if (strcmp(k->choices[c], k->def) == 0)
                    store_int(f, k->size, choice_value(k, c));
            break;
        case MVG_KEY_TIME:
        case MVG_KEY_TEXT:
        case MVG_KEY_OTHER:
            break;
        }
    }
}

static int read_string(mvg_cfgr *r, const mvg_key *k, const config_setting_t *g, const char *ctx,
                       void *field)
{
    char buf[1024];
    const int named = (k->flags & (MVG_KEY_NAME | MVG_KEY_IDENT)) != 0;
    /* a name too long gets the name rule's message, not the buffer's; a
     * CUT one is cut when copied */
    size_t cap = named || (k->flags & MVG_KEY_CUT) || k->size > sizeof buf ? sizeof buf : k->size;
    int rc = mvg_cfgr_string(r, g, k->name, ctx, buf, cap);
    if (rc <= 0)
        return rc;
    const config_setting_t *s = config_setting_get_member(g, k->name);
    if (named && !mvg_config_name_ok(buf, (k->flags & MVG_KEY_IDENT) != 0)) {
        mvg_cfgr_fail(r, s, "%s: %s \"%s\" must be 1..%d letters, digits%s", ctx, k->name, buf,
                      NAME_LEN,
                      k->flags & MVG_KEY_IDENT ? " or '_' (it is used as device.point in expressions)"
                                               : ", '_' or '-'");
        return -1;
    }
    if ((k->flags & MVG_KEY_NONEMPTY) && !buf[0]) {
        mvg_cfgr_fail(r, s, "%s: '%s' is empty", ctx, k->name);
        return -1;
    }
    if ((k->flags & MVG_KEY_ABSPATH) && buf[0] != '/') {
        mvg_cfgr_fail(r, s, "%s: %s \"%s\" must be an absolute path", ctx, k->name, buf);
        return -1;
    }
    /* kept even when unreadable: the rules between keys still see it given */
    if (k->flags & MVG_KEY_POOLED) {
        const char *kept = r->pool ? mvg_strpool_intern(r->pool, buf) : NULL;
        if (!kept) {
            mvg_cfgr_fail(r, s, "%s: '%s': out of memory", ctx, k->name);
            return -1;
        }
        memcpy(field, &kept, sizeof kept);
    } else {
        snprintf(field, k->size, "%s", buf);
    }
    if ((k->flags & MVG_KEY_READABLE) && buf[0] && access(buf, R_OK) != 0) {
        mvg_cfgr_fail(r, s, "%s: '%s' %s cannot be read: %s", ctx, k->name, buf, strerror(errno));
        return -1;
    }
    if ((k->flags & MVG_KEY_SECRET) && buf[0]) {
        /* the same read as the publisher's at start, so that check and
         * daemon agree on the file's mode and contents */
        char why[400];
        char *secret = mvg_secret_read(k->name, buf, why, sizeof why);
        if (!secret) {
            mvg_cfgr_fail(r, s, "%s: %s", ctx, why);
            return -1;
        }
        mvg_secret_free(secret);
    }
    return 1;
}

static void report_missing(mvg_cfgr *r, const mvg_key *k, const config_setting_t *g,
                           const char *ctx)
{
    mvg_cfgr_fail(r, g, "%s: '%s' is missing%s%s%s", ctx, k->name, k->hint ? " (" : "",
                  k->hint ? k->hint : "", k->hint ? ")" : "");
}

/* A string member kept as given (TEXT), or a time (TIME) into field. */
static int read_text(mvg_cfgr *r, const mvg_key *k, const config_setting_t *s, const char *ctx,
                     void *field)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be a string", ctx, k->name);
        return -1;
    }
    const char *v = config_setting_get_string(s);
    if (k->type == MVG_KEY_TEXT) {
        memcpy(field, &v, sizeof v);
        return 1;
    }
    int64_t ms;
    if (mvg_timefmt_parse(v, &ms) != 0) {
        mvg_cfgr_fail(r, s, "%s: '%s' = \"%s\" is not an ISO 8601 time (e.g. \"2025-03-01T00:00:00Z\")",
                      ctx, k->name, v);
        return -1;
    }
    memcpy(field, &ms, sizeof ms);
    return 1;
}

int mvg_key_read(mvg_cfgr *r, const mvg_key *k, const config_setting_t *g, const char *ctx,
                 void *out, void *field)
{
    const config_setting_t *s = config_setting_get_member(g, k->name);
    if (!field)
        field = (char *)out + k->offset;
    if (!s) {
        if (k->flags & MVG_KEY_REQUIRED)
            report_missing(r, k, g, ctx);
        return 0;
    }
    int rc = 1;
    long long v;
    switch (k->type) {
    case MVG_KEY_INT:
        rc = mvg_cfgr_int(r, g, k->name, ctx, k->lo, k->hi, &v);
        for (size_t i = 0; rc > 0 && k->values && k->values[i] != v; i++)
            if (!k->values[i]) {
                mvg_cfgr_fail(r, s, "%s: %s %lld is not %s", ctx, k->name, v, k->hint);
                rc = -1;
            }
        if (rc > 0)
            store_int(field, k->size, v);
        break;
    case MVG_KEY_NUMBER: {
        double d;
        rc = mvg_cfgr_number(r, g, k->name, ctx, k->min, k->max, &d);
        if (rc > 0)
            memcpy(field, &d, sizeof d);
        break;
    }
    case MVG_KEY_BOOL: {
        int b;
        rc = mvg_cfgr_bool(r, g, k->name, ctx, &b);
        if (rc > 0)
            memcpy(field, &b, sizeof b);
        break;
    }
    case MVG_KEY_STRING:
        rc = read_string(r, k, g, ctx, field);
        break;
    case MVG_KEY_CHOICE: {
        int t = config_setting_type(s);
        if ((k->flags & MVG_KEY_INT_TOO) && (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)) {
            rc = mvg_cfgr_int(r, g, k->name, ctx, k->lo, k->hi, &v);
            if (rc > 0)
                store_int(field, k->size, v);
            break;
        }
        int i = 0;
        rc = mvg_cfgr_choice(r, g, k->name, ctx, k->choices, &i);
        if (rc > 0)
            store_int(field, k->size, choice_value(k, i));
        break;
    }
    case MVG_KEY_TIME:
    case MVG_KEY_TEXT:
        rc = read_text(r, k, s, ctx, field);
        break;
    case MVG_KEY_OTHER:
        break;
    }
    if (rc > 0 && k->seen && out)
        store_int((char *)out + k->seen - 1, k->seen_size, 1);
    return rc;
}

void mvg_section_read(mvg_cfgr *r, const mvg_section *s, const config_setting_t *g,
                      const char *ctx, void *out, signed char *rc)
{
    const char *names[64];
    size_t n = 0;
    for (const mvg_section *t = s; t; t = t == s ? s->inline_keys : NULL)
        for (size_t i = 0; i < t->nkeys && n + 1 < sizeof names / sizeof names[0]; i++)
            names[n++] = t->keys[i].name;
    names[n] = NULL;
    mvg_cfgr_keys(r, g, names, ctx);
    mvg_section_read_rows(r, s, g, ctx, out, rc);
}

void mvg_section_read_rows(mvg_cfgr *r, const mvg_section *s, const config_setting_t *g,
                           const char *ctx, void *out, signed char *rc)
{
    for (size_t i = 0; i < s->nkeys; i++) {
        const mvg_key *k = &s->keys[i];
        int v = 0;
        if (k->type == MVG_KEY_OTHER)
            v = (k->flags & MVG_KEY_REQUIRED) ? mvg_section_require(r, s, k->name, g, ctx)
                                              : config_setting_get_member(g, k->name) != NULL;
        else if (!(k->flags & MVG_KEY_MANUAL))
            v = mvg_key_read(r, k, g, ctx, out, NULL);
        if (rc)
            rc[i] = (signed char)v;
    }
}

int mvg_section_require(mvg_cfgr *r, const mvg_section *s, const char *name,
                        const config_setting_t *g, const char *ctx)
{
    if (config_setting_get_member(g, name))
        return 1;
    report_missing(r, mvg_section_key(s, name), g, ctx);
    return 0;
}

int mvg_section_read_group(mvg_cfgr *r, const mvg_section *sec, const config_setting_t *s,
                           const char *ctx, const char *shape, void *out, signed char *rc)
{
    if (!config_setting_is_group(s)) {
        mvg_cfgr_fail(r, s, "%s must be a group%s%s", ctx, shape ? " " : "", shape ? shape : "");
        return -1;
    }
    mvg_section_read(r, sec, s, ctx, out, rc);
    return 0;
}

const mvg_key *mvg_section_key(const mvg_section *s, const char *name)
{
    for (size_t i = 0; i < s->nkeys; i++)
        if (strcmp(s->keys[i].name, name) == 0)
            return &s->keys[i];
    return NULL;
}

int mvg_section_rc(const mvg_section *s, const signed char *rc, const char *name)
{
    const mvg_key *k = mvg_section_key(s, name);
    return k ? rc[k - s->keys] : 0;
}

/* ---- docs/config.md ---------------------------------------------------- */

/* %g without the exponent's '+' and leading zeros: 1e9, not 1e+09 */
static const char *num(double d, char *buf, size_t cap)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%g", d);
    size_t o = 0;
    for (const char *p = raw; *p && o + 1 < cap; p++) {
        buf[o++] = *p;
        if (*p == 'e') {
            if (p[1] == '+')
                p++;
            else if (p[1] == '-')
                buf[o++] = *++p;
            while (p[1] == '0' && p[2])
                p++;
        }
    }
    buf[o] = '\0';
    return buf;
}

static void doc_type(const mvg_key *k, FILE *out)
{
    static const char *const names[] = {"integer", "number", "boolean", "string",
                                        "string",  "time",   "string",  ""};
    if (k->type_doc)
        fputs(k->type_doc, out);
    else if (k->type == MVG_KEY_STRING && (k->flags & (MVG_KEY_NAME | MVG_KEY_IDENT)))
        fputs("name", out);
    else if (k->type == MVG_KEY_CHOICE && (k->flags & MVG_KEY_INT_TOO))
        fputs("string or integer", out);
    else
        fputs(names[k->type], out);
}

static void doc_default(const mvg_key *k, FILE *out)
{
    if (k->def_doc)
        fputs(k->def_doc, out);
    else if (k->flags & MVG_KEY_REQUIRED)
        fputs("required", out);
    else if (!k->def)
        fputs("none", out);
    else if (k->type == MVG_KEY_STRING || k->type == MVG_KEY_CHOICE)
        fprintf(out, "`\"%s\"`", k->def);
    else
        fputs(k->def, out);
}

static void doc_allowed(const mvg_key *k, FILE *out)
{
    char a[64], b[64];
    if (k->allowed) {
        fputs(k->allowed, out);
        return;
    }
    switch (k->type) {
    case MVG_KEY_INT:
        for (size_t i = 0; k->values && k->values[i]; i++)
            fprintf(out, "%s%d", i ? ", " : "", k->values[i]);
        if (!k->values)
            fprintf(out, "%lld..%lld", k->lo, k->hi);
        break;
    case MVG_KEY_NUMBER:
        fprintf(out, "%s..%s", num(k->min, a, sizeof a), num(k->max, b, sizeof b));
        break;
    case MVG_KEY_BOOL:
        fputs("`true`, `false`", out);
        break;
    case MVG_KEY_CHOICE:
        for (int i = 0; k->choices[i]; i++)
            fprintf(out, "%s`\"%s\"`", i ? ", " : "", k->choices[i]);
        if (k->flags & MVG_KEY_INT_TOO)
            fprintf(out, " (or %lld..%lld)", k->lo, k->hi);
        break;
    case MVG_KEY_STRING:
        if (k->flags & (MVG_KEY_NAME | MVG_KEY_IDENT)) {
            fprintf(out, "1..%d of `%s`", NAME_LEN,
                    k->flags & MVG_KEY_IDENT ? "A-Za-z0-9_" : "A-Za-z0-9_-");
            break;
        }
        if (k->flags & MVG_KEY_ABSPATH)
            fputs("absolute path, ", out);
        if (k->flags & MVG_KEY_NONEMPTY)
            fputs("non-empty, ", out);
        if ((k->flags & MVG_KEY_READABLE) && !(k->flags & MVG_KEY_SECRET))
            fputs("readable file, ", out);
        if (k->flags & MVG_KEY_SECRET)
            fputs("secret file (the owner's alone, mode 0600 or 0400; its first line), ", out);
        fprintf(out, "< %zu characters%s", k->size, k->flags & MVG_KEY_CUT ? " (longer is cut)" : "");
        break;
    case MVG_KEY_TIME:
        fputs("ISO 8601 ([Times](#times))", out);
        break;
    case MVG_KEY_TEXT:
    case MVG_KEY_OTHER:
        break;
    }
}

void mvg_section_doc(const mvg_section *s, FILE *out)
{
    int applies = 0;
    for (size_t i = 0; i < s->nkeys; i++)
        applies |= s->keys[i].applies != NULL;
    fprintf(out, "| key | type | default | allowed |%s meaning |\n", applies ? " applies to |" : "");
    fprintf(out, "| --- | --- | --- | --- |%s --- |\n", applies ? " --- |" : "");
    for (size_t i = 0; i < s->nkeys; i++) {
        const mvg_key *k = &s->keys[i];
        fprintf(out, "| `%s` | ", k->name);
        doc_type(k, out);
        fputs(" | ", out);
        doc_default(k, out);
        fputs(" | ", out);
        doc_allowed(k, out);
        if (applies)
            fprintf(out, " | %s", k->applies ? k->applies : "all");
        fprintf(out, " |%s%s |\n", k->doc && *k->doc ? " " : "", k->doc ? k->doc : "");
    }
    if (s->inline_keys)
        fprintf(out, "| keys of [%s](#%s) | | | |%s may also be written directly in this group; "
                     "the `%s` group is read last and wins |\n",
                s->inline_keys->name, s->inline_keys->name, applies ? " |" : "",
                s->inline_keys->name);
}
