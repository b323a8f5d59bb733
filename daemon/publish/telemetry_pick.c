/*
 * telemetry_pick.c: the telemetry modes (telemetry_pick.h).
 */
#include "telemetry_pick.h"

#include <math.h>

/* FNV-1a: what change mode keeps of a string sample's text, whose storage
 * does not outlive the poll. */
static uint64_t text_hash(const char *t)
{
    uint64_t h = 14695981039346656037ull;
    for (; t && *t; t++)
        h = (h ^ (unsigned char)*t) * 1099511628211ull;
    return h;
}

/* Whether a good sample moved against the last one sent: a string's text,
 * a 64-bit integer's exact value at deadband 0 (a step of 1 above 2^53 is
 * no step of the double), else the relative deadband on the double. */
static int moved(const mvg_telemetry_rule *rule, const mvg_sample *s, const mvg_sample *last)
{
    if (s->raw_kind == MVG_RAW_TEXT)
        return last->raw_kind != MVG_RAW_TEXT || last->raw_u != text_hash(s->text);
    if ((s->raw_kind == MVG_RAW_INT || s->raw_kind == MVG_RAW_UINT) && rule->deadband == 0)
        return last->raw_kind != s->raw_kind || last->raw_u != s->raw_u;
    /* written so that a NaN difference counts as a change */
    return !(fabs(s->value - last->value) <= rule->deadband * fabs(last->value));
}

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
            go = s[i].quality != last[i].quality ||
                 (s[i].quality == MVG_Q_GOOD && moved(rule, &s[i], &last[i]));
            if (go) {
                last[i] = s[i];
                if (s[i].raw_kind == MVG_RAW_TEXT) {
                    last[i].raw_u = text_hash(s[i].text);
                    last[i].text = NULL;
                }
            }
        }
        send[i] = (unsigned char)go;
        count += (size_t)go;
    }
    return count;
}
