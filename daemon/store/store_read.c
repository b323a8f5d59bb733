/*
 * store_read.c: the reads of the durable store (store.h): the newest model,
 * checkpoint and chained record, meta values, the status figures, and the
 * walks over samples, records and the chain that export, replay, the
 * report and the status use.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

/* Steps q to the one row it yields: 1 with it, 0 when there is none, -1
 * with err filled. */
static int one_row(mvg_store *st, sqlite3_stmt *q, const char *what, char *err, size_t errlen)
{
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
        return 1;
    return r == SQLITE_DONE ? 0 : mvg_store_dberr(st, err, errlen, what);
}

/* Column col of the row as a NUL-terminated copy in *out; -1 with err
 * filled when out of memory. */
static int copy_col(sqlite3_stmt *q, int col, char **out, size_t *len, char *err, size_t errlen)
{
    if ((*out = mvg_store_dup_col(q, col, len)))
        return 0;
    snprintf(err, errlen, "store: out of memory");
    return -1;
}

/* The one row (a number, then text) that sql yields for key ?1: *num and a
 * copy of the text in *text (its length in *len when len is not NULL);
 * both left 0 and NULL when there is none. */
static int number_and_text(mvg_store *st, const char *sql, const char *key, const char *what,
                           int64_t *num, char **text, size_t *len, char *err, size_t errlen)
{
    *num = 0;
    *text = NULL;
    if (len)
        *len = 0;
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = one_row(st, q, what, err, errlen);
    if (rc == 1) {
        *num = sqlite3_column_int64(q, 0);
        rc = copy_col(q, 1, text, len, err, errlen);
    }
    sqlite3_finalize(q);
    return rc < 0 ? -1 : 0;
}

int mvg_store_last_chained(mvg_store *st, const char *project, char **payload, size_t *len,
                           int64_t *chain, char *err, size_t errlen)
{
    return number_and_text(st,
                           "SELECT chain, payload FROM (" CHAINED_UNION ") WHERE project = ?1"
                           " ORDER BY chain DESC LIMIT 1",
                           project, "last chained record read", chain, payload, len, err, errlen);
}

int mvg_store_get_model(mvg_store *st, const char *project, char **json, int64_t *version,
                        char *err, size_t errlen)
{
    return number_and_text(st,
                           "SELECT version, payload FROM models WHERE project = ?1"
                           " ORDER BY version DESC LIMIT 1",
                           project, "model read", version, json, NULL, err, errlen);
}

int mvg_store_get_checkpoint(mvg_store *st, void **blob, size_t *len, int64_t *ts_ms,
                             int64_t *interval_id, char *err, size_t errlen)
{
    *blob = NULL;
    *len = 0;
    *ts_ms = *interval_id = 0;
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "SELECT ts_ms, interval_id, state FROM checkpoints"
                                     " ORDER BY id DESC LIMIT 1",
                                     err, errlen);
    if (!q)
        return -1;
    int rc = one_row(st, q, "checkpoint read", err, errlen);
    if (rc == 1) {
        *ts_ms = sqlite3_column_int64(q, 0);
        *interval_id = sqlite3_column_int64(q, 1);
        char *b = NULL;
        rc = copy_col(q, 2, &b, len, err, errlen);
        *blob = b;
    }
    sqlite3_finalize(q);
    return rc < 0 ? -1 : 0;
}

