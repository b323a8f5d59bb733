/*
 * bench_programme.c: `mvgate programme` over a programme year of 328
 * projects' 15-minute records (35,040 a project, 11.5 million in all) in a
 * hub SQLite database the bench writes first, printed: the time to gather
 * the programme (mvg_programme_build, what `mvgate programme` does after
 * opening the database) and to write each format. Target: under 10 s.
 *
 * The database is what the hub leaves after verifying those records:
 * every record in hub_records with its bytes (an interval record of the
 * project's streams, cut to what is read: record() below) and verdict
 * "ok", a definition and a
 * model record per project, and the hub's tallies (hub_tally.h) added
 * through the hub's own mvg_hub_tally_add, one call per project, stream
 * and day with the sums of that day's records (the sums the sweep adds
 * record by record; a sample of the records is read back through
 * mvg_hub_tally_extract and must give the generator's figures, to the 12
 * digits the bytes carry). The
 * records are written by the bench's own bulk statement (signing and
 * verifying 11.5 million records is tests/bench/bench_hub's business).
 *
 * Usage: bench_programme [PROJECTS [DAYS [DIR [reuse]]]] (default 328, 365, a temp
 * dir under /tmp, removed at the end; a DIR given keeps DIR/hub.db, to
 * look at with `mvgate programme`, and "reuse" measures again on it
 * without writing it anew). The database takes about 2 kB a record
 * on the disk, some 24 GB at full size.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "hub_db.h"
#include "hub_tally.h"
#include "programme_data.h"
#include "programme_out.h"
#include "timefmt.h"

/* The streams of each technology, as the shipped templates have them. */
typedef struct {
    const char *name, *type, *unit;
    double kwh_per_unit, tj_per_unit, co2_t_per_unit, hkd_per_unit;
    double mean;                 /* baseline use per interval */
} stream_kind;

typedef struct {
    const char *technology;
    size_t n;
    stream_kind s[2];
} tech;

static const tech techs[] = {
    {"air_compressor", 1, {{"electricity", "electricity", "kWh", 1, 3.6e-6, 0.00049, 1.35, 14}}},
    {"chiller", 1, {{"electricity", "electricity", "kWh", 1, 3.6e-6, 0.00049, 1.35, 60}}},
    {"heat_pump", 1, {{"electricity", "electricity", "kWh", 1, 3.6e-6, 0.00049, 1.35, 30}}},
    {"boiler", 2, {{"gas", "fuel", "Nm3", 10.5, 3.78e-5, 0.00211, 4.6, 40},
                   {"nox", "nox", "kg", 0, 0, 0, 0, 0.4}}},
    {"voc_treatment", 2, {{"voc", "voc", "kg", 0, 0, 0, 0, 1.2},
                          {"fan", "electricity", "kWh", 1, 3.6e-6, 0.00039, 1.2, 9}}},
    {"wastewater_recycling", 2, {{"freshwater", "water", "m3", 0, 0, 0, 9.5, 12},
                                 {"wastewater", "water", "m3", 0, 0, 0, 5.2, 10}}},
};
#define NTECH (sizeof techs / sizeof techs[0])

static const char MODEL[] =
    "{\"schema\":\"mvgate/model/1\",\"gateway\":\"%s\",\"project\":\"%s\",\"version\":1,"
    "\"fitted_at\":\"2025-03-01T00:00:00.000Z\",\"confidence\":0.9,\"streams\":[%s],"
    "\"chain\":2,\"key\":\"00000000000000000000000000000000\",\"prev\":\"%064d\",\"sig\":\"x\"}";
static const char MODEL_STREAM[] =
    "{\"name\":\"%s\",\"unit\":\"%s\",\"given\":false,\"model\":{\"model\":\"linear\","
    "\"x\":[\"load\"],\"nx\":1,\"coefficients\":[%g,0.5],\"std_errors\":[0.4,0.011],"
    "\"t_stats\":[2.5,6.4],\"change_points\":[],\"n\":2880,\"p\":2,\"ybar\":%g,\"sse\":10,"
    "\"r2\":0.85,\"adj_r2\":0.85,\"rmse\":%g,\"cv_rmse\":0.08,\"nmbe\":0,\"rho\":0.3,"
    "\"coverage\":1,\"seg_n\":[],\"ashrae14\":{\"pass\":true,\"reasons\":[]}}}";

