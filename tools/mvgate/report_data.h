/*
 * report_data.h: the figures of `mvgate report`, gathered once from a
 * source of records and the engine into one plain struct, so that every
 * output format (report_html.c, report_json.c, report_csv.c) writes the
 * same numbers. It owns nothing but its own allocations.
 *
 * The source (mvg_report_source) is where the project, its records and
 * its chain's verdict come from: the gateway's configuration and store
 * (report_src_store.c), or the records a hub received and verified, with
 * the project as its definition record states it (tools/hub/hub_report.c).
 * Everything else is the one pipeline below, whichever the source.
 *
 * Where the numbers come from:
 * - the interval records of the project, as stored (parsed with jansson);
 * - the current stored model (model_json.h back into an mvg_model), which
 *   predicts the baseline series and gives the fit statistics;
 * - the window's savings and their uncertainty from the window's reporting
 *   records, summed as the engine sums them, through the engine's own
 *   mvg_savings_from_totals() and mvg_convert_apply(): with no window the
 *   figures equal the cumulative block of the last stored record;
 * - the chain check of cli_chain.h, over the project's whole chain.
 *
 * Every figure with a number also sits in a flat list (key, section,
 * value, unit): the canonical copy that JSON, CSV and the HTML data-v
 * attributes write, so that the formats cannot drift apart.
 */
#ifndef MVG_REPORT_DATA_H
#define MVG_REPORT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "cli_chain.h"
#include "config.h"
#include "convert.h"
#include "config_projects.h"
#include "model.h"
#include "model_json.h"
#include "project.h"
#include "savings.h"
#include "store.h"

/* Phases as the records name them. */
typedef enum {
    MVG_RP_BASELINE,
    MVG_RP_INSTALLATION,
    MVG_RP_REPORTING,
    MVG_RP_OTHER, /* before, excluded, after */
    MVG_RP_COUNT
} mvg_report_phase;

/* A reporting record's own "cumulative" block (docs/mqtt.md): the figures
 * from the start of the reporting period to this record, as signed. */
typedef struct {
    int present;
    size_t m;
    double covered_hours, adjusted_baseline, actual, avoided, adjustment, savings;
    double savings_fraction, fsu, savings_low, savings_high, annual_savings;
} mvg_report_cum;

/* One stream in one interval record. */
typedef struct {
    int64_t start_ms, end_ms;
    mvg_report_phase phase;
    int in_window;
    int valid;
    double coverage, actual;
    double x[MVG_MODEL_MAX_X];
    size_t nx;
    double adjusted_baseline; /* reporting: as recorded (NaN when none) */
    double prediction;        /* the stored model at x (baseline and reporting; NaN without) */
    double adjustment;        /* reporting: as recorded, 0 when none (it is summed) */
    double savings;           /* reporting with a baseline value: as recorded; else NaN */
    int extrapolated;         /* the record flags an x outside the baseline range (schema 4) */
    /* running window totals up to this record (reporting records in the window) */
    double cum_savings, cum_low, cum_high;
    mvg_report_cum rec_cum;   /* reporting: the record's cumulative block */
    /* a daily project's record that closes a day: its "day" block (schema
     * 5), until the report folds the intervals into days */
    struct {
        int present, complete, extrapolated;
        int64_t start_ms, end_ms;
        double actual, adjusted_baseline, avoided;
        double x[MVG_MODEL_MAX_X];
        size_t nx;
    } day;
} mvg_report_point;

/* A reporting point of the window that is counted (it has a baseline
 * value) although its record flags an x outside the baseline's range: an
 * extrapolated interval (day, for a daily project) the report lists. */
int mvg_report_point_extrapolated(const mvg_report_point *p);

