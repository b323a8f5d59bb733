/*
 * netconn.h: the one TCP connect against a deadline, for every client that
 * must never wait on the kernel's own connect timeout (minutes): the Modbus
 * TCP transports (drivers/tr_socket.h), the publisher's TLS probe
 * (daemon/publish/tls_probe.h) and the hub's subscriber
 * (tools/hub/hub_mqtt.h). Each resolved address is tried in turn on a
 * non-blocking socket; the caller's deadline bounds all of them. Also the
 * one reading of a broker uri's host and port.
 */
#ifndef MVG_NETCONN_H
#define MVG_NETCONN_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds until deadline (mvg_clock_mono_ms), 0 once it has passed. */
int mvg_netconn_remaining(int64_t deadline);

/*
 * Connects to host:port before deadline. Returns the connected socket
 * (non-blocking, close-on-exec, TCP_NODELAY), or -1 with *why: ETIMEDOUT
 * when the deadline passed, the last connect's errno otherwise, and 0 when
 * host does not resolve (err then says so: "cannot resolve host H: ...").
 */
int mvg_netconn_connect(const char *host, const char *port, int64_t deadline, int *why, char *err,
                        size_t errlen);

/* Whether host:port resolves: 0, or -1 with err "cannot resolve host H: ...",
 * the text mvg_netconn_connect gives (for `mvgate check`). */
int mvg_netconn_resolve(const char *host, const char *port, char *err, size_t errlen);

/*
 * Host and port of a broker uri (scheme://host[:port][/path], [v6] in
 * brackets): the MQTT clients' one reading of it. Without a port, the
 * scheme's: 1883 (tcp://, mqtt://), 8883 (ssl://, mqtts://), 80 (ws://),
 * 443 (wss://). 0, or -1 when there is no host or it does not fit.
 */
int mvg_netconn_split_uri(const char *uri, char *host, size_t hostlen, char *port, size_t portlen);

#endif
