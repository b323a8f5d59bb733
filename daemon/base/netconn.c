/*
 * netconn.c: a TCP connect bounded by a monotonic deadline (netconn.h).
 */
#include "netconn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

int mvg_netconn_remaining(int64_t deadline)
{
    int64_t left = deadline - mvg_clock_mono_ms();
    return left < 0 ? 0 : (int)left;
}

/* host:port's addresses into *res, or -1 with err "cannot resolve host H: why". */
static int resolve(const char *host, const char *port, struct addrinfo **res, char *err,
                   size_t errlen)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, port, &hints, res);
    if (g == 0)
        return 0;
    snprintf(err, errlen, "cannot resolve host %s: %s", host,
             g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    *res = NULL;
    return -1;
}

int mvg_netconn_resolve(const char *host, const char *port, char *err, size_t errlen)
{
    struct addrinfo *res = NULL;
    if (resolve(host, port, &res, err, errlen) != 0)
        return -1;
    freeaddrinfo(res);
    return 0;
}

int mvg_netconn_connect(const char *host, const char *port, int64_t deadline, int *why, char *err,
                        size_t errlen)
{
    struct addrinfo *res = NULL;
    if (resolve(host, port, &res, err, errlen) != 0) {
        *why = 0;
        return -1;
    }
    int e = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc == -1 && errno == EINPROGRESS) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int p;
            while ((p = poll(&pfd, 1, mvg_netconn_remaining(deadline))) == -1 && errno == EINTR)
                ;
            if (p == 0) {
                e = ETIMEDOUT;
                close(fd);
                break;
            }
            socklen_t len = sizeof e;
            if (p < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
                e = errno;
            rc = e == 0 ? 0 : -1;
        } else if (rc == -1) {
            e = errno;
        }
        if (rc == 0) {
            int one = 1;
            /* Requests are single small frames: send them at once. */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            freeaddrinfo(res);
            return fd;
        }
        close(fd);
    }
    freeaddrinfo(res);
    *why = e;
    return -1;
}

int mvg_netconn_split_uri(const char *uri, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *h = strstr(uri, "://");
    if (!h)
        return -1;
    h += 3;
    const char *end;
    if (*h == '[') { /* [v6]:port */
        end = strchr(++h, ']');
        if (!end)
            return -1;
    } else {
        end = h + strcspn(h, ":/");
    }
    if (end == h || (size_t)(end - h) >= hostlen)
        return -1;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    const char *c = *end == ']' ? end + 1 : end;
    static const struct {
        const char *scheme, *port;
    } defaults[] = {{"ssl://", "8883"}, {"mqtts://", "8883"}, {"wss://", "443"}, {"ws://", "80"}};
    const char *def = "1883";
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strncmp(uri, defaults[i].scheme, strlen(defaults[i].scheme)) == 0)
            def = defaults[i].port;
    if (*c == ':' && c[1] >= '0' && c[1] <= '9')
        snprintf(port, portlen, "%.*s", (int)strspn(c + 1, "0123456789"), c + 1);
    else
        snprintf(port, portlen, "%s", def);
    return 0;
}
