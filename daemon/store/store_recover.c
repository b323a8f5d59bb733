/*
 * store_recover.c: salvaging a damaged store into a new one
 * (store_recover.h).
 */
#include "store_recover.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_db.h"

/* The tables worth salvaging, in the order their references run. keyed:
 * an INTEGER PRIMARY KEY id, which lets the copy step over unreadable
 * pages by seeking past them; the WITHOUT ROWID tables are read in one
 * scan. outbox_depth is not copied: it is recounted from the outbox. */
static const struct {
    const char *name;
    int keyed;
    int replace; /* the salvaged row wins over the one a new store starts with */
} tables[] = {
    {"meta", 0, 1},         {"points", 1, 0},      {"samples", 1, 0},
    {"intervals", 1, 0},    {"models", 1, 0},      {"key_records", 1, 0},
    {"newchain_records", 1, 0}, {"definition_records", 1, 0}, {"heads", 1, 0},
    {"checkpoints", 1, 0}, {"outbox", 1, 0},
    {"outbox_drops", 0, 0},
};

#define MAX_COLS 16

typedef struct {
    char list[512];  /* "id","a","b" */
    int n;
} columns;

/* The columns table has in both stores (an older schema has fewer), the
 * id first. -1 when the damaged store has no readable table of that name. */
static int common_columns(sqlite3 *src, sqlite3 *dst, const char *table, columns *c)
{
    sqlite3_stmt *q = NULL;
    c->n = 0;
    c->list[0] = '\0';
    if (sqlite3_prepare_v2(dst,
                           "SELECT name FROM pragma_table_info(?1) ORDER BY name <> 'id', cid", -1,
                           &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW && c->n < MAX_COLS) {
        const char *col = (const char *)sqlite3_column_text(q, 0);
        sqlite3_stmt *has = NULL;
        int found = 0;
        if (sqlite3_prepare_v2(src, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
                               &has, NULL) == SQLITE_OK) {
            sqlite3_bind_text(has, 1, table, -1, SQLITE_STATIC);
            sqlite3_bind_text(has, 2, col, -1, SQLITE_STATIC);
            found = sqlite3_step(has) == SQLITE_ROW;
        }
        sqlite3_finalize(has);
        if (!found)
            continue;
        size_t used = strlen(c->list);
        snprintf(c->list + used, sizeof c->list - used, "%s\"%s\"", c->n ? "," : "", col);
        c->n++;
    }
    sqlite3_finalize(q);
    return c->n ? 0 : -1;
}

/* The first step of the scan from past cursor: SQLITE_ROW, SQLITE_DONE or
 * the error a damaged page gives. */
static int seek(sqlite3_stmt *sel, int64_t cursor)
{
    sqlite3_reset(sel);
    sqlite3_bind_int64(sel, 1, cursor);
    return sqlite3_step(sel);
}

static int readable(int rc) { return rc == SQLITE_ROW || rc == SQLITE_DONE; }

/* After an error past bad (the last id read), the smallest cursor from
 * which the scan reads again: probes ever further (1, 2, 4, ... ids on),
 * then halves back to the nearest readable start, so that no more than
 * the unreadable part is stepped over. 0 with *next, -1 when nothing
 * past bad can be read. */
static int step_over(sqlite3_stmt *sel, int64_t bad, int64_t *next)
{
    int64_t base = bad, ok = 0;
    int found = 0;
    for (int shift = 0; !found && shift < 62; shift++) {
        int64_t d = (int64_t)1 << shift;
        if (base > INT64_MAX - d)
            break;
        if (readable(seek(sel, base + d))) {
            ok = base + d;
            found = 1;
        } else {
            bad = base + d;
        }
    }
    if (!found)
        return -1;
    while (ok - bad > 1) {
        int64_t mid = bad + (ok - bad) / 2;
        if (readable(seek(sel, mid)))
            ok = mid;
        else
            bad = mid;
    }
    *next = ok;
    return 0;
}

/* Copies one row of sel into ins; 1 when the new store took it. */
static int copy_row(sqlite3_stmt *sel, sqlite3_stmt *ins, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
    int ok = sqlite3_step(ins) == SQLITE_DONE;
    sqlite3_reset(ins);
    return ok;
}

static int copy_table(sqlite3 *src, sqlite3 *dst, size_t k, mvg_recover_table *t, char *err,
                      size_t errlen)
{
    snprintf(t->name, sizeof t->name, "%s", tables[k].name);
    columns c;
    if (common_columns(src, dst, t->name, &c) != 0) {
        t->missing = 1;
        return 0;
    }
    char sql[1024], marks[3 * MAX_COLS + 1] = "";
    for (int i = 0; i < c.n; i++)
        strcat(marks, i ? ",?" : "?");
    snprintf(sql, sizeof sql, "INSERT %sINTO \"%s\"(%s) VALUES(%s)",
             tables[k].replace ? "OR REPLACE " : "", t->name, c.list, marks);
    sqlite3_stmt *ins = NULL, *sel = NULL;
    if (sqlite3_prepare_v2(dst, sql, -1, &ins, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "recover: %s: %s", t->name, sqlite3_errmsg(dst));
        return -1;
    }
    if (tables[k].keyed)
        snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" WHERE id > ?1 ORDER BY id", c.list,
                 t->name);
    else
        snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\"", c.list, t->name);
    if (sqlite3_prepare_v2(src, sql, -1, &sel, NULL) != SQLITE_OK) {
        t->missing = 1; /* even its schema is unreadable */
        sqlite3_finalize(ins);
        return 0;
    }
    int64_t last = 0; /* ids start at 1 */
    int gap = 0;
    int rc = tables[k].keyed ? seek(sel, last) : sqlite3_step(sel);
    for (;;) {
        if (rc == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(sel, 0);
            if (gap && tables[k].keyed)
                t->lost += id - last - 1;
            gap = 0;
            if (copy_row(sel, ins, c.n))
                t->copied++;
            else
                t->rejected++;
            last = id;
            rc = sqlite3_step(sel);
            continue;
        }
        if (rc == SQLITE_DONE) {
            t->tail_lost = gap;
            break;
        }
        /* a damaged page or row: step over it where the key allows */
        int64_t next;
        if (!tables[k].keyed || step_over(sel, last, &next) != 0) {
            t->tail_lost = 1;
            break;
        }
        gap = 1;
        rc = seek(sel, next);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return 0;
}

