/* cmd_read.c: PLACEHOLDER, replaced by its owner. */
#include <stdio.h>
#include "commands.h"
int mvg_cmd_read(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mvgate read: not built yet\n");
    return 2;
}
