#include "influxd_harness.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

typedef struct {
    char *p;
    size_t len;
} reply_buf;

static size_t reply_write(char *d, size_t s, size_t n, void *ud)
{
    reply_buf *b = ud;
    char *p = realloc(b->p, b->len + s * n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, d, s * n);
    b->p = p;
    b->len += s * n;
    b->p[b->len] = '\0';
    return s * n;
}

long ih_http(const char *url, const char *post, char **body)
{
    return ih_http_ca(url, post, body, NULL);
}

long ih_http_ca(const char *url, const char *post, char **body, const char *ca)
{
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    reply_buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (ca && ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (body)
        *body = b.p;
    else
        free(b.p);
    return status;
}

static int configure(ih_server *s, const char *dir, const char *cert, const char *key,
                     const char *ca)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->http_port = tu_free_port();
    s->bind_port = tu_free_port();
    if (s->http_port <= 0 || s->bind_port <= 0 || s->http_port == s->bind_port)
        return -1;
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d", cert ? "https" : "http", s->http_port);
    snprintf(s->ca, sizeof s->ca, "%s", ca ? ca : "");
    char conf[192];
    snprintf(conf, sizeof conf, "%s/influxd.conf", s->dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fprintf(f,
            "reporting-disabled = true\nbind-address = \"127.0.0.1:%d\"\n"
            "[meta]\n  dir = \"%s/meta\"\n"
            "[data]\n  dir = \"%s/data\"\n  wal-dir = \"%s/wal\"\n  query-log-enabled = false\n"
            "[monitor]\n  store-enabled = false\n"
            "[http]\n  bind-address = \"127.0.0.1:%d\"\n  log-enabled = false\n",
            s->bind_port, s->dir, s->dir, s->dir, s->http_port);
    if (cert)
        fprintf(f, "  https-enabled = true\n  https-certificate = \"%s\"\n"
                   "  https-private-key = \"%s\"\n", cert, key);
    fprintf(f, "[logging]\n  level = \"warn\"\n");
    return fclose(f) == 0 ? 0 : -1;
}

int ih_configure(ih_server *s, const char *dir)
{
    return configure(s, dir, NULL, NULL, NULL);
}

int ih_configure_tls(ih_server *s, const char *dir, const char *cert, const char *key,
                     const char *ca)
{
    return configure(s, dir, cert, key, ca);
}

static int ping(const ih_server *s)
{
    char u[96];
    snprintf(u, sizeof u, "%s/ping", s->url);
    return ih_http_ca(u, NULL, NULL, s->ca) == 204;
}

int ih_run(ih_server *s)
{
    char conf[192], logf[192];
    snprintf(conf, sizeof conf, "%s/influxd.conf", s->dir);
    snprintf(logf, sizeof logf, "%s/influxd.log", s->dir);
    s->pid = fork();
    if (s->pid < 0) {
        s->pid = 0;
        return -1;
    }
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        int fd = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(IH_INFLUXD, "influxd", "run", "-config", conf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300 && !ping(s); i++)
        tu_sleep_ms(50);
    if (ping(s))
        return 0;
    ih_kill(s);
    return -1;
}

void ih_kill(ih_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

int ih_create_db(const ih_server *s, const char *name)
{
    char u[96], q[160];
    snprintf(u, sizeof u, "%s/query", s->url);
    snprintf(q, sizeof q, "q=CREATE DATABASE %s", name);
    return ih_http_ca(u, q, NULL, s->ca) == 200 ? 0 : -1;
}
