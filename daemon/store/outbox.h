/*
 * outbox.h: the contract between the store, which owns the outbox tables
 * (one outbox per publisher, written in the same SQLite transaction as the
 * record it carries), and the publishers (MQTT, InfluxDB), which drain them.
 * A publisher thread opens its own handle (its own SQLite connection: WAL
 * lets it read while the pipeline writes), fetches undelivered entries in id
 * order, publishes them with a bounded window in flight, and acks each one
 * only when the broker or database acknowledged it. Nothing is deleted
 * before it is acknowledged, except by the store's size bound, which drops
 * the lowest class first (telemetry before intervals) and counts every drop.
 * Nothing refused is forgotten either: an entry the peer refused (MQTT 5
 * PUBACK reason >= 0x80, InfluxDB 400) is parked, not acked: it stays in
 * the outbox with the peer's code, words and the time, is not fetched, and
 * is sent again once unparked (the publisher's retry time, every start and
 * reload, `mvgate outbox resend`).
 */
#ifndef MVG_OUTBOX_H
#define MVG_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

/* Drop priority: when an outbox must shrink, lower classes go first. */
typedef enum {
    MVG_OUT_TELEMETRY = 0, /* raw samples */
    MVG_OUT_STATUS = 1,    /* gateway status (retained; only the newest matters) */
    MVG_OUT_TOTALS = 2,    /* running totals (retained) */
    MVG_OUT_MODEL = 3,     /* baseline model (retained) */
    MVG_OUT_INTERVAL = 4   /* interval records: dropped last */
} mvg_out_class;

/* "telemetry", "status", "totals", "model", "interval" (the status
 * document's and the exports' names); "?" for anything else. */
const char *mvg_outbox_class_name(mvg_out_class cls);

typedef struct {
    int64_t id;            /* per publisher, increasing: the delivery order */
    mvg_out_class cls;
    char *topic;           /* MQTT: topic below <prefix>/<gateway id>/, e.g. "interval/comp-vsd";
                              InfluxDB: "" */
    char *payload;         /* MQTT: one JSON document; InfluxDB: complete line-protocol lines */
    size_t len;
    int retained;
    int64_t created_ms;    /* UTC epoch ms when the record was stored */
} mvg_outbox_entry;

typedef struct mvg_outbox mvg_outbox;

/* Opens the outbox named publisher ("mqtt", "influx") of the store database. */
mvg_outbox *mvg_outbox_open(const char *db_path, const char *publisher, char *err, size_t errlen);
void mvg_outbox_close(mvg_outbox *ob);

/* Up to max undelivered entries with id > after_id, in id order, into out
 * (the caller frees them with mvg_outbox_entries_free). *n = 0 when none.
 * Returns 0 or -1 with err. */
int mvg_outbox_fetch(mvg_outbox *ob, int64_t after_id, size_t max, mvg_outbox_entry *out,
                     size_t *n, char *err, size_t errlen);
void mvg_outbox_entries_free(mvg_outbox_entry *e, size_t n);
/* Bounds what one fetch holds in memory: it stops after the entry that
 * brings its payloads and topics to bytes or more (so it always returns at
 * least one entry, however large), else after max entries. 0 (the
 * default): max alone. For a publisher that reads ahead of its window: a
 * count bound alone holds max of the largest entries (telemetry of a
 * 10,000-point poll, many kB each) at once. */
void mvg_outbox_set_fetch_bytes(mvg_outbox *ob, size_t bytes);

/* Marks entry id delivered (acknowledged). Idempotent. Returns 0 or -1. */
int mvg_outbox_ack(mvg_outbox *ob, int64_t id, char *err, size_t errlen);
/* Marks n entries delivered in one transaction (a publisher with many
 * acknowledgements per turn pays one commit, not n). Idempotent; all or
 * none. Returns 0 or -1. */
int mvg_outbox_ack_many(mvg_outbox *ob, const int64_t *ids, size_t n, char *err, size_t errlen);

/* Parks entry id: the peer refused it with code (MQTT reason code, HTTP
 * status; 0: mvgate cannot send it at all) and reason (its words) at
 * now_ms (UTC epoch ms). It stays undelivered and is no longer fetched.
 * Returns 0 or -1 with err. */
int mvg_outbox_park(mvg_outbox *ob, int64_t id, int code, const char *reason, int64_t now_ms,
                    char *err, size_t errlen);

/* Unparks the entries parked at or before refused_before_ms (INT64_MAX:
 * all of them), or all of them when an operator asked for a resend since
 * the last call (mvg_store_outbox_resend(); the first call after open
 * takes any request made while no publisher ran). They are fetched again
 * by a cursor from 0. Returns how many, or -1 with err. */
int64_t mvg_outbox_unpark(mvg_outbox *ob, int64_t refused_before_ms, char *err, size_t errlen);

/* Undelivered entries (parked ones included), the creation time of the
 * oldest (0 when empty), the number dropped by the size bound since the
 * database was created, and of these the number an operator acknowledged
 * (mvg_store_outbox_ack_drops()), the parked entries and the time the
 * first of them was refused (0 when none). */
typedef struct {
    uint64_t depth;
    int64_t oldest_ms;
    uint64_t dropped[MVG_OUT_INTERVAL + 1];
    uint64_t dropped_acked;
    uint64_t parked;
    int64_t parked_oldest_ms;
} mvg_outbox_stats;

/* The drops of st that no operator acknowledged yet: what the status
 * reports as a problem. */
uint64_t mvg_outbox_drops_unacked(const mvg_outbox_stats *st);

int mvg_outbox_get_stats(mvg_outbox *ob, mvg_outbox_stats *st, char *err, size_t errlen);

#endif
