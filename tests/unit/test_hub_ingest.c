/*
 * test_hub_ingest.c: a message into the hub's tables (tools/hub/hub_ingest.h)
 * on a real SQLite database: what the preparing step works out without the
 * database (the parse, the SHA-256, a signature checked under a key known
 * beforehand, the key an identity carries), and a chained record verified
 * as it arrives: its verdict in its own row and its count in the tally,
 * once, when its predecessor is decided, and its bytes kept once, in its
 * record row; left to the sweep (no verdict) when it comes before its
 * predecessor, and decided by the sweep then.
 * Records are signed here with a real key (chain.c).
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

#include "testutil.h"

#include "chain.h"
#include "diag.h"
#include "hub_db.h"
#include "hub_ingest.h"
#include "hub_verify.h"

#define PREFIX "mvgate/v1"

static char dir[256];
static mvg_hub_db *db;
static mvg_cli_enrol reg;
static unsigned char pk[32], sk[64];
static char fp[MVG_CHAIN_FP_LEN], pk_b64[MVG_CHAIN_PK_B64_LEN];
static char hashes[8][MVG_CHAIN_HEX_LEN];

static int setup(void **state)
{
    (void)state;
    if (mvg_chain_init() < 0 || tu_tmpdir_make(dir, sizeof dir, "hub-ingest"))
        return -1;
    unsigned char seed[32];
    memset(seed, 7, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    mvg_chain_fingerprint(pk, fp);
    mvg_chain_pk_to_b64(pk, pk_b64);
    char path[300], line[200];
    snprintf(path, sizeof path, "%s/register.txt", dir);
    snprintf(line, sizeof line, "gw-1 %s\n", fp);
    mvg_diags *d = mvg_diags_new();
    if (tu_write_file(path, line) < 0 || !d || mvg_cli_enrol_load_register(path, &reg, d) < 0)
        return -1;
    mvg_diags_free(d);
    mvg_hub_db_cfg cfg = {.backend = MVG_HUB_DB_SQLITE};
    snprintf(cfg.path, sizeof cfg.path, "%s/hub.db", dir);
    char err[256];
    db = mvg_hub_db_open(&cfg, err, sizeof err);
    return db ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mvg_hub_db_close(db);
    mvg_cli_enrol_free(&reg);
    return tu_tmpdir_remove(dir);
}

/* The signed model record at chain (its prev: the hash of chain - 1 as
 * made here), its hash kept. Caller frees. */
static char *model(int64_t chain, size_t *len)
{
    char zero[MVG_CHAIN_HEX_LEN], text[1024];
    mvg_chain_zero_prev(zero);
    snprintf(text, sizeof text,
             "{\"schema\":\"mvgate/model/1\",\"gateway\":\"gw-1\",\"project\":\"p\","
             "\"version\":1,\"chain\":%lld,\"key\":\"%s\",\"prev\":\"%s\"}",
             (long long)chain, fp, chain == 1 ? zero : hashes[chain - 1]);
    char *s = mvg_chain_sign(text, strlen(text), sk, len);
    assert_non_null(s);
    mvg_chain_hash_hex(s, *len, hashes[chain]);
    return s;
}

static int known(void *user, const char *f, unsigned char out[32])
{
    (void)user;
    if (strcmp(f, fp) != 0)
        return 0;
    memcpy(out, pk, 32);
    return 1;
}

static void test_prepare(void **state)
{
    (void)state;
    char ident[400];
    snprintf(ident, sizeof ident,
             "{\"schema\":\"mvgate/identity/1\",\"gateway\":\"gw-1\",\"key\":\"%s\"}", pk_b64);
    mvg_hub_in in = {PREFIX "/gw-1/identity", ident, strlen(ident), 1, 1000};
    mvg_hub_prep pr;
    mvg_hub_ingest_prepare(PREFIX, &in, known, NULL, &pr);
    assert_true(pr.parsed);
    assert_non_null(pr.doc);
    assert_string_equal(pr.carried_key, pk_b64);
    assert_string_equal(pr.hash, ""); /* not a record */
    mvg_hub_prep_clear(&pr);

    size_t len;
    char *rec = model(1, &len);
    in = (mvg_hub_in){PREFIX "/gw-1/model/p", rec, len, 0, 1000};
    mvg_hub_ingest_prepare(PREFIX, &in, known, NULL, &pr);
    assert_string_equal(pr.hash, hashes[1]);
    assert_true(pr.sig_checked);
    assert_int_equal(pr.sig_status, MVG_CHAIN_OK);
    assert_memory_equal(pr.sig_pk, pk, 32);
    mvg_hub_prep_clear(&pr);
    rec[len - 10] = rec[len - 10] == 'A' ? 'B' : 'A'; /* a character of the signature changed */
    mvg_hub_ingest_prepare(PREFIX, &in, known, NULL, &pr);
    assert_int_equal(pr.sig_status, MVG_CHAIN_BAD_SIG);
    mvg_hub_prep_clear(&pr);
    /* no key known beforehand: left to the store */
    mvg_hub_ingest_prepare(PREFIX, &in, NULL, NULL, &pr);
    assert_false(pr.sig_checked);
    mvg_hub_prep_clear(&pr);
    free(rec);

    in = (mvg_hub_in){PREFIX "/gw-1/model/p", "{not json", 9, 0, 1000};
    mvg_hub_ingest_prepare(PREFIX, &in, known, NULL, &pr);
    assert_true(pr.parsed);
    assert_null(pr.doc);
    mvg_hub_prep_clear(&pr);
}

