/*
 * jsonw.c: the streaming JSON writer (jsonw.h). A failure (no memory, a
 * string that is not UTF-8, unbalanced containers) is remembered and
 * reported once, by mvg_jsonw_done, so the callers write straight through.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

#define MAX_DEPTH 32

struct mvg_jsonw {
    char *buf;
    size_t len, cap;
    int failed;
    int depth;
    unsigned char first[MAX_DEPTH]; /* no member written yet at this depth */
    int after_key;                  /* a key was written: its value needs no comma */
};

mvg_jsonw *mvg_jsonw_new(void)
{
    mvg_jsonw *w = calloc(1, sizeof *w);
    if (w)
        mvg_jsonw_reset(w);
    return w;
}

void mvg_jsonw_free(mvg_jsonw *w)
{
    if (w) {
        free(w->buf);
        free(w);
    }
}

void mvg_jsonw_reset(mvg_jsonw *w)
{
    w->len = 0;
    w->failed = 0;
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

static int room(mvg_jsonw *w, size_t n)
{
    if (w->failed)
        return 0;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b) {
            w->failed = 1;
            return 0;
        }
        w->buf = b;
        w->cap = cap;
    }
    return 1;
}

static void put(mvg_jsonw *w, const char *s, size_t n)
{
    if (room(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void putc_(mvg_jsonw *w, char c)
{
    if (room(w, 1))
        w->buf[w->len++] = c;
}

/* The comma before a value or key, except the first of a container and a
 * value right after its key. */
static void sep(mvg_jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (!w->first[w->depth])
        putc_(w, ',');
    w->first[w->depth] = 0;
}

static void open_(mvg_jsonw *w, char c)
{
    sep(w);
    putc_(w, c);
    if (w->depth + 1 >= MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->first[++w->depth] = 1;
}

static void close_(mvg_jsonw *w, char c)
{
    if (w->depth == 0 || w->after_key) {
        w->failed = 1;
        return;
    }
    w->depth--;
    putc_(w, c);
}

void mvg_jsonw_obj(mvg_jsonw *w) { open_(w, '{'); }
void mvg_jsonw_obj_end(mvg_jsonw *w) { close_(w, '}'); }
void mvg_jsonw_arr(mvg_jsonw *w) { open_(w, '['); }
void mvg_jsonw_arr_end(mvg_jsonw *w) { close_(w, ']'); }

/* Length of the UTF-8 sequence starting at s (1..4), 0 when it is not one
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return n;
}

static void string(mvg_jsonw *w, const char *s)
{
    putc_(w, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* the run of bytes that need no escape goes in one copy */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        put(w, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        if (*p >= 0x80) {
            size_t n = utf8_len(p);
            if (!n) {
                w->failed = 1;
                return;
            }
            put(w, (const char *)p, n);
            p += n;
            continue;
        }
        char esc[8];
        switch (*p) {
        case '"':
            put(w, "\\\"", 2);
            break;
        case '\\':
            put(w, "\\\\", 2);
            break;
        case '\n':
            put(w, "\\n", 2);
            break;
        case '\r':
            put(w, "\\r", 2);
            break;
        case '\t':
            put(w, "\\t", 2);
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(w, esc, 6);
            break;
        }
        p++;
    }
    putc_(w, '"');
}

void mvg_jsonw_key(mvg_jsonw *w, const char *key)
{
    sep(w);
    string(w, key);
    putc_(w, ':');
    w->after_key = 1;
}

void mvg_jsonw_str(mvg_jsonw *w, const char *s)
{
    sep(w);
    string(w, s ? s : "");
}

void mvg_jsonw_num(mvg_jsonw *w, double v)
{
    sep(w);
    char b[MVG_NUMFMT_LEN];
    int n = mvg_numfmt_double(v, b);
    if (n < 0) {
        put(w, "null", 4);
        return;
    }
    put(w, b, (size_t)n);
    if (!strpbrk(b, ".eE"))
        put(w, ".0", 2);
}

void mvg_jsonw_int(mvg_jsonw *w, int64_t v)
{
    sep(w);
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    put(w, b, (size_t)n);
}

void mvg_jsonw_bool(mvg_jsonw *w, int v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void mvg_jsonw_null(mvg_jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

void mvg_jsonw_raw(mvg_jsonw *w, const char *s, size_t len)
{
    sep(w);
    put(w, s, len);
}

const char *mvg_jsonw_done(mvg_jsonw *w, size_t *len)
{
    if (w->failed || w->depth != 0 || w->after_key || !room(w, 0))
        return NULL;
    w->buf[w->len] = '\0';
    if (len)
        *len = w->len;
    return w->buf;
}
