/*
 * head.h: the signed head record of a project (mvgate/head/1): what the
 * gateway says its chain holds at a time, so that a verifier can tell a
 * complete input from one cut at its head or tail. A head names the chain
 * position of the project's last chained record and the SHA-256 of that
 * record's complete bytes, counts the chain's records by kind, and says how
 * often heads come (every_s) and why this one was written. It is signed
 * like a chained record (chain.h: the text without its final ,"sig":"..."
 * member, Ed25519, by the key that signs the project's next record) but is
 * not chained itself: it has no "chain" or "prev", takes no position, and
 * the next chained record does not hash it. Byte rules: docs/mqtt.md
 * ("Head records"). This module builds the unsigned text, reads a head
 * back and checks one against the record it names. Pure: the time comes in.
 */
#ifndef MVG_HEAD_H
#define MVG_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

#define MVG_SCHEMA_HEAD "mvgate/head/1"

typedef enum {
    MVG_HEAD_PERIODIC = 0, /* every gateway.head_every minutes */
    MVG_HEAD_SHUTDOWN,     /* the daemon stops cleanly (SIGTERM): nothing follows until a start */
    MVG_HEAD_START,        /* the daemon started: what the store held then */
} mvg_head_reason;

/* "periodic", "shutdown", "start". */
const char *mvg_head_reason_name(mvg_head_reason r);

/* Kinds a head counts, at most (interval, model, key, newchain and the
 * kinds a later schema adds). */
#define MVG_HEAD_KINDS_MAX 8

typedef struct {
    char kind[16];
    int64_t n;
} mvg_head_count;

typedef struct {
    const char *gateway, *project;
    int64_t time_ms;
    int64_t head;               /* the chain position of the project's last chained record */
    const char *head_hash;      /* SHA-256 hex of that record's complete bytes */
    const mvg_head_count *counts; /* records per kind up to head, any order */
    size_t ncounts;
    int64_t every_s;            /* the head period; 0: no periodic heads */
    mvg_head_reason reason;
    const char *key;            /* the fingerprint of the key that signs it */
} mvg_head_info;

/* The unsigned text of a head (sign it with mvg_chain_sign): malloc'd,
 * NUL-terminated; NULL when out of memory or head < 1. "records" holds
 * interval, model, key and newchain always, in that order (0 when none),
 * then the other kinds of counts in their order. */
char *mvg_head_build(const mvg_head_info *h);

/* A head read back. */
typedef struct {
    char gateway[128], project[128];
    char time[40];
    int64_t time_ms;
    int64_t head;
    char head_hash[MVG_CHAIN_HEX_LEN];
    mvg_head_count counts[MVG_HEAD_KINDS_MAX];
    size_t ncounts;
    int64_t every_s;
    mvg_head_reason reason;
    char key[MVG_CHAIN_FP_LEN];
} mvg_head;

/* 1 when text is a head record by its schema (a cheap look, no parse). */
int mvg_head_is_head(const char *text, size_t len);

/* Reads a head: 0, or -1 with err saying which member is missing or wrong
 * (the record is then to be reported as altered). */
int mvg_head_parse(const char *text, size_t len, mvg_head *out, char *err, size_t errlen);

/* The count of kind in h (0 when it does not list it). */
int64_t mvg_head_count_of(const mvg_head *h, const char *kind);

/* Checks a parsed head h (its text) against the record it names: hash_at
 * is the SHA-256 hex of the record at chain h->head, pk and fp the key in
 * force there (the one that signs the record after it). MVG_CHAIN_V_OK,
 * MVG_CHAIN_V_UNKNOWN_KEY (signed by another key), MVG_CHAIN_V_ALTERED (the
 * signature or head_hash does not match), with detail. */
mvg_chain_verdict mvg_head_check(const char *text, size_t len, const mvg_head *h,
                                 const char *hash_at, const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                 char *detail, size_t dlen);

#endif
