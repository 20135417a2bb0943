/*
 * cli-dir.c: the stored directory as administrators see it: `mailcert
 * group list|set`, `user list`, `seats` and `events list`. The directory
 * itself is written only by `mailcert sync`; group policy and the seat
 * quota are the only things set here.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "directory.h"
#include "domain.h"
#include "eligible.h"
#include "err.h"
#include "keys.h"
#include "profile.h"
#include "store-dir.h"
#include "sync.h"
#include "util/timefmt.h"

static int
handle_none(void *arg, int c, const char *optarg)
{
	(void)arg;
	(void)c;
	(void)optarg;
	return 0;
}

static json_t *
new_array(void)
{
	json_t *a;

	if ((a = json_array()) == NULL)
		err_set(ERR_NOMEM, "out of memory");
	return a;
}

/* Append o (a new reference, may be NULL) to arr. */
static int
append(json_t *arr, json_t *o)
{
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

/* ---- group list ---- */

static json_t *
group_json(const struct store_group *g, const struct config *cfg)
{
	return json_pack("{s:s, s:s, s:b, s:I, s:b, s:s?, s:o, s:s?, s:s, "
	    "s:{s:s, s:i, s:s}}",
	    "source", g->source,
	    "name", g->name,
	    "present", g->present,
	    "members", (json_int_t)g->nmembers,
	    "auto_request", g->auto_request,
	    "key", g->key,
	    "days", g->days ? json_integer(g->days) : json_null(),
	    "profile", g->profile,
	    "usage", g->usage ? g->usage : "both",
	    "effective",
	    "key", g->key ? g->key : keys_type_name(cfg->issue_key),
	    "days", g->days ? g->days : cfg->issue_days,
	    "profile", g->profile ? g->profile :
	    profile_name(cfg->issue_profile));
}

int
cmd_group_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_group **v = NULL;
	json_t *arr = NULL;
	char days[16], name[DIR_GROUP_NAME_MAX + 16];
	size_t n = 0, i;
	char **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_group_list(&v, &n, ctx->st)) != 0)
		return rc;
	if (ctx->json) {
		if ((arr = new_array()) == NULL) {
			rc = ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			if ((rc = append(arr, group_json(v[i], ctx->cfg))) !=
			    0)
				goto out;
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
		goto out;
	}
	printf("%-16s %-24s %7s %-4s %-8s %-7s %-12s %s\n", "SOURCE", "GROUP",
	    "MEMBERS", "AUTO", "KEY", "DAYS", "PROFILE", "USAGE");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%s", v[i]->name,
		    v[i]->present ? "" : " (absent)");
		if (v[i]->days)
			snprintf(days, sizeof(days), "%d", v[i]->days);
		printf("%-16s %-24s %7zu %-4s %-8s %-7s %-12s %s\n",
		    v[i]->source, name, v[i]->nmembers,
		    v[i]->auto_request ? "on" : "off",
		    v[i]->key ? v[i]->key : "default",
		    v[i]->days ? days : "default",
		    v[i]->profile ? v[i]->profile : "default",
		    v[i]->usage ? v[i]->usage : "both");
	}
	printf("(default: key %s, %d days, profile %s, from mailcert.conf)\n",
	    keys_type_name(ctx->cfg->issue_key), ctx->cfg->issue_days,
	    profile_name(ctx->cfg->issue_profile));
out:
	json_decref(arr);
	store_group_list_free(v, n);
	return rc;
}

/* ---- group set ---- */

struct set_opts {
	const char	*source;
	const char	*auto_request;
	const char	*key;
	const char	*days;
	const char	*profile;
	const char	*usage;
};

static int
set_handle(void *arg, int c, const char *optarg)
{
	struct set_opts *o = arg;

	switch (c) {
	case 's': o->source = optarg; break;
	case 'a': o->auto_request = optarg; break;
	case 'k': o->key = optarg; break;
	case 'd': o->days = optarg; break;
	case 'p': o->profile = optarg; break;
	case 'u': o->usage = optarg; break;
	}
	return 0;
}

