/*
 * cmd_report.c: `mvgate report -c FILE --project P [--from T] [--to T]
 * [--out FILE] [--format html|json|csv] [--lang en|zh-Hant]`: the
 * verification report of one project from the gateway's store (opened
 * read-only, so it runs next to the daemon). The figures are gathered by
 * report_data.c and written by report_html.c, report_json.c or
 * report_csv.c. --out is written to a temporary file beside it and renamed
 * into place, so a reader never sees half a report.
 *
 * Exit: 0 when the report is written and the chain holds; 1 when it is
 * written but the chain does not hold; 2 on bad input (usage, config,
 * unknown project, empty window, unwritable --out), nothing written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli_args.h"
#include "cli_config.h"
#include "cli_outfile.h"
#include "commands.h"
#include "report_data.h"
#include "report_i18n.h"
#include "report_out.h"

typedef enum { FMT_HTML, FMT_JSON, FMT_CSV } report_format;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate report -c FILE --project P [--from T] [--to T] [--out FILE]\n"
            "                     [--format html|json|csv] [--lang en|zh-Hant]\n"
            "                     [--enrolled REGISTER]\n"
            "REGISTER: the verifier's register of enrolled gateways (GATEWAY_ID FINGERPRINT\n"
            "lines, # comments); the chain must start with the key enrolled for the gateway.\n"
            "Without it the chain is checked with the gateway's own key files and the report\n"
            "says the result is self-attested.\n"
            "T: ISO 8601 UTC (2026-11-28T10:00:00Z) or epoch ms; from inclusive, to exclusive\n"
            "(interval records by their start). Default: every record, HTML, English, stdout.\n"
            "Exit 0: written, chain holds; 1: written, chain does NOT hold; 2: bad input.\n");
}

static int write_report(const mvg_report *r, report_format fmt, mvg_lang lang, FILE *out,
                        char *err, size_t errlen)
{
    switch (fmt) {
    case FMT_JSON:
        return mvg_report_write_json(r, out, err, errlen);
    case FMT_CSV:
        return mvg_report_write_csv(r, out, err, errlen);
    default:
        return mvg_report_write_html(r, lang, out, err, errlen);
    }
}

/* The report to a stream, for cli_outfile.h. */
typedef struct {
    const mvg_report *r;
    report_format fmt;
    mvg_lang lang;
} report_job;

static int write_job(FILE *out, void *arg, char *err, size_t errlen)
{
    const report_job *j = arg;
    return write_report(j->r, j->fmt, j->lang, out, err, errlen);
}

int mvg_cmd_report(int argc, char **argv)
{
    static const char *const formats[] = {"html", "json", "csv", NULL};
    const char *path = NULL, *project = NULL, *outpath = NULL;
    int64_t from = INT64_MIN, to = INT64_MAX;
    const char *lang_name = "en", *enrolled = NULL;
    int format = 0;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"project", 'p', MVG_ARG_STR, &project, NULL, 1, "P", NULL},
        MVG_ARG_WINDOW(&from, &to),
        {"out", 'o', MVG_ARG_STR, &outpath, NULL, 0, "PATH", NULL},
        {"format", 0, MVG_ARG_CHOICE, &format, formats, 0, NULL, NULL},
        {"lang", 0, MVG_ARG_STR, &lang_name, NULL, 0, NULL, NULL},
        {"enrolled", 0, MVG_ARG_STR, &enrolled, NULL, 0, NULL, NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("report", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    report_format fmt = format == 0 ? FMT_HTML : format == 1 ? FMT_JSON : FMT_CSV;
    mvg_lang lang = MVG_LANG_EN;
    if (mvg_lang_parse(lang_name, &lang) != 0) {
        fprintf(stderr, "mvgate report: --lang is en or zh-Hant, not '%s'\n", lang_name);
        return 2;
    }
    mvg_cli_enrol reg = {0};
    if (enrolled && mvg_cli_enrol_open("report", enrolled, &reg) != 0)
        return 2;
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg) {
        mvg_cli_enrol_free(&reg);
        return 2;
    }
    char err[700] = "";
    int rc = 2;
    mvg_report *r = NULL;
    mvg_store *st = mvg_cli_open_store("report", cfg);
    if (!st)
        goto out;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mvg_report_req req = {cfg, st, project, from, to,
                          (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, enrolled ? &reg : NULL};
    r = mvg_report_build(&req, err, sizeof err);
    if (!r) {
        fprintf(stderr, "mvgate report: %s\n", err);
        goto out;
    }
    report_job job = {r, fmt, lang};
    int w = outpath ? mvg_cli_write_file(outpath, write_job, &job, err, sizeof err)
                    : mvg_cli_write_stdout(write_job, &job, err, sizeof err);
    if (w != 0) {
        fprintf(stderr, "mvgate report: %s\n", err);
        goto out;
    }
    if (!r->chain_ok) {
        fprintf(stderr, "mvgate report: the signed chain of %s does NOT hold: %s\n", project,
                r->chain.line);
        rc = 1;
    } else {
        rc = 0;
    }
out:
    mvg_report_free(r);
    mvg_store_close(st);
    mvg_config_free(cfg);
    mvg_cli_enrol_free(&reg);
    return rc;
}
