/*
 * hub_precheck.h: a second thread that prepares the next batch of
 * messages (mvg_hub_ingest_prepare: the parse, the SHA-256 and the
 * signature check, most of the CPU a message costs) while the main thread
 * stores the previous one. It owns the thread, its one job, and the public
 * keys it checks signatures with: learned from the identity and key
 * records prepared, and looked up by fingerprint in hub_keys through a
 * connection of its own (hub_db.h: a handle is one thread's). A key here
 * proves nothing: a signature checked under it is used by the verification
 * only when the key it finds in force is the same one (hub_verify.h), so
 * a key not known yet only means the main thread checks that one itself.
 */
#ifndef MVG_HUB_PRECHECK_H
#define MVG_HUB_PRECHECK_H

#include <stddef.h>

#include "hub_config.h"
#include "hub_ingest.h"

typedef struct mvg_hub_precheck mvg_hub_precheck;

/* The thread started with its database connection (cfg), preparing for
 * topic prefix prefix: NULL with err. */
mvg_hub_precheck *mvg_hub_precheck_new(const mvg_hub_db_cfg *cfg, const char *prefix, char *err,
                                       size_t errlen);
/* Waits for a job given and stops the thread; NULL is a no-op. */
void mvg_hub_precheck_free(mvg_hub_precheck *p);

/* Gives the thread n messages to prepare into out[0..n-1]; both stay the
 * caller's and untouched by it until mvg_hub_precheck_wait. One job at a
 * time: a job given before the last was waited for is refused (-1). */
int mvg_hub_precheck_give(mvg_hub_precheck *p, const mvg_hub_in *in, mvg_hub_prep *out, size_t n);
/* Until the job given is prepared (at once when none is). */
void mvg_hub_precheck_wait(mvg_hub_precheck *p);
/* The caller's thread prepares the job's messages not yet taken by the
 * thread, looking keys up through db (its own connection, outside a
 * transaction of its), and returns when none is left to take: the main
 * thread, done storing the previous batch before the thread is done
 * preparing this one, shares the work rather than waits (the preparing is
 * the larger part). */
void mvg_hub_precheck_help(mvg_hub_precheck *p, mvg_hub_db *db);

#endif
