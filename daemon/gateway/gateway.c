/*
 * gateway.c: one running configuration: config, runner and bus pollers
 * (see gateway.h).
 */
#include "gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_publish.h"
#include "head.h"
#include "live.h"
#include "log.h"
#include "publishers.h"
#include "telemetry_lane.h"
#include "timefmt.h"

#include "poller.h"

/* What the telemetry lane may hold for the publisher (telemetry_lane.h):
 * a second of a 100,000-point gateway's telemetry is about 10 MB, taken
 * poll by poll as the publisher's window frees; beyond this (the broker
 * does not keep up) the outbox takes over. */
#define LANE_BYTES (2u << 20)

struct mvg_gateway {
    mvg_config *cfg;
    unsigned generation;
    double time_scale;     /* of the timebase: a rebuild's runner is built with it, and the
                            * head period runs in monotonic time at that speed */
    mvg_runner *runner;
    mvg_pipeline *pipeline;
    mvg_lane *lane;       /* MQTT telemetry from the pipeline to the publisher, when configured */
    mvg_poller **pollers; /* one per bus, NULL until started */
    size_t npollers;
    const mvg_publishers_api *mqtt_mod, *influx_mod; /* their modules, when configured */
    mvg_mqtt_pub *mqtt;   /* NULL when the config has no mqtt section */
    mvg_influx_pub *influx;
    const mvg_publishers_api *http_mod; /* the HTTP endpoint's module, when configured */
    mvg_http_server *http;
    mvg_live *live;       /* what the endpoint shows beyond the status; NULL without it */
    int heads_begun;      /* a head was due at least once (start, or carried over a reload) */
    int64_t head_mono_ms; /* monotonic time of the last head */
};

/* A missing data_dir is created (0750, parents too), as systemd's
 * StateDirectory would: `mvgate check` accepts one whose nearest existing
 * parent this user can write (config.c check_data_dir). */
static int make_data_dir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "data_dir '%s' is too long", dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "data_dir %s: cannot create %s: %s", dir, path, strerror(errno));
            return -1;
        }
        *p = c;
        if (!c)
            return 0;
    }
}

mvg_gateway *mvg_gateway_new(mvg_config *cfg, unsigned generation, double time_scale,
                             int new_chain, char *err, size_t errlen)
{
    mvg_gateway *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        mvg_config_free(cfg);
        return NULL;
    }
    g->cfg = cfg;
    g->generation = generation;
    g->time_scale = time_scale > 0 ? time_scale : 1.0;
    if (make_data_dir(cfg->gateway.data_dir, err, errlen) == 0)
        g->runner = mvg_runner_new(cfg, time_scale, err, errlen);
    if (g->runner) {
        const mvg_publish_cfg *pc = cfg->publish;
        if (pc->mqtt.enabled && !(g->lane = mvg_lane_new(LANE_BYTES))) {
            snprintf(err, errlen, "out of memory");
            mvg_gateway_free(g);
            return NULL;
        }
        mvg_pipeline_opts po = {
            .mqtt = pc->mqtt.enabled,
            .influx = pc->influx.enabled,
            .store = {.sync_full = pc->store.sync_full,
                      .sample_max_age_ms = pc->store.retention_days * 86400000LL,
                      .sample_max_bytes = pc->store.samples_max_mb * 1048576LL,
                      .outbox_max_entries = pc->store.outbox_max_entries,
                      .outbox_max_bytes = pc->store.outbox_max_mb * 1048576LL,
                      .reserve_bytes = (int64_t)(pc->store.reserve_mb * 1048576.0)},
            .all_samples = pc->store.all_samples,
            .influx_telemetry = pc->influx.telemetry,
            .influx_unsigned = pc->influx.version >= 2,
            .telemetry_mode = (int)pc->mqtt.telemetry,
            .telemetry_every = pc->mqtt.telemetry_every,
            .deadband = pc->mqtt.deadband,
            .check_store = generation == 1,
            .new_chain = new_chain,
            .lane = g->lane,
        };
        g->pipeline = mvg_pipeline_open(cfg, g->runner, &po, err, errlen);
    }
    if (!g->pipeline) {
        mvg_gateway_free(g);
        return NULL;
    }
    return g;
}

/* One log line per stream: what the reload did with its engine state and
 * why (docs/daemon.md "Reload"). */
