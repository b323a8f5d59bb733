/*
 * test_influx_pub.c: the InfluxDB writer against a real influxd 1.6 (a
 * throwaway server on free ports: delivery of awkward names with gzip, a
 * server stopped and restarted mid-way, a 400 partial write) and against a
 * tiny HTTP server of the test's own (the v2 request shape, basic auth, the
 * resend of a failed batch unchanged and in order). Built twice: on
 * libevent's HTTP client (test_influx_pub) and on libcurl's
 * (test_influx_pub_tls, MVG_INFLUX_CLIENT_CURL), http_post.h; the latter
 * also writes to an https:// influxd with a certificate of its own CA.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "influxd_harness.h"
#include "mqtt_harness.h" /* mh_certs_make: a CA, a server certificate, another CA */
#include "testutil.h"

#include "influx_pub.h"
#include "lineproto.h"
#include "outbox.h"
#include "store.h"

/* The influx section as the config loader fills it for these keys. */
static mvg_influx_cfg section(const char *url, int version, const char *database)
{
    mvg_influx_cfg c;
    mvg_config_influx_defaults(&c);
    c.enabled = 1;
    snprintf(c.url, sizeof c.url, "%s", url);
    c.version = version;
    snprintf(c.db, sizeof c.db, "%s", database);
    return c;
}
#define SET(field, v) snprintf(field, sizeof field, "%s", v)

static char dir[64], db[128], err[256];
static pid_t influxd_pid; /* the running server, stopped by teardown when a test failed */

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make_db(dir, sizeof dir, db, sizeof db, "influx");
}

static int teardown(void **state)
{
    (void)state;
    if (influxd_pid > 0) {
        kill(influxd_pid, SIGTERM);
        waitpid(influxd_pid, NULL, 0);
        influxd_pid = 0;
    }
    return tu_tmpdir_remove(dir);
}

/* ---- a throwaway influxd (influxd_harness.h), stopped by teardown ---- */

static void influxd_run(ih_server *s)
{
    assert_int_equal(ih_run(s), 0);
    influxd_pid = s->pid;
}

static void influxd_kill(ih_server *s)
{
    ih_kill(s);
    influxd_pid = 0;
}

static void influxd_start(ih_server *s, const char *dbname)
{
    char d[128];
    snprintf(d, sizeof d, "%s/influxd", dir);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(ih_configure(s, d), 0);
    influxd_run(s);
    assert_int_equal(ih_create_db(s, dbname), 0);
}

/* A real influxd with database dbname, and the store its publisher drains;
 * the test is skipped when influxd is not installed. */
static mvg_store *influxd_and_store(ih_server *s, const char *dbname)
{
    if (access(IH_INFLUXD, X_OK) != 0)
        skip();
    memset(s, 0, sizeof *s);
    influxd_start(s, dbname);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    return st;
}

/* The first value of column col of the first row of an InfluxQL query, as
 * JSON (caller decrefs), or NULL when there is no row. */
static json_t *query1(const ih_server *s, const char *dbname, const char *q, int col)
{
    CURL *c = curl_easy_init();
    char *eq = curl_easy_escape(c, q, 0);
    char *ed = curl_easy_escape(c, dbname, 0);
    curl_easy_cleanup(c);
    size_t n = strlen(eq) + strlen(ed) + 128;
    char *u = malloc(n);
    snprintf(u, n, "%s/query?db=%s&epoch=ms&q=%s", s->url, ed, eq);
    curl_free(eq);
    curl_free(ed);
    char *body = NULL;
    long st = ih_http_ca(u, NULL, &body, s->ca);
    free(u);
    assert_int_equal(st, 200);
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    free(body);
    json_t *v = json_array_get(
        json_array_get(json_object_get(
                           json_array_get(json_object_get(json_array_get(json_object_get(j, "results"), 0),
                                                          "series"),
                                          0),
                           "values"),
                       0),
        (size_t)col);
    json_incref(v);
    json_decref(j);
    return v;
}

static long long query_count(const ih_server *s, const char *dbname, const char *q)
{
    json_t *v = query1(s, dbname, q, 1);
    long long n = v ? (long long)json_integer_value(v) : 0;
    json_decref(v);
    return n;
}

/* ---- filling the outbox ---- */

static const char *devices[] = {"meter 1", "m,2", "m=3\"q"};
static const char *quality_text = "say \"hi\" c:\\tmp";
#define T0 1700000000000LL

/* Entry e: 10 sample lines (3 devices x 3 points + 1), the sample with
 * index k of entry e at T0 + e*1000 + k ms, value e + k/4. */