/* Replace *field with a copy of s (NULL: the config default). */
static int
set_field(char **field, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

/* The options' new policy on g; nothing is written yet. */
static int
apply_opts(struct store_group *g, const struct set_opts *o)
{
	enum key_type kt;
	enum cert_profile prof;
	int days, rc;

	if (o->auto_request != NULL) {
		if (strcmp(o->auto_request, "on") == 0)
			g->auto_request = 1;
		else if (strcmp(o->auto_request, "off") == 0)
			g->auto_request = 0;
		else
			return err_set(ERR_INVALID, "--auto-request \"%s\": "
			    "use on or off", o->auto_request);
	}
	/* "default" hands a value back to mailcert.conf. */
	if (o->key != NULL && strcmp(o->key, "default") == 0)
		rc = set_field(&g->key, NULL);
	else if (o->key != NULL) {
		if ((rc = keys_type_parse(&kt, o->key)) == 0)
			rc = set_field(&g->key, keys_type_name(kt));
	} else
		rc = 0;
	if (rc != 0)
		return rc;
	if (o->days != NULL && strcmp(o->days, "default") == 0)
		g->days = 0;
	else if (o->days != NULL) {
		if ((rc = cli_parse_int(&days, o->days, "--days", 1,
		    PROFILE_MAX_DAYS)) != 0)
			return rc;
		g->days = days;
	}
	if (o->profile != NULL && strcmp(o->profile, "default") == 0)
		rc = set_field(&g->profile, NULL);
	else if (o->profile != NULL) {
		if ((rc = profile_parse(&prof, o->profile)) == 0)
			rc = set_field(&g->profile, profile_name(prof));
	}
	if (rc != 0)
		return rc;
	if (o->usage != NULL) {
		if (strcmp(o->usage, "both") != 0 &&
		    strcmp(o->usage, "dual") != 0)
			return err_set(ERR_INVALID, "--usage \"%s\": use both "
			    "or dual", o->usage);
		rc = set_field(&g->usage, o->usage);
	}
	return rc;
}

int
cmd_group_set(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "source", required_argument, NULL, 's' },
		{ "auto-request", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "days", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "usage", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct set_opts o;
	struct store_group *g = NULL;
	char days[16];
	char **rest;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    set_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the group name")) != 0)
		return rc;
	if (o.auto_request == NULL && o.key == NULL && o.days == NULL &&
	    o.profile == NULL && o.usage == NULL)
		return err_set(ERR_INVALID, "nothing to set: give "
		    "--auto-request, --key, --days, --profile or --usage");
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = store_group_get(&g, ctx->st, o.source, rest[0])) != 0 ||
	    (rc = apply_opts(g, &o)) != 0 ||
	    (rc = store_group_set_policy(ctx->st, g)) != 0)
		goto out;
	if (g->days)
		snprintf(days, sizeof(days), "%d", g->days);
	printf("group %s (source %s): auto-request %s, key %s, days %s, "
	    "profile %s, usage %s\n", g->name, g->source,
	    g->auto_request ? "on" : "off",
	    g->key ? g->key : "default", g->days ? days : "default",
	    g->profile ? g->profile : "default",
	    g->usage ? g->usage : "both");
out:
	store_group_free(g);
	return rc;
}

/* ---- user list ---- */

/* Short names of the reasons for JSON, in bit order. */
static const struct {
	unsigned	 bit;
	const char	*name;
} reason_names[] = {
	{ ELIG_ABSENT, "absent" },
	{ ELIG_NO_GROUP, "no_group" },
	{ ELIG_NO_EMAIL, "no_email" },
	{ ELIG_BAD_EMAIL, "bad_email" },
	{ ELIG_NO_GIVEN_NAME, "no_given_name" },
	{ ELIG_NO_SURNAME, "no_surname" },
	{ ELIG_DOMAIN_UNKNOWN, "domain_unknown" },
	{ ELIG_DOMAIN_UNVERIFIED, "domain_unverified" },
	{ ELIG_DOMAIN_LAPSED, "domain_lapsed" },
	{ ELIG_DUPLICATE_EMAIL, "duplicate_email" },
};

struct user_opts {
	int		 ineligible;
	const char	*source;
};

static int
user_handle(void *arg, int c, const char *optarg)
{
	struct user_opts *o = arg;

	if (c == 'i')
		o->ineligible = 1;
	else if (c == 's')
		o->source = optarg;
	return 0;
}

