/*
 * bench_hub_ingest.c: mvgate-hub's ingest-and-verify rate, side by side in
 * one run with a bare subscriber that only stores (issue 13 item 6).
 *
 * A load generator makes the signed chains of G gateways (default 1,000),
 * R interval records each, as the gateway makes them: each gateway its own
 * Ed25519 key in its own data_dir (keys.c), every record linked and
 * signed by the gateway's signer (signer.c) over an interval record
 * built by payload.c. It publishes them, with each gateway's identity, to
 * a real mosquitto on 127.0.0.1 (QoS 1, records interleaved across the
 * gateways as a fleet sends them), while two persistent sessions are away
 * so that the broker queues everything for both:
 *   bare  the hub's own MQTT client (hub_mqtt.h) and database interface
 *         (hub_db.h, the same SQLite file settings: WAL, synchronous=FULL)
 *         storing each message's raw row in one transaction per read
 *         batch and acknowledging after the commit, nothing else;
 *   hub   the mvgate-hub binary on the same kind of database, with the
 *         1,000 gateways enrolled: timed until every record is stored
 *         and until every record is verified "ok".
 * Both drain the same queued messages one after the other (so neither
 * takes the CPU from the other); the rates are messages per second from
 * the connection (the hub's start) to the last commit (the last verdict),
 * and their ratio is the figure to hold (target: at least 0.5).
 *
 * usage: bench_hub_ingest [gateways (1000)] [records per gateway (20)]
 * The hub binary is $MVG_BIN/mvgate-hub, else ../bin/mvgate-hub next to
 * this program. BENCH_KEEP=1 keeps the temporary directory (the hub's log,
 * both databases) and prints where it is.
 */
#include <MQTTAsync.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mqtt_harness.h"
#include "testutil.h"

#include "chain.h"
#include "hub_config.h"
#include "hub_db.h"
#include "hub_mqtt.h"
#include "payload.h"
#include "signer.h"

#define PROJECT "comp-vsd"
#define WINDOW 256

typedef struct {
    char *topic, *payload;
    size_t len;
} msg;

static char err[512];

