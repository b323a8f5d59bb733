/*
 * numfmt.h: a double as the text of a JSON number or an InfluxDB float
 * field, for every output that writes numbers by hand (the telemetry
 * writer, the line protocol). The text always reads back (strtod) as the
 * same double; it is the shortest such text for values with few decimals
 * (a meter's 55.05, a counter's 99918.57), and %.17g otherwise.
 */
#ifndef MVG_NUMFMT_H
#define MVG_NUMFMT_H

#include <stddef.h>

/* Room for every double's text and its terminator. */
#define MVG_NUMFMT_LEN 32

/*
 * Writes v (finite) into buf: digits, an optional '-', '.' and exponent as
 * %g would; a whole number has no '.' ("55"). Returns the length, or -1
 * when v is not finite (nothing written but the terminator).
 */
int mvg_numfmt_double(double v, char buf[MVG_NUMFMT_LEN]);

#endif
