/*
 * runner.c: samples -> interval channels -> projects.
 *
 * Variables: every point of every device (flattened, device by device) and
 * then every derived channel, in declaration order (a derived channel may
 * use the ones before it). A project's interval channels are bound to
 * variables by name ("device.point" or a derived name).
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "config_projects.h"
#include "engine_state.h"
#include "expr.h"
#include "statefmt.h"

/* Two good samples of a point further apart than this many of its polls
 * are not bridged by the interval integration (and an input that old makes
 * a derived value stale). */
#define GAP_POLLS 5
#define GAP_MIN_MS 10000

struct var {
    /* "device.point" for points, the derived channel's name for derived
     * ones: pointers into the config (a copy per point would cost more
     * than the rest of the var on a 10,000-point gateway) */
    const char *device;     /* NULL for derived channels */
    const char *name;
    double value;
    mvg_quality q;
    int64_t ts;            /* of the latest sample; 0 = never */
    int64_t max_gap_ms;
    mvg_interval_kind kind;
    double wrap_span;
    double unit_s;
    int changed;           /* in the batch being processed */
    uint64_t fp;           /* what its values mean (channel_fp): reload carry-over */
};

struct derived {
    size_t var;
    mvg_expr *expr;
    int *inputs;
    size_t ninputs;
};

struct binding {
    size_t project, channel;
};

struct bindings {
    struct binding *b;
    size_t n;
};

struct proj {
    mvg_interval *agg;
    mvg_project *prj;
    char **names;
    size_t nch;
    size_t *ch_var;        /* variable of each channel */
};

struct mvg_runner {
    const mvg_config *cfg;
    double time_scale;
    size_t *point_base;    /* first global point index of each device */
    int32_t *point_var;    /* per global point: its variable, -1 when no project uses it */
    struct var *vars;      /* only the points the engine uses, and the derived channels */
    size_t nvars, cap_vars;
    struct bindings *bind; /* per variable */
    struct derived *der;
    size_t nder;
    struct proj *proj;
    size_t nproj;
    double *vals;          /* scratch for expression evaluation */
    mvg_quality *qs;
    uint64_t out_of_order; /* samples refused here, before an aggregator saw them */
};

/* Seconds per unit of time of a rate, from its unit: the integral of a rate
 * over an interval is divided by this to give an amount (kW -> kWh, m3/h ->
 * m3, m3/min -> m3). Units that are not rates (degC, %, bar) get 3600 too:
 * their integral is never used as an amount, only their mean. */
static double unit_seconds(const char *unit)
{
    const char *slash = strrchr(unit, '/');
    if (slash) {
        const char *t = slash + 1;
        if (!strcmp(t, "s") || !strcmp(t, "sec"))
            return 1;
        if (!strcmp(t, "min"))
            return 60;
        if (!strcmp(t, "d") || !strcmp(t, "day"))
            return 86400;
    }
    return 3600;
}

void mvg_runner_free(mvg_runner *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nproj; i++) {
        struct proj *p = &r->proj[i];
        mvg_interval_free(p->agg);
        mvg_project_free(p->prj);
        for (size_t k = 0; k < p->nch; k++)
            free(p->names[k]);
        free(p->names);
        free(p->ch_var);
    }
    free(r->proj);
    for (size_t i = 0; i < r->nder; i++) {
        mvg_expr_free(r->der[i].expr);
        free(r->der[i].inputs);
    }
    free(r->der);
    for (size_t i = 0; r->bind && i < r->nvars; i++)
        free(r->bind[i].b);
    free(r->bind);
    free(r->vars);
    free(r->point_base);
    free(r->point_var);
    free(r->vals);
    free(r->qs);
    free(r);
}

