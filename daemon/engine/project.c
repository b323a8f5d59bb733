/*
 * project.c: phases, baseline collection, the fit at the end of the
 * baseline, and the per-interval savings of each stream.
 *
 * Choices worth knowing (docs/conversions.md and docs/config.md say more):
 * - An interval counts for a stream when every channel it uses is covered
 *   at least min_interval_coverage; amounts (counter deltas, rate
 *   integrals) are then normalised to the full interval (value / coverage)
 *   so that the model sees like for like in baseline and reporting.
 * - Intervals that straddle a period boundary are excluded.
 * - Non-routine adjustments are added to the adjusted baseline but kept
 *   apart: the FSU and the savings fraction are those of the routine
 *   (modelled) savings; total savings = avoided + adjustments.
 * - Pollutant streams (nox, so2, voc) are framed like energy: the saving is
 *   the old system's modelled emission minus the measured one. What a VOC
 *   treatment unit removes (inlet minus outlet) is reported beside it: the
 *   old unit removed most of it too (docs/method.md "Pollutants").
 * - Annual figures are normalised: the model over the baseline's
 *   conditions repeated to a year, times the savings fraction
 *   (docs/method.md "Annual figures"), never measured x 8760 / hours.
 * - Screening (screen.h, docs/method.md "Screening"): a fit's outliers are
 *   flagged and counted always, left out (one refit) only when the stream
 *   says so; the x range of the rows fitted is kept, and a reporting
 *   interval outside it is flagged and counted, not dropped: its saving
 *   is still the model's, and the flag says how far to trust it.
 */
#include "project.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dayrow.h"
#include "savings.h"
#include "statefmt.h"

typedef struct {
    int idx; /* channel index in the records; -1 when unused */
    mvg_ref_agg agg;
    int is_counter;
} bound_ref;

typedef struct {
    const mvg_stream_cfg *cfg;
    bound_ref actual, x[MVG_MODEL_MAX_X], conc, o2, flow, in_conc, in_flow, out_conc, out_flow;
    /* collected baseline rows: col[0] = y, col[1 + j] = x[j] */
    double *col[1 + MVG_MODEL_MAX_X];
    size_t nrows, cap;
    int model_ready;
    mvg_model model;
    char why[200];
    /* FSU = fsu_k / sqrt(m) / |F|: the part fixed by the frozen model (t at
     * df = n - p, CV(RMSE), the autocorrelation terms), taken once from
     * savings.h with m = 1 and F = 1 so that the Student-t quantile is not
     * recomputed every interval. Derived, so not part of the saved state. */
    int fsu_k_done;
    double fsu_k;
    /* reporting accumulators (valid intervals with a baseline value) */
    uint64_t m;
    double covered_h, cum_base, cum_actual, cum_adjust, cum_in, cum_out;
    /* the frozen model over the baseline's own conditions: the sum of its
     * predictions over the n valid baseline rows (taken at the fit, before
     * the rows are freed; 0 rows for a model given in the config) */
    uint64_t annual_n;
    double annual_pred_sum;
    /* annual_basis "calendar": the start time of each collected row, and
     * the predictions over the baseline rows per class of operation
     * (calendar.h), taken at the fit like annual_pred_sum */
    int64_t *rt;
    uint64_t cls_n[MVG_CAL_MAX_CLASSES];
    double cls_sum[MVG_CAL_MAX_CLASSES];
    /* a tariff (mvg_stream_cfg.tariff): how the stream uses it (derived
     * from the config) and what its priced intervals add up to (saved) */
    mvg_tariff_use tar_use;
    mvg_tariff_acc tar;
    /* derived, not saved: the annual check failed on the previous record */
    int annual_err_prev;
    /* screening of the fit, and the counted reporting intervals whose x
     * were outside the baseline range (saved after the annual sums) */
    mvg_stream_screening scr;
    uint64_t m_extrap;
    /* an auto fit's candidates (model.h), for the model record written
     * with the fit; not saved (a restored model has none to show) */
    mvg_model_candidate cand[MVG_MODEL_MAX_CANDIDATES];
    size_t ncand;
    /* a daily project (dayrow.h): how this stream's x make a day (derived
     * from the config) and the day open so far (saved) */
    mvg_dayrow_cfg day_cfg;
    mvg_dayrow_acc day;
} stream_state;

struct mvg_project {
    const mvg_project_cfg *cfg;
    int64_t len_ms;
    int64_t last_end_ms;  /* end of the last record fed; INT64_MIN before the first */
    uint64_t baseline_records;
    int fitted;           /* the fit was done (successfully or not) */
    /* Sum of the forward clock steps seen (records' clock_step_ms): time
     * the wall clock skipped, which did not pass for the plant. The phases
     * are decided on record times less this, so a step neither closes the
     * baseline nor shortens any period (docs/daemon.md "Clock steps"). */
    int64_t step_shift_ms;
    /* annual_basis "calendar": the classes of operation and the intervals
     * of each in the normal year (derived from the config) */
    int calendar;
    int tariffs; /* some stream has a tariff */
    int daily;   /* granularity "daily": the rows and the savings are days */
    size_t ncls;
    uint64_t year_n[MVG_CAL_MAX_CLASSES];
    size_t ns;
    stream_state s[MVG_PROJECT_MAX_STREAMS];
};

static const char *const phase_names[] = {"before", "baseline", "installation",
                                          "excluded", "reporting", "after"};

const char *mvg_project_phase_name(mvg_phase p)
{
    return (unsigned)p < sizeof phase_names / sizeof *phase_names ? phase_names[p] : "?";
}

/* ---- construction ------------------------------------------------------- */

static int bind(bound_ref *b, const mvg_ref_cfg *r, const char *const *ch, size_t nch,
                const char *stream, char *err, size_t errlen)
{
    b->idx = -1;
    b->agg = r->agg;
    b->is_counter = r->is_counter;
    for (size_t i = 0; i < nch; i++)
        if (strcmp(ch[i], r->channel) == 0) {
            b->idx = (int)i;
            return 0;
        }
    snprintf(err, errlen, "stream '%s': channel '%s' is not among the interval channels", stream,
             r->channel);
    return -1;
}

static void unbind(bound_ref *b) { b->idx = -1; }

mvg_project *mvg_project_new(const mvg_project_cfg *cfg, const char *const *channels,
                             size_t nchannels, char *err, size_t errlen)
{
    if (!cfg || (!channels && nchannels)) {
        snprintf(err, errlen, "bad arguments");
        return NULL;
    }
    if (cfg->nstreams == 0 || cfg->nstreams > MVG_PROJECT_MAX_STREAMS) {
        snprintf(err, errlen, "project '%s': %zu streams (1..%d)", cfg->name, cfg->nstreams,
                 MVG_PROJECT_MAX_STREAMS);
        return NULL;
    }
    if (cfg->interval_min < 1 || cfg->interval_min > 60) {
        snprintf(err, errlen, "project '%s': interval_min %d outside 1..60", cfg->name,
                 cfg->interval_min);
        return NULL;
    }
    mvg_project *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = cfg;
    p->len_ms = (int64_t)cfg->interval_min * 60000;
    p->last_end_ms = INT64_MIN;
    p->ns = cfg->nstreams;
    p->daily = cfg->granularity == MVG_PRJ_GRAN_DAILY;
    if (p->daily && (cfg->annual_basis == MVG_ANNUAL_CALENDAR)) {
        snprintf(err, errlen, "project '%s': a daily project's annual basis is its baseline year",
                 cfg->name);
        free(p);
        return NULL;
    }
    if (cfg->annual_basis == MVG_ANNUAL_CALENDAR) {
        char e3[200];
        if (!cfg->operating.cal ||
            mvg_calendar_year_counts(&cfg->operating, cfg->calendar_year, p->len_ms, p->year_n,
                                     e3, sizeof e3) != 0) {
            snprintf(err, errlen, "project '%s': %s", cfg->name,
                     cfg->operating.cal ? e3 : "annual_basis \"calendar\" without a calendar");
            free(p);
            return NULL;
        }
        p->calendar = 1;
        p->ncls = mvg_calendar_nclasses(&cfg->operating);
    }
    char e2[400];
    for (size_t i = 0; i < p->ns; i++) {
        stream_state *s = &p->s[i];
        const mvg_stream_cfg *sc = &cfg->streams[i];
        s->cfg = sc;
        int rc = 0;
        unbind(&s->actual);
        unbind(&s->conc);
        unbind(&s->o2);
        unbind(&s->flow);
        unbind(&s->in_conc);
        unbind(&s->in_flow);
        unbind(&s->out_conc);
        unbind(&s->out_flow);
        if (sc->has_actual)
            rc |= bind(&s->actual, &sc->actual, channels, nchannels, sc->name, e2, sizeof e2);
        if (sc->has_flue) {
            rc |= bind(&s->conc, &sc->conc, channels, nchannels, sc->name, e2, sizeof e2);
            rc |= bind(&s->flow, &sc->flow, channels, nchannels, sc->name, e2, sizeof e2);
            if (sc->has_o2)
                rc |= bind(&s->o2, &sc->o2, channels, nchannels, sc->name, e2, sizeof e2);
        }
        if (sc->type == MVG_STREAM_VOC) {
            rc |= bind(&s->in_conc, &sc->in_conc, channels, nchannels, sc->name, e2, sizeof e2);
            rc |= bind(&s->in_flow, &sc->in_flow, channels, nchannels, sc->name, e2, sizeof e2);
            rc |= bind(&s->out_conc, &sc->out_conc, channels, nchannels, sc->name, e2, sizeof e2);
            rc |= bind(&s->out_flow, &sc->out_flow, channels, nchannels, sc->name, e2, sizeof e2);
        }
        for (size_t j = 0; j < sc->nx; j++)
            rc |= bind(&s->x[j], &sc->x[j], channels, nchannels, sc->name, e2, sizeof e2);
        if (rc) {
            snprintf(err, errlen, "project '%s': %s", cfg->name, e2);
            mvg_project_free(p);
            return NULL;
        }
        if (sc->model_given) {
            s->model = sc->model;
            s->model_ready = 1;
        }
        if (p->daily) {
            s->day_cfg = (mvg_dayrow_cfg){p->len_ms, cfg->utc_offset_min, sc->nx, 0u};
            for (size_t j = 0; j < sc->nx; j++) {
                mvg_ref_agg a = sc->x[j].agg;
                if (a == MVG_REF_SUM || (a == MVG_REF_AUTO && sc->x[j].is_counter))
                    s->day_cfg.x_sum |= 1u << j;
            }
            if (mvg_dayrow_cfg_check(&s->day_cfg, e2, sizeof e2) != 0 || sc->tariff) {
                snprintf(err, errlen, "project '%s': %s", cfg->name,
                         sc->tariff ? "a tariff prices intervals, a daily project has days" : e2);
                mvg_project_free(p);
                return NULL;
            }
        }
        if (sc->tariff) {
            int64_t dms = (int64_t)sc->demand_interval_min * 60000;
            if (sc->type != MVG_STREAM_ELECTRICITY || dms < p->len_ms || dms % p->len_ms != 0) {
                snprintf(err, errlen, "project '%s': stream '%s': a tariff needs an electricity "
                         "stream and a demand interval that is a multiple of the project's",
                         cfg->name, sc->name);
                mvg_project_free(p);
                return NULL;
            }
            p->tariffs = 1;
            s->tar_use = (mvg_tariff_use){sc->tariff, sc->energy_price, sc->demand_charge,
                                          sc->kwh_per_unit, dms, p->len_ms};
            mvg_tariff_acc_init(&s->tar);
        }
    }
    return p;
}

