/*
 * test_degreeday.c: the CalTRACK daily degree-day forms and the daily
 * aggregation (daemon/engine/degreeday.c). The expected numbers come from
 * an independent computation in Python, exact rational arithmetic
 * (fractions.Fraction) over the same 30 days: for every grid balance point
 * (30..90 F by 3 F, in C) it checks CalTRACK's minimums (10 days, 20 F-days
 * of non-zero degree days), solves the normal equations exactly, takes
 * t = b / se against the 90 % two-sided quantiles t(27) = 1.7033, t(25) =
 * 1.7081 (tables; no t near them), and keeps the highest adjusted R2 with
 * p = coefficients + balance points. Data: T_d = -1 + 1.2 d, d = 0..29;
 * noise e_d = (1.5, -1, 0.5, -2, 1)[d % 5];
 *   hdd:     y = 50 + 4 (13.889 - T)+ + e      (13.889 C = 57 F, grid 9)
 *   cdd:     y = 50 + 3 (T - 20.556)+ + e      (20.556 C = 69 F, grid 13)
 *   hdd-cdd: y = 50 + 4 (13.889 - T)+ + 3 (T - 20.556)+ + e
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "degreeday.h"
#include "model.h"

#define ND 30

#define assert_near(x, want, tol) assert_near_at((x), (want), (tol), __FILE__, __LINE__)
static void assert_near_at(double x, double want, double tol, const char *file, int line)
{
    if (!(fabs(x - want) <= tol))
        print_error("%s:%d: got %.17g, want %.17g (tolerance %g)\n", file, line, x, want, tol);
    assert_true(fabs(x - want) <= tol);
}

static void make(mvg_model_type t, double *temp, double *y)
{
    static const double e[5] = {1.5, -1, 0.5, -2, 1};
    double bh = mvg_degreeday_grid(9), bc = mvg_degreeday_grid(13);
    for (int d = 0; d < ND; d++) {
        temp[d] = -1 + 1.2 * d;
        double h = bh - temp[d] > 0 ? bh - temp[d] : 0, c = temp[d] - bc > 0 ? temp[d] - bc : 0;
        y[d] = 50 + e[d % 5] + (t == MVG_MODEL_CDD ? 0 : 4 * h) + (t == MVG_MODEL_HDD ? 0 : 3 * c);
    }
}

static void test_grid(void **state)
{
    (void)state;
    assert_near(mvg_degreeday_grid(0), -10.0 / 9.0, 1e-12);                 /* 30 F */
    assert_near(mvg_degreeday_grid(MVG_DD_GRID_N - 1), 290.0 / 9.0, 1e-12); /* 90 F */
    assert_near(mvg_degreeday_grid(9), 125.0 / 9.0, 1e-12);                 /* 57 F */
}

static void test_hdd(void **state)
{
    (void)state;
    double temp[ND], y[ND];
    make(MVG_MODEL_HDD, temp, y);
    const double *xs[1] = {temp};
    mvg_model m;
    char err[256] = "";
    mvg_model_criteria c;
    mvg_model_criteria_for(MVG_GRAN_DAILY, &c);
    assert_int_equal(mvg_model_fit(MVG_MODEL_HDD, y, xs, 1, ND, 1.0, &c, &m, err, sizeof err), 0);
    assert_int_equal(m.type, MVG_MODEL_HDD);
    assert_int_equal(m.p, 3);
    assert_int_equal(m.granularity, MVG_GRAN_DAILY);
    assert_near(m.cp[0], 13.88888888888889, 1e-12);
    assert_near(m.coef[0], 49.963276083992966, 1e-9);
    assert_near(m.coef[1], 4.011022073501444, 1e-10);
    assert_near(m.std_err[1], 0.0519926469260367, 1e-10);
    assert_near(m.adj_r2, 0.9951492828311558, 1e-12);
    assert_near(m.cv_rmse, 0.021684547314583604, 1e-12);
    assert_near(m.sse, 50.91525250152215, 1e-8);
    double x0 = 5.0;
    assert_near(mvg_model_predict(&m, &x0), m.coef[0] + m.coef[1] * (m.cp[0] - 5.0), 1e-12);
    x0 = 25.0;
    assert_near(mvg_model_predict(&m, &x0), m.coef[0], 1e-12);
}

static void test_cdd(void **state)
{
    (void)state;
    double temp[ND], y[ND];
    make(MVG_MODEL_CDD, temp, y);
    const double *xs[1] = {temp};
    mvg_model m;
    char err[256] = "";
    assert_int_equal(mvg_model_fit(MVG_MODEL_CDD, y, xs, 1, ND, 1.0, NULL, &m, err, sizeof err), 0);
    assert_near(m.cp[0], 20.555555555555554, 1e-12);
    assert_near(m.coef[0], 50.01849237165157, 1e-9);
    assert_near(m.coef[1], 2.993042167856852, 1e-10);
    assert_near(m.adj_r2, 0.988457155772237, 1e-12);
    assert_near(m.rmse, 1.3740268282369297, 1e-10);
}

static void test_hdd_cdd(void **state)
{
    (void)state;
    double temp[ND], y[ND];
    make(MVG_MODEL_HDD_CDD, temp, y);
    const double *xs[1] = {temp};
    mvg_model m;
    char err[256] = "";
    assert_int_equal(mvg_model_fit(MVG_MODEL_HDD_CDD, y, xs, 1, ND, 1.0, NULL, &m, err, sizeof err),
                     0);
    assert_int_equal(m.p, 5);
    assert_near(m.cp[0], 13.88888888888889, 1e-12);
    assert_near(m.cp[1], 20.555555555555554, 1e-12);
    assert_near(m.coef[0], 49.96993156002418, 1e-9);
    assert_near(m.coef[1], 4.01037659099362, 1e-10);
    assert_near(m.coef[2], 2.998305041158878, 1e-10);
    assert_near(m.std_err[2], 0.06941822944455503, 1e-10);
    assert_near(m.adj_r2, 0.9938417067109414, 1e-12);
}

