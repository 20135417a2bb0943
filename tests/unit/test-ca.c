/*
 * test-ca.c: creating and loading the CAs, and signing mailbox
 * certificates under them. One data directory with a P-384 root and
 * issuing CA serves every case; what each case issues is checked with
 * OpenSSL itself (signatures, chain verification, key matching).
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

struct fixture {
	struct tenv	*e;
	int64_t		 now;	/* a minute after the CAs were made */
};

static int
setup(void **state)
{
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(1);
	fx->now = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tenv_free(fx->e);
	free(fx);
	return 0;
}

/* ca_prepare() that must succeed and yield a certificate that verifies. */
static struct ca_issued *
prepare_ok(struct fixture *fx, const struct ca_request *r, int64_t now)
{
	struct tenv *e = fx->e;
	struct ca_issued *iss;

	ok(ca_prepare(&iss, e->ca, e->kek, e->cfg, r, now));
	assert_non_null(iss);
	assert_int_equal(X509_verify(iss->cert, e->ca->key), 1);
	assert_int_equal(verify_smime(iss->cert, e->ca->cert, e->root->cert,
	    now + 1), X509_V_OK);
	ok(profile_check_leaf(iss->cert, e->ca->cert, iss->email,
	    r->profile, r->usage));
	return iss;
}

static void
test_ca__init_twice(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct store_ca **list;
	size_t n;

	want_msg(ca_init(e->st, e->kek, e->cfg), ERR_EXISTS,
	    "holds CAs already");
	ok(store_ca_list(&list, &n, e->st));
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "root-1");
	assert_int_equal(list[0]->role, STORE_CA_ROOT);
	assert_string_equal(list[1]->name, "issuing-1");
	assert_int_equal(list[1]->role, STORE_CA_ISSUING);
	assert_int_equal(list[1]->parent_id, list[0]->id);
	store_ca_list_free(list, n);
}

static void
test_ca__load(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca *ca = (struct ca *)1;

	/* tenv_new() loaded NULL (the issuing CA) and "root-1". */
	assert_string_equal(e->ca->name, "issuing-1");
	assert_int_equal(e->ca->root, 0);
	assert_string_equal(e->root->name, "root-1");
	assert_int_equal(e->root->root, 1);
	assert_int_equal(X509_check_private_key(e->ca->cert, e->ca->key), 1);
	assert_int_equal(X509_check_private_key(e->root->cert, e->root->key),
	    1);
	assert_int_equal(X509_verify(e->root->cert, e->root->key), 1);
	assert_int_equal(X509_verify(e->ca->cert, e->root->key), 1);
	assert_int_equal(e->ca->not_after,
	    timefmt_asn1(X509_get0_notAfter(e->ca->cert)));
	ok(profile_check_ca(e->root->cert, NULL));
	ok(profile_check_ca(e->ca->cert, e->root->cert));
	/* Both keys are P-384, as the test config asked. */
	assert_int_equal(EVP_PKEY_get_bits(e->ca->key), 384);
	want_msg(ca_load(&ca, e->st, e->kek, "issuing-9"), ERR_NOTFOUND,
	    "issuing-9");
	assert_null(ca);
}

