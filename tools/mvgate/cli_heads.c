/*
 * cli_heads.c: the ranges `mvgate verify` checked, held to the signed
 * head records (cli_heads.h).
 */
#include "cli_heads.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"
#include "timefmt.h"
#include "vec.h"

/* One record the walk accepted. */
typedef struct {
    int64_t chain;
    size_t index;     /* in the walked items */
    mvg_chain_kind kind;
    unsigned seg;     /* 0, and one more at each new chain the walk accepted */
    char hash[MVG_CHAIN_HEX_LEN];
    unsigned char pk[MVG_CHAIN_PK_BYTES]; /* in force after it */
} entry;

typedef struct {
    char *name;
    entry *e;
    size_t n, cap;
    unsigned segs;    /* segments begun */
    int64_t from;     /* --from-chain for it; 0: none */
} proj;

typedef struct {
    char *bytes;
    size_t len;
    char *hint;
    int64_t head_hint;
    size_t before;
} head_item;

struct mvg_cli_heads {
    proj *p;
    size_t np, pcap;
    head_item *h;
    size_t nh, hcap;
    int64_t from_all;
    struct {
        char *project;
        int64_t from;
    } * froms;
    size_t nfroms, fcap;
    int has_at;
    int64_t at_ms;
    int oom;
};

mvg_cli_heads *mvg_cli_heads_new(void) { return calloc(1, sizeof(mvg_cli_heads)); }

void mvg_cli_heads_free(mvg_cli_heads *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->np; i++) {
        free(h->p[i].name);
        free(h->p[i].e);
    }
    free(h->p);
    for (size_t i = 0; i < h->nh; i++) {
        free(h->h[i].bytes);
        free(h->h[i].hint);
    }
    free(h->h);
    for (size_t i = 0; i < h->nfroms; i++)
        free(h->froms[i].project);
    free(h->froms);
    free(h);
}

int mvg_cli_heads_add(mvg_cli_heads *h, const char *bytes, size_t len, const char *project_hint,
                      int64_t head_hint, size_t chained_before)
{
    head_item *a = mvg_vec_reserve(h->h, h->nh, &h->hcap, sizeof *a, 16);
    if (!a)
        return -1;
    h->h = a;
    head_item *it = &h->h[h->nh];
    it->bytes = malloc(len + 1);
    it->hint = project_hint ? strdup(project_hint) : NULL;
    if (!it->bytes || (project_hint && !it->hint)) {
        free(it->bytes);
        free(it->hint);
        return -1;
    }
    memcpy(it->bytes, bytes, len);
    it->bytes[len] = '\0';
    it->len = len;
    it->head_hint = head_hint;
    it->before = chained_before;
    h->nh++;
    return 0;
}

size_t mvg_cli_heads_count(const mvg_cli_heads *h) { return h ? h->nh : 0; }

static int parse_pos(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || !end || end == s || *end || v < 1)
        return -1;
    *out = v;
    return 0;
}

