/*
 * mqtt_pub.c: the MQTT publisher thread (mqtt_pub.h). It owns the paho
 * MQTTAsync client of the current broker connection, the window of sent but
 * unacknowledged outbox entries, and its own outbox handle (SQLite
 * connection), which only this thread touches: paho's callbacks run on
 * paho's threads and only record what happened under the mutex; this thread
 * writes the acks to the outbox.
 *
 * Each connection attempt gets a new MQTTAsync client and a new generation
 * number. After a loss the client is destroyed and the generation bumped, so
 * a late callback of the old client (paho calls callbacks without its own
 * lock held, so one may still be running during destroy) is recognised and
 * ignored; the window is then refilled from the outbox from scratch. We do
 * not use paho's automaticReconnect (it does not retry a failed first
 * connect) nor its offline buffer: the outbox is the source of truth.
 */
#include "mqtt_pub.h"

#include <MQTTAsync.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mqtt_topics.h"
#include "outbox.h"
#include "secret.h"

enum { SLOT_FREE, SLOT_SENDING, SLOT_SENT, SLOT_ACKED, SLOT_REJECTED };
enum { ST_DOWN, ST_CONNECTING, ST_UP, ST_FAILED, ST_LOST };

/* Contexts of old clients are kept this many generations before they are
 * freed, so a callback still running while its client was destroyed never
 * touches freed memory. */
#define RETIRED_KEEP 4
#define TOPIC_MAX 1024
#define ACK_BATCH 256
#define ACK_DELAY_MS 20
/* MQTT control packet types, as paho reports them in failureData5.packet_type. */
#define MQTT_PUBACK 4
#define MQTT_PUBREC 5

typedef struct mqtt_conn mqtt_conn;

typedef struct {
    mqtt_conn *c;
    int idx;
} slot_ctx;

struct mqtt_conn {
    struct mvg_mqtt_pub *p;
    uint64_t gen;
    MQTTAsync cli;
    mqtt_conn *next;            /* retired list */
    /* OpenSSL's error text, written by paho's TLS code, which may hold
     * paho's own lock: so never under the publisher's mutex. */
    pthread_mutex_t emu;
    char tls_error[160];
    slot_ctx ctx[];             /* one per window slot: the context of its publish callbacks */
};

typedef struct {
    int64_t id;
    int state;
} slot;

struct mvg_mqtt_pub {
    mvg_mqtt_cfg cfg;           /* as started; the strings the thread uses are copied below */
    char *uri, *client_id, *prefix, *gateway, *username, *password, *ca, *cert, *key;
    char *status_topic;
    char *will_payload;
    int tls;
    mvg_outbox *ob;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Everything below is under mu. */
    int stop, wake;
    int state;
    uint64_t gen;
    mqtt_conn *conn;
    mqtt_conn *retired;
    int birth_sent;
    int ctl_done;               /* a control publish or disconnect finished */
    slot *slots;
    unsigned nslots;
    unsigned used;              /* slots not FREE */
    /* Broker-acknowledged ids not yet marked in the outbox: written in one
     * transaction per batch (ACK_BATCH, ACK_DELAY_MS, or when the outbox
     * has nothing more to send), so a commit is not paid per message. */
    int64_t *pend;
    unsigned char *pend_rej;
    size_t npend, pendcap;
    int64_t pend_since;
    /* Read ahead of the window, so that one query feeds many sends. Only
     * the thread touches these; emptied on every new connection. */
    mvg_outbox_entry *pre;
    size_t npre, ipre, precap;
    int64_t last_fetched;       /* fetch cursor of the current connection */
    mvg_mqtt_stats st;
};

/* Under mu. */
static void set_error(mvg_mqtt_pub *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(mvg_mqtt_pub *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->st.last_error, sizeof p->st.last_error, fmt, ap);
    va_end(ap);
}

