/*
 * test_mqtt_topics.c: the MQTT topic table (mqtt_topics.h): every
 * document's entry topic, retained flag and outbox class as docs/mqtt.md
 * lists them, and which topic kinds carry chained records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
    expect(MVG_MQTT_KEY, "comp-vsd", "key/comp-vsd", 0, MVG_OUT_INTERVAL);
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_chained_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
