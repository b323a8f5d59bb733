/*
 * main.c of mvgate-hub, the verifier's central side: options, signals,
 * systemd notification and the loop. The loop receives a batch of
 * messages and hands it to the precheck thread to be parsed and its
 * signatures checked (hub_precheck.h) while it stores the batch before and
 * verifies what that one completes (hub_ingest.h, hub_verify.h) in one
 * transaction, and only once the commit is on the disk acknowledges each
 * to the broker (hub_mqtt.h), so a hub killed at any point, or a power
 * cut, loses nothing: what was not acknowledged comes again from its
 * persistent session. The commit does not wait for the disk: a thread
 * waits for it (hub_syncer.h) while this one stores the next batch, and
 * the acknowledgements follow at the next turn. Between batches it sweeps
 * again for what waited (an enrolment, a key). SIGTERM/SIGINT stop it
 * (session kept), SIGHUP re-reads the register of enrolled gateways.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "hub_alert.h"
#include "cli_enrol.h"
#include "clock.h"
#include "hub_config.h"
#include "hub_db.h"
#include "hub_ingest.h"
#include "hub_mqtt.h"
#include "hub_precheck.h"
#include "hub_syncer.h"
#include "hub_verify.h"
#include "log.h"
#include "notify.h"

#define BATCH_MAX 256
/* The alert pass's period: it reads whole tables (gaps, heads, status). */
#define ALERT_PERIOD_MS 1000

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_flag = 1;
    else
        stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate-hub -c HUB.CONF\n"
                 "Receives every gateway's messages from the broker with a persistent MQTT 5\n"
                 "session, stores their exact bytes, and verifies the signed chains against\n"
                 "the register of enrolled gateways (docs/hub.md).\n");
}

typedef struct {
    char *topic, *payload;
    size_t len;
    int retained, qos;
    uint16_t id;
} held;

static void held_free(held *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].topic);
        free(h[i].payload);
    }
}

static int hold(held *h, const mvg_hub_msg *m)
{
    h->topic = strdup(m->topic);
    h->payload = malloc(m->len ? m->len : 1);
    if (!h->topic || !h->payload) {
        free(h->topic);
        free(h->payload);
        return -1;
    }
    memcpy(h->payload, m->payload, m->len);
    h->len = m->len;
    h->retained = m->retained;
    h->qos = m->qos;
    h->id = m->id;
    return 0;
}

/* A batch as received (msg), as ingest takes it (in) and prepared by the
 * precheck thread (prep). */
typedef struct {
    held msg[BATCH_MAX];
    mvg_hub_in in[BATCH_MAX];
    mvg_hub_prep prep[BATCH_MAX];
    size_t n;
} batch;

/* The QoS 1 messages of a batch committed, not yet on the disk: they
 * are acknowledged once its sync is done. */
typedef struct {
    uint16_t id[BATCH_MAX];
    size_t n;
} unsynced;

/* The batch in one transaction with the verification of what it brought:
 * 0 committed, -1 not (nothing acknowledged). One commit per batch, as a
 * subscriber that only stores makes: each commit is one more write of the
 * disk, and a sweep committed by itself after each batch doubled that
 * (bench_hub_ingest). The commit does not wait for the disk: the batch is
 * acknowledged after its sync (settle). The verdicts need nothing that is
 * not in the transaction, and a batch rolled back is verified again when
 * it comes again. */
static int store_batch(mvg_hub_db *db, const mvg_hub_cfg *cfg, const mvg_cli_enrol *reg,
                       const batch *b)
{
    if (mvg_hub_db_begin_nowait(db) < 0)
        return -1;
    for (size_t i = 0; i < b->n; i++)
        if (mvg_hub_ingest_prepared(db, cfg->mqtt.topic_prefix, cfg->id, reg, &b->in[i],
                                    &b->prep[i]) < 0) {
            mvg_hub_db_rollback(db);
            return -1;
        }
    if (mvg_hub_verify_sweep(db, reg, cfg->id, mvg_clock_real_ms()) < 0 ||
        mvg_hub_db_commit(db) < 0) {
        mvg_hub_db_rollback(db);
        return -1;
    }
    return 0;
}

/* The batch committed last, once its sync is done: acknowledged while the
 * connection holds (*r >= 0; a failed ack sets *r to -1). A sync that
 * failed acknowledges nothing and drops the connection, so that a new
 * session delivers the batch again (stored again as repeats). */
