/*
 * report_csv.c: the report as CSV rows section,key,value,unit (RFC 4180:
 * CRLF line ends, fields quoted when they hold a comma, quote or line
 * break). First the figures (the same keys and values as the JSON's
 * "figures", numbers at 17 significant digits, undefined ones empty), then
 * a few text rows (project, chain), then the window's interval series as
 * rows of section "interval", key "<stream>.<start>.<field>".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"

#include "payload.h"
#include "report_out.h"

static void row(FILE *out, const char *section, const char *key, const char *value,
                const char *unit)
{
    const char *f[] = {section, key, value, unit};
    mvg_csv_put_row(out, f, 4);
}

static void num_row(FILE *out, const char *section, const char *key, double v, int is_int,
                    const char *unit)
{
    char b[40] = "";
    if (isfinite(v))
        snprintf(b, sizeof b, is_int ? "%.0f" : "%.17g", v);
    row(out, section, key, b, unit);
}

int mvg_report_write_csv(const mvg_report *r, FILE *out, char *err, size_t errlen)
{
    row(out, "section", "key", "value", "unit");
    for (size_t i = 0; i < r->nfigs; i++) {
        const mvg_report_fig *f = &r->figs[i];
        num_row(out, f->section, f->key, f->value, f->is_int, f->unit);
    }
    row(out, "project", "project.name", r->prj->name, "");
    row(out, "project", "project.gateway", r->src->gateway, "");
    row(out, "chain", "chain.line", r->chain.line, "");
    row(out, "chain", "chain.fingerprint", r->chain.fingerprint, "");
    row(out, "chain", "chain.current_fingerprint", r->chain.current_fingerprint, "");
    row(out, "chain", "chain.attestation", mvg_cli_enrol_trust_word(r->chain.enrolled), "");
    for (size_t i = 0; i < r->nstreams; i++) {
        const mvg_report_stream *s = &r->streams[i];
        const char *u = s->cfg->factors.unit;
        for (size_t k = 0; k < r->nrecords; k++) {
            const mvg_report_point *p = &s->pts[k];
            if (!p->in_window)
                continue;
            char t[40], key[200];
            mvg_payload_time(p->start_ms, t, sizeof t);
#define KEY(field) (snprintf(key, sizeof key, "%s.%s.%s", s->cfg->name, t, field), key)
            row(out, "interval", KEY("phase"), mvg_report_phase_name(p->phase), "");
            num_row(out, "interval", KEY("valid"), p->valid, 1, "");
            num_row(out, "interval", KEY("coverage"), p->coverage, 0, "");
            num_row(out, "interval", KEY("actual"), p->actual, 0, u);
            for (size_t j = 0; j < p->nx; j++) {
                char xf[16];
                snprintf(xf, sizeof xf, "x%zu", j + 1);
                num_row(out, "interval", KEY(xf), p->x[j], 0, "");
            }
            num_row(out, "interval", KEY("prediction"), p->prediction, 0, u);
            if (p->phase == MVG_RP_REPORTING) {
                num_row(out, "interval", KEY("adjusted_baseline"), p->adjusted_baseline, 0, u);
                num_row(out, "interval", KEY("savings"), p->savings, 0, u);
                num_row(out, "interval", KEY("cum_savings"), p->cum_savings, 0, u);
            }
#undef KEY
        }
    }
    if (ferror(out)) {
        snprintf(err, errlen, "write error");
        return -1;
    }
    return 0;
}
