/*
 * hub_mqtt.c: the hub's MQTT 5 subscriber session (hub_mqtt.h): the few
 * packets a QoS 1 subscriber needs (CONNECT, CONNACK, SUBSCRIBE, SUBACK,
 * PUBLISH, PUBACK, PINGREQ, PINGRESP, DISCONNECT), encoded and parsed by
 * hand, over a non-blocking socket (netconn.h) or OpenSSL on it.
 */
#include "hub_mqtt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "netconn.h"
#include "secret.h"
#include "tlsfiles.h"

enum {
    P_CONNECT = 1, P_CONNACK = 2, P_PUBLISH = 3, P_PUBACK = 4, P_SUBSCRIBE = 8, P_SUBACK = 9,
    P_PINGREQ = 12, P_PINGRESP = 13, P_DISCONNECT = 14
};

#define RBUF_MAX (16u << 20) /* the largest packet we accept */
/* Receive Maximum in CONNECT: the QoS 1 messages the broker may have sent
 * us unacknowledged. Without it the broker assumes 65,535, and with a
 * large queued session it sends that many right after CONNACK, before the
 * SUBACK that mvg_hub_mqtt_connect() waits for: 65,535 records of 2 kB
 * overflow the read buffer (RBUF_MAX) and the connection fails at every
 * attempt. 1024 is a few of the main loop's batches. */
#define RECEIVE_MAX 1024

struct mvg_hub_mqtt {
    mvg_hub_mqtt_cfg cfg;
    char host[256], port[16];
    int tls;
    char *password;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    unsigned char *rbuf;        /* bytes read, not yet consumed */
    size_t rlen, rcap, consumed;/* consumed: the packet handed out last, dropped at the next read */
    char *topic;                /* the last PUBLISH's topic */
    size_t topic_cap;
    int64_t last_sent_ms, ping_sent_ms;
    uint16_t next_id;
};

/* ---- bytes on the wire ---- */

static int wait_io(mvg_hub_mqtt *m, int out, int64_t deadline)
{
    struct pollfd p = {m->fd, out ? POLLOUT : POLLIN, 0};
    int rc;
    while ((rc = poll(&p, 1, mvg_netconn_remaining(deadline))) < 0 && errno == EINTR)
        ;
    return rc > 0 ? 0 : -1;
}

static int send_all(mvg_hub_mqtt *m, const unsigned char *b, size_t n)
{
    int64_t deadline = mvg_clock_mono_ms() + (int64_t)m->cfg.connect_timeout_s * 1000;
    while (n > 0) {
        ssize_t w;
        int out = 1;
        if (m->ssl) {
            int r = SSL_write(m->ssl, b, (int)n);
            if (r <= 0) {
                int e = SSL_get_error(m->ssl, r);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return -1;
                out = e == SSL_ERROR_WANT_WRITE;
                w = 0;
            } else {
                w = r;
            }
        } else {
            w = send(m->fd, b, n, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return -1;
            if (w < 0)
                w = 0;
        }
        b += w;
        n -= (size_t)w;
        if (n > 0 && wait_io(m, out, deadline) < 0)
            return -1;
    }
    m->last_sent_ms = mvg_clock_mono_ms();
    return 0;
}

/* Reads what is there into rbuf, waiting until deadline for the first
 * byte: 1 read, 0 nothing before deadline, -1 closed or failed. */
static int fill(mvg_hub_mqtt *m, int64_t deadline)
{
    if (m->consumed) {
        memmove(m->rbuf, m->rbuf + m->consumed, m->rlen - m->consumed);
        m->rlen -= m->consumed;
        m->consumed = 0;
    }
    if (m->rcap - m->rlen < 65536) {
        size_t cap = m->rcap ? m->rcap * 2 : 131072;
        if (cap > RBUF_MAX + 65536)
            return -1;
        unsigned char *b = realloc(m->rbuf, cap);
        if (!b)
            return -1;
        m->rbuf = b;
        m->rcap = cap;
    }
    for (;;) {
        ssize_t r;
        int out = 0;
        if (m->ssl) {
            int n = SSL_read(m->ssl, m->rbuf + m->rlen, (int)(m->rcap - m->rlen));
            if (n > 0) {
                m->rlen += (size_t)n;
                return 1;
            }
            int e = SSL_get_error(m->ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                return -1;
            out = e == SSL_ERROR_WANT_WRITE;
        } else {
            r = recv(m->fd, m->rbuf + m->rlen, m->rcap - m->rlen, 0);
            if (r > 0) {
                m->rlen += (size_t)r;
                return 1;
            }
            if (r == 0 || (errno != EAGAIN && errno != EINTR))
                return -1;
        }
        if (wait_io(m, out, deadline) < 0)
            return 0;
    }
}

/* A variable byte integer at b (n bytes there): its value, *used bytes;
 * 0 incomplete, -1 malformed. */
static int varint(const unsigned char *b, size_t n, uint32_t *v, size_t *used)
{
    uint32_t x = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= n)
            return 0;
        x |= (uint32_t)(b[i] & 0x7f) << (7 * i);
        if (!(b[i] & 0x80)) {
            *v = x;
            *used = i + 1;
            return 1;
        }
    }
    return -1;
}

