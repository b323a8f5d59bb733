/*
 * config_table.h: a configuration section described by a table, one row per
 * key: its name, type, range or allowed values, default, where it lands in
 * the section's plain struct (offsetof) and one line of documentation. The
 * table drives the defaults, the reading (types, ranges, required keys,
 * unknown keys, names, paths, files that must be readable, all with
 * FILE:LINE diagnostics through config_read.h) and the key tables of
 * docs/config.md (`mvgate config-doc`). A rule between keys is not a row: it
 * lives in the section's own check function, next to its table. Owns
 * nothing; the tables themselves are constant.
 */
#ifndef MVG_CONFIG_TABLE_H
#define MVG_CONFIG_TABLE_H

#include <libconfig.h>
#include <stddef.h>
#include <stdio.h>

#include "config_read.h"

typedef enum {
    MVG_KEY_INT,    /* an integer field of any size (char .. long long) */
    MVG_KEY_NUMBER, /* double */
    MVG_KEY_BOOL,   /* int */
    MVG_KEY_STRING, /* char[size]; with MVG_KEY_POOLED a const char * (MVG_POOLED) */
    MVG_KEY_CHOICE, /* one of choices: stores values[i] (or i) into an integer field */
    MVG_KEY_TIME,   /* int64_t: a time by mvg_timefmt_parse (timefmt.h), in ms since the epoch */
    MVG_KEY_TEXT,   /* const char *: the string as given, pointing into the libconfig tree (valid
                     * while it lives): a reference or expression the section's code compiles */
    MVG_KEY_OTHER,  /* a list or group the section's code reads: known and documented only;
                     * REQUIRED: its absence is reported */
} mvg_key_type;

#define MVG_KEY_REQUIRED 0x01u /* absent is an error ("'x' is missing (hint)") */
#define MVG_KEY_NAME 0x02u     /* 1..63 letters, digits, '_' or '-' */
#define MVG_KEY_IDENT 0x04u    /* a name without '-': it is used as device.point */
#define MVG_KEY_NONEMPTY 0x08u
#define MVG_KEY_ABSPATH 0x10u
#define MVG_KEY_READABLE 0x20u /* a file the daemon reads later: readable now */
#define MVG_KEY_MANUAL 0x40u   /* read by the section's code with mvg_key_read */
#define MVG_KEY_INT_TOO 0x80u  /* a choice that also takes an integer lo..hi, stored as is */
#define MVG_KEY_SECRET 0x100u  /* a secret file: read now by the publishers' rule (secret.h) */
#define MVG_KEY_CUT 0x200u     /* a string longer than its field is cut, not refused */
/* A string kept in the reader's string pool (mvg_cfgr.pool): the field is a
 * const char * and size the longest string + 1, as for char[size]; the
 * default points at the row's def. For fields that a large configuration
 * has by the 100,000 (point names, units): a fixed array costs its whole
 * size in every point, the pool the characters once. */
#define MVG_KEY_POOLED 0x400u

typedef struct {
    const char *name;
    mvg_key_type type;
    unsigned flags;
    size_t offset, size;        /* the field; size 0: no field (OTHER) */
    size_t seen;                /* offsetof()+1 of an integer set to 1 when given; 0: none */
    size_t seen_size;           /* its size (an int, or a uint8_t in a packed struct) */
    long long lo, hi;           /* INT (and INT_TOO) */
    double min, max;            /* NUMBER */
    const char *const *choices; /* CHOICE, NULL-terminated */
    const int *values;          /* CHOICE: the value stored per choice; NULL: its index.
                                 * INT: the only values allowed, 0-terminated ("not <hint>") */
    const char *def;            /* default as written in a file ("30", "true", "normal") */
    const char *hint;           /* with a missing required key: "e.g. \"/var/lib/mvgate\"" */
    /* documentation: columns of docs/config.md; NULL ones are derived from the row */
    const char *type_doc, *def_doc, *allowed, *applies;
    const char *doc;
} mvg_key;

