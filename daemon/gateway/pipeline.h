/*
 * pipeline.h: the daemon's path from polls to durable records, as store
 * transactions. The pipeline owns the store handle of the running gateway
 * and, for each device poll, stores the raw samples the engine uses (all
 * of them on request; the rest only go out as telemetry) and a telemetry
 * entry for each publisher before the engine sees them; for each completed
 * interval it writes, in ONE transaction, the interval record with its
 * per-project seq, the model record frozen with it, their outbox entries
 * (MQTT interval, retained totals and model, InfluxDB lines) and an engine
 * checkpoint; the head records that commit to each chain's end are one
 * transaction when the gateway asks; a pending key rotation's key records are one transaction at
 * open, and so are the new-chain records when a lost store is begun again
 * (a missing or empty store beside the key is refused without new_chain:
 * it would restart every chain at 1 under a key that signed before), and
 * so are, after them, the definition records of the projects whose
 * definition differs from the one last stored (records/definition.h): at
 * the first start and after a change, each interval record then names the
 * version in force. What
 * goes in is built elsewhere: the documents by
 * records/payload.h, their chain links, signatures and key handovers by
 * records/signer.h, the InfluxDB lines, MQTT topics and telemetry
 * selection by publish/ (influx_lines.h, mqtt_topics.h, telemetry_pick.h).
 * After a crash, mvg_pipeline_restore() loads the newest checkpoint and
 * replays the samples stored after it, so no interval is lost or counted
 * twice and seq continues without a gap.
 */
#ifndef MVG_PIPELINE_H
#define MVG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "runner.h"
#include "sample_queue.h"
#include "store.h"

typedef struct mvg_pipeline mvg_pipeline;

typedef struct {
    int mqtt;        /* write MQTT outbox entries */
    int influx;      /* write InfluxDB outbox entries */
    mvg_store_opts store; /* synchronous, retention and outbox bounds (gateway_id is set here) */
    int all_samples; /* store every point's samples, not only those the engine uses */
    int influx_telemetry; /* InfluxDB gets the samples too, not only interval records */
    int influx_unsigned;  /* InfluxDB takes unsigned fields (version 2): uint64 raw values as u */
    /* MQTT telemetry: every Nth poll, or on change (a point whose value
     * moved by more than deadband, relative, or whose quality changed), or
     * off. */
    int telemetry_mode;   /* mvg_telemetry_mode (config_publish.h) */
    int telemetry_every;  /* >= 1 */
    double deadband;
    int check_store; /* PRAGMA quick_check before opening: a damaged store is refused */
    /* The store is missing or empty although data_dir holds the gateway's
     * key (it has signed records before): 0 refuses to start; 1 begins
     * each project's chain again with a signed new-chain record
     * (mvgated --new-chain, docs/store.md "Damage and loss"). */
    int new_chain;
    /* MQTT telemetry to the publisher by memory while it is caught up
     * (telemetry_lane.h); NULL: always through the outbox. */
    struct mvg_lane *lane;
    /* A full or failing disk (docs/store.md "Full disk"): the interval
     * results whose records the store did not take wait in memory, in
     * order, and are written again every retry_ms (0: 1000) until they go
     * in; at pending_max of them (0: MVG_PIPELINE_PENDING_MAX) the engine
     * closes no further interval and holds the later ones open instead,
     * so nothing is dropped and memory grows by its accumulators only. */
    size_t pending_max;
    int64_t retry_ms;
} mvg_pipeline_opts;

/* About 4.5 kB each: a megabyte, 21 hours of one project's 5-minute
 * intervals. */
#define MVG_PIPELINE_PENDING_MAX 256

/* Called for every interval record once it is durable. */
typedef void (*mvg_pipeline_record_fn)(void *user, size_t project, int64_t seq,
                                       const mvg_interval_record *rec,
                                       const mvg_project_result *res);

/* Opens (creating) the store under cfg's data_dir. cfg and runner must
 * outlive the pipeline. NULL with err. */
mvg_pipeline *mvg_pipeline_open(const mvg_config *cfg, mvg_runner *runner,
                                const mvg_pipeline_opts *opts, char *err, size_t errlen);
void mvg_pipeline_close(mvg_pipeline *p);

/* Restores the runner from the newest checkpoint and replays the samples
 * stored after it (all stored samples when there is no checkpoint yet).
 * *replayed gets the number of samples fed again. Returns 1 when a
 * checkpoint was restored, 0 when there was none (or it belongs to other
 * projects: then the engine starts afresh, said in err), -1 on a store
 * error. */
int mvg_pipeline_restore(mvg_pipeline *p, int64_t *replayed, char *err, size_t errlen);

/* Stores one poll, then feeds it to the engine. The samples and
 * telemetry a store short of room refuses, or that a failing disk does
 * not take, are counted and logged once per change of the store's state
 * (mvg_pipeline_store_state), not returned as errors: the engine still
 * gets the poll. Returns 0, or -1 for a poll that does not match the
 * configuration. */
int mvg_pipeline_batch(mvg_pipeline *p, const mvg_sample_batch *b, char *err, size_t errlen);

/* mvg_pipeline_batch for nb polls in arrival order, their samples and
 * telemetry in ONE transaction (a burst of polls from many devices costs
 * one commit, not one each). A poll that does not match the
 * configuration is skipped (-1 with err, the others still go in). */
int mvg_pipeline_batches(mvg_pipeline *p, const mvg_sample_batch *const *bs, size_t nb,
                         char *err, size_t errlen);

