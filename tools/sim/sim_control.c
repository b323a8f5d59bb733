/*
 * sim_control.c: control-port commands and their line-based listener.
 */
#include "sim_control.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "timefmt.h"

#define MAXCTL 8
#define LINE_MAX_LEN 512
#define MAXTOK 6

static int reply_error(char *reply, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int reply_error(char *reply, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(reply, len, "error: ");
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < len)
        vsnprintf(reply + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int ok(char *reply, size_t len)
{
    snprintf(reply, len, "ok");
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

void mvg_sim_control_iso8601(double t, char *buf, size_t len)
{
    double whole = floor(t);
    int64_t ms = (int64_t)whole * 1000 + (int64_t)((t - whole) * 1000.0);
    mvg_timefmt_format(ms, MVG_TIMEFMT_MS | MVG_TIMEFMT_Z, buf, len);
}

/* Appends to a fixed buffer; reports truncation once at the end. */
typedef struct {
    char *buf;
    size_t len, used;
    int truncated;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->used >= b->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->used, b->len - b->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->len - b->used) {
        b->truncated = 1;
        b->used = b->len;
    } else {
        b->used += (size_t)n;
    }
}

static void put_num(sbuf *b, double v)
{
    if (isfinite(v))
        put(b, "%.10g", v);
    else
        put(b, "null");
}

static const char *device_name(mvg_sim_plant_kind k, int unit)
{
    size_t n;
    const mvg_sim_device *d = mvg_sim_plant_devices(k, &n);
    for (size_t i = 0; i < n; i++)
        if (d[i].unit == unit)
            return d[i].name;
    return "?";
}

static int status(const mvg_sim_control_env *env, char *reply, size_t len)
{
    sbuf b = {reply, len, 0, 0};
    char clock[40];
    const mvg_sim_faults *f = env->faults;
    if (env->plant == NULL) {
        mvg_sim_control_iso8601(env->plant_time, clock, sizeof clock);
        put(&b, "{\"plant\":\"bulk\",\"clock\":\"%s\",\"t\":%.3f,\"time_scale\":%g,\"points\":%zu", clock,
            env->plant_time, env->time_scale, mvg_sim_regs_npoints(env->regs));
    } else {
        mvg_sim_plant_kind k = mvg_sim_plant_kind_of(env->plant);
        double t = mvg_sim_plant_time(env->plant);
        mvg_sim_control_iso8601(t, clock, sizeof clock);
        put(&b, "{\"plant\":\"%s\",\"phase\":\"%s\",\"clock\":\"%s\",\"t\":%.3f,\"time_scale\":%g",
            mvg_sim_plant_kind_name(k), mvg_sim_phase_name(mvg_sim_plant_phase(env->plant)), clock, t,
            env->time_scale);
        size_t n;
        const mvg_sim_point *pts = mvg_sim_plant_points(k, &n);
        put(&b, ",\"values\":{");
        for (size_t i = 0; i < n; i++) {
            put(&b, "%s\"%s.%s\":", i ? "," : "", device_name(k, pts[i].unit), pts[i].name);
            put_num(&b, mvg_sim_plant_value(env->plant, i));
        }
        const char *names[8];
        double vals[8];
        size_t ns = mvg_sim_plant_state(env->plant, names, vals, 8);
        put(&b, "},\"state\":{");
        for (size_t i = 0; i < ns && i < 8; i++) {
            put(&b, "%s\"%s\":", i ? "," : "", names[i]);
            put_num(&b, vals[i]);
        }
        put(&b, "}");
    }
    put(&b, ",\"faults\":{\"drop_all\":%s,\"delay_all_ms\":%d,\"exception_all\":%d}}",
        f->drop_all ? "true" : "false", f->delay_all_ms, f->exc_all);
    if (b.truncated)
        return reply_error(reply, len, "status does not fit in %zu bytes", len);
    return 0;
}

/* Optional UNIT argument of drop/delay/exception: -1 when absent. */
static int opt_unit(const mvg_sim_control_env *env, const char *tok, long *unit, char *reply, size_t len)
{
    *unit = -1;
    if (tok == NULL)
        return 0;
    if (parse_long(tok, 0, 255, unit) != 0)
        return reply_error(reply, len, "'%s' is not a unit id (0..255)", tok);
    if (mvg_sim_regs_mapping(env->regs, (int)*unit) == NULL)
        return reply_error(reply, len, "no meter at unit %ld", *unit);
    return 0;
}

static int point_fault(const mvg_sim_control_env *env, const char *what, char **tok, int ntok, char *reply,
                       size_t len)
{
    long unit;
    size_t idx;
    char err[200];
    if (ntok != 4)
        return reply_error(reply, len, "usage: fault %s UNIT ADDRESS", what);
    if (parse_long(tok[2], 0, 255, &unit) != 0)
        return reply_error(reply, len, "'%s' is not a unit id (0..255)", tok[2]);
    if (mvg_sim_regs_find(env->regs, (int)unit, tok[3], &idx, err, sizeof err) != 0)
        return reply_error(reply, len, "%s", err);
    int rc;
    if (strcmp(what, "nan") == 0) {
        rc = mvg_sim_regs_fault_nan(env->regs, idx, err, sizeof err);
    } else if (strcmp(what, "reset") == 0) {
        rc = mvg_sim_regs_fault_reset(env->regs, idx, err, sizeof err);
    } else {
        const mvg_sim_point *p = mvg_sim_regs_point(env->regs, idx);
        double rate = env->plant ? mvg_sim_plant_rate(env->plant, idx) : 0.0;
        double before = ceil(rate * MVG_SIM_ROLLOVER_LEAD_S / p->scale);
        rc = mvg_sim_regs_fault_rollover(env->regs, idx, before < 10 ? 10 : before, err, sizeof err);
    }
    if (rc != 0)
        return reply_error(reply, len, "%s", err);
    return ok(reply, len);
}

static int fault(const mvg_sim_control_env *env, char **tok, int ntok, char *reply, size_t len)
{
    mvg_sim_faults *f = env->faults;
    long unit, v;
    if (ntok < 2)
        return reply_error(reply, len, "usage: fault drop|delay|exception|nan|rollover|reset ...");
    const char *what = tok[1];
    if (strcmp(what, "drop") == 0) {
        if (ntok > 3)
            return reply_error(reply, len, "usage: fault drop [UNIT]");
        if (opt_unit(env, ntok > 2 ? tok[2] : NULL, &unit, reply, len) != 0)
            return -1;
        /* All units: the whole gateway dies, so its connections go too.
         * One unit: a dead meter behind a live gateway; the connection, which
         * other meters share, stays up and that unit just never answers. */
        if (unit < 0) {
            f->drop_all = 1;
            f->drop_gen++;
        } else {
            f->drop[unit] = 1;
        }
        return ok(reply, len);
    }
    if (strcmp(what, "delay") == 0 || strcmp(what, "exception") == 0) {
        int is_delay = what[1] == 'e';
        if (ntok < 3 || ntok > 4)
            return reply_error(reply, len, "usage: fault %s %s [UNIT]", what, is_delay ? "MS" : "CODE");
        if (is_delay ? parse_long(tok[2], 0, 600000, &v) : parse_long(tok[2], 1, 11, &v))
            return reply_error(reply, len, is_delay ? "delay '%s' must be 0..600000 ms"
                                             : "exception code '%s' must be 1..11", tok[2]);
        if (opt_unit(env, ntok > 3 ? tok[3] : NULL, &unit, reply, len) != 0)
            return -1;
        if (is_delay) {
            if (unit < 0)
                f->delay_all_ms = (int)v;
            else
                f->delay_ms[unit] = (int)v;
        } else {
            if (unit < 0)
                f->exc_all = (int)v;
            else
                f->exc[unit] = (uint8_t)v;
        }
        return ok(reply, len);
    }
    if (strcmp(what, "nan") == 0 || strcmp(what, "rollover") == 0 || strcmp(what, "reset") == 0)
        return point_fault(env, what, tok, ntok, reply, len);
    return reply_error(reply, len, "unknown fault '%s' (drop, delay, exception, nan, rollover, reset)", what);
}

int mvg_sim_control_exec(const mvg_sim_control_env *env, const char *line, char *reply, size_t len)
{
    char copy[LINE_MAX_LEN];
    char *tok[MAXTOK], *save = NULL;
    int ntok = 0;
    snprintf(copy, sizeof copy, "%s", line);
    for (char *t = strtok_r(copy, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (ntok == MAXTOK)
            return reply_error(reply, len, "too many words");
        tok[ntok++] = t;
    }
    if (ntok == 0)
        return reply_error(reply, len, "empty command (try help)");
    if (strcmp(tok[0], "status") == 0 && ntok == 1)
        return status(env, reply, len);
    if (strcmp(tok[0], "phase") == 0) {
        mvg_sim_phase ph;
        if (ntok != 2 || mvg_sim_phase_parse(tok[1], &ph) != 0)
            return reply_error(reply, len, "usage: phase baseline|retrofit");
        if (env->plant == NULL)
            return reply_error(reply, len, "bulk mode has no plant and no phase");
        mvg_sim_plant_set_phase(env->plant, ph);
        return ok(reply, len);
    }
    if (strcmp(tok[0], "fault") == 0)
        return fault(env, tok, ntok, reply, len);
    if (strcmp(tok[0], "clear") == 0 && ntok == 1) {
        mvg_sim_faults *f = env->faults;
        unsigned gen = f->drop_gen;
        memset(f, 0, sizeof *f);
        f->drop_gen = gen;
        mvg_sim_regs_clear_faults(env->regs);
        return ok(reply, len);
    }
    if (strcmp(tok[0], "help") == 0) {
        snprintf(reply, len, "ok: phase baseline|retrofit; fault drop [UNIT]; fault delay MS [UNIT]; "
                             "fault exception CODE [UNIT]; fault nan|rollover|reset UNIT ADDRESS; clear; "
                             "status");
        return 0;
    }
    return reply_error(reply, len, "unknown command '%s' (try help)", tok[0]);
}

/* ---- listener ------------------------------------------------------------ */

typedef struct {
    int fd;
    char buf[LINE_MAX_LEN];
    size_t len;
} ctl_client;

struct mvg_sim_control {
    int lfd;
    int port;
    mvg_sim_control_fn fn;
    void *user;
    ctl_client cl[MAXCTL];
};

mvg_sim_control *mvg_sim_control_new(const char *host, int port, mvg_sim_control_fn fn, void *user,
                                     char *err, size_t errlen)
{
    mvg_sim_control *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->fn = fn;
    c->user = user;
    for (int i = 0; i < MAXCTL; i++)
        c->cl[i].fd = -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "control host '%s' is not an IPv4 address", host);
        goto fail;
    }
    c->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (c->lfd < 0 || setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(c->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(c->lfd, 4) != 0) {
        snprintf(err, errlen, "cannot listen on control port %s:%d: %s", host, port, strerror(errno));
        goto fail;
    }
    socklen_t sl = sizeof sa;
    getsockname(c->lfd, (struct sockaddr *)&sa, &sl);
    c->port = ntohs(sa.sin_port);
    return c;
fail:
    if (c->lfd >= 0)
        close(c->lfd);
    free(c);
    return NULL;
}

void mvg_sim_control_free(mvg_sim_control *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < MAXCTL; i++)
        if (c->cl[i].fd >= 0)
            close(c->cl[i].fd);
    close(c->lfd);
    free(c);
}

int mvg_sim_control_port(const mvg_sim_control *c)
{
    return c->port;
}

int mvg_sim_control_fdset(const mvg_sim_control *c, fd_set *rd, int maxfd)
{
    FD_SET(c->lfd, rd);
    if (c->lfd > maxfd)
        maxfd = c->lfd;
    for (int i = 0; i < MAXCTL; i++)
        if (c->cl[i].fd >= 0) {
            FD_SET(c->cl[i].fd, rd);
            if (c->cl[i].fd > maxfd)
                maxfd = c->cl[i].fd;
        }
    return maxfd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void drop_client(ctl_client *cl)
{
    close(cl->fd);
    cl->fd = -1;
    cl->len = 0;
}

void mvg_sim_control_process(mvg_sim_control *c, const fd_set *rd)
{
    if (FD_ISSET(c->lfd, rd)) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            int placed = 0;
            for (int i = 0; i < MAXCTL && !placed; i++)
                if (c->cl[i].fd < 0) {
                    c->cl[i].fd = fd;
                    c->cl[i].len = 0;
                    placed = 1;
                }
            if (!placed) {
                send_all(fd, "error: too many control clients\n", 32);
                close(fd);
            }
        }
    }
    for (int i = 0; i < MAXCTL; i++) {
        ctl_client *cl = &c->cl[i];
        if (cl->fd < 0 || !FD_ISSET(cl->fd, rd))
            continue;
        ssize_t n = recv(cl->fd, cl->buf + cl->len, sizeof cl->buf - 1 - cl->len, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            drop_client(cl);
            continue;
        }
        cl->len += (size_t)n;
        char *nl;
        while (cl->fd >= 0 && (nl = memchr(cl->buf, '\n', cl->len)) != NULL) {
            *nl = '\0';
            char *reply = malloc(MVG_SIM_CONTROL_REPLY_MAX);
            if (reply) {
                c->fn(c->user, cl->buf, reply, MVG_SIM_CONTROL_REPLY_MAX - 1);
                strcat(reply, "\n");
                send_all(cl->fd, reply, strlen(reply));
                free(reply);
            }
            size_t used = (size_t)(nl - cl->buf) + 1;
            memmove(cl->buf, cl->buf + used, cl->len - used);
            cl->len -= used;
        }
        if (cl->fd >= 0 && cl->len == sizeof cl->buf - 1) {
            send_all(cl->fd, "error: line too long\n", 21);
            drop_client(cl);
        }
    }
}
