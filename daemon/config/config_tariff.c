/*
 * config_tariff.c: the time-of-use tariffs of electricity streams: finding
 * a tariff's data file (config/tariffs/NAME.conf, docs/config.md
 * "Tariffs"), reading its periods with FILE:LINE diagnostics (every
 * minute of the day in some period), and the rules between a stream's
 * tariff keys (tariff, energy_price, demand_charge, demand_interval_min),
 * checked here and nowhere else. A tariff read once is shared by every
 * stream that names it (mvg_projects_cfg owns it); the engine gets it as
 * plain data (engine/tariff.h).
 */
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_prj.h"
#include "tariff.h"
#include "timefmt.h"

/* "HH:MM-HH:MM" into minutes; an end of 24:00 is 0 (tariff.h). */
static int parse_window(const char *s, int *start, int *end)
{
    int h1, m1, h2, m2;
    char tail;
    if (!s || strlen(s) != 11 || sscanf(s, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
        h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0))
        return -1;
    *start = h1 * 60 + m1;
    *end = h2 == 24 ? 0 : h2 * 60 + m2;
    return *start == (*end ? *end : 1440) ? -1 : 0;
}

/* One period group of a tariff file into q; 0, or -1 after reporting. */
static int read_period(ctx_t *c, const config_setting_t *g, int i, mvg_tariff_period *q)
{
    static const char *const keys[] = {"name", "ratio", "hours", "months", NULL};
    char ctxs[64];
    snprintf(ctxs, sizeof ctxs, "tariff: periods[%d]", i);
    if (!config_setting_is_group(g)) {
        mvg_cfgp_fail(c, g, "%s must be a group { name; ratio; hours = [\"HH:MM-HH:MM\"]; }", ctxs);
        return -1;
    }
    int errors = c->r.errors;
    mvg_cfgr_keys(&c->r, g, keys, ctxs);
    if (mvg_cfgr_string(&c->r, g, "name", ctxs, q->name, sizeof q->name) <= 0 || !q->name[0])
        mvg_cfgp_fail(c, g, "%s: 'name' is missing", ctxs);
    if (mvg_cfgr_number(&c->r, g, "ratio", ctxs, 0.0, 100.0, &q->ratio) <= 0)
        mvg_cfgp_fail(c, g, "%s: 'ratio' (the price as a multiple of the flat period's, 0..100) "
                            "is missing",
                      ctxs);
    const config_setting_t *h = config_setting_get_member(g, "hours");
    int n = h && (config_setting_is_array(h) || config_setting_is_list(h)) ? config_setting_length(h)
                                                                           : -1;
    if (n < 1 || n > MVG_TARIFF_MAX_WINDOWS)
        mvg_cfgp_fail(c, h ? h : g, "%s: 'hours' must be a list of 1..%d windows \"HH:MM-HH:MM\"",
                      ctxs, MVG_TARIFF_MAX_WINDOWS);
    for (int k = 0; k < n && k < MVG_TARIFF_MAX_WINDOWS; k++) {
        if (parse_window(config_setting_get_string_elem(h, (unsigned)k), &q->win_start[q->nwin],
                         &q->win_end[q->nwin]) != 0) {
            mvg_cfgp_fail(c, h, "%s: hours[%d] must be \"HH:MM-HH:MM\" (24:00 ends the day)", ctxs,
                          k);
            continue;
        }
        q->nwin++;
    }
    const config_setting_t *mo = config_setting_get_member(g, "months");
    if (mo) {
        int nm = config_setting_is_array(mo) || config_setting_is_list(mo) ? config_setting_length(mo)
                                                                           : -1;
        if (nm < 1)
            mvg_cfgp_fail(c, mo, "%s: 'months' must be a list of months 1..12", ctxs);
        for (int k = 0; k < nm; k++) {
            const config_setting_t *e = config_setting_get_elem(mo, (unsigned)k);
            int v = config_setting_type(e) == CONFIG_TYPE_INT ? config_setting_get_int(e) : 0;
            if (v < 1 || v > 12)
                mvg_cfgp_fail(c, mo, "%s: months[%d] must be 1..12", ctxs, k);
            else
                q->months |= 1u << v;
        }
    }
    return c->r.errors == errors ? 0 : -1;
}

