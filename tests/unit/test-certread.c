/*
 * test-certread.c: certificates from PEM bundles and DER files, and the
 * message for each way such a file can be wrong; bundles in every format
 * certread_bundle() tells apart (PEM, DER, PKCS#7 in DER and PEM, PKCS#12
 * in the modern and the RC2-40 flavour, SST); and CRLs from PEM bundles
 * and DER files, with their messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "certread.h"
#include "err.h"
#include "sst.h"

#define NAME	"certs.pem"
#define CRLNAME	"x.crl"

struct fixture {
	EVP_PKEY	*key;
	X509		*cert[3];	/* CN "cert 0" .. "cert 2" */
};

static X509 *
make_cert(EVP_PKEY *pk, const char *cn)
{
	X509 *x;
	X509_NAME *nm;

	if ((x = X509_new()) == NULL)
		return NULL;
	nm = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, nm) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, NULL) ||
	    !X509_set_pubkey(x, pk) || !X509_sign(x, pk, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
setup(void **state)
{
	struct fixture *f;
	char cn[16];
	int i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	*state = f;
	if ((f->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(cn, sizeof(cn), "cert %d", i);
		if ((f->cert[i] = make_cert(f->key, cn)) == NULL)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++)
		X509_free(f->cert[i]);
	EVP_PKEY_free(f->key);
	free(f);
	return 0;
}

/* Everything written to bio so far, as a new NUL-terminated string. */
static char *
drain(BIO *bio, size_t *len)
{
	char *data, *s;
	long n;

	n = BIO_get_mem_data(bio, &data);
	assert_non_null(s = malloc((size_t)n + 1));
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return s;
}

static void
write_cert(BIO *bio, X509 *x, const char *label)
{
	unsigned char *der = NULL;
	int n;

	assert_true((n = i2d_X509(x, &der)) > 0);
	assert_true(PEM_write_bio(bio, label, "", der, n) > 0);
	OPENSSL_free(der);
}

static STACK_OF(X509) *
parse_ok(const void *data, size_t len, int want)
{
	STACK_OF(X509) *sk = NULL;

	if (certread_parse(&sk, data, len, NAME) != 0)
		fail_msg("certread_parse: %s", err_msg());
	assert_non_null(sk);
	assert_int_equal(sk_X509_num(sk), want);
	return sk;
}

static void
parse_bad(const void *data, size_t len, const char *msg)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)&sk;

	err_clear();
	assert_int_equal(certread_parse(&sk, data, len, NAME), ERR_INVALID);
	assert_null(sk);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
}

static void
free_certs(STACK_OF(X509) *sk)
{
	sk_X509_pop_free(sk, X509_free);
}

static void
test_certread__single_pem(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *sk;
	BIO *bio;
	char *pem;
	size_t len;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(bio, f->cert[0]), 1);
	pem = drain(bio, &len);
	sk = parse_ok(pem, len, 1);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[0]), 0);
	free_certs(sk);
	free(pem);
}

static void
test_certread__bundle(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *sk;
	BIO *bio;
	char *pem;
	size_t len;
	int i;

	/* text, a private key, and the three certificate labels, mixed */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	BIO_puts(bio, "0 leading text that starts like DER\n");
	write_cert(bio, f->cert[0], "CERTIFICATE");
	BIO_puts(bio, "subject=CN = cert 1\n");
	assert_int_equal(PEM_write_bio_PrivateKey(bio, f->key, NULL, NULL, 0,
	    NULL, NULL), 1);
	write_cert(bio, f->cert[1], "X509 CERTIFICATE");
	assert_int_equal(PEM_write_bio_X509_AUX(bio, f->cert[2]), 1);
	BIO_puts(bio, "trailing words\n");
	pem = drain(bio, &len);
	sk = parse_ok(pem, len, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->cert[i]),
		    0);
	free_certs(sk);
	free(pem);
}

