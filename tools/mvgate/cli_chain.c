/*
 * cli_chain.c: a project's signed chain read from the store and walked with
 * chain.h, against the gateway's public key from data_dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"
#include "keys.h"

typedef struct {
    char **copies;
    mvg_chain_item *items;
    size_t n, cap;
    int oom;
} collected;

static int collect(void *user, const char *project, int64_t seq, int64_t start_ms, int64_t end_ms,
                   const char *payload, size_t len)
{
    (void)seq;
    (void)start_ms;
    (void)end_ms;
    collected *c = user;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        char **cp = realloc(c->copies, cap * sizeof *cp);
        if (cp)
            c->copies = cp;
        mvg_chain_item *it = realloc(c->items, cap * sizeof *it);
        if (it)
            c->items = it;
        if (!cp || !it) {
            c->oom = 1;
            return 1;
        }
        c->cap = cap;
    }
    char *copy = malloc(len + 1 + strlen(project) + 1);
    if (!copy) {
        c->oom = 1;
        return 1;
    }
    memcpy(copy, payload, len);
    copy[len] = '\0';
    char *hint = copy + len + 1;
    strcpy(hint, project);
    c->copies[c->n] = copy;
    c->items[c->n] = (mvg_chain_item){copy, len, hint};
    c->n++;
    return 0;
}

typedef struct {
    const char *project;
    collected *into;
} filter;

static int only_project(void *user, const char *project, int64_t seq, int64_t start_ms,
                        int64_t end_ms, const char *payload, size_t len)
{
    filter *f = user;
    if (strcmp(project, f->project) != 0)
        return 0;
    return collect(f->into, project, seq, start_ms, end_ms, payload, len);
}

int mvg_cli_chain_check(mvg_store *st, const mvg_config *cfg, const char *project,
                        mvg_cli_chain_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (mvg_chain_init() != 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    char path[MVG_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", cfg->gateway.data_dir, MVG_KEYS_PUBLIC_FILE);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (mvg_keys_read_public(path, pk, err, errlen) != 0)
        return -1;
    collected c = {0};
    filter f = {project, &c};
    int rc = mvg_store_foreach_interval(st, INT64_MIN, INT64_MAX, only_project, &f, err, errlen);
    if (c.oom) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        mvg_chain_report rep;
        out->verdict = mvg_chain_verify(c.items, c.n, pk, 0, &rep);
        out->records = rep.records;
        mvg_chain_fingerprint(pk, out->fingerprint);
        memcpy(out->current_fingerprint, out->fingerprint, sizeof out->fingerprint);
        if (out->verdict == MVG_CHAIN_V_OK)
            snprintf(out->line, sizeof out->line, "OK: %zu records, key %s", rep.records,
                     out->fingerprint);
        else
            mvg_chain_report_line(out->verdict, &rep, out->line, sizeof out->line);
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.copies[i]);
    free(c.copies);
    free(c.items);
    return rc;
}
