/*
 * sim_regs.c: per-unit libmodbus mappings filled through the codec, with
 * register-level faults.
 */
#include "sim_regs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

typedef struct {
    mvg_sim_point pt;
    int nan;            /* serve NaN instead of the value */
    double offset_raw;  /* added to value / scale: rollover and reset faults */
    double last;        /* last stored engineering value */
} slot;

typedef struct {
    modbus_mapping_t *map;
    size_t first, count;
} unit_map;

struct mvg_sim_regs {
    slot *slots;
    size_t n;
    unit_map units[256];
};

mvg_sim_regs *mvg_sim_regs_new(const mvg_sim_point *pts, size_t n, char *err, size_t errlen)
{
    uint8_t *used = NULL; /* per unit: a bitmap of taken registers per area */
    mvg_sim_regs *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->slots = calloc(n ? n : 1, sizeof(slot))) == NULL) {
        snprintf(err, errlen, "out of memory for %zu points", n);
        goto fail;
    }
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        r->slots[i].pt = pts[i];
        if (pts[i].area != MVG_AREA_INPUT && pts[i].area != MVG_AREA_HOLDING) {
            snprintf(err, errlen, "unit %d address %u: only register areas are simulated", pts[i].unit,
                     pts[i].address);
            goto fail;
        }
    }
    used = calloc(2, 65536 / 8);
    if (used == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n;) {
        int unit = r->slots[i].pt.unit;
        if (r->units[unit].map != NULL) {
            snprintf(err, errlen, "unit %d: its points must be listed together", unit);
            goto fail;
        }
        memset(used, 0, 2 * 65536 / 8);
        size_t j = i;
        unsigned nin = 0, nhr = 0;
        for (; j < n && r->slots[j].pt.unit == unit; j++) {
            const mvg_sim_point *p = &r->slots[j].pt;
            unsigned end = p->address + mvg_type_registers(p->type);
            uint8_t *bits = used + (p->area == MVG_AREA_INPUT ? 0 : 65536 / 8);
            for (unsigned a = p->address; a < end; a++) {
                if (a > 65535 || (bits[a / 8] & (1u << (a % 8)))) {
                    snprintf(err, errlen, "unit %d: point at %s address %u overlaps another or passes 65535",
                             unit, mvg_area_name(p->area), p->address);
                    goto fail;
                }
                bits[a / 8] |= (uint8_t)(1u << (a % 8));
            }
            if (p->area == MVG_AREA_INPUT && end > nin)
                nin = end;
            if (p->area == MVG_AREA_HOLDING && end > nhr)
                nhr = end;
        }
        r->units[unit].map = modbus_mapping_new_start_address(0, 0, 0, 0, 0, (int)nhr, 0, (int)nin);
        if (r->units[unit].map == NULL) {
            snprintf(err, errlen, "unit %d: cannot allocate its register map: %s", unit,
                     modbus_strerror(errno));
            goto fail;
        }
        r->units[unit].first = i;
        r->units[unit].count = j - i;
        i = j;
    }
    free(used);
    return r;
fail:
    free(used);
    mvg_sim_regs_free(r);
    return NULL;
}

void mvg_sim_regs_free(mvg_sim_regs *r)
{
    if (r == NULL)
        return;
    for (int u = 0; u < 256; u++)
        if (r->units[u].map)
            modbus_mapping_free(r->units[u].map);
    free(r->slots);
    free(r);
}

modbus_mapping_t *mvg_sim_regs_mapping(mvg_sim_regs *r, int unit)
{
    if (unit < 0 || unit > 255)
        return NULL;
    return r->units[unit].map;
}

int mvg_sim_regs_unit_points(const mvg_sim_regs *r, int unit, size_t *first, size_t *count)
{
    if (unit < 0 || unit > 255 || r->units[unit].map == NULL)
        return 0;
    *first = r->units[unit].first;
    *count = r->units[unit].count;
    return 1;
}

size_t mvg_sim_regs_npoints(const mvg_sim_regs *r)
{
    return r->n;
}

const mvg_sim_point *mvg_sim_regs_point(const mvg_sim_regs *r, size_t i)
{
    return i < r->n ? &r->slots[i].pt : NULL;
}

static int is_int(mvg_type t)
{
    return t != MVG_TYPE_FLOAT32 && t != MVG_TYPE_FLOAT64 && t != MVG_TYPE_BOOL;
}

static int is_signed(mvg_type t)
{
    return t == MVG_TYPE_INT16 || t == MVG_TYPE_INT32 || t == MVG_TYPE_INT64;
}

/* Largest raw value a type can hold, as a double that encodes safely. */
static void int_range(mvg_type t, double *lo, double *hi)
{
    double span = mvg_codec_wrap_span(t);
    if (is_signed(t)) {
        *lo = -span / 2;
        *hi = span / 2 - 1;
    } else {
        *lo = 0;
        *hi = span - 1;
    }
    if (t == MVG_TYPE_INT64 || t == MVG_TYPE_UINT64)
        *hi = nextafter(*hi, 0); /* span - 1 rounds up to span in a double */
}

