/*
 * test_hub_db.c: the hub's storage interface (tools/hub/hub_db.h) on its
 * SQLite backend: transactions nest (a begin inside one joins it, its
 * commit only counts, the outermost commit commits, a rollback at any
 * depth rolls all back and the outer commit then fails), a statement
 * run many times (kept prepared) binds its parameters afresh each time
 * (a REAL as the very double),
 * and a transaction that does not wait for the disk: refused inside
 * another, run with synchronous=NORMAL and no checkpoint of its own, the
 * connection back to FULL after its commit or rollback, and its WAL
 * checkpointed by a sync on another connection, on the sync thread too
 * (hub_syncer.h), and emptied once beyond 64 MB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include <sys/stat.h>

#include "hub_db.h"
#include "hub_syncer.h"

static char dir[256];
static mvg_hub_db *db;
static mvg_hub_db_cfg cfg = {.backend = MVG_HUB_DB_SQLITE};

static int setup(void **state)
{
    (void)state;
    if (tu_tmpdir_make(dir, sizeof dir, "hub-db"))
        return -1;
    snprintf(cfg.path, sizeof cfg.path, "%s/hub.db", dir);
    char err[256];
    db = mvg_hub_db_open(&cfg, err, sizeof err);
    return db ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mvg_hub_db_close(db);
    return tu_tmpdir_remove(dir);
}

static void put(const char *fp)
{
    mvg_hub_param p[] = {MVG_HUB_TEXT(fp), MVG_HUB_TEXT("pk"), MVG_HUB_INT(1)};
    assert_int_equal(mvg_hub_db_exec(db,
                                     "INSERT INTO hub_keys (fingerprint, pk, first_ms)"
                                     " VALUES ($1, $2, $3)",
                                     p, 3),
                     1);
}

static long count(void)
{
    mvg_hub_rows *r = mvg_hub_db_query(db, "SELECT COUNT(*) FROM hub_keys", NULL, 0);
    assert_non_null(r);
    long n = (long)mvg_hub_rows_int(r, 0, 0);
    mvg_hub_rows_free(r);
    return n;
}

static void test_nested_commit(void **state)
{
    (void)state;
    long n0 = count();
    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("a1");
    assert_int_equal(mvg_hub_db_begin(db), 0); /* joins */
    put("a2");
    assert_int_equal(mvg_hub_db_commit(db), 0); /* only counts */
    /* still in the outer transaction: rolling it back drops both */
    mvg_hub_db_rollback(db);
    assert_int_equal(count(), n0);

    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("b1");
    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("b2");
    assert_int_equal(mvg_hub_db_commit(db), 0);
    assert_int_equal(mvg_hub_db_commit(db), 0); /* the outermost commits */
    assert_int_equal(count(), n0 + 2);
}

static void test_inner_rollback(void **state)
{
    (void)state;
    long n0 = count();
    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("c1");
    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("c2");
    mvg_hub_db_rollback(db); /* the inner step failed */
    assert_int_equal(mvg_hub_db_commit(db), -1); /* nothing left to commit */
    mvg_hub_db_rollback(db);
    assert_int_equal(count(), n0);
    /* and the connection goes on */
    assert_int_equal(mvg_hub_db_begin(db), 0);
    put("c3");
    assert_int_equal(mvg_hub_db_commit(db), 0);
    assert_int_equal(count(), n0 + 1);
}

static long pragma(mvg_hub_db *h, const char *sql);

static void test_statement_again(void **state)
{
    (void)state;
    char fp[16];
    for (int i = 0; i < 50; i++) {
        snprintf(fp, sizeof fp, "k%02d", i);
        put(fp);
    }
    mvg_hub_param p[] = {MVG_HUB_TEXT("k07")};
    mvg_hub_rows *r = mvg_hub_db_query(db, "SELECT first_ms, pk FROM hub_keys WHERE"
                                           " fingerprint = $1", p, 1);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_count(r), 1);
    assert_string_equal(mvg_hub_rows_text(r, 0, 1), "pk");
    mvg_hub_rows_free(r);
    /* a repeat is refused by the key, the error said, and the statement
     * still runs after it */
    mvg_hub_param q[] = {MVG_HUB_TEXT("k07"), MVG_HUB_TEXT("pk"), MVG_HUB_INT(1)};
    assert_int_equal(mvg_hub_db_exec(db,
                                     "INSERT INTO hub_keys (fingerprint, pk, first_ms)"
                                     " VALUES ($1, $2, $3)",
                                     q, 3),
                     -1);
    assert_non_null(strstr(mvg_hub_db_error(db), "UNIQUE"));
    put("k99");
    /* a REAL parameter is stored as the very double */
    assert_true(mvg_hub_db_exec(db, "CREATE TABLE reals (x REAL)", NULL, 0) >= 0);
    const double x = 0.1 + 0.2, tiny = 3.0374999999999997e-6;
    mvg_hub_param rp[] = {MVG_HUB_REAL(x), MVG_HUB_REAL(tiny)};
    assert_int_equal(mvg_hub_db_exec(db, "INSERT INTO reals VALUES ($1), ($2)", rp, 2), 2);
    assert_int_equal(pragma(db, "SELECT COUNT(*) FROM reals WHERE x = 0.30000000000000004"
                                " OR x = 3.0374999999999997e-6"), 2);
}

