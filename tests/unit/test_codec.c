/*
 * test_codec.c: register decoding and encoding for every type and byte
 * order, against register words written out by hand from the IEEE 754 and
 * two's-complement byte patterns (e.g. float32 230.5 = 43 66 80 00, so
 * ABCD = 0x4366 0x8000, CDAB = 0x8000 0x4366, BADC = 0x6643 0x0080,
 * DCBA = 0x0080 0x6643), then encode/decode round trips.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"

typedef struct {
    mvg_type type;
    mvg_order order;
    uint16_t regs[4];
    double value;
} vec;

static const vec vectors[] = {
    {MVG_TYPE_BOOL, MVG_ORDER_AB, {0x0001}, 1.0},
    {MVG_TYPE_BOOL, MVG_ORDER_AB, {0x0000}, 0.0},
    {MVG_TYPE_BOOL, MVG_ORDER_BA, {0x0100}, 1.0},
    {MVG_TYPE_UINT16, MVG_ORDER_AB, {0x1234}, 4660.0},
    {MVG_TYPE_UINT16, MVG_ORDER_BA, {0x3412}, 4660.0},
    {MVG_TYPE_UINT16, MVG_ORDER_AB, {0xFFFF}, 65535.0},
    {MVG_TYPE_INT16, MVG_ORDER_AB, {0xFFFE}, -2.0},
    {MVG_TYPE_INT16, MVG_ORDER_BA, {0xFEFF}, -2.0},
    {MVG_TYPE_INT16, MVG_ORDER_AB, {0x8000}, -32768.0},
    {MVG_TYPE_INT16, MVG_ORDER_AB, {0x7FFF}, 32767.0},
    /* -123456789 = F8 A4 32 EB */
    {MVG_TYPE_INT32, MVG_ORDER_ABCD, {0xF8A4, 0x32EB}, -123456789.0},
    {MVG_TYPE_INT32, MVG_ORDER_CDAB, {0x32EB, 0xF8A4}, -123456789.0},
    {MVG_TYPE_INT32, MVG_ORDER_BADC, {0xA4F8, 0xEB32}, -123456789.0},
    {MVG_TYPE_INT32, MVG_ORDER_DCBA, {0xEB32, 0xA4F8}, -123456789.0},
    /* 3000000000 = B2 D0 5E 00 */
    {MVG_TYPE_UINT32, MVG_ORDER_ABCD, {0xB2D0, 0x5E00}, 3000000000.0},
    {MVG_TYPE_UINT32, MVG_ORDER_CDAB, {0x5E00, 0xB2D0}, 3000000000.0},
    {MVG_TYPE_UINT32, MVG_ORDER_BADC, {0xD0B2, 0x005E}, 3000000000.0},
    {MVG_TYPE_UINT32, MVG_ORDER_DCBA, {0x005E, 0xD0B2}, 3000000000.0},
    /* 1.0f = 3F 80 00 00; 230.5f = 43 66 80 00; -1.5f = BF C0 00 00 */
    {MVG_TYPE_FLOAT32, MVG_ORDER_ABCD, {0x3F80, 0x0000}, 1.0},
    {MVG_TYPE_FLOAT32, MVG_ORDER_CDAB, {0x0000, 0x3F80}, 1.0},
    {MVG_TYPE_FLOAT32, MVG_ORDER_ABCD, {0x4366, 0x8000}, 230.5},
    {MVG_TYPE_FLOAT32, MVG_ORDER_CDAB, {0x8000, 0x4366}, 230.5},
    {MVG_TYPE_FLOAT32, MVG_ORDER_BADC, {0x6643, 0x0080}, 230.5},
    {MVG_TYPE_FLOAT32, MVG_ORDER_DCBA, {0x0080, 0x6643}, 230.5},
    {MVG_TYPE_FLOAT32, MVG_ORDER_DCBA, {0x0000, 0xC0BF}, -1.5},
    /* 0x0102030405060700 = 72623859790382848 (exact in a double) */
    {MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH, {0x0102, 0x0304, 0x0506, 0x0700}, 72623859790382848.0},
    {MVG_TYPE_UINT64, MVG_ORDER_GHEFCDAB, {0x0700, 0x0506, 0x0304, 0x0102}, 72623859790382848.0},
    {MVG_TYPE_UINT64, MVG_ORDER_BADCFEHG, {0x0201, 0x0403, 0x0605, 0x0007}, 72623859790382848.0},
    {MVG_TYPE_UINT64, MVG_ORDER_HGFEDCBA, {0x0007, 0x0605, 0x0403, 0x0201}, 72623859790382848.0},
    {MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH, {0x8000, 0x0000, 0x0000, 0x0000}, 9223372036854775808.0},
    /* its negative: FE FD FC FB FA F9 F9 00 */
    {MVG_TYPE_INT64, MVG_ORDER_ABCDEFGH, {0xFEFD, 0xFCFB, 0xFAF9, 0xF900}, -72623859790382848.0},
    {MVG_TYPE_INT64, MVG_ORDER_GHEFCDAB, {0xF900, 0xFAF9, 0xFCFB, 0xFEFD}, -72623859790382848.0},
    {MVG_TYPE_INT64, MVG_ORDER_BADCFEHG, {0xFDFE, 0xFBFC, 0xF9FA, 0x00F9}, -72623859790382848.0},
    {MVG_TYPE_INT64, MVG_ORDER_HGFEDCBA, {0x00F9, 0xF9FA, 0xFBFC, 0xFDFE}, -72623859790382848.0},
    {MVG_TYPE_INT64, MVG_ORDER_ABCDEFGH, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}, -2.0},
    /* -0.1 = BF B9 99 99 99 99 99 9A; 1.0 = 3F F0 00 .. */
    {MVG_TYPE_FLOAT64, MVG_ORDER_ABCDEFGH, {0xBFB9, 0x9999, 0x9999, 0x999A}, -0.1},
    {MVG_TYPE_FLOAT64, MVG_ORDER_GHEFCDAB, {0x999A, 0x9999, 0x9999, 0xBFB9}, -0.1},
    {MVG_TYPE_FLOAT64, MVG_ORDER_BADCFEHG, {0xB9BF, 0x9999, 0x9999, 0x9A99}, -0.1},
    {MVG_TYPE_FLOAT64, MVG_ORDER_HGFEDCBA, {0x9A99, 0x9999, 0x9999, 0xB9BF}, -0.1},
    {MVG_TYPE_FLOAT64, MVG_ORDER_ABCDEFGH, {0x3FF0, 0x0000, 0x0000, 0x0000}, 1.0},
    {MVG_TYPE_FLOAT64, MVG_ORDER_HGFEDCBA, {0x0000, 0x0000, 0x0000, 0xF03F}, 1.0},
};

