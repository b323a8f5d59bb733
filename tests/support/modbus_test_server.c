#include "modbus_test_server.h"

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Listening socket on 127.0.0.1:port (0: any); *out_port gets the port. */
int mts_listen(int port, int *out_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *out_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *out_port = ntohs(a.sin_port);
    return fd;
}

/* Waits up to ms for a connection; -1 when none came. */
static int mts_accept(int lfd, int ms)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* ---- libmodbus TCP server ---- */

/* The values the libmodbus server holds (and the tests expect). */
uint16_t mts_mb_holding(unsigned addr, unsigned gen)
{
    return (uint16_t)(gen * 10000u + addr * 3u + 1u);
}
uint16_t mts_mb_input(unsigned addr) { return (uint16_t)(0xF000u + addr); }
uint8_t mts_mb_coil(unsigned addr) { return addr % 3 == 0; }
uint8_t mts_mb_discrete(unsigned addr) { return (addr / 2) % 2; }

static void *mts_mb_main(void *arg)
{
    mts_mb *s = arg;
    while (!atomic_load(&s->stop)) {
        int cfd = mts_accept(s->lfd, 50);
        if (cfd < 0)
            continue;
        atomic_fetch_add(&s->connections, 1);
        modbus_set_socket(s->ctx, cfd);
        for (;;) {
            uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
            int rc = modbus_receive(s->ctx, q);
            if (rc > 0) {
                atomic_fetch_add(&s->requests, 1);
                modbus_reply(s->ctx, q, rc, s->map);
            } else if (rc == -1 && errno == ETIMEDOUT) {
                if (atomic_load(&s->stop))
                    break;
            } else if (rc == -1) {
                break;
            }
        }
        close(cfd);
        modbus_set_socket(s->ctx, -1);
    }
    return NULL;
}

/* Starts a server on port (0: any); gen shifts the holding values, so a
 * restarted server is told apart from the old one. Returns 0 or -1. */
int mts_mb_start(mts_mb *s, int port, unsigned gen)
{
    memset(s, 0, sizeof *s);
    s->lfd = mts_listen(port, &s->port);
    if (s->lfd < 0)
        return -1;
    s->ctx = modbus_new_tcp("127.0.0.1", s->port);
    s->map = modbus_mapping_new(MTS_MB_BITS, MTS_MB_BITS, MTS_MB_REGS, MTS_MB_REGS);
    if (!s->ctx || !s->map)
        return -1;
    /* modbus_receive wakes up regularly so that the thread can stop. */
    modbus_set_indication_timeout(s->ctx, 0, 50000);
    for (unsigned i = 0; i < MTS_MB_REGS; i++) {
        s->map->tab_registers[i] = mts_mb_holding(i, gen);
        s->map->tab_input_registers[i] = mts_mb_input(i);
    }
    for (unsigned i = 0; i < MTS_MB_BITS; i++) {
        s->map->tab_bits[i] = mts_mb_coil(i);
        s->map->tab_input_bits[i] = mts_mb_discrete(i);
    }
    return pthread_create(&s->th, NULL, mts_mb_main, s) == 0 ? 0 : -1;
}

void mts_mb_stop(mts_mb *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    modbus_mapping_free(s->map);
    modbus_free(s->ctx);
}

/* ---- scripted server: RTU over TCP, RTU on a pty, or Modbus TCP ---- */


static uint16_t mts_crc16(const uint8_t *buf, size_t len)
{
    /* Written out again here rather than calling the code under test:
     * same algorithm, but a transcription error in one shows as a CRC
     * failure against the other (and test_transport checks known frames). */
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)((crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1);
    }
    return crc;
}

uint16_t mts_rtt_holding(unsigned addr, unsigned seq)
{
    return (uint16_t)(seq * 1000u + addr);
}
uint16_t mts_rtt_input(unsigned addr) { return (uint16_t)(0xA000u + addr * 5u); }
uint8_t mts_rtt_coil(unsigned addr) { return (addr * 7u) % 5u < 2u; }
uint8_t mts_rtt_discrete(unsigned addr) { return addr % 2 == 1; }

