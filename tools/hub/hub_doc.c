/*
 * hub_doc.c: the hub's parse of a message's JSON (hub_doc.h), built from
 * yajl's events.
 */
#include "hub_doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "diag.h"

/* jansson's limit (JSON_PARSER_MAX_DEPTH): deeper is refused by both */
#define MAX_DEPTH 2048

typedef struct {
    uint8_t type;       /* mvg_hub_doc_type */
    uint8_t is_int;     /* a number written as an integer; a boolean's value */
    int32_t key;        /* a member's key: arena offset, else -1 */
    int32_t text;       /* a string's value or a number's text: arena offset, else -1 */
    int32_t first, last;/* a container's children */
    int32_t next;       /* the next child of the same container */
    int32_t count;      /* a container's children */
} node;

struct mvg_hub_doc {
    node *nodes;
    size_t n, cap;
    char *arena;
    size_t used, room;
};

typedef struct {
    mvg_hub_doc *d;
    int32_t stack[MAX_DEPTH]; /* the open containers */
    size_t depth;
    int32_t key;              /* the key read for the next member, else -1 */
    const char *why;          /* what stopped the parse from here */
    yajl_handle h;
    size_t end;               /* the offset after the top level's last byte */
} builder;

/* Copies s[0..l) and a NUL into the arena: its offset, or -1 out of memory. */
static int32_t keep(builder *b, const void *s, size_t l)
{
    mvg_hub_doc *d = b->d;
    if (d->used + l + 1 > d->room) {
        size_t room = (d->room + l + 1) * 2;
        char *a = room > INT32_MAX ? NULL : realloc(d->arena, room);
        if (!a) {
            b->why = "out of memory";
            return -1;
        }
        d->arena = a;
        d->room = room;
    }
    int32_t at = (int32_t)d->used;
    memcpy(d->arena + at, s, l);
    d->arena[at + l] = '\0';
    d->used += l + 1;
    return at;
}

/* A new node of type t, a child of the innermost open container (under
 * the key read for it): its index, or -1. */
static int32_t add(builder *b, mvg_hub_doc_type t)
{
    mvg_hub_doc *d = b->d;
    /* jansson counts every value's depth, a scalar's too */
    if (b->depth == MAX_DEPTH) {
        b->why = "nested too deeply";
        return -1;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap * 2;
        node *nn = cap > INT32_MAX ? NULL : realloc(d->nodes, cap * sizeof *nn);
        if (!nn) {
            b->why = "out of memory";
            return -1;
        }
        d->nodes = nn;
        d->cap = cap;
    }
    int32_t i = (int32_t)d->n++;
    d->nodes[i] = (node){.type = (uint8_t)t, .key = b->key, .text = -1, .first = -1,
                         .last = -1, .next = -1};
    b->key = -1;
    if (b->depth) {
        node *p = &d->nodes[b->stack[b->depth - 1]];
        if (p->last >= 0)
            d->nodes[p->last].next = i;
        else
            p->first = i;
        p->last = i;
        p->count++;
    }
    return i;
}

static int on_null(void *ctx) { return add(ctx, MVG_HUB_DOC_NULL) >= 0; }

static int on_bool(void *ctx, int v)
{
    builder *b = ctx;
    int32_t i = add(b, MVG_HUB_DOC_BOOL);
    if (i < 0)
        return 0;
    b->d->nodes[i].is_int = v != 0;
    return 1;
}

static int on_number(void *ctx, const char *s, size_t l)
{
    builder *b = ctx;
    int32_t i = add(b, MVG_HUB_DOC_NUMBER), t = i < 0 ? -1 : keep(b, s, l);
    if (t < 0)
        return 0;
    node *n = &b->d->nodes[i];
    n->text = t;
    n->is_int = !memchr(s, '.', l) && !memchr(s, 'e', l) && !memchr(s, 'E', l);
    if (n->is_int) {
        /* jansson refuses an integer it cannot hold; so does this */
        errno = 0;
        (void)strtoll(b->d->arena + t, NULL, 10);
        if (errno == ERANGE) {
            b->why = "an integer too big for int64";
            return 0;
        }
    }
    return 1;
}

static int text_node(builder *b, mvg_hub_doc_type t, const unsigned char *s, size_t l)
{
    if (memchr(s, '\0', l)) {
        b->why = "a string holding \\u0000";
        return 0;
    }
    int32_t i = add(b, t), at = i < 0 ? -1 : keep(b, s, l);
    if (at < 0)
        return 0;
    b->d->nodes[i].text = at;
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t l)
{
    return text_node(ctx, MVG_HUB_DOC_STRING, s, l);
}

