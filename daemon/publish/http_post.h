/*
 * http_post.h: the HTTP client of the InfluxDB writer (influx_pub.h): one
 * connection to one URL, kept alive between requests, that POSTs a body
 * with fixed headers and returns the status, the start of the answer and
 * its Retry-After. It is built twice, and each publisher module links one:
 *
 * - http_post_event.c on libevent's evhttp: plain http:// only, in about
 *   half a MB of resident pages (mvgate-influx.so);
 * - http_post_curl.c on libcurl: https:// as well (mvgate-influx-tls.so).
 *   Debian's libcurl brings its TLS, Kerberos, LDAP, SSH and RTMP
 *   libraries, about 8 MB resident in a process that only loads it and
 *   calls curl_global_init (docs/performance.md), whatever the URL: a
 *   gateway writing to an InfluxDB on its own LAN should not carry them.
 *
 * The writer builds the URL, its query string and every header itself
 * (authorisation included), so that both clients send the same request.
 * evhttp writes to its socket without MSG_NOSIGNAL: the process must
 * ignore SIGPIPE, as mvgated does (daemon/main.c).
 */
#ifndef MVG_HTTP_POST_H
#define MVG_HTTP_POST_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct mvg_http_post mvg_http_post;

typedef struct {
    const char *url;              /* the whole URL, query string included */
    const char *const *headers;   /* "Name: value" each, NULL-terminated */
    int timeout_ms;               /* a whole request, connect included */
    int connect_timeout_ms;       /* libcurl's; evhttp's connect has timeout_ms */
    const atomic_int *stopping;   /* a request in flight ends when it turns 1 */
    const char *ca_file;          /* https://: the CA to verify the server; NULL: the system's */
} mvg_http_post_cfg;

/* What one POST got back. status 0: no answer, err says why. */
typedef struct {
    long status;
    long retry_after_s;           /* the answer's Retry-After in seconds, 0: none */
    char body[4096];              /* the answer's first bytes, NUL-terminated */
    size_t body_len;
    char err[256];
} mvg_http_post_result;

/* The client for cfg (the strings are copied). NULL with err on a URL this
 * build cannot reach (libevent's: anything but http://; libcurl's: anything
 * but http:// and https://), or out of memory. */
mvg_http_post *mvg_http_post_new(const mvg_http_post_cfg *cfg, char *err, size_t errlen);

/* POSTs len bytes of body (not copied: kept until it returns). */
void mvg_http_post_send(mvg_http_post *h, const void *body, size_t len, mvg_http_post_result *res);

void mvg_http_post_free(mvg_http_post *h);

#endif
