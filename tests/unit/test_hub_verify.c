/*
 * test_hub_verify.c: the hub's decision on one record by chain position
 * (tools/hub/hub_verify.h, mvg_hub_verify_decide), given the facts the
 * sweep gathers: chain 1 against the enrolled key (waits while the gateway
 * is not enrolled), a chain 1 without a new-chain record after an ok chain
 * 1 is "restarted" (and so is what continues it), chain n against the key
 * its predecessor leaves in force, a key record's handover, the signature
 * over the bytes, and waiting while the predecessor or the public key is
 * not there; a signature checked beforehand (the precheck thread) counts
 * only under the key in force. Records are signed here with real keys
 * (chain.c).
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
#include "hub_verify.h"

typedef struct {
    unsigned char pk[32], sk[64];
    char fp[33];
} key;

static key k1, k2;

static void make_key(key *k, unsigned char seedbyte)
{
    unsigned char seed[32];
    memset(seed, seedbyte, sizeof seed);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    mvg_chain_fingerprint(k->pk, k->fp);
}

/* A signed record of kind ("interval", "newchain", "key": handing over to
 * `to`) at chain, prev (NULL: 64 zeros), signed by k. Caller frees .payload. */
static mvg_hub_vrec record(const char *kind, int64_t chain, const char *prev, const key *k,
                           const key *to)
{
    char zero[MVG_CHAIN_HEX_LEN], body[300], text[900];
    mvg_chain_zero_prev(zero);
    if (to) {
        char b64[MVG_CHAIN_PK_B64_LEN];
        mvg_chain_pk_to_b64(to->pk, b64);
        snprintf(body, sizeof body, "\"new_key\":\"%s\",\"new_fingerprint\":\"%s\"", b64, to->fp);
    } else {
        snprintf(body, sizeof body, "\"seq\":%lld", (long long)chain);
    }
    snprintf(text, sizeof text,
             "{\"schema\":\"mvgate/%s/1\",\"gateway\":\"gw-1\",\"project\":\"p\",%s,"
             "\"chain\":%lld,\"key\":\"%s\",\"prev\":\"%s\"}",
             kind, body, (long long)chain, k->fp, prev ? prev : zero);
    size_t len = 0;
    char *signed_text = mvg_chain_sign(text, strlen(text), k->sk, &len);
    assert_non_null(signed_text);
    static char prevs[16][MVG_CHAIN_HEX_LEN];
    static int np;
    char *p = prevs[np++ % 16];
    snprintf(p, MVG_CHAIN_HEX_LEN, "%s", prev ? prev : zero);
    return (mvg_hub_vrec){.gateway = "gw-1",
                          .kind = kind,
                          .key_fp = k->fp,
                          .prev = p,
                          .chain = chain,
                          .payload = signed_text,
                          .len = len};
}

/* The facts of a record of gateway gw-1 enrolled with k (NULL: not
 * enrolled), its public key known. */
static mvg_hub_vfacts facts(const key *enrolled, const key *signer)
{
    mvg_hub_vfacts f = {0};
    f.have_pk = 1;
    memcpy(f.pk, signer->pk, sizeof f.pk);
    f.enrolled_fp = enrolled ? enrolled->fp : NULL;
    f.enrolled_where = "register:3";
    return f;
}

static void release(mvg_hub_vrec *x) { free((char *)x->payload); }

static int setup(void **state)
{
    (void)state;
    if (mvg_chain_init() < 0)
        return -1;
    make_key(&k1, 1);
    make_key(&k2, 2);
    return 0;
}

static void test_chain1_enrolment(void **state)
{
    (void)state;
    mvg_hub_vrec x = record("interval", 1, NULL, &k1, NULL);
    mvg_hub_decision d;
    mvg_hub_vfacts f = facts(&k1, &k1);
    mvg_hub_verify_decide(&x, &f, &d);
    assert_true(d.decided);
    assert_string_equal(d.verdict, "ok");
    assert_string_equal(d.next_key, k1.fp);

    f = facts(NULL, &k1); /* not enrolled yet: waits, no verdict */
    mvg_hub_verify_decide(&x, &f, &d);
    assert_false(d.decided);

    f = facts(&k2, &k1); /* enrolled with another key */
    mvg_hub_verify_decide(&x, &f, &d);
    assert_true(d.decided);
    assert_string_equal(d.verdict, "not enrolled");
    assert_non_null(strstr(d.detail, "register:3"));
    assert_non_null(strstr(d.detail, k2.fp));
    release(&x);

    char ones[MVG_CHAIN_HEX_LEN];
    memset(ones, '1', 64);
    ones[64] = '\0';
    x = record("interval", 1, ones, &k1, NULL);
    f = facts(&k1, &k1);
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    assert_non_null(strstr(d.detail, "64 zeros"));
    release(&x);
}

