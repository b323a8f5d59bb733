/*
 * http_metrics.c: the Prometheus text of a snapshot (http_metrics.h).
 */
#include "http_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "numfmt.h"

/* A label value as the format quotes it: \ " and newline escaped. */
static void label(FILE *f, const char *key, const char *v, int first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", key);
    for (; v && *v; v++) {
        if (*v == '\\')
            fputs("\\\\", f);
        else if (*v == '"')
            fputs("\\\"", f);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
    fputc('"', f);
}

/* A float as the format reads it (Go's ParseFloat): NaN, +Inf, -Inf. */
static void number(FILE *f, double v)
{
    char buf[MVG_NUMFMT_LEN];
    if (isnan(v))
        fputs("NaN", f);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf" : "-Inf", f);
    else if (mvg_numfmt_double(v, buf) > 0)
        fputs(buf, f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void device_labels(FILE *f, const mvg_http_device *d)
{
    label(f, "device", d->name, 1);
    label(f, "bus", d->bus, 0);
}

/* One family with a sample per device: counters and gauges of a device. */
typedef enum { DEV_POLLS, DEV_FAILED, DEV_OVERRUNS, DEV_ONLINE, DEV_LAST_GOOD } dev_figure;

static void device_family(FILE *f, const mvg_http_snap *s, const char *name, const char *type,
                          const char *help, dev_figure what)
{
    family(f, name, type, help);
    for (size_t i = 0; i < s->ndevices; i++) {
        const mvg_http_device *d = &s->devices[i];
        if (what == DEV_LAST_GOOD && d->last_good_ms <= 0)
            continue; /* never answered: no sample rather than a false 1970 */
        fprintf(f, "%s{", name);
        device_labels(f, d);
        fputs("} ", f);
        switch (what) {
        case DEV_POLLS: fprintf(f, "%" PRIu64, d->polls); break;
        case DEV_FAILED: fprintf(f, "%" PRIu64, d->failed_polls); break;
        case DEV_OVERRUNS: fprintf(f, "%" PRIu64, d->overruns); break;
        case DEV_ONLINE: fprintf(f, "%d", d->online ? 1 : 0); break;
        case DEV_LAST_GOOD: number(f, (double)d->last_good_ms / 1000.0); break;
        }
        fputc('\n', f);
    }
}

static void rtt_histogram(FILE *f, const mvg_http_snap *s)
{
    const char *name = "mvgate_device_poll_round_trip_seconds";
    family(f, name, "histogram",
           "Round trip of the device polls that got an answer (all requests of a poll, "
           "retries included).");
    for (size_t i = 0; i < s->ndevices; i++) {
        const mvg_http_device *d = &s->devices[i];
        uint64_t cum = 0;
        for (size_t b = 0; b <= s->nrtt_bounds; b++) {
            cum += d->rtt_count[b];
            fprintf(f, "%s_bucket{", name);
            device_labels(f, d);
            fputs(",le=\"", f);
            if (b < s->nrtt_bounds)
                number(f, s->rtt_bounds_s[b]);
            else
                fputs("+Inf", f);
            fprintf(f, "\"} %" PRIu64 "\n", cum);
        }
        fprintf(f, "%s_sum{", name);
        device_labels(f, d);
        fputs("} ", f);
        number(f, d->rtt_sum_s);
        fprintf(f, "\n%s_count{", name);
        device_labels(f, d);
        fprintf(f, "} %" PRIu64 "\n", cum);
    }
}

static void outbox_families(FILE *f, const mvg_http_snap *s)
{
    family(f, "mvgate_outbox_depth", "gauge",
           "Entries of the publisher's outbox not delivered yet (parked ones included).");
    for (size_t i = 0; i < s->noutboxes; i++) {
        fputs("mvgate_outbox_depth{", f);
        label(f, "publisher", s->outboxes[i].name, 1);
        fprintf(f, "} %" PRIu64 "\n", s->outboxes[i].depth);
    }
    family(f, "mvgate_outbox_oldest_age_seconds", "gauge",
           "Age of the oldest undelivered entry of the publisher's outbox (0 when it is empty).");
    for (size_t i = 0; i < s->noutboxes; i++) {
        const mvg_http_outbox *o = &s->outboxes[i];
        double age = o->oldest_ms > 0 && s->now_ms > o->oldest_ms
                         ? (double)(s->now_ms - o->oldest_ms) / 1000.0
                         : 0.0;
        fputs("mvgate_outbox_oldest_age_seconds{", f);
        label(f, "publisher", o->name, 1);
        fputs("} ", f);
        number(f, age);
        fputc('\n', f);
    }
    family(f, "mvgate_outbox_parked", "gauge",
           "Entries the broker or InfluxDB refused, kept until they are sent again.");
    for (size_t i = 0; i < s->noutboxes; i++) {
        fputs("mvgate_outbox_parked{", f);
        label(f, "publisher", s->outboxes[i].name, 1);
        fprintf(f, "} %" PRIu64 "\n", s->outboxes[i].parked);
    }
}

static void project_families(FILE *f, const mvg_http_snap *s)
{
    family(f, "mvgate_project_last_interval_end_timestamp_seconds", "gauge",
           "End of the project's last interval recorded since mvgated started (Unix time).");
    for (size_t i = 0; i < s->nprojects; i++) {
        const mvg_http_project *p = &s->projects[i];
        if (p->last_end_ms <= 0)
            continue;
        fputs("mvgate_project_last_interval_end_timestamp_seconds{", f);
        label(f, "project", p->name, 1);
        label(f, "phase", p->phase, 0);
        fputs("} ", f);
        number(f, (double)p->last_end_ms / 1000.0);
        fputc('\n', f);
    }
    family(f, "mvgate_project_interval_coverage_ratio", "gauge",
           "Coverage of the project's last interval per stream: the lowest of its channels, 0..1.");
    for (size_t i = 0; i < s->nprojects; i++)
        for (size_t k = 0; s->projects[i].last_end_ms > 0 && k < s->projects[i].nstreams; k++) {
            fputs("mvgate_project_interval_coverage_ratio{", f);
            label(f, "project", s->projects[i].name, 1);
            label(f, "stream", s->projects[i].streams[k].name, 0);
            fputs("} ", f);
            number(f, s->projects[i].streams[k].coverage);
            fputc('\n', f);
        }
    family(f, "mvgate_project_interval_valid", "gauge",
           "1 when the project's last interval counts for the stream (covered enough), else 0.");
    for (size_t i = 0; i < s->nprojects; i++)
        for (size_t k = 0; s->projects[i].last_end_ms > 0 && k < s->projects[i].nstreams; k++) {
            fputs("mvgate_project_interval_valid{", f);
            label(f, "project", s->projects[i].name, 1);
            label(f, "stream", s->projects[i].streams[k].name, 0);
            fprintf(f, "} %d\n", s->projects[i].streams[k].valid ? 1 : 0);
        }
}

char *mvg_http_metrics(const mvg_http_snap *s, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f)
        return NULL;
    family(f, "mvgate_info", "gauge", "The gateway, its site and mvgated's version (always 1).");
    fputs("mvgate_info{", f);
    label(f, "gateway", s->gateway, 1);
    label(f, "site", s->site, 0);
    label(f, "version", s->version, 0);
    fputs("} 1\n", f);
    family(f, "mvgate_start_time_seconds", "gauge", "When mvgated started (Unix time).");
    fputs("mvgate_start_time_seconds ", f);
    number(f, (double)s->started_ms / 1000.0);
    fputc('\n', f);
    family(f, "mvgate_snapshot_time_seconds", "gauge",
           "When these figures were taken (Unix time): they are renewed every second.");
    fputs("mvgate_snapshot_time_seconds ", f);
    number(f, (double)s->now_ms / 1000.0);
    fputc('\n', f);
    family(f, "mvgate_sample_queue_depth", "gauge", "Polls waiting for the pipeline.");
    fprintf(f, "mvgate_sample_queue_depth %" PRIu64 "\n", s->queue_depth);
    family(f, "mvgate_sample_queue_dropped_total", "counter",
           "Polls dropped on a full sample queue.");
    fprintf(f, "mvgate_sample_queue_dropped_total %" PRIu64 "\n", s->queue_dropped);

    device_family(f, s, "mvgate_device_polls_total", "counter",
                  "Polls of the device, answered or not.", DEV_POLLS);
    device_family(f, s, "mvgate_device_failed_polls_total", "counter",
                  "Polls of the device in which a request failed after its retries.",
                  DEV_FAILED);
    device_family(f, s, "mvgate_device_overruns_total", "counter",
                  "Polls of the device that started a whole interval late.", DEV_OVERRUNS);
    device_family(f, s, "mvgate_device_online", "gauge",
                  "1 while the device answers, 0 once it failed offline_after polls in a row.",
                  DEV_ONLINE);
    device_family(f, s, "mvgate_device_last_good_poll_timestamp_seconds", "gauge",
                  "Last poll of the device that got an answer (Unix time).", DEV_LAST_GOOD);
    rtt_histogram(f, s);
    outbox_families(f, s);
    project_families(f, s);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    if (len)
        *len = n;
    return text;
}
