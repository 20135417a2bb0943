/*
 * test-profile.c: building mailbox and CA certificates, and the
 * pre-issuance lint. A root and an issuing CA are built with the profile
 * and signed here; each lint case then breaks exactly one rule of a leaf
 * that passes, and expects ERR_PROFILE with a message naming that rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "helpers.h"
#include "profile.h"

#define ALICE	"alice@example.com"
#define BASE	"http://ca.example.com"
#define STRICT_OID	"2.23.140.1.5.1.3"
#define MULTI_OID	"2.23.140.1.5.1.2"

struct fixture {
	int64_t		 now;
	EVP_PKEY	*root_key;	/* P-384 */
	EVP_PKEY	*ca_key;	/* P-384 */
	EVP_PKEY	*ec;		/* leaf, P-256 */
	EVP_PKEY	*rsa;		/* leaf, 2048 */
	X509		*root;		/* signed, 20 years */
	X509		*issuing;	/* signed by root, 10 years */
};

static ASN1_INTEGER *
serial_of(const char *hex)
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *a;

	assert_true(BN_hex2bn(&bn, hex) > 0);
	assert_non_null(a = BN_to_ASN1_INTEGER(bn, NULL));
	BN_free(bn);
	return a;
}

/* An unsigned CA certificate with pubkey, issued by issuer (NULL: root). */
static X509 *
build_ca(EVP_PKEY *pubkey, X509 *issuer, int64_t nb, int days)
{
	struct profile_ca p;
	ASN1_INTEGER *serial = serial_of(issuer == NULL ?
	    "3A2F7C0E5D1B9A4410" : "4B3E8D1F6E2CAB5521");
	X509 *x;

	memset(&p, 0, sizeof(p));
	p.root = issuer == NULL;
	p.country = "DE";
	p.org = "Example Org";
	p.cn = issuer == NULL ? "Example Root CA 1" : "Example S/MIME CA 1";
	p.pubkey = pubkey;
	p.issuer = issuer;
	p.issuer_name = issuer == NULL ? NULL : "root-1";
	p.base_url = BASE;
	p.serial = serial;
	p.not_before = nb;
	p.not_after = nb + (int64_t)days * DAY - 1;
	ok(profile_build_ca(&x, &p));
	ASN1_INTEGER_free(serial);
	return x;
}

static int
setup(void **state)
{
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL ||
	    timefmt_parse(&fx->now, "2026-03-01T00:00:00Z") != 0 ||
	    keys_generate(&fx->root_key, KEY_ECP384) != 0 ||
	    keys_generate(&fx->ca_key, KEY_ECP384) != 0 ||
	    keys_generate(&fx->ec, KEY_ECP256) != 0 ||
	    keys_generate(&fx->rsa, KEY_RSA2048) != 0)
		return -1;
	fx->root = build_ca(fx->root_key, NULL, fx->now, 7305);
	if (X509_sign(fx->root, fx->root_key, EVP_sha384()) <= 0)
		return -1;
	fx->issuing = build_ca(fx->ca_key, fx->root, fx->now, 3653);
	if (X509_sign(fx->issuing, fx->root_key, EVP_sha384()) <= 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	X509_free(fx->root);
	X509_free(fx->issuing);
	EVP_PKEY_free(fx->root_key);
	EVP_PKEY_free(fx->ca_key);
	EVP_PKEY_free(fx->ec);
	EVP_PKEY_free(fx->rsa);
	free(fx);
	return 0;
}

/* An unsigned ALICE leaf for key under profile pr, valid for days. */
static X509 *
build_leaf_days(struct fixture *fx, EVP_PKEY *key, enum cert_profile pr,
    int days)
{
	struct profile_leaf p;
	ASN1_INTEGER *serial = serial_of("5C4F9E2A7F3DBC663277");
	X509 *x;

	memset(&p, 0, sizeof(p));
	p.email = ALICE;
	p.profile = pr;
	p.pubkey = key;
	p.issuer = fx->issuing;
	p.issuer_name = "issuing-1";
	p.base_url = BASE;
	p.serial = serial;
	p.not_before = fx->now;
	p.not_after = fx->now + (int64_t)days * DAY - 1;
	ok(profile_build_leaf(&x, &p));
	ASN1_INTEGER_free(serial);
	return x;
}

