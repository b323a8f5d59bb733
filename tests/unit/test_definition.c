/*
 * test_definition.c: the project definition record (records/definition.h)
 * from a loaded configuration: the new keys (ipmvp_option,
 * measurement_boundary, accuracy_class, calibration_date) land in it, what
 * is not given is null, every factor a stream's conversions use is there
 * with value, unit, source and defaulted, and the factors reproduce
 * mvg_convert_apply(); the reader gives the project back, the sources of
 * factors taken from publications included; the content digest ignores the
 * volatile members and changes with a factor; config_sha256 is the SHA-256
 * of the main file's bytes followed by its @include's.
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

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "config_projects.h"
#include "convert.h"
#include "definition.h"
#include "diag.h"

static const char *HEAD =
    "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
    "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 1502; },\n"
    "          { name = \"rs\"; type = \"rtu\"; device = \"/dev/ttyS1\"; } );\n"
    "devices = ( { name = \"meter\"; bus = \"lan\"; accuracy_class = \"0.5S\";\n"
    "    calibration_date = \"2025-03-01\"; points = (\n"
    "    { name = \"kwh\"; area = \"input\"; address = 0; type = \"float64\"; kind = \"counter\"; unit = \"kWh\"; },\n"
    "    { name = \"gas\"; area = \"input\"; address = 4; type = \"float64\"; kind = \"counter\"; unit = \"Nm3\"; } ); },\n"
    "  { name = \"oat\"; bus = \"rs\"; unit_id = 7; points = (\n"
    "    { name = \"t\"; area = \"input\"; address = 0; type = \"float64\"; unit = \"degC\"; } ); },\n"
    "  { name = \"spare\"; bus = \"lan\"; unit_id = 9; points = (\n"
    "    { name = \"x\"; area = \"input\"; address = 0; type = \"float64\"; } ); } );\n";

static const char *PROJECT =
    "projects = ( { name = \"p\"; interval_min = 15; %s\n"
    "  baseline = { start = \"2026-01-01\"; end = \"2026-02-01\"; };\n"
    "  reporting = { start = \"2026-02-01\"; };\n"
    "  streams = ( { name = \"el\"; type = \"electricity\"; unit = \"kWh\"; actual = \"meter.kwh\";\n"
    "                model = { type = \"linear\"; x = [ \"oat.t:mean\" ]; }; %s },\n"
    "              { name = \"gas\"; type = \"fuel\"; fuel = \"natural_gas\"; unit = \"Nm3\";\n"
    "                actual = \"meter.gas\"; model = { type = \"mean\"; }; ncv_tj_per_gg = 49.5; } ); } );\n";

/* path gets text; returns path. */
static char *write_tmp(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static mvg_config *load(const char *prj_keys, const char *el_keys)
{
    char body[4096], path[] = "/tmp/mvg-test-definition-XXXXXX";
    snprintf(body, sizeof body, "%s", HEAD);
    size_t n = strlen(body);
    snprintf(body + n, sizeof body - n, PROJECT, prj_keys, el_keys);
    write_tmp(path, body);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = mvg_config_load(path, NULL, d);
    if (!c)
        mvg_diags_print(d, stderr);
    mvg_diags_free(d);
    unlink(path);
    assert_non_null(c);
    return c;
}

typedef struct {
    mvg_config *cfg;
    unsigned char uses[3];
    mvg_definition_in in;
} rig;

static void rig_open(rig *g, const char *prj_keys, const char *el_keys)
{
    g->cfg = load(prj_keys, el_keys);
    g->uses[0] = g->uses[1] = 1; /* the project reads meter and oat, not spare */
    g->uses[2] = 0;
    g->in = (mvg_definition_in){"g", g->cfg, &g->cfg->projects->projects[0], g->uses, NULL};
}

static json_t *record(const rig *g, int64_t version, int64_t created)
{
    char zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_zero_prev(zero);
    mvg_payload_link link = {3, "00112233445566778899aabbccddeeff", zero, 0};
    char *s = mvg_definition_record(&g->in, version, created, &link);
    assert_non_null(s);
    json_error_t e;
    json_t *doc = json_loads(s, 0, &e);
    assert_non_null(doc);
    /* the chain members last, version and created after the project */
    assert_non_null(strstr(s, "\"project\":\"p\",\"version\":"));
    size_t len = strlen(s);
    assert_true(len > 40 && strstr(s, ",\"prev\":\"") && s[len - 1] == '}');
    assert_non_null(strstr(s, "\"chain\":3,\"key\":\"00112233445566778899aabbccddeeff\",\"prev\":"));
    free(s);
    return doc;
}

static json_t *factor(json_t *doc, size_t stream, const char *name)
{
    json_t *a = json_object_get(json_array_get(json_object_get(doc, "streams"), stream), "factors");
    for (size_t i = 0; i < json_array_size(a); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(a, i), "name")), name) == 0)
            return json_array_get(a, i);
    return NULL;
}

