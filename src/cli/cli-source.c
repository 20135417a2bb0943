/*
 * cli-source.c: `mailcert source add|list|test|remove`.
 *
 * `source add` has no option table of its own: its long options are made
 * at run time from the type's table (source.h), so a parameter added to a
 * reader is at once an option, in `--help`, and checked the same way here
 * and when the sync reads the source.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "directory.h"
#include "err.h"
#include "source.h"
#include "store-dir.h"
#include "util/timefmt.h"

#define OPT_BASE	256	/* getopt values of table options: base + i */
#define SAMPLE_USERS	3	/* users `source test` shows */
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._-"

static int
handle_none(void *arg, int c, const char *optarg)
{
	(void)arg;
	(void)c;
	(void)optarg;
	return 0;
}

/* The option text of a table key: "user_base" -> "user-base". */
static char *
long_name(const char *key)
{
	char *s, *p;

	if ((s = strdup(key)) == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	return s;
}

static const char *
metavar(enum source_opt_type t)
{
	switch (t) {
	case SOURCE_OPT_PATH:
		return " FILE";
	case SOURCE_OPT_INT:
		return " N";
	case SOURCE_OPT_LIST:
		return " A,B,...";
	case SOURCE_OPT_BOOL:
		return "";
	default:
		return " VALUE";
	}
}

static void
type_help(enum source_type t, const struct source_opt *tab)
{
	const struct source_opt *o;
	char opt[96], *name;

	printf("usage: mailcert source add %s NAME OPTIONS\n\n"
	    "NAME: 1 to %d of A-Z a-z 0-9 . _ -\n\nOptions of a%s %s "
	    "source:\n", source_type_name(t), STORE_NAME_MAX,
	    t == SOURCE_LDAP ? "n" : "", source_type_name(t));
	for (o = tab; o->key != NULL; o++) {
		if ((name = long_name(o->key)) == NULL)
			return;
		snprintf(opt, sizeof(opt), "--%s%s", name, metavar(o->type));
		free(name);
		printf("  %-28s %s", opt, o->help != NULL ? o->help : "");
		if (o->required)
			printf(" (required)");
		else if (o->def != NULL)
			printf(" (default: %s)", o->def);
		if (o->type == SOURCE_OPT_INT)
			printf(" [%ld..%ld]", o->min, o->max);
		printf("\n");
	}
}

/* path made absolute: resolved if it exists, else against the cwd. */
static int
abs_path(char **out, const char *path)
{
	char cwd[PATH_MAX];

	*out = NULL;
	if ((*out = realpath(path, NULL)) != NULL)
		return 0;
	if (path[0] == '/')
		*out = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return err_set(ERR_IO, "cannot make \"%s\" absolute: %s", path,
		    strerror(errno));
	else if (asprintf(out, "%s/%s", cwd, path) == -1)
		*out = NULL;
	if (*out == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

/* ','-separated entries, blanks around each dropped, as a JSON array. */
static json_t *
split_list(const char *s)
{
	json_t *arr, *v;
	const char *p, *e, *end;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (p = s;; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (e = end; e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((v = json_stringn(p, (size_t)(e - p))) == NULL ||
		    json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return NULL;
		}
		if (*end == '\0')
			return arr;
	}
}

struct add_opts {
	const struct source_opt *tab;
	json_t		*params;
	int		 help;
};

static int
add_handle(void *arg, int c, const char *optarg)
{
	struct add_opts *a = arg;
	const struct source_opt *o;
	json_t *v = NULL;
	char *path = NULL, what[96];
	size_t i;
	int n, rc;

	if (c == 'H') {
		a->help = 1;
		return 0;
	}
	o = &a->tab[c - OPT_BASE];
	snprintf(what, sizeof(what), "--%s", o->key);
	for (i = 2; what[i] != '\0'; i++)
		if (what[i] == '_')
			what[i] = '-';
	if (json_object_get(a->params, o->key) != NULL)
		return err_set(ERR_INVALID, "%s is given twice", what);
	switch (o->type) {
	case SOURCE_OPT_PATH:
		if (*optarg == '\0')
			return err_set(ERR_INVALID, "%s: must not be empty",
			    what);
		if ((rc = abs_path(&path, optarg)) != 0)
			return rc;
		v = json_string(path);
		free(path);
		break;
	case SOURCE_OPT_INT:
		if ((rc = cli_parse_int(&n, optarg, what,
		    o->min < INT_MIN ? INT_MIN : (int)o->min,
		    o->max > INT_MAX ? INT_MAX : (int)o->max)) != 0)
			return rc;
		v = json_integer(n);
		break;
	case SOURCE_OPT_BOOL:
		v = json_true();
		break;
	case SOURCE_OPT_LIST:
		v = split_list(optarg);
		break;
	default:
		if ((v = json_string(optarg)) == NULL)
			return err_set(ERR_INVALID, "%s: not UTF-8 text", what);
		break;
	}
	if (v == NULL || json_object_set_new(a->params, o->key, v) != 0)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

static int
name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX)
		return err_set(ERR_INVALID, "source name \"%.80s\" must be 1 "
		    "to %d characters", name, STORE_NAME_MAX);
	for (i = 0; i < n; i++)
		if (strchr(NAME_CHARS, name[i]) == NULL)
			return err_set(ERR_INVALID, "source name \"%s\": "
			    "only A-Z a-z 0-9 . _ - are allowed", name);
	return 0;
}

int
cmd_source_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option help_only[] = {
		CLI_OPT_HELP, { NULL, 0, NULL, 0 },
	};
	struct add_opts a;
	struct option *opts = NULL;
	struct store_source src;
	char **rest, *text = NULL;
	size_t i, n;
	int t, nrest, rc;

	memset(&a, 0, sizeof(a));
	memset(&src, 0, sizeof(src));
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") != 0 &&
		    strcmp(argv[1], "-h") != 0)
			return err_set(ERR_INVALID, "the source type comes "
			    "first: mailcert source add ldap|graph|csv NAME "
			    "OPTIONS");
		if ((rc = cli_getopt(ctx, cli_current, argc, argv, "",
		    help_only, handle_none, NULL, &rest, &nrest)) != 0)
			return rc;
		return err_set(ERR_INVALID, "the source type is missing: "
		    "mailcert source add ldap|graph|csv NAME OPTIONS");
	}
	if ((t = source_type_parse(argv[1])) < 0)
		return err_set(ERR_INVALID, "unknown source type \"%s\" (use "
		    "ldap, graph or csv)", argv[1]);
	a.tab = source_opts(t);
	for (n = 0; a.tab[n].key != NULL; n++)
		;
	if ((opts = calloc(n + 2, sizeof(*opts))) == NULL ||
	    (a.params = json_object()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* --help of its own, so it can list this type's options. */
	opts[0].name = "help";
	opts[0].has_arg = no_argument;
	opts[0].val = 'H';
	for (i = 0; i < n; i++) {
		if ((opts[i + 1].name = long_name(a.tab[i].key)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		opts[i + 1].has_arg = a.tab[i].type == SOURCE_OPT_BOOL ?
		    no_argument : required_argument;
		opts[i + 1].val = OPT_BASE + (int)i;
	}
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    add_handle, &a, &rest, &nrest)) != 0)
		goto out;
	if (a.help) {
		type_help(t, a.tab);
		rc = CLI_HELP;
		goto out;
	}
	/* rest[0] is the type, checked above. */
	if ((rc = cli_operands(nrest, 2, "the source name")) != 0 ||
	    (rc = name_check(rest[1])) != 0 ||
	    (rc = source_params_check(t, a.params)) != 0)
		goto out;
	if ((text = json_dumps(a.params, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = cli_open(ctx)) != 0)
		goto out;
	src.name = rest[1];
	src.type = (char *)source_type_name(t);
	src.params = text;
	if ((rc = store_source_put(ctx->st, &src)) != 0)
		goto out;
	printf("source %s added (%s)\n", src.name, src.type);
out:
	if (opts != NULL)
		for (i = 0; i < n; i++)
			free((char *)opts[i + 1].name);
	free(opts);
	free(text);
	json_decref(a.params);
	return rc;
}

/* The stored parameters as the command line gave them. */
static void
print_params(const char *text)
{
	json_t *p, *v, *e;
	const char *key;
	char *name, *s;
	size_t i;

	if ((p = json_loads(text, 0, NULL)) == NULL) {
		printf("    (parameters unreadable: %s)\n", text);
		return;
	}
	json_object_foreach(p, key, v) {
		if ((name = long_name(key)) == NULL)
			break;
		printf("    --%s", name);
		free(name);
		if (json_is_string(v))
			printf(" %s", json_string_value(v));
		else if (json_is_array(v)) {
			json_array_foreach(v, i, e)
				printf("%s%s", i ? "," : " ",
				    json_is_string(e) ? json_string_value(e) :
				    "?");
		} else if (!json_is_true(v) &&
		    (s = json_dumps(v, JSON_ENCODE_ANY)) != NULL) {
			printf(" %s", s);
			free(s);
		}
		printf("\n");
	}
	json_decref(p);
}

static json_t *
source_json(const struct store_source *s)
{
	json_t *params;

	/* Parameters hold file paths only, never secrets (source.h). */
	if ((params = json_loads(s->params, 0, NULL)) == NULL)
		params = json_string(s->params);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s?}",
	    "name", s->name,
	    "type", s->type,
	    "params", params,
	    "created_at", cli_json_time(s->created_at),
	    "last_read_at", cli_json_time(s->last_read_at),
	    "last_error", s->last_error);
}

