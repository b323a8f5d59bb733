/*
 * sample_groups.h: stored samples back into polls. The store keeps samples
 * one row per point; the engine takes a device's points together. This
 * module owns the group being gathered: consecutive samples of one device
 * with one timestamp (one response of a poll), handed on as a full point
 * array in which the points not in the group carry no time (ts INT64_MIN:
 * the runner skips them). Crash recovery (pipeline.c) and `mvgate replay`
 * feed the engine through it, so both see the stored data the same way.
 */
#ifndef MVG_SAMPLE_GROUPS_H
#define MVG_SAMPLE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct mvg_sample_groups mvg_sample_groups;

/* Called for each complete group: device index, its time, the device's
 * npoints samples. */
typedef void (*mvg_sample_group_fn)(void *user, size_t device, int64_t ts,
                                    const mvg_sample *samples, size_t n);

mvg_sample_groups *mvg_sample_groups_new(const mvg_config *cfg, mvg_sample_group_fn fn,
                                         void *user);
void mvg_sample_groups_free(mvg_sample_groups *g);

/* Adds one stored sample (in store order: time, then device). Samples of
 * devices or points no longer configured are skipped. Returns 0, or -1
 * when out of memory. */
int mvg_sample_groups_add(mvg_sample_groups *g, long device, long point, const mvg_sample *s);

/* Hands on the group being gathered, if any. */
void mvg_sample_groups_flush(mvg_sample_groups *g);

#endif
