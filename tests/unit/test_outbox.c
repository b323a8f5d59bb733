/*
 * test_outbox.c: the publisher side of the outbox on its own connection:
 * fetch in id order after a cursor, per publisher, payloads referenced from
 * interval records, idempotent ack, stats and the size bound's drop order;
 * a fetch bounded by bytes (at least one entry, the cursor continues);
 * refused entries parked (kept, not fetched, counted, listed) and unparked
 * by the retry time and by an operator's resend request; drops
 * acknowledged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "outbox.h"
#include "store.h"

static char dir[64], db[128], err[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make_db(dir, sizeof dir, db, sizeof db, "outbox");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

static void add_interval(mvg_store *st, const char *project, const char *json)
{
    int64_t seq = 0;
    assert_int_equal(mvg_store_begin(st, err, sizeof err), 0);
    assert_int_equal(mvg_store_next_seq(st, project, &seq, err, sizeof err), 0);
    mvg_store_interval rec = {project, seq, seq * 900000, (seq + 1) * 900000, json, strlen(json), 0};
    mvg_store_out outs[2] = {
        {"mqtt", MVG_OUT_INTERVAL, "interval/p", NULL, 0, 0},
        {"influx", MVG_OUT_INTERVAL, NULL, "iv,p=x v=1 1\n", 13, 0},
    };
    assert_int_equal(mvg_store_add_interval(st, &rec, outs, 2, err, sizeof err), 0);
    assert_int_equal(mvg_store_commit(st, err, sizeof err), 0);
}

static void test_fetch_ack_stats(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox *ib = mvg_outbox_open(db, "influx", err, sizeof err);
    assert_non_null(ib);

    add_interval(st, "p", "{\"seq\":1}");
    mvg_store_out tel = {"mqtt", MVG_OUT_TELEMETRY, "telemetry/m1", "{\"v\":2}", 7, 0};
    assert_int_equal(mvg_store_add_outbox(st, &tel, 1, err, sizeof err), 0);
    add_interval(st, "p", "{\"seq\":2}");

    mvg_outbox_entry e[8];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_true(e[0].id < e[1].id && e[1].id < e[2].id);
    assert_string_equal(e[0].payload, "{\"seq\":1}"); /* referenced from the record */
    assert_int_equal(e[0].len, 9);
    assert_string_equal(e[0].topic, "interval/p");
    assert_int_equal(e[0].cls, MVG_OUT_INTERVAL);
    assert_string_equal(e[1].payload, "{\"v\":2}");
    assert_int_equal(e[1].cls, MVG_OUT_TELEMETRY);
    assert_string_equal(e[2].payload, "{\"seq\":2}");
    assert_true(e[0].created_ms > 1700000000000LL);
    int64_t id0 = e[0].id, id1 = e[1].id;
    mvg_outbox_entries_free(e, n);

    /* the cursor: only entries after id0 */
    assert_int_equal(mvg_outbox_fetch(ob, id0, 1, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].id, id1);
    mvg_outbox_entries_free(e, n);

    /* the other publisher sees only its own */
    assert_int_equal(mvg_outbox_fetch(ib, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].payload, "iv,p=x v=1 1\n");
    assert_string_equal(e[0].topic, "");
    mvg_outbox_entries_free(e, n);

    mvg_outbox_stats s;
    assert_int_equal(mvg_outbox_get_stats(ob, &s, err, sizeof err), 0);
    assert_int_equal(s.depth, 3);
    assert_true(s.oldest_ms > 0);
    assert_int_equal(mvg_outbox_ack(ob, id0, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_ack(ob, id0, err, sizeof err), 0); /* idempotent */
    assert_int_equal(mvg_outbox_get_stats(ob, &s, err, sizeof err), 0);
    assert_int_equal(s.depth, 2);
    assert_int_equal(mvg_outbox_fetch(ob, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].id, id1);
    mvg_outbox_entries_free(e, n);

    /* purge of delivered rows must not let a new entry reuse an old id */
    assert_int_equal(mvg_outbox_ack(ob, id1, err, sizeof err), 0);
    assert_int_equal(mvg_store_prune(st, 0, NULL, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &tel, 1, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_fetch(ob, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_true(e[1].id > e[0].id && e[0].id > id1);
    mvg_outbox_entries_free(e, n);

    mvg_outbox_close(ob);
    mvg_outbox_close(ib);
    mvg_store_close(st);
    mvg_outbox_close(NULL);
}

/* Max 4 entries: telemetry goes first, then status, ..., intervals last,
 * oldest first within a class; every drop is counted per class. */
static void test_bound_drop_order(void **state)
{
    (void)state;
    mvg_store_opts o = {.outbox_max_entries = 4};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    mvg_store_out t1 = {"mqtt", MVG_OUT_TELEMETRY, "telemetry/a", "t1", 2, 0};
    mvg_store_out t2 = {"mqtt", MVG_OUT_TELEMETRY, "telemetry/a", "t2", 2, 0};
    mvg_store_out s1 = {"mqtt", MVG_OUT_STATUS, "status", "s1", 2, 1};
    mvg_store_out m1 = {"mqtt", MVG_OUT_TOTALS, "totals/p", "m1", 2, 1};
    assert_int_equal(mvg_store_add_outbox(st, &t1, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &s1, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &t2, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_add_outbox(st, &m1, 1, err, sizeof err), 0);
    add_interval(st, "p", "{\"i\":1}");  /* 5 mqtt entries: t1 goes */
    add_interval(st, "p", "{\"i\":2}");  /* t2 goes */
    add_interval(st, "p", "{\"i\":3}");  /* s1 goes */
    add_interval(st, "p", "{\"i\":4}");  /* m1 goes */
    add_interval(st, "p", "{\"i\":5}");  /* the oldest interval goes */
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[8];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].payload, "{\"i\":2}");
    assert_string_equal(e[3].payload, "{\"i\":5}");
    mvg_outbox_entries_free(e, n);
    mvg_outbox_stats s;
    assert_int_equal(mvg_outbox_get_stats(ob, &s, err, sizeof err), 0);
    assert_int_equal(s.depth, 4);
    assert_int_equal(s.dropped[MVG_OUT_TELEMETRY], 2);
    assert_int_equal(s.dropped[MVG_OUT_STATUS], 1);
    assert_int_equal(s.dropped[MVG_OUT_TOTALS], 1);
    assert_int_equal(s.dropped[MVG_OUT_MODEL], 0);
    assert_int_equal(s.dropped[MVG_OUT_INTERVAL], 1);
    /* the influx outbox is bounded on its own: 5 entries -> 4, 1 interval dropped */
    mvg_outbox_stats si;
    assert_int_equal(mvg_store_outbox_stats(st, "influx", &si, err, sizeof err), 0);
    assert_int_equal(si.depth, 4);
    assert_int_equal(si.dropped[MVG_OUT_INTERVAL], 1);
    /* the record itself stays in the store */
    mvg_store_status ss;
    assert_int_equal(mvg_store_get_status(st, &ss, err, sizeof err), 0);
    assert_int_equal(ss.intervals, 5);
    mvg_outbox_close(ob);
    mvg_store_close(st);
}

/* Many acks in one transaction: exactly those ids, idempotent, other
 * publishers untouched; the trigger-kept depth follows. */
static void test_ack_many(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    for (int i = 0; i < 10; i++)
        add_interval(st, "p", "{\"seq\":0}");
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[10];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 10, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 10);
    int64_t ids[4] = {e[0].id, e[2].id, e[3].id, e[9].id};
    assert_int_equal(mvg_outbox_ack_many(ob, ids, 4, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_ack_many(ob, ids, 4, err, sizeof err), 0); /* idempotent */
    assert_int_equal(mvg_outbox_ack_many(ob, ids, 0, err, sizeof err), 0);
    mvg_outbox_entry r[10];
    size_t m = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 10, r, &m, err, sizeof err), 0);
    assert_int_equal(m, 6);
    int64_t want[6] = {e[1].id, e[4].id, e[5].id, e[6].id, e[7].id, e[8].id};
    for (size_t i = 0; i < m; i++)
        assert_int_equal(r[i].id, want[i]);
    mvg_outbox_stats os;
    assert_int_equal(mvg_outbox_get_stats(ob, &os, err, sizeof err), 0);
    assert_int_equal(os.depth, 6);
    assert_int_equal(mvg_store_outbox_stats(st, "influx", &os, err, sizeof err), 0);
    assert_int_equal(os.depth, 10);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_entries_free(r, m);
    mvg_outbox_close(ob);
    mvg_store_close(st);
}