static int on_key(void *ctx, const unsigned char *s, size_t l)
{
    builder *b = ctx;
    if (memchr(s, '\0', l)) {
        b->why = "a key holding \\u0000";
        return 0;
    }
    b->key = keep(b, s, l);
    return b->key >= 0;
}

static int open_container(builder *b, mvg_hub_doc_type t)
{
    int32_t i = add(b, t);
    if (i < 0)
        return 0;
    b->stack[b->depth++] = i;
    return 1;
}

static int on_start_map(void *ctx) { return open_container(ctx, MVG_HUB_DOC_OBJECT); }
static int on_start_array(void *ctx) { return open_container(ctx, MVG_HUB_DOC_ARRAY); }

static int on_end(void *ctx)
{
    builder *b = ctx;
    b->depth--; /* yajl pairs every end with its start */
    if (b->depth == 0)
        b->end = yajl_get_bytes_consumed(b->h);
    return 1;
}

/* yajl's check for what follows the top level misses an unterminated
 * string (`{} "`: it lexes as the end of the input), so the rest after
 * the top-level object is checked here: only JSON's white space. */
static int only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

/*
 * What yajl lets through and jansson refuses, checked on the raw text
 * (with \v and \f, in mvg_hub_doc_parse): bytes that are not UTF-8 as RFC 3629 has it (yajl checks the form of a
 * sequence but takes overlong ones, surrogates and code points above
 * U+10FFFF) and \u escapes of surrogates that do not pair (yajl turns a
 * lone high one into '?' and writes a lone low one out as it is). NULL
 * when the text passes, else what is wrong.
 */
static const char *utf8_problem(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint64_t w;
        if (i + 8 <= len && (memcpy(&w, s + i, 8), (w & 0x8080808080808080u) == 0)) {
            i += 8; /* eight ASCII bytes: nearly every record is all ASCII */
            continue;
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (n == 0 || i + n > len)
            return "bytes that are not UTF-8";
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return "bytes that are not UTF-8";
        unsigned c1 = s[i + 1];
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
            (c == 0xf4 && c1 > 0x8f))
            return "bytes that are not UTF-8"; /* overlong, a surrogate, above U+10FFFF */
        i += n;
    }
    return NULL;
}

static int hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = s[k], d = c >= '0' && c <= '9' ? c - '0'
                             : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                                     : 16;
        if (d == 16)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

/* A backslash stands only in a string in JSON, so each one found is an
 * escape (text that is not JSON is refused by yajl anyway). */
static const char *escape_problem(const unsigned char *s, size_t len)
{
    const unsigned char *p = s, *end = s + len;
    while ((p = memchr(p, '\\', (size_t)(end - p))) && end - p >= 2) {
        if (p[1] != 'u') {
            p += 2;
            continue;
        }
        unsigned v, w;
        if (end - p < 6 || hex4(p + 2, &v) < 0)
            return NULL; /* yajl says what */
        p += 6;
        if (v >= 0xdc00 && v <= 0xdfff)
            return "a \\u escape of a lone low surrogate";
        if (v >= 0xd800 && v <= 0xdbff) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &w) < 0 ||
                w < 0xdc00 || w > 0xdfff)
                return "a \\u escape of a high surrogate without its low one";
            p += 6;
        }
    }
    return NULL;
}

static const yajl_callbacks events = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

mvg_hub_doc *mvg_hub_doc_parse(const char *bytes, size_t len, char *err, size_t errlen)
{
    mvg_hub_doc *d = calloc(1, sizeof *d);
    builder *b = malloc(sizeof *b);
    yajl_handle h = NULL;
    if (d) {
        /* room for a node per 8 bytes (a record has about one per 10) and
         * for the text with a NUL per node: grown only for odd documents */
        d->cap = len / 8 + 16;
        d->room = len + len / 4 + 64;
        d->nodes = malloc(d->cap * sizeof *d->nodes);
        d->arena = malloc(d->room);
    }
    if (b)
        *b = (builder){.d = d, .key = -1};
    if (!d || !b || !d->nodes || !d->arena || !(h = b->h = yajl_alloc(&events, NULL, b))) {
        mvg_set_err(err, errlen, "out of memory");
        goto fail;
    }
    const unsigned char *u = (const unsigned char *)bytes;
    /* yajl takes \v and \f for white space; JSON (and jansson) does not,
     * and anywhere else such a byte is refused by both */
    const char *bad = memchr(u, '\v', len) || memchr(u, '\f', len)
                          ? "a control character that JSON does not allow"
                          : utf8_problem(u, len);
    if (!bad && memchr(u, '\\', len))
        bad = escape_problem(u, len);
    if (bad) {
        mvg_set_err(err, errlen, "%s", bad);
        goto fail;
    }
    yajl_config(h, yajl_dont_validate_strings, 1); /* done above, as jansson does it */
    yajl_status st = yajl_parse(h, u, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok) {
        if (st == yajl_status_client_canceled) {
            mvg_set_err(err, errlen, "%s", b->why ? b->why : "refused");
        } else if (err) {
            unsigned char *e = yajl_get_error(h, 0, u, len);
            char *nl = e ? strchr((char *)e, '\n') : NULL;
            if (nl)
                *nl = '\0';
            mvg_set_err(err, errlen, "%s at byte %zu", e ? (char *)e : "not JSON",
                        yajl_get_bytes_consumed(h));
            if (e)
                yajl_free_error(h, e);
        }
        goto fail;
    }
    if (d->n == 0 || d->nodes[0].type != MVG_HUB_DOC_OBJECT) {
        mvg_set_err(err, errlen, "not a JSON object");
        goto fail;
    }
    if (b->end > len || !only_space(bytes + b->end, len - b->end)) {
        mvg_set_err(err, errlen, "trailing garbage after the object at byte %zu", b->end);
        goto fail;
    }
    yajl_free(h);
    free(b);
    return d;
fail:
    if (h)
        yajl_free(h);
    free(b);
    mvg_hub_doc_free(d);
    return NULL;
}

