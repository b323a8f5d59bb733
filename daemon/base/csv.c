/*
 * csv.c: the CSV reader of csv.h. Owns the whole file's cells as one
 * array of strings (a year of 15-min data is ~35,000 rows: small), each row
 * remembering the file line it starts on for error messages.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "diag.h"
#include "fileread.h"
#include "timefmt.h"
#include "vec.h"

struct mvg_csv {
    char *name;
    size_t ncols, nrows; /* nrows includes the header row 0 */
    char **cells;        /* nrows * ncols */
    size_t *lines;       /* per row */
};

void mvg_csv_free(mvg_csv *c)
{
    if (!c)
        return;
    if (c->cells)
        for (size_t i = 0; i < c->nrows * c->ncols; i++)
            free(c->cells[i]);
    free(c->cells);
    free(c->lines);
    free(c->name);
    free(c);
}

/* Growing buffers of the parser. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static int sb_put(sbuf *b, char ch)
{
    char *p = mvg_vec_reserve(b->s, b->len + 1, &b->cap, 1, 64); /* and the NUL */
    if (!p)
        return -1;
    b->s = p;
    b->s[b->len++] = ch;
    b->s[b->len] = '\0';
    return 0;
}

typedef struct {
    char **v;
    size_t n, cap;
} plist;

static int pl_push(plist *l, char *s)
{
    char **p = mvg_vec_reserve(l->v, l->n, &l->cap, sizeof *p, 16);
    if (!p)
        return -1;
    l->v = p;
    l->v[l->n++] = s;
    return 0;
}

