/*
 * diag.c: growable list of formatted diagnostics.
 */
#include "diag.h"
#include "vec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct mvg_diags {
    char **msgs;
    size_t n, cap;
};

mvg_diags *mvg_diags_new(void) { return calloc(1, sizeof(mvg_diags)); }

void mvg_diags_free(mvg_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    free(d);
}

void mvg_diags_add(mvg_diags *d, const char *file, int line, const char *fmt, ...)
{
    char body[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);

    char msg[1400];
    if (file && line > 0)
        snprintf(msg, sizeof msg, "%s:%d: %s", file, line, body);
    else if (file)
        snprintf(msg, sizeof msg, "%s: %s", file, body);
    else
        snprintf(msg, sizeof msg, "%s", body);

    char **m = mvg_vec_reserve(d->msgs, d->n, &d->cap, sizeof *m, 8);
    if (!m)
        return; /* out of memory: the diagnostic is dropped, the count stays honest */
    d->msgs = m;
    d->msgs[d->n] = strdup(msg);
    if (d->msgs[d->n])
        d->n++;
}

size_t mvg_diags_count(const mvg_diags *d) { return d ? d->n : 0; }

const char *mvg_diags_get(const mvg_diags *d, size_t i) { return i < d->n ? d->msgs[i] : NULL; }

void mvg_diags_print(const mvg_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(out, "%s\n", d->msgs[i]);
}

void mvg_diag_join(char *buf, size_t n, const char *const *items, const char *quote,
                   const char *last)
{
    size_t count = 0, len = 0;
    while (items[count])
        count++;
    buf[0] = '\0';
    for (size_t i = 0; i < count && len < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == count ? last : ", ";
        int w = snprintf(buf + len, n - len, "%s%s%s%s", sep, quote, items[i], quote);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

void mvg_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
