/*
 * http_snap.c: the snapshot's memory (http_snap.h): its arrays only.
 */
#include "http_snap.h"

#include <stdlib.h>

mvg_http_snap *mvg_http_snap_new(void)
{
    return calloc(1, sizeof(mvg_http_snap));
}

void mvg_http_snap_free(mvg_http_snap *s)
{
    if (!s)
        return;
    for (size_t d = 0; s->devices && d < s->ndevices; d++)
        free(s->devices[d].points);
    for (size_t p = 0; s->projects && p < s->nprojects; p++)
        free(s->projects[p].streams);
    free(s->devices);
    free(s->outboxes);
    free(s->projects);
    free(s);
}
