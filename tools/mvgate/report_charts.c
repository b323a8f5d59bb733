/*
 * report_charts.c: the figures of the HTML report (report_html.h): the
 * columns each chart needs gathered from the report's points, then drawn
 * as inline SVG by report_svg.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"
#include "report_html.h"

/* The columns of one stream's charts: time and up to six series, and the
 * spans of time (g0 to g1) a chart shades as gaps. */
typedef struct {
    double *t, *a, *b, *c, *d, *e, *f;
    size_t n;
    double *g0, *g1;
    size_t ng;
} cols;

static int cols_alloc(cols *c, size_t n)
{
    memset(c, 0, sizeof *c);
    double **col[] = {&c->t, &c->a, &c->b, &c->c, &c->d, &c->e, &c->f, &c->g0, &c->g1};
    int ok = 1;
    for (size_t i = 0; i < sizeof col / sizeof col[0]; i++)
        ok &= (*col[i] = calloc(n ? n : 1, sizeof(double))) != NULL;
    return ok ? 0 : -1;
}

static void cols_free(cols *c)
{
    double *col[] = {c->t, c->a, c->b, c->c, c->d, c->e, c->f, c->g0, c->g1};
    for (size_t i = 0; i < sizeof col / sizeof col[0]; i++)
        free(col[i]);
}

/* A chart's row of one point: 0 when the point is not on the chart. */
typedef int (*row_fn)(const mvg_report_point *pt, cols *c, size_t row);

/* Baseline: time, actual, the model's prediction, the first variable. */
static int baseline_row(const mvg_report_point *pt, cols *c, size_t row)
{
    if (pt->phase != MVG_RP_BASELINE)
        return 0;
    c->t[row] = (double)pt->start_ms;
    c->a[row] = pt->valid ? pt->actual : NAN;
    c->b[row] = pt->valid ? pt->prediction : NAN;
    c->c[row] = pt->nx ? pt->x[0] : NAN;
    return 1;
}

/* Reporting (inside the window): time, adjusted baseline, actual,
 * cumulative savings and the band's upper and lower edges. */
static int reporting_row(const mvg_report_point *pt, cols *c, size_t row)
{
    if (pt->phase != MVG_RP_REPORTING || !pt->in_window)
        return 0;
    c->t[row] = (double)pt->start_ms;
    c->a[row] = pt->adjusted_baseline;
    c->b[row] = pt->valid ? pt->actual : NAN;
    c->c[row] = pt->cum_savings;
    c->d[row] = pt->cum_high;
    c->e[row] = pt->cum_low;
    /* a counted interval whose x lies outside the baseline's range */
    c->f[row] = mvg_report_point_extrapolated(pt) ? pt->actual : NAN;
    return 1;
}

/* A span to shade from t to t_end; one span for a gap that runs on. */
static void add_span(cols *c, double t, double t_end)
{
    if (c->ng > 0 && c->g1[c->ng - 1] == t) {
        c->g1[c->ng - 1] = t_end;
        return;
    }
    c->g0[c->ng] = t;
    c->g1[c->ng++] = t_end;
}

/* A stretch with no record: a row of NaN at t (every line breaks there)
 * and its span. */
static void gap(cols *c, double t, double t_end)
{
    double *col[] = {c->a, c->b, c->c, c->d, c->e, c->f};
    c->t[c->n] = t;
    for (size_t i = 0; i < sizeof col / sizeof col[0]; i++)
        col[i][c->n] = NAN;
    c->n++;
    add_span(c, t, t_end);
}

/* The columns of stream s's chart, one row per point that row takes. 0,
 * or -1 when out of memory (nothing to free then). */
static int gather(const mvg_report *r, const mvg_report_stream *s, row_fn row, cols *c)
{
    /* a row per record and at most one gap before each */
    if (cols_alloc(c, 2 * r->nrecords) != 0) {
        cols_free(c);
        return -1;
    }
    double last_end = NAN;
    for (size_t k = 0; k < r->nrecords; k++) {
        const mvg_report_point *pt = &s->pts[k];
        size_t at = c->n;
        if (!row(pt, c, at))
            continue;
        /* no record between the last row's end and this start: a gap (the
         * line must not be drawn straight across it) */
        if (isfinite(last_end) && (double)pt->start_ms > last_end) {
            gap(c, last_end, (double)pt->start_ms);
            row(pt, c, c->n);
        }
        c->n++;
        last_end = (double)pt->end_ms;
        /* a record not counted (low coverage, or no baseline value in the
         * reporting period) is shaded as a gap too */
        int counted = pt->phase == MVG_RP_REPORTING ? isfinite(pt->adjusted_baseline) : pt->valid;
        if (!counted)
            add_span(c, (double)pt->start_ms, (double)pt->end_ms);
    }
    return 0;
}