static void
test_certread__der(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *sk;
	unsigned char *der = NULL, *more;
	int n;

	assert_true((n = i2d_X509(f->cert[1], &der)) > 0);
	sk = parse_ok(der, (size_t)n, 1);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[1]), 0);
	free_certs(sk);
	assert_non_null(more = malloc((size_t)n + 2));
	memcpy(more, der, (size_t)n);
	memcpy(more + n, "\0\0", 2);
	parse_bad(more, (size_t)n + 2, "\"" NAME "\" has 2 bytes of trailing "
	    "data after the DER certificate");
	parse_bad(der, (size_t)n - 1,
	    "\"" NAME "\" is neither PEM nor a DER certificate");
	free(more);
	OPENSSL_free(der);
}

static void
test_certread__empty(void **state)
{
	(void)state;
	parse_bad("", 0, "\"" NAME "\" is empty");
}

static void
test_certread__too_large(void **state)
{
	unsigned char *big;

	(void)state;
	assert_non_null(big = calloc(1, CERTREAD_MAX_BYTES + 1));
	parse_bad(big, CERTREAD_MAX_BYTES + 1,
	    "\"" NAME "\" is larger than 16777216 bytes");
	free(big);
}

static void
test_certread__no_certificate(void **state)
{
	struct fixture *f = *state;
	BIO *bio;
	char *pem;
	size_t len;

	parse_bad("hello\n", 6, "\"" NAME "\" holds no certificate (neither "
	    "PEM nor DER)");
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(bio, f->key, NULL, NULL, 0,
	    NULL, NULL), 1);
	pem = drain(bio, &len);
	parse_bad(pem, len, "\"" NAME "\" holds no certificate (1 other PEM "
	    "block)");
	free(pem);
}

static void
test_certread__bad_block(void **state)
{
	struct fixture *f = *state;
	BIO *bio;
	char *pem;
	size_t len;

	/* the third CERTIFICATE block is valid base64 but no certificate */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	write_cert(bio, f->cert[0], "CERTIFICATE");
	assert_int_equal(PEM_write_bio_PrivateKey(bio, f->key, NULL, NULL, 0,
	    NULL, NULL), 1);
	write_cert(bio, f->cert[1], "CERTIFICATE");
	assert_true(PEM_write_bio(bio, "CERTIFICATE", "",
	    (const unsigned char *)"\x30\x03\x02\x01\x01", 5) > 0);
	pem = drain(bio, &len);
	parse_bad(pem, len, "\"" NAME "\": certificate 3 does not decode");
	free(pem);
}

static void
test_certread__trailing_in_block(void **state)
{
	struct fixture *f = *state;
	unsigned char *der = NULL, *more;
	BIO *bio;
	char *pem;
	size_t len;
	int n;

	assert_true((n = i2d_X509(f->cert[0], &der)) > 0);
	assert_non_null(more = malloc((size_t)n + 1));
	memcpy(more, der, (size_t)n);
	more[n] = 0;
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(PEM_write_bio(bio, "CERTIFICATE", "", more, n + 1) > 0);
	pem = drain(bio, &len);
	parse_bad(pem, len, "certificate 1 has 1 bytes of trailing data");
	free(pem);
	free(more);
	OPENSSL_free(der);
}

static void
test_certread__malformed_pem(void **state)
{
	struct fixture *f = *state;
	BIO *bio;
	char *pem;
	size_t len;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	write_cert(bio, f->cert[0], "CERTIFICATE");
	BIO_puts(bio, "-----BEGIN CERTIFICATE-----\n!!!!\n"
	    "-----END CERTIFICATE-----\n");
	pem = drain(bio, &len);
	parse_bad(pem, len, "\"" NAME "\": PEM block 2 (after certificate 1) "
	    "is malformed");
	free(pem);
	parse_bad("-----BEGIN CERTIFICATE-----\nMIIB\n", 33, "PEM block 1");
}

