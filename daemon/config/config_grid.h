/*
 * config_grid.h: the table of published grid emission factors that a
 * stream selects by name (`grid = "csg-2022"`): config/factors/grid.conf,
 * one entry per grid and year with its value and the document it comes
 * from (docs/conversions.md "Grid emission factors"). It owns reading and
 * checking that file (FILE:LINE for every problem) and the lookup by name;
 * the stream's loader (config_streams.c) puts an entry's value and source
 * into the stream's factors.
 */
#ifndef MVG_CONFIG_GRID_H
#define MVG_CONFIG_GRID_H

#include <stddef.h>

#include "diag.h"

typedef struct {
    char name[64];          /* "csg-2022" */
    long long year;         /* the year the factor describes */
    char region[128];       /* "mainland China, Southern regional grid" */
    double kg_co2_per_kwh;
    char source[320];       /* the publication */
} mvg_grid_entry;

typedef struct mvg_grid_table mvg_grid_table;

/* Reads path; NULL after every problem was added to diags. */
mvg_grid_table *mvg_grid_load(const char *path, mvg_diags *diags);
void mvg_grid_free(mvg_grid_table *t);

/* The entry called name, or NULL. */
const mvg_grid_entry *mvg_grid_find(const mvg_grid_table *t, const char *name);
/* The names of the table, comma separated, into buf (for "unknown grid"). */
const char *mvg_grid_names(const mvg_grid_table *t, char *buf, size_t len);

#endif
