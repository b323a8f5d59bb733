/*
 * config_digest.h: the digest that names a configuration as loaded: the
 * SHA-256 of the main file's bytes followed by the bytes of every file it
 * @includes, depth first in the order written (the order libconfig reads
 * them), each included name resolved against include_dir as the loader
 * resolves it. The project definition record publishes it
 * (config_sha256), so a verifier handed the files can tell that they are
 * the ones in force. Owns nothing.
 */
#ifndef MVG_CONFIG_DIGEST_H
#define MVG_CONFIG_DIGEST_H

#include <stddef.h>

#define MVG_CONFIG_DIGEST_LEN 65 /* 64 hex digits + NUL */

/* 0 and out (lowercase hex), or -1 with err (a file that cannot be read). */
int mvg_config_digest(const char *path, const char *include_dir,
                      char out[MVG_CONFIG_DIGEST_LEN], char *err, size_t errlen);

#endif
