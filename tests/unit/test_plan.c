/*
 * test_plan.c: the read planner against requests worked out by hand, and a
 * property test over random point sets checked against a reference planner
 * written differently (a walk over an address map instead of sorted points),
 * and, on small sets, against the fewest requests any grouping allows (brute
 * force over every set partition).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"

/* "pADDRESS": a point's name is a pointer (into the configuration's pool
 * in the daemon), so the names live here, one per address. */
static const char *addr_name(unsigned address)
{
    static char names[65536][8];
    snprintf(names[address], sizeof names[address], "p%u", address);
    return names[address];
}

static mvg_point_cfg pt(mvg_area area, unsigned address, mvg_type type)
{
    mvg_point_cfg p;
    memset(&p, 0, sizeof p);
    p.name = addr_name(address);
    p.area = area;
    p.address = address;
    p.type = type;
    p.order = mvg_type_default_order(type);
    p.scale = 1.0;
    return p;
}

static void check_req(const mvg_plan *pl, size_t i, mvg_area area, unsigned start, unsigned count)
{
    assert_true(i < pl->nreqs);
    assert_int_equal(pl->reqs[i].area, area);
    assert_int_equal(pl->reqs[i].start, start);
    assert_int_equal(pl->reqs[i].count, count);
}

static void check_slot(const mvg_plan *pl, size_t i, size_t req, unsigned offset)
{
    assert_true(i < pl->nslots);
    assert_int_equal(pl->slots[i].req, req);
    assert_int_equal(pl->slots[i].offset, offset);
}

