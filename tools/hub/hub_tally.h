/*
 * hub_tally.h: the programme's running sums, kept by the hub as it
 * verifies, so that `mvgate programme` reads a few rows per project and day
 * instead of every record (tests/bench/bench_programme.c: a year of 328
 * projects' 15-minute records). It owns two tables (hub_db.c creates them):
 *   hub_tally_projects  per gateway and project: the verified records, the
 *                       highest verified chain position, and the verified
 *                       interval records whose figures did not read
 *   hub_tally_days      per gateway, project, stream and day in Hong Kong
 *                       time (UTC+8, the programme's calendar): the sums
 *                       of the verified reporting-period interval records
 *                       that start that day (records, coverage, counted
 *                       intervals, adjusted baseline, actual, adjustment,
 *                       savings and the converted savings), the first and
 *                       last start and the record id of the last
 * Only a record whose verdict this instance has just stored as "ok" is
 * added (the verification sweep calls mvg_hub_tally_verified in the same
 * transaction as the verdict), so each record is added once whichever
 * instance decided it; the sums are additions, so the order does not
 * matter. What is summed, and how a null figure counts, is the report's
 * rule (tools/mvgate/report_data.c window_savings): counted intervals
 * (a baseline value) add their adjusted baseline, actual and savings, every
 * reporting interval its adjustment.
 */
#ifndef MVG_HUB_TALLY_H
#define MVG_HUB_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "hub_db.h"
#include "hub_doc.h"
#include "hub_verify.h"

#define MVG_HUB_TALLY_TZ_MS (8 * 3600000LL) /* Hong Kong time: UTC+8, no DST */
#define MVG_HUB_TALLY_MAX_STREAMS 8

/* The converted savings, in the order of an interval record's "converted". */
typedef enum {
    MVG_HUB_TC_KWH,
    MVG_HUB_TC_TJ,
    MVG_HUB_TC_CO2_T,
    MVG_HUB_TC_POLLUTANT_KG,
    MVG_HUB_TC_WATER_M3,
    MVG_HUB_TC_COST_HKD,
    MVG_HUB_TC_COUNT
} mvg_hub_tally_conv;

extern const char *const mvg_hub_tally_conv_names[MVG_HUB_TC_COUNT]; /* "kwh", ... */

/* One stream's sums over some records of one day (one record, or many). */
typedef struct {
    char stream[64], type[24];
    int64_t day;                 /* mvg_hub_tally_day of the records' start */
    int64_t records, m;          /* reporting records; counted ones */
    double coverage;             /* sum of the stream's interval coverage */
    double adjusted_baseline, actual, adjustment, savings;
    double conv[MVG_HUB_TC_COUNT];
    int64_t first_ms, last_ms;   /* first and last start */
    int64_t last_id;             /* hub_records id of the record starting at last_ms */
} mvg_hub_tally_row;

/* The Hong Kong day (days since 1970-01-01 HKT) of a time, and its start. */
int64_t mvg_hub_tally_day(int64_t ms);
int64_t mvg_hub_tally_day_start(int64_t day);

/*
 * The rows one interval record adds (pure: bytes in, rows out), one per
 * stream, record_id its hub_records id. Returns how many (0: not a
 * reporting-period record), or -1 when the bytes are not an interval
 * record of this shape (err says what).
 */
int mvg_hub_tally_extract(const char *payload, size_t len, int64_t record_id,
                          mvg_hub_tally_row rows[MVG_HUB_TALLY_MAX_STREAMS], char *err,
                          size_t errlen);
/* The same from the record already parsed (doc: its JSON object). */
int mvg_hub_tally_extract_doc(const mvg_hub_doc *doc, int64_t record_id,
                              mvg_hub_tally_row rows[MVG_HUB_TALLY_MAX_STREAMS], char *err,
                              size_t errlen);

/* Adds rows (sums of one day each) to gateway/project's day rows: 0, or -1
 * with the database's error. */
int mvg_hub_tally_add(mvg_hub_db *db, const char *gateway, const char *project,
                      const mvg_hub_tally_row *rows, size_t n);

/* Adds n verified records (any kind) reaching chain position chain_max to
 * the project's verified count, unread of them interval records whose
 * figures could not be read: 0 or -1. */
int mvg_hub_tally_count(mvg_hub_db *db, const char *gateway, const char *project, int64_t n,
                        int64_t chain_max, int64_t unread);

/*
 * What the sweep calls for a record it has just stored as "ok": the count,
 * and an interval record's rows. A record whose bytes do not give rows is
 * counted as unread and its rows skipped (the programme report shows the
 * count, so a record is never silently left out). 0, or
 * -1 on a database error. The record's parsed form (x->doc) is used when
 * there, else its bytes are parsed.
 */
int mvg_hub_tally_verified(mvg_hub_db *db, const mvg_hub_vrec *x, const char *project,
                           int64_t id);

#endif
