/*
 * pdu.h: the Modbus read PDU (function code and payload) that RTU framing
 * (rtu_frame.h: unit id before it, CRC after it) and Modbus TCP framing
 * (mbap_frame.h: MBAP header before it) both carry. Owns the one check of
 * a read reply against its request: function code or exception, byte
 * count against the quantity asked, and the decoding of registers and
 * bits. Pure functions on buffers.
 */
#ifndef MVG_PDU_H
#define MVG_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"

#define MVG_PDU_READ_REQUEST_LEN 5
/* Largest read reply PDU: function, byte count (up to 250), data. */
#define MVG_PDU_MAX_REPLY 253

/*
 * How long a reply PDU is, judging from its first len bytes: a lower bound
 * while too few have arrived to tell, then its exact length; -1 when the
 * bytes cannot start the reply. How the framing layers delimit the reply to
 * a request of any function (mvg_transport_request).
 */
typedef long (*mvg_pdu_len_fn)(const uint8_t *pdu, size_t len);

/* Read function code of an area: 1 coil, 2 discrete, 3 holding, 4 input. */
uint8_t mvg_pdu_read_function(mvg_area area);

/* Data bytes of the reply to a read of count registers or bits of area. */
unsigned mvg_pdu_reply_data_len(mvg_area area, unsigned count);

/* Writes the 5-byte read PDU (function, start, quantity) into out. */
void mvg_pdu_build_read(mvg_area area, unsigned start, unsigned count,
                        uint8_t out[MVG_PDU_READ_REQUEST_LEN]);

/*
 * Checks a reply PDU of len bytes against the request (area, count):
 * an exception (function | 0x80, codes 1..11, 2 bytes) returns
 * MVG_TR_EXCEPTION with *exception_code; a normal reply must carry the
 * request's function code and exactly the byte count the quantity needs,
 * and fills regs (host-order registers) or bits (0/1 bytes) with MVG_TR_OK.
 * Anything else is MVG_TR_COMM with the reason in err. Never reads past
 * pdu + len.
 */
int mvg_pdu_parse_reply(const uint8_t *pdu, size_t len, mvg_area area, unsigned count,
                        uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                        size_t errlen);

#endif
