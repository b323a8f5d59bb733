/*
 * definition.h: the project definition record (mvgate/definition/1), a
 * signed member of the project's chain (chain.h) that states what the
 * project's interval records are computed under: its periods, IPMVP option
 * and measurement boundary, the meters it reads, its streams with their
 * channels, model forms and every conversion factor (value, unit, source,
 * defaulted), and the SHA-256 of the configuration as loaded. The gateway
 * writes version 1 before the project's first interval record and a new
 * version whenever the content changes; each interval record names the
 * version in force ("definition"). Byte rules and an example are in
 * docs/mqtt.md ("Project definition"). Pure: builds text, reads no clock.
 */
#ifndef MVG_DEFINITION_H
#define MVG_DEFINITION_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "config.h"
#include "payload.h"
#include "project.h"

#define MVG_SCHEMA_DEFINITION "mvgate/definition/1"

typedef struct {
    const char *gateway;
    const mvg_config *cfg;          /* the devices and buses the meters are */
    const mvg_project_cfg *prj;
    const unsigned char *uses;      /* per device of cfg: 1 when the project reads it */
} mvg_definition_in;

/* The digest of the definition's content: the SHA-256 of the record built
 * without its volatile members (version, created and the chain members),
 * so that an unchanged definition can be told from a changed one. */
void mvg_definition_digest(const mvg_definition_in *in, char out[MVG_CHAIN_HEX_LEN]);

/* The unsigned record (sign it with mvg_signer_sign()): malloc'd, NULL
 * when out of memory. created_ms: the gateway's clock when it was written. */
char *mvg_definition_record(const mvg_definition_in *in, int64_t version, int64_t created_ms,
                            const mvg_payload_link *link);

#endif
