/*
 * fuzz_influx_badline.c: the search for the refused line of a 400 answer,
 * which reads text the server sent and line protocol of the outbox. Input:
 * the error text, a NUL byte, then the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "influx_pub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t elen = nul ? (size_t)(nul - data) : size;
    char *err = malloc(elen + 1);
    if (!err)
        return 0;
    memcpy(err, data, elen);
    err[elen] = '\0';
    size_t blen = nul ? size - elen - 1 : 0;
    /* An exact-size copy, so reading past the body is caught. */
    char *body = malloc(blen ? blen : 1);
    if (body) {
        if (blen)
            memcpy(body, nul + 1, blen);
        char out[64];
        if (mvg_influx_find_bad_line(body, blen, err, out, sizeof out) == 0 &&
            strlen(out) >= sizeof out)
            abort();
        free(body);
    }
    free(err);
    return 0;
}