static void add_sample_entries(mvg_store *st, int from, int to)
{
    mvg_lp *lp = mvg_lp_new();
    for (int e = from; e < to; e++) {
        mvg_lp_clear(lp);
        for (int k = 0; k < 10; k++) {
            char point[32];
            snprintf(point, sizeof point, "p=%d x", k % 3);
            assert_int_equal(mvg_lp_begin(lp, "mvgate_sample"), 0);
            assert_int_equal(mvg_lp_tag(lp, "gateway", "gw 1,a=b"), 0);
            assert_int_equal(mvg_lp_tag(lp, "device", devices[k % 3]), 0);
            assert_int_equal(mvg_lp_tag(lp, "point", point), 0);
            assert_int_equal(mvg_lp_field_double(lp, "value", e + k / 4.0), 0);
            assert_int_equal(mvg_lp_field_string(lp, "quality", k == 9 ? quality_text : "good"), 0);
            assert_int_equal(mvg_lp_end(lp, T0 + e * 1000LL + k), 0);
        }
        size_t len;
        const char *d = mvg_lp_data(lp, &len);
        mvg_store_out o = {"influx", MVG_OUT_TELEMETRY, "", d, len, 0};
        assert_int_equal(mvg_store_add_outbox(st, &o, 1, err, sizeof err), 0);
    }
    mvg_lp_free(lp);
}

static void add_interval_entries(mvg_store *st, int from, int to)
{
    mvg_lp *lp = mvg_lp_new();
    for (int e = from; e < to; e++) {
        mvg_lp_clear(lp);
        assert_int_equal(mvg_lp_begin(lp, "mvgate_interval"), 0);
        assert_int_equal(mvg_lp_tag(lp, "gateway", "gw 1,a=b"), 0);
        assert_int_equal(mvg_lp_tag(lp, "project", "comp vsd,1"), 0);
        assert_int_equal(mvg_lp_tag(lp, "stream", "energy=kWh"), 0);
        assert_int_equal(mvg_lp_field_int(lp, "seq", e + 1), 0);
        assert_int_equal(mvg_lp_field_string(lp, "phase", "reporting"), 0);
        assert_int_equal(mvg_lp_field_bool(lp, "valid", e % 2), 0);
        assert_int_equal(mvg_lp_field_double(lp, "savings", e * 1.25), 0);
        assert_int_equal(mvg_lp_end(lp, T0 + e * 900000LL), 0);
        size_t len;
        const char *d = mvg_lp_data(lp, &len);
        mvg_store_out o = {"influx", MVG_OUT_INTERVAL, "", d, len, 0};
        assert_int_equal(mvg_store_add_outbox(st, &o, 1, err, sizeof err), 0);
    }
    mvg_lp_free(lp);
}

static mvg_outbox_stats outbox_stats(void)
{
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "influx", &os, err, sizeof err), 0);
    mvg_store_close(st);
    return os;
}

/* Undelivered and not parked: what the writer still has to send. */
static uint64_t outbox_depth(void)
{
    mvg_outbox_stats os = outbox_stats();
    return os.depth - os.parked;
}

static void wait_drained(int timeout_ms)
{
    for (int t = 0; t < timeout_ms && outbox_depth() > 0; t += 50)
        tu_sleep_ms(50);
    assert_int_equal(outbox_depth(), 0);
}

/* The publisher's figures once it has counted `delivered` entries and
 * `rejected` refusals (at most 5 s): an entry leaves the outbox when it is
 * acked or parked, and the publisher counts it just after that commit, so
 * a drained outbox can be seen first. */
static void stats_when_counted(mvg_influx_pub *p, uint64_t delivered, uint64_t rejected,
                               mvg_influx_stats *ps)
{
    mvg_influx_pub_get_stats(p, ps);
    for (int w = 0; w < 5000 && (ps->delivered < delivered || ps->rejected < rejected); w += 10) {
        tu_sleep_ms(10);
        mvg_influx_pub_get_stats(p, ps);
    }
}

/* ---- the bad line finder ---- */

static void test_find_bad_line(void **state)
{
    (void)state;
    const char *body = "m v=1.5 1\n"
                       "m\\ x,t=a v=2i 2\n"
                       "other v=3i 3\n"
                       "m v=\"s,v=4i\",v=4i 4\n"
                       "m,t=b\\ c v=5i 5\n";
    char out[128];
    /* In line 2 the measurement is "m x", not "m"; line 3 is another one;
     * line 4 has v=4i only inside a string and then as a second "v" field. */
    const char *e1 = "partial write: field type conflict: input field \"v\" on measurement \"m\" "
                     "is type integer, already exists as type float dropped=1";
    assert_int_equal(mvg_influx_find_bad_line(body, strlen(body), e1, out, sizeof out), 0);
    assert_string_equal(out, "m v=\"s,v=4i\",v=4i 4");
    const char *e2 = "partial write: field type conflict: input field \"v\" on measurement \"m x\" "
                     "is type integer, already exists as type float dropped=1";
    assert_int_equal(mvg_influx_find_bad_line(body, strlen(body), e2, out, sizeof out), 0);
    assert_string_equal(out, "m\\ x,t=a v=2i 2");
    const char *e3 = "unable to parse 'other v=3i 3': invalid field format";
    assert_int_equal(mvg_influx_find_bad_line(body, strlen(body), e3, out, sizeof out), 0);
    assert_string_equal(out, "other v=3i 3");
    const char *e4 = "input field \"w\" on measurement \"m\" is type string, already exists";
    assert_int_equal(mvg_influx_find_bad_line(body, strlen(body), e4, out, sizeof out), -1);
    assert_string_equal(out, "");
}

