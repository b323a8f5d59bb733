/*
 * fuzz_chain.c: arbitrary bytes as lines of chained records (interval,
 * model, key rotation) through the verifier walk (chain.h) and the
 * signature check, with a fixed key. It
 * must never crash, leak or read out of bounds; a verdict other than OK
 * must name a verdict word and fill the report line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

#define MAX_ITEMS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char pk[MVG_CHAIN_PK_BYTES];
    static int ready;
    if (!ready) {
        if (mvg_chain_init() != 0)
            abort();
        /* the key that signed the seed corpus (Ed25519 from the seed 32
         * bytes of 0x6d; its rotation hands over to the seed 0x6e), so that
         * seeds get past the signature into the chain checks */
        static const char seed_key[] = "iyN9eI6Oqu9VDG0SWCP6RfH9X8KbLIi9+HERlHH8ExI=";
        if (mvg_chain_pk_from_b64(seed_key, sizeof seed_key - 1, pk) != 0)
            abort();
        ready = 1;
    }
    /* one owned copy, so a read past an item's end is caught */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    mvg_chain_item items[MAX_ITEMS];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < MAX_ITEMS; i++)
        if (i == size || buf[i] == '\n') {
            items[n] = (mvg_chain_item){.bytes = buf + start, .len = i - start, .project_hint = (n & 1) ? "hint" : NULL};
            n++;
            start = i + 1;
        }
    for (size_t i = 0; i < n; i++)
        (void)mvg_chain_check_sig(items[i].bytes, items[i].len, pk, NULL);
    for (int dup = 0; dup < 2; dup++) {
        mvg_chain_report r;
        mvg_chain_verdict v = mvg_chain_verify(items, n, pk, dup, &r);
        if (v != MVG_CHAIN_V_OK) {
            char line[512];
            if (mvg_chain_report_line(v, &r, line, sizeof line) <= 0 ||
                strcmp(mvg_chain_verdict_name(v), "?") == 0 || r.bad_index >= n)
                abort();
        }
    }
    free(buf);
    return 0;
}
