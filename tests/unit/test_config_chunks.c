/*
 * test_config_chunks.c: the devices list read a chunk at a time
 * (config_scan.h, config.c load_chunked). The scanner on hand-written texts:
 * the list found through comments and strings holding brackets, its
 * elements counted and cut, the line of each chunk, and every case that
 * must fall back to the whole-file read. The loader: a file whose devices
 * span several chunks loads field by field as the whole-file read does, and
 * its diagnostics (a later chunk's error, a name defined twice across
 * chunks, a syntax error) are the same messages in the same order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "config.h"
#include "config_publish.h"
#include "config_scan.h"
#include "diag.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make(dir, sizeof dir, "chunks");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

static int scan(const char *text, size_t chunk, mvg_cfgscan *s)
{
    return mvg_cfgscan_devices(text, strlen(text), chunk, s);
}

static void test_scan_finds_the_list(void **state)
{
    (void)state;
    const char *text =
        /* 1 */ "gateway = { id = \"(devices = (\"; }; # devices = ( { } );\n"
        /* 2 */ "// devices : (\n"
        /* 3 */ "/* devices = ( \n"
        /* 4 */ "   ) */ buses = ( { name = \"a\\\")\"; } );\n"
        /* 5 */ "devices =\n"
        /* 6 */ "( { name = \"m,1)\"; points = ( { a = 1; }, { a = 2; } ); }, # ),\n"
        /* 7 */ "  { name = \"m2\"; } /* , ) */ ,\n"
        /* 8 */ "  { name = \"m3\"; }\n"
        /* 9 */ ");\n"
        /* 10 */ "mqtt = { devices = 3; };\n";
    mvg_cfgscan s;
    assert_int_equal(scan(text, 1, &s), 0);
    assert_int_equal(s.nelems, 3);
    assert_int_equal(text[s.open], '(');
    assert_int_equal(text[s.close], ')');
    assert_int_equal(s.nchunks, 3); /* 1 byte a chunk: one element each */
    assert_int_equal(s.chunks[0].line, 6);
    assert_int_equal(s.chunks[1].line, 6);
    assert_int_equal(s.chunks[2].line, 7);
    assert_int_equal(text[s.chunks[0].start - 1], '(');
    assert_int_equal(text[s.chunks[0].end], ',');
    assert_int_equal(text[s.chunks[2].end], ')');

    /* a chunk's text: its elements on their own lines, inside a list */
    char *t = mvg_cfgscan_chunk_text(text, &s.chunks[2]);
    assert_non_null(t);
    assert_string_equal(t, "\n\n\n\n\n\n" "devices = (\n  { name = \"m3\"; }\n);");
    free(t);

    /* the rest of the file: the list blanked, every line where it was */
    char *b = mvg_cfgscan_blanked(text, strlen(text), &s);
    assert_non_null(b);
    assert_int_equal(strlen(b), strlen(text));
    assert_non_null(strstr(b, "devices =\n(                                 "));
    assert_non_null(strstr(b, " \n);\nmqtt = { devices = 3; };\n"));
    size_t lines = 0;
    for (const char *p = b; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 10);
    assert_null(strstr(b, "m2"));
    free(b);
    mvg_cfgscan_free(&s);

    /* a big chunk holds them all; the ':' form; NULs as line ends */
    const char nul[] = "devices : ( { a = 1; },\0{ a = 2; } );\0";
    assert_int_equal(mvg_cfgscan_devices(nul, sizeof nul - 1, 1 << 20, &s), 0);
    assert_int_equal(s.nelems, 2);
    assert_int_equal(s.nchunks, 1);
    t = mvg_cfgscan_chunk_text(nul, &s.chunks[0]);
    assert_string_equal(t, "devices = ( { a = 1; },\n{ a = 2; } );");
    free(t);
    mvg_cfgscan_free(&s);

    /* an @include after the list cannot hold devices libconfig would not refuse */
    assert_int_equal(scan("devices = ( { a = 1; } );\n@include \"x.conf\"\n", 10, &s), 0);
    mvg_cfgscan_free(&s);
}

static void test_scan_refusals(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "gateway = { };\n",                                  /* no devices */
        "mqtt = { devices = ( { } ); };\n",                  /* not top level */
        "devices = ( { } );\ndevices = ( { } );\n",          /* twice */
        "@include \"d.conf\"\ndevices = ( { } );\n",         /* an include before */
        "devices = ( { },\n@include \"d.conf\"\n);\n",       /* an include inside */
        "devices = [ 1, 2 ];\n",                             /* an array */
        "devices = { a = 1; };\n",                           /* a group */
        "devices = \"(\";\n",                                /* a string */
        "devices = ( );\n",                                  /* empty */
        "devices = ( /* a comment */ );\n",                  /* empty */
        "devices = ( { name = \"m ); } );\n",                /* an open string */
        "devices = ( { } ); /* an open comment\n",
        "devices = ( { } );\n}\n",                           /* unbalanced */
        "devices = ( { } ;\n",                               /* not closed */
        "devices = ",                                        /* no value */
        NULL,
    };
    for (size_t i = 0; refused[i]; i++) {
        mvg_cfgscan s;
        if (scan(refused[i], 1, &s) == 0) {
            fprintf(stderr, "scanned: %s", refused[i]);
            fail();
        }
    }
}

