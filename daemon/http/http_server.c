/*
 * http_server.c: the endpoint on libmicrohttpd (http_server.h).
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_live.h"
#include "http_metrics.h"

/* A snapshot and the requests reading it: the last one out frees it. */
typedef struct {
    atomic_int refs;
    mvg_http_snap *snap;
} held;

struct mvg_http_server {
    struct MHD_Daemon *mhd;
    pthread_mutex_t mu;
    held *current; /* guarded by mu; NULL until the first offer */
};

static void release(held *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        mvg_http_snap_free(h->snap);
        free(h);
    }
}

static held *acquire_current(mvg_http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    held *h = srv->current;
    if (h)
        atomic_fetch_add(&h->refs, 1);
    pthread_mutex_unlock(&srv->mu);
    return h;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
                 MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)con_cls;
    mvg_http_server *srv = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *upload_size = 0;
        return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    }
    int metrics = strcmp(url, "/metrics") == 0, live = strcmp(url, "/api/live") == 0;
    if (strcmp(url, "/") == 0)
        return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)mvg_http_live_page(),
                     strlen(mvg_http_live_page()), MHD_RESPMEM_PERSISTENT);
    if (!metrics && !live)
        return plain(c, MHD_HTTP_NOT_FOUND, "not found: /metrics, /api/live and / are served\n");
    held *h = acquire_current(srv);
    if (!h)
        return plain(c, MHD_HTTP_SERVICE_UNAVAILABLE, "mvgated is starting\n");
    size_t len = 0;
    char *body = metrics ? mvg_http_metrics(h->snap, &len) : mvg_http_live_json(h->snap, &len);
    release(h);
    if (!body)
        return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return reply(c, MHD_HTTP_OK,
                 metrics ? "text/plain; version=0.0.4; charset=utf-8"
                         : "application/json",
                 body, len, MHD_RESPMEM_MUST_FREE);
}

/* The socket is ours, so that a failure to bind says why (libmicrohttpd
 * only says that it failed). */
static int listen_on(const mvg_http_cfg *cfg, int *v6, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->listen, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof *a4;
        *v6 = 0;
    } else if (inet_pton(AF_INET6, cfg->listen, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof *a6;
        *v6 = 1;
    } else {
        snprintf(err, errlen, "http: listen address '%s' is not numeric", cfg->listen);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (*v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) {
        const char *why = strerror(errno);
        snprintf(err, errlen, "http: cannot listen on %s%s%s:%d: %s", *v6 ? "[" : "",
                 cfg->listen, *v6 ? "]" : "", cfg->port, why);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

mvg_http_server *mvg_http_server_start(const mvg_http_cfg *cfg, char *err, size_t errlen)
{
    int v6 = 0;
    int fd = listen_on(cfg, &v6, err, errlen);
    if (fd < 0)
        return NULL;
    mvg_http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        close(fd);
        snprintf(err, errlen, "http: out of memory");
        return NULL;
    }
    pthread_mutex_init(&srv->mu, NULL);
    /* one thread polls every connection; a request is rendered in it from
     * memory, so a handful of clients at once is plenty for an installer's
     * browser and a Prometheus scraper */
    srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                                    (v6 ? MHD_USE_IPv6 : 0),
                                (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                MHD_OPTION_END);
    if (!srv->mhd) {
        snprintf(err, errlen, "http: cannot start the server on %s:%d", cfg->listen, cfg->port);
        close(fd);
        pthread_mutex_destroy(&srv->mu);
        free(srv);
        return NULL;
    }
    return srv;
}

void mvg_http_server_offer(mvg_http_server *srv, mvg_http_snap *snap)
{
    held *h = malloc(sizeof *h);
    if (!h) {
        mvg_http_snap_free(snap); /* the previous snapshot is served a second longer */
        return;
    }
    atomic_init(&h->refs, 1);
    h->snap = snap;
    pthread_mutex_lock(&srv->mu);
    held *old = srv->current;
    srv->current = h;
    pthread_mutex_unlock(&srv->mu);
    release(old);
}

void mvg_http_server_stop(mvg_http_server *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->mhd); /* waits for its thread: no request reads a snapshot after */
    release(srv->current);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}