/* send() without SIGPIPE on a socket, write() on a pty. */
static void mts_write(int fd, const uint8_t *buf, size_t len)
{
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n == -1 && errno == ENOTSOCK)
        n = write(fd, buf, len);
    (void)n;
}

/* Sends the frame one byte every trickle_ms: a reply that is always "still
 * coming". Stops when the client has hung up, so that the server is free
 * for its reconnect. */
static void mts_trickle(mts_rtt *s, int fd, const uint8_t *f, size_t len)
{
    for (size_t i = 0; i < len && !atomic_load(&s->stop); i++) {
        if (i > 0)
            tu_sleep_ms(atomic_load(&s->trickle_ms));
        uint8_t c;
        if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
            return;
        mts_write(fd, f + i, 1);
    }
}

/* Frames the reply (f: unit id, then the PDU; len bytes, room for 2 more)
 * as RTU or MBAP with the mode's fault, and sends it. */
static void mts_rtt_frame(mts_rtt *s, int fd, int mode, uint8_t *f, size_t len, unsigned tid)
{
    uint8_t out[640];
    size_t n;
    if (s->mbap) {
        unsigned proto = mode == MTS_WRONG_PROTO ? 1 : 0;
        unsigned mlen = (unsigned)len + (mode == MTS_WRONG_LEN ? 2 : 0);
        if (mode == MTS_WRONG_TID)
            tid = (tid + 1) & 0xFFFF;
        const uint8_t h[6] = {(uint8_t)(tid >> 8), (uint8_t)tid, (uint8_t)(proto >> 8),
                              (uint8_t)proto, (uint8_t)(mlen >> 8), (uint8_t)mlen};
        memcpy(out, h, 6);
        memcpy(out + 6, f, len);
        n = 6 + len;
    } else {
        uint16_t crc = mts_crc16(f, len);
        memcpy(out, f, len);
        out[len] = (uint8_t)(crc & 0xFF);
        out[len + 1] = (uint8_t)(crc >> 8);
        if (mode == MTS_BAD_CRC)
            out[len] ^= 0xFF;
        n = len + 2;
    }
    if (mode == MTS_DOUBLE) {
        /* In one write: Nagle would hold a second one for the client's ACK. */
        memcpy(out + n, out, n);
        n *= 2;
    }
    if (mode == MTS_TRUNCATED)
        mts_write(fd, out, n / 2);
    else if (mode == MTS_TRICKLE)
        mts_trickle(s, fd, out, n);
    else
        mts_write(fd, out, n);
}

static void mts_rtt_answer(mts_rtt *s, int fd, const uint8_t *q, int seq, unsigned tid)
{
    int mode = atomic_load(&s->mode);
    int delay = atomic_exchange(&s->delay_next_ms, 0);
    if (mode == MTS_SILENT)
        return;
    if (delay > 0)
        tu_sleep_ms(delay);
    uint8_t fc = q[1];
    unsigned start = (unsigned)(q[2] << 8 | q[3]), count = (unsigned)(q[4] << 8 | q[5]);
    uint8_t f[300];
    size_t len;
    f[0] = (uint8_t)(mode == MTS_WRONG_UNIT ? q[0] + 1 : q[0]);
    f[1] = mode == MTS_WRONG_FC ? 0x10 : fc;
    int regs = fc == 3 || fc == 4;
    unsigned limit = regs ? MTS_RTT_REGS : 2000;
    int exc = atomic_load(&s->exception);
    if (exc) {
        f[1] = (uint8_t)(fc | 0x80);
        f[2] = (uint8_t)exc;
        len = 3;
    } else if (fc < 1 || fc > 4 || start + count > limit || count == 0) {
        f[1] = (uint8_t)(fc | 0x80);
        f[2] = fc < 1 || fc > 4 ? 1 : 2;
        len = 3;
    } else if (regs) {
        f[2] = (uint8_t)(2 * count);
        for (unsigned i = 0; i < count; i++) {
            uint16_t v = fc == 3 ? mts_rtt_holding(start + i, (unsigned)seq)
                                 : mts_rtt_input(start + i);
            f[3 + 2 * i] = (uint8_t)(v >> 8);
            f[4 + 2 * i] = (uint8_t)v;
        }
        len = 3 + 2 * count;
    } else {
        unsigned nb = (count + 7) / 8;
        f[2] = (uint8_t)nb;
        memset(f + 3, 0, nb);
        for (unsigned i = 0; i < count; i++) {
            uint8_t b = fc == 1 ? mts_rtt_coil(start + i) : mts_rtt_discrete(start + i);
            f[3 + i / 8] |= (uint8_t)(b << (i % 8));
        }
        len = 3 + nb;
    }
    mts_rtt_frame(s, fd, mode, f, len, tid);
}

