/*
 * timefmt.h: times as text, both ways, for everything that reads or writes
 * one: the configuration, CSV tables, the CLI's --from/--to, the simulator,
 * the payloads, the logs and the reports. One grammar for reading (below,
 * and docs/config.md, "Times") and one formatter with the variants the
 * outputs need. Times are UTC epoch milliseconds (int64_t) on the proleptic
 * Gregorian calendar; no time zone database, no locale, no clock.
 */
#ifndef MVG_TIMEFMT_H
#define MVG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses one time:
 *   time  = date [ ("T" | " ") clock ] [ zone ]
 *   date  = YYYY "-" MM "-" DD
 *   clock = hh ":" mm [ ":" ss [ ("." | ",") digit+ ] ]
 *   zone  = "Z" | ("+" | "-") hh [ [ ":" ] mm ]
 * with fixed-width digits, spaces allowed around the whole. No zone means
 * UTC; a date alone is its midnight. The month's day must exist (29
 * February in leap years only); hh is 00-23, or 24:00[:00[.0...]] for the
 * midnight that ends the day; ss 00-60 (a leap second counts as the first
 * second of the next minute); zone hours 00-23. A fraction keeps its
 * milliseconds, the digits after them are cut.
 * Returns 0 and *ms, or -1 (nothing stored).
 */
int mvg_timefmt_parse(const char *s, int64_t *ms);

/*
 * Parses a UTC offset given alone (a site's, a calendar's, a tariff's, the
 * CLI's --utc-offset): the zone of the grammar above ("Z", "+08:00",
 * "+0800", "+08", "-05:30"), spaces allowed around it, within the offsets
 * in use on Earth, -12:00 to +14:00 (a site at +23:00 is a typo, not a
 * place). Returns 0 and *minutes east of UTC, or -1 (nothing stored).
 */
#define MVG_TIMEFMT_OFFSET_MIN (-12 * 60)
#define MVG_TIMEFMT_OFFSET_MAX (14 * 60)
int mvg_timefmt_parse_offset(const char *s, int *minutes);

/* Formats: one precision, and optionally the separator and the zone. */
#define MVG_TIMEFMT_MIN 0u   /* 2026-01-06T01:05 */
#define MVG_TIMEFMT_SEC 1u   /* 2026-01-06T01:05:09 */
#define MVG_TIMEFMT_MS 2u    /* 2026-01-06T01:05:09.250 */
#define MVG_TIMEFMT_Z 4u     /* ... then "Z" */
#define MVG_TIMEFMT_SPACE 8u /* a space between date and time, not "T" */
#define MVG_TIMEFMT_DATE 16u /* the date alone, 2026-01-06 (the other flags ignored) */

/* Writes ms in the format of flags into buf (truncated to len, always
 * terminated; 32 bytes hold every format of every int64_t). Sub-units are
 * cut, not rounded: 01:05:59.999 at minutes is 01:05. Returns buf. */
char *mvg_timefmt_format(int64_t ms, unsigned flags, char *buf, size_t len);

/* The calendar fields of ms in UTC (for labels that show only some). */
typedef struct {
    int64_t year;
    int month, day, hour, minute, second, millisecond;
} mvg_timefmt_civil;

void mvg_timefmt_to_civil(int64_t ms, mvg_timefmt_civil *c);

#endif
