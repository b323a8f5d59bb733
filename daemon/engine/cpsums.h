/*
 * cpsums.h: the SSE of a change-point candidate from prefix sums, for the
 * change-point search (changepoint.h). It owns the rows sorted by the
 * change-point variable x and the prefix sums over them; a candidate's SSE
 * (the OLS fit of [1, hinge(s), z_1..z_k] at the candidate's change points)
 * then costs O(log n + k^2), not a QR of the n-row design. The numbers a
 * fit reports never come from here: the final fit is the QR one (model.c).
 */
#ifndef MVG_CPSUMS_H
#define MVG_CPSUMS_H

#include <stddef.h>

#include "model.h"

/* Further linear columns the sums carry. Above this a candidate's SSE is
 * the QR one of the full design (model.c's fallback): the k x k block is
 * no longer small, and no baseline in practice has this many. */
#define MVG_CPSUMS_MAX_Z 8

typedef struct mvg_cpsums mvg_cpsums;

/* The sums of form t (3PC, 3PH, 4P, 5P) over n rows of y against the
 * change-point variable x and k further columns z[0..k-1] (z may be NULL
 * when k is 0). Copies what it needs. Returns NULL with err filled when out
 * of memory, n is 0, t is not a change-point form or k > MVG_CPSUMS_MAX_Z. */
mvg_cpsums *mvg_cpsums_new(mvg_model_type t, const double *y, const double *x,
                           const double *const *z, size_t k, size_t n, char *err, size_t errlen);
void mvg_cpsums_free(mvg_cpsums *s);

/* x sorted ascending (n values), owned by s. */
const double *mvg_cpsums_sorted_x(const mvg_cpsums *s);

/* Rows of the sorted x below c (x < c), and at or below c (x <= c). */
size_t mvg_cpsums_count_below(const mvg_cpsums *s, double c);
size_t mvg_cpsums_count_upto(const mvg_cpsums *s, double c);

/* SSE of the OLS fit at change points cp (one, or two for 5P), +inf when
 * the design is singular or ill-conditioned there (a hinge column with no
 * rows, or a column with less than 1e-14 of its sum of squares left after
 * the intercept and the columns before it; a 5P with c1 > c2). */
double mvg_cpsums_sse(const mvg_cpsums *s, const double *cp);

#endif
