/*
 * report_html.c: the report as one self-contained HTML page (report_out.h):
 * inline CSS laid out for A4 print (each section on a new page, table rows
 * and charts never split), inline SVG charts (report_charts.c, drawn by
 * report_svg.c), no script, no external file or web font. Every label
 * comes from report_i18n.c.
 *
 * Each figure of the flat list appears once in its canonical table cell,
 * which carries data-k (the figure's key, as in the JSON) and data-v (the
 * exact value, 17 significant digits, "null" when undefined); the cell's
 * text is the figure formatted for people (report_fmt.c). The summary
 * repeats a few figures in a sentence, without the attributes.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "payload.h"
#include "report_fmt.h"
#include "report_html.h"
#include "report_out.h"
#include "report_svg.h"

typedef enum { F_NUM, F_PCT, F_INT } fig_kind;


static void th(const page *p, mvg_text k)
{
    fputs("<th>", p->out);
    esc(p, T(p, k));
    fputs("</th>", p->out);
}

/* A table's opening and its header row of labels. */
static void table_head(const page *p, const mvg_text *k, size_t n)
{
    fputs("<table><thead><tr>", p->out);
    for (size_t i = 0; i < n; i++)
        th(p, k[i]);
    fputs("</tr></thead><tbody>\n", p->out);
}

static void td(const page *p, const char *s)
{
    fputs("<td>", p->out);
    esc(p, s);
    fputs("</td>", p->out);
}

/* A short cell that must not wrap (a CJK word broken per character reads badly). */
static void td_nw(const page *p, const char *s)
{
    fputs("<td class=\"nw\">", p->out);
    esc(p, s);
    fputs("</td>", p->out);
}

static char *human(const mvg_report_fig *f, fig_kind kind, char *b, size_t len)
{
    if (kind == F_INT && isfinite(f->value))
        return mvg_report_fmt_int((long long)f->value, b, len);
    if (kind == F_PCT)
        return mvg_report_fmt_pct(f->value, 3, b, len);
    return mvg_report_fmt_num(f->value, 4, b, len);
}

/* The canonical cell of figure key: data-k, data-v and the human text. */
static void td_fig(const page *p, fig_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void td_fig(const page *p, fig_kind kind, const char *fmt, ...)
{
    char key[160], h[96], v[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    const mvg_report_fig *f = mvg_report_fig_find(p->r, key);
    if (!f) {
        fprintf(p->out, "<td class=\"n\">%s</td>", MVG_REPORT_FMT_NONE);
        return;
    }
    if (!isfinite(f->value))
        snprintf(v, sizeof v, "null");
    else
        snprintf(v, sizeof v, f->is_int ? "%.0f" : "%.17g", f->value);
    fprintf(p->out, "<td class=\"n\" data-k=\"");
    esc(p, key);
    fprintf(p->out, "\" data-v=\"%s\">%s</td>", v, human(f, kind, h, sizeof h));
}

static void esc_fp(const page *p, const char *s);

/* A sentence with {1}..{9} replaced by args (escaped, fingerprints kept
 * on one line). */
static void sentence(const page *p, const char *tmpl, const char *const *args, size_t nargs)
{
    for (const char *s = tmpl; *s; s++) {
        if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}' &&
            (size_t)(s[1] - '1') < nargs) {
            esc_fp(p, args[s[1] - '1']);
            s += 2;
        } else {
            fputc(*s, p->out);
        }
    }
}

static void when(int64_t ms, char *b, size_t len) { mvg_report_fmt_time(ms, 0, b, len); }

static const char *phase_text(const page *p, mvg_report_phase ph)
{
    static const mvg_text k[MVG_RP_COUNT] = {MVG_T_PHASE_BASELINE, MVG_T_PHASE_INSTALLATION,
                                             MVG_T_PHASE_REPORTING, MVG_T_PHASE_OTHER};
    return T(p, k[ph]);
}

static const char *const CSS =
    "@page{size:A4;margin:14mm 12mm}"
    "body{font-family:'Noto Sans CJK TC','Noto Sans CJK HK','Noto Sans',Arial,sans-serif;"
    "font-size:10.5pt;color:#111;max-width:190mm;margin:0 auto;line-height:1.35}"
    "h1{font-size:18pt;margin:0 0 4pt}h2{font-size:14pt;border-bottom:1.5pt solid #234;"
    "padding-bottom:2pt;margin-top:0}h3{font-size:11.5pt;margin:10pt 0 4pt}"
    "section{break-before:page;page-break-before:always;padding-top:6pt}"
    "section.first{break-before:auto;page-break-before:auto}"
    "#method{break-inside:avoid;page-break-inside:avoid;padding-top:14pt}"
    "table{border-collapse:collapse;margin:4pt 0 10pt;width:100%}"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
    "th,td{border:0.5pt solid #999;padding:2pt 5pt;text-align:left;vertical-align:top}"
    "th{background:#e8edf2}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "table.kv th{width:38%}td.nw{white-space:nowrap}"
    "figure{margin:6pt 0 12pt;break-inside:avoid;page-break-inside:avoid}"
    "figcaption{font-weight:bold;margin-bottom:2pt}svg.chart{width:100%;height:auto}"
    ".ok{border:1.5pt solid #2a7d2a;background:#eef8ee;padding:6pt;margin:6pt 0}"
    ".bad{border:2pt solid #b00;background:#fdeaea;color:#900;padding:6pt;margin:6pt 0;font-weight:bold}"
    ".note{border:1pt solid #c90;background:#fff8e5;padding:6pt;margin:6pt 0}"
    ".mono{font-family:'DejaVu Sans Mono',monospace;font-size:9pt;overflow-wrap:break-word}"
    ".fp{white-space:nowrap}"
    ".sign{margin-top:24pt;border-top:0.5pt solid #333;width:60%;padding-top:3pt}";

/* Text that may hold key fingerprints (32 hex digits), escaped, each
 * fingerprint in a span that never wraps: a verifier compares them digit
 * by digit with the register, and a fingerprint split over two lines (or
 * a hyphen added by the renderer) reads as another one. */
static void esc_part(const page *p, const char *s, size_t n)
{
    char *part = strndup(s, n);
    if (part)
        esc(p, part);
    free(part);
}

static void esc_fp(const page *p, const char *s)
{
    size_t i = 0, plain = 0;
    while (s[i]) {
        if (!isxdigit((unsigned char)s[i]) || (i > 0 && isalnum((unsigned char)s[i - 1]))) {
            i++;
            continue;
        }
        size_t j = i;
        while (isxdigit((unsigned char)s[j]))
            j++;
        if (j - i == MVG_CHAIN_FP_LEN - 1 && !isalnum((unsigned char)s[j])) {
            esc_part(p, s + plain, i - plain);
            fputs("<span class=\"fp\">", p->out);
            esc_part(p, s + i, j - i);
            fputs("</span>", p->out);
            plain = j;
        }
        i = j;
    }
    esc_part(p, s + plain, i - plain);
}

