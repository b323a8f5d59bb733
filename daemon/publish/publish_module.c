/*
 * publish_module.c: the entry table of mvgate-publish.so (publishers.h),
 * the only symbol the daemon looks up in it.
 */
#include "publishers.h"

const mvg_publishers_api mvg_publishers_api_v1 = {
    .version = MVG_PUBLISHERS_API_VERSION,
    .mqtt_start = mvg_mqtt_pub_start,
    .mqtt_stop = mvg_mqtt_pub_stop,
    .mqtt_kick = mvg_mqtt_pub_kick,
    .mqtt_get_stats = mvg_mqtt_pub_get_stats,
    .influx_start = mvg_influx_pub_start,
    .influx_stop = mvg_influx_pub_stop,
    .influx_kick = mvg_influx_pub_kick,
    .influx_get_stats = mvg_influx_pub_get_stats,
};