/* A new variable (and its empty bindings), or -1 when out of memory. */
static long add_var(mvg_runner *r)
{
    if (r->nvars == r->cap_vars) {
        size_t cap = r->cap_vars ? 2 * r->cap_vars : 16;
        struct var *v = realloc(r->vars, cap * sizeof *v);
        if (v)
            r->vars = v;
        struct bindings *b = realloc(r->bind, cap * sizeof *b);
        if (b)
            r->bind = b;
        if (!v || !b)
            return -1;
        r->cap_vars = cap;
    }
    memset(&r->vars[r->nvars], 0, sizeof r->vars[0]);
    memset(&r->bind[r->nvars], 0, sizeof r->bind[0]);
    r->vars[r->nvars].value = NAN;
    r->vars[r->nvars].q = MVG_Q_COMM_ERROR;
    return (long)r->nvars++;
}

/* What a channel's interval figures depend on, hashed: for a point, its
 * register and decoding (a changed address or scale is another quantity)
 * and how the aggregator adds it up (not the poll interval: how often a
 * quantity is read does not change what it is); for a derived channel, its expression,
 * unit and inputs. Equal: the rows and totals built from it stay valid. */
static void fp_add(uint64_t *h, const void *p, size_t n) { *h = mvg_statefmt_fnv1a(*h, p, n); }

static uint64_t point_fp(const mvg_device_cfg *dev, const mvg_point_cfg *p, const struct var *x)
{
    uint64_t h = MVG_STATEFMT_FNV_BASIS;
    const int64_t ints[] = {p->area, p->address, p->type, p->order, p->kind,
                            p->has_min, p->has_max, x->kind};
    const double dbl[] = {p->scale, p->offset, p->has_min ? p->min : 0, p->has_max ? p->max : 0,
                          x->wrap_span, x->unit_s};
    fp_add(&h, dev->name, strlen(dev->name) + 1);
    fp_add(&h, p->name, strlen(p->name) + 1);
    fp_add(&h, p->unit, strlen(p->unit)); /* without its NUL, as when it was a char[16] */
    fp_add(&h, ints, sizeof ints);
    fp_add(&h, dbl, sizeof dbl);
    return h;
}

/* The variable of point k of device d, created when first referenced:
 * a 10,000-point gateway whose projects use ten of them keeps ten. */
static long point_var(mvg_runner *r, size_t d, size_t k)
{
    int32_t *slot = &r->point_var[r->point_base[d] + k];
    if (*slot >= 0)
        return *slot;
    long v = add_var(r);
    if (v < 0)
        return -1;
    const mvg_device_cfg *dev = &r->cfg->devices[d];
    const mvg_point_cfg *p = &dev->points[k];
    struct var *x = &r->vars[v];
    /* a few polls, in the samples' (possibly faster) time; the floor is in
     * that time too, or an accelerated clock would bridge outages hundreds
     * of times longer than a real one */
    int64_t gap = (int64_t)((double)dev->interval_ms * GAP_POLLS *
                            (r->time_scale > 0 ? r->time_scale : 1.0));
    if (gap < GAP_MIN_MS)
        gap = GAP_MIN_MS;
    x->device = dev->name;
    x->name = p->name;
    x->max_gap_ms = gap;
    x->kind = p->kind == MVG_KIND_COUNTER ? MVG_INTERVAL_COUNTER : MVG_INTERVAL_RATE;
    x->wrap_span = p->kind == MVG_KIND_COUNTER ? mvg_codec_wrap_span(p->type) * fabs(p->scale) : 0;
    x->unit_s = unit_seconds(p->unit);
    x->fp = point_fp(dev, p, x);
    *slot = (int32_t)v;
    return v;
}

/* The variable of a channel name: "device.point" (created on demand) or a
 * derived channel already defined. -1 when unknown; -2 out of memory. */
static long find_var(mvg_runner *r, const char *name)
{
    for (size_t i = 0; i < r->nvars; i++)
        if (!r->vars[i].device && strcmp(r->vars[i].name, name) == 0)
            return (long)i;
    const char *dot = strchr(name, '.');
    if (!dot || (size_t)(dot - name) >= MVG_NAME_MAX)
        return -1;
    char dev[MVG_NAME_MAX];
    memcpy(dev, name, (size_t)(dot - name));
    dev[dot - name] = '\0';
    long d = mvg_config_find_device(r->cfg, dev);
    long k = d < 0 ? -1 : mvg_config_find_point(&r->cfg->devices[d], dot + 1);
    if (k < 0)
        return -1;
    long v = point_var(r, (size_t)d, (size_t)k);
    return v < 0 ? -2 : v;
}

