/*
 * cli-p12.c: `mailcert export p12`, a user's certificate, key and chain as
 * PKCS#12 for mail clients, MDM and GnuPG: one certificate named by its
 * serial, or the current one of an address; with --history also every
 * other encryption key of that address, since mail encrypted to an old
 * certificate needs the old key; with --format intune-csv also the CSV an
 * administrator feeds to Intune's PFX import (docs/intune.md). A dual-key
 * signing key is handed out once: it leaves the store in the transaction
 * that wrote it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "err.h"
#include "export.h"
#include "keys.h"
#include "mailbox.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

#define UPN_MAX_BYTES		256
#define FRIENDLY_MAX		320	/* address, purpose, date */

enum purpose {
	PURPOSE_ENCRYPTION,
	PURPOSE_SIGNING,
};

struct p12_opts {
	const char	*output;
	const char	*password_file;
	const char	*email;
	const char	*purpose;	/* as given; NULL: from the usage */
	const char	*format;	/* NULL or "intune-csv" */
	const char	*upn;
	int		 legacy;
	int		 history;
};

/* One key and certificate going into the file. */
struct p12_entry {
	const struct store_cert *c;	/* borrowed from the address list */
	X509		*x;
	EVP_PKEY	*key;
	char		 friendly[FRIENDLY_MAX];
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct p12_opts *o = arg;

	switch (c) {
	case 'o': o->output = optarg; break;
	case 'P': o->password_file = optarg; break;
	case 'L': o->legacy = 1; break;
	case 'e': o->email = optarg; break;
	case 'u': o->purpose = optarg; break;
	case 'H': o->history = 1; break;
	case 'f': o->format = optarg; break;
	case 'U': o->upn = optarg; break;
	}
	return 0;
}

static const char *
purpose_name(enum purpose p)
{
	return p == PURPOSE_SIGNING ? "signing" : "encryption";
}

/* 1 if the key of c may serve p: "both" serves either. */
static int
usage_allows(const struct store_cert *c, enum purpose p)
{
	if (c->usage == NULL || strcmp(c->usage, "both") == 0)
		return 1;
	return strcmp(c->usage, p == PURPOSE_SIGNING ? "sign" : "encrypt") ==
	    0;
}

static int
is_signing_only(const struct store_cert *c)
{
	return c->usage != NULL && strcmp(c->usage, "sign") == 0;
}

/* A UPN is NAME@SUFFIX without blanks or control characters. */
static int
check_upn(const char *s)
{
	const unsigned char *p;

	/* Checked first, so the messages below never echo a line break. */
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(ERR_INVALID, "--upn contains a control "
			    "character");
	if (*s == '\0' || strlen(s) > UPN_MAX_BYTES ||
	    strchr(s, '@') == NULL || strchr(s, ' ') != NULL)
		return err_set(ERR_INVALID, "--upn \"%s\" is not a user "
		    "principal name (NAME@SUFFIX without blanks, at most %d "
		    "bytes)", s, UPN_MAX_BYTES);
	return 0;
}

