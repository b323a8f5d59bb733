/*
 * influx_lines.c: the InfluxDB line layouts (influx_lines.h).
 */
#include "influx_lines.h"

#include <math.h>

/* The exact raw value's field (docs/influx.md): each field name keeps one
 * type in every line, as InfluxDB requires of a measurement. */
static void raw_field(mvg_lp *lp, const mvg_sample *s, int unsigned_fields)
{
    char digits[MVG_SAMPLE_DIGITS];
    switch (s->raw_kind) {
    case MVG_RAW_INT:
        mvg_lp_field_int(lp, "raw", s->raw_i);
        break;
    case MVG_RAW_UINT:
        if (unsigned_fields)
            mvg_lp_field_uint(lp, "raw_u", s->raw_u);
        else if (s->raw_u <= (uint64_t)INT64_MAX)
            mvg_lp_field_int(lp, "raw", (int64_t)s->raw_u);
        else if (mvg_sample_raw_digits(s, digits) > 0)
            mvg_lp_field_string(lp, "raw_text", digits); /* above 2^63 - 1: no integer field */
        break;
    case MVG_RAW_TEXT:
        if (s->text)
            mvg_lp_field_string(lp, "text", s->text);
        break;
    default:
        break;
    }
}

const char *mvg_influx_lines_samples(mvg_lp *lp, const char *gateway, const mvg_device_cfg *dev,
                                     const mvg_sample_batch *b, int unsigned_fields, size_t *len)
{
    mvg_lp_clear(lp);
    for (size_t i = 0; i < b->n && i < dev->npoints; i++) {
        const mvg_sample *s = &b->samples[i];
        mvg_lp_begin(lp, "mvgate_sample");
        mvg_lp_tag(lp, "gateway", gateway);
        mvg_lp_tag(lp, "device", dev->name);
        mvg_lp_tag(lp, "point", dev->points[i].name);
        mvg_lp_field_double(lp, "value", s->value);
        raw_field(lp, s, unsigned_fields);
        mvg_lp_field_string(lp, "quality", mvg_quality_name(s->quality));
        mvg_lp_end(lp, s->ts_ms);
    }
    return mvg_lp_data(lp, len);
}

/* A daily project's day, on the interval record that closes it: the
 * day's figures as the record's "day" block has them (docs/influx.md
 * mvgate_day), at the day's end. */
static void day_line(mvg_lp *lp, const char *gateway, const char *project, int64_t seq,
                     const mvg_stream_result *r)
{
    const mvg_dayrow *d = &r->day;
    const int counted = isfinite(r->day_adjusted_baseline);
    mvg_lp_begin(lp, "mvgate_day");
    mvg_lp_tag(lp, "gateway", gateway);
    mvg_lp_tag(lp, "project", project);
    mvg_lp_tag(lp, "stream", r->name);
    mvg_lp_field_int(lp, "seq", seq);
    mvg_lp_field_bool(lp, "complete", d->complete);
    mvg_lp_field_int(lp, "intervals", (int64_t)d->intervals);
    mvg_lp_field_int(lp, "valid_intervals", (int64_t)d->valid);
    mvg_lp_field_double(lp, "actual", d->y);
    mvg_lp_field_double(lp, "adjusted_baseline", r->day_adjusted_baseline);
    mvg_lp_field_double(lp, "avoided", r->day_avoided);
    mvg_lp_field_double(lp, "tj", r->day_conv.tj);
    mvg_lp_field_double(lp, "co2_t", r->day_conv.co2_t);
    mvg_lp_field_double(lp, "cost_hkd", r->day_conv.cost_hkd);
    if (counted)
        mvg_lp_field_bool(lp, "extrapolated", r->day_x_outside != 0);
    mvg_lp_end(lp, d->end_ms);
}

const char *mvg_influx_lines_interval(mvg_lp *lp, const char *gateway, const char *project,
                                      int64_t seq, const mvg_project_result *res, size_t *len)
{
    mvg_lp_clear(lp);
    for (size_t s = 0; s < res->nstreams; s++) {
        const mvg_stream_result *r = &res->streams[s];
        mvg_lp_begin(lp, "mvgate_interval");
        mvg_lp_tag(lp, "gateway", gateway);
        mvg_lp_tag(lp, "project", project);
        mvg_lp_tag(lp, "stream", r->name);
        mvg_lp_field_int(lp, "seq", seq);
        mvg_lp_field_string(lp, "phase", mvg_project_phase_name(res->phase));
        mvg_lp_field_bool(lp, "valid", r->valid);
        mvg_lp_field_double(lp, "coverage", r->coverage);
        mvg_lp_field_double(lp, "actual", r->actual);
        mvg_lp_field_double(lp, "adjusted_baseline", r->adjusted_baseline);
        mvg_lp_field_double(lp, "savings", r->savings);
        mvg_lp_field_double(lp, "cum_savings", r->cum_savings);
        mvg_lp_field_double(lp, "fsu", r->fsu);
        mvg_lp_field_double(lp, "cum_tj", r->cum_conv.tj);
        mvg_lp_field_double(lp, "cum_co2_t", r->cum_conv.co2_t);
        mvg_lp_field_double(lp, "cum_cost_hkd", r->cum_conv.cost_hkd);
        mvg_lp_end(lp, res->end_ms);
        if (r->day_closed)
            day_line(lp, gateway, project, seq, r);
    }
    return mvg_lp_data(lp, len);
}
