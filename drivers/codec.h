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
 * in Wh stay exact up to 9e15 Wh); mvg_codec_decode_bits gives them exactly.
 * Returns 0, or -1 when the order does not fit the type (and for a string,
 * which is no number: mvg_codec_decode_text).
 */
int mvg_codec_decode(mvg_type type, mvg_order order, const uint16_t *regs, double *raw);

/* Encodes value (already raw, i.e. before scale/offset) into registers. */
int mvg_codec_encode(mvg_type type, mvg_order order, double raw, uint16_t *regs);

/*
 * The exact value of an int64 or uint64 point, which a double holds only up
 * to 2^53: *bits is the 64-bit value (an int64 in two's complement: cast it
 * to int64_t). Returns 0, or -1 for any other type or an order that does not
 * fit. encode_bits is its inverse (simulator, tests).
 */
int mvg_codec_decode_bits(mvg_type type, mvg_order order, const uint16_t *regs, uint64_t *bits);
int mvg_codec_encode_bits(mvg_type type, mvg_order order, uint64_t bits, uint16_t *regs);

/*
 * A string of count registers, two characters a register: order AB puts
 * each register's high byte first (the usual), BA its low byte first. The
 * text ends at the first NUL; trailing spaces (padding) are dropped; a byte
 * outside printable ASCII (0x20..0x7e) becomes '?', so that the text is
 * valid in every JSON, CSV and line-protocol output. out gets at most
 * outlen - 1 characters and a NUL. Returns the text's length, or -1 for
 * an order other than AB or BA, count 0 or outlen 0.
 */
int mvg_codec_decode_text(mvg_order order, const uint16_t *regs, unsigned count, char *out,
                          size_t outlen);
/* Its inverse: text into count registers, NUL-padded (cut at 2 x count).
 * Returns 0 or -1 as above. */
int mvg_codec_encode_text(mvg_order order, const char *text, unsigned count, uint16_t *regs);

/* Span of the type's integer range (2^16, 2^32, 2^64), 0 for floats and bool:
 * the amount a counter of this type wraps by. */
double mvg_codec_wrap_span(mvg_type type);

#endif
