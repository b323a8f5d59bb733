/*
 * poller.c: the bus thread and its per-device schedule.
 */
#include "poller.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquire.h"
#include "clock.h"
#include "log.h"
#include "transport.h"

struct dev_slot {
    size_t index;           /* into cfg->devices */
    const mvg_device_cfg *cfg;
    mvg_acquire *acq;
    int64_t due_mono;
    unsigned failures;      /* consecutive polls without any answer */
    mvg_device_status status; /* guarded by the poller's mutex */
};

struct mvg_poller {
    const mvg_config *cfg;
    const mvg_bus_cfg *bus;
    unsigned generation;
    const mvg_timebase *tb;
    mvg_sample_queue *queue;
    mvg_transport *tr;
    struct dev_slot *devs;
    size_t ndevs;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int stop;               /* guarded by mu */
    _Atomic int64_t heartbeat;
};

static void free_poller(mvg_poller *p)
{
    for (size_t i = 0; i < p->ndevs; i++) {
        mvg_acquire_free(p->devs[i].acq);
    }
    free(p->devs);
    mvg_transport_free(p->tr);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    free(p);
}

/* The thread is alive: it got back from a request (acquire.h's progress). */
static void beat(void *arg)
{
    mvg_poller *p = arg;
    atomic_store(&p->heartbeat, mvg_clock_mono_ms());
}

