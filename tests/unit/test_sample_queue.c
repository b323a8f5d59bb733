/*
 * test_sample_queue.c: the bounded queue between pollers and the pipeline:
 * order, copies, refusal (and count) when full, timeout when empty,
 * taking what waits at once (up to a bound, oldest first), and concurrent
 * producers losing nothing that was accepted.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sample_queue.h"

static void test_fifo_order_and_copy(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(4);
    mvg_sample s[2] = {{.ts_ms = 1, .value = 1.5, .quality = MVG_Q_GOOD},
                       {.ts_ms = 2, .value = NAN, .quality = MVG_Q_COMM_ERROR}};
    assert_int_equal(mvg_sample_queue_push(q, 3, 7, 1, s, 2), 0);
    s[0].value = 99; /* the queue holds a copy */
    assert_int_equal(mvg_sample_queue_push(q, 4, 7, 0, s, 1), 0);
    assert_int_equal(mvg_sample_queue_depth(q), 2);

    mvg_sample_batch *b = mvg_sample_queue_pop(q, 0);
    assert_non_null(b);
    assert_int_equal(b->device, 3);
    assert_int_equal(b->generation, 7);
    assert_int_equal(b->online, 1);
    assert_int_equal(b->n, 2);
    assert_true(b->samples[0].value == 1.5);
    assert_true(isnan(b->samples[1].value));
    assert_int_equal(b->samples[1].quality, MVG_Q_COMM_ERROR);
    free(b);
    b = mvg_sample_queue_pop(q, 0);
    assert_int_equal(b->device, 4);
    assert_int_equal(b->online, 0);
    assert_true(b->samples[0].value == 99);
    free(b);
    mvg_sample_queue_free(q);
}

/* A string sample's text is copied into the batch (the poll's buffer is
 * reused by the next poll); a pointer without the kind is not followed. */
static void test_batch_owns_its_texts(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(2);
    char a[16] = "serial 42", b[16] = "fw 1.2";
    mvg_sample s[3] = {{.ts_ms = 1, .value = NAN, .quality = MVG_Q_GOOD,
                        .raw_kind = MVG_RAW_TEXT, .text = a},
                       {.ts_ms = 1, .value = 7, .quality = MVG_Q_GOOD,
                        .raw_kind = MVG_RAW_UINT, .raw_u = UINT64_MAX},
                       {.ts_ms = 1, .value = NAN, .quality = MVG_Q_GOOD,
                        .raw_kind = MVG_RAW_TEXT, .text = b}};
    assert_int_equal(mvg_sample_queue_push(q, 0, 1, 1, s, 3), 0);
    strcpy(a, "overwritten");
    strcpy(b, "gone");
    mvg_sample_batch *got = mvg_sample_queue_pop(q, 0);
    assert_non_null(got);
    assert_string_equal(got->samples[0].text, "serial 42");
    assert_true(got->samples[1].raw_u == UINT64_MAX);
    assert_null(got->samples[1].text);
    assert_string_equal(got->samples[2].text, "fw 1.2");
    assert_true(got->samples[0].text != a && got->samples[2].text != b);
    free(got);
    mvg_sample_queue_free(q);
}

static void test_full_queue_refuses_and_counts(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(2);
    mvg_sample s = {.ts_ms = 1, .value = 1};
    assert_int_equal(mvg_sample_queue_push(q, 0, 1, 1, &s, 1), 0);
    assert_int_equal(mvg_sample_queue_push(q, 1, 1, 1, &s, 1), 0);
    assert_int_equal(mvg_sample_queue_push(q, 2, 1, 1, &s, 1), -1);
    assert_int_equal(mvg_sample_queue_dropped(q), 1);
    free(mvg_sample_queue_pop(q, 0));
    assert_int_equal(mvg_sample_queue_push(q, 3, 1, 1, &s, 1), 0);
    mvg_sample_batch *b = mvg_sample_queue_pop(q, 0);
    assert_int_equal(b->device, 1);
    free(b);
    b = mvg_sample_queue_pop(q, 0);
    assert_int_equal(b->device, 3); /* the ring wrapped around */
    free(b);
    mvg_sample_queue_free(q); /* empty */
}

/* Five waiting: a first take of at most 3 gets the oldest three, the next
 * the other two (not waiting for more), then an empty queue times out. */
