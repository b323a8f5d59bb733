/*
 * codec.c: register <-> value conversion for every type and byte order.
 *
 * The order's name is the map: the i-th letter names which byte of the
 * big-endian value travels as the i-th wire byte (registers in order, high
 * byte first). Using the name itself keeps decode and encode exact inverses
 * of each other and of modbus_types.h's documentation.
 */
#include "codec.h"

#include <math.h>
#include <string.h>

/* Gathers the wire bytes of regs into the big-endian value bytes be[]. */
static int to_big_endian(mvg_type type, mvg_order order, const uint16_t *regs, uint8_t *be)
{
    if (!mvg_order_fits_type(order, type))
        return -1;
    const char *map = mvg_order_name(order);
    unsigned n = mvg_type_bytes(type);
    for (unsigned i = 0; i < n; i++) {
        uint16_t w = regs[i / 2];
        uint8_t wire = (i % 2 == 0) ? (uint8_t)(w >> 8) : (uint8_t)(w & 0xff);
        be[map[i] - 'A'] = wire;
    }
    return 0;
}

static int from_big_endian(mvg_type type, mvg_order order, const uint8_t *be, uint16_t *regs)
{
    if (!mvg_order_fits_type(order, type))
        return -1;
    const char *map = mvg_order_name(order);
    unsigned n = mvg_type_bytes(type);
    for (unsigned i = 0; i < n; i += 2) {
        uint8_t hi = be[map[i] - 'A'];
        uint8_t lo = be[map[i + 1] - 'A'];
        regs[i / 2] = (uint16_t)((hi << 8) | lo);
    }
    return 0;
}

static uint64_t be_to_u64(const uint8_t *be, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | be[i];
    return v;
}

