/*
 * test-trustcheck.c: the acceptance checks on purpose-made certificates
 * and CRLs built here with OpenSSL, one failure at a time: wrong address,
 * the case rules of addresses, an emailAddress-only subject, a missing
 * intermediate, an untrusted root, an expired intermediate, revoked per
 * CRL, a stale CRL, a CRL signed by the wrong key, keyUsage without
 * keyEncipherment, nonRepudiation without digitalSignature, serverAuth
 * only, RSA-1024; and CRLs fetched from the distribution point through a
 * stand-in for fetch_http(). Reading CRL files is tested in
 * test-certread.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "trustcheck.h"

#define DAY		86400
#define NOW		1800000000	/* 2027-01-15, the check's "at" */
#define ADDR		"alice@example.org"
#define CRL_URL		"http://pki.example.test/crl/issuing-1.crl"

/* What one purpose-made certificate is made of. */
struct mk {
	const char	*cn;		/* subject CN */
	const char	*san;		/* subjectAltName value, or NULL */
	const char	*email;		/* subject emailAddress, or NULL */
	EVP_PKEY	*key;		/* subject key */
	X509		*issuer;	/* NULL: self-signed with key */
	EVP_PKEY	*issuer_key;	/* signs, unless self-signed */
	int		 ca;		/* basicConstraints cA=TRUE */
	const char	*ku;		/* keyUsage; NULL: by ca */
	const char	*eku;		/* extKeyUsage, or NULL */
	const char	*crldp;		/* crlDistributionPoints, or NULL */
	int64_t		 nb, na;	/* validity; 0: NOW -/+ a year */
};

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static X509 *
mk(const struct mk *m)
{
	static long serial = 100;
	X509 *x, *iss;
	EVP_PKEY *ik;
	X509_NAME *nm;

	assert_non_null(x = X509_new());
	iss = m->issuer != NULL ? m->issuer : x;
	ik = m->issuer != NULL ? m->issuer_key : m->key;
	nm = X509_get_subject_name(x);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
	if (m->cn != NULL)
		assert_true(X509_NAME_add_entry_by_NID(nm, NID_commonName,
		    MBSTRING_UTF8, (const unsigned char *)m->cn, -1, -1, 0));
	if (m->email != NULL)
		assert_true(X509_NAME_add_entry_by_NID(nm,
		    NID_pkcs9_emailAddress, MBSTRING_ASC,
		    (const unsigned char *)m->email, -1, -1, 0));
	assert_true(X509_set_issuer_name(x, X509_get_subject_name(iss)));
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x),
	    (time_t)(m->nb ? m->nb : NOW - 365 * DAY)));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x),
	    (time_t)(m->na ? m->na : NOW + 365 * DAY)));
	assert_true(X509_set_pubkey(x, m->key));
	assert_true(add_ext(x, iss, NID_basic_constraints, m->ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE"));
	assert_true(add_ext(x, iss, NID_key_usage, m->ku ? m->ku : m->ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature,keyEncipherment"));
	if (m->eku != NULL)
		assert_true(add_ext(x, iss, NID_ext_key_usage, m->eku));
	if (m->san != NULL)
		assert_true(add_ext(x, iss, NID_subject_alt_name, m->san));
	if (m->crldp != NULL)
		assert_true(add_ext(x, iss, NID_crl_distribution_points,
		    m->crldp));
	assert_true(add_ext(x, iss, NID_subject_key_identifier, "hash"));
	if (m->issuer != NULL)
		assert_true(add_ext(x, iss, NID_authority_key_identifier,
		    "keyid:always"));
	assert_true(X509_sign(x, ik, EVP_sha256()) > 0);
	return x;
}

/* A CRL from issuer signed with key, valid [tu, nu], listing revoked. */
static X509_CRL *
mk_crl(X509 *issuer, EVP_PKEY *key, int64_t tu, int64_t nu, X509 *revoked)
{
	X509_CRL *crl;
	X509_REVOKED *r;
	ASN1_TIME *t;
	ASN1_ENUMERATED *reason;

	assert_non_null(crl = X509_CRL_new());
	assert_non_null(t = ASN1_TIME_new());
	assert_true(X509_CRL_set_version(crl, X509_CRL_VERSION_2));
	assert_true(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(issuer)));
	assert_non_null(ASN1_TIME_set(t, (time_t)tu));
	assert_true(X509_CRL_set1_lastUpdate(crl, t));
	assert_non_null(ASN1_TIME_set(t, (time_t)nu));
	assert_true(X509_CRL_set1_nextUpdate(crl, t));
	if (revoked != NULL) {
		assert_non_null(r = X509_REVOKED_new());
		assert_true(X509_REVOKED_set_serialNumber(r,
		    X509_get_serialNumber(revoked)));
		assert_non_null(ASN1_TIME_set(t, (time_t)(tu - DAY)));
		assert_true(X509_REVOKED_set_revocationDate(r, t));
		assert_non_null(reason = ASN1_ENUMERATED_new());
		assert_true(ASN1_ENUMERATED_set(reason, 1));
		assert_true(X509_REVOKED_add1_ext_i2d(r, NID_crl_reason,
		    reason, 0, 0));
		ASN1_ENUMERATED_free(reason);
		assert_true(X509_CRL_add0_revoked(crl, r));
	}
	assert_true(X509_CRL_sort(crl));
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	return crl;
}

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k;

	assert_non_null(k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	return k;
}

/* RSA-2048 for the leaves, made once: it takes a while. */
static EVP_PKEY *rsa2048;

static int
group_setup(void **state)
{
	(void)state;
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return rsa2048 != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa2048);
	return 0;
}

struct fixture {
	EVP_PKEY	*rkey, *ikey, *okey;	/* EC P-256 */
	EVP_PKEY	*lkey;		/* rsa2048, borrowed */
	X509		*root, *ica, *leaf, *other;	/* other: a root */
	STACK_OF(X509)	*trust;		/* [root] */
	STACK_OF(X509)	*untrusted;	/* [ica] */
	STACK_OF(X509_CRL) *crls;	/* what a test gives */
	struct trustcheck_input in;	/* leaf, ADDR, both, NOW */
	struct trustcheck_report *r;
};

static int
setup(void **state)
{
	struct fixture *f;
	struct mk m;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->rkey = ec_key();
	f->ikey = ec_key();
	f->okey = ec_key();
	f->lkey = rsa2048;
	memset(&m, 0, sizeof(m));
	m.cn = "Root";
	m.key = f->rkey;
	m.ca = 1;
	f->root = mk(&m);
	m.cn = "Other Root";
	m.key = f->okey;
	f->other = mk(&m);
	m.cn = "Issuing";
	m.key = f->ikey;
	m.issuer = f->root;
	m.issuer_key = f->rkey;
	f->ica = mk(&m);
	memset(&m, 0, sizeof(m));
	m.cn = ADDR;
	m.san = "email:" ADDR;
	m.key = f->lkey;
	m.issuer = f->ica;
	m.issuer_key = f->ikey;
	m.eku = "emailProtection";
	m.crldp = "URI:" CRL_URL;
	f->leaf = mk(&m);
	assert_non_null(f->trust = sk_X509_new_null());
	assert_non_null(f->untrusted = sk_X509_new_null());
	assert_non_null(f->crls = sk_X509_CRL_new_null());
	assert_true(sk_X509_push(f->trust, f->root) > 0);
	assert_true(sk_X509_push(f->untrusted, f->ica) > 0);
	f->in.leaf = f->leaf;
	f->in.untrusted = f->untrusted;
	f->in.trust = f->trust;
	f->in.address = ADDR;
	f->in.usage = TRUSTCHECK_SIGN | TRUSTCHECK_ENCRYPT;
	f->in.at = NOW;
	f->in.revocation = TRUSTCHECK_REV_SKIP;
	f->in.crls = f->crls;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	trustcheck_report_free(f->r);
	sk_X509_CRL_pop_free(f->crls, X509_CRL_free);
	sk_X509_free(f->trust);
	sk_X509_free(f->untrusted);
	X509_free(f->root);
	X509_free(f->ica);
	X509_free(f->leaf);
	X509_free(f->other);
	EVP_PKEY_free(f->rkey);
	EVP_PKEY_free(f->ikey);
	EVP_PKEY_free(f->okey);
	free(f);
	return 0;
}

static void
run(struct fixture *f)
{
	trustcheck_report_free(f->r);
	f->r = NULL;
	if (trustcheck_run(&f->r, &f->in) != 0)
		fail_msg("trustcheck_run: %s", err_msg());
}

/* The check called name must have result res and a reason with sub. */
static void
verdict(struct fixture *f, const char *name, enum trustcheck_result res,
    const char *sub)
{
	size_t i;

	for (i = 0; i < f->r->n; i++) {
		if (strcmp(f->r->v[i].name, name) != 0)
			continue;
		if (f->r->v[i].result != res)
			fail_msg("%s: %s (%s), want %s", name,
			    trustcheck_result_name(f->r->v[i].result),
			    f->r->v[i].reason, trustcheck_result_name(res));
		if (sub != NULL && strstr(f->r->v[i].reason, sub) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"", name,
			    f->r->v[i].reason, sub);
		return;
	}
	fail_msg("no check \"%s\"", name);
}

/* Exactly nfail checks failed. */
static void
failures(struct fixture *f, size_t nfail)
{
	size_t i;

	if (f->r->count[TRUSTCHECK_FAIL] == nfail)
		return;
	for (i = 0; i < f->r->n; i++)
		print_message("%s %s: %s\n",
		    trustcheck_result_name(f->r->v[i].result), f->r->v[i].name,
		    f->r->v[i].reason);
	fail_msg("%zu failures, want %zu", f->r->count[TRUSTCHECK_FAIL],
	    nfail);
}

/* Replace the leaf with one made from m (issued by the ICA). */
static void
new_leaf(struct fixture *f, struct mk *m)
{
	m->issuer = f->ica;
	m->issuer_key = f->ikey;
	if (m->key == NULL)
		m->key = f->lkey;
	X509_free(f->leaf);
	f->leaf = f->in.leaf = mk(m);
}

static void
test_trustcheck__all_pass(void **state)
{
	struct fixture *f = *state;

	run(f);
	assert_int_equal(f->r->n, 7);
	failures(f, 0);
	verdict(f, "chain", TRUSTCHECK_PASS, "under the trusted root "
	    "\"CN=Root\"");
	verdict(f, "validity", TRUSTCHECK_PASS, "3 certificates");
	verdict(f, "revocation", TRUSTCHECK_SKIP, "not counted as a failure");
	verdict(f, "address", TRUSTCHECK_PASS, "rfc822Name");
	verdict(f, "signing", TRUSTCHECK_PASS, "digitalSignature");
	verdict(f, "encryption", TRUSTCHECK_PASS, "keyEncipherment");
	verdict(f, "key-size", TRUSTCHECK_PASS, "2048");
	assert_int_equal(f->r->count[TRUSTCHECK_SKIP], 1);

	/* One usage asked for: the other is not reported. */
	f->in.usage = TRUSTCHECK_SIGN;
	run(f);
	assert_int_equal(f->r->n, 6);
}

static void
test_trustcheck__address_rules(void **state)
{
	struct fixture *f = *state;
	struct mk m;

	f->in.address = "bob@example.org";
	run(f);
	failures(f, 1);
	verdict(f, "address", TRUSTCHECK_FAIL, "\"" ADDR "\"");

	f->in.address = "alice@EXAMPLE.Org";
	run(f);
	failures(f, 0);

	f->in.address = "Alice@example.org";
	run(f);
	verdict(f, "address", TRUSTCHECK_FAIL, "case of the local part");

	/* An old-style certificate: the address in the subject only. */
	memset(&m, 0, sizeof(m));
	m.cn = "Alice";
	m.email = ADDR;
	m.eku = "emailProtection";
	new_leaf(f, &m);
	f->in.address = ADDR;
	run(f);
	failures(f, 0);
	verdict(f, "address", TRUSTCHECK_PASS, "emailAddress");

	memset(&m, 0, sizeof(m));
	m.cn = "Alice";
	new_leaf(f, &m);
	run(f);
	verdict(f, "address", TRUSTCHECK_FAIL, "names no address");
}

static void
test_trustcheck__missing_intermediate(void **state)
{
	struct fixture *f = *state;

	f->in.untrusted = NULL;
	run(f);
	verdict(f, "chain", TRUSTCHECK_FAIL, "\"CN=Issuing\"");
	verdict(f, "chain", TRUSTCHECK_FAIL, "intermediate is missing");
	/* What was found is still judged. */
	verdict(f, "validity", TRUSTCHECK_PASS, "1 certificate ");
	failures(f, 1);

	/* The bundle may carry the intermediate instead of the file. */
	assert_true(sk_X509_push(f->trust, f->ica) > 0);
	run(f);
	failures(f, 0);
}

static void
test_trustcheck__untrusted_root(void **state)
{
	struct fixture *f = *state;

	sk_X509_zero(f->trust);
	assert_true(sk_X509_push(f->trust, f->other) > 0);
	assert_true(sk_X509_push(f->untrusted, f->root) > 0);
	run(f);
	failures(f, 1);
	verdict(f, "chain", TRUSTCHECK_FAIL, "\"CN=Root\", which is not in "
	    "the trust bundle");
}

static void
test_trustcheck__expired_intermediate(void **state)
{
	struct fixture *f = *state;
	struct mk m;
	X509 *old;

	memset(&m, 0, sizeof(m));
	m.cn = "Issuing";
	m.key = f->ikey;
	m.issuer = f->root;
	m.issuer_key = f->rkey;
	m.ca = 1;
	m.nb = NOW - 800 * DAY;
	m.na = NOW - 10 * DAY;
	old = mk(&m);
	sk_X509_zero(f->untrusted);
	assert_true(sk_X509_push(f->untrusted, old) > 0);
	run(f);
	failures(f, 1);
	verdict(f, "chain", TRUSTCHECK_PASS, NULL);
	verdict(f, "validity", TRUSTCHECK_FAIL, "\"CN=Issuing\" expired "
	    "2027-01-05");
	X509_free(old);

	/* A leaf judged before its time. */
	f->in.at = NOW - 400 * DAY;
	run(f);
	verdict(f, "validity", TRUSTCHECK_FAIL, "is valid only from");
}

static void
test_trustcheck__crl_not_revoked(void **state)
{
	struct fixture *f = *state;

	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->ica, f->ikey,
	    NOW - DAY, NOW + 6 * DAY, NULL)) > 0);
	f->in.revocation = TRUSTCHECK_REV_CRLS;
	run(f);
	failures(f, 0);
	verdict(f, "revocation", TRUSTCHECK_PASS, "is not revoked");
	/* No CRL from the root: the intermediate is noted, not failed. */
	verdict(f, "revocation", TRUSTCHECK_PASS, "not checked");

	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->root, f->rkey,
	    NOW - DAY, NOW + 300 * DAY, f->ica)) > 0);
	run(f);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "\"CN=Issuing\" is revoked");
}

