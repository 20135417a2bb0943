/*
 * cli-inspect.c: `mailcert inspect FILE`, which describes every
 * certificate in a file the bundle reader accepts (PEM, DER, PKCS#7,
 * PKCS#12, SST) and says which format it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certread.h"
#include "cli.h"
#include "err.h"
#include "util/file.h"
#include "util/timefmt.h"
#include "util/x509text.h"


static int
handle(void *arg, int c, const char *optarg)
{
	const char **password_file = arg;

	if (c == 'P')
		*password_file = optarg;
	return 0;
}

static void
thumbprint(char *out, size_t outlen, X509 *x, const EVP_MD *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (!X509_digest(x, md, d, &n))
		return;
	for (i = 0; i < n && 2 * i + 3 <= outlen; i++)
		snprintf(out + 2 * i, 3, "%02X", d[i]);
}

static json_t *
describe(X509 *x, enum certread_format f)
{
	char *subj = x509text_name(X509_get_subject_name(x));
	char *iss = x509text_name(X509_get_issuer_name(x));
	char sha1[41], sha256[65], *serial = NULL;
	BIGNUM *bn;
	json_t *o;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL)
		serial = BN_bn2hex(bn);
	BN_free(bn);
	thumbprint(sha1, sizeof(sha1), x, EVP_sha1());
	thumbprint(sha256, sizeof(sha256), x, EVP_sha256());
	o = json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:o, s:s, s:s, s:b}",
	    "format", certread_format_name(f),
	    "subject", subj, "issuer", iss, "serial", serial,
	    "not_before", cli_json_time(timefmt_asn1(X509_get0_notBefore(x))),
	    "not_after", cli_json_time(timefmt_asn1(X509_get0_notAfter(x))),
	    "sha1", sha1, "sha256", sha256, "ca", X509_check_ca(x) != 0);
	free(subj);
	free(iss);
	OPENSSL_free(serial);
	return o;
}

int
cmd_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "password-file", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	STACK_OF(X509) *certs = NULL;
	enum certread_format f;
	unsigned char *data = NULL;
	const char *password_file = NULL;
	char *pass = NULL, **rest;
	json_t *arr = NULL, *o;
	size_t len;
	int nrest, i, n, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, handle,
	    &password_file, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the file")) != 0)
		goto out;
	if (password_file != NULL &&
	    (rc = cli_read_password(&pass, password_file)) != 0)
		goto out;
	if ((rc = file_read(&data, &len, rest[0], CERTREAD_MAX_BYTES)) != 0 ||
	    (rc = certread_bundle_format(&certs, &f, data, len, rest[0],
	    pass)) != 0)
		goto out;
	if ((arr = json_array()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	n = sk_X509_num(certs);
	for (i = 0; i < n; i++) {
		if ((o = describe(sk_X509_value(certs, i), f)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (ctx->json) {
		rc = cli_print_json(arr);
		arr = NULL;
		goto out;
	}
	printf("%s: %s, %d certificate%s\n", rest[0], certread_format_name(f),
	    n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		o = json_array_get(arr, (size_t)i);
		printf("\ncertificate %d\n  subject:    %s\n  issuer:     %s\n"
		    "  serial:     %s\n  not before: %s\n  not after:  %s\n"
		    "  SHA-1:      %s\n  SHA-256:    %s\n  CA:         %s\n",
		    i + 1,
		    json_string_value(json_object_get(o, "subject")),
		    json_string_value(json_object_get(o, "issuer")),
		    json_string_value(json_object_get(o, "serial")),
		    json_string_value(json_object_get(o, "not_before")),
		    json_string_value(json_object_get(o, "not_after")),
		    json_string_value(json_object_get(o, "sha1")),
		    json_string_value(json_object_get(o, "sha256")),
		    json_is_true(json_object_get(o, "ca")) ? "yes" : "no");
	}
out:
	cli_password_free(pass);
	json_decref(arr);
	sk_X509_pop_free(certs, X509_free);
	free(data);
	return rc;
}
