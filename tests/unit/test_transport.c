/*
 * test_transport.c: the Modbus transports against real servers on
 * 127.0.0.1 in this process (modbus_test_server.h): a libmodbus TCP server
 * for the TCP backend, a hand-written RTU-over-TCP server with switchable
 * faults for ours. Also the RTU framing on its own, against frames
 * published in the Modbus literature (the CRC-16/MODBUS check value and the
 * Simply Modbus examples).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "modbus_test_server.h"
#include "testutil.h"

#include "crc16.h"
#include "rtu_frame.h"
#include "transport.h"

static mvg_bus_cfg bus(mvg_bus_type type, int port, int timeout_ms)
{
    mvg_bus_cfg b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "test");
    b.type = type;
    snprintf(b.host, sizeof b.host, "127.0.0.1");
    b.port = port;
    b.timeout_ms = timeout_ms;
    return b;
}

/* mvg_transport_read with the buffer the area calls for (err: 256 bytes). */
static int rd(mvg_transport *t, int unit, mvg_area area, unsigned start, unsigned count,
              void *buf, uint8_t *exc, char *err)
{
    int b = mvg_area_is_bits(area);
    return mvg_transport_read(t, unit, area, start, count, b ? NULL : buf, b ? buf : NULL, exc,
                              err, 256);
}

/* A port nobody listens on: bound once, then released. */
static int dead_port(void)
{
    int port = 0;
    int fd = mts_listen(0, &port);
    assert_true(fd >= 0);
    close(fd);
    return port;
}

/* ---- framing ---- */

