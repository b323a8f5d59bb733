/*
 * influx_pub.c: the InfluxDB writer thread. It owns the HTTP client
 * (http_post.h: libevent's or libcurl's, whichever the module links), the
 * request it sends (URL, headers, authorisation), the secrets read at start,
 * the batch in flight and the publisher statistics; the outbox connection is
 * its own (outbox.h).
 */
#define _DEFAULT_SOURCE
#include "influx_pub.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "clock.h"
#include "http_post.h"
#include "log.h"
#include "outbox.h"
#include "secret.h"
#include "vec.h"

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

struct mvg_influx_pub {
    mvg_influx_cfg cfg;         /* as started, without the secret files' names */
    char *url_full;             /* the write URL with its query string */
    char *secret;               /* v1 password or v2 token */
    char *auth_header;          /* "Authorization: Token ..." (v2) or "... Basic ..." (v1) */
    mvg_outbox *ob;
    mvg_http_post *http;
    mvg_http_post_result res;   /* the last POST's answer */

    /* the batch in flight */
    int64_t *ids;
    size_t nids, ids_cap;
    size_t nlines;
    buf_t body, gz;
    int64_t cursor;             /* last id acked or parked */
    size_t lim_lines, lim_bytes;/* batch limits: the configured ones, halved by a 413 */
    /* A 400 refuses lines somewhere in a batch: the batch is halved until
     * the refused entries are alone, and only they are parked. split is
     * the entries per batch until the cursor passes suspect_end (0: none). */
    size_t split;
    int64_t suspect_end;
    int64_t unpark_last_ms;     /* monotonic: the last look for a resend request */
    mvg_log_once fail_log, refused_log;

    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked;
    atomic_int stopping;
    mvg_influx_stats st;        /* under mu */
};

static int buf_reserve(buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(buf_t *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static void set_error(mvg_influx_pub *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(mvg_influx_pub *p, int status, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&p->mu);
    va_start(ap, fmt);
    vsnprintf(p->st.last_error, sizeof p->st.last_error, fmt, ap);
    va_end(ap);
    p->st.last_status = status;
    p->st.failures++;
    pthread_mutex_unlock(&p->mu);
}

/* ---- HTTP ---- */

static int gzip_body(mvg_influx_pub *p)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* Level 1: line protocol is very repetitive, so even the fastest level
     * shrinks it several times, and the gateway's CPU is small. */
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&zs, (uLong)p->body.len);
    p->gz.len = 0;
    if (buf_reserve(&p->gz, bound) < 0) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)p->body.p;
    zs.avail_in = (uInt)p->body.len;
    zs.next_out = (Bytef *)p->gz.p;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    p->gz.len = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* POSTs the batch. Returns the HTTP status, or 0 when there was no answer
 * (p->res.err says why); p->res has the rest of the answer. */
static long post_batch(mvg_influx_pub *p)
{
    const buf_t *b = &p->body;
    if (p->cfg.gzip) {
        if (gzip_body(p) < 0) {
            p->res = (mvg_http_post_result){.err = "gzip compression failed"};
            return 0;
        }
        b = &p->gz;
    }
    mvg_http_post_send(p->http, b->p, b->len, &p->res);
    long status = p->res.status;
    if (!status)
        return 0;
    pthread_mutex_lock(&p->mu);
    p->st.bytes_sent += b->len;
    pthread_mutex_unlock(&p->mu);
    return status;
}

/* The "error" member of InfluxDB's JSON answer, else the raw answer. */
static void server_error(const mvg_http_post_result *resp, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!resp->body_len)
        return;
    json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
    const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
    if (!e && j)
        e = json_string_value(json_object_get(j, "message")); /* v2 */
    snprintf(out, outlen, "%.*s", (int)(outlen ? outlen - 1 : 0), e ? e : resp->body);
    json_decref(j);
    size_t n = strlen(out);
    while (n && isspace((unsigned char)out[n - 1]))
        out[--n] = '\0';
}

/* ---- the batch ---- */

static size_t count_lines(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    if (len && s[len - 1] != '\n')
        n++;
    return n;
}

/* Fills the batch with the next entries after the cursor, in id order, up
 * to the limits (at least one entry, however big). Returns the number of
 * entries, 0 when the outbox is empty, -1 on a database error. */
