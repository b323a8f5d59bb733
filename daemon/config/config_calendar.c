/*
 * config_calendar.c: the operating calendars of the projects: finding a
 * calendar's data file (config/calendars/NAME.conf, docs/config.md
 * "Calendars"), reading its holidays and make-up working days with
 * FILE:LINE diagnostics, and the project keys that put a site's pattern on
 * it (annual_basis, calendar, calendar_year, rest_days, shifts), checked
 * here and nowhere else. A calendar read once is shared by every project
 * that names it (mvg_projects_cfg owns it). The engine gets the result as
 * plain data (engine/calendar.h).
 */
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "catvar.h"
#include "config_prj.h"
#include "timefmt.h"

#ifndef MVG_DEFAULT_PROFILE_DIR
#define MVG_DEFAULT_PROFILE_DIR "/usr/share/mvgate/profiles"
#endif
#ifndef MVG_REL_PROFILE_DIR
#define MVG_REL_PROFILE_DIR "../share/mvgate/profiles"
#endif

/* dir's sibling folder `kind` (".../mvgate/profiles" -> ".../mvgate/calendars"). */
static void sibling(const char *dir, const char *kind, char *out, size_t len)
{
    const char *slash = strrchr(dir, '/');
    snprintf(out, len, "%.*s/%s", slash ? (int)(slash - dir) : 0, dir, kind);
}

/*
 * The data file of `name` of a kind ("calendars", "tariffs"): a name with
 * a '/' is a path (relative to the configuration's folder), else NAME.conf
 * in, in order: $MVG_DATA_DIR/KIND, the configuration's ../KIND, the
 * installed folder beside the running program and the built-in one (the
 * profiles' folders, docs/config.md "Profiles", with KIND for profiles).
 * Returns 1 with path, or 0 with the folders searched.
 */
