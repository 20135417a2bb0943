/*
 * trustcheck.c: the acceptance checks of trustcheck.h. The chain is built
 * by OpenSSL (RFC 5280 section 6) without looking at times, so that an
 * expired intermediate is reported as what it is by the validity check
 * instead of hiding the structure of the chain. CRLs (RFC 5280 section
 * 5, 6.3) are judged here rather than by X509_verify_cert(), so each way
 * a CRL can be unusable gets its own reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certread.h"
#include "err.h"
#include "fetch.h"
#include "trustcheck.h"
#include "util/timefmt.h"
#include "util/x509text.h"

#define REASON_MAX	1024	/* one check's reason, truncated beyond */

struct run {
	struct trustcheck_report *r;	/* being filled */
	size_t		 cap;		/* allocated items */
	const struct trustcheck_input *in;
	STACK_OF(X509)	*chain;		/* leaf first, as far as it was built */
};

/* How one certificate fares against the CRLs from its issuer. */
enum crl_verdict {
	CRL_NOT_REVOKED,
	CRL_NONE,		/* no CRL from its issuer at hand */
	CRL_BAD,		/* revoked, or the CRL is unusable */
};

static const char *const result_names[TRUSTCHECK__MAX] = {
	"PASS", "FAIL", "SKIP",
};

/* RFC 5280 5.3.1 CRLReason, by value. */
static const char *const crl_reasons[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};
#define NREASONS	(sizeof(crl_reasons) / sizeof(crl_reasons[0]))

const char *
trustcheck_result_name(enum trustcheck_result r)
{
	return r < TRUSTCHECK__MAX ? result_names[r] : "UNKNOWN";
}