/* What a stream uses a point as; a point may serve several. */
enum {
    MVG_REPORT_ROLE_ACTUAL = 1 << 0,   /* measured use */
    MVG_REPORT_ROLE_DRIVER = 1 << 1,   /* independent variable */
    MVG_REPORT_ROLE_CONC = 1 << 2,     /* flue gas pollutant concentration */
    MVG_REPORT_ROLE_O2 = 1 << 3,       /* flue gas O2 */
    MVG_REPORT_ROLE_FLOW = 1 << 4,     /* flue gas flow */
    MVG_REPORT_ROLE_IN_CONC = 1 << 5,  /* VOC inlet concentration */
    MVG_REPORT_ROLE_IN_FLOW = 1 << 6,  /* VOC inlet flow */
    MVG_REPORT_ROLE_OUT_CONC = 1 << 7, /* VOC outlet concentration */
    MVG_REPORT_ROLE_OUT_FLOW = 1 << 8, /* VOC outlet flow */
    MVG_REPORT_ROLES = 9
};

/* The JSON word of role bit i (MVG_REPORT_ROLE_* = 1 << i). */
const char *mvg_report_role_name(int i);

/* Why a reporting interval of the window is not among the m counted. */
typedef enum {
    MVG_EXCL_LOW_COVERAGE, /* a channel covered less than min_interval_coverage */
    MVG_EXCL_NO_BASELINE,  /* valid, but no baseline value (no model yet) */
    MVG_EXCL_MISSING       /* no record: the gateway was down or the store lost it */
} mvg_report_excl_why;

typedef struct {
    int64_t start_ms, end_ms;   /* a missing span may hold several intervals */
    size_t intervals;
    mvg_report_excl_why why;
    double coverage;            /* the record's (NaN for a missing one) */
} mvg_report_excl;

/* The JSON word of an exclusion's reason. */
const char *mvg_report_excl_name(mvg_report_excl_why why);

/* A channel the project reads: a device's point, or a derived channel. */
typedef struct {
    char channel[MVG_CHANNEL_NAME_MAX];
    int is_point;                /* a device's point (the members below); else derived */
    char device[MVG_NAME_MAX], point[MVG_NAME_MAX], profile[MVG_NAME_MAX];
    char bus[300];               /* the bus's name, or where the meter is */
    int unit_id;
    int counter;                 /* the point is a counter, else a gauge */
    char accuracy_class[16];     /* the meter's, "" when not stated */
    char calibration_date[16];   /* YYYY-MM-DD, "" when not stated */
    const char *expr;            /* derived: its expression (the source's); NULL when unknown */
    char unit[32];
    unsigned roles;              /* MVG_REPORT_ROLE_*: what the streams use it as */
    char streams[160];           /* the streams that use it, comma separated */
    /* the other projects that count this point as their use or emission
     * too (comma separated, "" none or not known): the same use claimed
     * twice, as `mvgate check` warns */
    char also_counted_by[200];
} mvg_report_meter;

/*
 * A source of a report: what it is about and where its records come from.
 * The functions are called with ctx; each returns 0, or -1 with err.
 */
typedef struct {
    const char *gateway, *site;   /* site "" when not known */
    int hub;                      /* 0: the gateway's own store; 1: a hub's verified records */
    const char *origin;           /* the configuration file, or which hub database */
    const mvg_project_cfg *prj;
    /* what the definition states: the SHA-256 of the configuration the
     * gateway ran, and the definition record's version ("" and 0: none) */
    char config_sha256[65];
    int64_t definition_version;
    void *ctx;
    /* the project's interval records in time order (fn as the store's) */
    int (*foreach_interval)(void *ctx, mvg_store_record_fn fn, void *user, char *err,
                            size_t errlen);
    /* the current model record: *json malloc'd, NULL when there is none */
    int (*model)(void *ctx, char **json, int64_t *version, char *err, size_t errlen);
    /* the verdict on the project's chain, and what the records cover */
    int (*chain)(void *ctx, mvg_cli_chain_result *out, char *err, size_t errlen);
    /* fills m's description of m->channel (is_point and its members, or
     * expr, and unit); leaves it empty for a channel it does not know */
    void (*describe)(void *ctx, mvg_report_meter *m);
} mvg_report_source;