#define build_leaf(fx, key, pr)	build_leaf_days((fx), (key), (pr), 365)

/* Drop every extension nid from x, then add value (openssl.cnf syntax). */
static void
set_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int i;

	while ((i = X509_get_ext_by_NID(x, nid, -1)) >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, i));
	if (value == NULL)
		return;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		fail_msg("cannot make %s = %s", OBJ_nid2sn(nid), value);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* Replace certificatePolicies with the n OIDs (it needs no config DB). */
static void
set_policies(X509 *x, const char *const *oids, size_t n)
{
	CERTIFICATEPOLICIES *cps;
	POLICYINFO *pi;
	size_t i;

	set_ext(x, NULL, NID_certificate_policies, NULL);
	assert_non_null(cps = CERTIFICATEPOLICIES_new());
	for (i = 0; i < n; i++) {
		assert_non_null(pi = POLICYINFO_new());
		ASN1_OBJECT_free(pi->policyid);
		assert_non_null(pi->policyid = OBJ_txt2obj(oids[i], 1));
		assert_true(sk_POLICYINFO_push(cps, pi) > 0);
	}
	assert_int_equal(X509_add1_ext_i2d(x, NID_certificate_policies, cps,
	    0, X509V3_ADD_DEFAULT), 1);
	CERTIFICATEPOLICIES_free(cps);
}

static void
check_leaf_ok(struct fixture *fx, X509 *x, enum cert_profile pr)
{
	if (profile_check_leaf(x, fx->issuing, ALICE, pr, USAGE_BOTH) != 0)
		fail_msg("lint refused a good leaf: %s", err_msg());
}

/* Lint x for ALICE: refused naming sub, or accepted if sub is NULL. */
static void
verdict(struct fixture *fx, X509 *x, enum cert_profile pr, const char *sub)
{
	if (sub == NULL)
		check_leaf_ok(fx, x, pr);
	else
		want_msg(profile_check_leaf(x, fx->issuing, ALICE, pr, USAGE_BOTH),
		    ERR_PROFILE, sub);
	X509_free(x);
}

static void
test_profile__parse_and_names(void **state)
{
	enum cert_profile p;

	(void)state;
	ok(profile_parse(&p, "strict"));
	assert_int_equal(p, PROFILE_STRICT);
	ok(profile_parse(&p, "multipurpose"));
	assert_int_equal(p, PROFILE_MULTIPURPOSE);
	want_msg(profile_parse(&p, "legacy"), ERR_INVALID, "\"legacy\"");
	assert_non_null(strstr(err_msg(), "strict or multipurpose"));
	assert_string_equal(profile_name(PROFILE_STRICT), "strict");
	assert_string_equal(profile_name(PROFILE__MAX), "unknown");
	assert_string_equal(profile_policy_oid(PROFILE_STRICT), STRICT_OID);
	assert_string_equal(profile_policy_oid(PROFILE_MULTIPURPOSE),
	    MULTI_OID);
}

static void
test_profile__ca_built_passes(void **state)
{
	struct fixture *fx = *state;

	ok(profile_check_ca(fx->root, NULL));
	ok(profile_check_ca(fx->issuing, fx->root));
	assert_int_equal(X509_verify(fx->root, fx->root_key), 1);
	assert_int_equal(X509_verify(fx->issuing, fx->root_key), 1);
	assert_int_equal(X509_check_issued(fx->root, fx->issuing), X509_V_OK);
	assert_int_equal(X509_check_ca(fx->root), 1);
	assert_int_equal(X509_check_ca(fx->issuing), 1);
	assert_int_equal(X509_get_pathlen(fx->root), -1);
	assert_int_equal(X509_get_pathlen(fx->issuing), 0);
	/* The digest follows the signing key (P-384: SHA-384). */
	assert_ptr_equal(profile_digest(fx->ca_key), EVP_sha384());
	assert_ptr_equal(profile_digest(fx->ec), EVP_sha256());
	assert_ptr_equal(profile_digest(fx->rsa), EVP_sha256());
	assert_int_equal(X509_get_ext_by_NID(fx->root, NID_ext_key_usage, -1),
	    -1);
}

