/*
 * tr_modbus.c: the libmodbus backend, for RTU on a local serial port
 * (Modbus TCP is tr_mbap.c's: libmodbus bounds a TCP reply only byte by
 * byte and does not check its unit id). Owns one modbus_t (libmodbus
 * contexts are not thread-safe: one per bus thread, see LIBRARY-NOTES).
 *
 * Error recovery stays at libmodbus's default (none): with LINK recovery a
 * dead meter would block the poller forever; we reopen ourselves. A serial
 * line stays open through a timeout (a missing unit on a shared line says
 * nothing about the line), but the next request first waits out the window
 * in which the late reply could still come, then discards whatever arrived.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modbus.h>

#include "clock.h"
#include "crc16.h"
#include "pdu.h"
#include "rtu_frame.h"
#include "transport_backend.h"

typedef struct {
    modbus_t *ctx;
    int connected;
    int timeout_ms;
    int rs485, rts, rts_delay_us, has_rts_delay; /* the bus's line control */
    int64_t quiet_at_ms; /* no late reply expected after this (0: none pending) */
} tr_modbus;

static void set_timeouts(modbus_t *ctx, int ms)
{
    uint32_t s = (uint32_t)(ms / 1000), us = (uint32_t)(ms % 1000) * 1000u;
    modbus_set_response_timeout(ctx, s, us);
    /* Between the bytes of one reply: a stalled reply fails within the
     * same budget as a missing one. */
    modbus_set_byte_timeout(ctx, s, us);
}

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
    set_timeouts(m->ctx, m->timeout_ms);
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
        modbus_rtu_set_rts(m->ctx, m->rts == MVG_RTS_UP ? MODBUS_RTU_RTS_UP
                                                        : MODBUS_RTU_RTS_DOWN) == -1) {
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
    } else if (e == EMBBADCRC) {
        snprintf(err, errlen, "CRC mismatch");
    } else if (e > MODBUS_ENOBASE) {
        snprintf(err, errlen, "%s", modbus_strerror(e));
    } else {
        snprintf(err, errlen, "%s", mvg_tr_strerror(e, buf, sizeof buf));
    }
}

/*
 * The trace of a libmodbus request. libmodbus reads the frame itself and
 * has no hook for its bytes (modbus_set_debug prints to stdout in its own
 * format), so the request is traced as the frame libmodbus sends for it
 * (unit, function, address, quantity, CRC: fully determined, built here by
 * the same rtu_frame.c as the RTU-over-TCP backend) and the reply as the
 * frame that carries what libmodbus decoded, marked so: a frame it rejected
 * (bad CRC, wrong unit) shows only as an error.
 */
