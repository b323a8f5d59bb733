/*
 * project.h: one M&V project of the engine: its phases (baseline,
 * installation, reporting), its savings streams and their frozen baseline
 * models. An mvg_project is fed the interval records of the aggregator that
 * carries its channels; from each record it works out the phase, collects
 * the baseline rows, fits the models when the baseline ends (or on
 * command), and in the reporting period computes per stream and interval:
 * the adjusted baseline, the avoided use, the non-routine adjustments
 * (reported separately), the cumulative totals, the savings fraction, the
 * FSU and savings interval (savings.h), the normalised annual savings
 * (the model over the baseline's conditions repeated to a year, never the
 * measured figure times 8760 h over the hours covered), the conversions of
 * the savings (convert.h), and the project's net total across streams. It owns the collected baseline
 * rows, the fitted models and the accumulators; its state serialises to
 * bytes and restores exactly. Pure: no clock, no I/O. Not thread-safe.
 */
#ifndef MVG_PROJECT_H
#define MVG_PROJECT_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "convert.h"
#include "dayrow.h"
#include "interval.h"
#include "model.h"
#include "tariff.h"
#include "screen.h"

#define MVG_PROJECT_MAX_STREAMS 8
#define MVG_PRJ_NAME_MAX 64 /* = MVG_NAME_MAX of config.h (checked there) */

/* ---- configuration: plain values, filled and checked by config_projects.c ---- */

typedef struct {
    const char *file; /* owned by the mvg_projects_cfg */
    int line;
} mvg_prj_src;

typedef struct mvg_projects_cfg mvg_projects_cfg;

/* Room for "device.point" and for implicit names "~project.stream.role". */
#define MVG_CHANNEL_NAME_MAX (2 * MVG_PRJ_NAME_MAX + 24)

/* Which figure of a channel's interval record a reference takes. */
typedef enum {
    MVG_REF_AUTO,  /* actual: the amount; x: the amount of a counter, the mean of a gauge */
    MVG_REF_SUM,   /* the amount: counter delta, or rate integral ("name:sum") */
    MVG_REF_MEAN,  /* time-weighted mean ("name:mean") */
    MVG_REF_MIN,   /* ("name:min") */
    MVG_REF_MAX    /* ("name:max") */
} mvg_ref_agg;

/* A reference to an interval channel: a point "device.point", a derived
 * channel, or an inline expression (then an implicit derived channel whose
 * name starts with '~' is added to mvg_projects_cfg.derived). */
typedef struct {
    char channel[MVG_CHANNEL_NAME_MAX];
    mvg_ref_agg agg;
    int is_counter;             /* the channel is a counter point (derived: 0) */
    mvg_prj_src src;
} mvg_ref_cfg;

typedef struct {
    char name[MVG_CHANNEL_NAME_MAX]; /* implicit ones: "~project.stream.role" */
    char *expr;                 /* owned */
    char unit[32];
    mvg_prj_src src;
} mvg_derived_cfg;

/* A non-routine adjustment, in the stream's unit, added to the adjusted
 * baseline (positive: the baseline would have been higher, e.g. a new line). */
typedef struct {
    char reason[128];
    int once;                   /* 1: amount once, in the interval holding once_at_ms */
    int64_t once_at_ms;
    double amount;              /* per interval, or the one-off amount */
    mvg_prj_src src;
} mvg_adjust_cfg;

typedef struct {
    char name[MVG_PRJ_NAME_MAX];
    mvg_stream_type type;
    mvg_conv_factors factors;
    int has_actual;
    mvg_ref_cfg actual;
    /* baseline model: fitted at the end of the baseline unless given */
    int has_model;              /* required (config_streams.c); 0 only in hand-built configs */
    mvg_model_type model_type;  /* AUTO allowed */
    size_t nx;
    mvg_ref_cfg x[MVG_MODEL_MAX_X];
    int model_given;            /* coefficients in the config: used as is */
    mvg_model model;            /* when model_given */
    /* NOx / SO2 from concentration (mg/Nm3), O2 (%) and flue-gas flow (Nm3/h) */
    int has_flue;
    mvg_ref_cfg conc, o2, flow;
    int has_o2;
    /* VOC: inlet and outlet concentration (mg/Nm3) and flow (Nm3/h). The
     * outlet is the stream's actual emission; the inlet only gives the
     * removal (inlet minus outlet), a reported figure, not the saving. */
    mvg_ref_cfg in_conc, in_flow, out_conc, out_flow;
    mvg_adjust_cfg *adjust;
    size_t nadjust;
    /* relative accuracy of the stream's meter (0.005 for +-0.5 %), combined
     * with the model's FSU in quadrature (savings.h); 0: not combined */
    double meter_accuracy;
    /* electricity priced by a time-of-use tariff (docs/conversions.md
     * "Tariffs"): NULL for cost_per_unit. The tariff is owned by the
     * mvg_projects_cfg; energy_price is HK$ per kWh of the flat period
     * (ratio 1), demand_charge HK$ per kW of the billing month's peak
     * demand, measured over demand_interval_min (a multiple of the
     * project's interval); kwh_per_unit converts the stream's unit. */
    const mvg_tariff *tariff;
    char tariff_name[256];
    double energy_price, demand_charge, kwh_per_unit;
    int demand_interval_min;
    /* screening (screen.h, docs/method.md "Screening"): outliers of the
     * fit's residuals are always flagged; left out of the fit (one refit
     * without them) only with exclude_outliers. A reporting interval whose
     * x lies outside the baseline's range widened by range_margin (a
     * fraction of each x's width) is flagged as extrapolated. */
    int exclude_outliers;
    double range_margin;        /* >= 0; default 0: the baseline's own range */
    mvg_prj_src src;
} mvg_stream_cfg;

