/*
 * strpool.c: interned strings in blocks (strpool.h).
 */
#include "strpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statefmt.h"

/* A block's characters: 16 kB holds about 2,000 point names, few enough
 * blocks that their headers do not count; a longer string gets its own. */
#define BLOCK_BYTES 16384

typedef struct block {
    struct block *next;
    size_t used, cap;
    char data[];
} block;

struct mvg_strpool {
    block *blocks;      /* the newest first: the one appended to */
    const char **slot;  /* open addressing, a power of two; NULL: sealed or empty */
    size_t nslots;
    size_t count, bytes;
};

mvg_strpool *mvg_strpool_new(void) { return calloc(1, sizeof(mvg_strpool)); }

void mvg_strpool_free(mvg_strpool *p)
{
    if (!p)
        return;
    for (block *b = p->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(p->slot);
    free(p);
}

static size_t hash(const char *s, size_t n)
{
    return (size_t)mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, s, n);
}

/* The slot of s in the index: where it is, or the empty one it would take. */
static size_t find(const mvg_strpool *p, const char *s, size_t n)
{
    size_t mask = p->nslots - 1, i = hash(s, n) & mask;
    while (p->slot[i] && strcmp(p->slot[i], s) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Room for one more entry at a load of at most one half; 0 or -1. */
static int grow_index(mvg_strpool *p)
{
    if (p->nslots && (p->count + 1) * 2 <= p->nslots)
        return 0;
    size_t n = p->nslots ? p->nslots * 2 : 64;
    const char **old = p->slot;
    size_t nold = p->nslots;
    p->slot = calloc(n, sizeof *p->slot);
    if (!p->slot) {
        p->slot = old;
        return -1;
    }
    p->nslots = n;
    for (size_t i = 0; i < nold; i++)
        if (old[i])
            p->slot[find(p, old[i], strlen(old[i]))] = old[i];
    free(old);
    return 0;
}

/* n + 1 bytes in the newest block, or a new block; NULL when out of memory. */
static char *room(mvg_strpool *p, size_t n)
{
    block *b = p->blocks;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > BLOCK_BYTES ? n + 1 : BLOCK_BYTES;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        /* a string of its own size must not retire a block with room left */
        if (b && cap > BLOCK_BYTES) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            p->blocks = nb;
        }
        b = nb;
    }
    char *out = b->data + b->used;
    b->used += n + 1;
    return out;
}

const char *mvg_strpool_intern(mvg_strpool *p, const char *s)
{
    size_t n = strlen(s), i = 0;
    int indexed = p->slot != NULL || p->count == 0;
    if (indexed) {
        if (grow_index(p) != 0)
            return NULL;
        i = find(p, s, n);
        if (p->slot[i])
            return p->slot[i];
    }
    char *copy = room(p, n);
    if (!copy)
        return NULL;
    memcpy(copy, s, n + 1);
    if (indexed)
        p->slot[i] = copy;
    p->count++;
    p->bytes += n + 1;
    return copy;
}

void mvg_strpool_seal(mvg_strpool *p)
{
    free(p->slot);
    p->slot = NULL;
    p->nslots = 0;
}

size_t mvg_strpool_count(const mvg_strpool *p) { return p->count; }
size_t mvg_strpool_bytes(const mvg_strpool *p) { return p->bytes; }
