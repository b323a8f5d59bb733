/*
 * payload.h: the JSON documents mvgate publishes and stores: telemetry (one
 * device poll), interval records (one project interval with every stream's
 * savings and the channels behind them) and running totals. Every document
 * carries a "schema" name with its version, ISO 8601 UTC times, units and
 * qualities; numbers that are undefined are null, never 0. The schemas are
 * in docs/schemas/ and documented in docs/mqtt.md. Returns malloc'd text
 * (the caller frees it) or NULL when out of memory.
 */
#ifndef MVG_PAYLOAD_H
#define MVG_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "jsonw.h"
#include "interval.h"
#include "project.h"
#include "sample_queue.h"

/* Telemetry 2: a 64-bit integer point's sample carries "raw", its exact
 * register value, and a string point's "value" is its text. */
#define MVG_SCHEMA_TELEMETRY "mvgate/telemetry/2"
/* Interval records, by schema version. 4 (written now): version 3 and, in
 * "cumulative", "annual_calendar" (the normal year of an operating
 * calendar, docs/mqtt.md "Operating calendar"). 3: version 2 and
 * "definition", the version of the project's definition record in force.
 * 2: every figure that
 * is undefined in the interval's phase is null: outside the reporting
 * period adjusted_baseline, avoided, adjustment, savings and converted; in a
 * reporting interval without a baseline value (not valid, or no model) all
 * of them but adjustment; annual_converted while annual_savings is null.
 * 1 (gateways before this rule) wrote 0 for them outside the reporting
 * period, the adjustment (converted) as the savings of a reporting interval
 * without a baseline value, and 0 for the members of annual_converted that
 * do not apply to the stream. docs/mqtt.md, "Undefined figures".
 * Schema 3 adds "definition" (the project definition in force), "net" (the
 * project's net total, null until defined), per stream "removal", and in
 * "cumulative" "annual_baseline", "annual_basis", "annual_error" and
 * "removal"; its annual_savings is the normalised figure (docs/method.md
 * "Annual figures"). Records of 1 and 2 are rebuilt with the old annual
 * rule (legacy_annual in payload.c) and without those members.
 * Schema 4 adds the screening (docs/mqtt.md "Screening"): per stream
 * "extrapolated" and "x_outside" (an x outside the baseline's range), in
 * "cumulative" "m_extrapolated"; and "pollutant_t" (tonnes) after
 * "pollutant_kg" in "units" and every converted block; records of 3 are
 * rebuilt without them.
 * Schema 5 adds "granularity" ("interval" or "daily", after "definition")
 * and per stream "day": the local day a daily project's interval ends,
 * with its figures (docs/mqtt.md "Daily projects"), null otherwise;
 * records of 4 are rebuilt without them. */
#define MVG_SCHEMA_INTERVAL "mvgate/interval/5"
#define MVG_SCHEMA_INTERVAL_VERSION 5
#define MVG_SCHEMA_TOTALS "mvgate/totals/1"
/* Model records: 2 adds per stream "screening" (docs/mqtt.md
 * "Screening"); replay rebuilds a stored 1 without it. */
#define MVG_SCHEMA_MODEL "mvgate/model/2"
#define MVG_SCHEMA_MODEL_VERSION 2
/* The outlier rule as the model record names it (screen.h). */
#define MVG_SCREEN_RULE "CalTRACK 2.0 methods 2.3.6: a residual more than 3 interquartile ranges from the median"

/* ISO 8601 UTC with milliseconds ("2026-01-06T01:05:00.000Z"). */
const char *mvg_payload_time(int64_t ms, char *buf, size_t len);

/* A sample's members as telemetry and `mvgate read --json` write them:
 * "value" (its text for a string point; null when not answered or not a
 * number), "raw" (a 64-bit integer's exact register value), "unit",
 * "quality" and, for a Modbus exception, "exception_code". answered 0 (a
 * poll that got no reply) writes value null and no raw. */
