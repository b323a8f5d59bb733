/*
 * tr_socket.h: the TCP client socket that the Modbus TCP backend
 * (tr_mbap.c) and the RTU-over-TCP backend (tr_rtu_tcp.c) share. Owns the
 * one rule of a request's deadline: connecting, sending and receiving are
 * each bounded by a monotonic deadline the caller sets once per request;
 * the reply is read by tr_recv.c's loop against that deadline, as on a
 * serial port. Bytes that come past the frame answer no request (one is
 * outstanding at a time) and are dropped, as the next request's discard
 * drops what arrives later.
 */
#ifndef MVG_TR_SOCKET_H
#define MVG_TR_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "tr_recv.h"

typedef struct {
    int fd; /* -1 while closed */
    char host[256];
    char port[16];
    int timeout_ms; /* the bus's, for messages and the default deadline */
} mvg_tr_sock;

enum {
    MVG_TR_SOCK_OK = MVG_TR_RECV_OK,
    MVG_TR_SOCK_FAILED = MVG_TR_RECV_FAILED, /* timeout or a frame rejected: the link may be fine */
    MVG_TR_SOCK_GONE = MVG_TR_RECV_GONE      /* the peer closed or the socket failed */
};

/* A closed socket for bus's host and port (default 502). */
void mvg_tr_sock_init(mvg_tr_sock *s, const mvg_bus_cfg *bus);
/* A zeroed backend state of size bytes whose first member is an
 * mvg_tr_sock, initialised for bus; NULL with err when out of memory. */
void *mvg_tr_sock_alloc(size_t size, const mvg_bus_cfg *bus, char *err, size_t errlen);
void mvg_tr_sock_close(mvg_tr_sock *s);
/* Closes and frees a state from mvg_tr_sock_alloc (the backends' free);
 * NULL is a no-op. */
void mvg_tr_sock_free(void *state);

/* Milliseconds until deadline (monotonic), 0 once it has passed. */
int mvg_tr_sock_remaining(int64_t deadline);

/* Connects (non-blocking, each address in turn) before deadline, with
 * TCP_NODELAY. Returns 0, or -1 with err ("connect timeout after 300 ms",
 * "connection refused"). */
int mvg_tr_sock_connect(mvg_tr_sock *s, int64_t deadline, char *err, size_t errlen);

/* Reads and discards until deadline (or, with deadline 0, until nothing is
 * buffered). Returns 0, or -1 with err when the peer closed or the socket
 * failed: so it also notices a peer that hung up while we were idle. */
int mvg_tr_sock_discard(mvg_tr_sock *s, int64_t deadline, char *err, size_t errlen);

/* Sends all of buf before deadline: MVG_TR_SOCK_OK or another code with err. */
int mvg_tr_sock_send(mvg_tr_sock *s, const uint8_t *buf, size_t len, int64_t deadline, char *err,
                     size_t errlen);

/* mvg_tr_recv_frame on the socket: MVG_TR_SOCK_OK with *len the frame's
 * length; MVG_TR_SOCK_FAILED on a rejected frame or when the deadline
 * passes ("timeout after 300 ms (3 of 21 bytes received)");
 * MVG_TR_SOCK_GONE when the connection is gone. */
int mvg_tr_sock_recv_frame(mvg_tr_sock *s, uint8_t *buf, size_t cap, size_t *len,
                           int64_t deadline, mvg_tr_frame_len_fn frame_len, const void *ctx,
                           char *err, size_t errlen);

#endif