/* Certificates by user, each user's longest-lasting first. */
static int
cmp_cert_user(const void *a, const void *b)
{
	const struct store_cert *x = *(const struct store_cert *const *)a;
	const struct store_cert *y = *(const struct store_cert *const *)b;

	if (x->user_id != y->user_id)
		return (x->user_id > y->user_id) - (x->user_id < y->user_id);
	return (x->not_after < y->not_after) - (x->not_after > y->not_after);
}

static int
cmp_cert_key(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct store_cert *c = *(const struct store_cert *const *)elem;

	return (id > c->user_id) - (id < c->user_id);
}

/*
 * The valid managed certificates at now, one per user (the one that lasts
 * longest), sorted by user for held_cert(). One query for all users.
 */
static int
held_certs(struct store_cert ***out, size_t *n, struct store *st,
    int64_t now)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	size_t nv = 0, i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&f, 0, sizeof(f));
	f.state = CERT_STATE_VALID;
	f.expired = 0;
	f.now = now;
	f.managed = 1;
	if ((rc = store_cert_list(&v, &nv, st, &f)) != 0)
		return rc;
	if (nv > 0)
		qsort(v, nv, sizeof(*v), cmp_cert_user);
	for (i = 0; i < nv; i++) {
		if (k > 0 && v[k - 1]->user_id == v[i]->user_id) {
			store_cert_free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

/* User id's certificate from held_certs(), or NULL. Borrowed. */
static const struct store_cert *
held_cert(struct store_cert **v, size_t n, int64_t id)
{
	struct store_cert **c;

	if (n == 0)
		return NULL;
	c = bsearch(&id, v, n, sizeof(*v), cmp_cert_key);
	return c != NULL ? *c : NULL;
}

static json_t *
user_json(const struct store_user *u, unsigned reasons, const char *why,
    const struct store_group *policy, const struct store_cert *c)
{
	json_t *codes, *o;
	size_t i;

	if ((codes = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
		if ((reasons & reason_names[i].bit) && append(codes,
		    json_string(reason_names[i].name)) != 0) {
			json_decref(codes);
			return NULL;
		}
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b, s:o, s:s?, "
	    "s:s?, s:o}",
	    "source", u->source,
	    "id", u->ext_id,
	    "email", u->email,
	    "given_name", u->given_name,
	    "surname", u->surname,
	    "present", u->present,
	    "eligible", reasons == 0,
	    "reasons", codes,
	    "reasons_text", why,
	    "policy_group", policy != NULL ? policy->name : NULL,
	    "certificate", c == NULL ? json_null() : json_pack("{s:s, s:o}",
	    "serial", c->serial, "not_after", cli_json_time(c->not_after)));
	return o;
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* One user of the listing: a table line (and reasons), or a JSON object. */
static int
show_user(json_t *arr, const struct user_opts *o, const struct elig_ctx *ec,
    const struct store_user *u, const struct store_cert *c)
{
	const struct store_group *policy = NULL;
	char *why = NULL, name[2 * DIR_VALUE_MAX + 4], until[TIMEFMT_LEN];
	unsigned reasons;
	int rc = 0;

	reasons = elig_check(ec, u, NULL, &policy);
	if (o->ineligible ? reasons == 0 : !u->present)
		return 0;
	if (reasons != 0 && (rc = elig_reasons_format(&why, reasons, u)) != 0)
		goto out;
	if (arr != NULL) {
		rc = append(arr, user_json(u, reasons, why, policy, c));
		goto out;
	}
	snprintf(name, sizeof(name), "%s %s", dash(u->given_name),
	    dash(u->surname));
	if (o->ineligible) {
		printf("%-12s %-16s %-32s %s\n    %s", u->source, u->ext_id,
		    dash(u->email), name, why);
		/* e.g. on_removal = keep, or a certificate of another run */
		if (c != NULL)
			printf("; still holds certificate %s until %s",
			    c->serial, timefmt_utc(until, c->not_after));
		printf("\n");
		goto out;
	}
	printf("%-12s %-16s %-32s %-28s ", u->source, u->ext_id,
	    dash(u->email), name);
	if (c != NULL)
		printf("certificate %s until %s\n", c->serial,
		    timefmt_utc(until, c->not_after));
	else
		printf("%s\n", reasons == 0 ? "eligible" :
		    "not eligible (see --ineligible)");
out:
	free(why);
	return rc;
}

int
cmd_user_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "ineligible", no_argument, NULL, 'i' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct user_opts o;
	struct store_user_filter uf;
	struct store_source *src = NULL;
	struct store_user **users = NULL;
	struct store_group **groups = NULL;
	struct store_domain **domains = NULL;
	struct store_cert **certs = NULL;
	struct elig_ctx *ec = NULL;
	json_t *arr = NULL;
	size_t nusers = 0, ngroups = 0, ndomains = 0, ncerts = 0, i;
	int64_t now = timefmt_now();
	char **rest;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    user_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	/* Every user, whatever --source: duplicates span sources. */
	memset(&uf, 0, sizeof(uf));
	uf.present = -1;
	if ((o.source != NULL &&
	    (rc = store_source_get(&src, ctx->st, o.source)) != 0) ||
	    (rc = store_user_list(&users, &nusers, ctx->st, &uf)) != 0 ||
	    (rc = store_group_list(&groups, &ngroups, ctx->st)) != 0 ||
	    (rc = store_domain_list(&domains, &ndomains, ctx->st)) != 0 ||
	    (rc = elig_ctx_new(&ec, groups, ngroups, domains, ndomains,
	    users, nusers, now)) != 0 ||
	    (rc = held_certs(&certs, &ncerts, ctx->st, now)) != 0)
		goto out;
	if (ctx->json && (arr = new_array()) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (arr == NULL && o.ineligible)
		printf("%-12s %-16s %-32s %s\n    %s\n", "SOURCE", "ID",
		    "EMAIL", "NAME", "REASONS");
	else if (arr == NULL)
		printf("%-12s %-16s %-32s %-28s %s\n", "SOURCE", "ID", "EMAIL",
		    "NAME", "STATUS");
	for (i = 0; i < nusers; i++) {
		if (src != NULL && users[i]->source_id != src->id)
			continue;
		if ((rc = show_user(arr, &o, ec, users[i], held_cert(certs,
		    ncerts, users[i]->id))) != 0)
			goto out;
	}
	if (arr != NULL) {
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
	}
out:
	json_decref(arr);
	elig_ctx_free(ec);
	store_cert_list_free(certs, ncerts);
	store_domain_list_free(domains, ndomains);
	store_group_list_free(groups, ngroups);
	store_user_list_free(users, nusers);
	store_source_free(src);
	return rc;
}

/* ---- seats ---- */

static int
show_seats(struct cli_ctx *ctx)
{
	size_t total, used;
	int rc;

	if ((rc = sync_seats(&total, &used, ctx->st, timefmt_now())) != 0)
		return rc;
	if (ctx->json)
		return cli_print_json(json_pack("{s:o, s:I, s:o}",
		    "total", total == SYNC_SEATS_UNLIMITED ? json_null() :
		    json_integer((json_int_t)total),
		    "used", (json_int_t)used,
		    "free", total == SYNC_SEATS_UNLIMITED ? json_null() :
		    json_integer(total > used ? (json_int_t)(total - used) :
		    0)));
	if (total == SYNC_SEATS_UNLIMITED)
		printf("seats: unlimited, %zu used\n", used);
	else
		printf("seats: %zu total, %zu used, %zu free\n", total, used,
		    total > used ? total - used : 0);
	return 0;
}

int
cmd_seats(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	char **rest, num[16];
	int nrest, n, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0)
		return rc;
	if (nrest == 0) {
		if ((rc = cli_open(ctx)) != 0)
			return rc;
		return show_seats(ctx);
	}
	if (strcmp(rest[0], "set") != 0)
		return err_set(ERR_INVALID, "unknown word \"%s\" (use "
		    "`mailcert seats` or `mailcert seats set N|unlimited`)",
		    rest[0]);
	if ((rc = cli_operands(nrest, 2, "the number of seats")) != 0)
		return rc;
	if (strcmp(rest[1], "unlimited") == 0)
		num[0] = '\0';
	else if ((rc = cli_parse_int(&n, rest[1], "seats", 0, INT_MAX)) != 0)
		return rc;
	else
		snprintf(num, sizeof(num), "%d", n);
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = store_setting_set(ctx->st, STORE_SETTING_SEATS,
	    num[0] != '\0' ? num : NULL)) != 0)
		return rc;
	return show_seats(ctx);
}

/* ---- events list ---- */

struct event_opts {
	const char	*kind;
	const char	*state;
	const char	*limit;
};

static int
event_handle(void *arg, int c, const char *optarg)
{
	struct event_opts *o = arg;

	switch (c) {
	case 'k': o->kind = optarg; break;
	case 's': o->state = optarg; break;
	case 'l': o->limit = optarg; break;
	}
	return 0;
}

static json_t *
event_json(const struct store_event *e)
{
	json_t *data = NULL;

	if (e->data != NULL && (data = json_loads(e->data, 0, NULL)) == NULL)
		data = json_string(e->data);
	return json_pack("{s:I, s:s, s:o, s:s, s:o, s:s?, s:s?, s:o, s:s?, "
	    "s:o, s:i, s:o, s:s?, s:o}",
	    "id", (json_int_t)e->id,
	    "kind", e->kind,
	    "created_at", cli_json_time(e->created_at),
	    "state", store_event_state_name(e->state),
	    "user_id", e->user_id ? json_integer(e->user_id) : json_null(),
	    "email", e->email,
	    "serial", e->serial,
	    "group_id", e->group_id ? json_integer(e->group_id) : json_null(),
	    "domain", e->domain,
	    "data", data != NULL ? data : json_null(),
	    "attempts", e->attempts,
	    "next_attempt_at", cli_json_time(e->next_attempt_at),
	    "last_error", e->last_error,
	    "done_at", cli_json_time(e->done_at));
}

int
cmd_events_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "kind", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct event_opts o;
	struct store_event_filter f;
	struct store_event **v = NULL;
	json_t *arr = NULL, *data;
	char when[TIMEFMT_LEN], *details;
	size_t n = 0, i;
	char **rest;
	int nrest, limit, rc;

	memset(&o, 0, sizeof(o));
	memset(&f, 0, sizeof(f));
	f.state = -1;
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    event_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	f.kind = o.kind;
	if (o.state != NULL && (f.state = store_event_state_parse(o.state)) <
	    0)
		return err_set(ERR_INVALID, "--state \"%s\": use pending, "
		    "claimed, done or failed", o.state);
	if (o.limit != NULL) {
		if ((rc = cli_parse_int(&limit, o.limit, "--limit", 1,
		    INT_MAX)) != 0)
			return rc;
		f.limit = (size_t)limit;
	}
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = store_event_list(&v, &n, ctx->st, &f)) != 0)
		return rc;
	if (ctx->json) {
		if ((arr = new_array()) == NULL) {
			rc = ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			if ((rc = append(arr, event_json(v[i]))) != 0)
				goto out;
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
		goto out;
	}
	printf("%-6s %-20s %-16s %-8s %-32s %-20s %s\n", "ID", "TIME", "KIND",
	    "STATE", "EMAIL", "SERIAL", "DETAILS");
	for (i = 0; i < n; i++) {
		details = NULL;
		/* Re-encoded compact, whatever spacing the writer used. */
		if (v[i]->data != NULL &&
		    (data = json_loads(v[i]->data, 0, NULL)) != NULL) {
			details = json_dumps(data, JSON_COMPACT |
			    JSON_SORT_KEYS);
			json_decref(data);
		}
		printf("%-6lld %-20s %-16s %-8s %-32s %-20s %s%s%s\n",
		    (long long)v[i]->id, timefmt_utc(when, v[i]->created_at),
		    v[i]->kind, store_event_state_name(v[i]->state),
		    dash(v[i]->email), dash(v[i]->serial),
		    v[i]->domain ? v[i]->domain : "",
		    v[i]->domain ? " " : "",
		    details ? details : dash(v[i]->data));
		free(details);
	}
out:
	json_decref(arr);
	store_event_list_free(v, n);
	return rc;
}