static void figure(const page *p, mvg_text title, const char *stream, const mvg_svg_chart *ch,
                   const mvg_svg_series *s, size_t ns)
{
    char aria[300];
    snprintf(aria, sizeof aria, "%s \xe2\x80\x94 %s", T(p, title), stream);
    mvg_svg_chart c = *ch;
    c.aria = aria;
    mvg_svg_figure(p->out, aria, T(p, MVG_T_NO_DATA), &c, s, ns);
}

int mvg_report_html_baseline_charts(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "baseline", MVG_T_SEC_BASELINE);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        cols c;
        if (gather(r, s, baseline_row, &c) != 0)
            return -1;
        char yl[120], xl[200];
        snprintf(yl, sizeof yl, "%s [%s]", T(p, MVG_T_ACTUAL), s->cfg->factors.unit);
        mvg_svg_series ts[3] = {
            {T(p, MVG_T_ACTUAL), MVG_SVG_LINE, c.t, c.a, NULL, c.n, "#1f4e9a", 0},
            {T(p, MVG_T_PREDICTION), MVG_SVG_LINE, c.t, c.b, NULL, c.n, "#d2691e", 1},
            {T(p, MVG_T_GAP_BASE), MVG_SVG_SPANS, c.g0, NULL, c.g1, c.ng, "#777", 0},
        };
        size_t nts = s->has_model ? 2 : 1;
        if (c.ng)
            ts[nts++] = ts[2];
        mvg_svg_chart ch = {T(p, MVG_T_TIME_AXIS), yl, 1, 0, 0, 0, NULL};
        figure(p, MVG_T_CHART_BASE_TS, s->cfg->name, &ch, ts, nts);
        if (s->cfg->nx > 0) {
            /* the fitted model along the first variable, the others at their
             * baseline means (exact for one-variable models) */
            double lo = INFINITY, hi = -INFINITY, mean[MVG_MODEL_MAX_X] = {0};
            size_t cnt = 0;
            for (size_t k = 0; k < r->nrecords; k++) {
                const mvg_report_point *pt = &s->pts[k];
                if (pt->phase != MVG_RP_BASELINE || !pt->valid || pt->nx == 0)
                    continue;
                lo = fmin(lo, pt->x[0]);
                hi = fmax(hi, pt->x[0]);
                for (size_t j = 0; j < pt->nx; j++)
                    mean[j] += pt->x[j];
                cnt++;
            }
            double cx[64], cy[64];
            size_t nc = 0;
            if (s->has_model && cnt > 0 && s->model.nx == s->cfg->nx) {
                for (size_t j = 0; j < s->model.nx; j++)
                    mean[j] /= (double)cnt;
                for (size_t k = 0; k < 64; k++) {
                    double xv[MVG_MODEL_MAX_X];
                    memcpy(xv, mean, sizeof xv);
                    xv[0] = lo + (hi - lo) * (double)k / 63.0;
                    cx[nc] = xv[0];
                    cy[nc++] = mvg_model_predict(&s->model, xv);
                }
            }
            mvg_svg_series sc[2] = {
                {T(p, MVG_T_ACTUAL), MVG_SVG_POINTS, c.c, c.a, NULL, c.n, "#1f4e9a", 0},
                {T(p, MVG_T_FITTED_CURVE), MVG_SVG_LINE, cx, cy, NULL, nc, "#d2691e", 0},
            };
            const mvg_report_meter *mt = NULL;
            for (size_t k = 0; k < r->nmeters; k++)
                if (strcmp(r->meters[k].channel, s->cfg->x[0].channel) == 0)
                    mt = &r->meters[k];
            snprintf(xl, sizeof xl, "%s [%s]", s->cfg->x[0].channel,
                     mt && mt->unit[0] ? mt->unit : "-");
            mvg_svg_chart sch = {xl, yl, 0, 0, 0, 0, NULL};
            figure(p, MVG_T_CHART_SCATTER, s->cfg->name, &sch, sc, nc ? 2 : 1);
        }
        cols_free(&c);
    }
    fputs("</section>\n", o);
    return 0;
}

