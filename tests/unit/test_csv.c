/*
 * test_csv.c: the CSV reader (daemon/base/csv.c): header and numeric columns,
 * quoting, CRLF, blank lines, error messages with line and column, ISO 8601
 * timestamps, and loading from a file.
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

#include "csv.h"
#include "timefmt.h"

static mvg_csv *parse(const char *text, char *err, size_t errlen)
{
    return mvg_csv_parse("data.csv", text, strlen(text), err, errlen);
}

static void test_basic(void **state)
{
    (void)state;
    char err[256] = "";
    mvg_csv *c = parse("timestamp,kwh,temp\r\n"
                       "2024-01-01T00:00:00Z,1.5,20\r\n"
                       "2024-01-01T00:15:00Z,2.25,-3.5e1\r\n"
                       "\r\n\n",
                       err, sizeof err);
    assert_non_null(c);
    assert_int_equal(mvg_csv_rows(c), 2);
    assert_int_equal(mvg_csv_ncols(c), 3);
    assert_string_equal(mvg_csv_header(c, 2), "temp");
    assert_int_equal(mvg_csv_find(c, "kwh"), 1);
    assert_int_equal(mvg_csv_find(c, "nope"), -1);
    double *v;
    assert_int_equal(mvg_csv_numbers(c, "kwh", &v, err, sizeof err), 0);
    assert_true(v[0] == 1.5 && v[1] == 2.25);
    free(v);
    assert_int_equal(mvg_csv_numbers(c, "temp", &v, err, sizeof err), 0);
    assert_true(v[0] == 20 && v[1] == -35);
    free(v);
    int64_t *ts;
    assert_int_equal(mvg_csv_timestamps(c, &ts, err, sizeof err), 1);
    assert_true(ts[0] == INT64_C(1704067200000)); /* date -d 2024-01-01Z +%s */
    assert_true(ts[1] - ts[0] == 900000);
    free(ts);
    assert_int_equal(mvg_csv_line(c, 1), 3);
    mvg_csv_free(c);
}

static void test_quotes(void **state)
{
    (void)state;
    char err[256] = "";
    mvg_csv *c = parse("\"name, with comma\",\"kwh\"\n"
                       "\"say \"\"hi\"\"\",\" 12.5 \"\n"
                       "\"two\nlines\",7\n"
                       "x,abc\n",
                       err, sizeof err);
    assert_non_null(c);
    assert_string_equal(mvg_csv_header(c, 0), "name, with comma");
    assert_string_equal(mvg_csv_cell(c, 0, 0), "say \"hi\"");
    assert_string_equal(mvg_csv_cell(c, 1, 0), "two\nlines");
    assert_int_equal(mvg_csv_line(c, 1), 3);
    assert_int_equal(mvg_csv_line(c, 2), 5); /* the quoted newline counts */
    double *v;
    assert_int_equal(mvg_csv_numbers(c, "kwh", &v, err, sizeof err), -1);
    assert_string_equal(err, "data.csv:5: column 'kwh': 'abc' is not a number");
    mvg_csv_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(parse("a,b\n1,2\n3\n", err, sizeof err));
    assert_string_equal(err, "data.csv:3: 1 fields, the header has 2");
    assert_null(parse("a,b\n\"1,2\n", err, sizeof err));
    assert_non_null(strstr(err, "unterminated"));
    assert_null(parse("", err, sizeof err));
    assert_non_null(strstr(err, "no header"));
    assert_null(parse("a,a\n1,2\n", err, sizeof err));
    assert_non_null(strstr(err, "twice"));

    mvg_csv *c = parse("kwh,temp\n1,\n2,nan\n", err, sizeof err);
    assert_non_null(c);
    double *v = NULL;
    assert_int_equal(mvg_csv_numbers(c, "temp", &v, err, sizeof err), -1);
    assert_string_equal(err, "data.csv:2: column 'temp': empty cell");
    assert_null(v);
    assert_int_equal(mvg_csv_numbers(c, "prod", &v, err, sizeof err), -1);
    assert_string_equal(err, "data.csv:1: no column 'prod' in the header (kwh, temp)");
    int64_t *ts;
    assert_int_equal(mvg_csv_timestamps(c, &ts, err, sizeof err), 0);
    mvg_csv_free(c);

    c = parse("kwh\n1\n2,\n", err, sizeof err);
    assert_null(c);

    c = parse("timestamp,kwh\n2024-02-30T00:00:00Z,1\n", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(mvg_csv_timestamps(c, &ts, err, sizeof err), -1);
    assert_non_null(strstr(err, "data.csv:2: column 'timestamp': '2024-02-30T00:00:00Z'"));
    mvg_csv_free(c);
}

static void test_iso8601(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(mvg_timefmt_parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(mvg_timefmt_parse("2000-03-01 00:00:00", &ms), 0);
    assert_true(ms == INT64_C(951868800000));
    assert_int_equal(mvg_timefmt_parse("2024-02-29T08:00:00+08:00", &ms), 0);
    assert_true(ms == INT64_C(1709164800000)); /* 2024-02-29T00:00:00Z */
    assert_int_equal(mvg_timefmt_parse("2024-02-29T00:00:00.250-01:30", &ms), 0);
    assert_true(ms == INT64_C(1709164800000) + 5400000 + 250);
    assert_int_equal(mvg_timefmt_parse("2024-03-01", &ms), 0);
    assert_true(ms == INT64_C(1709251200000));
    assert_int_equal(mvg_timefmt_parse("2023-02-29", &ms), -1);
    assert_int_equal(mvg_timefmt_parse("2024-13-01", &ms), -1);
    assert_int_equal(mvg_timefmt_parse("2024-01-01T00:00Zjunk", &ms), -1);
    assert_int_equal(mvg_timefmt_parse("yesterday", &ms), -1);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "kwh,prod\n");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "%d.5,%d\n", i, 2 * i);
    fclose(f);
    char err[256] = "";
    mvg_csv *c = mvg_csv_load(path, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(mvg_csv_rows(c), 1000);
    double *v;
    assert_int_equal(mvg_csv_numbers(c, "prod", &v, err, sizeof err), 0);
    assert_true(v[999] == 1998);
    free(v);
    mvg_csv_free(c);
    unlink(path);
    assert_null(mvg_csv_load(path, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
}

/* Writing: quoted only when needed, quotes doubled, CRLF after a row; what
 * is written reads back as it was. */
static void test_write(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    const char *row1[] = {"section", "key", "value", "unit"};
    const char *row2[] = {"a,b", "say \"hi\"", "two\nlines", ""};
    mvg_csv_put_row(f, row1, 4);
    mvg_csv_put_row(f, row2, 4);
    fclose(f);
    assert_string_equal(buf, "section,key,value,unit\r\n"
                             "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    char err[256];
    mvg_csv *c = mvg_csv_parse("w.csv", buf, len, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(mvg_csv_rows(c), 1);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(mvg_csv_cell(c, 0, i), row2[i]);
    mvg_csv_free(c);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),    cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_errors),   cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_load_file), cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
