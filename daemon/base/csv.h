/*
 * csv.h: CSV tables with a header row, for the operator CLI's fit and
 * savings commands, and the writing of CSV rows for the reports: one home
 * for the format's quoting both ways. It owns the parsed cells (text) and converts named
 * columns to numbers on request, so that only the columns a command uses
 * must be numeric. RFC 4180 quoting ("a,b", "say ""hi"""), LF or CRLF line
 * ends, blank lines skipped. Errors name the file, its line and the column:
 *   data.csv:14: column 'kwh': 'abc' is not a number
 */
#ifndef MVG_CSV_H
#define MVG_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct mvg_csv mvg_csv;

/* Reads and parses path. Returns NULL with err on I/O or syntax errors (a
 * row with a field count other than the header's, an unterminated quote). */
mvg_csv *mvg_csv_load(const char *path, char *err, size_t errlen);

/* Parses text (len bytes) as if read from a file named name. */
mvg_csv *mvg_csv_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);

void mvg_csv_free(mvg_csv *c);

const char *mvg_csv_name(const mvg_csv *c); /* the file name given at load */
size_t mvg_csv_rows(const mvg_csv *c);     /* data rows, header excluded */
size_t mvg_csv_ncols(const mvg_csv *c);
const char *mvg_csv_header(const mvg_csv *c, size_t col);
int mvg_csv_find(const mvg_csv *c, const char *name); /* column index, or -1 */
const char *mvg_csv_cell(const mvg_csv *c, size_t row, size_t col);
size_t mvg_csv_line(const mvg_csv *c, size_t row); /* 1-based file line of a data row */

/*
 * Column name as numbers: *out (malloc'd, mvg_csv_rows() entries; the
 * caller frees it). Returns 0, or -1 with err naming the header when the
 * column does not exist, or the line and column of the first cell that is
 * empty or not a finite number.
 */
int mvg_csv_numbers(const mvg_csv *c, const char *name, double **out, char *err, size_t errlen);

/*
 * The column named "timestamp" as epoch milliseconds (mvg_timefmt_parse's
 * grammar: 2024-03-01T00:15:00Z, 2024-03-01 00:15:00 (UTC), fractional
 * seconds and offsets accepted). Returns 1 with *out, 0 when there is no
 * such column, -1 with err (line and column) for a bad timestamp.
 */
int mvg_csv_timestamps(const mvg_csv *c, int64_t **out, char *err, size_t errlen);

/* Writes one field, RFC 4180: quoted when it holds a comma, a quote or a
 * line break, quotes doubled. */
void mvg_csv_put_field(FILE *out, const char *s);
/* Writes the n fields of one row, comma separated, ended by CRLF. */
void mvg_csv_put_row(FILE *out, const char *const *fields, size_t n);

#endif
