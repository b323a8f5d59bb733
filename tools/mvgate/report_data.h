/*
 * report_data.h: the figures of `mvgate report`, gathered once from the
 * configuration, the store and the engine into one plain struct, so that
 * every output format (report_html.c, report_json.c, report_csv.c) writes
 * the same numbers. It owns nothing but its own allocations.
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
} mvg_report_point;

/* A point of the configuration the project reads. */
typedef struct {
    char channel[MVG_CHANNEL_NAME_MAX];
    const mvg_device_cfg *dev;   /* NULL for a derived channel */
    const mvg_point_cfg *pt;
    const char *expr;            /* derived: its expression */
    const char *unit;
    int role_actual;             /* else independent variable (or flue/VOC input) */
    char streams[160];           /* the streams that use it, comma separated */
} mvg_report_meter;

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
    mvg_savings sav;             /* mvg_savings_from_totals over the window */
    double adjustment, savings, hours;
    mvg_conv_result conv, annual_conv;
    double annual;
    double cov_baseline, cov_reporting;
    /* screening: the model record's outliers and how many of them were
     * left out (NaN before model schema 2), and the counted reporting
     * intervals of the window whose record flags an extrapolation */
    double outliers, outliers_excluded;
    size_t extrapolated;
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
    const mvg_config *cfg;
    const mvg_project_cfg *prj;
    int windowed;
    int64_t from_ms, to_ms;      /* INT64_MIN / INT64_MAX when open */
    int64_t generated_ms;
    int64_t len_ms;              /* the project's interval */
    int64_t win_first_ms, win_last_ms; /* the window's records */
    size_t nrecords, nwindow;
    mvg_report_seen seen[MVG_RP_COUNT];
    int has_model_record;
    int64_t model_version;
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
    const mvg_config *cfg;
    mvg_store *store;
    const char *project;
    int64_t from_ms, to_ms;      /* INT64_MIN / INT64_MAX when not given */
    int64_t now_ms;              /* the "generated" time */
    const mvg_cli_enrol *enrolled; /* the verifier's register; NULL: self-attested */
} mvg_report_req;

/*
 * Gathers the report. NULL with err on bad input (unknown project, no
 * record in the window, unreadable store or keys, a record that does not
 * parse); the caller exits 2 then. A missing model is not an error: the
 * streams then have has_model 0.
 */
mvg_report *mvg_report_build(const mvg_report_req *req, char *err, size_t errlen);
void mvg_report_free(mvg_report *r);

/* The figure with key, or NULL. */
const mvg_report_fig *mvg_report_fig_find(const mvg_report *r, const char *key);

const char *mvg_report_phase_name(mvg_report_phase p); /* "baseline", ... */

/* The conversion fields a stream's type carries, as in the records
 * (index into mvg_convert_fields); returns how many were written. */
size_t mvg_report_conv_fields(const mvg_stream_cfg *s, size_t *idx, size_t cap);

/* The coefficient names of a model in formula order ("b0", "b1", ...,
 * then change points "c" or "c1", "c2"); returns the count. */
size_t mvg_report_coef_names(const mvg_model *m, char names[][24], size_t cap);

#endif
