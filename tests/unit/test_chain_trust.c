/*
 * test_chain_trust.c: what the walk of chain.h holds a chain to beyond its
 * own links: the key it starts with must be the one enrolled for the
 * gateway its records name (a chain re-signed throughout under a new key
 * passes only self-attested), a record's envelope (topic, export line)
 * must name its own project, kind and chain, a dropped key record is the
 * missing position it left, and a late subscriber's capture verifies from
 * the retained key history (key records out of order at the head, the
 * retained model under the key in force at its position).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "chain.h"

#define MAXREC 16

typedef struct {
    unsigned char pk[32], sk[64];
    char fp[33];
} key;

/* One project's chain, built record by record: each is linked to the one
 * before and signed by the key in force. */
typedef struct {
    char *rec[MAXREC];
    size_t len[MAXREC];
    size_t n;
    char prev[65];
    int64_t seq;
} chain;

static void make_key(key *k, unsigned char seedbyte)
{
    unsigned char seed[32];
    memset(seed, seedbyte, sizeof seed);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    mvg_chain_fingerprint(k->pk, k->fp);
}

/* Appends an interval record (to NULL, model 0), a model record (model 1)
 * or a key record handing over to `to`, all of gateway gw, signed by k. */
static void append(chain *c, const char *gw, const key *k, int model, const key *to)
{
    char body[256], text[768];
    if (to) {
        char b64[MVG_CHAIN_PK_B64_LEN];
        mvg_chain_pk_to_b64(to->pk, b64);
        snprintf(body, sizeof body, "\"schema\":\"mvgate/key/1\",\"gateway\":\"%s\",\"project\":\"p\","
                 "\"new_key\":\"%s\",\"new_fingerprint\":\"%s\"", gw, b64, to->fp);
    } else if (model) {
        snprintf(body, sizeof body, "\"schema\":\"mvgate/model/1\",\"gateway\":\"%s\",\"project\":"
                 "\"p\",\"version\":1,\"coefficients\":[2.5,0.75]", gw);
    } else {
        c->seq++;
        snprintf(body, sizeof body, "\"schema\":\"mvgate/interval/1\",\"gateway\":\"%s\",\"project\":"
                 "\"p\",\"seq\":%lld,\"savings\":%lld.25", gw, (long long)c->seq,
                 (long long)c->seq * 3);
    }
    if (c->n == 0)
        mvg_chain_zero_prev(c->prev);
    snprintf(text, sizeof text, "{%s,\"chain\":%zu,\"key\":\"%s\",\"prev\":\"%s\"}", body,
             c->n + 1, k->fp, c->prev);
    c->rec[c->n] = mvg_chain_sign(text, strlen(text), k->sk, &c->len[c->n]);
    assert_non_null(c->rec[c->n]);
    mvg_chain_hash_hex(c->rec[c->n], c->len[c->n], c->prev);
    c->n++;
}

static void release(chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->rec[i]);
}

static key k1, k2, k3;

/* gateway gw-a: 1-3 intervals, 4 the model, 5 an interval (k1), 6 key to
 * k2, 7-8 intervals (k2), 9 key to k3, 10-11 intervals (k3) */
static void build(chain *c, const char *gw, const key *first)
{
    memset(c, 0, sizeof *c);
    const key *after6 = first == &k1 ? &k2 : first, *after9 = first == &k1 ? &k3 : first;
    for (int i = 0; i < 3; i++)
        append(c, gw, first, 0, NULL);
    append(c, gw, first, 1, NULL);
    append(c, gw, first, 0, NULL);
    if (first == &k1)
        append(c, gw, first, 0, &k2);
    else
        append(c, gw, first, 0, NULL);
    append(c, gw, after6, 0, NULL);
    append(c, gw, after6, 0, NULL);
    if (first == &k1)
        append(c, gw, after6, 0, &k3);
    else
        append(c, gw, after6, 0, NULL);
    append(c, gw, after9, 0, NULL);
    append(c, gw, after9, 0, NULL);
}

/* items from the chain positions listed (1-based), ending at 0 */
static size_t pick(const chain *c, mvg_chain_item *items, const int *at)
{
    size_t n = 0;
    for (; at[n]; n++)
        items[n] = (mvg_chain_item){.bytes = c->rec[at[n] - 1], .len = c->len[at[n] - 1]};
    return n;
}

/* The chain of gw under first, and its items at the positions listed. */
static size_t built(chain *c, const char *gw, const key *first, mvg_chain_item *items,
                    const int *at)
{
    build(c, gw, first);
    return pick(c, items, at);
}

/* The verifier's register: gw-a enrolled with the fingerprint in user. */
static const char *lookup(void *user, const char *gateway, char *where, size_t wlen)
{
    snprintf(where, wlen, "register:3");
    return strcmp(gateway, "gw-a") == 0 ? (const char *)user : NULL;
}

