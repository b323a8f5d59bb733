/*
 * store.h: the durable store, the gateway's single source of truth. One
 * SQLite database (WAL) under data_dir holds the raw samples (for replay,
 * with retention), the interval records with a per-project seq that grows
 * by exactly one, the fitted models (versioned), engine state checkpoints,
 * meta values and counters, and one outbox per publisher (drained through
 * outbox.h on the publishers' own connections). The store owns its
 * connection and the schema (created and migrated on open, versioned by
 * PRAGMA user_version). Tables are documented in docs/store.md.
 *
 * Atomicity: every add call runs inside a transaction. Called alone it makes
 * its own; between mvg_store_begin() and mvg_store_commit() the calls join
 * one transaction, so an interval record, its outbox entries, the samples it
 * covers and the engine checkpoint land together or not at all. The pipeline
 * learns the seq of the record it is about to write with
 * mvg_store_next_seq() inside that transaction, builds its payloads with it,
 * then adds the record: nobody else can take the seq in between (BEGIN
 * IMMEDIATE holds the write lock). One handle is used by one thread.
 */
#ifndef MVG_STORE_H
#define MVG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"
#include "outbox.h"

#define MVG_STORE_SCHEMA_VERSION 7

typedef struct mvg_store mvg_store;

typedef struct {
    int read_only;              /* open an existing database for reading (export) */
    int check;                  /* first PRAGMA quick_check on a read-only connection: a
                                   damaged file is refused, untouched */
    int sync_full;              /* 1: synchronous=FULL (power loss safe per commit); 0: NORMAL */
    int busy_timeout_ms;        /* 0: 5000 */
    const char *gateway_id;     /* recorded in meta on creation; NULL: "" */
    /* Raw sample retention, applied by mvg_store_prune(); 0 = no limit. */
    int64_t sample_max_age_ms;
    int64_t sample_max_rows;
    int64_t sample_max_bytes;   /* database pages in use; oldest samples go first */
    /* Bound of each publisher's undelivered outbox; 0 = no limit. */
    int64_t outbox_max_entries;
    int64_t outbox_max_bytes;
    int checkpoints_keep;       /* 0: 3 */
    /* Room kept for records on the filesystem of the database (store.
     * reserve_mb, docs/store.md "Full disk"): below it raw samples and
     * telemetry entries are refused (mvg_store_room); 0: no reserve (a
     * write that finds the disk full still latches the refusal). */
    int64_t reserve_bytes;
} mvg_store_opts;

/* The database path under data_dir: "<data_dir>/mvgate.db". Returns 0, or -1
 * when it does not fit in buf. */
int mvg_store_path(const char *data_dir, char *buf, size_t len);

/* Opens (read-write: creating or migrating the schema) the database at path.
 * opts may be NULL (defaults). NULL with err on failure; with opts->check,
 * a damaged database is refused with what quick_check found, where the
 * file is and how to salvage it (mvgate store recover). */
mvg_store *mvg_store_open(const char *path, const mvg_store_opts *opts, char *err, size_t errlen);
void mvg_store_close(mvg_store *st);

/* Explicit transaction (BEGIN IMMEDIATE). A failed add inside it leaves the
 * transaction open: the caller rolls back. */
int mvg_store_begin(mvg_store *st, char *err, size_t errlen);
int mvg_store_commit(mvg_store *st, char *err, size_t errlen);
void mvg_store_rollback(mvg_store *st);

/* One outbox entry to write with a record. payload NULL means "the record's
 * own payload" (an interval or model JSON is then stored once, referenced). */
typedef struct {
    const char *publisher;      /* "mqtt", "influx" */
    mvg_out_class cls;
    const char *topic;          /* NULL: "" */
    const char *payload;
    size_t len;
    int retained;
} mvg_store_out;

/* Writes outbox entries not tied to a record (telemetry, status, totals).
 * While the store is short of room (mvg_store_room), telemetry entries
 * are left out and counted, and a status entry replaces its publisher's
 * undelivered ones (only the newest status matters); the rest go in. */
int mvg_store_add_outbox(mvg_store *st, const mvg_store_out *outs, size_t nouts, char *err,
                         size_t errlen);

