/*
 * test_pipeline.c: the pipeline's outbox side on a real store in a temp
 * dir: MQTT telemetry every N polls, on change with a relative deadband
 * (a quality change always counts), or off; samples stored only for the
 * points the engine uses unless all are asked for; InfluxDB sample lines.
 * Entries are read back through the outbox API the publishers use.
 * Interval records are signed and chain across a restart (the key and
 * the previous record come back from data_dir). Late and out-of-order
 * samples are refused by the engine and counted in the status document.
 * In each phase, the figures it leaves undefined are null in the stored
 * record and absent from its InfluxDB line.
 * A forward clock step is one flagged record and ages no sample; a held
 * pipeline (clock not synchronised) stores polls and records nothing.
 * A store that takes no writes keeps the records waiting, in order, and
 * a store below its reserve refuses samples but takes records.
 * With a telemetry lane, telemetry goes by the lane while it is open and
 * nothing of it is stored; what the lane hands back goes to the outbox
 * before later telemetry, and at the close; polls stored together skip
 * one that does not match the configuration and keep the others.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "testutil.h"

#include "config.h"
#include "chain.h"
#include "config_publish.h"
#include "keys.h"
#include "diag.h"
#include "outbox.h"
#include "payload.h"
#include "pipeline.h"
#include "runner.h"
#include "status.h"
#include "store.h"
#include "telemetry_lane.h"

static char dir[128];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make(dir, sizeof dir, "pipeline");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

typedef struct {
    mvg_config *cfg;
    mvg_runner *runner;
    mvg_pipeline *p;
} rig;

/* A gateway with one device of two points (kw, kwh) and, when with_project,
 * a project that uses kwh only (2: one with an installation period too,
 * the device polled once a minute).
 * Fresh database in a subdirectory. */
static void rig_open(rig *g, const char *sub, const mvg_pipeline_opts *opts, int with_project)
{
    char ddir[256], path[300];
    snprintf(ddir, sizeof ddir, "%s/%s", dir, sub);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", ddir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/gw.conf", ddir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "gateway = { id = \"gw\"; site = \"lab\"; data_dir = \"%s\"; };\n"
            "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
            "devices = ( { name = \"m\"; bus = \"lan\"; interval_ms = %d; points = (\n"
            "  { name = \"kw\"; area = \"input\"; address = 0; type = \"float32\"; unit = \"kW\"; },\n"
            "  { name = \"kwh\"; area = \"input\"; address = 2; type = \"uint32\"; unit = \"kWh\"; "
            "kind = \"counter\"; } ); } );\n",
            ddir, with_project == 2 ? 60000 : 1000); /* 2: polled once a minute */
    if (with_project == 2) /* every phase: an hour of baseline, half an hour of installation;
                              the model given, so that reporting has a baseline value */
        fprintf(f, "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 15;\n"
                   "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T01:00:00Z\"; };\n"
                   "  installation = { start = \"2026-01-01T01:00:00Z\"; "
                   "end = \"2026-01-01T01:30:00Z\"; };\n"
                   "  reporting = { start = \"2026-01-01T01:30:00Z\"; };\n"
                   "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; "
                   "actual = \"m.kwh\"; model = { type = \"mean\"; coefficients = [ 40.0 ]; "
                   "n = 100; cv_rmse = 0.05; nmbe = 0.0; }; } ); } );\n");
    else if (with_project)
        fprintf(f, "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 15;\n"
                   "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-02T00:00:00Z\"; };\n"
                   "  reporting = { start = \"2026-01-03T00:00:00Z\"; };\n"
                   "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; "
                   "actual = \"m.kwh\"; model = { type = \"mean\"; }; } ); } );\n");
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    g->cfg = mvg_config_load(path, NULL, d);
    if (!g->cfg)
        mvg_diags_print(d, stderr);
    assert_non_null(g->cfg);
    mvg_diags_free(d);
    char err[256];
    g->runner = mvg_runner_new(g->cfg, 1.0, err, sizeof err);
    assert_non_null(g->runner);
    g->p = mvg_pipeline_open(g->cfg, g->runner, opts, err, sizeof err);
    if (!g->p)
        fprintf(stderr, "%s\n", err);
    assert_non_null(g->p);
}

static void rig_close(rig *g)
{
    mvg_pipeline_close(g->p);
    mvg_runner_free(g->runner);
    mvg_config_free(g->cfg);
}

