/*
 * test_towt.c: the time-of-week-and-temperature model
 * (daemon/engine/towt.c). The data are generated from a TOWT truth inside
 * the model's space, so least squares must return the truth exactly (to
 * rounding): 4 weeks of hourly rows at UTC+8, temperatures spread over
 * 20..30 C (T_i = 20 + 10 frac(0.618034 i)). Knots by hand: no rows at or
 * below 18.3 C drops -1.1, 7.2, 12.8 and 18.3 C (each the upper endpoint of
 * an empty low bin), no rows above 32.2 C drops 32.2 (the top bin's lower
 * endpoint): one knot at 23.89 C (75 F), features min(T, 23.89) and
 * (T - 23.89)+. Weekdays 08:00-17:59 local are occupied:
 *   unoccupied  y = 20 + 0.1 h + 0.5 f0 + 1.0 f1
 *   occupied    y = 50 + h     + 1.0 f0 + 4.0 f1       (h: hour of day)
 * The occupancy fit (y on CDD 18.33 C; no HDD 10 C rows) underpredicts
 * every occupied row and overpredicts the unoccupied ones, so exactly the
 * 5 x 10 = 50 occupied bins are found.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "towt.h"

#define assert_near(x, want, tol) assert_near_at((x), (want), (tol), __FILE__, __LINE__)
static void assert_near_at(double x, double want, double tol, const char *file, int line)
{
    if (!(fabs(x - want) <= tol))
        print_error("%s:%d: got %.17g, want %.17g (tolerance %g)\n", file, line, x, want, tol);
    assert_true(fabs(x - want) <= tol);
}

static const int64_t T0 = 1767542400000LL; /* 2026-01-04T16:00Z = Mon 2026-01-05 00:00 +08:00 */
#define KNOT ((75.0 - 32.0) / 1.8)

static int occupied_at(int64_t t)
{
    int64_t local = (t - T0) % (7 * 86400000LL);
    int dow = (int)(local / 86400000), h = (int)(local % 86400000 / 3600000);
    return dow < 5 && h >= 8 && h < 18;
}

static double truth(int64_t t, double T)
{
    int h = (int)((t - T0) % 86400000 / 3600000);
    double f0 = T < KNOT ? T : KNOT, f1 = T > KNOT ? T - KNOT : 0;
    return occupied_at(t) ? 50 + h + 1.0 * f0 + 4.0 * f1 : 20 + 0.1 * h + 0.5 * f0 + 1.0 * f1;
}

static double temp_at(size_t i)
{
    double v = 0.618034 * (double)i;
    return 20 + 10 * (v - floor(v));
}

static size_t make(int64_t step, size_t n, int64_t *t, double *y, double *T)
{
    for (size_t i = 0; i < n; i++) {
        t[i] = T0 + (int64_t)i * step;
        T[i] = temp_at(i);
        y[i] = truth(t[i], T[i]);
    }
    return n;
}

