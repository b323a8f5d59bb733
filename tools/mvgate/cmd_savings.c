/* cmd_savings.c: PLACEHOLDER, replaced by its owner. */
#include <stdio.h>
#include "commands.h"
int mvg_cmd_savings(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mvgate savings: not built yet\n");
    return 2;
}
