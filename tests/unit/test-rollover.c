/*
 * test-rollover.c: replacing the issuing CA. Lifetime arithmetic; begin
 * (same root and new root) and its refusals; status counts; reissue in
 * batches with new keys that keep everything else, and its re-runs,
 * including one after a crash between storing a new certificate and
 * marking the old one; finish, its refusals, the final CRL checked with
 * OpenSSL, and that a retired CA is never current and never signs again.
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

#include "crl.h"
#include "export.h"
#include "helpers.h"
#include "rollover.h"

struct fixture {
	struct tenv	*e;
	int64_t		 now;		/* a minute after the CAs were made */
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

/* Issue a certificate for email with key type kt and usage u; its serial. */
static char *
issue(struct fixture *fx, const char *email, enum key_type kt,
    enum cert_usage u)
{
	struct ca_request r = req_for(email, kt);
	struct ca_issued *iss;
	struct ca *ca;
	char *serial;

	r.usage = u;
	ok(ca_load(&ca, fx->e->st, fx->e->kek, NULL));
	ok(ca_issue(&iss, fx->e->st, ca, fx->e->kek, fx->e->cfg, &r,
	    fx->now));
	serial = iss->serial;
	iss->serial = NULL;
	ca_issued_free(iss);
	ca_free(ca);
	return serial;
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

/* Issue a certificate for a CSR of a fresh key; its serial. */
static char *
issue_csr(struct fixture *fx, const char *email)
{
	struct ca_request r = req_for(email, KEY_ECP256);
	struct ca_issued *iss;
	struct ca *ca;
	EVP_PKEY *pk;
	char *serial;

	ok(keys_generate(&pk, KEY_ECP256));
	r.csr = make_csr(pk, email);
	ok(ca_load(&ca, fx->e->st, fx->e->kek, NULL));
	ok(ca_issue(&iss, fx->e->st, ca, fx->e->kek, fx->e->cfg, &r,
	    fx->now));
	serial = iss->serial;
	iss->serial = NULL;
	ca_issued_free(iss);
	ca_free(ca);
	X509_REQ_free(r.csr);
	EVP_PKEY_free(pk);
	return serial;
}

static struct store_cert *
cert_get(struct fixture *fx, const char *serial)
{
	struct store_cert *c;

	ok(store_cert_get(&c, fx->e->st, serial));
	return c;
}

static struct store_ca *
ca_get(struct fixture *fx, const char *name)
{
	struct store_ca *c;

	ok(store_ca_get(&c, fx->e->st, name));
	return c;
}

static void
begin(struct fixture *fx, int new_root)
{
	struct rollover_begun b;

	ok(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, new_root,
	    fx->now));
}

/* The number of certificates a CA signed, any state. */
static size_t
count_of(struct fixture *fx, const char *ca_name)
{
	struct store_cert_filter f;
	struct store_cert **v;
	struct store_ca *ca = ca_get(fx, ca_name);
	size_t n;

	memset(&f, 0, sizeof(f));
	f.ca_id = ca->id;
	f.state = -1;
	f.expired = -1;
	ok(store_cert_list(&v, &n, fx->e->st, &f));
	store_cert_list_free(v, n);
	store_ca_free(ca);
	return n;
}

static int64_t
last_crl(struct fixture *fx, const char *name)
{
	struct store_ca *ca = ca_get(fx, name);
	int64_t n;

	ok(store_crl_last_number(&n, fx->e->st, ca->id));
	store_ca_free(ca);
	return n;
}

static X509 *
cert_x509(const struct store_cert *c)
{
	return x509_from_der(c->der, c->der_len);
}

static X509 *
ca_x509(struct fixture *fx, const char *name)
{
	struct store_ca *ca = ca_get(fx, name);
	X509 *x = x509_from_der(ca->der, ca->der_len);

	store_ca_free(ca);
	return x;
}

