/*
 * fileread.c: a file read whole (fileread.h). It reads until the end
 * rather than trusting the size stat gives, so that pipes and files that
 * grow while read come out whole too.
 */
#include "fileread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

char *mvg_file_read(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mvg_set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 1 >= cap) { /* room for a chunk and the terminator */
            size_t nc = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                fclose(f);
                mvg_set_err(err, errlen, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        mvg_set_err(err, errlen, "%s: cannot read: read error", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
