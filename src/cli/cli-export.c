/*
 * cli-export.c: `mailcert export chain|cert|crl|p12`.
 */
#include <sys/stat.h>

#include <errno.h>
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
#include "util/timefmt.h"
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

/*
 * --format of export chain: a format export_certs() writes, or cer-dir,
 * one file per certificate into the directory -o names.
 */
static int
chain_format(enum export_format *f, int *cer_dir, const struct export_opts *o)
{
	*cer_dir = 0;
	if (o->format == NULL)
		return err_set(ERR_INVALID, "--format is missing (see --help)");
	if (strcmp(o->format, "cer-dir") == 0) {
		if (o->output == NULL || strcmp(o->output, "-") == 0)
			return err_set(ERR_INVALID, "--format cer-dir writes one "
			    "file per certificate and needs -o DIR");
		*cer_dir = 1;
		return 0;
	}
	if (export_format_parse(f, o->format, EXPORT_ALLOW(EXPORT_PEM) |
	    EXPORT_ALLOW(EXPORT_DER) | EXPORT_ALLOW(EXPORT_P7B) |
	    EXPORT_ALLOW(EXPORT_SST)) != 0)
		return err_set(ERR_INVALID, "unknown format \"%s\" (use pem, "
		    "der, p7b, sst, cer-dir)", o->format);
	return 0;
}

/*
 * The file name for x in a cer-dir: its subject CN, as Microsoft's
 * guidance for Exchange Online names the files, else "certificate-N".
 * Only letters, digits, space and ".-_()" are kept (a run of anything
 * else becomes one "_"), leading and trailing dots and spaces go, so the
 * name is safe on Windows, macOS and Linux and never hidden.
 */
static void
cer_name(char *out, size_t outlen, X509 *x, int idx)
{
	X509_NAME_ENTRY *e;
	unsigned char *cn = NULL;
	size_t i, n = 0;
	int pos, len = -1, bad = 0;
	char c;

	if ((pos = X509_NAME_get_index_by_NID(X509_get_subject_name(x),
	    NID_commonName, -1)) >= 0 &&
	    (e = X509_NAME_get_entry(X509_get_subject_name(x), pos)) != NULL)
		len = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(e));
	/* Longer CNs are cut to what out holds. */
	for (i = 0; len > 0 && i < (size_t)len && n + 1 < outlen; i++) {
		c = (char)cn[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr(" .-_()", c) != NULL)) {
			if (n == 0 && (c == '.' || c == ' '))
				continue;
			out[n++] = c;
			bad = 0;
		} else if (!bad) {
			out[n++] = '_';
			bad = 1;
		}
	}
	while (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "certificate-%d", idx + 1);
	OPENSSL_free(cn);
}

/* One PEM ("Base64") .cer per certificate in dir, made if missing. */
static int
write_cer_dir(const char *dir, STACK_OF(X509) *certs)
{
	STACK_OF(X509) *one = NULL;
	unsigned char *data = NULL;
	char (*names)[96] = NULL, base[64], *path = NULL;
	struct stat sb;
	size_t len;
	int i, j, dup, n = sk_X509_num(certs), rc = 0;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return err_set(ERR_IO, "cannot create directory \"%s\": %s",
		    dir, strerror(errno));
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return err_set(ERR_INVALID, "\"%s\" is not a directory", dir);
	if ((names = calloc((size_t)n, sizeof(*names))) == NULL ||
	    (one = sk_X509_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		cer_name(base, sizeof(base), sk_X509_value(certs, i), i);
		/* Two CAs may share a CN (a re-keyed root): number them. */
		for (dup = 1;; dup++) {
			if (dup == 1)
				snprintf(names[i], sizeof(names[i]), "%s.cer",
				    base);
			else
				snprintf(names[i], sizeof(names[i]),
				    "%s (%d).cer", base, dup);
			for (j = 0; j < i && strcmp(names[i], names[j]) != 0;
			    j++)
				;
			if (j == i)
				break;
		}
		sk_X509_zero(one);
		if (!sk_X509_push(one, sk_X509_value(certs, i)) ||
		    (path = file_join(dir, names[i])) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = export_certs(&data, &len, one, EXPORT_PEM)) != 0 ||
		    (rc = file_write(path, data, len, 0644, 0)) != 0)
			goto out;
		fprintf(stderr, "wrote %s\n", path);
		free(data);
		data = NULL;
		free(path);
		path = NULL;
	}
out:
	free(path);
	free(data);
	sk_X509_free(one);	/* borrowed the certificates */
	free(names);
	return rc;
}

/* s as one PowerShell word: as is if plain, else single-quoted. */
static void
ps_word(FILE *f, const char *s)
{
	const char *p;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789._/\\:-") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputc('\'', f);
		fputc(*p, f);
	}
	fputc('\'', f);
}

/*
 * The commands that hand the store to Exchange Online (Set-SmimeConfig):
 * Windows PowerShell reads bytes with -Encoding Byte, PowerShell 7 only
 * with -AsByteStream. The notes are PowerShell comments, so all four
 * lines can be pasted.
 */
static void
sst_hint(const char *path)
{
	static const char *const forms[] = { "-Encoding Byte",
	    "-AsByteStream" };
	static const char *const notes[] = {
	    "# Exchange Online, Windows PowerShell 5.1:", "# PowerShell 7:" };
	size_t i;

	if (path == NULL || strcmp(path, "-") == 0)
		path = "chain.sst";
	for (i = 0; i < 2; i++) {
		fprintf(stderr, "%s\nSet-SmimeConfig -SMIMECertificateIssuingCA "
		    "(Get-Content ", notes[i]);
		ps_word(stderr, path);
		fprintf(stderr, " %s)\n", forms[i]);
	}
}

int
cmd_export_chain(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, OPT_FORMAT, OPT_CA, OPT_OUTPUT, OPT_END,
	};
	struct export_opts o;
	enum export_format f = EXPORT_PEM;
	STACK_OF(X509) *certs = NULL;
	struct store_ca *ca = NULL;
	unsigned char *data = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	size_t len;
	char **rest;
	int nrest, cer_dir, rc;

	if ((rc = parse(&o, NULL, ctx, argc, argv, opts, 0, &rest, &nrest, 0,
	    "")) != 0 ||
	    (rc = chain_format(&f, &cer_dir, &o)) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	if (o.ca != NULL) {
		if ((rc = store_ca_get(&ca, ctx->st, o.ca)) != 0)
			goto out;
		p = ca->der;
		if ((x = d2i_X509(NULL, &p, (long)ca->der_len)) == NULL ||
		    (certs = sk_X509_new_null()) == NULL ||
		    !sk_X509_push(certs, x)) {
			rc = err_ossl(ERR_STORE, "stored certificate of CA "
			    "\"%s\" does not decode", ca->name);
			goto out;
		}
		x = NULL; /* transferred */
	} else if ((rc = export_chain_certs(&certs, ctx->st,
	    timefmt_now())) != 0)
		goto out;
	if (cer_dir) {
		rc = write_cer_dir(o.output, certs);
		goto out;
	}
	/* DER holds one certificate: the trust anchor, listed last. */
	while (f == EXPORT_DER && sk_X509_num(certs) > 1)
		X509_free(sk_X509_shift(certs));
	if ((rc = export_certs(&data, &len, certs, f)) != 0 ||
	    (rc = write_out(&o, data, len, f != EXPORT_PEM)) != 0)
		goto out;
	if (f == EXPORT_SST)
		sst_hint(o.output);
out:
	free(data);
	X509_free(x);
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