/* deadline_ms on mvg_clock_mono_ms(), the clock of the condition variable. */
static void wait_until(mvg_mqtt_pub *p, int64_t deadline_ms)
{
    struct timespec ts;
    mvg_clock_mono_deadline(deadline_ms - mvg_clock_mono_ms(), &ts);
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* ---- paho callbacks: record under mu, wake the thread ---- */

/* Locks mu and tells whether c is the current connection. */
static int current(mqtt_conn *c)
{
    pthread_mutex_lock(&c->p->mu);
    return c->gen == c->p->gen;
}

static void done(mvg_mqtt_pub *p)
{
    p->wake = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void conn_ok(mqtt_conn *c)
{
    mvg_mqtt_pub *p = c->p;
    if (current(c) && p->state == ST_CONNECTING) {
        p->state = ST_UP;
        p->st.connected = 1;
        if (p->st.connects++ > 0)
            p->st.reconnects++;
    }
    done(p);
}

static void conn_fail(mqtt_conn *c, int code, int reason, const char *msg)
{
    mvg_mqtt_pub *p = c->p;
    if (current(c) && p->state == ST_CONNECTING) {
        p->state = ST_FAILED;
        p->st.connect_failures++;
        /* A positive code is the broker's CONNACK refusal: MQTT 3.1.1 return
         * codes 1..5, MQTT 5 reason codes >= 0x80. */
        static const char *const v3[] = {NULL, "unacceptable protocol version",
                                         "client identifier rejected", "server unavailable",
                                         "bad user name or password", "not authorized"};
        if (reason <= 0 && code >= 0x80 && p->cfg.version == 5)
            reason = code;
        const char *r = reason > 0 ? MQTTReasonCode_toString((enum MQTTReasonCodes)reason)
                        : code >= 1 && code <= 5 ? v3[code] : NULL;
        pthread_mutex_lock(&c->emu);
        set_error(p, "mqtt: connect to %s failed: %s (code %d%s%s)%s%s", p->uri,
                  msg && *msg ? msg : MQTTAsync_strerror(code), code, r ? ", " : "", r ? r : "",
                  c->tls_error[0] ? ": " : "", c->tls_error);
        pthread_mutex_unlock(&c->emu);
    }
    done(p);
}

static void on_connect(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    conn_ok(ctx);
}

static void on_connect5(void *ctx, MQTTAsync_successData5 *r)
{
    (void)r;
    conn_ok(ctx);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData *r)
{
    conn_fail(ctx, r ? r->code : MQTTASYNC_FAILURE, 0, r ? r->message : NULL);
}

static void on_connect_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
    conn_fail(ctx, r ? r->code : MQTTASYNC_FAILURE, r ? (int)r->reasonCode : 0,
              r ? r->message : NULL);
}

static void on_lost(void *ctx, char *cause)
{
    mqtt_conn *c = ctx;
    mvg_mqtt_pub *p = c->p;
    if (current(c) && p->state == ST_UP) {
        p->state = ST_LOST;
        p->st.connected = 0;
        set_error(p, "mqtt: connection to %s lost%s%s", p->uri, cause ? ": " : "",
                  cause ? cause : "");
    }
    done(p);
}

static int on_message(void *ctx, char *topic, int len, MQTTAsync_message *m)
{
    (void)ctx;
    (void)len;
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(topic);
    return 1;
}

static void pub_ok(slot_ctx *sc)
{
    mvg_mqtt_pub *p = sc->c->p;
    if (current(sc->c)) {
        slot *s = &p->slots[sc->idx];
        if (s->state == SLOT_SENDING || s->state == SLOT_SENT)
            s->state = SLOT_ACKED;
    }
    done(p);
}

/* A publish failed. An MQTT 5 PUBACK/PUBREC with a failure reason is the
 * broker refusing this message (e.g. not authorised): re-sending would fail
 * forever, so it is acked and counted as rejected. Anything else means the
 * session is broken: start over on a new connection. */
static void pub_fail(slot_ctx *sc, int code, int reason, int packet_type, const char *msg)
{
    mvg_mqtt_pub *p = sc->c->p;
    if (current(sc->c)) {
        slot *s = &p->slots[sc->idx];
        if (reason >= 0x80 && (packet_type == MQTT_PUBACK || packet_type == MQTT_PUBREC)) {
            if (s->state == SLOT_SENDING || s->state == SLOT_SENT)
                s->state = SLOT_REJECTED;
            set_error(p, "mqtt: broker refused outbox entry %lld: %s", (long long)s->id,
                      MQTTReasonCode_toString((enum MQTTReasonCodes)reason));
        } else if (p->state == ST_UP) {
            p->state = ST_LOST;
            p->st.connected = 0;
            set_error(p, "mqtt: publish of outbox entry %lld failed: %s (code %d)",
                      (long long)s->id, msg && *msg ? msg : MQTTAsync_strerror(code), code);
        }
    }
    done(p);
}

static void on_pub(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    pub_ok(ctx);
}

static void on_pub5(void *ctx, MQTTAsync_successData5 *r)
{
    (void)r;
    pub_ok(ctx);
}

static void on_pub_fail(void *ctx, MQTTAsync_failureData *r)
{
    pub_fail(ctx, r ? r->code : MQTTASYNC_FAILURE, 0, 0, r ? r->message : NULL);
}

static void on_pub_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
    pub_fail(ctx, r ? r->code : MQTTASYNC_FAILURE, r ? (int)r->reasonCode : 0,
             r ? r->packet_type : 0, r ? r->message : NULL);
}