/* Build, lint, sign and verify a leaf; then check what it carries. */
static void
leaf_round_trip(struct fixture *fx, EVP_PKEY *key, enum cert_profile pr,
    uint32_t want_ku)
{
	CERTIFICATEPOLICIES *cps;
	char oid[80];
	X509 *x = build_leaf(fx, key, pr);

	check_leaf_ok(fx, x, pr);
	assert_true(X509_sign(x, fx->ca_key, profile_digest(fx->ca_key)) > 0);
	check_leaf_ok(fx, x, pr);
	assert_int_equal(X509_verify(x, fx->ca_key), 1);
	assert_int_equal(verify_smime(x, fx->issuing, fx->root, fx->now + DAY),
	    X509_V_OK);
	assert_int_equal(X509_check_email(x, ALICE, 0, 0), 1);
	assert_int_equal(X509_get_key_usage(x), want_ku);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SMIME);
	assert_non_null(cps = X509_get_ext_d2i(x, NID_certificate_policies,
	    NULL, NULL));
	assert_int_equal(sk_POLICYINFO_num(cps), 1);
	OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(cps, 0)->policyid, 1);
	assert_string_equal(oid, profile_policy_oid(pr));
	CERTIFICATEPOLICIES_free(cps);
	assert_int_equal(validity_secs(x), 365 * DAY);
	/* Outside its validity the chain must not verify. */
	assert_int_equal(verify_smime(x, fx->issuing, fx->root,
	    fx->now + 366 * DAY), X509_V_ERR_CERT_HAS_EXPIRED);
	X509_free(x);
}

static void
test_profile__leaf_rsa_and_ec(void **state)
{
	struct fixture *fx = *state;
	int pr;

	for (pr = 0; pr < PROFILE__MAX; pr++) {
		leaf_round_trip(fx, fx->ec, (enum cert_profile)pr,
		    KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT);
		leaf_round_trip(fx, fx->rsa, (enum cert_profile)pr,
		    KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	}
}

static void
test_profile__leaf_refuses_other_key(void **state)
{
	struct fixture *fx = *state;
	struct profile_leaf p;
	EVP_PKEY *ed;
	X509 *x = (X509 *)1;

	assert_non_null(ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	memset(&p, 0, sizeof(p));
	p.email = ALICE;
	p.pubkey = ed;
	p.issuer = fx->issuing;
	want_msg(profile_build_leaf(&x, &p), ERR_INVALID, "ED25519");
	assert_null(x);
	EVP_PKEY_free(ed);
}

static void
test_profile__leaf_subject(void **state)
{
	struct fixture *fx = *state;
	X509 *x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	X509_NAME *n;

	assert_int_equal(X509_NAME_add_entry_by_NID(X509_get_subject_name(x),
	    NID_organizationName, MBSTRING_UTF8,
	    (const unsigned char *)"Example", -1, -1, 0), 1);
	verdict(fx, x, PROFILE_STRICT, "subject attribute O is not allowed");
	x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	assert_non_null(n = X509_NAME_new());
	assert_int_equal(X509_NAME_add_entry_by_NID(n, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)"bob@example.com", -1, -1,
	    0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	X509_NAME_free(n);
	verdict(fx, x, PROFILE_STRICT, "subject names an address other than "
	    "the mailbox");
	/* The same leaf linted for another mailbox fails on the subject. */
	x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	want_msg(profile_check_leaf(x, fx->issuing, "bob@example.com",
	    PROFILE_STRICT, USAGE_BOTH), ERR_PROFILE, "BR 7.1.4.2.3");
	X509_free(x);
}

/*
 * Build an ALICE leaf for key under pr, set extension nid to value (NULL
 * drops it), and lint it: refused naming sub, or accepted if sub is NULL.
 */
static void
ext_case(struct fixture *fx, EVP_PKEY *key, enum cert_profile pr, int nid,
    const char *value, const char *sub)
{
	X509 *x = build_leaf(fx, key, pr);

	set_ext(x, fx->issuing, nid, value);
	verdict(fx, x, pr, sub);
}

static void
test_profile__leaf_san(void **state)
{
	struct fixture *fx = *state;

	/* A second SAN: another address, or the mailbox twice. */
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_subject_alt_name,
	    "email:" ALICE ",email:bob@example.com",
	    "subjectAltName names an address other than the mailbox");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_subject_alt_name,
	    "email:" ALICE ",email:" ALICE,
	    "subjectAltName must hold the mailbox once");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_subject_alt_name,
	    "email:" ALICE ",URI:http://example.com/",
	    "subjectAltName may hold rfc822Name only");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_subject_alt_name,
	    "critical,email:" ALICE, "subjectAltName must not be critical");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_subject_alt_name, NULL,
	    "subjectAltName is missing");
}