void mvg_project_free(mvg_project *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ns; i++)
        for (size_t j = 0; j <= MVG_MODEL_MAX_X; j++)
            free(p->s[i].col[j]);
    for (size_t i = 0; i < p->ns; i++)
        free(p->s[i].rt);
    free(p);
}

size_t mvg_project_stream_count(const mvg_project *p) { return p ? p->ns : 0; }
const mvg_project_cfg *mvg_project_config(const mvg_project *p) { return p ? p->cfg : NULL; }

const mvg_model *mvg_project_model(const mvg_project *p, size_t i, const char **why)
{
    if (!p || i >= p->ns) {
        if (why)
            *why = "no such stream";
        return NULL;
    }
    if (why)
        *why = p->s[i].why;
    return p->s[i].model_ready ? &p->s[i].model : NULL;
}

const mvg_model_candidate *mvg_project_candidates(const mvg_project *p, size_t i, size_t *n)
{
    *n = p && i < p->ns ? p->s[i].ncand : 0;
    return *n ? p->s[i].cand : NULL;
}

const mvg_stream_screening *mvg_project_screening(const mvg_project *p, size_t i)
{
    return p && i < p->ns ? &p->s[i].scr : NULL;
}

/* ---- per interval ------------------------------------------------------- */

static mvg_phase phase_of(const mvg_project_cfg *c, int64_t s, int64_t e)
{
    if (e <= c->baseline_start_ms)
        return MVG_PHASE_BEFORE;
    if (s >= c->baseline_start_ms && e <= c->baseline_end_ms)
        return MVG_PHASE_BASELINE;
    if (c->has_installation && s >= c->installation_start_ms && e <= c->installation_end_ms)
        return MVG_PHASE_INSTALLATION;
    if (c->has_reporting_end && s >= c->reporting_end_ms)
        return MVG_PHASE_AFTER;
    if (s >= c->reporting_start_ms && (!c->has_reporting_end || e <= c->reporting_end_ms))
        return MVG_PHASE_REPORTING;
    return MVG_PHASE_EXCLUDED;
}

/* One figure of a channel; *cov takes the lowest coverage seen. */
static double ref_value(const bound_ref *b, const mvg_interval_record *rec, int for_x, double *cov)
{
    const mvg_interval_value *v = &rec->ch[b->idx];
    if (v->coverage < *cov)
        *cov = v->coverage;
    mvg_ref_agg agg = b->agg;
    if (agg == MVG_REF_AUTO)
        agg = for_x && !b->is_counter ? MVG_REF_MEAN : MVG_REF_SUM;
    switch (agg) {
    case MVG_REF_MEAN:
        return v->coverage > 0.0 ? v->mean : NAN;
    case MVG_REF_MIN:
        return v->min;
    case MVG_REF_MAX:
        return v->max;
    default:
        return v->coverage > 0.0 ? v->value / v->coverage : NAN;
    }
}

static double mean_of(const bound_ref *b, const mvg_interval_record *rec, double *cov)
{
    bound_ref m = *b;
    m.agg = MVG_REF_MEAN;
    return ref_value(&m, rec, 1, cov);
}

static int append_row(stream_state *s, double y, const double *x, int with_time, int64_t t)
{
    size_t nx = s->cfg->nx;
    if (s->nrows == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        for (size_t j = 0; j <= nx; j++) {
            double *c = realloc(s->col[j], cap * sizeof *c);
            if (!c)
                return -1;
            s->col[j] = c;
        }
        if (with_time) {
            int64_t *rt = realloc(s->rt, cap * sizeof *rt);
            if (!rt)
                return -1;
            s->rt = rt;
        }
        s->cap = cap;
    }
    if (with_time)
        s->rt[s->nrows] = t;
    s->col[0][s->nrows] = y;
    for (size_t j = 0; j < nx; j++)
        s->col[1 + j][s->nrows] = x[j];
    s->nrows++;
    return 0;
}

/* The frozen model's predictions summed over the baseline rows it was
 * fitted on: the baseline period's conditions, for the annual figures;
 * with a calendar also per class of operation of each row's time. */
static void baseline_predictions(const mvg_project *p, stream_state *s)
{
    double sum = 0.0, x[MVG_MODEL_MAX_X];
    uint64_t n = 0;
    for (size_t k = 0; k < MVG_CAL_MAX_CLASSES; k++) {
        s->cls_n[k] = 0;
        s->cls_sum[k] = 0.0;
    }
    for (size_t k = 0; k < s->nrows && s->col[0]; k++) {
        for (size_t j = 0; j < s->cfg->nx; j++)
            x[j] = s->col[1 + j][k];
        double y = mvg_model_predict(&s->model, x);
        if (isfinite(y)) {
            sum += y;
            n++;
            if (p->calendar && s->rt) {
                size_t c = mvg_calendar_class(&p->cfg->operating, s->rt[k]);
                s->cls_n[c]++;
                s->cls_sum[c] += y;
            }
        }
    }
    s->annual_n = n;
    s->annual_pred_sum = sum;
}

static double expected_baseline_intervals(const mvg_project *p)
{
    const mvg_project_cfg *c = p->cfg;
    int64_t last = p->last_end_ms - p->step_shift_ms;
    int64_t end = last < c->baseline_end_ms ? last : c->baseline_end_ms;
    double expected = (double)(end - c->baseline_start_ms) /
                      (double)(p->daily ? MVG_DAY_MS : p->len_ms);
    return expected >= 1.0 ? expected : 1.0;
}

/* The stream's form fitted to n rows (y, x columns); an auto fit keeps its
 * candidates in s (the last fit's: a refit without outliers chooses the
 * frozen model). */
static int fit_rows(stream_state *s, const double *y, const double *const *xs, size_t n,
                    double cov, const mvg_model_criteria *crit, mvg_model *out, char *why,
                    size_t whylen)
{
    const mvg_stream_cfg *sc = s->cfg;
    if (sc->model_type == MVG_MODEL_AUTO)
        return mvg_model_fit_auto(y, xs, sc->nx, n, cov, crit, out, s->cand, &s->ncand, why,
                                  whylen);
    return mvg_model_fit(sc->model_type, y, xs, sc->nx, n, cov, crit, out, why, whylen);
}

/*
 * The screening of a fresh fit (screen.h): the residuals' outliers flagged
 * and counted; with exclude_outliers one refit without them, never
 * iterated (a second pass would flag the tails of the cleaned residuals
 * in turn, and eat into any baseline); then the range of each x over the
 * rows of the frozen model. The coverage of the refit counts the rows it
 * kept. Returns 0, or -1 with s->why when the refit failed (the stream
 * then has no model, as for any failed fit). Out of memory: not screened,
 * the range taken over every row.
 */
