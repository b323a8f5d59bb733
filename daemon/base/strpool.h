/*
 * strpool.h: a pool of strings that live as long as the pool. Each distinct
 * string is stored once (interned) and the characters sit in large blocks,
 * so that a configuration's 100,000 point names, its units and its file
 * names cost their characters and not a fixed array or a malloc each. Owns
 * the blocks and, until mvg_strpool_seal, the index that finds an equal
 * string; the strings it hands out are read-only and stay valid until
 * mvg_strpool_free.
 */
#ifndef MVG_STRPOOL_H
#define MVG_STRPOOL_H

#include <stddef.h>

typedef struct mvg_strpool mvg_strpool;

/* An empty pool; NULL when out of memory. */
mvg_strpool *mvg_strpool_new(void);
/* Frees the pool and every string it handed out; NULL is a no-op. */
void mvg_strpool_free(mvg_strpool *p);

/* The pool's copy of s: the same pointer for equal strings while the index
 * is there. NULL when out of memory (the pool is unchanged). */
const char *mvg_strpool_intern(mvg_strpool *p, const char *s);

/* Drops the index once nothing more is interned (a loaded configuration
 * is read-only): it would cost two pointers per distinct string for the
 * daemon's lifetime. Interning after it still works, each call storing a
 * new copy. */
void mvg_strpool_seal(mvg_strpool *p);

/* Strings stored (each distinct one once, until the seal) and the bytes
 * they take (their characters and NULs), for tests and the footprint
 * figures. */
size_t mvg_strpool_count(const mvg_strpool *p);
size_t mvg_strpool_bytes(const mvg_strpool *p);

#endif
