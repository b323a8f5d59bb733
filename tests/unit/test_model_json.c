/*
 * test_model_json.c: mvg_model -> JSON -> mvg_model (daemon/records/model_json.c):
 * a fitted model reloads field for field and predicts the same, and each
 * malformed field is rejected with a message naming it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model_json.h"

static void fit_5p(mvg_model *m)
{
    double x[120], y[120];
    for (size_t i = 0; i < 120; i++) {
        x[i] = -5.0 + 40.0 * (double)((i * 7) % 120) / 119.0;
        y[i] = 40 + 2 * fmax(9.6 - x[i], 0) + 3 * fmax(x[i] - 21.4, 0) + 0.3 * sin((double)i);
    }
    const double *xs[1] = {x};
    char err[256] = "";
    assert_int_equal(mvg_model_fit(MVG_MODEL_5P, y, xs, 1, 120, 0.95, NULL, m, err, sizeof err), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    mvg_model m, r;
    fit_5p(&m);
    const char *names[1] = {"oat"};
    json_t *j = mvg_model_to_json(&m, names);
    assert_non_null(j);
    /* through text, as the CLI does */
    char *text = json_dumps(j, JSON_REAL_PRECISION(17));
    json_decref(j);
    json_error_t je;
    j = json_loads(text, 0, &je);
    free(text);
    assert_non_null(j);
    char xn[MVG_MODEL_MAX_X][MVG_MODEL_XNAME_MAX];
    char err[256] = "";
    assert_int_equal(mvg_model_from_json(j, &r, xn, err, sizeof err), 0);
    json_decref(j);
    assert_string_equal(xn[0], "oat");
    assert_int_equal(r.type, m.type);
    assert_int_equal(r.nx, 1);
    assert_int_equal(r.ncoef, 3);
    assert_int_equal(r.ncp, 2);
    assert_int_equal(r.n, m.n);
    assert_int_equal(r.p, m.p);
    for (size_t k = 0; k < 3; k++) {
        assert_true(r.coef[k] == m.coef[k]);
        assert_true(r.std_err[k] == m.std_err[k]);
        assert_true(r.t_stat[k] == m.t_stat[k]);
    }
    assert_true(r.cp[0] == m.cp[0] && r.cp[1] == m.cp[1]);
    assert_true(r.cv_rmse == m.cv_rmse && r.rho == m.rho && r.nmbe == m.nmbe);
    assert_true(r.r2 == m.r2 && r.adj_r2 == m.adj_r2 && r.rmse == m.rmse);
    assert_true(r.ybar == m.ybar && r.sse == m.sse && r.coverage == m.coverage);
    assert_int_equal(r.nseg, 3);
    assert_true(r.seg_n[0] == m.seg_n[0] && r.seg_n[1] == m.seg_n[1] && r.seg_n[2] == m.seg_n[2]);
    assert_int_equal(r.pass, m.pass);
    assert_int_equal(r.nreasons, m.nreasons); /* coverage 0.95: passes */
    for (double x = -10; x < 40; x += 0.7)
        assert_true(mvg_model_predict(&r, &x) == mvg_model_predict(&m, &x));
}

static void expect_reject(const char *text, const char *needle)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    mvg_model m;
    char err[256] = "";
    int rc = mvg_model_from_json(j, &m, NULL, err, sizeof err);
    json_decref(j);
    if (rc != -1 || !strstr(err, needle))
        print_error("%s -> rc %d '%s', want '%s'\n", text, rc, err, needle);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, needle));
}

/* A 3PC with a further x (the chiller: temperature and load) reloads with
 * its three coefficients and predicts the same. */
