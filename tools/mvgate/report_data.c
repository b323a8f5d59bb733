/*
 * report_data.c: gathering the report's figures (report_data.h).
 */
#include "report_data.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "dayrow.h"
#include "payload.h"
#include "timefmt.h"
#include "vec.h"

#define DAY_MS 86400000LL

const char *mvg_report_phase_name(mvg_report_phase p)
{
    switch (p) {
    case MVG_RP_BASELINE:
        return "baseline";
    case MVG_RP_INSTALLATION:
        return "installation";
    case MVG_RP_REPORTING:
        return "reporting";
    default:
        return "other";
    }
}

static mvg_report_phase phase_parse(const char *s)
{
    if (strcmp(s, "baseline") == 0)
        return MVG_RP_BASELINE;
    if (strcmp(s, "installation") == 0)
        return MVG_RP_INSTALLATION;
    if (strcmp(s, "reporting") == 0)
        return MVG_RP_REPORTING;
    return MVG_RP_OTHER;
}

size_t mvg_report_convs(const mvg_stream_cfg *s, mvg_report_conv *out, size_t cap)
{
    /* indexes into mvg_convert_fields: 1 kwh, 2 tj, 3 co2_t, 4 pollutant_kg, 5 water_m3, 6 cost */
    size_t want[6], n = 0;
    switch (s->type) {
    case MVG_STREAM_ELECTRICITY:
    case MVG_STREAM_FUEL:
    case MVG_STREAM_HEAT:
        want[n++] = 1;
        want[n++] = 2;
        want[n++] = 3;
        break;
    case MVG_STREAM_WATER:
        want[n++] = 5;
        break;
    case MVG_STREAM_NOX:
    case MVG_STREAM_SO2:
    case MVG_STREAM_VOC:
        want[n++] = 4;
        break;
    case MVG_STREAM_COST:
        break;
    }
    if (s->type == MVG_STREAM_COST || s->factors.cost_per_unit != 0.0 || s->tariff)
        want[n++] = 6;
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        const mvg_conv_field *f = &mvg_convert_fields[want[i]];
        out[k++] = (mvg_report_conv){want[i], f->name, f->unit, 1.0};
        if (want[i] == 4 && k < cap) /* the records' tonnes, after the kilograms */
            out[k++] = (mvg_report_conv){want[i], "pollutant_t", "t", 1000.0};
    }
    return k;
}

double mvg_report_conv_value(const mvg_report_conv *c, const mvg_conv_result *r)
{
    const mvg_conv_field *f = &mvg_convert_fields[c->field];
    double v = *(const double *)((const char *)r + f->offset);
    /* kg / 1000 as the records divide it (kg * 0.001 may differ in the
     * last digit) */
    return v / c->per;
}

size_t mvg_report_coef_names(const mvg_model *m, char names[][24], size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < m->ncoef && n < cap; i++) {
        /* the intensity form has no b0: its only coefficient is b1 */
        size_t b = m->type == MVG_MODEL_INTENSITY ? i + 1 : i;
        snprintf(names[n++], 24, "b%zu", b);
    }
    for (size_t i = 0; i < m->ncp && n < cap; i++) {
        if (m->ncp == 1)
            snprintf(names[n++], 24, "c");
        else
            snprintf(names[n++], 24, "c%zu", i + 1);
    }
    return n;
}

static double num_of(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

static void cum_of(const json_t *c, mvg_report_cum *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(c) || !json_is_integer(json_object_get(c, "m")))
        return;
    out->present = 1;
    out->m = (size_t)json_integer_value(json_object_get(c, "m"));
    out->covered_hours = num_of(json_object_get(c, "covered_hours"));
    out->adjusted_baseline = num_of(json_object_get(c, "adjusted_baseline"));
    out->actual = num_of(json_object_get(c, "actual"));
    out->avoided = num_of(json_object_get(c, "avoided"));
    out->adjustment = num_of(json_object_get(c, "adjustment"));
    out->savings = num_of(json_object_get(c, "savings"));
    out->savings_fraction = num_of(json_object_get(c, "savings_fraction"));
    out->fsu = num_of(json_object_get(c, "fsu"));
    out->savings_low = num_of(json_object_get(c, "savings_low"));
    out->savings_high = num_of(json_object_get(c, "savings_high"));
    out->annual_savings = num_of(json_object_get(c, "annual_savings"));
}

/* ---- records ------------------------------------------------------------ */

typedef struct {
    mvg_report *r;
    const char *project;
    char *err;
    size_t errlen;
    size_t cap;
} walk;

static int grow_points(mvg_report *r, size_t *cap)
{
    if (r->nrecords < *cap)
        return 0;
    size_t nc = *cap ? 2 * *cap : 256;
    for (size_t i = 0; i < r->nstreams; i++) {
        mvg_report_point *p = realloc(r->streams[i].pts, nc * sizeof *p);
        if (!p)
            return -1;
        r->streams[i].pts = p;
    }
    *cap = nc;
    return 0;
}

/* A stream's "day" block (schema 5: the record closes a day of a daily
 * project), or nothing. */
static void day_of(const json_t *d, mvg_report_point *p)
{
    if (!json_is_object(d))
        return;
    int64_t a, b;
    if (mvg_timefmt_parse(json_string_value(json_object_get(d, "start")), &a) != 0 ||
        mvg_timefmt_parse(json_string_value(json_object_get(d, "end")), &b) != 0)
        return;
    p->day.present = 1;
    p->day.start_ms = a;
    p->day.end_ms = b;
    p->day.complete = json_is_true(json_object_get(d, "complete"));
    p->day.extrapolated = json_is_true(json_object_get(d, "extrapolated"));
    p->day.actual = num_of(json_object_get(d, "actual"));
    p->day.adjusted_baseline = num_of(json_object_get(d, "adjusted_baseline"));
    p->day.avoided = num_of(json_object_get(d, "avoided"));
    const json_t *xs = json_object_get(d, "x");
    p->day.nx = json_array_size(xs) < MVG_MODEL_MAX_X ? json_array_size(xs) : MVG_MODEL_MAX_X;
    for (size_t j = 0; j < p->day.nx; j++)
        p->day.x[j] = num_of(json_array_get(xs, j));
}

