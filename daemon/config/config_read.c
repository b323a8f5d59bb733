/*
 * config_read.c: typed libconfig readers with diagnostics (config_read.h).
 */
#include "config_read.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileread.h"
#include "vec.h"

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

/* ---- integer literals ---------------------------------------------------
 * libconfig 1.5 reads a literal without the L suffix with atoi (strtoul for
 * hex) and keeps its low 32 bits, without an error: `address = 4294967348;`
 * reads 52, `unit_id = 4294967297;` reads 1. The setting cannot tell, so the
 * literal is read again from the setting's source line. */

/* One integer literal on a source line: its text, the key it follows (if
 * "key =" or "key :" is right before it) and whether it has the L suffix. */
typedef struct {
    const char *text;
    size_t len;
    const char *key;
    size_t keylen;
    int suffix_l;
} int_lit;

static int ident_char(int c) { return isalnum(c) || c == '_' || c == '-' || c == '*'; }

/* Scans line for integer literals outside strings and comments, calling
 * found(lit, arg) for each until it returns nonzero (then returns 1). */
static int scan_int_literals(const char *line, int (*found)(const int_lit *, void *), void *arg)
{
    const char *key = NULL, *p = line;
    size_t keylen = 0;
    int after_eq = 0;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
            after_eq = 0;
        } else if (c == '#' || (c == '/' && p[1] == '/')) {
            return 0;
        } else if (c == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (!end)
                return 0;
            p = end + 2;
        } else if (isdigit(c) || ((c == '-' || c == '+') && isdigit((unsigned char)p[1]))) {
            const char *start = p;
            p++;
            if (start[0] == '0' && (*p == 'x' || *p == 'X'))
                for (p++; isxdigit((unsigned char)*p); p++)
                    ;
            else
                while (isdigit((unsigned char)*p))
                    p++;
            int_lit lit = {start, (size_t)(p - start), after_eq ? key : NULL, keylen, 0};
            if (*p == 'L') {
                lit.suffix_l = 1;
                while (*p == 'L')
                    p++;
            }
            /* a float (1.5, 1e3) or part of a name is not an integer literal */
            int is_int = *p != '.' && *p != 'e' && *p != 'E' && !ident_char((unsigned char)*p);
            while (*p && (ident_char((unsigned char)*p) || *p == '.' || *p == '+'))
                p++;
            if (is_int && found(&lit, arg))
                return 1;
            after_eq = 0;
        } else if (isalpha(c) || c == '_' || c == '*') {
            key = p;
            while (ident_char((unsigned char)*p))
                p++;
            keylen = (size_t)(p - key);
            after_eq = 0;
        } else {
            if (c == '=' || c == ':')
                after_eq = key != NULL;
            else if (!isspace(c))
                after_eq = 0, key = NULL;
            p++;
        }
    }
    return 0;
}

/* The literal's value as libconfig 1.5 stores it, and its true value
 * (*exact; 0 when it does not fit 64 bits, *range set). */
static long long lit_libconfig_value(const int_lit *l, long long *exact, int *range)
{
    char buf[64];
    size_t n = l->len < sizeof buf - 1 ? l->len : sizeof buf - 1;
    memcpy(buf, l->text, n);
    buf[n] = '\0';
    int hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
    errno = 0;
    *range = 0;
    if (hex) {
        unsigned long long u = strtoull(buf, NULL, 16);
        *range = errno == ERANGE || u > (unsigned long long)LLONG_MAX;
        *exact = (long long)(u & (unsigned long long)LLONG_MAX);
        if (l->suffix_l)
            return (long long)u;
        return (int)(unsigned)(unsigned long)strtoul(buf, NULL, 16);
    }
    *exact = strtoll(buf, NULL, 10);
    *range = errno == ERANGE;
    if (l->suffix_l)
        return *exact;
    return (int)strtol(buf, NULL, 10);
}

/* One literal of an indexed line: where it is, the key it follows, and its
 * value as libconfig stores it and as written. */
typedef struct {
    size_t off, len;       /* in the line */
    size_t keyoff, keylen; /* keylen 0: it follows no key */
    long long stored, exact;
    int suffix_l, range;
    const config_setting_t *owner; /* the setting it was found for; NULL: none yet */
} lit_rec;

struct mvg_cfgr_lits {
    int line;              /* the line indexed (1-based); 0: none */
    lit_rec *v;            /* sorted by stored value, suffix, then position */
    size_t n, cap;
    int oom;
};

