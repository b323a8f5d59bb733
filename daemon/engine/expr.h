/*
 * expr.h: derived-channel expressions of the M&V engine, such as
 * `1.163 * chw.flow_m3h * (chw.t_return - chw.t_supply)`. An expression is
 * compiled once (names resolved to variable indices through a callback,
 * syntax errors reported with their 1-based column) into a small postfix
 * program that mvg_expr owns, then evaluated many times on arrays of values
 * and qualities. Pure: no clock, no I/O, no global state; a compiled
 * expression is immutable, so several threads may evaluate it at once.
 *
 * Grammar, lowest precedence first (binary operators are left-associative,
 * the conditional is right-associative):
 *   expr    := or [ '?' expr ':' expr ]
 *   or      := and { '||' and }
 *   and     := cmp { '&&' cmp }
 *   cmp     := sum [ ('<' | '<=' | '>' | '>=' | '==' | '!=') sum ]   (not chained)
 *   sum     := term { ('+' | '-') term }
 *   term    := unary { ('*' | '/') unary }
 *   unary   := ('-' | '+' | '!') unary | primary
 *   primary := number | name | func '(' expr { ',' expr } ')' | '(' expr ')'
 *   number  := digits [ '.' digits ] [ ('e'|'E') ['+'|'-'] digits ]  (also '.5')
 *   name    := ident [ '.' ident ]     ident := [A-Za-z_][A-Za-z0-9_]*
 *   func    := 'min' | 'max' (1 or more arguments) | 'abs' (1 argument)
 * Comparisons and logic give 1 or 0; any nonzero value is true.
 *
 * Quality: the result's quality is the worst quality among the inputs it
 * used, ranked (best to worst) good < stale < out_of_range < counter_reset <
 * invalid < exception < comm_error (a value that exists but is doubtful
 * ranks before a value that does not exist). Every operand is evaluated,
 * except that `c ? a : b` takes the quality of c and of the chosen branch
 * only. A division by zero, or any other non-finite result, gives NaN with
 * quality at least invalid; nothing traps.
 */
#ifndef MVG_EXPR_H
#define MVG_EXPR_H

#include <stddef.h>

#include "sample.h"

#define MVG_EXPR_MAX_LEN 4096  /* characters of source */
#define MVG_EXPR_MAX_DEPTH 64  /* nesting of parentheses, calls, unary operators */
#define MVG_EXPR_MAX_NAME 127  /* characters of a name */

typedef struct mvg_expr mvg_expr;

/* Maps a name ("chw.flow_m3h", or a plain derived-channel name) to a
 * variable index >= 0, or returns a negative value when it is unknown. */
typedef int (*mvg_expr_resolver)(const char *name, void *user);

/*
 * Compiles src. Returns NULL with err on failure, e.g.
 * "unknown point 'chw.flow' at column 9", "expected ')' at column 12",
 * "unexpected end of expression at column 20" (column = length + 1).
 */
mvg_expr *mvg_expr_compile(const char *src, mvg_expr_resolver resolve, void *user, char *err,
                           size_t errlen);
void mvg_expr_free(mvg_expr *e);

/*
 * Evaluates e with variable i taking values[i] with quality quality[i]
 * (nvars entries each). Returns 0 and sets *out and *out_q, or -1 when the
 * expression uses a variable index >= nvars (nothing is read then).
 */
int mvg_expr_eval(const mvg_expr *e, const double *values, const mvg_quality *quality,
                  size_t nvars, double *out, mvg_quality *out_q);

/* The distinct variable indices the expression reads, ascending (for
 * dependency order and cycle checks of derived channels). Returns how many
 * there are; fills at most cap of them into idx. */
size_t mvg_expr_vars(const mvg_expr *e, int *idx, size_t cap);

/* Rank of a quality in the order above (0 = good). */
int mvg_expr_quality_rank(mvg_quality q);
/* The worse of a and b. */
mvg_quality mvg_expr_quality_worst(mvg_quality a, mvg_quality b);

#endif
