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

#define FILE_SECRET_MAX	4096	/* octets of a password or secret file */

/*
 * The secret on the first line of the file at path (line end stripped),
 * for password and client-secret files, which are named rather than
 * stored so secrets never enter the store. ERR_IO if unreadable,
 * ERR_INVALID naming path if larger than FILE_SECRET_MAX or the first line
 * is empty: an empty password is an unauthenticated bind (RFC 4513
 * 5.1.2) some servers take as anonymous, never what was meant. Everything
 * read is wiped but the secret. *out is the caller's: file_secret_free().
 */
int	file_read_secret(char **out, const char *path);
/* Wipe and free a secret; NULL is a no-op. */
void	file_secret_free(char *secret);

/* Join dir and name into a new string (caller frees); NULL on no memory. */
char	*file_join(const char *dir, const char *name);

/* 1 if path exists (any type), else 0. */
int	file_exists(const char *path);

#endif