/* One record's figures of one stream. */
typedef struct {
    double base, act, sav, conv[MVG_HUB_TC_COUNT];
} figs;

static void stream_figs(const stream_kind *k, double phase, figs *f)
{
    f->base = k->mean * (1.0 + 0.2 * sin(phase));
    f->act = f->base * (0.78 + 0.04 * cos(3 * phase));
    f->sav = f->base - f->act;
    memset(f->conv, 0, sizeof f->conv);
    int pollutant = strcmp(k->type, "nox") == 0 || strcmp(k->type, "voc") == 0;
    f->conv[MVG_HUB_TC_KWH] = f->sav * k->kwh_per_unit;
    f->conv[MVG_HUB_TC_TJ] = f->sav * k->tj_per_unit;
    f->conv[MVG_HUB_TC_CO2_T] = f->sav * k->co2_t_per_unit;
    f->conv[MVG_HUB_TC_POLLUTANT_KG] = pollutant ? f->sav : 0.0;
    f->conv[MVG_HUB_TC_WATER_M3] = strcmp(k->type, "water") == 0 ? f->sav : 0.0;
    f->conv[MVG_HUB_TC_COST_HKD] = f->sav * k->hkd_per_unit;
}

/* The interval record's bytes: mvgate/interval/3 with only the members the
 * hub's tally and the programme read (the real records are 1.5 to 3 kB;
 * the programme reads no record but each project's last, so their size
 * makes the database bigger, not the programme slower), figures to 12
 * digits. */
static size_t record(char *b, size_t cap, const char *gw, const char *prj, const tech *t,
                     int64_t seq, int64_t start_ms, const figs *f, const double *cum_sav)
{
    char st[32], en[32];
    mvg_timefmt_format(start_ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, st, sizeof st);
    mvg_timefmt_format(start_ms + 900000, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, en, sizeof en);
    size_t n = (size_t)snprintf(
        b, cap,
        "{\"schema\":\"mvgate/interval/3\",\"gateway\":\"%s\",\"project\":\"%s\",\"seq\":%lld,"
        "\"start\":\"%s\",\"end\":\"%s\",\"phase\":\"reporting\",\"partial\":false,"
        "\"clock_step\":false,\"clock_step_ms\":0,\"fitted_now\":false,\"definition\":1,"
        "\"streams\":[",
        gw, prj, (long long)seq, st, en);
    for (size_t i = 0; i < t->n; i++) {
        const figs *x = &f[i];
        const double *c = x->conv;
        double a = cum_sav[i] * 35040.0 / (double)seq; /* a normalised annual figure */
        double r = x->sav != 0.0 ? a / x->sav : 0.0;
        n += (size_t)snprintf(
            b + n, cap - n,
            "%s{\"name\":\"%s\",\"type\":\"%s\",\"unit\":\"%s\",\"valid\":true,"
            "\"coverage\":1.0,\"actual\":%.12g,\"adjusted_baseline\":%.12g,\"adjustment\":0.0,"
            "\"savings\":%.12g,\"converted\":{\"kwh\":%.12g,\"tj\":%.12g,\"co2_t\":%.12g,"
            "\"pollutant_kg\":%.12g,\"water_m3\":%.12g,\"cost_hkd\":%.12g},"
            "\"cumulative\":{\"m\":%lld,\"savings\":%.6g,\"annual_converted\":{\"kwh\":%.6g,"
            "\"tj\":%.6g,\"co2_t\":%.6g,\"pollutant_kg\":%.6g,\"water_m3\":%.6g,"
            "\"cost_hkd\":%.6g}}}",
            i ? "," : "", t->s[i].name, t->s[i].type, t->s[i].unit, x->act, x->base, x->sav, c[0],
            c[1], c[2], c[3], c[4], c[5], (long long)seq, cum_sav[i], c[0] * r, c[1] * r, c[2] * r, c[3] * r, c[4] * r, c[5] * r);
    }
    n += (size_t)snprintf(b + n, cap - n,
                          "],\"chain\":%lld,\"key\":\"00000000000000000000000000000000\","
                          "\"prev\":\"%064lld\",\"sig\":\"%086lldA==\"}",
                          (long long)seq + 2, (long long)seq + 1, (long long)seq);
    return n;
}

