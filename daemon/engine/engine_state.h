/*
 * engine_state.h: the whole state of the M&V engine as one byte string, for
 * restarts: every interval aggregator (open intervals, last samples, via
 * interval.h's save/load) and every project (collected baseline rows,
 * frozen models, reporting accumulators, via project.h's save/load). The
 * format is versioned, little-endian, with a magic, a total length, a
 * length per section and a checksum over everything; corrupt, truncated or
 * foreign input is rejected before any object is touched. Restoring is
 * exact: feeding the same samples afterwards gives bit-identical results.
 * It owns nothing but the bytes the caller hands it. Pure: no I/O (the
 * store writes the bytes).
 */
#ifndef MVG_ENGINE_STATE_H
#define MVG_ENGINE_STATE_H

#include <stddef.h>

#include "interval.h"
#include "project.h"

/* Exact number of bytes mvg_engine_state_save() writes. */
size_t mvg_engine_state_size(mvg_interval *const *aggs, size_t nagg,
                             mvg_project *const *projects, size_t nprojects);

/* Writes the state of aggs and projects (in that order) into buf. Returns 0
 * and *written, or -1 with err (buffer too small). */
int mvg_engine_state_save(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                          size_t nprojects, void *buf, size_t cap, size_t *written, char *err,
                          size_t errlen);

/*
 * Restores into aggs and projects, which must have been created from the
 * same configuration (same order, channels, interval lengths, streams).
 * Returns 0, or -1 with err. The whole input is checked (magic, version,
 * lengths, checksum, section counts) before anything is restored; if a
 * section is then refused (it was saved by another configuration), the
 * objects restored before it keep their new state: discard them all.
 */
int mvg_engine_state_load(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                          size_t nprojects, const void *buf, size_t len, char *err, size_t errlen);

#endif
