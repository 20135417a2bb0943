/*
 * cli-cert.c: `mailcert cert issue|list|show|revoke`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca.h"
#include "cli.h"
#include "config.h"
#include "csr.h"
#include "err.h"
#include "mailbox.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

struct issue_opts {
	struct ca_request req;
	const char	*key;
	const char	*days;
	const char	*profile;
	const char	*csr;
	const char	*usage;		/* "both" | "dual" */
};

static int
issue_handle(void *arg, int c, const char *optarg)
{
	struct issue_opts *o = arg;

	switch (c) {
	case 'e': o->req.email = optarg; break;
	case 'g': o->req.given_name = optarg; break;
	case 's': o->req.surname = optarg; break;
	case 'k': o->key = optarg; break;
	case 'd': o->days = optarg; break;
	case 'p': o->profile = optarg; break;
	case 'c': o->csr = optarg; break;
	case 'u': o->usage = optarg; break;
	}
	return 0;
}

static int
read_csr(X509_REQ **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len;
	int rc;

	if ((rc = file_read(&data, &len, path, CSR_MAX_BYTES)) != 0)
		return rc;
	rc = csr_parse(out, data, len, path);
	free(data);
	return rc;
}

int
cmd_cert_issue(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "email", required_argument, NULL, 'e' },
		{ "given-name", required_argument, NULL, 'g' },
		{ "surname", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "days", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "csr", required_argument, NULL, 'c' },
		{ "usage", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct issue_opts o;
	struct ca *ca = NULL;
	struct ca_issued *iss = NULL, *enc = NULL;
	char **rest;
	int dual = 0, nrest, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    issue_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if (o.req.email == NULL)
		return err_set(ERR_INVALID, "--email is missing (see --help)");
	if (o.req.given_name == NULL)
		return err_set(ERR_INVALID, "--given-name is missing (see "
		    "--help)");
	if (o.req.surname == NULL)
		return err_set(ERR_INVALID, "--surname is missing (see --help)");
	if (o.csr != NULL && o.key != NULL)
		return err_set(ERR_INVALID, "--key and --csr exclude each "
		    "other: a CSR brings its own key");
	if (o.usage != NULL) {
		if (strcmp(o.usage, "dual") == 0)
			dual = 1;
		else if (strcmp(o.usage, "both") != 0)
			return err_set(ERR_INVALID, "unknown usage \"%s\" (use "
			    "both or dual)", o.usage);
	}
	if (dual && o.csr != NULL)
		return err_set(ERR_INVALID, "--usage dual and --csr exclude "
		    "each other: dual-key mode makes two keys, a CSR brings "
		    "one");
	/* Check the request's own words before touching the store. */
	if ((o.key != NULL && (rc = keys_type_parse(&o.req.key, o.key)) != 0) ||
	    (o.profile != NULL &&
	    (rc = profile_parse(&o.req.profile, o.profile)) != 0) ||
	    (o.days != NULL && (rc = cli_parse_int(&o.req.days, o.days,
	    "--days", 1, PROFILE_MAX_DAYS)) != 0))
		return rc;
	if ((rc = cli_open(ctx)) != 0)
		return rc;
	if (o.key == NULL)
		o.req.key = ctx->cfg->issue_key;
	if (o.profile == NULL)
		o.req.profile = ctx->cfg->issue_profile;
	if (o.csr != NULL && (rc = read_csr(&o.req.csr, o.csr)) != 0)
		goto out;
	if ((rc = ca_load(&ca, ctx->st, ctx->kek, NULL)) != 0)
		goto out;
	if (dual)
		rc = ca_issue_pair(&iss, &enc, ctx->st, ca, ctx->kek, ctx->cfg,
		    &o.req, timefmt_now());
	else
		rc = ca_issue(&iss, ctx->st, ca, ctx->kek, ctx->cfg, &o.req,
		    timefmt_now());
	if (rc != 0)
		goto out;
	if (iss->shortened)
		fprintf(stderr, "mailcert: validity shortened to the end of CA "
		    "\"%s\"\n", ca->name);
	printf("%s\n", iss->serial);
	if (!dual)
		goto out;
	printf("%s\n", enc->serial);
	/* stdout stays two bare serials for scripts; the words go here. */
	fprintf(stderr, "mailcert: line 1: signing certificate %s (its key "
	    "is handed out once, then deleted)\n"
	    "mailcert: line 2: encryption certificate %s (key escrowed)\n"
	    "mailcert: collect the signing key with: mailcert --dir %s export "
	    "p12 %s --purpose signing -o FILE\n", iss->serial, enc->serial,
	    ctx->dir, iss->serial);
out:
	X509_REQ_free(o.req.csr);
	ca_issued_free(iss);
	ca_issued_free(enc);
	ca_free(ca);
	return rc;
}

/* valid | revoked | expired, as users see it. */
static const char *
cert_status(const struct store_cert *c, int64_t now)
{
	if (c->state == CERT_STATE_REVOKED)
		return "revoked";
	return c->not_after < now ? "expired" : "valid";
}

static json_t *
cert_json(const struct store_cert *c, int64_t now)
{
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:o, s:o, s:s, s:s?, "
	    "s:s?, s:o, s:s?, s:s, s:o}",
	    "serial", c->serial,
	    "email", c->email,
	    "given_name", c->given_name,
	    "surname", c->surname,
	    "status", cert_status(c, now),
	    "not_before", cli_json_time(c->not_before),
	    "not_after", cli_json_time(c->not_after),
	    "ca", c->ca_name ? c->ca_name : "",
	    "profile", c->profile,
	    "key", c->key_alg,
	    "revoked_at", cli_json_time(c->revoked_at),
	    "reason", c->state == CERT_STATE_REVOKED ?
	    store_reason_name(c->reason) : NULL,
	    "usage", c->usage != NULL ? c->usage : "both",
	    "key_released_at", cli_json_time(c->key_released_at));
}

