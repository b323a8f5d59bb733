/*
 * cmd_replay.c: `mvgate replay -c FILE --project P [--from T] [--to T]
 * [--time-scale K]`: recomputes every interval record of project P, and the
 * models it froze, from the raw samples in the gateway's store (opened
 * read-only) with the daemon's engine, and compares each with the stored
 * record as parsed JSON, ignoring
 * only the signature members (chain, key, prev, sig: `mvgate verify` checks the
 * chain). A record is rebuilt under the schema version it was stored with
 * (mvg_payload_interval_as), so a store written by an older gateway replays
 * under the rules that wrote it. Exit 0 when all match, 1 on a mismatch, 2 on usage, config or
 * store errors.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_config.h"
#include "commands.h"
#include "sample_groups.h"
#include "config.h"
#include "config_projects.h"
#include "payload.h"
#include "runner.h"
#include "store.h"
#include "vec.h"

#define MAX_SHOWN 10

typedef struct {
    int64_t seq, start_ms, end_ms;
    char *payload;
    int seen;
} stored_rec;

typedef struct {
    const mvg_config *cfg;
    mvg_runner *runner;
    const char *project;
    size_t pidx;
    stored_rec *recs;
    size_t nrecs, cap;
    char **models;             /* stored model records of the project, by version - 1 */
    size_t nmodels, mcap;
    int64_t from, to, until;
    mvg_sample_groups *groups; /* stored samples back into poll responses */
    /* results */
    int64_t matched, mismatched, extra, first_seq, last_seq;
    int64_t models_fitted, models_matched, models_mismatched;
    int shown;
    int oom;
} replay;

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate replay -c FILE --project P [--from T] [--to T] [--time-scale K]\n"
                 "T: ISO 8601 UTC or epoch ms (interval start; from inclusive, to exclusive).\n"
                 "K: the daemon's --time-scale (default 1).\n");
}

static int on_stored(void *user, const char *project, int64_t seq, int64_t start_ms, int64_t end_ms,
                     const char *payload, size_t len)
{
    replay *r = user;
    if (strcmp(project, r->project) != 0)
        return 0;
    stored_rec *n = mvg_vec_reserve(r->recs, r->nrecs, &r->cap, sizeof *n, 256);
    if (!n)
        return -1;
    r->recs = n;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, payload, len);
    copy[len] = '\0';
    r->recs[r->nrecs++] = (stored_rec){seq, start_ms, end_ms, copy, 0};
    if (end_ms > r->until)
        r->until = end_ms;
    return 0;
}

static stored_rec *find_rec(replay *r, int64_t start_ms)
{
    size_t lo = 0, hi = r->nrecs; /* stored in start order */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->recs[mid].start_ms < start_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->nrecs && r->recs[lo].start_ms == start_ms ? &r->recs[lo] : NULL;
}

static void show_value(const json_t *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "(absent)");
    } else if (json_is_real(v)) {
        snprintf(buf, len, "%.17g", json_real_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, len, "%s", s ? s : "?");
        free(s);
    }
}