static void test_decode_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const vec *v = &vectors[i];
        double raw = 12345.0;
        assert_int_equal(mvg_codec_decode(v->type, v->order, v->regs, &raw), 0);
        if (raw != v->value)
            fail_msg("vector %zu (%s %s): decoded %.17g, expected %.17g", i,
                     mvg_type_name(v->type), mvg_order_name(v->order), raw, v->value);
    }
}

static void test_encode_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const vec *v = &vectors[i];
        uint16_t regs[4] = {0xDEAD, 0xDEAD, 0xDEAD, 0xDEAD};
        assert_int_equal(mvg_codec_encode(v->type, v->order, v->value, regs), 0);
        unsigned n = mvg_type_registers(v->type);
        for (unsigned k = 0; k < n; k++)
            if (regs[k] != v->regs[k])
                fail_msg("vector %zu (%s %s): register %u is 0x%04x, expected 0x%04x", i,
                         mvg_type_name(v->type), mvg_order_name(v->order), k, regs[k], v->regs[k]);
        /* Nothing written past the type's width. */
        for (unsigned k = n; k < 4; k++)
            assert_int_equal(regs[k], 0xDEAD);
    }
}

static void test_orders_that_do_not_fit(void **state)
{
    (void)state;
    uint16_t regs[4] = {1, 2, 3, 4};
    double raw = 7.0;
    assert_int_equal(mvg_codec_decode(MVG_TYPE_INT16, MVG_ORDER_ABCD, regs, &raw), -1);
    assert_int_equal(mvg_codec_decode(MVG_TYPE_FLOAT32, MVG_ORDER_AB, regs, &raw), -1);
    assert_int_equal(mvg_codec_decode(MVG_TYPE_FLOAT64, MVG_ORDER_CDAB, regs, &raw), -1);
    assert_int_equal(mvg_codec_decode(MVG_TYPE_UINT32, MVG_ORDER_HGFEDCBA, regs, &raw), -1);
    assert_int_equal(mvg_codec_decode(MVG_TYPE_UINT16, MVG_ORDER_AB, NULL, &raw), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT64, MVG_ORDER_DCBA, 1.0, regs), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT16, MVG_ORDER_AB, 1.0, NULL), -1);
    assert_true(raw == 7.0);
}