static void test_empty(void **state)
{
    (void)state;
    mvg_plan pl;
    char err[256] = "";
    assert_int_equal(mvg_plan_build(NULL, 0, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 0);
    assert_int_equal(pl.nslots, 0);
    mvg_plan_free(&pl);
    mvg_plan_free(NULL);
}

static void test_contiguous(void **state)
{
    (void)state;
    /* 100 float32 (2 regs), 102 uint16, 103 int64 (4 regs): 100..106 */
    mvg_point_cfg p[] = {pt(MVG_AREA_HOLDING, 100, MVG_TYPE_FLOAT32),
                         pt(MVG_AREA_HOLDING, 102, MVG_TYPE_UINT16),
                         pt(MVG_AREA_HOLDING, 103, MVG_TYPE_INT64)};
    mvg_plan pl;
    char err[256];
    assert_int_equal(mvg_plan_build(p, 3, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_HOLDING, 100, 7);
    check_slot(&pl, 0, 0, 0);
    check_slot(&pl, 1, 0, 2);
    check_slot(&pl, 2, 0, 3);
    mvg_plan_free(&pl);
}

static void test_gap_below_and_above(void **state)
{
    (void)state;
    /* uint32 at 0 ends at 2; next at 10 leaves a gap of 8. */
    mvg_point_cfg p[] = {pt(MVG_AREA_INPUT, 0, MVG_TYPE_UINT32),
                         pt(MVG_AREA_INPUT, 10, MVG_TYPE_UINT16)};
    mvg_plan pl;
    char err[256];

    assert_int_equal(mvg_plan_build(p, 2, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_INPUT, 0, 11);
    check_slot(&pl, 0, 0, 0);
    check_slot(&pl, 1, 0, 10);
    mvg_plan_free(&pl);

    assert_int_equal(mvg_plan_build(p, 2, 7, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 0, MVG_AREA_INPUT, 0, 2);
    check_req(&pl, 1, MVG_AREA_INPUT, 10, 1);
    check_slot(&pl, 0, 0, 0);
    check_slot(&pl, 1, 1, 0);
    mvg_plan_free(&pl);
}

static void test_register_limit(void **state)
{
    (void)state;
    mvg_point_cfg p[126];
    for (unsigned i = 0; i < 126; i++)
        p[i] = pt(MVG_AREA_HOLDING, 1000 + i, MVG_TYPE_UINT16);
    mvg_plan pl;
    char err[256];

    assert_int_equal(mvg_plan_build(p, 125, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_HOLDING, 1000, 125);
    mvg_plan_free(&pl);

    assert_int_equal(mvg_plan_build(p, 126, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 0, MVG_AREA_HOLDING, 1000, 125);
    check_req(&pl, 1, MVG_AREA_HOLDING, 1125, 1);
    check_slot(&pl, 124, 0, 124);
    check_slot(&pl, 125, 1, 0);
    mvg_plan_free(&pl);
}

static void test_bit_limit(void **state)
{
    (void)state;
    /* Coils every 4th bit from 0 to 2000 (gap of 3 each): 0..2000 is 2001
     * bits, one too many, so the coil at 2000 starts a second request. */
    mvg_point_cfg p[501];
    for (unsigned i = 0; i < 501; i++)
        p[i] = pt(MVG_AREA_COIL, i * 4, MVG_TYPE_BOOL);
    mvg_plan pl;
    char err[256];

    assert_int_equal(mvg_plan_build(p, 500, 3, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_COIL, 0, 1997);
    check_slot(&pl, 499, 0, 1996);
    mvg_plan_free(&pl);

    assert_int_equal(mvg_plan_build(p, 501, 3, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 0, MVG_AREA_COIL, 0, 1997);
    check_req(&pl, 1, MVG_AREA_COIL, 2000, 1);
    check_slot(&pl, 500, 1, 0);
    mvg_plan_free(&pl);

    /* 2000 contiguous discrete inputs fit one request exactly. */
    mvg_point_cfg *d = calloc(2001, sizeof *d);
    assert_non_null(d);
    for (unsigned i = 0; i < 2001; i++)
        d[i] = pt(MVG_AREA_DISCRETE, 5 + i, MVG_TYPE_BOOL);
    assert_int_equal(mvg_plan_build(d, 2000, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_DISCRETE, 5, 2000);
    mvg_plan_free(&pl);
    assert_int_equal(mvg_plan_build(d, 2001, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 1, MVG_AREA_DISCRETE, 2005, 1);
    mvg_plan_free(&pl);
    free(d);
}

static void test_64bit_at_limit(void **state)
{
    (void)state;
    /* 31 float64 cover 0..123 (124 regs). A 32nd at 124 would end at 128:
     * over the limit, so it opens a new request. A uint16 at 124 still fits. */
    mvg_point_cfg p[33];
    for (unsigned i = 0; i < 32; i++)
        p[i] = pt(MVG_AREA_HOLDING, i * 4, MVG_TYPE_FLOAT64);
    mvg_plan pl;
    char err[256];
    assert_int_equal(mvg_plan_build(p, 32, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 0, MVG_AREA_HOLDING, 0, 124);
    check_req(&pl, 1, MVG_AREA_HOLDING, 124, 4);
    check_slot(&pl, 31, 1, 0);
    mvg_plan_free(&pl);

    p[31] = pt(MVG_AREA_HOLDING, 124, MVG_TYPE_INT16);
    assert_int_equal(mvg_plan_build(p, 32, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_HOLDING, 0, 125);
    mvg_plan_free(&pl);

    /* A uint64 at 122 would need 122..125: one past the limit from 0. */
    p[31] = pt(MVG_AREA_HOLDING, 121, MVG_TYPE_UINT64); /* 121..124: overlaps, fits */
    assert_int_equal(mvg_plan_build(p, 32, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_HOLDING, 0, 125);
    check_slot(&pl, 31, 0, 121);
    mvg_plan_free(&pl);
    p[31] = pt(MVG_AREA_HOLDING, 122, MVG_TYPE_UINT64); /* 122..125 */
    assert_int_equal(mvg_plan_build(p, 32, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 2);
    check_req(&pl, 1, MVG_AREA_HOLDING, 122, 4);
    mvg_plan_free(&pl);
}

static void test_four_areas_unsorted(void **state)
{
    (void)state;
    /* Same addresses in four areas, given in a scrambled order: the areas
     * never share a request, and the slots follow the caller's order. */
    mvg_point_cfg p[] = {
        pt(MVG_AREA_HOLDING, 12, MVG_TYPE_UINT16),  /* 0 */
        pt(MVG_AREA_COIL, 3, MVG_TYPE_BOOL),        /* 1 */
        pt(MVG_AREA_INPUT, 10, MVG_TYPE_FLOAT32),   /* 2 */
        pt(MVG_AREA_DISCRETE, 0, MVG_TYPE_BOOL),    /* 3 */
        pt(MVG_AREA_HOLDING, 10, MVG_TYPE_FLOAT32), /* 4 */
        pt(MVG_AREA_COIL, 0, MVG_TYPE_BOOL),        /* 5 */
        pt(MVG_AREA_INPUT, 40, MVG_TYPE_UINT16),    /* 6: gap 28 from input 12 */
        pt(MVG_AREA_DISCRETE, 7, MVG_TYPE_BOOL),    /* 7 */
    };
    mvg_plan pl;
    char err[256];
    assert_int_equal(mvg_plan_build(p, 8, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 5);
    check_req(&pl, 0, MVG_AREA_COIL, 0, 4);
    check_req(&pl, 1, MVG_AREA_DISCRETE, 0, 8);
    check_req(&pl, 2, MVG_AREA_INPUT, 10, 2);
    check_req(&pl, 3, MVG_AREA_INPUT, 40, 1);
    check_req(&pl, 4, MVG_AREA_HOLDING, 10, 3);
    assert_int_equal(pl.nslots, 8);
    check_slot(&pl, 0, 4, 2);
    check_slot(&pl, 1, 0, 3);
    check_slot(&pl, 2, 2, 0);
    check_slot(&pl, 3, 1, 0);
    check_slot(&pl, 4, 4, 0);
    check_slot(&pl, 5, 0, 0);
    check_slot(&pl, 6, 3, 0);
    check_slot(&pl, 7, 1, 7);
    mvg_plan_free(&pl);
}

static void test_overlap_and_duplicates(void **state)
{
    (void)state;
    /* The same float32 read twice, and a uint16 view of its low word. */
    mvg_point_cfg p[] = {pt(MVG_AREA_HOLDING, 51, MVG_TYPE_UINT16),
                         pt(MVG_AREA_HOLDING, 50, MVG_TYPE_FLOAT32),
                         pt(MVG_AREA_HOLDING, 50, MVG_TYPE_FLOAT32)};
    mvg_plan pl;
    char err[256];
    assert_int_equal(mvg_plan_build(p, 3, 0, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 1);
    check_req(&pl, 0, MVG_AREA_HOLDING, 50, 2);
    check_slot(&pl, 0, 0, 1);
    check_slot(&pl, 1, 0, 0);
    check_slot(&pl, 2, 0, 0);
    mvg_plan_free(&pl);
}

static void test_address_space_end(void **state)
{
    (void)state;
    mvg_plan pl;
    char err[256] = "";
    mvg_point_cfg ok[] = {pt(MVG_AREA_HOLDING, 65535, MVG_TYPE_UINT16),
                          pt(MVG_AREA_COIL, 65535, MVG_TYPE_BOOL),
                          pt(MVG_AREA_INPUT, 65532, MVG_TYPE_UINT64)};
    assert_int_equal(mvg_plan_build(ok, 3, 8, &pl, err, sizeof err), 0);
    assert_int_equal(pl.nreqs, 3);
    check_req(&pl, 0, MVG_AREA_COIL, 65535, 1);
    check_req(&pl, 1, MVG_AREA_INPUT, 65532, 4);
    check_req(&pl, 2, MVG_AREA_HOLDING, 65535, 1);
    mvg_plan_free(&pl);

    mvg_point_cfg bad[] = {pt(MVG_AREA_HOLDING, 0, MVG_TYPE_UINT16),
                           pt(MVG_AREA_HOLDING, 65535, MVG_TYPE_UINT32)};
    bad[1].name = "energy";
    assert_int_equal(mvg_plan_build(bad, 2, 8, &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "energy"));
    assert_non_null(strstr(err, "65535"));
    assert_null(pl.reqs);
    assert_null(pl.slots);
    assert_int_equal(pl.nreqs, 0);
}

static void test_non_bool_in_bit_area_rejected(void **state)
{
    (void)state;
    mvg_point_cfg p[] = {pt(MVG_AREA_COIL, 0, MVG_TYPE_UINT16)};
    mvg_plan pl;
    char err[256] = "";
    assert_int_equal(mvg_plan_build(p, 1, 8, &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "coil"));
}

/* ---- property test ---- */

/* Reference: per area, a map of address -> farthest end of the points that
 * start there, walked from address 0 up. A request opens at the first start
 * and closes as soon as the next start is too far (gap) or would push the
 * request past the limit. Returns the number of requests. */
static size_t reference_count(const mvg_point_cfg *p, size_t n, unsigned max_gap)
{
    static unsigned endmap[65536 + 1];
    size_t total = 0;
    for (int area = MVG_AREA_COIL; area <= MVG_AREA_HOLDING; area++) {
        unsigned limit = mvg_area_is_bits((mvg_area)area) ? 2000 : 125;
        memset(endmap, 0, sizeof endmap);
        for (size_t i = 0; i < n; i++) {
            if ((int)p[i].area != area)
                continue;
            unsigned w = mvg_area_is_bits(p[i].area) ? 1 : mvg_type_registers(p[i].type);
            unsigned e = p[i].address + w;
            if (e > endmap[p[i].address])
                endmap[p[i].address] = e;
        }
        int open = 0;
        unsigned start = 0, end = 0;
        for (unsigned a = 0; a < 65536; a++) {
            if (endmap[a] == 0)
                continue;
            unsigned e = endmap[a];
            unsigned gap = a > end ? a - end : 0, new_end = e > end ? e : end;
            if (open && gap <= max_gap && new_end - start <= limit) {
                if (e > end)
                    end = e;
                continue;
            }
            open = 1;
            total++;
            start = a;
            end = e;
        }
    }
    return total;
}

/* A small deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void test_property_random(void **state)
{
    (void)state;
    static const mvg_type reg_types[] = {MVG_TYPE_BOOL,   MVG_TYPE_INT16,   MVG_TYPE_UINT16,
                                         MVG_TYPE_INT32,  MVG_TYPE_UINT32,  MVG_TYPE_INT64,
                                         MVG_TYPE_UINT64, MVG_TYPE_FLOAT32, MVG_TYPE_FLOAT64};
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    mvg_point_cfg *p = calloc(600, sizeof *p);
    assert_non_null(p);
    size_t total_reqs = 0;

    for (int iter = 0; iter < 400; iter++) {
        size_t n = (size_t)(rng_next(&seed) % 600);
        unsigned max_gap = (unsigned)(rng_next(&seed) % 20);
        /* Address windows from dense (all points packed in a few hundred
         * addresses, many overlaps) to sparse (the whole space). */
        unsigned window = (unsigned[]){64, 300, 3000, 65536}[rng_next(&seed) % 4];
        unsigned base = (unsigned)(rng_next(&seed) % (65536 - window + 1));
        for (size_t i = 0; i < n; i++) {
            mvg_area area = (mvg_area)(rng_next(&seed) % 4);
            mvg_type type = mvg_area_is_bits(area) ? MVG_TYPE_BOOL : reg_types[rng_next(&seed) % 9];
            unsigned w = mvg_area_is_bits(area) ? 1 : mvg_type_registers(type);
            unsigned addr = base + (unsigned)(rng_next(&seed) % window);
            if (addr + w > 65536)
                addr = 65536 - w;
            p[i] = pt(area, addr, type);
        }

        mvg_plan pl;
        char err[256] = "";
        assert_int_equal(mvg_plan_build(p, n, max_gap, &pl, err, sizeof err), 0);
        assert_int_equal(pl.nslots, n);
        for (size_t r = 0; r < pl.nreqs; r++) {
            unsigned limit = mvg_area_is_bits(pl.reqs[r].area) ? 2000 : 125;
            assert_true(pl.reqs[r].count >= 1 && pl.reqs[r].count <= limit);
            assert_true(pl.reqs[r].start + pl.reqs[r].count <= 65536);
        }
        /* Every point inside its request, in its own area; every request
         * begins and ends on some point (no wasted registers at the edges). */
        unsigned char *starts = calloc(pl.nreqs + 1, 1), *ends = calloc(pl.nreqs + 1, 1);
        assert_non_null(starts);
        assert_non_null(ends);
        for (size_t i = 0; i < n; i++) {
            const mvg_plan_slot *s = &pl.slots[i];
            assert_true(s->req < pl.nreqs);
            const mvg_plan_req *rq = &pl.reqs[s->req];
            unsigned w = mvg_area_is_bits(p[i].area) ? 1 : mvg_type_registers(p[i].type);
            assert_int_equal(rq->area, p[i].area);
            assert_int_equal(rq->start + s->offset, p[i].address);
            assert_true(s->offset + w <= rq->count);
            if (s->offset == 0)
                starts[s->req] = 1;
            if (s->offset + w == rq->count)
                ends[s->req] = 1;
        }
        for (size_t r = 0; r < pl.nreqs; r++) {
            assert_true(starts[r]);
            assert_true(ends[r]);
        }
        free(starts);
        free(ends);
        assert_int_equal(pl.nreqs, reference_count(p, n, max_gap));
        total_reqs += pl.nreqs;
        mvg_plan_free(&pl);
    }
    /* The generator really produced work (guards against a broken loop). */
    assert_true(total_reqs > 1000);
    free(p);
}

/* ---- optimality on small sets: brute force over every set partition ---- */

/* Can these points share one request? Same area, and read in address order
 * every hole between the covered part and the next point is <= max_gap,
 * and the whole span fits the limit. */
static int group_ok(const mvg_point_cfg *p, const size_t *idx, size_t n, unsigned max_gap)
{
    size_t order[8] = {0};
    if (n == 0 || n > 8)
        return n == 0;
    for (size_t i = 0; i < n; i++)
        order[i] = idx[i];
    for (size_t i = 1; i < n; i++) /* insertion sort by address */
        for (size_t j = i; j > 0 && p[order[j]].address < p[order[j - 1]].address; j--) {
            size_t tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    mvg_area area = p[order[0]].area;
    unsigned start = p[order[0]].address, end = start;
    for (size_t i = 0; i < n; i++) {
        const mvg_point_cfg *q = &p[order[i]];
        if (q->area != area)
            return 0;
        if (q->address > end && q->address - end > max_gap)
            return 0;
        unsigned e = q->address + (mvg_area_is_bits(q->area) ? 1 : mvg_type_registers(q->type));
        if (e > end)
            end = e;
    }
    return end - start <= (mvg_area_is_bits(area) ? 2000u : 125u);
}

typedef struct {
    const mvg_point_cfg *p;
    size_t n;
    unsigned max_gap;
    size_t groups[8][8];
    size_t sizes[8];
    size_t best;
} brute;

static void brute_assign(brute *b, size_t i, size_t ngroups)
{
    if (ngroups >= b->best)
        return;
    if (i == b->n) {
        for (size_t g = 0; g < ngroups; g++)
            if (!group_ok(b->p, b->groups[g], b->sizes[g], b->max_gap))
                return;
        b->best = ngroups;
        return;
    }
    for (size_t g = 0; g <= ngroups && g < 8; g++) {
        b->groups[g][b->sizes[g]++] = i;
        brute_assign(b, i + 1, g == ngroups ? ngroups + 1 : ngroups);
        b->sizes[g]--;
    }
}

static void test_fewest_requests_brute_force(void **state)
{
    (void)state;
    static const mvg_type types[] = {MVG_TYPE_UINT16, MVG_TYPE_FLOAT32, MVG_TYPE_UINT64};
    uint64_t seed = 12345;
    size_t nontrivial = 0;
    for (int iter = 0; iter < 3000; iter++) {
        mvg_point_cfg p[8];
        size_t n = 1 + (size_t)(rng_next(&seed) % 8);
        /* Mostly one or two areas and gaps around max_gap; spans that can
         * reach the 125 limit when max_gap is large. */
        unsigned max_gap = (unsigned)(rng_next(&seed) % 4 == 0 ? 60 : rng_next(&seed) % 6);
        unsigned window = max_gap >= 60 ? 200 : 24;
        for (size_t i = 0; i < n; i++) {
            mvg_area area = rng_next(&seed) % 3 == 0 ? MVG_AREA_INPUT : MVG_AREA_HOLDING;
            p[i] = pt(area, (unsigned)(rng_next(&seed) % window), types[rng_next(&seed) % 3]);
        }
        brute b;
        memset(&b, 0, sizeof b);
        b.p = p;
        b.n = n;
        b.max_gap = max_gap;
        b.best = n + 1;
        brute_assign(&b, 0, 0);

        mvg_plan pl;
        char err[256];
        assert_int_equal(mvg_plan_build(p, n, max_gap, &pl, err, sizeof err), 0);
        if (pl.nreqs != b.best)
            fail_msg("iteration %d: planner %zu requests, fewest possible %zu", iter, pl.nreqs,
                     b.best);
        nontrivial += b.best > 1 && b.best < n;
        mvg_plan_free(&pl);
    }
    assert_true(nontrivial > 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_contiguous),
        cmocka_unit_test(test_gap_below_and_above),
        cmocka_unit_test(test_register_limit),
        cmocka_unit_test(test_bit_limit),
        cmocka_unit_test(test_64bit_at_limit),
        cmocka_unit_test(test_four_areas_unsorted),
        cmocka_unit_test(test_overlap_and_duplicates),
        cmocka_unit_test(test_address_space_end),
        cmocka_unit_test(test_non_bool_in_bit_area_rejected),
        cmocka_unit_test(test_property_random),
        cmocka_unit_test(test_fewest_requests_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
