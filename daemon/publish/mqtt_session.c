/*
 * mqtt_session.c: the MQTT publisher's broker session (mqtt_pub_int.h):
 * the paho client of one connection attempt with its connect, TLS and will
 * options, the callbacks that report connecting, refusal and loss, the
 * control messages on the status topic (birth, offline), and the end of a
 * session. paho's callbacks run on paho's threads and only record what
 * happened under the publisher's mutex. We do not use paho's
 * automaticReconnect (it does not retry a failed first connect) nor its
 * offline buffer: the outbox is the source of truth.
 */
#include <MQTTAsync.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "mqtt_pub_int.h"
#if MVG_MQTT_TLS
#include "tls_probe.h"
#endif

void mvg_mqtt_set_error(mvg_mqtt_pub *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->st.last_error, sizeof p->st.last_error, fmt, ap);
    va_end(ap);
}

void mvg_mqtt_wait_until(mvg_mqtt_pub *p, int64_t deadline_ms)
{
    struct timespec ts;
    mvg_clock_mono_deadline(deadline_ms - mvg_clock_mono_ms(), &ts);
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* ---- paho callbacks: record under mu, wake the thread ---- */

int mvg_mqtt_current(mqtt_conn *c)
{
    pthread_mutex_lock(&c->p->mu);
    return c->gen == c->p->gen;
}

void mvg_mqtt_done(mvg_mqtt_pub *p)
{
    p->wake = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void conn_ok(mqtt_conn *c)
{
    mvg_mqtt_pub *p = c->p;
    if (mvg_mqtt_current(c) && p->state == ST_CONNECTING) {
        p->state = ST_UP;
        p->st.connected = 1;
        if (p->st.connects++ > 0)
            p->st.reconnects++;
    }
    mvg_mqtt_done(p);
}

static void conn_fail(mqtt_conn *c, int code, int reason, const char *msg)
{
    mvg_mqtt_pub *p = c->p;
    if (mvg_mqtt_current(c) && p->state == ST_CONNECTING) {
        p->state = ST_FAILED;
        /* A positive code is the broker's CONNACK refusal: MQTT 3.1.1 return
         * codes 1..5, MQTT 5 reason codes >= 0x80. */
        static const char *const v3[] = {NULL, "unacceptable protocol version",
                                         "client identifier rejected", "server unavailable",
                                         "bad user name or password", "not authorized"};
        if (reason <= 0 && code >= 0x80 && p->cfg.version == 5)
            reason = code;
        const char *r = reason > 0 ? MQTTReasonCode_toString((enum MQTTReasonCodes)reason)
                        : code >= 1 && code <= 5 ? v3[code] : NULL;
        /* A failure on our side of a TLS connection: the thread finds the
         * reason (mvg_mqtt_explain_tls); OpenSSL's line is its fallback. */
        p->probe_due = p->tls && code < 0;
        /* counted once its message is complete, so a reader of the stats
         * never sees a counted failure without its reason */
        if (!p->probe_due)
            p->st.connect_failures++;
        pthread_mutex_lock(&c->emu);
        snprintf(p->probe_fallback, sizeof p->probe_fallback, "%s", c->tls_error);
        const char *tls = p->probe_due ? "" : c->tls_error;
        mvg_mqtt_set_error(p, "mqtt: connect to %s failed: %s (code %d%s%s)%s%s", p->uri,
                  msg && *msg ? msg : MQTTAsync_strerror(code), code, r ? ", " : "", r ? r : "",
                  tls[0] ? ": " : "", tls);
        pthread_mutex_unlock(&c->emu);
    }
    mvg_mqtt_done(p);
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
    if (mvg_mqtt_current(c) && p->state == ST_UP) {
        p->state = ST_LOST;
        p->st.connected = 0;
        mvg_mqtt_set_error(p, "mqtt: connection to %s lost%s%s", p->uri, cause ? ": " : "",
                  cause ? cause : "");
    }
    mvg_mqtt_done(p);
}

static int on_message(void *ctx, char *topic, int len, MQTTAsync_message *m)
{
    (void)ctx;
    (void)len;
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(topic);
    return 1;
}

/* Completion of the offline status and of the disconnect at stop. */
static void ctl_done(mqtt_conn *c)
{
    mvg_mqtt_pub *p = c->p;
    if (mvg_mqtt_current(c))
        p->ctl_done = 1;
    mvg_mqtt_done(p);
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

char *mvg_mqtt_status_json(const mvg_mqtt_pub *p, const char *state, int with_ts)
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
int mvg_mqtt_send_status(mvg_mqtt_pub *p, const char *state, int wait)
{
    char *json = mvg_mqtt_status_json(p, state, 1);
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
int mvg_mqtt_connect_start(mvg_mqtt_pub *p)
{
    mqtt_conn *c = calloc(1, sizeof *c + p->nslots * sizeof(slot_ctx));
    if (!c) {
        mvg_mqtt_set_error(p, "mqtt: out of memory");
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
        mvg_mqtt_set_error(p, "mqtt: %s to %s: %s", what, p->uri, MQTTAsync_strerror(rc));
        return -1;
    }
    return 0;
}

/* Ends the current connection: keeps what the broker acknowledged, forgets
 * the rest of the window (it is fetched again), destroys the client. Under mu. */
void mvg_mqtt_teardown(mvg_mqtt_pub *p)
{
    mvg_mqtt_flush_acks(p);
    mvg_mqtt_close_lane(p);
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

/* Clean stop while connected: what was acknowledged is kept, a retained
 * "offline" replaces the birth (a clean DISCONNECT suppresses the will). */
void mvg_mqtt_shutdown(mvg_mqtt_pub *p)
{
    if (p->state == ST_UP) {
        mvg_mqtt_flush_acks(p);
        if (mvg_mqtt_send_status(p, "offline", 1) == 0) {
            int64_t until = mvg_clock_mono_ms() + 2000;
            while (!p->ctl_done && p->state == ST_UP && mvg_clock_mono_ms() < until)
                mvg_mqtt_wait_until(p, until);
        }
        mvg_mqtt_flush_acks(p);
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
                mvg_mqtt_wait_until(p, until);
        }
    }
    mvg_mqtt_teardown(p);
}


void mvg_mqtt_explain_tls(mvg_mqtt_pub *p)
{
    p->probe_due = 0;
#if MVG_MQTT_TLS
    mvg_tls_probe_cfg pc = {p->uri, p->ca, p->cert, p->key, p->cfg.verify_hostname,
                            (p->cfg.connect_timeout_s > 5 ? 5 : p->cfg.connect_timeout_s) * 1000};
    char why[200], base[sizeof p->st.last_error];
    snprintf(base, sizeof base, "%s", p->st.last_error);
    pthread_mutex_unlock(&p->mu);
    int found = mvg_tls_probe(&pc, why, sizeof why);
    pthread_mutex_lock(&p->mu);
    const char *reason = found ? why : p->probe_fallback;
    if (reason[0])
        mvg_mqtt_set_error(p, "%s: %s", base, reason);
#endif
    p->st.connect_failures++;
}
