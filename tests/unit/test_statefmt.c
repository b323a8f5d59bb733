/*
 * test_statefmt.c: the framing of saved state: little-endian fields and
 * their exact bytes, reads bounded by the data (a short read is "bad", not
 * garbage), writers that stop at their cap, FNV-1a 64 on its published
 * test vectors, and both envelopes: sealed bytes, then every way an input
 * is refused (magic, version, length, checksum) before a byte of the body
 * is read.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "statefmt.h"

static void test_fnv1a_vectors(void **state)
{
    (void)state;
    /* the FNV reference vectors (offset basis 14695981039346656037) */
    assert_true(mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, "", 0) == MVG_STATEFMT_FNV_BASIS);
    assert_true(mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, "a", 1) ==
                UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, "foobar", 6) ==
                UINT64_C(0x85944171f73967e8));
    assert_true(mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS_SHORT, "a", 1) !=
                mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, "a", 1));
}

static void test_fields_little_endian(void **state)
{
    (void)state;
    uint8_t buf[64];
    mvg_statefmt_writer w = {.p = buf, .cap = sizeof buf};
    mvg_statefmt_put_u8(&w, 0xab);
    mvg_statefmt_put_u32(&w, 0x01020304u);
    mvg_statefmt_put_u64(&w, UINT64_C(0x0102030405060708));
    mvg_statefmt_put_i64(&w, -2);
    mvg_statefmt_put_f64(&w, 1.0);
    mvg_statefmt_put_str(&w, "kw");
    assert_false(w.over);
    const uint8_t want[] = {0xab, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1,
                            0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
                            2, 0, 0, 0, 0, 0, 0, 0, 'k', 'w'};
    assert_int_equal(w.len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);

    mvg_statefmt_reader r = {.p = buf, .len = w.len};
    assert_int_equal(mvg_statefmt_get_u8(&r), 0xab);
    assert_int_equal(mvg_statefmt_get_u32(&r), 0x01020304u);
    assert_true(mvg_statefmt_get_u64(&r) == UINT64_C(0x0102030405060708));
    assert_true(mvg_statefmt_get_i64(&r) == -2);
    assert_true(mvg_statefmt_get_f64(&r) == 1.0);
    char s[8];
    mvg_statefmt_get_str(&r, s, sizeof s);
    assert_string_equal(s, "kw");
    assert_false(r.bad);
    assert_int_equal(mvg_statefmt_left(&r), 0);

    /* the raw accessors agree with the writer */
    uint8_t raw[8];
    mvg_statefmt_store_u64(raw, UINT64_C(0x0102030405060708));
    assert_memory_equal(raw, buf + 5, 8);
    assert_true(mvg_statefmt_load_u64(buf + 5) == UINT64_C(0x0102030405060708));

    /* a NaN's bits come back as they were */
    double nan_in = -NAN, nan_out;
    w = (mvg_statefmt_writer){.p = buf, .cap = sizeof buf};
    mvg_statefmt_put_f64(&w, nan_in);
    r = (mvg_statefmt_reader){.p = buf, .len = w.len};
    nan_out = mvg_statefmt_get_f64(&r);
    assert_memory_equal(&nan_in, &nan_out, sizeof nan_in);
}