/* ---- real influxd: delivery, gzip, stop and restart ---- */

static void test_deliver_restart(void **state)
{
    (void)state;
    if (access(IH_INFLUXD, X_OK) != 0)
        skip();
    ih_server s;
    memset(&s, 0, sizeof s);
    influxd_start(&s, "gw");

    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    add_sample_entries(st, 0, 300);  /* 3000 lines */
    add_interval_entries(st, 0, 40); /* 40 lines */

    mvg_influx_cfg cfg = section(s.url, 1, "gw");
    cfg.gzip = 1;
    cfg.batch_lines = 500;
    cfg.backoff_min_ms = 50;
    cfg.backoff_max_ms = 200;
    cfg.poll_ms = 100;
    cfg.timeout_ms = 3000;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    mvg_influx_pub_kick(p);
    wait_drained(20000);

    mvg_influx_stats ps;
    mvg_influx_pub_get_stats(p, &ps);
    assert_int_equal(ps.delivered, 340);
    assert_int_equal(ps.lines, 3040);
    /* 300 entries of 10 lines: 50 per 500-line batch (6), then the 40
     * one-line intervals in one more. */
    assert_int_equal(ps.batches, 7);
    assert_int_equal(ps.rejected, 0);
    assert_int_equal(ps.last_status, 204);
    assert_true(ps.bytes_sent > 0 && ps.bytes_sent < 3040 * 20); /* gzip: far below ~90 B/line */

    assert_int_equal(query_count(&s, "gw", "SELECT count(\"value\") FROM \"mvgate_sample\""), 3000);
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"seq\") FROM \"mvgate_interval\""), 40);
    assert_int_equal(
        query_count(&s, "gw",
                    "SELECT count(\"value\") FROM \"mvgate_sample\" WHERE \"device\"='m,2' AND "
                    "\"point\"='p=1 x' AND \"gateway\"='gw 1,a=b'"),
        300 * 3); /* k = 1, 4, 7 of every entry */

    /* Exact values: entry 123, k = 9 (device "meter 1", point "p=0 x"). */
    char q[256];
    snprintf(q, sizeof q,
             "SELECT \"value\",\"quality\" FROM \"mvgate_sample\" WHERE \"device\"='meter 1' AND "
             "time = %lldms",
             T0 + 123 * 1000LL + 9);
    json_t *v = query1(&s, "gw", q, 1);
    assert_non_null(v);
    assert_true(json_real_value(v) == 123 + 9 / 4.0);
    json_decref(v);
    v = query1(&s, "gw", q, 2);
    assert_string_equal(json_string_value(v), quality_text);
    json_decref(v);
    v = query1(&s, "gw",
               "SELECT \"seq\",\"valid\",\"savings\",\"phase\" FROM \"mvgate_interval\" WHERE "
               "\"project\"='comp vsd,1' AND \"stream\"='energy=kWh' ORDER BY time DESC LIMIT 1",
               1);
    assert_int_equal(json_integer_value(v), 40);
    json_decref(v);

    /* The server goes away: new entries wait, the writer fails and retries. */
    influxd_kill(&s);
    add_sample_entries(st, 300, 500);
    add_interval_entries(st, 40, 60);
    mvg_influx_pub_kick(p);
    for (int t = 0; t < 5000; t += 50) {
        mvg_influx_pub_get_stats(p, &ps);
        if (ps.failures >= 2)
            break;
        tu_sleep_ms(50);
    }
    assert_true(ps.failures >= 2);
    assert_int_equal(ps.last_status, 0);
    assert_true(ps.last_error[0] != '\0');
    assert_int_equal(outbox_depth(), 220);

    influxd_run(&s); /* same ports, same data */
    wait_drained(20000);
    mvg_influx_pub_get_stats(p, &ps);
    assert_int_equal(ps.delivered, 560);
    assert_true(ps.retries >= 2);
    assert_string_equal(ps.last_error, "");
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"value\") FROM \"mvgate_sample\""), 5000);
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"seq\") FROM \"mvgate_interval\""), 60);
    v = query1(&s, "gw", "SELECT last(\"seq\") FROM \"mvgate_interval\"", 1);
    assert_int_equal(json_integer_value(v), 60);
    json_decref(v);

    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    influxd_kill(&s);
}

/* ---- real influxd: a 400 partial write parks the refused entry ---- */

