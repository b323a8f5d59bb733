/*
 * cli_heads.h: what `mvgate verify` concludes from the signed head records
 * (records/head.h) about the range of each project's chain it checked:
 * where the range starts (the first record, a new chain, or the position
 * the verifier names with --from-chain), whether the input was cut at its
 * head, whether it reaches the last head, and whether its tail was
 * withheld (a head names a position the input does not hold, or no head
 * came for two head periods). Each head is held to the record it names:
 * its signature under the key in force there, its head_hash, its counts.
 * The chain walk (chain.h) feeds it the records it accepts
 * (mvg_cli_heads_accept); owns the heads read and that trail.
 */
#ifndef MVG_CLI_HEADS_H
#define MVG_CLI_HEADS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chain.h"

typedef struct mvg_cli_heads mvg_cli_heads;

/* NULL when out of memory. */
mvg_cli_heads *mvg_cli_heads_new(void);
void mvg_cli_heads_free(mvg_cli_heads *h);

/* A head read from the input: its bytes, the project its envelope (topic,
 * export line) names (may be NULL), the position the envelope names (0:
 * none) and how many chained records came before it in the input. 0, or
 * -1 when out of memory. */
int mvg_cli_heads_add(mvg_cli_heads *h, const char *bytes, size_t len, const char *project_hint,
                      int64_t head_hint, size_t chained_before);
/* The heads read so far. */
size_t mvg_cli_heads_count(const mvg_cli_heads *h);

/* --from-chain: "P=N" (project P is checked from chain N) or "N" (every
 * project); without one a project's range must start at chain 1 or at a
 * new chain. 0, or -1 with the mistake in err. */
int mvg_cli_heads_from(mvg_cli_heads *h, const char *arg, char *err, size_t errlen);
/* --at: the time the input is judged at (a capture's end); without it, the
 * latest time in the input. */
void mvg_cli_heads_at(mvg_cli_heads *h, int64_t at_ms);

/* The chain walk's accept callback (mvg_chain_verify_trail); user is h. */
void mvg_cli_heads_accept(void *user, size_t index, const char *project, int64_t chain,
                          mvg_chain_kind kind, const char *hash,
                          const unsigned char pk_after[MVG_CHAIN_PK_BYTES]);

/* After a walk that held (items: the chained records walked): prints one
 * line per project to out ("project P: chain A..B checked, from the first
 * record, reaches the last head (chain N, T)"). 0 when every range holds;
 * 1 after printing the first error ("project P: cut head: chain 1..K-1 not
 * in the input", "project P: withheld tail: ...", "project P head of T
 * (chain N): altered: ..."); -1 when out of memory. */
int mvg_cli_heads_check(mvg_cli_heads *h, const mvg_chain_item *items, size_t n, FILE *out);

#endif
