/*
 * tls_probe.h: why a TLS connection to the MQTT broker fails, in OpenSSL's
 * words. paho.mqtt.c reports most TLS failures only as "TCP/TLS connect
 * failure": its error callback is not called for a failed read (a broker
 * refusing our client certificate under TLS 1.3 says so after the
 * handshake), its host name check leaves no error at all, and the reason of
 * a failed certificate verification (expired, self-signed, unknown issuer)
 * is in the verify result, not in the error queue. So after such a failure
 * the publisher makes one handshake of its own with the same files and
 * checks, and reports what that one met. Blocking, bounded by a deadline;
 * no state kept.
 */
#ifndef MVG_TLS_PROBE_H
#define MVG_TLS_PROBE_H

#include <stddef.h>

typedef struct {
    const char *uri;            /* ssl://, mqtts:// or wss:// host[:port][/path] */
    const char *ca_file;        /* NULL: the system's trust store */
    const char *cert_file, *key_file; /* NULL: no client certificate */
    int verify_hostname;
    int timeout_ms;             /* the whole probe: connect, handshake, waiting for an alert */
} mvg_tls_probe_cfg;

/*
 * Connects and shakes hands as the publisher does, then waits briefly for
 * the broker's alert (a refused client certificate). Returns 1 with why
 * ("certificate verify failed: certificate has expired", "wrong version
 * number", "tlsv13 alert certificate required", "connect: Connection
 * refused"), or 0 when the handshake succeeded and the broker said nothing
 * against it (why is then "").
 */
int mvg_tls_probe(const mvg_tls_probe_cfg *c, char *why, size_t whylen);

#endif
