/*
 * rtu_frame.c: building RTU read requests and checking their replies; the
 * PDU inside is pdu.c's.
 */
#include "rtu_frame.h"

#include <stdio.h>
#include <string.h>

#include "crc16.h"
#include "transport.h"

void mvg_rtu_build_read(uint8_t unit, mvg_area area, unsigned start, unsigned count,
                        uint8_t out[MVG_RTU_READ_REQUEST_LEN])
{
    out[0] = unit;
    mvg_pdu_build_read(area, start, count, out + 1);
    uint16_t crc = mvg_crc16_modbus(out, 6);
    out[6] = (uint8_t)(crc & 0xFF);
    out[7] = (uint8_t)(crc >> 8);
}

long mvg_rtu_reply_length(const uint8_t *buf, size_t len, uint8_t fc)
{
    if (len < 2)
        return 3;
    if (buf[1] == (uint8_t)(fc | 0x80))
        return 5;
    if (buf[1] != fc)
        return -1;
    if (len < 3)
        return 3;
    return 5 + (long)buf[2];
}

long mvg_rtu_read_frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err,
                            size_t errlen)
{
    uint8_t fc = *(const uint8_t *)ctx;
    long want = mvg_rtu_reply_length(buf, len, fc);
    if (want < 0)
        snprintf(err, errlen, "unexpected function code 0x%02x (expected 0x%02x)", buf[1], fc);
    return want;
}

int mvg_rtu_parse_reply(const uint8_t *frame, size_t len, uint8_t unit, mvg_area area,
                        unsigned count, uint16_t *regs, uint8_t *bits, uint8_t *exception_code,
                        char *err, size_t errlen)
{
    if (len < 5) {
        snprintf(err, errlen, "short frame (%zu bytes)", len);
        return MVG_TR_COMM;
    }
    uint16_t crc = mvg_crc16_modbus(frame, len - 2);
    uint16_t got = (uint16_t)(frame[len - 2] | (frame[len - 1] << 8));
    if (crc != got) {
        snprintf(err, errlen, "CRC mismatch (frame 0x%04x, computed 0x%04x)", got, crc);
        return MVG_TR_COMM;
    }
    if (frame[0] != unit) {
        snprintf(err, errlen, "reply from unit %u, expected unit %u", frame[0], unit);
        return MVG_TR_COMM;
    }
    return mvg_pdu_parse_reply(frame + 1, len - 3, area, count, regs, bits, exception_code, err,
                               errlen);
}

size_t mvg_rtu_build_pdu(uint8_t unit, const uint8_t *pdu, size_t len, uint8_t *out)
{
    out[0] = unit;
    memcpy(out + 1, pdu, len);
    uint16_t crc = mvg_crc16_modbus(out, len + 1);
    out[len + 1] = (uint8_t)(crc & 0xFF);
    out[len + 2] = (uint8_t)(crc >> 8);
    return len + 3;
}

long mvg_rtu_pdu_reply_length(const uint8_t *buf, size_t len, mvg_pdu_len_fn pdu_len)
{
    long p = pdu_len(len > 1 ? buf + 1 : buf, len > 1 ? len - 1 : 0);
    return p < 0 ? -1 : 1 + p + 2;
}

long mvg_rtu_pdu_frame_len(const uint8_t *buf, size_t len, const void *ctx, char *err,
                           size_t errlen)
{
    long want = mvg_rtu_pdu_reply_length(buf, len, *(const mvg_pdu_len_fn *)ctx);
    if (want < 0)
        snprintf(err, errlen, "reply function code 0x%02x does not answer the request",
                 len > 1 ? buf[1] : 0);
    return want;
}

int mvg_rtu_pdu_reply_check(const uint8_t *frame, size_t len, uint8_t unit, const uint8_t **pdu,
                            size_t *pdu_len, char *err, size_t errlen)
{
    if (len < 5) {
        snprintf(err, errlen, "short frame (%zu bytes)", len);
        return -1;
    }
    uint16_t crc = mvg_crc16_modbus(frame, len - 2);
    uint16_t got = (uint16_t)(frame[len - 2] | (frame[len - 1] << 8));
    if (crc != got) {
        snprintf(err, errlen, "CRC mismatch (frame 0x%04x, computed 0x%04x)", got, crc);
        return -1;
    }
    if (frame[0] != unit) {
        snprintf(err, errlen, "reply from unit %u, expected unit %u", frame[0], unit);
        return -1;
    }
    *pdu = frame + 1;
    *pdu_len = len - 3;
    return 0;
}
