/*
 * publish_module.c: the entry table of a publisher module (publishers.h),
 * the only symbol the daemon looks up in it. Built once per module: the
 * MQTT modules fill the MQTT entries, the InfluxDB and HTTP modules their
 * own.
 */
#include "publishers.h"

#ifdef MVG_PUBLISH_MODULE_TLS
#include "tlsfiles.h"
#endif

const mvg_publishers_api mvg_publishers_api_v1 = {
    .version = MVG_PUBLISHERS_API_VERSION,
#ifdef MVG_PUBLISH_MODULE_MQTT
    .mqtt_start = mvg_mqtt_pub_start,
    .mqtt_stop = mvg_mqtt_pub_stop,
    .mqtt_kick = mvg_mqtt_pub_kick,
    .mqtt_get_stats = mvg_mqtt_pub_get_stats,
#endif
#ifdef MVG_PUBLISH_MODULE_TLS
    .tlsfiles_check = mvg_tlsfiles_check,
#endif
#ifdef MVG_PUBLISH_MODULE_INFLUX
    .influx_start = mvg_influx_pub_start,
    .influx_stop = mvg_influx_pub_stop,
    .influx_kick = mvg_influx_pub_kick,
    .influx_get_stats = mvg_influx_pub_get_stats,
#endif
#ifdef MVG_PUBLISH_MODULE_HTTP
    .http_start = mvg_http_server_start,
    .http_offer = mvg_http_server_offer,
    .http_stop = mvg_http_server_stop,
#endif
};
