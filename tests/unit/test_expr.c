/* Unit tests of daemon/engine/expr: values are checked against the same
 * formula written in C, errors against their message and column. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "expr.h"

/* This cmocka (1.1) compares floats only in single precision: use our own. */
#define assert_double_equal(a, b, eps)                                                     \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (!(fabs(a_ - b_) <= (eps)))                                                     \
            fail_msg("%s = %.17g, expected %.17g (+-%g)", #a, a_, b_, (double)(eps));      \
    } while (0)

/* Variables: 0 chw.flow_m3h, 1 chw.t_return, 2 chw.t_supply, 3 x, 4 y, 5 chw_kw */
static const char *const NAMES[] = {"chw.flow_m3h", "chw.t_return", "chw.t_supply", "x", "y",
                                    "chw_kw"};
#define NV 6

static int resolve(const char *name, void *user)
{
    (void)user;
    for (int i = 0; i < NV; i++)
        if (strcmp(name, NAMES[i]) == 0)
            return i;
    return -1;
}

static double vals[NV];
static mvg_quality quals[NV];

static void reset_vars(void)
{
    const double v[NV] = {12.5, 12.0, 7.0, 3.0, -2.0, 70.0};
    for (int i = 0; i < NV; i++) {
        vals[i] = v[i];
        quals[i] = MVG_Q_GOOD;
    }
}

static double eval_q(const char *src, mvg_quality *q)
{
    char err[256];
    mvg_expr *e = mvg_expr_compile(src, resolve, NULL, err, sizeof err);
    if (!e)
        fail_msg("compile '%s': %s", src, err);
    double out = -12345;
    assert_int_equal(mvg_expr_eval(e, vals, quals, NV, &out, q), 0);
    mvg_expr_free(e);
    return out;
}

static double eval(const char *src)
{
    mvg_quality q;
    return eval_q(src, &q);
}

static void expect_error(const char *src, const char *msg)
{
    char err[256] = "";
    mvg_expr *e = mvg_expr_compile(src, resolve, NULL, err, sizeof err);
    if (e) {
        mvg_expr_free(e);
        fail_msg("'%s' compiled, expected error '%s'", src, msg);
    }
    if (strcmp(err, msg) != 0)
        fail_msg("'%s': got error '%s', expected '%s'", src, err, msg);
}

static void test_chilled_water_power(void **state)
{
    (void)state;
    reset_vars();
    /* 1.163 kWh/(m3 K) * 12.5 m3/h * 5 K = 72.6875 kW */
    assert_double_equal(eval("1.163 * chw.flow_m3h * (chw.t_return - chw.t_supply)"),
                        1.163 * 12.5 * (12.0 - 7.0), 1e-12);
    assert_double_equal(eval("1.163 * chw.flow_m3h * (chw.t_return - chw.t_supply)"), 72.6875,
                        1e-9);
}

static void test_numbers(void **state)
{
    (void)state;
    reset_vars();
    assert_double_equal(eval("1e-3"), 0.001, 0);
    assert_double_equal(eval("2.5E+2"), 250.0, 0);
    assert_double_equal(eval(".5"), 0.5, 0);
    assert_double_equal(eval("7."), 7.0, 0);
    assert_double_equal(eval("  42  "), 42.0, 0);
}

