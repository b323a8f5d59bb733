/*
 * transport.c: the public transport handle. Owns the backend instance,
 * rejects bad arguments before anything reaches the wire, names every error
 * with where the request went and what it asked ("HOST:PORT unit N: read
 * holding 0+2 (function 3): ..."), and words exceptions from the one table
 * of their meanings (modbus_types.h).
 */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pdu.h"
#include "plan.h"
#include "transport_backend.h"

struct mvg_transport {
    const mvg_tr_backend *be;
    void *impl;
    mvg_bus_type type;
    char where[MVG_PATH_MAX + 16];
    char bus[MVG_NAME_MAX];
    mvg_tr_trace trace;
    int tracing; /* the log's trace level was on when the transport was made */
    int gap_ms;          /* the bus's request_gap_ms */
    int64_t last_end_ms; /* monotonic end of the last request sent; 0: none yet */
};

int mvg_tr_timeout_ms(const mvg_bus_cfg *bus)
{
    return bus->timeout_ms > 0 ? bus->timeout_ms : 1000;
}

const char *mvg_tr_strerror(int e, char *buf, size_t len)
{
    /* GNU strerror_r (we build with _GNU_SOURCE) may return a static string. */
    const char *s = strerror_r(e, buf, len);
    snprintf(buf, len, "%s", s);
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

mvg_transport *mvg_transport_new(const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    if (!bus) {
        snprintf(err, errlen, "transport: no bus configuration");
        return NULL;
    }
    mvg_transport *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "bus %s: out of memory", bus->name);
        return NULL;
    }
    t->type = bus->type;
    t->gap_ms = bus->request_gap_ms > 0 ? bus->request_gap_ms : 0;
    snprintf(t->bus, sizeof t->bus, "%s", bus->name);
    t->tracing = mvg_log_trace_on();
    t->trace = (mvg_tr_trace){.bus = t->bus, .where = t->where};
    switch (bus->type) {
    case MVG_BUS_TCP:
    case MVG_BUS_RTU_TCP:
        if (strchr(bus->host, ':'))
            snprintf(t->where, sizeof t->where, "[%s]:%d", bus->host, bus->port);
        else
            snprintf(t->where, sizeof t->where, "%s:%d", bus->host, bus->port);
        t->be = bus->type == MVG_BUS_TCP ? &mvg_tr_mbap_backend : &mvg_tr_rtu_tcp_backend;
        t->impl = bus->type == MVG_BUS_TCP ? mvg_tr_mbap_new(bus, err, errlen)
                                           : mvg_tr_rtu_tcp_new(bus, err, errlen);
        break;
    case MVG_BUS_RTU:
        snprintf(t->where, sizeof t->where, "%s", bus->device);
        t->be = &mvg_tr_modbus_backend;
        t->impl = mvg_tr_modbus_new(bus, err, errlen);
        break;
    default:
        snprintf(err, errlen, "bus %s: unknown bus type %d", bus->name, (int)bus->type);
        break;
    }
    if (!t->impl) {
        free(t);
        return NULL;
    }
    return t;
}

void mvg_transport_free(mvg_transport *t)
{
    if (!t)
        return;
    t->be->free(t->impl);
    free(t);
}

void mvg_transport_close(mvg_transport *t)
{
    if (t)
        t->be->close(t->impl);
}

static void gap_before(mvg_transport *t);
static void gap_after(mvg_transport *t);

/* The backend's read of checked arguments, its error named in full. An
 * exception 10 or 11 is a gateway saying the device did not answer: for the
 * poller that is a communication failure (retried, counted towards offline),
 * on a connection the backend keeps, since the gateway itself answered. */
static int dispatch(mvg_transport *t, int unit_id, mvg_area area, unsigned start, unsigned count,
                    uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                    size_t errlen)
{
    char msg[256] = "";
    uint8_t exc = 0;
    /* The bus's quiet time between requests, whichever device they are
     * for: slow serial devices need it between any two frames on the line. */
    gap_before(t);
    int rc = t->be->read(t->impl, unit_id, area, start, count, regs, bits, &exc,
                         t->tracing ? &t->trace : NULL, msg, sizeof msg);
    gap_after(t);
    if (exception_code)
        *exception_code = rc == MVG_TR_EXCEPTION ? exc : 0;
    if (rc == MVG_TR_OK)
        return rc;
    if (rc == MVG_TR_EXCEPTION) {
        snprintf(msg, sizeof msg, "exception %u (%s)", exc, mvg_exception_name(exc));
        if (mvg_exception_is_comm(exc))
            rc = MVG_TR_COMM;
    }
    snprintf(err, errlen, "%s unit %d: read %s %u+%u (function %u): %s", t->where, unit_id,
             mvg_area_name(area), start, count, mvg_pdu_read_function(area), msg);
    return rc;
}

