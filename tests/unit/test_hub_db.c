/*
 * test_hub_db.c: the hub's storage interface (tools/hub/hub_db.h) on its
 * SQLite backend: transactions nest (a begin inside one joins it, its
 * commit only counts, the outermost commit commits, a rollback at any
 * depth rolls all back and the outer commit then fails), and a statement
 * run many times (kept prepared) binds its parameters afresh each time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "hub_db.h"

static char dir[256];
static mvg_hub_db *db;

static int setup(void **state)
{
    (void)state;
    if (tu_tmpdir_make(dir, sizeof dir, "hub-db"))
        return -1;
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_commit),
        cmocka_unit_test(test_inner_rollback),
        cmocka_unit_test(test_statement_again),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
