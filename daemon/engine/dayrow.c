/*
 * dayrow.c: intervals into day rows (dayrow.h). Sums in double: a day has
 * at most 1440 intervals, far from where the order of addition matters at
 * the precision the records carry.
 */
#include "dayrow.h"

#include <math.h>
#include <string.h>

#include "catvar.h"
#include "diag.h"

int mvg_dayrow_cfg_check(const mvg_dayrow_cfg *c, char *err, size_t errlen)
{
    if (!c || c->nx > MVG_MODEL_MAX_X) {
        mvg_set_err(err, errlen, "day rows: bad arguments");
        return -1;
    }
    if (c->interval_ms <= 0 || MVG_DAY_MS % c->interval_ms != 0) {
        mvg_set_err(err, errlen, "day rows: an interval of %lld ms does not divide a day",
                    (long long)c->interval_ms);
        return -1;
    }
    if (((int64_t)c->utc_offset_min * 60000) % c->interval_ms != 0) {
        mvg_set_err(err, errlen,
                    "day rows: the offset of %d min is not a multiple of the %lld min interval "
                    "(local midnight would fall inside an interval)",
                    c->utc_offset_min, (long long)(c->interval_ms / 60000));
        return -1;
    }
    return 0;
}

int64_t mvg_dayrow_day_start(const mvg_dayrow_cfg *c, int64_t t)
{
    return mvg_catvar_day(t, c->utc_offset_min) * MVG_DAY_MS -
           (int64_t)c->utc_offset_min * 60000;
}

void mvg_dayrow_reset(mvg_dayrow_acc *a)
{
    uint64_t stale = a->stale;
    memset(a, 0, sizeof *a);
    a->stale = stale;
}

static void open_day(mvg_dayrow_acc *a, int64_t start, int phase)
{
    mvg_dayrow_reset(a);
    a->open = 1;
    a->start_ms = start;
    a->phase = phase;
}

int mvg_dayrow_add(mvg_dayrow_acc *a, const mvg_dayrow_cfg *c, int64_t start_ms, int valid,
                   int phase, double y, double aux, const double *x, mvg_dayrow *day)
{
    int64_t d0 = mvg_dayrow_day_start(c, start_ms);
    if (a->open && a->start_ms != d0) {
        a->stale++;
        a->open = 0;
    }
    if (!a->open)
        open_day(a, d0, phase);
    a->fed++;
    if (a->phase != phase)
        a->phase = -1;
    if (valid) {
        a->valid++;
        a->y += y;
        a->aux += aux;
        for (size_t j = 0; j < c->nx; j++)
            a->x[j] += x[j];
    }
    if (start_ms + c->interval_ms != d0 + MVG_DAY_MS)
        return 0;
    uint32_t per_day = (uint32_t)(MVG_DAY_MS / c->interval_ms);
    memset(day, 0, sizeof *day);
    day->start_ms = d0;
    day->end_ms = d0 + MVG_DAY_MS;
    day->intervals = per_day;
    day->fed = a->fed;
    day->valid = a->valid;
    day->phase = a->phase;
    day->complete = a->valid == per_day && a->phase >= 0;
    day->y = a->valid ? a->y : NAN;
    day->aux = a->valid ? a->aux : NAN;
    day->nx = c->nx;
    for (size_t j = 0; j < c->nx; j++)
        day->x[j] = !a->valid ? NAN : (c->x_sum >> j & 1u) ? a->x[j] : a->x[j] / a->valid;
    a->open = 0;
    return 1;
}
