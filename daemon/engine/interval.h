/*
 * interval.h: interval aggregation of the M&V engine. An mvg_interval turns
 * time-ordered samples of a fixed set of channels into records on
 * wall-clock-aligned intervals (boundaries are multiples of the interval
 * length since the UTC epoch): per channel the delta of a counter (rollover
 * added back, resets excluded) or the time integral of a rate (trapezoid,
 * split exactly at boundaries, never bridging a gap longer than max_gap_ms),
 * the time-weighted mean, min, max, sample counts, flags and coverage.
 * It owns the channel specs, the accumulators of the intervals still open and
 * the last sample of each channel; its whole state serialises to bytes and
 * restores exactly. Pure: no clock, no I/O; time comes in with the samples
 * and with mvg_interval_advance(). The rules are written down in
 * docs/intervals.md. Not thread-safe: one aggregator belongs to one thread.
 */
#ifndef MVG_INTERVAL_H
#define MVG_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

/* The engine's library does not carry the drivers' include path. */
#include "sample.h"

#define MVG_INTERVAL_MIN_MINUTES 1
#define MVG_INTERVAL_MAX_MINUTES 60
#define MVG_INTERVAL_DEFAULT_MINUTES 15
#define MVG_INTERVAL_MAX_GAP_LIMIT_MS (7LL * 24 * 3600 * 1000) /* upper bound of max_gap_ms */

typedef enum {
    MVG_INTERVAL_COUNTER, /* accumulating register (kWh, m3): value = delta */
    MVG_INTERVAL_RATE     /* rate or gauge (kW, m3/h, degC): value = time integral */
} mvg_interval_kind;

typedef struct {
    const char *name;        /* copied by mvg_interval_new() */
    mvg_interval_kind kind;
    /* Counters: the amount the counter wraps by, in engineering units:
     * mvg_codec_wrap_span(type) * scale; 0 when it never wraps (floats). */
    double wrap_span;
    /* Rates: seconds per unit of time of the rate, e.g. 3600 for kW -> kWh,
     * m3/h -> m3; 1 for a per-second rate. value = integral(rate dt) / unit_s.
     * Must be > 0 for rates; ignored for counters. */
    double unit_s;
    /* Two consecutive good samples further apart than this are not bridged:
     * nothing is integrated or apportioned between them and the time is not
     * covered. 1 .. MVG_INTERVAL_MAX_GAP_LIMIT_MS. */
    int64_t max_gap_ms;
} mvg_interval_channel;

/* Flags of one channel in one interval record. */
#define MVG_INTERVAL_F_ROLLOVER 0x1u /* a counter wrapped here; the span was added back */
#define MVG_INTERVAL_F_RESET 0x2u    /* a counter_reset sample or a backward step here */
#define MVG_INTERVAL_F_GAP 0x4u      /* a segment starting or ending here was longer than max_gap_ms */
#define MVG_INTERVAL_F_LATE 0x8u     /* a sample was rejected here as out of order or duplicate */

/* One channel in one interval. */
typedef struct {
    /* Counter: the delta over the covered time (segments straddling a
     * boundary apportioned linearly by time). Rate: the integral over the
     * covered time divided by unit_s. 0 when nothing is covered: always read
     * it together with coverage. */
    double value;
    /* Counters only: increase observed across a segment longer than
     * max_gap_ms that ended in this interval. Measured, but it cannot be
     * placed in time, so it is NOT part of value. 0 for rates. */
    double gap_delta;
    /* Time-weighted mean of the linear interpolant over the covered time;
     * when nothing is covered but good samples exist, their plain mean;
     * else NaN. For counters, of the readings (unwrapped along a segment). */
    double mean;
    /* Extremes over the good samples inside the interval and the
     * interpolated values where covered segments cross its boundaries.
     * NaN when there are neither. */
    double min, max;
    double coverage;     /* covered ms / interval ms, 0..1 */
    uint32_t n_good;     /* good samples with start <= ts < end */
    uint32_t n_bad;      /* samples of any other quality, never used as values */
    uint32_t n_rejected; /* out-of-order/duplicate samples with ts in this interval */
    uint32_t flags;      /* MVG_INTERVAL_F_* */
} mvg_interval_value;

/* A completed interval [start_ms, end_ms). ch[i] belongs to channel i of
 * mvg_interval_new(); the array is owned by the aggregator and valid only
 * during the callback: copy what you keep. */
typedef struct {
    int64_t start_ms;
    int64_t end_ms;
    size_t nch;
    const mvg_interval_value *ch;
    int partial; /* 1 when any channel's coverage is below 1 */
    /* > 0: the wall clock stepped forward by this much inside this interval
     * (mvg_interval_clock_step); the next record starts after the step. */
    int64_t clock_step_ms;
} mvg_interval_record;

typedef struct mvg_interval mvg_interval;