static void test_restarted(void **state)
{
    (void)state;
    mvg_hub_vrec x = record("interval", 1, NULL, &k1, NULL);
    mvg_hub_vfacts f = facts(&k1, &k1);
    f.chain1_before = 1; /* an ok chain 1 was stored before it */
    mvg_hub_decision d;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_true(d.decided);
    assert_string_equal(d.verdict, "restarted");
    assert_non_null(strstr(d.detail, "new-chain record"));
    release(&x);

    /* behind a signed new-chain record, beginning again is accepted */
    x = record("newchain", 1, NULL, &k1, NULL);
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "ok");
    release(&x);
    /* a new chain under a key the gateway holds only through a rotation */
    x = record("newchain", 1, NULL, &k2, NULL);
    f = facts(&k1, &k2);
    mvg_hub_verify_decide(&x, &f, &d);
    assert_false(d.decided); /* waits for the key record that hands over to k2 */
    f.holds_key = 1;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "ok");
    assert_string_equal(d.next_key, k2.fp);
    release(&x);

    /* what continues a restarted chain is restarted too */
    char h[MVG_CHAIN_HEX_LEN];
    memset(h, 'a', 64);
    h[64] = '\0';
    x = record("interval", 2, h, &k1, NULL);
    f = facts(&k1, &k1);
    f.pred_verdict = "restarted";
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "restarted");
    f.pred_verdict = "unknown key";
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    assert_non_null(strstr(d.detail, "chain 1, which is unknown key"));
    release(&x);
}

static void test_chain_n_key_in_force(void **state)
{
    (void)state;
    char h[MVG_CHAIN_HEX_LEN];
    memset(h, 'b', 64);
    h[64] = '\0';
    mvg_hub_vrec x = record("interval", 7, h, &k1, NULL);
    mvg_hub_vfacts f = facts(&k1, &k1);
    mvg_hub_decision d;
    mvg_hub_verify_decide(&x, &f, &d); /* predecessor not stored or not decided */
    assert_false(d.decided);
    f.pred_verdict = "ok";
    f.pred_next_key = k1.fp;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "ok");
    assert_string_equal(d.next_key, k1.fp);
    f.pred_next_key = k2.fp; /* the chain had handed over to k2 */
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "unknown key");
    assert_non_null(strstr(d.detail, k2.fp));
    /* the public key not known yet: waits */
    f.pred_next_key = k1.fp;
    f.have_pk = 0;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_false(d.decided);
    release(&x);
}

static void test_bytes(void **state)
{
    (void)state;
    char h[MVG_CHAIN_HEX_LEN];
    memset(h, 'c', 64);
    h[64] = '\0';
    mvg_hub_vrec x = record("interval", 3, h, &k1, NULL);
    char *p = (char *)x.payload;
    char *seq = strstr(p, "\"seq\":3");
    assert_non_null(seq);
    seq[6] = '4'; /* one figure changed, the signature kept */
    mvg_hub_vfacts f = facts(&k1, &k1);
    f.pred_verdict = "ok";
    f.pred_next_key = k1.fp;
    mvg_hub_decision d;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    assert_non_null(strstr(d.detail, "signature does not match"));
    /* no signature at all */
    char *sig = strstr(p, ",\"sig\":");
    strcpy(sig, "}");
    x.len = strlen(p);
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "bad signature");
    release(&x);
}

static void test_key_handover(void **state)
{
    (void)state;
    char h[MVG_CHAIN_HEX_LEN];
    memset(h, 'd', 64);
    h[64] = '\0';
    mvg_hub_vrec x = record("key", 5, h, &k1, &k2);
    mvg_hub_vfacts f = facts(&k1, &k1);
    f.pred_verdict = "ok";
    f.pred_next_key = k1.fp;
    mvg_hub_decision d;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "ok");
    assert_string_equal(d.next_key, k2.fp); /* the records after it are k2's */
    release(&x);

    /* a new_key that is not the key of its new_fingerprint */
    char text[900], zero[MVG_CHAIN_HEX_LEN], b64[MVG_CHAIN_PK_B64_LEN];
    mvg_chain_zero_prev(zero);
    mvg_chain_pk_to_b64(k1.pk, b64);
    snprintf(text, sizeof text,
             "{\"schema\":\"mvgate/key/1\",\"gateway\":\"gw-1\",\"project\":\"p\",\"new_key\":"
             "\"%s\",\"new_fingerprint\":\"%s\",\"chain\":5,\"key\":\"%s\",\"prev\":\"%s\"}",
             b64, k2.fp, k1.fp, h);
    size_t len;
    char *s = mvg_chain_sign(text, strlen(text), k1.sk, &len);
    x.payload = s;
    x.len = len;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    assert_non_null(strstr(d.detail, "new_key"));
    free(s);
}

/* A signature checked on another thread is taken only when it was
 * checked under the very key in force: under another key the record is
 * checked again, so a wrong precheck cannot make a verdict. */
static void test_prechecked(void **state)
{
    (void)state;
    char h[MVG_CHAIN_HEX_LEN];
    memset(h, 'e', 64);
    h[64] = '\0';
    mvg_hub_vrec x = record("interval", 4, h, &k1, NULL);
    mvg_hub_vfacts f = facts(&k1, &k1);
    f.pred_verdict = "ok";
    f.pred_next_key = k1.fp;
    mvg_hub_decision d;
    /* checked under k1, said bad: taken as it is (no check again) */
    x.sig_pk = k1.pk;
    x.sig_status = MVG_CHAIN_BAD_SIG;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    /* said bad under k2, not the key in force: checked again, good */
    x.sig_pk = k2.pk;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "ok");
    /* said good under k2 for bytes k2 did not sign: still checked under k1 */
    char *p = (char *)x.payload;
    char *seq = strstr(p, "\"seq\":4");
    assert_non_null(seq);
    seq[6] = '5';
    x.sig_status = MVG_CHAIN_OK;
    mvg_hub_verify_decide(&x, &f, &d);
    assert_string_equal(d.verdict, "altered");
    release(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain1_enrolment),     cmocka_unit_test(test_restarted),
        cmocka_unit_test(test_chain_n_key_in_force), cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_key_handover),         cmocka_unit_test(test_prechecked),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
