/*
 * cmd_outbox.c: `mvgate outbox resend|ack-drops -c FILE [--publisher
 * mqtt|influx]`: an operator's requests on the outboxes, written to the
 * store, which the running daemon's publishers pick up within a second (a
 * stopped daemon at its next start):
 *   resend     every entry the broker or InfluxDB refused (parked; listed by
 *              `mvgate export --what refused`) is sent again, after the
 *              cause was fixed;
 *   ack-drops  the entries dropped so far at the outbox bound are
 *              acknowledged: `mvgate status` stops failing on them (later
 *              drops count again).
 * Without --publisher both outboxes.
 */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "cli_config.h"
#include "commands.h"
#include "config.h"
#include "store.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate outbox resend -c FILE [--publisher mqtt|influx]\n"
                 "       mvgate outbox ack-drops -c FILE [--publisher mqtt|influx]\n"
                 "resend: send again every entry the broker or InfluxDB refused (after a fix;\n"
                 "  mvgate export --what refused lists them). ack-drops: acknowledge the\n"
                 "  entries dropped at the outbox bound, so that mvgate status stops failing\n"
                 "  on them. The running daemon picks either up within a second.\n");
}

int mvg_cmd_outbox(int argc, char **argv)
{
    static const char *const actions[] = {"resend", "ack-drops", NULL};
    static const char *const pubs[] = {"mqtt", "influx", NULL};
    const char *path = NULL;
    int pub = -1;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"publisher", 0, MVG_ARG_CHOICE, &pub, pubs, 0, NULL, NULL},
        MVG_ARG_END,
    };
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            mvg_cli_args_help(stdout, args);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    int action = -1;
    for (int i = 0; actions[i]; i++)
        if (strcmp(argv[1], actions[i]) == 0)
            action = i;
    if (action < 0) {
        fprintf(stderr, "mvgate outbox: unknown action '%s': resend or ack-drops\n", argv[1]);
        return 2;
    }
    int exit_code = mvg_cli_args("outbox", argc - 1, argv + 1, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char db[MVG_PATH_MAX + 16], err[512] = "";
    int rc = 2;
    mvg_store *st = NULL;
    if (mvg_store_path(cfg->gateway.data_dir, db, sizeof db) != 0) {
        fprintf(stderr, "mvgate outbox: data_dir %s: path too long\n", cfg->gateway.data_dir);
        goto out;
    }
    /* read-write: the requests are rows of the store (WAL: next to the daemon) */
    mvg_store_opts opts = {.gateway_id = cfg->gateway.id};
    if (!(st = mvg_store_open(db, &opts, err, sizeof err))) {
        fprintf(stderr, "mvgate outbox: %s\n", err);
        goto out;
    }
    for (int i = 0; pubs[i]; i++) {
        if (pub >= 0 && pub != i)
            continue;
        mvg_outbox_stats os;
        int r = mvg_store_outbox_stats(st, pubs[i], &os, err, sizeof err);
        if (r == 0)
            r = action == 0 ? mvg_store_outbox_resend(st, pubs[i], err, sizeof err)
                            : mvg_store_outbox_ack_drops(st, pubs[i], err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "mvgate outbox: %s\n", err);
            goto out;
        }
        if (action == 0)
            printf("%s: %llu refused entries to be sent again\n", pubs[i],
                   (unsigned long long)os.parked);
        else
            printf("%s: %llu dropped entries acknowledged\n", pubs[i],
                   (unsigned long long)mvg_outbox_drops_unacked(&os));
    }
    rc = 0;
out:
    mvg_store_close(st);
    mvg_config_free(cfg);
    return rc;
}
