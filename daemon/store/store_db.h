/*
 * store_db.h: the inside of the store, shared by its writer (store.c) and
 * its reader (store_read.c): the handle's fields and the helpers every
 * statement goes through, so that an error reads the same from either. Not
 * for use outside daemon/store.
 */
#ifndef MVG_STORE_DB_H
#define MVG_STORE_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

/* The statements of the per-poll path (a transaction, its samples and
 * outbox entries, the outbox bound), prepared once and kept: at a hundred
 * polls a second, preparing them per call was a sixth of the daemon's CPU
 * (tests/bench/bench_footprint.py --perf, docs/performance.md). */
#define MVG_STORE_HOT_MAX 12

struct mvg_store {
    sqlite3 *db;
    mvg_store_opts opts;
    int in_txn;     /* inside mvg_store_begin()..commit() */
    char *path;     /* the database file: its filesystem's free space (store_room.c) */
    /* the reserve rule's state (store_room.c, mvg_store_room) */
    int low;
    int64_t free_bytes, low_since_ms;
    uint64_t samples_refused, telemetry_refused;
    struct {
        const char *sql;   /* the caller's string literal: looked up by address */
        sqlite3_stmt *q;
    } hot[MVG_STORE_HOT_MAX];
};

/* Every chained record of the project, whatever table holds it. */
#define CHAINED_UNION                                                                              \
    "SELECT project, chain, 'interval' AS kind, payload FROM intervals WHERE chain IS NOT NULL"   \
    " UNION ALL SELECT project, chain, 'model', payload FROM models WHERE chain IS NOT NULL"      \
    " UNION ALL SELECT project, chain, 'key', payload FROM key_records"                           \
    " UNION ALL SELECT project, chain, 'newchain', payload FROM newchain_records"                 \
    " UNION ALL SELECT project, chain, 'definition', payload FROM definition_records"

/* An outbox row with its payload: an interval or model entry carries no
 * payload of its own, it points at the record, stored once. */
#define OUTBOX_WITH_PAYLOAD                                                                        \
    "SELECT o.id, o.cls, o.topic, COALESCE(o.payload, i.payload, m.payload), o.retained,"        \
    " o.created_ms, o.publisher, o.parked_ms, o.parked_code, o.parked_reason"                     \
    " FROM outbox o LEFT JOIN intervals i ON i.id = o.interval_id"                                \
    " LEFT JOIN models m ON m.id = o.model_id"

/* err = "store: WHAT: sqlite's message"; returns -1. A full disk
 * (SQLITE_FULL) also makes the store short of room (store_room.c). */
int mvg_store_dberr(mvg_store *st, char *err, size_t errlen, const char *what);

/* sql prepared on st's connection, or NULL with err filled. */
sqlite3_stmt *mvg_store_prep(mvg_store *st, const char *sql, char *err, size_t errlen);

/* A kept statement for sql, which must be a string literal (it is looked
 * up by address): prepared at the first call, reset and unbound at every
 * later one. The store owns it: the caller resets it after stepping (so no
 * read stays open) and never finalizes it. NULL with err on failure. */
sqlite3_stmt *mvg_store_hot(mvg_store *st, const char *sql, char *err, size_t errlen);
/* Finalizes the kept statements (before the handle closes). */
void mvg_store_hot_release(mvg_store *st);

/* Column col of the current row as a NUL-terminated copy (its length in
 * *len when len is not NULL); NULL when out of memory. */
char *mvg_store_dup_col(sqlite3_stmt *q, int col, size_t *len);

/* The first column of the one row sql yields. */
int mvg_store_scalar(mvg_store *st, const char *sql, int64_t *out, char *err, size_t errlen);

/* The bytes of the database's pages in use (free pages not counted). */
int mvg_store_used_bytes(mvg_store *st, int64_t *out, char *err, size_t errlen);

/* store_room.c: looks at the free space (the reserve rule) and returns
 * st->low. */
int mvg_store_room_check(mvg_store *st);
/* store_room.c: a write found the disk full: short of room until the
 * free space is back above the reserve and its margin. */
void mvg_store_room_full(mvg_store *st);
/* store_room.c: sizes the WAL to the reserve on a read-write connection
 * (wal_autocheckpoint, journal_size_limit). Returns 0 or -1. */
int mvg_store_room_wal(mvg_store *st, char *err, size_t errlen);

#endif
