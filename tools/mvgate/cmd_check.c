/*
 * cmd_check.c: `mvgate check -c FILE [--profile-dir DIR]`: loads and checks
 * a configuration the way mvgated will, prints every problem as
 * FILE:LINE: message (exit 1) or a summary and what mvgated will find at
 * data_dir (exit 0).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_args.h"
#include "commands.h"
#include "config.h"
#include "config_publish.h"
#include "diag.h"
#include "netconn.h"
#include "project.h"
#include "runner.h"
#include "timefmt.h"
#include "tlsfiles.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate check -c FILE [--profile-dir DIR]\n"
                 "Checks a configuration as mvgated loads it: every error as FILE:LINE: message\n"
                 "on stderr (exit 1), or on stdout a summary line and whether data_dir exists\n"
                 "or mvgated will create it (exit 0), with a warning on stderr for each bus\n"
                 "host that does not resolve here and for each meter point that two projects\n"
                 "count. Usage errors exit 2.\n");
}

/* A daily project's period boundary off local midnight cuts a day, which
 * is then not complete and not counted (dayrow.h): allowed, but said. */
static void warn_daily_boundaries(const mvg_config *cfg)
{
    size_t nprj = cfg->projects ? cfg->projects->nprojects : 0;
    for (size_t i = 0; i < nprj; i++) {
        const mvg_project_cfg *prj = &cfg->projects->projects[i];
        if (prj->granularity != MVG_PRJ_GRAN_DAILY)
            continue;
        mvg_dayrow_cfg dc = {(int64_t)prj->interval_min * 60000, prj->utc_offset_min, 0, 0u};
        const struct {
            const char *name;
            int has;
            int64_t t;
        } b[] = {{"baseline start", 1, prj->baseline_start_ms},
                 {"baseline end", 1, prj->baseline_end_ms},
                 {"reporting start", 1, prj->reporting_start_ms},
                 {"reporting end", prj->has_reporting_end, prj->reporting_end_ms}};
        for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
            if (!b[k].has || mvg_dayrow_day_start(&dc, b[k].t) == b[k].t)
                continue;
            char when[32];
            fprintf(stderr,
                    "%s:%d: warning: project %s: the %s %s is not a local midnight (utc_offset "
                    "%s): the day it cuts is not complete and is not counted\n",
                    prj->src.file, prj->src.line, prj->name, b[k].name,
                    mvg_timefmt_format(b[k].t, MVG_TIMEFMT_MIN | MVG_TIMEFMT_Z, when, sizeof when),
                    prj->utc_offset);
        }
    }
}

/* What check can only warn about, since it may differ on the gateway: a bus
 * host that does not resolve here (mvgated keeps trying). */
static void warn_hosts(const mvg_config *cfg)
{
    for (size_t i = 0; i < cfg->nbuses; i++) {
        const mvg_bus_cfg *b = &cfg->buses[i];
        if (b->type == MVG_BUS_RTU)
            continue;
        char port[16], err[512];
        snprintf(port, sizeof port, "%d", b->port);
        if (mvg_netconn_resolve(b->host, port, err, sizeof err) != 0)
            fprintf(stderr, "%s:%d: warning: bus '%s': %s (mvgated keeps trying; check the "
                            "name and the gateway's DNS)\n",
                    b->src.file, b->src.line, b->name, err);
    }
}

/* Two projects counting one meter point as their use or emission claim the
 * same saving twice: legal to configure (a sub-meter shared during a
 * hand-over), but the verifier must hear of it; the hub raises the same
 * finding as its double-counted alert. Returns the number of warnings. */
static size_t warn_double_counted(const mvg_config *cfg)
{
    size_t nprj = cfg->projects ? cfg->projects->nprojects : 0;
    if (nprj < 2)
        return 0;
    char err[256];
    mvg_runner *r = mvg_runner_new(cfg, 1.0, err, sizeof err);
    if (!r) {
        fprintf(stderr, "mvgate check: cannot build the engine to compare projects: %s\n", err);
        return 0;
    }
    size_t nwarn = 0;
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const mvg_device_cfg *dev = &cfg->devices[d];
        for (size_t p = 0; p < dev->npoints; p++) {
            size_t first = nprj;
            for (size_t j = 0; j < nprj; j++) {
                if (!mvg_runner_project_counts_point(r, j, d, p))
                    continue;
                if (first == nprj) {
                    first = j;
                    continue;
                }
                const mvg_project_cfg *a = &cfg->projects->projects[first];
                const mvg_project_cfg *b = &cfg->projects->projects[j];
                fprintf(stderr, "%s:%d: warning: meter point %s.%s is counted by project %s "
                                "(%s:%d) and by project %s (%s:%d): the same use or emission "
                                "would be claimed twice\n",
                        dev->src.file, dev->src.line, dev->name,
                        dev->points[p].name, a->name, a->src.file, a->src.line, b->name,
                        b->src.file, b->src.line);
                nwarn++;
            }
        }
    }
    mvg_runner_free(r);
    return nwarn;
}

