/*
 * test-ocsp.c: the OCSP responder against a real store and CA. Requests
 * are built with OpenSSL's OCSP_request_* calls and every response is
 * checked with OCSP_basic_verify() against the chain and read back with
 * OCSP_resp_find_status(): good, revoked, unknown, other issuers, garbage,
 * SHA-256 CertIDs, several CertIDs, nonces; what a refresh signs; and
 * the responder certificate and its renewal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "helpers.h"
#include "ocsp.h"
#include "store-web.h"

#define HOURS	3600

struct fixture {
	struct tenv	*e;
	struct ocsp_cache *c;
	int64_t		 now;		/* when the certificates are issued */
	char		*serial[3];	/* [1] gets revoked in some tests */
	X509		*cert[3];
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
	if (ocsp_cache_new(&fx->c) != 0)
		return -1;
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
	ocsp_cache_free(fx->c);
	tenv_free(fx->e);
	free(fx);
	return 0;
}

static struct ocsp_refresh_stats
refresh(struct fixture *fx, int64_t at)
{
	struct ocsp_refresh_stats s;

	ok(ocsp_refresh(fx->c, fx->e->st, fx->e->cfg, fx->e->kek, at, &s));
	return s;
}

/* A request for the CertIDs of certs under issuer, hashed with md. */
static OCSP_REQUEST *
req_of(const EVP_MD *md, X509 *const *certs, int n, X509 *issuer)
{
	OCSP_REQUEST *req;
	OCSP_CERTID *cid;
	int i;

	assert_non_null(req = OCSP_REQUEST_new());
	for (i = 0; i < n; i++) {
		assert_non_null(cid = OCSP_cert_to_id(md, certs[i], issuer));
		assert_non_null(OCSP_request_add0_id(req, cid));
	}
	return req;
}

/* A request for serial under issuer (SHA-1). */
static OCSP_REQUEST *
req_serial(long serial, X509 *issuer)
{
	OCSP_REQUEST *req;
	OCSP_CERTID *cid;
	ASN1_INTEGER *s;

	assert_non_null(req = OCSP_REQUEST_new());
	assert_non_null(s = ASN1_INTEGER_new());
	assert_int_equal(ASN1_INTEGER_set(s, serial), 1);
	assert_non_null(cid = OCSP_cert_id_new(EVP_sha1(),
	    X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
	    s));
	assert_non_null(OCSP_request_add0_id(req, cid));
	ASN1_INTEGER_free(s);
	return req;
}

/* Send raw bytes to ca; the decoded response (always one). */
static OCSP_RESPONSE *
ask_raw(struct fixture *fx, const char *ca, const unsigned char *der,
    size_t len, int64_t at, int *max_age)
{
	OCSP_RESPONSE *resp;
	unsigned char *out = NULL;
	const unsigned char *p;
	size_t olen;
	int age;

	ok(ocsp_answer(&out, &olen, &age, fx->c, ca, der, len, at));
	p = out;
	assert_non_null(resp = d2i_OCSP_RESPONSE(NULL, &p, (long)olen));
	assert_ptr_equal(p, out + olen);
	free(out);
	if (max_age != NULL)
		*max_age = age;
	return resp;
}

static OCSP_RESPONSE *
ask(struct fixture *fx, const char *ca, OCSP_REQUEST *req, int64_t at,
    int *max_age)
{
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	int len;

	assert_true((len = i2d_OCSP_REQUEST(req, &der)) > 0);
	resp = ask_raw(fx, ca, der, (size_t)len, at, max_age);
	OPENSSL_free(der);
	return resp;
}

/* The basic response of a successful resp, verified against the chain
 * (root trusted, issuing CA untrusted) at time at. */
static OCSP_BASICRESP *
verified(struct fixture *fx, OCSP_RESPONSE *resp, int64_t at)
{
	OCSP_BASICRESP *bs;
	X509_STORE *store;
	STACK_OF(X509) *untrusted;

	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_SUCCESSFUL);
	assert_non_null(bs = OCSP_response_get1_basic(resp));
	assert_non_null(store = X509_STORE_new());
	assert_int_equal(X509_STORE_add_cert(store, fx->e->root->cert), 1);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)at);
	assert_non_null(untrusted = sk_X509_new_null());
	assert_true(sk_X509_push(untrusted, fx->e->ca->cert) > 0);
	if (OCSP_basic_verify(bs, untrusted, store, 0) != 1)
		fail_msg("OCSP_basic_verify failed");
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return bs;
}

