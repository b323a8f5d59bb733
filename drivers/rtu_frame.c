/*
 * rtu_frame.c: building RTU read requests and checking their replies.
 */
#include "rtu_frame.h"

#include <stdio.h>

#include "crc16.h"
#include "transport.h"

uint8_t mvg_rtu_read_function(mvg_area area)
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

void mvg_rtu_build_read(uint8_t unit, mvg_area area, unsigned start, unsigned count,
                        uint8_t out[MVG_RTU_READ_REQUEST_LEN])
{
    out[0] = unit;
    out[1] = mvg_rtu_read_function(area);
    out[2] = (uint8_t)(start >> 8);
    out[3] = (uint8_t)start;
    out[4] = (uint8_t)(count >> 8);
    out[5] = (uint8_t)count;
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

int mvg_rtu_parse_reply(const uint8_t *frame, size_t len, uint8_t unit, mvg_area area,
                        unsigned count, uint16_t *regs, uint8_t *bits, uint8_t *exception_code,
                        char *err, size_t errlen)
{
    uint8_t fc = mvg_rtu_read_function(area);
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
    if (frame[1] == (uint8_t)(fc | 0x80)) {
        if (len != 5) {
            snprintf(err, errlen, "exception reply of %zu bytes, expected 5", len);
            return MVG_TR_COMM;
        }
        if (frame[2] < 1 || frame[2] > 11) {
            snprintf(err, errlen, "invalid exception code %u", frame[2]);
            return MVG_TR_COMM;
        }
        if (exception_code)
            *exception_code = frame[2];
        snprintf(err, errlen, "exception %u", frame[2]);
        return MVG_TR_EXCEPTION;
    }
    if (frame[1] != fc) {
        snprintf(err, errlen, "function code 0x%02x, expected 0x%02x", frame[1], fc);
        return MVG_TR_COMM;
    }
    int is_bits = mvg_area_is_bits(area);
    unsigned want = is_bits ? (count + 7) / 8 : 2 * count;
    if (frame[2] != want || len != 5 + (size_t)want) {
        snprintf(err, errlen, "byte count %u in a %zu-byte frame, expected %u", frame[2], len,
                 want);
        return MVG_TR_COMM;
    }
    const uint8_t *data = frame + 3;
    if (is_bits) {
        for (unsigned i = 0; i < count; i++)
            bits[i] = (uint8_t)((data[i / 8] >> (i % 8)) & 1);
    } else {
        for (unsigned i = 0; i < count; i++)
            regs[i] = (uint16_t)((data[2 * i] << 8) | data[2 * i + 1]);
    }
    return MVG_TR_OK;
}