/* No balance point of the grid gives 10 heating days: an error that says so. */
static void test_no_balance_point(void **state)
{
    (void)state;
    double temp[ND], y[ND];
    for (int d = 0; d < ND; d++) {
        temp[d] = 35 + (d % 3);
        y[d] = 10 + d;
    }
    const double *xs[1] = {temp};
    mvg_model m;
    char err[256] = "";
    assert_int_equal(mvg_model_fit(MVG_MODEL_HDD, y, xs, 1, ND, 1.0, NULL, &m, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "no balance point"));
    /* y falls as T rises above every cooling balance point: slopes negative */
    err[0] = '\0';
    for (int d = 0; d < ND; d++)
        y[d] = 100 - 2 * temp[d] + (d % 2);
    assert_int_equal(mvg_model_fit(MVG_MODEL_CDD, y, xs, 1, ND, 1.0, NULL, &m, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "<= 0"));
}

/* auto on daily rows considers the degree-day forms and picks the true one. */
static void test_auto_daily(void **state)
{
    (void)state;
    double temp[ND], y[ND];
    make(MVG_MODEL_HDD_CDD, temp, y);
    const double *xs[1] = {temp};
    mvg_model m;
    mvg_model_candidate cd[MVG_MODEL_MAX_CANDIDATES];
    size_t nc = 0;
    char err[512] = "";
    mvg_model_criteria c;
    mvg_model_criteria_for(MVG_GRAN_DAILY, &c);
    assert_int_equal(mvg_model_fit_auto(y, xs, 1, ND, 1.0, &c, &m, cd, &nc, err, sizeof err), 0);
    int seen = 0;
    for (size_t i = 0; i < nc; i++)
        seen |= cd[i].type == MVG_MODEL_HDD_CDD && cd[i].qualified;
    assert_true(seen);
    /* the 5P finds the same shape with free change points; either may win */
    assert_true(m.type == MVG_MODEL_HDD_CDD || m.type == MVG_MODEL_5P);
    /* hourly criteria: the degree-day forms are not candidates */
    mvg_model_criteria_default(&c);
    assert_int_equal(mvg_model_fit_auto(y, xs, 1, ND, 1.0, &c, &m, cd, &nc, err, sizeof err), 0);
    for (size_t i = 0; i < nc; i++)
        assert_true(cd[i].type != MVG_MODEL_HDD_CDD);
}

/*
 * Hourly rows from 2026-01-05T10:00Z, y_i = i and x_i = 0.5 i, i = 0..66,
 * days at UTC+8: Jan 5 local has rows 0..5 (6 of 24: dropped), Jan 6 rows
 * 6..29 (sum 420, mean x 8.75), Jan 7 rows 30..53 (sum 996, mean x 20.75),
 * Jan 8 rows 54..66 (13 of 24 >= half: kept, sum 780 scaled by 24/13 to
 * 1440, mean x 30).
 */
static void test_daily_aggregate(void **state)
{
    (void)state;
    enum { N = 67 };
    int64_t t[N];
    double y[N], x[N];
    const int64_t t0 = 1767607200000LL; /* 2026-01-05T10:00:00Z */
    for (int i = 0; i < N; i++) {
        t[i] = t0 + (int64_t)i * 3600000;
        y[i] = i;
        x[i] = 0.5 * i;
    }
    const double *xs[1] = {x};
    mvg_agg d;
    char err[256] = "";
    assert_int_equal(mvg_agg_rows(t, y, xs, 1, N, 3600000, 86400000, 480, &d, err, sizeof err), 3);
    assert_int_equal(d.dropped, 1);
    assert_true(d.t[0] == 1767628800000LL); /* 2026-01-05T16:00Z = Jan 6 00:00 +08:00 */
    assert_near(d.y[0], 420, 1e-9);
    assert_near(d.y[1], 996, 1e-9);
    assert_near(d.y[2], 1440, 1e-9);
    assert_near(d.x[0][0], 8.75, 1e-12);
    assert_near(d.x[0][1], 20.75, 1e-12);
    assert_near(d.x[0][2], 30, 1e-12);
    mvg_agg_free(&d);
    /* a step that does not divide a day, and rows out of order */
    assert_int_equal(mvg_agg_rows(t, y, xs, 1, N, 7 * 60000, 86400000, 0, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not divide a day"));
    /* hourly periods of 15-min rows: sums of 4 */
    int64_t tq[8];
    double yq[8], xq[8];
    for (int i = 0; i < 8; i++) {
        tq[i] = t0 + (int64_t)i * 900000;
        yq[i] = 1 + i;
        xq[i] = 10 * i;
    }
    const double *xqs[1] = {xq};
    assert_int_equal(mvg_agg_rows(tq, yq, xqs, 1, 8, 900000, 3600000, 480, &d, err, sizeof err), 2);
    assert_near(d.y[0], 10, 1e-12);
    assert_near(d.y[1], 26, 1e-12);
    assert_near(d.x[0][1], 55, 1e-12);
    mvg_agg_free(&d);
    t[10] = t[9];
    assert_int_equal(mvg_agg_rows(t, y, xs, 1, N, 3600000, 86400000, 480, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "row 10"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_hdd),
        cmocka_unit_test(test_cdd),
        cmocka_unit_test(test_hdd_cdd),
        cmocka_unit_test(test_no_balance_point),
        cmocka_unit_test(test_auto_daily),
        cmocka_unit_test(test_daily_aggregate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
