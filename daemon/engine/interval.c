/*
 * interval.c: per channel, the last good sample is the "base" of the next
 * segment. When the next good sample arrives, the segment between them is
 * cut at every interval boundary and each piece is added to the accumulator
 * of its interval (the trapezoid of the linear interpolant for rates, the
 * time-proportional share of the delta for counters). Accumulators exist
 * only for intervals still open, kept in a small array sorted by index;
 * intervals without any data are emitted as empty records.
 */
#include "interval.h"
#include "counter.h"
#include "diag.h"
#include "statefmt.h"
#include "vec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Timestamps beyond +-2^62 ms (146 million years) are rejected, so that
 * boundary arithmetic can never overflow. */
#define TS_LIMIT (INT64_C(1) << 62)

typedef struct {
    double sum;       /* counter: delta; rate: integral in value*ms */
    double gap_delta;
    double area;      /* integral of the interpolant over covered time, value*ms */
    double covered;   /* ms */
    double sum_good;  /* plain sum of good values, for the uncovered mean */
    double min, max;
    uint32_t n_good, n_bad, n_rejected, flags;
    uint8_t has_ext;
} acc;

typedef struct {
    int64_t idx; /* interval index: start = idx * len_ms */
    acc *ch;
} open_ivl;

typedef struct {
    char *name;
    mvg_interval_kind kind;
    double wrap_span;
    double unit_s;
    int64_t max_gap_ms;
    /* state */
    uint8_t have_last, have_base, expired;
    int64_t last_ts;
    int64_t base_ts;
    double base_v;
    uint64_t rejected;
} chan;

struct mvg_interval {
    int64_t len_ms;
    size_t nch;
    chan *ch;
    uint8_t have_cursor;
    int64_t cursor; /* index of the first interval not yet emitted */
    open_ivl *open;
    size_t nopen, capopen;
    mvg_interval_value *out; /* nch, the record handed to the callback */
    /* A forward clock step told by mvg_interval_clock_step(), until the
     * record it leaves from is emitted (step_ms 0: none). Part of the saved
     * state (an optional last field, absent while step_ms is 0, so a state
     * without a step keeps the bytes of before): a step seen just before a
     * crash, whose record is not out yet, still gives the one flagged record
     * after the restart instead of an empty record per interval it jumped. */
    int64_t step_idx, step_to_idx, step_ms;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && a < 0)
        q--;
    return q;
}

const char *mvg_interval_strerror(int code)
{
    switch (code) {
    case 0: return "ok";
    case MVG_INTERVAL_EARG: return "bad argument";
    case MVG_INTERVAL_EORDER: return "sample not after the channel's previous sample (out of order or duplicate)";
    case MVG_INTERVAL_ELATE: return "sample falls in an interval already emitted";
    case MVG_INTERVAL_ENOMEM: return "out of memory";
    case MVG_INTERVAL_EFORMAT: return "state is corrupted, truncated or of another format version";
    case MVG_INTERVAL_EMISMATCH: return "state was saved with other channels or another interval length";
    }
    return "unknown error";
}

static int check_spec(const mvg_interval_channel *c, size_t i, char *err, size_t errlen)
{
    if (!c->name || !c->name[0]) {
        mvg_set_err(err, errlen, "channel %zu: empty name", i);
        return -1;
    }
    if (c->kind != MVG_INTERVAL_COUNTER && c->kind != MVG_INTERVAL_RATE) {
        mvg_set_err(err, errlen, "channel '%s': kind must be counter or rate", c->name);
        return -1;
    }
    if (c->kind == MVG_INTERVAL_COUNTER && !(c->wrap_span >= 0 && isfinite(c->wrap_span))) {
        mvg_set_err(err, errlen, "channel '%s': wrap_span must be >= 0 (0 when the counter never wraps)",
                c->name);
        return -1;
    }
    if (c->kind == MVG_INTERVAL_RATE && !(c->unit_s > 0 && isfinite(c->unit_s))) {
        mvg_set_err(err, errlen, "channel '%s': unit_s must be > 0 (3600 for kW -> kWh)", c->name);
        return -1;
    }
    if (c->max_gap_ms < 1 || c->max_gap_ms > MVG_INTERVAL_MAX_GAP_LIMIT_MS) {
        mvg_set_err(err, errlen, "channel '%s': max_gap_ms must be 1..%lld", c->name,
                (long long)MVG_INTERVAL_MAX_GAP_LIMIT_MS);
        return -1;
    }
    return 0;
}

