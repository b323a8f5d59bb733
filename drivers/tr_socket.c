/*
 * tr_socket.c: connect, send, discard and receive one frame on a TCP
 * socket, each against the caller's deadline.
 */
#include "tr_socket.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "transport_backend.h"

void mvg_tr_sock_init(mvg_tr_sock *s, const mvg_bus_cfg *bus)
{
    s->fd = -1;
    snprintf(s->host, sizeof s->host, "%s", bus->host);
    snprintf(s->port, sizeof s->port, "%d", bus->port > 0 ? bus->port : 502);
    s->timeout_ms = mvg_tr_timeout_ms(bus);
}

void *mvg_tr_sock_alloc(size_t size, const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    mvg_tr_sock *s = calloc(1, size);
    if (!s) {
        snprintf(err, errlen, "bus %s: out of memory", bus->name);
        return NULL;
    }
    mvg_tr_sock_init(s, bus);
    return s;
}

void mvg_tr_sock_close(mvg_tr_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int mvg_tr_sock_remaining(int64_t deadline)
{
    int64_t left = deadline - mvg_clock_mono_ms();
    return left < 0 ? 0 : (int)left;
}

int mvg_tr_sock_connect(mvg_tr_sock *s, int64_t deadline, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(s->host, s->port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve host: %s", gai_strerror(g));
        return -1;
    }
    int e = ECONNREFUSED;
    int timed_out = 0;
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
            while ((p = poll(&pfd, 1, mvg_tr_sock_remaining(deadline))) == -1 && errno == EINTR)
                ;
            if (p == 0) {
                timed_out = 1;
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
            s->fd = fd;
            freeaddrinfo(res);
            return 0;
        }
        close(fd);
    }
    freeaddrinfo(res);
    if (timed_out) {
        snprintf(err, errlen, "connect timeout after %d ms", s->timeout_ms);
    } else {
        char buf[128];
        snprintf(err, errlen, "%s", mvg_tr_strerror(e, buf, sizeof buf));
    }
    return -1;
}

/* What a recv() that returned n < 1 means: 0 when nothing is there yet
 * (or a signal came), 1 with err filled when the connection is gone. */
static int recv_gone(ssize_t n, char *err, size_t errlen)
{
    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n == 0) {
        snprintf(err, errlen, "connection closed by peer");
    } else {
        char buf[128];
        snprintf(err, errlen, "%s", mvg_tr_strerror(errno, buf, sizeof buf));
    }
    return 1;
}

int mvg_tr_sock_discard(mvg_tr_sock *s, int64_t deadline, char *err, size_t errlen)
{
    uint8_t junk[512];
    /* Without a deadline at most 64 KiB: a peer that streams without pause
     * is not going to give us a clean start anyway. */
    for (int rounds = 0; deadline || rounds < 128; rounds++) {
        int wait = deadline ? mvg_tr_sock_remaining(deadline) : 0;
        struct pollfd pfd = {s->fd, POLLIN, 0};
        int p = poll(&pfd, 1, wait);
        if (p == -1 && errno == EINTR)
            continue;
        if (p == 0)
            return 0;
        ssize_t n = p < 0 ? -1 : recv(s->fd, junk, sizeof junk, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (recv_gone(n, err, errlen))
            return -1;
    }
    return 0;
}

int mvg_tr_sock_send(mvg_tr_sock *s, const uint8_t *buf, size_t len, int64_t deadline, char *err,
                     size_t errlen)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(s->fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd pfd = {s->fd, POLLOUT, 0};
            int p = poll(&pfd, 1, mvg_tr_sock_remaining(deadline));
            if (p == 0) {
                snprintf(err, errlen, "send timeout after %d ms", s->timeout_ms);
                return MVG_TR_SOCK_FAILED;
            }
            continue;
        }
        char b[128];
        snprintf(err, errlen, "send: %s", mvg_tr_strerror(errno, b, sizeof b));
        return MVG_TR_SOCK_GONE;
    }
    return MVG_TR_SOCK_OK;
}

int mvg_tr_sock_recv_frame(mvg_tr_sock *s, uint8_t *buf, size_t cap, size_t *len,
                           int64_t deadline, mvg_tr_frame_len_fn frame_len, const void *ctx,
                           char *err, size_t errlen)
{
    *len = 0;
    for (;;) {
        long want = frame_len(buf, *len, ctx, err, errlen);
        if (want < 0)
            return MVG_TR_SOCK_FAILED;
        if (want > (long)cap)
            want = (long)cap; /* frame_len keeps within cap; this is the guard */
        if (*len >= (size_t)want) {
            /* Bytes past the frame answer no request of ours (one is
             * outstanding at a time): drop them, as the next discard would. */
            *len = (size_t)want;
            return MVG_TR_SOCK_OK;
        }
        struct pollfd pfd = {s->fd, POLLIN, 0};
        int p = poll(&pfd, 1, mvg_tr_sock_remaining(deadline));
        if (p == -1 && errno == EINTR)
            continue;
        if (p == 0) {
            if (*len > 0)
                snprintf(err, errlen, "timeout after %d ms (%zu of %ld bytes received)",
                         s->timeout_ms, *len, want);
            else
                snprintf(err, errlen, "timeout after %d ms", s->timeout_ms);
            return MVG_TR_SOCK_FAILED;
        }
        /* As much as has come, not just up to the lower bound: one recv()
         * usually takes the whole reply, a syscall fewer per request. */
        ssize_t n = p < 0 ? -1 : recv(s->fd, buf + *len, cap - *len, MSG_DONTWAIT);
        if (n > 0) {
            *len += (size_t)n;
            continue;
        }
        if (recv_gone(n, err, errlen))
            return MVG_TR_SOCK_GONE;
    }
}
