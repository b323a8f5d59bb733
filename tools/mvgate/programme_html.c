/*
 * programme_html.c: `mvgate programme --format html` (programme_out.h):
 * one self-contained page on the report's style, words and charts
 * (report_out.h's page opening, report_i18n.h, report_svg.h, report_fmt.h):
 * the totals with their uncertainty and the annualised figures, the
 * savings by month, by technology, and every project's verification and
 * figures. Each figure's canonical cell carries its exact value (data-k,
 * data-v), the same keys as the CSV, as the report's cells do.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "programme_out.h"
#include "report_fmt.h"
#include "report_out.h"
#include "report_svg.h"
#include "timefmt.h"

typedef struct {
    const mvg_programme *p;
    mvg_lang lang;
    FILE *out;
} page;

static const char *T(const page *g, mvg_text k) { return mvg_i18n(g->lang, k); }
static void esc(const page *g, const char *s) { mvg_svg_escape(g->out, s); }

static void th(const page *g, const char *s)
{
    fputs("<th>", g->out);
    esc(g, s);
    fputs("</th>", g->out);
}

static void td(const page *g, const char *s)
{
    fputs("<td>", g->out);
    esc(g, s);
    fputs("</td>", g->out);
}

/* A figure's cell: the number for people, its exact value for machines. */
/* A short cell that must not wrap (a CJK word broken per character reads badly). */
static void td_nw(const page *g, const char *s)
{
    fputs("<td class=\"nw\">", g->out);
    esc(g, s);
    fputs("</td>", g->out);
}

static void td_num(const page *g, const char *key, double v)
{
    char b[64];
    fputs("<td class=\"n\"", g->out);
    if (key) {
        fputs(" data-k=\"", g->out);
        esc(g, key);
        if (isfinite(v))
            fprintf(g->out, "\" data-v=\"%.17g\">", v);
        else
            fputs("\" data-v=\"null\">", g->out);
    } else {
        fputc('>', g->out);
    }
    esc(g, mvg_report_fmt_num(v, 4, b, sizeof b));
    fputs("</td>", g->out);
}

static void td_int(const page *g, long long v)
{
    char b[32];
    fputs("<td class=\"n\">", g->out);
    esc(g, mvg_report_fmt_int(v, b, sizeof b));
    fputs("</td>", g->out);
}

static void section(const page *g, const char *id, mvg_text title, int first)
{
    fprintf(g->out, "<section%s id=\"%s\"><h2>", first ? " class=\"first\"" : "", id);
    esc(g, T(g, title));
    fputs("</h2>\n", g->out);
}

static const mvg_text unit_label[MVG_PU_COUNT] = {MVG_T_ENERGY_TJ, MVG_T_CO2,    MVG_T_PRG_VOC,
                                                  MVG_T_PRG_SO2,   MVG_T_PRG_NOX, MVG_T_PRG_WASTEWATER,
                                                  MVG_T_PRG_COST};

/* "2025-04-01 00:00" of a time in Hong Kong time */
static char *hkt(int64_t ms, char *b, size_t len)
{
    return mvg_timefmt_format(ms + MVG_PRG_TZ_MS, MVG_TIMEFMT_MIN | MVG_TIMEFMT_SPACE, b, len);
}