int mvg_report_html_reporting_charts(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "reporting", MVG_T_SEC_REPORTING);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        cols c;
        if (gather(r, s, reporting_row, &c) != 0)
            return -1;
        char yl[120];
        snprintf(yl, sizeof yl, "%s [%s]", T(p, MVG_T_SAVINGS), s->cfg->factors.unit);
        char yl2[120];
        snprintf(yl2, sizeof yl2, "%s [%s]", T(p, MVG_T_ACTUAL), s->cfg->factors.unit);
        /* the intervals not counted shaded, the extrapolated ones marked:
         * each in the legend only when the window has one */
        size_t nx = 0;
        for (size_t k = 0; k < c.n; k++)
            nx += isfinite(c.f[k]);
        mvg_svg_series ts[4] = {
            {T(p, MVG_T_ADJ_BASELINE), MVG_SVG_LINE, c.t, c.a, NULL, c.n, "#d2691e", 1},
            {T(p, MVG_T_ACTUAL), MVG_SVG_LINE, c.t, c.b, NULL, c.n, "#1f4e9a", 0},
        };
        size_t nts = 2;
        if (nx)
            ts[nts++] = (mvg_svg_series){T(p, MVG_T_EXTRAP_POINT), MVG_SVG_POINTS, c.t, c.f,
                                         NULL, c.n, "#b00", 0};
        if (c.ng)
            ts[nts++] = (mvg_svg_series){T(p, MVG_T_GAP_REP), MVG_SVG_SPANS, c.g0, NULL, c.g1,
                                         c.ng, "#777", 0};
        mvg_svg_chart ch = {T(p, MVG_T_TIME_AXIS), yl2, 1, 0, 0, 0, NULL};
        figure(p, MVG_T_CHART_REP_TS, s->cfg->name, &ch, ts, nts);
        char band_label[160];
        char cf[32];
        snprintf(band_label, sizeof band_label, "%s (%s)", T(p, MVG_T_UNC_BAND),
                 mvg_report_fmt_pct(r->prj->confidence, 3, cf, sizeof cf));
        mvg_svg_series cs[2] = {
            {band_label, MVG_SVG_BAND, c.t, c.e, c.d, c.n, "#2a7d2a", 0},
            {T(p, MVG_T_CUM_SAVINGS), MVG_SVG_LINE, c.t, c.c, NULL, c.n, "#2a7d2a", 0},
        };
        mvg_svg_chart cch = {T(p, MVG_T_TIME_AXIS), yl, 1, 1, 0, 0, NULL};
        figure(p, MVG_T_CHART_CUM, s->cfg->name, &cch, cs, 2);
        cols_free(&c);
    }
    fputs("</section>\n", o);
    return 0;
}

int mvg_report_html_coverage_chart(const page *p)
{
    const mvg_report *r = p->r;
    double *x = calloc(r->ndays ? r->ndays : 1, sizeof *x);
    double *y = calloc((r->ndays ? r->ndays : 1) * r->nstreams, sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return -1;
    }
    static const char *const colors[] = {"#1f4e9a", "#d2691e", "#2a7d2a", "#8b1a8b",
                                         "#b8860b", "#008b8b", "#696969", "#b22222"};
    mvg_svg_series ss[MVG_PROJECT_MAX_STREAMS];
    for (size_t d = 0; d < r->ndays; d++)
        x[d] = (double)r->days[d].day_ms + 43200000.0;
    for (size_t i = 0; i < r->nstreams; i++) {
        for (size_t d = 0; d < r->ndays; d++)
            y[i * r->ndays + d] = r->days[d].cov[i];
        ss[i] = (mvg_svg_series){r->streams[i].cfg->name, MVG_SVG_BARS, x, y + i * r->ndays,
                                 NULL, r->ndays, colors[i % 8], 0};
    }
    char yl[80];
    snprintf(yl, sizeof yl, "%s [%%]", T(p, MVG_T_COVERAGE));
    mvg_svg_chart ch = {T(p, MVG_T_DAY_AXIS), yl, 1, 1, 1, 86400000.0 * 0.8, NULL};
    figure(p, MVG_T_CHART_COVERAGE, r->prj->name, &ch, ss, r->nstreams);
    free(x);
    free(y);
    return 0;
}
