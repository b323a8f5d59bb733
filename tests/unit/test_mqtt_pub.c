/*
 * test_mqtt_pub.c: the MQTT publisher against a real mosquitto on
 * 127.0.0.1: the last will after the publisher's process is SIGKILLed, a
 * full drain (every entry exactly once, in order, right topics and retain
 * flags, outbox empty, birth and offline status), a broker stopped and
 * restarted while publishing (nothing lost, order kept, duplicates bounded
 * by the windows), telemetry by the lane (opened once the outbox is
 * drained, closed by a lost broker and a stop, handing back everything
 * unacknowledged), mutual TLS and a wrong CA, and configuration errors.
 * The will test runs first: it forks, which is only safe before this
 * process has started paho's threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "mqtt_harness.h"
#include "mqtt_pub.h"
#include "store.h"
#include "telemetry_lane.h"

/* paho's own leaks are suppressed by mqtt_harness.c. */

static char dir[64], db[128], err[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make_db(dir, sizeof dir, db, sizeof db, "mqtt");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

/* What the subscriber must see for one outbox entry. */
typedef struct {
    char topic[96];
    char payload[128];
    int retained;
} expect;

/* Appends n interval records of project p1 (seq from the store) to the mqtt
 * outbox; after every 10th record a retained totals entry. Records what
 * each entry must look like on the wire in ex (if not NULL). */
static size_t fill(mvg_store *st, size_t n, expect *ex, size_t nex)
{
    for (size_t i = 0; i < n; i++) {
        int64_t seq = 0;
        assert_int_equal(mvg_store_begin(st, err, sizeof err), 0);
        assert_int_equal(mvg_store_next_seq(st, "p1", &seq, err, sizeof err), 0);
        char json[128];
        int len = snprintf(json, sizeof json,
                           "{\"schema\":\"mvgate/interval/1\",\"project\":\"p1\",\"seq\":%lld}",
                           (long long)seq);
        mvg_store_interval rec = {"p1", seq, seq * 900000, (seq + 1) * 900000, json, (size_t)len, 0};
        mvg_store_out out = {"mqtt", MVG_OUT_INTERVAL, "interval/p1", NULL, 0, 0};
        assert_int_equal(mvg_store_add_interval(st, &rec, &out, 1, err, sizeof err), 0);
        if (ex) {
            snprintf(ex[nex].topic, sizeof ex[nex].topic, "mvgate/v1/gw1/interval/p1");
            snprintf(ex[nex].payload, sizeof ex[nex].payload, "%s", json);
            ex[nex++].retained = 0;
        }
        if (seq % 10 == 0) {
            char tot[96];
            int tl = snprintf(tot, sizeof tot, "{\"schema\":\"mvgate/totals/1\",\"upto\":%lld}",
                              (long long)seq);
            mvg_store_out t = {"mqtt", MVG_OUT_TOTALS, "totals/p1", tot, (size_t)tl, 1};
            assert_int_equal(mvg_store_add_outbox(st, &t, 1, err, sizeof err), 0);
            if (ex) {
                snprintf(ex[nex].topic, sizeof ex[nex].topic, "mvgate/v1/gw1/totals/p1");
                snprintf(ex[nex].payload, sizeof ex[nex].payload, "%s", tot);
                ex[nex++].retained = 1;
            }
        }
        assert_int_equal(mvg_store_commit(st, err, sizeof err), 0);
    }
    return nex;
}

static uint64_t depth(mvg_store *st)
{
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    return os.depth;
}

#define SET(field, v) snprintf(field, sizeof field, "%s", v)

/* The mqtt section as the config loader fills it for a broker on port. */
static mvg_mqtt_cfg cfg_for(int port)
{
    mvg_mqtt_cfg c;
    mvg_config_mqtt_defaults(&c, "gw1");
    c.enabled = 1;
    snprintf(c.uri, sizeof c.uri, "tcp://127.0.0.1:%d", port);
    c.backoff_min_ms = 100;
    c.backoff_max_ms = 400;
    c.version = 3; /* the tests name MQTT 5 where they mean it (the default is 5) */
    return c;
}

/* Waits until the publisher acknowledged n entries in total. */
static void wait_delivered(mvg_mqtt_pub *p, uint64_t n, int timeout_ms)
{
    mvg_mqtt_stats s;
    int64_t until = tu_now_us() + (int64_t)timeout_ms * 1000;
    do {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.delivered >= n)
            return;
        tu_sleep_ms(5);
    } while (tu_now_us() < until);
    fail_msg("delivered %llu of %llu in %d ms; last error: %s", (unsigned long long)s.delivered,
             (unsigned long long)n, timeout_ms, s.last_error);
}

