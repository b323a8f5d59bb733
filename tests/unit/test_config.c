/*
 * test_config.c: the configuration loader on files written by the test:
 * the minimal form and its defaults, every shipped example and profile,
 * each class of error with its FILE:LINE, several errors in one pass,
 * profiles (subset, override, search path, errors inside a profile), the
 * publish sections, lookups, integer literals taken as written, empty point
 * lists and missing includes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "testutil.h"

#include "config.h"
#include "config_publish.h"
#include "diag.h"
#include "project.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make(dir, sizeof dir, "config");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, text), 0);
    return path;
}

#define HEAD                                                                                      \
    "gateway = { id = \"gw-1\"; site = \"acme\"; data_dir = \"/var/lib/mvgate\"; };\n"
#define LAN "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 502; } );\n"

/* Loads text as FILE; returns the config (NULL on errors, diags filled). */
static mvg_config *load(const char *name, const char *text, mvg_diags *d)
{
    const char *path = write_file(name, text);
    mvg_config_opts opts = {.profile_dir = NULL};
    return mvg_config_load(path, &opts, d);
}

/* Asserts that some diag contains both "FILE:LINE:" and fragment. */
static void expect_diag(const mvg_diags *d, const char *file, int line, const char *fragment)
{
    char where[300];
    snprintf(where, sizeof where, "%s/%s:%d: ", dir, file, line);
    for (size_t i = 0; i < mvg_diags_count(d); i++) {
        const char *m = mvg_diags_get(d, i);
        if (strncmp(m, where, strlen(where)) == 0 && strstr(m, fragment))
            return;
    }
    fprintf(stderr, "wanted %s...%s among:\n", where, fragment);
    mvg_diags_print(d, stderr);
    fail();
}

static void test_minimal_form_and_defaults(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("min.conf",
                         HEAD
                         "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = "
                         "502; timeout_ms = 500; retries = 0; } );\n"
                         "devices = ( { name = \"m1\"; bus = \"lan\"; unit_id = 7; interval_ms = 1000; "
                         "points = ( { name = \"kw\"; area = \"holding\"; address = 0; type = "
                         "\"float32\"; order = \"ABCD\"; scale = 1.0; offset = 0.0; unit = \"kW\"; "
                         "kind = \"gauge\"; } ); } );\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(mvg_diags_count(d), 0);
    assert_string_equal(c->gateway.id, "gw-1");
    assert_string_equal(c->gateway.data_dir, "/var/lib/mvgate");
    assert_int_equal(c->gateway.require_synced_clock, 1); /* intervals wait for NTP by default */
    assert_int_equal(c->nbuses, 1);
    const mvg_bus_cfg *b = &c->buses[0];
    assert_int_equal(b->type, MVG_BUS_TCP);
    assert_int_equal(b->timeout_ms, 500);
    assert_int_equal(b->retries, 0);
    assert_int_equal(b->backoff_ms, 100);     /* defaults */
    assert_int_equal(b->offline_after, 3);
    assert_int_equal(b->reprobe_ms, 30000);
    assert_int_equal(c->ndevices, 1);
    const mvg_device_cfg *m = &c->devices[0];
    assert_int_equal(m->unit_id, 7);
    assert_int_equal(m->max_gap, 8);
    assert_int_equal(m->npoints, 1);
    assert_int_equal(m->points[0].type, MVG_TYPE_FLOAT32);
    assert_int_equal(m->points[0].order, MVG_ORDER_ABCD);
    assert_string_equal(m->points[0].unit, "kW");
    assert_int_equal(m->points[0].src.line, 3);
    assert_null(c->projects);
    assert_non_null(c->publish);
    assert_false(c->publish->mqtt.enabled);
    assert_int_equal(c->publish->store.retention_days, 400);
    assert_int_equal(mvg_config_find_device(c, "m1"), 0);
    assert_int_equal(mvg_config_find_device(c, "m2"), -1);
    assert_int_equal(mvg_config_find_point(m, "kw"), 0);
    assert_int_equal(mvg_config_find_point(m, "kwh"), -1);
    mvg_config_free(c);

    /* an int where a float goes, a point without order: defaults apply */
    mvg_diags_free(d);
    d = mvg_diags_new();
    c = load("defaults.conf",
             HEAD LAN "devices = ( { name = \"m1\"; bus = \"lan\"; points = ( "
                      "{ name = \"e\"; area = \"input\"; address = 10; type = \"uint32\"; scale = 1; "
                      "kind = \"counter\"; } ); } );\n",
             d);
    assert_non_null(c);
    assert_int_equal(c->devices[0].unit_id, 1);
    assert_int_equal(c->devices[0].interval_ms, 1000);
    assert_int_equal(c->devices[0].points[0].order, mvg_type_default_order(MVG_TYPE_UINT32));
    assert_true(c->devices[0].points[0].scale == 1.0);
    assert_int_equal(c->devices[0].points[0].kind, MVG_KIND_COUNTER);
    mvg_config_free(c);
    mvg_diags_free(d);
}

static void test_every_example_loads(void **state)
{
    (void)state;
    const char *ex = MVG_SOURCE_DIR "/config/examples";
    DIR *dp = opendir(ex);
    assert_non_null(dp);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dp))) {
        if (!strstr(e->d_name, ".conf"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", ex, e->d_name);
        mvg_diags *d = mvg_diags_new();
        mvg_config *c = mvg_config_load(path, NULL, d);
        if (!c)
            mvg_diags_print(d, stderr);
        assert_non_null(c);
        assert_true(c->ndevices > 0);
        mvg_config_free(c);
        mvg_diags_free(d);
        n++;
    }
    closedir(dp);
    assert_true(n >= 5);
}

static void test_every_profile_loads(void **state)
{
    (void)state;
    const char *pd = MVG_SOURCE_DIR "/config/profiles";
    DIR *dp = opendir(pd);
    assert_non_null(dp);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dp))) {
        char *dot = strstr(e->d_name, ".conf");
        if (!dot)
            continue;
        char text[512];
        snprintf(text, sizeof text,
                 HEAD LAN "devices = ( { name = \"d\"; bus = \"lan\"; profile = \"%.*s\"; } );\n",
                 (int)(dot - e->d_name), e->d_name);
        mvg_diags *d = mvg_diags_new();
        const char *path = write_file("profile.conf", text);
        mvg_config_opts opts = {.profile_dir = pd};
        mvg_config *c = mvg_config_load(path, &opts, d);
        if (!c)
            mvg_diags_print(d, stderr);
        assert_non_null(c);
        assert_true(c->devices[0].npoints >= 3);
        assert_non_null(strstr(c->devices[0].profile_source, " ("));
        mvg_config_free(c);
        mvg_diags_free(d);
        n++;
    }
    closedir(dp);
    assert_true(n >= 6);
}

static void test_syntax_error_has_line(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    assert_null(load("syntax.conf", HEAD LAN "devices = ( { name = \"m1\"; bus = ; } );\n", d));
    expect_diag(d, "syntax.conf", 3, "syntax error");
    mvg_diags_free(d);
    d = mvg_diags_new();
    mvg_config_opts opts = {0};
    assert_null(mvg_config_load("/nonexistent/x.conf", &opts, d));
    assert_int_equal(mvg_diags_count(d), 1);
    assert_non_null(strstr(mvg_diags_get(d, 0), "/nonexistent/x.conf"));
    mvg_diags_free(d);
}