int mvg_transport_read(mvg_transport *t, int unit_id, mvg_area area, unsigned start,
                       unsigned count, uint16_t *regs, uint8_t *bits, uint8_t *exception_code,
                       char *err, size_t errlen)
{
    char msg[256] = "";
    int rc = MVG_TR_USAGE;
    int area_ok = (int)area >= (int)MVG_AREA_COIL && (int)area <= (int)MVG_AREA_HOLDING;
    int is_bits = area_ok && mvg_area_is_bits(area);
    unsigned limit = is_bits ? MVG_PLAN_MAX_BITS : MVG_PLAN_MAX_REGS;
    /* Unit 0 is the broadcast address: on a serial line nobody answers it. */
    int unit_min = t && t->type == MVG_BUS_TCP ? 0 : 1;
    int unit_max = t && t->type == MVG_BUS_TCP ? 255 : 247;

    if (!t) {
        snprintf(err, errlen, "transport: NULL handle");
        return MVG_TR_USAGE;
    }
    if (!area_ok)
        snprintf(msg, sizeof msg, "unknown area %d", (int)area);
    else if (unit_id < unit_min || unit_id > unit_max)
        snprintf(msg, sizeof msg, "unit id out of range %d..%d", unit_min, unit_max);
    else if (count < 1 || count > limit)
        snprintf(msg, sizeof msg, "cannot read %u %s at once (1..%u)", count,
                 is_bits ? "bits" : "registers", limit);
    else if (start > 65535u || start + count > 65536u)
        snprintf(msg, sizeof msg, "%s %u+%u runs past address 65535", mvg_area_name(area), start,
                 count);
    else if ((is_bits && !bits) || (!is_bits && !regs))
        snprintf(msg, sizeof msg, "no buffer for the %s", is_bits ? "bits" : "registers");
    else
        return dispatch(t, unit_id, area, start, count, regs, bits, exception_code, err, errlen);
    snprintf(err, errlen, "%s unit %d: %s", t->where, unit_id, msg);
    return rc;
}

/* The bus's quiet time, before any request (see dispatch). */
static void gap_before(mvg_transport *t)
{
    if (t->gap_ms && t->last_end_ms)
        mvg_clock_sleep_ms(t->last_end_ms + t->gap_ms - mvg_clock_mono_ms());
}

static void gap_after(mvg_transport *t)
{
    if (t->gap_ms)
        t->last_end_ms = mvg_clock_mono_ms();
}

int mvg_transport_request(mvg_transport *t, int unit_id, const uint8_t *pdu, size_t len,
                          mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, char *err,
                          size_t errlen)
{
    if (!t || !pdu || !reply_len || !reply || !got) {
        snprintf(err, errlen, "transport: NULL argument");
        return MVG_TR_USAGE;
    }
    int unit_min = t->type == MVG_BUS_TCP ? 0 : 1;
    int unit_max = t->type == MVG_BUS_TCP ? 255 : 247;
    if (unit_id < unit_min || unit_id > unit_max || len < 1 || len > MVG_PDU_MAX_REPLY) {
        snprintf(err, errlen, "%s unit %d: %s", t->where, unit_id,
                 len < 1 || len > MVG_PDU_MAX_REPLY ? "request PDU length out of range 1..253"
                                                    : "unit id out of range");
        return MVG_TR_USAGE;
    }
    char msg[256] = "";
    *got = 0;
    gap_before(t);
    int rc = t->be->request(t->impl, unit_id, pdu, len, reply_len, reply, got,
                            t->tracing ? &t->trace : NULL, msg, sizeof msg);
    gap_after(t);
    if (rc != MVG_TR_OK)
        snprintf(err, errlen, "%s unit %d: function %u: %s", t->where, unit_id, pdu[0], msg);
    return rc;
}

int mvg_transport_identify(mvg_transport *t, int unit_id, mvg_pdu_ident *out,
                           uint8_t *exception_code, char *err, size_t errlen)
{
    char msg[256] = "";
    uint8_t first = 0, exc = 0;
    int rc = MVG_TR_OK;
    if (exception_code)
        *exception_code = 0;
    if (!out) {
        snprintf(err, errlen, "transport: NULL argument");
        return MVG_TR_USAGE;
    }
    memset(out, 0, sizeof *out);
    /* A device that keeps saying "more follows" must not hold the scan. */
    for (int round = 0; round < 4; round++) {
        uint8_t req[MVG_PDU_IDENT_REQUEST_LEN], reply[MVG_PDU_MAX_REPLY];
        size_t got = 0;
        mvg_pdu_ident_build(first, req);
        rc = mvg_transport_request(t, unit_id, req, sizeof req, mvg_pdu_ident_reply_length, reply,
                                   &got, err, errlen);
        if (rc != MVG_TR_OK)
            return rc;
        rc = mvg_pdu_ident_parse(reply, got, out, &exc, msg, sizeof msg);
        if (rc != MVG_TR_OK || !out->more || out->next_object <= first || out->next_object > 2)
            break;
        first = out->next_object;
    }
    if (rc == MVG_TR_OK)
        return rc;
    if (rc == MVG_TR_EXCEPTION) {
        if (exception_code)
            *exception_code = exc;
        snprintf(msg, sizeof msg, "exception %u (%s)", exc, mvg_exception_name(exc));
    }
    snprintf(err, errlen, "%s unit %d: read device identification (function 43/14): %s",
             t->where, unit_id, msg);
    return rc;
}