static void test_precedence_associativity(void **state)
{
    (void)state;
    reset_vars(); /* x = 3, y = -2 */
    assert_double_equal(eval("1 + 2 * 3"), 7.0, 0);
    assert_double_equal(eval("(1 + 2) * 3"), 9.0, 0);
    assert_double_equal(eval("10 - 4 - 3"), 3.0, 0);      /* left: (10-4)-3 */
    assert_double_equal(eval("64 / 4 / 2"), 8.0, 0);      /* left: (64/4)/2 */
    assert_double_equal(eval("2 - -3"), 5.0, 0);
    assert_double_equal(eval("-x * y"), 6.0, 0);
    assert_double_equal(eval("-(x + y)"), -1.0, 0);
    assert_double_equal(eval("--x"), 3.0, 0);
    assert_double_equal(eval("+x"), 3.0, 0);
    assert_double_equal(eval("x - y * 2 / 4 + 1"), 3.0 - (-2.0) * 2.0 / 4.0 + 1.0, 0);
    /* comparison binds weaker than arithmetic, && weaker than comparison */
    assert_double_equal(eval("1 + 1 == 2"), 1.0, 0);
    assert_double_equal(eval("x > 2 && y < 0"), 1.0, 0);
    assert_double_equal(eval("x > 5 || y < 0 && x < 0"), 0.0, 0); /* && before || */
    assert_double_equal(eval("1 || 0 && 0"), 1.0, 0);
    /* conditional: lowest, right-associative */
    assert_double_equal(eval("x > 0 ? 10 : 20"), 10.0, 0);
    assert_double_equal(eval("y > 0 ? 10 : 20"), 20.0, 0);
    assert_double_equal(eval("0 ? 1 : 0 ? 2 : 3"), 3.0, 0);
    assert_double_equal(eval("1 ? 1 : 0 ? 2 : 3"), 1.0, 0);
    assert_double_equal(eval("x > 0 ? y > 0 ? 1 : 2 : 3"), 2.0, 0);
    assert_double_equal(eval("1 + (x > 0 ? 1 : 0) * 2"), 3.0, 0);
}

static void test_comparisons_logic(void **state)
{
    (void)state;
    reset_vars();
    assert_double_equal(eval("x < 3"), 0.0, 0);
    assert_double_equal(eval("x <= 3"), 1.0, 0);
    assert_double_equal(eval("x > 3"), 0.0, 0);
    assert_double_equal(eval("x >= 3"), 1.0, 0);
    assert_double_equal(eval("x == 3"), 1.0, 0);
    assert_double_equal(eval("x != 3"), 0.0, 0);
    assert_double_equal(eval("!x"), 0.0, 0);
    assert_double_equal(eval("!0"), 1.0, 0);
    assert_double_equal(eval("!!y"), 1.0, 0);
    assert_double_equal(eval("0.5 && 2"), 1.0, 0);
    assert_double_equal(eval("0 || 0"), 0.0, 0);
}

static void test_functions(void **state)
{
    (void)state;
    reset_vars();
    assert_double_equal(eval("min(x, y)"), -2.0, 0);
    assert_double_equal(eval("max(x, y)"), 3.0, 0);
    assert_double_equal(eval("min(4, 9, 1, 7)"), 1.0, 0);
    assert_double_equal(eval("max(4, 9, 1, 7)"), 9.0, 0);
    assert_double_equal(eval("max(5)"), 5.0, 0);
    assert_double_equal(eval("abs(y)"), 2.0, 0);
    assert_double_equal(eval("abs(-x * 2)"), 6.0, 0);
    assert_double_equal(eval("max(0, chw.t_return - chw.t_supply) * chw.flow_m3h"), 62.5, 0);
    /* a name that is also a function name is a variable without '(' */
    assert_double_equal(eval("chw_kw / 2"), 35.0, 0);
}

