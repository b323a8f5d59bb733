/*
 * config_scan.c: the devices list of a configuration's text, found and cut
 * into chunks by libconfig's lexical rules (config_scan.h). It only has to
 * find brackets, commas and one name outside strings and comments: libconfig
 * parses every chunk afterwards, and the loader reads the whole file again
 * when a chunk does not parse, so a scan that is fooled costs time, never a
 * different answer.
 */
#include "config_scan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define SCAN_FAIL ((size_t)-1)

static int is_eol(char c) { return c == '\n' || c == '\0'; }

/* libconfig's name characters ([A-Za-z*][-A-Za-z0-9_*]*); a run of them
 * also covers a number or a boolean, which never spell "devices". */
static int is_name(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*'; }

/* If text[i] opens a comment or a string, the offset just past it (lines
 * counted into *line), SCAN_FAIL when it does not end; otherwise i. */
static size_t skip_lexeme(const char *text, size_t len, size_t i, int *line)
{
    if (text[i] == '#' || (text[i] == '/' && i + 1 < len && text[i + 1] == '/')) {
        while (i < len && !is_eol(text[i]))
            i++;
        return i; /* the line end is counted by the caller */
    }
    if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
        for (i += 2; i + 1 < len; i++) {
            if (text[i] == '*' && text[i + 1] == '/')
                return i + 2;
            *line += is_eol(text[i]);
        }
        return SCAN_FAIL;
    }
    if (text[i] == '"') {
        for (i++; i < len; i++) {
            if (text[i] == '\\' && i + 1 < len)
                *line += is_eol(text[++i]); /* an escape: the next byte is not the end */
            else if (text[i] == '"')
                return i + 1;
            else
                *line += is_eol(text[i]);
        }
        return SCAN_FAIL;
    }
    return i;
}

static int add_chunk(mvg_cfgscan *s, size_t *cap, size_t start, int line)
{
    mvg_cfgscan_chunk *c = mvg_vec_reserve(s->chunks, s->nchunks, cap, sizeof *c, 8);
    if (!c)
        return -1;
    s->chunks = c;
    c[s->nchunks++] = (mvg_cfgscan_chunk){start, start, line};
    return 0;
}

int mvg_cfgscan_devices(const char *text, size_t len, size_t chunk_bytes, mvg_cfgscan *out)
{
    enum { NONE, AFTER_NAME, AFTER_EQ } want = NONE;
    mvg_cfgscan s = {0};
    size_t cap = 0, depth = 0;
    int line = 1, found = 0, in_list = 0, content = 0;
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (is_eol(c)) {
            line++;
            i++;
            continue;
        }
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        size_t past = skip_lexeme(text, len, i, &line);
        if (past == SCAN_FAIL)
            goto refuse;
        if (past != i) {
            content |= in_list && depth == 1 && c == '"';
            if (c == '"' && want != NONE)
                goto refuse; /* devices = "..." is not a list */
            i = past;
            continue;
        }
        if (want == AFTER_NAME) {
            if (c != '=' && c != ':')
                goto refuse;
            want = AFTER_EQ;
            i++;
            continue;
        }
        if (want == AFTER_EQ) {
            if (c != '(')
                goto refuse; /* an array, a group or a scalar: libconfig says what */
            want = NONE;
            found = in_list = 1;
            depth = 1;
            s.open = i;
            if (add_chunk(&s, &cap, i + 1, line) != 0)
                goto refuse;
            i++;
            continue;
        }
        if (c == '@' && (!found || in_list))
            goto refuse; /* an included file might hold devices, or be inside the list */
        if (in_list && depth == 1 && c != ',' && c != ')')
            content = 1;
        if (c == '(' || c == '{' || c == '[') {
            depth++;
        } else if (c == ')' || c == '}' || c == ']') {
            if (depth == 0)
                goto refuse;
            if (--depth == 0 && in_list) {
                s.nelems += content;
                s.chunks[s.nchunks - 1].end = s.close = i;
                in_list = 0;
            }
        } else if (c == ',' && in_list && depth == 1) {
            s.nelems += content;
            content = 0;
            mvg_cfgscan_chunk *cur = &s.chunks[s.nchunks - 1];
            if (i - cur->start >= chunk_bytes) {
                cur->end = i;
                if (add_chunk(&s, &cap, i + 1, line) != 0)
                    goto refuse;
            }
        } else if (depth == 0 && is_name(c)) {
            size_t start = i;
            while (i < len && is_name(text[i]))
                i++;
            if (i - start == 7 && memcmp(text + start, "devices", 7) == 0) {
                if (found)
                    goto refuse; /* twice: libconfig says so */
                want = AFTER_NAME;
            }
            continue;
        }
        i++;
    }
    if (!found || in_list || depth != 0 || want != NONE || s.nelems == 0)
        goto refuse;
    *out = s;
    return 0;
refuse:
    mvg_cfgscan_free(&s);
    return -1;
}

void mvg_cfgscan_free(mvg_cfgscan *s)
{
    if (!s)
        return;
    free(s->chunks);
    s->chunks = NULL;
    s->nchunks = 0;
}

char *mvg_cfgscan_blanked(const char *text, size_t len, const mvg_cfgscan *s)
{
    char *b = malloc(len + 1);
    if (!b)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (is_eol(text[i]))
            b[i] = '\n';
        else
            b[i] = i > s->open && i < s->close ? ' ' : text[i];
    }
    b[len] = '\0';
    return b;
}

char *mvg_cfgscan_chunk_text(const char *text, const mvg_cfgscan_chunk *c)
{
    static const char head[] = "devices = (", tail[] = ");";
    size_t pad = (size_t)(c->line - 1), n = c->end - c->start;
    char *t = malloc(pad + sizeof head - 1 + n + sizeof tail);
    if (!t)
        return NULL;
    memset(t, '\n', pad);
    char *p = t + pad;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t i = 0; i < n; i++)
        p[i] = is_eol(text[c->start + i]) ? '\n' : text[c->start + i];
    memcpy(p + n, tail, sizeof tail);
    return t;
}
