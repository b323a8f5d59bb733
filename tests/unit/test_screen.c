/*
 * test_screen.c: the screening rules (daemon/engine/screen.c), by hand.
 *
 * Outliers, 9 residuals -6 -2 -1 -0.5 0 0.5 1 2 30 (given unsorted):
 * type 7 quantiles, h = (n - 1) q: median h = 4 -> 0; Q1 h = 2 -> -1;
 * Q3 h = 6 -> 1; IQR 2; fences 0 -+ 3 x 2 = [-6, 6]. 30 is an outlier,
 * -6 sits on the fence and is not (strictly outside only); -6.01 is.
 * Even n: -2 -1 -0.5 0 0.5 1 2 30: median h = 3.5 -> 0.25, Q1 h = 1.75
 * -> -1 + 0.75 x 0.5 = -0.625, Q3 h = 5.25 -> 1 + 0.25 x 1 = 1.25.
 * Range: x over 10..20 with a margin of 0.1 (of the width 10) admits
 * 9..21; 8.9 and 21.01 are outside.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "screen.h"

static void test_quantile(void **state)
{
    (void)state;
    const double s[] = {-2, -1, -0.5, 0, 0.5, 1, 2, 30};
    assert_true(fabs(mvg_screen_quantile(s, 8, 0.5) - 0.25) < 1e-15);
    assert_true(fabs(mvg_screen_quantile(s, 8, 0.25) - -0.625) < 1e-15);
    assert_true(fabs(mvg_screen_quantile(s, 8, 0.75) - 1.25) < 1e-15);
    assert_true(mvg_screen_quantile(s, 8, 0.0) == -2 && mvg_screen_quantile(s, 8, 1.0) == 30);
    assert_true(isnan(mvg_screen_quantile(s, 0, 0.5)));
}

static void test_outliers(void **state)
{
    (void)state;
    double r[9] = {1, -1, 30, 2, -0.5, 0, 0.5, -2, -6};
    unsigned char flag[9];
    mvg_screen_fences f;
    assert_int_equal(mvg_screen_outliers(r, 9, &f, flag), 0);
    assert_true(f.median == 0 && f.q1 == -1 && f.q3 == 1 && f.iqr == 2);
    assert_true(f.low == -6 && f.high == 6);
    assert_int_equal(f.n, 9);
    assert_int_equal(f.n_outliers, 1);
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(flag[i], i == 2);
    r[8] = -6.01; /* the quartiles do not move: one more outlier */
    assert_int_equal(mvg_screen_outliers(r, 9, &f, flag), 0);
    assert_int_equal(f.n_outliers, 2);
    assert_int_equal(flag[8], 1);
    /* a NaN residual is neither screened nor flagged */
    r[0] = NAN;
    assert_int_equal(mvg_screen_outliers(r, 9, &f, flag), 0);
    assert_int_equal(f.n, 8);
    assert_int_equal(flag[0], 0);
    /* too few to screen */
    assert_int_equal(mvg_screen_outliers(r, 3, &f, flag), -1);
    assert_int_equal(f.n_outliers, 0);
}

static void test_residuals(void **state)
{
    (void)state;
    mvg_model m = {.type = MVG_MODEL_LINEAR, .nx = 1, .ncoef = 2, .coef = {10, 2}};
    const double y[3] = {30, 50, 0}, x0[3] = {10, 20, 5};
    const double *x[1] = {x0};
    double e[3];
    mvg_screen_residuals(&m, y, x, 3, e);
    assert_true(e[0] == 0 && e[1] == 0 && e[2] == -20);
}

static void test_range(void **state)
{
    (void)state;
    const double a[5] = {12, 10, 20, 15, 99}, b[5] = {1, NAN, 3, 2, 100};
    const double *x[2] = {a, b};
    const unsigned char skip[5] = {0, 0, 0, 0, 1}; /* an excluded row does not widen it */
    mvg_screen_range r;
    mvg_screen_range_of(x, 2, 5, skip, &r);
    assert_int_equal(r.nx, 2);
    assert_true(r.min[0] == 10 && r.max[0] == 20 && r.min[1] == 1 && r.max[1] == 3);
    double v[2] = {9, 2};
    assert_int_equal(mvg_screen_outside(&r, v, 0.1), 0);
    v[0] = 8.9;
    assert_int_equal(mvg_screen_outside(&r, v, 0.1), 1);
    v[0] = 21;
    assert_int_equal(mvg_screen_outside(&r, v, 0.1), 0);
    v[0] = 21.01;
    v[1] = 3.5; /* b: width 2, margin 0.2: up to 3.2 */
    assert_int_equal(mvg_screen_outside(&r, v, 0.1), 3);
    assert_int_equal(mvg_screen_outside(&r, v, 0.0), 3);
    v[0] = 20.5;
    v[1] = NAN; /* a non-finite x sets no bit */
    assert_int_equal(mvg_screen_outside(&r, v, 0.0), 1);
    assert_int_equal(mvg_screen_outside(&r, v, 0.1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_outliers),
        cmocka_unit_test(test_residuals),
        cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
