/*
 * runner.h: the M&V engine as the daemon runs it. The runner owns, for the
 * configured projects, one interval aggregator and one mvg_project each, the
 * compiled derived channels, and the latest value of every point and
 * derived channel. It maps each polled sample to the interval channels that
 * reference its point, evaluates the derived channels whose inputs changed,
 * and, when told the time, emits every completed interval with its
 * project's result. Like the engine it is pure: no clock, no I/O; time
 * comes in with the samples and with mvg_runner_advance().
 */
#ifndef MVG_RUNNER_H
#define MVG_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "interval.h"
#include "project.h"

typedef struct mvg_runner mvg_runner;

/* Builds the runner of cfg's projects (none is fine: the runner then only
 * tracks values). cfg must outlive the runner. time_scale is the speed of
 * the timebase that stamps the samples (1 in production): the gaps the
 * aggregators may bridge are a few polls of real time, so they scale with
 * it. NULL with err on failure. */
mvg_runner *mvg_runner_new(const mvg_config *cfg, double time_scale, char *err, size_t errlen);
void mvg_runner_free(mvg_runner *r);

/* One poll of device: samples[i] belongs to the device's point i. */
void mvg_runner_push(mvg_runner *r, size_t device, const mvg_sample *samples, size_t n);

/* Called for every completed interval of a project, in time order. */
typedef void (*mvg_runner_emit_fn)(void *user, size_t project, const mvg_interval_record *rec,
                                   const mvg_project_result *res);

/* Emits the intervals that ended before now_ms (every sample stamped
 * before now_ms must have been pushed). Returns the number emitted. */
int mvg_runner_advance(mvg_runner *r, int64_t now_ms, mvg_runner_emit_fn emit, void *user);

/* The wall clock stepped forward from from_ms to to_ms (detected by the
 * caller): every project's aggregator jumps the step with one record that
 * says so (mvg_interval_clock_step), and its project shifts its phases. */
void mvg_runner_clock_step(mvg_runner *r, int64_t from_ms, int64_t to_ms);

size_t mvg_runner_project_count(const mvg_runner *r);
mvg_project *mvg_runner_project(mvg_runner *r, size_t i);
/* Names of the interval channels of project i, in record order. */
const char *const *mvg_runner_channels(const mvg_runner *r, size_t project, size_t *n);

/* 1 when the engine uses point (directly in a project, or as an input of a
 * derived channel): its samples are what a restart or a replay needs. */
int mvg_runner_point_needed(const mvg_runner *r, size_t device, size_t point);

/* 1 when project reads a point of device, directly or through a derived
 * channel: the meters its definition record lists. */
int mvg_runner_project_uses_device(const mvg_runner *r, size_t project, size_t device);

/* 1 when a stream of project counts point as its use or emission (its
 * actual channel, a flue stream's concentration or flow, a VOC unit's
 * outlet), directly or through a derived channel; independent variables
 * are not counted. Two projects counting one point claim the same saving
 * twice (mvgate check warns). */
int mvg_runner_project_counts_point(const mvg_runner *r, size_t project, size_t device,
                                    size_t point);

/* Samples refused: late (inside an interval already emitted; counted by
 * the aggregators, so kept in the engine state across restarts) or out of
 * order (not after their point's previous sample; counted since this
 * runner was built). */
uint64_t mvg_runner_rejected(const mvg_runner *r);

/*
 * Reload (docs/daemon.md "Reload"): the state of what did not change moves
 * from the running engine to the new one, by project and stream name.
 * A project keeps its progress when mvg_project_fingerprint() agrees, its
 * open interval when its interval channels are the same and defined the
 * same, and each stream its rows, model and totals when
 * mvg_stream_fingerprint() agrees too (channel definitions included).
 * What is not kept is rebuilt from the stored samples: a scratch runner
 * of the new configuration is fed them (mvg_pipeline_replay_into) and
 * mvg_runner_rebuild() takes its state, up to where the old engine had
 * recorded, without emitting anything.
 */
typedef enum {
    MVG_CARRY_KEPT,    /* moved over unchanged */
    MVG_CARRY_REBUILD, /* to be rebuilt (mvg_runner_carry_over's verdict) */
    MVG_CARRY_REBUILT, /* rebuilt from rebuilt_intervals stored intervals */
    MVG_CARRY_RESET    /* no stored interval to rebuild it from: starts afresh */
} mvg_carry_outcome;

typedef struct {
    char name[MVG_PRJ_NAME_MAX];
    mvg_carry_outcome outcome;
    char why[128];             /* why not kept */
    size_t baseline_rows;      /* after the carry-over or the rebuild */
    uint64_t reporting_points;
    int model_ready, refitted; /* after a rebuild: a model, fitted during it */
} mvg_runner_carry_stream;

typedef struct {
    int kept_progress;         /* project-level progress moved over */
    int kept_interval;         /* the open interval moved over */
    int rebuild;               /* something to rebuild from the store */
    char why[128];             /* why the progress was not kept */
    int64_t horizon_ms;        /* where the old engine had recorded; INT64_MIN: nothing */
    uint64_t rebuilt_intervals;
    size_t nstreams;
    mvg_runner_carry_stream s[MVG_PROJECT_MAX_STREAMS];
} mvg_runner_carry;

/* Moves what matches from from (NULL: nothing) into to, a runner just
 * built; fills out[] (one per project of to). Returns how many projects
 * have something to rebuild. */
int mvg_runner_carry_over(mvg_runner *to, const mvg_runner *from, mvg_runner_carry *out);

/* Takes what carry marks for rebuilding from scratch, a runner of to's
 * configuration fed the stored samples (the newest at newest_ms), and
 * completes carry's outcomes. Returns 0, or -1 with err. */
int mvg_runner_rebuild(mvg_runner *to, mvg_runner *scratch, mvg_runner_carry *carry,
                       int64_t newest_ms, char *err, size_t errlen);

/* Whole engine state as bytes (engine_state.h) and back, for restarts. */
size_t mvg_runner_state_size(const mvg_runner *r);
int mvg_runner_save(const mvg_runner *r, void *buf, size_t cap, size_t *written, char *err,
                    size_t errlen);
int mvg_runner_load(mvg_runner *r, const void *buf, size_t len, char *err, size_t errlen);

#endif
