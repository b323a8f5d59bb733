/*
 * hub_db_sqlite.c: the embedded backend of hub_db.h. WAL mode with
 * synchronous=FULL: the hub acknowledges a message to the broker only after
 * its commit, so a commit must survive a power cut, not only a crash.
 * $N parameters are bound by name, since SQLite numbers named parameters
 * in order of appearance. The hub runs a few statements over and over
 * (several per message received, several per record verified), so the
 * connection keeps them prepared: compiling one costs as much as running
 * it; and with each its parameters' positions, looked up by name once at
 * prepare rather than at every call (a lookup per parameter per call was
 * a few per cent of the hub's CPU, bench_hub_ingest).
 *
 * A transaction that does not wait for the disk (mvg_hub_db_begin_nowait)
 * runs with synchronous=NORMAL and no automatic checkpoint: its commit
 * writes the WAL and returns. mvg_hub_db_sync, on another connection (and
 * thread: hub_syncer.h), syncs the WAL file and, once it holds more than
 * SQLite's own threshold, checkpoints it PASSIVE (copying what no reader
 * needs, never waiting for the writer; once the WAL holds more than 64 MB
 * all the same, TRUNCATE, which waits). NORMAL is as safe from corruption
 * as FULL (SQLite syncs the WAL before each checkpoint); what it risks,
 * the last commits in a power cut, is what the sync ends. The checkpoint
 * was the larger part of the writer's commits (bench_hub_ingest).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "hub_db.h"

/* The prepared statements by their text: the hub's statements are string
 * literals, but the text is compared, so one built at run time (the
 * schema's) is only a miss. Beyond CACHE_MAX a statement is prepared and
 * finalized per call, as before. */
#define CACHE_MAX 48
/* hub_db_pg.c takes as many; a statement with more is refused */
#define PARAMS_MAX 32
/* SQLite's default wal_autocheckpoint, in bytes of WAL */
#define CHECKPOINT_BYTES (1000 * 4096)
/* A PASSIVE checkpoint never waits for the writer, so under a steady
 * stream of commits it may not catch up, and the WAL grows (to 29 MB in
 * bench_hub_ingest's 21,000 messages). Beyond this many frames still in
 * it, the sync's checkpoint waits for the writer (TRUNCATE: the WAL starts
 * again from empty), which bounds the WAL and the disk it takes. */
#define WAL_BOUND_FRAMES 16384

/* A prepared statement and where its $1..$N are (0: not used). */
typedef struct {
    char *sql;
    const char *seen;           /* the caller's pointer to its text, last time */
    sqlite3_stmt *st;
    int idx[PARAMS_MAX];
} sq_stmt;

typedef struct {
    sqlite3 *db;
    char wal[PATH_MAX];         /* the WAL file */
    size_t n;
    sq_stmt cache[CACHE_MAX];
    sq_stmt once;               /* a statement beyond the cache, for one call */
} sq_conn;