static long pragma(mvg_hub_db *h, const char *sql)
{
    mvg_hub_rows *r = mvg_hub_db_query(h, sql, NULL, 0);
    assert_non_null(r);
    long n = (long)mvg_hub_rows_int(r, 0, 0);
    mvg_hub_rows_free(r);
    return n;
}

static long long file_size(const char *suffix)
{
    char path[sizeof cfg.path + 8];
    snprintf(path, sizeof path, "%s%s", cfg.path, suffix);
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* n rows of 4 kB: 1,200 make a WAL beyond the checkpoint threshold (4 MB). */
static void put_many(const char *tag, int n)
{
    static char big[4000];
    memset(big, 'x', sizeof big - 1);
    for (int i = 0; i < n; i++) {
        char fp[32];
        snprintf(fp, sizeof fp, "%s%04d", tag, i);
        mvg_hub_param p[] = {MVG_HUB_TEXT(fp), MVG_HUB_TEXT(big), MVG_HUB_INT(1)};
        assert_int_equal(mvg_hub_db_exec(db,
                                         "INSERT INTO hub_keys (fingerprint, pk, first_ms)"
                                         " VALUES ($1, $2, $3)",
                                         p, 3),
                         1);
    }
}

static void test_commit_nowait(void **state)
{
    (void)state;
    assert_int_equal(pragma(db, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(mvg_hub_db_begin(db), 0);
    assert_int_equal(mvg_hub_db_begin_nowait(db), -1); /* not inside another */
    assert_non_null(strstr(mvg_hub_db_error(db), "inside"));
    mvg_hub_db_rollback(db);
    assert_int_equal(pragma(db, "PRAGMA synchronous"), 2);

    assert_int_equal(mvg_hub_db_begin_nowait(db), 0);
    put("n1");
    mvg_hub_db_rollback(db);
    assert_int_equal(pragma(db, "PRAGMA synchronous"), 2);
    assert_int_equal(pragma(db, "PRAGMA wal_autocheckpoint"), 1000);

    /* a transaction beyond the checkpoint threshold: no checkpoint at its
     * commit, the database file as it was, the rows there for others */
    mvg_hub_db *other = mvg_hub_db_open(&cfg, NULL, 0);
    assert_non_null(other);
    assert_int_equal(mvg_hub_db_sync(other, NULL, 0), 0);
    long long db0 = file_size("");
    long n0 = count();
    assert_int_equal(mvg_hub_db_begin_nowait(db), 0);
    assert_int_equal(pragma(db, "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(pragma(db, "PRAGMA wal_autocheckpoint"), 0);
    put_many("w", 1200);
    assert_int_equal(mvg_hub_db_commit(db), 0);
    assert_int_equal(pragma(db, "PRAGMA synchronous"), 2);
    assert_int_equal(pragma(db, "PRAGMA wal_autocheckpoint"), 1000);
    assert_int_equal(pragma(other, "SELECT COUNT(*) FROM hub_keys"), n0 + 1200);
    assert_true(file_size("-wal") > 4 * 1024 * 1024);
    assert_true(file_size("") == db0);
    /* the sync, on the other connection, moves the WAL into the file */
    char err[256] = "";
    assert_int_equal(mvg_hub_db_sync(other, err, sizeof err), 0);
    assert_true(file_size("") > db0 + 4 * 1024 * 1024);
    mvg_hub_db_close(other);

    /* the same through the sync thread, with its own connection */
    char e[256];
    mvg_hub_syncer *sy = mvg_hub_syncer_new(&cfg, e, sizeof e);
    assert_non_null(sy);
    assert_int_equal(mvg_hub_syncer_busy(sy), 0);
    assert_int_equal(mvg_hub_syncer_wait(sy, e, sizeof e), 0); /* none given */
    db0 = file_size("");
    assert_int_equal(mvg_hub_db_begin_nowait(db), 0);
    put_many("s", 1200);
    assert_int_equal(mvg_hub_db_commit(db), 0);
    assert_int_equal(mvg_hub_syncer_give(sy), 0);
    assert_int_equal(mvg_hub_syncer_busy(sy), 1);
    assert_int_equal(mvg_hub_syncer_give(sy), -1); /* one at a time */
    assert_int_equal(mvg_hub_syncer_wait(sy, e, sizeof e), 0);
    assert_int_equal(mvg_hub_syncer_busy(sy), 0);
    assert_true(file_size("") > db0 + 4 * 1024 * 1024);
    mvg_hub_syncer_free(sy);
    mvg_hub_syncer_free(NULL);

    /* a WAL the PASSIVE checkpoints did not empty, beyond 64 MB: the sync
     * waits for the writer and empties it (TRUNCATE) */
    long n1 = count();
    assert_int_equal(mvg_hub_db_begin_nowait(db), 0);
    put_many("b", 17000);
    assert_int_equal(mvg_hub_db_commit(db), 0);
    assert_true(file_size("-wal") > 64 * 1024 * 1024);
    other = mvg_hub_db_open(&cfg, NULL, 0);
    assert_non_null(other);
    assert_int_equal(mvg_hub_db_sync(other, err, sizeof err), 0);
    assert_int_equal(file_size("-wal"), 0);
    assert_int_equal(pragma(other, "SELECT COUNT(*) FROM hub_keys"), n1 + 17000);
    mvg_hub_db_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_commit),
        cmocka_unit_test(test_inner_rollback),
        cmocka_unit_test(test_statement_again),
        cmocka_unit_test(test_commit_nowait),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