static int build_batch(mvg_influx_pub *p)
{
    p->nids = 0;
    p->nlines = 0;
    p->body.len = 0;
    size_t max = p->cfg.batch_lines < 1000 ? p->cfg.batch_lines : 1000;
    int64_t after = p->cursor;
    char err[256];
    mvg_outbox_entry *e = calloc(max, sizeof *e);
    if (!e)
        return -1;
    int full = 0;
    while (!full) {
        size_t n = 0;
        if (mvg_outbox_fetch(p->ob, after, max, e, &n, err, sizeof err) < 0) {
            set_error(p, 0, "%s", err);
            mvg_log_once_hit(&p->fail_log, MVG_LOG_WARN, err, "%s", err);
            free(e);
            return p->nids ? (int)p->nids : -1;
        }
        if (!n)
            break;
        for (size_t i = 0; i < n && !full; i++) {
            if (p->split && p->nids >= p->split) {
                full = 1;
                break;
            }
            size_t lines = count_lines(e[i].payload, e[i].len);
            int nl = e[i].len && e[i].payload[e[i].len - 1] != '\n'; /* one to add */
            if (p->nids && (p->nlines + lines > p->lim_lines ||
                            p->body.len + e[i].len + (size_t)nl > p->lim_bytes)) {
                full = 1;
                break;
            }
            int64_t *ids = mvg_vec_reserve(p->ids, p->nids, &p->ids_cap, sizeof *ids, 1024);
            if (!ids) {
                full = 1;
                break;
            }
            p->ids = ids;
            if (buf_add(&p->body, e[i].payload, e[i].len) < 0 ||
                (nl && buf_add(&p->body, "\n", 1) < 0)) {
                full = 1;
                break;
            }
            p->ids[p->nids++] = e[i].id;
            p->nlines += lines;
            after = e[i].id;
        }
        mvg_outbox_entries_free(e, n);
        if (n < max)
            break;
    }
    free(e);
    return (int)p->nids;
}

static int ack_batch(mvg_influx_pub *p)
{
    char err[256];
    for (size_t i = 0; i < p->nids; i++) {
        if (mvg_outbox_ack(p->ob, p->ids[i], err, sizeof err) < 0) {
            set_error(p, 0, "%s", err);
            mvg_log_once_hit(&p->fail_log, MVG_LOG_WARN, err, "%s", err);
            return -1;
        }
    }
    p->cursor = p->ids[p->nids - 1];
    return 0;
}

/* The single entry of the batch was refused (HTTP status, InfluxDB's
 * words): parked in the outbox, kept for export and resend, and counted. */
static int park_entry(mvg_influx_pub *p, long status, const char *srv, const char *line)
{
    char err[256], why[1100];
    snprintf(why, sizeof why, "%s%s%s", srv, line[0] ? "; refused line: " : "", line);
    if (mvg_outbox_park(p->ob, p->ids[0], (int)status, why, mvg_clock_real_ms(), err,
                        sizeof err) < 0) {
        set_error(p, 0, "%s", err);
        mvg_log_once_hit(&p->fail_log, MVG_LOG_WARN, err, "%s", err);
        return -1;
    }
    p->cursor = p->ids[0];
    if (p->cursor >= p->suspect_end)
        p->split = 0;
    char key[32];
    snprintf(key, sizeof key, "http %ld", status);
    mvg_log_once_hit(&p->refused_log, MVG_LOG_WARN, key,
                     "influx: HTTP %ld: InfluxDB refuses lines: %s%s%s; the refused entries are "
                     "kept (mvgate export --what refused) and sent again by mvgate outbox resend "
                     "once the cause is fixed",
                     status, srv, line[0] ? "; refused line: " : "", line);
    return 0;
}

/* Unparks what an operator asked to resend (the first call after start:
 * everything parked before); the cursor goes back to the start of the
 * outbox. Not by time: a 400 is refused again until the cause is fixed.
 * Not more than once a second. */
static void unpark(mvg_influx_pub *p)
{
    int64_t now = mvg_clock_mono_ms();
    if (p->unpark_last_ms && now - p->unpark_last_ms < 1000)
        return;
    p->unpark_last_ms = now;
    char err[256];
    int64_t n = mvg_outbox_unpark(p->ob, INT64_MIN, err, sizeof err);
    if (n < 0) {
        set_error(p, 0, "%s", err);
        mvg_log_once_hit(&p->fail_log, MVG_LOG_WARN, err, "%s", err);
    } else if (n > 0) {
        mvg_log(MVG_LOG_NOTICE, "influx: sending %lld refused entries again", (long long)n);
        mvg_log_once_clear(&p->refused_log, MVG_LOG_INFO, "influx: refusals before the resend");
        p->cursor = 0;
    }
}