static long long seq_of(const char *payload)
{
    const char *s = strstr(payload, "\"seq\":");
    return s ? atoll(s + 6) : -1;
}

/* The broker publishes the retained will when the publisher's process dies
 * without a DISCONNECT: after 1.5 keepalives. */
static void test_will_after_sigkill(void **state)
{
    (void)state;
    mh_broker b;
    int port = tu_free_port();
    assert_int_equal(mh_broker_start(&b, dir, port, 0, NULL), 0);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    fill(st, 5, NULL, 0);

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pfd[0]);
        mvg_mqtt_cfg c = cfg_for(port);
        c.keepalive_s = 2;
        mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
        mvg_mqtt_stats s = {0};
        for (int i = 0; p && i < 1000 && s.delivered < 5; i++) {
            tu_sleep_ms(5);
            mvg_mqtt_pub_get_stats(p, &s);
        }
        char ok = s.delivered == 5 ? 'y' : 'n';
        if (write(pfd[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(pfd[1]);
    char ok = 0;
    assert_int_equal(read(pfd[0], &ok, 1), 1);
    close(pfd[0]);
    assert_int_equal(ok, 'y');

    /* The child is forked: paho's threads may start here now. */
    mh_sub *sub = mh_sub_start(port, "test-will", "mvgate/v1/gw1/status", 0);
    assert_non_null(sub);
    assert_int_equal(mh_sub_wait(sub, 1, 3000), 1);
    mh_msg birth = mh_sub_get(sub, 0);
    assert_string_equal(birth.topic, "mvgate/v1/gw1/status");
    assert_non_null(strstr(birth.payload, "\"state\":\"online\""));
    assert_int_equal(birth.retained, 1);

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    int64_t killed = tu_now_us();
    assert_int_equal(mh_sub_wait(sub, 2, 8000), 2);
    mh_msg will = mh_sub_get(sub, 1);
    assert_string_equal(will.topic, "mvgate/v1/gw1/status");
    assert_string_equal(will.payload,
                        "{\"schema\":\"mvgate/status/1\",\"state\":\"offline\",\"gateway\":\"gw1\"}");
    assert_int_equal(will.retained, 1);
    /* The kernel closed the dead process's socket, so the broker publishes
     * at once; a silent network would take 1.5 keepalives (3 s). */
    printf("  will %.3f s after SIGKILL\n", (double)(will.t_us - killed) / 1e6);
    assert_true(will.t_us - killed < 5000000);
    mh_sub_stop(sub);
    /* The will was retained: a late subscriber sees offline. */
    sub = mh_sub_start(port, "test-will2", "mvgate/v1/gw1/status", 0);
    assert_non_null(sub);
    assert_int_equal(mh_sub_wait(sub, 1, 3000), 1);
    assert_non_null(strstr(mh_sub_get(sub, 0).payload, "\"state\":\"offline\""));
    mh_sub_stop(sub);
    /* The 5 entries were acknowledged before the kill and stay delivered. */
    assert_int_equal(depth(st), 0);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

static void check_in_order(mh_sub *sub, const expect *ex, size_t nex, size_t first)
{
    for (size_t i = 0; i < nex; i++) {
        mh_msg m = mh_sub_get(sub, first + i);
        if (strcmp(m.topic, ex[i].topic) != 0 || strcmp(m.payload, ex[i].payload) != 0 ||
            m.retained != ex[i].retained)
            fail_msg("message %zu: got %s %s r=%d, want %s %s r=%d", i, m.topic, m.payload,
                     m.retained, ex[i].topic, ex[i].payload, ex[i].retained);
    }
}

/* 500 records + 50 retained totals, QoS 1, MQTT 3.1.1: every one exactly
 * once, in id order, then the outbox is empty. */
static void drain(int version, int qos)
{
    mh_broker b;
    int port = tu_free_port();
    assert_int_equal(mh_broker_start(&b, dir, port, 0, NULL), 0);
    mh_sub *sub = mh_sub_start(port, "test-drain", "mvgate/v1/#", 0);
    assert_non_null(sub);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    static expect ex[600];
    size_t nex = fill(st, 500, ex, 0);
    assert_int_equal(nex, 550);
    assert_int_equal(depth(st), 550);

    mvg_mqtt_cfg c = cfg_for(port);
    c.version = version;
    c.qos = qos;
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    wait_delivered(p, 550, 10000);
    /* Birth + 550 entries. */
    assert_int_equal(mh_sub_wait(sub, 551, 5000), 551);
    mh_msg birth = mh_sub_get(sub, 0);
    assert_string_equal(birth.topic, "mvgate/v1/gw1/status");
    assert_non_null(strstr(birth.payload, "{\"schema\":\"mvgate/status/1\",\"state\":\"online\","
                                          "\"gateway\":\"gw1\",\"ts_ms\":"));
    assert_int_equal(birth.retained, 1);
    check_in_order(sub, ex, nex, 1);
    assert_int_equal(depth(st), 0);

    /* More after a kick: low latency, still in order. */
    size_t nex2 = fill(st, 20, ex, 0);
    int64_t t0 = tu_now_us();
    mvg_mqtt_pub_kick(p);
    wait_delivered(p, 550 + nex2, 5000);
    assert_true(tu_now_us() - t0 < 2000000);
    assert_int_equal(mh_sub_wait(sub, 551 + nex2, 3000), 551 + nex2);
    check_in_order(sub, ex, nex2, 551);

    mvg_mqtt_stats s;
    mvg_mqtt_pub_get_stats(p, &s);
    assert_int_equal(s.connected, 1);
    assert_int_equal(s.delivered, 550 + nex2);
    assert_int_equal(s.sent, 550 + nex2);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.connects, 1);
    assert_int_equal(s.reconnects, 0);
    assert_int_equal(s.rejected, 0);

    /* A clean stop replaces the birth by a retained offline status. */
    mvg_mqtt_pub_stop(p);
    assert_int_equal(mh_sub_wait(sub, 552 + nex2, 3000), 552 + nex2);
    mh_msg off = mh_sub_get(sub, 551 + nex2);
    assert_string_equal(off.topic, "mvgate/v1/gw1/status");
    assert_non_null(strstr(off.payload, "\"state\":\"offline\""));
    assert_int_equal(off.retained, 1);
    assert_int_equal(mh_sub_count(sub), 552 + nex2);
    mh_sub_stop(sub);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

/* Waits until the lane is open (want 1) or closed (0). */
static void wait_lane(mvg_lane *l, int want, int timeout_ms)
{
    int64_t until = tu_now_us() + (int64_t)timeout_ms * 1000;
    while (mvg_lane_is_open(l) != want && tu_now_us() < until)
        tu_sleep_ms(5);
    assert_int_equal(mvg_lane_is_open(l), want);
}

static int lane_offer(mvg_lane *l, int k)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"schema\":\"mvgate/telemetry/2\",\"k\":%d}", k);
    return mvg_lane_offer(l, "telemetry/d1", json, (size_t)n);
}

static size_t count_list(mvg_lane_entry *e)
{
    size_t n = 0;
    for (; e; e = e->next)
        n++;
    return n;
}

/* The lane opens only once the outbox is drained (its 55 entries go first,
 * by the outbox); then telemetry goes by memory, in order, and nothing of
 * it touches the outbox. The broker stopped: the lane closes, offers are
 * refused (the pipeline then writes to the outbox), and every accepted
 * entry was either acknowledged or handed back. At a stop with entries
 * queued, the same: delivered + handed back = accepted. */
static void test_lane(void **state)
{
    (void)state;
    mh_broker b;
    int port = tu_free_port();
    /* no queue limit towards the subscriber: mosquitto drops what is
     * beyond 1,000 queued for a client that lags (an ASan build's
     * subscriber behind a burst of 2,000), and this test counts them */
    const char *unbounded = "max_queued_messages 0\n";
    assert_int_equal(mh_broker_start(&b, dir, port, 0, unbounded), 0);
    mh_sub *sub = mh_sub_start(port, "test-lane", "mvgate/v1/#", 0);
    assert_non_null(sub);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    static expect ex[64];
    size_t nex = fill(st, 50, ex, 0);
    mvg_lane *l = mvg_lane_new(1 << 20);
    assert_non_null(l);
    assert_int_equal(lane_offer(l, 0), 0); /* closed before the publisher opens it */

    mvg_mqtt_cfg c = cfg_for(port);
    c.version = 5;
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, l, err, sizeof err);
    assert_non_null(p);
    wait_delivered(p, nex, 10000);
    wait_lane(l, 1, 5000);
    for (int k = 1; k <= 300; k++) {
        assert_int_equal(lane_offer(l, k), 1);
        if (k % 10 == 0)
            mvg_mqtt_pub_kick(p);
    }
    mvg_mqtt_pub_kick(p);
    wait_delivered(p, nex + 300, 10000);
    /* birth, the outbox's entries in order, then the lane's in order */
    assert_int_equal(mh_sub_wait(sub, 1 + nex + 300, 5000), 1 + nex + 300);
    check_in_order(sub, ex, nex, 1);
    for (int k = 1; k <= 300; k++) {
        mh_msg m = mh_sub_get(sub, nex + (size_t)k);
        assert_string_equal(m.topic, "mvgate/v1/gw1/telemetry/d1");
        char want[64];
        snprintf(want, sizeof want, "\"k\":%d}", k);
        assert_non_null(strstr(m.payload, want));
        assert_int_equal(m.retained, 0);
    }
    assert_int_equal(depth(st), 0);
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.depth, 0);
    mvg_mqtt_stats s;
    mvg_mqtt_pub_get_stats(p, &s);
    assert_int_equal(s.delivered, nex + 300);

    /* the broker goes: the lane closes with whatever was not acknowledged */
    mh_broker_stop(&b);
    wait_lane(l, 0, 10000);
    assert_int_equal(lane_offer(l, 301), 0);
    mvg_lane_entries_free(mvg_lane_returned(l));

    /* back: the lane opens again once the outbox is drained; a stop right
     * after a burst hands back what was not acknowledged */
    assert_int_equal(mh_broker_start(&b, dir, port, 0, unbounded), 0);
    wait_lane(l, 1, 10000);
    /* the subscriber's session did not survive the broker: what is sent
     * before it subscribed again reaches nobody */
    int again = 0;
    for (int64_t until = tu_now_us() + 10000000; !again && tu_now_us() < until;) {
        pthread_mutex_lock(&sub->mu);
        again = sub->subscribed >= 2;
        pthread_mutex_unlock(&sub->mu);
        if (!again)
            tu_sleep_ms(10);
    }
    assert_true(again);
    int accepted = 0;
    for (int k = 1000; k < 3000; k++) {
        int rc = lane_offer(l, k);
        assert_true(rc == 0 || rc == 1);
        accepted += rc;
        if (k % 50 == 0)
            mvg_mqtt_pub_kick(p);
    }
    assert_true(accepted > 0);
    mvg_mqtt_pub_stop(p);
    assert_false(mvg_lane_is_open(l));
    /* delivered counts lane entries acknowledged since "before" */
    mvg_lane_entry *back = mvg_lane_returned(l);
    size_t nback = count_list(back);
    mvg_lane_entries_free(back);
    /* nothing lost: every accepted entry that did not come back was
     * acknowledged, so it reaches the subscriber; one that came back may
     * have reached it too (its acknowledgement was on its way) */
    size_t got = 0;
    int64_t until = tu_now_us() + 5000000;
    do {
        got = 0;
        for (size_t i = 0; i < mh_sub_count(sub); i++) {
            mh_msg m = mh_sub_get(sub, i);
            const char *k = strstr(m.payload, "\"k\":");
            if (k && atoi(k + 4) >= 1000)
                got++;
        }
        if (got + nback >= (size_t)accepted)
            break;
        tu_sleep_ms(20);
    } while (tu_now_us() < until);
    assert_true(got + nback >= (size_t)accepted);
    assert_true(got <= (size_t)accepted);
    assert_null(mvg_lane_take(l));
    mvg_lane_free(l);
    mh_sub_stop(sub);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

