/*
 * notify.c: sd_notify(3)'s protocol without libsystemd (notify.h).
 */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int mvg_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    if (!state) {
        errno = EINVAL;
        return -1;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t len = strlen(path);
    /* a path, or '@' for the abstract namespace (a leading NUL); no other
     * kind (vsock) is used by the systemd of Debian 12 for a service */
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    /* an abstract address is exactly its bytes long, no trailing NUL */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                                  (path[0] == '@' ? 0 : 1));
    int saved = errno;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    errno = saved;
    return 1;
}

int mvg_notifyf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        errno = EMSGSIZE;
        return -1;
    }
    return mvg_notify(buf);
}

/* A decimal of digits only, > 0, into *out. */
static int parse_u64(const char *s, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0)
        return -1;
    *out = v;
    return 0;
}

uint64_t mvg_notify_watchdog_usec(void)
{
    int saved = errno;
    unsigned long long usec = 0, pid = 0;
    const char *p = getenv("WATCHDOG_PID");
    uint64_t r = 0;
    if (parse_u64(getenv("WATCHDOG_USEC"), &usec) == 0 &&
        (!p || (parse_u64(p, &pid) == 0 && pid == (unsigned long long)getpid())))
        r = (uint64_t)usec;
    errno = saved;
    return r;
}
