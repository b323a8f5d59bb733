/*
 * test_timefmt.c: the one time grammar and the one formatter. Every form
 * docs/config.md ("Times") promises, each refusal it implies (field widths,
 * days that do not exist, hours, seconds, offsets, trailing junk), the
 * fraction cut at milliseconds; the formats byte for byte (the payload's
 * ms+Z, the log line's minutes+Z, the report's space-separated forms),
 * times before 1970, the int64 extremes and small buffers; and
 * format -> parse round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timefmt.h"

#define T2024_02_29 INT64_C(1709164800000) /* 2024-02-29T00:00:00Z */

static int64_t parsed(const char *s)
{
    int64_t ms = INT64_MIN;
    if (mvg_timefmt_parse(s, &ms) != 0)
        fail_msg("'%s' refused", s);
    return ms;
}

static void refused(const char *s)
{
    int64_t ms = 12345;
    if (mvg_timefmt_parse(s, &ms) == 0)
        fail_msg("'%s' accepted", s ? s : "(null)"); /* NULL is one of the cases */
    assert_true(ms == 12345); /* nothing stored */
}

static void test_parse_forms(void **state)
{
    (void)state;
    assert_true(parsed("1970-01-01T00:00:00Z") == 0);
    assert_true(parsed("1970-01-01") == 0);
    assert_true(parsed("2024-02-29") == T2024_02_29);
    assert_true(parsed("2024-02-29T00:00") == T2024_02_29);
    assert_true(parsed("2024-02-29 00:00:00") == T2024_02_29);
    assert_true(parsed("2024-02-29T08:00+08:00") == T2024_02_29);
    assert_true(parsed("2024-02-29T08:00:00+0800") == T2024_02_29);
    assert_true(parsed("2024-02-29T08:00:00+08") == T2024_02_29);
    assert_true(parsed("2024-02-28T19:00:00-05:00") == T2024_02_29);
    assert_true(parsed("2024-02-29T00:00:00.250Z") == T2024_02_29 + 250);
    assert_true(parsed("2024-02-29T00:00:00,25") == T2024_02_29 + 250);
    assert_true(parsed("2024-02-29T00:00:00.2") == T2024_02_29 + 200);
    /* digits beyond the millisecond are cut, not rounded */
    assert_true(parsed("2024-02-29T00:00:00.2509Z") == T2024_02_29 + 250);
    assert_true(parsed("2024-02-29T00:00:00.999999") == T2024_02_29 + 999);
    assert_true(parsed("2024-02-29T00:00:00.250-01:30") == T2024_02_29 + 5400000 + 250);
    assert_true(parsed("  2024-02-29T00:00Z \t") == T2024_02_29);
    assert_true(parsed("2024-02-29 ") == T2024_02_29);
    /* the midnight that ends a day, and a leap second */
    assert_true(parsed("2024-02-28T24:00") == T2024_02_29);
    assert_true(parsed("2024-02-28T24:00:00.000Z") == T2024_02_29);
    assert_true(parsed("2024-02-28T23:59:60Z") == T2024_02_29);
    /* before 1970, and far away */
    assert_true(parsed("1969-12-31T23:59:59.999Z") == -1);
    assert_true(parsed("0000-03-01") == INT64_C(-62162035200000));
    assert_true(parsed("9999-12-31T23:59:59.999Z") == INT64_C(253402300799999));
    assert_true(parsed("2000-03-01 00:00:00") == INT64_C(951868800000));
}

static void test_parse_refusals(void **state)
{
    (void)state;
    refused("");
    refused(NULL);
    refused("yesterday");
    refused("2024-2-29");
    refused("24-02-29");
    refused("2024-02-29T8:00");
    refused("2024-02-29T08");
    refused("2024-02-29T08:0");
    refused("2024-02-29T08:00:0");
    refused("2024-02-29T08:00.5");      /* a fraction needs seconds */
    refused("2024-02-29T08:00:00.");    /* and a digit */
    refused("2023-02-29");              /* not a leap year */
    refused("1900-02-29");
    refused("2024-04-31");
    refused("2024-13-01");
    refused("2024-00-10");
    refused("2024-01-00");
    refused("2024-01-01T25:00");
    refused("2024-01-01T24:01");
    refused("2024-01-01T24:00:00.001");
    refused("2024-01-01T23:60");
    refused("2024-01-01T23:59:61");
    refused("2024-01-01T00:00+24:00");
    refused("2024-01-01T00:00+05:60");
    refused("2024-01-01T00:00+5");
    refused("2024-01-01T00:00+05:3");
    refused("2024-01-01T00:00Zjunk");
    refused("2024-01-01T00:00 Z");
    refused("2024-01-01Tx");
    refused("2024-01-01 08:00 junk");
    refused("+2024-01-01");
}

static const char *fmt(int64_t ms, unsigned flags)
{
    static char b[40];
    return mvg_timefmt_format(ms, flags, b, sizeof b);
}