static int screen_fit(stream_state *s, const mvg_model_criteria *crit, double expected)
{
    const mvg_stream_cfg *sc = s->cfg;
    mvg_stream_screening *z = &s->scr;
    size_t n = s->nrows, nx = sc->nx;
    memset(z, 0, sizeof *z);
    const double *xs[MVG_MODEL_MAX_X];
    for (size_t j = 0; j < nx; j++)
        xs[j] = s->col[1 + j];
    double *e = malloc(n * sizeof *e);
    unsigned char *flag = calloc(n, 1);
    int rc = 0;
    if (e && flag) {
        mvg_screen_residuals(&s->model, s->col[0], xs, n, e);
        z->screened = mvg_screen_outliers(e, n, &z->fences, flag) == 0;
    }
    if (z->screened && sc->exclude_outliers && z->fences.n_outliers > 0) {
        size_t k = n - z->fences.n_outliers;
        double *cols[1 + MVG_MODEL_MAX_X] = {NULL};
        int oom = 0;
        for (size_t j = 0; j <= nx; j++)
            oom |= (cols[j] = malloc((k ? k : 1) * sizeof(double))) == NULL;
        if (!oom) {
            for (size_t i = 0, q = 0; i < n; i++) {
                if (flag[i])
                    continue;
                for (size_t j = 0; j <= nx; j++)
                    cols[j][q] = s->col[j][i];
                q++;
            }
            const double *kx[MVG_MODEL_MAX_X];
            for (size_t j = 0; j < nx; j++)
                kx[j] = cols[1 + j];
            double cov = (double)k / expected;
            mvg_model refit;
            char why[150];
            rc = fit_rows(s, cols[0], kx, k, cov > 1.0 ? 1.0 : cov, crit, &refit, why,
                          sizeof why);
            if (rc == 0) {
                s->model = refit;
                z->n_excluded = z->fences.n_outliers;
            } else {
                snprintf(s->why, sizeof s->why, "refit without %zu outliers: %s",
                         z->fences.n_outliers, why);
            }
        } else {
            z->screened = 0; /* out of memory: the first fit stands, unscreened */
        }
        for (size_t j = 0; j <= nx; j++)
            free(cols[j]);
    }
    if (nx > 0) {
        mvg_screen_range_of(xs, nx, n, z->n_excluded ? flag : NULL, &z->range);
        z->has_range = 1;
    }
    free(e);
    free(flag);
    return rc;
}

int mvg_project_fit_now(mvg_project *p, char *err, size_t errlen)
{
    char failed[400] = "";
    p->fitted = 1;
    double expected = expected_baseline_intervals(p);
    for (size_t i = 0; i < p->ns; i++) {
        stream_state *s = &p->s[i];
        const mvg_stream_cfg *sc = s->cfg;
        if (s->model_ready || !sc->has_model)
            continue;
        const double *xs[MVG_MODEL_MAX_X];
        for (size_t j = 0; j < sc->nx; j++)
            xs[j] = s->col[1 + j];
        double cov = (double)s->nrows / expected;
        if (cov > 1.0)
            cov = 1.0;
        mvg_model_criteria crit = p->cfg->criteria;
        crit.confidence = p->cfg->confidence;
        int rc;
        if (s->nrows == 0) {
            snprintf(s->why, sizeof s->why, "no valid baseline intervals");
            rc = -1;
        } else {
            rc = fit_rows(s, s->col[0], xs, s->nrows, cov, &crit, &s->model, s->why,
                          sizeof s->why);
        }
        if (rc == 0)
            rc = screen_fit(s, &crit, expected);
        if (rc == 0) {
            s->model_ready = 1;
            s->why[0] = '\0';
            baseline_predictions(p, s);
        } else {
            size_t l = strlen(failed);
            snprintf(failed + l, sizeof failed - l, "%s%s: %s", l ? "; " : "", sc->name, s->why);
        }
    }
    /* The models are frozen: the rows are not needed any more (up to a few
     * MB for a year of 15-min data on a gateway with little memory). */
    for (size_t i = 0; i < p->ns; i++) {
        stream_state *s = &p->s[i];
        for (size_t j = 0; j <= MVG_MODEL_MAX_X; j++) {
            free(s->col[j]);
            s->col[j] = NULL;
        }
        free(s->rt);
        s->rt = NULL;
        s->cap = 0;
    }
    if (failed[0]) {
        snprintf(err, errlen, "project '%s': fit failed for %s", p->cfg->name, failed);
        return -1;
    }
    return 0;
}

static double hours_of(const mvg_project *p) { return (double)p->len_ms / 3600000.0; }
/* The hours of one model row: an interval, or a day. */
static double row_hours(const mvg_project *p) { return p->daily ? 24.0 : hours_of(p); }

/* A counted reporting interval of a stream with a tariff: priced, and
 * into its demand interval (tariff.h). */
static void tariff_interval(stream_state *s, const mvg_interval_record *rec, double base,
                            double actual, mvg_stream_result *r)
{
    int k;
    r->price = mvg_tariff_acc_add(&s->tar, &s->tar_use, rec->start_ms, base, actual, r->savings,
                                  &k, &r->conv.cost_hkd);
    r->tou_period = k >= 0 ? s->cfg->tariff->periods[k].name : NULL;
}

/* The tariff's figures of the totals, and the stream's cost_hkd by them. */
static void tariff_totals(const stream_state *s, mvg_stream_result *r)
{
    const mvg_tariff_acc *a = &s->tar;
    int month = a->month != INT64_MIN;
    r->has_tariff = 1;
    r->billing_month = a->month;
    r->billing_months = a->months;
    r->cum_energy_cost = a->energy_cost;
    r->peak_kw_baseline = month ? a->peak_base : NAN;
    r->peak_kw_actual = month ? a->peak_act : NAN;
    r->peak_kw_savings = month ? a->peak_base - a->peak_act : NAN;
    r->demand_cost_month = mvg_tariff_acc_month_cost(a, &s->tar_use);
    r->cum_demand_cost = mvg_tariff_acc_demand_cost(a, &s->tar_use);
    if (s->m > 0)
        r->cum_conv.cost_hkd = r->cum_energy_cost + r->cum_demand_cost;
    if (isfinite(r->annual_savings))
        r->annual_conv.cost_hkd =
            mvg_tariff_acc_annual_cost(a, &s->tar_use, r->annual_savings, r->cum_savings);
}

/* The non-routine adjustments of one reporting interval (r->valid set). */
static double interval_adjustment(const mvg_stream_cfg *sc, const mvg_interval_record *rec,
                                  int valid)
{
    double adj = 0.0;
    for (size_t k = 0; k < sc->nadjust; k++) {
        const mvg_adjust_cfg *a = &sc->adjust[k];
        if (a->once)
            adj += a->once_at_ms >= rec->start_ms && a->once_at_ms < rec->end_ms ? a->amount : 0.0;
        else if (valid)
            adj += a->amount;
    }
    return adj;
}

/*
 * A daily project's interval (docs/method.md "Daily projects"): the
 * interval's own figures stay in r (actual, x, valid), its savings are
 * undefined (NaN): the model's rows are days. The interval goes into the
 * stream's day; when it is the day's last, r->day gets the day, a
 * complete baseline day becomes a model row, and a complete reporting day
 * gets the model's adjusted baseline and counts (m counts days). The
 * adjustments stay per interval: configured per interval, they add to
 * the cumulative adjustment as in an interval project.
 */
static void stream_day(mvg_project *p, stream_state *s, const mvg_interval_record *rec,
                       mvg_phase phase, double in_mass, mvg_stream_result *r)
{
    const mvg_stream_cfg *sc = s->cfg;
    r->adjusted_baseline = r->avoided = r->adjustment = r->savings = NAN;
    mvg_convert_undefined(&r->conv);
    r->day_adjusted_baseline = r->day_avoided = NAN;
    mvg_convert_undefined(&r->day_conv);
    if (phase == MVG_PHASE_REPORTING) {
        r->adjustment = interval_adjustment(sc, rec, r->valid);
        s->cum_adjust += r->adjustment;
    }
    if (!mvg_dayrow_add(&s->day, &s->day_cfg, rec->start_ms, r->valid, (int)phase, r->actual,
                        sc->type == MVG_STREAM_VOC ? in_mass : 0.0, r->x, &r->day))
        return;
    r->day_closed = 1;
    const mvg_dayrow *d = &r->day;
    if (!d->complete)
        return;
    if (d->phase == MVG_PHASE_BASELINE && !s->model_ready && sc->has_model && !p->fitted)
        append_row(s, d->y, d->x, 0, d->start_ms); /* ENOMEM: the row is lost, coverage shows it */
    if (d->phase != MVG_PHASE_REPORTING || !sc->has_model || !s->model_ready)
        return;
    double base = mvg_model_predict(&s->model, d->x);
    if (!isfinite(base))
        return;
    r->day_adjusted_baseline = base;
    r->day_avoided = base - d->y;
    mvg_convert_apply(&sc->factors, r->day_avoided, &r->day_conv);
    if (s->scr.has_range)
        r->day_x_outside = mvg_screen_outside(&s->scr.range, d->x, sc->range_margin);
    if (r->day_x_outside)
        s->m_extrap++;
    s->m++;
    s->covered_h += 24.0;
    s->cum_base += base;
    s->cum_actual += d->y;
    if (sc->type == MVG_STREAM_VOC) {
        s->cum_in += d->aux;
        s->cum_out += d->y;
    }
}

