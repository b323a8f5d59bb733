/*
 * sim_plant.c: the five plant models and their register maps.
 *
 * Shape of every model: eval() computes, at one grid time, the gauges, the
 * rate of every counter and the derivative of every dynamic state from the
 * current state and the exogenous drivers (demand profile, weather, noise);
 * integrate() then moves counters and states over one step with those rates.
 * Because a rate is held constant over its step, a counter is exactly the
 * integral of the rate the meter shows, which is what the integration tests
 * check.
 */
#include "sim_plant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXSTATE 6
#define MAXSTREAMS 64

struct mvg_sim_plant {
    mvg_sim_plant_kind kind;
    mvg_sim_phase phase;
    uint64_t seed;
    const mvg_sim_point *pts;
    size_t npts;
    double tg;              /* plant time of the last grid point */
    double t;               /* current plant time, tg <= t < tg + step */
    double val[MVG_SIM_MAX_POINTS];     /* gauges at tg; counters integrated up to tg */
    double rate[MVG_SIM_MAX_POINTS];    /* counters only: increase per second over the step */
    double x[MAXSTATE];     /* dynamic state */
    double dx[MAXSTATE];    /* its derivative over the step */
    double show[MAXSTATE];  /* values for `status` */
    /* Memo of the two knots each smooth() stream last used: a pure cache
     * (same results with or without it) that saves two log/sqrt/cos per
     * stream and step. */
    struct {
        int64_t k;
        double period;
        double a, b;
    } memo[MAXSTREAMS];
};

