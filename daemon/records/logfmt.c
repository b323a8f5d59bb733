/*
 * logfmt.c: log lines of polls, interval results and models (logfmt.h).
 */
#include "logfmt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

/* Appends to buf at *pos, never past len (a long line is cut, not overrun). */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n < len - *pos ? (size_t)n : len - *pos - 1;
}

/* ISO 8601 UTC with minutes ("2026-01-06T01:05Z"). Returns buf. */
static const char *minutes_utc(long long ms, char *buf, size_t len)
{
    return mvg_timefmt_format(ms, MVG_TIMEFMT_MIN | MVG_TIMEFMT_Z, buf, len);
}

const char *mvg_logfmt_batch(const mvg_config *cfg, const mvg_sample_batch *b, char *buf,
                             size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    if (b->device >= cfg->ndevices)
        return buf;
    const mvg_device_cfg *d = &cfg->devices[b->device];
    put(buf, len, &pos, "%s%s: ", d->name, b->online ? "" : " (offline)");
    for (size_t i = 0; i < b->n && i < d->npoints; i++) {
        const mvg_point_cfg *p = &d->points[i];
        const mvg_sample *s = &b->samples[i];
        put(buf, len, &pos, "%s%s=", i ? ", " : "", p->name);
        if (s->raw_kind == MVG_RAW_TEXT && s->text)
            put(buf, len, &pos, "\"%s\"", s->text);
        else if (isfinite(s->value))
            put(buf, len, &pos, "%.10g%s%s", s->value, p->unit[0] ? " " : "", p->unit);
        else
            put(buf, len, &pos, "-");
        if (s->quality == MVG_Q_EXCEPTION)
            put(buf, len, &pos, " (exception %u)", s->exception_code);
        else if (s->quality != MVG_Q_GOOD)
            put(buf, len, &pos, " (%s)", mvg_quality_name(s->quality));
    }
    return buf;
}

const char *mvg_logfmt_stream(const char *project, const mvg_project_result *res, size_t s,
                              char *buf, size_t len)
{
    const mvg_stream_result *r = &res->streams[s];
    char when[32];
    size_t pos = 0;
    buf[0] = '\0';
    put(buf, len, &pos, "%s %s %s %s: ", project, minutes_utc(res->start_ms, when, sizeof when),
        mvg_project_phase_name(res->phase), r->name);
    if (!r->valid) {
        put(buf, len, &pos, "not counted (coverage %.0f%%)", 100.0 * r->coverage);
        return buf;
    }
    put(buf, len, &pos, "actual %.4g %s", r->actual, r->unit);
    if (res->phase == MVG_PHASE_BASELINE) {
        put(buf, len, &pos, " (baseline row %zu)", r->baseline_rows);
        return buf;
    }
    if (res->phase != MVG_PHASE_REPORTING)
        return buf;
    if (!r->model_ready) {
        put(buf, len, &pos, "; no baseline model, no savings");
        return buf;
    }
    if (!res->daily) {
        put(buf, len, &pos, ", adjusted baseline %.4g, savings %.4g %s", r->adjusted_baseline,
            r->savings, r->unit);
    } else if (!r->day_closed) {
        return buf; /* a daily project's savings come with the day's last interval */
    } else if (!r->day.complete) {
        put(buf, len, &pos, "; day %s not counted (%u of %u intervals valid)",
            minutes_utc(r->day.start_ms, when, sizeof when), r->day.valid, r->day.intervals);
        return buf;
    } else {
        put(buf, len, &pos, "; day %s: actual %.6g, adjusted baseline %.6g, avoided %.6g %s",
            minutes_utc(r->day.start_ms, when, sizeof when), r->day.y, r->day_adjusted_baseline,
            r->day_avoided, r->unit);
    }
    put(buf, len, &pos, " | cumulative %.6g %s over %zu %s (%.1f%%", r->cum_savings, r->unit,
        r->m, res->daily ? "days" : "intervals", 100.0 * r->savings_fraction);
    if (isfinite(r->fsu))
        put(buf, len, &pos, ", +/- %.1f%% at %.0f%%: %.6g .. %.6g", 100.0 * r->fsu,
            100.0 * res->confidence, r->savings_low, r->savings_high);
    put(buf, len, &pos, ")");
    const mvg_conv_result *c = &r->cum_conv;
    if (c->tj != 0)
        put(buf, len, &pos, ", %.6g TJ", c->tj);
    if (c->co2_t != 0)
        put(buf, len, &pos, ", %.6g t CO2", c->co2_t);
    if (c->pollutant_kg != 0)
        put(buf, len, &pos, ", %.6g kg", c->pollutant_kg);
    if (c->water_m3 != 0 && strcmp(r->unit, "m3") != 0)
        put(buf, len, &pos, ", %.6g m3", c->water_m3);
    if (c->cost_hkd != 0)
        put(buf, len, &pos, ", HK$%.2f", c->cost_hkd);
    if (isfinite(r->annual_savings))
        put(buf, len, &pos, "; normalised annual %.6g %s/yr (%s)", r->annual_savings, r->unit,
            r->annual_basis ? r->annual_basis : "?");
    return buf;
}

const char *mvg_logfmt_model(const char *project, const char *stream, const mvg_model *m,
                             char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    put(buf, len, &pos, "%s: baseline model of %s: %s", project, stream,
        mvg_model_type_name(m->type));
    for (size_t i = 0; i < m->ncoef; i++)
        put(buf, len, &pos, "%s b%zu=%.6g (se %.3g)", i ? "," : "", i, m->coef[i], m->std_err[i]);
    for (size_t i = 0; i < m->ncp; i++)
        put(buf, len, &pos, ", c%zu=%.6g", i + 1, m->cp[i]);
    put(buf, len, &pos, "; n=%zu, R2=%.4f, CV(RMSE)=%.1f%%, NMBE=%.2f%%, ASHRAE 14 %s", m->n, m->r2,
        100.0 * m->cv_rmse, 100.0 * m->nmbe, m->pass ? "pass" : "FAIL");
    for (size_t i = 0; i < m->nreasons; i++)
        put(buf, len, &pos, "%s%s", i ? "; " : ": ", m->reasons[i]);
    return buf;
}