static void stream_interval(mvg_project *p, stream_state *s, const mvg_interval_record *rec,
                            mvg_phase phase, mvg_stream_result *r)
{
    const mvg_stream_cfg *sc = s->cfg;
    const double h = hours_of(p);
    double cov = 1.0, in_mass = NAN;
    r->removal = r->cum_removal = NAN;
    r->price = NAN; /* a tariff's, in a counted reporting interval only */
    r->tou_period = NULL;
    double actual;
    if (sc->has_actual) {
        actual = ref_value(&s->actual, rec, 0, &cov);
    } else if (sc->has_flue) {
        double c = mean_of(&s->conc, rec, &cov), q = mean_of(&s->flow, rec, &cov);
        /* the meter's flow on the concentrations' basis: dry, 0 degC, 101.325 kPa */
        q = mvg_convert_flow_normal(q, sc->factors.flow_h2o_pct, sc->factors.flow_temp_c,
                                    sc->factors.flow_kpa);
        double o2 = sc->has_o2 ? mean_of(&s->o2, rec, &cov) : NAN;
        actual = mvg_convert_flue_mass_kg(c, o2, sc->factors.o2_ref_pct, q, sc->factors.flow_basis,
                                          h);
    } else { /* voc */
        double ci = mean_of(&s->in_conc, rec, &cov), qi = mean_of(&s->in_flow, rec, &cov);
        double co = mean_of(&s->out_conc, rec, &cov), qo = mean_of(&s->out_flow, rec, &cov);
        in_mass = ci * qi * h * 1e-6;
        actual = co * qo * h * 1e-6;
    }
    int ok = isfinite(actual);
    for (size_t j = 0; j < sc->nx; j++) {
        r->x[j] = ref_value(&s->x[j], rec, 1, &cov);
        ok = ok && isfinite(r->x[j]);
    }
    if (sc->type == MVG_STREAM_VOC && !isfinite(in_mass))
        ok = 0;
    r->nx = sc->nx;
    r->coverage = cov;
    r->valid = ok && cov >= p->cfg->min_interval_coverage;
    r->actual = actual;
    if (sc->type == MVG_STREAM_VOC && r->valid)
        r->removal = in_mass - actual;

    r->day_closed = 0;
    if (p->daily) {
        stream_day(p, s, rec, phase, in_mass, r);
        return;
    }
    /* On ENOMEM the row is lost; the coverage shows it. The row's time is
     * the record's as stamped, as the report and the tariff take it. */
    if (phase == MVG_PHASE_BASELINE && r->valid && !s->model_ready && sc->has_model &&
        !p->fitted)
        append_row(s, actual, r->x, p->calendar, rec->start_ms);

    /* Outside the reporting period nothing of this is defined: NaN (null in
     * the records, left out of the InfluxDB lines), never 0. */
    r->adjusted_baseline = r->avoided = r->adjustment = r->savings = NAN;
    mvg_convert_undefined(&r->conv);
    if (phase == MVG_PHASE_REPORTING) {
        double adj = interval_adjustment(sc, rec, r->valid);
        double base = NAN;
        if (r->valid && sc->has_model && s->model_ready)
            base = mvg_model_predict(&s->model, r->x);
        r->adjusted_baseline = base;
        r->avoided = base - actual;
        r->adjustment = adj;
        /* An interval without a baseline value (not covered enough, or no
         * model) has no savings: the adjustment alone is not its savings,
         * and the cumulative totals below take the adjustment anyway. */
        if (r->valid && s->scr.has_range)
            r->x_outside = mvg_screen_outside(&s->scr.range, r->x, sc->range_margin);
        if (isfinite(base)) {
            if (r->x_outside) {
                r->extrapolated = 1;
                s->m_extrap++;
            }
            r->savings = r->avoided + adj;
            mvg_convert_apply(&sc->factors, r->savings, &r->conv);
            if (sc->tariff)
                tariff_interval(s, rec, base, actual, r);
            s->m++;
            s->covered_h += h;
            s->cum_base += base;
            s->cum_actual += actual;
            if (sc->type == MVG_STREAM_VOC) {
                s->cum_in += in_mass;
                s->cum_out += actual;
            }
        }
        s->cum_adjust += adj;
    }
}

static void annual_figures(const mvg_project *p, stream_state *s, mvg_stream_result *r);

static void stream_totals(const mvg_project *p, stream_state *s, mvg_stream_result *r)
{
    const mvg_stream_cfg *sc = s->cfg;
    r->model_ready = s->model_ready;
    r->model_pass = s->model_ready && s->model.pass;
    r->baseline_rows = s->nrows; /* kept as a count after the rows are freed */
    r->m = (size_t)s->m;
    r->has_range = s->scr.has_range;
    r->m_extrapolated = (size_t)s->m_extrap;
    r->covered_hours = s->covered_h;
    r->cum_adjusted_baseline = s->cum_base;
    r->cum_actual = s->cum_actual;
    r->cum_avoided = s->cum_base - s->cum_actual;
    r->cum_adjustment = s->cum_adjust;
    r->cum_savings = r->cum_avoided + s->cum_adjust;
    r->savings_fraction = s->cum_base != 0.0 ? r->cum_avoided / s->cum_base : NAN;
    r->fsu = r->savings_low = r->savings_high = NAN;
    if (s->model_ready && !s->fsu_k_done) {
        char e[160];
        if (mvg_savings_fsu(&s->model, 1, 1.0, 1.0, p->cfg->confidence, &s->fsu_k, e, sizeof e) != 0)
            s->fsu_k = NAN;
        s->fsu_k_done = 1;
    }
    if (s->model_ready && s->m > 0 && isfinite(s->fsu_k) && r->cum_avoided != 0.0 &&
        s->cum_base != 0.0) {
        /* the empirical factor depends on m for daily and monthly models */
        double a_ratio = mvg_savings_fsu_factor(s->model.granularity, (size_t)s->m) /
                         mvg_savings_fsu_factor(s->model.granularity, 1);
        double fsu = s->fsu_k * a_ratio / sqrt((double)s->m) / fabs(r->cum_avoided / s->cum_base);
        if (sc->meter_accuracy > 0)
            fsu = mvg_savings_combine_meter(fsu, r->cum_avoided, s->cum_actual, sc->meter_accuracy);
        r->fsu = fsu;
        r->savings_low = r->cum_avoided - fabs(r->cum_avoided) * fsu;
        r->savings_high = r->cum_avoided + fabs(r->cum_avoided) * fsu;
    }
    mvg_convert_apply(&sc->factors, r->cum_savings, &r->cum_conv);
    annual_figures(p, s, r);
    if (sc->tariff)
        tariff_totals(s, r);
    if (sc->type == MVG_STREAM_VOC) {
        r->cum_removal = s->cum_in - s->cum_out;
        r->removal_efficiency = s->cum_in > 0.0 ? 1.0 - s->cum_out / s->cum_in : NAN;
    } else {
        r->removal_efficiency = NAN;
    }
}

static int is_pollutant(mvg_stream_type t)
{
    return t == MVG_STREAM_NOX || t == MVG_STREAM_SO2 || t == MVG_STREAM_VOC;
}

/* The normalised annual figures of a stream (project.h): the mean
 * prediction over the baseline rows times the intervals of a year of 8760
 * h, and the reporting period's savings fraction applied to it. */
static void annual_figures(const mvg_project *p, stream_state *s, mvg_stream_result *r)
{
    const mvg_stream_cfg *sc = s->cfg;
    r->annual_basis = NULL;
    r->annual_exceeds_baseline = r->annual_error_began = 0;
    r->annual_missing_class = -1;
    double fraction = s->m > 0 ? r->savings_fraction : NAN;
    if (p->calendar) {
        r->annual_ncls = p->ncls;
        for (size_t k = 0; k < p->ncls; k++) {
            r->annual_year_n[k] = p->year_n[k];
            r->annual_cls_n[k] = s->model_ready ? s->cls_n[k] : 0;
            r->annual_cls_mean[k] = r->annual_cls_n[k] ? s->cls_sum[k] / (double)s->cls_n[k] : NAN;
        }
        if (s->model_ready && s->annual_n > 0)
            r->annual_missing_class = mvg_project_annual_calendar(
                p->year_n, s->cls_n, s->cls_sum, p->ncls, fraction, &r->annual_baseline,
                &r->annual_savings);
        else
            r->annual_baseline = r->annual_savings = NAN;
        if (isfinite(r->annual_savings))
            r->annual_basis = "calendar";
    } else {
        mvg_project_annual(s->annual_pred_sum, s->model_ready ? s->annual_n : 0, row_hours(p),
                           fraction, &r->annual_baseline, &r->annual_savings);
        if (isfinite(r->annual_savings))
            r->annual_basis = "baseline year";
    }
    if (isfinite(r->annual_savings))
        mvg_convert_apply(&sc->factors, r->annual_savings, &r->annual_conv);
    else
        mvg_convert_undefined(&r->annual_conv); /* no model over the baseline, or no counted interval */
    if (is_pollutant(sc->type) && isfinite(r->annual_savings) &&
        r->annual_savings > r->annual_baseline + 1e-9 * fabs(r->annual_baseline)) {
        r->annual_exceeds_baseline = 1;
        r->model_pass = 0;
        r->annual_error_began = !s->annual_err_prev;
    }
    s->annual_err_prev = r->annual_exceeds_baseline;
}

void mvg_project_annual(double pred_sum, uint64_t n, double interval_h, double fraction,
                        double *annual_baseline, double *annual_savings)
{
    double base = n > 0 && interval_h > 0.0 && isfinite(pred_sum)
                      ? pred_sum / (double)n * (8760.0 / interval_h)
                      : NAN;
    *annual_baseline = base;
    *annual_savings = isfinite(base) && isfinite(fraction) ? fraction * base : NAN;
}

