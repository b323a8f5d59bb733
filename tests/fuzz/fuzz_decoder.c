/*
 * fuzz_decoder.c: arbitrary bytes as a device's reply. The RTU reply
 * framing (length discovery byte by byte, then the full check and decode)
 * and mvg_point_decode over every type, order and area see the same bytes.
 *
 * Input layout: [unit] [area] [count hi] [count lo] [frame bytes...]. The
 * count is folded into the range the transport allows for the area.
 * Beyond "no crash, no out-of-bounds", a successful parse must be the frame
 * it claims: re-encoding the decoded values gives the received bytes back.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "crc16.h"
#include "plan.h"
#include "point.h"
#include "rtu_frame.h"
#include "transport.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_frame(const uint8_t *d, size_t n)
{
    if (n < 4)
        return;
    uint8_t unit = d[0];
    mvg_area area = (mvg_area)(d[1] % 4);
    int is_bits = mvg_area_is_bits(area);
    unsigned limit = is_bits ? MVG_PLAN_MAX_BITS : MVG_PLAN_MAX_REGS;
    unsigned count = 1 + (unsigned)((d[2] << 8 | d[3]) % limit);
    const uint8_t *frame = d + 4;
    size_t len = n - 4;
    uint8_t fc = mvg_pdu_read_function(area);

    /* The receive loop: ask how long the frame is as bytes arrive. */
    size_t have = 0;
    long want = 0;
    while (have <= len) {
        want = mvg_rtu_reply_length(frame, have, fc);
        check(want == -1 || (want >= 3 && want <= MVG_RTU_MAX_REPLY));
        if (want < 0 || have >= (size_t)want)
            break;
        have = (size_t)want;
    }

    /* Copies, so that ASan sees the exact extent of what may be read. */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, frame, len);
    uint16_t *regs = malloc(MVG_PLAN_MAX_REGS * sizeof *regs);
    uint8_t *bits = malloc(MVG_PLAN_MAX_BITS);
    uint8_t exc = 0;
    char err[128];
    int rc = mvg_rtu_parse_reply(copy, len, unit, area, count, regs, bits, &exc, err, sizeof err);
    check(rc == MVG_TR_OK || rc == MVG_TR_COMM || rc == MVG_TR_EXCEPTION);
    check(memchr(err, 0, sizeof err) != NULL);
    if (rc != MVG_TR_COMM) {
        /* An accepted frame is one the length discovery delimits exactly. */
        check(want == (long)len);
        check(copy[0] == unit);
        check(mvg_crc16_modbus(copy, len - 2) == (uint16_t)(copy[len - 2] | copy[len - 1] << 8));
    }
    if (rc == MVG_TR_EXCEPTION)
        check(len == 5 && exc >= 1 && exc <= 11 && copy[1] == (fc | 0x80) && copy[2] == exc);
    if (rc == MVG_TR_OK) {
        uint8_t again[MVG_RTU_MAX_REPLY];
        size_t nb = is_bits ? (count + 7) / 8 : 2 * (size_t)count;
        check(len == 5 + nb);
        memset(again, 0, sizeof again);
        for (unsigned i = 0; i < count; i++) {
            if (is_bits) {
                check(bits[i] <= 1);
                again[i / 8] |= (uint8_t)(bits[i] << (i % 8));
            } else {
                again[2 * i] = (uint8_t)(regs[i] >> 8);
                again[2 * i + 1] = (uint8_t)regs[i];
            }
        }
        /* Padding bits of the last byte are not ours to check. */
        if (is_bits && count % 8)
            again[nb - 1] |= (uint8_t)(copy[3 + nb - 1] & (0xFF << (count % 8)));
        check(memcmp(again, copy + 3, nb) == 0);
    }
    free(copy);
    free(regs);
    free(bits);
}

