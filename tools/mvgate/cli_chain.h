/*
 * cli_chain.h: the signed records the CLI walks with chain.h, gathered in
 * one list that owns copies of them (for `mvgate verify`, from a file, and
 * for the store-side check below), and checking a project's signed chain
 * straight from the gateway's store, the way `mvgate verify` checks an
 * export: for the commands that report on the records they read (mvgate
 * report). The keys trusted there are the gateway's own (the public keys
 * under data_dir).
 */
#ifndef MVG_CLI_CHAIN_H
#define MVG_CLI_CHAIN_H

#include <stddef.h>

#include "chain.h"
#include "cli_enrol.h"
#include "config.h"
#include "store.h"

/* Records in the order they are to be walked: items[i] points into an
 * owned block holding the record's bytes, a NUL and its project hint. */
typedef struct {
    mvg_chain_item *items;
    char **blocks;
    size_t n, cap;
} mvg_cli_chain_list;

/* Appends a copy of bytes[0..len) with hint (NULL: none). 0, or -1 when
 * out of memory (the list is unchanged). */
int mvg_cli_chain_list_add(mvg_cli_chain_list *l, const char *bytes, size_t len,
                           const char *hint);
void mvg_cli_chain_list_free(mvg_cli_chain_list *l);

typedef struct {
    mvg_chain_verdict verdict;          /* MVG_CHAIN_V_OK when the whole chain holds */
    size_t records;                     /* signed records of the project walked */
    char fingerprint[MVG_CHAIN_FP_LEN]; /* the key the chain was checked with (first key) */
    char current_fingerprint[MVG_CHAIN_FP_LEN]; /* the key signing now (after rotations) */
    char line[600];                     /* "OK: N records, key F" or the first bad record */
    int enrolled;                       /* 1: the first key was held to a register */
    char trust[900];                    /* mvg_cli_enrol_trust_line, when the chain holds */
    /* what the two lines say, for a report that words them in its language */
    size_t kinds[5];                    /* interval, model, key rotation, new chain, definition */
    size_t rotations;
    char gateway[128];                  /* the "gateway" of the first record */
    char enrolled_at[600];              /* the register's entry (with reg and a holding chain) */
    long long hub_upto;                 /* a hub's report: positions 1..hub_upto used (else 0) */
    size_t hub_after;                   /* and the records after them, not used */
} mvg_cli_chain_result;

/* Walks every signed record of project in cfg's store (the whole chain, not
 * a time window: a window's figures are only as good as the chain they sit
 * in). With reg the chain's first key must be the one enrolled for the
 * gateway its records name (the gateway's own key files then only supply
 * the public key); without, the result is self-attested. 0 with *out
 * filled (whatever the verdict), -1 with err when the store or the key
 * files cannot be read. */
int mvg_cli_chain_check(mvg_store *st, const mvg_config *cfg, const char *project,
                        const mvg_cli_enrol *reg, mvg_cli_chain_result *out, char *err,
                        size_t errlen);

#endif