static void test_crc16_known_frames(void **state)
{
    (void)state;
    assert_int_equal(mvg_crc16_modbus((const uint8_t *)"123456789", 9), 0x4B37);
    const uint8_t a[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
    assert_int_equal(mvg_crc16_modbus(a, sizeof a), 0xCDC5); /* sent as C5 CD */
    const uint8_t b[] = {0x11, 0x03, 0x00, 0x6B, 0x00, 0x03};
    assert_int_equal(mvg_crc16_modbus(b, sizeof b), 0x8776); /* 76 87 */
    assert_int_equal(mvg_crc16_modbus(NULL, 0), 0xFFFF);

    uint8_t req[8];
    mvg_rtu_build_read(0x01, MVG_AREA_HOLDING, 0, 10, req);
    const uint8_t want[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
    assert_memory_equal(req, want, 8);
    mvg_rtu_build_read(0x11, MVG_AREA_COIL, 0x13, 0x25, req);
    const uint8_t want2[] = {0x11, 0x01, 0x00, 0x13, 0x00, 0x25, 0x0E, 0x84};
    assert_memory_equal(req, want2, 8);
    mvg_rtu_build_read(7, MVG_AREA_INPUT, 0x1234, 125, req);
    assert_int_equal(req[1], 4);
    assert_int_equal(req[2], 0x12);
    assert_int_equal(req[3], 0x34);
    assert_int_equal(req[5], 125);
    mvg_rtu_build_read(7, MVG_AREA_DISCRETE, 0, 2000, req);
    assert_int_equal(req[1], 2);
    assert_int_equal(req[4] << 8 | req[5], 2000);
}

static void test_rtu_parse_reply(void **state)
{
    (void)state;
    uint16_t regs[8];
    uint8_t bits[40];
    uint8_t exc = 0;
    char err[128] = "";

    /* Simply Modbus: holding 40108..40110 of unit 17. */
    const uint8_t hold[] = {0x11, 0x03, 0x06, 0xAE, 0x41, 0x56, 0x52, 0x43, 0x40, 0x49, 0xAD};
    assert_int_equal(mvg_rtu_reply_length(hold, 0, 3), 3);
    assert_int_equal(mvg_rtu_reply_length(hold, 2, 3), 3);
    assert_int_equal(mvg_rtu_reply_length(hold, 3, 3), 11);
    assert_int_equal(mvg_rtu_reply_length(hold, 2, 4), -1);
    assert_int_equal(mvg_rtu_parse_reply(hold, sizeof hold, 0x11, MVG_AREA_HOLDING, 3, regs,
                                         NULL, &exc, err, sizeof err),
                     MVG_TR_OK);
    assert_int_equal(regs[0], 0xAE41);
    assert_int_equal(regs[1], 0x5652);
    assert_int_equal(regs[2], 0x4340);

    /* Simply Modbus: coils 20..56 of unit 17 (CD 6B B2 0E 1B, LSB first). */
    const uint8_t coils[] = {0x11, 0x01, 0x05, 0xCD, 0x6B, 0xB2, 0x0E, 0x1B, 0x45, 0xE6};
    assert_int_equal(mvg_rtu_parse_reply(coils, sizeof coils, 0x11, MVG_AREA_COIL, 37, NULL,
                                         bits, &exc, err, sizeof err),
                     MVG_TR_OK);
    const uint8_t data[] = {0xCD, 0x6B, 0xB2, 0x0E, 0x1B};
    for (unsigned i = 0; i < 37; i++)
        assert_int_equal(bits[i], (data[i / 8] >> (i % 8)) & 1);
    assert_int_equal(bits[0], 1);
    assert_int_equal(bits[1], 0);
    assert_int_equal(bits[36], 1); /* 0x1B bit 4 */

    /* One flipped data bit: the CRC catches it before anything else. */
    uint8_t bad[sizeof hold];
    memcpy(bad, hold, sizeof hold);
    bad[4] ^= 0x01;
    assert_int_equal(mvg_rtu_parse_reply(bad, sizeof bad, 0x11, MVG_AREA_HOLDING, 3, regs, NULL,
                                         &exc, err, sizeof err),
                     MVG_TR_COMM);
    assert_non_null(strstr(err, "CRC mismatch"));

    /* Right frame, wrong request: unit, area, count. */
    assert_int_equal(mvg_rtu_parse_reply(hold, sizeof hold, 0x12, MVG_AREA_HOLDING, 3, regs,
                                         NULL, &exc, err, sizeof err),
                     MVG_TR_COMM);
    assert_string_equal(err, "reply from unit 17, expected unit 18");
    assert_int_equal(mvg_rtu_parse_reply(hold, sizeof hold, 0x11, MVG_AREA_INPUT, 3, regs, NULL,
                                         &exc, err, sizeof err),
                     MVG_TR_COMM);
    assert_string_equal(err, "function code 0x03, expected 0x04");
    assert_int_equal(mvg_rtu_parse_reply(hold, sizeof hold, 0x11, MVG_AREA_HOLDING, 4, regs,
                                         NULL, &exc, err, sizeof err),
                     MVG_TR_COMM);
    assert_non_null(strstr(err, "byte count 6"));

    /* Exception 2 to a read of holding registers: 11 83 02 + CRC. */
    uint8_t ex[5] = {0x11, 0x83, 0x02, 0, 0};
    uint16_t crc = mvg_crc16_modbus(ex, 3);
    ex[3] = (uint8_t)crc;
    ex[4] = (uint8_t)(crc >> 8);
    assert_int_equal(mvg_rtu_reply_length(ex, 2, 3), 5);
    assert_int_equal(mvg_rtu_parse_reply(ex, 5, 0x11, MVG_AREA_HOLDING, 3, regs, NULL, &exc, err,
                                         sizeof err),
                     MVG_TR_EXCEPTION);
    assert_int_equal(exc, 2);
    ex[2] = 0x0C; /* not a Modbus exception code */
    crc = mvg_crc16_modbus(ex, 3);
    ex[3] = (uint8_t)crc;
    ex[4] = (uint8_t)(crc >> 8);
    assert_int_equal(mvg_rtu_parse_reply(ex, 5, 0x11, MVG_AREA_HOLDING, 3, regs, NULL, &exc, err,
                                         sizeof err),
                     MVG_TR_COMM);
    assert_int_equal(mvg_rtu_parse_reply(ex, 4, 0x11, MVG_AREA_HOLDING, 3, regs, NULL, &exc, err,
                                         sizeof err),
                     MVG_TR_COMM);
}

/* ---- Modbus TCP (libmodbus) ---- */

static void test_tcp_reads(void **state)
{
    (void)state;
    mts_mb srv;
    assert_int_equal(mts_mb_start(&srv, 0, 0), 0);
    mvg_bus_cfg b = bus(MVG_BUS_TCP, srv.port, 1000);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    assert_non_null(t);

    uint16_t regs[125];
    uint8_t bits[2000];
    uint8_t exc = 0;
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 10, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(regs[i], mts_mb_holding(i, 0));
    assert_int_equal(rd(t, 255, MVG_AREA_INPUT, 75, 125, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 125; i++)
        assert_int_equal(regs[i], mts_mb_input(75 + i));
    assert_int_equal(rd(t, 0, MVG_AREA_COIL, 1000, 2000, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 2000; i++)
        assert_int_equal(bits[i], mts_mb_coil(1000 + i));
    assert_int_equal(rd(t, 9, MVG_AREA_DISCRETE, 5, 37, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 37; i++)
        assert_int_equal(bits[i], mts_mb_discrete(5 + i));
    assert_int_equal(atomic_load(&srv.requests), 4);
    assert_int_equal(atomic_load(&srv.connections), 1);

    mvg_transport_free(t);
    mts_mb_stop(&srv);
}

static void test_tcp_exception_keeps_connection(void **state)
{
    (void)state;
    mts_mb srv;
    assert_int_equal(mts_mb_start(&srv, 0, 0), 0);
    mvg_bus_cfg b = bus(MVG_BUS_TCP, srv.port, 1000);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[125];
    uint8_t exc = 0;
    /* 190..209: past the 200 registers the server has. */
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 190, 20, regs, &exc, err), MVG_TR_EXCEPTION);
    assert_int_equal(exc, 2);
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 190, 10, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[9], mts_mb_holding(199, 0));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_mb_stop(&srv);
}

static void test_usage_errors_never_reach_the_wire(void **state)
{
    (void)state;
    mts_mb srv;
    assert_int_equal(mts_mb_start(&srv, 0, 0), 0);
    mvg_bus_cfg b = bus(MVG_BUS_TCP, srv.port, 1000);
    mvg_bus_cfg r = bus(MVG_BUS_RTU_TCP, srv.port, 1000);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    mvg_transport *rt = mvg_transport_new(&r, err, sizeof err);
    uint16_t regs[126];
    uint8_t bits[2001];
    uint8_t exc = 0;
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 126, regs, &exc, err), MVG_TR_USAGE);
    assert_non_null(strstr(err, "126"));
    assert_int_equal(rd(t, 1, MVG_AREA_INPUT, 0, 0, regs, &exc, err), MVG_TR_USAGE);
    assert_int_equal(rd(t, 1, MVG_AREA_COIL, 0, 2001, bits, &exc, err), MVG_TR_USAGE);
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 65535, 2, regs, &exc, err), MVG_TR_USAGE);
    assert_int_equal(rd(t, 256, MVG_AREA_HOLDING, 0, 1, regs, &exc, err), MVG_TR_USAGE);
    assert_int_equal(mvg_transport_read(t, 1, MVG_AREA_HOLDING, 0, 1, NULL, bits, &exc, err,
                                        sizeof err),
                     MVG_TR_USAGE);
    assert_int_equal(rd(rt, 0, MVG_AREA_HOLDING, 0, 1, regs, &exc, err), MVG_TR_USAGE);
    assert_int_equal(rd(rt, 248, MVG_AREA_HOLDING, 0, 1, regs, &exc, err), MVG_TR_USAGE);
    assert_int_equal(rd(rt, 1, MVG_AREA_DISCRETE, 0, 2001, bits, &exc, err), MVG_TR_USAGE);
    assert_int_equal(atomic_load(&srv.connections), 0);
    /* The limits themselves are fine. */
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 65535 - 124, 125, regs, &exc, err),
                     MVG_TR_EXCEPTION);
    assert_int_equal(rd(t, 1, MVG_AREA_DISCRETE, 0, 2000, bits, &exc, err), MVG_TR_OK);
    mvg_transport_free(t);
    mvg_transport_free(rt);
    mts_mb_stop(&srv);
}

