/*
 * config_grid.c: the grid factor table (config_grid.h), read by the same
 * key tables and diagnostics as the configuration.
 */
#include "config_grid.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"
#include "config_table.h"

struct mvg_grid_table {
    mvg_grid_entry *e;
    size_t n;
};

#define GE(f) MVG_FIELD(mvg_grid_entry, f)
static const mvg_key grid_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NAME, GE(name),
     .doc = "what a stream's `grid` names"},
    {"year", MVG_KEY_INT, MVG_KEY_REQUIRED, GE(year), .lo = 1990, .hi = 2100,
     .doc = "the year the factor describes"},
    {"region", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NONEMPTY, GE(region),
     .doc = "the grid or utility"},
    {"kg_co2_per_kwh", MVG_KEY_NUMBER, MVG_KEY_REQUIRED, GE(kg_co2_per_kwh), .min = 0, .max = 2,
     .doc = "the factor"},
    {"source", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NONEMPTY, GE(source),
     .doc = "the publication the value was taken from"},
};
static const mvg_section grid_section = {"grid", MVG_KEYS(grid_keys)};

mvg_grid_table *mvg_grid_load(const char *path, mvg_diags *diags)
{
    mvg_cfgr r;
    memset(&r, 0, sizeof r);
    r.diags = diags;
    config_t c;
    config_init(&c);
    config_set_options(&c, CONFIG_OPTION_AUTOCONVERT);
    mvg_grid_table *t = calloc(1, sizeof *t);
    if (!t) {
        mvg_diags_add(diags, path, 0, "out of memory");
        config_destroy(&c);
        return NULL;
    }
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        mvg_cfgr_read_error(&r, &c, path, " (grid factor table)");
        goto fail;
    }
    const config_setting_t *list = config_lookup(&c, "grid");
    if (!list || !config_setting_is_list(list)) {
        mvg_diags_add(diags, path, 0, "grid factor table: needs grid = ( { name = ...; ... } );");
        goto fail;
    }
    size_t n = (size_t)config_setting_length(list);
    t->e = calloc(n ? n : 1, sizeof *t->e);
    if (!t->e) {
        mvg_diags_add(diags, path, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        char ctx[64];
        snprintf(ctx, sizeof ctx, "grid[%zu]", i);
        mvg_grid_entry *e = &t->e[t->n];
        memset(e, 0, sizeof *e);
        if (mvg_section_read_group(&r, &grid_section, g, ctx, "{ name = ...; year = ...; ... }",
                                   e, NULL) != 0)
            continue;
        if (mvg_grid_find(t, e->name)) {
            mvg_cfgr_fail(&r, g, "%s: '%s' is in the table twice", ctx, e->name);
            continue;
        }
        t->n++;
    }
    if (r.errors)
        goto fail;
    config_destroy(&c);
    return t;
fail:
    config_destroy(&c);
    mvg_grid_free(t);
    return NULL;
}

void mvg_grid_free(mvg_grid_table *t)
{
    if (!t)
        return;
    free(t->e);
    free(t);
}

const mvg_grid_entry *mvg_grid_find(const mvg_grid_table *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->e[i].name, name) == 0)
            return &t->e[i];
    return NULL;
}

const char *mvg_grid_names(const mvg_grid_table *t, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; t && i < t->n && at < len; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", t->e[i].name);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return buf;
}
