/*
 * cli-domain.c: `mailcert domain add|verify|list`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "domain.h"
#include "err.h"
#include "store.h"
#include "util/timefmt.h"

static int
handle_assert(void *arg, int c, const char *optarg)
{
	(void)optarg;
	if (c == 'A')
		*(int *)arg = 1;
	return 0;
}

static int
handle_none(void *arg, int c, const char *optarg)
{
	(void)arg;
	(void)c;
	(void)optarg;
	return 0;
}

/* How a listing names the method: assertions always stand out. */
static const char *
method_label(enum store_domain_method m)
{
	switch (m) {
	case STORE_DOMAIN_DNS:
		return "dns";
	case STORE_DOMAIN_ASSERT:
		return "asserted";
	default:
		return "-";
	}
}

int
cmd_domain_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "assert", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_domain *d = NULL;
	char until[TIMEFMT_LEN], *record = NULL;
	char **rest;
	int nrest, assert_it = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_assert, &assert_it, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the domain")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	if (assert_it) {
		if ((rc = domain_assert(&d, ctx->st, rest[0],
		    timefmt_now())) != 0)
			goto out;
		printf("%s: asserted without DNS, verified until %s; run "
		    "`mailcert domain add %s --assert` again before then\n",
		    d->name, timefmt_utc(until, d->valid_until), d->name);
		goto out;
	}
	if ((rc = domain_add(&d, ctx->st, rest[0])) != 0 ||
	    (rc = domain_record(&record, d)) != 0)
		goto out;
	printf("%s\n", record);
	fprintf(stderr, "Publish this record, then run `mailcert domain "
	    "verify %s`.\n", d->name);
out:
	free(record);
	store_domain_free(d);
	return rc;
}

/*
 * Verify one domain and print its line. Returns 0 whether or not it
 * verified (*failed is the lookup's ERR_* and why its message when not),
 * or an internal failure that stops the run.
 */
static int
verify_one(int *failed, char why[512], struct cli_ctx *ctx, const char *name,
    int64_t now)
{
	struct store_domain *d = NULL;
	char until[TIMEFMT_LEN];
	int rc;

	*failed = 0;
	why[0] = '\0';
	if ((rc = domain_verify(ctx->st, ctx->cfg, name, now)) != 0) {
		if (!err_is_user(rc))
			return rc;
		*failed = rc;
		snprintf(why, 512, "%s", err_msg());
		printf("%s: not verified: %s\n", name, why);
	}
	/* Re-read for what the line reports: a failure may leave time. */
	if ((rc = store_domain_get(&d, ctx->st, name)) != 0) {
		if (*failed && rc == ERR_NOTFOUND)
			return 0;	/* the line above said why */
		return rc;
	}
	if (!*failed)
		printf("%s: verified until %s (dns)\n", d->name,
		    timefmt_utc(until, d->valid_until));
	else if (domain_state(d, now) != DOMAIN_STATE_UNVERIFIED &&
	    domain_state(d, now) != DOMAIN_STATE_LAPSED)
		printf("%s: still verified until %s (%s, %d days left)\n",
		    d->name, timefmt_utc(until, d->valid_until),
		    method_label(d->method), domain_days_left(d, now));
	store_domain_free(d);
	return 0;
}

int
cmd_domain_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, { NULL, 0, NULL, 0 },
	};
	struct store_domain **v = NULL;
	char until[TIMEFMT_LEN], why[512];
	size_t n = 0, i, nfailed = 0;
	int64_t now = timefmt_now();
	char **rest;
	int nrest, failed, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0)
		return rc;
	if (nrest > 1)
		return cli_operands(nrest, 1, "");
	if ((rc = cli_open(ctx)) != 0)
		return rc;
	if (nrest == 1) {
		if ((rc = verify_one(&failed, why, ctx, rest[0], now)) != 0)
			return rc;
		return failed ? err_set(failed, "domain \"%s\" is not "
		    "verified: %s", rest[0], why) : 0;
	}
	if ((rc = store_domain_list(&v, &n, ctx->st)) != 0)
		return rc;
	if (n == 0) {
		rc = err_set(ERR_NOTFOUND, "no domains (add one with "
		    "`mailcert domain add DOMAIN`)");
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* Assertions are for domains without public DNS. */
		if (v[i]->method == STORE_DOMAIN_ASSERT) {
			if (domain_state(v[i], now) == DOMAIN_STATE_LAPSED) {
				printf("%s: not verified: the assertion lapsed "
				    "on %s; assert it again with `mailcert "
				    "domain add %s --assert`\n", v[i]->name,
				    timefmt_utc(until, v[i]->valid_until),
				    v[i]->name);
				nfailed++;
			} else
				printf("%s: asserted until %s, not looked up "
				    "in DNS\n", v[i]->name,
				    timefmt_utc(until, v[i]->valid_until));
			continue;
		}
		if ((rc = verify_one(&failed, why, ctx, v[i]->name, now)) !=
		    0)
			goto out;
		nfailed += failed != 0;
	}
	if (nfailed > 0)
		rc = err_set(ERR_NOTFOUND, "%zu of %zu domains not verified",
		    nfailed, n);
out:
	store_domain_list_free(v, n);
	return rc;
}

static json_t *
domain_json(const struct store_domain *d, int64_t now)
{
	return json_pack("{s:s, s:s, s:o, s:b, s:i, s:o, s:o, s:o, s:o, s:s?, "
	    "s:s}",
	    "name", d->name,
	    "state", domain_state_name(domain_state(d, now)),
	    "method", d->method == STORE_DOMAIN_NONE ? json_null() :
	    json_string(method_label(d->method)),
	    "asserted", d->method == STORE_DOMAIN_ASSERT,
	    "days_left", domain_days_left(d, now),
	    "verified_at", cli_json_time(d->verified_at),
	    "verified_until", cli_json_time(d->valid_until),
	    "created_at", cli_json_time(d->created_at),
	    "last_check_at", cli_json_time(d->last_check_at),
	    "last_error", d->last_error,
	    "token", d->token);
}

int
cmd_domain_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_domain **v = NULL;
	json_t *arr = NULL, *o;
	char until[TIMEFMT_LEN];
	size_t n = 0, i;
	int64_t now = timefmt_now();
	char **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_none, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_domain_list(&v, &n, ctx->st)) != 0)
		return rc;
	if (ctx->json) {
		if ((arr = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			if ((o = domain_json(v[i], now)) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
		goto out;
	}
	printf("%-30s %-10s %-8s %4s %-20s %s\n", "DOMAIN", "STATE", "METHOD",
	    "DAYS", "VERIFIED_UNTIL", "LAST_ERROR");
	for (i = 0; i < n; i++)
		printf("%-30s %-10s %-8s %4d %-20s %s\n", v[i]->name,
		    domain_state_name(domain_state(v[i], now)),
		    method_label(v[i]->method), domain_days_left(v[i], now),
		    v[i]->valid_until ? timefmt_utc(until, v[i]->valid_until) :
		    "-", v[i]->last_error ? v[i]->last_error : "-");
out:
	json_decref(arr);
	store_domain_list_free(v, n);
	return rc;
}
