/*
 * diag.h: a list of user-facing diagnostics ("FILE:LINE: message").
 * The config loader, the CSV reader and the CLI collect every problem they
 * find here instead of stopping at the first, so that a user fixes a file in
 * one pass. A diag list owns copies of its messages.
 */
#ifndef MVG_DIAG_H
#define MVG_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct mvg_diags mvg_diags;

mvg_diags *mvg_diags_new(void);
void mvg_diags_free(mvg_diags *d);

/* Adds "file:line: message"; file may be NULL (then just the message) and
 * line <= 0 leaves the line out. */
void mvg_diags_add(mvg_diags *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

size_t mvg_diags_count(const mvg_diags *d);
const char *mvg_diags_get(const mvg_diags *d, size_t i);
/* Prints every message, one per line. */
void mvg_diags_print(const mvg_diags *d, FILE *out);

/* Formats a one-line error into err (errlen bytes) for the functions that
 * report through an (err, errlen) pair; a NULL err or errlen 0 is allowed. */
/*
 * The NULL-terminated items as a message lists them: each inside quote
 * (e.g. "\"" or ""), ", " between them and last before the final one
 * (", " or " or "): `a, b or c`. Cut to fit buf (n bytes, n > 0).
 */
void mvg_diag_join(char *buf, size_t n, const char *const *items, const char *quote,
                   const char *last);

void mvg_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
