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

#endif
