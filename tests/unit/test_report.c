/*
 * Unit tests of `mvgate report`'s pure parts: number formatting for
 * people (report_fmt.c), the charts' axis ticks and labels (report_svg.c),
 * and the completeness of the two languages' labels (report_i18n.c).
 * Linked against mvg_report, the CLI's report library.
 * Expected values are worked out by hand in the comments.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "convert.h"
#include "model.h"
#include "report_data.h"
#include "report_fmt.h"
#include "report_i18n.h"
#include "report_svg.h"

#define T0 1767580200000LL /* 2026-01-05T02:30:00Z */

static const char *num(double v, int sig)
{
    static char b[64];
    return mvg_report_fmt_num(v, sig, b, sizeof b);
}

static void test_fmt_num(void **state)
{
    (void)state;
    /* 84592.08 at 4 digits: 8459.2 tens -> 8459 tens, grouped */
    assert_string_equal(num(84592.084453304837, 4), "84,590");
    assert_string_equal(num(13.680226747585444, 4), "13.68");
    assert_string_equal(num(0.0067033111063168676, 4), "0.006703");
    assert_string_equal(num(114199.31401196154, 7), "114,199.3");
    assert_string_equal(num(-1234567.5, 7), "-1,234,568");
    assert_string_equal(num(1234.5, 2), "1,200");
    /* rounding carries into a new digit: 999.96 -> 1000.0 would show 5 digits */
    assert_string_equal(num(999.96, 4), "1,000");
    assert_string_equal(num(0.5, 3), "0.500");
    assert_string_equal(num(0.0, 4), "0");
    /* below 1e-3: mantissa x 10 to a superscript exponent (UTF-8) */
    assert_string_equal(num(4.9248816291307592e-5, 4), "4.925 \xc3\x97 10\xe2\x81\xbb\xe2\x81\xb5");
    assert_string_equal(num(-2.5e-12, 2), "-2.5 \xc3\x97 10\xe2\x81\xbb\xc2\xb9\xc2\xb2");
    /* 9.996e-4 at 3 digits rounds to 1.00e-3: printf's own exponent */
    assert_string_equal(num(9.996e-4, 3), "1.00 \xc3\x97 10\xe2\x81\xbb\xc2\xb3");
    assert_string_equal(num(NAN, 4), MVG_REPORT_FMT_NONE);
    assert_string_equal(num(INFINITY, 4), MVG_REPORT_FMT_NONE);

    char b[32];
    assert_string_equal(mvg_report_fmt_pct(0.21412415588679187, 3, b, sizeof b), "21.4 %");
    assert_string_equal(mvg_report_fmt_pct(0.9, 3, b, sizeof b), "90.0 %");
    assert_string_equal(mvg_report_fmt_pct(NAN, 3, b, sizeof b), MVG_REPORT_FMT_NONE);
    assert_string_equal(mvg_report_fmt_int(1234567, b, sizeof b), "1,234,567");
    assert_string_equal(mvg_report_fmt_int(-1000, b, sizeof b), "-1,000");
    assert_string_equal(mvg_report_fmt_int(999, b, sizeof b), "999");
    assert_string_equal(mvg_report_fmt_time(T0, 0, b, sizeof b), "2026-01-05 02:30");
    assert_string_equal(mvg_report_fmt_time(T0 + 61000, 1, b, sizeof b), "2026-01-05 02:31:01");
    /* a small buffer truncates, never overflows */
    char s[5];
    mvg_report_fmt_num(84592.0, 5, s, sizeof s);
    assert_int_equal(strlen(s), 4);
}

