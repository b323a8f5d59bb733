/*
 * cmd_report.c: `mvgate report -c FILE --project P [--from T] [--to T]
 * [--out FILE] [--format html|json|csv] [--lang en|zh-Hant]`: the
 * verification report of one project from the gateway's store (opened
 * read-only, so it runs next to the daemon); with `--hub HUB.CONF` instead
 * of -c, from the records the hub received and verified (hub_report.h),
 * through the same report_data.c. The figures are gathered by
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
#include "hub_config.h"
#include "hub_db.h"
#include "hub_report.h"
#include "report_data.h"
#include "report_i18n.h"
#include "report_out.h"
#include "runner.h"

typedef enum { FMT_HTML, FMT_JSON, FMT_CSV } report_format;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate report -c FILE --project P [--from T] [--to T] [--out FILE]\n"
            "                     [--format html|json|csv] [--lang en|zh-Hant]\n"
            "                     [--enrolled REGISTER]\n"
            "       mvgate report --hub HUB.CONF [--gateway G] --project P [--from T] [--to T]\n"
            "                     [--out FILE] [--format html|json|csv] [--lang en|zh-Hant]\n"
            "--hub: from the records the hub received and verified (chain 1..N, each ok),\n"
            "the project as its definition record states it, held to hub.conf's register.\n"
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

/* The source the report reads: the gateway's store (-c) or the hub's
 * verified records (--hub); what is opened for it, closed by close_source. */
typedef struct {
    mvg_config *cfg;
    mvg_store *st;
    mvg_report_src_store *store_src;
    mvg_hub_cfg hub;
    mvg_hub_db *db;
    mvg_hub_report *hub_src;
    mvg_cli_enrol reg;
    mvg_runner *runner; /* the projects bound, for which of them count a point */
    char origin[MVG_CFG_FILE_MAX + 64];
} report_source;

static int counts_point(void *ctx, size_t project, size_t device, size_t point)
{
    return mvg_runner_project_counts_point(ctx, project, device, point);
}

static void close_source(report_source *s)
{
    mvg_report_src_store_free(s->store_src);
    mvg_store_close(s->st);
    mvg_config_free(s->cfg);
    mvg_hub_report_free(s->hub_src);
    mvg_hub_db_close(s->db);
    mvg_cli_enrol_free(&s->reg);
    mvg_runner_free(s->runner);
}

static const mvg_report_source *open_gateway(report_source *s, const char *path,
                                             const char *project, const char *enrolled)
{
    char err[700];
    if (enrolled && mvg_cli_enrol_open("report", enrolled, &s->reg) != 0)
        return NULL;
    s->cfg = mvg_cli_load_config(path, NULL);
    if (!s->cfg)
        return NULL;
    s->st = mvg_cli_open_store("report", s->cfg);
    if (!s->st)
        return NULL;
    s->store_src =
        mvg_report_src_store_new(s->cfg, s->st, project, enrolled ? &s->reg : NULL, err, sizeof err);
    if (!s->store_src) {
        fprintf(stderr, "mvgate report: %s\n", err);
        return NULL;
    }
    /* bound as mvgated binds them (a configuration `check` accepts binds);
     * without it the report names no point counted twice */
    s->runner = mvg_runner_new(s->cfg, 1.0, err, sizeof err);
    if (s->runner)
        mvg_report_src_store_set_counts(s->store_src, counts_point, s->runner);
    return mvg_report_src_store_get(s->store_src);
}

/* hub.conf, its database and its register: the hub verified the chain
 * against that register, so the report is held to it. */
static const mvg_report_source *open_hub(report_source *s, const char *path, const char *gateway,
                                         const char *project)
{
    char err[700];
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_hub_config_load(path, &s->hub, d) : -1;
    if (rc < 0) {
        fprintf(stderr, "mvgate report: %s has errors:\n", path);
        if (d)
            mvg_diags_print(d, stderr);
    }
    mvg_diags_free(d);
    if (rc < 0 || mvg_cli_enrol_open("report", s->hub.enrolled, &s->reg) != 0)
        return NULL;
    s->db = mvg_hub_db_open(&s->hub.db, err, sizeof err);
    if (!s->db) {
        fprintf(stderr, "mvgate report: %s: %s\n", path, err);
        return NULL;
    }
    snprintf(s->origin, sizeof s->origin, "hub %s (%s)", s->hub.id, path);
    s->hub_src = mvg_hub_report_open(s->db, &s->reg, s->origin, gateway, project, err, sizeof err);
    if (!s->hub_src) {
        fprintf(stderr, "mvgate report: %s\n", err);
        return NULL;
    }
    return mvg_hub_report_source(s->hub_src);
}

int mvg_cmd_report(int argc, char **argv)
{
    static const char *const formats[] = {"html", "json", "csv", NULL};
    const char *path = NULL, *hub = NULL, *gateway = NULL, *project = NULL, *outpath = NULL;
    int64_t from = INT64_MIN, to = INT64_MAX;
    const char *lang_name = "en", *enrolled = NULL;
    int format = 0;
    const mvg_arg args[] = {
        {"config", 'c', MVG_ARG_STR, &path, NULL, 0, "FILE",
         "the gateway's configuration (keys: docs/config.md)"},
        {"hub", 0, MVG_ARG_STR, &hub, NULL, 0, "HUB.CONF",
         "instead: the records the hub received and verified (docs/hub.md)"},
        {"gateway", 0, MVG_ARG_STR, &gateway, NULL, 0, "G",
         "with --hub: the gateway, when two have the project"},
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
    if (!path == !hub) {
        fprintf(stderr, "mvgate report: give -c FILE (the gateway's store) or --hub HUB.CONF"
                        " (the hub's verified records), one of them\n");
        return 2;
    }
    if (hub && enrolled) {
        fprintf(stderr, "mvgate report: --enrolled goes with -c: with --hub the register is"
                        " hub.conf's 'enrolled'\n");
        return 2;
    }
    if (gateway && !hub) {
        fprintf(stderr, "mvgate report: --gateway goes with --hub\n");
        return 2;
    }
    report_format fmt = format == 0 ? FMT_HTML : format == 1 ? FMT_JSON : FMT_CSV;
    mvg_lang lang = MVG_LANG_EN;
    if (mvg_lang_parse(lang_name, &lang) != 0) {
        fprintf(stderr, "mvgate report: --lang is en or zh-Hant, not '%s'\n", lang_name);
        return 2;
    }
    report_source rs;
    memset(&rs, 0, sizeof rs);
    char err[700] = "";
    int rc = 2;
    mvg_report *r = NULL;
    const mvg_report_source *src =
        hub ? open_hub(&rs, hub, gateway, project) : open_gateway(&rs, path, project, enrolled);
    if (!src)
        goto out;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    mvg_report_req req = {src, from, to, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000};
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
    close_source(&rs);
    return rc;
}
