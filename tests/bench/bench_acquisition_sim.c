/*
 * bench_acquisition_sim.c: acquisition throughput through mvgate's whole
 * polling path (plan -> transport -> decode -> quality, mvg_acquire_poll)
 * against a real mvgate-sim process on loopback, side by side in the same
 * run with a bare libmodbus loop doing exactly the same reads and nothing
 * else. The target is a ratio >= 0.95: our layers must cost next to
 * nothing beside the round trips.
 *
 * The simulator runs in bulk mode: DEVICES unit ids with POINTS float32
 * points each (2*POINTS holding registers). Both loops poll every device
 * in turn as fast as they can for SECONDS.
 *
 * Usage: bench_acquisition_sim [SECONDS=3] [DEVICES=10] [POINTS=100]
 * The simulator is $MVG_BIN/mvgate-sim (default: bin/ next to this
 * program's directory, i.e. the build tree).
 */
#include <errno.h>
#include <modbus.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "acquire.h"
#include "clock.h"
#include "plan.h"
#include "transport.h"

/* Starts mvgate-sim in bulk mode; returns its pid and TCP port. */
static pid_t start_sim(const char *self, int devices, int points, int *port)
{
    char bin[1024];
    const char *dir = getenv("MVG_BIN");
    if (dir)
        snprintf(bin, sizeof bin, "%s/mvgate-sim", dir);
    else {
        snprintf(bin, sizeof bin, "%s", self);
        char *slash = strrchr(bin, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(bin, sizeof bin, ".");
        strncat(bin, "/../bin/mvgate-sim", sizeof bin - strlen(bin) - 1);
    }
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char nd[16], np[16];
        snprintf(nd, sizeof nd, "%d", devices);
        snprintf(np, sizeof np, "%d", points);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        execl(bin, "mvgate-sim", "--bulk-devices", nd, "--bulk-points", np, "--port", "0",
              "--control-port", "0", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256] = "";
    if (!f || !fgets(line, sizeof line, f) || sscanf(line, "ready tcp=%d", port) != 1) {
        fprintf(stderr, "mvgate-sim did not start (%s)\n", line);
        kill(pid, SIGTERM);
        return -1;
    }
    /* keep the pipe open: the simulator may write more */
    return pid;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    int devices = argc > 2 ? atoi(argv[2]) : 10;
    int points = argc > 3 ? atoi(argv[3]) : 100;
    if (seconds <= 0 || devices < 1 || devices > 247 || points < 1 || points > 1000) {
        fprintf(stderr, "usage: bench_acquisition_sim [SECONDS] [DEVICES<=247] [POINTS<=1000]\n");
        return 2;
    }
    int port = 0;
    pid_t sim = start_sim(argv[0], devices, points, &port);
    if (sim < 0)
        return 1;

    mvg_bus_cfg bus = {.type = MVG_BUS_TCP, .port = port, .timeout_ms = 1000, .retries = 0};
    snprintf(bus.name, sizeof bus.name, "sim");
    snprintf(bus.host, sizeof bus.host, "127.0.0.1");
    mvg_point_cfg *pts = calloc((size_t)points, sizeof *pts);
    mvg_device_cfg *devs = calloc((size_t)devices, sizeof *devs);
    mvg_acquire **acq = calloc((size_t)devices, sizeof *acq);
    mvg_sample *samples = calloc((size_t)points, sizeof *samples);
    char err[256];
    char (*names)[12] = calloc((size_t)points, sizeof *names); /* a point points at its name */
    for (int k = 0; k < points && names; k++) {
        snprintf(names[k], sizeof names[k], "p%d", k);
        pts[k].name = names[k];
        pts[k].unit = "";
        pts[k].area = MVG_AREA_HOLDING;
        pts[k].address = 2u * (unsigned)k;
        pts[k].type = MVG_TYPE_FLOAT32;
        pts[k].order = MVG_ORDER_ABCD;
        pts[k].scale = 1.0;
    }
    for (int d = 0; d < devices; d++) {
        snprintf(devs[d].name, sizeof devs[d].name, "d%d", d + 1);
        devs[d].unit_id = d + 1;
        devs[d].interval_ms = 1000;
        devs[d].max_gap = 8;
        devs[d].points = pts;
        devs[d].npoints = (size_t)points;
        acq[d] = mvg_acquire_new(&devs[d], err, sizeof err);
        if (!acq[d]) {
            fprintf(stderr, "acquire: %s\n", err);
            return 1;
        }
    }
    /* the requests the planner makes: the bare loop sends the same ones */
    mvg_plan plan;
    if (mvg_plan_build(pts, (size_t)points, 8, &plan, err, sizeof err) != 0) {
        fprintf(stderr, "plan: %s\n", err);
        return 1;
    }
    mvg_timebase tb;
    mvg_timebase_init(&tb, 1.0, 0);

    /* Many short rounds, in pairs: each pair runs both loops for a slice
     * each (mvgate first in even pairs, bare first in odd ones), and its
     * ratio compares two runs a few milliseconds apart, so a busy moment of
     * the machine spoils a pair, not the figure. The median of the pairs'
     * ratios is the figure; their spread (10th to 90th percentile) says how
     * far one run can be trusted. */
    enum { PAIRS = 200 };
    mvg_transport *t = mvg_transport_new(&bus, err, sizeof err);
    mvg_acquire_opts opts = {.retries = 0, .backoff_ms = 0};
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
    uint16_t regs[MVG_PLAN_MAX_REGS];
    if (!t || !ctx || modbus_connect(ctx) != 0) {
        fprintf(stderr, "connect failed\n");
        return 1;
    }
    modbus_set_response_timeout(ctx, 1, 0);
    long polls_m = 0, polls_b = 0, bad = 0;
    double time_m = 0, time_b = 0, slice = seconds / (2.0 * PAIRS);
    static double ratio[PAIRS];
    for (int pair = 0; pair < PAIRS; pair++) {
        double rate[2] = {0, 0}; /* [0] mvgate, [1] bare */
        for (int half = 0; half < 2; half++) {
            int bare = (pair + half) % 2;
            long polls = 0;
            double t0 = tu_now_s(), t1;
            do {
                for (int d = 0; d < devices; d++) {
                    if (!bare) { /* mvgate: the whole path */
                        mvg_acquire_result res;
                        mvg_acquire_poll(acq[d], t, &opts, &tb, samples, &res);
                        bad += res.failed > 0;
                    } else { /* bare libmodbus: the same requests, nothing else */
                        modbus_set_slave(ctx, d + 1);
                        for (size_t r = 0; r < plan.nreqs; r++)
                            if (modbus_read_registers(ctx, (int)plan.reqs[r].start,
                                                      (int)plan.reqs[r].count, regs) < 0)
                                bad++;
                    }
                    polls++;
                }
                t1 = tu_now_s();
            } while (t1 - t0 < slice);
            rate[bare] = polls / (t1 - t0);
            if (bare) {
                polls_b += polls;
                time_b += t1 - t0;
            } else {
                polls_m += polls;
                time_m += t1 - t0;
            }
        }
        ratio[pair] = rate[0] / rate[1];
    }
    double rate_m = polls_m / time_m, rate_b = polls_b / time_b;
    mvg_transport_free(t);
    modbus_close(ctx);
    modbus_free(ctx);
    qsort(ratio, PAIRS, sizeof ratio[0], cmp_double);

    size_t regs_per_poll = 0;
    for (size_t r = 0; r < plan.nreqs; r++)
        regs_per_poll += plan.reqs[r].count;
    printf("acquisition against mvgate-sim on loopback: %d devices x %d float32 points, %zu "
           "requests per device poll, %.1f s in %d pairs of alternating rounds\n",
           devices, points, plan.nreqs, seconds, PAIRS);
    printf("  %-34s %12s %14s %14s\n", "", "polls/s", "registers/s", "points/s");
    printf("  %-34s %12.0f %14.0f %14.0f\n", "mvgate (plan, transport, decode)", rate_m,
           rate_m * (double)regs_per_poll, rate_m * points);
    printf("  %-34s %12.0f %14.0f %14s\n", "bare libmodbus, same requests", rate_b,
           rate_b * (double)regs_per_poll, "-");
    printf("  ratio mvgate / bare per pair of rounds: median %.3f, 10th-90th percentile %.3f-%.3f,"
           " min %.3f, max %.3f\n",
           ratio[PAIRS / 2], ratio[PAIRS / 10], ratio[PAIRS - 1 - PAIRS / 10], ratio[0],
           ratio[PAIRS - 1]);
    printf("  ratio of the totals: %.3f   (failed polls or requests: %ld)\n", rate_m / rate_b, bad);

    mvg_plan_free(&plan);
    for (int d = 0; d < devices; d++)
        mvg_acquire_free(acq[d]);
    free(acq);
    free(devs);
    free(pts);
    free(names);
    free(samples);
    kill(sim, SIGTERM);
    waitpid(sim, NULL, 0);
    return 0;
}
