/*
 * hub_db.c: the storage interface (hub_db.h) over its two backends, and
 * the one schema, written once with the backends' two column types filled in.
 */
#include "hub_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "vec.h"

struct mvg_hub_db {
    const mvg_hub_db_backend_ops *ops;
    void *conn;
    int depth;                  /* begun and not yet committed (hub_db.h: they nest) */
    int nowait;                 /* the transaction's commit does not wait for the disk */
    char err[512];
};

/* %1$s: the auto-incremented key, %2$s: the blob type. */
static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS hub_records ("
    " id %1$s, gateway TEXT NOT NULL, project TEXT NOT NULL, chain BIGINT NOT NULL,"
    " hash TEXT NOT NULL, prev TEXT NOT NULL, kind TEXT NOT NULL, key_fp TEXT NOT NULL,"
    " payload %2$s NOT NULL, first_ms BIGINT NOT NULL, first_hub TEXT NOT NULL,"
    " verdict TEXT, detail TEXT, next_key TEXT, verified_ms BIGINT, verified_by TEXT,"
    " UNIQUE (gateway, project, chain, hash))",
    "CREATE INDEX IF NOT EXISTS hub_records_pending ON hub_records (gateway, project, chain)"
    " WHERE verdict IS NULL",
    "CREATE TABLE IF NOT EXISTS hub_messages ("
    " id %1$s, received_ms BIGINT NOT NULL, hub TEXT NOT NULL, topic TEXT NOT NULL,"
    " retained INTEGER NOT NULL, payload %2$s NOT NULL, gateway TEXT, kind TEXT, project TEXT,"
    " chain BIGINT, key_fp TEXT, record_id BIGINT, note TEXT)",
    /* a gateway's status messages (hub_report.c, its site); the index of
     * every message by (gateway, project, chain) that was here served no
     * query and cost an entry per message (bench_hub_ingest) */
    "DROP INDEX IF EXISTS hub_messages_pos",
    "CREATE INDEX IF NOT EXISTS hub_messages_status ON hub_messages (gateway)"
    " WHERE kind = 'status'",
    /* what the alert pass reads each time (hub_alert.c): positions by
     * receipt, the bad records, the model and definition records */
    "CREATE INDEX IF NOT EXISTS hub_records_first ON hub_records (first_ms)",
    "CREATE INDEX IF NOT EXISTS hub_records_bad ON hub_records (id) WHERE verdict <> 'ok'",
    /* the model and definition records (hub_alert.c, programme_data.c):
     * only the records that are not interval records, nearly all of them,
     * so an interval record costs no entry; the queries name the same
     * condition (kind <> 'interval') so that SQLite uses it. Replaces
     * hub_records_kind, which held every record. */
    "DROP INDEX IF EXISTS hub_records_kind",
    "CREATE INDEX IF NOT EXISTS hub_records_nonint ON hub_records (kind, verdict)"
    " WHERE kind <> 'interval'",
    "CREATE TABLE IF NOT EXISTS hub_keys ("
    " fingerprint TEXT PRIMARY KEY, pk TEXT NOT NULL, gateway TEXT, first_ms BIGINT NOT NULL)",
    /* alerts (hub_alert.h): ident is the alert's identity, so that two
     * instances raise it once (insert-or-ignore) */
    "CREATE TABLE IF NOT EXISTS hub_alerts ("
    " id %1$s, ident TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, severity TEXT NOT NULL,"
    " gateway TEXT NOT NULL, project TEXT, chain_from BIGINT, chain_to BIGINT, record_id BIGINT,"
    " topic TEXT NOT NULL, detail TEXT NOT NULL, raised_ms BIGINT NOT NULL,"
    " raised_by TEXT NOT NULL, cleared_ms BIGINT, cleared_by TEXT, published TEXT)",
    "CREATE INDEX IF NOT EXISTS hub_alerts_record ON hub_alerts (record_id)",
    "CREATE INDEX IF NOT EXISTS hub_alerts_open ON hub_alerts (kind, gateway)"
    " WHERE cleared_ms IS NULL",
    /* the last status of each gateway (online / offline), from its status topic */
    "CREATE TABLE IF NOT EXISTS hub_gateways ("
    " gateway TEXT PRIMARY KEY, state TEXT NOT NULL, will INTEGER NOT NULL,"
    " state_ms BIGINT NOT NULL)",
    /* signed, unchained head records (distinct bytes), checked by the alert pass */
    "CREATE TABLE IF NOT EXISTS hub_heads ("
    " id %1$s, gateway TEXT NOT NULL, project TEXT NOT NULL, hash TEXT NOT NULL,"
    " received_ms BIGINT NOT NULL, key_fp TEXT, payload %2$s NOT NULL, verdict TEXT,"
    " detail TEXT, UNIQUE (gateway, project, hash))",
    "CREATE INDEX IF NOT EXISTS hub_heads_pending ON hub_heads (id) WHERE verdict IS NULL",
    /* per project: the last good head */
    "CREATE TABLE IF NOT EXISTS hub_projects ("
    " gateway TEXT NOT NULL, project TEXT NOT NULL, head_id BIGINT NOT NULL,"
    " head_ms BIGINT NOT NULL, head_every_s BIGINT NOT NULL, head_chain BIGINT NOT NULL,"
    " PRIMARY KEY (gateway, project))",
    /* the programme's running sums, kept by the verification sweep (hub_tally.h) */
    "CREATE TABLE IF NOT EXISTS hub_tally_projects ("
    " gateway TEXT NOT NULL, project TEXT NOT NULL, ok_records BIGINT NOT NULL,"
    " ok_chain_max BIGINT NOT NULL, unread BIGINT NOT NULL, PRIMARY KEY (gateway, project))",
    "CREATE TABLE IF NOT EXISTS hub_tally_days ("
    " gateway TEXT NOT NULL, project TEXT NOT NULL, stream TEXT NOT NULL, day BIGINT NOT NULL,"
    " type TEXT NOT NULL, records BIGINT NOT NULL, m BIGINT NOT NULL,"
    " coverage DOUBLE PRECISION NOT NULL, adjusted_baseline DOUBLE PRECISION NOT NULL,"
    " actual DOUBLE PRECISION NOT NULL, adjustment DOUBLE PRECISION NOT NULL,"
    " savings DOUBLE PRECISION NOT NULL, kwh DOUBLE PRECISION NOT NULL,"
    " tj DOUBLE PRECISION NOT NULL, co2_t DOUBLE PRECISION NOT NULL,"
    " pollutant_kg DOUBLE PRECISION NOT NULL, water_m3 DOUBLE PRECISION NOT NULL,"
    " cost_hkd DOUBLE PRECISION NOT NULL, first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,"
    " last_id BIGINT NOT NULL, PRIMARY KEY (gateway, project, stream, day))",
};

