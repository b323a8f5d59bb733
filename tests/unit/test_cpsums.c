/*
 * test_cpsums.c: a change-point candidate's SSE from prefix sums
 * (daemon/engine/cpsums.c), with further linear columns: hand-worked
 * designs whose SSE is known exactly, the SSE against the QR fit of the same
 * candidate (mvg_model_fit_at) on random data with 1..3 further columns for
 * every change-point form (also with large offsets), and the singular
 * candidates (+inf) and rejected arguments.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpsums.h"
#include "model.h"

#define assert_near(x, want, tol) assert_near_at((x), (want), (tol), __FILE__, __LINE__)
static void assert_near_at(double x, double want, double tol, const char *file, int line)
{
    if (!(fabs(x - want) <= tol))
        print_error("%s:%d: got %.17g, want %.17g (tolerance %g)\n", file, line, x, want, tol);
    assert_true(fabs(x - want) <= tol);
}

/*
 * Five rows, x = 0..4, z = (0, 1, 0, 1, 0). A 3PC at c = 2 has the hinge
 * h = (x - 2)+ = (0, 0, 0, 1, 2). e = (0, 2, -1, -2, 1) is orthogonal to 1
 * (sum 0), to h (-2 + 2) and to z (2 - 2), so y = 5 + 2 h + 3 z + e is
 * fitted with residual e exactly: SSE = 0 + 4 + 1 + 4 + 1 = 10.
 * y = (5, 10, 4, 8, 10).
 */
static void test_hand_3pc(void **state)
{
    (void)state;
    double x[5] = {0, 1, 2, 3, 4}, z[5] = {0, 1, 0, 1, 0}, y[5] = {5, 10, 4, 8, 10};
    const double *zs[1] = {z};
    char err[200] = "";
    mvg_cpsums *s = mvg_cpsums_new(MVG_MODEL_3PC, y, x, zs, 1, 5, err, sizeof err);
    assert_non_null(s);
    double c = 2;
    assert_near(mvg_cpsums_sse(s, &c), 10, 1e-12);
    /* any c in [2, 3) puts the same rows past the hinge, but the hinge
     * (x - c)+ differs, so the SSE does: only c = 2 gives 10 */
    c = 2.5;
    assert_true(mvg_cpsums_sse(s, &c) != 10);
    mvg_cpsums_free(s);
}

/* The mirror: x = (4, 3, 2, 1, 0) in that row order (not sorted), a 3PH at
 * c = 2 has (2 - x)+ = (0, 0, 0, 1, 2), the same design row for row: SSE
 * 10 again. */
static void test_hand_3ph_unsorted(void **state)
{
    (void)state;
    double x[5] = {4, 3, 2, 1, 0}, z[5] = {0, 1, 0, 1, 0}, y[5] = {5, 10, 4, 8, 10};
    const double *zs[1] = {z};
    char err[200] = "";
    mvg_cpsums *s = mvg_cpsums_new(MVG_MODEL_3PH, y, x, zs, 1, 5, err, sizeof err);
    assert_non_null(s);
    double c = 2;
    assert_near(mvg_cpsums_sse(s, &c), 10, 1e-12);
    assert_near(mvg_cpsums_sorted_x(s)[0], 0, 0);
    assert_near(mvg_cpsums_sorted_x(s)[4], 4, 0);
    mvg_cpsums_free(s);
}

/* Exact data: y = 10 + 2 (x - 18)+ + 0.5 L has SSE 0 at c = 18 and only
 * there among the candidates tried. */