/* One poll of device m. */
static void poll(rig *g, int64_t ts, double kw, mvg_quality q, double kwh)
{
    char buf[sizeof(mvg_sample_batch) + 2 * sizeof(mvg_sample)];
    mvg_sample_batch *b = (mvg_sample_batch *)buf;
    b->device = 0;
    b->generation = 1;
    b->online = 1;
    b->n = 2;
    b->samples[0] = (mvg_sample){.ts_ms = ts, .value = q == MVG_Q_GOOD ? kw : NAN, .quality = q};
    b->samples[1] = (mvg_sample){.ts_ms = ts, .value = kwh, .quality = MVG_Q_GOOD};
    char err[256];
    assert_int_equal(mvg_pipeline_batch(g->p, b, err, sizeof err), 0);
}

/* The points of each MQTT telemetry entry, as "kw,kwh;kw;..." */
static void telemetry_points(rig *g, const char *publisher, char *out, size_t cap)
{
    char err[256];
    mvg_outbox *ob = mvg_outbox_open(mvg_pipeline_db_path(g->p), publisher, err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[64];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 64, e, &n, err, sizeof err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (e[i].cls != MVG_OUT_TELEMETRY)
            continue;
        assert_string_equal(e[i].topic, "telemetry/m");
        json_error_t je;
        json_t *doc = json_loadb(e[i].payload, e[i].len, 0, &je);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/telemetry/2");
        size_t k;
        json_t *s;
        if (out[0])
            strncat(out, ";", cap - strlen(out) - 1);
        json_array_foreach(json_object_get(doc, "samples"), k, s) {
            if (k)
                strncat(out, ",", cap - strlen(out) - 1);
            strncat(out, json_string_value(json_object_get(s, "point")), cap - strlen(out) - 1);
        }
        json_decref(doc);
    }
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
}

/* The kw value of each MQTT telemetry entry in the outbox, in id order,
 * as "10;11;..." */
static void telemetry_kw(rig *g, char *out, size_t cap)
{
    char err[256];
    mvg_outbox *ob = mvg_outbox_open(mvg_pipeline_db_path(g->p), "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[64];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 64, e, &n, err, sizeof err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (e[i].cls != MVG_OUT_TELEMETRY)
            continue;
        json_t *doc = json_loadb(e[i].payload, e[i].len, 0, NULL);
        assert_non_null(doc);
        json_t *s0 = json_array_get(json_object_get(doc, "samples"), 0);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%g", len ? ";" : "",
                 json_number_value(json_object_get(s0, "value")));
        json_decref(doc);
    }
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
}

/* The kw value of a lane entry. */
static double lane_kw(const mvg_lane_entry *e)
{
    assert_string_equal(e->topic, "telemetry/m");
    json_t *doc = json_loadb(e->payload, e->len, 0, NULL);
    assert_non_null(doc);
    double v = json_number_value(
        json_object_get(json_array_get(json_object_get(doc, "samples"), 0), "value"));
    json_decref(doc);
    return v;
}

