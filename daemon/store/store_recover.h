/*
 * store_recover.h: salvaging a damaged store (mvgate store recover). What
 * SQLite can still read of a damaged mvgate.db is copied, table by table
 * and row by row, into a new database of the current schema; unreadable
 * pages and rows are stepped over and counted per table, the damaged file
 * is only ever opened read-only. Debian 12's libsqlite3 (3.40) does not
 * export the sqlite3_recover API (it is built into the sqlite3 shell
 * only), hence the copy here. Afterwards the new database must pass
 * quick_check, and the holes its salvage left in each project's signed
 * chain and interval seq are listed, the same places `mvgate verify` finds
 * missing in its export.
 */
#ifndef MVG_STORE_RECOVER_H
#define MVG_STORE_RECOVER_H

#include <stddef.h>
#include <stdint.h>

#define MVG_RECOVER_TABLES_MAX 16
#define MVG_RECOVER_HOLES_MAX 32

typedef struct {
    char name[32];
    int64_t copied;       /* rows written to the new store */
    int64_t lost;         /* at most this many rows unreadable (ids between readable ones) */
    int tail_lost;        /* 1: the table could not be read past its last copied row */
    int64_t rejected;     /* read, but refused by the schema (a damaged value) */
    int missing;          /* 1: the damaged store has no readable table of this name */
} mvg_recover_table;

typedef struct {
    mvg_recover_table tables[MVG_RECOVER_TABLES_MAX];
    size_t ntables;
    int64_t outbox_orphans;   /* outbox entries dropped: the record they send was lost */
    /* "project P: chain 12..15 missing" / "project P: interval seq 9..11
     * missing", the first MVG_RECOVER_HOLES_MAX (nholes counts on) */
    char holes[MVG_RECOVER_HOLES_MAX][128];
    size_t nholes;
} mvg_recover_report;

/* Salvages damaged (opened read-only, never changed) into out, which must
 * not exist yet. 0 with *rep filled (also when rows were lost: see rep),
 * -1 with err when nothing could be written (out is then removed). */
int mvg_store_recover(const char *damaged, const char *out, mvg_recover_report *rep, char *err,
                      size_t errlen);

/* 1 when the salvage lost anything (rows, outbox entries, chain holes). */
int mvg_store_recover_lost(const mvg_recover_report *rep);

#endif