static void
test_certread__too_many(void **state)
{
	struct fixture *f = *state;
	BIO *bio, *one;
	char *pem, *block;
	size_t len, blen;
	int i;

	assert_non_null(one = BIO_new(BIO_s_mem()));
	write_cert(one, f->cert[0], "CERTIFICATE");
	block = drain(one, &blen);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	for (i = 0; i <= CERTREAD_MAX_CERTS; i++)
		assert_int_equal(BIO_write(bio, block, (int)blen), (int)blen);
	pem = drain(bio, &len);
	parse_bad(pem, len, "\"" NAME "\" holds more than 10000 certificates");
	free(pem);
	free(block);
}

static STACK_OF(X509) *
bundle_ok(const void *data, size_t len, const char *pass, int want,
    enum certread_format want_fmt)
{
	STACK_OF(X509) *sk = NULL;
	enum certread_format fmt = CERTREAD_FORMAT__MAX;

	if (certread_bundle_format(&sk, &fmt, data, len, NAME, pass) != 0)
		fail_msg("certread_bundle_format: %s", err_msg());
	assert_non_null(sk);
	assert_int_equal(sk_X509_num(sk), want);
	if (fmt != want_fmt)
		fail_msg("format %s, want %s", certread_format_name(fmt),
		    certread_format_name(want_fmt));
	return sk;
}

static void
bundle_bad(const void *data, size_t len, const char *pass, const char *msg)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)&sk;

	err_clear();
	assert_int_equal(certread_bundle(&sk, data, len, NAME, pass),
	    ERR_INVALID);
	assert_null(sk);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
	if (strstr(err_msg(), "\"" NAME "\"") == NULL)
		fail_msg("message \"%s\" does not name the file", err_msg());
}

/* The fixture's certificates from..to-1, in order. */
static STACK_OF(X509) *
certs_of(struct fixture *f, int from, int to)
{
	STACK_OF(X509) *sk;
	int i;

	assert_non_null(sk = sk_X509_new_null());
	for (i = from; i < to; i++)
		assert_true(sk_X509_push(sk, f->cert[i]) > 0);
	return sk;
}

/* Certs-only SignedData holding the fixture's certificates from..to-1. */
static PKCS7 *
make_p7(struct fixture *f, int from, int to)
{
	PKCS7 *p7;
	int i;

	assert_non_null(p7 = PKCS7_new());
	assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
	assert_true(PKCS7_content_new(p7, NID_pkcs7_data));
	for (i = from; i < to; i++)
		assert_true(PKCS7_add_certificate(p7, f->cert[i]));
	return p7;
}

static unsigned char *
p7_der(PKCS7 *p7, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	assert_true((n = i2d_PKCS7(p7, &der)) > 0);
	*len = (size_t)n;
	PKCS7_free(p7);
	return der;
}

/* Every certificate of sk is among the fixture's, each once. */
static void
assert_same_set(struct fixture *f, STACK_OF(X509) *sk)
{
	int i, j, seen[3] = { 0, 0, 0 };

	for (i = 0; i < sk_X509_num(sk); i++) {
		for (j = 0; j < 3; j++)
			if (X509_cmp(sk_X509_value(sk, i), f->cert[j]) == 0)
				break;
		assert_true(j < 3);
		assert_int_equal(seen[j]++, 0);
	}
}

static void
test_certread__bundle_pem_der(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *sk;
	unsigned char *der = NULL;
	BIO *bio;
	char *pem;
	size_t len;
	int n;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	BIO_puts(bio, "0 leading text that starts like DER\n");
	write_cert(bio, f->cert[0], "CERTIFICATE");
	write_cert(bio, f->cert[1], "CERTIFICATE");
	pem = drain(bio, &len);
	sk = bundle_ok(pem, len, NULL, 2, CERTREAD_FORMAT_PEM);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 1), f->cert[1]), 0);
	free_certs(sk);
	free(pem);

	assert_true((n = i2d_X509(f->cert[2], &der)) > 0);
	sk = bundle_ok(der, (size_t)n, NULL, 1, CERTREAD_FORMAT_DER);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[2]), 0);
	free_certs(sk);
	OPENSSL_free(der);
}

