/*
 * report_src_store.c: the gateway's configuration and store as the source
 * of a report (report_data.h): the project as configured, its records as
 * the daemon stored them, its chain checked by cli_chain.h with the
 * gateway's key files, and the meters described from the devices and
 * derived channels of the configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_data.h"
#include "timefmt.h"

struct mvg_report_src_store {
    mvg_report_source src;
    const mvg_config *cfg;
    mvg_store *st;
    const mvg_cli_enrol *enrolled;
    /* which projects count a point (report_data.h), NULL when not known
     * (the report then names none) */
    mvg_report_counts_fn counts;
    void *counts_ctx;
    size_t prj_index;
};

/* The other projects that count point p of device d when this one does. */
static void also_counted(const mvg_report_src_store *s, size_t d, size_t p, mvg_report_meter *m)
{
    const mvg_projects_cfg *pc = s->cfg->projects;
    if (!s->counts || !s->counts(s->counts_ctx, s->prj_index, d, p))
        return;
    for (size_t j = 0; j < pc->nprojects; j++) {
        if (j == s->prj_index || !s->counts(s->counts_ctx, j, d, p))
            continue;
        size_t l = strlen(m->also_counted_by);
        snprintf(m->also_counted_by + l, sizeof m->also_counted_by - l, "%s%s", l ? ", " : "",
                 pc->projects[j].name);
    }
}

static int foreach_interval(void *ctx, mvg_store_record_fn fn, void *user, char *err,
                            size_t errlen)
{
    mvg_report_src_store *s = ctx;
    return mvg_store_foreach_interval(s->st, INT64_MIN, INT64_MAX, fn, user, err, errlen);
}

static int model(void *ctx, char **json, int64_t *version, char *err, size_t errlen)
{
    mvg_report_src_store *s = ctx;
    return mvg_store_get_model(s->st, s->src.prj->name, json, version, err, errlen);
}

static int chain(void *ctx, mvg_cli_chain_result *out, char *err, size_t errlen)
{
    mvg_report_src_store *s = ctx;
    return mvg_cli_chain_check(s->st, s->cfg, s->src.prj->name, s->enrolled, out, err, errlen);
}

static void describe(void *ctx, mvg_report_meter *m)
{
    mvg_report_src_store *s = ctx;
    const mvg_config *cfg = s->cfg;
    const char *dot = strchr(m->channel, '.');
    if (dot && m->channel[0] != '~') {
        char dev[MVG_NAME_MAX];
        snprintf(dev, sizeof dev, "%.*s", (int)(dot - m->channel), m->channel);
        long d = mvg_config_find_device(cfg, dev);
        long p = d >= 0 ? mvg_config_find_point(&cfg->devices[d], dot + 1) : -1;
        if (p >= 0) {
            const mvg_device_cfg *dc = &cfg->devices[d];
            const mvg_point_cfg *pt = &dc->points[p];
            m->is_point = 1;
            snprintf(m->device, sizeof m->device, "%s", dc->name);
            snprintf(m->point, sizeof m->point, "%s", pt->name);
            snprintf(m->profile, sizeof m->profile, "%s", dc->profile);
            snprintf(m->bus, sizeof m->bus, "%s", cfg->buses[dc->bus].name);
            snprintf(m->unit, sizeof m->unit, "%s", pt->unit);
            m->unit_id = dc->unit_id;
            m->counter = pt->kind == MVG_KIND_COUNTER;
            snprintf(m->accuracy_class, sizeof m->accuracy_class, "%s", dc->accuracy_class);
            if (dc->has_calibration)
                mvg_timefmt_format(dc->calibration_ms, MVG_TIMEFMT_DATE, m->calibration_date,
                                   sizeof m->calibration_date);
            also_counted(s, (size_t)d, (size_t)p, m);
            return;
        }
    }
    const mvg_projects_cfg *pc = cfg->projects;
    for (size_t i = 0; pc && i < pc->nderived; i++)
        if (strcmp(pc->derived[i].name, m->channel) == 0) {
            m->expr = pc->derived[i].expr;
            snprintf(m->unit, sizeof m->unit, "%s", pc->derived[i].unit);
        }
}

mvg_report_src_store *mvg_report_src_store_new(const mvg_config *cfg, mvg_store *st,
                                               const char *project,
                                               const mvg_cli_enrol *enrolled, char *err,
                                               size_t errlen)
{
    const mvg_projects_cfg *pc = cfg->projects;
    const mvg_project_cfg *prj = NULL;
    for (size_t i = 0; pc && i < pc->nprojects; i++)
        if (strcmp(pc->projects[i].name, project) == 0)
            prj = &pc->projects[i];
    if (!prj) {
        snprintf(err, errlen, "%s: no project '%s' in the configuration", cfg->path, project);
        return NULL;
    }
    mvg_report_src_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    s->st = st;
    s->enrolled = enrolled;
    s->prj_index = (size_t)(prj - pc->projects);
    s->src = (mvg_report_source){
        .gateway = cfg->gateway.id,
        .site = cfg->gateway.site,
        .hub = 0,
        .origin = cfg->path,
        .prj = prj,
        .ctx = s,
        .foreach_interval = foreach_interval,
        .model = model,
        .chain = chain,
        .describe = describe,
    };
    /* the configuration as loaded (its digest, as the definition record
     * states it) and the newest definition the store holds */
    snprintf(s->src.config_sha256, sizeof s->src.config_sha256, "%s", cfg->sha256);
    char digest[65];
    if (mvg_store_last_definition(st, project, &s->src.definition_version, digest, err,
                                  errlen) != 0) {
        mvg_report_src_store_free(s);
        return NULL;
    }
    return s;
}

const mvg_report_source *mvg_report_src_store_get(const mvg_report_src_store *s)
{
    return &s->src;
}

void mvg_report_src_store_free(mvg_report_src_store *s)
{
    free(s);
}

void mvg_report_src_store_set_counts(mvg_report_src_store *s, mvg_report_counts_fn counts,
                                     void *ctx)
{
    s->counts = counts;
    s->counts_ctx = ctx;
}
