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
    /* The change-point forms take x[0] as the change-point variable; any
     * further x[1..] enter linearly after the hinges: a 3PC with two x is
     * E = b0 + b1*(x1-c)+ + b2*x2 (ASHRAE Guideline 14 change-point models
     * with additional variables). */
    MVG_MODEL_3PC,       /* E = b0 + b1*(x-c)+ */
    MVG_MODEL_3PH,       /* E = b0 + b1*(x-c)-, i.e. b0 + b1*max(c-x,0), b1 > 0 for heating */
    MVG_MODEL_4P,        /* E = b0 + b1*(x-c)- + b2*(x-c)+ */
    MVG_MODEL_5P,        /* E = b0 + b1*(x-c1)- + b2*(x-c2)+, c1 < c2 */
    MVG_MODEL_AUTO,      /* fit the candidates, keep the best valid one */
    MVG_MODEL_HDD,       /* E = b0 + b1*HDD(bh), daily (degreeday.h) */
    MVG_MODEL_CDD,       /* E = b0 + b1*CDD(bc), daily */
    MVG_MODEL_HDD_CDD,   /* E = b0 + b1*HDD(bh) + b2*CDD(bc), bh <= bc, daily */
    MVG_MODEL_TOWT       /* time of week and temperature (towt.h) */
} mvg_model_type;

const char *mvg_model_type_name(mvg_model_type t); /* "mean", "3pc", ... */
int mvg_model_type_parse(const char *s, mvg_model_type *out);

/*
 * The granularity of the rows a model is fitted to. It selects the
 * acceptance thresholds (one table in model.c, each row with its source)
 * and the empirical factor of the savings uncertainty (savings.h).
 * Sub-hourly (15-min) data counts as hourly, as in Guideline 14.
 */
typedef enum { MVG_GRAN_HOURLY, MVG_GRAN_DAILY, MVG_GRAN_MONTHLY } mvg_granularity;

const char *mvg_granularity_name(mvg_granularity g); /* "hourly", "daily", "monthly" */
int mvg_granularity_parse(const char *s, mvg_granularity *out);
/* The granularity of rows one median step apart: below a day hourly,
 * below 28 days daily, else monthly. */
mvg_granularity mvg_granularity_of_step_ms(long long step_ms);

/* ASHRAE Guideline 14 acceptance thresholds and data-sufficiency limits. */
typedef struct {
    mvg_granularity granularity; /* of the rows; default hourly */
    double max_cv_rmse;       /* by granularity: hourly 0.30, daily 0.25, monthly 0.15 */
    double max_abs_nmbe;      /* by granularity: hourly 0.10, daily 0.005, monthly 0.05 */
    double min_coverage;      /* fraction of the baseline period backed by data; default 0.90 */
    size_t min_points_per_segment; /* change-point segments; default 10 */
    double confidence;        /* for t-statistics/intervals; default 0.90 */
    /* How the change-point search of a form with further x scores a
     * candidate: 0 (default) from prefix sums (cpsums.h, up to
     * MVG_CPSUMS_MAX_Z further x; a QR per candidate above that), 1 by a
     * QR of the full design per candidate, the reference the tests and
     * benchmarks compare the sums with. The fit at the change points
     * found is the QR one either way. */
    int cp_sse_by_qr;
} mvg_model_criteria;

/* The hourly criteria (the gateway's interval models). */
void mvg_model_criteria_default(mvg_model_criteria *c);
/* The criteria of granularity g: its thresholds from the table, the other
 * limits as the default. */
void mvg_model_criteria_for(mvg_granularity g, mvg_model_criteria *c);

/* Where c's CV(RMSE) and NMBE thresholds come from: the table's source for
 * c's granularity when they are that row's (a static string), NULL when they
 * are not (configured). */
const char *mvg_model_criteria_source(const mvg_model_criteria *c);

/* Coefficients of a form with nx variables (change points not counted) and
 * its change points in *ncp; 0 for auto (no fixed form). */
size_t mvg_model_form_size(mvg_model_type t, size_t nx, size_t *ncp);

