/*
 * test-trustaudit.c: trust-bundle findings on purpose-made certificates,
 * built here with OpenSSL: expired, not yet valid and expiring CAs, a leaf
 * in the bundle, a duplicate, an intermediate without its root, a root
 * nothing chains to, an intermediate whose "issuer" has the right name
 * but another key, RSA-1024, SHA-1 signatures, and the issued-by-us mode.
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
#include "trustaudit.h"
#include "util/timefmt.h"

#define DAY	86400
#define NOW	1800000000	/* 2027-01-15, the audit's "at" */

/* What one purpose-made certificate is made of. */
struct mk {
	const char	*cn;		/* subject; issuer if self-signed */
	EVP_PKEY	*key;		/* subject key */
	X509		*issuer;	/* NULL: self-signed with key */
	EVP_PKEY	*issuer_key;	/* signs, unless self-signed */
	int		 ca;		/* basicConstraints cA=TRUE */
	int64_t		 nb, na;	/* validity; 0: NOW -/+ a year */
	const EVP_MD	*md;		/* NULL: SHA-256 */
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
	static long serial = 1;
	X509 *x;
	X509 *iss;
	EVP_PKEY *ik;
	X509_NAME *nm;

	assert_non_null(x = X509_new());
	iss = m->issuer != NULL ? m->issuer : x;
	ik = m->issuer != NULL ? m->issuer_key : m->key;
	nm = X509_get_subject_name(x);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
	assert_true(X509_NAME_add_entry_by_NID(nm, NID_commonName,
	    MBSTRING_UTF8, (const unsigned char *)m->cn, -1, -1, 0));
	assert_true(X509_set_issuer_name(x, X509_get_subject_name(iss)));
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x),
	    (time_t)(m->nb ? m->nb : NOW - 365 * DAY)));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x),
	    (time_t)(m->na ? m->na : NOW + 365 * DAY)));
	assert_true(X509_set_pubkey(x, m->key));
	assert_true(add_ext(x, iss, NID_basic_constraints, m->ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE"));
	assert_true(add_ext(x, iss, NID_key_usage, m->ca ?
	    "critical,keyCertSign,cRLSign" : "critical,digitalSignature"));
	assert_true(add_ext(x, iss, NID_subject_key_identifier, "hash"));
	if (m->issuer != NULL)
		assert_true(add_ext(x, iss, NID_authority_key_identifier,
		    "keyid:always"));
	assert_true(X509_sign(x, ik, m->md ? m->md : EVP_sha256()) > 0);
	return x;
}

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k;

	assert_non_null(k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	return k;
}

struct fixture {
	EVP_PKEY	*rkey, *ikey, *okey;	/* root, issuing, other */
	X509		*root;		/* "Root" */
	X509		*ica;		/* "Issuing", under root */
	X509		*other;		/* "Other Root", unrelated */
	STACK_OF(X509)	*b;		/* the bundle under test */
	struct trustaudit_report *r;
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
	memset(&m, 0, sizeof(m));
	m.cn = "Root";
	m.key = f->rkey;
	m.ca = 1;
	f->root = mk(&m);
	m.cn = "Issuing";
	m.key = f->ikey;
	m.issuer = f->root;
	m.issuer_key = f->rkey;
	f->ica = mk(&m);
	memset(&m, 0, sizeof(m));
	m.cn = "Other Root";
	m.key = f->okey;
	m.ca = 1;
	f->other = mk(&m);
	if ((f->b = sk_X509_new_null()) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	trustaudit_report_free(f->r);
	sk_X509_pop_free(f->b, X509_free);
	X509_free(f->root);
	X509_free(f->ica);
	X509_free(f->other);
	EVP_PKEY_free(f->rkey);
	EVP_PKEY_free(f->ikey);
	EVP_PKEY_free(f->okey);
	free(f);
	return 0;
}

/* Append x to the bundle (a reference of its own). */
static void
put(struct fixture *f, X509 *x)
{
	assert_true(X509_up_ref(x));
	assert_true(sk_X509_push(f->b, x) > 0);
}

/* Audit the bundle at NOW, warn_days 60, with ours (or NULL). */
static void
audit(struct fixture *f, STACK_OF(X509) *ours)
{
	struct trustaudit_opts o;

	memset(&o, 0, sizeof(o));
	o.at = NOW;
	o.warn_days = TRUSTAUDIT_WARN_DAYS;
	o.ours = ours;
	trustaudit_report_free(f->r);
	f->r = NULL;
	if (trustaudit_run(&f->r, f->b, &o) != 0)
		fail_msg("trustaudit_run: %s", err_msg());
}

/* The one finding with code about index; fails if not exactly one. */
static const struct trustaudit_finding *
finding(struct fixture *f, const char *code, int index)
{
	const struct trustaudit_finding *hit = NULL;
	size_t i;
	int n = 0;

	for (i = 0; i < f->r->n; i++)
		if (strcmp(f->r->v[i].code, code) == 0 &&
		    f->r->v[i].index == index) {
			hit = &f->r->v[i];
			n++;
		}
	if (n != 1)
		fail_msg("%d findings \"%s\" at %d, want 1 (of %zu)", n, code,
		    index, f->r->n);
	return hit;
}

/* Fail unless the report holds exactly n findings. */
static void
count(struct fixture *f, size_t n)
{
	size_t i;

	if (f->r->n == n)
		return;
	for (i = 0; i < f->r->n; i++)
		print_message("finding %s %s %d %s: %s\n",
		    trustaudit_severity_name(f->r->v[i].severity),
		    f->r->v[i].code, f->r->v[i].index, f->r->v[i].subject,
		    f->r->v[i].detail);
	fail_msg("%zu findings, want %zu", f->r->n, n);
}

static void
test_trustaudit__clean_bundle(void **state)
{
	struct fixture *f = *state;

	put(f, f->ica);
	put(f, f->root);
	audit(f, NULL);
	count(f, 0);
	assert_int_equal(f->r->count[TRUSTAUDIT_ERROR], 0);
}

static void
test_trustaudit__expired_and_not_yet_valid(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	struct mk m;
	X509 *old, *future;

	memset(&m, 0, sizeof(m));
	m.cn = "Old Issuing";
	m.key = f->ikey;
	m.issuer = f->root;
	m.issuer_key = f->rkey;
	m.ca = 1;
	m.nb = NOW - 400 * DAY;
	m.na = NOW - DAY;
	old = mk(&m);
	m.cn = "Future Issuing";
	m.nb = NOW + DAY;
	m.na = NOW + 400 * DAY;
	future = mk(&m);
	put(f, old);
	put(f, future);
	put(f, f->root);
	audit(f, NULL);
	count(f, 2);
	x = finding(f, "expired", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_string_equal(x->subject, "CN=Old Issuing");
	assert_non_null(strstr(x->detail, "2027-01-14"));
	x = finding(f, "not-yet-valid", 1);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_int_equal(f->r->count[TRUSTAUDIT_ERROR], 2);
	X509_free(old);
	X509_free(future);
}

static void
test_trustaudit__expiring_within_warn_days(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	struct trustaudit_opts o;
	struct mk m;
	X509 *soon;

	memset(&m, 0, sizeof(m));
	m.cn = "Soon";
	m.key = f->ikey;
	m.issuer = f->root;
	m.issuer_key = f->rkey;
	m.ca = 1;
	m.na = NOW + 30 * DAY;
	soon = mk(&m);
	put(f, soon);
	put(f, f->root);
	audit(f, NULL);
	count(f, 1);
	x = finding(f, "expiring", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_WARNING);
	assert_non_null(strstr(x->detail, "in 30 days"));
	assert_int_equal(f->r->count[TRUSTAUDIT_ERROR], 0);

	/* Not within a 10-day horizon. */
	memset(&o, 0, sizeof(o));
	o.at = NOW;
	o.warn_days = 10;
	trustaudit_report_free(f->r);
	f->r = NULL;
	assert_int_equal(trustaudit_run(&f->r, f->b, &o), 0);
	count(f, 0);
	X509_free(soon);
}

static void
test_trustaudit__leaf_in_bundle(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	struct mk m;
	X509 *leaf;

	memset(&m, 0, sizeof(m));
	m.cn = "alice@example.org";
	m.key = f->okey;
	m.issuer = f->ica;
	m.issuer_key = f->ikey;
	leaf = mk(&m);
	put(f, leaf);
	put(f, f->ica);
	put(f, f->root);
	audit(f, NULL);
	/* Only not-a-ca: its issuer is there, and is a leaf's to need. */
	count(f, 1);
	x = finding(f, "not-a-ca", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_non_null(strstr(x->detail, "cA is FALSE"));
	X509_free(leaf);
}

static void
test_trustaudit__duplicate(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;

	put(f, f->ica);
	put(f, f->root);
	put(f, f->ica);
	audit(f, NULL);
	count(f, 1);
	x = finding(f, "duplicate", 2);
	assert_int_equal(x->severity, TRUSTAUDIT_WARNING);
	assert_non_null(strstr(x->detail, "certificate 1"));
}

static void
test_trustaudit__intermediate_without_root(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;

	put(f, f->ica);
	audit(f, NULL);
	count(f, 1);
	x = finding(f, "missing-issuer", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_non_null(strstr(x->detail, "\"CN=Root\""));
}

static void
test_trustaudit__issuer_name_with_another_key(void **state)
{
	struct fixture *f = *state;
	struct mk m;
	X509 *impostor;

	/* "Root" by name, but another key: it did not sign the ICA. */
	memset(&m, 0, sizeof(m));
	m.cn = "Root";
	m.key = f->okey;
	m.ca = 1;
	impostor = mk(&m);
	put(f, f->ica);
	put(f, impostor);
	audit(f, NULL);
	count(f, 2);
	finding(f, "missing-issuer", 0);
	finding(f, "unused-root", 1);
	X509_free(impostor);
}

static void
test_trustaudit__unrelated_root(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;

	put(f, f->ica);
	put(f, f->root);
	put(f, f->other);
	audit(f, NULL);
	count(f, 1);
	x = finding(f, "unused-root", 2);
	assert_int_equal(x->severity, TRUSTAUDIT_WARNING);
	assert_string_equal(x->subject, "CN=Other Root");
	assert_int_equal(f->r->count[TRUSTAUDIT_ERROR], 0);
}

static void
test_trustaudit__rsa_1024(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	EVP_PKEY *weak;
	struct mk m;
	X509 *root;

	assert_non_null(weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)1024));
	memset(&m, 0, sizeof(m));
	m.cn = "Weak Root";
	m.key = weak;
	m.ca = 1;
	root = mk(&m);
	put(f, root);
	audit(f, NULL);
	x = finding(f, "weak-key", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_non_null(strstr(x->detail, "1024"));
	X509_free(root);
	EVP_PKEY_free(weak);
}

static void
test_trustaudit__sha1_signatures(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	struct mk m;
	X509 *root, *ica;

	memset(&m, 0, sizeof(m));
	m.cn = "SHA-1 Root";
	m.key = f->okey;
	m.ca = 1;
	m.md = EVP_sha1();
	root = mk(&m);
	m.cn = "SHA-1 Issuing";
	m.key = f->ikey;
	m.issuer = root;
	m.issuer_key = f->okey;
	ica = mk(&m);
	put(f, ica);
	put(f, root);
	audit(f, NULL);
	count(f, 2);
	x = finding(f, "sha1-signature", 0);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	/* A root's own signature is nobody's concern. */
	x = finding(f, "sha1-signature", 1);
	assert_int_equal(x->severity, TRUSTAUDIT_INFO);
	assert_int_equal(f->r->count[TRUSTAUDIT_ERROR], 1);
	X509_free(root);
	X509_free(ica);
}

static void
test_trustaudit__issued_by_us(void **state)
{
	struct fixture *f = *state;
	const struct trustaudit_finding *x;
	STACK_OF(X509) *ours;

	assert_non_null(ours = sk_X509_new_null());
	assert_true(sk_X509_push(ours, f->ica) > 0);
	assert_true(sk_X509_push(ours, f->root) > 0);
	put(f, f->ica);
	put(f, f->root);
	put(f, f->other);
	audit(f, ours);
	count(f, 1);
	x = finding(f, "unnecessary-root", 2);
	assert_int_equal(x->severity, TRUSTAUDIT_WARNING);

	/* Without our issuing CA, our root is unused and the ICA missing. */
	X509_free(sk_X509_shift(f->b));
	audit(f, ours);
	count(f, 3);
	finding(f, "unused-root", 0);
	finding(f, "unnecessary-root", 1);
	x = finding(f, "missing-ours", -1);
	assert_int_equal(x->severity, TRUSTAUDIT_ERROR);
	assert_string_equal(x->subject, "CN=Issuing");
	sk_X509_free(ours);
}

static void
test_trustaudit__severity_names(void **state)
{
	(void)state;
	assert_string_equal(trustaudit_severity_name(TRUSTAUDIT_ERROR),
	    "error");
	assert_string_equal(trustaudit_severity_name(TRUSTAUDIT_WARNING),
	    "warning");
	assert_string_equal(trustaudit_severity_name(TRUSTAUDIT_INFO), "info");
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_trustaudit__clean_bundle),
		T(test_trustaudit__expired_and_not_yet_valid),
		T(test_trustaudit__expiring_within_warn_days),
		T(test_trustaudit__leaf_in_bundle),
		T(test_trustaudit__duplicate),
		T(test_trustaudit__intermediate_without_root),
		T(test_trustaudit__issuer_name_with_another_key),
		T(test_trustaudit__unrelated_root),
		T(test_trustaudit__rsa_1024),
		T(test_trustaudit__sha1_signatures),
		T(test_trustaudit__issued_by_us),
		cmocka_unit_test(test_trustaudit__severity_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
