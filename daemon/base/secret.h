/*
 * secret.h: the one rule for reading a secret from a file (an MQTT or
 * InfluxDB password, an InfluxDB token), so that the configuration never
 * holds one. The file must be a regular file readable by its owner alone
 * (no group or other read bit: a secret other local users can read is no
 * secret); the secret is its first line without the line end (\n or \r\n);
 * an empty one is refused. Every copy the reader makes is wiped, and the
 * caller's copy is wiped by mvg_secret_free().
 */
#ifndef MVG_SECRET_H
#define MVG_SECRET_H

#include <stddef.h>

/* The maximum length of a secret, in bytes. */
#define MVG_SECRET_MAX 4096

/*
 * Reads the secret in path. what names it in errors, which then read
 * "<what> <path>: <why>" (e.g. "mqtt: password_file /etc/mvgate/mqtt.pass:
 * ..."). Returns the secret (malloc'd; release with mvg_secret_free), or
 * NULL with err.
 */
char *mvg_secret_read(const char *what, const char *path, char *err, size_t errlen);

/* Wipes and frees a secret from mvg_secret_read; NULL is fine. */
void mvg_secret_free(char *secret);

#endif
