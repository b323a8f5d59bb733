/*
 * mqtt_harness.h: test and benchmark helpers for the MQTT publisher: a real
 * mosquitto started on 127.0.0.1 (free port, own config and directory,
 * stopped by pid) and a paho MQTT 5 subscriber that records every message
 * with its retain flag as published (retainAsPublished) and its arrival
 * time (tu_now_us, testutil.h); and the certificates of the TLS tests.
 */
#ifndef MVG_MQTT_HARNESS_H
#define MVG_MQTT_HARNESS_H

#include <MQTTAsync.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;
    char dir[160];
} mh_broker;

/* Writes <dir>/mosquitto.conf (a listener on port, anonymous, plus extra
 * config lines) and starts mosquitto on it, logging to <dir>/mosquitto.log.
 * Waits until wait_port (0: port) accepts connections. 0 or -1. */
int mh_broker_start(mh_broker *b, const char *dir, int port, int wait_port, const char *extra);
void mh_broker_stop(mh_broker *b);

/* Certificates for the TLS tests, made with the openssl command in dir
 * (output in <dir>/openssl.log), all with 2048-bit RSA keys:
 *   ca.crt ca.key        the test CA
 *   other.crt other.key  an unrelated CA
 *   server.crt server.key  the broker, for localhost and 127.0.0.1, by ca
 *   expired.crt          the same key and names, no longer valid
 *   wronghost.crt        the same key, for elsewhere.example only, by ca
 *   selfsigned.crt       the same key and names, signed by itself
 *   client.crt client.key  the gateway (CN gw1), by ca
 *   stranger.crt         client.key's certificate by the other CA
 * 0 or -1. */
int mh_certs_make(const char *dir);

typedef struct {
    char *topic;
    char *payload;
    int retained;
    int64_t t_us;               /* arrival, tu_now_us() */
} mh_msg;

typedef struct {
    MQTTAsync cli;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mh_msg *m;
    size_t n, cap;
    int subscribed;             /* subscriptions acknowledged (one per (re)connect) */
    char filter[128];
} mh_sub;

/* A subscriber to filter on 127.0.0.1:port. persistent: the broker keeps
 * its session (and queues for it) for an hour while it is away. Returns
 * once subscribed, or NULL. */
mh_sub *mh_sub_start_auth(int port, const char *client_id, const char *filter, int persistent,
                          const char *user, const char *pass);
mh_sub *mh_sub_start(int port, const char *client_id, const char *filter, int persistent);

size_t mh_sub_count(mh_sub *s);

/* Waits until at least n messages arrived; returns the count. */
size_t mh_sub_wait(mh_sub *s, size_t n, int timeout_ms);

/* Message i (valid until mh_sub_stop; the array may move: copy what you keep). */
mh_msg mh_sub_get(mh_sub *s, size_t i);

void mh_sub_stop(mh_sub *s);

#endif
