/*
 * cmd_scan.c: `mvgate scan`, for a commissioning day: which unit ids answer
 * on one TCP host or serial line, what each says of itself (Read Device
 * Identification, function 43/14, basic objects) and which profile's
 * identify block matches it (docs/profiles.md), then a config fragment to
 * paste: the bus and one device per answering unit. Uses the daemon's
 * transports, so a unit that answers here answers the daemon with the same
 * settings. Exit 0 when some unit answered, 1 when none did, 2 on usage
 * errors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_args.h"
#include "commands.h"
#include "config.h"
#include "config_table.h"
#include "diag.h"
#include "log.h"
#include "transport.h"

static const char *const bus_types[] = {"tcp", "rtu", "rtu-tcp", NULL};
static const char *const parities[] = {"N", "E", "O", NULL};
static const char *const probe_areas[] = {"holding", "input", NULL};

/* What one unit told us. */
typedef struct {
    int unit;
    int answered;
    char probe[160];   /* the probe's answer, for the listing */
    int has_ident;
    mvg_pdu_ident ident;
    char ident_note[340]; /* why there is no identification */
    const mvg_profile_info *match;
    char match_how[160];
    char others[300];  /* other profiles that matched too */
} unit_result;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mvgate scan (--host HOST [--port N] [--type tcp|rtu-tcp]\n"
            "                    | --device PATH [--baud N] [--parity N|E|O] [--data-bits N]\n"
            "                      [--stop-bits N])\n"
            "                   [--units FIRST-LAST] [--timeout-ms N] [--probe-area holding|input]\n"
            "                   [--probe-address N] [--bus-name NAME] [--profile-dir DIR]\n"
            "                   [--trace]\n"
            "Asks every unit id of the range for one register (an exception reply counts as\n"
            "an answer), then each unit that answered for its device identification\n"
            "(function 43/14) and for the signature registers of the profiles that declare\n"
            "them, and prints what it found and a config fragment (bus and devices) to paste.\n"
            "A silent unit costs the timeout (twice on RTU lines, which wait out a late reply).\n"
            "Exit 0 when a unit answered, 1 when none did, 2 on errors.\n");
}

/* An integer option within lo..hi; -1 with a message when it is not. */
static int int_opt(const char *name, const char *s, long lo, long hi, int *out)
{
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "mvgate scan: --%s must be %ld..%ld, not '%s'\n", name, lo, hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* "A-B" or "A": 0, or -1 with a message. */
static int units_opt(const char *s, int lo, int hi, int *first, int *last)
{
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10), b = a;
    if (!errno && end != s && *end == '-') {
        const char *rest = end + 1;
        b = strtol(rest, &end, 10);
        if (end == rest)
            errno = EINVAL;
    }
    if (errno || end == s || *end || a < lo || b > hi || a > b) {
        fprintf(stderr, "mvgate scan: --units must be FIRST-LAST within %d..%d, not '%s'\n", lo,
                hi, s);
        return -1;
    }
    *first = (int)a;
    *last = (int)b;
    return 0;
}

/* needle in hay, any case. */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return n == 0;
}

/*
 * Whether profile pr's identify block matches unit r: every declared part
 * that could be checked agrees, and at least one could be checked (strings
 * need the unit's identification). how says what matched.
 */
