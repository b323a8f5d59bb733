/*
 * screen.h: screening of a baseline model's data. It owns two rules:
 * which baseline rows are outliers (CalTRACK 2.0 methods 2.3.6: a value
 * more than three interquartile ranges from the median is flagged;
 * applied here to the residuals of the fit, so that a high use the model
 * explains is not flagged) and which values of the independent variables
 * lie outside the range the model was fitted on, by a margin (a model
 * applied beyond its baseline's conditions extrapolates). It flags and
 * counts; whether a flagged row is left out of a fit is the caller's
 * choice (a configuration key). Pure: no clock, no I/O; the caller owns
 * the arrays.
 */
#ifndef MVG_SCREEN_H
#define MVG_SCREEN_H

#include <stddef.h>

#include "model.h"

/* The multiple of the interquartile range of CalTRACK 2.0 methods 2.3.6. */
#define MVG_SCREEN_IQR_K 3.0

/* The quantile q (0..1) of n sorted values by linear interpolation between
 * order statistics (Hyndman and Fan's type 7, numpy's and R's default):
 * h = (n - 1) q, v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h]).
 * NaN for n 0. */
double mvg_screen_quantile(const double *sorted, size_t n, double q);

/* The fences of the outlier rule over a set of residuals. */
typedef struct {
    double median, q1, q3, iqr;
    double low, high;   /* median -+ MVG_SCREEN_IQR_K * iqr */
    size_t n;           /* residuals screened (the finite ones) */
    size_t n_outliers;  /* residuals below low or above high */
} mvg_screen_fences;

/*
 * Screens n residuals: fills f and, when flag is not NULL, flag[i] = 1 for
 * an outlier (a residual strictly outside [low, high]), else 0; a
 * non-finite residual is neither screened nor flagged. Returns 0, or -1
 * (out of memory, or fewer than 4 finite residuals: quartiles of fewer
 * say nothing) with f's counts 0 and every flag 0.
 */
int mvg_screen_outliers(const double *resid, size_t n, mvg_screen_fences *f,
                        unsigned char *flag);

/*
 * The residuals y[i] - model(x[.][i]) of a fitted model over n rows (x[j][i]
 * is variable j at row i); NaN where the model has no value (TOWT, whose
 * value needs the time).
 */
void mvg_screen_residuals(const mvg_model *m, const double *y, const double *const *x,
                          size_t n, double *resid);

/* The range of each independent variable over the rows a model was fitted on. */
typedef struct {
    size_t nx;
    double min[MVG_MODEL_MAX_X], max[MVG_MODEL_MAX_X];
} mvg_screen_range;

/* The range of x[0..nx)[i] over the rows i < n with skip NULL or skip[i] 0
 * (non-finite values left out; a variable without one gets NaN bounds). */
void mvg_screen_range_of(const double *const *x, size_t nx, size_t n, const unsigned char *skip,
                         mvg_screen_range *r);

/*
 * Which of the values x[0..r->nx) lie outside the baseline range widened
 * by margin (a fraction of each variable's width max - min, >= 0): bit j
 * set when x[j] < min - margin (max - min) or x[j] > max + margin (max -
 * min). A variable with NaN bounds, or a non-finite x, sets no bit.
 */
unsigned mvg_screen_outside(const mvg_screen_range *r, const double *x, double margin);

#endif