static void test_telemetry_by_the_lane(void **state)
{
    (void)state;
    rig g;
    mvg_lane *l = mvg_lane_new(1 << 20);
    mvg_pipeline_opts o = {.mqtt = 1, .telemetry_mode = MVG_TELEMETRY_EVERY, .telemetry_every = 1,
                           .lane = l};
    rig_open(&g, "lane", &o, 0);
    char got[512];
    poll(&g, 1000, 10, MVG_Q_GOOD, 100); /* closed: the outbox */
    assert_int_equal(mvg_lane_open(l), 1);
    poll(&g, 2000, 11, MVG_Q_GOOD, 101); /* by the lane */
    poll(&g, 3000, 12, MVG_Q_GOOD, 102);
    telemetry_kw(&g, got, sizeof got);
    assert_string_equal(got, "10");
    mvg_lane_entry *flying = mvg_lane_take(l); /* 11 in flight, 12 queued */
    assert_true(lane_kw(flying) == 11);
    /* the connection lost: 11 and 12 come back and go before 13 */
    mvg_lane_close(l, flying);
    poll(&g, 4000, 13, MVG_Q_GOOD, 103);
    telemetry_kw(&g, got, sizeof got);
    assert_string_equal(got, "10;11;12;13");

    /* three polls at once, one of a device the configuration does not
     * have: it is refused, the other two are stored and reach the engine */
    char buf[3][sizeof(mvg_sample_batch) + 2 * sizeof(mvg_sample)];
    const mvg_sample_batch *bs[3];
    for (int i = 0; i < 3; i++) {
        mvg_sample_batch *b = (mvg_sample_batch *)buf[i];
        b->device = i == 1 ? 5 : 0;
        b->generation = 1;
        b->online = 1;
        b->n = 2;
        b->samples[0] = (mvg_sample){.ts_ms = 5000 + 1000 * i, .value = 14 + i, .quality = MVG_Q_GOOD};
        b->samples[1] = (mvg_sample){.ts_ms = 5000 + 1000 * i, .value = 104 + i, .quality = MVG_Q_GOOD};
        bs[i] = b;
    }
    char err[256] = "";
    assert_int_equal(mvg_pipeline_batches(g.p, bs, 3, err, sizeof err), -1);
    assert_string_equal(err, "a poll that does not match the configuration");
    telemetry_kw(&g, got, sizeof got);
    assert_string_equal(got, "10;11;12;13;14;16");

    /* open again: 17 by the lane; handed back at the stop, it is kept */
    assert_int_equal(mvg_lane_open(l), 1);
    poll(&g, 8000, 17, MVG_Q_GOOD, 107);
    telemetry_kw(&g, got, sizeof got);
    assert_string_equal(got, "10;11;12;13;14;16");
    mvg_lane_close(l, NULL);
    mvg_pipeline_close(g.p);
    g.p = NULL;
    char ddir[300], db[400];
    snprintf(ddir, sizeof ddir, "%s/lane", dir);
    assert_int_equal(mvg_store_path(ddir, db, sizeof db), 0);
    mvg_outbox *ob = mvg_outbox_open(db, "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[16];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 16, e, &n, err, sizeof err), 0);
    size_t tel = 0;
    for (size_t i = 0; i < n; i++)
        tel += e[i].cls == MVG_OUT_TELEMETRY;
    assert_int_equal(tel, 7);
    assert_non_null(strstr(e[n - 1].payload, "\"value\":17"));
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
    mvg_runner_free(g.runner);
    mvg_config_free(g.cfg);
    mvg_lane_free(l);
}

static void test_telemetry_every_n(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.mqtt = 1, .telemetry_mode = MVG_TELEMETRY_EVERY, .telemetry_every = 3};
    rig_open(&g, "every", &o, 0);
    for (int i = 0; i < 7; i++)
        poll(&g, 1000 * (i + 1), 10.0 + i, MVG_Q_GOOD, 100 + i);
    char got[512];
    telemetry_points(&g, "mqtt", got, sizeof got);
    assert_string_equal(got, "kw,kwh;kw,kwh;kw,kwh"); /* polls 1, 4 and 7 */
    rig_close(&g);
}

static void test_telemetry_on_change_with_deadband(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.mqtt = 1, .telemetry_mode = MVG_TELEMETRY_CHANGE, .deadband = 0.05};
    rig_open(&g, "change", &o, 0);
    poll(&g, 1000, 100.0, MVG_Q_GOOD, 500); /* first: everything */
    poll(&g, 2000, 104.0, MVG_Q_GOOD, 500); /* kw within 5 %, kwh same: nothing */
    poll(&g, 3000, 106.0, MVG_Q_GOOD, 500); /* kw 6 % from the last SENT (100): kw */
    poll(&g, 4000, 106.0, MVG_Q_COMM_ERROR, 501); /* quality change: kw; kwh +0.2 %: no */
    poll(&g, 5000, 106.0, MVG_Q_GOOD, 600); /* quality back: kw; kwh +20 %: kwh */
    char got[512];
    telemetry_points(&g, "mqtt", got, sizeof got);
    assert_string_equal(got, "kw,kwh;kw;kw;kw,kwh");
    rig_close(&g);
}

static void test_telemetry_off_and_influx_lines(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.mqtt = 1, .influx = 1, .influx_telemetry = 1,
                           .telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "off", &o, 0);
    poll(&g, 1000, 1.5, MVG_Q_GOOD, 7);
    poll(&g, 2000, 1.5, MVG_Q_INVALID, 8);
    char got[512];
    telemetry_points(&g, "mqtt", got, sizeof got);
    assert_string_equal(got, "");
    /* InfluxDB got both polls; the invalid value is left out, its quality stays */
    char err[256];
    mvg_outbox *ob = mvg_outbox_open(mvg_pipeline_db_path(g.p), "influx", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[8];
    size_t n = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 8, e, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    char want1[] = "mvgate_sample,gateway=gw,device=m,point=kw value=1.5,quality=\"good\" 1000\n"
                   "mvgate_sample,gateway=gw,device=m,point=kwh value=7,quality=\"good\" 1000\n";
    assert_int_equal(e[0].len, strlen(want1));
    assert_memory_equal(e[0].payload, want1, strlen(want1));
    assert_non_null(strstr(e[1].payload, "point=kw quality=\"invalid\" 2000\n"));
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
    rig_close(&g);
}

static int count_samples(void *user, const char *device, const char *point, const mvg_sample *s)
{
    (void)device;
    (void)s;
    char *seen = user;
    strcat(seen, point);
    strcat(seen, ";");
    return 0;
}

