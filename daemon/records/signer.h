/*
 * signer.h: the gateway signing its chained records (chain.h). A signer
 * owns the key that signs now (keys.h) and places each new record in its
 * project's chain: its position and the hash of the project's newest
 * record, which the caller looks up in its store inside the transaction
 * that will write the new one (a lookup callback, so that records of one
 * transaction chain to each other and a restart chains to what is on
 * disk). When that newest record hands the chain over to another key, the
 * signer takes that key over before it signs: a reload that rotated and
 * then failed must not leave the old key signing on. It also carries out
 * a pending rotation (mvgate key rotate): each project's key record,
 * signed by the outgoing key, then the next key's promotion, and signs the
 * new-chain record that begins a project's chain again when the store
 * that held it was lost, and the head records (head.h) that commit to
 * where each chain ends. The signer
 * keeps no store and reads no clock: the caller writes what it returns
 * and says what time it is.
 */
#ifndef MVG_SIGNER_H
#define MVG_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "head.h"
#include "keys.h"
#include "payload.h"

typedef struct mvg_signer mvg_signer;

/* The newest record of project's chain (the store's
 * mvg_store_last_chained()): *text malloc'd and NUL-terminated (the
 * signer frees it), its length and position; NULL, 0, 0 when the chain is
 * empty. 0 or -1 with err. */
typedef int (*mvg_signer_last_fn)(void *user, const char *project, char **text, size_t *len,
                                  int64_t *chain, char *err, size_t errlen);

/* Loads (creating on the first start) the key of data_dir. NULL with err. */
mvg_signer *mvg_signer_open(const char *data_dir, mvg_signer_last_fn last, void *user, char *err,
                            size_t errlen);
/* Wipes the keys from memory and frees s. */
void mvg_signer_free(mvg_signer *s);

/* The key that signs now (its fingerprint and public key for identity). */
const mvg_keys *mvg_signer_keys(const mvg_signer *s);

/* Where a project's next record goes. */
typedef struct {
    int64_t chain;
    char key[MVG_CHAIN_FP_LEN];  /* the fingerprint of the key that signs it */
    char prev[MVG_CHAIN_HEX_LEN];
} mvg_signer_link;

/* The link of project's next record, read through the lookup. Returns 1
 * when the newest record handed the chain over and its key signs from now
 * on (tell the subscribers the new identity), 0 when the key stayed, -1
 * with err (a handover to a key data_dir does not hold says which). */
int mvg_signer_next(mvg_signer *s, const char *project, mvg_signer_link *out, char *err,
                    size_t errlen);
/* The link as payload.c takes it (pointing into l). */
mvg_payload_link mvg_signer_payload_link(const mvg_signer_link *l);

/* The signed text of an unsigned record built by payload.c (unsigned_json
 * is freed here, may be NULL); NULL when out of memory. */
char *mvg_signer_sign(const mvg_signer *s, char *unsigned_json, size_t *len);

/* Rotation. Loads the next key left by mvgate key rotate: 1 when one is
 * pending, 0 when not, -1 with err. */
int mvg_signer_rotation_pending(mvg_signer *s, char *err, size_t errlen);
/* The pending rotation's key record of project, signed by the outgoing
 * key: *json malloc'd (the caller frees it), *len, *chain its position.
 * *json is NULL when the project's chain already ends with it (written
 * before a crash stopped the promotion): nothing to write again. Every
 * key record of one rotation is signed by the outgoing key, so no
 * handover is followed here. 0 or -1 with err. */
int mvg_signer_key_record(mvg_signer *s, const char *gateway, const char *project,
                          int64_t created_ms, char **json, size_t *len, int64_t *chain, char *err,
                          size_t errlen);
/* Once the key records are durable: the next key's files replace the
 * current ones and it signs from now on. 1 (the key changed, as for
 * mvg_signer_next()), 0 or -1 with err. */
int mvg_signer_finish_rotation(mvg_signer *s, char *err, size_t errlen);

/* The new-chain record of project (payload.h) at the head of its chain,
 * signed by the current key: *json malloc'd (the caller frees it), *len,
 * *chain its position (1). *json is NULL when the project's chain is not
 * empty: a new chain begins only where there is none. 0 or -1 with err. */
int mvg_signer_newchain_record(mvg_signer *s, const char *gateway, const char *project,
                               int64_t created_ms, const char *previous_store, const char *reason,
                               char **json, size_t *len, int64_t *chain, char *err,
                               size_t errlen);

/* The head record of project (head.h), signed by the key that signs the
 * project's next record (a handover at the chain's end is taken over
 * first, as for mvg_signer_next()): h gives what the signer does not know
 * (gateway, project, time, counts, every_s, reason; its head, head_hash
 * and key are set here). *json malloc'd (the caller frees it), *len,
 * *head the position it names; *json NULL when the chain is empty (a head
 * commits to a record). 1 when the key changed, 0, or -1 with err. */
int mvg_signer_head_record(mvg_signer *s, const mvg_head_info *h, char **json, size_t *len,
                           int64_t *head, char *err, size_t errlen);

#endif
