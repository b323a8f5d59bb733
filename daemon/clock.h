/*
 * clock.h: the daemon's two clocks. Scheduling uses the monotonic clock (a
 * wall-clock step must not bunch or skip polls); samples are stamped with
 * the realtime clock (UTC epoch ms), the time base of the M&V intervals.
 * The engine never calls these: time reaches it inside the samples.
 */
#ifndef MVG_CLOCK_H
#define MVG_CLOCK_H

#include <stdint.h>

int64_t mvg_clock_mono_ms(void);
int64_t mvg_clock_real_ms(void);
/* Sleeps ms milliseconds, resuming after signals. */
void mvg_clock_sleep_ms(int64_t ms);

#endif
