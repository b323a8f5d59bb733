/*
 * tr_recv.h: receiving one reply frame on a descriptor against the
 * request's deadline, for every transport that reads its replies itself:
 * the TCP socket of Modbus TCP and RTU over TCP (tr_socket.c) and the
 * serial port that libmodbus opened for RTU (tr_modbus.c). Owns the one
 * rule of a reply's deadline: it is read with poll() against one monotonic
 * deadline set once per request, however its bytes trickle in (a per-byte
 * timeout, as libmodbus has, lets a peer that sends one byte just inside
 * it hold the caller without bound). The framing decides the length
 * (frame_len: rtu_frame.h, mbap_frame.h); this module only reads.
 */
#ifndef MVG_TR_RECV_H
#define MVG_TR_RECV_H

#include <stddef.h>
#include <stdint.h>

/* How long the frame in buf[0..len) is: a lower bound while too few bytes
 * have arrived to tell, then the exact length; -1 with err filled when the
 * bytes cannot start the frame. ctx is the framing's (the request). */
typedef long (*mvg_tr_frame_len_fn)(const uint8_t *buf, size_t len, const void *ctx, char *err,
                                    size_t errlen);

enum {
    MVG_TR_RECV_OK = 0,
    MVG_TR_RECV_FAILED = -1, /* timeout or a frame rejected: the link may be fine */
    MVG_TR_RECV_GONE = -2    /* end of file or a failed read: the link is gone */
};

/* The monotonic time in ms at which a request goes out now, rounded up,
 * for its deadline (it + timeout_ms): never less than timeout_ms away, so
 * that a timeout is never reported short of the budget (the trace measures
 * it from the request in tenths of a millisecond). */
int64_t mvg_tr_recv_sent_ms(void);

/*
 * Receives one frame from fd (non-blocking: a socket, or a serial port
 * opened with O_NONBLOCK) into buf (cap bytes) before deadline. frame_len
 * is asked after every read how long the frame is. Returns MVG_TR_RECV_OK
 * with *len the frame's length (bytes read past it are dropped: one request
 * is outstanding at a time, so they answer none); MVG_TR_RECV_FAILED on a
 * rejected frame or when the deadline passes ("timeout after 300 ms (3 of
 * 21 bytes received)", timeout_ms being the budget the deadline was set
 * from); MVG_TR_RECV_GONE with err when the descriptor reads end of file
 * (eof names it: "connection closed by peer") or fails. *len is what had
 * arrived in every case.
 */
int mvg_tr_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, int64_t deadline,
                      int timeout_ms, mvg_tr_frame_len_fn frame_len, const void *ctx,
                      const char *eof, char *err, size_t errlen);

/* What a read() that returned n < 1 means: 0 when nothing is there yet (or
 * a signal came), 1 with err filled (eof for n == 0) when the descriptor
 * is gone. */
int mvg_tr_recv_gone(long n, const char *eof, char *err, size_t errlen);

#endif
