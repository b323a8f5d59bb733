/*
 * cli_data.c: CSV columns for the fit and savings subcommands (cli_data.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_data.h"
#include "csv.h"

typedef struct {
    int64_t t;
    size_t row;
} trow;

static int cmp_trow(const void *pa, const void *pb)
{
    const trow *a = pa, *b = pb;
    if (a->t != b->t)
        return (a->t > b->t) - (a->t < b->t);
    return (a->row > b->row) - (a->row < b->row);
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static int permute(double *v, const trow *order, size_t n)
{
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = v[order[i].row];
    memcpy(v, tmp, n * sizeof *v);
    free(tmp);
    return 0;
}

/* Time order and coverage from the timestamp column (see cli_data.h). */
static int use_times(const mvg_csv *c, mvg_cli_data *d, char *err, size_t errlen)
{
    int64_t *ts = NULL;
    int r = mvg_csv_timestamps(c, &ts, err, errlen);
    if (r <= 0)
        return r;
    d->has_time = 1;
    int rc = -1;
    size_t n = d->n;
    trow *o = malloc((n ? n : 1) * sizeof *o);
    int64_t *dt = malloc((n ? n : 1) * sizeof *dt);
    if (!o || !dt) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        o[i].t = ts[i];
        o[i].row = i;
        if (i > 0 && ts[i] < ts[i - 1])
            d->reordered = 1;
    }
    qsort(o, n, sizeof *o, cmp_trow);
    for (size_t i = 1; i < n; i++) {
        if (o[i].t == o[i - 1].t) {
            snprintf(err, errlen, "%s:%zu: column 'timestamp': the same time as line %zu",
                     mvg_csv_name(c), mvg_csv_line(c, o[i].row), mvg_csv_line(c, o[i - 1].row));
            goto out;
        }
        dt[i - 1] = o[i].t - o[i - 1].t;
    }
    if (d->reordered) {
        if (permute(d->y, o, n) != 0)
            goto out;
        for (size_t j = 0; j < d->nx; j++)
            if (permute(d->x[j], o, n) != 0)
                goto out;
    }
    if (n >= 2) {
        qsort(dt, n - 1, sizeof *dt, cmp_i64);
        d->step_ms = dt[(n - 1) / 2];
        double expected = (double)(o[n - 1].t - o[0].t) / (double)d->step_ms + 1.0;
        d->coverage = (double)n / expected;
        if (d->coverage > 1.0)
            d->coverage = 1.0;
    }
    rc = 0;
out:
    free(o);
    free(dt);
    free(ts);
    return rc;
}

int mvg_cli_data_load(const char *path, const char *ycol, const char *const *xcols, size_t nx,
                      mvg_cli_data *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->coverage = 1.0;
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
    if (use_times(c, d, err, errlen) < 0)
        goto out;
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

int mvg_cli_fit_args_parse(int argc, char **argv, const char *command, void (*usage)(FILE *),
                           const mvg_cli_fit_help *help, mvg_cli_fit_args *a)
{
    memset(a, 0, sizeof *a);
    a->confidence = 0.90;
    mvg_arg_list x = {a->xcols, 0, MVG_MODEL_MAX_X};
    const mvg_arg args[] = {
        {"model", 0, MVG_ARG_STR, &a->model, NULL, 1, help->model_value, help->model},
        {"csv", 0, MVG_ARG_STR, &a->csv, NULL, 1, "FILE", help->csv},
        {"y", 0, MVG_ARG_STR, &a->ycol, NULL, 1, "COL", help->y},
        {"x", 0, MVG_ARG_LIST, &x, NULL, 0, "COL", help->x},
        {"confidence", 0, MVG_ARG_FRACTION, &a->confidence, NULL, 0, "C", help->confidence},
        {"json", 0, MVG_ARG_FLAG, &a->json, NULL, 0, NULL, help->json},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args(command, argc, argv, args, 0, NULL, usage);
    a->nx = x.n;
    return exit_code;
}
