/*
 * fuzz_tcp_reply.c: arbitrary bytes as the reply to a Modbus TCP read,
 * through the MBAP frame checker exactly as the receive loop of
 * tr_socket.c drives it: mvg_mbap_reply_length asked after each chunk of
 * bytes, then mvg_mbap_parse_reply on the delimited frame.
 *
 * Input layout: [area] [count hi] [count lo] [reply bytes...]; the request
 * is transaction 0x1234 to unit 0x11, the count folded into the range the
 * transport allows. Beyond "no crash, no out-of-bounds": the length is
 * always a sane bound, and an accepted reply is one whose every header
 * field matches the request and whose values are the bytes received.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbap_frame.h"
#include "plan.h"
#include "transport.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 3)
        return 0;
    mvg_area area = (mvg_area)(d[0] % 4);
    int is_bits = mvg_area_is_bits(area);
    unsigned limit = is_bits ? MVG_PLAN_MAX_BITS : MVG_PLAN_MAX_REGS;
    mvg_mbap_req req = {0x1234, 0x11, area, 1 + (unsigned)((d[1] << 8 | d[2]) % limit)};
    const uint8_t *in = d + 3;
    size_t avail = n - 3;
    uint8_t fc = mvg_pdu_read_function(area);

    /* The receive loop, bytes arriving one chunk at a time (a chunk size
     * from the first byte, so that trickles and bursts are both tried). */
    size_t step = avail ? 1 + in[0] % 16 : 1;
    uint8_t buf[MVG_MBAP_MAX_REPLY];
    size_t len = 0;
    long want = 0;
    char err[128];
    for (;;) {
        want = mvg_mbap_reply_length(buf, len, &req, err, sizeof err);
        check(want == -1 || (want >= 8 && want <= MVG_MBAP_MAX_REPLY));
        check(want != -1 || memchr(err, 0, sizeof err) != NULL);
        if (want < 0 || len >= (size_t)want || len >= avail)
            break;
        size_t take = (size_t)want - len;
        if (take > step)
            take = step;
        if (take > avail - len)
            take = avail - len;
        memcpy(buf + len, in + len, take);
        len += take;
    }
    if (want < 0)
        return 0;

    /* Copies, so that ASan sees the exact extent of what may be read. */
    uint8_t *frame = malloc(len ? len : 1);
    memcpy(frame, buf, len);
    uint16_t *regs = malloc(MVG_PLAN_MAX_REGS * sizeof *regs);
    uint8_t *bits = malloc(MVG_PLAN_MAX_BITS);
    uint8_t exc = 0;
    int rc = mvg_mbap_parse_reply(frame, len, &req, regs, bits, &exc, err, sizeof err);
    check(rc == MVG_TR_OK || rc == MVG_TR_COMM || rc == MVG_TR_EXCEPTION);
    check(memchr(err, 0, sizeof err) != NULL);
    if (rc != MVG_TR_COMM) {
        check(want == (long)len);
        check((frame[0] << 8 | frame[1]) == req.tid && frame[2] == 0 && frame[3] == 0);
        check((size_t)(frame[4] << 8 | frame[5]) == len - 6 && frame[6] == req.unit);
    }
    if (rc == MVG_TR_EXCEPTION)
        check(len == 9 && frame[7] == (fc | 0x80) && exc >= 1 && exc <= 11 && frame[8] == exc);
    if (rc == MVG_TR_OK) {
        size_t nb = mvg_pdu_reply_data_len(area, req.count);
        check(frame[7] == fc && frame[8] == nb && len == 9 + nb);
        /* Each value is the one the spec puts at its place in the data. */
        const uint8_t *data = frame + 9;
        for (unsigned i = 0; i < req.count; i++)
            check(is_bits ? bits[i] == ((data[i / 8] >> (i % 8)) & 1)
                          : regs[i] == (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]));
    }
    free(frame);
    free(regs);
    free(bits);
    return 0;
}
