/*
 * rtu_frame.h: Modbus RTU framing of read requests and replies, as pure
 * functions on buffers, so that both RTU backends (over TCP, tr_rtu_tcp.c;
 * on a serial port, tr_modbus.c), the unit tests and the fuzz target share
 * one parser. A frame is: unit id, function code,
 * payload (the PDU, pdu.h), CRC-16 (crc16.h) low byte first.
 */
#ifndef MVG_RTU_FRAME_H
#define MVG_RTU_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"
#include "pdu.h"

/* Largest reply frame: unit, function, byte count (up to 255), data, CRC. */
#define MVG_RTU_MAX_REPLY 260
#define MVG_RTU_READ_REQUEST_LEN 8

/* Writes the 8-byte read request for count registers/bits at start into out. */
void mvg_rtu_build_read(uint8_t unit, mvg_area area, unsigned start, unsigned count,
                        uint8_t out[MVG_RTU_READ_REQUEST_LEN]);

/*
 * How long the reply to a request with function fc is, judging from the
 * first len bytes of buf: the total frame length once it is known (len may
 * already reach it), a lower bound (3) while fewer bytes than needed to tell
 * have arrived, or -1 when the second byte is neither fc nor fc | 0x80 (the
 * frame cannot be delimited: the caller discards the line's contents).
 */
long mvg_rtu_reply_length(const uint8_t *buf, size_t len, uint8_t fc);

/* mvg_rtu_reply_length as the receive loop asks it (mvg_tr_frame_len_fn,
 * tr_recv.h): ctx points to the request's function code; err names a
 * function code that is neither it nor its exception. */
long mvg_rtu_read_frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err,
                            size_t errlen);

/*
 * Checks a complete reply frame of len bytes against the request (unit,
 * area, count): CRC first (a corrupted byte may be anywhere), then unit id,
 * then the PDU by mvg_pdu_parse_reply (function code, byte count, length). Fills regs (host-order registers)
 * or bits (0/1 bytes) and returns MVG_TR_OK; returns MVG_TR_EXCEPTION with
 * *exception_code for an exception reply (codes 1..11), or MVG_TR_COMM with
 * the reason in err ("CRC mismatch", ...). Never reads past frame + len.
 */
int mvg_rtu_parse_reply(const uint8_t *frame, size_t len, uint8_t unit, mvg_area area,
                        unsigned count, uint16_t *regs, uint8_t *bits, uint8_t *exception_code,
                        char *err, size_t errlen);

/* Writes unit, the len-byte pdu (1..253) and the CRC into out; returns the
 * frame's length. */
size_t mvg_rtu_build_pdu(uint8_t unit, const uint8_t *pdu, size_t len, uint8_t *out);

/* mvg_rtu_reply_length for a request of any function: unit, the PDU as
 * pdu_len delimits it, CRC; -1 when pdu_len cannot. */
long mvg_rtu_pdu_reply_length(const uint8_t *buf, size_t len, mvg_pdu_len_fn pdu_len);

/* mvg_rtu_pdu_reply_length as the receive loop asks it: ctx points to the
 * request's mvg_pdu_len_fn. */
long mvg_rtu_pdu_frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err,
                           size_t errlen);

/* Checks a whole reply frame: CRC, then unit id. 0 with *pdu and *pdu_len
 * pointing into frame, or -1 with err. */
int mvg_rtu_pdu_reply_check(const uint8_t *frame, size_t len, uint8_t unit, const uint8_t **pdu,
                            size_t *pdu_len, char *err, size_t errlen);

#endif
