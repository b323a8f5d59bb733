/*
 * test_strpool.c: the pool of interned strings (daemon/base/strpool.c):
 * equal strings get one copy, the copies survive the index's growth and
 * the blocks filling up (a string longer than a block too), and after
 * mvg_strpool_seal a string is still kept, only no longer shared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strpool.h"

static void test_equal_strings_share_one_copy(void **state)
{
    (void)state;
    mvg_strpool *p = mvg_strpool_new();
    assert_non_null(p);
    char kw[] = "kW";
    const char *a = mvg_strpool_intern(p, kw);
    kw[0] = 'M'; /* the pool keeps its own copy */
    const char *b = mvg_strpool_intern(p, "kW");
    const char *c = mvg_strpool_intern(p, "MW");
    const char *e = mvg_strpool_intern(p, "");
    assert_string_equal(a, "kW");
    assert_ptr_equal(a, b);
    assert_string_equal(c, "MW");
    assert_true(c != a);
    assert_string_equal(e, "");
    assert_ptr_equal(mvg_strpool_intern(p, ""), e);
    assert_int_equal(mvg_strpool_count(p), 3);
    assert_int_equal(mvg_strpool_bytes(p), 3 + 3 + 1); /* "kW", "MW", "" with their NULs */
    mvg_strpool_free(p);
    mvg_strpool_free(NULL);
}

/* 20,000 names "p0".."p19999" (more than one 16 kB block, an index grown
 * nine times from 64 slots): each comes back as the first copy, intact. */
static void test_many_strings_survive_growth(void **state)
{
    (void)state;
    enum { N = 20000 };
    mvg_strpool *p = mvg_strpool_new();
    const char **first = calloc(N, sizeof *first);
    assert_non_null(first);
    size_t bytes = 0;
    for (int i = 0; i < N; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "p%d", i);
        first[i] = mvg_strpool_intern(p, name);
        assert_non_null(first[i]);
        bytes += (size_t)n + 1;
    }
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        assert_string_equal(first[i], name);
        assert_ptr_equal(mvg_strpool_intern(p, name), first[i]);
    }
    assert_int_equal(mvg_strpool_count(p), N);
    assert_int_equal(mvg_strpool_bytes(p), bytes);
    free(first);
    mvg_strpool_free(p);
}

/* A string longer than a block gets a block of its own; the block being
 * filled goes on taking the short ones. */
static void test_long_string(void **state)
{
    (void)state;
    mvg_strpool *p = mvg_strpool_new();
    const char *a = mvg_strpool_intern(p, "a");
    size_t n = 40000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    const char *k = mvg_strpool_intern(p, big);
    const char *b = mvg_strpool_intern(p, "b");
    assert_int_equal(strlen(k), n);
    assert_ptr_equal(mvg_strpool_intern(p, big), k);
    assert_ptr_equal(b, a + 2); /* right after "a" in the first block */
    assert_string_equal(a, "a");
    free(big);
    mvg_strpool_free(p);
}

static void test_sealed_pool_still_keeps(void **state)
{
    (void)state;
    mvg_strpool *p = mvg_strpool_new();
    const char *a = mvg_strpool_intern(p, "kWh");
    mvg_strpool_seal(p);
    assert_string_equal(a, "kWh"); /* what was handed out stays */
    const char *b = mvg_strpool_intern(p, "kWh");
    assert_non_null(b);
    assert_string_equal(b, "kWh");
    assert_true(b != a); /* no index: a copy of its own */
    assert_int_equal(mvg_strpool_count(p), 2);
    mvg_strpool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_strings_share_one_copy),
        cmocka_unit_test(test_many_strings_survive_growth),
        cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_sealed_pool_still_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
