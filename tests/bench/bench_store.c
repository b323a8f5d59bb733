/*
 * bench_store.c: append rates of the store, printed: samples (one
 * transaction per poll of 100 points) and interval records with two outbox
 * entries each (one transaction per record), with synchronous NORMAL and
 * FULL. Usage: bench_store [DIR] (default: a temp dir under /tmp; the
 * figures depend on the disk under DIR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "store.h"

static int run(const char *dir, int full)
{
    char db[512], err[256];
    snprintf(db, sizeof db, "%s/bench-%d.db", dir, full);
    unlink(db);
    mvg_store_opts o = {.sync_full = full};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    if (!st) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    enum { POINTS = 100, POLLS = 300, RECORDS = 300 };
    int64_t ids[POINTS];
    for (int i = 0; i < POINTS; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        if (mvg_store_point_id(st, "meter", name, &ids[i], err, sizeof err) < 0)
            goto fail;
    }
    mvg_store_sample s[POINTS];
    double t0 = tu_now_s();
    for (int p = 0; p < POLLS; p++) {
        for (int i = 0; i < POINTS; i++)
            s[i] = (mvg_store_sample){ids[i], {.ts_ms = 1795860000000LL + p * 1000, .value = i * 1.5}};
        if (mvg_store_add_samples(st, s, POINTS, err, sizeof err) < 0)
            goto fail;
    }
    double ts = tu_now_s() - t0;
    char json[1024], line[256];
    memset(json, 'x', sizeof json);
    t0 = tu_now_s();
    for (int64_t seq = 1; seq <= RECORDS; seq++) {
        int n = snprintf(json, sizeof json, "{\"schema\":1,\"seq\":%lld,\"pad\":\"%0900d\"}",
                         (long long)seq, 0);
        int m = snprintf(line, sizeof line, "interval,project=p seq=%lldi,kwh=1.5 %lld\n",
                         (long long)seq, (long long)seq);
        mvg_store_interval rec = {"p", seq, seq * 900000, seq * 900000 + 900000, json, (size_t)n, seq};
        mvg_store_out outs[2] = {{"mqtt", MVG_OUT_INTERVAL, "interval/p", NULL, 0, 0},
                                 {"influx", MVG_OUT_INTERVAL, NULL, line, (size_t)m, 0}};
        if (mvg_store_add_interval(st, &rec, outs, 2, err, sizeof err) < 0)
            goto fail;
    }
    double ti = tu_now_s() - t0;
    printf("synchronous=%-6s samples: %8.0f rows/s (%d polls of %d points, %.3f s)   "
           "intervals+2 outbox: %6.0f records/s (%d records, %.3f s)\n",
           full ? "FULL" : "NORMAL", POLLS * POINTS / ts, POLLS, POINTS, ts, RECORDS / ti, RECORDS,
           ti);
    mvg_store_close(st);
    return 0;
fail:
    fprintf(stderr, "%s\n", err);
    mvg_store_close(st);
    return -1;
}

int main(int argc, char **argv)
{
    char tmp[64];
    const char *dir = argc > 1 ? argv[1] : tmp;
    if (argc <= 1 && tu_tmpdir_make(tmp, sizeof tmp, "bench-store") != 0)
        return 1;
    int rc = run(dir, 0) == 0 && run(dir, 1) == 0 ? 0 : 1;
    if (argc <= 1 && tu_tmpdir_remove(dir) != 0)
        rc = 1;
    return rc;
}