mvg_interval *mvg_interval_new(int interval_min, const mvg_interval_channel *ch, size_t nch,
                               char *err, size_t errlen)
{
    if (interval_min < MVG_INTERVAL_MIN_MINUTES || interval_min > MVG_INTERVAL_MAX_MINUTES) {
        mvg_set_err(err, errlen, "interval length must be %d..%d minutes, got %d",
                MVG_INTERVAL_MIN_MINUTES, MVG_INTERVAL_MAX_MINUTES, interval_min);
        return NULL;
    }
    if (!ch || nch == 0 || nch > 65536) {
        mvg_set_err(err, errlen, "an aggregator needs 1..65536 channels");
        return NULL;
    }
    for (size_t i = 0; i < nch; i++) {
        if (check_spec(&ch[i], i, err, errlen) < 0)
            return NULL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(ch[i].name, ch[j].name) == 0) {
                mvg_set_err(err, errlen, "channel '%s' given twice", ch[i].name);
                return NULL;
            }
    }
    mvg_interval *agg = calloc(1, sizeof *agg);
    if (!agg)
        goto nomem;
    agg->len_ms = (int64_t)interval_min * 60000;
    agg->nch = nch;
    agg->ch = calloc(nch, sizeof *agg->ch);
    agg->out = calloc(nch, sizeof *agg->out);
    if (!agg->ch || !agg->out)
        goto nomem;
    for (size_t i = 0; i < nch; i++) {
        chan *c = &agg->ch[i];
        c->name = strdup(ch[i].name);
        if (!c->name)
            goto nomem;
        c->kind = ch[i].kind;
        c->wrap_span = ch[i].kind == MVG_INTERVAL_COUNTER ? ch[i].wrap_span : 0;
        c->unit_s = ch[i].kind == MVG_INTERVAL_RATE ? ch[i].unit_s : 1;
        c->max_gap_ms = ch[i].max_gap_ms;
    }
    return agg;
nomem:
    mvg_interval_free(agg);
    mvg_set_err(err, errlen, "out of memory");
    return NULL;
}

static void free_open(open_ivl *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(o[i].ch);
    free(o);
}

void mvg_interval_free(mvg_interval *agg)
{
    if (!agg)
        return;
    if (agg->ch)
        for (size_t i = 0; i < agg->nch; i++)
            free(agg->ch[i].name);
    free(agg->ch);
    free(agg->out);
    free_open(agg->open, agg->nopen);
    free(agg);
}

int64_t mvg_interval_length_ms(const mvg_interval *agg) { return agg ? agg->len_ms : 0; }
uint64_t mvg_interval_rejected(const mvg_interval *agg, size_t ch)
{
    return agg && ch < agg->nch ? agg->ch[ch].rejected : 0;
}

/* The accumulators of interval idx (idx >= cursor), created on first use.
 * Samples nearly always land in the newest interval, so search from the end. */
static acc *get_acc(mvg_interval *agg, int64_t idx, size_t ch)
{
    size_t pos = agg->nopen;
    while (pos > 0 && agg->open[pos - 1].idx > idx)
        pos--;
    if (pos > 0 && agg->open[pos - 1].idx == idx)
        return &agg->open[pos - 1].ch[ch];
    open_ivl *n = mvg_vec_reserve(agg->open, agg->nopen, &agg->capopen, sizeof *n, 4);
    if (!n)
        return NULL;
    agg->open = n;
    acc *a = calloc(agg->nch, sizeof *a);
    if (!a)
        return NULL;
    memmove(&agg->open[pos + 1], &agg->open[pos], (agg->nopen - pos) * sizeof *agg->open);
    agg->open[pos] = (open_ivl){.idx = idx, .ch = a};
    agg->nopen++;
    return &a[ch];
}

static void extend(acc *a, double v)
{
    if (!a->has_ext) {
        a->min = a->max = v;
        a->has_ext = 1;
        return;
    }
    if (v < a->min)
        a->min = v;
    if (v > a->max)
        a->max = v;
}

/* A counter's reading interpolated across a rollover, brought back into
 * the register's range. */
