/*
 * cli_verify_lines.c: the two line formats `mvgate verify` reads
 * (cli_verify_lines.h).
 */
#include "cli_verify_lines.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_topics.h"

/* An export line: the record is everything after "record": up to the
 * line's final '}'; the project comes from the envelope before it. */
int mvg_cli_verify_export_line(mvg_cli_chain_list *in, char *line, size_t len, const char *file,
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
    int rc = mvg_cli_chain_list_add(in, bytes, n, hint);
    json_decref(env);
    return rc;
}

/* A `mosquitto_sub -v` line: "topic payload"; 1 when not a topic of
 * chained records. */
int mvg_cli_verify_capture_line(mvg_cli_chain_list *in, char *line, size_t len)
{
    char *sp = memchr(line, ' ', len);
    if (!sp)
        return 1;
    *sp = '\0';
    char *last = strrchr(line, '/');
    if (!last || last == line || last[1] == '\0')
        return 1;
    *last = '\0';
    char *seg = strrchr(line, '/');
    seg = seg ? seg + 1 : line;
    int chained = mvg_mqtt_topics_chained(seg);
    *last = '/';
    if (!chained)
        return 1;
    char *bytes = sp + 1;
    return mvg_cli_chain_list_add(in, bytes, (size_t)(line + len - bytes), last + 1);
}