typedef struct {
    const mvg_stream_cfg *cfg;
    int has_model;               /* the stored model has this stream */
    int inlet_baseline;          /* a VOC stream without a model: baseline = inlet mass */
    char model_error[200];       /* the model record's "error" for this stream, else "" */
    int model_given;
    mvg_model model;
    char xnames[MVG_MODEL_MAX_X][MVG_MODEL_XNAME_MAX];
    mvg_report_point *pts;       /* every record of the project, in time order */
    size_t npts;
    /* window figures (has_model or inlet_baseline) */
    int savings_ok;              /* at least one reporting point in the window */
    int fsu_ok;                  /* FSU defined */
    mvg_savings sav;             /* the window's totals: the last record's cumulative block
                                  * when the window holds the reporting period from its
                                  * start (as_signed), else mvg_savings_from_totals */
    int as_signed;
    double adjustment, savings, hours;
    mvg_conv_result conv, annual_conv;
    double annual;
    /* The interval of the savings at the confidence, carried through the
     * conversions: savings_low/high are the avoided use's bounds plus the
     * adjustments (which the model's uncertainty does not reach), converted
     * by the same factors; a tariff prices them at the window's mean price
     * (mvg_tariff_acc_mean_price) plus the demand charge savings. The
     * annual figure's interval is annual x (1 -+ FSU): it is the window's
     * savings fraction times the annual baseline, and the FSU is that
     * fraction's relative uncertainty. NaN where the FSU is undefined. */
    double savings_low, savings_high, annual_low, annual_high;
    mvg_conv_result conv_low, conv_high, annual_conv_low, annual_conv_high;
    double cov_baseline, cov_reporting;
    /* the window's reporting intervals: expected (records and the gaps
     * between them), used (the m counted), and every one not used */
    size_t rep_expected, rep_used;
    mvg_report_excl *excl;
    size_t nexcl;
    /* screening: the model record's outliers and how many of them were
     * left out (NaN before model schema 2), and the counted reporting
     * intervals of the window whose record flags an extrapolation */
    double outliers, outliers_excluded;
    size_t extrapolated;
    /* Baseline conditions: the range of each x over the rows the model was
     * fitted on, as the model record's screening states it (has_range 0
     * for a model given in the config or a record before model schema 2),
     * the margin reporting intervals are checked by, and the baseline
     * intervals of the store that are valid for the stream (base_valid). */
    int has_range;
    double xmin[MVG_MODEL_MAX_X], xmax[MVG_MODEL_MAX_X];
    double range_margin;
    size_t base_valid;
    char xunit[MVG_MODEL_MAX_X][32]; /* each x's unit, as its meter states it ("" unknown) */
    int xgauge[MVG_MODEL_MAX_X];      /* x is a meter's gauge (a level, not an amount per interval) */
    /* the factors the stream's conversions use, as the engine lists them
     * (mvg_convert_factors_used: value, unit, source, default); a stream
     * priced by a tariff has its energy price and demand charge instead of
     * the cost per unit (source NULL: the configuration) */
    mvg_conv_factor_use factors[MVG_CONV_FACTORS_MAX + 2];
    size_t nfactors;
    /* an auto fit's candidates as the model record lists them (model
     * schema 2, written with the fit), ncand 0 when it lists none */
    struct {
        char model[16];
        int fitted, qualified, chosen;
        double adj_r2;
        char why[160];
    } cand[MVG_MODEL_MAX_CANDIDATES];
    size_t ncand;
} mvg_report_stream;

typedef struct {
    char key[112];
    char section[16];
    char unit[24];
    double value;                /* NaN: undefined (null in JSON) */
    int is_int;
} mvg_report_fig;

typedef struct {
    int64_t day_ms;              /* 00:00 UTC of the day */
    double cov[MVG_PROJECT_MAX_STREAMS];
} mvg_report_day;

typedef struct {
    size_t count;
    int64_t first_ms, last_ms;   /* start of the first, end of the last record */
} mvg_report_seen;

