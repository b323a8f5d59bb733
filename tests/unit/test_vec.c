/*
 * test_vec.c: the growth rule of growable arrays (daemon/base/vec.c): the
 * first size, doubling, no move while there is room, and a request too
 * large to allocate refused with the array left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vec.h"

static void test_first_size_then_doubling(void **state)
{
    (void)state;
    int *a = NULL;
    size_t n = 0, cap = 0;
    size_t caps[8], ncaps = 0;
    for (int i = 0; i < 100; i++) {
        size_t before = cap;
        int *g = mvg_vec_reserve(a, n, &cap, sizeof *g, 4);
        assert_non_null(g);
        a = g;
        if (cap != before)
            caps[ncaps++] = cap;
        a[n++] = i;
    }
    /* 4, 8, 16, 32, 64, 128: six growths for 100 appends */
    assert_int_equal(ncaps, 6);
    assert_int_equal(caps[0], 4);
    for (size_t k = 1; k < ncaps; k++)
        assert_int_equal(caps[k], 2 * caps[k - 1]);
    for (int i = 0; i < 100; i++)
        assert_int_equal(a[i], i);
    free(a);
}

static void test_no_move_while_there_is_room(void **state)
{
    (void)state;
    size_t cap = 0;
    char *a = mvg_vec_reserve(NULL, 0, &cap, 1, 16);
    assert_non_null(a);
    assert_int_equal(cap, 16);
    for (size_t n = 1; n < 16; n++)
        assert_ptr_equal(mvg_vec_reserve(a, n, &cap, 1, 16), a);
    assert_int_equal(cap, 16);
    free(a);
}

static void test_too_large_is_refused_and_leaves_the_array(void **state)
{
    (void)state;
    size_t cap = 2;
    double *a = calloc(cap, sizeof *a);
    assert_non_null(a);
    a[0] = 1.5;
    size_t huge = SIZE_MAX / 4; /* twice this many doubles cannot be allocated */
    size_t hcap = huge;
    assert_null(mvg_vec_reserve(a, huge, &hcap, sizeof *a, 4));
    assert_int_equal(hcap, huge);
    assert_true(a[0] == 1.5); /* still ours, still valid */
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_size_then_doubling),
        cmocka_unit_test(test_no_move_while_there_is_room),
        cmocka_unit_test(test_too_large_is_refused_and_leaves_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
