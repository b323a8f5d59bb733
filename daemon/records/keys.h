/*
 * keys.h: the gateway's Ed25519 identity, which signs its interval records
 * (chain.h). Two files under data_dir, each one line of base64 (ORIGINAL
 * variant): gateway.key (the 64-byte libsodium secret key, mode 0600) and
 * gateway.pub (the 32-byte public key). Created on the daemon's first
 * start, loaded afterwards; a damaged file is an error, never replaced (a
 * new key would break every verifier's trust in the gateway). A new key
 * comes only by rotation, which the outgoing key signs into every chain.
 */
#ifndef MVG_KEYS_H
#define MVG_KEYS_H

#include <stddef.h>

#include "chain.h"

#define MVG_KEYS_SECRET_FILE "gateway.key"
#define MVG_KEYS_PUBLIC_FILE "gateway.pub"
/* A rotation waiting for the daemon (mvgate key rotate) */
#define MVG_KEYS_NEXT_SECRET_FILE "gateway.key.next"
#define MVG_KEYS_NEXT_PUBLIC_FILE "gateway.pub.next"

typedef struct {
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    unsigned char sk[MVG_CHAIN_SK_BYTES];
    char fingerprint[MVG_CHAIN_FP_LEN];
    char pk_b64[MVG_CHAIN_PK_B64_LEN];
} mvg_keys;

/* Loads the key pair of data_dir, creating it when neither file exists
 * (*created = 1). A missing gateway.pub next to a good gateway.key is
 * rewritten from it; a gateway.pub without gateway.key, a short or corrupt
 * file or a pair that does not match is an error naming the file. */
int mvg_keys_load_or_create(const char *data_dir, mvg_keys *k, int *created, char *err,
                            size_t errlen);

/* Key rotation. mvgate key rotate creates the next pair (gateway.key.next,
 * gateway.pub.next; an error when one is already pending). The daemon, at
 * start or reload, loads it (*present = 0 when there is none), writes the
 * signed key records with the old key, then promotes it: the old public
 * key is kept as gateway.pub.<fingerprint>, the next pair replaces
 * gateway.key and gateway.pub (the old secret key is gone). */
int mvg_keys_create_next(const char *data_dir, mvg_keys *k, char *err, size_t errlen);
int mvg_keys_load_next(const char *data_dir, mvg_keys *k, int *present, char *err, size_t errlen);
int mvg_keys_promote_next(const char *data_dir, const mvg_keys *old, char *err, size_t errlen);

/* The public key of data_dir with this fingerprint: the current one or a
 * retired one (gateway.pub.<fingerprint>). */
int mvg_keys_find_public(const char *data_dir, const char *fingerprint,
                         unsigned char pk[MVG_CHAIN_PK_BYTES], char *err, size_t errlen);

/* Reads a public key file (one base64 line). */
int mvg_keys_read_public(const char *path, unsigned char pk[MVG_CHAIN_PK_BYTES], char *err,
                         size_t errlen);

/* Wipes the secret key from memory. */
void mvg_keys_wipe(mvg_keys *k);

#endif
