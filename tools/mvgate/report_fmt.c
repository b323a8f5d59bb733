/*
 * report_fmt.c: human-readable numbers and times of the report
 * (report_fmt.h).
 */
#include "report_fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

/* Inserts "," every three digits of the integer part of a plain decimal
 * string ("-1234567.5" -> "-1,234,567.5"). */
static void group_thousands(const char *in, char *out, size_t len)
{
    const char *p = in;
    size_t o = 0;
    if (*p == '-' && o + 1 < len)
        out[o++] = *p++;
    size_t digits = strspn(p, "0123456789");
    for (size_t i = 0; i < digits && o + 1 < len; i++) {
        if (i > 0 && (digits - i) % 3 == 0) {
            out[o++] = ',';
            if (o + 1 >= len)
                break;
        }
        out[o++] = p[i];
    }
    p += digits;
    while (*p && o + 1 < len)
        out[o++] = *p++;
    out[o] = '\0';
}

static const char *const superscript[] = {
    "\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3", "\xe2\x81\xb4",
    "\xe2\x81\xb5", "\xe2\x81\xb6", "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9",
};

char *mvg_report_fmt_num(double v, int sig, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", MVG_REPORT_FMT_NONE);
        return buf;
    }
    if (sig < 1)
        sig = 1;
    if (sig > 15)
        sig = 15;
    char tmp[64];
    double a = fabs(v);
    if (v == 0.0) {
        snprintf(buf, len, "0");
        return buf;
    }
    if (a < 1e-3 || a >= 1e15) {
        /* mantissa and exponent from printf's own rounding, so 9.999e-4
         * at 2 digits becomes 1.0 x 10^-3, not 10 x 10^-4 */
        snprintf(tmp, sizeof tmp, "%.*e", sig - 1, v);
        char *e = strchr(tmp, 'e');
        int exp10 = e ? (int)strtol(e + 1, NULL, 10) : 0;
        if (e)
            *e = '\0';
        char sup[48] = "";
        size_t o = 0;
        if (exp10 < 0) {
            o += (size_t)snprintf(sup + o, sizeof sup - o, "\xe2\x81\xbb"); /* superscript minus */
            exp10 = -exp10;
        }
        char digits[16];
        snprintf(digits, sizeof digits, "%d", exp10);
        for (const char *d = digits; *d && o < sizeof sup; d++)
            o += (size_t)snprintf(sup + o, sizeof sup - o, "%s", superscript[*d - '0']);
        snprintf(buf, len, "%s \xc3\x97 10%s", tmp, sup);
        return buf;
    }
    int mag = (int)floor(log10(a));
    int decimals = sig - 1 - mag;
    if (decimals < 0)
        decimals = 0;
    /* rounding may carry into a new digit (999.96 at 4 digits): recount */
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    double r = fabs(strtod(tmp, NULL));
    if (r > 0 && (int)floor(log10(r)) > mag && decimals > 0)
        snprintf(tmp, sizeof tmp, "%.*f", decimals - 1, v);
    if (decimals == 0 && mag + 1 > sig) {
        /* integer digits beyond the significant ones are zeros, not noise */
        double scale = pow(10.0, mag + 1 - sig);
        snprintf(tmp, sizeof tmp, "%.0f", round(v / scale) * scale);
    }
    group_thousands(tmp, buf, len);
    return buf;
}

char *mvg_report_fmt_pct(double fraction, int sig, char *buf, size_t len)
{
    if (!isfinite(fraction)) {
        snprintf(buf, len, "%s", MVG_REPORT_FMT_NONE);
        return buf;
    }
    char n[64];
    double p = fraction * 100.0;
    mvg_report_fmt_num(p, sig, n, sizeof n);
    /* by hand, not snprintf: gcc cannot see that n fits the caller's buf */
    size_t l = strlen(n);
    if (len == 0)
        return buf;
    if (l + 3 > len)
        l = len > 3 ? len - 3 : 0;
    memcpy(buf, n, l);
    if (len >= 3)
        memcpy(buf + l, " %", 3);
    else
        buf[0] = '\0';
    return buf;
}

char *mvg_report_fmt_int(long long v, char *buf, size_t len)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v);
    group_thousands(tmp, buf, len);
    return buf;
}

char *mvg_report_fmt_time(int64_t ms, int with_seconds, char *buf, size_t len)
{
    return mvg_timefmt_format(ms, MVG_TIMEFMT_SPACE | (with_seconds ? MVG_TIMEFMT_SEC : MVG_TIMEFMT_MIN),
                              buf, len);
}