/* The chain check's result in the report's language: a holding chain's
 * counts in words; anything else as the check words it (English), and
 * said to be so. */
static void chain_line(const page *p)
{
    const mvg_cli_chain_result *c = &p->r->chain;
    if (p->lang == MVG_LANG_EN || !p->r->chain_ok || c->records == 0) {
        if (p->lang != MVG_LANG_EN)
            esc(p, T(p, MVG_T_CHAIN_TOOL_TEXT));
        esc_fp(p, c->line);
        return;
    }
    char n[5][32];
    mvg_report_fmt_int((long long)c->records, n[0], sizeof n[0]);
    mvg_report_fmt_int((long long)c->kinds[0], n[1], sizeof n[1]);
    mvg_report_fmt_int((long long)c->kinds[1], n[2], sizeof n[2]);
    mvg_report_fmt_int((long long)c->kinds[2], n[3], sizeof n[3]);
    mvg_report_fmt_int((long long)c->kinds[4], n[4], sizeof n[4]);
    const char *args[] = {n[0], n[1], n[2], n[3], n[4], c->fingerprint};
    sentence(p, T(p, MVG_T_CHAIN_OK_LINE), args, 6);
    if (c->kinds[3])
        esc(p, T(p, MVG_T_CHAIN_NEW_AFTER_LOSS));
    if (c->rotations) {
        const char *now[] = {c->current_fingerprint};
        sentence(p, T(p, MVG_T_CHAIN_NOW_KEY), now, 1);
    }
    if (c->hub_upto > 0) {
        char upto[32], after[32];
        mvg_report_fmt_int(c->hub_upto, upto, sizeof upto);
        mvg_report_fmt_int((long long)c->hub_after, after, sizeof after);
        const char *a1[] = {upto}, *a2[] = {after};
        sentence(p, T(p, MVG_T_CHAIN_HUB_RANGE), a1, 1);
        if (c->hub_after)
            sentence(p, T(p, MVG_T_CHAIN_HUB_NOT_USED), a2, 1);
    }
}

/* Who vouches for the key: the register, or only the gateway's own files. */
static void trust_line(const page *p)
{
    const mvg_cli_chain_result *c = &p->r->chain;
    if (!*c->trust) {
        esc(p, T(p, c->enrolled ? MVG_T_WORD_ENROLLED : MVG_T_WORD_SELF));
    } else if (p->lang == MVG_LANG_EN) {
        esc_fp(p, c->trust);
    } else if (c->enrolled) {
        const char *args[] = {c->gateway, c->fingerprint, c->enrolled_at};
        sentence(p, T(p, MVG_T_TRUST_ENROLLED_LINE), args, 3);
    } else {
        const char *args[] = {c->fingerprint, c->gateway};
        sentence(p, T(p, MVG_T_TRUST_SELF_LINE), args, 2);
    }
}

void mvg_report_html_open(FILE *out, mvg_lang lang, const char *title, const char *subject)
{
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"generator\" content=\"mvgate %s\">\n<title>",
            mvg_lang_tag(lang), MVG_VERSION);
    mvg_svg_escape(out, title);
    if (subject) {
        fputs(" \xe2\x80\x94 ", out);
        mvg_svg_escape(out, subject);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", CSS);
}

/* Green only when the chain holds under the enrolled key; a chain that
 * holds under the gateway's own key files alone is a note that says so. */
static void chain_banner(const page *p)
{
    const mvg_report *r = p->r;
    int self = r->chain_ok && !r->chain.enrolled;
    fprintf(p->out, "<div class=\"%s\">", !r->chain_ok ? "bad" : self ? "note" : "ok");
    esc(p, T(p, !r->chain_ok ? MVG_T_CHAIN_BROKEN : self ? MVG_T_CHAIN_SELF : MVG_T_CHAIN_HOLDS));
    fputs("<br><span class=\"mono\">", p->out);
    chain_line(p);
    fputs("</span></div>\n", p->out);
}

static void header(const page *p)
{
    const mvg_report *r = p->r;
    char a[40], b[40], g[40];
    fprintf(p->out, "<section class=\"first\" id=\"summary\"><h1>");
    esc(p, T(p, MVG_T_TITLE));
    fputs("</h1>\n<p><b>", p->out);
    esc(p, r->prj->name);
    fputs("</b> \xc2\xb7 ", p->out);
    esc(p, r->src->site);
    fputs(" \xc2\xb7 ", p->out);
    esc(p, r->src->gateway);
    fputs("</p>\n<table class=\"kv\">", p->out);
    mvg_report_fmt_time(r->generated_ms, 1, g, sizeof g);
    fputs("<tr>", p->out);
    th(p, MVG_T_GENERATED);
    td(p, g);
    fputs("</tr><tr>", p->out);
    th(p, MVG_T_WINDOW);
    when(r->win_first_ms, a, sizeof a);
    when(r->win_last_ms, b, sizeof b);
    char w[300];
    if (r->windowed) {
        /* the window asked for, then the records found in it */
        char fa[40] = "\xe2\x80\xa6", tb[40] = "\xe2\x80\xa6";
        if (r->from_ms != INT64_MIN)
            when(r->from_ms, fa, sizeof fa);
        if (r->to_ms != INT64_MAX)
            when(r->to_ms, tb, sizeof tb);
        snprintf(w, sizeof w, "[%s, %s) \xc2\xb7 %s%s%s \xe2\x80\x93 %s", fa, tb,
                 T(p, MVG_T_SEEN), T(p, MVG_T_P_COLON), a, b);
    } else {
        snprintf(w, sizeof w, "%s \xe2\x80\x93 %s%s%s%s", a, b, T(p, MVG_T_P_OPEN),
                 T(p, MVG_T_WHOLE_RECORD), T(p, MVG_T_P_CLOSE));
    }
    td(p, w);
    fputs("</tr><tr>", p->out);
    th(p, MVG_T_RECORDS);
    td_fig(p, F_INT, "periods.window.records");
    fputs("</tr></table>\n<p>", p->out);
    esc(p, T(p, MVG_T_TIMES_UTC));
    fputs("</p>\n<h2>", p->out);
    esc(p, T(p, MVG_T_SEC_SUMMARY));
    fputs("</h2>\n", p->out);
    chain_banner(p);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        if (!s->has_model && !s->inlet_baseline) {
            fputs("<div class=\"note\">", p->out);
            esc(p, s->cfg->name);
            esc(p, T(p, MVG_T_P_COLON));
            esc(p, T(p, s->model_error[0] ? MVG_T_FIT_FAILED : MVG_T_NO_MODEL));
            if (s->model_error[0]) {
                fputs(" ", p->out);
                esc(p, s->model_error);
            }
            fputs("</div>\n", p->out);
            continue;
        }
        if (s->has_model && !s->model.pass) {
            fputs("<div class=\"bad\">", p->out);
            esc(p, s->cfg->name);
            esc(p, T(p, MVG_T_P_COLON));
            esc(p, T(p, MVG_T_FAIL));
            fputs("</div>\n", p->out);
        }
        if (!s->savings_ok) {
            fputs("<p>", p->out);
            esc(p, s->cfg->name);
            esc(p, T(p, MVG_T_P_COLON));
            esc(p, T(p, MVG_T_NO_DATA));
            fputs("</p>\n", p->out);
            continue;
        }
        char sv[64], m[32], fr[32], cf[32], lo[64], hi[64];
        mvg_report_fmt_num(s->savings, 4, sv, sizeof sv);
        mvg_report_fmt_int((long long)s->sav.m, m, sizeof m);
        mvg_report_fmt_pct(s->sav.savings_fraction, 3, fr, sizeof fr);
        mvg_report_fmt_pct(r->prj->confidence, 3, cf, sizeof cf);
        mvg_report_fmt_num(s->fsu_ok ? s->sav.savings_low : NAN, 4, lo, sizeof lo);
        mvg_report_fmt_num(s->fsu_ok ? s->sav.savings_high : NAN, 4, hi, sizeof hi);
        const char *args[] = {s->cfg->name, sv, s->cfg->factors.unit, m, fr, cf, lo, hi};
        fputs("<p>", p->out);
        sentence(p, T(p, s->fsu_ok ? MVG_T_SAVINGS_SENTENCE : MVG_T_SAVINGS_SENTENCE_NOUNC), args,
                 8);
        fputs("</p>\n", p->out);
    }
    fputs("</section>\n", p->out);
}

