/*
 * store_db.c: the store's helpers over its SQLite connection (store_db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

int mvg_store_dberr(mvg_store *st, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "store: %s: %s", what, sqlite3_errmsg(st->db));
    if ((sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_FULL)
        mvg_store_room_full(st);
    return -1;
}

/* Statements off the per-poll path are prepared per call: next to their
 * work the cost is small, and the handle keeps no state for them. */
sqlite3_stmt *mvg_store_prep(mvg_store *st, const char *sql, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
        mvg_store_dberr(st, err, errlen, "prepare");
        return NULL;
    }
    return q;
}

sqlite3_stmt *mvg_store_hot(mvg_store *st, const char *sql, char *err, size_t errlen)
{
    size_t i = 0;
    for (; i < MVG_STORE_HOT_MAX && st->hot[i].sql; i++)
        if (st->hot[i].sql == sql) {
            sqlite3_reset(st->hot[i].q);
            sqlite3_clear_bindings(st->hot[i].q);
            return st->hot[i].q;
        }
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (q && i < MVG_STORE_HOT_MAX) {
        st->hot[i].sql = sql;
        st->hot[i].q = q;
    } else if (q) {
        /* a programming error (more hot statements than slots), not the user's */
        sqlite3_finalize(q);
        snprintf(err, errlen, "store: more than %d kept statements", MVG_STORE_HOT_MAX);
        q = NULL;
    }
    return q;
}

void mvg_store_hot_release(mvg_store *st)
{
    for (size_t i = 0; i < MVG_STORE_HOT_MAX && st->hot[i].sql; i++) {
        sqlite3_finalize(st->hot[i].q);
        st->hot[i].sql = NULL;
        st->hot[i].q = NULL;
    }
}

char *mvg_store_dup_col(sqlite3_stmt *q, int col, size_t *len)
{
    size_t n = (size_t)sqlite3_column_bytes(q, col);
    const void *p = sqlite3_column_blob(q, col);
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    if (len)
        *len = n;
    return s;
}

int mvg_store_scalar(mvg_store *st, const char *sql, int64_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *q = mvg_store_prep(st, sql, err, errlen);
    if (!q)
        return -1;
    int rc = sqlite3_step(q) == SQLITE_ROW ? 0 : mvg_store_dberr(st, err, errlen, "status");
    if (rc == 0)
        *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc;
}

int mvg_store_used_bytes(mvg_store *st, int64_t *out, char *err, size_t errlen)
{
    int64_t pages = 0, freel = 0, psize = 0;
    if (mvg_store_scalar(st, "PRAGMA page_count", &pages, err, errlen) < 0 ||
        mvg_store_scalar(st, "PRAGMA freelist_count", &freel, err, errlen) < 0 ||
        mvg_store_scalar(st, "PRAGMA page_size", &psize, err, errlen) < 0)
        return -1;
    *out = (pages - freel) * psize;
    return 0;
}
