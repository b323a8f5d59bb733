/*
 * fuzz_definition_read.c: arbitrary bytes as a project definition record
 * (daemon/records/definition_read.c), the record `mvgate report --hub`
 * reads the project from. Invariant: a definition that is accepted has
 * 1..MVG_PROJECT_MAX_STREAMS streams, an interval of 1..60 minutes, at
 * most MVG_MODEL_MAX_X variables a stream, and converts an amount without
 * crashing; whatever is refused says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "convert.h"
#include "definition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[400] = "";
    mvg_definition *d = mvg_definition_parse((const char *)data, size, err, sizeof err);
    if (!d) {
        if (!err[0])
            abort();
        return 0;
    }
    const mvg_project_cfg *p = &d->prj;
    if (p->nstreams < 1 || p->nstreams > MVG_PROJECT_MAX_STREAMS || p->interval_min < 1 ||
        p->interval_min > 60)
        abort();
    for (size_t i = 0; i < p->nstreams; i++) {
        if (p->streams[i].nx > MVG_MODEL_MAX_X)
            abort();
        mvg_conv_result r;
        mvg_convert_apply(&p->streams[i].factors, 12.5, &r);
    }
    mvg_definition_free(d);
    return 0;
}
