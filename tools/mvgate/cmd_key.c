/*
 * cmd_key.c: `mvgate key show -c FILE`: the gateway's public key (base64)
 * and fingerprint, read from <data_dir>/gateway.pub, for handing to whoever
 * verifies the records (`mvgate verify --pubkey`). Never reads the secret
 * key.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli_config.h"
#include "commands.h"
#include "config.h"
#include "keys.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate key show -c FILE\n"
                 "Prints the gateway's public key (base64) and its fingerprint, from\n"
                 "<data_dir>/" MVG_KEYS_PUBLIC_FILE " (created by the daemon on its first start).\n");
}

int mvg_cmd_key(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!path || optind != argc - 1 || strcmp(argv[optind], "show") != 0) {
        usage(stderr);
        return 2;
    }
    if (mvg_chain_init() != 0) {
        fprintf(stderr, "mvgate key: libsodium failed to initialise\n");
        return 2;
    }
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char pub[MVG_PATH_MAX + 32], err[512];
    snprintf(pub, sizeof pub, "%s/%s", cfg->gateway.data_dir, MVG_KEYS_PUBLIC_FILE);
    mvg_config_free(cfg);
    unsigned char pk[MVG_CHAIN_PK_BYTES];
    if (mvg_keys_read_public(pub, pk, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate key: %s\n", err);
        return 2;
    }
    char b64[MVG_CHAIN_PK_B64_LEN], fp[MVG_CHAIN_FP_LEN];
    mvg_chain_pk_to_b64(pk, b64);
    mvg_chain_fingerprint(pk, fp);
    printf("public key: %s\nfingerprint: %s\nalgorithm: Ed25519\n", b64, fp);
    return 0;
}
