/*
 * tr_modbus.c: the backend of RTU on a local serial port. Owns one
 * modbus_t (libmodbus contexts are not thread-safe: one per bus thread, see
 * LIBRARY-NOTES). libmodbus opens and sets up the port, drives RS-485 and
 * RTS and sends each request (its framing and CRC); the reply is read here,
 * from the port's descriptor (libmodbus opens it non-blocking, with VMIN
 * and VTIME 0), against one deadline of timeout_ms per request
 * (tr_recv.c), delimited and checked by rtu_frame.c as on RTU over TCP.
 * libmodbus's own receive bounds a reply only byte by byte (its response
 * timeout the first byte, its byte timeout each later one), so a meter
 * that trickles one byte just inside the timeout would hold the bus
 * without bound; and 3.1.6 delimits a reply only for the functions it
 * knows. (Modbus TCP is tr_mbap.c's, for the same reason and because
 * libmodbus does not check a TCP reply's unit id.)
 *
 * Error recovery stays at libmodbus's default (none): with LINK recovery a
 * dead meter would block the poller forever; we reopen ourselves. A serial
 * line stays open through a timeout (a missing unit on a shared line says
 * nothing about the line), but the next request first waits out the window
 * in which the late reply could still come, then discards whatever arrived.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus.h>

#include "clock.h"
#include "pdu.h"
#include "rtu_frame.h"
#include "tr_recv.h"
#include "transport_backend.h"

typedef struct {
    modbus_t *ctx;
    int connected;
    int timeout_ms;
    int rs485, rts, rts_delay_us, has_rts_delay; /* the bus's line control */
    int64_t quiet_at_ms; /* no late reply expected after this (0: none pending) */
} tr_modbus;

#define PORT_EOF "end of file on the port"

void *mvg_tr_modbus_new(const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    tr_modbus *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "bus %s: out of memory", bus->name);
        return NULL;
    }
    m->timeout_ms = mvg_tr_timeout_ms(bus);
    int baud = bus->baud > 0 ? bus->baud : 9600;
    char parity = bus->parity ? bus->parity : 'N';
    int data_bits = bus->data_bits > 0 ? bus->data_bits : 8;
    int stop_bits = bus->stop_bits > 0 ? bus->stop_bits : 1;
    m->ctx = modbus_new_rtu(bus->device, baud, parity, data_bits, stop_bits);
    if (!m->ctx)
        snprintf(err, errlen, "bus %s: %s: %s", bus->name, bus->device, modbus_strerror(errno));
    if (!m->ctx) {
        free(m);
        return NULL;
    }
    m->rs485 = bus->rs485;
    m->rts = bus->rts;
    m->rts_delay_us = bus->rts_delay_us;
    m->has_rts_delay = bus->has_rts_delay;
    return m;
}

static void tr_close(void *impl)
{
    tr_modbus *m = impl;
    if (m->connected)
        modbus_close(m->ctx);
    m->connected = 0;
    m->quiet_at_ms = 0;
}

static void tr_free(void *impl)
{
    tr_modbus *m = impl;
    if (!m)
        return;
    tr_close(m);
    modbus_free(m->ctx);
    free(m);
}

/* The bus's RS-485 line control on a freshly opened port (libmodbus sets
 * both with ioctls on the open descriptor): 0, or -1 with err. */
static int set_line_control(tr_modbus *m, char *err, size_t errlen)
{
    char buf[128];
    if (m->rs485 && modbus_rtu_set_serial_mode(m->ctx, MODBUS_RTU_RS485) == -1) {
        snprintf(err, errlen, "cannot switch the port to RS-485 mode (rs485 = true): %s",
                 mvg_tr_strerror(errno, buf, sizeof buf));
        return -1;
    }
    if (m->rts != MVG_RTS_NONE &&
        modbus_rtu_set_rts(m->ctx,
                           m->rts == MVG_RTS_UP ? MODBUS_RTU_RTS_UP : MODBUS_RTU_RTS_DOWN) == -1) {
        snprintf(err, errlen, "cannot drive RTS (rts = \"%s\"): %s",
                 m->rts == MVG_RTS_UP ? "up" : "down", mvg_tr_strerror(errno, buf, sizeof buf));
        return -1;
    }
    if (m->rts != MVG_RTS_NONE && m->has_rts_delay &&
        modbus_rtu_set_rts_delay(m->ctx, m->rts_delay_us) == -1) {
        snprintf(err, errlen, "cannot set rts_delay_us %d: %s", m->rts_delay_us,
                 mvg_tr_strerror(errno, buf, sizeof buf));
        return -1;
    }
    return 0;
}

