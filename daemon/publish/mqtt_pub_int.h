/*
 * mqtt_pub_int.h: the inside of the MQTT publisher (mqtt_pub.h), shared by
 * its two halves: the broker session (mqtt_session.c: the paho client with
 * its connect, TLS and will options, the connection callbacks, the control
 * messages and the end of a session) and the drain (mqtt_pub.c: the window
 * of outbox entries in flight, their acknowledgements, the thread and its
 * start and stop). Not for use outside daemon/publish.
 *
 * Each connection attempt gets a new MQTTAsync client and a new generation
 * number. After a loss the client is destroyed and the generation bumped, so
 * a late callback of the old client (paho calls callbacks without its own
 * lock held, so one may still be running during destroy) is recognised and
 * ignored; the window is then refilled from the outbox from scratch.
 */
#ifndef MVG_MQTT_PUB_INT_H
#define MVG_MQTT_PUB_INT_H

#include <MQTTAsync.h>
#include <pthread.h>
#include <stdint.h>

#include "log.h"
#include "mqtt_pub.h"
#include "outbox.h"
#include "telemetry_lane.h"

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
    int64_t id;                 /* the outbox entry's, 0 for one of the lane */
    mvg_lane_entry *lane;       /* the lane's entry (owned until acknowledged), or NULL */
    int state;
    int reason;                 /* SLOT_REJECTED: the broker's reason code; 0: not sendable */
} slot;

struct mvg_mqtt_pub {
    mvg_mqtt_cfg cfg;           /* as started; the strings the thread uses are copied below */
    char *uri, *client_id, *prefix, *gateway, *username, *password, *ca, *cert, *key;
    char *status_topic;
    char *will_payload;
    int tls;
    mvg_outbox *ob;
    /* Telemetry by memory while the outbox has nothing more to send
     * (telemetry_lane.h); NULL when none. Opened by the thread, closed
     * at every teardown with the lane's entries still in flight. */
    mvg_lane *lane;

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
    /* A TLS connect failed on our side (paho's code < 0): the thread asks
     * tls_probe.h why, and until then the error callback's text waits here. */
    int probe_due;
    char probe_fallback[160];
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
    int64_t unpark_last_ms;     /* monotonic time of the last look for parked entries due */
    /* The thread's logging of repeating problems: connecting, refusals. */
    mvg_log_once conn_log, refused_log;
    mvg_mqtt_stats st;
};

/* ---- the session (mqtt_session.c) ---- */

/* Sets p->st.last_error. Under mu. */
void mvg_mqtt_set_error(mvg_mqtt_pub *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits on the condition variable until deadline_ms (mvg_clock_mono_ms()). Under mu. */
void mvg_mqtt_wait_until(mvg_mqtt_pub *p, int64_t deadline_ms);
/* For paho's callbacks: locks mu and tells whether c is the current
 * connection; done wakes the thread and unlocks. */
int mvg_mqtt_current(mqtt_conn *c);
void mvg_mqtt_done(mvg_mqtt_pub *p);
/* The status document of the gateway's connection ("online", "offline"). */
char *mvg_mqtt_status_json(const mvg_mqtt_pub *p, const char *state, int with_ts);
/* A retained control message on the status topic; with wait, its
 * completion sets ctl_done. Under mu. 0 or -1. */
int mvg_mqtt_send_status(mvg_mqtt_pub *p, const char *state, int wait);
/* Starts a connection attempt on a new client (state CONNECTING). Under mu. */
int mvg_mqtt_connect_start(mvg_mqtt_pub *p);
/* Ends the current connection (what was acknowledged is written first;
 * the lane closes with what of it was not). Under mu. */
void mvg_mqtt_teardown(mvg_mqtt_pub *p);
/* Clean stop: "offline" replaces the birth, DISCONNECT, teardown. Under mu. */
void mvg_mqtt_shutdown(mvg_mqtt_pub *p);
/* After a TLS connect failure (probe_due): one handshake of our own
 * (tls_probe.h) names the reason in last_error, then the failure is
 * counted (connect_failures). Under mu, dropped around
 * the probe, which blocks up to the connect timeout. */
void mvg_mqtt_explain_tls(mvg_mqtt_pub *p);

/* ---- the drain (mqtt_pub.c) ---- */

/* Writes what the broker acknowledged or refused to the outbox. Under mu. */
void mvg_mqtt_flush_acks(mvg_mqtt_pub *p);
/* Closes the lane, handing back to it the lane's entries in the window
 * (none of them acknowledged: call after mvg_mqtt_flush_acks). Under mu. */
void mvg_mqtt_close_lane(mvg_mqtt_pub *p);

#endif
