/*
 * test_transport_tcp.c: our Modbus TCP backend (tr_mbap.c) against the
 * scripted MBAP server of modbus_test_server.h: one deadline per request
 * however a reply trickles in, every reply checked against its request
 * (transaction, protocol and unit id, function code, MBAP length, byte
 * count), the stream resynchronised after a surplus reply, and a gateway's
 * exceptions 10 and 11 taken as communication failures (RTU over TCP too),
 * every error naming host, unit, function and address. Also the
 * MBAP framing on its own (mbap_frame.h), against frames written out by
 * hand from the Modbus Messaging on TCP/IP Implementation Guide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "modbus_test_server.h"
#include "testutil.h"

#include "mbap_frame.h"
#include "transport.h"

static mvg_bus_cfg tcp_bus(int port, int timeout_ms)
{
    mvg_bus_cfg b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "test");
    b.type = MVG_BUS_TCP;
    snprintf(b.host, sizeof b.host, "127.0.0.1");
    b.port = port;
    b.timeout_ms = timeout_ms;
    return b;
}

static int rd(mvg_transport *t, int unit, unsigned start, unsigned count, uint16_t *regs,
              char *err)
{
    uint8_t exc = 0;
    return mvg_transport_read(t, unit, MVG_AREA_HOLDING, start, count, regs, NULL, &exc, err,
                              256);
}

/* ---- framing ---- */

/* Reply of unit 0x11, transaction 1, to a read of 3 holding registers. */
static const uint8_t reply3[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x11, 0x03,
                                 0x06, 0xAE, 0x41, 0x56, 0x52, 0x43, 0x40};

/* reply3 with byte i set to v, checked against req; err gets the reason. */
static int parse_patched(const mvg_mbap_req *req, size_t i, uint8_t v, char *err)
{
    uint8_t f[sizeof reply3];
    uint16_t regs[3];
    uint8_t exc = 0;
    memcpy(f, reply3, sizeof f);
    f[i] = v;
    return mvg_mbap_parse_reply(f, sizeof f, req, regs, NULL, &exc, err, 128);
}

static void test_mbap_frames(void **state)
{
    (void)state;
    mvg_mbap_req req = {1, 0x11, MVG_AREA_HOLDING, 3};
    uint8_t out[MVG_MBAP_READ_REQUEST_LEN];
    mvg_mbap_build_read(&req, 0x6B, out);
    const uint8_t want[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03};
    assert_memory_equal(out, want, sizeof want);

    char err[128] = "";
    uint16_t regs[3];
    uint8_t exc = 0;
    assert_int_equal(mvg_mbap_reply_length(reply3, 0, &req, err, sizeof err), 8);
    assert_int_equal(mvg_mbap_reply_length(reply3, 7, &req, err, sizeof err), 8);
    assert_int_equal(mvg_mbap_reply_length(reply3, 8, &req, err, sizeof err), 15);
    assert_int_equal(mvg_mbap_parse_reply(reply3, sizeof reply3, &req, regs, NULL, &exc, err,
                                          sizeof err),
                     MVG_TR_OK);
    assert_int_equal(regs[0], 0xAE41);
    assert_int_equal(regs[2], 0x4340);

    /* Every field against the request, each with its own reason. */
    assert_int_equal(parse_patched(&req, 1, 0x02, err), MVG_TR_COMM);
    assert_string_equal(err, "reply transaction id 2, asked 1");
    assert_int_equal(parse_patched(&req, 3, 0x01, err), MVG_TR_COMM);
    assert_string_equal(err, "reply protocol id 1, expected 0");
    assert_int_equal(parse_patched(&req, 6, 0x07, err), MVG_TR_COMM);
    assert_string_equal(err, "reply unit id 7, asked 17");
    assert_int_equal(parse_patched(&req, 7, 0x04, err), MVG_TR_COMM);
    assert_string_equal(err, "reply function code 0x04, asked 0x03");
    assert_int_equal(parse_patched(&req, 5, 0x0B, err), MVG_TR_COMM);
    assert_string_equal(err, "reply MBAP length 11, expected 9 for function 0x03");
    assert_int_equal(parse_patched(&req, 8, 0x04, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "byte count 4"));
    /* The same reply, taken for a read of 4 registers: its length gives it away. */
    mvg_mbap_req four = {1, 0x11, MVG_AREA_HOLDING, 4};
    assert_int_equal(mvg_mbap_parse_reply(reply3, sizeof reply3, &four, regs, NULL, &exc, err,
                                          sizeof err),
                     MVG_TR_COMM);
    assert_string_equal(err, "reply MBAP length 9, expected 11 for function 0x03");
    /* A wrong header fails as soon as its bytes are there, not at the end. */
    assert_int_equal(mvg_mbap_reply_length((const uint8_t *)"\x00\x05", 2, &req, err, sizeof err),
                     -1);
    /* Truncated. */
    assert_int_equal(mvg_mbap_parse_reply(reply3, 12, &req, regs, NULL, &exc, err, sizeof err),
                     MVG_TR_COMM);
    assert_string_equal(err, "reply of 12 bytes, expected 15");

    /* Exception 2 (illegal data address), and an exception code that is none. */
    uint8_t ex[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x11, 0x83, 0x02};
    assert_int_equal(mvg_mbap_reply_length(ex, 8, &req, err, sizeof err), 9);
    assert_int_equal(mvg_mbap_parse_reply(ex, sizeof ex, &req, regs, NULL, &exc, err, sizeof err),
                     MVG_TR_EXCEPTION);
    assert_int_equal(exc, 2);
    ex[8] = 0x0C;
    assert_int_equal(mvg_mbap_parse_reply(ex, sizeof ex, &req, regs, NULL, &exc, err, sizeof err),
                     MVG_TR_COMM);

    /* Coils: 37 bits in 5 bytes, LSB first. */
    mvg_mbap_req coils = {0xBEEF, 1, MVG_AREA_COIL, 37};
    const uint8_t cf[] = {0xBE, 0xEF, 0x00, 0x00, 0x00, 0x08, 0x01, 0x01,
                          0x05, 0xCD, 0x6B, 0xB2, 0x0E, 0x1B};
    uint8_t bits[37];
    assert_int_equal(mvg_mbap_parse_reply(cf, sizeof cf, &coils, NULL, bits, &exc, err,
                                          sizeof err),
                     MVG_TR_OK);
    assert_int_equal(bits[0], 1);
    assert_int_equal(bits[1], 0);
    assert_int_equal(bits[36], 1);
}