static void test_bounds(void **state)
{
    (void)state;
    uint8_t buf[6] = {1, 2, 3, 4, 5, 6};
    /* a read past the end is bad and 0, and so is every read after it */
    mvg_statefmt_reader r = {.p = buf, .len = sizeof buf};
    assert_int_equal(mvg_statefmt_get_u32(&r), 0x04030201u);
    assert_true(mvg_statefmt_get_u32(&r) == 0);
    assert_true(r.bad);
    assert_int_equal(mvg_statefmt_get_u8(&r), 0);
    assert_null(mvg_statefmt_take(&r, 0));
    assert_int_equal(mvg_statefmt_left(&r), 0);
    /* take: in place, bounded */
    r = (mvg_statefmt_reader){.p = buf, .len = sizeof buf};
    assert_ptr_equal(mvg_statefmt_take(&r, 6), buf);
    assert_null(mvg_statefmt_take(&r, 1));
    assert_true(r.bad);
    /* a string longer than its destination, or than the data */
    uint8_t sb[16];
    mvg_statefmt_writer w = {.p = sb, .cap = sizeof sb};
    mvg_statefmt_put_str(&w, "abcdefgh");
    char s[8] = "x";
    r = (mvg_statefmt_reader){.p = sb, .len = w.len};
    mvg_statefmt_get_str(&r, s, sizeof s); /* 8 chars need 9 bytes */
    assert_true(r.bad);
    assert_string_equal(s, "");
    r = (mvg_statefmt_reader){.p = sb, .len = w.len - 1};
    char big[16];
    mvg_statefmt_get_str(&r, big, sizeof big);
    assert_true(r.bad);
    assert_string_equal(big, "");
    /* a writer stops at its cap and says so; counting needs no buffer */
    w = (mvg_statefmt_writer){.p = buf, .cap = 5};
    mvg_statefmt_put_u32(&w, 0xffffffffu);
    mvg_statefmt_put_u32(&w, 0xeeeeeeeeu);
    assert_true(w.over);
    assert_int_equal(buf[4], 5); /* untouched */
    assert_int_equal(w.len, 8);
    assert_null(mvg_statefmt_reserve(&w, 0));
    w = (mvg_statefmt_writer){0};
    mvg_statefmt_put_f64(&w, 2.0);
    assert_null(mvg_statefmt_reserve(&w, 3));
    assert_int_equal(w.len, 11);
    assert_false(w.over);
}

static const mvg_statefmt_envelope TRAILER = {MVG_STATEFMT_TRAILER, "TESTENV\1", 3u,
                                              MVG_STATEFMT_FNV_BASIS_SHORT, "test state"};
static const mvg_statefmt_envelope HEADER = {MVG_STATEFMT_HEADER, "TSTE", 2u,
                                             MVG_STATEFMT_FNV_BASIS, "test state"};

static size_t seal(const mvg_statefmt_envelope *e, uint8_t *buf, size_t cap)
{
    mvg_statefmt_writer w;
    mvg_statefmt_begin(e, &w, buf, cap);
    mvg_statefmt_put_u64(&w, 42);
    mvg_statefmt_put_str(&w, "body");
    size_t n = 0, counted = 0;
    char err[128];
    assert_int_equal(mvg_statefmt_seal(e, &w, &n, err, sizeof err), 0);
    mvg_statefmt_begin(e, &w, NULL, 0);
    mvg_statefmt_put_u64(&w, 42);
    mvg_statefmt_put_str(&w, "body");
    assert_int_equal(mvg_statefmt_seal(e, &w, &counted, err, sizeof err), 0);
    assert_int_equal(counted, n);
    return n;
}

static void read_body(const mvg_statefmt_envelope *e, const uint8_t *buf, size_t n)
{
    mvg_statefmt_reader r;
    char err[128], s[8];
    assert_int_equal(mvg_statefmt_open(e, buf, n, &r, err, sizeof err), 0);
    assert_true(mvg_statefmt_get_u64(&r) == 42);
    mvg_statefmt_get_str(&r, s, sizeof s);
    assert_string_equal(s, "body");
    assert_false(r.bad);
    assert_int_equal(mvg_statefmt_left(&r), 0);
}

