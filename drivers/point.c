/*
 * point.c: one point's decode, scaling, quality and counter tracking.
 */
#include "point.h"

#include <math.h>

#include "codec.h"
#include "counter.h"

int mvg_point_decode(const mvg_point_cfg *p, const uint16_t *regs, const uint8_t *bits,
                     double *raw_out, double *value_out, mvg_quality *q)
{
    double raw = NAN;
    int rc = -1;

    if (p && p->type == MVG_TYPE_STRING && !mvg_area_is_bits(p->area)) {
        /* no number: the text is mvg_point_decode_raw's */
        if (raw_out)
            *raw_out = NAN;
        if (value_out)
            *value_out = NAN;
        if (q)
            *q = regs ? MVG_Q_GOOD : MVG_Q_INVALID;
        return regs ? 0 : -1;
    }
    if (p && mvg_area_is_bits(p->area)) {
        if (p->type == MVG_TYPE_BOOL && bits) {
            raw = bits[0] ? 1.0 : 0.0;
            rc = 0;
        }
    } else if (p && regs && p->has_bit && p->type == MVG_TYPE_BOOL) {
        /* the register as the number it carries, then its bit */
        double word;
        rc = mvg_codec_decode(MVG_TYPE_UINT16, p->order, regs, &word);
        if (rc == 0)
            raw = (double)(((unsigned)word >> (p->bit & 15u)) & 1u);
    } else if (p && regs) {
        rc = mvg_codec_decode(p->type, p->order, regs, &raw);
    }
    if (rc != 0) {
        if (raw_out)
            *raw_out = NAN;
        if (value_out)
            *value_out = NAN;
        if (q)
            *q = MVG_Q_INVALID;
        return -1;
    }

    double value = raw * p->scale + p->offset;
    mvg_quality quality = MVG_Q_GOOD;
    if (!isfinite(raw) || !isfinite(value))
        quality = MVG_Q_INVALID;
    else if ((p->has_min && value < p->min) || (p->has_max && value > p->max))
        quality = MVG_Q_OUT_OF_RANGE;

    if (raw_out)
        *raw_out = raw;
    if (value_out)
        *value_out = value;
    if (q)
        *q = quality;
    return 0;
}

void mvg_point_decode_raw(const mvg_point_cfg *p, const uint16_t *regs, char *text,
                          size_t textlen, mvg_sample *s)
{
    if (!s)
        return;
    s->raw_kind = MVG_RAW_NONE;
    s->raw_u = 0;
    s->text = NULL;
    if (!p || !regs || mvg_area_is_bits(p->area))
        return;
    uint64_t bits;
    if (mvg_type_is_int64(p->type) && mvg_codec_decode_bits(p->type, p->order, regs, &bits) == 0) {
        if (p->type == MVG_TYPE_INT64) {
            s->raw_kind = MVG_RAW_INT;
            s->raw_i = (int64_t)bits;
        } else {
            s->raw_kind = MVG_RAW_UINT;
            s->raw_u = bits;
        }
    } else if (p->type == MVG_TYPE_STRING && text &&
               mvg_codec_decode_text(p->order, regs, p->count, text, textlen) >= 0) {
        s->raw_kind = MVG_RAW_TEXT;
        s->text = text;
    }
}

unsigned mvg_point_width(const mvg_point_cfg *p)
{
    if (mvg_area_is_bits(p->area))
        return 1;
    return p->type == MVG_TYPE_STRING ? p->count : mvg_type_registers(p->type);
}

int mvg_point_counter_step(mvg_counter_track *t, const mvg_point_cfg *p, double raw,
                           mvg_quality *q)
{
    if (!t || !p || !q)
        return -1;
    if (p->kind != MVG_KIND_COUNTER || *q != MVG_Q_GOOD)
        return 0;

    t->rolled = 0;
    if (!t->have_prev) {
        t->have_prev = 1;
        t->prev_raw = raw;
        t->step_raw = 0.0;
        return 0;
    }
    switch (mvg_counter_step(t->prev_raw, raw, mvg_codec_wrap_span(p->type), &t->step_raw)) {
    case MVG_COUNTER_FORWARD:
        break;
    case MVG_COUNTER_WRAP:
        t->rolled = 1;
        t->rollovers++;
        break;
    case MVG_COUNTER_RESET:
        t->resets++;
        *q = MVG_Q_COUNTER_RESET;
        break;
    }
    t->prev_raw = raw;
    return 0;
}
