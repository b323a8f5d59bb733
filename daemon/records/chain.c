/*
 * chain.c: the signed hash chain of a project's records (chain.h): SHA-256
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
                                        "duplicated", "bad signature", "unknown key",
                                        "restarted",  "wrong topic",   "not enrolled"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

typedef struct {
    char project[128];
    mvg_chain_kind kind;
    int64_t chain;              /* -1: not a readable chained record */
    int64_t seq;                /* interval seq or model version; -1 otherwise */
    char key[MVG_CHAIN_FP_LEN + 8];
    char prev[MVG_CHAIN_HEX_LEN + 8];
    int has_key, has_prev;
    /* key records: the key signing from here on */
    int new_key_ok;
    unsigned char new_pk[MVG_CHAIN_PK_BYTES];
    char new_fp[MVG_CHAIN_FP_LEN + 8];
    /* new-chain records: when, and what was found of the previous store */
    char created[40];
    char previous[96];
    char gateway[128];
} parsed;

typedef struct {
    const char *name;
    int started;                /* a record of the project was accepted */
    int64_t last_chain;
    size_t last_index;
    char last_hash[MVG_CHAIN_HEX_LEN];
    unsigned char pk[MVG_CHAIN_PK_BYTES]; /* the key the project's records are signed with now */
    char fp[MVG_CHAIN_FP_LEN];
} proj_state;

/* The kinds by the word that names them in a schema ("mvgate/<word>/N"),
 * an MQTT topic and an export line. */
static const struct {
    const char *word;
    mvg_chain_kind kind;
} kinds[] = {{"interval", MVG_CHAIN_INTERVAL},
             {"model", MVG_CHAIN_MODEL},
             {"key", MVG_CHAIN_KEY},
             {"newchain", MVG_CHAIN_NEWCHAIN},
             {"definition", MVG_CHAIN_DEFINITION}};

mvg_chain_kind mvg_chain_kind_from_word(const char *word)
{
    for (size_t i = 0; word && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(word, kinds[i].word) == 0)
            return kinds[i].kind;
    return MVG_CHAIN_UNKNOWN;
}

static const char *kind_word(mvg_chain_kind k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k)
            return kinds[i].word;
    return "unknown";
}

static mvg_chain_kind kind_of(const char *schema)
{
    static const char head[] = "mvgate/";
    if (!schema || strncmp(schema, head, sizeof head - 1) != 0)
        return MVG_CHAIN_UNKNOWN;
    const char *w = schema + sizeof head - 1, *slash = strchr(w, '/');
    char word[16];
    if (!slash || (size_t)(slash - w) >= sizeof word)
        return MVG_CHAIN_UNKNOWN;
    memcpy(word, w, (size_t)(slash - w));
    word[slash - w] = '\0';
    return mvg_chain_kind_from_word(word);
}

static void copy_str(json_t *doc, const char *member, char *out, size_t cap, int *has)
{
    const char *s = json_string_value(json_object_get(doc, member));
    if (s && strlen(s) < cap) {
        strcpy(out, s);
        if (has)
            *has = 1;
    }
}

static void parse_item(const mvg_chain_item *it, parsed *p)
{
    memset(p, 0, sizeof *p);
    p->chain = -1;
    p->seq = -1;
    if (it->project_hint)
        snprintf(p->project, sizeof p->project, "%s", it->project_hint);
    json_t *doc = json_loadb(it->bytes, it->len, 0, NULL);
    if (!doc)
        return;
    p->kind = kind_of(json_string_value(json_object_get(doc, "schema")));
    const char *s = json_string_value(json_object_get(doc, "project"));
    json_t *chain = json_object_get(doc, "chain");
    if (s && p->kind != MVG_CHAIN_UNKNOWN && json_is_integer(chain) &&
        json_integer_value(chain) > 0) {
        snprintf(p->project, sizeof p->project, "%s", s);
        p->chain = json_integer_value(chain);
    }
    json_t *seq = json_object_get(doc, p->kind == MVG_CHAIN_MODEL || p->kind == MVG_CHAIN_DEFINITION
                                           ? "version"
                                           : "seq");
    if (p->kind != MVG_CHAIN_KEY && json_is_integer(seq))
        p->seq = json_integer_value(seq);
    copy_str(doc, "gateway", p->gateway, sizeof p->gateway, NULL);
    copy_str(doc, "key", p->key, sizeof p->key, &p->has_key);
    copy_str(doc, "prev", p->prev, sizeof p->prev, &p->has_prev);
    if (p->kind == MVG_CHAIN_NEWCHAIN) {
        copy_str(doc, "created", p->created, sizeof p->created, NULL);
        copy_str(doc, "previous_store", p->previous, sizeof p->previous, NULL);
    }
    if (p->kind == MVG_CHAIN_KEY) {
        const char *nk = json_string_value(json_object_get(doc, "new_key"));
        copy_str(doc, "new_fingerprint", p->new_fp, sizeof p->new_fp, NULL);
        char fp[MVG_CHAIN_FP_LEN];
        if (nk && mvg_chain_pk_from_b64(nk, strlen(nk), p->new_pk) == 0) {
            mvg_chain_fingerprint(p->new_pk, fp);
            p->new_key_ok = strcmp(fp, p->new_fp) == 0;
        }
    }
    json_decref(doc);
}

