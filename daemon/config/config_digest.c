/*
 * config_digest.c: the SHA-256 of the configuration as loaded
 * (config_digest.h): the bytes of the main file, then of each file an
 * @include names, depth first in the order written: the order libconfig
 * opens them. An @include is a line that starts (after blanks) with
 * `@include "NAME"`, resolved the way the loader has libconfig resolve it:
 * against the main file's directory (config_set_include_dir).
 */
#include "config_digest.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fileread.h"

/* libconfig 1.5 refuses deeper nesting; so does the digest */
#define MAX_DEPTH 10

static int feed(crypto_hash_sha256_state *st, const char *path, const char *dir, int depth,
                char *err, size_t errlen)
{
    if (depth > MAX_DEPTH) {
        snprintf(err, errlen, "%s: @include nested deeper than %d", path, MAX_DEPTH);
        return -1;
    }
    size_t len = 0;
    char *buf = mvg_file_read(path, &len, err, errlen);
    if (!buf)
        return -1;
    crypto_hash_sha256_update(st, (const unsigned char *)buf, len);
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < len;) {
        const char *line = buf + at, *nl = memchr(line, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - line) : len - at;
        at += ll + 1;
        size_t k = 0;
        while (k < ll && (line[k] == ' ' || line[k] == '\t'))
            k++;
        static const char tag[] = "@include";
        if (ll - k < sizeof tag || memcmp(line + k, tag, sizeof tag - 1) != 0)
            continue;
        k += sizeof tag - 1;
        while (k < ll && (line[k] == ' ' || line[k] == '\t'))
            k++;
        const char *q = k < ll && line[k] == '"' ? memchr(line + k + 1, '"', ll - k - 1) : NULL;
        if (!q)
            continue; /* not an include libconfig would read either */
        char inc[MVG_PATH_MAX];
        int n = snprintf(inc, sizeof inc, "%s%s%.*s", dir ? dir : "", dir ? "/" : "",
                         (int)(q - (line + k + 1)), line + k + 1);
        if (n < 0 || (size_t)n >= sizeof inc) {
            snprintf(err, errlen, "%s: an @include path is too long", path);
            rc = -1;
        } else {
            rc = feed(st, inc, dir, depth + 1, err, errlen);
        }
    }
    free(buf);
    return rc;
}

int mvg_config_digest(const char *path, const char *include_dir,
                      char out[MVG_CONFIG_DIGEST_LEN], char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    if (feed(&st, path, include_dir, 0, err, errlen) != 0)
        return -1;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, MVG_CONFIG_DIGEST_LEN, h, sizeof h);
    return 0;
}
