/*
 * fuzz_engine_state.c: arbitrary bytes as an engine checkpoint, restored
 * the way a restart restores one (mvg_runner_load -> mvg_engine_state_load)
 * into a runner of the configuration the seed (the golden engine state of
 * test_state_golden) was saved by. Each input is loaded twice: as given,
 * which the envelope's checksum mostly refuses, and resealed (its length
 * and checksum made right), so that the section readers behind the
 * envelope see mutated bytes too. Never a crash or an out-of-bounds read;
 * a refusal always says why; an accepted state saves again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "runner.h"
#include "statefmt.h"

#define CONFIG MVG_SOURCE_DIR "/tests/fuzz/engine_state.conf"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mvg_config *cfg; /* loaded once: the fuzzer's process is the test */
    if (!cfg) {
        mvg_diags *d = mvg_diags_new();
        cfg = mvg_config_load(CONFIG, NULL, d);
        mvg_diags_free(d);
        if (!cfg)
            abort();
    }
    load_once(cfg, data, size);
    /* the trailer envelope (statefmt.h): magic[8] | u64 version | u64 total
     * length | body | u64 FNV-1a of every byte before it */
    if (size >= 32) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        mvg_statefmt_store_u64(copy + 16, (uint64_t)size);
        mvg_statefmt_store_u64(copy + size - 8,
                               mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS_SHORT, copy, size - 8));
        load_once(cfg, copy, size);
        free(copy);
    }
    return 0;
}
