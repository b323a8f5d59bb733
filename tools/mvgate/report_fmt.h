/*
 * report_fmt.h: numbers and times of `mvgate report` written for people:
 * thousands separators, a sensible number of significant digits, percent,
 * very small amounts (TJ of a few kWh) in scientific notation, and UTC
 * dates. The machine-readable copies of the same figures are written at
 * full precision elsewhere (report_json.c, the data-k attributes); these
 * functions are only for the text a reader sees. Pure, no state.
 */
#ifndef MVG_REPORT_FMT_H
#define MVG_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Fallback text of an undefined figure (NaN): an em dash. */
#define MVG_REPORT_FMT_NONE "\xe2\x80\x94"

/*
 * v with sig significant digits (1..15), "," between thousands of the
 * integer part, no exponent for 1e-3 <= |v| < 1e15; smaller non-zero
 * amounts as "3.18 × 10⁻⁵" (UTF-8 superscripts). Trailing zeros of the
 * fraction are kept only up to the significant digits asked for, so columns
 * read evenly. NaN and infinities give MVG_REPORT_FMT_NONE. Returns buf.
 */
char *mvg_report_fmt_num(double v, int sig, char *buf, size_t len);

/* A fraction as percent with sig significant digits: 0.2141 -> "21.4 %". */
char *mvg_report_fmt_pct(double fraction, int sig, char *buf, size_t len);

/* An integer count with thousands separators: 12345 -> "12,345". */
char *mvg_report_fmt_int(long long v, char *buf, size_t len);

/* UTC time of epoch ms: "2026-01-05 03:50" (with_seconds: ":00" added). */
char *mvg_report_fmt_time(int64_t ms, int with_seconds, char *buf, size_t len);

#endif