static void test_quality(void **state)
{
    (void)state;
    mvg_quality q;
    reset_vars();
    eval_q("x + y", &q);
    assert_int_equal(q, MVG_Q_GOOD);
    quals[3] = MVG_Q_STALE;
    quals[4] = MVG_Q_OUT_OF_RANGE;
    assert_double_equal(eval_q("x + y", &q), 1.0, 0);
    assert_int_equal(q, MVG_Q_OUT_OF_RANGE);
    quals[4] = MVG_Q_COMM_ERROR;
    vals[4] = NAN;
    double v = eval_q("x + y", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_COMM_ERROR);
    /* conditional: only the condition and the chosen branch count */
    v = eval_q("x > 0 ? 1 : y", &q);
    assert_double_equal(v, 1.0, 0);
    assert_int_equal(q, MVG_Q_STALE); /* from x in the condition */
    v = eval_q("x < 0 ? 1 : y", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_COMM_ERROR);
    /* the order, pairwise */
    assert_int_equal(mvg_expr_quality_worst(MVG_Q_GOOD, MVG_Q_STALE), MVG_Q_STALE);
    assert_int_equal(mvg_expr_quality_worst(MVG_Q_OUT_OF_RANGE, MVG_Q_STALE), MVG_Q_OUT_OF_RANGE);
    assert_int_equal(mvg_expr_quality_worst(MVG_Q_COUNTER_RESET, MVG_Q_INVALID), MVG_Q_INVALID);
    assert_int_equal(mvg_expr_quality_worst(MVG_Q_EXCEPTION, MVG_Q_INVALID), MVG_Q_EXCEPTION);
    assert_int_equal(mvg_expr_quality_worst(MVG_Q_EXCEPTION, MVG_Q_COMM_ERROR), MVG_Q_COMM_ERROR);
    assert_true(mvg_expr_quality_rank(MVG_Q_GOOD) < mvg_expr_quality_rank(MVG_Q_STALE));
}

static void test_division_by_zero(void **state)
{
    (void)state;
    mvg_quality q;
    reset_vars();
    double v = eval_q("x / (y + 2)", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_INVALID);
    v = eval_q("0 / 0", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_INVALID);
    /* an untaken branch does not poison the result */
    v = eval_q("y + 2 != 0 ? x / (y + 2) : 0", &q);
    assert_double_equal(v, 0.0, 0);
    assert_int_equal(q, MVG_Q_GOOD);
    /* a worse input quality stays */
    quals[3] = MVG_Q_COMM_ERROR;
    v = eval_q("x / 0", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_COMM_ERROR);
    /* overflow to infinity is not a value either */
    reset_vars();
    v = eval_q("1e308 * 10", &q);
    assert_true(isnan(v));
    assert_int_equal(q, MVG_Q_INVALID);
}

static void test_errors_with_columns(void **state)
{
    (void)state;
    expect_error("1.163 * chw.flow * 2", "unknown point 'chw.flow' at column 9");
    expect_error("", "empty expression at column 1");
    expect_error("   ", "empty expression at column 4");
    expect_error("1 +", "unexpected end of expression at column 4");
    expect_error("(1 + 2", "expected ')' to close '(' at column 1 at column 7");
    expect_error("(1 + 2 3)", "expected ')' at column 8");
    expect_error("1 + 2)", "unexpected ')' at column 6");
    expect_error("x # y", "unexpected '#' at column 3");
    expect_error("x & y", "unexpected '&' at column 3");
    expect_error("foo(1)", "unknown function 'foo' (known: min, max, abs) at column 1");
    expect_error("abs(1, 2)", "abs() takes exactly one argument, got 2 at column 1");
    expect_error("min()", "min() needs at least one argument at column 5");
    expect_error("max(1, 2", "expected ')' to close max( opened at column 1 at column 9");
    expect_error("max(1 2)", "expected ',' or ')' in call of max at column 7");
    expect_error("1 ? 2", "expected ':' of the conditional before the end at column 6");
    expect_error("1 ? 2 , 3", "expected ':' at column 7");
    expect_error("1 < 2 < 3", "comparisons do not chain: use && (e.g. a < b && b < c) at column 7");
    expect_error("1e", "malformed number at column 1");
    expect_error("2 * 3x", "malformed number at column 5");
    expect_error(".", "malformed number at column 1");
    expect_error("1.2.3", "malformed number at column 1");
    expect_error("1e999", "number out of range at column 1");
    expect_error("chw.", "expected a point name after '.' at column 5");
    expect_error("x y", "unexpected 'y' at column 3");
    expect_error("x\x01", "unexpected byte 0x01 at column 2");
}

