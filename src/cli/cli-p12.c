/*
 * cli-p12.c: `mailcert export p12`, the user's certificate, key and chain
 * as PKCS#12 for mail clients, MDM and GnuPG.
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

#define PASSWORD_MAX_BYTES	1024

struct p12_opts {
	const char	*output;
	const char	*password_file;
	int		 legacy;
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct p12_opts *o = arg;

	switch (c) {
	case 'o': o->output = optarg; break;
	case 'P': o->password_file = optarg; break;
	case 'L': o->legacy = 1; break;
	}
	return 0;
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

/* The password from the first line of path (newline stripped). */
static int
read_password(char **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = file_read(&data, &len, path, PASSWORD_MAX_BYTES)) != 0)
		return rc;
	data[strcspn((char *)data, "\r\n")] = '\0';
	if (data[0] == '\0') {
		OPENSSL_clear_free(data, len);
		return err_set(ERR_INVALID, "password file \"%s\" is empty",
		    path);
	}
	*out = (char *)data;
	return 0;
}

/* The issuing CA of c and its issuers up to the root. */
static int
chain_of(STACK_OF(X509) **out, struct store *st, int64_t ca_id)
{
	STACK_OF(X509) *sk;
	struct store_ca *ca = NULL;
	const unsigned char *p;
	X509 *x;
	int depth, rc = 0;

	*out = NULL;
	if ((sk = sk_X509_new_null()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (depth = 0; rc == 0 && ca_id != 0 && depth < 8; depth++) {
		if ((rc = store_ca_get_id(&ca, st, ca_id)) != 0)
			break;
		p = ca->der;
		if ((x = d2i_X509(NULL, &p, (long)ca->der_len)) == NULL ||
		    !sk_X509_push(sk, x)) {
			X509_free(x);
			rc = err_ossl(ERR_STORE, "stored certificate of CA "
			    "\"%s\" does not decode", ca->name);
		}
		ca_id = ca->parent_id;
		store_ca_free(ca);
		ca = NULL;
	}
	if (rc != 0) {
		sk_X509_pop_free(sk, X509_free);
		return rc;
	}
	*out = sk;
	return 0;
}

int
cmd_export_p12(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "output", required_argument, NULL, 'o' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "legacy", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct p12_opts o;
	struct store_cert *c = NULL;
	struct store_key *k = NULL;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	unsigned char *data = NULL;
	char *pass = NULL, gen[25], **rest;
	size_t len = 0;
	int nrest, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "o:", opts, handle,
	    &o, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the serial")) != 0)
		return rc;
	if (o.password_file != NULL &&
	    (rc = read_password(&pass, o.password_file)) != 0)
		return rc;
	if ((rc = cli_open(ctx)) != 0 ||
	    (rc = store_cert_get(&c, ctx->st, rest[0])) != 0)
		goto out;
	if (c->key_id == NULL) {
		rc = err_set(ERR_INVALID, "certificate %s was issued for a CSR; "
		    "mailcert holds no key for it", c->serial);
		goto out;
	}
	if ((rc = store_key_get(&k, ctx->st, c->key_id)) != 0 ||
	    (rc = keys_unseal(&key, ctx->kek, k->id, k->sealed,
	    k->sealed_len)) != 0 ||
	    (rc = load_cert(&x, c)) != 0 ||
	    (rc = chain_of(&chain, ctx->st, c->ca_id)) != 0)
		goto out;
	if (pass == NULL) {
		if ((rc = export_password_new(gen)) != 0)
			goto out;
		if ((pass = strdup(gen)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		OPENSSL_cleanse(gen, sizeof(gen));
	}
	if ((rc = export_p12(&data, &len, x, key, chain, pass, c->email,
	    o.legacy)) != 0 ||
	    (rc = cli_output(o.output, data, len, 1, 0600)) != 0)
		goto out;
	/* Shown once, only after the file exists, and never on stdout. */
	if (o.password_file == NULL)
		fprintf(stderr, "password: %s\n", pass);
	if (o.output != NULL && strcmp(o.output, "-") != 0)
		fprintf(stderr, "wrote %s (%s)\n", o.output, o.legacy ?
		    "legacy 3DES/SHA-1" : "AES-256/SHA-256");
out:
	if (pass != NULL)
		OPENSSL_clear_free(pass, strlen(pass));
	OPENSSL_clear_free(data, len);
	EVP_PKEY_free(key);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	store_key_free(k);
	store_cert_free(c);
	return rc;
}
