/*
 * lineproto.c: InfluxDB line protocol encoding into a growable buffer.
 */
#include "lineproto.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

enum { ST_IDLE, ST_TAGS, ST_FIELDS };

struct mvg_lp {
    char *buf;
    size_t len, cap;
    size_t line_start; /* where the line in progress began */
    size_t lines;
    int state;
    int nfields;
    int invalid;       /* something of this line was refused: drop it at end() */
};

mvg_lp *mvg_lp_new(void) { return calloc(1, sizeof(mvg_lp)); }

void mvg_lp_free(mvg_lp *lp)
{
    if (!lp)
        return;
    free(lp->buf);
    free(lp);
}

static int reserve(mvg_lp *lp, size_t more)
{
    if (lp->len + more + 1 <= lp->cap)
        return 0;
    size_t cap = lp->cap ? lp->cap : 256;
    while (cap < lp->len + more + 1)
        cap *= 2;
    char *b = realloc(lp->buf, cap);
    if (!b)
        return -1;
    lp->buf = b;
    lp->cap = cap;
    return 0;
}

static int put(mvg_lp *lp, const char *s, size_t n)
{
    if (reserve(lp, n) != 0)
        return MVG_LP_ENOMEM;
    memcpy(lp->buf + lp->len, s, n);
    lp->len += n;
    lp->buf[lp->len] = '\0';
    return 0;
}

static int putc_(mvg_lp *lp, char c) { return put(lp, &c, 1); }

/* Appends s with a backslash before every character in specials. */
static int put_escaped(mvg_lp *lp, const char *s, const char *specials)
{
    for (; *s; s++) {
        if (strchr(specials, *s) && putc_(lp, '\\') != 0)
            return MVG_LP_ENOMEM;
        if (putc_(lp, *s) != 0)
            return MVG_LP_ENOMEM;
    }
    return 0;
}

static int bad_name(const char *s)
{
    return !s || !*s || strpbrk(s, "\n\r") != NULL;
}

static void discard_line(mvg_lp *lp)
{
    lp->len = lp->line_start;
    if (lp->buf)
        lp->buf[lp->len] = '\0';
    lp->state = ST_IDLE;
}

int mvg_lp_begin(mvg_lp *lp, const char *measurement)
{
    if (lp->state != ST_IDLE)
        discard_line(lp);
    lp->line_start = lp->len;
    lp->nfields = 0;
    lp->invalid = 0;
    lp->state = ST_TAGS;
    /* A measurement may not start with '#' (a comment line) either. */
    if (bad_name(measurement) || measurement[0] == '#') {
        lp->invalid = 1;
        return MVG_LP_EINVAL;
    }
    return put_escaped(lp, measurement, ", ");
}

int mvg_lp_tag(mvg_lp *lp, const char *key, const char *value)
{
    if (lp->state != ST_TAGS)
        return MVG_LP_ESTATE;
    size_t vlen = value ? strlen(value) : 0;
    if (bad_name(key) || bad_name(value) || value[vlen - 1] == '\\' || key[strlen(key) - 1] == '\\') {
        lp->invalid = 1;
        return MVG_LP_EINVAL;
    }
    if (putc_(lp, ',') || put_escaped(lp, key, ",= ") || putc_(lp, '=') ||
        put_escaped(lp, value, ",= "))
        return MVG_LP_ENOMEM;
    return 0;
}

static int field_key(mvg_lp *lp, const char *key)
{
    if (lp->state == ST_IDLE)
        return MVG_LP_ESTATE;
    if (bad_name(key) || key[strlen(key) - 1] == '\\') {
        lp->invalid = 1;
        return MVG_LP_EINVAL;
    }
    if (putc_(lp, lp->nfields == 0 ? ' ' : ','))
        return MVG_LP_ENOMEM;
    lp->state = ST_FIELDS;
    lp->nfields++;
    if (put_escaped(lp, key, ",= ") || putc_(lp, '='))
        return MVG_LP_ENOMEM;
    return 0;
}

int mvg_lp_field_double(mvg_lp *lp, const char *key, double v)
{
    if (lp->state == ST_IDLE)
        return MVG_LP_ESTATE;
    if (!isfinite(v))
        return MVG_LP_SKIPPED;
    int rc = field_key(lp, key);
    if (rc)
        return rc;
    /* the text reads back as v (numfmt.h); a value that prints as an
     * integer stays a float for influxd (no 'i' suffix), so the field type
     * never changes between points. */
    char num[MVG_NUMFMT_LEN];
    int n = mvg_numfmt_double(v, num);
    return put(lp, num, (size_t)n);
}

int mvg_lp_field_int(mvg_lp *lp, const char *key, int64_t v)
{
    int rc = field_key(lp, key);
    if (rc)
        return rc;
    char num[32];
    int n = snprintf(num, sizeof num, "%" PRId64 "i", v);
    return put(lp, num, (size_t)n);
}

int mvg_lp_field_uint(mvg_lp *lp, const char *key, uint64_t v)
{
    int rc = field_key(lp, key);
    if (rc)
        return rc;
    char num[32];
    int n = snprintf(num, sizeof num, "%" PRIu64 "u", v);
    return put(lp, num, (size_t)n);
}

int mvg_lp_field_bool(mvg_lp *lp, const char *key, int v)
{
    int rc = field_key(lp, key);
    if (rc)
        return rc;
    return v ? put(lp, "true", 4) : put(lp, "false", 5);
}

int mvg_lp_field_string(mvg_lp *lp, const char *key, const char *v)
{
    if (lp->state == ST_IDLE)
        return MVG_LP_ESTATE;
    if (!v || strpbrk(v, "\n\r")) {
        lp->invalid = 1;
        return MVG_LP_EINVAL;
    }
    int rc = field_key(lp, key);
    if (rc)
        return rc;
    if (putc_(lp, '"') || put_escaped(lp, v, "\"\\") || putc_(lp, '"'))
        return MVG_LP_ENOMEM;
    return 0;
}

int mvg_lp_end(mvg_lp *lp, int64_t ts)
{
    if (lp->state == ST_IDLE)
        return MVG_LP_ESTATE;
    if (lp->invalid || lp->nfields == 0) {
        discard_line(lp);
        return MVG_LP_SKIPPED;
    }
    char num[32];
    int n = snprintf(num, sizeof num, " %" PRId64 "\n", ts);
    if (put(lp, num, (size_t)n) != 0) {
        discard_line(lp);
        return MVG_LP_ENOMEM;
    }
    lp->state = ST_IDLE;
    lp->line_start = lp->len;
    lp->lines++;
    return 0;
}

const char *mvg_lp_data(mvg_lp *lp, size_t *len)
{
    if (lp->state != ST_IDLE)
        discard_line(lp);
    *len = lp->len;
    return lp->buf ? lp->buf : "";
}

size_t mvg_lp_lines(const mvg_lp *lp) { return lp->lines; }

void mvg_lp_clear(mvg_lp *lp)
{
    lp->len = lp->line_start = lp->lines = 0;
    lp->state = ST_IDLE;
    if (lp->buf)
        lp->buf[0] = '\0';
}

const char *mvg_lp_precision_name(mvg_lp_precision p)
{
    static const char *const names[] = {"ns", "u", "ms", "s"};
    return (unsigned)p < 4 ? names[p] : "ns";
}
