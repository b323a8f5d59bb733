/*
 * plan.h: the read planner. Turns a device's points into the fewest Modbus
 * read requests the protocol allows (125 registers or 2000 bits each),
 * bridging gaps of up to max_gap registers/bits, never mixing areas.
 * The plan owns its arrays.
 */
#ifndef MVG_PLAN_H
#define MVG_PLAN_H

#include <stddef.h>

#include "device.h"

#define MVG_PLAN_MAX_REGS 125
#define MVG_PLAN_MAX_BITS 2000

typedef struct {
    mvg_area area;
    unsigned start;  /* first address */
    unsigned count;  /* registers or bits */
} mvg_plan_req;

typedef struct {
    size_t req;      /* index into reqs */
    unsigned offset; /* register (or bit) offset of the point inside that request */
} mvg_plan_slot;

typedef struct {
    mvg_plan_req *reqs;
    size_t nreqs;
    mvg_plan_slot *slots; /* one per point, same order as the points given */
    size_t nslots;
} mvg_plan;

/* Returns 0, or -1 with a message in err (a point that does not fit the
 * address space, out of memory). */
int mvg_plan_build(const mvg_point_cfg *points, size_t npoints, unsigned max_gap, mvg_plan *out,
                   char *err, size_t errlen);
void mvg_plan_free(mvg_plan *plan);

#endif