static void
test_rollover__health(void **state)
{
	struct store_ca ca;
	int64_t end = 2000000000;

	(void)state;
	memset(&ca, 0, sizeof(ca));
	ca.state = STORE_CA_ACTIVE;
	ca.not_after = end;
	/* A 365-day leaf signed at full_until ends exactly at notAfter. */
	assert_int_equal(rollover_full_until(&ca, 365), end - 365 * DAY + 1);
	assert_int_equal(rollover_full_until(&ca, 365) + 365 * DAY - 1, end);
	assert_int_equal(rollover_health(&ca, 365, end - 365 * DAY - 91 * DAY),
	    ROLLOVER_OK);
	assert_int_equal(rollover_health(&ca, 365, end - 365 * DAY - 89 * DAY),
	    ROLLOVER_SOON);
	assert_int_equal(rollover_health(&ca, 365, end - 365 * DAY + 1),
	    ROLLOVER_SOON);
	assert_int_equal(rollover_health(&ca, 365, end - 365 * DAY + 2),
	    ROLLOVER_SHORT);
	assert_int_equal(rollover_health(&ca, 365, end), ROLLOVER_SHORT);
	assert_int_equal(rollover_health(&ca, 365, end + 1), ROLLOVER_EXPIRED);
	ca.state = STORE_CA_RETIRED;
	assert_int_equal(rollover_health(&ca, 365, end - 1000 * DAY),
	    ROLLOVER_RETIRED);
	assert_string_equal(rollover_health_name(ROLLOVER_SOON),
	    "rollover-soon");
	assert_string_equal(rollover_health_name(ROLLOVER__MAX), "unknown");
}

static void
test_rollover__begin(void **state)
{
	struct fixture *fx = *state;
	struct rollover_begun b;
	struct store_ca *rec;
	struct ca *cur;
	X509 *x, *root;
	X509_NAME_ENTRY *ne;
	STACK_OF(X509) *chain;
	char cn[128];
	int i;

	ok(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 0, fx->now));
	assert_string_equal(b.issuing, "issuing-2");
	assert_string_equal(b.root, "root-1");
	assert_string_equal(b.old, "issuing-1");
	assert_int_equal(b.new_root, 0);

	/* The new CA is current; the old one is still active. */
	ok(ca_load(&cur, fx->e->st, fx->e->kek, NULL));
	assert_string_equal(cur->name, "issuing-2");
	rec = ca_get(fx, "issuing-1");
	assert_int_equal(rec->state, STORE_CA_ACTIVE);
	store_ca_free(rec);
	rec = ca_get(fx, "issuing-2");
	assert_int_equal(rec->role, STORE_CA_ISSUING);
	assert_int_equal(rec->parent_id, fx->e->root->id);
	store_ca_free(rec);

	/* CN "<org> S/MIME CA 2", and it chains to root-1. */
	snprintf(cn, sizeof(cn), "%s S/MIME CA 2", fx->e->cfg->org);
	i = X509_NAME_get_index_by_NID(X509_get_subject_name(cur->cert),
	    NID_commonName, -1);
	assert_true(i >= 0);
	ne = X509_NAME_get_entry(X509_get_subject_name(cur->cert), i);
	assert_int_equal(ASN1_STRING_length(X509_NAME_ENTRY_get_data(ne)),
	    (int)strlen(cn));
	assert_memory_equal(ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(ne)),
	    cn, strlen(cn));
	assert_int_equal(X509_check_issued(fx->e->root->cert, cur->cert),
	    X509_V_OK);

	/* A leaf from it verifies through it to root-1. */
	{
		char *s = issue(fx, "new@example.com", KEY_ECP256, USAGE_BOTH);
		struct store_cert *c = cert_get(fx, s);

		assert_string_equal(c->ca_name, "issuing-2");
		x = cert_x509(c);
		assert_int_equal(verify_smime(x, cur->cert, fx->e->root->cert,
		    fx->now + 60), X509_V_OK);
		X509_free(x);
		store_cert_free(c);
		free(s);
	}

	/* Chain exports hold both issuing CAs and the root. */
	ok(export_chain_certs(&chain, fx->e->st, fx->now));
	assert_int_equal(sk_X509_num(chain), 3);
	root = sk_X509_value(chain, 2);
	assert_int_equal(X509_cmp(root, fx->e->root->cert), 0);
	sk_X509_pop_free(chain, X509_free);

	/* crl_generate() signs for all three. */
	ok(crl_generate(fx->e->st, fx->e->kek, fx->e->cfg, fx->now));
	assert_int_equal(last_crl(fx, "issuing-1"), 1);
	assert_int_equal(last_crl(fx, "issuing-2"), 1);
	assert_int_equal(last_crl(fx, "root-1"), 1);

	/* A second begin is refused and changes nothing. */
	want_msg(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now), ERR_EXISTS, "rollover is in progress");
	assert_string_equal(b.issuing, "");
	want_msg(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 1,
	    fx->now), ERR_EXISTS, "\"issuing-1\"");
	want(store_ca_get(&rec, fx->e->st, "issuing-3"), ERR_NOTFOUND);
	want(store_ca_get(&rec, fx->e->st, "root-2"), ERR_NOTFOUND);
	ca_free(cur);
}