static int list_parked(void *user, const mvg_store_parked *e)
{
    char *log = user;
    char one[512];
    snprintf(one, sizeof one, "%d|%s|%.*s", e->code, e->reason, (int)e->len, e->payload);
    strcat(log, one);
    return 0;
}

static void add_raw(mvg_store *st, const char *lines)
{
    mvg_store_out o = {"influx", MVG_OUT_TELEMETRY, "", lines, strlen(lines), 0};
    assert_int_equal(mvg_store_add_outbox(st, &o, 1, err, sizeof err), 0);
}

static void test_rejected_400(void **state)
{
    (void)state;
    ih_server s;
    mvg_store *st = influxd_and_store(&s, "gw");
    /* batch_lines 3: [A], [B], [C] go in three batches. */
    add_raw(st, "m,t=a v=1.5 1000\nm,t=a v=2.5 2000\nm,t=a v=3.5 3000\n");   /* A */
    add_raw(st, "m,t=a v=4i 4000\nm,t=a v=5.5 5000\n");                     /* B: int after float */
    add_raw(st, "m,t=a v=6.5 6000\nm,t=b v=7.5 7000\nm,t=b v=8.5 8000\n");   /* C */
    mvg_influx_cfg cfg = section(s.url, 1, "gw");
    cfg.batch_lines = 3;
    cfg.backoff_min_ms = 50;
    cfg.backoff_max_ms = 200;
    cfg.poll_ms = 100;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(10000);
    mvg_influx_stats ps;
    stats_when_counted(p, 2, 1, &ps);
    assert_int_equal(ps.delivered, 2);
    assert_int_equal(ps.batches, 2);
    assert_int_equal(ps.rejected, 1);
    assert_int_equal(ps.rejected_batches, 1);
    assert_non_null(strstr(ps.last_rejected, "field type conflict"));
    assert_string_equal(ps.first_bad_line, "m,t=a v=4i 4000");
    assert_int_equal(ps.last_status, 204);
    /* The good line of B was kept by the partial write, and C arrived. */
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"v\") FROM \"m\""), 7);
    json_t *v = query1(&s, "gw", "SELECT \"v\" FROM \"m\" WHERE time = 5000ms", 1);
    assert_true(json_real_value(v) == 5.5);
    json_decref(v);
    v = query1(&s, "gw", "SELECT last(\"v\") FROM \"m\"", 1);
    assert_true(json_real_value(v) == 8.5);
    json_decref(v);
    /* B is kept, parked with InfluxDB's words and the refused line */
    mvg_outbox_stats os = outbox_stats();
    assert_int_equal(os.depth, 1);
    assert_int_equal(os.parked, 1);
    static char log[2048];
    log[0] = '\0';
    assert_int_equal(mvg_store_foreach_parked(st, "influx", list_parked, log, err, sizeof err), 0);
    assert_non_null(strstr(log, "400|"));
    assert_non_null(strstr(log, "field type conflict"));
    assert_non_null(strstr(log, "refused line: m,t=a v=4i 4000"));
    assert_non_null(strstr(log, "|m,t=a v=4i 4000\nm,t=a v=5.5 5000\n"));
    /* D conflicts with what is already in InfluxDB (n.v is float there):
     * parked. The conflict removed (DROP MEASUREMENT), a resend: D arrives;
     * B, whose two lines conflict with each other, is refused again and
     * stays kept. */
    char u[96];
    snprintf(u, sizeof u, "%s/write?db=gw&precision=ms", s.url);
    assert_int_equal(ih_http(u, "n v=1.5 1000", NULL), 204);
    add_raw(st, "n v=2i 2000\n"); /* D */
    mvg_influx_pub_kick(p);
    for (int t = 0; t < 10000 && outbox_stats().parked < 2; t += 50)
        tu_sleep_ms(50);
    assert_int_equal(outbox_stats().parked, 2);
    snprintf(u, sizeof u, "%s/query?db=gw", s.url);
    assert_int_equal(ih_http(u, "q=DROP MEASUREMENT \"n\"", NULL), 200);
    assert_int_equal(mvg_store_outbox_resend(st, "influx", err, sizeof err), 0);
    for (int t = 0; t < 10000 && outbox_stats().depth > 1; t += 50)
        tu_sleep_ms(50);
    tu_sleep_ms(300); /* B's second refusal */
    os = outbox_stats();
    assert_int_equal(os.depth, 1);
    assert_int_equal(os.parked, 1);
    v = query1(&s, "gw", "SELECT \"v\" FROM \"n\"", 1);
    assert_int_equal(json_integer_value(v), 2);
    json_decref(v);
    mvg_influx_pub_get_stats(p, &ps);
    assert_int_equal(ps.delivered, 3);
    assert_int_equal(ps.rejected, 3); /* B, D, B again */
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    influxd_kill(&s);
}

/* Refused lines in the middle of one batch: the batch is halved until the
 * refused entry is alone; only it is parked, the entries around it are
 * delivered, in order. */
