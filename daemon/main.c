/*
 * main.c of mvgated: options, signals, systemd notification and the
 * pipeline loop. It owns the process-wide state: the signal flags (the only
 * global mutable state of the daemon), the timebase, the sample queue and
 * the running gateway, which a SIGHUP replaces by a new one only when the
 * new configuration loaded and built completely.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "diag.h"
#include "gateway.h"
#include "lapack_dl.h"
#include "log.h"
#include "logfmt.h"
#include "notify.h"
#include "publishers.h"
#include "sample_queue.h"
#include "status.h"
#include "timefmt.h"
#include "tlsfiles.h"

#define QUEUE_BATCHES 4096
#define POP_WAIT_MS 200
/* Polls taken from the queue at once and stored in one transaction: when
 * the pipeline thread falls behind a burst (1,000 devices polled each
 * second), the polls waiting cost one commit, not one each. */
#define POP_MAX 64
#define STATUS_EVERY_MS 5000
#define HTTP_EVERY_MS 1000 /* the endpoint's snapshot (live.h) */
#define MAINTAIN_EVERY_MS 60000

static volatile sig_atomic_t got_stop, got_reload;

/* The engine's LAPACK (engine/lapack.h): loaded at the first fit, so that
 * a gateway maps LAPACK and its Fortran runtime only once it fits. */
const mvg_lapack *mvg_lapack_get(char *err, size_t errlen)
{
    return mvg_lapack_dl_get(MVG_LAPACK_DL_SONAME, err, errlen);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_reload = 1;
    else
        got_stop = 1;
}

typedef struct {
    const char *config_path;
    const char *profile_dir;
    mvg_log_level level;
    double time_scale;
    int64_t time_origin_ms;
    int64_t time_anchor_ms; /* real time at which the scaled clock reads the origin; 0 = start */
    int new_chain;          /* begin new chains on a lost store (docs/store.md) */
    int trace;              /* log every Modbus frame (docs/acquisition.md) */
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgated -c FILE [--log-level LEVEL] [--trace] [--profile-dir DIR]\n"
            "               [--new-chain] [--time-scale K --time-origin ISO8601]\n"
            "  -c, --config FILE      gateway configuration (libconfig)\n"
            "  --log-level LEVEL      error, warning, notice, info (default) or debug\n"
            "  --trace                log every Modbus request and reply frame in hex with\n"
            "                         its round trip, per bus (at any log level)\n"
            "  --profile-dir DIR      device profiles (default: next to the config, then the\n"
            "                         installed ones)\n"
            "  --time-scale K         run the sample clock K times faster (simulated plants)\n"
            "  --time-origin T        the sample clock's start (with --time-scale)\n"
            "  --time-anchor T        the real time at which the sample clock read T (default:\n"
            "                         now); keeps the clock continuous across restarts\n"
            "  --new-chain            the store is missing or empty but data_dir holds the\n"
            "                         gateway's key: begin each project's chain again, with a\n"
            "                         signed new-chain record (without it mvgated refuses)\n"
            "Signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration.\n");
}

