/*
 * cmd_verify.c: `mvgate verify --pubkey KEY (--export FILE | --mqtt-capture
 * FILE) [--enrolled REGISTER] [--from-chain [P=]N]... [--at T]`: checks a
 * gateway's signed records (interval, model, key rotation, new-chain and
 * definition records, and the head records) offline, from an export (`mvgate
 * export --format jsonl --what chain`) or a capture of `mosquitto_sub -v`
 * lines: signatures, keys and their rotations, chain continuity and the
 * prev hash chain, per project in input order (chain.h does the walk),
 * each record against its topic or export line, and in a capture the
 * retained totals against the signed record they copy (cli_totals.h).
 * With --enrolled the key the chain starts with must be the one the
 * verifier's register holds for the gateway the records name
 * (cli_enrol.h); without it the result is said to be self-attested.
 * Exit 0 when all hold, 1 at the first bad record, 2 on usage or I/O
 * errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cli_args.h"
#include "cli_chain.h"
#include "cli_enrol.h"
#include "cli_verify_lines.h"
#include "cli_totals.h"
#include "commands.h"
#include "keys.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate verify --pubkey KEY (--export FILE | --mqtt-capture FILE)\n"
            "                     [--enrolled REGISTER] [--from-chain [PROJECT=]N]... [--at T]\n"
            "KEY is the public key the chain starts with (the gateway's first key, or\n"
            "  the key signing at the start of the input), in base64 or the path of a\n"
            "  gateway.pub; key rotations in the chain are followed.\n"
            "--export: JSON lines of `mvgate export --format jsonl --what chain`.\n"
            "--mqtt-capture: `mosquitto_sub -v` lines (topic payload); the\n"
            "  .../interval/<project>, .../model/<project>, .../key/<project>/<chain>,\n"
            "  .../newchain/<project> and .../definition/<project> topics are walked,\n"
            "  each record must be the one its topic names; an identical repeat\n"
            "  (at-least-once delivery) and what a late subscriber gets first (the\n"
            "  retained model and definition, checked under the retained key\n"
            "  history) are noted and skipped; each\n"
            "  .../totals/<project> is checked against the signed interval record\n"
            "  of its seq when the capture holds it.\n"
            "--enrolled: the verifier's register, lines GATEWAY_ID FINGERPRINT (#\n"
            "  comments): the chain must start with the key enrolled for the gateway\n"
            "  its records name. Without it the result is self-attested: it holds\n"
            "  under KEY, which nothing ties to the gateway.\n"
            "A chain begun again after a lost store is accepted behind its signed new-chain\n"
            "  record and reported (\"new chain under key F: store restarted on T\"); a\n"
            "  chain back at 1 without one is \"restarted\".\n"
            "Heads: each project's range is printed (\"project P: chain A..B checked, from\n"
            "  the first record, reaches the last head (chain N, T)\"). It must start at\n"
            "  chain 1 or a new chain, or at or before the N that --from-chain names for\n"
            "  it (a late subscriber's capture, an export window): else \"cut head\". Each\n"
            "  signed head (export kind head, topic .../head/<project>) must hold under the\n"
            "  key in force at the position it names and hash the record there; a head\n"
            "  naming a position the input lacks, no head at all, or none for two head\n"
            "  periods before the latest time in the input (or --at T: when the capture\n"
            "  ended) is a \"withheld tail\", unless the last head is a shutdown head\n"
            "  that nothing follows.\n"
            "Exit 0 when every record verifies, 1 at the first bad record, 2 on errors.\n");
}

typedef mvg_cli_verify_input input;

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

/* The interval record of project with seq among the chained items. */
static const mvg_chain_item *interval_of(const input *in, const char *project, int64_t seq,
                                         int64_t *chain)
{
    const mvg_chain_item *found = NULL;
    for (size_t i = 0; i < in->chained.n; i++) {
        const mvg_chain_item *it = &in->chained.items[i];
        if (it->kind_hint != MVG_CHAIN_INTERVAL || strcmp(it->project_hint, project) != 0)
            continue;
        json_t *doc = json_loadb(it->bytes, it->len, 0, NULL);
        json_t *s = json_object_get(doc, "seq"), *c = json_object_get(doc, "chain");
        if (json_is_integer(s) && json_integer_value(s) == seq) {
            found = it;
            *chain = json_integer_value(c);
        }
        json_decref(doc);
        if (found)
            break;
    }
    return found;
}

