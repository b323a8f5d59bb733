/*
 * tls_probe.c: one TLS handshake of our own to say why the broker's fails
 * (tls_probe.h). The TCP connect is the one against a deadline
 * (netconn.h); the files are checked by the one rule for them
 * (tlsfiles.h) before OpenSSL loads them.
 */
#include "tls_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "netconn.h"
#include "tlsfiles.h"

/* How long to wait after the handshake for the broker to refuse our
 * certificate: a TLS 1.3 server checks it after the client has finished. */
#define ALERT_WAIT_MS 500

static int is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Waits until fd is ready for what SSL wants, before deadline. */
static int wait_for(int fd, int want, int64_t deadline)
{
    struct pollfd pfd = {fd, want == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0};
    int p;
    while ((p = poll(&pfd, 1, mvg_netconn_remaining(deadline))) == -1 && errno == EINTR)
        ;
    return p > 0 ? 0 : -1;
}

/* The reason of a failed SSL call: the verify result first (the error
 * queue only says "certificate verify failed"), then the queue. */
static void explain(SSL *ssl, int rc, char *why, size_t whylen)
{
    long vr = SSL_get_verify_result(ssl);
    unsigned long e = ERR_peek_last_error();
    int se = SSL_get_error(ssl, rc);
    if (vr != X509_V_OK)
        snprintf(why, whylen, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
    else if (e && ERR_reason_error_string(e))
        snprintf(why, whylen, "%s", ERR_reason_error_string(e));
    else if (se == SSL_ERROR_SYSCALL && errno)
        snprintf(why, whylen, "TLS handshake: %s (is the port a TLS listener?)", strerror(errno));
    else
        snprintf(why, whylen, "the broker closed the connection in the TLS handshake (is the "
                              "port a TLS listener?)");
}

/* SSL_connect or SSL_read until done, failed or past deadline. */
static int drive(SSL *ssl, int fd, int reading, int64_t deadline, char *why, size_t whylen)
{
    for (;;) {
        char buf[64];
        int rc = reading ? SSL_read(ssl, buf, sizeof buf) : SSL_connect(ssl);
        if (rc > 0)
            return 0;
        int se = SSL_get_error(ssl, rc);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
            if (wait_for(fd, se, deadline) < 0) {
                if (reading)
                    return 0; /* no alert came: nothing against us */
                snprintf(why, whylen, "TLS handshake timed out");
                return 1;
            }
            continue;
        }
        if (reading && se == SSL_ERROR_ZERO_RETURN)
            return 0;
        explain(ssl, rc, why, whylen);
        return 1;
    }
}

static int load(SSL_CTX *ctx, const mvg_tls_probe_cfg *c, char *why, size_t whylen)
{
    static const char *const names[] = {"ca_file", "cert_file", "key_file"};
    const char *paths[] = {c->ca_file, c->cert_file, c->key_file};
    int which = 0;
    char err[400];
    if (mvg_tlsfiles_check(c->ca_file, c->cert_file, c->key_file, &which, err, sizeof err) < 0) {
        snprintf(why, whylen, "%s %s %s", names[which], paths[which], err);
        return 1;
    }
    int ok = c->ca_file && *c->ca_file ? SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL)
                                       : SSL_CTX_set_default_verify_paths(ctx);
    if (ok == 1 && c->cert_file && *c->cert_file)
        ok = SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, c->key_file, SSL_FILETYPE_PEM) == 1;
    if (ok != 1) {
        unsigned long e = ERR_peek_last_error();
        snprintf(why, whylen, "cannot load the TLS files: %s",
                 e && ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown error");
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return 0;
}

int mvg_tls_probe(const mvg_tls_probe_cfg *c, char *why, size_t whylen)
{
    why[0] = '\0';
    char host[256], port[16];
    int fd = -1;
    if (mvg_netconn_split_uri(c->uri, host, sizeof host, port, sizeof port) < 0) {
        snprintf(why, whylen, "no host in \"%s\"", c->uri);
        return 1;
    }
    ERR_clear_error();
    int found = 1;
    SSL *ssl = NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int64_t deadline = mvg_clock_mono_ms() + c->timeout_ms;
    char err[200];
    if (!ctx) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    if (load(ctx, c, why, whylen))
        goto out;
    int e = 0;
    fd = mvg_netconn_connect(host, port, deadline, &e, err, sizeof err);
    if (fd < 0) {
        snprintf(why, whylen, "connect: %s", e == ETIMEDOUT ? "timed out"
                                             : e          ? strerror(e)
                                                          : err);
        goto out;
    }
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    int ip = is_ip(host);
    if (!ip)
        SSL_set_tlsext_host_name(ssl, host);
    if (c->verify_hostname) {
        if (ip)
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
        else
            SSL_set1_host(ssl, host);
    }
    if (drive(ssl, fd, 0, deadline, why, whylen))
        goto out;
    int64_t alert = mvg_clock_mono_ms() + ALERT_WAIT_MS;
    found = drive(ssl, fd, 1, alert < deadline ? alert : deadline, why, whylen);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
    ERR_clear_error();
    return found;
}