int mvg_chain_handover(const char *text, size_t len, char to[MVG_CHAIN_FP_LEN])
{
    /* most records are not key records: those are told apart without a parse */
    static const char head[] = "{\"schema\":\"mvgate/key/";
    if (!text || len < sizeof head - 1 || strncmp(text, head, sizeof head - 1) != 0)
        return 0;
    mvg_chain_item it = {.bytes = text, .len = len};
    parsed p;
    parse_item(&it, &p);
    if (p.kind != MVG_CHAIN_KEY || strlen(p.new_fp) != MVG_CHAIN_FP_LEN - 1)
        return 0;
    memcpy(to, p.new_fp, MVG_CHAIN_FP_LEN);
    return 1;
}

static mvg_chain_verdict fail(mvg_chain_report *r, mvg_chain_verdict v, size_t index,
                              const parsed *p, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static mvg_chain_verdict fail(mvg_chain_report *r, mvg_chain_verdict v, size_t index,
                              const parsed *p, const char *fmt, ...)
{
    r->bad_index = index;
    snprintf(r->project, sizeof r->project, "%s", p && *p->project ? p->project : "?");
    r->chain = p ? p->chain : -1;
    r->seq = p ? p->seq : -1;
    r->kind = p ? p->kind : MVG_CHAIN_UNKNOWN;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return v;
}

typedef struct {
    const unsigned char *pk; /* the key every project's chain starts with */
    int capture;
    mvg_chain_enrolled_fn enrolled;
    void *user;
    mvg_chain_accept_fn accept;
    void *accept_user;
} walk_opts;

static proj_state *find_state(proj_state *st, size_t n, const char *project)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(st[k].name, project) == 0)
            return &st[k];
    return NULL;
}

static int same_bytes(const mvg_chain_item *a, const mvg_chain_item *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* What every record must be before its chain is looked at: a chained
 * record with its members, and what its envelope says it is. */
static mvg_chain_verdict check_form(const mvg_chain_item *it, const parsed *p, size_t i,
                                    mvg_chain_report *r)
{
    if (p->chain < 0)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p,
                    "item %zu is not a JSON interval, model, key, new-chain or definition"
                    " record with project and chain",
                    i + 1);
    if (!p->has_key || !p->has_prev)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p, "the record has no \"key\" or \"prev\" member");
    if (it->project_hint && strcmp(it->project_hint, p->project) != 0)
        return fail(r, MVG_CHAIN_V_WRONG_TOPIC, i, p,
                    "item %zu is a record of project %s under project %s's topic (or export"
                    " line)",
                    i + 1, p->project, it->project_hint);
    if (it->kind_hint != MVG_CHAIN_UNKNOWN && it->kind_hint != p->kind)
        return fail(r, MVG_CHAIN_V_WRONG_TOPIC, i, p,
                    "item %zu (%s record) is under a %s topic (or export line)", i + 1,
                    kind_word(p->kind), kind_word(it->kind_hint));
    if (it->chain_hint > 0 && it->chain_hint != p->chain)
        return fail(r, MVG_CHAIN_V_WRONG_TOPIC, i, p,
                    "item %zu is chain %lld under the topic of chain %lld", i + 1,
                    (long long)p->chain, (long long)it->chain_hint);
    return MVG_CHAIN_V_OK;
}

/* The project's state at its first record in the input: its chain starts
 * with the given key, which must be the one enrolled for its gateway. */