/* Each totals message against the signed interval record of its seq (the
 * walk has accepted every one of those). 0 when all that can be checked
 * agree (*unchecked: those whose record the capture does not hold), 1
 * after printing the first that does not. */
static int check_totals(const input *in, size_t *checked, size_t *unchecked)
{
    for (size_t i = 0; i < in->totals.n; i++) {
        const mvg_chain_item *t = &in->totals.items[i];
        char project[128], msg[512];
        int64_t seq = 0, chain = 0;
        if (mvg_cli_totals_of(t->bytes, t->len, project, sizeof project, &seq) != 0) {
            printf("totals/%s (message %zu): not a totals document with project and seq\n",
                   t->project_hint, i + 1);
            return 1;
        }
        if (strcmp(project, t->project_hint) != 0) {
            printf("project %s totals (seq %lld): wrong topic: published on totals/%s\n",
                   project, (long long)seq, t->project_hint);
            return 1;
        }
        const mvg_chain_item *rec = interval_of(in, project, seq, &chain);
        if (!rec) {
            (*unchecked)++;
            continue;
        }
        if (mvg_cli_totals_check(t->bytes, t->len, rec->bytes, rec->len, msg, sizeof msg) != 0) {
            printf("project %s totals (seq %lld): altered: %s (chain %lld)\n", project,
                   (long long)seq, msg, (long long)chain);
            return 1;
        }
        (*checked)++;
    }
    return 0;
}

/* The notes on what a capture held besides the chain walked. */
static void notes(const mvg_chain_report *rep, size_t totals_checked, size_t totals_unchecked)
{
    if (rep->duplicates_skipped)
        fprintf(stderr,
                "note: %zu identical repeated record(s) skipped (MQTT at-least-once delivery)\n",
                rep->duplicates_skipped);
    if (rep->retained_keys)
        fprintf(stderr,
                "note: %zu retained key record(s) at the head of the capture: the key history,"
                " followed from the given key\n",
                rep->retained_keys);
    if (rep->retained_skipped)
        fprintf(stderr,
                "note: %zu retained model record(s) at the head of the capture skipped: they"
                " come from before the capture (an export holds them in their place)\n",
                rep->retained_skipped);
    if (rep->retained_definitions)
        fprintf(stderr,
                "note: %zu retained definition record(s) at the head of the capture: the"
                " definition in force, signed by the key of its chain position\n",
                rep->retained_definitions);
    if (totals_checked)
        fprintf(stderr, "note: %zu totals message(s) agree with their signed interval record\n",
                totals_checked);
    if (totals_unchecked)
        fprintf(stderr,
                "note: %zu totals message(s) NOT checked: the capture does not hold the interval"
                " record of their seq (retained from before the capture); the totals after the"
                " next interval record are\n",
                totals_unchecked);
}

