/*
 * hub_db_pg.c: the PostgreSQL backend of hub_db.h through libpq, for
 * several hub instances sharing one database. Parameters go as text, blobs
 * in binary; results come as text, a bytea column unescaped from its hex
 * form. Each call is one PQexecParams: with no BEGIN before it, a
 * statement is its own transaction.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hub_db.h"

#define BYTEA_OID 17

/* libpq's notices ("relation already exists, skipping") are not ours to print. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void *pg_open(const mvg_hub_db_cfg *cfg, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(cfg->conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        mvg_set_err(err, errlen, "postgresql: cannot connect: %s", msg);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void pg_close(void *conn) { PQfinish(conn); }

static long pg_run(void *conn, const char *sql, const mvg_hub_param *p, int np,
                   mvg_hub_rows *rows, char *err, size_t errlen)
{
    PGconn *c = conn;
    const char *values[32];
    int lengths[32], formats[32];
    char ints[32][32];          /* an INT's or a REAL's text */
    if (np > 32) {
        mvg_set_err(err, errlen, "postgresql: too many parameters");
        return -1;
    }
    for (int i = 0; i < np; i++) {
        formats[i] = 0;
        lengths[i] = 0;
        switch (p[i].type) {
        case MVG_HUB_P_NULL:
            values[i] = NULL;
            break;
        case MVG_HUB_P_TEXT:
            values[i] = p[i].s;
            break;
        case MVG_HUB_P_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)p[i].i);
            values[i] = ints[i];
            break;
        case MVG_HUB_P_REAL:
            /* 17 significant digits: read back as the same double */
            snprintf(ints[i], sizeof ints[i], "%.17g", p[i].d);
            values[i] = ints[i];
            break;
        case MVG_HUB_P_BLOB:
            values[i] = p[i].s;
            lengths[i] = (int)p[i].len;
            formats[i] = 1;
            break;
        }
    }
    PGresult *res = PQexecParams(c, sql, np, NULL, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        msg[strcspn(msg, "\n")] = '\0';
        mvg_set_err(err, errlen, "postgresql: %s", msg);
        PQclear(res);
        return -1;
    }
    if (rows && st == PGRES_TUPLES_OK) {
        int nt = PQntuples(res), nf = PQnfields(res);
        rows->ncols = (size_t)nf;
        for (int t = 0; t < nt; t++)
            for (int f = 0; f < nf; f++) {
                int null = PQgetisnull(res, t, f);
                const char *v = PQgetvalue(res, t, f);
                size_t len = (size_t)PQgetlength(res, t, f);
                unsigned char *un = NULL;
                if (!null && PQftype(res, f) == BYTEA_OID) {
                    un = PQunescapeBytea((const unsigned char *)v, &len);
                    v = (const char *)un;
                }
                int rc = mvg_hub_rows_push(rows, v, len, null || (PQftype(res, f) == BYTEA_OID && !un));
                PQfreemem(un);
                if (rc < 0) {
                    mvg_set_err(err, errlen, "postgresql: out of memory");
                    PQclear(res);
                    return -1;
                }
            }
    }
    const char *n = PQcmdTuples(res);
    long changed = n && *n ? strtol(n, NULL, 10) : 0;
    PQclear(res);
    return changed;
}

const mvg_hub_db_backend_ops mvg_hub_db_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .run = pg_run,
    .serial_key = "BIGSERIAL PRIMARY KEY",
    .blob_type = "BYTEA",
};
