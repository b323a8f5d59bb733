/*
 * http_post_event.c: the InfluxDB writer's HTTP client on libevent's evhttp
 * (http_post.h), for http:// URLs. It owns an event base of its own, run
 * only by the calling thread while a request is in flight, the connection
 * (kept alive between requests), the request's headers and a tick that
 * ends a request on the writer's stop or at its deadline.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "http_post.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"

#define TICK_MS 100

struct mvg_http_post {
    struct event_base *base;
    struct evhttp_connection *conn;
    struct event *tick;
    char *path;                 /* path and query of the request line */
    char *host;                 /* the Host header: host[:port] as in the URL */
    char **names, **values;     /* the fixed headers */
    size_t nheaders;
    int timeout_ms;
    const atomic_int *stopping;
    int kept_alive;             /* the last request left the connection open */

    /* the request in flight */
    struct evhttp_request *req; /* NULL once it ended (libevent frees it) */
    mvg_http_post_result *res;
    int64_t deadline_ms;        /* monotonic */
    int failed;                 /* ended without an answer */
    enum evhttp_request_error why;
    int why_errno;
};

static int supports(const char *url)
{
    return strncmp(url, "http://", 7) == 0;
}

/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date. */
static long retry_after_s(const char *v)
{
    if (!v)
        return 0;
    char *end;
    long s = strtol(v, &end, 10);
    if (end != v && *end == '\0')
        return s > 0 ? s : 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!rest || *rest)
        return 0;
    int64_t at = (int64_t)timegm(&tm) * 1000 - mvg_clock_real_ms();
    return at > 0 ? (long)((at + 999) / 1000) : 0;
}

static void on_error(enum evhttp_request_error why, void *arg)
{
    mvg_http_post *h = arg;
    h->why = why;
    h->why_errno = errno;
}

static void on_done(struct evhttp_request *req, void *arg)
{
    mvg_http_post *h = arg;
    if (!h->req)
        return; /* ended by the tick */
    h->req = NULL;
    mvg_http_post_result *res = h->res;
    if (!req || !evhttp_request_get_response_code(req)) {
        h->failed = 1;
        h->kept_alive = 0;
        return;
    }
    res->status = evhttp_request_get_response_code(req);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    res->retry_after_s = retry_after_s(evhttp_find_header(in, "Retry-After"));
    res->body_len = evbuffer_copyout(evhttp_request_get_input_buffer(req), res->body,
                                     sizeof res->body - 1);
    res->body[res->body_len] = '\0';
    const char *conn = evhttp_find_header(in, "Connection");
    h->kept_alive = !(conn && strcasecmp(conn, "close") == 0);
}

/* Ends the request on stop or at its deadline: cancelled, the connection
 * reset. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    mvg_http_post *h = arg;
    int stop = atomic_load(h->stopping);
    if (!h->req || (!stop && mvg_clock_mono_ms() < h->deadline_ms))
        return;
    struct evhttp_request *req = h->req;
    h->req = NULL; /* the cancel may call on_done: nothing to take from it */
    snprintf(h->res->err, sizeof h->res->err, "%s",
             stop ? "stopped" : "no answer within the timeout");
    h->kept_alive = 0;
    evhttp_cancel_request(req);
}

static void why_text(const mvg_http_post *h, char *out, size_t len)
{
    const char *what = "the connection failed";
    switch (h->why) {
    case EVREQ_HTTP_TIMEOUT: what = "no answer within the timeout"; break;
    case EVREQ_HTTP_EOF: what = "no connection, or it closed before the answer"; break;
    case EVREQ_HTTP_INVALID_HEADER: what = "the answer's header is not HTTP"; break;
    case EVREQ_HTTP_BUFFER_ERROR: what = "reading or writing the connection failed"; break;
    case EVREQ_HTTP_REQUEST_CANCEL: what = "cancelled"; break;
    case EVREQ_HTTP_DATA_TOO_LONG: what = "the answer is too long"; break;
    }
    /* errno as libevent leaves it names the cause only for these; else it
     * is a leftover (EINPROGRESS of the connect, say) */
    int e = h->why_errno;
    int telling = e == ECONNREFUSED || e == ECONNRESET || e == EHOSTUNREACH ||
                  e == ENETUNREACH || e == ETIMEDOUT || e == EPIPE;
    if (telling)
        snprintf(out, len, "%s (%s)", what, strerror(e));
    else
        snprintf(out, len, "%s", what);
}