static int on_record(void *user, const char *project, int64_t seq, int64_t start_ms,
                     int64_t end_ms, const char *payload, size_t len)
{
    walk *w = user;
    mvg_report *r = w->r;
    if (strcmp(project, w->project) != 0)
        return 0;
    if (grow_points(r, &w->cap) != 0) {
        snprintf(w->err, w->errlen, "out of memory");
        return -1;
    }
    json_error_t je;
    json_t *doc = json_loadb(payload, len, 0, &je);
    if (!doc) {
        snprintf(w->err, w->errlen, "interval record %s seq %lld: not JSON: %s", project,
                 (long long)seq, je.text);
        return -1;
    }
    const char *ph = json_string_value(json_object_get(doc, "phase"));
    mvg_report_phase phase = phase_parse(ph ? ph : "");
    int in_window = start_ms >= r->from_ms && start_ms < r->to_ms;
    json_t *streams = json_object_get(doc, "streams");
    for (size_t i = 0; i < r->nstreams; i++) {
        mvg_report_stream *s = &r->streams[i];
        mvg_report_point *p = &s->pts[r->nrecords];
        memset(p, 0, sizeof *p);
        p->start_ms = start_ms;
        p->end_ms = end_ms;
        p->phase = phase;
        p->in_window = in_window;
        p->adjusted_baseline = p->prediction = p->actual = NAN;
        p->cum_savings = p->cum_low = p->cum_high = NAN;
        json_t *js = NULL, *it;
        size_t k;
        json_array_foreach(streams, k, it)
        {
            const char *n = json_string_value(json_object_get(it, "name"));
            if (n && strcmp(n, s->cfg->name) == 0)
                js = it;
        }
        if (!js)
            continue; /* a stream added to the config later: no data in this record */
        p->valid = json_is_true(json_object_get(js, "valid"));
        p->extrapolated = json_is_true(json_object_get(js, "extrapolated"));
        p->coverage = num_of(json_object_get(js, "coverage"));
        p->actual = num_of(json_object_get(js, "actual"));
        json_t *xs = json_object_get(js, "x");
        p->nx = json_array_size(xs) < MVG_MODEL_MAX_X ? json_array_size(xs) : MVG_MODEL_MAX_X;
        for (size_t j = 0; j < p->nx; j++)
            p->x[j] = num_of(json_array_get(xs, j));
        if (phase == MVG_RP_REPORTING) {
            p->adjusted_baseline = num_of(json_object_get(js, "adjusted_baseline"));
            p->adjustment = num_of(json_object_get(js, "adjustment"));
            /* no baseline value, no savings: a schema 1 record (payload.h)
             * carries its adjustment there, which is not the interval's savings */
            p->savings = isfinite(p->adjusted_baseline) ? num_of(json_object_get(js, "savings"))
                                                        : NAN;
            if (!isfinite(p->adjustment))
                p->adjustment = 0.0;
            cum_of(json_object_get(js, "cumulative"), &p->rec_cum);
        }
        day_of(json_object_get(js, "day"), p);
    }
    json_decref(doc);
    mvg_report_seen *sn = &r->seen[phase];
    if (sn->count++ == 0)
        sn->first_ms = start_ms;
    sn->last_ms = end_ms;
    if (in_window) {
        if (r->nwindow++ == 0)
            r->win_first_ms = start_ms;
        r->win_last_ms = end_ms;
    }
    r->nrecords++;
    return 0;
}

/*
 * A daily project's rows are days (docs/method.md "Daily projects"): its
 * savings, FSU and charts are the days the records close, not the
 * intervals, whose savings the engine leaves undefined. Each stream's
 * points become its days, in place: a day point is the closing record's
 * "day" block with the day's interval adjustments summed and its
 * coverage the intervals' summed over the intervals a day holds; it is in
 * the window when its closing record is, and carries that record's
 * cumulative block (the figures as signed). The intervals after the last
 * closed day belong to no day yet and are counted apart. Every stream
 * closes its days on the same records (the project's day boundary).
 */
static int fold_days(mvg_report *r, char *err, size_t errlen)
{
    const double per_day = (double)MVG_DAY_MS / (double)r->len_ms;
    size_t ndays = 0;
    for (size_t i = 0; i < r->nstreams; i++) {
        mvg_report_point *pts = r->streams[i].pts;
        size_t j = 0;
        double cov = 0.0, adj = 0.0;
        size_t open = 0;
        for (size_t k = 0; k < r->nrecords; k++) {
            const mvg_report_point src = pts[k];
            if (isfinite(src.coverage))
                cov += src.coverage;
            adj += src.adjustment;
            open++;
            if (!src.day.present)
                continue;
            open = 0;
            mvg_report_point *d = &pts[j++]; /* j <= k: earlier points are done */
            *d = src;
            d->start_ms = src.day.start_ms;
            d->end_ms = src.day.end_ms;
            d->valid = src.day.complete;
            d->coverage = cov / per_day;
            d->actual = src.day.actual;
            d->nx = src.day.nx;
            memcpy(d->x, src.day.x, sizeof d->x);
            d->adjusted_baseline = src.day.adjusted_baseline;
            d->savings = isfinite(d->adjusted_baseline) ? src.day.avoided : NAN;
            d->extrapolated = src.day.extrapolated;
            d->adjustment = adj;
            cov = adj = 0.0;
        }
        if (i > 0 && j != ndays) {
            snprintf(err, errlen, "project '%s': stream %s closes %zu days, stream %s %zu",
                     r->prj->name, r->streams[0].cfg->name, ndays, r->streams[i].cfg->name, j);
            return -1;
        }
        ndays = j;
        r->open_intervals = open;
    }
    r->nrecords = ndays;
    r->len_ms = MVG_DAY_MS;
    r->daily = 1;
    return 0;
}

int mvg_report_point_extrapolated(const mvg_report_point *p)
{
    return p->in_window && p->phase == MVG_RP_REPORTING && isfinite(p->adjusted_baseline) &&
           p->extrapolated;
}

/* ---- model -------------------------------------------------------------- */

