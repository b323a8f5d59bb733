/*
 * savings.h: IPMVP avoided energy and its ASHRAE Guideline 14 uncertainty.
 * Given a fitted baseline model and the reporting period's conditions, it
 * computes the adjusted baseline (the model at those conditions), the
 * savings (adjusted baseline - actual), the fractional savings uncertainty
 * FSU and the savings interval at a confidence level. Pure: no clock, no
 * I/O, no state; the running totals belong to the caller (project engine).
 *
 *   FSU = t * a * CV(RMSE) * sqrt((n/n') * (1 + 2/n') * (1/m)) / F
 *   n'  = n * (1 - rho) / (1 + rho)   (n' = n when rho <= 0; n' >= 1)
 *   a = 1.26, t two-sided Student-t at the confidence, df = n - p,
 *   m reporting points, F = savings / adjusted baseline.
 */
#ifndef MVG_SAVINGS_H
#define MVG_SAVINGS_H

#include <stddef.h>

#include "model.h"

#define MVG_SAVINGS_A 1.26 /* ASHRAE 14 empirical factor for hourly/15-min data */

typedef struct {
    size_t m;                 /* reporting points */
    double adjusted_baseline; /* sum of the model over the reporting rows */
    double actual;            /* sum of the measured use */
    double savings;           /* adjusted_baseline - actual */
    double savings_fraction;  /* savings / adjusted_baseline (F) */
    double confidence;        /* two-sided, e.g. 0.90 */
    double t;                 /* Student-t quantile used, df = n - p */
    double n_eff;             /* n' after the autocorrelation correction */
    double fsu;               /* fractional savings uncertainty (a fraction, > 0) */
    double savings_low;       /* savings - |savings| * fsu */
    double savings_high;      /* savings + |savings| * fsu */
} mvg_savings;

/*
 * FSU from running totals: model (its n, p, cv_rmse, rho), m reporting
 * points, the adjusted baseline total and the savings total over those
 * points, at the two-sided confidence. Returns 0 and *fsu (non-negative:
 * |F| is used, so the sign of the savings does not flip it), or -1 with err
 * and *fsu = NaN when FSU is undefined (m = 0, savings or adjusted baseline
 * zero, n <= p, confidence outside (0,1), CV(RMSE) not finite).
 */
int mvg_savings_fsu(const mvg_model *model, size_t m, double adjusted_baseline, double savings,
                    double confidence, double *fsu, char *err, size_t errlen);

/*
 * Everything of mvg_savings from running totals (adjusted baseline and
 * actual over m points). When the FSU is undefined (e.g. zero savings) the
 * totals are still filled, fsu/savings_low/savings_high are NaN and -1 is
 * returned with err.
 */
int mvg_savings_from_totals(const mvg_model *model, size_t m, double adjusted_baseline,
                            double actual, double confidence, mvg_savings *out, char *err,
                            size_t errlen);

/*
 * Savings over m reporting rows: y[i] the actual use, x[j][i] the
 * independent variable j at row i (as for mvg_model_fit; nx must equal the
 * model's nx). Same return convention as mvg_savings_from_totals.
 */
int mvg_savings_compute(const mvg_model *model, const double *y, const double *const *x, size_t nx,
                        size_t m, double confidence, mvg_savings *out, char *err, size_t errlen);

#endif
