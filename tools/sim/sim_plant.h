/*
 * sim_plant.h: the physical models behind mvgate-sim. Each plant (air
 * compressor room, chiller, steam boiler, wastewater recycling, VOC
 * treatment) is a small deterministic simulation driven by the plant clock:
 * a demand profile (shifts, weekdays, outdoor temperature) plus smooth seeded
 * noise, and the equipment of the chosen phase (baseline or retrofit)
 * answering that demand. The module owns the plant state and the static
 * register map of its meters (which unit id serves which value, in which
 * area, type and byte order); it knows nothing about Modbus sockets.
 *
 * Determinism: every random quantity is a pure function of (seed, stream,
 * plant time), never of how often the plant was advanced, so two processes
 * with the same seed and start see the same demand whatever their clients do,
 * and a baseline run and a retrofit run can be compared value for value.
 * The state advances on a fixed grid of MVG_SIM_STEP_S seconds of plant time;
 * rates are held over a step and counters are their exact integrals.
 */
#ifndef MVG_SIM_PLANT_H
#define MVG_SIM_PLANT_H

#include <stddef.h>
#include <stdint.h>

#include "modbus_types.h"

#define MVG_SIM_MAX_POINTS 16      /* points of the largest plant, at most */
#define MVG_SIM_STEP_S 1.0          /* plant-time integration step, seconds */
#define MVG_SIM_SITE_UTC_OFFSET_S (8 * 3600) /* demand follows site time, UTC+8 */

typedef enum {
    MVG_SIM_COMPRESSOR,
    MVG_SIM_CHILLER,
    MVG_SIM_BOILER,
    MVG_SIM_WASTEWATER,
    MVG_SIM_VOC,
    MVG_SIM_NPLANTS
} mvg_sim_plant_kind;

typedef enum { MVG_SIM_BASELINE, MVG_SIM_RETROFIT } mvg_sim_phase;

/* One simulated meter: a Modbus unit id. */
typedef struct {
    uint8_t unit;
    const char *name;   /* device name in the example config */
    const char *what;   /* one line for docs and the config comment */
} mvg_sim_device;

/* One served value. Engineering value = raw * scale. */
typedef struct {
    uint8_t unit;
    const char *name;   /* point name in the example config */
    mvg_area area;      /* MVG_AREA_INPUT or MVG_AREA_HOLDING */
    uint16_t address;
    mvg_type type;
    mvg_order order;
    double scale;
    const char *eng_unit;
    mvg_kind kind;
    double min, max;    /* plausible range, used as min/max in the example config */
} mvg_sim_point;

typedef struct mvg_sim_plant mvg_sim_plant;

/* Name <-> enum; parse returns 0, or -1 for an unknown name. */
const char *mvg_sim_plant_kind_name(mvg_sim_plant_kind k);
int mvg_sim_plant_kind_parse(const char *s, mvg_sim_plant_kind *out);
const char *mvg_sim_phase_name(mvg_sim_phase ph);
int mvg_sim_phase_parse(const char *s, mvg_sim_phase *out);

/* The site calendar that demand follows (UTC+8) at UTC epoch seconds t:
 * the hour of the day in [0, 24), the day of the week (0 = Sunday ...
 * 6 = Saturday). */
double mvg_sim_plant_site_hour(double t);
int mvg_sim_plant_site_dow(double t);

/* The static meter list and register map of a plant kind. */
const mvg_sim_device *mvg_sim_plant_devices(mvg_sim_plant_kind k, size_t *n);
const mvg_sim_point *mvg_sim_plant_points(mvg_sim_plant_kind k, size_t *n);

/*
 * A plant at plant time start_s (UTC epoch seconds). Counters start at
 * values derived from the seed (meters are never new), so that tests see
 * non-trivial registers. Returns NULL only when out of memory.
 */
mvg_sim_plant *mvg_sim_plant_new(mvg_sim_plant_kind k, mvg_sim_phase ph, uint64_t seed,
                                 double start_s);
void mvg_sim_plant_free(mvg_sim_plant *p);

mvg_sim_plant_kind mvg_sim_plant_kind_of(const mvg_sim_plant *p);
/* Switches the equipment from the next step on; state carries over. */
void mvg_sim_plant_set_phase(mvg_sim_plant *p, mvg_sim_phase ph);
mvg_sim_phase mvg_sim_plant_phase(const mvg_sim_plant *p);

/* Advances to plant time t_s; a t_s earlier than the current time is ignored. */
void mvg_sim_plant_advance(mvg_sim_plant *p, double t_s);
double mvg_sim_plant_time(const mvg_sim_plant *p);

/* Engineering value of point i (index into mvg_sim_plant_points) at the
 * current plant time. Counters include the part of the running step. */
double mvg_sim_plant_value(const mvg_sim_plant *p, size_t i);

/* Rate of counter point i in engineering units per second over the running
 * step; 0 for gauges. */
double mvg_sim_plant_rate(const mvg_sim_plant *p, size_t i);

/* Hidden state worth showing in `status` (demand, pressure, COP...):
 * fills up to max names/values and returns how many there are. */
size_t mvg_sim_plant_state(const mvg_sim_plant *p, const char **names, double *values,
                           size_t max);

#endif