static void test_tcp_connection_refused(void **state)
{
    (void)state;
    int port = dead_port();
    mvg_bus_cfg b = bus(MVG_BUS_TCP, port, 500);
    char err[256] = "", want[256];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];
    uint8_t exc = 0;
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 3: read holding 0+4 (function 3): "
        "connection refused", port);
    assert_string_equal(err, want);
    mvg_transport_free(t);
}

static void test_tcp_timeout(void **state)
{
    (void)state;
    mts_rtt silent; /* accepts and swallows the MBAP request */
    assert_int_equal(mts_rtt_start(&silent, 0, 1), 0);
    atomic_store(&silent.mode, MTS_SILENT);
    mvg_bus_cfg b = bus(MVG_BUS_TCP, silent.port, 300);
    char err[256] = "", want[256];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];
    uint8_t exc = 0;
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    int64_t took = tu_now_ms() - t0;
    assert_true(took >= 290);
    assert_true(took < 700);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 1: read holding 0+4 (function 3): "
        "timeout after 300 ms", silent.port);
    assert_string_equal(err, want);
    /* The connection was dropped: the next read opens a new one. */
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    assert_int_equal(atomic_load(&silent.connections), 2);
    mvg_transport_free(t);
    mts_rtt_stop(&silent);
}

static void test_tcp_reconnect_after_restart(void **state)
{
    (void)state;
    mts_mb srv;
    assert_int_equal(mts_mb_start(&srv, 0, 0), 0);
    int port = srv.port;
    mvg_bus_cfg b = bus(MVG_BUS_TCP, port, 500);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];
    uint8_t exc = 0;
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 10, 4, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[0], mts_mb_holding(10, 0));
    mts_mb_stop(&srv);

    /* Down: the read fails, quickly. */
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 10, 4, regs, &exc, err), MVG_TR_COMM);

    /* Back up, on the same port, with other values. */
    assert_int_equal(mts_mb_start(&srv, port, 1), 0);
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 10, 4, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(regs[i], mts_mb_holding(10 + i, 1));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_mb_stop(&srv);
}