static int resolve(const char *name, void *user)
{
    long v = find_var(user, name);
    return v < 0 ? -1 : (int)v;
}

static int add_channel(mvg_runner *r, struct proj *p, size_t pi, const char *name, char *err,
                       size_t errlen)
{
    for (size_t k = 0; k < p->nch; k++)
        if (strcmp(p->names[k], name) == 0)
            return 0;
    long v = find_var(r, name);
    if (v < 0) {
        if (v == -2)
            snprintf(err, errlen, "out of memory");
        else
            snprintf(err, errlen, "project '%s': unknown channel '%s'",
                     r->cfg->projects->projects[pi].name, name);
        return -1;
    }
    char **names = realloc(p->names, (p->nch + 1) * sizeof *names);
    size_t *cv = realloc(p->ch_var, (p->nch + 1) * sizeof *cv);
    if (names)
        p->names = names;
    if (cv)
        p->ch_var = cv;
    struct bindings *bd = &r->bind[v];
    struct binding *b = realloc(bd->b, (bd->n + 1) * sizeof *b);
    if (!names || !cv || !b || !(p->names[p->nch] = strdup(name))) {
        if (b)
            bd->b = b;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bd->b = b;
    bd->b[bd->n++] = (struct binding){pi, p->nch};
    p->ch_var[p->nch++] = (size_t)v;
    return 0;
}

static int bind_project(mvg_runner *r, size_t pi, char *err, size_t errlen)
{
    const mvg_project_cfg *pc = &r->cfg->projects->projects[pi];
    struct proj *p = &r->proj[pi];
    for (size_t s = 0; s < pc->nstreams; s++) {
        const mvg_stream_cfg *sc = &pc->streams[s];
        const mvg_ref_cfg *refs[4 + 4 + MVG_MODEL_MAX_X];
        size_t n = 0;
        if (sc->has_actual)
            refs[n++] = &sc->actual;
        if (sc->has_flue) {
            refs[n++] = &sc->conc;
            refs[n++] = &sc->flow;
            if (sc->has_o2)
                refs[n++] = &sc->o2;
        }
        if (sc->type == MVG_STREAM_VOC) {
            refs[n++] = &sc->in_conc;
            refs[n++] = &sc->in_flow;
            refs[n++] = &sc->out_conc;
            refs[n++] = &sc->out_flow;
        }
        for (size_t j = 0; j < sc->nx; j++)
            refs[n++] = &sc->x[j];
        for (size_t k = 0; k < n; k++)
            if (add_channel(r, p, pi, refs[k]->channel, err, errlen) != 0)
                return -1;
    }
    mvg_interval_channel *spec = calloc(p->nch ? p->nch : 1, sizeof *spec);
    if (!spec) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < p->nch; k++) {
        const struct var *v = &r->vars[p->ch_var[k]];
        spec[k] = (mvg_interval_channel){p->names[k], v->kind, v->wrap_span, v->unit_s, v->max_gap_ms};
    }
    char e[256];
    p->agg = mvg_interval_new(pc->interval_min, spec, p->nch, e, sizeof e);
    free(spec);
    if (!p->agg) {
        snprintf(err, errlen, "project '%s': %s", pc->name, e);
        return -1;
    }
    p->prj = mvg_project_new(pc, (const char *const *)p->names, p->nch, e, sizeof e);
    if (!p->prj) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    return 0;
}

