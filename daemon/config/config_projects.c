/*
 * config_projects.c: parses and checks the `derived` and `projects`
 * sections (config_projects.h): the projects and their periods here, each
 * stream in config_streams.c, the shared readers, references, expressions
 * and derived channels in config_prj_common.c (config_prj.h). Every problem found is added to the diagnostics with the file
 * and line of the setting at fault; parsing goes on after an error so that
 * a user fixes the whole file in one pass. References are resolved against
 * the already-checked devices and points and the derived channels; inline
 * expressions are compiled with expr.h so that their errors carry a column.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_prj.h"
#include "config_read.h"
#include "expr.h"

/* ---- projects ----------------------------------------------------------- */

static void parse_period(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                         int required, int end_required, int *present, int64_t *start,
                         int *has_end, int64_t *end)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    *present = 0;
    if (!s) {
        if (required)
            mvg_cfgp_fail(c, g, "%s: '%s' is missing (%s = { start = \"...\"; end = \"...\"; })", ctxs, key,
                 key);
        return;
    }
    char sub[300];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    if (!config_setting_is_group(s)) {
        mvg_cfgp_fail(c, s, "%s must be a group { start = \"...\"; end = \"...\"; }", sub);
        return;
    }
    static const char *const keys[] = {"start", "end", NULL};
    mvg_cfgp_check_keys(c, s, keys, sub);
    int ok = mvg_cfgp_req_time(c, s, "start", sub, 1, start) == 0;
    *has_end = 0;
    if (config_setting_get_member(s, "end") || end_required) {
        if (mvg_cfgp_req_time(c, s, "end", sub, 1, end) != 0)
            ok = 0;
        else
            *has_end = 1;
    }
    if (ok && *has_end && *end <= *start) {
        mvg_cfgp_fail(c, s, "%s: end must be after start", sub);
        ok = 0;
    }
    *present = ok;
}

static void parse_project(ctx_t *c, const config_setting_t *g, int idx, mvg_project_cfg *prj)
{
    static const char *const keys[] = {"name",       "technology", "interval_min", "baseline",
                                       "installation", "reporting", "confidence",  "criteria",
                                       "streams",    "min_interval_coverage", NULL};
    char ctxs[160];
    snprintf(ctxs, sizeof ctxs, "projects[%d]", idx);
    prj->src = mvg_cfgp_src_of(c, g);
    if (!config_setting_is_group(g)) {
        mvg_cfgp_fail(c, g, "%s must be a group { name = ...; baseline = ...; streams = ...; }", ctxs);
        return;
    }
    const char *name = mvg_cfgp_req_string(c, g, "name", ctxs);
    if (mvg_cfgp_copy_name(c, g, ctxs, "name", name, prj->name, sizeof prj->name) != 0) {
        mvg_cfgp_check_keys(c, g, keys, ctxs);
        return;
    }
    if (!mvg_cfgp_is_ident(name)) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "name"),
             "%s: name '%s' must be a letter or '_' then letters, digits, '_' or '-'", ctxs, name);
        return;
    }
    snprintf(ctxs, sizeof ctxs, "project '%s'", name);
    mvg_cfgp_check_keys(c, g, keys, ctxs);
    for (int i = 0; i < idx; i++)
        if (strcmp(c->out->projects[i].name, name) == 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "name"), "%s: defined twice", ctxs);
            return;
        }
    const char *tech = mvg_cfgp_opt_string(c, g, "technology", ctxs);
    snprintf(prj->technology, sizeof prj->technology, "%s", tech ? tech : "");
    double v = 15;
    const config_setting_t *im = config_setting_get_member(g, "interval_min");
    if (im && config_setting_type(im) != CONFIG_TYPE_INT)
        mvg_cfgp_fail(c, im, "%s: 'interval_min' must be an integer (minutes)", ctxs);
    else
        mvg_cfgp_opt_number(c, g, "interval_min", ctxs, 1, 60, &v);
    prj->interval_min = (int)v;
    if (im && 60 % prj->interval_min != 0)
        mvg_cfgp_fail(c, im, "%s: 'interval_min' = %d does not divide the hour (1, 2, 3, 4, 5, 6, 10, 12, "
             "15, 20, 30 or 60)", ctxs, prj->interval_min);
    prj->confidence = 0.90;
    mvg_cfgp_opt_number(c, g, "confidence", ctxs, 0.5, 0.999, &prj->confidence);
    prj->min_interval_coverage = 0.90;
    mvg_cfgp_opt_number(c, g, "min_interval_coverage", ctxs, 0.0, 1.0, &prj->min_interval_coverage);
    mvg_model_criteria_default(&prj->criteria);
    prj->criteria.confidence = prj->confidence;
    const config_setting_t *cr = config_setting_get_member(g, "criteria");
    if (cr) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s: criteria", ctxs);
        static const char *const ckeys[] = {"max_cv_rmse", "max_abs_nmbe", "min_coverage",
                                            "min_points_per_segment", NULL};
        if (!config_setting_is_group(cr)) {
            mvg_cfgp_fail(c, cr, "%s must be a group", sub);
        } else {
            mvg_cfgp_check_keys(c, cr, ckeys, sub);
            mvg_cfgp_opt_number(c, cr, "max_cv_rmse", sub, 0.0, 10.0, &prj->criteria.max_cv_rmse);
            mvg_cfgp_opt_number(c, cr, "max_abs_nmbe", sub, 0.0, 10.0, &prj->criteria.max_abs_nmbe);
            mvg_cfgp_opt_number(c, cr, "min_coverage", sub, 0.0, 1.0, &prj->criteria.min_coverage);
            double mp = (double)prj->criteria.min_points_per_segment;
            if (mvg_cfgp_opt_number(c, cr, "min_points_per_segment", sub, 1, 1e6, &mp) == 1)
                prj->criteria.min_points_per_segment = (size_t)mp;
        }
    }

    int has_b, has_r, has_bend, has_iend, has_rend;
    int64_t bend = 0, iend = 0;
    parse_period(c, g, "baseline", ctxs, 1, 1, &has_b, &prj->baseline_start_ms, &has_bend, &bend);
    prj->baseline_end_ms = bend;
    parse_period(c, g, "installation", ctxs, 0, 1, &prj->has_installation,
                 &prj->installation_start_ms, &has_iend, &iend);
    prj->installation_end_ms = iend;
    parse_period(c, g, "reporting", ctxs, 1, 0, &has_r, &prj->reporting_start_ms, &has_rend,
                 &prj->reporting_end_ms);
    prj->has_reporting_end = has_r && has_rend;
    if (has_b && has_r) {
        int64_t after_b = prj->baseline_end_ms;
        if (prj->has_installation) {
            if (prj->installation_start_ms < prj->baseline_end_ms)
                mvg_cfgp_fail(c, config_setting_get_member(g, "installation"),
                     "%s: installation must start at or after the end of the baseline", ctxs);
            after_b = prj->installation_end_ms;
        }
        if (prj->reporting_start_ms < after_b)
            mvg_cfgp_fail(c, config_setting_get_member(g, "reporting"),
                 "%s: reporting must start at or after the end of the %s", ctxs,
                 prj->has_installation ? "installation" : "baseline");
    }

    const config_setting_t *sl = config_setting_get_member(g, "streams");
    if (!sl) {
        mvg_cfgp_fail(c, g, "%s: 'streams' is missing", ctxs);
        return;
    }
    if (!config_setting_is_list(sl) || config_setting_length(sl) == 0) {
        mvg_cfgp_fail(c, sl, "%s: 'streams' must be a non-empty list ( { name = ...; ... } )", ctxs);
        return;
    }
    size_t n = (size_t)config_setting_length(sl);
    if (n > MVG_PROJECT_MAX_STREAMS) {
        mvg_cfgp_fail(c, sl, "%s: %zu streams, at most %d per project (split it into projects)", ctxs, n,
             MVG_PROJECT_MAX_STREAMS);
        return;
    }
    prj->streams = calloc(n, sizeof *prj->streams);
    if (!prj->streams)
        return;
    for (size_t i = 0; i < n; i++) {
        prj->nstreams = i + 1; /* so that free() sees what was allocated */
        mvg_cfgp_parse_stream(c, config_setting_get_elem(sl, (unsigned)i), ctxs, prj, i, &prj->streams[i]);
    }
}

