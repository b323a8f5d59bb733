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

/* Marks entry id delivered (acknowledged). Idempotent. Returns 0 or -1. */
int mvg_outbox_ack(mvg_outbox *ob, int64_t id, char *err, size_t errlen);
/* Marks n entries delivered in one transaction (a publisher with many
 * acknowledgements per turn pays one commit, not n). Idempotent; all or
 * none. Returns 0 or -1. */
int mvg_outbox_ack_many(mvg_outbox *ob, const int64_t *ids, size_t n, char *err, size_t errlen);

/* Undelivered entries, the creation time of the oldest (0 when empty) and
 * the number dropped by the size bound since the database was created. */
typedef struct {
    uint64_t depth;
    int64_t oldest_ms;
    uint64_t dropped[MVG_OUT_INTERVAL + 1];
} mvg_outbox_stats;

int mvg_outbox_get_stats(mvg_outbox *ob, mvg_outbox_stats *st, char *err, size_t errlen);

#endif