/* One attempt. 0 when it got an answer or ended by the tick, -1 when it
 * failed for want of one (res->err says why). */
static int attempt(mvg_http_post *h, const void *body, size_t len, mvg_http_post_result *res)
{
    /* a close of the idle connection by the server, seen before reusing it */
    event_base_loop(h->base, EVLOOP_NONBLOCK);
    struct evhttp_request *req = evhttp_request_new(on_done, h);
    if (!req) {
        snprintf(res->err, sizeof res->err, "out of memory");
        return 0;
    }
    evhttp_request_set_error_cb(req, on_error);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    int bad = evhttp_add_header(out, "Host", h->host) |
              evhttp_add_header(out, "User-Agent", "mvgate");
    for (size_t i = 0; i < h->nheaders; i++)
        bad |= evhttp_add_header(out, h->names[i], h->values[i]);
    /* by reference: the body stays the caller's until this returns */
    bad |= evbuffer_add_reference(evhttp_request_get_output_buffer(req), body, len, NULL, NULL);
    if (bad) {
        evhttp_request_free(req);
        snprintf(res->err, sizeof res->err, "cannot build the request");
        return 0;
    }
    h->res = res;
    h->failed = 0;
    h->why = EVREQ_HTTP_EOF;
    h->why_errno = 0;
    h->deadline_ms = mvg_clock_mono_ms() + h->timeout_ms;
    /* in flight before it is made: a connect that fails at once ends it
     * inside evhttp_make_request, through on_done */
    h->req = req;
    if (evhttp_make_request(h->conn, req, EVHTTP_REQ_POST, h->path) != 0) {
        /* Not queued. Whether libevent freed it depends on where it
         * failed (a strdup, the socket), so it is left alone: a few
         * hundred bytes lost on a failure this rare, not a double free. */
        h->req = NULL;
        snprintf(res->err, sizeof res->err, "cannot send the request");
        h->kept_alive = 0;
        return -1;
    }
    /* evhttp writes the header and the body apart: with Nagle's algorithm
     * the body waits for the server's delayed ACK of the header, 40 ms a
     * request (libcurl sets TCP_NODELAY too). The socket of a new
     * connection exists once evhttp_make_request has started its connect. */
    evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(h->conn));
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {0, TICK_MS * 1000};
    event_add(h->tick, &tv);
    while (h->req)
        event_base_loop(h->base, EVLOOP_ONCE);
    event_del(h->tick);
    if (h->failed) {
        why_text(h, res->err, sizeof res->err);
        return -1;
    }
    return 0;
}

void mvg_http_post_send(mvg_http_post *h, const void *body, size_t len, mvg_http_post_result *res)
{
    res->status = res->retry_after_s = 0;
    res->body[0] = res->err[0] = '\0';
    res->body_len = 0;
    /* A connection the server closed while it was idle fails the request
     * sent on it: that one is sent again at once on a new connection, as
     * libcurl does, rather than counted as a failure. */
    int reused = h->kept_alive;
    if (attempt(h, body, len, res) < 0 && reused && !atomic_load(h->stopping)) {
        res->err[0] = '\0';
        attempt(h, body, len, res);
    }
}

/* The request line's path and query, the Host header (as the URL spells
 * host and port: an IPv6 literal in brackets, as evhttp_uri keeps it) and
 * the host and port to connect to (the literal without its brackets). */