static void test_samples_kept_for_the_engine_or_all(void **state)
{
    (void)state;
    for (int all = 0; all < 2; all++) {
        rig g;
        mvg_pipeline_opts o = {.all_samples = all};
        rig_open(&g, all ? "all" : "engine", &o, 1);
        poll(&g, 1000, 3.0, MVG_Q_GOOD, 10);
        poll(&g, 2000, 4.0, MVG_Q_GOOD, 11);
        char err[256];
        mvg_store_opts so = {.read_only = 1};
        mvg_store *st = mvg_store_open(mvg_pipeline_db_path(g.p), &so, err, sizeof err);
        assert_non_null(st);
        char seen[256] = "";
        assert_int_equal(mvg_store_foreach_sample(st, 0, INT64_MAX, count_samples, seen, err,
                                                  sizeof err), 0);
        /* the project uses m.kwh only */
        if (all)
            assert_int_equal(strlen(seen), strlen("kw;kwh;kw;kwh;"));
        else
            assert_string_equal(seen, "kwh;kwh;");
        mvg_store_close(st);
        rig_close(&g);
    }
}

typedef struct {
    mvg_chain_item items[64];
    char *bytes[64];
    size_t n;
} records;

static int collect_record(void *user, const char *project, int64_t seq, int64_t start_ms,
                          int64_t end_ms, const char *payload, size_t len)
{
    (void)project;
    (void)seq;
    (void)start_ms;
    (void)end_ms;
    records *r = user;
    if (r->n == 64)
        return 1;
    r->bytes[r->n] = malloc(len);
    memcpy(r->bytes[r->n], payload, len);
    r->items[r->n] = (mvg_chain_item){.bytes = r->bytes[r->n], .len = len};
    r->n++;
    return 0;
}

/* Every interval record in g's store, in seq order (the caller frees the bytes). */
static void stored_records(rig *g, records *r)
{
    char err[256];
    mvg_store_opts so = {.read_only = 1};
    mvg_store *st = mvg_store_open(mvg_pipeline_db_path(g->p), &so, err, sizeof err);
    assert_non_null(st);
    r->n = 0;
    assert_int_equal(mvg_store_foreach_interval(st, INT64_MIN, INT64_MAX, collect_record, r, err,
                                                sizeof err), 0);
    mvg_store_close(st);
}

/* Polls of m once a minute over [from, to) (2026-01-01 plus minutes), then
 * one advance well after: every closed interval is written in one commit. */
static int run_minutes(rig *g, int from, int to)
{
    const int64_t t0 = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    for (int m = from; m < to; m++)
        poll(g, t0 + m * 60000LL, 2.0, MVG_Q_GOOD, 100.0 + 2.0 * m);
    char err[256];
    int n = mvg_pipeline_advance(g->p, t0 + (to + 5) * 60000LL, NULL, NULL, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "%s\n", err);
    return n;
}

static void test_records_signed_and_chained_across_restart(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.mqtt = 1, .telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "chain", &o, 1);
    int first = run_minutes(&g, 0, 61);
    assert_true(first >= 3); /* several records in one transaction chain to each other */
    rig_close(&g);

    /* a restart: the same key is loaded, the chain continues from the store */
    rig_open(&g, "chain", &o, 1);
    char err[256];
    int64_t replayed = 0;
    assert_true(mvg_pipeline_restore(g.p, &replayed, err, sizeof err) >= 0);
    int second = run_minutes(&g, 61, 121);
    assert_true(second >= 3);

    char pub[300];
    snprintf(pub, sizeof pub, "%s/chain/gateway.pub", dir);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    assert_int_equal(mvg_keys_read_public(pub, pk, err, sizeof err), 0);
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    assert_string_equal(mvg_pipeline_key_fingerprint(g.p), fp);

    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, (size_t)(first + second));
    mvg_chain_report rep;
    mvg_chain_verdict v = mvg_chain_verify(r.items, r.n, pk, 0, &rep);
    if (v != MVG_CHAIN_V_OK)
        fail_msg("seq %lld: %s: %s", (long long)rep.seq, mvg_chain_verdict_name(v), rep.detail);
    assert_int_equal(rep.records, r.n);
    /* the first record after the restart names the hash of the last one before */
    char h[MVG_CHAIN_HEX_LEN], want[80];
    mvg_chain_hash_hex(r.bytes[first - 1], r.items[first - 1].len, h);
    snprintf(want, sizeof want, "\"prev\":\"%s\"", h);
    assert_non_null(strstr(r.bytes[first], want));
    for (size_t i = 0; i < r.n; i++)
        free(r.bytes[i]);

    /* the public key went to the MQTT outbox, retained on "identity", once per open */
    mvg_outbox *ob = mvg_outbox_open(mvg_pipeline_db_path(g.p), "mqtt", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[64];
    size_t n = 0, ids = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 64, e, &n, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(e[i].topic, "identity") != 0)
            continue;
        ids++;
        assert_true(e[i].retained);
        json_t *doc = json_loadb(e[i].payload, e[i].len, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "fingerprint")), fp);
        const char *k = json_string_value(json_object_get(doc, "key"));
        unsigned char back[MVG_CHAIN_PK_BYTES];
        assert_int_equal(mvg_chain_pk_from_b64(k, strlen(k), back), 0);
        assert_memory_equal(back, pk, sizeof back);
        json_decref(doc);
    }
    assert_int_equal(ids, 2);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
    rig_close(&g);
}