static void test_pop_many_takes_what_waits(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(8);
    mvg_sample s = {.ts_ms = 1, .value = 1, .quality = MVG_Q_GOOD};
    for (size_t d = 0; d < 5; d++)
        assert_int_equal(mvg_sample_queue_push(q, d, 1, 1, &s, 1), 0);
    mvg_sample_batch *out[4] = {0};
    assert_int_equal(mvg_sample_queue_pop_many(q, 0, out, 3), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out[i]->device, i);
        free(out[i]);
    }
    assert_int_equal(mvg_sample_queue_depth(q), 2);
    assert_int_equal(mvg_sample_queue_pop_many(q, 1000, out, 4), 2);
    assert_int_equal(out[0]->device, 3);
    assert_int_equal(out[1]->device, 4);
    free(out[0]);
    free(out[1]);
    assert_int_equal(mvg_sample_queue_pop_many(q, 10, out, 4), 0);
    mvg_sample_queue_free(q);
}

static void test_empty_pop_times_out(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(2);
    assert_null(mvg_sample_queue_pop(q, 20));
    mvg_sample s = {0};
    mvg_sample_queue_push(q, 0, 1, 1, &s, 1);
    mvg_sample_queue_free(q); /* frees the batch still queued (ASan checks) */
}

#define PRODUCERS 4
#define PER_PRODUCER 5000

static void *produce(void *arg)
{
    mvg_sample_queue *q = arg;
    mvg_sample s = {0};
    for (int i = 0; i < PER_PRODUCER; i++) {
        s.value = i;
        while (mvg_sample_queue_push(q, (size_t)i, 1, 1, &s, 1) != 0)
            ; /* full: retry; refused pushes are counted */
    }
    return NULL;
}

static void test_concurrent_producers_lose_nothing_accepted(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(64);
    pthread_t t[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&t[i], NULL, produce, q);
    long got = 0;
    double sum = 0;
    while (got < PRODUCERS * PER_PRODUCER) {
        mvg_sample_batch *b = mvg_sample_queue_pop(q, 1000);
        assert_non_null(b);
        sum += b->samples[0].value;
        got++;
        free(b);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(t[i], NULL);
    assert_null(mvg_sample_queue_pop(q, 0));
    assert_true(sum == (double)PRODUCERS * PER_PRODUCER * (PER_PRODUCER - 1) / 2);
    mvg_sample_queue_free(q);
}

/* The pollers' path: a batch polled into, then handed over: its texts
 * copied in, and a full queue frees it and counts it. */
static void test_batch_filled_in_place(void **state)
{
    (void)state;
    mvg_sample_queue *q = mvg_sample_queue_new(1);
    char text[16] = "meter 7";
    mvg_sample_batch *b = mvg_sample_batch_new(2);
    assert_non_null(b);
    assert_int_equal(b->n, 2);
    b->device = 5;
    b->generation = 2;
    b->online = 1;
    b->samples[0] = (mvg_sample){.ts_ms = 3, .value = 2.5, .quality = MVG_Q_GOOD, .text = text};
    b->samples[1] = (mvg_sample){.ts_ms = 3, .value = NAN, .quality = MVG_Q_GOOD,
                                 .raw_kind = MVG_RAW_TEXT, .text = text};
    assert_int_equal(mvg_sample_queue_put(q, b), 0);
    strcpy(text, "reused");
    mvg_sample_batch *full = mvg_sample_batch_new(1);
    assert_non_null(full);
    full->samples[0] = (mvg_sample){.ts_ms = 4, .value = 1, .quality = MVG_Q_GOOD};
    assert_int_equal(mvg_sample_queue_put(q, full), -1); /* freed: ASan would see a leak */
    assert_int_equal(mvg_sample_queue_dropped(q), 1);
    mvg_sample_batch *got = mvg_sample_queue_pop(q, 0);
    assert_non_null(got);
    assert_int_equal(got->device, 5);
    assert_int_equal(got->generation, 2);
    assert_true(got->samples[0].value == 2.5);
    assert_null(got->samples[0].text); /* not a text sample: not followed */
    assert_string_equal(got->samples[1].text, "meter 7");
    free(got);
    mvg_sample_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order_and_copy),
        cmocka_unit_test(test_batch_owns_its_texts),
        cmocka_unit_test(test_batch_filled_in_place),
        cmocka_unit_test(test_full_queue_refuses_and_counts),
        cmocka_unit_test(test_empty_pop_times_out),
        cmocka_unit_test(test_pop_many_takes_what_waits),
        cmocka_unit_test(test_concurrent_producers_lose_nothing_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