/* Everything about the options that needs no store. */
static int
check_opts(enum purpose *p, const struct p12_opts *o, char **rest,
    int nrest)
{
	*p = PURPOSE_ENCRYPTION;
	if (nrest > 1)
		return err_set(ERR_INVALID, "unexpected argument \"%s\" (see "
		    "--help)", rest[1]);
	if (nrest == 1 && o->email != NULL)
		return err_set(ERR_INVALID, "give a serial or --email, not "
		    "both");
	if (nrest == 0 && o->email == NULL)
		return err_set(ERR_INVALID, "the serial or --email ADDR is "
		    "missing (see --help)");
	if (o->purpose != NULL) {
		if (strcmp(o->purpose, "signing") == 0)
			*p = PURPOSE_SIGNING;
		else if (strcmp(o->purpose, "encryption") != 0)
			return err_set(ERR_INVALID, "unknown purpose \"%s\" "
			    "(use signing or encryption)", o->purpose);
	}
	if (o->history && *p == PURPOSE_SIGNING)
		return err_set(ERR_INVALID, "--history collects old encryption "
		    "keys and does not go with --purpose signing (old "
		    "signing keys are not needed to read mail)");
	if (o->format != NULL && strcmp(o->format, "intune-csv") != 0)
		return err_set(ERR_INVALID, "unknown format \"%s\" (use "
		    "intune-csv, or leave --format out for PKCS#12 alone)",
		    o->format);
	if (o->format != NULL &&
	    (o->output == NULL || strcmp(o->output, "-") == 0))
		return err_set(ERR_INVALID, "--format intune-csv needs -o "
		    "FILE: the CSV is written next to the PKCS#12 and names "
		    "it");
	if (o->upn != NULL && o->format == NULL)
		return err_set(ERR_INVALID, "--upn only goes with --format "
		    "intune-csv");
	if (o->upn != NULL)
		return check_upn(o->upn);
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

/* Append the issuing CA of a certificate and its issuers up to the root. */
static int
chain_add(STACK_OF(X509) *sk, struct store *st, int64_t ca_id)
{
	struct store_ca *ca = NULL;
	const unsigned char *p;
	X509 *x;
	int depth, rc = 0;

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
	return rc;
}

/*
 * The index in v (an address's certificates, oldest first) of the one to
 * export: the one named serial, or else the newest valid, unexpired one
 * whose usage serves p.
 */
static int
pick(size_t *out, struct store_cert **v, size_t n, const char *serial,
    const char *addr, enum purpose p, int64_t now)
{
	size_t i;

	if (serial != NULL) {
		for (i = 0; i < n; i++)
			if (strcmp(v[i]->serial, serial) == 0) {
				*out = i;
				return 0;
			}
		return err_set(ERR_STORE, "certificate %s is missing from the "
		    "list of \"%s\"", serial, addr);
	}
	if (n == 0)
		return err_set(ERR_NOTFOUND, "no certificate for \"%s\"", addr);
	for (i = n; i-- > 0;)
		if (v[i]->state == CERT_STATE_VALID && v[i]->not_after > now &&
		    usage_allows(v[i], p)) {
			*out = i;
			return 0;
		}
	return err_set(ERR_NOTFOUND, "\"%s\" has no valid %s certificate; "
	    "name a revoked or expired one by its serial", addr,
	    purpose_name(p));
}

/* Can the key of the picked certificate c go out for p? */
static int
check_current(const struct store_cert *c, enum purpose p, int explicit)
{
	char at[TIMEFMT_LEN];

	/* A signing key goes out only once: only when asked by name. */
	if (is_signing_only(c) && !explicit)
		return err_set(ERR_INVALID, "certificate %s is a signing "
		    "certificate: its key is handed out once and then deleted; "
		    "add --purpose signing", c->serial);
	if (!usage_allows(c, p))
		return err_set(ERR_INVALID, "certificate %s has usage \"%s\"; "
		    "its key is not for %s", c->serial, c->usage,
		    purpose_name(p));
	if (c->key_id == NULL && c->key_released_at != 0)
		return err_set(ERR_EXISTS, "the signing key of certificate %s "
		    "was handed out at %s and is not kept; if it is lost, "
		    "issue a new pair with cert issue --usage dual", c->serial,
		    timefmt_utc(at, c->key_released_at));
	if (c->key_id == NULL)
		return err_set(ERR_INVALID, "certificate %s was issued for a "
		    "CSR; mailcert holds no key for it", c->serial);
	return 0;
}

/* Unseal the key of e->c, decode its certificate and name them. */
static int
entry_load(struct p12_entry *e, struct cli_ctx *ctx, enum purpose p)
{
	struct store_key *k = NULL;
	char nb[TIMEFMT_LEN];
	int rc;

	if ((rc = store_key_get(&k, ctx->st, e->c->key_id)) != 0 ||
	    (rc = keys_unseal(&e->key, ctx->kek, k->id, k->sealed,
	    k->sealed_len)) != 0 ||
	    (rc = load_cert(&e->x, e->c)) != 0)
		goto out;
	/* The date tells a user's keys apart in a key manager's list. */
	snprintf(e->friendly, sizeof(e->friendly), "%s %s %.10s",
	    e->c->email, purpose_name(p), timefmt_utc(nb, e->c->not_before));
out:
	store_key_free(k);
	return rc;
}

/* Append s as one CSV field (RFC 4180), quoted as Export-Csv does. */
static int
csv_field(BIO *b, const char *s, const char *sep)
{
	int ok = BIO_write(b, "\"", 1) == 1;

	for (; ok && *s != '\0'; s++)
		ok = BIO_write(b, s, 1) == 1 &&
		    (*s != '"' || BIO_write(b, "\"", 1) == 1);
	return ok && BIO_write(b, "\"", 1) == 1 &&
	    BIO_write(b, sep, (int)strlen(sep)) == (int)strlen(sep);
}

/*
 * The CSV for Intune's PFX import: UPN, IntendedPurpose (the names of
 * the module's UserPfxIntendedPurpose enum), the PKCS#12 file name, and
 * the SHA-1 thumbprint of x, the first certificate in it, to compare
 * with what Get-IntuneUserPfxCertificate reports. CRLF, as Windows
 * tools write.
 */
static int
intune_csv(unsigned char **out, size_t *outlen, const char *upn,
    enum purpose p, const char *p12path, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	char thumb[2 * EVP_MAX_MD_SIZE + 1];
	const char *base;
	char *mem;
	BIO *b = NULL;
	long n;
	int rc = 0;

	*out = NULL;
	*outlen = 0;
	if (!X509_digest(x, EVP_sha1(), md, &mdlen))
		return err_ossl(ERR_CRYPTO, "cannot hash certificate");
	for (i = 0; i < mdlen; i++)
		snprintf(thumb + 2 * i, 3, "%02x", md[i]);
	base = strrchr(p12path, '/') != NULL ? strrchr(p12path, '/') + 1 :
	    p12path;
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !csv_field(b, "UPN", ",") ||
	    !csv_field(b, "IntendedPurpose", ",") ||
	    !csv_field(b, "PfxFile", ",") ||
	    !csv_field(b, "Thumbprint", "\r\n") ||
	    !csv_field(b, upn, ",") ||
	    !csv_field(b, p == PURPOSE_SIGNING ? "SmimeSigning" :
	    "SmimeEncryption", ",") ||
	    !csv_field(b, base, ",") ||
	    !csv_field(b, thumb, "\r\n")) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	n = BIO_get_mem_data(b, &mem);
	if (n <= 0 || (*out = malloc((size_t)n)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, mem, (size_t)n);
	*outlen = (size_t)n;
out:
	BIO_free(b);
	return rc;
}

int
cmd_export_p12(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP,
		{ "output", required_argument, NULL, 'o' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "legacy", no_argument, NULL, 'L' },
		{ "email", required_argument, NULL, 'e' },
		{ "purpose", required_argument, NULL, 'u' },
		{ "history", no_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'f' },
		{ "upn", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	struct p12_opts o;
	struct store_cert_filter f;
	struct store_cert *one = NULL, **v = NULL;
	struct p12_entry *ents = NULL;
	struct export_p12_item *items = NULL;
	STACK_OF(X509) *chain = NULL;
	const struct store_cert *cur;
	enum purpose p;
	unsigned char *data = NULL, *csv = NULL;
	char *pass = NULL, *email = NULL, *csvpath = NULL, gen[25], **rest;
	size_t len = 0, csvlen = 0, n = 0, nents = 0, icur = 0, i;
	int64_t now = timefmt_now();
	int nrest, txn = 0, release = 0, wrote = 0, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "o:", opts, handle,
	    &o, &rest, &nrest)) != 0 ||
	    (rc = check_opts(&p, &o, rest, nrest)) != 0)
		return rc;
	if (o.email != NULL && (rc = mailbox_normalize(&email, o.email)) != 0)
		return rc;
	if (o.password_file != NULL &&
	    (rc = cli_read_password(&pass, o.password_file)) != 0)
		goto out;
	if ((rc = cli_open(ctx)) != 0)
		goto out;
	/*
	 * A signing key may be deleted at the end: read it inside the
	 * transaction that deletes it, so two exports racing cannot both
	 * hand it out.
	 */
	if (p == PURPOSE_SIGNING) {
		if ((rc = store_begin(ctx->st)) != 0)
			goto out;
		txn = 1;
	}
	if (nrest == 1 && (rc = store_cert_get(&one, ctx->st, rest[0])) != 0)
		goto out;
	memset(&f, 0, sizeof(f));
	f.email = one != NULL ? one->email : email;
	f.state = -1;
	f.expired = -1;
	f.now = now;
	if ((rc = store_cert_list(&v, &n, ctx->st, &f)) != 0 ||
	    (rc = pick(&icur, v, n, one != NULL ? one->serial : NULL, f.email,
	    p, now)) != 0)
		goto out;
	cur = v[icur];
	if ((rc = check_current(cur, p, o.purpose != NULL)) != 0)
		goto out;
	release = p == PURPOSE_SIGNING && is_signing_only(cur);

	if ((ents = calloc(n, sizeof(*ents))) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL ||
	    (chain = sk_X509_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/*
	 * The current certificate first, then the others newest first:
	 * importers that take a single key from a file (OpenSSL's
	 * PKCS12_parse(), gpgsm) take the first, which must be the one new
	 * mail is encrypted to. XXX Intune's import files the record under
	 * the certificate .NET picks from the file; that this is the first
	 * one too is untested (docs/intune.md).
	 */
	ents[nents++].c = cur;
	for (i = n; i-- > 0;) {
		if (!o.history || i == icur ||
		    !usage_allows(v[i], PURPOSE_ENCRYPTION))
			continue;
		if (v[i]->key_id == NULL) {
			fprintf(stderr, "mailcert: certificate %s was issued "
			    "for a CSR and mailcert holds no key for it, "
			    "ignoring\n", v[i]->serial);
			continue;
		}
		ents[nents++].c = v[i];
	}
	for (i = 0; i < nents; i++) {
		if ((rc = entry_load(&ents[i], ctx, p)) != 0 ||
		    (rc = chain_add(chain, ctx->st, ents[i].c->ca_id)) != 0)
			goto out;
		items[i].cert = ents[i].x;
		items[i].key = ents[i].key;
		items[i].friendly = ents[i].friendly;
	}

	if (pass == NULL) {
		if ((rc = export_password_new(gen)) != 0)
			goto out;
		pass = strdup(gen);
		OPENSSL_cleanse(gen, sizeof(gen));
		if (pass == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((rc = export_p12_multi(&data, &len, items, nents, chain, pass,
	    o.legacy)) != 0 ||
	    (rc = cli_output(o.output, data, len, 1, 0600)) != 0)
		goto out;
	wrote = 1;
	if (o.format != NULL) {
		if ((csvpath = malloc(strlen(o.output) + 5)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(csvpath, strlen(o.output) + 5, "%s.csv", o.output);
		if ((rc = intune_csv(&csv, &csvlen, o.upn != NULL ? o.upn :
		    cur->email, p, o.output, ents[0].x)) != 0 ||
		    (rc = cli_output(csvpath, csv, csvlen, 0, 0600)) != 0)
			goto out;
	}
	if (release &&
	    (rc = store_cert_release_key(ctx->st, cur->serial, cur->key_id,
	    now)) != 0)
		goto out;
	if (txn) {
		if ((rc = store_commit(ctx->st)) != 0)
			goto out;
		txn = 0;
	}

	/* Shown once, only after the file exists, and never on stdout. */
	if (o.password_file == NULL)
		fprintf(stderr, "password: %s\n", pass);
	if (o.output != NULL && strcmp(o.output, "-") != 0)
		fprintf(stderr, "wrote %s (%s; %zu key%s%s)\n", o.output,
		    o.legacy ? "legacy 3DES/SHA-1" : "AES-256/SHA-256", nents,
		    nents == 1 ? "" : "s", nents == 1 ? "" :
		    ", the current one first");
	if (csvpath != NULL)
		fprintf(stderr, "wrote %s (UPN %s, %s)\n", csvpath,
		    o.upn != NULL ? o.upn : cur->email,
		    p == PURPOSE_SIGNING ? "SmimeSigning" : "SmimeEncryption");
	if (release)
		fprintf(stderr, "mailcert: the signing key of %s is deleted "
		    "from the store; what was just written is its only copy\n",
		    cur->serial);
out:
	if (txn)
		store_rollback(ctx->st);
	/*
	 * A signing key that was not released must not also be out in a
	 * file: the store would say it was never handed out.
	 */
	if (rc != 0 && release && wrote && o.output != NULL &&
	    strcmp(o.output, "-") != 0) {
		unlink(o.output);
		if (csvpath != NULL)
			unlink(csvpath);
	}
	for (i = 0; ents != NULL && i < nents; i++) {
		X509_free(ents[i].x);
		EVP_PKEY_free(ents[i].key);
	}
	free(ents);
	free(items);
	cli_password_free(pass);
	if (data != NULL) {
		OPENSSL_cleanse(data, len);
		free(data);
	}
	free(csv);
	free(csvpath);
	free(email);
	sk_X509_pop_free(chain, X509_free);
	store_cert_list_free(v, n);
	store_cert_free(one);
	return rc;
}
