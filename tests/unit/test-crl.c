/*
 * test-crl.c: CRLs for both CAs after revocations. Each CRL is decoded and
 * checked with OpenSSL: signature, entries and reasons, numbering, update
 * interval, AKI; and the chain of a revoked certificate must then fail
 * OpenSSL's own CRL-checking verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "helpers.h"

struct fixture {
	struct tenv	*e;
	int64_t		 now;		/* when the certificates are issued */
	char		*serial[3];	/* [0] keyCompromise, [1] superseded */
	X509		*cert[3];	/* [2] stays valid */
};

static int
setup(void **state)
{
	static const char *const who[3] = { "a@example.com", "b@example.com",
	    "c@example.com" };
	struct fixture *fx;
	struct ca_request r;
	struct ca_issued *iss;
	int i;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(1);
	fx->now = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	for (i = 0; i < 3; i++) {
		r = req_for(who[i], KEY_ECP256);
		if (ca_issue(&iss, fx->e->st, fx->e->ca, fx->e->kek,
		    fx->e->cfg, &r, fx->now) != 0)
			return -1;
		fx->serial[i] = iss->serial;
		iss->serial = NULL;
		fx->cert[i] = iss->cert;
		iss->cert = NULL;
		ca_issued_free(iss);
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int i;

	for (i = 0; i < 3; i++) {
		free(fx->serial[i]);
		X509_free(fx->cert[i]);
	}
	tenv_free(fx->e);
	free(fx);
	return 0;
}

/* The newest stored CRL of CA name, decoded; *number gets its number. */
static X509_CRL *
latest_crl(struct fixture *fx, const char *name, int64_t *number)
{
	struct store_ca *rec;
	struct store_crl *sc;
	const unsigned char *p;
	X509_CRL *crl;

	ok(store_ca_get(&rec, fx->e->st, name));
	ok(store_crl_latest(&sc, fx->e->st, rec->id));
	p = sc->der;
	assert_non_null(crl = d2i_X509_CRL(NULL, &p, (long)sc->der_len));
	assert_ptr_equal(p, sc->der + sc->der_len);
	assert_int_equal(timefmt_asn1(X509_CRL_get0_lastUpdate(crl)),
	    sc->this_update);
	assert_int_equal(timefmt_asn1(X509_CRL_get0_nextUpdate(crl)),
	    sc->next_update);
	*number = sc->number;
	store_crl_free(sc);
	store_ca_free(rec);
	return crl;
}

/* Entries in crl; OpenSSL keeps no list at all for an empty CRL. */
static int
nrevoked(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);

	return revs == NULL ? 0 : sk_X509_REVOKED_num(revs);
}

static int64_t
crl_number(X509_CRL *crl)
{
	ASN1_INTEGER *num;
	int crit = -1;
	int64_t v;

	assert_non_null(num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit,
	    NULL));
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_INTEGER_get_int64(&v, num), 1);
	ASN1_INTEGER_free(num);
	return v;
}

/* Signature, issuer, version, AKI = the CA's SKI, and the interval. */
static void
check_crl_frame(X509_CRL *crl, const struct ca *ca, int days)
{
	AUTHORITY_KEYID *aki;
	int crit = -1;

	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca->cert)), 1);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(ca->cert)), 0);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_non_null(aki = X509_CRL_get_ext_d2i(crl,
	    NID_authority_key_identifier, &crit, NULL));
	assert_int_equal(crit, 0);
	assert_non_null(aki->keyid);
	assert_null(aki->issuer);
	assert_null(aki->serial);
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki->keyid,
	    X509_get0_subject_key_id(ca->cert)), 0);
	AUTHORITY_KEYID_free(aki);
	assert_int_equal(timefmt_asn1(X509_CRL_get0_nextUpdate(crl)) -
	    timefmt_asn1(X509_CRL_get0_lastUpdate(crl)), (int64_t)days * DAY);
}

/* The reasonCode of rev, or -1 if it has none; it must not be critical. */
static int
reason_of(X509_REVOKED *rev)
{
	ASN1_ENUMERATED *e;
	int crit = -1;
	long v;

	if ((e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit,
	    NULL)) == NULL) {
		assert_int_equal(crit, -1);
		return -1;
	}
	assert_int_equal(crit, 0);
	v = ASN1_ENUMERATED_get(e);
	ASN1_ENUMERATED_free(e);
	return (int)v;
}

/* The entry of serial hex in crl, or NULL. */
static X509_REVOKED *
entry_of(X509_CRL *crl, const char *hex)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	X509_REVOKED *rev, *found = NULL;
	BIGNUM *want = NULL, *got;
	int i;

	assert_true(BN_hex2bn(&want, hex) > 0);
	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		rev = sk_X509_REVOKED_value(revs, i);
		assert_non_null(got = ASN1_INTEGER_to_BN(
		    X509_REVOKED_get0_serialNumber(rev), NULL));
		if (BN_cmp(got, want) == 0)
			found = rev;
		BN_free(got);
	}
	BN_free(want);
	return found;
}

