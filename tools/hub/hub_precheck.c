/*
 * hub_precheck.c: the preparing thread (hub_precheck.h).
 */
#include "hub_precheck.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "diag.h"
#include "hub_db.h"
#include "hub_verify.h"

/* The keys known, by fingerprint: open addressing, at most half full. */
typedef struct {
    char fp[MVG_CHAIN_FP_LEN];  /* "" : free */
    unsigned char pk[MVG_CHAIN_PK_BYTES];
} key_slot;

struct mvg_hub_precheck {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the job, under mu: given by the caller; each message claimed by the
     * thread or a helper (next), busy until all n are prepared (done) */
    const mvg_hub_in *in;
    mvg_hub_prep *out;
    size_t n, next, done;
    int busy, stop;
    char *prefix;
    mvg_hub_db *db;             /* the thread's own connection */
    pthread_mutex_t keys_mu;    /* the keys: the thread's and a helper's */
    key_slot *keys;
    size_t nkeys, cap;
};

/* Whose lookups (find_pk's user): the thread's, or a helper's with its own
 * connection. */
typedef struct {
    mvg_hub_precheck *p;
    mvg_hub_db *db;
} looker;

static size_t slot_of(const mvg_hub_precheck *p, const char *fp)
{
    size_t h = 5381;
    for (const char *c = fp; *c; c++)
        h = h * 33 + (unsigned char)*c;
    size_t i = h & (p->cap - 1);
    while (p->keys[i].fp[0] && strcmp(p->keys[i].fp, fp) != 0)
        i = (i + 1) & (p->cap - 1);
    return i;
}

/* Remembers pk (its fingerprint computed here; keys_mu held); out of
 * memory only forgets it. */
static void remember(mvg_hub_precheck *p, const unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    if ((p->nkeys + 1) * 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        key_slot *old = p->keys, *k = calloc(cap, sizeof *k);
        if (!k)
            return;
        size_t old_cap = p->cap;
        p->keys = k;
        p->cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].fp[0])
                p->keys[slot_of(p, old[i].fp)] = old[i];
        free(old);
    }
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    key_slot *s = &p->keys[slot_of(p, fp)];
    if (!s->fp[0]) {
        memcpy(s->fp, fp, sizeof fp);
        memcpy(s->pk, pk, MVG_CHAIN_PK_BYTES);
        p->nkeys++;
    }
}

/* mvg_hub_pk_fn: known, else looked up in hub_keys (a key stored by an
 * earlier run or another instance). */
static int find_pk(void *user, const char *fp, unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    looker *l = user;
    mvg_hub_precheck *p = l->p;
    if (strlen(fp) != MVG_CHAIN_FP_LEN - 1)
        return 0;
    int found = 0;
    pthread_mutex_lock(&p->keys_mu);
    if (p->cap) {
        const key_slot *s = &p->keys[slot_of(p, fp)];
        if (s->fp[0]) {
            memcpy(pk, s->pk, MVG_CHAIN_PK_BYTES);
            found = 1;
        }
    }
    pthread_mutex_unlock(&p->keys_mu);
    if (found)
        return 1;
    found = mvg_hub_verify_find_pk(l->db, fp, pk) == 1;
    if (found) {
        pthread_mutex_lock(&p->keys_mu);
        remember(p, pk);
        pthread_mutex_unlock(&p->keys_mu);
    }
    return found;
}

/* Prepares the job's messages one claim at a time until none is left
 * (mu not held on entry or exit). */
static void work(looker *l)
{
    mvg_hub_precheck *p = l->p;
    pthread_mutex_lock(&p->mu);
    while (p->busy && p->next < p->n) {
        size_t i = p->next++;
        const mvg_hub_in *in = &p->in[i];
        mvg_hub_prep *out = &p->out[i];
        pthread_mutex_unlock(&p->mu);
        mvg_hub_ingest_prepare(p->prefix, in, find_pk, l, out);
        /* a key carried here signs records later in this batch or the next */
        unsigned char pk[MVG_CHAIN_PK_BYTES];
        const char *k = out->carried_key;
        if (k && mvg_chain_pk_from_b64(k, strlen(k), pk) == 0) {
            pthread_mutex_lock(&p->keys_mu);
            remember(p, pk);
            pthread_mutex_unlock(&p->keys_mu);
        }
        pthread_mutex_lock(&p->mu);
        if (++p->done == p->n) {
            p->busy = 0;
            pthread_cond_broadcast(&p->cv);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

static void *run(void *arg)
{
    mvg_hub_precheck *p = arg;
    looker l = {p, p->db};
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!(p->busy && p->next < p->n) && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!(p->busy && p->next < p->n))
            break;
        pthread_mutex_unlock(&p->mu);
        work(&l);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

mvg_hub_precheck *mvg_hub_precheck_new(const mvg_hub_db_cfg *cfg, const char *prefix, char *err,
                                       size_t errlen)
{
    mvg_hub_precheck *p = calloc(1, sizeof *p);
    if (!p || !(p->prefix = strdup(prefix))) {
        free(p);
        mvg_set_err(err, errlen, "out of memory");
        return NULL;
    }
    p->db = mvg_hub_db_open(cfg, err, errlen);
    if (!p->db) {
        free(p->prefix);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->keys_mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        mvg_set_err(err, errlen, "cannot start the precheck thread");
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->keys_mu);
        pthread_mutex_destroy(&p->mu);
        mvg_hub_db_close(p->db);
        free(p->prefix);
        free(p);
        return NULL;
    }
    return p;
}

void mvg_hub_precheck_free(mvg_hub_precheck *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->keys_mu);
    pthread_mutex_destroy(&p->mu);
    mvg_hub_db_close(p->db);
    free(p->keys);
    free(p->prefix);
    free(p);
}

int mvg_hub_precheck_give(mvg_hub_precheck *p, const mvg_hub_in *in, mvg_hub_prep *out, size_t n)
{
    pthread_mutex_lock(&p->mu);
    int rc = -1;
    if (!p->busy) {
        p->in = in;
        p->out = out;
        p->n = n;
        p->next = p->done = 0;
        p->busy = n > 0;
        pthread_cond_broadcast(&p->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void mvg_hub_precheck_wait(mvg_hub_precheck *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void mvg_hub_precheck_help(mvg_hub_precheck *p, mvg_hub_db *db)
{
    looker l = {p, db};
    work(&l);
}
