/*
 * clock.h: the daemon's clocks. Scheduling uses the monotonic clock (a
 * wall-clock step must not bunch or skip polls); samples are stamped by a
 * timebase, normally the realtime clock (UTC epoch ms), the time base of the
 * M&V intervals. A timebase can also run K times faster from a chosen
 * origin: the demo and the tests run a simulated plant whose clock is
 * accelerated, and the gateway's intervals must pass at the same speed.
 * The engine never calls these: time reaches it inside the samples.
 */
#ifndef MVG_CLOCK_H
#define MVG_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t mvg_clock_mono_ms(void);
/* The same monotonic clock in ns, for callers that scale time up (the
 * simulator's accelerated plant) and would see ms steps. */
int64_t mvg_clock_mono_ns(void);
int64_t mvg_clock_real_ms(void);
/* The monotonic time in_ms from now (<= 0: now) as the absolute timespec
 * pthread_cond_timedwait() takes, for a condition variable set up with
 * pthread_condattr_setclock(CLOCK_MONOTONIC). */
void mvg_clock_mono_deadline(int64_t in_ms, struct timespec *out);
/* Sleeps ms milliseconds, resuming after signals. */
void mvg_clock_sleep_ms(int64_t ms);

/* now = origin + (realtime - start) * scale. A plain value, read-only once
 * set up, shared by the threads. */
typedef struct {
    int64_t real_start_ms;
    int64_t origin_ms;
    double scale;
} mvg_timebase;

/* scale 1 and origin 0 give the realtime clock itself. origin_ms 0 starts
 * the scaled clock at the current real time. */
void mvg_timebase_init(mvg_timebase *tb, double scale, int64_t origin_ms);
int64_t mvg_timebase_now(const mvg_timebase *tb);

/* 1 when the kernel says the wall clock is synchronised (adjtimex, read
 * without privilege: no STA_UNSYNC, no TIME_ERROR), 0 when not: a gateway
 * without a battery clock boots at an old date and learns the time from
 * NTP later. */
int mvg_clock_synced(void);

/* Step detection. The wall clock may be stepped (an NTP step, an operator's
 * date, a clock that synchronises after boot) while the monotonic clock runs
 * on. Between two readings of both, the timebase should have moved by the
 * monotonic time passed times its scale; a difference beyond the threshold
 * is a step, of that difference (positive: forward). A slewing NTP moves the
 * clock by at most 0.05 % and never reaches the threshold. The detector is a
 * plain value owned by its caller (the pipeline loop); it takes the two
 * readings as arguments, so it is tested without touching a clock. */
#define MVG_CLOCK_STEP_MIN_MS 2000 /* in real time; scaled with the timebase */

typedef struct {
    int have;
    int64_t last_time_ms; /* timebase reading */
    int64_t last_mono_ms;
    double scale;         /* the timebase's */
    int64_t back_ms;      /* backward steps not yet undone by a forward one */
} mvg_clock_steps;

typedef struct {
    int64_t from_ms; /* the time the timebase would have read without the step */
    int64_t step_ms; /* its size, in timebase ms; < 0 backwards */
    /* The part of a forward step that skipped time: a forward step first
     * undoes the backward steps before it (the clock returns to the right
     * time, and what passed meanwhile did pass); a rest within the
     * threshold is none. 0 for a backward step. The skip is
     * [from_ms + step_ms - skip_ms, from_ms + step_ms). */
    int64_t skip_ms;
} mvg_clock_step;

void mvg_clock_steps_init(mvg_clock_steps *d, double scale);
/* Feeds one pair of readings (time_ms from the timebase, mono_ms from
 * mvg_clock_mono_ms()). Returns 1 and fills *out when the wall clock
 * stepped since the previous pair, else 0. */
int mvg_clock_steps_check(mvg_clock_steps *d, int64_t time_ms, int64_t mono_ms,
                          mvg_clock_step *out);

#endif
