/*
 * sim_export.h: writes a plant's register map out of the simulator's own
 * tables, as an mvgate config (config/examples/<plant>.conf is this output)
 * or as a Markdown table (docs/simulator.md), so that neither can drift
 * from what the simulator serves.
 */
#ifndef MVG_SIM_EXPORT_H
#define MVG_SIM_EXPORT_H

#include <stdio.h>

#include "sim_plant.h"

/* A complete mvgate config reading the plant's meters at 127.0.0.1:port. */
void mvg_sim_export_config(FILE *out, mvg_sim_plant_kind k, int port);
/* The register map as a Markdown table, one row per point. */
void mvg_sim_export_map(FILE *out, mvg_sim_plant_kind k);

#endif