static void test_nice_ticks(void **state)
{
    (void)state;
    mvg_svg_ticks t;
    /* [0.3, 9.7], 6 ticks: step 1 needs 0..10 = 11 ticks, step 2 gives 0..10 = 6 */
    assert_int_equal(mvg_svg_nice_ticks(0.3, 9.7, 6, &t), 0);
    assert_true(t.step == 2.0 && t.lo == 0.0 && t.hi == 10.0);
    assert_int_equal(t.n, 6);
    assert_true(t.v[3] == 6.0);
    /* [3.37, 3.95], 7 ticks: 0.05 -> 13, 0.1 -> 3.3..4.0 = 8, 0.2 -> 3.2..4.0 = 5 */
    assert_int_equal(mvg_svg_nice_ticks(3.37, 3.95, 7, &t), 0);
    assert_true(fabs(t.step - 0.2) < 1e-12 && fabs(t.lo - 3.2) < 1e-12 && fabs(t.hi - 4.0) < 1e-12);
    assert_int_equal(t.n, 5);
    /* symmetric around zero: [-0.5, 0.5], 5 ticks -> step 0.5, a true 0 in the middle */
    assert_int_equal(mvg_svg_nice_ticks(-0.5, 0.5, 5, &t), 0);
    assert_int_equal(t.n, 3);
    assert_true(t.v[0] == -0.5 && t.v[1] == 0.0 && !signbit(t.v[1]) && t.v[2] == 0.5);
    /* large values: [0, 114199], 7 ticks -> 20000 steps to 120000 */
    assert_int_equal(mvg_svg_nice_ticks(0, 114199.3, 7, &t), 0);
    assert_true(t.step == 20000.0 && t.hi == 120000.0 && t.n == 7);
    /* a single value gets a range around it; zero gets [0, 1] */
    assert_int_equal(mvg_svg_nice_ticks(0, 0, 6, &t), 0);
    assert_true(t.lo == 0.0 && t.hi == 1.0);
    assert_int_equal(mvg_svg_nice_ticks(50, 50, 6, &t), 0);
    assert_true(t.lo <= 45.0 && t.hi >= 55.0 && t.n <= 6);
    /* every tick lies inside [lo, hi] and the data inside the ticks */
    assert_int_equal(mvg_svg_nice_ticks(-7.3, 123.9, 8, &t), 0);
    assert_true(t.lo <= -7.3 && t.hi >= 123.9 && t.n <= 8 && t.n >= 2);
    assert_int_equal(mvg_svg_nice_ticks(NAN, 1, 6, &t), -1);
    assert_int_equal(mvg_svg_nice_ticks(2, 1, 6, &t), -1);
}

static void test_time_ticks(void **state)
{
    (void)state;
    mvg_svg_ticks t;
    int64_t step;
    /* 02:30..03:55 (85 min), 8 ticks: 10 min -> 02:30..03:50 = 9, 15 min -> 6 */
    assert_int_equal(mvg_svg_time_ticks(T0, T0 + 85 * 60000LL, 8, &step, &t), 0);
    assert_int_equal(step, 900000);
    assert_int_equal(t.n, 6);
    assert_true(t.v[0] == (double)T0 && t.v[5] == (double)(T0 + 75 * 60000LL));
    /* 02:31..02:59: ticks are on whole multiples of the step, inside the range */
    assert_int_equal(mvg_svg_time_ticks(T0 + 60000, T0 + 29 * 60000LL, 8, &step, &t), 0);
    assert_int_equal(step, 300000);
    assert_true(t.v[0] == (double)(T0 + 5 * 60000LL) && t.n == 5);
    /* three days from midnight: 12 h steps, 7 ticks */
    int64_t mid = 1767571200000LL; /* 2026-01-05T00:00Z */
    assert_int_equal(mvg_svg_time_ticks(mid, mid + 3 * 86400000LL, 8, &step, &t), 0);
    assert_int_equal(step, 43200000);
    assert_int_equal(t.n, 7);
    char b[16];
    assert_string_equal(mvg_svg_time_label(T0, 900000, b, sizeof b), "02:30");
    assert_string_equal(mvg_svg_time_label(mid, 86400000LL, b, sizeof b), "01-05");
    assert_int_equal(mvg_svg_time_ticks(2, 1, 8, &step, &t), -1);
}

static void test_tick_labels(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(mvg_svg_tick_label(1.25, 0.25, 0, b, sizeof b), "1.25");
    assert_string_equal(mvg_svg_tick_label(3.4, 0.2, 0, b, sizeof b), "3.4");
    assert_string_equal(mvg_svg_tick_label(12500, 500, 0, b, sizeof b), "12,500");
    assert_string_equal(mvg_svg_tick_label(120000, 20000, 0, b, sizeof b), "120,000");
    assert_string_equal(mvg_svg_tick_label(0.4, 0.2, 1, b, sizeof b), "40 %");
    assert_string_equal(mvg_svg_tick_label(-1e-17, 0.1, 0, b, sizeof b), "0");
    assert_string_equal(mvg_svg_tick_label(-2.5, 0.5, 0, b, sizeof b), "-2.5");
}

