/*
 * programme_data.h: the figures of `mvgate programme`, gathered once from
 * the hub's database (tools/hub/hub_db.h) into one plain struct that every
 * format writes (programme_out.h), so that HTML, JSON and CSV cannot
 * disagree. It owns nothing but its own allocations.
 *
 * Only verified records count ("ok" in hub_records), read through what the
 * hub keeps as it verifies (tools/hub/hub_tally.h): per project the
 * verified count, per project, stream and Hong Kong day the sums of the
 * verified reporting-period interval records. Beside those it reads the
 * few rows each project has: its newest verified definition (technology,
 * interval) and model record (for the uncertainty), the records waiting
 * or bad, its open alarms, and the one record that ends the window (its
 * annual figures). Nothing walks the records themselves.
 *
 * Per project and window:
 * - measured: the converted savings of the window's counted intervals,
 *   summed (TJ, t CO2, t VOC, t SO2, t NOx, m3 water, HK$);
 * - uncertainty: each stream's savings interval over the window from the
 *   engine's mvg_savings_from_totals (the window's counted intervals, the
 *   adjusted baseline and actual summed, the stream's verified model) at
 *   the programme's confidence, as `mvgate report` computes a window's;
 *   converted at the window's own ratio of converted to savings;
 * - annual: the annual figures of the last verified record in the window
 *   (its cumulative annual_converted), as the record gives them.
 * Programme totals: sums over projects; the uncertainty of each total is
 * the root-sum-square of the projects' (and streams') half-widths, the
 * intervals taken as independent (LBNL RMV2.0's portfolio savings, docs/
 * hub.md "Programme report").
 */
#ifndef MVG_PROGRAMME_DATA_H
#define MVG_PROGRAMME_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "hub_db.h"

/* Hong Kong time (UTC+8, no daylight saving): the programme's calendar. */
#define MVG_PRG_TZ_MS (8 * 3600000LL)

/* The programme's units, in the order they are reported. */
typedef enum {
    MVG_PU_TJ,
    MVG_PU_CO2_T,
    MVG_PU_VOC_T,
    MVG_PU_SO2_T,
    MVG_PU_NOX_T,
    MVG_PU_WATER_M3,
    MVG_PU_HKD,
    MVG_PU_COUNT
} mvg_prg_unit;

extern const char *const mvg_prg_unit_key[MVG_PU_COUNT];  /* "tj", "co2_t", ... */
extern const char *const mvg_prg_unit_name[MVG_PU_COUNT]; /* "TJ", "t CO2", ... */

typedef struct {
    char gateway[128], project[128], technology[64];
    int64_t interval_ms;          /* from the definition; 0 when none verified */
    /* verification */
    int64_t ok_records, ok_chain_max, unread, waiting, bad;
    const char *status;           /* "verified", "bad", "unverified" */
    size_t open_alarms;
    char alarms[256];             /* their kinds, comma separated */
    /* the window */
    int64_t records;              /* verified reporting records (one per interval) */
    int64_t first_ms, last_ms;    /* their first and last start (records > 0) */
    double coverage;              /* NaN without records */
    double measured[MVG_PU_COUNT];
    double half[MVG_PU_COUNT];    /* half-width at the confidence; NaN: undefined */
    double annual[MVG_PU_COUNT];  /* NaN: not given by the last record */
    int has_measured;             /* a counted interval in the window */
} mvg_prg_project;

typedef struct {
    int64_t start_ms;             /* the month's 00:00 HKT on its 1st */
    double measured[MVG_PU_COUNT];
} mvg_prg_month;

typedef struct {
    int64_t from_ms, to_ms;       /* INT64_MIN / INT64_MAX when open */
    char year[16];                /* "2025-26" or "" */
    int64_t generated_ms;
    double confidence;
    mvg_prg_project *projects;
    size_t nprojects;
    /* totals; NaN while no project gives the figure */
    double measured[MVG_PU_COUNT], half[MVG_PU_COUNT], annual[MVG_PU_COUNT];
    size_t n_measured;            /* projects with a counted interval */
    size_t n_half_missing;        /* of them, projects whose interval is undefined */
    size_t n_annual;              /* projects whose last record gives annual figures */
    size_t n_bad, n_alarmed;      /* projects with bad records, with open alarms */
    int64_t records, unread;
    mvg_prg_month *months;        /* the window's months with records, in order */
    size_t nmonths;
} mvg_programme;

typedef struct {
    mvg_hub_db *db;
    int64_t from_ms, to_ms;       /* INT64_MIN / INT64_MAX: open */
    const char *year;             /* for the title, or NULL */
    double confidence;            /* of the programme's intervals, e.g. 0.90 */
    int64_t now_ms;
} mvg_programme_req;

/*
 * The programme year "2025-26": 1 April 2025 00:00 to 1 April 2026 00:00
 * Hong Kong time. 0 and the window, or -1 (not YYYY-YY with YY the next
 * year's last two digits).
 */
int mvg_programme_year(const char *s, int64_t *from_ms, int64_t *to_ms);

/* Gathers the programme. NULL with err on a database error, a window not
 * on Hong Kong day boundaries, or a record that does not parse. */
mvg_programme *mvg_programme_build(const mvg_programme_req *req, char *err, size_t errlen);
void mvg_programme_free(mvg_programme *p);

#endif
