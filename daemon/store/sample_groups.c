/*
 * sample_groups.c: stored samples back into per-device groups
 * (sample_groups.h).
 */
#include "sample_groups.h"

#include <math.h>
#include <stdlib.h>

struct mvg_sample_groups {
    const mvg_config *cfg;
    mvg_sample_group_fn fn;
    void *user;
    long device;
    int64_t ts;
    mvg_sample *group;
    size_t cap;
    int any;
};

mvg_sample_groups *mvg_sample_groups_new(const mvg_config *cfg, mvg_sample_group_fn fn,
                                         void *user)
{
    mvg_sample_groups *g = calloc(1, sizeof *g);
    if (g) {
        g->cfg = cfg;
        g->fn = fn;
        g->user = user;
    }
    return g;
}

void mvg_sample_groups_free(mvg_sample_groups *g)
{
    if (g)
        free(g->group);
    free(g);
}

void mvg_sample_groups_flush(mvg_sample_groups *g)
{
    if (!g->any)
        return;
    g->any = 0;
    g->fn(g->user, (size_t)g->device, g->ts, g->group, g->cfg->devices[g->device].npoints);
}

int mvg_sample_groups_add(mvg_sample_groups *g, long device, long point, const mvg_sample *s)
{
    if (device < 0 || (size_t)device >= g->cfg->ndevices || point < 0 ||
        (size_t)point >= g->cfg->devices[device].npoints)
        return 0;
    const mvg_device_cfg *dev = &g->cfg->devices[device];
    if (g->any && (device != g->device || s->ts_ms != g->ts))
        mvg_sample_groups_flush(g);
    if (!g->any) {
        if (dev->npoints > g->cap) {
            mvg_sample *grown = realloc(g->group, dev->npoints * sizeof *grown);
            if (!grown)
                return -1;
            g->group = grown;
            g->cap = dev->npoints;
        }
        for (size_t i = 0; i < dev->npoints; i++)
            g->group[i] = (mvg_sample){.ts_ms = INT64_MIN, .value = NAN,
                                       .quality = MVG_Q_COMM_ERROR};
        g->device = device;
        g->ts = s->ts_ms;
        g->any = 1;
    }
    g->group[point] = *s;
    /* a group feeds the engine, which takes no text; the row's text lives
     * only as long as the read of that row */
    if (s->raw_kind == MVG_RAW_TEXT) {
        g->group[point].raw_kind = MVG_RAW_NONE;
        g->group[point].text = NULL;
    }
    return 0;
}
