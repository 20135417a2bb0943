/*
 * cli-export.c: `mailcert export chain|cert|crl|p12`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cli.h"
#include "err.h"
#include "export.h"
#include "keys.h"
#include "store.h"
#include "util/file.h"

struct export_opts {
	const char	*format;
	const char	*ca;
	const char	*output;
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct export_opts *o = arg;

	switch (c) {
	case 'f': o->format = optarg; break;
	case 'C': o->ca = optarg; break;
	case 'o': o->output = optarg; break;
	}
	return 0;
}

#define OPT_FORMAT	{ "format", required_argument, NULL, 'f' }
#define OPT_CA		{ "ca", required_argument, NULL, 'C' }
#define OPT_OUTPUT	{ "output", required_argument, NULL, 'o' }
#define OPT_END		{ NULL, 0, NULL, 0 }

/* Parse options and a required --format among allowed. */
static int
parse(struct export_opts *o, enum export_format *f, struct cli_ctx *ctx,
    int argc, char **argv, const struct option *opts, unsigned allowed,
    char ***rest, int *nrest, int operands, const char *what)
{
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "o:", opts, handle,
	    o, rest, nrest)) != 0 ||
	    (rc = cli_operands(*nrest, operands, what)) != 0)
		return rc;
	if (f == NULL)
		return 0;
	if (o->format == NULL)
		return err_set(ERR_INVALID, "--format is missing (see --help)");
	return export_format_parse(f, o->format, allowed);
}

static int
write_out(const struct export_opts *o, const unsigned char *data,
    size_t len, int binary)
{
	int rc;

	if ((rc = cli_output(o->output, data, len, binary, 0644)) == 0 &&
	    o->output != NULL && strcmp(o->output, "-") != 0)
		fprintf(stderr, "wrote %s\n", o->output);
	return rc;
}

int
cmd_export_chain(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, OPT_FORMAT, OPT_CA, OPT_OUTPUT, OPT_END,
	};
	struct export_opts o;
	enum export_format f;
	STACK_OF(X509) *certs = NULL, *one = NULL;
	struct store_ca *ca = NULL;
	unsigned char *data = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	size_t len;
	char **rest;
	int nrest, rc;

	if ((rc = parse(&o, &f, ctx, argc, argv, opts, EXPORT_ALLOW(EXPORT_PEM)
	    | EXPORT_ALLOW(EXPORT_DER) | EXPORT_ALLOW(EXPORT_P7B), &rest,
	    &nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	if (o.ca != NULL) {
		if ((rc = store_ca_get(&ca, ctx->st, o.ca)) != 0)
			goto out;
		p = ca->der;
		if ((x = d2i_X509(NULL, &p, (long)ca->der_len)) == NULL ||
		    (one = sk_X509_new_null()) == NULL ||
		    !sk_X509_push(one, x)) {
			rc = err_ossl(ERR_STORE, "stored certificate of CA "
			    "\"%s\" does not decode", ca->name);
			goto out;
		}
		x = NULL; /* transferred */
		rc = export_certs(&data, &len, one, f);
	} else if ((rc = export_chain_certs(&certs, ctx->st)) == 0) {
		/* DER holds one certificate: the trust anchor, listed last. */
		while (f == EXPORT_DER && sk_X509_num(certs) > 1)
			X509_free(sk_X509_shift(certs));
		rc = export_certs(&data, &len, certs, f);
	}
	if (rc == 0)
		rc = write_out(&o, data, len, f != EXPORT_PEM);
out:
	free(data);
	X509_free(x);
	sk_X509_pop_free(one, X509_free);
	sk_X509_pop_free(certs, X509_free);
	store_ca_free(ca);
	return rc;
}

static int
load_cert(X509 **out, const struct store_cert *c)
{
	const unsigned char *p = c->der;

	if ((*out = d2i_X509(NULL, &p, (long)c->der_len)) == NULL)
		return err_ossl(ERR_STORE, "stored certificate %s does not "
		    "decode", c->serial);
	return 0;
}

int
cmd_export_cert(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, OPT_FORMAT, OPT_OUTPUT, OPT_END,
	};
	struct export_opts o;
	enum export_format f;
	struct store_cert *c = NULL;
	STACK_OF(X509) *one = NULL;
	unsigned char *data = NULL;
	X509 *x = NULL;
	size_t len;
	char **rest;
	int nrest, rc;

	if ((rc = parse(&o, &f, ctx, argc, argv, opts, EXPORT_ALLOW(EXPORT_PEM)
	    | EXPORT_ALLOW(EXPORT_DER), &rest, &nrest, 1, "the serial")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_cert_get(&c, ctx->st, rest[0])) != 0 ||
	    (rc = load_cert(&x, c)) != 0)
		goto out;
	if ((one = sk_X509_new_null()) == NULL || !sk_X509_push(one, x)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	x = NULL; /* transferred */
	if ((rc = export_certs(&data, &len, one, f)) == 0)
		rc = write_out(&o, data, len, f != EXPORT_PEM);
out:
	free(data);
	X509_free(x);
	sk_X509_pop_free(one, X509_free);
	store_cert_free(c);
	return rc;
}

int
cmd_export_crl(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, OPT_FORMAT, OPT_CA, OPT_OUTPUT, OPT_END,
	};
	struct export_opts o;
	enum export_format f;
	struct store_ca *ca = NULL;
	struct store_crl *crl = NULL;
	unsigned char *data = NULL;
	size_t len;
	char **rest;
	int nrest, rc;

	if ((rc = parse(&o, &f, ctx, argc, argv, opts, EXPORT_ALLOW(EXPORT_PEM)
	    | EXPORT_ALLOW(EXPORT_DER), &rest, &nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	rc = o.ca != NULL ? store_ca_get(&ca, ctx->st, o.ca) :
	    store_ca_current(&ca, ctx->st);
	if (rc != 0)
		goto out;
	if ((rc = store_crl_latest(&crl, ctx->st, ca->id)) == ERR_NOTFOUND) {
		rc = err_set(ERR_NOTFOUND, "CA \"%s\" has no CRL yet; run "
		    "`mailcert crl generate`", ca->name);
		goto out;
	}
	if (rc != 0 ||
	    (rc = export_crl(&data, &len, crl->der, crl->der_len, f)) != 0)
		goto out;
	rc = write_out(&o, data, len, f != EXPORT_PEM);
out:
	free(data);
	store_crl_free(crl);
	store_ca_free(ca);
	return rc;
}
