/*
 * bench_chain.c: what the signed chain costs. Signing: the hash of the
 * previous record plus the Ed25519 signature, per record, as the pipeline
 * does it for every interval record (compared with building the record's
 * JSON, which it always did). Verifying: `mvgate verify`'s walk over a
 * year of 5-minute records of one project (105,120; JSON parse, signature,
 * hash linkage), the figure a verifier waits for. Records are 1.9 kB,
 * the size of the compressor example's interval record.
 * Usage: bench_chain [RECORDS=105120]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "chain.h"

/* An interval record of about the real size, unsigned, ending in
 * ,"chain":N,"key":"..","prev":".."} */
static int build(char *buf, size_t cap, long i, const char *fp, const char *prev)
{
    char pad[1500];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    return snprintf(buf, cap,
                    "{\"schema\":\"mvgate/interval/1\",\"gateway\":\"gw\",\"project\":\"p\","
                    "\"seq\":%ld,\"streams\":[{\"name\":\"electricity\",\"actual\":%ld.25,"
                    "\"notes\":\"%s\"}],\"chain\":%ld,\"key\":\"%s\",\"prev\":\"%s\"}",
                    i + 1, i % 997, pad, i + 1, fp, prev);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 105120;
    if (n < 1 || mvg_chain_init() != 0)
        return 2;
    unsigned char pk[MVG_CHAIN_PK_BYTES], sk[MVG_CHAIN_SK_BYTES];
    crypto_sign_keypair(pk, sk);
    char fp[MVG_CHAIN_FP_LEN], prev[MVG_CHAIN_HEX_LEN];
    mvg_chain_fingerprint(pk, fp);
    mvg_chain_zero_prev(prev);
    char **recs = calloc((size_t)n, sizeof *recs);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    mvg_chain_item *items = calloc((size_t)n, sizeof *items);
    if (!recs || !lens || !items)
        return 2;
    char text[4096];

    /* building the unsigned text alone, for scale */
    double t0 = tu_now_s();
    size_t sink = 0;
    for (long i = 0; i < n; i++)
        sink += (size_t)build(text, sizeof text, i, fp, prev);
    double t_build = tu_now_s() - t0;

    t0 = tu_now_s();
    for (long i = 0; i < n; i++) {
        int len = build(text, sizeof text, i, fp, prev);
        recs[i] = mvg_chain_sign(text, (size_t)len, sk, &lens[i]);
        if (!recs[i])
            return 2;
        mvg_chain_hash_hex(recs[i], lens[i], prev);
    }
    double t_sign = tu_now_s() - t0;

    for (long i = 0; i < n; i++)
        items[i] = (mvg_chain_item){.bytes = recs[i], .len = lens[i]};
    mvg_chain_report rep;
    t0 = tu_now_s();
    mvg_chain_verdict v = mvg_chain_verify(items, (size_t)n, pk, 0, &rep);
    double t_verify = tu_now_s() - t0;
    if (v != MVG_CHAIN_V_OK || rep.records != (size_t)n) {
        fprintf(stderr, "bench_chain: the chain did not verify\n");
        return 1;
    }
    printf("records: %ld of %zu bytes (checksum %zu)\n", n, lens[0], sink % 7);
    printf("build JSON text:        %8.2f us/record\n", t_build / n * 1e6);
    printf("build + hash + sign:    %8.2f us/record (signing adds %.2f us)\n", t_sign / n * 1e6,
           (t_sign - t_build) / n * 1e6);
    printf("verify walk:            %8.2f us/record, %.0f records/s, %.2f s for all\n",
           t_verify / n * 1e6, n / t_verify, t_verify);
    for (long i = 0; i < n; i++)
        free(recs[i]);
    free(recs);
    free(lens);
    free(items);
    return 0;
}
