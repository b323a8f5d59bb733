/*
 * test_point.c: one point from registers to a sample: scale and offset,
 * NaN/Inf -> invalid, min/max -> out_of_range, bits, undecodable points;
 * and the counter tracker: rollover at the type's wrap (the quarter-range
 * rule at its exact boundary), resets, floats that never roll over.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "point.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_close(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static mvg_point_cfg pt(mvg_area area, mvg_type type, mvg_kind kind)
{
    mvg_point_cfg p;
    memset(&p, 0, sizeof p);
    p.name = "p";
    p.unit = "";
    p.area = area;
    p.type = type;
    p.order = mvg_type_default_order(type);
    p.scale = 1.0;
    p.kind = kind;
    return p;
}

static void test_scale_and_offset(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT16, MVG_KIND_GAUGE);
    p.scale = 0.1;
    p.offset = -5.0;
    uint16_t regs[] = {1234};
    double raw, value;
    mvg_quality q;
    assert_int_equal(mvg_point_decode(&p, regs, NULL, &raw, &value, &q), 0);
    assert_true(raw == 1234.0);
    assert_close(value, 118.4, 1e-12);
    assert_int_equal(q, MVG_Q_GOOD);

    /* int32 CDAB, -123456789 (F8A4 32EB), in kWh from Wh. */
    p = pt(MVG_AREA_INPUT, MVG_TYPE_INT32, MVG_KIND_GAUGE);
    p.order = MVG_ORDER_CDAB;
    p.scale = 0.001;
    uint16_t r2[] = {0x32EB, 0xF8A4};
    assert_int_equal(mvg_point_decode(&p, r2, NULL, &raw, &value, &q), 0);
    assert_true(raw == -123456789.0);
    assert_close(value, -123456.789, 1e-9);
}

static void test_nan_and_inf_are_invalid(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_FLOAT32, MVG_KIND_GAUGE);
    double raw, value;
    mvg_quality q;
    uint16_t nan_regs[] = {0x7FC0, 0x0000};
    assert_int_equal(mvg_point_decode(&p, nan_regs, NULL, &raw, &value, &q), 0);
    assert_int_equal(q, MVG_Q_INVALID);
    assert_true(isnan(raw));
    uint16_t inf_regs[] = {0xFF80, 0x0000};
    assert_int_equal(mvg_point_decode(&p, inf_regs, NULL, &raw, &value, &q), 0);
    assert_int_equal(q, MVG_Q_INVALID);
    assert_true(isinf(raw) && raw < 0);

    /* A finite raw value that the scale pushes past the double range. */
    p = pt(MVG_AREA_HOLDING, MVG_TYPE_FLOAT64, MVG_KIND_GAUGE);
    p.scale = 1e10;
    uint16_t big[] = {0x7E37, 0xE43C, 0x8800, 0x759C}; /* 1e300 */
    assert_int_equal(mvg_point_decode(&p, big, NULL, &raw, &value, &q), 0);
    assert_true(raw == 1e300);
    assert_true(isinf(value));
    assert_int_equal(q, MVG_Q_INVALID);

    /* NaN outranks a min/max check. */
    p = pt(MVG_AREA_HOLDING, MVG_TYPE_FLOAT32, MVG_KIND_GAUGE);
    p.has_min = p.has_max = 1;
    p.min = 0;
    p.max = 10;
    assert_int_equal(mvg_point_decode(&p, nan_regs, NULL, &raw, &value, &q), 0);
    assert_int_equal(q, MVG_Q_INVALID);
}

static void test_min_max(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_INT16, MVG_KIND_GAUGE);
    p.scale = 0.5;
    p.has_min = 1;
    p.min = -10.0;
    p.has_max = 1;
    p.max = 100.0;
    double raw, value;
    mvg_quality q;
    struct {
        uint16_t reg;
        double value;
        mvg_quality q;
    } cases[] = {
        {200, 100.0, MVG_Q_GOOD},            /* on the max: still good */
        {201, 100.5, MVG_Q_OUT_OF_RANGE},
        {0xFFEC, -10.0, MVG_Q_GOOD},          /* -20 * 0.5, on the min */
        {0xFFEB, -10.5, MVG_Q_OUT_OF_RANGE},  /* -21 * 0.5 */
        {0, 0.0, MVG_Q_GOOD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mvg_point_decode(&p, &cases[i].reg, NULL, &raw, &value, &q), 0);
        assert_true(value == cases[i].value);
        assert_int_equal(q, cases[i].q);
    }
    /* Only the configured side is checked. */
    p.has_min = 0;
    uint16_t low = 0x8000; /* -32768 -> -16384 */
    assert_int_equal(mvg_point_decode(&p, &low, NULL, &raw, &value, &q), 0);
    assert_true(value == -16384.0);
    assert_int_equal(q, MVG_Q_GOOD);
}