/* ---- the backend against the scripted server ---- */

static void test_tcp_trickle_gets_one_deadline(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_mbap_start(&srv, 0, 3), 0);
    /* One byte every 100 ms: each byte well inside the 300 ms timeout, the
     * 25-byte reply 2.4 s in all. */
    atomic_store(&srv.trickle_ms, 100);
    atomic_store(&srv.mode, MTS_TRICKLE);
    mvg_bus_cfg b = tcp_bus(srv.port, 300);
    char err[256] = "", want[256];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[8];
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 3, 0, 8, regs, err), MVG_TR_COMM);
    int64_t took = tu_now_ms() - t0;
    if (took < 290 || took > 600)
        fail_msg("trickled reply gave up after %lld ms (%s)", (long long)took, err);
    snprintf(want, sizeof want, "127.0.0.1:%d unit 3: read holding 0+8 (function 3): "
        "timeout after 300 ms (", srv.port);
    assert_non_null(strstr(err, want));

    /* The connection was dropped with the half reply; the next read is clean. */
    atomic_store(&srv.mode, MTS_NORMAL);
    assert_int_equal(rd(t, 3, 0, 8, regs, err), MVG_TR_OK);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(regs[i], mts_rtt_holding(i, 2));
    assert_int_equal(atomic_load(&srv.connections), 2);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_tcp_reply_checked_against_request(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_mbap_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = tcp_bus(srv.port, 150);
    char err[256] = "", want[300];
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[8];
    static const struct {
        int mode;
        const char *why;
    } cases[] = {
        {MTS_WRONG_UNIT, "reply unit id 4, asked 3"},
        {MTS_WRONG_PROTO, "reply protocol id 1, expected 0"},
        {MTS_WRONG_LEN, "reply MBAP length 21, expected 19 for function 0x03"},
        {MTS_WRONG_TID, "reply transaction id "},
        {MTS_WRONG_FC, "reply function code 0x10, asked 0x03"},
        {MTS_TRUNCATED, "timeout after 150 ms (12 of 25 bytes received)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        atomic_store(&srv.mode, cases[k].mode);
        assert_int_equal(rd(t, 3, 0, 8, regs, err), MVG_TR_COMM);
        snprintf(want, sizeof want, "127.0.0.1:%d unit 3: read holding 0+8 (function 3): "
            "%s", srv.port, cases[k].why);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("mode %d: got \"%s\", want \"%s\"", cases[k].mode, err, want);
    }
    /* Each failure closed the connection; a good reply is good again. */
    atomic_store(&srv.mode, MTS_NORMAL);
    assert_int_equal(rd(t, 3, 0, 8, regs, err), MVG_TR_OK);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(regs[i], mts_rtt_holding(i, 7));
    assert_int_equal(atomic_load(&srv.connections), 7);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

static void test_tcp_surplus_and_late_replies_not_misread(void **state)
{
    (void)state;
    mts_rtt srv;
    assert_int_equal(mts_mbap_start(&srv, 0, 3), 0);
    mvg_bus_cfg b = tcp_bus(srv.port, 200);
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    uint16_t regs[4];

    /* Every reply comes twice: the copy of reply 1 is well-formed and would
     * pass for the answer to the same request again, but is stale. */
    atomic_store(&srv.mode, MTS_DOUBLE);
    assert_int_equal(rd(t, 3, 10, 4, regs, err), MVG_TR_OK);
    assert_int_equal(regs[0], mts_rtt_holding(10, 1));
    tu_sleep_ms(20); /* the copy has arrived */
    assert_int_equal(rd(t, 3, 10, 4, regs, err), MVG_TR_OK);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(regs[i], mts_rtt_holding(10 + i, 2));
    assert_int_equal(atomic_load(&srv.connections), 1);
    tu_sleep_ms(20); /* and the copy of reply 2 */

    /* A reply 250 ms late, after our 200 ms: the next request gets its own. */
    atomic_store(&srv.mode, MTS_NORMAL);
    atomic_store(&srv.delay_next_ms, 250);
    assert_int_equal(rd(t, 3, 10, 4, regs, err), MVG_TR_COMM);
    if (!strstr(err, "timeout after 200 ms"))
        fail_msg("late reply: %s", err);
    assert_int_equal(rd(t, 3, 10, 4, regs, err), MVG_TR_OK);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(regs[i], mts_rtt_holding(10 + i, 4));

    /* A unit the gateway has no answer for: silence, the bounded timeout. */
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 9, 10, 4, regs, err), MVG_TR_COMM);
    assert_true(tu_now_ms() - t0 < 450);
    mvg_transport_free(t);
    mts_rtt_stop(&srv);
}

