/*
 * gateway.h: one running configuration of the daemon. A gateway owns its
 * loaded config, the engine runner built from it, and (once started) one
 * poller thread per bus. A reload builds a whole new gateway next to the
 * running one and only swaps when everything in it was built, so a bad new
 * config never stops the running one; the engine state (baseline rows,
 * accumulators, frozen models, open intervals) of every project and stream
 * that did not change moves across, and what changed is rebuilt from the
 * stored samples (docs/daemon.md "Reload").
 * It also owns the pipeline (store handle) of its config's data_dir, the
 * timer of the signed head records (gateway.head_every) and, with an
 * `http` section, the HTTP endpoint (http_server.h, in its module) with
 * what it shows (live.h).
 */
#ifndef MVG_GATEWAY_H
#define MVG_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "influx_pub.h"
#include "live.h"
#include "mqtt_pub.h"
#include "pipeline.h"
#include "poller.h"
#include "runner.h"
#include "sample_queue.h"

typedef struct mvg_gateway mvg_gateway;

/* Builds the runner of cfg and opens its store pipeline (the gateway takes
 * cfg over, also on failure). time_scale is the timebase's speed. The
 * first gateway (generation 1) checks the store with quick_check and
 * refuses a damaged one; a reload does not, the daemon has had the store
 * open all along. new_chain: begin new chains on a lost store
 * (mvg_pipeline_opts). NULL with err on failure. */
mvg_gateway *mvg_gateway_new(mvg_config *cfg, unsigned generation, double time_scale,
                             int new_chain, char *err, size_t errlen);

/* Moves the engine state of from into g, project by project and stream by
 * stream (runner.h, mvg_runner_carry_over), rebuilds what changed from the
 * samples in g's store, logs one line per stream saying which, and takes
 * over the pipeline's marks. Returns 1 when done, 0 when there was nothing
 * to move, -1 with err (out of memory, a store error: what was not
 * rebuilt starts afresh). */
int mvg_gateway_adopt_state(mvg_gateway *g, const mvg_gateway *from, char *err, size_t errlen);

/* Starts the publishers the config asks for (MQTT, InfluxDB: each drains
 * its outbox in the store) and one poller thread per bus; samples go to
 * queue, stamped by tb (which must outlive the gateway). Returns 0, or -1
 * with err (what was started is stopped again by mvg_gateway_free). */
int mvg_gateway_start(mvg_gateway *g, const mvg_timebase *tb, mvg_sample_queue *queue, char *err,
                      size_t errlen);

/* The head timer: writes every project's signed head record
 * (mvg_pipeline_write_heads) when one is due: the first call writes the
 * start heads, then one every gateway.head_every minutes of the timebase
 * (measured on the monotonic clock mono_ms, scaled by the timebase's
 * speed, so that a wall-clock step neither floods nor starves them; 0:
 * none), and stopping 1 writes the shutdown heads. now_ms (the timebase)
 * stamps them. A reload carries the timer over (mvg_gateway_adopt_state).
 * Returns 1 when heads were written, 0 when none was due, -1 with err (due
 * again at the next call). */
int mvg_gateway_heads(mvg_gateway *g, int64_t now_ms, int64_t mono_ms, int stopping, char *err,
                      size_t errlen);

/* Tells the publishers that new outbox entries are waiting. */
void mvg_gateway_kick(mvg_gateway *g);

/* The HTTP endpoint's keeper of last values and intervals (live.h), for
 * the pipeline thread to feed; NULL when the config serves no endpoint. */
mvg_live *mvg_gateway_live(mvg_gateway *g);

/* Hands the endpoint a snapshot of in (the status document's figures) and
 * of what its mvg_live kept; nothing without an endpoint. It swaps a
 * pointer: a request being served never holds up the caller. */
void mvg_gateway_http_offer(mvg_gateway *g, const mvg_status_input *in);

/* The publishers' figures; *has_x is 0 when that publisher is not configured. */
void mvg_gateway_publisher_stats(mvg_gateway *g, mvg_mqtt_stats *mqtt, int *has_mqtt,
                                 mvg_influx_stats *influx, int *has_influx);

/* Stops the pollers and the publishers (each at most one request timeout later) and frees
 * everything, the config included. */
void mvg_gateway_free(mvg_gateway *g);

mvg_pipeline *mvg_gateway_pipeline(mvg_gateway *g);
const mvg_config *mvg_gateway_config(const mvg_gateway *g);
mvg_runner *mvg_gateway_runner(mvg_gateway *g);

/* Longest a device poll may take on the slowest bus (every attempt timing
 * out, with the backoffs), in ms of real time: how stale a poller's
 * heartbeat may get before it counts as stuck, and how late a sample may
 * reach the engine after its timestamp. */
int64_t mvg_gateway_worst_poll_ms(const mvg_gateway *g);

/* 1 when every poller turned its loop within limit_ms before now_mono_ms. */
int mvg_gateway_alive(mvg_gateway *g, int64_t now_mono_ms, int64_t limit_ms);

/* Status of device i (config index); -1 when no poller has it. */
int mvg_gateway_device_status(mvg_gateway *g, size_t device, mvg_device_status *out);

#endif