/* The summary's word on data_dir: the loader has refused one mvgated could
 * neither write nor create; say which of the two it will do. */
static const char *data_dir_state(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 ? "exists and is writable"
                               : "does not exist: mvgated will create it";
}

int mvg_cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    mvg_config_opts opts = {.tls_check = mvg_tlsfiles_check};
    char profile_help[256 + MVG_PATH_MAX];
    snprintf(profile_help, sizeof profile_help,
             "look for device profiles here first; then in\n$MVG_PROFILE_DIR, FILE's "
             "../profiles, beside mvgate\n(../share/mvgate/profiles) and %s",
             mvg_config_default_profile_dir());
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"profile-dir", 0, MVG_ARG_STR, &opts.profile_dir, NULL, 0, "DIR", profile_help},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("check", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_diags *diags = mvg_diags_new();
    if (!diags) {
        fprintf(stderr, "mvgate check: out of memory\n");
        return 2;
    }
    mvg_config *cfg = mvg_config_load(path, &opts, diags);
    if (!cfg) {
        mvg_diags_print(diags, stderr);
        size_t n = mvg_diags_count(diags);
        fprintf(stderr, "%s: %zu error%s\n", path, n, n == 1 ? "" : "s");
        mvg_diags_free(diags);
        return 1;
    }
    mvg_diags_free(diags);
    size_t npoints = 0, nprofiled = 0;
    for (size_t i = 0; i < cfg->ndevices; i++) {
        npoints += cfg->devices[i].npoints;
        nprofiled += cfg->devices[i].profile[0] != '\0';
    }
    /* Inline expressions in projects become implicit channels named "~...":
     * count only the ones the user declared under `derived`. */
    size_t nder = 0;
    for (size_t i = 0; cfg->projects && i < cfg->projects->nderived; i++)
        nder += cfg->projects->derived[i].name[0] != '~';
    size_t nprj = cfg->projects ? cfg->projects->nprojects : 0;
    printf("%s: OK: gateway %s (site %s), %zu bus%s, %zu device%s (%zu from profiles), %zu "
           "points, %zu derived, %zu project%s%s%s%s\n",
           path, cfg->gateway.id, cfg->gateway.site, cfg->nbuses, cfg->nbuses == 1 ? "" : "es",
           cfg->ndevices, cfg->ndevices == 1 ? "" : "s", nprofiled, npoints, nder, nprj,
           nprj == 1 ? "" : "s", cfg->publish->mqtt.enabled ? ", mqtt" : "",
           cfg->publish->influx.enabled ? ", influx" : "",
           cfg->publish->http.enabled ? ", http" : "");
    printf("%s: data_dir %s %s\n", path, cfg->gateway.data_dir,
           data_dir_state(cfg->gateway.data_dir));
    warn_hosts(cfg);
    warn_double_counted(cfg);
    if (cfg->publish->mqtt.enabled && cfg->publish->mqtt.version != 5)
        fprintf(stderr, "%s: warning: mqtt version 3.1.1 cannot tell the gateway that the broker "
                        "refused a publish (an ACL-denied publish is acknowledged as delivered "
                        "and lost); use version \"5\" where the broker has it (docs/mqtt.md)\n",
                path);
    /* optional, but a verifier needs them: the definition record carries null */
    for (size_t i = 0; i < nprj; i++) {
        const mvg_project_cfg *prj = &cfg->projects->projects[i];
        if (!prj->ipmvp_option || !prj->measurement_boundary[0])
            fprintf(stderr, "%s:%d: warning: project %s has no %s%s%s: its definition record "
                            "carries null (docs/mqtt.md, \"Project definition\")\n",
                    prj->src.file, prj->src.line, prj->name,
                    prj->ipmvp_option ? "" : "ipmvp_option",
                    !prj->ipmvp_option && !prj->measurement_boundary[0] ? " and no " : "",
                    prj->measurement_boundary[0] ? "" : "measurement_boundary");
    }
    warn_daily_boundaries(cfg);
    mvg_config_free(cfg);
    return 0;
}
