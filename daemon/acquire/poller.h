/*
 * poller.h: one thread per bus. A poller owns its bus's transport (a
 * libmodbus context is not thread-safe, and a serial line is one bus however
 * many unit ids hang on it), one mvg_acquire per device, and the schedule:
 * each device is polled at its own interval on the monotonic clock; a device
 * that fails offline_after polls in a row goes offline and is re-probed every
 * reprobe_ms with a single attempt, so a dead meter costs the bus at most one
 * timeout per re-probe. Every poll's samples go to the sample queue.
 */
#ifndef MVG_POLLER_H
#define MVG_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "sample_queue.h"

typedef struct mvg_poller mvg_poller;

/* The round trip of a device poll that got an answer (every request of
 * the poll, its retries and backoffs included), counted into buckets with
 * these upper bounds in ms, and one more above the last: the histogram of
 * the metrics endpoint (docs/daemon.md "HTTP endpoint"). A poll without
 * any answer counts in failed_polls only: its time is the timeout's. */
#define MVG_POLL_RTT_BOUNDS_MS {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}
#define MVG_POLL_RTT_NBOUNDS 11

typedef struct {
    int online;
    int64_t last_good_ms;   /* realtime of the last poll with an answer; 0 = never */
    uint64_t polls, failed_polls;
    uint64_t overruns;      /* polls that started a whole interval late */
    char last_error[256];
    /* polls with an answer by round trip: rtt_count[i] those up to bound i
     * (not cumulative), rtt_count[MVG_POLL_RTT_NBOUNDS] those above the last */
    uint64_t rtt_count[MVG_POLL_RTT_NBOUNDS + 1];
    double rtt_sum_s;       /* their round trips added up, in seconds */
} mvg_device_status;

/* Starts the thread for cfg->buses[bus]. cfg and tb must outlive the poller. */
mvg_poller *mvg_poller_start(const mvg_config *cfg, size_t bus, unsigned generation,
                             const mvg_timebase *tb, mvg_sample_queue *queue, char *err,
                             size_t errlen);
/* Tells the thread to stop and returns at once: the thread ends after the
 * request it has in flight (its transport's budget: timeout_ms, twice that
 * on RTU after a timeout, transport.h), skipping the poll's retries,
 * backoffs and remaining requests. For stopping several pollers at once. */
void mvg_poller_request_stop(mvg_poller *p);
/* Stops the thread (as above), waits for it and frees. */
void mvg_poller_stop(mvg_poller *p);

/* Monotonic ms of the thread's last turn of its loop or last request that
 * returned: the watchdog feeds systemd only while every poller is alive. A
 * request returns within its budget however slow the meter (transport.h),
 * so only a thread that is stuck goes stale. */
int64_t mvg_poller_heartbeat(mvg_poller *p);

/* Status of the poller's device with the config index device; -1 if not its. */
int mvg_poller_device_status(mvg_poller *p, size_t device, mvg_device_status *out);

#endif
