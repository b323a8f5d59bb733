/*
 * tariff.c: time-of-use periods and billing months (tariff.h).
 */
#include "tariff.h"

#include <math.h>
#include <stdio.h>

#include "timefmt.h"

#define DAY_MS 86400000LL

static int in_win(int s, int e, int m)
{
    if (e == 0)
        e = 1440;
    return s < e ? (m >= s && m < e) : (m >= s || m < e);
}

int mvg_tariff_period_of(const mvg_tariff *t, int64_t t_ms)
{
    int64_t v = t_ms + (int64_t)t->utc_offset_min * 60000;
    int m = (int)((((v % DAY_MS) + DAY_MS) % DAY_MS) / 60000);
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(v, &c);
    for (size_t k = 0; k < t->nperiods; k++) {
        const mvg_tariff_period *p = &t->periods[k];
        if (p->months && !(p->months & (1u << c.month)))
            continue;
        for (size_t w = 0; w < p->nwin; w++)
            if (in_win(p->win_start[w], p->win_end[w], m))
                return (int)k;
    }
    return -1;
}

int64_t mvg_tariff_month(const mvg_tariff *t, int64_t t_ms)
{
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(t_ms + (int64_t)t->utc_offset_min * 60000, &c);
    return c.year * 12 + c.month - 1;
}

const char *mvg_tariff_month_name(int64_t month, char *buf, size_t len)
{
    int64_t y = month >= 0 ? month / 12 : (month - 11) / 12;
    snprintf(buf, len, "%04lld-%02d", (long long)y, (int)(month - y * 12 + 1));
    return buf;
}

void mvg_tariff_acc_init(mvg_tariff_acc *a)
{
    *a = (mvg_tariff_acc){0};
    a->month = a->blk = INT64_MIN;
}

double mvg_tariff_acc_month_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u)
{
    return a->month != INT64_MIN ? (a->peak_base - a->peak_act) * u->demand_charge : NAN;
}

double mvg_tariff_acc_demand_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u)
{
    return a->closed_cost + (a->month != INT64_MIN ? mvg_tariff_acc_month_cost(a, u) : 0.0);
}

double mvg_tariff_acc_add(mvg_tariff_acc *a, const mvg_tariff_use *u, int64_t start_ms,
                          double base, double actual, double savings, int *period, double *cost)
{
    const mvg_tariff *t = u->tariff;
    int k = mvg_tariff_period_of(t, start_ms);
    double price = k >= 0 ? t->periods[k].ratio * u->energy_price : NAN;
    *period = k;
    *cost = savings * u->kwh_per_unit * price;
    a->energy_cost += *cost;

    int64_t dms = u->demand_ms;
    int64_t blk = start_ms >= 0 ? start_ms / dms : (start_ms - dms + 1) / dms;
    if (blk != a->blk) {
        a->blk = blk;
        a->blk_base = a->blk_act = 0.0;
        a->blk_n = 0;
    }
    a->blk_base += base;
    a->blk_act += actual;
    if (++a->blk_n < (uint64_t)(dms / u->interval_ms))
        return price;
    double h = (double)dms / 3600000.0;
    double kw_base = a->blk_base * u->kwh_per_unit / h;
    double kw_act = a->blk_act * u->kwh_per_unit / h;
    int64_t month = mvg_tariff_month(t, blk * dms);
    if (month != a->month) {
        if (a->month != INT64_MIN)
            a->closed_cost += mvg_tariff_acc_month_cost(a, u);
        a->month = month;
        a->peak_base = kw_base;
        a->peak_act = kw_act;
        a->months++;
    } else {
        if (kw_base > a->peak_base)
            a->peak_base = kw_base;
        if (kw_act > a->peak_act)
            a->peak_act = kw_act;
    }
    return price;
}

double mvg_tariff_acc_mean_price(const mvg_tariff_acc *a, double cum_savings)
{
    return cum_savings != 0.0 && isfinite(cum_savings) ? a->energy_cost / cum_savings : NAN;
}

double mvg_tariff_acc_annual_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u,
                                  double annual_savings, double cum_savings)
{
    if (!isfinite(annual_savings))
        return NAN;
    return annual_savings * mvg_tariff_acc_mean_price(a, cum_savings) +
           (a->months ? 12.0 * mvg_tariff_acc_demand_cost(a, u) / (double)a->months : 0.0);
}