/* The candidates of an auto fit as the model record lists them. */
static void candidates_of(const json_t *a, mvg_report_stream *s)
{
    s->ncand = 0;
    size_t k;
    const json_t *it;
    json_array_foreach(a, k, it)
    {
        if (s->ncand == MVG_MODEL_MAX_CANDIDATES)
            break;
        const char *m = json_string_value(json_object_get(it, "model"));
        const char *why = json_string_value(json_object_get(it, "why"));
        if (!m)
            continue;
        size_t i = s->ncand++;
        snprintf(s->cand[i].model, sizeof s->cand[i].model, "%s", m);
        snprintf(s->cand[i].why, sizeof s->cand[i].why, "%s", why ? why : "");
        s->cand[i].fitted = json_is_true(json_object_get(it, "fitted"));
        s->cand[i].qualified = json_is_true(json_object_get(it, "qualified"));
        s->cand[i].chosen = json_is_true(json_object_get(it, "chosen"));
        s->cand[i].adj_r2 = num_of(json_object_get(it, "adj_r2"));
    }
}

static int load_model(mvg_report *r, char *err, size_t errlen)
{
    char *text = NULL;
    int64_t version = 0;
    if (r->src->model(r->src->ctx, &text, &version, err, errlen) != 0)
        return -1;
    if (!text)
        return 0;
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    free(text);
    if (!doc) {
        snprintf(err, errlen, "model record of %s version %lld: not JSON: %s", r->prj->name,
                 (long long)version, je.text);
        return -1;
    }
    r->has_model_record = 1;
    r->model_version = version;
    const char *fitted = json_string_value(json_object_get(doc, "fitted_at"));
    snprintf(r->fitted_at, sizeof r->fitted_at, "%s", fitted ? fitted : "");
    json_t *it;
    size_t k;
    int rc = 0;
    json_array_foreach(json_object_get(doc, "streams"), k, it)
    {
        const char *n = json_string_value(json_object_get(it, "name"));
        for (size_t i = 0; n && i < r->nstreams; i++) {
            mvg_report_stream *s = &r->streams[i];
            if (strcmp(n, s->cfg->name) != 0)
                continue;
            candidates_of(json_object_get(it, "candidates"), s); /* failed or not */
            json_t *jm = json_object_get(it, "model");
            if (!json_is_object(jm)) {
                /* the fit failed or the stream has no model: the record says why */
                const char *why = json_string_value(json_object_get(it, "error"));
                snprintf(s->model_error, sizeof s->model_error, "%s", why ? why : "no model");
                continue;
            }
            char e[300];
            if (mvg_model_from_json(jm, &s->model, s->xnames, e, sizeof e) != 0) {
                snprintf(err, errlen, "model record of %s version %lld, stream %s: %s",
                         r->prj->name, (long long)version, n, e);
                rc = -1;
                break;
            }
            s->has_model = 1;
            s->model_given = json_is_true(json_object_get(it, "given"));
            json_t *z = json_object_get(it, "screening"); /* model schema 2 */
            if (json_is_true(json_object_get(z, "screened"))) {
                s->outliers = num_of(json_object_get(z, "outliers"));
                s->outliers_excluded = num_of(json_object_get(z, "excluded"));
            }
            /* the baseline's conditions as the record states them: one
             * range per x, in the model's x order */
            const json_t *rg = json_object_get(z, "range");
            if (json_is_array(rg) && json_array_size(rg) == s->model.nx) {
                s->has_range = 1;
                for (size_t j = 0; j < s->model.nx; j++) {
                    s->xmin[j] = num_of(json_object_get(json_array_get(rg, j), "min"));
                    s->xmax[j] = num_of(json_object_get(json_array_get(rg, j), "max"));
                }
                s->range_margin = num_of(json_object_get(z, "range_margin"));
            }
        }
    }
    json_decref(doc);
    return rc;
}

/* ---- window figures ----------------------------------------------------- */

/*
 * Sums the window's reporting records the way the engine's project.c does
 * (adjusted baseline and actual over the valid intervals that have a
 * baseline value, adjustments over every reporting interval) and hands the
 * totals to the engine's savings function, so the report never derives an
 * FSU of its own. The running totals fill the cumulative chart.
 */
/* Totals over m points: the engine's savings function with the stream's
 * model; a VOC stream without a model (its baseline is the inlet mass) has
 * the same totals and no model uncertainty. 0 when the FSU is defined. */
static int totals(const mvg_report_stream *s, size_t m, double base, double act, double conf,
                  mvg_savings *out)
{
    char e[200];
    if (s->has_model) {
        int rc = mvg_savings_from_totals(&s->model, m, base, act, conf, out, e, sizeof e);
        /* the stream's meter, as project.c combines it (savings.h) */
        if (rc == 0 && s->cfg && s->cfg->meter_accuracy > 0)
            rc = mvg_savings_add_meter(out, s->cfg->meter_accuracy, e, sizeof e);
        return rc;
    }
    memset(out, 0, sizeof *out);
    out->m = m;
    out->adjusted_baseline = base;
    out->actual = act;
    out->savings = base - act;
    out->savings_fraction = base != 0.0 ? (base - act) / base : NAN;
    out->confidence = conf;
    out->t = out->n_eff = out->fsu = out->savings_low = out->savings_high = NAN;
    return -1;
}

/*
 * A window that holds the reporting period from its start ends on a record
 * whose cumulative block is the window's figures: take them as signed (the
 * engine sums interval by interval; totals summed here in another order
 * differ in the last digits, and a verifier compares digits). The running
 * figures of the cumulative chart come from each record's block too. A
 * window that starts inside the reporting period keeps the window totals
 * computed above (no record holds them).
 */
