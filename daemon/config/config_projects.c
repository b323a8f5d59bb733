/*
 * config_projects.c: parses and checks the `derived` and `projects`
 * sections (config_projects.h): the projects, their periods and criteria
 * here (a key table each, next to the rules between its keys), each stream
 * in config_streams.c, references, expressions and derived channels in
 * config_prj_common.c (config_prj.h). Every problem found is added to the
 * diagnostics with the file and line of the setting at fault; parsing goes
 * on after an error so that a user fixes the whole file in one pass. References are resolved against
 * the already-checked devices and points and the derived channels; inline
 * expressions are compiled with expr.h so that their errors carry a column.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_prj.h"
#include "config_read.h"
#include "dayrow.h"
#include "expr.h"
#include "strpool.h"
#include "timefmt.h"

/* ---- periods: baseline, installation, reporting -------------------------- */

typedef struct {
    int64_t start, end;
} period_row;

static const mvg_key period_keys[] = {
    {"start", MVG_KEY_TIME, MVG_KEY_REQUIRED, MVG_FIELD(period_row, start),
     .doc = "the first instant of the period"},
    {"end", MVG_KEY_TIME, 0, MVG_FIELD(period_row, end),
     .def_doc = "required in `baseline` and `installation`; none in `reporting` (it runs on)",
     .allowed = "ISO 8601 ([Times](#times)), after `start`",
     .doc = "the instant the period ends (excluded)"},
};
const mvg_section mvg_config_periods_section = {"periods", MVG_KEYS(period_keys)};

/* The period key of project group g, when given: 1 read and valid, 0 not. */
static int parse_period(ctx_t *c, const config_setting_t *g, const char *key, const char *ctxs,
                        int end_required, int64_t *start, int *has_end, int64_t *end)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    *has_end = 0;
    if (!s)
        return 0;
    const mvg_section *sec = &mvg_config_periods_section;
    char sub[300];
    snprintf(sub, sizeof sub, "%s: %s", ctxs, key);
    period_row p = {0, 0};
    signed char rc[sizeof period_keys / sizeof period_keys[0]];
    if (mvg_section_read_group(&c->r, sec, s, sub, "{ start = \"...\"; end = \"...\"; }", &p,
                               rc) != 0)
        return 0;
    int ok = mvg_section_rc(sec, rc, "start") > 0;
    int end_rc = mvg_section_rc(sec, rc, "end");
    if (end_rc == 0 && end_required)
        mvg_section_require(&c->r, sec, "end", s, sub);
    if (end_rc < 0 || (end_rc == 0 && end_required))
        ok = 0;
    *start = p.start;
    *end = p.end;
    *has_end = end_rc > 0;
    if (ok && *has_end && *end <= *start) {
        mvg_cfgp_fail(c, s, "%s: end must be after start", sub);
        ok = 0;
    }
    return ok;
}

/* ---- criteria ------------------------------------------------------------ */

/* No defaults here: they are the engine's (mvg_model_criteria_default);
 * def_doc quotes them and tests/unit/test_config_projects.c holds the two
 * together. */
#define CR(f) MVG_FIELD(mvg_model_criteria, f)
static const mvg_key criteria_keys[] = {
    {"max_cv_rmse", MVG_KEY_NUMBER, 0, CR(max_cv_rmse), .min = 0, .max = 10, .def_doc = "0.30",
     .doc = "highest CV(RMSE) of an acceptable model (a fraction: 0.30 = 30 %)"},
    {"max_abs_nmbe", MVG_KEY_NUMBER, 0, CR(max_abs_nmbe), .min = 0, .max = 10, .def_doc = "0.10",
     .doc = "highest absolute NMBE (fraction)"},
    {"min_coverage", MVG_KEY_NUMBER, 0, CR(min_coverage), .min = 0, .max = 1, .def_doc = "0.90",
     .doc = "fraction of the baseline's intervals that must be valid"},
    /* a number, as it always was; a count of rows once read */
    {"min_points_per_segment", MVG_KEY_NUMBER, MVG_KEY_MANUAL, .size = sizeof(double), .min = 1,
     .max = 1e6, .def_doc = "10", .doc = "fewest baseline rows on each side of a change point"},
};
const mvg_section mvg_config_criteria_section = {"criteria", MVG_KEYS(criteria_keys)};

