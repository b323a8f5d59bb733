/*
 * counter.h: the one rule that tells a counter's wrap from its reset. A
 * wrap is the register reaching its span (2^16, 2^32, 2^64 raw counts, or
 * that span in engineering units) and starting again from zero; a reset is
 * the meter replaced or cleared. The driver applies the rule to raw
 * readings as they are polled, the engine to the values it aggregates
 * (replays and imports never went through a driver). Pure: no state, no
 * clock, usable by the engine.
 */
#ifndef MVG_COUNTER_H
#define MVG_COUNTER_H

typedef enum {
    MVG_COUNTER_FORWARD, /* cur >= prev: the plain increase */
    MVG_COUNTER_WRAP,    /* backwards, but a small step forward around the span */
    MVG_COUNTER_RESET,   /* backwards otherwise: the increase is unknown */
} mvg_counter_step_kind;

/*
 * One step of a counter from prev to cur. span is the amount the counter
 * wraps by, 0 (or less) when it never wraps (floats).
 *  - cur >= prev: FORWARD, *delta = cur - prev;
 *  - span > 0 and cur + span - prev < span / 4: WRAP, *delta = that sum;
 *  - otherwise RESET, *delta = 0.
 * A quarter, not a half: a reset misread as a wrap invents up to the
 * threshold times the span as consumption (for a uint16 kWh register up to
 * 16384 kWh at a quarter, 32768 at a half) and biases the savings, while a
 * wrap misread as a reset only loses one poll's increase, flagged. One
 * poll of a real meter moves a tiny fraction of its span, so a quarter
 * never misses a genuine wrap. NaN in gives RESET. delta may be NULL.
 */
mvg_counter_step_kind mvg_counter_step(double prev, double cur, double span, double *delta);

#endif
