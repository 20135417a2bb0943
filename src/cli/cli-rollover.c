/*
 * cli-rollover.c: `mailcert ca status` and `mailcert ca rollover
 * begin|status|reissue|finish`, the administrator's side of rollover.h.
 * The rollover steps are a table of their own under the one `ca rollover`
 * entry of the command table.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "crl.h"
#include "err.h"
#include "rollover.h"
#include "store.h"
#include "util/timefmt.h"

#define DAY	86400

static int
no_options(void *arg, int c, const char *optarg)
{
	(void)arg;
	(void)c;
	(void)optarg;
	return 0;
}

static const char *
role_name(enum store_ca_role r)
{
	return r == STORE_CA_ROOT ? "root" : "issuing";
}

/*
 * Warn about the CAs new certificates depend on (the current issuing CA
 * and its root) when they near the end of full-length signing; old ones
 * are on their way out and warnings about them would be noise.
 */
static void
warn_ca(const struct store_ca *ca, const struct store_ca *cur, int days,
    int64_t now)
{
	enum rollover_health h = rollover_health(ca, days, now);
	char until[TIMEFMT_LEN], end[TIMEFMT_LEN];
	int64_t full = rollover_full_until(ca, days);
	int root = ca->role == STORE_CA_ROOT;
	const char *what = root ? "root CA" : "issuing CA";

	if ((ca->id != cur->id && ca->id != cur->parent_id) ||
	    h == ROLLOVER_OK || h == ROLLOVER_RETIRED)
		return;
	timefmt_utc(until, full);
	timefmt_utc(end, ca->not_after);
	if (h == ROLLOVER_SOON)
		fprintf(stderr, "mailcert: warning: %s \"%s\" can carry "
		    "full-length (%d-day) certificates only until %s (%lld "
		    "days); begin a rollover: mailcert ca rollover begin%s\n",
		    what, ca->name, days, until,
		    (long long)((full - now) / DAY), root ? " --new-root" : "");
	else if (h == ROLLOVER_SHORT)
		fprintf(stderr, "mailcert: warning: %s \"%s\" can no longer "
		    "carry full-length (%d-day) certificates since %s: new "
		    "ones end with it on %s; begin a rollover: mailcert ca "
		    "rollover begin%s\n", what, ca->name, days,
		    until, end, root ? " --new-root" : "");
	else
		fprintf(stderr, "mailcert: warning: %s \"%s\" expired on %s; "
		    "begin a rollover: mailcert ca rollover begin%s\n",
		    what, ca->name, end, root ? " --new-root" :
		    "");
}

int
cmd_ca_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_ca **cas = NULL, *cur = NULL;
	enum rollover_health h;
	json_t *arr = NULL, *o;
	char na[TIMEFMT_LEN], fu[TIMEFMT_LEN], **rest;
	int64_t now = timefmt_now(), full;
	size_t n = 0, i;
	int nrest, days, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    no_options, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_ca_list(&cas, &n, ctx->st)) != 0)
		return rc;
	if (n == 0) {
		rc = err_set(ERR_UNINIT, "the store holds no CA");
		goto out;
	}
	/* With no active issuing CA there is nothing to warn about. */
	if ((rc = store_ca_current(&cur, ctx->st)) != 0 && rc != ERR_NOTFOUND)
		goto out;
	rc = 0;
	days = ctx->cfg->issue_days;
	if (ctx->json && (arr = json_array()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!ctx->json)
		printf("%-12s %-8s %-8s %-20s %6s  %-20s %s\n", "NAME", "ROLE",
		    "STATE", "NOT_AFTER", "DAYS", "FULL_LENGTH_UNTIL",
		    "STATUS");
	for (i = 0; i < n; i++) {
		h = rollover_health(cas[i], days, now);
		full = rollover_full_until(cas[i], days);
		if (ctx->json) {
			o = json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:b, "
			    "s:s, s:b}",
			    "name", cas[i]->name,
			    "role", role_name(cas[i]->role),
			    "state", cas[i]->state == STORE_CA_ACTIVE ?
			    "active" : "retired",
			    "not_after", cli_json_time(cas[i]->not_after),
			    "days_left", (json_int_t)((cas[i]->not_after -
			    now) / DAY),
			    "full_length_until", cli_json_time(full),
			    "full_length_passed", now > full,
			    "status", rollover_health_name(h),
			    "current", cur != NULL && cas[i]->id == cur->id);
			if (o == NULL || json_array_append_new(arr, o) != 0) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
		} else
			printf("%-12s %-8s %-8s %-20s %6lld  %-20s %s%s\n",
			    cas[i]->name, role_name(cas[i]->role),
			    cas[i]->state == STORE_CA_ACTIVE ? "active" :
			    "retired", timefmt_utc(na, cas[i]->not_after),
			    (long long)((cas[i]->not_after - now) / DAY),
			    timefmt_utc(fu, full), rollover_health_name(h),
			    cur != NULL && cas[i]->id == cur->id ?
			    " (current)" : "");
	}
	if (ctx->json) {
		rc = cli_print_json(arr);
		arr = NULL;
	}
	for (i = 0; cur != NULL && i < n; i++)
		warn_ca(cas[i], cur, days, now);
