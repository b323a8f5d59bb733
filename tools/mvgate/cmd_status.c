/*
 * cmd_status.c: `mvgate status -c FILE [--json]`: the daemon's latest
 * status document from the store (the daemon rewrites it every few
 * seconds), with live outbox figures. Exit 0 when the daemon reported
 * within the last 30 s and every device is online, 1 when not (stale
 * status, devices offline, undelivered records older than an hour, entries
 * a broker or InfluxDB refused (parked), drops at an outbox's bound that
 * no operator acknowledged, or a store that is full or failing: below
 * store.reserve_mb free, or records waiting in memory), 2 on errors; so it serves as a monitoring
 * check too.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "clock.h"
#include "commands.h"
#include "cli_args.h"
#include "config.h"
#include "config_publish.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"

#define FRESH_S 30
#define OUTBOX_OLD_S 3600

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate status -c FILE [--json]\n"
                 "Shows the running daemon's status (devices, outboxes, store).\n"
                 "Exit 0 when all is well, 1 when the status is stale, a device is offline,\n"
                 "an outbox holds records older than an hour, holds entries the broker or\n"
                 "InfluxDB refused (mvgate export --what refused; mvgate outbox resend), or\n"
                 "dropped entries at its bound (mvgate outbox ack-drops), or the store is\n"
                 "full or failing (interval records wait in memory), 2 on errors.\n");
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* The store's state of the document, checked against the free space now
 * by the store's own rule (a disk that is full cannot take the daemon's
 * status, so the stored one may be from before): "full" when short of
 * room by store.reserve_mb. Returns 0 when "ok" (or not reported), else 1. */
static int store_state(json_t *doc, const char *db, const mvg_config *cfg)
{
    json_t *s = json_object_get(doc, "store");
    if (!json_is_object(s)) {
        s = json_object();
        json_object_set_new(doc, "store", s);
    }
    const char *state = json_string_value(json_object_get(s, "state"));
    int64_t reserve = (int64_t)(cfg->publish->store.reserve_mb * 1048576.0), free_bytes = 0;
    if (mvg_store_free_bytes(db, &free_bytes) == 0) {
        json_object_set_new(s, "free_bytes", json_integer((json_int_t)free_bytes));
        json_object_set_new(s, "reserve_bytes", json_integer((json_int_t)reserve));
        if (mvg_store_room_short(free_bytes, reserve, state && strcmp(state, "full") == 0)) {
            json_object_set_new(s, "state", json_string("full"));
            state = "full";
        }
    }
    return state && strcmp(state, "ok") != 0;
}

