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
#include "publishers.h"

#include "poller.h"

struct mvg_gateway {
    mvg_config *cfg;
    unsigned generation;
    mvg_runner *runner;
    mvg_pipeline *pipeline;
    mvg_poller **pollers; /* one per bus, NULL until started */
    size_t npollers;
    const mvg_publishers_api *mqtt_mod, *influx_mod; /* their modules, when configured */
    mvg_mqtt_pub *mqtt;   /* NULL when the config has no mqtt section */
    mvg_influx_pub *influx;
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
    if (make_data_dir(cfg->gateway.data_dir, err, errlen) == 0)
        g->runner = mvg_runner_new(cfg, time_scale, err, errlen);
    if (g->runner) {
        const mvg_publish_cfg *pc = cfg->publish;
        mvg_pipeline_opts po = {
            .mqtt = pc->mqtt.enabled,
            .influx = pc->influx.enabled,
            .store = {.sync_full = pc->store.sync_full,
                      .sample_max_age_ms = pc->store.retention_days * 86400000LL,
                      .sample_max_bytes = pc->store.samples_max_mb * 1048576LL,
                      .outbox_max_entries = pc->store.outbox_max_entries,
                      .outbox_max_bytes = pc->store.outbox_max_mb * 1048576LL},
            .all_samples = pc->store.all_samples,
            .influx_telemetry = pc->influx.telemetry,
            .telemetry_mode = (int)pc->mqtt.telemetry,
            .telemetry_every = pc->mqtt.telemetry_every,
            .deadband = pc->mqtt.deadband,
            .check_store = generation == 1,
            .new_chain = new_chain,
        };
        g->pipeline = mvg_pipeline_open(cfg, g->runner, &po, err, errlen);
    }
    if (!g->pipeline) {
        mvg_gateway_free(g);
        return NULL;
    }
    return g;
}

int mvg_gateway_adopt_state(mvg_gateway *g, const mvg_gateway *from, char *err, size_t errlen)
{
    if (!from || mvg_runner_project_count(from->runner) == 0)
        return 0;
    size_t cap = mvg_runner_state_size(from->runner), len = 0;
    void *buf = malloc(cap ? cap : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_runner_save(from->runner, buf, cap, &len, err, errlen);
    if (rc == 0)
        rc = mvg_runner_load(g->runner, buf, len, err, errlen);
    free(buf);
    if (rc == 0)
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
         !(g->mqtt = g->mqtt_mod->mqtt_start(&pc->mqtt, db, err, errlen))))
        return -1;
    if (pc->influx.enabled &&
        (!(g->influx_mod = mvg_publishers_load(MVG_PUBMOD_INFLUX, err, errlen)) ||
         !(g->influx = g->influx_mod->influx_start(&pc->influx, db, err, errlen))))
        return -1;
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

void mvg_gateway_free(mvg_gateway *g)
{
    if (!g)
        return;
    for (size_t b = 0; b < g->npollers; b++)
        mvg_poller_stop(g->pollers[b]);
    free(g->pollers);
    if (g->mqtt)
        g->mqtt_mod->mqtt_stop(g->mqtt);
    if (g->influx)
        g->influx_mod->influx_stop(g->influx);
    mvg_pipeline_close(g->pipeline);
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