/* A listener whose accept queue is full and never drained: the kernel drops
 * further SYNs, so a connect hangs until our timeout. */
static int full_listener(int *port, int *filler)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 0), 0);
    socklen_t len = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    /* Fill the queue (backlog 0 still admits one, sometimes two). */
    for (int i = 0; i < 2; i++) {
        filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        connect(filler[i], (struct sockaddr *)&a, sizeof a);
    }
    tu_sleep_ms(50);
    return lfd;
}

static void test_connect_timeout(void **state)
{
    (void)state;
    int port, filler[2];
    int lfd = full_listener(&port, filler);
    for (int k = 0; k < 2; k++) {
        mvg_bus_cfg b = bus(k == 0 ? MVG_BUS_TCP : MVG_BUS_RTU_TCP, port, 300);
        char err[256] = "", want[256];
        mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
        uint16_t regs[2];
        uint8_t exc = 0;
        int64_t t0 = tu_now_ms();
        assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 2, regs, &exc, err), MVG_TR_COMM);
        int64_t took = tu_now_ms() - t0;
        if (took < 290 || took > 800)
            fail_msg("%s: connect gave up after %lld ms (%s)", k ? "rtu-tcp" : "tcp",
                     (long long)took, err);
        snprintf(want, sizeof want, "127.0.0.1:%d unit 1: read holding 0+2 (function 3): "
            "connect timeout after 300 ms", port);
        assert_string_equal(err, want);
        mvg_transport_free(t);
    }
    close(filler[0]);
    close(filler[1]);
    close(lfd);
}

/* ---- RTU over TCP (ours) ---- */

static void test_rtt_reads(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, srv.port, 1000);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    assert_non_null(t);
    uint16_t regs[125];
    uint8_t bits[2000];
    uint8_t exc = 0;

    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 10, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(regs[i], mts_rtt_holding(i, 1));
    assert_int_equal(rd(t, 3, MVG_AREA_INPUT, 75, 125, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 125; i++)
        assert_int_equal(regs[i], mts_rtt_input(75 + i));
    assert_int_equal(rd(t, 3, MVG_AREA_COIL, 0, 2000, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 2000; i++)
        assert_int_equal(bits[i], mts_rtt_coil(i));
    assert_int_equal(rd(t, 3, MVG_AREA_DISCRETE, 7, 13, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 13; i++)
        assert_int_equal(bits[i], mts_rtt_discrete(7 + i));
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 100, 3, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[2], mts_rtt_holding(102, 5));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_rtt_exception_keeps_connection(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, srv.port, 1000);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[125];
    uint8_t exc = 0;
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 190, 20, regs, &exc, err), MVG_TR_EXCEPTION);
    assert_int_equal(exc, 2);
    /* An exception is a good answer: no quiet window before the next read. */
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 190, 10, regs, &exc, err), MVG_TR_OK);
    assert_true(tu_now_ms() - t0 < 500);
    assert_int_equal(regs[0], mts_rtt_holding(190, 2));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_rtt_timeout_and_refused(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, srv.port, 300);
    char err[256] = "", want[256];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];
    uint8_t exc = 0;
    /* Unit 4 is not on the line: silence, as on a real serial bus. */
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 4, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    int64_t took = tu_now_ms() - t0;
    assert_true(took >= 290);
    assert_true(took < 700);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 4: read holding 0+4 (function 3): "
        "timeout after 300 ms", srv.port);
    assert_string_equal(err, want);
    /* Unit 3 on the same connection still answers. */
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[3], mts_rtt_holding(3, 2));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);

    int port = dead_port();
    mvg_bus_cfg d = bus(MVG_BUS_RTU_TCP, port, 300);
    t = mvg_transport_new(&d, err, sizeof err);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 3: read holding 0+4 (function 3): "
        "connection refused", port);
    assert_string_equal(err, want);
    mvg_transport_free(t);
}

