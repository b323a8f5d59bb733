/*
 * screen.c: the outlier rule and the range check of screen.h.
 *
 * Why residuals and not the use itself (CalTRACK 2.3.6 states the rule on
 * usage values): a factory's use follows production, so the busiest days
 * are legitimately far above the median use; their residuals are not.
 * Why both sides: a meter that drops out or a line stopped for a day is as
 * wrong for a baseline as a spike, and a residual median - 3 IQR below
 * is as rare as one above. Why the median and not Q1/Q3 as Tukey's fences
 * do: it is CalTRACK's wording ("three interquartile ranges larger than
 * the median"), kept so that the rule can be cited as it is written.
 */
#include "screen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double mvg_screen_quantile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    if (q <= 0.0)
        return sorted[0];
    if (q >= 1.0)
        return sorted[n - 1];
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int mvg_screen_outliers(const double *resid, size_t n, mvg_screen_fences *f,
                        unsigned char *flag)
{
    memset(f, 0, sizeof *f);
    f->median = f->q1 = f->q3 = f->iqr = f->low = f->high = NAN;
    if (flag)
        memset(flag, 0, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += isfinite(resid[i]) != 0;
    if (k < 4)
        return -1;
    double *s = malloc(k * sizeof *s);
    if (!s)
        return -1;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(resid[i]))
            s[k++] = resid[i];
    qsort(s, k, sizeof *s, cmp_double);
    f->median = mvg_screen_quantile(s, k, 0.5);
    f->q1 = mvg_screen_quantile(s, k, 0.25);
    f->q3 = mvg_screen_quantile(s, k, 0.75);
    free(s);
    f->iqr = f->q3 - f->q1;
    f->low = f->median - MVG_SCREEN_IQR_K * f->iqr;
    f->high = f->median + MVG_SCREEN_IQR_K * f->iqr;
    f->n = k;
    for (size_t i = 0; i < n; i++) {
        int out = isfinite(resid[i]) && (resid[i] < f->low || resid[i] > f->high);
        f->n_outliers += (size_t)out;
        if (flag)
            flag[i] = (unsigned char)out;
    }
    return 0;
}

void mvg_screen_residuals(const mvg_model *m, const double *y, const double *const *x,
                          size_t n, double *resid)
{
    double row[MVG_MODEL_MAX_X];
    size_t nx = m->nx < MVG_MODEL_MAX_X ? m->nx : MVG_MODEL_MAX_X;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nx; j++)
            row[j] = x[j][i];
        resid[i] = y[i] - mvg_model_predict(m, row);
    }
}

void mvg_screen_range_of(const double *const *x, size_t nx, size_t n, const unsigned char *skip,
                         mvg_screen_range *r)
{
    memset(r, 0, sizeof *r);
    r->nx = nx < MVG_MODEL_MAX_X ? nx : MVG_MODEL_MAX_X;
    for (size_t j = 0; j < r->nx; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            if ((skip && skip[i]) || !isfinite(x[j][i]))
                continue;
            lo = x[j][i] < lo ? x[j][i] : lo;
            hi = x[j][i] > hi ? x[j][i] : hi;
        }
        r->min[j] = lo <= hi ? lo : NAN;
        r->max[j] = lo <= hi ? hi : NAN;
    }
}

unsigned mvg_screen_outside(const mvg_screen_range *r, const double *x, double margin)
{
    unsigned bits = 0;
    for (size_t j = 0; j < r->nx; j++) {
        if (!isfinite(r->min[j]) || !isfinite(r->max[j]) || !isfinite(x[j]))
            continue;
        double w = (r->max[j] - r->min[j]) * margin;
        if (x[j] < r->min[j] - w || x[j] > r->max[j] + w)
            bits |= 1u << j;
    }
    return bits;
}