static void take_signed(const mvg_report *r, mvg_report_stream *s)
{
    const mvg_report_point *last = NULL;
    for (size_t i = 0; i < r->nrecords; i++) {
        const mvg_report_point *p = &s->pts[i];
        if (p->phase != MVG_RP_REPORTING)
            continue;
        if (!p->in_window && p->start_ms < r->to_ms)
            return; /* the window cuts the reporting period's start */
        if (p->in_window) {
            if (!p->rec_cum.present)
                return;
            last = p;
        }
    }
    if (!last || last->rec_cum.m != s->sav.m)
        return;
    const mvg_report_cum *c = &last->rec_cum;
    s->as_signed = 1;
    s->sav.adjusted_baseline = c->adjusted_baseline;
    s->sav.actual = c->actual;
    s->sav.savings = c->avoided;
    s->sav.savings_fraction = c->savings_fraction;
    s->sav.fsu = c->fsu;
    s->sav.savings_low = c->savings_low;
    s->sav.savings_high = c->savings_high;
    s->fsu_ok = isfinite(c->fsu);
    s->adjustment = c->adjustment;
    s->savings = c->savings;
    s->annual = c->annual_savings;
    s->hours = c->covered_hours;
    for (size_t i = 0; i < r->nrecords; i++) {
        mvg_report_point *p = &s->pts[i];
        if (p->in_window && p->phase == MVG_RP_REPORTING && p->rec_cum.present &&
            p->rec_cum.m > 0) {
            p->cum_savings = p->rec_cum.savings;
            p->cum_low = p->rec_cum.savings_low;
            p->cum_high = p->rec_cum.savings_high;
        }
    }
}

static void window_savings(mvg_report *r, mvg_report_stream *s)
{
    const double conf = r->prj->confidence;
    const double h = (double)r->len_ms / 3600000.0;
    const int can = s->has_model || s->inlet_baseline;
    double base = 0.0, act = 0.0, adj = 0.0, hours = 0.0, pred_sum = 0.0;
    size_t m = 0;
    uint64_t npred = 0;
    /* annual_basis "calendar": the baseline's predictions per class of
     * operation, as the engine takes them (project.h) */
    const mvg_operating *op = r->prj->annual_basis == MVG_ANNUAL_CALENDAR && r->prj->operating.cal
                                  ? &r->prj->operating
                                  : NULL;
    uint64_t cls_n[MVG_CAL_MAX_CLASSES] = {0};
    double cls_sum[MVG_CAL_MAX_CLASSES] = {0};
    /* a tariff: the window's intervals priced and their demand, as the
     * engine adds them (tariff.h) */
    const mvg_stream_cfg *sc = s->cfg;
    mvg_tariff_use tu = {sc->tariff, sc->energy_price, sc->demand_charge, sc->kwh_per_unit,
                         (int64_t)sc->demand_interval_min * 60000, r->len_ms};
    mvg_tariff_acc ta;
    mvg_tariff_acc_init(&ta);
    for (size_t i = 0; i < r->nrecords; i++) {
        mvg_report_point *p = &s->pts[i];
        if (s->has_model)
            p->prediction = p->nx == s->model.nx ? mvg_model_predict(&s->model, p->x) : NAN;
        s->base_valid += p->phase == MVG_RP_BASELINE && p->valid;
        /* the baseline's conditions, for the normalised annual figure */
        if (p->phase == MVG_RP_BASELINE && p->valid && isfinite(p->prediction)) {
            pred_sum += p->prediction;
            npred++;
            if (op) {
                size_t k = mvg_calendar_class(op, p->start_ms);
                cls_n[k]++;
                cls_sum[k] += p->prediction;
            }
        }
        if (!p->in_window || p->phase != MVG_RP_REPORTING)
            continue;
        adj += p->adjustment;
        if (isfinite(p->adjusted_baseline)) {
            s->extrapolated += (size_t)mvg_report_point_extrapolated(p);
            m++;
            hours += h;
            base += p->adjusted_baseline;
            act += p->actual;
            if (sc->tariff && isfinite(p->savings)) {
                int k;
                double cost;
                mvg_tariff_acc_add(&ta, &tu, p->start_ms, p->adjusted_baseline, p->actual,
                                   p->savings, &k, &cost);
            }
        }
        if (!can || m == 0)
            continue;
        mvg_savings run;
        totals(s, m, base, act, conf, &run);
        p->cum_savings = run.savings + adj;
        p->cum_low = run.savings_low;
        p->cum_high = run.savings_high;
    }
    if (!can)
        return;
    s->savings_ok = m > 0;
    s->fsu_ok = totals(s, m, base, act, conf, &s->sav) == 0;
    if (m == 0)
        s->sav.savings_fraction = NAN;
    s->adjustment = adj;
    s->savings = s->sav.savings + adj;
    s->hours = hours;
    double annual_baseline;
    uint64_t year_n[MVG_CAL_MAX_CLASSES];
    char e[160];
    if (op && !s->model_given &&
        mvg_calendar_year_counts(op, r->prj->calendar_year, r->len_ms, year_n, e, sizeof e) == 0)
        mvg_project_annual_calendar(year_n, cls_n, cls_sum, mvg_calendar_nclasses(op),
                                    m > 0 ? s->sav.savings_fraction : NAN, &annual_baseline,
                                    &s->annual);
    else if (op)
        s->annual = NAN; /* a given model, or a year the calendar does not cover */
    else
        mvg_project_annual(pred_sum, s->model_given ? 0 : npred, h,
                           m > 0 ? s->sav.savings_fraction : NAN, &annual_baseline, &s->annual);
    take_signed(r, s);
    mvg_convert_apply(&s->cfg->factors, s->savings, &s->conv);
    if (sc->tariff && m > 0)
        s->conv.cost_hkd = ta.energy_cost + mvg_tariff_acc_demand_cost(&ta, &tu);
    if (isfinite(s->annual))
        mvg_convert_apply(&s->cfg->factors, s->annual, &s->annual_conv);
    else
        mvg_convert_undefined(&s->annual_conv);
    if (sc->tariff && isfinite(s->annual))
        s->annual_conv.cost_hkd = mvg_tariff_acc_annual_cost(&ta, &tu, s->annual, s->savings);
    /* the savings' interval, converted and priced as the savings are */
    int unc = s->fsu_ok && m > 0;
    s->savings_low = unc ? s->sav.savings_low + s->adjustment : NAN;
    s->savings_high = unc ? s->sav.savings_high + s->adjustment : NAN;
    s->annual_low = unc ? s->annual * (1.0 - s->sav.fsu) : NAN;
    s->annual_high = unc ? s->annual * (1.0 + s->sav.fsu) : NAN;
    const double demand = sc->tariff && m > 0 ? mvg_tariff_acc_demand_cost(&ta, &tu) : NAN;
    const double price = sc->tariff ? mvg_tariff_acc_mean_price(&ta, s->savings) : NAN;
    const struct {
        double v;
        mvg_conv_result *out;
        int annual;
    } bounds[] = {{s->savings_low, &s->conv_low, 0},
                  {s->savings_high, &s->conv_high, 0},
                  {s->annual_low, &s->annual_conv_low, 1},
                  {s->annual_high, &s->annual_conv_high, 1}};
    for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++) {
        if (!isfinite(bounds[k].v)) {
            mvg_convert_undefined(bounds[k].out);
            continue;
        }
        mvg_convert_apply(&sc->factors, bounds[k].v, bounds[k].out);
        if (sc->tariff)
            bounds[k].out->cost_hkd =
                bounds[k].annual ? mvg_tariff_acc_annual_cost(&ta, &tu, bounds[k].v, s->savings)
                                 : bounds[k].v * price + demand;
    }
}

