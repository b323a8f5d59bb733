/*
 * pdu_ident.h: the Read Device Identification PDU (function 43, MEI type
 * 14), basic objects only: VendorName (0), ProductCode (1) and
 * MajorMinorRevision (2). Owns the request's bytes, the length of a reply
 * judged from the bytes that have arrived (the reply carries no byte count
 * of its own: its objects must be walked), and the check and decoding of a
 * reply. Pure functions on buffers, shared by every transport and the unit
 * test.
 */
#ifndef MVG_PDU_IDENT_H
#define MVG_PDU_IDENT_H

#include <stddef.h>
#include <stdint.h>

#define MVG_PDU_IDENT_FUNCTION 0x2B
#define MVG_PDU_IDENT_MEI 0x0E
#define MVG_PDU_IDENT_REQUEST_LEN 4
/* Each object's text as kept here (longer ones are cut). */
#define MVG_PDU_IDENT_TEXT 96

typedef struct {
    char vendor[MVG_PDU_IDENT_TEXT];   /* object 0; "" when not sent */
    char product[MVG_PDU_IDENT_TEXT];  /* object 1 */
    char revision[MVG_PDU_IDENT_TEXT]; /* object 2 */
    uint8_t conformity;                /* the device's conformity level byte */
    int more;                          /* the device has more objects to send */
    uint8_t next_object;               /* with more: the object id to ask for next */
} mvg_pdu_ident;

/* Writes the request for the basic objects from object first (0 at the
 * start; next_object of a reply that said more follows). */
void mvg_pdu_ident_build(uint8_t first, uint8_t out[MVG_PDU_IDENT_REQUEST_LEN]);

/*
 * How long the reply PDU is, judging from its first len bytes: a lower
 * bound while the header or an object's length byte has not arrived, then
 * the exact length (which len may already reach); 2 for an exception
 * (function 0xAB); -1 when the first byte is neither, or the objects run
 * past the largest PDU (253 bytes). The framing layers use it to delimit
 * the reply (mvg_pdu_len_fn, pdu.h).
 */
long mvg_pdu_ident_reply_length(const uint8_t *pdu, size_t len);

/*
 * Checks a whole reply PDU of len bytes and adds the basic objects it
 * carries to *out (objects already there from an earlier reply are kept;
 * bytes outside printable ASCII become '?', so that the text is safe to
 * print and to paste). Returns MVG_TR_OK; MVG_TR_EXCEPTION with
 * *exception_code (the device does not support the function: code 1, ...);
 * MVG_TR_COMM with the reason in err for a malformed reply (wrong MEI type
 * or device id code, an object running past the PDU, bytes after the last
 * object). Never reads past pdu + len.
 */
int mvg_pdu_ident_parse(const uint8_t *pdu, size_t len, mvg_pdu_ident *out,
                        uint8_t *exception_code, char *err, size_t errlen);

#endif
