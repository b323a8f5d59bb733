/*
 * tdist.c: the two-sided Student-t quantile mvg_t_quantile (declared in
 * model.h). Our own code because the usual library for it (GSL) is GPL-3:
 * the regularized incomplete beta function by its continued fraction
 * (modified Lentz), the t CDF from it, and a safeguarded Newton iteration on
 * the CDF. Accurate to about 1e-13 relative for df >= 1; very large df use
 * the Cornish-Fisher expansion about the normal quantile (A&S 26.7.5).
 */
#include <float.h>
#include <math.h>

#include "model.h"

/* ln B(a, 1/2). For large a, lgamma(a) - lgamma(a + 1/2) cancels (both are
 * about a ln a), so the difference is taken from Stirling's series term by
 * term, with log1p for the leading part. */
static double lbeta_half(double a)
{
    const double lg_half = 0.5723649429247001; /* ln Gamma(1/2) = ln sqrt(pi) */
    if (a < 20.0)
        return lg_half + lgamma(a) - lgamma(a + 0.5);
    /* ln G(z) = (z - 1/2) ln z - z + ln(2 pi)/2 + sum c_k / z^(2k-1) */
    const double c[] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188};
    double b = a + 0.5;
    /* (a-1/2) ln a - a - [a ln b - b] = -a ln(b/a) - (1/2) ln a + 1/2 */
    double d = -a * log1p(0.5 / a) - 0.5 * log(a) + 0.5;
    double za = 1.0 / a, zb = 1.0 / b, pa = za, pb = zb;
    for (int k = 0; k < 5; k++) {
        d += c[k] * (pa - pb);
        pa *= za * za;
        pb *= zb * zb;
    }
    return lg_half + d;
}

/* Below this a Lentz denominator counts as zero (and is replaced by it). */
#define LENTZ_TINY 1e-300

/* One term aa of the modified Lentz recurrence: updates c and d and
 * returns the factor c * d by which the fraction's value changes. */
static double lentz_step(double aa, double *c, double *d)
{
    *d = 1.0 + aa * *d;
    if (fabs(*d) < LENTZ_TINY)
        *d = LENTZ_TINY;
    *c = 1.0 + aa / *c;
    if (fabs(*c) < LENTZ_TINY)
        *c = LENTZ_TINY;
    *d = 1.0 / *d;
    return *d * *c;
}

/* Continued fraction of I_x(a,b) (Numerical Recipes' betacf, modified Lentz). */
static double betacf(double a, double b, double x)
{
    const double tiny = LENTZ_TINY;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        h *= lentz_step(aa, &c, &d);
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        double del = lentz_step(aa, &c, &d);
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return h;
}

/*
 * Two-sided tail of t: P(|T| > t) = I_x(df/2, 1/2), x = df/(df + t^2).
 * 1 - x is passed separately (t^2/(df + t^2)) so that neither loses digits.
 */
static double t_tail2(double t, double df)
{
    double a = 0.5 * df, b = 0.5;
    double x = df / (df + t * t), y = (t * t) / (df + t * t);
    if (y == 0.0)
        return 1.0;
    double lfront = a * log(x) + b * log(y) - lbeta_half(a);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(lfront) * betacf(a, b, x) / a;
    return 1.0 - exp(lfront) * betacf(b, a, y) / b;
}

/* Density of t, for Newton steps. */
static double t_pdf(double t, double df)
{
    return exp(-0.5 * (df + 1.0) * log1p(t * t / df) - 0.5 * log(df) - lbeta_half(0.5 * df));
}

/* Standard normal quantile by Newton on erfc from a rough start. */
static double normal_quantile(double p)
{
    /* p in (0.5, 1): z > 0 with Phi(z) = p, tail q = 1 - p */
    double q = 1.0 - p;
    double z = sqrt(-2.0 * log(q)); /* crude start, refined below */
    z -= (2.515517 + 0.802853 * z + 0.010328 * z * z) /
         (1.0 + 1.432788 * z + 0.189269 * z * z + 0.001308 * z * z * z);
    for (int i = 0; i < 50; i++) {
        double tail = 0.5 * erfc(z / sqrt(2.0));
        double pdf = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
        double step = (tail - q) / pdf;
        z += step;
        if (fabs(step) <= 1e-15 * fabs(z))
            break;
    }
    return z;
}

double mvg_t_quantile(double confidence, double df)
{
    if (!(confidence > 0.0 && confidence < 1.0) || !(df > 0.0))
        return NAN;
    double alpha = 1.0 - confidence; /* two-sided tail */
    if (df > 1e7) {
        /* Cornish-Fisher: error O(df^-5), far below double precision here. */
        double z = normal_quantile(1.0 - 0.5 * alpha);
        double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
        double g1 = (z3 + z) / 4.0;
        double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96.0;
        double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384.0;
        double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160.0;
        return z + g1 / df + g2 / (df * df) + g3 / (df * df * df) + g4 / (df * df * df * df);
    }
    /* Bracket the root of tail2(t) = alpha (tail2 falls from 1 at t = 0). */
    double lo = 0.0, hi = 1.0;
    while (t_tail2(hi, df) > alpha) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e300)
            return INFINITY;
    }
    double t = 0.5 * (lo + hi);
    for (int i = 0; i < 200; i++) {
        double f = t_tail2(t, df) - alpha;
        if (f > 0)
            lo = t;
        else
            hi = t;
        double step = f / (2.0 * t_pdf(t, df)); /* d tail2 / dt = -2 pdf */
        double next = t + step;
        if (!(next > lo && next < hi) || !isfinite(next))
            next = 0.5 * (lo + hi); /* Newton left the bracket: bisect */
        if (fabs(next - t) <= 1e-15 * next || hi - lo <= 1e-15 * hi) {
            t = next;
            break;
        }
        t = next;
    }
    return t;
}