static void u64_to_be(uint64_t v, uint8_t *be, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        be[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

int mvg_codec_decode(mvg_type type, mvg_order order, const uint16_t *regs, double *raw)
{
    uint8_t be[8];
    if (!regs || !raw || to_big_endian(type, order, regs, be) != 0)
        return -1;
    uint64_t u = be_to_u64(be, mvg_type_bytes(type));
    switch (type) {
    case MVG_TYPE_BOOL:
        *raw = u != 0 ? 1.0 : 0.0;
        return 0;
    case MVG_TYPE_INT16:
        *raw = (double)(int16_t)(uint16_t)u;
        return 0;
    case MVG_TYPE_UINT16:
    case MVG_TYPE_UINT32:
    case MVG_TYPE_UINT64:
        *raw = (double)u;
        return 0;
    case MVG_TYPE_INT32:
        *raw = (double)(int32_t)(uint32_t)u;
        return 0;
    case MVG_TYPE_INT64:
        *raw = (double)(int64_t)u;
        return 0;
    case MVG_TYPE_FLOAT32: {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof f);
        *raw = (double)f;
        return 0;
    }
    case MVG_TYPE_FLOAT64: {
        double d;
        memcpy(&d, &u, sizeof d);
        *raw = d;
        return 0;
    }
    case MVG_TYPE_STRING:
        return -1;
    }
    return -1;
}

int mvg_codec_decode_bits(mvg_type type, mvg_order order, const uint16_t *regs, uint64_t *bits)
{
    uint8_t be[8];
    if (!regs || !bits || !mvg_type_is_int64(type) || to_big_endian(type, order, regs, be) != 0)
        return -1;
    *bits = be_to_u64(be, 8);
    return 0;
}

int mvg_codec_encode_bits(mvg_type type, mvg_order order, uint64_t bits, uint16_t *regs)
{
    uint8_t be[8];
    if (!regs || !mvg_type_is_int64(type))
        return -1;
    u64_to_be(bits, be, 8);
    return from_big_endian(type, order, be, regs);
}

int mvg_codec_decode_text(mvg_order order, const uint16_t *regs, unsigned count, char *out,
                          size_t outlen)
{
    if (!regs || !out || outlen == 0 || count == 0 ||
        (order != MVG_ORDER_AB && order != MVG_ORDER_BA))
        return -1;
    size_t n = 0;
    for (unsigned i = 0; i < 2 * count && n + 1 < outlen; i++) {
        uint16_t w = regs[i / 2];
        int high = (i % 2 == 0) == (order == MVG_ORDER_AB);
        uint8_t c = high ? (uint8_t)(w >> 8) : (uint8_t)(w & 0xff);
        if (c == 0)
            break;
        out[n++] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return (int)n;
}

int mvg_codec_encode_text(mvg_order order, const char *text, unsigned count, uint16_t *regs)
{
    if (!regs || !text || count == 0 || (order != MVG_ORDER_AB && order != MVG_ORDER_BA))
        return -1;
    size_t len = strlen(text);
    for (unsigned r = 0; r < count; r++) {
        uint8_t a = 2 * r < len ? (uint8_t)text[2 * r] : 0;
        uint8_t b = 2 * r + 1 < len && 2 * r < len ? (uint8_t)text[2 * r + 1] : 0;
        regs[r] = order == MVG_ORDER_AB ? (uint16_t)((a << 8) | b) : (uint16_t)((b << 8) | a);
    }
    return 0;
}

/*
 * Integer encodings round to the nearest integer and refuse values the type
 * cannot hold (and NaN): silently wrapping would serve a different value
 * than the caller asked for. A simulator wanting a counter to roll over
 * reduces the value modulo mvg_codec_wrap_span() itself.
 */
static int int_bits(mvg_type type, double raw, uint64_t *out)
{
    if (!isfinite(raw))
        return -1;
    double r = nearbyint(raw);
    switch (type) {
    case MVG_TYPE_BOOL:
        *out = raw != 0.0 ? 1 : 0;
        return 0;
    case MVG_TYPE_INT16:
        if (r < -32768.0 || r > 32767.0)
            return -1;
        *out = (uint16_t)(int16_t)r;
        return 0;
    case MVG_TYPE_UINT16:
        if (r < 0.0 || r > 65535.0)
            return -1;
        *out = (uint16_t)r;
        return 0;
    case MVG_TYPE_INT32:
        if (r < -2147483648.0 || r > 2147483647.0)
            return -1;
        *out = (uint32_t)(int32_t)r;
        return 0;
    case MVG_TYPE_UINT32:
        if (r < 0.0 || r > 4294967295.0)
            return -1;
        *out = (uint32_t)r;
        return 0;
    case MVG_TYPE_INT64:
        /* 2^63 itself is not representable; -2^63 is. */
        if (r < -9223372036854775808.0 || r >= 9223372036854775808.0)
            return -1;
        *out = (uint64_t)(int64_t)r;
        return 0;
    case MVG_TYPE_UINT64:
        if (r < 0.0 || r >= 18446744073709551616.0)
            return -1;
        *out = (uint64_t)r;
        return 0;
    default:
        return -1;
    }
}

int mvg_codec_encode(mvg_type type, mvg_order order, double raw, uint16_t *regs)
{
    if (!regs || !mvg_order_fits_type(order, type))
        return -1;
    uint64_t u;
    if (type == MVG_TYPE_FLOAT32) {
        float f = (float)raw;
        uint32_t u32;
        memcpy(&u32, &f, sizeof u32);
        u = u32;
    } else if (type == MVG_TYPE_FLOAT64) {
        memcpy(&u, &raw, sizeof u);
    } else if (int_bits(type, raw, &u) != 0) {
        return -1;
    }
    uint8_t be[8];
    unsigned n = mvg_type_bytes(type);
    u64_to_be(u, be, n);
    return from_big_endian(type, order, be, regs);
}

double mvg_codec_wrap_span(mvg_type type)
{
    switch (type) {
    case MVG_TYPE_INT16:
    case MVG_TYPE_UINT16:
        return 65536.0;
    case MVG_TYPE_INT32:
    case MVG_TYPE_UINT32:
        return 4294967296.0;
    case MVG_TYPE_INT64:
    case MVG_TYPE_UINT64:
        return 18446744073709551616.0;
    default:
        return 0.0;
    }
}