static void
test_certread__bundle_sst(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *in = certs_of(f, 0, 3), *sk;
	unsigned char *sst;
	size_t len;
	int i;

	assert_int_equal(sst_write(&sst, &len, in), 0);
	sk = bundle_ok(sst, len, NULL, 3, CERTREAD_FORMAT_SST);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->cert[i]),
		    0);
	free_certs(sk);
	/* the store's own messages come through */
	bundle_bad(sst, len - 1, NULL, "truncated SST element header");
	free(sst);
	sk_X509_free(in);
}

static void
test_certread__bundle_pkcs7(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *sk;
	PKCS7 *data;
	unsigned char *der, *more;
	BIO *bio;
	char *pem;
	size_t len;

	der = p7_der(make_p7(f, 0, 3), &len);
	sk = bundle_ok(der, len, NULL, 3, CERTREAD_FORMAT_PKCS7);
	assert_same_set(f, sk);
	free_certs(sk);

	/* the PEM form, and one mixed with a plain CERTIFICATE block */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(PEM_write_bio(bio, PEM_STRING_PKCS7, "", der,
	    (long)len) > 0);
	pem = drain(bio, &len);
	sk = bundle_ok(pem, len, NULL, 3, CERTREAD_FORMAT_PKCS7_PEM);
	assert_same_set(f, sk);
	free_certs(sk);
	/* certread_parse() reads certificates only, as before */
	parse_bad(pem, len, "\"" NAME "\" holds no certificate (1 other PEM "
	    "block)");
	free(pem);
	OPENSSL_free(der);

	der = p7_der(make_p7(f, 0, 2), &len);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(PEM_write_bio(bio, "PKCS #7 SIGNED DATA", "", der,
	    (long)len) > 0);
	OPENSSL_free(der);
	write_cert(bio, f->cert[2], "CERTIFICATE");
	pem = drain(bio, &len);
	sk = bundle_ok(pem, len, NULL, 3, CERTREAD_FORMAT_PKCS7_PEM);
	assert_same_set(f, sk);
	free_certs(sk);
	free(pem);

	/* broken: cut short, trailing bytes, no certificates, not signed */
	der = p7_der(make_p7(f, 0, 2), &len);
	bundle_bad(der, len - 20, NULL, "\"" NAME "\": DER PKCS#7 does not "
	    "decode");
	assert_non_null(more = malloc(len + 3));
	memcpy(more, der, len);
	memcpy(more + len, "abc", 3);
	bundle_bad(more, len + 3, NULL, "\"" NAME "\" has 3 bytes of trailing "
	    "data after the PKCS#7");
	free(more);
	OPENSSL_free(der);
	der = p7_der(make_p7(f, 0, 0), &len);
	bundle_bad(der, len, NULL, "\"" NAME "\": the PKCS#7 holds no "
	    "certificate");
	OPENSSL_free(der);
	assert_non_null(data = PKCS7_new());
	assert_true(PKCS7_set_type(data, NID_pkcs7_data));
	der = p7_der(data, &len);
	bundle_bad(der, len, NULL, "\"" NAME "\": the PKCS#7 is no "
	    "SignedData");
	OPENSSL_free(der);
}

static unsigned char *
p12_der(PKCS12 *p12, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	assert_non_null(p12);
	assert_true((n = i2d_PKCS12(p12, &der)) > 0);
	*len = (size_t)n;
	PKCS12_free(p12);
	return der;
}

static void
test_certread__bundle_pkcs12(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *ca = certs_of(f, 1, 3), *sk;
	unsigned char *der, *more;
	size_t len;

	der = p12_der(PKCS12_create("pw", "cert 0", f->key, f->cert[0], ca,
	    0, 0, 0, 0, 0), &len);
	sk = bundle_ok(der, len, "pw", 3, CERTREAD_FORMAT_PKCS12);
	/* the certificate that goes with the key comes first */
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[0]), 0);
	assert_same_set(f, sk);
	free_certs(sk);
	bundle_bad(der, len, NULL, "\"" NAME "\" is PKCS#12 and needs "
	    "--password-file");
	bundle_bad(der, len, "wrong", "\"" NAME "\": wrong password");
	bundle_bad(der, len - 30, "pw", "\"" NAME "\": PKCS#12 does not "
	    "decode");
	assert_non_null(more = malloc(len + 1));
	memcpy(more, der, len);
	more[len] = 0;
	bundle_bad(more, len + 1, "pw", "\"" NAME "\" has 1 bytes of trailing "
	    "data after the PKCS#12");
	free(more);
	OPENSSL_free(der);
	sk_X509_free(ca);
}

