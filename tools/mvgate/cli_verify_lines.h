/*
 * cli_verify_lines.h: the two line formats `mvgate verify` reads, each
 * line to one signed record appended to the list the chain walk takes
 * (cli_chain.h): an export line of `mvgate export --format jsonl --what
 * chain` (the record is the bytes after "record": as they were signed, the
 * project comes from the envelope), and a `mosquitto_sub -v` line ("topic
 * payload", only the topics of chained records). Apart from cmd_verify.c
 * so that tests/fuzz/fuzz_verify_lines.c reads lines as verify does.
 */
#ifndef MVG_CLI_VERIFY_LINES_H
#define MVG_CLI_VERIFY_LINES_H

#include <stddef.h>

#include "cli_chain.h"

/* line[0..len) without its line end, NUL-terminated and writable (it is
 * changed and restored). 0 with the record appended, or -1: not an export
 * line (said on stderr with file:lineno) or out of memory. */
int mvg_cli_verify_export_line(mvg_cli_chain_list *in, char *line, size_t len, const char *file,
                               size_t lineno);

/* Likewise for a capture line: 0 appended, 1 not a topic of chained
 * records (skipped), -1 out of memory. */
int mvg_cli_verify_capture_line(mvg_cli_chain_list *in, char *line, size_t len);

#endif
