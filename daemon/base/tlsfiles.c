/*
 * tlsfiles.c: the TLS files of a client parse and belong together
 * (tlsfiles.h), checked with OpenSSL's own PEM readers and
 * X509_check_private_key, the calls the TLS stack makes at a handshake.
 */
#include "tlsfiles.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* An encrypted key is refused, never prompted for on a terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* OpenSSL's reason for the last failure, or fallback. Empties the queue. */
static const char *reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : fallback;
}

static int fail(int *which, int w, char *err, size_t errlen, const char *fmt, const char *a,
                const char *b)
{
    *which = w;
    snprintf(err, errlen, fmt, a, b);
    return -1;
}

static BIO *open_file(const char *path, int w, int *which, char *err, size_t errlen)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) {
        ERR_clear_error();
        fail(which, w, err, errlen, "cannot be opened: %s%s", strerror(errno), "");
    }
    return b;
}

/* Every certificate in a CA file parses, and there is one at least. */
static int check_ca(const char *path, int *which, char *err, size_t errlen)
{
    BIO *b = open_file(path, MVG_TLSFILE_CA, which, err, errlen);
    if (!b)
        return -1;
    int n = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, no_password, NULL)) != NULL) {
        X509_free(x);
        n++;
    }
    unsigned long e = ERR_peek_last_error();
    BIO_free(b);
    /* The end of the file reads as "no start line" after the last one. */
    if (n > 0 && ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return 0;
    }
    return fail(which, MVG_TLSFILE_CA, err, errlen,
                n ? "has a broken PEM certificate after %s good ones (%s)"
                  : "holds no PEM certificate%s (%s)",
                n ? "some" : "", reason("unreadable"));
}

int mvg_tlsfiles_check(const char *ca, const char *cert, const char *key, int *which, char *err,
                       size_t errlen)
{
    ERR_clear_error();
    if (ca && *ca && check_ca(ca, which, err, errlen) < 0)
        return -1;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    int rc = -1;
    if (cert && *cert) {
        BIO *b = open_file(cert, MVG_TLSFILE_CERT, which, err, errlen);
        if (!b)
            goto out;
        x = PEM_read_bio_X509(b, NULL, no_password, NULL);
        BIO_free(b);
        if (!x) {
            fail(which, MVG_TLSFILE_CERT, err, errlen, "holds no PEM certificate%s (%s)", "",
                 reason("unreadable"));
            goto out;
        }
    }
    if (key && *key) {
        BIO *b = open_file(key, MVG_TLSFILE_KEY, which, err, errlen);
        if (!b)
            goto out;
        k = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
        BIO_free(b);
        if (!k) {
            fail(which, MVG_TLSFILE_KEY, err, errlen,
                 "holds no unencrypted PEM private key%s (%s)", "", reason("unreadable"));
            goto out;
        }
    }
    if (x && k && X509_check_private_key(x, k) != 1) {
        fail(which, MVG_TLSFILE_KEY, err, errlen, "is not the key of the certificate in %s (%s)",
             cert, reason("key and certificate differ"));
        goto out;
    }
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    ERR_clear_error();
    return rc;
}