/* The normal year the annual figures are evaluated over (docs/method.md
 * "Annual figures"). */
typedef enum {
    MVG_ANNUAL_BASELINE_YEAR, /* the baseline period's own conditions repeated to 8760 h */
    MVG_ANNUAL_CALENDAR       /* a calendar year of the site's operating calendar */
} mvg_annual_basis;

/* What the project's model rows and savings records are (docs/method.md
 * "Daily projects"): its intervals, or local days made of them (dayrow.h). */
typedef enum {
    MVG_PRJ_GRAN_INTERVAL,
    MVG_PRJ_GRAN_DAILY
} mvg_prj_granularity;

typedef struct {
    char name[MVG_PRJ_NAME_MAX];
    char technology[MVG_PRJ_NAME_MAX];
    int interval_min;           /* 1..60, default 15 */
    mvg_prj_granularity granularity; /* default MVG_PRJ_GRAN_INTERVAL */
    char utc_offset[16];        /* as configured; "Z" by default */
    int utc_offset_min;         /* where the site's local days begin (daily) */
    int64_t baseline_start_ms, baseline_end_ms;
    int has_installation;
    int64_t installation_start_ms, installation_end_ms;
    int64_t reporting_start_ms;
    int has_reporting_end;
    int64_t reporting_end_ms;
    double confidence;          /* default 0.90 */
    double min_interval_coverage; /* an interval counts when every channel is covered this much; default 0.90 */
    mvg_model_criteria criteria;
    /* What the project definition record states (records/definition.h);
     * the engine does not use them. */
    int ipmvp_option;           /* 0: not given; 1..4: IPMVP option A..D */
    char measurement_boundary[256]; /* free text; "" when not given */
    mvg_stream_cfg *streams;
    size_t nstreams;
    /* the normal year: with MVG_ANNUAL_CALENDAR, the calendar year
     * calendar_year of operating (operating.cal owned by the
     * mvg_projects_cfg; calendar is the name as configured) */
    mvg_annual_basis annual_basis;
    char calendar[256];
    int calendar_year;
    mvg_operating operating;
    mvg_prj_src src;
} mvg_project_cfg;

struct mvg_projects_cfg {
    mvg_derived_cfg *derived;   /* declared ones first, then the implicit ones */
    size_t nderived;
    mvg_project_cfg *projects;
    size_t nprojects;
    struct mvg_strpool *files;  /* the source file names src points at (strpool.h), owned */
    mvg_tariff **tariffs;       /* the tariffs the streams name, owned */
    char **tariff_keys;
    size_t ntariffs;
    mvg_calendar **calendars;   /* the calendars the projects name, owned */
    char **calendar_keys;       /* the name each was configured by */
    size_t ncalendars;
};

/* ---- the running project ---------------------------------------------- */


typedef enum {
    MVG_PHASE_BEFORE,       /* before the baseline starts */
    MVG_PHASE_BASELINE,     /* collected for the fit */
    MVG_PHASE_INSTALLATION, /* excluded */
    MVG_PHASE_EXCLUDED,     /* straddles a period boundary, or between periods: excluded */
    MVG_PHASE_REPORTING,    /* savings computed */
    MVG_PHASE_AFTER         /* after the reporting period ended */
} mvg_phase;

const char *mvg_project_phase_name(mvg_phase p); /* "baseline", ... */

/* Per stream and interval. Amounts are in the stream's unit (unit[]);
 * fractions are fractions (not percent); NaN where a figure is undefined. */
