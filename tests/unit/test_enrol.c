/*
 * test_enrol.c: the register of enrolled gateways (cli_enrol.h): comments,
 * blank lines and grouped fingerprints read; every bad line named with
 * FILE:LINE (a missing, short, long or non-hex fingerprint, a duplicate
 * gateway id); an empty or unreadable register refused; lookup as the
 * chain walk calls it; the grouped form key show prints reads back.
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

#include "cli_enrol.h"

#define FP_A "addf32f483d2c88dd99acdf0b64a7993"
#define FP_B "cda95a6dc83260d2064b01e3a7bfb268"

static void test_good_register(void **state)
{
    (void)state;
    const char *text = "# commissioning 2026-11-28, plant 7\n"
                       "\n"
                       "gw-demo-compressor " FP_A "\n"
                       "   gw-line-2\tCDA9 5A6D C832 60D2 064B 01E3 A7BF B268   # after site test\r\n"
                       "  # indented comment\n";
    mvg_diags *d = mvg_diags_new();
    mvg_cli_enrol reg;
    assert_int_equal(mvg_cli_enrol_parse(text, strlen(text), "reg.txt", &reg, d), 0);
    assert_int_equal(mvg_diags_count(d), 0);
    assert_int_equal(reg.n, 2);
    const mvg_cli_enrol_entry *e = mvg_cli_enrol_find(&reg, "gw-line-2");
    assert_non_null(e);
    assert_string_equal(e->fingerprint, FP_B);
    assert_int_equal(e->line, 4);
    assert_null(mvg_cli_enrol_find(&reg, "gw-line-3"));
    char where[64];
    assert_string_equal(mvg_cli_enrol_lookup(&reg, "gw-demo-compressor", where, sizeof where),
                        FP_A);
    assert_string_equal(where, "reg.txt:3");
    assert_null(mvg_cli_enrol_lookup(&reg, "gw-x", where, sizeof where));
    mvg_cli_enrol_free(&reg);
    mvg_diags_free(d);
}

static void test_bad_lines_named(void **state)
{
    (void)state;
    const char *text = "gw-a " FP_A "\n"           /* 1: good */
                       "gw-b\n"                     /* 2: no fingerprint */
                       "gw-c addf32f4\n"            /* 3: short */
                       "gw-d " FP_A "00\n"          /* 4: long */
                       "gw-e addf32f483d2c88dd99acdf0b64a799z\n" /* 5: not hex */
                       "gw-a " FP_B "\n"            /* 6: duplicate id */
                       "gw-f " FP_B "\n";           /* 7: good */
    mvg_diags *d = mvg_diags_new();
    mvg_cli_enrol reg;
    assert_int_equal(mvg_cli_enrol_parse(text, strlen(text), "reg.txt", &reg, d), -1);
    assert_int_equal(mvg_diags_count(d), 5);
    assert_non_null(strstr(mvg_diags_get(d, 0), "reg.txt:2: the fingerprint of gateway gw-b is missing"));
    assert_non_null(strstr(mvg_diags_get(d, 1), "reg.txt:3: the fingerprint of gateway gw-c has fewer than 32"));
    assert_non_null(strstr(mvg_diags_get(d, 2), "reg.txt:4: the fingerprint of gateway gw-d has more than 32"));
    assert_non_null(strstr(mvg_diags_get(d, 3), "reg.txt:5: the fingerprint of gateway gw-e is not hex"));
    assert_non_null(strstr(mvg_diags_get(d, 4), "reg.txt:6: gateway gw-a is enrolled already on line 1"));
    /* the good lines are there; the duplicate did not replace the first */
    assert_int_equal(reg.n, 2);
    assert_string_equal(mvg_cli_enrol_find(&reg, "gw-a")->fingerprint, FP_A);
    mvg_cli_enrol_free(&reg);
    mvg_diags_free(d);
}

static void test_load(void **state)
{
    (void)state;
    char path[] = "/tmp/mvg_test_enrol_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *only_comments = "# nobody yet\n\n";
    assert_int_equal(write(fd, only_comments, strlen(only_comments)), (ssize_t)strlen(only_comments));
    close(fd);
    mvg_diags *d = mvg_diags_new();
    mvg_cli_enrol reg;
    assert_int_equal(mvg_cli_enrol_load(path, &reg, d), -1);
    assert_non_null(strstr(mvg_diags_get(d, 0), "no gateway is enrolled"));
    mvg_cli_enrol_free(&reg);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "gw-a %s\n", FP_A);
    fclose(f);
    mvg_diags_free(d);
    d = mvg_diags_new();
    assert_int_equal(mvg_cli_enrol_load(path, &reg, d), 0);
    assert_int_equal(reg.n, 1);
    mvg_cli_enrol_free(&reg);
    unlink(path);
    assert_int_equal(mvg_cli_enrol_load(path, &reg, d), -1);
    assert_non_null(strstr(mvg_diags_get(d, 0), "cannot read the register"));
    mvg_cli_enrol_free(&reg);
    mvg_diags_free(d);
}

static void test_grouped_reads_back(void **state)
{
    (void)state;
    char g[MVG_CLI_ENROL_GROUPED_LEN];
    mvg_cli_enrol_grouped(FP_A, g);
    assert_string_equal(g, "addf 32f4 83d2 c88d d99a cdf0 b64a 7993");
    char line[128];
    snprintf(line, sizeof line, "gw-a %s\n", g);
    mvg_diags *d = mvg_diags_new();
    mvg_cli_enrol reg;
    assert_int_equal(mvg_cli_enrol_parse(line, strlen(line), "r", &reg, d), 0);
    assert_string_equal(reg.v[0].fingerprint, FP_A);
    mvg_cli_enrol_free(&reg);
    mvg_diags_free(d);
    assert_string_equal(mvg_cli_enrol_trust_word(0), "self-attested");
    assert_string_equal(mvg_cli_enrol_trust_word(1), "enrolled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_register),
        cmocka_unit_test(test_bad_lines_named),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_grouped_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