static void
test_rollover__begin_new_root(void **state)
{
	struct fixture *fx = *state;
	struct rollover_begun b;
	struct ca *cur, *root2;
	struct rollover_status *s;
	STACK_OF(X509) *chain;

	ok(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 1, fx->now));
	assert_string_equal(b.issuing, "issuing-2");
	assert_string_equal(b.root, "root-2");
	assert_int_equal(b.new_root, 1);
	ok(ca_load(&cur, fx->e->st, fx->e->kek, NULL));
	ok(ca_load(&root2, fx->e->st, fx->e->kek, "root-2"));
	assert_true(root2->root);
	assert_int_equal(X509_check_issued(root2->cert, cur->cert), X509_V_OK);
	assert_int_not_equal(X509_check_issued(fx->e->root->cert, cur->cert),
	    X509_V_OK);

	/* During the overlap the export holds both roots. */
	ok(export_chain_certs(&chain, fx->e->st, fx->now));
	assert_int_equal(sk_X509_num(chain), 4);
	sk_X509_pop_free(chain, X509_free);

	/* Status lists the old root with the one CA still under it. */
	ok(rollover_status(&s, fx->e->st, fx->now));
	assert_string_equal(s->current, "issuing-2");
	assert_int_equal(s->nold, 2);
	assert_string_equal(s->old[0].name, "issuing-1");
	assert_string_equal(s->old[1].name, "root-1");
	assert_int_equal(s->old[1].role, STORE_CA_ROOT);
	assert_int_equal(s->old[1].cas, 1);
	rollover_status_free(s);
	ca_free(root2);
	ca_free(cur);
}

static void
test_rollover__begin_refuses_short_root(void **state)
{
	struct fixture *fx = *state;
	struct rollover_begun b;
	struct store_ca *rec;
	int64_t late;

	/* 100 days before the root ends, no 365-day leaf fits under it. */
	late = fx->e->root->not_after - 100 * DAY;
	want_msg(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    late), ERR_INVALID, "new root");
	want(store_ca_get(&rec, fx->e->st, "issuing-2"), ERR_NOTFOUND);
	/* With a new root it goes ahead. */
	ok(rollover_begin(&b, fx->e->st, fx->e->kek, fx->e->cfg, 1, late));
	assert_string_equal(b.root, "root-2");
	rec = ca_get(fx, "issuing-2");
	assert_true(rec->not_after > fx->e->root->not_after);
	store_ca_free(rec);
}

static void
test_rollover__no_rollover(void **state)
{
	struct fixture *fx = *state;
	struct rollover_status *s;
	struct rollover_reissue *r;
	struct rollover_finish f;

	ok(rollover_status(&s, fx->e->st, fx->now));
	assert_string_equal(s->current, "issuing-1");
	assert_int_equal(s->nold, 0);
	rollover_status_free(s);
	want_msg(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now), ERR_INVALID, "no rollover is in progress");
	assert_null(r);
	/* Finish with nothing to do is a no-op, so a re-run converges. */
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now));
	assert_int_equal(f.nretired, 0);
	assert_int_equal(f.revoked, 0);
	rollover_finish_clear(&f);
}