static void test_exact_zero(void **state)
{
    (void)state;
    enum { N = 60 };
    double x[N], l[N], y[N];
    for (size_t i = 0; i < N; i++) {
        x[i] = 5 + 0.37 * (double)i;
        l[i] = 100 + 37 * (double)((i * 7) % 11);
        y[i] = 10 + 2 * fmax(x[i] - 18, 0) + 0.5 * l[i];
    }
    const double *zs[1] = {l};
    char err[200] = "";
    mvg_cpsums *s = mvg_cpsums_new(MVG_MODEL_3PC, y, x, zs, 1, N, err, sizeof err);
    assert_non_null(s);
    double c = 18;
    assert_near(mvg_cpsums_sse(s, &c), 0, 1e-9);
    c = 19;
    assert_true(mvg_cpsums_sse(s, &c) > 1);
    mvg_cpsums_free(s);
}

static double uniform(unsigned long *s)
{
    *s = (*s * 6364136223846793005UL + 1442695040888963407UL);
    return (double)(*s >> 11) / 9007199254740992.0; /* [0, 1) */
}

/* The prefix-sum SSE against the QR fit's at the same change points:
 * n random rows, x in [0, 30), k further columns (a load, a second load
 * partly following x, a third with a large mean), y from a 5P-like truth
 * plus noise; offsets shift x, y and z (kelvin-like x, y near 1e5). */
static void compare_with_qr(mvg_model_type t, size_t k, double xoff, double yoff,
                            unsigned long seed)
{
    enum { N = 300 };
    double x[N], y[N], z[3][N];
    unsigned long s = seed;
    for (size_t i = 0; i < N; i++) {
        double xi = 30 * uniform(&s);
        x[i] = xi + xoff;
        z[0][i] = 50 + 40 * uniform(&s);
        z[1][i] = 0.3 * xi + 10 * uniform(&s);
        z[2][i] = 1000 + 5 * uniform(&s);
        y[i] = yoff + 200 + 4 * fmax(12 - xi, 0) + 6 * fmax(xi - 22, 0) + 0.8 * z[0][i] +
               (k > 1 ? 1.5 * z[1][i] : 0) + (k > 2 ? -2 * z[2][i] : 0) + 5 * (uniform(&s) - 0.5);
    }
    const double *xs[4] = {x, z[0], z[1], z[2]};
    char err[200] = "";
    mvg_cpsums *cs = mvg_cpsums_new(t, y, x, xs + 1, k, N, err, sizeof err);
    assert_non_null(cs);
    /* candidates across [P10, P90]-ish of x, and one pair per 5P */
    static const double c1s[] = {4.1, 9.7, 12.0, 15.3, 21.9, 26.2};
    size_t tried = 0;
    for (size_t a = 0; a < sizeof c1s / sizeof c1s[0]; a++) {
        double cp[2] = {c1s[a] + xoff, c1s[(a + 3) % 6] + xoff};
        if (t == MVG_MODEL_5P && cp[0] > cp[1]) {
            double tmp = cp[0];
            cp[0] = cp[1];
            cp[1] = tmp;
        }
        mvg_model m;
        assert_int_equal(mvg_model_fit_at(t, y, xs, 1 + k, N, cp, 1.0, NULL, &m, err, sizeof err),
                         0);
        double sse = mvg_cpsums_sse(cs, cp);
        if (!(fabs(sse - m.sse) <= 1e-9 * m.sse))
            print_error("%s k=%zu offsets %g/%g c=(%g, %g): sums %.17g, QR %.17g\n",
                        mvg_model_type_name(t), k, xoff, yoff, cp[0], cp[1], sse, m.sse);
        assert_near(sse, m.sse, 1e-9 * m.sse);
        tried++;
    }
    assert_int_equal(tried, 6);
    mvg_cpsums_free(cs);
}

static void test_against_qr(void **state)
{
    (void)state;
    static const mvg_model_type forms[] = {MVG_MODEL_3PC, MVG_MODEL_3PH, MVG_MODEL_4P,
                                           MVG_MODEL_5P};
    for (size_t f = 0; f < 4; f++)
        for (size_t k = 1; k <= 3; k++)
            compare_with_qr(forms[f], k, 0, 0, 1000 + 10 * f + k);
}

