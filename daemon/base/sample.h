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

/* One point's value at one time. value is NaN whenever quality says the
 * read produced no value (comm_error, exception); it is never the last
 * good value repeated. */
typedef struct {
    int64_t ts_ms;          /* UTC epoch milliseconds */
    double value;           /* engineering units: raw * scale + offset */
    mvg_quality quality;
    uint8_t exception_code; /* Modbus exception code when quality is EXCEPTION */
} mvg_sample;

/* Lower-case names as they appear in JSON output and the store. */
const char *mvg_quality_name(mvg_quality q);

#endif
