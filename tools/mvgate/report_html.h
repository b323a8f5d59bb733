/*
 * report_html.h: what the HTML writer's two files share (report_html.c
 * writes the page and its tables, report_charts.c its figures): the page
 * being written and the helpers every element goes through. Not for use
 * outside the HTML writer.
 */
#ifndef MVG_REPORT_HTML_H
#define MVG_REPORT_HTML_H

#include <stdio.h>

#include "report_i18n.h"
#include "report_out.h"
#include "report_svg.h"

typedef struct {
    const mvg_report *r;
    mvg_lang lang;
    FILE *out;
} page;

/* The label k in the page's language. */
static inline const char *T(const page *p, mvg_text k) { return mvg_i18n(p->lang, k); }

/* s as HTML text. */
static inline void esc(const page *p, const char *s) { mvg_svg_escape(p->out, s); }

/* Opens a section: its id (the PDF's page break and the tests' anchor) and
 * heading. */
void mvg_report_html_section(const page *p, const char *id, mvg_text title);

/* The baseline section (actual against the model in time, and against the
 * first variable) and the reporting section (adjusted baseline against
 * actual, cumulative savings with the uncertainty band) of every stream;
 * the coverage chart (per day and stream). 0, or -1 when out of memory. */
int mvg_report_html_baseline_charts(const page *p);
int mvg_report_html_reporting_charts(const page *p);
int mvg_report_html_coverage_chart(const page *p);

#endif
