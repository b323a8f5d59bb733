/*
 * test_lineproto.c: the line-protocol encoder against expected lines
 * written by hand from the rules (the first one is the line LIBRARY-NOTES
 * shows influxd 1.6 accepting and reading back), and the refusals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lineproto.h"

static const char *text(mvg_lp *lp)
{
    size_t n;
    return mvg_lp_data(lp, &n);
}

static void test_awkward_names_escaped(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    assert_int_equal(mvg_lp_begin(lp, "energy meter"), 0);
    assert_int_equal(mvg_lp_tag(lp, "site", "plant,1"), 0);
    assert_int_equal(mvg_lp_tag(lp, "dev=id", "m 1"), 0);
    assert_int_equal(mvg_lp_field_double(lp, "kwh", 12.5), 0);
    assert_int_equal(mvg_lp_field_int(lp, "count", 42), 0);
    assert_int_equal(mvg_lp_field_bool(lp, "ok", 1), 0);
    assert_int_equal(mvg_lp_field_string(lp, "note", "say \"hi\" c:\\tmp"), 0);
    assert_int_equal(mvg_lp_end(lp, 1700000000000), 0);
    assert_string_equal(text(lp), "energy\\ meter,site=plant\\,1,dev\\=id=m\\ 1 "
                                  "kwh=12.5,count=42i,ok=true,note=\"say \\\"hi\\\" c:\\\\tmp\" "
                                  "1700000000000\n");
    assert_int_equal(mvg_lp_lines(lp), 1);
    mvg_lp_free(lp);
}

static void test_field_keys_and_measurement_rules(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    /* '=' needs no escape in a measurement; ',' and ' ' do in field keys. */
    mvg_lp_begin(lp, "a=b,c");
    mvg_lp_field_double(lp, "x y,z=w", -0.25);
    mvg_lp_field_int(lp, "neg", -9223372036854775807LL - 1);
    mvg_lp_field_bool(lp, "off", 0);
    mvg_lp_end(lp, -5);
    assert_string_equal(text(lp), "a=b\\,c x\\ y\\,z\\=w=-0.25,neg=-9223372036854775808i,off=false -5\n");
    mvg_lp_free(lp);
}

static void test_doubles_round_trip_and_stay_floats(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    mvg_lp_begin(lp, "m");
    mvg_lp_field_double(lp, "third", 1.0 / 3.0);
    mvg_lp_field_double(lp, "whole", 3.0);
    mvg_lp_end(lp, 1);
    /* the shortest text that reads back as 1/3 (Python writes it so too) */
    assert_string_equal(text(lp), "m third=0.3333333333333333,whole=3 1\n");
    mvg_lp_free(lp);
}

static void test_nan_inf_fields_left_out(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    mvg_lp_begin(lp, "m");
    assert_int_equal(mvg_lp_field_double(lp, "kw", NAN), MVG_LP_SKIPPED);
    assert_int_equal(mvg_lp_field_string(lp, "quality", "comm_error"), 0);
    assert_int_equal(mvg_lp_field_double(lp, "kwh", INFINITY), MVG_LP_SKIPPED);
    assert_int_equal(mvg_lp_end(lp, 7), 0);
    assert_string_equal(text(lp), "m quality=\"comm_error\" 7\n");

    /* Only NaN: no field left, the line is dropped whole. */
    mvg_lp_begin(lp, "m");
    mvg_lp_field_double(lp, "kw", NAN);
    assert_int_equal(mvg_lp_end(lp, 8), MVG_LP_SKIPPED);
    assert_string_equal(text(lp), "m quality=\"comm_error\" 7\n");
    assert_int_equal(mvg_lp_lines(lp), 1);
    mvg_lp_free(lp);
}