static int profile_matches(mvg_transport *t, const unit_result *r, const mvg_profile_info *pr,
                           char *how, size_t howlen)
{
    const mvg_profile_ident *id = &pr->ident;
    int checked = 0;
    how[0] = '\0';
    if (id->vendor[0] || id->product[0]) {
        if (r->has_ident) {
            if (id->vendor[0] && !contains_nocase(r->ident.vendor, id->vendor))
                return 0;
            if (id->product[0] && !contains_nocase(r->ident.product, id->product))
                return 0;
            checked = 1;
            snprintf(how, howlen, "identification");
        } else if (id->nregs == 0) {
            return 0;
        }
    }
    for (size_t i = 0; i < id->nregs; i++) {
        const mvg_ident_reg *g = &id->regs[i];
        uint16_t v = 0;
        uint8_t exc = 0;
        char err[300];
        if (mvg_transport_read(t, r->unit, g->area, g->address, 1, &v, NULL, &exc, err,
                               sizeof err) != MVG_TR_OK ||
            v < g->min || v > g->max)
            return 0;
        checked = 1;
        size_t used = strlen(how);
        snprintf(how + used, howlen - used, "%s%s %u = %u", used ? ", " : "",
                 mvg_area_name(g->area), g->address, v);
    }
    return checked;
}

static void scan_unit(mvg_transport *t, int unit, mvg_area probe_area, int probe_address,
                      const mvg_profile_info *profiles, size_t nprofiles, unit_result *r)
{
    char err[300];
    uint16_t v = 0;
    uint8_t exc = 0;
    memset(r, 0, sizeof *r);
    r->unit = unit;
    int rc = mvg_transport_read(t, unit, probe_area, (unsigned)probe_address, 1, &v, NULL, &exc,
                                err, sizeof err);
    if (rc == MVG_TR_OK)
        snprintf(r->probe, sizeof r->probe, "%s %d = %u", mvg_area_name(probe_area), probe_address,
                 v);
    else if (rc == MVG_TR_EXCEPTION)
        snprintf(r->probe, sizeof r->probe, "%s %d: exception %u (%s)", mvg_area_name(probe_area),
                 probe_address, exc, mvg_exception_name(exc));
    else
        return; /* silent, or a gateway saying its target did not answer */
    r->answered = 1;
    rc = mvg_transport_identify(t, unit, &r->ident, &exc, err, sizeof err);
    if (rc == MVG_TR_OK)
        r->has_ident = 1;
    else if (rc == MVG_TR_EXCEPTION)
        snprintf(r->ident_note, sizeof r->ident_note, "not supported (exception %u: %s)", exc,
                 mvg_exception_name(exc));
    else
        snprintf(r->ident_note, sizeof r->ident_note, "no valid reply (%s)", err);
    for (size_t i = 0; i < nprofiles; i++) {
        char how[160];
        if (!profiles[i].ident.declared || !profile_matches(t, r, &profiles[i], how, sizeof how))
            continue;
        if (!r->match) {
            r->match = &profiles[i];
            snprintf(r->match_how, sizeof r->match_how, "%s", how);
        } else {
            size_t used = strlen(r->others);
            snprintf(r->others + used, sizeof r->others - used, "%s%s", used ? ", " : "",
                     profiles[i].name);
        }
    }
}

static void print_unit(const unit_result *r)
{
    printf("unit %d: answers (%s)\n", r->unit, r->probe);
    if (r->has_ident)
        printf("  identification: vendor \"%s\", product \"%s\", revision \"%s\"\n",
               r->ident.vendor, r->ident.product, r->ident.revision);
    else
        printf("  identification: %s\n", r->ident_note);
    if (r->match)
        printf("  profile: %s (matched by %s)\n", r->match->name, r->match_how);
    else
        printf("  profile: none matched\n");
    if (r->others[0])
        printf("  also matched: %s\n", r->others);
}