/* The records of each phase, in the store and in the InfluxDB outbox:
 * what the phase leaves undefined is null in the record and absent from
 * the line; a valid reporting interval carries numbers. */
static void test_undefined_figures_null_per_phase(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.influx = 1, .telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "phases", &o, 2);
    const int64_t t0 = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    /* polls once a minute to 02:30, none in [02:00, 02:15): that interval is not valid */
    char err[256];
    for (int m = 0; m < 150; m++) {
        if (m < 120 || m >= 135)
            poll(&g, t0 + m * 60000LL, 2.0, MVG_Q_GOOD, 100.0 + 2.0 * m);
        assert_true(mvg_pipeline_advance(g.p, t0 + m * 60000LL, NULL, NULL, err, sizeof err) >= 0);
    }
    assert_true(mvg_pipeline_advance(g.p, t0 + 155 * 60000LL, NULL, NULL, err, sizeof err) >= 0);

    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, 10); /* 00:00 .. 02:15 */
    mvg_outbox *ob = mvg_outbox_open(mvg_pipeline_db_path(g.p), "influx", err, sizeof err);
    assert_non_null(ob);
    mvg_outbox_entry e[64];
    size_t n = 0, lines = 0;
    assert_int_equal(mvg_outbox_fetch(ob, 0, 64, e, &n, err, sizeof err), 0);
    int seen[4] = {0}; /* baseline, installation, reporting not valid, reporting valid */
    for (size_t i = 0; i < r.n; i++) {
        json_t *doc = json_loadb(r.bytes[i], r.items[i].len, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/interval/5");
        /* the definition record written at the first start is in force */
        assert_int_equal(json_integer_value(json_object_get(doc, "definition")), 1);
        const char *phase = json_string_value(json_object_get(doc, "phase"));
        json_t *s = json_array_get(json_object_get(doc, "streams"), 0);
        int reporting = strcmp(phase, "reporting") == 0;
        int valid = json_is_true(json_object_get(s, "valid"));
        int kind = strcmp(phase, "baseline") == 0       ? 0
                   : strcmp(phase, "installation") == 0 ? 1
                                                        : 2 + valid;
        assert_true(reporting || kind < 2);
        seen[kind]++;
        int defined = kind == 3;
        static const char *const figures[] = {"adjusted_baseline", "avoided", "savings"};
        for (size_t k = 0; k < 3; k++)
            assert_int_equal(json_is_number(json_object_get(s, figures[k])), defined);
        assert_int_equal(json_is_number(json_object_get(s, "adjustment")), reporting);
        assert_int_equal(json_is_number(json_object_get(json_object_get(s, "converted"), "kwh")),
                         defined);
        /* the line of the same interval (the outbox holds interval lines only) */
        char when[48];
        snprintf(when, sizeof when, " %lld\n",
                 (long long)(t0 + (int64_t)(i + 1) * 15 * 60000LL));
        const mvg_outbox_entry *line = NULL;
        for (size_t k = 0; k < n; k++)
            if (e[k].cls == MVG_OUT_INTERVAL && strstr(e[k].payload, when))
                line = &e[k];
        assert_non_null(line);
        lines++;
        char ph[48];
        snprintf(ph, sizeof ph, "phase=\"%s\"", phase);
        assert_non_null(strstr(line->payload, ph));
        assert_int_equal(strstr(line->payload, "adjusted_baseline=") != NULL, defined);
        assert_int_equal(strstr(line->payload, ",savings=") != NULL, defined);
        assert_non_null(strstr(line->payload, "cum_savings="));
        json_decref(doc);
        free(r.bytes[i]);
    }
    assert_int_equal(lines, r.n);
    assert_true(seen[0] == 4 && seen[1] == 2 && seen[2] >= 1 && seen[3] >= 1);
    mvg_outbox_entries_free(e, n);
    mvg_outbox_close(ob);
    rig_close(&g);
}

/* A sample inside an interval already recorded, and one older than its
 * point's previous sample, are refused by the engine and counted where
 * the status document reports them. */
