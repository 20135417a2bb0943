/*
 * cli-audit.c: the `mailcert audit` commands. `audit trust FILE` prints
 * one line per finding about a trust bundle (the rules are in
 * trustaudit.h); `audit list` shows the newest entries of the audit log
 * and `audit verify` checks its hash chain (auditlog.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "auditlog.h"
#include "certread.h"
#include "cli.h"
#include "err.h"
#include "export.h"
#include "store-web.h"
#include "trustaudit.h"
#include "util/file.h"
#include "util/timefmt.h"

#define WARN_DAYS_MAX		3650
#define LIST_DEFAULT		50	/* audit list without --limit */

struct audit_opts {
	const char	*at;
	const char	*warn_days;
	const char	*password_file;
	int		 issued_by_us;
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct audit_opts *o = arg;

	switch (c) {
	case 'a': o->at = optarg; break;
	case 'w': o->warn_days = optarg; break;
	case 'P': o->password_file = optarg; break;
	case 'U': o->issued_by_us = 1; break;
	}
	return 0;
}

static json_t *
report_json(const char *file, int ncerts, int64_t at,
    const struct trustaudit_report *r)
{
	const struct trustaudit_finding *f;
	json_t *arr, *o;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->n; i++) {
		f = &r->v[i];
		o = json_pack("{s:s, s:s, s:o, s:s, s:s}",
		    "severity", trustaudit_severity_name(f->severity),
		    "code", f->code,
		    "certificate", f->index >= 0 ?
		    json_integer(f->index + 1) : json_null(),
		    "subject", f->subject,
		    "detail", f->detail);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return json_pack("{s:s, s:i, s:o, s:o, s:I, s:I, s:I}",
	    "file", file, "certificates", ncerts, "at", cli_json_time(at),
	    "findings", arr,
	    "errors", (json_int_t)r->count[TRUSTAUDIT_ERROR],
	    "warnings", (json_int_t)r->count[TRUSTAUDIT_WARNING],
	    "info", (json_int_t)r->count[TRUSTAUDIT_INFO]);
}

static void
report_print(const char *file, int ncerts, const struct trustaudit_report *r)
{
	const struct trustaudit_finding *f;
	size_t i;

	for (i = 0; i < r->n; i++) {
		f = &r->v[i];
		if (f->index >= 0)
			printf("%s %s: certificate %d \"%s\": %s\n",
			    trustaudit_severity_name(f->severity), f->code,
			    f->index + 1, f->subject, f->detail);
		else
			printf("%s %s: \"%s\": %s\n",
			    trustaudit_severity_name(f->severity), f->code,
			    f->subject, f->detail);
	}
	printf("%s: %d certificate%s, %zu error%s, %zu warning%s, %zu info\n",
	    file, ncerts, ncerts == 1 ? "" : "s",
	    r->count[TRUSTAUDIT_ERROR],
	    r->count[TRUSTAUDIT_ERROR] == 1 ? "" : "s",
	    r->count[TRUSTAUDIT_WARNING],
	    r->count[TRUSTAUDIT_WARNING] == 1 ? "" : "s",
	    r->count[TRUSTAUDIT_INFO]);
}

int
cmd_audit_trust(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "at", required_argument, NULL, 'a' },
		{ "warn-days", required_argument, NULL, 'w' },
		{ "issued-by-us", no_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_opts o;
	struct trustaudit_opts ao;
	struct trustaudit_report *r = NULL;
	STACK_OF(X509) *certs = NULL, *ours = NULL;
	unsigned char *data = NULL;
	char *pass = NULL, **rest;
	size_t len;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	memset(&ao, 0, sizeof(ao));
	ao.warn_days = TRUSTAUDIT_WARN_DAYS;
	ao.at = timefmt_now();
	/* The command's own words first, then files, then the store. */
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, handle,
	    &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the trust bundle file")) != 0 ||
	    (o.at != NULL && (rc = timefmt_parse(&ao.at, o.at)) != 0) ||
	    (o.warn_days != NULL && (rc = cli_parse_int(&ao.warn_days,
	    o.warn_days, "--warn-days", 0, WARN_DAYS_MAX)) != 0) ||
	    (o.password_file != NULL &&
	    (rc = cli_read_password(&pass, o.password_file)) != 0) ||
	    (rc = file_read(&data, &len, rest[0], CERTREAD_MAX_BYTES)) != 0 ||
	    (rc = certread_bundle(&certs, data, len, rest[0], pass)) != 0)
		goto out;
	if (o.issued_by_us) {
		if ((rc = cli_open(ctx)) != 0 ||
		    (rc = export_chain_certs(&ours, ctx->st, ao.at)) != 0)
			goto out;
		ao.ours = ours;
	}
	if ((rc = trustaudit_run(&r, certs, &ao)) != 0)
		goto out;
	if (ctx->json) {
		if ((rc = cli_print_json(report_json(rest[0],
		    sk_X509_num(certs), ao.at, r))) != 0)
			goto out;
	} else
		report_print(rest[0], sk_X509_num(certs), r);
	/* The findings are on stdout; the status says whether any is fatal. */
	if (r->count[TRUSTAUDIT_ERROR] > 0)
		rc = err_set(ERR_INVALID, "\"%s\": %zu finding%s at error "
		    "severity", rest[0], r->count[TRUSTAUDIT_ERROR],
		    r->count[TRUSTAUDIT_ERROR] == 1 ? "" : "s");
