/*
 * bench_engine_fit.c: time of baseline fits on a year of 15-min data
 * (35,040 rows), printed: linear with 1 and 5 x, 3PC, 4P, 5P and auto, and
 * the savings computation over the same rows, and the interval aggregation
 * rate (10 channels, 5 counters and 5 rates, 1-s samples for a day, 15-min
 * intervals, advance every minute). Synthetic data (a seasonal
 * temperature with daily swing, production with noise), deterministic.
 * Each fit runs through the linked LAPACKE (the CLI's) and through the one
 * mvgated loads at its first fit (lapack_dl.h), side by side, after the
 * load's own time. Then the change-point forms with a further x (hourly
 * temperature and a load, HOURLY rows, a year by default) through both
 * scorings of a search candidate, side by side: the prefix sums (the
 * default) and a QR of the full design per candidate (the reference,
 * mvg_model_criteria.cp_sse_by_qr), with the change points each found.
 * Usage: bench_engine_fit [ROWS [HOURLY]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "testutil.h"

#include "interval.h"
#include "lapack_dl.h"
#include "lapack_linked.h"
#include "lapack_switch.h"
#include "model.h"
#include "savings.h"

static int count_record(const mvg_interval_record *rec, void *user)
{
    (void)rec;
    (*(size_t *)user)++;
    return 0;
}

/* Samples per second through mvg_interval_push/advance. */
static void bench_interval(void)
{
    enum { NCH = 10, SECONDS = 86400 };
    mvg_interval_channel ch[NCH];
    char names[NCH][8];
    for (int c = 0; c < NCH; c++) {
        snprintf(names[c], sizeof names[c], "ch%d", c);
        ch[c].name = names[c];
        ch[c].kind = c < 5 ? MVG_INTERVAL_COUNTER : MVG_INTERVAL_RATE;
        ch[c].wrap_span = c < 5 ? 4294967296.0 : 0.0;
        ch[c].unit_s = 3600;
        ch[c].max_gap_ms = 60000;
    }
    char err[256];
    mvg_interval *agg = mvg_interval_new(15, ch, NCH, err, sizeof err);
    if (!agg) {
        printf("  interval aggregation: %s\n", err);
        return;
    }
    int64_t t0_ms = INT64_C(1709251200000);
    double counter[NCH] = {0};
    size_t records = 0;
    double t0 = tu_now_s();
    for (int sec = 0; sec < SECONDS; sec++) {
        int64_t ts = t0_ms + (int64_t)sec * 1000;
        for (int c = 0; c < NCH; c++) {
            counter[c] += 0.01 + 0.001 * c;
            mvg_sample smp = {.ts_ms = ts, .value = c < 5 ? counter[c] : 50.0 + 10 * sin(sec / 600.0 + c),
                              .quality = MVG_Q_GOOD};
            mvg_interval_push(agg, (size_t)c, &smp);
        }
        if (sec % 60 == 59)
            mvg_interval_advance(agg, ts - 2000, count_record, &records);
    }
    double dt = tu_now_s() - t0;
    printf("  interval aggregation: %d samples in %.1f ms (%.1f M samples/s), %zu records\n",
           NCH * SECONDS, 1e3 * dt, NCH * SECONDS / dt / 1e6, records);
    mvg_interval_free(agg);
}

static double noise(unsigned long *s)
{
    *s = (*s * 1103515245UL + 12345UL) & 0x7fffffffUL;
    return 2.0 * (double)*s / 2147483647.0 - 1.0;
}

/* 3pc, 5p and auto on HOURLY rows of temperature and a load, each through
 * the prefix sums and through a QR per candidate, the linked LAPACKE. */
static void bench_extra_x(size_t n)
{
    double *y = malloc(n * sizeof *y), *t = malloc(n * sizeof *t), *l = malloc(n * sizeof *l);
    if (!y || !t || !l) {
        printf("  further x: out of memory\n");
        goto done;
    }
    unsigned long s = 7;
    for (size_t i = 0; i < n; i++) {
        double day = (double)i / 24.0;
        t[i] = 22 + 9 * sin(2 * M_PI * (day - 100) / 365) + 4 * sin(2 * M_PI * day) +
               2 * noise(&s);
        l[i] = 60 + 30 * sin(2 * M_PI * (double)(i % 24) / 24.0) + 15 * noise(&s);
        y[i] = 300 + 4 * fmax(12 - t[i], 0) + 9 * fmax(t[i] - 24, 0) + 0.8 * l[i] +
               10 * noise(&s);
    }
    const double *xs[2] = {t, l};
    static const struct {
        const char *name;
        mvg_model_type t;
    } runs[] = {{"3pc", MVG_MODEL_3PC}, {"5p", MVG_MODEL_5P}, {"auto", MVG_MODEL_AUTO}};
    printf("change-point forms with a further x on %zu hourly rows (temperature, load): "
           "prefix sums | QR per candidate\n", n);
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        mvg_model m[2];
        double dt[2];
        char err[512];
        int rc = 0;
        for (int k = 0; k < 2 && rc == 0; k++) {
            mvg_model_criteria c;
            mvg_model_criteria_default(&c);
            c.cp_sse_by_qr = k;
            double t0 = tu_now_s();
            rc = runs[r].t == MVG_MODEL_AUTO
                     ? mvg_model_fit_auto(y, xs, 2, n, 1.0, &c, &m[k], NULL, NULL, err, sizeof err)
                     : mvg_model_fit(runs[r].t, y, xs, 2, n, 1.0, &c, &m[k], err, sizeof err);
            dt[k] = tu_now_s() - t0;
        }
        if (rc != 0) {
            printf("  %-5s failed: %s\n", runs[r].name, err);
            continue;
        }
        double dc = 0;
        for (size_t c = 0; c < m[0].ncp; c++)
            dc = fmax(dc, fabs(m[0].cp[c] - m[1].cp[c]));
        printf("  %-5s %8.1f ms | %8.1f ms   (chosen %s | %s", runs[r].name, 1e3 * dt[0],
               1e3 * dt[1], mvg_model_type_name(m[0].type), mvg_model_type_name(m[1].type));
        for (size_t c = 0; c < m[0].ncp; c++)
            printf(", c%zu %.6f | %.6f", c + 1, m[0].cp[c], m[1].cp[c]);
        printf(", max |dc| %.1e, SSE %.10g | %.10g)\n", dc, m[0].sse, m[1].sse);
    }
