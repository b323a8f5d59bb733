/*
 * store_schema.c: the store's tables (docs/store.md), created or migrated on
 * open by whichever connection comes first (the store or an outbox), and the
 * outbox figures both of them report, and the outbox changes both of them
 * make outside the write path: an operator's resend request and
 * acknowledgement of drops.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "store.h"

/* Version 1. The outbox depth is kept by triggers so that the size bound is
 * checked in O(1) on every append, whichever connection acks. AUTOINCREMENT
 * on outbox.id: a publisher's cursor must never see an id again after the
 * newest entry was purged. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS points(id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
    " point TEXT NOT NULL, UNIQUE(device, point));"
    "CREATE TABLE IF NOT EXISTS samples(id INTEGER PRIMARY KEY, point_id INTEGER NOT NULL,"
    " ts_ms INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, exc INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS samples_ts ON samples(ts_ms);"
    "CREATE TABLE IF NOT EXISTS intervals(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " seq INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, payload TEXT NOT NULL, UNIQUE(project, seq));"
    "CREATE INDEX IF NOT EXISTS intervals_start ON intervals(start_ms);"
    "CREATE TABLE IF NOT EXISTS models(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " version INTEGER NOT NULL, created_ms INTEGER NOT NULL, payload TEXT NOT NULL,"
    " UNIQUE(project, version));"
    "CREATE TABLE IF NOT EXISTS checkpoints(id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
    " interval_id INTEGER NOT NULL, created_ms INTEGER NOT NULL, state BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " publisher TEXT NOT NULL, cls INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB,"
    " interval_id INTEGER, model_id INTEGER, bytes INTEGER NOT NULL, retained INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(publisher, id) WHERE delivered = 0;"
    "CREATE INDEX IF NOT EXISTS outbox_drop ON outbox(publisher, cls, id) WHERE delivered = 0;"
    "CREATE TABLE IF NOT EXISTS outbox_depth(publisher TEXT PRIMARY KEY,"
    " entries INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox_drops(publisher TEXT NOT NULL, cls INTEGER NOT NULL,"
    " count INTEGER NOT NULL, PRIMARY KEY(publisher, cls)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS outbox_ins AFTER INSERT ON outbox BEGIN"
    " INSERT OR IGNORE INTO outbox_depth VALUES(new.publisher, 0, 0);"
    " UPDATE outbox_depth SET entries = entries + 1, bytes = bytes + new.bytes"
    "  WHERE publisher = new.publisher; END;"
    "CREATE TRIGGER IF NOT EXISTS outbox_ack AFTER UPDATE OF delivered ON outbox"
    " WHEN old.delivered = 0 AND new.delivered <> 0 BEGIN"
    " UPDATE outbox_depth SET entries = entries - 1, bytes = bytes - old.bytes"
    "  WHERE publisher = old.publisher; END;"
    "CREATE TRIGGER IF NOT EXISTS outbox_del AFTER DELETE ON outbox WHEN old.delivered = 0 BEGIN"
    " UPDATE outbox_depth SET entries = entries - 1, bytes = bytes - old.bytes"
    "  WHERE publisher = old.publisher; END;";

/* Version 2: the signed chain of each project holds interval, model and
 * key-rotation records (chain.h); `chain` is a record's position in it.
 * Rows of a version-1 store keep chain NULL: they were signed under the
 * interval-only chain and are not part of the new one, which starts at 1. */
static const char schema_v2[] =
    "ALTER TABLE intervals ADD COLUMN chain INTEGER;"
    "ALTER TABLE models ADD COLUMN chain INTEGER;"
    "CREATE UNIQUE INDEX IF NOT EXISTS intervals_chain ON intervals(project, chain);"
    "CREATE UNIQUE INDEX IF NOT EXISTS models_chain ON models(project, chain);"
    "CREATE TABLE IF NOT EXISTS key_records(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " chain INTEGER NOT NULL, created_ms INTEGER NOT NULL, payload TEXT NOT NULL,"
    " UNIQUE(project, chain));";

