/*
 * tr_rtu_tcp.c: RTU framing over a TCP socket, as transparent serial device
 * servers (Moxa, USR, ...) carry it; libmodbus 3.1.6 has no such backend.
 * Owns the socket and the line state.
 *
 * Behind the socket sits a serial line, so there is no transaction id: a
 * reply is matched to its request only by order. To keep a late reply to a
 * timed-out request from ever passing for the answer to the next one, the
 * next request (1) waits, reading and discarding, until twice the timeout
 * has passed since the failed request went out, and (2) always discards
 * whatever is buffered just before sending. A timeout or a bad frame keeps
 * the connection (a silent unit on the line says nothing about the link);
 * a socket error or EOF closes it, and the next read reconnects.
 */
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
#include "rtu_frame.h"
#include "transport_backend.h"

typedef struct {
    int fd;
    char host[256];
    char port[16];
    int timeout_ms;
    int64_t quiet_at_ms; /* a late reply may arrive until then (0: none pending) */
} tr_rtt;

void *mvg_tr_rtu_tcp_new(const mvg_bus_cfg *bus, char *err, size_t errlen)
{
    tr_rtt *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "bus %s: out of memory", bus->name);
        return NULL;
    }
    r->fd = -1;
    snprintf(r->host, sizeof r->host, "%s", bus->host);
    snprintf(r->port, sizeof r->port, "%d", bus->port > 0 ? bus->port : 502);
    r->timeout_ms = mvg_tr_timeout_ms(bus);
    return r;
}

static void tr_close(void *impl)
{
    tr_rtt *r = impl;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->quiet_at_ms = 0;
}

static void tr_free(void *impl)
{
    if (!impl)
        return;
    tr_close(impl);
    free(impl);
}

static int remaining(int64_t deadline)
{
    int64_t left = deadline - mvg_clock_mono_ms();
    return left < 0 ? 0 : (int)left;
}

/* Non-blocking connect bounded by the timeout, trying each address. */
static int do_connect(tr_rtt *r, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(r->host, r->port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve host: %s", gai_strerror(g));
        return -1;
    }
    int64_t deadline = mvg_clock_mono_ms() + r->timeout_ms;
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
            while ((p = poll(&pfd, 1, remaining(deadline))) == -1 && errno == EINTR)
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
            r->fd = fd;
            freeaddrinfo(res);
            return 0;
        }
        close(fd);
    }
    freeaddrinfo(res);
    if (timed_out) {
        snprintf(err, errlen, "connect timeout after %d ms", r->timeout_ms);
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

/* Reads and discards until the deadline (or, with deadline 0, until nothing
 * is buffered, at most 64 KiB: a peer that streams without pause is not
 * going to give us a clean start anyway). Returns 0, or -1 when the peer
 * closed or the socket failed. */
static int discard(tr_rtt *r, int64_t deadline, char *err, size_t errlen)
{
    uint8_t junk[512];
    for (int rounds = 0; deadline || rounds < 128; rounds++) {
        int wait = deadline ? remaining(deadline) : 0;
        struct pollfd pfd = {r->fd, POLLIN, 0};
        int p = poll(&pfd, 1, wait);
        if (p == -1 && errno == EINTR)
            continue;
        if (p == 0)
            return 0;
        ssize_t n = p < 0 ? -1 : recv(r->fd, junk, sizeof junk, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (recv_gone(n, err, errlen))
            return -1;
    }
    return 0;
}

static int send_all(tr_rtt *r, const uint8_t *buf, size_t len, int64_t deadline, char *err,
                    size_t errlen)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(r->fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd pfd = {r->fd, POLLOUT, 0};
            int p = poll(&pfd, 1, remaining(deadline));
            if (p == 0) {
                snprintf(err, errlen, "send timeout after %d ms", r->timeout_ms);
                return -1;
            }
            continue;
        }
        char b[128];
        snprintf(err, errlen, "send: %s", mvg_tr_strerror(errno, b, sizeof b));
        return -1;
    }
    return 0;
}

static int tr_read(void *impl, int unit_id, mvg_area area, unsigned start, unsigned count,
                   uint16_t *regs, uint8_t *bits, uint8_t *exception_code, char *err,
                   size_t errlen)
{
    tr_rtt *r = impl;
    char why[160];

    if (r->fd >= 0) {
        /* Also notices a peer that hung up while we were idle, so that a
         * restarted server costs no failed request. */
        if ((r->quiet_at_ms && discard(r, r->quiet_at_ms, why, sizeof why) != 0) ||
            discard(r, 0, why, sizeof why) != 0)
            tr_close(r);
        r->quiet_at_ms = 0;
    }
    if (r->fd < 0 && do_connect(r, err, errlen) != 0)
        return MVG_TR_COMM;

    uint8_t req[MVG_RTU_READ_REQUEST_LEN];
    uint8_t fc = mvg_rtu_read_function(area);
    mvg_rtu_build_read((uint8_t)unit_id, area, start, count, req);
    int64_t sent = mvg_clock_mono_ms();
    int64_t deadline = sent + r->timeout_ms;
    if (send_all(r, req, sizeof req, deadline, err, errlen) != 0) {
        tr_close(r);
        return MVG_TR_COMM;
    }

    uint8_t buf[MVG_RTU_MAX_REPLY];
    size_t len = 0;
    for (;;) {
        long want = mvg_rtu_reply_length(buf, len, fc);
        if (want < 0) {
            snprintf(err, errlen, "unexpected function code 0x%02x (expected 0x%02x)", buf[1], fc);
            r->quiet_at_ms = sent + 2 * (int64_t)r->timeout_ms;
            return MVG_TR_COMM;
        }
        if (len >= (size_t)want)
            break;
        struct pollfd pfd = {r->fd, POLLIN, 0};
        int p = poll(&pfd, 1, remaining(deadline));
        if (p == -1 && errno == EINTR)
            continue;
        if (p == 0) {
            if (len > 0)
                snprintf(err, errlen, "timeout after %d ms (%zu of %ld bytes received)",
                         r->timeout_ms, len, want);
            else
                snprintf(err, errlen, "timeout after %d ms", r->timeout_ms);
            r->quiet_at_ms = sent + 2 * (int64_t)r->timeout_ms;
            return MVG_TR_COMM;
        }
        /* Only up to the frame's end: later bytes belong to nobody. */
        ssize_t n = p < 0 ? -1 : recv(r->fd, buf + len, (size_t)want - len, MSG_DONTWAIT);
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (recv_gone(n, err, errlen)) {
            tr_close(r);
            return MVG_TR_COMM;
        }
    }

    int rc = mvg_rtu_parse_reply(buf, len, (uint8_t)unit_id, area, count, regs, bits,
                                 exception_code, err, errlen);
    if (rc == MVG_TR_COMM)
        r->quiet_at_ms = sent + 2 * (int64_t)r->timeout_ms;
    return rc;
}

const mvg_tr_backend mvg_tr_rtu_tcp_backend = {tr_read, tr_close, tr_free};