static void test_late_sample_rejected_and_reported(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "late", &o, 1);
    const int64_t t0 = 1767225600000LL;
    char err[256];
    assert_true(run_minutes(&g, 0, 16) >= 1);
    /* the clock moves on to 00:40 without a sample since 00:15: [00:15,
     * 00:30) is recorded too */
    assert_true(mvg_pipeline_advance(g.p, t0 + 40 * 60000LL, NULL, NULL, err, sizeof err) >= 1);
    mvg_status_input in = {.cfg = g.cfg};
    assert_int_equal(mvg_pipeline_figures(g.p, &in, err, sizeof err), 0);
    assert_int_equal(in.engine_rejected, 0);
    /* then a poll stamped 00:20 arrives: newer than the meter's last, but late */
    poll(&g, t0 + 20 * 60000LL, 2.0, MVG_Q_GOOD, 140.0);
    assert_int_equal(mvg_pipeline_figures(g.p, &in, err, sizeof err), 0);
    assert_int_equal(in.engine_rejected, 1);
    /* and one stamped before it: out of order */
    poll(&g, t0 + 19 * 60000LL, 2.0, MVG_Q_GOOD, 138.0);
    assert_int_equal(mvg_pipeline_figures(g.p, &in, err, sizeof err), 0);
    assert_int_equal(in.engine_rejected, 2);
    mvg_device_status dev = {.online = 1};
    in.state = "online";
    in.now_ms = in.started_ms = t0;
    in.devices = &dev;
    char *json = mvg_status_json(&in);
    assert_non_null(json);
    json_t *doc = json_loads(json, 0, NULL);
    assert_non_null(doc);
    json_t *rejected = json_object_get(json_object_get(doc, "engine"), "rejected");
    assert_true(json_is_integer(rejected));
    assert_int_equal(json_integer_value(rejected), 2);
    json_decref(doc);
    free(json);
    rig_close(&g);
}

static int64_t samples_before(rig *g, int64_t ts)
{
    char err[256];
    mvg_store_opts so = {.read_only = 1};
    mvg_store *st = mvg_store_open(mvg_pipeline_db_path(g->p), &so, err, sizeof err);
    assert_non_null(st);
    char seen[4096] = "";
    assert_int_equal(mvg_store_foreach_sample(st, 0, ts, count_samples, seen, err, sizeof err), 0);
    mvg_store_close(st);
    int64_t n = 0;
    for (const char *c = seen; *c; c++)
        n += *c == ';';
    return n;
}

static void test_clock_step_one_record_and_retention(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF,
                           .store = {.sample_max_age_ms = 24 * 3600000LL}};
    rig_open(&g, "step", &o, 1);
    const int64_t t0 = 1767225600000LL, day = 24 * 3600000LL, min = 60000LL;
    char err[256];
    assert_int_equal(run_minutes(&g, 0, 16), 1); /* [00:00, 00:15) */
    /* the wall clock jumps ten days at 00:16 (960 intervals): one record
     * flagged, then the intervals after the step */
    assert_int_equal(mvg_pipeline_clock_step(g.p, t0 + 10 * day + 16 * min, 10 * day, err,
                                             sizeof err), 0);
    for (int m = 17; m < 45; m++)
        poll(&g, t0 + 10 * day + m * min, 2.0, MVG_Q_GOOD, 140.0 + 2.0 * m);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 10 * day + 46 * min, NULL, NULL, err, sizeof err),
                     3);
    /* the retention of a day does not reach the samples before the step:
     * only minutes have passed since them */
    int64_t before = samples_before(&g, t0 + 16 * min);
    assert_int_equal(before, 16);
    assert_int_equal(mvg_pipeline_maintain(g.p, t0 + 10 * day + 46 * min, err, sizeof err), 0);
    assert_int_equal(samples_before(&g, t0 + 16 * min), before);

    /* a step that skips nothing (it undid a step back) changes nothing */
    assert_int_equal(mvg_pipeline_clock_step(g.p, t0 + 10 * day + 46 * min, 0, err, sizeof err), 0);
    for (int m = 47; m < 62; m++)
        poll(&g, t0 + 10 * day + m * min, 2.0, MVG_Q_GOOD, 140.0 + 2.0 * m);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 10 * day + 62 * min, NULL, NULL, err, sizeof err),
                     1);

    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, 5);
    for (size_t i = 0; i < r.n; i++) {
        json_t *doc = json_loadb(r.bytes[i], r.items[i].len, 0, NULL);
        assert_non_null(doc);
        assert_int_equal(json_is_true(json_object_get(doc, "clock_step")), i == 1);
        assert_int_equal(json_integer_value(json_object_get(doc, "clock_step_ms")),
                         i == 1 ? 10 * day : 0);
        /* the baseline (one day) is not over: ten days were a step */
        assert_string_equal(json_string_value(json_object_get(doc, "phase")), "baseline");
        json_decref(doc);
        free(r.bytes[i]);
    }
    /* the retention spares the samples before the step after a restart
     * too: the allowance is kept in the store */
    rig_close(&g);
    rig_open(&g, "step", &o, 1);
    assert_int_equal(mvg_pipeline_maintain(g.p, t0 + 10 * day + 62 * min, err, sizeof err), 0);
    assert_int_equal(samples_before(&g, t0 + 16 * min), before);
    rig_close(&g);
}

