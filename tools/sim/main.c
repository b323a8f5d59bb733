/*
 * mvgate-sim: a Modbus meter simulator of plants before and after a
 * cleaner-production retrofit, for demos, integration tests and benchmarks.
 * main.c parses the command line, wires the plant, register image, Modbus
 * server and control port together, and runs the one select() loop.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "sim_control.h"
#include "sim_export.h"
#include "sim_plant.h"
#include "sim_regs.h"
#include "sim_server.h"
#include "timefmt.h"

#define IDLE_REFRESH_S 0.1 /* real seconds between plant updates when nobody asks */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct {
    mvg_sim_plant *plant; /* NULL in bulk mode */
    mvg_sim_regs *regs;
    mvg_sim_faults faults;
    double start_s;       /* plant clock at mono0 */
    double mono0;
    double scale;
    int bulk_points;
} sim;

static double mono_now(void) { return (double)mvg_clock_mono_ns() / 1e9; }

static double plant_clock(const sim *s)
{
    return s->start_s + (mono_now() - s->mono0) * s->scale;
}

/* Bulk mode value: slow sine around a level that names unit and point, so a
 * reader can tell registers apart. */
static double bulk_value(int unit, size_t j, size_t m, double t)
{
    return 100.0 * unit + (double)j + 10.0 * sin(2.0 * M_PI * (t / 600.0 + (double)j / (double)m));
}

static void refresh_unit(void *user, int unit)
{
    sim *s = user;
    double t = plant_clock(s);
    size_t first, count;
    if (s->plant) {
        /* Plant values are coupled across meters: bring all of them up to date. */
        mvg_sim_plant_advance(s->plant, t);
        size_t n = mvg_sim_regs_npoints(s->regs);
        for (size_t i = 0; i < n; i++)
            mvg_sim_regs_store(s->regs, i, mvg_sim_plant_value(s->plant, i));
    } else if (mvg_sim_regs_unit_points(s->regs, unit, &first, &count)) {
        for (size_t j = 0; j < count; j++)
            mvg_sim_regs_store(s->regs, first + j, bulk_value(unit, j, count, t));
    }
}

static int on_control(void *user, const char *line, char *reply, size_t len)
{
    sim *s = user;
    if (s->plant)
        refresh_unit(s, 0);
    mvg_sim_control_env env = {s->plant, s->regs, &s->faults, plant_clock(s), s->scale};
    return mvg_sim_control_exec(&env, line, reply, len);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate-sim --plant compressor|chiller|boiler|wastewater|voc [options]\n"
            "       mvgate-sim --bulk-devices N --bulk-points M [options]\n"
            "       mvgate-sim --plant NAME --print-config [--port N] | --print-map\n"
            "\n"
            "Simulates the Modbus meters of a plant before (baseline) or after (retrofit)\n"
            "a cleaner-production retrofit. Prints one line `ready tcp=P control=C rtu=PATH|-`\n"
            "when it serves, then runs until SIGTERM or SIGINT.\n"
            "\n"
            "  --plant NAME          compressor, chiller, boiler, wastewater or voc\n"
            "  --phase PHASE         baseline (default) or retrofit\n"
            "  --host ADDR           TCP address to listen on (default 127.0.0.1)\n"
            "  --port N              Modbus TCP port (default 5020; 0 = any free port)\n"
            "  --rtu PATH            also serve RTU on a pseudo-terminal linked at PATH\n"
            "  --rtu-tcp-port N      also serve RTU framing over TCP on port N (0 = any free\n"
            "                        port; the ready line then ends with rtutcp=PORT)\n"
            "  --control-port N      control port on 127.0.0.1 (default 0 = any free port)\n"
            "  --time-scale K        plant clock runs K times real time (default 1)\n"
            "  --seed S              seed of demand and noise (default 1)\n"
            "  --start ISO8601       plant clock at start, e.g. 2026-03-02T08:00:00Z (default now)\n"
            "  --bulk-devices N      bulk mode: units 1..N ...\n"
            "  --bulk-points M       ... each with M float32 ABCD holding registers from 0\n"
            "  --print-config        print an mvgate config for the plant and exit\n"
            "  --print-map           print the plant's register map (Markdown) and exit\n"
            "  --help                this text\n"
            "\n"
            "Control port: one command per line, reply `ok`, `error: ...` or JSON:\n"
            "  phase baseline|retrofit | fault drop [UNIT] | fault delay MS [UNIT] |\n"
            "  fault exception CODE [UNIT] | fault nan|rollover|reset UNIT ADDRESS | clear | status\n");
}