/*
 * Coverage of a period: the stream's interval coverage summed over the
 * records and divided by the intervals the period should have held (a
 * missing record counts as 0), the period clipped to the records seen.
 */
static double period_coverage(const mvg_report *r, const mvg_report_stream *s,
                              mvg_report_phase phase, int window_only, int64_t lo, int64_t hi)
{
    double sum = 0.0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < r->nrecords; i++) {
        const mvg_report_point *p = &s->pts[i];
        if (p->phase != phase || (window_only && !p->in_window))
            continue;
        if (isfinite(p->coverage))
            sum += p->coverage;
        if (p->start_ms < first)
            first = p->start_ms;
        if (p->end_ms > last)
            last = p->end_ms;
    }
    if (first == INT64_MAX)
        return NAN;
    if (lo > first)
        first = lo;
    if (hi < last)
        last = hi;
    double expected = (double)(last - first) / (double)r->len_ms;
    return expected > 0 ? sum / expected : NAN;
}

const char *mvg_report_excl_name(mvg_report_excl_why why)
{
    return why == MVG_EXCL_LOW_COVERAGE ? "low_coverage"
           : why == MVG_EXCL_NO_BASELINE ? "no_baseline"
                                         : "missing";
}

static int add_excl(mvg_report_stream *s, size_t *cap, int64_t a, int64_t b, size_t n,
                    mvg_report_excl_why why, double cov)
{
    mvg_report_excl *grown = mvg_vec_reserve(s->excl, s->nexcl, cap, sizeof *grown, 16);
    if (!grown)
        return -1;
    s->excl = grown;
    s->excl[s->nexcl++] = (mvg_report_excl){a, b, n, why, cov};
    return 0;
}

/*
 * The window's reporting intervals, one by one: those counted (a baseline
 * value: the savings' m), those recorded but not counted and why, and the
 * spans with no record at all between two records. As in period_coverage
 * the period is clipped to the records seen: the report cannot tell a
 * gateway that started late or is still running from one that was down.
 */
static int reporting_use(const mvg_report *r, mvg_report_stream *s)
{
    size_t cap = 0;
    int64_t next = INT64_MIN;
    s->rep_expected = s->rep_used = 0;
    for (size_t i = 0; i < r->nrecords; i++) {
        const mvg_report_point *p = &s->pts[i];
        if (p->phase != MVG_RP_REPORTING || !p->in_window)
            continue;
        if (next != INT64_MIN && p->start_ms > next) {
            size_t n = (size_t)((p->start_ms - next + r->len_ms - 1) / r->len_ms);
            s->rep_expected += n;
            if (add_excl(s, &cap, next, p->start_ms, n, MVG_EXCL_MISSING, NAN) != 0)
                return -1;
        }
        next = p->end_ms;
        s->rep_expected++;
        if (isfinite(p->adjusted_baseline)) {
            s->rep_used++;
            continue;
        }
        if (add_excl(s, &cap, p->start_ms, p->end_ms, 1,
                     p->valid ? MVG_EXCL_NO_BASELINE : MVG_EXCL_LOW_COVERAGE, p->coverage) != 0)
            return -1;
    }
    return 0;
}

static int build_days(mvg_report *r)
{
    if (r->nwindow == 0)
        return 0;
    int64_t d0 = r->win_first_ms - ((r->win_first_ms % DAY_MS) + DAY_MS) % DAY_MS;
    size_t nd = (size_t)((r->win_last_ms - 1 - d0) / DAY_MS) + 1;
    r->days = calloc(nd, sizeof *r->days);
    if (!r->days)
        return -1;
    r->ndays = nd;
    /* one pass over the records, binned by day */
    for (size_t k = 0; k < r->nrecords; k++)
        for (size_t i = 0; i < r->nstreams; i++) {
            const mvg_report_point *p = &r->streams[i].pts[k];
            if (p->in_window && isfinite(p->coverage))
                r->days[(size_t)((p->start_ms - d0) / DAY_MS)].cov[i] += p->coverage;
        }
    for (size_t d = 0; d < nd; d++) {
        int64_t lo = d0 + (int64_t)d * DAY_MS, hi = lo + DAY_MS;
        r->days[d].day_ms = lo;
        int64_t a = lo > r->win_first_ms ? lo : r->win_first_ms;
        int64_t b = hi < r->win_last_ms ? hi : r->win_last_ms;
        double expected = (double)(b - a) / (double)r->len_ms;
        for (size_t i = 0; i < r->nstreams; i++)
            r->days[d].cov[i] = expected > 0 ? r->days[d].cov[i] / expected : NAN;
    }
    return 0;
}

/* ---- meters ------------------------------------------------------------- */

const char *mvg_report_role_name(int i)
{
    static const char *const names[MVG_REPORT_ROLES] = {
        "actual",        "independent",          "concentration",
        "o2",            "flue_flow",            "inlet_concentration",
        "inlet_flow",    "outlet_concentration", "outlet_flow"};
    return i >= 0 && i < MVG_REPORT_ROLES ? names[i] : "?";
}