static void parse_criteria(ctx_t *c, const config_setting_t *cr, const char *ctxs,
                           mvg_model_criteria *out)
{
    char sub[200];
    snprintf(sub, sizeof sub, "%s: criteria", ctxs);
    const mvg_section *sec = &mvg_config_criteria_section;
    if (mvg_section_read_group(&c->r, sec, cr, sub, NULL, out, NULL) != 0)
        return;
    double mp;
    if (mvg_key_read(&c->r, mvg_section_key(sec, "min_points_per_segment"), cr, sub, NULL, &mp) > 0)
        out->min_points_per_segment = (size_t)mp;
}

/* ---- projects ------------------------------------------------------------ */

static const int hour_divisors[] = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 0};
static const char *const ipmvp_options[] = {"A", "B", "C", "D", NULL};
static const int ipmvp_values[] = {1, 2, 3, 4}; /* 0: not given */
static const char *const annual_bases[] = {"baseline year", "calendar", NULL};
static const char *const granularities[] = {"interval", "daily", NULL};
static const int granularity_values[] = {MVG_PRJ_GRAN_INTERVAL, MVG_PRJ_GRAN_DAILY};
#define PRJ(f) MVG_FIELD(mvg_project_cfg, f)
static const mvg_key project_keys[] = {
    {"name", MVG_KEY_STRING, MVG_KEY_REQUIRED | MVG_KEY_NONEMPTY | MVG_KEY_MANUAL, PRJ(name),
     .allowed = "a letter or `_`, then letters, digits, `_`, `-`; < 64 characters; unique",
     .doc = "the project"},
    {"technology", MVG_KEY_STRING, MVG_KEY_CUT, PRJ(technology), .def = "",
     .doc = "free text, e.g. `\"chiller\"`, `\"boiler\"` (reported with the results)"},
    {"interval_min", MVG_KEY_INT, 0, PRJ(interval_min), .lo = 1, .hi = 60,
     .values = hour_divisors, .def = "15",
     .hint = "a divisor of the hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)",
     .doc = "length of the project's intervals (model rows, savings records); boundaries are "
            "wall-clock aligned (multiples of the interval)"},
    {"granularity", MVG_KEY_CHOICE, 0, PRJ(granularity), .choices = granularities,
     .values = granularity_values, .def = "interval",
     .doc = "the rows the baseline is fitted on and the savings are counted by: the intervals, "
            "or local days made of them (docs/method.md \"Daily projects\"); a daily project "
            "takes the daily ASHRAE 14 thresholds and FSU factor"},
    {"utc_offset", MVG_KEY_STRING, 0, PRJ(utc_offset), .def = "Z",
     .allowed = "an offset such as `\"+08:00\"` ([Times](#times)), a multiple of `interval_min`",
     .applies = "granularity = \"daily\"",
     .doc = "the site's offset from UTC: where its local days begin (no daylight saving)"},
    {"baseline", MVG_KEY_OTHER, MVG_KEY_REQUIRED, .type_doc = "group",
     .hint = "baseline = { start = \"...\"; end = \"...\"; }",
     .allowed = "[periods](#periods): `start` and `end`",
     .doc = "the baseline period: intervals collected for the model fit; the models are fitted "
            "and frozen at its end"},
    {"installation", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "none",
     .allowed = "[periods](#periods): `start` and `end`; start ≥ baseline end",
     .doc = "excluded period while the measure is installed"},
    {"reporting", MVG_KEY_OTHER, MVG_KEY_REQUIRED, .type_doc = "group",
     .hint = "reporting = { start = \"...\"; end = \"...\"; }",
     .allowed = "[periods](#periods): `start`, `end` optional; start ≥ end of the installation "
                "(or of the baseline)",
     .doc = "the period in which savings are computed; without `end` it runs on"},
    {"confidence", MVG_KEY_NUMBER, 0, PRJ(confidence), .min = 0.5, .max = 0.999, .def = "0.90",
     .doc = "confidence level of the savings uncertainty (FSU) and savings interval"},
    {"min_interval_coverage", MVG_KEY_NUMBER, 0, PRJ(min_interval_coverage), .min = 0, .max = 1,
     .def = "0.90",
     .doc = "an interval counts for a stream only when each channel it uses is covered by good "
            "samples at least this fraction of the interval; it is then scaled to the full "
            "interval"},
    {"ipmvp_option", MVG_KEY_CHOICE, 0, PRJ(ipmvp_option), .choices = ipmvp_options,
     .values = ipmvp_values, .def_doc = "none (`mvgate check` warns)",
     .doc = "the IPMVP option the project follows: A (key parameter measurement), B (all "
            "parameter measurement), C (whole facility), D (calibrated simulation); published "
            "in the project definition record, null when not given"},
    {"measurement_boundary", MVG_KEY_STRING, MVG_KEY_NONEMPTY, PRJ(measurement_boundary),
     .def_doc = "none (`mvgate check` warns)",
     .doc = "free text: what the meters enclose (e.g. `\"compressor room: 3 compressors, "
            "dryer\"`); published in the project definition record, null when not given"},
    {"annual_basis", MVG_KEY_CHOICE, 0, PRJ(annual_basis), .choices = annual_bases,
     .def = "baseline year",
     .doc = "the normal year of the annual figures: the baseline's own conditions repeated to "
            "a year, or a year of the site's operating `calendar` (docs/method.md \"Annual "
            "figures\")"},
    {"calendar", MVG_KEY_STRING, MVG_KEY_NONEMPTY, PRJ(calendar), .def_doc = "none",
     .allowed = "`\"hk\"`, `\"cn\"` ([calendars](#calendars)), or a file path with a `/`",
     .applies = "annual_basis = \"calendar\"",
     .doc = "the public holidays (and make-up working days) of the normal year"},
    {"calendar_year", MVG_KEY_INT, 0, PRJ(calendar_year), .lo = 1970, .hi = 9999,
     .def_doc = "the local year of the reporting start", .applies = "annual_basis = \"calendar\"",
     .doc = "the calendar year that is the normal year; the calendar must cover it"},
    {"rest_days", MVG_KEY_OTHER, 0, .type_doc = "list of strings", .def_doc = "`[\"sat\", \"sun\"]`",
     .allowed = "`sun` ... `sat`; `[]` for none", .applies = "annual_basis = \"calendar\"",
     .doc = "the weekdays the site rests on (a make-up working day of the calendar works)"},
    {"shifts", MVG_KEY_OTHER, 0, .type_doc = "list of strings", .def_doc = "none: a working day is one class",
     .allowed = "1..4 windows `\"HH:MM-HH:MM\"` that do not overlap; `\"22:00-06:00\"` runs past midnight",
     .applies = "annual_basis = \"calendar\"",
     .doc = "the shifts of a working day; the rest of a working day is \"off shift\""},
    {"criteria", MVG_KEY_OTHER, 0, .type_doc = "group", .def_doc = "see below",
     .allowed = "[criteria](#criteria)", .doc = "ASHRAE 14 acceptance of the baseline models"},
    {"streams", MVG_KEY_OTHER, MVG_KEY_REQUIRED, .type_doc = "list", .allowed = "1..8 groups",
     .doc = "the savings streams, below"},
};
const mvg_section mvg_config_projects_section = {"projects", MVG_KEYS(project_keys)};

