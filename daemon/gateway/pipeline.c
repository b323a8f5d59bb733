/*
 * pipeline.c: polls -> store -> engine -> durable interval records
 * (pipeline.h).
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "config_publish.h"
#include "definition.h"
#include "head.h"
#include "log.h"
#include "influx_lines.h"
#include "keys.h"
#include "lineproto.h"
#include "mqtt_topics.h"
#include "payload.h"
#include "sample_groups.h"
#include "signer.h"
#include "statefmt.h"
#include "status.h"
#include "store.h"
#include "telemetry_lane.h"
#include "telemetry_pick.h"
#include "vec.h"

#define CKPT_MAGIC 0x3154504b43474d56ULL /* "MVGCKPT1" */

/* One completed interval, copied out of the runner's callback (its arrays
 * live only during the callback) until the transaction that stores it. */
typedef struct {
    size_t project;
    mvg_interval_record rec;
    mvg_interval_value *ch;
    mvg_project_result res;
} pending;

/* Drops at an outbox's bound are logged once when they start, then at
 * most once a minute with the count since, and once when none came for a
 * minute: never once per drop. */
#define DROP_LOG_EVERY_MS 60000
typedef struct {
    int looked;             /* seen holds a figure */
    int dropping;
    uint64_t seen, seen_tel;     /* totals (all classes, telemetry) at the last look */
    uint64_t logged, logged_tel; /* ... at the last line */
    int64_t logged_ms, last_drop_ms; /* monotonic */
} drop_watch;

/* The store's state as last logged: one line per change, with the counts
 * of the episode when it ends, never one per poll. */
typedef enum { ROOM_OK, ROOM_FULL, ROOM_FAILING } room_state;
typedef struct {
    room_state state;
    int64_t since_ms, since_mono; /* realtime (status), monotonic (its length) */
    uint64_t samples0, telemetry0; /* the store's refusal counts when it began */
    uint64_t waited;               /* records written after waiting, this episode */
    size_t most_waiting;
    int held_logged;               /* the engine-held line is out */
} room_watch;

struct mvg_pipeline {
    const mvg_config *cfg;
    mvg_runner *runner;
    mvg_pipeline_opts opts;
    /* The forward clock steps since step_to_ms (0: none) add up to
     * step_ms: samples before step_to_ms are that much younger than their
     * stamps say, which the retention honours (mvg_pipeline_maintain). Kept
     * in the store's meta (STEP_META), so that a restart honours it too. */
    int64_t step_to_ms, step_ms;
    int hold;         /* mvg_pipeline_hold */
    uint64_t held;    /* polls kept from the engine since the hold began */
    mvg_store *store;
    char db_path[MVG_PATH_MAX + 16];
    int64_t **point_ids;   /* [device][point]; 0 = not stored */
    int64_t *high_water;   /* per device: newest sample time fed to the engine */
    uint64_t *polls;       /* per device: polls seen (telemetry every N) */
    unsigned char *model_due; /* per project: store its models with its next record */
    mvg_sample **last_sent;/* per device: what MQTT telemetry last carried (change mode only) */
    unsigned char *changed;/* scratch: points to send */
    mvg_store_sample *rows;
    /* Telemetry the lane handed back (telemetry_lane.h), oldest first:
     * written to the outbox in the current transaction (freed at its
     * commit), or not yet because a transaction failed (tried again
     * first at the next one). */
    mvg_lane_entry *back_written, *back_unwritten;
    size_t rows_cap;
    pending *pend;
    size_t npend, pend_cap;
    int oom;
    mvg_lp *lp;
    mvg_jsonw *jw;         /* the telemetry payloads' writer, reused every poll */
    mvg_signer *signer;   /* places and signs the chained records */
    int64_t *definition;  /* per project: the version of its definition record in force */
    drop_watch drops[2];  /* mqtt, influx: the outbox bound's drops as last logged */
    /* A full or failing disk (pipeline.h, docs/store.md "Full disk"). */
    int records_failing;   /* the last write of pend failed: it waits for a retry */
    int failed_full;       /* ... on a full disk: retried as soon as there is room */
    int samples_failing;   /* the last poll's samples failed (not refused by the reserve) */
    int64_t retry_at;      /* monotonic: the next attempt to write pend */
    char why[256];         /* what failed last */
    room_watch watch;
};

static void room_update(mvg_pipeline *p);

static void free_ids(mvg_pipeline *p)
{
    for (size_t d = 0; p->point_ids && d < p->cfg->ndevices; d++)
        free(p->point_ids[d]);
    free(p->point_ids);
}

static void take_returned(mvg_pipeline *p);
static int store_returned(mvg_pipeline *p, char *err, size_t errlen);
static void returned_done(mvg_pipeline *p, int ok);

/* At the stop: the telemetry the stopped publisher handed back goes to the
 * outbox, for the next start to send. */
static void keep_returned(mvg_pipeline *p)
{
    char err[256] = "";
    take_returned(p);
    int rc = mvg_store_begin(p->store, err, sizeof err);
    if (rc == 0) {
        rc = store_returned(p, err, sizeof err);
        rc = rc == 0 ? mvg_store_commit(p->store, err, sizeof err) : rc;
        if (rc != 0)
            mvg_store_rollback(p->store);
        returned_done(p, rc == 0);
    }
    size_t lost = 0;
    for (mvg_lane_entry *e = p->back_unwritten; e; e = e->next)
        lost++;
    if (lost)
        mvg_log(MVG_LOG_ERR, "stopping: %zu telemetry messages the broker did not acknowledge"
                " could not be kept in the outbox: %s", lost, err[0] ? err : "refused");
}

void mvg_pipeline_close(mvg_pipeline *p)
{
    if (!p)
        return;
    for (size_t d = 0; p->last_sent && d < p->cfg->ndevices; d++)
        free(p->last_sent[d]);
    free(p->last_sent);
    free(p->polls);
    free(p->model_due);
    free(p->changed);
    free_ids(p);
    free(p->high_water);
    free(p->rows);
    if (p->npend > 0)
        mvg_log(MVG_LOG_ERR,
                "stopping with %zu interval records the store did not take (%s): they are "
                "computed again at the next start from the samples stored before the disk "
                "filled and after it had room again",
                p->npend, p->why[0] ? p->why : "not written yet");
    for (size_t i = 0; i < p->npend; i++)
        free(p->pend[i].ch);
    free(p->pend);
    if (p->store && p->opts.lane)
        keep_returned(p);
    mvg_lane_entries_free(p->back_unwritten);
    mvg_lp_free(p->lp);
    free(p->definition);
    mvg_jsonw_free(p->jw);
    mvg_store_close(p->store);
    mvg_signer_free(p->signer);
    free(p);
}

/* The MQTT outbox entry of payload on route r. */
static mvg_store_out mqtt_out(const mvg_mqtt_route *r, const char *payload, size_t len)
{
    return (mvg_store_out){"mqtt", r->cls, r->topic, payload, len, r->retained};
}

