/*
 * http_snap.c: the snapshot's memory (http_snap.h).
 */
#include "http_snap.h"

#include <stdlib.h>
#include <string.h>

mvg_http_snap *mvg_http_snap_new(void)
{
    return calloc(1, sizeof(mvg_http_snap));
}

char *mvg_http_snap_str(const char *s)
{
    return strdup(s ? s : "");
}

void mvg_http_snap_free(mvg_http_snap *s)
{
    if (!s)
        return;
    for (size_t d = 0; s->devices && d < s->ndevices; d++) {
        mvg_http_device *dev = &s->devices[d];
        for (size_t p = 0; dev->points && p < dev->npoints; p++) {
            free(dev->points[p].name);
            free(dev->points[p].unit);
        }
        free(dev->points);
        free(dev->name);
        free(dev->bus);
        free(dev->last_error);
    }
    for (size_t o = 0; s->outboxes && o < s->noutboxes; o++)
        free(s->outboxes[o].name);
    for (size_t p = 0; s->projects && p < s->nprojects; p++) {
        for (size_t k = 0; s->projects[p].streams && k < s->projects[p].nstreams; k++)
            free(s->projects[p].streams[k].name);
        free(s->projects[p].streams);
        free(s->projects[p].name);
    }
    free(s->devices);
    free(s->outboxes);
    free(s->projects);
    free(s->gateway);
    free(s->site);
    free(s->version);
    free(s);
}