void mvg_payload_sample_members(mvg_jsonw *w, const mvg_sample *s, const char *unit,
                                int answered);

/* The telemetry of one poll, written by w (a poll-rate payload: no
 * allocation per value; the text is w's until its next use, *len its
 * length); only: which points to include (NULL: all). NULL when out of
 * memory or a name or unit is not UTF-8. */
const char *mvg_payload_telemetry(mvg_jsonw *w, const char *gateway, const mvg_device_cfg *dev,
                                  const mvg_sample_batch *b, const unsigned char *only,
                                  size_t *len);

/* Where a record sits in its project's signed chain (chain.h): its
 * position, the signer's fingerprint and the hash of the previous record.
 * Records built with it are unsigned: the caller signs them with
 * mvg_chain_sign(). */
typedef struct {
    int64_t chain;
    const char *key;
    const char *prev;
    /* interval records (schema 3 on): the version of the project's
     * definition record (definition.h) in force, 0 for none (null) */
    int64_t definition;
} mvg_payload_link;

/* channels: the names of rec's channels in order. */
char *mvg_payload_interval(const char *gateway, const char *project, int64_t seq,
                           const mvg_interval_record *rec, const char *const *channels,
                           const mvg_project_result *res, const mvg_payload_link *link);

/* The version N of an interval record's schema "mvgate/interval/N" when it
 * is one mvg_payload_interval_as() writes (1 to 4), else -1. */
int mvg_payload_interval_version(const char *schema);

/* The interval record as schema version `version` wrote it (replay compares
 * a stored record under the rules it was written by): 4 is
 * mvg_payload_interval(); 3 has none of the members of 4; 2 has no "definition"; 1 needs the project's configuration (prj) for the
 * conversions its rule wrote. NULL for another version, or out of memory. */
char *mvg_payload_interval_as(int version, const mvg_project_cfg *prj, const char *gateway,
                              const char *project, int64_t seq, const mvg_interval_record *rec,
                              const char *const *channels, const mvg_project_result *res,
                              const mvg_payload_link *link);

#define MVG_SCHEMA_IDENTITY "mvgate/identity/1"
/* The gateway's public key (retained on <prefix>/<gw>/identity). */
char *mvg_payload_identity(const char *gateway, const char *key_b64, const char *fingerprint);

/* The baseline models of a project as frozen at the end of its baseline
 * (one entry per stream; a stream whose fit failed carries its error). */
char *mvg_payload_model(const char *gateway, const mvg_project *prj, int64_t version,
                        int64_t fitted_at_ms, const mvg_payload_link *link);
/* The same as model schema schema_version (1 or 2) wrote it; NULL for another. */
char *mvg_payload_model_as(int schema_version, const char *gateway, const mvg_project *prj,
                           int64_t version, int64_t fitted_at_ms, const mvg_payload_link *link);

#define MVG_SCHEMA_KEY "mvgate/key/1"
/* A key rotation in project's chain: signed by the outgoing key (link->key),
 * it names the key that signs the project's records after it. created_ms:
 * the gateway's clock when the rotation was applied. */
char *mvg_payload_key_record(const char *gateway, const char *project, int64_t created_ms,
                             const char *new_key_b64, const char *new_fingerprint,
                             const mvg_payload_link *link);

#define MVG_SCHEMA_NEWCHAIN "mvgate/newchain/1"
/* The first record of a project chain begun again under a key that has
 * signed before (mvgated --new-chain after the store was emptied or lost):
 * signed like every chained record (chain 1, prev 64 zeros), it says that
 * the records before it are not in this store, when the new chain began
 * (created_ms, the gateway's clock), what was found of the previous store
 * (previous_store, e.g. "empty (0 bytes)") and why (reason). */
char *mvg_payload_newchain_record(const char *gateway, const char *project, int64_t created_ms,
                                  const char *previous_store, const char *reason,
                                  const mvg_payload_link *link);

char *mvg_payload_totals(const char *gateway, const char *project, int64_t seq,
                         const mvg_project_result *res);

#endif
