/*
 * cmd_read.c: `mvgate read -c FILE [--device NAME] [--json]`: polls every
 * point of the configured devices once, as the daemon would (same planner,
 * transports, decoding and quality rules), and prints the values. Buses are
 * polled in parallel, one thread each, so a dead bus costs its own timeout
 * only. Exit 0 when every value is good, 1 when some are not, 2 for usage
 * or configuration errors.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "acquire.h"
#include "clock.h"
#include "cli_config.h"
#include "commands.h"
#include "config.h"
#include "jsonw.h"
#include "log.h"
#include "payload.h"
#include "transport.h"

typedef struct {
    const mvg_config *cfg;
    size_t bus;
    const int *selected;   /* per device */
    mvg_sample **samples;  /* per device, npoints each */
    mvg_acquire **acq;     /* per device: kept until the print, the string samples' texts are its */
    char (*errors)[300];   /* per device: why its poll failed, or "" */
    const mvg_timebase *tb;
} bus_job;

static void *poll_bus(void *arg)
{
    bus_job *job = arg;
    const mvg_config *cfg = job->cfg;
    const mvg_bus_cfg *bus = &cfg->buses[job->bus];
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(bus, err, sizeof err);
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const mvg_device_cfg *dev = &cfg->devices[d];
        if (dev->bus != job->bus || !job->selected[d])
            continue;
        if (!t) {
            for (size_t i = 0; i < dev->npoints; i++)
                job->samples[d][i] = (mvg_sample){.ts_ms = mvg_timebase_now(job->tb),
                                                  .value = NAN, .quality = MVG_Q_COMM_ERROR};
            snprintf(job->errors[d], sizeof job->errors[d], "bus %s: %s", bus->name, err);
            continue;
        }
        mvg_acquire *a = mvg_acquire_new(dev, err, sizeof err);
        if (!a) {
            for (size_t i = 0; i < dev->npoints; i++)
                job->samples[d][i] = (mvg_sample){.value = NAN, .quality = MVG_Q_COMM_ERROR};
            snprintf(job->errors[d], sizeof job->errors[d], "%s", err);
            continue;
        }
        mvg_acquire_opts opts = {.retries = bus->retries, .backoff_ms = bus->backoff_ms};
        mvg_acquire_result res;
        mvg_acquire_poll(a, t, &opts, job->tb, job->samples[d], &res);
        if (res.failed)
            snprintf(job->errors[d], sizeof job->errors[d], "%s", res.last_error);
        job->acq[d] = a;
    }
    mvg_transport_free(t);
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate read -c FILE [--device NAME] [--json] [--trace]\n"
                 "                  [--profile-dir DIR]\n"
                 "Polls every point once and prints value, unit and quality.\n"
                 "--trace prints every request and reply frame in hex with its round trip\n"
                 "on stderr, per bus.\n"
                 "Exit 0 when every value is good, 1 when some are not, 2 on errors.\n");
}

/* A sample's value as the text table shows it: a string's text, a 64-bit
 * integer's exact register value when the value is that value (scale 1,
 * offset 0), else the double. */
static void text_value(const mvg_point_cfg *p, const mvg_sample *s, char *buf, size_t len)
{
    char digits[MVG_SAMPLE_DIGITS];
    if (s->raw_kind == MVG_RAW_TEXT && s->text)
        snprintf(buf, len, "\"%s\"", s->text);
    else if (mvg_sample_raw_digits(s, digits) > 0 && p->scale == 1 && p->offset == 0)
        snprintf(buf, len, "%s", digits);
    else if (isfinite(s->value))
        snprintf(buf, len, "%.10g", s->value);
    else
        snprintf(buf, len, "-");
}

static void print_text(const mvg_config *cfg, const int *selected, mvg_sample **samples)
{
    printf("%-16s %-24s %20s %-10s %s\n", "device", "point", "value", "unit", "quality");
    for (size_t d = 0; d < cfg->ndevices; d++) {
        if (!selected[d])
            continue;
        const mvg_device_cfg *dev = &cfg->devices[d];
        for (size_t i = 0; i < dev->npoints; i++) {
            const mvg_sample *s = &samples[d][i];
            char value[MVG_TEXT_MAX + 3];
            text_value(&dev->points[i], s, value, sizeof value);
            printf("%-16s %-24s %20s %-10s %s", dev->name, dev->points[i].name, value,
                   dev->points[i].unit, mvg_quality_name(s->quality));
            char digits[MVG_SAMPLE_DIGITS];
            if (mvg_sample_raw_digits(s, digits) > 0 &&
                (dev->points[i].scale != 1 || dev->points[i].offset != 0))
                printf(" (raw %s)", digits);
            if (s->quality == MVG_Q_EXCEPTION)
                printf(" (code %u: %s)", s->exception_code, mvg_exception_name(s->exception_code));
            putchar('\n');
        }
    }
}

/* The JSON document: { device: { point: { value, [raw,] unit, quality } } },
 * by the streaming writer, which writes a 64-bit integer's raw digits as
 * they are (jansson's integers stop at 2^63 - 1). */
