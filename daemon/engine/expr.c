/*
 * expr.c: a recursive-descent parser that emits a postfix program directly
 * (no syntax tree), and a stack machine that runs it. The nesting limit
 * bounds both the parser's recursion and the evaluation stack, so eval needs
 * no allocation and cannot overflow.
 */
#include "expr.h"
#include "vec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough for any program the depth limit lets through (checked at compile). */
#define EVAL_STACK 512

typedef enum {
    OP_CONST, OP_VAR, OP_NEG, OP_NOT, OP_ABS,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_AND, OP_OR, OP_MIN, OP_MAX, OP_SELECT
} op_code;

typedef struct {
    op_code op;
    int var;      /* OP_VAR */
    double k;     /* OP_CONST */
} insn;

struct mvg_expr {
    insn *code;
    size_t ncode;
    int max_var; /* -1 when none */
};

typedef struct {
    const char *src;
    size_t pos;
    size_t len;
    int depth;
    insn *code;
    size_t ncode, cap;
    int sp, max_sp; /* simulated stack height */
    int max_var;
    mvg_expr_resolver resolve;
    void *user;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void fail_at(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail_at(parser *p, size_t pos, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    if (!p->err || p->errlen == 0)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s at column %zu", msg, pos + 1);
}

/* Stack effect of each op, to size the evaluation stack at compile time. */
static int stack_effect(op_code op)
{
    switch (op) {
    case OP_CONST: case OP_VAR: return 1;
    case OP_NEG: case OP_NOT: case OP_ABS: return 0;
    case OP_SELECT: return -2;
    default: return -1;
    }
}

static void emit(parser *p, op_code op, int var, double k)
{
    if (p->failed)
        return;
    insn *n = mvg_vec_reserve(p->code, p->ncode, &p->cap, sizeof *n, 16);
    if (!n) {
        fail_at(p, p->pos, "out of memory");
        return;
    }
    p->code = n;
    p->code[p->ncode++] = (insn){.op = op, .var = var, .k = k};
    p->sp += stack_effect(op);
    if (p->sp > p->max_sp)
        p->max_sp = p->sp;
    if (p->max_sp > EVAL_STACK)
        fail_at(p, p->pos, "expression too complex");
}

static void skip_space(parser *p)
{
    while (p->pos < p->len && (p->src[p->pos] == ' ' || p->src[p->pos] == '\t' ||
                               p->src[p->pos] == '\n' || p->src[p->pos] == '\r'))
        p->pos++;
}

static int peek(parser *p)
{
    skip_space(p);
    return p->pos < p->len ? (unsigned char)p->src[p->pos] : 0;
}

/* Consumes tok when the input continues with it. */
static int accept(parser *p, const char *tok)
{
    skip_space(p);
    size_t n = strlen(tok);
    if (p->len - p->pos >= n && memcmp(p->src + p->pos, tok, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void unexpected(parser *p)
{
    skip_space(p);
    if (p->pos >= p->len)
        fail_at(p, p->pos, "unexpected end of expression");
    else {
        unsigned char c = (unsigned char)p->src[p->pos];
        if (c >= 0x20 && c < 0x7f)
            fail_at(p, p->pos, "unexpected '%c'", c);
        else
            fail_at(p, p->pos, "unexpected byte 0x%02x", c);
    }
}

static void parse_expr(parser *p);

static int enter(parser *p)
{
    if (++p->depth > MVG_EXPR_MAX_DEPTH) {
        fail_at(p, p->pos, "expression nested deeper than %d levels", MVG_EXPR_MAX_DEPTH);
        return 0;
    }
    return 1;
}

static void parse_number(parser *p)
{
    size_t start = p->pos, i = p->pos;
    while (i < p->len && is_digit(p->src[i]))
        i++;
    if (i < p->len && p->src[i] == '.') {
        i++;
        while (i < p->len && is_digit(p->src[i]))
            i++;
    }
    if (i == start + 1 && p->src[start] == '.') {
        fail_at(p, start, "malformed number");
        return;
    }
    if (i < p->len && (p->src[i] == 'e' || p->src[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (p->src[j] == '+' || p->src[j] == '-'))
            j++;
        if (j >= p->len || !is_digit(p->src[j])) {
            fail_at(p, start, "malformed number");
            return;
        }
        while (j < p->len && is_digit(p->src[j]))
            j++;
        i = j;
    }
    if (i < p->len && (is_alpha(p->src[i]) || p->src[i] == '.')) {
        fail_at(p, start, "malformed number");
        return;
    }
    char buf[128];
    if (i - start >= sizeof buf) {
        fail_at(p, start, "number too long");
        return;
    }
    memcpy(buf, p->src + start, i - start);
    buf[i - start] = 0;
    errno = 0;
    double v = strtod(buf, NULL);
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) {
        fail_at(p, start, "number out of range");
        return;
    }
    p->pos = i;
    emit(p, OP_CONST, 0, v);
}

static size_t scan_ident(parser *p, size_t i)
{
    while (i < p->len && (is_alpha(p->src[i]) || is_digit(p->src[i])))
        i++;
    return i;
}

static void parse_call(parser *p, const char *fname, size_t start)
{
    int is_abs = strcmp(fname, "abs") == 0;
    op_code op = strcmp(fname, "min") == 0 ? OP_MIN : OP_MAX;
    int nargs = 0;
    if (peek(p) == ')') {
        fail_at(p, p->pos, "%s() needs at least one argument", fname);
        return;
    }
    for (;;) {
        parse_expr(p);
        if (p->failed)
            return;
        nargs++;
        if (!is_abs && nargs >= 2)
            emit(p, op, 0, 0); /* fold pairwise: the stack stays shallow */
        if (accept(p, ","))
            continue;
        if (accept(p, ")"))
            break;
        if (peek(p) == 0)
            fail_at(p, p->pos, "expected ')' to close %s( opened at column %zu", fname, start + 1);
        else
            fail_at(p, p->pos, "expected ',' or ')' in call of %s", fname);
        return;
    }
    if (is_abs) {
        if (nargs != 1) {
            fail_at(p, start, "abs() takes exactly one argument, got %d", nargs);
            return;
        }
        emit(p, OP_ABS, 0, 0);
    }
}

static void parse_primary(parser *p)
{
    int c = peek(p);
    int entered = 0;
    if (is_digit(c) || c == '.') {
        parse_number(p);
    } else if (is_alpha(c)) {
        size_t start = p->pos;
        size_t i = scan_ident(p, start);
        if (i < p->len && p->src[i] == '.') {
            if (i + 1 < p->len && is_alpha(p->src[i + 1]))
                i = scan_ident(p, i + 1);
            else {
                fail_at(p, i + 1, "expected a point name after '.'");
                goto out;
            }
        }
        if (i - start > MVG_EXPR_MAX_NAME) {
            fail_at(p, start, "name longer than %d characters", MVG_EXPR_MAX_NAME);
            goto out;
        }
        char name[MVG_EXPR_MAX_NAME + 1];
        memcpy(name, p->src + start, i - start);
        name[i - start] = 0;
        p->pos = i;
        if (peek(p) == '(') {
            if (strcmp(name, "min") && strcmp(name, "max") && strcmp(name, "abs")) {
                fail_at(p, start, "unknown function '%s' (known: min, max, abs)", name);
                goto out;
            }
            if (!enter(p))
                goto out;
            entered = 1;
            p->pos++;
            parse_call(p, name, start);
        } else {
            int idx = p->resolve ? p->resolve(name, p->user) : -1;
            if (idx < 0) {
                fail_at(p, start, "unknown point '%s'", name);
                goto out;
            }
            if (idx > p->max_var)
                p->max_var = idx;
            emit(p, OP_VAR, idx, 0);
        }
    } else if (c == '(') {
        if (!enter(p))
            goto out;
        entered = 1;
        size_t open = p->pos;
        p->pos++;
        parse_expr(p);
        if (!p->failed && !accept(p, ")")) {
            if (peek(p) == 0)
                fail_at(p, p->pos, "expected ')' to close '(' at column %zu", open + 1);
            else
                fail_at(p, p->pos, "expected ')'");
        }
    } else {
        unexpected(p);
    }
out:
    if (entered)
        p->depth--;
}

static void parse_unary(parser *p)
{
    int c = peek(p);
    if (c == '-' || c == '+' || (c == '!' && !(p->pos + 1 < p->len && p->src[p->pos + 1] == '='))) {
        if (!enter(p))
            return;
        p->pos++;
        parse_unary(p);
        if (c == '-')
            emit(p, OP_NEG, 0, 0);
        else if (c == '!')
            emit(p, OP_NOT, 0, 0);
        p->depth--;
        return;
    }
    parse_primary(p);
}

static void parse_term(parser *p)
{
    parse_unary(p);
    while (!p->failed) {
        if (accept(p, "*")) {
            parse_unary(p);
            emit(p, OP_MUL, 0, 0);
        } else if (accept(p, "/")) {
            parse_unary(p);
            emit(p, OP_DIV, 0, 0);
        } else
            break;
    }
}

static void parse_sum(parser *p)
{
    parse_term(p);
    while (!p->failed) {
        if (accept(p, "+")) {
            parse_term(p);
            emit(p, OP_ADD, 0, 0);
        } else if (accept(p, "-")) {
            parse_term(p);
            emit(p, OP_SUB, 0, 0);
        } else
            break;
    }
}

static int accept_cmp(parser *p, op_code *op)
{
    /* two-character operators first */
    static const struct { const char *tok; op_code op; } ops[] = {
        {"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (accept(p, ops[i].tok)) {
            *op = ops[i].op;
            return 1;
        }
    return 0;
}

static void parse_cmp(parser *p)
{
    parse_sum(p);
    op_code op;
    if (!p->failed && accept_cmp(p, &op)) {
        parse_sum(p);
        emit(p, op, 0, 0);
        size_t at = p->pos;
        op_code again;
        if (!p->failed && accept_cmp(p, &again))
            fail_at(p, at, "comparisons do not chain: use && (e.g. a < b && b < c)");
    }
}

static void parse_and(parser *p)
{
    parse_cmp(p);
    while (!p->failed && accept(p, "&&")) {
        parse_cmp(p);
        emit(p, OP_AND, 0, 0);
    }
}

static void parse_or(parser *p)
{
    parse_and(p);
    while (!p->failed && accept(p, "||")) {
        parse_and(p);
        emit(p, OP_OR, 0, 0);
    }
}

/* Only the branches of a conditional nest; a plain expression does not
 * count towards the depth limit. */
static void parse_expr(parser *p)
{
    parse_or(p);
    if (!p->failed && accept(p, "?")) {
        if (!enter(p))
            return;
        parse_expr(p);
        if (!p->failed && !accept(p, ":")) {
            if (peek(p) == 0)
                fail_at(p, p->pos, "expected ':' of the conditional before the end");
            else
                fail_at(p, p->pos, "expected ':'");
        }
        if (!p->failed)
            parse_expr(p);
        emit(p, OP_SELECT, 0, 0);
        p->depth--;
    }
}

mvg_expr *mvg_expr_compile(const char *src, mvg_expr_resolver resolve, void *user, char *err,
                           size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!src) {
        if (err && errlen)
            snprintf(err, errlen, "no expression");
        return NULL;
    }
    parser p = {.src = src, .len = strnlen(src, MVG_EXPR_MAX_LEN + 1), .resolve = resolve,
                .user = user, .err = err, .errlen = errlen, .max_var = -1};
    if (p.len > MVG_EXPR_MAX_LEN) {
        fail_at(&p, MVG_EXPR_MAX_LEN, "expression longer than %d characters", MVG_EXPR_MAX_LEN);
        return NULL;
    }
    if (peek(&p) == 0) {
        fail_at(&p, p.pos, "empty expression");
        return NULL;
    }
    parse_expr(&p);
    if (!p.failed && peek(&p) != 0)
        unexpected(&p);
    mvg_expr *e = NULL;
    if (!p.failed) {
        e = malloc(sizeof *e);
        if (!e)
            fail_at(&p, 0, "out of memory");
    }
    if (p.failed) {
        free(p.code);
        free(e);
        return NULL;
    }
    e->code = p.code;
    e->ncode = p.ncode;
    e->max_var = p.max_var;
    return e;
}

void mvg_expr_free(mvg_expr *e)
{
    if (!e)
        return;
    free(e->code);
    free(e);
}

int mvg_expr_quality_rank(mvg_quality q)
{
    switch (q) {
    case MVG_Q_GOOD: return 0;
    case MVG_Q_STALE: return 1;
    case MVG_Q_OUT_OF_RANGE: return 2;
    case MVG_Q_COUNTER_RESET: return 3;
    case MVG_Q_INVALID: return 4;
    case MVG_Q_EXCEPTION: return 5;
    case MVG_Q_COMM_ERROR: return 6;
    }
    return 6; /* an unknown value is treated as the worst */
}

mvg_quality mvg_expr_quality_worst(mvg_quality a, mvg_quality b)
{
    return mvg_expr_quality_rank(b) > mvg_expr_quality_rank(a) ? b : a;
}

typedef struct {
    double v;
    mvg_quality q;
} slot;

int mvg_expr_eval(const mvg_expr *e, const double *values, const mvg_quality *quality,
                  size_t nvars, double *out, mvg_quality *out_q)
{
    if (!e || !out || !out_q || (e->max_var >= 0 && (!values || !quality)) ||
        (e->max_var >= 0 && (size_t)e->max_var >= nvars))
        return -1;
    slot st[EVAL_STACK];
    int sp = 0;
    for (size_t i = 0; i < e->ncode; i++) {
        const insn *in = &e->code[i];
        slot *a, *b;
        switch (in->op) {
        case OP_CONST:
            st[sp++] = (slot){in->k, MVG_Q_GOOD};
            continue;
        case OP_VAR:
            st[sp++] = (slot){values[in->var], quality[in->var]};
            continue;
        case OP_NEG: st[sp - 1].v = -st[sp - 1].v; continue;
        case OP_NOT:
            st[sp - 1].v = isnan(st[sp - 1].v) ? NAN : (st[sp - 1].v == 0.0 ? 1.0 : 0.0);
            continue;
        case OP_ABS: st[sp - 1].v = fabs(st[sp - 1].v); continue;
        case OP_SELECT: {
            slot *c = &st[sp - 3];
            slot *t = &st[sp - 2], *f = &st[sp - 1];
            slot r;
            if (isnan(c->v))
                r = (slot){NAN, mvg_expr_quality_worst(c->q, MVG_Q_INVALID)};
            else {
                const slot *pick = c->v != 0.0 ? t : f;
                r = (slot){pick->v, mvg_expr_quality_worst(c->q, pick->q)};
            }
            sp -= 2;
            st[sp - 1] = r;
            continue;
        }
        default:
            break;
        }
        /* binary operators */
        a = &st[sp - 2];
        b = &st[sp - 1];
        double x = a->v, y = b->v, r = 0;
        int nan_in = isnan(x) || isnan(y);
        switch (in->op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV: r = y == 0.0 ? NAN : x / y; break;
        case OP_LT: r = nan_in ? NAN : (x < y); break;
        case OP_LE: r = nan_in ? NAN : (x <= y); break;
        case OP_GT: r = nan_in ? NAN : (x > y); break;
        case OP_GE: r = nan_in ? NAN : (x >= y); break;
        case OP_EQ: r = nan_in ? NAN : (x == y); break;
        case OP_NE: r = nan_in ? NAN : (x != y); break;
        case OP_AND: r = nan_in ? NAN : (x != 0.0 && y != 0.0); break;
        case OP_OR: r = nan_in ? NAN : (x != 0.0 || y != 0.0); break;
        case OP_MIN: r = nan_in ? NAN : (y < x ? y : x); break;
        case OP_MAX: r = nan_in ? NAN : (y > x ? y : x); break;
        default: return -1;
        }
        a->v = r;
        a->q = mvg_expr_quality_worst(a->q, b->q);
        sp--;
    }
    double r = st[0].v;
    mvg_quality q = st[0].q;
    if (!isfinite(r)) {
        r = NAN;
        q = mvg_expr_quality_worst(q, MVG_Q_INVALID);
    }
    *out = r;
    *out_q = q;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

size_t mvg_expr_vars(const mvg_expr *e, int *idx, size_t cap)
{
    if (!e)
        return 0;
    size_t n = 0;
    int *all = malloc((e->ncode ? e->ncode : 1) * sizeof *all);
    if (!all)
        return 0;
    for (size_t i = 0; i < e->ncode; i++)
        if (e->code[i].op == OP_VAR)
            all[n++] = e->code[i].var;
    qsort(all, n, sizeof *all, cmp_int);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && all[i] == all[i - 1])
            continue;
        if (idx && distinct < cap)
            idx[distinct] = all[i];
        distinct++;
    }
    free(all);
    return distinct;
}
