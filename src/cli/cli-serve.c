/*
 * cli-serve.c: `mailcert serve` (the daemon, serve.h) and `mailcert config
 * check`, which validates a configuration the way serve does on start and
 * on SIGHUP, without starting anything (like `sshd -t`).
 *
 * MAILCERT_LOG=debug in the environment makes the daemon log at debug
 * level, which includes one access-log line per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "serve.h"
#include "util/file.h"

struct serve_args {
	struct serve_opts o;
	const char	*file;		/* config check --file */
};

static int
serve_opt(void *arg, int c, const char *optarg)
{
	struct serve_args *a = arg;
	enum log_format f;
	int rc;

	switch (c) {
	case 'l':
		a->o.listen = optarg;
		break;
	case 'p':
		a->o.public_listen = optarg;
		break;
	case 'f':
		if ((rc = log_format_parse(&f, optarg)) != 0)
			return rc;
		a->o.log_json = f == LOG_JSON;
		break;
	case 'F':
		a->file = optarg;
		break;
	}
	return 0;
}

int
cmd_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "listen", required_argument, NULL, 'l' },
		{ "public-listen", required_argument, NULL, 'p' },
		{ "log-format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args a;
	const char *lvl;
	char **rest;
	int nrest, rc;

	memset(&a, 0, sizeof(a));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    serve_opt, &a, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if ((lvl = getenv("MAILCERT_LOG")) != NULL && strcmp(lvl, "debug") == 0)
		log_set_level(LOG_DEBUG);
	a.o.dir = ctx->dir;
	return serve_run(&a.o);
}

int
cmd_config_check(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "file", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args a;
	char **rest, *def = NULL;
	int nrest, rc;

	memset(&a, 0, sizeof(a));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    serve_opt, &a, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if ((rc = serve_config_check(ctx->dir, a.file)) != 0)
		return rc;
	if (a.file == NULL && (def = file_join(ctx->dir, CONFIG_FILE)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	printf("configuration OK: %s\n", a.file != NULL ? a.file : def);
	free(def);
	return 0;
}
