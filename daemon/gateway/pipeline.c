/*
 * pipeline.c: polls -> store -> engine -> durable interval records
 * (pipeline.h).
 */
#include "pipeline.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "config_publish.h"
#include "keys.h"
#include "lineproto.h"
#include "log.h"
#include "payload.h"
#include "sample_groups.h"
#include "statefmt.h"
#include "status.h"
#include "store.h"

#define CKPT_MAGIC 0x3154504b43474d56ULL /* "MVGCKPT1" */

/* One completed interval, copied out of the runner's callback (its arrays
 * live only during the callback) until the transaction that stores it. */
typedef struct {
    size_t project;
    mvg_interval_record rec;
    mvg_interval_value *ch;
    mvg_project_result res;
} pending;

struct mvg_pipeline {
    const mvg_config *cfg;
    mvg_runner *runner;
    mvg_pipeline_opts opts;
    mvg_store *store;
    char db_path[MVG_PATH_MAX + 16];
    int64_t **point_ids;   /* [device][point]; 0 = not stored */
    int64_t *high_water;   /* per device: newest sample time fed to the engine */
    uint64_t *polls;       /* per device: polls seen (telemetry every N) */
    mvg_sample **last_sent;/* per device: what MQTT telemetry last carried (change mode only) */
    unsigned char *changed;/* scratch: points to send */
    mvg_store_sample *rows;
    size_t rows_cap;
    pending *pend;
    size_t npend, pend_cap;
    int oom;
    mvg_lp *lp;
    mvg_keys keys;        /* signs the interval records */
};

static void free_ids(mvg_pipeline *p)
{
    for (size_t d = 0; p->point_ids && d < p->cfg->ndevices; d++)
        free(p->point_ids[d]);
    free(p->point_ids);
}

void mvg_pipeline_close(mvg_pipeline *p)
{
    if (!p)
        return;
    for (size_t d = 0; p->last_sent && d < p->cfg->ndevices; d++)
        free(p->last_sent[d]);
    free(p->last_sent);
    free(p->polls);
    free(p->changed);
    free_ids(p);
    free(p->high_water);
    free(p->rows);
    for (size_t i = 0; i < p->npend; i++)
        free(p->pend[i].ch);
    free(p->pend);
    mvg_lp_free(p->lp);
    mvg_store_close(p->store);
    mvg_keys_wipe(&p->keys);
    free(p);
}

/* The public key, retained, so that a subscriber can check the records'
 * signatures without access to the gateway. */
static int publish_identity(mvg_pipeline *p, char *err, size_t errlen)
{
    char *json = mvg_payload_identity(p->cfg->gateway.id, p->keys.pk_b64, p->keys.fingerprint);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mvg_store_out out = {"mqtt", MVG_OUT_MODEL, "identity", json, strlen(json), 1};
    int rc = mvg_store_add_outbox(p->store, &out, 1, err, errlen);
    free(json);
    return rc;
}

/* The fingerprint a key record hands over to (into to), 1; 0 when text is
 * not a key record. */
static int handover_of(const char *text, char to[MVG_CHAIN_FP_LEN])
{
    static const char head[] = "{\"schema\":\"" MVG_SCHEMA_KEY "\"";
    if (!text || strncmp(text, head, sizeof head - 1) != 0)
        return 0;
    json_t *doc = json_loads(text, 0, NULL);
    const char *fp = json_string_value(json_object_get(doc, "new_fingerprint"));
    int ok = fp && strlen(fp) == MVG_CHAIN_FP_LEN - 1;
    if (ok)
        memcpy(to, fp, MVG_CHAIN_FP_LEN);
    json_decref(doc);
    return ok;
}

/* Makes the key a project's chain was handed over to the signing key: the
 * pending next pair (promoted now) or the current files. A pipeline signs
 * with the key it loaded; if a rotation happened after that (a reload
 * that rotated, then failed before taking over), the chain's last record
 * says so and signing on with the old key would break the chain. */
