/*
 * outbox.c: a publisher's handle on its outbox (outbox.h), on its own SQLite
 * connection so that it reads while the pipeline writes (WAL).
 */
#include "outbox.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_db.h"

struct mvg_outbox {
    sqlite3 *db;
    char *publisher;
    sqlite3_stmt *fetch;
    sqlite3_stmt *ack;
    sqlite3_stmt *park;
    int64_t resend_seen;        /* the operator's resend generation last acted on; -1: none yet */
    size_t fetch_bytes;         /* a fetch stops once it holds this much; 0: no bound */
};

static const char fetch_sql[] =
    OUTBOX_WITH_PAYLOAD " WHERE o.publisher = ?1 AND o.delivered = 0 AND o.parked_ms IS NULL"
    " AND o.id > ?2 ORDER BY o.id LIMIT ?3";

mvg_outbox *mvg_outbox_open(const char *db_path, const char *publisher, char *err, size_t errlen)
{
    if (!db_path || !publisher || !*publisher) {
        snprintf(err, errlen, "outbox: database path and publisher name are required");
        return NULL;
    }
    mvg_outbox *ob = calloc(1, sizeof *ob);
    if (ob)
        ob->resend_seen = -1;
    if (!ob || !(ob->publisher = strdup(publisher))) {
        snprintf(err, errlen, "%s outbox: out of memory", publisher);
        free(ob);
        return NULL;
    }
    if (sqlite3_open_v2(db_path, &ob->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s outbox: cannot open %s: %s", publisher, db_path,
                 ob->db ? sqlite3_errmsg(ob->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(ob->db, 5000);
    if (sqlite3_exec(ob->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(ob->db, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s outbox: %s: %s", publisher, db_path, sqlite3_errmsg(ob->db));
        goto fail;
    }
    if (mvg_store_schema_apply(ob->db, NULL, err, errlen) < 0)
        goto fail;
    if (sqlite3_prepare_v2(ob->db, fetch_sql, -1, &ob->fetch, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ob->db,
                           "UPDATE outbox SET delivered = 1, payload = NULL"
                           " WHERE id = ?1 AND publisher = ?2 AND delivered = 0",
                           -1, &ob->ack, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ob->db,
                           "UPDATE outbox SET parked_ms = ?3, parked_code = ?4, parked_reason = ?5"
                           " WHERE id = ?1 AND publisher = ?2 AND delivered = 0",
                           -1, &ob->park, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s outbox: %s: %s", publisher, db_path, sqlite3_errmsg(ob->db));
        goto fail;
    }
    return ob;
fail:
    mvg_outbox_close(ob);
    return NULL;
}

void mvg_outbox_close(mvg_outbox *ob)
{
    if (!ob)
        return;
    sqlite3_finalize(ob->fetch);
    sqlite3_finalize(ob->ack);
    sqlite3_finalize(ob->park);
    sqlite3_close(ob->db);
    free(ob->publisher);
    free(ob);
}

void mvg_outbox_entries_free(mvg_outbox_entry *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++) {
        free(e[i].topic);
        free(e[i].payload);
        e[i].topic = e[i].payload = NULL;
    }
}

void mvg_outbox_set_fetch_bytes(mvg_outbox *ob, size_t bytes)
{
    if (ob)
        ob->fetch_bytes = bytes;
}

int mvg_outbox_fetch(mvg_outbox *ob, int64_t after_id, size_t max, mvg_outbox_entry *out,
                     size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (max == 0)
        return 0;
    sqlite3_stmt *q = ob->fetch;
    sqlite3_bind_text(q, 1, ob->publisher, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, after_id);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)(max > INT64_MAX ? INT64_MAX : max));
    size_t held = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        mvg_outbox_entry *e = &out[*n];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(q, 0);
        e->cls = (mvg_out_class)sqlite3_column_int(q, 1);
        const unsigned char *t = sqlite3_column_text(q, 2);
        e->topic = strdup(t ? (const char *)t : "");
        const void *p = sqlite3_column_blob(q, 3);
        e->len = (size_t)sqlite3_column_bytes(q, 3);
        e->payload = malloc(e->len + 1);
        if (!e->topic || !e->payload) {
            (*n)++;
            rc = SQLITE_NOMEM;
            break;
        }
        if (e->len)
            memcpy(e->payload, p, e->len);
        e->payload[e->len] = '\0';
        e->retained = sqlite3_column_int(q, 4);
        e->created_ms = sqlite3_column_int64(q, 5);
        (*n)++;
        held += e->len + strlen(e->topic);
        if (ob->fetch_bytes && held >= ob->fetch_bytes) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "outbox '%s': fetch: %s", ob->publisher,
                 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(ob->db));
        mvg_outbox_entries_free(out, *n);
        *n = 0;
        return -1;
    }
    return 0;
}

int mvg_outbox_ack(mvg_outbox *ob, int64_t id, char *err, size_t errlen)
{
    sqlite3_bind_int64(ob->ack, 1, id);
    sqlite3_bind_text(ob->ack, 2, ob->publisher, -1, SQLITE_STATIC);
    int rc = sqlite3_step(ob->ack);
    sqlite3_reset(ob->ack);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "outbox '%s': ack %lld: %s", ob->publisher, (long long)id,
                 sqlite3_errmsg(ob->db));
        return -1;
    }
    return 0;
}