static void test_encode_refuses_what_the_type_cannot_hold(void **state)
{
    (void)state;
    uint16_t r[4];
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT16, MVG_ORDER_AB, 65536.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT16, MVG_ORDER_AB, -1.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT16, MVG_ORDER_AB, -32769.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT16, MVG_ORDER_AB, 32768.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT32, MVG_ORDER_ABCD, 2147483648.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT32, MVG_ORDER_ABCD, 4294967296.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT64, MVG_ORDER_ABCDEFGH,
                                      9223372036854775808.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH,
                                      18446744073709551616.0, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT32, MVG_ORDER_ABCD, NAN, r), -1);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT32, MVG_ORDER_ABCD, INFINITY, r), -1);
    /* Edges that fit. */
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT64, MVG_ORDER_ABCDEFGH,
                                      -9223372036854775808.0, r), 0);
    assert_int_equal(r[0], 0x8000);
    assert_int_equal(r[3], 0x0000);
    /* Integers round to nearest: 41.6 -> 42 = 0x002A. */
    assert_int_equal(mvg_codec_encode(MVG_TYPE_UINT16, MVG_ORDER_AB, 41.6, r), 0);
    assert_int_equal(r[0], 0x002A);
    assert_int_equal(mvg_codec_encode(MVG_TYPE_INT16, MVG_ORDER_AB, -41.6, r), 0);
    assert_int_equal(r[0], 0xFFD6);
    /* Floats carry NaN and Inf through (a simulator serves faults). */
    assert_int_equal(mvg_codec_encode(MVG_TYPE_FLOAT32, MVG_ORDER_ABCD, INFINITY, r), 0);
    assert_int_equal(r[0], 0x7F80);
    assert_int_equal(r[1], 0x0000);
}

static void test_round_trip_every_type_and_order(void **state)
{
    (void)state;
    static const struct {
        mvg_type type;
        double values[5];
    } cases[] = {
        {MVG_TYPE_INT16, {0, 1, -1, 32767, -32768}},
        {MVG_TYPE_UINT16, {0, 1, 255, 256, 65535}},
        {MVG_TYPE_INT32, {0, -1, 65536, 2147483647, -2147483648.0}},
        {MVG_TYPE_UINT32, {0, 1, 65535, 65536, 4294967295.0}},
        {MVG_TYPE_INT64, {0, -1, 4294967296.0, 9007199254740992.0, -9007199254740991.0}},
        {MVG_TYPE_UINT64, {0, 1, 4294967296.0, 9007199254740992.0, 18446744073709549568.0}},
        {MVG_TYPE_FLOAT32, {0, -0.0, 230.5, 1.5e-39 /* subnormal */, -3.4028234663852886e38}},
        {MVG_TYPE_FLOAT64, {0, 1.0 / 3.0, -1e-310, 1.7976931348623157e308, 123456.789}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int o = MVG_ORDER_AB; o <= MVG_ORDER_HGFEDCBA; o++) {
            mvg_order order = (mvg_order)o;
            if (!mvg_order_fits_type(order, cases[c].type))
                continue;
            for (int k = 0; k < 5; k++) {
                uint16_t regs[4];
                double back;
                double v = cases[c].values[k];
                /* float32 keeps the float's value, not the double's. */
                double expect = cases[c].type == MVG_TYPE_FLOAT32 ? (double)(float)v : v;
                assert_int_equal(mvg_codec_encode(cases[c].type, order, v, regs), 0);
                assert_int_equal(mvg_codec_decode(cases[c].type, order, regs, &back), 0);
                if (memcmp(&back, &expect, sizeof back) != 0)
                    fail_msg("%s %s: %.17g came back as %.17g", mvg_type_name(cases[c].type),
                             mvg_order_name(order), expect, back);
            }
        }
    }
}

static void test_wrap_span(void **state)
{
    (void)state;
    assert_true(mvg_codec_wrap_span(MVG_TYPE_UINT16) == 65536.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_INT16) == 65536.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_UINT32) == 4294967296.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_INT32) == 4294967296.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_UINT64) == 18446744073709551616.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_INT64) == 18446744073709551616.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_FLOAT32) == 0.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_FLOAT64) == 0.0);
    assert_true(mvg_codec_wrap_span(MVG_TYPE_BOOL) == 0.0);
}

/* 64-bit integers exactly, in every 64-bit order: the values a double
 * rounds (2^53 + 1, 2^64 - 1, INT64_MIN + 1), from registers written the
 * way the wire carries them. */
