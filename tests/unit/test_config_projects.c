/*
 * test_config_projects.c: the derived and projects sections read through
 * their key tables (daemon/config/config_table.h): a template loads with
 * the tables' defaults, the documented criteria defaults are the engine's,
 * and the table-driven rules (times, cut strings, factor keys written in
 * the stream group, required groups, allowed values) report in their
 * wording, with the line of the setting at fault.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "config_projects.h"
#include "config_table.h"
#include "diag.h"

static const char *HEAD =
    "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
    "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n";

/* Loads HEAD, devices and body from a temporary file; diags in d. The
 * profiles (and the grid factor table beside them) are the source tree's. */
static mvg_config *load(const char *devices, const char *body, mvg_diags *d)
{
    char path[] = "/tmp/mvg-test-config-projects-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s%s%s", HEAD, devices, body);
    fclose(f);
    mvg_config_opts o = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"};
    mvg_config *c = mvg_config_load(path, &o, d);
    unlink(path);
    return c;
}

/* Some diag has ":LINE: " and fragment. */
static void expect_diag(const mvg_diags *d, int line, const char *fragment)
{
    char where[32];
    snprintf(where, sizeof where, ":%d: ", line);
    for (size_t i = 0; i < mvg_diags_count(d); i++) {
        const char *m = mvg_diags_get(d, i);
        if (strstr(m, where) && strstr(m, fragment))
            return;
    }
    fprintf(stderr, "wanted line %d ...%s among:\n", line, fragment);
    mvg_diags_print(d, stderr);
    fail();
}

static const char *CHILLER_DEVICES =
    "devices = ( { name = \"chiller1\"; bus = \"lan\"; points = (\n"
    "    { name = \"kwh\"; area = \"input\"; address = 0; type = \"float64\"; kind = \"counter\"; } ); },\n"
    "  { name = \"chw\"; bus = \"lan\"; unit_id = 2; points = (\n"
    "    { name = \"flow_m3h\"; area = \"input\"; address = 0; type = \"float64\"; },\n"
    "    { name = \"t_return\"; area = \"input\"; address = 4; type = \"float64\"; },\n"
    "    { name = \"t_supply\"; area = \"input\"; address = 8; type = \"float64\"; } ); },\n"
    "  { name = \"cw\"; bus = \"lan\"; unit_id = 3; points = (\n"
    "    { name = \"t_cond\"; area = \"input\"; address = 0; type = \"float64\"; } ); } );\n";

