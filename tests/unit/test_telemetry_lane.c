/*
 * test_telemetry_lane.c: the telemetry lane (telemetry_lane.h) on its own:
 * closed until the publisher opens it, entries taken in the order offered,
 * a close hands back what was in flight and what was queued in the order
 * of offer, a lane with entries handed back does not open again until the
 * pipeline took them, a full lane closes rather than dropping anything,
 * and a producer and a consumer thread lose and duplicate nothing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telemetry_lane.h"

static int offer(mvg_lane *l, int k)
{
    char payload[32];
    int n = snprintf(payload, sizeof payload, "{\"k\":%d}", k);
    return mvg_lane_offer(l, "telemetry/d1", payload, (size_t)n);
}

/* The k of an entry's payload. */
static int k_of(const mvg_lane_entry *e)
{
    assert_string_equal(e->topic, "telemetry/d1");
    assert_memory_equal(e->payload, "{\"k\":", 5);
    return atoi(e->payload + 5);
}

static void test_closed_until_opened(void **state)
{
    (void)state;
    mvg_lane *l = mvg_lane_new(1 << 20);
    assert_non_null(l);
    assert_false(mvg_lane_is_open(l));
    assert_int_equal(offer(l, 1), 0); /* the caller writes it to the outbox */
    assert_null(mvg_lane_take(l));
    assert_null(mvg_lane_returned(l));
    assert_int_equal(mvg_lane_open(l), 1);
    assert_int_equal(offer(l, 2), 1);
    assert_int_equal(offer(l, 3), 1);
    mvg_lane_entry *a = mvg_lane_take(l), *b = mvg_lane_take(l);
    assert_int_equal(k_of(a), 2);
    assert_int_equal(k_of(b), 3);
    assert_int_equal((int)a->len, (int)strlen("{\"k\":2}"));
    assert_null(mvg_lane_take(l));
    mvg_lane_entry_free(a);
    mvg_lane_entry_free(b);
    mvg_lane_free(l);
}

/* A connection lost with 2 and 4 in flight and 5, 6 queued: all four come
 * back oldest first; 1 and 3 were acknowledged (freed by the publisher). */
static void test_close_hands_back_in_order(void **state)
{
    (void)state;
    mvg_lane *l = mvg_lane_new(1 << 20);
    assert_int_equal(mvg_lane_open(l), 1);
    for (int k = 1; k <= 6; k++)
        assert_int_equal(offer(l, k), 1);
    mvg_lane_entry *e[4];
    for (int i = 0; i < 4; i++)
        e[i] = mvg_lane_take(l);
    mvg_lane_entry_free(e[0]);
    mvg_lane_entry_free(e[2]);
    /* the publisher's window is in slot order, not in offer order */
    e[3]->next = e[1];
    e[1]->next = NULL;
    assert_int_equal(mvg_lane_close(l, e[3]), 4);
    assert_false(mvg_lane_is_open(l));
    assert_int_equal(offer(l, 7), 0); /* closed: to the outbox, after the returned */
    /* not open again while what came back waits for the pipeline */
    assert_int_equal(mvg_lane_open(l), 0);
    mvg_lane_entry *r = mvg_lane_returned(l);
    int want[] = {2, 4, 5, 6}, i = 0;
    for (mvg_lane_entry *x = r; x; x = x->next, i++)
        assert_int_equal(k_of(x), want[i]);
    assert_int_equal(i, 4);
    mvg_lane_entries_free(r);
    assert_null(mvg_lane_returned(l));
    assert_int_equal(mvg_lane_open(l), 1);
    assert_int_equal(offer(l, 8), 1);
    mvg_lane_free(l); /* frees what is queued */
}

/* Bound: three 7-byte payloads fit in 21 bytes, the fourth closes the lane
 * and everything queued comes back; nothing is dropped. A second close
 * (the publisher's teardown with one still in flight) merges by age. */
