/*
 * nist_data.h: shared by the unit tests that check fits against the NIST
 * StRD certified values (test_lsq, test_model): reading a dataset of
 * tests/unit/data/nist/ and the log relative error (LRE) of a result.
 * nist_read_dat fails the running cmocka test when the file is missing or
 * malformed.
 */
#ifndef MVG_TEST_NIST_DATA_H
#define MVG_TEST_NIST_DATA_H

#include <stddef.h>

/* Significant digits in agreement: -log10 of the relative error (16 when
 * exact; absolute error when the certified value is 0). */
double nist_lre(double x, double c);

/* Reads "y x1 [x2 ...]" rows of data/nist/NAME.dat, skipping '#' comments.
 * Returns the rows read. */
size_t nist_read_dat(const char *name, size_t ncols, double *buf, size_t maxrows);

#endif
