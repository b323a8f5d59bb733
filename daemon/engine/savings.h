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
 *   a by the model's granularity (mvg_savings_fsu_factor), t two-sided
 *   Student-t at the confidence, df = n - p, m reporting points,
 *   F = savings / adjusted baseline.
 * The meter's accuracy, when known, is combined with this model part in
 * quadrature (Guideline 14 Annex B): mvg_savings_add_meter.
 */
#ifndef MVG_SAVINGS_H
#define MVG_SAVINGS_H

#include <stddef.h>

#include "model.h"

/*
 * The empirical factor a of the FSU for m reporting rows of granularity g:
 * hourly (and 15-min) 1.26 (Guideline 14 Annex B; nmecr and eemeter use it
 * for hourly data); daily and monthly the polynomials of Sun and Baltazar
 * (2013) in M, the months of the reporting period, that CalTRACK 2.0
 * (methods 4.3.2.4) and nmecr use: daily -0.00024 M^2 + 0.03535 M +
 * 1.00286 with M = m / 30.4375; monthly -0.00022 M^2 + 0.03306 M +
 * 0.94054 with M = m.
 */
double mvg_savings_fsu_factor(mvg_granularity g, size_t m);

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
    double fsu_model;         /* the model's part of fsu (equal to fsu without a meter) */
    double meter_accuracy;    /* the meter's relative accuracy combined in (0: none) */
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
 * Combines the meter's relative accuracy (0.005 for +-0.5 %, taken as the
 * half-width of the reading's interval at the savings' confidence) with
 * the model uncertainty, in quadrature as Guideline 14 Annex B combines
 * independent components: the measured total A carries +-accuracy * |A|,
 * so U = sqrt((fsu_model |S|)^2 + (accuracy |A|)^2) and fsu = U / |S|.
 * The baseline's own metering error is inside the model's residuals
 * already. Needs a defined fsu; returns 0, or -1 with err (accuracy not in
 * [0, 1), or nothing to combine with).
 */
int mvg_savings_add_meter(mvg_savings *s, double accuracy, char *err, size_t errlen);

/* The rule itself, for running totals (project.h): the combined FSU of a
 * model FSU, savings S and actual A at the meter's accuracy. */
double mvg_savings_combine_meter(double fsu_model, double savings, double actual,
                                 double accuracy);

/*
 * Savings over m reporting rows: y[i] the actual use, x[j][i] the
 * independent variable j at row i (as for mvg_model_fit; nx must equal the
 * model's nx). Same return convention as mvg_savings_from_totals.
 */
int mvg_savings_compute(const mvg_model *model, const double *y, const double *const *x, size_t nx,
                        size_t m, double confidence, mvg_savings *out, char *err, size_t errlen);

#endif