int mvg_outbox_ack_many(mvg_outbox *ob, const int64_t *ids, size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    if (n == 1)
        return mvg_outbox_ack(ob, ids[0], err, errlen);
    /* IMMEDIATE: take the write lock now (waiting up to the busy timeout for
     * the pipeline's transaction) instead of failing at the first UPDATE. */
    if (sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "outbox '%s': ack: begin: %s", ob->publisher, sqlite3_errmsg(ob->db));
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (mvg_outbox_ack(ob, ids[i], err, errlen) < 0) {
            sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    if (sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "outbox '%s': ack: commit: %s", ob->publisher,
                 sqlite3_errmsg(ob->db));
        sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int mvg_outbox_park(mvg_outbox *ob, int64_t id, int code, const char *reason, int64_t now_ms,
                    char *err, size_t errlen)
{
    sqlite3_stmt *q = ob->park;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, ob->publisher, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now_ms);
    sqlite3_bind_int(q, 4, code);
    sqlite3_bind_text(q, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "outbox '%s': park %lld: %s", ob->publisher, (long long)id,
                 sqlite3_errmsg(ob->db));
        return -1;
    }
    return 0;
}

int64_t mvg_outbox_unpark(mvg_outbox *ob, int64_t refused_before_ms, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int64_t gen = 0;
    int rc = sqlite3_prepare_v2(ob->db, "SELECT value FROM meta WHERE key = 'resend.' || ?1", -1,
                                &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, ob->publisher, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            gen = sqlite3_column_int64(q, 0);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (gen != ob->resend_seen)
        refused_before_ms = INT64_MAX;
    /* Read first: a publisher calls this every second, and an UPDATE that
     * changes nothing would still take the write lock from the pipeline. */
    int due = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ob->db,
                                "SELECT 1 FROM outbox WHERE publisher = ?1 AND delivered = 0"
                                " AND parked_ms IS NOT NULL AND parked_ms <= ?2 LIMIT 1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, ob->publisher, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, refused_before_ms);
        rc = sqlite3_step(q);
        due = rc == SQLITE_ROW;
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_OK && !due) {
        ob->resend_seen = gen;
        return 0;
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(ob->db,
                                "UPDATE outbox SET parked_ms = NULL, parked_code = NULL,"
                                " parked_reason = NULL WHERE publisher = ?1 AND delivered = 0"
                                " AND parked_ms IS NOT NULL AND parked_ms <= ?2",
                                -1, &q, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, ob->publisher, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, refused_before_ms);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "outbox '%s': unpark: %s", ob->publisher, sqlite3_errmsg(ob->db));
        return -1;
    }
    ob->resend_seen = gen;
    return sqlite3_changes(ob->db);
}

int mvg_outbox_get_stats(mvg_outbox *ob, mvg_outbox_stats *st, char *err, size_t errlen)
{
    return mvg_store_outbox_stats_db(ob->db, ob->publisher, st, err, errlen);
}