long mvg_project_annual_calendar(const uint64_t *year_n, const uint64_t *cls_n,
                                 const double *cls_sum, size_t ncls, double fraction,
                                 double *annual_baseline, double *annual_savings)
{
    double base = 0.0;
    long missing = -1;
    for (size_t k = 0; k < ncls; k++) {
        if (year_n[k] == 0)
            continue;
        if (cls_n[k] == 0) {
            if (missing < 0)
                missing = (long)k;
            continue;
        }
        base += (double)year_n[k] * (cls_sum[k] / (double)cls_n[k]);
    }
    if (missing >= 0 || !isfinite(base))
        base = NAN;
    *annual_baseline = base;
    *annual_savings = isfinite(base) && isfinite(fraction) ? fraction * base : NAN;
    return missing;
}

/* The project's net total (project.h): the quantities that add up across
 * stream types, summed over the streams; NaN until every stream has one. */
static void net_totals(mvg_project_result *r)
{
    static const size_t add[] = {offsetof(mvg_conv_result, kwh), offsetof(mvg_conv_result, tj),
                                 offsetof(mvg_conv_result, co2_t),
                                 offsetof(mvg_conv_result, cost_hkd)};
    mvg_convert_undefined(&r->net);
    mvg_convert_undefined(&r->annual_net);
    r->net_defined = r->annual_net_defined = r->nstreams > 0;
    for (size_t i = 0; i < r->nstreams; i++) {
        r->net_defined = r->net_defined && r->streams[i].m > 0;
        r->annual_net_defined = r->annual_net_defined && isfinite(r->streams[i].annual_savings);
    }
    for (size_t k = 0; k < sizeof add / sizeof *add; k++) {
        double *net = (double *)((char *)&r->net + add[k]);
        double *annual = (double *)((char *)&r->annual_net + add[k]);
        if (r->net_defined)
            *net = 0.0;
        if (r->annual_net_defined)
            *annual = 0.0;
        for (size_t i = 0; i < r->nstreams; i++) {
            if (r->net_defined)
                *net += *(const double *)((const char *)&r->streams[i].cum_conv + add[k]);
            if (r->annual_net_defined)
                *annual += *(const double *)((const char *)&r->streams[i].annual_conv + add[k]);
        }
    }
}

int mvg_project_update(mvg_project *p, const mvg_interval_record *rec, mvg_project_result *out,
                       char *err, size_t errlen)
{
    if (!p || !rec || !rec->ch) {
        snprintf(err, errlen, "bad arguments");
        return -1;
    }
    if (rec->end_ms - rec->start_ms != p->len_ms) {
        snprintf(err, errlen, "project '%s': a %lld ms record, the project's interval is %lld ms",
                 p->cfg->name, (long long)(rec->end_ms - rec->start_ms), (long long)p->len_ms);
        return -1;
    }
    if (rec->start_ms < p->last_end_ms) {
        snprintf(err, errlen, "project '%s': record at %lld ms comes before the previous one",
                 p->cfg->name, (long long)rec->start_ms);
        return -1;
    }
    p->last_end_ms = rec->end_ms;
    int fitted_now = 0;
    int64_t start = rec->start_ms - p->step_shift_ms, end = rec->end_ms - p->step_shift_ms;
    if (!p->fitted && start >= p->cfg->baseline_end_ms) {
        char e[400];
        mvg_project_fit_now(p, e, sizeof e); /* failures stay visible per stream */
        fitted_now = 1;
    }
    mvg_phase phase = phase_of(p->cfg, start, end);
    /* the step lies after this record's samples: later records shift */
    if (rec->clock_step_ms > 0)
        p->step_shift_ms += rec->clock_step_ms;
    if (phase == MVG_PHASE_BASELINE)
        p->baseline_records++;
    mvg_project_result local;
    mvg_project_result *r = out ? out : &local;
    /* Whole struct cleared: results compare bytewise after a restore. */
    memset(r, 0, offsetof(mvg_project_result, streams) + p->ns * sizeof r->streams[0]);
    r->start_ms = rec->start_ms;
    r->end_ms = rec->end_ms;
    r->phase = phase;
    r->fitted_now = fitted_now;
    r->daily = p->daily;
    r->confidence = p->cfg->confidence;
    if (p->calendar) {
        r->calendar = p->cfg->calendar;
        r->calendar_year = p->cfg->calendar_year;
        r->operating = &p->cfg->operating;
    }
    r->nstreams = p->ns;
    for (size_t i = 0; i < p->ns; i++) {
        stream_state *s = &p->s[i];
        mvg_stream_result *sr = &r->streams[i];
        snprintf(sr->name, sizeof sr->name, "%s", s->cfg->name);
        snprintf(sr->unit, sizeof sr->unit, "%s", s->cfg->factors.unit);
        sr->type = s->cfg->type;
        stream_interval(p, s, rec, phase, sr);
        if (out)
            stream_totals(p, s, sr);
    }
    net_totals(r);
    return 0;
}

/* ---- state -------------------------------------------------------------- */

static const mvg_statefmt_envelope ENVELOPE = {MVG_STATEFMT_TRAILER, "MVGPRJ\0\1", 1u,
                                               MVG_STATEFMT_FNV_BASIS_SHORT, "project state"};

/* Every field of mvg_model, one by one (no padding bytes, no host layout). */
static void put_model(mvg_statefmt_writer *w, const mvg_model *m)
{
    mvg_statefmt_put_u64(w, (uint32_t)m->type);
    mvg_statefmt_put_u64(w, m->nx);
    mvg_statefmt_put_u64(w, m->ncoef);
    for (size_t i = 0; i < MVG_MODEL_MAX_COEF; i++) {
        mvg_statefmt_put_f64(w, m->coef[i]);
        mvg_statefmt_put_f64(w, m->std_err[i]);
        mvg_statefmt_put_f64(w, m->t_stat[i]);
    }
    mvg_statefmt_put_u64(w, m->ncp);
    mvg_statefmt_put_f64(w, m->cp[0]);
    mvg_statefmt_put_f64(w, m->cp[1]);
    mvg_statefmt_put_u64(w, m->n);
    mvg_statefmt_put_u64(w, m->p);
    const double d[] = {m->ybar, m->sse,  m->r2,  m->adj_r2,  m->rmse,
                        m->cv_rmse, m->nmbe, m->rho, m->coverage};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        mvg_statefmt_put_f64(w, d[i]);
    mvg_statefmt_put_u64(w, (uint64_t)(int64_t)m->pass);
    mvg_statefmt_put_u64(w, m->nreasons);
    for (size_t i = 0; i < m->nreasons && i < MVG_MODEL_MAX_REASONS; i++)
        mvg_statefmt_put_str(w, m->reasons[i]);
    mvg_statefmt_put_u64(w, m->nseg);
    for (size_t i = 0; i < 3; i++)
        mvg_statefmt_put_u64(w, m->seg_n[i]);
}

static void get_model(mvg_statefmt_reader *r, mvg_model *m)
{
    memset(m, 0, sizeof *m);
    m->type = (mvg_model_type)mvg_statefmt_get_u64(r);
    m->nx = (size_t)mvg_statefmt_get_u64(r);
    m->ncoef = (size_t)mvg_statefmt_get_u64(r);
    for (size_t i = 0; i < MVG_MODEL_MAX_COEF; i++) {
        m->coef[i] = mvg_statefmt_get_f64(r);
        m->std_err[i] = mvg_statefmt_get_f64(r);
        m->t_stat[i] = mvg_statefmt_get_f64(r);
    }
    m->ncp = (size_t)mvg_statefmt_get_u64(r);
    m->cp[0] = mvg_statefmt_get_f64(r);
    m->cp[1] = mvg_statefmt_get_f64(r);
    m->n = (size_t)mvg_statefmt_get_u64(r);
    m->p = (size_t)mvg_statefmt_get_u64(r);
    double *d[] = {&m->ybar, &m->sse,  &m->r2,  &m->adj_r2,  &m->rmse,
                   &m->cv_rmse, &m->nmbe, &m->rho, &m->coverage};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        *d[i] = mvg_statefmt_get_f64(r);
    m->pass = (int)(int64_t)mvg_statefmt_get_u64(r);
    m->nreasons = (size_t)mvg_statefmt_get_u64(r);
    if (m->nreasons > MVG_MODEL_MAX_REASONS || m->nx > MVG_MODEL_MAX_X ||
        m->ncoef > MVG_MODEL_MAX_COEF || m->ncp > 2 || m->type > MVG_MODEL_AUTO) {
        r->bad = 1;
        return;
    }
    for (size_t i = 0; i < m->nreasons; i++)
        mvg_statefmt_get_str(r, m->reasons[i], sizeof m->reasons[i]);
    m->nseg = (size_t)mvg_statefmt_get_u64(r);
    for (size_t i = 0; i < 3; i++)
        m->seg_n[i] = (size_t)mvg_statefmt_get_u64(r);
}

/* A stream's screening: flags, counts, fences, the range of each of the
 * stream's x (NaN without one) and the extrapolated count. */
static size_t screen_state_size(const mvg_stream_cfg *sc) { return 96 + 16 * sc->nx; }

