/*
 * influx_pub.h: the InfluxDB publisher. It owns one writer thread that
 * drains the store's "influx" outbox (its own SQLite connection, see
 * outbox.h) into an InfluxDB server over HTTP: entries are taken in id
 * order, concatenated into one line-protocol body up to the batch limits,
 * POSTed (v1 /write or v2 /api/v2/write, precision ms) on one kept-alive
 * connection (http_post.h: libevent's client for http://, libcurl's for
 * https://), and acked only after the server answered 204.
 *
 * Delivery: at least once, in order. A failed batch (network error, 5xx,
 * 429) is resent as it was, with exponential backoff, never skipped and
 * never overtaken; rewriting a point is idempotent in InfluxDB, so a resend
 * after a lost answer does no harm. 401/403/404 (credentials, missing
 * database or bucket) are retried slowly (at the maximum backoff) so that a
 * fix on the server lets the writer resume without losing anything. A 413
 * halves the batch limits and resends the same entries in smaller batches.
 * 400 and 422 (and 413 for a single entry) mean the server refused data in
 * the batch; InfluxDB keeps the good lines of such a partial write, and
 * resending at once would fail again and block everything behind it. So the
 * batch is halved (its good lines rewritten, harmlessly) until each refused
 * entry is alone, and that entry is parked in the outbox (outbox.h) with
 * the status, the server's error text and the refused line: nothing is
 * lost, interval records included. Parked entries are listed by `mvgate
 * export --what refused` and sent again, after the cause was fixed, at the
 * next start or reload and on `mvgate outbox resend` (the writer looks for
 * such a request every second).
 */
#ifndef MVG_INFLUX_PUB_H
#define MVG_INFLUX_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "config_publish.h"

/* The writer takes the influx section as the config loader checked it
 * (mvg_influx_cfg, config_publish.h): it checks nothing again. Programs that
 * build one without a file start from mvg_config_influx_defaults(). */

typedef struct {
    uint64_t delivered;         /* entries acked after a 204 */
    uint64_t batches;           /* batches answered 204 */
    uint64_t lines;             /* lines in those batches */
    uint64_t rejected;          /* entries refused (400/422, 413 alone) and parked (see above) */
    uint64_t rejected_batches;  /* the same, counted per request that parked */
    uint64_t failures;          /* attempts that failed (network, 5xx, 429, 401/403/404, 413, ...) */
    uint64_t retries;           /* resends of a batch that had failed */
    uint64_t bytes_sent;        /* request bodies as sent (compressed when gzip) */
    int last_status;            /* HTTP status of the last attempt; 0: no answer */
    int64_t last_ok_ms;         /* UTC epoch ms of the last 204; 0: none yet */
    char last_error[512];       /* "" after a success */
    char last_rejected[512];    /* server error text of the last refused entry */
    char first_bad_line[512];   /* first refused line of it, when it could be found */
} mvg_influx_stats;

typedef struct mvg_influx_pub mvg_influx_pub;

/* Reads the secret files, opens the outbox of the database at
 * db_path and starts the writer thread. Call from the main thread before
 * other threads use libcurl (libcurl's client calls curl_global_init). NULL
 * with err. */
mvg_influx_pub *mvg_influx_pub_start(const mvg_influx_cfg *cfg, const char *db_path, char *err,
                                     size_t errlen);
/* Stops the thread (an HTTP request in progress is abandoned within about a
 * second, curl's progress callback period and evhttp's tick (100 ms); its
 * batch stays in the outbox)
 * and frees everything. NULL is a no-op. */
void mvg_influx_pub_stop(mvg_influx_pub *p);
/* New entries are in the outbox: look now (does not cut a backoff short). */
void mvg_influx_pub_kick(mvg_influx_pub *p);
void mvg_influx_pub_get_stats(mvg_influx_pub *p, mvg_influx_stats *st);

/* Internal, exposed for tests: the first line of body (len bytes of line
 * protocol) that the InfluxDB error text err points at ("unable to parse
 * '...'" or a field type conflict naming measurement, field and type),
 * copied into out. Returns 0, or -1 when none can be identified (out ""). */
int mvg_influx_find_bad_line(const char *body, size_t len, const char *err, char *out,
                             size_t outlen);

#endif