/*
 * RC2-40 certificate bags, as older Windows writes: read with the legacy
 * provider, which must stay out of the process-wide default afterwards.
 */
static void
test_certread__bundle_pkcs12_legacy(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *ca = certs_of(f, 1, 2), *sk;
	OSSL_LIB_CTX *lctx;
	OSSL_PROVIDER *dflt, *legacy;
	EVP_CIPHER *rc2;
	unsigned char *der;
	size_t len;

	assert_non_null(lctx = OSSL_LIB_CTX_new());
	assert_non_null(dflt = OSSL_PROVIDER_load(lctx, "default"));
	if ((legacy = OSSL_PROVIDER_load(lctx, "legacy")) == NULL) {
		OSSL_PROVIDER_unload(dflt);
		OSSL_LIB_CTX_free(lctx);
		sk_X509_free(ca);
		skip();
	}
	der = p12_der(PKCS12_create_ex("pw", "cert 0", f->key, f->cert[0], ca,
	    NID_pbe_WithSHA1And40BitRC2_CBC,
	    NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 0, 0, 0, lctx, NULL),
	    &len);
	OSSL_PROVIDER_unload(legacy);
	OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(lctx);
	sk = bundle_ok(der, len, "pw", 2, CERTREAD_FORMAT_PKCS12);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[0]), 0);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 1), f->cert[1]), 0);
	free_certs(sk);
	rc2 = EVP_CIPHER_fetch(NULL, "RC2-40-CBC", NULL);
	assert_null(rc2);
	ERR_clear_error();
	OPENSSL_free(der);
	sk_X509_free(ca);
}

static void
test_certread__bundle_bad(void **state)
{
	(void)state;
	bundle_bad("", 0, NULL, "\"" NAME "\" is empty");
	bundle_bad("hello\n", 6, NULL, "\"" NAME "\" holds no certificate "
	    "(not PEM, DER, PKCS#7, PKCS#12 or SST)");
	/* a ContentInfo of an unknown type with no content decodes */
	bundle_bad("\x30\x03\x06\x01\x01", 5, NULL, "the PKCS#7 is no "
	    "SignedData");
	bundle_bad("\x30\x05\x06\x01\x01", 5, NULL, "DER PKCS#7 does not "
	    "decode");
	bundle_bad("\x30\x03\x02\x01\x03", 5, NULL, "PKCS#12 does not "
	    "decode");
	bundle_bad("\x30\x03\x30\x01\x01", 5, NULL, "is neither PEM nor a "
	    "DER certificate");
}

/* A CRL from f->cert[i]'s name, signed with the fixture key. */
static X509_CRL *
make_crl(struct fixture *f, int i)
{
	X509_CRL *crl;
	ASN1_TIME *t;

	assert_non_null(crl = X509_CRL_new());
	assert_true(X509_CRL_set_version(crl, X509_CRL_VERSION_2));
	assert_true(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(f->cert[i])));
	assert_non_null(t = X509_time_adj_ex(NULL, 0, 0, NULL));
	assert_true(X509_CRL_set1_lastUpdate(crl, t));
	assert_non_null(X509_time_adj_ex(t, 7, 0, NULL));
	assert_true(X509_CRL_set1_nextUpdate(crl, t));
	ASN1_TIME_free(t);
	assert_true(X509_CRL_sign(crl, f->key, EVP_sha256()) > 0);
	return crl;
}