static void
test_trustcheck__revoked(void **state)
{
	struct fixture *f = *state;

	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->ica, f->ikey,
	    NOW - DAY, NOW + 6 * DAY, f->leaf)) > 0);
	f->in.revocation = TRUSTCHECK_REV_CRLS;
	run(f);
	failures(f, 1);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "is revoked since "
	    "2027-01-13");
	verdict(f, "revocation", TRUSTCHECK_FAIL, "keyCompromise");
}

static void
test_trustcheck__stale_crl(void **state)
{
	struct fixture *f = *state;

	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->ica, f->ikey,
	    NOW - 20 * DAY, NOW - 10 * DAY, NULL)) > 0);
	f->in.revocation = TRUSTCHECK_REV_CRLS;
	run(f);
	failures(f, 1);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "is stale");
}

static void
test_trustcheck__crl_wrong_key(void **state)
{
	struct fixture *f = *state;

	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->ica, f->okey,
	    NOW - DAY, NOW + 6 * DAY, NULL)) > 0);
	f->in.revocation = TRUSTCHECK_REV_CRLS;
	run(f);
	failures(f, 1);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "does not verify");
}

static void
test_trustcheck__no_crl_for_leaf(void **state)
{
	struct fixture *f = *state;

	/* Only the root's CRL: the leaf is not covered. */
	assert_true(sk_X509_CRL_push(f->crls, mk_crl(f->root, f->rkey,
	    NOW - DAY, NOW + 300 * DAY, NULL)) > 0);
	f->in.revocation = TRUSTCHECK_REV_CRLS;
	run(f);
	failures(f, 1);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "no CRL from \"CN=Issuing\"");
}