static void test_svg_escape_and_chart(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    mvg_svg_escape(f, "<a & \"b\">");
    double x[3] = {(double)T0, (double)(T0 + 300000), (double)(T0 + 600000)};
    double y[3] = {1.0, NAN, 3.0};
    mvg_svg_series s = {"A&B", MVG_SVG_LINE, x, y, NULL, 3, "#000", 0};
    mvg_svg_chart c = {"Time", "kWh", 1, 1, 0, 0, "t<1>"};
    assert_int_equal(mvg_svg_write(f, &c, &s, 1), 0);
    double none[3] = {NAN, NAN, NAN};
    mvg_svg_series e = {"empty", MVG_SVG_LINE, x, none, NULL, 3, "#000", 0};
    long before = ftell(f);
    assert_int_equal(mvg_svg_write(f, &c, &e, 1), -1);
    assert_int_equal(ftell(f), before); /* nothing written for a chart without data */
    fclose(f);
    assert_true(strncmp(buf, "&lt;a &amp; &quot;b&quot;&gt;", 29) == 0);
    assert_non_null(strstr(buf, "<title>t&lt;1&gt;</title>"));
    assert_non_null(strstr(buf, ">A&amp;B</text>"));
    /* the NaN in the middle breaks the line: two separate moves, no L between */
    const char *d = strstr(buf, "stroke-width=\"1.6\" d=\"");
    assert_non_null(d);
    int moves = 0, lines = 0;
    for (const char *q = d + 22; *q && *q != '"'; q++) {
        moves += *q == 'M';
        lines += *q == 'L';
    }
    assert_int_equal(moves, 2);
    assert_int_equal(lines, 0);
    free(buf);
}

/* A span is a full-height shaded column over the plot (x 78..702, y
 * 14..234 of the 720 x 320 chart): over [1, 2] of an axis 0..4 it starts
 * at 78 + 1/4 x 624 = 234 and is 156 wide; it widens the x axis (a gap
 * after the last point: 0..4 from points at 0..2 and a span to 4) but
 * not the y axis, and it has a legend entry. */
static void test_svg_spans(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    double x[3] = {0.0, 1.0, 2.0}, y[3] = {1.0, 2.0, 3.0};
    double g0[1] = {1.0}, g1[1] = {4.0};
    mvg_svg_series s[2] = {{"line", MVG_SVG_LINE, x, y, NULL, 3, "#000", 0},
                           {"gap", MVG_SVG_SPANS, g0, NULL, g1, 1, "#777", 0}};
    mvg_svg_chart c = {"x", "y", 0, 0, 0, 0, "spans"};
    assert_int_equal(mvg_svg_write(f, &c, s, 2), 0);
    fclose(f);
    /* x axis 0..4 (ticks 0, 0.5, ... 4), the span from 1 to 4: x 234, width 468 */
    assert_non_null(strstr(buf, "<g fill=\"#777\" fill-opacity=\"0.18\"><rect x=\"234.0\" "
                                "y=\"14.0\" width=\"468.0\" height=\"220.0\"/></g>"));
    assert_non_null(strstr(buf, ">gap</text>"));
    /* the y axis is the line's 1..3 in steps of 0.5, not widened by the span */
    assert_non_null(strstr(buf, "text-anchor=\"end\">1.0</text>"));
    assert_non_null(strstr(buf, "text-anchor=\"end\">3.0</text>"));
    assert_null(strstr(buf, "text-anchor=\"end\">0.5</text>"));
    assert_null(strstr(buf, "text-anchor=\"end\">3.5</text>"));
    free(buf);
}

/* A year of 15-minute points is reduced to a few per pixel column, and the
 * drawn envelope still reaches the data's extremes. */
