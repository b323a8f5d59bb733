/*
 * chain.h: the signed hash chain of a project's records (pure: no I/O).
 * Interval records, model records and key-rotation records of a project
 * form one chain: each carries "chain" (its position, 1, 2, ...), "key"
 * (the signer's fingerprint) and "prev" (the SHA-256 of the complete bytes
 * of the project's previous chained record, 64 zeros for the first); the
 * record text without its final ,"sig":"..." member is signed with Ed25519
 * and the signature appended as that member. A key record, signed by the
 * outgoing key, names the key that signs the records after it. A new-chain
 * record (chain 1) begins a project's chain again under a key that signed
 * an earlier chain (the store was lost): the walk accepts a restart at 1
 * only behind one, and reports it. The exact
 * byte rules are in docs/mqtt.md ("Signed records"). This module builds and
 * checks those bytes and walks a sequence of records the way
 * `mvgate verify` does; keys.h owns the key files.
 */
#ifndef MVG_CHAIN_H
#define MVG_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define MVG_CHAIN_PK_BYTES 32
#define MVG_CHAIN_SK_BYTES 64
#define MVG_CHAIN_SIG_BYTES 64
#define MVG_CHAIN_HEX_LEN 65   /* 64 hex digits + NUL */
#define MVG_CHAIN_FP_LEN 33    /* 32 hex digits + NUL */
#define MVG_CHAIN_PK_B64_LEN 45/* base64 of 32 bytes + NUL */

/* Calls sodium_init(); 0, or -1 when libsodium cannot start. */
int mvg_chain_init(void);

/* SHA-256 of data as lowercase hex. */
void mvg_chain_hash_hex(const void *data, size_t len, char out[MVG_CHAIN_HEX_LEN]);
/* The "prev" of a project's first record. */
void mvg_chain_zero_prev(char out[MVG_CHAIN_HEX_LEN]);
/* First 16 bytes of SHA-256(public key) as hex. */
void mvg_chain_fingerprint(const unsigned char pk[MVG_CHAIN_PK_BYTES], char out[MVG_CHAIN_FP_LEN]);
/* Public key <-> base64 (ORIGINAL variant, padded). from: 0 or -1. */
void mvg_chain_pk_to_b64(const unsigned char pk[MVG_CHAIN_PK_BYTES],
                         char out[MVG_CHAIN_PK_B64_LEN]);
int mvg_chain_pk_from_b64(const char *b64, size_t len, unsigned char pk[MVG_CHAIN_PK_BYTES]);

/* The signed text of an unsigned record (a JSON object ending in '}'):
 * malloc'd, NUL-terminated, *out_len its length; NULL when the text does
 * not end in '}' or out of memory. */
char *mvg_chain_sign(const char *text, size_t len, const unsigned char sk[MVG_CHAIN_SK_BYTES],
                     size_t *out_len);

typedef enum {
    MVG_CHAIN_OK = 0,
    MVG_CHAIN_NO_SIG,      /* no well-formed final ,"sig":"<base64 of 64 bytes>"} */
    MVG_CHAIN_BAD_SIG,     /* the signature does not verify over the bytes */
} mvg_chain_sig_status;

/* Checks the signature of a signed record; *signed_len (may be NULL) gets
 * the length of the signed bytes (the record without its sig member, closed
 * with '}'). */
mvg_chain_sig_status mvg_chain_check_sig(const char *text, size_t len,
                                         const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                         size_t *signed_len);

/* The fingerprint a key record hands the chain over to (its
 * new_fingerprint, into to): 1; 0 when text is no key record. */
int mvg_chain_handover(const char *text, size_t len, char to[MVG_CHAIN_FP_LEN]);

/* ---- walking a sequence of records (mvgate verify) ---- */

typedef enum {
    MVG_CHAIN_V_OK = 0,
    MVG_CHAIN_V_ALTERED,
    MVG_CHAIN_V_MISSING,
    MVG_CHAIN_V_REORDERED,
    MVG_CHAIN_V_DUPLICATED,
    MVG_CHAIN_V_BAD_SIGNATURE,
    MVG_CHAIN_V_UNKNOWN_KEY,
    MVG_CHAIN_V_RESTARTED,      /* back at chain 1 without a new-chain record */
    MVG_CHAIN_V_WRONG_TOPIC,    /* the envelope (topic, export line) names another project or kind */
    MVG_CHAIN_V_NOT_ENROLLED,   /* the chain's first key is not the one enrolled for its gateway */
} mvg_chain_verdict;

/* The word the verdict is reported with ("altered", "missing", ...). */
const char *mvg_chain_verdict_name(mvg_chain_verdict v);

typedef enum {
    MVG_CHAIN_UNKNOWN = 0,
    MVG_CHAIN_INTERVAL,         /* mvgate/interval/N */
    MVG_CHAIN_MODEL,            /* mvgate/model/N */
    MVG_CHAIN_KEY,              /* mvgate/key/N: a key rotation */
    MVG_CHAIN_NEWCHAIN,         /* mvgate/newchain/N: a chain begun again after a lost store */
    MVG_CHAIN_DEFINITION,       /* mvgate/definition/N: the project definition (definition.h) */
} mvg_chain_kind;

/* The kind a word names ("interval", "model", "key", "newchain",
 * "definition": an MQTT
 * topic level, an export line's "kind"); MVG_CHAIN_UNKNOWN otherwise. */
mvg_chain_kind mvg_chain_kind_from_word(const char *word);