/* Raw samples: the id of (device, point), created on first use. The pipeline
 * resolves its points once at start and keeps the ids. */
int mvg_store_point_id(mvg_store *st, const char *device, const char *point, int64_t *id,
                       char *err, size_t errlen);

typedef struct {
    int64_t point_id;           /* from mvg_store_point_id() */
    mvg_sample s;               /* NaN value is stored as NULL; the exact raw value (a 64-bit
                                   integer, a string's text) as raw with raw_kind */
} mvg_store_sample;

/* Returns 0 (stored), MVG_STORE_REFUSED (nothing written, counted in
 * mvg_store_room: the free space is below the reserve, or the disk was
 * found full; a transaction goes on) or -1 (error; rolled back by the
 * caller). */
#define MVG_STORE_REFUSED 1
int mvg_store_add_samples(mvg_store *st, const mvg_store_sample *s, size_t n, char *err,
                          size_t errlen);

/* The seq the next interval record of project must carry (1 for the first). */
int mvg_store_next_seq(mvg_store *st, const char *project, int64_t *seq, char *err, size_t errlen);

typedef struct {
    const char *project;
    int64_t seq;                /* must equal mvg_store_next_seq() */
    int64_t start_ms, end_ms;
    const char *payload;        /* the JSON record the pipeline built */
    size_t len;
    int64_t chain;              /* position in the project's signed chain; 0: not chained */
} mvg_store_interval;

/* Writes the record and its outbox entries; refuses a seq that is not the
 * next one (no gap, no duplicate). */
int mvg_store_add_interval(mvg_store *st, const mvg_store_interval *rec, const mvg_store_out *outs,
                           size_t nouts, char *err, size_t errlen);

/* The newest record of project's signed chain, whatever its kind (the one
 * the next chained record's "prev" hashes): *payload malloc'd and
 * NUL-terminated (the caller frees), its length and chain position; NULL,
 * 0, 0 when the chain is empty. Inside a transaction it sees the records
 * added so far. */
int mvg_store_last_chained(mvg_store *st, const char *project, char **payload, size_t *len,
                           int64_t *chain, char *err, size_t errlen);

/* A fitted model of project (JSON) at position chain of its signed chain
 * (0: not chained); gets the next version (1, 2, ...); the newest is
 * current. outs as for intervals (payload NULL = the model JSON). */
int mvg_store_add_model(mvg_store *st, const char *project, const char *json, size_t len,
                        int64_t chain, const mvg_store_out *outs, size_t nouts, int64_t *version,
                        char *err, size_t errlen);
/* A key-rotation record (chain.h) at position chain (>= 1) of project's
 * chain, with its outbox entries (payloads given). */
int mvg_store_add_key_record(mvg_store *st, const char *project, int64_t chain, const char *json,
                             size_t len, const mvg_store_out *outs, size_t nouts, char *err,
                             size_t errlen);
/* A new-chain record (chain.h) at position 1 of project's chain, with its
 * outbox entries (payloads given). */
int mvg_store_add_newchain_record(mvg_store *st, const char *project, int64_t chain,
                                  const char *json, size_t len, const mvg_store_out *outs,
                                  size_t nouts, char *err, size_t errlen);
/* A project definition record (records/definition.h) at position chain
 * of project's chain, its version (the next one: the last + 1) and content
 * digest, with its outbox entries (payloads given). */
int mvg_store_add_definition(mvg_store *st, const char *project, int64_t chain, int64_t version,
                             const char *digest, const char *json, size_t len,
                             const mvg_store_out *outs, size_t nouts, char *err, size_t errlen);
/* The version and content digest (digest: room for 65) of project's newest
 * definition record; version 0 and digest "" when it has none. */
int mvg_store_last_definition(mvg_store *st, const char *project, int64_t *version, char *digest,
                              char *err, size_t errlen);
/* A head record (head.h) of project naming chain position head, written at
 * time_ms (the head's own "time"), with its outbox entries (payloads
 * given). A head is not chained: mvg_store_last_chained() never sees it. */
int mvg_store_add_head(mvg_store *st, const char *project, int64_t head, int64_t time_ms,
                       const char *json, size_t len, const mvg_store_out *outs, size_t nouts,
                       char *err, size_t errlen);