static void put_screening(mvg_statefmt_writer *w, const stream_state *s)
{
    const mvg_stream_screening *z = &s->scr;
    mvg_statefmt_put_u64(w, (uint64_t)(z->screened ? 1 : 0) | (uint64_t)(z->has_range ? 2 : 0));
    mvg_statefmt_put_u64(w, z->fences.n);
    mvg_statefmt_put_u64(w, z->fences.n_outliers);
    mvg_statefmt_put_u64(w, z->n_excluded);
    const double f[] = {z->fences.median, z->fences.q1,  z->fences.q3,
                        z->fences.iqr,    z->fences.low, z->fences.high};
    for (size_t k = 0; k < 6; k++)
        mvg_statefmt_put_f64(w, f[k]);
    mvg_statefmt_put_u64(w, s->cfg->nx);
    for (size_t j = 0; j < s->cfg->nx; j++) {
        mvg_statefmt_put_f64(w, z->has_range ? z->range.min[j] : NAN);
        mvg_statefmt_put_f64(w, z->has_range ? z->range.max[j] : NAN);
    }
    mvg_statefmt_put_u64(w, s->m_extrap);
}

static void get_screening(mvg_statefmt_reader *r, stream_state *s)
{
    mvg_stream_screening *z = &s->scr;
    memset(z, 0, sizeof *z);
    uint64_t fl = mvg_statefmt_get_u64(r);
    z->screened = (fl & 1) != 0;
    z->has_range = (fl & 2) != 0;
    z->fences.n = (size_t)mvg_statefmt_get_u64(r);
    z->fences.n_outliers = (size_t)mvg_statefmt_get_u64(r);
    z->n_excluded = (size_t)mvg_statefmt_get_u64(r);
    double *f[] = {&z->fences.median, &z->fences.q1,  &z->fences.q3,
                   &z->fences.iqr,    &z->fences.low, &z->fences.high};
    for (size_t k = 0; k < 6; k++)
        *f[k] = mvg_statefmt_get_f64(r);
    if (mvg_statefmt_get_u64(r) != s->cfg->nx || fl > 3) {
        r->bad = 1;
        return;
    }
    z->range.nx = z->has_range ? s->cfg->nx : 0;
    for (size_t j = 0; j < s->cfg->nx; j++) {
        double lo = mvg_statefmt_get_f64(r), hi = mvg_statefmt_get_f64(r);
        if (z->has_range) {
            z->range.min[j] = lo;
            z->range.max[j] = hi;
        }
    }
    s->m_extrap = mvg_statefmt_get_u64(r);
}

static void write_state(const void *obj, mvg_statefmt_writer *w)
{
    const mvg_project *p = obj;
    mvg_statefmt_put_str(w, p->cfg->name);
    mvg_statefmt_put_u64(w, p->ns);
    for (size_t i = 0; i < p->ns; i++) {
        mvg_statefmt_put_str(w, p->s[i].cfg->name);
        mvg_statefmt_put_u64(w, (uint32_t)p->s[i].cfg->type);
        mvg_statefmt_put_u64(w, p->s[i].cfg->nx);
    }
    mvg_statefmt_put_u64(w, (uint64_t)p->last_end_ms);
    mvg_statefmt_put_u64(w, p->baseline_records);
    mvg_statefmt_put_u64(w, (uint64_t)p->fitted);
    for (size_t i = 0; i < p->ns; i++) {
        const stream_state *s = &p->s[i];
        size_t stored = s->col[0] ? s->nrows : 0; /* freed after the fit */
        mvg_statefmt_put_u64(w, s->nrows);
        mvg_statefmt_put_u64(w, stored);
        for (size_t j = 0; j <= s->cfg->nx; j++)
            for (size_t k = 0; k < stored; k++)
                mvg_statefmt_put_f64(w, s->col[j][k]);
        mvg_statefmt_put_u64(w, (uint64_t)s->model_ready);
        if (s->model_ready)
            put_model(w, &s->model);
        mvg_statefmt_put_str(w, s->why);
        mvg_statefmt_put_u64(w, s->m);
        const double d[] = {s->covered_h, s->cum_base, s->cum_actual,
                            s->cum_adjust, s->cum_in,  s->cum_out};
        for (size_t k = 0; k < sizeof d / sizeof *d; k++)
            mvg_statefmt_put_f64(w, d[k]);
    }
    /* Optional last fields, absent while they hold nothing, so that the
     * states saved before they existed load (as 0) and stay byte for byte:
     * the clock step shift alone (8 bytes), or, once a fitted model has
     * baseline predictions, the shift (even 0) and per stream the count and
     * sum of those predictions (8 + 16 per stream). */
    /* Then, once a fit was screened, the annual sums (even 0) and per
     * stream the screening (screen_state_size() bytes); a project with a
     * calendar or a tariff writes every optional field, then its own. */
    int full = p->calendar || p->tariffs || p->daily;
    int annual = full, screen = full;
    for (size_t i = 0; i < p->ns; i++) {
        annual |= p->s[i].annual_n > 0;
        screen |= p->s[i].scr.screened || p->s[i].scr.has_range || p->s[i].m_extrap > 0;
    }
    annual |= screen;
    if (p->step_shift_ms || annual)
        mvg_statefmt_put_u64(w, (uint64_t)p->step_shift_ms);
    for (size_t i = 0; annual && i < p->ns; i++) {
        mvg_statefmt_put_u64(w, p->s[i].annual_n);
        mvg_statefmt_put_f64(w, p->s[i].annual_pred_sum);
    }
    for (size_t i = 0; screen && i < p->ns; i++)
        put_screening(w, &p->s[i]);
    /* annual_basis "calendar": per stream the time of every stored row and
     * the per-class predictions (there are no states of such a project
     * from before, so this part is always there) */
    for (size_t i = 0; p->calendar && i < p->ns; i++) {
        const stream_state *s = &p->s[i];
        size_t stored = s->col[0] && s->rt ? s->nrows : 0;
        for (size_t k = 0; k < stored; k++)
            mvg_statefmt_put_u64(w, (uint64_t)s->rt[k]);
        for (size_t k = 0; k < MVG_CAL_MAX_CLASSES; k++) {
            mvg_statefmt_put_u64(w, s->cls_n[k]);
            mvg_statefmt_put_f64(w, s->cls_sum[k]);
        }
    }
    /* a stream with a tariff: its accumulators (10 fields) */
    for (size_t i = 0; i < p->ns; i++) {
        const stream_state *s = &p->s[i];
        if (!s->cfg->tariff)
            continue;
        const mvg_tariff_acc *a = &s->tar;
        mvg_statefmt_put_f64(w, a->energy_cost);
        mvg_statefmt_put_u64(w, (uint64_t)a->month);
        mvg_statefmt_put_f64(w, a->peak_base);
        mvg_statefmt_put_f64(w, a->peak_act);
        mvg_statefmt_put_f64(w, a->closed_cost);
        mvg_statefmt_put_u64(w, a->months);
        mvg_statefmt_put_u64(w, (uint64_t)a->blk);
        mvg_statefmt_put_f64(w, a->blk_base);
        mvg_statefmt_put_f64(w, a->blk_act);
        mvg_statefmt_put_u64(w, a->blk_n);
    }
    /* a daily project: per stream its open day (there are no states of
     * such a project from before: always there) */
    for (size_t i = 0; p->daily && i < p->ns; i++) {
        const mvg_dayrow_acc *a = &p->s[i].day;
        mvg_statefmt_put_u64(w, (uint64_t)a->open);
        mvg_statefmt_put_u64(w, (uint64_t)a->start_ms);
        mvg_statefmt_put_u64(w, a->fed);
        mvg_statefmt_put_u64(w, a->valid);
        mvg_statefmt_put_u64(w, (uint64_t)(int64_t)a->phase);
        mvg_statefmt_put_u64(w, a->stale);
        mvg_statefmt_put_f64(w, a->y);
        mvg_statefmt_put_f64(w, a->aux);
        for (size_t j = 0; j < p->s[i].cfg->nx; j++)
            mvg_statefmt_put_f64(w, a->x[j]);
    }
}

/* The bytes of a daily project's open days in its state. */
static size_t day_state_size(const mvg_project *p)
{
    size_t n = 0;
    for (size_t i = 0; p->daily && i < p->ns; i++)
        n += 64 + 8 * p->s[i].cfg->nx;
    return n;
}

size_t mvg_project_state_size(const mvg_project *p)
{
    size_t n = 0;
    mvg_statefmt_write(&ENVELOPE, write_state, p, NULL, 0, &n, NULL, 0);
    return n;
}

int mvg_project_save(const mvg_project *p, void *buf, size_t cap, size_t *written, char *err,
                     size_t errlen)
{
    size_t need = mvg_project_state_size(p);
    if (!buf || cap < need) {
        snprintf(err, errlen, "project state needs %zu bytes, buffer has %zu", need, cap);
        return -1;
    }
    return mvg_statefmt_write(&ENVELOPE, write_state, p, buf, cap, written, err, errlen);
}