static STACK_OF(X509_CRL) *
crls_ok(const void *data, size_t len, int want)
{
	STACK_OF(X509_CRL) *sk = NULL;

	if (certread_crls(&sk, data, len, CRLNAME) != 0)
		fail_msg("certread_crls: %s", err_msg());
	assert_non_null(sk);
	assert_int_equal(sk_X509_CRL_num(sk), want);
	return sk;
}

static void
crls_bad(const void *data, size_t len, const char *msg)
{
	STACK_OF(X509_CRL) *sk = (STACK_OF(X509_CRL) *)&sk;

	err_clear();
	assert_int_equal(certread_crls(&sk, data, len, CRLNAME), ERR_INVALID);
	assert_null(sk);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
}

static void
free_crls(STACK_OF(X509_CRL) *sk)
{
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
}

/*
 * Fail unless a and b encode alike. X509_CRL_match() would not do: it
 * compares hashes made on decoding, and the fixture CRLs were built.
 */
static void
crl_same(const X509_CRL *a, const X509_CRL *b)
{
	unsigned char *da = NULL, *db = NULL;
	int na, nb;

	assert_true((na = i2d_X509_CRL(a, &da)) > 0);
	assert_true((nb = i2d_X509_CRL(b, &db)) > 0);
	assert_int_equal(na, nb);
	assert_memory_equal(da, db, (size_t)na);
	OPENSSL_free(da);
	OPENSSL_free(db);
}

static void
test_certread__crls_pem(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509_CRL) *sk;
	X509_CRL *a, *b;
	BIO *bio;
	char *pem;
	size_t len;

	/* text and a certificate between the two CRLs */
	a = make_crl(f, 0);
	b = make_crl(f, 1);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	BIO_puts(bio, "two CRLs\n");
	assert_int_equal(PEM_write_bio_X509_CRL(bio, a), 1);
	assert_int_equal(PEM_write_bio_X509(bio, f->cert[2]), 1);
	BIO_puts(bio, "issuer=CN = cert 1\n");
	assert_int_equal(PEM_write_bio_X509_CRL(bio, b), 1);
	pem = drain(bio, &len);
	sk = crls_ok(pem, len, 2);
	crl_same(sk_X509_CRL_value(sk, 0), a);
	crl_same(sk_X509_CRL_value(sk, 1), b);
	free_crls(sk);
	/* cut off inside the second CRL */
	crls_bad(pem, len - 100, "\"" CRLNAME "\": PEM block 3 (after CRL 1) "
	    "is malformed");
	free(pem);
	X509_CRL_free(a);
	X509_CRL_free(b);
}

static void
test_certread__crls_pem_bad(void **state)
{
	struct fixture *f = *state;
	X509_CRL *a;
	unsigned char *der = NULL, *more;
	BIO *bio;
	char *pem;
	size_t len;
	int n;

	/* certificates only */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(bio, f->cert[0]), 1);
	pem = drain(bio, &len);
	crls_bad(pem, len, "\"" CRLNAME "\" holds no CRL (1 other PEM "
	    "block)");
	free(pem);

	/* the second X509 CRL block is valid base64 but no CRL */
	a = make_crl(f, 0);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509_CRL(bio, a), 1);
	assert_true(PEM_write_bio(bio, PEM_STRING_X509_CRL, "",
	    (const unsigned char *)"\x30\x03\x02\x01\x01", 5) > 0);
	pem = drain(bio, &len);
	crls_bad(pem, len, "\"" CRLNAME "\": CRL 2 does not decode");
	free(pem);

	assert_true((n = i2d_X509_CRL(a, &der)) > 0);
	assert_non_null(more = malloc((size_t)n + 1));
	memcpy(more, der, (size_t)n);
	more[n] = 0;
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(PEM_write_bio(bio, PEM_STRING_X509_CRL, "", more,
	    n + 1) > 0);
	pem = drain(bio, &len);
	crls_bad(pem, len, "\"" CRLNAME "\": CRL 1 has 1 bytes of trailing "
	    "data");
	free(pem);
	free(more);
	OPENSSL_free(der);
	X509_CRL_free(a);

	crls_bad("-----BEGIN X509 CRL-----\nMIIB\n", 30,
	    "\"" CRLNAME "\": PEM block 1 is malformed");
}

