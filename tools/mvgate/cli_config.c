/*
 * cli_config.c: configuration and store for the subcommands (cli_config.h).
 */
#include "cli_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "timefmt.h"
#include "tlsfiles.h"

mvg_config *mvg_cli_load_config(const char *path, const mvg_config_opts *opts)
{
    /* the CLI links libcrypto: the TLS files are checked here, by default */
    mvg_config_opts o = opts ? *opts : (mvg_config_opts){0};
    if (!o.tls_check)
        o.tls_check = mvg_tlsfiles_check;
    mvg_diags *diags = mvg_diags_new();
    mvg_config *cfg = diags ? mvg_config_load(path, &o, diags) : NULL;
    if (!cfg) {
        if (diags)
            mvg_diags_print(diags, stderr);
        else
            fprintf(stderr, "mvgate: out of memory\n");
    }
    mvg_diags_free(diags);
    return cfg;
}

mvg_store *mvg_cli_open_store(const char *command, const mvg_config *cfg)
{
    char db[MVG_PATH_MAX + 16], err[512];
    if (mvg_store_path(cfg->gateway.data_dir, db, sizeof db) != 0) {
        fprintf(stderr, "mvgate %s: data_dir too long\n", command);
        return NULL;
    }
    mvg_store_opts so = {.read_only = 1};
    mvg_store *st = mvg_store_open(db, &so, err, sizeof err);
    if (!st)
        fprintf(stderr, "mvgate %s: %s\n", command, err);
    return st;
}

int mvg_cli_parse_when(const char *s, int64_t *ms)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && !errno) {
        *ms = v;
        return 0;
    }
    return mvg_timefmt_parse(s, ms);
}
