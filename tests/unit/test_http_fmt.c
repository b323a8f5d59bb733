/*
 * test_http_fmt.c: the HTTP endpoint's pure encoders (daemon/http): the
 * Prometheus text of a snapshot (label escaping, HELP and TYPE before the
 * samples, the histogram's cumulative buckets up to +Inf with _sum and
 * _count, no sample for a figure that does not exist yet) and the live
 * JSON (parses, NaN as null, a point not polled yet without quality).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_live.h"
#include "http_metrics.h"
#include "http_snap.h"

/* Two devices (one never answered), one publisher, two projects (one
 * without an interval yet). */
static mvg_http_snap *snapshot(void)
{
    mvg_http_snap *s = mvg_http_snap_new();
    assert_non_null(s);
    s->gateway = "gw-1";
    s->site = "hall \"B\"\\north\nwing";
    s->version = "0.1.0";
    s->now_ms = 1700000010000;
    s->started_ms = 1700000000000;
    s->nrtt_bounds = 3;
    s->rtt_bounds_s[0] = 0.01;
    s->rtt_bounds_s[1] = 0.1;
    s->rtt_bounds_s[2] = 1;
    s->ndevices = 2;
    s->devices = calloc(2, sizeof *s->devices);
    mvg_http_device *d = &s->devices[0];
    d->name = "m1";
    d->bus = "lan";
    d->online = 1;
    d->polls = 10;
    d->failed_polls = 1;
    d->last_good_ms = 1700000009500;
    d->rtt_count[0] = 2; /* <= 10 ms */
    d->rtt_count[1] = 5;
    d->rtt_count[2] = 0;
    d->rtt_count[3] = 2; /* above 1 s */
    d->rtt_sum_s = 4.25;
    d->npoints = 2;
    d->points = calloc(2, sizeof *d->points);
    d->points[0] = (mvg_http_point){"kw", "kW", 12.5, "good",
                                    1700000009500};
    d->points[1] = (mvg_http_point){"kwh", "kWh", NAN,
                                    "comm_error", 1700000009500};
    mvg_http_device *e = &s->devices[1];
    e->name = "m2";
    e->bus = "rs485";
    snprintf(e->last_error, sizeof e->last_error, "unit 2: timed out");
    e->polls = 3;
    e->failed_polls = 3;
    e->npoints = 1;
    e->points = calloc(1, sizeof *e->points);
    e->points[0] = (mvg_http_point){"t", "", NAN, NULL, 0};
    s->noutboxes = 1;
    s->outboxes = calloc(1, sizeof *s->outboxes);
    s->outboxes[0] = (mvg_http_outbox){"mqtt", 7, 1, 1700000004000};
    s->nprojects = 2;
    s->projects = calloc(2, sizeof *s->projects);
    mvg_http_project *p = &s->projects[0];
    p->name = "comp";
    p->last_end_ms = 1700000000000;
    p->phase = "baseline";
    p->nstreams = 1;
    p->streams = calloc(1, sizeof *p->streams);
    p->streams[0] = (mvg_http_stream){"elec", 0.95, 1};
    s->projects[1].name = "later";
    return s;
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_metrics_labels_escaped(void **state)
{
    (void)state;
    mvg_http_snap *s = snapshot();
    char *t = mvg_http_metrics(s, NULL);
    assert_non_null(t);
    assert_true(has_line(
        t, "mvgate_info{gateway=\"gw-1\",site=\"hall \\\"B\\\"\\\\north\\nwing\",version=\"0.1.0\"} 1"));
    free(t);
    mvg_http_snap_free(s);
}

static void test_metrics_histogram_cumulative(void **state)
{
    (void)state;
    mvg_http_snap *s = snapshot();
    char *t = mvg_http_metrics(s, NULL);
    assert_non_null(t);
    const char *h = "mvgate_device_poll_round_trip_seconds";
    char line[256];
    const char *want[][2] = {{"0.01", "2"}, {"0.1", "7"}, {"1", "7"}, {"+Inf", "9"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "%s_bucket{device=\"m1\",bus=\"lan\",le=\"%s\"} %s", h,
                 want[i][0], want[i][1]);
        if (!has_line(t, line))
            fail_msg("no line %s in\n%s", line, t);
    }
    snprintf(line, sizeof line, "%s_sum{device=\"m1\",bus=\"lan\"} 4.25", h);
    assert_true(has_line(t, line));
    snprintf(line, sizeof line, "%s_count{device=\"m1\",bus=\"lan\"} 9", h);
    assert_true(has_line(t, line));
    /* a device without answers still has its (empty) histogram */
    snprintf(line, sizeof line, "%s_bucket{device=\"m2\",bus=\"rs485\",le=\"+Inf\"} 0", h);
    assert_true(has_line(t, line));
    snprintf(line, sizeof line, "# TYPE %s histogram", h);
    assert_true(has_line(t, line));
    free(t);
    mvg_http_snap_free(s);
}

static void test_metrics_help_type_before_samples(void **state)
{
    (void)state;
    mvg_http_snap *s = snapshot();
    char *t = mvg_http_metrics(s, NULL);
    assert_non_null(t);
    /* every sample's family was declared by a TYPE line above it */
    char *copy = strdup(t), *save = NULL;
    char declared[64][96];
    size_t nd = 0;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char name[96];
        if (sscanf(l, "# TYPE %95s", name) == 1) {
            assert_true(nd < 64);
            snprintf(declared[nd++], sizeof declared[0], "%s", name);
            continue;
        }
        if (l[0] == '#')
            continue;
        size_t n = strcspn(l, "{ ");
        int found = 0;
        for (size_t i = 0; i < nd && !found; i++) {
            size_t dl = strlen(declared[i]);
            found = strncmp(l, declared[i], dl) == 0 &&
                    (n == dl || (strncmp(l + dl, "_bucket", 7) == 0 && n == dl + 7) ||
                     (strncmp(l + dl, "_sum", 4) == 0 && n == dl + 4) ||
                     (strncmp(l + dl, "_count", 6) == 0 && n == dl + 6));
        }
        if (!found)
            fail_msg("sample before its TYPE: %s", l);
    }
    free(copy);
    /* figures that do not exist yet have no sample (never a false 0) */
    assert_null(strstr(t, "last_good_poll_timestamp_seconds{device=\"m2\""));
    assert_null(strstr(t, "project=\"later\""));
    assert_true(has_line(t, "mvgate_device_last_good_poll_timestamp_seconds{device=\"m1\","
                            "bus=\"lan\"} 1700000009.5"));
    assert_true(has_line(t, "mvgate_outbox_depth{publisher=\"mqtt\"} 7"));
    assert_true(has_line(t, "mvgate_outbox_oldest_age_seconds{publisher=\"mqtt\"} 6"));
    assert_true(has_line(t, "mvgate_project_interval_coverage_ratio{project=\"comp\","
                            "stream=\"elec\"} 0.95"));
    assert_true(has_line(t, "mvgate_project_last_interval_end_timestamp_seconds{project=\"comp\","
                            "phase=\"baseline\"} 1700000000"));
    free(t);
    mvg_http_snap_free(s);
}

