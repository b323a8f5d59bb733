/*
 * acquire.c: execute a device's read plan and decode each point.
 */
#include "acquire.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "plan.h"
#include "point.h"

struct mvg_acquire {
    const mvg_device_cfg *dev;
    mvg_plan plan;
    uint16_t *regs;              /* MVG_PLAN_MAX_REGS per request */
    uint8_t *bits;               /* MVG_PLAN_MAX_BITS per request */
    mvg_counter_track *counters; /* one per point; NULL when the device has no counter */
    char *texts;                 /* MVG_TEXT_MAX + 1 per point; NULL when it has no string:
                                    the samples' text points here until the next poll */
};

mvg_acquire *mvg_acquire_new(const mvg_device_cfg *dev, char *err, size_t errlen)
{
    mvg_acquire *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->dev = dev;
    if (mvg_plan_build(dev->points, dev->npoints, dev->max_gap, &a->plan, err, errlen) != 0) {
        free(a);
        return NULL;
    }
    a->regs = calloc(MVG_PLAN_MAX_REGS, sizeof *a->regs);
    a->bits = calloc(MVG_PLAN_MAX_BITS, sizeof *a->bits);
    int has_counter = 0;
    for (size_t i = 0; i < dev->npoints; i++)
        has_counter |= dev->points[i].kind == MVG_KIND_COUNTER;
    if (has_counter)
        a->counters = calloc(dev->npoints, sizeof *a->counters);
    int has_text = 0;
    for (size_t i = 0; i < dev->npoints; i++)
        has_text |= dev->points[i].type == MVG_TYPE_STRING;
    if (has_text)
        a->texts = calloc(dev->npoints, MVG_TEXT_MAX + 1);
    if (!a->regs || !a->bits || (has_counter && !a->counters) || (has_text && !a->texts)) {
        snprintf(err, errlen, "out of memory");
        mvg_acquire_free(a);
        return NULL;
    }
    return a;
}

void mvg_acquire_free(mvg_acquire *a)
{
    if (!a)
        return;
    mvg_plan_free(&a->plan);
    free(a->regs);
    free(a->bits);
    free(a->counters);
    free(a->texts);
    free(a);
}

/* Fills the samples of every point served by request r. */
static void fill_points(mvg_acquire *a, size_t r, int rc, uint8_t exc, int64_t ts,
                        mvg_sample *samples)
{
    const mvg_device_cfg *dev = a->dev;
    for (size_t i = 0; i < dev->npoints; i++) {
        const mvg_plan_slot *slot = &a->plan.slots[i];
        if (slot->req != r)
            continue;
        mvg_sample *s = &samples[i];
        s->ts_ms = ts;
        s->exception_code = 0;
        s->raw_kind = MVG_RAW_NONE;
        s->text = NULL;
        if (rc == MVG_TR_EXCEPTION) {
            s->value = NAN;
            s->quality = MVG_Q_EXCEPTION;
            s->exception_code = exc;
            continue;
        }
        if (rc != MVG_TR_OK) {
            s->value = NAN;
            s->quality = MVG_Q_COMM_ERROR;
            continue;
        }
        const mvg_point_cfg *p = &dev->points[i];
        double raw, value;
        mvg_quality q;
        /* only the buffer of the request's area is in range for the offset */
        int bits = mvg_area_is_bits(a->plan.reqs[r].area);
        mvg_point_decode(p, bits ? NULL : a->regs + slot->offset,
                         bits ? a->bits + slot->offset : NULL, &raw, &value, &q);
        if (q == MVG_Q_GOOD && p->kind == MVG_KIND_COUNTER)
            mvg_point_counter_step(&a->counters[i], p, raw, &q); /* allocated: p is a counter */
        /* An invalid reading (NaN/Inf) carries no number worth passing on. */
        s->value = q == MVG_Q_INVALID ? NAN : value;
        s->quality = q;
        /* the exact register value (64-bit integers) or text (strings) */
        if (!bits && q != MVG_Q_INVALID)
            mvg_point_decode_raw(p, a->regs + slot->offset,
                                 a->texts ? a->texts + i * (MVG_TEXT_MAX + 1) : NULL,
                                 MVG_TEXT_MAX + 1, s);
    }
}

void mvg_acquire_poll(mvg_acquire *a, mvg_transport *t, const mvg_acquire_opts *opts,
                      const mvg_timebase *tb, mvg_sample *samples, mvg_acquire_result *res)
{
    memset(res, 0, sizeof *res);
    size_t nreq = opts->probe_only && a->plan.nreqs > 0 ? 1 : a->plan.nreqs;
    int gave_up = 0;

    for (size_t r = 0; r < a->plan.nreqs; r++) {
        const mvg_plan_req *req = &a->plan.reqs[r];
        int rc = MVG_TR_COMM;
        uint8_t exc = 0;
        char err[256] = "";

        if (r < nreq && !gave_up && !res->stopped) {
            int attempts = opts->probe_only ? 1 : 1 + (opts->retries > 0 ? opts->retries : 0);
            int64_t delay = opts->backoff_ms;
            for (int k = 0; k < attempts; k++) {
                int wait = k > 0 ? (int)(delay < INT_MAX ? delay : INT_MAX) : 0;
                if (opts->pause) {
                    if (opts->pause(opts->progress_ctx, wait)) {
                        res->stopped = 1;
                        break;
                    }
                } else if (wait > 0) {
                    mvg_clock_sleep_ms(wait);
                }
                if (k > 0)
                    delay *= 2;
                res->requests++;
                rc = mvg_transport_read(t, a->dev->unit_id, req->area, req->start, req->count,
                                        a->regs, a->bits, &exc, err, sizeof err);
                /* An exception is an answer: the device is there and said no;
                 * asking again gives the same answer. */
                if (rc == MVG_TR_OK || rc == MVG_TR_EXCEPTION)
                    break;
            }
            if (res->stopped) {
                snprintf(err, sizeof err, "not read: stopping");
                fill_points(a, r, rc, exc, mvg_timebase_now(tb), samples);
                continue;
            }
            if (opts->progress)
                opts->progress(opts->progress_ctx);
            if (rc == MVG_TR_OK || rc == MVG_TR_EXCEPTION)
                res->comm_ok = 1;
            if (rc != MVG_TR_OK) {
                res->failed++;
                /* the transport names host, unit, function, address and the
                 * exception's meaning */
                snprintf(res->last_error, sizeof res->last_error, "%s", err);
                /* exceptions 10 and 11 (a gateway's "no answer") come as
                 * MVG_TR_COMM: the device did not answer */
                if (rc == MVG_TR_COMM)
                    gave_up = 1;
            }
        } else {
            snprintf(err, sizeof err, "not read");
        }
        fill_points(a, r, rc, exc, mvg_timebase_now(tb), samples);
    }
}
