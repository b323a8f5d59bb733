/*
 * http_server.h: the HTTP endpoint's server (libmicrohttpd, one thread of
 * its own): GET /metrics (http_metrics.h), / and /api/live (http_live.h),
 * each rendered on request from the latest snapshot the daemon offered.
 * It owns the listening socket, its thread and that snapshot; the pipeline
 * thread only swaps a pointer under a mutex (mvg_http_server_offer), so a
 * slow or stuck client never holds up the loop, and a request that is
 * rendering keeps its own reference to the snapshot it started with.
 * Built into mvgate-http.so only: a gateway without an `http` section maps
 * neither this nor libmicrohttpd (publishers.h).
 */
#ifndef MVG_HTTP_SERVER_H
#define MVG_HTTP_SERVER_H

#include <stddef.h>

#include "config_publish.h"
#include "http_snap.h"

typedef struct mvg_http_server mvg_http_server;

/* Listens on cfg->listen:cfg->port and serves (503 until the first
 * snapshot). NULL with err ("http: cannot listen on ...: Address already in
 * use"). */
mvg_http_server *mvg_http_server_start(const mvg_http_cfg *cfg, char *err, size_t errlen);

/* Takes snap over as what the next requests get; the one it replaces is
 * freed once no request reads it any more. */
void mvg_http_server_offer(mvg_http_server *srv, mvg_http_snap *snap);

/* Stops the thread, closes the socket and frees; NULL is a no-op. */
void mvg_http_server_stop(mvg_http_server *srv);

#endif