done:
    free(y);
    free(t);
    free(l);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 35040;
    if (n < 100) {
        fprintf(stderr, "bench_engine_fit: ROWS must be >= 100\n");
        return 2;
    }
    double *y = malloc(n * sizeof *y), *x[5];
    for (int j = 0; j < 5; j++)
        x[j] = malloc(n * sizeof *x[j]);
    unsigned long s = 42;
    for (size_t i = 0; i < n; i++) {
        double day = (double)i / 96.0;
        double t = 22 + 9 * sin(2 * M_PI * (day - 100) / 365) + 4 * sin(2 * M_PI * day) +
                   2 * noise(&s);
        x[0][i] = t;
        for (int j = 1; j < 5; j++)
            x[j][i] = 50 + 10 * j + 20 * noise(&s);
        y[i] = 300 + 4 * fmax(12 - t, 0) + 9 * fmax(t - 24, 0) + 0.8 * x[1][i] + 0.3 * x[2][i] +
               10 * noise(&s);
    }
    const double *xs[5] = {x[0], x[1], x[2], x[3], x[4]};
    struct {
        const char *name;
        mvg_model_type t;
        size_t nx;
    } runs[] = {{"linear 1 x", MVG_MODEL_LINEAR, 1}, {"linear 5 x", MVG_MODEL_LINEAR, 5},
                {"3pc", MVG_MODEL_3PC, 1},           {"4p", MVG_MODEL_4P, 1},
                {"5p", MVG_MODEL_5P, 1},             {"auto", MVG_MODEL_AUTO, 1}};
    char err[512];
    double tl = tu_now_s();
    const mvg_lapack *tables[2] = {mvg_lapack_linked(),
                                   mvg_lapack_dl_get(MVG_LAPACK_DL_SONAME, err, sizeof err)};
    tl = tu_now_s() - tl;
    if (!tables[1]) {
        fprintf(stderr, "bench_engine_fit: %s\n", err);
        return 1;
    }
    printf("LAPACKE loaded (dlopen + 4 dlsym, the library already mapped by the linked one) in "
           "%.3f ms\n",
           1e3 * tl);
    printf("baseline fits on %zu rows: linked LAPACKE | loaded at the first fit (mvgated)\n", n);
    mvg_model m;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        int reps = runs[r].t == MVG_MODEL_LINEAR ? 10 : 1;
        double dt[2];
        int rc = 0;
        for (int k = 0; k < 2 && rc == 0; k++) {
            tu_lapack_use(tables[k], NULL);
            double t0 = tu_now_s();
            for (int i = 0; i < reps && rc == 0; i++)
                rc = runs[r].t == MVG_MODEL_AUTO
                         ? mvg_model_fit_auto(y, xs, runs[r].nx, n, 1.0, NULL, &m, NULL, NULL,
                                              err, sizeof err)
                         : mvg_model_fit(runs[r].t, y, xs, runs[r].nx, n, 1.0, NULL, &m, err,
                                         sizeof err);
            dt[k] = (tu_now_s() - t0) / reps;
        }
        if (rc != 0) {
            printf("  %-11s failed: %s\n", runs[r].name, err);
            continue;
        }
        printf("  %-11s %8.1f ms | %8.1f ms   (chosen %s, adj R2 %.4f, CV(RMSE) %.2f %%",
               runs[r].name, 1e3 * dt[0], 1e3 * dt[1], mvg_model_type_name(m.type), m.adj_r2,
               100 * m.cv_rmse);
        for (size_t c = 0; c < m.ncp; c++)
            printf(", c%zu %.2f", c + 1, m.cp[c]);
        printf(")\n");
    }
    mvg_savings sv;
    double t0 = tu_now_s();
    for (int k = 0; k < 20; k++)
        mvg_savings_compute(&m, y, xs, m.nx, n, 0.90, &sv, err, sizeof err);
    double dt = (tu_now_s() - t0) / 20;
    printf("  savings over %zu rows: %.2f ms (%.1f M rows/s)\n", n, 1e3 * dt, n / dt / 1e6);
    bench_interval();
    tu_lapack_use(tables[0], NULL);
    bench_extra_x(argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 8760);
    free(y);
    for (int j = 0; j < 5; j++)
        free(x[j]);
    return 0;
}
