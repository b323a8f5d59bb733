/*
 * cmd_export.c: `mvgate export -c FILE [--from T] [--to T]
 * [--format csv|jsonl] [--what samples|intervals|models|chain|refused]`: writes
 * stored records to stdout from the gateway's database, opened read-only so
 * that it can run next to the daemon. Interval, model and key records are
 * written byte for byte (their signatures must still verify on the copy);
 * `chain` is every signed record of each project in chain order, with the
 * signed head records (kind "head", "chain" the position each names) after
 * the record they name, what `mvgate verify --export` checks; `refused` is every outbox entry a broker
 * or InfluxDB refused and that is kept, parked, for a resend (no window).
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
#include "config.h"
#include "config_projects.h"
#include "payload.h"
#include "store.h"

typedef enum { FMT_CSV, FMT_JSONL } out_format;

typedef struct {
    out_format fmt;
    int header_done;
    FILE *out;
} writer;

static void usage(FILE *out)
{
    fprintf(out, "usage: mvgate export -c FILE [--from T] [--to T] [--format csv|jsonl]\n"
                 "                     [--what samples|intervals|models|chain|refused]\n"
                 "T: ISO 8601 UTC (2026-11-28T10:00:00Z, optional .fff) or epoch ms.\n"
                 "from is inclusive, to exclusive. Default: every interval record, CSV.\n"
                 "chain: every signed record (interval, model, key rotation, new chain,\n"
                 "  definition) of each project in chain order, each head record after\n"
                 "  the record it names (kind head), for mvgate verify --export; a window\n"
                 "  runs from the first interval starting at or after T up to the first at\n"
                 "  or after the --to T.\n"
                 "refused: the outbox entries a broker or InfluxDB refused, kept (parked) with\n"
                 "  the code and reason, until mvgate outbox resend; --from/--to do not apply.\n");
}

/* CSV field: quoted, inner quotes doubled (RFC 4180). */
static void csv_quoted(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* JSON string of a name (names are [A-Za-z0-9_-], but stay safe). */
static void json_name(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, out);
    }
    fputc('"', out);
}

/* A sample's row: value the double (a string point's: its text), raw a
 * 64-bit integer's exact register value (docs/store.md, "Export"). */
static int on_sample(void *user, const char *device, const char *point, const mvg_sample *s)
{
    writer *w = user;
    char when[40], value[40], raw[MVG_SAMPLE_DIGITS];
    mvg_payload_time(s->ts_ms, when, sizeof when);
    if (isfinite(s->value))
        snprintf(value, sizeof value, "%.17g", s->value);
    else
        value[0] = '\0';
    int has_raw = mvg_sample_raw_digits(s, raw) > 0;
    const char *text = s->raw_kind == MVG_RAW_TEXT ? s->text : NULL;
    if (w->fmt == FMT_CSV) {
        if (!w->header_done++)
            fprintf(w->out, "time,ts_ms,device,point,value,raw,quality,exception_code\n");
        fprintf(w->out, "%s,%lld,%s,%s,", when, (long long)s->ts_ms, device, point);
        if (text)
            csv_quoted(w->out, text, strlen(text));
        else
            fputs(value, w->out);
        fprintf(w->out, ",%s,%s,%u\n", raw, mvg_quality_name(s->quality), s->exception_code);
    } else {
        fprintf(w->out, "{\"time\":\"%s\",\"ts_ms\":%lld,\"device\":", when, (long long)s->ts_ms);
        json_name(w->out, device);
        fprintf(w->out, ",\"point\":");
        json_name(w->out, point);
        fprintf(w->out, ",\"value\":");
        if (text)
            json_name(w->out, text); /* printable ASCII: the name writer's escapes suffice */
        else
            fputs(value[0] ? value : "null", w->out);
        if (has_raw)
            fprintf(w->out, ",\"raw\":%s", raw);
        fprintf(w->out, ",\"quality\":\"%s\"", mvg_quality_name(s->quality));
        if (s->quality == MVG_Q_EXCEPTION)
            fprintf(w->out, ",\"exception_code\":%u", s->exception_code);
        fprintf(w->out, "}\n");
    }
    return ferror(w->out) ? -1 : 0;
}

static int write_record(writer *w, const char *key, const char *project, int64_t n,
                        int64_t start_ms, int64_t end_ms, const char *payload, size_t len,
                        int with_end)
{
    char s[40], e[40];
    mvg_payload_time(start_ms, s, sizeof s);
    mvg_payload_time(end_ms, e, sizeof e);
    if (w->fmt == FMT_CSV) {
        if (!w->header_done++)
            fprintf(w->out, with_end ? "project,%s,start,end,record\n" : "project,%s,created,record\n",
                    key);
        fprintf(w->out, "%s,%lld,%s,", project, (long long)n, s);
        if (with_end)
            fprintf(w->out, "%s,", e);
        csv_quoted(w->out, payload, len);
        fputc('\n', w->out);
    } else {
        fprintf(w->out, "{\"project\":");
        json_name(w->out, project);
        fprintf(w->out, ",\"%s\":%lld,\"%s\":\"%s\"", key, (long long)n,
                with_end ? "start" : "created", s);
        if (with_end)
            fprintf(w->out, ",\"end\":\"%s\"", e);
        fprintf(w->out, ",\"record\":");
        fwrite(payload, 1, len, w->out);
        fprintf(w->out, "}\n");
    }
    return ferror(w->out) ? -1 : 0;
}