static void
test_trustcheck__key_usage(void **state)
{
	struct fixture *f = *state;
	struct mk m;

	memset(&m, 0, sizeof(m));
	m.cn = ADDR;
	m.san = "email:" ADDR;
	m.eku = "emailProtection";
	m.ku = "critical,digitalSignature";
	new_leaf(f, &m);
	run(f);
	failures(f, 1);
	verdict(f, "signing", TRUSTCHECK_PASS, NULL);
	verdict(f, "encryption", TRUSTCHECK_FAIL, "keyEncipherment");

	m.ku = "critical,nonRepudiation,keyEncipherment";
	new_leaf(f, &m);
	run(f);
	failures(f, 1);
	verdict(f, "signing", TRUSTCHECK_FAIL, "nonRepudiation alone");
	verdict(f, "encryption", TRUSTCHECK_PASS, NULL);

	/* EC encrypts by key agreement. */
	m.key = f->okey;
	m.ku = "critical,digitalSignature,keyAgreement";
	new_leaf(f, &m);
	run(f);
	failures(f, 0);
	verdict(f, "encryption", TRUSTCHECK_PASS, "keyAgreement");
	verdict(f, "key-size", TRUSTCHECK_PASS, "P-256");
	m.ku = "critical,digitalSignature,keyEncipherment";
	new_leaf(f, &m);
	run(f);
	verdict(f, "encryption", TRUSTCHECK_FAIL, "keyAgreement");
}

