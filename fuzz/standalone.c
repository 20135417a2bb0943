/*
 * standalone.c: a main() that feeds files to LLVMFuzzerTestOneInput, so
 * each fuzz target's corpus replays as an ordinary test on every build,
 * without libFuzzer (libgit2's fuzzers/standalone_driver.c does the same).
 *
 * Arguments are files or directories; a directory contributes every
 * regular file in it whose name does not start with ".", in name order.
 * Fails if an input cannot be read or nothing was replayed, so a wrong
 * corpus path cannot pass as an empty success.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "err.h"
#include "util/file.h"

#define INPUT_MAX	(64 * 1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path)
{
	unsigned char *data = NULL;
	size_t len;

	if (file_read(&data, &len, path, INPUT_MAX) != 0) {
		fprintf(stderr, "%s\n", err_msg());
		return -1;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int
skip_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replay every regular file in dir; adds to *count. */
static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	struct stat sb;
	char *path;
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, skip_hidden, alphasort)) == -1) {
		perror(dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((path = file_join(dir, names[i]->d_name)) == NULL) {
			rc = -1;
		} else if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (replay(path) == 0)
				(*count)++;
			else
				rc = -1;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat sb;
	size_t count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			perror(argv[i]);
			rc = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (replay(argv[i]) == 0)
			count++;
		else
			rc = 1;
	}
	printf("%s: replayed %zu inputs\n", argv[0], count);
	return rc != 0 || count == 0;
}