void mvg_hub_doc_free(mvg_hub_doc *d)
{
    if (!d)
        return;
    free(d->nodes);
    free(d->arena);
    free(d);
}

static const node *at(const mvg_hub_doc *d, mvg_hub_node n)
{
    return d && n >= 0 && (size_t)n < d->n ? &d->nodes[n] : NULL;
}

mvg_hub_node mvg_hub_doc_root(const mvg_hub_doc *d) { return d ? 0 : MVG_HUB_DOC_NONE; }

mvg_hub_doc_type mvg_hub_doc_type_of(const mvg_hub_doc *d, mvg_hub_node n)
{
    const node *x = at(d, n);
    return x ? (mvg_hub_doc_type)x->type : MVG_HUB_DOC_NULL;
}

mvg_hub_node mvg_hub_doc_get(const mvg_hub_doc *d, mvg_hub_node n, const char *key)
{
    const node *x = at(d, n);
    if (!x || x->type != MVG_HUB_DOC_OBJECT)
        return MVG_HUB_DOC_NONE;
    mvg_hub_node found = MVG_HUB_DOC_NONE;
    for (int32_t c = x->first; c >= 0; c = d->nodes[c].next)
        if (strcmp(d->arena + d->nodes[c].key, key) == 0)
            found = c;
    return found;
}

size_t mvg_hub_doc_count(const mvg_hub_doc *d, mvg_hub_node n)
{
    const node *x = at(d, n);
    return x && x->type == MVG_HUB_DOC_ARRAY ? (size_t)x->count : 0;
}

mvg_hub_node mvg_hub_doc_first(const mvg_hub_doc *d, mvg_hub_node n)
{
    const node *x = at(d, n);
    return x && x->type == MVG_HUB_DOC_ARRAY ? x->first : MVG_HUB_DOC_NONE;
}

mvg_hub_node mvg_hub_doc_next(const mvg_hub_doc *d, mvg_hub_node e)
{
    const node *x = at(d, e);
    return x ? x->next : MVG_HUB_DOC_NONE;
}

const char *mvg_hub_doc_str(const mvg_hub_doc *d, mvg_hub_node n)
{
    const node *x = at(d, n);
    return x && x->type == MVG_HUB_DOC_STRING ? d->arena + x->text : NULL;
}

double mvg_hub_doc_num(const mvg_hub_doc *d, mvg_hub_node n)
{
    const node *x = at(d, n);
    return x && x->type == MVG_HUB_DOC_NUMBER ? strtod(d->arena + x->text, NULL) : NAN;
}

int mvg_hub_doc_int(const mvg_hub_doc *d, mvg_hub_node n, int64_t *v)
{
    const node *x = at(d, n);
    if (!x || x->type != MVG_HUB_DOC_NUMBER || !x->is_int)
        return 0;
    *v = strtoll(d->arena + x->text, NULL, 10); /* in range: checked at the parse */
    return 1;
}

const char *mvg_hub_doc_get_str(const mvg_hub_doc *d, mvg_hub_node n, const char *key)
{
    return mvg_hub_doc_str(d, mvg_hub_doc_get(d, n, key));
}

double mvg_hub_doc_get_num(const mvg_hub_doc *d, mvg_hub_node n, const char *key)
{
    return mvg_hub_doc_num(d, mvg_hub_doc_get(d, n, key));
}
