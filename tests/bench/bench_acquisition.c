/*
 * bench_acquisition.c: how much the read planner buys. A 100-point device
 * (float32 power readings, uint32 energy counters, int16 temperatures,
 * coils for run status, with small gaps between blocks as real register
 * maps have) is polled through the real path (mvg_acquire_poll ->
 * mvg_transport_read -> decode) against an in-process libmodbus TCP server
 * on 127.0.0.1, once with the planner's requests and once with one request
 * per point (100 one-point devices). Then decode throughput alone
 * (mvg_point_decode over mixed types and orders). Prints figures only.
 * Usage: bench_acquisition [SECONDS per measurement, default 2]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modbus_test_server.h"
#include "testutil.h"

#include "acquire.h"
#include "clock.h"
#include "codec.h"
#include "point.h"
#include "transport.h"

#define NPOINTS 100

static void make_points(mvg_point_cfg *p)
{
    memset(p, 0, NPOINTS * sizeof *p);
    size_t k = 0;
    /* 40 float32 at holding 0.., a 4-register hole after every 10. */
    for (unsigned i = 0; i < 40; i++, k++) {
        p[k].area = MVG_AREA_HOLDING;
        p[k].type = MVG_TYPE_FLOAT32;
        p[k].order = (i % 2) ? MVG_ORDER_CDAB : MVG_ORDER_ABCD;
        p[k].address = i * 2 + (i / 10) * 4;
    }
    /* 30 uint32 counters at input 0.. */
    for (unsigned i = 0; i < 30; i++, k++) {
        p[k].area = MVG_AREA_INPUT;
        p[k].type = MVG_TYPE_UINT32;
        p[k].order = MVG_ORDER_ABCD;
        p[k].kind = MVG_KIND_COUNTER;
        p[k].address = i * 2;
    }
    /* 20 int16 temperatures at holding 120.. (0.1 degC) */
    for (unsigned i = 0; i < 20; i++, k++) {
        p[k].area = MVG_AREA_HOLDING;
        p[k].type = MVG_TYPE_INT16;
        p[k].order = MVG_ORDER_AB;
        p[k].scale = 0.1;
        p[k].address = 120 + i;
    }
    /* 10 run-status coils, every other one. */
    for (unsigned i = 0; i < 10; i++, k++) {
        p[k].area = MVG_AREA_COIL;
        p[k].type = MVG_TYPE_BOOL;
        p[k].address = i * 2;
    }
    static char names[NPOINTS][8]; /* a point holds a pointer to its name */
    for (size_t i = 0; i < NPOINTS; i++) {
        snprintf(names[i], sizeof names[i], "p%zu", i);
        p[i].name = names[i];
        p[i].unit = "";
        if (p[i].scale == 0.0)
            p[i].scale = 1.0;
    }
}

static mvg_device_cfg device(mvg_point_cfg *points, size_t n)
{
    mvg_device_cfg d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "meter");
    d.unit_id = 1;
    d.interval_ms = 1000;
    d.max_gap = 8;
    d.points = points;
    d.npoints = n;
    return d;
}

/* Polls the devices round-robin for secs; prints one line. */
static int run(const char *label, mvg_acquire **acq, const mvg_device_cfg *devs, size_t ndev,
               mvg_transport *t, double secs)
{
    mvg_timebase tb;
    mvg_timebase_init(&tb, 1.0, 0);
    mvg_acquire_opts opts = {.retries = 0};
    mvg_sample samples[NPOINTS];
    size_t polls = 0, requests = 0, points = 0, bad = 0;
    double t0 = tu_now_s(), t1;
    do {
        for (size_t d = 0; d < ndev; d++) {
            mvg_acquire_result res;
            mvg_acquire_poll(acq[d], t, &opts, &tb, samples, &res);
            requests += res.requests;
            bad += res.failed;
            for (size_t i = 0; i < devs[d].npoints; i++)
                bad += samples[i].quality != MVG_Q_GOOD;
            points += devs[d].npoints;
        }
        polls++;
        t1 = tu_now_s();
    } while (t1 - t0 < secs);
    double el = t1 - t0;
    printf("%-22s %10zu %12.0f %12.0f %12.0f %8.3f%s\n", label, requests / polls, polls / el,
           requests / el, points / el, 1000.0 * el / (double)polls,
           bad ? "  (errors!)" : "");
    return bad ? -1 : 0;
}