/* Lists the differing paths under path; returns how many. */
static int diff(const json_t *a, const json_t *b, char *path, size_t plen, int top,
                const char *label, int *shown)
{
    int n = 0;
    size_t at = strlen(path);
    if (a && b && json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            if (top && (!strcmp(k, "chain") || !strcmp(k, "key") || !strcmp(k, "prev") ||
                        !strcmp(k, "sig")))
                continue;
            snprintf(path + at, plen - at, "%s%s", at ? "." : "", k);
            n += diff(v, json_object_get(b, k), path, plen, 0, label, shown);
            path[at] = '\0';
        }
        json_object_foreach((json_t *)b, k, v) {
            if (top && (!strcmp(k, "chain") || !strcmp(k, "key") || !strcmp(k, "prev") ||
                        !strcmp(k, "sig")))
                continue;
            if (json_object_get(a, k))
                continue;
            snprintf(path + at, plen - at, "%s%s", at ? "." : "", k);
            n += diff(NULL, v, path, plen, 0, label, shown);
            path[at] = '\0';
        }
        return n;
    }
    if (a && b && json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < (na > nb ? na : nb); i++) {
            snprintf(path + at, plen - at, "[%zu]", i);
            n += diff(json_array_get(a, i), json_array_get(b, i), path, plen, 0, label, shown);
            path[at] = '\0';
        }
        return n;
    }
    int same;
    if (a && b && json_is_number(a) && json_is_number(b))
        same = json_typeof(a) == json_typeof(b) && json_number_value(a) == json_number_value(b);
    else
        same = a && b && json_equal((json_t *)a, (json_t *)b);
    if (same)
        return 0;
    if (*shown < MAX_SHOWN) {
        char sa[128], sb[128];
        show_value(a, sa, sizeof sa);
        show_value(b, sb, sizeof sb);
        printf("%s: %s: stored %s replayed %s\n", label, path[0] ? path : "(record)", sa, sb);
        (*shown)++;
    }
    return 1;
}

static int on_stored_model(void *user, const char *project, int64_t version, int64_t start_ms,
                           int64_t end_ms, const char *payload, size_t len)
{
    (void)start_ms;
    (void)end_ms;
    replay *r = user;
    if (strcmp(project, r->project) != 0)
        return 0;
    if (version != (int64_t)r->nmodels + 1) {
        printf("model version %lld: stored out of order (expected %zu)\n", (long long)version,
               r->nmodels + 1);
        r->models_mismatched++;
    }
    char **m = mvg_vec_reserve(r->models, r->nmodels, &r->mcap, sizeof *m, 4);
    if (!m)
        return -1;
    r->models = m;
    char *copy = strndup(payload, len);
    if (!copy)
        return -1;
    r->models[r->nmodels++] = copy;
    return 0;
}

/* The models the engine froze with this record, built as the daemon builds
 * them, against the stored record of the same version. */
static void compare_model(replay *r, size_t project, int64_t fitted_at_ms)
{
    int64_t version = ++r->models_fitted;
    mvg_payload_link link = {0, "", "", 0};
    char label[64];
    snprintf(label, sizeof label, "model version %lld", (long long)version);
    if (version > (int64_t)r->nmodels) {
        r->models_mismatched++;
        if (r->shown++ < MAX_SHOWN)
            printf("%s: replay froze a model the store does not hold\n", label);
        return;
    }
    json_error_t je;
    json_t *a = json_loads(r->models[version - 1], 0, &je);
    /* rebuilt under the schema the stored record names: model/1 has no screening */
    const char *schema = a ? json_string_value(json_object_get(a, "schema")) : NULL;
    int sv = schema && strcmp(schema, "mvgate/model/1") == 0 ? 1 : MVG_SCHEMA_MODEL_VERSION;
    char *json = mvg_payload_model_as(sv, r->cfg->gateway.id,
                                      mvg_runner_project(r->runner, project), version,
                                      fitted_at_ms, &link);
    json_t *b = json ? json_loads(json, 0, &je) : NULL;
    free(json);
    char path[512] = "";
    if (!b)
        r->oom = 1;
    else if (!a || diff(a, b, path, sizeof path, 1, label, &r->shown) > 0)
        r->models_mismatched++;
    else
        r->models_matched++;
    json_decref(a);
    json_decref(b);
}

