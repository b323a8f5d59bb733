/*
 * report_svg.h: the report's charts as inline SVG, drawn by us so that the
 * HTML needs no script, font or file besides itself: axis ranges and tick
 * positions ("nice" steps of 1, 2, 5 x 10^k for values; whole minutes,
 * hours or days for UTC time), tick labels, lines (broken where a value is
 * undefined), points, a shaded band between two series, bars, and a legend.
 * Text is escaped for XML. Pure apart from writing to the given stream.
 */
#ifndef MVG_REPORT_SVG_H
#define MVG_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MVG_SVG_MAX_TICKS 16
#define MVG_SVG_MAX_TIME_MS 1000000000000000LL /* 1e15 ms: about the year 33,658 */

typedef struct {
    double lo, hi;  /* the axis range: lo and hi widened to multiples of step */
    double step;
    size_t n;       /* ticks from lo to hi inclusive */
    double v[MVG_SVG_MAX_TICKS];
} mvg_svg_ticks;

/*
 * Ticks for data in [lo, hi] with at most max_ticks (2..16) ticks: the
 * smallest step of 1, 2 or 5 x 10^k that fits, the range widened to it.
 * lo == hi gives a range around the value (around 0: [0, 1]). Returns 0,
 * or -1 when lo or hi is not finite or lo > hi.
 */
int mvg_svg_nice_ticks(double lo, double hi, int max_ticks, mvg_svg_ticks *t);

/*
 * Time ticks for [lo_ms, hi_ms] (UTC epoch ms), at most max_ticks: the
 * smallest step of 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1, 2, 7, 14,
 * 28 days that fits; ticks at multiples of the step from 00:00 UTC, inside
 * the range (the range is not widened). Returns 0, or -1 when lo > hi or
 * either is beyond +-MVG_SVG_MAX_TIME_MS.
 */
int mvg_svg_time_ticks(int64_t lo_ms, int64_t hi_ms, int max_ticks, int64_t *step_ms,
                       mvg_svg_ticks *t);

/* A value tick's label: as many decimals as the step needs, thousands
 * separated (step 0.25: "1.25"; step 500: "12,500"); pct: v * 100 and " %". */
char *mvg_svg_tick_label(double v, double step, int pct, char *buf, size_t len);

/* A time tick's label: "HH:MM" below a day step, else "MM-DD". */
char *mvg_svg_time_label(int64_t ms, int64_t step_ms, char *buf, size_t len);

/* SPANS: shaded columns the chart's full height from x[k] to y2[k] (x
 * units; y unused): the stretches of x where data is missing or not
 * counted. They widen the time axis to the period they cover, not the
 * value axis. */
typedef enum {
    MVG_SVG_LINE,
    MVG_SVG_POINTS,
    MVG_SVG_BAND,
    MVG_SVG_BARS,
    MVG_SVG_SPANS
} mvg_svg_style;

typedef struct {
    const char *label;     /* legend text */
    mvg_svg_style style;
    const double *x, *y;   /* n values; NaN breaks a line / skips a point */
    const double *y2;      /* BAND: the upper edge (y the lower); SPANS: each span's end on x */
    size_t n;
    const char *color;     /* CSS colour */
    int dashed;
} mvg_svg_series;

typedef struct {
    const char *xlabel, *ylabel; /* axis titles (with units) */
    int x_time;            /* x values are UTC epoch ms */
    int y_zero;            /* the y range includes 0 */
    int y_pct;             /* y in [0, 1] shown as 0-100 % */
    double bar_width;      /* BARS: width in x units */
    const char *aria;      /* the chart's accessible title */
} mvg_svg_chart;

/* Writes one <svg> element. Returns 0, or -1 when no series has a finite
 * point or the values span no drawable range (nothing written then). */
int mvg_svg_write(FILE *out, const mvg_svg_chart *c, const mvg_svg_series *s, size_t ns);

/* XML-escaped text (&, <, >, ") to out. */
void mvg_svg_escape(FILE *out, const char *s);

/* The chart as an HTML figure: caption (escaped) over the SVG, or no_data
 * in a paragraph when the series have nothing to draw. */
void mvg_svg_figure(FILE *out, const char *caption, const char *no_data, const mvg_svg_chart *c,
                    const mvg_svg_series *s, size_t ns);

#endif
