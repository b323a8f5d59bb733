/*
 * sim_server.c: non-blocking framing of Modbus TCP and RTU requests, replies
 * through libmodbus, delayed replies from a small queue.
 */
#include "sim_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAXCLIENTS 128
#define MAXPENDING 512
#define ADU_MAX 260
#define RTU_GAP_S 0.05 /* a partial RTU frame older than this is line noise */

typedef struct {
    int fd; /* -1: free slot */
    unsigned id;
    uint8_t buf[2 * ADU_MAX];
    size_t len;
    int npending;
    double due_last;
} client;

typedef struct {
    int used;
    int rtu;
    unsigned client_id;
    double due;
    int len;
    uint8_t frame[ADU_MAX];
} pending;

struct mvg_sim_server {
    modbus_t *tcp;
    int lfd;
    int port;
    modbus_t *rtu;
    int pty_master, pty_slave;
    char rtu_path[PATH_MAX];
    int rtu_linked;
    uint8_t rbuf[2 * ADU_MAX];
    size_t rlen;
    double rlast;
    int rtu_npending;
    double rtu_due_last;
    client clients[MAXCLIENTS];
    pending pend[MAXPENDING];
    unsigned next_id;
    unsigned seen_drop_gen;
    mvg_sim_regs *regs;
    const mvg_sim_faults *faults;
    mvg_sim_refresh_fn refresh;
    void *user;
};

uint16_t mvg_sim_server_crc16(const uint8_t *buf, size_t len)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

static int open_rtu(mvg_sim_server *s, const char *path, char *err, size_t errlen)
{
    s->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->pty_master < 0 || grantpt(s->pty_master) != 0 || unlockpt(s->pty_master) != 0) {
        snprintf(err, errlen, "cannot create a pseudo-terminal: %s", strerror(errno));
        return -1;
    }
    const char *slave = ptsname(s->pty_master);
    if (slave == NULL) {
        snprintf(err, errlen, "ptsname: %s", strerror(errno));
        return -1;
    }
    /* Holding the slave open keeps the master readable (no EIO) while no
     * client has the device open, and keeps the raw settings in place. */
    s->pty_slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->pty_slave < 0) {
        snprintf(err, errlen, "cannot open %s: %s", slave, strerror(errno));
        return -1;
    }
    struct termios tio;
    if (tcgetattr(s->pty_slave, &tio) == 0) {
        cfmakeraw(&tio);
        cfsetispeed(&tio, B19200);
        cfsetospeed(&tio, B19200);
        tcsetattr(s->pty_slave, TCSANOW, &tio);
    }
    int fl = fcntl(s->pty_master, F_GETFL);
    fcntl(s->pty_master, F_SETFL, fl | O_NONBLOCK);

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "--rtu %s exists and is not a symlink: refusing to replace it", path);
            return -1;
        }
        unlink(path);
    }
    if (symlink(slave, path) != 0) {
        snprintf(err, errlen, "cannot create symlink %s -> %s: %s", path, slave, strerror(errno));
        return -1;
    }
    snprintf(s->rtu_path, sizeof s->rtu_path, "%s", path);
    s->rtu_linked = 1;

    s->rtu = modbus_new_rtu(slave, 19200, 'N', 8, 1);
    if (s->rtu == NULL) {
        snprintf(err, errlen, "modbus_new_rtu: %s", modbus_strerror(errno));
        return -1;
    }
    modbus_set_socket(s->rtu, s->pty_master);
    return 0;
}

static int open_tcp(mvg_sim_server *s, const char *host, int port, char *err, size_t errlen)
{
    s->tcp = modbus_new_tcp(host, port);
    if (s->tcp == NULL) {
        snprintf(err, errlen, "modbus_new_tcp(%s): %s", host, modbus_strerror(errno));
        return -1;
    }
    s->lfd = modbus_tcp_listen(s->tcp, 16);
    if (s->lfd < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, modbus_strerror(errno));
        return -1;
    }
    fcntl(s->lfd, F_SETFD, FD_CLOEXEC);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        snprintf(err, errlen, "getsockname: %s", strerror(errno));
        return -1;
    }
    s->port = ntohs(sa.sin_port);
    return 0;
}

mvg_sim_server *mvg_sim_server_new(const mvg_sim_server_opts *o, char *err, size_t errlen)
{
    mvg_sim_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->lfd = s->pty_master = s->pty_slave = -1;
    for (int i = 0; i < MAXCLIENTS; i++)
        s->clients[i].fd = -1;
    s->regs = o->regs;
    s->faults = o->faults;
    s->refresh = o->refresh;
    s->user = o->user;
    s->seen_drop_gen = o->faults->drop_gen;
    if (open_tcp(s, o->host, o->port, err, errlen) != 0)
        goto fail;
    if (o->rtu_path && open_rtu(s, o->rtu_path, err, errlen) != 0)
        goto fail;
    return s;
fail:
    mvg_sim_server_free(s);
    return NULL;
}