int mvg_config_projects_load(const config_setting_t *root, const mvg_config *cfg,
                             mvg_diags *diags, mvg_projects_cfg **out)
{
    *out = NULL;
    const config_setting_t *ds = config_setting_get_member(root, "derived");
    const config_setting_t *ps = config_setting_get_member(root, "projects");
    if (!ds && !ps)
        return 0;
    ctx_t c = {.cfg = cfg, .diags = diags};
    c.out = calloc(1, sizeof *c.out);
    if (!c.out) {
        mvg_diags_add(diags, NULL, 0, "out of memory loading projects");
        return -1;
    }
    if (ds) {
        c.derived_list = config_setting_is_list(ds) ? ds : NULL;
        mvg_cfgp_parse_derived(&c, ds);
    }
    c.ndeclared = c.out->nderived;
    if (ps) {
        if (!config_setting_is_list(ps)) {
            mvg_cfgp_fail(&c, ps, "'projects' must be a list: projects = ( { name = ...; ... } );");
        } else {
            size_t n = (size_t)config_setting_length(ps);
            c.out->projects = calloc(n ? n : 1, sizeof *c.out->projects);
            if (!c.out->projects) {
                mvg_cfgp_fail(&c, ps, "out of memory");
            } else {
                for (size_t i = 0; i < n; i++) {
                    c.out->nprojects = i + 1;
                    parse_project(&c, config_setting_get_elem(ps, (unsigned)i), (int)i,
                                  &c.out->projects[i]);
                }
            }
        }
    }
    if (c.errors) {
        mvg_config_projects_free(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

void mvg_config_projects_free(mvg_projects_cfg *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nderived; i++)
        free(p->derived[i].expr);
    free(p->derived);
    for (size_t i = 0; i < p->nprojects; i++) {
        for (size_t j = 0; j < p->projects[i].nstreams; j++)
            free(p->projects[i].streams[j].adjust);
        free(p->projects[i].streams);
    }
    free(p->projects);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p);
}
