/*
 * fuzz_config.c: arbitrary bytes as a configuration file through the whole
 * loader (libconfig parse, every section's checks, profiles from the
 * repository, derived expressions and projects). It must never crash, leak
 * or read out of bounds; a rejected file must come with at least one
 * diagnostic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mvg-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    mvg_diags *d = mvg_diags_new();
    mvg_config_opts opts = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"};
    mvg_config *c = mvg_config_load(path, &opts, d);
    if (!c && mvg_diags_count(d) == 0)
        abort(); /* a refusal must say why */
    mvg_config_free(c);
    mvg_diags_free(d);
    unlink(path);
    return 0;
}