static void
test_rollover__status_counts(void **state)
{
	struct fixture *fx = *state;
	struct rollover_status *s;
	char *a, *b, *c, *d, *csr;

	a = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	b = issue(fx, "b@example.com", KEY_ECP256, USAGE_BOTH);
	c = issue(fx, "c@example.com", KEY_ECP256, USAGE_BOTH);
	d = issue(fx, "d@example.com", KEY_ECP256, USAGE_BOTH);
	csr = issue_csr(fx, "csr@example.com");
	ok(store_cert_revoke(fx->e->st, c, REVOKE_KEY_COMPROMISE, fx->now));
	begin(fx, 0);
	ok(store_cert_supersede(fx->e->st, b, "ABCD"));

	ok(rollover_status(&s, fx->e->st, fx->now));
	assert_string_equal(s->current, "issuing-2");
	assert_int_equal(s->nold, 1);
	assert_string_equal(s->old[0].name, "issuing-1");
	assert_int_equal(s->old[0].role, STORE_CA_ISSUING);
	assert_int_equal(s->old[0].active, 4);		/* a b d csr */
	assert_int_equal(s->old[0].superseded, 1);	/* b */
	assert_int_equal(s->old[0].csr, 1);
	assert_int_equal(s->nblocked, 1);
	assert_string_equal(s->blocked[0].serial, csr);
	assert_string_equal(s->blocked[0].email, "csr@example.com");
	assert_string_equal(s->blocked[0].ca_name, "issuing-1");
	rollover_status_free(s);

	/* Once they have expired, certificates are no longer active. */
	ok(rollover_status(&s, fx->e->st, fx->now + 400 * DAY));
	assert_int_equal(s->old[0].active, 0);
	rollover_status_free(s);
	free(a);
	free(b);
	free(c);
	free(d);
	free(csr);
}

static void
test_rollover__reissue_batches(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct store_cert *o, *n;
	struct store_key *k;
	struct ca *cur;
	X509 *xo, *xn;
	char *s[5];
	const char *const who[5] = { "a@example.com", "b@example.com",
	    "c@example.com", "d@example.com", "e@example.com" };
	int i;

	for (i = 0; i < 5; i++)
		s[i] = issue(fx, who[i], i == 0 ? KEY_RSA2048 : KEY_ECP256,
		    i == 1 ? USAGE_SIGN : i == 2 ? USAGE_ENCRYPT : USAGE_BOTH);
	begin(fx, 0);
	ok(ca_load(&cur, fx->e->st, fx->e->kek, NULL));

	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 2,
	    fx->now));
	assert_int_equal(r->n, 2);
	assert_int_equal(r->remaining, 3);
	assert_int_equal(r->csr, 0);
	assert_int_equal(r->adopted, 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(r->v[i].rc, 0);
		assert_string_equal(r->v[i].old_serial, s[i]);
		assert_string_equal(r->v[i].email, who[i]);
		assert_non_null(r->v[i].new_serial);
	}
	rollover_reissue_free(r);
	assert_int_equal(count_of(fx, "issuing-2"), 2);

	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->n, 3);
	assert_int_equal(r->remaining, 0);
	for (i = 0; i < 3; i++)
		assert_string_equal(r->v[i].old_serial, s[i + 2]);
	rollover_reissue_free(r);
	assert_int_equal(count_of(fx, "issuing-2"), 5);

	/* A re-run finds nothing to do and issues nothing. */
	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->n, 0);
	assert_int_equal(r->remaining, 0);
	assert_int_equal(r->adopted, 0);
	rollover_reissue_free(r);
	assert_int_equal(count_of(fx, "issuing-2"), 5);

	/* Every old one points at a replacement that keeps all but the key. */
	for (i = 0; i < 5; i++) {
		o = cert_get(fx, s[i]);
		assert_non_null(o->superseded_by);
		assert_int_equal(o->state, CERT_STATE_VALID);
		n = cert_get(fx, o->superseded_by);
		assert_string_equal(n->ca_name, "issuing-2");
		assert_string_equal(n->email, o->email);
		assert_string_equal(n->given_name, o->given_name);
		assert_string_equal(n->surname, o->surname);
		assert_string_equal(n->profile, o->profile);
		assert_string_equal(n->usage, o->usage);
		assert_string_equal(n->key_alg, o->key_alg);
		assert_null(n->superseded_by);
		assert_non_null(n->key_id);
		assert_string_not_equal(n->key_id, o->key_id);
		/* The old key stays for decryption of old mail. */
		ok(store_key_get(&k, fx->e->st, o->key_id));
		store_key_free(k);
		xo = cert_x509(o);
		xn = cert_x509(n);
		assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(xo),
		    X509_get0_pubkey(xn)), 1);
		/* verify_smime() checks the signing purpose. */
		if (strcmp(n->usage, "encrypt") != 0)
			assert_int_equal(verify_smime(xn, cur->cert,
			    fx->e->root->cert, fx->now + 60), X509_V_OK);
		assert_int_equal(X509_check_issued(cur->cert, xn), X509_V_OK);
		/* Full length under the new CA. */
		assert_int_equal(validity_secs(xn),
		    (int64_t)fx->e->cfg->issue_days * DAY);
		X509_free(xo);
		X509_free(xn);
		store_cert_free(n);
		store_cert_free(o);
	}
	ca_free(cur);
	for (i = 0; i < 5; i++)
		free(s[i]);
}

