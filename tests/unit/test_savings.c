/*
 * test_savings.c: savings and fractional savings uncertainty
 * (daemon/engine/savings.c): a worked FSU example by hand, the n'
 * correction and its clamps, the undefined cases, and savings over rows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "savings.h"

#define assert_near(x, want, tol) assert_near_at((x), (want), (tol), __FILE__, __LINE__)
static void assert_near_at(double x, double want, double tol, const char *file, int line)
{
    if (!(fabs(x - want) <= tol))
        print_error("%s:%d: got %.17g, want %.17g (tolerance %g)\n", file, line, x, want, tol);
    assert_true(fabs(x - want) <= tol);
}

static mvg_model model_with(size_t n, size_t p, double cv, double rho)
{
    mvg_model m;
    memset(&m, 0, sizeof m);
    m.type = MVG_MODEL_LINEAR;
    m.nx = 1;
    m.ncoef = 2;
    m.coef[0] = 10;
    m.coef[1] = 2;
    m.n = n;
    m.p = p;
    m.cv_rmse = cv;
    m.rho = rho;
    return m;
}

/*
 * Worked example: n = 100, p = 2, CV(RMSE) = 0.1, rho = 0.3, m = 50,
 * F = 0.2 (adjusted baseline 1000, savings 200), 90 % two-sided.
 *   n'          = 100 * 0.7 / 1.3          = 53.846153846
 *   n / n'      = 1.3 / 0.7                = 1.857142857
 *   1 + 2 / n'  = 1 + 2.6 / 70             = 1.037142857
 *   product / m = 1.926122449 / 50         = 0.038522449
 *   sqrt        =                            0.196271366
 *   t(0.90 two-sided, df 98) = t_0.95,98   = 1.660551  (tables: 1.6606)
 *   FSU = 1.660551 * 1.26 * 0.1 * 0.196271366 / 0.2 = 0.205329
 *   interval: 200 -+ 200 * 0.205329 = [158.934, 241.066]
 */
static void test_worked_example(void **state)
{
    (void)state;
    mvg_model m = model_with(100, 2, 0.1, 0.3);
    double t = mvg_t_quantile(0.90, 98);
    assert_near(t, 1.660551, 1e-5);
    double fsu;
    char err[160] = "";
    assert_int_equal(mvg_savings_fsu(&m, 50, 1000, 200, 0.90, &fsu, err, sizeof err), 0);
    assert_near(fsu, t * 1.26 * 0.1 * 0.19627136566394968 / 0.2, 1e-12);
    assert_near(fsu, 0.205329, 2e-6);

    mvg_savings s;
    assert_int_equal(mvg_savings_from_totals(&m, 50, 1000, 800, 0.90, &s, err, sizeof err), 0);
    assert_int_equal(s.m, 50);
    assert_near(s.savings, 200, 0);
    assert_near(s.savings_fraction, 0.2, 1e-15);
    assert_near(s.n_eff, 53.846153846153846, 1e-9);
    assert_near(s.t, t, 0);
    assert_near(s.fsu, fsu, 1e-15);
    assert_near(s.savings_low, 200 - 200 * fsu, 1e-12);
    assert_near(s.savings_high, 200 + 200 * fsu, 1e-12);
    assert_near(s.savings_low, 158.934, 1e-3);

    /* Negative savings: |F| is used, the interval still straddles the value. */
    assert_int_equal(mvg_savings_from_totals(&m, 50, 1000, 1200, 0.90, &s, err, sizeof err), 0);
    assert_near(s.fsu, fsu, 1e-12);
    assert_near(s.savings_low, -200 - 200 * fsu, 1e-9);
    assert_near(s.savings_high, -200 + 200 * fsu, 1e-9);
}

