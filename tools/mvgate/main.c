/*
 * main.c of mvgate, the operator CLI: dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"check", mvg_cmd_check, "check -c FILE                 validate a configuration"},
    {"read", mvg_cmd_read, "read -c FILE [--device NAME] [--json]   poll every point once"},
    {"scan", mvg_cmd_scan,
     "scan (--host HOST [--port N] | --device PATH [--baud N]...) [--units A-B]\n"
     "         find the units of a bus, identify them, match profiles, print a config fragment"},
    {"fit", mvg_cmd_fit, "fit --model TYPE --csv FILE --y COL [--x COL]... [--json]   fit a baseline model"},
    {"savings", mvg_cmd_savings,
     "savings --model MODEL.json --csv FILE --y COL [--x COL]... [--json]   verified savings"},
    {"status", mvg_cmd_status, "status -c FILE [--json]        the running daemon's status"},
    {"outbox", mvg_cmd_outbox,
     "outbox resend|ack-drops -c FILE [--publisher mqtt|influx]   resend refused entries, acknowledge drops"},
    {"export", mvg_cmd_export,
     "export -c FILE [--from T] [--to T] [--format csv|jsonl]\n"
     "         [--what samples|intervals|models|chain|refused]"},
    {"key", mvg_cmd_key, "key show -c FILE               the gateway's public key and fingerprint"},
    {"verify", mvg_cmd_verify,
     "verify --pubkey KEY (--export FILE | --mqtt-capture FILE)   check signed interval records"},
    {"replay", mvg_cmd_replay,
     "replay -c FILE --project P [--from T] [--to T] [--time-scale K]   recompute stored records"},
    {"report", mvg_cmd_report,
     "report -c FILE --project P [--from T] [--to T] [--out FILE] [--format html|json|csv]\n"
     "         [--lang en|zh-Hant]   the verification report (M&V) of a project"},
    {"store", mvg_cmd_store,
     "store recover -c FILE [--out PATH]   salvage a damaged store into a new database"},
    {"hub", mvg_cmd_hub,
     "hub enrol GATEWAY FINGERPRINT -c HUB.CONF | hub status -c HUB.CONF   the hub's register, verdicts"},
    {"programme", mvg_cmd_programme,
     "programme -c HUB.CONF [--year 2025-26 | --from T --to T] [--format html|json|csv]\n"
     "         [--lang en|zh-Hant] [--out FILE]   the programme's verified savings (hub)"},
    {"config-doc", mvg_cmd_config_doc,
     "config-doc                     the key tables of docs/config.md and docs/hub.md (maintainers)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %s\n", commands[i].summary);
    fprintf(out, "\nmvgate COMMAND --help shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mvgate %s\n", MVG_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mvgate: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
