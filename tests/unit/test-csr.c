/*
 * test-csr.c: reading PKCS#10 requests in every framing, and vetting them
 * against the mailbox and the profile. Keys and requests are made here
 * with OpenSSL so every case is built from scratch.
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
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"

#define ALICE	"alice@example.com"

struct keys {
	EVP_PKEY	*ec;		/* P-256 */
	EVP_PKEY	*rsa;		/* 2048 bits */
	EVP_PKEY	*rsa1024;	/* too small */
	EVP_PKEY	*ed25519;	/* an algorithm the profile lacks */
};

/* One requested extension in openssl.cnf syntax, e.g. "keyUsage". */
struct ext {
	const char	*name;
	const char	*value;
};

static int
setup(void **state)
{
	struct keys *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k->ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	*state = k;
	return k->ec && k->rsa && k->rsa1024 && k->ed25519 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->ec);
	EVP_PKEY_free(k->rsa);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->ed25519);
	free(k);
	return 0;
}

static STACK_OF(X509_EXTENSION) *
make_exts(const struct ext *exts)
{
	STACK_OF(X509_EXTENSION) *sk;
	X509_EXTENSION *ex;

	assert_non_null(sk = sk_X509_EXTENSION_new_null());
	for (; exts->name != NULL; exts++) {
		ex = X509V3_EXT_nconf(NULL, NULL, exts->name, exts->value);
		if (ex == NULL)
			fail_msg("cannot make %s = %s", exts->name,
			    exts->value);
		assert_true(sk_X509_EXTENSION_push(sk, ex) > 0);
	}
	return sk;
}

static void
add_exts(X509_REQ *req, const struct ext *exts)
{
	STACK_OF(X509_EXTENSION) *sk = make_exts(exts);

	assert_int_equal(X509_REQ_add_extensions(req, sk), 1);
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
}

static void
sign(X509_REQ *req, EVP_PKEY *pk)
{
	const EVP_MD *md = EVP_PKEY_is_a(pk, "ED25519") ? NULL : EVP_sha256();

	assert_true(X509_REQ_sign(req, pk, md) > 0);
}

