/*
 * store_room.c: the room kept for records (store.h, docs/store.md "Full
 * disk"). Records must never be lost to a full disk, so the store gives
 * the disk's last bytes to them: below store.reserve_mb free on the
 * database's filesystem, raw samples and telemetry are refused (counted),
 * while records, their outbox entries, checkpoints and the status still
 * go in. SQLite's own need is the WAL: it grows by every page written
 * until a checkpoint copies the pages into the database (which may grow
 * by as much), so the WAL is sized to a quarter of the reserve: the
 * reserve then holds a full WAL, its checkpoint and the records beside.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/statvfs.h>

#include "clock.h"
#include "store_db.h"

/* SQLite's default wal_autocheckpoint: the WAL is never made bigger. */
#define WAL_PAGES_MAX 1000
#define WAL_PAGES_MIN 16

int mvg_store_room_short(int64_t free_bytes, int64_t reserve_bytes, int was_low)
{
    if (reserve_bytes < 0)
        reserve_bytes = 0;
    int64_t line = reserve_bytes;
    if (was_low)
        line += reserve_bytes / 4 + 65536;
    return free_bytes < line;
}

int mvg_store_free_bytes(const char *path, int64_t *free_bytes)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0)
        return -1;
    *free_bytes = (int64_t)v.f_bavail * (int64_t)v.f_frsize;
    return 0;
}

static void set_low(mvg_store *st, int low)
{
    if (low && !st->low)
        st->low_since_ms = mvg_clock_real_ms();
    else if (!low)
        st->low_since_ms = 0;
    st->low = low;
}

/* One statvfs per call: a poll's worth of samples costs far more, and a
 * cached figure would let a filling disk run past the reserve. A
 * filesystem that cannot say is taken to have room (the writes will tell). */
int mvg_store_room_check(mvg_store *st)
{
    int64_t f = 0;
    if (!st->path || mvg_store_free_bytes(st->path, &f) != 0) {
        st->free_bytes = -1;
        return st->low;
    }
    st->free_bytes = f;
    set_low(st, mvg_store_room_short(f, st->opts.reserve_bytes, st->low));
    return st->low;
}

void mvg_store_room_full(mvg_store *st)
{
    set_low(st, 1);
}

void mvg_store_room_get(mvg_store *st, mvg_store_room *out)
{
    mvg_store_room_check(st);
    *out = (mvg_store_room){.low = st->low, .free_bytes = st->free_bytes,
                            .reserve_bytes = st->opts.reserve_bytes,
                            .low_since_ms = st->low_since_ms,
                            .samples_refused = st->samples_refused,
                            .telemetry_refused = st->telemetry_refused};
}

int mvg_store_room_wal(mvg_store *st, char *err, size_t errlen)
{
    if (st->opts.reserve_bytes <= 0)
        return 0;
    int64_t psize = 0;
    if (mvg_store_scalar(st, "PRAGMA page_size", &psize, err, errlen) < 0)
        return -1;
    int64_t pages = psize > 0 ? st->opts.reserve_bytes / 4 / psize : WAL_PAGES_MAX;
    if (pages > WAL_PAGES_MAX)
        pages = WAL_PAGES_MAX;
    if (pages < WAL_PAGES_MIN)
        pages = WAL_PAGES_MIN;
    /* journal_size_limit: a WAL that a big transaction grew is cut back to
     * this size after its checkpoint, handing the space back */
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint=%lld; PRAGMA journal_size_limit=%lld;",
             (long long)pages, (long long)(pages * psize));
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return mvg_store_dberr(st, err, errlen, "WAL size");
    return 0;
}