static void settle(mvg_hub_syncer *sy, mvg_hub_mqtt *mq, unsynced *u, int *r,
                   mvg_log_once *db_log)
{
    char err[512];
    if (mvg_hub_syncer_wait(sy, err, sizeof err) < 0) {
        mvg_log_once_hit(db_log, MVG_LOG_ERR, err, "database: %s; %zu message(s) not acknowledged",
                         err, u->n);
        mvg_hub_mqtt_disconnect(mq);
        *r = -1;
    }
    for (size_t i = 0; i < u->n && *r >= 0; i++)
        if (mvg_hub_mqtt_ack(mq, u->id[i]) < 0)
            *r = -1;
    u->n = 0;
}

/* A prepared batch stored and let go: 0 stored, -1 not. The batch before
 * it is settled first, then this one's sync begins, its messages waiting
 * in *u for their acknowledgement (none while the connection is gone: a
 * new session delivers them again). */
static int land(mvg_hub_db *db, const mvg_hub_cfg *cfg, const mvg_cli_enrol *reg,
                mvg_hub_mqtt *mq, mvg_hub_syncer *sy, unsynced *u, batch *b, int *r,
                mvg_log_once *db_log)
{
    int rc = store_batch(db, cfg, reg, b);
    if (rc == 0) {
        mvg_log_once_clear(db_log, MVG_LOG_NOTICE, "database: storing again");
        settle(sy, mq, u, r, db_log);
        for (size_t i = 0; i < b->n && *r >= 0; i++)
            if (b->msg[i].qos > 0)
                u->id[u->n++] = b->msg[i].id;
        mvg_hub_syncer_give(sy); /* idle: settled above */
    } else {
        /* not acknowledged: a new session delivers them again */
        mvg_log_once_hit(db_log, MVG_LOG_ERR, mvg_hub_db_error(db),
                         "database: %s; %zu message(s) not acknowledged", mvg_hub_db_error(db),
                         b->n);
        mvg_hub_mqtt_disconnect(mq);
        *r = -1;
        settle(sy, mq, u, r, db_log); /* the batch before: nor that one */
    }
    for (size_t i = 0; i < b->n; i++)
        mvg_hub_prep_clear(&b->prep[i]);
    held_free(b->msg, b->n);
    b->n = 0;
    return rc;
}

/* A verification sweep in one transaction: with synchronous=FULL each
 * verdict committed by itself costs a sync of the disk, and the sweep
 * then ran at the disk's pace (6 ms a record here, bench_hub_ingest). A
 * verdict is final and the sweep is repeated, so a rolled-back one is
 * only decided again. The number decided, or -1. */
static long verify_sweep(mvg_hub_db *db, const mvg_cli_enrol *reg, const char *hub_id)
{
    if (mvg_hub_db_begin(db) < 0)
        return -1;
    long n = mvg_hub_verify_sweep(db, reg, hub_id, mvg_clock_real_ms());
    if (n < 0 || mvg_hub_db_commit(db) < 0) {
        mvg_hub_db_rollback(db);
        return -1;
    }
    return n;
}

static int publish_alert(void *user, const char *topic, const char *payload, size_t len)
{
    return mvg_hub_mqtt_publish(user, topic, payload, len);
}

/* Raises and clears the alerts the tables show, then publishes what
 * changed (when connected; otherwise at a later pass). */
static void alert_pass(mvg_hub_db *db, const mvg_hub_cfg *cfg, const mvg_cli_enrol *reg,
                       mvg_hub_mqtt *mq, int connected, int64_t *gap_mark, mvg_log_once *db_log)
{
    mvg_hub_alert_ctx ctx = {.now_ms = mvg_clock_real_ms(),
                             .missing_grace_ms = cfg->missing_grace_s * 1000,
                             .missing_since_ms = *gap_mark,
                             .hub_id = cfg->id,
                             .prefix = cfg->mqtt.topic_prefix,
                             .reg = reg};
    if (mvg_hub_alerts_check(db, &ctx) < 0 ||
        (connected && mvg_hub_alerts_publish(db, publish_alert, mq) < 0))
        mvg_log_once_hit(db_log, MVG_LOG_ERR, mvg_hub_db_error(db), "alerts: %s",
                         mvg_hub_db_error(db));
    else
        *gap_mark = ctx.now_ms - ctx.missing_grace_ms; /* looked at up to here */
}

