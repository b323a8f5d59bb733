/*
 * test_mqtt_tls.c: every TLS failure between the MQTT publisher and a real
 * mosquitto on 127.0.0.1 names its reason in the publisher's last_error
 * (which the log and `mvgate status` show): an unknown CA, an expired
 * broker certificate, a certificate for another host, a self-signed one,
 * our client certificate missing or refused, TLS spoken to a plain
 * listener (mosquitto resets it: "wrong version number" is what a peer
 * answering in plain text gets), and a key that is not the certificate's. paho.mqtt.c alone says
 * "TCP/TLS connect failure" to most of them (daemon/publish/tls_probe.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "mqtt_harness.h"
#include "mqtt_pub.h"

/* paho's own leaks are suppressed by mqtt_harness.c. */

static char dir[64], db[128], err[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make_db(dir, sizeof dir, db, sizeof db, "mqtt-tls");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

typedef struct {
    const char *what;
    const char *host;           /* of the uri */
    int listener;               /* index into the broker's TLS ports; -1: the plain one */
    const char *ca, *cert, *key; /* file names in dir, NULL: none */
    const char *reason;         /* how last_error must end */
} tls_case;

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), k = strlen(end);
    return n >= k && strcmp(s + n - k, end) == 0;
}

/* The publisher's section for tc: its uri and files. */
static mvg_mqtt_cfg cfg_for(const tls_case *tc, const int *tports, int port)
{
    mvg_mqtt_cfg c;
    mvg_config_mqtt_defaults(&c, "gw1");
    c.enabled = 1;
    c.version = 3;
    c.backoff_min_ms = 100;
    c.backoff_max_ms = 400;
    c.connect_timeout_s = 3;
    snprintf(c.uri, sizeof c.uri, "mqtts://%s:%d", tc->host,
             tc->listener < 0 ? port : tports[tc->listener]);
    if (tc->ca)
        snprintf(c.ca_file, sizeof c.ca_file, "%s/%s", dir, tc->ca);
    if (tc->cert)
        snprintf(c.cert_file, sizeof c.cert_file, "%s/%s", dir, tc->cert);
    if (tc->key)
        snprintf(c.key_file, sizeof c.key_file, "%s/%s", dir, tc->key);
    return c;
}

/* Runs a publisher on tc until it connected or its last_error ends in
 * tc->reason (or 5 s passed); returns the last stats. */
static mvg_mqtt_stats run_case(const tls_case *tc, const int *tports, int port)
{
    mvg_mqtt_cfg c = cfg_for(tc, tports, port);
    mvg_mqtt_pub *p = mvg_mqtt_pub_start(&c, db, NULL, err, sizeof err);
    assert_non_null(p);
    mvg_mqtt_stats s;
    int64_t until = tu_now_ms() + 5000;
    do {
        mvg_mqtt_pub_get_stats(p, &s);
        if (s.connected || (s.connect_failures >= 1 && ends_with(s.last_error, tc->reason)))
            break;
        tu_sleep_ms(10);
    } while (tu_now_ms() < until);
    mvg_mqtt_pub_stop(p);
    printf("  %s: %s\n", tc->what, s.connected ? "connected" : s.last_error);
    return s;
}

static void test_tls_failures_name_their_reason(void **state)
{
    (void)state;
    assert_int_equal(mh_certs_make(dir), 0);
    static const char *const server_cert[] = {"server.crt", "expired.crt", "wronghost.crt",
                                              "selfsigned.crt"};
    int port = 0, tports[4];
    mh_broker b;
    /* Five free ports asked for one after the other: under a parallel test
     * run another process may take one before mosquitto binds it, and the
     * broker exits. Then new ports, at most three times. */
    int started = -1;
    for (int attempt = 0; attempt < 3 && started != 0; attempt++) {
        port = tu_free_port();
        for (int i = 0; i < 4; i++)
            tports[i] = tu_free_port();
        char extra[2048];
        size_t n = (size_t)snprintf(extra, sizeof extra, "persistence false\n");
        for (int i = 0; i < 4; i++)
            n += (size_t)snprintf(extra + n, sizeof extra - n,
                                  "listener %d 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/%s\n"
                                  "keyfile %s/server.key\nrequire_certificate true\n",
                                  tports[i], dir, dir, server_cert[i], dir);
        assert_true(n < sizeof extra);
        started = mh_broker_start(&b, dir, port, tports[3], extra);
        if (started != 0) {
            char log[128], line[512];
            snprintf(log, sizeof log, "%s/mosquitto.log", dir);
            fprintf(stderr, "mosquitto did not start (attempt %d), its log:\n", attempt + 1);
            FILE *f = fopen(log, "r");
            while (f && fgets(line, sizeof line, f))
                fputs(line, stderr);
            if (f)
                fclose(f);
            mh_broker_stop(&b); /* one still starting after 5 s */
        }
    }
    assert_int_equal(started, 0);
    for (int i = 0; i < 3; i++)
        assert_true(tu_port_open(tports[i]));

    static const tls_case cases[] = {
        {"unknown CA", "127.0.0.1", 0, "other.crt", "client.crt", "client.key",
         "certificate verify failed: self-signed certificate in certificate chain"},
        {"expired", "127.0.0.1", 1, "ca.crt", "client.crt", "client.key",
         "certificate verify failed: certificate has expired"},
        {"another host", "localhost", 2, "ca.crt", "client.crt", "client.key",
         "certificate verify failed: hostname mismatch"},
        {"another address", "127.0.0.1", 2, "ca.crt", "client.crt", "client.key",
         "certificate verify failed: IP address mismatch"},
        {"self-signed", "127.0.0.1", 3, "ca.crt", "client.crt", "client.key",
         "certificate verify failed: self-signed certificate"},
        {"no client certificate", "127.0.0.1", 0, "ca.crt", NULL, NULL,
         "alert certificate required"},
        {"client certificate refused", "127.0.0.1", 0, "ca.crt", "stranger.crt", "client.key",
         "alert unknown ca"},
        {"plain listener", "127.0.0.1", -1, "ca.crt", NULL, NULL,
         "TLS handshake: Connection reset by peer (is the port a TLS listener?)"},
        {"key of another certificate", "127.0.0.1", 0, "ca.crt", "client.crt", "server.key",
         "(key values mismatch)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mvg_mqtt_stats s = run_case(&cases[i], tports, port);
        assert_true(s.connect_failures >= 1);
        assert_int_equal(s.connected, 0);
        if (!ends_with(s.last_error, cases[i].reason))
            fail_msg("%s: \"%s\" does not end in \"%s\"", cases[i].what, s.last_error,
                     cases[i].reason);
    }

    /* The same files that pass: connected, and no reason is made up. */
    static const tls_case good = {"good", "127.0.0.1", 0, "ca.crt", "client.crt", "client.key",
                                  "-"};
    mvg_mqtt_stats s = run_case(&good, tports, port);
    assert_int_equal(s.connected, 1);
    assert_int_equal(s.connect_failures, 0);
    mh_broker_stop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tls_failures_name_their_reason, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