void mvg_report_html_section(const page *p, const char *id, mvg_text title)
{
    fprintf(p->out, "<section id=\"%s\"><h2>", id);
    esc(p, T(p, title));
    fputs("</h2>\n", p->out);
}

/* The label of a factor the engine lists (mvg_convert_factors_used), by
 * its config key. */
static mvg_text factor_label(const char *name)
{
    static const struct {
        const char *name;
        mvg_text k;
    } labels[] = {
        {"co2_kg_per_unit", MVG_T_F_CO2},       {"co2_kg_per_tj", MVG_T_F_CO2},
        {"kg_per_unit", MVG_T_F_DENSITY},       {"ncv_tj_per_gg", MVG_T_F_NCV},
        {"tj_per_kwh", MVG_T_F_TJ},             {"kwh_per_unit", MVG_T_F_KWH},
        {"enthalpy_kj_per_kg", MVG_T_F_ENTHALPY}, {"o2_ref", MVG_T_F_O2},
        {"flow_basis", MVG_T_F_FLOW_BASIS},     {"flow_h2o_pct", MVG_T_F_H2O},
        {"flow_temp_c", MVG_T_F_TEMP},          {"flow_kpa", MVG_T_F_KPA},
        {"cost_per_unit", MVG_T_F_COST},        {"energy_price", MVG_T_F_ENERGY_PRICE},
        {"demand_charge", MVG_T_F_DEMAND_CHARGE},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].name, name) == 0)
            return labels[i].k;
    return MVG_T_FACTOR;
}

/* Every factor the conversions use, per stream: value, unit, source, and
 * whether it is the built-in default (a verifier must see when the grid
 * factor or a density is not the site's own). */
static void factor_table(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    fputs("<h3>", o);
    esc(p, T(p, MVG_T_FACTORS));
    fputs("</h3>\n", o);
    static const mvg_text head[] = {MVG_T_STREAM, MVG_T_FACTOR,       MVG_T_VALUE,
                                    MVG_T_UNIT,   MVG_T_FACTOR_STATE, MVG_T_SOURCE};
    table_head(p, head, sizeof head / sizeof head[0]);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        for (size_t k = 0; k < s->nfactors; k++) {
            const mvg_conv_factor_use *u = &s->factors[k];
            char lab[200];
            snprintf(lab, sizeof lab, "%s%s%s%s", T(p, factor_label(u->name)), T(p, MVG_T_P_OPEN),
                     u->name, T(p, MVG_T_P_CLOSE));
            fprintf(o, "<tr data-factor=\"%s\"%s>", u->name, u->defaulted ? " class=\"dflt\"" : "");
            td(p, s->cfg->name);
            td(p, lab);
            if (u->text)
                td(p, T(p, strcmp(u->text, "reference") == 0 ? MVG_T_FLOW_REFERENCE
                                                              : MVG_T_FLOW_MEASURED));
            else
                td_fig(p, F_NUM, "factors.%s.%s", s->cfg->name, u->name);
            td(p, u->unit);
            td(p, T(p, u->defaulted ? MVG_T_DEFAULT_FACTOR : MVG_T_FROM_CONFIG));
            td(p, u->source ? mvg_i18n_source(p->lang, u->source) : T(p, MVG_T_CONFIG_FILE));
            fputs("</tr>\n", o);
        }
    }
    fputs("</tbody></table>\n", o);
}