/* A signed request with subject CN and emailAddress (each if not NULL). */
static X509_REQ *
make_req(EVP_PKEY *pk, const char *cn, const char *mail,
    const struct ext *exts)
{
	X509_REQ *req;
	X509_NAME *nm;

	assert_non_null(req = X509_REQ_new());
	assert_int_equal(X509_REQ_set_version(req, X509_REQ_VERSION_1), 1);
	nm = X509_REQ_get_subject_name(req);
	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_NID(nm, NID_commonName,
		    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	if (mail != NULL)
		assert_int_equal(X509_NAME_add_entry_by_NID(nm,
		    NID_pkcs9_emailAddress, MBSTRING_ASC,
		    (const unsigned char *)mail, -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pk), 1);
	if (exts != NULL)
		add_exts(req, exts);
	sign(req, pk);
	return req;
}

static unsigned char *
to_der(X509_REQ *req, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	assert_true((n = i2d_X509_REQ(req, &der)) > 0);
	*len = (size_t)n;
	return der;
}

/* PEM of req with label, between prefix and suffix; caller frees. */
static char *
to_pem(X509_REQ *req, const char *label, const char *prefix,
    const char *suffix)
{
	unsigned char *der;
	size_t len;
	BIO *bio;
	char *data, *s;
	long n;

	der = to_der(req, &len);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(BIO_puts(bio, prefix) >= 0);
	assert_true(PEM_write_bio(bio, label, "", der, (long)len) > 0);
	assert_true(BIO_puts(bio, suffix) >= 0);
	n = BIO_get_mem_data(bio, &data);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	memcpy(s, data, (size_t)n);
	BIO_free(bio);
	OPENSSL_free(der);
	return s;
}

static char *
key_pem(EVP_PKEY *pk)
{
	BIO *bio;
	char *data, *s;
	long n;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	memcpy(s, data, (size_t)n);
	BIO_free(bio);
	return s;
}

static void
parse_bad(const void *data, size_t len, const char *msg)
{
	X509_REQ *req = (X509_REQ *)&req;

	err_clear();
	assert_int_equal(csr_parse(&req, data, len, "req.pem"), ERR_INVALID);
	assert_null(req);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
}

static void
check_ok(X509_REQ *req, const char *email, enum cert_profile p)
{
	if (csr_check(req, email, p) != 0)
		fail_msg("csr_check: %s", err_msg());
}

static void
check_bad(X509_REQ *req, const char *email, enum cert_profile p,
    const char *msg)
{
	err_clear();
	assert_int_equal(csr_check(req, email, p), ERR_INVALID);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
}

/* Build a request with exts and expect it refused with msg. */
static void
exts_bad(EVP_PKEY *pk, const struct ext *exts, enum cert_profile p,
    const char *msg)
{
	X509_REQ *req = make_req(pk, ALICE, NULL, exts);

	check_bad(req, ALICE, p, msg);
	X509_REQ_free(req);
}

static void
test_csr__parse_pem(void **state)
{
	struct keys *k = *state;
	X509_REQ *req, *got = NULL;
	char *pem;

	req = make_req(k->ec, ALICE, NULL, NULL);
	pem = to_pem(req, "CERTIFICATE REQUEST", "\n  \r\n", "\n\n");
	assert_int_equal(csr_parse(&got, (unsigned char *)pem, strlen(pem),
	    "req.pem"), 0);
	assert_int_equal(X509_REQ_verify(got, X509_REQ_get0_pubkey(got)), 1);
	check_ok(got, ALICE, PROFILE_STRICT);
	X509_REQ_free(got);
	free(pem);
	pem = to_pem(req, "NEW CERTIFICATE REQUEST", "", "");
	assert_int_equal(csr_parse(&got, (unsigned char *)pem, strlen(pem),
	    "req.pem"), 0);
	X509_REQ_free(got);
	free(pem);
	X509_REQ_free(req);
}

static void
test_csr__parse_der(void **state)
{
	struct keys *k = *state;
	X509_REQ *req, *got = NULL;
	unsigned char *der;
	size_t len;

	req = make_req(k->rsa, NULL, ALICE, NULL);
	der = to_der(req, &len);
	assert_int_equal(csr_parse(&got, der, len, "req.der"), 0);
	check_ok(got, ALICE, PROFILE_STRICT);
	X509_REQ_free(got);
	OPENSSL_free(der);
	X509_REQ_free(req);
}

static void
test_csr__parse_empty_and_large(void **state)
{
	unsigned char *big;

	(void)state;
	parse_bad("", 0, "\"req.pem\" is empty");
	assert_non_null(big = calloc(1, CSR_MAX_BYTES + 1));
	parse_bad(big, CSR_MAX_BYTES + 1, "\"req.pem\" is larger than 65536");
	free(big);
}

static void
test_csr__parse_malformed(void **state)
{
	static const char junk[] = "this is not a request\n";
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	static const char badpem[] = "-----BEGIN CERTIFICATE REQUEST-----\n"
	    "!!!!\n-----END CERTIFICATE REQUEST-----\n";

	(void)state;
	parse_bad(junk, sizeof(junk) - 1,
	    "\"req.pem\" is not a certificate request (neither PEM nor DER)");
	parse_bad(der, sizeof(der), "is not a certificate request");
	parse_bad(badpem, sizeof(badpem) - 1, "\"req.pem\": malformed PEM");
}

static void
test_csr__parse_truncated(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	unsigned char *der;
	size_t len;

	req = make_req(k->ec, ALICE, NULL, NULL);
	der = to_der(req, &len);
	parse_bad(der, len - 1, "is not a certificate request");
	OPENSSL_free(der);
	X509_REQ_free(req);
}

static void
test_csr__parse_trailing_der(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	unsigned char *der, *more;
	size_t len;

	req = make_req(k->ec, ALICE, NULL, NULL);
	der = to_der(req, &len);
	assert_non_null(more = malloc(len + 3));
	memcpy(more, der, len);
	memcpy(more + len, "xyz", 3);
	parse_bad(more, len + 3, "\"req.pem\" has 3 bytes of trailing data "
	    "after the certificate request");
	/* a second DER request is trailing data too */
	memcpy(more + len, der, 3);
	parse_bad(more, len + 3, "trailing data");
	free(more);
	OPENSSL_free(der);
	X509_REQ_free(req);
}

static void
test_csr__parse_trailing_pem(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	char *pem;

	req = make_req(k->ec, ALICE, NULL, NULL);
	pem = to_pem(req, "CERTIFICATE REQUEST", "", "garbage\n");
	parse_bad(pem, strlen(pem), "\"req.pem\" has trailing data after the "
	    "certificate request");
	free(pem);
	/* what `openssl req -text` writes: the PEM comes after a dump */
	pem = to_pem(req, "CERTIFICATE REQUEST", "Certificate Request:\n", "");
	parse_bad(pem, strlen(pem), "\"req.pem\" has text before its PEM "
	    "block: give only the PEM");
	free(pem);
	X509_REQ_free(req);
}

static void
test_csr__parse_two_pem(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	char *one, *two;

	req = make_req(k->ec, ALICE, NULL, NULL);
	one = to_pem(req, "CERTIFICATE REQUEST", "", "");
	two = to_pem(req, "CERTIFICATE REQUEST", one, "");
	parse_bad(two, strlen(two),
	    "\"req.pem\" holds more than one certificate request");
	free(one);
	free(two);
	X509_REQ_free(req);
}

static void
test_csr__parse_private_key(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	char *key, *pem;

	req = make_req(k->ec, ALICE, NULL, NULL);
	key = key_pem(k->ec);
	pem = to_pem(req, "CERTIFICATE REQUEST", "", key);
	parse_bad(pem, strlen(pem),
	    "holds a private key (PEM \"PRIVATE KEY\")");
	free(pem);
	parse_bad(key, strlen(key), "holds a private key");
	free(key);
	X509_REQ_free(req);
}

static void
test_csr__parse_wrong_block(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;
	char *pem;

	req = make_req(k->ec, ALICE, NULL, NULL);
	pem = to_pem(req, "CERTIFICATE", "", "");
	parse_bad(pem, strlen(pem),
	    "holds a PEM \"CERTIFICATE\" block, not a certificate request");
	free(pem);
	X509_REQ_free(req);
}

static void
test_csr__parse_pem_not_a_request(void **state)
{
	BIO *bio;
	char *data;
	long n;

	(void)state;
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_true(PEM_write_bio(bio, "CERTIFICATE REQUEST", "",
	    (const unsigned char *)"\x30\x00", 2) > 0);
	n = BIO_get_mem_data(bio, &data);
	parse_bad(data, (size_t)n, "the certificate request does not decode");
	BIO_free(bio);
}

static void
test_csr__check_good(void **state)
{
	struct keys *k = *state;
	static const struct ext ec_exts[] = {
		{ "subjectAltName", "email:" ALICE },
		{ "keyUsage", "critical,digitalSignature,keyAgreement" },
		{ "extendedKeyUsage", "emailProtection" },
		{ "basicConstraints", "critical,CA:FALSE" },
		{ NULL, NULL },
	};
	static const struct ext rsa_exts[] = {
		{ "subjectAltName", "email:" ALICE },
		{ "keyUsage", "digitalSignature,keyEncipherment" },
		{ NULL, NULL },
	};
	X509_REQ *req;

	req = make_req(k->ec, ALICE, ALICE, ec_exts);
	check_ok(req, ALICE, PROFILE_STRICT);
	check_ok(req, ALICE, PROFILE_MULTIPURPOSE);
	X509_REQ_free(req);
	req = make_req(k->rsa, ALICE, NULL, rsa_exts);
	check_ok(req, ALICE, PROFILE_STRICT);
	X509_REQ_free(req);
}

static void
test_csr__check_empty_subject(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;

	req = make_req(k->ec, NULL, NULL, NULL);
	check_ok(req, ALICE, PROFILE_STRICT);
	X509_REQ_free(req);
}

static void
test_csr__check_domain_case(void **state)
{
	struct keys *k = *state;
	static const struct ext exts[] = {
		{ "subjectAltName", "email:alice@EXAMPLE.com" },
		{ NULL, NULL },
	};
	X509_REQ *req;

	req = make_req(k->ec, "alice@Example.COM", NULL, exts);
	check_ok(req, ALICE, PROFILE_STRICT);
	X509_REQ_free(req);
	/* the local part is compared exactly */
	req = make_req(k->ec, "Alice@example.com", NULL, NULL);
	check_bad(req, ALICE, PROFILE_STRICT,
	    "subject CN \"Alice@example.com\" is not the mailbox \"" ALICE
	    "\"");
	X509_REQ_free(req);
}

static void
test_csr__check_wrong_address(void **state)
{
	struct keys *k = *state;
	static const struct ext exts[] = {
		{ "subjectAltName", "email:bob@example.com" },
		{ NULL, NULL },
	};
	X509_REQ *req;

	req = make_req(k->ec, "bob@example.com", NULL, NULL);
	check_bad(req, ALICE, PROFILE_STRICT, "certificate request: subject "
	    "CN \"bob@example.com\" is not the mailbox \"" ALICE "\"");
	X509_REQ_free(req);
	req = make_req(k->ec, NULL, "alice@example.org", NULL);
	check_bad(req, ALICE, PROFILE_STRICT,
	    "subject emailAddress \"alice@example.org\" is not the mailbox");
	X509_REQ_free(req);
	req = make_req(k->ec, "Alice Example", NULL, NULL);
	check_bad(req, ALICE, PROFILE_STRICT,
	    "subject CN \"Alice Example\" is not the mailbox");
	X509_REQ_free(req);
	exts_bad(k->ec, exts, PROFILE_STRICT, "subjectAltName rfc822Name "
	    "\"bob@example.com\" is not the mailbox \"" ALICE "\"");
}

static void
test_csr__check_subject_other(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;

	req = make_req(k->ec, ALICE, NULL, NULL);
	assert_int_equal(X509_NAME_add_entry_by_txt(
	    X509_REQ_get_subject_name(req), "O", MBSTRING_ASC,
	    (const unsigned char *)"Example", -1, -1, 0), 1);
	sign(req, k->ec);
	check_bad(req, ALICE, PROFILE_STRICT,
	    "subject attribute O is not allowed");
	X509_REQ_free(req);
}

static void
test_csr__check_extra_san(void **state)
{
	struct keys *k = *state;
	static const struct ext extra[] = {
		{ "subjectAltName", "email:" ALICE ",email:bob@example.com" },
		{ NULL, NULL },
	};
	static const struct ext twice[] = {
		{ "subjectAltName", "email:" ALICE ",email:" ALICE },
		{ NULL, NULL },
	};

	exts_bad(k->ec, extra, PROFILE_STRICT,
	    "rfc822Name \"bob@example.com\" is not the mailbox");
	exts_bad(k->ec, twice, PROFILE_STRICT,
	    "subjectAltName names \"" ALICE "\" more than once");
}

static void
test_csr__check_san_types(void **state)
{
	struct keys *k = *state;
	static const struct ext uri[] = {
		{ "subjectAltName", "email:" ALICE ",URI:http://example.com/" },
		{ NULL, NULL },
	};
	static const struct ext dns[] = {
		{ "subjectAltName", "DNS:example.com" },
		{ NULL, NULL },
	};
	static const struct ext ip[] = {
		{ "subjectAltName", "IP:192.0.2.1" },
		{ NULL, NULL },
	};
	static const struct ext other[] = {
		{ "subjectAltName",
		    "otherName:1.3.6.1.5.5.7.8.9;UTF8:" ALICE },
		{ NULL, NULL },
	};

	exts_bad(k->ec, uri, PROFILE_STRICT,
	    "subjectAltName uniformResourceIdentifier \"http://example.com/\" "
	    "is not allowed: only the rfc822Name \"" ALICE "\" is");
	exts_bad(k->ec, dns, PROFILE_STRICT,
	    "subjectAltName dNSName \"example.com\" is not allowed");
	exts_bad(k->ec, ip, PROFILE_STRICT,
	    "subjectAltName iPAddress is not allowed");
	exts_bad(k->ec, other, PROFILE_STRICT,
	    "subjectAltName otherName id-on-SmtpUTF8Mailbox is not allowed: "
	    "mailcert does not issue SmtpUTF8Mailbox yet");
}

static void
test_csr__check_key_usage(void **state)
{
	struct keys *k = *state;
	static const struct ext cert_sign[] = {
		{ "keyUsage", "digitalSignature,keyCertSign" },
		{ NULL, NULL },
	};
	static const struct ext ec_encipher[] = {
		{ "keyUsage", "digitalSignature,keyEncipherment" },
		{ NULL, NULL },
	};
	static const struct ext data_encipher[] = {
		{ "keyUsage", "keyEncipherment,dataEncipherment" },
		{ NULL, NULL },
	};
	static const struct ext non_repudiation[] = {
		{ "keyUsage", "nonRepudiation" },
		{ NULL, NULL },
	};
	X509_REQ *req;

	exts_bad(k->rsa, cert_sign, PROFILE_STRICT, "certificate request: "
	    "keyUsage keyCertSign is not allowed for a strict RSA mailbox "
	    "certificate (only digitalSignature, keyEncipherment)");
	exts_bad(k->ec, ec_encipher, PROFILE_MULTIPURPOSE,
	    "keyUsage keyEncipherment is not allowed for a multipurpose ECDSA "
	    "mailbox certificate (only digitalSignature, keyAgreement)");
	exts_bad(k->rsa, data_encipher, PROFILE_STRICT,
	    "keyUsage dataEncipherment is not allowed for a strict RSA");
	exts_bad(k->rsa, non_repudiation, PROFILE_STRICT,
	    "keyUsage nonRepudiation is not allowed");
	req = make_req(k->rsa, ALICE, NULL, data_encipher);
	check_ok(req, ALICE, PROFILE_MULTIPURPOSE);
	X509_REQ_free(req);
}

static void
test_csr__check_ext_key_usage(void **state)
{
	struct keys *k = *state;
	static const struct ext server[] = {
		{ "extendedKeyUsage", "emailProtection,serverAuth" },
		{ NULL, NULL },
	};
	static const struct ext client[] = {
		{ "extendedKeyUsage", "emailProtection,clientAuth" },
		{ NULL, NULL },
	};
	static const struct ext any[] = {
		{ "extendedKeyUsage", "anyExtendedKeyUsage" },
		{ NULL, NULL },
	};
	static const struct ext oid[] = {
		{ "extendedKeyUsage", "1.2.3.4.5" },
		{ NULL, NULL },
	};
	X509_REQ *req;

	exts_bad(k->ec, server, PROFILE_MULTIPURPOSE, "certificate request: "
	    "extKeyUsage serverAuth is not allowed for a multipurpose mailbox "
	    "certificate (only emailProtection, clientAuth)");
	exts_bad(k->ec, client, PROFILE_STRICT, "extKeyUsage clientAuth is "
	    "not allowed for a strict mailbox certificate (only "
	    "emailProtection)");
	exts_bad(k->ec, any, PROFILE_STRICT,
	    "extKeyUsage anyExtendedKeyUsage is not allowed");
	exts_bad(k->ec, oid, PROFILE_STRICT,
	    "extKeyUsage 1.2.3.4.5 is not allowed");
	req = make_req(k->ec, ALICE, NULL, client);
	check_ok(req, ALICE, PROFILE_MULTIPURPOSE);
	X509_REQ_free(req);
}

static void
test_csr__check_basic_constraints(void **state)
{
	struct keys *k = *state;
	static const struct ext ca[] = {
		{ "basicConstraints", "critical,CA:TRUE" },
		{ NULL, NULL },
	};
	static const struct ext pathlen[] = {
		{ "basicConstraints", "CA:FALSE,pathlen:0" },
		{ NULL, NULL },
	};

	exts_bad(k->ec, ca, PROFILE_STRICT, "certificate request: "
	    "basicConstraints asks for a CA certificate (cA=TRUE)");
	exts_bad(k->ec, pathlen, PROFILE_STRICT, "pathLenConstraint");
}

static void
test_csr__check_unknown_extension(void **state)
{
	struct keys *k = *state;
	static const struct ext oid[] = {
		{ "subjectAltName", "email:" ALICE },
		{ "1.2.3.4", "DER:05:00" },
		{ NULL, NULL },
	};
	static const struct ext ski[] = {
		{ "subjectKeyIdentifier", "01:02:03:04" },
		{ NULL, NULL },
	};
	static const struct ext twice[] = {
		{ "keyUsage", "digitalSignature" },
		{ "keyUsage", "digitalSignature" },
		{ NULL, NULL },
	};

	exts_bad(k->ec, oid, PROFILE_STRICT, "certificate request: extension "
	    "1.2.3.4 is not allowed (only subjectAltName, keyUsage, "
	    "extKeyUsage and basicConstraints)");
	exts_bad(k->ec, ski, PROFILE_STRICT,
	    "extension subjectKeyIdentifier is not allowed");
	exts_bad(k->ec, twice, PROFILE_STRICT,
	    "extension keyUsage appears more than once");
}

static void
test_csr__check_two_ext_requests(void **state)
{
	struct keys *k = *state;
	static const struct ext san[] = {
		{ "subjectAltName", "email:" ALICE },
		{ NULL, NULL },
	};
	static const struct ext uri[] = {
		{ "subjectAltName", "URI:http://example.com/" },
		{ NULL, NULL },
	};
	X509_REQ *req;
	STACK_OF(X509_EXTENSION) *sk;
	unsigned char *der = NULL;
	int len;

	req = make_req(k->ec, ALICE, NULL, san);
	/*
	 * X509_REQ_get_extensions() only ever looks at the first one, so a
	 * second must not slip through. OpenSSL refuses to add a second
	 * PKCS#9 one, but Microsoft's OID is just as good.
	 */
	sk = make_exts(uri);
	assert_true((len = ASN1_item_i2d((ASN1_VALUE *)sk, &der,
	    ASN1_ITEM_rptr(X509_EXTENSIONS))) > 0);
	assert_int_equal(X509_REQ_add1_attr_by_NID(req, NID_ms_ext_req,
	    V_ASN1_SEQUENCE, der, len), 1);
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	sign(req, k->ec);
	check_bad(req, ALICE, PROFILE_STRICT, "more than one extension "
	    "request");
	X509_REQ_free(req);
}

static void
test_csr__check_bad_signature(void **state)
{
	struct keys *k = *state;
	X509_REQ *req, *got = NULL;
	unsigned char *der;
	size_t len;

	req = make_req(k->rsa, ALICE, NULL, NULL);
	der = to_der(req, &len);
	der[len - 1] ^= 0x01;
	assert_int_equal(csr_parse(&got, der, len, "req.der"), 0);
	check_bad(got, ALICE, PROFILE_STRICT,
	    "certificate request: the self-signature does not verify");
	X509_REQ_free(got);
	OPENSSL_free(der);
	X509_REQ_free(req);
}

static void
test_csr__check_tampered_subject(void **state)
{
	struct keys *k = *state;
	X509_REQ *req, *got = NULL;
	unsigned char *der, *p;
	size_t len;

	req = make_req(k->ec, "alice@example.com", NULL, NULL);
	der = to_der(req, &len);
	/* change the signed name to bob's without re-signing */
	assert_non_null(p = memmem(der, len, "alice", 5));
	memcpy(p, "bobby", 5);
	assert_int_equal(csr_parse(&got, der, len, "req.der"), 0);
	check_bad(got, "bobby@example.com", PROFILE_STRICT,
	    "self-signature does not verify");
	X509_REQ_free(got);
	OPENSSL_free(der);
	X509_REQ_free(req);
}

static void
test_csr__check_weak_key(void **state)
{
	struct keys *k = *state;
	X509_REQ *req;

	req = make_req(k->rsa1024, ALICE, NULL, NULL);
	check_bad(req, ALICE, PROFILE_STRICT, "certificate request: ");
	check_bad(req, ALICE, PROFILE_STRICT, "1024");
	X509_REQ_free(req);
	req = make_req(k->ed25519, ALICE, NULL, NULL);
	check_bad(req, ALICE, PROFILE_STRICT, "certificate request: ");
	check_bad(req, ALICE, PROFILE_STRICT, "ED25519");
	X509_REQ_free(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr__parse_pem),
		cmocka_unit_test(test_csr__parse_der),
		cmocka_unit_test(test_csr__parse_empty_and_large),
		cmocka_unit_test(test_csr__parse_malformed),
		cmocka_unit_test(test_csr__parse_truncated),
		cmocka_unit_test(test_csr__parse_trailing_der),
		cmocka_unit_test(test_csr__parse_trailing_pem),
		cmocka_unit_test(test_csr__parse_two_pem),
		cmocka_unit_test(test_csr__parse_private_key),
		cmocka_unit_test(test_csr__parse_wrong_block),
		cmocka_unit_test(test_csr__parse_pem_not_a_request),
		cmocka_unit_test(test_csr__check_good),
		cmocka_unit_test(test_csr__check_empty_subject),
		cmocka_unit_test(test_csr__check_domain_case),
		cmocka_unit_test(test_csr__check_wrong_address),
		cmocka_unit_test(test_csr__check_subject_other),
		cmocka_unit_test(test_csr__check_extra_san),
		cmocka_unit_test(test_csr__check_san_types),
		cmocka_unit_test(test_csr__check_key_usage),
		cmocka_unit_test(test_csr__check_ext_key_usage),
		cmocka_unit_test(test_csr__check_basic_constraints),
		cmocka_unit_test(test_csr__check_unknown_extension),
		cmocka_unit_test(test_csr__check_two_ext_requests),
		cmocka_unit_test(test_csr__check_bad_signature),
		cmocka_unit_test(test_csr__check_tampered_subject),
		cmocka_unit_test(test_csr__check_weak_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
