/*
 * cli_enrol.h: the verifier's register of enrolled gateways, which `mvgate
 * verify --enrolled` and `mvgate report --enrolled` hold a chain to, and
 * the fingerprint as a commissioning record writes it (`mvgate key show`).
 * Owns the one format of the register file (docs/mqtt.md, "Signed
 * records", Enrolment):
 * one gateway a line, "GATEWAY_ID FINGERPRINT", the fingerprint of the
 * gateway's first key as 32 hex digits, optionally in groups separated by
 * spaces (as key show prints it); '#' starts a comment; blank lines are
 * skipped. A gateway appears once. Without a register a chain's result is
 * self-attested: it holds under the key the gateway itself names.
 */
#ifndef MVG_CLI_ENROL_H
#define MVG_CLI_ENROL_H

#include <stddef.h>

#include "chain.h"
#include "diag.h"

typedef struct {
    char gateway[128];
    char fingerprint[MVG_CHAIN_FP_LEN]; /* lowercase */
    int line;
} mvg_cli_enrol_entry;

typedef struct {
    char file[512];
    mvg_cli_enrol_entry *v;
    size_t n;
} mvg_cli_enrol;

/* Parses text (len bytes) read from file (for the messages). Every bad
 * line is one "FILE:LINE: ..." diagnostic in d; 0 when there is none, -1
 * otherwise (reg then holds the good lines; free it either way). */
int mvg_cli_enrol_parse(const char *text, size_t len, const char *file, mvg_cli_enrol *reg,
                        mvg_diags *d);

/* Reads and parses the register file path: as parse, and an unreadable or
 * empty register is a diagnostic too. */
int mvg_cli_enrol_load(const char *path, mvg_cli_enrol *reg, mvg_diags *d);

/* As load, but an empty register is one: the hub's, which starts before
 * its first gateway is enrolled (`mvgate hub enrol`, then SIGHUP). */
int mvg_cli_enrol_load_register(const char *path, mvg_cli_enrol *reg, mvg_diags *d);

/* The --enrolled option of a command: load, and on failure every problem
 * printed to stderr under "mvgate COMMAND: --enrolled PATH:" (reg freed). */
int mvg_cli_enrol_open(const char *command, const char *path, mvg_cli_enrol *reg);

void mvg_cli_enrol_free(mvg_cli_enrol *reg);

/* The entry of gateway, or NULL. */
const mvg_cli_enrol_entry *mvg_cli_enrol_find(const mvg_cli_enrol *reg, const char *gateway);

/* A mvg_chain_enrolled_fn over a register (user: the mvg_cli_enrol). */
const char *mvg_cli_enrol_lookup(void *user, const char *gateway, char *where, size_t wlen);

/* The fingerprint in groups of 4 hex digits ("addf 32f4 ... 7993"). */
#define MVG_CLI_ENROL_GROUPED_LEN 40
void mvg_cli_enrol_grouped(const char *fingerprint, char out[MVG_CLI_ENROL_GROUPED_LEN]);

/* "self-attested" or "enrolled": the word a result is reported with. */
const char *mvg_cli_enrol_trust_word(int enrolled);

/* The line that says how far a chain that holds is to be trusted: with reg,
 * "enrolled: gateway G, first key F as enrolled (FILE:LINE)"; without,
 * "self-attested: ..." saying the chain holds only under source (where the
 * first key came from: the key given, the gateway's own key files). */
void mvg_cli_enrol_trust_line(const mvg_cli_enrol *reg, const char *gateway, const char *fp,
                              const char *source, char *buf, size_t len);

#endif