out:
	json_decref(arr);
	store_ca_free(cur);
	store_ca_list_free(cas, n);
	return rc;
}

static int
handle_begin(void *arg, int c, const char *optarg)
{
	(void)optarg;
	if (c == 'R')
		*(int *)arg = 1;
	return 0;
}

/* The latest CRL of CA name as "number N, next update T" into buf. */
static const char *
crl_line(char *buf, size_t size, struct store *st, const char *name)
{
	struct store_ca *ca = NULL;
	struct store_crl *crl = NULL;
	char next[TIMEFMT_LEN];

	if (store_ca_get(&ca, st, name) != 0 ||
	    store_crl_latest(&crl, st, ca->id) != 0)
		snprintf(buf, size, "no CRL");
	else
		snprintf(buf, size, "CRL number %lld, next update %s",
		    (long long)crl->number, timefmt_utc(next,
		    crl->next_update));
	store_crl_free(crl);
	store_ca_free(ca);
	return buf;
}

static int
step_begin(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "new-root", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct rollover_begun b;
	char msg[512], line[96], **rest;
	int64_t now = timefmt_now();
	int nrest, new_root = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_begin, &new_root, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = rollover_begin(&b, ctx->st, ctx->kek, ctx->cfg, new_root,
	    now)) != 0)
		return rc;
	printf("%s (under %s root %s) now signs new certificates; %s stays "
	    "valid and keeps its CRL until the rollover is finished\n",
	    b.issuing, b.new_root ? "new" : "the", b.root, b.old);
	/* Both CAs' certificates point at their CRLs: publish fresh ones. */
	if ((rc = crl_generate(ctx->st, ctx->kek, ctx->cfg, now)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "the rollover has begun, but CRLs could not "
		    "be signed: %s; run `mailcert crl generate`", msg);
	}
	printf("%-12s %s\n", b.issuing, crl_line(line, sizeof(line), ctx->st,
	    b.issuing));
	if (b.new_root)
		printf("%-12s %s\n", b.root, crl_line(line, sizeof(line),
		    ctx->st, b.root));
	printf("%-12s %s\n", b.old, crl_line(line, sizeof(line), ctx->st,
	    b.old));
	fprintf(stderr, "next: publish `mailcert export chain` (it holds both "
	    "CAs now), then `mailcert ca rollover reissue`\n");
	return 0;
}

