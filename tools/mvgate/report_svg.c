/*
 * report_svg.c: inline SVG charts of the report (report_svg.h).
 */
#include "report_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "report_fmt.h"
#include "timefmt.h"

#define W 720.0
#define H 320.0
#define ML 78.0  /* room for the y tick labels and the y title */
#define MR 18.0
#define MT 14.0
#define MB 86.0  /* x tick labels (two lines), x title, legend */

int mvg_svg_nice_ticks(double lo, double hi, int max_ticks, mvg_svg_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (!isfinite(lo) || !isfinite(hi) || lo > hi)
        return -1;
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > MVG_SVG_MAX_TICKS)
        max_ticks = MVG_SVG_MAX_TICKS;
    /* a span below the values' own precision is one value: ticks a step
     * apart would round onto each other */
    if (hi - lo <= (fabs(lo) + fabs(hi)) * 1e-12) {
        lo = hi = (lo + hi) / 2;
        double d = lo == 0.0 ? 1.0 : fabs(lo) * 0.1;
        if (lo == 0.0)
            hi = 1.0;
        else {
            lo -= d;
            hi += d;
        }
    }
    double span = hi - lo;
    double mag = pow(10.0, floor(log10(span / (max_ticks - 1))));
    static const double mult[] = {1, 2, 5, 10, 20, 50};
    for (size_t i = 0; i < sizeof mult / sizeof *mult; i++) {
        double step = mult[i] * mag;
        double a = floor(lo / step + 1e-9) * step, b = ceil(hi / step - 1e-9) * step;
        double n = round((b - a) / step) + 1;
        if (n <= max_ticks) {
            t->lo = a;
            t->hi = b;
            t->step = step;
            t->n = (size_t)n;
            for (size_t k = 0; k < t->n; k++) {
                t->v[k] = a + (double)k * step;
                if (fabs(t->v[k]) < step * 1e-9)
                    t->v[k] = 0.0; /* no "-0" label */
                if (k > 0 && !(t->v[k] > t->v[k - 1]))
                    break; /* subnormal or overflowing values: no usable axis */
                if (k + 1 == t->n)
                    return 0;
            }
            memset(t, 0, sizeof *t);
            return -1;
        }
    }
    return -1; /* not reached: 50 x mag always fits */
}

int mvg_svg_time_ticks(int64_t lo_ms, int64_t hi_ms, int max_ticks, int64_t *step_ms,
                       mvg_svg_ticks *t)
{
    static const int64_t steps[] = {
        60000LL,    120000LL,   300000LL,   600000LL,    900000LL,    1800000LL,
        3600000LL,  7200000LL,  10800000LL, 21600000LL,  43200000LL,  86400000LL,
        172800000LL, 604800000LL, 1209600000LL, 2419200000LL,
    };
    memset(t, 0, sizeof *t);
    /* beyond the year 33,000 the step arithmetic could overflow: not a time */
    if (lo_ms > hi_ms || lo_ms < -MVG_SVG_MAX_TIME_MS || hi_ms > MVG_SVG_MAX_TIME_MS)
        return -1;
    if (max_ticks > MVG_SVG_MAX_TICKS)
        max_ticks = MVG_SVG_MAX_TICKS;
    if (max_ticks < 2)
        max_ticks = 2;
    int64_t step = steps[sizeof steps / sizeof *steps - 1];
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        int64_t s = steps[i];
        int64_t first = lo_ms % s == 0 ? lo_ms : lo_ms - ((lo_ms % s) + s) % s + s;
        int64_t n = first > hi_ms ? 0 : (hi_ms - first) / s + 1;
        if (n <= max_ticks) {
            step = s;
            break;
        }
    }
    int64_t first = lo_ms - ((lo_ms % step) + step) % step;
    if (first < lo_ms)
        first += step;
    *step_ms = step;
    t->lo = (double)lo_ms;
    t->hi = (double)hi_ms;
    t->step = (double)step;
    for (int64_t v = first; v <= hi_ms && t->n < MVG_SVG_MAX_TICKS; v += step)
        t->v[t->n++] = (double)v;
    return 0;
}