typedef struct {
    char name[MVG_PRJ_NAME_MAX];
    mvg_stream_type type;
    char unit[16];
    int valid;               /* every channel covered >= min_interval_coverage */
    double coverage;         /* lowest coverage of the stream's channels, 0..1 */
    double actual;           /* this interval's use [unit] (normalised to the full interval) */
    size_t nx;
    double x[MVG_MODEL_MAX_X];
    /* state of the baseline model */
    int model_ready;         /* fitted (or given), frozen */
    int model_pass;          /* its ASHRAE 14 verdict */
    size_t baseline_rows;    /* rows collected so far (before the fit) or used by it */
    /* reporting only: NaN in every other phase, and all but adjustment NaN
     * in a reporting interval without a baseline value (not valid, no model) */
    double adjusted_baseline;/* model(x) [unit]: for nox, so2 and voc the old system's
                                modelled emission (its outlet mass against its driver) */
    double avoided;          /* adjusted_baseline - actual [unit] */
    double adjustment;       /* non-routine adjustments of this interval [unit]; a one-off
                                one counts in an interval that is not valid too */
    double savings;          /* avoided + adjustment [unit] */
    mvg_conv_result conv;    /* conversions of this interval's savings (all NaN without) */
    /* cumulative over the valid reporting intervals with a baseline value
     * (the adjustments over every reporting interval): 0 before the first */
    size_t m;                /* reporting points */
    double covered_hours;    /* h */
    double cum_adjusted_baseline, cum_actual, cum_avoided, cum_adjustment, cum_savings;
    double savings_fraction; /* cum_avoided / cum_adjusted_baseline */
    double fsu;              /* fractional savings uncertainty of cum_avoided (NaN if undefined) */
    double savings_low, savings_high; /* interval of cum_avoided at the project's confidence */
    mvg_conv_result cum_conv;    /* conversions of cum_savings */
    /* Normalised annual figures (IPMVP normalised savings, ISO 50015): the
     * frozen model over the baseline period's conditions (every valid
     * baseline interval's x) repeated to a year, and the savings fraction of
     * the reporting period applied to it. NaN (annual_basis NULL) without a
     * fitted model's baseline rows (a model given in the config) or before
     * the first counted reporting interval. Routine savings only: the
     * non-routine adjustments are not annualised. */
    double annual_baseline;      /* sum of model(x_i) / n * intervals per year [unit per year] */
    double annual_savings;       /* savings_fraction * annual_baseline [unit per year] */
    const char *annual_basis;    /* "baseline year" or "calendar"; NULL when the annual figures are NaN */
    /* annual_basis "calendar" (annual_ncls 0 otherwise): per class of
     * operation (calendar.h) its intervals in the normal year, the
     * baseline rows of the class and the mean prediction over them; the
     * annual baseline is the sum over the classes of year_n x mean. A class
     * of the year without baseline rows leaves the figures NaN and its
     * index in annual_missing_class (else -1). */
    size_t annual_ncls;
    uint64_t annual_year_n[MVG_CAL_MAX_CLASSES], annual_cls_n[MVG_CAL_MAX_CLASSES];
    double annual_cls_mean[MVG_CAL_MAX_CLASSES];
    long annual_missing_class;
    mvg_conv_result annual_conv; /* conversions of annual_savings (per year) */
    /* nox, so2, voc: an annual reduction larger than the annual baseline
     * emission cannot be (more removed than the old system emitted): the
     * figures stay as computed, the stream does not pass (model_pass 0) and
     * annual_error says why; annual_error_began on the first such interval
     * since the project was created (the daemon logs it then). */
    int annual_exceeds_baseline;
    int annual_error_began;
    /* voc: what the treatment unit removes, inlet mass minus outlet mass:
     * reported, not the saving. NaN for other streams, and for an interval
     * without a valid inlet and outlet. */
    double removal;              /* this interval [kg], any phase */
    double cum_removal;          /* over the counted reporting intervals [kg] */
    double removal_efficiency;   /* voc: 1 - cum outlet / cum inlet; else NaN */
    /* A stream with a tariff (has_tariff): this interval's period (NULL
     * outside the reporting period) and price [HK$/kWh]; the billing month
     * of the last complete demand interval (INT64_MIN before one) and its
     * peak demand so far of the adjusted baseline and of the measured use
     * [kW], their difference, and that times the demand charge [HK$];
     * cumulative: the savings priced interval by interval, the demand
     * charge savings of every month so far, and the months. The stream's
     * cost_hkd figures are these (conv: the interval's priced savings;
     * cum_conv: energy + demand; annual_conv: the annual savings at the
     * reporting period's mean price, plus 12 months of the mean monthly
     * demand charge savings). */
    int has_tariff;
    const char *tou_period;
    double price;
    int64_t billing_month;
    double peak_kw_baseline, peak_kw_actual, peak_kw_savings, demand_cost_month;
    double cum_energy_cost, cum_demand_cost;
    uint64_t billing_months;
    /* Screening (screen.h): has_range when the model was fitted here (a
     * model given in the config has no baseline range to check against).
     * x_outside: bit j when x[j] of this valid reporting interval lies
     * outside the baseline's range widened by the stream's range_margin;
     * extrapolated: such an interval was counted (it has a baseline
     * value); m_extrapolated: those counted so far, of m. */
    int has_range;
    unsigned x_outside;
    int extrapolated;
    size_t m_extrapolated;
    /* A daily project (granularity "daily", docs/method.md "Daily
     * projects"): the interval's adjusted_baseline, avoided and savings
     * are NaN and m counts days. On the interval that ends a local day,
     * day_closed is 1 and day holds the day (dayrow.h); a complete
     * reporting day with a model has its adjusted baseline and avoided
     * use (else NaN) and day_x_outside (bit j: the day's x[j] outside the
     * baseline's range, the day counted as extrapolated). */
    int day_closed;
    mvg_dayrow day;
    double day_adjusted_baseline, day_avoided;
    mvg_conv_result day_conv; /* conversions of day_avoided (all NaN without) */
    unsigned day_x_outside;
} mvg_stream_result;

