/*
 * model_json.c: mvg_model <-> JSON (model_json.h). Owns the key names and
 * the validation of a model read back from JSON: the form's coefficient
 * and change-point counts, n > p, the x count (the engine's range per form:
 * a change-point form takes one x or more), the order of change points.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_json.h"
#include "diag.h"
#include "timefmt.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *num_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, num(v[i]));
    return a;
}

json_t *mvg_model_to_json(const mvg_model *m, const char *const *xnames)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "model", json_string(mvg_model_type_name(m->type)));
    json_object_set_new(o, "granularity", json_string(mvg_granularity_name(m->granularity)));
    json_t *xs = json_array();
    for (size_t j = 0; j < m->nx; j++) {
        char def[32];
        snprintf(def, sizeof def, "x%zu", j + 1);
        json_array_append_new(xs, json_string(xnames && xnames[j] ? xnames[j] : def));
    }
    json_object_set_new(o, "x", xs);
    json_object_set_new(o, "nx", json_integer((json_int_t)m->nx));
    json_object_set_new(o, "coefficients", num_array(m->coef, m->ncoef));
    json_object_set_new(o, "std_errors", num_array(m->std_err, m->ncoef));
    json_object_set_new(o, "t_stats", num_array(m->t_stat, m->ncoef));
    json_object_set_new(o, "change_points", num_array(m->cp, m->ncp));
    json_object_set_new(o, "n", json_integer((json_int_t)m->n));
    json_object_set_new(o, "p", json_integer((json_int_t)m->p));
    json_object_set_new(o, "ybar", num(m->ybar));
    json_object_set_new(o, "sse", num(m->sse));
    json_object_set_new(o, "r2", num(m->r2));
    json_object_set_new(o, "adj_r2", num(m->adj_r2));
    json_object_set_new(o, "rmse", num(m->rmse));
    json_object_set_new(o, "cv_rmse", num(m->cv_rmse));
    json_object_set_new(o, "nmbe", num(m->nmbe));
    json_object_set_new(o, "rho", num(m->rho));
    json_object_set_new(o, "coverage", num(m->coverage));
    json_t *seg = json_array();
    for (size_t s = 0; s < m->nseg; s++)
        json_array_append_new(seg, json_integer((json_int_t)m->seg_n[s]));
    json_object_set_new(o, "seg_n", seg);
    json_t *v = json_object();
    json_object_set_new(v, "pass", json_boolean(m->pass));
    json_t *rs = json_array();
    for (size_t r = 0; r < m->nreasons; r++)
        json_array_append_new(rs, json_string(m->reasons[r]));
    json_object_set_new(v, "reasons", rs);
    json_object_set_new(o, "ashrae14", v);
    return o;
}

/* Reads a number key: required (must be a finite number) or optional
 * (absent or null -> def). Returns 0 or -1 with err. */
static int get_num(const json_t *j, const char *key, int required, double def, double *out,
                   char *err, size_t errlen)
{
    const json_t *v = json_object_get(j, key);
    if (!v || json_is_null(v)) {
        if (required) {
            mvg_set_err(err, errlen, "model JSON: '%s' is missing", key);
            return -1;
        }
        *out = def;
        return 0;
    }
    if (!json_is_number(v)) {
        mvg_set_err(err, errlen, "model JSON: '%s' must be a number", key);
        return -1;
    }
    *out = json_number_value(v);
    if (!isfinite(*out)) {
        mvg_set_err(err, errlen, "model JSON: '%s' is not finite", key);
        return -1;
    }
    return 0;
}

static int get_count(const json_t *j, const char *key, int required, size_t *out, char *err,
                     size_t errlen)
{
    const json_t *v = json_object_get(j, key);
    if (!v) {
        if (required) {
            mvg_set_err(err, errlen, "model JSON: '%s' is missing", key);
            return -1;
        }
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        mvg_set_err(err, errlen, "model JSON: '%s' must be a non-negative integer", key);
        return -1;
    }
    *out = (size_t)json_integer_value(v);
    return 0;
}

/* Array of numbers of exactly n entries; nulls allowed (-> NaN) when
 * allow_null. */
