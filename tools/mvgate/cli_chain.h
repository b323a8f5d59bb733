/*
 * cli_chain.h: checking a project's signed chain straight from the
 * gateway's store, the way `mvgate verify` checks an export: for the
 * commands that report on the records they read (mvgate report). The keys
 * trusted are the gateway's own (the public keys under data_dir).
 */
#ifndef MVG_CLI_CHAIN_H
#define MVG_CLI_CHAIN_H

#include <stddef.h>

#include "chain.h"
#include "config.h"
#include "store.h"

typedef struct {
    mvg_chain_verdict verdict;          /* MVG_CHAIN_V_OK when the whole chain holds */
    size_t records;                     /* signed records of the project walked */
    char fingerprint[MVG_CHAIN_FP_LEN]; /* the key the chain was checked with (first key) */
    char current_fingerprint[MVG_CHAIN_FP_LEN]; /* the key signing now (after rotations) */
    char line[600];                     /* "OK: N records, key F" or the first bad record */
} mvg_cli_chain_result;

/* Walks every signed record of project in cfg's store (the whole chain, not
 * a time window: a window's figures are only as good as the chain they sit
 * in). 0 with *out filled (whatever the verdict), -1 with err when the
 * store or the key files cannot be read. */
int mvg_cli_chain_check(mvg_store *st, const mvg_config *cfg, const char *project,
                        mvg_cli_chain_result *out, char *err, size_t errlen);

#endif