static void test_rtt_late_reply_not_misread(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, srv.port, 200);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[8];
    uint8_t exc = 0;

    /* The reply to request 1 comes 300 ms late, after our 200 ms timeout. */
    atomic_store(&srv.delay_next_ms, 300);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 20, 8, regs, &exc, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "timeout after 200 ms"));
    /* The very same request again: the late reply (values of seq 1) is
     * well-formed and would pass every check; only its timing gives it away. */
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 20, 8, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(atomic_load(&srv.requests), 2);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(regs[i], mts_rtt_holding(20 + i, 2));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_rtt_bad_frames(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, srv.port, 150);
    char err[256] = "", want[256];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[8];
    uint8_t exc = 0;

    atomic_store(&srv.mode, MTS_BAD_CRC);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "CRC mismatch"));

    atomic_store(&srv.mode, MTS_WRONG_UNIT);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_COMM);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 3: read holding 0+8 (function 3): "
        "reply from unit 4, expected unit 3",
             srv.port);
    assert_string_equal(err, want);

    atomic_store(&srv.mode, MTS_WRONG_FC);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "unexpected function code 0x10"));

    atomic_store(&srv.mode, MTS_TRUNCATED);
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_COMM);
    /* The quiet window after the previous bad frame, then one timeout. */
    assert_true(tu_now_ms() - t0 < 2 * 150 + 150 + 200);
    assert_non_null(strstr(err, "timeout after 150 ms (10 of 21 bytes received)"));

    atomic_store(&srv.mode, MTS_NORMAL);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(regs[i], mts_rtt_holding(i, 5));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_rtt_reconnect_after_restart(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_rtt_start(&srv, 0, 3), 0);
    int port = srv.port;
    mvg_bus_cfg b = bus(MVG_BUS_RTU_TCP, port, 500);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];
    uint8_t exc = 0;
    for (int k = 1; k <= 3; k++) {
        assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
        assert_int_equal(regs[1], mts_rtt_holding(1, (unsigned)k));
    }
    mts_rtt_stop(&srv);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "connection refused"));

    /* The new server counts from 1 again: the reply is its own. The hang-up
     * of the old connection was noticed before sending, so no request was
     * lost on it. */
    assert_int_equal(mts_rtt_start(&srv, port, 3), 0);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[1], mts_rtt_holding(1, 1));
    mvg_transport_free(t);
    mts_rtt_stop(&srv);

    /* Restart while connected and idle: the next read reconnects at once. */
    assert_int_equal(mts_rtt_start(&srv, port, 3), 0);
    t = mvg_transport_new(&b, err, sizeof err);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
    mts_rtt_stop(&srv);
    assert_int_equal(mts_rtt_start(&srv, port, 3), 0);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[1], mts_rtt_holding(1, 1));
    assert_int_equal(atomic_load(&srv.connections), 1);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_new_rejects_unknown_bus(void **state)
{
    (void)state;
    mvg_bus_cfg b = bus((mvg_bus_type)42, 502, 100);
    char err[256] = "";
    assert_null(mvg_transport_new(&b, err, sizeof err));
    assert_non_null(strstr(err, "unknown bus type"));
    mvg_transport_free(NULL);
    mvg_transport_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_known_frames),
        cmocka_unit_test(test_rtu_parse_reply),
        cmocka_unit_test(test_tcp_reads),
        cmocka_unit_test(test_tcp_exception_keeps_connection),
        cmocka_unit_test(test_usage_errors_never_reach_the_wire),
        cmocka_unit_test(test_tcp_connection_refused),
        cmocka_unit_test(test_tcp_timeout),
        cmocka_unit_test(test_tcp_reconnect_after_restart),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_rtt_reads),
        cmocka_unit_test(test_rtt_exception_keeps_connection),
        cmocka_unit_test(test_rtt_timeout_and_refused),
        cmocka_unit_test(test_rtt_late_reply_not_misread),
        cmocka_unit_test(test_rtt_bad_frames),
        cmocka_unit_test(test_rtt_reconnect_after_restart),
        cmocka_unit_test(test_new_rejects_unknown_bus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
