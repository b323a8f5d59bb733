/* PLACEHOLDER: mvgated. */
#include <stdio.h>
int main(void)
{
    fprintf(stderr, "mvgated: not built yet\n");
    return 2;
}