static int parse_long_arg(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "mvgate-sim: %s '%s' must be an integer in %ld..%ld\n", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct {
    const char *plant;
    const char *phase;
    const char *host;
    const char *rtu;
    long port, control_port, rtu_tcp_port, bulk_devices, bulk_points;
    double scale;
    unsigned long long seed;
    int have_start;
    double start;
    int print_config, print_map;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_PLANT = 256, O_PHASE, O_HOST, O_PORT, O_RTU, O_RTUTCP, O_CTL, O_SCALE, O_SEED, O_START, O_BD,
           O_BP, O_PCONF, O_PMAP, O_HELP };
    static const struct option longopts[] = {
        {"plant", required_argument, NULL, O_PLANT},      {"phase", required_argument, NULL, O_PHASE},
        {"host", required_argument, NULL, O_HOST},        {"port", required_argument, NULL, O_PORT},
        {"rtu", required_argument, NULL, O_RTU},          {"control-port", required_argument, NULL, O_CTL},
        {"rtu-tcp-port", required_argument, NULL, O_RTUTCP},
        {"time-scale", required_argument, NULL, O_SCALE}, {"seed", required_argument, NULL, O_SEED},
        {"start", required_argument, NULL, O_START},      {"bulk-devices", required_argument, NULL, O_BD},
        {"bulk-points", required_argument, NULL, O_BP},   {"print-config", no_argument, NULL, O_PCONF},
        {"print-map", no_argument, NULL, O_PMAP},         {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0}};
    *o = (options){.phase = "baseline", .host = "127.0.0.1", .port = 5020, .rtu_tcp_port = -1, .scale = 1.0,
                   .seed = 1};
    int c;
    char *end;
    int64_t start_ms;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_PLANT: o->plant = optarg; break;
        case O_PHASE: o->phase = optarg; break;
        case O_HOST: o->host = optarg; break;
        case O_RTU: o->rtu = optarg; break;
        case O_PORT:
            if (parse_long_arg("--port", optarg, 0, 65535, &o->port))
                return -1;
            break;
        case O_RTUTCP:
            if (parse_long_arg("--rtu-tcp-port", optarg, 0, 65535, &o->rtu_tcp_port))
                return -1;
            break;
        case O_CTL:
            if (parse_long_arg("--control-port", optarg, 0, 65535, &o->control_port))
                return -1;
            break;
        case O_BD:
            if (parse_long_arg("--bulk-devices", optarg, 1, 247, &o->bulk_devices))
                return -1;
            break;
        case O_BP:
            if (parse_long_arg("--bulk-points", optarg, 1, 32768, &o->bulk_points))
                return -1;
            break;
        case O_SCALE:
            errno = 0;
            o->scale = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(o->scale > 0) || o->scale > 1e6) {
                fprintf(stderr, "mvgate-sim: --time-scale '%s' must be a number in (0, 1e6]\n", optarg);
                return -1;
            }
            break;
        case O_SEED:
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "mvgate-sim: --seed '%s' must be a non-negative integer\n", optarg);
                return -1;
            }
            break;
        case O_START:
            if (mvg_timefmt_parse(optarg, &start_ms) != 0) {
                fprintf(stderr, "mvgate-sim: --start '%s' is not ISO 8601 (e.g. 2026-03-02T08:00:00Z)\n",
                        optarg);
                return -1;
            }
            o->start = (double)start_ms / 1000.0;
            o->have_start = 1;
            break;
        case O_PCONF: o->print_config = 1; break;
        case O_PMAP: o->print_map = 1; break;
        case O_HELP: usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mvgate-sim: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    int bulk = o->bulk_devices > 0 || o->bulk_points > 0;
    if (bulk && (o->bulk_devices == 0 || o->bulk_points == 0)) {
        fprintf(stderr, "mvgate-sim: bulk mode needs both --bulk-devices and --bulk-points\n");
        return -1;
    }
    if (bulk == (o->plant != NULL)) {
        fprintf(stderr, "mvgate-sim: give either --plant NAME or --bulk-devices/--bulk-points (see --help)\n");
        return -1;
    }
    if ((o->print_config || o->print_map) && bulk) {
        fprintf(stderr, "mvgate-sim: --print-config and --print-map need --plant\n");
        return -1;
    }
    return 0;
}

