/*
 * mqtt_pub.c: the MQTT publisher's drain (mqtt_pub.h, mqtt_pub_int.h): the
 * thread, the window of sent but unacknowledged outbox entries, the
 * acknowledgements and refusals written back, and start and stop. Its
 * outbox handle (SQLite connection) is touched by this thread alone:
 * paho's callbacks run on paho's threads and only record what happened
 * under the mutex; this thread writes to the outbox. The broker session
 * (client, options, connection callbacks) is mqtt_session.c.
 */
#include "mqtt_pub.h"

#include <MQTTAsync.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mqtt_pub_int.h"
#include "mqtt_topics.h"
#include "outbox.h"
#include "secret.h"

/* How often an idle publisher looks for parked entries whose retry time
 * has come or that an operator asked to resend. */
#define UNPARK_EVERY_MS 1000
/* What one read-ahead fetch may hold: the count bound alone (4 x the
 * window, 256..4096 entries) held that many telemetry documents of a large
 * poll at once, many kB each. 128 kB still feeds a 32-message window
 * hundreds of 300-byte entries per query. */
#define FETCH_BYTES (128 * 1024)

/* ---- paho callbacks: record under mu, wake the thread ---- */

static void pub_ok(slot_ctx *sc)
{
    mvg_mqtt_pub *p = sc->c->p;
    if (mvg_mqtt_current(sc->c)) {
        slot *s = &p->slots[sc->idx];
        if (s->state == SLOT_SENDING || s->state == SLOT_SENT)
            s->state = SLOT_ACKED;
    }
    mvg_mqtt_done(p);
}

/* A publish failed. An MQTT 5 PUBACK/PUBREC with a failure reason is the
 * broker refusing this message (e.g. not authorised): re-sending at once
 * would fail again and block nothing else, so the entry is parked in the
 * outbox with the reason (outbox.h) and sent again after the retry time.
 * Anything else means the session is broken: start over on a new
 * connection. */
static void pub_fail(slot_ctx *sc, int code, int reason, int packet_type, const char *msg)
{
    mvg_mqtt_pub *p = sc->c->p;
    if (mvg_mqtt_current(sc->c)) {
        slot *s = &p->slots[sc->idx];
        if (reason >= 0x80 && (packet_type == MQTT_PUBACK || packet_type == MQTT_PUBREC)) {
            if (s->state == SLOT_SENDING || s->state == SLOT_SENT) {
                s->state = SLOT_REJECTED;
                s->reason = reason;
            }
            if (s->lane)
                mvg_mqtt_set_error(p, "mqtt: broker refused telemetry %s: %s (reason 0x%02x)",
                                   s->lane->topic,
                                   MQTTReasonCode_toString((enum MQTTReasonCodes)reason), reason);
            else
                mvg_mqtt_set_error(p, "mqtt: broker refused outbox entry %lld: %s (reason 0x%02x)",
                                   (long long)s->id,
                                   MQTTReasonCode_toString((enum MQTTReasonCodes)reason), reason);
        } else if (p->state == ST_UP) {
            p->state = ST_LOST;
            p->st.connected = 0;
            if (s->lane)
                mvg_mqtt_set_error(p, "mqtt: publish of telemetry %s failed: %s (code %d)",
                                   s->lane->topic, msg && *msg ? msg : MQTTAsync_strerror(code),
                                   code);
            else
                mvg_mqtt_set_error(p, "mqtt: publish of outbox entry %lld failed: %s (code %d)",
                                   (long long)s->id, msg && *msg ? msg : MQTTAsync_strerror(code),
                                   code);
        }
    }
    mvg_mqtt_done(p);
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

/* ---- the thread's side ---- */

/* Moves the broker's acknowledgements out of the window (freeing their
 * slots) into the pending list. Under mu. Returns how many. */
static unsigned collect_acks(mvg_mqtt_pub *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->nslots && p->npend < p->pendcap; i++) {
        slot *s = &p->slots[i];
        if (s->state != SLOT_ACKED && s->state != SLOT_REJECTED)
            continue;
        if (s->lane) {
            /* the lane's: nothing to write when acknowledged; a refused
             * one goes back with the lane closed, to be parked in the
             * outbox as every refused entry is */
            if (s->state == SLOT_ACKED) {
                mvg_lane_entry_free(s->lane);
                p->st.delivered++;
            } else {
                mvg_lane_close(p->lane, s->lane);
            }
            s->lane = NULL;
            s->state = SLOT_FREE;
            p->used--;
            n++;
            continue;
        }
        if (p->npend == 0)
            p->pend_since = mvg_clock_mono_ms();
        /* 0: acknowledged; else refused: the reason code, or 1 when not sendable */
        p->pend_rej[p->npend] = s->state != SLOT_REJECTED ? 0 : s->reason ? s->reason : 1;
        p->pend[p->npend++] = s->id;
        s->state = SLOT_FREE;
        p->used--;
        n++;
    }
    return n;
}

