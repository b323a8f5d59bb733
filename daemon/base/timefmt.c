/*
 * timefmt.c: the time grammar and formatter (timefmt.h), on Howard
 * Hinnant's days_from_civil/civil_from_days: exact for every int64_t, and
 * no timegm(), which is not C11.
 */
#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>

#define DAY_MS INT64_C(86400000)

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Exactly n digits. */
static int digits(const char **s, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (!isdigit((unsigned char)**s))
            return -1;
        *v = *v * 10 + (**s - '0');
        (*s)++;
    }
    return 0;
}

/* zone = "Z" | ("+" | "-") hh [ [ ":" ] mm ], hours 00-23, at *s; nothing
 * (no zone) is offset 0. Advances *s past it. The one reading of an offset,
 * for times and for offsets given alone (mvg_timefmt_parse_offset). */
static int zone(const char **sp, int *off_min)
{
    const char *s = *sp;
    *off_min = 0;
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh, om = 0;
        s++;
        if (digits(&s, 2, &oh))
            return -1;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &om))
                return -1;
        } else if (isdigit((unsigned char)*s) && digits(&s, 2, &om)) {
            return -1;
        }
        if (oh > 23 || om > 59)
            return -1;
        *off_min = sign * (oh * 60 + om);
    }
    *sp = s;
    return 0;
}

int mvg_timefmt_parse_offset(const char *s, int *minutes)
{
    int off;
    if (!s || !minutes)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != 'Z' && *s != '+' && *s != '-')
        return -1;
    if (zone(&s, &off) != 0)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '\0' || off < MVG_TIMEFMT_OFFSET_MIN || off > MVG_TIMEFMT_OFFSET_MAX)
        return -1;
    *minutes = off;
    return 0;
}

int mvg_timefmt_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, se = 0, frac_ms = 0, frac_any = 0;
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
        digits(&s, 2, &d))
        return -1;
    if (*s == 'T' || *s == ' ') {
        const char *c = s + 1;
        /* a space may also end the date before trailing blanks */
        if (*s == 'T' || isdigit((unsigned char)*c)) {
            s = c;
            if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
                return -1;
            if (*s == ':') {
                s++;
                if (digits(&s, 2, &se))
                    return -1;
                if (*s == '.' || *s == ',') {
                    s++;
                    int n = 0;
                    for (; isdigit((unsigned char)*s); s++, n++) {
                        if (n < 3)
                            frac_ms = frac_ms * 10 + (*s - '0');
                        frac_any |= *s != '0';
                    }
                    if (n == 0)
                        return -1;
                    for (; n < 3; n++)
                        frac_ms *= 10;
                }
            }
        }
    }
    int off_min = 0;
    if (zone(&s, &off_min) != 0)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '\0')
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return -1;
    if (h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se || frac_any)))
        return -1;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                   se - (int64_t)off_min * 60;
    *ms = secs * 1000 + frac_ms;
    return 0;
}

void mvg_timefmt_to_civil(int64_t ms, mvg_timefmt_civil *c)
{
    /* floor division; ms - (DAY_MS - 1) would overflow at INT64_MIN */
    int64_t days = ms / DAY_MS, rem = ms % DAY_MS;
    if (rem < 0) {
        days--;
        rem += DAY_MS;
    }
    civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(rem / 3600000);
    c->minute = (int)(rem / 60000 % 60);
    c->second = (int)(rem / 1000 % 60);
    c->millisecond = (int)(rem % 1000);
}

char *mvg_timefmt_format(int64_t ms, unsigned flags, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    mvg_timefmt_civil c;
    mvg_timefmt_to_civil(ms, &c);
    if (flags & MVG_TIMEFMT_DATE) {
        snprintf(buf, len, "%04lld-%02d-%02d", (long long)c.year, c.month, c.day);
        return buf;
    }
    int n = snprintf(buf, len, "%04lld-%02d-%02d%c%02d:%02d", (long long)c.year, c.month, c.day,
                     flags & MVG_TIMEFMT_SPACE ? ' ' : 'T', c.hour, c.minute);
    unsigned precision = flags & 3u;
    if (n >= 0 && (size_t)n < len && precision >= MVG_TIMEFMT_SEC)
        n += snprintf(buf + n, len - (size_t)n, ":%02d", c.second);
    if (n >= 0 && (size_t)n < len && precision >= MVG_TIMEFMT_MS)
        n += snprintf(buf + n, len - (size_t)n, ".%03d", c.millisecond);
    if (n >= 0 && (size_t)n < len && (flags & MVG_TIMEFMT_Z))
        snprintf(buf + n, len - (size_t)n, "Z");
    return buf;
}
