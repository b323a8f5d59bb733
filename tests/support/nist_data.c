#include "nist_data.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

double nist_lre(double x, double c)
{
    if (c == 0.0)
        return x == 0.0 ? 16.0 : -log10(fabs(x));
    double d = fabs(x - c) / fabs(c);
    return d == 0.0 ? 16.0 : -log10(d);
}

size_t nist_read_dat(const char *name, size_t ncols, double *buf, size_t maxrows)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/data/nist/%s.dat", MVG_SOURCE_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_true(rows < maxrows);
        char *s = line, *end;
        for (size_t c = 0; c < ncols; c++) {
            buf[rows * ncols + c] = strtod(s, &end);
            assert_true(end != s);
            s = end;
        }
        rows++;
    }
    fclose(f);
    return rows;
}