char *mvg_svg_tick_label(double v, double step, int pct, char *buf, size_t len)
{
    if (pct) {
        v *= 100.0;
        step *= 100.0;
    }
    if (!isfinite(v) || fabs(v) >= 1e15 || !isfinite(step)) {
        /* not an axis of this report's quantities: scientific is readable */
        char n[64];
        mvg_report_fmt_num(v, 3, n, sizeof n);
        snprintf(buf, len, "%s%s", n, pct ? " %" : "");
        return buf;
    }
    /* the fewest decimals that write the step exactly (0.25: 2, 500: 0) */
    int dec = 0;
    while (dec < 12 && step > 0) {
        double scaled = step * pow(10.0, dec);
        if (fabs(scaled - round(scaled)) < 1e-6 * scaled)
            break;
        dec++;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    if (strcmp(tmp, "-0") == 0 || (tmp[0] == '-' && strspn(tmp + 1, "0.") == strlen(tmp + 1)))
        memmove(tmp, tmp + 1, strlen(tmp));
    /* thousands separators through the report's own formatter: the value
     * has exactly dec decimals, so give it enough significant digits */
    double a = fabs(strtod(tmp, NULL));
    int sig = (a >= 1 ? (int)floor(log10(a)) + 1 : 1) + dec;
    if (a == 0.0)
        snprintf(buf, len, "0%s", pct ? " %" : "");
    else {
        char n[64];
        mvg_report_fmt_num(strtod(tmp, NULL), sig, n, sizeof n);
        snprintf(buf, len, "%s%s", n, pct ? " %" : "");
    }
    return buf;
}

char *mvg_svg_time_label(int64_t ms, int64_t step_ms, char *buf, size_t len)
{
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(ms, &c);
    if (step_ms < 86400000LL)
        snprintf(buf, len, "%02d:%02d", c.hour, c.minute);
    else
        snprintf(buf, len, "%02d-%02d", c.month, c.day);
    return buf;
}

void mvg_svg_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

typedef struct {
    double x0, x1, y0, y1; /* data ranges */
} frame;

static double px(const frame *f, double x) { return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR); }
static double py(const frame *f, double y) { return H - MB - (y - f->y0) / (f->y1 - f->y0) * (H - MT - MB); }

static void range_of(const mvg_svg_chart *c, const mvg_svg_series *s, size_t ns, double *xlo,
                     double *xhi, double *ylo, double *yhi)
{
    *xlo = *ylo = INFINITY;
    *xhi = *yhi = -INFINITY;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; k < s[i].n; k++) {
            if (s[i].style == MVG_SVG_SPANS) {
                /* a gap is part of the period shown, not of the values */
                if (isfinite(s[i].x[k]) && isfinite(s[i].y2[k])) {
                    *xlo = fmin(*xlo, s[i].x[k]);
                    *xhi = fmax(*xhi, s[i].y2[k]);
                }
                continue;
            }
            double x = s[i].x[k], y = s[i].y[k];
            if (!isfinite(x))
                continue;
            double ys[2] = {y, s[i].y2 ? s[i].y2[k] : NAN};
            int any = 0;
            for (int j = 0; j < 2; j++)
                if (isfinite(ys[j])) {
                    any = 1;
                    if (ys[j] < *ylo)
                        *ylo = ys[j];
                    if (ys[j] > *yhi)
                        *yhi = ys[j];
                }
            if (!any)
                continue;
            double hw = s[i].style == MVG_SVG_BARS ? c->bar_width / 2 : 0.0;
            if (x - hw < *xlo)
                *xlo = x - hw;
            if (x + hw > *xhi)
                *xhi = x + hw;
        }
}

/*
 * A line, broken at undefined values. A year of 15-minute intervals is
 * 35,000 points on a chart some 600 pixels wide, so points that fall in
 * one pixel column are reduced to their first, lowest, highest and last:
 * the drawing is the same (the envelope is kept), the file stays small.
 */
typedef struct {
    int open, have;
    long col;
    double first, lo, hi, last;
    size_t ilo, ihi;
} column;