/* Version 3: new-chain records (chain.h), which begin a project's chain
 * again at 1 after the store that held it was lost. */
static const char schema_v3[] =
    "CREATE TABLE IF NOT EXISTS newchain_records(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " chain INTEGER NOT NULL, created_ms INTEGER NOT NULL, payload TEXT NOT NULL,"
    " UNIQUE(project, chain));";

/* Version 4: nothing refused is forgotten. An entry the publisher's peer
 * refused (an MQTT 5 PUBACK reason >= 0x80, an InfluxDB 400) stays
 * undelivered, parked: with the time, the peer's code and its words, not
 * fetched again until it is unparked (retry time, start, reload, `mvgate
 * outbox resend`). Rows of an older store are not parked (NULL). */
static const char schema_v4[] =
    "ALTER TABLE outbox ADD COLUMN parked_ms INTEGER;"
    "ALTER TABLE outbox ADD COLUMN parked_code INTEGER;"
    "ALTER TABLE outbox ADD COLUMN parked_reason TEXT;"
    "CREATE INDEX IF NOT EXISTS outbox_parked ON outbox(publisher, id)"
    " WHERE delivered = 0 AND parked_ms IS NOT NULL;";

/* Version 5: project definition records (records/definition.h), chained
 * like the others; version numbers the project's definitions 1, 2, ... and
 * digest is the SHA-256 of the content without its volatile members, so
 * that a start compares without rebuilding the stored record. */
static const char schema_v5[] =
    "CREATE TABLE IF NOT EXISTS definition_records(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " chain INTEGER NOT NULL, version INTEGER NOT NULL, digest TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, payload TEXT NOT NULL,"
    " UNIQUE(project, chain), UNIQUE(project, version));";

/* Version 6: head records (records/head.h), not chained: each names the
 * chain position (head) of the project's last record when it was written. */
static const char schema_v6[] =
    "CREATE TABLE IF NOT EXISTS heads(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " head INTEGER NOT NULL, time_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " payload TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS heads_head ON heads(project, head);";

/* Version 7: a sample's exact raw value besides its double (base/sample.h):
 * raw_kind 1 (int64) with raw the INTEGER; 2 (uint64) with raw the INTEGER
 * up to 2^63 - 1 and its decimal TEXT above (SQLite integers are signed);
 * 3 (a string point) with raw the TEXT. NULL for every other sample, and for
 * the rows of an older store, which kept only the double. */
static const char schema_v7[] =
    "ALTER TABLE samples ADD COLUMN raw;"
    "ALTER TABLE samples ADD COLUMN raw_kind INTEGER;";

