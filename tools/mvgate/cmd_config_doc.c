/*
 * cmd_config_doc.c: `mvgate config-doc [SECTION]`, hidden: prints the key
 * tables of docs/config.md from the config loader's own tables
 * (config_table.h), so that the page cannot drift from what the loader
 * accepts (tests/integration/test_config_doc.py compares them).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config_table.h"

int mvg_cmd_config_doc(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: mvgate config-doc [SECTION]\n");
        return 2;
    }
    int found = 0;
    for (size_t i = 0; mvg_config_sections[i]; i++) {
        const mvg_section *s = mvg_config_sections[i];
        if (argc == 2 && strcmp(argv[1], s->name) != 0)
            continue;
        if (argc == 1)
            printf("%s## %s\n\n", found ? "\n" : "", s->name);
        mvg_section_doc(s, stdout);
        found = 1;
    }
    if (!found) {
        fprintf(stderr, "mvgate config-doc: no section '%s'\n", argv[1]);
        return 2;
    }
    return 0;
}
