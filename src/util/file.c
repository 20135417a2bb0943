/*
 * util/file.c: whole-file reads with a ceiling, and crash-safe writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "err.h"
#include "util/file.h"

int
file_read(unsigned char **out, size_t *outlen, const char *path, size_t max)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd = -1, rc;
	struct stat sb;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = err_set(ERR_IO, "cannot read \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		rc = err_set(ERR_IO, "cannot read \"%s\": is a directory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			unsigned char *nb;

			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = err_set(ERR_IO, "cannot read \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			rc = err_set(ERR_INVALID,
			    "\"%s\" is larger than %zu bytes", path, max);
			goto out;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL; /* transferred */
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

static int
fsync_dir(const char *path)
{
	char *copy, *dir;
	int fd, rc = 0;

	if ((copy = strdup(path)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		rc = err_set(ERR_IO, "cannot sync directory \"%s\": %s", dir,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	free(copy);
	return rc;
}

int
file_write(const char *path, const void *data, size_t len, mode_t mode,
    int exclusive)
{
	char *tmp = NULL;
	const unsigned char *p = data;
	size_t tlen;
	ssize_t w;
	int fd = -1, rc;

	if (exclusive && file_exists(path))
		return err_set(ERR_EXISTS, "\"%s\" exists already", path);
	tlen = strlen(path) + 16;
	if ((tmp = malloc(tlen)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	snprintf(tmp, tlen, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		rc = err_set(ERR_IO, "cannot write \"%s\": %s", path,
		    strerror(errno));
		free(tmp);
		return rc;
	}
	if (fchmod(fd, mode) == -1) {
		rc = err_set(ERR_IO, "cannot set mode of \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			rc = err_set(ERR_IO, "cannot write \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		rc = err_set(ERR_IO, "cannot sync \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	/* link() refuses to replace, which keeps exclusive writes race-free. */
	if (exclusive) {
		if (link(tmp, path) == -1) {
			rc = err_set(errno == EEXIST ? ERR_EXISTS : ERR_IO,
			    "cannot create \"%s\": %s", path, strerror(errno));
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		rc = err_set(ERR_IO, "cannot write \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = fsync_dir(path);
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}

char *
file_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p;

	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

int
file_read_secret(char **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len, n;
	int rc;

	*out = NULL;
	if ((rc = file_read(&data, &len, path, FILE_SECRET_MAX)) != 0)
		return rc;
	n = strcspn((char *)data, "\r\n");
	OPENSSL_cleanse(data + n, len - n);
	if (n == 0) {
		free(data);
		return err_set(ERR_INVALID, "\"%s\": the first line is empty; "
		    "put the secret there", path);
	}
	*out = (char *)data;
	return 0;
}

void
file_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
}