static void test_svg_decimation(void **state)
{
    (void)state;
    const size_t n = 35040;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)T0 + (double)i * 900000.0;
        y[i] = 10.0 + 5.0 * sin((double)i * 0.37) + (i == 20000 ? 40.0 : 0.0); /* one spike */
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mvg_svg_series s[2] = {{"y", MVG_SVG_LINE, x, y, NULL, n, "#000", 0},
                           {"dots", MVG_SVG_POINTS, y, y, NULL, n, "#111", 0}};
    mvg_svg_chart c = {"Time", "kWh", 1, 0, 0, 0, "year"};
    assert_int_equal(mvg_svg_write(f, &c, s, 1), 0);
    fclose(f);
    const char *d = strstr(buf, "stroke-width=\"1.6\" d=\""); /* the data line, not the axes */
    assert_non_null(d);
    d += 18;
    size_t vertices = 0;
    double ymin = INFINITY;
    for (const char *q = d + 4; *q && *q != '"'; q++)
        if (*q == 'M' || *q == 'L') {
            vertices++;
            double vx, vy;
            assert_int_equal(sscanf(q + 1, "%lf %lf", &vx, &vy), 2);
            ymin = fmin(ymin, vy); /* the spike is the smallest SVG y */
        }
    /* about 624 columns wide, at most 4 vertices each */
    assert_true(vertices > 600 && vertices <= 4 * 630);
    /* the spike survives: plot area y 14..234 over the axis range */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    mvg_svg_ticks yt;
    mvg_svg_nice_ticks(lo, hi, 7, &yt);
    assert_true(hi == y[20000]);
    assert_true(fabs(ymin - (14.0 + (yt.hi - hi) / (yt.hi - yt.lo) * 220.0)) < 0.051);
    free(buf);

    /* scatter: one dot per pixel */
    buf = NULL;
    f = open_memstream(&buf, &len);
    for (size_t i = 0; i < n; i++)
        y[i] = i % 2 ? 1.0 : 2.0;
    mvg_svg_chart sc = {"x", "y", 0, 0, 0, 0, "dots"};
    assert_int_equal(mvg_svg_write(f, &sc, &s[1], 1), 0);
    fclose(f);
    size_t dots = 0;
    for (const char *q = buf; (q = strstr(q, "<circle")); q++)
        dots++;
    assert_int_equal(dots, 2 + 1); /* two distinct points, and the legend's dot */
    free(buf);
    free(x);
    free(y);
}

static int placeholders(const char *s)
{
    int set = 0;
    for (; *s; s++)
        if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}')
            set |= 1 << (s[1] - '0');
    return set;
}

static void test_i18n_complete(void **state)
{
    (void)state;
    for (int k = 0; k < MVG_T_COUNT; k++) {
        const char *en = mvg_i18n_raw(MVG_LANG_EN, (mvg_text)k);
        const char *zh = mvg_i18n_raw(MVG_LANG_ZH_HANT, (mvg_text)k);
        if (!en || !*en || !zh || !*zh)
            fail_msg("label %d lacks %s", k, !en || !*en ? "English" : "Traditional Chinese");
        /* the Chinese text is Chinese, not a copy of the English */
        int non_ascii = 0;
        for (const unsigned char *p = (const unsigned char *)zh; *p; p++)
            non_ascii |= *p >= 0x80;
        if (!non_ascii)
            fail_msg("label %d: zh-Hant text '%s' has no Chinese", k, zh);
        if (placeholders(en) != placeholders(zh))
            fail_msg("label %d: placeholders differ between en and zh-Hant", k);
    }
    assert_null(mvg_i18n_raw(MVG_LANG_EN, MVG_T_COUNT));
    assert_string_equal(mvg_i18n(MVG_LANG_ZH_HANT, MVG_T_SEC_BASELINE), "基準期");
    assert_string_equal(mvg_i18n(MVG_LANG_ZH_HANT, MVG_T_SEC_REPORTING), "報告期");
    mvg_lang l;
    assert_int_equal(mvg_lang_parse("zh-Hant", &l), 0);
    assert_int_equal(l, MVG_LANG_ZH_HANT);
    assert_string_equal(mvg_lang_tag(l), "zh-Hant");
    assert_int_equal(mvg_lang_parse("fr", &l), -1);
}

/* ---- docs/glossary.md against the table ---- */

#define GLOSS_MAX 64

struct gloss {
    char en[96], zh[96], avoid[256];
};

/* One cell of a markdown table row, trimmed; *p moves past its '|'. */
static void cell(const char **p, char *out, size_t len)
{
    const char *s = *p, *e = strchr(s, '|');
    if (!e)
        e = s + strlen(s);
    while (s < e && *s == ' ')
        s++;
    const char *t = e;
    while (t > s && t[-1] == ' ')
        t--;
    snprintf(out, len, "%.*s", (int)(t - s), s);
    *p = *e ? e + 1 : e;
}

/* The rows of the glossary table, "not used" terms of its closing line
 * added to avoid_all, the "Kept in English" words to kept. */