static size_t put_varint(unsigned char *b, uint32_t v)
{
    size_t n = 0;
    do {
        b[n] = v & 0x7f;
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

/* The next whole packet, waiting until deadline: 1 with type, flags and
 * its body (valid until the next read), 0 none yet, -1 lost. */
static int read_packet(mvg_hub_mqtt *m, int64_t deadline, int *type, int *flags,
                       const unsigned char **body, size_t *blen)
{
    for (;;) {
        const unsigned char *b = m->rbuf + m->consumed;
        size_t n = m->rlen - m->consumed;
        uint32_t rl = 0;
        size_t used = 0;
        int vr = n >= 2 ? varint(b + 1, n - 1, &rl, &used) : 0;
        if (vr < 0 || rl > RBUF_MAX)
            return -1;
        if (vr > 0 && n >= 1 + used + rl) {
            *type = b[0] >> 4;
            *flags = b[0] & 0x0f;
            *body = b + 1 + used;
            *blen = rl;
            m->consumed += 1 + used + rl;
            return 1;
        }
        int f = fill(m, deadline);
        if (f <= 0)
            return f;
    }
}

/* ---- packets ---- */

typedef struct {
    unsigned char *b;
    size_t n, cap;
    int bad;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
    if (w->bad || w->n + n > w->cap) {
        w->bad = 1;
        return;
    }
    if (n)
        memcpy(w->b + w->n, d, n);
    w->n += n;
}

static void put_u8(wbuf *w, unsigned v) { put(w, &(unsigned char){(unsigned char)v}, 1); }

static void put_u16(wbuf *w, unsigned v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put(w, b, 2);
}

static void put_u32(wbuf *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(w, b, 4);
}

static void put_str(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    if (n > 65535)
        w->bad = 1;
    put_u16(w, (unsigned)n);
    put(w, s, n);
}

/* Sends fixed header byte h and body: 0 or -1. */
static int send_packet(mvg_hub_mqtt *m, unsigned h, const wbuf *body)
{
    if (body->bad)
        return -1;
    unsigned char *b = malloc(body->n + 5);
    if (!b)
        return -1;
    b[0] = (unsigned char)h;
    size_t k = 1 + put_varint(b + 1, (uint32_t)body->n);
    if (body->n)
        memcpy(b + k, body->b, body->n);
    int rc = send_all(m, b, k + body->n);
    free(b);
    return rc;
}

static const char *reason_text(unsigned rc)
{
    static const struct {
        unsigned code;
        const char *text;
    } t[] = {{0x80, "unspecified error"}, {0x81, "malformed packet"}, {0x82, "protocol error"},
             {0x83, "implementation specific error"}, {0x84, "unsupported protocol version"},
             {0x85, "client identifier not valid"}, {0x86, "bad user name or password"},
             {0x87, "not authorized"}, {0x88, "server unavailable"}, {0x89, "server busy"},
             {0x8a, "banned"}, {0x8f, "topic filter invalid"}, {0x91, "packet identifier in use"},
             {0x97, "quota exceeded"}, {0x9e, "shared subscriptions not supported"},
             {0xa1, "subscription identifiers not supported"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == rc)
            return t[i].text;
    return "refused";
}

/* ---- TLS ---- */

static int tls_start(mvg_hub_mqtt *m, int64_t deadline, char *err, size_t errlen)
{
    m->ssl = SSL_new(m->ctx);
    if (!m->ssl || SSL_set_fd(m->ssl, m->fd) != 1) {
        mvg_set_err(err, errlen, "mqtt: TLS: out of memory");
        return -1;
    }
    SSL_set_tlsext_host_name(m->ssl, m->host);
    if (m->cfg.verify_hostname) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(m->ssl);
        unsigned char ip[16];
        if (inet_pton(AF_INET, m->host, ip) == 1 || inet_pton(AF_INET6, m->host, ip) == 1)
            X509_VERIFY_PARAM_set1_ip_asc(vp, m->host);
        else
            X509_VERIFY_PARAM_set1_host(vp, m->host, 0);
    }
    for (;;) {
        int r = SSL_connect(m->ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(m->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
            wait_io(m, e == SSL_ERROR_WANT_WRITE, deadline) == 0)
            continue;
        long vr = SSL_get_verify_result(m->ssl);
        unsigned long q = ERR_peek_last_error();
        /* a certificate refused: say what it was checked against */
        char against[MVG_CFG_FILE_MAX + 96] = "";
        if (vr != X509_V_OK)
            snprintf(against, sizeof against, " (the broker's certificate checked against %s%s)",
                     m->cfg.ca_file[0] ? "ca_file " : "the system's CA certificates",
                     m->cfg.ca_file);
        mvg_set_err(err, errlen, "mqtt: TLS handshake with %s:%s failed: %s%s", m->host, m->port,
                    vr != X509_V_OK ? X509_verify_cert_error_string(vr)
                    : q && ERR_reason_error_string(q) ? ERR_reason_error_string(q)
                    : e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? "timed out"
                                                                           : "connection closed",
                    against);
        return -1;
    }
}

/* ---- the session ---- */

mvg_hub_mqtt *mvg_hub_mqtt_new(const mvg_hub_mqtt_cfg *cfg, char *err, size_t errlen)
{
    mvg_hub_mqtt *m = calloc(1, sizeof *m);
    if (!m) {
        mvg_set_err(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->fd = -1;
    m->next_id = 1;
    m->rcap = 131072;
    m->rbuf = malloc(m->rcap);
    if (!m->rbuf) {
        mvg_set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (mvg_netconn_split_uri(cfg->uri, m->host, sizeof m->host, m->port, sizeof m->port) < 0) {
        mvg_set_err(err, errlen, "mqtt: 'uri' %s names no host", cfg->uri);
        goto fail;
    }
    m->tls = mvg_mqtt_uri_is_tls(cfg->uri);
    if (cfg->password_file[0]) {
        m->password = mvg_secret_read("password_file", cfg->password_file, err, errlen);
        if (!m->password)
            goto fail;
    }
    if (m->tls) {
        int which = 0;
        char why[400];
        if (mvg_tlsfiles_check(cfg->ca_file, cfg->cert_file, cfg->key_file, &which, why,
                               sizeof why) < 0) {
            mvg_set_err(err, errlen, "mqtt: TLS file: %s", why);
            goto fail;
        }
        m->ctx = SSL_CTX_new(TLS_client_method());
        int ok = m->ctx != NULL;
        if (ok)
            ok = cfg->ca_file[0] ? SSL_CTX_load_verify_locations(m->ctx, cfg->ca_file, NULL) == 1
                                 : SSL_CTX_set_default_verify_paths(m->ctx) == 1;
        if (ok && cfg->cert_file[0])
            ok = SSL_CTX_use_certificate_chain_file(m->ctx, cfg->cert_file) == 1 &&
                 SSL_CTX_use_PrivateKey_file(m->ctx, cfg->key_file, SSL_FILETYPE_PEM) == 1;
        if (!ok) {
            mvg_set_err(err, errlen, "mqtt: cannot load the TLS files");
            goto fail;
        }
        SSL_CTX_set_verify(m->ctx, SSL_VERIFY_PEER, NULL);
    }
    return m;
fail:
    mvg_hub_mqtt_free(m);
    return NULL;
}

static void drop(mvg_hub_mqtt *m)
{
    if (m->ssl) {
        SSL_free(m->ssl);
        m->ssl = NULL;
    }
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    m->rlen = m->consumed = 0;
    m->ping_sent_ms = 0;
}

void mvg_hub_mqtt_free(mvg_hub_mqtt *m)
{
    if (!m)
        return;
    drop(m);
    SSL_CTX_free(m->ctx);
    mvg_secret_free(m->password);
    free(m->rbuf);
    free(m->topic);
    free(m);
}

void mvg_hub_mqtt_filter(const mvg_hub_mqtt_cfg *cfg, char *out, size_t len)
{
    if (cfg->shared_group[0])
        snprintf(out, len, "$share/%s/%s/+/#", cfg->shared_group, cfg->topic_prefix);
    else
        snprintf(out, len, "%s/+/#", cfg->topic_prefix);
}

/* Waits for the packet of type want (others before it are protocol
 * errors here: nothing is subscribed yet, or only PUBLISH may come). */
static int expect(mvg_hub_mqtt *m, int want, int64_t deadline, const unsigned char **body,
                  size_t *blen, char *err, size_t errlen)
{
    int type, flags;
    int r = read_packet(m, deadline, &type, &flags, body, blen);
    if (r <= 0) {
        mvg_set_err(err, errlen, "mqtt: %s:%s %s%s", m->host, m->port,
                    r == 0 ? "did not answer in time" : "closed the connection",
                    m->ssl ? " (TLS)" : "");
        return -1;
    }
    if (type != want) {
        mvg_set_err(err, errlen, "mqtt: %s:%s sent packet type %d where %d was due", m->host,
                    m->port, type, want);
        return -1;
    }
    return 0;
}

int mvg_hub_mqtt_connect(mvg_hub_mqtt *m, const char *filter, int *session_present, char *err,
                         size_t errlen)
{
    drop(m);
    int64_t deadline = mvg_clock_mono_ms() + (int64_t)m->cfg.connect_timeout_s * 1000;
    int why = 0;
    char cerr[256];
    m->fd = mvg_netconn_connect(m->host, m->port, deadline, &why, cerr, sizeof cerr);
    if (m->fd < 0) {
        mvg_set_err(err, errlen, "mqtt: connect to %s failed: %s", m->cfg.uri,
                    why ? strerror(why) : cerr);
        return -1;
    }
    if (m->tls && tls_start(m, deadline, err, errlen) < 0) {
        drop(m);
        return -1;
    }
    unsigned char buf[4096];
    wbuf w = {buf, 0, sizeof buf, 0};
    put_str(&w, "MQTT");
    put_u8(&w, 5);
    unsigned flags = 0; /* clean start 0: the broker keeps and resumes our session */
    if (m->cfg.username[0])
        flags |= 0x80;
    if (m->password)
        flags |= 0x40;
    put_u8(&w, flags);
    put_u16(&w, (unsigned)m->cfg.keepalive_s);
    /* properties: session expiry interval (0x11), receive maximum (0x21) */
    put_u8(&w, 5 + 3);
    put_u8(&w, 0x11);
    put_u32(&w, (uint32_t)m->cfg.session_expiry_s);
    put_u8(&w, 0x21);
    put_u16(&w, RECEIVE_MAX);
    put_str(&w, m->cfg.client_id);
    if (m->cfg.username[0])
        put_str(&w, m->cfg.username);
    if (m->password)
        put_str(&w, m->password);
    const unsigned char *b;
    size_t n;
    if (send_packet(m, P_CONNECT << 4, &w) < 0) {
        /* With TLS 1.3 a listener that wants a client certificate refuses
         * after the handshake: its alert may come before the CONNECT goes
         * (or, later, instead of the CONNACK). Say what it was. */
        int e = errno;
        unsigned long q = m->ssl ? ERR_peek_last_error() : 0;
        if (q && ERR_reason_error_string(q))
            mvg_set_err(err, errlen, "mqtt: TLS connection to %s closed: %s", m->cfg.uri,
                        ERR_reason_error_string(q));
        else if (m->ssl)
            /* Without an alert queued (the peer's reset came first) say so:
             * the usual cause is a listener that wants a client certificate. */
            mvg_set_err(err, errlen,
                        "mqtt: TLS connection to %s closed before CONNECT was sent: %s%s",
                        m->cfg.uri, e ? strerror(e) : "no reason given",
                        m->cfg.cert_file[0] ? ""
                                            : " (no cert_file: does the listener want a"
                                              " client certificate?)");
        else
            mvg_set_err(err, errlen, "mqtt: cannot send CONNECT to %s: %s", m->cfg.uri,
                        e ? strerror(e) : "connection closed");
        goto fail;
    }
    if (expect(m, P_CONNACK, deadline, &b, &n, err, errlen) < 0)
        goto fail;
    if (n < 2 || b[1] != 0) {
        mvg_set_err(err, errlen, "mqtt: %s refused the connection: %s (reason code 0x%02x)",
                    m->cfg.uri, n < 2 ? "malformed CONNACK" : reason_text(b[1]),
                    n < 2 ? 0 : b[1]);
        goto fail;
    }
    *session_present = b[0] & 1;

    w.n = 0;
    uint16_t id = m->next_id++;
    if (!m->next_id)
        m->next_id = 1;
    put_u16(&w, id);
    put_u8(&w, 0);     /* no properties */
    put_str(&w, filter);
    put_u8(&w, 0x01);  /* QoS 1 */
    if (send_packet(m, (P_SUBSCRIBE << 4) | 0x2, &w) < 0) {
        mvg_set_err(err, errlen, "mqtt: cannot send SUBSCRIBE to %s", m->cfg.uri);
        goto fail;
    }
    /* With a session present the broker may send queued PUBLISHes before
     * the SUBACK: they stay in rbuf, unconsumed, for mvg_hub_mqtt_next. */
    for (;;) {
        const unsigned char *p = m->rbuf + m->consumed;
        size_t avail = m->rlen - m->consumed, off = 0;
        int found = 0;
        while (avail - off >= 2) {
            uint32_t rl;
            size_t used;
            if (varint(p + off + 1, avail - off - 1, &rl, &used) <= 0 ||
                avail - off < 1 + used + rl)
                break;
            if (p[off] >> 4 == P_SUBACK) {
                b = p + off + 1 + used;
                n = rl;
                /* cut it out of the buffer, keeping what came before and after */
                size_t plen = 1 + used + rl;
                if (n < 3 || ((size_t)b[0] << 8 | b[1]) != id) {
                    mvg_set_err(err, errlen, "mqtt: malformed SUBACK");
                    goto fail;
                }
                uint32_t pl;
                size_t pu;
                if (varint(b + 2, n - 2, &pl, &pu) <= 0 || 2 + pu + pl >= n) {
                    mvg_set_err(err, errlen, "mqtt: malformed SUBACK");
                    goto fail;
                }
                unsigned code = b[2 + pu + pl];
                if (code >= 0x80) {
                    mvg_set_err(err, errlen, "mqtt: %s refused the subscription to %s: %s "
                                "(reason code 0x%02x)", m->cfg.uri, filter, reason_text(code),
                                code);
                    goto fail;
                }
                memmove(m->rbuf + m->consumed + off, m->rbuf + m->consumed + off + plen,
                        m->rlen - (m->consumed + off + plen));
                m->rlen -= plen;
                found = 1;
                break;
            }
            off += 1 + used + rl;
        }
        if (found)
            break;
        /* keep what is there: fill() only moves consumed bytes */
        int f = fill(m, deadline);
        if (f <= 0) {
            mvg_set_err(err, errlen, "mqtt: %s did not acknowledge the subscription",
                        m->cfg.uri);
            goto fail;
        }
    }
    return 0;
fail:
    drop(m);
    return -1;
}

int mvg_hub_mqtt_ack(mvg_hub_mqtt *m, uint16_t id)
{
    if (m->fd < 0)
        return -1;
    unsigned char buf[2];
    wbuf w = {buf, 0, sizeof buf, 0};
    put_u16(&w, id);
    return send_packet(m, P_PUBACK << 4, &w);
}

int mvg_hub_mqtt_publish(mvg_hub_mqtt *m, const char *topic, const char *payload, size_t len)
{
    if (m->fd < 0)
        return -1;
    size_t cap = strlen(topic) + len + 16;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return -1;
    wbuf w = {buf, 0, cap, 0};
    uint16_t id = m->next_id++;
    if (!m->next_id)
        m->next_id = 1;
    put_str(&w, topic);
    put_u16(&w, id);
    put_u8(&w, 0); /* no properties */
    put(&w, payload, len);
    /* QoS 1, retained; the PUBACK is not waited for (mvg_hub_mqtt_next skips it) */
    int rc = send_packet(m, (P_PUBLISH << 4) | 0x2 | 0x1, &w);
    free(buf);
    return rc;
}

static int ping_due(mvg_hub_mqtt *m, int64_t now)
{
    return now - m->last_sent_ms >= (int64_t)m->cfg.keepalive_s * 500;
}

int mvg_hub_mqtt_next(mvg_hub_mqtt *m, mvg_hub_msg *msg, int timeout_ms, char *err,
                      size_t errlen)
{
    if (m->fd < 0) {
        mvg_set_err(err, errlen, "mqtt: not connected");
        return -1;
    }
    int64_t end = mvg_clock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t now = mvg_clock_mono_ms();
        if (m->ping_sent_ms && now - m->ping_sent_ms > (int64_t)m->cfg.keepalive_s * 1000) {
            mvg_set_err(err, errlen, "mqtt: %s did not answer the keep-alive ping", m->cfg.uri);
            drop(m);
            return -1;
        }
        if (ping_due(m, now)) {
            wbuf w = {NULL, 0, 0, 0};
            if (send_packet(m, P_PINGREQ << 4, &w) < 0) {
                mvg_set_err(err, errlen, "mqtt: connection to %s lost", m->cfg.uri);
                drop(m);
                return -1;
            }
            if (!m->ping_sent_ms)
                m->ping_sent_ms = now;
        }
        int64_t until = m->last_sent_ms + (int64_t)m->cfg.keepalive_s * 500;
        if (until > end)
            until = end;
        int type, flags;
        const unsigned char *b;
        size_t n;
        int r = read_packet(m, until, &type, &flags, &b, &n);
        if (r < 0) {
            mvg_set_err(err, errlen, "mqtt: connection to %s lost", m->cfg.uri);
            drop(m);
            return -1;
        }
        if (r == 0) {
            if (mvg_clock_mono_ms() >= end)
                return 0;
            continue;
        }
        if (type == P_PINGRESP) {
            m->ping_sent_ms = 0;
            continue;
        }
        if (type == P_DISCONNECT) {
            mvg_set_err(err, errlen, "mqtt: %s disconnected us: %s", m->cfg.uri,
                        n ? reason_text(b[0]) : "normal");
            drop(m);
            return -1;
        }
        if (type != P_PUBLISH)
            continue; /* e.g. a late SUBACK: nothing to do */
        int qos = (flags >> 1) & 3;
        size_t off = 0;
        if (n < 2)
            goto malformed;
        size_t tl = (size_t)b[0] << 8 | b[1];
        off = 2 + tl;
        if (off > n)
            goto malformed;
        if (tl + 1 > m->topic_cap) {
            char *t = realloc(m->topic, tl + 1);
            if (!t)
                goto malformed;
            m->topic = t;
            m->topic_cap = tl + 1;
        }
        memcpy(m->topic, b + 2, tl);
        m->topic[tl] = '\0';
        uint16_t id = 0;
        if (qos > 0) {
            if (off + 2 > n)
                goto malformed;
            id = (uint16_t)((unsigned)b[off] << 8 | b[off + 1]);
            off += 2;
        }
        uint32_t pl;
        size_t pu;
        if (varint(b + off, n - off, &pl, &pu) <= 0 || off + pu + pl > n)
            goto malformed;
        off += pu + pl; /* properties: none that we use (we allow no topic aliases) */
        *msg = (mvg_hub_msg){m->topic, (const char *)b + off, n - off, flags & 1, qos,
                             (flags >> 3) & 1, id};
        return 1;
    malformed:
        mvg_set_err(err, errlen, "mqtt: malformed PUBLISH from %s", m->cfg.uri);
        drop(m);
        return -1;
    }
}

void mvg_hub_mqtt_disconnect(mvg_hub_mqtt *m)
{
    if (m->fd >= 0) {
        unsigned char buf[2];
        wbuf w = {buf, 0, sizeof buf, 0};
        put_u8(&w, 0);  /* normal disconnection: no will, session kept for its expiry */
        put_u8(&w, 0);
        send_packet(m, P_DISCONNECT << 4, &w);
        if (m->ssl)
            SSL_shutdown(m->ssl);
    }
    drop(m);
}