static const char *write_conf(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, text), 0);
    return path;
}

static mvg_config *load_as(const char *path, size_t chunk, mvg_diags *d)
{
    mvg_config_opts opts = {.profile_dir = NULL, .devices_chunk = chunk};
    return mvg_config_load(path, &opts, d);
}

static void same_src(mvg_cfg_src a, mvg_cfg_src b)
{
    assert_string_equal(a.file, b.file);
    assert_int_equal(a.line, b.line);
}

/* Every field of every device and point of a and b is the same. */
static void same_config(const mvg_config *a, const mvg_config *b)
{
    assert_string_equal(a->sha256, b->sha256);
    assert_string_equal(a->gateway.id, b->gateway.id);
    assert_int_equal(a->nbuses, b->nbuses);
    for (size_t i = 0; i < a->nbuses; i++) {
        assert_string_equal(a->buses[i].name, b->buses[i].name);
        same_src(a->buses[i].src, b->buses[i].src);
    }
    assert_int_equal(a->ndevices, b->ndevices);
    for (size_t i = 0; i < a->ndevices; i++) {
        const mvg_device_cfg *x = &a->devices[i], *y = &b->devices[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->bus, y->bus);
        assert_int_equal(x->unit_id, y->unit_id);
        assert_int_equal(x->interval_ms, y->interval_ms);
        assert_int_equal(x->max_gap, y->max_gap);
        assert_string_equal(x->profile, y->profile);
        assert_string_equal(x->accuracy_class, y->accuracy_class);
        same_src(x->src, y->src);
        assert_int_equal(x->npoints, y->npoints);
        for (size_t k = 0; k < x->npoints; k++) {
            const mvg_point_cfg *p = &x->points[k], *q = &y->points[k];
            assert_string_equal(p->name, q->name);
            assert_string_equal(p->unit, q->unit);
            assert_true(p->scale == q->scale && p->offset == q->offset);
            assert_true(p->min == q->min && p->max == q->max);
            same_src(p->src, q->src);
            assert_int_equal(p->address, q->address);
            assert_int_equal(p->area, q->area);
            assert_int_equal(p->type, q->type);
            assert_int_equal(p->order, q->order);
            assert_int_equal(p->kind, q->kind);
            assert_int_equal(p->has_min, q->has_min);
            assert_int_equal(p->has_max, q->has_max);
        }
    }
    assert_int_equal(a->publish->mqtt.enabled, b->publish->mqtt.enabled);
}

#define HEAD                                                                                      \
    /* 1 */ "gateway = { id = \"gw-1\"; site = \"acme\"; data_dir = \"/var/lib/mvgate\"; };\n"    \
    /* 2 */ "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 502; },\n"  \
    /* 3 */ "          { name = \"lan2\"; type = \"tcp\"; host = \"127.0.0.2\"; port = 502; } );\n"

/* 12 devices, device i on lines 6 + 3 i .. 8 + 3 i, with comments and
 * strings that hold brackets and commas, and a literal beyond 32 bits;
 * device bad_at's first address is bad. */
static char *devices_text(const char *bad, int bad_at)
{
    size_t cap = 16384, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n, "%s/* the meters ( of hall 1, */\ndevices = (\n", HEAD);
    for (int i = 0; i < 12; i++) {
        char address[32];
        snprintf(address, sizeof address, "%d", i * 2);
        n += (size_t)snprintf(t + n, cap - n,
                              "  { name = \"m%d\"; bus = \"%s\"; unit_id = %d; # ), {\n"
                              "    accuracy_class = \"0.5S\"; points = ( { name = \"kw\"; area = "
                              "\"holding\"; address = %s; type = \"float32\"; unit = \"kW\"; },\n"
                              "      { name = \"e\"; area = \"input\"; address = 2; type = \"uint32\"; "
                              "kind = \"counter\"; max = 4294967348; } ); }%s\n",
                              i, i % 2 ? "lan2" : "lan", i + 1, i == bad_at ? bad : address,
                              i < 11 ? "," : "");
    }
    n += (size_t)snprintf(t + n, cap - n, ");\nstore = { retention_days = 30; };\n");
    return t;
}