static void fuzz_points(const uint8_t *d, size_t n)
{
    uint16_t regs[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < 8 && i < n; i++)
        regs[i / 2] = (uint16_t)(regs[i / 2] | d[i] << (i % 2 ? 0 : 8));
    uint8_t bit = n > 8 ? d[8] : 0;
    double scale = 1.0, offset = 0.0;
    if (n >= 25) {
        memcpy(&scale, d + 9, sizeof scale);
        memcpy(&offset, d + 17, sizeof offset);
    }
    for (int a = 0; a < 4; a++) {
        for (int t = MVG_TYPE_BOOL; t <= MVG_TYPE_FLOAT64; t++) {
            for (int o = MVG_ORDER_AB; o <= MVG_ORDER_HGFEDCBA; o++) {
                mvg_point_cfg p;
                memset(&p, 0, sizeof p);
                p.area = (mvg_area)a;
                p.type = (mvg_type)t;
                p.order = (mvg_order)o;
                p.scale = scale;
                p.offset = offset;
                p.has_min = p.has_max = 1;
                p.min = -1e6;
                p.max = 1e6;
                p.kind = MVG_KIND_COUNTER;
                /* Exactly the registers the type needs, on the heap. */
                unsigned w = mvg_type_registers(p.type);
                uint16_t *r = malloc(w * sizeof *r);
                memcpy(r, regs, w * sizeof *r);
                double raw, value;
                mvg_quality q;
                int rc = mvg_point_decode(&p, r, &bit, &raw, &value, &q);
                if (rc != 0) {
                    check(q == MVG_Q_INVALID && isnan(value));
                } else {
                    check(q == MVG_Q_GOOD || q == MVG_Q_INVALID || q == MVG_Q_OUT_OF_RANGE);
                    check(q != MVG_Q_GOOD || (isfinite(value) && fabs(value) <= 1e6));
                    if (!mvg_area_is_bits(p.area) && mvg_type_is_int64(p.type)) {
                        /* the exact value: its bits encode back to the same
                         * registers, and the double is its rounding */
                        mvg_sample s;
                        mvg_point_decode_raw(&p, r, NULL, 0, &s);
                        uint64_t bits = s.raw_u;
                        uint16_t back[4];
                        check(s.raw_kind == (p.type == MVG_TYPE_INT64 ? MVG_RAW_INT : MVG_RAW_UINT));
                        check(mvg_codec_encode_bits(p.type, p.order, bits, back) == 0 &&
                              memcmp(back, r, w * sizeof *r) == 0);
                        check(p.type == MVG_TYPE_INT64 ? raw == (double)(int64_t)bits
                                                       : raw == (double)bits);
                    }
                    if (!mvg_area_is_bits(p.area) && !isnan(raw)) {
                        /* A decoded value encodes back to the same registers,
                         * except where many words mean one value (bool,
                         * float NaN payloads). */
                        uint16_t back[4];
                        if (p.type != MVG_TYPE_BOOL &&
                            mvg_codec_encode(p.type, p.order, raw, back) == 0 &&
                            p.type != MVG_TYPE_INT64 && p.type != MVG_TYPE_UINT64)
                            check(memcmp(back, r, w * sizeof *r) == 0);
                    }
                    mvg_counter_track tr = {0};
                    mvg_quality q2 = MVG_Q_GOOD;
                    mvg_point_counter_step(&tr, &p, raw, &q2);
                    mvg_point_counter_step(&tr, &p, 0.0, &q2);
                    check(tr.step_raw >= 0.0 || isnan(raw));
                }
                free(r);
            }
        }
    }
}

/* Any registers as a string point: the text stays inside its buffer,
 * printable ASCII, without trailing spaces, at most two characters a
 * register. */
static void fuzz_text(const uint8_t *d, size_t n)
{
    unsigned count = (unsigned)(n / 2 > 64 ? 64 : n / 2);
    if (count == 0)
        return;
    uint16_t *r = malloc(count * sizeof *r);
    for (unsigned i = 0; i < count; i++)
        r[i] = (uint16_t)(d[2 * i] << 8 | d[2 * i + 1]);
    for (int o = MVG_ORDER_AB; o <= MVG_ORDER_BA; o++) {
        mvg_point_cfg p;
        memset(&p, 0, sizeof p);
        p.area = MVG_AREA_HOLDING;
        p.type = MVG_TYPE_STRING;
        p.order = (mvg_order)o;
        p.count = count;
        p.scale = 1.0;
        char text[MVG_TEXT_MAX + 1];
        double raw, value;
        mvg_quality q;
        check(mvg_point_decode(&p, r, NULL, &raw, &value, &q) == 0 && q == MVG_Q_GOOD &&
              isnan(value));
        mvg_sample s;
        mvg_point_decode_raw(&p, r, text, sizeof text, &s);
        check(s.raw_kind == MVG_RAW_TEXT && s.text == text);
        size_t len = strlen(text);
        check(len <= 2 * count && (len == 0 || text[len - 1] != ' '));
        for (size_t i = 0; i < len; i++)
            check(text[i] >= 0x20 && text[i] <= 0x7e);
        /* a short buffer cuts, never overruns */
        char small[5];
        check(mvg_codec_decode_text(p.order, r, count, small, sizeof small) <= 4);
    }
    free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frame(data, size);
    fuzz_points(data, size);
    fuzz_text(data, size);
    return 0;
}