static void
cat(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append to the string in buf; what does not fit is cut off. */
static void
cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* "; " between the parts of a reason. */
static const char *
sep(const char *buf)
{
	return buf[0] != '\0' ? "; " : "";
}

/* Append "subject of x" in quotes; ERR_NOMEM if it cannot be made. */
static int
cat_name(char *buf, size_t size, const X509_NAME *n)
{
	char *s;

	if ((s = x509text_name(n)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	cat(buf, size, "\"%s\"", s);
	free(s);
	return 0;
}

/* Append the bytes of an address, with anything unprintable as '?'. */
static void
cat_bytes(char *buf, size_t size, const unsigned char *p, int len)
{
	char c[2] = { 0, 0 };
	int i;

	cat(buf, size, "\"");
	for (i = 0; i < len; i++) {
		c[0] = p[i] < 0x20 || p[i] >= 0x7f ? '?' : (char)p[i];
		cat(buf, size, "%s", c);
	}
	cat(buf, size, "\"");
}

static int
item(struct run *c, const char *name, enum trustcheck_result res,
    const char *reason)
{
	struct trustcheck_report *r = c->r;
	struct trustcheck_item *v;
	size_t cap;

	if (r->n == c->cap) {
		cap = c->cap ? c->cap * 2 : 8;
		if ((v = reallocarray(r->v, cap, sizeof(*v))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		r->v = v;
		c->cap = cap;
	}
	if ((r->v[r->n].reason = strdup(reason)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	r->v[r->n].name = name;
	r->v[r->n].result = res;
	r->n++;
	r->count[res]++;
	return 0;
}

/* --- chain ------------------------------------------------------------- */

static int
chain_reason(char *why, size_t size, int err, X509 *cur, STACK_OF(X509) *ch)
{
	X509 *top = sk_X509_value(ch, sk_X509_num(ch) - 1);
	int rc = 0;

	if (cur == NULL)
		cur = top;
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		cat(why, size, "the issuer ");
		if ((rc = cat_name(why, size, X509_get_issuer_name(top))) != 0)
			break;
		cat(why, size, " of ");
		if ((rc = cat_name(why, size, X509_get_subject_name(top))) != 0)
			break;
		cat(why, size, " is in neither the trust bundle nor the "
		    "certificate's file: an intermediate is missing or the "
		    "root is not trusted");
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		cat(why, size, "the chain ends at the root ");
		rc = cat_name(why, size, X509_get_subject_name(top));
		cat(why, size, ", which is not in the trust bundle");
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		cat(why, size, "the certificate is self-signed and not in the "
		    "trust bundle");
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		cat(why, size, "the signature of ");
		rc = cat_name(why, size, X509_get_subject_name(cur));
		cat(why, size, " does not verify with its issuer's key");
		break;
	case X509_V_ERR_INVALID_CA:
		rc = cat_name(why, size, X509_get_subject_name(cur));
		cat(why, size, " issues certificates but is not a CA");
		break;
	default:
		rc = cat_name(why, size, X509_get_subject_name(cur));
		cat(why, size, ": %s", X509_verify_cert_error_string(err));
	}
	return rc;
}

static int
check_chain(struct run *c)
{
	const struct trustcheck_input *in = c->in;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	char why[REASON_MAX] = "";
	int i, n, ok, rc;

	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < sk_X509_num(in->trust); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(in->trust, i))) {
			rc = err_ossl(ERR_CRYPTO, "cannot add trust bundle "
			    "certificate %d to a store", i + 1);
			goto out;
		}
	if (!X509_STORE_CTX_init(ctx, store, in->leaf, in->untrusted)) {
		rc = err_ossl(ERR_CRYPTO, "cannot set up chain building");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	/* A chain that does not build is an answer, not an error to keep. */
	ERR_set_mark();
	ok = X509_verify_cert(ctx) == 1;
	ERR_pop_to_mark();
	/* On failure this is the chain as far as it was built. */
	c->chain = X509_STORE_CTX_get1_chain(ctx);
	if (c->chain == NULL || sk_X509_num(c->chain) == 0) {
		sk_X509_pop_free(c->chain, X509_free);
		if ((c->chain = sk_X509_new_null()) == NULL ||
		    !sk_X509_push(c->chain, in->leaf)) {
			rc = err_ossl(ERR_NOMEM, "out of memory");
			goto out;
		}
		X509_up_ref(in->leaf);
	}
	n = sk_X509_num(c->chain);
	if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_OK) {
		/* Failed without a verdict: out of memory or the like. */
		rc = err_ossl(ERR_CRYPTO, "cannot build the chain");
		goto out;
	}
	if (!ok) {
		if ((rc = chain_reason(why, sizeof(why),
		    X509_STORE_CTX_get_error(ctx),
		    X509_STORE_CTX_get_current_cert(ctx), c->chain)) != 0)
			goto out;
		rc = item(c, "chain", TRUSTCHECK_FAIL, why);
		goto out;
	}
	if (n == 1)
		cat(why, sizeof(why), "the certificate itself is in the "
		    "trust bundle");
	for (i = 1; i < n; i++) {
		cat(why, sizeof(why), "%s", i == 1 ? "issued by " :
		    i == n - 1 ? ", under the trusted root " : ", under ");
		if ((rc = cat_name(why, sizeof(why),
		    X509_get_subject_name(sk_X509_value(c->chain, i)))) != 0)
			goto out;
		if (n == 2)
			cat(why, sizeof(why), ", a trusted root");
	}
	rc = item(c, "chain", TRUSTCHECK_PASS, why);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/* --- validity ---------------------------------------------------------- */

static int
check_validity(struct run *c)
{
	char why[REASON_MAX] = "", t[TIMEFMT_LEN];
	int64_t nb, na, first = 0, at = c->in->at;
	X509 *x, *firstx = NULL;
	int i, n = sk_X509_num(c->chain), bad = 0, rc;

	for (i = 0; i < n; i++) {
		x = sk_X509_value(c->chain, i);
		nb = timefmt_asn1(X509_get0_notBefore(x));
		na = timefmt_asn1(X509_get0_notAfter(x));
		if (nb != 0 && na != 0 && nb <= at && at <= na) {
			if (firstx == NULL || na < first) {
				first = na;
				firstx = x;
			}
			continue;
		}
		cat(why, sizeof(why), "%s", sep(why));
		if ((rc = cat_name(why, sizeof(why),
		    X509_get_subject_name(x))) != 0)
			return rc;
		if (nb == 0 || na == 0)
			cat(why, sizeof(why), ": validity does not decode");
		else if (at < nb)
			cat(why, sizeof(why), " is valid only from %s",
			    timefmt_utc(t, nb));
		else
			cat(why, sizeof(why), " expired %s",
			    timefmt_utc(t, na));
		bad++;
	}
	if (bad)
		return item(c, "validity", TRUSTCHECK_FAIL, why);
	cat(why, sizeof(why), "%d certificate%s valid at %s; the first to "
	    "expire is ", n, n == 1 ? "" : "s", timefmt_utc(t, at));
	if ((rc = cat_name(why, sizeof(why),
	    X509_get_subject_name(firstx))) != 0)
		return rc;
	cat(why, sizeof(why), " on %s", timefmt_utc(t, first));
	return item(c, "validity", TRUSTCHECK_PASS, why);
}

/* --- revocation -------------------------------------------------------- */

/*
 * Download the CRL of x from its first http:// distribution point that
 * answers with a CRL. *out is empty if x names no http:// CRL DP. If
 * every URL fails, the last failure (ERR_IO, ERR_INVALID) with its
 * message; the caller turns that into a verdict.
 */
static int
fetch_crls(STACK_OF(X509_CRL) **out, const struct trustcheck_input *in,
    X509 *x)
{
	STACK_OF(DIST_POINT) *dps;
	STACK_OF(X509_CRL) *got = NULL;
	DIST_POINT_NAME *dpn;
	GENERAL_NAME *gn;
	const ASN1_STRING *uri;
	unsigned char *body = NULL;
	const char *url;
	size_t len;
	int i, j, rc = 0;

	*out = NULL;
	ERR_set_mark();
	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	ERR_pop_to_mark();
	for (i = 0; got == NULL && i < sk_DIST_POINT_num(dps); i++) {
		/* type 0 is fullName; a relative name holds no URL. */
		if ((dpn = sk_DIST_POINT_value(dps, i)->distpoint) == NULL ||
		    dpn->type != 0)
			continue;
		for (j = 0; got == NULL &&
		    j < sk_GENERAL_NAME_num(dpn->name.fullname); j++) {
			gn = sk_GENERAL_NAME_value(dpn->name.fullname, j);
			if (gn->type != GEN_URI)
				continue;
			uri = gn->d.uniformResourceIdentifier;
			url = (const char *)ASN1_STRING_get0_data(uri);
			if (strlen(url) != (size_t)ASN1_STRING_length(uri) ||
			    strncasecmp(url, "http://", 7) != 0)
				continue;
			/* No larger than certread_crls() would take. */
			if ((rc = in->fetch != NULL ? in->fetch(&body, &len,
			    url, CERTREAD_MAX_BYTES, TRUSTCHECK_FETCH_TIMEOUT) :
			    fetch_http(&body, &len, url, CERTREAD_MAX_BYTES,
			    TRUSTCHECK_FETCH_TIMEOUT)) == 0)
				rc = certread_crls(&got, body, len, url);
			free(body);
			body = NULL;
			if (rc == ERR_NOMEM)
				goto out;
		}
	}
	if (got == NULL && rc != 0)
		goto out;
	if (got == NULL && (got = sk_X509_CRL_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = got;
	got = NULL; /* transferred */
	rc = 0;
out:
	sk_X509_CRL_pop_free(got, X509_CRL_free);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return rc;
}

/* Append that x is revoked, since when and why, from its CRL entry. */
static int
cat_revoked(char *why, size_t size, X509 *x, X509_REVOKED *rev)
{
	ASN1_ENUMERATED *reason;
	char t[TIMEFMT_LEN];
	long v;
	int rc;

	if ((rc = cat_name(why, size, X509_get_subject_name(x))) != 0)
		return rc;
	cat(why, size, " is revoked since %s", timefmt_utc(t,
	    timefmt_asn1(X509_REVOKED_get0_revocationDate(rev))));
	ERR_set_mark();
	reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
	ERR_pop_to_mark();
	if (reason != NULL) {
		v = ASN1_ENUMERATED_get(reason);
		if (v >= 0 && (size_t)v < NREASONS && crl_reasons[v] != NULL)
			cat(why, size, " (%s)", crl_reasons[v]);
		ASN1_ENUMERATED_free(reason);
	}
	return 0;
}

/*
 * Judge x (issued by issuer) against crls, appending what was found to
 * why. Of the CRLs from x's issuer, the newest whose signature verifies
 * with the issuer's key counts.
 */
static int
crl_judge(enum crl_verdict *out, char *why, size_t size, X509 *x,
    X509 *issuer, STACK_OF(X509_CRL) *crls, int64_t at)
{
	X509_CRL *crl, *best = NULL;
	X509_REVOKED *rev = NULL;
	EVP_PKEY *pk = X509_get0_pubkey(issuer);
	char t[TIMEFMT_LEN], t2[TIMEFMT_LEN];
	int64_t tu, nu, best_tu = 0;
	int i, from_issuer = 0, ok, rc;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		crl = sk_X509_CRL_value(crls, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_issuer_name(x)) != 0)
			continue;
		from_issuer++;
		ERR_set_mark();
		ok = pk != NULL && X509_CRL_verify(crl, pk) == 1;
		ERR_pop_to_mark();
		tu = timefmt_asn1(X509_CRL_get0_lastUpdate(crl));
		if (ok && (best == NULL || tu > best_tu)) {
			best = crl;
			best_tu = tu;
		}
	}
	cat(why, size, "%s", sep(why));
	if (from_issuer == 0) {
		*out = CRL_NONE;
		cat(why, size, "no CRL from ");
		return cat_name(why, size, X509_get_issuer_name(x));
	}
	*out = CRL_BAD;
	if (best == NULL) {
		cat(why, size, "the CRL from ");
		rc = cat_name(why, size, X509_get_issuer_name(x));
		cat(why, size, " does not verify with its issuer's key");
		return rc;
	}
	nu = X509_CRL_get0_nextUpdate(best) == NULL ? 0 :
	    timefmt_asn1(X509_CRL_get0_nextUpdate(best));
	if (best_tu == 0 || at < best_tu) {
		cat(why, size, "the CRL from ");
		rc = cat_name(why, size, X509_get_issuer_name(x));
		cat(why, size, " is not valid yet (thisUpdate %s)",
		    timefmt_utc(t, best_tu));
		return rc;
	}
	/* RFC 5280 5.1.2.5: without nextUpdate, no one can tell it is stale. */
	if (nu != 0 && nu < at) {
		cat(why, size, "the CRL from ");
		rc = cat_name(why, size, X509_get_issuer_name(x));
		cat(why, size, " is stale: its nextUpdate %s has passed",
		    timefmt_utc(t, nu));
		return rc;
	}
	if (X509_CRL_get0_by_cert(best, &rev, x) == 1)
		return cat_revoked(why, size, x, rev);
	*out = CRL_NOT_REVOKED;
	if ((rc = cat_name(why, size, X509_get_subject_name(x))) != 0)
		return rc;
	cat(why, size, " is not revoked (CRL issued %s, next update %s)",
	    timefmt_utc(t, best_tu), nu != 0 ? timefmt_utc(t2, nu) : "none");
	return 0;
}

/*
 * One certificate of the chain: x at depth d, its issuer (NULL if the
 * chain does not reach it). Sets *bad when the check fails.
 */
static int
revocation_one(struct run *c, char *why, size_t size, int d, X509 *x,
    X509 *issuer, int *bad)
{
	STACK_OF(X509_CRL) *fetched = NULL;
	enum crl_verdict v;
	int rc;

	if (issuer == NULL) {
		cat(why, size, "%scannot judge a CRL for ", sep(why));
		rc = cat_name(why, size, X509_get_subject_name(x));
		cat(why, size, ": its issuer is missing");
		*bad = *bad || d == 0;
		return rc;
	}
	if (c->in->revocation == TRUSTCHECK_REV_FETCH) {
		if ((rc = fetch_crls(&fetched, c->in, x)) == ERR_NOMEM)
			return rc;
		if (rc != 0) {
			/* Asked to fetch and could not: no answer is a no. */
			cat(why, size, "%scannot fetch the CRL for ", sep(why));
			if ((rc = cat_name(why, size,
			    X509_get_subject_name(x))) != 0)
				return rc;
			cat(why, size, ": %s", err_msg());
			*bad = 1;
			return 0;
		}
		if (sk_X509_CRL_num(fetched) == 0) {
			cat(why, size, "%s", sep(why));
			rc = cat_name(why, size, X509_get_subject_name(x));
			cat(why, size, " names no http:// CRL distribution "
			    "point%s", d == 0 ? "" : ", not checked");
			*bad = *bad || d == 0;
			sk_X509_CRL_free(fetched);
			return rc;
		}
	}
	rc = crl_judge(&v, why, size, x, issuer, fetched != NULL ? fetched :
	    c->in->crls, c->in->at);
	sk_X509_CRL_pop_free(fetched, X509_CRL_free);
	if (rc != 0)
		return rc;
	if (v == CRL_BAD || (v == CRL_NONE && d == 0))
		*bad = 1;
	else if (v == CRL_NONE)
		cat(why, size, ", so it is not checked");
	return 0;
}

static int
check_revocation(struct run *c)
{
	char why[REASON_MAX] = "";
	X509 *x, *issuer;
	int d, n = sk_X509_num(c->chain), bad = 0, rc;

	if (c->in->revocation == TRUSTCHECK_REV_SKIP)
		return item(c, "revocation", TRUSTCHECK_SKIP, "not checked: no "
		    "CRL given and none fetched (not counted as a failure)");
	for (d = 0; d < n; d++) {
		x = sk_X509_value(c->chain, d);
		/* A root vouches for itself; nothing revokes it. */
		if (X509_self_signed(x, 0) == 1)
			break;
		issuer = d + 1 < n ? sk_X509_value(c->chain, d + 1) : NULL;
		if ((rc = revocation_one(c, why, sizeof(why), d, x, issuer,
		    &bad)) != 0)
			return rc;
	}
	if (why[0] == '\0')
		cat(why, sizeof(why), "the certificate is a root: nothing "
		    "revokes it");
	return item(c, "revocation", bad ? TRUSTCHECK_FAIL : TRUSTCHECK_PASS,
	    why);
}

/* --- address ----------------------------------------------------------- */

/*
 * How the address a (len bytes, from the certificate) compares with want:
 * 2 equal (local part exact, domain in any case), 1 equal but for the
 * case of the local part, 0 different.
 */
static int
addr_cmp(const unsigned char *a, int len, const char *want)
{
	const char *s = (const char *)a, *at_a, *at_w;
	size_t n = (size_t)len;

	if (n != strlen(want) || memchr(s, '\0', n) != NULL ||
	    (at_a = memchr(s, '@', n)) == NULL ||
	    (at_w = strchr(want, '@')) == NULL || at_a - s != at_w - want ||
	    strncasecmp(at_a, at_w, n - (size_t)(at_a - s)) != 0)
		return 0;
	if (memcmp(s, want, (size_t)(at_a - s)) == 0)
		return 2;
	return strncasecmp(s, want, (size_t)(at_a - s)) == 0;
}

static int
check_address(struct run *c)
{
	X509 *x = c->in->leaf;
	const char *want = c->in->address, *where = NULL;
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn;
	X509_NAME *subj = X509_get_subject_name(x);
	const ASN1_STRING *v;
	char seen[REASON_MAX] = "", why[REASON_MAX] = "";
	int i, m, best = 0, count = 0;

	ERR_set_mark();
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ERR_pop_to_mark();
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type != GEN_EMAIL)
			continue;
		v = gn->d.rfc822Name;
		m = addr_cmp(ASN1_STRING_get0_data(v), ASN1_STRING_length(v),
		    want);
		if (m > best) {
			best = m;
			where = "an rfc822Name of the subjectAltName";
		}
		cat(seen, sizeof(seen), "%s", count++ ? ", " : "");
		cat_bytes(seen, sizeof(seen), ASN1_STRING_get0_data(v),
		    ASN1_STRING_length(v));
	}
	GENERAL_NAMES_free(gens);
	for (i = -1; (i = X509_NAME_get_index_by_NID(subj,
	    NID_pkcs9_emailAddress, i)) >= 0;) {
		v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
		m = addr_cmp(ASN1_STRING_get0_data(v), ASN1_STRING_length(v),
		    want);
		if (m > best) {
			best = m;
			where = "the subject emailAddress";
		}
		cat(seen, sizeof(seen), "%s", count++ ? ", " : "");
		cat_bytes(seen, sizeof(seen), ASN1_STRING_get0_data(v),
		    ASN1_STRING_length(v));
	}
	if (best == 2) {
		cat(why, sizeof(why), "\"%s\" is %s", want, where);
		return item(c, "address", TRUSTCHECK_PASS, why);
	}
	if (best == 1)
		cat(why, sizeof(why), "\"%s\" differs from %s only in the case "
		    "of the local part, which is significant (RFC 5321 2.4): "
		    "%s", want, where, seen);
	else if (count == 0)
		cat(why, sizeof(why), "the certificate names no address (no "
		    "rfc822Name in the subjectAltName, no subject "
		    "emailAddress)");
	else
		cat(why, sizeof(why), "\"%s\" is not among the certificate's "
		    "addresses: %s", want, seen);
	return item(c, "address", TRUSTCHECK_FAIL, why);
}

/* --- key usage ---------------------------------------------------------- */

/* Append the extKeyUsage OIDs of x by their short names. */
static void
cat_eku(char *why, size_t size, X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *o;
	char txt[80];
	int i, nid;

	ERR_set_mark();
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	ERR_pop_to_mark();
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		o = sk_ASN1_OBJECT_value(eku, i);
		if ((nid = OBJ_obj2nid(o)) != NID_undef)
			cat(why, size, "%s%s", i ? ", " : "", OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(txt, sizeof(txt), o, 1) > 0)
			cat(why, size, "%s%s", i ? ", " : "", txt);
	}
	EXTENDED_KEY_USAGE_free(eku);
}

/*
 * One usage: need is the keyUsage bit the usage requires (0 if the key
 * type cannot do it at all), bitname its name.
 */
static int
check_usage(struct run *c, const char *name, uint32_t need,
    const char *bitname)
{
	X509 *x = c->in->leaf;
	uint32_t flags = X509_get_extension_flags(x), ku, xku;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char why[REASON_MAX] = "";

	ku = X509_get_key_usage(x);
	xku = X509_get_extended_key_usage(x);
	if (flags & EXFLAG_INVALID)
		return item(c, name, TRUSTCHECK_FAIL, "the certificate's "
		    "extensions do not decode");
	if (need == 0) {
		cat(why, sizeof(why), "a %s key cannot be used for %s", pk ?
		    EVP_PKEY_get0_type_name(pk) : "undecodable", name);
		return item(c, name, TRUSTCHECK_FAIL, why);
	}
	if ((flags & EXFLAG_KUSAGE) && !(ku & need)) {
		cat(why, sizeof(why), "keyUsage lacks %s", bitname);
		if (need == KU_DIGITAL_SIGNATURE && (ku & KU_NON_REPUDIATION))
			cat(why, sizeof(why), " (nonRepudiation alone does "
			    "not sign mail)");
		return item(c, name, TRUSTCHECK_FAIL, why);
	}
	if ((flags & EXFLAG_XKUSAGE) && !(xku & (XKU_SMIME | XKU_ANYEKU))) {
		cat(why, sizeof(why), "extKeyUsage lacks emailProtection (it "
		    "has ");
		cat_eku(why, sizeof(why), x);
		cat(why, sizeof(why), ")");
		return item(c, name, TRUSTCHECK_FAIL, why);
	}
	cat(why, sizeof(why), "%s%s", flags & EXFLAG_KUSAGE ? "keyUsage has " :
	    "no keyUsage (any use), ", flags & EXFLAG_KUSAGE ? bitname : "");
	if (flags & EXFLAG_XKUSAGE) {
		cat(why, sizeof(why), "%sextKeyUsage has ", flags &
		    EXFLAG_KUSAGE ? ", " : "");
		cat_eku(why, sizeof(why), x);
	} else
		cat(why, sizeof(why), "%sno extKeyUsage (any use)", flags &
		    EXFLAG_KUSAGE ? ", " : "");
	return item(c, name, TRUSTCHECK_PASS, why);
}

static int
check_usages(struct run *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->in->leaf);
	int id = pk != NULL ? EVP_PKEY_get_base_id(pk) : NID_undef, rc;

	if ((c->in->usage & TRUSTCHECK_SIGN) && (rc = check_usage(c, "signing",
	    KU_DIGITAL_SIGNATURE, "digitalSignature")) != 0)
		return rc;
	if (!(c->in->usage & TRUSTCHECK_ENCRYPT))
		return 0;
	/* RSA-PSS keys are for signatures only (RFC 4055 1.2). */
	if (id == EVP_PKEY_RSA)
		return check_usage(c, "encryption", KU_KEY_ENCIPHERMENT,
		    "keyEncipherment");
	if (id == EVP_PKEY_EC)
		return check_usage(c, "encryption", KU_KEY_AGREEMENT,
		    "keyAgreement");
	return check_usage(c, "encryption", 0, "");
}

/* --- key size ---------------------------------------------------------- */

static int
check_key(struct run *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->in->leaf);
	char why[REASON_MAX] = "", group[64];
	int id, bits, nid;
	size_t glen;

	if (pk == NULL) {
		ERR_clear_error();
		return item(c, "key-size", TRUSTCHECK_FAIL, "the public key "
		    "does not decode");
	}
	id = EVP_PKEY_get_base_id(pk);
	bits = EVP_PKEY_get_bits(pk);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
		cat(why, sizeof(why), "RSA key of %d bits%s", bits,
		    bits < 2048 ? ", below 2048" : "");
		return item(c, "key-size", bits >= 2048 ? TRUSTCHECK_PASS :
		    TRUSTCHECK_FAIL, why);
	}
	if (id == EVP_PKEY_EC) {
		nid = NID_undef;
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen))
			nid = OBJ_sn2nid(group);
		else
			snprintf(group, sizeof(group), "an unnamed curve");
		if (nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ||
		    nid == NID_secp521r1) {
			cat(why, sizeof(why), "EC key on %s", EC_curve_nid2nist(
			    nid));
			return item(c, "key-size", TRUSTCHECK_PASS, why);
		}
		cat(why, sizeof(why), "EC key on %s, not P-256, P-384 or "
		    "P-521", group);
		return item(c, "key-size", TRUSTCHECK_FAIL, why);
	}
	cat(why, sizeof(why), "a %s key: mail clients take RSA (2048 bits or "
	    "more) or EC on P-256, P-384, P-521", EVP_PKEY_get0_type_name(pk));
	return item(c, "key-size", TRUSTCHECK_FAIL, why);
}

int
trustcheck_run(struct trustcheck_report **out,
    const struct trustcheck_input *in)
{
	struct run c;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.in = in;
	if ((c.r = calloc(1, sizeof(*c.r))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_chain(&c)) != 0 ||
	    (rc = check_validity(&c)) != 0 ||
	    (rc = check_revocation(&c)) != 0 ||
	    (rc = check_address(&c)) != 0 ||
	    (rc = check_usages(&c)) != 0 ||
	    (rc = check_key(&c)) != 0)
		goto out;
	*out = c.r;
	c.r = NULL; /* transferred */
out:
	sk_X509_pop_free(c.chain, X509_free);
	trustcheck_report_free(c.r);
	return rc;
}

void
trustcheck_report_free(struct trustcheck_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].reason);
	free(r->v);
	free(r);
}
