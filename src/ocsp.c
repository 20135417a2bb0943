/*
 * ocsp.c: the OCSP responder (RFC 6960) of mailcert's issuing CAs: the
 * cache of pre-produced responses and the answers made from it.
 *
 * ocsp_refresh() builds a new generation (one table per CA, sorted by
 * serial) and swaps it in; answering threads hold a reference on the
 * generation they read, so a refresh never waits for them nor they for
 * it, beyond a pointer swap. Responses are signed with SHA-1 CertIDs
 * (what openssl, NSS and Windows send, RFC 5019 section 2.1.1); a request
 * with a SHA-256 CertID, or with several CertIDs, is answered from the
 * same status records but signed on the spot, as is "unknown". Unchanged
 * responses are shared between generations (reference-counted DER), so a
 * refresh signs only what is new, changed, or half-way to nextUpdate.
 *
 * producedAt is the real clock (OpenSSL sets it while signing); thisUpdate
 * and nextUpdate follow the `now` the caller passes.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "config.h"
#include "err.h"
#include "ocsp-int.h"
#include "ocsp.h"
#include "store.h"

#define SERIAL_MAX	32	/* bytes; mailcert's serials have 20 */
#define B64_MAX		(64 * 1024) /* GET requests are a few hundred */
#define HOUR		3600

/* A DER OCSPResponse shared by the generations that hold it. */
struct blob {
	atomic_size_t	 ref;
	size_t		 len;
	unsigned char	 der[];
};

/* One serial's status and its pre-produced response. */
struct entry {
	unsigned char	 serial[SERIAL_MAX]; /* magnitude, big-endian */
	size_t		 serial_len;
	int		 state;		/* enum cert_state */
	int		 reason;	/* CRLReason when revoked */
	int64_t		 revoked_at;
	int64_t		 this_update;
	int64_t		 next_update;
	struct blob	*resp;		/* SHA-1 CertID response */
};

/* One issuing CA served. */
struct gca {
	int64_t		 id;
	char		*name;		/* URL path segment */
	X509		*cert;
	unsigned char	 name1[SHA_DIGEST_LENGTH];   /* SHA-1 of subject */
	unsigned char	 key1[SHA_DIGEST_LENGTH];    /* SHA-1 of key */
	unsigned char	 name256[SHA256_DIGEST_LENGTH];
	unsigned char	 key256[SHA256_DIGEST_LENGTH];
	struct ocsp_responder *rsp;
	struct entry	*e;		/* sorted by serial */
	size_t		 n;
};

/* What answering threads read; immutable once published. */
struct gen {
	atomic_size_t	 ref;
	struct gca	*cas;
	size_t		 n;
};

struct ocsp_cache {
	pthread_mutex_t	 mu;		/* guards cur (the swap only) */
	pthread_mutex_t	 refresh_mu;	/* one refresh at a time */
	struct gen	*cur;		/* NULL before the first refresh */
};

static void
blob_put(struct blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->ref, 1) == 1)
		free(b);
}

static void
gca_clear(struct gca *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		blob_put(g->e[i].resp);
	free(g->e);
	free(g->name);
	X509_free(g->cert);
	ocsp_responder_free(g->rsp);
	memset(g, 0, sizeof(*g));
}

static void
gen_put(struct gen *g)
{
	size_t i;

	if (g == NULL || atomic_fetch_sub(&g->ref, 1) != 1)
		return;
	for (i = 0; i < g->n; i++)
		gca_clear(&g->cas[i]);
	free(g->cas);
	free(g);
}

/* The current generation with a reference held, or NULL. */
static struct gen *
gen_get(struct ocsp_cache *c)
{
	struct gen *g;

	pthread_mutex_lock(&c->mu);
	if ((g = c->cur) != NULL)
		atomic_fetch_add(&g->ref, 1);
	pthread_mutex_unlock(&c->mu);
	return g;
}