/* The length of the request at q (n bytes buffered) when it is a complete,
 * valid read request, 0 when more bytes are needed, -1 when q cannot start
 * one (skip a byte). *tid gets an MBAP request's transaction id; the unit
 * and PDU start at q + *off. */
static int mts_request(const mts_rtt *s, const uint8_t *q, size_t n, unsigned *tid, size_t *off)
{
    if (s->mbap) {
        if (n < 12)
            return 0;
        if (q[2] != 0 || q[3] != 0 || q[4] != 0 || q[5] != 6)
            return -1;
        *tid = (unsigned)(q[0] << 8 | q[1]);
        *off = 6;
        return 12;
    }
    if (n < 8)
        return 0;
    uint16_t crc = mts_crc16(q, 6);
    if (q[6] != (crc & 0xFF) || q[7] != (crc >> 8))
        return -1;
    *tid = 0;
    *off = 0;
    return 8;
}

/* Serves RTU requests on fd (a TCP client, or a pty master) until stop or
 * end of file. */
static void mts_rtt_serve(mts_rtt *s, int fd)
{
    uint8_t buf[1024];
    size_t len = 0;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        /* Every request our client sends is a read: 8 bytes in RTU, 12 in MBAP. */
        size_t off = 0;
        for (;;) {
            unsigned tid = 0;
            size_t at = 0;
            int rl = mts_request(s, buf + off, len - off, &tid, &at);
            if (rl == 0)
                break;
            if (rl < 0) {
                off++;
                continue;
            }
            const uint8_t *q = buf + off + at;
            int seq = atomic_fetch_add(&s->requests, 1) + 1;
            if (q[0] == s->unit)
                mts_rtt_answer(s, fd, q, seq, tid);
            off += (size_t)rl;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
    }
}

static void *mts_rtt_main(void *arg)
{
    mts_rtt *s = arg;
    if (s->line_fd >= 0) {
        mts_rtt_serve(s, s->line_fd);
        return NULL;
    }
    while (!atomic_load(&s->stop)) {
        int cfd = mts_accept(s->lfd, 50);
        if (cfd < 0)
            continue;
        atomic_fetch_add(&s->connections, 1);
        mts_rtt_serve(s, cfd);
        close(cfd);
    }
    return NULL;
}

static int mts_scripted_start(mts_rtt *s, int port, int unit, int mbap)
{
    memset(s, 0, sizeof *s);
    s->unit = unit;
    s->mbap = mbap;
    atomic_store(&s->trickle_ms, 250);
    s->line_fd = -1;
    s->lfd = mts_listen(port, &s->port);
    if (s->lfd < 0)
        return -1;
    return pthread_create(&s->th, NULL, mts_rtt_main, s) == 0 ? 0 : -1;
}

/* Serves a serial line instead: fd is the master side of a pty whose
 * slave the client opens (the caller owns and closes fd). */
int mts_rtt_start_line(mts_rtt *s, int fd, int unit)
{
    memset(s, 0, sizeof *s);
    s->unit = unit;
    atomic_store(&s->trickle_ms, 250);
    s->lfd = -1;
    s->line_fd = fd;
    return pthread_create(&s->th, NULL, mts_rtt_main, s) == 0 ? 0 : -1;
}

int mts_rtt_start(mts_rtt *s, int port, int unit) { return mts_scripted_start(s, port, unit, 0); }

int mts_mbap_start(mts_rtt *s, int port, int unit) { return mts_scripted_start(s, port, unit, 1); }

void mts_rtt_stop(mts_rtt *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    if (s->lfd >= 0)
        close(s->lfd);
}