static json_t *
status_json(const struct rollover_status *s)
{
	const struct rollover_old *o;
	json_t *root, *old, *blocked, *v;
	size_t i;

	root = json_pack("{s:s, s:b, s:[], s:[]}", "current", s->current,
	    "in_progress", s->nold > 0, "old", "from_csr");
	if (root == NULL)
		return NULL;
	old = json_object_get(root, "old");
	blocked = json_object_get(root, "from_csr");
	for (i = 0; i < s->nold; i++) {
		o = &s->old[i];
		if (o->role == STORE_CA_ROOT)
			v = json_pack("{s:s, s:s, s:o, s:I}", "name", o->name,
			    "role", "root", "not_after",
			    cli_json_time(o->not_after), "active_cas",
			    (json_int_t)o->cas);
		else
			v = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I}",
			    "name", o->name, "role", "issuing", "not_after",
			    cli_json_time(o->not_after), "active",
			    (json_int_t)o->active, "superseded",
			    (json_int_t)o->superseded, "to_reissue",
			    (json_int_t)(o->active - o->superseded - o->csr),
			    "from_csr", (json_int_t)o->csr);
		if (v == NULL || json_array_append_new(old, v) != 0) {
			json_decref(root);
			return NULL;
		}
	}
	for (i = 0; i < s->nblocked; i++) {
		v = json_pack("{s:s, s:s, s:s}", "serial", s->blocked[i].serial,
		    "email", s->blocked[i].email, "ca", s->blocked[i].ca_name);
		if (v == NULL || json_array_append_new(blocked, v) != 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

static int
step_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct rollover_status *s = NULL;
	const struct rollover_old *o;
	char na[TIMEFMT_LEN], **rest;
	size_t i;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    no_options, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = rollover_status(&s, ctx->st, timefmt_now())) != 0)
		return rc;
	if (ctx->json) {
		rc = cli_print_json(status_json(s));
		goto out;
	}
	if (s->nold == 0) {
		printf("no rollover in progress; new certificates come from "
		    "%s\n", s->current);
		goto out;
	}
	printf("new certificates come from %s\n", s->current);
	printf("%-12s %-8s %-20s %7s %10s %10s %8s\n", "OLD_CA", "ROLE",
	    "NOT_AFTER", "ACTIVE", "SUPERSEDED", "TO_REISSUE", "FROM_CSR");
	for (i = 0; i < s->nold; i++) {
		o = &s->old[i];
		if (o->role == STORE_CA_ROOT)
			printf("%-12s %-8s %-20s %zu active CA(s) under it\n",
			    o->name, "root", timefmt_utc(na, o->not_after),
			    o->cas);
		else
			printf("%-12s %-8s %-20s %7zu %10zu %10zu %8zu\n",
			    o->name, "issuing", timefmt_utc(na, o->not_after),
			    o->active, o->superseded,
			    o->active - o->superseded - o->csr, o->csr);
	}
	if (s->nblocked > 0)
		printf("from a CSR, so mailcert cannot re-key them (issue a "
		    "certificate for a new CSR with `mailcert cert issue "
		    "--csr`, or revoke; they block finish):\n");
	for (i = 0; i < s->nblocked; i++)
		printf("  %s %s (%s)\n", s->blocked[i].serial,
		    s->blocked[i].email, s->blocked[i].ca_name);
out:
	rollover_status_free(s);
	return rc;
}

static int
handle_batch(void *arg, int c, const char *optarg)
{
	if (c == 'b')
		return cli_parse_int(arg, optarg, "--batch", 1, INT_MAX);
	return 0;
}

static int
step_reissue(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct rollover_reissue *r = NULL;
	const struct rollover_pair *p, *first = NULL;
	char **rest;
	size_t i, done = 0, failed = 0;
	int nrest, batch = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_batch, &batch, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = rollover_reissue(&r, ctx->st, ctx->kek, ctx->cfg,
	    (size_t)batch, timefmt_now())) != 0)
		return rc;
	/* stdout: one "OLD NEW EMAIL" line per re-issue, for scripts. */
	for (i = 0; i < r->n; i++) {
		p = &r->v[i];
		if (p->rc == 0) {
			printf("%s %s %s\n", p->old_serial, p->new_serial,
			    p->email);
			done++;
			continue;
		}
		fprintf(stderr, "mailcert: %s (\"%s\"): %s\n", p->old_serial,
		    p->email, p->error != NULL ? p->error : err_str(p->rc));
		if (first == NULL)
			first = p;
		failed++;
	}
	if (r->adopted > 0)
		fprintf(stderr, "paired %zu certificate(s) with a replacement "
		    "the store already held\n", r->adopted);
	fprintf(stderr, "re-issued %zu certificate(s) with new keys; hand "
	    "them out with `mailcert export p12 NEW_SERIAL`\n", done);
	if (r->remaining > 0)
		fprintf(stderr, "%zu left for the next batch: run `mailcert ca "
		    "rollover reissue` again\n", r->remaining);
	if (r->csr > 0)
		fprintf(stderr, "%zu came from a CSR and cannot be re-keyed "
		    "here: issue each a certificate for a new CSR (`mailcert "
		    "cert issue --csr`) or revoke it; they block finish "
		    "(`mailcert ca rollover status` lists them)\n", r->csr);
	if (failed == 0 && r->remaining == 0 && r->csr == 0)
		fprintf(stderr, "every active certificate is superseded; "
		    "next: mailcert ca rollover finish\n");
	if (failed > 0)
		rc = err_set(first->rc, "%zu certificate(s) could not be "
		    "re-issued (see above); run `mailcert ca rollover reissue` "
		    "again once fixed", failed);
	rollover_reissue_free(r);
	return rc;
}

