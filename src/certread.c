/*
 * certread.c: X.509 certificates (RFC 5280) from files users hand us.
 *
 * PEM bundles are read the way OpenSSL's own tools read them (RFC 7468
 * section 2: text outside the blocks is ignored), so `openssl x509 -text`
 * output and chains with private keys mixed in both work; only CERTIFICATE
 * blocks count. A file without a PEM block must be exactly one DER
 * certificate.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certread.h"
#include "err.h"

enum block {
	BLOCK_OTHER,		/* not a certificate: skipped */
	BLOCK_CERT,		/* CERTIFICATE or X509 CERTIFICATE */
	BLOCK_TRUSTED,		/* OpenSSL's certificate plus trust settings */
};

static enum block
block_kind(const char *label)
{
	if (strcmp(label, PEM_STRING_X509) == 0 ||
	    strcmp(label, PEM_STRING_X509_OLD) == 0)
		return BLOCK_CERT;
	if (strcmp(label, PEM_STRING_X509_TRUSTED) == 0)
		return BLOCK_TRUSTED;
	return BLOCK_OTHER;
}

static int
parse_pem(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	STACK_OF(X509) *sk = NULL;
	BIO *bio = NULL;
	X509 *x = NULL;
	enum block kind;
	char *label = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long derlen;
	unsigned long e;
	int n = 0, blocks = 0, rc;

	if ((sk = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		OPENSSL_free(label);
		OPENSSL_free(header);
		OPENSSL_free(der);
		label = header = NULL;
		der = NULL;
		if (!PEM_read_bio(bio, &label, &header, &der, &derlen)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			if (n == 0)
				rc = err_ossl(ERR_INVALID, "\"%s\": PEM block "
				    "%d is malformed", name, blocks + 1);
			else
				rc = err_ossl(ERR_INVALID, "\"%s\": PEM block "
				    "%d (after certificate %d) is malformed",
				    name, blocks + 1, n);
			goto out;
		}
		blocks++;
		if ((kind = block_kind(label)) == BLOCK_OTHER)
			continue;
		if (++n > CERTREAD_MAX_CERTS) {
			rc = err_set(ERR_INVALID, "\"%s\" holds more than %d "
			    "certificates", name, CERTREAD_MAX_CERTS);
			goto out;
		}
		p = der;
		x = kind == BLOCK_TRUSTED ? d2i_X509_AUX(NULL, &p, derlen) :
		    d2i_X509(NULL, &p, derlen);
		if (x == NULL) {
			rc = err_ossl(ERR_INVALID, "\"%s\": certificate %d "
			    "does not decode", name, n);
			goto out;
		}
		if (p != der + derlen) {
			rc = err_set(ERR_INVALID, "\"%s\": certificate %d has "
			    "%ld bytes of trailing data", name, n,
			    (long)(der + derlen - p));
			goto out;
		}
		if (!sk_X509_push(sk, x)) {
			rc = err_ossl(ERR_NOMEM, "out of memory");
			goto out;
		}
		x = NULL; /* transferred */
	}
	if (n == 0) {
		rc = err_set(ERR_INVALID, "\"%s\" holds no certificate (%d "
		    "other PEM block%s)", name, blocks, blocks == 1 ? "" : "s");
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	X509_free(x);
	OPENSSL_free(label);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int
parse_der(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	const unsigned char *p = data;
	int rc;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		rc = err_ossl(ERR_INVALID, "\"%s\" is neither PEM nor a DER "
		    "certificate", name);
		goto out;
	}
	if (p != data + len) {
		rc = err_set(ERR_INVALID, "\"%s\" has %zu bytes of trailing "
		    "data after the DER certificate", name,
		    (size_t)(data + len - p));
		goto out;
	}
	if ((sk = sk_X509_new_null()) == NULL || !sk_X509_push(sk, x)) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	x = NULL; /* transferred */
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

int
certread_parse(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	int rc = 0;

	*out = NULL;
	if (len == 0)
		return err_set(ERR_INVALID, "\"%s\" is empty", name);
	if (len > CERTREAD_MAX_BYTES)
		return err_set(ERR_INVALID, "\"%s\" is larger than %d bytes",
		    name, CERTREAD_MAX_BYTES);
	/*
	 * A DER certificate always starts with a SEQUENCE tag, but so does
	 * text starting with "0"; and DER can hold "-----BEGIN" in a name.
	 * Whichever reads the whole input wins, DER first.
	 */
	if (data[0] == 0x30 && (rc = parse_der(out, data, len, name)) == 0)
		return 0;
	if (memmem(data, len, "-----BEGIN", 10) != NULL)
		return parse_pem(out, data, len, name);
	if (rc != 0)
		return rc;
	return err_set(ERR_INVALID, "\"%s\" holds no certificate (neither PEM "
	    "nor DER)", name);
}

int
certread_bundle(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name, const char *password)
{
	(void)password;
	return certread_parse(out, data, len, name);
}