static void test_bits_and_undecodable(void **state)
{
    (void)state;
    double raw, value;
    mvg_quality q;
    mvg_point_cfg p = pt(MVG_AREA_COIL, MVG_TYPE_BOOL, MVG_KIND_GAUGE);
    uint8_t bits[] = {0, 1};
    assert_int_equal(mvg_point_decode(&p, NULL, bits + 1, &raw, &value, &q), 0);
    assert_true(value == 1.0);
    assert_int_equal(q, MVG_Q_GOOD);
    assert_int_equal(mvg_point_decode(&p, NULL, bits, &raw, &value, &q), 0);
    assert_true(value == 0.0);
    /* Scale applies to bits too (a pump's rated kW when on). */
    p.area = MVG_AREA_DISCRETE;
    p.scale = 7.5;
    assert_int_equal(mvg_point_decode(&p, NULL, bits + 1, &raw, &value, &q), 0);
    assert_true(raw == 1.0);
    assert_true(value == 7.5);

    /* A bool in a register area is a whole register, non-zero = 1. */
    p = pt(MVG_AREA_HOLDING, MVG_TYPE_BOOL, MVG_KIND_GAUGE);
    uint16_t r = 0x0400;
    assert_int_equal(mvg_point_decode(&p, &r, NULL, &raw, &value, &q), 0);
    assert_true(value == 1.0);

    /* Undecodable: non-bool in a bit area, missing buffer, wrong order. */
    p = pt(MVG_AREA_COIL, MVG_TYPE_UINT16, MVG_KIND_GAUGE);
    assert_int_equal(mvg_point_decode(&p, &r, bits, &raw, &value, &q), -1);
    assert_true(isnan(value) && isnan(raw));
    assert_int_equal(q, MVG_Q_INVALID);
    p = pt(MVG_AREA_COIL, MVG_TYPE_BOOL, MVG_KIND_GAUGE);
    assert_int_equal(mvg_point_decode(&p, &r, NULL, &raw, &value, &q), -1);
    p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT32, MVG_KIND_GAUGE);
    assert_int_equal(mvg_point_decode(&p, NULL, bits, &raw, &value, &q), -1);
    p.order = MVG_ORDER_AB;
    uint16_t two[] = {1, 2};
    q = MVG_Q_GOOD;
    assert_int_equal(mvg_point_decode(&p, two, NULL, &raw, &value, &q), -1);
    assert_int_equal(q, MVG_Q_INVALID);
    assert_int_equal(mvg_point_decode(NULL, two, NULL, &raw, &value, &q), -1);
}

/* Feeds raw readings through the tracker; checks step, quality, rolled. */
typedef struct {
    double raw;
    double step;
    mvg_quality q;
    int rolled;
} step_case;

/* bit = N: one bit of a register, counted after the register's byte order. */
static void test_register_bit(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_BOOL, MVG_KIND_GAUGE);
    p.has_bit = 1;
    uint16_t regs[] = {0xA005}; /* bits 0, 2, 13, 15 */
    static const int want[16] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    double raw, value;
    mvg_quality q;
    for (unsigned b = 0; b < 16; b++) {
        p.bit = b;
        assert_int_equal(mvg_point_decode(&p, regs, NULL, &raw, &value, &q), 0);
        assert_int_equal(q, MVG_Q_GOOD);
        assert_close(value, want[b], 0);
    }
    /* BA: the bytes are swapped first */
    p.order = MVG_ORDER_BA;
    p.bit = 8; /* 0x05A0 after the swap: bit 8 is set (0x0100), bit 0 is not */
    assert_int_equal(mvg_point_decode(&p, regs, NULL, &raw, &value, &q), 0);
    assert_close(value, 1, 0);
    p.bit = 0;
    assert_int_equal(mvg_point_decode(&p, regs, NULL, &raw, &value, &q), 0);
    assert_close(value, 0, 0);
    /* without bit, a bool register is true when non-zero */
    p = pt(MVG_AREA_INPUT, MVG_TYPE_BOOL, MVG_KIND_GAUGE);
    uint16_t only_high[] = {0x8000};
    assert_int_equal(mvg_point_decode(&p, only_high, NULL, &raw, &value, &q), 0);
    assert_close(value, 1, 0);
}

