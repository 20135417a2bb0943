/*
 * test-certread.c: certificates from PEM bundles and DER files, and the
 * message for each way such a file can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certread.h"
#include "err.h"

#define NAME	"certs.pem"

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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