mvg_runner *mvg_runner_new(const mvg_config *cfg, double time_scale, char *err, size_t errlen)
{
    mvg_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = cfg;
    const mvg_projects_cfg *pcfg = cfg->projects;
    size_t npoints = 0;
    r->time_scale = time_scale;
    r->point_base = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *r->point_base);
    for (size_t d = 0; r->point_base && d < cfg->ndevices; d++) {
        r->point_base[d] = npoints;
        npoints += cfg->devices[d].npoints;
    }
    size_t nder = pcfg ? pcfg->nderived : 0;
    r->point_var = malloc((npoints ? npoints : 1) * sizeof *r->point_var);
    r->der = calloc(nder ? nder : 1, sizeof *r->der);
    size_t nproj = pcfg ? pcfg->nprojects : 0;
    r->proj = calloc(nproj ? nproj : 1, sizeof *r->proj);
    if (!r->point_base || !r->point_var || !r->der || !r->proj) {
        snprintf(err, errlen, "out of memory");
        mvg_runner_free(r);
        return NULL;
    }
    for (size_t i = 0; i < npoints; i++)
        r->point_var[i] = -1;

    /* Derived channels in order: an expression sees the points and the
     * derived channels defined before it. */
    for (size_t i = 0; i < nder; i++) {
        const mvg_derived_cfg *dc = &pcfg->derived[i];
        char e[256];
        struct derived *dv = &r->der[r->nder];
        dv->expr = mvg_expr_compile(dc->expr, resolve, r, e, sizeof e);
        long v = dv->expr ? add_var(r) : -1;
        if (!dv->expr || v < 0) {
            snprintf(err, errlen, "derived '%s': %s", dc->name, dv->expr ? "out of memory" : e);
            mvg_expr_free(dv->expr);
            dv->expr = NULL;
            mvg_runner_free(r);
            return NULL;
        }
        r->nder++;
        struct var *x = &r->vars[v];
        x->name = dc->name;
        x->kind = MVG_INTERVAL_RATE;
        x->unit_s = unit_seconds(dc->unit);
        dv->var = (size_t)v;
        size_t n = mvg_expr_vars(dv->expr, NULL, 0);
        dv->inputs = calloc(n ? n : 1, sizeof *dv->inputs);
        if (!dv->inputs) {
            snprintf(err, errlen, "out of memory");
            mvg_runner_free(r);
            return NULL;
        }
        dv->ninputs = mvg_expr_vars(dv->expr, dv->inputs, n);
        x->max_gap_ms = 1;
        for (size_t k = 0; k < dv->ninputs; k++)
            if (r->vars[dv->inputs[k]].max_gap_ms > x->max_gap_ms)
                x->max_gap_ms = r->vars[dv->inputs[k]].max_gap_ms;
        x->fp = MVG_STATEFMT_FNV_BASIS;
        fp_add(&x->fp, dc->name, strlen(dc->name) + 1);
        fp_add(&x->fp, dc->expr, strlen(dc->expr) + 1);
        fp_add(&x->fp, dc->unit, strnlen(dc->unit, sizeof dc->unit));
        for (size_t k = 0; k < dv->ninputs; k++)
            fp_add(&x->fp, &r->vars[dv->inputs[k]].fp, sizeof x->fp);
    }
    for (size_t pi = 0; pi < nproj; pi++) {
        r->nproj++;
        if (bind_project(r, pi, err, errlen) != 0) {
            mvg_runner_free(r);
            return NULL;
        }
    }
    r->vals = calloc(r->nvars ? r->nvars : 1, sizeof *r->vals);
    r->qs = calloc(r->nvars ? r->nvars : 1, sizeof *r->qs);
    if (!r->vals || !r->qs) {
        snprintf(err, errlen, "out of memory");
        mvg_runner_free(r);
        return NULL;
    }
    return r;
}

static void feed(mvg_runner *r, size_t var, const mvg_sample *s)
{
    const struct bindings *bd = &r->bind[var];
    for (size_t i = 0; i < bd->n; i++) {
        struct proj *p = &r->proj[bd->b[i].project];
        /* Rejections (out of order, late) are counted by the aggregator. */
        mvg_interval_push(p->agg, bd->b[i].channel, s);
    }
}

