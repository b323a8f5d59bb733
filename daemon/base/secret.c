/*
 * secret.c: a secret file's first line, after its mode is checked
 * (secret.h). The mode is taken from the open descriptor, so the file
 * checked is the file read.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

char *mvg_secret_read(const char *what, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        mvg_set_err(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        mvg_set_err(err, errlen, "%s %s: %s", what, path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        mvg_set_err(err, errlen, "%s %s: not a regular file", what, path);
        close(fd);
        return NULL;
    }
    if (st.st_mode & (S_IRGRP | S_IROTH)) {
        mvg_set_err(err, errlen,
                    "%s %s: readable by %s (mode %04o): other local users could read the "
                    "secret; make it the daemon user's alone (chmod 600)",
                    what, path,
                    (st.st_mode & S_IRGRP) && (st.st_mode & S_IROTH) ? "group and others"
                    : st.st_mode & S_IRGRP                            ? "its group"
                                                                      : "others",
                    (unsigned)(st.st_mode & 07777));
        close(fd);
        return NULL;
    }
    /* one byte more than a secret may have, to tell a long line */
    char buf[MVG_SECRET_MAX + 2];
    size_t n = 0;
    int rerr = 0;
    while (n < sizeof buf && !memchr(buf, '\n', n)) {
        ssize_t k = read(fd, buf + n, sizeof buf - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rerr = errno;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    char *nl = memchr(buf, '\n', n);
    size_t len = nl ? (size_t)(nl - buf) : n;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    char *s = NULL;
    if (rerr)
        mvg_set_err(err, errlen, "%s %s: %s", what, path, strerror(rerr));
    else if (len > MVG_SECRET_MAX)
        mvg_set_err(err, errlen, "%s %s: the first line is longer than %d bytes", what, path,
                    MVG_SECRET_MAX);
    else if (len == 0)
        mvg_set_err(err, errlen, "%s %s is empty (the secret is the file's first line)", what,
                    path);
    else if (!(s = malloc(len + 1)))
        mvg_set_err(err, errlen, "%s %s: out of memory", what, path);
    else {
        memcpy(s, buf, len);
        s[len] = '\0';
    }
    explicit_bzero(buf, sizeof buf);
    return s;
}

void mvg_secret_free(char *secret)
{
    if (!secret)
        return;
    explicit_bzero(secret, strlen(secret));
    free(secret);
}