static void on_emit(void *user, size_t project, const mvg_interval_record *rec,
                    const mvg_project_result *res)
{
    replay *r = user;
    if (project == r->pidx && res->fitted_now)
        compare_model(r, project, rec->end_ms);
    if (project != r->pidx || rec->start_ms < r->from || rec->start_ms >= r->to)
        return;
    stored_rec *s = find_rec(r, rec->start_ms);
    char when[40];
    mvg_payload_time(rec->start_ms, when, sizeof when);
    if (!s) {
        r->extra++;
        if (r->shown++ < MAX_SHOWN)
            printf("start %s: replay produced a record the store does not hold\n", when);
        return;
    }
    s->seen = 1;
    size_t nch = 0;
    const char *const *channels = mvg_runner_channels(r->runner, project, &nch);
    json_error_t je;
    json_t *a = json_loads(s->payload, JSON_DECODE_ANY, &je);
    if (!a) {
        r->mismatched++;
        if (r->shown++ < MAX_SHOWN)
            printf("seq %lld (start %s): stored record is not JSON: %s\n", (long long)s->seq,
                   when, je.text);
        return;
    }
    /* rebuilt under the rules of the schema the stored record was written
     * by: a record of an older gateway carries 0 where this one writes null */
    const char *schema = json_string_value(json_object_get(a, "schema"));
    int version = mvg_payload_interval_version(schema);
    if (version < 0) {
        r->mismatched++;
        if (r->shown++ < MAX_SHOWN)
            printf("seq %lld (start %s): stored record has schema %s, which this mvgate cannot "
                   "rebuild (it writes %s)\n",
                   (long long)s->seq, when, schema ? schema : "(none)", MVG_SCHEMA_INTERVAL);
        json_decref(a);
        return;
    }
    /* the definition version is the gateway's record of what was in force,
     * not a figure of the engine: taken as stored */
    json_t *def = json_object_get(a, "definition");
    mvg_payload_link link = {0, "", "", json_is_integer(def) ? json_integer_value(def) : 0};
    const mvg_project_cfg *pc = mvg_project_config(mvg_runner_project(r->runner, project));
    char *json = mvg_payload_interval_as(version, pc, r->cfg->gateway.id, r->project, s->seq, rec,
                                         channels, res, &link);
    json_t *b = json ? json_loads(json, 0, &je) : NULL;
    free(json);
    if (!b) {
        r->oom = 1;
        r->mismatched++;
    } else {
        char path[512] = "", label[96];
        snprintf(label, sizeof label, "seq %lld (start %s)", (long long)s->seq, when);
        if (diff(a, b, path, sizeof path, 1, label, &r->shown) > 0) {
            r->mismatched++;
        } else {
            if (r->matched++ == 0)
                r->first_seq = s->seq;
            r->last_seq = s->seq;
        }
    }
    json_decref(a);
    json_decref(b);
}

static void push_group(void *user, size_t device, int64_t ts, const mvg_sample *samples, size_t n)
{
    replay *r = user;
    /* intervals that ended before this response are complete: emitting
     * them as the samples go keeps the engine's pending state small; never
     * past the last stored record, so no partial interval comes out */
    mvg_runner_advance(r->runner, ts < r->until ? ts : r->until, on_emit, r);
    mvg_runner_push(r->runner, device, samples, n);
}

/* Stored samples fed back grouped per device and timestamp, exactly as
 * mvg_pipeline_restore() feeds them after a crash (sample_groups.h). */
static int on_sample(void *user, const char *device, const char *point, const mvg_sample *s)
{
    replay *r = user;
    long d = mvg_config_find_device(r->cfg, device);
    long k = d < 0 ? -1 : mvg_config_find_point(&r->cfg->devices[d], point);
    return mvg_sample_groups_add(r->groups, d, k, s);
}

