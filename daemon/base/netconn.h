/*
 * netconn.h: the one TCP connect against a deadline, for every client that
 * must never wait on the kernel's own connect timeout (minutes): the Modbus
 * TCP transports (drivers/tr_socket.h) and the publisher's TLS probe
 * (daemon/publish/tls_probe.h). Each resolved address is tried in turn on
 * a non-blocking socket; the caller's deadline bounds all of them.
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

#endif