struct status {
	int		 status;
	int		 reason;
	int64_t		 revoked_at;
	int64_t		 this_update;
	int64_t		 next_update;	/* 0 if absent */
};

/* The status bs gives for cert (CertID hashed with md). */
static struct status
status_of(OCSP_BASICRESP *bs, const EVP_MD *md, X509 *cert, X509 *issuer)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *tu = NULL, *nu = NULL;
	OCSP_CERTID *cid;
	struct status s;

	memset(&s, 0, sizeof(s));
	assert_non_null(cid = OCSP_cert_to_id(md, cert, issuer));
	assert_int_equal(OCSP_resp_find_status(bs, cid, &s.status, &s.reason,
	    &rev, &tu, &nu), 1);
	OCSP_CERTID_free(cid);
	s.revoked_at = rev != NULL ? timefmt_asn1(rev) : 0;
	s.this_update = timefmt_asn1(tu);
	s.next_update = nu != NULL ? timefmt_asn1(nu) : 0;
	return s;
}

/* One request for cert i, answered, verified; its status. */
static struct status
check(struct fixture *fx, int i, int64_t at, int *max_age)
{
	OCSP_REQUEST *req = req_of(EVP_sha1(), &fx->cert[i], 1, fx->e->ca->cert);
	OCSP_RESPONSE *resp = ask(fx, "issuing-1", req, at, max_age);
	OCSP_BASICRESP *bs = verified(fx, resp, at);
	struct status s = status_of(bs, EVP_sha1(), fx->cert[i],
	    fx->e->ca->cert);

	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	return s;
}

static int
resp_status(struct fixture *fx, const char *ca, OCSP_REQUEST *req)
{
	OCSP_RESPONSE *resp = ask(fx, ca, req, fx->now, NULL);
	int st = OCSP_response_status(resp);

	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	return st;
}

static void
test_ocsp__try_later_before_refresh(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(resp_status(fx, "issuing-1", req_of(EVP_sha1(),
	    &fx->cert[0], 1, fx->e->ca->cert)), OCSP_RESPONSE_STATUS_TRYLATER);
}