void mvg_runner_push(mvg_runner *r, size_t device, const mvg_sample *samples, size_t n)
{
    if (device >= r->cfg->ndevices || n != r->cfg->devices[device].npoints)
        return;
    size_t base = r->point_base[device];
    int64_t batch_ts = 0;
    for (size_t k = 0; k < n; k++) {
        int32_t v = r->point_var[base + k];
        if (v < 0)
            continue; /* a point no project uses */
        struct var *x = &r->vars[v];
        const mvg_sample *s = &samples[k];
        if (s->ts_ms <= x->ts) {
            r->out_of_order++; /* not newer than what we have: the aggregator would refuse it */
            continue;
        }
        x->value = s->value;
        x->q = s->quality;
        x->ts = s->ts_ms;
        x->changed = 1;
        if (s->ts_ms > batch_ts)
            batch_ts = s->ts_ms;
        feed(r, (size_t)v, s);
    }

    /* Derived channels whose inputs moved, in order (later ones may use
     * earlier ones). An input not seen for longer than its max gap counts
     * as stale: the derived value is as good as the worst of its inputs. */
    for (size_t i = 0; i < r->nder; i++) {
        struct derived *dv = &r->der[i];
        int moved = 0;
        for (size_t k = 0; k < dv->ninputs; k++)
            moved |= r->vars[dv->inputs[k]].changed;
        struct var *x = &r->vars[dv->var];
        if (!moved || batch_ts <= x->ts)
            continue;
        for (size_t k = 0; k < r->nvars; k++) {
            const struct var *in = &r->vars[k];
            r->vals[k] = in->value;
            r->qs[k] = in->q;
            if (in->ts == 0)
                r->qs[k] = MVG_Q_COMM_ERROR;
            else if (batch_ts - in->ts > in->max_gap_ms && in->q == MVG_Q_GOOD)
                r->qs[k] = MVG_Q_STALE;
        }
        double val;
        mvg_quality q;
        mvg_expr_eval(dv->expr, r->vals, r->qs, r->nvars, &val, &q);
        x->value = val;
        x->q = q;
        x->ts = batch_ts;
        x->changed = 1;
        mvg_sample s = {.ts_ms = batch_ts, .value = val, .quality = q};
        feed(r, dv->var, &s);
    }
    for (size_t k = 0; k < r->nvars; k++)
        r->vars[k].changed = 0;
}

struct emit_ctx {
    mvg_runner *r;
    size_t project;
    mvg_runner_emit_fn emit;
    void *user;
};

static int on_record(const mvg_interval_record *rec, void *user)
{
    struct emit_ctx *c = user;
    mvg_project_result res;
    char err[256];
    if (mvg_project_update(c->r->proj[c->project].prj, rec, &res, err, sizeof err) != 0)
        return 0; /* a record the project refuses (out of order) is not published */
    if (c->emit)
        c->emit(c->user, c->project, rec, &res);
    return 0;
}

int mvg_runner_advance(mvg_runner *r, int64_t now_ms, mvg_runner_emit_fn emit, void *user)
{
    int total = 0;
    for (size_t i = 0; i < r->nproj; i++) {
        struct emit_ctx c = {r, i, emit, user};
        int n = mvg_interval_advance(r->proj[i].agg, now_ms, on_record, &c);
        if (n > 0)
            total += n;
    }
    return total;
}

void mvg_runner_clock_step(mvg_runner *r, int64_t from_ms, int64_t to_ms)
{
    for (size_t i = 0; i < r->nproj; i++)
        mvg_interval_clock_step(r->proj[i].agg, from_ms, to_ms);
}

size_t mvg_runner_project_count(const mvg_runner *r) { return r->nproj; }

mvg_project *mvg_runner_project(mvg_runner *r, size_t i) { return i < r->nproj ? r->proj[i].prj : NULL; }

const char *const *mvg_runner_channels(const mvg_runner *r, size_t project, size_t *n)
{
    *n = project < r->nproj ? r->proj[project].nch : 0;
    return project < r->nproj ? (const char *const *)r->proj[project].names : NULL;
}

int mvg_runner_point_needed(const mvg_runner *r, size_t device, size_t point)
{
    if (device >= r->cfg->ndevices || point >= r->cfg->devices[device].npoints)
        return 0;
    return r->point_var[r->point_base[device] + point] >= 0;
}

uint64_t mvg_runner_rejected(const mvg_runner *r)
{
    uint64_t n = r->out_of_order;
    for (size_t i = 0; i < r->nproj; i++)
        for (size_t k = 0; k < r->proj[i].nch; k++)
            n += mvg_interval_rejected(r->proj[i].agg, k);
    return n;
}

