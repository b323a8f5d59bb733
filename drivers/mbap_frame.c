/*
 * mbap_frame.c: building Modbus TCP read requests and checking their
 * replies; the PDU inside is pdu.c's.
 */
#include "mbap_frame.h"

#include <stdio.h>
#include <string.h>

#include "transport.h"

void mvg_mbap_build_read(const mvg_mbap_req *req, unsigned start,
                         uint8_t out[MVG_MBAP_READ_REQUEST_LEN])
{
    out[0] = (uint8_t)(req->tid >> 8);
    out[1] = (uint8_t)req->tid;
    out[2] = 0;
    out[3] = 0;
    out[4] = 0;
    out[5] = 1 + MVG_PDU_READ_REQUEST_LEN;
    out[6] = req->unit;
    mvg_pdu_build_read(req->area, start, req->count, out + MVG_MBAP_HEADER_LEN);
}

/* The MBAP header of a reply against its request, as far as it has
 * arrived: transaction id, protocol id 0, unit id. 0, or -1 with err. */
static int check_header(const uint8_t *buf, size_t len, unsigned tid, unsigned unit, char *err,
                        size_t errlen)
{
    if (len >= 2 && (unsigned)(buf[0] << 8 | buf[1]) != tid) {
        snprintf(err, errlen, "reply transaction id %u, asked %u", (unsigned)(buf[0] << 8 | buf[1]),
                 tid);
        return -1;
    }
    if (len >= 4 && (buf[2] | buf[3]) != 0) {
        snprintf(err, errlen, "reply protocol id %u, expected 0", (unsigned)(buf[2] << 8 | buf[3]));
        return -1;
    }
    if (len >= 7 && buf[6] != unit) {
        snprintf(err, errlen, "reply unit id %u, asked %u", buf[6], unit);
        return -1;
    }
    return 0;
}

long mvg_mbap_reply_length(const uint8_t *buf, size_t len, const mvg_mbap_req *req, char *err,
                           size_t errlen)
{
    uint8_t fc = mvg_pdu_read_function(req->area);
    if (check_header(buf, len, req->tid, req->unit, err, errlen) < 0)
        return -1;
    if (len < MVG_MBAP_HEADER_LEN + 1)
        return MVG_MBAP_HEADER_LEN + 1;
    uint8_t got = buf[MVG_MBAP_HEADER_LEN];
    unsigned pdu_len;
    if (got == (uint8_t)(fc | 0x80)) {
        pdu_len = 2;
    } else if (got == fc) {
        pdu_len = 2 + mvg_pdu_reply_data_len(req->area, req->count);
    } else {
        snprintf(err, errlen, "reply function code 0x%02x, asked 0x%02x", got, fc);
        return -1;
    }
    /* The length counts the unit id and the PDU. */
    unsigned mbap_len = (unsigned)(buf[4] << 8 | buf[5]);
    if (mbap_len != 1 + pdu_len) {
        snprintf(err, errlen, "reply MBAP length %u, expected %u for function 0x%02x", mbap_len,
                 1 + pdu_len, got);
        return -1;
    }
    return MVG_MBAP_HEADER_LEN + (long)pdu_len;
}

int mvg_mbap_parse_reply(const uint8_t *frame, size_t len, const mvg_mbap_req *req,
                         uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                         size_t errlen)
{
    long want = mvg_mbap_reply_length(frame, len, req, err, errlen);
    if (want < 0)
        return MVG_TR_COMM;
    if (len != (size_t)want) {
        snprintf(err, errlen, "reply of %zu bytes, expected %ld", len, want);
        return MVG_TR_COMM;
    }
    return mvg_pdu_parse_reply(frame + MVG_MBAP_HEADER_LEN, len - MVG_MBAP_HEADER_LEN, req->area,
                               req->count, regs, bits, exception_code, err, errlen);
}

size_t mvg_mbap_build_pdu(const mvg_mbap_pdu_req *req, const uint8_t *pdu, size_t len,
                          uint8_t *out)
{
    out[0] = (uint8_t)(req->tid >> 8);
    out[1] = (uint8_t)req->tid;
    out[2] = 0;
    out[3] = 0;
    out[4] = (uint8_t)((len + 1) >> 8);
    out[5] = (uint8_t)(len + 1);
    out[6] = req->unit;
    memcpy(out + MVG_MBAP_HEADER_LEN, pdu, len);
    return MVG_MBAP_HEADER_LEN + len;
}

long mvg_mbap_pdu_reply_length(const uint8_t *buf, size_t len, const mvg_mbap_pdu_req *req,
                               char *err, size_t errlen)
{
    if (check_header(buf, len, req->tid, req->unit, err, errlen) < 0)
        return -1;
    if (len < MVG_MBAP_HEADER_LEN + 1)
        return MVG_MBAP_HEADER_LEN + 1;
    if (req->pdu_len(buf + MVG_MBAP_HEADER_LEN, len - MVG_MBAP_HEADER_LEN) < 0) {
        snprintf(err, errlen, "reply function code 0x%02x does not answer the request",
                 buf[MVG_MBAP_HEADER_LEN]);
        return -1;
    }
    unsigned mbap_len = (unsigned)(buf[4] << 8 | buf[5]);
    if (mbap_len < 3 || mbap_len > 1 + MVG_PDU_MAX_REPLY) {
        snprintf(err, errlen, "reply MBAP length %u, expected 3..%u", mbap_len,
                 1 + MVG_PDU_MAX_REPLY);
        return -1;
    }
    return MVG_MBAP_HEADER_LEN - 1 + (long)mbap_len;
}

int mvg_mbap_pdu_reply_check(const uint8_t *frame, size_t len, const mvg_mbap_pdu_req *req,
                             const uint8_t **pdu, size_t *pdu_len, char *err, size_t errlen)
{
    long want = mvg_mbap_pdu_reply_length(frame, len, req, err, errlen);
    if (want < 0)
        return -1;
    if (len != (size_t)want) {
        snprintf(err, errlen, "reply of %zu bytes, expected %ld", len, want);
        return -1;
    }
    long inner = req->pdu_len(frame + MVG_MBAP_HEADER_LEN, len - MVG_MBAP_HEADER_LEN);
    if (inner != (long)(len - MVG_MBAP_HEADER_LEN)) {
        snprintf(err, errlen, "reply PDU of %zu bytes by its MBAP length, %ld by its contents",
                 len - MVG_MBAP_HEADER_LEN, inner);
        return -1;
    }
    *pdu = frame + MVG_MBAP_HEADER_LEN;
    *pdu_len = len - MVG_MBAP_HEADER_LEN;
    return 0;
}
