/*
 * tr_mbap.c: our Modbus TCP client (MBAP framing, mbap_frame.h) on the
 * shared deadline socket (tr_socket.h). Owns the connection and the
 * transaction id counter.
 *
 * Not libmodbus, for two things it cannot do (docs/dependencies.md): its
 * response timeout bounds only the first byte of a reply and its byte
 * timeout each later byte, so a device that trickles one byte just inside
 * the timeout holds the bus without bound; and it accepts a TCP reply with
 * another unit id. Here one deadline of timeout_ms covers the whole
 * request, connecting included, and every reply is checked against its
 * request (mbap_frame.c).
 *
 * Any communication failure closes the connection, so that a late or
 * surplus reply can only ever reach the dead socket; before each request
 * the connection is also drained of whatever arrived unasked (and a peer
 * that hung up while we were idle is noticed then, costing no request).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbap_frame.h"
#include "tr_socket.h"
#include "transport_backend.h"

typedef struct {
    mvg_tr_sock sock;
    uint16_t tid; /* of the last request sent */
} tr_mbap;

void *mvg_tr_mbap_new(const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    return mvg_tr_sock_alloc(sizeof(tr_mbap), bus, err, errlen); /* sock first */
}

static void tr_close(void *impl)
{
    tr_mbap *m = impl;
    mvg_tr_sock_close(&m->sock);
}

static long frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err, size_t errlen)
{
    return mvg_mbap_reply_length(buf, len, ctx, err, errlen);
}

/* The connection ready for a request: one the peer hung up while we were
 * idle is closed, then one is opened by the request's deadline. 0, or -1
 * with err. */
static int ready(tr_mbap *m, int unit_id, int64_t deadline, mvg_tr_trace *trace, char *err,
                 size_t errlen)
{
    char why[160];
    if (m->sock.fd >= 0 && mvg_tr_sock_discard(&m->sock, 0, why, sizeof why) != 0)
        tr_close(m);
    if (m->sock.fd < 0 && mvg_tr_sock_connect(&m->sock, deadline, err, errlen) != 0) {
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
    tr_mbap *m = impl;
    int64_t deadline = mvg_tr_recv_sent_ms() + m->sock.timeout_ms;
    if (ready(m, unit_id, deadline, trace, err, errlen) != 0)
        return MVG_TR_COMM;

    mvg_mbap_req req = {++m->tid, (uint8_t)unit_id, area, count};
    uint8_t out[MVG_MBAP_READ_REQUEST_LEN];
    mvg_mbap_build_read(&req, start, out);
    uint8_t buf[MVG_MBAP_MAX_REPLY];
    size_t len = 0;
    int rc = MVG_TR_COMM;
    if (trace)
        mvg_tr_trace_tx(trace, unit_id, out, sizeof out);
    if (mvg_tr_sock_send(&m->sock, out, sizeof out, deadline, err, errlen) == MVG_TR_SOCK_OK &&
        mvg_tr_sock_recv_frame(&m->sock, buf, sizeof buf, &len, deadline, frame_len, &req, err,
                               errlen) == MVG_TR_SOCK_OK) {
        rc = mvg_mbap_parse_reply(buf, len, &req, regs, bits, exception_code, err, errlen);
        if (trace)
            mvg_tr_trace_rx(trace, unit_id, buf, len, rc == MVG_TR_OK ? NULL : err);
    } else if (trace) {
        mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
    }
    /* An exception is an answer on a sound stream: keep it. */
    if (rc == MVG_TR_COMM)
        tr_close(m);
    return rc;
}

static long pdu_frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err,
                          size_t errlen)
{
    return mvg_mbap_pdu_reply_length(buf, len, ctx, err, errlen);
}

/* A request of any function, on the same rules as a read: one deadline,
 * every header field checked, any failure closes the connection. */
static int tr_request(void *impl, int unit_id, const uint8_t *pdu, size_t pdu_len,
                      mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, mvg_tr_trace *trace,
                      char *err, size_t errlen)
{
    tr_mbap *m = impl;
    int64_t deadline = mvg_tr_recv_sent_ms() + m->sock.timeout_ms;
    if (ready(m, unit_id, deadline, trace, err, errlen) != 0)
        return MVG_TR_COMM;
    mvg_mbap_pdu_req req = {++m->tid, (uint8_t)unit_id, reply_len};
    uint8_t out[MVG_MBAP_MAX_REPLY];
    size_t n = mvg_mbap_build_pdu(&req, pdu, pdu_len, out);
    uint8_t buf[MVG_MBAP_MAX_REPLY];
    size_t len = 0;
    const uint8_t *inner = NULL;
    size_t inner_len = 0;
    if (trace)
        mvg_tr_trace_tx(trace, unit_id, out, n);
    if (mvg_tr_sock_send(&m->sock, out, n, deadline, err, errlen) == MVG_TR_SOCK_OK &&
        mvg_tr_sock_recv_frame(&m->sock, buf, sizeof buf, &len, deadline, pdu_frame_len, &req,
                               err, errlen) == MVG_TR_SOCK_OK) {
        int bad = mvg_mbap_pdu_reply_check(buf, len, &req, &inner, &inner_len, err, errlen);
        if (trace)
            mvg_tr_trace_rx(trace, unit_id, buf, len, bad ? err : NULL);
        if (!bad) {
            memcpy(reply, inner, inner_len);
            *got = inner_len;
            return MVG_TR_OK;
        }
    } else if (trace) {
        mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
    }
    tr_close(m);
    return MVG_TR_COMM;
}

const mvg_tr_backend mvg_tr_mbap_backend = {tr_read, tr_request, tr_close, mvg_tr_sock_free};
