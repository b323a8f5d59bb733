/*
 * test_signer.c: the signer (signer.h) on a key in a temp data_dir and a
 * chain kept in memory in place of the store: links (position, prev hash,
 * key) of a growing chain, a rotation (key records by the outgoing key,
 * written once per project even when asked again after a crash, then the
 * next key signs) that mvgate verify's walk accepts, a handover found in
 * the chain that a signer still holding the old key follows, and a
 * handover to a key data_dir does not hold refused, and the new-chain
 * record that heads a chain begun again after a lost store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "chain.h"
#include "keys.h"
#include "payload.h"
#include "signer.h"

#define MAXREC 32

/* The records of all projects in the order written (what the store holds). */
typedef struct {
    char *text[MAXREC];
    char project[MAXREC][16];
    int64_t chain[MAXREC];
    size_t n;
    int lookups;
} memchain;

static int last_of(void *user, const char *project, char **text, size_t *len, int64_t *chain,
                   char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    memchain *m = user;
    m->lookups++;
    *text = NULL, *len = 0, *chain = 0;
    for (size_t i = m->n; i-- > 0;)
        if (strcmp(m->project[i], project) == 0) {
            *text = strdup(m->text[i]);
            *len = strlen(m->text[i]);
            *chain = m->chain[i];
            break;
        }
    return 0;
}

static void add(memchain *m, const char *project, int64_t chain, char *text)
{
    assert_non_null(text);
    assert_true(m->n < MAXREC);
    m->text[m->n] = text;
    snprintf(m->project[m->n], sizeof m->project[m->n], "%s", project);
    m->chain[m->n] = chain;
    m->n++;
}

static void drop(memchain *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->text[i]);
}

/* mvgate verify's walk over everything written, from public key pk. */
static mvg_chain_verdict verify_all(const memchain *m, const unsigned char *pk,
                                    mvg_chain_report *r)
{
    mvg_chain_item items[MAXREC];
    for (size_t i = 0; i < m->n; i++)
        items[i] = (mvg_chain_item){.bytes = m->text[i], .len = strlen(m->text[i])};
    mvg_chain_verdict v = mvg_chain_verify(items, m->n, pk, 0, r);
    if (v != MVG_CHAIN_V_OK)
        fail_msg("%s: %s", mvg_chain_verdict_name(v), r->detail);
    return v;
}

/* Links, signs and adds an interval-like record of project; want: what
 * mvg_signer_next() must return (1: it follows a handover). */
