/*
 * vec.h: the one growth rule of mvgate's growable arrays: room for one more
 * element by doubling the capacity (from a first size the caller picks for
 * its use), so that n appends cost O(n) and an out-of-memory leaves the
 * array as it was. Owns nothing: the caller keeps the pointer, count and
 * capacity.
 */
#ifndef MVG_VEC_H
#define MVG_VEC_H

#include <stddef.h>

/*
 * Makes room in arr (n elements of size bytes used, *cap allocated) for
 * element n. Returns arr, or the array moved to a larger block with *cap
 * updated; NULL when out of memory, arr then still valid and *cap
 * unchanged. Typical use:
 *     item *a = mvg_vec_reserve(v->items, v->n, &v->cap, sizeof *a, 16);
 *     if (!a) return -1;
 *     v->items = a;
 */
void *mvg_vec_reserve(void *arr, size_t n, size_t *cap, size_t size, size_t first);

#endif