typedef struct {
    int64_t start_ms, end_ms;
    mvg_phase phase;
    int daily;               /* granularity "daily": savings per day (mvg_stream_result.day) */
    int fitted_now;          /* the models were frozen on this record: fitted, or a model
                                given in the config put in force, at the end of the baseline */
    double confidence;
    /* annual_basis "calendar": the calendar (as configured), the normal
     * year and the pattern the classes come from (the config's); NULL/0 else */
    const char *calendar;
    int calendar_year;
    const mvg_operating *operating;
    size_t nstreams;
    mvg_stream_result streams[MVG_PROJECT_MAX_STREAMS];
    /* The project's net total across its streams, in the quantities that
     * add up across stream types (an RTO's extra fan energy, a negative
     * electricity saving, counts against the fuel and pollutant streams):
     * the sums of every stream's cum_conv and annual_conv (kwh, tj, co2_t,
     * cost_hkd; the other fields NaN). net_defined is 0 (and the figures
     * NaN) until every stream has a counted reporting interval; likewise
     * annual_net_defined for every stream's annual figure. */
    int net_defined, annual_net_defined;
    mvg_conv_result net, annual_net;
} mvg_project_result;

typedef struct mvg_project mvg_project;

/*
 * The normalised annual figures over a calendar's normal year (the rule of
 * docs/method.md "Annual figures", basis "calendar"): the annual baseline
 * is the sum over the classes of operation k of year_n[k] (the intervals of
 * class k in the normal year) times cls_sum[k] / cls_n[k] (the frozen
 * model's mean prediction over the baseline intervals of class k); the
 * annual savings fraction times that. A class with intervals in the year
 * but no baseline rows has no condition to evaluate the model at: both
 * figures NaN, and its index returned (else -1).
 */
long mvg_project_annual_calendar(const uint64_t *year_n, const uint64_t *cls_n,
                                 const double *cls_sum, size_t ncls, double fraction,
                                 double *annual_baseline, double *annual_savings);

/*
 * The normalised annual figures (the rule of docs/method.md "Annual
 * figures", shared by the engine and `mvgate report`): from the sum of a
 * frozen model's predictions over n baseline intervals of interval_h hours,
 * the annual baseline pred_sum / n * 8760 / interval_h, and the annual
 * savings fraction * that. Both NaN when n is 0 or an input is not finite
 * (the savings alone NaN when only the fraction is). Never the measured
 * savings times 8760 over the hours covered: a window of production hours
 * would be taken for the whole year.
 */
void mvg_project_annual(double pred_sum, uint64_t n, double interval_h, double fraction,
                        double *annual_baseline, double *annual_savings);

/*
 * Creates the project of cfg (which must outlive it). channels names the
 * channels of the interval records the project will be fed, in record
 * order; every channel the project references must be among them.
 * Returns NULL with err (a channel missing, too many streams, ...).
 */
mvg_project *mvg_project_new(const mvg_project_cfg *cfg, const char *const *channels,
                             size_t nchannels, char *err, size_t errlen);
void mvg_project_free(mvg_project *p);

