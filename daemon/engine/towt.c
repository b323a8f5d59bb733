/*
 * towt.c: time-of-week-and-temperature baseline (towt.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lsq.h"
#include "towt.h"

#define WEEK_MS (7 * 86400000LL)
#define MONDAY_MS (4 * 86400000LL) /* 1970-01-05, the first Monday after the epoch */
#define OCC_SHARE 0.65             /* RMV2.0 findOccUnocc, CalTRACK 3.8.4 */
#define MIN_BIN_ROWS 20            /* CalTRACK 3.9.1.2 */
#define MAXK (MVG_TOWT_MAX_KNOTS + 1 + MVG_TOWT_MAX_EXTRA)

struct mvg_towt {
    mvg_towt_opts o;
    size_t nbins, nocc, nextra;
    unsigned char *occ, *seen;
    double *alpha;
    mvg_towt_mode mode[2];
};

static double f2c(double f) { return (f - 32.0) / 1.8; }

static size_t bin_of(const mvg_towt_opts *o, int64_t t)
{
    int64_t v = (t + (int64_t)o->utc_offset_min * 60000 - MONDAY_MS) % WEEK_MS;
    if (v < 0)
        v += WEEK_MS;
    return (size_t)(v / o->step_ms);
}

/* CalTRACK 3.9.1.3-3.9.1.5: nk endpoints give nk + 1 features whose sum is T. */
static void features(const double *k, size_t nk, double T, double *f)
{
    for (size_t i = 0; i <= nk; i++)
        f[i] = 0;
    if (nk == 0) {
        f[0] = T;
        return;
    }
    f[0] = T > k[0] ? k[0] : T;
    if (!(T > k[0]))
        return;
    for (size_t i = 1; i < nk; i++) {
        if (T > k[i]) {
            f[i] = k[i] - k[i - 1];
        } else {
            f[i] = T - k[i - 1];
            return;
        }
    }
    f[nk] = T - k[nk - 1];
}

/* Drops endpoints of temperature bins with fewer than MIN_BIN_ROWS rows of
 * the mode: a small bin loses its upper endpoint, the top bin its lower. */
static void validate_knots(mvg_towt_mode *md, const double *temp, const size_t *rows, size_t nr)
{
    for (;;) {
        size_t cnt[MVG_TOWT_MAX_KNOTS + 1] = {0}, nk = md->nknots;
        if (nk == 0)
            return;
        for (size_t r = 0; r < nr; r++) {
            double T = temp[rows[r]];
            size_t b = 0;
            while (b < nk && T > md->knots[b])
                b++;
            cnt[b]++;
        }
        size_t i = 0;
        while (i <= nk && cnt[i] >= MIN_BIN_ROWS)
            i++;
        if (i > nk)
            return;
        size_t drop = i == nk ? nk - 1 : i;
        memmove(md->knots + drop, md->knots + drop + 1, (nk - drop - 1) * sizeof md->knots[0]);
        md->nknots--;
    }
}

