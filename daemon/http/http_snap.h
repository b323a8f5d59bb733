/*
 * http_snap.h: what the HTTP endpoint serves, as one self-contained value:
 * a snapshot of the figures the daemon keeps for `mvgate status` (devices
 * with their polls, failures, round-trip histogram and last error; each
 * publisher's outbox; the sample queue), the last value and quality of
 * every point, and each project's last interval with its coverage. The
 * pipeline thread builds one every second (gateway/live.h) and hands it to
 * the HTTP module's thread, which only reads it, so the HTTP thread never
 * touches the daemon's live state and the poll and pipeline loops never
 * wait for a request. It owns its arrays (mvg_http_snap_free frees them);
 * its strings are borrowed from the configuration of the gateway that
 * built it (and from literals), which nothing writes while it runs and
 * which the gateway frees only after stopping the server, and with it
 * every snapshot (gateway.c mvg_gateway_free): copying ten thousand point
 * names every second would cost more than all the rest.
 */
#ifndef MVG_HTTP_SNAP_H
#define MVG_HTTP_SNAP_H

#include <stddef.h>
#include <stdint.h>

#define MVG_HTTP_RTT_MAX 16 /* histogram bounds at most */

typedef struct {
    const char *name, *unit;    /* unit "" when none */
    double value;               /* NaN when the point has no value (not polled yet, no answer) */
    const char *quality;        /* mvg_quality_name(), or NULL before the first poll */
    int64_t ts_ms;              /* the sample's stamp; 0 before the first poll */
} mvg_http_point;

typedef struct {
    const char *name, *bus;
    int unit_id, online;
    int64_t last_good_ms;       /* 0: never */
    uint64_t polls, failed_polls, overruns;
    char last_error[256];       /* "" when none: a copy, it changes with every poll */
    uint64_t rtt_count[MVG_HTTP_RTT_MAX + 1]; /* per bucket, not cumulative; the last: above */
    double rtt_sum_s;
    size_t npoints;
    mvg_http_point *points;
} mvg_http_device;

typedef struct {
    const char *name;           /* "mqtt", "influx" */
    uint64_t depth, parked;
    int64_t oldest_ms;          /* the oldest undelivered entry's creation; 0: none */
} mvg_http_outbox;

typedef struct {
    const char *name;
    double coverage;            /* lowest coverage of the stream's channels, 0..1 */
    int valid;
} mvg_http_stream;

typedef struct {
    const char *name;
    int64_t last_end_ms;        /* 0: no interval closed since the daemon started */
    const char *phase;          /* mvg_project_phase_name(), NULL with last_end_ms 0 */
    size_t nstreams;
    mvg_http_stream *streams;
} mvg_http_project;

typedef struct {
    const char *gateway, *site, *version;
    int64_t now_ms, started_ms; /* realtime */
    size_t nrtt_bounds;         /* <= MVG_HTTP_RTT_MAX */
    double rtt_bounds_s[MVG_HTTP_RTT_MAX];
    uint64_t queue_depth, queue_dropped;
    size_t ndevices, noutboxes, nprojects;
    mvg_http_device *devices;
    mvg_http_outbox *outboxes;
    mvg_http_project *projects;
} mvg_http_snap;

/* An empty snapshot (zeroed, no arrays): NULL when out of memory. */
mvg_http_snap *mvg_http_snap_new(void);
/* Frees the arrays (not the borrowed strings); NULL is a no-op. */
void mvg_http_snap_free(mvg_http_snap *s);

#endif