static int get_nums(const json_t *j, const char *key, size_t n, int required, int allow_null,
                    double *out, char *err, size_t errlen)
{
    const json_t *a = json_object_get(j, key);
    if (!a) {
        if (required) {
            mvg_set_err(err, errlen, "model JSON: '%s' is missing", key);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
        return 0;
    }
    if (!json_is_array(a)) {
        mvg_set_err(err, errlen, "model JSON: '%s' must be an array of numbers", key);
        return -1;
    }
    if (json_array_size(a) != n) {
        mvg_set_err(err, errlen, "model JSON: '%s' has %zu values, this model needs %zu", key,
                json_array_size(a), n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        if (allow_null && json_is_null(v)) {
            out[i] = NAN;
            continue;
        }
        if (!json_is_number(v) || !isfinite(json_number_value(v))) {
            mvg_set_err(err, errlen, "model JSON: '%s'[%zu] must be a finite number", key, i);
            return -1;
        }
        out[i] = json_number_value(v);
    }
    return 0;
}

/* The statistics of a model; a TOWT model's (towt: 1) have no
 * coefficients of their own (its tables are read by the caller) and its p
 * counts the bins with rows. */
static int from_json(const json_t *j, mvg_model *m, char (*xnames)[MVG_MODEL_XNAME_MAX], int towt,
                     char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(j)) {
        mvg_set_err(err, errlen, "model JSON: not an object");
        return -1;
    }
    const json_t *t = json_object_get(j, "model");
    if (!json_is_string(t)) {
        mvg_set_err(err, errlen, "model JSON: 'model' (the type) is missing or not a string");
        return -1;
    }
    if (mvg_model_type_parse(json_string_value(t), &m->type) != 0 || m->type == MVG_MODEL_AUTO) {
        mvg_set_err(err, errlen,
                "model JSON: 'model' is '%s', not one of mean, intensity, linear, 3pc, 3ph, 4p, 5p, "
                "hdd, cdd, hdd-cdd",
                json_string_value(t));
        return -1;
    }
    const json_t *xs = json_object_get(j, "x");
    if (!json_is_array(xs)) {
        mvg_set_err(err, errlen, "model JSON: 'x' (the column names) is missing or not an array");
        return -1;
    }
    m->nx = json_array_size(xs);
    if (m->nx > MVG_MODEL_MAX_X) {
        mvg_set_err(err, errlen, "model JSON: 'x' has %zu names, at most %d", m->nx, MVG_MODEL_MAX_X);
        return -1;
    }
    for (size_t k = 0; k < m->nx; k++) {
        const json_t *v = json_array_get(xs, k);
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) >= MVG_MODEL_XNAME_MAX) {
            mvg_set_err(err, errlen, "model JSON: 'x'[%zu] must be a column name (1..%d characters)", k,
                    MVG_MODEL_XNAME_MAX - 1);
            return -1;
        }
        if (xnames)
            snprintf(xnames[k], MVG_MODEL_XNAME_MAX, "%s", json_string_value(v));
    }
    size_t nx = m->nx;
    int r = get_count(j, "nx", 0, &nx, err, errlen);
    if (r < 0)
        return -1;
    if (nx != m->nx) {
        mvg_set_err(err, errlen, "model JSON: 'nx' is %zu but 'x' names %zu columns", nx, m->nx);
        return -1;
    }
    if ((m->type == MVG_MODEL_TOWT) != towt) {
        mvg_set_err(err, errlen, towt ? "model JSON: not a 'towt' model"
                                      : "model JSON: a 'towt' model is read with its tables "
                                        "(mvg_model_towt_from_json)");
        return -1;
    }
    size_t ncp = 0;
    m->ncoef = mvg_model_form_size(m->type, m->nx, &ncp); /* the engine's count, one home */
    const json_t *g = json_object_get(j, "granularity");
    if (g && (!json_is_string(g) || mvg_granularity_parse(json_string_value(g), &m->granularity))) {
        mvg_set_err(err, errlen, "model JSON: 'granularity' must be hourly, daily or monthly");
        return -1;
    }
    size_t lo, hi;
    mvg_model_nx_range(m->type, &lo, &hi);
    if (hi == 1 && m->nx != 1) {
        mvg_set_err(err, errlen, "model JSON: a '%s' model takes exactly one x, 'x' has %zu",
                mvg_model_type_name(m->type), m->nx);
        return -1;
    }
    if (m->nx > hi) {
        mvg_set_err(err, errlen, "model JSON: a '%s' model takes at most %zu x, 'x' has %zu",
                    mvg_model_type_name(m->type), hi, m->nx);
        return -1;
    }
    if (lo > 0 && m->nx == 0) {
        mvg_set_err(err, errlen, "model JSON: a '%s' model needs at least one x",
                    mvg_model_type_name(m->type));
        return -1;
    }
    m->ncp = ncp;
    if (get_nums(j, "coefficients", m->ncoef, 1, 0, m->coef, err, errlen) ||
        get_nums(j, "std_errors", m->ncoef, 0, 1, m->std_err, err, errlen) ||
        get_nums(j, "t_stats", m->ncoef, 0, 1, m->t_stat, err, errlen) ||
        get_nums(j, "change_points", ncp, ncp > 0, 0, m->cp, err, errlen))
        return -1;
    if (ncp == 2 && !(m->cp[0] < m->cp[1]) &&
        !(m->type == MVG_MODEL_HDD_CDD && m->cp[0] <= m->cp[1])) {
        mvg_set_err(err, errlen, "model JSON: 'change_points' must be increasing (c1 < c2)");
        return -1;
    }
    if (get_count(j, "n", 1, &m->n, err, errlen) != 0 ||
        get_count(j, "p", 1, &m->p, err, errlen) != 0)
        return -1;
    if (!towt && m->p != m->ncoef + ncp) {
        mvg_set_err(err, errlen, "model JSON: 'p' is %zu, a '%s' model with %zu x has %zu", m->p,
                mvg_model_type_name(m->type), m->nx, m->ncoef + ncp);
        return -1;
    }
    if (m->n <= m->p) {
        mvg_set_err(err, errlen, "model JSON: 'n' is %zu, must exceed 'p' (%zu)", m->n, m->p);
        return -1;
    }
    if (get_num(j, "cv_rmse", 1, NAN, &m->cv_rmse, err, errlen) ||
        get_num(j, "rho", 0, 0.0, &m->rho, err, errlen) ||
        get_num(j, "r2", 0, NAN, &m->r2, err, errlen) ||
        get_num(j, "adj_r2", 0, NAN, &m->adj_r2, err, errlen) ||
        get_num(j, "rmse", 0, NAN, &m->rmse, err, errlen) ||
        get_num(j, "nmbe", 0, NAN, &m->nmbe, err, errlen) ||
        get_num(j, "ybar", 0, NAN, &m->ybar, err, errlen) ||
        get_num(j, "sse", 0, NAN, &m->sse, err, errlen) ||
        get_num(j, "coverage", 0, 1.0, &m->coverage, err, errlen))
        return -1;
    if (!(m->cv_rmse >= 0)) {
        mvg_set_err(err, errlen, "model JSON: 'cv_rmse' must be >= 0");
        return -1;
    }
    if (!(m->rho > -1 && m->rho < 1)) {
        mvg_set_err(err, errlen, "model JSON: 'rho' must be in (-1, 1)");
        return -1;
    }
    const json_t *seg = json_object_get(j, "seg_n");
    if (seg) {
        if (!json_is_array(seg) || json_array_size(seg) > 3) {
            mvg_set_err(err, errlen, "model JSON: 'seg_n' must be an array of up to 3 counts");
            return -1;
        }
        m->nseg = json_array_size(seg);
        for (size_t s = 0; s < m->nseg; s++) {
            const json_t *v = json_array_get(seg, s);
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                mvg_set_err(err, errlen, "model JSON: 'seg_n'[%zu] must be a non-negative integer", s);
                return -1;
            }
            m->seg_n[s] = (size_t)json_integer_value(v);
        }
    }
    const json_t *v = json_object_get(j, "ashrae14");
    if (v) {
        const json_t *pass = json_object_get(v, "pass");
        const json_t *rs = json_object_get(v, "reasons");
        if (!json_is_object(v) || !json_is_boolean(pass) || (rs && !json_is_array(rs))) {
            mvg_set_err(err, errlen,
                    "model JSON: 'ashrae14' must be {\"pass\": true|false, \"reasons\": [...]}");
            return -1;
        }
        m->pass = json_is_true(pass);
        for (size_t k = 0; rs && k < json_array_size(rs) && k < MVG_MODEL_MAX_REASONS; k++) {
            const json_t *s = json_array_get(rs, k);
            if (!json_is_string(s)) {
                mvg_set_err(err, errlen, "model JSON: 'ashrae14.reasons'[%zu] must be a string", k);
                return -1;
            }
            snprintf(m->reasons[k], sizeof m->reasons[k], "%s", json_string_value(s));
            m->nreasons = k + 1;
        }
    }
    return 0;
}

