/*
 * cli_data.h: what the fit and savings subcommands share: reading the y
 * and x columns of a CSV into arrays, with the CSV reader's errors (file,
 * line, column) passed through unchanged.
 */
#ifndef MVG_CLI_DATA_H
#define MVG_CLI_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

typedef struct {
    size_t n, nx;
    double *y;
    double *x[MVG_MODEL_MAX_X];
    int64_t *t;       /* the rows' times in time order (NULL without a timestamp column) */
    int has_time;     /* the CSV has a "timestamp" column */
    int reordered;    /* rows were not in time order and have been sorted */
    int64_t step_ms;  /* median step between consecutive times (0 when unknown) */
    double coverage;  /* rows / expected rows over the span at step_ms; 1 without times */
    char names[MVG_MODEL_MAX_X][40]; /* names of the categorical columns */
} mvg_cli_data;

/*
 * Loads path and converts ycol and xcols[0..nx-1]. With a timestamp column
 * the rows are put in time order (the lag-1 autocorrelation of the
 * residuals assumes it) and the coverage is rows / ((last - first) / step
 * + 1), step the median interval between rows; duplicate timestamps are an
 * error. Returns 0, or -1 with err. mvg_cli_data_free() releases what was
 * loaded (also after -1).
 */
int mvg_cli_data_load(const char *path, const char *ycol, const char *const *xcols, size_t nx,
                      mvg_cli_data *d, char *err, size_t errlen);
void mvg_cli_data_free(mvg_cli_data *d);

/* The options fit and savings share: --model (a type for fit, a file for
 * savings), --csv, --y, --x (repeatable), --confidence, --json, and the
 * categorical variables (--weekend, --holidays FILE, --shift HH:MM-HH:MM,
 * --mode COL) with the site's --utc-offset; fit has --aggregate, savings
 * --accuracy-pct. */
typedef struct {
    const char *model, *csv, *ycol;
    const char *xcols[MVG_MODEL_MAX_X];
    size_t nx;
    double confidence; /* default 0.90 */
    int json;
    int aggregate;     /* -1 none, else an index into mvg_cli_aggregates */
    const char *utc_offset, *holidays, *shift, *mode;
    int weekend;
    double accuracy_pct; /* 0: not given */
    int exclude_outliers; /* fit: refit once without the rows screen.h flags */
} mvg_cli_fit_args;

extern const char *const mvg_cli_aggregates[]; /* "hourly", "daily", NULL */

/*
 * The categorical columns the options ask for, appended to d->x after the
 * --x columns in a fixed order (weekend, holiday, shift, then one column
 * per non-reference level of --mode, whose column must be the last x
 * loaded: it is replaced), their names into names (storage of d). They
 * need the timestamp column, except --mode. *utc_offset_min gets the
 * parsed --utc-offset (0 without). Returns 0, or -1 with err.
 */
int mvg_cli_data_catvars(mvg_cli_data *d, const mvg_cli_fit_args *a, const char **names,
                         int *utc_offset_min, char *err, size_t errlen);

/*
 * Parses argv for command ("fit", "savings"); usage prints its help.
 * Returns -1 when the arguments are complete, else the exit code to return
 * now: 0 after --help, 2 after a usage error (already reported).
 */
/* What the shared options mean to the command that parses them (fit and
 * savings read the same options differently): their help texts. */
typedef struct {
    const char *model_value; /* the value's name: TYPE, FILE */
    const char *model, *csv, *y, *x, *confidence, *json;
    /* fit's --aggregate, savings' --accuracy-pct */
    const char *aggregate_or_accuracy;
    const char *utc_offset, *weekend, *holidays, *shift, *mode;
    const char *exclude_outliers; /* fit only */
} mvg_cli_fit_help;

int mvg_cli_fit_args_parse(int argc, char **argv, const char *command, void (*usage)(FILE *),
                           const mvg_cli_fit_help *help, mvg_cli_fit_args *a);

/* Replaces d's rows by their sums of y and means of x over local periods
 * of period ms (an hour or a day; mvg_agg_rows), the coverage then counted
 * in periods. Needs the timestamp column. Returns 0, or -1 with err. */
int mvg_cli_data_aggregate(mvg_cli_data *d, int64_t period, int utc_offset_min, char *err,
                           size_t errlen);

#endif