static int load_register(const mvg_hub_cfg *cfg, mvg_cli_enrol *reg)
{
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_cli_enrol_load_register(cfg->enrolled, reg, d) : -1;
    for (size_t i = 0; d && i < mvg_diags_count(d); i++)
        mvg_log(MVG_LOG_ERR, "register: %s", mvg_diags_get(d, i));
    mvg_diags_free(d);
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    const mvg_arg args[] = {MVG_ARG_CONFIG(&path), MVG_ARG_END};
    int a = mvg_cli_args("hub", argc, argv, args, 0, NULL, usage);
    if (a >= 0)
        return a;
    mvg_log_setup(mvg_log_sink_auto(), MVG_LOG_INFO);

    static mvg_hub_cfg cfg;
    mvg_diags *d = mvg_diags_new();
    if (!d || mvg_hub_config_load(path, &cfg, d) < 0) {
        if (d)
            mvg_diags_print(d, stderr);
        mvg_diags_free(d);
        return 2;
    }
    mvg_diags_free(d);
    if (mvg_chain_init() < 0) {
        mvg_log(MVG_LOG_ERR, "libsodium cannot start");
        return 1;
    }
    mvg_cli_enrol reg;
    if (load_register(&cfg, &reg) < 0) {
        mvg_cli_enrol_free(&reg);
        return 2;
    }
    char err[600];
    mvg_hub_db *db = mvg_hub_db_open(&cfg.db, err, sizeof err);
    if (!db) {
        mvg_log(MVG_LOG_ERR, "%s", err);
        mvg_cli_enrol_free(&reg);
        return 1;
    }
    mvg_hub_mqtt *mq = mvg_hub_mqtt_new(&cfg.mqtt, err, sizeof err);
    mvg_hub_precheck *pc = mq ? mvg_hub_precheck_new(&cfg.db, cfg.mqtt.topic_prefix, err,
                                                     sizeof err)
                              : NULL;
    mvg_hub_syncer *sy = pc ? mvg_hub_syncer_new(&cfg.db, err, sizeof err) : NULL;
    if (!sy) {
        mvg_log(MVG_LOG_ERR, "%s", err);
        mvg_hub_precheck_free(pc);
        mvg_hub_mqtt_free(mq);
        mvg_hub_db_close(db);
        mvg_cli_enrol_free(&reg);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char filter[512];
    mvg_hub_mqtt_filter(&cfg.mqtt, filter, sizeof filter);
    mvg_log(MVG_LOG_INFO, "hub %s: %s database, %zu enrolled gateway(s), subscribing to %s at %s",
            cfg.id, cfg.db.backend == MVG_HUB_DB_POSTGRESQL ? "postgresql" : "sqlite", reg.n,
            filter, cfg.mqtt.uri);
    mvg_notify("READY=1\nSTATUS=starting");

    static batch slots[2];
    int fill = 0;
    batch *flight = NULL; /* given to the precheck thread, stored at the next turn */
    static unsynced acks; /* the batch stored last, acknowledged after its sync */
    int connected = 0, rc = 0;
    int64_t backoff = 500, next_try = 0, next_sweep = 0, next_alerts = 0, gap_mark = 0;
    mvg_log_once conn_log = {0}, db_log = {0};
    while (!stop_flag) {
        int64_t now = mvg_clock_mono_ms();
        if (reload_flag) {
            reload_flag = 0;
            mvg_cli_enrol fresh;
            if (load_register(&cfg, &fresh) == 0) {
                mvg_cli_enrol_free(&reg);
                reg = fresh;
                mvg_log(MVG_LOG_NOTICE, "register re-read: %zu enrolled gateway(s)", reg.n);
            } else {
                mvg_cli_enrol_free(&fresh);
                mvg_log(MVG_LOG_ERR, "register not re-read: keeping the previous one");
            }
        }
        if (now >= next_sweep) {
            long n = verify_sweep(db, &reg, cfg.id);
            if (n < 0)
                mvg_log_once_hit(&db_log, MVG_LOG_ERR, mvg_hub_db_error(db), "verify: %s",
                                 mvg_hub_db_error(db));
            next_sweep = now + cfg.verify_interval_ms;
        }
        if (now >= next_alerts) {
            alert_pass(db, &cfg, &reg, mq, connected, &gap_mark, &db_log);
            next_alerts = now + ALERT_PERIOD_MS;
        }
        if (!connected) {
            if (now < next_try) {
                mvg_clock_sleep_ms(next_try - now < 200 ? next_try - now : 200);
                continue;
            }
            int present = 0;
            if (mvg_hub_mqtt_connect(mq, filter, &present, err, sizeof err) < 0) {
                mvg_log_once_hit(&conn_log, MVG_LOG_WARN, err, "%s", err);
                next_try = now + backoff;
                backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
                continue;
            }
            connected = 1;
            backoff = 500;
            mvg_log_once_clear(&conn_log, MVG_LOG_NOTICE, "mqtt: connected to %s", cfg.mqtt.uri);
            mvg_log(MVG_LOG_INFO, "mqtt: subscribed to %s (%s)", filter,
                    present ? "session resumed" : "new session");
            mvg_notify("STATUS=running");
        }
        /* Pipelined: the batch received now is prepared on the precheck
         * thread while this one stores the one before (bench_hub_ingest). */
        batch *b = &slots[fill];
        mvg_hub_msg m;
        int wait = flight ? 0
                          : (int)((next_sweep < next_alerts ? next_sweep : next_alerts) -
                                  mvg_clock_mono_ms());
        if (!flight && mvg_hub_syncer_busy(sy)) {
            /* nothing more to store: the last batch is acknowledged before
             * the wait, not at the next one (a failure shows at the read) */
            int ok = 0;
            settle(sy, mq, &acks, &ok, &db_log);
        }
        int r = mvg_hub_mqtt_next(mq, &m, wait > 0 ? wait : 0, err, sizeof err);
        while (r == 1) {
            if (hold(&b->msg[b->n], &m) < 0)
                break;
            b->n++;
            if (b->n == BATCH_MAX)
                break;
            r = mvg_hub_mqtt_next(mq, &m, 0, err, sizeof err);
        }
        int64_t got = mvg_clock_real_ms();
        for (size_t i = 0; i < b->n; i++)
            b->in[i] = (mvg_hub_in){b->msg[i].topic, b->msg[i].payload, b->msg[i].len,
                                    b->msg[i].retained, got};
        batch *prev = flight;
        flight = NULL;
        if (prev)
            mvg_hub_precheck_wait(pc);
        if (b->n > 0) {
            /* the thread is idle here (waited for above); were it not, the
             * batch is prepared on this one */
            if (mvg_hub_precheck_give(pc, b->in, b->prep, b->n) < 0)
                for (size_t i = 0; i < b->n; i++)
                    mvg_hub_ingest_prepare(cfg.mqtt.topic_prefix, &b->in[i], NULL, NULL,
                                           &b->prep[i]);
            flight = b;
            fill ^= 1;
        }
        if (prev && land(db, &cfg, &reg, mq, sy, &acks, prev, &r, &db_log) == 0)
            next_sweep = mvg_clock_mono_ms() + cfg.verify_interval_ms; /* verified with it */
        if (flight)
            mvg_hub_precheck_help(pc, db);
        if (r < 0 && flight) {
            /* the connection is gone: what it brought is stored, not acknowledged */
            mvg_hub_precheck_wait(pc);
            land(db, &cfg, &reg, mq, sy, &acks, flight, &r, &db_log);
            flight = NULL;
        }
        if (r < 0 && !stop_flag) {
            mvg_log_once_hit(&conn_log, MVG_LOG_WARN, err, "%s", err);
            connected = 0;
            next_try = mvg_clock_mono_ms() + backoff;
        }
    }
    mvg_notify("STOPPING=1");
    int r = connected ? 0 : -1;
    if (flight) {
        mvg_hub_precheck_wait(pc);
        land(db, &cfg, &reg, mq, sy, &acks, flight, &r, &db_log);
    }
    settle(sy, mq, &acks, &r, &db_log);
    mvg_hub_syncer_free(sy);
    mvg_hub_precheck_free(pc);
    mvg_hub_mqtt_disconnect(mq);
    verify_sweep(db, &reg, cfg.id);
    alert_pass(db, &cfg, &reg, mq, 0, &gap_mark, &db_log);
    mvg_hub_mqtt_free(mq);
    mvg_hub_db_close(db);
    mvg_cli_enrol_free(&reg);
    mvg_log(MVG_LOG_INFO, "hub %s stopped", cfg.id);
    return rc;
}