static double wrap_reading(const chan *c, double v)
{
    if (c->kind == MVG_INTERVAL_COUNTER && c->wrap_span > 0 && v >= c->wrap_span)
        v -= c->wrap_span;
    return v;
}

/*
 * Adds the covered segment (t0,v0)-(t1,v1) to the intervals it crosses.
 * For a counter, delta is the increase over the segment (v1 = v0 + delta,
 * i.e. the reading unwrapped) and is shared in proportion to time; the
 * shares are differences of a cumulative share, so they add up to delta.
 */
static int add_segment(mvg_interval *agg, size_t ci, int64_t t0, double v0, int64_t t1, double v1,
                       double delta)
{
    const chan *c = &agg->ch[ci];
    double span = (double)(t1 - t0);
    int64_t t = t0;
    double va = v0, cum_prev = 0;
    while (t < t1) {
        int64_t k = floor_div(t, agg->len_ms);
        int64_t e = (k + 1) * agg->len_ms;
        if (e > t1)
            e = t1;
        double vb = e == t1 ? v1 : v0 + (v1 - v0) * ((double)(e - t0) / span);
        acc *a = get_acc(agg, k, ci);
        if (!a)
            return MVG_INTERVAL_ENOMEM;
        double dt = (double)(e - t);
        double piece = 0.5 * (va + vb) * dt;
        a->area += piece;
        a->covered += dt;
        if (c->kind == MVG_INTERVAL_RATE) {
            a->sum += piece;
        } else {
            double cum = e == t1 ? delta : delta * ((double)(e - t0) / span);
            a->sum += cum - cum_prev;
            cum_prev = cum;
        }
        /* the samples themselves were counted when pushed; here only the
         * values where the segment crosses a boundary. A sample exactly on
         * an interval's end opens the next interval, but the curve of this
         * one still reaches it, so its extremes include it. */
        if (t != t0)
            extend(a, wrap_reading(c, va));
        if (e != t1 || e == (k + 1) * agg->len_ms)
            extend(a, wrap_reading(c, vb));
        t = e;
        va = vb;
    }
    return 0;
}

static int flag_at(mvg_interval *agg, size_t ci, int64_t ts, uint32_t flag)
{
    int64_t k = floor_div(ts, agg->len_ms);
    if (k < agg->cursor)
        return 0; /* already emitted: nothing left to mark */
    acc *a = get_acc(agg, k, ci);
    if (!a)
        return MVG_INTERVAL_ENOMEM;
    a->flags |= flag;
    return 0;
}

int mvg_interval_push(mvg_interval *agg, size_t ci, const mvg_sample *s)
{
    if (!agg || !s || ci >= agg->nch || s->ts_ms <= -TS_LIMIT || s->ts_ms >= TS_LIMIT)
        return MVG_INTERVAL_EARG;
    chan *c = &agg->ch[ci];
    int64_t ts = s->ts_ms;
    int64_t k = floor_div(ts, agg->len_ms);
    if (!agg->have_cursor) {
        agg->cursor = k;
        agg->have_cursor = 1;
    }
    if (k < agg->cursor) {
        c->rejected++;
        return MVG_INTERVAL_ELATE;
    }
    acc *a = get_acc(agg, k, ci);
    if (!a)
        return MVG_INTERVAL_ENOMEM;
    if (c->have_last && ts <= c->last_ts) {
        c->rejected++;
        a->n_rejected++;
        a->flags |= MVG_INTERVAL_F_LATE;
        return MVG_INTERVAL_EORDER;
    }
    c->have_last = 1;
    c->last_ts = ts;

    double v = s->value;
    if (s->quality != MVG_Q_GOOD || !isfinite(v)) {
        a->n_bad++;
        if (c->kind == MVG_INTERVAL_RATE)
            c->have_base = 0; /* never integrate across a bad sample */
        else if (s->quality == MVG_Q_COUNTER_RESET) {
            c->have_base = 0; /* re-base on the next good reading */
            a->flags |= MVG_INTERVAL_F_RESET;
        }
        return 0;
    }
    a->n_good++;
    a->sum_good += v;
    extend(a, v);
    if (!c->have_base) {
        c->have_base = 1;
        c->expired = 0;
        c->base_ts = ts;
        c->base_v = v;
        return 0;
    }
    int gap = c->expired || ts - c->base_ts > c->max_gap_ms;
    int rc = 0;
    if (c->kind == MVG_INTERVAL_COUNTER) {
        double d;
        mvg_counter_step_kind step = mvg_counter_step(c->base_v, v, c->wrap_span, &d);
        if (step == MVG_COUNTER_WRAP) {
            a->flags |= MVG_INTERVAL_F_ROLLOVER;
        } else if (step == MVG_COUNTER_RESET) {
            /* the meter was reset or replaced; the delta across it is unknown */
            a->flags |= MVG_INTERVAL_F_RESET;
            c->base_ts = ts;
            c->base_v = v;
            c->expired = 0;
            return 0;
        }
        if (gap) {
            a->gap_delta += d;
            a->flags |= MVG_INTERVAL_F_GAP;
            if (!c->expired)
                rc = flag_at(agg, ci, c->base_ts, MVG_INTERVAL_F_GAP);
        } else {
            rc = add_segment(agg, ci, c->base_ts, c->base_v, ts, c->base_v + d, d);
        }
    } else {
        if (gap) {
            a->flags |= MVG_INTERVAL_F_GAP;
            if (!c->expired)
                rc = flag_at(agg, ci, c->base_ts, MVG_INTERVAL_F_GAP);
        } else {
            rc = add_segment(agg, ci, c->base_ts, c->base_v, ts, v, 0);
        }
    }
    c->base_ts = ts;
    c->base_v = v;
    c->expired = 0;
    return rc;
}