static void test_envelope_trailer(void **state)
{
    (void)state;
    uint8_t buf[128], bad[128];
    size_t n = seal(&TRAILER, buf, sizeof buf);
    assert_int_equal(n, 24 + 8 + 12 + 8);
    assert_memory_equal(buf, "TESTENV\1", 8);
    assert_true(mvg_statefmt_load_u64(buf + 8) == 3);
    assert_true(mvg_statefmt_load_u64(buf + 16) == n);
    assert_true(mvg_statefmt_load_u64(buf + n - 8) ==
                mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS_SHORT, buf, n - 8));
    read_body(&TRAILER, buf, n);

    mvg_statefmt_reader r;
    char err[128];
    for (size_t k = 0; k < n; k++) /* every truncation */
        assert_int_equal(mvg_statefmt_open(&TRAILER, buf, k, &r, err, sizeof err), -1);
    for (size_t i = 0; i < n; i++) { /* every bit flip */
        memcpy(bad, buf, n);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(mvg_statefmt_open(&TRAILER, bad, n, &r, err, sizeof err), -1);
    }
    memcpy(bad, buf, n);
    bad[0] = 'X';
    assert_int_equal(mvg_statefmt_open(&TRAILER, bad, n, &r, err, sizeof err), -1);
    assert_string_equal(err, "not a valid test state (bad magic or too short)");
    memcpy(bad, buf, n);
    bad[8] = 4;
    assert_int_equal(mvg_statefmt_open(&TRAILER, bad, n, &r, err, sizeof err), -1);
    assert_string_equal(err, "test state format version 4, this build reads 3");
    memcpy(bad, buf, n);
    assert_int_equal(mvg_statefmt_open(&TRAILER, bad, n - 1, &r, err, sizeof err), -1);
    assert_string_equal(err, "test state is 51 bytes, its header says 52 (truncated?)");
    bad[30] ^= 1;
    assert_int_equal(mvg_statefmt_open(&TRAILER, bad, n, &r, err, sizeof err), -1);
    assert_string_equal(err, "test state checksum mismatch: the bytes are corrupted");
    assert_int_equal(mvg_statefmt_open(&TRAILER, NULL, 0, &r, err, sizeof err), -1);

    /* sealing past the cap is an error, not a short state */
    mvg_statefmt_writer w;
    mvg_statefmt_begin(&TRAILER, &w, buf, 30);
    mvg_statefmt_put_u64(&w, 1);
    size_t written = 0;
    assert_int_equal(mvg_statefmt_seal(&TRAILER, &w, &written, err, sizeof err), -1);
    assert_string_equal(err, "test state needs 40 bytes, buffer has 30");
}

static void test_envelope_header(void **state)
{
    (void)state;
    uint8_t buf[128], bad[128];
    size_t n = seal(&HEADER, buf, sizeof buf);
    assert_int_equal(n, 24 + 8 + 12);
    assert_memory_equal(buf, "TSTE\2\0\0\0", 8);
    assert_true(mvg_statefmt_load_u64(buf + 8) == n - 24);
    assert_true(mvg_statefmt_load_u64(buf + 16) ==
                mvg_statefmt_fnv1a(MVG_STATEFMT_FNV_BASIS, buf + 24, n - 24));
    read_body(&HEADER, buf, n);

    mvg_statefmt_reader r;
    char err[128];
    for (size_t k = 0; k < n; k++)
        assert_int_equal(mvg_statefmt_open(&HEADER, buf, k, &r, err, sizeof err), -1);
    for (size_t i = 0; i < n; i++) {
        memcpy(bad, buf, n);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(mvg_statefmt_open(&HEADER, bad, n, &r, err, sizeof err), -1);
    }
    memcpy(bad, buf, n);
    bad[4] = 1;
    assert_int_equal(mvg_statefmt_open(&HEADER, bad, n, &r, err, sizeof err), -1);
    assert_string_equal(err, "test state format version 1, this build reads 2");
    memcpy(bad, buf, n);
    bad[40] ^= 0x20;
    assert_int_equal(mvg_statefmt_open(&HEADER, bad, n, &r, err, sizeof err), -1);
    assert_string_equal(err, "test state checksum mismatch: the bytes are corrupted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a_vectors),
        cmocka_unit_test(test_fields_little_endian),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_envelope_trailer),
        cmocka_unit_test(test_envelope_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