typedef struct {
    mvg_cfgr_lits *x;
    const char *line;
} lits_scan;

static int lits_add(const int_lit *l, void *arg)
{
    mvg_cfgr_lits *x = ((lits_scan *)arg)->x;
    const char *line = ((lits_scan *)arg)->line;
    lit_rec *grown = mvg_vec_reserve(x->v, x->n, &x->cap, sizeof *x->v, 16);
    if (!grown) {
        x->oom = 1;
        return 1;
    }
    x->v = grown;
    lit_rec *r = &x->v[x->n++];
    r->off = (size_t)(l->text - line);
    r->len = l->len;
    r->keyoff = l->key ? (size_t)(l->key - line) : 0;
    r->keylen = l->key ? l->keylen : 0;
    r->suffix_l = l->suffix_l;
    r->stored = lit_libconfig_value(l, &r->exact, &r->range);
    r->owner = NULL;
    return 0;
}

static int lit_cmp(const lit_rec *a, long long stored, int suffix_l)
{
    if (a->stored != stored)
        return a->stored < stored ? -1 : 1;
    return a->suffix_l - suffix_l;
}

static int lit_order(const void *pa, const void *pb)
{
    const lit_rec *a = pa, *b = pb;
    int c = lit_cmp(a, b->stored, b->suffix_l);
    if (c)
        return c;
    return a->off < b->off ? -1 : a->off > b->off;
}

/* Indexes the literals of line (number no) into x, once: a scan of the line
 * and a sort. 0, or -1 when out of memory (x then empty). */
static int lits_index(mvg_cfgr_lits *x, const char *line, int no)
{
    if (x->line == no && no > 0)
        return 0;
    x->n = 0;
    x->oom = 0;
    x->line = 0;
    lits_scan arg = {x, line};
    scan_int_literals(line, lits_add, &arg);
    if (x->oom) {
        x->n = 0;
        return -1;
    }
    if (x->n > 1)
        qsort(x->v, x->n, sizeof *x->v, lit_order);
    x->line = no;
    return 0;
}

/* The literal libconfig read as `stored` for setting s, among the line's
 * literals of that value and suffix, in the order written: the one s took
 * before; else the first not yet taken that follows s's key (for a list
 * element, that follows no key), which s then takes, so that two points of
 * one line with `address = 52` and `address = 4294967348` each get their
 * own; else the last one that wrapped (an element of [52, 4294967348]
 * whose partner was taken is refused rather than read as 52); else the
 * first. NULL when the line has none. */
static const lit_rec *lits_find(mvg_cfgr_lits *x, const char *line, long long stored,
                                int suffix_l, const config_setting_t *s)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lit_cmp(&x->v[mid], stored, suffix_l) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const char *key = config_setting_name(s);
    size_t klen = key ? strlen(key) : 0;
    lit_rec *first = NULL, *wrapped = NULL, *mine = NULL;
    for (size_t i = lo; i < x->n && lit_cmp(&x->v[i], stored, suffix_l) == 0; i++) {
        lit_rec *l = &x->v[i];
        if (l->owner == s)
            return l;
        int follows = klen ? l->keylen == klen && strncmp(line + l->keyoff, key, klen) == 0
                           : l->keylen == 0;
        if (!mine && follows && !l->owner)
            mine = l;
        if (!first)
            first = l;
        if (l->range || l->exact != l->stored)
            wrapped = l;
    }
    if (mine) {
        mine->owner = s;
        return mine;
    }
    return wrapped ? wrapped : first;
}

static void lits_free(mvg_cfgr_lits *x)
{
    if (x)
        free(x->v);
    free(x);
}

/* Line `line` (1-based) of file into buf; 0, or -1 when it cannot be read. */
static int source_line(const char *file, int line, char *buf, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    int n = 0, rc = -1;
    while (fgets(buf, (int)cap, f)) {
        size_t len = strlen(buf);
        int whole = len > 0 && buf[len - 1] == '\n';
        if (++n == line) {
            rc = 0;
            break;
        }
        /* a line longer than buf: skip its remainder */
        while (!whole && fgets(buf, (int)cap, f)) {
            len = strlen(buf);
            whole = len > 0 && buf[len - 1] == '\n';
        }
    }
    fclose(f);
    return rc;
}