static void
test_crl__generate_after_revocations(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	X509_CRL *root_crl, *ca_crl;
	X509_REVOKED *rev;
	int64_t num, at = fx->now + 3600;

	ok(store_cert_revoke(e->st, fx->serial[0], REVOKE_KEY_COMPROMISE,
	    fx->now + 10));
	ok(store_cert_revoke(e->st, fx->serial[1], REVOKE_SUPERSEDED,
	    fx->now + 20));
	ok(crl_generate(e->st, e->kek, e->cfg, at));

	ca_crl = latest_crl(fx, "issuing-1", &num);
	assert_int_equal(num, 1);
	assert_int_equal(crl_number(ca_crl), 1);
	check_crl_frame(ca_crl, e->ca, 7);
	assert_int_equal(timefmt_asn1(X509_CRL_get0_lastUpdate(ca_crl)), at);
	assert_int_equal(nrevoked(ca_crl), 2);
	assert_non_null(rev = entry_of(ca_crl, fx->serial[0]));
	assert_int_equal(reason_of(rev), REVOKE_KEY_COMPROMISE);
	assert_int_equal(timefmt_asn1(X509_REVOKED_get0_revocationDate(rev)),
	    fx->now + 10);
	assert_non_null(rev = entry_of(ca_crl, fx->serial[1]));
	assert_int_equal(reason_of(rev), REVOKE_SUPERSEDED);
	assert_int_equal(timefmt_asn1(X509_REVOKED_get0_revocationDate(rev)),
	    fx->now + 20);
	assert_null(entry_of(ca_crl, fx->serial[2]));

	root_crl = latest_crl(fx, "root-1", &num);
	assert_int_equal(num, 1);
	assert_int_equal(crl_number(root_crl), 1);
	check_crl_frame(root_crl, e->root, 360);
	assert_int_equal(nrevoked(root_crl), 0);
	/* The root's CRL is not signed by the issuing CA's key. */
	assert_int_not_equal(X509_CRL_verify(root_crl,
	    X509_get0_pubkey(e->ca->cert)), 1);

	/* OpenSSL's own revocation checking agrees. */
	assert_int_equal(verify_smime_crl(fx->cert[0], e->ca->cert,
	    e->root->cert, root_crl, ca_crl, at + 60), X509_V_ERR_CERT_REVOKED);
	assert_int_equal(verify_smime_crl(fx->cert[1], e->ca->cert,
	    e->root->cert, root_crl, ca_crl, at + 60), X509_V_ERR_CERT_REVOKED);
	assert_int_equal(verify_smime_crl(fx->cert[2], e->ca->cert,
	    e->root->cert, root_crl, ca_crl, at + 60), X509_V_OK);
	X509_CRL_free(root_crl);
	X509_CRL_free(ca_crl);

	/* The next run numbers one higher, per CA. */
	ok(crl_generate(e->st, e->kek, e->cfg, at + DAY));
	ca_crl = latest_crl(fx, "issuing-1", &num);
	assert_int_equal(num, 2);
	assert_int_equal(crl_number(ca_crl), 2);
	assert_int_equal(nrevoked(ca_crl), 2);
	check_crl_frame(ca_crl, e->ca, 7);
	X509_CRL_free(ca_crl);
	root_crl = latest_crl(fx, "root-1", &num);
	assert_int_equal(num, 2);
	assert_int_equal(crl_number(root_crl), 2);
	X509_CRL_free(root_crl);
}

static void
test_crl__intervals_follow_config(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	X509_CRL *crl;
	int64_t num;

	e->cfg->crl_subscriber_days = 10;
	e->cfg->crl_ca_days = 365;
	ok(crl_generate(e->st, e->kek, e->cfg, fx->now + 2 * DAY));
	e->cfg->crl_subscriber_days = 7;
	e->cfg->crl_ca_days = 360;
	crl = latest_crl(fx, "issuing-1", &num);
	check_crl_frame(crl, e->ca, 10);
	X509_CRL_free(crl);
	crl = latest_crl(fx, "root-1", &num);
	check_crl_frame(crl, e->root, 365);
	X509_CRL_free(crl);
}

static void
test_crl__unspecified_reason_never_written(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c[2], *list[2];
	X509_CRL *crl;
	X509_REVOKED *rev;

	memset(c, 0, sizeof(c));
	c[0].serial = fx->serial[0];
	c[0].revoked_at = fx->now;
	c[0].reason = 0;		/* RFC 5280 unspecified */
	c[1].serial = fx->serial[1];
	c[1].revoked_at = fx->now;
	c[1].reason = REVOKE_AFFILIATION_CHANGED;
	list[0] = &c[0];
	list[1] = &c[1];
	ok(crl_build(&crl, fx->e->ca, list, 2, 7, fx->now, fx->now + DAY));
	assert_int_equal(crl_number(crl), 7);
	check_crl_frame(crl, fx->e->ca, 1);
	/* The entry is listed, without a reasonCode (BR 7.2.2). */
	assert_non_null(rev = entry_of(crl, fx->serial[0]));
	assert_int_equal(reason_of(rev), -1);
	assert_int_equal(X509_REVOKED_get_ext_count(rev), 0);
	assert_non_null(rev = entry_of(crl, fx->serial[1]));
	assert_int_equal(reason_of(rev), REVOKE_AFFILIATION_CHANGED);
	X509_CRL_free(crl);
}

static void
test_crl__empty_store(void **state)
{
	struct tenv *e = tenv_new(0);

	(void)state;
	want_msg(crl_generate(e->st, e->kek, e->cfg, 0), ERR_UNINIT,
	    "holds no CA");
	tenv_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crl__generate_after_revocations),
		cmocka_unit_test(test_crl__intervals_follow_config),
		cmocka_unit_test(test_crl__unspecified_reason_never_written),
		cmocka_unit_test(test_crl__empty_store),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
