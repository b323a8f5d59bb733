/*
 * cmd_config_doc.c: `mvgate config-doc [SECTION]`, for maintainers: prints the key
 * tables of docs/config.md from the config loader's own tables
 * (config_table.h), so that the page cannot drift from what the loader
 * accepts (tests/integration/test_config_doc.py compares them).
 */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "config_table.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate config-doc [SECTION]\n"
                 "Prints the key tables of docs/config.md (one SECTION, or all) from the\n"
                 "config loader's own tables.\n");
}

int mvg_cmd_config_doc(int argc, char **argv)
{
    const mvg_arg args[] = {MVG_ARG_END};
    int first = argc;
    int exit_code = mvg_cli_args("config-doc", argc, argv, args, argc > 1 ? 1 : 0, &first, usage);
    if (exit_code >= 0)
        return exit_code;
    const char *want = first < argc ? argv[first] : NULL;
    int found = 0;
    for (size_t i = 0; mvg_config_sections[i]; i++) {
        const mvg_section *s = mvg_config_sections[i];
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