static int add_meter(mvg_report *r, size_t *cap, const mvg_ref_cfg *ref, unsigned role,
                     const char *stream)
{
    for (size_t i = 0; i < r->nmeters; i++) {
        mvg_report_meter *m = &r->meters[i];
        if (strcmp(m->channel, ref->channel) == 0) {
            if (!strstr(m->streams, stream)) {
                size_t l = strlen(m->streams);
                snprintf(m->streams + l, sizeof m->streams - l, ", %s", stream);
            }
            m->roles |= role;
            return 0;
        }
    }
    mvg_report_meter *grown = mvg_vec_reserve(r->meters, r->nmeters, cap, sizeof *grown, 8);
    if (!grown)
        return -1;
    r->meters = grown;
    mvg_report_meter *m = &r->meters[r->nmeters++];
    memset(m, 0, sizeof *m);
    snprintf(m->channel, sizeof m->channel, "%s", ref->channel);
    snprintf(m->streams, sizeof m->streams, "%s", stream);
    m->roles = role;
    r->src->describe(r->src->ctx, m);
    return 0;
}

static int gather_meters(mvg_report *r)
{
    size_t cap = 0;
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_stream_cfg *s = r->streams[i].cfg;
        int rc = 0;
        if (s->has_actual)
            rc |= add_meter(r, &cap, &s->actual, MVG_REPORT_ROLE_ACTUAL, s->name);
        if (s->has_flue) {
            rc |= add_meter(r, &cap, &s->conc, MVG_REPORT_ROLE_CONC, s->name);
            if (s->has_o2)
                rc |= add_meter(r, &cap, &s->o2, MVG_REPORT_ROLE_O2, s->name);
            rc |= add_meter(r, &cap, &s->flow, MVG_REPORT_ROLE_FLOW, s->name);
        }
        if (s->type == MVG_STREAM_VOC && !s->has_actual) {
            rc |= add_meter(r, &cap, &s->in_conc, MVG_REPORT_ROLE_IN_CONC, s->name);
            rc |= add_meter(r, &cap, &s->in_flow, MVG_REPORT_ROLE_IN_FLOW, s->name);
            rc |= add_meter(r, &cap, &s->out_conc, MVG_REPORT_ROLE_OUT_CONC, s->name);
            rc |= add_meter(r, &cap, &s->out_flow, MVG_REPORT_ROLE_OUT_FLOW, s->name);
        }
        for (size_t j = 0; j < s->nx; j++)
            rc |= add_meter(r, &cap, &s->x[j], MVG_REPORT_ROLE_DRIVER, s->name);
        if (rc)
            return -1;
    }
    return 0;
}

/* Each x's unit from the meter that supplies it, and the factors of the
 * stream's conversions from the engine's own list. */
static void describe_streams(mvg_report *r)
{
    for (size_t i = 0; i < r->nstreams; i++) {
        mvg_report_stream *s = &r->streams[i];
        const mvg_stream_cfg *c = s->cfg;
        for (size_t j = 0; j < c->nx && j < MVG_MODEL_MAX_X; j++)
            for (size_t k = 0; k < r->nmeters; k++)
                if (strcmp(r->meters[k].channel, c->x[j].channel) == 0) {
                    snprintf(s->xunit[j], sizeof s->xunit[j], "%s", r->meters[k].unit);
                    s->xgauge[j] = r->meters[k].is_point && !r->meters[k].counter;
                }
        s->nfactors = mvg_convert_factors_used(&c->factors, s->factors);
        /* a tariff prices the stream: its prices instead of a cost per unit */
        if (!c->tariff)
            continue;
        if (s->nfactors && strcmp(s->factors[s->nfactors - 1].name, "cost_per_unit") == 0)
            s->nfactors--;
        mvg_conv_factor_use e = {"energy_price", c->energy_price, NULL, "HK$/kWh", NULL, 0};
        mvg_conv_factor_use d = {"demand_charge", c->demand_charge, NULL, "HK$/kW", NULL, 0};
        s->factors[s->nfactors++] = e;
        s->factors[s->nfactors++] = d;
    }
}

void mvg_report_coef_unit(const mvg_report *r, const mvg_report_stream *s, size_t k, char *buf,
                          size_t len)
{
    const mvg_model *m = &s->model;
    const char *u = s->cfg->factors.unit;
    const char *xu = s->xunit[0][0] ? s->xunit[0] : s->xnames[0];
    buf[0] = '\0';
    if (m->type == MVG_MODEL_TOWT || k >= m->ncoef + m->ncp)
        return;
    if (k >= m->ncoef) { /* a change point, or a degree-day form's balance point */
        snprintf(buf, len, "%s", xu);
        return;
    }
    /* a model row: the project's interval, or the day or month the rows
     * were aggregated to */
    char row[32];
    if (m->granularity == MVG_GRAN_DAILY)
        snprintf(row, sizeof row, "d");
    else if (m->granularity == MVG_GRAN_MONTHLY)
        snprintf(row, sizeof row, "month");
    else
        snprintf(row, sizeof row, "%d min", r->prj->interval_min);
    int has_b0 = m->type != MVG_MODEL_INTENSITY;
    if (has_b0 && k == 0) {
        snprintf(buf, len, strchr(row, ' ') ? "%s/(%s)" : "%s/%s", u, row);
        return;
    }
    if (m->type == MVG_MODEL_HDD || m->type == MVG_MODEL_CDD || m->type == MVG_MODEL_HDD_CDD) {
        snprintf(buf, len, "%s/(%s\xc2\xb7" "d)", u, xu); /* per degree-day */
        return;
    }
    /* a slope: on the x the engine says the coefficient multiplies (x_j
     * of the linear form, a change-point form's further x, else the one
     * x); per unit of an amount per row (a counter's m3), or per row and
     * unit of a level (a gauge's bar) */
    int jx = mvg_model_coef_x(m, k);
    if (jx < 0 || jx >= MVG_MODEL_MAX_X)
        return;
    size_t j = (size_t)jx;
    const char *xj = s->xunit[j][0] ? s->xunit[j] : s->xnames[j];
    if (s->xgauge[j])
        snprintf(buf, len, "%s/(%s\xc2\xb7%s)", u, row, xj);
    else
        snprintf(buf, len, "%s/%s", u, xj);
}

/* ---- the flat figure list ------------------------------------------------ */

typedef struct {
    mvg_report *r;
    size_t cap;
    int oom;
} figs;

