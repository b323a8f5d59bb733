/*
 * jsonw.h: a streaming JSON writer into one growable buffer, for the
 * payloads written at poll rate (telemetry): no allocation per value and
 * one number formatter (numfmt.h). It owns the writer's separators and the
 * escaping of strings; what the document means is the caller's. Documents
 * read once and kept (interval, model records) are built with jansson
 * (records/payload.c).
 */
#ifndef MVG_JSONW_H
#define MVG_JSONW_H

#include <stddef.h>
#include <stdint.h>

typedef struct mvg_jsonw mvg_jsonw;

/* A writer; reset and reused for every document. NULL when out of memory. */
mvg_jsonw *mvg_jsonw_new(void);
void mvg_jsonw_free(mvg_jsonw *w);
/* Begins a new document (the buffer is kept). */
void mvg_jsonw_reset(mvg_jsonw *w);

/* Containers; a member of an object is mvg_jsonw_key then its value. */
void mvg_jsonw_obj(mvg_jsonw *w);
void mvg_jsonw_obj_end(mvg_jsonw *w);
void mvg_jsonw_arr(mvg_jsonw *w);
void mvg_jsonw_arr_end(mvg_jsonw *w);
void mvg_jsonw_key(mvg_jsonw *w, const char *key);

/* Values. A string must be UTF-8: a byte sequence that is not makes the
 * document fail (mvg_jsonw_done returns NULL), as jansson refuses one. A
 * double that is not finite is null; a finite one carries a '.' or an
 * exponent, so it reads back as a real ("55.0"). */
void mvg_jsonw_str(mvg_jsonw *w, const char *s);
void mvg_jsonw_num(mvg_jsonw *w, double v);
void mvg_jsonw_int(mvg_jsonw *w, int64_t v);
void mvg_jsonw_bool(mvg_jsonw *w, int v);
void mvg_jsonw_null(mvg_jsonw *w);
/* Bytes written as they are (already valid JSON, e.g. a formatted time in
 * quotes the caller built). */
void mvg_jsonw_raw(mvg_jsonw *w, const char *s, size_t len);

/* The finished document (NUL-terminated, *len its length), owned by the
 * writer until its next reset; NULL when out of memory, a string was not
 * UTF-8 or the containers do not balance. */
const char *mvg_jsonw_done(mvg_jsonw *w, size_t *len);

#endif