struct list_opts {
	const char	*email;
	const char	*status;
};

static int
list_handle(void *arg, int c, const char *optarg)
{
	struct list_opts *o = arg;

	if (c == 'e')
		o->email = optarg;
	else if (c == 's')
		o->status = optarg;
	return 0;
}

static int
status_filter(struct store_cert_filter *f, const char *status)
{
	if (strcmp(status, "valid") == 0) {
		f->state = CERT_STATE_VALID;
		f->expired = 0;
	} else if (strcmp(status, "revoked") == 0)
		f->state = CERT_STATE_REVOKED;
	else if (strcmp(status, "expired") == 0) {
		f->state = CERT_STATE_VALID;
		f->expired = 1;
	} else
		return err_set(ERR_INVALID, "unknown status \"%s\" (use valid, "
		    "revoked or expired)", status);
	return 0;
}

int
cmd_cert_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "email", required_argument, NULL, 'e' },
		{ "status", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_opts o;
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	char *email = NULL, na[TIMEFMT_LEN], **rest;
	json_t *arr = NULL;
	size_t n = 0, i;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.expired = -1;
	f.now = timefmt_now();
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    list_handle, &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0)
		return rc;
	if (o.status != NULL && (rc = status_filter(&f, o.status)) != 0)
		return rc;
	if (o.email != NULL) {
		if ((rc = mailbox_normalize(&email, o.email)) != 0)
			return rc;
		f.email = email;
	}
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = store_cert_list(&v, &n, ctx->st, &f)) != 0)
		goto out;
	if (ctx->json) {
		if ((arr = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			json_array_append_new(arr, cert_json(v[i], f.now));
		rc = cli_print_json(arr);
		goto out;
	}
	printf("%-40s %-8s %-20s %-10s %-8s %s\n", "SERIAL", "STATUS",
	    "NOT_AFTER", "CA", "USAGE", "EMAIL");
	for (i = 0; i < n; i++)
		printf("%-40s %-8s %-20s %-10s %-8s %s\n", v[i]->serial,
		    cert_status(v[i], f.now), timefmt_utc(na, v[i]->not_after),
		    v[i]->ca_name ? v[i]->ca_name : "",
		    v[i]->usage ? v[i]->usage : "both", v[i]->email);
out:
	free(email);
	store_cert_list_free(v, n);
	return rc;
}

static int
show_handle(void *arg, int c, const char *optarg)
{
	(void)optarg;
	if (c == 'P')
		*(int *)arg = 1;
	return 0;
}

int
cmd_cert_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "pem", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_cert *c = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	char **rest;
	int64_t now = timefmt_now();
	int nrest, pem = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    show_handle, &pem, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the serial")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_cert_get(&c, ctx->st, rest[0])) != 0)
		return rc;
	p = c->der;
	if ((x = d2i_X509(NULL, &p, (long)c->der_len)) == NULL) {
		rc = err_set(ERR_STORE, "stored certificate %s does not decode",
		    c->serial);
		goto out;
	}
	if (ctx->json)
		rc = cli_print_json(cert_json(c, now));
	else if (pem)
		PEM_write_X509(stdout, x);
	else {
		char rel[TIMEFMT_LEN];

		printf("serial:     %s\nemail:      %s\nname:       %s %s\n"
		    "status:     %s\nprofile:    %s\nusage:      %s\n"
		    "key:        %s", c->serial, c->email,
		    c->given_name ? c->given_name : "",
		    c->surname ? c->surname : "", cert_status(c, now),
		    c->profile ? c->profile : "",
		    c->usage ? c->usage : "both", c->key_alg ? c->key_alg : "");
		if (c->key_id != NULL && c->usage != NULL &&
		    strcmp(c->usage, "sign") == 0)
			printf(" (sealed until it is handed out once)\n");
		else if (c->key_id != NULL)
			printf(" (escrowed)\n");
		else if (c->key_released_at != 0)
			printf(" (handed out %s, not kept)\n",
			    timefmt_utc(rel, c->key_released_at));
		else
			printf(" (from a CSR, not held)\n");
		printf("ca:         %s\n", c->ca_name ? c->ca_name : "");
		if (c->state == CERT_STATE_REVOKED) {
			char at[TIMEFMT_LEN];

			printf("revoked:    %s (%s)\n",
			    timefmt_utc(at, c->revoked_at),
			    store_reason_name(c->reason));
		}
		X509_print_ex_fp(stdout, x, XN_FLAG_ONELINE &
		    ~ASN1_STRFLGS_ESC_MSB, 0);
	}
out:
	X509_free(x);
	store_cert_free(c);
	return rc;
}

static int
revoke_handle(void *arg, int c, const char *optarg)
{
	if (c == 'r')
		*(const char **)arg = optarg;
	return 0;
}

int
cmd_cert_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason_s = NULL;
	char **rest;
	int nrest, reason, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    revoke_handle, &reason_s, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the serial")) != 0)
		return rc;
	if (reason_s == NULL)
		return err_set(ERR_INVALID, "--reason is missing (see --help)");
	if ((rc = store_reason_parse(&reason, reason_s)) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_cert_revoke(ctx->st, rest[0], reason,
	    timefmt_now())) != 0)
		return rc;
	printf("revoked %s (%s); run `mailcert crl generate` to publish\n",
	    rest[0], reason_s);
	return 0;
}