static void project(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "project", MVG_T_SEC_PROJECT);
    fputs("<table class=\"kv\">", o);
    const struct {
        mvg_text k;
        const char *v;
    } kv[] = {{MVG_T_GATEWAY, r->src->gateway},
              {MVG_T_SITE, r->src->site},
              {MVG_T_PROJECT, r->prj->name},
              {MVG_T_TECHNOLOGY, r->prj->technology},
              {r->src->hub ? MVG_T_RECORDS_FROM : MVG_T_CONFIG_FILE, r->src->origin}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        fputs("<tr>", o);
        th(p, kv[i].k);
        td(p, kv[i].v);
        fputs("</tr>", o);
    }
    char il[64];
    snprintf(il, sizeof il, "%d %s", r->prj->interval_min, T(p, MVG_T_MINUTES));
    fputs("<tr>", o);
    th(p, MVG_T_INTERVAL_LEN);
    td(p, il);
    /* what the project definition states: the IPMVP frame, and which
     * configuration (its hash) and definition version the figures are of */
    static const char *const options[] = {NULL, "A", "B", "C", "D"};
    const char *opt = r->prj->ipmvp_option >= 1 && r->prj->ipmvp_option <= 4
                          ? options[r->prj->ipmvp_option]
                          : NULL;
    char ver[32];
    snprintf(ver, sizeof ver, "%lld", (long long)r->src->definition_version);
    const struct {
        mvg_text k;
        const char *v;
        int mono;
    } def[] = {{MVG_T_IPMVP_OPTION, opt, 0},
               {MVG_T_BOUNDARY, r->prj->measurement_boundary[0] ? r->prj->measurement_boundary
                                                                 : NULL, 0},
               {MVG_T_CONFIG_SHA, r->src->config_sha256[0] ? r->src->config_sha256 : NULL, 1},
               {MVG_T_DEF_VERSION, r->src->definition_version > 0 ? ver : NULL, 0}};
    for (size_t i = 0; i < sizeof def / sizeof def[0]; i++) {
        fputs("</tr><tr>", o);
        th(p, def[i].k);
        fputs(def[i].mono ? "<td class=\"mono\">" : "<td>", o);
        esc(p, def[i].v ? def[i].v : T(p, MVG_T_NOT_STATED));
        fputs("</td>", o);
    }
    fputs("</tr></table>\n<h3>", o);
    esc(p, T(p, MVG_T_METERS));
    fputs("</h3>\n<table><thead><tr>", o);
    th(p, MVG_T_DEVICE);
    th(p, MVG_T_BUS);
    th(p, MVG_T_UNIT_ID);
    th(p, MVG_T_PROFILE);
    th(p, MVG_T_POINT);
    th(p, MVG_T_UNIT);
    th(p, MVG_T_KIND);
    th(p, MVG_T_ACCURACY);
    th(p, MVG_T_CALIBRATED);
    th(p, MVG_T_ROLE);
    th(p, MVG_T_STREAM);
    fputs("</tr></thead><tbody>\n", o);
    for (size_t i = 0; i < r->nmeters; i++) {
        const mvg_report_meter *m = &r->meters[i];
        fputs("<tr>", o);
        if (m->is_point) {
            char uid[16];
            snprintf(uid, sizeof uid, "%d", m->unit_id);
            td(p, m->device);
            td(p, m->bus);
            td(p, uid);
            td(p, m->profile);
            td(p, m->point);
            td(p, m->unit);
            td_nw(p, T(p, m->counter ? MVG_T_COUNTER : MVG_T_GAUGE));
            td(p, m->accuracy_class[0] ? m->accuracy_class : MVG_REPORT_FMT_NONE);
            td_nw(p, m->calibration_date[0] ? m->calibration_date : MVG_REPORT_FMT_NONE);
        } else {
            fputs("<td colspan=\"4\">", o);
            esc(p, T(p, MVG_T_DERIVED));
            esc(p, T(p, MVG_T_P_COLON));
            fputs("<span class=\"mono\">", o);
            esc(p, m->expr ? m->expr : "");
            fputs("</span></td>", o);
            td(p, m->channel);
            td(p, m->unit);
            td(p, "");
            td(p, "");
            td(p, "");
        }
        fputs("<td class=\"nw\">", o);
        for (int k = 0, n = 0; k < MVG_REPORT_ROLES; k++)
            if (m->roles & 1u << k) {
                if (n++)
                    esc(p, T(p, MVG_T_P_LIST));
                esc(p, T(p, (mvg_text)(MVG_T_ROLE_ACTUAL + k)));
            }
        fputs("</td>", o);
        td(p, m->streams);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
    /* a point two projects count: the same use or emission claimed twice */
    for (size_t i = 0; i < r->nmeters; i++) {
        const mvg_report_meter *m = &r->meters[i];
        if (!m->also_counted_by[0])
            continue;
        const char *args[] = {m->channel, m->also_counted_by};
        fputs("<div class=\"note bad\" data-double-count=\"1\">", o);
        sentence(p, T(p, MVG_T_DOUBLE_COUNTED), args, 2);
        fputs("</div>\n", o);
    }
    fputs("<h3>", o);
    esc(p, T(p, MVG_T_STREAMS));
    fputs("</h3>\n<table><thead><tr>", o);
    th(p, MVG_T_STREAM);
    th(p, MVG_T_TYPE);
    th(p, MVG_T_UNIT);
    th(p, MVG_T_DRIVERS);
    fputs("</tr></thead><tbody>\n", o);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_stream_cfg *c = r->streams[i].cfg;
        char xs[600] = "";
        for (size_t j = 0; j < c->nx; j++) {
            size_t l = strlen(xs);
            snprintf(xs + l, sizeof xs - l, "%s%s", j ? T(p, MVG_T_P_LIST) : "", c->x[j].channel);
        }
        fputs("<tr>", o);
        td(p, c->name);
        td_nw(p, T(p, (mvg_text)(MVG_T_STYPE_ELECTRICITY + (int)c->type)));
        td(p, c->factors.unit);
        td(p, xs);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
    factor_table(p);

    /* periods */
    fputs("<h3>", o);
    esc(p, T(p, MVG_T_SEC_PERIODS));
    fputs("</h3>\n<table><thead><tr>", o);
    th(p, MVG_T_PHASE);
    fputs("<th>", o);
    esc(p, T(p, MVG_T_CONFIGURED));
    fputs("</th><th>", o);
    esc(p, T(p, MVG_T_SEEN));
    fputs("</th>", o);
    th(p, MVG_T_RECORDS);
    fputs("</tr></thead><tbody>\n", o);
    const mvg_project_cfg *pc = r->prj;
    for (int k = 0; k < MVG_RP_COUNT; k++) {
        const mvg_report_seen *sn = &r->seen[k];
        char a[40] = "", b[40] = "", cfgs[100] = "", seen[100] = "";
        if (k == MVG_RP_BASELINE || (k == MVG_RP_INSTALLATION && pc->has_installation) ||
            k == MVG_RP_REPORTING) {
            int64_t s0 = k == MVG_RP_BASELINE ? pc->baseline_start_ms
                         : k == MVG_RP_INSTALLATION ? pc->installation_start_ms
                                                    : pc->reporting_start_ms;
            when(s0, a, sizeof a);
            if (k == MVG_RP_BASELINE)
                when(pc->baseline_end_ms, b, sizeof b);
            else if (k == MVG_RP_INSTALLATION)
                when(pc->installation_end_ms, b, sizeof b);
            else if (pc->has_reporting_end)
                when(pc->reporting_end_ms, b, sizeof b);
            else
                snprintf(b, sizeof b, "%s%s%s", T(p, MVG_T_P_OPEN), T(p, MVG_T_OPEN_END),
                         T(p, MVG_T_P_CLOSE));
            snprintf(cfgs, sizeof cfgs, "%s \xe2\x80\x93 %s", a, b);
        }
        if (sn->count) {
            when(sn->first_ms, a, sizeof a);
            when(sn->last_ms, b, sizeof b);
            snprintf(seen, sizeof seen, "%s \xe2\x80\x93 %s", a, b);
        }
        fputs("<tr>", o);
        td_nw(p, phase_text(p, (mvg_report_phase)k));
        td(p, cfgs);
        td(p, seen);
        td_fig(p, F_INT, "periods.%s.records", mvg_report_phase_name((mvg_report_phase)k));
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n</section>\n", o);
}

static void formula(const page *p, const mvg_report_stream *s)
{
    const mvg_model *m = &s->model;
    char x0[MVG_MODEL_XNAME_MAX + 8];
    snprintf(x0, sizeof x0, "%s", s->xnames[0]);
    FILE *o = p->out;
    fputs("<p class=\"mono\">E = ", o);
    switch (m->type) {
    case MVG_MODEL_MEAN:
        fputs("b0", o);
        break;
    case MVG_MODEL_INTENSITY:
        fputs("b1 \xc3\x97 ", o);
        esc(p, x0);
        break;
    case MVG_MODEL_LINEAR:
        fputs("b0", o);
        for (size_t j = 0; j < m->nx; j++) {
            fprintf(o, " + b%zu \xc3\x97 ", j + 1);
            esc(p, s->xnames[j]);
        }
        break;
    case MVG_MODEL_3PC:
        fputs("b0 + b1 \xc3\x97 max(", o);
        esc(p, x0);
        fputs(" \xe2\x88\x92 c, 0)", o);
        break;
    case MVG_MODEL_3PH:
        fputs("b0 + b1 \xc3\x97 max(c \xe2\x88\x92 ", o);
        esc(p, x0);
        fputs(", 0)", o);
        break;
    case MVG_MODEL_4P:
        fputs("b0 + b1 \xc3\x97 max(c \xe2\x88\x92 ", o);
        esc(p, x0);
        fputs(", 0) + b2 \xc3\x97 max(", o);
        esc(p, x0);
        fputs(" \xe2\x88\x92 c, 0)", o);
        break;
    default:
        fputs("b0 + b1 \xc3\x97 max(c1 \xe2\x88\x92 ", o);
        esc(p, x0);
        fputs(", 0) + b2 \xc3\x97 max(", o);
        esc(p, x0);
        fputs(" \xe2\x88\x92 c2, 0)", o);
    }
    /* a change-point form's further x, linear after its hinges */
    for (size_t k = 1; m->type != MVG_MODEL_LINEAR && k < m->ncoef; k++) {
        int j = mvg_model_coef_x(m, k);
        if (j <= 0 || j >= MVG_MODEL_MAX_X)
            continue;
        fprintf(o, " + b%zu \xc3\x97 ", k);
        esc(p, s->xnames[j]);
    }
    fprintf(o, " &#160; [%s: ", mvg_model_type_name(m->type));
    esc(p, T(p, (mvg_text)(MVG_T_FORM_MEAN + (int)m->type)));
    fputs("]</p>\n", o);
}

/* A row of a label / figure table: the label's key (or a symbol kept as
 * it is, lit), and the figure's key after "section.stream.". */
typedef struct {
    mvg_text k;
    const char *lit;
    const char *key;
    fig_kind kind;
} kv_row;

static void kv_rows(const page *p, const char *section, const char *stream, const kv_row *rows,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th>", p->out);
        esc(p, rows[i].lit ? rows[i].lit : T(p, rows[i].k));
        fputs("</th>", p->out);
        td_fig(p, rows[i].kind, "%s.%s.%s", section, stream, rows[i].key);
        fputs("</tr>\n", p->out);
    }
}

