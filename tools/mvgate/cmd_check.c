/*
 * cmd_check.c: `mvgate check -c FILE [--profile-dir DIR]`: loads and checks
 * a configuration the way mvgated will, prints every problem as
 * FILE:LINE: message (exit 1) or a one-line summary (exit 0).
 */
#include <stdio.h>

#include "cli_args.h"
#include "commands.h"
#include "config.h"
#include "config_publish.h"
#include "diag.h"
#include "project.h"
#include "tlsfiles.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate check -c FILE [--profile-dir DIR]\n"
                 "Checks a configuration as mvgated loads it: every error as FILE:LINE: message\n"
                 "on stderr (exit 1), or a summary line on stdout (exit 0). Usage errors exit 2.\n"
                 "\n"
                 "  -c, --config FILE    the configuration (keys: docs/config.md)\n"
                 "  --profile-dir DIR    look for device profiles here first; then in\n"
                 "                       $MVG_PROFILE_DIR, FILE's ../profiles, and %s\n"
                 "  -h, --help           this text\n",
            mvg_config_default_profile_dir());
}

int mvg_cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    mvg_config_opts opts = {.tls_check = mvg_tlsfiles_check};
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"profile-dir", 0, MVG_ARG_STR, &opts.profile_dir, NULL, 0},
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
           "points, %zu derived, %zu project%s%s%s\n",
           path, cfg->gateway.id, cfg->gateway.site, cfg->nbuses, cfg->nbuses == 1 ? "" : "es",
           cfg->ndevices, cfg->ndevices == 1 ? "" : "s", nprofiled, npoints, nder, nprj,
           nprj == 1 ? "" : "s", cfg->publish->mqtt.enabled ? ", mqtt" : "",
           cfg->publish->influx.enabled ? ", influx" : "");
    if (cfg->publish->mqtt.enabled && cfg->publish->mqtt.version != 5)
        fprintf(stderr, "%s: warning: mqtt version 3.1.1 cannot tell the gateway that the broker "
                        "refused a publish (an ACL-denied publish is acknowledged as delivered "
                        "and lost); use version \"5\" where the broker has it (docs/mqtt.md)\n",
                path);
    mvg_config_free(cfg);
    return 0;
}
