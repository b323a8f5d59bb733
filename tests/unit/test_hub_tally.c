/*
 * test_hub_tally.c: the programme's running sums (tools/hub/hub_tally.h):
 * an interval record's rows (a counted stream's figures, an uncounted
 * stream's coverage and adjustment only, nothing outside the reporting
 * period, bad bytes refused), the Hong Kong day of a start, and the sums
 * in a real SQLite database: rows of one day add up whatever the order,
 * the last record follows the latest start, the verified count adds and
 * keeps the highest position; and the programme year's window.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hub_db.h"
#include "hub_tally.h"
#include "testutil.h"
#include "timefmt.h"

static const char REC[] =
    "{\"schema\":\"mvgate/interval/3\",\"gateway\":\"g\",\"project\":\"p\",\"seq\":3,"
    "\"start\":\"2026-01-04T16:00:00.000Z\",\"end\":\"2026-01-04T16:15:00.000Z\","
    "\"phase\":\"%s\",\"streams\":["
    "{\"name\":\"electricity\",\"type\":\"electricity\",\"coverage\":0.9,\"actual\":3.0,"
    "\"adjusted_baseline\":4.0,\"adjustment\":0.25,\"savings\":1.25,\"converted\":{\"kwh\":1.25,"
    "\"tj\":4.5e-06,\"co2_t\":0.0006125,\"pollutant_kg\":0.0,\"water_m3\":0.0,\"cost_hkd\":1.6875}},"
    "{\"name\":\"voc\",\"type\":\"voc\",\"coverage\":0.5,\"actual\":2.0,\"adjusted_baseline\":null,"
    "\"adjustment\":0.0,\"savings\":null,\"converted\":{\"kwh\":null,\"tj\":null,\"co2_t\":null,"
    "\"pollutant_kg\":null,\"water_m3\":null,\"cost_hkd\":null}}],\"chain\":4}";

static void extract_reporting(void **state)
{
    (void)state;
    char buf[2048], err[160];
    int n = snprintf(buf, sizeof buf, REC, "reporting");
    mvg_hub_tally_row r[MVG_HUB_TALLY_MAX_STREAMS];
    assert_int_equal(mvg_hub_tally_extract(buf, (size_t)n, 42, r, err, sizeof err), 2);
    /* 2026-01-04T16:00Z is 00:00 of 5 January in Hong Kong */
    int64_t day_start;
    assert_int_equal(mvg_timefmt_parse("2026-01-05T00:00+08:00", &day_start), 0);
    assert_int_equal(r[0].day, mvg_hub_tally_day(day_start));
    assert_int_equal(mvg_hub_tally_day_start(r[0].day), day_start);
    assert_int_equal(mvg_hub_tally_day(day_start - 1), r[0].day - 1);
    assert_string_equal(r[0].stream, "electricity");
    assert_int_equal(r[0].records, 1);
    assert_int_equal(r[0].m, 1);
    assert_true(r[0].coverage == 0.9 && r[0].adjusted_baseline == 4.0 && r[0].actual == 3.0);
    assert_true(r[0].adjustment == 0.25 && r[0].savings == 1.25);
    assert_true(r[0].conv[MVG_HUB_TC_TJ] == 4.5e-06 && r[0].conv[MVG_HUB_TC_COST_HKD] == 1.6875);
    assert_int_equal(r[0].last_id, 42);
    /* not counted: its coverage and adjustment, no figures (nulls are not 0s
     * that were measured: they add nothing) */
    assert_string_equal(r[1].type, "voc");
    assert_int_equal(r[1].records, 1);
    assert_int_equal(r[1].m, 0);
    assert_true(r[1].coverage == 0.5 && r[1].actual == 0.0 && r[1].savings == 0.0);
    assert_true(r[1].conv[MVG_HUB_TC_POLLUTANT_KG] == 0.0);
}