static void add_hole(mvg_recover_report *rep, const char *project, const char *what, int64_t lo,
                     int64_t hi)
{
    if (rep->nholes < MVG_RECOVER_HOLES_MAX) {
        char *h = rep->holes[rep->nholes];
        if (lo == hi)
            snprintf(h, sizeof rep->holes[0], "project %s: %s %lld missing", project, what,
                     (long long)lo);
        else
            snprintf(h, sizeof rep->holes[0], "project %s: %s %lld..%lld missing", project,
                     what, (long long)lo, (long long)hi);
    }
    rep->nholes++;
}

/* The gaps of a (project, number) sequence that should run 1, 2, 3, ... */
static int find_holes(sqlite3 *db, const char *sql, const char *what, mvg_recover_report *rep)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    char project[128] = "";
    int64_t prev = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(q, 0);
        int64_t v = sqlite3_column_int64(q, 1);
        if (!p)
            continue;
        if (strcmp(p, project) != 0) {
            snprintf(project, sizeof project, "%s", p);
            prev = 0;
        }
        if (v > prev + 1)
            add_hole(rep, project, what, prev + 1, v - 1);
        prev = v;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* What the copy leaves to put right: entries whose record was lost, the
 * outbox depth the triggers keep (recounted), the outbox id sequence (never
 * lower than the damaged store's, for the publishers' cursors). */
