/*
 * hub_syncer.h: a thread that waits for the disk while the main thread
 * goes on. The main thread commits a batch without waiting
 * (mvg_hub_db_begin_nowait), hands the sync of it here and stores the next
 * batch meanwhile; it acknowledges the first batch to the broker only
 * when its sync is done (which also checkpoints the WAL: mvg_hub_db_sync).
 * It owns the thread, its own database connection and its one job at a
 * time.
 */
#ifndef MVG_HUB_SYNCER_H
#define MVG_HUB_SYNCER_H

#include <stddef.h>

#include "hub_db.h"

typedef struct mvg_hub_syncer mvg_hub_syncer;

/* The thread started with its connection to the database of cfg: NULL
 * with err. */
mvg_hub_syncer *mvg_hub_syncer_new(const mvg_hub_db_cfg *cfg, char *err, size_t errlen);
/* Waits for a sync given and stops the thread; NULL is a no-op. */
void mvg_hub_syncer_free(mvg_hub_syncer *s);

/* Starts a sync of everything committed so far: 0, or -1 when one is
 * still running (wait for it first). */
int mvg_hub_syncer_give(mvg_hub_syncer *s);
/* Whether a sync was given and not yet waited for. */
int mvg_hub_syncer_busy(mvg_hub_syncer *s);
/* Until the sync given is done: 0 when it reached the disk (or none was
 * given), -1 with err. */
int mvg_hub_syncer_wait(mvg_hub_syncer *s, char *err, size_t errlen);

#endif