static void test_against_qr_offsets(void **state)
{
    (void)state;
    static const mvg_model_type forms[] = {MVG_MODEL_3PC, MVG_MODEL_3PH, MVG_MODEL_4P,
                                           MVG_MODEL_5P};
    for (size_t f = 0; f < 4; f++)
        for (size_t k = 1; k <= 3; k++)
            compare_with_qr(forms[f], k, 273.15, 1e5, 2000 + 10 * f + k);
}

/* Singular candidates are +inf, as a rank-deficient QR is: a constant
 * further column, one that is a combination of the others, one equal to
 * x (the hinge below every x is then 1 and x again), a hinge with no rows,
 * a 5P with c1 > c2. */
static void test_singular(void **state)
{
    (void)state;
    enum { N = 40 };
    double x[N], y[N], one[N], a[N], b[N];
    for (size_t i = 0; i < N; i++) {
        x[i] = (double)i;
        y[i] = 3 + fmax(x[i] - 20, 0) + 0.1 * (double)((i * 7) % 5);
        one[i] = 4;
        a[i] = (double)((i * 3) % 7);
        b[i] = 2 * a[i] - 1;
    }
    char err[200] = "";
    double c = 20, c5[2] = {25, 10}, below = -1, above = 50;
    const double *zc[1] = {one};
    mvg_cpsums *s = mvg_cpsums_new(MVG_MODEL_3PC, y, x, zc, 1, N, err, sizeof err);
    assert_non_null(s);
    assert_true(isinf(mvg_cpsums_sse(s, &c)));
    mvg_cpsums_free(s);

    const double *zab[2] = {a, b};
    s = mvg_cpsums_new(MVG_MODEL_4P, y, x, zab, 2, N, err, sizeof err);
    assert_non_null(s);
    assert_true(isinf(mvg_cpsums_sse(s, &c)));
    mvg_cpsums_free(s);

    const double *zx[2] = {a, x};
    s = mvg_cpsums_new(MVG_MODEL_3PC, y, x, zx, 2, N, err, sizeof err);
    assert_non_null(s);
    assert_true(isfinite(mvg_cpsums_sse(s, &c)));
    assert_true(isinf(mvg_cpsums_sse(s, &below))); /* (x + 1) on every row: 1 and x */
    assert_true(isinf(mvg_cpsums_sse(s, &above))); /* no row above 50 */
    mvg_cpsums_free(s);

    const double *za[1] = {a};
    s = mvg_cpsums_new(MVG_MODEL_5P, y, x, za, 1, N, err, sizeof err);
    assert_non_null(s);
    assert_true(isinf(mvg_cpsums_sse(s, c5)));
    c5[0] = 10;
    c5[1] = 25;
    assert_true(isfinite(mvg_cpsums_sse(s, c5)));
    mvg_cpsums_free(s);
}

static void test_rejects(void **state)
{
    (void)state;
    double x[3] = {1, 2, 3}, y[3] = {1, 2, 4};
    const double *z[MVG_CPSUMS_MAX_Z + 1];
    for (size_t j = 0; j <= MVG_CPSUMS_MAX_Z; j++)
        z[j] = x;
    char err[200] = "";
    assert_null(mvg_cpsums_new(MVG_MODEL_3PC, y, x, z, MVG_CPSUMS_MAX_Z + 1, 3, err, sizeof err));
    assert_non_null(strstr(err, "at most 8 columns"));
    assert_null(mvg_cpsums_new(MVG_MODEL_LINEAR, y, x, NULL, 0, 3, err, sizeof err));
    assert_non_null(strstr(err, "linear is not a change-point form"));
    assert_null(mvg_cpsums_new(MVG_MODEL_3PC, y, x, NULL, 0, 0, err, sizeof err));
    mvg_cpsums_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_3pc),       cmocka_unit_test(test_hand_3ph_unsorted),
        cmocka_unit_test(test_exact_zero),     cmocka_unit_test(test_against_qr),
        cmocka_unit_test(test_against_qr_offsets), cmocka_unit_test(test_singular),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