static void
test_ca__prepare_with_root_refused(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for(ALICE, KEY_ECP256);
	struct ca_issued *iss = (struct ca_issued *)1;

	want_msg(ca_prepare(&iss, e->root, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "CA \"root-1\" is a root");
	assert_null(iss);
}

static void
test_ca__days_default(void **state)
{
	struct fixture *fx = *state;
	struct ca_request r = req_for(ALICE, KEY_ECP256);
	struct ca_issued *iss;

	assert_int_equal(fx->e->cfg->issue_days, 365);
	iss = prepare_ok(fx, &r, fx->now);
	assert_int_equal(validity_secs(iss->cert), (int64_t)365 * DAY);
	assert_int_equal(timefmt_asn1(X509_get0_notBefore(iss->cert)),
	    fx->now);
	assert_int_equal(iss->shortened, 0);
	ca_issued_free(iss);

	/* The default comes from the config, not from a constant. */
	fx->e->cfg->issue_days = 30;
	iss = prepare_ok(fx, &r, fx->now);
	fx->e->cfg->issue_days = 365;
	assert_int_equal(validity_secs(iss->cert), (int64_t)30 * DAY);
	ca_issued_free(iss);

	r.days = 825;
	iss = prepare_ok(fx, &r, fx->now);
	assert_int_equal(validity_secs(iss->cert), (int64_t)825 * DAY);
	ca_issued_free(iss);
}

static void
test_ca__days_out_of_range(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for(ALICE, KEY_ECP256);
	struct ca_issued *iss;

	r.days = 826;
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "--days 826 is outside 1..825");
	assert_null(iss);
	r.days = -1;
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "outside 1..825");
}

static void
test_ca__shortened_to_ca_end(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for(ALICE, KEY_ECP256);
	struct ca_issued *iss;
	int64_t late = e->ca->not_after - 100 * DAY;

	/* 100 days before the issuing CA ends, a 365-day request. */
	iss = prepare_ok(fx, &r, late);
	assert_int_equal(iss->shortened, 1);
	assert_int_equal(timefmt_asn1(X509_get0_notAfter(iss->cert)),
	    e->ca->not_after);
	assert_int_equal(ASN1_TIME_compare(X509_get0_notAfter(iss->cert),
	    X509_get0_notAfter(e->ca->cert)), 0);
	ca_issued_free(iss);

	/* Exactly fitting is not shortened. */
	r.days = 100;
	iss = prepare_ok(fx, &r, late + 1);
	assert_int_equal(iss->shortened, 0);
	ca_issued_free(iss);

	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r,
	    e->ca->not_after), ERR_INVALID, "has expired");
	assert_null(iss);
}

static void
test_ca__bad_email(void **state)
{
	static const struct {
		const char	*addr;
		const char	*why;
	} bad[] = {
		{ "alice", "has no domain" },
		{ "alice@", "has an empty domain" },
		{ "@example.com", "has an empty local part" },
		{ "alice@localhost", "must have at least two labels" },
		{ "\"al ice\"@example.com", "quoted local parts" },
		{ "", "e-mail address is empty" },
	};
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r;
	struct ca_issued *iss;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = req_for(bad[i].addr, KEY_ECP256);
		want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
		    ERR_INVALID, bad[i].why);
		assert_null(iss);
	}
}

static void
test_ca__names(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for(ALICE, KEY_ECP256);
	struct ca_issued *iss;
	char longname[300];

	r.given_name = "";
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "given name is missing");
	r.given_name = "Alice";
	r.surname = NULL;
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "surname is missing");
	r.surname = "M\xc3\x28ller";
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "is not valid UTF-8");
	assert_non_null(strstr(err_msg(), "surname"));
	r.surname = "Mu\xffller";
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "surname");
	r.surname = "Tab\tbed";
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "control character");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	r.surname = longname;
	want_msg(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID, "longer than 256 bytes");
	assert_null(iss);

	/* Valid UTF-8 is fine, and the names stay out of the subject. */
	r.surname = "M\xc3\xbcller";
	iss = prepare_ok(fx, &r, fx->now);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(
	    iss->cert)), 1);
	ca_issued_free(iss);
}

/* A signed PKCS#10 request for email with key pk. */
static X509_REQ *
make_csr(EVP_PKEY *pk, const char *email)
{
	X509_REQ *req;

	assert_non_null(req = X509_REQ_new());
	assert_int_equal(X509_REQ_set_version(req, X509_REQ_VERSION_1), 1);
	assert_int_equal(X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(
	    req), NID_commonName, MBSTRING_UTF8, (const unsigned char *)email,
	    -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pk), 1);
	assert_true(X509_REQ_sign(req, pk, EVP_sha256()) > 0);
	return req;
}

