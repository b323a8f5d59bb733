/*
 * sample_queue.c: a ring of batch pointers under one mutex and condvar.
 */
#include "sample_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

struct mvg_sample_queue {
    pthread_mutex_t mu;
    pthread_cond_t nonempty;
    mvg_sample_batch **ring;
    size_t cap, head, len;
    uint64_t dropped;
};

mvg_sample_queue *mvg_sample_queue_new(size_t capacity)
{
    mvg_sample_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity ? capacity : 1, sizeof *q->ring);
    if (!q->ring) {
        free(q);
        return NULL;
    }
    q->cap = capacity ? capacity : 1;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->nonempty, &ca);
    pthread_condattr_destroy(&ca);
    return q;
}

void mvg_sample_queue_free(mvg_sample_queue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->len; i++)
        free(q->ring[(q->head + i) % q->cap]);
    free(q->ring);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->nonempty);
    free(q);
}

mvg_sample_batch *mvg_sample_batch_new(size_t n)
{
    mvg_sample_batch *b = malloc(sizeof *b + n * sizeof b->samples[0]);
    if (b)
        b->n = n;
    return b;
}

static void count_drop(mvg_sample_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->dropped++;
    pthread_mutex_unlock(&q->mu);
}

int mvg_sample_queue_put(mvg_sample_queue *q, mvg_sample_batch *b)
{
    /* the texts of string points travel in the batch's own allocation,
     * after the samples, so that a batch stays one free() */
    size_t text_bytes = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->samples[i].raw_kind == MVG_RAW_TEXT && b->samples[i].text)
            text_bytes += strlen(b->samples[i].text) + 1;
    if (text_bytes) {
        size_t n = b->n;
        /* the texts are the poll's, not b's: moving b leaves them be */
        mvg_sample_batch *grown = realloc(b, sizeof *b + n * sizeof b->samples[0] + text_bytes);
        if (!grown) {
            free(b);
            count_drop(q);
            return -1;
        }
        b = grown;
        char *text = (char *)(b->samples + n);
        for (size_t i = 0; i < n; i++) {
            mvg_sample *s = &b->samples[i];
            if (s->raw_kind != MVG_RAW_TEXT || !s->text) {
                s->text = NULL;
                continue;
            }
            size_t len = strlen(s->text) + 1;
            memcpy(text, s->text, len);
            s->text = text;
            text += len;
        }
    } else {
        for (size_t i = 0; i < b->n; i++)
            b->samples[i].text = NULL;
    }

    pthread_mutex_lock(&q->mu);
    if (q->len == q->cap) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        free(b);
        return -1;
    }
    q->ring[(q->head + q->len) % q->cap] = b;
    q->len++;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

int mvg_sample_queue_push(mvg_sample_queue *q, size_t device, unsigned generation, int online,
                          const mvg_sample *samples, size_t n)
{
    mvg_sample_batch *b = mvg_sample_batch_new(n);
    if (!b) {
        count_drop(q);
        return -1;
    }
    b->device = device;
    b->generation = generation;
    b->online = online;
    memcpy(b->samples, samples, n * sizeof b->samples[0]);
    return mvg_sample_queue_put(q, b);
}

size_t mvg_sample_queue_pop_many(mvg_sample_queue *q, int timeout_ms, mvg_sample_batch **out,
                                 size_t max)
{
    struct timespec until;
    mvg_clock_mono_deadline(timeout_ms, &until);
    pthread_mutex_lock(&q->mu);
    while (q->len == 0) {
        if (pthread_cond_timedwait(&q->nonempty, &q->mu, &until) == ETIMEDOUT)
            break;
    }
    size_t n = 0;
    while (q->len > 0 && n < max) {
        out[n++] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->mu);
    return n;
}

mvg_sample_batch *mvg_sample_queue_pop(mvg_sample_queue *q, int timeout_ms)
{
    mvg_sample_batch *b = NULL;
    return mvg_sample_queue_pop_many(q, timeout_ms, &b, 1) ? b : NULL;
}

uint64_t mvg_sample_queue_dropped(mvg_sample_queue *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t d = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return d;
}

size_t mvg_sample_queue_depth(mvg_sample_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}
