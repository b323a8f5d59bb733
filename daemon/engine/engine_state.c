/*
 * engine_state.c: an envelope around the aggregators' and projects' own
 * state bytes: magic, version, total length, section counts, one length per
 * section, then a checksum (FNV-1a 64) over everything before it.
 */
#include "engine_state.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ENG_MAGIC "MVGENG\0\1"
#define ENG_VERSION 1u
#define ENG_HEADER 40 /* magic, version, total, nagg, nprojects */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

size_t mvg_engine_state_size(mvg_interval *const *aggs, size_t nagg,
                             mvg_project *const *projects, size_t nprojects)
{
    size_t n = ENG_HEADER + 8;
    for (size_t i = 0; i < nagg; i++)
        n += 8 + mvg_interval_state_size(aggs[i]);
    for (size_t i = 0; i < nprojects; i++)
        n += 8 + mvg_project_state_size(projects[i]);
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
    uint8_t *b = buf;
    memcpy(b, ENG_MAGIC, 8);
    put_u64(b + 8, ENG_VERSION);
    put_u64(b + 16, need);
    put_u64(b + 24, nagg);
    put_u64(b + 32, nprojects);
    size_t pos = ENG_HEADER;
    for (size_t i = 0; i < nagg; i++) {
        size_t w = 0;
        if (mvg_interval_save(aggs[i], b + pos + 8, need - pos - 8, &w, err, errlen) != 0)
            return -1;
        put_u64(b + pos, w);
        pos += 8 + w;
    }
    for (size_t i = 0; i < nprojects; i++) {
        size_t w = 0;
        if (mvg_project_save(projects[i], b + pos + 8, need - pos - 8, &w, err, errlen) != 0)
            return -1;
        put_u64(b + pos, w);
        pos += 8 + w;
    }
    put_u64(b + pos, fnv1a(b, pos));
    *written = pos + 8;
    return 0;
}

int mvg_engine_state_load(mvg_interval *const *aggs, size_t nagg, mvg_project *const *projects,
                          size_t nprojects, const void *buf, size_t len, char *err, size_t errlen)
{
    const uint8_t *b = buf;
    if (!buf || len < ENG_HEADER + 8 || memcmp(b, ENG_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not an engine state (bad magic or too short)");
        return -1;
    }
    if (get_u64(b + 8) != ENG_VERSION) {
        snprintf(err, errlen, "engine state version %llu, this build reads %u",
                 (unsigned long long)get_u64(b + 8), ENG_VERSION);
        return -1;
    }
    if (get_u64(b + 16) != len) {
        snprintf(err, errlen, "engine state is %zu bytes, its header says %llu (truncated?)", len,
                 (unsigned long long)get_u64(b + 16));
        return -1;
    }
    if (get_u64(b + len - 8) != fnv1a(b, len - 8)) {
        snprintf(err, errlen, "engine state checksum mismatch (corrupted)");
        return -1;
    }
    if (get_u64(b + 24) != nagg || get_u64(b + 32) != nprojects) {
        snprintf(err, errlen,
                 "engine state holds %llu aggregators and %llu projects, the config has %zu and %zu",
                 (unsigned long long)get_u64(b + 24), (unsigned long long)get_u64(b + 32), nagg,
                 nprojects);
        return -1;
    }
    /* Walk the sections once without loading, so that bad lengths stop us
     * before any object changes. */
    size_t end = len - 8, pos = ENG_HEADER;
    for (size_t i = 0; i < nagg + nprojects; i++) {
        if (end - pos < 8 || get_u64(b + pos) > end - pos - 8) {
            snprintf(err, errlen, "engine state section %zu overruns the data", i);
            return -1;
        }
        pos += 8 + (size_t)get_u64(b + pos);
    }
    if (pos != end) {
        snprintf(err, errlen, "engine state has %zu bytes after its last section", end - pos);
        return -1;
    }
    pos = ENG_HEADER;
    char e[256];
    for (size_t i = 0; i < nagg; i++) {
        size_t n = (size_t)get_u64(b + pos);
        if (mvg_interval_load(aggs[i], b + pos + 8, n, e, sizeof e) != 0) {
            snprintf(err, errlen, "aggregator %zu: %s", i, e);
            return -1;
        }
        pos += 8 + n;
    }
    for (size_t i = 0; i < nprojects; i++) {
        size_t n = (size_t)get_u64(b + pos);
        if (mvg_project_load(projects[i], b + pos + 8, n, e, sizeof e) != 0) {
            snprintf(err, errlen, "%s", e);
            return -1;
        }
        pos += 8 + n;
    }
    return 0;
}
