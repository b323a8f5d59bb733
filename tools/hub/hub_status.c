/*
 * hub_status.c: the per-project summary of the hub's verdicts (hub_status.h).
 */
#include "hub_status.h"

#include <stdlib.h>
#include <string.h>

/* Prints the runs of positions in [from, to] that none of chains (sorted,
 * distinct, n of them) holds: "a..b, c". Returns how many. */
static size_t print_gaps(FILE *out, const int64_t *chains, size_t n)
{
    size_t gaps = 0;
    int64_t expect = 1;
    for (size_t i = 0; i <= n; i++) {
        int64_t c = i < n ? chains[i] : expect;
        if (c > expect) {
            fprintf(out, "%s%lld", gaps++ ? ", " : "", (long long)expect);
            if (c - 1 > expect)
                fprintf(out, "..%lld", (long long)(c - 1));
        }
        if (c >= expect)
            expect = c + 1;
    }
    return gaps;
}

long mvg_hub_status_print(mvg_hub_db *db, FILE *out)
{
    mvg_hub_rows *r = mvg_hub_db_query(
        db,
        "SELECT gateway, project, chain, verdict, detail FROM hub_records"
        " ORDER BY gateway, project, chain, verdict",
        NULL, 0);
    if (!r)
        return -1;
    long bad = 0;
    size_t n = mvg_hub_rows_count(r);
    int64_t *chains = malloc((n ? n : 1) * sizeof *chains);
    if (!chains) {
        mvg_hub_rows_free(r);
        return -1;
    }
    for (size_t i = 0; i < n;) {
        const char *gw = mvg_hub_rows_text(r, i, 0), *pr = mvg_hub_rows_text(r, i, 1);
        size_t j = i, nc = 0, ok = 0, pending = 0, nbad = 0;
        int64_t verified_to = 0;
        for (; j < n && strcmp(mvg_hub_rows_text(r, j, 0), gw) == 0 &&
               strcmp(mvg_hub_rows_text(r, j, 1), pr) == 0;
             j++) {
            int64_t c = mvg_hub_rows_int(r, j, 2);
            const char *v = mvg_hub_rows_text(r, j, 3);
            if (!nc || chains[nc - 1] != c)
                chains[nc++] = c;
            if (!v)
                pending++;
            else if (strcmp(v, "ok") == 0) {
                ok++;
                if (c == verified_to + 1)
                    verified_to = c;
            } else
                nbad++;
        }
        fprintf(out, "gateway %s project %s: ", gw, pr);
        if (verified_to)
            fprintf(out, "verified chain 1..%lld", (long long)verified_to);
        else
            fprintf(out, "nothing verified from chain 1");
        fprintf(out, ", %zu record(s) ok, %zu waiting, %zu bad; highest chain %lld; gaps: ", ok,
                pending, nbad, (long long)chains[nc - 1]);
        if (!print_gaps(out, chains, nc))
            fputs("none", out);
        fputc('\n', out);
        for (size_t k = i; k < j; k++) {
            const char *v = mvg_hub_rows_text(r, k, 3);
            if (v && strcmp(v, "ok") != 0) {
                fprintf(out, "  bad: gateway %s project %s chain %lld: %s: %s\n", gw, pr,
                        (long long)mvg_hub_rows_int(r, k, 2), v,
                        mvg_hub_rows_text(r, k, 4) ? mvg_hub_rows_text(r, k, 4) : "");
                bad++;
            }
        }
        i = j;
    }
    free(chains);
    mvg_hub_rows_free(r);

    r = mvg_hub_db_query(db,
                         "SELECT topic, note, COUNT(*) FROM hub_messages WHERE note IS NOT NULL"
                         " GROUP BY topic, note ORDER BY topic, note",
                         NULL, 0);
    if (!r)
        return -1;
    for (size_t i = 0; i < mvg_hub_rows_count(r); i++) {
        fprintf(out, "  noted: %s: %s (%lld message(s))\n", mvg_hub_rows_text(r, i, 0),
                mvg_hub_rows_text(r, i, 1), (long long)mvg_hub_rows_int(r, i, 2));
        bad++;
    }
    mvg_hub_rows_free(r);
    r = mvg_hub_db_query(db,
                         "SELECT COUNT(*), COUNT(DISTINCT record_id) FROM hub_messages"
                         " WHERE record_id IS NOT NULL",
                         NULL, 0);
    if (!r)
        return -1;
    if (mvg_hub_rows_count(r))
        fprintf(out, "records: %lld message(s) of %lld distinct record(s)\n",
                (long long)mvg_hub_rows_int(r, 0, 0), (long long)mvg_hub_rows_int(r, 0, 1));
    mvg_hub_rows_free(r);
    return bad;
}