/* What the envelope of a record says it is. A record whose own project or
 * kind differs from its envelope's is "wrong topic": a record republished
 * under another project's topic is not a repeat to be skipped. */
typedef struct {
    const char *bytes;          /* the record exactly as stored/published */
    size_t len;
    const char *project_hint;   /* from the envelope (export line, topic), may be NULL */
    mvg_chain_kind kind_hint;   /* likewise; MVG_CHAIN_UNKNOWN: the envelope does not say */
    int64_t chain_hint;         /* a topic that numbers its record (key/<project>/<chain>); 0: none */
} mvg_chain_item;

/* The verifier's register of enrolled gateways: the fingerprint of the
 * first key of gateway (the record's own signed "gateway" member), or
 * NULL when the gateway is not enrolled; where (may be NULL) gets the
 * register line it comes from, for the message. */
typedef const char *(*mvg_chain_enrolled_fn)(void *user, const char *gateway, char *where,
                                             size_t wlen);

/* New-chain records a walk reports, at most (the count goes on). */
#define MVG_CHAIN_NOTES_MAX 8

typedef struct {
    size_t records;             /* records accepted */
    size_t projects;
    size_t rotations;           /* key records accepted */
    size_t duplicates_skipped;  /* identical repeats skipped (capture) */
    size_t retained_skipped;    /* retained models at the head of a capture (capture) */
    size_t retained_definitions; /* retained definition records at the head of a capture:
                                 * the definition in force, checked like the model (capture) */
    size_t retained_keys;       /* retained key records at the head of a capture: the key
                                 * history, checked from the given key (capture) */
    int enrolled;               /* 1: the first key was checked against a register */
    char gateway[128];          /* the "gateway" of the first record walked */
    char last_fingerprint[MVG_CHAIN_FP_LEN]; /* the key signing at the end of the walk */
    size_t newchains;           /* new-chain records accepted */
    /* "project P: new chain under key F: store restarted on T (previous
     * store: S)", one per new-chain record, the first MVG_CHAIN_NOTES_MAX */
    char newchain_notes[MVG_CHAIN_NOTES_MAX][256];
    /* the record the verdict is about */
    size_t bad_index;
    char project[128];
    mvg_chain_kind kind;
    int64_t chain;
    int64_t seq;                /* its interval seq, model or definition version, -1 otherwise */
    char detail[256];
} mvg_chain_report;

/* Walks items in order, per project: the signature with the project's
 * current key (pk until a key record names the next), the key fingerprint,
 * chain continuity and prev linkage. Stops at the first bad record and
 * returns its verdict (report filled); MVG_CHAIN_V_OK when all are good.
 * capture (items as a subscriber received them): an identical repeat of a
 * record already seen (MQTT at-least-once) is counted and skipped instead
 * of failing, the retained records at the head of a project's items
 * are checked apart (mvg_chain_verify_enrolled), and a record that came
 * ahead of a gap whose records come later (the broker delivered it before
 * records the gateway had parked) is taken at its position, not reordered. */
mvg_chain_verdict mvg_chain_verify(const mvg_chain_item *items, size_t n,
                                   const unsigned char pk[MVG_CHAIN_PK_BYTES], int capture,
                                   mvg_chain_report *report);

/* The same walk, and each project's chain must start with the key enrolled
 * for the gateway its first record names (enrolled, user): pk, which the
 * walk starts every project with, must have that fingerprint, else
 * MVG_CHAIN_V_NOT_ENROLLED at the project's first record. Later keys count
 * only through the signed key records the walk follows. enrolled NULL: the
 * plain walk (report->enrolled 0: the result is self-attested). In a
 * capture the project's leading model, definition and key records that do
 * not lead, in a contiguous run, to its first other record (retained: the
 * key history, model and definition a late subscriber receives first) are
 * not walked: the key records are checked in chain order from pk and hand
 * the project's later records over to the key they name; the model and
 * the definition are checked with the key in force at their chain
 * position. */
mvg_chain_verdict mvg_chain_verify_enrolled(const mvg_chain_item *items, size_t n,
                                            const unsigned char pk[MVG_CHAIN_PK_BYTES],
                                            int capture, mvg_chain_enrolled_fn enrolled,
                                            void *user, mvg_chain_report *report);

/* Each record the walk accepts, in walk order (a skipped repeat is not
 * one; neither is a capture's retained head, checked apart): its input
 * index, project, position, kind, the SHA-256 hex of its bytes and the key
 * in force after it (the one that signs the project's next record). What
 * the checks of the head records (head.h) hold them to. */
typedef void (*mvg_chain_accept_fn)(void *user, size_t index, const char *project, int64_t chain,
                                    mvg_chain_kind kind, const char *hash,
                                    const unsigned char pk_after[MVG_CHAIN_PK_BYTES]);

/* mvg_chain_verify_enrolled, telling accept (may be NULL) each record it
 * accepts. */
mvg_chain_verdict mvg_chain_verify_trail(const mvg_chain_item *items, size_t n,
                                         const unsigned char pk[MVG_CHAIN_PK_BYTES], int capture,
                                         mvg_chain_enrolled_fn enrolled, void *user,
                                         mvg_chain_accept_fn accept, void *accept_user,
                                         mvg_chain_report *report);

/* The report line: "project P chain N (interval seq S): <verdict>: detail"
 * ("missing (chain N..M): ..." for a gap). snprintf's return. */
int mvg_chain_report_line(mvg_chain_verdict v, const mvg_chain_report *r, char *buf, size_t len);

#endif