typedef struct {
    mvg_model_type type;      /* never AUTO once fitted */
    mvg_granularity granularity; /* of the baseline rows (criteria, FSU factor) */
    size_t nx;                /* independent variables used */
    size_t ncoef;
    double coef[MVG_MODEL_MAX_COEF];     /* formula order, b0 first where the form has one */
    double std_err[MVG_MODEL_MAX_COEF];
    double t_stat[MVG_MODEL_MAX_COEF];
    size_t ncp;
    double cp[2];             /* change points; balance points of HDD/CDD forms */
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
 * variable j at row i (change-point forms: x[0] the change-point variable,
 * x[1..] linear terms). A mean model may
 * be given x columns it does not use: each is tested (slope of y on it, t
 * against the two-sided 90 % quantile, as CalTRACK tests slopes) and a
 * significant one fails the verdict, since a form without the variable
 * then leaves out what explains y. HDD/CDD and TOWT forms are fitted by
 * degreeday.h and towt.h, not here. coverage is the
 * fraction of the baseline period backed by data, for the sufficiency part
 * of the verdict (pass 1 when unknown). Returns 0, or -1 with err (too few
 * rows, singular design, constant y, ...).
 */
int mvg_model_fit(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                  size_t n, double coverage, const mvg_model_criteria *crit, mvg_model *out,
                  char *err, size_t errlen);

/*
 * The fit of form type at given change points cp (balance points of the
 * HDD/CDD forms: cp[0] the heating one, cp[1] the cooling one of hdd-cdd),
 * with no search. The degree-day grid search (degreeday.h) is built on it.
 * Same contract as mvg_model_fit otherwise.
 */
int mvg_model_fit_at(mvg_model_type type, const double *y, const double *const *x, size_t nx,
                     size_t n, const double *cp, double coverage, const mvg_model_criteria *crit,
                     mvg_model *out, char *err, size_t errlen);

/* One candidate of an auto fit, for reporting the choice. */
typedef struct {
    mvg_model_type type;
    int fitted;               /* 0 when the fit itself failed (why says so) */
    int qualified;            /* fitted, physically plausible, enough points per segment */
    double adj_r2;
    char why[160];            /* reason for a failure or a disqualification, else "" */
} mvg_model_candidate;

#define MVG_MODEL_MAX_CANDIDATES 9

/*
 * Auto fit: fits mean, linear (2P or multivariable), 3pc, 3ph, 4p and 5p
 * (change-point forms when nx >= 1, x[0] the change-point variable), and for daily criteria with one
 * x hdd, cdd and hdd-cdd (degreeday.h; their qualification is theirs), disqualifies physically wrong or
 * insignificant (p >= 0.10, as CalTRACK) heating/cooling slopes and segments
 * with fewer than crit->min_points_per_segment points, and keeps the qualified candidate
 * with the highest adjusted R2 (CalTRACK's rule). cands (may be NULL) gets
 * up to MVG_MODEL_MAX_CANDIDATES entries, *ncands their count.
 */
int mvg_model_fit_auto(const double *y, const double *const *x, size_t nx, size_t n,
                       double coverage, const mvg_model_criteria *crit, mvg_model *out,
                       mvg_model_candidate *cands, size_t *ncands, char *err, size_t errlen);

/* The verdict of a fitted model's statistics against c (reasons and pass);
 * for forms fitted outside model.c (towt.h). */
void mvg_model_judge(mvg_model *m, const mvg_model_criteria *c);

/* How many x form t takes: *lo..*hi (mean 0..MAX_X, as it tests the x it
 * leaves out; intensity and the degree-day forms exactly one; linear, auto,
 * TOWT one or more; the change-point forms one or more, as many as their
 * coefficients fit in MVG_MODEL_MAX_COEF). One home for the JSON reader
 * and the configuration. */
void mvg_model_nx_range(mvg_model_type t, size_t *lo, size_t *hi);

/* The x that coefficient k of m multiplies (linearly, through a hinge or a
 * degree-day sum): 0.. nx-1, or -1 for an intercept (or no such
 * coefficient). One home for the report's coefficient units. */
int mvg_model_coef_x(const mvg_model *m, size_t k);

/* The model's value at one row of independent variables (x[j]); NaN for
 * TOWT, whose value needs the time (towt.h). */
double mvg_model_predict(const mvg_model *m, const double *x);

/* Two-sided Student-t quantile: t such that P(|T| <= t) = confidence, df degrees. */
double mvg_t_quantile(double confidence, double df);

#endif