static void
test_profile__leaf_key_usage(void **state)
{
	struct fixture *fx = *state;

	ext_case(fx, fx->ec, PROFILE_STRICT, NID_key_usage, NULL,
	    "keyUsage is missing");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_key_usage,
	    "digitalSignature", "keyUsage must be critical");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_key_usage,
	    "critical,digitalSignature,keyCertSign",
	    "keyUsage bits not allowed for a ec-p256 key");
	/* keyEncipherment is an RSA usage, keyAgreement an EC one. */
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_key_usage,
	    "critical,keyEncipherment", "keyUsage bits not allowed");
	ext_case(fx, fx->rsa, PROFILE_STRICT, NID_key_usage,
	    "critical,keyAgreement", "for a rsa-2048 key");
	/* One purpose alone is for dual-key certificates only. */
	ext_case(fx, fx->rsa, PROFILE_STRICT, NID_key_usage,
	    "critical,digitalSignature",
	    "keyUsage does not match a both certificate");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_key_usage,
	    "critical,keyAgreement",
	    "keyUsage does not match a both certificate");
}

/* Dual-key mode: a signing and an encryption certificate, KU each alone. */
static void
test_profile__leaf_dual(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		int		 ec;
		enum cert_usage	 u;
		uint32_t	 ku;
	} cases[] = {
		{ 0, USAGE_SIGN, KU_DIGITAL_SIGNATURE },
		{ 0, USAGE_ENCRYPT, KU_KEY_ENCIPHERMENT },
		{ 1, USAGE_SIGN, KU_DIGITAL_SIGNATURE },
		{ 1, USAGE_ENCRYPT, KU_KEY_AGREEMENT },
	};
	struct profile_leaf p;
	ASN1_INTEGER *serial;
	X509 *x;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		serial = serial_of("5C4F9E2A7F3DBC663277");
		memset(&p, 0, sizeof(p));
		p.email = ALICE;
		p.profile = PROFILE_STRICT;
		p.usage = cases[i].u;
		p.pubkey = cases[i].ec ? fx->ec : fx->rsa;
		p.issuer = fx->issuing;
		p.issuer_name = "issuing-1";
		p.base_url = BASE;
		p.serial = serial;
		p.not_before = fx->now;
		p.not_after = fx->now + 365 * DAY - 1;
		ok(profile_build_leaf(&x, &p));
		ASN1_INTEGER_free(serial);
		ok(profile_check_leaf(x, fx->issuing, ALICE, PROFILE_STRICT,
		    cases[i].u));
		/* Signed, OpenSSL's own view of the bits agrees. */
		assert_true(X509_sign(x, fx->ca_key, EVP_sha384()) > 0);
		assert_int_equal(X509_get_key_usage(x), cases[i].ku);
		/* The same certificate is no "both" and no other half. */
		want_msg(profile_check_leaf(x, fx->issuing, ALICE,
		    PROFILE_STRICT, USAGE_BOTH), ERR_PROFILE, "does not match");
		want_msg(profile_check_leaf(x, fx->issuing, ALICE,
		    PROFILE_STRICT, cases[i].u == USAGE_SIGN ? USAGE_ENCRYPT :
		    USAGE_SIGN), ERR_PROFILE, "does not match");
		X509_free(x);
	}
}

static void
test_profile__leaf_data_encipherment(void **state)
{
	struct fixture *fx = *state;
	const char *ku = "critical,digitalSignature,keyEncipherment,"
	    "dataEncipherment";

	/* Multipurpose RSA may add dataEncipherment; strict may not. */
	ext_case(fx, fx->rsa, PROFILE_MULTIPURPOSE, NID_key_usage, ku, NULL);
	ext_case(fx, fx->rsa, PROFILE_STRICT, NID_key_usage, ku,
	    "keyUsage bits not allowed");
}