/* Completion of the offline status and of the disconnect at stop. */
static void ctl_done(mqtt_conn *c)
{
    mvg_mqtt_pub *p = c->p;
    if (current(c))
        p->ctl_done = 1;
    done(p);
}

static void on_ctl(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    ctl_done(ctx);
}

static void on_ctl5(void *ctx, MQTTAsync_successData5 *r)
{
    (void)r;
    ctl_done(ctx);
}

static void on_ctl_fail(void *ctx, MQTTAsync_failureData *r)
{
    (void)r;
    ctl_done(ctx);
}

static void on_ctl_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
    (void)r;
    ctl_done(ctx);
}

/* OpenSSL's own words for a failed handshake ("certificate verify failed"),
 * which paho reports only as "TCP/TLS connect failure". */
static int on_ssl_error(const char *str, size_t len, void *ctx)
{
    mqtt_conn *c = ctx;
    pthread_mutex_lock(&c->emu);
    {
        while (len > 0 && (str[len - 1] == '\n' || str[len - 1] == '\r'))
            len--;
        /* OpenSSL's lines read "<thread>:error:<code>:<lib>:<func>:<reason>:...". */
        const char *e = memmem(str, len, ":error:", 7);
        if (e) {
            len -= (size_t)(e + 1 - str);
            str = e + 1;
        }
        if (len >= sizeof c->tls_error)
            len = sizeof c->tls_error - 1;
        memcpy(c->tls_error, str, len);
        c->tls_error[len] = '\0';
    }
    pthread_mutex_unlock(&c->emu);
    return 0;
}

/* ---- the thread's side ---- */

static char *status_json(const mvg_mqtt_pub *p, const char *state, int with_ts)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "schema", "mvgate/status/1", "state", state,
                          "gateway", p->gateway);
    if (o && with_ts)
        json_object_set_new(o, "ts_ms", json_integer(mvg_clock_real_ms()));
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

/* A control message (birth, offline) on the status topic: retained, QoS 1,
 * not from the outbox. With wait, the completion sets ctl_done. Under mu,
 * dropped around the paho call: paho's threads may hold paho's lock while
 * they wait for ours, so no paho call is made with ours held. */
static int send_status(mvg_mqtt_pub *p, const char *state, int wait)
{
    char *json = status_json(p, state, 1);
    if (!json)
        return -1;
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = json;
    m.payloadlen = (int)strlen(json);
    m.qos = 1;
    m.retained = 1;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    if (wait) {
        ro.context = p->conn;
        if (p->cfg.version == 5) {
            ro.onSuccess5 = on_ctl5;
            ro.onFailure5 = on_ctl_fail5;
        } else {
            ro.onSuccess = on_ctl;
            ro.onFailure = on_ctl_fail;
        }
    }
    p->ctl_done = 0;
    MQTTAsync cli = p->conn->cli;
    pthread_mutex_unlock(&p->mu);
    int rc = MQTTAsync_sendMessage(cli, p->status_topic, &m, &ro);
    pthread_mutex_lock(&p->mu);
    free(json);
    return rc == MQTTASYNC_SUCCESS ? 0 : -1;
}

/* Starts a connection attempt on a new client. Under mu, dropped around
 * the paho calls; the attempt is the current connection (p->conn, state
 * CONNECTING) before the first of them, so its callbacks count. */