static int
step_finish(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, { NULL, 0, NULL, 0 },
	};
	struct rollover_finish f;
	char msg[512], line[96], **rest;
	size_t i;
	int nrest, rc;

	memset(&f, 0, sizeof(f));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    no_options, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	rc = rollover_finish(&f, ctx->st, ctx->kek, timefmt_now());
	if (rc == ERR_EXISTS && f.pending > 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		if (f.pending > f.csr)
			err_set(rc, "refusing to finish: %s; run `mailcert ca "
			    "rollover reissue` first", msg);
		else
			err_set(rc, "refusing to finish: %s; issue those users "
			    "certificates for new CSRs (`mailcert cert issue "
			    "--csr`) or revoke them (`mailcert ca rollover "
			    "status` lists them)", msg);
	}
	if (rc != 0)
		goto out;
	if (f.adopted > 0)
		printf("paired %zu certificate(s) with a replacement the store "
		    "already held\n", f.adopted);
	if (f.nretired == 0) {
		printf("nothing to finish: no CA is being rolled over\n");
		goto out;
	}
	printf("revoked %zu superseded certificate(s)\n", f.revoked);
	for (i = 0; i < f.nretired; i++)
		printf("retired %s; final %s\n", f.retired[i],
		    crl_line(line, sizeof(line), ctx->st, f.retired[i]));
	fprintf(stderr, "next: publish the final CRLs (`mailcert export crl "
	    "--ca NAME`) and the chain (`mailcert export chain`)\n");
out:
	rollover_finish_clear(&f);
	return rc;
}

static const struct cli_cmd steps[] = {
	{ "ca rollover", "begin", step_begin, "[--new-root]",
	    "Create the next issuing CA (with --new-root also a new root); "
	    "it signs new certificates from now on.",
	    CLI_MUTATES },
	{ "ca rollover", "status", step_status, "[--json]",
	    "Show the old CAs and the certificates still hanging off them.", 0 },
	{ "ca rollover", "reissue", step_reissue, "[--batch N]",
	    "Re-issue active certificates of the old CAs with new keys.",
	    CLI_MUTATES },
	{ "ca rollover", "finish", step_finish, "",
	    "Revoke the superseded certificates, sign final CRLs, retire the "
	    "old CAs.", CLI_MUTATES },
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

static void
steps_usage(FILE *f)
{
	size_t i;

	fprintf(f, "mailcert ca rollover steps:\n");
	for (i = 0; i < NSTEPS; i++)
		fprintf(f, "  ca rollover %s %s\n    %s\n", steps[i].name,
		    steps[i].usage, steps[i].help);
}

int
cmd_ca_rollover(struct cli_ctx *ctx, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return err_set(ERR_INVALID, "the rollover step is missing: "
		    "begin, status, reissue or finish (see --help)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		steps_usage(stdout);
		return CLI_HELP;
	}
	for (i = 0; i < NSTEPS; i++) {
		if (strcmp(argv[1], steps[i].name) != 0)
			continue;
		cli_current = &steps[i];
		/* argv[0] of the step is its own name, as getopt expects. */
		return steps[i].run(ctx, argc - 1, argv + 1);
	}
	return err_set(ERR_INVALID, "unknown rollover step \"%s\" (use begin, "
	    "status, reissue or finish)", argv[1]);
}