static void test_errors_with_lines_all_in_one_pass(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(
        "bad.conf",
        /* 1 */ "gateway = { id = \"g w\"; site = \"s\"; data_dir = \"rel\"; colour = 1; };\n"
        /* 2 */ "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 70000; },\n"
        /* 3 */ "  { name = \"lan\"; type = \"rtu\"; device = \"/dev/ttyUSB0\"; baud = 9601; parity = \"X\"; },\n"
        /* 4 */ "  { name = \"ser\"; type = \"rtu\"; device = \"/dev/ttyS0\"; host = \"x\"; },\n"
        /* 5 */ "  { name = \"net\"; type = \"udp\"; } );\n"
        /* 6 */ "devices = (\n"
        /* 7 */ "  { name = \"m1\"; bus = \"nope\"; points = (\n"
        /* 8 */ "     { name = \"kw\"; area = \"holding\"; address = 0; type = \"float32\"; order = \"AB\"; },\n"
        /* 9 */ "     { name = \"kwh\"; area = \"holding\"; address = 1; type = \"uint32\"; min = 5.0; max = 1.0; },\n"
        /* 10 */ "     { name = \"c\"; area = \"coil\"; address = 0; type = \"uint16\"; },\n"
        /* 11 */ "     { name = \"big\"; area = \"input\"; address = 65534; type = \"float64\"; },\n"
        /* 12 */ "     { name = \"s\"; area = \"input\"; address = \"ten\"; type = \"int16\"; scale = 0.0; } ); },\n"
        /* 13 */ "  { name = \"m2\"; bus = \"lan\"; unit_id = 300; points = ( { name = \"a\"; area = \"input\"; address = 0; type = \"int16\"; },\n"
        /* 14 */ "     { name = \"b\"; area = \"input\"; address = 0; type = \"int32\"; },\n"
        /* 15 */ "     { name = \"a\"; area = \"input\"; address = 20; type = \"int16\"; } ); },\n"
        /* 16 */ "  { name = \"m3\"; bus = \"ser\"; unit_id = 0; points = ( { name = \"x\"; area = \"input\"; address = 0; type = \"int16\"; } ); },\n"
        /* 17 */ "  { name = \"m4\"; bus = \"ser\"; unit_id = 5; points = ( { name = \"x\"; area = \"input\"; address = 0; type = \"int16\"; } ); },\n"
        /* 18 */ "  { name = \"m5\"; bus = \"ser\"; unit_id = 5; points = ( { name = \"x\"; area = \"input\"; address = 0; type = \"int16\"; } ); },\n"
        /* 19 */ "  { name = \"m4\"; bus = \"ser\"; unit_id = 6; } );\n"
        /* 20 */ "extra = 1;\n",
        d);
    assert_null(c);
    expect_diag(d, "bad.conf", 1, "unknown key 'colour'");
    expect_diag(d, "bad.conf", 1, "id \"g w\" must be");
    expect_diag(d, "bad.conf", 1, "data_dir \"rel\" must be an absolute path");
    expect_diag(d, "bad.conf", 2, "'port' must be 1..65535, not 70000");
    expect_diag(d, "bad.conf", 3, "baud 9601 is not a standard rate");
    expect_diag(d, "bad.conf", 3, "'parity' must be one of");
    expect_diag(d, "bad.conf", 3, "bus 'lan' is defined twice (first at line 2)");
    expect_diag(d, "bad.conf", 4, "'host' does not apply to a rtu bus");
    expect_diag(d, "bad.conf", 5, "'type' must be one of");
    expect_diag(d, "bad.conf", 7, "bus \"nope\" is not defined");
    expect_diag(d, "bad.conf", 8, "order AB does not fit a float32");
    expect_diag(d, "bad.conf", 9, "min 5 is above max 1");
    expect_diag(d, "bad.conf", 10, "must be of type bool");
    expect_diag(d, "bad.conf", 11, "runs past the end of the address space");
    expect_diag(d, "bad.conf", 12, "'address' must be an integer");
    expect_diag(d, "bad.conf", 12, "'scale' must not be 0");
    expect_diag(d, "bad.conf", 13, "'unit_id' must be 0..255, not 300");
    expect_diag(d, "bad.conf", 14, "point 'b' (input 0..1) overlaps point 'a' (0..0, line 13)");
    expect_diag(d, "bad.conf", 15, "point 'a' is defined twice (first at line 13)");
    expect_diag(d, "bad.conf", 16, "unit_id 0 on a serial line must be 1..247");
    expect_diag(d, "bad.conf", 18, "unit_id 5 on bus 'ser' is already device 'm4' (line 17)");
    expect_diag(d, "bad.conf", 19, "device 'm4' is defined twice (first at line 17)");
    expect_diag(d, "bad.conf", 19, "no points");
    expect_diag(d, "bad.conf", 20, "unknown key 'extra'");
    assert_true(mvg_diags_count(d) >= 24);
    mvg_diags_free(d);
}

/* Asserts that no diag contains fragment. */
static void expect_no_diag(const mvg_diags *d, const char *fragment)
{
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        if (strstr(mvg_diags_get(d, i), fragment)) {
            fprintf(stderr, "unexpected: %s\n", mvg_diags_get(d, i));
            fail();
        }
}

/* A point's structural checks (bits need bool, the address space, bool
 * counters) run whatever else is wrong with it, and a bad key does not echo
 * into another's error; multi-line points are reported at the key's line. */
static void test_point_errors_neither_hidden_nor_echoed(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load(
        "pts.conf",
        /* 1 */ HEAD
        /* 2 */ LAN
        /* 3 */ "devices = ( { name = \"m1\"; bus = \"lan\"; points = (\n"
        /* 4 */ "  { name = \"kw\"; area = \"holding\"; address = 0; type = \"float\"; order = \"CDAB\"; },\n"
        /* 5 */ "  { name = \"a.b\"; area = \"input\"; address = 65535; type = \"float32\"; },\n"
        /* 6 */ "  { name = \"c\"; area = \"coil\"; address = 1; unit = 5;\n"
        /* 7 */ "    type = \"uint16\"; },\n"
        /* 8 */ "  { name = \"run\"; area = \"holding\"; address = 10; type = \"bool\"; scale = 0;\n"
        /* 9 */ "    kind = \"counter\"; } ); } );\n",
        d);
    assert_null(c);
    expect_diag(d, "pts.conf", 4, "'type' must be one of");
    expect_no_diag(d, "does not fit");
    expect_diag(d, "pts.conf", 5, "name \"a.b\" must be");
    expect_diag(d, "pts.conf", 5, "a float32 at address 65535 runs past the end");
    expect_diag(d, "pts.conf", 6, "'unit' must be a string");
    expect_diag(d, "pts.conf", 7, "a uint16 point in the coil area must be of type bool");
    expect_diag(d, "pts.conf", 8, "'scale' must not be 0");
    expect_diag(d, "pts.conf", 9, "a bool cannot be a counter");
    assert_int_equal(mvg_diags_count(d), 7);
    mvg_diags_free(d);
}