static int connect_start(mvg_mqtt_pub *p)
{
    mqtt_conn *c = calloc(1, sizeof *c + p->nslots * sizeof(slot_ctx));
    if (!c) {
        set_error(p, "mqtt: out of memory");
        return -1;
    }
    c->p = p;
    c->gen = ++p->gen;
    pthread_mutex_init(&c->emu, NULL);
    for (unsigned i = 0; i < p->nslots; i++)
        c->ctx[i] = (slot_ctx){c, (int)i};

    p->conn = c;
    p->state = ST_CONNECTING;

    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
    co.MQTTVersion = p->cfg.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    /* Applies while connected too: room for the whole window and the controls. */
    co.maxBufferedMessages = (int)p->nslots + 16;

    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
    MQTTAsync_connectOptions o5 = MQTTAsync_connectOptions_initializer5;
    if (p->cfg.version == 5) {
        o = o5;
        o.cleanstart = 1;
        o.onSuccess5 = on_connect5;
        o.onFailure5 = on_connect_fail5;
    } else {
        o.MQTTVersion = MQTTVERSION_3_1_1;
        o.cleansession = 1;
        o.onSuccess = on_connect;
        o.onFailure = on_connect_fail;
    }
    o.context = c;
    o.keepAliveInterval = p->cfg.keepalive_s;
    o.connectTimeout = p->cfg.connect_timeout_s;
    o.maxInflight = (int)p->nslots + 2;
    o.automaticReconnect = 0;
    o.username = p->username;
    o.password = p->password;

    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
    will.topicName = p->status_topic;
    will.message = p->will_payload;
    will.retained = 1;
    will.qos = 1;
    o.will = &will;

    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    if (p->tls) {
        ssl.trustStore = p->ca;
        ssl.keyStore = p->cert;
        ssl.privateKey = p->key;
        ssl.enableServerCertAuth = 1;
        ssl.verify = p->cfg.verify_hostname;
        ssl.ssl_error_cb = on_ssl_error;
        ssl.ssl_error_context = c;
        o.ssl = &ssl;
    }

    pthread_mutex_unlock(&p->mu);
    const char *what = "cannot create a client";
    int rc = MQTTAsync_createWithOptions(&c->cli, p->uri, p->client_id,
                                         MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
    if (rc == MQTTASYNC_SUCCESS) {
        what = "cannot set the callbacks";
        rc = MQTTAsync_setCallbacks(c->cli, c, on_lost, on_message, NULL);
    }
    if (rc == MQTTASYNC_SUCCESS) {
        what = "cannot start connecting";
        rc = MQTTAsync_connect(c->cli, &o);
    }
    pthread_mutex_lock(&p->mu);
    if (rc != MQTTASYNC_SUCCESS) {
        p->state = ST_DOWN;
        set_error(p, "mqtt: %s to %s: %s", what, p->uri, MQTTAsync_strerror(rc));
        return -1;
    }
    return 0;
}

/* Moves the broker's acknowledgements out of the window (freeing their
 * slots) into the pending list. Under mu. Returns how many. */
static unsigned collect_acks(mvg_mqtt_pub *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->nslots && p->npend < p->pendcap; i++) {
        slot *s = &p->slots[i];
        if (s->state != SLOT_ACKED && s->state != SLOT_REJECTED)
            continue;
        if (p->npend == 0)
            p->pend_since = mvg_clock_mono_ms();
        p->pend_rej[p->npend] = s->state == SLOT_REJECTED;
        p->pend[p->npend++] = s->id;
        s->state = SLOT_FREE;
        p->used--;
        n++;
    }
    return n;
}

/* Marks the pending acknowledgements delivered in the outbox, in one
 * transaction. Under mu, dropped around the SQLite write (the pending list
 * is only touched by this thread). 0 or -1 (then they stay pending). */
static int write_acks(mvg_mqtt_pub *p)
{
    size_t n = p->npend;
    if (n == 0)
        return 0;
    char err[256];
    pthread_mutex_unlock(&p->mu);
    int rc = mvg_outbox_ack_many(p->ob, p->pend, n, err, sizeof err);
    pthread_mutex_lock(&p->mu);
    if (rc < 0) {
        set_error(p, "mqtt: %s", err);
        mvg_log(MVG_LOG_ERR, "%s", p->st.last_error);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (p->pend_rej[k])
            p->st.rejected++;
        else
            p->st.delivered++;
        if (p->pend[k] > p->st.last_id)
            p->st.last_id = p->pend[k];
    }
    p->npend = 0;
    return 0;
}

static void flush_acks(mvg_mqtt_pub *p)
{
    collect_acks(p);
    write_acks(p);
}

/* Ends the current connection: keeps what the broker acknowledged, forgets
 * the rest of the window (it is fetched again), destroys the client. Under mu. */