static void run_steps(const mvg_point_cfg *p, const step_case *c, size_t n, mvg_counter_track *t)
{
    for (size_t i = 0; i < n; i++) {
        mvg_quality q = MVG_Q_GOOD;
        assert_int_equal(mvg_point_counter_step(t, p, c[i].raw, &q), 0);
        if (t->step_raw != c[i].step || q != c[i].q || t->rolled != c[i].rolled)
            fail_msg("step %zu (raw %.17g): step %.17g q %s rolled %d; expected %.17g %s %d", i,
                     c[i].raw, t->step_raw, mvg_quality_name(q), t->rolled, c[i].step,
                     mvg_quality_name(c[i].q), c[i].rolled);
    }
}

static void test_counter_uint16_rollover_and_reset(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT16, MVG_KIND_COUNTER);
    mvg_counter_track t = {0};
    const step_case c[] = {
        {65000, 0, MVG_Q_GOOD, 0},   /* first reading: no step */
        {65530, 530, MVG_Q_GOOD, 0},
        {5, 11, MVG_Q_GOOD, 1},      /* 65530 -> 65535 -> 0 -> 5: 11 steps */
        {100, 95, MVG_Q_GOOD, 0},
        {40, 0, MVG_Q_COUNTER_RESET, 0}, /* backwards in the middle: a reset */
        {50, 10, MVG_Q_GOOD, 0},     /* counts on from the reset value */
        {50, 0, MVG_Q_GOOD, 0},
    };
    run_steps(&p, c, sizeof c / sizeof c[0], &t);
    assert_int_equal(t.rollovers, 1);
    assert_int_equal(t.resets, 1);
    assert_true(t.prev_raw == 50.0);
}

static void test_counter_quarter_rule_boundary(void **state)
{
    (void)state;
    /* uint32: a rollover when raw + 2^32 - prev < 2^30. */
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT32, MVG_KIND_COUNTER);
    mvg_counter_track t = {0};
    const step_case c[] = {
        {3221225473.0, 0, MVG_Q_GOOD, 0},
        {0, 1073741823.0, MVG_Q_GOOD, 1}, /* 2^30 - 1: just inside */
        {3221225472.0, 3221225472.0, MVG_Q_GOOD, 0},
        {0, 0, MVG_Q_COUNTER_RESET, 0},   /* exactly 2^30: a reset */
    };
    run_steps(&p, c, sizeof c / sizeof c[0], &t);
    assert_int_equal(t.rollovers, 1);
    assert_int_equal(t.resets, 1);
}

static void test_counter_signed_types(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_INT16, MVG_KIND_COUNTER);
    mvg_counter_track t = {0};
    const step_case c16[] = {
        {32760, 0, MVG_Q_GOOD, 0},
        {32767, 7, MVG_Q_GOOD, 0},
        {-32768, 1, MVG_Q_GOOD, 1},
        {-32000, 768, MVG_Q_GOOD, 0},
        {-32100, 0, MVG_Q_COUNTER_RESET, 0},
    };
    run_steps(&p, c16, sizeof c16 / sizeof c16[0], &t);

    p = pt(MVG_AREA_HOLDING, MVG_TYPE_INT32, MVG_KIND_COUNTER);
    memset(&t, 0, sizeof t);
    const step_case c32[] = {
        {2147483000.0, 0, MVG_Q_GOOD, 0},
        {-2147483000.0, 1296.0, MVG_Q_GOOD, 1}, /* 647 up to 2^31-1, 1 over, 648 on */
        {0, 2147483000.0, MVG_Q_GOOD, 0},
    };
    run_steps(&p, c32, sizeof c32 / sizeof c32[0], &t);
}

static void test_counter_float_never_rolls_over(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_FLOAT32, MVG_KIND_COUNTER);
    mvg_counter_track t = {0};
    const step_case c[] = {
        {16777000.0, 0, MVG_Q_GOOD, 0},
        {16777216.0, 216, MVG_Q_GOOD, 0},
        {1.0, 0, MVG_Q_COUNTER_RESET, 0}, /* near a float's integer limit, still a reset */
        {2.5, 1.5, MVG_Q_GOOD, 0},
    };
    run_steps(&p, c, sizeof c / sizeof c[0], &t);
    assert_int_equal(t.rollovers, 0);
    assert_int_equal(t.resets, 1);
}