static void write_record(mvg_signer *s, memchain *m, const char *project, int64_t seq,
                         mvg_signer_link *l, int want)
{
    char err[256] = "";
    assert_int_equal(mvg_signer_next(s, project, l, err, sizeof err), want);
    char text[512];
    snprintf(text, sizeof text,
             "{\"schema\":\"mvgate/interval/1\",\"project\":\"%s\",\"seq\":%lld,"
             "\"chain\":%lld,\"key\":\"%s\",\"prev\":\"%s\"}",
             project, (long long)seq, (long long)l->chain, l->key, l->prev);
    size_t len = 0;
    add(m, project, l->chain, mvg_signer_sign(s, strdup(text), &len));
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mvg-test-signer-XXXXXX");
    return mkdtemp(dir) && mvg_chain_init() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A signer on a fresh data_dir under the temp dir (its path into d). */
static mvg_signer *signer_in(const char *name, memchain *m, char *d, size_t len)
{
    snprintf(d, len, "%s/%s", dir, name);
    char cmd[200], err[256] = "";
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
    assert_int_equal(system(cmd), 0);
    mvg_signer *s = mvg_signer_open(d, last_of, m, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

static void test_links_chain_the_records(void **state)
{
    (void)state;
    char d[128], err[256] = "";
    memchain m = {.n = 0};
    mvg_signer *s = signer_in("links", &m, d, sizeof d);
    char fp[MVG_CHAIN_FP_LEN];
    memcpy(fp, mvg_signer_keys(s)->fingerprint, sizeof fp);
    assert_int_equal(strlen(fp), MVG_CHAIN_FP_LEN - 1);

    mvg_signer_link l;
    write_record(s, &m, "a", 1, &l, 0);
    char zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_zero_prev(zero);
    assert_int_equal(l.chain, 1);
    assert_string_equal(l.prev, zero);
    assert_string_equal(l.key, fp);
    /* the next one links to the bytes of the first, as the store holds them */
    write_record(s, &m, "a", 2, &l, 0);
    char h[MVG_CHAIN_HEX_LEN];
    mvg_chain_hash_hex(m.text[0], strlen(m.text[0]), h);
    assert_int_equal(l.chain, 2);
    assert_string_equal(l.prev, h);
    /* another project has its own chain */
    write_record(s, &m, "b", 1, &l, 0);
    assert_int_equal(l.chain, 1);
    assert_string_equal(l.prev, zero);
    assert_int_equal(m.lookups, 3);
    /* the payload view points at the link's own fields */
    mvg_payload_link pl = mvg_signer_payload_link(&l);
    assert_int_equal(pl.chain, 1);
    assert_ptr_equal(pl.key, l.key);
    assert_ptr_equal(pl.prev, l.prev);
    assert_null(mvg_signer_sign(s, NULL, &(size_t){0}));

    /* what was signed verifies, chain by chain */
    mvg_chain_report r;
    assert_int_equal(verify_all(&m, mvg_signer_keys(s)->pk, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.records, 3);
    assert_int_equal(r.projects, 2);
    /* a signer opened again on data_dir holds the same key */
    mvg_signer *again = mvg_signer_open(d, last_of, &m, err, sizeof err);
    assert_non_null(again);
    assert_string_equal(mvg_signer_keys(again)->fingerprint, fp);
    mvg_signer_free(again);
    mvg_signer_free(s);
    drop(&m);
}

static void test_rotation_and_handover(void **state)
{
    (void)state;
    char d[128], err[256] = "";
    memchain m = {.n = 0};
    mvg_signer *s = signer_in("rotation", &m, d, sizeof d);
    /* a second signer on the same data_dir that will not see the rotation
     * happen: a gateway that rotated on reload, then failed */
    mvg_signer *stale = mvg_signer_open(d, last_of, &m, err, sizeof err);
    assert_non_null(stale);
    unsigned char pk_old[MVG_CHAIN_PK_BYTES];
    memcpy(pk_old, mvg_signer_keys(s)->pk, sizeof pk_old);
    char fp_old[MVG_CHAIN_FP_LEN];
    memcpy(fp_old, mvg_signer_keys(s)->fingerprint, sizeof fp_old);
    mvg_signer_link l;
    write_record(s, &m, "a", 1, &l, 0);
    write_record(s, &m, "a", 2, &l, 0);

    /* nothing pending yet */
    assert_int_equal(mvg_signer_rotation_pending(s, err, sizeof err), 0);
    char *json = NULL;
    size_t len = 0;
    int64_t chain = 0;
    assert_int_equal(mvg_signer_key_record(s, "gw", "a", 0, &json, &len, &chain, err, sizeof err),
                     -1);

    /* mvgate key rotate */
    mvg_keys next;
    assert_int_equal(mvg_keys_create_next(d, &next, err, sizeof err), 0);
    assert_int_equal(mvg_signer_rotation_pending(s, err, sizeof err), 1);
    const int64_t t = 1767225600000LL;
    assert_int_equal(mvg_signer_key_record(s, "gw", "a", t, &json, &len, &chain, err, sizeof err),
                     0);
    assert_non_null(json);
    assert_int_equal(chain, 3);
    assert_int_equal(len, strlen(json));
    char want[80];
    snprintf(want, sizeof want, "\"new_fingerprint\":\"%s\"", next.fingerprint);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"key\":\"%s\"", fp_old); /* signed by the outgoing key */
    assert_non_null(strstr(json, want));
    char to[MVG_CHAIN_FP_LEN];
    assert_int_equal(mvg_chain_handover(json, len, to), 1);
    assert_string_equal(to, next.fingerprint);
    add(&m, "a", chain, json);
    /* asked again (a crash after the key records, before the promotion):
     * a's chain already ends with it */
    assert_int_equal(mvg_signer_key_record(s, "gw", "a", t, &json, &len, &chain, err, sizeof err),
                     0);
    assert_null(json);
    /* b's chain is empty: its key record is its first */
    assert_int_equal(mvg_signer_key_record(s, "gw", "b", t, &json, &len, &chain, err, sizeof err),
                     0);
    assert_non_null(json);
    assert_int_equal(chain, 1);
    add(&m, "b", chain, json);
    /* still the old key until the records are durable */
    assert_string_equal(mvg_signer_keys(s)->fingerprint, fp_old);
    assert_int_equal(mvg_signer_finish_rotation(s, err, sizeof err), 1);
    assert_string_equal(mvg_signer_keys(s)->fingerprint, next.fingerprint);
    write_record(s, &m, "a", 3, &l, 0);
    assert_int_equal(l.chain, 4);
    assert_string_equal(l.key, next.fingerprint);

    /* the stale signer follows the handover it finds in a's chain */
    assert_string_equal(mvg_signer_keys(stale)->fingerprint, fp_old);
    write_record(stale, &m, "b", 1, &l, 1);
    assert_string_equal(l.key, next.fingerprint);
    assert_string_equal(mvg_signer_keys(stale)->fingerprint, next.fingerprint);
    assert_int_equal(mvg_signer_next(stale, "b", &l, err, sizeof err), 0); /* once */

    /* the whole history verifies from the old public key on */
    mvg_chain_report r;
    assert_int_equal(verify_all(&m, pk_old, &r), MVG_CHAIN_V_OK);
    assert_int_equal(r.records, m.n);
    assert_int_equal(r.rotations, 2);
    assert_string_equal(r.last_fingerprint, next.fingerprint);
    mvg_keys_wipe(&next);
    mvg_signer_free(stale);
    mvg_signer_free(s);
    drop(&m);
}

static void test_handover_to_a_key_not_held(void **state)
{
    (void)state;
    char d[128], err[256] = "";
    memchain m = {.n = 0};
    mvg_signer *s = signer_in("foreign", &m, d, sizeof d);
    unsigned char pk[MVG_CHAIN_PK_BYTES], sk[MVG_CHAIN_SK_BYTES];
    crypto_sign_keypair(pk, sk);
    char fp[MVG_CHAIN_FP_LEN], b64[MVG_CHAIN_PK_B64_LEN];
    mvg_chain_fingerprint(pk, fp);
    mvg_chain_pk_to_b64(pk, b64);
    mvg_signer_link l;
    assert_int_equal(mvg_signer_next(s, "a", &l, err, sizeof err), 0);
    mvg_payload_link pl = mvg_signer_payload_link(&l);
    size_t len = 0;
    add(&m, "a", l.chain,
        mvg_signer_sign(s, mvg_payload_key_record("gw", "a", 0, b64, fp, &pl), &len));
    assert_int_equal(mvg_signer_next(s, "a", &l, err, sizeof err), -1);
    assert_non_null(strstr(err, fp));
    assert_non_null(strstr(err, "restore that key"));
    /* the signer keeps its key */
    assert_string_not_equal(mvg_signer_keys(s)->fingerprint, fp);
    mvg_signer_free(s);
    drop(&m);
}

/* The new-chain record of a lost store: signed by the current key at the
 * head of an empty chain, not written over a chain that has records, and
 * the records after it chain to it; the walk reports it. */
static void test_newchain_record(void **state)
{
    (void)state;
    char d[128], err[256] = "";
    memchain m = {.n = 0};
    mvg_signer *s = signer_in("newchain", &m, d, sizeof d);
    char *json = NULL;
    size_t len = 0;
    int64_t chain = 0;
    assert_int_equal(mvg_signer_newchain_record(s, "gw", "a", 0, "missing", "lost", &json, &len,
                                                &chain, err, sizeof err),
                     0);
    assert_non_null(json);
    assert_int_equal(chain, 1);
    assert_int_equal(len, strlen(json));
    assert_non_null(strstr(json, "\"schema\":\"mvgate/newchain/1\""));
    assert_non_null(strstr(json, "\"previous_store\":\"missing\""));
    add(&m, "a", chain, json);
    mvg_signer_link l;
    write_record(s, &m, "a", 1, &l, 0);
    assert_int_equal(l.chain, 2);
    /* the chain has records now: no second new-chain record */
    assert_int_equal(mvg_signer_newchain_record(s, "gw", "a", 0, "missing", "lost", &json, &len,
                                                &chain, err, sizeof err),
                     0);
    assert_null(json);
    assert_int_equal(chain, 3);
    mvg_chain_report r;
    verify_all(&m, mvg_signer_keys(s)->pk, &r);
    assert_int_equal(r.records, 2);
    assert_int_equal(r.newchains, 1);
    mvg_signer_free(s);
    drop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_chain_the_records),
        cmocka_unit_test(test_rotation_and_handover),
        cmocka_unit_test(test_handover_to_a_key_not_held),
        cmocka_unit_test(test_newchain_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
