/*
 * test_hub_doc.c: the hub's parse of a message's JSON (tools/hub/hub_doc.h):
 * members, nesting, arrays and numbers read as written (escapes decoded,
 * integers told from reals, the last of a duplicate member); and at each
 * edge where yajl alone would differ from jansson (white space, UTF-8,
 * surrogate escapes, NUL, trailing bytes, depth, integer range) the same
 * verdict as jansson's json_loadb, asked here beside it, with a message
 * saying what is wrong.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hub_doc.h"

static void reads_members(void **state)
{
    (void)state;
    static const char t[] =
        "{\"schema\":\"mvgate/interval/5\",\"chain\":42,\"big\":-9223372036854775808,"
        "\"x\":2.5e-3,\"one\":1.0,\"name\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\u\","
        "\"streams\":[{\"name\":\"electricity\",\"day\":null},{\"name\":\"gas\"},7],"
        "\"ok\":true,\"no\":false,\"dup\":\"first\",\"dup\":\"last\",\"empty\":{}}";
    char err[200] = "";
    mvg_hub_doc *d = mvg_hub_doc_parse(t, sizeof t - 1, err, sizeof err);
    assert_non_null(d);
    mvg_hub_node top = mvg_hub_doc_root(d);
    assert_int_equal(mvg_hub_doc_type_of(d, top), MVG_HUB_DOC_OBJECT);
    assert_string_equal(mvg_hub_doc_get_str(d, top, "schema"), "mvgate/interval/5");
    assert_string_equal(mvg_hub_doc_get_str(d, top, "name"),
                        "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\u");
    assert_string_equal(mvg_hub_doc_get_str(d, top, "dup"), "last");
    int64_t v = 0;
    assert_true(mvg_hub_doc_int(d, mvg_hub_doc_get(d, top, "chain"), &v));
    assert_int_equal(v, 42);
    assert_true(mvg_hub_doc_int(d, mvg_hub_doc_get(d, top, "big"), &v));
    assert_true(v == INT64_MIN);
    /* a real is not an integer, even when whole (jansson's json_is_integer) */
    assert_false(mvg_hub_doc_int(d, mvg_hub_doc_get(d, top, "one"), &v));
    assert_true(mvg_hub_doc_get_num(d, top, "one") == 1.0);
    assert_true(mvg_hub_doc_get_num(d, top, "x") == 2.5e-3);
    assert_true(mvg_hub_doc_get_num(d, top, "chain") == 42.0);
    /* absent, or not of the type asked: NULL, NaN, NONE */
    assert_null(mvg_hub_doc_get_str(d, top, "chain"));
    assert_true(isnan(mvg_hub_doc_get_num(d, top, "schema")));
    assert_true(isnan(mvg_hub_doc_get_num(d, top, "nothing")));
    assert_int_equal(mvg_hub_doc_get(d, top, "nothing"), MVG_HUB_DOC_NONE);
    assert_int_equal(mvg_hub_doc_type_of(d, mvg_hub_doc_get(d, top, "ok")), MVG_HUB_DOC_BOOL);
    assert_int_equal(mvg_hub_doc_type_of(d, mvg_hub_doc_get(d, top, "empty")),
                     MVG_HUB_DOC_OBJECT);
    assert_int_equal(mvg_hub_doc_get(d, mvg_hub_doc_get(d, top, "empty"), "x"),
                     MVG_HUB_DOC_NONE);

    mvg_hub_node s = mvg_hub_doc_get(d, top, "streams");
    assert_int_equal(mvg_hub_doc_type_of(d, s), MVG_HUB_DOC_ARRAY);
    assert_int_equal(mvg_hub_doc_count(d, s), 3);
    mvg_hub_node e = mvg_hub_doc_first(d, s);
    assert_string_equal(mvg_hub_doc_get_str(d, e, "name"), "electricity");
    mvg_hub_node day = mvg_hub_doc_get(d, e, "day");
    assert_true(day != MVG_HUB_DOC_NONE); /* present, null: not absent */
    assert_int_equal(mvg_hub_doc_type_of(d, day), MVG_HUB_DOC_NULL);
    e = mvg_hub_doc_next(d, e);
    assert_string_equal(mvg_hub_doc_get_str(d, e, "name"), "gas");
    e = mvg_hub_doc_next(d, e);
    assert_true(mvg_hub_doc_num(d, e) == 7.0);
    assert_int_equal(mvg_hub_doc_next(d, e), MVG_HUB_DOC_NONE);
    /* an object is not an array, an array has no members */
    assert_int_equal(mvg_hub_doc_count(d, top), 0);
    assert_int_equal(mvg_hub_doc_get(d, s, "name"), MVG_HUB_DOC_NONE);
    mvg_hub_doc_free(d);
    mvg_hub_doc_free(NULL);
}

