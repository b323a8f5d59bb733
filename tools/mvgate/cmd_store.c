/*
 * cmd_store.c: `mvgate store recover -c FILE [--out PATH]`: salvages what
 * is readable of the gateway's damaged store into a new database
 * (store_recover.h), leaves the damaged file as it is, says per table what
 * was lost and where the signed chains now have holes, and prints what to
 * do next. Exit 0 when nothing was lost, 1 when the new store was written
 * with losses, 2 when nothing was written.
 */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "cli_config.h"
#include "commands.h"
#include "config.h"
#include "keys.h"
#include "store.h"
#include "store_recover.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate store recover -c FILE [--out PATH]\n"
            "Copies what SQLite can still read of the gateway's store (data_dir/mvgate.db)\n"
            "into a new database, table by table and row by row, stepping over unreadable\n"
            "pages; the damaged file is only read. PATH: the new database (default\n"
            "data_dir/mvgate.recovered.db; never overwritten).\n"
            "Exit 0: nothing lost; 1: written, with losses (listed); 2: nothing written.\n");
}

static void print_report(const mvg_recover_report *rep)
{
    printf("%-18s %10s %10s  %s\n", "table", "copied", "lost", "notes");
    for (size_t i = 0; i < rep->ntables; i++) {
        const mvg_recover_table *t = &rep->tables[i];
        if (t->missing) {
            printf("%-18s %10s %10s  not readable in the damaged store (or an older schema)\n",
                   t->name, "-", "-");
            continue;
        }
        char notes[160] = "";
        if (t->tail_lost)
            snprintf(notes, sizeof notes, "unreadable past the last row copied");
        if (t->rejected)
            snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
                     "%s%lld row(s) with damaged values refused", *notes ? "; " : "",
                     (long long)t->rejected);
        printf("%-18s %10lld %9s%lld  %s\n", t->name, (long long)t->copied,
               t->lost ? "<=" : "", (long long)t->lost, notes);
    }
    if (rep->outbox_orphans)
        printf("outbox: %lld undelivered entries dropped: the record they send was lost\n",
               (long long)rep->outbox_orphans);
    for (size_t i = 0; i < rep->nholes && i < MVG_RECOVER_HOLES_MAX; i++)
        printf("hole: %s\n", rep->holes[i]);
    if (rep->nholes > MVG_RECOVER_HOLES_MAX)
        printf("hole: ... %zu in all\n", rep->nholes);
}

int mvg_cmd_store(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int first;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"out", 'o', MVG_ARG_STR, &out, NULL, 0, "PATH", NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("store", argc, argv, args, 1, &first, usage);
    if (exit_code >= 0)
        return exit_code;
    if (strcmp(argv[first], "recover") != 0) {
        usage(stderr);
        return 2;
    }
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char dir[MVG_PATH_MAX], db[MVG_PATH_MAX + 16], def_out[MVG_PATH_MAX + 32], err[1024];
    snprintf(dir, sizeof dir, "%s", cfg->gateway.data_dir);
    mvg_config_free(cfg);
    if (mvg_store_path(dir, db, sizeof db) != 0) {
        fprintf(stderr, "mvgate store: data_dir too long\n");
        return 2;
    }
    snprintf(def_out, sizeof def_out, "%s/mvgate.recovered.db", dir);
    if (!out)
        out = def_out;
    mvg_recover_report rep;
    if (mvg_store_recover(db, out, &rep, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate store: %s (%s is unchanged)\n", err, db);
        return 2;
    }
    printf("recovered %s into %s (the damaged file is unchanged; the new one passes"
           " quick_check)\n",
           db, out);
    print_report(&rep);
    int lost = mvg_store_recover_lost(&rep);
    printf("\n%s\nnext:\n"
           "  1. stop the daemon: systemctl stop mvgated\n"
           "  2. keep the damaged store aside: mv %s %s.damaged (and %s-wal, %s-shm if there)\n"
           "  3. put the recovered one in its place: mv %s %s\n"
           "  4. start the daemon: systemctl start mvgated\n"
           "  5. check the chains: mvgate export -c %s --format jsonl --what chain > chain.jsonl\n"
           "     mvgate verify --pubkey %s/%s --export chain.jsonl\n"
           "     (after key rotations: the chain's first key, gateway.pub.<fingerprint>; verify\n"
           "     stops at the first hole listed above; the records in a hole are lost from\n"
           "     this store, an MQTT capture or an earlier export may still hold them)\n",
           lost ? "some records were lost (above)." : "nothing was lost.", db, db, db, db, out,
           db, path, dir, MVG_KEYS_PUBLIC_FILE);
    return lost ? 1 : 0;
}
