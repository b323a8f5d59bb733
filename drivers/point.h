/*
 * point.h: from a planned read to one point's sample. Decodes the point's
 * registers (or bit), applies scale and offset, sets the quality flag
 * (invalid for NaN/Inf, out_of_range outside the configured min/max), and
 * tracks counters across polls so that a counter running backwards is
 * flagged as a reset while a wrap of the integer type is recognised as a
 * rollover. Pure functions and a plain value type; owns nothing.
 */
#ifndef MVG_POINT_H
#define MVG_POINT_H

#include <stdint.h>

#include "device.h"
#include "modbus_types.h"

/*
 * Decodes one point. regs points at the point's first register inside the
 * request buffer (reply + slot offset) for register areas; bits points at the
 * point's bit (0/1 byte) for coil/discrete areas; the other may be NULL. A
 * bool of a register area with has_bit is bit p->bit of the register (after
 * its byte order); without, it is true when the register is non-zero.
 * *raw_out is the decoded register value, *value_out = raw * scale + offset,
 * always the decoded one even when the quality is not good, so the caller may
 * log it (the poller publishes NaN for invalid). *q is MVG_Q_GOOD,
 * MVG_Q_INVALID (raw or value NaN/Inf) or MVG_Q_OUT_OF_RANGE (value outside
 * min/max where configured).
 * Returns 0, or -1 when the point cannot be decoded at all (order does not
 * fit the type, a non-bool type in a bit area, missing buffer); then
 * *value_out is NaN and *q MVG_Q_INVALID.
 */
int mvg_point_decode(const mvg_point_cfg *p, const uint16_t *regs, const uint8_t *bits,
                     double *raw_out, double *value_out, mvg_quality *q);

/*
 * The exact raw value a sample carries besides its double (sample.h), for a
 * point mvg_point_decode decoded from the same regs: an int64 or uint64
 * point's register value (s->raw_i, s->raw_u), a string point's text
 * (written into text, of textlen bytes, MVG_TEXT_MAX + 1 for any string;
 * s->text points at it). Every other point, and a NULL regs, gets kind
 * MVG_RAW_NONE. A string point decodes with a NaN value and quality good:
 * its text is its value.
 */
void mvg_point_decode_raw(const mvg_point_cfg *p, const uint16_t *regs, char *text,
                          size_t textlen, mvg_sample *s);

/* A point's width in the units of its area: 1 in a bit area, the string's
 * count, else the type's registers. */
unsigned mvg_point_width(const mvg_point_cfg *p);

/*
 * Per-point counter state across polls. Zero-initialise it ({0}) before the
 * first reading; it is a plain value, copy it freely.
 */
typedef struct {
    int have_prev;      /* 0 until the first good reading */
    double prev_raw;    /* last good raw reading */
    double step_raw;    /* forward raw step of the last call: raw - prev, plus the span
                           on a rollover; 0 on the first reading and after a reset */
    int rolled;         /* 1 when the last call was a rollover */
    unsigned long rollovers; /* rollovers seen since the tracker started */
    unsigned long resets;    /* resets seen since the tracker started */
} mvg_counter_track;

/*
 * Advances the tracker with a new raw reading of a counter point (call it
 * after mvg_point_decode, with that raw value and quality).
 *
 * Only good readings move the tracker; any other quality, and points of kind
 * gauge, leave it untouched. A reading below the previous one is:
 *  - a rollover, for integer types only, when going forward around the wrap
 *    is a small step by mvg_counter_step's rule (counter.h: less than a
 *    quarter of the span, span = 2^16, 2^32 or 2^64 from
 *    mvg_codec_wrap_span; for signed types the range runs from the most
 *    negative value, so 32767 -> -32768 is a step of 1). The quality stays
 *    good; step_raw is the wrapped step.
 *  - otherwise a reset (meter replaced or cleared): *q becomes
 *    MVG_Q_COUNTER_RESET, step_raw 0, and the tracker rebases on raw, so the
 *    next reading counts from there. Floats never roll over.
 * Returns 0, or -1 for NULL arguments.
 */
int mvg_point_counter_step(mvg_counter_track *t, const mvg_point_cfg *p, double raw,
                           mvg_quality *q);

#endif
