/*
 * export.c: certificates, chains and CRLs in PEM (RFC 7468), DER and
 * certs-only PKCS#7 (RFC 2315), and PKCS#12 key bundles (RFC 7292) in the
 * two flavours mail clients import.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "err.h"
#include "export.h"
#include "store.h"

#define P12_ITER	PKCS12_DEFAULT_ITER

static const char *const format_names[EXPORT__MAX] = {
	[EXPORT_PEM] = "pem",
	[EXPORT_DER] = "der",
	[EXPORT_P7B] = "p7b",
};

int
export_format_parse(enum export_format *out, const char *s, unsigned allowed)
{
	char list[64] = "";
	int i;

	for (i = 0; i < EXPORT__MAX; i++) {
		if (!(allowed & EXPORT_ALLOW(i)))
			continue;
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum export_format)i;
			return 0;
		}
		if (list[0] != '\0')
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, format_names[i], sizeof(list) - strlen(list) - 1);
	}
	return err_set(ERR_INVALID, "unknown format \"%s\" (use %s)", s, list);
}

/* Move a memory BIO's content into a malloc'd buffer. */
static int
bio_take(unsigned char **out, size_t *outlen, BIO *b)
{
	char *p;
	long n;

	n = BIO_get_mem_data(b, &p);
	if (n < 0 || (*out = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(*out, p, (size_t)n);
	*outlen = (size_t)n;
	return 0;
}

int
export_chain_certs(STACK_OF(X509) **out, struct store *st)
{
	struct store_ca **cas = NULL;
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	const unsigned char *p;
	size_t n = 0, i;
	int pass, rc;

	*out = NULL;
	if ((rc = store_ca_list(&cas, &n, st)) != 0)
		return rc;
	if ((sk = sk_X509_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Issuing CAs newest first, then the roots: leaf-to-anchor order. */
	for (pass = 0; pass < 2; pass++) {
		for (i = n; i-- > 0;) {
			if (cas[i]->state == STORE_CA_RETIRED ||
			    (cas[i]->role == STORE_CA_ROOT) != pass)
				continue;
			p = cas[i]->der;
			if ((x = d2i_X509(NULL, &p, (long)cas[i]->der_len)) ==
			    NULL || !sk_X509_push(sk, x)) {
				X509_free(x);
				rc = err_ossl(ERR_STORE, "stored certificate of "
				    "CA \"%s\" does not decode", cas[i]->name);
				goto out;
			}
		}
	}
	if (sk_X509_num(sk) == 0) {
		rc = err_set(ERR_UNINIT, "the store holds no CA");
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
out:
	sk_X509_pop_free(sk, X509_free);
	store_ca_list_free(cas, n);
	return rc;
}

static int
certs_p7b(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs)
{
	PKCS7 *p7 = NULL;
	unsigned char *der = NULL;
	int i, len, rc = ERR_CRYPTO;

	if ((p7 = PKCS7_new()) == NULL ||
	    !PKCS7_set_type(p7, NID_pkcs7_signed))
		goto out;
	/* Certs-only: no signers, and a data content type with no content. */
	p7->d.sign->contents->type = OBJ_nid2obj(NID_pkcs7_data);
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!PKCS7_add_certificate(p7, sk_X509_value(certs, i)))
			goto out;
	if ((len = i2d_PKCS7(p7, &der)) <= 0)
		goto out;
	if ((*out = malloc((size_t)len)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, der, (size_t)len);
	*outlen = (size_t)len;
	rc = 0;
out:
	if (rc == ERR_CRYPTO)
		err_ossl(rc, "cannot build PKCS#7");
	OPENSSL_free(der);
	PKCS7_free(p7);
	return rc;
}

int
export_certs(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs,
    enum export_format f)
{
	BIO *b = NULL;
	int i, rc = 0, n = sk_X509_num(certs);

	*out = NULL;
	*outlen = 0;
	if (f == EXPORT_P7B)
		return certs_p7b(out, outlen, certs);
	if (f == EXPORT_DER && n != 1)
		return err_set(ERR_INVALID, "DER holds one certificate, not %d; "
		    "use pem or p7b, or name one CA", n);
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((f == EXPORT_PEM &&
		    !PEM_write_bio_X509(b, sk_X509_value(certs, i))) ||
		    (f == EXPORT_DER &&
		    i2d_X509_bio(b, sk_X509_value(certs, i)) != 1)) {
			rc = err_ossl(ERR_CRYPTO, "cannot encode certificate");
			goto out;
		}
	}
	rc = bio_take(out, outlen, b);
out:
	BIO_free(b);
	return rc;
}

int
export_crl(unsigned char **out, size_t *outlen, const unsigned char *der,
    size_t der_len, enum export_format f)
{
	X509_CRL *crl = NULL;
	BIO *b = NULL;
	const unsigned char *p = der;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (f == EXPORT_DER) {
		if ((*out = malloc(der_len)) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		memcpy(*out, der, der_len);
		*outlen = der_len;
		return 0;
	}
	if ((crl = d2i_X509_CRL(NULL, &p, (long)der_len)) == NULL) {
		rc = err_ossl(ERR_STORE, "stored CRL does not decode");
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_CRL(b, crl)) {
		rc = err_ossl(ERR_CRYPTO, "cannot encode CRL");
		goto out;
	}
	rc = bio_take(out, outlen, b);
out:
	X509_CRL_free(crl);
	BIO_free(b);
	return rc;
}

int
export_p12(unsigned char **out, size_t *outlen, X509 *cert, EVP_PKEY *key,
    STACK_OF(X509) *chain, const char *pass, const char *friendly,
    int legacy)
{
	PKCS12 *p12 = NULL;
	unsigned char *der = NULL;
	int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC :
	    NID_aes_256_cbc;
	int len, rc = ERR_CRYPTO;

	*out = NULL;
	*outlen = 0;
	/*
	 * With a cipher NID, OpenSSL 3 writes PBES2 with PBKDF2-HMAC-SHA256.
	 * The MAC is added separately so its digest is ours, not a default.
	 */
	if ((p12 = PKCS12_create(pass, friendly, key, cert, chain, nid, nid,
	    P12_ITER, -1, 0)) == NULL ||
	    !PKCS12_set_mac(p12, pass, -1, NULL, 0, P12_ITER,
	    legacy ? EVP_sha1() : EVP_sha256()) ||
	    (len = i2d_PKCS12(p12, &der)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "cannot build PKCS#12");
		goto out;
	}
	if ((*out = malloc((size_t)len)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, der, (size_t)len);
	*outlen = (size_t)len;
	rc = 0;
out:
	OPENSSL_free(der);
	PKCS12_free(p12);
	return rc;
}

int
export_password_new(char out[25])
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[24];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return err_ossl(ERR_CRYPTO, "no random bytes");
	for (i = 0; i < sizeof(r); i++)
		out[i] = alphabet[r[i] & 63];
	out[24] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}