static void test_drain_v311_qos1(void **state)
{
    (void)state;
    drain(3, 1);
}

static void test_drain_v5_qos0(void **state)
{
    (void)state;
    drain(5, 0);
}

static void test_drain_v5_qos2(void **state)
{
    (void)state;
    drain(5, 2);
}

/* mosquitto stopped (SIGTERM) while publishing, entries added while it is
 * down, then restarted on the same port with its persistent state: the
 * subscriber's session (and the messages queued for it) survive. Every seq
 * arrives; each message is either the next new seq or a repeat of one seen
 * (never a jump ahead); repeats are bounded by the publisher's window plus
 * the broker's own window towards the subscriber. */
static void test_broker_restart(void **state)
{
    (void)state;
    enum { WINDOW = 16, BROKER_WINDOW = 16, N1 = 20000, N2 = 300 };
    mh_broker b;
    int port = tu_free_port();
    char extra[256];
    snprintf(extra, sizeof extra,
             "persistence true\npersistence_location %s/\nmax_queued_messages 0\n"
             "max_inflight_messages %d\n", dir, BROKER_WINDOW);
    assert_int_equal(mh_broker_start(&b, dir, port, 0, extra), 0);
    mh_sub *sub = mh_sub_start(port, "test-restart", "mvgate/v1/gw1/interval/#", 1);
    assert_non_null(sub);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    fill(st, N1, NULL, 0);
    uint64_t total = N1 + N1 / 10;

    mvg_mqtt_cfg c = cfg_for(port);
    c.version = 5;
    c.inflight = WINDOW;
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    mvg_mqtt_stats s;
    for (;;) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.delivered >= 2000)
            break;
        tu_sleep_ms(1);
    }
    mh_broker_stop(&b);
    mvg_mqtt_pub_get_stats(p, &s);
    assert_true(s.delivered < total); /* the stop hit the drain in the middle */

    fill(st, N2, NULL, 0);
    total += N2 + N2 / 10;
    mvg_mqtt_pub_kick(p);
    tu_sleep_ms(700);
    mvg_mqtt_pub_get_stats(p, &s);
    assert_int_equal(s.connected, 0);
    assert_true(s.last_error[0] != '\0');
    assert_true(depth(st) > 0);

    assert_int_equal(mh_broker_start(&b, dir, port, 0, extra), 0);
    wait_delivered(p, total, 30000);
    assert_int_equal(depth(st), 0);
    mvg_mqtt_pub_get_stats(p, &s);
    assert_true(s.reconnects >= 1);

    /* All N1 + N2 interval records, judged by seq. */
    long long maxseen = 0;
    size_t dups = 0, n = 0;
    int64_t until = tu_now_us() + 30000000;
    while (maxseen < N1 + N2 && tu_now_us() < until) {
        if (n >= mh_sub_count(sub)) {
            tu_sleep_ms(5);
            continue;
        }
        mh_msg m = mh_sub_get(sub, n++);
        long long seq = seq_of(m.payload);
        if (seq == maxseen + 1)
            maxseen = seq;
        else if (seq >= 1 && seq <= maxseen)
            dups++;
        else
            fail_msg("message %zu: seq %lld after %lld (a gap or a jump)", n, seq, maxseen);
    }
    assert_int_equal(maxseen, N1 + N2);
    tu_sleep_ms(200); /* late repeats, if any, count too */
    for (; n < mh_sub_count(sub); n++) {
        long long seq = seq_of(mh_sub_get(sub, n).payload);
        assert_true(seq >= 1 && seq <= maxseen);
        dups++;
    }
    printf("  broker restart: %zu messages, %zu repeats, %llu publishes for %llu entries\n", n,
           dups, (unsigned long long)s.sent, (unsigned long long)total);
    assert_true(dups <= WINDOW + BROKER_WINDOW);
    assert_true(s.sent - s.delivered <= WINDOW);

    mvg_mqtt_pub_stop(p);
    mh_sub_stop(sub);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void test_mutual_tls(void **state)
{
    (void)state;
    assert_int_equal(mh_certs_make(dir), 0);
    mh_broker b;
    int port = tu_free_port(), tport = tu_free_port();
    char extra[1024];
    snprintf(extra, sizeof extra,
             "persistence false\nlistener %d 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/server.crt\n"
             "keyfile %s/server.key\nrequire_certificate true\n",
             tport, dir, dir, dir);
    assert_int_equal(mh_broker_start(&b, dir, port, tport, extra), 0);
    mh_sub *sub = mh_sub_start(port, "test-tls", "mvgate/v1/gw1/#", 0);
    assert_non_null(sub);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    static expect ex[64];
    size_t nex = fill(st, 40, ex, 0);

    char uri[64], ca[128], cert[128], key[128], other[128];
    snprintf(uri, sizeof uri, "mqtts://127.0.0.1:%d", tport);
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    snprintf(other, sizeof other, "%s/other.crt", dir);
    snprintf(cert, sizeof cert, "%s/client.crt", dir);
    snprintf(key, sizeof key, "%s/client.key", dir);

    /* The wrong CA: the handshake fails, the stats say why, nothing is acked. */
    mvg_mqtt_cfg c = cfg_for(port);
    SET(c.uri, uri);
    SET(c.ca_file, other);
    SET(c.cert_file, cert);
    SET(c.key_file, key);
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    mvg_mqtt_stats s;
    for (int i = 0; i < 400; i++) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.connect_failures >= 1)
            break;
        tu_sleep_ms(10);
    }
    mvg_mqtt_pub_stop(p);
    printf("  wrong CA: %s\n", s.last_error);
    assert_true(s.connect_failures >= 1);
    assert_int_equal(s.connected, 0);
    assert_int_equal(s.delivered, 0);
    assert_non_null(strstr(s.last_error, uri));
    assert_non_null(strstr(s.last_error, "certificate verify failed"));
    assert_int_equal(depth(st), nex);

    /* No client certificate: the broker requires one. */
    SET(c.ca_file, ca);
    c.cert_file[0] = c.key_file[0] = '\0';
    p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    for (int i = 0; i < 400; i++) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.connect_failures >= 1)
            break;
        tu_sleep_ms(10);
    }
    mvg_mqtt_pub_stop(p);
    printf("  no client certificate: %s\n", s.last_error);
    assert_true(s.connect_failures >= 1);
    assert_int_equal(s.delivered, 0);

    /* The right CA and our certificate: everything arrives. */
    SET(c.cert_file, cert);
    SET(c.key_file, key);
    p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    wait_delivered(p, nex, 10000);
    assert_int_equal(depth(st), 0);
    assert_int_equal(mh_sub_wait(sub, nex + 1, 3000), nex + 1);
    check_in_order(sub, ex, nex, 1);
    mvg_mqtt_pub_stop(p);
    mh_sub_stop(sub);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