static int split_url(mvg_http_post *h, const char *url, char **host, int *port, char *err,
                     size_t errlen)
{
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *hs = u ? evhttp_uri_get_host(u) : NULL;
    if (!hs || !*hs) {
        snprintf(err, errlen, "%s: not a URL with a host", url);
        evhttp_uri_free(u);
        return -1;
    }
    int given = evhttp_uri_get_port(u);
    *port = given > 0 ? given : 80;
    size_t n = strlen(hs);
    int bracketed = n > 2 && hs[0] == '[' && hs[n - 1] == ']';
    const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    if (!path || !*path)
        path = "/";
    size_t plen = strlen(path) + (query ? strlen(query) + 1 : 0) + 1, hlen = n + 8;
    h->path = malloc(plen);
    h->host = malloc(hlen);
    *host = bracketed ? strndup(hs + 1, n - 2) : strdup(hs);
    int ok = h->path && h->host && *host;
    if (ok) {
        snprintf(h->path, plen, "%s%s%s", path, query ? "?" : "", query ? query : "");
        if (given > 0)
            snprintf(h->host, hlen, "%s:%d", hs, given);
        else
            snprintf(h->host, hlen, "%s", hs);
    }
    evhttp_uri_free(u);
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

mvg_http_post *mvg_http_post_new(const mvg_http_post_cfg *cfg, char *err, size_t errlen)
{
    if (!supports(cfg->url)) {
        snprintf(err, errlen, "%s: this module writes to http:// URLs only (https:// is "
                 "mvgate-influx-tls.so's)", cfg->url);
        return NULL;
    }
    mvg_http_post *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->stopping = cfg->stopping;
    h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
    char *host = NULL;
    int port = 0;
    if (split_url(h, cfg->url, &host, &port, err, errlen) < 0)
        goto fail;
    size_t n = 0;
    while (cfg->headers && cfg->headers[n])
        n++;
    h->names = calloc(n + 1, sizeof *h->names);
    h->values = calloc(n + 1, sizeof *h->values);
    if (!h->names || !h->values)
        goto oom;
    h->nheaders = n; /* freed by count: the entries not set are NULL */
    for (size_t i = 0; i < n; i++) {
        const char *s = cfg->headers[i], *colon = strchr(s, ':');
        if (!colon) {
            snprintf(err, errlen, "header \"%.64s\" has no ':'", s);
            goto fail;
        }
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (!(h->names[i] = strndup(s, (size_t)(colon - s))) || !(h->values[i] = strdup(v)))
            goto oom;
    }
    h->base = event_base_new();
    h->conn = h->base ? evhttp_connection_base_new(h->base, NULL, host, (unsigned short)port)
                      : NULL;
    h->tick = h->base ? event_new(h->base, -1, EV_PERSIST, on_tick, h) : NULL;
    if (!h->conn || !h->tick) {
        snprintf(err, errlen, "cannot set up the connection to %s:%d", host, port);
        goto fail;
    }
    /* evhttp has one timeout, for each read and write and the connect
     * alike: the whole request's, which the tick keeps as a deadline too.
     * (connect_timeout_ms is libcurl's: a connect evhttp cannot make ends
     * with the request's timeout instead.) */
    struct timeval tv = {h->timeout_ms / 1000, (h->timeout_ms % 1000) * 1000};
    evhttp_connection_set_timeout_tv(h->conn, &tv);
    free(host);
    return h;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    free(host);
    mvg_http_post_free(h);
    return NULL;
}

void mvg_http_post_free(mvg_http_post *h)
{
    if (!h)
        return;
    if (h->conn)
        evhttp_connection_free(h->conn);
    if (h->tick)
        event_free(h->tick);
    if (h->base)
        event_base_free(h->base);
    for (size_t i = 0; i < h->nheaders; i++) {
        free(h->names[i]);
        if (h->values[i]) {
            explicit_bzero(h->values[i], strlen(h->values[i])); /* a token among them */
            free(h->values[i]);
        }
    }
    free(h->names);
    free(h->values);
    free(h->path);
    free(h->host);
    free(h);
}
