/*
 * cli_totals.h: the retained running totals (totals/<project>) held to the
 * signed record they copy. Totals are not signed: they repeat the
 * cumulative figures of the project's interval record with the same seq,
 * which is. `mvgate verify --mqtt-capture` checks each totals message
 * against that record when the capture holds it (docs/mqtt.md, "Retained
 * totals"); a disagreement names the figure.
 */
#ifndef MVG_CLI_TOTALS_H
#define MVG_CLI_TOTALS_H

#include <stddef.h>
#include <stdint.h>

/* The project and seq a totals document is of: 0, or -1 when text is no
 * totals document with both. */
int mvg_cli_totals_of(const char *text, size_t len, char *project, size_t plen, int64_t *seq);

/* Compares totals with the signed interval record of the same project and
 * seq: gateway, project, seq, phase and units, as_of against the record's
 * end, and every member of each stream (by position and name, its
 * cumulative block member by member). 0 when they agree; -1 with msg
 * naming the first figure that differs and both values. */
int mvg_cli_totals_check(const char *totals, size_t tlen, const char *record, size_t rlen,
                         char *msg, size_t msglen);

#endif
