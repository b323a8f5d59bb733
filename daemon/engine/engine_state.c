/*
 * engine_state.c: an envelope (statefmt.h, trailer layout) around the
 * aggregators' and projects' own state bytes: magic, version, total length,
 * section counts, one length per section, then a checksum (FNV-1a 64) over
 * everything before it.
 */
#include "engine_state.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "statefmt.h"

static const mvg_statefmt_envelope ENVELOPE = {MVG_STATEFMT_TRAILER, "MVGENG\0\1", 1u,
                                               MVG_STATEFMT_FNV_BASIS_SHORT, "engine state"};

/* Writes (or, with w counting, sizes) the whole state. */
static int write_state(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                       size_t nprojects, mvg_statefmt_writer *w, char *err, size_t errlen)
{
    mvg_statefmt_put_u64(w, nagg);
    mvg_statefmt_put_u64(w, nprojects);
    for (size_t i = 0; i < nagg + nprojects; i++) {
        int is_agg = i < nagg;
        size_t n = is_agg ? mvg_interval_state_size(aggs[i])
                          : mvg_project_state_size(projects[i - nagg]);
        mvg_statefmt_put_u64(w, n);
        uint8_t *at = mvg_statefmt_reserve(w, n);
        size_t got = 0;
        if (at && (is_agg ? mvg_interval_save(aggs[i], at, n, &got, err, errlen)
                          : mvg_project_save(projects[i - nagg], at, n, &got, err, errlen)) != 0)
            return -1;
    }
    return 0;
}

size_t mvg_engine_state_size(mvg_interval *const *aggs, size_t nagg,
                             mvg_project *const *projects, size_t nprojects)
{
    mvg_statefmt_writer w;
    mvg_statefmt_begin(&ENVELOPE, &w, NULL, 0);
    write_state(aggs, nagg, projects, nprojects, &w, NULL, 0);
    size_t n = 0;
    mvg_statefmt_seal(&ENVELOPE, &w, &n, NULL, 0);
    return n;
}

int mvg_engine_state_save(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                          size_t nprojects, void *buf, size_t cap, size_t *written, char *err,
                          size_t errlen)
{
    size_t need = mvg_engine_state_size(aggs, nagg, projects, nprojects);
    if (!buf || cap < need) {
        snprintf(err, errlen, "engine state needs %zu bytes, buffer has %zu", need, cap);
        return -1;
    }
    mvg_statefmt_writer w;
    mvg_statefmt_begin(&ENVELOPE, &w, buf, cap);
    if (write_state(aggs, nagg, projects, nprojects, &w, err, errlen) != 0)
        return -1;
    return mvg_statefmt_seal(&ENVELOPE, &w, written, err, errlen);
}

int mvg_engine_state_load(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                          size_t nprojects, const void *buf, size_t len, char *err, size_t errlen)
{
    mvg_statefmt_reader r;
    if (mvg_statefmt_open(&ENVELOPE, buf, len, &r, err, errlen) != 0)
        return -1;
    uint64_t in_agg = mvg_statefmt_get_u64(&r), in_prj = mvg_statefmt_get_u64(&r);
    if (r.bad) {
        snprintf(err, errlen, "engine state truncated before its section counts");
        return -1;
    }
    if (in_agg != nagg || in_prj != nprojects) {
        snprintf(err, errlen,
                 "engine state holds %llu aggregators and %llu projects, the config has %zu and %zu",
                 (unsigned long long)in_agg, (unsigned long long)in_prj, nagg, nprojects);
        return -1;
    }
    /* Walk the sections once without loading, so that bad lengths stop us
     * before any object changes. */
    mvg_statefmt_reader walk = r;
    for (size_t i = 0; i < nagg + nprojects; i++) {
        uint64_t n = mvg_statefmt_get_u64(&walk);
        if (walk.bad || n > mvg_statefmt_left(&walk) || !mvg_statefmt_take(&walk, (size_t)n)) {
            snprintf(err, errlen, "engine state section %zu overruns the data", i);
            return -1;
        }
    }
    if (mvg_statefmt_left(&walk) != 0) {
        snprintf(err, errlen, "engine state has %zu bytes after its last section",
                 mvg_statefmt_left(&walk));
        return -1;
    }
    char e[256];
    for (size_t i = 0; i < nagg + nprojects; i++) {
        size_t n = (size_t)mvg_statefmt_get_u64(&r);
        const uint8_t *at = mvg_statefmt_take(&r, n);
        if (i < nagg && mvg_interval_load(aggs[i], at, n, e, sizeof e) != 0) {
            snprintf(err, errlen, "aggregator %zu: %s", i, e);
            return -1;
        }
        if (i >= nagg && mvg_project_load(projects[i - nagg], at, n, e, sizeof e) != 0) {
            snprintf(err, errlen, "%s", e);
            return -1;
        }
    }
    return 0;
}
