/*
 * tariff.c: time-of-use periods and billing months (tariff.h).
 */
#include "tariff.h"

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
