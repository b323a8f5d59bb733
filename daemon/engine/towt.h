/*
 * towt.h: the time-of-week-and-temperature baseline (LBNL RMV2.0 / nmecr
 * TOWT, as CalTRACK 2.0 hourly methods 3.8-3.10 specify it) for hourly
 * and 15-minute rows. It owns the fitted tables: a coefficient per
 * time-of-week bin and piecewise-linear temperature slopes, separately for
 * the occupied and the unoccupied mode, and the occupancy of each bin.
 * Pure: no clock, no I/O; temperatures in degrees Celsius, times UTC epoch
 * ms with the site's UTC offset given.
 *
 *   bins       the week from Monday 00:00 local in steps of the rows'
 *              interval: 168 for hourly rows, 672 for 15-min rows
 *   occupancy  y ~ 1 + HDD(10 C) + CDD(18.33 C) (50 / 65 F) over all rows;
 *              a bin is occupied when more than 65 % of its residuals are
 *              positive (the fit underpredicts it), unoccupied otherwise;
 *              all rows one mode when fewer than 3 bins are occupied
 *   temperature  the CalTRACK bin endpoints 30, 45, 55, 65, 75, 90 F
 *              (-1.1, 7.2, 12.8, 18.3, 23.9, 32.2 C), each endpoint of a
 *              bin with fewer than 20 rows of the mode dropped, as 3.9.1.2
 *   fit        per mode, least squares of y on the bin indicators, the
 *              temperature features and the extra columns (an operating
 *              mode, a holiday: 0/1 columns), no intercept. The bin
 *              indicators are eliminated by taking bin means out of y and
 *              of the other columns (Frisch-Waugh-Lovell: the same
 *              coefficients as the full design), so the least squares
 *              through lsq.c sees only the few other columns.
 */
#ifndef MVG_TOWT_H
#define MVG_TOWT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MVG_TOWT_MAX_EXTRA 8
#define MVG_TOWT_MAX_KNOTS 6

typedef struct mvg_towt mvg_towt;

typedef struct {
    int64_t step_ms;    /* the rows' interval: divides an hour, at least 1 min */
    int utc_offset_min; /* local time = UTC + this (Hong Kong, Guangdong: 480) */
    int occupancy;      /* 1: detect the two modes; 0: one mode for every bin */
} mvg_towt_opts;

/*
 * Fits n rows: t[i] (time order), y[i], temp[i] and nextra extra columns
 * extra[j][i]. stats gets the fit's statistics and verdict against crit
 * (type MVG_MODEL_TOWT; p counts the bin coefficients with data, the
 * temperature slopes and the extra coefficients of both modes). Returns
 * the model (mvg_towt_free it), or NULL with err.
 */
mvg_towt *mvg_towt_fit(const mvg_towt_opts *o, const int64_t *t, const double *y,
                       const double *temp, const double *const *extra, size_t nextra, size_t n,
                       double coverage, const mvg_model_criteria *crit, mvg_model *stats, char *err,
                       size_t errlen);
void mvg_towt_free(mvg_towt *m);

/* The model's value at time t, temperature temp and the extra columns'
 * values; NaN when t falls in a bin the baseline had no rows for. */
double mvg_towt_predict(const mvg_towt *m, int64_t t, double temp, const double *extra);

/* What was fitted, for reports: bins of the week, bins occupied, and per
 * mode (0 unoccupied, 1 occupied) its rows, its temperature endpoints and
 * slopes (nknots + 1 of them) and extra coefficients. */
typedef struct {
    size_t rows, nknots, nextra;
    double knots[MVG_TOWT_MAX_KNOTS];
    double slope[MVG_TOWT_MAX_KNOTS + 1];
    double extra[MVG_TOWT_MAX_EXTRA];
} mvg_towt_mode;

size_t mvg_towt_bins(const mvg_towt *m, size_t *occupied);
const mvg_towt_mode *mvg_towt_mode_info(const mvg_towt *m, int occupied);

/* Bin b's coefficient, NaN when the baseline had no rows in it (and for
 * b out of range); *occupied (may be NULL) its mode. */
double mvg_towt_bin(const mvg_towt *m, size_t b, int *occupied);

/*
 * A model from its tables, as mvg_towt_bin() and mvg_towt_mode_info() give
 * them (a model written out and read back): alpha[b] per bin (NaN: no
 * rows), occ[b] its mode, nbins the week in steps of o->step_ms, modes[0]
 * unoccupied and [1] occupied, each with nextra extra coefficients when it
 * has rows. Returns the model, or NULL with err naming what is wrong.
 */
mvg_towt *mvg_towt_from_tables(const mvg_towt_opts *o, const double *alpha,
                               const unsigned char *occ, size_t nbins,
                               const mvg_towt_mode *modes, size_t nextra, char *err,
                               size_t errlen);

#endif