static double fval(json_t *doc, size_t stream, const char *name)
{
    json_t *f = factor(doc, stream, name);
    assert_non_null(f);
    return json_real_value(json_object_get(f, "value"));
}

static void test_record_carries_the_definition(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "ipmvp_option = \"C\"; measurement_boundary = \"whole site\";",
             "co2_kg_per_unit = 0.49;");
    json_t *doc = record(&g, 2, 1767225600000);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), "mvgate/definition/1");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(doc, "created")),
                        "2026-01-01T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(doc, "ipmvp_option")), "C");
    assert_string_equal(json_string_value(json_object_get(doc, "measurement_boundary")),
                        "whole site");
    assert_true(json_is_null(json_object_get(doc, "technology")));
    json_t *per = json_object_get(doc, "periods");
    assert_true(json_is_null(json_object_get(per, "installation")));
    assert_true(json_is_null(json_object_get(json_object_get(per, "reporting"), "end")));
    json_t *meters = json_object_get(doc, "meters");
    assert_int_equal(json_array_size(meters), 2); /* spare is not read by the project */
    json_t *m = json_array_get(meters, 0), *o = json_array_get(meters, 1);
    assert_string_equal(json_string_value(json_object_get(m, "accuracy_class")), "0.5S");
    assert_string_equal(json_string_value(json_object_get(m, "calibration_date")), "2025-03-01");
    assert_int_equal(json_integer_value(json_object_get(m, "port")), 1502);
    assert_true(json_is_null(json_object_get(m, "serial_port")));
    assert_string_equal(json_string_value(json_object_get(o, "transport")), "rtu");
    assert_string_equal(json_string_value(json_object_get(o, "serial_port")), "/dev/ttyS1");
    assert_true(json_is_null(json_object_get(o, "host")) && json_is_null(json_object_get(o, "port")));
    assert_true(json_is_null(json_object_get(o, "accuracy_class")));
    assert_true(json_is_null(json_object_get(o, "calibration_date")));
    json_t *el = json_array_get(json_object_get(doc, "streams"), 0);
    json_t *model = json_object_get(el, "model");
    assert_string_equal(json_string_value(json_object_get(model, "form")), "linear");
    assert_string_equal(json_string_value(json_array_get(json_object_get(model, "x"), 0)),
                        "oat.t:mean");
    /* configured and defaulted factors, each with a source */
    json_t *co2 = factor(doc, 0, "co2_kg_per_unit");
    assert_true(json_is_false(json_object_get(co2, "defaulted")));
    assert_string_equal(json_string_value(json_object_get(co2, "source")), "configuration");
    json_t *cost = factor(doc, 0, "cost_per_unit");
    assert_true(json_is_true(json_object_get(cost, "defaulted")));
    assert_string_equal(json_string_value(json_object_get(cost, "unit")), "HK$/kWh");
    json_t *ncv = factor(doc, 1, "ncv_tj_per_gg");
    assert_true(json_is_false(json_object_get(ncv, "defaulted")));
    json_t *rho = factor(doc, 1, "kg_per_unit");
    assert_true(json_is_true(json_object_get(rho, "defaulted")));
    assert_non_null(strstr(json_string_value(json_object_get(rho, "source")), "pipeline gas"));
    assert_true(json_is_true(json_object_get(factor(doc, 1, "co2_kg_per_tj"), "defaulted")));
    assert_string_equal(json_string_value(json_object_get(factor(doc, 1, "co2_kg_per_tj"), "source")),
                        "IPCC 2006 Guidelines, Vol. 2, Ch. 1, Table 1.4");
    /* the factors as published reproduce the engine's conversions */
    const mvg_project_cfg *p = g.in.prj;
    mvg_conv_result r;
    mvg_convert_apply(&p->streams[0].factors, 123.25, &r);
    double kwh = 123.25 * fval(doc, 0, "kwh_per_unit");
    assert_true(r.kwh == kwh && r.tj == kwh * fval(doc, 0, "tj_per_kwh"));
    assert_true(r.co2_t == kwh * fval(doc, 0, "co2_kg_per_unit") / 1000.0);
    mvg_convert_apply(&p->streams[1].factors, 987.5, &r);
    double tj = 987.5 * fval(doc, 1, "kg_per_unit") / 1e6 * fval(doc, 1, "ncv_tj_per_gg");
    assert_true(r.tj == tj && r.co2_t == tj * fval(doc, 1, "co2_kg_per_tj") / 1000.0);
    assert_true(r.kwh == tj / fval(doc, 1, "tj_per_kwh"));
    assert_true(r.cost_hkd == 987.5 * fval(doc, 1, "cost_per_unit"));
    assert_string_equal(json_string_value(json_object_get(doc, "config_sha256")), g.cfg->sha256);
    json_decref(doc);
    mvg_config_free(g.cfg);
}