static mvg_chain_verdict new_state(proj_state *st, size_t *nst, const parsed *p, size_t i,
                                   const walk_opts *o, mvg_chain_report *r, proj_state **out)
{
    proj_state *s = &st[(*nst)++];
    s->name = p->project;
    memcpy(s->pk, o->pk, sizeof s->pk);
    mvg_chain_fingerprint(o->pk, s->fp);
    *out = s;
    if (!*r->gateway)
        snprintf(r->gateway, sizeof r->gateway, "%s", p->gateway);
    if (!o->enrolled)
        return MVG_CHAIN_V_OK;
    char where[256] = "";
    const char *want = *p->gateway ? o->enrolled(o->user, p->gateway, where, sizeof where) : NULL;
    if (!*p->gateway)
        return fail(r, MVG_CHAIN_V_NOT_ENROLLED, i, p,
                    "the record names no \"gateway\", so no enrolled key applies");
    if (!want)
        return fail(r, MVG_CHAIN_V_NOT_ENROLLED, i, p,
                    "gateway %s is not in the register of enrolled gateways", p->gateway);
    if (strcmp(want, s->fp) != 0)
        return fail(r, MVG_CHAIN_V_NOT_ENROLLED, i, p,
                    "the chain starts with key %s, but gateway %s was enrolled with key %s%s%s",
                    s->fp, p->gateway, want, *where ? " at " : "", where);
    return MVG_CHAIN_V_OK;
}

/* The kinds the broker retains for a late subscriber. */
static int retainable(mvg_chain_kind k)
{
    return k == MVG_CHAIN_MODEL || k == MVG_CHAIN_KEY || k == MVG_CHAIN_DEFINITION;
}

/* A capture that starts while the gateway runs opens with what the broker
 * retained for each project: the model and the key records, from further
 * back in the chain, in the broker's order. They are among the project's
 * leading model and key records: those that the project's first live
 * record (its first other record) does not follow, directly or through a
 * contiguous run of them. But one from further on (a model record above
 * the first live record's position) that comes after a record the walk
 * starts with is no retained past: it came early, ahead of records the
 * broker refused or held back (the gateway parks those and goes on), and
 * the walk takes it at its position. Marks them in head. */
static void mark_head(const mvg_chain_item *items, size_t n, const parsed *ps,
                      const char *project, unsigned char *head)
{
    mvg_chain_report scratch;
    size_t live = n;
    for (size_t i = 0; i < n && live == n; i++)
        if (check_form(&items[i], &ps[i], i, &scratch) == MVG_CHAIN_V_OK &&
            strcmp(ps[i].project, project) == 0 && !retainable(ps[i].kind))
            live = i;
    int64_t follow = live < n ? ps[live].chain : -1; /* the lowest chain the walk starts with */
    for (size_t i = live; i-- > 0;) {
        if (check_form(&items[i], &ps[i], i, &scratch) != MVG_CHAIN_V_OK ||
            strcmp(ps[i].project, project) != 0)
            continue;
        if (follow > 0 && ps[i].chain + 1 == follow)
            follow = ps[i].chain; /* part of the walk: it leads to the live records */
        else if (follow <= 0 || ps[i].chain != follow)
            head[i] = 1; /* (the same chain as one walked: a repeat, for the walk) */
    }
    /* ahead of the live records, after a record the walk starts with: the
     * walk's (it takes it at its position) */
    size_t first = live;
    for (size_t i = 0; i < live; i++)
        if (!head[i] && strcmp(ps[i].project, project) == 0 &&
            check_form(&items[i], &ps[i], i, &scratch) == MVG_CHAIN_V_OK) {
            first = i;
            break;
        }
    for (size_t i = first + 1; i < live; i++)
        if (head[i] && strcmp(ps[i].project, project) == 0 && ps[i].chain > ps[live].chain)
            head[i] = 0;
}

/* One retained record checked with the key in force at its position. */
static mvg_chain_verdict check_retained(const mvg_chain_item *it, const parsed *p, size_t i,
                                        const unsigned char *pk, mvg_chain_report *r)
{
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    if (strcmp(p->key, fp) != 0)
        return fail(r, MVG_CHAIN_V_UNKNOWN_KEY, i, p,
                    "signed by key %s, expected %s: no key record in the input hands over to it",
                    p->key, fp);
    if (mvg_chain_check_sig(it->bytes, it->len, pk, NULL) != MVG_CHAIN_OK)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p, "the signature does not match the record's bytes");
    if (p->kind == MVG_CHAIN_KEY && !p->new_key_ok)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p,
                    "the key record's new_key is not a public key whose fingerprint is its"
                    " new_fingerprint");
    return MVG_CHAIN_V_OK;
}