static void test_refused_in_a_batch(void **state)
{
    (void)state;
    ih_server s;
    mvg_store *st = influxd_and_store(&s, "gw");
    char line[64];
    for (int i = 0; i < 7; i++) {
        snprintf(line, sizeof line, i == 4 ? "m v=%di %d\n" : "m v=%d.5 %d\n", i, 1000 + i);
        add_raw(st, line);
    }
    mvg_influx_cfg cfg = section(s.url, 1, "gw");
    cfg.poll_ms = 100;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(10000);
    mvg_influx_stats ps;
    stats_when_counted(p, 6, 1, &ps);
    mvg_influx_pub_stop(p);
    assert_int_equal(ps.delivered, 6);
    assert_int_equal(ps.rejected, 1);
    mvg_outbox_stats os = outbox_stats();
    assert_int_equal(os.parked, 1);
    assert_int_equal(os.depth, 1);
    static char log[1024];
    log[0] = '\0';
    assert_int_equal(mvg_store_foreach_parked(st, "influx", list_parked, log, err, sizeof err), 0);
    assert_non_null(strstr(log, "|m v=4i 1004\n"));
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"v\") FROM \"m\""), 6);
    mvg_store_close(st);
    influxd_kill(&s);
}

/* ---- real influxd: a missing database is waited for, nothing lost ---- */

static void test_missing_db_resumes(void **state)
{
    (void)state;
    ih_server s;
    mvg_store *st = influxd_and_store(&s, "gw");
    add_sample_entries(st, 0, 20);
    mvg_influx_cfg cfg = section(s.url, 1, "later db");
    cfg.batch_lines = 50;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 150;
    cfg.poll_ms = 50;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    mvg_influx_stats ps;
    for (int t = 0; t < 5000; t += 20) {
        mvg_influx_pub_get_stats(p, &ps);
        if (ps.failures >= 3)
            break;
        tu_sleep_ms(20);
    }
    assert_true(ps.failures >= 3);
    assert_int_equal(ps.last_status, 404);
    assert_non_null(strstr(ps.last_error, "database not found"));
    assert_int_equal(ps.delivered, 0);
    assert_int_equal(outbox_depth(), 20);

    char u[96];
    snprintf(u, sizeof u, "%s/query", s.url);
    assert_int_equal(ih_http(u, "q=CREATE DATABASE \"later db\"", NULL), 200);
    wait_drained(5000);
    mvg_influx_pub_get_stats(p, &ps);
    assert_int_equal(ps.delivered, 20);
    assert_int_equal(ps.batches, 4);
    assert_int_equal(ps.last_status, 204);
    assert_int_equal(query_count(&s, "later db", "SELECT count(\"value\") FROM \"mvgate_sample\""),
                     200);
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    influxd_kill(&s);
}

#ifdef MVG_INFLUX_CLIENT_CURL
/* ---- https:// to a real influxd (libcurl's client only) ---- */

/* A server whose certificate our own CA signed: refused against another
 * CA, with libcurl's reason and nothing lost; delivered against ca_file. */
static void test_https_ca_file(void **state)
{
    (void)state;
    if (access(IH_INFLUXD, X_OK) != 0)
        skip();
    char certs[128], d[128], ca[192], other[192], crt[192], key[192];
    snprintf(certs, sizeof certs, "%s/certs", dir);
    snprintf(d, sizeof d, "%s/influxd", dir);
    assert_int_equal(mkdir(certs, 0755), 0);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(mh_certs_make(certs), 0);
    snprintf(ca, sizeof ca, "%s/ca.crt", certs);
    snprintf(other, sizeof other, "%s/other.crt", certs);
    snprintf(crt, sizeof crt, "%s/server.crt", certs);
    snprintf(key, sizeof key, "%s/server.key", certs);
    ih_server s;
    assert_int_equal(ih_configure_tls(&s, d, crt, key, ca), 0);
    influxd_run(&s);
    assert_int_equal(ih_create_db(&s, "gw"), 0);
    assert_int_equal(strncmp(s.url, "https://", 8), 0);

    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    add_sample_entries(st, 0, 5); /* 50 lines */
    mvg_influx_cfg cfg = section(s.url, 1, "gw");
    SET(cfg.ca_file, other);
    cfg.poll_ms = 50;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 100;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    mvg_influx_stats ps;
    mvg_influx_pub_get_stats(p, &ps);
    for (int w = 0; w < 5000 && ps.failures < 2; w += 20) {
        tu_sleep_ms(20);
        mvg_influx_pub_get_stats(p, &ps);
    }
    mvg_influx_pub_stop(p);
    assert_true(ps.failures >= 2);
    assert_int_equal(ps.delivered, 0);
    assert_non_null(strstr(ps.last_error, "certificate")); /* "SSL certificate problem: ..." */
    assert_int_equal(outbox_depth(), 5);

    SET(cfg.ca_file, ca);
    p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(10000);
    stats_when_counted(p, 5, 0, &ps);
    mvg_influx_pub_stop(p);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.last_status, 204);
    assert_int_equal(query_count(&s, "gw", "SELECT count(\"value\") FROM \"mvgate_sample\""), 50);
    mvg_store_close(st);
    influxd_kill(&s);
}
#endif

