/*
 * fuzz_engine_state.c: arbitrary bytes as an engine checkpoint, restored
 * the way a restart restores one (mvg_runner_load -> mvg_engine_state_load)
 * into runners of two configurations: the one the golden engine state of
 * test_state_golden was saved by (a seed), and one with a daily project
 * (engine_state_daily.conf, whose seed write_seed makes: day rows and an
 * open local day). Each input is loaded twice into each: as given,
 * which the envelope's checksum mostly refuses, and resealed (its length
 * and checksum made right), so that the section readers behind the
 * envelope see mutated bytes too. Never a crash or an out-of-bounds read;
 * a refusal always says why; an accepted state saves again.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "runner.h"
#include "statefmt.h"

#define CONFIG MVG_SOURCE_DIR "/tests/fuzz/engine_state.conf"
#define CONFIG_DAILY MVG_SOURCE_DIR "/tests/fuzz/engine_state_daily.conf"

static mvg_config *load_config(const char *path)
{
    mvg_diags *d = mvg_diags_new();
    mvg_config *cfg = mvg_config_load(path, NULL, d);
    if (!cfg)
        mvg_diags_print(d, stderr);
    mvg_diags_free(d);
    if (!cfg)
        abort();
    return cfg;
}

/* The daily configuration's seed: ten and a half local days of its
 * baseline (2026-01-01+08:00 on), a poll every 10 minutes (energy rising
 * with the outdoor temperature, a communication error now and then), the
 * intervals emitted as they end, then the state saved to path. Exits. */
static void write_seed(const char *path)
{
    mvg_config *cfg = load_config(CONFIG_DAILY);
    char err[512] = "";
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    if (!r) {
        fprintf(stderr, "write_seed: %s\n", err);
        exit(1);
    }
    const int64_t t0 = 1767196800000LL; /* 2026-01-01T00:00:00+08:00 */
    double kwh = 5000.0;
    for (int i = 0; i < 6 * 24 * 10 + 6 * 12; i++) {
        int64_t ts = t0 + (int64_t)i * 600000 + 125;
        double t_out = 18.0 + 6.0 * sin((double)(i % 144) / 144.0 * 6.283185307179586) + 0.1 * (i % 7);
        kwh += 2.0 + 0.25 * t_out;
        mvg_sample s[2] = {{.ts_ms = ts, .value = kwh, .quality = MVG_Q_GOOD},
                           {.ts_ms = ts, .value = t_out, .quality = MVG_Q_GOOD}};
        if (i % 53 == 7)
            s[1] = (mvg_sample){.ts_ms = ts, .value = 0, .quality = MVG_Q_COMM_ERROR};
        mvg_runner_push(r, 0, s, 2);
        mvg_runner_advance(r, ts, NULL, NULL);
    }
    size_t cap = mvg_runner_state_size(r), len = 0;
    void *buf = malloc(cap ? cap : 1);
    FILE *f = fopen(path, "wb");
    if (!buf || mvg_runner_save(r, buf, cap, &len, err, sizeof err) != 0 || !f ||
        fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "write_seed: %s: %s\n", path, err[0] ? err : "cannot write");
        exit(1);
    }
    printf("write_seed: %zu bytes to %s\n", len, path);
    free(buf);
    mvg_runner_free(r);
    mvg_config_free(cfg);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seed = getenv("MVG_FUZZ_WRITE_SEED");
    if (seed && *seed)
        write_seed(seed);
    return 0;
}

static void load_once(const mvg_config *cfg, const uint8_t *data, size_t size)
{
    char err[512] = "";
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    if (!r)
        abort();
    if (mvg_runner_load(r, data, size, err, sizeof err) != 0) {
        if (!err[0])
            abort(); /* a refusal must say why */
    } else {
        size_t cap = mvg_runner_state_size(r), len = 0;
        void *buf = malloc(cap ? cap : 1);
        if (!buf || mvg_runner_save(r, buf, cap, &len, err, sizeof err) != 0 || len != cap)
            abort();
        free(buf);
    }
    mvg_runner_free(r);
}

static void load_twice(const mvg_config *cfg, const uint8_t *data, size_t size)
{
    load_once(cfg, data, size);
    /* the trailer envelope (statefmt.h): magic[8] | u64 version | u64 total
     * length | body | u64 FNV-1a of every byte before it */
    if (size >= 32) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return;
        memcpy(copy, data, size);
        mvg_statefmt_store_u64(copy + 16, (uint64_t)size);
        mvg_statefmt_store_u64(copy + size - 8,
                               mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS_SHORT, copy, size - 8));
        load_once(cfg, copy, size);
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* loaded once: the fuzzer's process is the test */
    static mvg_config *cfg, *daily;
    if (!cfg) {
        cfg = load_config(CONFIG);
        daily = load_config(CONFIG_DAILY);
    }
    load_twice(cfg, data, size);
    load_twice(daily, data, size);
    return 0;
}