/* The reader gives back what the writer was given: the project's periods,
 * criteria, streams with their references and factors (the conversions
 * equal bit for bit), adjustments, the meter accuracy, and the meters. */
static void test_read_back(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "ipmvp_option = \"B\"; technology = \"chiller\";",
             "co2_kg_per_unit = 0.49; cost_per_unit = 1.35; accuracy_pct = 0.5;"
             " adjustments = ( { reason = \"new line\"; per_interval = 2.5; } );");
    char zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_zero_prev(zero);
    mvg_payload_link link = {3, "00112233445566778899aabbccddeeff", zero, 0};
    char *s = mvg_definition_record(&g.in, 2, 1767225600000, &link);
    assert_non_null(s);
    char err[300] = "";
    mvg_definition *d = mvg_definition_parse(s, strlen(s), err, sizeof err);
    if (!d)
        fprintf(stderr, "%s\n", err);
    assert_non_null(d);
    const mvg_project_cfg *a = g.in.prj, *b = &d->prj;
    assert_string_equal(d->gateway, "g");
    assert_int_equal(d->version, 2);
    assert_int_equal(d->chain, 3);
    assert_string_equal(d->config_sha256, g.cfg->sha256);
    assert_string_equal(b->name, "p");
    assert_string_equal(b->technology, "chiller");
    assert_int_equal(b->ipmvp_option, 2);
    assert_int_equal(b->interval_min, 15);
    assert_true(b->baseline_start_ms == a->baseline_start_ms && b->baseline_end_ms == a->baseline_end_ms);
    assert_true(b->reporting_start_ms == a->reporting_start_ms && !b->has_reporting_end);
    assert_false(b->has_installation);
    assert_true(b->confidence == a->confidence && b->min_interval_coverage == a->min_interval_coverage);
    assert_true(b->criteria.max_cv_rmse == a->criteria.max_cv_rmse);
    assert_true(b->criteria.max_abs_nmbe == a->criteria.max_abs_nmbe);
    assert_int_equal(b->nstreams, 2);
    for (size_t i = 0; i < 2; i++) {
        const mvg_stream_cfg *x = &a->streams[i], *y = &b->streams[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->type, y->type);
        assert_string_equal(x->actual.channel, y->actual.channel);
        assert_int_equal(x->has_model, y->has_model);
        assert_int_equal(x->model_type, y->model_type);
        assert_int_equal(x->nx, y->nx);
        for (size_t k = 0; k < x->nx; k++) {
            assert_string_equal(x->x[k].channel, y->x[k].channel);
            assert_int_equal(x->x[k].agg, y->x[k].agg);
        }
        assert_true(x->meter_accuracy == y->meter_accuracy);
        assert_int_equal(x->factors.defaulted, y->factors.defaulted);
        mvg_conv_result r1, r2;
        mvg_convert_apply(&x->factors, 4321.125, &r1);
        mvg_convert_apply(&y->factors, 4321.125, &r2);
        assert_memory_equal(&r1, &r2, sizeof r1);
    }
    assert_true(b->streams[0].meter_accuracy == 0.005);
    assert_true(b->streams[1].meter_accuracy == 0.0);
    assert_int_equal(b->streams[0].x[0].agg, MVG_REF_MEAN);
    assert_int_equal(b->streams[0].nadjust, 1);
    assert_string_equal(b->streams[0].adjust[0].reason, "new line");
    assert_true(b->streams[0].adjust[0].amount == 2.5);
    assert_int_equal(d->nmeters, 2);
    assert_string_equal(d->meters[0].device, "meter");
    assert_int_equal(d->meters[0].port, 1502);
    assert_int_equal(d->meters[0].npoints, 2);
    assert_true(d->meters[0].points[0].counter);
    assert_string_equal(d->meters[1].serial_port, "/dev/ttyS1");
    assert_int_equal(d->meters[1].unit_id, 7);
    assert_false(d->meters[1].points[0].counter);
    mvg_definition_free(d);
    /* not a definition, and a wrong member, are named */
    const char *model = "{\"schema\":\"mvgate/model/1\"}";
    assert_null(mvg_definition_parse(model, strlen(model), err, sizeof err));
    assert_non_null(strstr(err, "not a definition record"));
    char *bad = strstr(s, "\"interval_min\":15");
    assert_non_null(bad);
    memcpy(bad, "\"interval_min\":99", 17);
    assert_null(mvg_definition_parse(s, strlen(s), err, sizeof err));
    assert_non_null(strstr(err, "interval_min"));
    free(s);
    mvg_config_free(g.cfg);
}

