/*
 * test_jsonw.c: numbers as text (base/numfmt) and the streaming JSON
 * writer (base/jsonw), and the telemetry payload written with it
 * (records/payload): every number reads back as the same double, the
 * documents parse (jansson) to what was written, and bad input fails the
 * document instead of producing broken JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "numfmt.h"
#include "payload.h"

static void check_round_trip(double v)
{
    char b[MVG_NUMFMT_LEN];
    int n = mvg_numfmt_double(v, b);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(b));
    char *end = NULL;
    double back = strtod(b, &end);
    assert_true(*end == '\0');
    if (back != v || signbit(back) != signbit(v))
        fail_msg("%.17g wrote as %s, which reads back as %.17g", v, b, back);
}

static void test_numfmt_shortest_for_few_decimals(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {55.05, "55.05"},        {99918.57, "99918.57"}, {0.1, "0.1"},   {-0.25, "-0.25"},
        {3.0, "3"},              {0.0, "0"},             {-0.0, "-0"},   {1e-5, "0.00001"},
        {123456789012.5, "123456789012.5"},              {0.000123, "0.000123"},
        {1.0 / 3.0, "0.3333333333333333"}, /* 16 digits are enough for 1/3 */
        {0.1 + 0.2, "0.30000000000000004"},
        {1e300, "1.0000000000000001e+300"}, /* the %.17g fallback */
        {4.9406564584124654e-324, "4.9406564584124654e-324"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char b[MVG_NUMFMT_LEN];
        mvg_numfmt_double(cases[i].v, b);
        assert_string_equal(b, cases[i].text);
        check_round_trip(cases[i].v);
    }
    char b[MVG_NUMFMT_LEN];
    assert_int_equal(mvg_numfmt_double(NAN, b), -1);
    assert_int_equal(mvg_numfmt_double(-INFINITY, b), -1);
}

static void test_numfmt_round_trips_random_doubles(void **state)
{
    (void)state;
    /* random bit patterns (every magnitude), float32 values widened (what a
     * meter's register gives), and decimals with a few places */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (isfinite(d))
            check_round_trip(d);
        float f;
        uint32_t u = (uint32_t)(x >> 32);
        memcpy(&f, &u, sizeof f);
        if (isfinite(f))
            check_round_trip((double)f);
        check_round_trip((double)(int64_t)(x % 100000000) / 1000.0);
        check_round_trip((double)(int64_t)(x % 1000) * 0.1);
    }
}

static void test_writer_separators_escapes_and_nesting(void **state)
{
    (void)state;
    mvg_jsonw *w = mvg_jsonw_new();
    assert_non_null(w);
    mvg_jsonw_obj(w);
    mvg_jsonw_key(w, "s");
    mvg_jsonw_str(w, "a\"b\\c\n\t\x01 \xc2\xb0" "C m\xc2\xb3");
    mvg_jsonw_key(w, "a");
    mvg_jsonw_arr(w);
    mvg_jsonw_num(w, 2.0);
    mvg_jsonw_num(w, NAN);
    mvg_jsonw_int(w, -9223372036854775807LL - 1);
    mvg_jsonw_bool(w, 1);
    mvg_jsonw_null(w);
    mvg_jsonw_obj(w);
    mvg_jsonw_obj_end(w);
    mvg_jsonw_arr_end(w);
    mvg_jsonw_key(w, "t");
    mvg_jsonw_raw(w, "\"x\"", 3);
    mvg_jsonw_obj_end(w);
    size_t len = 0;
    const char *doc = mvg_jsonw_done(w, &len);
    assert_non_null(doc);
    assert_string_equal(doc, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001 \xc2\xb0" "C m\xc2\xb3\","
                             "\"a\":[2.0,null,-9223372036854775808,true,null,{}],\"t\":\"x\"}");
    assert_int_equal(len, strlen(doc));
    json_error_t e;
    json_t *j = json_loadb(doc, len, 0, &e);
    assert_non_null(j);
    assert_true(json_is_real(json_array_get(json_object_get(j, "a"), 0)));
    json_decref(j);

    /* reused: a second document replaces the first */
    mvg_jsonw_reset(w);
    mvg_jsonw_arr(w);
    mvg_jsonw_arr_end(w);
    assert_string_equal(mvg_jsonw_done(w, NULL), "[]");
    mvg_jsonw_free(w);
}

