/*
 * cli_chain.c: a project's signed chain read from the store and walked with
 * chain.h, starting with the gateway key (current or retired, from
 * data_dir) that the chain's first record names.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"
#include "keys.h"

typedef struct {
    char **copies;
    mvg_chain_item *items;
    size_t n, cap;
    size_t kinds[3]; /* interval, model, key */
    int oom;
} collected;

/* One record copied, with the project as its hint (NUL-separated in one block). */
static int collect(collected *c, const char *project, const char *payload, size_t len)
{
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

static int on_chained(void *user, const char *project, int64_t chain, const char *kind,
                      const char *payload, size_t len)
{
    (void)chain;
    collected *c = user;
    c->kinds[!strcmp(kind, "model") ? 1 : !strcmp(kind, "key") ? 2 : 0]++;
    return collect(c, project, payload, len);
}

/* The fingerprint the chain's first record names (its "key" member). */
static int first_key(const collected *c, char fp[MVG_CHAIN_FP_LEN])
{
    json_t *doc = c->n ? json_loadb(c->items[0].bytes, c->items[0].len, 0, NULL) : NULL;
    const char *k = json_string_value(json_object_get(doc, "key"));
    int ok = k && strlen(k) == MVG_CHAIN_FP_LEN - 1;
    if (ok)
        memcpy(fp, k, MVG_CHAIN_FP_LEN);
    json_decref(doc);
    return ok ? 0 : -1;
}

int mvg_cli_chain_check(mvg_store *st, const mvg_config *cfg, const char *project,
                        mvg_cli_chain_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (mvg_chain_init() != 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    collected c = {0};
    int rc = mvg_store_foreach_chained(st, project, INT64_MIN, INT64_MAX, on_chained, &c, err,
                                       errlen);
    if (c.oom) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    /* the key the chain starts with, from the gateway's own key files: the
     * current one or a retired one */
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    char fp[MVG_CHAIN_FP_LEN];
    if (rc == 0 && c.n == 0) {
        out->verdict = MVG_CHAIN_V_OK;
        snprintf(out->line, sizeof out->line, "no signed records yet");
    } else if (rc == 0 && first_key(&c, fp) != 0) {
        out->verdict = MVG_CHAIN_V_ALTERED;
        snprintf(out->line, sizeof out->line,
                 "project %s: the first record has no readable \"key\" member", project);
    } else if (rc == 0 && mvg_keys_find_public(cfg->gateway.data_dir, fp, pk, err, errlen) == 0) {
        mvg_chain_report rep;
        out->verdict = mvg_chain_verify(c.items, c.n, pk, 0, &rep);
        out->records = rep.records;
        memcpy(out->fingerprint, fp, sizeof fp);
        memcpy(out->current_fingerprint, rep.last_fingerprint, sizeof fp);
        if (out->verdict == MVG_CHAIN_V_OK)
            snprintf(out->line, sizeof out->line,
                     "OK: %zu records (%zu interval, %zu model, %zu key rotation), key %s%s%s",
                     rep.records, c.kinds[0], c.kinds[1], c.kinds[2], fp,
                     rep.rotations ? ", now " : "", rep.rotations ? rep.last_fingerprint : "");
        else
            mvg_chain_report_line(out->verdict, &rep, out->line, sizeof out->line);
    } else if (rc == 0) {
        out->verdict = MVG_CHAIN_V_UNKNOWN_KEY;
        snprintf(out->line, sizeof out->line, "project %s: %s", project, err);
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.copies[i]);
    free(c.copies);
    free(c.items);
    return rc;
}