int mvg_cfgp_data_file(const ctx_t *c, const char *kind, const char *name, char *path,
                       size_t len, char *searched, size_t slen)
{
    if (strchr(name, '/')) {
        if (name[0] == '/' || !c->include_dir[0])
            snprintf(path, len, "%s", name);
        else
            snprintf(path, len, "%s/%s", c->include_dir, name);
        snprintf(searched, slen, "%s", path);
        return access(path, R_OK) == 0;
    }
    char dirs[4][MVG_PATH_MAX + 32];
    size_t n = 0;
    const char *env = getenv("MVG_DATA_DIR");
    if (env && *env)
        snprintf(dirs[n++], sizeof dirs[0], "%s/%s", env, kind);
    if (c->include_dir[0])
        snprintf(dirs[n++], sizeof dirs[0], "%s/../%s", c->include_dir, kind);
    char exe[MVG_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = k > 0 ? (exe[k] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        char rel[MVG_PATH_MAX + 64];
        snprintf(rel, sizeof rel, "%s/%s", exe, MVG_REL_PROFILE_DIR);
        sibling(rel, kind, dirs[n++], sizeof dirs[0]);
    }
    sibling(MVG_DEFAULT_PROFILE_DIR, kind, dirs[n++], sizeof dirs[0]);
    searched[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        snprintf(path, len, "%s/%s.conf", dirs[i], name);
        if (access(path, R_OK) == 0)
            return 1;
        size_t l = strlen(searched);
        snprintf(searched + l, slen - l, "%s%s", l ? ", " : "", dirs[i]);
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A list of ("YYYY-MM-DD", "name") into sorted local day numbers, each
 * inside first..last year. Returns the count, or -1 after reporting. */
static long read_days(ctx_t *c, const config_setting_t *list, const char *what, int first,
                      int last, int64_t **out)
{
    *out = NULL;
    if (!list)
        return 0;
    if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
        mvg_cfgp_fail(c, list, "calendar: '%s' must be a list ( (\"YYYY-MM-DD\", \"name\"), ... )",
                      what);
        return -1;
    }
    int n = config_setting_length(list), bad = 0;
    int64_t *d = calloc(n ? (size_t)n : 1, sizeof *d);
    if (!d)
        return -1;
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        const char *date = NULL;
        if (config_setting_is_list(e) && config_setting_length(e) >= 1)
            date = config_setting_get_string_elem(e, 0);
        else
            date = config_setting_get_string(e);
        int64_t ms;
        mvg_timefmt_civil cv;
        if (!date || strlen(date) != 10 || mvg_timefmt_parse(date, &ms) != 0) {
            mvg_cfgp_fail(c, e, "calendar: %s[%d] must be (\"YYYY-MM-DD\", \"name\")", what, i);
            bad = 1;
            continue;
        }
        mvg_timefmt_to_civil(ms, &cv);
        if (cv.year < first || cv.year > last) {
            mvg_cfgp_fail(c, e, "calendar: %s[%d] %s is outside the years it covers (%d-%d)", what,
                          i, date, first, last);
            bad = 1;
            continue;
        }
        d[i] = mvg_catvar_day(ms, 0);
    }
    if (bad) {
        free(d);
        return -1;
    }
    qsort(d, (size_t)n, sizeof *d, cmp_i64);
    for (int i = 1; i < n; i++)
        if (d[i] == d[i - 1]) {
            mvg_cfgp_fail(c, list, "calendar: a day is listed twice in '%s'", what);
            free(d);
            return -1;
        }
    *out = d;
    return n;
}

static void calendar_free(mvg_calendar *cal)
{
    if (!cal)
        return;
    free(cal->holidays);
    free(cal->workdays);
    free(cal);
}

/* Reads the calendar file at path into a new mvg_calendar, or NULL after
 * reporting what is wrong where. */
static mvg_calendar *read_calendar(ctx_t *c, const char *path, const char *name)
{
    config_t pc;
    config_init(&pc);
    config_set_options(&pc, CONFIG_OPTION_AUTOCONVERT);
    const char *include_dir = c->r.include_dir;
    c->r.include_dir = NULL; /* path is relative to the working directory already */
    mvg_calendar *cal = NULL;
    int errors = c->r.errors;
    if (config_read_file(&pc, path) != CONFIG_TRUE) {
        char what[MVG_CAL_NAME_MAX + 32];
        snprintf(what, sizeof what, " (calendar \"%s\")", name);
        mvg_cfgr_read_error(&c->r, &pc, path, what);
        goto out;
    }
    const config_setting_t *root = config_root_setting(&pc);
    static const char *const top[] = {"calendar", "holidays", "workdays", NULL};
    static const char *const meta[] = {"name", "region", "utc_offset", "first_year", "last_year",
                                       "source", NULL};
    mvg_cfgr_keys(&c->r, root, top, "calendar file");
    const config_setting_t *info = config_setting_get_member(root, "calendar");
    if (!info || !config_setting_is_group(info)) {
        mvg_cfgp_fail(c, info ? info : root,
                      "calendar \"%s\": 'calendar = { name; utc_offset; first_year; last_year; "
                      "source; };' is missing",
                      name);
        goto out;
    }
    mvg_cfgr_keys(&c->r, info, meta, "calendar");
    cal = calloc(1, sizeof *cal);
    if (!cal)
        goto out;
    char off[16] = "", src[512] = "";
    long long fy = 0, ly = 0;
    mvg_cfgr_string(&c->r, info, "name", "calendar", cal->name, sizeof cal->name);
    if (mvg_cfgr_string(&c->r, info, "utc_offset", "calendar", off, sizeof off) <= 0 ||
        mvg_timefmt_parse_offset(off, &cal->utc_offset_min) != 0)
        mvg_cfgp_fail(c, info,
                      "calendar \"%s\": 'utc_offset' must be an offset such as \"+08:00\" "
                      "(-12:00 to +14:00)",
                      name);
    if (mvg_cfgr_int(&c->r, info, "first_year", "calendar", 1970, 9999, &fy) <= 0 ||
        mvg_cfgr_int(&c->r, info, "last_year", "calendar", 1970, 9999, &ly) <= 0 || ly < fy)
        mvg_cfgp_fail(c, info, "calendar \"%s\": 'first_year' and 'last_year' (1970..9999, "
                               "first <= last) say which years its lists are complete for",
                      name);
    if (mvg_cfgr_string(&c->r, info, "source", "calendar", src, sizeof src) <= 0 || !src[0])
        mvg_cfgp_fail(c, info, "calendar \"%s\": 'source' is missing (say where the dates come "
                               "from)",
                      name);
    cal->first_year = (int)fy;
    cal->last_year = (int)ly;
    if (c->r.errors == errors) {
        long nh = read_days(c, config_setting_get_member(root, "holidays"), "holidays", cal->first_year,
                            cal->last_year, &cal->holidays);
        long nw = read_days(c, config_setting_get_member(root, "workdays"), "workdays", cal->first_year,
                            cal->last_year, &cal->workdays);
        cal->nholidays = nh > 0 ? (size_t)nh : 0;
        cal->nworkdays = nw > 0 ? (size_t)nw : 0;
        for (size_t i = 0; nh > 0 && nw > 0 && i < cal->nworkdays; i++)
            for (size_t k = 0; k < cal->nholidays; k++)
                if (cal->workdays[i] == cal->holidays[k]) {
                    mvg_cfgp_fail(c, root, "calendar \"%s\": a day is both a holiday and a "
                                           "working day",
                                  name);
                    i = cal->nworkdays;
                    break;
                }
    }
out:
    config_destroy(&pc);
    c->r.include_dir = include_dir;
    if (c->r.errors != errors) {
        calendar_free(cal);
        return NULL;
    }
    return cal;
}

/* The calendar `name` (read once per configuration), or NULL after
 * reporting at `at`. */
static const mvg_calendar *get_calendar(ctx_t *c, const config_setting_t *at, const char *ctxs,
                                        const char *name)
{
    for (size_t i = 0; i < c->out->ncalendars; i++)
        if (strcmp(c->out->calendar_keys[i], name) == 0)
            return c->out->calendars[i];
    char path[MVG_PATH_MAX + 2 * MVG_CAL_NAME_MAX], searched[6 * MVG_PATH_MAX];
    if (!mvg_cfgp_data_file(c, "calendars", name, path, sizeof path, searched, sizeof searched)) {
        mvg_cfgp_fail(c, at, "%s: calendar \"%s\" not found (looked for %s%s in %s)", ctxs, name,
                      name, strchr(name, '/') ? "" : ".conf", searched);
        return NULL;
    }
    mvg_calendar *cal = read_calendar(c, path, name);
    if (!cal)
        return NULL;
    mvg_calendar **cs = realloc(c->out->calendars, (c->out->ncalendars + 1) * sizeof *cs);
    char **ks = realloc(c->out->calendar_keys, (c->out->ncalendars + 1) * sizeof *ks);
    if (cs)
        c->out->calendars = cs;
    if (ks)
        c->out->calendar_keys = ks;
    char *key = strdup(name);
    if (!cs || !ks || !key) {
        free(key);
        calendar_free(cal);
        mvg_cfgp_fail(c, at, "out of memory");
        return NULL;
    }
    c->out->calendars[c->out->ncalendars] = cal;
    c->out->calendar_keys[c->out->ncalendars++] = key;
    return cal;
}

void mvg_cfgp_calendars_free(mvg_projects_cfg *p)
{
    for (size_t i = 0; i < p->ncalendars; i++) {
        calendar_free(p->calendars[i]);
        free(p->calendar_keys[i]);
    }
    free(p->calendars);
    free(p->calendar_keys);
}

/* "HH:MM-HH:MM" into minutes (24:00 allowed as an end). */
static int parse_window(const char *s, int *start, int *end)
{
    int h1, m1, h2, m2;
    char tail;
    if (!s || strlen(s) != 11 || sscanf(s, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
        h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0))
        return -1;
    *start = h1 * 60 + m1;
    *end = h2 * 60 + m2;
    if (*end == 1440)
        *end = 0; /* ends at midnight: wraps to 0 */
    return *start == *end ? -1 : 0;
}

/* 1 when minute m of the day is inside window k of op. */
static int in_window(const mvg_operating *op, size_t k, int m)
{
    int s = op->shift_start[k], e = op->shift_end[k];
    return s < e ? (m >= s && m < e) : (m >= s || m < e);
}

/*
 * The operating calendar keys of project g into prj (docs/config.md
 * "Projects"): annual_basis = "calendar" needs `calendar`; rest_days,
 * shifts and calendar_year only with it. The normal year must be one the
 * calendar covers.
 */
void mvg_cfgp_parse_operating(ctx_t *c, const config_setting_t *g, const char *ctxs,
                              mvg_project_cfg *prj)
{
    const config_setting_t *basis = config_setting_get_member(g, "annual_basis");
    const config_setting_t *cal = config_setting_get_member(g, "calendar");
    const config_setting_t *rest = config_setting_get_member(g, "rest_days");
    const config_setting_t *shifts = config_setting_get_member(g, "shifts");
    const config_setting_t *year = config_setting_get_member(g, "calendar_year");
    memset(&prj->operating, 0, sizeof prj->operating);
    prj->operating.rest_days = (1u << 0) | (1u << 6); /* Sunday, Saturday */
    if (prj->annual_basis != MVG_ANNUAL_CALENDAR) {
        const config_setting_t *stray = cal ? cal : rest ? rest : shifts ? shifts : year;
        if (stray)
            mvg_cfgp_fail(c, stray, "%s: '%s' applies only with annual_basis = \"calendar\"", ctxs,
                          config_setting_name(stray));
        return;
    }
    if (!cal) {
        mvg_cfgp_fail(c, basis, "%s: annual_basis = \"calendar\" needs 'calendar' (e.g. "
                                "calendar = \"hk\"; or \"cn\")",
                      ctxs);
        return;
    }
    prj->operating.cal = get_calendar(c, cal, ctxs, prj->calendar);
    if (rest) {
        static const char *const wd[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        prj->operating.rest_days = 0;
        int n = config_setting_is_array(rest) || config_setting_is_list(rest)
                    ? config_setting_length(rest)
                    : -1;
        if (n < 0)
            mvg_cfgp_fail(c, rest, "%s: 'rest_days' must be a list of weekdays, e.g. [\"sat\", "
                                   "\"sun\"] (or [] for none)",
                          ctxs);
        for (int i = 0; i < n; i++) {
            const char *s = config_setting_get_string_elem(rest, (unsigned)i);
            int w = 0;
            while (w < 7 && (!s || strcmp(s, wd[w]) != 0))
                w++;
            if (w == 7)
                mvg_cfgp_fail(c, rest, "%s: rest_days[%d] must be one of sun, mon, tue, wed, thu, "
                                       "fri, sat",
                              ctxs, i);
            else
                prj->operating.rest_days |= 1u << w;
        }
    }
    if (shifts) {
        int n = config_setting_is_array(shifts) || config_setting_is_list(shifts)
                    ? config_setting_length(shifts)
                    : -1;
        if (n < 0 || n > MVG_CAL_MAX_SHIFTS)
            mvg_cfgp_fail(c, shifts, "%s: 'shifts' must be a list of 1..%d windows \"HH:MM-HH:MM\"",
                          ctxs, MVG_CAL_MAX_SHIFTS);
        for (int i = 0; i >= 0 && i < n && i < MVG_CAL_MAX_SHIFTS; i++) {
            const char *s = config_setting_get_string_elem(shifts, (unsigned)i);
            size_t k = prj->operating.nshifts;
            if (parse_window(s, &prj->operating.shift_start[k], &prj->operating.shift_end[k]) != 0) {
                mvg_cfgp_fail(c, shifts, "%s: shifts[%d] must be \"HH:MM-HH:MM\" (a start and a "
                                         "different end; \"22:00-06:00\" runs past midnight)",
                              ctxs, i);
                continue;
            }
            for (size_t j = 0; j < k; j++)
                if (in_window(&prj->operating, j, prj->operating.shift_start[k]) ||
                    in_window(&prj->operating, k, prj->operating.shift_start[j])) {
                    mvg_cfgp_fail(c, shifts, "%s: shifts[%d] overlaps shifts[%zu]", ctxs, i, j);
                    break;
                }
            prj->operating.nshifts++;
        }
    }
    if (!prj->operating.cal)
        return;
    int off = prj->operating.cal->utc_offset_min;
    if (!year) {
        /* the local year of the reporting start */
        mvg_timefmt_civil cv;
        mvg_timefmt_to_civil(prj->reporting_start_ms + (int64_t)off * 60000, &cv);
        prj->calendar_year = (int)cv.year;
    }
    if (prj->calendar_year < prj->operating.cal->first_year ||
        prj->calendar_year > prj->operating.cal->last_year)
        mvg_cfgp_fail(c, year ? year : cal,
                      "%s: calendar \"%s\" covers %d-%d, not the normal year %d%s", ctxs,
                      prj->calendar, prj->operating.cal->first_year,
                      prj->operating.cal->last_year, prj->calendar_year,
                      year ? "" : " (the year of the reporting start: set calendar_year)");
}