static void close_client(mvg_sim_server *s, client *c)
{
    for (int i = 0; i < MAXPENDING; i++)
        if (s->pend[i].used && !s->pend[i].rtu && s->pend[i].client_id == c->id)
            s->pend[i].used = 0;
    close(c->fd);
    c->fd = -1;
    c->len = 0;
    c->npending = 0;
}

void mvg_sim_server_free(mvg_sim_server *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd >= 0)
            close_client(s, &s->clients[i]);
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->tcp)
        modbus_free(s->tcp);
    if (s->rtu)
        modbus_free(s->rtu);
    if (s->pty_slave >= 0)
        close(s->pty_slave);
    if (s->pty_master >= 0)
        close(s->pty_master);
    if (s->rtu_linked)
        unlink(s->rtu_path);
    free(s);
}

int mvg_sim_server_port(const mvg_sim_server *s)
{
    return s->port;
}

int mvg_sim_server_fdset(const mvg_sim_server *s, fd_set *rd, int maxfd)
{
    FD_SET(s->lfd, rd);
    if (s->lfd > maxfd)
        maxfd = s->lfd;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd >= 0) {
            FD_SET(s->clients[i].fd, rd);
            if (s->clients[i].fd > maxfd)
                maxfd = s->clients[i].fd;
        }
    if (s->pty_master >= 0) {
        FD_SET(s->pty_master, rd);
        if (s->pty_master > maxfd)
            maxfd = s->pty_master;
    }
    return maxfd;
}

double mvg_sim_server_next_due(const mvg_sim_server *s)
{
    double due = INFINITY;
    for (int i = 0; i < MAXPENDING; i++)
        if (s->pend[i].used && s->pend[i].due < due)
            due = s->pend[i].due;
    if (s->rlen > 0 && s->rlast + RTU_GAP_S < due)
        due = s->rlast + RTU_GAP_S;
    return due;
}

static int unit_of(int rtu, const uint8_t *f)
{
    return rtu ? f[0] : f[6];
}

static int dropped(const mvg_sim_faults *fl, int unit)
{
    return fl->drop_all || fl->drop[unit];
}

static client *find_client(mvg_sim_server *s, unsigned id)
{
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd >= 0 && s->clients[i].id == id)
            return &s->clients[i];
    return NULL;
}

/* Sends the answer to one request now, as the faults say. */
static void answer(mvg_sim_server *s, int rtu, client *c, const uint8_t *f, int len)
{
    int unit = unit_of(rtu, f);
    modbus_mapping_t *map = mvg_sim_regs_mapping(s->regs, unit);
    if (map == NULL || dropped(s->faults, unit))
        return;
    modbus_t *ctx = rtu ? s->rtu : s->tcp;
    modbus_set_socket(ctx, rtu ? s->pty_master : c->fd);
    int code = s->faults->exc[unit] ? s->faults->exc[unit] : s->faults->exc_all;
    if (code > 0) {
        modbus_reply_exception(ctx, f, (unsigned)code);
        return;
    }
    s->refresh(s->user, unit);
    /* A failed send (peer gone) shows up as EOF at the next read. */
    modbus_reply(ctx, f, len, map);
}

static void handle_frame(mvg_sim_server *s, int rtu, client *c, const uint8_t *f, int len, double now)
{
    int unit = unit_of(rtu, f);
    if (mvg_sim_regs_mapping(s->regs, unit) == NULL) {
        /* A TCP gateway says its target did not answer; a serial line just
         * stays silent, as a missing slave would. */
        if (!rtu && !s->faults->drop_all) {
            modbus_set_socket(s->tcp, c->fd);
            modbus_reply_exception(s->tcp, f, MODBUS_EXCEPTION_GATEWAY_TARGET);
        }
        return;
    }
    if (dropped(s->faults, unit))
        return;
    int delay = s->faults->delay_all_ms > s->faults->delay_ms[unit] ? s->faults->delay_all_ms
                                                                   : s->faults->delay_ms[unit];
    int *npend = rtu ? &s->rtu_npending : &c->npending;
    double *last = rtu ? &s->rtu_due_last : &c->due_last;
    if (delay <= 0 && *npend == 0) {
        answer(s, rtu, c, f, len);
        return;
    }
    /* Replies to one client keep the order of its requests. */
    double due = now + delay / 1000.0;
    if (*npend > 0 && due < *last)
        due = *last;
    for (int i = 0; i < MAXPENDING; i++)
        if (!s->pend[i].used) {
            pending *p = &s->pend[i];
            p->used = 1;
            p->rtu = rtu;
            p->client_id = rtu ? 0 : c->id;
            p->due = due;
            p->len = len;
            memcpy(p->frame, f, (size_t)len);
            (*npend)++;
            *last = due;
            return;
        }
    /* Queue full: the request is lost, as on an overloaded device. */
}

