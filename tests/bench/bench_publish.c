/*
 * bench_publish.c: how fast the MQTT publisher drains the store's outbox,
 * next to a bare paho MQTTAsync loop publishing the same payloads with the
 * same QoS and window, and the latency from mvg_store_add_outbox() + kick
 * to receipt by a subscriber. A real mosquitto on 127.0.0.1; the subscriber
 * runs in a child process (forked before this process starts paho) and
 * sends the CLOCK_MONOTONIC time of each receipt through a pipe.
 *
 * usage: bench_publish [messages (100000)] [window (32)] [qos (1)]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mqtt_harness.h"
#include "testutil.h"

#include "mqtt_pub.h"
#include "store.h"

#define PAYLOAD_LEN 300
#define LAT_N 1000

static char err[256];

/* The receipts reported by the subscriber child. */
typedef struct {
    int fd;
    pthread_mutex_t mu;
    int64_t *t;
    size_t n, cap;
    char part[8];               /* a record split across two reads */
    size_t npart;
} receipts;

static void *reader(void *arg)
{
    receipts *r = arg;
    int64_t buf[512];
    for (;;) {
        ssize_t k = read(r->fd, buf, sizeof buf);
        if (k <= 0)
            return NULL;
        /* Records are 8 bytes and pipe writes of 8 bytes are atomic, but a
         * read may end inside one: keep the remainder. */
        char *p = (char *)buf;
        size_t len = (size_t)k;
        pthread_mutex_lock(&r->mu);
        while (len > 0) {
            size_t take = 8 - r->npart < len ? 8 - r->npart : len;
            memcpy(r->part + r->npart, p, take);
            r->npart += take;
            p += take;
            len -= take;
            if (r->npart == 8) {
                if (r->n < r->cap)
                    memcpy(&r->t[r->n], r->part, 8);
                r->n++;
                r->npart = 0;
            }
        }
        pthread_mutex_unlock(&r->mu);
    }
}

