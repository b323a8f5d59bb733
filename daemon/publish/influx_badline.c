/*
 * influx_badline.c: which line of a batch InfluxDB refused
 * (mvg_influx_find_bad_line, influx_pub.h), from the error text of its 400:
 * the writer names that line in the log, the stats and the reason of the
 * parked entry.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "influx_pub.h"

/* Splits line protocol at an unescaped delimiter; quoted strings (field
 * values) are skipped when in_fields. Returns the end of the token. */
static const char *lp_token_end(const char *s, const char *end, const char *delims, int in_fields)
{
    int quoted = 0;
    for (; s < end; s++) {
        if (*s == '\\' && s + 1 < end) {
            s++;
            continue;
        }
        if (in_fields && *s == '"')
            quoted = !quoted;
        else if (!quoted && *s && strchr(delims, *s))
            return s;
    }
    return end;
}

/* Compares the escaped text [s, e) with the plain name. */
static int lp_name_eq(const char *s, const char *e, const char *name)
{
    size_t i = 0;
    for (; s < e; s++) {
        if (*s == '\\' && s + 1 < e)
            s++;
        if (!name[i] || name[i] != *s)
            return 0;
        i++;
    }
    return name[i] == '\0';
}

static const char *lp_value_type(const char *v, const char *e)
{
    if (v >= e)
        return "";
    if (*v == '"')
        return "string";
    if (e[-1] == 'i' && (isdigit((unsigned char)*v) || *v == '-'))
        return "integer";
    if (*v == 't' || *v == 'T' || *v == 'f' || *v == 'F')
        return "boolean";
    return "float";
}

/* Copies the quoted text that follows key in err (up to the closing quote,
 * backslash escapes of the JSON-decoded text kept as they are). */
static int err_quoted(const char *err, const char *key, char close, char *out, size_t outlen)
{
    const char *s = strstr(err, key);
    if (!s)
        return -1;
    s += strlen(key);
    const char *e = strchr(s, close);
    if (!e || (size_t)(e - s) >= outlen)
        return -1;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return 0;
}

static void copy_line(const char *s, const char *e, char *out, size_t outlen)
{
    size_t n = (size_t)(e - s);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

int mvg_influx_find_bad_line(const char *body, size_t len, const char *err, char *out,
                             size_t outlen)
{
    if (!outlen)
        return -1;
    out[0] = '\0';
    if (!body || !err)
        return -1;
    /* A parse error quotes the line itself: "unable to parse '<line>': why".
     * The line may contain "': " in a string field, so take the longest
     * prefix that is a whole line of the body. */
    const char *up = strstr(err, "unable to parse '");
    if (up) {
        up += strlen("unable to parse '");
        size_t ulen = strlen(up);
        const char *ls = body, *end = body + len;
        while (ls < end) {
            const char *le = memchr(ls, '\n', (size_t)(end - ls));
            if (!le)
                le = end;
            size_t n = (size_t)(le - ls);
            if (n && n < ulen && memcmp(up, ls, n) == 0 && up[n] == '\'') {
                copy_line(ls, le, out, outlen);
                return 0;
            }
            ls = le + 1;
        }
        const char *q = strstr(up, "': ");
        if (q) {
            copy_line(up, q, out, outlen);
            return 0;
        }
        return -1;
    }
    /* partial write: field type conflict: input field "f" on measurement "m"
     * is type integer, already exists as type float dropped=1 */
    char field[256], meas[256], type[32];
    if (err_quoted(err, "input field \"", '"', field, sizeof field) < 0 ||
        err_quoted(err, "on measurement \"", '"', meas, sizeof meas) < 0 ||
        err_quoted(err, "is type ", ',', type, sizeof type) < 0)
        return -1;
    const char *ls = body, *end = body + len;
    while (ls < end) {
        const char *le = memchr(ls, '\n', (size_t)(end - ls));
        if (!le)
            le = end;
        const char *me = lp_token_end(ls, le, ", ", 0);
        if (lp_name_eq(ls, me, meas)) {
            const char *fs = lp_token_end(ls, le, " ", 0); /* end of measurement and tags */
            if (fs < le) {
                fs++;
                const char *fe = lp_token_end(fs, le, " ", 1);
                while (fs < fe) {
                    const char *f_end = lp_token_end(fs, fe, ",", 1);
                    const char *eq = lp_token_end(fs, f_end, "=", 0);
                    if (eq < f_end && lp_name_eq(fs, eq, field) &&
                        strcmp(lp_value_type(eq + 1, f_end), type) == 0) {
                        copy_line(ls, le, out, outlen);
                        return 0;
                    }
                    fs = f_end + 1;
                }
            }
        }
        ls = le + 1;
    }
    return -1;
}

