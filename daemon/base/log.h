/*
 * log.h: the one logging API of mvgate. Messages go to stderr: with a time
 * stamp and the level's name in the foreground, with the journal's "<N>"
 * priority prefix (sd-daemon(3)) when stderr is the journal's stream under
 * systemd (JOURNAL_STREAM or an explicit choice). The sink is chosen once, in main,
 * before any thread starts; after that the module only reads it, so it is
 * safe to call from every thread. errno is preserved across calls.
 */
#ifndef MVG_LOG_H
#define MVG_LOG_H

#include <stdint.h>

/* MVG_LOG_TRACE is a level of its own, not "more than debug": the frame
 * trace (--trace, drivers/tr_trace.h) is wanted with any log level, and
 * debug must not drown in hex. Its lines pass only while tracing is on. */
typedef enum {
    MVG_LOG_ERR = 3,
    MVG_LOG_WARN = 4,
    MVG_LOG_NOTICE = 5,
    MVG_LOG_INFO = 6,
    MVG_LOG_DEBUG = 7,
    MVG_LOG_TRACE = 8
} mvg_log_level;

typedef enum { MVG_LOG_SINK_STDERR, MVG_LOG_SINK_JOURNAL } mvg_log_sink;

/* Call once before threads start. */
void mvg_log_setup(mvg_log_sink sink, mvg_log_level max_level);
/* Turns the trace level on or off (default off); like mvg_log_setup, call
 * it before threads start. */
void mvg_log_set_trace(int on);
/* 1 while trace lines pass: the transports ask once, when they are made,
 * so that a trace that is off costs nothing per request. */
int mvg_log_trace_on(void);
/* The sink systemd asks for: journal when stderr is connected to it. */
mvg_log_sink mvg_log_sink_auto(void);

void mvg_log(mvg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when a message of level would be written: for callers whose message
 * costs more to build than to skip (a line per poll of 100 points). */
int mvg_log_wants(mvg_log_level level);

/* A problem that repeats (a broker down, a disk full, a server refusing
 * every attempt) is logged once per change of state, not once per attempt:
 * when it starts or becomes a different problem (another key), and when it
 * ends, with how often it happened. The caller owns one per problem source
 * (no global state) and uses it from one thread. */
typedef struct {
    char key[128];              /* what makes two occurrences "the same"; "" when none */
    uint64_t count;             /* occurrences since it was logged, that one included */
    int64_t since_ms;           /* monotonic time it was logged */
} mvg_log_once;

/* One occurrence of the problem key (the caller's words for "same": e.g.
 * "http 400", a stable error text). Logs fmt when key differs from the
 * problem logged last (first saying how often that one happened), else
 * only counts. Returns 1 when it logged. */
int mvg_log_once_hit(mvg_log_once *o, mvg_log_level level, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The problem ended: when one was logged, logs "<fmt text> (after N
 * occurrences in S s)" and forgets it. Returns 1 when it logged. */
int mvg_log_once_clear(mvg_log_once *o, mvg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