/* The engine state API takes arrays of aggregators and projects. */
static int gather(const mvg_runner *r, mvg_interval ***aggs, mvg_project ***prjs)
{
    *aggs = calloc(r->nproj ? r->nproj : 1, sizeof **aggs);
    *prjs = calloc(r->nproj ? r->nproj : 1, sizeof **prjs);
    if (!*aggs || !*prjs) {
        free(*aggs);
        free(*prjs);
        return -1;
    }
    for (size_t i = 0; i < r->nproj; i++) {
        (*aggs)[i] = r->proj[i].agg;
        (*prjs)[i] = r->proj[i].prj;
    }
    return 0;
}

size_t mvg_runner_state_size(const mvg_runner *r)
{
    mvg_interval **aggs;
    mvg_project **prjs;
    if (gather(r, &aggs, &prjs) != 0)
        return 0;
    size_t n = mvg_engine_state_size(aggs, r->nproj, prjs, r->nproj);
    free(aggs);
    free(prjs);
    return n;
}

int mvg_runner_save(const mvg_runner *r, void *buf, size_t cap, size_t *written, char *err,
                    size_t errlen)
{
    mvg_interval **aggs;
    mvg_project **prjs;
    if (gather(r, &aggs, &prjs) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_engine_state_save(aggs, r->nproj, prjs, r->nproj, buf, cap, written, err, errlen);
    free(aggs);
    free(prjs);
    return rc;
}

int mvg_runner_load(mvg_runner *r, const void *buf, size_t len, char *err, size_t errlen)
{
    mvg_interval **aggs;
    mvg_project **prjs;
    if (gather(r, &aggs, &prjs) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_engine_state_load(aggs, r->nproj, prjs, r->nproj, buf, len, err, errlen);
    free(aggs);
    free(prjs);
    return rc;
}

/* 1 when var is a point of device (point NULL: any of its points) or a
 * derived channel computed from one (derived channels refer only to those
 * declared before them: no cycle). */
static int var_reads(const mvg_runner *r, size_t var, const char *device, const char *point,
                     int depth)
{
    if (r->vars[var].device)
        return strcmp(r->vars[var].device, device) == 0 &&
               (!point || strcmp(r->vars[var].name, point) == 0);
    for (size_t j = 0; depth < 64 && j < r->nder; j++)
        if (r->der[j].var == var)
            for (size_t k = 0; k < r->der[j].ninputs; k++)
                if (r->der[j].inputs[k] >= 0 &&
                    var_reads(r, (size_t)r->der[j].inputs[k], device, point, depth + 1))
                    return 1;
    return 0;
}

int mvg_runner_project_uses_device(const mvg_runner *r, size_t project, size_t device)
{
    if (project >= r->nproj || device >= r->cfg->ndevices)
        return 0;
    const struct proj *p = &r->proj[project];
    for (size_t k = 0; k < p->nch; k++)
        if (var_reads(r, p->ch_var[k], r->cfg->devices[device].name, NULL, 0))
            return 1;
    return 0;
}

/* 1 when the channel that ref names in project p reads the point. */
static int ref_reads(const mvg_runner *r, const struct proj *p, const mvg_ref_cfg *ref,
                     const char *device, const char *point)
{
    if (!ref->channel[0])
        return 0;
    for (size_t k = 0; k < p->nch; k++)
        if (strcmp(p->names[k], ref->channel) == 0)
            return var_reads(r, p->ch_var[k], device, point, 0);
    return 0;
}

int mvg_runner_project_counts_point(const mvg_runner *r, size_t project, size_t device,
                                    size_t point)
{
    if (project >= r->nproj || device >= r->cfg->ndevices ||
        point >= r->cfg->devices[device].npoints)
        return 0;
    const struct proj *p = &r->proj[project];
    const mvg_project_cfg *pc = &r->cfg->projects->projects[project];
    const char *dev = r->cfg->devices[device].name;
    const char *pt = r->cfg->devices[device].points[point].name;
    for (size_t i = 0; i < pc->nstreams; i++) {
        const mvg_stream_cfg *s = &pc->streams[i];
        /* what the stream counts as its use or emission; its independent
         * variables (a shared outdoor temperature) and a VOC unit's inlet
         * (removal, a reported figure) are not counted */
        if ((s->has_actual && ref_reads(r, p, &s->actual, dev, pt)) ||
            (s->has_flue && (ref_reads(r, p, &s->conc, dev, pt) ||
                             ref_reads(r, p, &s->flow, dev, pt))) ||
            ref_reads(r, p, &s->out_conc, dev, pt) || ref_reads(r, p, &s->out_flow, dev, pt))
            return 1;
    }
    return 0;
}

/* ---- carrying state across a reload ----------------------------------- */

static uint64_t channel_fp(const char *name, void *user)
{
    const mvg_runner *r = user;
    for (size_t i = 0; i < r->nvars; i++) {
        const struct var *v = &r->vars[i];
        if (v->device ? strncmp(name, v->device, strlen(v->device)) == 0 &&
                            name[strlen(v->device)] == '.' &&
                            strcmp(name + strlen(v->device) + 1, v->name) == 0
                      : strcmp(name, v->name) == 0)
            return v->fp;
    }
    return 0;
}

/* The old runner's project of the same name, or -1. */
static long find_project(const mvg_runner *r, const char *name)
{
    for (size_t i = 0; i < r->nproj; i++)
        if (strcmp(mvg_project_config(r->proj[i].prj)->name, name) == 0)
            return (long)i;
    return -1;
}

/* 1 when the two aggregators add up the same channels, defined the same. */
static int same_channels(const mvg_runner *a, const struct proj *pa, const mvg_runner *b,
                         const struct proj *pb)
{
    if (pa->nch != pb->nch || mvg_interval_length_ms(pa->agg) != mvg_interval_length_ms(pb->agg))
        return 0;
    for (size_t k = 0; k < pa->nch; k++)
        if (strcmp(pa->names[k], pb->names[k]) != 0 ||
            a->vars[pa->ch_var[k]].fp != b->vars[pb->ch_var[k]].fp)
            return 0;
    return 1;
}

/* Copies an aggregator through its state bytes; 0, or -1 when they differ. */
static int copy_agg(mvg_interval *to, const mvg_interval *from, char *err, size_t errlen)
{
    size_t n = mvg_interval_state_size(from), got = 0;
    void *buf = malloc(n ? n : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_interval_save(from, buf, n, &got, err, errlen);
    if (rc == 0)
        rc = mvg_interval_load(to, buf, got, err, errlen);
    free(buf);
    return rc == 0 ? 0 : -1;
}

int mvg_runner_carry_over(mvg_runner *to, const mvg_runner *from, mvg_runner_carry *out)
{
    int todo = 0;
    for (size_t i = 0; i < to->nproj; i++) {
        struct proj *p = &to->proj[i];
        const mvg_project_cfg *pc = mvg_project_config(p->prj);
        mvg_runner_carry *c = &out[i];
        memset(c, 0, sizeof *c);
        c->horizon_ms = INT64_MIN;
        c->nstreams = pc->nstreams;
        long k = from ? find_project(from, pc->name) : -1;
        const struct proj *q = k >= 0 ? &from->proj[k] : NULL;
        if (!q) {
            snprintf(c->why, sizeof c->why, "a new project");
        } else {
            c->horizon_ms = mvg_project_last_end(q->prj);
            if (mvg_project_fingerprint(pc) != mvg_project_fingerprint(mvg_project_config(q->prj)))
                snprintf(c->why, sizeof c->why,
                         "its interval length, periods or coverage rule changed");
            else
                c->kept_progress = 1;
        }
        char e[256];
        if (q && same_channels(to, p, from, q) && copy_agg(p->agg, q->agg, e, sizeof e) == 0)
            c->kept_interval = 1;
        if (c->kept_progress)
            mvg_project_copy_progress(p->prj, q->prj);
        for (size_t s = 0; s < pc->nstreams; s++) {
            mvg_runner_carry_stream *cs = &c->s[s];
            const mvg_stream_cfg *sc = &pc->streams[s];
            snprintf(cs->name, sizeof cs->name, "%s", sc->name);
            long j = q ? mvg_project_find_stream(q->prj, sc->name) : -1;
            const mvg_stream_cfg *old = j >= 0 ? &mvg_project_config(q->prj)->streams[j] : NULL;
            if (!c->kept_progress) {
                snprintf(cs->why, sizeof cs->why, "%s", c->why);
            } else if (!old) {
                snprintf(cs->why, sizeof cs->why, "a new stream");
            } else if (mvg_stream_fingerprint(sc, channel_fp, to) !=
                       mvg_stream_fingerprint(old, channel_fp, (void *)from)) {
                snprintf(cs->why, sizeof cs->why,
                         "its channels, their definitions or its model form changed");
            } else if (mvg_project_copy_stream(p->prj, s, q->prj, (size_t)j) != 0) {
                snprintf(cs->why, sizeof cs->why, "out of memory");
            } else {
                cs->outcome = MVG_CARRY_KEPT;
                cs->baseline_rows = mvg_project_baseline_rows(p->prj, s);
                cs->reporting_points = mvg_project_reporting_points(p->prj, s);
                continue;
            }
            cs->outcome = MVG_CARRY_REBUILD;
        }
        for (size_t s = 0; s < c->nstreams; s++)
            if (c->s[s].outcome != MVG_CARRY_KEPT)
                c->rebuild = 1;
        if (!c->kept_interval)
            c->rebuild = 1;
        todo += c->rebuild;
    }
    return todo;
}

/* Emits nothing: the intervals of a rebuild are history, already recorded
 * (or never recorded) under the old configuration; it only counts them. */
static int count_record(const mvg_interval_record *rec, void *user)
{
    struct emit_ctx *c = user;
    char err[256];
    mvg_project_result res;
    if (mvg_project_update(c->r->proj[c->project].prj, rec, &res, err, sizeof err) == 0)
        (*(uint64_t *)c->user)++;
    return 0;
}

int mvg_runner_rebuild(mvg_runner *to, mvg_runner *scratch, mvg_runner_carry *carry,
                       int64_t newest_ms, char *err, size_t errlen)
{
    if (scratch->nproj != to->nproj) {
        snprintf(err, errlen, "the rebuild runner has other projects");
        return -1;
    }
    for (size_t i = 0; i < to->nproj; i++) {
        mvg_runner_carry *c = &carry[i];
        if (!c->rebuild)
            continue;
        struct proj *p = &to->proj[i], *x = &scratch->proj[i];
        /* up to where the old engine had recorded: the intervals after it
         * are still to be recorded, by the live engine */
        int64_t horizon = c->horizon_ms != INT64_MIN ? c->horizon_ms : newest_ms;
        uint64_t n = 0;
        struct emit_ctx ec = {scratch, i, NULL, &n};
        if (horizon != INT64_MIN)
            mvg_interval_advance(x->agg, horizon, count_record, &ec);
        c->rebuilt_intervals = n;
        if (!c->kept_interval && copy_agg(p->agg, x->agg, err, errlen) != 0)
            return -1;
        if (!c->kept_progress)
            mvg_project_copy_progress(p->prj, x->prj);
        for (size_t s = 0; s < c->nstreams; s++) {
            mvg_runner_carry_stream *cs = &c->s[s];
            if (cs->outcome == MVG_CARRY_KEPT)
                continue;
            if (mvg_project_copy_stream(p->prj, s, x->prj, s) != 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            cs->outcome = n ? MVG_CARRY_REBUILT : MVG_CARRY_RESET;
            cs->baseline_rows = mvg_project_baseline_rows(p->prj, s);
            cs->reporting_points = mvg_project_reporting_points(p->prj, s);
            const char *why = NULL;
            cs->model_ready = mvg_project_model(p->prj, s, &why) != NULL;
            cs->refitted = cs->model_ready && !mvg_project_config(p->prj)->streams[s].model_given;
        }
    }
    return 0;
}