static void fill_record(mvg_interval *agg, const open_ivl *o, mvg_interval_record *rec)
{
    rec->start_ms = agg->cursor * agg->len_ms;
    rec->end_ms = rec->start_ms + agg->len_ms;
    rec->nch = agg->nch;
    rec->ch = agg->out;
    rec->partial = 0;
    rec->clock_step_ms = 0;
    double len = (double)agg->len_ms;
    for (size_t i = 0; i < agg->nch; i++) {
        mvg_interval_value *v = &agg->out[i];
        static const acc empty;
        const acc *a = o ? &o->ch[i] : &empty;
        const chan *c = &agg->ch[i];
        v->value = c->kind == MVG_INTERVAL_RATE ? a->sum / (c->unit_s * 1000.0) : a->sum;
        v->gap_delta = a->gap_delta;
        v->coverage = a->covered >= len ? 1.0 : a->covered / len;
        if (a->covered > 0)
            v->mean = a->area / a->covered;
        else if (a->n_good > 0)
            v->mean = a->sum_good / a->n_good;
        else
            v->mean = NAN;
        v->min = a->has_ext ? a->min : NAN;
        v->max = a->has_ext ? a->max : NAN;
        v->n_good = a->n_good;
        v->n_bad = a->n_bad;
        v->n_rejected = a->n_rejected;
        v->flags = a->flags;
        if (v->coverage < 1.0)
            rec->partial = 1;
    }
}

int mvg_interval_advance(mvg_interval *agg, int64_t now_ms, mvg_interval_emit_fn emit, void *user)
{
    if (!agg || !emit)
        return MVG_INTERVAL_EARG;
    if (now_ms >= TS_LIMIT)
        now_ms = TS_LIMIT - 1;
    if (now_ms <= -TS_LIMIT)
        return 0;
    if (!agg->have_cursor) {
        agg->cursor = floor_div(now_ms, agg->len_ms);
        agg->have_cursor = 1;
        return 0;
    }
    int count = 0;
    while ((agg->cursor + 1) * agg->len_ms <= now_ms) {
        int64_t end = (agg->cursor + 1) * agg->len_ms;
        int blocked = 0;
        for (size_t i = 0; i < agg->nch; i++) {
            chan *c = &agg->ch[i];
            if (!c->have_base || c->expired || c->base_ts >= end)
                continue;
            if (now_ms > c->base_ts + c->max_gap_ms) {
                /* every sample still to come is too far from the base */
                c->expired = 1;
                int rc = flag_at(agg, i, c->base_ts, MVG_INTERVAL_F_GAP);
                if (rc < 0)
                    return rc;
            } else {
                blocked = 1;
            }
        }
        if (blocked)
            break;
        const open_ivl *o = agg->nopen > 0 && agg->open[0].idx == agg->cursor ? &agg->open[0] : NULL;
        mvg_interval_record rec;
        fill_record(agg, o, &rec);
        if (o) {
            free(agg->open[0].ch);
            agg->nopen--;
            memmove(&agg->open[0], &agg->open[1], agg->nopen * sizeof *agg->open);
        }
        agg->cursor++;
        if (agg->step_ms && agg->cursor > agg->step_idx) {
            /* the record the step leaves from says so; the intervals the
             * step jumped over had no time and no samples: none is emitted */
            rec.clock_step_ms = agg->step_ms;
            if (agg->step_to_idx > agg->cursor)
                agg->cursor = agg->step_to_idx;
            agg->step_ms = 0;
        }
        count++;
        if (emit(&rec, user) != 0)
            break;
    }
    return count;
}