static void test_full_lane_closes(void **state)
{
    (void)state;
    mvg_lane *l = mvg_lane_new(21);
    assert_int_equal(mvg_lane_open(l), 1);
    assert_int_equal(offer(l, 1), 1);
    mvg_lane_entry *flying = mvg_lane_take(l); /* 1 in flight */
    assert_int_equal(offer(l, 2), 1);
    assert_int_equal(offer(l, 3), 1);
    assert_int_equal(offer(l, 4), 1);
    assert_int_equal(offer(l, 5), 0); /* 2+3+4+5 would be 28 bytes */
    assert_false(mvg_lane_is_open(l));
    assert_int_equal(mvg_lane_close(l, flying), 4);
    mvg_lane_entry *r = mvg_lane_returned(l);
    int want[] = {1, 2, 3, 4}, i = 0;
    for (mvg_lane_entry *x = r; x; x = x->next, i++)
        assert_int_equal(k_of(x), want[i]);
    assert_int_equal(i, 4);
    mvg_lane_entries_free(r);
    mvg_lane_free(l);
}

/* A producer offering while a consumer takes and now and then closes
 * (with what it holds) and reopens: every offered entry is taken or
 * handed back, exactly once. */
#define RACE_N 20000

typedef struct {
    mvg_lane *l;
    atomic_int stop;
    int accepted;
    int delivered[RACE_N + 1]; /* taken and acknowledged (freed) */
} race;

static void *consumer(void *arg)
{
    race *r = arg;
    int taken = 0;
    while (!atomic_load(&r->stop)) {
        mvg_lane_entry *e = mvg_lane_take(r->l);
        if (e) {
            if (++taken % 97 == 0) {
                /* a "lost connection" with this one still in flight */
                e->next = NULL;
                mvg_lane_close(r->l, e);
            } else {
                r->delivered[k_of(e)]++;
                mvg_lane_entry_free(e);
            }
        }
        mvg_lane_open(r->l);
    }
    return NULL;
}

static void test_producer_consumer(void **state)
{
    (void)state;
    static race r;
    memset(&r, 0, sizeof r);
    r.l = mvg_lane_new(4096);
    mvg_lane_open(r.l);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consumer, &r), 0);
    int outbox[RACE_N + 1] = {0};
    static int back[RACE_N + 1];
    memset(back, 0, sizeof back);
    for (int k = 1; k <= RACE_N; k++) {
        /* the pipeline: what came back first, then the new one */
        for (mvg_lane_entry *x = mvg_lane_returned(r.l), *next; x; x = next) {
            next = x->next;
            back[k_of(x)]++;
            mvg_lane_entry_free(x);
        }
        int rc = offer(r.l, k);
        assert_true(rc >= 0);
        if (rc == 1) {
            r.accepted++;
            continue;
        }
        outbox[k]++;
        /* closed: the pipeline goes on writing to the outbox until the
         * publisher opens the lane again (here: waits for it a little, so
         * that both threads take turns whatever the scheduling) */
        for (int spin = 0; spin < 100000 && !mvg_lane_is_open(r.l); spin++) {
            for (mvg_lane_entry *x = mvg_lane_returned(r.l), *next; x; x = next) {
                next = x->next;
                back[k_of(x)]++;
                mvg_lane_entry_free(x);
            }
            sched_yield();
        }
    }
    atomic_store(&r.stop, 1);
    pthread_join(t, NULL);
    /* what is left: queued (delivered now) or handed back */
    for (mvg_lane_entry *e; (e = mvg_lane_take(r.l));) {
        r.delivered[k_of(e)]++;
        mvg_lane_entry_free(e);
    }
    for (mvg_lane_entry *x = mvg_lane_returned(r.l), *next; x; x = next) {
        next = x->next;
        back[k_of(x)]++;
        mvg_lane_entry_free(x);
    }
    int delivered = 0, returned = 0;
    for (int k = 1; k <= RACE_N; k++) {
        /* each entry ends exactly once: in the outbox at its offer,
         * delivered, or handed back (in flight or queued at a close) */
        assert_int_equal(outbox[k] + r.delivered[k] + back[k], 1);
        delivered += r.delivered[k];
        returned += back[k];
    }
    assert_int_equal(delivered + returned, r.accepted);
    /* the lane was open (only the consumer opens it) and took entries */
    assert_true(r.accepted > 0);
    mvg_lane_free(r.l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_until_opened),
        cmocka_unit_test(test_close_hands_back_in_order),
        cmocka_unit_test(test_full_lane_closes),
        cmocka_unit_test(test_producer_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
