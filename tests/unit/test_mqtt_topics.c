/*
 * test_mqtt_topics.c: the MQTT topic table (mqtt_topics.h): every
 * document's entry topic, retained flag and outbox class as docs/mqtt.md
 * lists them, which topic kinds carry chained records, key records on a
 * retained topic each, and full topics read back into their documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mqtt_topics.h"

static void expect(mvg_mqtt_doc doc, const char *name, const char *topic, int retained,
                   mvg_out_class cls)
{
    mvg_mqtt_route r = mvg_mqtt_topics_route(doc, name);
    assert_string_equal(r.topic, topic);
    assert_int_equal(r.retained, retained);
    assert_int_equal(r.cls, cls);
}

static void test_routes(void **state)
{
    (void)state;
    expect(MVG_MQTT_TELEMETRY, "comp_power", "telemetry/comp_power", 0, MVG_OUT_TELEMETRY);
    expect(MVG_MQTT_INTERVAL, "comp-vsd", "interval/comp-vsd", 0, MVG_OUT_INTERVAL);
    expect(MVG_MQTT_TOTALS, "comp-vsd", "totals/comp-vsd", 1, MVG_OUT_TOTALS);
    expect(MVG_MQTT_MODEL, "comp-vsd", "model/comp-vsd", 1, MVG_OUT_MODEL);
    expect(MVG_MQTT_KEY, "comp-vsd", "key/comp-vsd", 1, MVG_OUT_INTERVAL);
    expect(MVG_MQTT_IDENTITY, NULL, "identity", 1, MVG_OUT_MODEL);
    expect(MVG_MQTT_STATUS, NULL, "status", 1, MVG_OUT_STATUS);
    assert_string_equal(MVG_MQTT_TOPIC_STATUS, "status");
}

static void test_chained_kinds(void **state)
{
    (void)state;
    assert_int_equal(mvg_mqtt_topics_chained("interval"), 1);
    assert_int_equal(mvg_mqtt_topics_chained("model"), 1);
    assert_int_equal(mvg_mqtt_topics_chained("key"), 1);
    assert_int_equal(mvg_mqtt_topics_chained("totals"), 0);
    assert_int_equal(mvg_mqtt_topics_chained("telemetry"), 0);
    assert_int_equal(mvg_mqtt_topics_chained("identity"), 0);
    assert_int_equal(mvg_mqtt_topics_chained("status"), 0);
    assert_int_equal(mvg_mqtt_topics_chained("intervals"), 0);
    assert_int_equal(mvg_mqtt_topics_chained("definition"), 1);
}

/* The definition in force is retained on its project's topic, kept with
 * the chained records when an outbox is over full, and read back. */
static void parse_ok(const char *topic, mvg_mqtt_doc doc, const char *name, int64_t chain,
                     const char *gateway);

static void test_definition_topic(void **state)
{
    (void)state;
    mvg_mqtt_route r = mvg_mqtt_topics_route_chained(MVG_MQTT_DEFINITION, "comp-vsd", 1);
    assert_string_equal(r.topic, "definition/comp-vsd");
    assert_int_equal(r.retained, 1);
    assert_int_equal(r.cls, MVG_OUT_INTERVAL);
    parse_ok("mvgate/v1/gw-a/definition/comp-vsd", MVG_MQTT_DEFINITION, "comp-vsd", 0, "gw-a");
    assert_int_equal(mvg_mqtt_topics_doc_chained(MVG_MQTT_DEFINITION), 1);
}

static void test_numbered_key_topics(void **state)
{
    (void)state;
    mvg_mqtt_route r = mvg_mqtt_topics_route_chained(MVG_MQTT_KEY, "comp-vsd", 97);
    assert_string_equal(r.topic, "key/comp-vsd/97");
    assert_int_equal(r.retained, 1);
    /* the others are not numbered */
    r = mvg_mqtt_topics_route_chained(MVG_MQTT_NEWCHAIN, "comp-vsd", 1);
    assert_string_equal(r.topic, "newchain/comp-vsd");
    r = mvg_mqtt_topics_route_chained(MVG_MQTT_INTERVAL, "comp-vsd", 12);
    assert_string_equal(r.topic, "interval/comp-vsd");
}

static void parse_ok(const char *topic, mvg_mqtt_doc doc, const char *name, int64_t chain,
                     const char *gateway)
{
    mvg_mqtt_topic t;
    assert_int_equal(mvg_mqtt_topics_parse(topic, strlen(topic), &t), 0);
    assert_int_equal(t.doc, doc);
    assert_string_equal(t.name, name);
    assert_int_equal(t.chain, chain);
    assert_string_equal(t.gateway, gateway);
}

static void test_parse(void **state)
{
    (void)state;
    parse_ok("mvgate/v1/gw-a/interval/comp-vsd", MVG_MQTT_INTERVAL, "comp-vsd", 0, "gw-a");
    parse_ok("mvgate/v1/gw-a/key/comp-vsd/97", MVG_MQTT_KEY, "comp-vsd", 97, "gw-a");
    parse_ok("gw/totals/p", MVG_MQTT_TOTALS, "p", 0, "gw");
    parse_ok("model/p", MVG_MQTT_MODEL, "p", 0, "");
    /* a numeric project name of an unnumbered kind */
    parse_ok("x/gw/interval/2024", MVG_MQTT_INTERVAL, "2024", 0, "gw");
    /* key/<project> without its chain (as before the key history was kept) */
    parse_ok("x/gw/key/p", MVG_MQTT_KEY, "p", 0, "gw");
    mvg_mqtt_topic t;
    static const char *const bad[] = {"x/gw/status", "x/gw/identity", "x/gw/intervals/p",
                                      "interval/", "p", "", "x/gw/key/p/0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mvg_mqtt_topics_parse(bad[i], strlen(bad[i]), &t), -1);
    assert_int_equal(mvg_mqtt_topics_doc_chained(MVG_MQTT_KEY), 1);
    assert_int_equal(mvg_mqtt_topics_doc_chained(MVG_MQTT_TOTALS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_chained_kinds),
        cmocka_unit_test(test_definition_topic),
        cmocka_unit_test(test_numbered_key_topics),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
