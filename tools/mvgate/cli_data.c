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
#include "catvar.h"
#include "degreeday.h"
#include "csv.h"
#include "timefmt.h"

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
    d->t = malloc((n ? n : 1) * sizeof *d->t);
    if (!d->t) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        d->t[i] = o[i].t;
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
    free(d->t);
    free(d->y);
    for (size_t j = 0; j < MVG_MODEL_MAX_X; j++)
        free(d->x[j]);
    memset(d, 0, sizeof *d);
}

const char *const mvg_cli_aggregates[] = {"hourly", "daily", NULL};

int mvg_cli_fit_args_parse(int argc, char **argv, const char *command, void (*usage)(FILE *),
                           const mvg_cli_fit_help *help, mvg_cli_fit_args *a)
{
    memset(a, 0, sizeof *a);
    a->confidence = 0.90;
    a->aggregate = -1;
    mvg_arg_list x = {a->xcols, 0, MVG_MODEL_MAX_X};
    int is_fit = strcmp(command, "fit") == 0;
    const mvg_arg args[] = {
        {"model", 0, MVG_ARG_STR, &a->model, NULL, 1, help->model_value, help->model},
        {"csv", 0, MVG_ARG_STR, &a->csv, NULL, 1, "FILE", help->csv},
        {"y", 0, MVG_ARG_STR, &a->ycol, NULL, 1, "COL", help->y},
        {"x", 0, MVG_ARG_LIST, &x, NULL, 0, "COL", help->x},
        {"confidence", 0, MVG_ARG_FRACTION, &a->confidence, NULL, 0, "C", help->confidence},
        {"json", 0, MVG_ARG_FLAG, &a->json, NULL, 0, NULL, help->json},
        {"utc-offset", 0, MVG_ARG_STR, &a->utc_offset, NULL, 0, "O", help->utc_offset},
        {"weekend", 0, MVG_ARG_FLAG, &a->weekend, NULL, 0, NULL, help->weekend},
        {"holidays", 0, MVG_ARG_STR, &a->holidays, NULL, 0, "FILE", help->holidays},
        {"shift", 0, MVG_ARG_STR, &a->shift, NULL, 0, "W", help->shift},
        {"mode", 0, MVG_ARG_STR, &a->mode, NULL, 0, "COL", help->mode},
        is_fit ? (mvg_arg){"aggregate", 0, MVG_ARG_CHOICE, &a->aggregate, mvg_cli_aggregates, 0,
                           "hourly|daily", help->aggregate_or_accuracy}
               : (mvg_arg){"accuracy-pct", 0, MVG_ARG_POSITIVE, &a->accuracy_pct, NULL, 0, "A",
                           help->aggregate_or_accuracy},
        /* fit only: savings' table ends one entry earlier */
        is_fit ? (mvg_arg){"exclude-outliers", 0, MVG_ARG_FLAG, &a->exclude_outliers, NULL, 0,
                           NULL, help->exclude_outliers}
               : (mvg_arg)MVG_ARG_END,
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args(command, argc, argv, args, 0, NULL, usage);
    a->nx = x.n;
    if (exit_code < 0 && a->mode) {
        if (a->nx == MVG_MODEL_MAX_X) {
            fprintf(stderr, "mvgate %s: --mode needs room for one more column (at most %d --x)\n",
                    command, MVG_MODEL_MAX_X - 1);
            return 2;
        }
        a->xcols[a->nx] = a->mode; /* loaded as the last x, then made levels */
    }
    return exit_code;
}

/* A "+08:00" / "-05:30" / "Z" offset through the one time parser. */
/* "HH:MM" as minutes after midnight, through the time parser; 24:00 is 1440. */
static int parse_clock(const char *s, size_t len, int *min)
{
    char buf[48];
    int64_t ms;
    if (len == 0 || len > 8 || snprintf(buf, sizeof buf, "1970-01-01T%.*sZ", (int)len, s) < 0 ||
        mvg_timefmt_parse(buf, &ms) != 0)
        return -1;
    *min = (int)(ms / 60000);
    return 0;
}

/* One date a line (YYYY-MM-DD), '#' comments and blank lines skipped. */
static int read_holidays(const char *path, int64_t **days, size_t *nd, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    size_t cap = 0, lineno = 0;
    *nd = 0;
    *days = NULL;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *p = line + strspn(line, " \t\r\n");
        p[strcspn(p, " \t\r\n")] = '\0';
        if (!*p)
            continue;
        int64_t ms;
        if (strlen(p) != 10 || mvg_timefmt_parse(p, &ms) != 0) {
            snprintf(err, errlen, "%s:%zu: '%s' is not a date (YYYY-MM-DD)", path, lineno, p);
            rc = -1;
            break;
        }
        if (*nd == cap) {
            cap = cap ? 2 * cap : 32;
            int64_t *nv = realloc(*days, cap * sizeof *nv);
            if (!nv) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            *days = nv;
        }
        (*days)[(*nd)++] = mvg_catvar_day(ms, 0);
    }
    fclose(f);
    return rc;
}

