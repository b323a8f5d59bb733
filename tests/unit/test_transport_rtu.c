/*
 * test_transport_rtu.c: the RTU backend of a serial line (libmodbus opens
 * the port and sends, the reply is read against one deadline). The line
 * is a pseudo-terminal made here: the transport opens the slave side
 * by its path, as it would /dev/ttyUSB0, and the RTU server of
 * modbus_test_server.h answers on the master side. The test keeps its own
 * slave fd open in raw mode for the whole run, so that the line's settings
 * and the master's view survive the transport closing and reopening it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "modbus_test_server.h"
#include "testutil.h"

#include "transport.h"

typedef struct {
    int master, slave;
    char path[128];
    mts_rtt srv;
} line;

/* mvg_transport_read with the buffer the area calls for (err: 256 bytes). */
static int rd(mvg_transport *t, int unit, mvg_area area, unsigned start, unsigned count,
              void *buf, uint8_t *exc, char *err)
{
    int b = mvg_area_is_bits(area);
    return mvg_transport_read(t, unit, area, start, count, b ? NULL : buf, b ? buf : NULL, exc,
                              err, 256);
}

static int line_setup(void **state)
{
    line *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(l->master >= 0);
    assert_int_equal(grantpt(l->master), 0);
    assert_int_equal(unlockpt(l->master), 0);
    const char *name = ptsname(l->master);
    assert_non_null(name);
    snprintf(l->path, sizeof l->path, "%s", name);
    l->slave = open(l->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(l->slave >= 0);
    /* Raw from the start: no echo of the server's replies back to it. */
    struct termios tio;
    assert_int_equal(tcgetattr(l->slave, &tio), 0);
    cfmakeraw(&tio);
    assert_int_equal(tcsetattr(l->slave, TCSANOW, &tio), 0);
    assert_int_equal(mts_rtt_start_line(&l->srv, l->master, 3), 0);
    *state = l;
    return 0;
}

static int line_teardown(void **state)
{
    line *l = *state;
    mts_rtt_stop(&l->srv);
    close(l->slave);
    close(l->master);
    free(l);
    return 0;
}

static mvg_transport *open_rtu(const line *l, int timeout_ms)
{
    mvg_bus_cfg b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "rs485");
    b.type = MVG_BUS_RTU;
    snprintf(b.device, sizeof b.device, "%s", l->path);
    b.baud = 19200;
    b.parity = 'E';
    b.data_bits = 8;
    b.stop_bits = 1;
    b.timeout_ms = timeout_ms;
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    if (!t)
        fail_msg("mvg_transport_new: %s", err);
    return t;
}

static void test_rtu_reads(void **state)
{
    line *l = *state;
    mvg_transport *t = open_rtu(l, 500);
    uint16_t regs[125];
    uint8_t bits[2000];
    uint8_t exc = 0;
    char err[256] = "";
    int seq0 = atomic_load(&l->srv.requests);

    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 10, 5, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(regs[i], mts_rtt_holding(10 + i, (unsigned)seq0 + 1));
    assert_int_equal(rd(t, 3, MVG_AREA_INPUT, 75, 125, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 125; i++)
        assert_int_equal(regs[i], mts_rtt_input(75 + i));
    assert_int_equal(rd(t, 3, MVG_AREA_COIL, 0, 2000, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 2000; i++)
        assert_int_equal(bits[i], mts_rtt_coil(i));
    assert_int_equal(rd(t, 3, MVG_AREA_DISCRETE, 1, 9, bits, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 9; i++)
        assert_int_equal(bits[i], mts_rtt_discrete(1 + i));

    /* An exception, then the line works on. */
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 195, 10, regs, &exc, err), MVG_TR_EXCEPTION);
    assert_int_equal(exc, 2);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 2, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[1], mts_rtt_holding(1, (unsigned)seq0 + 6));
    mvg_transport_free(t);
}

static void test_rtu_missing_unit_times_out(void **state)
{
    line *l = *state;
    mvg_transport *t = open_rtu(l, 300);
    uint16_t regs[4];
    uint8_t exc = 0;
    char err[256] = "", want[300];
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 9, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_COMM);
    int64_t took = tu_now_ms() - t0;
    assert_true(took >= 290);
    assert_true(took < 800);
    snprintf(want, sizeof want, "%s unit 9: read holding 0+4 (function 3): "
        "timeout after 300 ms", l->path);
    assert_string_equal(err, want);
    /* The line stays usable for the unit that is there. */
    int seq = atomic_load(&l->srv.requests);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 4, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[2], mts_rtt_holding(2, (unsigned)seq + 1));
    mvg_transport_free(t);
}

