/*
 * chain.c: the signed hash chain of interval records (chain.h): SHA-256
 * linkage, Ed25519 signing of the canonical bytes and the walk that
 * `mvgate verify` reports from. Pure: no files, no clock.
 */
#include "chain.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ,"sig":"<88 base64 chars>"} */
#define SIG_B64_LEN 88
#define SIG_HEAD ",\"sig\":\""
#define SIG_HEAD_LEN 8
#define SIG_SUFFIX_LEN (SIG_HEAD_LEN + SIG_B64_LEN + 2)

int mvg_chain_init(void) { return sodium_init() < 0 ? -1 : 0; }

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void mvg_chain_hash_hex(const void *data, size_t len, char out[MVG_CHAIN_HEX_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    to_hex(h, sizeof h, out);
}

void mvg_chain_zero_prev(char out[MVG_CHAIN_HEX_LEN])
{
    memset(out, '0', MVG_CHAIN_HEX_LEN - 1);
    out[MVG_CHAIN_HEX_LEN - 1] = '\0';
}

void mvg_chain_fingerprint(const unsigned char pk[MVG_CHAIN_PK_BYTES], char out[MVG_CHAIN_FP_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, MVG_CHAIN_PK_BYTES);
    to_hex(h, 16, out);
}

void mvg_chain_pk_to_b64(const unsigned char pk[MVG_CHAIN_PK_BYTES], char out[MVG_CHAIN_PK_B64_LEN])
{
    sodium_bin2base64(out, MVG_CHAIN_PK_B64_LEN, pk, MVG_CHAIN_PK_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
}

int mvg_chain_pk_from_b64(const char *b64, size_t len, unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(pk, MVG_CHAIN_PK_BYTES, b64, len, " \t\r\n", &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != MVG_CHAIN_PK_BYTES || (end && end != b64 + len))
        return -1;
    return 0;
}

char *mvg_chain_sign(const char *text, size_t len, const unsigned char sk[MVG_CHAIN_SK_BYTES],
                     size_t *out_len)
{
    if (len < 2 || text[len - 1] != '}')
        return NULL;
    unsigned char sig[MVG_CHAIN_SIG_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, len, sk);
    size_t n = len - 1 + SIG_SUFFIX_LEN;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, text, len - 1);
    memcpy(out + len - 1, SIG_HEAD, SIG_HEAD_LEN);
    char b64[SIG_B64_LEN + 1];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    memcpy(out + len - 1 + SIG_HEAD_LEN, b64, SIG_B64_LEN);
    memcpy(out + n - 2, "\"}", 3);
    if (out_len)
        *out_len = n;
    return out;
}

mvg_chain_sig_status mvg_chain_check_sig(const char *text, size_t len,
                                         const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                         size_t *signed_len)
{
    if (len < SIG_SUFFIX_LEN + 2 || text[len - 1] != '}' || text[len - 2] != '"' ||
        memcmp(text + len - SIG_SUFFIX_LEN, SIG_HEAD, SIG_HEAD_LEN) != 0)
        return MVG_CHAIN_NO_SIG;
    unsigned char sig[MVG_CHAIN_SIG_BYTES];
    size_t got = 0;
    const char *b64 = text + len - SIG_SUFFIX_LEN + SIG_HEAD_LEN;
    const char *end = NULL;
    if (sodium_base642bin(sig, sizeof sig, b64, SIG_B64_LEN, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != sizeof sig || end != b64 + SIG_B64_LEN)
        return MVG_CHAIN_NO_SIG;
    /* the signed bytes: the text up to the sig member, closed again */
    size_t n = len - SIG_SUFFIX_LEN + 1;
    unsigned char *msg = malloc(n);
    if (!msg)
        return MVG_CHAIN_BAD_SIG;
    memcpy(msg, text, n - 1);
    msg[n - 1] = '}';
    int ok = crypto_sign_verify_detached(sig, msg, n, pk) == 0;
    free(msg);
    if (signed_len)
        *signed_len = n;
    return ok ? MVG_CHAIN_OK : MVG_CHAIN_BAD_SIG;
}

/* ---- the walk ---------------------------------------------------------- */

const char *mvg_chain_verdict_name(mvg_chain_verdict v)
{
    static const char *const names[] = {"ok",         "altered",       "missing",    "reordered",
                                        "duplicated", "bad signature", "unknown key"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

typedef struct {
    char project[128];
    int64_t seq;                /* -1: not a readable record */
    char key[MVG_CHAIN_FP_LEN + 8];
    char prev[MVG_CHAIN_HEX_LEN + 8];
    int has_key, has_prev;
} parsed;

typedef struct {
    const char *name;
    int64_t last_seq;
    size_t last_index;
    char last_hash[MVG_CHAIN_HEX_LEN];
} proj_state;

static void parse_item(const mvg_chain_item *it, parsed *p)
{
    memset(p, 0, sizeof *p);
    p->seq = -1;
    if (it->project_hint)
        snprintf(p->project, sizeof p->project, "%s", it->project_hint);
    json_t *doc = json_loadb(it->bytes, it->len, 0, NULL);
    if (!doc)
        return;
    const char *s = json_string_value(json_object_get(doc, "project"));
    json_t *seq = json_object_get(doc, "seq");
    if (s && json_is_integer(seq) && json_integer_value(seq) > 0) {
        snprintf(p->project, sizeof p->project, "%s", s);
        p->seq = json_integer_value(seq);
    }
    if ((s = json_string_value(json_object_get(doc, "key"))) && strlen(s) < sizeof p->key) {
        strcpy(p->key, s);
        p->has_key = 1;
    }
    if ((s = json_string_value(json_object_get(doc, "prev"))) && strlen(s) < sizeof p->prev) {
        strcpy(p->prev, s);
        p->has_prev = 1;
    }
    json_decref(doc);
}

static mvg_chain_verdict fail(mvg_chain_report *r, mvg_chain_verdict v, size_t index,
                              const char *project, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static mvg_chain_verdict fail(mvg_chain_report *r, mvg_chain_verdict v, size_t index,
                              const char *project, int64_t seq, const char *fmt, ...)
{
    r->bad_index = index;
    snprintf(r->project, sizeof r->project, "%s", project && *project ? project : "?");
    r->seq = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return v;
}

static mvg_chain_verdict walk(const mvg_chain_item *items, size_t n, const parsed *ps,
                              proj_state *st, const unsigned char *pk, int allow_dup,
                              mvg_chain_report *r)
{
    char fp[MVG_CHAIN_FP_LEN], zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_fingerprint(pk, fp);
    mvg_chain_zero_prev(zero);
    for (size_t i = 0; i < n; i++) {
        const parsed *p = &ps[i];
        const mvg_chain_item *it = &items[i];
        if (p->seq < 0)
            return fail(r, MVG_CHAIN_V_ALTERED, i, p->project, -1,
                        "item %zu is not a JSON interval record with project and seq", i + 1);
        if (!p->has_key || !p->has_prev)
            return fail(r, MVG_CHAIN_V_ALTERED, i, p->project, p->seq,
                        "the record has no \"key\" or \"prev\" member");
        mvg_chain_sig_status sig = mvg_chain_check_sig(it->bytes, it->len, pk, NULL);
        if (sig == MVG_CHAIN_NO_SIG)
            return fail(r, MVG_CHAIN_V_BAD_SIGNATURE, i, p->project, p->seq,
                        "no final \"sig\" member holding a base64 64-byte signature");
        if (strcmp(p->key, fp) != 0)
            return fail(r, MVG_CHAIN_V_UNKNOWN_KEY, i, p->project, p->seq,
                        "signed by key %s, expected %s", p->key, fp);
        if (sig != MVG_CHAIN_OK)
            return fail(r, MVG_CHAIN_V_ALTERED, i, p->project, p->seq,
                        "the signature does not match the record's bytes");
        proj_state *s = NULL;
        for (size_t k = 0; k < r->projects; k++)
            if (strcmp(st[k].name, p->project) == 0)
                s = &st[k];
        char hash[MVG_CHAIN_HEX_LEN];
        mvg_chain_hash_hex(it->bytes, it->len, hash);
        if (!s) {
            s = &st[r->projects++];
            s->name = p->project;
            if (p->seq == 1 && strcmp(p->prev, zero) != 0)
                return fail(r, MVG_CHAIN_V_ALTERED, i, p->project, p->seq,
                            "the first record's prev is not 64 zeros");
        } else if (p->seq <= s->last_seq) {
            for (size_t j = 0; j < i; j++)
                if (ps[j].seq == p->seq && strcmp(ps[j].project, p->project) == 0 &&
                    items[j].len == it->len && memcmp(items[j].bytes, it->bytes, it->len) == 0) {
                    if (allow_dup) {
                        r->duplicates_skipped++;
                        goto next;
                    }
                    return fail(r, MVG_CHAIN_V_DUPLICATED, i, p->project, p->seq,
                                "identical to item %zu", j + 1);
                }
            return fail(r, MVG_CHAIN_V_REORDERED, i, p->project, p->seq, "after seq %lld",
                        (long long)s->last_seq);
        } else if (p->seq > s->last_seq + 1) {
            int64_t lo = s->last_seq + 1, hi = p->seq - 1;
            for (size_t k = i + 1; k < n; k++)
                if (ps[k].seq >= lo && ps[k].seq <= hi && strcmp(ps[k].project, p->project) == 0)
                    return fail(r, MVG_CHAIN_V_REORDERED, i, p->project, p->seq,
                                "comes before seq %lld", (long long)ps[k].seq);
            return fail(r, MVG_CHAIN_V_MISSING, i, p->project, p->seq,
                        "(seq %lld..%lld): not in the input before it", (long long)lo,
                        (long long)hi);
        } else if (strcmp(p->prev, s->last_hash) != 0) {
            return fail(r, MVG_CHAIN_V_ALTERED, s->last_index, p->project, s->last_seq,
                        "its hash no longer matches the prev of seq %lld", (long long)p->seq);
        }
        s->last_seq = p->seq;
        s->last_index = i;
        memcpy(s->last_hash, hash, sizeof hash);
        r->records++;
    next:;
    }
    return MVG_CHAIN_V_OK;
}

mvg_chain_verdict mvg_chain_verify(const mvg_chain_item *items, size_t n,
                                   const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                   int allow_duplicates, mvg_chain_report *report)
{
    memset(report, 0, sizeof *report);
    parsed *ps = calloc(n + 1, sizeof *ps);
    proj_state *st = calloc(n + 1, sizeof *st);
    mvg_chain_verdict v;
    if (!ps || !st) {
        v = fail(report, MVG_CHAIN_V_ALTERED, 0, "?", -1, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++)
            parse_item(&items[i], &ps[i]);
        v = walk(items, n, ps, st, pk, allow_duplicates, report);
    }
    free(ps);
    free(st);
    return v;
}

int mvg_chain_report_line(mvg_chain_verdict v, const mvg_chain_report *r, char *buf, size_t len)
{
    /* a gap reads "missing (seq N..M): ..." */
    if (v == MVG_CHAIN_V_MISSING)
        return snprintf(buf, len, "project %s seq %lld: missing %s", r->project,
                        (long long)r->seq, r->detail);
    return snprintf(buf, len, "project %s seq %lld: %s: %s", r->project, (long long)r->seq,
                    mvg_chain_verdict_name(v), r->detail);
}