static void
test_profile__leaf_eku(void **state)
{
	struct fixture *fx = *state;

	ext_case(fx, fx->ec, PROFILE_STRICT, NID_ext_key_usage,
	    "emailProtection,serverAuth",
	    "extKeyUsage serverAuth is not allowed");
	ext_case(fx, fx->ec, PROFILE_MULTIPURPOSE, NID_ext_key_usage,
	    "emailProtection,serverAuth", "extKeyUsage serverAuth");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_ext_key_usage,
	    "emailProtection,clientAuth",
	    "clientAuth is not allowed in a strict");
	ext_case(fx, fx->ec, PROFILE_MULTIPURPOSE, NID_ext_key_usage,
	    "emailProtection,clientAuth", NULL);
	ext_case(fx, fx->ec, PROFILE_MULTIPURPOSE, NID_ext_key_usage,
	    "clientAuth", "must hold emailProtection");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_ext_key_usage, NULL,
	    "extKeyUsage is missing");
}

static void
test_profile__leaf_policies(void **state)
{
	static const char *const both[] = { STRICT_OID, MULTI_OID };
	static const char *const legacy[] = { "2.23.140.1.5.1.1" };
	struct fixture *fx = *state;
	X509 *x = build_leaf(fx, fx->ec, PROFILE_STRICT);

	set_policies(x, both, 2);
	verdict(fx, x, PROFILE_STRICT, "exactly one policy");
	x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	set_policies(x, both + 1, 1);
	verdict(fx, x, PROFILE_STRICT, "policy " MULTI_OID " is not the "
	    "profile's " STRICT_OID);
	x = build_leaf(fx, fx->ec, PROFILE_MULTIPURPOSE);
	set_policies(x, both, 1);
	verdict(fx, x, PROFILE_MULTIPURPOSE, "policy " STRICT_OID " is not");
	/* The legacy generation is banned. */
	x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	set_policies(x, legacy, 1);
	verdict(fx, x, PROFILE_STRICT, "policy 2.23.140.1.5.1.1 is not");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_certificate_policies, NULL,
	    "certificatePolicies is missing");
}

static void
test_profile__leaf_crl_and_aia_urls(void **state)
{
	struct fixture *fx = *state;

	ext_case(fx, fx->ec, PROFILE_STRICT, NID_crl_distribution_points,
	    "URI:https://ca.example.com/crl/issuing-1.crl",
	    "CRL distribution point must be an http:// URL");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_crl_distribution_points,
	    "URI:ldap://ca.example.com/cn=issuing-1", "must be an http:// URL");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_crl_distribution_points,
	    NULL, "cRLDistributionPoints is missing");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_info_access,
	    "caIssuers;URI:https://ca.example.com/ca/issuing-1.crt",
	    "authorityInformationAccess must use http://");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_info_access,
	    "OCSP;URI:http://ca.example.com/ocsp",
	    "authorityInformationAccess needs caIssuers");
}

/* The ALICE leaf with notBefore nb (0: as built) and notAfter na. */
static void
time_case(struct fixture *fx, int64_t nb, int64_t na, const char *sub)
{
	X509 *x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	ASN1_TIME *a = NULL;

	if (nb != 0)
		assert_int_equal(X509_set1_notBefore(x,
		    a = ASN1_TIME_set(a, (time_t)nb)), 1);
	assert_int_equal(X509_set1_notAfter(x,
	    a = ASN1_TIME_set(a, (time_t)na)), 1);
	ASN1_TIME_free(a);
	verdict(fx, x, PROFILE_STRICT, sub);
}

static void
test_profile__leaf_validity(void **state)
{
	struct fixture *fx = *state;

	/* 825 days is the maximum, counted with both bounds included. */
	verdict(fx, build_leaf_days(fx, fx->ec, PROFILE_STRICT, 825),
	    PROFILE_STRICT, NULL);
	verdict(fx, build_leaf_days(fx, fx->ec, PROFILE_STRICT, 826),
	    PROFILE_STRICT, "validity exceeds the maximum");
	time_case(fx, 0, fx->now + 825 * DAY, "BR 6.3.2");
	time_case(fx, 0, fx->now - 1, "notAfter must be after notBefore");
}

