/*
 * tlsfiles.h: the one rule for the TLS files of a client (the MQTT
 * publisher's ca_file, cert_file and key_file): each parses as PEM, the CA
 * file holds at least one certificate, and the key is the private key of
 * the certificate (the first one of the cert file, the leaf of a chain).
 * The configuration loader applies it, so that `mvgate check` refuses what
 * would only fail at the first handshake, with OpenSSL's reason. Its own
 * library (mvg_tlsfiles), so that only its users link libcrypto.
 */
#ifndef MVG_TLSFILES_H
#define MVG_TLSFILES_H

#include <stddef.h>

/* Which file a refusal is about. */
enum { MVG_TLSFILE_CA, MVG_TLSFILE_CERT, MVG_TLSFILE_KEY };

/*
 * Checks the files; NULL or "" is a file not given (cert and key are
 * checked against each other only when both are given). Returns 0, or -1
 * with *which set to the file at fault and err holding why, phrased to
 * follow its path: "holds no PEM certificate (no start line)", "is not the
 * key of the certificate in /etc/mvgate/gw.crt (key values mismatch)".
 */
int mvg_tlsfiles_check(const char *ca, const char *cert, const char *key, int *which, char *err,
                       size_t errlen);

#endif