int mvg_store_seq_at(mvg_store *st, const char *project, int64_t interval_id, int64_t *seq,
                     char *err, size_t errlen)
{
    sqlite3_stmt *q =
        mvg_store_prep(st,
                       "SELECT COALESCE(MAX(seq), 0) FROM intervals WHERE project = ?1"
                       " AND id <= ?2",
                       err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, interval_id);
    int rc = sqlite3_step(q) == SQLITE_ROW ? 0 : mvg_store_dberr(st, err, errlen, "seq");
    if (rc == 0)
        *seq = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_get_meta(mvg_store *st, const char *key, char **value, char *err, size_t errlen)
{
    *value = NULL;
    sqlite3_stmt *q =
        mvg_store_prep(st, "SELECT CAST(value AS TEXT) FROM meta WHERE key = ?1", err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = one_row(st, q, "meta", err, errlen);
    if (rc == 1)
        rc = copy_col(q, 0, value, NULL, err, errlen);
    sqlite3_finalize(q);
    return rc < 0 ? -1 : 0;
}

int mvg_store_get_status(mvg_store *st, mvg_store_status *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (mvg_store_scalar(st, "SELECT COUNT(*) FROM samples", &out->samples, err, errlen) < 0 ||
        mvg_store_scalar(st,
                         "SELECT COALESCE((SELECT value FROM meta WHERE key = "
                         "'samples_pruned'), 0)",
                         &out->samples_pruned, err, errlen) < 0 ||
        mvg_store_scalar(st, "SELECT COUNT(*) FROM intervals", &out->intervals, err, errlen) < 0 ||
        mvg_store_scalar(st, "SELECT COUNT(*) FROM models", &out->models, err, errlen) < 0 ||
        mvg_store_scalar(st, "SELECT COUNT(*) FROM checkpoints", &out->checkpoints, err, errlen) <
            0 ||
        mvg_store_used_bytes(st, &out->db_bytes, err, errlen) < 0)
        return -1;
    return 0;
}

int mvg_store_outbox_stats(mvg_store *st, const char *publisher, mvg_outbox_stats *out, char *err,
                           size_t errlen)
{
    return mvg_store_outbox_stats_db(st->db, publisher, out, err, errlen);
}

int mvg_store_outbox_resend(mvg_store *st, const char *publisher, char *err, size_t errlen)
{
    return mvg_store_outbox_request_db(st->db, publisher, 0, err, errlen);
}

int mvg_store_outbox_ack_drops(mvg_store *st, const char *publisher, char *err, size_t errlen)
{
    return mvg_store_outbox_request_db(st->db, publisher, 1, err, errlen);
}

int mvg_store_foreach_parked(mvg_store *st, const char *publisher, mvg_store_parked_fn fn,
                             void *user, char *err, size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st,
                                     OUTBOX_WITH_PAYLOAD " WHERE o.delivered = 0 AND"
                                     " o.parked_ms IS NOT NULL AND (?1 IS NULL OR o.publisher = ?1)"
                                     " ORDER BY o.id",
                                     err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, publisher, -1, SQLITE_STATIC);
    int r, rc = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 2), *why = sqlite3_column_text(q, 9);
        const char *payload = (const char *)sqlite3_column_text(q, 3);
        mvg_store_parked e = {
            .publisher = (const char *)sqlite3_column_text(q, 6),
            .id = sqlite3_column_int64(q, 0),
            .cls = (mvg_out_class)sqlite3_column_int(q, 1),
            .topic = t ? (const char *)t : "",
            .payload = payload ? payload : "",
            .len = (size_t)sqlite3_column_bytes(q, 3),
            .created_ms = sqlite3_column_int64(q, 5),
            .parked_ms = sqlite3_column_int64(q, 7),
            .code = sqlite3_column_int(q, 8),
            .reason = why ? (const char *)why : "",
        };
        if ((rc = fn(user, &e)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = mvg_store_dberr(st, err, errlen, "parked entries");
    sqlite3_finalize(q);
    return rc;
}

/* sql prepared with the time window bound to ?1 (from, inclusive) and ?2
 * (to, exclusive), or NULL with err filled. */
static sqlite3_stmt *window_query(mvg_store *st, const char *sql, int64_t from_ms, int64_t to_ms,
                                  char *err, size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (q) {
        sqlite3_bind_int64(q, 1, from_ms);
        sqlite3_bind_int64(q, 2, to_ms);
    }
    return q;
}

/* The exact raw value of columns n (raw) and n + 1 (raw_kind), as
 * store.c's bind_raw wrote them; a row it does not understand (an older
 * store's NULL, a damaged value) keeps kind NONE: the double is then all
 * there is. */
static void column_raw(sqlite3_stmt *q, int n, mvg_sample *s)
{
    int kind = sqlite3_column_type(q, n + 1) == SQLITE_INTEGER ? sqlite3_column_int(q, n + 1) : 0;
    int type = sqlite3_column_type(q, n);
    if (kind == MVG_RAW_INT && type == SQLITE_INTEGER) {
        s->raw_kind = MVG_RAW_INT;
        s->raw_i = sqlite3_column_int64(q, n);
    } else if (kind == MVG_RAW_UINT && type == SQLITE_INTEGER) {
        s->raw_kind = MVG_RAW_UINT;
        s->raw_u = (uint64_t)sqlite3_column_int64(q, n);
    } else if (kind == MVG_RAW_UINT && type == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_column_text(q, n);
        char *end = NULL;
        errno = 0;
        unsigned long long u = t ? strtoull(t, &end, 10) : 0;
        if (t && *t >= '0' && *t <= '9' && end && *end == '\0' && errno == 0) {
            s->raw_kind = MVG_RAW_UINT;
            s->raw_u = (uint64_t)u;
        }
    } else if (kind == MVG_RAW_TEXT && type == SQLITE_TEXT) {
        s->raw_kind = MVG_RAW_TEXT;
        s->text = (const char *)sqlite3_column_text(q, n);
    }
}

int mvg_store_foreach_sample(mvg_store *st, int64_t from_ms, int64_t to_ms, mvg_store_sample_fn fn,
                             void *user, char *err, size_t errlen)
{
    sqlite3_stmt *q = window_query(st,
                                   "SELECT p.device, p.point, s.ts_ms, s.value, s.quality, s.exc,"
                                   " s.raw, s.raw_kind"
                                   " FROM samples s JOIN points p ON p.id = s.point_id"
                                   " WHERE s.ts_ms >= ?1 AND s.ts_ms < ?2 ORDER BY s.ts_ms, s.id",
                                   from_ms, to_ms, err, errlen);
    if (!q)
        return -1;
    int r, rc = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        mvg_sample s = {
            .ts_ms = sqlite3_column_int64(q, 2),
            .value = sqlite3_column_type(q, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 3),
            .quality = (mvg_quality)sqlite3_column_int(q, 4),
            .exception_code = (uint8_t)sqlite3_column_int(q, 5),
        };
        column_raw(q, 6, &s);
        if ((rc = fn(user, (const char *)sqlite3_column_text(q, 0),
                     (const char *)sqlite3_column_text(q, 1), &s)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = mvg_store_dberr(st, err, errlen, "sample read");
    sqlite3_finalize(q);
    return rc;
}

static int foreach_record(mvg_store *st, const char *sql, int64_t from_ms, int64_t to_ms,
                          mvg_store_record_fn fn, void *user, char *err, size_t errlen)
{
    sqlite3_stmt *q = window_query(st, sql, from_ms, to_ms, err, errlen);
    if (!q)
        return -1;
    int r, rc = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *payload = (const char *)sqlite3_column_text(q, 4);
        size_t len = (size_t)sqlite3_column_bytes(q, 4);
        if ((rc = fn(user, (const char *)sqlite3_column_text(q, 0), sqlite3_column_int64(q, 1),
                     sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3), payload ? payload : "",
                     len)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = mvg_store_dberr(st, err, errlen, "record read");
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_foreach_interval(mvg_store *st, int64_t from_ms, int64_t to_ms,
                               mvg_store_record_fn fn, void *user, char *err, size_t errlen)
{
    return foreach_record(st,
                          "SELECT project, seq, start_ms, end_ms, payload FROM intervals"
                          " WHERE start_ms >= ?1 AND start_ms < ?2 ORDER BY start_ms, project, seq",
                          from_ms, to_ms, fn, user, err, errlen);
}

int mvg_store_foreach_model(mvg_store *st, int64_t from_ms, int64_t to_ms, mvg_store_record_fn fn,
                            void *user, char *err, size_t errlen)
{
    return foreach_record(st,
                          "SELECT project, version, created_ms, created_ms, payload FROM models"
                          " WHERE created_ms >= ?1 AND created_ms < ?2 ORDER BY created_ms, id",
                          from_ms, to_ms, fn, user, err, errlen);
}

/* The chained records of the window, and the heads naming a position in
 * it when heads. */
static int foreach_chained(mvg_store *st, const char *project, int64_t from_ms, int64_t to_ms,
                           int heads, mvg_store_chain_fn fn, void *user, char *err, size_t errlen)
{
    /* per project: lo = chain of the first interval at or after from (0 with
     * no lower bound), hi = chain of the first interval at or after to; a
     * head (after = 1) follows the record at its position */
    sqlite3_stmt *q =
        window_query(st,
                     "WITH b AS (SELECT project,"
                     "  MIN(CASE WHEN start_ms >= ?1 THEN chain END) AS lo,"
                     "  MIN(CASE WHEN start_ms >= ?2 THEN chain END) AS hi"
                     "  FROM intervals WHERE chain IS NOT NULL GROUP BY project)"
                     " SELECT c.project, c.chain, c.kind, c.payload FROM ("
                     "  SELECT project, chain, kind, payload, 0 AS after, 0 AS id FROM ("
                     CHAINED_UNION ")"
                     "  UNION ALL SELECT project, head, 'head', payload, 1, id FROM heads"
                     "   WHERE ?5) AS c LEFT JOIN b ON b.project = c.project"
                     " WHERE (?3 IS NULL OR c.project = ?3)"
                     " AND c.chain >= (CASE WHEN ?4 THEN 0 ELSE COALESCE(b.lo, 9e18) END)"
                     " AND c.chain < COALESCE(b.hi, 9e18)"
                     " ORDER BY c.project, c.chain, c.after, c.id",
                     from_ms, to_ms, err, errlen);
    if (!q)
        return -1;
    if (project)
        sqlite3_bind_text(q, 3, project, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 3);
    sqlite3_bind_int(q, 4, from_ms == INT64_MIN);
    sqlite3_bind_int(q, 5, heads);
    int r, rc = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *payload = (const char *)sqlite3_column_text(q, 3);
        size_t len = (size_t)sqlite3_column_bytes(q, 3);
        if ((rc = fn(user, (const char *)sqlite3_column_text(q, 0), sqlite3_column_int64(q, 1),
                     (const char *)sqlite3_column_text(q, 2), payload ? payload : "", len)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = mvg_store_dberr(st, err, errlen, "chain read");
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_foreach_chained(mvg_store *st, const char *project, int64_t from_ms, int64_t to_ms,
                              mvg_store_chain_fn fn, void *user, char *err, size_t errlen)
{
    return foreach_chained(st, project, from_ms, to_ms, 0, fn, user, err, errlen);
}

int mvg_store_foreach_chained_heads(mvg_store *st, const char *project, int64_t from_ms,
                                    int64_t to_ms, mvg_store_chain_fn fn, void *user, char *err,
                                    size_t errlen)
{
    return foreach_chained(st, project, from_ms, to_ms, 1, fn, user, err, errlen);
}

int mvg_store_chain_counts(mvg_store *st, const char *project, struct mvg_head_count_row *counts,
                           size_t max, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    sqlite3_stmt *q = mvg_store_prep(st,
                                     "SELECT kind, COUNT(*) FROM (" CHAINED_UNION
                                     ") WHERE project = ?1 GROUP BY kind ORDER BY kind",
                                     err, errlen);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
        const char *kind = (const char *)sqlite3_column_text(q, 0);
        snprintf(counts[*n].kind, sizeof counts[*n].kind, "%s", kind ? kind : "?");
        counts[(*n)++].n = sqlite3_column_int64(q, 1);
    }
    int rc = r == SQLITE_ROW || r == SQLITE_DONE ? 0 : mvg_store_dberr(st, err, errlen, "chain counts");
    sqlite3_finalize(q);
    return rc;
}
