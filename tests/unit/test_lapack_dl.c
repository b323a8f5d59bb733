/*
 * test_lapack_dl.c: the LAPACKE mvgated loads at its first fit
 * (daemon/gateway/lapack_dl.c) gives the same fits as the linked one
 * (daemon/engine/lapack_linked.c): NIST Longley through the least squares
 * and every candidate of an auto fit with change points (which also runs
 * the change-point search's SSE-only solves), bit for bit. A library that
 * cannot be loaded makes the fit fail with the loader's reason, and is not
 * tried again.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lapack_dl.h"
#include "lapack_linked.h"
#include "lapack_switch.h"
#include "nist_data.h"

#include "lsq.h"
#include "model.h"

#define NO_SUCH "libmvg-test-no-such-lapacke.so.3"

/* In a child, whose process-wide table is its own: the parent has not
 * loaded one yet (this test runs first). Exit code 0 when every check
 * held, else the number of the failed one. */
static int missing_child(void)
{
    char err[512] = "";
    if (mvg_lapack_dl_get(NO_SUCH, err, sizeof err) != NULL)
        return 1;
    if (!strstr(err, "LAPACK not loaded") || !strstr(err, NO_SUCH) || !strstr(err, "liblapacke"))
        return 2;
    /* not tried again, the same reason; a later soname does not load either */
    char again[512] = "";
    if (mvg_lapack_dl_get(MVG_LAPACK_DL_SONAME, again, sizeof again) != NULL ||
        strcmp(err, again) != 0)
        return 3;
    tu_lapack_use(NULL, err);
    double a[2 * 5], y[5];
    for (int i = 0; i < 5; i++) {
        a[i] = 1.0;
        a[5 + i] = i;
        y[i] = 2.0 + 3.0 * i;
    }
    mvg_lsq_result r;
    char ferr[512] = "";
    if (mvg_lsq_fit(a, 5, 2, y, 1, 0, &r, NULL, ferr, sizeof ferr) != -1 ||
        !strstr(ferr, "LAPACK not loaded"))
        return 4;
    mvg_model m;
    const double *xs[1] = {a + 5};
    char merr[512] = "";
    if (mvg_model_fit(MVG_MODEL_LINEAR, y, xs, 1, 5, 1.0, NULL, &m, merr, sizeof merr) == 0 ||
        !strstr(merr, "LAPACK not loaded"))
        return 5;
    return 0;
}

static void test_missing_library_fails_the_fit(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(missing_child());
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        print_error("the child's check %d failed\n", WEXITSTATUS(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static const mvg_lapack *loaded(void)
{
    char err[512] = "";
    const mvg_lapack *t = mvg_lapack_dl_get(MVG_LAPACK_DL_SONAME, err, sizeof err);
    if (!t)
        print_error("%s\n", err);
    assert_non_null(t);
    return t;
}

static void test_longley_same_fit(void **state)
{
    (void)state;
    enum { N = 16, P = 7 };
    double raw[20 * 7], a[N * P], y[N];
    assert_int_equal(nist_read_dat("Longley", 7, raw, 20), N);
    for (size_t i = 0; i < N; i++) {
        y[i] = raw[i * 7];
        a[i] = 1.0;
        for (size_t k = 1; k < 7; k++)
            a[k * N + i] = raw[i * 7 + k];
    }
    const mvg_lapack *tables[2] = {mvg_lapack_linked(), loaded()};
    mvg_lsq_result r[2];
    for (int k = 0; k < 2; k++) {
        char err[256] = "";
        tu_lapack_use(tables[k], NULL);
        assert_int_equal(mvg_lsq_fit(a, N, P, y, 1, 0, &r[k], NULL, err, sizeof err), 0);
    }
    /* the certified B1 (NIST), so that "the same" is also "right" */
    assert_true(nist_lre(r[1].coef[1], 15.0618722713733) >= 7.0);
    assert_memory_equal(r[0].coef, r[1].coef, P * sizeof r[0].coef[0]);
    assert_memory_equal(r[0].std_err, r[1].std_err, P * sizeof r[0].std_err[0]);
    assert_memory_equal(&r[0].sse, &r[1].sse, sizeof r[0].sse);
}

/* 4P data with a known change point at 15: every auto candidate, the
 * change-point forms' grid searches included. */
static void test_auto_fit_same(void **state)
{
    (void)state;
    enum { N = 400 };
    double x[N], y[N];
    unsigned long s = 7;
    for (size_t i = 0; i < N; i++) {
        s = (s * 1103515245UL + 12345UL) & 0x7fffffffUL;
        double e = 2.0 * (double)s / 2147483647.0 - 1.0;
        x[i] = 30.0 * (double)i / N;
        y[i] = 100.0 + (x[i] < 15.0 ? -3.0 * (x[i] - 15.0) : 5.0 * (x[i] - 15.0)) + 2.0 * e;
    }
    const double *xs[1] = {x};
    const mvg_lapack *tables[2] = {mvg_lapack_linked(), loaded()};
    mvg_model m[2];
    mvg_model_candidate c[2][MVG_MODEL_MAX_CANDIDATES];
    size_t nc[2];
    for (int k = 0; k < 2; k++) {
        char err[256] = "";
        tu_lapack_use(tables[k], NULL);
        int rc = mvg_model_fit_auto(y, xs, 1, N, 1.0, NULL, &m[k], c[k], &nc[k], err, sizeof err);
        if (rc != 0)
            print_error("%s\n", err);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(m[1].type, MVG_MODEL_4P);
    assert_true(fabs(m[1].cp[0] - 15.0) < 0.5);
    assert_int_equal(m[0].type, m[1].type);
    assert_int_equal(nc[0], nc[1]);
    assert_int_equal(m[0].ncoef, m[1].ncoef);
    assert_int_equal(m[0].ncp, m[1].ncp);
    assert_memory_equal(m[0].coef, m[1].coef, m[0].ncoef * sizeof m[0].coef[0]);
    assert_memory_equal(m[0].std_err, m[1].std_err, m[0].ncoef * sizeof m[0].std_err[0]);
    assert_memory_equal(m[0].cp, m[1].cp, m[0].ncp * sizeof m[0].cp[0]);
    for (size_t i = 0; i < nc[0]; i++) {
        assert_int_equal(c[0][i].fitted, c[1][i].fitted);
        assert_memory_equal(&c[0][i].adj_r2, &c[1][i].adj_r2, sizeof c[0][i].adj_r2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: its child must start with no table loaded */
        cmocka_unit_test(test_missing_library_fails_the_fit),
        cmocka_unit_test(test_longley_same_fit),
        cmocka_unit_test(test_auto_fit_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
