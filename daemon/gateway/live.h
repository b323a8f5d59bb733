/*
 * live.h: what the HTTP endpoint needs beyond the status figures, kept by
 * the pipeline thread while an `http` section is configured: the last
 * sample of every point (from the polls the pipeline takes) and each
 * project's last interval (from the records it writes); and the snapshot
 * (http_snap.h) built from these and the status document's own input
 * (status.h), so that /metrics and `mvgate status` show the same figures.
 * Owned by the gateway, used by the pipeline thread alone: the HTTP thread
 * only ever sees the snapshots.
 */
#ifndef MVG_LIVE_H
#define MVG_LIVE_H

#include <stddef.h>

#include "config.h"
#include "http_snap.h"
#include "project.h"
#include "sample_queue.h"
#include "status.h"

typedef struct mvg_live mvg_live;

/* For cfg's devices and projects (cfg must outlive it). NULL when out of memory. */
mvg_live *mvg_live_new(const mvg_config *cfg);
void mvg_live_free(mvg_live *l);

/* A poll as the pipeline took it (a batch of another device count is ignored). */
void mvg_live_note_batch(mvg_live *l, const mvg_sample_batch *b);
/* A project's interval record, once written. */
void mvg_live_note_interval(mvg_live *l, size_t project, const mvg_project_result *res);

/* The snapshot of in (the status document's figures: devices, outboxes,
 * queue) and what l kept. NULL when out of memory. */
mvg_http_snap *mvg_live_snapshot(const mvg_live *l, const mvg_status_input *in);

#endif