static mvg_sim_point *bulk_points(long ndev, long npts)
{
    mvg_sim_point *p = calloc((size_t)(ndev * npts), sizeof(*p));
    if (p == NULL)
        return NULL;
    for (long u = 0; u < ndev; u++)
        for (long j = 0; j < npts; j++) {
            mvg_sim_point *q = &p[u * npts + j];
            q->unit = (uint8_t)(u + 1);
            q->area = MVG_AREA_HOLDING;
            q->address = (uint16_t)(2 * j);
            q->type = MVG_TYPE_FLOAT32;
            q->order = MVG_ORDER_ABCD;
            q->scale = 1.0;
            q->kind = MVG_KIND_GAUGE;
        }
    return p;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) != 0)
        return 2;

    mvg_sim_plant_kind kind = MVG_SIM_COMPRESSOR;
    mvg_sim_phase phase;
    if (o.plant && mvg_sim_plant_kind_parse(o.plant, &kind) != 0) {
        fprintf(stderr, "mvgate-sim: unknown plant '%s' (compressor, chiller, boiler, wastewater, voc)\n",
                o.plant);
        return 2;
    }
    if (mvg_sim_phase_parse(o.phase, &phase) != 0) {
        fprintf(stderr, "mvgate-sim: unknown phase '%s' (baseline, retrofit)\n", o.phase);
        return 2;
    }
    if (o.print_config) {
        mvg_sim_export_config(stdout, kind, (int)o.port);
        return 0;
    }
    if (o.print_map) {
        mvg_sim_export_map(stdout, kind);
        return 0;
    }

    int rc = 1;
    char err[512];
    sim s = {0};
    mvg_sim_point *bulk = NULL;
    mvg_sim_server *srv = NULL;
    mvg_sim_control *ctl = NULL;

    s.scale = o.scale;
    s.bulk_points = (int)o.bulk_points;
    if (!o.have_start) {
        o.start = (double)mvg_clock_real_ms() / 1000.0;
    }
    s.start_s = o.start;
    s.mono0 = mono_now();

    if (o.plant) {
        size_t n;
        const mvg_sim_point *pts = mvg_sim_plant_points(kind, &n);
        s.plant = mvg_sim_plant_new(kind, phase, (uint64_t)o.seed, o.start);
        if (s.plant == NULL) {
            fprintf(stderr, "mvgate-sim: out of memory\n");
            goto cleanup;
        }
        s.regs = mvg_sim_regs_new(pts, n, err, sizeof err);
    } else {
        bulk = bulk_points(o.bulk_devices, o.bulk_points);
        if (bulk == NULL) {
            fprintf(stderr, "mvgate-sim: out of memory\n");
            goto cleanup;
        }
        s.regs = mvg_sim_regs_new(bulk, (size_t)(o.bulk_devices * o.bulk_points), err, sizeof err);
    }
    if (s.regs == NULL) {
        fprintf(stderr, "mvgate-sim: %s\n", err);
        goto cleanup;
    }
    for (int u = 0; u < 256; u++)
        if (mvg_sim_regs_mapping(s.regs, u))
            refresh_unit(&s, u);

    mvg_sim_server_opts so = {o.host, (int)o.port, o.rtu, (int)o.rtu_tcp_port, s.regs, &s.faults, refresh_unit, &s};
    srv = mvg_sim_server_new(&so, err, sizeof err);
    if (srv == NULL) {
        fprintf(stderr, "mvgate-sim: %s\n", err);
        goto cleanup;
    }
    ctl = mvg_sim_control_new("127.0.0.1", (int)o.control_port, on_control, &s, err, sizeof err);
    if (ctl == NULL) {
        fprintf(stderr, "mvgate-sim: %s\n", err);
        goto cleanup;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: select() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* One line, flushed: tests wait for it and read the ports from it. The
     * RTU-over-TCP field is appended only when asked for, so the line keeps
     * its documented shape otherwise. */
    printf("ready tcp=%d control=%d rtu=%s", mvg_sim_server_port(srv), mvg_sim_control_port(ctl),
           o.rtu ? o.rtu : "-");
    if (mvg_sim_server_rtu_tcp_port(srv) >= 0)
        printf(" rtutcp=%d", mvg_sim_server_rtu_tcp_port(srv));
    printf("\n");
    fflush(stdout);

    double last_refresh = mono_now();
    while (!stop_requested) {
        fd_set rd;
        FD_ZERO(&rd);
        int maxfd = mvg_sim_server_fdset(srv, &rd, -1);
        maxfd = mvg_sim_control_fdset(ctl, &rd, maxfd);
        double now = mono_now();
        double wait = IDLE_REFRESH_S;
        double due = mvg_sim_server_next_due(srv) - now;
        if (due < wait)
            wait = due > 0 ? due : 0;
        struct timeval tv = {(time_t)wait, (suseconds_t)((wait - floor(wait)) * 1e6)};
        int n = select(maxfd + 1, &rd, NULL, NULL, &tv);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "mvgate-sim: select: %s\n", strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            FD_ZERO(&rd);
        now = mono_now();
        mvg_sim_server_process(srv, &rd, now);
        mvg_sim_control_process(ctl, &rd);
        if (s.plant && now - last_refresh >= IDLE_REFRESH_S) {
            refresh_unit(&s, 0);
            last_refresh = now;
        }
    }
    rc = 0;
cleanup:
    mvg_sim_control_free(ctl);
    mvg_sim_server_free(srv);
    mvg_sim_regs_free(s.regs);
    mvg_sim_plant_free(s.plant);
    free(bulk);
    return rc;
}
