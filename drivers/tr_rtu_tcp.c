/*
 * tr_rtu_tcp.c: RTU framing over a TCP socket, as transparent serial device
 * servers (Moxa, USR, ...) carry it; libmodbus 3.1.6 has no such backend.
 * Owns the socket and the line state.
 *
 * Behind the socket sits a serial line, so there is no transaction id: a
 * reply is matched to its request only by order. To keep a late reply to a
 * timed-out request from ever passing for the answer to the next one, the
 * next request (1) waits, reading and discarding, until twice the timeout
 * has passed since the failed request went out, and (2) always discards
 * whatever is buffered just before sending. A timeout or a bad frame keeps
 * the connection (a silent unit on the line says nothing about the link);
 * a socket error or EOF closes it, and the next read reconnects. The socket
 * and its deadlines are tr_socket.c's, shared with the Modbus TCP backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "rtu_frame.h"
#include "tr_socket.h"
#include "transport_backend.h"

typedef struct {
    mvg_tr_sock sock;
    int64_t quiet_at_ms; /* a late reply may arrive until then (0: none pending) */
} tr_rtt;

void *mvg_tr_rtu_tcp_new(const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    return mvg_tr_sock_alloc(sizeof(tr_rtt), bus, err, errlen); /* sock first */
}

static void tr_close(void *impl)
{
    tr_rtt *r = impl;
    mvg_tr_sock_close(&r->sock);
    r->quiet_at_ms = 0;
}

/* The line ready for a request: a connection that went quiet or was hung
 * up while idle is closed (so that a restarted server costs no failed
 * request), then one is opened within the timeout. 0, or -1 with err. */
static int ready(tr_rtt *r, int unit_id, mvg_tr_trace *trace, char *err, size_t errlen)
{
    char why[160];
    if (r->sock.fd >= 0) {
        if ((r->quiet_at_ms &&
             mvg_tr_sock_discard(&r->sock, r->quiet_at_ms, why, sizeof why) != 0) ||
            mvg_tr_sock_discard(&r->sock, 0, why, sizeof why) != 0)
            tr_close(r);
        r->quiet_at_ms = 0;
    }
    if (r->sock.fd < 0 &&
        mvg_tr_sock_connect(&r->sock, mvg_clock_mono_ms() + r->sock.timeout_ms, err, errlen) != 0) {
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 0, err, NULL, 0);
        return -1;
    }
    return 0;
}

static int tr_read(void *impl, int unit_id, mvg_area area, unsigned start, unsigned count,
                   uint16_t *regs, uint8_t *bits, uint8_t *exception_code, mvg_tr_trace *trace,
                   char *err, size_t errlen)
{
    tr_rtt *r = impl;
    int timeout = r->sock.timeout_ms;
    if (ready(r, unit_id, trace, err, errlen) != 0)
        return MVG_TR_COMM;

    uint8_t req[MVG_RTU_READ_REQUEST_LEN];
    uint8_t fc = mvg_pdu_read_function(area);
    mvg_rtu_build_read((uint8_t)unit_id, area, start, count, req);
    if (trace)
        mvg_tr_trace_tx(trace, unit_id, req, sizeof req);
    int64_t sent = mvg_tr_recv_sent_ms(); /* after the trace: the logging is not the peer's time */
    int64_t deadline = sent + timeout;
    if (mvg_tr_sock_send(&r->sock, req, sizeof req, deadline, err, errlen) != MVG_TR_SOCK_OK) {
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 1, err, NULL, 0);
        tr_close(r);
        return MVG_TR_COMM;
    }

    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    int got = mvg_tr_sock_recv_frame(&r->sock, buf, sizeof buf, &len, deadline,
                                     mvg_rtu_read_frame_len, &fc, err, errlen);
    if (got != MVG_TR_SOCK_OK && trace)
        mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
    if (got == MVG_TR_SOCK_GONE) {
        tr_close(r);
        return MVG_TR_COMM;
    }
    int rc = got == MVG_TR_SOCK_OK ? mvg_rtu_parse_reply(buf, len, (uint8_t)unit_id, area, count,
                                                         regs, bits, exception_code, err, errlen)
                                   : MVG_TR_COMM;
    if (got == MVG_TR_SOCK_OK && trace)
        mvg_tr_trace_rx(trace, unit_id, buf, len, rc == MVG_TR_OK ? NULL : err);
    if (rc == MVG_TR_COMM)
        r->quiet_at_ms = sent + 2 * (int64_t)timeout;
    return rc;
}

/* A request of any function, on the same line rules as a read. */
static int tr_request(void *impl, int unit_id, const uint8_t *pdu, size_t pdu_len,
                      mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, mvg_tr_trace *trace,
                      char *err, size_t errlen)
{
    tr_rtt *r = impl;
    int timeout = r->sock.timeout_ms;
    if (ready(r, unit_id, trace, err, errlen) != 0)
        return MVG_TR_COMM;
    uint8_t req[MVG_RTU_MAX_REPLY];
    size_t n = mvg_rtu_build_pdu((uint8_t)unit_id, pdu, pdu_len, req);
    if (trace)
        mvg_tr_trace_tx(trace, unit_id, req, n);
    int64_t sent = mvg_tr_recv_sent_ms();
    int64_t deadline = sent + timeout;
    if (mvg_tr_sock_send(&r->sock, req, n, deadline, err, errlen) != MVG_TR_SOCK_OK) {
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 1, err, NULL, 0);
        tr_close(r);
        return MVG_TR_COMM;
    }
    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    int rc = mvg_tr_sock_recv_frame(&r->sock, buf, sizeof buf, &len, deadline,
                                    mvg_rtu_pdu_frame_len, &reply_len, err, errlen);
    if (rc != MVG_TR_SOCK_OK && trace)
        mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
    if (rc == MVG_TR_SOCK_GONE) {
        tr_close(r);
        return MVG_TR_COMM;
    }
    const uint8_t *inner = NULL;
    size_t inner_len = 0;
    if (rc == MVG_TR_SOCK_OK) {
        int bad =
            mvg_rtu_pdu_reply_check(buf, len, (uint8_t)unit_id, &inner, &inner_len, err, errlen);
        if (trace)
            mvg_tr_trace_rx(trace, unit_id, buf, len, bad ? err : NULL);
        if (!bad) {
            memcpy(reply, inner, inner_len);
            *got = inner_len;
            return MVG_TR_OK;
        }
    }
    r->quiet_at_ms = sent + 2 * (int64_t)timeout;
    return MVG_TR_COMM;
}

const mvg_tr_backend mvg_tr_rtu_tcp_backend = {tr_read, tr_request, tr_close, mvg_tr_sock_free};
