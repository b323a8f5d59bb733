/*
 * sample_queue.h: the bounded queue between the bus pollers (producers, one
 * thread per bus) and the pipeline thread (the one consumer). It owns the
 * batches in it. A full queue never blocks a poller: the new batch is
 * refused and counted, so a stalled consumer shows up as a drop count in the
 * status instead of as late polls on every bus.
 */
#ifndef MVG_SAMPLE_QUEUE_H
#define MVG_SAMPLE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"

/* One device poll: a sample per point, in the device's point order. */
typedef struct {
    size_t device;      /* index into the config's devices */
    unsigned generation;/* config generation the poller ran with (reloads bump it) */
    int online;         /* device state after this poll */
    size_t n;
    mvg_sample samples[];
} mvg_sample_batch;

typedef struct mvg_sample_queue mvg_sample_queue;

mvg_sample_queue *mvg_sample_queue_new(size_t capacity);
void mvg_sample_queue_free(mvg_sample_queue *q);

/* A batch of n samples for a poller to poll into (device, generation,
 * online and samples are the caller's to fill), then to hand over with
 * mvg_sample_queue_put: the samples are written once, where the consumer
 * reads them. NULL when out of memory. Free with free(). */
mvg_sample_batch *mvg_sample_batch_new(size_t n);

/* Takes b over, copying the texts of its string samples into it (they
 * point into the poll's buffers until then). Returns 0, or -1 when the
 * queue is full or memory ran out (b freed, counted as dropped). */
int mvg_sample_queue_put(mvg_sample_queue *q, mvg_sample_batch *b);

/* Copies the batch in (mvg_sample_batch_new, then mvg_sample_queue_put).
 * Returns 0, or -1 when the queue is full (counted). */
int mvg_sample_queue_push(mvg_sample_queue *q, size_t device, unsigned generation, int online,
                          const mvg_sample *samples, size_t n);

/* Waits up to timeout_ms for a batch; returns it (the caller frees it with
 * free()) or NULL on timeout. */
mvg_sample_batch *mvg_sample_queue_pop(mvg_sample_queue *q, int timeout_ms);

/* Waits up to timeout_ms for the first batch, then takes it and every
 * batch already waiting behind it, up to max, oldest first, into out.
 * Returns how many (0 on timeout); the caller frees each. The consumer
 * can then store a burst of polls in one transaction instead of one each. */
size_t mvg_sample_queue_pop_many(mvg_sample_queue *q, int timeout_ms, mvg_sample_batch **out,
                                 size_t max);

uint64_t mvg_sample_queue_dropped(mvg_sample_queue *q);
size_t mvg_sample_queue_depth(mvg_sample_queue *q);

#endif