static void bench_decode(double secs)
{
    static const struct {
        mvg_type type;
        mvg_order order;
    } kinds[] = {
        {MVG_TYPE_UINT16, MVG_ORDER_AB},        {MVG_TYPE_INT16, MVG_ORDER_BA},
        {MVG_TYPE_INT32, MVG_ORDER_CDAB},       {MVG_TYPE_UINT32, MVG_ORDER_ABCD},
        {MVG_TYPE_FLOAT32, MVG_ORDER_ABCD},     {MVG_TYPE_FLOAT32, MVG_ORDER_DCBA},
        {MVG_TYPE_UINT64, MVG_ORDER_GHEFCDAB},  {MVG_TYPE_FLOAT64, MVG_ORDER_ABCDEFGH},
    };
    enum { N = 8 };
    mvg_point_cfg p[N];
    uint16_t regs[N][4];
    for (int i = 0; i < N; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].area = MVG_AREA_HOLDING;
        p[i].type = kinds[i].type;
        p[i].order = kinds[i].order;
        p[i].scale = 0.01;
        p[i].has_max = 1;
        p[i].max = 1e9;
        mvg_codec_encode(p[i].type, p[i].order, 1234.0 + i, regs[i]);
    }
    double sum = 0.0;
    size_t n = 0;
    double t0 = tu_now_s(), t1;
    do {
        for (int rep = 0; rep < 10000; rep++) {
            for (int i = 0; i < N; i++) {
                double raw, value;
                mvg_quality q;
                mvg_point_decode(&p[i], regs[i], NULL, &raw, &value, &q);
                sum += value;
            }
        }
        n += 10000 * N;
        t1 = tu_now_s();
    } while (t1 - t0 < secs);
    /* sum keeps the compiler from dropping the loop. */
    printf("decode (mvg_point_decode, 8 types/orders, scale + range check): %.1f M points/s "
           "(checksum %.0f)\n",
           (double)n / (t1 - t0) / 1e6, fmod(sum, 1e6));
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    if (secs <= 0)
        secs = 2.0;
    mts_mb srv;
    if (mts_mb_start(&srv, 0, 0) != 0) {
        fprintf(stderr, "bench_acquisition: cannot start the test server\n");
        return 1;
    }
    mvg_bus_cfg bus;
    memset(&bus, 0, sizeof bus);
    snprintf(bus.name, sizeof bus.name, "bench");
    bus.type = MVG_BUS_TCP;
    snprintf(bus.host, sizeof bus.host, "127.0.0.1");
    bus.port = srv.port;
    bus.timeout_ms = 1000;
    char err[256];
    mvg_transport *t = mvg_transport_new(&bus, err, sizeof err);
    if (!t) {
        fprintf(stderr, "bench_acquisition: %s\n", err);
        return 1;
    }

    static mvg_point_cfg points[NPOINTS];
    make_points(points);
    mvg_device_cfg planned = device(points, NPOINTS);
    mvg_device_cfg single[NPOINTS];
    mvg_acquire *acq_planned = mvg_acquire_new(&planned, err, sizeof err);
    mvg_acquire *acq_single[NPOINTS] = {0};
    for (size_t i = 0; i < NPOINTS; i++) {
        single[i] = device(&points[i], 1);
        acq_single[i] = mvg_acquire_new(&single[i], err, sizeof err);
        if (!acq_single[i])
            break;
    }
    if (!acq_planned || !acq_single[NPOINTS - 1]) {
        fprintf(stderr, "bench_acquisition: %s\n", err);
        return 1;
    }

    printf("acquisition of a %d-point device, libmodbus TCP server thread on 127.0.0.1, "
           "%.1f s per row\n",
           NPOINTS, secs);
    printf("%-22s %10s %12s %12s %12s %8s\n", "mode", "req/poll", "polls/s", "requests/s",
           "points/s", "ms/poll");
    int rc = run("planned (max_gap 8)", &acq_planned, &planned, 1, t, secs);
    rc |= run("one request per point", acq_single, single, NPOINTS, t, secs);
    bench_decode(secs);

    mvg_acquire_free(acq_planned);
    for (size_t i = 0; i < NPOINTS; i++)
        mvg_acquire_free(acq_single[i]);
    mvg_transport_free(t);
    mts_mb_stop(&srv);
    return rc ? 1 : 0;
}
