/*
 * notify.h: the service manager's notification protocol (sd_notify(3)),
 * for both daemons (mvgated, mvgate-hub): state lines such as "READY=1",
 * "STATUS=...", "WATCHDOG=1", "RELOADING=1", "STOPPING=1" as one datagram
 * to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract
 * socket when it starts with '@'), and the watchdog interval systemd asks
 * for ($WATCHDOG_USEC, $WATCHDOG_PID). The protocol is documented and
 * stable (sd_notify(3), "Notes"), so it is written here rather than linking
 * libsystemd and what it loads (docs/dependencies.md). It owns nothing: a
 * socket per message, so it is safe from any thread.
 */
#ifndef MVG_NOTIFY_H
#define MVG_NOTIFY_H

#include <stdint.h>

/*
 * Sends state (newline-separated assignments) to the service manager.
 * Returns 1 when sent, 0 when there is no manager to tell ($NOTIFY_SOCKET
 * unset or empty: not started by systemd), -1 with errno when the address
 * is not usable or the send failed. errno is preserved on success.
 */
int mvg_notify(const char *state);
/* mvg_notify() of a printf-formatted state (at most 1 kB). */
int mvg_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval in microseconds the service manager expects
 * "WATCHDOG=1" within ($WATCHDOG_USEC, when $WATCHDOG_PID is unset or is
 * this process), or 0 when there is no watchdog for this process.
 */
uint64_t mvg_notify_watchdog_usec(void);

#endif
