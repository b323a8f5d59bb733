/*
 * statefmt.h: how saved state is framed as bytes, for every state the
 * daemon keeps across a restart (the interval aggregators, the projects,
 * the engine state around them, the pipeline's checkpoint). It owns the
 * little-endian fixed-width encoding, the bounds checks on reading, the
 * checksum (FNV-1a 64) and the two envelopes of magic, version, length and
 * checksum that the formats use. The bytes are frozen: checkpoints in
 * users' stores were written with them (tests/unit/test_state_golden.c).
 * Pure: no I/O, no allocation.
 */
#ifndef MVG_STATEFMT_H
#define MVG_STATEFMT_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64 of n bytes from the offset basis: the checksum of every state
 * envelope. The interval state uses the standard basis; the engine and
 * project states were first written with that basis short of its last
 * digit, and their checkpoints exist: each envelope says which. */
#define MVG_STATEFMT_FNV_BASIS UINT64_C(14695981039346656037)
#define MVG_STATEFMT_FNV_BASIS_SHORT UINT64_C(1469598103934665603)
uint64_t mvg_statefmt_fnv1a(uint64_t basis, const void *p, size_t n);

/* Little-endian u64 at p, for a fixed layout addressed by offset. */
void mvg_statefmt_store_u64(uint8_t *p, uint64_t v);
uint64_t mvg_statefmt_load_u64(const uint8_t *p);

/*
 * A writer appends to p[0..cap). With p NULL it only counts, so the same
 * code gives a state's size and its bytes. Writing past cap sets over and
 * writes nothing more.
 */
typedef struct {
    uint8_t *p;
    size_t cap, len;
    int over;
} mvg_statefmt_writer;

void mvg_statefmt_put_u8(mvg_statefmt_writer *w, uint8_t v);
void mvg_statefmt_put_u32(mvg_statefmt_writer *w, uint32_t v);
void mvg_statefmt_put_u64(mvg_statefmt_writer *w, uint64_t v);
void mvg_statefmt_put_i64(mvg_statefmt_writer *w, int64_t v);
/* The double's bits: restoring is exact. */
void mvg_statefmt_put_f64(mvg_statefmt_writer *w, double d);
void mvg_statefmt_put_bytes(mvg_statefmt_writer *w, const void *v, size_t n);
/* A string as a u64 length and its bytes (no terminator). */
void mvg_statefmt_put_str(mvg_statefmt_writer *w, const char *s);
/* n bytes for the caller to fill (a nested state saved in place): a pointer
 * to them, or NULL when counting or past cap. */
uint8_t *mvg_statefmt_reserve(mvg_statefmt_writer *w, size_t n);

/*
 * A reader takes from p[pos..len). Reading past len sets bad and gives 0;
 * once bad, every later read gives 0, so a caller checks bad once after a
 * run of reads.
 */
typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int bad;
} mvg_statefmt_reader;

uint8_t mvg_statefmt_get_u8(mvg_statefmt_reader *r);
uint32_t mvg_statefmt_get_u32(mvg_statefmt_reader *r);
uint64_t mvg_statefmt_get_u64(mvg_statefmt_reader *r);
int64_t mvg_statefmt_get_i64(mvg_statefmt_reader *r);
double mvg_statefmt_get_f64(mvg_statefmt_reader *r);
/* The next n bytes in place, or NULL (and bad) when fewer are left. */
const uint8_t *mvg_statefmt_take(mvg_statefmt_reader *r, size_t n);
/* A string written by put_str into dst (cap bytes with the terminator);
 * too long or truncated: bad and "". */
void mvg_statefmt_get_str(mvg_statefmt_reader *r, char *dst, size_t cap);
/* Bytes left to read: bounds counts before allocating for them. */
size_t mvg_statefmt_left(const mvg_statefmt_reader *r);

/*
 * The envelopes, byte for byte:
 *  MVG_STATEFMT_TRAILER: magic[8] | u64 version | u64 total length | body |
 *                        u64 checksum of every byte before it
 *  MVG_STATEFMT_HEADER:  magic[4] | u32 version | u64 body length |
 *                        u64 checksum of the body | body
 * what names the state in errors ("engine state").
 */
typedef enum { MVG_STATEFMT_TRAILER, MVG_STATEFMT_HEADER } mvg_statefmt_layout;

typedef struct {
    mvg_statefmt_layout layout;
    const char *magic; /* 8 or 4 bytes, by layout */
    uint32_t version;
    uint64_t fnv_basis; /* MVG_STATEFMT_FNV_BASIS or _SHORT */
    const char *what;
} mvg_statefmt_envelope;

/* Starts a writer on buf (NULL: counting) with the envelope's head written;
 * the caller then puts the body. */
void mvg_statefmt_begin(const mvg_statefmt_envelope *e, mvg_statefmt_writer *w, void *buf,
                        size_t cap);
/* Finishes the envelope (length and checksum). Returns 0 and *written (the
 * whole size, also when counting), or -1 with err when the writer went past
 * its cap. */
int mvg_statefmt_seal(const mvg_statefmt_envelope *e, mvg_statefmt_writer *w, size_t *written,
                      char *err, size_t errlen);
/* A state's body: puts obj's fields into w. */
typedef void (*mvg_statefmt_body_fn)(const void *obj, mvg_statefmt_writer *w);

/* begin, body, seal: obj's state in envelope e into buf (NULL: only
 * counting, *written then being the size it needs). 0, or -1 with err when
 * cap is too small. */
int mvg_statefmt_write(const mvg_statefmt_envelope *e, mvg_statefmt_body_fn body, const void *obj,
                       void *buf, size_t cap, size_t *written, char *err, size_t errlen);

/* Checks magic, version, length and checksum of buf[0..len) before anything
 * else is read. Returns 0 with *body reading the body, or -1 with err. */
int mvg_statefmt_open(const mvg_statefmt_envelope *e, const void *buf, size_t len,
                      mvg_statefmt_reader *body, char *err, size_t errlen);

#endif