static void
test_rollover__reissue_skips_inactive(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct store_cert *c;
	char *revoked, *valid, *released;

	revoked = issue(fx, "r@example.com", KEY_ECP256, USAGE_BOTH);
	valid = issue(fx, "v@example.com", KEY_ECP256, USAGE_BOTH);
	released = issue(fx, "s@example.com", KEY_ECP256, USAGE_SIGN);
	ok(store_cert_revoke(fx->e->st, revoked, REVOKE_KEY_COMPROMISE,
	    fx->now));
	/* A signing key handed out and deleted: mailcert made it, so a new
	 * one can be made too (it is not a CSR). */
	c = cert_get(fx, released);
	ok(store_begin(fx->e->st));
	ok(store_cert_release_key(fx->e->st, released, c->key_id, fx->now));
	ok(store_commit(fx->e->st));
	store_cert_free(c);
	begin(fx, 0);

	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->n, 2);
	assert_string_equal(r->v[0].old_serial, valid);
	assert_string_equal(r->v[1].old_serial, released);
	assert_int_equal(r->csr, 0);
	rollover_reissue_free(r);
	c = cert_get(fx, revoked);
	assert_null(c->superseded_by);
	store_cert_free(c);
	free(revoked);
	free(valid);
	free(released);
}

/*
 * A crash after issue_many() stored the new certificate but before the
 * old one was marked: the next run pairs them and issues nothing.
 */
static void
test_rollover__reissue_after_crash(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct rollover_status *s;
	struct store_cert *c;
	char *old, *old2, *fresh, *other;

	old = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	old2 = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	begin(fx, 0);
	/* What the lost run left behind: one replacement, unmarked. */
	fresh = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	/* Same mailbox, another key type: not a replacement. */
	other = issue(fx, "a@example.com", KEY_RSA2048, USAGE_BOTH);
	ok(rollover_status(&s, fx->e->st, fx->now));
	assert_int_equal(s->old[0].superseded, 0);
	rollover_status_free(s);

	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->adopted, 1);
	assert_int_equal(r->n, 1);	/* old2 still needed its own */
	assert_string_equal(r->v[0].old_serial, old2);
	assert_string_not_equal(r->v[0].new_serial, fresh);
	assert_string_not_equal(r->v[0].new_serial, other);
	rollover_reissue_free(r);
	c = cert_get(fx, old);
	assert_string_equal(c->superseded_by, fresh);
	store_cert_free(c);
	assert_int_equal(count_of(fx, "issuing-2"), 3);

	/* Nothing left, nothing issued on a re-run. */
	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->adopted, 0);
	assert_int_equal(r->n, 0);
	rollover_reissue_free(r);
	assert_int_equal(count_of(fx, "issuing-2"), 3);
	free(old);
	free(old2);
	free(fresh);
	free(other);
}