void mvg_interval_clock_step(mvg_interval *agg, int64_t from_ms, int64_t to_ms)
{
    /* before the first push or advance nothing is emitted: nothing to jump */
    if (!agg || !agg->have_cursor || to_ms <= from_ms || from_ms <= -TS_LIMIT || to_ms >= TS_LIMIT)
        return;
    int64_t idx = floor_div(from_ms, agg->len_ms);
    if (agg->have_cursor && idx < agg->cursor)
        idx = agg->cursor;
    if (agg->step_ms == 0)
        agg->step_idx = idx;
    agg->step_ms += to_ms - from_ms;
    agg->step_to_idx = floor_div(to_ms, agg->len_ms);
}

/* ---- serialisation: little-endian, fixed widths (statefmt.h) ---- */

static const mvg_statefmt_envelope STATE_ENVELOPE = {MVG_STATEFMT_HEADER, "MVGI", 1u,
                                                     MVG_STATEFMT_FNV_BASIS, "interval state"};

static void write_payload(const void *obj, mvg_statefmt_writer *w)
{
    const mvg_interval *agg = obj;
    mvg_statefmt_put_i64(w, agg->len_ms);
    mvg_statefmt_put_u32(w, (uint32_t)agg->nch);
    for (size_t i = 0; i < agg->nch; i++) {
        const chan *c = &agg->ch[i];
        size_t n = strlen(c->name);
        mvg_statefmt_put_u32(w, (uint32_t)n);
        mvg_statefmt_put_bytes(w, c->name, n);
        mvg_statefmt_put_u8(w, (uint8_t)c->kind);
        mvg_statefmt_put_f64(w, c->wrap_span);
        mvg_statefmt_put_f64(w, c->unit_s);
        mvg_statefmt_put_i64(w, c->max_gap_ms);
    }
    mvg_statefmt_put_u8(w, agg->have_cursor);
    mvg_statefmt_put_i64(w, agg->cursor);
    for (size_t i = 0; i < agg->nch; i++) {
        const chan *c = &agg->ch[i];
        mvg_statefmt_put_u8(w, c->have_last);
        mvg_statefmt_put_u8(w, c->have_base);
        mvg_statefmt_put_u8(w, c->expired);
        mvg_statefmt_put_i64(w, c->last_ts);
        mvg_statefmt_put_i64(w, c->base_ts);
        mvg_statefmt_put_f64(w, c->base_v);
        mvg_statefmt_put_u64(w, c->rejected);
    }
    mvg_statefmt_put_u32(w, (uint32_t)agg->nopen);
    for (size_t k = 0; k < agg->nopen; k++) {
        mvg_statefmt_put_i64(w, agg->open[k].idx);
        for (size_t i = 0; i < agg->nch; i++) {
            const acc *a = &agg->open[k].ch[i];
            mvg_statefmt_put_f64(w, a->sum);
            mvg_statefmt_put_f64(w, a->gap_delta);
            mvg_statefmt_put_f64(w, a->area);
            mvg_statefmt_put_f64(w, a->covered);
            mvg_statefmt_put_f64(w, a->sum_good);
            mvg_statefmt_put_f64(w, a->min);
            mvg_statefmt_put_f64(w, a->max);
            mvg_statefmt_put_u32(w, a->n_good);
            mvg_statefmt_put_u32(w, a->n_bad);
            mvg_statefmt_put_u32(w, a->n_rejected);
            mvg_statefmt_put_u32(w, a->flags);
            mvg_statefmt_put_u8(w, a->has_ext);
        }
    }
    if (agg->step_ms) {
        mvg_statefmt_put_i64(w, agg->step_idx);
        mvg_statefmt_put_i64(w, agg->step_to_idx);
        mvg_statefmt_put_i64(w, agg->step_ms);
    }
}