void mvg_sim_regs_store(mvg_sim_regs *r, size_t i, double value)
{
    if (i >= r->n)
        return;
    slot *s = &r->slots[i];
    const mvg_sim_point *p = &s->pt;
    modbus_mapping_t *m = r->units[p->unit].map;
    uint16_t *tab = p->area == MVG_AREA_INPUT ? m->tab_input_registers : m->tab_registers;
    uint16_t words[4];
    double raw = value / p->scale + s->offset_raw;
    s->last = value;

    if (s->nan && !is_int(p->type)) {
        raw = NAN;
    } else if (is_int(p->type)) {
        double lo, hi;
        int_range(p->type, &lo, &hi);
        if (p->kind == MVG_KIND_COUNTER) {
            double span = mvg_codec_wrap_span(p->type);
            raw = fmod(floor(raw), span);
            if (raw < 0)
                raw += span;
            if (is_signed(p->type) && raw > hi)
                raw -= span;
        } else {
            raw = nearbyint(raw);
        }
        raw = raw < lo ? lo : raw > hi ? hi : raw;
    }
    if (mvg_codec_encode(p->type, p->order, raw, words) == 0)
        memcpy(&tab[p->address], words, mvg_type_registers(p->type) * sizeof(uint16_t));
}

static int parse_addr(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

int mvg_sim_regs_find(const mvg_sim_regs *r, int unit, const char *spec, size_t *idx, char *err,
                      size_t errlen)
{
    size_t first, count;
    if (!mvg_sim_regs_unit_points(r, unit, &first, &count)) {
        snprintf(err, errlen, "no meter at unit %d", unit);
        return -1;
    }
    int any = 1;
    mvg_area area = MVG_AREA_HOLDING;
    const char *num = spec;
    if (strncmp(spec, "input:", 6) == 0) {
        any = 0;
        area = MVG_AREA_INPUT;
        num = spec + 6;
    } else if (strncmp(spec, "holding:", 8) == 0) {
        any = 0;
        area = MVG_AREA_HOLDING;
        num = spec + 8;
    }
    long addr;
    if (parse_addr(num, &addr) != 0) {
        snprintf(err, errlen, "'%s' is not an address (0..65535, optionally input:/holding:)", spec);
        return -1;
    }
    size_t found = 0, hits = 0;
    for (size_t i = first; i < first + count; i++) {
        const mvg_sim_point *p = &r->slots[i].pt;
        if (p->address == addr && (any || p->area == area)) {
            found = i;
            hits++;
        }
    }
    if (hits == 0) {
        snprintf(err, errlen, "unit %d has no point starting at %s", unit, spec);
        return -1;
    }
    if (hits > 1) {
        snprintf(err, errlen, "unit %d address %ld exists in both areas: say input:%ld or holding:%ld",
                 unit, addr, addr, addr);
        return -1;
    }
    *idx = found;
    return 0;
}

int mvg_sim_regs_fault_nan(mvg_sim_regs *r, size_t i, char *err, size_t errlen)
{
    if (i >= r->n)
        return -1;
    if (is_int(r->slots[i].pt.type)) {
        snprintf(err, errlen, "point at address %u is %s: only float points can read NaN",
                 r->slots[i].pt.address, mvg_type_name(r->slots[i].pt.type));
        return -1;
    }
    r->slots[i].nan = 1;
    return 0;
}

static int counter_check(const slot *s, char *err, size_t errlen)
{
    if (s->pt.kind != MVG_KIND_COUNTER) {
        snprintf(err, errlen, "point at address %u is a gauge, not a counter", s->pt.address);
        return -1;
    }
    return 0;
}

int mvg_sim_regs_fault_rollover(mvg_sim_regs *r, size_t i, double before, char *err, size_t errlen)
{
    if (i >= r->n)
        return -1;
    slot *s = &r->slots[i];
    if (counter_check(s, err, errlen) != 0)
        return -1;
    if (!is_int(s->pt.type) || s->pt.type == MVG_TYPE_UINT64 || s->pt.type == MVG_TYPE_INT64) {
        snprintf(err, errlen,
                 "point at address %u is %s: rollover is simulated for 16- and 32-bit integer counters",
                 s->pt.address, mvg_type_name(s->pt.type));
        return -1;
    }
    double span = mvg_codec_wrap_span(s->pt.type);
    double target = (is_signed(s->pt.type) ? span / 2 : span) - before;
    s->offset_raw = target - floor(s->last / s->pt.scale);
    return 0;
}

int mvg_sim_regs_fault_reset(mvg_sim_regs *r, size_t i, char *err, size_t errlen)
{
    if (i >= r->n)
        return -1;
    slot *s = &r->slots[i];
    if (counter_check(s, err, errlen) != 0)
        return -1;
    s->offset_raw = -(s->last / s->pt.scale);
    if (is_int(s->pt.type))
        s->offset_raw = -floor(s->last / s->pt.scale);
    return 0;
}

void mvg_sim_regs_clear_faults(mvg_sim_regs *r)
{
    for (size_t i = 0; i < r->n; i++)
        r->slots[i].nan = 0;
}
