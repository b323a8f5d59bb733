/*
 * cmd_hub.c: `mvgate hub enrol GATEWAY FINGERPRINT -c HUB.CONF` appends a
 * line to the hub's register of enrolled gateways after the one register
 * parser (cli_enrol.h) has accepted the register with it (a gateway
 * already enrolled is refused); `mvgate hub status -c HUB.CONF` prints per
 * gateway and project what the hub has verified (hub_status.h) and exits 1
 * when a record is bad; `mvgate hub alerts -c HUB.CONF [--open] [--json]`
 * lists the alerts (hub_alert.h) and exits 1 when one is open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_enrol.h"
#include "commands.h"
#include "hub_alert.h"
#include "hub_config.h"
#include "hub_db.h"
#include "hub_status.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate hub enrol GATEWAY FINGERPRINT -c HUB.CONF\n"
                 "       mvgate hub status -c HUB.CONF\n"
                 "       mvgate hub alerts -c HUB.CONF [--open] [--json]\n"
                 "enrol: adds GATEWAY with the fingerprint of its first key (as `mvgate key\n"
                 "  show` prints it for the commissioning record) to the hub's register\n"
                 "  (hub.conf's `enrolled`); mvgate-hub re-reads it on SIGHUP.\n"
                 "status: per gateway and project, the verified range, gaps and bad records.\n"
                 "alerts: every alert the hub raised, oldest first (--open: the alarms not\n"
                 "  cleared; --json: the documents it publishes); exit 1 when one is open.\n");
}

static int load(const char *path, mvg_hub_cfg *cfg)
{
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_hub_config_load(path, cfg, d) : -1;
    if (rc < 0 && d) {
        fprintf(stderr, "mvgate hub: %s has errors:\n", path);
        mvg_diags_print(d, stderr);
    }
    mvg_diags_free(d);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 + 1 > cap) {
            char *b = realloc(buf, cap = cap * 2 + 8192);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t n = fread(buf + *len, 1, cap - *len - 1, f);
        *len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static int enrol(const mvg_hub_cfg *cfg, const char *gateway, const char *fingerprint)
{
    size_t len = 0;
    char *text = slurp(cfg->enrolled, &len);
    if (!text) {
        fprintf(stderr, "mvgate hub enrol: cannot read %s: %s\n", cfg->enrolled, strerror(errno));
        return 2;
    }
    const char *sep = len && text[len - 1] != '\n' ? "\n" : "";
    char line[512];
    int n = snprintf(line, sizeof line, "%s%s %s\n", sep, gateway, fingerprint);
    if (n < 0 || (size_t)n >= sizeof line || strpbrk(gateway, " \t#\n") || !*gateway) {
        fprintf(stderr, "mvgate hub enrol: '%s' is no gateway id\n", gateway);
        free(text);
        return 2;
    }
    char *all = malloc(len + (size_t)n + 1);
    if (!all) {
        free(text);
        return 2;
    }
    memcpy(all, text, len);
    memcpy(all + len, line, (size_t)n + 1);
    /* the register as it would be, through the one parser */
    mvg_cli_enrol reg;
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_cli_enrol_parse(all, len + (size_t)n, cfg->enrolled, &reg, d) : -1;
    if (rc < 0) {
        fprintf(stderr, "mvgate hub enrol: not enrolled:\n");
        if (d)
            mvg_diags_print(d, stderr);
    }
    const mvg_cli_enrol_entry *e = rc == 0 ? mvg_cli_enrol_find(&reg, gateway) : NULL;
    char grouped[MVG_CLI_ENROL_GROUPED_LEN] = "";
    if (e)
        mvg_cli_enrol_grouped(e->fingerprint, grouped);
    int line_no = e ? e->line : 0;
    mvg_cli_enrol_free(&reg);
    mvg_diags_free(d);
    free(all);
    free(text);
    if (rc < 0)
        return 2;
    FILE *f = fopen(cfg->enrolled, "a");
    if (!f || fprintf(f, "%s%s %s\n", sep, gateway, grouped) < 0 || fclose(f) != 0) {
        fprintf(stderr, "mvgate hub enrol: cannot write %s: %s\n", cfg->enrolled,
                strerror(errno));
        return 2;
    }
    printf("enrolled: gateway %s, first key %s (%s:%d)\n", gateway, grouped, cfg->enrolled,
           line_no);
    return 0;
}

static int status(const mvg_hub_cfg *cfg)
{
    char err[600];
    mvg_hub_db *db = mvg_hub_db_open(&cfg->db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "mvgate hub status: %s\n", err);
        return 2;
    }
    long bad = mvg_hub_status_print(db, stdout);
    if (bad < 0)
        fprintf(stderr, "mvgate hub status: %s\n", mvg_hub_db_error(db));
    mvg_hub_db_close(db);
    return bad < 0 ? 2 : bad > 0 ? 1 : 0;
}

static int alerts(const mvg_hub_cfg *cfg, int open_only, int json)
{
    char err[600];
    mvg_hub_db *db = mvg_hub_db_open(&cfg->db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "mvgate hub alerts: %s\n", err);
        return 2;
    }
    long n = mvg_hub_alerts_list(db, open_only, json, stdout);
    long open = n < 0 ? -1 : mvg_hub_alerts_list(db, 1, 0, NULL);
    if (n < 0 || open < 0)
        fprintf(stderr, "mvgate hub alerts: %s\n", mvg_hub_db_error(db));
    mvg_hub_db_close(db);
    return n < 0 || open < 0 ? 2 : open > 0 ? 1 : 0;
}

int mvg_cmd_hub(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    int is_enrol = strcmp(what, "enrol") == 0, is_status = strcmp(what, "status") == 0;
    int is_alerts = strcmp(what, "alerts") == 0;
    const char *path = NULL;
    int open_only = 0, json = 0;
    const mvg_arg args[] = {MVG_ARG_CONFIG(&path), MVG_ARG_END};
    const mvg_arg alert_args[] = {
        MVG_ARG_CONFIG(&path),
        {"open", 0, MVG_ARG_FLAG, &open_only, NULL, 0, NULL, "alerts: only those still open"},
        {"json", 0, MVG_ARG_FLAG, &json, NULL, 0, NULL, "alerts: as JSON"},
        MVG_ARG_END};
    if (!is_enrol && !is_status && !is_alerts) {
        if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0) {
            usage(stdout);
            mvg_cli_args_help(stdout, alert_args); /* every subcommand's options */
            return 0;
        }
        usage(stderr);
        return 2;
    }
    int first = 0;
    int a = mvg_cli_args(is_enrol ? "hub enrol" : is_status ? "hub status" : "hub alerts",
                         argc - 1, argv + 1, is_alerts ? alert_args : args,
                         is_enrol ? 2 : 0, &first, usage);
    if (a >= 0)
        return a;
    mvg_hub_cfg *cfg = calloc(1, sizeof *cfg);
    if (!cfg || load(path, cfg) < 0) {
        free(cfg);
        return 2;
    }
    int rc = is_enrol ? enrol(cfg, argv[1 + first], argv[2 + first])
             : is_status ? status(cfg)
                         : alerts(cfg, open_only, json);
    free(cfg);
    return rc;
}