int mvg_cli_heads_from(mvg_cli_heads *h, const char *arg, char *err, size_t errlen)
{
    const char *eq = strrchr(arg, '=');
    int64_t pos = 0;
    if (parse_pos(eq ? eq + 1 : arg, &pos) != 0 || (eq && eq == arg)) {
        snprintf(err, errlen, "--from-chain '%s': give N or PROJECT=N, N a chain position >= 1",
                 arg);
        return -1;
    }
    if (!eq) {
        h->from_all = pos;
        return 0;
    }
    void *a = mvg_vec_reserve(h->froms, h->nfroms, &h->fcap, sizeof *h->froms, 4);
    char *name = strndup(arg, (size_t)(eq - arg));
    if (!a || !name) {
        free(name);
        if (a)
            h->froms = a;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->froms = a;
    h->froms[h->nfroms].project = name;
    h->froms[h->nfroms++].from = pos;
    return 0;
}

void mvg_cli_heads_at(mvg_cli_heads *h, int64_t at_ms)
{
    h->has_at = 1;
    h->at_ms = at_ms;
}

static proj *find(mvg_cli_heads *h, const char *name)
{
    for (size_t i = 0; i < h->np; i++)
        if (strcmp(h->p[i].name, name) == 0)
            return &h->p[i];
    return NULL;
}

void mvg_cli_heads_accept(void *user, size_t index, const char *project, int64_t chain,
                          mvg_chain_kind kind, const char *hash,
                          const unsigned char pk_after[MVG_CHAIN_PK_BYTES])
{
    mvg_cli_heads *h = user;
    proj *p = find(h, project);
    if (!p) {
        proj *a = mvg_vec_reserve(h->p, h->np, &h->pcap, sizeof *a, 4);
        char *name = strdup(project);
        if (!a || !name) {
            free(name);
            if (a)
                h->p = a;
            h->oom = 1;
            return;
        }
        h->p = a;
        p = &h->p[h->np++];
        memset(p, 0, sizeof *p);
        p->name = name;
    }
    entry *e = mvg_vec_reserve(p->e, p->n, &p->cap, sizeof *e, 64);
    if (!e) {
        h->oom = 1;
        return;
    }
    p->e = e;
    if (p->n && kind == MVG_CHAIN_NEWCHAIN && chain == 1)
        p->segs++; /* the walk accepted the chain begun again */
    entry *x = &p->e[p->n++];
    x->chain = chain;
    x->index = index;
    x->kind = kind;
    x->seg = p->segs;
    memcpy(x->hash, hash, sizeof x->hash);
    memcpy(x->pk, pk_after, sizeof x->pk);
}

/* The latest time a record of the input carries on the clock heads are
 * stamped with: an interval's end, a head's time (the created of a key or
 * new-chain record is the wall clock's, which a scaled timebase is not). */
static int64_t latest_time(const mvg_chain_item *items, size_t n, const mvg_head *heads,
                           size_t nh)
{
    int64_t latest = INT64_MIN;
    static const char *const members[] = {"end"};
    for (size_t i = 0; i < n; i++) {
        json_t *doc = json_loadb(items[i].bytes, items[i].len, 0, NULL);
        for (size_t m = 0; doc && m < sizeof members / sizeof members[0]; m++) {
            const char *s = json_string_value(json_object_get(doc, members[m]));
            int64_t t;
            if (s && mvg_timefmt_parse(s, &t) == 0 && t > latest)
                latest = t;
        }
        json_decref(doc);
    }
    for (size_t i = 0; i < nh; i++)
        if (heads[i].head > 0 && heads[i].time_ms > latest)
            latest = heads[i].time_ms;
    return latest;
}

/* The first and last entry of segment seg of p (by index into p->e); 0
 * when p has none in it. */
static int seg_bounds(const proj *p, unsigned seg, size_t *lo, size_t *hi)
{
    size_t i = 0;
    while (i < p->n && p->e[i].seg < seg)
        i++;
    if (i == p->n || p->e[i].seg != seg)
        return 0;
    *lo = i;
    while (i + 1 < p->n && p->e[i + 1].seg == seg)
        i++;
    *hi = i;
    return 1;
}

/* The segment a head belongs to: that of the last record accepted before
 * it in the input, else the first. */
static unsigned seg_of(const proj *p, size_t before)
{
    unsigned seg = 0;
    for (size_t i = 0; i < p->n && p->e[i].index < before; i++)
        seg = p->e[i].seg;
    return seg;
}

static int64_t from_of(const mvg_cli_heads *h, const char *project)
{
    for (size_t i = 0; i < h->nfroms; i++)
        if (strcmp(h->froms[i].project, project) == 0)
            return h->froms[i].from;
    return h->from_all ? h->from_all : 1;
}

/* One head of p checked against the record it names. 0 held, 1 skipped
 * (it names a position before the range), 2 after printing its error. */
static int check_one(const mvg_cli_heads *h, const proj *p, const head_item *it,
                     const mvg_head *hd, FILE *out)
{
    size_t lo, hi;
    unsigned seg = seg_of(p, it->before);
    if (!seg_bounds(p, seg, &lo, &hi))
        return 1;
    (void)h;
    const entry *first = &p->e[lo], *last = &p->e[hi];
    if (hd->head < first->chain)
        return 1;
    if (hd->head > last->chain) {
        fprintf(out,
                "project %s: withheld tail: chain %lld..%lld named by the head of %s are not in"
                " the input\n",
                p->name, (long long)last->chain + 1, (long long)hd->head, hd->time);
        return 2;
    }
    const entry *at = &p->e[lo + (size_t)(hd->head - first->chain)];
    char detail[300];
    mvg_chain_verdict v = at->chain == hd->head
                              ? mvg_head_check(it->bytes, it->len, hd, at->hash, at->pk, detail,
                                               sizeof detail)
                              : MVG_CHAIN_V_ALTERED;
    if (at->chain != hd->head)
        snprintf(detail, sizeof detail, "chain %lld is not where the walk has it",
                 (long long)hd->head);
    int64_t total = 0;
    for (size_t k = 0; k < hd->ncounts; k++)
        total += hd->counts[k].n;
    if (v == MVG_CHAIN_V_OK && total != hd->head) {
        v = MVG_CHAIN_V_ALTERED;
        snprintf(detail, sizeof detail,
                 "its records count %lld in all, but it names chain position %lld",
                 (long long)total, (long long)hd->head);
    }
    /* the counts per kind, when the input holds the segment from chain 1 */
    for (size_t k = 0; v == MVG_CHAIN_V_OK && first->chain == 1 && k < hd->ncounts; k++) {
        mvg_chain_kind kind = mvg_chain_kind_from_word(hd->counts[k].kind);
        if (kind == MVG_CHAIN_UNKNOWN)
            continue; /* a kind this verifier does not walk */
        int64_t got = 0;
        for (size_t i = lo; i <= hi && p->e[i].chain <= hd->head; i++)
            got += p->e[i].kind == kind;
        if (got != hd->counts[k].n) {
            v = MVG_CHAIN_V_ALTERED;
            snprintf(detail, sizeof detail, "it counts %lld %s record(s) up to chain %lld, the input %lld",
                     (long long)hd->counts[k].n, hd->counts[k].kind, (long long)hd->head,
                     (long long)got);
        }
    }
    if (v == MVG_CHAIN_V_OK)
        return 0;
    fprintf(out, "project %s head of %s (chain %lld): %s: %s\n", p->name, hd->time,
            (long long)hd->head, mvg_chain_verdict_name(v), detail);
    return 2;
}

/* One project's range and heads. 0 held, 1 after printing the error. */
static int check_project(const mvg_cli_heads *h, const proj *p, const mvg_head *heads,
                         int64_t latest, FILE *out)
{
    const entry *first = &p->e[0], *end = &p->e[p->n - 1];
    int64_t from = from_of(h, p->name);
    int at_start = first->chain == 1;
    if (!at_start && first->chain > from) {
        fprintf(out,
                "project %s: cut head: chain %lld..%lld not in the input (it starts at chain %lld;"
                " --from-chain %s=%lld checks from there)\n",
                p->name, (long long)from, (long long)first->chain - 1, (long long)first->chain,
                p->name, (long long)first->chain);
        return 1;
    }
    const mvg_head *last = NULL;
    size_t before_range = 0;
    for (size_t i = 0; i < h->nh; i++) {
        const mvg_head *hd = &heads[i];
        if (hd->head <= 0 || strcmp(hd->project, p->name) != 0)
            continue;
        int rc = check_one(h, p, &h->h[i], hd, out);
        if (rc == 2)
            return 1;
        before_range += rc == 1;
        if (!last || hd->time_ms >= last->time_ms)
            last = hd;
    }
    char range[400];
    if (at_start)
        snprintf(range, sizeof range, "project %s: chain %lld..%lld checked, from the first record%s",
                 p->name, (long long)first->chain, (long long)end->chain,
                 first->kind == MVG_CHAIN_NEWCHAIN ? " (a new chain)" : "");
    else
        snprintf(range, sizeof range,
                 "project %s: chain %lld..%lld checked, from chain %lld (--from-chain %lld)",
                 p->name, (long long)first->chain, (long long)end->chain,
                 (long long)first->chain, (long long)from);
    if (!last) {
        fprintf(out, "%s\nproject %s: withheld tail: no head record in the input, nothing attests"
                     " where its chain ends\n",
                range, p->name);
        return 1;
    }
    int shutdown_last = last->reason == MVG_HEAD_SHUTDOWN && last->head == end->chain;
    int64_t at = h->has_at ? h->at_ms : latest;
    if (last->every_s > 0 && at - last->time_ms > 2 * last->every_s * 1000 && !shutdown_last) {
        char when[40];
        mvg_timefmt_format(at, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, when, sizeof when);
        fprintf(out,
                "%s\nproject %s: withheld tail: no head since %s (chain %lld), though heads come"
                " every %lld s and the input runs to %s%s\n",
                range, p->name, last->time, (long long)last->head, (long long)last->every_s, when,
                h->has_at ? " (--at)" : "");
        return 1;
    }
    if (last->head == end->chain)
        fprintf(out, "%s, reaches the last head (chain %lld, %s%s)\n", range,
                (long long)last->head, last->time, shutdown_last ? ", shutdown" : "");
    else if (last->head < first->chain)
        fprintf(out, "%s; the last head (chain %lld, %s) names a position before it\n", range,
                (long long)last->head, last->time);
    else
        fprintf(out, "%s, reaches the last head (chain %lld, %s); chain %lld..%lld follow it\n",
                range, (long long)last->head, last->time, (long long)last->head + 1,
                (long long)end->chain);
    if (before_range)
        fprintf(stderr,
                "note: project %s: %zu head(s) name a position before the range checked (not"
                " checked)\n",
                p->name, before_range);
    return 0;
}

int mvg_cli_heads_check(mvg_cli_heads *h, const mvg_chain_item *items, size_t n, FILE *out)
{
    if (h->oom)
        return -1;
    mvg_head *heads = calloc(h->nh + 1, sizeof *heads);
    if (!heads)
        return -1;
    int rc = 0;
    /* every head first: one that does not read, or sits under another
     * project's envelope, is an error wherever it is */
    for (size_t i = 0; rc == 0 && i < h->nh; i++) {
        char err[256];
        head_item *it = &h->h[i];
        if (mvg_head_parse(it->bytes, it->len, &heads[i], err, sizeof err) != 0) {
            fprintf(out, "project %s head (item %zu of the heads): altered: %s\n",
                    it->hint ? it->hint : "?", i + 1, err);
            rc = 1;
        } else if ((it->hint && strcmp(it->hint, heads[i].project) != 0) ||
                   (it->head_hint > 0 && it->head_hint != heads[i].head)) {
            fprintf(out,
                    "project %s head of %s (chain %lld): wrong topic: under the topic (or export"
                    " line) of %s%s\n",
                    heads[i].project, heads[i].time, (long long)heads[i].head,
                    it->hint ? it->hint : "?", it->head_hint ? " at another position" : "");
            rc = 1;
        } else if (!find(h, heads[i].project)) {
            fprintf(out, "project %s head of %s (chain %lld): no record of its project in the"
                         " input\n",
                    heads[i].project, heads[i].time, (long long)heads[i].head);
            rc = 1;
        }
    }
    int64_t latest = latest_time(items, n, heads, h->nh);
    for (size_t k = 0; rc == 0 && k < h->np; k++)
        if (h->p[k].n)
            rc = check_project(h, &h->p[k], heads, latest, out);
    free(heads);
    return rc;
}