/* Waits up to ms on the monotonic clock; kicks end it only when wake_on_kick. */
static void wait_ms(mvg_influx_pub *p, int ms, int wake_on_kick)
{
    struct timespec dl;
    mvg_clock_mono_deadline(ms, &dl);
    pthread_mutex_lock(&p->mu);
    while (!atomic_load(&p->stopping) && !(wake_on_kick && p->kicked)) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT)
            break;
    }
    if (wake_on_kick)
        p->kicked = 0;
    pthread_mutex_unlock(&p->mu);
}

static void *writer_main(void *arg)
{
    mvg_influx_pub *p = arg;
    int have_batch = 0, attempts = 0;
    int backoff = p->cfg.backoff_min_ms;
    char srv[512];
    while (!atomic_load(&p->stopping)) {
        if (!have_batch) {
            pthread_mutex_lock(&p->mu);
            p->kicked = 0; /* whatever was kicked so far is in this fetch */
            pthread_mutex_unlock(&p->mu);
            /* the first look after start takes everything parked before */
            unpark(p);
            int n = build_batch(p);
            if (n <= 0) {
                wait_ms(p, n < 0 ? backoff : p->cfg.poll_ms, n == 0);
                continue;
            }
            have_batch = 1;
            attempts = 0;
        }
        if (attempts++) {
            pthread_mutex_lock(&p->mu);
            p->st.retries++;
            pthread_mutex_unlock(&p->mu);
        }
        long status = post_batch(p);
        if (atomic_load(&p->stopping))
            break;
        if (status == 204 || status == 200) {
            if (ack_batch(p) < 0) {
                /* Resending is harmless (idempotent); the acks are retried with it. */
                wait_ms(p, backoff, 0);
                continue;
            }
            pthread_mutex_lock(&p->mu);
            p->st.delivered += p->nids;
            p->st.batches++;
            p->st.lines += p->nlines;
            p->st.last_status = (int)status;
            p->st.last_ok_ms = mvg_clock_real_ms();
            p->st.last_error[0] = '\0';
            pthread_mutex_unlock(&p->mu);
            mvg_log_once_clear(&p->fail_log, MVG_LOG_NOTICE, "influx: writing again");
            if (p->split && p->cursor >= p->suspect_end)
                p->split = 0;
            have_batch = 0;
            backoff = p->cfg.backoff_min_ms;
        } else if (status == 413 && p->nids > 1) {
            /* The server's body limit is below ours: send the same entries,
             * in the same order, in smaller batches from now on. */
            p->lim_lines = p->nlines / 2 ? p->nlines / 2 : 1;
            p->lim_bytes = p->body.len / 2 ? p->body.len / 2 : 1;
            set_error(p, 413, "influx: HTTP 413: a batch of %zu lines, %zu bytes is too large; "
                      "batches limited to %zu lines, %zu bytes",
                      p->nlines, p->body.len, p->lim_lines, p->lim_bytes);
            mvg_log(MVG_LOG_WARN, "influx: HTTP 413 for %zu lines, %zu bytes: halving the batches",
                    p->nlines, p->body.len);
            have_batch = 0;
        } else if ((status == 400 || status == 422 || status == 413) && p->nids > 1) {
            /* Refused lines somewhere in the batch (InfluxDB kept the good
             * ones of a partial write; rewriting them is idempotent): halve
             * until the refused entries are alone, park only those. */
            p->split = p->nids / 2;
            p->suspect_end = p->ids[p->nids - 1];
            have_batch = 0;
        } else if (status == 400 || status == 422 || status == 413) {
            /* 413 here: one entry alone is too large, it can never pass. */
            server_error(&p->res, srv, sizeof srv);
            char line[512];
            mvg_influx_find_bad_line(p->body.p, p->body.len, srv, line, sizeof line);
            if (park_entry(p, status, srv, line) < 0) {
                wait_ms(p, backoff, 0);
                continue;
            }
            pthread_mutex_lock(&p->mu);
            p->st.rejected++;
            p->st.rejected_batches++;
            p->st.last_status = (int)status;
            snprintf(p->st.last_rejected, sizeof p->st.last_rejected, "%s", srv);
            snprintf(p->st.first_bad_line, sizeof p->st.first_bad_line, "%s", line);
            pthread_mutex_unlock(&p->mu);
            have_batch = 0;
            backoff = p->cfg.backoff_min_ms;
        } else {
            int slow = status == 401 || status == 403 || status == 404;
            if (status) {
                server_error(&p->res, srv, sizeof srv);
                set_error(p, (int)status, "influx: HTTP %ld%s: %s", status,
                          status == 404   ? " (database or bucket missing?)"
                          : slow          ? " (credentials refused)"
                                          : "",
                          srv);
            } else {
                set_error(p, 0, "influx: %s: %s", p->cfg.url, p->res.err);
            }
            /* once per change of problem, not once per attempt */
            char last[sizeof p->st.last_error];
            pthread_mutex_lock(&p->mu);
            memcpy(last, p->st.last_error, sizeof last);
            pthread_mutex_unlock(&p->mu);
            mvg_log_once_hit(&p->fail_log, MVG_LOG_WARN, last, "%s; retrying", last);
            int delay = slow ? p->cfg.backoff_max_ms : backoff;
            long after_s = status ? p->res.retry_after_s : 0; /* of a 429 or 503 */
            if (after_s > 0)
                delay = after_s * 1000 > p->cfg.backoff_max_ms ? p->cfg.backoff_max_ms
                        : after_s * 1000 > delay             ? (int)(after_s * 1000)
                                                             : delay;
            wait_ms(p, delay, 0);
            if (!slow)
                backoff = backoff > p->cfg.backoff_max_ms / 2 ? p->cfg.backoff_max_ms : backoff * 2;
        }
    }
    return NULL;
}