static void test_exact_hourly(void **state)
{
    (void)state;
    enum { N = 4 * 168 };
    int64_t t[N];
    double y[N], T[N];
    make(3600000, N, t, y, T);
    mvg_towt_opts o = {3600000, 480, 1};
    mvg_model s;
    char err[256] = "";
    mvg_towt *m = mvg_towt_fit(&o, t, y, T, NULL, 0, N, 1.0, NULL, &s, err, sizeof err);
    assert_non_null(m);
    size_t occ = 0;
    assert_int_equal(mvg_towt_bins(m, &occ), 168);
    assert_int_equal(occ, 50);
    const mvg_towt_mode *u = mvg_towt_mode_info(m, 0), *oc = mvg_towt_mode_info(m, 1);
    assert_int_equal(u->rows, N - 4 * 50);
    assert_int_equal(oc->rows, 4 * 50);
    assert_int_equal(u->nknots, 1);
    assert_near(u->knots[0], KNOT, 1e-12);
    assert_near(u->slope[0], 0.5, 1e-9);
    assert_near(u->slope[1], 1.0, 1e-9);
    assert_near(oc->slope[0], 1.0, 1e-9);
    assert_near(oc->slope[1], 4.0, 1e-9);
    assert_int_equal(s.type, MVG_MODEL_TOWT);
    /* p = 168 bin coefficients + 2 slopes per mode */
    assert_int_equal(s.p, 168 + 4);
    assert_true(s.sse < 1e-15 * N * s.ybar * s.ybar);
    assert_true(s.pass);
    /* out of sample, week 5: the truth */
    for (int64_t k = 0; k < 168; k += 7) {
        int64_t tt = T0 + (4 * 168 + k) * 3600000;
        assert_near(mvg_towt_predict(m, tt, 27.5, NULL), truth(tt, 27.5), 1e-9);
        assert_near(mvg_towt_predict(m, tt, 21.0, NULL), truth(tt, 21.0), 1e-9);
    }
    mvg_towt_free(m);

    /* without occupancy detection one mode takes every bin */
    o.occupancy = 0;
    m = mvg_towt_fit(&o, t, y, T, NULL, 0, N, 1.0, NULL, &s, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(mvg_towt_bins(m, &occ), 168);
    assert_int_equal(occ, 0);
    assert_int_equal(mvg_towt_mode_info(m, 1)->rows, 0);
    assert_true(s.sse > 1.0); /* one set of slopes cannot fit both modes */
    mvg_towt_free(m);
}

/* 15-min rows: 672 bins; an extra 0/1 column (an operating mode) is
 * recovered; a bin without baseline rows predicts NaN. */
static void test_quarter_hour_extra(void **state)
{
    (void)state;
    enum { N = 2 * 672 };
    static int64_t t[N];
    static double y[N], T[N], mode[N];
    make(900000, N, t, y, T);
    for (size_t i = 0; i < N; i++) {
        mode[i] = (i / 5) % 2; /* a second line on and off, not in step with the week */
        y[i] += 12.5 * mode[i];
    }
    const double *ex[1] = {mode};
    mvg_towt_opts o = {900000, 480, 1};
    mvg_model s;
    char err[256] = "";
    mvg_towt *m = mvg_towt_fit(&o, t, y, T, ex, 1, N - 4, 1.0, NULL, &s, err, sizeof err);
    if (!m)
        print_error("%s\n", err);
    assert_non_null(m);
    assert_int_equal(mvg_towt_bins(m, NULL), 672);
    assert_near(mvg_towt_mode_info(m, 0)->extra[0], 12.5, 1e-8);
    assert_near(mvg_towt_mode_info(m, 1)->extra[0], 12.5, 1e-8);
    double one = 1.0;
    int64_t tt = T0 + 3 * 86400000LL + 9 * 3600000LL; /* Thursday 09:00 local */
    assert_near(mvg_towt_predict(m, tt, 26.0, &one), truth(tt, 26.0) + 12.5, 1e-8);
    /* without the rows of Sunday 23:00-23:45 in either week, those bins
     * have no coefficient: NaN there */
    mvg_towt_free(m);
    size_t k = 0;
    for (size_t i = 0; i < N; i++)
        if (i % 672 < 668) {
            t[k] = t[i];
            y[k] = y[i];
            T[k] = T[i];
            mode[k] = mode[i];
            k++;
        }
    m = mvg_towt_fit(&o, t, y, T, ex, 1, k, 1.0, NULL, &s, err, sizeof err);
    assert_non_null(m);
    assert_true(isnan(mvg_towt_predict(m, T0 + 7 * 86400000LL - 900000, 25.0, &one)));
    assert_false(isnan(mvg_towt_predict(m, T0 + 7 * 86400000LL - 4 * 900000 - 1, 25.0, &one)));

    /* its tables make the same model again (mvgate savings reads a model
     * back so): every bin, both modes, the extra column, the empty bins */
    static double alpha[672];
    static unsigned char occ[672];
    size_t nb = mvg_towt_bins(m, NULL);
    for (size_t b = 0; b < nb; b++) {
        int oc = 0;
        alpha[b] = mvg_towt_bin(m, b, &oc);
        occ[b] = (unsigned char)oc;
    }
    assert_true(isnan(alpha[671]));
    mvg_towt_mode md[2] = {*mvg_towt_mode_info(m, 0), *mvg_towt_mode_info(m, 1)};
    mvg_towt *r = mvg_towt_from_tables(&o, alpha, occ, nb, md, 1, err, sizeof err);
    if (!r)
        print_error("%s\n", err);
    assert_non_null(r);
    for (size_t i = 0; i < 2 * 672; i += 7) {
        double z = (double)(i % 2), a = mvg_towt_predict(m, T0 + (int64_t)i * 900000, 18.0 + i % 9, &z);
        double b = mvg_towt_predict(r, T0 + (int64_t)i * 900000, 18.0 + i % 9, &z);
        assert_true(isnan(a) ? isnan(b) : a == b);
    }
    mvg_towt_free(r);
    /* refused: a week of other steps, a slope not finite, a bin in a mode without rows */
    assert_null(mvg_towt_from_tables(&o, alpha, occ, 168, md, 1, err, sizeof err));
    assert_non_null(strstr(err, "168 bins, a week of 900000 ms rows has 672"));
    mvg_towt_mode bad[2] = {md[0], md[1]};
    bad[1].slope[0] = NAN;
    assert_null(mvg_towt_from_tables(&o, alpha, occ, nb, bad, 1, err, sizeof err));
    assert_non_null(strstr(err, "occupied mode's tables"));
    bad[1] = md[1];
    bad[1].rows = 0;
    assert_null(mvg_towt_from_tables(&o, alpha, occ, nb, bad, 1, err, sizeof err));
    assert_non_null(strstr(err, "which has no rows"));
    mvg_towt_free(m);
}

static void test_bad_input(void **state)
{
    (void)state;
    int64_t t[4] = {0, 3600000, 7200000, 7200000};
    double y[4] = {1, 2, 3, 4}, T[4] = {20, 21, 22, 23};
    mvg_towt_opts o = {86400000, 0, 1};
    char err[256] = "";
    assert_null(mvg_towt_fit(&o, t, y, T, NULL, 0, 4, 1.0, NULL, NULL, err, sizeof err));
    assert_non_null(strstr(err, "hourly or sub-hourly"));
    o.step_ms = 3600000;
    assert_null(mvg_towt_fit(&o, t, y, T, NULL, 0, 4, 1.0, NULL, NULL, err, sizeof err));
    assert_non_null(strstr(err, "not in time order at row 3"));
    mvg_towt_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_hourly),
        cmocka_unit_test(test_quarter_hour_extra),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
