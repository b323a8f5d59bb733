/*
 * degreeday.c: CalTRACK daily degree-day forms and daily aggregation
 * (degreeday.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "degreeday.h"
#include "diag.h"

double mvg_degreeday_grid(size_t k) { return (30.0 + 3.0 * (double)k - 32.0) / 1.8; }

/* Degree days of one side at balance point b: heating (b - T)+ or cooling
 * (T - b)+. Returns 1 when they pass CalTRACK's minimums. */
static int enough_dd(const double *t, size_t n, double b, int heating)
{
    size_t days = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        double d = heating ? b - t[i] : t[i] - b;
        if (d > 0) {
            days++;
            total += d;
        }
    }
    return days >= MVG_DD_MIN_DAYS && total >= MVG_DD_MIN_TOTAL;
}

/* Positive intercept, positive and significant slopes (b1.., not b0). */
static int qualifies(const mvg_model *m, char *why, size_t len)
{
    if (!(m->coef[0] > 0)) {
        snprintf(why, len, "intercept %.4g <= 0", m->coef[0]);
        return 0;
    }
    double tq = mvg_t_quantile(0.90, (double)(m->n - m->p));
    for (size_t j = 1; j < m->ncoef; j++) {
        if (!(m->coef[j] > 0)) {
            snprintf(why, len, "slope b%zu %.4g <= 0", j, m->coef[j]);
            return 0;
        }
        if (isfinite(m->t_stat[j]) && m->t_stat[j] < tq) {
            snprintf(why, len, "slope b%zu not significant (t %.2f < %.2f, p >= 0.10)", j,
                     m->t_stat[j], tq);
            return 0;
        }
    }
    return 1;
}

int mvg_degreeday_fit(mvg_model_type t, const double *y, const double *tmean, size_t n,
                      double coverage, const mvg_model_criteria *crit, mvg_model *out, char *err,
                      size_t errlen)
{
    const char *tn = mvg_model_type_name(t);
    if (t != MVG_MODEL_HDD && t != MVG_MODEL_CDD && t != MVG_MODEL_HDD_CDD) {
        mvg_set_err(err, errlen, "degree-day fit: '%s' is not a degree-day form", tn);
        return -1;
    }
    if (!y || !tmean || !out) {
        mvg_set_err(err, errlen, "%s model takes exactly one x (the daily mean temperature)", tn);
        return -1;
    }
    const double *const xs[1] = {tmean};
    int have = 0, any_dd = 0;
    mvg_model best, cur;
    char why[160] = "", last_fit_err[200] = "";
    size_t ni = t == MVG_MODEL_HDD_CDD ? MVG_DD_GRID_N : 1;
    for (size_t a = 0; a < MVG_DD_GRID_N; a++) {
        for (size_t b = t == MVG_MODEL_HDD_CDD ? a : 0; b < (ni > 1 ? MVG_DD_GRID_N : 1); b++) {
            double cp[2] = {mvg_degreeday_grid(a), mvg_degreeday_grid(b)};
            int ok_dd = t == MVG_MODEL_HDD ? enough_dd(tmean, n, cp[0], 1)
                        : t == MVG_MODEL_CDD
                            ? enough_dd(tmean, n, cp[0], 0)
                            : enough_dd(tmean, n, cp[0], 1) && enough_dd(tmean, n, cp[1], 0);
            if (!ok_dd)
                continue;
            any_dd = 1;
            if (mvg_model_fit_at(t, y, xs, 1, n, cp, coverage, crit, &cur, last_fit_err,
                                 sizeof last_fit_err) != 0)
                continue;
            if (!qualifies(&cur, why, sizeof why))
                continue;
            if (!have || cur.adj_r2 > best.adj_r2) {
                best = cur;
                have = 1;
            }
        }
    }
    if (!have) {
        if (!any_dd)
            mvg_set_err(err, errlen,
                        "%s model: no balance point from %.1f to %.1f C gives %d days and %.1f "
                        "degree days (CalTRACK's minimums)",
                        tn, mvg_degreeday_grid(0), mvg_degreeday_grid(MVG_DD_GRID_N - 1),
                        MVG_DD_MIN_DAYS, MVG_DD_MIN_TOTAL);
        else
            mvg_set_err(err, errlen, "%s model: no balance point qualified (last: %s)", tn,
                        why[0] ? why : last_fit_err);
        return -1;
    }
    *out = best;
    return 0;
}

/* Floor division for negative times. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void mvg_agg_free(mvg_agg *d)
{
    if (!d)
        return;
    free(d->t);
    free(d->y);
    for (size_t j = 0; j < MVG_MODEL_MAX_X; j++)
        free(d->x[j]);
    memset(d, 0, sizeof *d);
}

int mvg_agg_rows(const int64_t *t_ms, const double *y, const double *const *x, size_t nx, size_t n,
                 int64_t step_ms, int64_t period_ms, int utc_offset_min, mvg_agg *out, char *err,
                 size_t errlen)
{
    const int64_t day = period_ms;
    memset(out, 0, sizeof *out);
    if (nx > MVG_MODEL_MAX_X || (n > 0 && (!t_ms || !y || (nx > 0 && !x)))) {
        mvg_set_err(err, errlen, "aggregation: bad arguments");
        return -1;
    }
    if (!(period_ms == 3600000 || period_ms == 86400000)) {
        mvg_set_err(err, errlen, "aggregation: periods of an hour or a day, not %lld ms",
                    (long long)period_ms);
        return -1;
    }
    if (!(step_ms > 0 && step_ms <= day && day % step_ms == 0)) {
        mvg_set_err(err, errlen,
                    "aggregation: the step of %lld ms does not divide %s (interval data at 1, 5, "
                    "15, 30 or 60 min, say)",
                    (long long)step_ms, period_ms == 3600000 ? "an hour" : "a day");
        return -1;
    }
    int64_t per_day = day / step_ms, off = (int64_t)utc_offset_min * 60000;
    out->nx = nx;
    size_t cap = n ? n : 1;
    out->t = malloc(cap * sizeof *out->t);
    out->y = malloc(cap * sizeof *out->y);
    for (size_t j = 0; j < nx; j++)
        out->x[j] = malloc(cap * sizeof *out->x[j]);
    for (size_t j = 0; j < nx; j++)
        if (!out->x[j])
            goto oom;
    if (!out->t || !out->y)
        goto oom;
    size_t i = 0;
    while (i < n) {
        int64_t d0 = floor_div(t_ms[i] + off, day);
        size_t k = i;
        long double sy = 0, sx[MVG_MODEL_MAX_X] = {0};
        while (k < n && floor_div(t_ms[k] + off, day) == d0) {
            if (k > i && t_ms[k] <= t_ms[k - 1]) {
                mvg_set_err(err, errlen, "aggregation: rows not in time order at row %zu", k);
                mvg_agg_free(out);
                return -1;
            }
            sy += y[k];
            for (size_t j = 0; j < nx; j++)
                sx[j] += x[j][k];
            k++;
        }
        size_t cnt = k - i;
        if ((int64_t)cnt * 2 >= per_day) {
            size_t o = out->n++;
            out->t[o] = d0 * day - off;
            out->y[o] = (double)(sy / cnt * per_day);
            for (size_t j = 0; j < nx; j++)
                out->x[j][o] = (double)(sx[j] / cnt);
        } else {
            out->dropped++;
        }
        i = k;
    }
    return (int)out->n;
oom:
    mvg_agg_free(out);
    mvg_set_err(err, errlen, "aggregation: out of memory for %zu rows", n);
    return -1;
}