static void fig(figs *f, const char *section, const char *unit, double v, int is_int,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void fig(figs *f, const char *section, const char *unit, double v, int is_int,
                const char *fmt, ...)
{
    mvg_report *r = f->r;
    mvg_report_fig *n = mvg_vec_reserve(r->figs, r->nfigs, &f->cap, sizeof *n, 64);
    if (!n) {
        f->oom = 1;
        return;
    }
    r->figs = n;
    mvg_report_fig *g = &r->figs[r->nfigs++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->key, sizeof g->key, fmt, ap);
    va_end(ap);
    snprintf(g->section, sizeof g->section, "%s", section);
    snprintf(g->unit, sizeof g->unit, "%s", unit ? unit : "");
    g->value = v;
    g->is_int = is_int;
}

static void model_figures(figs *f, const mvg_report_stream *s)
{
    const char *n = s->cfg->name;
    const mvg_model *m = &s->model;
    char names[MVG_MODEL_MAX_COEF + 2][24];
    size_t nn = mvg_report_coef_names(m, names, MVG_MODEL_MAX_COEF + 2);
    for (size_t k = 0; k < nn; k++) {
        char cu[96];
        mvg_report_coef_unit(f->r, s, k, cu, sizeof cu);
        if (k < m->ncoef) {
            fig(f, "model", cu, m->coef[k], 0, "model.%s.%s", n, names[k]);
            fig(f, "model", cu, m->std_err[k], 0, "model.%s.%s.se", n, names[k]);
            fig(f, "model", "", m->t_stat[k], 0, "model.%s.%s.t", n, names[k]);
        } else {
            fig(f, "model", cu, m->cp[k - m->ncoef], 0, "model.%s.%s", n, names[k]);
        }
    }
    fig(f, "model", "", (double)m->n, 1, "model.%s.n", n);
    fig(f, "model", "", (double)m->p, 1, "model.%s.p", n);
    fig(f, "model", "", m->r2, 0, "model.%s.r2", n);
    fig(f, "model", "", m->adj_r2, 0, "model.%s.adj_r2", n);
    fig(f, "model", "", m->cv_rmse, 0, "model.%s.cv_rmse", n);
    fig(f, "model", "", m->nmbe, 0, "model.%s.nmbe", n);
    fig(f, "model", "", m->rho, 0, "model.%s.rho", n);
    fig(f, "model", "", (double)m->pass, 1, "model.%s.pass", n);
    fig(f, "model", "", s->outliers, 1, "model.%s.outliers", n);
    fig(f, "model", "", s->outliers_excluded, 1, "model.%s.outliers_excluded", n);
    /* the thresholds the verdict was given by (the project's criteria) */
    fig(f, "model", "", f->r->prj->criteria.max_cv_rmse, 0, "model.%s.max_cv_rmse", n);
    fig(f, "model", "", f->r->prj->criteria.max_abs_nmbe, 0, "model.%s.max_abs_nmbe", n);
}

/* The baseline's conditions (the record's x ranges, the valid intervals
 * and their hours) and the conversions' factors, one figure each. */
static void condition_figures(figs *f, const mvg_report_stream *s)
{
    const char *n = s->cfg->name;
    double h = (double)f->r->len_ms / 3600000.0;
    fig(f, "baseline", "", (double)s->base_valid, 1, "baseline.%s.intervals", n);
    fig(f, "baseline", "h", (double)s->base_valid * h, 0, "baseline.%s.hours", n);
    for (size_t j = 0; s->has_range && j < s->model.nx; j++) {
        fig(f, "baseline", s->xunit[j], s->xmin[j], 0, "baseline.%s.x%zu.min", n, j + 1);
        fig(f, "baseline", s->xunit[j], s->xmax[j], 0, "baseline.%s.x%zu.max", n, j + 1);
    }
    if (s->has_range)
        fig(f, "baseline", "", s->range_margin, 0, "baseline.%s.range_margin", n);
    for (size_t k = 0; k < s->nfactors; k++)
        if (!s->factors[k].text)
            fig(f, "factors", s->factors[k].unit, s->factors[k].value, 0, "factors.%s.%s", n,
                s->factors[k].name);
}

static void build_figures(mvg_report *r, figs *f)
{
    static const char *const phase_keys[MVG_RP_COUNT] = {"baseline", "installation", "reporting",
                                                         "other"};
    for (int p = 0; p < MVG_RP_COUNT; p++)
        fig(f, "periods", "", (double)r->seen[p].count, 1, "periods.%s.records", phase_keys[p]);
    fig(f, "periods", "", (double)r->nwindow, 1, "periods.window.records");
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        const char *n = s->cfg->name, *u = s->cfg->factors.unit;
        fig(f, "coverage", "", s->cov_baseline, 0, "coverage.%s.baseline", n);
        fig(f, "coverage", "", s->cov_reporting, 0, "coverage.%s.reporting", n);
        fig(f, "coverage", "", (double)s->rep_expected, 1, "coverage.%s.intervals_expected", n);
        fig(f, "coverage", "", (double)s->rep_used, 1, "coverage.%s.intervals_used", n);
        fig(f, "coverage", "",
            s->rep_expected ? (double)s->rep_used / (double)s->rep_expected : NAN, 0,
            "coverage.%s.used", n);
        if (s->has_model)
            model_figures(f, s);
        condition_figures(f, s);
        if (!s->savings_ok)
            continue;
        fig(f, "savings", "", (double)s->sav.m, 1, "savings.%s.m", n);
        fig(f, "savings", "h", s->hours, 0, "savings.%s.hours", n);
        fig(f, "savings", "", (double)s->extrapolated, 1, "savings.%s.extrapolated", n);
        fig(f, "savings", u, s->sav.adjusted_baseline, 0, "savings.%s.adjusted_baseline", n);
        fig(f, "savings", u, s->sav.actual, 0, "savings.%s.actual", n);
        fig(f, "savings", u, s->sav.savings, 0, "savings.%s.avoided", n);
        fig(f, "savings", u, s->adjustment, 0, "savings.%s.adjustment", n);
        fig(f, "savings", u, s->savings, 0, "savings.%s.savings", n);
        fig(f, "savings", "", s->sav.savings_fraction, 0, "savings.%s.fraction", n);
        fig(f, "savings", "", r->prj->confidence, 0, "savings.%s.confidence", n);
        fig(f, "savings", "", s->fsu_ok ? s->sav.fsu : NAN, 0, "savings.%s.fsu", n);
        fig(f, "savings", u, s->fsu_ok ? s->sav.savings_low : NAN, 0, "savings.%s.low", n);
        fig(f, "savings", u, s->fsu_ok ? s->sav.savings_high : NAN, 0, "savings.%s.high", n);
        fig(f, "savings", u, s->savings_low, 0, "savings.%s.savings.low", n);
        fig(f, "savings", u, s->savings_high, 0, "savings.%s.savings.high", n);
        fig(f, "annual", u, s->annual, 0, "annual.%s.savings", n);
        fig(f, "annual", u, s->annual_low, 0, "annual.%s.savings.low", n);
        fig(f, "annual", u, s->annual_high, 0, "annual.%s.savings.high", n);
        /* each conversion: the figure, then its interval's bounds */
        const struct {
            const char *section, *suffix;
            const mvg_conv_result *c;
        } convs[] = {{"savings", "", &s->conv},
                     {"savings", ".low", &s->conv_low},
                     {"savings", ".high", &s->conv_high},
                     {"annual", "", &s->annual_conv},
                     {"annual", ".low", &s->annual_conv_low},
                     {"annual", ".high", &s->annual_conv_high}};
        mvg_report_conv cv[8];
        size_t nf = mvg_report_convs(s->cfg, cv, 8);
        for (size_t c = 0; c < sizeof convs / sizeof convs[0]; c++)
            for (size_t k = 0; k < nf; k++)
                fig(f, convs[c].section, cv[k].unit, mvg_report_conv_value(&cv[k], convs[c].c), 0,
                    "%s.%s.%s%s", convs[c].section, n, cv[k].name, convs[c].suffix);
    }
    fig(f, "chain", "", (double)r->chain.records, 1, "chain.records");
    fig(f, "chain", "", (double)r->chain_ok, 1, "chain.ok");
}