static int on_interval(void *user, const char *project, int64_t seq, int64_t start_ms,
                       int64_t end_ms, const char *payload, size_t len)
{
    return write_record(user, "seq", project, seq, start_ms, end_ms, payload, len, 1);
}

static int on_model(void *user, const char *project, int64_t version, int64_t start_ms,
                    int64_t end_ms, const char *payload, size_t len)
{
    return write_record(user, "version", project, version, start_ms, end_ms, payload, len, 0);
}

static int on_chained(void *user, const char *project, int64_t chain, const char *kind,
                      const char *payload, size_t len)
{
    writer *w = user;
    if (w->fmt == FMT_CSV) {
        if (!w->header_done++)
            fprintf(w->out, "project,chain,kind,record\n");
        fprintf(w->out, "%s,%lld,%s,", project, (long long)chain, kind);
        csv_quoted(w->out, payload, len);
        fputc('\n', w->out);
    } else {
        fprintf(w->out, "{\"project\":");
        json_name(w->out, project);
        fprintf(w->out, ",\"chain\":%lld,\"kind\":\"%s\",\"record\":", (long long)chain, kind);
        fwrite(payload, 1, len, w->out);
        fprintf(w->out, "}\n");
    }
    return ferror(w->out) ? -1 : 0;
}

static int on_parked(void *user, const mvg_store_parked *e)
{
    writer *w = user;
    char created[40], refused[40];
    mvg_payload_time(e->created_ms, created, sizeof created);
    mvg_payload_time(e->parked_ms, refused, sizeof refused);
    const char *cls = mvg_outbox_class_name(e->cls);
    if (w->fmt == FMT_CSV) {
        if (!w->header_done++)
            fprintf(w->out, "publisher,id,class,topic,created,refused,code,reason,payload\n");
        fprintf(w->out, "%s,%lld,%s,", e->publisher, (long long)e->id, cls);
        csv_quoted(w->out, e->topic, strlen(e->topic));
        fprintf(w->out, ",%s,%s,%d,", created, refused, e->code);
        csv_quoted(w->out, e->reason, strlen(e->reason));
        fputc(',', w->out);
        csv_quoted(w->out, e->payload, e->len);
        fputc('\n', w->out);
    } else {
        json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s%}", "publisher",
                              e->publisher, "id", (json_int_t)e->id, "class", cls, "topic", e->topic,
                              "created", created, "refused", refused, "code", e->code, "reason",
                              e->reason, "payload", e->payload, e->len);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!text)
            return -1;
        fprintf(w->out, "%s\n", text);
        free(text);
    }
    return ferror(w->out) ? -1 : 0;
}

int mvg_cmd_export(int argc, char **argv)
{
    static const char *const formats[] = {"csv", "jsonl", NULL};
    static const char *const whats[] = {"samples", "intervals", "models", "chain", "refused",
                                        NULL};
    const char *path = NULL;
    int64_t from = INT64_MIN, to = INT64_MAX;
    int format = 0, what = 1;
    const mvg_arg args[] = {
        MVG_ARG_CONFIG(&path),
        MVG_ARG_WINDOW(&from, &to),
        {"format", 0, MVG_ARG_CHOICE, &format, formats, 0, NULL, NULL},
        {"what", 0, MVG_ARG_CHOICE, &what, whats, 0, NULL, NULL},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("export", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;
    writer w = {format == 0 ? FMT_CSV : FMT_JSONL, 0, stdout};
    mvg_config *cfg = mvg_cli_load_config(path, NULL);
    if (!cfg)
        return 2;
    char err[512] = "";
    int rc = 2;
    mvg_store *st = mvg_cli_open_store("export", cfg);
    if (!st)
        goto out;
    int r;
    if (what == 0)
        r = mvg_store_foreach_sample(st, from, to, on_sample, &w, err, sizeof err);
    else if (what == 1)
        r = mvg_store_foreach_interval(st, from, to, on_interval, &w, err, sizeof err);
    else if (what == 2)
        r = mvg_store_foreach_model(st, from, to, on_model, &w, err, sizeof err);
    else if (what == 3)
        r = mvg_store_foreach_chained_heads(st, NULL, from, to, on_chained, &w, err, sizeof err);
    else
        r = mvg_store_foreach_parked(st, NULL, on_parked, &w, err, sizeof err);
    if (fflush(stdout) != 0 || r != 0) {
        fprintf(stderr, "mvgate export: %s\n", r != 0 && err[0] ? err : "write error");
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    mvg_store_close(st);
    mvg_config_free(cfg);
    return rc;
}
