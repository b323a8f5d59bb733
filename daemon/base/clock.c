/*
 * clock.c: monotonic and realtime milliseconds, condition-variable deadlines.
 */
#include "clock.h"

#include <errno.h>
#include <sys/timex.h>
#include <time.h>

static int64_t ms_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mvg_clock_mono_ms(void) { return ms_of(CLOCK_MONOTONIC); }
int64_t mvg_clock_real_ms(void) { return ms_of(CLOCK_REALTIME); }

int64_t mvg_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mvg_clock_mono_deadline(int64_t in_ms, struct timespec *out)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    if (in_ms <= 0)
        return;
    out->tv_sec += (time_t)(in_ms / 1000);
    out->tv_nsec += (long)(in_ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

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

int mvg_clock_synced(void)
{
    struct timex tx = {0}; /* modes 0: read only */
    int state = adjtimex(&tx);
    return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

void mvg_clock_steps_init(mvg_clock_steps *d, double scale)
{
    d->have = 0;
    d->last_time_ms = d->last_mono_ms = d->back_ms = 0;
    d->scale = scale > 0 ? scale : 1.0;
}

int mvg_clock_steps_check(mvg_clock_steps *d, int64_t time_ms, int64_t mono_ms,
                          mvg_clock_step *out)
{
    int had = d->have;
    int64_t expected = d->last_time_ms + (int64_t)((double)(mono_ms - d->last_mono_ms) * d->scale);
    d->have = 1;
    d->last_time_ms = time_ms;
    d->last_mono_ms = mono_ms;
    if (!had)
        return 0;
    int64_t diff = time_ms - expected;
    int64_t limit = (int64_t)((double)MVG_CLOCK_STEP_MIN_MS * d->scale);
    if (diff <= limit && diff >= -limit)
        return 0;
    out->from_ms = expected;
    out->step_ms = diff;
    out->skip_ms = 0;
    if (diff < 0) {
        d->back_ms -= diff;
    } else {
        int64_t undone = diff < d->back_ms ? diff : d->back_ms;
        d->back_ms -= undone;
        out->skip_ms = diff - undone > limit ? diff - undone : 0;
    }
    return 1;
}