static void log_carry(const char *project, const mvg_runner_carry *c,
                      const mvg_pipeline_replayed *rp)
{
    char from[40] = "";
    if (rp && rp->oldest_ms != INT64_MIN)
        mvg_timefmt_format(rp->oldest_ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, from, sizeof from);
    for (size_t s = 0; s < c->nstreams; s++) {
        const mvg_runner_carry_stream *cs = &c->s[s];
        switch (cs->outcome) {
        case MVG_CARRY_KEPT:
            mvg_log(MVG_LOG_NOTICE,
                    "reload: %s.%s: engine state kept (%zu baseline rows, %llu reporting "
                    "points%s)",
                    project, cs->name, cs->baseline_rows,
                    (unsigned long long)cs->reporting_points,
                    c->kept_interval ? ", the open interval continues"
                                     : "; the open interval rebuilt from stored samples");
            break;
        case MVG_CARRY_REBUILT:
            mvg_log(MVG_LOG_WARN,
                    "reload: %s.%s: rebuilt from %llu stored intervals (samples from %s) "
                    "because %s: %zu baseline rows, %llu reporting points, %s",
                    project, cs->name, (unsigned long long)c->rebuilt_intervals, from, cs->why,
                    cs->baseline_rows, (unsigned long long)cs->reporting_points,
                    cs->refitted ? "its model fitted again on them"
                    : cs->model_ready ? "its given model"
                                      : "no model yet");
            break;
        default:
            mvg_log(MVG_LOG_WARN,
                    "reload: %s.%s: engine state reset because %s, and the store holds no "
                    "interval of it to rebuild from",
                    project, cs->name, cs->why);
            break;
        }
    }
}

int mvg_gateway_adopt_state(mvg_gateway *g, const mvg_gateway *from, char *err, size_t errlen)
{
    if (from && from->heads_begun) { /* a reload neither writes a head nor delays the next */
        g->heads_begun = 1;
        g->head_mono_ms = from->head_mono_ms;
    }
    size_t n = mvg_runner_project_count(g->runner);
    if (!from || n == 0)
        return 0;
    mvg_runner_carry *carry = calloc(n, sizeof *carry);
    if (!carry) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    mvg_runner *scratch = NULL;
    mvg_pipeline_replayed rp = {0, INT64_MIN, INT64_MIN};
    if (mvg_runner_carry_over(g->runner, from->runner, carry) > 0) {
        /* what changed is rebuilt from the stored samples, in a runner of
         * the new configuration that records nothing */
        scratch = mvg_runner_new(g->cfg, g->time_scale, err, errlen);
        rc = scratch ? mvg_pipeline_replay_into(g->pipeline, scratch, &rp, err, errlen) : -1;
        if (rc == 0)
            rc = mvg_runner_rebuild(g->runner, scratch, carry, rp.newest_ms, err, errlen);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *name = mvg_project_config(mvg_runner_project(g->runner, i))->name;
        log_carry(name, &carry[i], &rp);
        for (size_t s = 0; s < carry[i].nstreams; s++)
            if (carry[i].s[s].refitted)
                mvg_pipeline_model_due(g->pipeline, i);
    }
    mvg_runner_free(scratch);
    free(carry);
    mvg_pipeline_adopt_marks(g->pipeline, from->pipeline);
    return rc == 0 ? 1 : -1;
}

static int start_publishers(mvg_gateway *g, char *err, size_t errlen)
{
    const mvg_publish_cfg *pc = g->cfg->publish;
    const char *db = mvg_pipeline_db_path(g->pipeline);
    /* the publishers' errors name them already ("mqtt: ...", "influx: ...") */
    if (pc->mqtt.enabled &&
        (!(g->mqtt_mod = mvg_publishers_load(mvg_publishers_mqtt_module(pc->mqtt.uri), err,
                                             errlen)) ||
         !(g->mqtt = g->mqtt_mod->mqtt_start(&pc->mqtt, db, g->lane, err, errlen))))
        return -1;
    if (pc->influx.enabled &&
        (!(g->influx_mod = mvg_publishers_load(mvg_publishers_influx_module(pc->influx.url), err,
                                               errlen)) ||
         !(g->influx = g->influx_mod->influx_start(&pc->influx, db, err, errlen))))
        return -1;
    /* the endpoint serves snapshots only (live.h): it starts with none */
    if (pc->http.enabled) {
        if (!(g->live = mvg_live_new(g->cfg))) {
            snprintf(err, errlen, "http: out of memory");
            return -1;
        }
        if (!(g->http_mod = mvg_publishers_load(MVG_PUBMOD_HTTP, err, errlen)) ||
            !(g->http = g->http_mod->http_start(&pc->http, err, errlen)))
            return -1;
        mvg_log(MVG_LOG_NOTICE, "http: serving /metrics and the live page on %s%s%s:%d",
                strchr(pc->http.listen, ':') ? "[" : "", pc->http.listen,
                strchr(pc->http.listen, ':') ? "]" : "", pc->http.port);
    }
    return 0;
}

int mvg_gateway_start(mvg_gateway *g, const mvg_timebase *tb, mvg_sample_queue *queue, char *err,
                      size_t errlen)
{
    /* the publishers first: they only read the store, and a publisher that
     * cannot start (a secret file gone) must not leave pollers behind */
    if (start_publishers(g, err, errlen) != 0)
        return -1;
    g->pollers = calloc(g->cfg->nbuses ? g->cfg->nbuses : 1, sizeof *g->pollers);
    if (!g->pollers) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t b = 0; b < g->cfg->nbuses; b++) {
        g->pollers[b] = mvg_poller_start(g->cfg, b, g->generation, tb, queue, err, errlen);
        if (!g->pollers[b]) {
            for (size_t k = 0; k < b; k++)
                mvg_poller_stop(g->pollers[k]);
            free(g->pollers);
            g->pollers = NULL;
            g->npollers = 0;
            return -1;
        }
        g->npollers = b + 1;
    }
    return 0;
}

