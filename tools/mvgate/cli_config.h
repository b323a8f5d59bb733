/*
 * cli_config.h: what the subcommands that work on a gateway's files share:
 * loading its configuration (every problem printed as FILE:LINE) and
 * opening its store read-only, so that they can run next to the daemon.
 */
#ifndef MVG_CLI_CONFIG_H
#define MVG_CLI_CONFIG_H

#include <stdint.h>

#include "config.h"
#include "store.h"

/* The config at path, or NULL after printing every problem to stderr. */
mvg_config *mvg_cli_load_config(const char *path, const mvg_config_opts *opts);

/* cfg's store opened read-only, or NULL after printing
 * "mvgate COMMAND: why" to stderr. */
mvg_store *mvg_cli_open_store(const char *command, const mvg_config *cfg);

/* A --from/--to time: ISO 8601 UTC (fractions of a second allowed) or
 * epoch ms. 0, or -1 when it is neither. */
int mvg_cli_parse_when(const char *s, int64_t *ms);

#endif
