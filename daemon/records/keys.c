/*
 * keys.c: the gateway key files (keys.h): creation with mode 0600 written
 * atomically (temp file, fsync, rename, fsync of the directory), loading
 * and the consistency checks that keep a damaged key from being replaced.
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_CAP 4200

static int join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Reads a small file whole; 1 when it does not exist. */
static int slurp(const char *path, char *buf, size_t cap, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0 || (n += (size_t)r) == cap - 1)
            break;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return 0;
}

static int decode(const char *path, const char *text, size_t len, unsigned char *out,
                  size_t want, char *err, size_t errlen)
{
    size_t got = 0;
    const char *end = NULL;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (sodium_base642bin(out, want, text, len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want || end != text + len) {
        snprintf(err, errlen, "%s: not a base64 key of %zu bytes (corrupt or truncated)", path,
                 want);
        return -1;
    }
    return 0;
}

int mvg_keys_read_public(const char *path, unsigned char pk[MVG_CHAIN_PK_BYTES], char *err,
                         size_t errlen)
{
    char buf[256];
    size_t len = 0;
    int rc = slurp(path, buf, sizeof buf, &len, err, errlen);
    if (rc == 1)
        snprintf(err, errlen, "%s: no such file (the daemon creates it on its first start)",
                 path);
    if (rc != 0)
        return -1;
    return decode(path, buf, len, pk, MVG_CHAIN_PK_BYTES, err, errlen);
}

static int write_atomic(const char *dir, const char *path, const void *data, size_t len,
                        mode_t mode, char *err, size_t errlen)
{
    char tmp[PATH_CAP + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* a temp file left by a crash holds nothing anyone relies on */
    if (unlink(tmp) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    if (left || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int write_public(const char *dir, const char *path, const mvg_keys *k, char *err,
                        size_t errlen)
{
    char line[MVG_CHAIN_PK_B64_LEN + 1];
    snprintf(line, sizeof line, "%s\n", k->pk_b64);
    return write_atomic(dir, path, line, strlen(line), 0644, err, errlen);
}

static void finish(mvg_keys *k)
{
    mvg_chain_fingerprint(k->pk, k->fingerprint);
    mvg_chain_pk_to_b64(k->pk, k->pk_b64);
}

typedef enum { PAIR_LOAD, PAIR_LOAD_OR_CREATE, PAIR_CREATE } pair_mode;

/* The pair secret_name/public_name under data_dir. PAIR_LOAD: 1 when the
 * secret file does not exist; PAIR_CREATE: an error when it does. */
static int pair(const char *data_dir, const char *secret_name, const char *public_name,
                pair_mode mode, mvg_keys *k, int *created, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    *created = 0;
    if (mvg_chain_init() != 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    char kpath[PATH_CAP], ppath[PATH_CAP];
    if (join(kpath, sizeof kpath, data_dir, secret_name) != 0 ||
        join(ppath, sizeof ppath, data_dir, public_name) != 0) {
        snprintf(err, errlen, "data_dir '%s' is too long", data_dir);
        return -1;
    }
    char buf[512];
    size_t len = 0;
    int rc = slurp(kpath, buf, sizeof buf, &len, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0 && mode == PAIR_CREATE) {
        sodium_memzero(buf, sizeof buf);
        snprintf(err, errlen, "%s exists", kpath);
        return -1;
    }
    if (rc == 1 && mode == PAIR_LOAD)
        return 1;
    if (rc == 1) {
        if (access(ppath, F_OK) == 0) {
            snprintf(err, errlen,
                     "%s exists but %s does not: the gateway's secret key is lost; restore it"
                     " (or remove %s to start a new identity)",
                     ppath, kpath, ppath);
            return -1;
        }
        crypto_sign_keypair(k->pk, k->sk);
        finish(k);
        char line[2 * MVG_CHAIN_SK_BYTES];
        sodium_bin2base64(line, sizeof line, k->sk, sizeof k->sk, sodium_base64_VARIANT_ORIGINAL);
        size_t n = strlen(line);
        line[n++] = '\n';
        rc = write_atomic(data_dir, kpath, line, n, 0600, err, errlen);
        sodium_memzero(line, sizeof line);
        if (rc == 0)
            rc = write_public(data_dir, ppath, k, err, errlen);
        if (rc != 0) {
            mvg_keys_wipe(k);
            return -1;
        }
        *created = 1;
        return 0;
    }
    rc = decode(kpath, buf, len, k->sk, sizeof k->sk, err, errlen);
    sodium_memzero(buf, sizeof buf);
    if (rc != 0)
        return -1;
    crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    finish(k);
    unsigned char filed[MVG_CHAIN_PK_BYTES];
    char perr[256];
    if (access(ppath, F_OK) != 0) {
        if (write_public(data_dir, ppath, k, err, errlen) != 0) {
            mvg_keys_wipe(k);
            return -1;
        }
    } else if (mvg_keys_read_public(ppath, filed, perr, sizeof perr) != 0) {
        snprintf(err, errlen, "%s", perr);
        mvg_keys_wipe(k);
        return -1;
    } else if (memcmp(filed, k->pk, sizeof filed) != 0) {
        snprintf(err, errlen, "%s does not hold the public key of %s", ppath, kpath);
        mvg_keys_wipe(k);
        return -1;
    }
    return 0;
}

int mvg_keys_load_or_create(const char *data_dir, mvg_keys *k, int *created, char *err,
                            size_t errlen)
{
    return pair(data_dir, MVG_KEYS_SECRET_FILE, MVG_KEYS_PUBLIC_FILE, PAIR_LOAD_OR_CREATE, k,
                created, err, errlen);
}

/* `mvgate key rotate` usually runs as root next to a daemon running as its
 * own user: the new files must belong to whoever owns data_dir. */
static int give_to_dir_owner(const char *data_dir, const char *name, char *err, size_t errlen)
{
    struct stat d;
    char path[PATH_CAP];
    if (geteuid() != 0 || stat(data_dir, &d) != 0 || join(path, sizeof path, data_dir, name) != 0)
        return 0;
    if (chown(path, d.st_uid, d.st_gid) != 0) {
        snprintf(err, errlen, "%s: chown: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int mvg_keys_create_next(const char *data_dir, mvg_keys *k, char *err, size_t errlen)
{
    int created = 0;
    char why[512];
    int rc = pair(data_dir, MVG_KEYS_NEXT_SECRET_FILE, MVG_KEYS_NEXT_PUBLIC_FILE, PAIR_CREATE, k,
                  &created, why, sizeof why);
    if (rc == 0 && (give_to_dir_owner(data_dir, MVG_KEYS_NEXT_SECRET_FILE, err, errlen) != 0 ||
                    give_to_dir_owner(data_dir, MVG_KEYS_NEXT_PUBLIC_FILE, err, errlen) != 0)) {
        mvg_keys_wipe(k);
        return -1;
    }
    if (rc != 0 && strstr(why, " exists"))
        snprintf(err, errlen,
                 "a key rotation is already pending (%s/%s): the daemon applies it at its next"
                 " start or reload",
                 data_dir, MVG_KEYS_NEXT_SECRET_FILE);
    else if (rc != 0)
        snprintf(err, errlen, "%s", why);
    return rc;
}

int mvg_keys_load_next(const char *data_dir, mvg_keys *k, int *present, char *err, size_t errlen)
{
    int created = 0;
    int rc = pair(data_dir, MVG_KEYS_NEXT_SECRET_FILE, MVG_KEYS_NEXT_PUBLIC_FILE, PAIR_LOAD, k,
                  &created, err, errlen);
    *present = rc == 0;
    return rc < 0 ? -1 : 0;
}

int mvg_keys_promote_next(const char *data_dir, const mvg_keys *old, char *err, size_t errlen)
{
    char retired[PATH_CAP], kpath[PATH_CAP], ppath[PATH_CAP], knext[PATH_CAP], pnext[PATH_CAP];
    char name[64];
    snprintf(name, sizeof name, "%s.%s", MVG_KEYS_PUBLIC_FILE, old->fingerprint);
    if (join(retired, sizeof retired, data_dir, name) != 0 ||
        join(kpath, sizeof kpath, data_dir, MVG_KEYS_SECRET_FILE) != 0 ||
        join(ppath, sizeof ppath, data_dir, MVG_KEYS_PUBLIC_FILE) != 0 ||
        join(knext, sizeof knext, data_dir, MVG_KEYS_NEXT_SECRET_FILE) != 0 ||
        join(pnext, sizeof pnext, data_dir, MVG_KEYS_NEXT_PUBLIC_FILE) != 0) {
        snprintf(err, errlen, "data_dir '%s' is too long", data_dir);
        return -1;
    }
    /* the old public key stays, so that the chain's older records can be
     * checked at the gateway; the old secret key is overwritten */
    if (write_public(data_dir, retired, old, err, errlen) != 0)
        return -1;
    if (rename(knext, kpath) != 0 || rename(pnext, ppath) != 0) {
        snprintf(err, errlen, "%s: rename: %s", knext, strerror(errno));
        return -1;
    }
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int mvg_keys_find_public(const char *data_dir, const char *fingerprint,
                         unsigned char pk[MVG_CHAIN_PK_BYTES], char *err, size_t errlen)
{
    char name[64], path[PATH_CAP];
    const char *names[2] = {MVG_KEYS_PUBLIC_FILE, name};
    snprintf(name, sizeof name, "%s.%.32s", MVG_KEYS_PUBLIC_FILE, fingerprint);
    for (size_t i = 0; i < 2; i++) {
        char why[512], fp[MVG_CHAIN_FP_LEN];
        if (join(path, sizeof path, data_dir, names[i]) != 0)
            break;
        if (access(path, F_OK) != 0 || mvg_keys_read_public(path, pk, why, sizeof why) != 0)
            continue;
        mvg_chain_fingerprint(pk, fp);
        if (strcmp(fp, fingerprint) == 0)
            return 0;
    }
    snprintf(err, errlen, "no public key with fingerprint %s under %s (%s or %s.<fingerprint>)",
             fingerprint, data_dir, MVG_KEYS_PUBLIC_FILE, MVG_KEYS_PUBLIC_FILE);
    return -1;
}

void mvg_keys_wipe(mvg_keys *k) { sodium_memzero(k->sk, sizeof k->sk); }
