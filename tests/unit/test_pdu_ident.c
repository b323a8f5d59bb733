/*
 * test_pdu_ident.c: the Read Device Identification PDU (function 43/14)
 * against replies written out by hand from the Modbus Application Protocol
 * (function, MEI type 0x0E, code 1, conformity, more follows, next object,
 * number of objects, then id / length / bytes per object): the request's
 * bytes, the reply's length as its bytes arrive, decoding, "more follows",
 * and every malformed reply refused without reading past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pdu_ident.h"
#include "transport.h"

/* vendor "ACME", product "M1", revision "2.0", all in one reply */
static const uint8_t full[] = {0x2B, 0x0E, 0x01, 0x81, 0x00, 0x00, 0x03, 0x00, 0x04, 'A', 'C',
                               'M',  'E',  0x01, 0x02, 'M',  '1',  0x02, 0x03, '2',  '.',  '0'};

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t out[MVG_PDU_IDENT_REQUEST_LEN];
    mvg_pdu_ident_build(0, out);
    const uint8_t want[] = {0x2B, 0x0E, 0x01, 0x00};
    assert_memory_equal(out, want, sizeof want);
    mvg_pdu_ident_build(2, out);
    assert_int_equal(out[3], 2);
}

static void test_length_as_bytes_arrive(void **state)
{
    (void)state;
    assert_int_equal(mvg_pdu_ident_reply_length(full, 0), 2);
    assert_int_equal(mvg_pdu_ident_reply_length(full, 1), 7);
    assert_int_equal(mvg_pdu_ident_reply_length(full, 6), 7);
    assert_int_equal(mvg_pdu_ident_reply_length(full, 7), 9);  /* first object's header */
    assert_int_equal(mvg_pdu_ident_reply_length(full, 9), 15); /* its bytes, the next header */
    assert_int_equal(mvg_pdu_ident_reply_length(full, 17), 19); /* the last header */
    for (size_t n = 19; n <= sizeof full; n++)
        assert_int_equal(mvg_pdu_ident_reply_length(full, n), (long)sizeof full);
    const uint8_t exc[] = {0xAB, 0x01};
    assert_int_equal(mvg_pdu_ident_reply_length(exc, 1), 2);
    const uint8_t other[] = {0x03, 0x02};
    assert_int_equal(mvg_pdu_ident_reply_length(other, 2), -1);
    /* objects that would run past the largest PDU cannot be delimited */
    uint8_t big[253] = {0x2B, 0x0E, 0x01, 0x81, 0x00, 0x00, 0x02, 0x00, 0xF0};
    big[7 + 2 + 0xF0] = 0x01;
    big[7 + 2 + 0xF0 + 1] = 0xF0;
    assert_int_equal(mvg_pdu_ident_reply_length(big, sizeof big), -1);
}

static void test_decodes_basic_objects(void **state)
{
    (void)state;
    mvg_pdu_ident id = {0};
    uint8_t exc = 0;
    char err[128] = "";
    assert_int_equal(mvg_pdu_ident_parse(full, sizeof full, &id, &exc, err, sizeof err), MVG_TR_OK);
    assert_string_equal(id.vendor, "ACME");
    assert_string_equal(id.product, "M1");
    assert_string_equal(id.revision, "2.0");
    assert_int_equal(id.conformity, 0x81);
    assert_int_equal(id.more, 0);
}

static void test_more_follows_keeps_earlier_objects(void **state)
{
    (void)state;
    const uint8_t first[] = {0x2B, 0x0E, 0x01, 0x01, 0xFF, 0x01, 0x01, 0x00, 0x02, 'A', '\n'};
    const uint8_t second[] = {0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x02,
                              0x01, 0x01, 'P',  0x02, 0x01, '9'};
    mvg_pdu_ident id = {0};
    char err[128];
    assert_int_equal(mvg_pdu_ident_parse(first, sizeof first, &id, NULL, err, sizeof err),
                     MVG_TR_OK);
    assert_int_equal(id.more, 1);
    assert_int_equal(id.next_object, 1);
    assert_string_equal(id.vendor, "A?"); /* a control byte never reaches the output */
    assert_int_equal(mvg_pdu_ident_parse(second, sizeof second, &id, NULL, err, sizeof err),
                     MVG_TR_OK);
    assert_string_equal(id.vendor, "A?");
    assert_string_equal(id.product, "P");
    assert_string_equal(id.revision, "9");
    assert_int_equal(id.more, 0);
}

static void test_exception_and_malformed(void **state)
{
    (void)state;
    mvg_pdu_ident id = {0};
    uint8_t exc = 0;
    char err[128];
    const uint8_t ill[] = {0xAB, 0x01};
    assert_int_equal(mvg_pdu_ident_parse(ill, sizeof ill, &id, &exc, err, sizeof err),
                     MVG_TR_EXCEPTION);
    assert_int_equal(exc, 1);
    const uint8_t badexc[] = {0xAB, 0x00};
    assert_int_equal(mvg_pdu_ident_parse(badexc, 2, &id, &exc, err, sizeof err), MVG_TR_COMM);
    uint8_t m[sizeof full];
    memcpy(m, full, sizeof m);
    m[1] = 0x0D; /* CANopen MEI type */
    assert_int_equal(mvg_pdu_ident_parse(m, sizeof m, &id, NULL, err, sizeof err), MVG_TR_COMM);
    memcpy(m, full, sizeof m);
    m[4] = 0x12; /* more follows must be 00 or FF */
    assert_int_equal(mvg_pdu_ident_parse(m, sizeof m, &id, NULL, err, sizeof err), MVG_TR_COMM);
    /* cut short: the last object runs past the reply */
    assert_int_equal(mvg_pdu_ident_parse(full, sizeof full - 1, &id, NULL, err, sizeof err),
                     MVG_TR_COMM);
    assert_non_null(strstr(err, "runs past"));
    /* a byte after the last object */
    uint8_t longer[sizeof full + 1];
    memcpy(longer, full, sizeof full);
    longer[sizeof full] = 0;
    assert_int_equal(mvg_pdu_ident_parse(longer, sizeof longer, &id, NULL, err, sizeof err),
                     MVG_TR_COMM);
    assert_int_equal(mvg_pdu_ident_parse(full, 5, &id, NULL, err, sizeof err), MVG_TR_COMM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_length_as_bytes_arrive),
        cmocka_unit_test(test_decodes_basic_objects),
        cmocka_unit_test(test_more_follows_keeps_earlier_objects),
        cmocka_unit_test(test_exception_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