/* ---- a tiny HTTP server of the test's own ---- */

#define MAXREQ 64

typedef struct {
    int lfd, port;
    int status[MAXREQ];         /* answer to request i; 0 (or beyond): 204 */
    int retry_after[MAXREQ];    /* Retry-After (s) sent with it; 0: none */
    int date_after;             /* send Retry-After as an HTTP-date, not seconds */
    int close_after;            /* close each connection after its answer, unannounced */
    int drop_reused;            /* close a connection at its second request, unanswered */
    atomic_int nconn;           /* connections accepted */
    int64_t at_ms[MAXREQ];      /* when it arrived (monotonic) */
    atomic_int nreq;
    char *target[MAXREQ];       /* "POST /path?query" */
    char *auth[MAXREQ];         /* Authorization header value or NULL */
    char *encoding[MAXREQ];     /* Content-Encoding or NULL */
    char *body[MAXREQ];         /* decoded (gunzipped) body */
    size_t body_len[MAXREQ];
    atomic_int stop;
    pthread_t th;
} tiny_t;

static char *gunzip(const char *in, size_t len, size_t *outlen)
{
    size_t cap = len * 20 + 1024;
    char *out = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 32), Z_OK);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap - 1;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen = zs.total_out;
    out[*outlen] = '\0';
    inflateEnd(&zs);
    return out;
}

static char *header_value(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
            const char *v = l + 3 + n;
            while (*v == ' ')
                v++;
            return strndup(v, strcspn(v, "\r\n"));
        }
    }
    return NULL;
}

/* Serves one connection until the peer closes it or stop. */
static void tiny_conn(tiny_t *t, int fd)
{
    char *buf = malloc(4 << 20);
    size_t len = 0;
    int served = 0; /* requests answered on this connection */
    while (!atomic_load(&t->stop)) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, buf + len, (4 << 20) - len - 1, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        char *eoh = strstr(buf, "\r\n\r\n");
        if (!eoh)
            continue;
        *eoh = '\0';
        char *cl = header_value(buf, "Content-Length");
        size_t blen = cl ? strtoul(cl, NULL, 10) : 0;
        free(cl);
        size_t hlen = (size_t)(eoh - buf) + 4;
        if (len < hlen + blen) {
            *eoh = '\r';
            continue;
        }
        if (t->drop_reused && served++)
            break;
        int i = atomic_load(&t->nreq);
        if (i < MAXREQ) {
            t->target[i] = strndup(buf, strcspn(buf, "\r\n") - strlen(" HTTP/1.1"));
            t->auth[i] = header_value(buf, "Authorization");
            t->encoding[i] = header_value(buf, "Content-Encoding");
            if (t->encoding[i] && strcmp(t->encoding[i], "gzip") == 0) {
                t->body[i] = gunzip(buf + hlen, blen, &t->body_len[i]);
            } else {
                t->body[i] = strndup(buf + hlen, blen);
                t->body_len[i] = blen;
            }
        }
        int status = i < MAXREQ && t->status[i] ? t->status[i] : 204;
        int retry_after = i < MAXREQ ? t->retry_after[i] : 0;
        if (i < MAXREQ) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            t->at_ms[i] = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        }
        atomic_store(&t->nreq, i + 1);
        char resp[256], ra[64] = "";
        if (retry_after && t->date_after) {
            time_t at = time(NULL) + retry_after + 1; /* +1: the date has no fraction */
            struct tm tm;
            strftime(ra, sizeof ra, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n",
                     gmtime_r(&at, &tm));
        } else if (retry_after) {
            snprintf(ra, sizeof ra, "Retry-After: %d\r\n", retry_after);
        }
        if (status == 204)
            snprintf(resp, sizeof resp, "HTTP/1.1 204 No Content\r\n\r\n");
        else
            snprintf(resp, sizeof resp,
                     "HTTP/1.1 %d X\r\n%sContent-Type: application/json\r\nContent-Length: 22\r\n\r\n"
                     "{\"error\":\"try again\"}\n",
                     status, ra);
        if (send(fd, resp, strlen(resp), MSG_NOSIGNAL) < 0 || t->close_after)
            break;
        memmove(buf, buf + hlen + blen, len - hlen - blen);
        len -= hlen + blen;
    }
    free(buf);
    close(fd);
}