static void
test_trustcheck__eku(void **state)
{
	struct fixture *f = *state;
	struct mk m;

	memset(&m, 0, sizeof(m));
	m.cn = ADDR;
	m.san = "email:" ADDR;
	m.eku = "serverAuth";
	new_leaf(f, &m);
	run(f);
	failures(f, 2);
	verdict(f, "signing", TRUSTCHECK_FAIL, "has serverAuth");
	verdict(f, "encryption", TRUSTCHECK_FAIL, "lacks emailProtection");

	/* No extKeyUsage at all allows any use. */
	m.eku = NULL;
	new_leaf(f, &m);
	run(f);
	failures(f, 0);
	verdict(f, "signing", TRUSTCHECK_PASS, "no extKeyUsage");
}

static void
test_trustcheck__rsa_1024(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *weak;
	struct mk m;

	assert_non_null(weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)1024));
	memset(&m, 0, sizeof(m));
	m.cn = ADDR;
	m.san = "email:" ADDR;
	m.eku = "emailProtection";
	m.key = weak;
	new_leaf(f, &m);
	run(f);
	failures(f, 1);
	verdict(f, "key-size", TRUSTCHECK_FAIL, "1024 bits");
	EVP_PKEY_free(weak);
}

/* A stand-in for fetch_http(): serves one CRL at CRL_URL. */
static X509_CRL *served_crl;
static int fetches;