static int finish(sqlite3 *src, sqlite3 *dst, mvg_recover_report *rep)
{
    static const char orphans[] =
        "DELETE FROM outbox WHERE payload IS NULL AND"
        " ((interval_id IS NOT NULL AND interval_id NOT IN (SELECT id FROM intervals))"
        " OR (model_id IS NOT NULL AND model_id NOT IN (SELECT id FROM models)))";
    static const char depth[] =
        "DELETE FROM outbox_depth; INSERT INTO outbox_depth"
        " SELECT publisher, count(*), sum(bytes) FROM outbox WHERE delivered = 0"
        " GROUP BY publisher";
    if (sqlite3_exec(dst, orphans, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    rep->outbox_orphans = sqlite3_changes(dst);
    if (sqlite3_exec(dst, depth, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *q = NULL;
    int64_t seq = 0;
    if (sqlite3_prepare_v2(src, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        seq = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    char *sql = sqlite3_mprintf(
        "UPDATE sqlite_sequence SET seq = max(seq, %lld) WHERE name = 'outbox'", (long long)seq);
    int rc = sqlite3_exec(dst, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return -1;
    if (find_holes(dst, "SELECT project, chain FROM (" CHAINED_UNION ") ORDER BY project, chain",
                   "chain", rep) != 0 ||
        find_holes(dst, "SELECT project, seq FROM intervals ORDER BY project, seq",
                   "interval seq", rep) != 0)
        return -1;
    return 0;
}

static int quick_check_ok(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL) == SQLITE_OK &&
             sqlite3_step(q) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
    sqlite3_finalize(q);
    return ok;
}

static void remove_db(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
        if (snprintf(p, sizeof p, "%s%s", path, suffix[i]) < (int)sizeof p)
            unlink(p);
}

/* The damaged store, read-only. Without a WAL to read it is opened
 * immutable: no locks and no -shm, since every statement that trips over
 * a damaged page ends its read transaction, and taking the WAL read lock
 * again each time slows the salvage to a crawl. A WAL with content (the
 * daemon did not stop cleanly) must be read, so then the file is opened
 * the ordinary way. */
static sqlite3 *open_damaged(const char *path)
{
    char wal[4096];
    struct stat sb;
    int has_wal = snprintf(wal, sizeof wal, "%s-wal", path) < (int)sizeof wal &&
                  stat(wal, &sb) == 0 && sb.st_size > 0;
    sqlite3 *db = NULL;
    if (has_wal) {
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
        return db;
    }
    /* file: URI, with the characters a URI path cannot hold escaped */
    char uri[3 * 4096 + 32] = "file:";
    size_t n = strlen(uri);
    for (const char *c = path; *c && n + 4 < sizeof uri - 16; c++)
        n += (size_t)(*c == '%' || *c == '?' || *c == '#'
                          ? snprintf(uri + n, sizeof uri - n, "%%%02X", (unsigned char)*c)
                          : snprintf(uri + n, sizeof uri - n, "%c", *c));
    snprintf(uri + n, sizeof uri - n, "?immutable=1");
    sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    return db;
}

int mvg_store_recover(const char *damaged, const char *out, mvg_recover_report *rep, char *err,
                      size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    if (access(damaged, R_OK) != 0) {
        snprintf(err, errlen, "recover: cannot read %s", damaged);
        return -1;
    }
    if (access(out, F_OK) == 0) {
        snprintf(err, errlen,
                 "recover: %s exists already: remove it or choose another --out (it is never"
                 " overwritten)",
                 out);
        return -1;
    }
    sqlite3 *src = open_damaged(damaged);
    if (!src || sqlite3_errcode(src) != SQLITE_OK) {
        snprintf(err, errlen, "recover: cannot open %s: %s", damaged,
                 src ? sqlite3_errmsg(src) : "out of memory");
        sqlite3_close(src);
        return -1;
    }
    mvg_store *st = mvg_store_open(out, NULL, err, errlen);
    int rc = st ? 0 : -1;
    if (rc == 0 && sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        rc = mvg_store_dberr(st, err, errlen, "recover");
    for (size_t k = 0; rc == 0 && k < sizeof tables / sizeof tables[0]; k++)
        rc = copy_table(src, st->db, k, &rep->tables[rep->ntables++], err, errlen);
    if (rc == 0 && finish(src, st->db, rep) != 0)
        rc = mvg_store_dberr(st, err, errlen, "recover");
    if (rc == 0 && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = mvg_store_dberr(st, err, errlen, "recover: commit");
    if (rc == 0 && !quick_check_ok(st->db)) {
        snprintf(err, errlen, "recover: the new store %s fails quick_check", out);
        rc = -1;
    }
    mvg_store_close(st);
    sqlite3_close(src);
    if (rc != 0)
        remove_db(out);
    return rc;
}

int mvg_store_recover_lost(const mvg_recover_report *rep)
{
    for (size_t i = 0; i < rep->ntables; i++)
        if (rep->tables[i].lost || rep->tables[i].tail_lost || rep->tables[i].rejected)
            return 1;
    return rep->outbox_orphans || rep->nholes;
}