static void *tiny_main(void *arg)
{
    tiny_t *t = arg;
    while (!atomic_load(&t->stop)) {
        struct pollfd pf = {t->lfd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        int fd = accept(t->lfd, NULL, NULL);
        if (fd >= 0) {
            atomic_fetch_add(&t->nconn, 1);
            tiny_conn(t, fd);
        }
    }
    return NULL;
}

static void tiny_start(tiny_t *t)
{
    t->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(t->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(t->lfd, (struct sockaddr *)&a, &l), 0);
    assert_int_equal(listen(t->lfd, 4), 0);
    t->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&t->th, NULL, tiny_main, t), 0);
}

static void tiny_stop(tiny_t *t)
{
    atomic_store(&t->stop, 1);
    pthread_join(t->th, NULL);
    close(t->lfd);
}

static void tiny_free(tiny_t *t)
{
    for (int i = 0; i < MAXREQ; i++) {
        free(t->target[i]);
        free(t->auth[i]);
        free(t->encoding[i]);
        free(t->body[i]);
    }
}

static void test_v2_request_shape(void **state)
{
    (void)state;
    tiny_t t;
    memset(&t, 0, sizeof t);
    tiny_start(&t);
    char url[64], tok[192];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", t.port);
    snprintf(tok, sizeof tok, "%s/token", dir);
    assert_int_equal(tu_write_secret(tok, "s3cr3t-T0ken==\n"), 0);

    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    add_raw(st, "m,t=a v=1 1000\n");
    add_raw(st, "m,t=b\\ c v=2 2000\nm,t=a v=3 3000\n");
    mvg_influx_cfg cfg = section(url, 2, "");
    SET(cfg.org, "my org");
    SET(cfg.bucket, "b&1/x");
    SET(cfg.token_file, tok);
    cfg.poll_ms = 50;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(5000);
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    tiny_stop(&t);

    assert_int_equal(atomic_load(&t.nreq), 1);
    assert_string_equal(t.target[0], "POST /api/v2/write?org=my%20org&bucket=b%261%2Fx&precision=ms");
    assert_string_equal(t.auth[0], "Token s3cr3t-T0ken==");
    assert_null(t.encoding[0]);
    assert_string_equal(t.body[0], "m,t=a v=1 1000\nm,t=b\\ c v=2 2000\nm,t=a v=3 3000\n");
    tiny_free(&t);
}

/* v1 with basic auth and gzip against failures: every failed batch is
 * resent unchanged, nothing is skipped or reordered. */
static void test_retry_in_order(void **state)
{
    (void)state;
    tiny_t t;
    memset(&t, 0, sizeof t);
    /* request 0 ok, 1: 503, 2: 404, 3: 429, 4: 500, 5.. ok */
    t.status[1] = 503;
    t.status[2] = 404;
    t.status[3] = 429;
    t.status[4] = 500;
    tiny_start(&t);
    char url[64], pw[192];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    snprintf(pw, sizeof pw, "%s/pw", dir);
    assert_int_equal(tu_write_secret(pw, "pw\n"), 0);

    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    char expect[4096] = "", line[64];
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof line, "m,t=a v=%di %d\n", i, 1000 + i);
        add_raw(st, line);
        strcat(expect, line);
    }
    mvg_influx_cfg cfg = section(url, 1, "g w");
    SET(cfg.rp, "r&p");
    SET(cfg.username, "mv");
    SET(cfg.password_file, pw);
    cfg.gzip = 1;
    cfg.batch_lines = 4;
    cfg.poll_ms = 50;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 100;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(10000);
    mvg_influx_stats ps;
    mvg_influx_pub_get_stats(p, &ps);
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    tiny_stop(&t);

    assert_int_equal(ps.delivered, 20);
    assert_int_equal(ps.batches, 5);
    assert_int_equal(ps.failures, 4);
    assert_int_equal(ps.retries, 4);
    assert_int_equal(atomic_load(&t.nreq), 9);
    char got[4096] = "";
    for (int i = 0; i < 9; i++) {
        assert_string_equal(t.target[i], "POST /write?db=g%20w&rp=r%26p&precision=ms");
        assert_string_equal(t.auth[i], "Basic bXY6cHc="); /* base64("mv:pw") */
        assert_string_equal(t.encoding[i], "gzip");
        if (i >= 1 && i <= 4) /* the failed batch, resent as it was */
            assert_string_equal(t.body[i], t.body[i + 1]);
        else
            strcat(got, t.body[i]);
    }
    assert_string_equal(got, expect);
    tiny_free(&t);
}

/* 413: the same entries go again in halved batches; one entry alone too
 * large is parked. 429 with Retry-After: the wait is honoured. */