static void
test_certread__crls_der(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509_CRL) *sk;
	X509_CRL *a;
	unsigned char *der = NULL, *more;
	int n;

	a = make_crl(f, 1);
	assert_true((n = i2d_X509_CRL(a, &der)) > 0);
	sk = crls_ok(der, (size_t)n, 1);
	crl_same(sk_X509_CRL_value(sk, 0), a);
	free_crls(sk);
	assert_non_null(more = malloc((size_t)n + 2));
	memcpy(more, der, (size_t)n);
	memcpy(more + n, "\0\0", 2);
	crls_bad(more, (size_t)n + 2, "\"" CRLNAME "\" has 2 bytes of "
	    "trailing data after the DER CRL");
	crls_bad(der, (size_t)n - 10, "\"" CRLNAME "\" holds no CRL (neither "
	    "PEM nor a DER CRL)");
	free(more);
	OPENSSL_free(der);
	X509_CRL_free(a);
}

static void
test_certread__crls_garbage(void **state)
{
	unsigned char *big;

	(void)state;
	crls_bad("", 0, "\"" CRLNAME "\" is empty");
	crls_bad("hello\n", 6, "\"" CRLNAME "\" holds no CRL (neither PEM "
	    "nor a DER CRL)");
	crls_bad("\x30\x03\x02\x01\x01", 5, "\"" CRLNAME "\" holds no CRL "
	    "(neither PEM nor a DER CRL)");
	assert_non_null(big = calloc(1, CERTREAD_MAX_BYTES + 1));
	crls_bad(big, CERTREAD_MAX_BYTES + 1,
	    "\"" CRLNAME "\" is larger than 16777216 bytes");
	free(big);
}

static void
test_certread__crls_too_many(void **state)
{
	struct fixture *f = *state;
	X509_CRL *a;
	BIO *bio, *one;
	char *pem, *block;
	size_t len, blen;
	int i;

	a = make_crl(f, 0);
	assert_non_null(one = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509_CRL(one, a), 1);
	block = drain(one, &blen);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	for (i = 0; i < CERTREAD_MAX_CRLS; i++)
		assert_int_equal(BIO_write(bio, block, (int)blen), (int)blen);
	pem = drain(bio, &len);
	free_crls(crls_ok(pem, len, CERTREAD_MAX_CRLS));
	assert_non_null(pem = realloc(pem, len + blen));
	memcpy(pem + len, block, blen);
	crls_bad(pem, len + blen, "\"" CRLNAME "\" holds more than 1000 CRLs");
	free(pem);
	free(block);
	X509_CRL_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certread__single_pem),
		cmocka_unit_test(test_certread__bundle),
		cmocka_unit_test(test_certread__der),
		cmocka_unit_test(test_certread__empty),
		cmocka_unit_test(test_certread__too_large),
		cmocka_unit_test(test_certread__no_certificate),
		cmocka_unit_test(test_certread__bad_block),
		cmocka_unit_test(test_certread__trailing_in_block),
		cmocka_unit_test(test_certread__malformed_pem),
		cmocka_unit_test(test_certread__too_many),
		cmocka_unit_test(test_certread__bundle_pem_der),
		cmocka_unit_test(test_certread__bundle_sst),
		cmocka_unit_test(test_certread__bundle_pkcs7),
		cmocka_unit_test(test_certread__bundle_pkcs12),
		cmocka_unit_test(test_certread__bundle_pkcs12_legacy),
		cmocka_unit_test(test_certread__bundle_bad),
		cmocka_unit_test(test_certread__crls_pem),
		cmocka_unit_test(test_certread__crls_pem_bad),
		cmocka_unit_test(test_certread__crls_der),
		cmocka_unit_test(test_certread__crls_garbage),
		cmocka_unit_test(test_certread__crls_too_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
