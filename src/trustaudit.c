/*
 * trustaudit.c: findings about a trust bundle (see trustaudit.h for the
 * rules and their severities). Issuer links are RFC 5280 section 6.1:
 * names chain (X509_check_issued() also matches the authority key
 * identifier and the issuer's keyUsage) and the signature verifies with
 * the issuer's key; a name match alone does not make an issuer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "trustaudit.h"
#include "util/timefmt.h"
#include "util/x509text.h"

#define ANCESTRY_MAX	16	/* longest issuer walk (cross-cert loops) */

struct audit {
	struct trustaudit_report *r;	/* being filled */
	size_t		 cap;		/* allocated findings */
	STACK_OF(X509)	*bundle;	/* borrowed */
	const struct trustaudit_opts *o;
	int		*dup;		/* per bundle index: 1-based index of
					   the earlier same certificate, or 0 */
	char		*self;		/* per bundle index: self-signed */
};

static const char *const severity_names[TRUSTAUDIT__MAX] = {
	"error", "warning", "info",
};

const char *
trustaudit_severity_name(enum trustaudit_severity s)
{
	return s < TRUSTAUDIT__MAX ? severity_names[s] : "unknown";
}

static int
add(struct audit *a, enum trustaudit_severity sev, const char *code,
    int index, X509 *x, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Append a finding about x (at index, -1 if not in the bundle). */
static int
add(struct audit *a, enum trustaudit_severity sev, const char *code,
    int index, X509 *x, const char *fmt, ...)
{
	struct trustaudit_report *r = a->r;
	struct trustaudit_finding *f, *v;
	char buf[512];
	va_list ap;
	size_t cap;

	if (r->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 8;
		if ((v = reallocarray(r->v, cap, sizeof(*v))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		r->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f = &r->v[r->n];
	memset(f, 0, sizeof(*f));
	f->severity = sev;
	f->code = code;
	f->index = index;
	if ((f->subject = x509text_name(X509_get_subject_name(x))) == NULL ||
	    (f->detail = strdup(buf)) == NULL) {
		free(f->subject);
		return err_set(ERR_NOMEM, "out of memory");
	}
	r->n++;
	r->count[sev]++;
	return 0;
}

/* 1 if issuer issued x: names, key identifiers and the signature agree. */
static int
issued_by(X509 *issuer, X509 *x)
{
	int ok;

	if (X509_check_issued(issuer, x) != X509_V_OK)
		return 0;
	/* A failed verification is an answer, not an error to keep. */
	ERR_set_mark();
	ok = X509_verify(x, X509_get0_pubkey(issuer)) == 1;
	ERR_pop_to_mark();
	return ok;
}

static int
check_validity(struct audit *a, int i, X509 *x)
{
	char buf[TIMEFMT_LEN];
	int64_t nb, na, at = a->o->at;

	nb = timefmt_asn1(X509_get0_notBefore(x));
	na = timefmt_asn1(X509_get0_notAfter(x));
	if (nb == 0 || na == 0)
		return add(a, TRUSTAUDIT_ERROR, "bad-validity", i, x,
		    "notBefore or notAfter does not decode");
	if (at < nb)
		return add(a, TRUSTAUDIT_ERROR, "not-yet-valid", i, x,
		    "valid only from %s", timefmt_utc(buf, nb));
	if (at > na)
		return add(a, TRUSTAUDIT_ERROR, "expired", i, x,
		    "expired %s", timefmt_utc(buf, na));
	if (na - at < (int64_t)a->o->warn_days * 86400)
		return add(a, TRUSTAUDIT_WARNING, "expiring", i, x,
		    "expires %s, in %lld days (warning from %d)",
		    timefmt_utc(buf, na), (long long)((na - at) / 86400),
		    a->o->warn_days);
	return 0;
}

static int
check_ca(struct audit *a, int i, X509 *x)
{
	uint32_t flags;

	if (X509_check_ca(x) != 0)
		return 0;
	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID)
		return add(a, TRUSTAUDIT_ERROR, "not-a-ca", i, x,
		    "its extensions do not decode");
	if (!(flags & EXFLAG_BCONS))
		return add(a, TRUSTAUDIT_ERROR, "not-a-ca", i, x,
		    "no basicConstraints: an end-entity certificate has no "
		    "place in a trust bundle");
	if (!(flags & EXFLAG_CA))
		return add(a, TRUSTAUDIT_ERROR, "not-a-ca", i, x,
		    "basicConstraints cA is FALSE: an end-entity certificate "
		    "has no place in a trust bundle");
	return add(a, TRUSTAUDIT_ERROR, "not-a-ca", i, x,
	    "keyUsage lacks keyCertSign");
}

static int
check_key(struct audit *a, int i, X509 *x)
{
	EVP_PKEY *pk;
	int id, bits, min;

	ERR_set_mark();
	pk = X509_get0_pubkey(x);
	ERR_pop_to_mark();
	if (pk == NULL)
		return add(a, TRUSTAUDIT_ERROR, "bad-key", i, x,
		    "the public key does not decode");
	id = EVP_PKEY_get_base_id(pk);
	bits = EVP_PKEY_get_bits(pk);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA)
		min = 2048;
	else if (id == EVP_PKEY_EC)
		min = 256;
	else
		return 0;
	if (bits >= min)
		return 0;
	return add(a, TRUSTAUDIT_ERROR, "weak-key", i, x,
	    "%s key of %d bits (at least %d)", EVP_PKEY_get0_type_name(pk),
	    bits, min);
}

static int
check_signature(struct audit *a, int i, X509 *x)
{
	const char *code;
	int mdnid = NID_undef, known;

	ERR_set_mark();
	known = X509_get_signature_info(x, &mdnid, NULL, NULL, NULL);
	ERR_pop_to_mark();
	/* An algorithm OpenSSL does not know is not a weak one. */
	if (!known)
		return 0;
	if (mdnid == NID_sha1)
		code = "sha1-signature";
	else if (mdnid == NID_md5 || mdnid == NID_md5_sha1 ||
	    mdnid == NID_md4 || mdnid == NID_md2)
		code = "weak-signature";
	else
		return 0;
	if (a->self[i])
		return add(a, TRUSTAUDIT_INFO, code, i, x,
		    "self-signed with %s: harmless, clients do not rely on "
		    "a root's own signature", OBJ_nid2sn(mdnid));
	return add(a, TRUSTAUDIT_ERROR, code, i, x, "signed with %s, which "
	    "clients refuse", OBJ_nid2sn(mdnid));
}

/* 1 if some other distinct certificate of the bundle issued x. */
static int
has_issuer(struct audit *a, int i, X509 *x)
{
	int k;

	for (k = 0; k < sk_X509_num(a->bundle); k++)
		if (k != i && !a->dup[k] &&
		    issued_by(sk_X509_value(a->bundle, k), x))
			return 1;
	return 0;
}

/* 1 if root (at index i) issued another certificate of the bundle. */
static int
has_subordinate(struct audit *a, int i, X509 *root)
{
	int k;

	for (k = 0; k < sk_X509_num(a->bundle); k++)
		if (k != i && !a->dup[k] && !a->self[k] &&
		    issued_by(root, sk_X509_value(a->bundle, k)))
			return 1;
	return 0;
}

/* An issuer of x among the bundle and our CAs, or NULL. Borrowed. */
static X509 *
find_issuer(struct audit *a, X509 *x)
{
	STACK_OF(X509) *pool[2] = { a->bundle, a->o->ours };
	X509 *c;
	int p, k;

	for (p = 0; p < 2; p++)
		for (k = 0; k < sk_X509_num(pool[p]); k++) {
			c = sk_X509_value(pool[p], k);
			if (X509_cmp(c, x) != 0 && issued_by(c, x))
				return c;
		}
	return NULL;
}

/* 1 if one of our CAs is root or chains up to it. */
static int
root_is_ours(struct audit *a, X509 *root)
{
	X509 *cur;
	int k, depth;

	for (k = 0; k < sk_X509_num(a->o->ours); k++) {
		cur = sk_X509_value(a->o->ours, k);
		for (depth = 0; cur != NULL && depth < ANCESTRY_MAX; depth++) {
			if (X509_cmp(cur, root) == 0)
				return 1;
			if (X509_self_signed(cur, 0) == 1)
				break;
			cur = find_issuer(a, cur);
		}
	}
	return 0;
}

static int
check_links(struct audit *a, int i, X509 *x)
{
	char *iss;
	int rc;

	if (!a->self[i]) {
		/* A leaf's missing issuer adds nothing to "not-a-ca". */
		if (X509_check_ca(x) == 0 || has_issuer(a, i, x))
			return 0;
		if ((iss = x509text_name(X509_get_issuer_name(x))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		rc = add(a, TRUSTAUDIT_ERROR, "missing-issuer", i, x,
		    "its issuer \"%s\" is not in the bundle", iss);
		free(iss);
		return rc;
	}
	if (a->o->ours != NULL && !root_is_ours(a, x))
		return add(a, TRUSTAUDIT_WARNING, "unnecessary-root", i, x,
		    "none of our CAs chains to this root");
	if (!has_subordinate(a, i, x))
		return add(a, TRUSTAUDIT_WARNING, "unused-root", i, x,
		    "nothing in the bundle chains to this root");
	return 0;
}

static int
check_ours_present(struct audit *a)
{
	X509 *c;
	int k, j, found, rc;

	for (k = 0; k < sk_X509_num(a->o->ours); k++) {
		c = sk_X509_value(a->o->ours, k);
		found = 0;
		for (j = 0; !found && j < sk_X509_num(a->bundle); j++)
			found = X509_cmp(c, sk_X509_value(a->bundle, j)) == 0;
		if (!found && (rc = add(a, TRUSTAUDIT_ERROR, "missing-ours", -1,
		    c, "our CA is not in the bundle: certificates under it "
		    "do not chain")) != 0)
			return rc;
	}
	return 0;
}

int
trustaudit_run(struct trustaudit_report **out, STACK_OF(X509) *bundle,
    const struct trustaudit_opts *o)
{
	struct audit a;
	X509 *x;
	int n, i, j, rc;

	*out = NULL;
	memset(&a, 0, sizeof(a));
	a.bundle = bundle;
	a.o = o;
	n = sk_X509_num(bundle);
	if ((a.r = calloc(1, sizeof(*a.r))) == NULL ||
	    (a.dup = calloc((size_t)n + 1, sizeof(*a.dup))) == NULL ||
	    (a.self = calloc((size_t)n + 1, 1)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Links between certificates need every repeat known first. */
	for (i = 0; i < n; i++) {
		x = sk_X509_value(bundle, i);
		a.self[i] = X509_self_signed(x, 0) == 1;
		for (j = 0; j < i && a.dup[i] == 0; j++)
			if (a.dup[j] == 0 &&
			    X509_cmp(sk_X509_value(bundle, j), x) == 0)
				a.dup[i] = j + 1;
	}
	for (i = 0; i < n; i++) {
		x = sk_X509_value(bundle, i);
		if (a.dup[i] != 0)
			rc = add(&a, TRUSTAUDIT_WARNING, "duplicate", i, x,
			    "the same certificate as certificate %d",
			    a.dup[i]);
		else if ((rc = check_validity(&a, i, x)) == 0 &&
		    (rc = check_ca(&a, i, x)) == 0 &&
		    (rc = check_key(&a, i, x)) == 0 &&
		    (rc = check_signature(&a, i, x)) == 0)
			rc = check_links(&a, i, x);
		if (rc != 0)
			goto out;
	}
	if (o->ours != NULL && (rc = check_ours_present(&a)) != 0)
		goto out;
	*out = a.r;
	a.r = NULL; /* transferred */
	rc = 0;
out:
	trustaudit_report_free(a.r);
	free(a.dup);
	free(a.self);
	return rc;
}

void
trustaudit_report_free(struct trustaudit_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].subject);
		free(r->v[i].detail);
	}
	free(r->v);
	free(r);
}
