/*
 * acquire.h: one poll of one device. Owns the device's read plan, the
 * register buffers and the per-point counter trackers, and turns the
 * responses of a transport into one sample per point with its quality.
 * Used by the bus pollers (one per thread) and by `mvgate read`.
 */
#ifndef MVG_ACQUIRE_H
#define MVG_ACQUIRE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "transport.h"

typedef struct mvg_acquire mvg_acquire;

typedef struct {
    int retries;    /* extra attempts of a failed request (bus retries) */
    int backoff_ms; /* delay before the first retry; doubles per retry */
    int probe_only; /* 1: offline re-probe: one attempt of the first request only */
    /* Called after each request with its retries (NULL: none): the poller's
     * heartbeat, so that a device with many slow but answered requests
     * reads as a busy thread, and only a request that does not return
     * within its budget (timeout_ms x (1 + retries) plus backoffs) as a
     * stuck one. */
    void (*progress)(void *ctx);
    void *progress_ctx;
    /* Waits ms (0: only asks) before a retry and before each request, and
     * returns 1 when the poll is to end there (the poller is stopping): the
     * requests not yet sent are not, so a stop waits for the one request in
     * flight, not for a poll's retries and backoffs (hours at the largest
     * settings). NULL: the backoffs are plain sleeps and nothing ends early
     * (`mvgate read`). progress_ctx is its context too. */
    int (*pause)(void *ctx, int ms);
} mvg_acquire_opts;

/* Outcome of one device poll. */
typedef struct {
    size_t requests;     /* requests sent (including retries) */
    size_t failed;       /* requests that failed after their retries */
    int comm_ok;         /* 1 when at least one request got an answer (data or exception) */
    int stopped;         /* 1 when opts->pause ended the poll: the samples are incomplete */
    char last_error[256];
} mvg_acquire_result;

mvg_acquire *mvg_acquire_new(const mvg_device_cfg *dev, char *err, size_t errlen);
void mvg_acquire_free(mvg_acquire *a);

/*
 * Polls the device once through t. Fills samples[0..npoints) (same order as
 * the device's points). Each response's samples are stamped by tb when it
 * arrives, so samples are timed by when their data came, not when the poll
 * began.
 * A request that fails gives comm_error (or exception) samples with a NaN
 * value: never the previous value. After a failed request that timed out,
 * the device's remaining requests of this poll are not sent (they would only
 * time out too, and delay the other devices of the bus).
 */
void mvg_acquire_poll(mvg_acquire *a, mvg_transport *t, const mvg_acquire_opts *opts,
                      const mvg_timebase *tb, mvg_sample *samples, mvg_acquire_result *res);

#endif
