/*
 * store.c: the durable store (store.h) on one SQLite connection: opening,
 * transactions, every write and the pruning. The reads are store_read.c.
 */
#include "store.h"
#include "store_db.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

int mvg_store_path(const char *data_dir, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/mvgate.db", data_dir);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* PRAGMA quick_check on a read-only connection of its own, before the
 * read-write one could change the file (WAL recovery, schema migration):
 * a damaged store must stay as it was for mvgate store recover. A missing
 * file passes (the store creates it). The first problems found are named. */
static int check_db(const char *path, char *err, size_t errlen)
{
    if (access(path, F_OK) != 0)
        return 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    char first[256] = "";
    int problems = 0, rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(100)", -1, &q, NULL);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW)
            break;
        const char *row = (const char *)sqlite3_column_text(q, 0);
        if (row && strcmp(row, "ok") == 0)
            continue;
        if (problems++ == 0)
            snprintf(first, sizeof first, "%s", row ? row : "?");
    }
    if (rc != SQLITE_DONE && problems++ == 0)
        snprintf(first, sizeof first, "%s", db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (problems == 0)
        return 0;
    char more[48] = "";
    if (problems > 1)
        snprintf(more, sizeof more, "; %d%s problems in all", problems,
                 problems >= 100 ? " or more" : "");
    snprintf(err, errlen,
             "store: %s is damaged (quick_check: %s%s). Nothing was changed in it. Stop here and"
             " salvage what is readable with `mvgate store recover -c CONFIG` (CONFIG: this"
             " gateway's configuration file), then do what it prints",
             path, first, more);
    return -1;
}

mvg_store *mvg_store_open(const char *path, const mvg_store_opts *opts, char *err, size_t errlen)
{
    if (opts && opts->check && check_db(path, err, errlen) != 0)
        return NULL;
    mvg_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "store: out of memory");
        return NULL;
    }
    if (opts)
        st->opts = *opts;
    if (st->opts.busy_timeout_ms <= 0)
        st->opts.busy_timeout_ms = 5000;
    if (st->opts.checkpoints_keep <= 0)
        st->opts.checkpoints_keep = 3;
    int flags = st->opts.read_only ? SQLITE_OPEN_READONLY
                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "store: cannot open database %s: %s%s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory",
                 st->opts.read_only ? " (does it exist? mvgated creates it on first run)" : "");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, st->opts.busy_timeout_ms);
    if (st->opts.read_only) {
        sqlite3_stmt *q = mvg_store_prep(st, "PRAGMA user_version", err, errlen);
        int v = q && sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
        sqlite3_finalize(q);
        if (v != MVG_STORE_SCHEMA_VERSION) {
            snprintf(err, errlen, "store: %s is not an mvgate database of schema %d (found %d)",
                     path, MVG_STORE_SCHEMA_VERSION, v);
            goto fail;
        }
        return st;
    }
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-256;",
             st->opts.sync_full ? "FULL" : "NORMAL");
    char *msg = NULL;
    if (sqlite3_exec(st->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "store: %s: %s", path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        goto fail;
    }
    if (mvg_store_schema_apply(st->db, st->opts.gateway_id, err, errlen) < 0 ||
        mvg_store_room_wal(st, err, errlen) < 0)
        goto fail;
    st->path = strdup(path);
    if (!st->path) {
        snprintf(err, errlen, "store: out of memory");
        goto fail;
    }
    mvg_store_room_check(st);
    return st;
fail:
    mvg_store_close(st);
    return NULL;
}

