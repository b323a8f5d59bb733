/*
 * cmd_key.c: `mvgate key show -c FILE`: the gateway's public key (base64)
 * and fingerprint, read from <data_dir>/gateway.pub, for handing to whoever
 * verifies the records (`mvgate verify --pubkey`), the fingerprint as a
 * commissioning record writes it with the line for the verifier's register
 * (`--enrolled`, cli_enrol.h), a pending rotation and the retired keys;
 * never reads the secret key. `mvgate key rotate -c
 * FILE`: creates the next key pair, which the daemon signs into every
 * project's chain with the current key at its next start or reload.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "chain.h"
#include "cli_config.h"
#include "cli_enrol.h"
#include "commands.h"
#include "config.h"
#include "keys.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate key show -c FILE\n"
                 "       mvgate key rotate -c FILE\n"
                 "show: the gateway's public key (base64) and its fingerprint, from\n"
                 "  <data_dir>/" MVG_KEYS_PUBLIC_FILE " (created by the daemon on its first start),\n"
                 "  the fingerprint for the commissioning record and the line for the\n"
                 "  verifier's register (mvgate verify/report --enrolled), a pending\n"
                 "  rotation and the retired keys.\n"
                 "rotate: creates the next key pair; at its next start or reload (SIGHUP)\n"
                 "  the daemon writes a key record signed by the current key into every\n"
                 "  project's chain, then signs with the new key.\n");
}

static void print_key(const char *label, const unsigned char pk[MVG_CHAIN_PK_BYTES])
{
    char b64[MVG_CHAIN_PK_B64_LEN], fp[MVG_CHAIN_FP_LEN];
    mvg_chain_pk_to_b64(pk, b64);
    mvg_chain_fingerprint(pk, fp);
    printf("%s: %s\n%sfingerprint: %s\n", label, b64, label[0] == 'p' ? "" : "  ", fp);
}

/* What a commissioning record keeps of the key: the gateway it belongs
 * to, the fingerprint in groups of 4, and the register line. The register
 * holds the first key: after a rotation the current key is not it. */
static void print_enrolment(const char *gateway, const unsigned char pk[MVG_CHAIN_PK_BYTES],
                            int rotated)
{
    char fp[MVG_CHAIN_FP_LEN], grouped[MVG_CLI_ENROL_GROUPED_LEN];
    mvg_chain_fingerprint(pk, fp);
    mvg_cli_enrol_grouped(fp, grouped);
    printf("gateway: %s\ncommissioning record: gateway %s, Ed25519 key fingerprint %s\n", gateway,
           gateway, grouped);
    if (rotated)
        printf("register line: none for this key: the gateway's key was rotated, and the"
               " register keeps the fingerprint of its first key (its commissioning record)\n");
    else
        printf("register line: %s %s\n", gateway, grouped);
}

/* The number of retired public keys (gateway.pub.<fingerprint>) in data_dir,
 * printed when print is set. */
static int retired(const char *data_dir, int print)
{
    int count = 0;
    DIR *d = opendir(data_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *prefix = MVG_KEYS_PUBLIC_FILE ".";
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
            strlen(e->d_name) != strlen(prefix) + 32)
            continue;
        count++;
        char path[MVG_PATH_MAX + 300], err[512];
        unsigned char pk[MVG_CHAIN_PK_BYTES];
        snprintf(path, sizeof path, "%s/%s", data_dir, e->d_name);
        if (!print)
            continue;
        if (mvg_keys_read_public(path, pk, err, sizeof err) == 0)
            print_key("retired key", pk);
        else
            fprintf(stderr, "mvgate key: %s\n", err);
    }
    if (d)
        closedir(d);
    return count;
}

static int rotate(const char *data_dir)
{
    mvg_keys next;
    char err[1024];
    char pub[MVG_PATH_MAX + 32];
    snprintf(pub, sizeof pub, "%s/%s", data_dir, MVG_KEYS_PUBLIC_FILE);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (mvg_keys_read_public(pub, pk, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate key rotate: %s\n", err);
        return 2;
    }
    if (mvg_keys_create_next(data_dir, &next, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate key rotate: %s\n", err);
        return 2;
    }
    char fp[MVG_CHAIN_FP_LEN];
    mvg_chain_fingerprint(pk, fp);
    printf("next key: %s\nfingerprint: %s\n"
           "The daemon switches to it at its next start or reload (systemctl reload mvgated):\n"
           "each project's chain then gets a key record signed by the current key %s.\n",
           next.pk_b64, next.fingerprint, fp);
    mvg_keys_wipe(&next);
    return 0;
}

int mvg_cmd_key(int argc, char **argv)
{
    const char *path = NULL;
    int first;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("key", argc, argv, args, 1, &first, usage);
    if (exit_code >= 0)
        return exit_code;
    if (strcmp(argv[first], "show") != 0 && strcmp(argv[first], "rotate") != 0) {
        usage(stderr);
        return 2;
    }
    int show = strcmp(argv[first], "show") == 0;
    if (mvg_chain_init() != 0) {
        fprintf(stderr, "mvgate key: libsodium failed to initialise\n");
        return 2;
    }
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char dir[MVG_PATH_MAX], gateway[sizeof cfg->gateway.id];
    snprintf(dir, sizeof dir, "%s", cfg->gateway.data_dir);
    snprintf(gateway, sizeof gateway, "%s", cfg->gateway.id);
    mvg_config_free(cfg);
    if (!show)
        return rotate(dir);
    char pub[MVG_PATH_MAX + 32], err[512];
    snprintf(pub, sizeof pub, "%s/%s", dir, MVG_KEYS_PUBLIC_FILE);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (mvg_keys_read_public(pub, pk, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate key: %s\n", err);
        return 2;
    }
    print_key("public key", pk);
    printf("algorithm: Ed25519\n");
    print_enrolment(gateway, pk, retired(dir, 0) > 0);
    snprintf(pub, sizeof pub, "%s/%s", dir, MVG_KEYS_NEXT_PUBLIC_FILE);
    if (mvg_keys_read_public(pub, pk, err, sizeof err) == 0)
        print_key("pending rotation to", pk);
    retired(dir, 1);
    return 0;
}