static void test_chunks_load_as_the_whole_file(void **state)
{
    (void)state;
    char *text = devices_text("", -1);
    const char *path = write_conf("many.conf", text);
    free(text);
    mvg_diags *d = mvg_diags_new();
    mvg_config *whole = load_as(path, SIZE_MAX, d);
    if (!whole)
        mvg_diags_print(d, stderr);
    assert_non_null(whole);
    assert_int_equal(whole->ndevices, 12);
    assert_int_equal(whole->devices[11].src.line, 6 + 3 * 11);
    assert_int_equal(whole->devices[11].points[1].src.line, 8 + 3 * 11);
    assert_true(whole->devices[11].points[1].max == 4294967348.0);
    assert_int_equal(whole->devices[11].bus, 1);
    /* one device a chunk, about four, and the default (one chunk) */
    static const size_t sizes[] = {1, 600, 0};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        mvg_config *c = load_as(path, sizes[i], d);
        assert_non_null(c);
        assert_int_equal(mvg_diags_count(d), 0);
        same_config(whole, c);
        assert_string_equal(c->devices[11].src.file, path);
        mvg_config_free(c);
    }
    mvg_config_free(whole);
    mvg_diags_free(d);
}

/* The diagnostics of path read whole and one device a chunk: the same. */
static void same_diags(const char *path, size_t at_least)
{
    mvg_diags *a = mvg_diags_new(), *b = mvg_diags_new();
    assert_null(load_as(path, SIZE_MAX, a));
    assert_null(load_as(path, 1, b));
    if (mvg_diags_count(a) != mvg_diags_count(b)) {
        mvg_diags_print(a, stderr);
        mvg_diags_print(b, stderr);
    }
    assert_true(mvg_diags_count(a) >= at_least);
    assert_int_equal(mvg_diags_count(a), mvg_diags_count(b));
    for (size_t i = 0; i < mvg_diags_count(a); i++)
        assert_string_equal(mvg_diags_get(a, i), mvg_diags_get(b, i));
    mvg_diags_free(a);
    mvg_diags_free(b);
}

static void expect_diag(const char *path, int line, const char *fragment)
{
    mvg_diags *d = mvg_diags_new();
    assert_null(load_as(path, 1, d));
    char where[600];
    snprintf(where, sizeof where, "%s:%d: ", path, line);
    for (size_t i = 0; i < mvg_diags_count(d); i++)
        if (strncmp(mvg_diags_get(d, i), where, strlen(where)) == 0 &&
            strstr(mvg_diags_get(d, i), fragment)) {
            mvg_diags_free(d);
            return;
        }
    fprintf(stderr, "wanted %s...%s among:\n", where, fragment);
    mvg_diags_print(d, stderr);
    fail();
}

static void test_chunk_errors_name_their_line(void **state)
{
    (void)state;
    /* a later chunk's point: its own line, the literal as written */
    char *text = devices_text("4294967348", 9);
    const char *path = write_conf("late.conf", text);
    free(text);
    expect_diag(path, 7 + 3 * 9, "'address' must be 0..65535, not 4294967348");
    same_diags(path, 1);

    /* a name defined twice, the two in different chunks */
    text = devices_text("", -1);
    char *m10 = strstr(text, "\"m10\"");
    memcpy(m10, "\"m2\" ", 5);
    path = write_conf("twice.conf", text);
    free(text);
    expect_diag(path, 6 + 3 * 10, "device 'm2' is defined twice (first at line 12)");
    same_diags(path, 1);

    /* a syntax error in a later chunk: libconfig's one message, as before */
    text = devices_text("", 8); /* address = ; */
    path = write_conf("syntax.conf", text);
    free(text);
    same_diags(path, 1);
}

static void test_fallbacks_load_the_same(void **state)
{
    (void)state;
    /* devices from an included file: the whole-file read */
    write_conf("inc.conf", "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"kw\"; "
                           "area = \"holding\"; address = 0; type = \"float32\"; } ); } );\n");
    const char *path = write_conf("withinc.conf", HEAD "@include \"inc.conf\"\n");
    mvg_diags *d = mvg_diags_new();
    mvg_config *whole = load_as(path, SIZE_MAX, d);
    mvg_config *c = load_as(path, 1, d);
    assert_non_null(whole);
    assert_non_null(c);
    same_config(whole, c);
    assert_int_equal(c->devices[0].src.line, 1);
    mvg_config_free(c);
    mvg_config_free(whole);
    mvg_diags_free(d);

    /* devices not a list, or empty: libconfig's and the loader's messages */
    path = write_conf("group.conf", HEAD "devices = { name = \"m\"; };\n");
    same_diags(path, 1);
    path = write_conf("empty.conf", HEAD "devices = ( );\n");
    same_diags(path, 1);
    path = write_conf("none.conf", HEAD);
    same_diags(path, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_finds_the_list),
        cmocka_unit_test(test_scan_refusals),
        cmocka_unit_test(test_chunks_load_as_the_whole_file),
        cmocka_unit_test(test_chunk_errors_name_their_line),
        cmocka_unit_test(test_fallbacks_load_the_same),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
