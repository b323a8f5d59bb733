/*
 * vec.c: the growth of growable arrays (vec.h).
 */
#include "vec.h"

#include <stdint.h>
#include <stdlib.h>

void *mvg_vec_reserve(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? 2 * *cap : (first ? first : 1);
    if (nc <= n)
        nc = n + 1;
    if (size && nc > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, nc * size);
    if (p)
        *cap = nc;
    return p;
}