/* The rules between the periods of prj (read from g). */
static void check_periods(ctx_t *c, const config_setting_t *g, const char *ctxs,
                          mvg_project_cfg *prj)
{
    int has_bend, has_iend, has_rend;
    int has_b = parse_period(c, g, "baseline", ctxs, 1, &prj->baseline_start_ms, &has_bend,
                             &prj->baseline_end_ms);
    prj->has_installation = parse_period(c, g, "installation", ctxs, 1,
                                         &prj->installation_start_ms, &has_iend,
                                         &prj->installation_end_ms);
    int has_r = parse_period(c, g, "reporting", ctxs, 0, &prj->reporting_start_ms, &has_rend,
                             &prj->reporting_end_ms);
    prj->has_reporting_end = has_r && has_rend;
    if (!has_b || !has_r)
        return;
    int64_t after_b = prj->baseline_end_ms;
    if (prj->has_installation) {
        if (prj->installation_start_ms < prj->baseline_end_ms)
            mvg_cfgp_fail(c, config_setting_get_member(g, "installation"),
                 "%s: installation must start at or after the end of the baseline", ctxs);
        after_b = prj->installation_end_ms;
    }
    if (prj->reporting_start_ms < after_b)
        mvg_cfgp_fail(c, config_setting_get_member(g, "reporting"),
             "%s: reporting must start at or after the end of the %s", ctxs,
             prj->has_installation ? "installation" : "baseline");
}

