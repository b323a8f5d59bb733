/*
 * telemetry_pick.c: the telemetry modes (telemetry_pick.h).
 */
#include "telemetry_pick.h"

#include <math.h>

void mvg_telemetry_pick_start(mvg_sample *last, size_t n)
{
    for (size_t i = 0; i < n; i++)
        last[i] = (mvg_sample){.value = NAN, .quality = MVG_Q_STALE};
}

size_t mvg_telemetry_pick(const mvg_telemetry_rule *rule, uint64_t poll, const mvg_sample *s,
                          size_t n, mvg_sample *last, unsigned char *send)
{
    size_t count = 0;
    uint64_t every = (uint64_t)(rule->every > 0 ? rule->every : 1);
    for (size_t i = 0; i < n; i++) {
        int go;
        if (rule->mode == MVG_TELEMETRY_OFF) {
            go = 0;
        } else if (rule->mode == MVG_TELEMETRY_EVERY) {
            go = poll % every == 0;
        } else {
            /* written so that a NaN difference counts as a change */
            go = s[i].quality != last[i].quality ||
                 (s[i].quality == MVG_Q_GOOD &&
                  !(fabs(s[i].value - last[i].value) <= rule->deadband * fabs(last[i].value)));
            if (go)
                last[i] = s[i];
        }
        send[i] = (unsigned char)go;
        count += (size_t)go;
    }
    return count;
}