/* The public key, retained, so that a subscriber can check the records'
 * signatures without access to the gateway. */
static int publish_identity(mvg_pipeline *p, char *err, size_t errlen)
{
    const mvg_keys *k = mvg_signer_keys(p->signer);
    char *json = mvg_payload_identity(p->cfg->gateway.id, k->pk_b64, k->fingerprint);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mvg_mqtt_route r = mvg_mqtt_topics_route(MVG_MQTT_IDENTITY, NULL);
    mvg_store_out out = mqtt_out(&r, json, strlen(json));
    int rc = mvg_store_add_outbox(p->store, &out, 1, err, errlen);
    free(json);
    return rc;
}

/* The signer's view of the store: inside the caller's transaction it sees
 * the records added so far. */
static int last_chained(void *user, const char *project, char **text, size_t *len,
                        int64_t *chain, char *err, size_t errlen)
{
    mvg_pipeline *p = user;
    return mvg_store_last_chained(p->store, project, text, len, chain, err, errlen);
}

/* The link of project's next chained record. When the chain was handed
 * over to a new key, subscribers learn it from identity. */
static int next_link(mvg_pipeline *p, const char *project, mvg_signer_link *link, char *err,
                     size_t errlen)
{
    int rc = mvg_signer_next(p->signer, project, link, err, errlen);
    if (rc > 0)
        rc = p->opts.mqtt ? publish_identity(p, err, errlen) : 0;
    return rc;
}

/* One signed record of a project at the head of what its chain holds (a
 * key record, a new-chain record): *json NULL when there is none to write. */
typedef int (*head_record_fn)(mvg_pipeline *p, const char *project, int64_t now_ms,
                              const char *ctx, char **json, size_t *len, int64_t *chain,
                              char *err, size_t errlen);
/* Its store call (mvg_store_add_key_record, mvg_store_add_newchain_record). */
typedef int (*head_store_fn)(mvg_store *st, const char *project, int64_t chain, const char *json,
                             size_t len, const mvg_store_out *outs, size_t nouts, char *err,
                             size_t errlen);

/* Writes make's record of every configured project, with its MQTT entry on
 * route doc, in one transaction. */
static int write_each_project(mvg_pipeline *p, mvg_mqtt_doc doc, head_record_fn make,
                              head_store_fn add, const char *ctx, char *err, size_t errlen)
{
    int64_t now_ms = mvg_clock_real_ms();
    int rc = mvg_store_begin(p->store, err, errlen);
    for (size_t i = 0; rc == 0 && i < mvg_runner_project_count(p->runner); i++) {
        const char *name = mvg_project_config(mvg_runner_project(p->runner, i))->name;
        char *json = NULL;
        size_t len = 0;
        int64_t chain = 0;
        rc = make(p, name, now_ms, ctx, &json, &len, &chain, err, errlen);
        if (rc != 0 || !json)
            continue;
        mvg_mqtt_route r = mvg_mqtt_topics_route_chained(doc, name, chain);
        mvg_store_out out = mqtt_out(&r, json, len);
        rc = add(p->store, name, chain, json, len, &out, p->opts.mqtt ? 1 : 0, err, errlen);
        free(json);
    }
    if (rc == 0)
        return mvg_store_commit(p->store, err, errlen);
    mvg_store_rollback(p->store);
    return rc;
}

static int key_record(mvg_pipeline *p, const char *project, int64_t now_ms, const char *ctx,
                      char **json, size_t *len, int64_t *chain, char *err, size_t errlen)
{
    (void)ctx;
    return mvg_signer_key_record(p->signer, p->cfg->gateway.id, project, now_ms, json, len,
                                 chain, err, errlen);
}

/* A pending rotation (mvgate key rotate): every configured project's chain
 * gets its key record in one transaction; then the next key signs from
 * here on. A crash between the two is finished at the next start (the
 * signer does not write a project's key record twice). */
static int apply_rotation(mvg_pipeline *p, char *err, size_t errlen)
{
    int rc = mvg_signer_rotation_pending(p->signer, err, errlen);
    if (rc <= 0)
        return rc;
    rc = write_each_project(p, MVG_MQTT_KEY, key_record, mvg_store_add_key_record, NULL, err,
                            errlen);
    if (rc == 0)
        rc = mvg_signer_finish_rotation(p->signer, err, errlen);
    if (rc > 0)
        rc = p->opts.mqtt ? publish_identity(p, err, errlen) : 0;
    return rc;
}

/* Project i's definition record when its content differs from the newest
 * one stored (or there is none): signed at the head of its chain, with
 * its MQTT entry (retained); p->definition[i] gets the version in force. */