static int take_over_key(mvg_pipeline *p, const char *to, char *err, size_t errlen)
{
    const char *dir = p->cfg->gateway.data_dir;
    mvg_keys k;
    int present = 0, created = 0;
    if (strcmp(p->keys.fingerprint, to) == 0)
        return 0;
    if (mvg_keys_load_next(dir, &k, &present, err, errlen) != 0)
        return -1;
    if (present && strcmp(k.fingerprint, to) == 0) {
        if (mvg_keys_promote_next(dir, &p->keys, err, errlen) != 0) {
            mvg_keys_wipe(&k);
            return -1;
        }
    } else {
        if (present)
            mvg_keys_wipe(&k);
        if (mvg_keys_load_or_create(dir, &k, &created, err, errlen) != 0)
            return -1;
        if (strcmp(k.fingerprint, to) != 0) {
            snprintf(err, errlen,
                     "the signed chain was handed over to key %s, which %s does not hold (it"
                     " holds %s): restore that key",
                     to, dir, k.fingerprint);
            mvg_keys_wipe(&k);
            return -1;
        }
    }
    mvg_log(MVG_LOG_NOTICE, "key rotated: %s signs from now on (was %s)", k.fingerprint,
            p->keys.fingerprint);
    mvg_keys_wipe(&p->keys);
    p->keys = k;
    /* subscribers learn the new key from identity */
    return p->opts.mqtt ? publish_identity(p, err, errlen) : 0;
}

/* The link of project's next chained record (position and prev hash),
 * read inside the caller's transaction, so records of one batch chain to
 * each other and a restart chains to what is on disk. *last (may be NULL)
 * gets the previous record's text (the caller frees it). follow_handover:
 * when that record hands the chain over to another key, sign with that key
 * from now on (take_over_key). */
static int next_link(mvg_pipeline *p, const char *project, int64_t *chain,
                     char prev[MVG_CHAIN_HEX_LEN], char **last_out, int follow_handover,
                     char *err, size_t errlen)
{
    char *last = NULL;
    size_t last_len = 0;
    int64_t last_chain = 0;
    if (mvg_store_last_chained(p->store, project, &last, &last_len, &last_chain, err, errlen) != 0)
        return -1;
    char to[MVG_CHAIN_FP_LEN];
    if (follow_handover && handover_of(last, to) && strcmp(to, p->keys.fingerprint) != 0 &&
        take_over_key(p, to, err, errlen) != 0) {
        free(last);
        return -1;
    }
    if (last)
        mvg_chain_hash_hex(last, last_len, prev);
    else
        mvg_chain_zero_prev(prev);
    *chain = last_chain + 1;
    if (last_out)
        *last_out = last;
    else
        free(last);
    return 0;
}

/* Signs an unsigned record built by payload.c (freed here); NULL when out
 * of memory. */
static char *sign_record(mvg_pipeline *p, char *unsigned_json, size_t *len)
{
    char *json = unsigned_json
                     ? mvg_chain_sign(unsigned_json, strlen(unsigned_json), p->keys.sk, len)
                     : NULL;
    free(unsigned_json);
    return json;
}

/* A pending rotation (mvgate key rotate): every configured project's chain
 * gets a key record signed by the outgoing key, in one transaction; then
 * the next key's files replace the current ones and it signs from here on.
 * A crash between the two is finished at the next start: a project whose
 * chain already ends with the handover is not written again. */