static void teardown(mvg_mqtt_pub *p)
{
    flush_acks(p);
    mqtt_conn *c = p->conn;
    p->conn = NULL;
    p->gen++; /* from here on, callbacks of c are ignored */
    for (unsigned i = 0; i < p->nslots; i++)
        p->slots[i].state = SLOT_FREE;
    p->used = 0;
    mvg_outbox_entries_free(p->pre, p->npre);
    p->npre = p->ipre = 0;
    p->last_fetched = 0;
    p->birth_sent = 0;
    p->st.connected = 0;
    p->state = ST_DOWN;
    if (!c)
        return;
    pthread_mutex_unlock(&p->mu);
    if (c->cli)
        MQTTAsync_destroy(&c->cli);
    pthread_mutex_lock(&p->mu);
    c->next = p->retired;
    p->retired = c;
    unsigned k = 0;
    for (mqtt_conn **pp = &p->retired; *pp; k++) {
        if (k >= RETIRED_KEEP) {
            mqtt_conn *old = *pp;
            *pp = old->next;
            pthread_mutex_destroy(&old->emu);
            free(old);
            k--;
        } else {
            pp = &(*pp)->next;
        }
    }
}

/* One entry on the wire. Under mu, dropped around the paho call (its
 * callback may run before the call returns: the slot is SENDING by then). */
static int send_entry(mvg_mqtt_pub *p, const mvg_outbox_entry *e)
{
    unsigned i = 0;
    while (i < p->nslots && p->slots[i].state != SLOT_FREE)
        i++;
    if (i == p->nslots)
        return -1;
    slot *s = &p->slots[i];
    char topic[TOPIC_MAX];
    int tl = e->topic && *e->topic
                 ? snprintf(topic, sizeof topic, "%s/%s/%s", p->prefix, p->gateway, e->topic)
                 : snprintf(topic, sizeof topic, "%s/%s", p->prefix, p->gateway);
    if (tl < 0 || (size_t)tl >= sizeof topic || e->len > 268435455u) {
        /* Cannot ever be sent: ack it so it does not block the outbox. */
        set_error(p, "mqtt: outbox entry %lld not sendable (topic or payload too long)",
                  (long long)e->id);
        mvg_log(MVG_LOG_ERR, "%s", p->st.last_error);
        s->id = e->id;
        s->state = SLOT_REJECTED;
        p->used++;
        return 0;
    }
    s->id = e->id;
    s->state = SLOT_SENDING;
    p->used++;
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = e->payload;
    m.payloadlen = (int)e->len;
    m.qos = p->cfg.qos;
    m.retained = e->retained ? 1 : 0;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    ro.context = &p->conn->ctx[i];
    if (p->cfg.version == 5) {
        ro.onSuccess5 = on_pub5;
        ro.onFailure5 = on_pub_fail5;
    } else {
        ro.onSuccess = on_pub;
        ro.onFailure = on_pub_fail;
    }
    MQTTAsync cli = p->conn->cli;
    pthread_mutex_unlock(&p->mu);
    int rc = MQTTAsync_sendMessage(cli, topic, &m, &ro);
    pthread_mutex_lock(&p->mu);
    if (rc != MQTTASYNC_SUCCESS) {
        s->state = SLOT_FREE;
        p->used--;
        if (p->state == ST_UP) {
            p->state = ST_LOST;
            set_error(p, "mqtt: publish of outbox entry %lld: %s", (long long)e->id,
                      MQTTAsync_strerror(rc));
        }
        return -1;
    }
    if (s->state == SLOT_SENDING)
        s->state = SLOT_SENT;
    p->st.sent++;
    return 0;
}

/* One turn while connected: collect acks, fill the window in id order
 * from the read-ahead, write the acks when a batch is due or when there is
 * nothing more to send. Under mu. Returns whether anything was done (then
 * the caller turns again at once). */
static int pump(mvg_mqtt_pub *p)
{
    unsigned work = collect_acks(p);
    int drained = 0;
    while (p->state == ST_UP && p->used < p->nslots) {
        if (p->ipre == p->npre) {
            mvg_outbox_entries_free(p->pre, p->npre);
            p->npre = p->ipre = 0;
            size_t n = 0;
            char err[256];
            pthread_mutex_unlock(&p->mu);
            int rc = mvg_outbox_fetch(p->ob, p->last_fetched, p->precap, p->pre, &n, err,
                                      sizeof err);
            pthread_mutex_lock(&p->mu);
            if (rc < 0) {
                set_error(p, "mqtt: %s", err);
                mvg_log(MVG_LOG_ERR, "%s", p->st.last_error);
                break;
            }
            p->npre = n;
            if (n == 0) {
                drained = 1;
                break;
            }
            p->last_fetched = p->pre[n - 1].id;
        }
        if (send_entry(p, &p->pre[p->ipre]) < 0)
            break;
        p->ipre++;
        work++;
    }
    if (p->npend > 0 && (drained || p->npend >= ACK_BATCH || p->npend == p->pendcap ||
                         mvg_clock_mono_ms() - p->pend_since >= ACK_DELAY_MS))
        write_acks(p);
    return work > 0;
}