/* A factor taken from a publication (a grid table entry, a named O2
 * standard) keeps that publication as its source through the record: the
 * hub's report names it, not "configuration". */
static void test_read_back_keeps_factor_sources(void **state)
{
    (void)state;
    static const char *body =
        "gateway = { id = \"g\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
        "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 1502; } );\n"
        "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
        "    { name = \"kwh\"; area = \"input\"; address = 0; type = \"float64\"; kind = \"counter\"; unit = \"kWh\"; },\n"
        "    { name = \"nox\"; area = \"input\"; address = 4; type = \"float64\"; unit = \"mg/Nm3\"; },\n"
        "    { name = \"o2\"; area = \"input\"; address = 8; type = \"float64\"; unit = \"%\"; },\n"
        "    { name = \"flow\"; area = \"input\"; address = 12; type = \"float64\"; unit = \"Nm3/h\"; } ); } );\n"
        "projects = ( { name = \"p\"; interval_min = 15;\n"
        "  baseline = { start = \"2026-01-01\"; end = \"2026-02-01\"; };\n"
        "  reporting = { start = \"2026-02-01\"; };\n"
        "  streams = ( { name = \"el\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
        "                model = { type = \"mean\"; }; grid = \"csg-2022\"; },\n"
        "              { name = \"nox\"; type = \"nox\"; unit = \"kg\"; conc = \"m.nox\"; o2 = \"m.o2\";\n"
        "                flow = \"m.flow\"; model = { type = \"mean\"; };\n"
        "                o2_ref_standard = \"gb13271-oil-gas\"; } ); } );\n";
    char path[] = "/tmp/mvg-test-definition-XXXXXX";
    write_tmp(path, body);
    mvg_diags *dg = mvg_diags_new();
    mvg_config_opts o = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"};
    mvg_config *c = mvg_config_load(path, &o, dg);
    if (!c)
        mvg_diags_print(dg, stderr);
    mvg_diags_free(dg);
    unlink(path);
    assert_non_null(c);
    unsigned char uses[1] = {1};
    mvg_definition_in in = {"g", c, &c->projects->projects[0], uses, NULL};
    char zero[MVG_CHAIN_HEX_LEN];
    mvg_chain_zero_prev(zero);
    mvg_payload_link link = {3, "00112233445566778899aabbccddeeff", zero, 0};
    char *s = mvg_definition_record(&in, 1, 1767225600000, &link);
    assert_non_null(s);
    char err[300] = "";
    mvg_definition *d = mvg_definition_parse(s, strlen(s), err, sizeof err);
    if (!d)
        fprintf(stderr, "%s\n", err);
    assert_non_null(d);
    static const char *const names[] = {"co2_kg_per_unit", "o2_ref"};
    for (size_t k = 0; k < 2; k++) {
        const mvg_conv_factors *fa = &c->projects->projects[0].streams[k].factors;
        const mvg_conv_factors *fb = &d->prj.streams[k].factors;
        mvg_conv_factor_use ua[MVG_CONV_FACTORS_MAX], ub[MVG_CONV_FACTORS_MAX];
        size_t na = mvg_convert_factors_used(fa, ua), nb = mvg_convert_factors_used(fb, ub);
        assert_int_equal(na, nb);
        int seen = 0;
        for (size_t i = 0; i < na; i++) {
            assert_string_equal(ua[i].name, ub[i].name);
            assert_int_equal(ua[i].defaulted, ub[i].defaulted);
            assert_true((ua[i].source == NULL) == (ub[i].source == NULL));
            if (ua[i].source)
                assert_string_equal(ua[i].source, ub[i].source);
            if (strcmp(ua[i].name, names[k]) == 0) {
                assert_false(ub[i].defaulted);
                assert_non_null(ub[i].source);
                assert_non_null(strstr(ub[i].source, k == 0 ? "csg-2022" : "GB 13271-2014"));
                seen = 1;
            }
        }
        assert_true(seen);
    }
    mvg_definition_free(d);
    free(s);
    mvg_config_free(c);
}

