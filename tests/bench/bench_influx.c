/*
 * bench_influx.c: drain rate of the InfluxDB writer into a real influxd 1.6
 * (a throwaway server on free ports): 100,000 sample lines, in outbox
 * entries of 10 lines (one poll of a 10-point device), for batch sizes 1000
 * and 5000 lines, gzip off and on. Each run gets a fresh database and store.
 * Usage: bench_influx [DIR] (DIR defaults to a temp dir under /tmp).
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "influxd_harness.h"
#include "testutil.h"

#include "influx_pub.h"
#include "lineproto.h"
#include "store.h"

#define NLINES 100000
#define PER_ENTRY 10

static int fill(const char *db, char *err, size_t errlen)
{
    mvg_store *st = mvg_store_open(db, NULL, err, errlen);
    if (!st)
        return -1;
    mvg_lp *lp = mvg_lp_new();
    int rc = mvg_store_begin(st, err, errlen);
    for (int e = 0; rc == 0 && e < NLINES / PER_ENTRY; e++) {
        mvg_lp_clear(lp);
        for (int k = 0; k < PER_ENTRY; k++) {
            char point[16];
            snprintf(point, sizeof point, "p%d", k);
            mvg_lp_begin(lp, "mvgate_sample");
            mvg_lp_tag(lp, "gateway", "plant-1");
            mvg_lp_tag(lp, "device", "compressor meter");
            mvg_lp_tag(lp, "point", point);
            mvg_lp_field_double(lp, "value", 400.0 + (e % 97) * 0.37 + k);
            mvg_lp_field_string(lp, "quality", "good");
            mvg_lp_end(lp, 1700000000000LL + e * 1000LL);
        }
        size_t len;
        const char *d = mvg_lp_data(lp, &len);
        mvg_store_out o = {"influx", MVG_OUT_TELEMETRY, "", d, len, 0};
        rc = mvg_store_add_outbox(st, &o, 1, err, errlen);
    }
    if (rc == 0)
        rc = mvg_store_commit(st, err, errlen);
    mvg_lp_free(lp);
    mvg_store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    char dir[256], err[256];
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        if (tu_tmpdir_make(dir, sizeof dir, "bench-influx") != 0)
            return 1;
    }
    signal(SIGPIPE, SIG_IGN); /* as mvgated (http_post.h) */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ih_server srv;
    if (ih_configure(&srv, dir) != 0 || ih_run(&srv) != 0) {
        fprintf(stderr, "bench_influx: influxd did not start (see %s/influxd.log)\n", dir);
        curl_global_cleanup();
        return 1;
    }

    printf("%d sample lines in entries of %d lines, influxd 1.6 on 127.0.0.1\n", NLINES,
           PER_ENTRY);
    printf("%-12s %-5s %12s %10s %12s %8s\n", "batch_lines", "gzip", "lines/s", "seconds",
           "bytes sent", "batches");
    int sizes[] = {1000, 5000};
    int rc = 0;
    for (int si = 0; si < 2 && !rc; si++) {
        for (int gz = 0; gz < 2 && !rc; gz++) {
            char name[32], db[320];
            snprintf(name, sizeof name, "b%d_gz%d", sizes[si], gz);
            snprintf(db, sizeof db, "%s/%s.db", dir, name);
            if (ih_create_db(&srv, name) != 0 || fill(db, err, sizeof err) < 0) {
                fprintf(stderr, "setup %s: %s\n", name, err);
                rc = 1;
                break;
            }
            mvg_influx_cfg cfg;
            mvg_config_influx_defaults(&cfg);
            snprintf(cfg.url, sizeof cfg.url, "%s", srv.url);
            snprintf(cfg.db, sizeof cfg.db, "%s", name);
            cfg.gzip = gz;
            cfg.batch_lines = sizes[si];
            cfg.poll_ms = 20;
            double t0 = tu_now_s();
            mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
            if (!p) {
                fprintf(stderr, "%s\n", err);
                rc = 1;
                break;
            }
            mvg_influx_stats ps;
            do {
                usleep(2000);
                mvg_influx_pub_get_stats(p, &ps);
            } while (ps.lines + 0 < NLINES && tu_now_s() - t0 < 300 && !ps.rejected);
            double dt = tu_now_s() - t0;
            mvg_influx_pub_stop(p);
            printf("%-12d %-5s %12.0f %10.2f %12llu %8llu\n", sizes[si], gz ? "on" : "off",
                   ps.lines / dt, dt, (unsigned long long)ps.bytes_sent,
                   (unsigned long long)ps.batches);
            if (ps.lines != NLINES)
                rc = 1;
        }
    }
    ih_kill(&srv);
    if (argc < 2 && tu_tmpdir_remove(dir) != 0)
        rc = 1;
    curl_global_cleanup();
    return rc;
}
