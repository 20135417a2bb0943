/*
 * cli-util.c: option parsing, opening the data directory, and output for
 * the command files.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "cli.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

const struct cli_cmd *cli_current;

static void
usage(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "usage: mailcert %s%s%s %s\n%s\n", cmd->group ? cmd->group :
	    "", cmd->group ? " " : "", cmd->name, cmd->usage, cmd->help);
}

int
cli_getopt(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc,
    char **argv, const char *shortopts, const struct option *opts,
    int (*handle)(void *arg, int c, const char *optarg), void *arg,
    char ***rest, int *nrest)
{
	char spec[32];
	int c, rc;

	/* ':' first: a missing value is reported, not taken as unknown. */
	snprintf(spec, sizeof(spec), ":h%s", shortopts);
	optind = 0;	/* GNU: re-initialise for this argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, spec, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, cmd);
			return CLI_HELP;
		case 'J':
			ctx->json = 1;
			break;
		case ':':
			return err_set(ERR_INVALID, "option \"%s\" needs a "
			    "value", argv[optind - 1]);
		case '?':
			return err_set(ERR_INVALID, "unknown option \"%s\" "
			    "(see --help)", argv[optind - 1]);
		default:
			if ((rc = handle(arg, c, optarg)) != 0)
				return rc;
		}
	}
	*rest = argv + optind;
	*nrest = argc - optind;
	return 0;
}

int
cli_operands(int nrest, int n, const char *what)
{
	if (nrest < n)
		return err_set(ERR_INVALID, "%s is missing (see --help)", what);
	if (nrest > n)
		return err_set(ERR_INVALID, "unexpected argument (see --help)");
	return 0;
}

int
cli_open(struct cli_ctx *ctx)
{
	int rc;

	if ((rc = config_load(&ctx->cfg, ctx->dir)) != 0)
		return rc;
	if (!file_exists(ctx->cfg->kek_path))
		return err_set(ERR_UNINIT, "\"%s\" has no key-encryption key "
		    "\"%s\"", ctx->dir, ctx->cfg->kek_path);
	if ((rc = keys_kek_load(&ctx->kek, ctx->cfg->kek_path)) != 0)
		return rc;
	return store_open(&ctx->st, ctx->cfg);
}

void
cli_close(struct cli_ctx *ctx)
{
	store_close(ctx->st);
	keys_kek_free(ctx->kek);
	config_free(ctx->cfg);
	ctx->st = NULL;
	ctx->kek = NULL;
	ctx->cfg = NULL;
}

int
cli_output(const char *path, const void *data, size_t len, int binary,
    mode_t mode)
{
	if (path != NULL && strcmp(path, "-") != 0)
		return file_write(path, data, len, mode, 0);
	if (binary && isatty(STDOUT_FILENO))
		return err_set(ERR_INVALID, "refusing to write binary data to "
		    "a terminal; use -o FILE or a pipe");
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		return err_set(ERR_IO, "cannot write to stdout: %s",
		    strerror(errno));
	return 0;
}

int
cli_parse_int(int *out, const char *s, const char *what, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return err_set(ERR_INVALID, "%s \"%s\" is not a number", what,
		    s);
	if (v < min || v > max)
		return err_set(ERR_INVALID, "%s %ld is outside %d..%d", what, v,
		    min, max);
	*out = (int)v;
	return 0;
}

int
cli_print_json(json_t *v)
{
	int rc = 0;

	if (v == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (json_dumpf(v, stdout, JSON_INDENT(2)) != 0)
		rc = err_set(ERR_IO, "cannot write to stdout");
	fputc('\n', stdout);
	json_decref(v);
	return rc;
}

json_t *
cli_json_time(int64_t t)
{
	char buf[TIMEFMT_LEN];

	return t == 0 ? json_null() : json_string(timefmt_utc(buf, t));
}

int
cli_read_password(char **out, const char *path)
{
	char msg[512];
	int rc;

	if ((rc = file_read_secret(out, path)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "password file %s", msg);
	}
	return 0;
}

void
cli_password_free(char *pass)
{
	file_secret_free(pass);
}
