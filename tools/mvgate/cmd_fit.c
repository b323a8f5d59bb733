/* cmd_fit.c: PLACEHOLDER, replaced by its owner. */
#include <stdio.h>
#include "commands.h"
int mvg_cmd_fit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mvgate fit: not built yet\n");
    return 2;
}