/* t (n bytes) parsed by both: the same verdict, and a refusal says why. */
static void like_jansson(const char *t, size_t n, int accepted, const char *says)
{
    json_error_t je;
    json_t *j = json_loadb(t, n, 0, &je);
    char err[200] = "";
    mvg_hub_doc *d = mvg_hub_doc_parse(t, n, err, sizeof err);
    if ((j && json_is_object(j)) != accepted || (d != NULL) != accepted) {
        fprintf(stderr, "for %.60s: jansson %s, hub_doc %s (%s)\n", t, j ? "takes it" : je.text,
                d ? "takes it" : "refuses", err);
        fail();
    }
    if (!accepted && says && !strstr(err, says)) {
        fprintf(stderr, "for %.60s: %s, not %s\n", t, err, says);
        fail();
    }
    json_decref(j);
    mvg_hub_doc_free(d);
}

#define LIKE(lit, ok, says) like_jansson(lit, sizeof lit - 1, ok, says)

static void refuses_as_jansson(void **state)
{
    (void)state;
    LIKE("{\"a\":1}\r\n\t ", 1, NULL);
    LIKE("{\"a\":1,}", 0, "error");
    LIKE("{\"a\":1}{}", 0, NULL);
    LIKE("[1,2]", 0, "not a JSON object");
    LIKE("\"text\"", 0, NULL);
    LIKE("", 0, NULL);
    LIKE("{\"a\":01}", 0, NULL);
    LIKE("{\"a\":1}\"", 0, "trailing garbage");   /* yajl alone takes these two */
    LIKE("{\"a\":1}\"}", 0, "trailing garbage");
    LIKE("{\"a\":\f1}", 0, "control character"); /* and \v and \f as white space */
    LIKE("{\"a\":\v1}", 0, "control character");
    LIKE("{\"a\":\"x\ty\"}", 0, NULL);
    LIKE("{\"a\":\"\xc3\xa9\"}", 1, NULL);
    LIKE("{\"a\":\"\xf4\x8f\xbf\xbf\"}", 1, NULL);              /* U+10FFFF */
    LIKE("{\"a\":\"\xc0\xaf\"}", 0, "not UTF-8");               /* overlong */
    LIKE("{\"a\":\"\xe0\x80\xaf\"}", 0, "not UTF-8");           /* overlong */
    LIKE("{\"a\":\"\xed\xa0\x80\"}", 0, "not UTF-8");           /* a surrogate */
    LIKE("{\"a\":\"\xf4\x90\x80\x80\"}", 0, "not UTF-8");       /* above U+10FFFF */
    LIKE("{\"a\":\"\xe2\x82\"}", 0, "not UTF-8");               /* cut short */
    LIKE("{\"a\":\"\\ud83d\\ude00\"}", 1, NULL);
    LIKE("{\"a\":\"\\ude00\"}", 0, "lone low surrogate");
    LIKE("{\"a\":\"\\ud83d\"}", 0, "without its low one");
    LIKE("{\"a\":\"\\ud83d\\u0041\"}", 0, "without its low one");
    LIKE("{\"a\":\"\\\\ude00\"}", 1, NULL); /* an escaped backslash, then text */
    LIKE("{\"a\":\"x\\u0000y\"}", 0, "\\u0000");
    LIKE("{\"x\\u0000\":1}", 0, "\\u0000");
    LIKE("{\"a\":9223372036854775807}", 1, NULL);
    LIKE("{\"a\":9223372036854775808}", 0, "too big");
    LIKE("{\"a\":-9223372036854775809}", 0, "too big");
    LIKE("{\"a\":1e-400}", 1, NULL);
}

/* jansson's depth counts every value: 2048 levels of containers, or 2047
 * and a scalar inside, are the most either takes. */
static void depth_as_jansson(void **state)
{
    (void)state;
    static char t[8192];
    for (int levels = 2046; levels <= 2050; levels++) {
        for (int scalar = 0; scalar <= 1; scalar++) {
            size_t n = 0;
            n += (size_t)snprintf(t + n, sizeof t - n, "{\"a\":");
            for (int i = 1; i < levels; i++)
                t[n++] = '[';
            if (scalar)
                t[n++] = '1';
            for (int i = 1; i < levels; i++)
                t[n++] = ']';
            t[n++] = '}';
            t[n] = '\0';
            int ok = levels + scalar <= 2048;
            like_jansson(t, n, ok, ok ? NULL : "nested too deeply");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_members),
        cmocka_unit_test(refuses_as_jansson),
        cmocka_unit_test(depth_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
