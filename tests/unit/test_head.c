/*
 * test_head.c: the signed head record (head.h): its exact bytes (members
 * in order, the kinds always counted, a later kind after them), the round
 * trip through the parser, the check against the record it names (the
 * key in force, the signature, head_hash) and the forms the parser refuses.
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
#include "head.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];

static int setup(void **state)
{
    (void)state;
    if (mvg_chain_init() != 0)
        return -1;
    crypto_sign_keypair(pk, sk);
    crypto_sign_keypair(pk2, sk2);
    return 0;
}

/* A signed head of chain 7 over hash, signed by key (sk, its pk). */
static char *signed_head(const char *hash, const unsigned char *spk, const unsigned char *ssk,
                         size_t *len)
{
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(spk, fp);
    mvg_head_count counts[] = {{"model", 1}, {"interval", 5}, {"definition", 1}};
    mvg_head_info h = {.gateway = "gw", .project = "p1", .time_ms = 1767574800000LL, .head = 7,
                       .head_hash = hash, .counts = counts, .ncounts = 3, .every_s = 900,
                       .reason = MVG_HEAD_SHUTDOWN, .key = fp};
    char *text = mvg_head_build(&h);
    assert_non_null(text);
    char *out = mvg_chain_sign(text, strlen(text), ssk, len);
    free(text);
    assert_non_null(out);
    return out;
}

static void test_bytes_and_round_trip(void **state)
{
    (void)state;
    char hash[MVG_CHAIN_HEX_LEN], fp[MVG_CHAIN_FP_LEN];
    mvg_chain_hash_hex("record 7", 8, hash);
    mvg_chain_fingerprint(pk, fp);
    size_t len;
    char *text = signed_head(hash, pk, sk, &len);
    char want[512];
    snprintf(want, sizeof want,
             "{\"schema\":\"mvgate/head/1\",\"gateway\":\"gw\",\"project\":\"p1\","
             "\"time\":\"2026-01-05T01:00:00.000Z\",\"head\":7,\"head_hash\":\"%s\","
             "\"records\":{\"interval\":5,\"model\":1,\"key\":0,\"newchain\":0,\"definition\":1},"
             "\"every_s\":900,\"reason\":\"shutdown\",\"key\":\"%s\",\"sig\":\"",
             hash, fp);
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
    assert_true(mvg_head_is_head(text, len));
    assert_false(mvg_head_is_head("{\"schema\":\"mvgate/key/1\"}", 24));
    mvg_head h;
    char err[256];
    assert_int_equal(mvg_head_parse(text, len, &h, err, sizeof err), 0);
    assert_string_equal(h.project, "p1");
    assert_int_equal(h.head, 7);
    assert_int_equal(h.time_ms, 1767574800000LL);
    assert_int_equal(h.every_s, 900);
    assert_int_equal(h.reason, MVG_HEAD_SHUTDOWN);
    assert_int_equal(mvg_head_count_of(&h, "interval"), 5);
    assert_int_equal(mvg_head_count_of(&h, "definition"), 1);
    assert_int_equal(mvg_head_count_of(&h, "key"), 0);
    assert_string_equal(h.head_hash, hash);
    char detail[300];
    assert_int_equal(mvg_head_check(text, len, &h, hash, pk, detail, sizeof detail),
                     MVG_CHAIN_V_OK);
    free(text);
}

