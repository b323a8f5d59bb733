/*
 * hub_db.h: the hub's storage, one interface over two backends: embedded
 * SQLite (WAL, hub_db_sqlite.c) and PostgreSQL through libpq
 * (hub_db_pg.c), chosen in hub.conf. The backends only run SQL: the hub's
 * statements are written once, here and in the modules that use them, with
 * $1, $2, ... parameters, which both understand; only the schema's column
 * types differ (hub_db.c). Tables (docs/hub.md "Tables"):
 *   hub_messages  every message received, append-only: its exact bytes,
 *                 receipt time, topic, retained flag, the instance that got
 *                 it, and index columns from the topic and payload
 *   hub_records   one row per distinct chained record (gateway, project,
 *                 chain position, SHA-256 of its bytes): what verification
 *                 works on, with its verdict once decided
 *   hub_keys      public keys seen (identity messages, key records), by
 *                 fingerprint: a key here proves nothing, the chain does
 * A handle is one connection, used by one thread.
 */
#ifndef MVG_HUB_DB_H
#define MVG_HUB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "hub_config.h"

typedef struct mvg_hub_db mvg_hub_db;
typedef struct mvg_hub_rows mvg_hub_rows;

typedef enum {
    MVG_HUB_P_NULL,
    MVG_HUB_P_TEXT,
    MVG_HUB_P_INT,
    MVG_HUB_P_REAL,
    MVG_HUB_P_BLOB
} mvg_hub_ptype;

/* A statement's parameter $i is p[i-1]. */
typedef struct {
    mvg_hub_ptype type;
    const char *s;              /* TEXT (NUL-terminated), BLOB (len bytes) */
    size_t len;
    int64_t i;
    double d;                   /* REAL: read back exactly by both backends */
} mvg_hub_param;

/* A text parameter; NULL is SQL NULL. */
static inline mvg_hub_param mvg_hub_text(const char *s)
{
    return (mvg_hub_param){.type = s ? MVG_HUB_P_TEXT : MVG_HUB_P_NULL, .s = s};
}
#define MVG_HUB_TEXT(x) mvg_hub_text(x)
#define MVG_HUB_INT(x) ((mvg_hub_param){.type = MVG_HUB_P_INT, .i = (x)})
#define MVG_HUB_REAL(x) ((mvg_hub_param){.type = MVG_HUB_P_REAL, .d = (x)})
#define MVG_HUB_BLOB(p, n) ((mvg_hub_param){.type = MVG_HUB_P_BLOB, .s = (p), .len = (n)})

/* Opens (and creates the tables of) the configured database: NULL with err. */
mvg_hub_db *mvg_hub_db_open(const mvg_hub_db_cfg *cfg, char *err, size_t errlen);
void mvg_hub_db_close(mvg_hub_db *db);

/* A statement without result rows: the number of rows it changed, or -1
 * with the error in mvg_hub_db_error(). */
long mvg_hub_db_exec(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np);
/* A query: its rows (all fetched), or NULL with the error. */
mvg_hub_rows *mvg_hub_db_query(mvg_hub_db *db, const char *sql, const mvg_hub_param *p, int np);
const char *mvg_hub_db_error(const mvg_hub_db *db);
/* BEGIN / COMMIT / ROLLBACK: 0 or -1. They nest: a begin inside a
 * transaction joins it, and its commit only counts, so that a step that
 * keeps its own writes together (a verdict and what it adds up) can run
 * inside a batch that keeps everything together; the outermost commit
 * commits. A rollback at any depth rolls the whole transaction back, and
 * the outer commit then fails (no transaction). */
int mvg_hub_db_begin(mvg_hub_db *db);
int mvg_hub_db_commit(mvg_hub_db *db);
void mvg_hub_db_rollback(mvg_hub_db *db);
/* As mvg_hub_db_begin (outside a transaction only: -1 inside one), for a
 * transaction whose commit does not wait for the disk: what it commits is
 * there for every connection at once and survives the process's crash,
 * but a power cut may lose it, whole, until a mvg_hub_db_sync begun after
 * the commit returns 0; nor does its commit move the WAL into the database
 * file (SQLite), which mvg_hub_db_sync does then. So that the hub can
 * store its next batch while the disk takes this one: it acknowledges a
 * batch only after its sync, on a connection and thread of their own
 * (hub_syncer.h). Every other commit waits for the disk itself. */
int mvg_hub_db_begin_nowait(mvg_hub_db *db);
/* Until everything committed to the database so far, on any connection,
 * is on the disk, and (SQLite) the WAL moved into the database file when it
 * has grown, without holding up a writer: 0, or -1 with err. */
int mvg_hub_db_sync(mvg_hub_db *db, char *err, size_t errlen);

size_t mvg_hub_rows_count(const mvg_hub_rows *r);
/* Column col of row i: NULL for SQL NULL; a blob's bytes with *len. */
const char *mvg_hub_rows_text(const mvg_hub_rows *r, size_t i, int col);
const char *mvg_hub_rows_blob(const mvg_hub_rows *r, size_t i, int col, size_t *len);
int64_t mvg_hub_rows_int(const mvg_hub_rows *r, size_t i, int col);
void mvg_hub_rows_free(mvg_hub_rows *r);

/* ---- the backends (hub_db_sqlite.c, hub_db_pg.c) ---- */

/* A result as both backends hand it over: cells as bytes (a text cell is
 * NUL-terminated too), NULL for SQL NULL. */
struct mvg_hub_rows {
    size_t n, ncols;
    char **cell;                /* n * ncols */
    size_t *len;
    size_t filled, cap;         /* cells pushed, room */
};

typedef struct {
    const char *name;
    void *(*open)(const mvg_hub_db_cfg *cfg, char *err, size_t errlen);
    void (*close)(void *conn);
    /* rows NULL: discard rows; returns changed rows or -1 (err filled) */
    long (*run)(void *conn, const char *sql, const mvg_hub_param *p, int np, mvg_hub_rows *rows,
                char *err, size_t errlen);
    /* whether the connection's next transactions' commits wait for the
     * disk (on: the default); NULL: they always do */
    int (*commits_wait)(void *conn, int on, char *err, size_t errlen);
    /* until what any connection committed is on the disk: 0 or -1 */
    int (*sync)(void *conn, char *err, size_t errlen);
    /* the schema's types: an auto-incremented key, a blob */
    const char *serial_key, *blob_type;
} mvg_hub_db_backend_ops;

extern const mvg_hub_db_backend_ops mvg_hub_db_sqlite_ops, mvg_hub_db_pg_ops;

/* Appends a cell to rows (backends): 0 or -1 out of memory. */
int mvg_hub_rows_push(mvg_hub_rows *r, const void *data, size_t len, int is_null);

#endif
