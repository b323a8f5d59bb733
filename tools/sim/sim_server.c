/*
 * sim_server.c: non-blocking framing of Modbus TCP and RTU requests, replies
 * through libmodbus, delayed replies from a small queue.
 */
#include "sim_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "crc16.h"

#define MAXCLIENTS 128
#define MAXPENDING 512
#define ADU_MAX 260
#define RTU_GAP_S 0.05 /* a partial RTU frame older than this is line noise */

/* A request source: a TCP client (MBAP or RTU framing) or the pty line. */
typedef struct {
    int fd;     /* -1: free slot */
    int rtu;    /* RTU framing (pty, or RTU over TCP) instead of MBAP */
    unsigned id;
    uint8_t buf[2 * ADU_MAX];
    size_t len;
    double last_rx;
    int npending;
    double due_last;
} client;

typedef struct {
    int used;
    unsigned client_id;
    double due;
    int len;
    uint8_t frame[ADU_MAX];
} pending;

struct mvg_sim_server {
    modbus_t *tcp;          /* MBAP replies (and the listening socket) */
    int lfd;
    int port;
    modbus_t *rtu;          /* RTU replies, on the pty or an RTU-over-TCP client */
    int rtl_fd;             /* RTU-over-TCP listening socket, -1 when off */
    int rtu_tcp_port;
    int pty_master, pty_slave;
    char rtu_path[PATH_MAX];
    int rtu_linked;
    client line;            /* the pty as a request source (id 0) */
    client clients[MAXCLIENTS];
    pending pend[MAXPENDING];
    unsigned next_id;
    unsigned seen_drop_gen;
    mvg_sim_regs *regs;
    const mvg_sim_faults *faults;
    mvg_sim_refresh_fn refresh;
    void *user;
};

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
    s->line.fd = s->pty_master;
    s->line.rtu = 1;
    return 0;
}

static int listen_on(const char *host, int port, int *fd, int *bound, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "host '%s' is not an IPv4 address", host);
        return -1;
    }
    int one = 1;
    *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0 || setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(*fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(*fd, 16) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        return -1;
    }
    socklen_t sl = sizeof sa;
    getsockname(*fd, (struct sockaddr *)&sa, &sl);
    *bound = ntohs(sa.sin_port);
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
    s->lfd = s->rtl_fd = s->pty_master = s->pty_slave = -1;
    s->line.fd = -1;
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
    if (o->rtu_tcp_port >= 0 && listen_on(o->host, o->rtu_tcp_port, &s->rtl_fd, &s->rtu_tcp_port, err, errlen) != 0)
        goto fail;
    /* Never connected: only its framing is used, on whichever fd we set. */
    s->rtu = modbus_new_rtu("/dev/null", 19200, 'N', 8, 1);
    if (s->rtu == NULL) {
        snprintf(err, errlen, "modbus_new_rtu: %s", modbus_strerror(errno));
        goto fail;
    }
    return s;
fail:
    mvg_sim_server_free(s);
    return NULL;
}

static void close_client(mvg_sim_server *s, client *c)
{
    for (int i = 0; i < MAXPENDING; i++)
        if (s->pend[i].used && s->pend[i].client_id == c->id)
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
    if (s->rtl_fd >= 0)
        close(s->rtl_fd);
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

int mvg_sim_server_rtu_tcp_port(const mvg_sim_server *s)
{
    return s->rtl_fd >= 0 ? s->rtu_tcp_port : -1;
}

static int add_fd(int fd, fd_set *rd, int maxfd)
{
    if (fd < 0)
        return maxfd;
    FD_SET(fd, rd);
    return fd > maxfd ? fd : maxfd;
}

int mvg_sim_server_fdset(const mvg_sim_server *s, fd_set *rd, int maxfd)
{
    maxfd = add_fd(s->lfd, rd, maxfd);
    maxfd = add_fd(s->rtl_fd, rd, maxfd);
    maxfd = add_fd(s->line.fd, rd, maxfd);
    for (int i = 0; i < MAXCLIENTS; i++)
        maxfd = add_fd(s->clients[i].fd, rd, maxfd);
    return maxfd;
}

double mvg_sim_server_next_due(const mvg_sim_server *s)
{
    double due = INFINITY;
    for (int i = 0; i < MAXPENDING; i++)
        if (s->pend[i].used && s->pend[i].due < due)
            due = s->pend[i].due;
    if (s->line.len > 0 && s->line.last_rx + RTU_GAP_S < due)
        due = s->line.last_rx + RTU_GAP_S;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd >= 0 && s->clients[i].rtu && s->clients[i].len > 0 &&
            s->clients[i].last_rx + RTU_GAP_S < due)
            due = s->clients[i].last_rx + RTU_GAP_S;
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
    if (id == 0)
        return s->line.fd >= 0 ? &s->line : NULL;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd >= 0 && s->clients[i].id == id)
            return &s->clients[i];
    return NULL;
}