static void
test_profile__leaf_outlives_issuer(void **state)
{
	struct fixture *fx = *state;
	int64_t end = timefmt_asn1(X509_get0_notAfter(fx->issuing));

	/* A short period that still ends one second after the CA. */
	time_case(fx, end - 10 * DAY, end + 1, "would outlive its issuing CA");
	time_case(fx, end - 10 * DAY, end, NULL);
	time_case(fx, fx->now - DAY, fx->now + DAY, "starts before its "
	    "issuing CA");
}

/* The lint's verdict on the ALICE leaf with serial bn. */
static void
serial_case(struct fixture *fx, BIGNUM *bn, const char *sub)
{
	X509 *x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	ASN1_INTEGER *a;

	assert_non_null(a = BN_to_ASN1_INTEGER(bn, NULL));
	assert_int_equal(X509_set_serialNumber(x, a), 1);
	ASN1_INTEGER_free(a);
	BN_free(bn);
	verdict(fx, x, PROFILE_STRICT, sub);
}

static BIGNUM *
bn_pow2(int e, int delta)
{
	BIGNUM *bn;

	assert_non_null(bn = BN_new());
	assert_int_equal(BN_set_bit(bn, e), 1);
	if (delta < 0)
		assert_int_equal(BN_sub_word(bn, (BN_ULONG)-delta), 1);
	return bn;
}

static void
test_profile__leaf_serial(void **state)
{
	struct fixture *fx = *state;
	BIGNUM *bn;

	assert_non_null(bn = BN_new());
	BN_zero(bn);
	serial_case(fx, bn, "serial number must be positive");
	bn = bn_pow2(100, 0);
	BN_set_negative(bn, 1);
	serial_case(fx, bn, "serial number must be positive");
	serial_case(fx, bn_pow2(159, 0), "must be below 2^159");
	serial_case(fx, bn_pow2(159, -1), NULL);
	serial_case(fx, bn_pow2(31, 0), "at least 64 random bits");
	serial_case(fx, bn_pow2(62, 0), "at least 64 random bits");
	serial_case(fx, bn_pow2(63, 0), NULL);
}

static void
test_profile__leaf_aki_issuer_serial(void **state)
{
	struct fixture *fx = *state;
	X509 *x;

	ext_case(fx, fx->ec, PROFILE_STRICT, NID_authority_key_identifier,
	    "keyid:always,issuer:always",
	    "authorityKeyIdentifier must hold keyIdentifier only");
	/* An AKI that names another CA's key. */
	x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	set_ext(x, fx->root, NID_authority_key_identifier, "keyid:always");
	verdict(fx, x, PROFILE_STRICT, "does not match the issuer's key");
}

static void
test_profile__leaf_basic_constraints(void **state)
{
	struct fixture *fx = *state;

	ext_case(fx, fx->ec, PROFILE_STRICT, NID_basic_constraints,
	    "critical,CA:TRUE", "basicConstraints must be cA=FALSE");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_basic_constraints,
	    "critical,CA:FALSE", NULL);
}

static void
test_profile__leaf_unknown_extension(void **state)
{
	struct fixture *fx = *state;
	X509 *x = build_leaf(fx, fx->ec, PROFILE_STRICT);
	X509_EXTENSION *ext;

	assert_non_null(ext = X509V3_EXT_nconf(NULL, NULL,
	    "1.3.6.1.4.1.99999.1", "DER:05:00"));
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	verdict(fx, x, PROFILE_STRICT, "extension 1.3.6.1.4.1.99999.1 is not "
	    "part of the profile");
	ext_case(fx, fx->ec, PROFILE_STRICT, NID_netscape_comment, "hello",
	    "is not part of the profile");
}

/* As ext_case(), for the root (root set) or the issuing CA. */
static void
ca_case(struct fixture *fx, int root, int nid, const char *value,
    const char *sub)
{
	X509 *x = root ? build_ca(fx->root_key, NULL, fx->now, 7305) :
	    build_ca(fx->ca_key, fx->root, fx->now, 3653);

	ok(profile_check_ca(x, root ? NULL : fx->root));
	set_ext(x, root ? x : fx->root, nid, value);
	want_msg(profile_check_ca(x, root ? NULL : fx->root), ERR_PROFILE,
	    sub);
	X509_free(x);
}