/* The records of project's chain per kind ("interval", "model", "key",
 * "newchain", and any other chained kind): up to max into counts, *n of
 * them. 0 or -1 with err. */
struct mvg_head_count_row {
    char kind[16];
    int64_t n;
};
int mvg_store_chain_counts(mvg_store *st, const char *project, struct mvg_head_count_row *counts,
                           size_t max, size_t *n, char *err, size_t errlen);
/* The current model: *json malloc'd (caller frees), or NULL and version 0 when none. */
int mvg_store_get_model(mvg_store *st, const char *project, char **json, int64_t *version,
                        char *err, size_t errlen);

/* Engine checkpoint: the state blob as of sample time ts_ms. The store
 * records with it the id of the last interval record written so far
 * (write both in one transaction and a restart resumes exactly). Only the
 * last checkpoints_keep are kept. */
int mvg_store_put_checkpoint(mvg_store *st, int64_t ts_ms, const void *blob, size_t len, char *err,
                             size_t errlen);
/* The newest checkpoint: *blob malloc'd (NULL, len 0 when none). */
int mvg_store_get_checkpoint(mvg_store *st, void **blob, size_t *len, int64_t *ts_ms,
                             int64_t *interval_id, char *err, size_t errlen);
/* The last seq of project among records with id <= interval_id (0 when none). */
int mvg_store_seq_at(mvg_store *st, const char *project, int64_t interval_id, int64_t *seq,
                     char *err, size_t errlen);

/* Applies sample retention (age relative to now_ms, row count, database
 * size: the only table that grows fast is samples, so it pays) and purges
 * delivered outbox entries. *pruned (may be NULL) gets the samples deleted;
 * the running total is kept in meta. */
int mvg_store_prune(mvg_store *st, int64_t now_ms, int64_t *pruned, char *err, size_t errlen);

/* Small named values of the gateway (e.g. "status": the daemon's latest
 * status document). put replaces; get gives a malloc'd copy or NULL. */
int mvg_store_put_meta(mvg_store *st, const char *key, const char *value, char *err,
                       size_t errlen);
int mvg_store_get_meta(mvg_store *st, const char *key, char **value, char *err, size_t errlen);

/* The reserve rule (docs/store.md "Full disk"), one home for the daemon
 * and `mvgate status`: short of room when free_bytes < reserve_bytes;
 * once short (was_low), room again only at reserve_bytes plus a margin of
 * a quarter of it and 64 kB, so that a store hovering at the line does not
 * flip every poll. Returns 1 short, 0 not. */
int mvg_store_room_short(int64_t free_bytes, int64_t reserve_bytes, int was_low);
/* The bytes free for unprivileged writers (statvfs f_bavail) on the
 * filesystem holding path. Returns 0 or -1 (errno). */
int mvg_store_free_bytes(const char *path, int64_t *free_bytes);

typedef struct {
    int low;                    /* short of room: samples and telemetry refused */
    int64_t free_bytes;         /* at the last look; -1 when statvfs failed */
    int64_t reserve_bytes;
    int64_t low_since_ms;       /* realtime; 0 when not low */
    uint64_t samples_refused;   /* rows refused by this handle since it opened */
    uint64_t telemetry_refused; /* outbox entries likewise */
} mvg_store_room;
/* Looks at the free space again and fills out. */
void mvg_store_room_get(mvg_store *st, mvg_store_room *out);

typedef struct {
    int64_t samples;            /* rows kept */
    int64_t samples_pruned;     /* deleted by retention since creation */
    int64_t intervals;
    int64_t models;
    int64_t checkpoints;
    int64_t db_bytes;           /* pages in use * page size */
} mvg_store_status;

int mvg_store_get_status(mvg_store *st, mvg_store_status *out, char *err, size_t errlen);
/* The outbox figures of one publisher (as mvg_outbox_get_stats()). */
int mvg_store_outbox_stats(mvg_store *st, const char *publisher, mvg_outbox_stats *out, char *err,
                           size_t errlen);

/* An operator's requests on publisher's outbox, which a running daemon
 * picks up within a second and a stopped one at its next start:
 * resend: every parked (refused) entry is unparked and sent again, after
 * the cause was fixed (`mvgate outbox resend`);
 * ack_drops: the drops counted so far are acknowledged: the status stops
 * reporting them as a problem (`mvgate outbox ack-drops`). */
