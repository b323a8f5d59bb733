/* PLACEHOLDER: mvgate-sim, replaced by its owner. */
#include <stdio.h>
int main(void)
{
    fprintf(stderr, "mvgate-sim: not built yet\n");
    return 2;
}