static void expect_line(mvg_chain_verdict got, mvg_chain_verdict want,
                        const mvg_chain_report *r, const char *has)
{
    char line[600];
    mvg_chain_report_line(got, r, line, sizeof line);
    if (got != want || !strstr(line, has))
        fail_msg("got \"%s\" (verdict %d), wanted verdict %d with \"%s\"", line, got, want, has);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(mvg_chain_init(), 0);
    make_key(&k1, 21);
    make_key(&k2, 22);
    make_key(&k3, 23);
    return 0;
}

static const int whole[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0};

static void test_enrolled_first_key(void **state)
{
    (void)state;
    chain c;
    mvg_chain_item items[MAXREC];
    size_t n = built(&c, "gw-a", &k1, items, whole);
    mvg_chain_report r;
    assert_int_equal(mvg_chain_verify_enrolled(items, n, k1.pk, 0, lookup, k1.fp, &r),
                     MVG_CHAIN_V_OK);
    assert_int_equal(r.enrolled, 1);
    assert_int_equal(r.rotations, 2);
    assert_string_equal(r.gateway, "gw-a");
    assert_string_equal(r.last_fingerprint, k3.fp);
    /* the plain walk says the same, as self-attested */
    assert_int_equal(mvg_chain_verify(items, n, k1.pk, 0, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.enrolled, 0);
    /* enrolled with another key: the chain's first record is named */
    expect_line(mvg_chain_verify_enrolled(items, n, k1.pk, 0, lookup, k2.fp, &r),
                MVG_CHAIN_V_NOT_ENROLLED, &r, "project p chain 1 (interval seq 1): not enrolled");
    assert_non_null(strstr(r.detail, k2.fp));
    assert_non_null(strstr(r.detail, "register:3"));
    /* a later key, given as the start of a whole chain, is not the enrolled one */
    expect_line(mvg_chain_verify_enrolled(items + 6, n - 6, k2.pk, 0, lookup, k1.fp, &r),
                MVG_CHAIN_V_NOT_ENROLLED, &r, "chain 7 (interval seq 5): not enrolled");
    release(&c);

    /* another gateway's records: not in the register */
    n = built(&c, "gw-b", &k1, items, whole);
    expect_line(mvg_chain_verify_enrolled(items, n, k1.pk, 0, lookup, k1.fp, &r),
                MVG_CHAIN_V_NOT_ENROLLED, &r, "gateway gw-b is not in the register");
    release(&c);
}

/* A forgery: every record re-signed under a key of the forger's, one
 * figure changed. The chain holds under its own key; only the register
 * tells it from the gateway's. */
static void test_forgery_is_only_self_attested(void **state)
{
    (void)state;
    chain forged;
    mvg_chain_item items[MAXREC];
    size_t n = built(&forged, "gw-a", &k3, items, whole);
    mvg_chain_report r;
    assert_int_equal(mvg_chain_verify(items, n, k3.pk, 1, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.enrolled, 0);
    expect_line(mvg_chain_verify_enrolled(items, n, k3.pk, 1, lookup, k1.fp, &r),
                MVG_CHAIN_V_NOT_ENROLLED, &r, "chain 1 (interval seq 1): not enrolled");
    assert_non_null(strstr(r.detail, k3.fp));
    release(&forged);
}

static void test_dropped_key_record_is_missing(void **state)
{
    (void)state;
    chain c;
    mvg_chain_item items[MAXREC];
    static const int no6[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 0};
    size_t n = built(&c, "gw-a", &k1, items, no6);
    mvg_chain_report r;
    expect_line(mvg_chain_verify(items, n, k1.pk, 0, &r), MVG_CHAIN_V_MISSING, &r,
                "project p chain 7 (interval seq 5): missing (chain 6..6)");
    expect_line(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_MISSING, &r,
                "chain 7 (interval seq 5): missing (chain 6..6)");
    release(&c);
}

static void test_envelope_must_match(void **state)
{
    (void)state;
    chain c;
    mvg_chain_item items[MAXREC];
    size_t n = built(&c, "gw-a", &k1, items, whole);
    mvg_chain_report r;
    for (size_t i = 0; i < n; i++) {
        items[i].project_hint = "p";
        items[i].kind_hint = i == 3 ? MVG_CHAIN_MODEL : i == 5 || i == 8 ? MVG_CHAIN_KEY
                                                                          : MVG_CHAIN_INTERVAL;
    }
    items[5].chain_hint = 6;
    assert_int_equal(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_OK);
    /* the 3rd record republished on another project's topic, after the
     * original: not a repeat to skip */
    mvg_chain_item more[MAXREC + 1];
    memcpy(more, items, n * sizeof *items);
    more[n] = items[2];
    more[n].project_hint = "q";
    expect_line(mvg_chain_verify(more, n + 1, k1.pk, 1, &r), MVG_CHAIN_V_WRONG_TOPIC, &r,
                "project p chain 3 (interval seq 3): wrong topic: item 12 is a record of"
                " project p under project q's topic");
    /* an interval record on the model topic */
    items[4].kind_hint = MVG_CHAIN_MODEL;
    expect_line(mvg_chain_verify(items, n, k1.pk, 0, &r), MVG_CHAIN_V_WRONG_TOPIC, &r,
                "chain 5 (interval seq 4): wrong topic: item 5 (interval record) is under a"
                " model topic");
    items[4].kind_hint = MVG_CHAIN_INTERVAL;
    /* a key record on the topic of another chain position */
    items[5].chain_hint = 9;
    expect_line(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_WRONG_TOPIC, &r,
                "chain 6 (key rotation): wrong topic: item 6 is chain 6 under the topic of chain 9");
    release(&c);
}

/* A subscriber that joins after both rotations gets the retained key
 * records (in the broker's order, not the chain's) and the retained model,
 * then live records from chain 10; and one that joins later still, after
 * chain 11, gets the retained records alone. */
static void test_late_subscriber_key_history(void **state)
{
    (void)state;
    chain c;
    mvg_chain_item items[MAXREC];
    static const int late[] = {9, 4, 6, 10, 11, 0};
    size_t n = built(&c, "gw-a", &k1, items, late);
    mvg_chain_report r;
    assert_int_equal(mvg_chain_verify_enrolled(items, n, k1.pk, 1, lookup, k1.fp, &r),
                     MVG_CHAIN_V_OK);
    /* key 9 leads to the live records: walked in its place; key 6 and the
     * model are the retained history it hangs from */
    assert_int_equal(r.records, 3);
    assert_int_equal(r.retained_keys, 1);
    assert_int_equal(r.retained_skipped, 1);
    assert_int_equal(r.rotations, 2);
    assert_string_equal(r.last_fingerprint, k3.fp);
    static const int retained_only[] = {9, 4, 6, 0};
    n = pick(&c, items, retained_only);
    assert_int_equal(mvg_chain_verify_enrolled(items, n, k1.pk, 1, lookup, k1.fp, &r),
                     MVG_CHAIN_V_OK);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.retained_keys, 2);
    assert_string_equal(r.last_fingerprint, k3.fp);
    n = pick(&c, items, late);
    /* in an export the same order is not a chain */
    assert_int_not_equal(mvg_chain_verify(items, n, k1.pk, 0, &r), MVG_CHAIN_V_OK);
    /* the first rotation lost from the retained history: the second names
     * a key nothing handed over to */
    static const int gap[] = {9, 4, 10, 11, 0};
    n = pick(&c, items, gap);
    expect_line(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_UNKNOWN_KEY, &r,
                "chain 9 (key rotation): unknown key: signed by key");
    /* the retained model with a changed byte */
    n = pick(&c, items, late);
    char *model = malloc(items[1].len);
    assert_non_null(model);
    memcpy(model, items[1].bytes, items[1].len);
    char *coef = strstr(model, "[2.5");
    assert_non_null(coef);
    coef[1] = '3';
    items[1].bytes = model;
    expect_line(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_ALTERED, &r,
                "chain 4 (model version 1): altered");
    free(model);
    release(&c);
}

/* The rotation right after the model froze: the two retained records are
 * contiguous, and still both from before the capture's live records. */
static void test_late_subscriber_contiguous_history(void **state)
{
    (void)state;
    chain c;
    memset(&c, 0, sizeof c);
    append(&c, "gw-a", &k1, 0, NULL);
    append(&c, "gw-a", &k1, 0, NULL);
    append(&c, "gw-a", &k1, 1, NULL);
    append(&c, "gw-a", &k1, 0, &k2);
    for (int i = 0; i < 3; i++)
        append(&c, "gw-a", &k2, 0, NULL);
    mvg_chain_item items[MAXREC];
    static const int late[] = {3, 4, 7, 0}, late_swapped[] = {4, 3, 6, 7, 0};
    size_t n = pick(&c, items, late);
    mvg_chain_report r;
    assert_int_equal(mvg_chain_verify_enrolled(items, n, k1.pk, 1, lookup, k1.fp, &r),
                     MVG_CHAIN_V_OK);
    assert_int_equal(r.records, 1);
    assert_int_equal(r.retained_keys, 1);
    assert_int_equal(r.retained_skipped, 1);
    n = pick(&c, items, late_swapped);
    assert_int_equal(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.records, 2);
    /* joined before the rotation: the key record is live, walked in place */
    static const int live[] = {3, 4, 5, 6, 0};
    n = pick(&c, items, live);
    assert_int_equal(mvg_chain_verify(items, n, k1.pk, 1, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.records, 4);
    assert_int_equal(r.retained_keys, 0);
    release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrolled_first_key),
        cmocka_unit_test(test_forgery_is_only_self_attested),
        cmocka_unit_test(test_dropped_key_record_is_missing),
        cmocka_unit_test(test_envelope_must_match),
        cmocka_unit_test(test_late_subscriber_key_history),
        cmocka_unit_test(test_late_subscriber_contiguous_history),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