/* Exceptions 10 and 11 are a gateway saying the device behind it did not
 * answer: a communication failure (with the code kept), on a connection
 * that stays open; other exceptions are the device's answer. Every error
 * names host, unit, function, address and the exception's meaning. Over
 * Modbus TCP and RTU over TCP alike. */
static void test_gateway_exceptions_are_comm_failures(void **state)
{
    (void)state;
    for (int rtt = 0; rtt < 2; rtt++) {
        mts_rtt srv;
        assert_int_equal(rtt ? mts_rtt_start(&srv, 0, 7) : mts_mbap_start(&srv, 0, 7), 0);
        mvg_bus_cfg b = tcp_bus(srv.port, 300);
        if (rtt)
            b.type = MVG_BUS_RTU_TCP;
        char err[256] = "", want[300];
        mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
        assert_non_null(t);
        uint16_t regs[2];
        uint8_t exc = 0;
        static const struct {
            int code, rc;
            const char *name;
        } cases[] = {
            {11, MVG_TR_COMM, "gateway target device failed to respond"},
            {10, MVG_TR_COMM, "gateway path unavailable"},
            {2, MVG_TR_EXCEPTION, "illegal data address"},
            {6, MVG_TR_EXCEPTION, "server device busy"},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            atomic_store(&srv.exception, cases[k].code);
            exc = 0;
            assert_int_equal(mvg_transport_read(t, 7, MVG_AREA_INPUT, 40, 2, regs, NULL, &exc, err,
                                                sizeof err),
                             cases[k].rc);
            assert_int_equal(exc, cases[k].code);
            snprintf(want, sizeof want,
                     "127.0.0.1:%d unit 7: read input 40+2 (function 4): exception %d (%s)",
                     srv.port, cases[k].code, cases[k].name);
            assert_string_equal(err, want);
        }
        /* the gateway answered every time: one connection, and it still works */
        atomic_store(&srv.exception, 0);
        assert_int_equal(mvg_transport_read(t, 7, MVG_AREA_INPUT, 0, 2, regs, NULL, &exc, err,
                                            sizeof err),
                         MVG_TR_OK);
        assert_int_equal(exc, 0);
        assert_int_equal(atomic_load(&srv.connections), 1);
        mvg_transport_free(t);
        mts_rtt_stop(&srv);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbap_frames),
        cmocka_unit_test(test_tcp_trickle_gets_one_deadline),
        cmocka_unit_test(test_tcp_reply_checked_against_request),
        cmocka_unit_test(test_tcp_surplus_and_late_replies_not_misread),
        cmocka_unit_test(test_gateway_exceptions_are_comm_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
