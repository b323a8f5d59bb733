/*
 * fileread.h: a file read whole into memory, the one way every reader of a
 * small input file does it (CSV tables, the configuration's digest, the
 * configuration's lines read again for their integer literals).
 */
#ifndef MVG_FILEREAD_H
#define MVG_FILEREAD_H

#include <stddef.h>

/*
 * The bytes of path, malloc'd and NUL-terminated (the terminator not
 * counted in *len). NULL with err "PATH: cannot read: <reason>" (or "out
 * of memory") when it cannot be read.
 */
char *mvg_file_read(const char *path, size_t *len, char *err, size_t errlen);

#endif
