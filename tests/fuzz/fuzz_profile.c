/*
 * fuzz_profile.c: arbitrary bytes as a device profile file
 * (config/profiles/NAME.conf, docs/profiles.md) through the configuration
 * loader: a fixed configuration whose device names profile "fuzz", found
 * in a profile directory of the fuzzer's own. It must never crash, leak or
 * read out of bounds; a refused configuration must say why, and an
 * accepted one must have the device with its points.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

static char dir[64], conf[128], profile[128];

static void setup_once(void)
{
    snprintf(dir, sizeof dir, "/tmp/mvg-fuzz-profile-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(conf, sizeof conf, "%s/gw.conf", dir);
    snprintf(profile, sizeof profile, "%s/fuzz.conf", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        abort();
    fprintf(f, "gateway = { id = \"gw\"; site = \"lab\"; data_dir = \"%s/state\"; };\n"
               "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
               "devices = ( { name = \"m\"; bus = \"lan\"; profile = \"fuzz\"; } );\n",
            dir);
    if (fclose(f) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup_once();
    FILE *f = fopen(profile, "w");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    mvg_diags *d = mvg_diags_new();
    mvg_config_opts opts = {.profile_dir = dir};
    mvg_config *c = mvg_config_load(conf, &opts, d);
    if (!c && mvg_diags_count(d) == 0)
        abort(); /* a refusal must say why */
    if (c && (c->ndevices != 1 || c->devices[0].npoints == 0))
        abort(); /* accepted: the profile's points are the device's */
    mvg_config_free(c);
    mvg_diags_free(d);
    return 0;
}
