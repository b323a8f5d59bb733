/*
 * transport.h: one Modbus client connection for one bus (TCP, RTU, or RTU
 * framing over TCP as serial device servers use). Backends sit behind one
 * table of function pointers. A transport is used by one thread only (the
 * bus's poller). It connects lazily and reconnects after a failure.
 */
#ifndef MVG_TRANSPORT_H
#define MVG_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "pdu.h"
#include "pdu_ident.h"

typedef struct mvg_transport mvg_transport;

enum {
    MVG_TR_OK = 0,
    MVG_TR_COMM = -1,      /* timeout, connection refused/lost, bad frame */
    MVG_TR_EXCEPTION = -2, /* the device answered with a Modbus exception */
    MVG_TR_USAGE = -3      /* bad arguments (count too large, ...) */
};

mvg_transport *mvg_transport_new(const mvg_bus_cfg *bus, char *err, size_t errlen);
void mvg_transport_free(mvg_transport *t);

/*
 * Reads count registers (holding/input, into regs) or bits (coil/discrete,
 * into bits as 0/1 bytes) from unit_id. Returns MVG_TR_OK, MVG_TR_COMM (err
 * says why; the connection is closed and reopened on the next call),
 * MVG_TR_EXCEPTION (*exception_code set) or MVG_TR_USAGE. Exceptions 10 and
 * 11 (gateway path unavailable, gateway target device failed to respond)
 * are MVG_TR_COMM with *exception_code set, on a connection that stays open:
 * the gateway answered, the device behind it did not. Otherwise
 * *exception_code is 0 on every return but MVG_TR_EXCEPTION. err names the
 * host (or serial device), unit, function, address and count, and an
 * exception's meaning: "10.0.0.5:502 unit 7: read holding 0+2 (function 3):
 * exception 11 (gateway target device failed to respond)".
 * On TCP and RTU over TCP one deadline of the bus's timeout_ms covers the
 * whole request, however the reply's bytes trickle in; on Modbus TCP every
 * reply is checked against its request (transaction, protocol and unit id,
 * function code, MBAP length, byte count), and any failure closes the
 * connection.
 * On RTU lines (serial, or RTU over TCP) a timeout or a bad frame keeps the
 * line open, since a silent unit says nothing about the link; instead the
 * next request first waits until twice the timeout has passed since the
 * failed one and discards what arrived, so a late reply is never taken for
 * the next answer. Socket errors and EOF close the connection.
 * count is 1..125 registers or 1..2000 bits; unit_id 0..255 on TCP,
 * 1..247 on RTU lines (0 is broadcast: nobody answers a read).
 */
int mvg_transport_read(mvg_transport *t, int unit_id, mvg_area area, unsigned start,
                       unsigned count, uint16_t *regs, uint8_t *bits, uint8_t *exception_code,
                       char *err, size_t errlen);

/*
 * Sends a request PDU of any function (len 1..253 bytes) to unit_id and
 * returns the reply's PDU in reply (MVG_PDU_MAX_REPLY bytes), *got its
 * length, delimited by reply_len (pdu.h) and framed and checked as a read's
 * (MBAP header fields, or unit id and CRC); an exception reply is returned
 * as it came, for the caller's parser. MVG_TR_OK, MVG_TR_COMM (err says
 * why, as for a read) or MVG_TR_USAGE. The bus's request gap and the trace
 * apply as to a read.
 */
int mvg_transport_request(mvg_transport *t, int unit_id, const uint8_t *pdu, size_t len,
                          mvg_pdu_len_fn reply_len, uint8_t *reply, size_t *got, char *err,
                          size_t errlen);

/*
 * Read Device Identification (function 43/14), the basic objects (vendor,
 * product code, revision) into *out, following "more follows" for up to
 * four requests. MVG_TR_OK; MVG_TR_EXCEPTION with *exception_code (1,
 * illegal function: the device does not support it: err "HOST:PORT unit 3:
 * read device identification (function 43/14): exception 1 (illegal
 * function)"); MVG_TR_COMM with err naming where, unit and function
 * ("HOST:PORT unit 3: function 43: timeout after 300 ms"); MVG_TR_USAGE.
 */
int mvg_transport_identify(mvg_transport *t, int unit_id, mvg_pdu_ident *out,
                           uint8_t *exception_code, char *err, size_t errlen);

/* Closes the connection (the next read reopens it). */
void mvg_transport_close(mvg_transport *t);

#endif
