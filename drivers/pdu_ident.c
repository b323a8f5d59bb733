/*
 * pdu_ident.c: building the Read Device Identification request and
 * walking its reply's objects.
 */
#include "pdu_ident.h"

#include <stdio.h>
#include <string.h>

#include "pdu.h"
#include "transport.h"

/* function, MEI type, read device id code, conformity, more follows,
 * next object id, number of objects */
#define HEADER_LEN 7
#define CODE_BASIC 0x01

void mvg_pdu_ident_build(uint8_t first, uint8_t out[MVG_PDU_IDENT_REQUEST_LEN])
{
    out[0] = MVG_PDU_IDENT_FUNCTION;
    out[1] = MVG_PDU_IDENT_MEI;
    out[2] = CODE_BASIC;
    out[3] = first;
}

long mvg_pdu_ident_reply_length(const uint8_t *pdu, size_t len)
{
    if (len < 1)
        return 2;
    if (pdu[0] == (MVG_PDU_IDENT_FUNCTION | 0x80))
        return 2;
    if (pdu[0] != MVG_PDU_IDENT_FUNCTION)
        return -1;
    if (len < HEADER_LEN)
        return HEADER_LEN;
    size_t pos = HEADER_LEN;
    for (unsigned i = 0; i < pdu[6]; i++) {
        if (pos + 2 > MVG_PDU_MAX_REPLY)
            return -1;
        if (len < pos + 2)
            return (long)(pos + 2);
        pos += 2 + (size_t)pdu[pos + 1];
    }
    return pos > MVG_PDU_MAX_REPLY ? -1 : (long)pos;
}

static void copy_text(char *dst, const uint8_t *src, size_t n)
{
    if (n > MVG_PDU_IDENT_TEXT - 1)
        n = MVG_PDU_IDENT_TEXT - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[n] = '\0';
}

int mvg_pdu_ident_parse(const uint8_t *pdu, size_t len, mvg_pdu_ident *out,
                        uint8_t *exception_code, char *err, size_t errlen)
{
    if (len == 2 && pdu[0] == (MVG_PDU_IDENT_FUNCTION | 0x80)) {
        if (pdu[1] < 1 || pdu[1] > 11) {
            snprintf(err, errlen, "invalid exception code %u", pdu[1]);
            return MVG_TR_COMM;
        }
        if (exception_code)
            *exception_code = pdu[1];
        snprintf(err, errlen, "exception %u", pdu[1]);
        return MVG_TR_EXCEPTION;
    }
    if (len < HEADER_LEN || pdu[0] != MVG_PDU_IDENT_FUNCTION) {
        snprintf(err, errlen, "not a device identification reply (%zu bytes)", len);
        return MVG_TR_COMM;
    }
    if (pdu[1] != MVG_PDU_IDENT_MEI || pdu[2] != CODE_BASIC) {
        snprintf(err, errlen, "MEI type 0x%02x, read device id code %u: expected 0x0e, 1", pdu[1],
                 pdu[2]);
        return MVG_TR_COMM;
    }
    if (pdu[4] != 0x00 && pdu[4] != 0xFF) {
        snprintf(err, errlen, "'more follows' byte 0x%02x (expected 0x00 or 0xff)", pdu[4]);
        return MVG_TR_COMM;
    }
    size_t pos = HEADER_LEN;
    mvg_pdu_ident got = *out;
    for (unsigned i = 0; i < pdu[6]; i++) {
        if (pos + 2 > len || pos + 2 + pdu[pos + 1] > len) {
            snprintf(err, errlen, "object %u of %u runs past the %zu-byte reply", i + 1, pdu[6],
                     len);
            return MVG_TR_COMM;
        }
        uint8_t id = pdu[pos], n = pdu[pos + 1];
        char *dst = id == 0 ? got.vendor : id == 1 ? got.product : id == 2 ? got.revision : NULL;
        if (dst)
            copy_text(dst, pdu + pos + 2, n);
        pos += 2 + (size_t)n;
    }
    if (pos != len) {
        snprintf(err, errlen, "%zu bytes after the last object", len - pos);
        return MVG_TR_COMM;
    }
    got.conformity = pdu[3];
    got.more = pdu[4] == 0xFF;
    got.next_object = pdu[5];
    *out = got;
    return MVG_TR_OK;
}