int mvg_cmd_verify(int argc, char **argv)
{
    const char *key = NULL, *exp = NULL, *cap = NULL, *enrolled = NULL;
    const char *froms_v[64];
    mvg_arg_list froms = {froms_v, 0, sizeof froms_v / sizeof froms_v[0]};
    int64_t at = INT64_MIN;
    const mvg_arg args[] = {
        {"pubkey", 0, MVG_ARG_STR, &key, NULL, 1, "KEY", NULL},
        {"export", 0, MVG_ARG_STR, &exp, NULL, 0, "FILE", NULL},
        {"mqtt-capture", 0, MVG_ARG_STR, &cap, NULL, 0, "FILE", NULL},
        {"enrolled", 0, MVG_ARG_STR, &enrolled, NULL, 0, NULL, NULL},
        {"from-chain", 0, MVG_ARG_LIST, &froms, NULL, 0, "[P=]N", NULL},
        {"at", 0, MVG_ARG_TIME, &at, NULL, 0, "T", NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("verify", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    if (!exp == !cap) {
        fprintf(stderr, "mvgate verify: give one of --export and --mqtt-capture\n");
        usage(stderr);
        return 2;
    }
    const char *file = exp ? exp : cap;
    int capture = cap != NULL;
    if (mvg_chain_init() != 0) {
        fprintf(stderr, "mvgate verify: libsodium failed to initialise\n");
        return 2;
    }
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (load_key(key, pk) != 0)
        return 2;
    mvg_cli_enrol reg = {0};
    if (enrolled && mvg_cli_enrol_open("verify", enrolled, &reg) != 0)
        return 2;
    input in = {0};
    int rc = 2;
    if (read_input(file, capture, &in) != 0)
        goto out;
    if (in.chained.n == 0) {
        fprintf(stderr, "mvgate verify: %s holds no signed records\n", file);
        goto out;
    }
    if (!in.heads && !(in.heads = mvg_cli_heads_new())) {
        fprintf(stderr, "mvgate verify: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < froms.n; i++) {
        char msg[256];
        if (mvg_cli_heads_from(in.heads, froms.v[i], msg, sizeof msg) != 0) {
            fprintf(stderr, "mvgate verify: %s\n", msg);
            goto out;
        }
    }
    if (at != INT64_MIN)
        mvg_cli_heads_at(in.heads, at);
    mvg_chain_report rep;
    mvg_chain_verdict v = mvg_chain_verify_trail(in.chained.items, in.chained.n, pk, capture,
                                                 enrolled ? mvg_cli_enrol_lookup : NULL, &reg,
                                                 mvg_cli_heads_accept, in.heads, &rep);
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    size_t checked = 0, unchecked = 0;
    int totals_bad = v == MVG_CHAIN_V_OK && check_totals(&in, &checked, &unchecked) != 0;
    notes(&rep, checked, unchecked);
    /* a chain begun again is accepted, never passed over in silence */
    for (size_t i = 0; i < rep.newchains && i < MVG_CHAIN_NOTES_MAX; i++)
        printf("%s\n", rep.newchain_notes[i]);
    /* the ranges, once every record holds: a cut or withheld end is an error */
    if (v == MVG_CHAIN_V_OK && !totals_bad) {
        int hr = mvg_cli_heads_check(in.heads, in.chained.items, in.chained.n, stdout);
        if (hr < 0) {
            fprintf(stderr, "mvgate verify: out of memory\n");
            rc = 2;
            goto out;
        }
        totals_bad = hr != 0;
    }
    if (v == MVG_CHAIN_V_OK && !totals_bad) {
        printf("OK: %zu records, %zu projects, key %s", rep.records, rep.projects, fp);
        if (rep.rotations)
            printf(", %zu key rotation(s), now key %s", rep.rotations, rep.last_fingerprint);
        if (rep.newchains)
            printf(", %zu new chain(s) begun after a lost store", rep.newchains);
        printf("\n");
        char trust[900];
        mvg_cli_enrol_trust_line(enrolled ? &reg : NULL, rep.gateway, fp,
                                 "the key given (--pubkey)", trust, sizeof trust);
        printf("%s\n", trust);
        rc = 0;
    } else if (!totals_bad) {
        char msg[600];
        mvg_chain_report_line(v, &rep, msg, sizeof msg);
        printf("%s\n", msg);
        rc = 1;
    } else {
        rc = 1;
    }
out:
    mvg_cli_verify_input_free(&in);
    mvg_cli_enrol_free(&reg);
    return rc;
}