/* Equal to the 12 digits the record carries. */
static int same(double a, double b) { return fabs(a - b) <= 1e-11 * fmax(fabs(a), fabs(b)); }

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_programme: %s: %s\n", sql, msg);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The records, definitions and models, in bulk (day by day across the
 * projects, as they arrive); the tallies through the hub's function. */
static int generate(const char *path, size_t nprj, int days, int64_t from_ms, long *records,
                    double *payload_bytes)
{
    char err[512];
    mvg_hub_db_cfg cfg = {.backend = MVG_HUB_DB_SQLITE};
    snprintf(cfg.path, sizeof cfg.path, "%s", path);
    mvg_hub_db *hdb = mvg_hub_db_open(&cfg, err, sizeof err); /* the hub's schema */
    if (!hdb) {
        fprintf(stderr, "bench_programme: %s\n", err);
        return -1;
    }
    mvg_hub_db_close(hdb);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; BEGIN") < 0)
        return -1;
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO hub_records (gateway, project, chain, hash, prev, kind,"
                           " key_fp, payload, first_ms, first_hub, verdict, detail, next_key,"
                           " verified_ms, verified_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                           " '00000000000000000000000000000000', ?7, ?8, 'hub-1', 'ok', '',"
                           " '00000000000000000000000000000000', ?8, 'hub-1')",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_programme: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    char *buf = malloc(1 << 16);
    char gw[64], prj[64], hash[80], prev[80];
    double(*cum)[2] = calloc(nprj, sizeof *cum);
    /* the tallies of one day: per project and stream */
    mvg_hub_tally_row(*day)[2] = calloc(nprj, sizeof *day);
    if (!buf || !cum || !day)
        return -1;
    long n = 0, checked = 0;
    double bytes = 0;
#define BIND_RUN(chain, kind, len, ms)                                                              \
    do {                                                                                           \
        snprintf(hash, sizeof hash, "%064lx", (unsigned long)(n + 1));                            \
        snprintf(prev, sizeof prev, "%064lx", (unsigned long)n);                                  \
        sqlite3_bind_text(ins, 1, gw, -1, SQLITE_STATIC);                                         \
        sqlite3_bind_text(ins, 2, prj, -1, SQLITE_STATIC);                                        \
        sqlite3_bind_int64(ins, 3, (chain));                                                      \
        sqlite3_bind_text(ins, 4, hash, -1, SQLITE_STATIC);                                       \
        sqlite3_bind_text(ins, 5, prev, -1, SQLITE_STATIC);                                       \
        sqlite3_bind_text(ins, 6, (kind), -1, SQLITE_STATIC);                                     \
        sqlite3_bind_blob(ins, 7, buf, (int)(len), SQLITE_STATIC);                                \
        sqlite3_bind_int64(ins, 8, (ms));                                                         \
        if (sqlite3_step(ins) != SQLITE_DONE) {                                                   \
            fprintf(stderr, "bench_programme: %s\n", sqlite3_errmsg(db));                        \
            return -1;                                                                             \
        }                                                                                          \
        sqlite3_reset(ins);                                                                        \
        bytes += (double)(len);                                                                   \
        n++;                                                                                       \
    } while (0)
    for (size_t p = 0; p < nprj; p++) {
        const tech *t = &techs[p % NTECH];
        snprintf(gw, sizeof gw, "gw-%03zu", p);
        snprintf(prj, sizeof prj, "p%03zu-%s", p, t->technology);
        size_t len = (size_t)snprintf(buf, 1 << 16,
                                      "{\"schema\":\"mvgate/definition/1\",\"gateway\":\"%s\","
                                      "\"project\":\"%s\",\"version\":1,\"technology\":\"%s\","
                                      "\"interval_min\":15,\"chain\":1}",
                                      gw, prj, t->technology);
        BIND_RUN(1, "definition", len, from_ms - 86400000);
        char ms[2048] = "";
        for (size_t i = 0; i < t->n; i++) {
            size_t at = strlen(ms);
            snprintf(ms + at, sizeof ms - at, "%s", i ? "," : "");
            at = strlen(ms);
            snprintf(ms + at, sizeof ms - at, MODEL_STREAM, t->s[i].name, t->s[i].unit,
                     t->s[i].mean * 0.5, t->s[i].mean, t->s[i].mean * 0.08);
        }
        len = (size_t)snprintf(buf, 1 << 16, MODEL, gw, prj, ms, 0);
        BIND_RUN(2, "model", len, from_ms - 86400000);
    }
    for (int d = 0; d < days; d++) {
        for (size_t p = 0; p < nprj; p++) {
            const tech *t = &techs[p % NTECH];
            snprintf(gw, sizeof gw, "gw-%03zu", p);
            snprintf(prj, sizeof prj, "p%03zu-%s", p, t->technology);
            for (size_t i = 0; i < t->n; i++) {
                mvg_hub_tally_row *r = &day[p][i];
                memset(r, 0, sizeof *r);
                snprintf(r->stream, sizeof r->stream, "%s", t->s[i].name);
                snprintf(r->type, sizeof r->type, "%s", t->s[i].type);
            }
            for (int q = 0; q < 96; q++) {
                int64_t seq = (int64_t)d * 96 + q + 1;
                int64_t start = from_ms + (seq - 1) * 900000;
                figs f[2];
                for (size_t i = 0; i < t->n; i++) {
                    stream_figs(&t->s[i], (double)seq * 0.0654 + (double)p, &f[i]);
                    cum[p][i] += f[i].sav;
                }
                size_t len = record(buf, 1 << 16, gw, prj, t, seq, start, f, cum[p]);
                BIND_RUN(seq + 2, "interval", len, start + 900000);
                int64_t id = sqlite3_last_insert_rowid(db);
                for (size_t i = 0; i < t->n; i++) {
                    mvg_hub_tally_row *r = &day[p][i];
                    if (r->records == 0) {
                        r->day = mvg_hub_tally_day(start);
                        r->first_ms = start;
                    }
                    r->records++;
                    r->m++;
                    r->coverage += 1.0;
                    r->adjusted_baseline += f[i].base;
                    r->actual += f[i].act;
                    r->savings += f[i].sav;
                    for (int c = 0; c < MVG_HUB_TC_COUNT; c++)
                        r->conv[c] += f[i].conv[c];
                    r->last_ms = start;
                    r->last_id = id;
                }
                if (n % 997 == 0) {
                    /* what the sweep would read from these bytes */
                    mvg_hub_tally_row got[MVG_HUB_TALLY_MAX_STREAMS];
                    int k = mvg_hub_tally_extract(buf, len, id, got, err, sizeof err);
                    if (k != (int)t->n || !same(got[0].savings, f[0].sav) ||
                        !same(got[0].conv[MVG_HUB_TC_TJ], f[0].conv[MVG_HUB_TC_TJ]) ||
                        !same(got[0].actual, f[0].act) || got[0].day != day[p][0].day) {
                        fprintf(stderr, "bench_programme: record %ld does not read back (%s)\n",
                                (long)id, k < 0 ? err : "figures differ");
                        return -1;
                    }
                    checked++;
                }
            }
        }
        if (exec(db, "COMMIT") < 0)
            return -1;
        /* the day's tallies, through the hub's own function */
        hdb = mvg_hub_db_open(&cfg, err, sizeof err);
        if (!hdb || mvg_hub_db_begin(hdb) < 0)
            return -1;
        for (size_t p = 0; p < nprj; p++) {
            const tech *t = &techs[p % NTECH];
            snprintf(gw, sizeof gw, "gw-%03zu", p);
            snprintf(prj, sizeof prj, "p%03zu-%s", p, t->technology);
            if (mvg_hub_tally_add(hdb, gw, prj, day[p], t->n) < 0 ||
                mvg_hub_tally_count(hdb, gw, prj, d == 0 ? 98 : 96, (int64_t)(d + 1) * 96 + 2,
                                    0) < 0) {
                fprintf(stderr, "bench_programme: %s\n", mvg_hub_db_error(hdb));
                return -1;
            }
        }
        if (mvg_hub_db_commit(hdb) < 0)
            return -1;
        mvg_hub_db_close(hdb);
        if (exec(db, "BEGIN") < 0)
            return -1;
        if ((d + 1) % 30 == 0 || d + 1 == days) {
            fprintf(stderr, "  day %d of %d: %ld records\n", d + 1, days, n);
            fflush(stderr);
        }
    }
    if (exec(db, "COMMIT") < 0)
        return -1;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(buf);
    free(cum);
    free(day);
    *records = n;
    *payload_bytes = bytes;
    fprintf(stderr, "  %ld records read back through mvg_hub_tally_extract: as generated\n",
            checked);
    return 0;
}

static int write_to_null(const mvg_programme *p, int fmt, double *secs)
{
    FILE *f = fopen("/dev/null", "w");
    char err[256];
    double t0 = tu_now_s();
    int rc = fmt == 0   ? mvg_programme_write_html(p, MVG_LANG_EN, f, err, sizeof err)
             : fmt == 1 ? mvg_programme_write_json(p, f, err, sizeof err)
                        : mvg_programme_write_csv(p, f, err, sizeof err);
    *secs = tu_now_s() - t0;
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    size_t nprj = argc > 1 ? (size_t)atol(argv[1]) : 328;
    int days = argc > 2 ? atoi(argv[2]) : 365;
    char tmpl[] = "/tmp/bench-programme-XXXXXX";
    const char *dir = argc > 3 ? argv[3] : mkdtemp(tmpl);
    if (dir && strlen(dir) > 300) {
        fprintf(stderr, "bench_programme: DIR is too long\n");
        return 2;
    }
    if (!dir || nprj < 1 || days < 1) {
        fprintf(stderr, "usage: bench_programme [PROJECTS [DAYS [DIR [reuse]]]]\n");
        return 2;
    }
    char path[400];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    int reuse = argc > 4 && strcmp(argv[4], "reuse") == 0 && access(path, R_OK) == 0;
    if (!reuse)
        unlink(path);
    int64_t from, to;
    if (mvg_programme_year("2025-26", &from, &to) != 0)
        return 1;
    double t0 = tu_now_s();
    long records = 0;
    double payload = 0;
    if (!reuse) {
        fprintf(stderr, "bench_programme: writing %zu projects x %d days of 15-minute records...\n",
                nprj, days);
        if (generate(path, nprj, days, from, &records, &payload) < 0)
            return 1;
    }
    double tgen = tu_now_s() - t0;
    char err[512];
    mvg_hub_db_cfg cfg = {.backend = MVG_HUB_DB_SQLITE};
    snprintf(cfg.path, sizeof cfg.path, "%s", path);
    t0 = tu_now_s();
    mvg_hub_db *db = mvg_hub_db_open(&cfg, err, sizeof err);
    mvg_programme_req req = {db, from, to, "2025-26", 0.90, 0};
    mvg_programme *p = db ? mvg_programme_build(&req, err, sizeof err) : NULL;
    double tbuild = tu_now_s() - t0;
    if (!p) {
        fprintf(stderr, "bench_programme: %s\n", err);
        return 1;
    }
    double th, tj, tc;
    if (write_to_null(p, 0, &th) || write_to_null(p, 1, &tj) || write_to_null(p, 2, &tc))
        return 1;
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fclose(f);
    printf("programme over %ld records (%zu projects x %d days x 96; payloads %.0f bytes a"
           " record, database %.1f GB, written in %.0f s)\n",
           records, nprj, days, payload / (double)records, (double)bytes / 1e9, tgen);
    printf("  gathered: %.3f s (open, tallies, definitions, models, last records; %lld records"
           " in the window, %zu projects, %zu months)\n",
           tbuild, (long long)p->records, p->nprojects, p->nmonths);
    printf("  written: html %.3f s, json %.3f s, csv %.3f s\n", th, tj, tc);
    printf("  total %.3f s (target < 10 s): %.6g TJ +- %.3g, %.6g t CO2, HK$ %.6g\n",
           tbuild + th + tj + tc, p->measured[MVG_PU_TJ], p->half[MVG_PU_TJ],
           p->measured[MVG_PU_CO2_T], p->measured[MVG_PU_HKD]);
    int ok = reuse || p->records == records - 2 * (long)nprj;
    mvg_programme_free(p);
    mvg_hub_db_close(db);
    if (argc <= 3) { /* a DIR given keeps the database, to look at */
        char wal[420];
        unlink(path);
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        rmdir(dir);
    }
    if (!ok) {
        fprintf(stderr, "bench_programme: the window does not hold every interval record\n");
        return 1;
    }
    return 0;
}
