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

#include "influx_pub.h"
#include "lineproto.h"
#include "store.h"

#define NLINES 100000
#define PER_ENTRY 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

static long http(const char *url, const char *post)
{
    CURL *c = curl_easy_init();
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(null);
    return status;
}

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
        strcpy(dir, "/tmp/mvg_bench_influx_XXXXXX");
        if (!mkdtemp(dir))
            return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int hp = free_port(), bp = free_port();
    char conf[320], url[64], logf[320];
    snprintf(conf, sizeof conf, "%s/influxd.conf", dir);
    snprintf(logf, sizeof logf, "%s/influxd.log", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", hp);
    FILE *f = fopen(conf, "w");
    if (!f)
        return 1;
    fprintf(f,
            "reporting-disabled = true\nbind-address = \"127.0.0.1:%d\"\n"
            "[meta]\n  dir = \"%s/meta\"\n"
            "[data]\n  dir = \"%s/data\"\n  wal-dir = \"%s/wal\"\n  query-log-enabled = false\n"
            "[monitor]\n  store-enabled = false\n"
            "[http]\n  bind-address = \"127.0.0.1:%d\"\n  log-enabled = false\n"
            "[logging]\n  level = \"warn\"\n",
            bp, dir, dir, dir, hp);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/usr/bin/influxd", "influxd", "run", "-config", conf, (char *)NULL);
        _exit(127);
    }
    char ping[96], query[96];
    snprintf(ping, sizeof ping, "%s/ping", url);
    snprintf(query, sizeof query, "%s/query", url);
    for (int i = 0; i < 300 && http(ping, NULL) != 204; i++)
        usleep(50000);

    printf("%d sample lines in entries of %d lines, influxd 1.6 on 127.0.0.1\n", NLINES,
           PER_ENTRY);
    printf("%-12s %-5s %12s %10s %12s %8s\n", "batch_lines", "gzip", "lines/s", "seconds",
           "bytes sent", "batches");
    int sizes[] = {1000, 5000};
    int rc = 0;
    for (int si = 0; si < 2 && !rc; si++) {
        for (int gz = 0; gz < 2 && !rc; gz++) {
            char name[32], db[320], q[64];
            snprintf(name, sizeof name, "b%d_gz%d", sizes[si], gz);
            snprintf(q, sizeof q, "q=CREATE DATABASE %s", name);
            snprintf(db, sizeof db, "%s/%s.db", dir, name);
            if (http(query, q) != 200 || fill(db, err, sizeof err) < 0) {
                fprintf(stderr, "setup %s: %s\n", name, err);
                rc = 1;
                break;
            }
            mvg_influx_cfg cfg;
            mvg_config_influx_defaults(&cfg);
            snprintf(cfg.url, sizeof cfg.url, "%s", url);
            snprintf(cfg.db, sizeof cfg.db, "%s", name);
            cfg.gzip = gz;
            cfg.batch_lines = sizes[si];
            cfg.poll_ms = 20;
            double t0 = now_s();
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
            } while (ps.lines + 0 < NLINES && now_s() - t0 < 300 && !ps.rejected);
            double dt = now_s() - t0;
            mvg_influx_pub_stop(p);
            printf("%-12d %-5s %12.0f %10.2f %12llu %8llu\n", sizes[si], gz ? "on" : "off",
                   ps.lines / dt, dt, (unsigned long long)ps.bytes_sent,
                   (unsigned long long)ps.batches);
            if (ps.lines != NLINES)
                rc = 1;
        }
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (argc < 2) {
        char cmd[320];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            rc = 1;
    }
    curl_global_cleanup();
    return rc;
}