/*
 * Creates an aggregator of nch (>= 1) channels on intervals of interval_min
 * minutes (1..60). Returns NULL with err on a bad spec (names empty or
 * duplicated, unit_s <= 0 for a rate, wrap_span < 0, max_gap_ms out of range).
 */
mvg_interval *mvg_interval_new(int interval_min, const mvg_interval_channel *ch, size_t nch,
                               char *err, size_t errlen);
void mvg_interval_free(mvg_interval *agg);

int64_t mvg_interval_length_ms(const mvg_interval *agg);

/* Codes of mvg_interval_push() (and the other functions). */
#define MVG_INTERVAL_EARG (-1)  /* bad argument (channel index, NULL) */
#define MVG_INTERVAL_EORDER (-2) /* ts not after the channel's last sample: rejected, counted */
#define MVG_INTERVAL_ELATE (-3)  /* ts inside an interval already emitted: rejected, counted */
#define MVG_INTERVAL_ENOMEM (-4)
#define MVG_INTERVAL_EFORMAT (-5) /* state bytes corrupted, truncated or of another version */
#define MVG_INTERVAL_EMISMATCH (-6) /* state saved by an aggregator of other channels/length */
const char *mvg_interval_strerror(int code);

/*
 * Adds one sample of channel ch. Samples of one channel must come with
 * strictly increasing ts (channels are independent of each other). Only
 * MVG_Q_GOOD values are used; any other quality counts as bad: for a rate it
 * breaks the integration, for a counter it is skipped, and MVG_Q_COUNTER_RESET
 * makes the counter re-base on its next good sample. A good counter reading
 * below the base is a wrap or a reset by mvg_counter_step (counter.h), the
 * rule the driver applies to the raw readings. The hot path does not
 * format messages: use mvg_interval_strerror() on the code.
 * Returns 0, or MVG_INTERVAL_EORDER / ELATE (sample dropped, counted in
 * n_rejected and in mvg_interval_rejected()), EARG or ENOMEM.
 */
int mvg_interval_push(mvg_interval *agg, size_t ch, const mvg_sample *s);

/* Called once per completed interval, in time order. Return 0 to go on;
 * nonzero stops mvg_interval_advance() after this record (the record is
 * consumed either way; later ones stay for the next call). */
typedef int (*mvg_interval_emit_fn)(const mvg_interval_record *rec, void *user);

/*
 * Emits every interval with end_ms <= now_ms that is complete, in order,
 * including intervals without any data (coverage 0). now_ms is the caller's
 * statement that every sample with ts < now_ms has been pushed (the daemon
 * passes its clock minus a short grace). An interval whose end has passed
 * still waits while a channel's last good sample lies before its end and
 * could yet be joined by the next sample (now_ms <= that sample's ts +
 * max_gap_ms): so a record never depends on when advance() was called, only
 * on the samples. The first push or advance fixes the first interval (the
 * one containing that time). Returns the number of records emitted (>= 0),
 * or a negative code.
 */
int mvg_interval_advance(mvg_interval *agg, int64_t now_ms, mvg_interval_emit_fn emit,
                         void *user);

/*
 * The wall clock stepped forward from from_ms to to_ms (the caller detected
 * it against the monotonic clock). Time inside the step did not pass, so no
 * interval inside it is emitted: the record of the interval holding from_ms
 * (or the first not yet emitted) carries clock_step_ms, and the next record
 * is the interval holding to_ms. Several steps before that record add up.
 * A backward step needs no call: samples stamped inside intervals already
 * emitted are rejected as late (ELATE) until the clock passes them again.
 */
void mvg_interval_clock_step(mvg_interval *agg, int64_t from_ms, int64_t to_ms);

/* Samples of channel ch rejected so far (out of order, duplicate or late). */
uint64_t mvg_interval_rejected(const mvg_interval *agg, size_t ch);

/*
 * State serialisation, for restarts. The bytes hold everything (channel
 * specs for a check, open intervals, last samples, counters, a clock step
 * whose record is not emitted yet) in a versioned
 * little-endian format with a magic, a length and a checksum.
 * mvg_interval_state_size() is the exact size mvg_interval_save() writes.
 * save returns 0 and sets *written, or MVG_INTERVAL_EARG when cap is too small.
 * load restores into agg, which must have been created with the same
 * interval length and channel specs; it returns 0, or EFORMAT / EMISMATCH
 * with err, and then leaves agg unchanged. Restoring is exact: pushing the
 * same samples afterwards gives bit-identical records.
 */
size_t mvg_interval_state_size(const mvg_interval *agg);
int mvg_interval_save(const mvg_interval *agg, void *buf, size_t cap, size_t *written, char *err,
                      size_t errlen);
int mvg_interval_load(mvg_interval *agg, const void *buf, size_t len, char *err, size_t errlen);

#endif