static void test_neff_and_clamps(void **state)
{
    (void)state;
    char err[160] = "";
    double f_neg, f_zero;
    /* rho <= 0: n' = n, so FSU = t a cv sqrt((1 + 2/n)/m) / F */
    mvg_model m = model_with(100, 2, 0.1, -0.4);
    assert_int_equal(mvg_savings_fsu(&m, 10, 100, 10, 0.90, &f_neg, err, sizeof err), 0);
    m.rho = 0;
    assert_int_equal(mvg_savings_fsu(&m, 10, 100, 10, 0.90, &f_zero, err, sizeof err), 0);
    double t = mvg_t_quantile(0.90, 98);
    assert_near(f_zero, t * 1.26 * 0.1 * sqrt(1.02 / 10) / 0.1, 1e-12);
    assert_near(f_neg, f_zero, 0);
    /* rho close to 1: n' = 100 * 0.001/1.999 = 0.05 -> clamped to 1:
     * sqrt((100/1) * (1 + 2) / 10) */
    m.rho = 0.999;
    double f;
    assert_int_equal(mvg_savings_fsu(&m, 10, 100, 10, 0.90, &f, err, sizeof err), 0);
    assert_near(f, t * 1.26 * 0.1 * sqrt(100.0 * 3.0 / 10) / 0.1, 1e-12);
    mvg_savings s;
    assert_int_equal(mvg_savings_from_totals(&m, 10, 100, 90, 0.90, &s, err, sizeof err), 0);
    assert_near(s.n_eff, 1.0, 0);
    /* FSU shrinks as 1/sqrt(m) */
    m.rho = 0.3;
    double f1, f4;
    assert_int_equal(mvg_savings_fsu(&m, 25, 100, 10, 0.90, &f1, err, sizeof err), 0);
    assert_int_equal(mvg_savings_fsu(&m, 100, 100, 10, 0.90, &f4, err, sizeof err), 0);
    assert_near(f1 / f4, 2.0, 1e-12);
    /* and grows with the confidence */
    double f95;
    assert_int_equal(mvg_savings_fsu(&m, 25, 100, 10, 0.95, &f95, err, sizeof err), 0);
    assert_near(f95 / f1, mvg_t_quantile(0.95, 98) / mvg_t_quantile(0.90, 98), 1e-12);
}