/* Parks the refused entry id (reason: the broker's code, or 1: mvgate
 * cannot send it) and logs the refusal once per reason until the next
 * resend. Not under mu. */
static int park_one(mvg_mqtt_pub *p, int64_t id, int reason, char *err, size_t errlen)
{
    const char *why = reason > 1 ? MQTTReasonCode_toString((enum MQTTReasonCodes)reason)
                                 : "topic or payload too long for MQTT";
    int code = reason > 1 ? reason : 0;
    if (mvg_outbox_park(p->ob, id, code, why, mvg_clock_real_ms(), err, errlen) < 0)
        return -1;
    char key[64];
    snprintf(key, sizeof key, "refused %d", code);
    mvg_log_once_hit(&p->refused_log, MVG_LOG_WARN, key,
                     "mqtt: the broker refuses publishes (%s, reason 0x%02x): the entries stay "
                     "in the outbox, parked, and are sent again %s%d s later, at a reload or on "
                     "mvgate outbox resend; mvgate status shows them",
                     why, code, p->cfg.refused_retry_s ? "" : "never: refused_retry_s 0; ",
                     p->cfg.refused_retry_s);
    return 0;
}

/* Marks the pending acknowledgements delivered in the outbox, in one
 * transaction, and parks the refused ones. Under mu, dropped around the
 * SQLite writes (the pending list is only touched by this thread). 0 or
 * -1 (then they stay pending). */
static int write_acks(mvg_mqtt_pub *p)
{
    size_t n = p->npend;
    if (n == 0)
        return 0;
    char err[256];
    pthread_mutex_unlock(&p->mu);
    /* the acknowledged first, in one transaction: ids are moved to the front */
    size_t nack = 0;
    for (size_t k = 0; k < n; k++) {
        if (p->pend_rej[k])
            continue;
        int64_t id = p->pend[k];
        int rej = p->pend_rej[k];
        p->pend[k] = p->pend[nack];
        p->pend_rej[k] = p->pend_rej[nack];
        p->pend[nack] = id;
        p->pend_rej[nack++] = (unsigned char)rej;
    }
    int rc = mvg_outbox_ack_many(p->ob, p->pend, nack, err, sizeof err);
    size_t k = nack;
    for (; rc == 0 && k < n; k++)
        rc = park_one(p, p->pend[k], p->pend_rej[k], err, sizeof err);
    pthread_mutex_lock(&p->mu);
    if (rc < 0) {
        mvg_mqtt_set_error(p, "mqtt: %s", err);
        mvg_log_once_hit(&p->conn_log, MVG_LOG_ERR, err, "%s", p->st.last_error);
        return -1;
    }
    for (k = 0; k < n; k++) {
        if (p->pend_rej[k])
            p->st.rejected++;
        else
            p->st.delivered++;
        if (!p->pend_rej[k] && p->pend[k] > p->st.last_id)
            p->st.last_id = p->pend[k];
    }
    p->npend = 0;
    return 0;
}

void mvg_mqtt_flush_acks(mvg_mqtt_pub *p)
{
    collect_acks(p);
    write_acks(p);
}

/* What is sent: an outbox entry (id > 0) or a lane entry (lane). */
typedef struct {
    int64_t id;
    mvg_lane_entry *lane;
    const char *topic;
    const char *payload;
    size_t len;
    int retained;
} outgoing;

static void describe(const outgoing *o, char *buf, size_t len)
{
    if (o->lane)
        snprintf(buf, len, "telemetry %s", o->topic);
    else
        snprintf(buf, len, "outbox entry %lld", (long long)o->id);
}

/* One entry on the wire. Under mu, dropped around the paho call (its
 * callback may run before the call returns: the slot is SENDING by then).
 * 0, or -1 when it did not go (the window is full or the session broke;
 * a lane entry that did not go is back in the lane, closed). */
