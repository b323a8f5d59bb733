/*
 * config_scan.h: finds the top-level `devices = ( ... );` list of a
 * configuration's text by libconfig's lexical rules (strings with escapes,
 * "#", "//" and C comments, @include) and cuts its elements into chunks of
 * about a given size, so that the loader parses the devices a chunk at a
 * time instead of holding libconfig's tree of every point (hundreds of bytes
 * a setting) beside the configuration built from it. Anything unusual is a
 * refusal, and the caller reads the whole file as before. Pure: no I/O, no
 * allocation but the chunk table it hands out.
 */
#ifndef MVG_CONFIG_SCAN_H
#define MVG_CONFIG_SCAN_H

#include <stddef.h>

/* A run of whole elements of the list: text[start, end) with the commas
 * between them, the first starting on line `line` (1-based). */
typedef struct {
    size_t start, end;
    int line;
} mvg_cfgscan_chunk;

typedef struct {
    size_t open, close;       /* the offsets of the list's '(' and ')' */
    size_t nelems;            /* elements in the list (at least 1) */
    mvg_cfgscan_chunk *chunks;
    size_t nchunks;
} mvg_cfgscan;

/*
 * Scans text (len bytes; a NUL ends a line as a newline does, as
 * mvg_cfgr_src keeps a file) for the devices list and cuts it after an
 * element once a chunk holds at least chunk_bytes. Returns 0 with *out
 * filled (free it with mvg_cfgscan_free), or -1 when the whole file must be
 * read instead: no top-level `devices` list, a second one, an @include
 * before or inside it, an empty list, unbalanced brackets, an unterminated
 * string or comment, or no memory.
 */
int mvg_cfgscan_devices(const char *text, size_t len, size_t chunk_bytes, mvg_cfgscan *out);
void mvg_cfgscan_free(mvg_cfgscan *s);

/* text with the list's elements blanked: every byte between its brackets a
 * space but line ends, which become newlines, as NULs do elsewhere; so
 * libconfig parses the rest of the file with its line numbers unchanged.
 * NUL-terminated, the caller frees it; NULL when out of memory. */
char *mvg_cfgscan_blanked(const char *text, size_t len, const mvg_cfgscan *s);

/* `devices = ( <the chunk's elements> );` preceded by as many newlines as
 * put its first element on its own line; NUL-terminated, the caller frees
 * it; NULL when out of memory. */
char *mvg_cfgscan_chunk_text(const char *text, const mvg_cfgscan_chunk *c);

#endif