static int
fake_fetch(unsigned char **out, size_t *outlen, const char *url, size_t max,
    long timeout_s)
{
	unsigned char *p;
	int n;

	assert_true(max >= 1024 && timeout_s > 0);
	fetches++;
	*out = NULL;
	if (served_crl == NULL || strcmp(url, CRL_URL) != 0)
		return err_set(ERR_IO, "\"%s\": HTTP status 404", url);
	assert_true((n = i2d_X509_CRL(served_crl, NULL)) > 0);
	assert_non_null(*out = p = malloc((size_t)n + 1));
	assert_int_equal(i2d_X509_CRL(served_crl, &p), n);
	*outlen = (size_t)n;
	return 0;
}

static void
test_trustcheck__fetch(void **state)
{
	struct fixture *f = *state;

	f->in.revocation = TRUSTCHECK_REV_FETCH;
	f->in.fetch = fake_fetch;
	served_crl = mk_crl(f->ica, f->ikey, NOW - DAY, NOW + 6 * DAY,
	    f->leaf);
	fetches = 0;
	run(f);
	/* The ICA names no CRL DP, so only the leaf's is fetched. */
	assert_int_equal(fetches, 1);
	failures(f, 1);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "is revoked");
	verdict(f, "revocation", TRUSTCHECK_FAIL, "no http:// CRL "
	    "distribution point, not checked");
	X509_CRL_free(served_crl);

	served_crl = NULL;
	run(f);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "cannot fetch the CRL for "
	    "\"CN=" ADDR "\": \"" CRL_URL "\": HTTP status 404");
}