static void test_round_trip_extra_x(void **state)
{
    (void)state;
    double t[60], l[60], y[60];
    for (size_t i = 0; i < 60; i++) {
        t[i] = 5 + 0.37 * (double)i;
        l[i] = 100 + 37 * (double)((i * 7) % 11);
        y[i] = 10 + 2 * fmax(t[i] - 18, 0) + 0.5 * l[i] + 0.3 * sin((double)i);
    }
    const double *xs[2] = {t, l};
    mvg_model m, r;
    char err[256] = "";
    assert_int_equal(mvg_model_fit(MVG_MODEL_3PC, y, xs, 2, 60, 1.0, NULL, &m, err, sizeof err), 0);
    const char *names[2] = {"oat", "load"};
    json_t *j = mvg_model_to_json(&m, names);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_REAL_PRECISION(17));
    json_decref(j);
    json_error_t je;
    j = json_loads(text, 0, &je);
    free(text);
    assert_non_null(j);
    char xn[MVG_MODEL_MAX_X][MVG_MODEL_XNAME_MAX];
    assert_int_equal(mvg_model_from_json(j, &r, xn, err, sizeof err), 0);
    json_decref(j);
    assert_string_equal(xn[1], "load");
    assert_int_equal(r.type, MVG_MODEL_3PC);
    assert_int_equal(r.nx, 2);
    assert_int_equal(r.ncoef, 3);
    assert_int_equal(r.p, 4);
    for (size_t k = 0; k < 3; k++)
        assert_true(r.coef[k] == m.coef[k] && r.std_err[k] == m.std_err[k]);
    assert_true(r.cp[0] == m.cp[0]);
    double row[2] = {25, 180};
    assert_true(mvg_model_predict(&r, row) == mvg_model_predict(&m, row));
    assert_true(fabs(mvg_model_predict(&r, row) - (10 + 2 * 7 + 0.5 * 180)) < 0.5);
}

static void test_rejects(void **state)
{
    (void)state;
#define BASE "\"x\":[\"t\"],\"n\":50,\"cv_rmse\":0.1"
    expect_reject("[]", "not an object");
    expect_reject("{" BASE ",\"p\":3,\"coefficients\":[1,2],\"change_points\":[5]}", "'model'");
    expect_reject("{\"model\":\"auto\"," BASE ",\"p\":2,\"coefficients\":[1,2]}", "'auto'");
    expect_reject("{\"model\":\"3pc\"," BASE ",\"p\":3,\"coefficients\":[1,2]}", "'change_points' is missing");
    expect_reject("{\"model\":\"3pc\"," BASE ",\"p\":3,\"coefficients\":[1,\"a\"],\"change_points\":[5]}",
                  "'coefficients'[1]");
    expect_reject("{\"model\":\"3pc\"," BASE ",\"p\":4,\"coefficients\":[1,2],\"change_points\":[5]}",
                  "'p' is 4");
    expect_reject("{\"model\":\"5p\"," BASE ",\"p\":5,\"coefficients\":[1,2,3],\"change_points\":[9,5]}",
                  "increasing");
    /* a 3pc with two x has b0, b1 and the second x's coefficient */
    expect_reject("{\"model\":\"3pc\",\"x\":[\"t\",\"u\"],\"n\":50,\"cv_rmse\":0.1,\"p\":3,"
                  "\"coefficients\":[1,2],\"change_points\":[5]}",
                  "'coefficients' has 2 values, this model needs 3");
    expect_reject("{\"model\":\"3pc\",\"x\":[],\"n\":50,\"cv_rmse\":0.1,\"p\":3,"
                  "\"coefficients\":[1,2],\"change_points\":[5]}",
                  "'3pc' model needs at least one x");
    expect_reject("{\"model\":\"5p\",\"x\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\","
                  "\"j\",\"k\",\"l\"],\"n\":50,\"cv_rmse\":0.1,\"p\":3,\"coefficients\":[1,2],"
                  "\"change_points\":[5,6]}",
                  "at most 11 x");
    expect_reject("{\"model\":\"cdd\",\"x\":[\"t\",\"u\"],\"n\":50,\"cv_rmse\":0.1,\"p\":3,"
                  "\"coefficients\":[1,2],\"change_points\":[5]}",
                  "exactly one x");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"n\":2,\"cv_rmse\":0.1,\"p\":2,\"coefficients\":[1,2]}",
                  "'n' is 2");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"n\":20,\"p\":2,\"coefficients\":[1,2]}",
                  "'cv_rmse' is missing");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"n\":20,\"cv_rmse\":0.1,\"rho\":1.5,\"p\":2,"
                  "\"coefficients\":[1,2]}",
                  "'rho'");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"nx\":2,\"n\":20,\"cv_rmse\":0.1,\"p\":2,"
                  "\"coefficients\":[1,2]}",
                  "'nx' is 2");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"n\":-3,\"cv_rmse\":0.1,\"p\":2,"
                  "\"coefficients\":[1,2]}",
                  "'n' must be");
    expect_reject("{\"model\":\"linear\",\"x\":[\"t\"],\"n\":30,\"cv_rmse\":0.1,\"p\":2,"
                  "\"coefficients\":[1,2],\"ashrae14\":{\"pass\":1}}",
                  "'ashrae14'");
#undef BASE
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_extra_x),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