void mvg_cfgr_src_free(mvg_cfgr_src *src)
{
    for (size_t i = 0; src && i < MVG_CFGR_SRC_FILES; i++) {
        free(src->f[i].name);
        free(src->f[i].text);
        free(src->f[i].line);
        lits_free(src->f[i].lits);
        src->f[i].name = src->f[i].text = NULL;
        src->f[i].line = NULL;
        src->f[i].lits = NULL;
        src->f[i].nlines = 0;
        src->f[i].len = 0;
        src->f[i].pinned = 0;
    }
}

/* file read whole into a slot of src, its lines terminated in place; the
 * slot, or -1 when it cannot be read. */
static long src_load(mvg_cfgr_src *src, const char *file)
{
    for (size_t i = 0; i < MVG_CFGR_SRC_FILES; i++)
        if (src->f[i].name && strcmp(src->f[i].name, file) == 0)
            return (long)i;
    char why[64];
    size_t len = 0;
    char *text = mvg_file_read(file, &len, why, sizeof why);
    if (!text)
        return -1;
    size_t nlines = 0, lcap = 0, *line = NULL;
    int final_newline = len > 0 && text[len - 1] == '\n';
    for (size_t i = 0; i <= len; i++) {
        if (i == len && (len == 0 || final_newline))
            break; /* no line after a final newline */
        if (i == 0 || text[i - 1] == '\0') {
            size_t *grown = mvg_vec_reserve(line, nlines, &lcap, sizeof *line, 256);
            if (!grown) {
                free(line);
                free(text);
                return -1;
            }
            line = grown;
            line[nlines++] = i;
        }
        if (i < len && text[i] == '\n')
            text[i] = '\0';
    }
    text[len] = '\0';
    size_t k = src->next++ % MVG_CFGR_SRC_FILES;
    for (size_t tries = 1; src->f[k].pinned && tries < MVG_CFGR_SRC_FILES; tries++)
        k = src->next++ % MVG_CFGR_SRC_FILES;
    if (src->f[k].pinned) {
        free(line);
        free(text);
        return -1;
    }
    free(src->f[k].name);
    free(src->f[k].text);
    free(src->f[k].line);
    lits_free(src->f[k].lits);
    src->f[k].lits = NULL;
    src->f[k].name = strdup(file);
    src->f[k].text = text;
    src->f[k].line = line;
    src->f[k].nlines = nlines;
    src->f[k].len = len;
    if (!src->f[k].name) { /* this slot only: another may be pinned */
        free(src->f[k].text);
        free(src->f[k].line);
        src->f[k].text = NULL;
        src->f[k].line = NULL;
        src->f[k].nlines = src->f[k].len = 0;
        return -1;
    }
    return (long)k;
}

const char *mvg_cfgr_src_text(mvg_cfgr_src *src, const char *file, size_t *len)
{
    long k = src_load(src, file);
    if (k < 0)
        return NULL;
    src->f[k].pinned = 1;
    *len = src->f[k].len;
    return src->f[k].text;
}

void mvg_cfgr_name_source(config_setting_t *s, const char *file)
{
    /* libconfig's own struct (libconfig.h): it has no setter for the file */
    if (!s->file)
        s->file = file;
    int n = config_setting_is_aggregate(s) ? config_setting_length(s) : 0;
    for (int i = 0; i < n; i++)
        mvg_cfgr_name_source(config_setting_get_elem(s, (unsigned)i), file);
}

/* Line `line` (1-based) of file, with the index of its literals in *lits:
 * from r's kept sources when it has them, else read into buf and indexed
 * into tmp. NULL when it cannot be read or indexed. */
static const char *line_of(const mvg_cfgr *r, const char *file, int line, char *buf, size_t cap,
                           mvg_cfgr_lits *tmp, mvg_cfgr_lits **lits)
{
    const char *text;
    if (!r->src) {
        if (source_line(file, line, buf, cap) != 0)
            return NULL;
        text = buf;
        *lits = tmp;
        line = 0; /* tmp is indexed afresh */
    } else {
        long k = src_load(r->src, file);
        if (k < 0 || line < 1 || (size_t)line > r->src->f[k].nlines)
            return NULL;
        text = r->src->f[k].text + r->src->f[k].line[line - 1];
        if (!r->src->f[k].lits && !(r->src->f[k].lits = calloc(1, sizeof(mvg_cfgr_lits))))
            return NULL;
        *lits = r->src->f[k].lits;
    }
    return lits_index(*lits, text, line) == 0 ? text : NULL;
}