static void header(const page *g)
{
    const mvg_programme *p = g->p;
    char a[40], b[40];
    fputs("<section class=\"first\" id=\"summary\"><h1>", g->out);
    esc(g, T(g, MVG_T_PRG_TITLE));
    fputs("</h1>\n<table class=\"kv\">", g->out);
    if (p->year[0]) {
        fputs("<tr>", g->out);
        th(g, T(g, MVG_T_PRG_YEAR));
        td(g, p->year);
        fputs("</tr>", g->out);
    }
    fputs("<tr>", g->out);
    th(g, T(g, MVG_T_WINDOW));
    if (p->from_ms == INT64_MIN && p->to_ms == INT64_MAX) {
        td(g, T(g, MVG_T_WHOLE_RECORD));
    } else {
        char w[100];
        snprintf(w, sizeof w, "%s \xe2\x80\x93 %s HKT",
                 p->from_ms == INT64_MIN ? "" : hkt(p->from_ms, a, sizeof a),
                 p->to_ms == INT64_MAX ? "" : hkt(p->to_ms, b, sizeof b));
        td(g, w);
    }
    fputs("</tr><tr>", g->out);
    th(g, T(g, MVG_T_GENERATED));
    snprintf(b, sizeof b, "%s HKT", hkt(p->generated_ms, a, sizeof a));
    td(g, b);
    fputs("</tr><tr>", g->out);
    th(g, T(g, MVG_T_CONFIDENCE));
    mvg_report_fmt_pct(p->confidence, 3, a, sizeof a);
    td(g, a);
    fputs("</tr></table>\n<p>", g->out);
    esc(g, T(g, MVG_T_PRG_TIMES_HKT));
    fputs("</p>\n", g->out);
    int good = p->n_bad == 0 && p->unread == 0;
    fprintf(g->out, "<div class=\"%s\">", good ? "ok" : "bad");
    esc(g, T(g, good ? MVG_T_PRG_ALL_GOOD : MVG_T_PRG_NOT_GOOD));
    fputs("</div>\n", g->out);
    if (p->n_alarmed) {
        char n[32];
        fputs("<div class=\"note\">", g->out);
        esc(g, T(g, MVG_T_PRG_PROJECTS_ALARMED));
        fprintf(g->out, ": %s</div>\n", mvg_report_fmt_int((long long)p->n_alarmed, n, sizeof n));
    }

    /* the totals: measured, its interval, annualised */
    fputs("<h3>", g->out);
    esc(g, T(g, MVG_T_PRG_SEC_TOTALS));
    fputs("</h3>\n<table><thead><tr>", g->out);
    th(g, T(g, MVG_T_QUANTITY));
    th(g, T(g, MVG_T_UNIT));
    th(g, T(g, MVG_T_PRG_MEASURED));
    th(g, T(g, MVG_T_PRG_UNCERTAINTY));
    th(g, T(g, MVG_T_PRG_ANNUAL));
    fputs("</tr></thead><tbody>\n", g->out);
    for (int k = 0; k < MVG_PU_COUNT; k++) {
        char key[64];
        fputs("<tr>", g->out);
        td(g, T(g, unit_label[k]));
        td(g, mvg_prg_unit_name[k]);
        snprintf(key, sizeof key, "totals.measured.%s", mvg_prg_unit_key[k]);
        td_num(g, key, p->measured[k]);
        snprintf(key, sizeof key, "totals.uncertainty.%s", mvg_prg_unit_key[k]);
        td_num(g, key, p->half[k]);
        snprintf(key, sizeof key, "totals.annual.%s", mvg_prg_unit_key[k]);
        td_num(g, key, p->annual[k]);
        fputs("</tr>\n", g->out);
    }
    fputs("</tbody></table>\n<table class=\"kv\">", g->out);
    const struct {
        mvg_text k;
        long long v;
    } counts[] = {{MVG_T_PRG_PROJECTS_N, (long long)p->nprojects},
                  {MVG_T_PRG_PROJECTS_MEASURED, (long long)p->n_measured},
                  {MVG_T_PRG_PROJECTS_NO_UNC, (long long)p->n_half_missing},
                  {MVG_T_PRG_PROJECTS_ANNUAL, (long long)p->n_annual},
                  {MVG_T_PRG_PROJECTS_BAD, (long long)p->n_bad},
                  {MVG_T_PRG_PROJECTS_ALARMED, (long long)p->n_alarmed},
                  {MVG_T_RECORDS, (long long)p->records},
                  {MVG_T_PRG_UNREAD, (long long)p->unread}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        fputs("<tr>", g->out);
        th(g, T(g, counts[i].k));
        td_int(g, counts[i].v);
        fputs("</tr>", g->out);
    }
    fputs("</table>\n</section>\n", g->out);
}

/* One bar chart of a unit per month. */
static int month_chart(const page *g, mvg_prg_unit u, const char *color)
{
    const mvg_programme *p = g->p;
    double *x = malloc((p->nmonths + 1) * sizeof *x), *y = malloc((p->nmonths + 1) * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return -1;
    }
    for (size_t i = 0; i < p->nmonths; i++) {
        x[i] = (double)p->months[i].start_ms + 15.0 * 86400000.0; /* mid-month */
        y[i] = p->months[i].measured[u];
    }
    char yl[80], cap[200];
    snprintf(yl, sizeof yl, "%s [%s]", T(g, unit_label[u]), mvg_prg_unit_name[u]);
    snprintf(cap, sizeof cap, "%s \xe2\x80\x94 %s", T(g, MVG_T_PRG_CHART_MONTHS), yl);
    mvg_svg_series s = {T(g, MVG_T_PRG_MEASURED), MVG_SVG_BARS, x, y, NULL, p->nmonths, color, 0};
    mvg_svg_chart ch = {T(g, MVG_T_PRG_MONTH_AXIS), yl, 1, 1, 0, 86400000.0 * 22, cap};
    mvg_svg_figure(g->out, cap, T(g, MVG_T_NO_DATA), &ch, &s, 1);
    free(x);
    free(y);
    return 0;
}

