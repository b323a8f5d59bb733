/*
 * bench_engine_update.c: the per-interval cost of the M&V engine, the
 * figure behind "can a gateway run many projects": mvg_project_update on
 * one interval record in the reporting phase (adjusted baseline from the
 * frozen model, savings, running totals, FSU, conversions), per stream.
 * Target: < 5 us per stream. The project comes from a shipped template
 * (config/templates/boiler.conf: two streams, gas and NOx) through the
 * config loader and the runner, as the daemon builds it; ten days of
 * baseline records are fed first so that the model is fitted and frozen.
 * Usage: bench_engine_update [RECORDS=200000]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "config.h"
#include "diag.h"
#include "runner.h"

#define T0_MS 1735689600000LL /* the templates' baseline start */
#define IVL_MS (15 * 60000LL)

/* A plausible value for each channel of the boiler template at hour h. */
static double channel_value(const char *name, double h, int retrofit)
{
    double load = 0.55 + 0.3 * sin(2 * M_PI * h / 24.0);
    double steam = 2.0 * load * 0.25;                 /* t per interval */
    double gas = (12.0 * 0.25 + 75.0 * steam) * (retrofit ? 0.92 : 1.0);
    if (strstr(name, "steam_t"))
        return steam;
    if (strstr(name, "gas_nm3"))
        return gas;
    if (strstr(name, "nox"))
        return retrofit ? 60.0 : 150.0;
    if (strstr(name, "o2"))
        return 3.0;
    if (strstr(name, "flue"))
        return 11.0 * gas * 4.0; /* Nm3/h */
    return 1.0;
}

int main(int argc, char **argv)
{
    long records = argc > 1 ? atol(argv[1]) : 200000;
    char path[] = "/tmp/mvg-bench-update-XXXXXX";
    int fd = mkstemp(path);
    FILE *out = fdopen(fd, "w");
    fprintf(out,
            "gateway = { id = \"bench\"; site = \"bench\"; data_dir = \"/tmp\"; };\n"
            "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
            "devices = ( { name = \"boiler\"; bus = \"lan\"; points = (\n"
            "  { name = \"gas_nm3\"; area = \"holding\"; address = 0; type = \"float64\"; unit = \"Nm3\"; kind = \"counter\"; },\n"
            "  { name = \"steam_t\"; area = \"holding\"; address = 4; type = \"float64\"; unit = \"t\"; kind = \"counter\"; },\n"
            "  { name = \"nox_mgnm3\"; area = \"holding\"; address = 8; type = \"float64\"; unit = \"mg/Nm3\"; },\n"
            "  { name = \"o2_pct\"; area = \"holding\"; address = 12; type = \"float64\"; unit = \"%%\"; },\n"
            "  { name = \"flue_nm3h\"; area = \"holding\"; address = 16; type = \"float64\"; unit = \"Nm3/h\"; } ); } );\n");
    FILE *in = fopen(MVG_SOURCE_DIR "/config/templates/boiler.conf", "r");
    char buf[4096];
    size_t n;
    while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    fclose(out);
    mvg_diags *d = mvg_diags_new();
    mvg_config *cfg = mvg_config_load(path, NULL, d);
    unlink(path);
    if (!cfg) {
        mvg_diags_print(d, stderr);
        return 1;
    }
    char err[256];
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    mvg_project *prj = mvg_runner_project(r, 0);
    size_t nch = 0;
    const char *const *names = mvg_runner_channels(r, 0, &nch);
    mvg_interval_value *ch = calloc(nch, sizeof *ch);
    mvg_project_result res;
    size_t streams = mvg_project_stream_count(prj);
    double t_update = 0;
    long timed = 0;
    int64_t reporting = T0_MS + 11 * 86400000LL; /* the template's reporting start */
    int64_t t = T0_MS;
    for (long i = 0; timed < records; i++, t += IVL_MS) {
        double h = (double)(t - T0_MS) / 3600000.0;
        for (size_t k = 0; k < nch; k++)
            ch[k] = (mvg_interval_value){.value = channel_value(names[k], h, t >= reporting),
                                         .mean = channel_value(names[k], h, t >= reporting),
                                         .coverage = 1.0, .n_good = 15};
        mvg_interval_record rec = {t, t + IVL_MS, nch, ch, 0, 0};
        if (t < reporting + IVL_MS) { /* baseline, fit, installation: not timed */
            if (mvg_project_update(prj, &rec, &res, err, sizeof err) != 0) {
                fprintf(stderr, "update: %s\n", err);
                return 1;
            }
            continue;
        }
        double t0 = tu_now_s();
        int rc = mvg_project_update(prj, &rec, &res, err, sizeof err);
        t_update += tu_now_s() - t0;
        timed++;
        if (rc != 0 || res.phase != MVG_PHASE_REPORTING) {
            fprintf(stderr, "update: %s\n", rc ? err : "not in reporting");
            return 1;
        }
    }
    double us = t_update / (double)timed * 1e6;
    printf("per-interval engine update (mvg_project_update, reporting phase), boiler template, "
           "%zu streams, %ld records timed\n", streams, timed);
    printf("  %.3f us per record, %.3f us per stream (target < 5 us)\n", us, us / (double)streams);
    printf("  last record: gas savings %.1f %s cumulative (%.1f %%), NOx %.2f kg, FSU %.4f\n",
           res.streams[0].cum_savings, res.streams[0].unit, 100 * res.streams[0].savings_fraction,
           res.streams[1].cum_savings, res.streams[0].fsu);
    free(ch);
    mvg_runner_free(r);
    mvg_config_free(cfg);
    mvg_diags_free(d);
    return 0;
}