static void
test_ocsp__good_revoked_and_resigning(void **state)
{
	struct fixture *fx = *state;
	struct ocsp_refresh_stats s;
	struct status st;
	int64_t v = (int64_t)fx->e->cfg->ocsp_validity_hours * HOURS;
	int age;

	s = refresh(fx, fx->now);
	assert_int_equal(s.cas, 1);
	assert_int_equal(s.responders_made, 1);
	assert_int_equal(s.signed_now, 3);
	assert_int_equal(s.responses, 3);
	st = check(fx, 1, fx->now + 100, &age);
	assert_int_equal(st.status, V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(st.this_update, fx->now);
	assert_int_equal(st.next_update - st.this_update, v);
	/* Cacheable until it is due to be signed again. */
	assert_int_equal(age, v / 2 - 100);

	/* Nothing changed: nothing is signed. */
	s = refresh(fx, fx->now + 200);
	assert_int_equal(s.responders_made, 0);
	assert_int_equal(s.signed_now, 0);
	assert_int_equal(s.responses, 3);

	ok(store_cert_revoke(fx->e->st, fx->serial[1],
	    REVOKE_KEY_COMPROMISE, fx->now + 300));
	/* The answer changes only with the next refresh... */
	assert_int_equal(check(fx, 1, fx->now + 310, NULL).status,
	    V_OCSP_CERTSTATUS_GOOD);
	s = refresh(fx, fx->now + 400);
	assert_int_equal(s.signed_now, 1);	/* ...which signs just that */
	st = check(fx, 1, fx->now + 410, NULL);
	assert_int_equal(st.status, V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(st.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	assert_int_equal(st.revoked_at, fx->now + 300);
	assert_int_equal(st.this_update, fx->now + 400);
	assert_int_equal(st.next_update - st.this_update, v);
	st = check(fx, 0, fx->now + 410, NULL);
	assert_int_equal(st.status, V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(st.this_update, fx->now);

	/* Half of the validity passed: the older ones are signed again. */
	s = refresh(fx, fx->now + v / 2);
	assert_int_equal(s.signed_now, 2);
	assert_int_equal(check(fx, 0, fx->now + v / 2, NULL).this_update,
	    fx->now + v / 2);
}

static void
test_ocsp__responder_certificate(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	const ASN1_OCTET_STRING *by_key = NULL, *ski;
	const X509_NAME *by_name = NULL;
	X509 *signer = NULL;
	char cn[256];

	refresh(fx, fx->now);
	req = req_of(EVP_sha1(), &fx->cert[0], 1, fx->e->ca->cert);
	resp = ask(fx, "issuing-1", req, fx->now, NULL);
	bs = verified(fx, resp, fx->now);
	/* The responder certificate travels in the response... */
	assert_int_equal(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
	assert_int_equal(OCSP_resp_get0_signer(bs, &signer, NULL), 1);
	/* ...is named by key... */
	assert_int_equal(OCSP_resp_get0_id(bs, &by_key, &by_name), 1);
	assert_non_null(by_key);
	assert_null(by_name);
	assert_non_null(ski = X509_get0_subject_key_id(signer));
	assert_int_equal(ASN1_OCTET_STRING_cmp(ski, by_key), 0);
	/* ...is a delegated responder with ocsp-nocheck... */
	assert_true(X509_get_extended_key_usage(signer) == XKU_OCSP_SIGN);
	assert_true(X509_get_key_usage(signer) == KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck,
	    -1) >= 0);
	assert_int_equal(X509_check_ca(signer), 0);
	assert_int_equal(X509_check_issued(fx->e->ca->cert, signer),
	    X509_V_OK);
	assert_true(EVP_PKEY_is_a(X509_get0_pubkey(signer), "EC"));
	assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(signer)), 256);
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(signer),
	    NID_commonName, cn, sizeof(cn)) > 0);
	assert_string_equal(cn, "mailcert S/MIME CA 1 OCSP Responder");
	/* ...living [ocsp] responder_days. */
	assert_int_equal(validity_secs(signer),
	    (int64_t)fx->e->cfg->ocsp_responder_days * DAY);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
}

static void
test_ocsp__responder_renewal(void **state)
{
	struct fixture *fx = *state;
	struct store_responder *r1 = NULL, *r2 = NULL;
	struct ocsp_refresh_stats s;
	int64_t life = (int64_t)fx->e->cfg->ocsp_responder_days * DAY;
	int64_t late;

	refresh(fx, fx->now);
	ok(store_responder_latest(&r1, fx->e->st, fx->e->ca->id));
	/* Just before a third of its life is left: kept. */
	late = r1->not_after - life / 3 - 1;
	s = refresh(fx, late);
	assert_int_equal(s.responders_made, 0);
	assert_int_equal(s.signed_now, 3);	/* half the validity passed */
	/* Then renewed, and everything is signed by the new one. */
	s = refresh(fx, late + 2);
	assert_int_equal(s.responders_made, 1);
	assert_int_equal(s.signed_now, 3);
	ok(store_responder_latest(&r2, fx->e->st, fx->e->ca->id));
	assert_true(r2->id != r1->id);
	assert_int_equal(r2->not_before, late + 2);
	assert_string_not_equal(r2->serial, r1->serial);
	assert_int_equal(check(fx, 2, late + 3, NULL).status,
	    V_OCSP_CERTSTATUS_GOOD);
	s = refresh(fx, late + 4);
	assert_int_equal(s.responders_made, 0);
	assert_int_equal(s.signed_now, 0);
	store_responder_free(r1);
	store_responder_free(r2);
}

static void
test_ocsp__responses_end_with_the_responder(void **state)
{
	struct fixture *fx = *state;
	struct store_responder *r = NULL;
	struct status st;

	/* 10 days of validity, 7 of responder: cut to the responder's end. */
	fx->e->cfg->ocsp_validity_hours = 240;
	fx->e->cfg->ocsp_responder_days = 7;
	refresh(fx, fx->now);
	ok(store_responder_latest(&r, fx->e->st, fx->e->ca->id));
	st = check(fx, 0, fx->now, NULL);
	assert_int_equal(st.next_update, r->not_after);
	store_responder_free(r);
}

