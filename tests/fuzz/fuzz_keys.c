/*
 * fuzz_keys.c: arbitrary bytes as the gateway's key files
 * (daemon/records/keys.h) through every reader: the bytes up to the first
 * NUL are gateway.key (and gateway.key.next), the rest gateway.pub (and
 * gateway.pub.next), in a directory of the fuzzer's own. It must never
 * crash or read out of bounds; a pair that loads must be one (its public
 * file holds the key the secret one derives) and must not have been made
 * anew (the files were there: a damaged key is never replaced).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

static char dir[64];

static void put(const char *name, const uint8_t *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        abort();
    chmod(path, 0600);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/mvg-fuzz-keys-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t klen = nul ? (size_t)(nul - data) : size;
    const uint8_t *pub = nul ? nul + 1 : data + size;
    size_t plen = (size_t)(data + size - pub);
    put(MVG_KEYS_SECRET_FILE, data, klen);
    put(MVG_KEYS_PUBLIC_FILE, pub, plen);
    put(MVG_KEYS_NEXT_SECRET_FILE, data, klen);
    put(MVG_KEYS_NEXT_PUBLIC_FILE, pub, plen);

    char err[512], path[128];
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, MVG_KEYS_PUBLIC_FILE);
    int pub_ok = mvg_keys_read_public(path, pk, err, sizeof err) == 0;

    mvg_keys k;
    int created = 1;
    if (mvg_keys_load_or_create(dir, &k, &created, err, sizeof err) == 0) {
        if (created || !pub_ok || memcmp(pk, k.pk, sizeof pk) != 0)
            abort();
        unsigned char found[MVG_CHAIN_PK_BYTES];
        if (mvg_keys_find_public(dir, k.fingerprint, found, err, sizeof err) != 0 ||
            memcmp(found, k.pk, sizeof found) != 0)
            abort();
    }
    mvg_keys_wipe(&k);
    int present = 0;
    if (mvg_keys_load_next(dir, &k, &present, err, sizeof err) == 0 && present &&
        (!pub_ok || memcmp(pk, k.pk, sizeof pk) != 0))
        abort();
    mvg_keys_wipe(&k);
    return 0;
}