static int write_definition(mvg_pipeline *p, size_t i, int64_t now_ms, char *err, size_t errlen)
{
    const mvg_project_cfg *pc = mvg_project_config(mvg_runner_project(p->runner, i));
    unsigned char *uses = calloc(p->cfg->ndevices + 1, 1);
    if (!uses) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t npoints = 0;
    for (size_t d = 0; d < p->cfg->ndevices; d++)
        npoints += p->cfg->devices[d].npoints;
    /* one block: a row pointer per device, then a flag per point */
    unsigned char **counts = malloc(p->cfg->ndevices * sizeof *counts + npoints + 1);
    if (!counts) {
        free(uses);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    unsigned char *flag = (unsigned char *)(counts + p->cfg->ndevices);
    for (size_t d = 0; d < p->cfg->ndevices; d++) {
        uses[d] = (unsigned char)mvg_runner_project_uses_device(p->runner, i, d);
        counts[d] = flag;
        for (size_t k = 0; k < p->cfg->devices[d].npoints; k++)
            *flag++ = (unsigned char)mvg_runner_project_counts_point(p->runner, i, d, k);
    }
    mvg_definition_in in = {p->cfg->gateway.id, p->cfg, pc, uses,
                            (const unsigned char *const *)counts};
    char digest[MVG_CHAIN_HEX_LEN], last[MVG_CHAIN_HEX_LEN];
    int64_t version = 0;
    mvg_definition_digest(&in, digest);
    int rc = mvg_store_last_definition(p->store, pc->name, &version, last, err, errlen);
    char *json = NULL;
    if (rc == 0 && strcmp(digest, last) != 0) {
        mvg_signer_link l = {0};
        rc = next_link(p, pc->name, &l, err, errlen);
        mvg_payload_link link = mvg_signer_payload_link(&l);
        size_t len = 0;
        if (rc == 0)
            json = mvg_signer_sign(p->signer,
                                   mvg_definition_record(&in, version + 1, now_ms, &link), &len);
        if (rc == 0 && !json) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        mvg_mqtt_route r = mvg_mqtt_topics_route(MVG_MQTT_DEFINITION, pc->name);
        mvg_store_out out = mqtt_out(&r, json, len);
        if (rc == 0)
            rc = mvg_store_add_definition(p->store, pc->name, l.chain, version + 1, digest, json,
                                          len, &out, p->opts.mqtt ? 1 : 0, err, errlen);
        if (rc == 0) {
            version++;
            mvg_log(MVG_LOG_NOTICE, "%s: definition version %lld written (chain %lld)",
                    pc->name, (long long)version, (long long)l.chain);
        }
    }
    p->definition[i] = version;
    free(json);
    free(uses);
    free(counts);
    return rc;
}

/* Every project's definition record that changed, in one transaction:
 * before the first interval record computed under it. */
static int write_definitions(mvg_pipeline *p, char *err, size_t errlen)
{
    size_t n = mvg_runner_project_count(p->runner);
    p->definition = calloc(n + 1, sizeof *p->definition);
    if (!p->definition) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int64_t now_ms = mvg_clock_real_ms();
    int rc = mvg_store_begin(p->store, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_definition(p, i, now_ms, err, errlen);
    if (rc == 0)
        return mvg_store_commit(p->store, err, errlen);
    mvg_store_rollback(p->store);
    return rc;
}

/* What a start finds in place of the store when the gateway's key is in
 * data_dir (it has signed records before): "missing" or "empty (0 bytes)";
 * NULL when the store is there, or when there is no key (a first start). */
static const char *lost_store(const char *data_dir, const char *db_path)
{
    char key[MVG_PATH_MAX + 32];
    struct stat sb;
    snprintf(key, sizeof key, "%s/%s", data_dir, MVG_KEYS_SECRET_FILE);
    if (stat(key, &sb) != 0)
        return NULL;
    if (stat(db_path, &sb) != 0)
        return "missing";
    return sb.st_size == 0 ? "empty (0 bytes)" : NULL;
}

/* ctx: what was found of the store ("missing", ...). */
static int newchain_record(mvg_pipeline *p, const char *project, int64_t now_ms, const char *ctx,
                           char **json, size_t *len, int64_t *chain, char *err, size_t errlen)
{
    char reason[256];
    snprintf(reason, sizeof reason,
             "the store was %s at start while data_dir held the gateway's key; the operator"
             " began new chains (mvgated --new-chain): the records before this one are not in"
             " this store",
             ctx);
    int rc = mvg_signer_newchain_record(p->signer, p->cfg->gateway.id, project, now_ms, ctx,
                                        reason, json, len, chain, err, errlen);
    if (rc == 0 && *json)
        mvg_log(MVG_LOG_WARN, "%s: new chain begun under key %s (the store was %s)", project,
                mvg_signer_keys(p->signer)->fingerprint, ctx);
    return rc;
}

/* The retention's allowance for forward clock steps, "<step_to_ms>
 * <step_ms>" in meta: what mvg_pipeline_maintain needs to keep the samples
 * before a step over a restart. A value that does not read is no allowance
 * (the samples are then pruned by their stamps, as before the step). */
#define STEP_META "clock_step_prune"

static void load_step(mvg_pipeline *p)
{
    char *v = NULL, err[256];
    long long to = 0, ms = 0;
    if (mvg_store_get_meta(p->store, STEP_META, &v, err, sizeof err) == 0 && v &&
        sscanf(v, "%lld %lld", &to, &ms) == 2 && ms > 0) {
        p->step_to_ms = to;
        p->step_ms = ms;
    }
    free(v);
}

static int put_step(mvg_pipeline *p, char *err, size_t errlen)
{
    char v[48];
    snprintf(v, sizeof v, "%lld %lld", (long long)p->step_to_ms, (long long)p->step_ms);
    return mvg_store_put_meta(p->store, STEP_META, v, err, errlen);
}

static void save_step(mvg_pipeline *p)
{
    char err[256];
    if (put_step(p, err, sizeof err) != 0)
        mvg_log(MVG_LOG_WARN, "clock step: the retention's allowance is not kept over a restart: %s",
                err);
}

mvg_pipeline *mvg_pipeline_open(const mvg_config *cfg, mvg_runner *runner,
                                const mvg_pipeline_opts *opts, char *err, size_t errlen)
{
    mvg_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = cfg;
    p->runner = runner;
    if (opts)
        p->opts = *opts;
    if (p->opts.pending_max == 0)
        p->opts.pending_max = MVG_PIPELINE_PENDING_MAX;
    if (p->opts.retry_ms <= 0)
        p->opts.retry_ms = 1000;
    if (mvg_store_path(cfg->gateway.data_dir, p->db_path, sizeof p->db_path) != 0) {
        snprintf(err, errlen, "data_dir '%s' is too long", cfg->gateway.data_dir);
        goto fail;
    }
    const char *lost = lost_store(cfg->gateway.data_dir, p->db_path);
    if (lost && !p->opts.new_chain) {
        snprintf(err, errlen,
                 "the store %s is %s, but %s/%s is there: this gateway has signed records"
                 " before, and a new store would begin every project's chain again at 1 under"
                 " the same key, which a verifier takes for a forgery or a rollback. Nothing was"
                 " changed. Put the store back from a backup (or salvage a damaged one with"
                 " `mvgate store recover`); to begin new chains knowingly, start once with"
                 " mvgated --new-chain (each chain then opens with a signed new-chain record)",
                 p->db_path, lost, cfg->gateway.data_dir, MVG_KEYS_SECRET_FILE);
        goto fail;
    }
    mvg_store_opts so = p->opts.store;
    so.gateway_id = cfg->gateway.id;
    so.check = p->opts.check_store;
    p->store = mvg_store_open(p->db_path, &so, err, errlen);
    if (!p->store)
        goto fail;
    load_step(p);
    p->signer = mvg_signer_open(cfg->gateway.data_dir, last_chained, p, err, errlen);
    if (!p->signer || (lost && write_each_project(p, MVG_MQTT_NEWCHAIN, newchain_record,
                                   mvg_store_add_newchain_record, lost, err, errlen) != 0) ||
        apply_rotation(p, err, errlen) != 0 || write_definitions(p, err, errlen) != 0)
        goto fail;
    if (p->opts.mqtt && publish_identity(p, err, errlen) != 0)
        goto fail;
    p->point_ids = calloc(cfg->ndevices + 1, sizeof *p->point_ids);
    p->high_water = calloc(cfg->ndevices + 1, sizeof *p->high_water);
    p->polls = calloc(cfg->ndevices + 1, sizeof *p->polls);
    p->model_due = calloc(mvg_runner_project_count(runner) + 1, 1);
    p->last_sent = calloc(cfg->ndevices + 1, sizeof *p->last_sent);
    p->lp = mvg_lp_new();
    p->jw = mvg_jsonw_new();
    if (!p->point_ids || !p->high_water || !p->polls || !p->model_due || !p->last_sent ||
        !p->lp || !p->jw) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const mvg_device_cfg *dev = &cfg->devices[d];
        p->point_ids[d] = calloc(dev->npoints + 1, sizeof **p->point_ids);
        if (!p->point_ids[d]) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        for (size_t k = 0; k < dev->npoints; k++)
            if ((p->opts.all_samples || mvg_runner_point_needed(runner, d, k)) &&
                mvg_store_point_id(p->store, dev->name, dev->points[k].name, &p->point_ids[d][k],
                                   err, errlen) != 0)
                goto fail;
        if (dev->npoints > p->rows_cap)
            p->rows_cap = dev->npoints;
        if (p->opts.mqtt && p->opts.telemetry_mode == MVG_TELEMETRY_CHANGE) {
            p->last_sent[d] = calloc(dev->npoints + 1, sizeof **p->last_sent);
            if (!p->last_sent[d]) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            mvg_telemetry_pick_start(p->last_sent[d], dev->npoints);
        }
    }
    p->rows = calloc(p->rows_cap + 1, sizeof *p->rows);
    p->changed = calloc(p->rows_cap + 1, 1);
    if (!p->rows || !p->changed) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return p;
fail:
    mvg_pipeline_close(p);
    return NULL;
}

/* The head record of one project (none when its chain is empty), stored
 * with its MQTT entry inside the caller's transaction. */
static int write_head(mvg_pipeline *p, const char *project, int64_t now_ms, int64_t every_s,
                      int reason, char *err, size_t errlen)
{
    struct mvg_head_count_row rows[MVG_HEAD_KINDS_MAX];
    mvg_head_count counts[MVG_HEAD_KINDS_MAX];
    size_t n = 0;
    if (mvg_store_chain_counts(p->store, project, rows, MVG_HEAD_KINDS_MAX, &n, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        memcpy(counts[i].kind, rows[i].kind, sizeof counts[i].kind);
        counts[i].n = rows[i].n;
    }
    mvg_head_info h = {.gateway = p->cfg->gateway.id, .project = project, .time_ms = now_ms,
                       .counts = counts, .ncounts = n, .every_s = every_s,
                       .reason = (mvg_head_reason)reason};
    char *json = NULL;
    size_t len = 0;
    int64_t head = 0;
    int rc = mvg_signer_head_record(p->signer, &h, &json, &len, &head, err, errlen);
    if (rc > 0) /* the chain was handed over to a new key: it signs this head */
        rc = p->opts.mqtt ? publish_identity(p, err, errlen) : 0;
    if (rc == 0 && json) {
        mvg_mqtt_route r = mvg_mqtt_topics_route(MVG_MQTT_HEAD, project);
        mvg_store_out out = mqtt_out(&r, json, len);
        rc = mvg_store_add_head(p->store, project, head, now_ms, json, len, &out,
                                p->opts.mqtt ? 1 : 0, err, errlen);
    }
    free(json);
    return rc;
}

int mvg_pipeline_write_heads(mvg_pipeline *p, int64_t now_ms, int64_t every_s, int reason,
                             char *err, size_t errlen)
{
    int rc = mvg_store_begin(p->store, err, errlen);
    for (size_t i = 0; rc == 0 && i < mvg_runner_project_count(p->runner); i++)
        rc = write_head(p, mvg_project_config(mvg_runner_project(p->runner, i))->name, now_ms,
                        every_s, reason, err, errlen);
    if (rc == 0)
        return mvg_store_commit(p->store, err, errlen);
    mvg_store_rollback(p->store);
    return rc;
}

const char *mvg_pipeline_db_path(const mvg_pipeline *p) { return p->db_path; }

const char *mvg_pipeline_key_fingerprint(const mvg_pipeline *p)
{
    return mvg_signer_keys(p->signer)->fingerprint;
}

void mvg_pipeline_adopt_marks(mvg_pipeline *p, const mvg_pipeline *from)
{
    for (size_t d = 0; d < p->cfg->ndevices; d++) {
        long k = mvg_config_find_device(from->cfg, p->cfg->devices[d].name);
        if (k >= 0)
            p->high_water[d] = from->high_water[k];
    }
}

void mvg_pipeline_model_due(mvg_pipeline *p, size_t project)
{
    if (project < mvg_runner_project_count(p->runner))
        p->model_due[project] = 1;
}

/* ---- checkpoints: [magic][ndevices][high water per device][runner state] */

static int write_checkpoint(mvg_pipeline *p, int64_t ts_ms, char *err, size_t errlen)
{
    size_t nd = p->cfg->ndevices, state = mvg_runner_state_size(p->runner), used = 0;
    size_t cap = 16 + 8 * nd + state;
    mvg_statefmt_writer w = {.p = malloc(cap), .cap = cap};
    if (!w.p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mvg_statefmt_put_u64(&w, CKPT_MAGIC);
    mvg_statefmt_put_u64(&w, nd);
    for (size_t d = 0; d < nd; d++)
        mvg_statefmt_put_i64(&w, p->high_water[d]);
    uint8_t *at = mvg_statefmt_reserve(&w, state);
    int rc = mvg_runner_save(p->runner, at, state, &used, err, errlen);
    if (rc == 0)
        rc = mvg_store_put_checkpoint(p->store, ts_ms, w.p, cap - state + used, err, errlen);
    free(w.p);
    return rc;
}

typedef struct {
    mvg_pipeline *p;
    mvg_runner *runner;    /* fed the samples */
    int64_t *high_water;   /* per device: newest sample fed (the checkpoint's, for a restore) */
    mvg_sample_groups *groups;
    int64_t count, oldest, newest;
} replay_ctx;

/* A stored poll response back into the engine, as the live poll fed it. */
static void push_group(void *user, size_t device, int64_t ts, const mvg_sample *samples, size_t n)
{
    replay_ctx *c = user;
    mvg_runner_push(c->runner, device, samples, n);
    if (ts > c->high_water[device])
        c->high_water[device] = ts;
}

static int replay_one(void *user, const char *device, const char *point, const mvg_sample *s)
{
    replay_ctx *c = user;
    long d = mvg_config_find_device(c->p->cfg, device);
    if (d < 0 || s->ts_ms <= c->high_water[d])
        return 0; /* a device no longer configured, or already in the checkpoint */
    long k = mvg_config_find_point(&c->p->cfg->devices[d], point);
    if (k < 0)
        return 0;
    c->count++;
    if (s->ts_ms < c->oldest)
        c->oldest = s->ts_ms;
    if (s->ts_ms > c->newest)
        c->newest = s->ts_ms;
    return mvg_sample_groups_add(c->groups, d, k, s);
}

/* Feeds the stored samples from from_ms on into c's runner; 0 or -1. */
static int replay(replay_ctx *c, int64_t from_ms, char *err, size_t errlen)
{
    c->oldest = INT64_MAX;
    c->newest = INT64_MIN;
    c->groups = mvg_sample_groups_new(c->p->cfg, push_group, c);
    if (!c->groups) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_store_foreach_sample(c->p->store, from_ms, INT64_MAX, replay_one, c, err, errlen);
    mvg_sample_groups_flush(c->groups);
    mvg_sample_groups_free(c->groups);
    return rc == 0 ? 0 : -1;
}

static int replay_from(mvg_pipeline *p, int64_t from_ms, int64_t *replayed, char *err,
                       size_t errlen)
{
    replay_ctx c = {.p = p, .runner = p->runner, .high_water = p->high_water};
    int rc = replay(&c, from_ms, err, errlen);
    *replayed = c.count;
    return rc;
}

int mvg_pipeline_replay_into(mvg_pipeline *p, mvg_runner *r, mvg_pipeline_replayed *out,
                             char *err, size_t errlen)
{
    replay_ctx c = {.p = p, .runner = r};
    c.high_water = malloc((p->cfg->ndevices + 1) * sizeof *c.high_water);
    if (!c.high_water) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t d = 0; d <= p->cfg->ndevices; d++)
        c.high_water[d] = INT64_MIN;
    int rc = replay(&c, INT64_MIN, err, errlen);
    free(c.high_water);
    out->samples = c.count;
    out->oldest_ms = c.count ? c.oldest : INT64_MIN;
    out->newest_ms = c.count ? c.newest : INT64_MIN;
    return rc;
}

int mvg_pipeline_restore(mvg_pipeline *p, int64_t *replayed, char *err, size_t errlen)
{
    *replayed = 0;
    void *blob = NULL;
    size_t len = 0;
    int64_t ts = 0, interval_id = 0;
    if (mvg_store_get_checkpoint(p->store, &blob, &len, &ts, &interval_id, err, errlen) != 0)
        return -1;
    if (!blob) {
        /* no interval was completed yet: the samples stored so far are all
         * the engine has lost */
        return replay_from(p, INT64_MIN, replayed, err, errlen);
    }
    const unsigned char *b = blob;
    size_t nd = p->cfg->ndevices, head = 16 + 8 * nd;
    int rc = 0;
    if (len < 16 || mvg_statefmt_load_u64(b) != CKPT_MAGIC || mvg_statefmt_load_u64(b + 8) != nd ||
        len < head) {
        snprintf(err, errlen, "the newest checkpoint was written for other devices");
    } else if (mvg_runner_load(p->runner, b + head, len - head, err, errlen) == 0) {
        int64_t oldest = INT64_MAX;
        for (size_t d = 0; d < nd; d++) {
            p->high_water[d] = (int64_t)mvg_statefmt_load_u64(b + 16 + 8 * d);
            if (p->high_water[d] < oldest)
                oldest = p->high_water[d];
        }
        rc = replay_from(p, oldest == INT64_MAX ? 0 : oldest + 1, replayed, err, errlen) == 0 ? 1
                                                                                            : -1;
    }
    free(blob);
    return rc;
}

/* ---- polls ------------------------------------------------------------- */

/* What the lane handed back since the last look, after what waits. */
static void take_returned(mvg_pipeline *p)
{
    mvg_lane_entry **end = &p->back_unwritten;
    while (*end)
        end = &(*end)->next;
    *end = mvg_lane_returned(p->opts.lane);
}

/* The telemetry the lane handed back goes to the outbox, oldest first,
 * in the current transaction, before any telemetry after it. 0 or -1. */
static int store_returned(mvg_pipeline *p, char *err, size_t errlen)
{
    take_returned(p);
    mvg_lane_entry *list = p->back_unwritten, **end;
    p->back_unwritten = NULL;
    if (!list)
        return 0;
    int rc = 0;
    for (mvg_lane_entry *e = list; e && rc == 0; e = e->next) {
        mvg_store_out o = {"mqtt", MVG_OUT_TELEMETRY, e->topic, e->payload, e->len, 0};
        rc = mvg_store_add_outbox(p->store, &o, 1, err, errlen);
    }
    /* kept until the commit: a transaction that fails writes them again */
    end = &p->back_written;
    while (*end)
        end = &(*end)->next;
    *end = list;
    return rc;
}

/* After the commit (ok 1) or the rollback (0) of a transaction that
 * wrote handed-back telemetry. */
static void returned_done(mvg_pipeline *p, int ok)
{
    if (ok) {
        mvg_lane_entries_free(p->back_written);
    } else {
        /* nothing written yet can be in back_unwritten: it was emptied */
        p->back_unwritten = p->back_written;
    }
    p->back_written = NULL;
}

/* The poll's telemetry entries: MQTT (the points the telemetry mode
 * picks: by the lane while it is open, else in the outbox) and InfluxDB
 * (every point, when asked for). */
static int add_telemetry(mvg_pipeline *p, const mvg_device_cfg *dev, const mvg_sample_batch *b,
                         char *err, size_t errlen)
{
    mvg_store_out outs[2];
    size_t n = 0;
    mvg_mqtt_route r;
    if (p->opts.mqtt) {
        mvg_telemetry_rule rule = {p->opts.telemetry_mode, p->opts.telemetry_every,
                                   p->opts.deadband};
        if (mvg_telemetry_pick(&rule, p->polls[b->device]++, b->samples, b->n,
                               p->last_sent[b->device], p->changed) > 0) {
            size_t len = 0;
            const char *json = mvg_payload_telemetry(p->jw, p->cfg->gateway.id, dev, b, p->changed,
                                                     &len);
            if (!json) {
                snprintf(err, errlen, "telemetry of %s: out of memory, or a name or unit that is"
                         " not UTF-8", dev->name);
                return -1;
            }
            r = mvg_mqtt_topics_route(MVG_MQTT_TELEMETRY, dev->name);
            if (!p->opts.lane || mvg_lane_offer(p->opts.lane, r.topic, json, len) != 1) {
                /* what the lane held when it closed goes first */
                if (p->opts.lane && store_returned(p, err, errlen) < 0)
                    return -1;
                outs[n++] = mqtt_out(&r, json, len);
            }
        }
    }
    if (p->opts.influx && p->opts.influx_telemetry) {
        size_t len = 0;
        const char *lines = mvg_influx_lines_samples(p->lp, p->cfg->gateway.id, dev, b,
                                                     p->opts.influx_unsigned, &len);
        if (len)
            outs[n++] = (mvg_store_out){"influx", MVG_OUT_TELEMETRY, "", lines, len, 0};
    }
    return n ? mvg_store_add_outbox(p->store, outs, n, err, errlen) : 0;
}

static int batch_matches(const mvg_pipeline *p, const mvg_sample_batch *b)
{
    return b->device < p->cfg->ndevices && b->n == p->cfg->devices[b->device].npoints;
}

/* The samples of b the store keeps (the points with an id), into p->rows. */
static size_t kept_rows(mvg_pipeline *p, const mvg_sample_batch *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (p->point_ids[b->device][i])
            p->rows[n++] = (mvg_store_sample){p->point_ids[b->device][i], b->samples[i]};
    return n;
}

/* Samples and telemetry of the matching polls, in one transaction: 0,
 * or -1 (nothing of them written). */
static int store_polls(mvg_pipeline *p, const mvg_sample_batch *const *bs, size_t nb, char *err,
                       size_t errlen)
{
    int wanted = p->opts.mqtt || p->opts.influx;
    for (size_t i = 0; i < nb && !wanted; i++)
        wanted = batch_matches(p, bs[i]) && kept_rows(p, bs[i]) > 0;
    /* polls with nothing to keep cost no transaction */
    if (!wanted)
        return 0;
    int rc = mvg_store_begin(p->store, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (p->opts.lane)
        rc = store_returned(p, err, errlen);
    for (size_t i = 0; i < nb && rc == 0; i++) {
        const mvg_sample_batch *b = bs[i];
        if (!batch_matches(p, b))
            continue;
        size_t n = kept_rows(p, b);
        /* refused for the reserve (MVG_STORE_REFUSED): nothing written,
         * the telemetry is refused the same way (counted by the store) */
        rc = n ? mvg_store_add_samples(p->store, p->rows, n, err, errlen) : 0;
        if (rc >= 0)
            rc = add_telemetry(p, &p->cfg->devices[b->device], b, err, errlen);
    }
    if (rc == 0)
        rc = mvg_store_commit(p->store, err, errlen);
    if (rc != 0)
        mvg_store_rollback(p->store);
    returned_done(p, rc == 0);
    return rc == 0 ? 0 : -1;
}

int mvg_pipeline_batches(mvg_pipeline *p, const mvg_sample_batch *const *bs, size_t nb,
                         char *err, size_t errlen)
{
    p->samples_failing = store_polls(p, bs, nb, err, errlen) < 0;
    if (p->samples_failing)
        snprintf(p->why, sizeof p->why, "%s", err);
    room_update(p);
    int rc = 0;
    for (size_t i = 0; i < nb; i++) {
        const mvg_sample_batch *b = bs[i];
        if (!batch_matches(p, b)) {
            snprintf(err, errlen, "a poll that does not match the configuration");
            rc = -1;
            continue;
        }
        if (p->hold) {
            p->held++;
            continue;
        }
        /* the engine still gets the poll: a full disk must not stop the savings */
        mvg_runner_push(p->runner, b->device, b->samples, b->n);
        for (size_t j = 0; j < b->n; j++)
            if (b->samples[j].ts_ms > p->high_water[b->device])
                p->high_water[b->device] = b->samples[j].ts_ms;
    }
    return rc;
}

int mvg_pipeline_batch(mvg_pipeline *p, const mvg_sample_batch *b, char *err, size_t errlen)
{
    return mvg_pipeline_batches(p, &b, 1, err, errlen);
}

/* ---- intervals --------------------------------------------------------- */

static void collect(void *user, size_t project, const mvg_interval_record *rec,
                    const mvg_project_result *res)
{
    mvg_pipeline *p = user;
    pending *np = mvg_vec_reserve(p->pend, p->npend, &p->pend_cap, sizeof *np, 8);
    if (!np) {
        p->oom = 1;
        return;
    }
    p->pend = np;
    pending *e = &p->pend[p->npend];
    e->ch = malloc((rec->nch ? rec->nch : 1) * sizeof *e->ch);
    if (!e->ch) {
        p->oom = 1;
        return;
    }
    memcpy(e->ch, rec->ch, rec->nch * sizeof *e->ch);
    e->project = project;
    e->rec = *rec;
    e->rec.ch = e->ch;
    e->res = *res;
    p->npend++;
}

static int store_model(mvg_pipeline *p, const mvg_project *prj, const char *name,
                       int64_t fitted_at_ms, char *err, size_t errlen)
{
    char *old = NULL;
    int64_t version = 0;
    if (mvg_store_get_model(p->store, name, &old, &version, err, errlen) != 0)
        return -1;
    free(old);
    mvg_signer_link l;
    if (next_link(p, name, &l, err, errlen) != 0)
        return -1;
    mvg_payload_link link = mvg_signer_payload_link(&l);
    size_t len = 0;
    char *json = mvg_signer_sign(
        p->signer, mvg_payload_model(p->cfg->gateway.id, prj, version + 1, fitted_at_ms, &link),
        &len);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* payload NULL: the outbox entry carries the stored model itself */
    mvg_mqtt_route r = mvg_mqtt_topics_route(MVG_MQTT_MODEL, name);
    mvg_store_out out = mqtt_out(&r, NULL, 0);
    int64_t got = 0;
    int rc = mvg_store_add_model(p->store, name, json, len, l.chain, &out, p->opts.mqtt ? 1 : 0,
                                 &got, err, errlen);
    free(json);
    return rc;
}

static int store_one(mvg_pipeline *p, const pending *e, int64_t *seq_out, char *err, size_t errlen)
{
    mvg_project *prj = mvg_runner_project(p->runner, e->project);
    const char *name = mvg_project_config(prj)->name;
    size_t nch = 0;
    const char *const *channels = mvg_runner_channels(p->runner, e->project, &nch);
    int64_t seq = 0;
    if (mvg_store_next_seq(p->store, name, &seq, err, errlen) != 0)
        return -1;
    mvg_signer_link l;
    if (next_link(p, name, &l, err, errlen) != 0)
        return -1;
    mvg_payload_link link = mvg_signer_payload_link(&l);
    link.definition = p->definition[e->project];
    size_t json_len = 0;
    char *json = mvg_signer_sign(p->signer,
                                 mvg_payload_interval(p->cfg->gateway.id, name, seq, &e->rec,
                                                      channels, &e->res, &link),
                                 &json_len);
    char *totals = mvg_payload_totals(p->cfg->gateway.id, name, seq, &e->res);
    int rc = -1;
    if (!json || !totals) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    mvg_mqtt_route r_interval = mvg_mqtt_topics_route(MVG_MQTT_INTERVAL, name);
    mvg_mqtt_route r_totals = mvg_mqtt_topics_route(MVG_MQTT_TOTALS, name);
    mvg_store_out outs[3];
    size_t n = 0;
    if (p->opts.mqtt) {
        /* payload NULL: the entry carries the stored record itself */
        outs[n++] = mqtt_out(&r_interval, NULL, 0);
        outs[n++] = mqtt_out(&r_totals, totals, strlen(totals));
    }
    if (p->opts.influx) {
        size_t len = 0;
        const char *lines =
            mvg_influx_lines_interval(p->lp, p->cfg->gateway.id, name, seq, &e->res, &len);
        if (len)
            outs[n++] = (mvg_store_out){"influx", MVG_OUT_INTERVAL, "", lines, len, 0};
    }
    mvg_store_interval rec = {name, seq, e->rec.start_ms, e->rec.end_ms, json, json_len, l.chain};
    rc = mvg_store_add_interval(p->store, &rec, outs, n, err, errlen);
    *seq_out = seq;
    /* the models frozen with this record: stored (versioned) and retained
     * on model/<project>, in the same transaction */
    if (rc == 0 && (e->res.fitted_now || p->model_due[e->project] == 1)) {
        rc = store_model(p, prj, name, e->rec.end_ms, err, errlen);
        if (p->model_due[e->project])
            p->model_due[e->project] = 2; /* in this transaction: once */
    }
out:
    free(json);
    free(totals);
    return rc;
}

/* Writes every waiting result in one transaction with the checkpoint of
 * the engine as it is now, which has emitted exactly these: a checkpoint
 * never claims an interval whose record is not stored, and a record is
 * never written without the checkpoint after it (a restart would emit it
 * again). All or nothing, so a store that takes part of them cannot
 * leave the chain with a checkpoint behind its head. Returns the number
 * written or -1 (nothing written, pend untouched). */
static int write_pending(mvg_pipeline *p, mvg_pipeline_record_fn done, void *user, char *err,
                         size_t errlen)
{
    int64_t *seqs = calloc(p->npend, sizeof *seqs);
    if (!seqs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_store_begin(p->store, err, errlen);
    int began = rc == 0;
    for (size_t i = 0; rc == 0 && i < p->npend; i++)
        rc = store_one(p, &p->pend[i], &seqs[i], err, errlen);
    if (rc == 0)
        rc = write_checkpoint(p, p->pend[p->npend - 1].rec.end_ms, err, errlen);
    if (rc == 0)
        rc = mvg_store_commit(p->store, err, errlen);
    else if (began)
        mvg_store_rollback(p->store);
    int written = 0;
    if (rc == 0) {
        written = (int)p->npend;
        for (size_t i = 0; i < p->npend; i++)
            p->model_due[p->pend[i].project] = 0;
    } else {
        for (size_t i = 0; i < p->npend; i++)
            if (p->model_due[p->pend[i].project] == 2)
                p->model_due[p->pend[i].project] = 1; /* rolled back: with the next attempt */
    }
    if (rc == 0) {
        for (size_t i = 0; done && i < p->npend; i++)
            done(user, p->pend[i].project, seqs[i], &p->pend[i].rec, &p->pend[i].res);
        for (size_t i = 0; i < p->npend; i++)
            free(p->pend[i].ch);
        p->npend = 0;
    }
    free(seqs);
    return rc == 0 ? written : -1;
}

int mvg_pipeline_advance(mvg_pipeline *p, int64_t now_ms, mvg_pipeline_record_fn done, void *user,
                         char *err, size_t errlen)
{
    if (p->hold)
        return 0;
    /* at the bound the engine closes nothing more: what it would emit
     * stays in its open intervals, and comes out once the store has room */
    if (p->npend < p->opts.pending_max)
        mvg_runner_advance(p->runner, now_ms, collect, p);
    int oom = p->oom, written = 0;
    p->oom = 0;
    int64_t mono = mvg_clock_mono_ms();
    mvg_store_room room;
    if (p->records_failing && p->failed_full) {
        mvg_store_room_get(p->store, &room);
        if (!room.low)
            p->retry_at = mono; /* room again: no reason to wait */
    }
    if (p->npend > 0 && (!p->records_failing || mono >= p->retry_at)) {
        written = write_pending(p, done, user, err, errlen);
        if (written < 0) {
            snprintf(p->why, sizeof p->why, "%s", err);
            p->records_failing = 1;
            mvg_store_room_get(p->store, &room);
            p->failed_full = room.low;
            p->retry_at = mono + p->opts.retry_ms;
            written = 0;
        } else {
            if (p->records_failing)
                p->watch.waited += (uint64_t)written;
            /* the store takes writes again: the next poll's samples will too */
            p->records_failing = p->samples_failing = 0;
        }
    }
    room_update(p);
    if (oom) {
        snprintf(err, errlen, "out of memory: an interval result was lost before its record");
        return -1;
    }
    return written;
}

size_t mvg_pipeline_waiting(const mvg_pipeline *p)
{
    return p->records_failing ? p->npend : 0;
}

static room_state room_now(mvg_pipeline *p, mvg_store_room *room)
{
    mvg_store_room_get(p->store, room);
    if (room->low || (p->records_failing && p->failed_full))
        return ROOM_FULL;
    return p->records_failing || p->samples_failing ? ROOM_FAILING : ROOM_OK;
}

static const char *room_name(room_state s)
{
    return s == ROOM_FULL ? "full" : s == ROOM_FAILING ? "failing" : "ok";
}

static void format_mb(int64_t bytes, char *buf, size_t len)
{
    snprintf(buf, len, "%.2f MB", (double)bytes / 1048576.0);
}

/* Logs the store's state when it changed (pipeline.h), and once when the
 * waiting records reach the bound. */
static void room_update(mvg_pipeline *p)
{
    room_watch *w = &p->watch;
    mvg_store_room room;
    room_state now = room_now(p, &room);
    size_t waiting = mvg_pipeline_waiting(p);
    if (waiting > w->most_waiting)
        w->most_waiting = waiting;
    if (now == w->state) {
        if (now != ROOM_OK && !w->held_logged && p->npend >= p->opts.pending_max) {
            mvg_log(MVG_LOG_WARN,
                    "store %s: %zu interval records wait in memory, the most it keeps: the "
                    "engine closes no further interval until they are written (nothing is "
                    "dropped; the open intervals go on collecting the polls)",
                    room_name(now), p->npend);
            w->held_logged = 1;
        }
        return;
    }
    char freeb[32], reserve[32];
    format_mb(room.free_bytes, freeb, sizeof freeb);
    format_mb(room.reserve_bytes, reserve, sizeof reserve);
    uint64_t samples = room.samples_refused - w->samples0,
             telemetry = room.telemetry_refused - w->telemetry0;
    if (now == ROOM_OK) {
        mvg_log(MVG_LOG_NOTICE,
                "store writing again after %lld s %s: %llu interval records waited and are "
                "stored now (at most %zu at once); %llu samples and %llu telemetry entries were "
                "not stored",
                (long long)((mvg_clock_mono_ms() - w->since_mono) / 1000), room_name(w->state),
                (unsigned long long)w->waited, w->most_waiting, (unsigned long long)samples,
                (unsigned long long)telemetry);
        p->why[0] = '\0';
        *w = (room_watch){.state = ROOM_OK};
        return;
    }
    if (w->state == ROOM_OK) {
        *w = (room_watch){.since_ms = mvg_clock_real_ms(), .since_mono = mvg_clock_mono_ms(),
                          .samples0 = room.samples_refused,
                          .telemetry0 = room.telemetry_refused, .most_waiting = waiting};
    }
    w->state = now;
    if (now == ROOM_FULL)
        mvg_log(MVG_LOG_WARN,
                "store full: %s free on the filesystem of %s (store.reserve_mb %s)%s%s: raw "
                "samples and telemetry are not stored; interval records are while they fit and "
                "else wait in memory until there is room (docs/store.md \"Full disk\")",
                room.free_bytes < 0 ? "?" : freeb, p->db_path, reserve, p->why[0] ? "; " : "",
                p->why);
    else
        mvg_log(MVG_LOG_ERR,
                "store failing: %s: interval records wait in memory and are written when the "
                "store takes them again (docs/store.md \"Full disk\")",
                p->why[0] ? p->why : "?");
}

void mvg_pipeline_store_state_get(mvg_pipeline *p, mvg_pipeline_store_state *out)
{
    room_state now = room_now(p, &out->room);
    out->state = room_name(now);
    out->why = now == ROOM_OK ? "" : p->why;
    out->since_ms = now == ROOM_OK ? 0 : p->watch.since_ms;
    out->records_waiting = mvg_pipeline_waiting(p);
    out->engine_held = p->npend >= p->opts.pending_max;
}

/* ---- status -------------------------------------------------------------- */

static void watch_drops(drop_watch *w, const char *pub, const mvg_outbox_stats *o, int64_t now)
{
    uint64_t all = 0, tel = o->dropped[MVG_OUT_TELEMETRY];
    for (int c = 0; c <= MVG_OUT_INTERVAL; c++)
        all += o->dropped[c];
    if (!w->looked) {
        /* drops before this start are in the status (unacknowledged), not news */
        *w = (drop_watch){.looked = 1, .seen = all, .seen_tel = tel, .logged = all,
                          .logged_tel = tel};
        return;
    }
    if (all > w->seen) {
        w->last_drop_ms = now;
        if (!w->dropping || now - w->logged_ms >= DROP_LOG_EVERY_MS) {
            mvg_log(MVG_LOG_WARN,
                    "%s outbox full (store.outbox_max_entries / outbox_max_mb): %llu entries "
                    "dropped (%llu telemetry) %s; mvgate status reports them until mvgate "
                    "outbox ack-drops",
                    pub, (unsigned long long)(all - w->logged),
                    (unsigned long long)(tel - w->logged_tel),
                    w->dropping ? "in the last 60 s" : "since the last look");
            w->dropping = 1;
            w->logged = all;
            w->logged_tel = tel;
            w->logged_ms = now;
        }
    } else if (w->dropping && now - w->last_drop_ms >= DROP_LOG_EVERY_MS) {
        mvg_log(MVG_LOG_NOTICE, "%s outbox: no more drops for 60 s (%llu more since the last line)",
                pub, (unsigned long long)(all - w->logged));
        w->dropping = 0;
        w->logged = all;
        w->logged_tel = tel;
    }
    w->seen = all;
    w->seen_tel = tel;
}

int mvg_pipeline_figures(mvg_pipeline *p, struct mvg_status_input *in, char *err, size_t errlen)
{
    in->engine_rejected = mvg_runner_rejected(p->runner);
    mvg_pipeline_store_state st;
    mvg_pipeline_store_state_get(p, &st);
    in->store_state = st.state;
    in->store_why = st.why;
    in->store_since_ms = st.since_ms;
    in->records_waiting = st.records_waiting;
    in->engine_held = st.engine_held;
    in->room = st.room;
    in->npublishers = 0;
    const char *pubs[] = {"mqtt", "influx"};
    int on[] = {p->opts.mqtt, p->opts.influx};
    for (size_t i = 0; i < 2; i++) {
        if (!on[i])
            continue;
        size_t k = in->npublishers++;
        in->publisher[k] = pubs[i];
        if (mvg_store_outbox_stats(p->store, pubs[i], &in->outbox[k], err, errlen) != 0)
            return -1;
        watch_drops(&p->drops[i], pubs[i], &in->outbox[k], mvg_clock_mono_ms());
    }
    return 0;
}

int mvg_pipeline_put_status(mvg_pipeline *p, const char *json, char *err, size_t errlen)
{
    if (mvg_store_begin(p->store, err, errlen) != 0)
        return -1;
    int rc = mvg_store_put_meta(p->store, "status", json, err, errlen);
    if (rc == 0 && p->opts.mqtt) {
        mvg_mqtt_route r = mvg_mqtt_topics_route(MVG_MQTT_STATUS, NULL);
        mvg_store_out out = mqtt_out(&r, json, strlen(json));
        rc = mvg_store_add_outbox(p->store, &out, 1, err, errlen);
    }
    if (rc == 0)
        rc = mvg_store_commit(p->store, err, errlen);
    else
        mvg_store_rollback(p->store);
    return rc;
}

int mvg_pipeline_store_status(mvg_pipeline *p, mvg_store_status *out, char *err, size_t errlen)
{
    return mvg_store_get_status(p->store, out, err, errlen);
}

uint64_t mvg_pipeline_hold(mvg_pipeline *p, int hold)
{
    if (hold && !p->hold)
        p->held = 0;
    p->hold = hold;
    return p->held;
}

int mvg_pipeline_clock_step(mvg_pipeline *p, int64_t to_ms, int64_t skip_ms, char *err,
                            size_t errlen)
{
    if (skip_ms <= 0)
        return 0;
    mvg_runner_clock_step(p->runner, to_ms - skip_ms, to_ms);
    p->step_to_ms = to_ms;
    p->step_ms += skip_ms;
    /* Durable now, not only with the step's record a moment later: a
     * restart from a checkpoint without the step would see the jumped
     * clock as plain time and emit an empty record per interval the step
     * skipped. Mid-interval is fine: a checkpoint holds the engine as fed
     * up to each device's high water, and the restore replays the rest.
     * Records waiting for the store must come first (a checkpoint never
     * claims an interval whose record is not stored): they carry the step
     * in the checkpoint written with them. */
    int rc = mvg_store_begin(p->store, err, errlen);
    int began = rc == 0;
    if (rc == 0)
        rc = put_step(p, err, errlen);
    if (rc == 0 && p->npend == 0)
        rc = write_checkpoint(p, to_ms - skip_ms, err, errlen);
    if (rc == 0)
        rc = mvg_store_commit(p->store, err, errlen);
    else if (began)
        mvg_store_rollback(p->store);
    return rc == 0 ? 0 : -1;
}

int mvg_pipeline_maintain(mvg_pipeline *p, int64_t now_ms, char *err, size_t errlen)
{
    int64_t retention_ms = p->opts.store.sample_max_age_ms;
    if (p->step_ms > 0 && retention_ms > 0 && now_ms - retention_ms < p->step_to_ms)
        /* samples older than the step could still be inside the retention
         * window: prune as if the clock had not stepped. Once the window
         * lies after the step, nothing before it is young enough to keep. */
        now_ms -= p->step_ms;
    else if (p->step_ms) {
        p->step_ms = 0;
        save_step(p);
    }
    return mvg_store_prune(p->store, now_ms, NULL, err, errlen);
}