/* A readable reason for a libmodbus failure with errno e. */
static void describe(const tr_modbus *m, int e, int connecting, char *err, size_t errlen)
{
    char buf[128];
    if (e == ETIMEDOUT) {
        snprintf(err, errlen, "%stimeout after %d ms", connecting ? "connect " : "", m->timeout_ms);
    } else if (e > MODBUS_ENOBASE) {
        snprintf(err, errlen, "%s", modbus_strerror(e));
    } else {
        snprintf(err, errlen, "%s", mvg_tr_strerror(e, buf, sizeof buf));
    }
}

/* Opens the line when closed, waits out a late reply's window, drops what
 * arrived unasked and addresses unit_id: MVG_TR_OK, or another code with
 * err (traced). */
static int prepare(tr_modbus *m, int unit_id, mvg_tr_trace *trace, char *err, size_t errlen)
{
    if (!m->connected) {
        if (modbus_connect(m->ctx) == -1) {
            int e = errno;
            /* libmodbus normally drops the socket itself; make sure no
             * half-open one stays. */
            if (modbus_get_socket(m->ctx) != -1)
                modbus_close(m->ctx);
            describe(m, e, 1, err, errlen);
            if (trace)
                mvg_tr_trace_error(trace, unit_id, 0, err, NULL, 0);
            return MVG_TR_COMM;
        }
        if (set_line_control(m, err, errlen) != 0) {
            modbus_close(m->ctx);
            if (trace)
                mvg_tr_trace_error(trace, unit_id, 0, err, NULL, 0);
            return MVG_TR_COMM;
        }
        m->connected = 1;
    }
    if (m->quiet_at_ms) {
        mvg_clock_sleep_ms(m->quiet_at_ms - mvg_clock_mono_ms());
        m->quiet_at_ms = 0;
    }
    modbus_flush(m->ctx);
    if (modbus_set_slave(m->ctx, unit_id) == -1) {
        snprintf(err, errlen, "invalid unit id");
        return MVG_TR_USAGE;
    }
    return MVG_TR_OK;
}

/*
 * Sends the frame (unit id and PDU, len bytes, without the CRC, which
 * libmodbus adds: modbus_send_raw_request, with its RTS control) and
 * receives the reply into buf within timeout_ms of *sent (the time it went
 * out, set here), delimited by frame_len: a MVG_TR_RECV_* code with *got
 * the bytes that arrived, err filled on failure. A failure to send or a
 * port that reads end of file closes the line (traced); a timeout or a
 * frame that cannot be delimited keeps it and sets the quiet window, as
 * for a bad reply.
 */
