/*
 * log.h: the one logging API of mvgate. Messages go to stderr in the
 * foreground and to the systemd journal when running under systemd
 * (JOURNAL_STREAM or an explicit choice). The sink is chosen once, in main,
 * before any thread starts; after that the module only reads it, so it is
 * safe to call from every thread. errno is preserved across calls.
 */
#ifndef MVG_LOG_H
#define MVG_LOG_H

typedef enum { MVG_LOG_ERR = 3, MVG_LOG_WARN = 4, MVG_LOG_NOTICE = 5, MVG_LOG_INFO = 6, MVG_LOG_DEBUG = 7 } mvg_log_level;

typedef enum { MVG_LOG_SINK_STDERR, MVG_LOG_SINK_JOURNAL } mvg_log_sink;

/* Call once before threads start. */
void mvg_log_setup(mvg_log_sink sink, mvg_log_level max_level);
/* The sink systemd asks for: journal when stderr is connected to it. */
mvg_log_sink mvg_log_sink_auto(void);

void mvg_log(mvg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