static void test_rtu_late_reply_not_misread(void **state)
{
    line *l = *state;
    mvg_transport *t = open_rtu(l, 200);
    uint16_t regs[6];
    uint8_t exc = 0;
    char err[256] = "";
    int seq = atomic_load(&l->srv.requests);
    atomic_store(&l->srv.delay_next_ms, 300);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 40, 6, regs, &exc, err), MVG_TR_COMM);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 40, 6, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(regs[i], mts_rtt_holding(40 + i, (unsigned)seq + 2));
    mvg_transport_free(t);
}

static void test_rtu_bad_crc(void **state)
{
    line *l = *state;
    mvg_transport *t = open_rtu(l, 200);
    uint16_t regs[6];
    uint8_t exc = 0;
    char err[256] = "";
    atomic_store(&l->srv.mode, MTS_BAD_CRC);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 6, regs, &exc, err), MVG_TR_COMM);
    assert_non_null(strstr(err, "CRC mismatch"));
    atomic_store(&l->srv.mode, MTS_NORMAL);
    int seq = atomic_load(&l->srv.requests);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 6, regs, &exc, err), MVG_TR_OK);
    assert_int_equal(regs[5], mts_rtt_holding(5, (unsigned)seq + 1));
    mvg_transport_free(t);
}

/* A reply trickled one byte every 100 ms, each byte well inside the 300 ms
 * timeout (libmodbus's per-byte timeout took the whole 21-byte reply, 2 s,
 * as good): the request fails when its one deadline passes, naming how much
 * had come, and the line serves the next request once the trickle is over. */
static void test_rtu_trickled_reply_times_out(void **state)
{
    line *l = *state;
    mvg_transport *t = open_rtu(l, 300);
    uint16_t regs[8];
    uint8_t exc = 0;
    char err[256] = "", want[300];
    atomic_store(&l->srv.trickle_ms, 100);
    atomic_store(&l->srv.mode, MTS_TRICKLE);
    int64_t t0 = tu_now_ms();
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_COMM);
    int64_t took = tu_now_ms() - t0;
    /* well short of the 2 s the reply takes (libmodbus waited for all of it) */
    if (took < 290 || took > 1000)
        fail_msg("trickled reply gave up after %lld ms (%s)", (long long)took, err);
    snprintf(want, sizeof want, "%s unit 3: read holding 0+8 (function 3): "
        "timeout after 300 ms (", l->path);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, " of 21 bytes received)"));

    /* The rest of the trickle (2 s in all, longer on a loaded machine) is
     * discarded; then the unit answers. */
    atomic_store(&l->srv.mode, MTS_NORMAL);
    tu_sleep_ms(2000 - (int)took + 1000);
    int seq = atomic_load(&l->srv.requests);
    assert_int_equal(rd(t, 3, MVG_AREA_HOLDING, 0, 8, regs, &exc, err), MVG_TR_OK);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(regs[i], mts_rtt_holding(i, (unsigned)seq + 1));
    mvg_transport_free(t);
}

static void test_rtu_missing_device_file(void **state)
{
    (void)state;
    mvg_bus_cfg b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "rs485");
    b.type = MVG_BUS_RTU;
    snprintf(b.device, sizeof b.device, "/nonexistent/ttyUSB9");
    b.timeout_ms = 100;
    char err[256] = "";
    mvg_transport *t = mvg_transport_new(&b, err, sizeof err);
    assert_non_null(t);
    uint16_t regs[1];
    uint8_t exc = 0;
    assert_int_equal(rd(t, 1, MVG_AREA_HOLDING, 0, 1, regs, &exc, err), MVG_TR_COMM);
    assert_string_equal(err, "/nonexistent/ttyUSB9 unit 1: read holding 0+1 (function 3): "
        "no such file or directory");
    mvg_transport_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rtu_reads, line_setup, line_teardown),
        cmocka_unit_test_setup_teardown(test_rtu_missing_unit_times_out, line_setup, line_teardown),
        cmocka_unit_test_setup_teardown(test_rtu_late_reply_not_misread, line_setup, line_teardown),
        cmocka_unit_test_setup_teardown(test_rtu_bad_crc, line_setup, line_teardown),
        cmocka_unit_test_setup_teardown(test_rtu_trickled_reply_times_out, line_setup,
                                        line_teardown),
        cmocka_unit_test(test_rtu_missing_device_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