static size_t read_glossary(struct gloss *g, char *avoid_all, size_t alen, char *kept,
                            size_t klen)
{
    FILE *f = fopen(MVG_SOURCE_DIR "/docs/glossary.md", "r");
    if (!f)
        fail_msg("cannot open docs/glossary.md");
    char line[1024];
    size_t n = 0;
    int in_table = 0;
    *avoid_all = *kept = '\0';
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "| English | zh-Hant |", 21) == 0) {
            in_table = 1;
            continue;
        }
        if (in_table && strncmp(line, "| ---", 5) == 0)
            continue;
        if (in_table && line[0] == '|' && n < GLOSS_MAX) {
            const char *p = line + 1;
            char src[256];
            cell(&p, g[n].en, sizeof g[n].en);
            cell(&p, g[n].zh, sizeof g[n].zh);
            cell(&p, g[n].avoid, sizeof g[n].avoid);
            cell(&p, src, sizeof src);
            if (!*g[n].en || !*g[n].zh || !*src)
                fail_msg("docs/glossary.md: row '%s' lacks a cell", line);
            n++;
            continue;
        }
        in_table = 0;
        if (strncmp(line, "Not used anywhere", 17) == 0 && strchr(line, ':'))
            snprintf(avoid_all, alen, "%s", strchr(line, ':') + 1);
        if (strncmp(line, "Kept in English:", 16) == 0)
            snprintf(kept, klen, " %s,", line + 16);
    }
    fclose(f);
    return n;
}

/* word as a whole word of s, ignoring ASCII case */
static int has_word(const char *s, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, word, wl) != 0)
            continue;
        int before = p > s && isalnum((unsigned char)p[-1]);
        int after = isalnum((unsigned char)p[wl]);
        if (!before && !after)
            return 1;
    }
    return 0;
}

/* Any term of a list ("a、b" or "a, b") that s holds, or NULL. */
static const char *holds_any(const char *s, const char *list, char *term, size_t len)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = 0;
        while (p[n] && p[n] != ',' && strncmp(p + n, "\xe3\x80\x81", 3) != 0)
            n++;
        snprintf(term, len, "%.*s", (int)n, p);
        while (*term && term[strlen(term) - 1] == ' ')
            term[strlen(term) - 1] = '\0';
        if (*term && strstr(s, term))
            return term;
        p += n;
        if (strncmp(p, "\xe3\x80\x81", 3) == 0)
            p += 3;
    }
    return NULL;
}

/* 1 when the UTF-8 sequence at p (or ending just before end) is CJK: the
 * ideographs and the CJK and full-width punctuation blocks, all 3 bytes. */
