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

/* How a stream uses a tariff: its price of the flat period [HK$/kWh],
 * demand charge [HK$/kW per billing month], kWh per unit of its amounts,
 * the demand interval and the project's interval (a divisor of it). */
typedef struct {
    const mvg_tariff *tariff;
    double energy_price, demand_charge, kwh_per_unit;
    int64_t demand_ms, interval_ms;
} mvg_tariff_use;

/* What a stream's priced intervals add up to (the rule of
 * docs/conversions.md "Tariffs", shared by the engine and `mvgate
 * report`): the savings priced interval by interval, the billing month of
 * the peaks and the peaks so far of the adjusted baseline and the
 * measured demand [kW], the demand charge savings of the months closed and
 * the months seen, and the demand interval being summed. Plain values: the
 * engine saves them field by field. */
typedef struct {
    double energy_cost;
    int64_t month;          /* INT64_MIN before the first complete demand interval */
    double peak_base, peak_act, closed_cost;
    uint64_t months;
    int64_t blk;            /* the demand interval being summed; INT64_MIN none */
    double blk_base, blk_act;
    uint64_t blk_n;
} mvg_tariff_acc;

void mvg_tariff_acc_init(mvg_tariff_acc *a);

/*
 * One counted interval starting at start_ms: its savings [stream unit]
 * priced at its period (returned, HK$/kWh; *period its index, -1 and NaN
 * when no period holds it), and its adjusted baseline and measured use
 * into the demand interval it belongs to; a complete demand interval
 * (every project interval of it counted, in order) is a demand reading of
 * its billing month; a new month closes the previous one. *cost gets the
 * interval's priced savings [HK$].
 */
double mvg_tariff_acc_add(mvg_tariff_acc *a, const mvg_tariff_use *u, int64_t start_ms,
                          double base, double actual, double savings, int *period, double *cost);

/* The demand charge savings of the current month [HK$] (NaN before one),
 * and of every month so far. */
double mvg_tariff_acc_month_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u);
double mvg_tariff_acc_demand_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u);

/* The mean price of the savings priced so far [HK$ per stream unit]: the
 * energy cost over cum_savings (NaN when that is 0 or not finite). The
 * annual figure is priced at it, and so are the bounds of the savings'
 * interval (`mvgate report`), whose spread no single interval's price
 * holds. */
double mvg_tariff_acc_mean_price(const mvg_tariff_acc *a, double cum_savings);

/* The annual HK$ of annual_savings: at the mean price of the cumulative
 * savings (energy cost / cum_savings), plus twelve mean months of demand
 * charge savings. NaN when annual_savings is not finite. */
double mvg_tariff_acc_annual_cost(const mvg_tariff_acc *a, const mvg_tariff_use *u,
                                  double annual_savings, double cum_savings);

/* The index of the period of the interval starting at UTC t_ms (its local
 * month and time of day), or -1 when no period holds it. */
int mvg_tariff_period_of(const mvg_tariff *t, int64_t t_ms);

/* The billing month of t_ms: local year * 12 + month - 1. */
int64_t mvg_tariff_month(const mvg_tariff *t, int64_t t_ms);

/* "YYYY-MM" of a billing month into buf. */
const char *mvg_tariff_month_name(int64_t month, char *buf, size_t len);

#endif