static void trace_reply(mvg_tr_trace *trace, int unit_id, mvg_area area, unsigned count,
                        const uint16_t *regs, const uint8_t *bits, int exc)
{
    uint8_t f[MVG_RTU_MAX_REPLY];
    size_t n = 0;
    f[n++] = (uint8_t)unit_id;
    if (exc) {
        f[n++] = (uint8_t)(mvg_pdu_read_function(area) | 0x80);
        f[n++] = (uint8_t)exc;
    } else {
        unsigned bytes = mvg_pdu_reply_data_len(area, count);
        f[n++] = mvg_pdu_read_function(area);
        f[n++] = (uint8_t)bytes;
        memset(f + n, 0, bytes);
        for (unsigned i = 0; i < count; i++) {
            if (mvg_area_is_bits(area)) {
                f[n + i / 8] |= (uint8_t)((bits[i] ? 1u : 0u) << (i % 8));
            } else {
                f[n + 2 * i] = (uint8_t)(regs[i] >> 8);
                f[n + 2 * i + 1] = (uint8_t)(regs[i] & 0xff);
            }
        }
        n += bytes;
    }
    uint16_t crc = mvg_crc16_modbus(f, n);
    f[n++] = (uint8_t)(crc & 0xff);
    f[n++] = (uint8_t)(crc >> 8);
    mvg_tr_trace_rx(trace, unit_id, f, n, exc ? "exception, as decoded by libmodbus"
                                            : "as decoded by libmodbus");
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

static int tr_read(void *impl, int unit_id, mvg_area area, unsigned start, unsigned count,
                   uint16_t *regs, uint8_t *bits, uint8_t *exception_code, mvg_tr_trace *trace,
                   char *err, size_t errlen)
{
    tr_modbus *m = impl;
    int prc = prepare(m, unit_id, trace, err, errlen);
    if (prc != MVG_TR_OK)
        return prc;

    int64_t sent = mvg_clock_mono_ms();
    if (trace) {
        uint8_t req[MVG_RTU_READ_REQUEST_LEN];
        mvg_rtu_build_read((uint8_t)unit_id, area, start, count, req);
        mvg_tr_trace_tx(trace, unit_id, req, sizeof req);
    }
    int n = -1;
    int addr = (int)start, nb = (int)count;
    switch (area) {
    case MVG_AREA_HOLDING:
        n = modbus_read_registers(m->ctx, addr, nb, regs);
        break;
    case MVG_AREA_INPUT:
        n = modbus_read_input_registers(m->ctx, addr, nb, regs);
        break;
    case MVG_AREA_COIL:
        n = modbus_read_bits(m->ctx, addr, nb, bits);
        break;
    case MVG_AREA_DISCRETE:
        n = modbus_read_input_bits(m->ctx, addr, nb, bits);
        break;
    }
    int e = errno;
    if (n == nb) {
        if (trace)
            trace_reply(trace, unit_id, area, count, regs, bits, 0);
        return MVG_TR_OK;
    }
    if (n == -1 && e > MODBUS_ENOBASE && e - MODBUS_ENOBASE <= MODBUS_EXCEPTION_GATEWAY_TARGET) {
        /* The device answered "no": the link is fine, keep it. */
        if (exception_code)
            *exception_code = (uint8_t)(e - MODBUS_ENOBASE);
        snprintf(err, errlen, "exception %d", e - MODBUS_ENOBASE); /* named by transport.c */
        if (trace)
            trace_reply(trace, unit_id, area, count, regs, bits, e - MODBUS_ENOBASE);
        return MVG_TR_EXCEPTION;
    }
    if (n >= 0)
        snprintf(err, errlen, "short reply: %d of %d", n, nb);
    else
        describe(m, e, 0, err, errlen);
    if (trace)
        mvg_tr_trace_error(trace, unit_id, 1, err, NULL, 0);
    if (n == -1 && (e == ETIMEDOUT || e == EMBBADCRC || e == EMBBADDATA ||
                              e == EMBBADSLAVE || e == EMBBADEXC || e == EMBUNKEXC)) {
        /* The reply (or the rest of a broken one) may still be on its way. */
        m->quiet_at_ms = sent + 2 * (int64_t)m->timeout_ms;
    } else {
        tr_close(m);
    }
    return MVG_TR_COMM;
}

/*
 * A request of any function. libmodbus sends it (modbus_send_raw_request:
 * its framing, CRC and RTS control), but cannot take the reply: 3.1.6
 * delimits a confirmation by its function code and knows no length for
 * most (for function 43 it would read the MEI type as a byte count and two
 * object bytes as the CRC). So the reply is read here, from the port's
 * descriptor, against one deadline, delimited by reply_len and checked by
 * rtu_frame.c, the same checks as on RTU over TCP. A timeout keeps the line
 * and sets the quiet window, as for a read.
 */
static int tr_request(void *impl, int unit_id, const uint8_t *pdu, size_t pdu_len,
                      mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, mvg_tr_trace *trace,
                      char *err, size_t errlen)
{
    tr_modbus *m = impl;
    int prc = prepare(m, unit_id, trace, err, errlen);
    if (prc != MVG_TR_OK)
        return prc;
    uint8_t raw[MVG_RTU_MAX_REPLY];
    raw[0] = (uint8_t)unit_id;
    memcpy(raw + 1, pdu, pdu_len);
    int64_t sent = mvg_clock_mono_ms();
    int64_t deadline = sent + m->timeout_ms;
    if (trace) {
        uint8_t frame[MVG_RTU_MAX_REPLY];
        size_t n = mvg_rtu_build_pdu((uint8_t)unit_id, pdu, pdu_len, frame);
        mvg_tr_trace_tx(trace, unit_id, frame, n);
    }
    if (modbus_send_raw_request(m->ctx, raw, (int)pdu_len + 1) == -1) {
        describe(m, errno, 0, err, errlen);
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 1, err, NULL, 0);
        tr_close(m);
        return MVG_TR_COMM;
    }
    int fd = modbus_get_socket(m->ctx);
    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    long want = mvg_rtu_pdu_reply_length(buf, 0, reply_len);
    int failed = 0;
    while (!failed && (want < 0 || len < (size_t)want)) {
        if (want < 0 || (size_t)want > sizeof buf) {
            snprintf(err, errlen, "reply function code 0x%02x does not answer the request",
                     len > 1 ? buf[1] : 0);
            failed = 1;
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int64_t left = deadline - mvg_clock_mono_ms();
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "timeout after %d ms (%zu bytes received)", m->timeout_ms, len);
            failed = 1;
            break;
        }
        ssize_t n = read(fd, buf + len, (size_t)want - len);
        if (n <= 0) {
            char eb[128];
            snprintf(err, errlen, "%s", n == 0 ? "end of file on the port"
                                               : mvg_tr_strerror(errno, eb, sizeof eb));
            if (trace)
                mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
            tr_close(m);
            return MVG_TR_COMM;
        }
        len += (size_t)n;
        want = mvg_rtu_pdu_reply_length(buf, len, reply_len);
    }
    const uint8_t *inner = NULL;
    size_t inner_len = 0;
    if (failed) {
        if (trace)
            mvg_tr_trace_error(trace, unit_id, 1, err, buf, len);
    } else {
        failed = mvg_rtu_pdu_reply_check(buf, len, (uint8_t)unit_id, &inner, &inner_len, err,
                                         errlen) != 0;
        if (trace)
            mvg_tr_trace_rx(trace, unit_id, buf, len, failed ? err : NULL);
    }
    if (failed) {
        m->quiet_at_ms = sent + 2 * (int64_t)m->timeout_ms;
        return MVG_TR_COMM;
    }
    memcpy(reply, inner, inner_len);
    *got = inner_len;
    return MVG_TR_OK;
}

const mvg_tr_backend mvg_tr_modbus_backend = {tr_read, tr_request, tr_close, tr_free};
