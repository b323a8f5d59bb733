/*
 * crc16.c: Modbus RTU CRC-16. Bitwise rather than table-driven: frames are
 * at most 256 bytes and a poll sends a handful of them per second, so the
 * eight shifts per byte cost nothing measurable and leave no table to get
 * wrong.
 */
#include "crc16.h"

uint16_t mvg_crc16_modbus(const uint8_t *buf, size_t len)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}