typedef struct mvg_section mvg_section;
struct mvg_section {
    const char *name; /* the section as docs/config.md names it */
    const mvg_key *keys;
    size_t nkeys;
    /* a section whose keys may also be written directly in this group (its
     * code reads them with mvg_section_read_rows); NULL: none */
    const mvg_section *inline_keys;
};

/* keys, nkeys and no inline_keys of a section's initializer */
#define MVG_KEYS(table) table, sizeof table / sizeof table[0], NULL
/* The field of struct T a row fills. */
#define MVG_FIELD(T, f) .offset = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define MVG_SEEN(T, f) .seen = offsetof(T, f) + 1, .seen_size = sizeof(((T *)0)->f)
/* The const char * field of a MVG_KEY_POOLED row, for strings of at most
 * cap - 1 characters (a field of another type does not compile). */
#define MVG_POOLED(T, f, cap)                                                                     \
    .offset = offsetof(T, f) + 0 * sizeof(char[_Generic(((T *)0)->f, const char *: 1)]),          \
    .size = (cap)

/* The sections with a table, in the order of docs/config.md; NULL-terminated. */
extern const mvg_section *const mvg_config_sections[];
extern const mvg_section mvg_config_gateway_section, mvg_config_bus_section,
    mvg_config_device_section, mvg_config_point_section, mvg_config_store_section,
    mvg_config_mqtt_section, mvg_config_influx_section, mvg_config_http_section,
    mvg_config_derived_section,
    mvg_config_projects_section, mvg_config_periods_section, mvg_config_criteria_section,
    mvg_config_streams_section, mvg_config_factors_section, mvg_config_voc_pair_section,
    mvg_config_model_section, mvg_config_adjustments_section;

/* Writes every row's default into out (a struct the table describes). */
void mvg_section_defaults(const mvg_section *s, void *out);

/* Reports members of g that have no row (here or in inline_keys), then
 * mvg_section_read_rows. */
void mvg_section_read(mvg_cfgr *r, const mvg_section *s, const config_setting_t *g,
                      const char *ctx, void *out, signed char *rc);
/* Reads every row that is not MANUAL or OTHER into out; an OTHER row gets 1
 * when given and is reported missing when REQUIRED. rc (nkeys entries, may
 * be NULL) gets each row's result as mvg_key_read returns it. */
void mvg_section_read_rows(mvg_cfgr *r, const mvg_section *s, const config_setting_t *g,
                           const char *ctx, void *out, signed char *rc);

/* 1 when g has the row named name, else 0 after reporting it missing in the
 * row's wording: for a key that a rule between keys requires here. */
int mvg_section_require(mvg_cfgr *r, const mvg_section *s, const char *name,
                        const config_setting_t *g, const char *ctx);

/* Checks that s is a group and reads it as mvg_section_read does (ctx
 * names s): 0, or -1 after "CTX must be a group SHAPE" (shape may be NULL,
 * e.g. "{ start = \"...\"; }"). */
int mvg_section_read_group(mvg_cfgr *r, const mvg_section *sec, const config_setting_t *s,
                           const char *ctx, const char *shape, void *out, signed char *rc);

/* Reads one row's key of g into out's field, or into field when not NULL
 * (a buffer of the row's size, for a MANUAL row the section converts): 0
 * absent (an error when REQUIRED), 1 read, -1 reported. */
int mvg_key_read(mvg_cfgr *r, const mvg_key *k, const config_setting_t *g, const char *ctx,
                 void *out, void *field);

/* The row named name; NULL when the section has none. */
const mvg_key *mvg_section_key(const mvg_section *s, const char *name);
/* rc of the row named name, as filled by mvg_section_read. */
int mvg_section_rc(const mvg_section *s, const signed char *rc, const char *name);

/* The name rule of MVG_KEY_NAME (ident_only: MVG_KEY_IDENT). */
int mvg_config_name_ok(const char *s, int ident_only);

/* The section's key table as markdown, as docs/config.md carries it. */
void mvg_section_doc(const mvg_section *s, FILE *out);

#endif