/* The retained head of project s (the items marked in head): its key
 * records in chain order from the given key, each signed by the key the
 * one before named; its model with the key in force at its chain; the
 * project's live records then start with the last key named. keys is
 * scratch room for n indices. */
static mvg_chain_verdict check_head(const mvg_chain_item *items, size_t n, const parsed *ps,
                                    const unsigned char *head, size_t *keys, proj_state *s,
                                    const walk_opts *o, mvg_chain_report *r)
{
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (!head[i] || ps[i].kind != MVG_CHAIN_KEY || strcmp(ps[i].project, s->name) != 0)
            continue;
        size_t k = nk++; /* insertion by chain; input order among equals */
        while (k > 0 && ps[keys[k - 1]].chain > ps[i].chain) {
            keys[k] = keys[k - 1];
            k--;
        }
        keys[k] = i;
    }
    size_t accepted = 0; /* keys[0..accepted): the history, in chain order */
    for (size_t k = 0; k < nk; k++) {
        size_t i = keys[k];
        if (accepted && ps[keys[accepted - 1]].chain == ps[i].chain) {
            size_t j = keys[accepted - 1];
            if (!same_bytes(&items[j], &items[i]))
                return fail(r, MVG_CHAIN_V_ALTERED, i, &ps[i],
                            "a different key record than item %zu at the same chain position",
                            j + 1);
            r->duplicates_skipped++; /* a reconnect's repeat */
            continue;
        }
        mvg_chain_verdict v = check_retained(&items[i], &ps[i], i, s->pk, r);
        if (v != MVG_CHAIN_V_OK)
            return v;
        memcpy(s->pk, ps[i].new_pk, sizeof s->pk);
        keys[accepted++] = i;
        r->retained_keys++;
        r->rotations++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!head[i] || (ps[i].kind != MVG_CHAIN_MODEL && ps[i].kind != MVG_CHAIN_DEFINITION) ||
            strcmp(ps[i].project, s->name) != 0)
            continue;
        /* the key in force at the model's chain position */
        const unsigned char *pk = o->pk;
        for (size_t k = 0; k < accepted && ps[keys[k]].chain < ps[i].chain; k++)
            pk = ps[keys[k]].new_pk;
        mvg_chain_verdict v = check_retained(&items[i], &ps[i], i, pk, r);
        if (v != MVG_CHAIN_V_OK)
            return v;
        if (ps[i].kind == MVG_CHAIN_DEFINITION)
            r->retained_definitions++;
        else
            r->retained_skipped++;
    }
    mvg_chain_fingerprint(s->pk, s->fp);
    mvg_chain_fingerprint(s->pk, r->last_fingerprint);
    return MVG_CHAIN_V_OK;
}

/* Capture: marks each project's retained head and checks it; every
 * project met gets its state here. */
static mvg_chain_verdict walk_heads(const mvg_chain_item *items, size_t n, const parsed *ps,
                                    proj_state *st, size_t *nst, unsigned char *head,
                                    size_t *keys, const walk_opts *o, mvg_chain_report *r)
{
    for (size_t i = 0; i < n; i++) {
        mvg_chain_verdict v;
        mvg_chain_report scratch;
        if (check_form(&items[i], &ps[i], i, &scratch) != MVG_CHAIN_V_OK)
            continue; /* the walk names it in its place */
        proj_state *s = find_state(st, *nst, ps[i].project);
        if (!s && (v = new_state(st, nst, &ps[i], i, o, r, &s)) != MVG_CHAIN_V_OK)
            return v;
    }
    for (size_t k = 0; k < *nst; k++) {
        mark_head(items, n, ps, st[k].name, head);
        mvg_chain_verdict v = check_head(items, n, ps, head, keys, &st[k], o, r);
        if (v != MVG_CHAIN_V_OK)
            return v;
    }
    return MVG_CHAIN_V_OK;
}