int mvg_project_load(mvg_project *p, const void *buf, size_t len, char *err, size_t errlen)
{
    mvg_statefmt_reader r;
    if (mvg_statefmt_open(&ENVELOPE, buf, len, &r, err, errlen) != 0)
        return -1;
    char name[MVG_PRJ_NAME_MAX];
    mvg_statefmt_get_str(&r, name, sizeof name);
    uint64_t ns = mvg_statefmt_get_u64(&r);
    if (r.bad || strcmp(name, p->cfg->name) != 0 || ns != p->ns) {
        snprintf(err, errlen, "project state belongs to project '%s' with %llu streams, not '%s'",
                 name, (unsigned long long)ns, p->cfg->name);
        return -1;
    }
    for (size_t i = 0; i < p->ns; i++) {
        char sn[MVG_PRJ_NAME_MAX];
        mvg_statefmt_get_str(&r, sn, sizeof sn);
        uint64_t type = mvg_statefmt_get_u64(&r), nx = mvg_statefmt_get_u64(&r);
        const mvg_stream_cfg *sc = p->s[i].cfg;
        if (r.bad || strcmp(sn, sc->name) != 0 || type != (uint64_t)sc->type || nx != sc->nx) {
            snprintf(err, errlen, "project '%s': saved stream %zu ('%s') differs from the config",
                     p->cfg->name, i, sn);
            return -1;
        }
    }
    /* Read into a copy first so that a failure leaves p unchanged. */
    mvg_project *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->cfg = p->cfg;
    t->len_ms = p->len_ms;
    t->ns = p->ns;
    t->last_end_ms = (int64_t)mvg_statefmt_get_u64(&r);
    t->baseline_records = mvg_statefmt_get_u64(&r);
    t->fitted = (int)mvg_statefmt_get_u64(&r);
    for (size_t i = 0; i < t->ns && !r.bad; i++) {
        stream_state *s = &t->s[i];
        s->cfg = p->s[i].cfg;
        memcpy(s->x, p->s[i].x, sizeof s->x);
        s->actual = p->s[i].actual;
        s->conc = p->s[i].conc;
        s->o2 = p->s[i].o2;
        s->flow = p->s[i].flow;
        s->in_conc = p->s[i].in_conc;
        s->in_flow = p->s[i].in_flow;
        s->out_conc = p->s[i].out_conc;
        s->out_flow = p->s[i].out_flow;
        uint64_t nrows = mvg_statefmt_get_u64(&r), stored = mvg_statefmt_get_u64(&r);
        size_t ncol = s->cfg->nx + 1;
        if (r.bad || (stored != 0 && stored != nrows) || stored > mvg_statefmt_left(&r) / 8 / ncol) {
            r.bad = 1;
            break;
        }
        s->nrows = (size_t)nrows;
        s->cap = (size_t)stored;
        for (size_t j = 0; j < ncol && stored; j++) {
            s->col[j] = malloc((size_t)stored * sizeof(double));
            if (!s->col[j]) {
                r.bad = 1;
                break;
            }
            for (size_t k = 0; k < stored; k++)
                s->col[j][k] = mvg_statefmt_get_f64(&r);
        }
        s->model_ready = (int)mvg_statefmt_get_u64(&r);
        if (s->model_ready) {
            get_model(&r, &s->model);
            /* not in the state: the fit takes it from the project's
             * criteria (a daily project's are daily), a given model has its
             * own; without it a restored daily model had the hourly FSU
             * factor */
            s->model.granularity = s->cfg->model_given ? s->cfg->model.granularity
                                                       : p->cfg->criteria.granularity;
        }
        mvg_statefmt_get_str(&r, s->why, sizeof s->why);
        s->m = mvg_statefmt_get_u64(&r);
        double *d[] = {&s->covered_h, &s->cum_base, &s->cum_actual,
                       &s->cum_adjust, &s->cum_in,  &s->cum_out};
        for (size_t k = 0; k < sizeof d / sizeof *d; k++)
            *d[k] = mvg_statefmt_get_f64(&r);
    }
    size_t left = r.bad ? 0 : mvg_statefmt_left(&r), annual = 8 + 16 * t->ns, screen = annual;
    for (size_t i = 0; i < t->ns; i++)
        screen += screen_state_size(t->s[i].cfg);
    size_t cal_bytes = 0;
    t->calendar = p->calendar;
    t->tariffs = p->tariffs;
    t->ncls = p->ncls;
    memcpy(t->year_n, p->year_n, sizeof t->year_n);
    for (size_t i = 0; p->calendar && i < t->ns; i++)
        cal_bytes += 8 * (t->s[i].col[0] ? t->s[i].nrows : 0) + 16 * MVG_CAL_MAX_CLASSES;
    for (size_t i = 0; i < t->ns; i++)
        cal_bytes += t->s[i].cfg->tariff ? 80 : 0;
    t->daily = p->daily;
    cal_bytes += day_state_size(p);
    int full = p->calendar || p->tariffs || p->daily;
    if (full && left != screen + cal_bytes)
        r.bad = 1;
    if (!r.bad && (left == 8 || left == annual || left == screen || full))
        t->step_shift_ms = (int64_t)mvg_statefmt_get_u64(&r);
    for (size_t i = 0; !r.bad && (left == annual || left == screen || full) && i < t->ns; i++) {
        t->s[i].annual_n = mvg_statefmt_get_u64(&r);
        t->s[i].annual_pred_sum = mvg_statefmt_get_f64(&r);
    }
    for (size_t i = 0; !r.bad && (left == screen || full) && i < t->ns; i++)
        get_screening(&r, &t->s[i]);
    for (size_t i = 0; !r.bad && p->calendar && i < t->ns; i++) {
        stream_state *s = &t->s[i];
        size_t stored = s->col[0] ? s->nrows : 0;
        if (stored) {
            s->rt = malloc(stored * sizeof *s->rt);
            if (!s->rt) {
                r.bad = 1;
                break;
            }
        }
        for (size_t k = 0; k < stored; k++)
            s->rt[k] = (int64_t)mvg_statefmt_get_u64(&r);
        for (size_t k = 0; k < MVG_CAL_MAX_CLASSES; k++) {
            s->cls_n[k] = mvg_statefmt_get_u64(&r);
            s->cls_sum[k] = mvg_statefmt_get_f64(&r);
        }
    }
    for (size_t i = 0; !r.bad && i < t->ns; i++) {
        stream_state *s = &t->s[i];
        if (!s->cfg->tariff)
            continue;
        mvg_tariff_acc *a = &s->tar;
        s->tar_use = p->s[i].tar_use;
        a->energy_cost = mvg_statefmt_get_f64(&r);
        a->month = (int64_t)mvg_statefmt_get_u64(&r);
        a->peak_base = mvg_statefmt_get_f64(&r);
        a->peak_act = mvg_statefmt_get_f64(&r);
        a->closed_cost = mvg_statefmt_get_f64(&r);
        a->months = mvg_statefmt_get_u64(&r);
        a->blk = (int64_t)mvg_statefmt_get_u64(&r);
        a->blk_base = mvg_statefmt_get_f64(&r);
        a->blk_act = mvg_statefmt_get_f64(&r);
        a->blk_n = mvg_statefmt_get_u64(&r);
    }
    for (size_t i = 0; !r.bad && t->daily && i < t->ns; i++) {
        mvg_dayrow_acc *a = &t->s[i].day;
        t->s[i].day_cfg = p->s[i].day_cfg;
        a->open = mvg_statefmt_get_u64(&r) != 0;
        a->start_ms = (int64_t)mvg_statefmt_get_u64(&r);
        a->fed = (uint32_t)mvg_statefmt_get_u64(&r);
        a->valid = (uint32_t)mvg_statefmt_get_u64(&r);
        a->phase = (int)(int64_t)mvg_statefmt_get_u64(&r);
        a->stale = mvg_statefmt_get_u64(&r);
        a->y = mvg_statefmt_get_f64(&r);
        a->aux = mvg_statefmt_get_f64(&r);
        for (size_t j = 0; j < t->s[i].cfg->nx; j++)
            a->x[j] = mvg_statefmt_get_f64(&r);
    }
    if (r.bad || mvg_statefmt_left(&r) != 0) {
        mvg_project_free(t);
        snprintf(err, errlen, "project '%s': state is malformed", p->cfg->name);
        return -1;
    }
    for (size_t i = 0; i < p->ns; i++) {
        for (size_t j = 0; j <= MVG_MODEL_MAX_X; j++)
            free(p->s[i].col[j]);
        free(p->s[i].rt);
    }
    *p = *t;
    free(t);
    return 0;
}

/* ---- carrying state across a reload --------------------------------------
 *
 * A fingerprint hashes the fields a piece of state was computed from, and
 * only those: two configurations whose fingerprints agree would have
 * collected the same rows and totals from the same samples. What is left
 * out on purpose (docs/daemon.md "Reload"): names (they are the key),
 * technology, confidence, the criteria (they act at the fit; a frozen
 * model keeps its verdict), the reporting end (the intervals counted so
 * far stay counted), conversion factors (the engine's amounts do not
 * depend on them: conversions are taken from the totals every interval)
 * and the non-routine adjustments (they count from the next interval on:
 * the intervals already recorded are signed). */

static void fp_add(uint64_t *h, const void *p, size_t n) { *h = mvg_statefmt_fnv1a(*h, p, n); }
static void fp_i64(uint64_t *h, int64_t v) { fp_add(h, &v, sizeof v); }
static void fp_f64(uint64_t *h, double v)
{
    if (v == 0.0)
        v = 0.0; /* -0 and 0 are the same setting */
    fp_add(h, &v, sizeof v);
}
static void fp_str(uint64_t *h, const char *s) { fp_add(h, s, strlen(s) + 1); }