static void
test_ca__from_csr(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for(ALICE, KEY_RSA2048);
	struct ca_issued *iss;
	EVP_PKEY *pk;

	ok(keys_generate(&pk, KEY_ECP256));
	r.csr = make_csr(pk, ALICE);
	iss = prepare_ok(fx, &r, fx->now);
	assert_null(iss->key);
	assert_null(iss->sealed);
	assert_int_equal(iss->sealed_len, 0);
	assert_string_equal(iss->key_id, "");
	/* The request's key, not one of the requested type. */
	assert_int_equal(iss->key_type, KEY_ECP256);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(iss->cert), pk), 1);
	assert_int_equal(X509_check_private_key(iss->cert, pk), 1);
	ca_issued_free(iss);
	X509_REQ_free(r.csr);

	/* A request for another address is refused. */
	r.csr = make_csr(pk, "bob@example.com");
	want(ca_prepare(&iss, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID);
	assert_null(iss);
	X509_REQ_free(r.csr);
	EVP_PKEY_free(pk);
}

static void
test_ca__issue_stores_cert_and_key(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for("Carol@EXAMPLE.com", KEY_RSA2048);
	struct ca_issued *iss;
	struct store_cert *c;
	struct store_key *k;
	EVP_PKEY *key;
	X509 *x;
	unsigned char *der = NULL;
	int len;

	r.profile = PROFILE_MULTIPURPOSE;
	ok(ca_issue(&iss, e->st, e->ca, e->kek, e->cfg, &r, fx->now));
	assert_string_equal(iss->email, "Carol@example.com");
	assert_int_equal(X509_check_email(iss->cert, "Carol@example.com", 0, 0),
	    1);
	assert_int_equal(iss->key_type, KEY_RSA2048);
	assert_int_equal(EVP_PKEY_get_bits(iss->key), 2048);

	ok(store_cert_get(&c, e->st, iss->serial));
	assert_string_equal(c->email, "Carol@example.com");
	assert_string_equal(c->given_name, "Alice");
	assert_string_equal(c->surname, "Example");
	assert_string_equal(c->profile, "multipurpose");
	assert_string_equal(c->key_alg, "rsa-2048");
	assert_int_equal(c->ca_id, e->ca->id);
	assert_int_equal(c->state, CERT_STATE_VALID);
	assert_non_null(c->key_id);
	assert_string_equal(c->key_id, iss->key_id);
	assert_int_equal(c->not_after,
	    timefmt_asn1(X509_get0_notAfter(iss->cert)));
	assert_true((len = i2d_X509(iss->cert, &der)) > 0);
	assert_int_equal(c->der_len, (size_t)len);
	assert_memory_equal(c->der, der, (size_t)len);
	OPENSSL_free(der);
	x = x509_from_der(c->der, c->der_len);

	/* The escrowed key opens under the KEK and belongs to the cert. */
	ok(store_key_get(&k, e->st, c->key_id));
	assert_string_equal(k->alg, "rsa-2048");
	ok(keys_unseal(&key, e->kek, k->id, k->sealed, k->sealed_len));
	assert_int_equal(X509_check_private_key(x, key), 1);
	EVP_PKEY_free(key);
	want(keys_unseal(&key, e->kek, "00000000000000000000000000000000",
	    k->sealed, k->sealed_len), ERR_CRYPTO);
	assert_null(key);
	store_key_free(k);
	store_cert_free(c);
	X509_free(x);
	ca_issued_free(iss);
}

