/*
 * head.c: the signed head record (head.h).
 */
#include "head.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

/* As payload.c dumps every record: compact, members in the order built. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

static const char *const reasons[] = {"periodic", "shutdown", "start"};
/* The kinds every head counts, in this order, before any other. */
static const char *const known_kinds[] = {"interval", "model", "key", "newchain"};
#define NKNOWN (sizeof known_kinds / sizeof known_kinds[0])

const char *mvg_head_reason_name(mvg_head_reason r)
{
    return (unsigned)r < sizeof reasons / sizeof reasons[0] ? reasons[r] : "?";
}

static int is_known(const char *kind)
{
    for (size_t k = 0; k < NKNOWN; k++)
        if (strcmp(kind, known_kinds[k]) == 0)
            return 1;
    return 0;
}

char *mvg_head_build(const mvg_head_info *h)
{
    if (!h || h->head < 1 || !h->gateway || !h->project || !h->head_hash || !h->key)
        return NULL;
    json_t *records = json_object();
    for (size_t k = 0; records && k < NKNOWN; k++) {
        int64_t n = 0;
        for (size_t i = 0; i < h->ncounts; i++)
            if (strcmp(h->counts[i].kind, known_kinds[k]) == 0)
                n = h->counts[i].n;
        json_object_set_new(records, known_kinds[k], json_integer((json_int_t)n));
    }
    for (size_t i = 0; records && i < h->ncounts; i++)
        if (!is_known(h->counts[i].kind))
            json_object_set_new(records, h->counts[i].kind,
                                json_integer((json_int_t)h->counts[i].n));
    char t[40];
    mvg_timefmt_format(h->time_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, t, sizeof t);
    json_t *doc = records ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:I, s:s, s:s}",
                                      "schema", MVG_SCHEMA_HEAD, "gateway", h->gateway, "project",
                                      h->project, "time", t, "head", (json_int_t)h->head,
                                      "head_hash", h->head_hash, "records", records, "every_s",
                                      (json_int_t)h->every_s, "reason",
                                      mvg_head_reason_name(h->reason), "key", h->key)
                          : NULL;
    char *s = doc ? json_dumps(doc, DUMP_FLAGS) : NULL;
    json_decref(doc);
    return s;
}

int mvg_head_is_head(const char *text, size_t len)
{
    static const char lead[] = "{\"schema\":\"mvgate/head/";
    return text && len >= sizeof lead - 1 && strncmp(text, lead, sizeof lead - 1) == 0;
}

static int str_member(json_t *doc, const char *name, char *out, size_t cap, char *err,
                      size_t errlen)
{
    const char *s = json_string_value(json_object_get(doc, name));
    if (!s || strlen(s) >= cap) {
        snprintf(err, errlen, "the head has no string \"%s\"", name);
        return -1;
    }
    strcpy(out, s);
    return 0;
}

static int hex_of(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int mvg_head_parse(const char *text, size_t len, mvg_head *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "the head is not a JSON object");
        json_decref(doc);
        return -1;
    }
    int rc = -1;
    char schema[32], reason[16];
    json_t *head = json_object_get(doc, "head"), *every = json_object_get(doc, "every_s");
    json_t *records = json_object_get(doc, "records");
    if (str_member(doc, "schema", schema, sizeof schema, err, errlen) != 0 ||
        str_member(doc, "gateway", out->gateway, sizeof out->gateway, err, errlen) != 0 ||
        str_member(doc, "project", out->project, sizeof out->project, err, errlen) != 0 ||
        str_member(doc, "time", out->time, sizeof out->time, err, errlen) != 0 ||
        str_member(doc, "head_hash", out->head_hash, sizeof out->head_hash, err, errlen) != 0 ||
        str_member(doc, "reason", reason, sizeof reason, err, errlen) != 0 ||
        str_member(doc, "key", out->key, sizeof out->key, err, errlen) != 0)
        goto out;
    if (strcmp(schema, MVG_SCHEMA_HEAD) != 0) {
        snprintf(err, errlen, "schema \"%s\" is not %s", schema, MVG_SCHEMA_HEAD);
        goto out;
    }
    if (mvg_timefmt_parse(out->time, &out->time_ms) != 0) {
        snprintf(err, errlen, "\"time\" \"%s\" is not an ISO 8601 time", out->time);
        goto out;
    }
    if (!json_is_integer(head) || json_integer_value(head) < 1) {
        snprintf(err, errlen, "\"head\" is not a chain position (an integer >= 1)");
        goto out;
    }
    out->head = json_integer_value(head);
    if (!hex_of(out->head_hash, MVG_CHAIN_HEX_LEN - 1)) {
        snprintf(err, errlen, "\"head_hash\" is not 64 lowercase hex digits");
        goto out;
    }
    if (!json_is_integer(every) || json_integer_value(every) < 0) {
        snprintf(err, errlen, "\"every_s\" is not a number of seconds (an integer >= 0)");
        goto out;
    }
    out->every_s = json_integer_value(every);
    size_t r = 0;
    while (r < sizeof reasons / sizeof reasons[0] && strcmp(reasons[r], reason) != 0)
        r++;
    if (r == sizeof reasons / sizeof reasons[0]) {
        snprintf(err, errlen, "\"reason\" \"%s\" is none of periodic, shutdown, start", reason);
        goto out;
    }
    out->reason = (mvg_head_reason)r;
    if (!json_is_object(records)) {
        snprintf(err, errlen, "the head has no object \"records\"");
        goto out;
    }
    const char *kind;
    json_t *n;
    json_object_foreach(records, kind, n)
    {
        if (!json_is_integer(n) || json_integer_value(n) < 0 ||
            strlen(kind) >= sizeof out->counts[0].kind || out->ncounts == MVG_HEAD_KINDS_MAX) {
            snprintf(err, errlen, "\"records\" member \"%s\" is not a count of a kind", kind);
            goto out;
        }
        mvg_head_count *c = &out->counts[out->ncounts++];
        strcpy(c->kind, kind);
        c->n = json_integer_value(n);
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

int64_t mvg_head_count_of(const mvg_head *h, const char *kind)
{
    for (size_t i = 0; i < h->ncounts; i++)
        if (strcmp(h->counts[i].kind, kind) == 0)
            return h->counts[i].n;
    return 0;
}

mvg_chain_verdict mvg_head_check(const char *text, size_t len, const mvg_head *h,
                                 const char *hash_at, const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                 char *detail, size_t dlen)
{
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    if (strcmp(h->key, fp) != 0) {
        snprintf(detail, dlen, "signed by key %s, but the key in force at chain %lld is %s",
                 h->key, (long long)h->head, fp);
        return MVG_CHAIN_V_UNKNOWN_KEY;
    }
    mvg_chain_sig_status s = mvg_chain_check_sig(text, len, pk, NULL);
    if (s != MVG_CHAIN_OK) {
        snprintf(detail, dlen, "%s",
                 s == MVG_CHAIN_NO_SIG ? "no final \"sig\" member holding a base64 64-byte signature"
                                       : "the signature does not match the head's bytes");
        return MVG_CHAIN_V_ALTERED;
    }
    if (strcmp(h->head_hash, hash_at) != 0) {
        snprintf(detail, dlen, "its head_hash is not the hash of chain %lld in the input",
                 (long long)h->head);
        return MVG_CHAIN_V_ALTERED;
    }
    return MVG_CHAIN_V_OK;
}
