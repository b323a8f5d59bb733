/*
 * fuzz_verify_lines.c: arbitrary bytes as the file `mvgate verify` reads,
 * through its line readers (tools/mvgate/cli_verify_lines.h) and then the
 * chain walk, as verify does. The first byte picks the format (odd: a
 * `mosquitto_sub -v` capture, even: an export). It must never crash, leak
 * or read out of bounds, and every line taken must be in a list (chained
 * records, totals or heads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cli_verify_lines.h"

static size_t taken(const mvg_cli_verify_input *in)
{
    return in->chained.n + in->totals.n + (in->heads ? mvg_cli_heads_count(in->heads) : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static int ready;
    if (!ready && mvg_chain_init() != 0)
        abort();
    ready = 1;
    int capture = data[0] & 1;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    mvg_cli_verify_input in = {0};
    size_t lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len + 1);
        if (!line)
            abort();
        memcpy(line, p, len);
        line[len] = '\0';
        lineno++;
        len = strlen(line); /* as getline's buffer reads: up to a NUL */
        while (len && line[len - 1] == '\r')
            line[--len] = '\0';
        size_t before = taken(&in);
        int rc = len == 0 ? 1
                 : capture ? mvg_cli_verify_capture_line(&in, line, len)
                           : mvg_cli_verify_export_line(&in, line, len, "fuzz", lineno);
        if (rc == 0 && taken(&in) != before + 1)
            abort(); /* taken, so in a list */
        free(line);
        p = nl ? nl + 1 : end;
    }
    if (in.chained.n) {
        unsigned char pk[MVG_CHAIN_PK_BYTES] = {1};
        mvg_chain_report rep;
        mvg_chain_verify(in.chained.items, in.chained.n, pk, capture, &rep);
    }
    mvg_cli_verify_input_free(&in);
    return 0;
}