/* ---- start / stop ---- */

static void pub_free(mvg_influx_pub *p)
{
    if (!p)
        return;
    mvg_http_post_free(p->http);
    mvg_outbox_close(p->ob);
    mvg_secret_free(p->secret);
    if (p->auth_header) {
        explicit_bzero(p->auth_header, strlen(p->auth_header));
        free(p->auth_header);
    }
    free(p->url_full);
    free(p->ids);
    free(p->body.p);
    free(p->gz.p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

/* Appends "&key=value" (or "?..." first) to the URL buffer, the value
 * percent-encoded but for RFC 3986's unreserved characters. */
static int url_param(buf_t *u, const char *key, const char *value)
{
    int rc = buf_add(u, strchr(u->p, '?') ? "&" : "?", 1) | buf_add(u, key, strlen(key)) |
             buf_add(u, "=", 1);
    for (const unsigned char *c = (const unsigned char *)value; *c && !rc; c++) {
        char esc[4];
        int unreserved = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                         (*c >= '0' && *c <= '9') || strchr("-._~", *c);
        if (unreserved)
            rc = buf_add(u, (const char *)c, 1);
        else
            rc = buf_add(u, esc, (size_t)snprintf(esc, sizeof esc, "%%%02X", *c));
    }
    return rc ? -1 : 0;
}

static int build_url(mvg_influx_pub *p)
{
    buf_t u = {0};
    size_t n = strlen(p->cfg.url);
    while (n && p->cfg.url[n - 1] == '/')
        n--;
    const char *path = p->cfg.version == 2 ? "/api/v2/write" : "/write";
    int rc = buf_add(&u, p->cfg.url, n) | buf_add(&u, path, strlen(path));
    if (p->cfg.version == 2) {
        rc |= url_param(&u, "org", p->cfg.org) | url_param(&u, "bucket", p->cfg.bucket);
    } else {
        rc |= url_param(&u, "db", p->cfg.db);
        if (p->cfg.rp[0])
            rc |= url_param(&u, "rp", p->cfg.rp);
    }
    rc |= url_param(&u, "precision", "ms");
    if (rc) {
        free(u.p);
        return -1;
    }
    p->url_full = u.p;
    return 0;
}

/* v1's "Authorization: Basic base64(user:password)", sent with every
 * request (InfluxDB does not ask first). */
static int basic_auth(mvg_influx_pub *p)
{
    size_t ulen = strlen(p->cfg.username), plen = strlen(p->secret), n = ulen + 1 + plen;
    unsigned char *cred = malloc(n);
    size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    size_t hlen = sizeof "Authorization: Basic " + b64;
    p->auth_header = malloc(hlen);
    if (!cred || !p->auth_header) {
        free(cred);
        return -1;
    }
    memcpy(cred, p->cfg.username, ulen);
    cred[ulen] = ':';
    memcpy(cred + ulen + 1, p->secret, plen);
    int k = snprintf(p->auth_header, hlen, "Authorization: Basic ");
    sodium_bin2base64(p->auth_header + k, hlen - (size_t)k, cred, n,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(cred, n);
    free(cred);
    return 0;
}

mvg_influx_pub *mvg_influx_pub_start(const mvg_influx_cfg *cfg, const char *db_path, char *err,
                                     size_t errlen)
{
    if (!cfg || !db_path) {
        snprintf(err, errlen, "influx: configuration and database path are required");
        return NULL;
    }
    mvg_influx_pub *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "influx: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);

    p->cfg = *cfg;
    /* secrets are read here, their file names not kept */
    p->cfg.password_file[0] = p->cfg.token_file[0] = '\0';
    /* the tuning that is not configuration: 0 takes the built-in values */
    if (!p->cfg.batch_bytes)
        p->cfg.batch_bytes = 1024 * 1024;
    if (!p->cfg.backoff_min_ms)
        p->cfg.backoff_min_ms = 500;
    if (!p->cfg.backoff_max_ms)
        p->cfg.backoff_max_ms = 60000;
    if (p->cfg.backoff_max_ms < p->cfg.backoff_min_ms)
        p->cfg.backoff_max_ms = p->cfg.backoff_min_ms;
    if (!p->cfg.poll_ms)
        p->cfg.poll_ms = 1000;
    p->lim_lines = (size_t)p->cfg.batch_lines;
    p->lim_bytes = p->cfg.batch_bytes;

    if (cfg->version == 2) {
        p->secret = mvg_secret_read("influx: token_file", cfg->token_file, err, errlen);
        if (!p->secret)
            goto fail;
        size_t n = strlen(p->secret) + sizeof "Authorization: Token ";
        p->auth_header = malloc(n);
        if (!p->auth_header)
            goto oom;
        snprintf(p->auth_header, n, "Authorization: Token %s", p->secret);
    } else if (p->cfg.username[0]) {
        p->secret = mvg_secret_read("influx: password_file", cfg->password_file, err, errlen);
        if (!p->secret)
            goto fail;
        if (basic_auth(p) < 0)
            goto oom;
    }
    if (build_url(p) < 0)
        goto oom;
    const char *headers[] = {"Content-Type: text/plain; charset=utf-8",
                             p->cfg.gzip ? "Content-Encoding: gzip" : p->auth_header,
                             p->cfg.gzip ? p->auth_header : NULL, NULL};
    mvg_http_post_cfg hc = {
        .url = p->url_full,
        .headers = headers,
        .timeout_ms = p->cfg.timeout_ms,
        .connect_timeout_ms = p->cfg.timeout_ms < 5000 ? p->cfg.timeout_ms : 5000,
        .stopping = &p->stopping,
        .ca_file = p->cfg.ca_file[0] ? p->cfg.ca_file : NULL,
    };
    char why[256];
    if (!(p->http = mvg_http_post_new(&hc, why, sizeof why))) {
        snprintf(err, errlen, "influx: %s", why);
        goto fail;
    }

    p->ob = mvg_outbox_open(db_path, "influx", err, errlen);
    if (!p->ob)
        goto fail;
    if (pthread_create(&p->thread, NULL, writer_main, p) != 0) {
        snprintf(err, errlen, "influx: cannot start the writer thread");
        goto fail;
    }
    p->thread_started = 1;
    mvg_log(MVG_LOG_INFO, "influx: writing to %s (v%d%s)", p->cfg.url, p->cfg.version,
            p->cfg.gzip ? ", gzip" : "");
    return p;

oom:
    snprintf(err, errlen, "influx: out of memory");
fail:
    pub_free(p);
    return NULL;
}

void mvg_influx_pub_stop(mvg_influx_pub *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stopping, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->thread_started)
        pthread_join(p->thread, NULL);
    pub_free(p);
}

void mvg_influx_pub_kick(mvg_influx_pub *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->kicked = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void mvg_influx_pub_get_stats(mvg_influx_pub *p, mvg_influx_stats *st)
{
    pthread_mutex_lock(&p->mu);
    *st = p->st;
    pthread_mutex_unlock(&p->mu);
}
