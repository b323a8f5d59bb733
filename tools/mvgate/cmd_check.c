/* cmd_check.c: PLACEHOLDER, replaced by its owner. */
#include <stdio.h>
#include "commands.h"
int mvg_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mvgate check: not built yet\n");
    return 2;
}
