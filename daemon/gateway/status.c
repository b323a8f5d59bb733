/*
 * status.c: the status document (status.h), built with jansson.
 */
#include "status.h"

#include <jansson.h>
#include <stdlib.h>

#include "payload.h"

static json_t *jtime_or_null(int64_t ms)
{
    char buf[40];
    return ms > 0 ? json_string(mvg_payload_time(ms, buf, sizeof buf)) : json_null();
}

char *mvg_status_json(const mvg_status_input *in)
{
    const mvg_config *cfg = in->cfg;
    json_t *devices = json_array();
    for (size_t d = 0; devices && d < cfg->ndevices; d++) {
        const mvg_device_status *s = &in->devices[d];
        json_array_append_new(
            devices,
            json_pack("{s:s, s:s, s:i, s:b, s:o, s:I, s:I, s:I, s:s}", "name", cfg->devices[d].name,
                      "bus", cfg->buses[cfg->devices[d].bus].name, "unit_id",
                      cfg->devices[d].unit_id, "online", s->online, "last_good",
                      jtime_or_null(s->last_good_ms), "polls", (json_int_t)s->polls,
                      "failed_polls", (json_int_t)s->failed_polls, "overruns",
                      (json_int_t)s->overruns, "last_error", s->last_error));
    }
    json_t *outbox = json_object();
    for (size_t i = 0; outbox && i < in->npublishers; i++) {
        const mvg_outbox_stats *o = &in->outbox[i];
        json_t *dropped = json_object();
        for (size_t c = 0; dropped && c <= MVG_OUT_INTERVAL; c++)
            json_object_set_new(dropped, mvg_outbox_class_name((mvg_out_class)c), json_integer((json_int_t)o->dropped[c]));
        int64_t age = o->oldest_ms > 0 ? in->now_ms - o->oldest_ms : 0;
        json_object_set_new(
            outbox, in->publisher[i],
            json_pack("{s:I, s:o, s:I, s:o, s:I, s:I, s:o}", "depth", (json_int_t)o->depth,
                      "oldest", jtime_or_null(o->oldest_ms), "age_s", (json_int_t)(age / 1000),
                      "dropped", dropped, "dropped_unacked",
                      (json_int_t)mvg_outbox_drops_unacked(o), "parked", (json_int_t)o->parked,
                      "parked_since", jtime_or_null(o->parked_oldest_ms)));
    }
    json_t *pubs = json_object();
    if (pubs && in->has_mqtt) {
        const mvg_mqtt_stats *m = &in->mqtt;
        json_object_set_new(pubs, "mqtt",
                            json_pack("{s:b, s:I, s:I, s:i, s:I, s:I, s:s}", "connected",
                                      m->connected, "delivered", (json_int_t)m->delivered, "sent",
                                      (json_int_t)m->sent, "in_flight", (int)m->in_flight,
                                      "reconnects", (json_int_t)m->reconnects, "rejected",
                                      (json_int_t)m->rejected, "last_error", m->last_error));
    }
    if (pubs && in->has_influx) {
        const mvg_influx_stats *f = &in->influx;
        json_object_set_new(pubs, "influx",
                            json_pack("{s:I, s:I, s:I, s:i, s:o, s:s, s:s}", "delivered",
                                      (json_int_t)f->delivered, "rejected", (json_int_t)f->rejected,
                                      "failures", (json_int_t)f->failures, "last_status",
                                      f->last_status, "last_ok", jtime_or_null(f->last_ok_ms),
                                      "last_error", f->last_error, "first_bad_line",
                                      f->first_bad_line));
    }
    json_t *store = json_null();
    if (in->store)
        store = json_pack("{s:I, s:I, s:I, s:I, s:I}", "samples", (json_int_t)in->store->samples,
                          "samples_pruned", (json_int_t)in->store->samples_pruned, "intervals",
                          (json_int_t)in->store->intervals, "models",
                          (json_int_t)in->store->models, "db_bytes",
                          (json_int_t)in->store->db_bytes);
    if (in->store_state) {
        if (json_is_null(store))
            store = json_object();
        json_t *room = json_pack(
            "{s:s, s:s, s:o, s:I, s:b, s:I, s:I, s:I, s:I}", "state", in->store_state, "why",
            in->store_why ? in->store_why : "", "since", jtime_or_null(in->store_since_ms),
            "records_waiting", (json_int_t)in->records_waiting, "engine_held", in->engine_held,
            "free_bytes", (json_int_t)in->room.free_bytes, "reserve_bytes",
            (json_int_t)in->room.reserve_bytes, "samples_refused",
            (json_int_t)in->room.samples_refused, "telemetry_refused",
            (json_int_t)in->room.telemetry_refused);
        if (store && room)
            json_object_update(store, room);
        json_decref(room);
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:{s:I, s:I}, s:{s:I}, s:o, s:o, s:o}",
        "schema", MVG_SCHEMA_STATUS, "gateway", cfg->gateway.id, "site", cfg->gateway.site, "state",
        in->state, "version", MVG_VERSION, "time", jtime_or_null(in->now_ms), "started",
        jtime_or_null(in->started_ms), "uptime_s", (json_int_t)((in->now_ms - in->started_ms) / 1000),
        "devices", devices, "queue", "depth", (json_int_t)in->queue_depth, "dropped",
        (json_int_t)in->queue_dropped, "engine", "rejected", (json_int_t)in->engine_rejected,
        "store", store, "outbox", outbox, "publishers", pubs);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}
