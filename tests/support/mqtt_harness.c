#include "mqtt_harness.h"

#include "testutil.h"

#include <MQTTAsync.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* LeakSanitizer (sanitizer build), for every program on this harness: over
 * a sequence of tests, a few in-flight publishes of a destroyed client (a
 * message, its topic and payload copies: 300-1000 bytes, only "indirect"
 * leaks, i.e. a cycle inside paho's lists) are never freed by paho
 * 1.3.12's MQTTAsync_destroy. Each test alone runs clean. Allocations made
 * by paho itself are not ours to free, so they are suppressed; everything
 * else is still checked. Defined here, the object every such program
 * links, so that the rule has one home. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libpaho-mqtt3as.so\n";
}

/* Writes <dir>/mosquitto.conf (a listener on port, anonymous, plus extra
 * config lines) and starts mosquitto on it, logging to <dir>/mosquitto.log.
 * Waits until wait_port (0: port) accepts connections. 0 or -1. */
int mh_broker_start(mh_broker *b, const char *dir, int port, int wait_port,
                           const char *extra)
{
    char conf[256], log[256];
    snprintf(b->dir, sizeof b->dir, "%s", dir);
    b->port = port;
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
    snprintf(log, sizeof log, "%s/mosquitto.log", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    /* As root mosquitto would drop to user "mosquitto", who cannot read the
     * test's directory. */
    fprintf(f, "user %s\nper_listener_settings false\nallow_anonymous true\n"
               "listener %d 127.0.0.1\n%s\n",
            geteuid() == 0 ? "root" : "nobody", port, extra ? extra : "persistence false");
    fclose(f);
    b->pid = fork();
    if (b->pid < 0)
        return -1;
    if (b->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
        _exit(127);
    }
    int wp = wait_port ? wait_port : port;
    for (int i = 0; i < 500; i++) {
        if (tu_port_open(wp))
            return 0;
        int st;
        if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
            b->pid = 0;
            return -1;
        }
        tu_sleep_ms(10);
    }
    return -1;
}

void mh_broker_stop(mh_broker *b)
{
    if (b->pid > 0) {
        kill(b->pid, SIGTERM);
        waitpid(b->pid, NULL, 0);
        b->pid = 0;
    }
}

int mh_certs_make(const char *dir)
{
    if (strchr(dir, '\''))
        return -1;
    static const char *const steps =
        "exec >openssl.log 2>&1 &&"
        " openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca"
        " -keyout ca.key -out ca.crt &&"
        " openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca"
        " -keyout other.key -out other.crt &&"
        " openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key"
        " -out server.csr &&"
        " printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext &&"
        " printf 'subjectAltName=DNS:elsewhere.example\\n' > elsewhere.ext &&"
        " openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile san.ext -out server.crt &&"
        /* a negative validity ends before it starts: expired at once */
        " openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days -1"
        " -extfile san.ext -out expired.crt &&"
        " openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile elsewhere.ext -out wronghost.crt &&"
        " openssl x509 -req -in server.csr -key server.key -days 2 -extfile san.ext"
        " -out selfsigned.crt &&"
        " openssl req -newkey rsa:2048 -nodes -subj /CN=gw1 -keyout client.key"
        " -out client.csr &&"
        " openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -out client.crt &&"
        " openssl x509 -req -in client.csr -CA other.crt -CAkey other.key -CAcreateserial"
        " -days 2 -out stranger.crt";
    char cmd[2048];
    int n = snprintf(cmd, sizeof cmd, "cd '%s' && %s", dir, steps);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

static int mh_on_msg(void *ctx, char *topic, int tlen, MQTTAsync_message *msg)
{
    mh_sub *s = ctx;
    int64_t t = tu_now_us();
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        mh_msg *nm = realloc(s->m, nc * sizeof *nm);
        if (!nm)
            abort();
        s->m = nm;
        s->cap = nc;
    }
    mh_msg *m = &s->m[s->n];
    m->topic = tlen > 0 ? strndup(topic, (size_t)tlen) : strdup(topic);
    m->payload = strndup(msg->payload, (size_t)msg->payloadlen);
    m->retained = msg->retained;
    m->t_us = t;
    s->n++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    MQTTAsync_freeMessage(&msg);
    MQTTAsync_free(topic);
    return 1;
}