static void
test_ocsp__unknown_sha256_and_several(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	OCSP_CERTID *cid;
	ASN1_GENERALIZEDTIME *nu = (void *)1;
	struct status st;
	int status, reason, age;

	refresh(fx, fx->now);
	ok(store_cert_revoke(fx->e->st, fx->serial[1], REVOKE_SUPERSEDED,
	    fx->now + 5));
	refresh(fx, fx->now + 10);

	/* A serial never issued: "unknown", signed now, not cacheable. */
	req = req_serial(0x1234, fx->e->ca->cert);
	resp = ask(fx, "issuing-1", req, fx->now + 20, &age);
	bs = verified(fx, resp, fx->now + 20);
	assert_non_null(cid = OCSP_CERTID_dup(OCSP_onereq_get0_id(
	    OCSP_request_onereq_get0(req, 0))));
	assert_int_equal(OCSP_resp_find_status(bs, cid, &status, &reason,
	    NULL, NULL, &nu), 1);
	assert_int_equal(status, V_OCSP_CERTSTATUS_UNKNOWN);
	assert_null(nu);
	assert_int_equal(age, 0);
	OCSP_CERTID_free(cid);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);

	/* SHA-256 CertIDs: same status and times, echoed CertID. */
	req = req_of(EVP_sha256(), &fx->cert[1], 1, fx->e->ca->cert);
	resp = ask(fx, "issuing-1", req, fx->now + 20, &age);
	bs = verified(fx, resp, fx->now + 20);
	st = status_of(bs, EVP_sha256(), fx->cert[1], fx->e->ca->cert);
	assert_int_equal(st.status, V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(st.reason, OCSP_REVOKED_STATUS_SUPERSEDED);
	assert_int_equal(st.this_update, fx->now + 10);
	assert_true(age > 0);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);

	/* Three CertIDs at once: all answered in one response. */
	req = req_of(EVP_sha1(), fx->cert, 3, fx->e->ca->cert);
	resp = ask(fx, "issuing-1", req, fx->now + 20, NULL);
	bs = verified(fx, resp, fx->now + 20);
	assert_int_equal(OCSP_resp_count(bs), 3);
	assert_int_equal(status_of(bs, EVP_sha1(), fx->cert[0],
	    fx->e->ca->cert).status, V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(status_of(bs, EVP_sha1(), fx->cert[1],
	    fx->e->ca->cert).status, V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(status_of(bs, EVP_sha1(), fx->cert[2],
	    fx->e->ca->cert).status, V_OCSP_CERTSTATUS_GOOD);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
}

static void
test_ocsp__nonce_is_ignored(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;

	refresh(fx, fx->now);
	req = req_of(EVP_sha1(), &fx->cert[0], 1, fx->e->ca->cert);
	assert_int_equal(OCSP_request_add1_nonce(req, NULL, 16), 1);
	resp = ask(fx, "issuing-1", req, fx->now, NULL);
	bs = verified(fx, resp, fx->now);
	/* -1: a nonce in the request only; clients warn and carry on. */
	assert_int_equal(OCSP_check_nonce(req, bs), -1);
	assert_int_equal(status_of(bs, EVP_sha1(), fx->cert[0],
	    fx->e->ca->cert).status, V_OCSP_CERTSTATUS_GOOD);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
}

static void
test_ocsp__other_issuers_are_unauthorized(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;

	refresh(fx, fx->now);
	/* The root is not an issuing CA: it has no responder. */
	assert_int_equal(resp_status(fx, "issuing-1", req_serial(1,
	    fx->e->root->cert)), OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	assert_int_equal(resp_status(fx, "root-1", req_of(EVP_sha1(),
	    &fx->cert[0], 1, fx->e->ca->cert)),
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	assert_int_equal(resp_status(fx, "nope", req_of(EVP_sha1(),
	    &fx->cert[0], 1, fx->e->ca->cert)),
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	/* One foreign CertID among ours spoils the request. */
	req = req_of(EVP_sha1(), &fx->cert[0], 1, fx->e->ca->cert);
	assert_non_null(OCSP_request_add0_id(req, OCSP_cert_to_id(EVP_sha1(),
	    fx->e->ca->cert, fx->e->root->cert)));
	assert_int_equal(resp_status(fx, "issuing-1", req),
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	/* A digest we do not compute cannot name our CA. */
	assert_int_equal(resp_status(fx, "issuing-1", req_of(EVP_sha384(),
	    &fx->cert[0], 1, fx->e->ca->cert)),
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
}

static void
test_ocsp__garbage_is_malformed(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL, *longer;
	int len, cut;

	refresh(fx, fx->now);
	resp = ask_raw(fx, "issuing-1", (const unsigned char *)"hello", 5,
	    fx->now, NULL);
	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	OCSP_RESPONSE_free(resp);
	resp = ask_raw(fx, "issuing-1", (const unsigned char *)"", 0,
	    fx->now, NULL);
	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	OCSP_RESPONSE_free(resp);
	/* Every truncation of a real request, and trailing bytes. */
	req = req_of(EVP_sha1(), &fx->cert[0], 1, fx->e->ca->cert);
	assert_true((len = i2d_OCSP_REQUEST(req, &der)) > 0);
	for (cut = 0; cut < len; cut++) {
		resp = ask_raw(fx, "issuing-1", der, (size_t)cut, fx->now,
		    NULL);
		assert_int_equal(OCSP_response_status(resp),
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		OCSP_RESPONSE_free(resp);
	}
	assert_non_null(longer = calloc(1, (size_t)len + 1));
	memcpy(longer, der, (size_t)len);
	resp = ask_raw(fx, "issuing-1", longer, (size_t)len + 1, fx->now,
	    NULL);
	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	OCSP_RESPONSE_free(resp);
	/* An empty request list parses but asks nothing. */
	OCSP_REQUEST_free(req);
	assert_non_null(req = OCSP_REQUEST_new());
	assert_int_equal(resp_status(fx, "issuing-1", req),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	free(longer);
	OPENSSL_free(der);
}

static void
test_ocsp__get_decode(void **state)
{
	struct fixture *fx = *state;
	OCSP_REQUEST *req;
	unsigned char *der = NULL, *out = NULL;
	char b64[1024];
	size_t len;
	int n;

	req = req_of(EVP_sha1(), &fx->cert[0], 1, fx->e->ca->cert);
	assert_true((n = i2d_OCSP_REQUEST(req, &der)) > 0);
	assert_true(EVP_EncodeBlock((unsigned char *)b64, der, n) > 0);
	ok(ocsp_get_decode(&out, &len, b64));
	assert_int_equal(len, n);
	assert_memory_equal(out, der, len);
	free(out);
	/* Padding may be left out. */
	ok(ocsp_get_decode(&out, &len, "QUI"));
	assert_int_equal(len, 2);
	assert_memory_equal(out, "AB", 2);
	free(out);
	ok(ocsp_get_decode(&out, &len, "QQ=="));
	assert_int_equal(len, 1);
	free(out);
	want_msg(ocsp_get_decode(&out, &len, ""), ERR_INVALID, "empty");
	want_msg(ocsp_get_decode(&out, &len, "QUJD!"), ERR_INVALID,
	    "character 5 is '!'");
	want_msg(ocsp_get_decode(&out, &len, "QUJD QUJD"), ERR_INVALID,
	    "character 5 is byte 0x20");
	want_msg(ocsp_get_decode(&out, &len, "QUJDR"), ERR_INVALID,
	    "whole encoding");
	want_msg(ocsp_get_decode(&out, &len, "QUI=="), ERR_INVALID,
	    "whole encoding");
	want_msg(ocsp_get_decode(&out, &len, "QR=="), ERR_INVALID,
	    "stray bits");
	/* base64url is not what RFC 6960 uses. */
	want_msg(ocsp_get_decode(&out, &len, "ab-_"), ERR_INVALID,
	    "character 3 is '-'");
	assert_null(out);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ocsp__try_later_before_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__good_revoked_and_resigning, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__responder_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__responder_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__responses_end_with_the_responder, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__unknown_sha256_and_several, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__nonce_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__other_issuers_are_unauthorized, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__garbage_is_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ocsp__get_decode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
