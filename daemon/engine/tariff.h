/*
 * tariff.h: an electricity tariff's time-of-use periods, and the billing
 * month of an interval. It owns the rule that gives an interval its period
 * (peak, flat, valley as Guangdong divides the day; a critical peak in the
 * months the tariff names) and its price: the period's ratio times the
 * project's price of the flat period, or the period's own price. The
 * periods are data (config/tariffs/, read by daemon/config), passed in
 * plain. Pure: no clock, no I/O; local time is UTC plus the tariff's
 * fixed offset.
 */
#ifndef MVG_TARIFF_H
#define MVG_TARIFF_H

#include <stddef.h>
#include <stdint.h>

#define MVG_TARIFF_MAX_PERIODS 5
#define MVG_TARIFF_MAX_WINDOWS 6
#define MVG_TARIFF_NAME_MAX 32

typedef struct {
    char name[MVG_TARIFF_NAME_MAX];   /* "peak", "flat", "valley", "critical peak" */
    double ratio;                     /* times the flat price */
    size_t nwin;
    int win_start[MVG_TARIFF_MAX_WINDOWS], win_end[MVG_TARIFF_MAX_WINDOWS]; /* minutes; 0 end = 24:00 */
    unsigned months;                  /* bit m (1..12): only in these months; 0: every month */
} mvg_tariff_period;

/* The periods in order of precedence: the first whose months include the
 * interval's and whose windows hold its local time of day wins (a
 * critical peak is listed first). Every minute of every day must fall in
 * some period (daemon/config checks it). */
typedef struct {
    char name[64];
    int utc_offset_min;
    size_t nperiods;
    mvg_tariff_period periods[MVG_TARIFF_MAX_PERIODS];
} mvg_tariff;

/* The index of the period of the interval starting at UTC t_ms (its local
 * month and time of day), or -1 when no period holds it. */
int mvg_tariff_period_of(const mvg_tariff *t, int64_t t_ms);

/* The billing month of t_ms: local year * 12 + month - 1. */
int64_t mvg_tariff_month(const mvg_tariff *t, int64_t t_ms);

/* "YYYY-MM" of a billing month into buf. */
const char *mvg_tariff_month_name(int64_t month, char *buf, size_t len);

#endif