/* CPU seconds (user + system) of this process or of its waited-for children. */
static double cpu_s(int who)
{
    struct rusage u;
    getrusage(who, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_hub_ingest: %s%s%s\n", what, err[0] ? ": " : "", err);
    exit(1);
}

/* ---- the load generator ---- */

/* What the signer's lookup sees: the newest record of the one project. */
typedef struct {
    char *last;
    size_t len;
    int64_t chain;
} gw_chain;

static int last_record(void *user, const char *project, char **text, size_t *len, int64_t *chain,
                       char *e, size_t elen)
{
    (void)project;
    (void)e;
    (void)elen;
    gw_chain *c = user;
    *text = NULL;
    *len = 0;
    *chain = 0;
    if (!c->last)
        return 0;
    *text = strdup(c->last);
    if (!*text)
        return -1;
    *len = c->len;
    *chain = c->chain;
    return 0;
}

/* The reporting interval record seq of a compressor VSD project (one
 * electricity stream against the air volume), figures varying with seq. */
static char *interval(const char *gw, int64_t seq, const mvg_payload_link *link)
{
    static const char *const channels[] = {"comp_power.energy_kwh", "air_flow.volume_m3"};
    const int64_t t0 = 1767571200000LL + 3 * 3600000LL, step = 300000;
    mvg_interval_value ch[2] = {{0}};
    for (int i = 0; i < 2; i++) {
        ch[i].value = 3.0 + (double)(seq % 17) * 0.125 + i * 35.0;
        ch[i].mean = ch[i].min = ch[i].max = ch[i].value;
        ch[i].coverage = 1.0;
        ch[i].n_good = 5;
    }
    mvg_interval_record rec = {t0 + seq * step, t0 + (seq + 1) * step, 2, ch, 0, 0};
    mvg_project_result res;
    memset(&res, 0, sizeof res);
    res.start_ms = rec.start_ms;
    res.end_ms = rec.end_ms;
    res.phase = MVG_PHASE_REPORTING;
    res.confidence = 0.9;
    res.nstreams = 1;
    mvg_stream_result *s = &res.streams[0];
    snprintf(s->name, sizeof s->name, "electricity");
    s->type = MVG_STREAM_ELECTRICITY;
    snprintf(s->unit, sizeof s->unit, "kWh");
    s->valid = s->model_ready = s->model_pass = 1;
    s->coverage = 1.0;
    s->actual = ch[0].value;
    s->nx = 1;
    s->x[0] = ch[1].value;
    s->baseline_rows = 12;
    s->adjusted_baseline = s->actual * 1.27;
    s->avoided = s->savings = s->adjusted_baseline - s->actual;
    s->adjustment = 0.0;
    s->conv = (mvg_conv_result){s->savings, s->savings, s->savings * 3.6e-6, s->savings * 4.9e-4,
                                0.0, 0.0, s->savings * 1.35};
    s->m = (size_t)seq;
    s->covered_hours = (double)seq / 12.0;
    s->cum_adjusted_baseline = s->adjusted_baseline * (double)seq;
    s->cum_actual = s->actual * (double)seq;
    s->cum_avoided = s->cum_savings = s->avoided * (double)seq;
    s->savings_fraction = s->avoided / s->adjusted_baseline;
    s->fsu = 0.08;
    s->savings_low = s->cum_savings * 0.92;
    s->savings_high = s->cum_savings * 1.08;
    s->cum_conv = s->conv;
    s->annual_baseline = s->adjusted_baseline * 105120.0;
    s->annual_savings = s->annual_baseline * s->savings_fraction;
    s->annual_basis = "baseline year";
    s->annual_conv = s->conv;
    s->removal = s->cum_removal = s->removal_efficiency = NAN;
    res.net_defined = res.annual_net_defined = 1;
    res.net = res.annual_net = s->conv;
    return mvg_payload_interval(gw, PROJECT, seq, &rec, channels, &res, link);
}

/* The messages of g gateways, r records each: identities first, then the
 * records interleaved across the gateways. The register lines in reg. */
static msg *generate(const char *dir, int g, int r, FILE *reg, size_t *count)
{
    size_t n = (size_t)g * (size_t)(r + 1), k = 0;
    msg *m = calloc(n, sizeof *m);
    mvg_signer **sig = calloc((size_t)g, sizeof *sig);
    gw_chain *ch = calloc((size_t)g, sizeof *ch);
    if (!m || !sig || !ch)
        die("out of memory");
    char path[PATH_MAX], topic[256];
    for (int i = 0; i < g; i++) {
        char gw[32];
        snprintf(gw, sizeof gw, "gw-%04d", i);
        snprintf(path, sizeof path, "%s/gw/%s", dir, gw);
        if (mkdir(path, 0700) < 0)
            die("mkdir");
        sig[i] = mvg_signer_open(path, last_record, &ch[i], err, sizeof err);
        if (!sig[i])
            die("signer");
        const mvg_keys *keys = mvg_signer_keys(sig[i]);
        fprintf(reg, "%s %s\n", gw, keys->fingerprint);
        snprintf(topic, sizeof topic, "mvgate/v1/%s/identity", gw);
        m[k].topic = strdup(topic);
        m[k].payload = mvg_payload_identity(gw, keys->pk_b64, keys->fingerprint);
        if (!m[k].topic || !m[k].payload)
            die("out of memory");
        m[k].len = strlen(m[k].payload);
        k++;
    }
    for (int s = 1; s <= r; s++)
        for (int i = 0; i < g; i++) {
            char gw[32];
            snprintf(gw, sizeof gw, "gw-%04d", i);
            mvg_signer_link l;
            if (mvg_signer_next(sig[i], PROJECT, &l, err, sizeof err) < 0)
                die("signer link");
            mvg_payload_link pl = mvg_signer_payload_link(&l);
            pl.definition = 1;
            size_t len;
            char *text = mvg_signer_sign(sig[i], interval(gw, s, &pl), &len);
            if (!text)
                die("sign");
            free(ch[i].last);
            ch[i].last = strdup(text);
            ch[i].len = len;
            ch[i].chain = l.chain;
            snprintf(topic, sizeof topic, "mvgate/v1/%s/interval/%s", gw, PROJECT);
            m[k] = (msg){strdup(topic), text, len};
            if (!m[k].topic || !ch[i].last)
                die("out of memory");
            k++;
        }
    for (int i = 0; i < g; i++) {
        mvg_signer_free(sig[i]);
        free(ch[i].last);
    }
    free(sig);
    free(ch);
    *count = k;
    return m;
}

/* ---- publishing (paho, QoS 1, a window of WINDOW) ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long acked, failed;
    int up;
} pub_state;

static void pub_done(pub_state *p, int ok)
{
    pthread_mutex_lock(&p->mu);
    if (ok)
        p->acked++;
    else
        p->failed++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void pub_ok(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    pub_done(ctx, 1);
}

static void pub_fail(void *ctx, MQTTAsync_failureData *r)
{
    (void)r;
    pub_done(ctx, 0);
}

static void pub_conn(void *ctx, MQTTAsync_successData *r)
{
    (void)r;
    pub_state *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->up = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static int pub_msg(void *ctx, char *t, int l, MQTTAsync_message *m)
{
    (void)ctx;
    (void)l;
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(t);
    return 1;
}

static double publish_all(int port, const msg *m, size_t n)
{
    char uri[64];
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", port);
    pub_state p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
    MQTTAsync cli;
    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
    co.maxBufferedMessages = WINDOW + 16;
    if (MQTTAsync_createWithOptions(&cli, uri, "bench-hub-load", MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                    &co) != MQTTASYNC_SUCCESS)
        die("paho create");
    MQTTAsync_setCallbacks(cli, &p, NULL, pub_msg, NULL);
    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
    o.maxInflight = WINDOW + 2;
    o.onSuccess = pub_conn;
    o.context = &p;
    if (MQTTAsync_connect(cli, &o) != MQTTASYNC_SUCCESS)
        die("paho connect");
    pthread_mutex_lock(&p.mu);
    while (!p.up)
        pthread_cond_wait(&p.cv, &p.mu);
    pthread_mutex_unlock(&p.mu);
    double t0 = tu_now_s();
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&p.mu);
        while ((long)i - p.acked - p.failed >= WINDOW)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        MQTTAsync_message pm = MQTTAsync_message_initializer;
        pm.payload = m[i].payload;
        pm.payloadlen = (int)m[i].len;
        pm.qos = 1;
        MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
        ro.onSuccess = pub_ok;
        ro.onFailure = pub_fail;
        ro.context = &p;
        while (MQTTAsync_sendMessage(cli, m[i].topic, &pm, &ro) != MQTTASYNC_SUCCESS)
            tu_sleep_ms(1);
    }
    pthread_mutex_lock(&p.mu);
    while (p.acked + p.failed < (long)n)
        pthread_cond_wait(&p.cv, &p.mu);
    long failed = p.failed;
    pthread_mutex_unlock(&p.mu);
    double t = tu_now_s() - t0;
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
    MQTTAsync_disconnect(cli, &d);
    tu_sleep_ms(100);
    MQTTAsync_destroy(&cli);
    if (failed)
        die("the broker refused messages");
    return t;
}

/* ---- the two subscribers ---- */

static void load_conf(const char *path, mvg_hub_cfg *cfg)
{
    mvg_diags *d = mvg_diags_new();
    if (!d || mvg_hub_config_load(path, cfg, d) < 0) {
        if (d)
            mvg_diags_print(d, stderr);
        die("hub.conf");
    }
    mvg_diags_free(d);
}

/* A session for cfg's client id and filter, left for the broker to queue. */
static void make_session(const mvg_hub_cfg *cfg)
{
    mvg_hub_mqtt *mq = mvg_hub_mqtt_new(&cfg->mqtt, err, sizeof err);
    char filter[512];
    mvg_hub_mqtt_filter(&cfg->mqtt, filter, sizeof filter);
    int present;
    if (!mq || mvg_hub_mqtt_connect(mq, filter, &present, err, sizeof err) < 0)
        die("session");
    mvg_hub_mqtt_disconnect(mq);
    mvg_hub_mqtt_free(mq);
}

/* The bare subscriber: n messages stored raw, a transaction per read
 * batch, acknowledged after its commit. Its time from the connection. */
static double bare_drain(const mvg_hub_cfg *cfg, size_t n)
{
    mvg_hub_db *db = mvg_hub_db_open(&cfg->db, err, sizeof err);
    mvg_hub_mqtt *mq = mvg_hub_mqtt_new(&cfg->mqtt, err, sizeof err);
    if (!db || !mq)
        die("bare subscriber");
    char filter[512];
    mvg_hub_mqtt_filter(&cfg->mqtt, filter, sizeof filter);
    static uint16_t ids[WINDOW];
    double t0 = tu_now_s();
    int present;
    if (mvg_hub_mqtt_connect(mq, filter, &present, err, sizeof err) < 0 || !present)
        die("bare connect");
    size_t stored = 0;
    while (stored < n) {
        mvg_hub_msg m;
        int r = mvg_hub_mqtt_next(mq, &m, 10000, err, sizeof err);
        if (r <= 0)
            die("bare: the messages stopped");
        if (mvg_hub_db_begin(db) < 0)
            die("begin");
        size_t k = 0;
        int64_t now = tu_now_ms();
        while (r == 1) {
            mvg_hub_param p[] = {MVG_HUB_INT(now), MVG_HUB_TEXT(cfg->id), MVG_HUB_TEXT(m.topic),
                                 MVG_HUB_INT(m.retained), MVG_HUB_BLOB(m.payload, m.len)};
            if (mvg_hub_db_exec(db,
                                "INSERT INTO hub_messages (received_ms, hub, topic, retained,"
                                " payload) VALUES ($1, $2, $3, $4, $5)",
                                p, 5) < 0)
                die(mvg_hub_db_error(db));
            ids[k++] = m.id;
            if (k == WINDOW)
                break;
            r = mvg_hub_mqtt_next(mq, &m, 0, err, sizeof err);
        }
        if (mvg_hub_db_commit(db) < 0)
            die(mvg_hub_db_error(db));
        for (size_t i = 0; i < k; i++)
            if (mvg_hub_mqtt_ack(mq, ids[i]) < 0)
                die("ack");
        stored += k;
    }
    double t = tu_now_s() - t0;
    mvg_hub_mqtt_disconnect(mq);
    mvg_hub_mqtt_free(mq);
    mvg_hub_db_close(db);
    return t;
}

static long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* mvgate-hub on conf until every one of records is verified ok: its times
 * from the start to the last message stored and to the last verdict. */
static void hub_drain(const char *bin, const char *conf, const char *dbpath, const char *log,
                      size_t messages, size_t records, double *t_stored, double *t_verified)
{
    double t0 = tu_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 2);
        execl(bin, bin, "-c", conf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        die("fork");
    sqlite3 *db = NULL;
    *t_stored = 0;
    for (;;) {
        tu_sleep_ms(20);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            die("mvgate-hub exited");
        if (!db && sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            db = NULL;
            continue;
        }
        sqlite3_busy_timeout(db, 1000);
        long got = count(db, "SELECT COUNT(*) FROM hub_messages");
        if (!*t_stored && got >= (long)messages)
            *t_stored = tu_now_s() - t0;
        long ok = count(db, "SELECT COUNT(*) FROM hub_records WHERE verdict = 'ok'");
        if (ok >= (long)records) {
            *t_verified = tu_now_s() - t0;
            if (!*t_stored)
                *t_stored = *t_verified;
            break;
        }
        if (tu_now_s() - t0 > 600)
            die("mvgate-hub did not verify everything in 10 minutes");
    }
    long bad = count(db, "SELECT COUNT(*) FROM hub_records WHERE verdict <> 'ok'");
    sqlite3_close(db);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (bad)
        die("records the hub did not find ok");
}

static void write_conf(const char *path, const char *id, int port, const char *reg,
                       const char *db)
{
    char text[2048];
    snprintf(text, sizeof text,
             "id = \"%s\";\nenrolled = \"%s\";\nverify_interval_ms = 100;\n"
             "mqtt = { uri = \"tcp://127.0.0.1:%d\"; };\n"
             "db = { backend = \"sqlite\"; path = \"%s\"; };\n",
             id, reg, port, db);
    if (tu_write_file(path, text) < 0)
        die("write hub.conf");
}

int main(int argc, char **argv)
{
    int g = argc > 1 ? atoi(argv[1]) : 1000;
    int r = argc > 2 ? atoi(argv[2]) : 20;
    if (g < 1 || g > 9999 || r < 1) {
        fprintf(stderr, "usage: bench_hub_ingest [gateways (1000)] [records per gateway (20)]\n");
        return 2;
    }
    char bin[PATH_MAX];
    const char *env = getenv("MVG_BIN");
    if (env) {
        snprintf(bin, sizeof bin, "%s/mvgate-hub", env);
    } else {
        char self[PATH_MAX];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(bin, sizeof bin, "%s/../bin/mvgate-hub", dirname(self));
    }
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_hub_ingest: no %s (set MVG_BIN)\n", bin);
        return 2;
    }
    if (mvg_chain_init() < 0)
        die("libsodium");
    char dir[64];
    if (tu_tmpdir_make(dir, sizeof dir, "bench-hub") != 0)
        die("tmpdir");
    char path[PATH_MAX], reg[PATH_MAX], hub_conf[PATH_MAX], bare_conf[PATH_MAX];
    char hub_db[PATH_MAX], bare_db[PATH_MAX];
    snprintf(path, sizeof path, "%s/gw", dir);
    mkdir(path, 0700);
    snprintf(reg, sizeof reg, "%s/register.txt", dir);
    snprintf(hub_conf, sizeof hub_conf, "%s/hub.conf", dir);
    snprintf(bare_conf, sizeof bare_conf, "%s/bare.conf", dir);
    snprintf(hub_db, sizeof hub_db, "%s/hub.db", dir);
    snprintf(bare_db, sizeof bare_db, "%s/bare.db", dir);

    FILE *rf = fopen(reg, "w");
    if (!rf)
        die("register");
    double t0 = tu_now_s();
    size_t n;
    msg *m = generate(dir, g, r, rf, &n);
    fclose(rf);
    double t_gen = tu_now_s() - t0;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += m[i].len;
    size_t records = (size_t)g * (size_t)r;
    printf("load: %d gateways x %d signed interval records + identities = %zu messages, "
           "%.0f bytes each on average; generated (keys, records, signatures) in %.2f s\n",
           g, r, n, (double)bytes / (double)n, t_gen);

    mh_broker b;
    int port = tu_free_port();
    char bdir[PATH_MAX];
    snprintf(bdir, sizeof bdir, "%s/broker", dir);
    mkdir(bdir, 0700);
    if (mh_broker_start(&b, bdir, port, 0,
                        "persistence false\nmax_queued_messages 0\nmax_queued_bytes 0\n"
                        "max_inflight_messages 0\n") < 0)
        die("mosquitto");
    write_conf(hub_conf, "bench-hub", port, reg, hub_db);
    write_conf(bare_conf, "bench-bare", port, reg, bare_db);
    static mvg_hub_cfg hub_cfg, bare_cfg;
    load_conf(hub_conf, &hub_cfg);
    load_conf(bare_conf, &bare_cfg);
    make_session(&hub_cfg);
    make_session(&bare_cfg);

    double t_pub = publish_all(port, m, n);
    printf("published at QoS 1 in %.2f s (%.0f msg/s), queued by the broker for both sessions\n",
           t_pub, (double)n / t_pub);

    double c0 = cpu_s(RUSAGE_SELF);
    double t_bare = bare_drain(&bare_cfg, n);
    double bare_cpu = cpu_s(RUSAGE_SELF) - c0;
    double bare_rate = (double)n / t_bare;
    printf("bare subscriber (store only):      %zu messages in %6.2f s: %8.0f msg/s "
           "(CPU %.0f us/msg)\n", n, t_bare, bare_rate, bare_cpu / (double)n * 1e6);

    double t_stored, t_verified;
    char hub_log[PATH_MAX];
    snprintf(hub_log, sizeof hub_log, "%s/hub.log", dir);
    c0 = cpu_s(RUSAGE_CHILDREN);
    hub_drain(bin, hub_conf, hub_db, hub_log, n, records, &t_stored, &t_verified);
    double hub_cpu = cpu_s(RUSAGE_CHILDREN) - c0;
    double hub_rate = (double)n / t_verified;
    printf("mvgate-hub (store + verify):       %zu messages in %6.2f s: %8.0f msg/s "
           "(CPU %.0f us/msg; all stored at %.2f s, %zu records verified ok at %.2f s)\n",
           n, t_verified, hub_rate, hub_cpu / (double)n * 1e6, t_stored, records, t_verified);
    printf("ratio hub / bare: %.2f (target: at least 0.5)\n", hub_rate / bare_rate);

    mh_broker_stop(&b);
    for (size_t i = 0; i < n; i++) {
        free(m[i].topic);
        free(m[i].payload);
    }
    free(m);
    if (!getenv("BENCH_KEEP"))
        tu_tmpdir_remove(dir);
    else
        printf("kept %s\n", dir);
    return 0;
}
