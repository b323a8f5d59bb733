/*
 * cli_outfile.h: a document written whole or not at all, for the commands
 * that write reports (`mvgate report`, `mvgate programme`): to a temporary
 * file beside the path, flushed and synced, made readable by others (0644),
 * then renamed into place, so that a reader never sees half a document and
 * a failure leaves the path as it was.
 */
#ifndef MVG_CLI_OUTFILE_H
#define MVG_CLI_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* What writes the document: 0, or -1 with err. */
typedef int (*mvg_cli_writer)(FILE *out, void *arg, char *err, size_t errlen);

/* write(out, arg) into path: 0, or -1 with err (write's, or "cannot write
 * PATH: why"); the temporary file is removed on any failure. */
int mvg_cli_write_file(const char *path, mvg_cli_writer write, void *arg, char *err,
                       size_t errlen);

/* write to stdout, flushed: 0, or -1 with err. */
int mvg_cli_write_stdout(mvg_cli_writer write, void *arg, char *err, size_t errlen);

#endif