int mvg_cfgr_int_value(const mvg_cfgr *r, const config_setting_t *s, long long *v, char *text,
                       size_t cap)
{
    int t = config_setting_type(s);
    long long stored = config_setting_get_int64(s);
    *v = stored;
    snprintf(text, cap, "%lld", stored);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return 0;
    char fbuf[1024];
    const char *file = mvg_cfgr_file(r, config_setting_source_file(s), fbuf, sizeof fbuf);
    char buf[4096];
    mvg_cfgr_lits tmp = {0}, *lits = NULL;
    const char *line = file ? line_of(r, file, (int)config_setting_source_line(s), buf, sizeof buf,
                                      &tmp, &lits)
                            : NULL;
    /* not from a file we can read again (or no memory to index it):
     * libconfig's value is all there is */
    const lit_rec *l = line ? lits_find(lits, line, stored, t == CONFIG_TYPE_INT64, s) : NULL;
    int rc = 0;
    if (l) {
        snprintf(text, cap, "%.*s", (int)(l->len < 63 ? l->len : 63), line + l->off);
        if (l->range)
            rc = -1;
        else
            *v = l->exact;
    }
    free(tmp.v);
    return rc;
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
    long long x;
    char text[64];
    if (mvg_cfgr_int_value(r, s, &x, text, sizeof text) != 0 || x < lo || x > hi) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be %lld..%lld, not %s", ctx, key, lo, hi, text);
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
    char text[64];
    int t = config_setting_type(s), bad = 0;
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        long long i;
        bad = mvg_cfgr_int_value(r, s, &i, text, sizeof text) != 0;
        x = (double)i;
    } else if (t == CONFIG_TYPE_FLOAT) {
        x = config_setting_get_float(s);
        snprintf(text, sizeof text, "%g", x);
    } else {
        mvg_cfgr_fail(r, s, "%s: '%s' must be a number", ctx, key);
        return -1;
    }
    if (bad || !isfinite(x) || x < lo || x > hi) {
        mvg_cfgr_fail(r, s, "%s: '%s' must be %g..%g, not %s", ctx, key, lo, hi, text);
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

/* The file name of the @include on line `line` of file: 0, or -1. */
static int include_name(const char *file, int line, char *out, size_t cap)
{
    char text[4096];
    if (source_line(file, line, text, sizeof text) != 0)
        return -1;
    const char *at = strstr(text, "@include");
    const char *q = at ? strchr(at, '"') : NULL;
    const char *end = q ? strchr(q + 1, '"') : NULL;
    if (!end || (size_t)(end - q - 1) >= cap)
        return -1;
    memcpy(out, q + 1, (size_t)(end - q - 1));
    out[end - q - 1] = '\0';
    return 0;
}

void mvg_cfgr_read_error(mvg_cfgr *r, const config_t *c, const char *path, const char *what)
{
    int err = errno;
    const char *efile = config_error_file(c);
    if (config_error_type(c) == CONFIG_ERR_FILE_IO && !efile) {
        mvg_diags_add(r->diags, path, 0, "cannot read%s: %s", what, strerror(err ? err : ENOENT));
        r->errors++;
        return;
    }
    char buf[1024];
    const char *file = mvg_cfgr_file(r, efile, buf, sizeof buf);
    if (!file)
        file = path;
    int line = config_error_line(c);
    const char *text = config_error_text(c) ? config_error_text(c) : "?";
    char inc[512];
    if (strcmp(text, "cannot open include file") == 0 &&
        include_name(file, line, inc, sizeof inc) == 0) {
        /* libconfig 1.5 puts the include directory (the config file's, see
         * mvg_config_load) before every @include path, absolute ones too */
        char looked[1200];
        if (r->include_dir)
            snprintf(looked, sizeof looked, "%s/%s", r->include_dir, inc);
        else
            snprintf(looked, sizeof looked, "%s", inc);
        const char *why = access(looked, R_OK) == 0 ? "not readable as a configuration"
                                                     : strerror(errno);
        mvg_diags_add(r->diags, file, line, "cannot open include file \"%s\": looked for %s: %s%s%s",
                      inc, looked, why,
                      inc[0] == '/' && r->include_dir
                          ? " (an @include path is taken relative to the directory of the main "
                            "configuration file, even when it starts with /)"
                          : "",
                      what);
    } else {
        mvg_diags_add(r->diags, file, line, "syntax error: %s%s", text, what);
    }
    r->errors++;
}