static void test_format(void **state)
{
    (void)state;
    int64_t t = INT64_C(1767661509250); /* 2026-01-06T01:05:09.250Z */
    assert_string_equal(fmt(t, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z), "2026-01-06T01:05:09.250Z");
    assert_string_equal(fmt(t, MVG_TIMEFMT_MIN | MVG_TIMEFMT_Z), "2026-01-06T01:05Z");
    assert_string_equal(fmt(t, MVG_TIMEFMT_SEC), "2026-01-06T01:05:09");
    assert_string_equal(fmt(t, MVG_TIMEFMT_SEC | MVG_TIMEFMT_SPACE), "2026-01-06 01:05:09");
    assert_string_equal(fmt(t, MVG_TIMEFMT_MIN | MVG_TIMEFMT_SPACE), "2026-01-06 01:05");
    assert_string_equal(fmt(t, MVG_TIMEFMT_DATE), "2026-01-06");
    assert_string_equal(fmt(t, MVG_TIMEFMT_DATE | MVG_TIMEFMT_Z | MVG_TIMEFMT_MS), "2026-01-06");
    assert_string_equal(fmt(0, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z), "1970-01-01T00:00:00.000Z");
    /* before 1970: the floor, so -1 ms is the last millisecond of 1969 */
    assert_string_equal(fmt(-1, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z), "1969-12-31T23:59:59.999Z");
    assert_string_equal(fmt(-60001, MVG_TIMEFMT_MIN | MVG_TIMEFMT_Z), "1969-12-31T23:58Z");
    /* cut, never rounded up */
    assert_string_equal(fmt(t + 59999 - 9250, MVG_TIMEFMT_MIN), "2026-01-06T01:05");
    /* leap days */
    assert_string_equal(fmt(T2024_02_29, MVG_TIMEFMT_MIN), "2024-02-29T00:00");
    assert_string_equal(fmt(INT64_C(951782400000), MVG_TIMEFMT_MIN), "2000-02-29T00:00");
    /* the extremes of int64 fit the documented 32 bytes */
    char b[32];
    assert_string_equal(mvg_timefmt_format(INT64_MIN, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b),
                        "-292275055-05-16T16:47:04.192Z");
    assert_string_equal(mvg_timefmt_format(INT64_MAX, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, b, sizeof b),
                        "292278994-08-17T07:12:55.807Z");
    /* a small buffer truncates and stays terminated */
    char s[8];
    memset(s, 'x', sizeof s);
    assert_ptr_equal(mvg_timefmt_format(t, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, s, sizeof s), s);
    assert_string_equal(s, "2026-01");
    memset(s, 'x', sizeof s);
    mvg_timefmt_format(t, MVG_TIMEFMT_MS, s, 1);
    assert_int_equal(s[0], '\0');
    assert_int_equal(s[1], 'x');
}

static void test_civil(void **state)
{
    (void)state;
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(INT64_C(1767661509250), &c);
    assert_true(c.year == 2026);
    assert_int_equal(c.month, 1);
    assert_int_equal(c.day, 6);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.minute, 5);
    assert_int_equal(c.second, 9);
    assert_int_equal(c.millisecond, 250);
    mvg_timefmt_to_civil(-1, &c);
    assert_true(c.year == 1969);
    assert_int_equal(c.month, 12);
    assert_int_equal(c.day, 31);
    assert_int_equal(c.millisecond, 999);
}

static void test_round_trip(void **state)
{
    (void)state;
    /* every format parses back to its own value, cut to its precision */
    const unsigned flags[] = {MVG_TIMEFMT_MIN, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z,
                              MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, MVG_TIMEFMT_MS | MVG_TIMEFMT_SPACE};
    const int64_t unit[] = {60000, 1000, 1, 1};
    int64_t t = INT64_C(-62162035200000); /* 0000-03-01 */
    for (int i = 0; i < 3800; i++, t += INT64_C(86399999) * 937 + 123) {
        for (size_t k = 0; k < 4; k++) {
            int64_t back = 0, want = t - ((t % unit[k]) + unit[k]) % unit[k];
            const char *s = fmt(t, flags[k]);
            if (mvg_timefmt_parse(s, &back) != 0 || back != want)
                fail_msg("%lld -> '%s' -> %lld", (long long)t, s, (long long)back);
        }
    }
}

/* One reading of an offset for the config, the CLI and the engine's local
 * days: the zone grammar of times, alone, within -12:00..+14:00. */
static void test_parse_offset(void **state)
{
    (void)state;
    int m = 12345;
    assert_int_equal(mvg_timefmt_parse_offset("+08:00", &m), 0);
    assert_int_equal(m, 480);
    assert_int_equal(mvg_timefmt_parse_offset("-05:30", &m), 0);
    assert_int_equal(m, -330);
    assert_int_equal(mvg_timefmt_parse_offset("+0545", &m), 0);
    assert_int_equal(m, 345);
    assert_int_equal(mvg_timefmt_parse_offset(" +14 ", &m), 0);
    assert_int_equal(m, 840);
    assert_int_equal(mvg_timefmt_parse_offset("Z", &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(mvg_timefmt_parse_offset("-12:00", &m), 0);
    assert_int_equal(m, -720);
    m = 7;
    static const char *const bad[] = {"", "08:00", "+8:00", "+08:0", "+08:60", "+14:01",
                                      "-12:01", "+23:00", "+08:00x", "UTC", "+08:00Z", "z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mvg_timefmt_parse_offset(bad[i], &m), -1);
        assert_int_equal(m, 7);
    }
    assert_int_equal(mvg_timefmt_parse_offset(NULL, &m), -1);
    /* the same zone inside a time */
    int64_t ms;
    assert_int_equal(mvg_timefmt_parse("1970-01-01T08:00+08:00", &ms), 0);
    assert_int_equal(ms, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),   cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_format),        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_parse_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
