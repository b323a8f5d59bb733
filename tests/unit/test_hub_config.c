/*
 * test_hub_config.c: hub.conf (tools/hub/hub_config.h): the defaults of
 * an almost empty file, and every rule between keys reported at FILE:LINE
 * in one pass: a websocket uri, a topic prefix with a wildcard, a password
 * file without a user, TLS files with a plain uri, a sqlite backend without
 * its path or with a conninfo, missing_grace_s out of range, a bad shared
 * group name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "diag.h"
#include "hub_config.h"

static char dir[256], reg[300];

static int setup(void **state)
{
    (void)state;
    if (tu_tmpdir_make(dir, sizeof dir, "hub-config"))
        return -1;
    snprintf(reg, sizeof reg, "%s/register", dir);
    return tu_write_file(reg, "gw-1 addf32f483d2c88dd99acdf0b64a7993\n");
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

/* Loads text as hub.conf: the number of diagnostics, all of them in out. */
static int load(const char *text, mvg_hub_cfg *cfg, char *out, size_t n)
{
    char path[300];
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    assert_int_equal(tu_write_file(path, text), 0);
    mvg_diags *d = mvg_diags_new();
    int rc = mvg_hub_config_load(path, cfg, d);
    int count = (int)mvg_diags_count(d);
    out[0] = '\0';
    for (int i = 0; i < count; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s\n", mvg_diags_get(d, i));
    assert_true((rc < 0) == (count > 0));
    mvg_diags_free(d);
    return count;
}

static void test_defaults(void **state)
{
    (void)state;
    char text[1024], out[2048];
    static mvg_hub_cfg c;
    snprintf(text, sizeof text,
             "id = \"hub-1\";\nenrolled = \"%s\";\n"
             "mqtt = { uri = \"tcp://127.0.0.1:1883\"; };\n"
             "db = { path = \"%s/hub.db\"; };\n",
             reg, dir);
    assert_int_equal(load(text, &c, out, sizeof out), 0);
    assert_string_equal(c.id, "hub-1");
    assert_string_equal(c.enrolled, reg);
    assert_int_equal(c.verify_interval_ms, 500);
    assert_int_equal(c.missing_grace_s, 600);
    assert_string_equal(c.mqtt.client_id, "mvgate-hub-hub-1");
    assert_string_equal(c.mqtt.topic_prefix, "mvgate/v1");
    assert_string_equal(c.mqtt.shared_group, "");
    assert_int_equal(c.mqtt.session_expiry_s, 604800);
    assert_int_equal(c.mqtt.keepalive_s, 30);
    assert_int_equal(c.mqtt.verify_hostname, 1);
    assert_int_equal(c.db.backend, MVG_HUB_DB_SQLITE);

    snprintf(text, sizeof text,
             "id = \"hub-2\";\nenrolled = \"%s\";\nmissing_grace_s = 5;\n"
             "mqtt = { uri = \"tcp://127.0.0.1:1883\"; client_id = \"me\";"
             " shared_group = \"hubs\"; };\n"
             "db = { backend = \"postgresql\"; conninfo = \"dbname=hub\"; };\n",
             reg);
    assert_int_equal(load(text, &c, out, sizeof out), 0);
    assert_int_equal(c.missing_grace_s, 5);
    assert_string_equal(c.mqtt.client_id, "me");
    assert_string_equal(c.mqtt.shared_group, "hubs");
    assert_int_equal(c.db.backend, MVG_HUB_DB_POSTGRESQL);
    assert_string_equal(c.db.conninfo, "dbname=hub");
}

static void test_errors_at_their_lines(void **state)
{
    (void)state;
    char text[2048], out[4096];
    static mvg_hub_cfg c;
    snprintf(text, sizeof text,
             "id = \"hub 1\";\n"                                    /* 1 */
             "enrolled = \"%s\";\n"                                 /* 2 */
             "missing_grace_s = 0;\n"                               /* 3 */
             "mqtt = {\n"                                           /* 4 */
             "  uri = \"ws://127.0.0.1:9001\";\n"                   /* 5 */
             "  topic_prefix = \"mvgate/#\";\n"                     /* 6 */
             "  password_file = \"%s\";\n"                          /* 7 */
             "  shared_group = \"a/b\";\n"                          /* 8 */
             "};\n"                                                 /* 9 */
             "db = { backend = \"sqlite\"; conninfo = \"x\"; };\n", /* 10 */
             reg, reg);
    int n = load(text, &c, out, sizeof out);
    assert_true(n >= 6);
    const char *want[] = {"hub.conf:1:",        "hub.conf:3:",
                          "missing_grace_s",    "hub.conf:5:",
                          "websockets",         "hub.conf:6:",
                          "topic_prefix",       "hub.conf:7:",
                          "without 'username'", "hub.conf:8:",
                          "shared_group",       "needs 'path'",
                          "hub.conf:10:",       "'conninfo' is for backend"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("no '%s' in:\n%s", want[i], out);
}

static void test_tls_files_need_tls(void **state)
{
    (void)state;
    char text[1024], out[2048];
    static mvg_hub_cfg c;
    snprintf(text, sizeof text,
             "id = \"hub-1\";\nenrolled = \"%s\";\n"
             "mqtt = { uri = \"tcp://127.0.0.1:1883\";\n ca_file = \"%s\"; };\n"
             "db = { path = \"%s/hub.db\"; };\n",
             reg, reg, dir);
    assert_true(load(text, &c, out, sizeof out) >= 1);
    if (!strstr(out, "hub.conf:4:") || !strstr(out, "ca_file"))
        fail_msg("%s", out);
    /* the register must exist */
    snprintf(text, sizeof text,
             "id = \"hub-1\";\nenrolled = \"%s/none\";\n"
             "mqtt = { uri = \"tcp://127.0.0.1:1883\"; };\n"
             "db = { path = \"%s/hub.db\"; };\n",
             dir, dir);
    assert_int_equal(load(text, &c, out, sizeof out), 1);
    if (!strstr(out, "hub.conf:2:") || !strstr(out, "enrolled"))
        fail_msg("%s", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors_at_their_lines),
        cmocka_unit_test(test_tls_files_need_tls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
