/*
 * model.h: baseline models of the M&V engine: fitting (least squares by QR
 * through LAPACKE, change points by grid search with refinement), the
 * ASHRAE Guideline 14 statistics of the fit, and prediction. Pure: no clock,
 * no I/O. A fitted mvg_model is a plain value (copyable, serialisable).
 */
#ifndef MVG_MODEL_H
#define MVG_MODEL_H

#include <stddef.h>

#define MVG_MODEL_MAX_X 12     /* independent variables of a linear model (NIST Filip needs 10) */
#define MVG_MODEL_MAX_COEF 13  /* b0 + MAX_X, or change-point forms */
#define MVG_MODEL_MAX_REASONS 8

/*
 * Forms. Sign convention: (x-c)+ = max(x-c, 0) and (x-c)- = max(c-x, 0),
 * both non-negative, so a physical heating slope (use rises as x falls
 * below c) and a physical cooling slope are both positive. The intensity
 * form has no intercept; its R2 is still computed about ybar, as for the
 * other forms, so that adjusted R2 compares across forms.
 */
typedef enum {
    MVG_MODEL_MEAN,      /* E = b0 */
    MVG_MODEL_INTENSITY, /* E = b1*x */
    MVG_MODEL_LINEAR,    /* E = b0 + sum bi*xi */
    MVG_MODEL_3PC,       /* E = b0 + b1*(x-c)+ */
    MVG_MODEL_3PH,       /* E = b0 + b1*(x-c)-, i.e. b0 + b1*max(c-x,0), b1 > 0 for heating */
    MVG_MODEL_4P,        /* E = b0 + b1*(x-c)- + b2*(x-c)+ */
    MVG_MODEL_5P,        /* E = b0 + b1*(x-c1)- + b2*(x-c2)+, c1 < c2 */
    MVG_MODEL_AUTO       /* fit the candidates, keep the best valid one */
} mvg_model_type;

const char *mvg_model_type_name(mvg_model_type t); /* "mean", "3pc", ... */
int mvg_model_type_parse(const char *s, mvg_model_type *out);

/* ASHRAE Guideline 14 acceptance thresholds and data-sufficiency limits. */
typedef struct {
    double max_cv_rmse;       /* default 0.30 */
    double max_abs_nmbe;      /* default 0.10 */
    double min_coverage;      /* fraction of the baseline period backed by data; default 0.90 */
    size_t min_points_per_segment; /* change-point segments; default 10 */
    double confidence;        /* for t-statistics/intervals; default 0.90 */
} mvg_model_criteria;

void mvg_model_criteria_default(mvg_model_criteria *c);

/* Coefficients of a form with nx variables (change points not counted) and
 * its change points in *ncp; 0 for auto (no fixed form). */
size_t mvg_model_form_size(mvg_model_type t, size_t nx, size_t *ncp);

typedef struct {
    mvg_model_type type;      /* never AUTO once fitted */
    size_t nx;                /* independent variables used */
    size_t ncoef;
    double coef[MVG_MODEL_MAX_COEF];     /* formula order, b0 first where the form has one */
    double std_err[MVG_MODEL_MAX_COEF];
    double t_stat[MVG_MODEL_MAX_COEF];
    size_t ncp;
    double cp[2];             /* change points */
    size_t n, p;              /* p counts change points too */
    double ybar, sse, r2, adj_r2, rmse, cv_rmse, nmbe, rho;
    double coverage;          /* as given by the caller (1 when unknown) */
    int pass;                 /* ASHRAE 14 verdict */
    size_t nreasons;
    char reasons[MVG_MODEL_MAX_REASONS][160];
    size_t nseg;              /* segments of a change-point form (2 or 3), else 0 */
    size_t seg_n[3];          /* points per segment, from low x to high x */
} mvg_model;

/*
 * Fits a model of type to n observations. x holds nx columns: x[j][i] is
 * variable j at row i (change-point forms use x[0] only). coverage is the
 * fraction of the baseline period backed by data, for the sufficiency part
 * of the verdict (pass 1 when unknown). Returns 0, or -1 with err (too few
 * rows, singular design, constant y, ...).
 */
int mvg_model_fit(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                  size_t n, double coverage, const mvg_model_criteria *crit, mvg_model *out,
                  char *err, size_t errlen);

/* One candidate of an auto fit, for reporting the choice. */
typedef struct {
    mvg_model_type type;
    int fitted;               /* 0 when the fit itself failed (why says so) */
    int qualified;            /* fitted, physically plausible, enough points per segment */
    double adj_r2;
    char why[160];            /* reason for a failure or a disqualification, else "" */
} mvg_model_candidate;

#define MVG_MODEL_MAX_CANDIDATES 6

/*
 * Auto fit: fits mean, linear (2P or multivariable), 3pc, 3ph, 4p and 5p
 * (change-point forms only when nx == 1), disqualifies physically wrong or
 * insignificant (p >= 0.10, as CalTRACK) heating/cooling slopes and segments
 * with fewer than crit->min_points_per_segment points, and keeps the qualified candidate
 * with the highest adjusted R2 (CalTRACK's rule). cands (may be NULL) gets
 * up to MVG_MODEL_MAX_CANDIDATES entries, *ncands their count.
 */
int mvg_model_fit_auto(const double *y, const double *const *x, size_t nx, size_t n,
                       double coverage, const mvg_model_criteria *crit, mvg_model *out,
                       mvg_model_candidate *cands, size_t *ncands, char *err, size_t errlen);

/* The model's value at one row of independent variables (x[j]). */
double mvg_model_predict(const mvg_model *m, const double *x);

/* Two-sided Student-t quantile: t such that P(|T| <= t) = confidence, df degrees. */
double mvg_t_quantile(double confidence, double df);

#endif
