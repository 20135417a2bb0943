/*
 * util/file.h: whole-file reads with a ceiling, and crash-safe writes.
 */
#ifndef MAILCERT_UTIL_FILE_H
#define MAILCERT_UTIL_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read all of path into a NUL-terminated buffer (*out, *outlen excludes the
 * NUL). A file larger than max is refused with ERR_INVALID naming it; a
 * missing or unreadable file is ERR_IO. *out is the caller's (free()).
 */
int	file_read(unsigned char **out, size_t *outlen, const char *path,
	    size_t max);

/*
 * Write data to path through a temporary file, fsync and rename, so readers
 * see the old or the new content and never half of one. mode applies to the
 * new file. With exclusive set, an existing path is ERR_EXISTS.
 */
int	file_write(const char *path, const void *data, size_t len, mode_t mode,
	    int exclusive);

/* Join dir and name into a new string (caller frees); NULL on no memory. */
char	*file_join(const char *dir, const char *name);

/* 1 if path exists (any type), else 0. */
int	file_exists(const char *path);

#endif
