/*
 * changepoint.h: the change-point search of the 3PC, 3PH, 4P and 5P
 * baseline forms (model.h fits them): the candidate grid and its
 * refinement. It owns nothing: the rows come in, the change point(s) go
 * out. The SSE of a candidate comes from prefix sums (cpsums.h), with or
 * without further linear columns, or from the caller (mvg_changepoint_sse_fn:
 * model.c's QR of the full design, for more further columns than the sums
 * carry, and as the reference the sums are tested against).
 */
#ifndef MVG_CHANGEPOINT_H
#define MVG_CHANGEPOINT_H

#include <stddef.h>

#include "model.h"

/* Finds the change point(s) of form t that minimise the SSE of y over
 * [P10, P90] of x (order statistics floor(0.1(n-1)) and ceil(0.9(n-1)) of
 * the sorted x) into cp_out (one for 3PC/3PH/4P, two for 5P). Returns 0,
 * or -1 with err filled when no candidate gives a non-singular design. */
int mvg_changepoint_search(mvg_model_type t, const double *y, const double *x, size_t n,
                           double *cp_out, char *err, size_t errlen);

/* The same search with k further columns z[0..k-1] entering the design
 * linearly after the hinges ([1, hinge(s), z]), each candidate's SSE from
 * the prefix sums (cpsums.h): k at most MVG_CPSUMS_MAX_Z, else -1 with
 * err. k = 0 is mvg_changepoint_search. */
int mvg_changepoint_search_z(mvg_model_type t, const double *y, const double *x,
                             const double *const *z, size_t k, size_t n, double *cp_out,
                             char *err, size_t errlen);

/* The SSE of the OLS fit at change points cp (one or two), +inf when the
 * design is singular there; ctx is the caller's. */
typedef double (*mvg_changepoint_sse_fn)(void *ctx, const double *cp);

/* The same search with the SSE of every candidate from sse(ctx, cp): the
 * change points are searched over x (the change-point variable) as above;
 * the design behind sse may hold further columns (model.c's forms with
 * more than one x). */
int mvg_changepoint_search_with(mvg_model_type t, const double *y, const double *x, size_t n,
                                mvg_changepoint_sse_fn sse, void *ctx, double *cp_out, char *err,
                                size_t errlen);

#endif
