/*
 * tr_socket.c: connect, send, discard and receive one frame on a TCP
 * socket, each against the caller's deadline.
 */
#include "tr_socket.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "netconn.h"
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

void mvg_tr_sock_free(void *state)
{
    if (!state)
        return;
    mvg_tr_sock_close(state); /* the socket is the state's first member */
    free(state);
}

int mvg_tr_sock_remaining(int64_t deadline)
{
    return mvg_netconn_remaining(deadline);
}

int mvg_tr_sock_connect(mvg_tr_sock *s, int64_t deadline, char *err, size_t errlen)
{
    int e = 0;
    s->fd = mvg_netconn_connect(s->host, s->port, deadline, &e, err, errlen);
    if (s->fd >= 0)
        return 0;
    if (e == ETIMEDOUT) {
        snprintf(err, errlen, "connect timeout after %d ms", s->timeout_ms);
    } else if (e) {
        char buf[128];
        snprintf(err, errlen, "%s", mvg_tr_strerror(e, buf, sizeof buf));
    }
    return -1;
}

#define PEER_CLOSED "connection closed by peer"

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
        if (mvg_tr_recv_gone((long)n, PEER_CLOSED, err, errlen))
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
    return mvg_tr_recv_frame(s->fd, buf, cap, len, deadline, s->timeout_ms, frame_len, ctx,
                             PEER_CLOSED, err, errlen);
}