static void put(const char *topic, const char *payload, size_t len)
{
    mvg_hub_in in = {topic, payload, len, 0, 2000};
    assert_int_equal(mvg_hub_ingest(db, PREFIX, "hub-a", &reg, &in), 0);
}

/* The verdict of chain (NULL: none) and the project's verified count. */
static void expect(int64_t chain, const char *verdict, long ok_records)
{
    mvg_hub_param p[] = {MVG_HUB_INT(chain)};
    mvg_hub_rows *r = mvg_hub_db_query(
        db, "SELECT verdict, verified_by FROM hub_records WHERE chain = $1", p, 1);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_count(r), 1);
    if (verdict) {
        assert_non_null(mvg_hub_rows_text(r, 0, 0));
        assert_string_equal(mvg_hub_rows_text(r, 0, 0), verdict);
        assert_string_equal(mvg_hub_rows_text(r, 0, 1), "hub-a");
    } else {
        assert_null(mvg_hub_rows_text(r, 0, 0));
    }
    mvg_hub_rows_free(r);
    r = mvg_hub_db_query(db, "SELECT ok_records FROM hub_tally_projects", NULL, 0);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_count(r) ? mvg_hub_rows_int(r, 0, 0) : 0, ok_records);
    mvg_hub_rows_free(r);
}

static void test_verdict_at_ingest(void **state)
{
    (void)state;
    char ident[400];
    snprintf(ident, sizeof ident,
             "{\"schema\":\"mvgate/identity/1\",\"gateway\":\"gw-1\",\"key\":\"%s\"}", pk_b64);
    put(PREFIX "/gw-1/identity", ident, strlen(ident));
    char *rec[5];
    size_t len[5];
    for (int c = 1; c <= 4; c++)
        rec[c] = model(c, &len[c]);
    put(PREFIX "/gw-1/model/p", rec[1], len[1]);
    expect(1, "ok", 1);
    put(PREFIX "/gw-1/model/p", rec[2], len[2]);
    expect(2, "ok", 2);
    put(PREFIX "/gw-1/model/p", rec[2], len[2]); /* a repeat: the same row, counted once */
    expect(2, "ok", 2);
    put(PREFIX "/gw-1/model/p", rec[4], len[4]); /* before its predecessor: waits */
    expect(4, NULL, 2);
    put(PREFIX "/gw-1/model/p", rec[3], len[3]);
    expect(3, "ok", 3);
    expect(4, NULL, 3);
    assert_int_equal(mvg_hub_verify_sweep(db, &reg, "hub-a", 3000), 1);
    expect(4, "ok", 4);
    assert_int_equal(mvg_hub_verify_sweep(db, &reg, "hub-a", 3000), 0);

    /* every message a row, a record's bytes once: in its record row, the
     * raw row pointing there; a message that is no record keeps its own */
    static const char other[] = "{\"not\":\"chained\"}";
    put(PREFIX "/gw-1/model/p", other, sizeof other - 1);
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT m.payload, m.record_id, r.payload, m.note"
                                       " FROM hub_messages m LEFT JOIN hub_records r"
                                       " ON r.id = m.record_id ORDER BY m.id",
                                       NULL, 0);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_count(r), 7);
    static const int chain_of[7] = {0, 1, 2, 2, 4, 3, 0};
    for (size_t i = 0; i < 7; i++) {
        size_t n = 99, rn = 0;
        const char *own = mvg_hub_rows_blob(r, i, 0, &n);
        const char *kept = mvg_hub_rows_blob(r, i, 2, &rn);
        int c = chain_of[i];
        if (c == 0) {
            assert_null(mvg_hub_rows_text(r, i, 1));
            assert_int_equal(n, i == 0 ? strlen(ident) : sizeof other - 1);
            assert_memory_equal(own, i == 0 ? ident : other, n);
        } else {
            assert_int_equal(n, 0);
            assert_int_equal(rn, len[c]);
            assert_memory_equal(kept, rec[c], rn);
        }
    }
    assert_string_equal(mvg_hub_rows_text(r, 6, 3), "not a chained record");
    mvg_hub_rows_free(r);
    for (int c = 1; c <= 4; c++)
        free(rec[c]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare),
        cmocka_unit_test(test_verdict_at_ingest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