static int parse_level(const char *s, mvg_log_level *out)
{
    static const struct { const char *name; mvg_log_level level; } levels[] = {
        {"error", MVG_LOG_ERR},   {"warning", MVG_LOG_WARN}, {"notice", MVG_LOG_NOTICE},
        {"info", MVG_LOG_INFO},   {"debug", MVG_LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strcmp(s, levels[i].name) == 0) {
            *out = levels[i].level;
            return 0;
        }
    return -1;
}

/* 0 ok, 2 usage error (message printed), 1 for --help/--version done. */
static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},  {"log-level", required_argument, NULL, 'l'},
        {"profile-dir", required_argument, NULL, 'p'}, {"time-scale", required_argument, NULL, 's'},
        {"time-origin", required_argument, NULL, 'o'}, {"time-anchor", required_argument, NULL, 'a'},
        {"new-chain", no_argument, NULL, 'n'}, {"trace", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->level = MVG_LOG_INFO;
    o->time_scale = 1.0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'c':
            o->config_path = optarg;
            break;
        case 'l':
            if (parse_level(optarg, &o->level) != 0) {
                fprintf(stderr, "mvgated: unknown log level '%s'\n", optarg);
                return 2;
            }
            break;
        case 'p':
            o->profile_dir = optarg;
            break;
        case 'n':
            o->new_chain = 1;
            break;
        case 't':
            o->trace = 1;
            break;
        case 's':
            errno = 0;
            o->time_scale = strtod(optarg, &end);
            if (errno || *end || !(o->time_scale >= 1e-3 && o->time_scale <= 1e6)) {
                fprintf(stderr, "mvgated: --time-scale wants a number in 0.001..1e6, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'o':
            if (mvg_timefmt_parse(optarg, &o->time_origin_ms) != 0) {
                fprintf(stderr, "mvgated: --time-origin wants an ISO 8601 UTC time, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'a':
            if (mvg_timefmt_parse(optarg, &o->time_anchor_ms) != 0) {
                fprintf(stderr, "mvgated: --time-anchor wants an ISO 8601 UTC time, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 1;
        case 'V':
            printf("mvgated %s\n", MVG_VERSION);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!o->config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* The configuration's TLS files are checked by the TLS client's module,
 * which a broker with TLS needs anyway: mvgated itself does not link
 * libcrypto (config.h). */
static int tls_check_in_module(const char *ca, const char *cert, const char *key, int *which,
                               char *err, size_t errlen)
{
    const mvg_publishers_api *api = mvg_publishers_load(MVG_PUBMOD_MQTT_TLS, err, errlen);
    if (!api) {
        *which = MVG_TLSFILE_CA;
        return -1;
    }
    return api->tlsfiles_check(ca, cert, key, which, err, errlen);
}

static mvg_config *load_config(const options *o)
{
    mvg_diags *diags = mvg_diags_new();
    mvg_config_opts copts = {.profile_dir = o->profile_dir, .tls_check = tls_check_in_module};
    mvg_config *cfg = diags ? mvg_config_load(o->config_path, &copts, diags) : NULL;
    if (!cfg) {
        size_t n = diags ? mvg_diags_count(diags) : 0;
        for (size_t i = 0; i < n; i++)
            mvg_log(MVG_LOG_ERR, "%s", mvg_diags_get(diags, i));
        if (n == 0)
            mvg_log(MVG_LOG_ERR, "%s: cannot load the configuration", o->config_path);
    }
    mvg_diags_free(diags);
    return cfg;
}

/* Starts the pollers with the stop/reload signals blocked, so that the
 * threads inherit a mask that leaves the signals to this thread. */
static int start_gateway(mvg_gateway *g, const mvg_timebase *tb, mvg_sample_queue *q, char *err,
                         size_t errlen)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = mvg_gateway_start(g, tb, q, err, errlen);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static mvg_gateway *build_gateway(const options *o, unsigned generation, char *err, size_t errlen)
{
    mvg_config *cfg = load_config(o);
    if (!cfg) {
        snprintf(err, errlen, "the configuration has errors");
        return NULL;
    }
    return mvg_gateway_new(cfg, generation, o->time_scale, o->new_chain, err, errlen);
}

static void summary(mvg_gateway *g, const char *what)
{
    const mvg_config *cfg = mvg_gateway_config(g);
    size_t npoints = 0;
    for (size_t i = 0; i < cfg->ndevices; i++)
        npoints += cfg->devices[i].npoints;
    mvg_log(MVG_LOG_NOTICE, "%s: %zu buses, %zu devices, %zu points, %zu projects (gateway %s)",
            what, cfg->nbuses, cfg->ndevices, npoints,
            cfg->projects ? cfg->projects->nprojects : (size_t)0,
            cfg->gateway.id);
    mvg_log(MVG_LOG_NOTICE, "interval records signed with key %s (mvgate key show)",
            mvg_pipeline_key_fingerprint(mvg_gateway_pipeline(g)));
}

typedef struct {
    mvg_gateway *g;
} emit_ctx;

static void on_interval(void *user, size_t project, int64_t seq, const mvg_interval_record *rec,
                        const mvg_project_result *res)
{
    (void)rec;
    (void)seq;
    emit_ctx *ctx = user;
    mvg_live *live = mvg_gateway_live(ctx->g);
    if (live)
        mvg_live_note_interval(live, project, res);
    mvg_project *prj = mvg_runner_project(mvg_gateway_runner(ctx->g), project);
    const char *name = mvg_project_config(prj)->name;
    char line[2048];
    if (res->fitted_now)
        for (size_t s = 0; s < res->nstreams; s++) {
            const char *why = NULL;
            const mvg_model *m = mvg_project_model(prj, s, &why);
            if (m)
                mvg_log(MVG_LOG_NOTICE, "%s",
                        mvg_logfmt_model(name, res->streams[s].name, m, line, sizeof line));
            else
                mvg_log(MVG_LOG_WARN, "%s: no baseline model of %s: %s", name,
                        res->streams[s].name, why && *why ? why : "fit failed");
        }
    for (size_t s = 0; s < res->nstreams; s++) {
        const mvg_stream_result *r = &res->streams[s];
        mvg_log(MVG_LOG_NOTICE, "%s", mvg_logfmt_stream(name, res, s, line, sizeof line));
        /* an impossible figure (more removed than the old system emitted):
         * logged when it appears, and carried by every record while it holds */
        if (r->annual_error_began)
            mvg_log(MVG_LOG_ERR,
                    "%s: %s: the annual reduction %.6g %s/yr exceeds the annual baseline "
                    "emission %.6g %s/yr: the stream does not pass (docs/method.md \"Annual "
                    "figures\")",
                    name, r->name, r->annual_savings, r->unit, r->annual_baseline, r->unit);
    }
}

/* Resumes the engine from the store after a restart (or a crash). */
static void restore(mvg_gateway *g)
{
    char err[512] = "";
    int64_t replayed = 0;
    int rc = mvg_pipeline_restore(mvg_gateway_pipeline(g), &replayed, err, sizeof err);
    if (rc > 0)
        mvg_log(MVG_LOG_NOTICE, "engine resumed from its checkpoint; %lld stored samples replayed",
                (long long)replayed);
    else if (rc < 0)
        mvg_log(MVG_LOG_ERR, "cannot resume from the store: %s; the engine starts afresh", err);
    else if (err[0])
        mvg_log(MVG_LOG_WARN, "%s; the engine starts afresh", err);
}

/* The figures the status document and the HTTP endpoint share: the
 * devices (devs: cfg->ndevices entries), the queue, the publishers and
 * their outboxes. -1 with err when the outboxes could not be read. */
static int gather_status(mvg_gateway *g, mvg_sample_queue *q, const char *state,
                         int64_t started_ms, mvg_device_status *devs, mvg_status_input *in,
                         char *err, size_t errlen)
{
    const mvg_config *cfg = mvg_gateway_config(g);
    for (size_t d = 0; d < cfg->ndevices; d++)
        mvg_gateway_device_status(g, d, &devs[d]);
    *in = (mvg_status_input){.cfg = cfg, .state = state, .now_ms = mvg_clock_real_ms(),
                             .started_ms = started_ms, .devices = devs,
                             .queue_depth = mvg_sample_queue_depth(q),
                             .queue_dropped = mvg_sample_queue_dropped(q)};
    mvg_gateway_publisher_stats(g, &in->mqtt, &in->has_mqtt, &in->influx, &in->has_influx);
    return mvg_pipeline_figures(mvg_gateway_pipeline(g), in, err, errlen);
}

/* Writes the status document (store meta, MQTT retained status). */
static void publish_status(mvg_gateway *g, mvg_sample_queue *q, const char *state, mvg_log_once *lo,
                           int64_t started_ms)
{
    const mvg_config *cfg = mvg_gateway_config(g);
    mvg_device_status *devs = calloc(cfg->ndevices + 1, sizeof *devs);
    char err[512], store_err[512];
    if (!devs)
        return;
    mvg_status_input in;
    mvg_store_status store;
    int rc = gather_status(g, q, state, started_ms, devs, &in, err, sizeof err);
    mvg_pipeline *p = mvg_gateway_pipeline(g);
    /* without the store's counts the document leaves them out (store: null) */
    if (mvg_pipeline_store_status(p, &store, store_err, sizeof store_err) == 0)
        in.store = &store;
    char *json = NULL;
    if (rc != 0 || !(json = mvg_status_json(&in)) ||
        mvg_pipeline_put_status(p, json, err, sizeof err) != 0)
        mvg_log_once_hit(lo, MVG_LOG_WARN, rc == 0 && !json ? "out of memory" : err,
                         "status not stored: %s", rc == 0 && !json ? "out of memory" : err);
    else
        mvg_log_once_clear(lo, MVG_LOG_NOTICE, "status stored again");
    free(json);
    free(devs);
}

/* A fresh snapshot for the HTTP endpoint (with an http section): the
 * status figures and the last values. An outbox that cannot be read is
 * the status document's to log; the endpoint keeps its last snapshot. */
static void offer_http(mvg_gateway *g, mvg_sample_queue *q, int64_t started_ms)
{
    if (!mvg_gateway_live(g))
        return;
    const mvg_config *cfg = mvg_gateway_config(g);
    mvg_device_status *devs = calloc(cfg->ndevices + 1, sizeof *devs);
    char err[512];
    mvg_status_input in;
    if (devs && gather_status(g, q, "online", started_ms, devs, &in, err, sizeof err) == 0)
        mvg_gateway_http_offer(g, &in);
    free(devs);
}

/* A wall-clock step against the monotonic clock, logged once with its
 * size (docs/daemon.md "Clock steps"). */
static void clock_stepped(mvg_gateway *g, const mvg_clock_step *st)
{
    /* saved before it is logged: once the line is out, a crash no longer
     * loses the step (tests/integration/test_clock_steps.py kills on it) */
    char err[512] = "";
    if (mvg_pipeline_clock_step(mvg_gateway_pipeline(g), st->from_ms + st->step_ms, st->skip_ms,
                                err, sizeof err) != 0)
        mvg_log(MVG_LOG_WARN, "clock step: not saved yet (%s): it is saved with the record it "
                "flags, and a restart before that record would not know it", err);
    char from[40], to[40];
    mvg_timefmt_format(st->from_ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, from, sizeof from);
    mvg_timefmt_format(st->from_ms + st->step_ms, MVG_TIMEFMT_SEC | MVG_TIMEFMT_Z, to, sizeof to);
    double s = (double)(st->step_ms < 0 ? -st->step_ms : st->step_ms) / 1000.0;
    if (st->step_ms < 0)
        mvg_log(MVG_LOG_WARN,
                "clock step: the wall clock jumped back by %.0f s (%s -> %s); samples are "
                "stored but the engine rejects those inside intervals already recorded "
                "(engine.rejected) until the clock passes %s again",
                s, from, to, from);
    else if (st->skip_ms == 0)
        mvg_log(MVG_LOG_WARN,
                "clock step: the wall clock jumped forward by %.0f s (%s -> %s), undoing a "
                "step back: the intervals since are recorded without the samples rejected",
                s, from, to);
    else
        mvg_log(MVG_LOG_WARN,
                "clock step: the wall clock jumped forward by %.0f s (%s -> %s); the interval "
                "it left is flagged clock_step, the %.0f s it skipped are not recorded",
                s, from, to, (double)st->skip_ms / 1000.0);
}

/* gateway.require_synced_clock: while the kernel says the wall clock is
 * not synchronised, the pipeline stores polls but holds them from the
 * engine. The scaled timebase of the demo and the tests is not the wall
 * clock: not applied to it. *held is the state, logged when it changes. */
static void hold_for_clock(mvg_gateway *g, const options *o, int *held)
{
    int hold = mvg_gateway_config(g)->gateway.require_synced_clock && o->time_scale == 1.0 &&
               !o->time_origin_ms && !mvg_clock_synced();
    uint64_t n = mvg_pipeline_hold(mvg_gateway_pipeline(g), hold);
    if (hold && !*held) {
        mvg_log(MVG_LOG_WARN, "the wall clock is not synchronised (adjtimex: STA_UNSYNC): polls "
                              "are stored but no interval is recorded until it is "
                              "(gateway.require_synced_clock)");
        mvg_notify("STATUS=waiting for a synchronised clock");
    } else if (!hold && *held) {
        mvg_log(MVG_LOG_NOTICE, "the wall clock is synchronised: intervals are recorded from now "
                                "on; %llu polls stored meanwhile were kept out of them",
                (unsigned long long)n);
        mvg_notify("STATUS=running");
    }
    *held = hold;
}

static void reload(const options *o, mvg_gateway **running, unsigned *generation,
                   const mvg_timebase *tb, mvg_sample_queue *q)
{
    char err[512];
    mvg_notifyf("RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading %s",
               (long long)mvg_clock_mono_ms() * 1000, o->config_path);
    mvg_log(MVG_LOG_NOTICE, "reloading %s", o->config_path);
    mvg_gateway *next = build_gateway(o, *generation + 1, err, sizeof err);
    if (!next) {
        mvg_log(MVG_LOG_ERR, "reload failed (%s); the running configuration stays in force", err);
        mvg_notify("READY=1\nSTATUS=reload failed; running the previous configuration");
        return;
    }
    int moved = mvg_gateway_adopt_state(next, *running, err, sizeof err);
    if (moved < 0)
        mvg_log(MVG_LOG_ERR, "reload: the engine state of the changed projects could not be "
                             "rebuilt from the store (%s): they start afresh", err);
    /* stop the old pollers first: two pollers must never share a serial line */
    mvg_gateway_free(*running);
    *running = NULL;
    if (start_gateway(next, tb, q, err, sizeof err) != 0) {
        mvg_log(MVG_LOG_ERR, "cannot start the pollers of the new configuration: %s", err);
        mvg_gateway_free(next);
        got_stop = 1;
        return;
    }
    *running = next;
    *generation += 1;
    summary(next, "reloaded");
    malloc_trim(0);
    mvg_notify("READY=1\nSTATUS=running");
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    mvg_log_setup(mvg_log_sink_auto(), o.level);
    mvg_log_set_trace(o.trace);
    /* One malloc arena for every thread. glibc gives each thread that
     * allocates an arena of its own (up to eight a core), and each keeps the
     * high-water of what its thread once held: the InfluxDB writer's batch
     * alone left 1.8 MB resident in its arena. The lock they now share costs
     * little: at 100,000 points over ten pollers perhaps a point or two of
     * one core, inside the runs' spread, for a megabyte saved at any size
     * (docs/performance.md, "InfluxDB without libcurl, and one malloc
     * arena"). */
    mallopt(M_ARENA_MAX, 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    mvg_timebase tb;
    mvg_timebase_init(&tb, o.time_scale, o.time_origin_ms);
    if (o.time_anchor_ms)
        tb.real_start_ms = o.time_anchor_ms;
    char err[512];
    unsigned generation = 1;
    err[0] = '\0';
    mvg_gateway *g = build_gateway(&o, generation, err, sizeof err);
    if (!g) {
        mvg_log(MVG_LOG_ERR, "not started: %s", err);
        return 1;
    }
    mvg_sample_queue *q = mvg_sample_queue_new(QUEUE_BATCHES);
    if (!q || start_gateway(g, &tb, q, err, sizeof err) != 0) {
        mvg_log(MVG_LOG_ERR, "not started: %s", q ? err : "out of memory");
        mvg_gateway_free(g);
        mvg_sample_queue_free(q);
        return 1;
    }
    err[0] = '\0';
    restore(g);
    summary(g, "started");
    /* The parse tree of a large config (libconfig keeps every setting as a
     * node) is freed by now, but glibc keeps the freed heap: hand it back,
     * so that the resident size is what polling needs. */
    malloc_trim(0);
    mvg_notify("READY=1\nSTATUS=running");

    /* fed at half the interval systemd asks for (WatchdogSec) */
    int64_t wd_every = (int64_t)(mvg_notify_watchdog_usec() / 2000);
    int64_t wd_last = 0, status_last = 0, http_last = 0, maintain_last = mvg_clock_mono_ms();
    int64_t started_ms = mvg_clock_real_ms();
    mvg_log_once store_log = {0}, maintain_log = {0}, status_log = {0}, head_log = {0};
    int held = 0, reload_waits = 0;
    int64_t settle_mono = 0, settle_to = 0; /* after a forward step (below) */
    mvg_clock_steps steps;
    mvg_clock_steps_init(&steps, o.time_scale);
    char line[4096];
    while (!got_stop) {
        /* the engine state moves to the new gateway, the records the
         * store has not taken yet would not: a reload waits for them */
        size_t waiting = got_reload ? mvg_pipeline_waiting(mvg_gateway_pipeline(g)) : 0;
        if (got_reload && waiting > 0 && !reload_waits) {
            mvg_log(MVG_LOG_WARN, "reload waits until the store has taken the %zu interval "
                    "records waiting for it", waiting);
            reload_waits = 1;
        } else if (got_reload && waiting == 0) {
            got_reload = 0;
            reload_waits = 0;
            reload(&o, &g, &generation, &tb, q);
            if (!g)
                break;
        }
        hold_for_clock(g, &o, &held);
        mvg_sample_batch *bs[POP_MAX];
        size_t nb = mvg_sample_queue_pop_many(q, POP_WAIT_MS, bs, POP_MAX), nkeep = 0;
        for (size_t i = 0; i < nb; i++) {
            mvg_sample_batch *b = bs[i];
            if (b->generation != generation) {
                free(b);
                continue;
            }
            if (mvg_log_wants(MVG_LOG_INFO))
                mvg_log(MVG_LOG_INFO, "%s", mvg_logfmt_batch(mvg_gateway_config(g), b, line, sizeof line));
            mvg_live *live = mvg_gateway_live(g);
            if (live)
                mvg_live_note_batch(live, b);
            bs[nkeep++] = b;
        }
        if (nkeep) {
            /* a full disk is the pipeline's to log (once per change of the
             * store's state); this is a poll the configuration does not know */
            if (mvg_pipeline_batches(mvg_gateway_pipeline(g), (const mvg_sample_batch *const *)bs,
                                     nkeep, err, sizeof err) != 0)
                mvg_log_once_hit(&store_log, MVG_LOG_ERR, err, "store: %s", err);
            else
                mvg_log_once_clear(&store_log, MVG_LOG_NOTICE, "store: writing again");
            mvg_gateway_kick(g);
        }
        for (size_t i = 0; i < nkeep; i++)
            free(bs[i]);
        /* An interval closes once no sample stamped inside it can still be
         * on its way: a poll may take the worst poll time, plus one turn of
         * this loop, all in the timebase's (possibly faster) time. */
        int64_t lag = (int64_t)((double)(mvg_gateway_worst_poll_ms(g) + 2 * POP_WAIT_MS) *
                                o.time_scale);
        int64_t tnow = mvg_timebase_now(&tb), mono = mvg_clock_mono_ms();
        mvg_clock_step step;
        if (mvg_clock_steps_check(&steps, tnow, mono, &step)) {
            clock_stepped(g, &step);
            /* polls stamped before a forward step may still be on their
             * way: the intervals before it wait for them as usual */
            if (step.step_ms > 0) {
                settle_mono = mono + mvg_gateway_worst_poll_ms(g) + 2 * POP_WAIT_MS;
                settle_to = step.from_ms - lag;
            }
        }
        int64_t upto = tnow - lag;
        if (mono < settle_mono && upto > settle_to)
            upto = settle_to;
        emit_ctx ctx = {g};
        int written = mvg_pipeline_advance(mvg_gateway_pipeline(g), upto, on_interval, &ctx, err,
                                           sizeof err);
        if (written < 0)
            mvg_log_once_hit(&store_log, MVG_LOG_ERR, err, "store: %s", err);
        else if (written > 0)
            mvg_gateway_kick(g);

        int64_t now = mvg_clock_mono_ms();
        /* after the intervals: a head commits to the records just written */
        int heads = mvg_gateway_heads(g, mvg_timebase_now(&tb), now, 0, err, sizeof err);
        if (heads < 0)
            mvg_log_once_hit(&head_log, MVG_LOG_ERR, err, "head records not written: %s", err);
        else if (heads > 0) {
            mvg_log_once_clear(&head_log, MVG_LOG_NOTICE, "head records written again");
            mvg_gateway_kick(g);
        }
        if (now - maintain_last >= MAINTAIN_EVERY_MS) {
            if (mvg_pipeline_maintain(mvg_gateway_pipeline(g), mvg_timebase_now(&tb), err,
                                      sizeof err) != 0)
                mvg_log_once_hit(&maintain_log, MVG_LOG_WARN, err, "store maintenance: %s", err);
            else
                mvg_log_once_clear(&maintain_log, MVG_LOG_NOTICE, "store maintenance: working again");
            maintain_last = now;
        }
        if (now - http_last >= HTTP_EVERY_MS) {
            offer_http(g, q, started_ms);
            http_last = now;
        }
        if (now - status_last >= STATUS_EVERY_MS) {
            publish_status(g, q, "online", &status_log, started_ms);
            mvg_gateway_kick(g);
            status_last = now;
        }
        /* feed the watchdog only while this loop turns and no poller is stuck */
        if (wd_every > 0 && now - wd_last >= wd_every &&
            mvg_gateway_alive(g, now, mvg_gateway_worst_poll_ms(g) + 2000)) {
            mvg_notify("WATCHDOG=1");
            wd_last = now;
        }
    }
    mvg_notify("STOPPING=1\nSTATUS=stopping");
    mvg_log(MVG_LOG_NOTICE, "stopping");
    if (g && mvg_gateway_heads(g, mvg_timebase_now(&tb), mvg_clock_mono_ms(), 1, err,
                               sizeof err) < 0)
        mvg_log(MVG_LOG_ERR, "shutdown head records not written: %s", err);
    if (g)
        publish_status(g, q, "stopped", &status_log, started_ms);
    mvg_gateway_free(g);
    if (mvg_sample_queue_dropped(q))
        mvg_log(MVG_LOG_WARN, "%llu polls were dropped on a full queue",
                (unsigned long long)mvg_sample_queue_dropped(q));
    mvg_sample_queue_free(q);
    mvg_log(MVG_LOG_NOTICE, "stopped");
    return 0;
}