static int create_schema(mvg_hub_db *db)
{
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++) {
        char sql[2048];
        snprintf(sql, sizeof sql, schema[i], db->ops->serial_key, db->ops->blob_type);
        if (mvg_hub_db_exec(db, sql, NULL, 0) < 0)
            return -1;
    }
    return 0;
}

mvg_hub_db *mvg_hub_db_open(const mvg_hub_db_cfg *cfg, char *err, size_t errlen)
{
    mvg_hub_db *db = calloc(1, sizeof *db);
    if (!db) {
        mvg_set_err(err, errlen, "out of memory");
        return NULL;
    }
    db->ops = cfg->backend == MVG_HUB_DB_POSTGRESQL ? &mvg_hub_db_pg_ops : &mvg_hub_db_sqlite_ops;
    db->conn = db->ops->open(cfg, err, errlen);
    if (!db->conn) {
        free(db);
        return NULL;
    }
    /* Two instances starting at once on one PostgreSQL may race on CREATE
     * ... IF NOT EXISTS (the catalogue's own unique index): a second try
     * finds the tables made. */
    for (int attempt = 0; create_schema(db) < 0; attempt++) {
        if (attempt == 3) {
            mvg_set_err(err, errlen, "%s: cannot create the tables: %s", db->ops->name, db->err);
            mvg_hub_db_close(db);
            return NULL;
        }
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    }
    return db;
}

void mvg_hub_db_close(mvg_hub_db *db)
{
    if (!db)
        return;
    db->ops->close(db->conn);
    free(db);
}

long mvg_hub_db_exec(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np)
{
    return db->ops->run(db->conn, sql, p, np, NULL, db->err, sizeof db->err);
}

mvg_hub_rows *mvg_hub_db_query(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np)
{
    mvg_hub_rows *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(db->err, sizeof db->err, "out of memory");
        return NULL;
    }
    if (db->ops->run(db->conn, sql, p, np, r, db->err, sizeof db->err) < 0) {
        mvg_hub_rows_free(r);
        return NULL;
    }
    return r;
}