static void test_counter_ignores_bad_readings_and_gauges(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT16, MVG_KIND_COUNTER);
    mvg_counter_track t = {0};
    mvg_quality q = MVG_Q_GOOD;
    assert_int_equal(mvg_point_counter_step(&t, &p, 100, &q), 0);
    q = MVG_Q_COMM_ERROR;
    assert_int_equal(mvg_point_counter_step(&t, &p, 3, &q), 0);
    assert_int_equal(q, MVG_Q_COMM_ERROR);
    q = MVG_Q_OUT_OF_RANGE;
    assert_int_equal(mvg_point_counter_step(&t, &p, 2, &q), 0);
    assert_int_equal(q, MVG_Q_OUT_OF_RANGE);
    assert_true(t.prev_raw == 100.0);
    assert_int_equal(t.resets, 0);
    q = MVG_Q_GOOD;
    assert_int_equal(mvg_point_counter_step(&t, &p, 104, &q), 0);
    assert_true(t.step_raw == 4.0);

    mvg_point_cfg g = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT16, MVG_KIND_GAUGE);
    mvg_counter_track tg = {0};
    q = MVG_Q_GOOD;
    assert_int_equal(mvg_point_counter_step(&tg, &g, 100, &q), 0);
    assert_int_equal(mvg_point_counter_step(&tg, &g, 1, &q), 0);
    assert_int_equal(q, MVG_Q_GOOD);
    assert_int_equal(tg.have_prev, 0);

    assert_int_equal(mvg_point_counter_step(NULL, &p, 1, &q), -1);
    assert_int_equal(mvg_point_counter_step(&t, NULL, 1, &q), -1);
    assert_int_equal(mvg_point_counter_step(&t, &p, 1, NULL), -1);
}

/* The exact raw value a sample carries: a uint64 2^64 - 1 and an int64
 * 2^53 + 1 with scale (the double is the scaled value, the raw exact), a
 * string's text with a NaN value and good quality; nothing for others. */
static void test_decode_raw(void **state)
{
    (void)state;
    mvg_point_cfg p = pt(MVG_AREA_HOLDING, MVG_TYPE_UINT64, MVG_KIND_COUNTER);
    uint16_t all[4] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
    char text[MVG_TEXT_MAX + 1];
    mvg_sample s = {.raw_kind = MVG_RAW_TEXT};
    mvg_point_decode_raw(&p, all, text, sizeof text, &s);
    assert_int_equal(s.raw_kind, MVG_RAW_UINT);
    assert_true(s.raw_u == UINT64_MAX);
    assert_null(s.text);

    p = pt(MVG_AREA_INPUT, MVG_TYPE_INT64, MVG_KIND_GAUGE);
    p.scale = 0.001;
    uint16_t p53[4] = {0x0020, 0x0000, 0x0000, 0x0001};
    double raw, value;
    mvg_quality q;
    assert_int_equal(mvg_point_decode(&p, p53, NULL, &raw, &value, &q), 0);
    mvg_point_decode_raw(&p, p53, text, sizeof text, &s);
    assert_int_equal(s.raw_kind, MVG_RAW_INT);
    assert_true(s.raw_i == 9007199254740993LL);
    assert_close(value, 9007199254740.993, 0.01);

    p = pt(MVG_AREA_HOLDING, MVG_TYPE_STRING, MVG_KIND_GAUGE);
    p.count = 4;
    uint16_t sn[4] = {0x4142, 0x2D31, 0x3233, 0x2000}; /* "AB-123 " */
    assert_int_equal(mvg_point_decode(&p, sn, NULL, &raw, &value, &q), 0);
    assert_true(isnan(value));
    assert_int_equal(q, MVG_Q_GOOD);
    mvg_point_decode_raw(&p, sn, text, sizeof text, &s);
    assert_int_equal(s.raw_kind, MVG_RAW_TEXT);
    assert_ptr_equal(s.text, text);
    assert_string_equal(s.text, "AB-123");
    assert_int_equal(mvg_point_width(&p), 4);
    p.order = MVG_ORDER_BA;
    mvg_point_decode_raw(&p, sn, text, sizeof text, &s);
    assert_string_equal(s.text, "BA1-32");
    /* without a text buffer, or for a float, nothing */
    mvg_point_decode_raw(&p, sn, NULL, 0, &s);
    assert_int_equal(s.raw_kind, MVG_RAW_NONE);
    p = pt(MVG_AREA_HOLDING, MVG_TYPE_FLOAT64, MVG_KIND_GAUGE);
    mvg_point_decode_raw(&p, all, text, sizeof text, &s);
    assert_int_equal(s.raw_kind, MVG_RAW_NONE);
    assert_int_equal(mvg_point_width(&p), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_and_offset),
        cmocka_unit_test(test_decode_raw),
        cmocka_unit_test(test_nan_and_inf_are_invalid),
        cmocka_unit_test(test_min_max),
        cmocka_unit_test(test_bits_and_undecodable),
        cmocka_unit_test(test_register_bit),
        cmocka_unit_test(test_counter_uint16_rollover_and_reset),
        cmocka_unit_test(test_counter_quarter_rule_boundary),
        cmocka_unit_test(test_counter_signed_types),
        cmocka_unit_test(test_counter_float_never_rolls_over),
        cmocka_unit_test(test_counter_ignores_bad_readings_and_gauges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
