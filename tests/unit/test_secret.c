/*
 * test_secret.c: the one rule for secret files, on files in a temp dir:
 * the first line without its line end (\n or \r\n), spaces inside kept;
 * empty secrets, group- or world-readable files, non-regular files, lines
 * beyond MVG_SECRET_MAX and missing files refused, each error naming the
 * file and saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mvg-test-secret-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes n bytes of text to dir/name with mode; returns the path (static). */
static const char *put(const char *name, const void *text, size_t n, mode_t mode)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static const char *puts0600(const char *name, const char *text)
{
    return put(name, text, strlen(text), 0600);
}

static void expect_secret(const char *path, const char *want)
{
    char err[512] = "";
    char *s = mvg_secret_read("test: password_file", path, err, sizeof err);
    if (!s)
        fail_msg("%s: %s", path, err);
    assert_string_equal(s, want);
    mvg_secret_free(s);
}

static void expect_refused(const char *path, const char *why)
{
    char err[512] = "", want[512];
    assert_null(mvg_secret_read("test: password_file", path, err, sizeof err));
    snprintf(want, sizeof want, "test: password_file %s", path);
    assert_non_null(strstr(err, want)); /* the error names the file */
    if (!strstr(err, why))
        fail_msg("'%s' does not say '%s'", err, why);
}

static void test_first_line(void **state)
{
    (void)state;
    expect_secret(puts0600("lf", "s3cret pass\n"), "s3cret pass");
    expect_secret(puts0600("crlf", "s3cret\r\n"), "s3cret");
    expect_secret(puts0600("bare", "s3cret"), "s3cret");
    expect_secret(puts0600("two", "first\nsecond\n"), "first");
    expect_secret(puts0600("spaces", " a b \n"), " a b ");
    expect_secret(puts0600("cr-inside", "a\rb\n"), "a\rb");
    expect_secret(put("ro", "tok\n", 4, 0400), "tok");
    expect_secret(put("owner-exec", "tok\n", 4, 0700), "tok");
    mvg_secret_free(NULL);
}

static void test_modes_refused(void **state)
{
    (void)state;
    expect_refused(put("g", "pw\n", 3, 0640), "readable by its group (mode 0640)");
    expect_refused(put("o", "pw\n", 3, 0604), "readable by others (mode 0604)");
    expect_refused(put("go", "pw\n", 3, 0644), "readable by group and others (mode 0644)");
    expect_refused(put("go2", "pw\n", 3, 0444), "chmod 600");
}

static void test_contents_refused(void **state)
{
    (void)state;
    expect_refused(puts0600("empty", ""), "is empty");
    expect_refused(puts0600("nl", "\n"), "is empty");
    expect_refused(puts0600("crlf-only", "\r\nsecond\n"), "is empty");
}

static void test_long_lines(void **state)
{
    (void)state;
    static char big[MVG_SECRET_MAX + 8], want[MVG_SECRET_MAX + 1];
    memset(big, 'x', sizeof big);
    memset(want, 'x', MVG_SECRET_MAX);
    want[MVG_SECRET_MAX] = '\0';
    /* exactly the maximum, with and without its line end */
    big[MVG_SECRET_MAX] = '\r';
    big[MVG_SECRET_MAX + 1] = '\n';
    expect_secret(put("max-crlf", big, MVG_SECRET_MAX + 2, 0600), want);
    expect_secret(put("max-bare", big, MVG_SECRET_MAX, 0600), want);
    /* one byte more is refused, not cut */
    memset(big, 'x', sizeof big);
    big[MVG_SECRET_MAX + 1] = '\n';
    expect_refused(put("long", big, MVG_SECRET_MAX + 2, 0600), "longer than 4096 bytes");
    expect_refused(put("long-bare", big, MVG_SECRET_MAX + 1, 0600), "longer than 4096 bytes");
}

static void test_not_files(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/missing", dir);
    expect_refused(path, "No such file or directory");
    expect_refused(dir, "not a regular file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_modes_refused),
        cmocka_unit_test(test_contents_refused),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_not_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