/* The CRL with the highest number of CA name. */
static X509_CRL *
latest_crl(struct fixture *fx, const char *name, struct store_crl **sc_out)
{
	struct store_ca *rec = ca_get(fx, name);
	const unsigned char *p;
	X509_CRL *crl;

	ok(store_crl_latest(sc_out, fx->e->st, rec->id));
	p = (*sc_out)->der;
	assert_non_null(crl = d2i_X509_CRL(NULL, &p, (long)(*sc_out)->der_len));
	store_ca_free(rec);
	return crl;
}

/* The reasonCode of serial hex in crl; -1 without one, -2 if absent. */
static int
crl_reason(X509_CRL *crl, const char *hex)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	X509_REVOKED *rev;
	ASN1_ENUMERATED *e;
	BIGNUM *want = NULL, *got;
	int i, found = 0, reason = -2;

	assert_true(BN_hex2bn(&want, hex) > 0);
	for (i = 0; !found && i < sk_X509_REVOKED_num(revs); i++) {
		rev = sk_X509_REVOKED_value(revs, i);
		assert_non_null(got = ASN1_INTEGER_to_BN(
		    X509_REVOKED_get0_serialNumber(rev), NULL));
		if (BN_cmp(got, want) == 0) {
			found = 1;
			e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
			    NULL);
			reason = e == NULL ? -1 : (int)ASN1_ENUMERATED_get(e);
			ASN1_ENUMERATED_free(e);
		}
		BN_free(got);
	}
	BN_free(want);
	return reason;
}