static void test_absent_keys_are_null(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "", "");
    json_t *doc = record(&g, 1, 0);
    assert_true(json_is_null(json_object_get(doc, "ipmvp_option")));
    assert_true(json_is_null(json_object_get(doc, "measurement_boundary")));
    assert_null(json_object_get(doc, "days")); /* an interval project's record as before */
    json_decref(doc);
    mvg_config_free(g.cfg);
}

/* A daily project's record says where its days begin. */
static void test_daily_project_days(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "granularity = \"daily\"; utc_offset = \"-05:30\";", "");
    json_t *doc = record(&g, 1, 0);
    json_t *days = json_object_get(doc, "days");
    assert_non_null(days);
    assert_string_equal(json_string_value(json_object_get(days, "granularity")), "daily");
    assert_int_equal(json_integer_value(json_object_get(days, "utc_offset_min")), -330);
    json_decref(doc);
    mvg_config_free(g.cfg);
}

static void test_digest_ignores_the_volatile_members(void **state)
{
    (void)state;
    rig a, b, c;
    rig_open(&a, "", "co2_kg_per_unit = 0.49;");
    rig_open(&b, "", "co2_kg_per_unit = 0.49;");
    rig_open(&c, "", "co2_kg_per_unit = 0.51;");
    char da[MVG_CHAIN_HEX_LEN], db[MVG_CHAIN_HEX_LEN], dc[MVG_CHAIN_HEX_LEN];
    mvg_definition_digest(&a.in, da);
    mvg_definition_digest(&b.in, db);
    mvg_definition_digest(&c.in, dc);
    assert_string_equal(da, db); /* the same configuration: version and time do not count */
    assert_string_not_equal(da, dc);
    b.uses[1] = 0; /* another set of meters */
    mvg_definition_digest(&b.in, db);
    assert_string_not_equal(da, db);
    mvg_config_free(a.cfg);
    mvg_config_free(b.cfg);
    mvg_config_free(c.cfg);
}