/* Frames Modbus TCP (MBAP) requests in c->buf; returns -1 on a framing
 * error after which the connection cannot be trusted. */
static int frame_tcp(mvg_sim_server *s, client *c, double now)
{
    size_t off = 0;
    while (c->len - off >= 7) {
        const uint8_t *f = c->buf + off;
        unsigned proto = (unsigned)(f[2] << 8 | f[3]);
        unsigned n = (unsigned)(f[4] << 8 | f[5]);
        if (proto != 0 || n < 2 || n > ADU_MAX - 6)
            return -1;
        if (c->len - off < 6 + n)
            break;
        handle_frame(s, 0, c, f, (int)(6 + n), now);
        if (c->fd < 0)
            return 0;
        off += 6 + n;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return 0;
}

/* Length of the RTU request starting at f (n bytes available): the frame
 * length, 0 when more bytes are needed, -1 for an unknown function. */
static int rtu_request_length(const uint8_t *f, size_t n)
{
    if (n < 2)
        return 0;
    switch (f[1]) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x08:
        return 8;
    case 0x07: case 0x0B: case 0x0C: case 0x11:
        return 4;
    case 0x16:
        return 10;
    case 0x0F: case 0x10:
        return n < 7 ? 0 : 9 + f[6];
    case 0x17:
        return n < 11 ? 0 : 13 + f[10];
    default:
        return -1;
    }
}

static void frame_rtu(mvg_sim_server *s, double now)
{
    size_t off = 0;
    while (off < s->rlen) {
        const uint8_t *f = s->rbuf + off;
        int need = rtu_request_length(f, s->rlen - off);
        if (need < 0) {
            off = s->rlen; /* garbage: drop what we have and resync on silence */
            break;
        }
        if (need == 0 || (size_t)need > s->rlen - off)
            break;
        uint16_t crc = mvg_sim_server_crc16(f, (size_t)need - 2);
        if (f[need - 2] != (crc & 0xFF) || f[need - 1] != (crc >> 8)) {
            off++; /* bad CRC: slide one byte and look for a frame again */
            continue;
        }
        handle_frame(s, 1, NULL, f, need, now);
        off += (size_t)need;
    }
    memmove(s->rbuf, s->rbuf + off, s->rlen - off);
    s->rlen -= off;
}

static void accept_clients(mvg_sim_server *s)
{
    int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd < 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            client *c = &s->clients[i];
            c->fd = fd;
            c->id = ++s->next_id;
            c->len = 0;
            c->npending = 0;
            return;
        }
    close(fd); /* full house */
}

static void send_due(mvg_sim_server *s, double now)
{
    for (;;) {
        int best = -1;
        for (int i = 0; i < MAXPENDING; i++)
            if (s->pend[i].used && s->pend[i].due <= now && (best < 0 || s->pend[i].due < s->pend[best].due))
                best = i;
        if (best < 0)
            return;
        pending *p = &s->pend[best];
        p->used = 0;
        if (p->rtu) {
            s->rtu_npending--;
            answer(s, 1, NULL, p->frame, p->len);
        } else {
            client *c = find_client(s, p->client_id);
            if (c) {
                c->npending--;
                answer(s, 0, c, p->frame, p->len);
            }
        }
    }
}

void mvg_sim_server_process(mvg_sim_server *s, const fd_set *rd, double now)
{
    if (s->faults->drop_gen != s->seen_drop_gen) {
        s->seen_drop_gen = s->faults->drop_gen;
        for (int i = 0; i < MAXCLIENTS; i++)
            if (s->clients[i].fd >= 0)
                close_client(s, &s->clients[i]);
    }
    if (FD_ISSET(s->lfd, rd))
        accept_clients(s);
    for (int i = 0; i < MAXCLIENTS; i++) {
        client *c = &s->clients[i];
        if (c->fd < 0 || !FD_ISSET(c->fd, rd))
            continue;
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            close_client(s, c);
            continue;
        }
        c->len += (size_t)n;
        if (frame_tcp(s, c, now) != 0 && c->fd >= 0)
            close_client(s, c);
    }
    if (s->pty_master >= 0) {
        if (s->rlen > 0 && now - s->rlast > RTU_GAP_S)
            s->rlen = 0;
        if (FD_ISSET(s->pty_master, rd)) {
            ssize_t n = read(s->pty_master, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen);
            if (n > 0) {
                s->rlen += (size_t)n;
                s->rlast = now;
                frame_rtu(s, now);
                if (s->rlen == sizeof s->rbuf)
                    s->rlen = 0;
            }
        }
    }
    send_due(s, now);
}
