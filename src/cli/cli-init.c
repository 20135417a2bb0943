/*
 * cli-init.c: `mailcert init`, which creates a data directory: the KEK,
 * the store with a root and an issuing CA, and last mailcert.conf, whose
 * presence is what marks a directory as initialised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

struct init_opts {
	const char	*org;
	const char	*base_url;
	const char	*country;
	const char	*ca_key;
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct init_opts *o = arg;

	switch (c) {
	case 'O': o->org = optarg; break;
	case 'B': o->base_url = optarg; break;
	case 'C': o->country = optarg; break;
	case 'K': o->ca_key = optarg; break;
	}
	return 0;
}

/*
 * A config message names a file line and key ("init:7: [ca] key: ...");
 * the user typed a flag, so name that instead.
 */
static int
name_flag(int rc)
{
	static const struct {
		const char	*key;
		const char	*flag;
	} flags[] = {
		{ "[ca] org: ", "--org" },
		{ "[ca] country: ", "--country" },
		{ "[ca] base_url: ", "--base-url" },
		{ "[ca] key: ", "--ca-key" },
	};
	char msg[1024];
	const char *p;
	size_t i;

	snprintf(msg, sizeof(msg), "%s", err_msg());
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if ((p = strstr(msg, flags[i].key)) != NULL)
			return err_set(rc, "%s %s", flags[i].flag,
			    p + strlen(flags[i].key));
	return rc;
}

/* Set the options on defaults, then parse the result as the config file
 * would be parsed, so init accepts exactly what a later load accepts. */
static int
build_config(struct config **out, const char *dir, const struct init_opts *o)
{
	struct config *cfg = NULL;
	char *text = NULL;
	int rc;

	*out = NULL;
	if ((rc = config_defaults(&cfg, dir)) != 0)
		return rc;
	free(cfg->org);
	free(cfg->base_url);
	cfg->org = strdup(o->org);
	cfg->base_url = strdup(o->base_url);
	if (o->country != NULL) {
		free(cfg->country);
		cfg->country = strdup(o->country);
	}
	if (cfg->org == NULL || cfg->base_url == NULL || cfg->country == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (o->ca_key != NULL && (rc = keys_type_parse(&cfg->ca_key,
	    o->ca_key)) != 0)
		goto out;
	if ((rc = config_format(&text, cfg)) != 0)
		goto out;
	config_free(cfg);
	cfg = NULL;
	if ((rc = config_parse(&cfg, text, strlen(text), "init", dir)) != 0) {
		rc = name_flag(rc);
		goto out;
	}
	*out = cfg;
	cfg = NULL; /* transferred */
out:
	free(text);
	config_free(cfg);
	return rc;
}

static int
make_dir(const char *dir)
{
	char *copy, *p;
	int rc = 0;

	if ((copy = strdup(dir)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = copy + 1; rc == 0 && *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST)
			rc = err_set(ERR_IO, "cannot create \"%s\": %s", copy,
			    strerror(errno));
		*p = '/';
	}
	/* The last component holds the KEK: only its owner may enter. */
	if (rc == 0 && mkdir(copy, 0700) == -1 && errno != EEXIST)
		rc = err_set(ERR_IO, "cannot create \"%s\": %s", copy,
		    strerror(errno));
	free(copy);
	return rc;
}

/*
 * A failed init removes what it made, so the next try starts clean; it
 * only ever runs after checking that none of these files existed.
 */
static void
remove_partial(const struct config *cfg)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[4096];
	size_t i;

	unlink(cfg->kek_path);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", cfg->store_path,
		    suffixes[i]);
		unlink(path);
	}
}

int
cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "org", required_argument, NULL, 'O' },
		{ "base-url", required_argument, NULL, 'B' },
		{ "country", required_argument, NULL, 'C' },
		{ "ca-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct init_opts o;
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	struct store *st = NULL;
	char *conf = NULL, *text = NULL, **rest;
	int nrest, created = 0, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, handle,
	    &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if (o.org == NULL)
		return err_set(ERR_INVALID, "--org is missing (see --help)");
	if (o.base_url == NULL)
		return err_set(ERR_INVALID, "--base-url is missing (see "
		    "--help)");
	if ((conf = file_join(ctx->dir, CONFIG_FILE)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (file_exists(conf)) {
		rc = err_set(ERR_EXISTS, "\"%s\" is initialised already; "
		    "refusing to overwrite it", ctx->dir);
		goto out;
	}
	if ((rc = build_config(&cfg, ctx->dir, &o)) != 0)
		goto out;
	if (file_exists(cfg->kek_path) || file_exists(cfg->store_path)) {
		rc = err_set(ERR_EXISTS, "\"%s\" holds files of an unfinished "
		    "init (%s or %s) but no %s; remove them and run init "
		    "again", ctx->dir, CONFIG_KEK_FILE, cfg->store_path,
		    CONFIG_FILE);
		goto out;
	}
	if ((rc = make_dir(ctx->dir)) != 0)
		goto out;
	created = 1;
	if ((rc = keys_kek_create(cfg->kek_path)) != 0 ||
	    (rc = keys_kek_load(&kek, cfg->kek_path)) != 0 ||
	    (rc = store_open(&st, cfg)) != 0 ||
	    (rc = ca_init(st, kek, cfg)) != 0 ||
	    (rc = config_format(&text, cfg)) != 0 ||
	    (rc = file_write(conf, text, strlen(text), 0600, 1)) != 0)
		goto out;
	printf("initialised %s\n  root CA     root-1     (%s)\n"
	    "  issuing CA  issuing-1  (%s)\n  config      %s\n"
	    "  store       %s\n  KEK         %s (keep a backup: without it no "
	    "key can be recovered)\n", ctx->dir, keys_type_name(cfg->ca_key),
	    keys_type_name(cfg->ca_key), conf, cfg->store_path, cfg->kek_path);
out:
	store_close(st);
	st = NULL;
	if (rc != 0 && created)
		remove_partial(cfg);
	free(conf);
	free(text);
	keys_kek_free(kek);
	config_free(cfg);
	return rc;
}