static void test_exact_64bit(void **state)
{
    (void)state;
    uint64_t bits = 0;
    /* 2^53 + 1 = 0x0020000000000001, ABCDEFGH */
    const uint16_t p53[4] = {0x0020, 0x0000, 0x0000, 0x0001};
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH, p53, &bits), 0);
    assert_true(bits == 9007199254740993ULL);
    double d = 0;
    assert_int_equal(mvg_codec_decode(MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH, p53, &d), 0);
    assert_true(d == 9007199254740992.0); /* what the double makes of it */
    /* the same value word-swapped (GHEFCDAB: the low register first) */
    const uint16_t p53_swapped[4] = {0x0001, 0x0000, 0x0000, 0x0020};
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT64, MVG_ORDER_GHEFCDAB, p53_swapped, &bits), 0);
    assert_true(bits == 9007199254740993ULL);
    const uint16_t all[4] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT64, MVG_ORDER_HGFEDCBA, all, &bits), 0);
    assert_true(bits == UINT64_MAX);
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_INT64, MVG_ORDER_ABCDEFGH, all, &bits), 0);
    assert_true((int64_t)bits == -1);
    /* INT64_MIN + 1 = 0x8000000000000001, BADCFEHG (bytes swapped in each register) */
    const uint16_t m[4] = {0x0080, 0x0000, 0x0000, 0x0100};
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_INT64, MVG_ORDER_BADCFEHG, m, &bits), 0);
    assert_true((int64_t)bits == INT64_MIN + 1);
    /* encode_bits is the inverse, for every 64-bit order */
    static const uint64_t values[] = {0, 1, 9007199254740993ULL, 0x8000000000000001ULL,
                                      0x0102030405060708ULL, UINT64_MAX};
    for (int o = MVG_ORDER_ABCDEFGH; o <= MVG_ORDER_HGFEDCBA; o++)
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            uint16_t regs[4];
            assert_int_equal(mvg_codec_encode_bits(MVG_TYPE_INT64, (mvg_order)o, values[k], regs), 0);
            assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_INT64, (mvg_order)o, regs, &bits), 0);
            assert_true(bits == values[k]);
        }
    /* only the 64-bit integer types, only orders that fit */
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_FLOAT64, MVG_ORDER_ABCDEFGH, all, &bits), -1);
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT32, MVG_ORDER_ABCD, all, &bits), -1);
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT64, MVG_ORDER_ABCD, all, &bits), -1);
    assert_int_equal(mvg_codec_decode_bits(MVG_TYPE_UINT64, MVG_ORDER_ABCDEFGH, NULL, &bits), -1);
}

/* Strings: two characters a register, AB (high byte first) or BA; the text
 * ends at the first NUL, padding spaces go, other bytes become '?'. */
static void test_text(void **state)
{
    (void)state;
    char out[MVG_TEXT_MAX + 1];
    /* "iEM3155" as an AB string of 5 registers, NUL-padded */
    const uint16_t ab[5] = {0x6945, 0x4D33, 0x3135, 0x3500, 0x0000};
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_AB, ab, 5, out, sizeof out), 7);
    assert_string_equal(out, "iEM3155");
    /* the same bytes read BA swap each pair (and meet the NUL sooner) */
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_BA, ab, 5, out, sizeof out), 6);
    assert_string_equal(out, "Ei3M51");
    /* BA as a meter writes it: low byte first */
    const uint16_t ba[4] = {0x4E53, 0x3231, 0x2033, 0x2020}; /* "SN123   " */
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_BA, ba, 4, out, sizeof out), 5);
    assert_string_equal(out, "SN123");
    /* a full string without a NUL: every character, trailing spaces kept out */
    const uint16_t full[2] = {0x4142, 0x4344};
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_AB, full, 2, out, sizeof out), 4);
    assert_string_equal(out, "ABCD");
    /* bytes outside printable ASCII, a short buffer */
    const uint16_t odd[2] = {0x41FF, 0x0A42};
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_AB, odd, 2, out, sizeof out), 4);
    assert_string_equal(out, "A??B");
    char small[3];
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_AB, full, 2, small, sizeof small), 2);
    assert_string_equal(small, "AB");
    /* encode is the inverse, padded with NULs */
    uint16_t regs[5];
    assert_int_equal(mvg_codec_encode_text(MVG_ORDER_AB, "iEM3155", 5, regs), 0);
    assert_memory_equal(regs, ab, sizeof ab);
    assert_int_equal(mvg_codec_encode_text(MVG_ORDER_BA, "SN123", 3, regs), 0);
    assert_int_equal(regs[0], 0x4E53);
    assert_int_equal(regs[2], 0x0033);
    /* orders of other widths, count 0 */
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_ABCD, ab, 5, out, sizeof out), -1);
    assert_int_equal(mvg_codec_decode_text(MVG_ORDER_AB, ab, 0, out, sizeof out), -1);
    assert_int_equal(mvg_codec_encode_text(MVG_ORDER_CDAB, "x", 1, regs), -1);
    /* a string is no number */
    double d;
    assert_int_equal(mvg_codec_decode(MVG_TYPE_STRING, MVG_ORDER_AB, ab, &d), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_vectors),
        cmocka_unit_test(test_encode_vectors),
        cmocka_unit_test(test_orders_that_do_not_fit),
        cmocka_unit_test(test_encode_refuses_what_the_type_cannot_hold),
        cmocka_unit_test(test_round_trip_every_type_and_order),
        cmocka_unit_test(test_wrap_span),
        cmocka_unit_test(test_exact_64bit),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