static char *sb_take(sbuf *b)
{
    char *s = b->s ? b->s : strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

mvg_csv *mvg_csv_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    mvg_csv *c = calloc(1, sizeof *c);
    plist cells = {0}, row = {0};
    size_t *lines = NULL, lines_cap = 0;
    sbuf f = {0};
    if (!c || !(c->name = strdup(name ? name : "csv")))
        goto oom;

    size_t i = 0, line = 1, row_line = 1;
    int row_has_content = 0;
    while (i <= len) {
        /* one field */
        int quoted = 0;
        if (i < len && text[i] == '"') {
            quoted = 1;
            row_has_content = 1;
            i++;
            for (;;) {
                if (i >= len) {
                    mvg_set_err(err, errlen, "%s:%zu: unterminated quoted field", c->name, row_line);
                    goto fail;
                }
                if (text[i] == '"') {
                    if (i + 1 < len && text[i + 1] == '"') {
                        if (sb_put(&f, '"') != 0)
                            goto oom;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (text[i] == '\n')
                    line++;
                if (sb_put(&f, text[i]) != 0)
                    goto oom;
                i++;
            }
        }
        while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
            if (quoted && !isspace((unsigned char)text[i])) {
                mvg_set_err(err, errlen, "%s:%zu: text after a closing quote", c->name, line);
                goto fail;
            }
            if (!quoted && sb_put(&f, text[i]) != 0)
                goto oom;
            row_has_content = 1;
            i++;
        }
        char *cell = sb_take(&f);
        if (!cell || pl_push(&row, cell) != 0) {
            free(cell);
            goto oom;
        }
        if (i < len && text[i] == ',') {
            row_has_content = 1;
            i++;
            continue;
        }
        /* end of a line (or of the text) */
        if (i < len && text[i] == '\r')
            i++;
        if (i < len && text[i] == '\n')
            i++;
        if (row_has_content) {
            if (c->nrows == 0)
                c->ncols = row.n;
            else if (row.n != c->ncols) {
                mvg_set_err(err, errlen, "%s:%zu: %zu fields, the header has %zu", c->name, row_line,
                        row.n, c->ncols);
                goto fail;
            }
            for (size_t k = 0; k < row.n; k++)
                if (pl_push(&cells, row.v[k]) != 0)
                    goto oom;
            row.n = 0;
            size_t *p = mvg_vec_reserve(lines, c->nrows, &lines_cap, sizeof *p, 256);
            if (!p)
                goto oom;
            lines = p;
            lines[c->nrows++] = row_line;
        } else {
            for (size_t k = 0; k < row.n; k++)
                free(row.v[k]);
            row.n = 0;
        }
        line++;
        row_line = line;
        row_has_content = 0;
        if (i >= len)
            break;
    }
    if (c->nrows == 0) {
        mvg_set_err(err, errlen, "%s: empty file: no header row", c->name);
        goto fail;
    }
    for (size_t k = 0; k < c->ncols; k++) {
        for (size_t j = 0; j < k; j++)
            if (strcmp(cells.v[k], cells.v[j]) == 0) {
                mvg_set_err(err, errlen, "%s:%zu: column '%s' appears twice in the header", c->name,
                        lines[0], cells.v[k]);
                goto fail;
            }
    }
    c->cells = cells.v;
    c->lines = lines;
    free(row.v);
    free(f.s);
    return c;
oom:
    mvg_set_err(err, errlen, "%s: out of memory", name ? name : "csv");
fail:
    for (size_t k = 0; k < cells.n; k++)
        free(cells.v[k]);
    free(cells.v);
    for (size_t k = 0; k < row.n; k++)
        free(row.v[k]);
    free(row.v);
    free(lines);
    free(f.s);
    if (c) {
        c->nrows = 0;
        mvg_csv_free(c);
    }
    return NULL;
}

mvg_csv *mvg_csv_load(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf = mvg_file_read(path, &len, err, errlen);
    if (!buf)
        return NULL;
    mvg_csv *c = mvg_csv_parse(path, buf, len, err, errlen);
    free(buf);
    return c;
}

const char *mvg_csv_name(const mvg_csv *c) { return c->name; }
size_t mvg_csv_rows(const mvg_csv *c) { return c->nrows - 1; }
size_t mvg_csv_ncols(const mvg_csv *c) { return c->ncols; }
const char *mvg_csv_header(const mvg_csv *c, size_t col) { return c->cells[col]; }
const char *mvg_csv_cell(const mvg_csv *c, size_t row, size_t col)
{
    return c->cells[(row + 1) * c->ncols + col];
}
size_t mvg_csv_line(const mvg_csv *c, size_t row) { return c->lines[row + 1]; }

int mvg_csv_find(const mvg_csv *c, const char *name)
{
    for (size_t k = 0; k < c->ncols; k++)
        if (strcmp(c->cells[k], name) == 0)
            return (int)k;
    return -1;
}

static void missing_column(const mvg_csv *c, const char *name, char *err, size_t errlen)
{
    char hdr[512] = "";
    size_t l = 0;
    for (size_t k = 0; k < c->ncols && l < sizeof hdr; k++) {
        int w = snprintf(hdr + l, sizeof hdr - l, "%s%s", k ? ", " : "", c->cells[k]);
        if (w < 0)
            break;
        l += (size_t)w;
    }
    mvg_set_err(err, errlen, "%s:%zu: no column '%s' in the header (%s)", c->name, c->lines[0], name,
            hdr);
}

int mvg_csv_numbers(const mvg_csv *c, const char *name, double **out, char *err, size_t errlen)
{
    *out = NULL;
    int col = mvg_csv_find(c, name);
    if (col < 0) {
        missing_column(c, name, err, errlen);
        return -1;
    }
    size_t n = mvg_csv_rows(c);
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        mvg_set_err(err, errlen, "%s: out of memory", c->name);
        return -1;
    }
    for (size_t r = 0; r < n; r++) {
        const char *s = mvg_csv_cell(c, r, (size_t)col);
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        while (isspace((unsigned char)*end))
            end++;
        const char *p = s;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0') {
            mvg_set_err(err, errlen, "%s:%zu: column '%s': empty cell", c->name, mvg_csv_line(c, r),
                    name);
            free(v);
            return -1;
        }
        if (end == s || *end != '\0' || !isfinite(d)) {
            mvg_set_err(err, errlen, "%s:%zu: column '%s': '%.40s' is not a number", c->name,
                    mvg_csv_line(c, r), name, s);
            free(v);
            return -1;
        }
        v[r] = d;
    }
    *out = v;
    return 0;
}

int mvg_csv_timestamps(const mvg_csv *c, int64_t **out, char *err, size_t errlen)
{
    *out = NULL;
    int col = mvg_csv_find(c, "timestamp");
    if (col < 0)
        return 0;
    size_t n = mvg_csv_rows(c);
    int64_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        mvg_set_err(err, errlen, "%s: out of memory", c->name);
        return -1;
    }
    for (size_t r = 0; r < n; r++) {
        const char *s = mvg_csv_cell(c, r, (size_t)col);
        if (mvg_timefmt_parse(s, &v[r]) != 0) {
            mvg_set_err(err, errlen,
                    "%s:%zu: column 'timestamp': '%.40s' is not an ISO 8601 time "
                    "(2024-03-01T00:15:00Z)",
                    c->name, mvg_csv_line(c, r), s);
            free(v);
            return -1;
        }
    }
    *out = v;
    return 1;
}

/* ---- writing ---------------------------------------------------------- */

void mvg_csv_put_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void mvg_csv_put_row(FILE *out, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        mvg_csv_put_field(out, fields[i]);
    }
    fputs("\r\n", out);
}
