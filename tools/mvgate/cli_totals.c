/*
 * cli_totals.c: totals against their signed interval record (cli_totals.h).
 */
#include "cli_totals.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mvg_cli_totals_of(const char *text, size_t len, char *project, size_t plen, int64_t *seq)
{
    json_t *doc = json_loadb(text, len, 0, NULL);
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    const char *p = json_string_value(json_object_get(doc, "project"));
    json_t *s = json_object_get(doc, "seq");
    int ok = schema && strncmp(schema, "mvgate/totals/", 14) == 0 && p && json_is_integer(s);
    if (ok) {
        snprintf(project, plen, "%s", p);
        *seq = json_integer_value(s);
    }
    json_decref(doc);
    return ok ? 0 : -1;
}

static void value_text(json_t *v, int precision, char *out, size_t len)
{
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(precision))
                : NULL;
    snprintf(out, len, "%s", s ? s : "(absent)");
    if (strlen(out) > 40)
        strcpy(out + 37, "...");
    free(s);
}

/* Every member of a (the totals) must be the same in b (the record). */
static int same(json_t *a, json_t *b, const char *path, char *msg, size_t msglen)
{
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v)
        {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            if (same(v, json_object_get(b, k), sub, msg, msglen) != 0)
                return -1;
        }
        return 0;
    }
    if (a && b && json_equal(a, b))
        return 0;
    /* as a person reads them; in full when that reads the same */
    char ta[48], tb[48];
    value_text(a, 15, ta, sizeof ta);
    value_text(b, 15, tb, sizeof tb);
    if (strcmp(ta, tb) == 0) {
        value_text(a, 17, ta, sizeof ta);
        value_text(b, 17, tb, sizeof tb);
    }
    snprintf(msg, msglen, "%s: totals %s, signed record %s", path, ta, tb);
    return -1;
}

int mvg_cli_totals_check(const char *totals, size_t tlen, const char *record, size_t rlen,
                         char *msg, size_t msglen)
{
    json_t *t = json_loadb(totals, tlen, 0, NULL), *r = json_loadb(record, rlen, 0, NULL);
    int rc = -1;
    if (!t || !r) {
        snprintf(msg, msglen, "%s is not JSON", t ? "the interval record" : "the totals");
        goto out;
    }
    static const char *const top[] = {"gateway", "project", "seq", "phase", "units"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        if (same(json_object_get(t, top[i]), json_object_get(r, top[i]), top[i], msg, msglen))
            goto out;
    if (same(json_object_get(t, "as_of"), json_object_get(r, "end"), "as_of", msg, msglen))
        goto out;
    json_t *ts = json_object_get(t, "streams"), *rs = json_object_get(r, "streams");
    if (!json_is_array(ts) || !json_is_array(rs) || json_array_size(ts) != json_array_size(rs)) {
        snprintf(msg, msglen, "streams: the totals have %zu, the signed record %zu",
                 json_array_size(ts), json_array_size(rs));
        goto out;
    }
    for (size_t i = 0; i < json_array_size(ts); i++) {
        json_t *a = json_array_get(ts, i), *b = json_array_get(rs, i);
        const char *name = json_string_value(json_object_get(a, "name"));
        char path[160];
        snprintf(path, sizeof path, "streams[%s]", name ? name : "?");
        if (same(a, b, path, msg, msglen) != 0)
            goto out;
    }
    rc = 0;
out:
    json_decref(t);
    json_decref(r);
    return rc;
}
