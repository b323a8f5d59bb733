/*
 * changepoint.h: the change-point search of the 3PC, 3PH, 4P and 5P
 * baseline forms (model.h fits them). It owns nothing: the rows come in,
 * the change point(s) go out.
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

#endif