static void
test_profile__ca_root_rules(void **state)
{
	struct fixture *fx = *state;

	ca_case(fx, 1, NID_basic_constraints, "critical,CA:TRUE,pathlen:0",
	    "the root's without pathLen");
	ca_case(fx, 1, NID_basic_constraints, "CA:TRUE",
	    "must be critical cA=TRUE");
	ca_case(fx, 1, NID_ext_key_usage, "emailProtection",
	    "a root must not carry extKeyUsage");
}

static void
test_profile__ca_issuing_server_auth(void **state)
{
	struct fixture *fx = *state;

	ca_case(fx, 0, NID_ext_key_usage, "emailProtection,serverAuth",
	    "an issuing CA's extKeyUsage must be emailProtection only");
	ca_case(fx, 0, NID_ext_key_usage, NULL, "emailProtection only");
}

static void
test_profile__ca_key_usage_and_subject(void **state)
{
	struct fixture *fx = *state;
	X509 *x = build_ca(fx->ca_key, fx->root, fx->now, 3653);
	X509_NAME *n;

	ca_case(fx, 0, NID_key_usage, "critical,keyCertSign",
	    "CA keyUsage must be critical keyCertSign and cRLSign");
	ca_case(fx, 1, NID_key_usage, "keyCertSign,cRLSign",
	    "CA keyUsage must be critical");
	assert_non_null(n = X509_NAME_new());
	assert_int_equal(X509_NAME_add_entry_by_NID(n, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)"Only CN", -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	X509_NAME_free(n);
	want_msg(profile_check_ca(x, fx->root), ERR_PROFILE, "CA subject must "
	    "hold C, O and CN");
	X509_free(x);
}

static void
test_profile__ca_rsa2048_key(void **state)
{
	struct fixture *fx = *state;
	X509 *x = build_ca(fx->rsa, fx->root, fx->now, 3653);

	want_msg(profile_check_ca(x, fx->root), ERR_PROFILE, "CA keys must be "
	    "RSA 4096 or ECDSA P-384");
	X509_free(x);
	x = build_ca(fx->ec, NULL, fx->now, 7305);
	want_msg(profile_check_ca(x, NULL), ERR_PROFILE, "RSA 4096 or ECDSA "
	    "P-384");
	X509_free(x);
}

static void
test_profile__ca_outlives_root(void **state)
{
	struct fixture *fx = *state;
	X509 *x = build_ca(fx->ca_key, fx->root, fx->now, 7306);

	want_msg(profile_check_ca(x, fx->root), ERR_PROFILE, "would outlive "
	    "its issuing CA");
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile__parse_and_names),
		cmocka_unit_test(test_profile__ca_built_passes),
		cmocka_unit_test(test_profile__leaf_rsa_and_ec),
		cmocka_unit_test(test_profile__leaf_refuses_other_key),
		cmocka_unit_test(test_profile__leaf_subject),
		cmocka_unit_test(test_profile__leaf_san),
		cmocka_unit_test(test_profile__leaf_key_usage),
		cmocka_unit_test(test_profile__leaf_dual),
		cmocka_unit_test(test_profile__leaf_data_encipherment),
		cmocka_unit_test(test_profile__leaf_eku),
		cmocka_unit_test(test_profile__leaf_policies),
		cmocka_unit_test(test_profile__leaf_crl_and_aia_urls),
		cmocka_unit_test(test_profile__leaf_validity),
		cmocka_unit_test(test_profile__leaf_outlives_issuer),
		cmocka_unit_test(test_profile__leaf_serial),
		cmocka_unit_test(test_profile__leaf_aki_issuer_serial),
		cmocka_unit_test(test_profile__leaf_basic_constraints),
		cmocka_unit_test(test_profile__leaf_unknown_extension),
		cmocka_unit_test(test_profile__ca_root_rules),
		cmocka_unit_test(test_profile__ca_issuing_server_auth),
		cmocka_unit_test(test_profile__ca_key_usage_and_subject),
		cmocka_unit_test(test_profile__ca_rsa2048_key),
		cmocka_unit_test(test_profile__ca_outlives_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