static void *sq_open(const mvg_hub_db_cfg *cfg, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(cfg->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        mvg_set_err(err, errlen, "sqlite: cannot open %s: %s", cfg->path,
                    db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, &msg) !=
        SQLITE_OK) {
        mvg_set_err(err, errlen, "sqlite: %s: %s", cfg->path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    sq_conn *c = calloc(1, sizeof *c);
    if (!c) {
        mvg_set_err(err, errlen, "sqlite: out of memory");
        sqlite3_close(db);
        return NULL;
    }
    c->db = db;
    snprintf(c->wal, sizeof c->wal, "%s-wal", sqlite3_db_filename(db, "main"));
    return c;
}

static void sq_close(void *conn)
{
    sq_conn *c = conn;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

/* The positions of st's $1..$N. */
static void resolve(sq_stmt *s)
{
    for (int i = 0; i < PARAMS_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        s->idx[i] = sqlite3_bind_parameter_index(s->st, name);
    }
}

/* The statement of sql, from the cache or prepared (*cached: whether it
 * stays there); NULL on a compile error. */
static sq_stmt *statement(sq_conn *c, const char *sql, int *cached)
{
    /* The statements are string literals, so the text's address finds its
     * entry; one strcmp confirms it (a text built in a buffer may come
     * again at the same address with other words). Comparing the texts
     * with each entry's was 4 % of the hub's CPU (bench_hub_ingest). */
    for (size_t i = 0; i < c->n; i++)
        if (c->cache[i].seen == sql && strcmp(c->cache[i].sql, sql) == 0) {
            *cached = 1;
            return &c->cache[i];
        }
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].seen = sql;
            *cached = 1;
            return &c->cache[i];
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    *cached = 0;
    sq_stmt *s = &c->once;
    char *copy = c->n < CACHE_MAX ? strdup(sql) : NULL;
    if (copy) {
        s = &c->cache[c->n++];
        s->sql = copy;
        s->seen = sql;
        *cached = 1;
    }
    s->st = st;
    resolve(s);
    return s;
}

/* A statement after its run: a cached one reset for the next, with its
 * parameters let go (they point into the caller's memory). */
static void done(sqlite3_stmt *st, int cached)
{
    if (!cached) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int bind(const sq_stmt *s, const mvg_hub_param *p, int np)
{
    sqlite3_stmt *st = s->st;
    if (np > PARAMS_MAX)
        return -1;
    for (int i = 0; i < np; i++) {
        int idx = s->idx[i];
        if (idx == 0)
            continue; /* the statement does not use it */
        int rc = SQLITE_OK;
        switch (p[i].type) {
        case MVG_HUB_P_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        case MVG_HUB_P_TEXT:
            rc = sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC);
            break;
        case MVG_HUB_P_INT:
            rc = sqlite3_bind_int64(st, idx, p[i].i);
            break;
        case MVG_HUB_P_REAL:
            rc = sqlite3_bind_double(st, idx, p[i].d);
            break;
        case MVG_HUB_P_BLOB:
            rc = sqlite3_bind_blob64(st, idx, p[i].s, p[i].len, SQLITE_STATIC);
            break;
        }
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

static long sq_run(void *conn, const char *sql, const mvg_hub_param *p, int np,
                   mvg_hub_rows *rows, char *err, size_t errlen)
{
    sq_conn *c = conn;
    int cached = 0;
    sq_stmt *s = statement(c, sql, &cached);
    if (!s || bind(s, p, np) < 0) {
        mvg_set_err(err, errlen, "sqlite: %s",
                    s && np > PARAMS_MAX ? "too many parameters" : sqlite3_errmsg(c->db));
        if (s)
            done(s->st, cached);
        return -1;
    }
    sqlite3_stmt *st = s->st;
    if (rows)
        rows->ncols = (size_t)sqlite3_column_count(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int k = 0; rows && k < (int)rows->ncols; k++) {
            int t = sqlite3_column_type(st, k);
            const void *data = t == SQLITE_BLOB ? sqlite3_column_blob(st, k)
                                                : (const void *)sqlite3_column_text(st, k);
            size_t len = (size_t)sqlite3_column_bytes(st, k);
            if (mvg_hub_rows_push(rows, data, len, t == SQLITE_NULL) < 0) {
                mvg_set_err(err, errlen, "sqlite: out of memory");
                done(st, cached);
                return -1;
            }
        }
    }
    if (rc != SQLITE_DONE) {
        mvg_set_err(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
        done(st, cached);
        return -1;
    }
    done(st, cached);
    return sqlite3_changes(c->db);
}

static int sq_commits_wait(void *conn, int on, char *err, size_t errlen)
{
    sq_conn *c = conn;
    char *msg = NULL;
    if (sqlite3_exec(c->db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                     NULL, &msg) != SQLITE_OK ||
        sqlite3_wal_autocheckpoint(c->db, on ? 1000 : 0) != SQLITE_OK) {
        mvg_set_err(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int sq_sync(void *conn, char *err, size_t errlen)
{
    const sq_conn *c = conn;
    /* opened each time: a checkpoint may have restarted the file */
    int fd = open(c->wal, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* no WAL: everything is in the database file, synced */
        mvg_set_err(err, errlen, "sqlite: cannot open %s: %s", c->wal, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = fdatasync(fd);
    if (rc < 0) {
        mvg_set_err(err, errlen, "sqlite: cannot sync %s: %s", c->wal, strerror(errno));
    } else if (fstat(fd, &st) == 0 && st.st_size > CHECKPOINT_BYTES) {
        int frames = 0, q = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                                      &frames, NULL);
        if (q == SQLITE_OK && frames > WAL_BOUND_FRAMES)
            q = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        /* busy: another checkpoint is running, or the writer outlasted the
         * busy timeout; the next sync tries again */
        if (q != SQLITE_OK && q != SQLITE_BUSY) {
            mvg_set_err(err, errlen, "sqlite: checkpoint of %s: %s", c->wal,
                        sqlite3_errmsg(c->db));
            rc = -1;
        }
    }
    close(fd);
    return rc < 0 ? -1 : 0;
}

const mvg_hub_db_backend_ops mvg_hub_db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .run = sq_run,
    .commits_wait = sq_commits_wait,
    .sync = sq_sync,
    .serial_key = "INTEGER PRIMARY KEY",
    .blob_type = "BLOB",
};
