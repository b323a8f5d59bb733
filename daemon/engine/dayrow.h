/*
 * dayrow.h: the day rows of a project at daily granularity. It owns the
 * rule that makes a day out of a project's intervals: which local day an
 * interval belongs to (UTC plus the project's utc_offset, no zone
 * database), what a day's figures are (the use summed over its intervals,
 * each x summed when it is an amount and averaged when it is a level, a
 * temperature say, whose day mean is what a degree-day model needs), and
 * when a day is complete: every one of its intervals was fed, was valid
 * for the stream and lay in one phase. A day short of one interval is
 * not scaled up (a factory's missing night shift is not the day's mean
 * times 24 h): it is reported and not counted. One accumulator per stream;
 * plain values, no allocation. Pure: no clock, no I/O.
 */
#ifndef MVG_DAYROW_H
#define MVG_DAYROW_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MVG_DAY_MS 86400000LL

/* What every accumulator of a project shares. */
typedef struct {
    int64_t interval_ms;  /* divides a day */
    int utc_offset_min;   /* a multiple of the interval, so local midnight is a boundary */
    size_t nx;
    unsigned x_sum;       /* bit j: x[j] is an amount (summed), else a level (averaged) */
} mvg_dayrow_cfg;

/* A day of one stream. */
typedef struct {
    int64_t start_ms, end_ms; /* local midnight to midnight, as UTC ms */
    int complete;             /* every interval fed, valid and of one phase */
    int phase;                /* the intervals' phase (the caller's numbering); -1 if mixed */
    uint32_t intervals;       /* intervals a full day has */
    uint32_t fed, valid;      /* of them fed, and valid */
    double y;                 /* sum of y over the valid intervals */
    double aux;               /* a second amount summed the same way (a VOC inlet mass) */
    size_t nx;
    double x[MVG_MODEL_MAX_X];/* per x: the sum or the mean over the valid intervals (NaN: none) */
} mvg_dayrow;

/* The open day of a stream: the sums so far. */
typedef struct {
    int open;
    int64_t start_ms;
    uint32_t fed, valid;
    int phase;
    double y, aux, x[MVG_MODEL_MAX_X];
    uint64_t stale; /* days closed without their last interval (a gap over a midnight) */
} mvg_dayrow_acc;

/* 0, or -1 with err: an interval that does not divide a day, an offset
 * that is not a multiple of it, too many x. */
int mvg_dayrow_cfg_check(const mvg_dayrow_cfg *c, char *err, size_t errlen);

/* The local day's first instant (UTC ms) of the day holding t. */
int64_t mvg_dayrow_day_start(const mvg_dayrow_cfg *c, int64_t t);

void mvg_dayrow_reset(mvg_dayrow_acc *a);

/*
 * Feeds the interval starting at start_ms (intervals in time order, each
 * once): valid says whether it counts for the stream, and then y, aux and
 * x[0..nx-1] are its figures (ignored when not valid); phase is the
 * caller's phase of the interval. A day that was open and that this
 * interval does not belong to is closed without being returned (its last
 * interval never came: a->stale counts it). Returns 1 and fills *day
 * when this interval is the last of its day (complete or not), else 0.
 */
int mvg_dayrow_add(mvg_dayrow_acc *a, const mvg_dayrow_cfg *c, int64_t start_ms, int valid,
                   int phase, double y, double aux, const double *x, mvg_dayrow *day);

#endif
