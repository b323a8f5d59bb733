/*
 * crc16.h: the Modbus RTU frame check (CRC-16, reflected polynomial 0xA001,
 * initial value 0xFFFF). The CRC travels low byte first after the frame.
 */
#ifndef MVG_CRC16_H
#define MVG_CRC16_H

#include <stddef.h>
#include <stdint.h>

uint16_t mvg_crc16_modbus(const uint8_t *buf, size_t len);

#endif
