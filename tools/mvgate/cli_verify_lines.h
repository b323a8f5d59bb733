/*
 * cli_verify_lines.h: the two line formats `mvgate verify` reads, each
 * line to one record appended to the lists the checks take: an export line
 * of `mvgate export --format jsonl --what chain` (the record is the bytes
 * after "record": as they were signed, the project, kind and chain position
 * come from the envelope), and a `mosquitto_sub -v` line ("topic payload":
 * the topics of chained records, with the kind and position the topic
 * names, the retained totals and the head records). Apart from cmd_verify.c so that
 * tests/fuzz/fuzz_verify_lines.c reads lines as verify does.
 */
#ifndef MVG_CLI_VERIFY_LINES_H
#define MVG_CLI_VERIFY_LINES_H

#include <stddef.h>

#include "cli_chain.h"
#include "cli_heads.h"

/* What a file holds: the chained records, a capture's totals (hint: the
 * project of their topic) and the head records (export kind "head", topic
 * head/<project>; made at the first). */
typedef struct {
    mvg_cli_chain_list chained;
    mvg_cli_chain_list totals;
    mvg_cli_heads *heads;
} mvg_cli_verify_input;

/* line[0..len) without its line end, NUL-terminated and writable (it is
 * changed and restored). 0 with the record appended, or -1: not an export
 * line (said on stderr with file:lineno) or out of memory. */
int mvg_cli_verify_export_line(mvg_cli_verify_input *in, char *line, size_t len, const char *file,
                               size_t lineno);

/* Likewise for a capture line: 0 appended, 1 a topic of neither chained
 * records nor totals (skipped), -1 out of memory. */
int mvg_cli_verify_capture_line(mvg_cli_verify_input *in, char *line, size_t len);

void mvg_cli_verify_input_free(mvg_cli_verify_input *in);

#endif