int mvg_cmd_status(int argc, char **argv)
{
    const char *path = NULL;
    int as_json = 0;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"json", 'j', MVG_ARG_FLAG, &as_json, NULL, 0, NULL, NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("status", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char db[MVG_PATH_MAX + 16], err[512];
    char *text = NULL;
    json_t *doc = NULL;
    int rc = 2;
    mvg_store *st = mvg_cli_open_store("status", cfg);
    if (!st || mvg_store_path(cfg->gateway.data_dir, db, sizeof db) != 0)
        goto out;
    if (mvg_store_get_meta(st, "status", &text, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate status: %s\n", err);
        goto out;
    }
    if (!text) {
        fprintf(stderr, "mvgate status: %s has no status yet: has mvgated run with this config?\n",
                db);
        goto out;
    }
    json_error_t jerr;
    doc = json_loads(text, 0, &jerr);
    if (!doc) {
        fprintf(stderr, "mvgate status: the stored status is not JSON: %s\n", jerr.text);
        goto out;
    }
    /* the daemon's clock is the realtime clock: compare with ours */
    int64_t t = 0;
    const char *when = str(doc, "time");
    if (mvg_timefmt_parse(when, &t) != 0)
        t = 0;
    int64_t age_s = t ? (mvg_clock_real_ms() - t) / 1000 : -1;
    int ok = age_s >= 0 && age_s <= FRESH_S && strcmp(str(doc, "state"), "online") == 0;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(doc, "devices"), i, d)
        if (!json_is_true(json_object_get(d, "online")))
            ok = 0;
    /* live outbox figures: the daemon's are up to a few seconds old */
    json_t *outbox = json_object_get(doc, "outbox");
    const char *pub;
    json_t *o;
    json_object_foreach(outbox, pub, o) {
        mvg_outbox_stats os;
        if (mvg_store_outbox_stats(st, pub, &os, err, sizeof err) == 0) {
            json_object_set_new(o, "depth", json_integer((json_int_t)os.depth));
            json_object_set_new(o, "age_s", json_integer(os.oldest_ms ? (json_int_t)((mvg_clock_real_ms() - os.oldest_ms) / 1000) : 0));
            json_t *dropped = json_object();
            for (int k = 0; dropped && k <= MVG_OUT_INTERVAL; k++)
                json_object_set_new(dropped, mvg_outbox_class_name((mvg_out_class)k),
                                    json_integer((json_int_t)os.dropped[k]));
            json_object_set_new(o, "dropped", dropped);
            json_object_set_new(o, "parked", json_integer((json_int_t)os.parked));
            char since[40];
            if (os.parked_oldest_ms > 0 &&
                mvg_timefmt_format(os.parked_oldest_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, since,
                                   sizeof since))
                json_object_set_new(o, "parked_since", json_string(since));
            else
                json_object_set_new(o, "parked_since", json_null());
            json_object_set_new(o, "dropped_unacked",
                                json_integer((json_int_t)mvg_outbox_drops_unacked(&os)));
        }
        if (json_integer_value(json_object_get(o, "age_s")) > OUTBOX_OLD_S ||
            json_integer_value(json_object_get(o, "parked")) > 0 ||
            json_integer_value(json_object_get(o, "dropped_unacked")) > 0)
            ok = 0;
    }
    if (store_state(doc, db, cfg) != 0)
        ok = 0;
    json_object_set_new(doc, "status_age_s", json_integer((json_int_t)age_s));
    if (as_json) {
        char *out = json_dumps(doc, JSON_INDENT(2));
        if (out)
            puts(out);
        free(out);
    } else {
        printf("gateway %s (site %s), mvgated %s: %s as of %s (%lld s ago), up %lld s\n",
               str(doc, "gateway"), str(doc, "site"), str(doc, "version"), str(doc, "state"), when,
               (long long)age_s, (long long)json_integer_value(json_object_get(doc, "uptime_s")));
        printf("%-16s %-10s %-8s %-25s %10s %8s  %s\n", "device", "bus", "state", "last good poll",
               "polls", "failed", "last error");
        json_array_foreach(json_object_get(doc, "devices"), i, d)
            printf("%-16s %-10s %-8s %-25s %10lld %8lld  %s\n", str(d, "name"), str(d, "bus"),
                   json_is_true(json_object_get(d, "online")) ? "online" : "OFFLINE",
                   str(d, "last_good"), (long long)json_integer_value(json_object_get(d, "polls")),
                   (long long)json_integer_value(json_object_get(d, "failed_polls")),
                   str(d, "last_error"));
        json_object_foreach(outbox, pub, o) {
            json_t *dr = json_object_get(o, "dropped");
            printf("outbox %-8s depth %lld, oldest %lld s, dropped: telemetry %lld, intervals %lld\n",
                   pub, (long long)json_integer_value(json_object_get(o, "depth")),
                   (long long)json_integer_value(json_object_get(o, "age_s")),
                   (long long)json_integer_value(json_object_get(dr, "telemetry")),
                   (long long)json_integer_value(json_object_get(dr, "interval")));
            long long parked = json_integer_value(json_object_get(o, "parked"));
            long long unacked = json_integer_value(json_object_get(o, "dropped_unacked"));
            if (parked > 0)
                printf("outbox %-8s REFUSED: %lld entries parked since %s (mvgate export --what "
                       "refused; after a fix: mvgate outbox resend)\n",
                       pub, parked, str(o, "parked_since"));
            if (unacked > 0)
                printf("outbox %-8s DROPPED: %lld entries not acknowledged (mvgate outbox "
                       "ack-drops)\n",
                       pub, unacked);
        }
        json_t *s = json_object_get(doc, "store");
        printf("store: %lld samples, %lld intervals, %lld models, %lld bytes\n",
               (long long)json_integer_value(json_object_get(s, "samples")),
               (long long)json_integer_value(json_object_get(s, "intervals")),
               (long long)json_integer_value(json_object_get(s, "models")),
               (long long)json_integer_value(json_object_get(s, "db_bytes")));
        const char *state = str(s, "state");
        const char *why = json_string_value(json_object_get(s, "why"));
        if (!why)
            why = "";
        if (strcmp(state, "-") != 0 && strcmp(state, "ok") != 0)
            printf("store %s: %.2f MB free (store.reserve_mb %.2f MB), %lld interval records "
                   "waiting, %lld samples and %lld telemetry entries not stored%s%s\n",
                   strcmp(state, "full") == 0 ? "FULL" : "FAILING",
                   (double)json_integer_value(json_object_get(s, "free_bytes")) / 1048576.0,
                   (double)json_integer_value(json_object_get(s, "reserve_bytes")) / 1048576.0,
                   (long long)json_integer_value(json_object_get(s, "records_waiting")),
                   (long long)json_integer_value(json_object_get(s, "samples_refused")),
                   (long long)json_integer_value(json_object_get(s, "telemetry_refused")),
                   *why ? ": " : "", why);
        json_t *q = json_object_get(doc, "queue");
        printf("sample queue: depth %lld, dropped %lld\n",
               (long long)json_integer_value(json_object_get(q, "depth")),
               (long long)json_integer_value(json_object_get(q, "dropped")));
        printf("engine: %lld samples rejected (late or out of order)\n",
               (long long)json_integer_value(
                   json_object_get(json_object_get(doc, "engine"), "rejected")));
        if (age_s > FRESH_S)
            printf("the status is %lld s old: is mvgated running?\n", (long long)age_s);
    }
    rc = ok ? 0 : 1;
out:
    json_decref(doc);
    free(text);
    mvg_store_close(st);
    mvg_config_free(cfg);
    return rc;
}