/* The cumulative measured CO2 savings, month by month. */
static int cumulative_chart(const page *g)
{
    const mvg_programme *p = g->p;
    double *x = malloc((p->nmonths + 1) * sizeof *x), *y = malloc((p->nmonths + 1) * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return -1;
    }
    double run = 0.0;
    for (size_t i = 0; i < p->nmonths; i++) {
        run += p->months[i].measured[MVG_PU_CO2_T];
        x[i] = (double)(i + 1 < p->nmonths ? p->months[i + 1].start_ms
                                           : p->months[i].start_ms + 30 * 86400000LL);
        y[i] = run;
    }
    char yl[80], cap[200];
    snprintf(yl, sizeof yl, "%s [%s]", T(g, MVG_T_CO2), mvg_prg_unit_name[MVG_PU_CO2_T]);
    snprintf(cap, sizeof cap, "%s \xe2\x80\x94 %s", T(g, MVG_T_PRG_CHART_CUM), yl);
    mvg_svg_series s = {T(g, MVG_T_PRG_MEASURED), MVG_SVG_LINE, x, y, NULL, p->nmonths, "#2a7d2a", 0};
    mvg_svg_chart ch = {T(g, MVG_T_PRG_MONTH_AXIS), yl, 1, 1, 0, 0, cap};
    mvg_svg_figure(g->out, cap, T(g, MVG_T_NO_DATA), &ch, &s, 1);
    free(x);
    free(y);
    return 0;
}

static int months(const page *g)
{
    section(g, "months", MVG_T_PRG_SEC_MONTHS, 0);
    if (month_chart(g, MVG_PU_TJ, "#1f5fa8") != 0 || month_chart(g, MVG_PU_HKD, "#c0392b") != 0 ||
        cumulative_chart(g) != 0)
        return -1;
    fputs("</section>\n", g->out);
    return 0;
}

/* Sums by technology (the definition's word), in order of first appearance. */
static int technologies(const page *g)
{
    const mvg_programme *p = g->p;
    size_t n = 0;
    const char **tech = calloc(p->nprojects + 1, sizeof *tech);
    double(*sum)[MVG_PU_COUNT] = calloc(p->nprojects + 1, sizeof *sum);
    size_t *count = calloc(p->nprojects + 1, sizeof *count);
    if (!tech || !sum || !count) {
        free(tech);
        free(sum);
        free(count);
        return -1;
    }
    for (size_t i = 0; i < p->nprojects; i++) {
        const mvg_prg_project *x = &p->projects[i];
        const char *t = x->technology[0] ? x->technology : "-";
        size_t j = 0;
        while (j < n && strcmp(tech[j], t) != 0)
            j++;
        if (j == n)
            tech[n++] = t;
        count[j]++;
        for (int k = 0; k < MVG_PU_COUNT; k++)
            sum[j][k] += x->measured[k];
    }
    section(g, "technologies", MVG_T_PRG_SEC_TECH, 0);
    fputs("<table style=\"font-size:8.5pt\"><thead><tr>", g->out);
    th(g, T(g, MVG_T_TECHNOLOGY));
    th(g, T(g, MVG_T_PRG_PROJECTS_N));
    for (int k = 0; k < MVG_PU_COUNT; k++) {
        char h[80];
        snprintf(h, sizeof h, "%s [%s]", T(g, unit_label[k]), mvg_prg_unit_name[k]);
        th(g, h);
    }
    fputs("</tr></thead><tbody>\n", g->out);
    for (size_t j = 0; j < n; j++) {
        fputs("<tr>", g->out);
        td(g, tech[j]);
        td_int(g, (long long)count[j]);
        for (int k = 0; k < MVG_PU_COUNT; k++)
            td_num(g, NULL, sum[j][k]);
        fputs("</tr>\n", g->out);
    }
    fputs("</tbody></table>\n</section>\n", g->out);
    free(tech);
    free(sum);
    free(count);
    return 0;
}