int
ocsp_cache_new(struct ocsp_cache **out)
{
	struct ocsp_cache *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return err_set(ERR_INTERNAL, "cannot create a mutex");
	}
	if (pthread_mutex_init(&c->refresh_mu, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		return err_set(ERR_INTERNAL, "cannot create a mutex");
	}
	*out = c;
	return 0;
}

void
ocsp_cache_free(struct ocsp_cache *c)
{
	if (c == NULL)
		return;
	gen_put(c->cur);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->refresh_mu);
	free(c);
}

/* Compare serial magnitudes: shorter is smaller, then bytewise. */
static int
serial_cmp(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return serial_cmp(x->serial, x->serial_len, y->serial, y->serial_len);
}

static const struct entry *
entry_find(const struct gca *g, const unsigned char *s, size_t len)
{
	size_t lo = 0, hi = g->n, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = serial_cmp(s, len, g->e[mid].serial, g->e[mid].serial_len);
		if (d == 0)
			return &g->e[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* When a pre-produced response is due to be signed again. */
static int64_t
entry_due(const struct entry *e)
{
	return e->this_update + (e->next_update - e->this_update) / 2;
}

/* Add e's status for CertID cid to bs. */
static int
add_status(OCSP_BASICRESP *bs, OCSP_CERTID *cid, const struct entry *e)
{
	ASN1_TIME *rev = NULL, *tu = NULL, *nu = NULL;
	int status, reason = OCSP_REVOKED_STATUS_NOSTATUS, rc = 0;

	status = e->state == CERT_STATE_REVOKED ? V_OCSP_CERTSTATUS_REVOKED :
	    V_OCSP_CERTSTATUS_GOOD;
	/* "unspecified" is never written, as on the CRL (crl.c). */
	if (status == V_OCSP_CERTSTATUS_REVOKED && e->reason > 0)
		reason = e->reason;
	if ((tu = ASN1_TIME_set(NULL, (time_t)e->this_update)) == NULL ||
	    (nu = ASN1_TIME_set(NULL, (time_t)e->next_update)) == NULL ||
	    (status == V_OCSP_CERTSTATUS_REVOKED &&
	    (rev = ASN1_TIME_set(NULL, (time_t)e->revoked_at)) == NULL) ||
	    OCSP_basic_add1_status(bs, cid, status, reason, rev, tu,
	    nu) == NULL)
		rc = err_ossl(ERR_CRYPTO, "cannot add an OCSP status");
	ASN1_TIME_free(rev);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	return rc;
}

/*
 * "unknown" for cid: no nextUpdate, because the serial may be issued
 * and picked up by the next refresh (RFC 6960 section 2.4).
 */
static int
add_unknown(OCSP_BASICRESP *bs, OCSP_CERTID *cid, int64_t now)
{
	ASN1_TIME *tu;
	int rc = 0;

	if ((tu = ASN1_TIME_set(NULL, (time_t)now)) == NULL ||
	    OCSP_basic_add1_status(bs, cid, V_OCSP_CERTSTATUS_UNKNOWN, 0,
	    NULL, tu, NULL) == NULL)
		rc = err_ossl(ERR_CRYPTO, "cannot add an OCSP status");
	ASN1_TIME_free(tu);
	return rc;
}

/*
 * Sign bs with r (responder ID byKey, r's certificate included) and wrap
 * it in a successful OCSPResponse, DER in *out (malloc'd).
 */
static int
sign_wrap(unsigned char **out, size_t *len, OCSP_BASICRESP *bs,
    const struct ocsp_responder *r)
{
	OCSP_RESPONSE *resp = NULL;
	unsigned char *der = NULL, *p;
	int n, rc = ERR_CRYPTO;

	*out = NULL;
	if (!OCSP_basic_sign(bs, r->cert, r->key, EVP_sha256(), NULL,
	    OCSP_RESPID_KEY) ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (n = i2d_OCSP_RESPONSE(resp, NULL)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "cannot sign an OCSP response");
		goto out;
	}
	if ((der = malloc((size_t)n)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	p = der;
	if (i2d_OCSP_RESPONSE(resp, &p) != n) {
		rc = err_ossl(ERR_CRYPTO, "cannot encode an OCSP response");
		goto out;
	}
	*out = der;
	*len = (size_t)n;
	der = NULL; /* transferred */
	rc = 0;
out:
	free(der);
	OCSP_RESPONSE_free(resp);
	return rc;
}

/* Sign e's response with a SHA-1 CertID, into a new blob. */
static int
produce(struct blob **out, const struct gca *g, const struct entry *e)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *cid = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	unsigned char *der = NULL;
	struct blob *b;
	size_t len;
	int rc = ERR_CRYPTO;

	*out = NULL;
	if ((bn = BN_bin2bn(e->serial, (int)e->serial_len, NULL)) == NULL ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (cid = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(g->cert),
	    X509_get0_pubkey_bitstr(g->cert), serial)) == NULL ||
	    (bs = OCSP_BASICRESP_new()) == NULL) {
		rc = err_ossl(ERR_CRYPTO, "cannot build an OCSP response");
		goto out;
	}
	if ((rc = add_status(bs, cid, e)) != 0 ||
	    (rc = sign_wrap(&der, &len, bs, g->rsp)) != 0)
		goto out;
	if ((b = malloc(sizeof(*b) + len)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	atomic_init(&b->ref, 1);
	b->len = len;
	memcpy(b->der, der, len);
	*out = b;
out:
	free(der);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(cid);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

/* The four CertID hashes of CA certificate x. */
static int
issuer_hashes(struct gca *g)
{
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(g->cert);
	unsigned char *name = NULL;
	int n, rc = 0;

	if ((n = i2d_X509_NAME(X509_get_subject_name(g->cert), &name)) <= 0 ||
	    key == NULL ||
	    !EVP_Digest(name, (size_t)n, g->name1, NULL, EVP_sha1(), NULL) ||
	    !EVP_Digest(name, (size_t)n, g->name256, NULL, EVP_sha256(),
	    NULL) ||
	    !EVP_Digest(key->data, (size_t)key->length, g->key1, NULL,
	    EVP_sha1(), NULL) ||
	    !EVP_Digest(key->data, (size_t)key->length, g->key256, NULL,
	    EVP_sha256(), NULL))
		rc = err_ossl(ERR_CRYPTO, "cannot hash CA \"%s\"", g->name);
	OPENSSL_free(name);
	return rc;
}

/* Status and serial of stored certificate c into e. */
static int
entry_from(struct entry *e, const struct store_cert *c)
{
	BIGNUM *bn = NULL;
	int n, rc = 0;

	memset(e, 0, sizeof(*e));
	if (BN_hex2bn(&bn, c->serial) == 0 ||
	    (n = BN_num_bytes(bn)) > SERIAL_MAX)
		rc = err_set(ERR_STORE, "stored serial \"%s\" is not usable",
		    c->serial);
	else {
		e->serial_len = (size_t)BN_bn2bin(bn, e->serial);
		e->state = c->state;
		e->reason = c->reason;
		e->revoked_at = c->revoked_at;
	}
	BN_free(bn);
	return rc;
}

/*
 * Fill g's entries from the CA's certificates, reusing old's responses
 * where the status is unchanged, the responder the same and the response
 * not yet due.
 */
static int
fill_entries(struct gca *g, const struct gca *old,
    struct store_cert **certs, size_t n, const struct config *cfg,
    int64_t now, struct ocsp_refresh_stats *stats)
{
	const struct entry *o;
	struct entry *e;
	int64_t next;
	size_t i;
	int rc;

	if (n > 0 && (g->e = calloc(n, sizeof(*g->e))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((rc = entry_from(&g->e[g->n], certs[i])) != 0)
			return rc;
		g->n++;
	}
	qsort(g->e, g->n, sizeof(*g->e), entry_cmp);
	next = now + (int64_t)cfg->ocsp_validity_hours * HOUR;
	/* A response must not outlive the certificate that signs it. */
	if (next > g->rsp->not_after)
		next = g->rsp->not_after;
	for (i = 0; i < g->n; i++) {
		e = &g->e[i];
		o = old != NULL && old->rsp->id == g->rsp->id ?
		    entry_find(old, e->serial, e->serial_len) : NULL;
		if (o != NULL && o->state == e->state &&
		    o->reason == e->reason && o->revoked_at == e->revoked_at &&
		    now < entry_due(o)) {
			e->this_update = o->this_update;
			e->next_update = o->next_update;
			e->resp = o->resp;
			atomic_fetch_add(&e->resp->ref, 1);
			continue;
		}
		e->this_update = now;
		e->next_update = next;
		if ((rc = produce(&e->resp, g, e)) != 0)
			return rc;
		stats->signed_now++;
	}
	return 0;
}

static const struct gca *
gca_find(const struct gen *g, const char *name)
{
	size_t i;

	for (i = 0; g != NULL && i < g->n; i++)
		if (strcmp(g->cas[i].name, name) == 0)
			return &g->cas[i];
	return NULL;
}

/*
 * The generation's table for CA rec, or *served = 0 when the CA has no
 * unexpired certificate or no responder can be had.
 */
static int
build_ca(struct gca *g, int *served, struct store *st,
    const struct config *cfg, const struct kek *kek,
    const struct store_ca *rec, const struct gca *old, int64_t now,
    struct ocsp_refresh_stats *stats)
{
	struct store_cert_filter f;
	struct store_cert **certs = NULL;
	const unsigned char *p = rec->der;
	size_t n = 0, i;
	int rc, made, live = 0;

	memset(g, 0, sizeof(*g));
	*served = 0;
	memset(&f, 0, sizeof(f));
	f.ca_id = rec->id;
	f.state = -1;
	f.expired = -1;
	f.now = now;
	if ((rc = store_cert_list(&certs, &n, st, &f)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		live |= certs[i]->not_after > now;
	if (!live)
		goto out;
	rc = ocsp_responder_get(&g->rsp, &made, st, kek, cfg, rec,
	    old != NULL ? old->rsp : NULL, now);
	if (rc == ERR_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	stats->responders_made += (size_t)made;
	g->id = rec->id;
	if ((g->name = strdup(rec->name)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((g->cert = d2i_X509(NULL, &p, (long)rec->der_len)) == NULL) {
		rc = err_ossl(ERR_STORE, "stored certificate of CA \"%s\" does "
		    "not decode", rec->name);
		goto out;
	}
	if ((rc = issuer_hashes(g)) != 0 ||
	    (rc = fill_entries(g, old, certs, n, cfg, now, stats)) != 0)
		goto out;
	*served = 1;
out:
	if (!*served)
		gca_clear(g);
	store_cert_list_free(certs, n);
	return rc;
}

int
ocsp_refresh(struct ocsp_cache *c, struct store *st, const struct config *cfg,
    const struct kek *kek, int64_t now, struct ocsp_refresh_stats *stats)
{
	struct ocsp_refresh_stats dummy;
	struct store_ca **cas = NULL;
	struct gen *old, *g = NULL;
	size_t n = 0, i;
	int rc, served;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	pthread_mutex_lock(&c->refresh_mu);
	old = gen_get(c);
	if ((rc = store_ca_list(&cas, &n, st)) != 0)
		goto out;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (n > 0 && (g->cas = calloc(n, sizeof(*g->cas))) == NULL)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	atomic_init(&g->ref, 1);
	for (i = 0; i < n; i++) {
		if (cas[i]->role != STORE_CA_ISSUING)
			continue;
		if ((rc = build_ca(&g->cas[g->n], &served, st, cfg, kek,
		    cas[i], gca_find(old, cas[i]->name), now, stats)) != 0)
			goto out;
		if (served) {
			stats->responses += g->cas[g->n].n;
			g->n++;
		}
	}
	stats->cas = g->n;
	pthread_mutex_lock(&c->mu);
	gen_put(c->cur);
	c->cur = g;
	g = NULL; /* transferred */
	pthread_mutex_unlock(&c->mu);
out:
	gen_put(g);
	gen_put(old);
	store_ca_list_free(cas, n);
	pthread_mutex_unlock(&c->refresh_mu);
	return rc;
}

/* A response with no body: an error status (RFC 6960 section 4.2.1). */
static int
status_only(unsigned char **out, size_t *len, int status)
{
	static const unsigned char tmpl[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };

	if ((*out = malloc(sizeof(tmpl))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(*out, tmpl, sizeof(tmpl));
	(*out)[sizeof(tmpl) - 1] = (unsigned char)status;
	*len = sizeof(tmpl);
	return 0;
}

/*
 * Whether cid names CA g as issuer (1) and which table entry its serial
 * has (*e, NULL if never issued). *sha1 is set for SHA-1 CertIDs.
 */
static int
match(const struct entry **e, int *sha1, const struct gca *g,
    OCSP_CERTID *cid)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *alg = NULL;
	ASN1_INTEGER *serial = NULL;
	const unsigned char *name, *key, *s;
	size_t hlen;
	int len;

	*e = NULL;
	*sha1 = 0;
	if (!OCSP_id_get0_info(&nh, &alg, &kh, &serial, cid))
		return 0;
	switch (OBJ_obj2nid(alg)) {
	case NID_sha1:
		*sha1 = 1;
		name = g->name1;
		key = g->key1;
		hlen = SHA_DIGEST_LENGTH;
		break;
	case NID_sha256:
		name = g->name256;
		key = g->key256;
		hlen = SHA256_DIGEST_LENGTH;
		break;
	default:
		return 0;	/* an issuer we cannot recognise is not ours */
	}
	if ((size_t)ASN1_STRING_length(nh) != hlen ||
	    (size_t)ASN1_STRING_length(kh) != hlen ||
	    memcmp(ASN1_STRING_get0_data(nh), name, hlen) != 0 ||
	    memcmp(ASN1_STRING_get0_data(kh), key, hlen) != 0)
		return 0;
	if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER)
		return 1;	/* never issued */
	s = ASN1_STRING_get0_data(serial);
	len = ASN1_STRING_length(serial);
	while (len > 0 && *s == 0) {
		s++;
		len--;
	}
	*e = entry_find(g, s, (size_t)len);
	return 1;
}

/* Answer every CertID of req on the spot. */
static int
sign_now(unsigned char **out, size_t *len, int *max_age, const struct gca *g,
    OCSP_REQUEST *req, int64_t now)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *cid;
	const struct entry *e;
	int64_t age = INT64_MAX;
	int i, n = OCSP_request_onereq_count(req), sha1, rc = 0;

	if ((bs = OCSP_BASICRESP_new()) == NULL)
		return err_ossl(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		match(&e, &sha1, g, cid);
		if (e == NULL) {
			rc = add_unknown(bs, cid, now);
			age = 0;
		} else {
			rc = add_status(bs, cid, e);
			if (entry_due(e) - now < age)
				age = entry_due(e) - now;
		}
	}
	if (rc == 0 && (rc = sign_wrap(out, len, bs, g->rsp)) == 0)
		*max_age = age > 0 ? (age > INT32_MAX ? INT32_MAX : (int)age) :
		    0;
	OCSP_BASICRESP_free(bs);
	return rc;
}

/* The answer for a request that parsed, from generation g. */
static int
answer(unsigned char **out, size_t *len, int *max_age, const struct gen *g,
    const char *ca_name, OCSP_REQUEST *req, int64_t now)
{
	const struct gca *ca;
	const struct entry *e = NULL;
	int i, n = OCSP_request_onereq_count(req), sha1 = 0;

	if ((ca = gca_find(g, ca_name)) == NULL)
		return status_only(out, len, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	for (i = 0; i < n; i++)
		if (!match(&e, &sha1, ca, OCSP_onereq_get0_id(
		    OCSP_request_onereq_get0(req, i))))
			return status_only(out, len,
			    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	if (n != 1 || !sha1 || e == NULL)
		return sign_now(out, len, max_age, ca, req, now);
	if ((*out = malloc(e->resp->len)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(*out, e->resp->der, e->resp->len);
	*len = e->resp->len;
	if (entry_due(e) > now)
		*max_age = entry_due(e) - now > INT32_MAX ? INT32_MAX :
		    (int)(entry_due(e) - now);
	return 0;
}

int
ocsp_answer(unsigned char **resp, size_t *resp_len, int *max_age,
    struct ocsp_cache *c, const char *ca_name, const unsigned char *req,
    size_t req_len, int64_t now)
{
	OCSP_REQUEST *r = NULL;
	const unsigned char *p = req;
	struct gen *g;
	int rc;

	*resp = NULL;
	*resp_len = 0;
	*max_age = 0;
	if ((g = gen_get(c)) == NULL)
		return status_only(resp, resp_len,
		    OCSP_RESPONSE_STATUS_TRYLATER);
	if (req_len == 0 || req_len > LONG_MAX ||
	    (r = d2i_OCSP_REQUEST(NULL, &p, (long)req_len)) == NULL ||
	    p != req + req_len || OCSP_request_onereq_count(r) <= 0) {
		/* A bad request is the client's problem, not an error. */
		ERR_clear_error();
		rc = status_only(resp, resp_len,
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	} else
		rc = answer(resp, resp_len, max_age, g, ca_name, r, now);
	OCSP_REQUEST_free(r);
	gen_put(g);
	return rc;
}

/* The 6-bit value of base64 character ch, or -1. */
static int
b64_val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int
ocsp_get_decode(unsigned char **out, size_t *len, const char *b64)
{
	size_t n = strlen(b64), pad = 0, i, o = 0;
	unsigned char *buf;
	uint32_t acc = 0;
	int v, bits = 0;

	*out = NULL;
	*len = 0;
	if (n == 0)
		return err_set(ERR_INVALID, "the OCSP request in the URL is "
		    "empty");
	if (n > B64_MAX)
		return err_set(ERR_INVALID, "the OCSP request in the URL is "
		    "longer than %d characters", B64_MAX);
	while (pad < 2 && pad < n && b64[n - 1 - pad] == '=')
		pad++;
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < n - pad; i++) {
		if ((v = b64_val((unsigned char)b64[i])) < 0) {
			free(buf);
			if (b64[i] > 0x20 && b64[i] < 0x7f)
				return err_set(ERR_INVALID, "the OCSP request "
				    "in the URL is not base64: character %zu "
				    "is '%c'", i + 1, b64[i]);
			return err_set(ERR_INVALID, "the OCSP request in the "
			    "URL is not base64: character %zu is byte 0x%02x",
			    i + 1, (unsigned char)b64[i]);
		}
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* Padding is optional, but what is there must add up. */
	if ((pad > 0 && n % 4 != 0) || (n - pad) % 4 == 1) {
		free(buf);
		return err_set(ERR_INVALID, "the OCSP request in the URL is "
		    "not base64: %zu characters cannot be a whole encoding", n);
	}
	/* Leftover bits must be zero, or the text is not canonical. */
	if ((acc & ((1u << bits) - 1)) != 0) {
		free(buf);
		return err_set(ERR_INVALID, "the OCSP request in the URL is not "
		    "base64: its last character has stray bits");
	}
	*out = buf;
	*len = o;
	return 0;
}
