/*
 * fuzz_report_axes.c: arbitrary doubles and times through the report's
 * number formatting (report_fmt.c) and axis computation (report_svg.c),
 * and a small chart of them: never a crash, an overflow (UBSan) or an
 * unterminated string; ticks, when computed, are inside their range and
 * in order. Linked against mvg_report, the CLI's report library.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"
#include "report_svg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double d[8] = {0};
    int64_t t[2] = {0};
    if (size < sizeof d + sizeof t + 2)
        return 0;
    memcpy(d, data, sizeof d);
    memcpy(t, data + sizeof d, sizeof t);
    int sig = data[sizeof d + sizeof t] % 20;
    int max_ticks = data[sizeof d + sizeof t + 1] % 20;
    char b[96];
    for (int i = 0; i < 8; i++) {
        mvg_report_fmt_num(d[i], sig, b, sizeof b);
        if (strlen(b) >= sizeof b)
            abort();
        mvg_report_fmt_pct(d[i], sig, b, sizeof b);
        mvg_svg_tick_label(d[i], d[(i + 1) % 8], i & 1, b, sizeof b);
        mvg_report_fmt_num(d[i], sig, b, 6); /* truncated, still terminated */
        if (strlen(b) >= 6)
            abort();
    }
    mvg_report_fmt_int((long long)t[0], b, sizeof b);
    mvg_report_fmt_time(t[0], 1, b, sizeof b);

    mvg_svg_ticks k;
    double lo = fmin(d[0], d[1]), hi = fmax(d[0], d[1]);
    if (mvg_svg_nice_ticks(lo, hi, max_ticks, &k) == 0) {
        if (k.n > MVG_SVG_MAX_TICKS || (k.n && (k.v[0] < k.lo - fabs(k.step) || k.v[k.n - 1] > k.hi + fabs(k.step))))
            abort();
        for (size_t i = 1; i < k.n; i++)
            if (!(k.v[i] > k.v[i - 1]) && isfinite(k.step) && k.step > 0 && isfinite(k.v[i]))
                abort();
    }
    int64_t step;
    int64_t a = t[0] < t[1] ? t[0] : t[1], z = t[0] < t[1] ? t[1] : t[0];
    if (mvg_svg_time_ticks(a, z, max_ticks, &step, &k) == 0)
        for (size_t i = 0; i < k.n; i++)
            if (k.v[i] < (double)a || k.v[i] > (double)z)
                abort();

    /* a small chart of the values over the times */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return 0;
    double xs[4] = {(double)a, (double)a + 1.0, d[2], d[3]};
    double ys[4] = {d[4], d[5], d[6], d[7]};
    /* spans from the times to the values: any order, NaN, huge */
    mvg_svg_series s[3] = {{"a<b", MVG_SVG_LINE, xs, ys, NULL, 4, "#000", 0},
                           {"band", MVG_SVG_BAND, xs, ys, ys, 4, "#111", 0},
                           {"gap", MVG_SVG_SPANS, xs, NULL, ys, 4, "#777", 0}};
    mvg_svg_chart c = {"x", "y", data[0] & 1, data[0] & 2, data[0] & 4, 1.0, "fuzz"};
    mvg_svg_write(f, &c, s, (data[0] & 8) ? 3 : 2);
    fclose(f);
    free(out);
    return 0;
}