/*
 * Feeds one interval record (in time order; its length must be the
 * project's interval). Fills out (may be NULL). Fits the models first when
 * this is the first record at or after the end of the baseline. Returns 0,
 * or -1 with err (wrong interval length, record out of order).
 */
int mvg_project_update(mvg_project *p, const mvg_interval_record *rec, mvg_project_result *out,
                       char *err, size_t errlen);

/*
 * Fits every stream's model now on the rows collected so far and freezes
 * it (a model given in the config stays as is; a stream already fitted is
 * not refitted). Returns 0 when every stream has a model, or -1 with err
 * naming the streams whose fit failed (they report no savings).
 */
int mvg_project_fit_now(mvg_project *p, char *err, size_t errlen);

size_t mvg_project_stream_count(const mvg_project *p);
/* The frozen model of stream i, or NULL before the fit (or when it failed).
 * why (may be NULL) gets the fit error when it failed, else "". */
const mvg_model *mvg_project_model(const mvg_project *p, size_t i, const char **why);
const mvg_project_cfg *mvg_project_config(const mvg_project *p);

/* The screening of stream i's fit (screen.h): the outlier rule's fences
 * over the residuals of the first fit and how many rows it flagged, how
 * many of them were left out (a refit without them: exclude_outliers),
 * and the range of each x over the rows the frozen model was fitted on. */
typedef struct {
    int screened;            /* the rule was applied (a fit here over >= 4 rows) */
    mvg_screen_fences fences;
    size_t n_excluded;       /* 0, or fences.n_outliers with exclude_outliers */
    int has_range;           /* range holds the fitted rows' range */
    mvg_screen_range range;
} mvg_stream_screening;

/* NULL when i is out of range; before the fit every member is 0. */
const mvg_stream_screening *mvg_project_screening(const mvg_project *p, size_t i);

/* The candidates of stream i's auto fit as fitted here (model.h), *n of
 * them; NULL and 0 for another form, before the fit, and for a model
 * restored from the state. */
const mvg_model_candidate *mvg_project_candidates(const mvg_project *p, size_t i, size_t *n);

/*
 * State serialisation (accumulators, collected rows, frozen models): exact,
 * versioned, little-endian, with a magic, the project's identity (name,
 * streams, x counts), length checks and a checksum. load restores into a
 * project created from the same config and leaves it unchanged on failure.
 */
size_t mvg_project_state_size(const mvg_project *p);
int mvg_project_save(const mvg_project *p, void *buf, size_t cap, size_t *written, char *err,
                     size_t errlen);
int mvg_project_load(mvg_project *p, const void *buf, size_t len, char *err, size_t errlen);

/*
 * Carrying state across a reload (docs/daemon.md "Reload"). A project's
 * progress (the last interval fed, the baseline records counted, whether
 * the fit was done, the clock steps seen) depends on the fields that
 * mvg_project_fingerprint() hashes: interval length, baseline,
 * installation, reporting start and the coverage rule. A stream's rows,
 * model and totals depend on what mvg_stream_fingerprint() hashes: its
 * type, its channels (each with channel_fp, the fingerprint of the
 * channel's own definition, which the caller knows: a point's register,
 * scale and kind, a derived channel's expression), how each is
 * aggregated, the model form and the given coefficients. Equal
 * fingerprints: the state is valid under the new definition and may be
 * copied over with mvg_project_copy_progress() and
 * mvg_project_copy_stream().
 */
typedef uint64_t (*mvg_channel_fp_fn)(const char *channel, void *user);
uint64_t mvg_project_fingerprint(const mvg_project_cfg *cfg);
uint64_t mvg_stream_fingerprint(const mvg_stream_cfg *s, mvg_channel_fp_fn channel_fp, void *user);

/* Index of the stream called name, or -1. */
long mvg_project_find_stream(const mvg_project *p, const char *name);
/* End of the last record fed; INT64_MIN before the first. */
int64_t mvg_project_last_end(const mvg_project *p);
/* Rows collected for (or used by) the fit of stream i; its reporting points. */
size_t mvg_project_baseline_rows(const mvg_project *p, size_t i);
uint64_t mvg_project_reporting_points(const mvg_project *p, size_t i);
/* Copies from's project-level progress into to. */
void mvg_project_copy_progress(mvg_project *to, const mvg_project *from);
/* Copies stream j of from (rows, model, totals) into stream i of to; both
 * must have the same number of x, and the projects the same granularity
 * (and, daily, the same utc_offset). Returns 0, or -1 (out of memory, or
 * the streams do not fit: to is then unchanged). */
int mvg_project_copy_stream(mvg_project *to, size_t i, const mvg_project *from, size_t j);

#endif
