#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t tu_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t tu_now_ms(void) { return tu_now_us() / 1000; }

double tu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void tu_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int tu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = loopback(0);
    socklen_t l = sizeof a;
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
             getsockname(fd, (struct sockaddr *)&a, &l) == 0;
    close(fd);
    return ok ? ntohs(a.sin_port) : -1;
}

int tu_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = loopback(port);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

int tu_tmpdir_make(char *dir, size_t len, const char *tag)
{
    int n = snprintf(dir, len, "/tmp/mvg-test-%s-XXXXXX", tag);
    if (n < 0 || (size_t)n >= len || !mkdtemp(dir)) {
        if (len)
            dir[0] = '\0';
        return -1;
    }
    return 0;
}

int tu_tmpdir_make_db(char *dir, size_t len, char *db, size_t dblen, const char *tag)
{
    if (tu_tmpdir_make(dir, len, tag) != 0)
        return -1;
    int n = snprintf(db, dblen, "%s/mvgate.db", dir);
    return n < 0 || (size_t)n >= dblen ? -1 : 0;
}

int tu_tmpdir_remove(const char *dir)
{
    /* Only what tu_tmpdir_make made: never rm -rf an empty or foreign path. */
    if (strncmp(dir, "/tmp/mvg-test-", 14) != 0 || strchr(dir, '\''))
        return -1;
    char cmd[600];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

int tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int tu_write_secret(const char *path, const char *text)
{
    return tu_write_file(path, text) == 0 && chmod(path, 0600) == 0 ? 0 : -1;
}
