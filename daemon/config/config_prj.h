/*
 * config_prj.h: internal to the config library: what the three parts of the
 * derived/projects loader share (config_prj_common.c: helpers, times,
 * references, expressions and derived channels; config_streams.c: streams,
 * models, factors and adjustments; config_projects.c: projects and the
 * entry points of config_projects.h). Not for other modules.
 */
#ifndef MVG_CONFIG_PRJ_H
#define MVG_CONFIG_PRJ_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "config_projects.h"

typedef struct {
    const mvg_config *cfg;
    mvg_diags *diags;
    mvg_projects_cfg *out;
    int errors;
    size_t derived_visible; /* derived channels an expression may use (earlier ones) */
    size_t ndeclared;       /* declared derived channels (the rest are implicit) */
    const config_setting_t *derived_list; /* for "defined later" hints */
    const char *late_name;  /* a derived name used before its definition */
    char late_buf[MVG_NAME_MAX];
} ctx_t;

/* Unknown members of g are errors. */
void mvg_cfgp_check_keys(ctx_t *c, const config_setting_t *g, const char *const *allowed,
                         const char *ctxs);
/* Copies the name v into dst (cap bytes), checked. */
int mvg_cfgp_copy_name(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *key,
                       const char *v, char *dst, size_t cap);
/* A number setting (integer or float) into *v: 0, or -1 when it is neither. */
int mvg_cfgp_get_number(const config_setting_t *s, double *v);
/* The rule of derived and project names. */
int mvg_cfgp_is_ident(const char *s);
/* Optional number member in lo..hi. */
int mvg_cfgp_opt_number(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                        double lo, double hi, double *v);
/* Optional string member; NULL when absent (a wrong type is reported). */
const char *mvg_cfgp_opt_string(ctx_t *c, const config_setting_t *g, const char *key,
                                const char *ctxs);
/* The `derived` list. */
void mvg_cfgp_parse_derived(ctx_t *c, const config_setting_t *list);
/* A reference (device.point, derived, :suffix or an inline expression) into out. */
int mvg_cfgp_parse_ref(ctx_t *c, const config_setting_t *s, const char *ctxs, const char *text,
                       const char *implicit, mvg_ref_cfg *out);
/* A required reference member. */
int mvg_cfgp_req_ref(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                     const char *implicit, mvg_ref_cfg *out);
/* Required string member; NULL when missing (reported). */
const char *mvg_cfgp_req_string(ctx_t *c, const config_setting_t *g, const char *key,
                                const char *ctxs);
/* A time member (ISO 8601 UTC) into *ms. */
int mvg_cfgp_req_time(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                      int required, int64_t *ms);
/* Where s came from, its file interned. */
mvg_prj_src mvg_cfgp_src_of(ctx_t *c, const config_setting_t *s);
/* One savings stream of project prj. */
void mvg_cfgp_parse_stream(ctx_t *c, const config_setting_t *g, const char *pctx,
                           const mvg_project_cfg *prj, size_t idx, mvg_stream_cfg *st);
/* Adds "FILE:LINE: message" for s and counts an error. */
void mvg_cfgp_fail(ctx_t *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