/* Clean stop while connected: what was acknowledged is kept, a retained
 * "offline" replaces the birth (a clean DISCONNECT suppresses the will). */
static void shutdown_conn(mvg_mqtt_pub *p)
{
    if (p->state == ST_UP) {
        flush_acks(p);
        if (send_status(p, "offline", 1) == 0) {
            int64_t until = mvg_clock_mono_ms() + 2000;
            while (!p->ctl_done && p->state == ST_UP && mvg_clock_mono_ms() < until)
                wait_until(p, until);
        }
        flush_acks(p);
        MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
        MQTTAsync_disconnectOptions d5 = MQTTAsync_disconnectOptions_initializer5;
        if (p->cfg.version == 5) {
            d = d5;
            d.onSuccess5 = on_ctl5;
            d.onFailure5 = on_ctl_fail5;
        } else {
            d.onSuccess = on_ctl;
            d.onFailure = on_ctl_fail;
        }
        d.context = p->conn;
        d.timeout = 1000;
        p->ctl_done = 0;
        MQTTAsync cli = p->conn->cli;
        pthread_mutex_unlock(&p->mu);
        int rc = MQTTAsync_disconnect(cli, &d);
        pthread_mutex_lock(&p->mu);
        if (rc == MQTTASYNC_SUCCESS) {
            int64_t until = mvg_clock_mono_ms() + 3000;
            while (!p->ctl_done && mvg_clock_mono_ms() < until)
                wait_until(p, until);
        }
    }
    teardown(p);
}

static void *run(void *arg)
{
    mvg_mqtt_pub *p = arg;
    int64_t next_try = 0;
    int backoff = p->cfg.backoff_min_ms;
    char prev_error[sizeof p->st.last_error] = "";
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        int64_t now = mvg_clock_mono_ms(), deadline = now + p->cfg.idle_poll_ms;
        switch (p->state) {
        case ST_DOWN:
            if (now < next_try) {
                deadline = next_try;
                break;
            }
            if (connect_start(p) < 0) {
                /* A client that could not even start counts as a failed attempt. */
                p->st.connect_failures++;
                p->state = ST_FAILED;
            }
            continue;
        case ST_FAILED:
        case ST_LOST:
            if (strcmp(prev_error, p->st.last_error) != 0) {
                mvg_log(MVG_LOG_WARN, "%s; retrying in %d ms", p->st.last_error, backoff);
                memcpy(prev_error, p->st.last_error, sizeof prev_error);
            }
            teardown(p);
            next_try = mvg_clock_mono_ms() + backoff;
            backoff = backoff > p->cfg.backoff_max_ms / 2 ? p->cfg.backoff_max_ms : backoff * 2;
            continue;
        case ST_CONNECTING:
            break;
        case ST_UP:
            if (!p->birth_sent) {
                mvg_log(MVG_LOG_NOTICE, "mqtt: connected to %s as %s", p->uri, p->client_id);
                prev_error[0] = '\0';
                backoff = p->cfg.backoff_min_ms;
                p->birth_sent = 1;
                if (send_status(p, "online", 0) < 0) {
                    p->state = ST_LOST;
                    set_error(p, "mqtt: cannot publish the birth message on %s", p->status_topic);
                    continue;
                }
            }
            if (pump(p))
                continue;
            if (p->npend > 0 && p->pend_since + ACK_DELAY_MS < deadline)
                deadline = p->pend_since + ACK_DELAY_MS;
            break;
        }
        while (!p->wake && !p->stop && mvg_clock_mono_ms() < deadline)
            wait_until(p, deadline);
        p->wake = 0;
    }
    shutdown_conn(p);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- start / stop ---- */

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static void pub_free(mvg_mqtt_pub *p)
{
    if (!p)
        return;
    mvg_outbox_close(p->ob);
    while (p->retired) {
        mqtt_conn *c = p->retired;
        p->retired = c->next;
        pthread_mutex_destroy(&c->emu);
        free(c);
    }
    mvg_secret_free(p->password);
    free(p->uri);
    free(p->client_id);
    free(p->prefix);
    free(p->gateway);
    free(p->username);
    free(p->ca);
    free(p->cert);
    free(p->key);
    free(p->status_topic);
    free(p->will_payload);
    free(p->slots);
    free(p->pend);
    free(p->pend_rej);
    if (p->pre)
        mvg_outbox_entries_free(p->pre, p->npre);
    free(p->pre);
    free(p);
}

