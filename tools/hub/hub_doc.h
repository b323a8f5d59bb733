/*
 * hub_doc.h: a received message's JSON as the hub reads it, parsed once
 * into a flat, read-only tree. It owns the parse (yajl's events, with the
 * checks jansson makes that yajl does not) and the tree: nodes in one
 * array, strings and numbers' text in one arena. Why not jansson, which
 * the rest of the codebase uses: every message the hub receives is parsed,
 * and jansson's json_loadb of a 2.6 kB interval record takes about 50 us
 * here (a hash table per object, strtod of every number), the largest part
 * of what a record cost the hub; this takes about 8 us and converts a
 * number only when one is asked for (docs/dependencies.md).
 *
 * What it accepts is what jansson's json_loadb accepts as an object
 * (tests/fuzz/fuzz_hub_doc.c compares the two), with two exceptions: a
 * real number beyond the range of a double is not refused at the parse
 * (jansson refuses the document), it reads as a non-finite value, which
 * the hub's readers treat as absent; and a raw NUL byte after a number,
 * which jansson takes although it is not JSON, is refused. Strings holding
 * a NUL (\u0000) and integers beyond int64 are refused, as jansson refuses
 * them; a duplicate member reads as its last occurrence, as in jansson.
 */
#ifndef MVG_HUB_DOC_H
#define MVG_HUB_DOC_H

#include <stddef.h>
#include <stdint.h>

typedef struct mvg_hub_doc mvg_hub_doc;

/* A node of a document: its index, or MVG_HUB_DOC_NONE. */
typedef int32_t mvg_hub_node;
#define MVG_HUB_DOC_NONE ((mvg_hub_node)-1)

typedef enum {
    MVG_HUB_DOC_NULL,
    MVG_HUB_DOC_BOOL,
    MVG_HUB_DOC_NUMBER,
    MVG_HUB_DOC_STRING,
    MVG_HUB_DOC_OBJECT,
    MVG_HUB_DOC_ARRAY,
} mvg_hub_doc_type;

/* The JSON text bytes[0..len) whose top level is an object: NULL when it
 * is not JSON, not an object, or memory ran out (err, when not NULL, says
 * which and where: yajl's words). */
mvg_hub_doc *mvg_hub_doc_parse(const char *bytes, size_t len, char *err, size_t errlen);
void mvg_hub_doc_free(mvg_hub_doc *d);

/* The top-level object. */
mvg_hub_node mvg_hub_doc_root(const mvg_hub_doc *d);
/* n's type; NONE reads as null. */
mvg_hub_doc_type mvg_hub_doc_type_of(const mvg_hub_doc *d, mvg_hub_node n);
/* Member key of object n (its last occurrence), or NONE (n not an object,
 * or no such member). */
mvg_hub_node mvg_hub_doc_get(const mvg_hub_doc *d, mvg_hub_node n, const char *key);
/* The elements of array n: count, and the first and the next after e
 * (NONE after the last). */
size_t mvg_hub_doc_count(const mvg_hub_doc *d, mvg_hub_node n);
mvg_hub_node mvg_hub_doc_first(const mvg_hub_doc *d, mvg_hub_node n);
mvg_hub_node mvg_hub_doc_next(const mvg_hub_doc *d, mvg_hub_node e);

/* String n, or NULL when n is not a string. */
const char *mvg_hub_doc_str(const mvg_hub_doc *d, mvg_hub_node n);
/* Number n as a double, or NaN when n is not a number. */
double mvg_hub_doc_num(const mvg_hub_doc *d, mvg_hub_node n);
/* Number n written as an integer (no fraction, no exponent: jansson's
 * json_is_integer): 1 with *v, else 0. */
int mvg_hub_doc_int(const mvg_hub_doc *d, mvg_hub_node n, int64_t *v);

/* Shorthands for a member of object n: its string (or NULL), its number
 * (or NaN). */
const char *mvg_hub_doc_get_str(const mvg_hub_doc *d, mvg_hub_node n, const char *key);
double mvg_hub_doc_get_num(const mvg_hub_doc *d, mvg_hub_node n, const char *key);

#endif