static void test_config_sha256_covers_the_includes(void **state)
{
    (void)state;
    char dir[] = "/tmp/mvg-test-definition-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char main_path[600], inc_path[600], body[4096];
    snprintf(inc_path, sizeof inc_path, "%s/projects.cfg", dir);
    snprintf(body, sizeof body, PROJECT, "", "");
    FILE *f = fopen(inc_path, "w");
    fputs(body, f);
    fclose(f);
    char top[4096];
    snprintf(top, sizeof top, "%s  @include \"projects.cfg\"\n", HEAD);
    snprintf(main_path, sizeof main_path, "%s/gw.conf", dir);
    f = fopen(main_path, "w");
    fputs(top, f);
    fclose(f);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = mvg_config_load(main_path, NULL, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->projects->nprojects, 1);
    /* SHA-256(main file's bytes, then the included file's) */
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)top, strlen(top));
    crypto_hash_sha256_update(&st, (const unsigned char *)body, strlen(body));
    unsigned char h[32];
    crypto_hash_sha256_final(&st, h);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_string_equal(c->sha256, hex);
    mvg_config_free(c);
    mvg_diags_free(d);
    unlink(inc_path);
    unlink(main_path);
    rmdir(dir);
}

/* The diagnostics of HEAD (with its calibration date replaced by date)
 * and PROJECT with prj_keys: 1 when one has line (0: any) and fragment. */
static int refused_with(const char *date, const char *prj_keys, int line, const char *fragment)
{
    char body[4096], path[] = "/tmp/mvg-test-definition-XXXXXX";
    snprintf(body, sizeof body, "%s", HEAD);
    char *at = strstr(body, "\"2025-03-01\"");
    assert_non_null(at);
    memcpy(at, date, 12);
    size_t n = strlen(body);
    snprintf(body + n, sizeof body - n, PROJECT, prj_keys, "");
    write_tmp(path, body);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = mvg_config_load(path, NULL, d);
    mvg_config_free(c);
    char where[16];
    snprintf(where, sizeof where, ":%d: ", line);
    int found = 0;
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        found |= (!line || strstr(mvg_diags_get(d, i), where)) &&
                 strstr(mvg_diags_get(d, i), fragment) != NULL;
    if (!found)
        mvg_diags_print(d, stderr);
    mvg_diags_free(d);
    unlink(path);
    return !c && found;
}

static void test_bad_new_keys_are_refused(void **state)
{
    (void)state;
    /* no such day; the calibration date's line */
    assert_true(refused_with("\"2025-02-30\"", "", 5, "'calibration_date' = \"2025-02-30\""));
    assert_true(refused_with("\"2025-03-01\"", "ipmvp_option = \"E\";", 0, "ipmvp_option"));
    assert_true(refused_with("\"2025-03-01\"", "measurement_boundary = \"\";", 0,
                             "measurement_boundary"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_carries_the_definition),
        cmocka_unit_test(test_absent_keys_are_null),
        cmocka_unit_test(test_daily_project_days),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_read_back_keeps_factor_sources),
        cmocka_unit_test(test_digest_ignores_the_volatile_members),
        cmocka_unit_test(test_config_sha256_covers_the_includes),
        cmocka_unit_test(test_bad_new_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
