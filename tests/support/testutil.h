/*
 * testutil.h: the small things every test and benchmark program needs
 * alike: a monotonic clock in us and ms, a sleep that survives signals,
 * free and open ports on 127.0.0.1, and throwaway directories under /tmp
 * (made with a tag that names the test, removed with everything in them).
 * No cmocka here: benches link this too and report failures by return
 * value.
 */
#ifndef MVG_TESTUTIL_H
#define MVG_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC. */
int64_t tu_now_us(void);
int64_t tu_now_ms(void);
double tu_now_s(void);

/* Sleeps ms milliseconds, resumed after a signal. */
void tu_sleep_ms(int ms);

/* A port the kernel just handed out for 127.0.0.1 (free when we return;
 * another process may take it before the caller binds): -1 on error. */
int tu_free_port(void);

/* 1 when something accepts connections on 127.0.0.1:port. */
int tu_port_open(int port);

/* Makes /tmp/mvg-test-<tag>-XXXXXX into dir (len >= 64 is plenty).
 * 0, or -1 (dir then empty). */
int tu_tmpdir_make(char *dir, size_t len, const char *tag);

/* tu_tmpdir_make, and db gets <dir>/mvgate.db (the store's usual name;
 * not created). 0, or -1. */
int tu_tmpdir_make_db(char *dir, size_t len, char *db, size_t dblen, const char *tag);

/* Removes dir and everything below it: 0, or -1. */
int tu_tmpdir_remove(const char *dir);

/* Writes text to path (created or truncated): 0, or -1. */
int tu_write_file(const char *path, const char *text);

/* Like tu_write_file, mode 0600: a secret file as the publishers require it
 * (daemon/base/secret.h). */
int tu_write_secret(const char *path, const char *text);

#endif