int mvg_model_from_json(const json_t *j, mvg_model *m, char (*xnames)[MVG_MODEL_XNAME_MAX],
                        char *err, size_t errlen)
{
    return from_json(j, m, xnames, 0, err, errlen);
}

/* One mode of j's "towt.modes" into md: 0, or -1 with err. */
static int towt_mode(const json_t *mo, int k, size_t nextra, mvg_towt_mode *md, char *err,
                     size_t errlen)
{
    memset(md, 0, sizeof *md);
    const json_t *occ = json_object_get(mo, "occupied"), *kn = json_object_get(mo, "knots");
    if (!json_is_object(mo) || !json_is_boolean(occ) || json_is_true(occ) != k ||
        !json_is_array(kn) || json_array_size(kn) > MVG_TOWT_MAX_KNOTS) {
        mvg_set_err(err, errlen,
                    "model JSON: 'towt.modes'[%d] must be {\"occupied\": %s, \"rows\", "
                    "\"knots\" (at most %d), \"slopes\", \"extra\"}",
                    k, k ? "true" : "false", MVG_TOWT_MAX_KNOTS);
        return -1;
    }
    if (get_count(mo, "rows", 1, &md->rows, err, errlen) != 0)
        return -1;
    md->nknots = json_array_size(kn);
    md->nextra = md->rows ? nextra : 0;
    size_t ns = md->rows ? md->nknots + 1 : 0;
    if (get_nums(mo, "knots", md->nknots, 1, 0, md->knots, err, errlen) ||
        get_nums(mo, "slopes", ns, 1, 0, md->slope, err, errlen) ||
        get_nums(mo, "extra", md->nextra, 1, 0, md->extra, err, errlen))
        return -1;
    return 0;
}