static void test_depth_limit(void **state)
{
    (void)state;
    char buf[600];
    /* 64 levels of parentheses pass, one more fails */
    int n = 0;
    for (int i = 0; i < 64; i++)
        buf[n++] = '(';
    buf[n++] = 'x';
    for (int i = 0; i < 64; i++)
        buf[n++] = ')';
    buf[n] = 0;
    reset_vars();
    assert_double_equal(eval(buf), 3.0, 0);
    char err[256];
    memmove(buf + 1, buf, strlen(buf) + 1);
    buf[0] = '(';
    strcat(buf, ")");
    assert_null(mvg_expr_compile(buf, resolve, NULL, err, sizeof err));
    assert_string_equal(err, "expression nested deeper than 64 levels at column 65");
    n = 0;
    for (int i = 0; i < 300; i++)
        buf[n++] = '(';
    buf[n++] = 'x';
    buf[n] = 0;
    assert_null(mvg_expr_compile(buf, resolve, NULL, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper than 64 levels"));
    /* conditionals nest through their branches */
    n = 0;
    for (int i = 0; i < 100; i++) {
        memcpy(buf + n, "1?1:", 4);
        n += 4;
    }
    buf[n++] = '1';
    buf[n] = 0;
    assert_null(mvg_expr_compile(buf, resolve, NULL, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper"));
    /* so do calls */
    n = 0;
    for (int i = 0; i < 70; i++) {
        memcpy(buf + n, "abs(", 4);
        n += 4;
    }
    buf[n++] = '1';
    for (int i = 0; i < 70; i++)
        buf[n++] = ')';
    buf[n] = 0;
    assert_null(mvg_expr_compile(buf, resolve, NULL, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper"));
    /* unary minus chains are nesting too */
    memset(buf, '-', 500);
    buf[500] = '1';
    buf[501] = 0;
    assert_null(mvg_expr_compile(buf, resolve, NULL, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper"));
    /* a long flat sum does not nest */
    n = 0;
    for (int i = 0; i < 250; i++) {
        buf[n++] = '1';
        buf[n++] = '+';
    }
    buf[n++] = '1';
    buf[n] = 0;
    assert_double_equal(eval(buf), 251.0, 0);
}

static void test_vars_and_bounds(void **state)
{
    (void)state;
    char err[256];
    mvg_expr *e = mvg_expr_compile("y * x + chw_kw - x", resolve, NULL, err, sizeof err);
    assert_non_null(e);
    int idx[8];
    assert_int_equal(mvg_expr_vars(e, idx, 8), 3);
    assert_int_equal(idx[0], 3);
    assert_int_equal(idx[1], 4);
    assert_int_equal(idx[2], 5);
    assert_int_equal(mvg_expr_vars(e, idx, 1), 3); /* count beyond cap */
    double out;
    mvg_quality q;
    reset_vars();
    /* chw_kw is variable 5: five values are too few */
    assert_int_equal(mvg_expr_eval(e, vals, quals, 5, &out, &q), -1);
    assert_int_equal(mvg_expr_eval(e, vals, quals, 6, &out, &q), 0);
    assert_double_equal(out, -2.0 * 3.0 + 70.0 - 3.0, 0);
    mvg_expr_free(e);
    mvg_expr_free(NULL);
    /* constants need no variables at all */
    e = mvg_expr_compile("2 * 21", NULL, NULL, err, sizeof err);
    assert_non_null(e);
    assert_int_equal(mvg_expr_vars(e, NULL, 0), 0);
    assert_int_equal(mvg_expr_eval(e, NULL, NULL, 0, &out, &q), 0);
    assert_double_equal(out, 42.0, 0);
    mvg_expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chilled_water_power),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_precedence_associativity),
        cmocka_unit_test(test_comparisons_logic),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_division_by_zero),
        cmocka_unit_test(test_errors_with_columns),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_vars_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
