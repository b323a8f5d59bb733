/*
 * test_lsq.c: least squares (daemon/engine/lsq.c) against the NIST StRD
 * certified values for linear regression.
 *
 * Data: tests/unit/data/nist/<Name>.dat, typed in from the NIST files
 * (https://www.itl.nist.gov/div898/strd/lls/lls.shtml, "Linear Least Squares
 * Regression": Norris, Pontius, NoInt1, NoInt2, Filip, Longley,
 * Wampler1..5). Certified values below are copied from the same files
 * (computed by NIST in 500-digit arithmetic). Agreement is measured as
 * NIST's LRE (log relative error, number of correct significant digits:
 * -log10(|x - c| / |c|), or -log10(|x|) when c = 0) and must be at least 7
 * for every coefficient, standard error, the residual SD and R2.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nist_data.h"

#include "lsq.h"

#define MIN_DIGITS 7.0

/* cmocka 1.1 has no floating-point assertion: print both values on failure. */
#define assert_near(x, want, tol) assert_near_at((x), (want), (tol), __FILE__, __LINE__)
static void assert_near_at(double x, double want, double tol, const char *file, int line)
{
    if (!(fabs(x - want) <= tol))
        print_error("%s:%d: got %.17g, want %.17g (tolerance %g)\n", file, line, x, want, tol);
    assert_true(fabs(x - want) <= tol);
}

typedef struct {
    const char *name;
    int poly;      /* degree when x is one column expanded to x, x^2, ...; 0 = columns as given */
    int intercept; /* 1 when the model has B0 */
    size_t p;
    double coef[11], se[11];
    double resid_sd, r2;
} cert;

static const cert certs[] = {
    {"Norris", 1, 1, 2,
     {-0.262323073774029, 1.00211681802045},
     {0.232818234301152, 0.429796848199937E-03},
     0.884796396144373, 0.999993745883712},
    {"Pontius", 2, 1, 3,
     {0.673565789473684E-03, 0.732059160401003E-06, -0.316081871345029E-14},
     {0.107938612033077E-03, 0.157817399981659E-09, 0.486652849992036E-16},
     0.205177424076185E-03, 0.999999900178537},
    {"NoInt1", 1, 0, 1, {2.07438016528926}, {0.165289256198347E-01}, 3.56753034006338,
     0.999365492298663},
    {"NoInt2", 1, 0, 1, {0.727272727272727}, {0.420827318078432E-01}, 0.369274472937998,
     0.993348115299335},
    {"Filip", 10, 1, 11,
     {-1467.48961422980, -2772.17959193342, -2316.37108160893, -1127.97394098372,
      -354.478233703349, -75.1242017393757, -10.8753180355343, -1.06221498588947,
      -0.670191154593408E-01, -0.246781078275479E-02, -0.402962525080404E-04},
     {298.084530995537, 559.779865474950, 466.477572127796, 227.204274477751, 71.6478660875927,
      15.2897178747400, 2.23691159816033, 0.221624321934227, 0.142363763154724E-01,
      0.535617408889821E-03, 0.896632837373868E-05},
     0.334801051324544E-02, 0.996727416185620},
    {"Longley", 0, 1, 7,
     {-3482258.63459582, 15.0618722713733, -0.358191792925910E-01, -2.02022980381683,
      -1.03322686717359, -0.511041056535807E-01, 1829.15146461355},
     {890420.383607373, 84.9149257747669, 0.334910077722432E-01, 0.488399681651699,
      0.214274163161675, 0.226073200069370, 455.478499142212},
     304.854073561965, 0.995479004577296},
    {"Wampler1", 5, 1, 6, {1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0}, 0.0, 1.0},
    {"Wampler2", 5, 1, 6, {1.0, 0.1, 0.01, 0.001, 0.0001, 0.00001}, {0, 0, 0, 0, 0, 0}, 0.0, 1.0},
    {"Wampler3", 5, 1, 6, {1, 1, 1, 1, 1, 1},
     {2152.32624678170, 2363.55173469681, 779.343524331583, 101.475507550350, 5.64566512170752,
      0.112324854679312},
     2360.14502379268, 0.999995559025820},
    {"Wampler4", 5, 1, 6, {1, 1, 1, 1, 1, 1},
     {215232.624678170, 236355.173469681, 77934.3524331583, 10147.5507550350, 564.566512170752,
      11.2324854679312},
     236014.502379268, 0.957478440825662},
    {"Wampler5", 5, 1, 6, {1, 1, 1, 1, 1, 1},
     {21523262.4678170, 23635517.3469681, 7793435.24331583, 1014755.07550350, 56456.6512170752,
      1123.24854679312},
     23601450.2379268, 0.224668921574940E-02},
};