int mvg_model_towt_from_json(const json_t *j, mvg_model *m,
                             char (*xnames)[MVG_MODEL_XNAME_MAX], mvg_towt **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    if (from_json(j, m, xnames, 1, err, errlen) != 0)
        return -1;
    const json_t *tw = json_object_get(j, "towt");
    const json_t *modes = json_object_get(tw, "modes"), *occ = json_object_get(tw, "occupied");
    size_t nbins = 0, step = 0, nocc = 0;
    if (!json_is_object(tw) || !json_is_array(modes) || json_array_size(modes) != 2 ||
        !json_is_array(occ)) {
        mvg_set_err(err, errlen, "model JSON: 'towt' must hold 'bins', 'step_ms', "
                                 "'utc_offset_min', 'modes' (2), 'alpha' and 'occupied'");
        return -1;
    }
    json_int_t off = json_integer_value(json_object_get(tw, "utc_offset_min"));
    if (get_count(tw, "bins", 1, &nbins, err, errlen) ||
        get_count(tw, "step_ms", 1, &step, err, errlen) ||
        get_count(tw, "occupied_bins", 0, &nocc, err, errlen) < 0)
        return -1;
    if (!json_is_integer(json_object_get(tw, "utc_offset_min")) || off < MVG_TIMEFMT_OFFSET_MIN ||
        off > MVG_TIMEFMT_OFFSET_MAX) {
        mvg_set_err(err, errlen, "model JSON: 'towt.utc_offset_min' must be an integer of %d..%d",
                    MVG_TIMEFMT_OFFSET_MIN, MVG_TIMEFMT_OFFSET_MAX);
        return -1;
    }
    if (nbins == 0 || nbins > 7 * 1440 || json_array_size(occ) != nbins) {
        mvg_set_err(err, errlen, "model JSON: 'towt.occupied' must have one boolean per bin "
                                 "(1..10080 bins)");
        return -1;
    }
    mvg_towt_mode md[2];
    for (int k = 0; k < 2; k++)
        if (towt_mode(json_array_get(modes, (size_t)k), k, m->nx - 1, &md[k], err, errlen) != 0)
            return -1;
    double *alpha = malloc(nbins * sizeof *alpha);
    unsigned char *oc = malloc(nbins);
    int rc = -1;
    if (!alpha || !oc) {
        mvg_set_err(err, errlen, "model JSON: out of memory for %zu bins", nbins);
        goto out;
    }
    if (get_nums(tw, "alpha", nbins, 1, 1, alpha, err, errlen) != 0)
        goto out;
    for (size_t b = 0; b < nbins; b++) {
        const json_t *v = json_array_get(occ, b);
        if (!json_is_boolean(v)) {
            mvg_set_err(err, errlen, "model JSON: 'towt.occupied'[%zu] must be a boolean", b);
            goto out;
        }
        oc[b] = json_is_true(v);
    }
    mvg_towt_opts o = {(int64_t)step, (int)off, 1};
    char e[200];
    *out = mvg_towt_from_tables(&o, alpha, oc, nbins, md, m->nx - 1, e, sizeof e);
    if (!*out)
        mvg_set_err(err, errlen, "model JSON: %s", e);
    else
        rc = 0;
out:
    free(alpha);
    free(oc);
    return rc;
}