/* The offset, and what a daily project needs of its interval (dayrow.h's
 * rule). 0, or -1 after reporting. */
static int check_granularity(ctx_t *c, const config_setting_t *g, const char *ctxs,
                             mvg_project_cfg *prj)
{
    const config_setting_t *off = config_setting_get_member(g, "utc_offset");
    if (off && prj->granularity != MVG_PRJ_GRAN_DAILY) {
        mvg_cfgp_fail(c, off, "%s: 'utc_offset' applies only with granularity = \"daily\"", ctxs);
        return -1;
    }
    if (mvg_timefmt_parse_offset(prj->utc_offset, &prj->utc_offset_min) != 0) {
        mvg_cfgp_fail(c, off, "%s: utc_offset '%s' must be an offset such as \"+08:00\" "
                              "(-12:00 to +14:00)",
                      ctxs, prj->utc_offset);
        return -1;
    }
    if (prj->granularity != MVG_PRJ_GRAN_DAILY)
        return 0;
    mvg_dayrow_cfg dc = {(int64_t)prj->interval_min * 60000, prj->utc_offset_min, 0, 0u};
    char err[200];
    if (mvg_dayrow_cfg_check(&dc, err, sizeof err) != 0) {
        mvg_cfgp_fail(c, off ? off : g, "%s: %s", ctxs, err);
        return -1;
    }
    if (prj->annual_basis == MVG_ANNUAL_CALENDAR) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "annual_basis"),
                      "%s: annual_basis = \"calendar\" classes intervals by shift; a daily "
                      "project has days (use the baseline year)",
                      ctxs);
        return -1;
    }
    return 0;
}

static void parse_project(ctx_t *c, const config_setting_t *g, int idx, mvg_project_cfg *prj)
{
    const mvg_section *sec = &mvg_config_projects_section;
    char ctxs[160];
    snprintf(ctxs, sizeof ctxs, "projects[%d]", idx);
    prj->src = mvg_cfgp_src_of(c, g);
    if (!config_setting_is_group(g)) {
        mvg_cfgp_fail(c, g, "%s must be a group { name = ...; baseline = ...; streams = ...; }", ctxs);
        return;
    }
    mvg_section_defaults(sec, prj);
    signed char rc[sizeof project_keys / sizeof project_keys[0]];
    if (mvg_key_read(&c->r, mvg_section_key(sec, "name"), g, ctxs, prj, NULL) <= 0) {
        mvg_section_read(&c->r, sec, g, ctxs, prj, rc);
        return;
    }
    const char *name = prj->name;
    if (!mvg_cfgp_is_ident(name)) {
        mvg_cfgp_fail(c, config_setting_get_member(g, "name"),
             "%s: name '%s' must be a letter or '_' then letters, digits, '_' or '-'", ctxs, name);
        return;
    }
    snprintf(ctxs, sizeof ctxs, "project '%s'", name);
    mvg_section_read(&c->r, sec, g, ctxs, prj, rc);
    for (int i = 0; i < idx; i++)
        if (strcmp(c->out->projects[i].name, name) == 0) {
            mvg_cfgp_fail(c, config_setting_get_member(g, "name"), "%s: defined twice", ctxs);
            return;
        }
    if (check_granularity(c, g, ctxs, prj) != 0)
        return;
    mvg_model_criteria_for(prj->granularity == MVG_PRJ_GRAN_DAILY ? MVG_GRAN_DAILY
                                                                  : MVG_GRAN_HOURLY,
                           &prj->criteria);
    prj->criteria.confidence = prj->confidence;
    const config_setting_t *cr = config_setting_get_member(g, "criteria");
    if (cr)
        parse_criteria(c, cr, ctxs, &prj->criteria);
    check_periods(c, g, ctxs, prj);
    mvg_cfgp_parse_operating(c, g, ctxs, prj);

    const config_setting_t *sl = config_setting_get_member(g, "streams");
    if (!sl)
        return; /* reported by the table */
    if (!config_setting_is_list(sl) || config_setting_length(sl) == 0) {
        mvg_cfgp_fail(c, sl, "%s: 'streams' must be a non-empty list ( { name = ...; ... } )", ctxs);
        return;
    }
    size_t n = (size_t)config_setting_length(sl);
    if (n > MVG_PROJECT_MAX_STREAMS) {
        mvg_cfgp_fail(c, sl, "%s: %zu streams, at most %d per project (split it into projects)", ctxs, n,
             MVG_PROJECT_MAX_STREAMS);
        return;
    }
    prj->streams = calloc(n, sizeof *prj->streams);
    if (!prj->streams)
        return;
    for (size_t i = 0; i < n; i++) {
        prj->nstreams = i + 1; /* so that free() sees what was allocated */
        const config_setting_t *se = config_setting_get_elem(sl, (unsigned)i);
        mvg_cfgp_parse_stream(c, se, ctxs, prj, i, &prj->streams[i]);
        const config_setting_t *tar = config_setting_get_member(se, "tariff");
        if (prj->granularity == MVG_PRJ_GRAN_DAILY && tar)
            mvg_cfgp_fail(c, tar,
                          "%s: stream '%s': a tariff prices each interval's savings; a daily "
                          "project has savings per day (use cost_per_unit)",
                          ctxs, prj->streams[i].name);
    }
}