/* Username and password from a file; a broker ACL that lets gw1 write its
 * interval and status topics but not totals. MQTT 5 tells the publisher
 * (PUBACK "Not authorized"): those entries are parked in the outbox (kept,
 * counted, never blocking the rest) and, once the ACL allows them and the
 * broker restarted, sent again after the retry time. A wrong password is
 * refused with the reason. */
static void test_auth_and_acl_v5(void **state)
{
    (void)state;
    mh_broker b;
    int port = tu_free_port();
    char pw[128], pwbad[128], acl[128], extra[512];
    snprintf(pw, sizeof pw, "%s/gw.pass", dir);
    snprintf(pwbad, sizeof pwbad, "%s/bad.pass", dir);
    snprintf(acl, sizeof acl, "%s/acl", dir);
    assert_int_equal(sh("cd '%s' && mosquitto_passwd -c -b passwd gw1 's3cret pass' &&"
                        " mosquitto_passwd -b passwd reader r3ader &&"
                        " printf 's3cret pass\\n' > gw.pass && printf 'wrong\\n' > bad.pass &&"
                        " chmod 600 gw.pass bad.pass &&" /* secret files: the owner's alone */
                        " printf 'user gw1\\ntopic write mvgate/v1/gw1/interval/#\\n"
                        "topic write mvgate/v1/gw1/status\\nuser reader\\ntopic read mvgate/#\\n'"
                        " > acl",
                        dir),
                     0);
    snprintf(extra, sizeof extra,
             "persistence false\nallow_anonymous false\npassword_file %s/passwd\nacl_file %s\n",
             dir, acl);
    assert_int_equal(mh_broker_start(&b, dir, port, 0, extra), 0);
    assert_null(mh_sub_start(port, "test-anon", "mvgate/#", 0)); /* anonymous: refused */
    mh_sub *sub = mh_sub_start_auth(port, "test-acl", "mvgate/#", 0, "reader", "r3ader");
    assert_non_null(sub);
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    static expect ex[64];
    size_t nex = fill(st, 30, ex, 0); /* 30 intervals, 3 totals */
    assert_int_equal(nex, 33);

    mvg_mqtt_cfg c = cfg_for(port);
    c.version = 5;
    SET(c.username, "gw1");
    SET(c.password_file, pwbad);
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    mvg_mqtt_stats s;
    for (int i = 0; i < 400; i++) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.connect_failures >= 1)
            break;
        tu_sleep_ms(10);
    }
    mvg_mqtt_pub_stop(p);
    printf("  wrong password: %s\n", s.last_error);
    assert_true(s.connect_failures >= 1);
    assert_int_equal(s.delivered, 0);
    /* mosquitto answers MQTT 5 with reason 0x87. */
    assert_non_null(strstr(s.last_error, "code 135, Not authorized"));
    assert_null(strstr(s.last_error, "wrong")); /* the password is never shown */

    SET(c.password_file, pw);
    c.refused_retry_s = 2;
    p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    for (int i = 0; i < 1000; i++) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.delivered + s.rejected >= nex)
            break;
        tu_sleep_ms(10);
    }
    assert_int_equal(s.delivered, 30);
    assert_int_equal(s.rejected, 3);
    assert_int_equal(depth(st), 3); /* refused is not delivered: kept */
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.parked, 3);
    assert_true(os.parked_oldest_ms > 0);
    assert_non_null(strstr(s.last_error, "Not authorized (reason 0x87)"));
    /* The subscriber sees the birth and the 30 intervals, in order. */
    assert_int_equal(mh_sub_wait(sub, 31, 3000), 31);
    tu_sleep_ms(100);
    assert_int_equal(mh_sub_count(sub), 31);
    size_t k = 1;
    for (size_t i = 0; i < nex; i++) {
        if (ex[i].retained)
            continue; /* a totals entry: refused */
        mh_msg m = mh_sub_get(sub, k++);
        assert_string_equal(m.topic, ex[i].topic);
        assert_string_equal(m.payload, ex[i].payload);
    }
    /* Every retry the refused entries are sent again, refused again and
     * kept: nothing is lost while the ACL denies them. */
    uint64_t before = s.rejected;
    for (int i = 0; i < 500 && s.rejected < before + 3; i++) {
        tu_sleep_ms(10);
        mvg_mqtt_pub_get_stats(p, &s);
    }
    assert_true(s.rejected >= before + 3);
    assert_int_equal(depth(st), 3);
    /* The ACL fixed and reloaded (SIGHUP): at the next retry the totals
     * arrive, in order, and the outbox is empty. */
    assert_int_equal(sh("cd '%s' && printf 'user gw1\\ntopic write mvgate/v1/gw1/#\\n"
                        "user reader\\ntopic read mvgate/#\\n' > acl && kill -HUP %d",
                        dir, (int)b.pid),
                     0);
    for (int i = 0; i < 600 && depth(st) > 0; i++)
        tu_sleep_ms(10);
    assert_int_equal(depth(st), 0);
    assert_int_equal(mh_sub_wait(sub, 34, 3000), 34);
    k = 31;
    for (size_t i = 0; i < nex; i++) {
        if (!ex[i].retained)
            continue;
        mh_msg m = mh_sub_get(sub, k++);
        assert_string_equal(m.topic, ex[i].topic);
        assert_string_equal(m.payload, ex[i].payload);
    }
    mvg_mqtt_pub_get_stats(p, &s);
    assert_int_equal(s.delivered, 33);
    mvg_mqtt_pub_stop(p);
    mh_sub_stop(sub);
    mvg_store_close(st);
    mh_broker_stop(&b);
}

