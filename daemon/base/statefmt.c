/*
 * statefmt.c: little-endian fields, bounds-checked reads, FNV-1a 64 and
 * the two state envelopes (statefmt.h).
 */
#include "statefmt.h"

#include <string.h>

#include "diag.h"

uint64_t mvg_statefmt_fnv1a(uint64_t basis, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = basis;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static void store_le(uint8_t *p, uint64_t v, int nbytes)
{
    for (int i = 0; i < nbytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t load_le(const uint8_t *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void mvg_statefmt_store_u64(uint8_t *p, uint64_t v) { store_le(p, v, 8); }
uint64_t mvg_statefmt_load_u64(const uint8_t *p) { return load_le(p, 8); }

/* ---- writer ---- */

uint8_t *mvg_statefmt_reserve(mvg_statefmt_writer *w, size_t n)
{
    uint8_t *at = NULL;
    if (w->p && !w->over) {
        if (w->cap - w->len < n || w->len > w->cap)
            w->over = 1;
        else
            at = w->p + w->len;
    }
    w->len += n;
    return at;
}

static void put_le(mvg_statefmt_writer *w, uint64_t v, int nbytes)
{
    uint8_t *at = mvg_statefmt_reserve(w, (size_t)nbytes);
    if (at)
        store_le(at, v, nbytes);
}

void mvg_statefmt_put_u8(mvg_statefmt_writer *w, uint8_t v) { put_le(w, v, 1); }
void mvg_statefmt_put_u32(mvg_statefmt_writer *w, uint32_t v) { put_le(w, v, 4); }
void mvg_statefmt_put_u64(mvg_statefmt_writer *w, uint64_t v) { put_le(w, v, 8); }
void mvg_statefmt_put_i64(mvg_statefmt_writer *w, int64_t v) { put_le(w, (uint64_t)v, 8); }

void mvg_statefmt_put_f64(mvg_statefmt_writer *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put_le(w, u, 8);
}

void mvg_statefmt_put_bytes(mvg_statefmt_writer *w, const void *v, size_t n)
{
    uint8_t *at = mvg_statefmt_reserve(w, n);
    if (at && n)
        memcpy(at, v, n);
}

void mvg_statefmt_put_str(mvg_statefmt_writer *w, const char *s)
{
    size_t n = strlen(s);
    mvg_statefmt_put_u64(w, n);
    mvg_statefmt_put_bytes(w, s, n);
}

/* ---- reader ---- */

const uint8_t *mvg_statefmt_take(mvg_statefmt_reader *r, size_t n)
{
    if (r->bad || r->pos > r->len || r->len - r->pos < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *at = r->p + r->pos;
    r->pos += n;
    return at;
}

static uint64_t get_le(mvg_statefmt_reader *r, int nbytes)
{
    const uint8_t *at = mvg_statefmt_take(r, (size_t)nbytes);
    return at ? load_le(at, nbytes) : 0;
}

uint8_t mvg_statefmt_get_u8(mvg_statefmt_reader *r) { return (uint8_t)get_le(r, 1); }
uint32_t mvg_statefmt_get_u32(mvg_statefmt_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t mvg_statefmt_get_u64(mvg_statefmt_reader *r) { return get_le(r, 8); }
int64_t mvg_statefmt_get_i64(mvg_statefmt_reader *r) { return (int64_t)get_le(r, 8); }

double mvg_statefmt_get_f64(mvg_statefmt_reader *r)
{
    uint64_t u = get_le(r, 8);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void mvg_statefmt_get_str(mvg_statefmt_reader *r, char *dst, size_t cap)
{
    uint64_t n = mvg_statefmt_get_u64(r);
    const uint8_t *at = !r->bad && n < cap ? mvg_statefmt_take(r, (size_t)n) : NULL;
    if (!at) {
        r->bad = 1;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, at, (size_t)n);
    dst[n] = '\0';
}

size_t mvg_statefmt_left(const mvg_statefmt_reader *r)
{
    return r->bad || r->pos > r->len ? 0 : r->len - r->pos;
}

/* ---- envelopes ---- */

#define TRAILER_HEAD 24 /* magic 8, version 8, total 8 */
#define HEADER_HEAD 24  /* magic 4, version 4, body length 8, checksum 8 */

void mvg_statefmt_begin(const mvg_statefmt_envelope *e, mvg_statefmt_writer *w, void *buf,
                        size_t cap)
{
    *w = (mvg_statefmt_writer){.p = buf, .cap = cap};
    if (e->layout == MVG_STATEFMT_TRAILER) {
        mvg_statefmt_put_bytes(w, e->magic, 8);
        mvg_statefmt_put_u64(w, e->version);
        mvg_statefmt_put_u64(w, 0); /* total, known at the seal */
    } else {
        mvg_statefmt_put_bytes(w, e->magic, 4);
        mvg_statefmt_put_u32(w, e->version);
        mvg_statefmt_put_u64(w, 0); /* body length and checksum, at the seal */
        mvg_statefmt_put_u64(w, 0);
    }
}

int mvg_statefmt_seal(const mvg_statefmt_envelope *e, mvg_statefmt_writer *w, size_t *written,
                      char *err, size_t errlen)
{
    if (e->layout == MVG_STATEFMT_TRAILER) {
        size_t total = w->len + 8;
        if (w->p && !w->over) {
            mvg_statefmt_store_u64(w->p + 16, total);
            mvg_statefmt_put_u64(w, mvg_statefmt_fnv1a(e->fnv_basis, w->p, w->len));
        } else {
            mvg_statefmt_put_u64(w, 0);
        }
    } else if (w->p && !w->over) {
        size_t body = w->len - HEADER_HEAD;
        mvg_statefmt_store_u64(w->p + 8, body);
        mvg_statefmt_store_u64(w->p + 16, mvg_statefmt_fnv1a(e->fnv_basis, w->p + HEADER_HEAD, body));
    }
    if (w->over) {
        mvg_set_err(err, errlen, "%s needs %zu bytes, buffer has %zu", e->what, w->len, w->cap);
        return -1;
    }
    *written = w->len;
    return 0;
}

int mvg_statefmt_write(const mvg_statefmt_envelope *e, mvg_statefmt_body_fn body, const void *obj,
                       void *buf, size_t cap, size_t *written, char *err, size_t errlen)
{
    mvg_statefmt_writer w;
    mvg_statefmt_begin(e, &w, buf, cap);
    body(obj, &w);
    return mvg_statefmt_seal(e, &w, written, err, errlen);
}

int mvg_statefmt_open(const mvg_statefmt_envelope *e, const void *buf, size_t len,
                      mvg_statefmt_reader *body, char *err, size_t errlen)
{
    const uint8_t *b = buf;
    int trailer = e->layout == MVG_STATEFMT_TRAILER;
    size_t mlen = trailer ? 8 : 4, least = trailer ? TRAILER_HEAD + 8 : HEADER_HEAD;
    if (!buf || len < least || memcmp(b, e->magic, mlen) != 0) {
        mvg_set_err(err, errlen, "not a valid %s (bad magic or too short)", e->what);
        return -1;
    }
    uint64_t version = trailer ? mvg_statefmt_load_u64(b + 8) : load_le(b + 4, 4);
    if (version != e->version) {
        mvg_set_err(err, errlen, "%s format version %llu, this build reads %u", e->what,
                    (unsigned long long)version, e->version);
        return -1;
    }
    uint64_t said = mvg_statefmt_load_u64(b + (trailer ? 16 : 8));
    uint64_t have = trailer ? len : len - HEADER_HEAD;
    if (said != have) {
        mvg_set_err(err, errlen, "%s is %llu bytes, its header says %llu (truncated?)", e->what,
                    (unsigned long long)have, (unsigned long long)said);
        return -1;
    }
    const uint8_t *from = trailer ? b : b + HEADER_HEAD;
    size_t n = trailer ? len - 8 : len - HEADER_HEAD;
    uint64_t sum = mvg_statefmt_load_u64(trailer ? b + len - 8 : b + 16);
    if (mvg_statefmt_fnv1a(e->fnv_basis, from, n) != sum) {
        mvg_set_err(err, errlen, "%s checksum mismatch: the bytes are corrupted", e->what);
        return -1;
    }
    *body = trailer ? (mvg_statefmt_reader){.p = b, .len = len - 8, .pos = TRAILER_HEAD}
                    : (mvg_statefmt_reader){.p = b + HEADER_HEAD, .len = n, .pos = 0};
    return 0;
}
