/*
 * clock.c: monotonic and realtime milliseconds.
 */
#include "clock.h"

#include <errno.h>
#include <time.h>

static int64_t ms_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mvg_clock_mono_ms(void) { return ms_of(CLOCK_MONOTONIC); }
int64_t mvg_clock_real_ms(void) { return ms_of(CLOCK_REALTIME); }

void mvg_clock_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void mvg_timebase_init(mvg_timebase *tb, double scale, int64_t origin_ms)
{
    tb->real_start_ms = mvg_clock_real_ms();
    tb->scale = scale > 0 ? scale : 1.0;
    tb->origin_ms = origin_ms ? origin_ms : tb->real_start_ms;
}

int64_t mvg_timebase_now(const mvg_timebase *tb)
{
    int64_t real = mvg_clock_real_ms();
    if (tb->scale == 1.0 && tb->origin_ms == tb->real_start_ms)
        return real;
    return tb->origin_ms + (int64_t)((double)(real - tb->real_start_ms) * tb->scale);
}
