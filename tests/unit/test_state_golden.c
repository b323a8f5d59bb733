/*
 * test_state_golden.c: the engine state's bytes are frozen. Checkpoints in
 * users' stores were written by earlier builds, so a change of the framing
 * code must not move one byte: a fixed configuration fed fixed samples
 * saves exactly the bytes of tests/unit/data/engine_state.hex, and those
 * bytes load back into a fresh runner, which then saves them again and
 * carries on like the runner that never stopped.
 *
 * The state holds two aggregators (with open intervals and last samples)
 * and two projects: one still collecting baseline rows for a fit, one with
 * its model given in the config, in its reporting period (frozen model,
 * accumulators). The fixture avoids a least-squares fit so that the bytes
 * depend on no BLAS/LAPACK build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"
#include "pipeline.h"
#include "runner.h"
#include "store.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define MIN_MS 60000LL
#define GOLDEN MVG_SOURCE_DIR "/tests/unit/data/engine_state.hex"

/* %s: the data_dir */
static const char *CONFIG =
    "gateway = { id = \"g\"; site = \"s\"; data_dir = \"%s\"; };\n"
    "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
    "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
    "  { name = \"kwh\"; area = \"input\"; address = 0; type = \"uint32\"; scale = 0.1; unit = \"kWh\"; kind = \"counter\"; },\n"
    "  { name = \"prod\"; area = \"input\"; address = 2; type = \"uint16\"; unit = \"t\"; kind = \"counter\"; },\n"
    "  { name = \"t_out\"; area = \"input\"; address = 3; type = \"int16\"; scale = 0.1; unit = \"degC\"; } ); } );\n"
    "projects = (\n"
    " { name = \"fit\"; technology = \"t\"; interval_min = 60;\n"
    "   baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-08T00:00:00Z\"; };\n"
    "   reporting = { start = \"2026-01-08T00:00:00Z\"; };\n"
    "   streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "     model = { type = \"linear\"; x = [ \"m.prod\", \"m.t_out\" ]; }; } ); },\n"
    " { name = \"given\"; technology = \"t\"; interval_min = 15;\n"
    "   baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-01T02:00:00Z\"; };\n"
    "   reporting = { start = \"2026-01-01T02:00:00Z\"; };\n"
    "   streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
    "     model = { type = \"linear\"; x = [ \"m.prod\" ]; coefficients = [ 1.5, 0.25 ];\n"
    "               n = 400; cv_rmse = 0.08; nmbe = 0.001; };\n"
    "     co2_kg_per_unit = 0.4; cost_per_unit = 0.2; } ); } );\n";

static mvg_config *load_config_in(const char *data_dir)
{
    char path[] = "/tmp/mvg-test-golden-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, CONFIG, data_dir);
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    mvg_config *cfg = mvg_config_load(path, NULL, d);
    unlink(path);
    if (!cfg)
        mvg_diags_print(d, stderr);
    mvg_diags_free(d);
    assert_non_null(cfg);
    return cfg;
}

static mvg_config *load_config(void) { return load_config_in("/tmp"); }

/* Sample i of the fixed stream: a poll every 2 minutes, counters that
 * advance by varying steps, a communication error now and then and one
 * counter reset. Values are exact in binary where it is cheap to be. */
static void sample_at(int i, mvg_sample s[3])
{
    int64_t ts = T0 + (int64_t)i * 2 * MIN_MS + 250;
    double kwh = 1000.0 + 0.5 * i + 0.125 * (i % 7);
    double prod = (double)(3 * i + (i % 5));
    if (i >= 150)
        prod -= 400.0; /* meter cleared after sample 149: below the last reading */
    s[0] = (mvg_sample){.ts_ms = ts, .value = kwh, .quality = MVG_Q_GOOD};
    s[1] = (mvg_sample){.ts_ms = ts, .value = prod, .quality = MVG_Q_GOOD};
    s[2] = (mvg_sample){.ts_ms = ts, .value = -5.0 + 0.25 * (i % 40), .quality = MVG_Q_GOOD};
    if (i % 37 == 5)
        s[0] = (mvg_sample){.ts_ms = ts, .value = 0, .quality = MVG_Q_COMM_ERROR};
    if (i == 150)
        s[1].quality = MVG_Q_COUNTER_RESET;
}

#define NSAMPLES 200 /* 6 h 40 min */
/* the time of the last sample, T0 + 199 * 2 min + 250 ms, little-endian */
#define HIGH_WATER_BYTES 0x3a, 0x0a, 0x47, 0x78, 0x9b, 0x01, 0x00, 0x00

static void run(mvg_runner *r, int from, int to)
{
    mvg_sample s[3];
    for (int i = from; i < to; i++) {
        sample_at(i, s);
        mvg_runner_push(r, 0, s, 3);
        mvg_runner_advance(r, s[0].ts_ms, NULL, NULL);
    }
}

static uint8_t *save(mvg_runner *r, size_t *len)
{
    char err[256];
    size_t cap = mvg_runner_state_size(r);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    int rc = mvg_runner_save(r, buf, cap, len, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "save: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(*len, cap);
    return buf;
}

static uint8_t *read_golden(size_t *len)
{
    FILE *f = fopen(GOLDEN, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    unsigned v;
    while (fscanf(f, "%2x", &v) == 1) {
        assert_true(n < cap);
        b[n++] = (uint8_t)v;
    }
    assert_true(feof(f));
    fclose(f);
    *len = n;
    return b;
}

/* On a mismatch, the saved bytes in the golden file's layout, to diff. */
static void dump(const uint8_t *b, size_t n)
{
    fprintf(stderr, "saved state (%zu bytes):\n", n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x%s", b[i], i % 32 == 31 || i + 1 == n ? "\n" : "");
}

static void test_save_matches_golden(void **state)
{
    (void)state;
    mvg_config *cfg = load_config();
    char err[256];
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    assert_non_null(r);
    run(r, 0, NSAMPLES);
    size_t len = 0, glen = 0;
    uint8_t *got = save(r, &len);
    uint8_t *want = read_golden(&glen);
    if (len != glen || memcmp(got, want, len) != 0)
        dump(got, len);
    assert_int_equal(len, glen);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
    mvg_runner_free(r);
    mvg_config_free(cfg);
}

typedef struct {
    int n;
    int64_t end[64];
    double value[64];
} sink;

static void collect(void *user, size_t project, const mvg_interval_record *rec,
                    const mvg_project_result *res)
{
    sink *s = user;
    (void)res;
    if (project != 1 || s->n >= 64)
        return;
    s->end[s->n] = rec->end_ms;
    s->value[s->n] = rec->ch[0].value;
    s->n++;
}

static void test_golden_loads_and_carries_on(void **state)
{
    (void)state;
    mvg_config *cfg = load_config();
    char err[256];
    size_t glen = 0;
    uint8_t *golden = read_golden(&glen);

    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    assert_non_null(r);
    int rc = mvg_runner_load(r, golden, glen, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "load: %s\n", err);
    assert_int_equal(rc, 0);
    size_t len = 0;
    uint8_t *again = save(r, &len);
    assert_int_equal(len, glen);
    assert_memory_equal(again, golden, glen);
    free(again);

    /* the restored runner and one that never stopped emit the same records */
    mvg_runner *ref = mvg_runner_new(cfg, 1.0, err, sizeof err);
    assert_non_null(ref);
    run(ref, 0, NSAMPLES);
    sink a = {0}, b = {0};
    mvg_sample s[3];
    for (int i = NSAMPLES; i < NSAMPLES + 60; i++) {
        sample_at(i, s);
        mvg_runner_push(r, 0, s, 3);
        mvg_runner_advance(r, s[0].ts_ms, collect, &a);
        mvg_runner_push(ref, 0, s, 3);
        mvg_runner_advance(ref, s[0].ts_ms, collect, &b);
    }
    assert_true(a.n > 0);
    assert_int_equal(a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        assert_true(a.end[i] == b.end[i]);
        assert_memory_equal(&a.value[i], &b.value[i], sizeof(double));
    }
    mvg_runner_free(ref);

    /* one flipped byte anywhere is refused */
    golden[glen / 2] ^= 0x40;
    mvg_runner *c = mvg_runner_new(cfg, 1.0, err, sizeof err);
    assert_non_null(c);
    assert_int_not_equal(mvg_runner_load(c, golden, glen, err, sizeof err), 0);
    mvg_runner_free(c);

    free(golden);
    mvg_runner_free(r);
    mvg_config_free(cfg);
}

/* The pipeline's checkpoint: its own head (magic, device count, each
 * device's high-water sample time) in front of the engine state. */
static const uint8_t CKPT_HEAD[] = {
    0x56, 0x4d, 0x47, 0x43, 0x4b, 0x50, 0x54, 0x31, /* "VMGCKPT1" */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1 device */
    HIGH_WATER_BYTES,
};

static mvg_pipeline *open_pipeline(const char *data_dir, mvg_config **cfg, mvg_runner **r)
{
    char err[256];
    *cfg = load_config_in(data_dir);
    *r = mvg_runner_new(*cfg, 1.0, err, sizeof err);
    assert_non_null(*r);
    mvg_pipeline_opts o = {0};
    mvg_pipeline *p = mvg_pipeline_open(*cfg, *r, &o, err, sizeof err);
    if (!p)
        fprintf(stderr, "%s\n", err);
    assert_non_null(p);
    return p;
}

static void test_pipeline_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/mvg-test-golden-ckpt-XXXXXX", sub[64], cmd[128], err[256];
    assert_non_null(mkdtemp(dir));

    /* written: the head in front of the runner's state at that time */
    snprintf(sub, sizeof sub, "%s/live", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    mvg_config *cfg;
    mvg_runner *r;
    mvg_pipeline *p = open_pipeline(sub, &cfg, &r);
    char buf[sizeof(mvg_sample_batch) + 3 * sizeof(mvg_sample)];
    mvg_sample_batch *b = (mvg_sample_batch *)buf;
    for (int i = 0; i < NSAMPLES; i++) {
        *b = (mvg_sample_batch){.device = 0, .generation = 1, .online = 1, .n = 3};
        sample_at(i, b->samples);
        assert_int_equal(mvg_pipeline_batch(p, b, err, sizeof err), 0);
    }
    assert_true(mvg_pipeline_advance(p, b->samples[0].ts_ms + 1, NULL, NULL, err, sizeof err) > 0);
    size_t len = 0;
    uint8_t *engine = save(r, &len);
    mvg_store_opts so = {.read_only = 1};
    mvg_store *st = mvg_store_open(mvg_pipeline_db_path(p), &so, err, sizeof err);
    assert_non_null(st);
    void *blob = NULL;
    size_t blen = 0;
    int64_t ts = 0, id = 0;
    assert_int_equal(mvg_store_get_checkpoint(st, &blob, &blen, &ts, &id, err, sizeof err), 0);
    mvg_store_close(st);
    if (blen < sizeof CKPT_HEAD || memcmp(blob, CKPT_HEAD, sizeof CKPT_HEAD) != 0)
        dump(blob, blen < 64 ? blen : 64);
    assert_int_equal(blen, sizeof CKPT_HEAD + len);
    assert_memory_equal(blob, CKPT_HEAD, sizeof CKPT_HEAD);
    assert_memory_equal((uint8_t *)blob + sizeof CKPT_HEAD, engine, len);
    free(blob);
    free(engine);
    mvg_pipeline_close(p);
    mvg_runner_free(r);
    mvg_config_free(cfg);

    /* read: a checkpoint of the golden bytes restores the golden state */
    snprintf(sub, sizeof sub, "%s/old", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    p = open_pipeline(sub, &cfg, &r);
    size_t glen = 0;
    uint8_t *golden = read_golden(&glen);
    uint8_t *ck = malloc(sizeof CKPT_HEAD + glen);
    assert_non_null(ck);
    memcpy(ck, CKPT_HEAD, sizeof CKPT_HEAD);
    memcpy(ck + sizeof CKPT_HEAD, golden, glen);
    st = mvg_store_open(mvg_pipeline_db_path(p), NULL, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(mvg_store_begin(st, err, sizeof err), 0);
    assert_int_equal(mvg_store_put_checkpoint(st, T0 + 6 * 3600000LL, ck, sizeof CKPT_HEAD + glen,
                                              err, sizeof err), 0);
    assert_int_equal(mvg_store_commit(st, err, sizeof err), 0);
    mvg_store_close(st);
    int64_t replayed = -1;
    int rc = mvg_pipeline_restore(p, &replayed, err, sizeof err);
    if (rc != 1)
        fprintf(stderr, "restore: %s\n", err);
    assert_int_equal(rc, 1);
    assert_int_equal(replayed, 0);
    uint8_t *now = save(r, &len);
    assert_int_equal(len, glen);
    assert_memory_equal(now, golden, glen);
    free(now);
    free(ck);
    free(golden);
    mvg_pipeline_close(p);
    mvg_runner_free(r);
    mvg_config_free(cfg);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_matches_golden),
        cmocka_unit_test(test_golden_loads_and_carries_on),
        cmocka_unit_test(test_pipeline_checkpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