static int cjk_at(const unsigned char *p)
{
    if ((p[0] & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
        return 0;
    unsigned cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    return (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0x3400 && cp <= 0x9fff) ||
           (cp >= 0xff00 && cp <= 0xffef);
}

static void test_i18n_glossary(void **state)
{
    (void)state;
    struct gloss g[GLOSS_MAX];
    char avoid_all[512], kept[1024], term[128];
    size_t n = read_glossary(g, avoid_all, sizeof avoid_all, kept, sizeof kept);
    assert_true(n >= 15);
    assert_true(*avoid_all && *kept);
    for (int k = 0; k < MVG_T_COUNT; k++) {
        const char *en = mvg_i18n_raw(MVG_LANG_EN, (mvg_text)k);
        const char *zh = mvg_i18n_raw(MVG_LANG_ZH_HANT, (mvg_text)k);
        for (size_t i = 0; i < n; i++) {
            if (has_word(en, g[i].en) && !strstr(zh, g[i].zh))
                fail_msg("label %d: '%s' says '%s' but its Chinese lacks %s: '%s'", k, en,
                         g[i].en, g[i].zh, zh);
            if (holds_any(zh, g[i].avoid, term, sizeof term))
                fail_msg("label %d: '%s' uses %s (the glossary writes %s)", k, zh, term,
                         g[i].zh);
        }
        if (holds_any(zh, avoid_all, term, sizeof term))
            fail_msg("label %d: '%s' uses %s, which the glossary does not use", k, zh, term);
        const unsigned char *z = (const unsigned char *)zh;
        size_t len = strlen(zh);
        for (size_t i = 0; i < len; i++) {
            if (strchr(":;,()!?", z[i]) && z[i] &&
                ((i >= 3 && cjk_at(z + i - 3)) || (i + 3 < len + 1 && cjk_at(z + i + 1))))
                fail_msg("label %d: half-width '%c' beside Chinese in '%s'", k, z[i], zh);
            if (isalpha(z[i]) && (i == 0 || !isalnum(z[i - 1]))) {
                size_t j = i;
                while (isalnum(z[j]))
                    j++;
                char w[64];
                snprintf(w, sizeof w, " %.*s,", (int)(j - i), zh + i);
                /* single letters are symbols of the formulas (t, n, p, a, F) */
                if (j - i > 1 && !strstr(kept, w))
                    fail_msg("label %d: English word '%.*s' left in '%s'", k, (int)(j - i),
                             zh + i, zh);
                i = j;
            }
        }
    }
}

/* The engine's own reasons (a 3PC fit on too little coverage, with a
 * sparse segment) come out in Chinese; English and other shapes as is. */
static void test_i18n_reasons(void **state)
{
    (void)state;
    double xs[40], ys[40];
    for (int i = 0; i < 40; i++) {
        xs[i] = i < 36 ? 10.0 + i * 0.25 : 30.0 + i; /* 4 points above the change point */
        ys[i] = 5.0 + (xs[i] > 25.0 ? 0.8 * (xs[i] - 25.0) : 0.0) + 0.05 * ((i * 7) % 5);
    }
    const double *x[1] = {xs};
    mvg_model_criteria crit;
    mvg_model_criteria_default(&crit);
    mvg_model m;
    char err[256], buf[256];
    assert_int_equal(mvg_model_fit(MVG_MODEL_3PC, ys, x, 1, 40, 0.5, &crit, &m, err, sizeof err), 0);
    assert_false(m.pass);
    int coverage = 0, segment = 0;
    for (size_t k = 0; k < m.nreasons; k++) {
        const char *zh = mvg_i18n_reason(MVG_LANG_ZH_HANT, m.reasons[k], buf, sizeof buf);
        assert_ptr_equal(mvg_i18n_reason(MVG_LANG_EN, m.reasons[k], buf, sizeof buf), m.reasons[k]);
        if (strncmp(m.reasons[k], "coverage ", 9) == 0) {
            coverage = 1;
            assert_non_null(strstr(zh, "數據覆蓋率 0.500 < 0.90"));
        } else if (strncmp(m.reasons[k], "segment ", 8) == 0) {
            segment = 1;
            assert_non_null(strstr(zh, "個數據點，少於 10 個"));
            assert_null(strstr(zh, "segment"));
        }
    }
    assert_true(coverage && segment);
    const char *other = "CV(RMSE) 0.400 > 0.30";
    assert_ptr_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, other, buf, sizeof buf), other);
    /* a reason that only starts like a known one stays as it is */
    const char *longer = "coverage 0.5 < 0.9 of the baseline";
    assert_ptr_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, longer, buf, sizeof buf), longer);

    /* an auto fit's reasons for the forms it did not take (the report's
     * candidates table): use falling with x disqualifies the heating and
     * cooling slopes; without x the x-forms are not fitted */
    for (int i = 0; i < 40; i++)
        ys[i] = 50.0 - 0.5 * xs[i] + 0.05 * ((i * 7) % 5);
    /* room for both fits' candidates: the no-x fit's follow the first's */
    mvg_model_candidate c[2 * MVG_MODEL_MAX_CANDIDATES];
    size_t nc = 0, nc0 = 0, slopes = 0, untried = 0;
    assert_int_equal(mvg_model_fit_auto(ys, x, 1, 40, 1.0, &crit, &m, c, &nc, err, sizeof err), 0);
    mvg_model_fit_auto(ys, NULL, 0, 40, 1.0, &crit, &m, c + nc, &nc0, err, sizeof err);
    for (size_t k = 0; k < nc + nc0; k++) {
        if (!c[k].why[0])
            continue;
        const char *zh = mvg_i18n_reason(MVG_LANG_ZH_HANT, c[k].why, buf, sizeof buf);
        if (strstr(c[k].why, "slope")) {
            slopes++;
            assert_null(strstr(zh, "slope"));
            assert_true(strstr(zh, "供暖斜率") || strstr(zh, "製冷斜率"));
        }
        if (strstr(c[k].why, " x")) {
            untried++;
            assert_non_null(strstr(zh, "自變數"));
        }
    }
    assert_true(slopes >= 2);
    assert_true(untried >= 1);
    const char *ns = "heating slope b1 not significant (t 1.20 < 1.30, p >= 0.10)";
    assert_string_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, ns, buf, sizeof buf),
                        "供暖斜率 b1 不顯著（t 1.20 < 1.30，p ≥ 0.10）");
    const char *neg = "cooling slope b2 -0.5 <= 0: use does not rise as x rises";
    assert_string_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, neg, buf, sizeof buf),
                        "製冷斜率 b2 = -0.5 ≤ 0：用量並未隨自變數上升而上升");
    assert_string_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, "change-point forms need exactly one x, 2 given",
                                        buf, sizeof buf),
                        "轉折點模型須有剛好一個自變數（現有 2 個）");
    assert_string_equal(mvg_i18n_reason(MVG_LANG_ZH_HANT, "change-point forms need at least one x",
                                        buf, sizeof buf),
                        "轉折點模型需要至少一個自變數");
}