static int send_one(mvg_mqtt_pub *p, const outgoing *e)
{
    unsigned i = 0;
    while (i < p->nslots && p->slots[i].state != SLOT_FREE)
        i++;
    if (i == p->nslots)
        return -1;
    slot *s = &p->slots[i];
    char topic[TOPIC_MAX], what[TOPIC_MAX + 32];
    int tl = e->topic && *e->topic
                 ? snprintf(topic, sizeof topic, "%s/%s/%s", p->prefix, p->gateway, e->topic)
                 : snprintf(topic, sizeof topic, "%s/%s", p->prefix, p->gateway);
    if (tl < 0 || (size_t)tl >= sizeof topic || e->len > 268435455u) {
        /* Cannot ever be sent: parked (kept, shown), so it does not block the outbox. */
        describe(e, what, sizeof what);
        mvg_mqtt_set_error(p, "mqtt: %s not sendable (topic or payload too long)", what);
        s->id = e->id;
        s->lane = e->lane;
        s->state = SLOT_REJECTED;
        s->reason = 0;
        p->used++;
        return 0;
    }
    s->id = e->id;
    s->lane = e->lane;
    s->state = SLOT_SENDING;
    p->used++;
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = (void *)e->payload;
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
        if (s->lane)
            mvg_lane_close(p->lane, s->lane);
        s->lane = NULL;
        s->state = SLOT_FREE;
        p->used--;
        if (p->state == ST_UP) {
            p->state = ST_LOST;
            describe(e, what, sizeof what);
            mvg_mqtt_set_error(p, "mqtt: publish of %s: %s", what, MQTTAsync_strerror(rc));
        }
        return -1;
    }
    if (s->state == SLOT_SENDING)
        s->state = SLOT_SENT;
    p->st.sent++;
    return 0;
}

static int send_entry(mvg_mqtt_pub *p, const mvg_outbox_entry *e)
{
    outgoing o = {e->id, NULL, e->topic, e->payload, e->len, e->retained};
    return send_one(p, &o);
}

/* With the outbox drained: the lane opens (if nothing handed back waits
 * for the pipeline) and its entries fill the window. Under mu. Returns
 * how many went. */
static unsigned send_lane(mvg_mqtt_pub *p)
{
    unsigned n = 0;
    if (!p->lane || !mvg_lane_open(p->lane))
        return 0;
    while (p->state == ST_UP && p->used < p->nslots) {
        mvg_lane_entry *e = mvg_lane_take(p->lane);
        if (!e)
            break;
        outgoing o = {0, e, e->topic, e->payload, e->len, 0};
        if (send_one(p, &o) < 0)
            break;
        n++;
    }
    return n;
}