/* acquire.h's pause: a backoff that a stop cuts short. 1 when stopping. */
static int pause_or_stop(void *arg, int ms)
{
    mvg_poller *p = arg;
    pthread_mutex_lock(&p->mu);
    if (ms > 0 && !p->stop) {
        struct timespec until;
        mvg_clock_mono_deadline(ms, &until);
        while (!p->stop && pthread_cond_timedwait(&p->wake, &p->mu, &until) != ETIMEDOUT)
            ;
    }
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

static void poll_device(mvg_poller *p, struct dev_slot *d)
{
    const mvg_bus_cfg *bus = p->bus;
    mvg_acquire_opts opts = {
        .retries = bus->retries,
        .backoff_ms = bus->backoff_ms,
        .probe_only = !d->status.online && d->status.polls > 0,
        .progress = beat,
        .progress_ctx = p,
        .pause = pause_or_stop,
    };
    /* polled straight into the batch that is queued: no copy of the
     * samples, and no buffer per device kept between polls (4 MB at
     * 100,000 points) */
    mvg_sample_batch *batch = mvg_sample_batch_new(d->cfg->npoints);
    if (!batch) {
        mvg_log(MVG_LOG_WARN, "device %s: out of memory, poll skipped", d->cfg->name);
        return;
    }
    mvg_acquire_result res;
    int64_t t0 = mvg_clock_mono_ns();
    mvg_acquire_poll(d->acq, p->tr, &opts, p->tb, batch->samples, &res);
    int64_t rtt_ns = mvg_clock_mono_ns() - t0;
    /* a poll cut short by a stop is not a poll: neither counted nor queued
     * (its generation's batches are not read any more) */
    if (res.stopped) {
        free(batch);
        return;
    }

    int was_online = d->status.online;
    int online = was_online;
    if (res.comm_ok) {
        d->failures = 0;
        online = 1;
    } else if (++d->failures >= (unsigned)bus->offline_after) {
        online = 0;
    }

    pthread_mutex_lock(&p->mu);
    d->status.polls++;
    if (res.failed)
        d->status.failed_polls++;
    if (res.comm_ok) {
        d->status.last_good_ms = mvg_timebase_now(p->tb);
        static const int64_t bounds_ms[] = MVG_POLL_RTT_BOUNDS_MS;
        size_t b = 0;
        while (b < MVG_POLL_RTT_NBOUNDS && rtt_ns > bounds_ms[b] * 1000000)
            b++;
        d->status.rtt_count[b]++;
        d->status.rtt_sum_s += (double)rtt_ns / 1e9;
    }
    if (res.failed)
        snprintf(d->status.last_error, sizeof d->status.last_error, "%s", res.last_error);
    d->status.online = online;
    pthread_mutex_unlock(&p->mu);

    if (was_online && !online)
        mvg_log(MVG_LOG_WARN, "device %s (bus %s, unit %d) offline after %u failed polls: %s; "
                "re-probing every %d ms", d->cfg->name, bus->name, d->cfg->unit_id, d->failures,
                res.last_error, bus->reprobe_ms);
    else if (!was_online && online && d->status.polls > 1)
        mvg_log(MVG_LOG_NOTICE, "device %s (bus %s, unit %d) back online", d->cfg->name,
                bus->name, d->cfg->unit_id);

    batch->device = d->index;
    batch->generation = p->generation;
    batch->online = online;
    if (mvg_sample_queue_put(p->queue, batch) != 0)
        mvg_log(MVG_LOG_WARN, "device %s: sample queue full, poll dropped", d->cfg->name);
}

/* Next due time: on the device's grid of intervals, skipping the slots that
 * are already past (counted as overruns) rather than polling in a burst. */
static void reschedule(mvg_poller *p, struct dev_slot *d, int64_t now)
{
    if (!d->status.online) {
        d->due_mono = now + p->bus->reprobe_ms;
        return;
    }
    int64_t iv = d->cfg->interval_ms;
    int64_t next = d->due_mono + iv;
    if (next <= now) {
        int64_t missed = (now - next) / iv + 1;
        next += missed * iv;
        pthread_mutex_lock(&p->mu);
        d->status.overruns += (uint64_t)missed;
        pthread_mutex_unlock(&p->mu);
    }
    d->due_mono = next;
}

static void *poller_main(void *arg)
{
    mvg_poller *p = arg;
    for (;;) {
        int64_t now = mvg_clock_mono_ms();
        atomic_store(&p->heartbeat, now);

        struct dev_slot *next = NULL;
        for (size_t i = 0; i < p->ndevs; i++)
            if (!next || p->devs[i].due_mono < next->due_mono)
                next = &p->devs[i];

        pthread_mutex_lock(&p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        int64_t wait = next ? next->due_mono - now : 1000;
        if (wait > 1000)
            wait = 1000; /* keep the heartbeat fresh while idle */
        if (wait > 0) {
            struct timespec until;
            mvg_clock_mono_deadline(wait, &until);
            pthread_cond_timedwait(&p->wake, &p->mu, &until);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);

        poll_device(p, next);
        reschedule(p, next, mvg_clock_mono_ms());
    }
    return NULL;
}

mvg_poller *mvg_poller_start(const mvg_config *cfg, size_t bus, unsigned generation,
                             const mvg_timebase *tb, mvg_sample_queue *queue, char *err,
                             size_t errlen)
{
    mvg_poller *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = cfg;
    p->bus = &cfg->buses[bus];
    p->generation = generation;
    p->tb = tb;
    p->queue = queue;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);

    for (size_t i = 0; i < cfg->ndevices; i++)
        if (cfg->devices[i].bus == bus)
            p->ndevs++;
    p->devs = calloc(p->ndevs ? p->ndevs : 1, sizeof *p->devs);
    if (!p->devs) {
        snprintf(err, errlen, "out of memory");
        free_poller(p);
        return NULL;
    }
    int64_t now = mvg_clock_mono_ms();
    size_t k = 0;
    for (size_t i = 0; i < cfg->ndevices; i++) {
        if (cfg->devices[i].bus != bus)
            continue;
        struct dev_slot *d = &p->devs[k++];
        d->index = i;
        d->cfg = &cfg->devices[i];
        d->status.online = 1;
        d->due_mono = now;
        char e[256];
        d->acq = mvg_acquire_new(d->cfg, e, sizeof e);
        if (!d->acq) {
            snprintf(err, errlen, "device %s: %s", d->cfg->name, e);
            free_poller(p);
            return NULL;
        }
    }
    p->tr = mvg_transport_new(p->bus, err, errlen);
    if (!p->tr) {
        free_poller(p);
        return NULL;
    }
    atomic_store(&p->heartbeat, now);
    int rc = pthread_create(&p->thread, NULL, poller_main, p);
    if (rc != 0) {
        snprintf(err, errlen, "bus %s: cannot start thread: %s", p->bus->name, strerror(rc));
        free_poller(p);
        return NULL;
    }
    p->started = 1;
    return p;
}

void mvg_poller_request_stop(mvg_poller *p)
{
    if (!p || !p->started)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

void mvg_poller_stop(mvg_poller *p)
{
    if (!p)
        return;
    if (p->started) {
        mvg_poller_request_stop(p);
        pthread_join(p->thread, NULL);
    }
    free_poller(p);
}

int64_t mvg_poller_heartbeat(mvg_poller *p) { return atomic_load(&p->heartbeat); }

int mvg_poller_device_status(mvg_poller *p, size_t device, mvg_device_status *out)
{
    for (size_t i = 0; i < p->ndevs; i++) {
        if (p->devs[i].index != device)
            continue;
        pthread_mutex_lock(&p->mu);
        *out = p->devs[i].status;
        pthread_mutex_unlock(&p->mu);
        return 0;
    }
    return -1;
}
