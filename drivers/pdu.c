/*
 * pdu.c: building read PDUs and checking the PDUs of their replies.
 */
#include "pdu.h"

#include <stdio.h>

#include "transport.h"

uint8_t mvg_pdu_read_function(mvg_area area)
{
    switch (area) {
    case MVG_AREA_COIL:
        return 0x01;
    case MVG_AREA_DISCRETE:
        return 0x02;
    case MVG_AREA_HOLDING:
        return 0x03;
    case MVG_AREA_INPUT:
        return 0x04;
    }
    return 0x03;
}

unsigned mvg_pdu_reply_data_len(mvg_area area, unsigned count)
{
    return mvg_area_is_bits(area) ? (count + 7) / 8 : 2 * count;
}

void mvg_pdu_build_read(mvg_area area, unsigned start, unsigned count,
                        uint8_t out[MVG_PDU_READ_REQUEST_LEN])
{
    out[0] = mvg_pdu_read_function(area);
    out[1] = (uint8_t)(start >> 8);
    out[2] = (uint8_t)start;
    out[3] = (uint8_t)(count >> 8);
    out[4] = (uint8_t)count;
}

int mvg_pdu_parse_reply(const uint8_t *pdu, size_t len, mvg_area area, unsigned count,
                        uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                        size_t errlen)
{
    uint8_t fc = mvg_pdu_read_function(area);
    if (len < 2) {
        snprintf(err, errlen, "short reply (%zu PDU bytes)", len);
        return MVG_TR_COMM;
    }
    if (pdu[0] == (uint8_t)(fc | 0x80)) {
        if (len != 2) {
            snprintf(err, errlen, "exception reply of %zu PDU bytes, expected 2", len);
            return MVG_TR_COMM;
        }
        if (pdu[1] < 1 || pdu[1] > 11) {
            snprintf(err, errlen, "invalid exception code %u", pdu[1]);
            return MVG_TR_COMM;
        }
        if (exception_code)
            *exception_code = pdu[1];
        snprintf(err, errlen, "exception %u", pdu[1]);
        return MVG_TR_EXCEPTION;
    }
    if (pdu[0] != fc) {
        snprintf(err, errlen, "function code 0x%02x, expected 0x%02x", pdu[0], fc);
        return MVG_TR_COMM;
    }
    unsigned want = mvg_pdu_reply_data_len(area, count);
    if (pdu[1] != want || len != 2 + (size_t)want) {
        snprintf(err, errlen, "byte count %u in a %zu-byte PDU, expected %u", pdu[1], len, want);
        return MVG_TR_COMM;
    }
    const uint8_t *data = pdu + 2;
    if (mvg_area_is_bits(area)) {
        for (unsigned i = 0; i < count; i++)
            bits[i] = (uint8_t)((data[i / 8] >> (i % 8)) & 1);
    } else {
        for (unsigned i = 0; i < count; i++)
            regs[i] = (uint16_t)((data[2 * i] << 8) | data[2 * i + 1]);
    }
    return MVG_TR_OK;
}