/* Emits the intervals that ended before now_ms and makes each durable
 * (record, the model frozen with it, outbox entries, checkpoint in one
 * transaction) before calling done for it. When the store does not take
 * them, nothing of the step is written: the results wait in memory and
 * are written in order, with everything emitted after them, at a later
 * call (every opts.retry_ms), so the chain, the seqs and the cumulative
 * figures go on unbroken; the checkpoint is only ever written with the
 * records it follows. Every chained record of an interval is built at
 * that write, from the chain as the store holds it then. Returns the
 * number of records written (0 while they wait) or -1 when out of memory
 * (err: an interval's result was lost). */
int mvg_pipeline_advance(mvg_pipeline *p, int64_t now_ms, mvg_pipeline_record_fn done, void *user,
                         char *err, size_t errlen);

/* Feeds every stored sample of the configured devices, oldest first, into
 * r (a scratch runner of this pipeline's configuration: a reload rebuilds
 * the streams that changed from it, mvg_runner_rebuild), leaving the
 * pipeline's own runner and marks alone. Returns 0 or -1 (a store error). */
typedef struct {
    int64_t samples;
    int64_t oldest_ms, newest_ms; /* INT64_MIN when there were none */
} mvg_pipeline_replayed;
int mvg_pipeline_replay_into(mvg_pipeline *p, mvg_runner *r, mvg_pipeline_replayed *out,
                             char *err, size_t errlen);

/* The models of project (all its streams) go into the store and out on
 * MQTT with its next interval record, in the same transaction: a reload
 * that rebuilt a stream's model from stored samples announces it so, as
 * the end of the baseline would have (mvg_pipeline_advance). */
void mvg_pipeline_model_due(mvg_pipeline *p, size_t project);

/* Carries the per-device high-water marks of from (devices matched by
 * name) into p, after a reload moved the engine state across. */
void mvg_pipeline_adopt_marks(mvg_pipeline *p, const mvg_pipeline *from);

/* Fills in the samples the engine refused and each enabled publisher's
 * outbox (for the status document). Returns 0 or -1. */
struct mvg_status_input;
int mvg_pipeline_figures(mvg_pipeline *p, struct mvg_status_input *in, char *err, size_t errlen);

/* The store's state for the status document and the log: "ok"; "full"
 * (short of room: below store.reserve_mb free, or the disk found full):
 * samples and telemetry refused, records written while they still fit
 * and waiting in memory when not; "failing" (writes fail otherwise:
 * records wait). */
typedef struct {
    const char *state;          /* "ok", "full", "failing" */
    const char *why;            /* what failed last, "" when ok */
    int64_t since_ms;           /* realtime of the change to this state; 0 when ok */
    size_t records_waiting;     /* interval results whose records are not written yet */
    int engine_held;            /* at pending_max: the engine holds later intervals open */
    mvg_store_room room;        /* free space, reserve, samples and telemetry refused */
} mvg_pipeline_store_state;
void mvg_pipeline_store_state_get(mvg_pipeline *p, mvg_pipeline_store_state *out);
/* Interval results waiting for the store (a reload waits for them). */
size_t mvg_pipeline_waiting(const mvg_pipeline *p);

/* The store's own figures (rows, size). Returns 0 or -1. */
int mvg_pipeline_store_status(mvg_pipeline *p, mvg_store_status *out, char *err, size_t errlen);

/* Stores the status document (meta "status") and queues it, retained, for
 * MQTT when enabled. Returns 0 or -1. */
int mvg_pipeline_put_status(mvg_pipeline *p, const char *json, char *err, size_t errlen);

/* The wall clock stepped forward to to_ms, skipping skip_ms of time
 * (mvg_clock_step: a forward step that only undoes a backward one skips
 * nothing), detected by the caller against the monotonic clock: the
 * engine jumps the skip with one flagged record and keeps its phases
 * (mvg_runner_clock_step), and the retention counts the samples from
 * before the step by the time that really passed. A backward step needs
 * no call: samples inside emitted intervals are stored but rejected by
 * the engine and counted (engine.rejected) until the clock passes them
 * again. The step is made durable before this returns: the retention's
 * allowance and, unless records are waiting for the store (they take the
 * checkpoint with them), an engine checkpoint that holds the step, so
 * that a crash before the step's record still gives that one flagged
 * record after the restart. Returns 0, or -1 with err when the store did
 * not take it (the step then becomes durable with its record). */
int mvg_pipeline_clock_step(mvg_pipeline *p, int64_t to_ms, int64_t skip_ms, char *err,
                            size_t errlen);
/* hold 1: polls are still stored (samples, telemetry) but kept from the
 * engine, and no interval closes; the wall clock cannot be trusted yet
 * (not synchronised at boot). Returns the polls kept from the engine since
 * the hold began. */
uint64_t mvg_pipeline_hold(mvg_pipeline *p, int hold);
/* Applies the sample retention and purges delivered outbox entries; call
 * it now and then (every minute). The age of a sample is the time really
 * passed since it: a forward clock step adds nothing to it. Returns 0 or
 * -1. */
int mvg_pipeline_maintain(mvg_pipeline *p, int64_t now_ms, char *err, size_t errlen);

/* Writes the signed head record (records/head.h) of every configured
 * project whose chain holds a record, stamped now_ms (the timebase's time,
 * as the interval records), with its retained MQTT entry, in one
 * transaction; every_s is the period it declares, reason an
 * mvg_head_reason. Returns 0 or -1 (nothing written). */
int mvg_pipeline_write_heads(mvg_pipeline *p, int64_t now_ms, int64_t every_s, int reason,
                             char *err, size_t errlen);

/* The database path (for the publishers' own connections). */
const char *mvg_pipeline_db_path(const mvg_pipeline *p);
/* The fingerprint of the key that signs the interval records (keys.h). */
const char *mvg_pipeline_key_fingerprint(const mvg_pipeline *p);

#endif