static void
test_rollover__finish(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct rollover_finish f;
	struct store_crl *sc;
	struct store_cert *c;
	struct store_ca *rec;
	struct ca *ca, *old;
	STACK_OF(X509) *chain;
	X509_CRL *crl;
	X509 *leaf, *iss1;
	char *a, *b, *gone;
	int64_t before;

	a = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	b = issue(fx, "b@example.com", KEY_ECP256, USAGE_BOTH);
	gone = issue(fx, "gone@example.com", KEY_ECP256, USAGE_BOTH);
	ok(store_cert_revoke(fx->e->st, gone, REVOKE_KEY_COMPROMISE,
	    fx->now));
	begin(fx, 0);
	ok(crl_generate(fx->e->st, fx->e->kek, fx->e->cfg, fx->now));

	/* Refused while a and b have no successor; nothing changes. */
	want_msg(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now),
	    ERR_EXISTS, "2 active certificates of \"issuing-1\"");
	assert_int_equal(f.pending, 2);
	assert_int_equal(f.csr, 0);
	assert_int_equal(f.nretired, 0);
	rollover_finish_clear(&f);
	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 1,
	    fx->now));
	rollover_reissue_free(r);
	want_msg(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now),
	    ERR_EXISTS, "1 active certificate of \"issuing-1\" is");
	rollover_finish_clear(&f);
	rec = ca_get(fx, "issuing-1");
	assert_int_equal(rec->state, STORE_CA_ACTIVE);
	store_ca_free(rec);
	c = cert_get(fx, a);
	assert_int_equal(c->state, CERT_STATE_VALID);
	store_cert_free(c);
	assert_int_equal(last_crl(fx, "issuing-1"), 1);

	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	rollover_reissue_free(r);
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now + 10));
	assert_int_equal(f.pending, 0);
	assert_int_equal(f.revoked, 2);
	assert_int_equal(f.nretired, 1);
	assert_string_equal(f.retired[0], "issuing-1");
	rollover_finish_clear(&f);

	/* Superseded ones revoked with reason superseded. */
	c = cert_get(fx, a);
	assert_int_equal(c->state, CERT_STATE_REVOKED);
	assert_int_equal(c->reason, REVOKE_SUPERSEDED);
	assert_int_equal(c->revoked_at, fx->now + 10);
	store_cert_free(c);

	/* The final CRL: signed by issuing-1, both serials as superseded,
	 * the earlier revocation kept, nextUpdate = the CA's notAfter. */
	rec = ca_get(fx, "issuing-1");
	assert_int_equal(rec->state, STORE_CA_RETIRED);
	ok(ca_load(&old, fx->e->st, fx->e->kek, "issuing-1"));
	crl = latest_crl(fx, "issuing-1", &sc);
	assert_int_equal(sc->number, 2);
	assert_int_equal(sc->next_update, rec->not_after);
	assert_int_equal(timefmt_asn1(X509_CRL_get0_nextUpdate(crl)),
	    rec->not_after);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(old->cert)), 1);
	assert_int_equal(crl_reason(crl, a), REVOKE_SUPERSEDED);
	assert_int_equal(crl_reason(crl, b), REVOKE_SUPERSEDED);
	assert_int_equal(crl_reason(crl, gone), REVOKE_KEY_COMPROMISE);

	/* OpenSSL, checking that CRL, rejects the old certificate. */
	c = cert_get(fx, a);
	leaf = cert_x509(c);
	iss1 = ca_x509(fx, "issuing-1");
	{
		X509_CRL *root_crl;
		struct store_crl *rsc;

		root_crl = latest_crl(fx, "root-1", &rsc);
		assert_int_equal(verify_smime_crl(leaf, iss1,
		    fx->e->root->cert, root_crl, crl, fx->now + 60),
		    X509_V_ERR_CERT_REVOKED);
		X509_CRL_free(root_crl);
		store_crl_free(rsc);
	}
	X509_free(leaf);
	X509_free(iss1);
	store_cert_free(c);
	X509_CRL_free(crl);
	store_crl_free(sc);
	store_ca_free(rec);
	ca_free(old);

	/*
	 * Retired: never current and no more CRLs, but still in chain
	 * exports until it expires, so mail signed under it verifies.
	 */
	ok(ca_load(&ca, fx->e->st, fx->e->kek, NULL));
	assert_string_equal(ca->name, "issuing-2");
	ca_free(ca);
	ok(export_chain_certs(&chain, fx->e->st, fx->now));
	assert_int_equal(sk_X509_num(chain), 3);
	sk_X509_pop_free(chain, X509_free);
	rec = ca_get(fx, "issuing-1");
	ok(export_chain_certs(&chain, fx->e->st, rec->not_after + 1));
	assert_int_equal(sk_X509_num(chain), 2);
	sk_X509_pop_free(chain, X509_free);
	store_ca_free(rec);
	before = last_crl(fx, "issuing-2");
	ok(crl_generate(fx->e->st, fx->e->kek, fx->e->cfg, fx->now + 20));
	assert_int_equal(last_crl(fx, "issuing-1"), 2);
	assert_int_equal(last_crl(fx, "issuing-2"), before + 1);
	assert_int_equal(last_crl(fx, "root-1"), 2);

	/* Re-running finish converges: nothing more happens. */
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now + 30));
	assert_int_equal(f.nretired, 0);
	assert_int_equal(f.revoked, 0);
	rollover_finish_clear(&f);
	assert_int_equal(last_crl(fx, "issuing-1"), 2);
	/* A new rollover can start from issuing-2. */
	{
		struct rollover_begun bg;

		ok(rollover_begin(&bg, fx->e->st, fx->e->kek, fx->e->cfg, 0,
		    fx->now + 40));
		assert_string_equal(bg.issuing, "issuing-3");
		assert_string_equal(bg.old, "issuing-2");
	}
	free(a);
	free(b);
	free(gone);
}

static void
test_rollover__finish_new_root(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct rollover_finish f;
	struct store_crl *sc;
	struct store_ca *rec;
	X509_CRL *crl;
	STACK_OF(X509) *chain;
	char *a;
	size_t i;

	a = issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH);
	begin(fx, 1);
	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->n, 1);
	rollover_reissue_free(r);
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now));
	assert_int_equal(f.nretired, 2);
	assert_string_equal(f.retired[0], "issuing-1");
	assert_string_equal(f.retired[1], "root-1");
	rollover_finish_clear(&f);
	rec = ca_get(fx, "root-1");
	assert_int_equal(rec->state, STORE_CA_RETIRED);
	crl = latest_crl(fx, "root-1", &sc);
	assert_int_equal(sc->next_update, rec->not_after);
	assert_int_equal(X509_CRL_verify(crl,
	    X509_get0_pubkey(fx->e->root->cert)), 1);
	X509_CRL_free(crl);
	store_crl_free(sc);
	store_ca_free(rec);
	rec = ca_get(fx, "root-2");
	assert_int_equal(rec->state, STORE_CA_ACTIVE);
	store_ca_free(rec);

	/* The retired root and issuing CA stay in the bundle until they
	 * expire: root-1, issuing-1, root-2, issuing-2. */
	ok(export_chain_certs(&chain, fx->e->st, fx->now));
	assert_int_equal(sk_X509_num(chain), 4);
	sk_X509_pop_free(chain, X509_free);
	rec = ca_get(fx, "issuing-1");
	ok(export_chain_certs(&chain, fx->e->st, rec->not_after + 1));
	store_ca_free(rec);
	rec = NULL;
	for (i = 0; i < (size_t)sk_X509_num(chain); i++)
		assert_int_not_equal(X509_cmp(sk_X509_value(chain, (int)i),
		    fx->e->ca->cert), 0);
	sk_X509_pop_free(chain, X509_free);
	free(a);
}