static void
test_ca__issue_bad_request_stores_nothing(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for("nobody@", KEY_ECP256);
	struct store_cert_filter f;
	struct store_cert **list;
	struct ca_issued *iss;
	size_t before, after;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.expired = -1;
	ok(store_cert_list(&list, &before, e->st, &f));
	store_cert_list_free(list, before);
	want(ca_issue(&iss, e->st, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID);
	assert_null(iss);
	ok(store_cert_list(&list, &after, e->st, &f));
	store_cert_list_free(list, after);
	assert_int_equal(after, before);
}

/* The number of certificates in the store. */
static size_t
cert_count(struct store *st)
{
	struct store_cert_filter f;
	struct store_cert **list;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.expired = -1;
	ok(store_cert_list(&list, &n, st, &f));
	store_cert_list_free(list, n);
	return n;
}

/* A stored certificate of a pair: its usage, and a key that opens. */
static void
pair_stored(struct tenv *e, const struct ca_issued *iss, const char *usage)
{
	struct store_cert *c;
	struct store_key *k;
	EVP_PKEY *key;

	ok(store_cert_get(&c, e->st, iss->serial));
	assert_string_equal(c->usage, usage);
	assert_non_null(c->key_id);
	assert_string_equal(c->key_id, iss->key_id);
	assert_int_equal(c->key_released_at, 0);
	ok(store_key_get(&k, e->st, c->key_id));
	ok(keys_unseal(&key, e->kek, k->id, k->sealed, k->sealed_len));
	assert_int_equal(EVP_PKEY_eq(key, iss->key), 1);
	EVP_PKEY_free(key);
	store_key_free(k);
	store_cert_free(c);
}

/*
 * Dual-key mode: two certificates with separate keys, keyUsage exactly
 * digitalSignature / keyEncipherment (RSA) or keyAgreement (EC), both
 * linted and stored with their usage.
 */
static void
test_ca__issue_pair(void **state)
{
	static const struct {
		enum key_type	 kt;
		uint32_t	 enc_ku;
	} cases[] = {
		{ KEY_RSA2048, KU_KEY_ENCIPHERMENT },
		{ KEY_ECP256, KU_KEY_AGREEMENT },
	};
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r;
	struct ca_issued *s, *c;
	size_t i, before;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = req_for("dora@example.com", cases[i].kt);
		r.usage = USAGE_BOTH;	/* ignored by the pair */
		before = cert_count(e->st);
		ok(ca_issue_pair(&s, &c, e->st, e->ca, e->kek, e->cfg, &r,
		    fx->now));
		assert_int_equal(cert_count(e->st), before + 2);
		assert_string_not_equal(s->serial, c->serial);
		assert_int_equal(EVP_PKEY_eq(s->key, c->key), 0);
		assert_int_equal(X509_get_key_usage(s->cert),
		    KU_DIGITAL_SIGNATURE);
		assert_int_equal(X509_get_key_usage(c->cert), cases[i].enc_ku);
		assert_int_equal(X509_verify(s->cert, e->ca->key), 1);
		assert_int_equal(X509_verify(c->cert, e->ca->key), 1);
		assert_int_equal(X509_check_private_key(s->cert, s->key), 1);
		assert_int_equal(X509_check_private_key(c->cert, c->key), 1);
		ok(profile_check_leaf(s->cert, e->ca->cert, s->email,
		    PROFILE_STRICT, USAGE_SIGN));
		ok(profile_check_leaf(c->cert, e->ca->cert, c->email,
		    PROFILE_STRICT, USAGE_ENCRYPT));
		/* Each lint refuses the other half's keyUsage. */
		want(profile_check_leaf(s->cert, e->ca->cert, s->email,
		    PROFILE_STRICT, USAGE_ENCRYPT), ERR_PROFILE);
		assert_int_equal(verify_smime(s->cert, e->ca->cert,
		    e->root->cert, fx->now + 1), X509_V_OK);
		pair_stored(e, s, "sign");
		pair_stored(e, c, "encrypt");
		ca_issued_free(s);
		ca_issued_free(c);
	}
}