/* The walk's state besides the projects': in a capture, the records that
 * came ahead of a gap whose records come later in the input (their
 * indexes, in input order), taken when their project's chain reaches
 * them. Few at a time: those the broker delivered ahead of parked ones. */
typedef struct {
    size_t *ids;
    size_t n;
    int deferred;               /* the item stepped last was deferred */
    int final;                  /* the input walked: a gap left is missing */
} walk_state;

/*
 * One item of the walk, i: accepted (its project's state moved on), skipped
 * (a capture's repeat, or deferred), or the verdict that stops the walk.
 */
static mvg_chain_verdict step(const mvg_chain_item *items, size_t n, const parsed *ps,
                              proj_state *st, size_t i, const walk_opts *o, size_t *nst,
                              walk_state *w, mvg_chain_report *r)
{
    char zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_zero_prev(zero);
    int capture = o->capture;
    const parsed *p = &ps[i];
    const mvg_chain_item *it = &items[i];
    mvg_chain_verdict v = check_form(it, p, i, r);
    if (v != MVG_CHAIN_V_OK)
        return v;
    proj_state *s = find_state(st, *nst, p->project);
    if (!s && (v = new_state(st, nst, p, i, o, r, &s)) != MVG_CHAIN_V_OK)
        return v;
    const unsigned char *want = s->pk;
    mvg_chain_sig_status sig = mvg_chain_check_sig(it->bytes, it->len, want, NULL);
    if (sig == MVG_CHAIN_NO_SIG)
        return fail(r, MVG_CHAIN_V_BAD_SIGNATURE, i, p,
                    "no final \"sig\" member holding a base64 64-byte signature");
    /* a gap first: a dropped key record leaves the next record signed by
     * a key not yet introduced, and what is wrong is the gap */
    if (s->started && p->chain > s->last_chain + 1) {
        int64_t lo = s->last_chain + 1, hi = p->chain - 1;
        for (size_t k = i + 1; k < n; k++)
            if (ps[k].chain >= lo && ps[k].chain <= hi &&
                strcmp(ps[k].project, p->project) == 0) {
                /* A capture's order is the broker's: a record the
                 * gateway sent while earlier ones were refused and
                 * parked arrives ahead of them, and is taken at its
                 * position. An export's order is the store's. */
                if (capture && !w->final) {
                    w->ids[w->n++] = i;
                    w->deferred = 1;
                    return MVG_CHAIN_V_OK;
                }
                return fail(r, MVG_CHAIN_V_REORDERED, i, p, "comes before chain %lld",
                            (long long)ps[k].chain);
            }
        return fail(r, MVG_CHAIN_V_MISSING, i, p,
                    "(chain %lld..%lld): not in the input before it", (long long)lo,
                    (long long)hi);
    }
    if (strcmp(p->key, s->fp) != 0) {
        /* an identical repeat of an earlier record signed before a rotation */
        for (size_t j = 0; s->started && j < i; j++)
            if (same_bytes(&items[j], it)) {
                if (capture) {
                    r->duplicates_skipped++;
                    return MVG_CHAIN_V_OK; /* skipped */
                }
                return fail(r, MVG_CHAIN_V_DUPLICATED, i, p, "identical to item %zu", j + 1);
            }
        return fail(r, MVG_CHAIN_V_UNKNOWN_KEY, i, p, "signed by key %s, expected %s", p->key,
                    s->fp);
    }
    if (sig != MVG_CHAIN_OK)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p,
                    "the signature does not match the record's bytes");
    if (p->kind == MVG_CHAIN_KEY && !p->new_key_ok)
        return fail(r, MVG_CHAIN_V_ALTERED, i, p,
                    "the key record's new_key is not a public key whose fingerprint is its"
                    " new_fingerprint");
    if (p->kind == MVG_CHAIN_NEWCHAIN) {
        if (p->chain != 1 || strcmp(p->prev, zero) != 0)
            return fail(r, MVG_CHAIN_V_ALTERED, i, p,
                        "a new-chain record must be chain 1 with a prev of 64 zeros");
        if (s->started) { /* the project's chain begins again here */
            s->last_chain = 0;
            memcpy(s->last_hash, zero, sizeof zero);
        }
        /* a note too long for its room is cut: it stays a note */
        if (r->newchains < MVG_CHAIN_NOTES_MAX &&
            snprintf(r->newchain_notes[r->newchains], sizeof r->newchain_notes[0],
                     "project %s: new chain under key %s: store restarted on %s (previous"
                     " store: %s)",
                     p->project, p->key, *p->created ? p->created : "?",
                     *p->previous ? p->previous : "?") < 0)
            r->newchain_notes[r->newchains][0] = '\0';
        r->newchains++;
    }
    char hash[MVG_CHAIN_HEX_LEN];
    mvg_chain_hash_hex(it->bytes, it->len, hash);
    if (!s->started) {
        if (p->chain == 1 && strcmp(p->prev, zero) != 0)
            return fail(r, MVG_CHAIN_V_ALTERED, i, p, "the first record's prev is not 64 zeros");
    } else if (p->chain <= s->last_chain) {
        for (size_t j = 0; j < i; j++)
            if (ps[j].chain == p->chain && strcmp(ps[j].project, p->project) == 0 &&
                same_bytes(&items[j], it)) {
                if (capture) {
                    r->duplicates_skipped++;
                    return MVG_CHAIN_V_OK; /* skipped */
                }
                return fail(r, MVG_CHAIN_V_DUPLICATED, i, p, "identical to item %zu", j + 1);
            }
        if (p->chain == 1)
            return fail(r, MVG_CHAIN_V_RESTARTED, i, p,
                        "the chain begins again at 1 after chain %lld without a signed"
                        " new-chain record: the store was emptied or rolled back and the"
                        " gateway went on silently",
                        (long long)s->last_chain);
        return fail(r, MVG_CHAIN_V_REORDERED, i, p, "after chain %lld",
                    (long long)s->last_chain);
    } else if (strcmp(p->prev, s->last_hash) != 0) {
        const parsed *before = &ps[s->last_index];
        return fail(r, MVG_CHAIN_V_ALTERED, s->last_index, before,
                    "its hash no longer matches the prev of chain %lld", (long long)p->chain);
    }
    s->started = 1;
    s->last_chain = p->chain;
    s->last_index = i;
    memcpy(s->last_hash, hash, sizeof hash);
    if (p->kind == MVG_CHAIN_KEY) {
        memcpy(s->pk, p->new_pk, sizeof s->pk);
        mvg_chain_fingerprint(s->pk, s->fp);
        r->rotations++;
    }
    mvg_chain_fingerprint(s->pk, r->last_fingerprint);
    r->records++;
    if (o->accept)
        o->accept(o->accept_user, i, p->project, p->chain, p->kind, hash, s->pk);
    return MVG_CHAIN_V_OK;
}

