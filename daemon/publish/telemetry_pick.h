/*
 * telemetry_pick.h: which points of a device poll MQTT telemetry carries
 * (mqtt.telemetry, docs/config.md): all of every Nth poll; or, on change,
 * each point whose quality changed or whose good value moved by more than
 * the relative deadband from what telemetry last carried for it; or none.
 * Pure: the caller keeps the per-point "last carried" samples.
 */
#ifndef MVG_TELEMETRY_PICK_H
#define MVG_TELEMETRY_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "config_publish.h"
#include "sample.h"

typedef struct {
    mvg_telemetry_mode mode;
    int every;       /* every Nth poll (mode every); < 1 counts as 1 */
    double deadband; /* relative (mode change) */
} mvg_telemetry_rule;

/* Readies a device's "last carried" samples (n points, mode change):
 * nothing was carried yet, so every point of the first poll goes. */
void mvg_telemetry_pick_start(mvg_sample *last, size_t n);

/* Sets send[i] (1 or 0) for the n samples s of the device's poll number
 * poll (0 for its first) and returns how many go. last (mode change only,
 * else may be NULL): updated for the points that go; a string sample is
 * kept as a hash of its text (raw_u, text NULL), since its text does not
 * outlive the poll. A 64-bit integer moves when its exact raw value does
 * (deadband 0) or its double by more than the deadband; a string when its
 * text does. */
size_t mvg_telemetry_pick(const mvg_telemetry_rule *rule, uint64_t poll, const mvg_sample *s,
                          size_t n, mvg_sample *last, unsigned char *send);

#endif