static void
test_trustcheck__fetch_without_crldp(void **state)
{
	struct fixture *f = *state;
	struct mk m;

	memset(&m, 0, sizeof(m));
	m.cn = ADDR;
	m.san = "email:" ADDR;
	m.crldp = "URI:ldap://ldap.example.test/cn=CRL";
	new_leaf(f, &m);
	f->in.revocation = TRUSTCHECK_REV_FETCH;
	f->in.fetch = fake_fetch;
	fetches = 0;
	run(f);
	assert_int_equal(fetches, 0);
	verdict(f, "revocation", TRUSTCHECK_FAIL, "names no http:// CRL "
	    "distribution point");
}

static void
test_trustcheck__result_names(void **state)
{
	(void)state;
	assert_string_equal(trustcheck_result_name(TRUSTCHECK_PASS), "PASS");
	assert_string_equal(trustcheck_result_name(TRUSTCHECK_FAIL), "FAIL");
	assert_string_equal(trustcheck_result_name(TRUSTCHECK_SKIP), "SKIP");
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_trustcheck__all_pass),
		T(test_trustcheck__address_rules),
		T(test_trustcheck__missing_intermediate),
		T(test_trustcheck__untrusted_root),
		T(test_trustcheck__expired_intermediate),
		T(test_trustcheck__crl_not_revoked),
		T(test_trustcheck__revoked),
		T(test_trustcheck__stale_crl),
		T(test_trustcheck__crl_wrong_key),
		T(test_trustcheck__no_crl_for_leaf),
		T(test_trustcheck__key_usage),
		T(test_trustcheck__eku),
		T(test_trustcheck__rsa_1024),
		T(test_trustcheck__fetch),
		T(test_trustcheck__fetch_without_crldp),
		cmocka_unit_test(test_trustcheck__result_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
