/*
 * cli_args.c: one option parser for the subcommands (cli_args.h), on
 * getopt_long.
 */
#include "cli_args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "diag.h"

#define ARGS_MAX 24

static int take(const char *command, const mvg_arg *a, const char *arg)
{
    switch (a->kind) {
    case MVG_ARG_STR:
        *(const char **)a->out = arg;
        return 0;
    case MVG_ARG_FLAG:
        *(int *)a->out = 1;
        return 0;
    case MVG_ARG_TIME:
        if (mvg_cli_parse_when(arg, (int64_t *)a->out) == 0)
            return 0;
        fprintf(stderr, "mvgate %s: --%s '%s' is neither ISO 8601 UTC nor epoch ms\n", command,
                a->name, arg);
        return -1;
    case MVG_ARG_CHOICE:
        for (int i = 0; a->choices[i]; i++) {
            if (strcmp(a->choices[i], arg) == 0) {
                *(int *)a->out = i;
                return 0;
            }
        }
        char list[256];
        mvg_diag_join(list, sizeof list, a->choices, "", " or ");
        fprintf(stderr, "mvgate %s: --%s is %s, not '%s'\n", command, a->name, list, arg);
        return -1;
    case MVG_ARG_POSITIVE: {
        char *end;
        double v = strtod(arg, &end);
        if (end == arg || *end || !(v > 0) || !isfinite(v)) {
            fprintf(stderr, "mvgate %s: --%s must be a positive number, not '%s'\n", command,
                    a->name, arg);
            return -1;
        }
        *(double *)a->out = v;
        return 0;
    }
    case MVG_ARG_FRACTION: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (end == arg || *end || errno != 0 || !(v > 0 && v < 1)) {
            fprintf(stderr, "mvgate %s: --%s '%s' must be a number in (0, 1)\n", command, a->name,
                    arg);
            return -1;
        }
        *(double *)a->out = v;
        return 0;
    }
    case MVG_ARG_LIST: {
        mvg_arg_list *l = a->out;
        if (l->n == l->max) {
            fprintf(stderr, "mvgate %s: at most %zu --%s\n", command, l->max, a->name);
            return -1;
        }
        l->v[l->n++] = arg;
        return 0;
    }
    }
    return -1;
}

void mvg_cli_args_help(FILE *out, const mvg_arg *args)
{
    static const char *const by_kind[] = {"VALUE", "", "TIME", "", "NUMBER", "FRACTION", "VALUE"};
    fprintf(out, "\noptions:\n");
    for (const mvg_arg *a = args; a->name; a++) {
        char value[256] = "";
        if (a->kind == MVG_ARG_CHOICE && a->choices) {
            size_t o = 0;
            for (size_t i = 0; a->choices[i] && o < sizeof value; i++)
                o += (size_t)snprintf(value + o, sizeof value - o, "%s%s", i ? "|" : "",
                                      a->choices[i]);
        } else
            snprintf(value, sizeof value, "%s",
                     a->value ? a->value : by_kind[a->kind < 7 ? a->kind : 0]);
        char shortf[8] = "";
        if (a->short_name)
            snprintf(shortf, sizeof shortf, "-%c, ", a->short_name);
        char head[512];
        int w = snprintf(head, sizeof head, "  %s--%s%s%s%s%s", shortf, a->name,
                         value[0] ? " " : "", value, a->required ? " (required)" : "",
                         a->kind == MVG_ARG_LIST ? " (repeatable)" : "");
        if (!a->help) {
            fprintf(out, "%s\n", head);
            continue;
        }
        /* the text in a column of its own; a head too wide for it gets a line */
        enum { COL = 30 };
        const char *line = a->help;
        if (w >= COL - 1)
            fprintf(out, "%s\n%*s", head, COL, "");
        else
            fprintf(out, "%-*s", COL, head);
        for (;;) {
            const char *nl = strchr(line, '\n');
            int len = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(out, "%.*s\n", len, line);
            if (!nl)
                break;
            line = nl + 1;
            fprintf(out, "%*s", COL, "");
        }
    }
    fprintf(out, "  -h, --help\n");
}

int mvg_cli_args(const char *command, int argc, char **argv, const mvg_arg *args, int npositional,
                 int *first, void (*usage)(FILE *))
{
    struct option longopts[ARGS_MAX + 2];
    char shortopts[2 * ARGS_MAX + 2] = "h";
    size_t n = 0, slen = 1;
    int given[ARGS_MAX] = {0};
    for (; args[n].name; n++) {
        if (n == ARGS_MAX)
            abort(); /* a table larger than a subcommand ever needs: a programming error */
        int has_arg = args[n].kind == MVG_ARG_FLAG ? no_argument : required_argument;
        /* option values above any character stand for the table's rows */
        longopts[n] = (struct option){args[n].name, has_arg, NULL, 256 + (int)n};
        if (args[n].short_name) {
            shortopts[slen++] = args[n].short_name;
            if (has_arg == required_argument)
                shortopts[slen++] = ':';
        }
    }
    shortopts[slen] = '\0';
    longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n + 1] = (struct option){NULL, 0, NULL, 0};

    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            mvg_cli_args_help(stdout, args);
            return 0;
        }
        size_t row = n;
        if (c >= 256)
            row = (size_t)(c - 256);
        else
            for (size_t i = 0; i < n; i++)
                if (args[i].short_name == c)
                    row = i;
        if (row == n) {
            usage(stderr);
            return 2;
        }
        if (take(command, &args[row], optarg) != 0)
            return 2;
        given[row] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (args[i].required && !given[i]) {
            fprintf(stderr, "mvgate %s: --%s is required\n", command, args[i].name);
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind > npositional) {
        fprintf(stderr, "mvgate %s: unexpected argument '%s'\n", command,
                argv[optind + npositional]);
        return 2;
    }
    if (argc - optind < npositional) {
        usage(stderr);
        return 2;
    }
    if (first)
        *first = optind;
    return -1;
}
