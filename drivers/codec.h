/*
 * codec.h: decoding of Modbus registers into values (and encoding, for the
 * simulator and tests), for every type and byte order of modbus_types.h.
 * Pure functions, no state.
 */
#ifndef MVG_CODEC_H
#define MVG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"

/*
 * Decodes mvg_type_registers(type) registers (as libmodbus returns them:
 * host-order uint16 holding the big-endian wire word) into *raw.
 * 64-bit integers beyond 2^53 lose precision in the double (energy counters
 * in Wh stay exact up to 9e15 Wh).
 * Returns 0, or -1 when the order does not fit the type.
 */
int mvg_codec_decode(mvg_type type, mvg_order order, const uint16_t *regs, double *raw);

/* Encodes value (already raw, i.e. before scale/offset) into registers. */
int mvg_codec_encode(mvg_type type, mvg_order order, double raw, uint16_t *regs);

/* Span of the type's integer range (2^16, 2^32, 2^64), 0 for floats and bool:
 * the amount a counter of this type wraps by. */
double mvg_codec_wrap_span(mvg_type type);

#endif
