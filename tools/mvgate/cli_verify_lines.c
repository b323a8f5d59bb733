/*
 * cli_verify_lines.c: the two line formats `mvgate verify` reads
 * (cli_verify_lines.h).
 */
#include "cli_verify_lines.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_topics.h"

/* A head record, to the heads (made at the first). */
static int add_head(mvg_cli_verify_input *in, const char *bytes, size_t n, const char *hint,
                    int64_t head_hint)
{
    if (!in->heads && !(in->heads = mvg_cli_heads_new()))
        return -1;
    return mvg_cli_heads_add(in->heads, bytes, n, hint, head_hint, in->chained.n);
}

/* An export line: the record is everything after "record": up to the
 * line's final '}'; the project comes from the envelope before it. */
int mvg_cli_verify_export_line(mvg_cli_verify_input *in, char *line, size_t len, const char *file,
                               size_t lineno)
{
    static const char tag[] = ",\"record\":";
    char *r = strstr(line, tag);
    if (!r || len < 2 || line[len - 1] != '}') {
        fprintf(stderr, "mvgate verify: %s:%zu: not a record export line (no \"record\")\n",
                file, lineno);
        return -1;
    }
    char *bytes = r + sizeof tag - 1;
    size_t n = (size_t)(line + len - 1 - bytes);
    *r = '}';
    json_t *env = json_loadb(line, (size_t)(r - line) + 1, 0, NULL);
    *r = ',';
    const char *hint = json_string_value(json_object_get(env, "project"));
    const char *kind = json_string_value(json_object_get(env, "kind"));
    if (kind && strcmp(kind, "head") == 0) {
        json_t *pos = json_object_get(env, "chain");
        int rc = add_head(in, bytes, n, hint, json_is_integer(pos) ? json_integer_value(pos) : 0);
        json_decref(env);
        return rc;
    }
    int rc = mvg_cli_chain_list_add(&in->chained, bytes, n, hint);
    if (rc == 0) {
        mvg_chain_item *it = &in->chained.items[in->chained.n - 1];
        it->kind_hint =
            mvg_chain_kind_from_word(json_string_value(json_object_get(env, "kind")));
        json_t *chain = json_object_get(env, "chain");
        it->chain_hint = json_is_integer(chain) ? json_integer_value(chain) : 0;
    }
    json_decref(env);
    return rc;
}

/* The kind of record a chained topic carries. */
static mvg_chain_kind topic_kind(mvg_mqtt_doc doc)
{
    switch (doc) {
    case MVG_MQTT_INTERVAL: return MVG_CHAIN_INTERVAL;
    case MVG_MQTT_MODEL: return MVG_CHAIN_MODEL;
    case MVG_MQTT_KEY: return MVG_CHAIN_KEY;
    case MVG_MQTT_NEWCHAIN: return MVG_CHAIN_NEWCHAIN;
    case MVG_MQTT_DEFINITION: return MVG_CHAIN_DEFINITION;
    default: return MVG_CHAIN_UNKNOWN;
    }
}

/* A `mosquitto_sub -v` line: "topic payload"; 1 when its topic carries
 * neither chained records nor totals. */
int mvg_cli_verify_capture_line(mvg_cli_verify_input *in, char *line, size_t len)
{
    char *sp = memchr(line, ' ', len);
    mvg_mqtt_topic t;
    if (!sp || mvg_mqtt_topics_parse(line, (size_t)(sp - line), &t) != 0)
        return 1;
    const char *bytes = sp + 1;
    size_t n = (size_t)(line + len - bytes);
    if (t.doc == MVG_MQTT_TOTALS)
        return mvg_cli_chain_list_add(&in->totals, bytes, n, t.name);
    if (t.doc == MVG_MQTT_HEAD)
        return add_head(in, bytes, n, t.name, 0);
    if (!mvg_mqtt_topics_doc_chained(t.doc))
        return 1;
    if (mvg_cli_chain_list_add(&in->chained, bytes, n, t.name) != 0)
        return -1;
    mvg_chain_item *it = &in->chained.items[in->chained.n - 1];
    it->kind_hint = topic_kind(t.doc);
    it->chain_hint = t.chain;
    return 0;
}

void mvg_cli_verify_input_free(mvg_cli_verify_input *in)
{
    mvg_cli_chain_list_free(&in->chained);
    mvg_cli_chain_list_free(&in->totals);
    mvg_cli_heads_free(in->heads);
    in->heads = NULL;
}
