/*
 * test_store.c: the durable store: seq discipline, models, checkpoints,
 * samples with retention, schema version, and crash safety for real: a
 * forked child appends in a loop and is SIGKILLed at random moments 25
 * times; the database must then be intact, seq gap-free, every record with
 * its outbox entries and samples, and the newest checkpoint at the newest
 * record (they are written in one transaction). The signed chain: interval,
 * model and key records of a project read back in chain order, windows, and
 * the migration of a schema-1 store, and of a schema-2 one (before
 * refused entries were parked): its undelivered entries stay, unparked.
 * The reserve for records: below it samples and telemetry are refused and
 * counted, records still go in (docs/store.md "Full disk").
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "store.h"

static char dir[64], db[128], err[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make_db(dir, sizeof dir, db, sizeof db, "store");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

static int64_t query_int(const char *sql);

/* The size bound: 20000 samples take well over 256 KiB; prune brings the
 * pages in use under the bound by deleting the oldest rows only. */
static void test_samples_size_bound(void **state)
{
    (void)state;
    mvg_store_opts o = {.sample_max_bytes = 256 * 1024};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    int64_t p = 0;
    assert_int_equal(mvg_store_point_id(st, "m", "kw", &p, err, sizeof err), 0);
    mvg_store_sample s[100];
    for (int b = 0; b < 200; b++) {
        for (int i = 0; i < 100; i++)
            s[i] = (mvg_store_sample){p, {.ts_ms = b * 100 + i, .value = i}};
        assert_int_equal(mvg_store_add_samples(st, s, 100, err, sizeof err), 0);
    }
    mvg_store_status ss;
    assert_int_equal(mvg_store_get_status(st, &ss, err, sizeof err), 0);
    assert_true(ss.db_bytes > 256 * 1024);
    int64_t pruned = 0;
    assert_int_equal(mvg_store_prune(st, 0, &pruned, err, sizeof err), 0);
    assert_int_equal(mvg_store_get_status(st, &ss, err, sizeof err), 0);
    assert_true(ss.db_bytes <= 256 * 1024);
    assert_true(pruned > 0 && pruned < 20000);
    assert_int_equal(ss.samples, 20000 - pruned);
    assert_int_equal(ss.samples_pruned, pruned);
    /* the newest survive, the oldest went */
    assert_int_equal(query_int("SELECT MAX(ts_ms) FROM samples"), 19999);
    assert_int_equal(query_int("SELECT MIN(ts_ms) FROM samples"), pruned);
    mvg_store_close(st);
}