static int apply_rotation(mvg_pipeline *p, char *err, size_t errlen)
{
    mvg_keys next;
    int present = 0;
    if (mvg_keys_load_next(p->cfg->gateway.data_dir, &next, &present, err, errlen) != 0)
        return -1;
    if (!present)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    int rc = mvg_store_begin(p->store, err, errlen);
    for (size_t i = 0; rc == 0 && i < mvg_runner_project_count(p->runner); i++) {
        const char *name = mvg_project_config(mvg_runner_project(p->runner, i))->name;
        char prev[MVG_CHAIN_HEX_LEN], *last = NULL;
        int64_t chain = 0;
        /* every key record of one rotation is signed by the outgoing key */
        rc = next_link(p, name, &chain, prev, &last, 0, err, errlen);
        char to[MVG_CHAIN_FP_LEN];
        /* written before a crash stopped the key files' promotion */
        int done = rc == 0 && handover_of(last, to) && strcmp(to, next.fingerprint) == 0;
        free(last);
        if (rc != 0 || done)
            continue;
        mvg_payload_link link = {chain, p->keys.fingerprint, prev};
        size_t len = 0;
        char *json = sign_record(p,
                                 mvg_payload_key_record(p->cfg->gateway.id, name, now_ms,
                                                        next.pk_b64, next.fingerprint, &link),
                                 &len);
        if (!json) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        char topic[MVG_NAME_MAX + 16];
        snprintf(topic, sizeof topic, "key/%s", name);
        mvg_store_out out = {"mqtt", MVG_OUT_INTERVAL, topic, json, len, 0};
        rc = mvg_store_add_key_record(p->store, name, chain, json, len, &out,
                                      p->opts.mqtt ? 1 : 0, err, errlen);
        free(json);
    }
    if (rc == 0)
        rc = mvg_store_commit(p->store, err, errlen);
    else
        mvg_store_rollback(p->store);
    char to[MVG_CHAIN_FP_LEN];
    memcpy(to, next.fingerprint, sizeof to);
    mvg_keys_wipe(&next);
    if (rc == 0)
        rc = take_over_key(p, to, err, errlen);
    return rc;
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
    if (mvg_store_path(cfg->gateway.data_dir, p->db_path, sizeof p->db_path) != 0) {
        snprintf(err, errlen, "data_dir '%s' is too long", cfg->gateway.data_dir);
        goto fail;
    }
    mvg_store_opts so = p->opts.store;
    so.gateway_id = cfg->gateway.id;
    p->store = mvg_store_open(p->db_path, &so, err, errlen);
    if (!p->store)
        goto fail;
    int created = 0;
    if (mvg_keys_load_or_create(cfg->gateway.data_dir, &p->keys, &created, err, errlen) != 0 ||
        apply_rotation(p, err, errlen) != 0)
        goto fail;
    if (p->opts.mqtt && publish_identity(p, err, errlen) != 0)
        goto fail;
    p->point_ids = calloc(cfg->ndevices + 1, sizeof *p->point_ids);
    p->high_water = calloc(cfg->ndevices + 1, sizeof *p->high_water);
    p->polls = calloc(cfg->ndevices + 1, sizeof *p->polls);
    p->last_sent = calloc(cfg->ndevices + 1, sizeof *p->last_sent);
    p->lp = mvg_lp_new();
    if (!p->point_ids || !p->high_water || !p->polls || !p->last_sent || !p->lp) {
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
            for (size_t k = 0; k < dev->npoints; k++)
                p->last_sent[d][k].quality = MVG_Q_STALE; /* nothing sent yet: the first poll goes */
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

const char *mvg_pipeline_db_path(const mvg_pipeline *p) { return p->db_path; }

const char *mvg_pipeline_key_fingerprint(const mvg_pipeline *p) { return p->keys.fingerprint; }

void mvg_pipeline_adopt_marks(mvg_pipeline *p, const mvg_pipeline *from)
{
    for (size_t d = 0; d < p->cfg->ndevices; d++) {
        long k = mvg_config_find_device(from->cfg, p->cfg->devices[d].name);
        if (k >= 0)
            p->high_water[d] = from->high_water[k];
    }
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
    mvg_sample_groups *groups;
    int64_t count;
} replay_ctx;

/* A stored poll response back into the engine, as the live poll fed it. */
static void push_group(void *user, size_t device, int64_t ts, const mvg_sample *samples, size_t n)
{
    replay_ctx *c = user;
    mvg_runner_push(c->p->runner, device, samples, n);
    if (ts > c->p->high_water[device])
        c->p->high_water[device] = ts;
}

static int replay_one(void *user, const char *device, const char *point, const mvg_sample *s)
{
    replay_ctx *c = user;
    long d = mvg_config_find_device(c->p->cfg, device);
    if (d < 0 || s->ts_ms <= c->p->high_water[d])
        return 0; /* a device no longer configured, or already in the checkpoint */
    long k = mvg_config_find_point(&c->p->cfg->devices[d], point);
    if (k < 0)
        return 0;
    c->count++;
    return mvg_sample_groups_add(c->groups, d, k, s);
}

/* Feeds the stored samples from from_ms on; 0 or -1. */
static int replay_from(mvg_pipeline *p, int64_t from_ms, int64_t *replayed, char *err,
                       size_t errlen)
{
    replay_ctx c = {.p = p};
    c.groups = mvg_sample_groups_new(p->cfg, push_group, &c);
    if (!c.groups) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = mvg_store_foreach_sample(p->store, from_ms, INT64_MAX, replay_one, &c, err, errlen);
    mvg_sample_groups_flush(c.groups);
    mvg_sample_groups_free(c.groups);
    *replayed = c.count;
    return rc == 0 ? 0 : -1;
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

/* Which points of this poll MQTT telemetry carries; 0 when none. */
static size_t telemetry_pick(mvg_pipeline *p, const mvg_sample_batch *b)
{
    size_t d = b->device, n = 0;
    uint64_t poll = p->polls[d]++;
    for (size_t i = 0; i < b->n; i++) {
        const mvg_sample *s = &b->samples[i];
        int send;
        if (p->opts.telemetry_mode == MVG_TELEMETRY_OFF) {
            send = 0;
        } else if (p->opts.telemetry_mode == MVG_TELEMETRY_EVERY) {
            send = poll % (uint64_t)(p->opts.telemetry_every > 0 ? p->opts.telemetry_every : 1) == 0;
        } else {
            mvg_sample *last = &p->last_sent[d][i];
            send = s->quality != last->quality ||
                   (s->quality == MVG_Q_GOOD &&
                    !(fabs(s->value - last->value) <= p->opts.deadband * fabs(last->value)));
            if (send)
                *last = *s;
        }
        p->changed[i] = (unsigned char)send;
        n += (size_t)send;
    }
    return n;
}

static int add_telemetry(mvg_pipeline *p, const mvg_device_cfg *dev, const mvg_sample_batch *b,
                         char *err, size_t errlen)
{
    mvg_store_out outs[2];
    size_t n = 0;
    char *json = NULL;
    char topic[MVG_NAME_MAX + 16];
    if (p->opts.mqtt && telemetry_pick(p, b) > 0) {
        json = mvg_payload_telemetry(p->cfg->gateway.id, dev, b, p->changed);
        if (!json) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        snprintf(topic, sizeof topic, "telemetry/%s", dev->name);
        outs[n++] = (mvg_store_out){"mqtt", MVG_OUT_TELEMETRY, topic, json, strlen(json), 0};
    }
    if (p->opts.influx && p->opts.influx_telemetry) {
        mvg_lp_clear(p->lp);
        for (size_t i = 0; i < b->n; i++) {
            const mvg_sample *s = &b->samples[i];
            mvg_lp_begin(p->lp, "mvgate_sample");
            mvg_lp_tag(p->lp, "gateway", p->cfg->gateway.id);
            mvg_lp_tag(p->lp, "device", dev->name);
            mvg_lp_tag(p->lp, "point", dev->points[i].name);
            mvg_lp_field_double(p->lp, "value", s->value);
            mvg_lp_field_string(p->lp, "quality", mvg_quality_name(s->quality));
            mvg_lp_end(p->lp, s->ts_ms);
        }
        size_t len = 0;
        const char *lines = mvg_lp_data(p->lp, &len);
        if (len)
            outs[n++] = (mvg_store_out){"influx", MVG_OUT_TELEMETRY, "", lines, len, 0};
    }
    int rc = n ? mvg_store_add_outbox(p->store, outs, n, err, errlen) : 0;
    free(json);
    return rc;
}

int mvg_pipeline_batch(mvg_pipeline *p, const mvg_sample_batch *b, char *err, size_t errlen)
{
    if (b->device >= p->cfg->ndevices || b->n != p->cfg->devices[b->device].npoints) {
        snprintf(err, errlen, "a poll that does not match the configuration");
        return -1;
    }
    const mvg_device_cfg *dev = &p->cfg->devices[b->device];
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (p->point_ids[b->device][i])
            p->rows[n++] = (mvg_store_sample){p->point_ids[b->device][i], b->samples[i]};
    /* a poll with nothing to keep costs no transaction */
    int rc = n || p->opts.mqtt || p->opts.influx ? mvg_store_begin(p->store, err, errlen) : 1;
    if (rc == 0) {
        rc = n ? mvg_store_add_samples(p->store, p->rows, n, err, errlen) : 0;
        if (rc == 0)
            rc = add_telemetry(p, dev, b, err, errlen);
        if (rc == 0)
            rc = mvg_store_commit(p->store, err, errlen);
        if (rc != 0)
            mvg_store_rollback(p->store);
    }
    if (rc > 0)
        rc = 0;
    /* the engine still gets the poll: a full disk must not stop the savings */
    mvg_runner_push(p->runner, b->device, b->samples, b->n);
    for (size_t i = 0; i < b->n; i++)
        if (b->samples[i].ts_ms > p->high_water[b->device])
            p->high_water[b->device] = b->samples[i].ts_ms;
    return rc;
}

/* ---- intervals --------------------------------------------------------- */

static void collect(void *user, size_t project, const mvg_interval_record *rec,
                    const mvg_project_result *res)
{
    mvg_pipeline *p = user;
    if (p->npend == p->pend_cap) {
        size_t cap = p->pend_cap ? 2 * p->pend_cap : 8;
        pending *np = realloc(p->pend, cap * sizeof *np);
        if (!np) {
            p->oom = 1;
            return;
        }
        p->pend = np;
        p->pend_cap = cap;
    }
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

static int interval_lines(mvg_pipeline *p, const char *project, int64_t seq,
                          const mvg_project_result *res)
{
    mvg_lp_clear(p->lp);
    for (size_t s = 0; s < res->nstreams; s++) {
        const mvg_stream_result *r = &res->streams[s];
        mvg_lp_begin(p->lp, "mvgate_interval");
        mvg_lp_tag(p->lp, "gateway", p->cfg->gateway.id);
        mvg_lp_tag(p->lp, "project", project);
        mvg_lp_tag(p->lp, "stream", r->name);
        mvg_lp_field_int(p->lp, "seq", seq);
        mvg_lp_field_string(p->lp, "phase", mvg_project_phase_name(res->phase));
        mvg_lp_field_bool(p->lp, "valid", r->valid);
        mvg_lp_field_double(p->lp, "coverage", r->coverage);
        mvg_lp_field_double(p->lp, "actual", r->actual);
        mvg_lp_field_double(p->lp, "adjusted_baseline", r->adjusted_baseline);
        mvg_lp_field_double(p->lp, "savings", r->savings);
        mvg_lp_field_double(p->lp, "cum_savings", r->cum_savings);
        mvg_lp_field_double(p->lp, "fsu", r->fsu);
        mvg_lp_field_double(p->lp, "cum_tj", r->cum_conv.tj);
        mvg_lp_field_double(p->lp, "cum_co2_t", r->cum_conv.co2_t);
        mvg_lp_field_double(p->lp, "cum_cost_hkd", r->cum_conv.cost_hkd);
        mvg_lp_end(p->lp, res->end_ms);
    }
    return 0;
}

static int store_model(mvg_pipeline *p, const mvg_project *prj, const char *name,
                       int64_t fitted_at_ms, char *err, size_t errlen)
{
    char *old = NULL;
    int64_t version = 0;
    if (mvg_store_get_model(p->store, name, &old, &version, err, errlen) != 0)
        return -1;
    free(old);
    char prev[MVG_CHAIN_HEX_LEN];
    int64_t chain = 0;
    if (next_link(p, name, &chain, prev, NULL, 1, err, errlen) != 0)
        return -1;
    mvg_payload_link link = {chain, p->keys.fingerprint, prev};
    size_t len = 0;
    char *json = sign_record(
        p, mvg_payload_model(p->cfg->gateway.id, prj, version + 1, fitted_at_ms, &link), &len);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char topic[MVG_NAME_MAX + 16];
    snprintf(topic, sizeof topic, "model/%s", name);
    mvg_store_out out = {"mqtt", MVG_OUT_MODEL, topic, NULL, 0, 1};
    int64_t got = 0;
    int rc = mvg_store_add_model(p->store, name, json, len, chain, &out, p->opts.mqtt ? 1 : 0,
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
    char prev[MVG_CHAIN_HEX_LEN];
    int64_t chain = 0;
    if (next_link(p, name, &chain, prev, NULL, 1, err, errlen) != 0)
        return -1;
    mvg_payload_link link = {chain, p->keys.fingerprint, prev};
    size_t json_len = 0;
    char *json = sign_record(p,
                             mvg_payload_interval(p->cfg->gateway.id, name, seq, &e->rec, channels,
                                                  &e->res, &link),
                             &json_len);
    char *totals = mvg_payload_totals(p->cfg->gateway.id, name, seq, &e->res);
    int rc = -1;
    if (!json || !totals) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    char t_interval[MVG_NAME_MAX + 16], t_totals[MVG_NAME_MAX + 16];
    snprintf(t_interval, sizeof t_interval, "interval/%s", name);
    snprintf(t_totals, sizeof t_totals, "totals/%s", name);
    mvg_store_out outs[3];
    size_t n = 0;
    if (p->opts.mqtt) {
        outs[n++] = (mvg_store_out){"mqtt", MVG_OUT_INTERVAL, t_interval, NULL, 0, 0};
        outs[n++] = (mvg_store_out){"mqtt", MVG_OUT_TOTALS, t_totals, totals, strlen(totals), 1};
    }
    if (p->opts.influx) {
        interval_lines(p, name, seq, &e->res);
        size_t len = 0;
        const char *lines = mvg_lp_data(p->lp, &len);
        if (len)
            outs[n++] = (mvg_store_out){"influx", MVG_OUT_INTERVAL, "", lines, len, 0};
    }
    mvg_store_interval rec = {name, seq, e->rec.start_ms, e->rec.end_ms, json, json_len, chain};
    rc = mvg_store_add_interval(p->store, &rec, outs, n, err, errlen);
    *seq_out = seq;
    /* the models frozen with this record: stored (versioned) and retained
     * on model/<project>, in the same transaction */
    if (rc == 0 && e->res.fitted_now)
        rc = store_model(p, prj, name, e->rec.end_ms, err, errlen);
out:
    free(json);
    free(totals);
    return rc;
}

int mvg_pipeline_advance(mvg_pipeline *p, int64_t now_ms, mvg_pipeline_record_fn done, void *user,
                         char *err, size_t errlen)
{
    mvg_runner_advance(p->runner, now_ms, collect, p);
    int rc = 0, written = 0;
    int64_t *seqs = NULL;
    if (p->oom) {
        snprintf(err, errlen, "out of memory: interval records lost until a restart");
        rc = -1;
    } else if (p->npend > 0) {
        seqs = calloc(p->npend, sizeof *seqs);
        rc = seqs ? mvg_store_begin(p->store, err, errlen) : -1;
        for (size_t i = 0; rc == 0 && i < p->npend; i++)
            rc = store_one(p, &p->pend[i], &seqs[i], err, errlen);
        /* the engine state after these records, in the same transaction: a
         * restart resumes exactly after the last stored record */
        if (rc == 0)
            rc = write_checkpoint(p, p->pend[p->npend - 1].rec.end_ms, err, errlen);
        if (rc == 0)
            rc = mvg_store_commit(p->store, err, errlen);
        else if (seqs)
            mvg_store_rollback(p->store);
        if (rc == 0) {
            written = (int)p->npend;
            for (size_t i = 0; done && i < p->npend; i++)
                done(user, p->pend[i].project, seqs[i], &p->pend[i].rec, &p->pend[i].res);
        }
    }
    free(seqs);
    for (size_t i = 0; i < p->npend; i++)
        free(p->pend[i].ch);
    p->npend = 0;
    p->oom = 0;
    return rc == 0 ? written : -1;
}

/* ---- status -------------------------------------------------------------- */

int mvg_pipeline_figures(mvg_pipeline *p, struct mvg_status_input *in, char *err, size_t errlen)
{
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
    }
    return 0;
}

int mvg_pipeline_put_status(mvg_pipeline *p, const char *json, char *err, size_t errlen)
{
    if (mvg_store_begin(p->store, err, errlen) != 0)
        return -1;
    int rc = mvg_store_put_meta(p->store, "status", json, err, errlen);
    if (rc == 0 && p->opts.mqtt) {
        mvg_store_out out = {"mqtt", MVG_OUT_STATUS, "status", json, strlen(json), 1};
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

int mvg_pipeline_maintain(mvg_pipeline *p, int64_t now_ms, char *err, size_t errlen)
{
    return mvg_store_prune(p->store, now_ms, NULL, err, errlen);
}