static void test_template_loads_with_the_tables_defaults(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    FILE *f = fopen(MVG_SOURCE_DIR "/config/templates/chiller.conf", "r");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    assert_true(text && fread(text, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    mvg_config *c = load(CHILLER_DEVICES, text, d);
    free(text);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_projects_cfg *p = c->projects;
    assert_int_equal(p->nderived, 1);
    assert_string_equal(p->derived[0].name, "chw_kw");
    assert_string_equal(p->derived[0].unit, "kW");
    const mvg_project_cfg *j = &p->projects[0];
    assert_string_equal(j->technology, "chiller");
    assert_int_equal(j->interval_min, 15);
    assert_true(j->confidence == 0.90);            /* default of the projects table */
    assert_true(j->min_interval_coverage == 0.90); /* likewise */
    assert_true(j->has_installation);
    assert_false(j->has_reporting_end);
    assert_true(j->reporting_start_ms == j->installation_end_ms);
    mvg_model_criteria crit;
    mvg_model_criteria_default(&crit);
    crit.confidence = j->confidence;
    assert_memory_equal(&j->criteria, &crit, sizeof crit);
    const mvg_stream_cfg *s = &j->streams[0];
    assert_true(s->has_actual && s->has_model && !s->model_given);
    assert_int_equal(s->nx, 2);
    assert_int_equal(s->x[0].agg, MVG_REF_SUM);
    assert_int_equal(s->nadjust, 0);
    mvg_config_free(c);
    mvg_diags_free(d);
}

/* docs/config.md quotes the criteria defaults (def_doc): they must be the
 * engine's, which the loader applies. */
static void test_criteria_doc_defaults_are_the_engines(void **state)
{
    (void)state;
    mvg_model_criteria crit;
    mvg_model_criteria_default(&crit);
    const mvg_section *s = &mvg_config_criteria_section;
    assert_int_equal(s->nkeys, 4);
    for (size_t i = 0; i < s->nkeys; i++) {
        const mvg_key *k = &s->keys[i];
        assert_non_null(k->def_doc);
        double doc = strtod(k->def_doc, NULL);
        double engine = strcmp(k->name, "min_points_per_segment") == 0
                            ? (double)crit.min_points_per_segment
                            : *(const double *)(const void *)((const char *)&crit + k->offset);
        if (doc != engine)
            fprintf(stderr, "%s: documented %g, engine %g\n", k->name, doc, engine);
        assert_true(doc == engine);
    }
}

static const char *M_DEVICES =
    "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
    "  { name = \"kwh\"; area = \"input\"; address = 0; type = \"uint32\"; kind = \"counter\"; },\n"
    "  { name = \"t\"; area = \"input\"; address = 2; type = \"uint32\"; } ); } );\n"; /* line 5 */

static void test_values_read_by_the_tables(void **state)
{
    (void)state;
    char tech[100];
    memset(tech, 't', 80);
    tech[80] = '\0';
    char body[2048];
    snprintf(body, sizeof body,
             "projects = ( { name = \"p\"; technology = \"%s\"; interval_min = 60;\n" /* 6 */
             "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02T01:00:00+01:00\"; };\n"
             "  reporting = { start = \"2026-01-02\"; end = \"2026-02-01 00:00\"; };\n"
             "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
             "    model = { type = \"mean\"; }; cost_per_unit = 2.0; factors = { cost_per_unit = 3; };\n"
             "    accuracy_pct = 0.5;\n"
             "    adjustments = ( { reason = \"once\"; once_at = \"2026-01-03T00:30:00Z\"; amount = -4; } ); },\n"
             "   { name = \"n\"; type = \"nox\"; unit = \"kg\"; conc = \"m.t\"; flow = \"m.kwh\"; o2 = \"m.t\";\n"
             "     flow_basis = \"reference\"; flow_h2o_pct = 12; flow_temp_c = 180; flow_kpa = 100;\n"
             "     model = { type = \"mean\"; }; } ); } );\n",
             tech);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(M_DEVICES, body, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_project_cfg *j = &c->projects->projects[0];
    assert_int_equal(strlen(j->technology), MVG_PRJ_NAME_MAX - 1); /* cut, not refused */
    assert_true(j->baseline_start_ms == 1767225600000LL);         /* a date is its midnight */
    assert_true(j->baseline_end_ms == 1767312000000LL);           /* the offset applied */
    assert_true(j->has_reporting_end && j->reporting_end_ms == 1769904000000LL);
    const mvg_stream_cfg *e = &j->streams[0];
    assert_true(e->factors.cost_per_unit == 3.0); /* the factors group wins */
    assert_true(e->meter_accuracy == 0.005);      /* accuracy_pct, as a fraction */
    assert_true(j->streams[1].meter_accuracy == 0); /* not given: not combined */
    assert_false(e->factors.defaulted & MVG_CONV_DEF_COST);
    assert_int_equal(e->nadjust, 1);
    assert_true(e->adjust[0].once && e->adjust[0].amount == -4.0);
    assert_true(e->adjust[0].once_at_ms == 1767313800000LL + 86400000LL);
    const mvg_stream_cfg *n = &j->streams[1];
    assert_int_equal(n->factors.flow_basis, MVG_FLOW_REFERENCE); /* a factor key in the stream */
    assert_true(n->factors.flow_h2o_pct == 12.0 && n->factors.flow_temp_c == 180.0 &&
                n->factors.flow_kpa == 100.0);
    assert_false(n->factors.defaulted & MVG_CONV_DEF_FLOW_STATE);
    assert_true(j->streams[0].factors.flow_kpa == 101.325); /* the default of any stream */
    assert_true(n->has_flue && n->has_o2);
    mvg_config_free(c);
    mvg_diags_free(d);
}

static void test_rules_of_the_tables_report_in_their_wording(void **state)
{
    (void)state;
    const char *body =
        "derived = ( { name = \"d\"; expr = 5; } );\n"                                   /* 6 */
        "projects = ( { name = \"p\"; interval_min = 7;\n"                               /* 7 */
        "  baseline = { start = \"2026-01-01\"; };\n"                                    /* 8 */
        "  installation = { start = \"2026-01-02\"; };\n"                                /* 9 */
        "  reporting = { start = \"soon\"; };\n"                                         /* 10 */
        "  criteria = { min_points_per_segment = 0; };\n"                                /* 11 */
        "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 12 */
        "    colour = 1; o2_ref = 3; },\n"                                               /* 13 */
        "   { name = \"n\"; type = \"nox\"; unit = \"kg\"; conc = \"m.t\"; model = { type = \"mean\"; wobble = 1; };\n" /* 14 */
        "     factors = { flow_basis = \"sideways\"; };\n"                               /* 15 */
        "     adjustments = ( { per_interval = 1; } ); } ); },\n"                        /* 16 */
        "  { name = \"q\"; reporting = { start = \"2026-01-02\"; }; } );\n";             /* 17 */
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(M_DEVICES, body, d);
    assert_null(c);
    static const struct {
        int line;
        const char *fragment;
    } wanted[] = {
        {6, "derived[0]: 'expr' must be a string"},
        {7, "project 'p': interval_min 7 is not a divisor of the hour (1, 2, 3"},
        {8, "project 'p': baseline: 'end' is missing"},
        {9, "project 'p': installation: 'end' is missing"},
        {10, "reporting: 'start' = \"soon\" is not an ISO 8601 time"},
        {11, "criteria: 'min_points_per_segment' must be 1..1e+06, not 0"},
        {13, "stream 'e': unknown key 'colour' (known: name, type, unit, fuel, actual, model, conc, "
             "flow, o2, inlet, outlet, adjustments, factors, accuracy_pct, tariff, energy_price, "
             "demand_charge, demand_interval_min, cost_per_unit"},
        {13, "stream 'e': 'o2_ref' applies to nox and so2 streams"},
        {12, "stream 'e': 'model' is missing (e.g. model = { type = \"linear\";"},
        {14, "stream 'n': 'flow' is missing"},
        {14, "stream 'n': model: unknown key 'wobble' (known: type, x, coefficients"},
        {15, "factors: 'flow_basis' must be one of \"measured\", \"reference\", not \"sideways\""},
        {16, "adjustments[0]: 'reason' is missing"},
        {17, "project 'q': 'baseline' is missing (baseline = { start = "},
        {17, "project 'q': 'streams' is missing"},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        expect_diag(d, wanted[i].line, wanted[i].fragment);
    mvg_diags_free(d);
}

/* A voc stream without a model is refused: its saving is the old unit's
 * modelled outlet emission minus the measured one, not inlet minus outlet. */
static void test_voc_needs_a_model(void **state)
{
    (void)state;
    const char *body =
        "projects = ( { name = \"p\";\n"                                               /* 6 */
        "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"            /* 7 */
        "  reporting = { start = \"2026-01-02\"; };\n"                                 /* 8 */
        "  streams = ( { name = \"v\"; type = \"voc\"; unit = \"kg\";\n"                /* 9 */
        "    inlet = { conc = \"m.t\"; flow = \"m.t\"; }; outlet = { conc = \"m.t\"; flow = \"m.t\"; }; } ); } );\n";
    mvg_diags *d = mvg_diags_new();
    assert_null(load(M_DEVICES, body, d));
    expect_diag(d, 9, "stream 'v': a voc stream needs 'model': the old unit's outlet emission");
    mvg_diags_free(d);
}

/* A change-point form takes one x or more: temperature and a load;
 * none is refused at the model's line with the wording that says why. */
static void test_change_point_form_x(void **state)
{
    (void)state;
    static const char *const fmt =
        "projects = ( { name = \"p\";\n"                                               /* 6 */
        "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"            /* 7 */
        "  reporting = { start = \"2026-01-02\"; };\n"                                 /* 8 */
        "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
        "    model = { type = \"3pc\"; x = [ %s ]; }; } ); } );\n";                     /* 10 */
    char body[1024];
    mvg_diags *d = mvg_diags_new();
    snprintf(body, sizeof body, fmt, "");
    assert_null(load(M_DEVICES, body, d));
    expect_diag(d, 10, "stream 'e': model: a '3pc' model needs at least one x (the change-point variable "
                       "first, then any linear ones)");
    mvg_diags_free(d);
    d = mvg_diags_new();
    snprintf(body, sizeof body, fmt, "\"m.t\", \"m.kwh\"");
    mvg_config *c = load(M_DEVICES, body, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->projects->projects[0].streams[0].nx, 2);
    mvg_config_free(c);
    mvg_diags_free(d);
}

/* The operating calendar keys: the shipped calendars found by name (here
 * through MVG_DATA_DIR), their days read, and every mistake reported at
 * its line: an unknown calendar, a normal year it does not cover, shifts
 * that overlap, a weekday misspelt, a calendar key without the basis. */
#define STREAM_E                                                                              \
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\"; " \
    "model = { type = \"mean\"; }; } ); },\n"
#define STREAM_LAST                                                                           \
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\"; " \
    "model = { type = \"mean\"; }; } ); } );\n"
#define PERIODS                                                                               \
    "  baseline = { start = \"2025-01-01\"; end = \"2025-02-01\"; }; reporting = { start = "   \
    "\"2025-02-01\"; };\n"
static void test_operating_calendar_keys(void **state)
{
    (void)state;
    setenv("MVG_DATA_DIR", MVG_SOURCE_DIR "/config", 1);
    const char *good = "projects = ( { name = \"p\";\n" PERIODS
                       "  annual_basis = \"calendar\"; calendar = \"cn\"; rest_days = [\"sun\"];\n"
                       "  shifts = [\"08:00-16:00\", \"16:00-24:00\"];\n" STREAM_E
                       "  { name = \"q\";\n" PERIODS STREAM_LAST;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(M_DEVICES, good, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_project_cfg *p = &c->projects->projects[0];
    assert_int_equal(p->annual_basis, MVG_ANNUAL_CALENDAR);
    assert_int_equal(p->calendar_year, 2025); /* the year of the reporting start */
    assert_int_equal(p->operating.rest_days, 1u);
    assert_int_equal(p->operating.nshifts, 2);
    assert_int_equal(p->operating.shift_start[1], 16 * 60);
    assert_int_equal(p->operating.shift_end[1], 0); /* 24:00 */
    const mvg_calendar *cal = p->operating.cal;
    assert_non_null(cal);
    assert_int_equal(cal->utc_offset_min, 480);
    assert_int_equal(cal->first_year, 2024);
    assert_int_equal(cal->last_year, 2026);
    /* 2024: 28 days off, 8 worked weekend days; 2025: 28 and 5; 2026: 33 and 6 */
    assert_int_equal(cal->nholidays, 28 + 28 + 33);
    assert_int_equal(cal->nworkdays, 8 + 5 + 6);
    /* the second project keeps the baseline year */
    assert_int_equal(c->projects->projects[1].annual_basis, MVG_ANNUAL_BASELINE_YEAR);
    mvg_config_free(c);
    mvg_diags_free(d);

    const char *bad =
        "projects = ( { name = \"a\";\n" PERIODS                                  /* 6, 7 */
        "  annual_basis = \"calendar\"; calendar = \"mars\";\n" STREAM_E          /* 8, 9 */
        "  { name = \"b\";\n" PERIODS                                             /* 10, 11 */
        "  annual_basis = \"calendar\"; calendar = \"hk\"; calendar_year = 2030;\n" /* 12 */
        STREAM_E                                                                  /* 13 */
        "  { name = \"c\";\n" PERIODS                                             /* 14, 15 */
        "  annual_basis = \"calendar\"; calendar = \"hk\";\n"                     /* 16 */
        "  shifts = [\"08:00-20:00\", \"19:00-23:00\"]; rest_days = [\"sunday\"];\n" /* 17 */
        STREAM_E                                                                  /* 18 */
        "  { name = \"e\";\n" PERIODS                                             /* 19, 20 */
        "  calendar = \"hk\";\n" STREAM_E                                         /* 21, 22 */
        "  { name = \"f\";\n" PERIODS                                             /* 23, 24 */
        "  annual_basis = \"calendar\";\n" STREAM_LAST;                           /* 25, 26 */
    d = mvg_diags_new();
    assert_null(load(M_DEVICES, bad, d));
    static const struct {
        int line;
        const char *fragment;
    } wanted[] = {
        {8, "project 'a': calendar \"mars\" not found (looked for mars.conf in "},
        {12, "project 'b': calendar \"hk\" covers 2024-2026, not the normal year 2030"},
        {17, "project 'c': shifts[1] overlaps shifts[0]"},
        {17, "project 'c': rest_days[0] must be one of sun, mon, tue, wed, thu, fri, sat"},
        {21, "project 'e': 'calendar' applies only with annual_basis = \"calendar\""},
        {25, "project 'f': annual_basis = \"calendar\" needs 'calendar'"},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        expect_diag(d, wanted[i].line, wanted[i].fragment);
    mvg_diags_free(d);
    unsetenv("MVG_DATA_DIR");
}

/* A stream's tariff: the shipped Guangdong periods found by name, and
 * every mistake at its line: the tariff of a water stream, a tariff with
 * cost_per_unit, one without energy_price, an unknown one, a demand
 * window that is not a multiple of the interval, a tariff key without a
 * tariff, and a tariff file whose periods leave minutes unpriced. */
static void test_tariff_keys(void **state)
{
    (void)state;
    setenv("MVG_DATA_DIR", MVG_SOURCE_DIR "/config", 1);
    const char *good =
        "projects = ( { name = \"p\";\n" PERIODS
        "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"MWh\"; actual = \"m.kwh\";\n"
        "    model = { type = \"mean\"; }; tariff = \"guangdong\"; energy_price = 0.8;\n"
        "    demand_charge = 40; demand_interval_min = 30; } ); } );\n";
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(M_DEVICES, good, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_stream_cfg *st = &c->projects->projects[0].streams[0];
    assert_non_null(st->tariff);
    assert_int_equal(st->tariff->nperiods, 4);
    assert_string_equal(st->tariff->periods[0].name, "critical peak");
    assert_int_equal(st->tariff->periods[0].months, (1u << 7) | (1u << 8) | (1u << 9));
    assert_true(st->tariff->periods[3].ratio == 0.38);
    assert_true(st->kwh_per_unit == 1000.0 && st->energy_price == 0.8 && st->demand_charge == 40);
    assert_int_equal(st->demand_interval_min, 30);
    mvg_config_free(c);
    mvg_diags_free(d);

    char gap[] = "/tmp/mvg-test-tariff-XXXXXX";
    int fd = mkstemp(gap);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("tariff = { name = \"gap\"; utc_offset = \"+08:00\"; source = \"test\"; };\n"
          "periods = ( { name = \"day\"; ratio = 1.0; hours = [\"08:00-20:00\"]; } );\n", f);
    fclose(f);
    char bad[4096];
    snprintf(bad, sizeof bad,
             "projects = ( { name = \"a\";\n" PERIODS                                  /* 6, 7 */
             "  streams = ( { name = \"w\"; type = \"water\"; unit = \"m3\"; actual = \"m.kwh\";\n" /* 8 */
             "    model = { type = \"mean\"; }; tariff = \"guangdong\"; },\n"           /* 9 */
             "   { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 10 */
             "    model = { type = \"mean\"; }; tariff = \"guangdong\"; cost_per_unit = 1.2; },\n" /* 11 */
             "   { name = \"f\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 12 */
             "    model = { type = \"mean\"; }; tariff = \"mars\"; energy_price = 1; },\n" /* 13 */
             "   { name = \"g\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 14 */
             "    model = { type = \"mean\"; }; demand_charge = 5; },\n"               /* 15 */
             "   { name = \"h\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 16 */
             "    model = { type = \"mean\"; }; tariff = \"guangdong\"; energy_price = 1;\n" /* 17 */
             "    demand_interval_min = 20; },\n"                                     /* 18 */
             "   { name = \"i\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" /* 19 */
             "    model = { type = \"mean\"; }; tariff = \"%s\"; energy_price = 1; } ); } );\n", /* 20 */
             gap);
    d = mvg_diags_new();
    assert_null(load(M_DEVICES, bad, d));
    unlink(gap);
    static const struct {
        int line;
        const char *fragment;
    } wanted[] = {
        {9, "stream 'w': 'tariff' applies to electricity streams only"},
        {11, "stream 'e': 'tariff' and 'cost_per_unit' are two prices: keep one"},
        {11, "stream 'e': a tariff needs 'energy_price'"},
        {13, "stream 'f': tariff \"mars\" not found (looked for mars.conf in "},
        {15, "stream 'g': 'demand_charge' applies only with 'tariff'"},
        {18, "stream 'h': demand_interval_min 20 must divide the hour and be a multiple of the "
             "project's interval_min 15"},
        {2, "tariff \"/tmp/mvg-test-tariff-"},
        {2, "no period holds 00:00 in month 1"},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        expect_diag(d, wanted[i].line, wanted[i].fragment);
    mvg_diags_free(d);
    unsetenv("MVG_DATA_DIR");
}

/* Grid factors by name (config/factors/grid.conf beside the profiles of
 * the search path). By hand: csg-2022 is 0.3869 kg CO2/kWh, so 1000 kWh
 * saved are 0.3869 t CO2 (0.5703 t with the old national default: 47 %
 * more); its publication is the factor's source in the definition record. */
static mvg_config *load_with_profiles(const char *profiles, const char *body, mvg_diags *d)
{
    char path[] = "/tmp/mvg-test-config-projects-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s%s%s", HEAD, M_DEVICES, body);
    fclose(f);
    mvg_config_opts o = {.profile_dir = profiles};
    mvg_config *c = mvg_config_load(path, &o, d);
    unlink(path);
    return c;
}

#define GRID_PROJECT(stream)                                                                     \
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n" /* 6 */                \
    "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"                            \
    "  reporting = { start = \"2026-01-02\"; };\n"                                                 \
    "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n" \
    "    model = { type = \"mean\"; };\n" /* 10 */                                                 \
    stream " } ); } );\n" /* 11 */

/* The reference O2 of a standard by name (convert.c's table): GB 13271's
 * 3.5 % for a gas-fired boiler, with the standard as the source. */
#define FLUE_PROJECT(stream)                                                                     \
    "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n" /* 6 */                \
    "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"                            \
    "  reporting = { start = \"2026-01-02\"; };\n"                                                 \
    "  streams = ( { name = \"n\"; type = \"nox\"; unit = \"kg\"; conc = \"m.t\"; flow = \"m.kwh\";\n" \
    "    o2 = \"m.t\"; model = { type = \"mean\"; };\n" /* 10 */                                      \
    stream " } ); } );\n" /* 11 */

/* A project made from tmpl (GRID_PROJECT("%s") or FLUE_PROJECT("%s")) with
 * stream's text is refused with fragment at line. */
static void expect_stream_refused(const char *profiles, const char *tmpl, const char *stream,
                                  int line, const char *fragment)
{
    mvg_diags *d = mvg_diags_new();
    char body[1024];
    assert_true((size_t)snprintf(body, sizeof body, tmpl, stream) < sizeof body);
    assert_null(load_with_profiles(profiles, body, d));
    expect_diag(d, line, fragment);
    mvg_diags_free(d);
}

static void test_o2_ref_standard(void **state)
{
    (void)state;
    const char *profiles = MVG_SOURCE_DIR "/config/profiles";
    mvg_diags *d = mvg_diags_new();
    mvg_config *c =
        load_with_profiles(profiles, FLUE_PROJECT("    o2_ref_standard = \"gb13271-oil-gas\";"), d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_conv_factors *f = &c->projects->projects[0].streams[0].factors;
    assert_true(f->o2_ref_pct == 3.5);
    assert_false(f->defaulted & MVG_CONV_DEF_O2_REF);
    assert_non_null(strstr(f->o2_ref_source, "GB 13271-2014"));
    assert_non_null(strstr(f->o2_ref_source, "\"gb13271-oil-gas\""));
    mvg_config_free(c);
    mvg_diags_free(d);

    static const struct {
        const char *stream, *fragment;
        int line;
    } bad[] = {
        {"    o2_ref_standard = \"gb13271\";",
         "unknown o2_ref_standard \"gb13271\" (known: gb13271-coal, gb13271-oil-gas)", 11},
        {"    o2_ref_standard = \"gb13271-coal\"; o2_ref = 6;", "both give the reference O2", 11},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_stream_refused(profiles, FLUE_PROJECT("%s"), bad[i].stream, bad[i].line,
                              bad[i].fragment);
    /* an electricity stream has no reference O2 */
    d = mvg_diags_new();
    assert_null(load_with_profiles(profiles, GRID_PROJECT("    o2_ref_standard = \"gb13271-coal\";"), d));
    expect_diag(d, 11, "'o2_ref_standard' applies to nox and so2 streams");
    mvg_diags_free(d);
}

static void test_grid_factor_by_name(void **state)
{
    (void)state;
    const char *profiles = MVG_SOURCE_DIR "/config/profiles";
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load_with_profiles(profiles, GRID_PROJECT("    grid = \"csg-2022\";"), d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_conv_factors *f = &c->projects->projects[0].streams[0].factors;
    assert_true(f->co2_factor == 0.3869);
    assert_false(f->defaulted & MVG_CONV_DEF_CO2);
    assert_non_null(strstr(f->co2_source, "grid table \"csg-2022\""));
    assert_non_null(strstr(f->co2_source, "0.3869 kgCO2/kWh"));
    mvg_conv_result r;
    mvg_convert_apply(f, 1000.0, &r);
    assert_true(fabs(r.co2_t - 0.3869) < 1e-12);
    mvg_conv_factor_use u[MVG_CONV_FACTORS_MAX];
    size_t n = mvg_convert_factors_used(f, u);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(u[i].name, "co2_kg_per_unit") == 0) {
            assert_ptr_equal(u[i].source, f->co2_source);
            assert_false(u[i].defaulted);
            seen = 1;
        }
    assert_true(seen);
    mvg_config_free(c);
    mvg_diags_free(d);

    static const struct {
        const char *stream, *fragment;
        int line;
    } bad[] = {
        {"    grid = \"csg-2099\";", "unknown grid \"csg-2099\"", 11},
        {"    grid = \"csg-2022\"; co2_kg_per_unit = 0.4;", "both give the grid factor", 11},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_stream_refused(profiles, GRID_PROJECT("%s"), bad[i].stream, bad[i].line,
                              bad[i].fragment);
    /* a fuel stream's CO2 is its fuel's */
    d = mvg_diags_new();
    assert_null(load_with_profiles(
        profiles,
        "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
        "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"
        "  reporting = { start = \"2026-01-02\"; };\n"
        "  streams = ( { name = \"g\"; type = \"fuel\"; fuel = \"natural_gas\"; unit = \"Nm3\";\n"
        "    actual = \"m.kwh\"; model = { type = \"mean\"; }; grid = \"csg-2022\"; } ); } );\n",
        d));
    expect_diag(d, 10, "'grid' applies to electricity streams");
    mvg_diags_free(d);
    /* gas volumes at 20 degC: the built-in density follows (convert.c) */
    d = mvg_diags_new();
    c = load_with_profiles(
        profiles,
        "projects = ( { name = \"p\"; technology = \"t\"; interval_min = 60;\n"
        "  baseline = { start = \"2026-01-01\"; end = \"2026-01-02\"; };\n"
        "  reporting = { start = \"2026-01-02\"; };\n"
        "  streams = ( { name = \"g\"; type = \"fuel\"; fuel = \"natural_gas\"; unit = \"Nm3\";\n"
        "    actual = \"m.kwh\"; model = { type = \"mean\"; }; volume_at = \"20C\"; } ); } );\n",
        d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    f = &c->projects->projects[0].streams[0].factors;
    assert_true(f->volume_ref_c == 20 && fabs(f->kg_per_unit - 0.75 * 273.15 / 293.15) < 1e-15);
    mvg_config_free(c);
    mvg_diags_free(d);
    d = mvg_diags_new();
    assert_null(load_with_profiles(profiles, GRID_PROJECT("    volume_at = \"20C\";"), d));
    expect_diag(d, 11, "'volume_at' applies to fuel streams");
    mvg_diags_free(d);

    /* a table with a bad entry: its own file and line */
    char dir[] = "/tmp/mvg-test-grid-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128], file[160];
    snprintf(sub, sizeof sub, "%s/profiles", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/factors", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/grid.conf", sub);
    FILE *g = fopen(file, "w");
    fputs("grid = (\n  { name = \"x-2022\"; year = 2022; region = \"r\"; source = \"s\";\n"
          "    kg_co2_per_kwh = 5.0; } );\n", g);
    fclose(g);
    snprintf(sub, sizeof sub, "%s/profiles", dir);
    d = mvg_diags_new();
    assert_null(load_with_profiles(sub, GRID_PROJECT("    grid = \"x-2022\";"), d));
    int named = 0;
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        named |= strstr(mvg_diags_get(d, i), "grid.conf:3: ") != NULL &&
                 strstr(mvg_diags_get(d, i), "kg_co2_per_kwh") != NULL;
    if (!named)
        mvg_diags_print(d, stderr);
    assert_true(named);
    mvg_diags_free(d);
    unlink(file);
    snprintf(sub, sizeof sub, "%s/factors", dir);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/profiles", dir);
    rmdir(sub);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_loads_with_the_tables_defaults),
        cmocka_unit_test(test_criteria_doc_defaults_are_the_engines),
        cmocka_unit_test(test_values_read_by_the_tables),
        cmocka_unit_test(test_rules_of_the_tables_report_in_their_wording),
        cmocka_unit_test(test_voc_needs_a_model),
        cmocka_unit_test(test_change_point_form_x),
        cmocka_unit_test(test_operating_calendar_keys),
        cmocka_unit_test(test_tariff_keys),
        cmocka_unit_test(test_grid_factor_by_name),
        cmocka_unit_test(test_o2_ref_standard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