mvg_mqtt_pub *mvg_mqtt_pub_start(const mvg_mqtt_cfg *cfg, const char *db_path, char *err,
                                 size_t errlen)
{
    if (!cfg || !db_path) {
        snprintf(err, errlen, "mqtt: configuration and database path are required");
        return NULL;
    }
    mvg_mqtt_pub *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "mqtt: out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    /* the timing that is not configuration: 0 takes the built-in values */
    if (!p->cfg.connect_timeout_s)
        p->cfg.connect_timeout_s = 10;
    if (!p->cfg.backoff_min_ms)
        p->cfg.backoff_min_ms = 500;
    if (!p->cfg.backoff_max_ms)
        p->cfg.backoff_max_ms = 30000;
    if (p->cfg.backoff_max_ms < p->cfg.backoff_min_ms)
        p->cfg.backoff_max_ms = p->cfg.backoff_min_ms;
    if (!p->cfg.idle_poll_ms)
        p->cfg.idle_poll_ms = 100;
    p->tls = mvg_mqtt_uri_is_tls(cfg->uri);
    p->uri = strdup(cfg->uri);
    p->gateway = strdup(cfg->gateway_id);
    p->prefix = strdup(cfg->topic_prefix);
    p->username = dup_or_null(cfg->username);
    p->ca = dup_or_null(cfg->ca_file);
    p->cert = dup_or_null(cfg->cert_file);
    p->key = dup_or_null(cfg->key_file);
    p->client_id = strdup(cfg->client_id);
    if (p->prefix && p->gateway &&
        asprintf(&p->status_topic, "%s/%s/" MVG_MQTT_TOPIC_STATUS, p->prefix, p->gateway) < 0)
        p->status_topic = NULL;
    p->nslots = (unsigned)cfg->inflight;
    p->slots = calloc(p->nslots, sizeof *p->slots);
    p->pendcap = ACK_BATCH + p->nslots;
    p->pend = calloc(p->pendcap, sizeof *p->pend);
    p->pend_rej = calloc(p->pendcap, 1);
    p->precap = 4 * (size_t)p->nslots < 256 ? 256 : 4 * (size_t)p->nslots > 4096 ? 4096 : 4 * (size_t)p->nslots;
    p->pre = calloc(p->precap, sizeof *p->pre);
    if (!p->uri || !p->gateway || !p->prefix || !p->client_id || !p->status_topic || !p->slots ||
        !p->pend || !p->pend_rej || !p->pre ||
        !(p->will_payload = status_json(p, "offline", 0))) {
        snprintf(err, errlen, "mqtt: out of memory");
        goto fail;
    }
    if (cfg->password_file[0] &&
        !(p->password = mvg_secret_read("mqtt: password_file", cfg->password_file, err, errlen)))
        goto fail;
    if (!(p->ob = mvg_outbox_open(db_path, "mqtt", err, errlen)))
        goto fail;

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);
    int rc = pthread_create(&p->thread, NULL, run, p);
    if (rc != 0) {
        snprintf(err, errlen, "mqtt: cannot start the publisher thread: %s", strerror(rc));
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
    return p;
fail:
    pub_free(p);
    return NULL;
}

void mvg_mqtt_pub_stop(mvg_mqtt_pub *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    pub_free(p);
}

void mvg_mqtt_pub_kick(mvg_mqtt_pub *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->wake = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void mvg_mqtt_pub_get_stats(mvg_mqtt_pub *p, mvg_mqtt_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    *st = p->st;
    unsigned n = 0;
    for (unsigned i = 0; i < p->nslots; i++)
        n += p->slots[i].state == SLOT_SENDING || p->slots[i].state == SLOT_SENT;
    st->in_flight = n;
    pthread_mutex_unlock(&p->mu);
}
