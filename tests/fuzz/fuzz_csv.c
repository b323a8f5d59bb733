/*
 * fuzz_csv.c: arbitrary bytes through the CSV reader (daemon/base/csv.c): the
 * parse, every column as numbers, the timestamps. Invariants: a parsed
 * table has a header, every row the header's field count, line numbers
 * increasing; numbers returned are finite.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    mvg_csv *c = mvg_csv_parse("fuzz.csv", (const char *)data, size, err, sizeof err);
    if (!c)
        return 0;
    size_t n = mvg_csv_rows(c);
    if (mvg_csv_ncols(c) == 0)
        abort();
    for (size_t r = 1; r < n; r++)
        if (mvg_csv_line(c, r) <= mvg_csv_line(c, r - 1))
            abort();
    for (size_t k = 0; k < mvg_csv_ncols(c) && k < 8; k++) {
        double *v;
        if (mvg_csv_numbers(c, mvg_csv_header(c, k), &v, err, sizeof err) == 0) {
            for (size_t r = 0; r < n; r++)
                if (!isfinite(v[r]))
                    abort();
            free(v);
        }
    }
    int64_t *ts;
    if (mvg_csv_timestamps(c, &ts, err, sizeof err) == 1)
        free(ts);
    mvg_csv_free(c);
    return 0;
}
