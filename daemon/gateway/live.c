/*
 * live.c: last values, last intervals and the endpoint's snapshot (live.h).
 */
#include "live.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config_projects.h"
#include "poller.h"

typedef struct {
    int64_t end_ms; /* 0: none yet */
    mvg_phase phase;
    size_t nstreams;
    double coverage[MVG_PROJECT_MAX_STREAMS];
    int valid[MVG_PROJECT_MAX_STREAMS];
} last_interval; /* the streams in the order of their project's config (project.c) */

struct mvg_live {
    const mvg_config *cfg;
    mvg_sample **last;      /* per device, one per point; ts_ms 0 before the first poll */
    last_interval *intervals; /* per project */
    size_t nprojects;
};

mvg_live *mvg_live_new(const mvg_config *cfg)
{
    mvg_live *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cfg = cfg;
    l->nprojects = cfg->projects ? cfg->projects->nprojects : 0;
    l->last = calloc(cfg->ndevices + 1, sizeof *l->last);
    l->intervals = calloc(l->nprojects + 1, sizeof *l->intervals);
    if (!l->last || !l->intervals) {
        mvg_live_free(l);
        return NULL;
    }
    for (size_t d = 0; d < cfg->ndevices; d++)
        if (!(l->last[d] = calloc(cfg->devices[d].npoints + 1, sizeof **l->last))) {
            mvg_live_free(l);
            return NULL;
        }
    return l;
}

void mvg_live_free(mvg_live *l)
{
    if (!l)
        return;
    for (size_t d = 0; l->last && d < l->cfg->ndevices; d++)
        free(l->last[d]);
    free(l->last);
    free(l->intervals);
    free(l);
}

void mvg_live_note_batch(mvg_live *l, const mvg_sample_batch *b)
{
    if (b->device >= l->cfg->ndevices || b->n != l->cfg->devices[b->device].npoints)
        return;
    memcpy(l->last[b->device], b->samples, b->n * sizeof *b->samples);
}

void mvg_live_note_interval(mvg_live *l, size_t project, const mvg_project_result *res)
{
    if (project >= l->nprojects)
        return;
    last_interval *li = &l->intervals[project];
    li->end_ms = res->end_ms;
    li->phase = res->phase;
    size_t n = l->cfg->projects->projects[project].nstreams;
    li->nstreams = res->nstreams < n ? res->nstreams : n;
    for (size_t s = 0; s < li->nstreams; s++) {
        li->coverage[s] = res->streams[s].coverage;
        li->valid[s] = res->streams[s].valid;
    }
}

static int fill_device(mvg_http_device *out, const mvg_config *cfg, size_t d,
                       const mvg_device_status *st, const mvg_sample *last)
{
    const mvg_device_cfg *dc = &cfg->devices[d];
    out->name = dc->name;
    out->bus = cfg->buses[dc->bus].name;
    memcpy(out->last_error, st->last_error, sizeof out->last_error);
    out->last_error[sizeof out->last_error - 1] = '\0';
    out->unit_id = dc->unit_id;
    out->online = st->online;
    out->last_good_ms = st->last_good_ms;
    out->polls = st->polls;
    out->failed_polls = st->failed_polls;
    out->overruns = st->overruns;
    memcpy(out->rtt_count, st->rtt_count, sizeof st->rtt_count);
    out->rtt_sum_s = st->rtt_sum_s;
    if (!(out->points = calloc(dc->npoints + 1, sizeof *out->points)))
        return -1;
    out->npoints = dc->npoints;
    for (size_t p = 0; p < dc->npoints; p++) {
        mvg_http_point *pt = &out->points[p];
        const mvg_sample *s = &last[p];
        pt->name = dc->points[p].name;
        pt->unit = dc->points[p].unit;
        pt->ts_ms = s->ts_ms;
        pt->quality = s->ts_ms ? mvg_quality_name(s->quality) : NULL;
        /* the sample's value is NaN where the read gave none (sample.h):
         * a failed read shows its quality, never an old or zero number */
        pt->value = s->ts_ms ? s->value : NAN;
    }
    return 0;
}

/* The strings of the snapshot are borrowed from cfg and from literals
 * (http_snap.h): never from what the pipeline thread writes while the
 * snapshot is served; the gateway stops the server before it frees cfg. */
mvg_http_snap *mvg_live_snapshot(const mvg_live *l, const mvg_status_input *in)
{
    static const int64_t bounds_ms[] = MVG_POLL_RTT_BOUNDS_MS;
    _Static_assert(sizeof bounds_ms / sizeof bounds_ms[0] == MVG_POLL_RTT_NBOUNDS,
                   "MVG_POLL_RTT_NBOUNDS counts MVG_POLL_RTT_BOUNDS_MS");
    _Static_assert(MVG_POLL_RTT_NBOUNDS <= MVG_HTTP_RTT_MAX, "the snapshot holds the bounds");
    const mvg_config *cfg = l->cfg;
    mvg_http_snap *s = mvg_http_snap_new();
    if (!s)
        return NULL;
    s->gateway = cfg->gateway.id;
    s->site = cfg->gateway.site;
    s->version = MVG_VERSION;
    s->now_ms = in->now_ms;
    s->started_ms = in->started_ms;
    s->nrtt_bounds = MVG_POLL_RTT_NBOUNDS;
    for (size_t b = 0; b < MVG_POLL_RTT_NBOUNDS; b++)
        s->rtt_bounds_s[b] = (double)bounds_ms[b] / 1000.0;
    s->queue_depth = in->queue_depth;
    s->queue_dropped = in->queue_dropped;
    s->devices = calloc(cfg->ndevices + 1, sizeof *s->devices);
    s->outboxes = calloc(in->npublishers + 1, sizeof *s->outboxes);
    s->projects = calloc(l->nprojects + 1, sizeof *s->projects);
    if (!s->devices || !s->outboxes || !s->projects)
        goto fail;
    for (size_t d = 0; d < cfg->ndevices; d++) {
        s->ndevices = d + 1; /* so that a failure frees what is filled */
        if (fill_device(&s->devices[d], cfg, d, &in->devices[d], l->last[d]) != 0)
            goto fail;
    }
    s->noutboxes = in->npublishers;
    for (size_t o = 0; o < in->npublishers; o++) {
        s->outboxes[o].name = in->publisher[o]; /* literals of pipeline.c */
        s->outboxes[o].depth = in->outbox[o].depth;
        s->outboxes[o].parked = in->outbox[o].parked;
        s->outboxes[o].oldest_ms = in->outbox[o].oldest_ms;
    }
    for (size_t p = 0; p < l->nprojects; p++) {
        const last_interval *li = &l->intervals[p];
        mvg_http_project *hp = &s->projects[p];
        s->nprojects = p + 1;
        hp->name = cfg->projects->projects[p].name;
        if (!(hp->streams = calloc(li->nstreams + 1, sizeof *hp->streams)))
            goto fail;
        hp->last_end_ms = li->end_ms;
        hp->phase = li->end_ms ? mvg_project_phase_name(li->phase) : NULL;
        hp->nstreams = li->nstreams;
        for (size_t k = 0; k < li->nstreams; k++) {
            /* the config's name, not the result's copy: a snapshot being
             * served borrows it while the next interval is noted */
            hp->streams[k].name = cfg->projects->projects[p].streams[k].name;
            hp->streams[k].coverage = li->coverage[k];
            hp->streams[k].valid = li->valid[k];
        }
    }
    return s;
fail:
    mvg_http_snap_free(s);
    return NULL;
}