void mvg_gateway_kick(mvg_gateway *g)
{
    if (g->mqtt)
        g->mqtt_mod->mqtt_kick(g->mqtt);
    if (g->influx)
        g->influx_mod->influx_kick(g->influx);
}

mvg_live *mvg_gateway_live(mvg_gateway *g) { return g->http ? g->live : NULL; }

void mvg_gateway_http_offer(mvg_gateway *g, const mvg_status_input *in)
{
    if (!g->http)
        return;
    mvg_http_snap *snap = mvg_live_snapshot(g->live, in);
    if (snap)
        g->http_mod->http_offer(g->http, snap); /* else the last one is served a while longer */
}

void mvg_gateway_publisher_stats(mvg_gateway *g, mvg_mqtt_stats *mqtt, int *has_mqtt,
                                 mvg_influx_stats *influx, int *has_influx)
{
    *has_mqtt = g->mqtt != NULL;
    *has_influx = g->influx != NULL;
    if (g->mqtt)
        g->mqtt_mod->mqtt_get_stats(g->mqtt, mqtt);
    if (g->influx)
        g->influx_mod->influx_get_stats(g->influx, influx);
}

int mvg_gateway_heads(mvg_gateway *g, int64_t now_ms, int64_t mono_ms, int stopping, char *err,
                      size_t errlen)
{
    int64_t every_s = (int64_t)g->cfg->gateway.head_every * 60;
    mvg_head_reason reason;
    if (stopping)
        reason = MVG_HEAD_SHUTDOWN;
    else if (!g->heads_begun)
        reason = MVG_HEAD_START;
    else if (every_s > 0 &&
             (double)(mono_ms - g->head_mono_ms) * g->time_scale >= (double)every_s * 1000.0)
        reason = MVG_HEAD_PERIODIC;
    else
        return 0;
    if (mvg_pipeline_write_heads(g->pipeline, now_ms, every_s, (int)reason, err, errlen) != 0)
        return -1; /* due again at the next turn */
    g->heads_begun = 1;
    g->head_mono_ms = mono_ms;
    return 1;
}

void mvg_gateway_free(mvg_gateway *g)
{
    if (!g)
        return;
    /* the endpoint first: its snapshots borrow the config's strings
     * (http_snap.h), and stopping it ends the last of them */
    if (g->http)
        g->http_mod->http_stop(g->http);
    mvg_live_free(g->live);
    /* all bus threads told first, then waited for: a stop (or reload) waits
     * for the slowest request in flight, not for the sum over the buses */
    for (size_t b = 0; b < g->npollers; b++)
        mvg_poller_request_stop(g->pollers[b]);
    for (size_t b = 0; b < g->npollers; b++)
        mvg_poller_stop(g->pollers[b]);
    free(g->pollers);
    if (g->mqtt)
        g->mqtt_mod->mqtt_stop(g->mqtt);
    if (g->influx)
        g->influx_mod->influx_stop(g->influx);
    /* after the publisher: the pipeline keeps what the lane handed back */
    mvg_pipeline_close(g->pipeline);
    mvg_lane_free(g->lane);
    mvg_runner_free(g->runner);
    mvg_config_free(g->cfg);
    free(g);
}

const mvg_config *mvg_gateway_config(const mvg_gateway *g) { return g->cfg; }
mvg_runner *mvg_gateway_runner(mvg_gateway *g) { return g->runner; }
mvg_pipeline *mvg_gateway_pipeline(mvg_gateway *g) { return g->pipeline; }
int64_t mvg_gateway_worst_poll_ms(const mvg_gateway *g)
{
    int64_t worst = 0;
    for (size_t b = 0; b < g->cfg->nbuses; b++) {
        const mvg_bus_cfg *bus = &g->cfg->buses[b];
        /* a timed-out request ends the device's poll (acquire.h), so a poll
         * costs at most one request with all its retries and backoffs */
        int64_t t = (int64_t)bus->timeout_ms * (bus->retries + 1);
        int64_t backoff = bus->backoff_ms;
        for (int r = 0; r < bus->retries; r++, backoff *= 2)
            t += backoff;
        if (t > worst)
            worst = t;
    }
    return worst;
}

int mvg_gateway_alive(mvg_gateway *g, int64_t now_mono_ms, int64_t limit_ms)
{
    for (size_t b = 0; b < g->npollers; b++)
        if (now_mono_ms - mvg_poller_heartbeat(g->pollers[b]) > limit_ms)
            return 0;
    return 1;
}

int mvg_gateway_device_status(mvg_gateway *g, size_t device, mvg_device_status *out)
{
    if (device >= g->cfg->ndevices || g->cfg->devices[device].bus >= g->npollers)
        return -1;
    return mvg_poller_device_status(g->pollers[g->cfg->devices[device].bus], device, out);
}
