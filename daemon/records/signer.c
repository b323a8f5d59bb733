/*
 * signer.c: the signing key, chain links, handovers and rotations
 * (signer.h).
 */
#include "signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct mvg_signer {
    char *data_dir;
    mvg_keys keys;       /* signs now */
    mvg_keys next;       /* a pending rotation's key */
    int has_next;
    mvg_signer_last_fn last;
    void *user;
};

mvg_signer *mvg_signer_open(const char *data_dir, mvg_signer_last_fn last, void *user, char *err,
                            size_t errlen)
{
    mvg_signer *s = calloc(1, sizeof *s);
    if (!s || !(s->data_dir = strdup(data_dir))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->last = last;
    s->user = user;
    int created = 0;
    if (mvg_keys_load_or_create(data_dir, &s->keys, &created, err, errlen) != 0) {
        mvg_signer_free(s);
        return NULL;
    }
    return s;
}

void mvg_signer_free(mvg_signer *s)
{
    if (!s)
        return;
    mvg_keys_wipe(&s->keys);
    mvg_keys_wipe(&s->next);
    free(s->data_dir);
    free(s);
}

const mvg_keys *mvg_signer_keys(const mvg_signer *s) { return &s->keys; }

/* Makes the key the chain was handed over to the signing key: the pending
 * next pair (promoted now) or the current files (an earlier promotion). */
static int take_over(mvg_signer *s, const char *to, char *err, size_t errlen)
{
    mvg_keys k;
    int present = 0, created = 0;
    if (strcmp(s->keys.fingerprint, to) == 0)
        return 0;
    if (mvg_keys_load_next(s->data_dir, &k, &present, err, errlen) != 0)
        return -1;
    if (present && strcmp(k.fingerprint, to) == 0) {
        if (mvg_keys_promote_next(s->data_dir, &s->keys, err, errlen) != 0) {
            mvg_keys_wipe(&k);
            return -1;
        }
    } else {
        if (present)
            mvg_keys_wipe(&k);
        if (mvg_keys_load_or_create(s->data_dir, &k, &created, err, errlen) != 0)
            return -1;
        if (strcmp(k.fingerprint, to) != 0) {
            snprintf(err, errlen,
                     "the signed chain was handed over to key %s, which %s does not hold (it"
                     " holds %s): restore that key",
                     to, s->data_dir, k.fingerprint);
            mvg_keys_wipe(&k);
            return -1;
        }
    }
    mvg_log(MVG_LOG_NOTICE, "key rotated: %s signs from now on (was %s)", k.fingerprint,
            s->keys.fingerprint);
    mvg_keys_wipe(&s->keys);
    s->keys = k;
    return 1;
}

/* The link of project's next record; *last_out (may be NULL) gets the
 * newest record's text (the caller frees it). follow_handover: take over
 * the key that record hands the chain to. 1 when the key changed, 0, -1. */
static int link_of(mvg_signer *s, const char *project, mvg_signer_link *out, char **last_out,
                   int follow_handover, char *err, size_t errlen)
{
    char *last = NULL;
    size_t last_len = 0;
    int64_t last_chain = 0;
    if (s->last(s->user, project, &last, &last_len, &last_chain, err, errlen) != 0)
        return -1;
    char to[MVG_CHAIN_FP_LEN];
    int rc = follow_handover && mvg_chain_handover(last, last_len, to)
                 ? take_over(s, to, err, errlen)
                 : 0;
    if (rc < 0) {
        free(last);
        return -1;
    }
    if (last)
        mvg_chain_hash_hex(last, last_len, out->prev);
    else
        mvg_chain_zero_prev(out->prev);
    out->chain = last_chain + 1;
    memcpy(out->key, s->keys.fingerprint, sizeof out->key);
    if (last_out)
        *last_out = last;
    else
        free(last);
    return rc;
}

int mvg_signer_next(mvg_signer *s, const char *project, mvg_signer_link *out, char *err,
                    size_t errlen)
{
    return link_of(s, project, out, NULL, 1, err, errlen);
}

mvg_payload_link mvg_signer_payload_link(const mvg_signer_link *l)
{
    return (mvg_payload_link){l->chain, l->key, l->prev, 0};
}

char *mvg_signer_sign(const mvg_signer *s, char *unsigned_json, size_t *len)
{
    char *json = unsigned_json
                     ? mvg_chain_sign(unsigned_json, strlen(unsigned_json), s->keys.sk, len)
                     : NULL;
    free(unsigned_json);
    return json;
}

int mvg_signer_rotation_pending(mvg_signer *s, char *err, size_t errlen)
{
    mvg_keys_wipe(&s->next);
    s->has_next = 0;
    if (mvg_keys_load_next(s->data_dir, &s->next, &s->has_next, err, errlen) != 0)
        return -1;
    return s->has_next ? 1 : 0;
}

int mvg_signer_key_record(mvg_signer *s, const char *gateway, const char *project,
                          int64_t created_ms, char **json, size_t *len, int64_t *chain, char *err,
                          size_t errlen)
{
    *json = NULL;
    *len = 0;
    if (!s->has_next) {
        snprintf(err, errlen, "no key rotation is pending");
        return -1;
    }
    mvg_signer_link l;
    char *last = NULL;
    if (link_of(s, project, &l, &last, 0, err, errlen) < 0)
        return -1;
    char to[MVG_CHAIN_FP_LEN];
    int done = mvg_chain_handover(last, last ? strlen(last) : 0, to) &&
               strcmp(to, s->next.fingerprint) == 0;
    free(last);
    *chain = l.chain;
    if (done)
        return 0;
    mvg_payload_link link = mvg_signer_payload_link(&l);
    *json = mvg_signer_sign(s,
                            mvg_payload_key_record(gateway, project, created_ms, s->next.pk_b64,
                                                   s->next.fingerprint, &link),
                            len);
    if (!*json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int mvg_signer_finish_rotation(mvg_signer *s, char *err, size_t errlen)
{
    if (!s->has_next) {
        snprintf(err, errlen, "no key rotation is pending");
        return -1;
    }
    char to[MVG_CHAIN_FP_LEN];
    memcpy(to, s->next.fingerprint, sizeof to);
    mvg_keys_wipe(&s->next);
    s->has_next = 0;
    return take_over(s, to, err, errlen);
}

int mvg_signer_newchain_record(mvg_signer *s, const char *gateway, const char *project,
                               int64_t created_ms, const char *previous_store, const char *reason,
                               char **json, size_t *len, int64_t *chain, char *err,
                               size_t errlen)
{
    *json = NULL;
    *len = 0;
    mvg_signer_link l;
    if (link_of(s, project, &l, NULL, 0, err, errlen) < 0)
        return -1;
    *chain = l.chain;
    if (l.chain != 1)
        return 0;
    mvg_payload_link link = mvg_signer_payload_link(&l);
    *json = mvg_signer_sign(s,
                            mvg_payload_newchain_record(gateway, project, created_ms,
                                                        previous_store, reason, &link),
                            len);
    if (!*json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int mvg_signer_head_record(mvg_signer *s, const mvg_head_info *h, char **json, size_t *len,
                           int64_t *head, char *err, size_t errlen)
{
    *json = NULL;
    *len = 0;
    *head = 0;
    mvg_signer_link l;
    int rc = link_of(s, h->project, &l, NULL, 1, err, errlen);
    if (rc < 0 || l.chain == 1)
        return rc;
    mvg_head_info info = *h;
    info.head = l.chain - 1;
    info.head_hash = l.prev;
    info.key = s->keys.fingerprint;
    *head = info.head;
    *json = mvg_signer_sign(s, mvg_head_build(&info), len);
    if (!*json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return rc;
}