int mvg_store_schema_apply(struct sqlite3 *db, const char *gateway_id, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    sqlite3_stmt *q = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version < 0) {
        msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        goto fail_rollback;
    }
    if (version > MVG_STORE_SCHEMA_VERSION) {
        msg = sqlite3_mprintf("schema version %d is newer than this program's (%d): upgrade mvgate",
                              version, MVG_STORE_SCHEMA_VERSION);
        goto fail_rollback;
    }
    /* Every table of version 1, created only where missing: a store of an
     * older version that lacks one (an outbox never written) gets it in its
     * version-1 form, which the migrations below then alter. */
    if (version < 3 && sqlite3_exec(db, schema_v1, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 1) {
        long long now = mvg_clock_real_ms();
        char *meta = sqlite3_mprintf(
            "INSERT OR IGNORE INTO meta VALUES('gateway_id', %Q);"
            "INSERT OR IGNORE INTO meta VALUES('created_ms', %lld);"
            "INSERT OR IGNORE INTO meta VALUES('samples_pruned', 0);",
            gateway_id ? gateway_id : "", now);
        int rc = sqlite3_exec(db, meta, NULL, NULL, &msg);
        sqlite3_free(meta);
        if (rc != SQLITE_OK)
            goto fail_rollback;
    }
    if (version < 2 && sqlite3_exec(db, schema_v2, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 3 && sqlite3_exec(db, schema_v3, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 4 && sqlite3_exec(db, schema_v4, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 5 && sqlite3_exec(db, schema_v5, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 6 && sqlite3_exec(db, schema_v6, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < 7 && sqlite3_exec(db, schema_v7, NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    if (version < MVG_STORE_SCHEMA_VERSION) {
        char *set = sqlite3_mprintf("PRAGMA user_version = %d;", MVG_STORE_SCHEMA_VERSION);
        int rc = sqlite3_exec(db, set, NULL, NULL, &msg);
        sqlite3_free(set);
        if (rc != SQLITE_OK)
            goto fail_rollback;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
        goto fail_rollback;
    return 0;
fail_rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
    snprintf(err, errlen, "store schema: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

int mvg_store_outbox_stats_db(struct sqlite3 *db, const char *publisher, mvg_outbox_stats *out,
                              char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    static const char *const sql[] = {
        "SELECT entries, 0 FROM outbox_depth WHERE publisher = ?1",
        "SELECT created_ms, 0 FROM outbox WHERE publisher = ?1 AND delivered = 0 ORDER BY id LIMIT 1",
        "SELECT cls, count FROM outbox_drops WHERE publisher = ?1",
        ("SELECT count(*), COALESCE(min(parked_ms), 0) FROM outbox WHERE publisher = ?1"
         " AND delivered = 0 AND parked_ms IS NOT NULL"),
        "SELECT value, 0 FROM meta WHERE key = 'drops_acked.' || ?1",
    };
    for (int i = 0; i < 5; i++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql[i], -1, &q, NULL) != SQLITE_OK)
            goto fail;
        sqlite3_bind_text(q, 1, publisher, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            int64_t a = sqlite3_column_int64(q, 0), b = sqlite3_column_int64(q, 1);
            if (i == 0)
                out->depth = (uint64_t)a;
            else if (i == 1)
                out->oldest_ms = a;
            else if (i == 2 && a >= 0 && a <= MVG_OUT_INTERVAL)
                out->dropped[a] = (uint64_t)b;
            else if (i == 3) {
                out->parked = (uint64_t)a;
                out->parked_oldest_ms = b;
            } else if (i == 4)
                out->dropped_acked = (uint64_t)a;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "outbox stats of '%s': %s", publisher, sqlite3_errmsg(db));
    return -1;
}

const char *mvg_outbox_class_name(mvg_out_class cls)
{
    static const char *const names[] = {"telemetry", "status", "totals", "model", "interval"};
    return cls >= MVG_OUT_TELEMETRY && cls <= MVG_OUT_INTERVAL ? names[cls] : "?";
}

uint64_t mvg_outbox_drops_unacked(const mvg_outbox_stats *st)
{
    uint64_t all = 0;
    for (int c = 0; c <= MVG_OUT_INTERVAL; c++)
        all += st->dropped[c];
    return all > st->dropped_acked ? all - st->dropped_acked : 0;
}

int mvg_store_outbox_request_db(struct sqlite3 *db, const char *publisher, int what, char *err,
                                size_t errlen)
{
    /* resend: a generation the publisher compares with the one it last
     * saw; drops: the total dropped so far is the acknowledged total. */
    static const char *const sql[] = {
        "INSERT INTO meta VALUES('resend.' || ?1, 1) ON CONFLICT(key)"
        " DO UPDATE SET value = value + 1",
        "INSERT OR REPLACE INTO meta VALUES('drops_acked.' || ?1,"
        " (SELECT COALESCE(sum(count), 0) FROM outbox_drops WHERE publisher = ?1))",
    };
    sqlite3_stmt *q = NULL;
    int rc = what < 0 || what > 1 ? SQLITE_MISUSE
                                  : sqlite3_prepare_v2(db, sql[what], -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, publisher, -1, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "outbox '%s': %s: %s", publisher,
                 what == 0 ? "resend request" : "acknowledging drops", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}
