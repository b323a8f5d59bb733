/*
 * cmd_programme.c: `mvgate programme -c HUB.CONF [--year 2025-26 | --from
 * T --to T] [--format html|json|csv] [--lang en|zh-Hant] [--confidence C]
 * [--out FILE]`: the programme's verified savings from the hub's database
 * (docs/hub.md "Programme report"). The figures are gathered by
 * programme_data.c and written by programme_html.c, programme_json.c or
 * programme_csv.c; --out is written whole or not at all (cli_outfile.h).
 *
 * Exit: 0 when written and every project verifies (no bad record, no
 * verified record whose figures did not read); 1 when written but one does
 * not (open alarms are listed per project, and do not change the exit:
 * an offline gateway's records verify all the same);
 * 2 on bad input (usage, hub.conf error, window, database), nothing written.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "cli_args.h"
#include "cli_outfile.h"
#include "commands.h"
#include "diag.h"
#include "hub_config.h"
#include "hub_db.h"
#include "programme_data.h"
#include "programme_out.h"
#include "report_i18n.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate programme -c HUB.CONF [--year 2025-26 | --from T --to T]\n"
            "                        [--format html|json|csv] [--lang en|zh-Hant]\n"
            "                        [--confidence C] [--out FILE]\n"
            "The programme's totals and every project's verification and savings, from the\n"
            "records the hub verified. A programme year runs from 1 April to 1 April, 00:00\n"
            "Hong Kong time; --from and --to (from inclusive, to exclusive, interval records\n"
            "by their start) must be Hong Kong midnights, e.g. 2025-04-01T00:00+08:00.\n"
            "Default: every verified record, HTML, English, confidence 0.90, stdout.\n"
            "Exit 0: written, every project verifies; 1: written, a project has bad records;\n"
            "2: bad input.\n");
}

typedef struct {
    const mvg_programme *p;
    int fmt;
    mvg_lang lang;
} job;

static int write_job(FILE *out, void *arg, char *err, size_t errlen)
{
    const job *j = arg;
    switch (j->fmt) {
    case 1:
        return mvg_programme_write_json(j->p, out, err, errlen);
    case 2:
        return mvg_programme_write_csv(j->p, out, err, errlen);
    default:
        return mvg_programme_write_html(j->p, j->lang, out, err, errlen);
    }
}

int mvg_cmd_programme(int argc, char **argv)
{
    static const char *const formats[] = {"html", "json", "csv", NULL};
    const char *path = NULL, *outpath = NULL, *year = NULL, *lang_name = "en";
    int64_t from = INT64_MIN, to = INT64_MAX;
    double confidence = 0.90;
    int format = 0;
    const mvg_arg args[] = {
        {"config", 'c', MVG_ARG_STR, &path, NULL, 1, "HUB.CONF",
         "the hub's configuration (docs/hub.md)"},
        {"year", 0, MVG_ARG_STR, &year, NULL, 0, "YYYY-YY",
         "the programme year: 1 April YYYY to 1 April of the next, Hong Kong time"},
        MVG_ARG_WINDOW(&from, &to),
        {"format", 0, MVG_ARG_CHOICE, &format, formats, 0, NULL, NULL},
        {"lang", 0, MVG_ARG_STR, &lang_name, NULL, 0, "en|zh-Hant", NULL},
        {"confidence", 0, MVG_ARG_FRACTION, &confidence, NULL, 0, NULL,
         "of the savings intervals (default 0.90)"},
        {"out", 'o', MVG_ARG_STR, &outpath, NULL, 0, "PATH", NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("programme", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_lang lang = MVG_LANG_EN;
    if (mvg_lang_parse(lang_name, &lang) != 0) {
        fprintf(stderr, "mvgate programme: --lang is en or zh-Hant, not '%s'\n", lang_name);
        return 2;
    }
    if (year) {
        if (from != INT64_MIN || to != INT64_MAX) {
            fprintf(stderr, "mvgate programme: --year or --from/--to, not both\n");
            return 2;
        }
        if (mvg_programme_year(year, &from, &to) != 0) {
            fprintf(stderr,
                    "mvgate programme: --year is a programme year like 2025-26 (April 2025 to"
                    " March 2026), not '%s'\n",
                    year);
            return 2;
        }
    }
    mvg_hub_cfg cfg;
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_hub_config_load(path, &cfg, d) : -1;
    if (rc < 0) {
        if (d) {
            fprintf(stderr, "mvgate programme: %s has errors:\n", path);
            mvg_diags_print(d, stderr);
        }
        mvg_diags_free(d);
        return 2;
    }
    mvg_diags_free(d);
    char err[700];
    mvg_hub_db *db = mvg_hub_db_open(&cfg.db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "mvgate programme: %s\n", err);
        return 2;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mvg_programme_req req = {db, from, to, year, confidence,
                             (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000};
    mvg_programme *p = mvg_programme_build(&req, err, sizeof err);
    mvg_hub_db_close(db);
    if (!p) {
        fprintf(stderr, "mvgate programme: %s\n", err);
        return 2;
    }
    job j = {p, format, lang};
    int w = outpath ? mvg_cli_write_file(outpath, write_job, &j, err, sizeof err)
                    : mvg_cli_write_stdout(write_job, &j, err, sizeof err);
    if (w != 0) {
        fprintf(stderr, "mvgate programme: %s\n", err);
        mvg_programme_free(p);
        return 2;
    }
    rc = p->n_bad || p->unread ? 1 : 0;
    if (rc)
        fprintf(stderr,
                "mvgate programme: %zu project(s) with bad records, %zu with open alarms,"
                " %lld verified record(s) unread\n",
                p->n_bad, p->n_alarmed, (long long)p->unread);
    mvg_programme_free(p);
    return rc;
}