/* The bus and device entries, in the configuration's syntax (docs/config.md). */
static void print_fragment(const mvg_bus_cfg *bus, const unit_result *res, size_t n)
{
    printf("\n# config fragment: paste into the configuration (check it with mvgate check)\n");
    printf("buses = (\n  { name = \"%s\"; type = \"%s\"; ", bus->name, bus_types[bus->type]);
    if (bus->type == MVG_BUS_RTU)
        printf("device = \"%s\"; baud = %d; parity = \"%c\"; data_bits = %d; stop_bits = %d; ",
               bus->device, bus->baud, bus->parity, bus->data_bits, bus->stop_bits);
    else
        printf("host = \"%s\"; port = %d; ", bus->host, bus->port);
    printf("timeout_ms = %d; }\n);\n", bus->timeout_ms);
    printf("devices = (\n");
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i].answered && res[i].match)
            last = i;
    for (size_t i = 0; i < n; i++) {
        const unit_result *r = &res[i];
        if (!r->answered)
            continue;
        if (!r->match) {
            printf("  # unit %d: no profile matched; give it a profile or its points\n", r->unit);
            continue;
        }
        printf("  { name = \"%s_%d\"; bus = \"%s\"; unit_id = %d; profile = \"%s\"; }%s\n",
               bus->name, r->unit, bus->name, r->unit, r->match->name, i == last ? "" : ",");
    }
    printf(");\n");
}