/* The baseline's conditions: the valid intervals and their hours, and the
 * range of each independent variable over the rows fitted, as the model
 * record states it, with the margin the reporting intervals are held to
 * (an interval beyond it is flagged extrapolated). */
static void conditions(const page *p, const mvg_report_stream *s)
{
    FILE *o = p->out;
    const char *n = s->cfg->name;
    fputs("<table class=\"kv\"><thead><tr><th colspan=\"2\">", o);
    esc(p, T(p, MVG_T_CONDITIONS));
    fputs("</th></tr></thead><tbody>\n", o);
    static const kv_row rows[] = {
        {MVG_T_BASE_INTERVALS, NULL, "intervals", F_INT},
        {MVG_T_BASE_HOURS, NULL, "hours", F_NUM},
        {MVG_T_RANGE_MARGIN, NULL, "range_margin", F_PCT},
    };
    kv_rows(p, "baseline", n, rows, s->has_range ? 3 : 2);
    fputs("</tbody></table>\n", o);
    if (!s->has_range) {
        fputs("<p>", o);
        esc(p, T(p, MVG_T_NO_RANGE));
        fputs("</p>\n", o);
        return;
    }
    static const mvg_text head[] = {MVG_T_VARIABLE, MVG_T_UNIT, MVG_T_RANGE_MIN, MVG_T_RANGE_MAX};
    table_head(p, head, sizeof head / sizeof head[0]);
    for (size_t j = 0; j < s->model.nx; j++) {
        fputs("<tr>", o);
        td(p, s->xnames[j]);
        td(p, s->xunit[j]);
        td_fig(p, F_NUM, "baseline.%s.x%zu.min", n, j + 1);
        td_fig(p, F_NUM, "baseline.%s.x%zu.max", n, j + 1);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

/* An auto fit's candidates as the model record lists them: form,
 * adjusted R2, outcome and why a form was not taken. */
static void candidates(const page *p, const mvg_report_stream *s)
{
    if (s->ncand == 0)
        return;
    FILE *o = p->out;
    fputs("<p>", o);
    esc(p, T(p, MVG_T_CANDIDATES));
    fputs("</p>\n", o);
    static const mvg_text head[] = {MVG_T_FORM, MVG_T_ADJ_R2, MVG_T_CAND_STATUS, MVG_T_REASONS};
    table_head(p, head, sizeof head / sizeof head[0]);
    for (size_t k = 0; k < s->ncand; k++) {
        char r2[32], tr[256];
        mvg_report_fmt_num(s->cand[k].adj_r2, 4, r2, sizeof r2);
        mvg_text st = s->cand[k].chosen      ? MVG_T_CAND_CHOSEN
                      : s->cand[k].qualified ? MVG_T_CAND_QUALIFIED
                      : s->cand[k].fitted    ? MVG_T_CAND_DISQUALIFIED
                                             : MVG_T_CAND_NOT_FITTED;
        fprintf(o, "<tr%s data-candidate=\"%s.%s\">", s->cand[k].chosen ? " class=\"chosen\"" : "",
                s->cfg->name, s->cand[k].model);
        td(p, s->cand[k].model);
        td_nw(p, isfinite(s->cand[k].adj_r2) ? r2 : "\xe2\x80\x94");
        td(p, T(p, st));
        td(p, s->cand[k].why[0] ? mvg_i18n_reason(p->lang, s->cand[k].why, tr, sizeof tr) : "");
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

/* Where the thresholds come from: the engine's table row for their
 * granularity (its source, as the engine cites it), or the configuration. */
static void thresholds_source(const page *p)
{
    const mvg_report *r = p->r;
    fputs("<td>", p->out);
    if (r->criteria_source) {
        esc(p, T(p, (mvg_text)(MVG_T_GRAN_HOURLY + (int)r->prj->criteria.granularity)));
        esc(p, T(p, MVG_T_P_COLON));
        esc(p, mvg_i18n_source(p->lang, r->criteria_source));
    } else {
        esc(p, T(p, MVG_T_CONFIG_FILE));
    }
    fputs("</td>", p->out);
}

static void model(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "model", MVG_T_SEC_MODEL);
    if (r->has_model_record) {
        /* the record's ISO time, shown like every other time of the report */
        char v[160], at[48];
        int64_t at_ms = 0;
        if (mvg_cli_parse_when(r->fitted_at, &at_ms) == 0)
            when(at_ms, at, sizeof at);
        else
            snprintf(at, sizeof at, "%s", r->fitted_at);
        /* the fit happens at the first poll after the baseline's end: both
         * times, so that "frozen at 00:15" is not read as the period's end */
        char end[40];
        when(r->prj->baseline_end_ms, end, sizeof end);
        snprintf(v, sizeof v, "%s%s%lld \xc2\xb7 %s%s%s \xc2\xb7 %s%s%s",
                 T(p, MVG_T_MODEL_VERSION), T(p, MVG_T_P_COLON), (long long)r->model_version,
                 T(p, MVG_T_BASELINE_ENDS), T(p, MVG_T_P_COLON), end, T(p, MVG_T_FITTED_AT),
                 T(p, MVG_T_P_COLON), at);
        fputs("<p>", o);
        esc(p, v);
        fputs("</p>\n", o);
    }
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        const char *n = s->cfg->name;
        fputs("<h3>", o);
        esc(p, n);
        fputs("</h3>\n", o);
        conditions(p, s);
        if (!s->has_model) {
            fputs("<div class=\"note\">", o);
            if (s->inlet_baseline) {
                esc(p, T(p, MVG_T_INLET_BASELINE));
            } else if (s->model_error[0]) {
                esc(p, T(p, MVG_T_FIT_FAILED));
                fputs(" <span class=\"mono\">", o);
                esc(p, s->model_error);
                fputs("</span>", o);
            } else {
                esc(p, T(p, MVG_T_NO_MODEL));
            }
            fputs("</div>\n", o);
            candidates(p, s);
            continue;
        }
        const mvg_model *m = &s->model;
        fputs("<p>", o);
        esc(p, T(p, MVG_T_FORM));
        if (s->model_given) {
            esc(p, T(p, MVG_T_P_OPEN));
            esc(p, T(p, MVG_T_GIVEN_MODEL));
            esc(p, T(p, MVG_T_P_CLOSE));
        }
        esc(p, T(p, MVG_T_P_COLON));
        fputs("</p>", o);
        formula(p, s);
        static const mvg_text head[] = {MVG_T_COEFFICIENT, MVG_T_ESTIMATE, MVG_T_UNIT,
                                        MVG_T_STD_ERROR, MVG_T_T_STAT};
        table_head(p, head, sizeof head / sizeof head[0]);
        char names[MVG_MODEL_MAX_COEF + 2][24];
        size_t nn = mvg_report_coef_names(m, names, MVG_MODEL_MAX_COEF + 2);
        for (size_t k = 0; k < nn; k++) {
            char cu[96];
            mvg_report_coef_unit(r, s, k, cu, sizeof cu);
            fputs("<tr>", o);
            if (k < m->ncoef) {
                td(p, names[k]);
                td_fig(p, F_NUM, "model.%s.%s", n, names[k]);
                td_nw(p, cu);
                td_fig(p, F_NUM, "model.%s.%s.se", n, names[k]);
                td_fig(p, F_NUM, "model.%s.%s.t", n, names[k]);
            } else {
                char lab[64];
                snprintf(lab, sizeof lab, "%s%s%s%s", names[k], T(p, MVG_T_P_OPEN),
                         T(p, MVG_T_CHANGE_POINT), T(p, MVG_T_P_CLOSE));
                td(p, lab);
                td_fig(p, F_NUM, "model.%s.%s", n, names[k]);
                td_nw(p, cu);
                td(p, "");
                td(p, "");
            }
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n<table class=\"kv\"><thead><tr><th colspan=\"2\">", o);
        esc(p, T(p, MVG_T_FIT_STATS));
        fputs("</th></tr></thead><tbody>\n<tr>", o);
        static const kv_row stats[] = {
            {MVG_T_N_POINTS, NULL, "n", F_INT},
            {MVG_T_N_PARAMS, NULL, "p", F_INT},
            {MVG_T_COUNT, "R\xc2\xb2", "r2", F_NUM},
            {MVG_T_ADJ_R2, NULL, "adj_r2", F_NUM},
            {MVG_T_COUNT, "CV(RMSE)", "cv_rmse", F_PCT},
            {MVG_T_COUNT, "NMBE", "nmbe", F_PCT},
            {MVG_T_AUTOCORR, NULL, "rho", F_NUM},
            {MVG_T_OUTLIERS, NULL, "outliers", F_INT},
            {MVG_T_OUTLIERS_EXCLUDED, NULL, "outliers_excluded", F_INT},
            {MVG_T_MAX_CV, NULL, "max_cv_rmse", F_PCT},
            {MVG_T_MAX_NMBE, NULL, "max_abs_nmbe", F_PCT},
        };
        kv_rows(p, "model", n, stats, sizeof stats / sizeof stats[0]);
        fputs("<tr>", o);
        th(p, MVG_T_THRESH_SOURCE);
        thresholds_source(p);
        fputs("</tr><tr>", o);
        th(p, MVG_T_VERDICT);
        fprintf(o, "<td class=\"%s\" data-k=\"model.%s.pass\" data-v=\"%d\">", m->pass ? "" : "bad",
                n, m->pass);
        esc(p, T(p, m->pass ? MVG_T_PASS : MVG_T_FAIL));
        fputs("</td></tr>\n", o);
        if (m->nreasons) {
            fputs("<tr>", o);
            th(p, MVG_T_REASONS);
            fputs("<td><ul>", o);
            for (size_t k = 0; k < m->nreasons; k++) {
                char tr[256];
                fputs("<li>", o);
                esc(p, mvg_i18n_reason(p->lang, m->reasons[k], tr, sizeof tr));
                fputs("</li>", o);
            }
            fputs("</ul></td></tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
        candidates(p, s);
    }
    fputs("</section>\n", o);
}

/* A daily project says that its figures count days, from which local
 * midnight, and how many intervals wait for their day to close. */
static void daily_note(const page *p)
{
    const mvg_report *r = p->r;
    if (!r->daily)
        return;
    int off = r->prj->utc_offset_min, a = off < 0 ? -off : off;
    char zone[24], open[24];
    snprintf(zone, sizeof zone, "00:00 UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
    snprintf(open, sizeof open, "%zu", r->open_intervals);
    const char *args[] = {zone, open};
    fputs("<div class=\"note\">", p->out);
    sentence(p, T(p, MVG_T_DAILY_NOTE), args, 2);
    fputs("</div>\n", p->out);
}

static void savings(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "savings", MVG_T_SEC_SAVINGS);
    daily_note(p);
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        const char *n = s->cfg->name, *u = s->cfg->factors.unit;
        fputs("<h3>", o);
        esc(p, n);
        fputs("</h3>\n", o);
        if (!s->savings_ok) {
            fputs("<div class=\"note\">", o);
            esc(p, T(p, s->has_model || s->inlet_baseline ? MVG_T_NO_DATA : MVG_T_NO_MODEL));
            fputs("</div>\n", o);
            continue;
        }
        /* each quantity over the window and per year (normalised), each
         * with its interval at the confidence */
        static const mvg_text head[] = {MVG_T_QUANTITY,    MVG_T_UNIT,       MVG_T_WINDOW_TOTAL,
                                        MVG_T_BOUND_LOW,   MVG_T_BOUND_HIGH, MVG_T_ANNUALISED,
                                        MVG_T_BOUND_LOW,   MVG_T_BOUND_HIGH};
        table_head(p, head, sizeof head / sizeof head[0]);
        static const mvg_text conv_label[] = {MVG_T_SAVINGS, MVG_T_ENERGY,    MVG_T_ENERGY_TJ,
                                              MVG_T_CO2,     MVG_T_POLLUTANT, MVG_T_WATER,
                                              MVG_T_COST};
        /* the savings in the stream's unit (row 0), then each conversion */
        mvg_report_conv cv[8] = {{0, "savings", u, 1.0}};
        size_t nf = 1 + mvg_report_convs(s->cfg, cv + 1, 7);
        static const struct {
            const char *section, *suffix;
        } cols[] = {{"savings", ""}, {"savings", ".low"}, {"savings", ".high"},
                    {"annual", ""},  {"annual", ".low"},  {"annual", ".high"}};
        for (size_t k = 0; k < nf; k++) {
            fputs("<tr><th>", o);
            esc(p, T(p, conv_label[k ? cv[k].field : 0]));
            fputs("</th>", o);
            td(p, cv[k].unit);
            for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
                td_fig(p, F_NUM, "%s.%s.%s%s", cols[c].section, n, cv[k].name, cols[c].suffix);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n<p>", o);
        char cf[32];
        const char *cargs[] = {mvg_report_fmt_pct(r->prj->confidence, 3, cf, sizeof cf)};
        sentence(p, T(p, s->cfg->tariff ? MVG_T_BOUNDS_NOTE_TARIFF : MVG_T_BOUNDS_NOTE), cargs, 1);
        fputs("</p>\n<table class=\"kv\"><tbody>\n", o);
        const struct {
            mvg_text k;
            const char *key, *unit;
            fig_kind kind;
        } rows[] = {
            {MVG_T_ADJ_BASELINE, "adjusted_baseline", u, F_NUM},
            {MVG_T_ACTUAL, "actual", u, F_NUM},
            {MVG_T_AVOIDED, "avoided", u, F_NUM},
            {MVG_T_ADJUSTMENT, "adjustment", u, F_NUM},
            {MVG_T_SAVINGS_FRACTION, "fraction", "", F_PCT},
            {MVG_T_CONFIDENCE, "confidence", "", F_PCT},
            {MVG_T_FSU, "fsu", "", F_PCT},
            {MVG_T_LOW, "low", u, F_NUM},
            {MVG_T_HIGH, "high", u, F_NUM},
            {MVG_T_REPORTING_POINTS, "m", "", F_INT},
            {MVG_T_COVERED_HOURS, "hours", "h", F_NUM},
            {MVG_T_EXTRAPOLATED, "extrapolated", "", F_INT},
        };
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
            char lab[200];
            snprintf(lab, sizeof lab, "%s%s%s%s", T(p, rows[k].k), rows[k].unit[0] ? " [" : "",
                     rows[k].unit, rows[k].unit[0] ? "]" : "");
            fputs("<tr><th>", o);
            esc(p, lab);
            fputs("</th>", o);
            td_fig(p, rows[k].kind, "savings.%s.%s", n, rows[k].key);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
    }
    fputs("</section>\n", o);
}

/* The reporting intervals not counted, per stream, with why: a verifier
 * signs m intervals and must see which were left out. At most
 * EXCL_SHOWN rows per stream; the JSON report lists them all. */
#define EXCL_SHOWN 60

/* A list of intervals per stream (excluded, extrapolated): its heading,
 * and the sentence "none" when total is 0 (then 0), else the table's
 * head with the stream, start, end and last column (1). */
static int interval_list_head(const page *p, mvg_text title, mvg_text none, size_t total,
                              mvg_text last)
{
    FILE *o = p->out;
    fputs("<h3>", o);
    esc(p, T(p, title));
    fputs("</h3>\n", o);
    if (total == 0) {
        fputs("<p>", o);
        esc(p, T(p, none));
        fputs("</p>\n", o);
        return 0;
    }
    fputs("<table class=\"excl\"><thead><tr>", o);
    th(p, MVG_T_STREAM);
    th(p, MVG_T_START);
    th(p, MVG_T_END);
    th(p, last);
    fputs("</tr></thead><tbody>\n", o);
    return 1;
}

/* Under a list: "stream: N more in the JSON report" for each stream whose
 * count(i) rows did not all fit (more: the sentence with {1}). */
static void interval_list_more(const page *p, size_t (*count)(const mvg_report_stream *),
                               mvg_text more)
{
    const mvg_report *r = p->r;
    for (size_t i = 0; i < r->nstreams; i++) {
        size_t n = count(&r->streams[i]);
        if (n <= EXCL_SHOWN)
            continue;
        char m[32];
        mvg_report_fmt_int((long long)(n - EXCL_SHOWN), m, sizeof m);
        const char *args[] = {m};
        fputs("<p>", p->out);
        esc(p, r->streams[i].cfg->name);
        esc(p, T(p, MVG_T_P_COLON));
        sentence(p, T(p, more), args, 1);
        fputs("</p>\n", p->out);
    }
}

static size_t n_excluded(const mvg_report_stream *s) { return s->nexcl; }
static size_t n_extrapolated(const mvg_report_stream *s) { return s->extrapolated; }

static void excluded(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    size_t total = 0;
    for (size_t i = 0; i < r->nstreams; i++)
        total += r->streams[i].nexcl;
    if (!interval_list_head(p, MVG_T_EXCLUDED, MVG_T_EXCL_NONE, total, MVG_T_EXCL_WHY))
        return;
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        for (size_t k = 0; k < s->nexcl && k < EXCL_SHOWN; k++) {
            const mvg_report_excl *e = &s->excl[k];
            char a[40], b[40], arg[32];
            when(e->start_ms, a, sizeof a);
            when(e->end_ms, b, sizeof b);
            if (e->why == MVG_EXCL_MISSING)
                mvg_report_fmt_int((long long)e->intervals, arg, sizeof arg);
            else
                mvg_report_fmt_pct(e->coverage, 3, arg, sizeof arg);
            fprintf(o, "<tr data-excl=\"%s\">", mvg_report_excl_name(e->why));
            td(p, s->cfg->name);
            td_nw(p, a);
            td_nw(p, b);
            const char *args[] = {arg};
            fputs("<td>", o);
            sentence(p, T(p, (mvg_text)(MVG_T_EXCL_LOW_COVERAGE + (int)e->why)), args, 1);
            fputs("</td></tr>\n", o);
        }
    }
    fputs("</tbody></table>\n", o);
    interval_list_more(p, n_excluded, MVG_T_EXCL_MORE);
}

/* The counted intervals whose x lie outside the baseline's range, per
 * stream, with each x against the range: the savings there rest on the
 * model beyond the conditions it was fitted on. At most EXCL_SHOWN rows
 * per stream; the JSON report lists them all. */
static void extrapolated(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    size_t total = 0;
    for (size_t i = 0; i < r->nstreams; i++)
        total += r->streams[i].extrapolated;
    if (!interval_list_head(p, MVG_T_EXTRAP_LIST, MVG_T_EXTRAP_NONE, total, MVG_T_EXTRAP_X))
        return;
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        size_t shown = 0;
        for (size_t k = 0; k < r->nrecords && shown < EXCL_SHOWN; k++) {
            const mvg_report_point *pt = &s->pts[k];
            if (!mvg_report_point_extrapolated(pt))
                continue;
            shown++;
            char a[40], b[40], xs[512] = "";
            when(pt->start_ms, a, sizeof a);
            when(pt->end_ms, b, sizeof b);
            for (size_t j = 0; j < pt->nx; j++) {
                char v[32], lo[32], hi[32];
                mvg_report_fmt_num(pt->x[j], 4, v, sizeof v);
                size_t l = strlen(xs);
                if (s->has_range && j < s->model.nx) {
                    mvg_report_fmt_num(s->xmin[j], 4, lo, sizeof lo);
                    mvg_report_fmt_num(s->xmax[j], 4, hi, sizeof hi);
                    snprintf(xs + l, sizeof xs - l, "%s%s %s (%s \xe2\x80\x93 %s)", l ? "; " : "",
                             s->cfg->x[j].channel, v, lo, hi);
                } else {
                    snprintf(xs + l, sizeof xs - l, "%s%s %s", l ? "; " : "", s->cfg->x[j].channel,
                             v);
                }
            }
            fputs("<tr data-extrap=\"1\">", o);
            td(p, s->cfg->name);
            td_nw(p, a);
            td_nw(p, b);
            td(p, xs);
            fputs("</tr>\n", o);
        }
    }
    fputs("</tbody></table>\n", o);
    interval_list_more(p, n_extrapolated, MVG_T_EXTRAP_MORE);
}

static int coverage(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "coverage", MVG_T_SEC_COVERAGE);
    daily_note(p);
    fputs("<table><thead><tr>", o);
    th(p, MVG_T_STREAM);
    th(p, MVG_T_COV_BASELINE);
    th(p, MVG_T_COV_REPORTING);
    th(p, MVG_T_COV_USED);
    th(p, MVG_T_COV_EXPECTED);
    th(p, MVG_T_COV_USED_SHARE);
    fputs("</tr></thead><tbody>\n", o);
    for (size_t i = 0; i < r->nstreams; i++) {
        const char *n = r->streams[i].cfg->name;
        fputs("<tr>", o);
        td(p, n);
        td_fig(p, F_PCT, "coverage.%s.baseline", n);
        td_fig(p, F_PCT, "coverage.%s.reporting", n);
        /* the intervals behind the savings' m, which the coverage (a mean of
         * channel coverage) does not show: 99 % coverage may hide two
         * intervals left out */
        td_fig(p, F_INT, "coverage.%s.intervals_used", n);
        td_fig(p, F_INT, "coverage.%s.intervals_expected", n);
        td_fig(p, F_PCT, "coverage.%s.used", n);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
    if (mvg_report_html_coverage_chart(p) != 0)
        return -1;
    excluded(p);
    extrapolated(p);
    fputs("</section>\n", o);
    return 0;
}

static void chain(const page *p)
{
    const mvg_report *r = p->r;
    FILE *o = p->out;
    mvg_report_html_section(p, "chain", MVG_T_SEC_CHAIN);
    chain_banner(p);
    fputs("<table class=\"kv\"><tbody><tr>", o);
    th(p, MVG_T_CHAIN_RESULT);
    fprintf(o, "<td class=\"mono\" data-k=\"chain.ok\" data-v=\"%d\">", r->chain_ok);
    chain_line(p);
    fputs("</td></tr>\n<tr>", o);
    th(p, MVG_T_CHAIN_RECORDS);
    td_fig(p, F_INT, "chain.records");
    fputs("</tr>\n<tr>", o);
    th(p, MVG_T_KEY_FP);
    fputs("<td class=\"mono\">", o);
    esc_fp(p, r->chain.fingerprint);
    fputs("</td></tr>\n<tr>", o);
    th(p, MVG_T_KEY_CURRENT);
    fputs("<td class=\"mono\">", o);
    esc_fp(p, r->chain.current_fingerprint);
    fputs("</td></tr>\n<tr>", o);
    th(p, MVG_T_CHAIN_TRUST);
    fputs("<td class=\"mono\">", o);
    trust_line(p);
    fputs("</td></tr></tbody></table>\n</section>\n", o);
}

static void method(const page *p)
{
    FILE *o = p->out;
    /* on the chain's page: the signature line belongs with the evidence */
    fputs("<section class=\"first\" id=\"method\"><h2>", o);
    esc(p, T(p, MVG_T_SEC_METHOD));
    fputs("</h2>\n<p>", o);
    esc(p, T(p, MVG_T_METHOD_TEXT));
    fputs("</p>\n<p>", o);
    esc(p, T(p, MVG_T_TIMES_UTC));
    fputs("</p>\n<p class=\"sign\">", o);
    esc(p, T(p, MVG_T_SIGN_OFF));
    fputs("</p>\n</section>\n", o);
}

int mvg_report_write_html(const mvg_report *r, mvg_lang lang, FILE *out, char *err,
                          size_t errlen)
{
    page p = {r, lang, out};
    mvg_report_html_open(out, lang, T(&p, MVG_T_TITLE), r->prj->name);
    header(&p);
    project(&p);
    model(&p);
    if (mvg_report_html_baseline_charts(&p) != 0 || mvg_report_html_reporting_charts(&p) != 0)
        goto oom;
    savings(&p);
    if (coverage(&p) != 0)
        goto oom;
    chain(&p);
    method(&p);
    fputs("</body>\n</html>\n", out);
    if (ferror(out)) {
        snprintf(err, errlen, "write error");
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory drawing the charts");
    return -1;
}
