/*
 * test_config_tls.c: the mqtt section's TLS files (and the influx
 * section's CA file) are checked by the
 * loader (daemon/base/tlsfiles.h), so `mvgate check` and mvgated refuse
 * at FILE:LINE, with OpenSSL's reason, what the first handshake would
 * refuse: a key that is not the certificate's, a certificate, key or CA
 * file that is not PEM. Certificates from tests/support/mqtt_harness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "config.h"
#include "diag.h"
#include "mqtt_harness.h"
#include "tlsfiles.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir_make(dir, sizeof dir, "config-tls") || mh_certs_make(dir);
}

static int teardown(void **state)
{
    (void)state;
    return tu_tmpdir_remove(dir);
}

/* Line 1 the gateway, 2 the bus, 3 the device; from line 4 the section. */
static int load_section(const char *section, char *diags, size_t n)
{
    char text[2048], path[300];
    snprintf(text, sizeof text,
             "gateway = { id = \"gw-1\"; site = \"acme\"; data_dir = \"/var/lib/mvgate\"; };\n"
             "buses = ( { name = \"lan\"; type = \"tcp\"; host = \"127.0.0.1\"; } );\n"
             "devices = ( { name = \"m\"; bus = \"lan\"; points = ( { name = \"v\"; "
             "area = \"input\"; address = 0; type = \"int16\"; } ); } );\n%s",
             section);
    snprintf(path, sizeof path, "%s/tls.conf", dir);
    assert_int_equal(tu_write_file(path, text), 0);
    mvg_diags *d = mvg_diags_new();
    /* the check the CLI passes (the daemon reaches it through the TLS module) */
    mvg_config_opts opts = {.tls_check = mvg_tlsfiles_check};
    mvg_config *c = mvg_config_load(path, &opts, d);
    int count = (int)mvg_diags_count(d);
    diags[0] = '\0';
    for (int i = 0; i < count; i++)
        snprintf(diags + strlen(diags), n - strlen(diags), "%s\n", mvg_diags_get(d, i));
    assert_true(!c == (count > 0));
    mvg_config_free(c);
    mvg_diags_free(d);
    return count;
}

/* The mqtt section on line 4, its TLS files one a line: ca_file 5,
 * cert_file 6, key_file 7. */
static int load_mqtt(const char *ca, const char *cert, const char *key, char *diags, size_t n)
{
    char section[1024];
    snprintf(section, sizeof section,
             "mqtt = { uri = \"mqtts://127.0.0.1:8883\";\n"
             "  ca_file = \"%s/%s\";\n  cert_file = \"%s/%s\";\n  key_file = \"%s/%s\"; };\n",
             dir, ca, dir, cert, dir, key);
    return load_section(section, diags, n);
}

/* The influx section on line 4, its ca_file on line 5. */
static int load_influx(const char *url, const char *ca, char *diags, size_t n)
{
    char section[1024];
    snprintf(section, sizeof section,
             "influx = { url = \"%s\"; db = \"mvgate\";\n  ca_file = \"%s/%s\"; };\n", url,
             dir, ca);
    return load_section(section, diags, n);
}

/* The one diagnostic is at line of tls.conf and ends in text. */
static void expect_one(const char *diags, int line, const char *text)
{
    char want[2048];
    snprintf(want, sizeof want, "%s/tls.conf:%d: %s\n", dir, line, text);
    assert_string_equal(diags, want);
}

static void test_tls_files_parse_and_match(void **state)
{
    (void)state;
    char diags[4096], want[1024];
    /* the right files: a TLS uri takes the CA and the client certificate */
    assert_int_equal(load_mqtt("ca.crt", "client.crt", "client.key", diags, sizeof diags), 0);

    /* the key of another certificate */
    assert_int_equal(load_mqtt("ca.crt", "client.crt", "server.key", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "mqtt: 'key_file' %s/server.key is not the key of the certificate in "
             "%s/client.crt (key values mismatch)", dir, dir);
    expect_one(diags, 7, want);

    /* a certificate where the key should be, and the other way round */
    assert_int_equal(load_mqtt("ca.crt", "client.crt", "client.crt", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "mqtt: 'key_file' %s/client.crt holds no unencrypted PEM private key (", dir);
    assert_non_null(strstr(diags, want));
    assert_non_null(strstr(diags, "tls.conf:7: "));
    assert_int_equal(load_mqtt("ca.crt", "client.key", "client.key", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "mqtt: 'cert_file' %s/client.key holds no PEM certificate (no start line)", dir);
    expect_one(diags, 6, want);

    /* a CA file that holds no certificate, and one cut short */
    assert_int_equal(load_mqtt("openssl.log", "client.crt", "client.key", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "mqtt: 'ca_file' %s/openssl.log holds no PEM certificate (no start line)", dir);
    expect_one(diags, 5, want);
    char cut[300], src[300];
    snprintf(src, sizeof src, "%s/ca.crt", dir);
    snprintf(cut, sizeof cut, "%s/cut.crt", dir);
    FILE *f = fopen(src, "r");
    assert_non_null(f);
    char pem[8192];
    size_t len = fread(pem, 1, sizeof pem - 1, f);
    fclose(f);
    pem[len] = '\0';
    char both[16384];
    snprintf(both, sizeof both, "%s%.*s", pem, (int)(len / 2), pem);
    assert_int_equal(tu_write_file(cut, both), 0);
    assert_int_equal(load_mqtt("cut.crt", "client.crt", "client.key", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "mqtt: 'ca_file' %s/cut.crt has a broken PEM certificate after some good ones (",
             dir);
    assert_non_null(strstr(diags, want));
    assert_non_null(strstr(diags, "tls.conf:5: "));
}

/* The influx section's ca_file: by the same rule, and for https:// only. */
static void test_influx_ca_file(void **state)
{
    (void)state;
    char diags[4096], want[1024];
    assert_int_equal(load_influx("https://127.0.0.1:8086", "ca.crt", diags, sizeof diags), 0);
    assert_int_equal(load_influx("https://127.0.0.1:8086", "client.key", diags, sizeof diags), 1);
    snprintf(want, sizeof want,
             "influx: 'ca_file' %s/client.key holds no PEM certificate (no start line)", dir);
    expect_one(diags, 5, want);
    assert_int_equal(load_influx("http://127.0.0.1:8086", "ca.crt", diags, sizeof diags), 1);
    expect_one(diags, 5, "influx: 'ca_file' needs an https:// 'url', not \"http://127.0.0.1:8086\"");
    assert_int_equal(load_influx("https://127.0.0.1:8086", "none.crt", diags, sizeof diags), 1);
    assert_non_null(strstr(diags, "tls.conf:5: "));
    assert_non_null(strstr(diags, "none.crt"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_files_parse_and_match),
        cmocka_unit_test(test_influx_ca_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