int mvg_cmd_scan(int argc, char **argv)
{
    const char *host = NULL, *port = NULL, *device = NULL, *baud = NULL, *data_bits = NULL,
               *stop_bits = NULL, *units = NULL, *timeout = NULL, *probe_address = NULL,
               *bus_name = "scan";
    int type = -1, parity = 0, probe = 0, trace = 0;
    mvg_config_opts copts = {0};
    const mvg_arg args[] = {
        {"host", 0, MVG_ARG_STR, &host, NULL, 0, "HOST", "a Modbus TCP host or serial device server"},
        {"port", 0, MVG_ARG_STR, &port, NULL, 0, "N", "its TCP port (default 502)"},
        {"type", 0, MVG_ARG_CHOICE, &type, bus_types, 0, NULL,
         "the bus type (default tcp with --host, rtu with --device)"},
        {"device", 0, MVG_ARG_STR, &device, NULL, 0, "PATH", "a serial port (/dev/ttyUSB0)"},
        {"baud", 0, MVG_ARG_STR, &baud, NULL, 0, "N", "serial: bits per second (default 9600)"},
        {"parity", 0, MVG_ARG_CHOICE, &parity, parities, 0, NULL, "serial: parity (default N)"},
        {"data-bits", 0, MVG_ARG_STR, &data_bits, NULL, 0, "N", "serial: 5..8 (default 8)"},
        {"stop-bits", 0, MVG_ARG_STR, &stop_bits, NULL, 0, "N", "serial: 1 or 2 (default 1)"},
        {"units", 0, MVG_ARG_STR, &units, NULL, 0, "FIRST-LAST",
         "the unit ids to ask (default 1-247)"},
        {"timeout-ms", 0, MVG_ARG_STR, &timeout, NULL, 0, "N",
         "per request, 1..60000 (default 300)"},
        {"probe-area", 0, MVG_ARG_CHOICE, &probe, probe_areas, 0, NULL,
         "the register area of the probe (default holding)"},
        {"probe-address", 0, MVG_ARG_STR, &probe_address, NULL, 0, "N",
         "the probe's register address, 0..65535 (default 0)"},
        {"bus-name", 0, MVG_ARG_STR, &bus_name, NULL, 0, "NAME",
         "the bus's name in the fragment (default scan)"},
        {"profile-dir", 0, MVG_ARG_STR, &copts.profile_dir, NULL, 0, "DIR",
         "look for profiles here first"},
        {"trace", 0, MVG_ARG_FLAG, &trace, NULL, 0, NULL,
         "every request and reply frame in hex, with its timing (stderr)"},
        MVG_ARG_END,
    };
    int exit_code = mvg_cli_args("scan", argc, argv, args, 0, NULL, usage);
    if (exit_code >= 0)
        return exit_code;

    mvg_bus_cfg bus = {.port = 502, .baud = 9600, .parity = 'N', .data_bits = 8, .stop_bits = 1,
                       .timeout_ms = 300, .retries = 0};
    int first = 1, last = 247, probe_addr = 0;
    if (!host == !device) {
        fprintf(stderr, "mvgate scan: give --host (TCP) or --device (serial line), one of them\n");
        return 2;
    }
    if (type < 0)
        type = host ? MVG_BUS_TCP : MVG_BUS_RTU;
    if ((type == MVG_BUS_RTU) != (device != NULL)) {
        fprintf(stderr, "mvgate scan: --type %s needs %s\n", bus_types[type],
                type == MVG_BUS_RTU ? "--device" : "--host");
        return 2;
    }
    if (host && (baud || data_bits || stop_bits)) {
        fprintf(stderr, "mvgate scan: --baud, --data-bits and --stop-bits are for a serial line\n");
        return 2;
    }
    if (device && port) {
        fprintf(stderr, "mvgate scan: --port is the TCP port of --host; a serial line is --device\n");
        return 2;
    }
    bus.type = (mvg_bus_type)type;
    if (!mvg_config_name_ok(bus_name, 0)) {
        fprintf(stderr, "mvgate scan: --bus-name '%s' is not a name (A-Za-z0-9_-)\n", bus_name);
        return 2;
    }
    snprintf(bus.name, sizeof bus.name, "%s", bus_name);
    if (host && snprintf(bus.host, sizeof bus.host, "%s", host) >= (int)sizeof bus.host) {
        fprintf(stderr, "mvgate scan: --host is too long\n");
        return 2;
    }
    if (device && (device[0] != '/' ||
                   snprintf(bus.device, sizeof bus.device, "%s", device) >= (int)sizeof bus.device)) {
        fprintf(stderr, "mvgate scan: --device must be an absolute path (/dev/ttyUSB0)\n");
        return 2;
    }
    bus.parity = parities[parity][0];
    if (int_opt("port", port, 1, 65535, &bus.port) || int_opt("baud", baud, 1, 4000000, &bus.baud) ||
        int_opt("data-bits", data_bits, 5, 8, &bus.data_bits) ||
        int_opt("stop-bits", stop_bits, 1, 2, &bus.stop_bits) ||
        int_opt("timeout-ms", timeout, 1, 60000, &bus.timeout_ms) ||
        int_opt("probe-address", probe_address, 0, 65535, &probe_addr) ||
        units_opt(units, bus.type == MVG_BUS_TCP ? 0 : 1, bus.type == MVG_BUS_TCP ? 255 : 247,
                  &first, &last))
        return 2;

    mvg_diags *diags = mvg_diags_new();
    size_t nprofiles = 0;
    mvg_profile_info *profiles = diags ? mvg_config_profiles(NULL, &copts, &nprofiles, diags) : NULL;
    for (size_t i = 0; diags && i < mvg_diags_count(diags); i++)
        fprintf(stderr, "mvgate scan: warning: %s (that profile is left out)\n",
                mvg_diags_get(diags, i));
    mvg_diags_free(diags);

    mvg_log_set_trace(trace);
    char err[300];
    mvg_transport *t = mvg_transport_new(&bus, err, sizeof err);
    if (!t) {
        fprintf(stderr, "mvgate scan: %s\n", err);
        free(profiles);
        return 2;
    }
    size_t n = (size_t)(last - first + 1), answered = 0;
    unit_result *res = calloc(n, sizeof *res);
    if (!res) {
        fprintf(stderr, "mvgate scan: out of memory\n");
        mvg_transport_free(t);
        free(profiles);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        scan_unit(t, first + (int)i, probe ? MVG_AREA_INPUT : MVG_AREA_HOLDING, probe_addr,
                  profiles, nprofiles, &res[i]);
        if (res[i].answered) {
            print_unit(&res[i]);
            answered++;
        }
        fflush(stdout);
    }
    printf("%zu of %zu unit ids answered (%d..%d)\n", answered, n, first, last);
    if (answered)
        print_fragment(&bus, res, n);
    free(res);
    mvg_transport_free(t);
    free(profiles);
    return answered ? 0 : 1;
}