/* The signing key leaves the store when it is handed out. */
static void
test_ca__issue_pair_release(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for("dora@example.com", KEY_ECP256);
	struct ca_issued *s, *c;
	struct store_cert *sc;
	struct store_key *k;

	ok(ca_issue_pair(&s, &c, e->st, e->ca, e->kek, e->cfg, &r, fx->now));
	ok(store_begin(e->st));
	ok(store_cert_release_key(e->st, s->serial, s->key_id, fx->now + 5));
	ok(store_commit(e->st));
	ok(store_cert_get(&sc, e->st, s->serial));
	assert_null(sc->key_id);
	assert_int_equal(sc->key_released_at, fx->now + 5);
	store_cert_free(sc);
	want(store_key_get(&k, e->st, s->key_id), ERR_NOTFOUND);
	/* The encryption key stays escrowed. */
	pair_stored(e, c, "encrypt");
	ca_issued_free(s);
	ca_issued_free(c);
}

static void
test_ca__issue_pair_refused(void **state)
{
	struct fixture *fx = *state;
	struct tenv *e = fx->e;
	struct ca_request r = req_for("dora@example.com", KEY_ECP256);
	struct ca_issued *s = (struct ca_issued *)1, *c = (struct ca_issued *)1;
	EVP_PKEY *pk;
	size_t before = cert_count(e->st);

	ok(keys_generate(&pk, KEY_ECP256));
	r.csr = make_csr(pk, "dora@example.com");
	want_msg(ca_issue_pair(&s, &c, e->st, e->ca, e->kek, e->cfg, &r,
	    fx->now), ERR_INVALID, "a CSR brings only one");
	assert_null(s);
	assert_null(c);
	X509_REQ_free(r.csr);
	EVP_PKEY_free(pk);

	/* A bad request stores neither half. */
	r = req_for("dora@", KEY_ECP256);
	want(ca_issue_pair(&s, &c, e->st, e->ca, e->kek, e->cfg, &r, fx->now),
	    ERR_INVALID);
	assert_null(s);
	assert_null(c);
	assert_int_equal(cert_count(e->st), before);
}

static void
test_ca__serial_new(void **state)
{
	BIGNUM *bn[100];
	ASN1_INTEGER *a;
	int i, j, short_ones = 0;

	(void)state;
	for (i = 0; i < 100; i++) {
		ok(ca_serial_new(&a));
		assert_int_equal(ASN1_STRING_type(a), V_ASN1_INTEGER);
		assert_non_null(bn[i] = ASN1_INTEGER_to_BN(a, NULL));
		ASN1_INTEGER_free(a);
		assert_false(BN_is_negative(bn[i]));
		assert_false(BN_is_zero(bn[i]));
		assert_true(BN_num_bits(bn[i]) <= 159);
		assert_true(BN_num_bits(bn[i]) >= 64);
		/* Random 159-bit values are almost never much shorter. */
		if (BN_num_bits(bn[i]) < 150)
			short_ones++;
		for (j = 0; j < i; j++)
			assert_int_not_equal(BN_cmp(bn[i], bn[j]), 0);
	}
	assert_true(short_ones < 5);
	for (i = 0; i < 100; i++)
		BN_free(bn[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca__init_twice),
		cmocka_unit_test(test_ca__load),
		cmocka_unit_test(test_ca__prepare_with_root_refused),
		cmocka_unit_test(test_ca__days_default),
		cmocka_unit_test(test_ca__days_out_of_range),
		cmocka_unit_test(test_ca__shortened_to_ca_end),
		cmocka_unit_test(test_ca__bad_email),
		cmocka_unit_test(test_ca__names),
		cmocka_unit_test(test_ca__from_csr),
		cmocka_unit_test(test_ca__issue_stores_cert_and_key),
		cmocka_unit_test(test_ca__issue_bad_request_stores_nothing),
		cmocka_unit_test(test_ca__issue_pair),
		cmocka_unit_test(test_ca__issue_pair_release),
		cmocka_unit_test(test_ca__issue_pair_refused),
		cmocka_unit_test(test_ca__serial_new),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