/* Takes out of the deferred the first record of project s that its chain
 * has reached (the next position, or one walked already: a repeat, or a
 * record that differs from the one there): its index, or n. */
static size_t take_deferred(const parsed *ps, size_t n, walk_state *w, const proj_state *s)
{
    for (size_t k = 0; k < w->n; k++) {
        size_t d = w->ids[k];
        if (strcmp(ps[d].project, s->name) == 0 && ps[d].chain <= s->last_chain + 1) {
            memmove(&w->ids[k], &w->ids[k + 1], (w->n - k - 1) * sizeof *w->ids);
            w->n--;
            return d;
        }
    }
    return n;
}

/* Steps item i, then the deferred records its project's chain reaches. */
static mvg_chain_verdict step_on(const mvg_chain_item *items, size_t n, const parsed *ps,
                                 proj_state *st, size_t i, const walk_opts *o, size_t *nst,
                                 walk_state *w, mvg_chain_report *r)
{
    w->deferred = 0;
    mvg_chain_verdict v = step(items, n, ps, st, i, o, nst, w, r);
    proj_state *s = v == MVG_CHAIN_V_OK && !w->deferred && w->n
                        ? find_state(st, *nst, ps[i].project)
                        : NULL;
    for (size_t d; s && v == MVG_CHAIN_V_OK && (d = take_deferred(ps, n, w, s)) < n;)
        v = step(items, n, ps, st, d, o, nst, w, r);
    return v;
}

