/*
 * lineproto.h: an encoder of InfluxDB line protocol. It owns a growable
 * text buffer of complete lines and follows the escaping rules exactly
 * (checked against influxd 1.6, see LIBRARY-NOTES): measurement escapes ','
 * and ' '; tag keys, tag values and field keys escape ',', '=' and ' ';
 * string field values are quoted with '"' and '\' escaped. What line
 * protocol cannot carry is refused rather than mangled: empty names or tag
 * values, newlines, a tag value ending in a backslash. NaN and Inf field
 * values are left out of the line (influxd rejects them; the sample's
 * quality field says why the value is missing), and a line left with no
 * field is dropped whole, so the buffer only ever holds lines influxd takes.
 */
#ifndef MVG_LINEPROTO_H
#define MVG_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct mvg_lp mvg_lp;

typedef enum { MVG_LP_NS, MVG_LP_US, MVG_LP_MS, MVG_LP_S } mvg_lp_precision;

enum {
    MVG_LP_OK = 0,
    MVG_LP_EINVAL = -1,  /* a name or value line protocol cannot carry */
    MVG_LP_ENOMEM = -2,
    MVG_LP_ESTATE = -3,  /* call out of order (tag after field, end without begin) */
    MVG_LP_SKIPPED = 1   /* NaN/Inf field left out; or end() dropped a line without fields */
};

mvg_lp *mvg_lp_new(void);
void mvg_lp_free(mvg_lp *lp);

/* Starts a line. A line that is begun and not ended is discarded by the
 * next begin() or by mvg_lp_data(): the buffer never holds half a line. */
int mvg_lp_begin(mvg_lp *lp, const char *measurement);
int mvg_lp_tag(mvg_lp *lp, const char *key, const char *value);
int mvg_lp_field_double(mvg_lp *lp, const char *key, double v);
int mvg_lp_field_int(mvg_lp *lp, const char *key, int64_t v);
/* An unsigned integer field ("42u"): InfluxDB 2 has them, 1.x refuses them. */
int mvg_lp_field_uint(mvg_lp *lp, const char *key, uint64_t v);
int mvg_lp_field_bool(mvg_lp *lp, const char *key, int v);
int mvg_lp_field_string(mvg_lp *lp, const char *key, const char *v);
/* Ends the line with timestamp ts (in the precision the writer will name).
 * Returns MVG_LP_SKIPPED, and drops the line, when it has no field or when a
 * tag or field of it was refused: a point without one of its tags would land
 * in another series. */
int mvg_lp_end(mvg_lp *lp, int64_t ts);

/* The complete lines so far ("...\n" each) and their byte length. */
const char *mvg_lp_data(mvg_lp *lp, size_t *len);
size_t mvg_lp_lines(const mvg_lp *lp);
void mvg_lp_clear(mvg_lp *lp);

/* The query-string value for InfluxDB's precision parameter ("ns", "ms", ...). */
const char *mvg_lp_precision_name(mvg_lp_precision p);

#endif
