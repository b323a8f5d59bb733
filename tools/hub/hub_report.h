/*
 * hub_report.h: the hub's verified records as the source of a report
 * (report_data.h's mvg_report_source), so that `mvgate report --hub`
 * gives the gateway's report from what the hub received. It owns the
 * records it read, the project read back from the project's definition
 * record (definition.h) and the range they cover.
 *
 * What is used: the project's records at chain 1, 2, ... N, each the one
 * verified "ok" at its position, up to the first position that has none
 * (missing, waiting for verification, or only bad records). Records after
 * it, and every record that is not "ok" (altered, unknown key, a forgery
 * beside the real one, ...), are not used; the chain line says which
 * range the report covers and why it stops there, and a bad record makes
 * the chain not hold. The project is the last verified definition record
 * in that range, its model the last verified model record.
 */
#ifndef MVG_HUB_REPORT_H
#define MVG_HUB_REPORT_H

#include <stddef.h>

#include "cli_enrol.h"
#include "hub_db.h"
#include "report_data.h"

typedef struct mvg_hub_report mvg_hub_report;

/*
 * Reads project's records from db. gateway NULL: the one gateway that has
 * the project (two: an error asking for it). reg: the hub's register, for
 * the trust line (the hub verified the chain against it). origin: what the
 * report names as where the records come from. NULL with err when the
 * project is unknown, has no verified definition record, or the database
 * cannot be read.
 */
mvg_hub_report *mvg_hub_report_open(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *origin,
                                    const char *gateway, const char *project, char *err,
                                    size_t errlen);
const mvg_report_source *mvg_hub_report_source(const mvg_hub_report *h);
void mvg_hub_report_free(mvg_hub_report *h);

#endif
