/*
 * degreeday.h: the CalTRACK daily degree-day forms (HDD, CDD, HDD+CDD) and
 * their balance-point search, and the daily aggregation of interval rows
 * that feeds them. It owns the grid, the qualification of each balance
 * point and the choice among them; the least squares at one balance point
 * is model.c's (mvg_model_fit_at). Pure: no clock, no I/O; temperatures in
 * degrees Celsius.
 *
 *   HDD_d = max(bh - T_d, 0), CDD_d = max(T_d - bc, 0), T_d the day's mean
 *   temperature (CalTRACK 2.0, methods 3.3.4-3.3.5), from the intervals of
 *   the day when the data are interval data.
 */
#ifndef MVG_DEGREEDAY_H
#define MVG_DEGREEDAY_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The grid (CalTRACK 3.2.1, 3.2.3): 30 to 90 F in 3 F steps, in Celsius. */
#define MVG_DD_GRID_N 21
double mvg_degreeday_grid(size_t k); /* k = 0 .. MVG_DD_GRID_N - 1 */

/* Qualification of a balance point (CalTRACK 3.2.2.2): at least this many
 * days with non-zero degree days, and this many degree days in all
 * (20 F-days, in C-days). */
#define MVG_DD_MIN_DAYS 10
#define MVG_DD_MIN_TOTAL (20.0 / 1.8)

/*
 * Fits form t (MVG_MODEL_HDD, _CDD or _HDD_CDD) to n days: y the day's use,
 * tmean its mean temperature. Every balance point of the grid (every pair
 * bh <= bc for HDD+CDD) is fitted; one qualifies when its degree days pass
 * the minimums above and every slope is positive and significant (p <
 * 0.10, as the other candidates of auto) with a positive intercept
 * (CalTRACK 3.4.3.2). The qualified fit with the highest adjusted R2 is
 * kept (3.4.3.3). Returns 0, or -1 with err naming why none qualified.
 */
int mvg_degreeday_fit(mvg_model_type t, const double *y, const double *tmean, size_t n,
                      double coverage, const mvg_model_criteria *crit, mvg_model *out, char *err,
                      size_t errlen);

/*
 * Aggregation of interval rows t_ms[i] (UTC epoch ms, in time order), y[i]
 * and nx columns x[j][i] into periods of period_ms (an hour or a day): one
 * row per local period (UTC + utc_offset_min) with the sum of y and the
 * mean of each x over its intervals. A period is kept when it has at least
 * half the intervals a full one has at step_ms (CalTRACK 3.5.1.2, for
 * days), and its sum of y is then scaled to the full period (the mean
 * times the intervals of a period). out's arrays are allocated
 * (mvg_agg_free); out->t gets each period's local start as UTC epoch ms.
 * Returns the number of periods, or -1 with err.
 */
typedef struct {
    size_t n, nx;
    int64_t *t;                 /* the period's start (UTC ms) */
    double *y;                  /* use over the period */
    double *x[MVG_MODEL_MAX_X]; /* mean over the period */
    size_t dropped;             /* periods with too few intervals */
} mvg_agg;

int mvg_agg_rows(const int64_t *t_ms, const double *y, const double *const *x, size_t nx, size_t n,
                 int64_t step_ms, int64_t period_ms, int utc_offset_min, mvg_agg *out, char *err,
                 size_t errlen);
void mvg_agg_free(mvg_agg *d);

#endif