int
cmd_source_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_source **v = NULL;
	json_t *arr = NULL, *o;
	char when[TIMEFMT_LEN];
	size_t n = 0, i;
	char **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_source_list(&v, &n, ctx->st)) != 0)
		return rc;
	if (ctx->json) {
		if ((arr = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			if ((o = source_json(v[i])) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
		goto out;
	}
	printf("%-20s %-6s %-20s %s\n", "NAME", "TYPE", "LAST-READ",
	    "LAST-ERROR");
	for (i = 0; i < n; i++) {
		printf("%-20s %-6s %-20s %s\n", v[i]->name, v[i]->type,
		    v[i]->last_read_at ? timefmt_utc(when,
		    v[i]->last_read_at) : "never",
		    v[i]->last_error ? v[i]->last_error : "-");
		print_params(v[i]->params);
	}
out:
	json_decref(arr);
	store_source_list_free(v, n);
	return rc;
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static json_t *
sample_json(const struct dir_snapshot *snap, const struct dir_user *u)
{
	json_t *groups, *g;
	size_t i;

	if ((groups = json_array()) == NULL)
		return NULL;
	for (i = 0; i < u->ngroups; i++)
		if ((g = json_string(snap->groups[u->groups[i]].name)) ==
		    NULL || json_array_append_new(groups, g) != 0) {
			json_decref(groups);
			return NULL;
		}
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:o}",
	    "id", u->id,
	    "email", u->email,
	    "given_name", u->given_name,
	    "surname", u->surname,
	    "groups", groups);
}

int
cmd_source_test(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_source *src = NULL;
	struct dir_snapshot *snap = NULL;
	const struct dir_user *u;
	json_t *doc = NULL, *sample = NULL, *o;
	size_t i, j;
	char **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the source name")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_source_get(&src, ctx->st, rest[0])) != 0)
		return rc;
	/* A test records nothing, not even the source's status. */
	if ((rc = source_read(&snap, src, ctx->cfg)) != 0)
		goto out;
	if (ctx->json) {
		if ((sample = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < snap->nusers && i < SAMPLE_USERS; i++)
			if ((o = sample_json(snap, &snap->users[i])) == NULL ||
			    json_array_append_new(sample, o) != 0) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
		doc = json_pack("{s:s, s:I, s:I, s:O}", "source", src->name,
		    "users", (json_int_t)snap->nusers,
		    "groups", (json_int_t)snap->ngroups, "sample", sample);
		rc = cli_print_json(doc);
		doc = NULL;	/* released by cli_print_json() */
		goto out;
	}
	printf("%s: %zu users, %zu groups\n", src->name, snap->nusers,
	    snap->ngroups);
	for (i = 0; i < snap->nusers && i < SAMPLE_USERS; i++) {
		u = &snap->users[i];
		printf("  %s  %s  %s %s  (", u->id, dash(u->email),
		    dash(u->given_name), dash(u->surname));
		for (j = 0; j < u->ngroups; j++)
			printf("%s%s", j ? ", " : "",
			    snap->groups[u->groups[j]].name);
		printf("%s)\n", u->ngroups == 0 ? "-" : "");
	}
out:
	json_decref(sample);
	json_decref(doc);
	dir_snapshot_free(snap);
	store_source_free(src);
	return rc;
}

static int
handle_force(void *arg, int c, const char *optarg)
{
	(void)optarg;
	if (c == 'f')
		*(int *)arg = 1;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* How many users of source src hold a valid, unexpired managed cert. */
static int
count_holders(size_t *out, struct store *st, const struct store_source *src,
    int64_t now)
{
	struct store_user_filter uf;
	struct store_cert_filter cf;
	struct store_user **users = NULL;
	struct store_cert **certs = NULL;
	int64_t *ids = NULL;
	size_t nusers = 0, ncerts = 0, i;
	int rc;

	*out = 0;
	memset(&uf, 0, sizeof(uf));
	uf.source_id = src->id;
	uf.present = -1;
	memset(&cf, 0, sizeof(cf));
	cf.state = CERT_STATE_VALID;
	cf.expired = 0;
	cf.now = now;
	cf.managed = 1;
	if ((rc = store_user_list(&users, &nusers, st, &uf)) != 0 ||
	    (rc = store_cert_list(&certs, &ncerts, st, &cf)) != 0)
		goto out;
	if (ncerts == 0)
		goto out;
	if ((ids = calloc(ncerts, sizeof(*ids))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ncerts; i++)
		ids[i] = certs[i]->user_id;
	qsort(ids, ncerts, sizeof(*ids), cmp_id);
	for (i = 0; i < nusers; i++)
		*out += bsearch(&users[i]->id, ids, ncerts, sizeof(*ids),
		    cmp_id) != NULL;
out:
	free(ids);
	store_cert_list_free(certs, ncerts);
	store_user_list_free(users, nusers);
	return rc;
}

int
cmd_source_remove(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_source *src = NULL;
	size_t holders = 0;
	char **rest;
	int nrest, force = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_force, &force, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the source name")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_source_get(&src, ctx->st, rest[0])) != 0)
		return rc;
	if ((rc = count_holders(&holders, ctx->st, src, timefmt_now())) != 0)
		goto out;
	if (holders > 0 && !force) {
		rc = err_set(ERR_EXISTS, "source %s: %zu user%s hold%s valid "
		    "managed certificates; --force removes the source anyway "
		    "and leaves those certificates unmanaged (never renewed "
		    "or revoked by a sync) until they expire", src->name,
		    holders, holders == 1 ? "" : "s", holders == 1 ? "s" : "");
		goto out;
	}
	if ((rc = store_source_delete(ctx->st, src->name)) != 0)
		goto out;
	printf("source %s removed", src->name);
	if (holders > 0)
		printf("; %zu user%s keep%s unmanaged certificates until they "
		    "expire", holders, holders == 1 ? "" : "s",
		    holders == 1 ? "s" : "");
	printf("\n");
out:
	store_source_free(src);
	return rc;
}
