/*
 * log.c: stderr logging, plain or with the journal's priority prefixes. The two settings below are written once
 * by mvg_log_setup() from main before threads exist (the one exception to
 * "no global mutable state outside main", as in OpenBSD ntpd's log.c).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "timefmt.h"

static mvg_log_sink log_sink = MVG_LOG_SINK_STDERR;
static mvg_log_level log_max = MVG_LOG_INFO;
static int log_trace = 0;

void mvg_log_setup(mvg_log_sink sink, mvg_log_level max_level)
{
    log_sink = sink;
    log_max = max_level;
}

void mvg_log_set_trace(int on) { log_trace = on != 0; }

int mvg_log_trace_on(void) { return log_trace; }

mvg_log_sink mvg_log_sink_auto(void)
{
    /* systemd sets JOURNAL_STREAM=dev:inode of the stream it connected to
     * stderr; only trust it when stderr still is that stream. */
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long long dev, ino;
    if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
        (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
        return MVG_LOG_SINK_JOURNAL;
    return MVG_LOG_SINK_STDERR;
}

int mvg_log_wants(mvg_log_level level) { return level <= log_max; }

static const char *level_tag(mvg_log_level l)
{
    switch (l) {
    case MVG_LOG_ERR:
        return "error";
    case MVG_LOG_WARN:
        return "warning";
    case MVG_LOG_NOTICE:
        return "notice";
    case MVG_LOG_INFO:
        return "info";
    case MVG_LOG_TRACE:
        return "trace";
    default:
        return "debug";
    }
}

void mvg_log(mvg_log_level level, const char *fmt, ...)
{
    if (level == MVG_LOG_TRACE ? !log_trace : level > log_max)
        return;
    int saved = errno;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (log_sink == MVG_LOG_SINK_JOURNAL) {
        /* journald reads a "<N>" prefix on a line of its stream as the
         * line's syslog priority (sd-daemon(3)); it stamps the time itself.
         * The levels are syslog's; the journal knows none past debug. */
        fprintf(stderr, "<%d>%s\n", level == MVG_LOG_TRACE ? (int)MVG_LOG_DEBUG : (int)level, msg);
    } else {
        char when[32];
        mvg_timefmt_format(mvg_clock_real_ms(), MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, when, sizeof when);
        fprintf(stderr, "%s %s: %s\n", when, level_tag(level), msg);
    }
    errno = saved;
}

int mvg_log_once_hit(mvg_log_once *o, mvg_log_level level, const char *key, const char *fmt, ...)
{
    if (o->key[0] && strncmp(o->key, key, sizeof o->key - 1) == 0) {
        o->count++;
        return 0;
    }
    if (o->key[0] && o->count > 1)
        mvg_log(level, "the previous problem happened %llu times in %lld s",
                (unsigned long long)o->count, (long long)((mvg_clock_mono_ms() - o->since_ms) / 1000));
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mvg_log(level, "%s", msg);
    snprintf(o->key, sizeof o->key, "%s", key && *key ? key : "?");
    o->count = 1;
    o->since_ms = mvg_clock_mono_ms();
    return 1;
}

int mvg_log_once_clear(mvg_log_once *o, mvg_log_level level, const char *fmt, ...)
{
    if (!o->key[0])
        return 0;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mvg_log(level, "%s (after %llu occurrences in %lld s)", msg, (unsigned long long)o->count,
            (long long)((mvg_clock_mono_ms() - o->since_ms) / 1000));
    o->key[0] = '\0';
    o->count = 0;
    return 1;
}
