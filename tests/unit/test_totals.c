/*
 * test_totals.c: retained totals held to their signed interval record
 * (cli_totals.h): equal copies agree; a changed cumulative figure, an
 * as_of that is not the record's end, a stream more or less and another
 * seq are each named; what the record has beyond the totals (the
 * per-interval fields) does not count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli_totals.h"

#define STREAM(savings)                                                                            \
    "{\"name\":\"electricity\",\"unit\":\"kWh\",\"model_ready\":true,"                             \
    "\"cumulative\":{\"m\":11,\"savings\":" savings ",\"fsu\":null}}"
#define RECORD                                                                                     \
    "{\"schema\":\"mvgate/interval/1\",\"gateway\":\"gw\",\"project\":\"p\",\"seq\":41,"          \
    "\"end\":\"2026-01-05T03:25:00.000Z\",\"phase\":\"reporting\",\"units\":{\"kwh\":\"kWh\"},"   \
    "\"streams\":[{\"name\":\"electricity\",\"unit\":\"kWh\",\"model_ready\":true,"                \
    "\"actual\":2.9972,\"cumulative\":{\"m\":11,\"savings\":8.8432,\"fsu\":null}}],"               \
    "\"chain\":42,\"key\":\"k\",\"prev\":\"p\",\"sig\":\"s\"}"

static const char *totals(char *buf, size_t len, int seq, const char *as_of, const char *streams)
{
    snprintf(buf, len,
             "{\"schema\":\"mvgate/totals/1\",\"gateway\":\"gw\",\"project\":\"p\",\"seq\":%d,"
             "\"as_of\":\"%s\",\"phase\":\"reporting\",\"units\":{\"kwh\":\"kWh\"},"
             "\"streams\":[%s]}",
             seq, as_of, streams);
    return buf;
}

static int check(const char *t, char *msg, size_t len)
{
    return mvg_cli_totals_check(t, strlen(t), RECORD, strlen(RECORD), msg, len);
}

static void test_totals(void **state)
{
    (void)state;
    char t[1024], msg[512];
    const char *end = "2026-01-05T03:25:00.000Z";
    totals(t, sizeof t, 41, end, STREAM("8.8432"));
    char project[32];
    int64_t seq = 0;
    assert_int_equal(mvg_cli_totals_of(t, strlen(t), project, sizeof project, &seq), 0);
    assert_string_equal(project, "p");
    assert_int_equal(seq, 41);
    assert_int_equal(mvg_cli_totals_of(RECORD, strlen(RECORD), project, sizeof project, &seq), -1);
    assert_int_equal(check(t, msg, sizeof msg), 0);

    totals(t, sizeof t, 41, end, STREAM("88.432"));
    assert_int_equal(check(t, msg, sizeof msg), -1);
    assert_string_equal(msg, "streams[electricity].cumulative.savings: totals 88.432, signed"
                             " record 8.8432");
    totals(t, sizeof t, 41, "2026-01-05T03:30:00.000Z", STREAM("8.8432"));
    assert_int_equal(check(t, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "as_of: totals \"2026-01-05T03:30:00.000Z\""));
    totals(t, sizeof t, 42, end, STREAM("8.8432"));
    assert_int_equal(check(t, msg, sizeof msg), -1);
    assert_string_equal(msg, "seq: totals 42, signed record 41");
    totals(t, sizeof t, 41, end, STREAM("8.8432") "," STREAM("1.0"));
    assert_int_equal(check(t, msg, sizeof msg), -1);
    assert_string_equal(msg, "streams: the totals have 2, the signed record 1");
    totals(t, sizeof t, 41, end, "{\"name\":\"electricity\",\"unit\":\"kWh\",\"extra\":1}");
    assert_int_equal(check(t, msg, sizeof msg), -1);
    assert_string_equal(msg, "streams[electricity].extra: totals 1, signed record (absent)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_totals)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