static void too_large_and_retry_after(int date_after)
{
    tiny_t t;
    memset(&t, 0, sizeof t);
    t.date_after = date_after;
    t.status[0] = 413;
    t.status[1] = 429;
    t.retry_after[1] = 1;
    t.status[4] = 413;
    tiny_start(&t);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    char lines[9][32];
    for (int i = 0; i < 8; i++) {
        snprintf(lines[i], sizeof lines[i], "m v=%d.5 %d\n", i, 1000 + i);
        add_raw(st, lines[i]);
    }
    mvg_influx_cfg cfg = section(url, 1, "gw");
    cfg.batch_lines = 8;
    cfg.poll_ms = 50;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 5000;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    wait_drained(10000);
    snprintf(lines[8], sizeof lines[8], "m v=8.5 1008\n");
    add_raw(st, lines[8]);
    mvg_influx_pub_kick(p);
    wait_drained(5000);
    mvg_influx_stats ps;
    stats_when_counted(p, 8, 1, &ps);
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    tiny_stop(&t);

    assert_int_equal(atomic_load(&t.nreq), 5);
    char first8[256] = "", first4[128] = "", last4[128] = "";
    for (int i = 0; i < 8; i++) {
        strcat(first8, lines[i]);
        strcat(i < 4 ? first4 : last4, lines[i]);
    }
    assert_string_equal(t.body[0], first8);
    assert_string_equal(t.body[1], first4);
    assert_string_equal(t.body[2], first4);
    assert_string_equal(t.body[3], last4);
    assert_string_equal(t.body[4], lines[8]);
    assert_true(t.at_ms[2] - t.at_ms[1] >= 950); /* Retry-After: 1, not the 20 ms backoff */
    assert_int_equal(ps.delivered, 8);
    assert_int_equal(ps.batches, 2);
    assert_int_equal(ps.rejected, 1);
    assert_int_equal(ps.failures, 2);
    assert_int_equal(ps.last_status, 413);
    tiny_free(&t);
}

static void test_too_large_and_retry_after(void **state)
{
    (void)state;
    too_large_and_retry_after(0);
}

/* Retry-After as an HTTP-date (RFC 9110 10.2.3) is honoured as well. */
static void test_retry_after_date(void **state)
{
    (void)state;
    too_large_and_retry_after(1);
}

/* A server (or a proxy in front of it) that closes kept-alive connections
 * between requests, without saying so: every batch arrives once, on a new
 * connection each, and none counts as a failure. */
static void server_closes(int drop_reused)
{
    tiny_t t;
    memset(&t, 0, sizeof t);
    t.close_after = !drop_reused;
    t.drop_reused = drop_reused;
    tiny_start(&t);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_influx_cfg cfg = section(url, 1, "gw");
    cfg.poll_ms = 50;
    mvg_influx_pub *p = mvg_influx_pub_start(&cfg, db, err, sizeof err);
    assert_non_null(p);
    char line[64];
    for (int i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "m v=%di %d\n", i, 1000 + i);
        add_raw(st, line);
        mvg_influx_pub_kick(p);
        wait_drained(5000);
        tu_sleep_ms(100); /* the close reaches the client while it is idle */
    }
    mvg_influx_stats ps;
    stats_when_counted(p, 4, 0, &ps);
    mvg_influx_pub_stop(p);
    mvg_store_close(st);
    tiny_stop(&t);
    assert_int_equal(ps.delivered, 4);
    assert_int_equal(ps.batches, 4);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.retries, 0);
    assert_int_equal(atomic_load(&t.nreq), 4);
    assert_int_equal(atomic_load(&t.nconn), 4);
    tiny_free(&t);
}

static void test_server_closes_idle(void **state)
{
    (void)state;
    server_closes(0);
}

/* The race of it: the close comes as the next request goes out on the
 * kept-alive connection. That request is sent again at once on a new one. */
static void test_server_closes_at_reuse(void **state)
{
    (void)state;
    server_closes(1);
}

/* The section's rules (version, what each version needs, the url's scheme)
 * are the config loader's and are tested there (test_config.c
 * test_publish_rules); what the writer still meets at start is a secret
 * file that went away after the check. */
static void test_bad_config(void **state)
{
    (void)state;
    mvg_influx_cfg cfg = section("http://127.0.0.1:1", 2, "");
    SET(cfg.org, "o");
    SET(cfg.bucket, "b");
    SET(cfg.token_file, "/nonexistent/token");
    assert_null(mvg_influx_pub_start(&cfg, db, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/token"));
#ifndef MVG_INFLUX_CLIENT_CURL
    /* libevent's client: plain HTTP only; the daemon loads libcurl's
     * module for https:// (publishers.h), so this says which one */
    cfg = section("https://127.0.0.1:1", 1, "gw");
    assert_null(mvg_influx_pub_start(&cfg, db, err, sizeof err));
    assert_non_null(strstr(err, "mvgate-influx-tls.so"));
#endif
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as mvgated: evhttp writes without MSG_NOSIGNAL (http_post.h) */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_bad_line),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test_setup_teardown(test_v2_request_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large_and_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_closes_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_closes_at_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_400, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_in_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_db_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deliver_restart, setup, teardown),
#ifdef MVG_INFLUX_CLIENT_CURL
        cmocka_unit_test_setup_teardown(test_https_ca_file, setup, teardown),
#endif
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