/* The unit of each coefficient: the stream's unit per model row for an
 * intercept, per unit of a counter's amount, per row and unit of a
 * gauge's level, the variable's unit for a change point. */
static void test_coef_units(void **state)
{
    (void)state;
    mvg_project_cfg prj;
    memset(&prj, 0, sizeof prj);
    prj.interval_min = 15;
    mvg_stream_cfg sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.factors.unit, sizeof sc.factors.unit, "kWh");
    mvg_report r;
    memset(&r, 0, sizeof r);
    r.prj = &prj;
    mvg_report_stream *s = &r.streams[0];
    s->cfg = &sc;
    s->model.type = MVG_MODEL_LINEAR;
    s->model.granularity = MVG_GRAN_HOURLY;
    s->model.nx = 2;
    s->model.ncoef = 3;
    snprintf(s->xunit[0], sizeof s->xunit[0], "m3");
    snprintf(s->xunit[1], sizeof s->xunit[1], "degC");
    s->xgauge[1] = 1;
    char u[96];
    mvg_report_coef_unit(&r, s, 0, u, sizeof u);
    assert_string_equal(u, "kWh/(15 min)");
    mvg_report_coef_unit(&r, s, 1, u, sizeof u);
    assert_string_equal(u, "kWh/m3");
    mvg_report_coef_unit(&r, s, 2, u, sizeof u);
    assert_string_equal(u, "kWh/(15 min\xc2\xb7" "degC)");
    mvg_report_coef_unit(&r, s, 3, u, sizeof u); /* past the coefficients */
    assert_string_equal(u, "");
    /* daily rows: per day; a heating change point in the variable's unit */
    s->model.type = MVG_MODEL_3PH;
    s->model.granularity = MVG_GRAN_DAILY;
    s->model.nx = 1;
    s->model.ncoef = 2;
    s->model.ncp = 1;
    snprintf(s->xunit[0], sizeof s->xunit[0], "degC");
    s->xgauge[0] = 1;
    mvg_report_coef_unit(&r, s, 0, u, sizeof u);
    assert_string_equal(u, "kWh/d");
    mvg_report_coef_unit(&r, s, 1, u, sizeof u);
    assert_string_equal(u, "kWh/(d\xc2\xb7" "degC)");
    mvg_report_coef_unit(&r, s, 2, u, sizeof u);
    assert_string_equal(u, "degC");
    /* a 3PC with a further x (a load in t per row): b2 is per t, the
     * change point after it in the temperature's unit */
    s->model.type = MVG_MODEL_3PC;
    s->model.nx = 2;
    s->model.ncoef = 3;
    snprintf(s->xunit[1], sizeof s->xunit[1], "t");
    s->xgauge[1] = 0;
    mvg_report_coef_unit(&r, s, 1, u, sizeof u);
    assert_string_equal(u, "kWh/(d\xc2\xb7" "degC)");
    mvg_report_coef_unit(&r, s, 2, u, sizeof u);
    assert_string_equal(u, "kWh/t");
    mvg_report_coef_unit(&r, s, 3, u, sizeof u);
    assert_string_equal(u, "degC");
    char names[MVG_MODEL_MAX_COEF + 2][24];
    assert_int_equal(mvg_report_coef_names(&s->model, names, MVG_MODEL_MAX_COEF + 2), 4);
    assert_string_equal(names[2], "b2");
    assert_string_equal(names[3], "c");
    s->model.nx = 1;
    /* intensity: its one coefficient is the slope; degree days per day */
    s->model.type = MVG_MODEL_INTENSITY;
    s->model.ncoef = 1;
    s->model.ncp = 0;
    s->xgauge[0] = 0;
    snprintf(s->xunit[0], sizeof s->xunit[0], "t");
    mvg_report_coef_unit(&r, s, 0, u, sizeof u);
    assert_string_equal(u, "kWh/t");
    s->model.type = MVG_MODEL_HDD;
    s->model.ncoef = 2;
    s->model.ncp = 1;
    snprintf(s->xunit[0], sizeof s->xunit[0], "degC");
    mvg_report_coef_unit(&r, s, 1, u, sizeof u);
    assert_string_equal(u, "kWh/(degC\xc2\xb7" "d)");
    s->model.type = MVG_MODEL_TOWT;
    mvg_report_coef_unit(&r, s, 0, u, sizeof u);
    assert_string_equal(u, "");
}

