/*
 * report_out.h: the writers of `mvgate report`, one per format, each from
 * the gathered figures (report_data.h) to a stream:
 *   report_json.c  one JSON document (docs/schemas/report.schema.json)
 *   report_csv.c   section,key,value,unit rows (RFC 4180) and the series
 *   report_html.c  one self-contained HTML page with inline SVG charts
 * Each returns 0, or -1 with err (out of memory, write error).
 */
#ifndef MVG_REPORT_OUT_H
#define MVG_REPORT_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "report_data.h"
#include "report_i18n.h"

#define MVG_REPORT_SCHEMA "mvgate/report/1"

int mvg_report_write_json(const mvg_report *r, FILE *out, char *err, size_t errlen);
int mvg_report_write_csv(const mvg_report *r, FILE *out, char *err, size_t errlen);
int mvg_report_write_html(const mvg_report *r, mvg_lang lang, FILE *out, char *err,
                          size_t errlen);

/* The page's opening up to <body>: doctype, lang, title ("TITLE — SUBJECT",
 * subject may be NULL) and the report's print style (A4, sections on new
 * pages, tables, figures, the ok/bad/note boxes), for every HTML document
 * mvgate writes (the report, `mvgate programme`). */
void mvg_report_html_open(FILE *out, mvg_lang lang, const char *title, const char *subject);

#endif
