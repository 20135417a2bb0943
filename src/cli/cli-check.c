/*
 * cli-check.c: `mailcert check CERTFILE --address ADDR`, whether mail
 * clients would accept a certificate for an address (the checks are in
 * trustcheck.h), one PASS, FAIL or SKIP line per check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certread.h"
#include "cli.h"
#include "err.h"
#include "export.h"
#include "mailbox.h"
#include "trustcheck.h"
#include "util/file.h"
#include "util/timefmt.h"

struct check_opts {
	const char	*address;
	const char	*trust;
	const char	*crl;
	const char	*usage;
	const char	*at;
	int		 fetch_crl;
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct check_opts *o = arg;

	switch (c) {
	case 'e': o->address = optarg; break;
	case 't': o->trust = optarg; break;
	case 'c': o->crl = optarg; break;
	case 'F': o->fetch_crl = 1; break;
	case 'u': o->usage = optarg; break;
	case 'a': o->at = optarg; break;
	}
	return 0;
}

static int
parse_usage(unsigned *out, const char *s)
{
	if (s == NULL)
		*out = TRUSTCHECK_SIGN | TRUSTCHECK_ENCRYPT;
	else if (strcmp(s, "sign") == 0)
		*out = TRUSTCHECK_SIGN;
	else if (strcmp(s, "encrypt") == 0)
		*out = TRUSTCHECK_ENCRYPT;
	else
		return err_set(ERR_INVALID, "unknown usage \"%s\" (use sign or "
		    "encrypt; without --usage both are checked)", s);
	return 0;
}

/* Every certificate in the file at path. */
static int
read_certs(STACK_OF(X509) **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = file_read(&data, &len, path, CERTREAD_MAX_BYTES)) == 0)
		rc = certread_bundle(out, data, len, path, NULL);
	free(data);
	return rc;
}

/*
 * Split the certificate file into the certificate in question (the one
 * end-entity certificate, or the first if all are CAs) and the rest,
 * which serve as intermediates. Both are the caller's.
 */
static int
split_leaf(X509 **leaf, STACK_OF(X509) *certs, const char *path)
{
	int i, found = -1, n = 0;

	*leaf = NULL;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (X509_check_ca(sk_X509_value(certs, i)) == 0 && n++ == 0)
			found = i;
	if (n > 1)
		return err_set(ERR_INVALID, "\"%s\" holds %d end-entity "
		    "certificates; give a file with the one to check", path, n);
	*leaf = sk_X509_delete(certs, found >= 0 ? found : 0);
	return 0;
}

/* The trust bundle: --trust, else the data directory's CAs. */
static int
load_trust(STACK_OF(X509) **out, struct cli_ctx *ctx, const char *path)
{
	int rc;

	if (path != NULL)
		return read_certs(out, path);
	if ((rc = cli_open(ctx)) == ERR_UNINIT)
		return err_set(ERR_INVALID, "no --trust BUNDLE given, and "
		    "\"%s\" is not an initialised mailcert directory to take "
		    "the CAs from", ctx->dir);
	if (rc != 0)
		return rc;
	/* The bundle as exported today; --at only moves the check. */
	return export_chain_certs(out, ctx->st, timefmt_now());
}

static json_t *
report_json(const char *file, const char *address, int64_t at,
    const struct trustcheck_report *r)
{
	json_t *arr, *o;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->n; i++) {
		o = json_pack("{s:s, s:s, s:s}", "name", r->v[i].name,
		    "result", trustcheck_result_name(r->v[i].result),
		    "reason", r->v[i].reason);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:o, s:b, s:o}", "file", file,
	    "address", address, "at", cli_json_time(at),
	    "accepted", r->count[TRUSTCHECK_FAIL] == 0, "checks", arr);
}

int
cmd_check(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "address", required_argument, NULL, 'e' },
		{ "trust", required_argument, NULL, 't' },
		{ "crl", required_argument, NULL, 'c' },
		{ "fetch-crl", no_argument, NULL, 'F' },
		{ "usage", required_argument, NULL, 'u' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_opts o;
	struct trustcheck_input in;
	struct trustcheck_report *r = NULL;
	STACK_OF(X509) *certs = NULL, *trust = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	X509 *leaf = NULL;
	unsigned char *data = NULL;
	char *norm = NULL, **rest;
	size_t len, i;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	memset(&in, 0, sizeof(in));
	in.at = timefmt_now();
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, handle,
	    &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the certificate file")) != 0)
		goto out;
	if (o.address == NULL) {
		rc = err_set(ERR_INVALID, "--address is missing (see --help)");
		goto out;
	}
	if (o.crl != NULL && o.fetch_crl) {
		rc = err_set(ERR_INVALID, "--crl and --fetch-crl exclude each "
		    "other");
		goto out;
	}
	/* Only checked here: the comparison uses the address as given. */
	if ((rc = mailbox_normalize(&norm, o.address)) != 0 ||
	    (rc = parse_usage(&in.usage, o.usage)) != 0 ||
	    (o.at != NULL && (rc = timefmt_parse(&in.at, o.at)) != 0) ||
	    (rc = read_certs(&certs, rest[0])) != 0 ||
	    (rc = split_leaf(&leaf, certs, rest[0])) != 0)
		goto out;
	if (o.crl != NULL) {
		if ((rc = file_read(&data, &len, o.crl,
		    CERTREAD_MAX_BYTES)) != 0 ||
		    (rc = certread_crls(&crls, data, len, o.crl)) != 0)
			goto out;
		in.revocation = TRUSTCHECK_REV_CRLS;
		in.crls = crls;
	} else if (o.fetch_crl)
		in.revocation = TRUSTCHECK_REV_FETCH;
	if ((rc = load_trust(&trust, ctx, o.trust)) != 0)
		goto out;
	in.leaf = leaf;
	in.untrusted = certs;
	in.trust = trust;
	in.address = o.address;
	if ((rc = trustcheck_run(&r, &in)) != 0)
		goto out;
	if (ctx->json) {
		if ((rc = cli_print_json(report_json(rest[0], o.address, in.at,
		    r))) != 0)
			goto out;
	} else
		for (i = 0; i < r->n; i++)
			printf("%s %s: %s\n",
			    trustcheck_result_name(r->v[i].result),
			    r->v[i].name, r->v[i].reason);
	if (r->count[TRUSTCHECK_FAIL] > 0)
		rc = err_set(ERR_INVALID, "\"%s\" would not be accepted for "
		    "\"%s\": %zu of %zu checks failed", rest[0], o.address,
		    r->count[TRUSTCHECK_FAIL], r->n);
out:
	trustcheck_report_free(r);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	sk_X509_pop_free(trust, X509_free);
	sk_X509_pop_free(certs, X509_free);
	X509_free(leaf);
	free(data);
	free(norm);
	return rc;
}