const char *mvg_hub_db_error(const mvg_hub_db *db) { return db->err; }

/* After a transaction that did not wait: the connection's commits wait
 * for the disk again. */
static int waits_again(mvg_hub_db *db)
{
    if (!db->nowait)
        return 0;
    db->nowait = 0;
    return db->ops->commits_wait ? db->ops->commits_wait(db->conn, 1, db->err, sizeof db->err)
                                 : 0;
}

int mvg_hub_db_begin(mvg_hub_db *db)
{
    if (db->depth++ > 0)
        return 0; /* inside the caller's transaction: part of it */
    if (mvg_hub_db_exec(db, "BEGIN", NULL, 0) < 0) {
        db->depth = 0;
        return -1;
    }
    return 0;
}

int mvg_hub_db_begin_nowait(mvg_hub_db *db)
{
    if (db->depth > 0) {
        snprintf(db->err, sizeof db->err, "a transaction that does not wait, begun inside one");
        return -1;
    }
    if (db->ops->commits_wait && db->ops->commits_wait(db->conn, 0, db->err, sizeof db->err) < 0)
        return -1;
    db->nowait = 1;
    if (mvg_hub_db_begin(db) < 0) {
        waits_again(db);
        return -1;
    }
    return 0;
}

int mvg_hub_db_commit(mvg_hub_db *db)
{
    if (db->depth > 1) {
        db->depth--; /* the outermost commit commits it all */
        return 0;
    }
    db->depth = 0;
    int rc = mvg_hub_db_exec(db, "COMMIT", NULL, 0) < 0 ? -1 : 0;
    if (rc == 0 && waits_again(db) < 0)
        return -1; /* committed, but the next commits would not wait */
    return rc;
}

void mvg_hub_db_rollback(mvg_hub_db *db)
{
    char keep[sizeof db->err];
    memcpy(keep, db->err, sizeof keep); /* the error that made us roll back */
    mvg_hub_db_exec(db, "ROLLBACK", NULL, 0); /* also after a COMMIT that failed */
    db->depth = 0;
    waits_again(db);
    memcpy(db->err, keep, sizeof keep);
}

int mvg_hub_db_sync(mvg_hub_db *db, char *err, size_t errlen)
{
    return db->ops->sync ? db->ops->sync(db->conn, err, errlen) : 0;
}

size_t mvg_hub_rows_count(const mvg_hub_rows *r) { return r ? r->n : 0; }

const char *mvg_hub_rows_blob(const mvg_hub_rows *r, size_t i, int col, size_t *len)
{
    size_t k = i * r->ncols + (size_t)col;
    if (len)
        *len = r->cell[k] ? r->len[k] : 0;
    return r->cell[k];
}

const char *mvg_hub_rows_text(const mvg_hub_rows *r, size_t i, int col)
{
    return mvg_hub_rows_blob(r, i, col, NULL);
}

int64_t mvg_hub_rows_int(const mvg_hub_rows *r, size_t i, int col)
{
    const char *s = mvg_hub_rows_text(r, i, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

void mvg_hub_rows_free(mvg_hub_rows *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->filled; k++)
        free(r->cell[k]);
    free(r->cell);
    free(r->len);
    free(r);
}

int mvg_hub_rows_push(mvg_hub_rows *r, const void *data, size_t len, int is_null)
{
    if (r->filled == r->cap) {
        size_t cap = r->cap;
        char **cell = mvg_vec_reserve(r->cell, r->filled, &cap, sizeof *cell, 64);
        if (!cell)
            return -1;
        r->cell = cell;
        size_t cap2 = r->cap;
        size_t *len2 = mvg_vec_reserve(r->len, r->filled, &cap2, sizeof *len2, 64);
        if (!len2)
            return -1;
        r->len = len2;
        r->cap = cap < cap2 ? cap : cap2;
    }
    char *c = NULL;
    if (!is_null) {
        c = malloc(len + 1);
        if (!c)
            return -1;
        if (len)
            memcpy(c, data, len);
        c[len] = '\0';
    }
    r->cell[r->filled] = c;
    r->len[r->filled] = len;
    r->filled++;
    if (r->ncols && r->filled % r->ncols == 0)
        r->n = r->filled / r->ncols;
    return 0;
}