int mvg_cli_data_catvars(mvg_cli_data *d, const mvg_cli_fit_args *a, const char **names,
                         int *utc_offset_min, char *err, size_t errlen)
{
    *utc_offset_min = 0;
    if (a->utc_offset && mvg_timefmt_parse_offset(a->utc_offset, utc_offset_min) != 0) {
        snprintf(err, errlen, "--utc-offset '%s': not an offset such as +08:00 or Z",
                 a->utc_offset);
        return -1;
    }
    for (size_t j = 0; j < a->nx; j++)
        names[j] = a->xcols[j];
    size_t nx = a->nx, n = d->n;
    if ((a->weekend || a->holidays || a->shift) && !d->t) {
        snprintf(err, errlen, "%s: --weekend, --holidays and --shift need a 'timestamp' column",
                 a->csv);
        return -1;
    }
    int sh0 = 0, sh1 = 0;
    const char *dash = a->shift ? strchr(a->shift, '-') : NULL;
    if (a->shift && (!dash || parse_clock(a->shift, (size_t)(dash - a->shift), &sh0) != 0 ||
                     parse_clock(dash + 1, strlen(dash + 1), &sh1) != 0 || sh0 == sh1)) {
        snprintf(err, errlen, "--shift '%s': not a window HH:MM-HH:MM (22:00-06:00 wraps)",
                 a->shift);
        return -1;
    }
    int want[3] = {a->weekend, a->holidays != NULL, a->shift != NULL};
    static const char *const nm[3] = {"weekend", "holiday", "shift"};
    double *mode = a->mode ? d->x[nx] : NULL;
    if (a->mode)
        d->x[nx] = NULL; /* the levels take its place */
    int rc = -1;
    int64_t *days = NULL;
    size_t nd = 0;
    for (int k = 0; k < 3; k++) {
        if (!want[k])
            continue;
        if (nx == MVG_MODEL_MAX_X) {
            snprintf(err, errlen, "more than %d x columns with the categorical ones",
                     MVG_MODEL_MAX_X);
            goto out;
        }
        double *c = malloc((n ? n : 1) * sizeof *c);
        if (!c) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        d->x[nx] = c;
        if (k == 0)
            mvg_catvar_weekend(d->t, n, *utc_offset_min, c);
        else if (k == 1) {
            if (read_holidays(a->holidays, &days, &nd, err, errlen) != 0)
                goto out;
            mvg_catvar_holiday(d->t, n, *utc_offset_min, days, nd, c);
        } else
            mvg_catvar_shift(d->t, n, *utc_offset_min, sh0, sh1, c);
        names[nx++] = nm[k];
    }
    if (mode) {
        double lv[MVG_MODEL_MAX_X + 1];
        size_t nl = 0;
        if (mvg_catvar_levels(mode, n, lv, MVG_MODEL_MAX_X + 1 - nx, &nl) != 0) {
            snprintf(err, errlen,
                     "--mode '%s': %s", a->mode,
                     nl < 2 ? "one value only: a mode that never changes explains nothing"
                            : "too many distinct values for the columns left");
            goto out;
        }
        for (size_t l = 1; l < nl; l++) {
            double *c = malloc((n ? n : 1) * sizeof *c);
            if (!c) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            mvg_catvar_level(mode, n, lv[l], c);
            d->x[nx] = c;
            snprintf(d->names[nx], sizeof d->names[nx], "%.24s=%g", a->mode, lv[l]);
            names[nx] = d->names[nx];
            nx++;
        }
    }
    d->nx = nx;
    rc = 0;
out:
    free(mode);
    free(days);
    return rc;
}

int mvg_cli_data_aggregate(mvg_cli_data *d, int64_t period, int off, char *err, size_t errlen)
{
    if (!d->t) {
        snprintf(err, errlen, "--aggregate needs a 'timestamp' column");
        return -1;
    }
    mvg_agg ag;
    if (mvg_agg_rows(d->t, d->y, (const double *const *)d->x, d->nx, d->n, d->step_ms, period, off,
                     &ag, err, errlen) < 0)
        return -1;
    if (ag.n < 2) {
        snprintf(err, errlen, "--aggregate: %zu whole %s", ag.n, period == 3600000 ? "hours" : "days");
        mvg_agg_free(&ag);
        return -1;
    }
    free(d->t);
    free(d->y);
    d->t = ag.t;
    d->y = ag.y;
    for (size_t j = 0; j < d->nx; j++) {
        free(d->x[j]);
        d->x[j] = ag.x[j];
    }
    double expected = (double)(ag.t[ag.n - 1] - ag.t[0]) / (double)period + 1.0;
    d->n = ag.n;
    d->step_ms = period;
    d->coverage = (double)ag.n / expected;
    if (d->coverage > 1.0)
        d->coverage = 1.0;
    return 0;
}

