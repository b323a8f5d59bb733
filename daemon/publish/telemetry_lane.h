/*
 * telemetry_lane.h: the in-memory way of MQTT telemetry from the pipeline
 * to a connected publisher that has caught up with its outbox. It owns the
 * entries in it: those queued for the publisher and those handed back to
 * the pipeline.
 *
 * Why: a 100,000-point gateway's telemetry is megabytes a second of JSON;
 * through the outbox each entry was inserted, acknowledged and purged in
 * SQLite (written to the WAL and the database each time) although the
 * broker took it milliseconds later. The store is there for what the
 * broker cannot take now; so, while the lane is open, telemetry goes by
 * memory, and as soon as the publisher cannot send (connection lost,
 * stopped, a refusal, the lane full) the lane closes and everything in it
 * or in flight comes back to the pipeline, which writes it to the outbox,
 * in order, before any later telemetry. Nothing the broker did not
 * acknowledge is dropped, except by a crash of mvgated itself (the
 * entries in memory then, at most the lane's bound: docs/mqtt.md,
 * "Delivery guarantees"). Records, totals, status and models always go
 * through the outbox.
 *
 * Thread-safe: one producer (the pipeline) and one consumer (the MQTT
 * publisher thread), under one mutex held for list moves only.
 */
#ifndef MVG_TELEMETRY_LANE_H
#define MVG_TELEMETRY_LANE_H

#include <stddef.h>
#include <stdint.h>

typedef struct mvg_lane_entry {
    struct mvg_lane_entry *next;
    uint64_t seq;        /* order of offer: entries handed back are sorted by it */
    const char *topic;   /* the entry topic (mqtt_topics.h), in the entry's own allocation */
    const char *payload;
    size_t len;
} mvg_lane_entry;

typedef struct mvg_lane mvg_lane;

/* A closed lane holding at most max_bytes of queued payloads. NULL when
 * out of memory. */
mvg_lane *mvg_lane_new(size_t max_bytes);
/* Frees the lane and every entry still in it. */
void mvg_lane_free(mvg_lane *l);
void mvg_lane_entry_free(mvg_lane_entry *e);
void mvg_lane_entries_free(mvg_lane_entry *list);

/* ---- the pipeline's side ---- */

/* The entries handed back (oldest first), to be written to the outbox
 * before anything offered after this call; NULL when none. The caller
 * owns and frees them (mvg_lane_entries_free). */
mvg_lane_entry *mvg_lane_returned(mvg_lane *l);
/* Queues a copy of the entry for the publisher: 1 when the lane took it;
 * 0 when it is closed or full (a full lane closes: what it holds comes
 * back through mvg_lane_returned), and the caller writes it to the outbox
 * after the returned ones; -1 when out of memory (the same). */
int mvg_lane_offer(mvg_lane *l, const char *topic, const char *payload, size_t len);

/* ---- the publisher's side ---- */

/* Opens the lane, once the publisher is connected and its outbox has
 * nothing more to send. Refused (0) while entries handed back wait for
 * the pipeline: they are older than anything offered next. 1 when open. */
int mvg_lane_open(mvg_lane *l);
/* Takes the oldest queued entry (the caller owns it), NULL when none. */
mvg_lane_entry *mvg_lane_take(mvg_lane *l);
/* Closes the lane, handing back the entries the publisher took and has no
 * acknowledgement for (unacked, any order: sorted here) with everything
 * still queued. Returns how many were handed back. */
size_t mvg_lane_close(mvg_lane *l, mvg_lane_entry *unacked);
/* Whether the lane is open (entries may be queued). */
int mvg_lane_is_open(mvg_lane *l);

#endif