static void test_check_finds_what_is_wrong(void **state)
{
    (void)state;
    char hash[MVG_CHAIN_HEX_LEN], other[MVG_CHAIN_HEX_LEN];
    mvg_chain_hash_hex("record 7", 8, hash);
    mvg_chain_hash_hex("record 7'", 9, other);
    size_t len;
    char *text = signed_head(hash, pk, sk, &len);
    mvg_head h;
    char err[256], detail[300];
    assert_int_equal(mvg_head_parse(text, len, &h, err, sizeof err), 0);
    /* the record at chain 7 is another one than the head hashed */
    assert_int_equal(mvg_head_check(text, len, &h, other, pk, detail, sizeof detail),
                     MVG_CHAIN_V_ALTERED);
    assert_non_null(strstr(detail, "head_hash is not the hash of chain 7"));
    /* another key is in force at chain 7 */
    assert_int_equal(mvg_head_check(text, len, &h, hash, pk2, detail, sizeof detail),
                     MVG_CHAIN_V_UNKNOWN_KEY);
    assert_non_null(strstr(detail, "key in force at chain 7"));
    /* a figure changed after signing: its signature fails */
    char *p = strstr(text, "\"interval\":5");
    p[strlen("\"interval\":")] = '6';
    assert_int_equal(mvg_head_parse(text, len, &h, err, sizeof err), 0);
    assert_int_equal(mvg_head_check(text, len, &h, hash, pk, detail, sizeof detail),
                     MVG_CHAIN_V_ALTERED);
    assert_non_null(strstr(detail, "signature does not match"));
    free(text);
    /* signed by a key other than the one it names */
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    text = signed_head(hash, pk, sk2, &len);
    assert_int_equal(mvg_head_parse(text, len, &h, err, sizeof err), 0);
    assert_string_equal(h.key, fp);
    assert_int_equal(mvg_head_check(text, len, &h, hash, pk, detail, sizeof detail),
                     MVG_CHAIN_V_ALTERED);
    free(text);
}

static void test_bad_forms(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]",
        "{\"schema\":\"mvgate/head/1\"}",
        /* head 0 */
        "{\"schema\":\"mvgate/head/1\",\"gateway\":\"g\",\"project\":\"p\",\"time\":"
        "\"2026-01-05T01:00:00Z\",\"head\":0,\"head_hash\":\"" /* 64 */
        "0000000000000000000000000000000000000000000000000000000000000000\",\"records\":{},"
        "\"every_s\":900,\"reason\":\"periodic\",\"key\":\"k\"}",
        /* an unknown reason */
        "{\"schema\":\"mvgate/head/1\",\"gateway\":\"g\",\"project\":\"p\",\"time\":"
        "\"2026-01-05T01:00:00Z\",\"head\":3,\"head_hash\":\""
        "0000000000000000000000000000000000000000000000000000000000000000\",\"records\":{},"
        "\"every_s\":900,\"reason\":\"later\",\"key\":\"k\"}",
        /* a hash that is not 64 hex digits */
        "{\"schema\":\"mvgate/head/1\",\"gateway\":\"g\",\"project\":\"p\",\"time\":"
        "\"2026-01-05T01:00:00Z\",\"head\":3,\"head_hash\":\"00ZZ\",\"records\":{},"
        "\"every_s\":900,\"reason\":\"periodic\",\"key\":\"k\"}",
        /* a time that is not one */
        "{\"schema\":\"mvgate/head/1\",\"gateway\":\"g\",\"project\":\"p\",\"time\":"
        "\"yesterday\",\"head\":3,\"head_hash\":\""
        "0000000000000000000000000000000000000000000000000000000000000000\",\"records\":{},"
        "\"every_s\":900,\"reason\":\"periodic\",\"key\":\"k\"}",
    };
    static const char *const why[] = {"not a JSON object", "no string \"gateway\"", "\"head\"",
                                      "\"reason\"", "\"head_hash\"", "\"time\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mvg_head h;
        char err[256] = "";
        assert_int_equal(mvg_head_parse(bad[i], strlen(bad[i]), &h, err, sizeof err), -1);
        if (!strstr(err, why[i]))
            fail_msg("case %zu: %s", i, err);
    }
    /* an empty chain has no head to build */
    mvg_head_info none = {.gateway = "g", .project = "p", .head = 0, .head_hash = "x", .key = "k"};
    assert_null(mvg_head_build(&none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_and_round_trip),
        cmocka_unit_test(test_check_finds_what_is_wrong),
        cmocka_unit_test(test_bad_forms),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