static void mh_on_sub(void *ctx, MQTTAsync_successData5 *r)
{
    (void)r;
    mh_sub *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->subscribed++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* (Re)subscribes on every connect: the first one and paho's automatic
 * reconnects after a broker restart. */
static void mh_on_connected(void *ctx, char *cause)
{
    (void)cause;
    mh_sub *s = ctx;
    MQTTAsync_callOptions o = MQTTAsync_callOptions_initializer;
    o.subscribeOptions.retainAsPublished = 1;
    o.onSuccess5 = mh_on_sub;
    o.context = s;
    MQTTAsync_subscribe(s->cli, s->filter, 1, &o);
}

/* A subscriber to filter on 127.0.0.1:port. persistent: the broker keeps
 * its session (and queues for it) for an hour while it is away. Returns
 * once subscribed, or NULL. */
mh_sub *mh_sub_start_auth(int port, const char *client_id, const char *filter,
                                        int persistent, const char *user, const char *pass)
{
    mh_sub *s = calloc(1, sizeof *s);
    char uri[64];
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", port);
    snprintf(s->filter, sizeof s->filter, "%s", filter);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
    if (MQTTAsync_createWithOptions(&s->cli, uri, client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                    &co) != MQTTASYNC_SUCCESS) {
        free(s);
        return NULL;
    }
    MQTTAsync_setCallbacks(s->cli, s, NULL, mh_on_msg, NULL);
    MQTTAsync_setConnected(s->cli, s, mh_on_connected);
    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer5;
    o.cleanstart = !persistent;
    o.keepAliveInterval = 10;
    o.automaticReconnect = 1;
    o.minRetryInterval = 1;
    o.maxRetryInterval = 1;
    o.username = user;
    o.password = pass;
    MQTTProperties props = MQTTProperties_initializer;
    if (persistent) {
        MQTTProperty pr = {.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL};
        pr.value.integer4 = 3600;
        MQTTProperties_add(&props, &pr);
        o.connectProperties = &props;
    }
    int rc = MQTTAsync_connect(s->cli, &o);
    MQTTProperties_free(&props);
    if (rc != MQTTASYNC_SUCCESS)
        goto fail;
    pthread_mutex_lock(&s->mu);
    int64_t until = tu_now_us() + 5000000;
    while (!s->subscribed && tu_now_us() < until) {
        pthread_mutex_unlock(&s->mu);
        tu_sleep_ms(5);
        pthread_mutex_lock(&s->mu);
    }
    int ok = s->subscribed > 0;
    pthread_mutex_unlock(&s->mu);
    if (ok)
        return s;
fail:
    MQTTAsync_destroy(&s->cli);
    free(s);
    return NULL;
}

mh_sub *mh_sub_start(int port, const char *client_id, const char *filter,
                                   int persistent)
{
    return mh_sub_start_auth(port, client_id, filter, persistent, NULL, NULL);
}

size_t mh_sub_count(mh_sub *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Waits until at least n messages arrived; returns the count. */
size_t mh_sub_wait(mh_sub *s, size_t n, int timeout_ms)
{
    int64_t until = tu_now_us() + (int64_t)timeout_ms * 1000;
    size_t have;
    while ((have = mh_sub_count(s)) < n && tu_now_us() < until)
        tu_sleep_ms(2);
    return have;
}

/* Message i (valid until mh_sub_stop; the array may move: copy what you keep). */
mh_msg mh_sub_get(mh_sub *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    mh_msg m = s->m[i];
    pthread_mutex_unlock(&s->mu);
    return m;
}

void mh_sub_stop(mh_sub *s)
{
    if (!s)
        return;
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;
    d.timeout = 200;
    MQTTAsync_disconnect(s->cli, &d);
    tu_sleep_ms(50);
    MQTTAsync_destroy(&s->cli);
    for (size_t i = 0; i < s->n; i++) {
        free(s->m[i].topic);
        free(s->m[i].payload);
    }
    free(s->m);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

