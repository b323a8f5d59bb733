/*
 * cmd_verify.c: `mvgate verify --pubkey KEY (--export FILE | --mqtt-capture
 * FILE)`: checks a gateway's signed records (interval, model and key
 * rotation) offline, from an export (`mvgate export --format jsonl --what
 * chain`) or a capture of `mosquitto_sub -v` lines: signatures, keys and
 * their rotations, chain continuity and the prev hash chain, per project in
 * input order (chain.h does the walk). Exit 0 when all hold, 1 at the first
 * bad record, 2 on usage or I/O errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cli_chain.h"
#include "cli_verify_lines.h"
#include "commands.h"
#include "keys.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate verify --pubkey KEY (--export FILE | --mqtt-capture FILE)\n"
            "KEY is the public key the chain starts with (the gateway's first key, or\n"
            "  the key signing at the start of the input), in base64 or the path of a\n"
            "  gateway.pub; key rotations in the chain are followed.\n"
            "--export: JSON lines of `mvgate export --format jsonl --what chain`.\n"
            "--mqtt-capture: `mosquitto_sub -v` lines (topic payload); only the\n"
            "  .../interval/<project>, .../model/<project>, .../key/<project> and\n"
            "  .../newchain/<project> topics\n"
            "  are read; an identical repeat (at-least-once delivery) and the retained\n"
            "  model a late subscriber gets first are noted and skipped.\n"
            "A chain begun again after a lost store is accepted behind its signed new-chain\n"
            "  record and reported (\"new chain under key F: store restarted on T\"); a\n"
            "  chain back at 1 without one is \"restarted\".\n"
            "Exit 0 when every record verifies, 1 at the first bad record, 2 on errors.\n");
}

typedef mvg_cli_chain_list input;

static int read_input(const char *file, int capture, input *in)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        /* the list keeps copies: the line buffer is reused */
        if ((capture ? mvg_cli_verify_capture_line(in, line, len)
                     : mvg_cli_verify_export_line(in, line, len, file, lineno)) < 0)
            rc = -1;
    }
    if (ferror(f)) {
        perror(file);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

static int load_key(const char *arg, unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    if (mvg_chain_pk_from_b64(arg, strlen(arg), pk) == 0)
        return 0;
    char err[512];
    if (mvg_keys_read_public(arg, pk, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "mvgate verify: --pubkey: not a base64 Ed25519 public key, and %s\n", err);
    return -1;
}

int mvg_cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pubkey", required_argument, NULL, 'k'}, {"export", required_argument, NULL, 'e'},
        {"mqtt-capture", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *file = NULL;
    int capture = -1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'e':
        case 'm':
            if (file) {
                usage(stderr);
                return 2;
            }
            file = optarg;
            capture = c == 'm';
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!key || !file || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (mvg_chain_init() != 0) {
        fprintf(stderr, "mvgate verify: libsodium failed to initialise\n");
        return 2;
    }
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (load_key(key, pk) != 0)
        return 2;
    input in = {0};
    if (read_input(file, capture, &in) != 0) {
        mvg_cli_chain_list_free(&in);
        return 2;
    }
    if (in.n == 0) {
        fprintf(stderr, "mvgate verify: %s holds no signed records\n", file);
        mvg_cli_chain_list_free(&in);
        return 2;
    }
    mvg_chain_report rep;
    mvg_chain_verdict v = mvg_chain_verify(in.items, in.n, pk, capture, &rep);
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    if (rep.duplicates_skipped)
        fprintf(stderr,
                "note: %zu identical repeated record(s) skipped (MQTT at-least-once delivery)\n",
                rep.duplicates_skipped);
    if (rep.retained_skipped)
        fprintf(stderr,
                "note: %zu retained model record(s) at the head of the capture skipped: they"
                " come from before the capture (an export holds them in their place)\n",
                rep.retained_skipped);
    /* a chain begun again is accepted, never passed over in silence */
    for (size_t i = 0; i < rep.newchains && i < MVG_CHAIN_NOTES_MAX; i++)
        printf("%s\n", rep.newchain_notes[i]);
    int rc;
    if (v == MVG_CHAIN_V_OK) {
        printf("OK: %zu records, %zu projects, key %s", rep.records, rep.projects, fp);
        if (rep.rotations)
            printf(", %zu key rotation(s), now key %s", rep.rotations, rep.last_fingerprint);
        if (rep.newchains)
            printf(", %zu new chain(s) begun after a lost store", rep.newchains);
        printf("\n");
        rc = 0;
    } else {
        char msg[512];
        mvg_chain_report_line(v, &rep, msg, sizeof msg);
        printf("%s\n", msg);
        rc = 1;
    }
    mvg_cli_chain_list_free(&in);
    return rc;
}
