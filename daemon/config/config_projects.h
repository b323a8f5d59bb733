/*
 * config_projects.h: the M&V part of the configuration: derived channels
 * (expressions over points) and projects with their phases, savings streams,
 * baseline models and conversion factors. The config loader (config.c) calls
 * mvg_config_projects_load() with the parsed libconfig tree after it has
 * checked gateway, buses and devices; this module checks the `derived` and
 * `projects` sections (including references to devices and points) and owns
 * the mvg_projects_cfg it returns. The keys are documented in docs/config.md.
 */
#ifndef MVG_CONFIG_PROJECTS_H
#define MVG_CONFIG_PROJECTS_H

#include <libconfig.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "project.h" /* the plain project structs it fills */

/*
 * root: the libconfig root setting. cfg: the already-checked devices (for
 * reference checks). grid_path: the grid factor table a stream's `grid`
 * selects from (config_grid.h; NULL when none was found). Returns 0 and
 * sets *out (NULL when the file has neither section), or -1 after adding
 * every problem to diags as FILE:LINE: message.
 */
int mvg_config_projects_load(const config_setting_t *root, const mvg_config *cfg,
                             const char *grid_path, mvg_diags *diags, mvg_projects_cfg **out);
void mvg_config_projects_free(mvg_projects_cfg *p);

#endif