/* A step seen, then a crash before its record (no advance, no record):
 * the step is in the store's newest checkpoint, so the restarted engine
 * gives the one flagged record, not 960 empty ones for the ten days. */
static void test_clock_step_survives_a_crash(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "stepcrash", &o, 1);
    const int64_t t0 = 1767225600000LL, day = 24 * 3600000LL, min = 60000LL;
    char err[256];
    assert_int_equal(run_minutes(&g, 0, 16), 1); /* [00:00, 00:15) */
    assert_int_equal(mvg_pipeline_clock_step(g.p, t0 + 10 * day + 16 * min, 10 * day, err,
                                             sizeof err), 0);
    /* polls after the step are stored, then the process dies */
    for (int m = 17; m < 20; m++)
        poll(&g, t0 + 10 * day + m * min, 2.0, MVG_Q_GOOD, 140.0 + 2.0 * m);
    rig_close(&g);

    rig_open(&g, "stepcrash", &o, 1);
    int64_t replayed = 0;
    assert_int_equal(mvg_pipeline_restore(g.p, &replayed, err, sizeof err), 1);
    assert_int_equal(replayed, 3); /* the three polls stored after the checkpoint */
    for (int m = 20; m < 45; m++)
        poll(&g, t0 + 10 * day + m * min, 2.0, MVG_Q_GOOD, 140.0 + 2.0 * m);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 10 * day + 46 * min, NULL, NULL, err, sizeof err),
                     3);
    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, 4);
    static const int64_t starts[] = {0, 15, 10 * 24 * 60 + 15, 10 * 24 * 60 + 30};
    for (size_t i = 0; i < r.n; i++) {
        json_t *doc = json_loadb(r.bytes[i], r.items[i].len, 0, NULL);
        assert_non_null(doc);
        assert_int_equal(json_integer_value(json_object_get(doc, "seq")), (json_int_t)i + 1);
        assert_int_equal(json_is_true(json_object_get(doc, "clock_step")), i == 1);
        assert_int_equal(json_integer_value(json_object_get(doc, "clock_step_ms")),
                         i == 1 ? 10 * day : 0);
        char want[40];
        mvg_payload_time(t0 + starts[i] * min, want, sizeof want);
        assert_string_equal(json_string_value(json_object_get(doc, "start")), want);
        json_decref(doc);
        free(r.bytes[i]);
    }
    rig_close(&g);
}

/* Held (the wall clock not synchronised yet): polls are stored but kept
 * from the engine, no interval is recorded; released, the engine starts
 * with the next poll. */
static void test_hold_stores_but_records_nothing(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF};
    rig_open(&g, "hold", &o, 1);
    const int64_t t0 = 1767225600000LL, min = 60000LL;
    char err[256];
    assert_int_equal(mvg_pipeline_hold(g.p, 1), 0);
    for (int m = 0; m < 16; m++)
        poll(&g, t0 + m * min, 2.0, MVG_Q_GOOD, 100.0 + 2.0 * m);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 40 * min, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(samples_before(&g, t0 + 16 * min), 16);
    assert_int_equal(mvg_pipeline_hold(g.p, 0), 16);
    for (int m = 45; m < 61; m++)
        poll(&g, t0 + m * min, 2.0, MVG_Q_GOOD, 190.0 + 2.0 * m);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 62 * min, NULL, NULL, err, sizeof err), 1);
    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, 1);
    /* the first record is the interval of the first poll after the hold */
    assert_non_null(strstr(r.bytes[0], "\"start\":\"2026-01-01T00:45:00.000Z\""));
    free(r.bytes[0]);
    rig_close(&g);
}

/* A store that takes nothing (another connection holds the write lock:
 * every write fails, as on a failing disk): the records wait in memory,
 * at most pending_max of them, then the engine holds its intervals open;
 * no checkpoint is written past the stored records. Once the store takes
 * writes again, every record goes in, in order, seq and chain unbroken. */