static mvg_chain_verdict walk(const mvg_chain_item *items, size_t n, const parsed *ps,
                              proj_state *st, const unsigned char *head, const walk_opts *o,
                              size_t *nst, mvg_chain_report *r)
{
    walk_state w = {.ids = calloc(n + 1, sizeof(size_t))};
    if (!w.ids)
        return fail(r, MVG_CHAIN_V_ALTERED, 0, NULL, "out of memory");
    mvg_chain_verdict v = MVG_CHAIN_V_OK;
    for (size_t i = 0; i < n && v == MVG_CHAIN_V_OK; i++)
        if (!head[i]) /* the head: checked by walk_heads */
            v = step_on(items, n, ps, st, i, o, nst, &w, r);
    /* deferred records whose gap the input never filled: their verdict
     * now (the gap's first position is missing), in input order */
    w.final = 1;
    while (v == MVG_CHAIN_V_OK && w.n > 0) {
        size_t d = w.ids[0];
        memmove(&w.ids[0], &w.ids[1], (w.n - 1) * sizeof *w.ids);
        w.n--;
        v = step_on(items, n, ps, st, d, o, nst, &w, r);
    }
    free(w.ids);
    return v;
}

mvg_chain_verdict mvg_chain_verify_enrolled(const mvg_chain_item *items, size_t n,
                                            const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                            int capture, mvg_chain_enrolled_fn enrolled,
                                            void *user, mvg_chain_report *report)
{
    return mvg_chain_verify_trail(items, n, pk, capture, enrolled, user, NULL, NULL, report);
}

mvg_chain_verdict mvg_chain_verify_trail(const mvg_chain_item *items, size_t n,
                                         const unsigned char pk[MVG_CHAIN_PK_BYTES], int capture,
                                         mvg_chain_enrolled_fn enrolled, void *user,
                                         mvg_chain_accept_fn accept, void *accept_user,
                                         mvg_chain_report *report)
{
    memset(report, 0, sizeof *report);
    report->enrolled = enrolled != NULL;
    mvg_chain_fingerprint(pk, report->last_fingerprint);
    parsed *ps = calloc(n + 1, sizeof *ps);
    proj_state *st = calloc(n + 1, sizeof *st);
    unsigned char *head = calloc(n + 1, 1);
    size_t *keys = calloc(n + 1, sizeof *keys);
    walk_opts o = {pk, capture, enrolled, user, accept, accept_user};
    size_t nst = 0;
    mvg_chain_verdict v;
    if (!ps || !st || !head || !keys) {
        v = fail(report, MVG_CHAIN_V_ALTERED, 0, NULL, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++)
            parse_item(&items[i], &ps[i]);
        v = capture ? walk_heads(items, n, ps, st, &nst, head, keys, &o, report)
                    : MVG_CHAIN_V_OK;
        if (v == MVG_CHAIN_V_OK)
            v = walk(items, n, ps, st, head, &o, &nst, report);
        report->projects = nst;
    }
    free(ps);
    free(st);
    free(head);
    free(keys);
    return v;
}

mvg_chain_verdict mvg_chain_verify(const mvg_chain_item *items, size_t n,
                                   const unsigned char pk[MVG_CHAIN_PK_BYTES], int capture,
                                   mvg_chain_report *report)
{
    return mvg_chain_verify_enrolled(items, n, pk, capture, NULL, NULL, report);
}

/* "interval seq 5", "model version 2", "key rotation" */
static void what(const mvg_chain_report *r, char *buf, size_t len)
{
    if (r->kind == MVG_CHAIN_INTERVAL)
        snprintf(buf, len, " (interval seq %lld)", (long long)r->seq);
    else if (r->kind == MVG_CHAIN_MODEL)
        snprintf(buf, len, " (model version %lld)", (long long)r->seq);
    else if (r->kind == MVG_CHAIN_KEY)
        snprintf(buf, len, " (key rotation)");
    else if (r->kind == MVG_CHAIN_NEWCHAIN)
        snprintf(buf, len, " (new chain)");
    else if (r->kind == MVG_CHAIN_DEFINITION)
        snprintf(buf, len, " (definition version %lld)", (long long)r->seq);
    else
        buf[0] = '\0';
}

int mvg_chain_report_line(mvg_chain_verdict v, const mvg_chain_report *r, char *buf, size_t len)
{
    char w[64];
    what(r, w, sizeof w);
    /* a gap reads "missing (chain N..M): ..." */
    if (v == MVG_CHAIN_V_MISSING)
        return snprintf(buf, len, "project %s chain %lld%s: missing %s", r->project,
                        (long long)r->chain, w, r->detail);
    return snprintf(buf, len, "project %s chain %lld%s: %s: %s", r->project, (long long)r->chain,
                    w, mvg_chain_verdict_name(v), r->detail);
}
