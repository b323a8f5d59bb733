/*
 * fuzz_hub_doc.c: arbitrary bytes through the hub's parse (tools/hub/hub_doc.c)
 * and through jansson's json_loadb, which the rest of the codebase reads
 * records with. Invariant: both accept the same texts as a JSON object
 * (but for the two differences hub_doc.h names: a real number beyond a
 * double's range, which only jansson refuses, and a raw NUL byte, which
 * jansson takes after a number and hub_doc refuses), and what is accepted reads
 * the same: every member jansson sees is there, of the same type, with the
 * same string, integer or double, down the whole tree.
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub_doc.h"

static void same(const json_t *j, const mvg_hub_doc *d, mvg_hub_node n)
{
    mvg_hub_doc_type t = mvg_hub_doc_type_of(d, n);
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (t != MVG_HUB_DOC_OBJECT)
            abort();
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)j, k, v) {
            mvg_hub_node c = mvg_hub_doc_get(d, n, k);
            if (c == MVG_HUB_DOC_NONE)
                abort();
            same(v, d, c);
        }
        break;
    }
    case JSON_ARRAY: {
        if (t != MVG_HUB_DOC_ARRAY || mvg_hub_doc_count(d, n) != json_array_size(j))
            abort();
        mvg_hub_node e = mvg_hub_doc_first(d, n);
        for (size_t i = 0; i < json_array_size(j); i++, e = mvg_hub_doc_next(d, e))
            same(json_array_get(j, i), d, e);
        if (e != MVG_HUB_DOC_NONE)
            abort();
        break;
    }
    case JSON_STRING: {
        const char *s = mvg_hub_doc_str(d, n);
        if (!s || strcmp(s, json_string_value(j)) != 0)
            abort();
        break;
    }
    case JSON_INTEGER: {
        int64_t v;
        if (!mvg_hub_doc_int(d, n, &v) || v != json_integer_value(j))
            abort();
        break;
    }
    case JSON_REAL: {
        int64_t v;
        double x = mvg_hub_doc_num(d, n);
        if (mvg_hub_doc_int(d, n, &v) || !(x == json_real_value(j)))
            abort();
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        if (t != MVG_HUB_DOC_BOOL)
            abort();
        break;
    case JSON_NULL:
        if (t != MVG_HUB_DOC_NULL || n == MVG_HUB_DOC_NONE)
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    mvg_hub_doc *d = mvg_hub_doc_parse((const char *)data, size, NULL, 0);
    if (j && json_is_object(j)) {
        if (!d && !memchr(data, '\0', size))
            abort();
        if (!d)
            goto out;
        same(j, d, mvg_hub_doc_root(d));
    } else if (d && !(!j && strstr(je.text, "real number overflow"))) {
        abort();
    }
out:
    json_decref(j);
    mvg_hub_doc_free(d);
    return 0;
}