static void extract_other(void **state)
{
    (void)state;
    char buf[2048], err[160];
    mvg_hub_tally_row r[MVG_HUB_TALLY_MAX_STREAMS];
    int n = snprintf(buf, sizeof buf, REC, "baseline");
    assert_int_equal(mvg_hub_tally_extract(buf, (size_t)n, 1, r, err, sizeof err), 0);
    assert_int_equal(mvg_hub_tally_extract("{\"x\":", 5, 1, r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not JSON"));
    const char *no_start = "{\"phase\":\"reporting\",\"streams\":[]}";
    assert_int_equal(mvg_hub_tally_extract(no_start, strlen(no_start), 1, r, err, sizeof err), -1);
}

/* A daily project's record (interval schema 5): the interval has no
 * baseline value; the one that ends a counted day carries the day's, and
 * the tally counts the day: its adjusted baseline, actual, avoided use as
 * the savings and its converted block; the interval's adjustment apart. */
static void extract_daily(void **state)
{
    (void)state;
    static const char rec[] =
        "{\"phase\":\"reporting\",\"start\":\"2026-01-05T15:00:00.000Z\",\"streams\":["
        "{\"name\":\"e\",\"type\":\"electricity\",\"coverage\":1.0,\"actual\":12.0,"
        "\"adjusted_baseline\":null,\"savings\":null,\"adjustment\":0.5,"
        "\"converted\":{\"kwh\":null},"
        "\"day\":{\"complete\":true,\"actual\":288.0,\"adjusted_baseline\":336.0,"
        "\"avoided\":48.0,\"converted\":{\"kwh\":48.0,\"cost_hkd\":60.0}}},"
        "{\"name\":\"f\",\"type\":\"electricity\",\"coverage\":1.0,\"actual\":12.0,"
        "\"adjusted_baseline\":null,\"savings\":null,\"adjustment\":0.0,"
        "\"day\":{\"complete\":false,\"actual\":200.0,\"adjusted_baseline\":null,"
        "\"avoided\":null}}]}";
    char err[160];
    mvg_hub_tally_row r[MVG_HUB_TALLY_MAX_STREAMS];
    assert_int_equal(mvg_hub_tally_extract(rec, sizeof rec - 1, 9, r, err, sizeof err), 2);
    assert_int_equal(r[0].m, 1);
    assert_true(r[0].adjusted_baseline == 336.0 && r[0].actual == 288.0);
    assert_true(r[0].savings == 48.0 && r[0].adjustment == 0.5);
    assert_true(r[0].conv[MVG_HUB_TC_KWH] == 48.0 && r[0].conv[MVG_HUB_TC_COST_HKD] == 60.0);
    assert_int_equal(r[1].m, 0); /* an incomplete day counts nothing */
    assert_true(r[1].actual == 0.0 && r[1].savings == 0.0);
}

static mvg_hub_tally_row row(int64_t day, int64_t start, int64_t id, double sav)
{
    mvg_hub_tally_row r = {.day = day, .records = 1, .m = 1, .coverage = 1.0, .savings = sav,
                           .first_ms = start, .last_ms = start, .last_id = id};
    snprintf(r.stream, sizeof r.stream, "electricity");
    snprintf(r.type, sizeof r.type, "electricity");
    r.conv[MVG_HUB_TC_TJ] = sav * 3.6e-6;
    return r;
}

static void sums_in_sqlite(void **state)
{
    (void)state;
    char dir[256], err[256];
    assert_int_equal(tu_tmpdir_make(dir, sizeof dir, "tally"), 0);
    mvg_hub_db_cfg cfg = {.backend = MVG_HUB_DB_SQLITE};
    snprintf(cfg.path, sizeof cfg.path, "%s/hub.db", dir);
    mvg_hub_db *db = mvg_hub_db_open(&cfg, err, sizeof err);
    assert_non_null(db);
    /* the later record first: the sums do not depend on the order */
    mvg_hub_tally_row a = row(20000, 2000, 7, 1.5), b = row(20000, 1000, 3, 0.25),
                      c = row(20001, 90000, 9, 2.0);
    assert_int_equal(mvg_hub_tally_add(db, "g", "p", &a, 1), 0);
    assert_int_equal(mvg_hub_tally_add(db, "g", "p", &b, 1), 0);
    assert_int_equal(mvg_hub_tally_add(db, "g", "p", &c, 1), 0);
    mvg_hub_rows *r = mvg_hub_db_query(db,
                                       "SELECT day, records, m, savings, tj, first_ms, last_ms,"
                                       " last_id FROM hub_tally_days ORDER BY day",
                                       NULL, 0);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_count(r), 2);
    assert_int_equal(mvg_hub_rows_int(r, 0, 1), 2);
    assert_int_equal(mvg_hub_rows_int(r, 0, 2), 2);
    assert_true(strtod(mvg_hub_rows_text(r, 0, 3), NULL) == 1.75);
    assert_true(fabs(strtod(mvg_hub_rows_text(r, 0, 4), NULL) - 1.75 * 3.6e-6) < 1e-20);
    assert_int_equal(mvg_hub_rows_int(r, 0, 5), 1000);
    assert_int_equal(mvg_hub_rows_int(r, 0, 6), 2000);
    assert_int_equal(mvg_hub_rows_int(r, 0, 7), 7); /* the record that starts last */
    assert_int_equal(mvg_hub_rows_int(r, 1, 7), 9);
    mvg_hub_rows_free(r);
    assert_int_equal(mvg_hub_tally_count(db, "g", "p", 1, 5, 0), 0);
    assert_int_equal(mvg_hub_tally_count(db, "g", "p", 2, 3, 1), 0);
    r = mvg_hub_db_query(db, "SELECT ok_records, ok_chain_max, unread FROM hub_tally_projects",
                         NULL, 0);
    assert_non_null(r);
    assert_int_equal(mvg_hub_rows_int(r, 0, 0), 3);
    assert_int_equal(mvg_hub_rows_int(r, 0, 1), 5);
    assert_int_equal(mvg_hub_rows_int(r, 0, 2), 1);
    mvg_hub_rows_free(r);
    mvg_hub_db_close(db);
    tu_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extract_reporting),
        cmocka_unit_test(extract_other),
        cmocka_unit_test(extract_daily),
        cmocka_unit_test(sums_in_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