/* Asserts that some diag starts with prefix (a FILE:LINE: as printed) and contains fragment. */
static void expect_diag_at(const mvg_diags *d, const char *prefix, const char *fragment)
{
    for (size_t i = 0; i < mvg_diags_count(d); i++) {
        const char *m = mvg_diags_get(d, i);
        if (strncmp(m, prefix, strlen(prefix)) == 0 && strstr(m, fragment))
            return;
    }
    fprintf(stderr, "wanted %s...%s among:\n", prefix, fragment);
    mvg_diags_print(d, stderr);
    fail();
}

/* @include resolves against the including file's directory whatever the
 * working directory, and an error in an included file names it so that it
 * can be opened from the working directory (libconfig names it relative to
 * the include dir); a profile found through a relative path keeps its path. */
static void test_include_relative_to_the_file(void **state)
{
    (void)state;
    char sub[300], cwd[1024];
    snprintf(sub, sizeof sub, "%s/inc", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(sub, sizeof sub, "%s/inc/conf.d", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(sub, sizeof sub, "%s/profiles", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file("inc/main.conf", HEAD LAN "@include \"conf.d/devices.conf\"\n");
    write_file("inc/conf.d/devices.conf",
               /* 1 */ "devices = (\n"
               /* 2 */ "  { name = \"m1\"; bus = \"lan\";\n"
               /* 3 */ "    points = ( { name = \"kw\"; area = \"input\"; address = 0; type = \"int16\"; } ); } );\n");

    /* good: loaded from elsewhere, the device's source is the included file */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    mvg_diags *d = mvg_diags_new();
    char path[300], want[400];
    snprintf(path, sizeof path, "%s/inc/main.conf", dir);
    mvg_config *c = mvg_config_load(path, NULL, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    snprintf(want, sizeof want, "%s/inc/conf.d/devices.conf", dir);
    assert_string_equal(c->devices[0].src.file, want);
    assert_int_equal(c->devices[0].src.line, 2);
    assert_int_equal(c->devices[0].points[0].src.line, 3);
    mvg_config_free(c);
    mvg_diags_free(d);

    /* bad, with relative paths: from dir, load inc/main.conf */
    write_file("inc/conf.d/devices.conf",
               /* 1 */ "devices = (\n"
               /* 2 */ "  { name = \"m1\"; bus = \"lan\"; profile = \"broken\";\n"
               /* 3 */ "    points = ( { name = \"kw\"; area = \"input\"; address = 0; type = \"int16\"; colour = 1; } ); } );\n");
    write_file("profiles/broken.conf",
               /* 1 */ "profile = { maker = \"m\"; model = \"x\"; manual = \"y\"; manual_version = \"1\"; };\n"
               /* 2 */ "points = ( { name = \"p\"; area = \"input\"; address = -1; type = \"int16\"; } );\n");
    assert_int_equal(chdir(dir), 0);
    d = mvg_diags_new();
    setenv("MVG_PROFILE_DIR", "", 1);
    assert_null(mvg_config_load("inc/main.conf", NULL, d));
    unsetenv("MVG_PROFILE_DIR");
    expect_diag_at(d, "inc/conf.d/devices.conf:3: ", "unknown key 'colour'");
    expect_diag_at(d, "inc/../profiles/broken.conf:2: ", "'address' must be");
    mvg_diags_free(d);

    /* a syntax error inside the included file */
    write_file("inc/conf.d/devices.conf", "devices = (\n\n  { name = \"m1\" = ; } );\n");
    d = mvg_diags_new();
    assert_null(mvg_config_load("inc/main.conf", NULL, d));
    expect_diag_at(d, "inc/conf.d/devices.conf:3: ", "syntax error");
    mvg_diags_free(d);
    assert_int_equal(chdir(cwd), 0);
}

/* A profile may give the maker's factory slave id (unit_id) and a free-text
 * area_note: a device without unit_id takes the profile's. */
static void test_profile_unit_id_default(void **state)
{
    (void)state;
    char sub[300];
    snprintf(sub, sizeof sub, "%s/uprof", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file("uprof/meter-u.conf",
               "profile = { maker = \"Acme\"; model = \"U\"; manual = \"U map\"; manual_version = \"2\";\n"
               "            area_note = \"all input registers\"; unit_id = 7; };\n"
               "points = ( { name = \"kw\"; area = \"input\"; address = 0; type = \"float32\"; } );\n");
    write_file("uprof/meter-bad.conf",
               /* 1 */ "profile = { maker = \"Acme\"; model = \"B\"; manual = \"B map\"; manual_version = \"2\";\n"
               /* 2 */ "            unit_id = 300; area_note = 1; };\n"
               /* 3 */ "points = ( { name = \"kw\"; area = \"input\"; address = 0; type = \"float32\"; } );\n");
    mvg_config_opts opts = {.profile_dir = sub};
    mvg_diags *d = mvg_diags_new();
    const char *path = write_file("u.conf", HEAD
                                  "buses = ( { name = \"rs\"; type = \"rtu\"; device = \"/dev/ttyS0\"; } );\n"
                                  "devices = ( { name = \"a\"; bus = \"rs\"; profile = \"meter-u\"; },\n"
                                  "  { name = \"b\"; bus = \"rs\"; unit_id = 3; profile = \"meter-u\"; } );\n");
    mvg_config *c = mvg_config_load(path, &opts, d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->devices[0].unit_id, 7);
    assert_int_equal(c->devices[1].unit_id, 3);
    mvg_config_free(c);
    mvg_diags_free(d);

    /* two devices left at the profile's id collide like any other two */
    d = mvg_diags_new();
    path = write_file("u2.conf", HEAD
                      "buses = ( { name = \"rs\"; type = \"rtu\"; device = \"/dev/ttyS0\"; } );\n"
                      "devices = ( { name = \"a\"; bus = \"rs\"; profile = \"meter-u\"; },\n"
                      "  { name = \"b\"; bus = \"rs\"; profile = \"meter-u\"; },\n"
                      "  { name = \"c\"; bus = \"rs\"; unit_id = 9; profile = \"meter-bad\"; } );\n");
    assert_null(mvg_config_load(path, &opts, d));
    expect_diag(d, "u2.conf", 4, "unit_id 7 on bus 'rs' is already device 'a'");
    expect_diag(d, "uprof/meter-bad.conf", 2, "'unit_id' must be 1..247, not 300");
    expect_diag(d, "uprof/meter-bad.conf", 2, "'area_note' must be a string");
    mvg_diags_free(d);
}

static void test_required_sections(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    assert_null(load("empty.conf", "# nothing\n", d));
    assert_true(mvg_diags_count(d) >= 3); /* gateway, buses, devices */
    mvg_diags_free(d);
    d = mvg_diags_new();
    assert_null(load("nohost.conf",
                     HEAD "buses = ( { name = \"lan\"; type = \"tcp\"; } );\ndevices = ();\n", d));
    expect_diag(d, "nohost.conf", 2, "a tcp bus needs 'host'");
    expect_diag(d, "nohost.conf", 3, "'devices' is empty");
    mvg_diags_free(d);

    /* one serial port, one bus */
    d = mvg_diags_new();
    assert_null(load("twoports.conf",
                     HEAD "buses = ( { name = \"a\"; type = \"rtu\"; device = \"/dev/ttyS0\"; },\n"
                          "  { name = \"b\"; type = \"rtu\"; device = \"/dev/ttyS1\"; },\n"
                          "  { name = \"c\"; type = \"rtu\";\n"
                          "    device = \"/dev/ttyS0\"; } );\n"
                          "devices = ( { name = \"m\"; bus = \"a\"; points = ( { name = \"x\"; "
                          "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n",
                     d));
    expect_diag(d, "twoports.conf", 5, "serial device /dev/ttyS0 is already bus 'a' (line 2)");
    assert_int_equal(mvg_diags_count(d), 1);
    mvg_diags_free(d);

    /* '-' is fine in bus names, not in device or point names (expressions) */
    d = mvg_diags_new();
    assert_null(load("dash.conf",
                     HEAD "buses = ( { name = \"lan-1\"; type = \"tcp\"; host = \"h\"; } );\n"
                          "devices = ( { name = \"m-1\"; bus = \"lan-1\"; points = ( { name = \"k-w\"; "
                          "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n",
                     d));
    expect_diag(d, "dash.conf", 3, "device 1: name \"m-1\" must be 1..63 letters, digits or '_'");
    expect_diag(d, "dash.conf", 3, "name \"k-w\" must be 1..63 letters, digits or '_'");
    assert_int_equal(mvg_diags_count(d), 2);
    mvg_diags_free(d);
}

static void test_profiles(void **state)
{
    (void)state;
    char pdir[300];
    snprintf(pdir, sizeof pdir, "%s/profiles", dir);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", pdir);
    assert_int_equal(system(cmd), 0);
    write_file("profiles/meter-a.conf",
               "profile = { maker = \"Acme\"; model = \"A1\"; manual = \"A1 Modbus map\"; "
               "manual_version = \"1.0\"; };\n"
               "points = (\n"
               "  { name = \"v\"; area = \"input\"; address = 0; type = \"float32\"; unit = \"V\"; },\n"
               "  { name = \"kw\"; area = \"input\"; address = 2; type = \"float32\"; unit = \"kW\"; },\n"
               "  { name = \"kwh\"; area = \"input\"; address = 4; type = \"float32\"; unit = \"kWh\"; "
               "kind = \"counter\"; } );\n");
    write_file("profiles/broken.conf",
               "profile = { maker = \"Acme\"; model = \"B\"; manual = \"m\"; manual_version = \"1\"; };\n"
               "points = (\n"
               "  { name = \"v\"; area = \"input\"; address = 0; type = \"float33\"; } );\n");
    write_file("profiles/nosource.conf", "points = ( { name = \"v\"; area = \"input\"; address = 0; type = \"int16\"; } );\n");

    /* The config sits in dir/etc/: dir/profiles is its ../profiles. */
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/etc'", dir);
    assert_int_equal(system(cmd), 0);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("etc/p.conf",
                         HEAD LAN
                         "devices = ( { name = \"all\"; bus = \"lan\"; unit_id = 1; profile = \"meter-a\"; },\n"
                         "  { name = \"some\"; bus = \"lan\"; unit_id = 2; profile = \"meter-a\"; "
                         "profile_points = [ \"kwh\", \"v\" ]; },\n"
                         "  { name = \"fixed\"; bus = \"lan\"; unit_id = 3; profile = \"meter-a\"; points = (\n"
                         "     { name = \"kw\"; area = \"input\"; address = 52; type = \"float32\"; unit = \"kW\"; },\n"
                         "     { name = \"pf\"; area = \"input\"; address = 30; type = \"float32\"; } ); } );\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->devices[0].npoints, 3);
    assert_string_equal(c->devices[0].profile, "meter-a");
    assert_string_equal(c->devices[0].profile_source, "Acme A1, A1 Modbus map (1.0)");
    /* one copy of the source for the devices of a profile */
    assert_ptr_equal(c->devices[1].profile_source, c->devices[0].profile_source);
    assert_int_equal(c->devices[1].npoints, 2);
    assert_string_equal(c->devices[1].points[0].name, "kwh");
    assert_string_equal(c->devices[1].points[1].name, "v");
    assert_int_equal(c->devices[2].npoints, 4);
    long kw = mvg_config_find_point(&c->devices[2], "kw");
    assert_true(kw >= 0);
    assert_int_equal(c->devices[2].points[kw].address, 52); /* the device's correction */
    assert_int_equal(c->devices[2].points[kw].src.line, 6);
    mvg_config_free(c);
    mvg_diags_free(d);

    /* two own points of one name under a profile: an error, not a silent replace */
    d = mvg_diags_new();
    c = load("etc/dup.conf",
             HEAD LAN
             "devices = ( { name = \"d\"; bus = \"lan\"; profile = \"meter-a\"; points = (\n"
             "  { name = \"x\"; area = \"input\"; address = 100; type = \"int16\"; },\n"
             "  { name = \"x\"; area = \"input\"; address = 101; type = \"int16\"; } ); } );\n",
             d);
    assert_null(c);
    expect_diag(d, "etc/dup.conf", 5, "point 'x' is defined twice (first at line 4)");
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("etc/q.conf",
             HEAD LAN
             "devices = ( { name = \"x\"; bus = \"lan\"; unit_id = 1; profile = \"meter-a\"; "
             "profile_points = [ \"kvar\" ]; },\n"
             "  { name = \"y\"; bus = \"lan\"; unit_id = 2; profile = \"missing\"; },\n"
             "  { name = \"z\"; bus = \"lan\"; unit_id = 3; profile = \"broken\"; },\n"
             "  { name = \"w\"; bus = \"lan\"; unit_id = 4; profile = \"nosource\"; } );\n",
             d);
    assert_null(c);
    expect_diag(d, "etc/q.conf", 3, "profile \"meter-a\" has no point \"kvar\"");
    expect_diag(d, "etc/q.conf", 4, "profile \"missing\" not found");
    /* an error inside a profile points into the profile file */
    char where[400];
    snprintf(where, sizeof where, "%s/etc/../profiles/broken.conf:3: ", dir);
    int found = 0;
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        found |= strncmp(mvg_diags_get(d, i), where, strlen(where)) == 0 &&
                 strstr(mvg_diags_get(d, i), "'type' must be one of") != NULL;
    assert_true(found);
    /* a profile without its source block (the file has no line to name) */
    found = 0;
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        found |= strstr(mvg_diags_get(d, i), "profiles/nosource.conf: profile \"nosource\": "
                                             "'profile = { maker") != NULL;
    assert_true(found);
    mvg_diags_free(d);

    /* MVG_PROFILE_DIR is searched when the file is elsewhere */
    setenv("MVG_PROFILE_DIR", pdir, 1);
    d = mvg_diags_new();
    c = load("r.conf", HEAD LAN "devices = ( { name = \"d\"; bus = \"lan\"; profile = \"meter-a\"; } );\n", d);
    unsetenv("MVG_PROFILE_DIR");
    assert_non_null(c);
    mvg_config_free(c);
    mvg_diags_free(d);
}

/* MQTT 5 by default (only it reports a refused publish); a refused entry
 * is retried after 10 minutes unless the section says otherwise. */
static void test_mqtt_defaults(void **state)
{
    (void)state;
    mvg_mqtt_cfg c;
    mvg_config_mqtt_defaults(&c, "gw-1");
    assert_int_equal(c.version, 5);
    assert_int_equal(c.refused_retry_s, 600);
    mvg_diags *d = mvg_diags_new();
    mvg_config *cfg = load("retry.conf",
                           HEAD LAN
                           "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
                           "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n"
                           "mqtt = { uri = \"tcp://127.0.0.1:1883\"; refused_retry_s = 0; };\n",
                           d);
    if (!cfg)
        mvg_diags_print(d, stderr);
    assert_non_null(cfg);
    assert_int_equal(cfg->publish->mqtt.refused_retry_s, 0);
    assert_int_equal(cfg->publish->mqtt.version, 5);
    mvg_config_free(cfg);
    mvg_diags_free(d);
}

static void test_publish_sections(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("pub.conf",
                         HEAD LAN
                         "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; area = "
                         "\"input\"; address = 0; type = \"int16\"; } ); } );\n"
                         "mqtt = { uri = \"tcp://127.0.0.1:1883\"; qos = 0; version = \"5\"; "
                         "telemetry = \"change\"; deadband = 0.01; };\n"
                         "influx = { url = \"http://127.0.0.1:8086\"; db = \"mvgate\"; gzip = true; };\n"
                         "store = { synchronous = \"full\"; samples = \"all\"; };\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_publish_cfg *p = c->publish;
    assert_true(p->mqtt.enabled);
    assert_string_equal(p->mqtt.client_id, "mvgate-gw-1");
    assert_string_equal(p->mqtt.topic_prefix, "mvgate/v1");
    assert_int_equal(p->mqtt.qos, 0);
    assert_int_equal(p->mqtt.version, 5);
    assert_int_equal(p->mqtt.telemetry, MVG_TELEMETRY_CHANGE);
    assert_true(p->influx.enabled && p->influx.gzip);
    assert_true(p->store.sync_full && p->store.all_samples);
    mvg_config_free(c);
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("pubbad.conf",
             HEAD LAN
             "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; area = "
             "\"input\"; address = 0; type = \"int16\"; } ); } );\n"
             "mqtt = { uri = \"127.0.0.1\"; qos = 3; topic_prefix = \"a/#\"; password_file = \"/x\"; };\n"
             "influx = { url = \"ftp://x\"; version = 2; };\n",
             d);
    assert_null(c);
    expect_diag(d, "pubbad.conf", 4, "needs a scheme");
    expect_diag(d, "pubbad.conf", 4, "'qos' must be 0..2, not 3");
    expect_diag(d, "pubbad.conf", 4, "'topic_prefix' must be non-empty without '#'");
    expect_diag(d, "pubbad.conf", 4, "'password_file' without 'username'");
    expect_diag(d, "pubbad.conf", 5, "must start with http://");
    expect_diag(d, "pubbad.conf", 5, "version 2 needs 'org', 'bucket' and 'token_file'");
    mvg_diags_free(d);
}

/* The rules the publishers used to check again at start, and refused only
 * then: the loader refuses each, at its line, so that `mvgate check`
 * refuses what mvgated would. One key per line, so each diag names its key. */
static void test_publish_rules(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("rules.conf",
                         /* 1 */ "gateway = { id = \"a/b\"; site = \"s\"; data_dir = \"/tmp\"; };\n"
                         /* 2 */ LAN
                         /* 3 */ "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
                         "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n"
                         /* 4 */ "mqtt = { uri = \"http://127.0.0.1:1883\";\n"
                         /* 5 */ "  qos = 3;\n"
                         /* 6 */ "  version = 6;\n"
                         /* 7 */ "  inflight = 0;\n"
                         /* 8 */ "  ca_file = \"/etc/hostname\"; };\n"
                         /* 9 */ "influx = { url = \"127.0.0.1:8086\";\n"
                         /* 10 */ "  version = 3; };\n",
                         d);
    assert_null(c);
    expect_diag(d, "rules.conf", 1, "id \"a/b\" must be 1..63 letters");
    expect_diag(d, "rules.conf", 4, "'uri' \"http://127.0.0.1:1883\" needs a scheme");
    expect_diag(d, "rules.conf", 5, "'qos' must be 0..2, not 3");
    expect_diag(d, "rules.conf", 6, "'version' must be 3..5, not 6");
    expect_diag(d, "rules.conf", 7, "'inflight' must be 1..65535, not 0");
    expect_diag(d, "rules.conf", 9, "'url' \"127.0.0.1:8086\" must start with http://");
    expect_diag(d, "rules.conf", 10, "'version' must be 1..2, not 3");
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("tls.conf",
             /* 1 */ HEAD LAN
             /* 3 */ "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
             "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n"
             /* 4 */ "mqtt = { uri = \"tcp://127.0.0.1:1883\";\n"
             /* 5 */ "  ca_file = \"/etc/hostname\"; };\n"
             /* 6 */ "influx = { url = \"http://127.0.0.1:8086\"; db = \"x\";\n"
             /* 7 */ "  username = \"u\"; };\n",
             d);
    assert_null(c);
    expect_diag(d, "tls.conf", 5, "'ca_file' needs a TLS 'uri' (ssl://, mqtts:// or wss://)");
    expect_diag(d, "tls.conf", 7, "'username' needs 'password_file'");
    assert_int_equal(mvg_diags_count(d), 2);
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("files.conf",
             /* 1 */ HEAD LAN
             /* 3 */ "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
             "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n"
             /* 4 */ "mqtt = { uri = \"mqtts://127.0.0.1:8883\";\n"
             /* 5 */ "  ca_file = \"/nonexistent/ca.crt\"; };\n"
             /* 6 */ "influx = { url = \"http://127.0.0.1:8086\"; version = 2; org = \"o\"; bucket = \"b\";\n"
             /* 7 */ "  token_file = \"/nonexistent/token\"; };\n",
             d);
    assert_null(c);
    expect_diag(d, "files.conf", 5,
                "mqtt: 'ca_file' /nonexistent/ca.crt cannot be read: No such file or directory");
    expect_diag(d, "files.conf", 7, "influx: 'token_file' /nonexistent/token cannot be read");
    assert_int_equal(mvg_diags_count(d), 2);
    mvg_diags_free(d);

    /* the accepted forms: protocol level 4 is 3.1.1 (TLS files: test_config_tls.c) */
    d = mvg_diags_new();
    c = load("ok.conf",
             HEAD LAN
             "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
             "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n"
             "mqtt = { uri = \"wss://broker:443\"; version = 4; "
             "client_id = \"\"; };\n",
             d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->publish->mqtt.version, 3);
    assert_string_equal(c->publish->mqtt.client_id, "mvgate-gw-1");
    assert_string_equal(c->publish->mqtt.gateway_id, "gw-1");
    mvg_config_free(c);
    mvg_diags_free(d);
}

static void test_data_dir(void **state)
{
    (void)state;
    char text[1024], sub[400];
    const char *rest = LAN "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
                           "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n";
    /* missing, under a directory this user can write: mvgated creates it */
    snprintf(text, sizeof text, "gateway = { id = \"g\"; site = \"s\"; data_dir = \"%s/new/d\"; };\n%s",
             dir, rest);
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("dd1.conf", text, d);
    assert_non_null(c);
    mvg_config_free(c);
    mvg_diags_free(d);
    /* a gateway whose clock is set otherwise does without NTP */
    snprintf(text, sizeof text,
             "gateway = { id = \"g\"; site = \"s\"; data_dir = \"%s/new/d\"; "
             "require_synced_clock = false; };\n%s", dir, rest);
    d = mvg_diags_new();
    c = load("dd0.conf", text, d);
    assert_non_null(c);
    assert_int_equal(c->gateway.require_synced_clock, 0);
    mvg_config_free(c);
    mvg_diags_free(d);
    /* a file where the directory should be */
    snprintf(sub, sizeof sub, "%s/dd1.conf", dir);
    snprintf(text, sizeof text, "gateway = { id = \"g\"; site = \"s\"; data_dir = \"%s/x\"; };\n%s",
             sub, rest);
    d = mvg_diags_new();
    assert_null(load("dd2.conf", text, d));
    expect_diag(d, "dd2.conf", 1, "dd1.conf is not a directory");
    assert_int_equal(mvg_diags_count(d), 1);
    mvg_diags_free(d);
}

static void test_projects_are_checked_against_devices(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("prj.conf",
                         HEAD LAN
                         "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"kwh\"; area = "
                         "\"input\"; address = 0; type = \"uint32\"; kind = \"counter\"; } ); } );\n"
                         "projects = ( { name = \"p\"; technology = \"air_compressor\"; interval_min = 15;\n"
                         "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-08T00:00:00Z\"; };\n"
                         "  reporting = { start = \"2026-01-09T00:00:00Z\"; };\n"
                         "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh\";\n"
                         "                model = { type = \"mean\"; }; } ); } );\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_non_null(c->projects);
    assert_int_equal(c->projects->nprojects, 1);
    mvg_config_free(c);
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("prjbad.conf",
             HEAD LAN
             "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"kwh\"; area = "
             "\"input\"; address = 0; type = \"uint32\"; kind = \"counter\"; } ); } );\n"
             "projects = ( { name = \"p\"; technology = \"air_compressor\"; interval_min = 15;\n"
             "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-08T00:00:00Z\"; };\n"
             "  reporting = { start = \"2026-01-09T00:00:00Z\"; };\n"
             "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwhh\";\n"
             "                model = { type = \"mean\"; }; } ); } );\n",
             d);
    assert_null(c);
    assert_true(mvg_diags_count(d) >= 1);
    /* the message names the unknown reference and its line */
    int found = 0;
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        found |= strstr(mvg_diags_get(d, i), "prjbad.conf:7:") && strstr(mvg_diags_get(d, i), "m.kwhh");
    if (!found)
        mvg_diags_print(d, stderr);
    assert_true(found);
    mvg_diags_free(d);
}

/* String points: a count of registers, AB or BA; the keys of a number and
 * a count on another type refused with their lines; a project cannot use a
 * string point's text as a number. */
static void test_string_points(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("str.conf",
                         HEAD LAN
                         "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
                         "  { name = \"model\"; area = \"holding\"; address = 100; type = \"string\"; count = 10; },\n"
                         "  { name = \"sn\"; area = \"input\"; address = 200; type = \"string\"; count = 4; order = \"BA\"; },\n"
                         "  { name = \"e\"; area = \"holding\"; address = 120; type = \"uint64\"; } ); } );\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_point_cfg *p = &c->devices[0].points[0];
    assert_int_equal(p->type, MVG_TYPE_STRING);
    assert_int_equal(p->count, 10);
    assert_int_equal(p->order, MVG_ORDER_AB);
    assert_int_equal(c->devices[0].points[1].order, MVG_ORDER_BA);
    mvg_config_free(c);
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("strbad.conf",
             /* 1 */ HEAD
             /* 2 */ LAN
             /* 3 */ "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
             /* 4 */ "  { name = \"a\"; area = \"holding\"; address = 0; type = \"string\"; },\n"
             /* 5 */ "  { name = \"b\"; area = \"holding\"; address = 10; type = \"string\"; count = 65; },\n"
             /* 6 */ "  { name = \"c\"; area = \"holding\"; address = 20; type = \"string\"; count = 2;\n"
             /* 7 */ "    order = \"CDAB\"; },\n"
             /* 8 */ "  { name = \"d\"; area = \"holding\"; address = 30; type = \"string\"; count = 2;\n"
             /* 9 */ "    scale = 0.1; },\n"
             /* 10 */ "  { name = \"e\"; area = \"holding\"; address = 40; type = \"uint16\"; count = 2; },\n"
             /* 11 */ "  { name = \"f\"; area = \"coil\"; address = 0; type = \"string\"; count = 1; },\n"
             /* 12 */ "  { name = \"g\"; area = \"holding\"; address = 65530; type = \"string\"; count = 8; },\n"
             /* 13 */ "  { name = \"h\"; area = \"holding\"; address = 50; type = \"string\"; count = 3;\n"
             /* 14 */ "    kind = \"counter\"; } ); } );\n",
             d);
    assert_null(c);
    expect_diag(d, "strbad.conf", 4, "a string point needs 'count'");
    expect_diag(d, "strbad.conf", 5, "'count' must be 1..64");
    expect_diag(d, "strbad.conf", 7, "a string's order is AB or BA");
    expect_diag(d, "strbad.conf", 9, "'scale' is for numbers");
    expect_diag(d, "strbad.conf", 10, "'count' gives the registers of a string point");
    expect_diag(d, "strbad.conf", 11, "a string point in the coil area must be of type bool");
    expect_diag(d, "strbad.conf", 12, "a string at address 65530 runs past the end");
    expect_diag(d, "strbad.conf", 14, "'kind' is for numbers");
    expect_no_diag(d, "a string at address 0 runs past"); /* a's count is missing, not its room */
    assert_int_equal(mvg_diags_count(d), 8);
    mvg_diags_free(d);

    /* a string is as wide as its count */
    d = mvg_diags_new();
    c = load("strlap.conf",
             HEAD LAN
             "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
             "  { name = \"e\"; area = \"holding\"; address = 43; type = \"uint16\"; },\n"
             "  { name = \"h\"; area = \"holding\"; address = 40; type = \"string\"; count = 4; } ); } );\n",
             d);
    assert_null(c);
    expect_diag(d, "strlap.conf", 5, "point 'h' (holding 40..43) overlaps point 'e'");
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("strprj.conf",
             HEAD LAN
             "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"kwh\"; area = "
             "\"input\"; address = 0; type = \"uint32\"; kind = \"counter\"; },\n"
             "  { name = \"sn\"; area = \"input\"; address = 10; type = \"string\"; count = 4; } ); } );\n"
             "projects = ( { name = \"p\"; technology = \"air_compressor\"; interval_min = 15;\n"
             "  baseline = { start = \"2026-01-01T00:00:00Z\"; end = \"2026-01-08T00:00:00Z\"; };\n"
             "  reporting = { start = \"2026-01-09T00:00:00Z\"; };\n"
             "  streams = ( { name = \"e\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.sn\";\n"
             "                model = { type = \"mean\"; }; },\n"
             "              { name = \"f\"; type = \"electricity\"; unit = \"kWh\"; actual = \"m.kwh + m.sn\";\n"
             "                model = { type = \"mean\"; }; } ); } );\n",
             d);
    assert_null(c);
    expect_diag(d, "strprj.conf", 8, "'m.sn' is a string point");
    expect_diag(d, "strprj.conf", 10, "a string point has text, no number");
    mvg_diags_free(d);
}

/* libconfig 1.5 keeps the low 32 bits of an integer literal without the L
 * suffix (4294967348 reads 52): every integer is taken as written, refused
 * with its range when out of it, in the main file and in included files. */
static void test_integer_literals_do_not_wrap(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    assert_null(load("wrap.conf", HEAD LAN
        /* 3 */ "devices = (\n"
        /* 4 */ "  { name = \"m1\"; bus = \"lan\"; unit_id = 4294967297;\n"
        /* 5 */ "    points = ( { name = \"kw\"; area = \"holding\"; address = 4294967348; type = \"float32\"; },\n"
        /* 6 */ "      { name = \"kv\"; area = \"holding\"; address = 0x100000010; type = \"float32\"; },\n"
        /* 7 */ "      { name = \"a\"; area = \"holding\"; address = -4294967290; type = \"int16\"; } ); },\n"
        /* 8 */ "  { name = \"m2\"; bus = \"lan\"; unit_id = 99999999999999999999; interval_ms = 4294968296;\n"
        /* 9 */ "    points = ( { name = \"b\"; area = \"holding\"; address = 1; type = \"int16\"; } ); } );\n"
        /* 10 */ "mqtt = { uri = \"tcp://127.0.0.1:1883\"; qos = 4294967297; deadband = 4294967296; };\n",
        d));
    expect_diag(d, "wrap.conf", 4, "'unit_id' must be 0..255, not 4294967297");
    expect_diag(d, "wrap.conf", 5, "'address' must be 0..65535, not 4294967348");
    expect_diag(d, "wrap.conf", 6, "'address' must be 0..65535, not 0x100000010");
    expect_diag(d, "wrap.conf", 7, "'address' must be 0..65535, not -4294967290");
    expect_diag(d, "wrap.conf", 8, "'unit_id' must be 0..255, not 99999999999999999999");
    expect_diag(d, "wrap.conf", 8, "'interval_ms' must be 10..86400000, not 4294968296");
    expect_diag(d, "wrap.conf", 10, "'qos' must be 0..2, not 4294967297");
    expect_diag(d, "wrap.conf", 10, "'deadband' must be 0..1e+09, not 4294967296");
    /* a refused unit_id is not also reported as a collision with another */
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        assert_null(strstr(mvg_diags_get(d, i), "is already device"));
    mvg_diags_free(d);

    /* in range, a literal beyond 32 bits is kept exactly; small ones as they are */
    d = mvg_diags_new();
    mvg_config *c = load("big.conf", HEAD LAN
        "devices = ( { name = \"m\"; bus = \"lan\"; unit_id = 0x11; points = (\n"
        "  { name = \"e\"; area = \"holding\"; address = 52; type = \"uint32\"; min = -5; max = 4294967296; },\n"
        "  { name = \"f\"; area = \"holding\"; address = 2; type = \"uint32\"; max = 4294967348L; } ); } );\n",
        d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->devices[0].unit_id, 17);
    assert_int_equal(c->devices[0].points[0].address, 52);
    assert_true(c->devices[0].points[0].min == -5.0);
    assert_true(c->devices[0].points[0].max == 4294967296.0);
    assert_true(c->devices[0].points[1].max == 4294967348.0);
    mvg_config_free(c);
    mvg_diags_free(d);

    /* in an included file, read again from that file */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/wrapinc", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file("wrapinc/dev.conf",
               /* 1 */ "devices = ( { name = \"m\"; bus = \"lan\";\n"
               /* 2 */ "  points = ( { name = \"e\"; area = \"holding\"; address = 4294967348; type = \"uint16\"; } ); } );\n"
               /* 3 */ "store = { retention_days = 4294967297; };\n");
    assert_null(load("wrapmain.conf", HEAD LAN "@include \"wrapinc/dev.conf\"\n", d = mvg_diags_new()));
    expect_diag(d, "wrapinc/dev.conf", 2, "'address' must be 0..65535, not 4294967348");
    expect_diag(d, "wrapinc/dev.conf", 3, "'retention_days' must be");
    expect_diag(d, "wrapinc/dev.conf", 3, "not 4294967297");
    mvg_diags_free(d);
}

/* The literals of a line are indexed once (config_read.c): every edge of
 * that index, each value checked as written. */
static void test_integer_literal_edges(void **state)
{
    (void)state;
    /* 2^31, 2^63 - 1, negative, hex and L-suffixed literals kept exactly */
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("edges.conf", HEAD LAN
        "devices = ( { name = \"m\"; bus = \"lan\"; unit_id = 0xF7; points = (\n"
        "  { name = \"a\"; area = \"holding\"; address = 0x10; type = \"int32\"; min = -2147483649; max = 2147483648; },\n"
        "  { name = \"b\"; area = \"holding\"; address = 20L; type = \"int64\"; min = -9223372036854775807L; max = 9223372036854775807; },\n"
        "  { name = \"c\"; area = \"holding\"; address = 30; type = \"uint32\"; max = 0xFFFFFFFFFF; } ); } );\n",
        d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_point_cfg *p = c->devices[0].points;
    assert_int_equal(c->devices[0].unit_id, 247);
    assert_int_equal(p[0].address, 16);
    assert_true(p[0].min == -2147483649.0);
    assert_true(p[0].max == 2147483648.0);
    assert_int_equal(p[1].address, 20);
    assert_true(p[1].min == -9223372036854775807.0);
    assert_true(p[1].max == 9223372036854775807.0);
    assert_true(p[2].max == 1099511627775.0);
    mvg_config_free(c);
    mvg_diags_free(d);

    /* beyond 64 bits (2^63, hex and L forms too), 2^31 as an address */
    d = mvg_diags_new();
    assert_null(load("edges64.conf", HEAD LAN
        /* 3 */ "devices = ( { name = \"m\"; bus = \"lan\"; points = (\n"
        /* 4 */ "  { name = \"a\"; area = \"holding\"; address = 2147483648; type = \"int16\"; },\n"
        /* 5 */ "  { name = \"b\"; area = \"holding\"; address = 2; type = \"int16\"; max = 9223372036854775808; },\n"
        /* 6 */ "  { name = \"c\"; area = \"holding\"; address = 3; type = \"int16\"; min = -9223372036854775809L; },\n"
        /* 7 */ "  { name = \"e\"; area = \"holding\"; address = 4; type = \"int16\"; max = 0x10000000000000000; } ); } );\n",
        d));
    expect_diag(d, "edges64.conf", 4, "'address' must be 0..65535, not 2147483648");
    expect_diag(d, "edges64.conf", 5, "'max' must be");
    expect_diag(d, "edges64.conf", 5, "not 9223372036854775808");
    expect_diag(d, "edges64.conf", 6, "not -9223372036854775809");
    expect_diag(d, "edges64.conf", 7, "not 0x10000000000000000");
    mvg_diags_free(d);

    /* one line of 500 points (about 45 kB): a literal that wraps to the
     * value of another point's on the same line is still refused, and the
     * other, written as 52, is still read as 52 */
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "%s%sdevices = ( { name = \"m\"; bus = \"lan\"; points = ( ", HEAD, LAN);
    for (int k = 0; k < 500; k++)
        n += (size_t)snprintf(text + n, cap - n,
                              "{ name = \"p%d\"; area = \"holding\"; address = %lld; type = \"int16\"; }, ",
                              k, k == 10 ? 52LL : k == 499 ? 4294967348LL : 100LL + k);
    n += (size_t)snprintf(text + n, cap - n, "{ name = \"last\"; area = \"input\"; address = 52; type = \"int16\"; } ); } );\n");
    assert_true(n < cap);
    d = mvg_diags_new();
    assert_null(load("long.conf", text, d));
    expect_diag(d, "long.conf", 3, "device 'm': point 'p499': 'address' must be 0..65535, not 4294967348");
    assert_int_equal(mvg_diags_count(d), 1);
    mvg_diags_free(d);
    /* the same line without the wrapped literal loads, 52 read as 52 */
    char *wrap = strstr(text, "4294967348");
    assert_non_null(wrap);
    memcpy(wrap, "    599   ", 10);
    c = load("long2.conf", text, d = mvg_diags_new());
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    assert_int_equal(c->devices[0].npoints, 501);
    assert_int_equal(c->devices[0].points[10].address, 52);
    assert_int_equal(c->devices[0].points[499].address, 599);
    assert_int_equal(c->devices[0].points[500].address, 52);
    mvg_config_free(c);
    mvg_diags_free(d);
    free(text);

    /* the last line of a file without a newline, in an @included file */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/edgeinc", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file("edgeinc/store.conf", "# store\nstore = { retention_days = 4294967297 }");
    assert_null(load("edgeinc.conf", HEAD LAN
        "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"a\"; area = \"holding\"; address = 1; type = \"int16\"; } ); } );\n"
        "@include \"edgeinc/store.conf\"", d = mvg_diags_new()));
    expect_diag(d, "edgeinc/store.conf", 2, "not 4294967297");
    mvg_diags_free(d);
    assert_null(load("eof.conf", HEAD LAN
        "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"a\"; area = \"holding\"; address = 1; type = \"int16\"; } ); } );\n"
        "store = { retention_days = -4294967297 }", d = mvg_diags_new()));
    expect_diag(d, "eof.conf", 4, "not -4294967297");
    mvg_diags_free(d);
}

/* A device or profile that polls nothing is refused. */
static void test_empty_point_lists(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    const char *path = write_file("empty-pts.conf", HEAD LAN
                     "devices = ( { name = \"m\"; bus = \"lan\"; points = (); },\n"
                     "  { name = \"n\"; bus = \"lan\"; unit_id = 2; profile = \"eastron-sdm630\";\n"
                     "    profile_points = [ ]; } );\n");
    mvg_config_opts opts = {.profile_dir = MVG_SOURCE_DIR "/config/profiles"};
    assert_null(mvg_config_load(path, &opts, d));
    expect_diag(d, "empty-pts.conf", 3, "device 'm': 'points' is empty");
    expect_diag(d, "empty-pts.conf", 5, "'profile_points' is empty");
    mvg_diags_free(d);
}

/* A missing @include names the file and the path it was looked for at. */
static void test_missing_include_named(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    assert_null(load("noinc.conf", HEAD LAN "\n@include \"conf.d/meters.conf\"\n", d));
    char want[600];
    snprintf(want, sizeof want, "cannot open include file \"conf.d/meters.conf\": looked for "
             "%s/conf.d/meters.conf: No such file or directory", dir);
    expect_diag(d, "noinc.conf", 4, want);
    mvg_diags_free(d);
}

/* A point's name and unit are pointers into the configuration's string
 * pool: equal strings are one copy (the same unit of every meter, the same
 * point name in every device), a point without a unit has "", the packed
 * fields keep their whole ranges, and the length rules still answer with
 * the file and line. */
static void test_point_strings_pooled(void **state)
{
    (void)state;
    mvg_diags *d = mvg_diags_new();
    mvg_config *c = load("pool.conf",
                         HEAD LAN
                         "devices = ( { name = \"d1\"; bus = \"lan\"; unit_id = 1; points = (\n"
                         "  { name = \"p0\"; area = \"holding\"; address = 65534; type = \"float32\"; "
                         "unit = \"kW\"; },\n"
                         "  { name = \"p1\"; area = \"holding\"; address = 0; type = \"string\"; "
                         "count = 64; },\n"
                         "  { name = \"p2\"; area = \"input\"; address = 7; type = \"bool\"; bit = 15; "
                         "unit = \"mg/Nm3 per hour\"; } ); },\n"
                         "  { name = \"d2\"; bus = \"lan\"; unit_id = 2; points = (\n"
                         "  { name = \"p0\"; area = \"holding\"; address = 0; type = \"float32\"; "
                         "unit = \"kW\"; } ); } );\n",
                         d);
    if (!c)
        mvg_diags_print(d, stderr);
    assert_non_null(c);
    const mvg_point_cfg *a = c->devices[0].points, *b = c->devices[1].points;
    assert_string_equal(a[0].name, "p0");
    assert_string_equal(a[0].unit, "kW");
    assert_ptr_equal(a[0].unit, b[0].unit);
    assert_ptr_equal(a[0].name, b[0].name);
    assert_string_equal(a[1].unit, "");
    assert_string_equal(a[2].unit, "mg/Nm3 per hour"); /* 15 characters, the most */
    assert_int_equal(a[0].address, 65534);
    assert_int_equal(a[1].count, 64);
    assert_true(a[1].has_count);
    assert_int_equal(a[2].bit, 15);
    assert_true(a[2].has_bit);
    assert_false(a[0].has_bit);
    assert_int_equal(a[2].area, MVG_AREA_INPUT);
    assert_int_equal(a[2].type, MVG_TYPE_BOOL);
    assert_ptr_equal(a[0].src.file, c->devices[1].src.file); /* file names pooled too */
    assert_int_equal(a[2].src.line, 6);
    /* a device's strings: "" when not given, as a point's unit */
    assert_string_equal(c->devices[0].profile, "");
    assert_string_equal(c->devices[0].profile_source, "");
    assert_string_equal(c->devices[0].accuracy_class, "");
    mvg_config_free(c);
    mvg_diags_free(d);

    d = mvg_diags_new();
    c = load("long.conf",
             HEAD LAN
             "devices = ( { name = \"d1\"; bus = \"lan\"; points = (\n"
             "  { name = \"p0\"; area = \"holding\"; address = 0; type = \"int16\"; "
             "unit = \"mg/Nm3 per hours\"; },\n"
             "  { name = \"p123456789012345678901234567890123456789012345678901234567890123\"; "
             "area = \"holding\"; address = 1; type = \"int16\"; } ); } );\n",
             d);
    assert_null(c);
    expect_diag(d, "long.conf", 4, "'unit' is longer than 15 characters");
    expect_diag(d, "long.conf", 5, "must be 1..63 letters, digits or '_'");
    mvg_diags_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_form_and_defaults),
        cmocka_unit_test(test_every_example_loads),
        cmocka_unit_test(test_every_profile_loads),
        cmocka_unit_test(test_syntax_error_has_line),
        cmocka_unit_test(test_errors_with_lines_all_in_one_pass),
        cmocka_unit_test(test_point_errors_neither_hidden_nor_echoed),
        cmocka_unit_test(test_include_relative_to_the_file),
        cmocka_unit_test(test_profile_unit_id_default),
        cmocka_unit_test(test_required_sections),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_publish_sections),
        cmocka_unit_test(test_mqtt_defaults),
        cmocka_unit_test(test_publish_rules),
        cmocka_unit_test(test_data_dir),
        cmocka_unit_test(test_projects_are_checked_against_devices),
        cmocka_unit_test(test_integer_literals_do_not_wrap),
        cmocka_unit_test(test_integer_literal_edges),
        cmocka_unit_test(test_empty_point_lists),
        cmocka_unit_test(test_string_points),
        cmocka_unit_test(test_missing_include_named),
        cmocka_unit_test(test_point_strings_pooled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
