/*
 * sim_regs.h: the register image mvgate-sim serves. It owns one libmodbus
 * mapping per unit id, sized to that unit's points, and turns engineering
 * values into register words with the project's codec (never libmodbus's
 * float setters, which are wrong on Debian 12). It also owns the
 * register-level faults: a float point forced to NaN, and a counter offset
 * that makes a counter roll over or restart from zero.
 */
#ifndef MVG_SIM_REGS_H
#define MVG_SIM_REGS_H

#include <stddef.h>

#include <modbus.h>

#include "sim_plant.h"

typedef struct mvg_sim_regs mvg_sim_regs;

/*
 * Builds the image for n points (copied), each unit's mapping covering its
 * points from address 0 in the input and holding areas. A unit's points
 * must be listed together (point i of the plant is slot i here) and must not
 * overlap within an area. Returns NULL and fills err on failure.
 */
mvg_sim_regs *mvg_sim_regs_new(const mvg_sim_point *pts, size_t n, char *err, size_t errlen);
void mvg_sim_regs_free(mvg_sim_regs *r);

/* The mapping of a unit id, or NULL when no meter answers to it. */
modbus_mapping_t *mvg_sim_regs_mapping(mvg_sim_regs *r, int unit);

/* Index range [*first, *first + *count) of a unit's points; 0 if unknown. */
int mvg_sim_regs_unit_points(const mvg_sim_regs *r, int unit, size_t *first, size_t *count);
size_t mvg_sim_regs_npoints(const mvg_sim_regs *r);
const mvg_sim_point *mvg_sim_regs_point(const mvg_sim_regs *r, size_t i);

/* Encodes point i's engineering value into its registers, applying its
 * faults. Integer counters are floored and wrap at their type's span;
 * integer gauges are rounded and clamped to the type's range. */
void mvg_sim_regs_store(mvg_sim_regs *r, size_t i, double value);

/* The point whose first register is at spec in a unit. spec is "ADDR",
 * "input:ADDR" or "holding:ADDR"; a bare address that exists in both areas
 * is ambiguous. Returns 0, or -1 with a message. */
int mvg_sim_regs_find(const mvg_sim_regs *r, int unit, const char *spec, size_t *idx, char *err,
                      size_t errlen);

/* Faults on point i; they take effect at the next store. Each returns 0, or
 * -1 with a message when the point's type cannot have that fault. */
int mvg_sim_regs_fault_nan(mvg_sim_regs *r, size_t i, char *err, size_t errlen);
/* Counter jumps to `before` raw counts short of its type's wrap. */
int mvg_sim_regs_fault_rollover(mvg_sim_regs *r, size_t i, double before, char *err, size_t errlen);
/* Counter restarts from 0, as after a meter reset. */
int mvg_sim_regs_fault_reset(mvg_sim_regs *r, size_t i, char *err, size_t errlen);
/* NaN faults end; counter offsets stay (a counter does not jump back). */
void mvg_sim_regs_clear_faults(mvg_sim_regs *r);

#endif