static double check_one(const cert *c)
{
    double raw[100 * 7];
    size_t ncols = c->poly ? 2 : c->p; /* y + x, or y + x1..x6 for Longley */
    size_t n = nist_read_dat(c->name, ncols, raw, 100);
    double *a = calloc(n * c->p, sizeof *a);
    double *y = calloc(n, sizeof *y);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++) {
        y[i] = raw[i * ncols];
        size_t j0 = 0;
        if (c->intercept)
            a[(j0++) * n + i] = 1.0;
        if (c->poly) {
            double x = raw[i * ncols + 1], v = 1.0;
            for (int d = 1; d <= c->poly; d++) {
                v *= x;
                a[(j0++) * n + i] = v;
            }
        } else {
            for (size_t k = 1; k < ncols; k++)
                a[(j0++) * n + i] = raw[i * ncols + k];
        }
    }
    mvg_lsq_result r;
    char err[256] = "";
    size_t bad = 99;
    int rc = mvg_lsq_fit(a, n, c->p, y, c->intercept, 0, &r, &bad, err, sizeof err);
    if (rc != 0)
        print_error("%s: %s\n", c->name, err);
    assert_int_equal(rc, 0);
    double worst = 16.0;
    for (size_t j = 0; j < c->p; j++) {
        double lc = nist_lre(r.coef[j], c->coef[j]), ls = nist_lre(r.std_err[j], c->se[j]);
        if (lc < worst)
            worst = lc;
        if (ls < worst)
            worst = ls;
        if (lc < MIN_DIGITS || ls < MIN_DIGITS)
            print_error("%s B%zu = %.15g (cert %.15g, %.1f digits), se %.15g (cert %.15g, %.1f digits)\n",
                        c->name, j, r.coef[j], c->coef[j], lc, r.std_err[j], c->se[j], ls);
        assert_true(lc >= MIN_DIGITS);
        assert_true(ls >= MIN_DIGITS);
    }
    double lsd = nist_lre(r.s, c->resid_sd), lr2 = nist_lre(r.r2, c->r2);
    if (lsd < worst)
        worst = lsd;
    if (lr2 < worst)
        worst = lr2;
    assert_true(lsd >= MIN_DIGITS);
    assert_true(lr2 >= MIN_DIGITS);
    assert_int_equal(r.n, n);
    assert_int_equal(r.df, n - c->p);
    free(a);
    free(y);
    return worst;
}

static void test_nist_strd(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof certs / sizeof certs[0]; k++) {
        double d = check_one(&certs[k]);
        print_message("NIST %-9s: at least %.1f correct digits\n", certs[k].name, d);
    }
}

/* Exact data on y = 2 + 3x: the fit must recover it and report zero error. */
static void test_exact_line(void **state)
{
    (void)state;
    double a[2 * 5], y[5];
    for (size_t i = 0; i < 5; i++) {
        a[i] = 1.0;
        a[5 + i] = (double)i;
        y[i] = 2.0 + 3.0 * (double)i;
    }
    mvg_lsq_result r;
    char err[128];
    assert_int_equal(mvg_lsq_fit(a, 5, 2, y, 1, 0, &r, NULL, err, sizeof err), 0);
    assert_near(r.coef[0], 2.0, 1e-12);
    assert_near(r.coef[1], 3.0, 1e-12);
    assert_true(r.sse < 1e-20);
    assert_near(r.r2, 1.0, 1e-12);
}

/* A third column equal to 2*x1 - x0 must be named as the dependent one. */
static void test_rank_deficient_names_column(void **state)
{
    (void)state;
    enum { N = 8 };
    double a[3 * N], y[N];
    for (size_t i = 0; i < N; i++) {
        a[i] = 1.0;
        a[N + i] = (double)(i * i % 5);
        a[2 * N + i] = 2.0 * a[N + i] - 1.0;
        y[i] = (double)i;
    }
    mvg_lsq_result r;
    char err[256] = "";
    size_t bad = 99;
    assert_int_equal(mvg_lsq_fit(a, N, 3, y, 1, 0, &r, &bad, err, sizeof err), -2);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(err, "column 2"));

    /* A constant column besides the intercept. */
    for (size_t i = 0; i < N; i++)
        a[2 * N + i] = 4.0;
    bad = 99;
    assert_int_equal(mvg_lsq_fit(a, N, 3, y, 1, 0, &r, &bad, err, sizeof err), -2);
    assert_int_equal(bad, 2);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    double a[4] = {1, 1, 1, 1}, y[2] = {1, 2};
    mvg_lsq_result r;
    char err[256] = "";
    /* as many rows as parameters */
    assert_int_equal(mvg_lsq_fit(a, 2, 2, y, 1, 0, &r, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "more rows"));
    double yn[3] = {1, NAN, 2}, a3[3] = {1, 1, 1};
    assert_int_equal(mvg_lsq_fit(a3, 3, 1, yn, 1, 0, &r, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "row 1"));
}

/* The in-place SSE (used by change-point searches) equals the full fit's. */
static void test_sse_inplace_matches_fit(void **state)
{
    (void)state;
    enum { N = 50 };
    double a[2 * N], y[N], a2[2 * N], y2[N];
    for (size_t i = 0; i < N; i++) {
        a[i] = 1.0;
        a[N + i] = (double)i / 7.0;
        y[i] = 5.0 + 0.5 * a[N + i] + ((i * 37) % 11) / 10.0;
    }
    memcpy(a2, a, sizeof a);
    memcpy(y2, y, sizeof y);
    mvg_lsq_result r;
    char err[128];
    assert_int_equal(mvg_lsq_fit(a, N, 2, y, 1, 0, &r, NULL, err, sizeof err), 0);
    double sse = -1;
    assert_int_equal(mvg_lsq_sse_inplace(a2, N, 2, y2, &sse), 0);
    assert_near(sse, r.sse, 1e-10 * r.sse);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_strd),
        cmocka_unit_test(test_exact_line),
        cmocka_unit_test(test_rank_deficient_names_column),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_sse_inplace_matches_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