out:
	trustaudit_report_free(r);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(ours, X509_free);
	free(data);
	if (pass != NULL)
		cli_password_free(pass);
	return rc;
}

/* ---- the audit log ---- */

static int
list_handle(void *arg, int c, const char *optarg)
{
	const char **limit = arg;

	if (c == 'l')
		*limit = optarg;
	return 0;
}

static json_t *
entry_json(const struct store_audit *e)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)e->id, "at", cli_json_time(e->at),
	    "actor", e->actor, "action", e->action, "target", e->target,
	    "result", e->result, "prev_hash", e->prev_hash, "hash", e->hash);
}

/* The newest entries, printed oldest first as a log reads. */
int
cmd_audit_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_audit **v = NULL, *e;
	const char *limit_s = NULL;
	json_t *arr = NULL, *o;
	char when[TIMEFMT_LEN], **rest;
	size_t n = 0, i;
	int nrest, limit = LIST_DEFAULT, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    list_handle, &limit_s, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (limit_s != NULL && (rc = cli_parse_int(&limit, limit_s,
	    "--limit", 1, INT_MAX)) != 0) ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_audit_list_desc(&v, &n, ctx->st, 0,
	    (size_t)limit)) != 0)
		goto out;
	if (ctx->json) {
		if ((arr = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = n; i > 0; i--)
			if ((o = entry_json(v[i - 1])) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
		rc = cli_print_json(arr);
		arr = NULL;	/* released by cli_print_json() */
		goto out;
	}
	/* An error's message goes on a line of its own, under its entry. */
	printf("%-6s %-20s %-20s %-16s %-6s %s\n", "ID", "TIME", "ACTOR",
	    "ACTION", "RESULT", "TARGET");
	for (i = n; i > 0; i--) {
		e = v[i - 1];
		printf("%-6lld %-20s %-20s %-16s %-6s %s\n", (long long)e->id,
		    timefmt_utc(when, e->at), e->actor, e->action,
		    strcmp(e->result, "ok") == 0 ? "ok" : "error", e->target);
		if (strcmp(e->result, "ok") != 0)
			printf("%-6s %s\n", "", e->result);
	}
out:
	json_decref(arr);
	store_audit_list_free(v, n);
	return rc;
}

int
cmd_audit_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ NULL, 0, NULL, 0 },
	};
	struct auditlog_report r;
	char **rest;
	int nrest, rc;

	memset(&r, 0, sizeof(r));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, NULL,
	    NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = auditlog_verify(&r, ctx->st)) != 0)
		return rc;
	if (ctx->json)
		rc = cli_print_json(json_pack("{s:b, s:I, s:o, s:s?}",
		    "intact", r.problem == NULL, "entries",
		    (json_int_t)r.entries, "bad_id", r.problem != NULL ?
		    json_integer(r.bad_id) : json_null(), "problem",
		    r.problem));
	else if (r.problem == NULL)
		printf("audit log intact: %zu entr%s\n", r.entries,
		    r.entries == 1 ? "y" : "ies");
	/* The status says it: 1, naming the first entry that fails. */
	if (rc == 0 && r.problem != NULL)
		rc = err_set(ERR_INVALID, "audit log altered at entry %lld: %s",
		    (long long)r.bad_id, r.problem);
	free(r.problem);
	return rc;
}