/* Every source the engine gives a built-in factor has its Chinese: each
 * stream type's defaults (and steam, gas at 20 degC, each fuel) walked
 * through mvg_convert_factors_used, the sources looked up. */
static void test_i18n_sources(void **state)
{
    (void)state;
    static const struct {
        mvg_stream_type type;
        mvg_fuel fuel;
        const char *unit;
        int ref20;
    } cases[] = {
        {MVG_STREAM_ELECTRICITY, MVG_FUEL_NATURAL_GAS, "kWh", 0},
        {MVG_STREAM_HEAT, MVG_FUEL_NATURAL_GAS, "kWh", 0},
        {MVG_STREAM_HEAT, MVG_FUEL_NATURAL_GAS, "t", 0},
        {MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", 0},
        {MVG_STREAM_FUEL, MVG_FUEL_NATURAL_GAS, "Nm3", 1},
        {MVG_STREAM_FUEL, MVG_FUEL_DIESEL, "L", 0},
        {MVG_STREAM_FUEL, MVG_FUEL_LPG, "kg", 0},
        {MVG_STREAM_NOX, MVG_FUEL_NATURAL_GAS, "kg", 0},
        {MVG_STREAM_WATER, MVG_FUEL_NATURAL_GAS, "m3", 0},
        {MVG_STREAM_COST, MVG_FUEL_NATURAL_GAS, "HK$", 0},
    };
    size_t seen = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mvg_conv_factors f;
        char err[160];
        assert_int_equal(mvg_convert_defaults(cases[i].type, cases[i].fuel, cases[i].unit, &f, err,
                                              sizeof err),
                         0);
        if (cases[i].ref20)
            assert_int_equal(mvg_convert_volume_ref(&f, 20, err, sizeof err), 0);
        mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
        size_t n = mvg_convert_factors_used(&f, u);
        for (size_t k = 0; k < n; k++) {
            if (!u[k].source)
                continue;
            seen++;
            assert_ptr_equal(mvg_i18n_source(MVG_LANG_EN, u[k].source), u[k].source);
            const char *zh = mvg_i18n_source(MVG_LANG_ZH_HANT, u[k].source);
            if (zh == u[k].source)
                fail_msg("%s of %s: no Chinese for the source '%s'", u[k].name, cases[i].unit,
                         u[k].source);
        }
    }
    assert_true(seen >= 20);
    /* and the thresholds' source of each granularity */
    for (int g = MVG_GRAN_HOURLY; g <= MVG_GRAN_MONTHLY; g++) {
        mvg_model_criteria c;
        mvg_model_criteria_for((mvg_granularity)g, &c);
        const char *src = mvg_model_criteria_source(&c);
        assert_non_null(src);
        if (mvg_i18n_source(MVG_LANG_ZH_HANT, src) == src)
            fail_msg("no Chinese for the thresholds' source '%s'", src);
    }
    /* a configured source (a grid table entry's publication) stays as it is */
    const char *pub = "CLP Power Hong Kong, Sustainability Report 2024";
    assert_ptr_equal(mvg_i18n_source(MVG_LANG_ZH_HANT, pub), pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_num),     cmocka_unit_test(test_nice_ticks),
        cmocka_unit_test(test_time_ticks),  cmocka_unit_test(test_tick_labels),
        cmocka_unit_test(test_svg_escape_and_chart), cmocka_unit_test(test_svg_decimation), cmocka_unit_test(test_svg_spans),
        cmocka_unit_test(test_i18n_complete), cmocka_unit_test(test_i18n_glossary),
        cmocka_unit_test(test_i18n_reasons), cmocka_unit_test(test_coef_units),
        cmocka_unit_test(test_i18n_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