static int exchange(tr_modbus *m, int unit_id, const uint8_t *raw, size_t len, int64_t *sent,
                    uint8_t *buf, size_t cap, size_t *got, mvg_tr_frame_len_fn frame_len,
                    const void *ctx, mvg_tr_trace *trace, char *err, size_t errlen)
{
    *got = 0;
    if (trace) {
        uint8_t frame[MVG_RTU_MAX_REPLY];
        size_t n = mvg_rtu_build_pdu((uint8_t)unit_id, raw + 1, len - 1, frame);
        mvg_tr_trace_tx(trace, unit_id, frame, n);
    }
    *sent = mvg_tr_recv_sent_ms(); /* after the trace: the logging is not the device's time */
    if (modbus_send_raw_request(m->ctx, raw, (int)len) == -1) {
        describe(m, errno, 0, err, errlen);
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 1, err, NULL, 0);
        tr_close(m);
        return MVG_TR_RECV_GONE;
    }
    int rc = mvg_tr_recv_frame(modbus_get_socket(m->ctx), buf, cap, got, *sent + m->timeout_ms,
                               m->timeout_ms, frame_len, ctx, PORT_EOF, err, errlen);
    if (rc != MVG_TR_RECV_OK && trace)
        mvg_tr_trace_error(trace, unit_id, 1, err, buf, *got);
    if (rc == MVG_TR_RECV_GONE)
        tr_close(m);
    else if (rc != MVG_TR_RECV_OK)
        m->quiet_at_ms = *sent + 2 * (int64_t)m->timeout_ms;
    return rc;
}

static int tr_read(void *impl, int unit_id, mvg_area area, unsigned start, unsigned count,
                   uint16_t *regs, uint8_t *bits, uint8_t *exception_code, mvg_tr_trace *trace,
                   char *err, size_t errlen)
{
    tr_modbus *m = impl;
    int prc = prepare(m, unit_id, trace, err, errlen);
    if (prc != MVG_TR_OK)
        return prc;
    int64_t sent = 0;
    uint8_t req[MVG_RTU_READ_REQUEST_LEN];
    mvg_rtu_build_read((uint8_t)unit_id, area, start, count, req);
    uint8_t fc = req[1];
    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    if (exchange(m, unit_id, req, sizeof req - 2, &sent, buf, sizeof buf, &len,
                 mvg_rtu_read_frame_len, &fc, trace, err, errlen) != MVG_TR_RECV_OK)
        return MVG_TR_COMM;
    int rc = mvg_rtu_parse_reply(buf, len, (uint8_t)unit_id, area, count, regs, bits,
                                 exception_code, err, errlen);
    if (trace)
        mvg_tr_trace_rx(trace, unit_id, buf, len, rc == MVG_TR_OK ? NULL : err);
    /* An exception is the device's answer on a sound line: keep it. A bad
     * frame (CRC, unit) may be followed by the rest of a broken reply. */
    if (rc == MVG_TR_COMM)
        m->quiet_at_ms = sent + 2 * (int64_t)m->timeout_ms;
    return rc;
}

/* A request of any function, on the same rules as a read: the reply
 * delimited by reply_len, checked by rtu_frame.c. */
static int tr_request(void *impl, int unit_id, const uint8_t *pdu, size_t pdu_len,
                      mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, mvg_tr_trace *trace,
                      char *err, size_t errlen)
{
    tr_modbus *m = impl;
    int prc = prepare(m, unit_id, trace, err, errlen);
    if (prc != MVG_TR_OK)
        return prc;
    int64_t sent = 0;
    uint8_t raw[MVG_RTU_MAX_REPLY];
    raw[0] = (uint8_t)unit_id;
    memcpy(raw + 1, pdu, pdu_len);
    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    if (exchange(m, unit_id, raw, pdu_len + 1, &sent, buf, sizeof buf, &len, mvg_rtu_pdu_frame_len,
                 &reply_len, trace, err, errlen) != MVG_TR_RECV_OK)
        return MVG_TR_COMM;
    const uint8_t *inner = NULL;
    size_t inner_len = 0;
    int bad = mvg_rtu_pdu_reply_check(buf, len, (uint8_t)unit_id, &inner, &inner_len, err, errlen);
    if (trace)
        mvg_tr_trace_rx(trace, unit_id, buf, len, bad ? err : NULL);
    if (bad) {
        m->quiet_at_ms = sent + 2 * (int64_t)m->timeout_ms;
        return MVG_TR_COMM;
    }
    memcpy(reply, inner, inner_len);
    *got = inner_len;
    return MVG_TR_OK;
}

const mvg_tr_backend mvg_tr_modbus_backend = {tr_read, tr_request, tr_close, tr_free};