static void
test_rollover__csr_blocks_finish(void **state)
{
	struct fixture *fx = *state;
	struct rollover_reissue *r;
	struct rollover_finish f;
	struct store_cert *c;
	char *csr, *plain, *fresh;

	csr = issue_csr(fx, "csr@example.com");
	plain = issue(fx, "p@example.com", KEY_ECP256, USAGE_BOTH);
	begin(fx, 0);
	ok(rollover_reissue(&r, fx->e->st, fx->e->kek, fx->e->cfg, 0,
	    fx->now));
	assert_int_equal(r->n, 1);
	assert_string_equal(r->v[0].old_serial, plain);
	assert_int_equal(r->csr, 1);
	rollover_reissue_free(r);
	c = cert_get(fx, csr);
	assert_null(c->superseded_by);
	store_cert_free(c);

	want_msg(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now),
	    ERR_EXISTS, "1 of them from a CSR");
	assert_int_equal(f.pending, 1);
	assert_int_equal(f.csr, 1);
	rollover_finish_clear(&f);

	/* A server-key certificate for that mailbox is no stand-in... */
	fresh = issue(fx, "csr@example.com", KEY_ECP256, USAGE_BOTH);
	want(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now), ERR_EXISTS);
	rollover_finish_clear(&f);
	free(fresh);
	/* ...one for the user's new CSR is, and finish pairs it itself. */
	fresh = issue_csr(fx, "csr@example.com");
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, fx->now));
	assert_int_equal(f.adopted, 1);
	assert_int_equal(f.revoked, 2);
	assert_int_equal(f.nretired, 1);
	rollover_finish_clear(&f);
	c = cert_get(fx, csr);
	assert_string_equal(c->superseded_by, fresh);
	assert_int_equal(c->state, CERT_STATE_REVOKED);
	store_cert_free(c);
	free(csr);
	free(plain);
	free(fresh);
}

static void
test_rollover__expired_old_ca(void **state)
{
	struct fixture *fx = *state;
	struct rollover_finish f;
	struct store_ca *rec;
	int64_t late;

	free(issue(fx, "a@example.com", KEY_ECP256, USAGE_BOTH));
	begin(fx, 0);
	/* Past the old CA's end nothing it signed is active any more. */
	late = fx->e->ca->not_after + DAY;
	ok(rollover_finish(&f, fx->e->st, fx->e->kek, late));
	assert_int_equal(f.nretired, 1);
	assert_int_equal(f.revoked, 0);
	rollover_finish_clear(&f);
	rec = ca_get(fx, "issuing-1");
	assert_int_equal(rec->state, STORE_CA_RETIRED);
	store_ca_free(rec);
	/* An expired CA signs no final CRL. */
	assert_int_equal(last_crl(fx, "issuing-1"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollover__health),
		cmocka_unit_test_setup_teardown(test_rollover__begin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollover__begin_new_root,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rollover__begin_refuses_short_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollover__no_rollover,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollover__status_counts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollover__reissue_batches,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rollover__reissue_skips_inactive, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rollover__reissue_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollover__finish, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollover__finish_new_root,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rollover__csr_blocks_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollover__expired_old_ca,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