static void projects(const page *g)
{
    const mvg_programme *p = g->p;
    section(g, "projects", MVG_T_PRG_SEC_PROJECTS, 0);
    /* twelve columns on an A4 page: a smaller type */
    fputs("<table style=\"font-size:8.5pt\"><thead><tr>", g->out);
    th(g, T(g, MVG_T_GATEWAY));
    th(g, T(g, MVG_T_PROJECT));
    th(g, T(g, MVG_T_TECHNOLOGY));
    th(g, T(g, MVG_T_PRG_STATUS));
    th(g, T(g, MVG_T_PRG_VERIFIED_RECORDS));
    th(g, T(g, MVG_T_PRG_WAITING));
    th(g, T(g, MVG_T_PRG_BAD_RECORDS));
    th(g, T(g, MVG_T_PRG_OPEN_ALARMS));
    th(g, T(g, MVG_T_COVERAGE));
    static const mvg_prg_unit shown[] = {MVG_PU_TJ, MVG_PU_CO2_T, MVG_PU_HKD};
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
        char h[80];
        snprintf(h, sizeof h, "%s [%s]", T(g, unit_label[shown[k]]), mvg_prg_unit_name[shown[k]]);
        th(g, h);
    }
    fputs("</tr></thead><tbody>\n", g->out);
    for (size_t i = 0; i < p->nprojects; i++) {
        const mvg_prg_project *x = &p->projects[i];
        char key[400], b[40];
        fputs("<tr>", g->out);
        td_nw(g, x->gateway);
        td(g, x->project);
        td(g, x->technology[0] ? x->technology : MVG_REPORT_FMT_NONE);
        mvg_text st = strcmp(x->status, "bad") == 0        ? MVG_T_PRG_BAD
                      : strcmp(x->status, "verified") == 0 ? MVG_T_PRG_VERIFIED
                                                           : MVG_T_PRG_UNVERIFIED;
        fputs("<td class=\"nw\" data-k=\"", g->out);
        esc(g, x->gateway);
        fputc('/', g->out);
        esc(g, x->project);
        fputs(".status\">", g->out);
        esc(g, T(g, st));
        fputs("</td>", g->out);
        td_int(g, (long long)x->ok_records);
        td_int(g, (long long)x->waiting);
        td_int(g, (long long)x->bad);
        fputs("<td>", g->out);
        if (x->open_alarms) {
            char n[sizeof x->alarms + 24];
            snprintf(n, sizeof n, "%zu: %s", x->open_alarms, x->alarms);
            esc(g, n);
        } else {
            esc(g, T(g, MVG_T_PRG_NONE));
        }
        fputs("</td><td class=\"n\">", g->out);
        esc(g, mvg_report_fmt_pct(x->coverage, 3, b, sizeof b));
        fputs("</td>", g->out);
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
            snprintf(key, sizeof key, "%s/%s.measured.%s", x->gateway, x->project,
                     mvg_prg_unit_key[shown[k]]);
            td_num(g, key, x->has_measured ? x->measured[shown[k]] : NAN);
        }
        fputs("</tr>\n", g->out);
    }
    fputs("</tbody></table>\n</section>\n", g->out);
}

static void method(const page *g)
{
    section(g, "method", MVG_T_SEC_METHOD, 0);
    fputs("<p>", g->out);
    esc(g, T(g, MVG_T_PRG_METHOD_TEXT));
    fputs("</p>\n<p class=\"sign\">", g->out);
    esc(g, T(g, MVG_T_SIGN_OFF));
    fputs("</p>\n</section>\n", g->out);
}

int mvg_programme_write_html(const mvg_programme *p, mvg_lang lang, FILE *out, char *err,
                             size_t errlen)
{
    page g = {p, lang, out};
    mvg_report_html_open(out, lang, T(&g, MVG_T_PRG_TITLE), p->year[0] ? p->year : NULL);
    header(&g);
    if (months(&g) != 0 || technologies(&g) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    projects(&g);
    method(&g);
    fputs("</body>\n</html>\n", out);
    if (ferror(out)) {
        snprintf(err, errlen, "write error");
        return -1;
    }
    return 0;
}