static void test_refusals_drop_the_whole_line(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    mvg_lp_begin(lp, "ok");
    mvg_lp_field_int(lp, "v", 1);
    mvg_lp_end(lp, 1);

    assert_int_equal(mvg_lp_begin(lp, "m"), 0);
    assert_int_equal(mvg_lp_tag(lp, "dir", "c:\\"), MVG_LP_EINVAL); /* ends in a backslash */
    mvg_lp_field_int(lp, "v", 2);
    assert_int_equal(mvg_lp_end(lp, 2), MVG_LP_SKIPPED);

    mvg_lp_begin(lp, "m");
    assert_int_equal(mvg_lp_tag(lp, "site", ""), MVG_LP_EINVAL); /* empty tag value */
    mvg_lp_field_int(lp, "v", 3);
    assert_int_equal(mvg_lp_end(lp, 3), MVG_LP_SKIPPED);

    mvg_lp_begin(lp, "m");
    assert_int_equal(mvg_lp_field_string(lp, "s", "two\nlines"), MVG_LP_EINVAL);
    assert_int_equal(mvg_lp_end(lp, 4), MVG_LP_SKIPPED);

    assert_int_equal(mvg_lp_begin(lp, "#comment"), MVG_LP_EINVAL);
    assert_int_equal(mvg_lp_begin(lp, "new\nline"), MVG_LP_EINVAL);
    assert_int_equal(mvg_lp_begin(lp, ""), MVG_LP_EINVAL);
    assert_int_equal(mvg_lp_end(lp, 5), MVG_LP_SKIPPED);

    assert_string_equal(text(lp), "ok v=1i 1\n");
    assert_int_equal(mvg_lp_lines(lp), 1);
    mvg_lp_free(lp);
}

static void test_order_of_calls_enforced(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    assert_int_equal(mvg_lp_end(lp, 1), MVG_LP_ESTATE);
    assert_int_equal(mvg_lp_field_int(lp, "v", 1), MVG_LP_ESTATE);
    mvg_lp_begin(lp, "m");
    mvg_lp_field_int(lp, "v", 1);
    assert_int_equal(mvg_lp_tag(lp, "late", "tag"), MVG_LP_ESTATE);
    /* an unfinished line never shows in the data */
    assert_string_equal(text(lp), "");
    mvg_lp_begin(lp, "m2");
    mvg_lp_tag(lp, "t", "1");
    mvg_lp_field_int(lp, "v", 2);
    mvg_lp_end(lp, 9);
    assert_string_equal(text(lp), "m2,t=1 v=2i 9\n");
    mvg_lp_clear(lp);
    assert_string_equal(text(lp), "");
    assert_int_equal(mvg_lp_lines(lp), 0);
    assert_string_equal(mvg_lp_precision_name(MVG_LP_MS), "ms");
    mvg_lp_free(lp);
}

static void test_many_lines_grow_the_buffer(void **state)
{
    (void)state;
    mvg_lp *lp = mvg_lp_new();
    for (int i = 0; i < 10000; i++) {
        mvg_lp_begin(lp, "meter");
        mvg_lp_tag(lp, "device", "comp1");
        mvg_lp_field_double(lp, "kw", i * 0.5);
        assert_int_equal(mvg_lp_end(lp, 1700000000000 + i), 0);
    }
    size_t n;
    const char *d = mvg_lp_data(lp, &n);
    assert_int_equal(mvg_lp_lines(lp), 10000);
    assert_memory_equal(d, "meter,device=comp1 kw=0 1700000000000\n", 38);
    assert_string_equal(d + n - 43, "meter,device=comp1 kw=4999.5 1700000009999\n");
    mvg_lp_free(lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_awkward_names_escaped),
        cmocka_unit_test(test_field_keys_and_measurement_rules),
        cmocka_unit_test(test_doubles_round_trip_and_stay_floats),
        cmocka_unit_test(test_nan_inf_fields_left_out),
        cmocka_unit_test(test_refusals_drop_the_whole_line),
        cmocka_unit_test(test_order_of_calls_enforced),
        cmocka_unit_test(test_many_lines_grow_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