typedef struct {
    const mvg_report_source *src;
    const mvg_project_cfg *prj;
    int windowed;
    int64_t from_ms, to_ms;      /* INT64_MIN / INT64_MAX when open */
    int64_t generated_ms;
    int64_t len_ms;              /* the project's interval; a day for a daily project */
    int daily;                   /* granularity "daily": the points are the days */
    size_t open_intervals;       /* daily: intervals after the last closed day */
    int64_t win_first_ms, win_last_ms; /* the window's records */
    size_t nrecords, nwindow;
    mvg_report_seen seen[MVG_RP_COUNT];
    int has_model_record;
    int64_t model_version;
    /* where the project's CV(RMSE) and NMBE thresholds come from: the
     * engine's table row for their granularity, NULL when configured */
    const char *criteria_source;
    char fitted_at[40];
    mvg_cli_chain_result chain;
    int chain_ok;
    mvg_report_meter *meters;
    size_t nmeters;
    size_t nstreams;
    mvg_report_stream streams[MVG_PROJECT_MAX_STREAMS];
    mvg_report_day *days;
    size_t ndays;
    mvg_report_fig *figs;
    size_t nfigs;
} mvg_report;

typedef struct {
    const mvg_report_source *src; /* must outlive the report */
    int64_t from_ms, to_ms;      /* INT64_MIN / INT64_MAX when not given */
    int64_t now_ms;              /* the "generated" time */
} mvg_report_req;

/*
 * Gathers the report. NULL with err on bad input (no record in the
 * window, unreadable store or keys, a record that does not parse); the
 * caller exits 2 then. A missing model is not an error: the streams then
 * have has_model 0.
 */
mvg_report *mvg_report_build(const mvg_report_req *req, char *err, size_t errlen);
void mvg_report_free(mvg_report *r);

/* The figure with key, or NULL. */
const mvg_report_fig *mvg_report_fig_find(const mvg_report *r, const char *key);

const char *mvg_report_phase_name(mvg_report_phase p); /* "baseline", ... */

/* One converted quantity a stream's type carries, as in the records: a
 * field of mvg_conv_result (field: its index into mvg_convert_fields) in
 * its unit, or the pollutant mass in tonnes that the interval records
 * write beside the kilograms (pollutant_t = pollutant_kg / 1000,
 * docs/conversions.md). */
typedef struct {
    size_t field;
    const char *name, *unit;
    double per; /* the field divided by per (1, or 1000 for tonnes) */
} mvg_report_conv;

/* The converted quantities of stream s, in the records' order; returns
 * how many were written. */
size_t mvg_report_convs(const mvg_stream_cfg *s, mvg_report_conv *out, size_t cap);

/* The quantity c of the conversions r. */
double mvg_report_conv_value(const mvg_report_conv *c, const mvg_conv_result *r);

/* The coefficient names of a model in formula order ("b0", "b1", ...,
 * then change points "c" or "c1", "c2"); returns the count. */
size_t mvg_report_coef_names(const mvg_model *m, char names[][24], size_t cap);

/* The unit of coefficient or change point k (formula order, as
 * mvg_report_coef_names) of s's model: the stream's unit per model row
 * for an intercept ("kWh/(5 min)", "kWh/d"), per unit of the variable for
 * a slope ("kWh/m3"), the variable's unit for a change point; "" when the
 * form's coefficients have no single unit (TOWT). */
void mvg_report_coef_unit(const mvg_report *r, const mvg_report_stream *s, size_t k, char *buf,
                          size_t len);

/* ---- the gateway's own store as a source (report_src_store.c) ---- */

typedef struct mvg_report_src_store mvg_report_src_store;

/* The project of cfg, its records in st, its chain checked with the
 * gateway's key files (held to enrolled when given; NULL: self-attested).
 * NULL with err when cfg has no such project. All must outlive it. */
mvg_report_src_store *mvg_report_src_store_new(const mvg_config *cfg, mvg_store *st,
                                               const char *project,
                                               const mvg_cli_enrol *enrolled, char *err,
                                               size_t errlen);
const mvg_report_source *mvg_report_src_store_get(const mvg_report_src_store *s);
void mvg_report_src_store_free(mvg_report_src_store *s);

/* Whether project (its index in the configuration) counts point p of
 * device d as its use or emission: the gateway's rule
 * (mvg_runner_project_counts_point), handed in by the command so that
 * this library does not link the gateway. */
typedef int (*mvg_report_counts_fn)(void *ctx, size_t project, size_t device, size_t point);

/* With counts set, each meter point also names the other projects that
 * count it (mvg_report_meter.also_counted_by). */
void mvg_report_src_store_set_counts(mvg_report_src_store *s, mvg_report_counts_fn counts,
                                     void *ctx);

#endif