int mvg_store_outbox_resend(mvg_store *st, const char *publisher, char *err, size_t errlen);
int mvg_store_outbox_ack_drops(mvg_store *st, const char *publisher, char *err, size_t errlen);

/* The parked entries of publisher (NULL: every publisher), in id order.
 * payload is the entry's own or its record's. */
typedef struct {
    const char *publisher;
    int64_t id;
    mvg_out_class cls;
    const char *topic;
    const char *payload;
    size_t len;
    int64_t created_ms, parked_ms;
    int code;                   /* MQTT reason code, HTTP status; 0: refused by mvgate itself */
    const char *reason;         /* the peer's words */
} mvg_store_parked;
typedef int (*mvg_store_parked_fn)(void *user, const mvg_store_parked *e);
int mvg_store_foreach_parked(mvg_store *st, const char *publisher, mvg_store_parked_fn fn,
                             void *user, char *err, size_t errlen);

/* Reading for export and replay, in time order, rows with from_ms <= t < to_ms
 * (samples: ts_ms; intervals: start_ms; models: created_ms). A callback
 * returning non-zero stops the walk, and that value is returned. */
/* A sample's text (a string point's) lives as long as the callback. */
typedef int (*mvg_store_sample_fn)(void *user, const char *device, const char *point,
                                   const mvg_sample *s);
typedef int (*mvg_store_record_fn)(void *user, const char *project, int64_t seq_or_version,
                                   int64_t start_ms, int64_t end_ms, const char *payload,
                                   size_t len);
int mvg_store_foreach_sample(mvg_store *st, int64_t from_ms, int64_t to_ms, mvg_store_sample_fn fn,
                             void *user, char *err, size_t errlen);
/* intervals: seq, start_ms and end_ms of the record. */
int mvg_store_foreach_interval(mvg_store *st, int64_t from_ms, int64_t to_ms,
                               mvg_store_record_fn fn, void *user, char *err, size_t errlen);
/* models: start_ms = end_ms = created_ms. */
int mvg_store_foreach_model(mvg_store *st, int64_t from_ms, int64_t to_ms, mvg_store_record_fn fn,
                            void *user, char *err, size_t errlen);

/* The signed chains, project by project (project NULL: every project; else
 * that one), each in chain order. The window: from the first interval record
 * with start_ms >= from_ms (from_ms = INT64_MIN: the chain's beginning) up
 * to, not including, the first with start_ms >= to_ms, so the model and key
 * records between two interval records stay with the earlier one and a
 * window is one unbroken piece of the chain. kind: "interval", "model",
 * "key", "newchain" or "definition". */
typedef int (*mvg_store_chain_fn)(void *user, const char *project, int64_t chain,
                                  const char *kind, const char *payload, size_t len);
int mvg_store_foreach_chained(mvg_store *st, const char *project, int64_t from_ms, int64_t to_ms,
                              mvg_store_chain_fn fn, void *user, char *err, size_t errlen);
/* The same, with the head records among them: each head after the record
 * at the position it names (kind "head", chain that position), heads of
 * one position in the order written; a window holds the heads naming a
 * position in it. What `mvgate export --what chain` writes. */
int mvg_store_foreach_chained_heads(mvg_store *st, const char *project, int64_t from_ms,
                                    int64_t to_ms, mvg_store_chain_fn fn, void *user, char *err,
                                    size_t errlen);

/* Shared with outbox.c: creates or migrates the schema on an open
 * connection (idempotent, in its own transaction). */
struct sqlite3;
int mvg_store_schema_apply(struct sqlite3 *db, const char *gateway_id, char *err, size_t errlen);
/* Shared with outbox.c: the stats of one publisher's outbox on a connection. */
int mvg_store_outbox_stats_db(struct sqlite3 *db, const char *publisher, mvg_outbox_stats *out,
                              char *err, size_t errlen);
/* Shared with outbox.c: what 0 asks publisher to resend its parked entries
 * (mvg_store_outbox_resend()), 1 acknowledges its drops. */
int mvg_store_outbox_request_db(struct sqlite3 *db, const char *publisher, int what, char *err,
                                size_t errlen);

#endif
