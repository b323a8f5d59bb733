/*
 * sample.h: the unit of the data flow: one point's value at one time with
 * the quality flag that travels with it, from the drivers through the
 * pipeline into the engine and the store. Plain values only, no state.
 */
#ifndef MVG_SAMPLE_H
#define MVG_SAMPLE_H

#include <stdint.h>

typedef enum {
    MVG_Q_GOOD,
    MVG_Q_STALE,
    MVG_Q_COMM_ERROR,
    MVG_Q_EXCEPTION,
    MVG_Q_OUT_OF_RANGE,
    MVG_Q_INVALID,
    MVG_Q_COUNTER_RESET
} mvg_quality;

/* What a sample's exact raw value is, besides its double: the register
 * value of a 64-bit integer point (a double holds integers exactly only up
 * to 2^53), or the text of a string point (whose value is NaN). NONE for
 * every other point and whenever the read produced no value. */
typedef enum { MVG_RAW_NONE, MVG_RAW_INT, MVG_RAW_UINT, MVG_RAW_TEXT } mvg_raw_kind;

/* One point's value at one time. value is NaN whenever quality says the
 * read produced no value (comm_error, exception); it is never the last
 * good value repeated. */
typedef struct {
    int64_t ts_ms;          /* UTC epoch milliseconds */
    double value;           /* engineering units: raw * scale + offset; NaN for a string */
    mvg_quality quality;
    uint8_t exception_code; /* Modbus exception code when quality is EXCEPTION */
    uint8_t raw_kind;       /* mvg_raw_kind: which of raw_i, raw_u, text holds the raw value */
    union {
        int64_t raw_i;      /* MVG_RAW_INT: the int64 register value, before scale */
        uint64_t raw_u;     /* MVG_RAW_UINT: the uint64 register value, before scale */
    };
    /* MVG_RAW_TEXT: the string, NUL-terminated, printable ASCII. It is not
     * the sample's: it lives as long as the array of samples it came with
     * (the poll's buffers, the queued batch, the store row being read);
     * whoever copies a sample beyond that copies the text too, or drops
     * it (NULL, kind NONE) when it has no use for it. */
    const char *text;
} mvg_sample;

/* The most characters of a string point (2 a register, count <= 64). */
#define MVG_TEXT_MAX 128

/* Room for the decimal text of any 64-bit integer and its terminator. */
#define MVG_SAMPLE_DIGITS 24

/* The sample's exact integer (MVG_RAW_INT, _UINT) in decimal, as JSON,
 * CSV, line protocol and the store's text write it: every output's one
 * formatter. Returns the length, or -1 (buf "") for another kind. */
int mvg_sample_raw_digits(const mvg_sample *s, char buf[MVG_SAMPLE_DIGITS]);

/* Lower-case names as they appear in JSON output and the store. */
const char *mvg_quality_name(mvg_quality q);

#endif