static int count_parked(void *user, const mvg_store_parked *e)
{
    char *log = user;
    char one[160];
    snprintf(one, sizeof one, "%s:%d:%s:%.*s;", e->publisher, e->code, e->reason, (int)e->len,
             e->payload);
    strcat(log, one);
    return 0;
}

/* A refused entry stays: parked with its code and reason, not fetched,
 * counted; unparked when its retry time is due or when an operator asks
 * (a request made while no publisher ran is taken at the next open). */
static void test_park_unpark(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    for (int i = 0; i < 3; i++)
        add_interval(st, "p", "{\"seq\":0}");
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    assert_int_equal(mvg_outbox_unpark(ob, INT64_MAX, err, sizeof err), 0); /* nothing parked */
    mvg_outbox_entry e[4];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 4, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    int64_t id0 = e[0].id, id2 = e[2].id;
    mvg_outbox_entries_free(e, n);
    assert_int_equal(mvg_outbox_park(ob, id0, 0x87, "Not authorized", 1000, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_park(ob, id2, 0x87, "Not authorized", 5000, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_fetch(ob, 0, 4, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_stats os;
    assert_int_equal(mvg_outbox_get_stats(ob, &os, err, sizeof err), 0);
    assert_int_equal(os.depth, 3); /* parked is not delivered */
    assert_int_equal(os.parked, 2);
    assert_int_equal(os.parked_oldest_ms, 1000);
    char log[512] = "";
    assert_int_equal(mvg_store_foreach_parked(st, "influx", count_parked, log, err, sizeof err), 0);
    assert_string_equal(log, "");
    assert_int_equal(mvg_store_foreach_parked(st, NULL, count_parked, log, err, sizeof err), 0);
    assert_string_equal(log, "mqtt:135:Not authorized:{\"seq\":0};mqtt:135:Not authorized:{\"seq\":0};");
    /* prune keeps parked entries (they are not delivered) */
    assert_int_equal(mvg_store_prune(st, 0, NULL, err, sizeof err), 0);
    /* the retry time: only the one refused by 2000 */
    assert_int_equal(mvg_outbox_unpark(ob, 2000, err, sizeof err), 1);
    assert_int_equal(mvg_outbox_unpark(ob, 2000, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_fetch(ob, 0, 4, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].id, id0);
    mvg_outbox_entries_free(e, n);
    /* an operator's request: all of them, once */
    assert_int_equal(mvg_store_outbox_resend(st, "mqtt", err, sizeof err), 0);
    assert_int_equal(mvg_outbox_unpark(ob, 0, err, sizeof err), 1);
    assert_int_equal(mvg_outbox_park(ob, id2, 0x87, "Not authorized", 6000, err, sizeof err), 0);
    assert_int_equal(mvg_outbox_unpark(ob, 0, err, sizeof err), 0);
    /* a request for the other publisher is not this one's */
    assert_int_equal(mvg_store_outbox_resend(st, "influx", err, sizeof err), 0);
    assert_int_equal(mvg_outbox_unpark(ob, 0, err, sizeof err), 0);
    mvg_outbox_close(ob);
    /* a fresh handle unparks on its first call, whatever the time */
    ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    assert_int_equal(mvg_outbox_unpark(ob, 0, err, sizeof err), 1);
    assert_int_equal(mvg_outbox_get_stats(ob, &os, err, sizeof err), 0);
    assert_int_equal(os.parked, 0);
    assert_int_equal(os.parked_oldest_ms, 0);
    mvg_outbox_close(ob);
    mvg_store_close(st);
}

/* Acknowledged drops: the total at the time of the acknowledgement; later
 * drops are unacknowledged again. */
static void test_ack_drops(void **state)
{
    (void)state;
    mvg_store_opts o = {.outbox_max_entries = 1};
    mvg_store *st = mvg_store_open(db, &o, err, sizeof err);
    assert_non_null(st);
    mvg_store_out t = {"mqtt", MVG_OUT_TELEMETRY, "telemetry/a", "t", 1, 0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(mvg_store_add_outbox(st, &t, 1, err, sizeof err), 0);
    mvg_outbox_stats os;
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.dropped[MVG_OUT_TELEMETRY], 3);
    assert_int_equal(os.dropped_acked, 0);
    assert_int_equal(mvg_store_outbox_ack_drops(st, "mqtt", err, sizeof err), 0);
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.dropped_acked, 3);
    assert_int_equal(mvg_store_add_outbox(st, &t, 1, err, sizeof err), 0);
    assert_int_equal(mvg_store_outbox_stats(st, "mqtt", &os, err, sizeof err), 0);
    assert_int_equal(os.dropped[MVG_OUT_TELEMETRY], 4);
    assert_int_equal(os.dropped_acked, 3);
    mvg_store_close(st);
}

/* 10 telemetry entries of 1,000 bytes (topic "telemetry/mN", 12 bytes):
 * with a bound of 2,500 bytes a fetch stops after the entry that reaches
 * it (3 entries), the cursor takes the rest in the same order; an entry
 * larger than the bound still comes, alone; 0 lifts the bound. */
static void test_fetch_bytes_bound(void **state)
{
    (void)state;
    mvg_store *st = mvg_store_open(db, NULL, err, sizeof err);
    assert_non_null(st);
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    char big[1001];
    memset(big, 'x', 1000);
    big[1000] = '\0';
    for (int i = 0; i < 10; i++) {
        char topic[32];
        snprintf(topic, sizeof topic, "telemetry/m%d", i);
        mvg_store_out tel = {"mqtt", MVG_OUT_TELEMETRY, topic, big, 1000, 0};
        assert_int_equal(mvg_store_add_outbox(st, &tel, 1, err, sizeof err), 0);
    }
    mvg_outbox_entry e[16];
    size_t n = 0, got = 0;
    int64_t after = 0, last = 0;
    mvg_outbox_set_fetch_bytes(ob, 2500);
    int fetches = 0;
    for (;;) {
        assert_int_equal(mvg_outbox_fetch(ob, after, 16, e, &n, err, sizeof err), 0);
        if (n == 0)
            break;
        fetches++;
        assert_int_equal(n, got < 9 ? 3 : 1);
        for (size_t k = 0; k < n; k++) {
            assert_true(e[k].id > last);
            last = e[k].id;
            assert_int_equal(e[k].len, 1000);
        }
        got += n;
        after = e[n - 1].id;
        mvg_outbox_entries_free(e, n);
    }
    assert_int_equal(got, 10);
    assert_int_equal(fetches, 4);

    mvg_outbox_set_fetch_bytes(ob, 10); /* smaller than any entry: one each */
    assert_int_equal(mvg_outbox_fetch(ob, 0, 16, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_set_fetch_bytes(ob, 0);
    assert_int_equal(mvg_outbox_fetch(ob, 0, 16, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 10);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
    mvg_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fetch_ack_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_bytes_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_drop_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_park_unpark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_drops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