static void test_writer_refuses_bad_utf8_and_unbalanced(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xff", "\xc0\xaf" /* overlong '/' */,
                                      "\xed\xa0\x80" /* a surrogate */, "\xe2\x82" /* cut */};
    mvg_jsonw *w = mvg_jsonw_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mvg_jsonw_reset(w);
        mvg_jsonw_arr(w);
        mvg_jsonw_str(w, bad[i]);
        mvg_jsonw_arr_end(w);
        assert_null(mvg_jsonw_done(w, NULL));
    }
    mvg_jsonw_reset(w);
    mvg_jsonw_obj(w);
    assert_null(mvg_jsonw_done(w, NULL)); /* not closed */
    mvg_jsonw_reset(w);
    mvg_jsonw_obj(w);
    mvg_jsonw_key(w, "k");
    mvg_jsonw_obj_end(w); /* a key without its value */
    assert_null(mvg_jsonw_done(w, NULL));
    mvg_jsonw_free(w);
}

static void test_telemetry_payload_parses_to_the_samples(void **state)
{
    (void)state;
    mvg_point_cfg pts[3];
    memset(pts, 0, sizeof pts);
    pts[0].name = "power_kw";
    pts[0].unit = "kW";
    pts[1].name = "temp";
    pts[1].unit = "\xc2\xb0" "C";
    pts[2].name = "freq";
    pts[2].unit = "Hz";
    mvg_device_cfg dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.name, sizeof dev.name, "comp_power");
    dev.points = pts;
    dev.npoints = 3;
    mvg_sample s[3] = {
        {.ts_ms = 1767583267250, .value = 55.05, .quality = MVG_Q_GOOD},
        {.ts_ms = 1767583267250, .value = 21.5, .quality = MVG_Q_GOOD},
        {.ts_ms = 1767583267300, .value = NAN, .quality = MVG_Q_EXCEPTION, .exception_code = 2},
    };
    mvg_sample_batch *bp = calloc(1, sizeof *bp + sizeof s);
    assert_non_null(bp);
    memcpy(bp->samples, s, sizeof s);
    bp->n = 3;
    bp->online = 1;
    mvg_jsonw *w = mvg_jsonw_new();
    size_t len = 0;
    const char *doc = mvg_payload_telemetry(w, "gw-1", &dev, bp, NULL, &len);
    assert_non_null(doc);
    json_error_t e;
    json_t *j = json_loadb(doc, len, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), MVG_SCHEMA_TELEMETRY);
    assert_true(json_is_true(json_object_get(j, "online")));
    json_t *sa = json_object_get(j, "samples");
    assert_int_equal(json_array_size(sa), 3);
    assert_true(json_real_value(json_object_get(json_array_get(sa, 0), "value")) == 55.05);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sa, 0), "ts")),
                        "2026-01-05T03:21:07.250Z");
    assert_string_equal(json_string_value(json_object_get(json_array_get(sa, 1), "unit")),
                        "\xc2\xb0" "C");
    json_t *third = json_array_get(sa, 2);
    assert_true(json_is_null(json_object_get(third, "value")));
    assert_string_equal(json_string_value(json_object_get(third, "ts")), "2026-01-05T03:21:07.300Z");
    assert_int_equal(json_integer_value(json_object_get(third, "exception_code")), 2);
    json_decref(j);

    /* only: the points picked */
    unsigned char only[3] = {0, 1, 0};
    doc = mvg_payload_telemetry(w, "gw-1", &dev, bp, only, &len);
    j = json_loadb(doc, len, 0, &e);
    assert_int_equal(json_array_size(json_object_get(j, "samples")), 1);
    json_decref(j);
    free(bp);
    mvg_jsonw_free(w);
}