/* Bytes of the optional pending clock step at the end of the payload. */
#define STEP_BYTES (3 * 8)

/* Bytes of one open interval in the payload, to bound counts before allocating. */
#define ACC_BYTES (7 * 8 + 4 * 4 + 1)

size_t mvg_interval_state_size(const mvg_interval *agg)
{
    size_t n = 0;
    if (agg)
        mvg_statefmt_write(&STATE_ENVELOPE, write_payload, agg, NULL, 0, &n, NULL, 0);
    return n;
}

int mvg_interval_save(const mvg_interval *agg, void *buf, size_t cap, size_t *written, char *err,
                      size_t errlen)
{
    if (!agg || !buf || !written) {
        mvg_set_err(err, errlen, "bad argument");
        return MVG_INTERVAL_EARG;
    }
    return mvg_statefmt_write(&STATE_ENVELOPE, write_payload, agg, buf, cap, written, err,
                              errlen) == 0
               ? 0
               : MVG_INTERVAL_EARG;
}


static int bits_equal(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static int ts_ok(int64_t t) { return t > -TS_LIMIT && t < TS_LIMIT; }

int mvg_interval_load(mvg_interval *agg, const void *buf, size_t len, char *err, size_t errlen)
{
    if (!agg || (!buf && len)) {
        mvg_set_err(err, errlen, "bad argument");
        return MVG_INTERVAL_EARG;
    }
    mvg_statefmt_reader r;
    if (mvg_statefmt_open(&STATE_ENVELOPE, buf, len, &r, err, errlen) != 0)
        return MVG_INTERVAL_EFORMAT;
    if (mvg_statefmt_get_i64(&r) != agg->len_ms || mvg_statefmt_get_u32(&r) != agg->nch) {
        mvg_set_err(err, errlen, "interval state has another interval length or channel count");
        return r.bad ? MVG_INTERVAL_EFORMAT : MVG_INTERVAL_EMISMATCH;
    }
    for (size_t i = 0; i < agg->nch; i++) {
        const chan *c = &agg->ch[i];
        uint32_t n = mvg_statefmt_get_u32(&r);
        const uint8_t *name = mvg_statefmt_take(&r, n);
        int same = name && n == strlen(c->name) && memcmp(name, c->name, n) == 0;
        same = same && mvg_statefmt_get_u8(&r) == (uint8_t)c->kind;
        same = same && bits_equal(mvg_statefmt_get_f64(&r), c->wrap_span);
        same = same && bits_equal(mvg_statefmt_get_f64(&r), c->unit_s);
        same = same && mvg_statefmt_get_i64(&r) == c->max_gap_ms;
        if (r.bad) {
            mvg_set_err(err, errlen, "interval state truncated");
            return MVG_INTERVAL_EFORMAT;
        }
        if (!same) {
            mvg_set_err(err, errlen, "interval state channel %zu differs from '%s' as configured", i,
                    c->name);
            return MVG_INTERVAL_EMISMATCH;
        }
    }
    int64_t idx_limit = TS_LIMIT / agg->len_ms - 1;
    uint8_t have_cursor = mvg_statefmt_get_u8(&r);
    int64_t cursor = mvg_statefmt_get_i64(&r);
    int bad = have_cursor > 1 || cursor < -idx_limit || cursor > idx_limit;
    chan *st = calloc(agg->nch, sizeof *st);
    open_ivl *open = NULL;
    size_t nopen = 0;
    if (!st) {
        mvg_set_err(err, errlen, "out of memory");
        return MVG_INTERVAL_ENOMEM;
    }
    for (size_t i = 0; i < agg->nch && !bad; i++) {
        chan *c = &st[i];
        c->have_last = mvg_statefmt_get_u8(&r);
        c->have_base = mvg_statefmt_get_u8(&r);
        c->expired = mvg_statefmt_get_u8(&r);
        c->last_ts = mvg_statefmt_get_i64(&r);
        c->base_ts = mvg_statefmt_get_i64(&r);
        c->base_v = mvg_statefmt_get_f64(&r);
        c->rejected = mvg_statefmt_get_u64(&r);
        bad = c->have_last > 1 || c->have_base > 1 || c->expired > 1 || !ts_ok(c->last_ts) ||
              !ts_ok(c->base_ts) || (c->have_base && !isfinite(c->base_v));
    }
    uint32_t nopen_in = mvg_statefmt_get_u32(&r);
    size_t per = 8 + agg->nch * ACC_BYTES;
    if (!bad && !r.bad && nopen_in > mvg_statefmt_left(&r) / per)
        bad = 1;
    if (!bad && !r.bad && nopen_in > 0) {
        open = calloc(nopen_in, sizeof *open);
        if (!open) {
            free(st);
            mvg_set_err(err, errlen, "out of memory");
            return MVG_INTERVAL_ENOMEM;
        }
    }
    for (uint32_t k = 0; k < nopen_in && !bad && !r.bad; k++) {
        open_ivl *o = &open[k];
        o->idx = mvg_statefmt_get_i64(&r);
        o->ch = calloc(agg->nch, sizeof *o->ch);
        if (!o->ch) {
            free_open(open, nopen);
            free(st);
            mvg_set_err(err, errlen, "out of memory");
            return MVG_INTERVAL_ENOMEM;
        }
        nopen++;
        bad = !have_cursor || o->idx < cursor || o->idx > idx_limit ||
              (k > 0 && o->idx <= open[k - 1].idx);
        for (size_t i = 0; i < agg->nch && !bad; i++) {
            acc *a = &o->ch[i];
            a->sum = mvg_statefmt_get_f64(&r);
            a->gap_delta = mvg_statefmt_get_f64(&r);
            a->area = mvg_statefmt_get_f64(&r);
            a->covered = mvg_statefmt_get_f64(&r);
            a->sum_good = mvg_statefmt_get_f64(&r);
            a->min = mvg_statefmt_get_f64(&r);
            a->max = mvg_statefmt_get_f64(&r);
            a->n_good = mvg_statefmt_get_u32(&r);
            a->n_bad = mvg_statefmt_get_u32(&r);
            a->n_rejected = mvg_statefmt_get_u32(&r);
            a->flags = mvg_statefmt_get_u32(&r);
            a->has_ext = mvg_statefmt_get_u8(&r);
            bad = a->has_ext > 1 || a->flags > 0xFu || !(a->covered >= 0) ||
                  a->covered > (double)agg->len_ms;
        }
    }
    int64_t step_idx = 0, step_to_idx = 0, step_ms = 0;
    if (!bad && !r.bad && mvg_statefmt_left(&r) == STEP_BYTES) {
        /* a pending step: its record is the first not yet emitted or later */
        step_idx = mvg_statefmt_get_i64(&r);
        step_to_idx = mvg_statefmt_get_i64(&r);
        step_ms = mvg_statefmt_get_i64(&r);
        bad = !have_cursor || step_ms <= 0 || step_ms >= TS_LIMIT || step_idx < cursor ||
              step_idx > idx_limit || step_to_idx < -idx_limit || step_to_idx > idx_limit;
    }
    if (bad || r.bad || mvg_statefmt_left(&r) != 0) {
        free_open(open, nopen);
        free(st);
        mvg_set_err(err, errlen, "interval state is inconsistent (%s)",
                r.bad ? "truncated" : bad ? "values out of range" : "trailing bytes");
        return MVG_INTERVAL_EFORMAT;
    }
    /* commit: nothing above touched agg */
    for (size_t i = 0; i < agg->nch; i++) {
        chan *c = &agg->ch[i];
        c->have_last = st[i].have_last;
        c->have_base = st[i].have_base;
        c->expired = st[i].expired;
        c->last_ts = st[i].last_ts;
        c->base_ts = st[i].base_ts;
        c->base_v = st[i].base_v;
        c->rejected = st[i].rejected;
    }
    free(st);
    free_open(agg->open, agg->nopen);
    agg->open = open;
    agg->nopen = nopen;
    agg->capopen = nopen;
    agg->have_cursor = have_cursor;
    agg->cursor = cursor;
    agg->step_idx = step_idx;
    agg->step_to_idx = step_to_idx;
    agg->step_ms = step_ms;
    return 0;
}
