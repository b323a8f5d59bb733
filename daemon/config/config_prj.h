/*
 * config_prj.h: internal to the config library: what the three parts of the
 * derived/projects loader share (config_prj_common.c: diagnostics,
 * references, expressions and the derived channels; config_streams.c:
 * streams, models, factors, voc inlet/outlet and adjustments;
 * config_projects.c: projects, periods, criteria and the entry points of
 * config_projects.h), each group read through its key table
 * (config_table.h). Not for other modules.
 */
#ifndef MVG_CONFIG_PRJ_H
#define MVG_CONFIG_PRJ_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "config_grid.h"
#include "config_projects.h"
#include "config_read.h"
#include "config_table.h"

typedef struct {
    const mvg_config *cfg;
    mvg_cfgr r;             /* diagnostics, named from the working directory; r.errors */
    char include_dir[MVG_PATH_MAX];
    mvg_projects_cfg *out;
    size_t derived_visible; /* derived channels an expression may use (earlier ones) */
    size_t ndeclared;       /* declared derived channels (the rest are implicit) */
    const config_setting_t *derived_list; /* for "defined later" hints */
    const char *late_name;  /* a derived name used before its definition */
    const char *grid_path;  /* the grid factor table (config_grid.h), NULL when none was found */
    mvg_grid_table *grid; /* loaded at the first `grid` key; grid_failed: it did not load */
    int grid_failed;
    char late_buf[MVG_NAME_MAX];
    int text_point;         /* the name was a string point's: text, no number to use */
} ctx_t;

/* Sets up c's reader for diags and the file of cfg (which may be NULL). */
void mvg_cfgp_init(ctx_t *c, const mvg_config *cfg, mvg_diags *diags);
/* A number setting (integer or float) into *v: 0, or -1 when it is neither
 * (or an integer literal beyond 64 bits). */
int mvg_cfgp_get_number(const ctx_t *c, const config_setting_t *s, double *v);
/* The rule of derived and project names. */
int mvg_cfgp_is_ident(const char *s);
/* The `derived` list. */
void mvg_cfgp_parse_derived(ctx_t *c, const config_setting_t *list);
/* A reference (device.point, derived, :suffix or an inline expression) into out. */
int mvg_cfgp_parse_ref(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *text,
                       const char *implicit, mvg_ref_cfg *out);
/* The reference text of member key of g (read by a TEXT row; NULL: not
 * read, nothing done) into out, its diagnostics in context "ctxs: key". */
int mvg_cfgp_ref(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                 const char *text, const char *implicit, mvg_ref_cfg *out);
/* Where s came from, its file interned. */
mvg_prj_src mvg_cfgp_src_of(ctx_t *c, const config_setting_t *s);
/* One savings stream of project prj. */
void mvg_cfgp_parse_stream(ctx_t *c, const config_setting_t *g, const char *pctx,
                           const mvg_project_cfg *prj, size_t idx, mvg_stream_cfg *st);
/* The data file of name in the folders of kind ("calendars", "tariffs"):
 * 1 with path, or 0 with the folders searched (config_calendar.c). */
int mvg_cfgp_data_file(const ctx_t *c, const char *kind, const char *name, char *path,
                       size_t len, char *searched, size_t slen);
/* The operating calendar keys of project g into prj (after its periods). */
void mvg_cfgp_parse_operating(ctx_t *c, const config_setting_t *g, const char *ctxs,
                              mvg_project_cfg *prj);
void mvg_cfgp_calendars_free(mvg_projects_cfg *p);
/* A stream's tariff keys as its table read them (config_streams.c). */
typedef struct {
    int has_tariff, has_energy_price, has_demand_interval;
    const char *tariff;
    double energy_price, demand_charge;
    int demand_interval_min;
} mvg_cfgp_tariff_keys;
/* The rules between a stream's tariff keys, and its tariff (config_tariff.c). */
void mvg_cfgp_parse_tariff(ctx_t *c, const config_setting_t *g, const char *ctxs,
                           const mvg_project_cfg *prj, const mvg_cfgp_tariff_keys *k,
                           mvg_stream_cfg *st);
void mvg_cfgp_tariffs_free(mvg_projects_cfg *p);
/* Adds "FILE:LINE: message" for s and counts an error. */
void mvg_cfgp_fail(ctx_t *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