static void test_live_json(void **state)
{
    (void)state;
    mvg_http_snap *s = snapshot();
    size_t len = 0;
    char *t = mvg_http_live_json(s, &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    json_error_t e;
    json_t *doc = json_loads(t, 0, &e);
    if (!doc)
        fail_msg("%s: %s", e.text, t);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), MVG_HTTP_LIVE_SCHEMA);
    json_t *devs = json_object_get(doc, "devices");
    assert_int_equal(json_array_size(devs), 2);
    json_t *pts = json_object_get(json_array_get(devs, 0), "points");
    assert_true(json_real_value(json_object_get(json_array_get(pts, 0), "value")) == 12.5);
    assert_true(json_is_null(json_object_get(json_array_get(pts, 1), "value")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(pts, 1), "quality")),
                        "comm_error");
    json_t *m2 = json_array_get(devs, 1);
    assert_string_equal(json_string_value(json_object_get(m2, "last_error")),
                        "unit 2: timed out");
    json_t *t0 = json_array_get(json_object_get(m2, "points"), 0);
    assert_true(json_is_null(json_object_get(t0, "quality")));
    assert_true(json_is_null(json_object_get(t0, "time")));
    assert_true(json_is_null(json_object_get(m2, "last_good")));
    json_t *later = json_array_get(json_object_get(doc, "projects"), 1);
    assert_true(json_is_null(json_object_get(later, "last_interval_end")));
    json_decref(doc);
    free(t);
    mvg_http_snap_free(s);
}

static void test_page_has_no_external_assets(void **state)
{
    (void)state;
    const char *p = mvg_http_live_page();
    assert_non_null(strstr(p, "api/live"));
    assert_null(strstr(p, "http://"));
    assert_null(strstr(p, "https://"));
    assert_null(strstr(p, "src="));
    assert_null(strstr(p, "innerHTML"));
    mvg_http_snap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_labels_escaped),
        cmocka_unit_test(test_metrics_histogram_cumulative),
        cmocka_unit_test(test_metrics_help_type_before_samples),
        cmocka_unit_test(test_live_json),
        cmocka_unit_test(test_page_has_no_external_assets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
