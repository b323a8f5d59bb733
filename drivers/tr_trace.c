/*
 * tr_trace.c: formatting of the frame trace lines.
 */
#include "tr_trace.h"

#include <stdio.h>

#include "clock.h"
#include "log.h"

/* Hex of up to the largest frame (260 bytes RTU, 260 MBAP): 3 chars each. */
#define HEX_MAX (3 * 300)

static const char *hex(const uint8_t *b, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < len && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %02x" : "%02x", b[i]);
    return out;
}

static double elapsed_ms(const mvg_tr_trace *t)
{
    return (double)(mvg_clock_mono_ns() - t->sent_ns) / 1e6;
}

void mvg_tr_trace_tx(mvg_tr_trace *t, int unit, const uint8_t *frame, size_t len)
{
    char h[HEX_MAX];
    mvg_log(MVG_LOG_TRACE, "bus %s %s unit %d tx %s", t->bus, t->where, unit,
            hex(frame, len, h, sizeof h));
    t->sent_ns = mvg_clock_mono_ns(); /* after the logging: it is not the peer's time */
}

void mvg_tr_trace_rx(const mvg_tr_trace *t, int unit, const uint8_t *frame, size_t len,
                     const char *note)
{
    char h[HEX_MAX];
    double ms = elapsed_ms(t);
    int has_note = note && note[0];
    mvg_log(MVG_LOG_TRACE, "bus %s %s unit %d rx +%.1f ms %s%s%s%s", t->bus, t->where, unit, ms,
            hex(frame, len, h, sizeof h), has_note ? " (" : "", has_note ? note : "",
            has_note ? ")" : "");
}

void mvg_tr_trace_error(const mvg_tr_trace *t, int unit, int sent, const char *why,
                        const uint8_t *got, size_t len)
{
    char h[HEX_MAX], when[32] = "";
    if (sent)
        snprintf(when, sizeof when, " +%.1f ms", elapsed_ms(t));
    if (len)
        mvg_log(MVG_LOG_TRACE, "bus %s %s unit %d error%s: %s (%zu bytes arrived: %s)", t->bus,
                t->where, unit, when, why, len, hex(got, len, h, sizeof h));
    else
        mvg_log(MVG_LOG_TRACE, "bus %s %s unit %d error%s: %s", t->bus, t->where, unit, when,
                why);
}
