/*
 * tr_trace.h: the frame trace of one bus (`--trace`): every request frame
 * a transport sends and every reply frame it gets, in hex, with the time
 * since the request went out, and every failure (timeout, bad frame,
 * refused connection) with the bytes that did arrive. Owns the wording of
 * the trace lines; they go through the log module at its trace level
 * (log.h), so they reach stderr or the journal like every other line.
 *
 * A transport holds one mvg_tr_trace and hands its backend a pointer to it
 * only while tracing is on (NULL otherwise): a trace that is off costs one
 * pointer test per frame.
 *
 *   trace: bus lan 127.0.0.1:502 unit 7 tx 00 01 00 00 00 06 07 03 00 00 00 02
 *   trace: bus lan 127.0.0.1:502 unit 7 rx +3.2 ms 00 01 00 00 00 07 07 03 04 ...
 *   trace: bus lan 127.0.0.1:502 unit 7 error +1000.1 ms: timeout after 1000 ms
 */
#ifndef MVG_TR_TRACE_H
#define MVG_TR_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *bus;   /* the bus's name; owned by the transport */
    const char *where; /* host:port or serial device; owned by the transport */
    int64_t sent_ns;   /* monotonic time the last request went out */
} mvg_tr_trace;

/* A request frame of len bytes to unit goes out now: logs it and starts
 * the clock of the round trip. */
void mvg_tr_trace_tx(mvg_tr_trace *t, int unit, const uint8_t *frame, size_t len);

/* A reply frame arrived: logs it with the round trip. note, when not NULL
 * or "", follows in parentheses (why the frame was refused, an exception,
 * or how the bytes were obtained). */
void mvg_tr_trace_rx(const mvg_tr_trace *t, int unit, const uint8_t *frame, size_t len,
                     const char *note);

/* The request failed without a whole frame: logs why, with the time since
 * it was sent (none when nothing was sent yet: sent 0) and the len bytes
 * that had arrived. */
void mvg_tr_trace_error(const mvg_tr_trace *t, int unit, int sent, const char *why,
                        const uint8_t *got, size_t len);

#endif