/* Sends the answer to one request now, as the faults say. */
static void answer(mvg_sim_server *s, client *c, const uint8_t *f, int len)
{
    int unit = unit_of(c->rtu, f);
    modbus_mapping_t *map = mvg_sim_regs_mapping(s->regs, unit);
    if (map == NULL || dropped(s->faults, unit))
        return;
    modbus_t *ctx = c->rtu ? s->rtu : s->tcp;
    modbus_set_socket(ctx, c->fd);
    int code = s->faults->exc[unit] ? s->faults->exc[unit] : s->faults->exc_all;
    if (code > 0) {
        modbus_reply_exception(ctx, f, (unsigned)code);
        return;
    }
    /* A meter without Read Device Identification (function 43) or another
     * function says so, as a real one does; libmodbus 3.1.6 leaves such a
     * request unanswered. */
    uint8_t fc = f[c->rtu ? 1 : 7];
    if (!(fc >= 0x01 && fc <= 0x06) && fc != 0x0F && fc != 0x10 && fc != 0x17) {
        modbus_reply_exception(ctx, f, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return;
    }
    s->refresh(s->user, unit);
    /* A failed send (peer gone) shows up as EOF at the next read. */
    modbus_reply(ctx, f, len, map);
}

static void handle_frame(mvg_sim_server *s, client *c, const uint8_t *f, int len, double now)
{
    int unit = unit_of(c->rtu, f);
    if (mvg_sim_regs_mapping(s->regs, unit) == NULL) {
        /* A TCP gateway says its target did not answer; a serial line (or a
         * transparent serial server) just stays silent, as a missing slave
         * would. */
        if (!c->rtu && !s->faults->drop_all) {
            modbus_set_socket(s->tcp, c->fd);
            modbus_reply_exception(s->tcp, f, MODBUS_EXCEPTION_GATEWAY_TARGET);
        }
        return;
    }
    if (dropped(s->faults, unit))
        return;
    int delay = s->faults->delay_all_ms > s->faults->delay_ms[unit] ? s->faults->delay_all_ms
                                                                   : s->faults->delay_ms[unit];
    if (delay <= 0 && c->npending == 0) {
        answer(s, c, f, len);
        return;
    }
    /* Replies to one client keep the order of its requests. */
    double due = now + delay / 1000.0;
    if (c->npending > 0 && due < c->due_last)
        due = c->due_last;
    for (int i = 0; i < MAXPENDING; i++)
        if (!s->pend[i].used) {
            pending *p = &s->pend[i];
            p->used = 1;
            p->client_id = c->id;
            p->due = due;
            p->len = len;
            memcpy(p->frame, f, (size_t)len);
            c->npending++;
            c->due_last = due;
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
        handle_frame(s, c, f, (int)(6 + n), now);
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
    case 0x2B: /* Read Device Identification: MEI type, code, object id */
        return 7;
    case 0x0F: case 0x10:
        return n < 7 ? 0 : 9 + f[6];
    case 0x17:
        return n < 11 ? 0 : 13 + f[10];
    default:
        return -1;
    }
}

static void frame_rtu(mvg_sim_server *s, client *c, double now)
{
    size_t off = 0;
    while (off < c->len) {
        const uint8_t *f = c->buf + off;
        int need = rtu_request_length(f, c->len - off);
        if (need < 0) {
            off = c->len; /* garbage: drop what we have and resync on silence */
            break;
        }
        if (need == 0 || (size_t)need > c->len - off)
            break;
        uint16_t crc = mvg_crc16_modbus(f, (size_t)need - 2);
        if (f[need - 2] != (crc & 0xFF) || f[need - 1] != (crc >> 8)) {
            off++; /* bad CRC: slide one byte and look for a frame again */
            continue;
        }
        handle_frame(s, c, f, need, now);
        off += (size_t)need;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

static void accept_client(mvg_sim_server *s, int lfd, int rtu)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAXCLIENTS; i++)
        if (s->clients[i].fd < 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            client *c = &s->clients[i];
            c->fd = fd;
            c->rtu = rtu;
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
        client *c = find_client(s, p->client_id);
        if (c) {
            c->npending--;
            answer(s, c, p->frame, p->len);
        }
    }
}

/* Reads what a source has sent and answers the complete requests.
 * Returns -1 when a TCP connection ended or cannot be trusted. */
static int receive(mvg_sim_server *s, client *c, double now)
{
    /* On an RTU line a pause ends a frame: a stale partial frame is noise. */
    if (c->rtu && c->len > 0 && now - c->last_rx > RTU_GAP_S)
        c->len = 0;
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return c == &s->line ? 0 : -1;
    c->len += (size_t)n;
    c->last_rx = now;
    if (!c->rtu)
        return frame_tcp(s, c, now);
    frame_rtu(s, c, now);
    if (c->len == sizeof c->buf)
        c->len = 0;
    return 0;
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
        accept_client(s, s->lfd, 0);
    if (s->rtl_fd >= 0 && FD_ISSET(s->rtl_fd, rd))
        accept_client(s, s->rtl_fd, 1);
    for (int i = 0; i < MAXCLIENTS; i++) {
        client *c = &s->clients[i];
        if (c->fd >= 0 && FD_ISSET(c->fd, rd) && receive(s, c, now) != 0)
            close_client(s, c);
    }
    if (s->line.fd >= 0) {
        if (FD_ISSET(s->line.fd, rd))
            receive(s, &s->line, now);
        else if (s->line.len > 0 && now - s->line.last_rx > RTU_GAP_S)
            s->line.len = 0;
    }
    send_due(s, now);
}