/* The section's rules (uri scheme, TLS files on a TLS uri, qos, version,
 * inflight, readable files) are the config loader's and are tested there
 * (test_config.c test_publish_rules): the publisher takes its section as
 * checked. What it still meets at start is a secret file that went away
 * after the check, and a broker that is not there. */
static void test_config_errors(void **state)
{
    (void)state;
    mvg_mqtt_cfg c = cfg_for(1883);
    SET(c.username, "gw1");
    SET(c.password_file, "/nonexistent/mqtt.pass");
    assert_null(mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err));
    assert_string_equal(err,
                        "mqtt: password_file /nonexistent/mqtt.pass: No such file or directory");

    /* A broker that is not there is not a start error: it is retried. */
    c = cfg_for(tu_free_port());
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    mvg_mqtt_stats s;
    for (int i = 0; i < 300; i++) {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.connect_failures >= 2)
            break;
        tu_sleep_ms(10);
    }
    assert_true(s.connect_failures >= 2);
    assert_non_null(strstr(s.last_error, c.uri));
    mvg_mqtt_pub_stop(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_will_after_sigkill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_v311_qos1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_v5_qos0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_v5_qos2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lane, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutual_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_and_acl_v5, setup, teardown),
    };
    /* MVG_TEST_FILTER=test_drain* runs a subset (cmocka pattern). */
    if (getenv("MVG_TEST_FILTER"))
        cmocka_set_test_filter(getenv("MVG_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