int mvg_cmd_replay(int argc, char **argv)
{
    const char *path = NULL, *project = NULL;
    int64_t from = INT64_MIN, to = INT64_MAX;
    double scale = 1;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        {"project", 'p', MVG_ARG_STR, &project, NULL, 1, "P", NULL},
        MVG_ARG_WINDOW(&from, &to),
        {"time-scale", 0, MVG_ARG_POSITIVE, &scale, NULL, 0, NULL, NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("replay", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char err[512] = "";
    int rc = 2;
    replay r = {.cfg = cfg, .project = project, .from = from, .to = to, .until = INT64_MIN};
    mvg_store *st = mvg_cli_open_store("replay", cfg);
    if (!st)
        goto out;
    r.runner = mvg_runner_new(cfg, scale, err, sizeof err);
    if (!r.runner) {
        fprintf(stderr, "mvgate replay: %s\n", err);
        goto out;
    }
    size_t np = mvg_runner_project_count(r.runner);
    for (r.pidx = 0; r.pidx < np; r.pidx++)
        if (!strcmp(mvg_project_config(mvg_runner_project(r.runner, r.pidx))->name, project))
            break;
    if (r.pidx == np) {
        fprintf(stderr, "mvgate replay: %s: no project '%s' in the config\n", path, project);
        goto out;
    }
    if (mvg_store_foreach_interval(st, INT64_MIN, INT64_MAX, on_stored, &r, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate replay: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    if (mvg_store_foreach_model(st, INT64_MIN, INT64_MAX, on_stored_model, &r, err, sizeof err) !=
        0) {
        fprintf(stderr, "mvgate replay: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    if (r.nrecs == 0) {
        fprintf(stderr, "mvgate replay: %s: the store holds no record\n", project);
        goto out;
    }
    r.groups = mvg_sample_groups_new(cfg, push_group, &r);
    if (!r.groups ||
        mvg_store_foreach_sample(st, INT64_MIN, INT64_MAX, on_sample, &r, err, sizeof err) != 0) {
        fprintf(stderr, "mvgate replay: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    mvg_sample_groups_flush(r.groups);
    /* the last stored record ends at until: "ended before now" needs one ms more */
    mvg_runner_advance(r.runner, r.until + 1, on_emit, &r);
    if (r.oom) {
        fprintf(stderr, "mvgate replay: out of memory\n");
        goto out;
    }
    int64_t missing = 0;
    for (size_t i = 0; i < r.nrecs; i++) {
        const stored_rec *s = &r.recs[i];
        if (s->seen || s->start_ms < from || s->start_ms >= to)
            continue;
        missing++;
        if (r.shown++ < MAX_SHOWN) {
            char when[40];
            mvg_payload_time(s->start_ms, when, sizeof when);
            printf("seq %lld (start %s): stored, but replay produced no such interval\n",
                   (long long)s->seq, when);
        }
    }
    /* a stored model the replay did not freeze */
    int64_t models_stored_only = (int64_t)r.nmodels > r.models_fitted
                                     ? (int64_t)r.nmodels - r.models_fitted
                                     : 0;
    for (int64_t v = r.models_fitted + 1; v <= (int64_t)r.nmodels; v++)
        if (r.shown++ < MAX_SHOWN)
            printf("model version %lld: stored, but replay froze no such model\n", (long long)v);
    char models[96] = "";
    if (r.models_fitted || r.nmodels)
        snprintf(models, sizeof models, "; %lld of %zu models match", (long long)r.models_matched,
                 r.nmodels);
    if (r.mismatched || r.extra || missing || r.models_mismatched || models_stored_only) {
        printf("replay: %s: %lld records match, %lld differ, %lld stored only, %lld replayed"
               " only%s\n",
               project, (long long)r.matched, (long long)r.mismatched, (long long)missing,
               (long long)r.extra, models);
        rc = 1;
    } else {
        printf("replay: %s: %lld records match (seq %lld..%lld)%s\n", project,
               (long long)r.matched, (long long)r.first_seq, (long long)r.last_seq, models);
        rc = 0;
    }
out:
    for (size_t i = 0; i < r.nrecs; i++)
        free(r.recs[i].payload);
    free(r.recs);
    for (size_t i = 0; i < r.nmodels; i++)
        free(r.models[i]);
    free(r.models);
    mvg_sample_groups_free(r.groups);
    mvg_runner_free(r.runner);
    mvg_store_close(st);
    mvg_config_free(cfg);
    return rc;
}
