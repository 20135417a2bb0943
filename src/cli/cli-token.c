/*
 * cli-token.c: `mailcert token create|list|revoke`, the API's bearer
 * tokens (token.h). The secret is printed once, at creation; the store and
 * every listing hold only what cannot be turned back into it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "err.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "token.h"
#include "util/timefmt.h"

#define EXPIRES_MAX	3650	/* days */

struct create_opts {
	const char	*name;
	const char	*role;
	const char	*groups;
	const char	*expires;
};

static int
create_handle(void *arg, int c, const char *optarg)
{
	struct create_opts *o = arg;

	switch (c) {
	case 'n': o->name = optarg; break;
	case 'r': o->role = optarg; break;
	case 'g': o->groups = optarg; break;
	case 'e': o->expires = optarg; break;
	}
	return 0;
}

int
cmd_token_create(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "groups", required_argument, NULL, 'g' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct create_opts o;
	enum token_role role;
	char actor[128], *secret = NULL, **rest;
	int nrest, days = 0, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    create_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if (o.name == NULL || o.role == NULL)
		return err_set(ERR_INVALID, "token create needs --name and "
		    "--role");
	if ((rc = token_role_parse(&role, o.role)) != 0 ||
	    (o.expires != NULL && (rc = cli_parse_int(&days, o.expires,
	    "--expires", 1, EXPIRES_MAX)) != 0))
		return rc;
	cli_actor(actor, sizeof(actor));
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = token_create(&secret, ctx->st, o.name, role, o.groups, days,
	    timefmt_now(), actor)) != 0)
		return rc;
	if (ctx->json)
		rc = cli_print_json(json_pack("{s:s, s:s, s:s}", "token",
		    secret, "name", o.name, "role", token_role_name(role)));
	else {
		printf("%s\n", secret);
		fflush(stdout);
		fprintf(stderr, "token \"%s\" (%s) created; it is shown only "
		    "this once\n", o.name, token_role_name(role));
	}
	OPENSSL_clear_free(secret, strlen(secret));
	return rc;
}

/* Scope ids "3,7" to group names, "source/name" each, joined by ','
 * (*out: free()); ids of groups since deleted show as "#ID". */
static int
scope_names(char **out, json_t **arr_out, const char *ids,
    struct store_group **g, size_t ng)
{
	char *buf = NULL, name[2 * STORE_NAME_MAX + 64];
	const char *p;
	size_t i, len = 0, size;
	long long id;
	char *end;

	*out = NULL;
	*arr_out = NULL;
	if (ids == NULL)
		return 0;
	size = strlen(ids) + 1;
	for (p = ids; *p != '\0'; p++)
		size += *p == ',' ? sizeof(name) : 0;
	size += sizeof(name);
	if ((buf = malloc(size)) == NULL ||
	    (*arr_out = json_array()) == NULL) {
		free(buf);
		return err_set(ERR_NOMEM, "out of memory");
	}
	buf[0] = '\0';
	for (p = ids; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		id = strtoll(p, &end, 10);
		if (end == p)
			break;
		snprintf(name, sizeof(name), "#%lld", id);
		for (i = 0; i < ng; i++)
			if (g[i]->id == id)
				snprintf(name, sizeof(name), "%s/%s",
				    g[i]->source, g[i]->name);
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? "," : "", name);
		if (json_array_append_new(*arr_out, json_string(name)) != 0) {
			free(buf);
			json_decref(*arr_out);
			*arr_out = NULL;
			return err_set(ERR_NOMEM, "out of memory");
		}
	}
	*out = buf;
	return 0;
}

static const char *
when(char buf[TIMEFMT_LEN], int64_t t)
{
	return t != 0 ? timefmt_utc(buf, t) : "-";
}

int
cmd_token_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ NULL, 0, NULL, 0 },
	};
	struct store_token **v = NULL;
	struct store_group **g = NULL;
	json_t *arr = NULL, *names, *o;
	char c[TIMEFMT_LEN], e[TIMEFMT_LEN], r[TIMEFMT_LEN], u[TIMEFMT_LEN];
	char *scope, **rest;
	size_t n = 0, ng = 0, i;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, NULL,
	    NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_token_list(&v, &n, ctx->st)) != 0 ||
	    (rc = store_group_list(&g, &ng, ctx->st)) != 0)
		goto out;
	if (ctx->json && (arr = json_array()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!ctx->json)
		printf("%-5s %-20s %-8s %-20s %-20s %-20s %-20s %s\n", "ID",
		    "NAME", "ROLE", "CREATED", "EXPIRES", "REVOKED",
		    "LAST USED", "GROUPS");
	for (i = 0; i < n; i++) {
		if ((rc = scope_names(&scope, &names, v[i]->groups, g,
		    ng)) != 0)
			goto out;
		if (ctx->json) {
			/* Never the hash: it is as good as a lookup key. */
			o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, "
			    "s:o}", "id", (json_int_t)v[i]->id,
			    "name", v[i]->name, "role", v[i]->role,
			    "groups", names != NULL ? names : json_null(),
			    "created_at", cli_json_time(v[i]->created_at),
			    "expires_at", cli_json_time(v[i]->expires_at),
			    "revoked_at", cli_json_time(v[i]->revoked_at),
			    "last_used_at", cli_json_time(v[i]->last_used_at));
			names = NULL;
			if (o == NULL || json_array_append_new(arr, o) != 0)
				rc = err_set(ERR_NOMEM, "out of memory");
		} else
			printf("%-5lld %-20s %-8s %-20s %-20s %-20s %-20s %s\n",
			    (long long)v[i]->id, v[i]->name, v[i]->role,
			    when(c, v[i]->created_at),
			    when(e, v[i]->expires_at),
			    when(r, v[i]->revoked_at),
			    when(u, v[i]->last_used_at),
			    scope != NULL ? scope : "(all)");
		json_decref(names);
		free(scope);
		if (rc != 0)
			goto out;
	}
	if (ctx->json) {
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
	}
out:
	json_decref(arr);
	store_token_list_free(v, n);
	store_group_list_free(g, ng);
	return rc;
}

int
cmd_token_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	char actor[128], **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, NULL,
	    NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the token's id or name")) != 0)
		return rc;
	cli_actor(actor, sizeof(actor));
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = token_revoke(ctx->st, rest[0], timefmt_now(), actor)) != 0)
		return rc;
	printf("token \"%s\" revoked\n", rest[0]);
	return 0;
}