static void test_records_wait_for_a_failing_store(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF, .pending_max = 3, .retry_ms = 1,
                           .store = {.busy_timeout_ms = 10}};
    rig_open(&g, "failing", &o, 1);
    assert_int_equal(run_minutes(&g, 0, 31), 2);
    sqlite3 *lock = NULL;
    assert_int_equal(sqlite3_open(mvg_pipeline_db_path(g.p), &lock), SQLITE_OK);
    assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    const int64_t t0 = 1767225600000LL, min = 60000LL;
    char err[256];
    for (int m = 31; m < 121; m++) {
        poll(&g, t0 + m * min, 2.0, MVG_Q_GOOD, 100.0 + 2.0 * m);
        if (m % 15 == 0)
            assert_int_equal(mvg_pipeline_advance(g.p, t0 + (m + 5) * min, NULL, NULL, err,
                                                  sizeof err), 0);
    }
    mvg_pipeline_store_state ss;
    mvg_pipeline_store_state_get(g.p, &ss);
    assert_string_equal(ss.state, "failing");
    assert_non_null(strstr(ss.why, "locked"));
    assert_int_equal(ss.records_waiting, 3);
    assert_true(ss.engine_held);
    assert_int_equal(mvg_pipeline_waiting(g.p), 3);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(lock, "SELECT COUNT(*) FROM checkpoints", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1); /* the one of the first two records */
    sqlite3_finalize(q);

    /* the lock goes: what waited is written first, then what the engine held */
    assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(lock);
    usleep(5000);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 126 * min, NULL, NULL, err, sizeof err), 3);
    assert_int_equal(mvg_pipeline_advance(g.p, t0 + 126 * min, NULL, NULL, err, sizeof err), 3);
    mvg_pipeline_store_state_get(g.p, &ss);
    assert_string_equal(ss.state, "ok");
    assert_int_equal(ss.records_waiting, 0);

    records r;
    stored_records(&g, &r);
    assert_int_equal(r.n, 8);
    char pub[300];
    snprintf(pub, sizeof pub, "%s/failing/gateway.pub", dir);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    assert_int_equal(mvg_keys_read_public(pub, pk, err, sizeof err), 0);
    mvg_chain_report rep;
    mvg_chain_verdict v = mvg_chain_verify(r.items, r.n, pk, 0, &rep);
    if (v != MVG_CHAIN_V_OK)
        fail_msg("seq %lld: %s: %s", (long long)rep.seq, mvg_chain_verdict_name(v), rep.detail);
    for (size_t i = 0; i < r.n; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"seq\":%zu,", i + 1);
        assert_non_null(strstr(r.bytes[i], want));
        snprintf(want, sizeof want, "\"start\":\"2026-01-01T%02zu:%02zu:00.000Z\"",
                 i * 15 / 60, i * 15 % 60);
        assert_non_null(strstr(r.bytes[i], want));
        free(r.bytes[i]);
    }
    rig_close(&g);
}

/* Below store.reserve_mb the polls' samples are refused and counted, and
 * the records are still written: the state is "full". */
static void test_reserve_refuses_samples_keeps_records(void **state)
{
    (void)state;
    rig g;
    mvg_pipeline_opts o = {.telemetry_mode = MVG_TELEMETRY_OFF,
                           .store = {.reserve_bytes = INT64_MAX / 2}};
    rig_open(&g, "reserve", &o, 1);
    assert_int_equal(run_minutes(&g, 0, 31), 2);
    assert_int_equal(samples_before(&g, INT64_MAX), 0);
    mvg_pipeline_store_state ss;
    mvg_pipeline_store_state_get(g.p, &ss);
    assert_string_equal(ss.state, "full");
    assert_int_equal(ss.room.samples_refused, 31);
    assert_int_equal(ss.records_waiting, 0);
    mvg_status_input in = {.cfg = g.cfg};
    char err[256];
    assert_int_equal(mvg_pipeline_figures(g.p, &in, err, sizeof err), 0);
    assert_string_equal(in.store_state, "full");
    rig_close(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telemetry_every_n),
        cmocka_unit_test(test_telemetry_by_the_lane),
        cmocka_unit_test(test_telemetry_on_change_with_deadband),
        cmocka_unit_test(test_telemetry_off_and_influx_lines),
        cmocka_unit_test(test_samples_kept_for_the_engine_or_all),
        cmocka_unit_test(test_records_signed_and_chained_across_restart),
        cmocka_unit_test(test_late_sample_rejected_and_reported),
        cmocka_unit_test(test_undefined_figures_null_per_phase),
        cmocka_unit_test(test_clock_step_one_record_and_retention),
        cmocka_unit_test(test_clock_step_survives_a_crash),
        cmocka_unit_test(test_hold_stores_but_records_nothing),
        cmocka_unit_test(test_records_wait_for_a_failing_store),
        cmocka_unit_test(test_reserve_refuses_samples_keeps_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
