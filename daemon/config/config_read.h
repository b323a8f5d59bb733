/*
 * config_read.h: typed reading of libconfig settings with diagnostics. Each
 * reader checks a member's type and range and, on a problem, adds
 * "FILE:LINE: context: message" to the diag list and counts an error, so a
 * section loader collects every problem in one pass. Owns nothing.
 */
#ifndef MVG_CONFIG_READ_H
#define MVG_CONFIG_READ_H

#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>

#include "diag.h"

typedef struct mvg_cfgr_s {
    mvg_diags *diags;
    int errors;
    /* Optional: the file given to config_read_file and the include dir.
     * libconfig names a setting of an @included file by its path relative
     * to the include dir; with these set, diagnostics name it from the
     * working directory instead (dir/conf.d/x.conf), so it can be opened. */
    const char *main_file;
    const char *include_dir;
    /* The loader's options (config.h), NULL when none were given. */
    const struct mvg_config_opts *opts;
    /* Optional: the source files kept in memory while the integer literals
     * are read again (mvg_cfgr_int_value), so that a file of 10,000 points
     * is read once, not once per integer; the caller frees it
     * (mvg_cfgr_src_free). NULL: each literal's line is read from disk. */
    struct mvg_cfgr_src *src;
    /* Where MVG_KEY_POOLED strings go (config_table.h): the configuration's
     * string pool. NULL: a pooled key is reported as out of memory. */
    struct mvg_strpool *pool;
} mvg_cfgr;

/* The integer literals of one source line, indexed by value (config_read.c). */
typedef struct mvg_cfgr_lits mvg_cfgr_lits;

/* A few source files in memory, split into NUL-terminated lines. Each file
 * keeps the index of the line last asked for: a device of 1,000 points
 * written on one line is scanned once, not once per literal (a 100,000-point
 * file took half a minute to load that way). */
#define MVG_CFGR_SRC_FILES 8
typedef struct mvg_cfgr_src {
    struct {
        char *name, *text;
        size_t *line;   /* offsets of the lines in text */
        size_t nlines;
        size_t len;     /* bytes of text, its final NUL not counted */
        int pinned;     /* handed out by mvg_cfgr_src_text: never reused */
        mvg_cfgr_lits *lits; /* NULL until a literal of this file is looked up */
    } f[MVG_CFGR_SRC_FILES];
    size_t next;        /* the slot to reuse when all are taken */
} mvg_cfgr_src;

void mvg_cfgr_src_free(mvg_cfgr_src *src);

/* The text of file as src keeps it (each line end a NUL), read now unless it
 * already is, *len its length; kept in place until mvg_cfgr_src_free, so the
 * loader scans the file it reads the literals of, once (config_scan.h).
 * NULL when it cannot be read. */
const char *mvg_cfgr_src_text(mvg_cfgr_src *src, const char *file, size_t *len);

/* Names file as the source of every setting under s that libconfig parsed
 * from a string (which it gives no file): the loader parses the devices of
 * the main file from strings, and every diagnostic, the settings' src and
 * the reading of integer literals must still name that file. file must
 * outlive the settings. */
void mvg_cfgr_name_source(config_setting_t *s, const char *file);

/* The name to report for file (a libconfig source or error file): file
 * itself, or include_dir/file for a relative @included file. May return buf. */
const char *mvg_cfgr_file(const mvg_cfgr *r, const char *file, char *buf, size_t cap);

/* Reports why config_read_file(c, path) failed: an unreadable path, an
 * @include whose file is missing (naming the file and the path it was looked
 * for at), or a syntax error, each as FILE:LINE; what is appended to the
 * message (e.g. " (profile \"x\")", or ""). Counts one error. */
void mvg_cfgr_read_error(mvg_cfgr *r, const config_t *c, const char *path, const char *what);

void mvg_cfgr_fail(mvg_cfgr *r, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* mvg_cfgr_fail with its arguments as a va_list, for wrappers. */
void mvg_cfgr_vfail(mvg_cfgr *r, const config_setting_t *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Every member of group g must be one of allowed (NULL-terminated). */
void mvg_cfgr_keys(mvg_cfgr *r, const config_setting_t *g, const char *const *allowed,
                   const char *ctx);

/* The exact value of an integer setting s: libconfig 1.5 keeps only the low
 * 32 bits of a literal without the L suffix, so the literal is read again
 * from its source line. Returns 0 (*v set), or -1 when the literal does not
 * fit 64 bits. text gets the literal as written, for messages. Every reader
 * of an integer goes through here. */
int mvg_cfgr_int_value(const mvg_cfgr *r, const config_setting_t *s, long long *v, char *text,
                       size_t cap);

/* Optional members: absent leaves *v untouched and returns 0; read returns
 * 1; a wrong type or range reports and returns -1. */
int mvg_cfgr_int(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                 long long lo, long long hi, long long *v);
int mvg_cfgr_number(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    double lo, double hi, double *v);
int mvg_cfgr_bool(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx, int *v);
/* Copies into buf (cap bytes, too long is an error). */
int mvg_cfgr_string(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    char *buf, size_t cap);
/* One of choices (NULL-terminated): *index gets its position. */
int mvg_cfgr_choice(mvg_cfgr *r, const config_setting_t *g, const char *key, const char *ctx,
                    const char *const *choices, int *index);

#endif