static void column_flush(FILE *out, column *c, double x)
{
    if (!c->have)
        return;
    double ys[4] = {c->first, c->ilo <= c->ihi ? c->lo : c->hi, c->ilo <= c->ihi ? c->hi : c->lo,
                    c->last};
    double prev = NAN;
    for (int i = 0; i < 4; i++) {
        if (ys[i] == prev)
            continue;
        fprintf(out, "%c%.1f %.1f ", c->open ? 'L' : 'M', x, ys[i]);
        c->open = 1;
        prev = ys[i];
    }
    c->have = 0;
}

static void polyline(FILE *out, const frame *f, const mvg_svg_series *s)
{
    column c = {0};
    double cx = 0;
    fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s d=\"", s->color,
            s->dashed ? " stroke-dasharray=\"5 3\"" : "");
    for (size_t k = 0; k < s->n; k++) {
        if (!isfinite(s->x[k]) || !isfinite(s->y[k])) {
            column_flush(out, &c, cx);
            c.open = 0;
            continue;
        }
        double x = px(f, s->x[k]), y = py(f, s->y[k]);
        long col = lround(x);
        if (c.have && col != c.col)
            column_flush(out, &c, cx);
        if (!c.have) {
            c.have = 1;
            c.col = col;
            c.first = c.lo = c.hi = y;
            c.ilo = c.ihi = k;
            cx = x;
        }
        if (y < c.lo) {
            c.lo = y;
            c.ilo = k;
        }
        if (y > c.hi) {
            c.hi = y;
            c.ihi = k;
        }
        c.last = y;
    }
    column_flush(out, &c, cx);
    fputs("\"/>\n", out);
}

/* The band as one polygon per run of defined points: upper edge forward,
 * lower edge back. */
static void band(FILE *out, const frame *f, const mvg_svg_series *s)
{
    size_t k = 0;
    while (k < s->n) {
        while (k < s->n && !(isfinite(s->x[k]) && isfinite(s->y[k]) && isfinite(s->y2[k])))
            k++;
        size_t a = k;
        while (k < s->n && isfinite(s->x[k]) && isfinite(s->y[k]) && isfinite(s->y2[k]))
            k++;
        if (k == a)
            continue;
        /* at most about two vertices per pixel column each way (the band
         * is a running total: smooth), the run's ends always kept */
        size_t every = (k - a) / (size_t)(2 * W) + 1;
        fprintf(out, "<path fill=\"%s\" fill-opacity=\"0.25\" stroke=\"none\" d=\"", s->color);
        for (size_t i = a; i < k; i++)
            if ((i - a) % every == 0 || i == k - 1)
                fprintf(out, "%c%.1f %.1f ", i == a ? 'M' : 'L', px(f, s->x[i]), py(f, s->y2[i]));
        for (size_t i = k; i-- > a;)
            if ((i - a) % every == 0 || i == k - 1)
                fprintf(out, "L%.1f %.1f ", px(f, s->x[i]), py(f, s->y[i]));
        fputs("Z\"/>\n", out);
    }
}

/* Spans as full-height columns, clipped to the plot. */
static void spans(FILE *out, const frame *f, const mvg_svg_series *s)
{
    fprintf(out, "<g fill=\"%s\" fill-opacity=\"0.18\">", s->color);
    for (size_t k = 0; k < s->n; k++) {
        if (!isfinite(s->x[k]) || !isfinite(s->y2[k]))
            continue;
        double a = fmax(px(f, s->x[k]), ML), b = fmin(px(f, s->y2[k]), W - MR);
        if (b > a)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", a, MT,
                    b - a, H - MB - MT);
    }
    fputs("</g>\n", out);
}