static int64_t query_int(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static void test_path(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(mvg_store_path("/var/lib/mvgate", buf, sizeof buf), 0);
    assert_string_equal(buf, "/var/lib/mvgate/mvgate.db");
    assert_int_equal(mvg_store_path("/a/very/long/directory/name", buf, sizeof buf), -1);
}

static void test_seq_models_checkpoints(void **state)
{
    (void)state;
    mvg_store_opts o = {.gateway_id = "gw-1", .sync_full = 1, .checkpoints_keep = 2};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(query_int("PRAGMA user_version"), MVG_STORE_SCHEMA_VERSION);

    int64_t seq = 0;
    assert_int_equal(mvg_store_next_seq(st, "a", &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);
    mvg_store_interval r = {"a", 2, 0, 900000, "{}", 2, 0};
    assert_int_equal(mvg_store_add_interval(st, &r, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected 1"));
    r.seq = 1;
    assert_int_equal(mvg_store_add_interval(st, &r, NULL, 0, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_interval(st, &r, NULL, 0, err, sizeof err), -1); /* duplicate */
    mvg_store_interval b = {"b", 1, 0, 900000, "{\"b\":1}", 7, 0};
    assert_int_equal(mvg_store_add_interval(st, &b, NULL, 0, err, sizeof err), 0);
    assert_int_equal(mvg_store_next_seq(st, "a", &seq, err, sizeof err), 0);
    assert_int_equal(seq, 2);

    /* a failed transaction leaves nothing */
    assert_int_equal(mvg_store_begin(st, err, sizeof err), 0);
    r.seq = 2;
    assert_int_equal(mvg_store_add_interval(st, &r, NULL, 0, err, sizeof err), 0);
    mvg_store_rollback(st);
    assert_int_equal(mvg_store_next_seq(st, "a", &seq, err, sizeof err), 0);
    assert_int_equal(seq, 2);

    int64_t v = 0;
    char *json = NULL;
    assert_int_equal(mvg_store_get_model(st, "a", &json, &v, err, sizeof err), 0);
    assert_null(json);
    assert_int_equal(v, 0);
    assert_int_equal(mvg_store_add_model(st, "a", "{\"m\":1}", 7, 0, NULL, 0, &v, err, sizeof err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(mvg_store_add_model(st, "a", "{\"m\":2}", 7, 0, NULL, 0, &v, err, sizeof err), 0);
    assert_int_equal(v, 2);
    assert_int_equal(mvg_store_get_model(st, "a", &json, &v, err, sizeof err), 0);
    assert_string_equal(json, "{\"m\":2}");
    assert_int_equal(v, 2);
    free(json);

    for (int i = 1; i <= 3; i++) {
        unsigned char blob[3] = {(unsigned char)i, 0, 0xff};
        assert_int_equal(mvg_store_put_checkpoint(st, i * 1000, blob, 3, err, sizeof err), 0);
    }
    void *cp = NULL;
    size_t len = 0;
    int64_t ts = 0, iid = 0;
    assert_int_equal(mvg_store_get_checkpoint(st, &cp, &len, &ts, &iid, err, sizeof err), 0);
    assert_int_equal(len, 3);
    assert_int_equal(((unsigned char *)cp)[0], 3);
    assert_int_equal(((unsigned char *)cp)[2], 0xff);
    assert_int_equal(ts, 3000);
    assert_int_equal(iid, 2); /* the two interval rows written before it */
    free(cp);
    assert_int_equal(mvg_store_seq_at(st, "a", iid, &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);

    mvg_store_status s;
    assert_int_equal(mvg_store_get_status(st, &s, err, sizeof err), 0);
    assert_int_equal(s.intervals, 2);
    assert_int_equal(s.models, 2);
    assert_int_equal(s.checkpoints, 2); /* keep 2 */
    assert_true(s.db_bytes > 0);
    mvg_store_close(st);
    mvg_store_close(NULL);

    /* reopen: meta survived, schema not redone */
    st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    mvg_store_close(st);
    assert_int_equal(query_int("SELECT COUNT(*) FROM meta WHERE key = 'gateway_id' AND value = 'gw-1'"),
                     1);
    o.read_only = 1;
    st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    mvg_store_interval c = {"a", 2, 0, 1, "{}", 2, 0};
    assert_int_equal(mvg_store_add_interval(st, &c, NULL, 0, err, sizeof err), -1);
    mvg_store_close(st);
}

typedef struct {
    char text[1024];
    size_t n;
} chained_log;

static int log_chained(void *user, const char *project, int64_t chain, const char *kind,
                       const char *payload, size_t len)
{
    chained_log *l = user;
    l->n++;
    size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof l->text - used, "%s%s:%lld:%s:%.*s", used ? " " : "",
             project, (long long)chain, kind, (int)len, payload);
    return 0;
}

static void add_iv(mvg_store *st, const char *project, int64_t seq, int64_t chain, int64_t start)
{
    char json[32];
    int n = snprintf(json, sizeof json, "i%lld", (long long)seq);
    mvg_store_interval r = {project, seq, start, start + 1000, json, (size_t)n, chain};
    assert_int_equal(mvg_store_add_interval(st, &r, NULL, 0, err, sizeof err), 0);
}

/* chain of "a": i1 i2 m1 i3 k i4; of "b": i1 */
static void test_chain_records(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    char *last = NULL;
    size_t len = 0;
    int64_t chain = -1, v = 0;
    assert_int_equal(mvg_store_last_chained(st, "a", &last, &len, &chain, err, sizeof err), 0);
    assert_null(last);
    assert_int_equal(chain, 0);
    add_iv(st, "a", 1, 1, 0);
    add_iv(st, "a", 2, 2, 1000);
    assert_int_equal(mvg_store_add_model(st, "a", "m1", 2, 3, NULL, 0, &v, err, sizeof err), 0);
    assert_int_equal(mvg_store_last_chained(st, "a", &last, &len, &chain, err, sizeof err), 0);
    assert_string_equal(last, "m1");
    assert_int_equal(chain, 3);
    free(last);
    add_iv(st, "a", 3, 4, 2000);
    mvg_store_out out = {"mqtt", MVG_OUT_INTERVAL, "key/a", "k", 1, 0};
    assert_int_equal(mvg_store_add_key_record(st, "a", 5, "k", 1, &out, 1, err, sizeof err), 0);
    /* one position, one record */
    assert_int_equal(mvg_store_add_key_record(st, "a", 5, "k", 1, NULL, 0, err, sizeof err), -1);
    assert_int_equal(mvg_store_last_chained(st, "a", &last, &len, &chain, err, sizeof err), 0);
    assert_string_equal(last, "k");
    assert_int_equal(chain, 5);
    free(last);
    add_iv(st, "a", 4, 6, 3000);
    /* a definition record: chained, versioned, its digest kept for the next start */
    char digest[65] = "?";
    assert_int_equal(mvg_store_last_definition(st, "a", &v, digest, err, sizeof err), 0);
    assert_int_equal(v, 0);
    assert_string_equal(digest, "");
    assert_int_equal(mvg_store_add_definition(st, "a", 7, 1, "d1", "D1", 2, NULL, 0, err,
                                              sizeof err),
                     0);
    /* one version, one record */
    assert_int_equal(mvg_store_add_definition(st, "a", 8, 1, "d2", "D2", 2, NULL, 0, err,
                                              sizeof err),
                     -1);
    assert_int_equal(mvg_store_add_definition(st, "a", 8, 2, "d2", "D2", 2, NULL, 0, err,
                                              sizeof err),
                     0);
    assert_int_equal(mvg_store_last_definition(st, "a", &v, digest, err, sizeof err), 0);
    assert_int_equal(v, 2);
    assert_string_equal(digest, "d2");
    assert_int_equal(mvg_store_last_chained(st, "a", &last, &len, &chain, err, sizeof err), 0);
    assert_string_equal(last, "D2");
    assert_int_equal(chain, 8);
    free(last);
    assert_int_equal(mvg_store_last_definition(st, "b", &v, digest, err, sizeof err), 0);
    assert_int_equal(v, 0);
    add_iv(st, "b", 1, 1, 500);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE topic = 'key/a'"), 1);

    chained_log l = {{0}, 0};
    assert_int_equal(mvg_store_foreach_chained(st, NULL, INT64_MIN, INT64_MAX, log_chained, &l,
                                               err, sizeof err),
                     0);
    assert_string_equal(l.text, "a:1:interval:i1 a:2:interval:i2 a:3:model:m1 a:4:interval:i3 "
                                "a:5:key:k a:6:interval:i4 a:7:definition:D1 a:8:definition:D2 "
                                "b:1:interval:i1");
    /* one project; a window keeps the model and key records with the
     * interval before them */
    memset(&l, 0, sizeof l);
    assert_int_equal(mvg_store_foreach_chained(st, "a", 1000, 3000, log_chained, &l, err,
                                               sizeof err),
                     0);
    assert_string_equal(l.text, "a:2:interval:i2 a:3:model:m1 a:4:interval:i3 a:5:key:k");
    memset(&l, 0, sizeof l);
    assert_int_equal(mvg_store_foreach_chained(st, "a", INT64_MIN, 1000, log_chained, &l, err,
                                               sizeof err),
                     0);
    assert_string_equal(l.text, "a:1:interval:i1");
    memset(&l, 0, sizeof l);
    assert_int_equal(mvg_store_foreach_chained(st, NULL, 9000, INT64_MAX, log_chained, &l, err,
                                               sizeof err),
                     0);
    assert_int_equal(l.n, 0);
    mvg_store_close(st);
}

/* A store written by schema 1 (before model and key records joined the
 * chain) opens, keeps its rows outside the chain, and starts the chain at 1. */
static void test_migration_from_v1(void **state)
{
    (void)state;
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(h,
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
                     "CREATE TABLE points(id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
                     " point TEXT NOT NULL, UNIQUE(device, point));"
                     "CREATE TABLE samples(id INTEGER PRIMARY KEY, point_id INTEGER NOT NULL,"
                     " ts_ms INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL,"
                     " exc INTEGER NOT NULL);"
                     "CREATE TABLE intervals(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
                     " seq INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
                     " created_ms INTEGER NOT NULL, payload TEXT NOT NULL, UNIQUE(project, seq));"
                     "CREATE TABLE models(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
                     " version INTEGER NOT NULL, created_ms INTEGER NOT NULL, payload TEXT NOT"
                     " NULL, UNIQUE(project, version));"
                     "INSERT INTO intervals VALUES(1, 'a', 1, 0, 1000, 0, 'old1');"
                     "PRAGMA user_version = 1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(query_int("PRAGMA user_version"), MVG_STORE_SCHEMA_VERSION);
    char *last = NULL;
    size_t len = 0;
    int64_t chain = -1, seq = 0;
    assert_int_equal(mvg_store_last_chained(st, "a", &last, &len, &chain, err, sizeof err), 0);
    assert_null(last);
    assert_int_equal(mvg_store_next_seq(st, "a", &seq, err, sizeof err), 0);
    assert_int_equal(seq, 2);
    add_iv(st, "a", 2, 1, 1000);
    chained_log l = {{0}, 0};
    assert_int_equal(mvg_store_foreach_chained(st, NULL, INT64_MIN, INT64_MAX, log_chained, &l,
                                               err, sizeof err),
                     0);
    assert_string_equal(l.text, "a:1:interval:i2");
    mvg_store_close(st);
}

/* A version-2 store, as the daemon of that version left it: one
 * undelivered outbox entry. Migrated, the entry is kept and not parked, and
 * a new one can be parked. */
static void test_migration_from_v2(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_store_close(st);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    /* back to version 2: the outbox without the parking columns */
    assert_int_equal(
        sqlite3_exec(h,
                     "DROP INDEX outbox_parked;"
                     "ALTER TABLE samples DROP COLUMN raw_kind;"
                     "ALTER TABLE samples DROP COLUMN raw;"
                     "ALTER TABLE outbox DROP COLUMN parked_reason;"
                     "ALTER TABLE outbox DROP COLUMN parked_code;"
                     "ALTER TABLE outbox DROP COLUMN parked_ms;"
                     "INSERT INTO outbox(publisher, cls, topic, payload, bytes, retained,"
                     " created_ms) VALUES('mqtt', 0, 'telemetry/a', 'v2', 2, 0, 1);"
                     "PRAGMA user_version = 2;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(query_int("PRAGMA user_version"), MVG_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int("SELECT count(*) FROM outbox WHERE parked_ms IS NULL"), 1);
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[2];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 2, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].payload, "v2");
    assert_int_equal(mvg_outbox_park(ob, e[0].id, 0x87, "Not authorized", 10, err, sizeof err), 0);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.parked, 1);
    assert_int_equal(os.depth, 1);
    mvg_outbox_close(ob);
    mvg_store_close(st);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_null(mvg_store_open(db, NULL, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.db", dir);
    mvg_store_opts ro = {.read_only = 1};
    assert_null(mvg_store_open(missing, &ro, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
}

typedef struct {
    int n;
    mvg_sample s[8];
    char text[8][MVG_TEXT_MAX + 1];
} sample_log;

static int log_sample(void *user, const char *device, const char *point, const mvg_sample *s)
{
    (void)device;
    (void)point;
    sample_log *l = user;
    if (l->n < 8) {
        l->s[l->n] = *s;
        if (s->raw_kind == MVG_RAW_TEXT && s->text)
            snprintf(l->text[l->n], sizeof l->text[l->n], "%s", s->text);
        l->n++;
    }
    return 0;
}

/* Schema 7 keeps a sample's exact raw value: int64 extremes, a uint64
 * above 2^63 (SQLite's integers are signed) and below, a string's text,
 * read back bit for bit; a version-6 store is migrated, its rows read back
 * with the double alone. */
static void test_samples_raw_exact(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    int64_t p = 0;
    assert_int_equal(mvg_store_point_id(st, "m", "e", &p, err, sizeof err), 0);
    mvg_store_close(st);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "ALTER TABLE samples DROP COLUMN raw_kind;"
                                  "ALTER TABLE samples DROP COLUMN raw;"
                                  "INSERT INTO samples(point_id, ts_ms, value, quality, exc)"
                                  " VALUES(1, 1, 9007199254740992.0, 0, 0);"
                                  "PRAGMA user_version = 6;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(query_int("PRAGMA user_version"), 7);
    mvg_store_sample s[5] = {
        {p, {.ts_ms = 2, .value = -9.2e18, .raw_kind = MVG_RAW_INT, .raw_i = INT64_MIN}},
        {p, {.ts_ms = 3, .value = 9.2e18, .raw_kind = MVG_RAW_INT, .raw_i = INT64_MAX}},
        {p, {.ts_ms = 4, .value = 1.8e19, .raw_kind = MVG_RAW_UINT, .raw_u = UINT64_MAX}},
        {p, {.ts_ms = 5, .value = 9e15, .raw_kind = MVG_RAW_UINT, .raw_u = 9007199254740993ULL}},
        {p, {.ts_ms = 6, .value = NAN, .raw_kind = MVG_RAW_TEXT, .text = "iEM3155"}},
    };
    assert_int_equal(mvg_store_add_samples(st, s, 5, err, sizeof err), 0);
    sample_log l = {0};
    assert_int_equal(mvg_store_foreach_sample(st, INT64_MIN, INT64_MAX, log_sample, &l, err,
                                              sizeof err),
                     0);
    assert_int_equal(l.n, 6);
    assert_int_equal(l.s[0].raw_kind, MVG_RAW_NONE);
    assert_true(l.s[0].value == 9007199254740992.0);
    assert_int_equal(l.s[1].raw_kind, MVG_RAW_INT);
    assert_true(l.s[1].raw_i == INT64_MIN);
    assert_true(l.s[2].raw_i == INT64_MAX);
    assert_int_equal(l.s[3].raw_kind, MVG_RAW_UINT);
    assert_true(l.s[3].raw_u == UINT64_MAX);
    assert_int_equal(l.s[4].raw_kind, MVG_RAW_UINT);
    assert_true(l.s[4].raw_u == 9007199254740993ULL);
    assert_int_equal(l.s[5].raw_kind, MVG_RAW_TEXT);
    assert_string_equal(l.text[5], "iEM3155");
    assert_true(isnan(l.s[5].value));
    /* the uint64 above 2^63 - 1 is its decimal text, readable with sqlite3 */
    assert_int_equal(query_int("SELECT count(*) FROM samples WHERE raw = '18446744073709551615'"
                               " AND raw_kind = 2"),
                     1);
    mvg_store_close(st);
}

static void test_samples_retention(void **state)
{
    (void)state;
    mvg_store_opts o = {.sample_max_age_ms = 10000, .sample_max_rows = 5};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    int64_t p1 = 0, p2 = 0, again = 0;
    assert_int_equal(mvg_store_point_id(st, "m1", "kwh", &p1, err, sizeof err), 0);
    assert_int_equal(mvg_store_point_id(st, "m1", "kw", &p2, err, sizeof err), 0);
    assert_int_equal(mvg_store_point_id(st, "m1", "kwh", &again, err, sizeof err), 0);
    assert_int_equal(again, p1);
    assert_true(p1 != p2);
    mvg_store_sample s[8];
    for (int i = 0; i < 8; i++)
        s[i] = (mvg_store_sample){i % 2 ? p2 : p1,
                                  {.ts_ms = 1000 * (i + 1), .value = i + 0.5, .quality = MVG_Q_GOOD}};
    s[3].s.value = NAN;
    s[3].s.quality = MVG_Q_EXCEPTION;
    s[3].s.exception_code = 2;
    assert_int_equal(mvg_store_add_samples(st, s, 8, err, sizeof err), 0);
    assert_int_equal(query_int("SELECT COUNT(*) FROM samples WHERE value IS NULL AND exc = 2 AND quality = 3"),
                     1);
    int64_t pruned = -1;
    /* now 12000, max age 10 s: ts 1000 goes (< 2000); then rows 8-1 = 7 > 5: 2 more */
    assert_int_equal(mvg_store_prune(st, 12000, &pruned, err, sizeof err), 0);
    assert_int_equal(pruned, 3);
    assert_int_equal(query_int("SELECT MIN(ts_ms) FROM samples"), 4000);
    assert_int_equal(mvg_store_prune(st, 12000, &pruned, err, sizeof err), 0);
    assert_int_equal(pruned, 0);
    mvg_store_status ss;
    assert_int_equal(mvg_store_get_status(st, &ss, err, sizeof err), 0);
    assert_int_equal(ss.samples, 5);
    assert_int_equal(ss.samples_pruned, 3);
    mvg_store_close(st);
}

/* The child's loop: one transaction = 10 samples + interval record + 2 outbox
 * entries + checkpoint. It resumes from the stored seq like the daemon. */
static void child_loop(int ready_fd)
{
    char e[256];
    mvg_store_opts o = {.gateway_id = "gw-crash"};
    mvg_store *st = mvg_store_open(db, &o, e, sizeof e);
    if (!st)
        _exit(3);
    int64_t pid = 0;
    if (mvg_store_point_id(st, "m", "kwh", &pid, e, sizeof e) < 0)
        _exit(4);
    if (write(ready_fd, "r", 1) != 1)
        _exit(5);
    for (;;) {
        int64_t seq = 0;
        char json[128], line[128];
        if (mvg_store_begin(st, e, sizeof e) < 0 || mvg_store_next_seq(st, "p", &seq, e, sizeof e) < 0)
            _exit(6);
        mvg_store_sample s[10];
        for (int i = 0; i < 10; i++)
            s[i] = (mvg_store_sample){pid, {.ts_ms = seq * 1000 + i, .value = (double)seq}};
        int n = snprintf(json, sizeof json, "{\"schema\":1,\"seq\":%lld}", (long long)seq);
        int m = snprintf(line, sizeof line, "iv,project=p seq=%lldi %lld\n", (long long)seq,
                         (long long)seq);
        mvg_store_interval rec = {"p", seq, seq * 1000, seq * 1000 + 1000, json, (size_t)n, 0};
        mvg_store_out outs[2] = {{"mqtt", MVG_OUT_INTERVAL, "interval/p", NULL, 0, 0},
                                 {"influx", MVG_OUT_INTERVAL, NULL, line, (size_t)m, 0}};
        if (mvg_store_add_samples(st, s, 10, e, sizeof e) < 0 ||
            mvg_store_add_interval(st, &rec, outs, 2, e, sizeof e) < 0 ||
            mvg_store_put_checkpoint(st, seq * 1000 + 1000, &seq, sizeof seq, e, sizeof e) < 0 ||
            mvg_store_commit(st, e, sizeof e) < 0)
            _exit(7);
    }
}

static void test_kill9_loop(void **state)
{
    (void)state;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int kills = 0;
    for (int round = 0; round < 25; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_loop(fds[1]);
        }
        close(fds[1]);
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1); /* the child has the database open */
        close(fds[0]);
        usleep((useconds_t)(rand() % 20000));
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* killed, not exited with an error of its own */
        assert_true(WIFSIGNALED(status));
        kills++;
    }
    assert_int_equal(kills, 25);

    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_store_close(st);
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(h);

    int64_t n = query_int("SELECT COUNT(*) FROM intervals WHERE project = 'p'");
    print_message("kill -9 loop: %d kills, %lld records committed\n", kills, (long long)n);
    assert_true(n > 0);
    /* seq 1..n without a gap or duplicate */
    assert_int_equal(query_int("SELECT MIN(seq) FROM intervals"), 1);
    assert_int_equal(query_int("SELECT MAX(seq) FROM intervals"), n);
    assert_int_equal(query_int("SELECT COUNT(DISTINCT seq) FROM intervals"), n);
    /* every record with its two outbox entries and its ten samples */
    assert_int_equal(query_int("SELECT COUNT(*) FROM intervals i WHERE (SELECT COUNT(*) FROM outbox o"
                               " WHERE o.interval_id = i.id AND o.publisher = 'mqtt') = 1"),
                     n);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE publisher = 'influx'"), n);
    assert_int_equal(query_int("SELECT COUNT(*) FROM samples"), 10 * n);
    assert_int_equal(query_int("SELECT entries FROM outbox_depth WHERE publisher = 'mqtt'"), n);
    /* the newest checkpoint is the newest record's */
    st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    void *cp = NULL;
    size_t len = 0;
    int64_t ts = 0, iid = 0, seq = 0;
    assert_int_equal(mvg_store_get_checkpoint(st, &cp, &len, &ts, &iid, err, sizeof err), 0);
    assert_int_equal(len, sizeof(int64_t));
    memcpy(&seq, cp, sizeof seq);
    free(cp);
    assert_int_equal(seq, n);
    assert_int_equal(ts, n * 1000 + 1000);
    assert_int_equal(mvg_store_seq_at(st, "p", iid, &seq, err, sizeof err), 0);
    assert_int_equal(seq, n);
    mvg_store_close(st);
}

/* The reserve rule: short of room below the reserve; once short, room
 * again only past a margin (a quarter of the reserve and 64 kB). */
static void test_reserve_rule(void **state)
{
    (void)state;
    const int64_t mb = 1048576;
    assert_false(mvg_store_room_short(5 * mb, 4 * mb, 0));
    assert_true(mvg_store_room_short(4 * mb - 1, 4 * mb, 0));
    assert_true(mvg_store_room_short(5 * mb, 4 * mb, 1)); /* inside the margin */
    assert_false(mvg_store_room_short(5 * mb + 65536, 4 * mb, 1));
    assert_false(mvg_store_room_short(0, 0, 0));         /* no reserve */
    assert_true(mvg_store_room_short(1000, 0, 1));       /* a full disk seen: 64 kB first */
    assert_false(mvg_store_room_short(65536, 0, 1));
    int64_t f = -1;
    assert_int_equal(mvg_store_free_bytes(dir, &f), 0);
    assert_true(f > 0);
}

/* Below the reserve the store refuses samples and telemetry (counted),
 * lets a status entry replace the undelivered ones, and still takes the
 * records with their outbox entries. */
static void test_reserve_refuses_samples_not_records(void **state)
{
    (void)state;
    mvg_store_opts o = {.reserve_bytes = INT64_MAX / 2};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    int64_t p = 0;
    assert_int_equal(mvg_store_point_id(st, "m", "kw", &p, err, sizeof err), 0);
    mvg_store_sample s[3] = {{p, {.ts_ms = 1, .value = 1}}, {p, {.ts_ms = 2, .value = 2}},
                             {p, {.ts_ms = 3, .value = 3}}};
    assert_int_equal(mvg_store_add_samples(st, s, 3, err, sizeof err), MVG_STORE_REFUSED);
    mvg_store_out tel = {"mqtt", MVG_OUT_TELEMETRY, "telemetry/m", "{}", 2, 0};
    mvg_store_out status = {"mqtt", MVG_OUT_STATUS, "status", "{\"n\":1}", 7, 1};
    assert_int_equal(mvg_store_add_outbox(st, &tel, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &status, 1, err, sizeof err), 0);
    status.payload = "{\"n\":2}";
    assert_int_equal(mvg_store_add_outbox(st, &status, 1, err, sizeof err), 0);
    mvg_store_out totals = {"mqtt", MVG_OUT_TOTALS, "totals/a", "{}", 2, 1};
    mvg_store_interval r = {"a", 1, 0, 900000, "{}", 2, 0};
    assert_int_equal(mvg_store_add_interval(st, &r, &totals, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_put_checkpoint(st, 900000, "x", 1, err, sizeof err), 0);
    mvg_store_room room;
    mvg_store_room_get(st, &room);
    assert_true(room.low);
    assert_true(room.low_since_ms > 0);
    assert_int_equal(room.samples_refused, 3);
    assert_int_equal(room.telemetry_refused, 1);
    mvg_store_close(st);
    assert_int_equal(query_int("SELECT COUNT(*) FROM samples"), 0);
    assert_int_equal(query_int("SELECT COUNT(*) FROM intervals"), 1);
    assert_int_equal(query_int("SELECT COUNT(*) FROM checkpoints"), 1);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE cls = 0"), 0);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE cls = 1"), 1);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE cls = 2"), 1);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE cls = 1 AND"
                               " CAST(payload AS TEXT) = '{\"n\":2}'"), 1);

    /* with room, the same calls store everything */
    mvg_store_opts roomy = {.reserve_bytes = 1};
    st = mvg_store_open(db, &roomy, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(mvg_store_add_samples(st, s, 3, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &tel, 1, err, sizeof err), 0);
    mvg_store_room_get(st, &room);
    assert_false(room.low);
    assert_int_equal(room.samples_refused, 0);
    mvg_store_close(st);
    assert_int_equal(query_int("SELECT COUNT(*) FROM samples"), 3);
    assert_int_equal(query_int("SELECT COUNT(*) FROM outbox WHERE cls = 0"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test_setup_teardown(test_reserve_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_refuses_samples_not_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_models_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_raw_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_size_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_loop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
