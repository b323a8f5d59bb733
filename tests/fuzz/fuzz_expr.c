/*
 * fuzz_expr.c: arbitrary text as a derived-channel expression: compile it
 * against a few known names, and when it compiles, evaluate it with a
 * spread of values and qualities. Never a crash or an out-of-bounds read;
 * a refusal always says why and where ("... at column N", N within the
 * text); an evaluation reads only the variables the expression declares.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static int resolve(const char *name, void *user)
{
    (void)user;
    static const char *const names[] = {"chw.flow_m3h", "chw.t_return", "chw.t_supply", "kw", "a.b"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    char err[256] = "";
    mvg_expr *e = mvg_expr_compile(src, resolve, NULL, err, sizeof err);
    if (!e) {
        if (!err[0])
            abort(); /* a refusal must say why */
        free(src);
        return 0;
    }
    int vars[8];
    size_t n = mvg_expr_vars(e, vars, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        if (vars[i] < 0 || vars[i] >= 5)
            abort(); /* only what the resolver handed out */
    const double sets[3][5] = {{1, 2, 3, 4, 5}, {0, -0.0, 1e308, -1e308, NAN}, {INFINITY, 0, 7, 1e-300, 3}};
    const mvg_quality qs[5] = {MVG_Q_GOOD, MVG_Q_STALE, MVG_Q_GOOD, MVG_Q_COMM_ERROR, MVG_Q_GOOD};
    for (int s = 0; s < 3; s++) {
        double out;
        mvg_quality q;
        if (mvg_expr_eval(e, sets[s], qs, 5, &out, &q) != 0)
            abort();
    }
    mvg_expr_free(e);
    free(src);
    return 0;
}