static size_t received(receipts *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static int64_t receipt_at(receipts *r, size_t i)
{
    pthread_mutex_lock(&r->mu);
    int64_t t = i < r->cap ? r->t[i] : 0;
    pthread_mutex_unlock(&r->mu);
    return t;
}

static int wait_received(receipts *r, size_t n, int timeout_ms)
{
    int64_t until = tu_now_us() + (int64_t)timeout_ms * 1000;
    while (received(r) < n) {
        if (tu_now_us() > until)
            return -1;
        tu_sleep_ms(1);
    }
    return 0;
}

/* The subscriber process: every message's receipt time into fd. */
static void subscriber_main(int port, int fd)
{
    mh_sub *s = mh_sub_start(port, "bench-sub", "mvgate/#", 0);
    if (!s)
        _exit(1);
    int64_t go = -1;
    if (write(fd, &go, 8) != 8) /* ready */
        _exit(1);
    size_t sent = 0;
    for (;;) {
        size_t n = mh_sub_count(s);
        if (n == sent) {
            if (getppid() == 1)
                _exit(0);
            tu_sleep_ms(1);
            continue;
        }
        for (; sent < n; sent++) {
            int64_t t = mh_sub_get(s, sent).t_us;
            if (write(fd, &t, 8) != 8)
                _exit(0);
        }
    }
}

static void make_payload(char *buf, long i)
{
    int n = snprintf(buf, PAYLOAD_LEN + 1,
                     "{\"schema\":\"mvgate/telemetry/1\",\"device\":\"m1\",\"ts_ms\":%lld,\"i\":%ld,"
                     "\"points\":{\"p_kw\":123.456,\"e_kwh\":98765.4,\"u_v\":230.1,\"i_a\":17.25,"
                     "\"pf\":0.97,\"q\":\"good\"},\"pad\":\"",
                     1795900000000LL + i * 1000, i);
    while (n < PAYLOAD_LEN - 2)
        buf[n++] = 'x';
    buf[n++] = '"';
    buf[n++] = '}';
    buf[n] = '\0';
}

/* ---- the bare paho loop ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long acked;
    int up;
} bare_state;

static void bare_ok(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    bare_state *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->acked++;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void bare_conn(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    bare_state *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->up = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static int bare_msg(void *ctx, char *t, int l, MQTTAsync_message *m)
{
    (void)ctx;
    (void)l;
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(t);
    return 1;
}

static MQTTAsync bare_connect(int port, int window, bare_state *b)
{
    char uri[64];
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", port);
    MQTTAsync cli;
    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
    co.MQTTVersion = MQTTVERSION_3_1_1;
    co.maxBufferedMessages = window + 16;
    if (MQTTAsync_createWithOptions(&cli, uri, "bench-bare", MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                    &co) != MQTTASYNC_SUCCESS)
        return NULL;
    MQTTAsync_setCallbacks(cli, b, NULL, bare_msg, NULL);
    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
    o.MQTTVersion = MQTTVERSION_3_1_1;
    o.maxInflight = window + 2;
    o.onSuccess = bare_conn;
    o.context = b;
    if (MQTTAsync_connect(cli, &o) != MQTTASYNC_SUCCESS)
        return NULL;
    pthread_mutex_lock(&b->mu);
    while (!b->up)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return cli;
}

static int bare_send(MQTTAsync cli, bare_state *b, const char *payload, int qos)
{
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = (void *)payload;
    m.payloadlen = (int)strlen(payload);
    m.qos = qos;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    ro.onSuccess = bare_ok;
    ro.context = b;
    return MQTTAsync_sendMessage(cli, "mvgate/v1/bench/telemetry/m1", &m, &ro);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void print_lat(const char *what, int64_t *lat, size_t n)
{
    qsort(lat, n, sizeof *lat, cmp64);
    printf("%-44s p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, lat[n / 2] / 1000.0,
           lat[n * 99 / 100] / 1000.0, lat[n - 1] / 1000.0);
}

static mvg_mqtt_pub *start_pub(int port, int window, int qos, const char *db)
{
    mvg_mqtt_cfg c;
    mvg_config_mqtt_defaults(&c, "bench");
    snprintf(c.uri, sizeof c.uri, "tcp://127.0.0.1:%d", port);
    c.inflight = window;
    c.qos = qos;
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    if (!p) {
        fprintf(stderr, "bench_publish: %s\n", err);
        exit(1);
    }
    mvg_mqtt_stats s;
    do {
        tu_sleep_ms(5);
        mvg_mqtt_pub_get_stats(p, &s);
    } while (!s.connected);
    return p;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int window = argc > 2 ? atoi(argv[2]) : 32;
    int qos = argc > 3 ? atoi(argv[3]) : 1;
    if (n < 1 || window < 1 || qos < 0 || qos > 2) {
        fprintf(stderr, "usage: bench_publish [messages] [window] [qos]\n");
        return 2;
    }
    char dir[64], db[96];
    if (tu_tmpdir_make(dir, sizeof dir, "bench-pub") != 0)
        return 1;
    snprintf(db, sizeof db, "%s/mvgate.db", dir);
    mh_broker b;
    int port = tu_free_port();
    /* No limits towards the subscriber: it must not be the bottleneck, nor
     * drop anything. */
    if (mh_broker_start(&b, dir, port, 0,
                        "persistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n") <
        0) {
        fprintf(stderr, "bench_publish: cannot start mosquitto\n");
        return 1;
    }
    int pfd[2];
    if (pipe(pfd) < 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        subscriber_main(port, pfd[1]);
    }
    close(pfd[1]);
    receipts r = {.fd = pfd[0], .cap = (size_t)(2 * n + 2 * LAT_N + 16)};
    pthread_mutex_init(&r.mu, NULL);
    r.t = calloc(r.cap, sizeof *r.t);
    pthread_t rt;
    pthread_create(&rt, NULL, reader, &r);
    if (wait_received(&r, 1, 10000) < 0) { /* the subscriber's "ready" */
        fprintf(stderr, "bench_publish: subscriber did not start\n");
        return 1;
    }
    size_t base = received(&r);

    char (*payloads)[PAYLOAD_LEN + 1] = malloc((size_t)n * sizeof *payloads);
    mvg_store_out *outs = malloc((size_t)n * sizeof *outs);
    for (long i = 0; i < n; i++) {
        make_payload(payloads[i], i);
        outs[i] = (mvg_store_out){"mqtt", MVG_OUT_TELEMETRY, "telemetry/m1", payloads[i],
                                  PAYLOAD_LEN, 0};
    }
    printf("bench_publish: %ld messages of %d bytes, QoS %d, window %d, mosquitto on 127.0.0.1,"
           " subscriber in another process\n",
           n, PAYLOAD_LEN, qos, window);

    /* 1. The publisher draining a full outbox. */
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_publish: %s\n", err);
        return 1;
    }
    mvg_mqtt_pub *p = start_pub(port, window, qos, db);
    base = received(&r); /* the birth */
    int64_t t0 = tu_now_us();
    if (mvg_store_add_outbox(st, outs, (size_t)n, err, sizeof err) < 0) {
        fprintf(stderr, "bench_publish: %s\n", err);
        return 1;
    }
    int64_t t1 = tu_now_us();
    mvg_mqtt_pub_kick(p);
    mvg_mqtt_stats s;
    do {
        tu_sleep_ms(1);
        mvg_mqtt_pub_get_stats(p, &s);
    } while (s.delivered < (uint64_t)n);
    int64_t t2 = tu_now_us();
    if (wait_received(&r, base + (size_t)n, 30000) < 0)
        fprintf(stderr, "bench_publish: subscriber got %zu of %ld\n", received(&r) - base, n);
    int64_t t3 = receipt_at(&r, base + (size_t)n - 1);
    mvg_outbox_stats os;
    mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err);
    printf("%-44s %9.0f entries/s (%.3f s, one transaction)\n", "outbox fill", n / ((t1 - t0) / 1e6),
           (t1 - t0) / 1e6);
    printf("%-44s %9.0f msg/s  (%.3f s to the last ack, %.3f s to the last receipt;"
           " outbox depth after: %llu)\n",
           "mvgate publisher, outbox drain", n / ((t2 - t1) / 1e6), (t2 - t1) / 1e6,
           (t3 - t1) / 1e6, (unsigned long long)os.depth);

    /* 2. Latency: one entry at a time, add + kick -> receipt. */
    int64_t *lat = malloc(LAT_N * sizeof *lat);
    base = received(&r);
    for (int i = 0; i < LAT_N; i++) {
        int64_t ta = tu_now_us();
        if (mvg_store_add_outbox(st, &outs[i], 1, err, sizeof err) < 0) {
            fprintf(stderr, "bench_publish: %s\n", err);
            return 1;
        }
        mvg_mqtt_pub_kick(p);
        if (wait_received(&r, base + (size_t)i + 1, 10000) < 0) {
            fprintf(stderr, "bench_publish: latency message %d lost\n", i);
            return 1;
        }
        lat[i] = receipt_at(&r, base + (size_t)i) - ta;
    }
    mvg_mqtt_pub_stop(p);
    print_lat("mvgate: add_outbox + kick -> receipt", lat, LAT_N);
    tu_sleep_ms(100);
    base = received(&r); /* the offline status */

    /* 3. The bare paho loop, same payloads, QoS and window. */
    bare_state bs = {.acked = 0};
    pthread_mutex_init(&bs.mu, NULL);
    pthread_cond_init(&bs.cv, NULL);
    MQTTAsync cli = bare_connect(port, window, &bs);
    if (!cli) {
        fprintf(stderr, "bench_publish: bare client cannot connect\n");
        return 1;
    }
    t1 = tu_now_us();
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&bs.mu);
        while (i - bs.acked >= window)
            pthread_cond_wait(&bs.cv, &bs.mu);
        pthread_mutex_unlock(&bs.mu);
        while (bare_send(cli, &bs, payloads[i], qos) != MQTTASYNC_SUCCESS)
            tu_sleep_ms(1);
    }
    pthread_mutex_lock(&bs.mu);
    while (bs.acked < n)
        pthread_cond_wait(&bs.cv, &bs.mu);
    pthread_mutex_unlock(&bs.mu);
    t2 = tu_now_us();
    if (wait_received(&r, base + (size_t)n, 30000) < 0)
        fprintf(stderr, "bench_publish: subscriber got %zu of %ld\n", received(&r) - base, n);
    t3 = receipt_at(&r, base + (size_t)n - 1);
    printf("%-44s %9.0f msg/s  (%.3f s to the last ack, %.3f s to the last receipt)\n",
           "bare paho MQTTAsync loop", n / ((t2 - t1) / 1e6), (t2 - t1) / 1e6, (t3 - t1) / 1e6);

    base = received(&r);
    for (int i = 0; i < LAT_N; i++) {
        int64_t ta = tu_now_us();
        bare_send(cli, &bs, payloads[i], qos);
        if (wait_received(&r, base + (size_t)i + 1, 10000) < 0)
            return 1;
        lat[i] = receipt_at(&r, base + (size_t)i) - ta;
    }
    print_lat("bare paho: send -> receipt", lat, LAT_N);

    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
    MQTTAsync_disconnect(cli, &d);
    tu_sleep_ms(100);
    MQTTAsync_destroy(&cli);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    close(pfd[0]);
    pthread_join(rt, NULL);
    mvg_store_close(st);
    mh_broker_stop(&b);
    if (tu_tmpdir_remove(dir) != 0)
        fprintf(stderr, "bench_publish: could not remove %s\n", dir);
    free(lat);
    free(outs);
    free(payloads);
    free(r.t);
    return 0;
}
