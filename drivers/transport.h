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

/* Closes the connection (the next read reopens it). */
void mvg_transport_close(mvg_transport *t);

#endif