static int print_json(const mvg_config *cfg, const int *selected, mvg_sample **samples)
{
    mvg_jsonw *w = mvg_jsonw_new();
    if (!w) {
        fprintf(stderr, "mvgate read: out of memory\n");
        return -1;
    }
    mvg_jsonw_obj(w);
    for (size_t d = 0; d < cfg->ndevices; d++) {
        if (!selected[d])
            continue;
        const mvg_device_cfg *dev = &cfg->devices[d];
        mvg_jsonw_key(w, dev->name);
        mvg_jsonw_obj(w);
        for (size_t i = 0; i < dev->npoints; i++) {
            const mvg_sample *s = &samples[d][i];
            int answered = s->quality != MVG_Q_COMM_ERROR && s->quality != MVG_Q_EXCEPTION;
            mvg_jsonw_key(w, dev->points[i].name);
            mvg_jsonw_obj(w);
            /* a value that is not a number (comm error, NaN) is null, never 0 */
            mvg_payload_sample_members(w, s, dev->points[i].unit, answered);
            mvg_jsonw_obj_end(w);
        }
        mvg_jsonw_obj_end(w);
    }
    mvg_jsonw_obj_end(w);
    size_t len = 0;
    const char *text = mvg_jsonw_done(w, &len);
    if (!text) {
        mvg_jsonw_free(w);
        fprintf(stderr, "mvgate read: out of memory\n");
        return -1;
    }
    puts(text);
    mvg_jsonw_free(w);
    return 0;
}

int mvg_cmd_read(int argc, char **argv)
{
    const char *path = NULL, *device = NULL;
    int json = 0, trace = 0;
    mvg_config_opts copts = {0};
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"device", 'd', MVG_ARG_STR, &device, NULL, 0, "NAME", NULL},
        {"json", 'j', MVG_ARG_FLAG, &json, NULL, 0, NULL, NULL},
        {"trace", 0, MVG_ARG_FLAG, &trace, NULL, 0, NULL,
         "every request and reply frame in hex, with its timing (stderr)"},
        {"profile-dir", 0, MVG_ARG_STR, &copts.profile_dir, NULL, 0, "DIR", NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("read", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_config *cfg = mvg_cli_load_config(path, &copts);
    if (!cfg)
        return 2;
    /* before the bus threads exist: the transports ask once, when made */
    mvg_log_set_trace(trace);

    int rc = 2;
    int *selected = calloc(cfg->ndevices + 1, sizeof *selected);
    mvg_sample **samples = calloc(cfg->ndevices + 1, sizeof *samples);
    mvg_acquire **acq = calloc(cfg->ndevices + 1, sizeof *acq);
    char(*errors)[300] = calloc(cfg->ndevices + 1, sizeof *errors);
    bus_job *jobs = calloc(cfg->nbuses + 1, sizeof *jobs);
    pthread_t *threads = calloc(cfg->nbuses + 1, sizeof *threads);
    int *started = calloc(cfg->nbuses + 1, sizeof *started);
    if (!selected || !samples || !acq || !errors || !jobs || !threads || !started)
        goto out;
    if (device && mvg_config_find_device(cfg, device) < 0) {
        fprintf(stderr, "mvgate read: %s has no device '%s'\n", path, device);
        goto out;
    }
    for (size_t d = 0; d < cfg->ndevices; d++) {
        selected[d] = !device || strcmp(cfg->devices[d].name, device) == 0;
        samples[d] = calloc(cfg->devices[d].npoints + 1, sizeof **samples);
        if (!samples[d])
            goto out;
    }
    mvg_timebase tb;
    mvg_timebase_init(&tb, 1.0, 0);
    for (size_t b = 0; b < cfg->nbuses; b++) {
        jobs[b] = (bus_job){cfg, b, selected, samples, acq, errors, &tb};
        started[b] = pthread_create(&threads[b], NULL, poll_bus, &jobs[b]) == 0;
        if (!started[b])
            poll_bus(&jobs[b]);
    }
    for (size_t b = 0; b < cfg->nbuses; b++)
        if (started[b])
            pthread_join(threads[b], NULL);

    int all_good = 1;
    for (size_t d = 0; d < cfg->ndevices; d++) {
        if (!selected[d])
            continue;
        if (errors[d][0])
            fprintf(stderr, "mvgate read: %s: %s\n", cfg->devices[d].name, errors[d]);
        for (size_t i = 0; i < cfg->devices[d].npoints; i++)
            if (samples[d][i].quality != MVG_Q_GOOD)
                all_good = 0;
    }
    if (json) {
        if (print_json(cfg, selected, samples) != 0)
            goto out;
    } else {
        print_text(cfg, selected, samples);
    }
    rc = all_good ? 0 : 1;
out:
    for (size_t d = 0; samples && d < cfg->ndevices; d++)
        free(samples[d]);
    for (size_t d = 0; acq && d < cfg->ndevices; d++)
        mvg_acquire_free(acq[d]);
    free(acq);
    free(samples);
    free(selected);
    free(errors);
    free(jobs);
    free(threads);
    free(started);
    mvg_config_free(cfg);
    return rc;
}
