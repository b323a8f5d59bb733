/*
 * cli_data.c: CSV columns for the fit and savings subcommands (cli_data.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_data.h"
#include "csv.h"

int mvg_cli_data_load(const char *path, const char *ycol, const char *const *xcols, size_t nx,
                      mvg_cli_data *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    mvg_csv *c = mvg_csv_load(path, err, errlen);
    if (!c)
        return -1;
    int rc = -1;
    d->n = mvg_csv_rows(c);
    if (mvg_csv_numbers(c, ycol, &d->y, err, errlen) != 0)
        goto out;
    for (size_t j = 0; j < nx; j++) {
        if (mvg_csv_numbers(c, xcols[j], &d->x[j], err, errlen) != 0)
            goto out;
        d->nx = j + 1;
    }
    rc = 0;
out:
    mvg_csv_free(c);
    return rc;
}

void mvg_cli_data_free(mvg_cli_data *d)
{
    free(d->y);
    for (size_t j = 0; j < MVG_MODEL_MAX_X; j++)
        free(d->x[j]);
    memset(d, 0, sizeof *d);
}

int mvg_cli_parse_confidence(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v > 0 && v < 1))
        return -1;
    *out = v;
    return 0;
}
