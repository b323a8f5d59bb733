/*
 * plan.c: the read planner. Owns the request and slot arrays of a plan.
 *
 * Points are visited in (area, address) order and packed greedily: a point
 * joins the open request when it lies in the same area, the hole between the
 * request's end and the point's start is at most max_gap, and the request
 * grown to cover it stays within the protocol's limit. Overlapping points
 * (two views of the same registers) simply share the request.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "point.h"

/* Width of a point in the units of its area: registers, or bits for
 * coil/discrete. 0 when the type cannot live in that area. */
static unsigned point_width(const mvg_point_cfg *p)
{
    if (mvg_area_is_bits(p->area))
        return p->type == MVG_TYPE_BOOL ? 1 : 0;
    return mvg_point_width(p);
}

static unsigned area_limit(mvg_area a)
{
    return mvg_area_is_bits(a) ? MVG_PLAN_MAX_BITS : MVG_PLAN_MAX_REGS;
}

/* qsort has no context argument in C11: sort (area, address, index) keys
 * instead of indices into the caller's array. The index as last key keeps
 * the result independent of qsort's (unstable) algorithm. */
typedef struct {
    mvg_area area;
    unsigned address;
    unsigned width;
    size_t index;
} key;

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->area != y->area)
        return x->area < y->area ? -1 : 1;
    if (x->address != y->address)
        return x->address < y->address ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return 0;
}

void mvg_plan_free(mvg_plan *plan)
{
    if (!plan)
        return;
    free(plan->reqs);
    free(plan->slots);
    memset(plan, 0, sizeof *plan);
}

int mvg_plan_build(const mvg_point_cfg *points, size_t npoints, unsigned max_gap, mvg_plan *out,
                   char *err, size_t errlen)
{
    int rc = -1;
    key *keys = NULL;

    if (!out || (npoints > 0 && !points)) {
        snprintf(err, errlen, "plan: invalid arguments");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (npoints == 0)
        return 0;

    keys = malloc(npoints * sizeof *keys);
    /* At most one request per point. */
    out->reqs = malloc(npoints * sizeof *out->reqs);
    out->slots = malloc(npoints * sizeof *out->slots);
    if (!keys || !out->reqs || !out->slots) {
        snprintf(err, errlen, "plan: out of memory");
        goto cleanup;
    }

    for (size_t i = 0; i < npoints; i++) {
        const mvg_point_cfg *p = &points[i];
        unsigned w = point_width(p);
        if (w == 0) {
            snprintf(err, errlen, "point %s: type %s cannot be read from the %s area", p->name,
                     mvg_type_name(p->type), mvg_area_name(p->area));
            goto cleanup;
        }
        /* Addresses are 16-bit (the field too): the last register/bit is 65535. */
        if ((unsigned)p->address + w > 65536u) {
            snprintf(err, errlen, "point %s: %s %u..%u runs past address 65535", p->name,
                     mvg_area_name(p->area), p->address, p->address + w - 1);
            goto cleanup;
        }
        keys[i] = (key){p->area, p->address, w, i};
    }
    qsort(keys, npoints, sizeof *keys, key_cmp);

    size_t nreqs = 0;
    unsigned end = 0; /* one past the last address covered by the open request */
    for (size_t k = 0; k < npoints; k++) {
        const key *x = &keys[k];
        mvg_plan_req *cur = nreqs > 0 ? &out->reqs[nreqs - 1] : NULL;
        unsigned pend = x->address + x->width;
        int join = 0;
        if (cur && cur->area == x->area) {
            unsigned new_end = pend > end ? pend : end;
            /* Sorted by address, so x->address >= cur->start. */
            int gap_ok = x->address <= end || x->address - end <= max_gap;
            join = gap_ok && new_end - cur->start <= area_limit(x->area);
        }
        if (join) {
            if (pend > end)
                end = pend;
            cur->count = end - cur->start;
        } else {
            cur = &out->reqs[nreqs++];
            cur->area = x->area;
            cur->start = x->address;
            cur->count = x->width;
            end = pend;
        }
        out->slots[x->index].req = nreqs - 1;
        out->slots[x->index].offset = x->address - cur->start;
    }
    out->nreqs = nreqs;
    out->nslots = npoints;
    rc = 0;

cleanup:
    free(keys);
    if (rc != 0)
        mvg_plan_free(out);
    return rc;
}