const mvg_report_fig *mvg_report_fig_find(const mvg_report *r, const char *key)
{
    for (size_t i = 0; i < r->nfigs; i++)
        if (strcmp(r->figs[i].key, key) == 0)
            return &r->figs[i];
    return NULL;
}

/* ---- build -------------------------------------------------------------- */

void mvg_report_free(mvg_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nstreams; i++) {
        free(r->streams[i].pts);
        free(r->streams[i].excl);
    }
    free(r->meters);
    free(r->days);
    free(r->figs);
    free(r);
}

mvg_report *mvg_report_build(const mvg_report_req *req, char *err, size_t errlen)
{
    const mvg_report_source *src = req->src;
    const mvg_project_cfg *prj = src->prj;
    if (req->from_ms >= req->to_ms) {
        snprintf(err, errlen, "the window is empty: --from must come before --to");
        return NULL;
    }
    mvg_report *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->src = src;
    r->prj = prj;
    r->from_ms = req->from_ms;
    r->to_ms = req->to_ms;
    r->windowed = req->from_ms != INT64_MIN || req->to_ms != INT64_MAX;
    r->generated_ms = req->now_ms;
    r->len_ms = (int64_t)prj->interval_min * 60000;
    r->nstreams = prj->nstreams < MVG_PROJECT_MAX_STREAMS ? prj->nstreams : MVG_PROJECT_MAX_STREAMS;
    for (size_t i = 0; i < r->nstreams; i++) {
        r->streams[i].cfg = &prj->streams[i];
        r->streams[i].inlet_baseline = !prj->streams[i].has_model;
        r->streams[i].outliers = r->streams[i].outliers_excluded = NAN; /* until model/2 says */
    }

    walk w = {r, prj->name, err, errlen, 0};
    if (src->foreach_interval(src->ctx, on_record, &w, err, errlen) != 0)
        goto fail;
    if (r->nrecords == 0) {
        snprintf(err, errlen, "project '%s' has no interval records %s yet", prj->name,
                 src->hub ? "verified at the hub" : "in the store");
        goto fail;
    }
    if (r->nwindow == 0) {
        char a[40], b[40];
        mvg_payload_time(req->from_ms == INT64_MIN ? r->seen[0].first_ms : req->from_ms, a, sizeof a);
        snprintf(b, sizeof b, "%s", req->to_ms == INT64_MAX ? "the end" : "");
        if (req->to_ms != INT64_MAX)
            mvg_payload_time(req->to_ms, b, sizeof b);
        snprintf(err, errlen, "project '%s' has no interval record starting in [%s, %s)",
                 prj->name, req->from_ms == INT64_MIN ? "the start" : a, b);
        goto fail;
    }
    if (prj->granularity == MVG_PRJ_GRAN_DAILY && fold_days(r, err, errlen) != 0)
        goto fail;
    if (load_model(r, err, errlen) != 0)
        goto fail;
    if (src->chain(src->ctx, &r->chain, err, errlen) != 0)
        goto fail;
    r->chain_ok = r->chain.verdict == MVG_CHAIN_V_OK;
    for (size_t i = 0; i < r->nstreams; i++) {
        mvg_report_stream *s = &r->streams[i];
        window_savings(r, s);
        s->cov_baseline = period_coverage(r, s, MVG_RP_BASELINE, 0, prj->baseline_start_ms,
                                          prj->baseline_end_ms);
        int64_t lo = prj->reporting_start_ms > r->from_ms ? prj->reporting_start_ms : r->from_ms;
        int64_t hi = prj->has_reporting_end ? prj->reporting_end_ms : INT64_MAX;
        if (r->to_ms < hi)
            hi = r->to_ms;
        s->cov_reporting = period_coverage(r, s, MVG_RP_REPORTING, 1, lo, hi);
        if (reporting_use(r, s) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (gather_meters(r) != 0 || build_days(r) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    describe_streams(r);
    r->criteria_source = mvg_model_criteria_source(&prj->criteria);
    figs f = {r, 0, 0};
    build_figures(r, &f);
    if (f.oom) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return r;
fail:
    mvg_report_free(r);
    return NULL;
}
