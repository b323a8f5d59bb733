/*
 * http_post_curl.c: the InfluxDB writer's HTTP client on libcurl
 * (http_post.h), for https:// and http:// URLs. It owns one easy handle,
 * reused for keep-alive, and its header list.
 */
#include "http_post.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mvg_http_post {
    CURL *curl;
    struct curl_slist *headers;
    const atomic_int *stopping;
    mvg_http_post_result *res; /* the request in flight */
    char curl_err[CURL_ERROR_SIZE];
};

static int supports(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    mvg_http_post_result *res = ((mvg_http_post *)ud)->res;
    size_t n = size * nmemb;
    size_t room = sizeof res->body - 1 - res->body_len; /* only the error text matters */
    size_t take = n < room ? n : room;
    memcpy(res->body + res->body_len, data, take);
    res->body_len += take;
    res->body[res->body_len] = '\0';
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    mvg_http_post *h = ud;
    return atomic_load(h->stopping) ? 1 : 0;
}

mvg_http_post *mvg_http_post_new(const mvg_http_post_cfg *cfg, char *err, size_t errlen)
{
    if (!supports(cfg->url)) {
        snprintf(err, errlen, "%s: not an http:// or https:// URL", cfg->url);
        return NULL;
    }
    mvg_http_post *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->stopping = cfg->stopping;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        free(h);
        return NULL;
    }
    if (!(h->curl = curl_easy_init())) {
        snprintf(err, errlen, "curl_easy_init failed");
        mvg_http_post_free(h);
        return NULL;
    }
    /* "Expect:" stops curl from waiting for 100-continue before big bodies. */
    h->headers = curl_slist_append(NULL, "Expect:");
    for (const char *const *s = cfg->headers; h->headers && s && *s; s++) {
        struct curl_slist *l = curl_slist_append(h->headers, *s);
        if (!l) {
            curl_slist_free_all(h->headers);
            h->headers = NULL;
        }
        h->headers = l;
    }
    if (!h->headers) {
        snprintf(err, errlen, "out of memory");
        mvg_http_post_free(h);
        return NULL;
    }
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_URL, cfg->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mvgate");
    if (cfg->ca_file && cfg->ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
    return h;
}

void mvg_http_post_send(mvg_http_post *h, const void *body, size_t len, mvg_http_post_result *res)
{
    res->status = res->retry_after_s = 0;
    res->body[0] = res->err[0] = '\0';
    res->body_len = 0;
    h->res = res;
    h->curl_err[0] = '\0';
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode rc = curl_easy_perform(h->curl);
    h->res = NULL;
    if (rc != CURLE_OK) {
        snprintf(res->err, sizeof res->err, "%s",
                 h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &res->status);
    curl_off_t after_s = 0;
    if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &after_s) == CURLE_OK && after_s > 0)
        res->retry_after_s = (long)after_s;
}

void mvg_http_post_free(mvg_http_post *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    curl_global_cleanup();
    free(h);
}