/* Telemetry 2: a 64-bit integer's sample carries its raw value exactly
 * (2^64 - 1, INT64_MIN, 2^53 + 1: digits a double would round), a string
 * point's value is its text. */
static void test_telemetry_payload_exact_raw_and_text(void **state)
{
    (void)state;
    mvg_point_cfg pts[4];
    memset(pts, 0, sizeof pts);
    const char *names[] = {"u", "i", "p53", "model"};
    for (int k = 0; k < 4; k++) {
        pts[k].name = names[k];
        pts[k].unit = "";
    }
    mvg_device_cfg dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.name, sizeof dev.name, "m");
    dev.points = pts;
    dev.npoints = 4;
    mvg_sample s[4] = {
        {.ts_ms = 0, .value = 18446744073709551616.0, .quality = MVG_Q_GOOD,
         .raw_kind = MVG_RAW_UINT, .raw_u = UINT64_MAX},
        {.ts_ms = 0, .value = -9223372036854775808.0, .quality = MVG_Q_GOOD,
         .raw_kind = MVG_RAW_INT, .raw_i = INT64_MIN},
        {.ts_ms = 0, .value = 9007199254740992.0, .quality = MVG_Q_GOOD,
         .raw_kind = MVG_RAW_UINT, .raw_u = 9007199254740993ULL},
        {.ts_ms = 0, .value = NAN, .quality = MVG_Q_GOOD, .raw_kind = MVG_RAW_TEXT,
         .text = "DTSU666 \"x\""},
    };
    mvg_sample_batch *bp = calloc(1, sizeof *bp + sizeof s);
    assert_non_null(bp);
    memcpy(bp->samples, s, sizeof s);
    bp->n = 4;
    mvg_jsonw *w = mvg_jsonw_new();
    size_t len = 0;
    const char *doc = mvg_payload_telemetry(w, "gw", &dev, bp, NULL, &len);
    assert_non_null(doc);
    assert_string_equal(MVG_SCHEMA_TELEMETRY, "mvgate/telemetry/2");
    assert_non_null(strstr(doc, "\"point\":\"u\",\"ts\":\"1970-01-01T00:00:00.000Z\","
                                "\"value\":1.8446744073709552e+19,\"raw\":18446744073709551615,"));
    assert_non_null(strstr(doc, "\"raw\":-9223372036854775808,"));
    assert_non_null(strstr(doc, "\"raw\":9007199254740993,"));
    assert_non_null(strstr(doc, "\"point\":\"model\",\"ts\":\"1970-01-01T00:00:00.000Z\","
                                "\"value\":\"DTSU666 \\\"x\\\"\",\"unit\""));
    /* valid JSON (jansson reads integers as int64 only: as reals here) */
    json_error_t e;
    json_t *j = json_loadb(doc, len, JSON_DECODE_INT_AS_REAL, &e);
    assert_non_null(j);
    json_t *sa = json_object_get(j, "samples");
    assert_int_equal(json_array_size(sa), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sa, 3), "value")),
                        "DTSU666 \"x\"");
    assert_null(json_object_get(json_array_get(sa, 3), "raw"));
    json_decref(j);
    free(bp);
    mvg_jsonw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numfmt_shortest_for_few_decimals),
        cmocka_unit_test(test_numfmt_round_trips_random_doubles),
        cmocka_unit_test(test_writer_separators_escapes_and_nesting),
        cmocka_unit_test(test_writer_refuses_bad_utf8_and_unbalanced),
        cmocka_unit_test(test_telemetry_payload_parses_to_the_samples),
        cmocka_unit_test(test_telemetry_payload_exact_raw_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
