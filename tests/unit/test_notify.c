/*
 * test_notify.c: sd_notify(3)'s protocol (daemon/base/notify.c) against
 * real AF_UNIX datagram sockets bound here: a path and an abstract ("@")
 * address receive exactly the state sent; no NOTIFY_SOCKET is "no manager"
 * (0); an address of another kind, or a socket nobody listens on, fails
 * with -1. The watchdog interval follows WATCHDOG_USEC and WATCHDOG_PID.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"
#include "testutil.h"

/* A datagram socket bound at addr (a path, or '@' + abstract name). */
static int bound(const char *addr)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t len = strlen(addr);
    assert_true(len < sizeof sa.sun_path);
    memcpy(sa.sun_path, addr, len);
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (addr[0] == '@')
        sa.sun_path[0] = '\0';
    else
        salen++;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, salen), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void expect_datagram(int fd, const char *want)
{
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_path_socket(void **state)
{
    (void)state;
    char dir[256], path[300];
    assert_int_equal(tu_tmpdir_make(dir, sizeof dir, "notify"), 0);
    snprintf(path, sizeof path, "%s/notify.sock", dir);
    int fd = bound(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(mvg_notify("READY=1\nSTATUS=running"), 1);
    expect_datagram(fd, "READY=1\nSTATUS=running");
    assert_int_equal(mvg_notify("WATCHDOG=1"), 1);
    expect_datagram(fd, "WATCHDOG=1");
    assert_int_equal(mvg_notifyf("RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading %s",
                                 123456789LL, "gw.conf"),
                     1);
    expect_datagram(fd, "RELOADING=1\nMONOTONIC_USEC=123456789\nSTATUS=reloading gw.conf");
    assert_int_equal(mvg_notify("STOPPING=1"), 1);
    expect_datagram(fd, "STOPPING=1");
    close(fd);
    /* nobody listens any more: the send fails, nothing else happens */
    assert_int_equal(mvg_notify("STATUS=gone"), -1);
    unsetenv("NOTIFY_SOCKET");
    unlink(path);
    tu_tmpdir_remove(dir);
}

static void test_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@mvgate-test-notify-%ld", (long)getpid());
    int fd = bound(name);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(mvg_notify("READY=1"), 1);
    expect_datagram(fd, "READY=1");
    close(fd);
    unsetenv("NOTIFY_SOCKET");
}

static void test_no_manager_and_bad_addresses(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(mvg_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    assert_int_equal(mvg_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
    assert_int_equal(mvg_notify("READY=1"), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    setenv("NOTIFY_SOCKET", longp, 1);
    assert_int_equal(mvg_notify("READY=1"), -1);
    unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog_interval(void **state)
{
    (void)state;
    char pid[32];
    unsetenv("WATCHDOG_PID");
    unsetenv("WATCHDOG_USEC");
    assert_int_equal(mvg_notify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    assert_int_equal(mvg_notify_watchdog_usec(), 30000000);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(mvg_notify_watchdog_usec(), 30000000);
    /* meant for another process (a parent that did not unset it) */
    snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(mvg_notify_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");
    const char *bad[] = {"0", "-5", "12x", "", " 7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("WATCHDOG_USEC", bad[i], 1);
        assert_int_equal(mvg_notify_watchdog_usec(), 0);
    }
    unsetenv("WATCHDOG_USEC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_socket),
        cmocka_unit_test(test_abstract_socket),
        cmocka_unit_test(test_no_manager_and_bad_addresses),
        cmocka_unit_test(test_watchdog_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
