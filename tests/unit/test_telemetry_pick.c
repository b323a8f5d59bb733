/*
 * test_telemetry_pick.c: which points of a poll MQTT telemetry carries
 * (telemetry_pick.h): every Nth poll, on change with a relative deadband
 * measured from the last value carried (a quality change always counts,
 * the first poll always goes), or never.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "telemetry_pick.h"

/* The picks of one poll as "10" (point 0 goes, point 1 not). */
static const char *pick(const mvg_telemetry_rule *rule, uint64_t poll, double v0, mvg_quality q0,
                        double v1, mvg_sample *last, size_t *count)
{
    static char out[3];
    mvg_sample s[2] = {{.ts_ms = 1, .value = v0, .quality = q0},
                       {.ts_ms = 1, .value = v1, .quality = MVG_Q_GOOD}};
    unsigned char send[2] = {7, 7};
    *count = mvg_telemetry_pick(rule, poll, s, 2, last, send);
    out[0] = (char)('0' + send[0]);
    out[1] = (char)('0' + send[1]);
    out[2] = '\0';
    return out;
}

static void test_every_n(void **state)
{
    (void)state;
    mvg_telemetry_rule rule = {MVG_TELEMETRY_EVERY, 3, 0};
    size_t n = 0;
    const char *want[] = {"11", "00", "00", "11", "00", "00", "11"};
    for (uint64_t poll = 0; poll < 7; poll++) {
        assert_string_equal(pick(&rule, poll, 1, MVG_Q_GOOD, 2, NULL, &n), want[poll]);
        assert_int_equal(n, want[poll][0] == '1' ? 2 : 0);
    }
    /* every < 1 is every poll */
    rule.every = 0;
    assert_string_equal(pick(&rule, 5, 1, MVG_Q_GOOD, 2, NULL, &n), "11");
}

static void test_on_change_with_deadband(void **state)
{
    (void)state;
    mvg_telemetry_rule rule = {MVG_TELEMETRY_CHANGE, 1, 0.05};
    mvg_sample last[2];
    mvg_telemetry_pick_start(last, 2);
    size_t n = 0;
    /* first: everything */
    assert_string_equal(pick(&rule, 0, 100, MVG_Q_GOOD, 500, last, &n), "11");
    assert_int_equal(n, 2);
    /* within 5 %: nothing */
    assert_string_equal(pick(&rule, 1, 104, MVG_Q_GOOD, 500, last, &n), "00");
    assert_int_equal(n, 0);
    /* 6 % from the last carried (100), not from the last seen (104) */
    assert_string_equal(pick(&rule, 2, 106, MVG_Q_GOOD, 500, last, &n), "10");
    assert_true(last[0].value == 106);
    /* a quality change goes whatever the value */
    assert_string_equal(pick(&rule, 3, NAN, MVG_Q_COMM_ERROR, 501, last, &n), "10");
    assert_int_equal(last[0].quality, MVG_Q_COMM_ERROR);
    /* back to good; point 1 moved 20 % */
    assert_string_equal(pick(&rule, 4, 106, MVG_Q_GOOD, 600, last, &n), "11");
    assert_int_equal(n, 2);
}

/* Change mode on exact raw values: a 64-bit counter's step of 1 above 2^53
 * is no step of the double, but it is a change (deadband 0); a string
 * changes when its text does, and the pick keeps no pointer to the text. */
static void test_on_change_exact_and_text(void **state)
{
    (void)state;
    mvg_telemetry_rule rule = {MVG_TELEMETRY_CHANGE, 1, 0};
    mvg_sample last[2];
    mvg_telemetry_pick_start(last, 2);
    char text[8] = "v1.0";
    mvg_sample s[2] = {{.ts_ms = 1, .value = 9007199254740992.0, .quality = MVG_Q_GOOD,
                        .raw_kind = MVG_RAW_UINT, .raw_u = 9007199254740992ULL},
                       {.ts_ms = 1, .value = NAN, .quality = MVG_Q_GOOD,
                        .raw_kind = MVG_RAW_TEXT, .text = text}};
    unsigned char send[2];
    assert_int_equal(mvg_telemetry_pick(&rule, 0, s, 2, last, send), 2);
    assert_null(last[1].text);
    /* same double, raw + 1; same text in another buffer */
    s[0].raw_u = 9007199254740993ULL;
    char again[8] = "v1.0";
    s[1].text = again;
    memset(text, 'x', sizeof text - 1);
    assert_int_equal(mvg_telemetry_pick(&rule, 1, s, 2, last, send), 1);
    assert_int_equal(send[0], 1);
    assert_int_equal(send[1], 0);
    /* nothing moved */
    assert_int_equal(mvg_telemetry_pick(&rule, 2, s, 2, last, send), 0);
    /* the text moved */
    char next[8] = "v1.1";
    s[1].text = next;
    assert_int_equal(mvg_telemetry_pick(&rule, 3, s, 2, last, send), 1);
    assert_int_equal(send[1], 1);
}

static void test_off(void **state)
{
    (void)state;
    mvg_telemetry_rule rule = {MVG_TELEMETRY_OFF, 1, 0};
    size_t n = 7;
    assert_string_equal(pick(&rule, 0, 1, MVG_Q_GOOD, 2, NULL, &n), "00");
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_n),
        cmocka_unit_test(test_on_change_with_deadband),
        cmocka_unit_test(test_on_change_exact_and_text),
        cmocka_unit_test(test_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
