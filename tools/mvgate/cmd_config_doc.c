/*
 * cmd_config_doc.c: `mvgate config-doc [SECTION]`, for maintainers: prints the key
 * tables of docs/config.md from the config loader's own tables
 * (config_table.h), and those of docs/hub.md from hub.conf's
 * (hub_config.h), so that the pages cannot drift from what the loaders
 * accept (tests/integration/test_config_doc.py compares them).
 */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "config_table.h"
#include "hub_config.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate config-doc [SECTION]\n"
                 "Prints the key tables of docs/config.md and docs/hub.md (one SECTION, or\n"
                 "all) from the config loaders' own tables.\n");
}

int mvg_cmd_config_doc(int argc, char **argv)
{
    const mvg_arg args[] = {MVG_ARG_END};
    int first = argc;
    int exit_code = mvg_cli_args("config-doc", argc, argv, args, argc > 1 ? 1 : 0, &first, usage);
    if (exit_code >= 0)
        return exit_code;
    const char *want = first < argc ? argv[first] : NULL;
    const mvg_section *hub[] = {&mvg_hub_section, &mvg_hub_mqtt_section, &mvg_hub_db_section};
    const mvg_section *all[64];
    size_t n = 0;
    for (size_t i = 0; mvg_config_sections[i] && n < 60; i++)
        all[n++] = mvg_config_sections[i];
    for (size_t i = 0; i < sizeof hub / sizeof hub[0]; i++)
        all[n++] = hub[i];
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        const mvg_section *s = all[i];
        if (want && strcmp(want, s->name) != 0)
            continue;
        if (!want)
            printf("%s## %s\n\n", found ? "\n" : "", s->name);
        mvg_section_doc(s, stdout);
        found = 1;
    }
    if (!found) {
        fprintf(stderr, "mvgate config-doc: no section '%s'\n", want);
        return 2;
    }
    return 0;
}