int mvg_svg_write(FILE *out, const mvg_svg_chart *c, const mvg_svg_series *s, size_t ns)
{
    double xlo, xhi, ylo, yhi;
    range_of(c, s, ns, &xlo, &xhi, &ylo, &yhi);
    if (!isfinite(xlo) || !isfinite(ylo))
        return -1;
    if (c->y_pct) {
        ylo = 0.0;
        yhi = 1.0;
    }
    if (c->y_zero) {
        if (ylo > 0)
            ylo = 0;
        if (yhi < 0)
            yhi = 0;
    }
    mvg_svg_ticks yt, xt;
    if (mvg_svg_nice_ticks(ylo, yhi, 7, &yt) != 0 || !(yt.hi > yt.lo))
        return -1;
    int64_t tstep = 0;
    if (xlo == xhi) {
        xlo -= c->x_time ? 1800000.0 : 0.5;
        xhi += c->x_time ? 1800000.0 : 0.5;
    }
    if (c->x_time && (xlo < -(double)MVG_SVG_MAX_TIME_MS || xhi > (double)MVG_SVG_MAX_TIME_MS))
        return -1;
    int bars = 0;
    for (size_t i = 0; i < ns; i++)
        bars |= s[i].style == MVG_SVG_BARS;
    if (bars && c->x_time) {
        /* one tick under each bar (a day), thinned to a dozen labels */
        size_t nb = s[0].n, every = nb / 12 + 1;
        memset(&xt, 0, sizeof xt);
        xt.lo = xlo - c->bar_width * 0.2;
        xt.hi = xhi + c->bar_width * 0.2;
        /* a few days of data still read as days, not as one wall of colour */
        double minspan = 7.0 * 86400000.0;
        if (xt.hi - xt.lo < minspan) {
            double pad = (minspan - (xt.hi - xt.lo)) / 2;
            xt.lo -= pad;
            xt.hi += pad;
        }
        xt.step = 86400000.0;
        tstep = 86400000LL;
        for (size_t k = 0; k < nb && xt.n < MVG_SVG_MAX_TICKS; k += every)
            xt.v[xt.n++] = s[0].x[k];
    } else if (c->x_time) {
        mvg_svg_time_ticks((int64_t)xlo, (int64_t)xhi, 8, &tstep, &xt);
    } else if (mvg_svg_nice_ticks(xlo, xhi, 8, &xt) != 0) {
        return -1;
    }
    if (!(xt.hi > xt.lo))
        return -1;
    frame f = {xt.lo, xt.hi, yt.lo, yt.hi};

    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\" font-family=\"sans-serif\" font-size=\"11\"><title>", W, H);
    mvg_svg_escape(out, c->aria ? c->aria : "");
    fputs("</title>\n", out);
    /* grid and y ticks */
    for (size_t k = 0; k < yt.n; k++) {
        char lab[64];
        double y = py(&f, yt.v[k]);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                ML, W - MR, y, y, ML - 5, y + 4, mvg_svg_tick_label(yt.v[k], yt.step, c->y_pct, lab, sizeof lab));
    }
    for (size_t k = 0; k < xt.n; k++) {
        char lab[64];
        double x = px(&f, xt.v[k]);
        if (c->x_time)
            mvg_svg_time_label((int64_t)xt.v[k], tstep, lab, sizeof lab);
        else
            mvg_svg_tick_label(xt.v[k], xt.step, 0, lab, sizeof lab);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                x, x, H - MB, H - MB + 5, x, H - MB + 17, lab);
        /* the date under the first tick and under each midnight of a sub-day axis */
        if (c->x_time && tstep < 86400000LL &&
            (k == 0 || ((int64_t)xt.v[k]) % 86400000LL == 0)) {
            mvg_svg_time_label((int64_t)xt.v[k], 86400000LL, lab, sizeof lab);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
                    x, H - MB + 30, lab);
        }
    }
    /* axes */
    fprintf(out, "<path d=\"M%.1f %.1f V%.1f H%.1f\" fill=\"none\" stroke=\"#333\"/>\n", ML, MT,
            H - MB, W - MR);
    if (f.y0 < 0 && f.y1 > 0)
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
                     "stroke-dasharray=\"2 2\"/>\n", ML, W - MR, py(&f, 0), py(&f, 0));
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (ML + W - MR) / 2, H - MB + 46);
    mvg_svg_escape(out, c->xlabel ? c->xlabel : "");
    fprintf(out, "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">",
            (MT + H - MB) / 2);
    mvg_svg_escape(out, c->ylabel ? c->ylabel : "");
    fputs("</text>\n", out);
    /* data: bands and spans first, so lines stay on top */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ns; i++) {
            const mvg_svg_series *e = &s[i];
            int under = e->style == MVG_SVG_BAND || e->style == MVG_SVG_SPANS;
            if (under != (pass == 0))
                continue;
            if (e->style == MVG_SVG_SPANS)
                spans(out, &f, e);
            else if (e->style == MVG_SVG_BAND)
                band(out, &f, e);
            else if (e->style == MVG_SVG_LINE)
                polyline(out, &f, e);
            else if (e->style == MVG_SVG_POINTS) {
                /* one dot per pixel: thousands of points on one pixel add nothing */
                static const size_t cols = (size_t)W, rows = (size_t)H;
                unsigned char *seen = calloc(cols * rows / 8 + 1, 1);
                fprintf(out, "<g fill=\"%s\">", e->color);
                for (size_t k = 0; k < e->n; k++) {
                    if (!isfinite(e->x[k]) || !isfinite(e->y[k]))
                        continue;
                    double x = px(&f, e->x[k]), y = py(&f, e->y[k]);
                    long ix = lround(x), iy = lround(y);
                    if (seen && ix >= 0 && iy >= 0 && (size_t)ix < cols && (size_t)iy < rows) {
                        size_t bit = (size_t)iy * cols + (size_t)ix;
                        if (seen[bit / 8] & (1u << (bit % 8)))
                            continue;
                        seen[bit / 8] |= (unsigned char)(1u << (bit % 8));
                    }
                    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"/>", x, y);
                }
                free(seen);
                fputs("</g>\n", out);
            } else {
                double bw = px(&f, f.x0 + c->bar_width) - px(&f, f.x0);
                bw /= (double)ns;
                fprintf(out, "<g fill=\"%s\">", e->color);
                for (size_t k = 0; k < e->n; k++)
                    if (isfinite(e->x[k]) && isfinite(e->y[k])) {
                        double x = px(&f, e->x[k]) - bw * (double)ns / 2 + bw * (double)i;
                        double y = py(&f, e->y[k] > 0 ? e->y[k] : 0);
                        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                                x, y, bw, py(&f, 0) - y);
                    }
                fputs("</g>\n", out);
            }
        }
    /* legend, one row under the x title */
    double lx = ML;
    for (size_t i = 0; i < ns; i++) {
        const mvg_svg_series *e = &s[i];
        double ly = H - 14;
        if (e->style == MVG_SVG_LINE)
            fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                         "stroke-width=\"2\"%s/>", lx, lx + 22, ly - 4, ly - 4, e->color,
                    e->dashed ? " stroke-dasharray=\"5 3\"" : "");
        else if (e->style == MVG_SVG_POINTS)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", lx + 11, ly - 4, e->color);
        else
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"9\" fill=\"%s\"%s/>", lx,
                    ly - 9, e->color,
                    e->style == MVG_SVG_BAND    ? " fill-opacity=\"0.25\""
                    : e->style == MVG_SVG_SPANS ? " fill-opacity=\"0.18\""
                                                : "");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", lx + 27, ly);
        mvg_svg_escape(out, e->label ? e->label : "");
        fputs("</text>\n", out);
        /* advance by the label's width, counting a CJK character (3 UTF-8
         * bytes) as two Latin ones */
        double wchars = 0;
        for (const unsigned char *p = (const unsigned char *)(e->label ? e->label : ""); *p; p++)
            wchars += *p < 0x80 ? 1.0 : ((*p & 0xC0) == 0xC0 ? 2.0 : 0.0);
        lx += 27 + wchars * 6.2 + 18;
    }
    fputs("</svg>\n", out);
    return ferror(out) ? -1 : 0;
}

void mvg_svg_figure(FILE *out, const char *caption, const char *no_data, const mvg_svg_chart *c,
                    const mvg_svg_series *s, size_t ns)
{
    fputs("<figure><figcaption>", out);
    mvg_svg_escape(out, caption);
    fputs("</figcaption>\n", out);
    if (mvg_svg_write(out, c, s, ns) != 0) {
        fputs("<p>", out);
        mvg_svg_escape(out, no_data);
        fputs("</p>", out);
    }
    fputs("</figure>\n", out);
}