/* 1 when some period of t holds minute m of a day of month mo. */
static int covered(const mvg_tariff *t, int mo, int m)
{
    for (size_t k = 0; k < t->nperiods; k++) {
        const mvg_tariff_period *q = &t->periods[k];
        if (q->months && !(q->months & (1u << mo)))
            continue;
        for (size_t w = 0; w < q->nwin; w++) {
            int s = q->win_start[w], e = q->win_end[w] ? q->win_end[w] : 1440;
            if (s < e ? (m >= s && m < e) : (m >= s || m < e))
                return 1;
        }
    }
    return 0;
}

static mvg_tariff *read_tariff(ctx_t *c, const char *path, const char *name)
{
    config_t pc;
    config_init(&pc);
    config_set_options(&pc, CONFIG_OPTION_AUTOCONVERT);
    const char *include_dir = c->r.include_dir;
    c->r.include_dir = NULL;
    int errors = c->r.errors;
    mvg_tariff *t = calloc(1, sizeof *t);
    if (!t)
        goto out;
    if (config_read_file(&pc, path) != CONFIG_TRUE) {
        char what[300];
        snprintf(what, sizeof what, " (tariff \"%s\")", name);
        mvg_cfgr_read_error(&c->r, &pc, path, what);
        goto out;
    }
    const config_setting_t *root = config_root_setting(&pc);
    static const char *const top[] = {"tariff", "periods", NULL};
    static const char *const meta[] = {"name", "region", "utc_offset", "source", NULL};
    mvg_cfgr_keys(&c->r, root, top, "tariff file");
    const config_setting_t *info = config_setting_get_member(root, "tariff");
    if (!info || !config_setting_is_group(info)) {
        mvg_cfgp_fail(c, info ? info : root,
                      "tariff \"%s\": 'tariff = { name; utc_offset; source; };' is missing", name);
        goto out;
    }
    mvg_cfgr_keys(&c->r, info, meta, "tariff");
    char off[16] = "", src[600] = "";
    mvg_cfgr_string(&c->r, info, "name", "tariff", t->name, sizeof t->name);
    if (mvg_cfgr_string(&c->r, info, "utc_offset", "tariff", off, sizeof off) <= 0 ||
        mvg_timefmt_parse_offset(off, &t->utc_offset_min) != 0)
        mvg_cfgp_fail(c, info,
                      "tariff \"%s\": 'utc_offset' must be an offset such as \"+08:00\" "
                      "(-12:00 to +14:00)", name);
    if (mvg_cfgr_string(&c->r, info, "source", "tariff", src, sizeof src) <= 0 || !src[0])
        mvg_cfgp_fail(c, info, "tariff \"%s\": 'source' is missing (say where the periods come "
                               "from)",
                      name);
    const config_setting_t *ps = config_setting_get_member(root, "periods");
    int n = ps && config_setting_is_list(ps) ? config_setting_length(ps) : -1;
    if (n < 1 || n > MVG_TARIFF_MAX_PERIODS) {
        mvg_cfgp_fail(c, ps ? ps : root, "tariff \"%s\": 'periods' must be a list of 1..%d groups",
                      name, MVG_TARIFF_MAX_PERIODS);
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (read_period(c, config_setting_get_elem(ps, (unsigned)i), i, &t->periods[i]) == 0)
            t->nperiods++;
    if (c->r.errors != errors)
        goto out;
    for (int mo = 1; mo <= 12; mo++)
        for (int m = 0; m < 1440; m++)
            if (!covered(t, mo, m)) {
                mvg_cfgp_fail(c, ps, "tariff \"%s\": no period holds %02d:%02d in month %d (every "
                                     "minute of the day needs a price)",
                              name, m / 60, m % 60, mo);
                goto out;
            }
out:
    config_destroy(&pc);
    c->r.include_dir = include_dir;
    if (c->r.errors != errors) {
        free(t);
        return NULL;
    }
    return t;
}

static const mvg_tariff *get_tariff(ctx_t *c, const config_setting_t *at, const char *ctxs,
                                    const char *name)
{
    for (size_t i = 0; i < c->out->ntariffs; i++)
        if (strcmp(c->out->tariff_keys[i], name) == 0)
            return c->out->tariffs[i];
    char path[MVG_PATH_MAX + 300], searched[6 * MVG_PATH_MAX];
    if (!mvg_cfgp_data_file(c, "tariffs", name, path, sizeof path, searched, sizeof searched)) {
        mvg_cfgp_fail(c, at, "%s: tariff \"%s\" not found (looked for %s%s in %s)", ctxs, name,
                      name, strchr(name, '/') ? "" : ".conf", searched);
        return NULL;
    }
    mvg_tariff *t = read_tariff(c, path, name);
    if (!t)
        return NULL;
    mvg_tariff **ts = realloc(c->out->tariffs, (c->out->ntariffs + 1) * sizeof *ts);
    if (ts)
        c->out->tariffs = ts;
    char **ks = realloc(c->out->tariff_keys, (c->out->ntariffs + 1) * sizeof *ks);
    if (ks)
        c->out->tariff_keys = ks;
    char *key = strdup(name);
    if (!ts || !ks || !key) {
        free(key);
        free(t);
        mvg_cfgp_fail(c, at, "out of memory");
        return NULL;
    }
    c->out->tariffs[c->out->ntariffs] = t;
    c->out->tariff_keys[c->out->ntariffs++] = key;
    return t;
}

void mvg_cfgp_tariffs_free(mvg_projects_cfg *p)
{
    for (size_t i = 0; i < p->ntariffs; i++) {
        free(p->tariffs[i]);
        free(p->tariff_keys[i]);
    }
    free(p->tariffs);
    free(p->tariff_keys);
}

void mvg_cfgp_parse_tariff(ctx_t *c, const config_setting_t *g, const char *ctxs,
                           const mvg_project_cfg *prj, const mvg_cfgp_tariff_keys *k,
                           mvg_stream_cfg *st)
{
    const config_setting_t *ts = config_setting_get_member(g, "tariff");
    const char *const others[] = {"energy_price", "demand_charge", "demand_interval_min"};
    if (!k->has_tariff) {
        for (size_t i = 0; i < 3; i++) {
            const config_setting_t *s = config_setting_get_member(g, others[i]);
            if (s)
                mvg_cfgp_fail(c, s, "%s: '%s' applies only with 'tariff'", ctxs, others[i]);
        }
        return;
    }
    if (st->type != MVG_STREAM_ELECTRICITY) {
        mvg_cfgp_fail(c, ts, "%s: 'tariff' applies to electricity streams only", ctxs);
        return;
    }
    st->kwh_per_unit = strcasecmp(st->factors.unit, "MWh") == 0 ? 1000.0 : 1.0;
    if (!(st->factors.defaulted & MVG_CONV_DEF_COST))
        mvg_cfgp_fail(c, ts, "%s: 'tariff' and 'cost_per_unit' are two prices: keep one", ctxs);
    if (!k->has_energy_price)
        mvg_cfgp_fail(c, ts, "%s: a tariff needs 'energy_price' (HK$ per kWh of the flat period, "
                             "ratio 1)",
                      ctxs);
    st->energy_price = k->energy_price;
    st->demand_charge = k->demand_charge;
    st->demand_interval_min = k->has_demand_interval ? k->demand_interval_min : prj->interval_min;
    if (st->demand_interval_min % prj->interval_min != 0 || 60 % st->demand_interval_min != 0)
        mvg_cfgp_fail(c, config_setting_get_member(g, "demand_interval_min"),
                      "%s: demand_interval_min %d must divide the hour and be a multiple of the "
                      "project's interval_min %d",
                      ctxs, st->demand_interval_min, prj->interval_min);
    snprintf(st->tariff_name, sizeof st->tariff_name, "%s", k->tariff);
    st->tariff = get_tariff(c, ts, ctxs, k->tariff);
}
