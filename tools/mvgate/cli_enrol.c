/*
 * cli_enrol.c: the register of enrolled gateways (cli_enrol.h): parsing
 * with every bad line named, lookup for the chain walk, and the grouped
 * form of a fingerprint.
 */
#include "cli_enrol.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fingerprint of the tokens after the gateway id: 32 hex digits in
 * all, spaces between groups allowed. 0, or -1 with why. */
static int read_fingerprint(const char *s, const char *end, char out[MVG_CHAIN_FP_LEN],
                            const char **why)
{
    size_t n = 0;
    for (; s < end; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        if (!isxdigit((unsigned char)*s)) {
            *why = "is not hex digits";
            return -1;
        }
        if (n == MVG_CHAIN_FP_LEN - 1) {
            *why = "has more than 32 hex digits";
            return -1;
        }
        out[n++] = (char)tolower((unsigned char)*s);
    }
    out[n] = '\0';
    if (n == 0) {
        *why = "is missing";
        return -1;
    }
    if (n != MVG_CHAIN_FP_LEN - 1) {
        *why = "has fewer than 32 hex digits";
        return -1;
    }
    return 0;
}

static int add_line(mvg_cli_enrol *reg, const char *b, const char *e, int lineno,
                    const char *file, mvg_diags *d)
{
    const char *id = b;
    while (b < e && *b != ' ' && *b != '\t')
        b++;
    size_t idlen = (size_t)(b - id);
    mvg_cli_enrol_entry en = {.line = lineno};
    const char *why = NULL;
    if (idlen >= sizeof en.gateway) {
        mvg_diags_add(d, file, lineno, "the gateway id is longer than %zu characters",
                      sizeof en.gateway - 1);
        return -1;
    }
    memcpy(en.gateway, id, idlen);
    if (read_fingerprint(b, e, en.fingerprint, &why) != 0) {
        mvg_diags_add(d, file, lineno,
                      "the fingerprint of gateway %s %s: a line is GATEWAY_ID FINGERPRINT (the"
                      " 32 hex digits `mvgate key show` prints)",
                      en.gateway, why);
        return -1;
    }
    const mvg_cli_enrol_entry *dup = mvg_cli_enrol_find(reg, en.gateway);
    if (dup) {
        mvg_diags_add(d, file, lineno, "gateway %s is enrolled already on line %d", en.gateway,
                      dup->line);
        return -1;
    }
    mvg_cli_enrol_entry *v = realloc(reg->v, (reg->n + 1) * sizeof *v);
    if (!v) {
        mvg_diags_add(d, file, lineno, "out of memory");
        return -1;
    }
    reg->v = v;
    reg->v[reg->n++] = en;
    return 0;
}

int mvg_cli_enrol_parse(const char *text, size_t len, const char *file, mvg_cli_enrol *reg,
                        mvg_diags *d)
{
    memset(reg, 0, sizeof *reg);
    snprintf(reg->file, sizeof reg->file, "%s", file);
    int rc = 0, lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lineno++;
        const char *hash = memchr(p, '#', (size_t)(e - p));
        const char *stop = hash ? hash : e;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
            stop--;
        if (p < stop && add_line(reg, p, stop, lineno, file, d) != 0)
            rc = -1;
        p = nl ? nl + 1 : end;
    }
    return rc;
}

static int load(const char *path, mvg_cli_enrol *reg, mvg_diags *d, int allow_empty)
{
    memset(reg, 0, sizeof *reg);
    FILE *f = fopen(path, "r");
    if (!f) {
        mvg_diags_add(d, path, 0, "cannot read the register of enrolled gateways: %s",
                      strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len + 4096 > cap) {
            char *t = realloc(text, cap = len + 65536);
            if (!t) {
                rc = -1;
                mvg_diags_add(d, path, 0, "out of memory");
                break;
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        mvg_diags_add(d, path, 0, "read error: %s", strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && mvg_cli_enrol_parse(text ? text : "", len, path, reg, d) != 0)
        rc = -1;
    if (rc == 0 && reg->n == 0 && !allow_empty) {
        mvg_diags_add(d, path, 0,
                      "no gateway is enrolled in it (lines GATEWAY_ID FINGERPRINT, # comments)");
        rc = -1;
    }
    free(text);
    return rc;
}

int mvg_cli_enrol_load(const char *path, mvg_cli_enrol *reg, mvg_diags *d)
{
    return load(path, reg, d, 0);
}

int mvg_cli_enrol_load_register(const char *path, mvg_cli_enrol *reg, mvg_diags *d)
{
    return load(path, reg, d, 1);
}

int mvg_cli_enrol_open(const char *command, const char *path, mvg_cli_enrol *reg)
{
    mvg_diags *d = mvg_diags_new();
    int rc = d ? mvg_cli_enrol_load(path, reg, d) : -1;
    if (rc != 0) {
        fprintf(stderr, "mvgate %s: --enrolled %s:\n", command, path);
        if (d)
            mvg_diags_print(d, stderr);
        else
            fprintf(stderr, "out of memory\n");
        mvg_cli_enrol_free(reg);
    }
    mvg_diags_free(d);
    return rc;
}

void mvg_cli_enrol_free(mvg_cli_enrol *reg)
{
    free(reg->v);
    reg->v = NULL;
    reg->n = 0;
}

const mvg_cli_enrol_entry *mvg_cli_enrol_find(const mvg_cli_enrol *reg, const char *gateway)
{
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->v[i].gateway, gateway) == 0)
            return &reg->v[i];
    return NULL;
}

const char *mvg_cli_enrol_lookup(void *user, const char *gateway, char *where, size_t wlen)
{
    const mvg_cli_enrol *reg = user;
    const mvg_cli_enrol_entry *e = mvg_cli_enrol_find(reg, gateway);
    if (e && where && wlen)
        snprintf(where, wlen, "%s:%d", reg->file, e->line);
    return e ? e->fingerprint : NULL;
}

void mvg_cli_enrol_grouped(const char *fingerprint, char out[MVG_CLI_ENROL_GROUPED_LEN])
{
    size_t n = 0;
    for (size_t i = 0; fingerprint[i]; i++) {
        size_t space = i && i % 4 == 0;
        if (n + space + 1 >= MVG_CLI_ENROL_GROUPED_LEN)
            break;
        if (space)
            out[n++] = ' ';
        out[n++] = fingerprint[i];
    }
    out[n] = '\0';
}

const char *mvg_cli_enrol_trust_word(int enrolled)
{
    return enrolled ? "enrolled" : "self-attested";
}

void mvg_cli_enrol_trust_line(const mvg_cli_enrol *reg, const char *gateway, const char *fp,
                              const char *source, char *buf, size_t len)
{
    const char *g = gateway && *gateway ? gateway : "?";
    if (!reg) {
        snprintf(buf, len,
                 "%s: the chain holds under %s (key %s); nothing here ties that key to gateway"
                 " %s: give --enrolled REGISTER to check it against the key enrolled at"
                 " commissioning",
                 mvg_cli_enrol_trust_word(0), source, fp, g);
        return;
    }
    char where[600] = "";
    mvg_cli_enrol_lookup((void *)reg, g, where, sizeof where);
    snprintf(buf, len, "%s: gateway %s, first key %s as enrolled (%s)",
             mvg_cli_enrol_trust_word(1), g, fp, where);
}
