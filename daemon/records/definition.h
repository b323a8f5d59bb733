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
 * The reader (definition_read.c, beside the writer: one home for the
 * format) turns a record back into the project it states, for those who
 * have the records and not the configuration (`mvgate report --hub`).
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
    /* per device of cfg and per point of it: 1 when the project counts the
     * point as a use or emission (mvg_runner_project_counts_point, the one
     * rule of a double count); NULL: the record states no "counts" */
    const unsigned char *const *counts;
} mvg_definition_in;

/* The digest of the definition's content: the SHA-256 of the record built
 * without its volatile members (version, created and the chain members),
 * so that an unchanged definition can be told from a changed one. */
void mvg_definition_digest(const mvg_definition_in *in, char out[MVG_CHAIN_HEX_LEN]);

/* The unsigned record (sign it with mvg_signer_sign()): malloc'd, NULL
 * when out of memory. created_ms: the gateway's clock when it was written. */
char *mvg_definition_record(const mvg_definition_in *in, int64_t version, int64_t created_ms,
                            const mvg_payload_link *link);

/* ---- reading a record back (definition_read.c) ---- */

typedef struct {
    char name[MVG_NAME_MAX];
    char unit[32];
    int counter;                    /* kind "counter", else a gauge */
} mvg_definition_point;

/* A meter as the record states it: where it is and the points it has. */
typedef struct {
    char device[MVG_NAME_MAX];
    char profile[MVG_NAME_MAX];     /* "" when none */
    int unit_id;
    char transport[16];             /* "tcp", "rtu", "rtu-tcp" */
    char host[256];                 /* "" for a serial line */
    int port;
    char serial_port[256];          /* "" for TCP */
    char accuracy_class[16];        /* "" when not stated */
    char calibration_date[16];      /* YYYY-MM-DD, "" when not stated */
    mvg_definition_point *points;
    size_t npoints;
} mvg_definition_meter;

/* A record read back. prj is the project as the engine's structs hold it
 * (periods, criteria, streams with their references, factors, given
 * models, adjustments, meter accuracy); derived holds the derived channels
 * it reads. Everything is owned by the mvg_definition. */
typedef struct {
    char gateway[MVG_NAME_MAX];
    int64_t version;
    int64_t chain;
    char config_sha256[MVG_CHAIN_HEX_LEN];
    mvg_project_cfg prj;
    mvg_definition_meter *meters;
    size_t nmeters;
    mvg_derived_cfg *derived;
    size_t nderived;
} mvg_definition;

/*
 * Reads the record bytes[0..len) (it does not check the signature: the
 * caller takes the record from a verified chain). Returns the definition,
 * or NULL with err naming the member that is missing or wrong.
 */
mvg_definition *mvg_definition_parse(const char *bytes, size_t len, char *err, size_t errlen);
void mvg_definition_free(mvg_definition *d);

#endif