void mvg_mqtt_close_lane(mvg_mqtt_pub *p)
{
    if (!p->lane)
        return;
    mvg_lane_entry *unacked = NULL;
    for (unsigned i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        if (!s->lane)
            continue;
        s->lane->next = unacked;
        unacked = s->lane;
        s->lane = NULL;
    }
    mvg_lane_close(p->lane, unacked);
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
                mvg_mqtt_set_error(p, "mqtt: %s", err);
                mvg_log_once_hit(&p->conn_log, MVG_LOG_ERR, err, "%s", p->st.last_error);
                break;
            }
            p->npre = n;
            if (n == 0) {
                drained = 1;
                work += send_lane(p);
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

/* With the window empty: parked entries whose retry time has come, or
 * that an operator asked to resend (all: every one, on a new connection),
 * are unparked and fetched again from the start of the outbox, in id
 * order. Under mu,
 * dropped around the SQLite calls. Returns whether any were. */
static int unpark_due(mvg_mqtt_pub *p, int all)
{
    int64_t now = mvg_clock_mono_ms();
    if (!all && (p->used || p->npend || now - p->unpark_last_ms < UNPARK_EVERY_MS))
        return 0;
    p->unpark_last_ms = now;
    int64_t before = all                      ? INT64_MAX
                     : p->cfg.refused_retry_s ? mvg_clock_real_ms() -
                                                    (int64_t)p->cfg.refused_retry_s * 1000
                                              : INT64_MIN;
    char err[256];
    pthread_mutex_unlock(&p->mu);
    int64_t n = mvg_outbox_unpark(p->ob, before, err, sizeof err);
    pthread_mutex_lock(&p->mu);
    if (n < 0) {
        mvg_mqtt_set_error(p, "mqtt: %s", err);
        mvg_log_once_hit(&p->conn_log, MVG_LOG_ERR, err, "%s", p->st.last_error);
        return 0;
    }
    if (n == 0)
        return 0;
    /* info only: a refusal that persists is logged once (refused_log), not once per retry */
    mvg_log(MVG_LOG_INFO, "mqtt: sending %lld refused entries again", (long long)n);
    mvg_outbox_entries_free(p->pre, p->npre);
    p->npre = p->ipre = 0;
    p->last_fetched = 0;
    return 1;
}

static void *run(void *arg)
{
    mvg_mqtt_pub *p = arg;
    int64_t next_try = 0;
    int backoff = p->cfg.backoff_min_ms;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        int64_t now = mvg_clock_mono_ms(), deadline = now + p->cfg.idle_poll_ms;
        switch (p->state) {
        case ST_DOWN:
            if (now < next_try) {
                deadline = next_try;
                break;
            }
            if (mvg_mqtt_connect_start(p) < 0) {
                /* A client that could not even start counts as a failed attempt. */
                p->st.connect_failures++;
                p->state = ST_FAILED;
            }
            continue;
        case ST_FAILED:
        case ST_LOST:
            if (p->probe_due) {
                mvg_mqtt_explain_tls(p);
                continue; /* a stop may have come meanwhile */
            }
            /* once per change of problem, not once per attempt */
            mvg_log_once_hit(&p->conn_log, MVG_LOG_WARN, p->st.last_error, "%s; retrying in %d ms",
                             p->st.last_error, backoff);
            mvg_mqtt_teardown(p);
            next_try = mvg_clock_mono_ms() + backoff;
            backoff = backoff > p->cfg.backoff_max_ms / 2 ? p->cfg.backoff_max_ms : backoff * 2;
            continue;
        case ST_CONNECTING:
            break;
        case ST_UP:
            if (!p->birth_sent) {
                if (!mvg_log_once_clear(&p->conn_log, MVG_LOG_NOTICE, "mqtt: connected to %s as %s",
                                        p->uri, p->client_id))
                    mvg_log(MVG_LOG_NOTICE, "mqtt: connected to %s as %s", p->uri, p->client_id);
                /* recovered: the status shows no stale problem */
                p->st.last_error[0] = '\0';
                /* A new session may meet a broker whose ACL was fixed: what it
                 * refused goes first, in id order with the rest (the cursor
                 * is at 0 on every new connection). */
                unpark_due(p, 1);
                backoff = p->cfg.backoff_min_ms;
                p->birth_sent = 1;
                if (mvg_mqtt_send_status(p, "online", 0) < 0) {
                    p->state = ST_LOST;
                    mvg_mqtt_set_error(p, "mqtt: cannot publish the birth message on %s", p->status_topic);
                    continue;
                }
            }
            if (pump(p) || unpark_due(p, 0))
                continue;
            if (p->npend > 0 && p->pend_since + ACK_DELAY_MS < deadline)
                deadline = p->pend_since + ACK_DELAY_MS;
            break;
        }
        while (!p->wake && !p->stop && mvg_clock_mono_ms() < deadline)
            mvg_mqtt_wait_until(p, deadline);
        p->wake = 0;
    }
    mvg_mqtt_shutdown(p);
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

mvg_mqtt_pub *mvg_mqtt_pub_start(const mvg_mqtt_cfg *cfg, const char *db_path,
                                 struct mvg_lane *lane, char *err, size_t errlen)
{
    if (!cfg || !db_path) {
        snprintf(err, errlen, "mqtt: configuration and database path are required");
        return NULL;
    }
#if !MVG_MQTT_TLS
    if (mvg_mqtt_uri_is_tls(cfg->uri)) {
        /* the daemon loads mvgate-mqtt-tls.so for these (publishers.h) */
        snprintf(err, errlen, "mqtt: %s needs TLS, and this build of the client has none",
                 cfg->uri);
        return NULL;
    }
#endif
    mvg_mqtt_pub *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "mqtt: out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->lane = lane;
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
        !(p->will_payload = mvg_mqtt_status_json(p, "offline", 0))) {
        snprintf(err, errlen, "mqtt: out of memory");
        goto fail;
    }
    if (cfg->password_file[0] &&
        !(p->password = mvg_secret_read("mqtt: password_file", cfg->password_file, err, errlen)))
        goto fail;
    if (!(p->ob = mvg_outbox_open(db_path, "mqtt", err, errlen)))
        goto fail;
    mvg_outbox_set_fetch_bytes(p->ob, FETCH_BYTES);
    /* every start and reload sends what was refused before once more */
    int64_t unparked = mvg_outbox_unpark(p->ob, INT64_MAX, err, errlen);
    if (unparked < 0)
        goto fail;
    if (unparked > 0)
        mvg_log(MVG_LOG_NOTICE, "mqtt: %lld entries the broker refused before are sent again",
                (long long)unparked);

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
