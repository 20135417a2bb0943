/*
 * cli-audit.c: `mailcert audit trust FILE`, one line per finding about a
 * trust bundle (the rules are in trustaudit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "certread.h"
#include "cli.h"
#include "err.h"
#include "export.h"
#include "trustaudit.h"
#include "util/file.h"
#include "util/timefmt.h"

#define WARN_DAYS_MAX		3650

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
