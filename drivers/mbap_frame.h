/*
 * mbap_frame.h: Modbus TCP framing of read requests and replies, as pure
 * functions on buffers, so that the Modbus TCP backend (tr_mbap.c), the
 * unit tests and the fuzz target share one checker. A frame is the 7-byte
 * MBAP header (transaction id, protocol id 0, length of what follows, unit
 * id; big-endian) and the PDU (pdu.h).
 *
 * A reply is checked against its request field by field, because a TCP
 * gateway in front of a serial line will happily pass on another unit's
 * answer or a stale one: the transaction id, the protocol id, the unit id,
 * the function code (or function | 0x80), the MBAP length against the PDU
 * the request calls for, and the byte count against the quantity asked.
 */
#ifndef MVG_MBAP_FRAME_H
#define MVG_MBAP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"
#include "pdu.h"

#define MVG_MBAP_HEADER_LEN 7
#define MVG_MBAP_READ_REQUEST_LEN (MVG_MBAP_HEADER_LEN + MVG_PDU_READ_REQUEST_LEN)
/* Largest frame a read can get back: header and the largest read PDU. */
#define MVG_MBAP_MAX_REPLY (MVG_MBAP_HEADER_LEN + MVG_PDU_MAX_REPLY)

/* What a reply must match: the request as it went out. */
typedef struct {
    uint16_t tid;
    uint8_t unit;
    mvg_area area;
    unsigned count;
} mvg_mbap_req;

/* Writes the 12-byte read request for req at start into out. */
void mvg_mbap_build_read(const mvg_mbap_req *req, unsigned start,
                         uint8_t out[MVG_MBAP_READ_REQUEST_LEN]);

/*
 * How long the reply to req is, judging from the first len bytes of buf:
 * a lower bound (8: header and function code) while fewer have arrived,
 * then the exact frame length, which len may already reach; or -1 with the
 * reason in err as soon as the bytes that have arrived cannot be the reply
 * to req (wrong transaction id, protocol id, unit id, function code, or an
 * MBAP length that does not fit the reply the request calls for). Checking
 * each field as it arrives means a wrong reply fails at once, without
 * waiting for bytes that will not come.
 */
long mvg_mbap_reply_length(const uint8_t *buf, size_t len, const mvg_mbap_req *req, char *err,
                           size_t errlen);

/*
 * Checks a complete reply frame of len bytes against req: every header
 * field as mvg_mbap_reply_length does, the frame's length, then the PDU
 * (mvg_pdu_parse_reply). Returns MVG_TR_OK with regs or bits filled,
 * MVG_TR_EXCEPTION with *exception_code, or MVG_TR_COMM with the reason in
 * err ("reply unit id 7, asked 3"). Never reads past frame + len.
 */
int mvg_mbap_parse_reply(const uint8_t *frame, size_t len, const mvg_mbap_req *req,
                         uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                         size_t errlen);

/* The request and reply of a PDU of any function (mvg_transport_request):
 * the reply's PDU length comes from its MBAP length, then pdu_len must
 * agree with it. */
typedef struct {
    uint16_t tid;
    uint8_t unit;
    mvg_pdu_len_fn pdu_len;
} mvg_mbap_pdu_req;

/* Writes the MBAP header and the len-byte pdu (1..253) into out; returns
 * the frame's length. */
size_t mvg_mbap_build_pdu(const mvg_mbap_pdu_req *req, const uint8_t *pdu, size_t len,
                          uint8_t *out);

/* mvg_mbap_reply_length for a PDU request: transaction, protocol and unit
 * id checked as they arrive, the MBAP length bounded to a PDU of 2..253
 * bytes, then the frame's exact length. */
long mvg_mbap_pdu_reply_length(const uint8_t *buf, size_t len, const mvg_mbap_pdu_req *req,
                               char *err, size_t errlen);

/* Checks a whole reply frame of len bytes against req (as above, and the
 * PDU's own length by req->pdu_len); 0 with *pdu and *pdu_len pointing into
 * frame, or -1 with err. */
int mvg_mbap_pdu_reply_check(const uint8_t *frame, size_t len, const mvg_mbap_pdu_req *req,
                             const uint8_t **pdu, size_t *pdu_len, char *err, size_t errlen);

#endif