/* ---- seeded, stateless noise ------------------------------------------ */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit_open(uint64_t h)
{
    return ((double)(h >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
}

/* Standard normal draw number k of a stream: a pure function of its inputs. */
static double gauss_at(uint64_t seed, unsigned stream, int64_t k)
{
    uint64_t h = splitmix64(seed ^ splitmix64(((uint64_t)stream << 40) ^ (uint64_t)k));
    uint64_t h2 = splitmix64(h);
    return sqrt(-2.0 * log(unit_open(h))) * cos(2.0 * M_PI * unit_open(h2));
}

/* Smooth noise of unit variance at the knots, cosine-interpolated between
 * knots `period` seconds apart: slow wander of demand or weather. */
static double smooth(mvg_sim_plant *p, unsigned stream, double t, double period)
{
    double q = t / period;
    double k = floor(q);
    double f = (1.0 - cos(M_PI * (q - k))) / 2.0;
    double a, b;
    if (stream < MAXSTREAMS && p->memo[stream].k == (int64_t)k && p->memo[stream].period == period) {
        a = p->memo[stream].a;
        b = p->memo[stream].b;
    } else {
        a = gauss_at(p->seed, stream, (int64_t)k);
        b = gauss_at(p->seed, stream, (int64_t)k + 1);
        if (stream < MAXSTREAMS) {
            p->memo[stream].k = (int64_t)k;
            p->memo[stream].period = period;
            p->memo[stream].a = a;
            p->memo[stream].b = b;
        }
    }
    return a + (b - a) * f;
}

/* Independent draw per step: measurement jitter. */
static double white(const mvg_sim_plant *p, unsigned stream, double t)
{
    return gauss_at(p->seed, stream, (int64_t)floor(t / MVG_SIM_STEP_S));
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- site calendar ------------------------------------------------------ */

double mvg_sim_plant_site_hour(double t)
{
    double local = t + MVG_SIM_SITE_UTC_OFFSET_S;
    return fmod(fmod(local, 86400.0) + 86400.0, 86400.0) / 3600.0;
}

/* 1970-01-01 was a Thursday. */
int mvg_sim_plant_site_dow(double t)
{
    long days = (long)floor((t + MVG_SIM_SITE_UTC_OFFSET_S) / 86400.0);
    return (int)(((days + 4) % 7 + 7) % 7);
}

typedef struct {
    double h, v;
} knot;

/* Piecewise-linear daily profile; knots cover 0..24 h in order. */
static double profile(const knot *k, size_t n, double h)
{
    for (size_t i = 1; i < n; i++)
        if (h <= k[i].h) {
            double span = k[i].h - k[i - 1].h;
            double f = span > 0 ? (h - k[i - 1].h) / span : 1.0;
            return k[i - 1].v + (k[i].v - k[i - 1].v) * f;
        }
    return k[n - 1].v;
}

/* A plant's load over the week: the weekday knots Monday to Friday, the
 * Saturday knots on Saturday, a constant on Sunday. */
static double week_profile(double t, const knot *wk, size_t nwk, const knot *sat, size_t nsat,
                           double sunday)
{
    int dow = mvg_sim_plant_site_dow(t);
    double h = mvg_sim_plant_site_hour(t);
    return dow == 0 ? sunday : dow == 6 ? profile(sat, nsat, h) : profile(wk, nwk, h);
}

#define NK(a) (sizeof(a) / sizeof((a)[0]))

/* ---- register maps -------------------------------------------------------
 * Each table is indexed by the plant's enum, so eval() writes p->val[ENUM].
 * Counters carry min 0 and no max (NAN): their wrap is the type's. */

#define IN MVG_AREA_INPUT
#define HR MVG_AREA_HOLDING
#define G MVG_KIND_GAUGE
#define C MVG_KIND_COUNTER
#define F32 MVG_TYPE_FLOAT32
#define F64 MVG_TYPE_FLOAT64
#define U16 MVG_TYPE_UINT16
#define I16 MVG_TYPE_INT16
#define U32 MVG_TYPE_UINT32
#define I32 MVG_TYPE_INT32
#define U64 MVG_TYPE_UINT64

enum { K_V, K_I, K_KW, K_PF, K_HZ, K_KVAR, K_KWH, K_KWH_HR, K_FLOW, K_VOL, K_BAR, K_TEMP, K_N };
static const mvg_sim_device comp_devs[] = {
    {1, "comp_power", "3-phase power meter on the compressor supply"},
    {2, "air_flow", "thermal mass flow meter on the air header after the receiver, with pressure and temperature"},
};
static const mvg_sim_point comp_pts[K_N] = {
    [K_V] = {1, "voltage_v", IN, 0, F32, MVG_ORDER_ABCD, 1, "V", G, 340, 460},
    [K_I] = {1, "current_a", IN, 2, F32, MVG_ORDER_ABCD, 1, "A", G, 0, 200},
    [K_KW] = {1, "power_kw", IN, 4, F32, MVG_ORDER_ABCD, 1, "kW", G, 0, 90},
    [K_PF] = {1, "power_factor", IN, 6, F32, MVG_ORDER_ABCD, 1, "-", G, 0, 1},
    [K_HZ] = {1, "frequency_hz", IN, 8, F32, MVG_ORDER_CDAB, 1, "Hz", G, 45, 55},
    [K_KVAR] = {1, "reactive_kvar", IN, 10, I32, MVG_ORDER_ABCD, 0.01, "kvar", G, -100, 100},
    [K_KWH] = {1, "energy_kwh", IN, 12, U32, MVG_ORDER_CDAB, 0.01, "kWh", C, 0, NAN},
    [K_KWH_HR] = {1, "energy_kwh_fine", IN, 14, U64, MVG_ORDER_ABCDEFGH, 0.001, "kWh", C, 0, NAN},
    [K_FLOW] = {2, "flow_m3min", HR, 0, F32, MVG_ORDER_CDAB, 1, "m3/min", G, 0, 15},
    [K_VOL] = {2, "volume_m3", HR, 2, U32, MVG_ORDER_ABCD, 0.1, "m3", C, 0, NAN},
    [K_BAR] = {2, "pressure_bar", HR, 4, I16, MVG_ORDER_AB, 0.01, "bar", G, 0, 12},
    [K_TEMP] = {2, "temperature_c", HR, 5, I16, MVG_ORDER_AB, 0.1, "degC", G, -10, 80},
};

enum { C_KW, C_KWH, C_PF, C_FLOW, C_TSUP, C_TRET, C_QKW, C_QKWH, C_TCW, C_TOUT, C_RH, C_N };
static const mvg_sim_device chil_devs[] = {
    {1, "chiller_power", "power meter on the chiller supply"},
    {2, "chw_btu", "ultrasonic BTU meter on the chilled-water loop"},
    {3, "weather", "temperature transmitters: condenser water entering, outdoor air"},
};
static const mvg_sim_point chil_pts[C_N] = {
    [C_KW] = {1, "power_kw", IN, 0, F32, MVG_ORDER_CDAB, 1, "kW", G, 0, 250},
    [C_KWH] = {1, "energy_kwh", IN, 2, U32, MVG_ORDER_CDAB, 0.01, "kWh", C, 0, NAN},
    [C_PF] = {1, "power_factor", IN, 4, U16, MVG_ORDER_AB, 0.001, "-", G, 0, 1},
    [C_FLOW] = {2, "flow_m3h", HR, 0, F32, MVG_ORDER_ABCD, 1, "m3/h", G, 0, 200},
    [C_TSUP] = {2, "t_supply", HR, 2, I16, MVG_ORDER_AB, 0.1, "degC", G, 0, 30},
    [C_TRET] = {2, "t_return", HR, 3, I16, MVG_ORDER_AB, 0.1, "degC", G, 0, 30},
    [C_QKW] = {2, "cooling_kw", HR, 4, F32, MVG_ORDER_ABCD, 1, "kW", G, 0, 1000},
    [C_QKWH] = {2, "cooling_kwh", HR, 6, F64, MVG_ORDER_ABCDEFGH, 1, "kWh", C, 0, NAN},
    [C_TCW] = {3, "t_condenser", IN, 0, I16, MVG_ORDER_AB, 0.1, "degC", G, 5, 50},
    [C_TOUT] = {3, "t_outdoor", IN, 1, I16, MVG_ORDER_AB, 0.1, "degC", G, -10, 50},
    [C_RH] = {3, "rh_outdoor", IN, 2, U16, MVG_ORDER_AB, 0.1, "%", G, 0, 100},
};

enum { B_GAS, B_GASTOT, B_O2, B_NOX, B_FLUE, B_TFLUE, B_CO, B_STEAM, B_STEAMTOT, B_PRESS, B_N };
static const mvg_sim_device boil_devs[] = {
    {1, "gas_meter", "natural-gas flow meter with volume corrector (normal m3)"},
    {2, "flue_cems", "flue-gas analyser: O2, NOx, CO, flow, temperature"},
    {3, "steam_meter", "vortex steam flow meter with pressure"},
};
static const mvg_sim_point boil_pts[B_N] = {
    [B_GAS] = {1, "gas_nm3h", HR, 0, F32, MVG_ORDER_ABCD, 1, "Nm3/h", G, 0, 1200},
    [B_GASTOT] = {1, "gas_nm3", HR, 2, F64, MVG_ORDER_ABCDEFGH, 1, "Nm3", C, 0, NAN},
    [B_O2] = {2, "o2_pct", IN, 0, U16, MVG_ORDER_AB, 0.01, "%", G, 0, 21},
    [B_NOX] = {2, "nox_mgnm3", IN, 1, F32, MVG_ORDER_CDAB, 1, "mg/Nm3", G, 0, 500},
    [B_FLUE] = {2, "flue_nm3h", IN, 3, F32, MVG_ORDER_CDAB, 1, "Nm3/h", G, 0, 20000},
    [B_TFLUE] = {2, "t_flue", IN, 5, I16, MVG_ORDER_AB, 0.1, "degC", G, 0, 400},
    [B_CO] = {2, "co_mgnm3", IN, 6, U16, MVG_ORDER_AB, 1, "mg/Nm3", G, 0, 1000},
    [B_STEAM] = {3, "steam_th", HR, 0, F32, MVG_ORDER_BADC, 1, "t/h", G, 0, 12},
    [B_STEAMTOT] = {3, "steam_t", HR, 2, U32, MVG_ORDER_ABCD, 0.01, "t", C, 0, NAN},
    [B_PRESS] = {3, "pressure_bar", HR, 4, F32, MVG_ORDER_DCBA, 1, "bar", G, 0, 16},
};

enum { W_PROD, W_PRODTOT, W_IN, W_INTOT, W_REC, W_RECTOT, W_DIS, W_DISTOT, W_PH, W_COD, W_N };
static const mvg_sim_device ww_devs[] = {
    {1, "production", "production line output (fabric, tonnes)"},
    {2, "intake", "electromagnetic flow meter on the fresh-water intake"},
    {3, "recycled", "electromagnetic flow meter on the recycled-water line"},
    {4, "discharge", "discharge flow meter with pH and COD analysers"},
};
static const mvg_sim_point ww_pts[W_N] = {
    [W_PROD] = {1, "output_th", HR, 0, F32, MVG_ORDER_ABCD, 1, "t/h", G, 0, 10},
    [W_PRODTOT] = {1, "output_t", HR, 2, U32, MVG_ORDER_CDAB, 0.01, "t", C, 0, NAN},
    [W_IN] = {2, "flow_m3h", IN, 0, F32, MVG_ORDER_CDAB, 1, "m3/h", G, 0, 150},
    [W_INTOT] = {2, "volume_m3", IN, 2, U32, MVG_ORDER_CDAB, 0.1, "m3", C, 0, NAN},
    [W_REC] = {3, "flow_m3h", IN, 0, F32, MVG_ORDER_CDAB, 1, "m3/h", G, 0, 150},
    [W_RECTOT] = {3, "volume_m3", IN, 2, U64, MVG_ORDER_GHEFCDAB, 0.001, "m3", C, 0, NAN},
    [W_DIS] = {4, "flow_m3h", IN, 0, F32, MVG_ORDER_ABCD, 1, "m3/h", G, 0, 150},
    [W_DISTOT] = {4, "volume_m3", IN, 2, U32, MVG_ORDER_ABCD, 0.1, "m3", C, 0, NAN},
    [W_PH] = {4, "ph", IN, 4, U16, MVG_ORDER_AB, 0.01, "pH", G, 0, 14},
    [W_COD] = {4, "cod_mgl", IN, 5, F32, MVG_ORDER_ABCD, 1, "mg/L", G, 0, 2000},
};

enum { V_FLOW, V_FANKW, V_FANKWH, V_CIN, V_COUT, V_TTREAT, V_N };
static const mvg_sim_device voc_devs[] = {
    {1, "exhaust", "exhaust duct: flow meter and fan power meter"},
    {2, "voc_in", "FID analyser at the treatment inlet"},
    {3, "voc_out", "FID analyser at the stack, with treatment temperature"},
};
static const mvg_sim_point voc_pts[V_N] = {
    [V_FLOW] = {1, "flow_nm3h", IN, 0, F32, MVG_ORDER_CDAB, 1, "Nm3/h", G, 0, 40000},
    [V_FANKW] = {1, "fan_kw", IN, 2, F32, MVG_ORDER_CDAB, 1, "kW", G, 0, 90},
    [V_FANKWH] = {1, "fan_kwh", IN, 4, U32, MVG_ORDER_CDAB, 0.01, "kWh", C, 0, NAN},
    [V_CIN] = {2, "voc_mgnm3", HR, 0, F32, MVG_ORDER_ABCD, 1, "mg/Nm3", G, 0, 5000},
    [V_COUT] = {3, "voc_mgnm3", HR, 0, F32, MVG_ORDER_ABCD, 1, "mg/Nm3", G, 0, 5000},
    [V_TTREAT] = {3, "t_treatment", HR, 2, I16, MVG_ORDER_AB, 0.1, "degC", G, -20, 1000},
};

#undef IN
#undef HR
#undef G
#undef C
#undef F32
#undef F64
#undef U16
#undef I16
#undef U32
#undef I32
#undef U64

/* ---- compressor ----------------------------------------------------------
 * Demand in m3/min (free air) drawn from the header. Baseline: a 55 kW
 * fixed-speed load/unload machine of 10 m3/min that loads below 6.5 bar and
 * unloads above 7.5 bar, drawing 25 % of full power unloaded. Retrofit: a
 * VSD machine holding 7.0 bar, power = 2 kW + 4.4 kW per m3/min. The
 * receiver (4 m3) links delivery and demand: dp/dt = (Q - D) p_atm / V. */
enum { XC_P, XC_LOADED };

static double comp_demand(mvg_sim_plant *p, double t)
{
    static const knot wk[] = {{0, 2.6},    {5.5, 2.6},  {7.5, 7.2},  {11.8, 7.6}, {12.2, 5.0},
                              {12.9, 5.0}, {13.3, 7.6}, {17.0, 7.4}, {17.5, 5.4}, {21.5, 5.2},
                              {22.5, 3.0}, {24, 2.6}};
    double h = mvg_sim_plant_site_hour(t);
    int dow = mvg_sim_plant_site_dow(t);
    double d = profile(wk, NK(wk), h);
    if (dow == 6)
        d = 2.6 + 0.6 * (d - 2.6);
    else if (dow == 0)
        d = 2.4;
    d += 0.5 * smooth(p, 1, t, 300.0) + 0.25 * smooth(p, 2, t, 45.0);
    return clamp(d, 2.0, 9.0);
}

static void comp_init(mvg_sim_plant *p)
{
    p->x[XC_P] = 7.0;
    p->x[XC_LOADED] = 1.0;
}

static void comp_eval(mvg_sim_plant *p, double t)
{
    double d = comp_demand(p, t);
    double bar = p->x[XC_P];
    double q, kw, pf;
    if (p->phase == MVG_SIM_BASELINE) {
        if (bar <= 6.5)
            p->x[XC_LOADED] = 1.0;
        else if (bar >= 7.5)
            p->x[XC_LOADED] = 0.0;
        int loaded = p->x[XC_LOADED] > 0.5;
        q = loaded ? 10.0 : 0.0;
        kw = loaded ? 55.0 * (1.0 + 0.03 * (bar - 7.0)) : 13.75;
        pf = loaded ? 0.87 : 0.42;
    } else {
        q = clamp(d + 6.0 * (7.0 - bar), 0.0, 10.0);
        kw = q > 0 ? 2.0 + 4.4 * q * (1.0 + 0.03 * (bar - 7.0)) : 1.0;
        pf = 0.95;
    }
    p->dx[XC_P] = (q - d) / 60.0 * 1.013 / 4.0;
    p->dx[XC_LOADED] = 0.0;

    double v = 400.0 + 2.0 * smooth(p, 3, t, 600.0) + 0.6 * white(p, 4, t);
    p->val[K_V] = v;
    p->val[K_KW] = kw;
    p->val[K_PF] = pf;
    p->val[K_I] = kw * 1000.0 / (sqrt(3.0) * v * pf);
    p->val[K_HZ] = 50.0 + 0.03 * smooth(p, 5, t, 60.0);
    p->val[K_KVAR] = kw * tan(acos(pf));
    p->rate[K_KWH] = kw / 3600.0;
    p->rate[K_KWH_HR] = kw / 3600.0;
    p->val[K_FLOW] = d;
    p->rate[K_VOL] = d / 60.0;
    p->val[K_BAR] = bar;
    p->val[K_TEMP] = 30.0 + 3.0 * sin(2.0 * M_PI * (mvg_sim_plant_site_hour(t) - 9.0) / 24.0) +
                     0.3 * smooth(p, 6, t, 900.0);
    p->show[0] = d;
    p->show[1] = q;
    p->show[2] = bar;
}

static const char *const comp_show[] = {"demand_m3min", "delivered_m3min", "pressure_bar"};

/* ---- chiller -------------------------------------------------------------
 * Cooling load (kW thermal) follows occupancy and outdoor temperature
 * (Hong Kong summer). Baseline: a 700 kW centrifugal chiller, COP 5.4 at
 * full load falling off at part load; retrofit: magnetic-bearing chiller,
 * COP 6.4 at full load and better at part load. Both lose about 3 % of COP
 * per kelvin of condenser water above 30 degC. */
static double chil_occupancy(double t)
{
    static const knot wk[] = {{0, 0.1}, {7.0, 0.1}, {8.0, 1.0}, {19.0, 1.0}, {20.0, 0.1}, {24, 0.1}};
    static const knot sat[] = {{0, 0.1}, {7.0, 0.1}, {8.0, 0.6}, {13.0, 0.6}, {14.0, 0.1}, {24, 0.1}};
    int dow = mvg_sim_plant_site_dow(t);
    double h = mvg_sim_plant_site_hour(t);
    if (dow == 0)
        return 0.1;
    return dow == 6 ? profile(sat, NK(sat), h) : profile(wk, NK(wk), h);
}

static void chil_eval(mvg_sim_plant *p, double t)
{
    double h = mvg_sim_plant_site_hour(t);
    double tout = 27.5 + 3.5 * sin(2.0 * M_PI * (h - 9.0) / 24.0) + 1.2 * smooth(p, 11, t, 10800.0) +
                  0.3 * smooth(p, 12, t, 1200.0);
    double load = 110.0 + 330.0 * chil_occupancy(t) + 16.0 * (tout - 24.0) +
                  20.0 * smooth(p, 13, t, 900.0);
    load = clamp(load, 60.0, 650.0);
    double plr = load / 700.0;
    double tcw = tout - 2.0 + 3.5 * plr;
    double cop;
    if (p->phase == MVG_SIM_BASELINE)
        cop = 5.4 * (1.0 - 0.45 * (1.0 - plr) * (1.0 - plr)) * (1.0 - 0.028 * (tcw - 30.0));
    else
        cop = 6.4 * (1.0 + 0.30 * (1.0 - plr)) * (1.0 - 0.030 * (tcw - 30.0));
    double kw = load / cop;
    double flow = 100.0 + 0.5 * smooth(p, 14, t, 120.0);
    double tsup = 7.0 + 0.15 * smooth(p, 15, t, 120.0);

    p->val[C_KW] = kw;
    p->rate[C_KWH] = kw / 3600.0;
    p->val[C_PF] = p->phase == MVG_SIM_BASELINE ? 0.88 : 0.97;
    p->val[C_FLOW] = flow;
    p->val[C_TSUP] = tsup;
    p->val[C_TRET] = tsup + load / (1.163 * flow);
    p->val[C_QKW] = load;
    p->rate[C_QKWH] = load / 3600.0;
    p->val[C_TCW] = tcw;
    p->val[C_TOUT] = tout;
    p->val[C_RH] = clamp(75.0 - 2.0 * (tout - 27.5) + 4.0 * smooth(p, 16, t, 3600.0), 30.0, 100.0);
    p->show[0] = load;
    p->show[1] = cop;
    p->show[2] = plr;
}

static const char *const chil_show[] = {"load_kw", "cop", "part_load"};

/* ---- boiler --------------------------------------------------------------
 * A 10 t/h gas-fired steam boiler (653 kW of heat per t/h of steam from
 * 105 degC feedwater to 10 bar saturated). Baseline burner: efficiency
 * 85.5 % at full load, O2 about 4.6 %, NOx 135-180 mg/Nm3. Retrofit low-NOx
 * burner with O2 trim: 88.5 %, O2 about 3 %, NOx 24-32 mg/Nm3. Natural gas
 * NCV 36 MJ/Nm3; flue gas about 10.5 Nm3 per Nm3 of gas at stoichiometry
 * (CH4 + 2 O2 + 7.52 N2 -> CO2 + 2 H2O + 7.52 N2), 8.5 of it dry, plus 9.5
 * Nm3 of air per unit of excess air. The analyser reports mg/Nm3 dry, so
 * the flow it reports is the dry one: a wet flow with dry concentrations
 * made the NOx mass about 17 % high (issue 14). */
static double boil_demand(mvg_sim_plant *p, double t)
{
    static const knot wk[] = {{0, 2.8},  {6.0, 2.8},  {7.0, 6.5}, {12.0, 7.0}, {13.0, 6.0},
                              {14.0, 7.0}, {22.0, 6.5}, {23.0, 3.0}, {24, 2.8}};
    static const knot sat[] = {{0, 2.8}, {7.0, 2.8}, {8.0, 5.0}, {17.0, 5.0}, {18.0, 2.8}, {24, 2.8}};
    double d = week_profile(t, wk, NK(wk), sat, NK(sat), 2.6);
    d += 0.35 * smooth(p, 21, t, 600.0) + 0.15 * smooth(p, 22, t, 60.0);
    return clamp(d, 1.5, 9.5);
}

static void boil_eval(mvg_sim_plant *p, double t)
{
    double steam = boil_demand(p, t);
    double lr = steam / 10.0;
    double heat = steam * 653.0;
    int base = p->phase == MVG_SIM_BASELINE;
    double eff = base ? 0.855 - 0.05 * (1.0 - lr) * (1.0 - lr) : 0.885 - 0.035 * (1.0 - lr) * (1.0 - lr);
    double gas = heat / eff * 3.6 / 36.0;
    double o2 = base ? 4.6 + 1.6 * (1.0 - lr) + 0.25 * smooth(p, 23, t, 180.0)
                     : 3.0 + 0.6 * (1.0 - lr) + 0.1 * smooth(p, 23, t, 180.0);
    double lambda = 21.0 / (21.0 - o2);
    double nox = base ? 135.0 + 45.0 * lr + 6.0 * smooth(p, 24, t, 300.0)
                      : 24.0 + 8.0 * lr + 1.5 * smooth(p, 24, t, 300.0);

    p->val[B_GAS] = gas;
    p->rate[B_GASTOT] = gas / 3600.0;
    p->val[B_O2] = o2;
    p->val[B_NOX] = nox;
    p->val[B_FLUE] = gas * (8.5 + 9.5 * (lambda - 1.0)); /* dry, like the concentrations */
    p->val[B_TFLUE] = base ? 175.0 + 45.0 * lr : 135.0 + 30.0 * lr;
    p->val[B_CO] = base ? 25.0 + 15.0 * (1.0 - lr) : 15.0 + 10.0 * (1.0 - lr);
    p->val[B_STEAM] = steam;
    p->rate[B_STEAMTOT] = steam / 3600.0;
    p->val[B_PRESS] = 9.8 + 0.25 * smooth(p, 25, t, 120.0) - 0.3 * (lr - 0.5);
    p->show[0] = heat;
    p->show[1] = eff;
    p->show[2] = lambda;
}

static const char *const boil_show[] = {"heat_kw", "efficiency", "excess_air_lambda"};

/* ---- wastewater ----------------------------------------------------------
 * A dyeing line uses 9 m3 of process water per tonne plus 4 m3/h of
 * cleaning; 90 % of it leaves as wastewater. Baseline: everything is fresh
 * intake and everything is discharged. Retrofit: membrane recycling returns
 * 30-50 % (about 40 %) of the wastewater to the process, cutting both intake
 * and discharge by that volume; the discharge gets more concentrated. */
static double ww_production(mvg_sim_plant *p, double t)
{
    static const knot wk[] = {{0, 1.5},  {7.5, 1.5},  {8.5, 5.0},  {12.0, 5.2}, {12.5, 3.5},
                              {13.5, 5.2}, {19.5, 5.0}, {20.5, 1.5}, {24, 1.5}};
    static const knot sat[] = {{0, 1.2}, {8.0, 1.2}, {9.0, 3.0}, {16.0, 3.0}, {17.0, 1.2}, {24, 1.2}};
    double v = week_profile(t, wk, NK(wk), sat, NK(sat), 0.8);
    v += 0.3 * smooth(p, 31, t, 900.0) + 0.1 * smooth(p, 32, t, 120.0);
    return clamp(v, 0.3, 8.0);
}

static void ww_eval(mvg_sim_plant *p, double t)
{
    double prod = ww_production(p, t);
    double use = clamp(9.0 * prod + 4.0 + 1.0 * smooth(p, 33, t, 600.0), 1.0, 140.0);
    double waste = 0.9 * use;
    double r = p->phase == MVG_SIM_BASELINE ? 0.0 : clamp(0.40 + 0.04 * smooth(p, 34, t, 1800.0), 0.30, 0.50);
    double rec = r * waste;

    p->val[W_PROD] = prod;
    p->rate[W_PRODTOT] = prod / 3600.0;
    p->val[W_IN] = use - rec;
    p->rate[W_INTOT] = (use - rec) / 3600.0;
    p->val[W_REC] = rec;
    p->rate[W_RECTOT] = rec / 3600.0;
    p->val[W_DIS] = waste - rec;
    p->rate[W_DISTOT] = (waste - rec) / 3600.0;
    p->val[W_PH] = 7.3 + 0.15 * smooth(p, 35, t, 1200.0);
    p->val[W_COD] = (r > 0 ? 260.0 : 180.0) + 25.0 * smooth(p, 36, t, 1200.0);
    p->show[0] = use;
    p->show[1] = r;
}

static const char *const ww_show[] = {"process_water_m3h", "recycle_fraction"};

/* ---- VOC treatment -------------------------------------------------------
 * Coating-line exhaust, 26,000 Nm3/h in production (two shifts on
 * weekdays, one on Saturday), 6,000 Nm3/h idle. Baseline: an activated
 * carbon bed, 92 % removal when fresh, degrading towards 47 % over its
 * 30-day change cycle (cycle aligned to the UTC epoch, offset by the seed).
 * Retrofit: zeolite rotor concentrator + RTO, removal about 97.5 %, at the
 * cost of more fan power for the extra pressure drop.
 * The truth for tests: both units are evaluated every step whatever the
 * phase, and their outlet masses are integrated (kg since the start), so
 * the known reduction over any span is the growth of old_outlet_kg minus
 * that of new_outlet_kg (shown in `status`, docs/simulator.md). */
static double voc_flow(mvg_sim_plant *p, double t)
{
    static const knot wk[] = {{0, 6000}, {7.0, 6000}, {8.0, 26000}, {23.0, 26000}, {23.5, 6000}, {24, 6000}};
    static const knot sat[] = {{0, 6000}, {7.5, 6000}, {8.0, 24000}, {17.0, 24000}, {17.5, 6000}, {24, 6000}};
    double v = week_profile(t, wk, NK(wk), sat, NK(sat), 6000.0);
    v += 1200.0 * smooth(p, 41, t, 600.0) * (v > 10000.0 ? 1.0 : 0.25);
    return clamp(v, 4000.0, 32000.0);
}

static void voc_eval(mvg_sim_plant *p, double t)
{
    double flow = voc_flow(p, t);
    double on = clamp((flow - 6000.0) / 20000.0, 0.0, 1.0);
    double cin = clamp(80.0 + 420.0 * on + 50.0 * smooth(p, 42, t, 300.0) + 15.0 * smooth(p, 43, t, 30.0),
                       20.0, 1500.0);
    double cycle = 30.0 * 86400.0;
    double offset = unit_open(splitmix64(p->seed ^ 0xC4B0)) * cycle;
    double age = fmod(fmod(t + offset, cycle) + cycle, cycle) / cycle; /* 0..1 of the cycle */
    double eff, kw, ttreat;
    double f3 = pow(flow / 30000.0, 3.0);
    double eff_old = clamp(0.92 - 0.45 * pow(age, 1.3) + 0.005 * smooth(p, 44, t, 600.0), 0.40, 0.95);
    double eff_new = clamp(0.975 + 0.006 * smooth(p, 44, t, 1200.0), 0.95, 0.992);
    p->dx[0] = cin * (1.0 - eff_old) * flow * 1e-6 / 3600.0; /* kg/s */
    p->dx[1] = cin * (1.0 - eff_new) * flow * 1e-6 / 3600.0;
    if (p->phase == MVG_SIM_BASELINE) {
        eff = eff_old;
        kw = 3.0 + 40.0 * f3;
        ttreat = 28.0 + 6.0 * on + 0.5 * smooth(p, 45, t, 600.0);
    } else {
        eff = eff_new;
        kw = 4.0 + 49.0 * f3;
        ttreat = 800.0 + 20.0 * on + 5.0 * smooth(p, 45, t, 600.0);
    }
    p->val[V_FLOW] = flow;
    p->val[V_FANKW] = kw;
    p->rate[V_FANKWH] = kw / 3600.0;
    p->val[V_CIN] = cin;
    p->val[V_COUT] = cin * (1.0 - eff);
    p->val[V_TTREAT] = ttreat;
    p->show[0] = eff;
    p->show[1] = age * 30.0;
    p->show[2] = p->x[0];
    p->show[3] = p->x[1];
}

static const char *const voc_show[] = {"removal_efficiency", "carbon_age_days", "old_outlet_kg",
                                       "new_outlet_kg"};

/* ---- the plant table ---------------------------------------------------- */

typedef struct {
    const char *name;
    const mvg_sim_device *devs;
    size_t ndevs;
    const mvg_sim_point *pts;
    size_t npts;
    void (*init)(mvg_sim_plant *p); /* NULL: nothing to set up */
    void (*eval)(mvg_sim_plant *p, double t);
    const char *const *show;
    size_t nshow;
} plant_def;

static const plant_def plants[MVG_SIM_NPLANTS] = {
    [MVG_SIM_COMPRESSOR] = {"compressor", comp_devs, NK(comp_devs), comp_pts, K_N, comp_init, comp_eval,
                            comp_show, NK(comp_show)},
    [MVG_SIM_CHILLER] = {"chiller", chil_devs, NK(chil_devs), chil_pts, C_N, NULL, chil_eval,
                         chil_show, NK(chil_show)},
    [MVG_SIM_BOILER] = {"boiler", boil_devs, NK(boil_devs), boil_pts, B_N, NULL, boil_eval,
                        boil_show, NK(boil_show)},
    [MVG_SIM_WASTEWATER] = {"wastewater", ww_devs, NK(ww_devs), ww_pts, W_N, NULL, ww_eval, ww_show,
                            NK(ww_show)},
    [MVG_SIM_VOC] = {"voc", voc_devs, NK(voc_devs), voc_pts, V_N, NULL, voc_eval, voc_show,
                     NK(voc_show)},
};

const char *mvg_sim_plant_kind_name(mvg_sim_plant_kind k)
{
    return (unsigned)k < MVG_SIM_NPLANTS ? plants[k].name : "?";
}

int mvg_sim_plant_kind_parse(const char *s, mvg_sim_plant_kind *out)
{
    for (int k = 0; k < MVG_SIM_NPLANTS; k++)
        if (strcmp(s, plants[k].name) == 0) {
            *out = (mvg_sim_plant_kind)k;
            return 0;
        }
    return -1;
}

const char *mvg_sim_phase_name(mvg_sim_phase ph)
{
    return ph == MVG_SIM_BASELINE ? "baseline" : "retrofit";
}

int mvg_sim_phase_parse(const char *s, mvg_sim_phase *out)
{
    if (strcmp(s, "baseline") == 0)
        *out = MVG_SIM_BASELINE;
    else if (strcmp(s, "retrofit") == 0)
        *out = MVG_SIM_RETROFIT;
    else
        return -1;
    return 0;
}

const mvg_sim_device *mvg_sim_plant_devices(mvg_sim_plant_kind k, size_t *n)
{
    *n = plants[k].ndevs;
    return plants[k].devs;
}

const mvg_sim_point *mvg_sim_plant_points(mvg_sim_plant_kind k, size_t *n)
{
    *n = plants[k].npts;
    return plants[k].pts;
}

mvg_sim_plant *mvg_sim_plant_new(mvg_sim_plant_kind k, mvg_sim_phase ph, uint64_t seed, double start_s)
{
    mvg_sim_plant *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->kind = k;
    p->phase = ph;
    p->seed = splitmix64(seed);
    p->pts = plants[k].pts;
    p->npts = plants[k].npts;
    p->tg = p->t = floor(start_s / MVG_SIM_STEP_S) * MVG_SIM_STEP_S;
    /* Meters are never new: counters start between 10,000 and 100,000 units,
     * the same for every counter of one meter (a fine and a coarse register
     * of one energy total must agree). */
    for (size_t i = 0; i < p->npts; i++)
        if (p->pts[i].kind == MVG_KIND_COUNTER)
            p->val[i] = floor(10000.0 + 90000.0 * unit_open(splitmix64(p->seed ^ (0xC0u + p->pts[i].unit))));
    if (plants[k].init)
        plants[k].init(p);
    plants[k].eval(p, p->tg);
    p->t = start_s > p->tg ? start_s : p->tg;
    return p;
}

void mvg_sim_plant_free(mvg_sim_plant *p)
{
    free(p);
}

mvg_sim_plant_kind mvg_sim_plant_kind_of(const mvg_sim_plant *p)
{
    return p->kind;
}

void mvg_sim_plant_set_phase(mvg_sim_plant *p, mvg_sim_phase ph)
{
    p->phase = ph;
}

mvg_sim_phase mvg_sim_plant_phase(const mvg_sim_plant *p)
{
    return p->phase;
}

static void integrate(mvg_sim_plant *p, double dt)
{
    for (size_t i = 0; i < p->npts; i++)
        if (p->pts[i].kind == MVG_KIND_COUNTER)
            p->val[i] += p->rate[i] * dt;
    for (size_t i = 0; i < MAXSTATE; i++)
        p->x[i] += p->dx[i] * dt;
}

void mvg_sim_plant_advance(mvg_sim_plant *p, double t_s)
{
    if (!(t_s > p->t))
        return;
    while (p->tg + MVG_SIM_STEP_S <= t_s) {
        integrate(p, MVG_SIM_STEP_S);
        p->tg += MVG_SIM_STEP_S;
        plants[p->kind].eval(p, p->tg);
    }
    p->t = t_s;
}

double mvg_sim_plant_time(const mvg_sim_plant *p)
{
    return p->t;
}

double mvg_sim_plant_value(const mvg_sim_plant *p, size_t i)
{
    if (i >= p->npts)
        return NAN;
    if (p->pts[i].kind == MVG_KIND_COUNTER)
        return p->val[i] + p->rate[i] * (p->t - p->tg);
    return p->val[i];
}

double mvg_sim_plant_rate(const mvg_sim_plant *p, size_t i)
{
    if (i >= p->npts || p->pts[i].kind != MVG_KIND_COUNTER)
        return 0.0;
    return p->rate[i];
}

size_t mvg_sim_plant_state(const mvg_sim_plant *p, const char **names, double *values, size_t max)
{
    const plant_def *d = &plants[p->kind];
    for (size_t i = 0; i < d->nshow && i < max; i++) {
        names[i] = d->show[i];
        values[i] = p->show[i];
    }
    return d->nshow;
}