void mvg_store_close(mvg_store *st)
{
    if (!st)
        return;
    if (st->in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    mvg_store_hot_release(st);
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

int mvg_store_begin(mvg_store *st, char *err, size_t errlen)
{
    if (st->in_txn) {
        snprintf(err, errlen, "store: a transaction is already open");
        return -1;
    }
    sqlite3_stmt *q = mvg_store_hot(st, "BEGIN IMMEDIATE", err, errlen);
    if (!q)
        return -1;
    if (sqlite3_step(q) != SQLITE_DONE) {
        mvg_store_dberr(st, err, errlen, "begin");
        sqlite3_reset(q);
        return -1;
    }
    sqlite3_reset(q);
    st->in_txn = 1;
    return 0;
}

int mvg_store_commit(mvg_store *st, char *err, size_t errlen)
{
    if (!st->in_txn) {
        snprintf(err, errlen, "store: commit without begin");
        return -1;
    }
    sqlite3_stmt *q = mvg_store_hot(st, "COMMIT", err, errlen);
    if (!q || sqlite3_step(q) != SQLITE_DONE) {
        if (q) {
            mvg_store_dberr(st, err, errlen, "commit");
            sqlite3_reset(q);
        }
        mvg_store_rollback(st);
        return -1;
    }
    sqlite3_reset(q);
    st->in_txn = 0;
    return 0;
}

void mvg_store_rollback(mvg_store *st)
{
    if (st && st->in_txn) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_txn = 0;
    }
}

/* Single calls outside begin/commit get their own transaction. */
static int auto_begin(mvg_store *st, int *own, char *err, size_t errlen)
{
    *own = !st->in_txn;
    return *own ? mvg_store_begin(st, err, errlen) : 0;
}

static int auto_end(mvg_store *st, int own, int rc, char *err, size_t errlen)
{
    if (!own)
        return rc;
    if (rc < 0) {
        mvg_store_rollback(st);
        return rc;
    }
    return mvg_store_commit(st, err, errlen);
}

/* Drops undelivered entries of publisher, lowest class first and oldest
 * first within a class, until its outbox fits the bound; counts each drop. */
static int enforce_bound(mvg_store *st, const char *publisher, char *err, size_t errlen)
{
    int64_t maxe = st->opts.outbox_max_entries, maxb = st->opts.outbox_max_bytes;
    if (maxe <= 0 && maxb <= 0)
        return 0;
    sqlite3_stmt *depth = mvg_store_hot(st, "SELECT entries, bytes FROM outbox_depth WHERE publisher = ?1",
                               err, errlen);
    sqlite3_stmt *victim = depth ? mvg_store_hot(st,
                                "SELECT id, cls FROM outbox WHERE publisher = ?1 AND delivered = 0"
                                " ORDER BY cls, id LIMIT 1",
                                err, errlen) : NULL;
    sqlite3_stmt *del = victim ? mvg_store_hot(st, "DELETE FROM outbox WHERE id = ?1", err, errlen) : NULL;
    sqlite3_stmt *count = del ? mvg_store_hot(st,
                               "INSERT INTO outbox_drops VALUES(?1, ?2, 1) ON CONFLICT(publisher, cls)"
                               " DO UPDATE SET count = count + 1",
                               err, errlen) : NULL;
    int rc = -1;
    if (!count)
        return -1;
    sqlite3_bind_text(depth, 1, publisher, -1, SQLITE_STATIC);
    sqlite3_bind_text(victim, 1, publisher, -1, SQLITE_STATIC);
    sqlite3_bind_text(count, 1, publisher, -1, SQLITE_STATIC);
    for (;;) {
        if (sqlite3_step(depth) != SQLITE_ROW) {
            rc = 0; /* no entry yet */
            break;
        }
        int64_t e = sqlite3_column_int64(depth, 0), b = sqlite3_column_int64(depth, 1);
        sqlite3_reset(depth);
        if ((maxe <= 0 || e <= maxe) && (maxb <= 0 || b <= maxb)) {
            rc = 0;
            break;
        }
        if (sqlite3_step(victim) != SQLITE_ROW) {
            rc = 0;
            break;
        }
        int64_t id = sqlite3_column_int64(victim, 0);
        int cls = sqlite3_column_int(victim, 1);
        sqlite3_reset(victim);
        sqlite3_bind_int64(del, 1, id);
        sqlite3_bind_int(count, 2, cls);
        int r1 = sqlite3_step(del), r2 = sqlite3_step(count);
        sqlite3_reset(del);
        sqlite3_reset(count);
        if (r1 != SQLITE_DONE || r2 != SQLITE_DONE) {
            mvg_store_dberr(st, err, errlen, "outbox bound");
            break;
        }
    }
    sqlite3_reset(depth);
    sqlite3_reset(victim);
    return rc;
}

/* ref_col: "interval_id" or "model_id" for entries whose payload is NULL. */
static int insert_outs(mvg_store *st, const mvg_store_out *outs, size_t nouts, int64_t ref_id,
                       int ref_model, size_t ref_len, char *err, size_t errlen)
{
    if (nouts == 0)
        return 0;
    sqlite3_stmt *q = mvg_store_hot(st,
                           "INSERT INTO outbox(publisher, cls, topic, payload, interval_id, model_id,"
                           " bytes, retained, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           err, errlen);
    if (!q)
        return -1;
    int64_t now = mvg_clock_real_ms();
    int rc = 0;
    for (size_t i = 0; i < nouts && rc == 0; i++) {
        const mvg_store_out *o = &outs[i];
        if (!o->publisher || !*o->publisher || (int)o->cls < 0 || o->cls > MVG_OUT_INTERVAL ||
            (!o->payload && ref_id <= 0)) {
            snprintf(err, errlen, "store: outbox entry %zu: publisher, class 0..4 and a payload"
                     " (or a record to reference) are required", i);
            rc = -1;
            break;
        }
        sqlite3_bind_text(q, 1, o->publisher, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, (int)o->cls);
        sqlite3_bind_text(q, 3, o->topic ? o->topic : "", -1, SQLITE_STATIC);
        if (o->payload) {
            sqlite3_bind_blob64(q, 4, o->payload, o->len, SQLITE_STATIC);
            sqlite3_bind_null(q, 5);
            sqlite3_bind_null(q, 6);
            sqlite3_bind_int64(q, 7, (sqlite3_int64)o->len);
        } else {
            sqlite3_bind_null(q, 4);
            if (ref_model) {
                sqlite3_bind_null(q, 5);
                sqlite3_bind_int64(q, 6, ref_id);
            } else {
                sqlite3_bind_int64(q, 5, ref_id);
                sqlite3_bind_null(q, 6);
            }
            sqlite3_bind_int64(q, 7, (sqlite3_int64)ref_len);
        }
        sqlite3_bind_int(q, 8, o->retained ? 1 : 0);
        sqlite3_bind_int64(q, 9, now);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "outbox insert");
        sqlite3_reset(q);
        if (rc == 0)
            rc = enforce_bound(st, o->publisher, err, errlen);
    }
    return rc;
}

/* Short of room, a status entry supersedes its publisher's undelivered
 * ones: a broker away for days must not fill the reserve with statuses
 * nobody will read (not a drop: the newest says all they said). */
static int supersede_status(mvg_store *st, const char *publisher, char *err, size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "DELETE FROM outbox WHERE publisher = ?1 AND cls = ?2"
                                     " AND delivered = 0 AND parked_ms IS NULL",
                                     err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, publisher, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, MVG_OUT_STATUS);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : mvg_store_dberr(st, err, errlen, "status entry");
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_add_outbox(mvg_store *st, const mvg_store_out *outs, size_t nouts, char *err,
                         size_t errlen)
{
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    int low = mvg_store_room_check(st), rc = 0;
    for (size_t i = 0; i < nouts && rc == 0; i++) {
        if (low && outs[i].cls == MVG_OUT_TELEMETRY) {
            st->telemetry_refused++;
            continue;
        }
        if (low && outs[i].cls == MVG_OUT_STATUS && outs[i].publisher)
            rc = supersede_status(st, outs[i].publisher, err, errlen);
        if (rc == 0)
            rc = insert_outs(st, &outs[i], 1, 0, 0, 0, err, errlen);
        if (rc != 0 && outs[i].cls == MVG_OUT_TELEMETRY && st->low)
            st->telemetry_refused++; /* it found the disk full */
    }
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_point_id(mvg_store *st, const char *device, const char *point, int64_t *id,
                       char *err, size_t errlen)
{
    sqlite3_stmt *ins = mvg_store_prep(st, "INSERT OR IGNORE INTO points(device, point) VALUES(?1, ?2)", err,
                             errlen);
    sqlite3_stmt *sel = mvg_store_prep(st, "SELECT id FROM points WHERE device = ?1 AND point = ?2", err,
                             errlen);
    int rc = -1;
    if (ins && sel) {
        sqlite3_bind_text(ins, 1, device, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, point, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 1, device, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, point, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) == SQLITE_DONE && sqlite3_step(sel) == SQLITE_ROW) {
            *id = sqlite3_column_int64(sel, 0);
            rc = 0;
        } else {
            mvg_store_dberr(st, err, errlen, "point id");
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return rc;
}

/* The sample's exact raw value into parameters n (raw) and n + 1
 * (raw_kind), as schema version 7 keeps them (store_schema.c). */
static void bind_raw(sqlite3_stmt *q, int n, const mvg_sample *s)
{
    char digits[MVG_SAMPLE_DIGITS];
    switch (s->raw_kind) {
    case MVG_RAW_INT:
        sqlite3_bind_int64(q, n, s->raw_i);
        break;
    case MVG_RAW_UINT:
        if (s->raw_u <= (uint64_t)INT64_MAX)
            sqlite3_bind_int64(q, n, (int64_t)s->raw_u);
        else if (mvg_sample_raw_digits(s, digits) > 0)
            sqlite3_bind_text(q, n, digits, -1, SQLITE_TRANSIENT);
        break;
    case MVG_RAW_TEXT:
        if (s->text) {
            sqlite3_bind_text(q, n, s->text, -1, SQLITE_STATIC);
            break;
        }
        sqlite3_bind_null(q, n);
        sqlite3_bind_null(q, n + 1);
        return;
    default:
        sqlite3_bind_null(q, n);
        sqlite3_bind_null(q, n + 1);
        return;
    }
    sqlite3_bind_int(q, n + 1, s->raw_kind);
}

int mvg_store_add_samples(mvg_store *st, const mvg_store_sample *s, size_t n, char *err,
                          size_t errlen)
{
    if (mvg_store_room_check(st)) {
        st->samples_refused += n;
        return MVG_STORE_REFUSED;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    sqlite3_stmt *q = mvg_store_hot(st,
                           "INSERT INTO samples(point_id, ts_ms, value, quality, exc, raw,"
                           " raw_kind) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           err, errlen);
    int rc = q ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_int64(q, 1, s[i].point_id);
        sqlite3_bind_int64(q, 2, s[i].s.ts_ms);
        if (isfinite(s[i].s.value))
            sqlite3_bind_double(q, 3, s[i].s.value);
        else
            sqlite3_bind_null(q, 3);
        sqlite3_bind_int(q, 4, (int)s[i].s.quality);
        sqlite3_bind_int(q, 5, s[i].s.exception_code);
        bind_raw(q, 6, &s[i].s);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "sample insert");
        sqlite3_reset(q);
    }
    if (rc != 0 && st->low)
        st->samples_refused += n; /* the insert found the disk full */
    return auto_end(st, own, rc, err, errlen);
}

static int next_num(mvg_store *st, const char *sql, const char *project, int64_t *out, char *err,
                    size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q) == SQLITE_ROW ? 0 : mvg_store_dberr(st, err, errlen, "next number");
    if (rc == 0)
        *out = sqlite3_column_int64(q, 0) + 1;
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_next_seq(mvg_store *st, const char *project, int64_t *seq, char *err, size_t errlen)
{
    return next_num(st, "SELECT COALESCE(MAX(seq), 0) FROM intervals WHERE project = ?1", project,
                    seq, err, errlen);
}

static void bind_chain(sqlite3_stmt *q, int col, int64_t chain)
{
    if (chain > 0)
        sqlite3_bind_int64(q, col, chain);
    else
        sqlite3_bind_null(q, col);
}

int mvg_store_add_interval(mvg_store *st, const mvg_store_interval *rec, const mvg_store_out *outs,
                           size_t nouts, char *err, size_t errlen)
{
    if (!rec->project || !*rec->project || !rec->payload) {
        snprintf(err, errlen, "store: an interval record needs a project and a payload");
        return -1;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    int64_t next = 0;
    int rc = mvg_store_next_seq(st, rec->project, &next, err, errlen);
    if (rc == 0 && rec->seq != next) {
        snprintf(err, errlen, "store: project '%s': record seq %lld, expected %lld", rec->project,
                 (long long)rec->seq, (long long)next);
        rc = -1;
    }
    sqlite3_stmt *q = rc == 0 ? mvg_store_prep(st,
                                     "INSERT INTO intervals(project, seq, start_ms, end_ms,"
                                     " created_ms, payload, chain)"
                                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                     err, errlen)
                              : NULL;
    if (rc == 0 && !q)
        rc = -1;
    if (rc == 0) {
        sqlite3_bind_text(q, 1, rec->project, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, rec->seq);
        sqlite3_bind_int64(q, 3, rec->start_ms);
        sqlite3_bind_int64(q, 4, rec->end_ms);
        sqlite3_bind_int64(q, 5, mvg_clock_real_ms());
        sqlite3_bind_text64(q, 6, rec->payload, rec->len, SQLITE_STATIC, SQLITE_UTF8);
        bind_chain(q, 7, rec->chain);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "interval insert");
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = insert_outs(st, outs, nouts, sqlite3_last_insert_rowid(st->db), 0, rec->len, err,
                         errlen);
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_add_model(mvg_store *st, const char *project, const char *json, size_t len,
                        int64_t chain, const mvg_store_out *outs, size_t nouts, int64_t *version,
                        char *err, size_t errlen)
{
    if (!project || !*project || !json) {
        snprintf(err, errlen, "store: a model needs a project and its JSON");
        return -1;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    int64_t v = 0;
    int rc = next_num(st, "SELECT COALESCE(MAX(version), 0) FROM models WHERE project = ?1",
                      project, &v, err, errlen);
    sqlite3_stmt *q = rc == 0 ? mvg_store_prep(st,
                                     "INSERT INTO models(project, version, created_ms, payload,"
                                     " chain) VALUES(?1, ?2, ?3, ?4, ?5)",
                                     err, errlen)
                              : NULL;
    if (rc == 0 && !q)
        rc = -1;
    if (rc == 0) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, v);
        sqlite3_bind_int64(q, 3, mvg_clock_real_ms());
        sqlite3_bind_text64(q, 4, json, len, SQLITE_STATIC, SQLITE_UTF8);
        bind_chain(q, 5, chain);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "model insert");
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = insert_outs(st, outs, nouts, sqlite3_last_insert_rowid(st->db), 1, len, err, errlen);
    if (rc == 0 && version)
        *version = v;
    return auto_end(st, own, rc, err, errlen);
}

/* A chained record that is neither interval nor model: insert_sql puts
 * (project, chain, created_ms, payload) into its table; what names it in
 * errors. */
static int add_chained_other(mvg_store *st, const char *what, const char *insert_sql,
                             const char *project, int64_t chain, const char *json, size_t len,
                             const mvg_store_out *outs, size_t nouts, char *err, size_t errlen)
{
    if (!project || !*project || !json || chain < 1) {
        snprintf(err, errlen, "store: a %s needs a project, a chain position and its JSON", what);
        return -1;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    sqlite3_stmt *q = mvg_store_prep(st, insert_sql, err, errlen);
    int rc = q ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, chain);
        sqlite3_bind_int64(q, 3, mvg_clock_real_ms());
        sqlite3_bind_text64(q, 4, json, len, SQLITE_STATIC, SQLITE_UTF8);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, what);
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = insert_outs(st, outs, nouts, 0, 0, 0, err, errlen);
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_add_key_record(mvg_store *st, const char *project, int64_t chain, const char *json,
                             size_t len, const mvg_store_out *outs, size_t nouts, char *err,
                             size_t errlen)
{
    return add_chained_other(st, "key record",
                             "INSERT INTO key_records(project, chain, created_ms, payload)"
                             " VALUES(?1, ?2, ?3, ?4)",
                             project, chain, json, len, outs, nouts, err, errlen);
}

int mvg_store_add_newchain_record(mvg_store *st, const char *project, int64_t chain,
                                  const char *json, size_t len, const mvg_store_out *outs,
                                  size_t nouts, char *err, size_t errlen)
{
    return add_chained_other(st, "new-chain record",
                             "INSERT INTO newchain_records(project, chain, created_ms, payload)"
                             " VALUES(?1, ?2, ?3, ?4)",
                             project, chain, json, len, outs, nouts, err, errlen);
}

int mvg_store_add_definition(mvg_store *st, const char *project, int64_t chain, int64_t version,
                             const char *digest, const char *json, size_t len,
                             const mvg_store_out *outs, size_t nouts, char *err, size_t errlen)
{
    if (!project || !*project || !json || !digest || chain < 1 || version < 1) {
        snprintf(err, errlen,
                 "store: a definition record needs a project, a chain position, a version and"
                 " its JSON");
        return -1;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "INSERT INTO definition_records(project, chain, version,"
                                     " digest, created_ms, payload) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                     err, errlen);
    int rc = q ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, chain);
        sqlite3_bind_int64(q, 3, version);
        sqlite3_bind_text(q, 4, digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, mvg_clock_real_ms());
        sqlite3_bind_text64(q, 6, json, len, SQLITE_STATIC, SQLITE_UTF8);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "definition record");
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = insert_outs(st, outs, nouts, 0, 0, 0, err, errlen);
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_last_definition(mvg_store *st, const char *project, int64_t *version, char *digest,
                              char *err, size_t errlen)
{
    *version = 0;
    digest[0] = '\0';
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "SELECT version, digest FROM definition_records"
                                     " WHERE project = ?1 ORDER BY version DESC LIMIT 1",
                                     err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(q, 0);
        const unsigned char *d = sqlite3_column_text(q, 1);
        snprintf(digest, 65, "%s", d ? (const char *)d : "");
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mvg_store_dberr(st, err, errlen, "last definition");
    return 0;
}

int mvg_store_add_head(mvg_store *st, const char *project, int64_t head, int64_t time_ms,
                       const char *json, size_t len, const mvg_store_out *outs, size_t nouts,
                       char *err, size_t errlen)
{
    if (!project || !*project || !json || head < 1) {
        snprintf(err, errlen, "store: a head record needs a project, a chain position and its JSON");
        return -1;
    }
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "INSERT INTO heads(project, head, time_ms, created_ms, payload)"
                                     " VALUES(?1, ?2, ?3, ?4, ?5)",
                                     err, errlen);
    int rc = q ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, head);
        sqlite3_bind_int64(q, 3, time_ms);
        sqlite3_bind_int64(q, 4, mvg_clock_real_ms());
        sqlite3_bind_text64(q, 5, json, len, SQLITE_STATIC, SQLITE_UTF8);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "head record");
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = insert_outs(st, outs, nouts, 0, 0, 0, err, errlen);
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_put_checkpoint(mvg_store *st, int64_t ts_ms, const void *blob, size_t len, char *err,
                             size_t errlen)
{
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    sqlite3_stmt *q = mvg_store_prep(st,
                           "INSERT INTO checkpoints(ts_ms, interval_id, created_ms, state)"
                           " VALUES(?1, (SELECT COALESCE(MAX(id), 0) FROM intervals), ?2, ?3)",
                           err, errlen);
    sqlite3_stmt *trim = mvg_store_prep(st,
                              "DELETE FROM checkpoints WHERE id <= (SELECT id FROM checkpoints"
                              " ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                              err, errlen);
    int rc = q && trim ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, ts_ms);
        sqlite3_bind_int64(q, 2, mvg_clock_real_ms());
        sqlite3_bind_blob64(q, 3, len ? blob : "", len, SQLITE_STATIC);
        sqlite3_bind_int(trim, 1, st->opts.checkpoints_keep);
        if (sqlite3_step(q) != SQLITE_DONE || sqlite3_step(trim) != SQLITE_DONE)
            rc = mvg_store_dberr(st, err, errlen, "checkpoint");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(trim);
    return auto_end(st, own, rc, err, errlen);
}

static int exec_changes(mvg_store *st, const char *sql, int64_t a, int64_t *changes, char *err,
                        size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_int64(q, 1, a);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : mvg_store_dberr(st, err, errlen, "prune");
    sqlite3_finalize(q);
    if (changes)
        *changes += sqlite3_changes(st->db);
    return rc;
}

int mvg_store_prune(mvg_store *st, int64_t now, int64_t *pruned, char *err, size_t errlen)
{
    int own;
    if (auto_begin(st, &own, err, errlen) < 0)
        return -1;
    int64_t n = 0;
    int rc = 0;
    if (st->opts.sample_max_age_ms > 0)
        rc = exec_changes(st, "DELETE FROM samples WHERE ts_ms < ?1",
                          now - st->opts.sample_max_age_ms, &n, err, errlen);
    if (rc == 0 && st->opts.sample_max_rows > 0)
        rc = exec_changes(st,
                          "DELETE FROM samples WHERE id <= (SELECT id FROM samples"
                          " ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                          st->opts.sample_max_rows, &n, err, errlen);
    /* Size: delete the oldest tenth of the samples until the pages in use
     * fit (deleted rows free their pages for reuse; the file keeps its size). */
    while (rc == 0 && st->opts.sample_max_bytes > 0) {
        int64_t used = 0, rows = 0, before = n;
        if ((rc = mvg_store_used_bytes(st, &used, err, errlen)) < 0 ||
            used <= st->opts.sample_max_bytes)
            break;
        if ((rc = mvg_store_scalar(st, "SELECT COUNT(*) FROM samples", &rows, err, errlen)) < 0 || rows == 0)
            break;
        rc = exec_changes(st,
                          "DELETE FROM samples WHERE id IN (SELECT id FROM samples"
                          " ORDER BY id LIMIT ?1)",
                          rows / 10 + 1, &n, err, errlen);
        if (rc == 0 && n == before)
            break;
    }
    if (rc == 0 && n > 0)
        rc = exec_changes(st,
                          "UPDATE meta SET value = value + ?1 WHERE key = 'samples_pruned'", n,
                          NULL, err, errlen);
    if (rc == 0)
        rc = exec_changes(st, "DELETE FROM outbox WHERE delivered <> 0 AND ?1", 1, NULL, err,
                          errlen);
    if (rc == 0 && pruned)
        *pruned = n;
    return auto_end(st, own, rc, err, errlen);
}

int mvg_store_put_meta(mvg_store *st, const char *key, const char *value, char *err,
                       size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : mvg_store_dberr(st, err, errlen, "meta");
    sqlite3_finalize(q);
    return rc;
}