uint64_t mvg_project_fingerprint(const mvg_project_cfg *c)
{
    uint64_t h = MVG_STATEFMT_FNV_BASIS;
    fp_i64(&h, c->interval_min);
    fp_i64(&h, c->baseline_start_ms);
    fp_i64(&h, c->baseline_end_ms);
    fp_i64(&h, c->has_installation);
    if (c->has_installation) {
        fp_i64(&h, c->installation_start_ms);
        fp_i64(&h, c->installation_end_ms);
    }
    fp_i64(&h, c->reporting_start_ms);
    fp_f64(&h, c->min_interval_coverage);
    /* a daily project's rows are days from its offset (hashed only for a
     * daily one, so that the others keep their fingerprints) */
    if (c->granularity == MVG_PRJ_GRAN_DAILY) {
        fp_i64(&h, c->granularity);
        fp_i64(&h, c->utc_offset_min);
    }
    /* the classes of the baseline rows are taken at the fit: a project on
     * another calendar or pattern is rebuilt (hashed only for a calendar
     * project, so that the others keep their fingerprints) */
    if (c->annual_basis == MVG_ANNUAL_CALENDAR) {
        fp_i64(&h, c->annual_basis);
        fp_str(&h, c->calendar);
        fp_i64(&h, c->calendar_year);
        fp_i64(&h, c->operating.rest_days);
        fp_i64(&h, (int64_t)c->operating.nshifts);
        for (size_t k = 0; k < c->operating.nshifts; k++) {
            fp_i64(&h, c->operating.shift_start[k]);
            fp_i64(&h, c->operating.shift_end[k]);
        }
        const mvg_calendar *cal = c->operating.cal;
        if (cal) {
            fp_i64(&h, cal->utc_offset_min);
            fp_add(&h, cal->holidays, cal->nholidays * sizeof *cal->holidays);
            fp_add(&h, cal->workdays, cal->nworkdays * sizeof *cal->workdays);
        }
    }
    return h;
}

static void fp_ref(uint64_t *h, const mvg_ref_cfg *r, mvg_channel_fp_fn channel_fp, void *user)
{
    fp_str(h, r->channel);
    fp_i64(h, (int64_t)(channel_fp ? channel_fp(r->channel, user) : 0));
    fp_i64(h, r->agg);
    fp_i64(h, r->is_counter);
}

uint64_t mvg_stream_fingerprint(const mvg_stream_cfg *s, mvg_channel_fp_fn channel_fp, void *user)
{
    uint64_t h = MVG_STATEFMT_FNV_BASIS;
    fp_i64(&h, s->type);
    fp_i64(&h, s->has_actual);
    if (s->has_actual)
        fp_ref(&h, &s->actual, channel_fp, user);
    fp_i64(&h, s->has_model);
    fp_i64(&h, s->model_type);
    fp_i64(&h, (int64_t)s->nx);
    for (size_t j = 0; j < s->nx; j++)
        fp_ref(&h, &s->x[j], channel_fp, user);
    fp_i64(&h, s->model_given);
    if (s->model_given) {
        const mvg_model *m = &s->model;
        fp_i64(&h, m->type);
        fp_i64(&h, (int64_t)m->ncoef);
        for (size_t k = 0; k < m->ncoef && k < MVG_MODEL_MAX_COEF; k++)
            fp_f64(&h, m->coef[k]);
        fp_i64(&h, (int64_t)m->ncp);
        for (size_t k = 0; k < m->ncp && k < 2; k++)
            fp_f64(&h, m->cp[k]);
        fp_i64(&h, (int64_t)m->n);
        const double stats[] = {m->cv_rmse, m->nmbe, m->r2, m->rho};
        for (size_t k = 0; k < sizeof stats / sizeof *stats; k++)
            fp_f64(&h, stats[k]);
    }
    fp_i64(&h, s->has_flue);
    if (s->has_flue) {
        fp_ref(&h, &s->conc, channel_fp, user);
        fp_ref(&h, &s->flow, channel_fp, user);
        /* the flow's state changes the amounts themselves (mvg_convert_flow_normal) */
        fp_f64(&h, s->factors.flow_h2o_pct);
        fp_f64(&h, s->factors.flow_temp_c);
        fp_f64(&h, s->factors.flow_kpa);
        fp_i64(&h, s->has_o2);
        if (s->has_o2)
            fp_ref(&h, &s->o2, channel_fp, user);
    }
    if (s->type == MVG_STREAM_VOC) {
        fp_ref(&h, &s->in_conc, channel_fp, user);
        fp_ref(&h, &s->in_flow, channel_fp, user);
        fp_ref(&h, &s->out_conc, channel_fp, user);
        fp_ref(&h, &s->out_flow, channel_fp, user);
    }
    /* the tariff's accumulators price every interval as it comes: another
     * tariff or price is a rebuild (hashed only with a tariff, so that the
     * other streams keep their fingerprints) */
    if (s->tariff) {
        const mvg_tariff *t = s->tariff;
        fp_str(&h, s->tariff_name);
        fp_f64(&h, s->energy_price);
        fp_f64(&h, s->demand_charge);
        fp_f64(&h, s->kwh_per_unit);
        fp_i64(&h, s->demand_interval_min);
        fp_i64(&h, t->utc_offset_min);
        for (size_t k = 0; k < t->nperiods; k++) {
            const mvg_tariff_period *q = &t->periods[k];
            fp_f64(&h, q->ratio);
            fp_i64(&h, q->months);
            for (size_t w = 0; w < q->nwin; w++) {
                fp_i64(&h, q->win_start[w]);
                fp_i64(&h, q->win_end[w]);
            }
        }
    }
    return h;
}

long mvg_project_find_stream(const mvg_project *p, const char *name)
{
    for (size_t i = 0; p && i < p->ns; i++)
        if (strcmp(p->s[i].cfg->name, name) == 0)
            return (long)i;
    return -1;
}

int64_t mvg_project_last_end(const mvg_project *p) { return p->last_end_ms; }

size_t mvg_project_baseline_rows(const mvg_project *p, size_t i)
{
    return i < p->ns ? p->s[i].nrows : 0;
}

uint64_t mvg_project_reporting_points(const mvg_project *p, size_t i)
{
    return i < p->ns ? p->s[i].m : 0;
}

void mvg_project_copy_progress(mvg_project *to, const mvg_project *from)
{
    to->last_end_ms = from->last_end_ms;
    to->baseline_records = from->baseline_records;
    to->fitted = from->fitted;
    to->step_shift_ms = from->step_shift_ms;
}

int mvg_project_copy_stream(mvg_project *to, size_t i, const mvg_project *from, size_t j)
{
    if (i >= to->ns || j >= from->ns || to->s[i].cfg->nx != from->s[j].cfg->nx)
        return -1;
    /* rows of intervals are not rows of days, nor days of another offset */
    if (to->daily != from->daily ||
        (to->daily && to->cfg->utc_offset_min != from->cfg->utc_offset_min))
        return -1;
    stream_state *d = &to->s[i];
    const stream_state *s = &from->s[j];
    size_t ncol = d->cfg->nx + 1;
    double *col[1 + MVG_MODEL_MAX_X] = {NULL};
    size_t stored = s->col[0] ? s->nrows : 0; /* the rows are freed after the fit */
    int64_t *rt = NULL;
    if (stored && s->rt && to->calendar) {
        rt = malloc(stored * sizeof *rt);
        if (!rt)
            return -1;
        memcpy(rt, s->rt, stored * sizeof *rt);
    }
    for (size_t k = 0; k < ncol && stored; k++) {
        col[k] = malloc(stored * sizeof(double));
        if (!col[k]) {
            for (size_t q = 0; q < k; q++)
                free(col[q]);
            free(rt);
            return -1;
        }
        memcpy(col[k], s->col[k], stored * sizeof(double));
    }
    for (size_t k = 0; k <= MVG_MODEL_MAX_X; k++) {
        free(d->col[k]);
        d->col[k] = col[k];
    }
    free(d->rt);
    d->rt = rt;
    memcpy(d->cls_n, s->cls_n, sizeof d->cls_n);
    memcpy(d->cls_sum, s->cls_sum, sizeof d->cls_sum);
    d->nrows = s->nrows;
    d->cap = stored;
    d->model_ready = s->model_ready;
    d->model = s->model;
    memcpy(d->why, s->why, sizeof d->why);
    d->fsu_k_done = 0; /* derived from the model and the confidence: taken again */
    d->m = s->m;
    d->covered_h = s->covered_h;
    d->cum_base = s->cum_base;
    d->cum_actual = s->cum_actual;
    d->cum_adjust = s->cum_adjust;
    d->cum_in = s->cum_in;
    d->cum_out = s->cum_out;
    d->annual_n = s->annual_n; /* the model over the baseline's conditions */
    d->annual_pred_sum = s->annual_pred_sum;
    d->annual_err_prev = s->annual_err_prev;
    d->tar = s->tar; /* the tariff's totals (tar_use is to's own) */
    d->scr = s->scr; /* the screening of the fit the model came from */
    memcpy(d->cand, s->cand, sizeof d->cand);
    d->ncand = s->ncand;
    d->m_extrap = s->m_extrap;
    d->day = s->day; /* the day open so far (day_cfg is to's own) */
    return 0;
}
