/*
 * cli_chain.c: a project's signed chain read from the store and walked with
 * chain.h, starting with the gateway key (current or retired, from
 * data_dir) that the chain's first record names, held to the verifier's
 * register when one is given.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"
#include "keys.h"

int mvg_cli_chain_list_add(mvg_cli_chain_list *l, const char *bytes, size_t len,
                           const char *hint)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        char **b = realloc(l->blocks, cap * sizeof *b);
        if (b)
            l->blocks = b;
        mvg_chain_item *it = realloc(l->items, cap * sizeof *it);
        if (it)
            l->items = it;
        if (!b || !it)
            return -1;
        l->cap = cap;
    }
    size_t hlen = hint ? strlen(hint) : 0;
    char *block = malloc(len + 1 + hlen + 1);
    if (!block)
        return -1;
    memcpy(block, bytes, len);
    block[len] = '\0';
    char *h = block + len + 1;
    memcpy(h, hint ? hint : "", hlen + 1);
    l->blocks[l->n] = block;
    l->items[l->n] = (mvg_chain_item){.bytes = block, .len = len, .project_hint = hint ? h : NULL};
    l->n++;
    return 0;
}

void mvg_cli_chain_list_free(mvg_cli_chain_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->blocks[i]);
    free(l->blocks);
    free(l->items);
    *l = (mvg_cli_chain_list){0};
}

typedef struct {
    mvg_cli_chain_list list;
    size_t kinds[5]; /* interval, model, key, newchain, definition */
    int oom;
} collected;

static int on_chained(void *user, const char *project, int64_t chain, const char *kind,
                      const char *payload, size_t len)
{
    (void)chain;
    collected *c = user;
    c->kinds[!strcmp(kind, "model")      ? 1
             : !strcmp(kind, "key")      ? 2
             : !strcmp(kind, "newchain")   ? 3
             : !strcmp(kind, "definition") ? 4
                                           : 0]++;
    if (mvg_cli_chain_list_add(&c->list, payload, len, project) == 0)
        return 0;
    c->oom = 1;
    return 1;
}

/* The fingerprint the chain's first record names (its "key" member). */
static int first_key(const collected *c, char fp[MVG_CHAIN_FP_LEN])
{
    const mvg_cli_chain_list *l = &c->list;
    json_t *doc = l->n ? json_loadb(l->items[0].bytes, l->items[0].len, 0, NULL) : NULL;
    const char *k = json_string_value(json_object_get(doc, "key"));
    int ok = k && strlen(k) == MVG_CHAIN_FP_LEN - 1;
    if (ok)
        memcpy(fp, k, MVG_CHAIN_FP_LEN);
    json_decref(doc);
    return ok ? 0 : -1;
}

int mvg_cli_chain_check(mvg_store *st, const mvg_config *cfg, const char *project,
                        const mvg_cli_enrol *reg, mvg_cli_chain_result *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->enrolled = reg != NULL;
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
    if (rc == 0 && c.list.n == 0) {
        out->verdict = MVG_CHAIN_V_OK;
        snprintf(out->line, sizeof out->line, "no signed records yet");
    } else if (rc == 0 && first_key(&c, fp) != 0) {
        out->verdict = MVG_CHAIN_V_ALTERED;
        snprintf(out->line, sizeof out->line,
                 "project %s: the first record has no readable \"key\" member", project);
    } else if (rc == 0 && mvg_keys_find_public(cfg->gateway.data_dir, fp, pk, err, errlen) == 0) {
        mvg_chain_report rep;
        out->verdict = mvg_chain_verify_enrolled(c.list.items, c.list.n, pk, 0,
                                                 reg ? mvg_cli_enrol_lookup : NULL,
                                                 (void *)reg, &rep);
        out->records = rep.records;
        memcpy(out->fingerprint, fp, sizeof fp);
        memcpy(out->current_fingerprint, rep.last_fingerprint, sizeof fp);
        if (out->verdict == MVG_CHAIN_V_OK)
            snprintf(out->line, sizeof out->line,
                     "OK: %zu records (%zu interval, %zu model, %zu key rotation, %zu definition%s),"
                     " key %s%s%s",
                     rep.records, c.kinds[0], c.kinds[1], c.kinds[2], c.kinds[4],
                     c.kinds[3] ? ", new chain after a lost store" : "", fp,
                     rep.rotations ? ", now " : "", rep.rotations ? rep.last_fingerprint : "");
        memcpy(out->kinds, c.kinds, sizeof out->kinds);
        out->rotations = rep.rotations;
        snprintf(out->gateway, sizeof out->gateway, "%s", rep.gateway);
        if (out->verdict == MVG_CHAIN_V_OK && reg)
            mvg_cli_enrol_lookup((void *)reg, rep.gateway, out->enrolled_at,
                                 sizeof out->enrolled_at);
        if (out->verdict == MVG_CHAIN_V_OK)
            mvg_cli_enrol_trust_line(reg, rep.gateway, fp, "the gateway's own key files in data_dir",
                                     out->trust, sizeof out->trust);
        else
            mvg_chain_report_line(out->verdict, &rep, out->line, sizeof out->line);
    } else if (rc == 0) {
        out->verdict = MVG_CHAIN_V_UNKNOWN_KEY;
        snprintf(out->line, sizeof out->line, "project %s: %s", project, err);
    }
    mvg_cli_chain_list_free(&c.list);
    return rc;
}