static void test_undefined(void **state)
{
    (void)state;
    mvg_model m = model_with(100, 2, 0.1, 0.3);
    double f = 0;
    char err[160];
    err[0] = '\0';
    assert_int_equal(mvg_savings_fsu(&m, 0, 100, 10, 0.9, &f, err, sizeof err), -1);
    assert_true(isnan(f));
    assert_non_null(strstr(err, "no reporting points"));
    assert_int_equal(mvg_savings_fsu(&m, 5, 100, 0, 0.9, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "savings are 0"));
    assert_int_equal(mvg_savings_fsu(&m, 5, 0, 10, 0.9, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "adjusted baseline is 0"));
    assert_int_equal(mvg_savings_fsu(&m, 5, 100, 10, 1.0, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "confidence"));
    assert_int_equal(mvg_savings_fsu(&m, 5, 100, 10, 0.0, &f, err, sizeof err), -1);
    m.cv_rmse = NAN;
    assert_int_equal(mvg_savings_fsu(&m, 5, 100, 10, 0.9, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "CV(RMSE)"));
    m = model_with(2, 2, 0.1, 0);
    assert_int_equal(mvg_savings_fsu(&m, 5, 100, 10, 0.9, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 points for 2 parameters"));
    /* totals still filled when the FSU is undefined */
    m = model_with(100, 2, 0.1, 0.3);
    mvg_savings s;
    assert_int_equal(mvg_savings_from_totals(&m, 5, 100, 100, 0.9, &s, err, sizeof err), -1);
    assert_near(s.adjusted_baseline, 100, 0);
    assert_near(s.actual, 100, 0);
    assert_near(s.savings, 0, 0);
    assert_near(s.savings_fraction, 0, 0);
    assert_true(isnan(s.fsu) && isnan(s.savings_low) && isnan(s.savings_high));
}

static void test_compute_rows(void **state)
{
    (void)state;
    /* model E = 10 + 2x; rows x = 1..8, actual = 0.9 * model */
    mvg_model m = model_with(100, 2, 0.05, 0.2);
    double x[8], y[8], base = 0, act = 0;
    for (size_t i = 0; i < 8; i++) {
        x[i] = (double)(i + 1);
        y[i] = 0.9 * (10 + 2 * x[i]);
        base += 10 + 2 * x[i];
        act += y[i];
    }
    assert_near(base, 152, 1e-12);
    const double *xs[1] = {x};
    mvg_savings s;
    char err[160] = "";
    assert_int_equal(mvg_savings_compute(&m, y, xs, 1, 8, 0.90, &s, err, sizeof err), 0);
    assert_near(s.adjusted_baseline, 152, 1e-12);
    assert_near(s.actual, act, 1e-12);
    assert_near(s.savings, 15.2, 1e-12);
    assert_near(s.savings_fraction, 0.1, 1e-14);
    double ne = 100 * 0.8 / 1.2;
    double want = mvg_t_quantile(0.90, 98) * 1.26 * 0.05 * sqrt((100 / ne) * (1 + 2 / ne) / 8) / 0.1;
    assert_near(s.fsu, want, 1e-12);
    assert_near(s.confidence, 0.90, 0);
    /* nx must match the model */
    err[0] = '\0';
    assert_int_equal(mvg_savings_compute(&m, y, xs, 0, 8, 0.90, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "0 x columns given"));
    y[3] = NAN;
    assert_int_equal(mvg_savings_compute(&m, y, xs, 1, 8, 0.90, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "row 3"));
}

/*
 * The FSU factor by granularity. Hourly 1.26; daily over 365 reporting
 * days, M = 365 / 30.4375 = 11.991786: -0.00024 M^2 + 0.03535 M + 1.00286
 * = 1.392257; monthly over 12 months: -0.00022 * 144 + 0.03306 * 12 +
 * 0.94054 = 1.30558. The worked example with a daily model scales by
 * a(50 days) / 1.26.
 */
static void test_factor_by_granularity(void **state)
{
    (void)state;
    assert_near(mvg_savings_fsu_factor(MVG_GRAN_HOURLY, 8760), 1.26, 0);
    assert_near(mvg_savings_fsu_factor(MVG_GRAN_DAILY, 365), 1.3922569447946402, 1e-12);
    assert_near(mvg_savings_fsu_factor(MVG_GRAN_MONTHLY, 12), 1.30558, 1e-12);
    mvg_model m = model_with(100, 2, 0.1, 0.3);
    double fh, fd;
    char err[160] = "";
    assert_int_equal(mvg_savings_fsu(&m, 50, 1000, 200, 0.90, &fh, err, sizeof err), 0);
    m.granularity = MVG_GRAN_DAILY;
    assert_int_equal(mvg_savings_fsu(&m, 50, 1000, 200, 0.90, &fd, err, sizeof err), 0);
    double mo = 50 / 30.4375;
    assert_near(fd / fh, (-0.00024 * mo * mo + 0.03535 * mo + 1.00286) / 1.26, 1e-12);
}

/*
 * Meter accuracy in quadrature (Guideline 14 Annex B), on the worked
 * example: S = 200, A = 800, FSU 0.205328 -> model part 41.066 kWh; a 1 %
 * meter adds 0.01 * 800 = 8 kWh; sqrt(41.066^2 + 8^2) / 200 = 0.209188.
 */
static void test_meter_accuracy(void **state)
{
    (void)state;
    mvg_model m = model_with(100, 2, 0.1, 0.3);
    mvg_savings s;
    char err[160] = "";
    assert_int_equal(mvg_savings_from_totals(&m, 50, 1000, 800, 0.90, &s, err, sizeof err), 0);
    double model_fsu = s.fsu;
    assert_int_equal(mvg_savings_add_meter(&s, 0.01, err, sizeof err), 0);
    assert_near(s.fsu_model, model_fsu, 0);
    assert_near(s.fsu, 0.2091882611041338, 2e-6);
    assert_near(s.fsu, sqrt(pow(model_fsu * 200, 2) + 64) / 200, 1e-12);
    assert_near(s.savings_low, 200 - 200 * s.fsu, 1e-12);
    assert_near(s.meter_accuracy, 0.01, 0);
    /* 0 changes nothing; a bad accuracy is refused */
    assert_int_equal(mvg_savings_add_meter(&s, 0, err, sizeof err), 0);
    assert_near(s.fsu, model_fsu, 1e-15);
    assert_int_equal(mvg_savings_add_meter(&s, 1.5, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a fraction"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_neff_and_clamps),
        cmocka_unit_test(test_undefined),
        cmocka_unit_test(test_compute_rows),
        cmocka_unit_test(test_factor_by_granularity),
        cmocka_unit_test(test_meter_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