/* Occupancy of each bin from the residuals of y ~ 1 + HDD(10 C) + CDD(18.33 C). */
static int detect_occupancy(mvg_towt *m, const size_t *bin, const double *y, const double *temp,
                            size_t n, char *err, size_t errlen)
{
    double hb = f2c(50), cb = f2c(65);
    double *a = malloc(3 * n * sizeof *a);
    size_t *pos = calloc(m->nbins, sizeof *pos), *tot = calloc(m->nbins, sizeof *tot);
    int rc = -1;
    if (!a || !pos || !tot) {
        mvg_set_err(err, errlen, "towt: out of memory for %zu rows", n);
        goto out;
    }
    size_t k = 1, nh = 0, nc = 0;
    for (size_t i = 0; i < n; i++) {
        nh += temp[i] < hb;
        nc += temp[i] > cb;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = 1.0;
    int use_h = nh > 0, use_c = nc > 0;
    if (use_h) {
        for (size_t i = 0; i < n; i++)
            a[k * n + i] = temp[i] < hb ? hb - temp[i] : 0;
        k++;
    }
    if (use_c) {
        for (size_t i = 0; i < n; i++)
            a[k * n + i] = temp[i] > cb ? temp[i] - cb : 0;
        k++;
    }
    mvg_lsq_result lr;
    char e[160];
    if (mvg_lsq_fit(a, n, k, y, 1, 0, &lr, NULL, e, sizeof e) != 0) {
        mvg_set_err(err, errlen, "towt: occupancy fit: %s", e);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double f = lr.coef[0];
        for (size_t j = 1; j < k; j++)
            f += lr.coef[j] * a[j * n + i];
        pos[bin[i]] += y[i] - f > 0;
        tot[bin[i]]++;
    }
    m->nocc = 0;
    for (size_t b = 0; b < m->nbins; b++) {
        m->occ[b] = m->o.occupancy && tot[b] > 0 && (double)pos[b] > OCC_SHARE * (double)tot[b];
        m->nocc += m->occ[b];
    }
    if (m->nocc < 3) { /* nmecr: fewer than 3 occupied bins is one mode */
        memset(m->occ, 0, m->nbins);
        m->nocc = 0;
    }
    rc = 0;
out:
    free(a);
    free(pos);
    free(tot);
    return rc;
}

/* One mode's least squares, bin indicators eliminated (towt.h). Adds its
 * parameter count to *p. */
static int fit_mode(mvg_towt *m, int mode, const size_t *bin, const double *y, const double *temp,
                    const double *const *extra, size_t n, size_t *p, char *err, size_t errlen)
{
    mvg_towt_mode *md = &m->mode[mode];
    int rc = -1;
    size_t nr = 0;
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    double *cnt = calloc(m->nbins, sizeof *cnt);
    double *mean = calloc(m->nbins * (MAXK + 1), sizeof *mean);
    double *z = NULL, *yt = NULL;
    if (!rows || !cnt || !mean)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (m->occ[bin[i]] == mode)
            rows[nr++] = i;
    md->rows = nr;
    if (nr == 0) {
        rc = 0;
        goto out;
    }
    md->nknots = MVG_TOWT_MAX_KNOTS;
    static const double kf[MVG_TOWT_MAX_KNOTS] = {30, 45, 55, 65, 75, 90};
    for (size_t i = 0; i < MVG_TOWT_MAX_KNOTS; i++)
        md->knots[i] = f2c(kf[i]);
    validate_knots(md, temp, rows, nr);
    md->nextra = m->nextra;
    size_t nt = md->nknots + 1, k = nt + m->nextra;
    z = malloc(nr * k * sizeof *z);
    yt = malloc(nr * sizeof *yt);
    if (!z || !yt)
        goto oom;
    /* the columns, then the bin means of y (slot k) and of each column */
    for (size_t r = 0; r < nr; r++) {
        size_t i = rows[r], b = bin[i];
        double f[MVG_TOWT_MAX_KNOTS + 1];
        features(md->knots, md->nknots, temp[i], f);
        for (size_t j = 0; j < k; j++) {
            z[j * nr + r] = j < nt ? f[j] : extra[j - nt][i];
            mean[b * (MAXK + 1) + j] += z[j * nr + r];
        }
        mean[b * (MAXK + 1) + MAXK] += y[i];
        cnt[b]++;
    }
    size_t nb = 0;
    for (size_t b = 0; b < m->nbins; b++)
        if (cnt[b] > 0) {
            nb++;
            for (size_t j = 0; j <= MAXK; j++)
                mean[b * (MAXK + 1) + j] /= cnt[b];
        }
    for (size_t r = 0; r < nr; r++) {
        size_t b = bin[rows[r]];
        yt[r] = y[rows[r]] - mean[b * (MAXK + 1) + MAXK];
        for (size_t j = 0; j < k; j++)
            z[j * nr + r] -= mean[b * (MAXK + 1) + j];
    }
    if (nr <= nb + k) {
        mvg_set_err(err, errlen, "towt: %s mode has %zu rows for %zu bins and %zu slopes",
                    mode ? "occupied" : "unoccupied", nr, nb, k);
        goto out;
    }
    mvg_lsq_result lr;
    size_t bad = 0;
    char e[160];
    int lrc = mvg_lsq_fit(z, nr, k, yt, 0, nr - nb - k, &lr, &bad, e, sizeof e);
    if (lrc == -2) {
        mvg_set_err(err, errlen, "towt: %s mode: %s %zu does not vary within the time-of-week bins",
                    mode ? "occupied" : "unoccupied",
                    bad < nt ? "temperature segment" : "extra column",
                    bad < nt ? bad + 1 : bad - nt + 1);
        goto out;
    }
    if (lrc != 0) {
        mvg_set_err(err, errlen, "towt: %s", e);
        goto out;
    }
    for (size_t j = 0; j < nt; j++)
        md->slope[j] = lr.coef[j];
    for (size_t j = 0; j < m->nextra; j++)
        md->extra[j] = lr.coef[nt + j];
    for (size_t b = 0; b < m->nbins; b++)
        if (cnt[b] > 0) {
            double a = mean[b * (MAXK + 1) + MAXK];
            for (size_t j = 0; j < k; j++)
                a -= lr.coef[j] * mean[b * (MAXK + 1) + j];
            m->alpha[b] = a;
            m->seen[b] = 1;
        }
    *p += nb + k;
    rc = 0;
    goto out;
oom:
    mvg_set_err(err, errlen, "towt: out of memory for %zu rows", n);
out:
    free(rows);
    free(cnt);
    free(mean);
    free(z);
    free(yt);
    return rc;
}

double mvg_towt_predict(const mvg_towt *m, int64_t t, double temp, const double *extra)
{
    size_t b = bin_of(&m->o, t);
    if (!m->seen[b])
        return NAN;
    const mvg_towt_mode *md = &m->mode[m->occ[b]];
    double f[MVG_TOWT_MAX_KNOTS + 1], v = m->alpha[b];
    features(md->knots, md->nknots, temp, f);
    for (size_t j = 0; j <= md->nknots; j++)
        v += md->slope[j] * f[j];
    for (size_t j = 0; j < m->nextra; j++)
        v += md->extra[j] * extra[j];
    return v;
}

void mvg_towt_free(mvg_towt *m)
{
    if (!m)
        return;
    free(m->occ);
    free(m->seen);
    free(m->alpha);
    free(m);
}

size_t mvg_towt_bins(const mvg_towt *m, size_t *occupied)
{
    if (occupied)
        *occupied = m->nocc;
    return m->nbins;
}

const mvg_towt_mode *mvg_towt_mode_info(const mvg_towt *m, int occupied)
{
    return &m->mode[occupied ? 1 : 0];
}

double mvg_towt_bin(const mvg_towt *m, size_t b, int *occupied)
{
    if (b >= m->nbins)
        return NAN;
    if (occupied)
        *occupied = m->occ[b];
    return m->seen[b] ? m->alpha[b] : NAN;
}

/* 0 when the opts are a model's (the step divides an hour, a site's offset). */
static int check_opts(const mvg_towt_opts *o, char *err, size_t errlen)
{
    if (!(o->step_ms >= 60000 && o->step_ms <= 3600000 && 3600000 % o->step_ms == 0)) {
        mvg_set_err(err, errlen,
                    "towt: rows %lld ms apart: the model needs hourly or sub-hourly rows whose "
                    "interval divides an hour",
                    (long long)o->step_ms);
        return -1;
    }
    return 0;
}

mvg_towt *mvg_towt_from_tables(const mvg_towt_opts *o, const double *alpha,
                               const unsigned char *occ, size_t nbins,
                               const mvg_towt_mode *modes, size_t nextra, char *err,
                               size_t errlen)
{
    if (!o || !alpha || !occ || !modes) {
        mvg_set_err(err, errlen, "towt: no tables");
        return NULL;
    }
    if (check_opts(o, err, errlen) != 0)
        return NULL;
    if (nbins != (size_t)(WEEK_MS / o->step_ms)) {
        mvg_set_err(err, errlen, "towt: %zu bins, a week of %lld ms rows has %lld", nbins,
                    (long long)o->step_ms, (long long)(WEEK_MS / o->step_ms));
        return NULL;
    }
    if (nextra > MVG_TOWT_MAX_EXTRA) {
        mvg_set_err(err, errlen, "towt: %zu extra columns, at most %d", nextra, MVG_TOWT_MAX_EXTRA);
        return NULL;
    }
    for (int k = 0; k < 2; k++) {
        const mvg_towt_mode *md = &modes[k];
        int ok = md->nknots <= MVG_TOWT_MAX_KNOTS && (md->rows == 0 || md->nextra == nextra);
        for (size_t i = 0; ok && md->rows && i < md->nknots; i++)
            ok = isfinite(md->knots[i]) && (i == 0 || md->knots[i] > md->knots[i - 1]);
        for (size_t i = 0; ok && md->rows && i <= md->nknots; i++)
            ok = isfinite(md->slope[i]);
        for (size_t i = 0; ok && md->rows && i < nextra; i++)
            ok = isfinite(md->extra[i]);
        if (!ok) {
            mvg_set_err(err, errlen,
                        "towt: the %s mode's tables are not at most %d ascending endpoints, finite slopes "
                        "(one more) and %zu extra coefficients",
                        k ? "occupied" : "unoccupied", MVG_TOWT_MAX_KNOTS, nextra);
            return NULL;
        }
    }
    mvg_towt *m = calloc(1, sizeof *m);
    if (!m || !(m->occ = calloc(nbins, 1)) || !(m->seen = calloc(nbins, 1)) ||
        !(m->alpha = calloc(nbins, sizeof *m->alpha))) {
        mvg_towt_free(m);
        mvg_set_err(err, errlen, "towt: out of memory for %zu bins", nbins);
        return NULL;
    }
    m->o = *o;
    m->nbins = nbins;
    m->nextra = nextra;
    m->mode[0] = modes[0];
    m->mode[1] = modes[1];
    for (size_t b = 0; b < nbins; b++) {
        if (occ[b] > 1 || (isfinite(alpha[b]) && modes[occ[b]].rows == 0)) {
            mvg_set_err(err, errlen, "towt: bin %zu is in the %s mode, which has no rows", b,
                        occ[b] ? "occupied" : "unoccupied");
            mvg_towt_free(m);
            return NULL;
        }
        m->occ[b] = occ[b];
        m->nocc += occ[b];
        m->seen[b] = isfinite(alpha[b]) != 0;
        m->alpha[b] = m->seen[b] ? alpha[b] : 0.0;
    }
    return m;
}

static int check(const mvg_towt_opts *o, const int64_t *t, const double *y, const double *temp,
                 const double *const *extra, size_t nextra, size_t n, char *err, size_t errlen)
{
    if (!o || !t || !y || !temp || (nextra > 0 && !extra)) {
        mvg_set_err(err, errlen, "towt: no data");
        return -1;
    }
    if (nextra > MVG_TOWT_MAX_EXTRA) {
        mvg_set_err(err, errlen, "towt: %zu extra columns, at most %d", nextra, MVG_TOWT_MAX_EXTRA);
        return -1;
    }
    if (check_opts(o, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && t[i] <= t[i - 1]) {
            mvg_set_err(err, errlen, "towt: rows not in time order at row %zu", i);
            return -1;
        }
        if (!isfinite(y[i]) || !isfinite(temp[i])) {
            mvg_set_err(err, errlen, "towt: row %zu: %s is not a finite number", i,
                        isfinite(y[i]) ? "the temperature" : "y");
            return -1;
        }
        for (size_t j = 0; j < nextra; j++)
            if (!isfinite(extra[j][i])) {
                mvg_set_err(err, errlen, "towt: row %zu: extra column %zu is not a finite number",
                            i, j + 1);
                return -1;
            }
    }
    return 0;
}

mvg_towt *mvg_towt_fit(const mvg_towt_opts *o, const int64_t *t, const double *y,
                       const double *temp, const double *const *extra, size_t nextra, size_t n,
                       double coverage, const mvg_model_criteria *crit, mvg_model *stats, char *err,
                       size_t errlen)
{
    if (check(o, t, y, temp, extra, nextra, n, err, errlen) != 0)
        return NULL;
    mvg_model_criteria defc;
    if (!crit) {
        mvg_model_criteria_default(&defc);
        crit = &defc;
    }
    mvg_towt *m = calloc(1, sizeof *m);
    size_t *bin = malloc((n ? n : 1) * sizeof *bin);
    if (!m || !bin) {
        free(m);
        free(bin);
        mvg_set_err(err, errlen, "towt: out of memory for %zu rows", n);
        return NULL;
    }
    m->o = *o;
    m->nextra = nextra;
    m->nbins = (size_t)(WEEK_MS / o->step_ms);
    m->occ = calloc(m->nbins, 1);
    m->seen = calloc(m->nbins, 1);
    m->alpha = calloc(m->nbins, sizeof *m->alpha);
    if (!m->occ || !m->seen || !m->alpha) {
        mvg_set_err(err, errlen, "towt: out of memory for %zu bins", m->nbins);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        bin[i] = bin_of(o, t[i]);
    if (n < 3 || detect_occupancy(m, bin, y, temp, n, err, errlen) != 0) {
        if (n < 3)
            mvg_set_err(err, errlen, "towt: %zu rows", n);
        goto fail;
    }
    size_t p = 0;
    if (fit_mode(m, 0, bin, y, temp, extra, n, &p, err, errlen) != 0 ||
        fit_mode(m, 1, bin, y, temp, extra, n, &p, err, errlen) != 0)
        goto fail;

    long double ys = 0, sst = 0, sse = 0, se = 0, lag = 0;
    for (size_t i = 0; i < n; i++)
        ys += y[i];
    double ybar = (double)(ys / n), prev = 0;
    double xr[MVG_TOWT_MAX_EXTRA];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nextra; j++)
            xr[j] = extra[j][i];
        double e = y[i] - mvg_towt_predict(m, t[i], temp[i], xr);
        sst += ((long double)y[i] - ybar) * ((long double)y[i] - ybar);
        sse += (long double)e * e;
        se += e;
        if (i > 0)
            lag += (long double)e * prev;
        prev = e;
    }
    if (n <= p || !(sst > 0) || ybar == 0.0) {
        mvg_set_err(err, errlen, "towt: %s",
                    n <= p    ? "more parameters than rows"
                    : sst > 0 ? "mean of y is 0"
                              : "y is constant");
        goto fail;
    }
    mvg_model s;
    memset(&s, 0, sizeof s);
    s.type = MVG_MODEL_TOWT;
    s.granularity = crit->granularity;
    s.nx = 1 + nextra;
    s.n = n;
    s.p = p;
    s.cp[0] = s.cp[1] = NAN;
    double dof = (double)(n - p);
    s.ybar = ybar;
    s.sse = (double)sse;
    s.r2 = (double)(1.0L - sse / sst);
    s.adj_r2 = 1.0 - (1.0 - s.r2) * (double)(n - 1) / dof;
    s.rmse = sqrt(s.sse / dof);
    s.cv_rmse = s.rmse / ybar;
    s.nmbe = (double)(se / ((long double)dof * ybar));
    s.rho = sse > 0 ? (double)(lag / sse) : 0.0;
    s.coverage = isfinite(coverage) ? coverage : 1.0;
    mvg_model_judge(&s, crit);
    if (stats)
        *stats = s;
    free(bin);
    return m;
fail:
    free(bin);
    mvg_towt_free(m);
    return NULL;
}