int mvg_config_projects_load(const config_setting_t *root, const mvg_config *cfg,
                             const char *grid_path, mvg_diags *diags, mvg_projects_cfg **out)
{
    *out = NULL;
    const config_setting_t *ds = config_setting_get_member(root, "derived");
    const config_setting_t *ps = config_setting_get_member(root, "projects");
    if (!ds && !ps)
        return 0;
    ctx_t c;
    mvg_cfgp_init(&c, cfg, diags);
    c.grid_path = grid_path;
    c.out = calloc(1, sizeof *c.out);
    if (!c.out) {
        mvg_diags_add(diags, NULL, 0, "out of memory loading projects");
        return -1;
    }
    if (ds) {
        c.derived_list = config_setting_is_list(ds) ? ds : NULL;
        mvg_cfgp_parse_derived(&c, ds);
    }
    c.ndeclared = c.out->nderived;
    if (ps) {
        if (!config_setting_is_list(ps)) {
            mvg_cfgp_fail(&c, ps, "'projects' must be a list: projects = ( { name = ...; ... } );");
        } else {
            size_t n = (size_t)config_setting_length(ps);
            c.out->projects = calloc(n ? n : 1, sizeof *c.out->projects);
            if (!c.out->projects) {
                mvg_cfgp_fail(&c, ps, "out of memory");
            } else {
                for (size_t i = 0; i < n; i++) {
                    c.out->nprojects = i + 1;
                    parse_project(&c, config_setting_get_elem(ps, (unsigned)i), (int)i,
                                  &c.out->projects[i]);
                }
            }
        }
    }
    mvg_grid_free(c.grid); /* the streams keep copies of what they took */
    if (c.r.errors) {
        mvg_config_projects_free(c.out);
        return -1;
    }
    *out = c.out;
    return 0;
}

void mvg_config_projects_free(mvg_projects_cfg *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nderived; i++)
        free(p->derived[i].expr);
    free(p->derived);
    for (size_t i = 0; i < p->nprojects; i++) {
        for (size_t j = 0; j < p->projects[i].nstreams; j++)
            free(p->projects[i].streams[j].adjust);
        free(p->projects[i].streams);
    }
    free(p->projects);
    mvg_strpool_free(p->files);
    mvg_cfgp_calendars_free(p);
    mvg_cfgp_tariffs_free(p);
    free(p);
}
