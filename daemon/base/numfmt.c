/*
 * numfmt.c: doubles as text (numfmt.h). %.17g round-trips every double but
 * costs a multi-precision conversion per value and writes 55.05 as
 * 55.049999999999997; a gateway writing 10,000 values a second spent a
 * sixth of its CPU there (docs/performance.md).
 *
 * The fast path looks for the fewest decimals k (up to 17) for which
 * m = round(|v| * 10^k) gives back v as m / 10^k. m (below 2^53) and 10^k
 * (k <= 22) are exact doubles and IEEE division rounds correctly, so m / 10^k
 * is the double nearest to the decimal m * 10^-k, which is exactly what
 * strtod makes of that text: the check proves the round trip. A value it
 * does not find (more digits than fit in 2^53, very large or small
 * magnitudes) takes %.17g.
 */
#include "numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                   1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};

#define TWO_53 9007199254740992.0

/* m (< 2^53) with k decimals: "1234" k 2 -> "12.34", k 5 -> "0.01234". */
static int put_fixed(uint64_t m, int k, int neg, char *buf)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    while (n <= k) /* at least one digit before the point */
        digits[n++] = '0';
    int len = 0;
    if (neg)
        buf[len++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        buf[len++] = digits[i];
        if (i == k && k > 0)
            buf[len++] = '.';
    }
    buf[len] = '\0';
    return len;
}

int mvg_numfmt_double(double v, char buf[MVG_NUMFMT_LEN])
{
    buf[0] = '\0';
    if (!isfinite(v))
        return -1;
    double a = fabs(v);
    int neg = signbit(v) != 0;
    if (a == 0.0)
        return put_fixed(0, 0, neg, buf);
    /* below 1e-5 %g writes an exponent, and 17 decimals reach 1e-17 only */
    if (a >= 1e-5 && a < TWO_53) {
        for (int k = 0; k < (int)(sizeof pow10_tab / sizeof pow10_tab[0]); k++) {
            double s = a * pow10_tab[k];
            if (s >= TWO_53)
                break;
            double m = nearbyint(s);
            if (m / pow10_tab[k] == a)
                return put_fixed((uint64_t)m, k, neg, buf);
        }
    }
    return snprintf(buf, MVG_NUMFMT_LEN, "%.17g", v);
}
