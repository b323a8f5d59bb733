/*
 * cli_args.h: the options of a subcommand as one table. Each row names a
 * long option, its kind and where its value lands; the parser checks every
 * value by its kind (a time window, a choice among names, a positive number)
 * and prints the one message for each kind of mistake, so that the same
 * option reads and fails the same way in every subcommand. -h/--help is
 * always there. Owns nothing: values point into argv or the caller's
 * variables.
 */
#ifndef MVG_CLI_ARGS_H
#define MVG_CLI_ARGS_H

#include <stdio.h>

typedef enum {
    MVG_ARG_STR,      /* const char **: the argument as given */
    MVG_ARG_FLAG,     /* int *: set to 1, takes no argument */
    MVG_ARG_TIME,     /* int64_t *: ISO 8601 UTC or epoch ms (mvg_cli_parse_when) */
    MVG_ARG_CHOICE,   /* int *: the index of the argument in choices */
    MVG_ARG_POSITIVE, /* double *: a finite number above 0 */
    MVG_ARG_FRACTION, /* double *: a number strictly between 0 and 1 (a confidence) */
    MVG_ARG_LIST,     /* mvg_arg_list *: every occurrence, in order */
} mvg_arg_kind;

/* What a repeatable option collects: v[0..n), at most max of them. */
typedef struct {
    const char **v;
    size_t n, max;
} mvg_arg_list;

typedef struct {
    const char *name; /* the long option without "--"; NULL ends the table */
    char short_name;  /* its one-letter form, 0 for none */
    mvg_arg_kind kind;
    void *out;
    const char *const *choices; /* MVG_ARG_CHOICE: the names, NULL-terminated */
    int required;               /* 1: the command cannot run without it */
    const char *value;          /* the value's name in the help (NULL: by kind) */
    /* What it does, for the options block of --help (NULL: no text); '\n'
     * breaks it into lines. The one place an option is described, so that
     * a command's help lists each option once, as its parser takes it. */
    const char *help;
} mvg_arg;

/* The rows every command that reads a gateway's files has. */
#define MVG_ARG_CONFIG(path)                                                                       \
    {                                                                                              \
        "config", 'c', MVG_ARG_STR, (path), NULL, 1, "FILE",                                       \
            "the gateway's configuration (keys: docs/config.md)"                                   \
    }
#define MVG_ARG_WINDOW(from, to)                                                                   \
    {"from", 0, MVG_ARG_TIME, (from), NULL, 0, NULL, "from this time (ISO 8601 UTC or epoch ms)"}, \
    {                                                                                              \
        "to", 0, MVG_ARG_TIME, (to), NULL, 0, NULL, "up to this time (ISO 8601 UTC or epoch ms)"   \
    }
#define MVG_ARG_END                                                                                \
    {                                                                                              \
        NULL, 0, 0, NULL, NULL, 0, NULL, NULL                                                      \
    }

/*
 * The options block of a command's help, written from its table so that it
 * cannot drift from what the parser takes: every row with its short form,
 * its value (by kind, or the row's value name; a choice lists its names),
 * whether it is required or repeatable, its help text, and -h/--help. mvg_cli_args prints
 * it after the command's usage text on --help.
 */
void mvg_cli_args_help(FILE *out, const mvg_arg *args);

/*
 * Parses argv[1..] (argv[0] is the subcommand) against args. npositional
 * operands must follow the options (their index is argv[*first] on return
 * when first is not NULL). On a mistake prints "mvgate COMMAND: what" or
 * the usage to stderr. Returns -1 when the command is to run, else its exit
 * code: 0 after --help printed the usage and the options block to stdout,
 * 2 after a mistake.
 */
int mvg_cli_args(const char *command, int argc, char **argv, const mvg_arg *args, int npositional,
                 int *first, void (*usage)(FILE *));

#endif
