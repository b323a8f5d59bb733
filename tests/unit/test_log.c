/*
 * test_log.c: a repeating problem is logged once per change of state: once
 * when it starts, not again while the same key repeats, once more (with the
 * count of the previous one) when it becomes another problem, and once
 * when it ends, with how often it happened. The lines are read back from
 * stderr, where the stderr sink writes them, and where the journal sink
 * writes them with journald's priority prefixes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Runs the body with stderr going to a temporary file; its text in out. */
static FILE *capture_begin(int *saved)
{
    fflush(stderr);
    FILE *f = tmpfile();
    assert_non_null(f);
    *saved = dup(STDERR_FILENO);
    assert_true(*saved >= 0);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
    return f;
}

static void capture_end(FILE *f, int saved, char *out, size_t outlen)
{
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(out, 1, outlen - 1, f);
    out[n] = '\0';
    fclose(f);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_once_per_change(void **state)
{
    (void)state;
    mvg_log_setup(MVG_LOG_SINK_STDERR, MVG_LOG_INFO);
    mvg_log_once o = {0};
    char text[4096];
    int saved;
    FILE *f = capture_begin(&saved);
    int logged = 0;
    for (int i = 0; i < 1000; i++)
        logged += mvg_log_once_hit(&o, MVG_LOG_WARN, "connect refused",
                                   "mqtt: connect failed (attempt %d)", i + 1);
    capture_end(f, saved, text, sizeof text);
    assert_int_equal(logged, 1);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "warning: mqtt: connect failed (attempt 1)"));
    assert_int_equal(o.count, 1000);

    /* another problem: the count of the previous one, then the new one */
    f = capture_begin(&saved);
    assert_int_equal(mvg_log_once_hit(&o, MVG_LOG_WARN, "lost", "mqtt: connection lost"), 1);
    assert_int_equal(mvg_log_once_hit(&o, MVG_LOG_WARN, "lost", "mqtt: connection lost"), 0);
    capture_end(f, saved, text, sizeof text);
    assert_int_equal(count_lines(text), 2);
    assert_non_null(strstr(text, "the previous problem happened 1000 times in 0 s"));
    assert_non_null(strstr(text, "mqtt: connection lost"));

    /* the end: one line with the count; a second clear says nothing */
    f = capture_begin(&saved);
    assert_int_equal(mvg_log_once_clear(&o, MVG_LOG_NOTICE, "mqtt: connected"), 1);
    assert_int_equal(mvg_log_once_clear(&o, MVG_LOG_NOTICE, "mqtt: connected"), 0);
    capture_end(f, saved, text, sizeof text);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "notice: mqtt: connected (after 2 occurrences in 0 s)"));

    /* after the end the same problem is news again */
    f = capture_begin(&saved);
    assert_int_equal(mvg_log_once_hit(&o, MVG_LOG_WARN, "lost", "mqtt: connection lost"), 1);
    capture_end(f, saved, text, sizeof text);
    assert_int_equal(count_lines(text), 1);
}

/* The trace level is its own switch: off, even debug does not show it; on,
 * it shows at any level. */
static void test_trace_level(void **state)
{
    (void)state;
    char text[4096];
    int saved;
    mvg_log_setup(MVG_LOG_SINK_STDERR, MVG_LOG_DEBUG);
    mvg_log_set_trace(0);
    FILE *f = capture_begin(&saved);
    mvg_log(MVG_LOG_TRACE, "bus a tx 01");
    capture_end(f, saved, text, sizeof text);
    assert_int_equal(count_lines(text), 0);
    assert_int_equal(mvg_log_trace_on(), 0);

    mvg_log_setup(MVG_LOG_SINK_STDERR, MVG_LOG_ERR);
    mvg_log_set_trace(1);
    f = capture_begin(&saved);
    mvg_log(MVG_LOG_TRACE, "bus a tx 01");
    mvg_log(MVG_LOG_DEBUG, "not this");
    capture_end(f, saved, text, sizeof text);
    mvg_log_set_trace(0);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "trace: bus a tx 01"));
}

/* Under the journal, every line is the message after its syslog priority
 * as journald reads it ("<N>", sd-daemon(3)): no time, no level name;
 * trace goes as debug, the highest the journal knows. */
static void test_journal_priority_prefix(void **state)
{
    (void)state;
    char text[4096];
    int saved;
    mvg_log_setup(MVG_LOG_SINK_JOURNAL, MVG_LOG_DEBUG);
    mvg_log_set_trace(1);
    FILE *f = capture_begin(&saved);
    mvg_log(MVG_LOG_ERR, "store: disk full");
    mvg_log(MVG_LOG_WARN, "mqtt: connection lost");
    mvg_log(MVG_LOG_NOTICE, "started");
    mvg_log(MVG_LOG_INFO, "m1: 3 points");
    mvg_log(MVG_LOG_DEBUG, "plan: 4 requests");
    mvg_log(MVG_LOG_TRACE, "bus a tx 01");
    capture_end(f, saved, text, sizeof text);
    mvg_log_set_trace(0);
    mvg_log_setup(MVG_LOG_SINK_STDERR, MVG_LOG_INFO);
    assert_string_equal(text, "<3>store: disk full\n<4>mqtt: connection lost\n<5>started\n"
                              "<6>m1: 3 points\n<7>plan: 4 requests\n<7>bus a tx 01\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_per_change),
        cmocka_unit_test(test_trace_level),
        cmocka_unit_test(test_journal_priority_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
