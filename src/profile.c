/*
 * profile.c: the S/MIME certificate profile (CA/B Forum S/MIME Baseline
 * Requirements, mailbox-validated; RFC 5280 for the encodings). It builds
 * to-be-signed certificates and lints them before signing (BR 4.3.1.2).
 * Every lint message names the BR section it enforces.
 */
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "keys.h"
#include "profile.h"

#define DAY	86400

static const struct {
	const char	*name;
	const char	*oid;
} profiles[PROFILE__MAX] = {
	[PROFILE_STRICT] = { "strict", "2.23.140.1.5.1.3" },
	[PROFILE_MULTIPURPOSE] = { "multipurpose", "2.23.140.1.5.1.2" },
};

int
profile_parse(enum cert_profile *out, const char *s)
{
	int i;

	for (i = 0; i < PROFILE__MAX; i++) {
		if (strcmp(s, profiles[i].name) == 0) {
			*out = (enum cert_profile)i;
			return 0;
		}
	}
	return err_set(ERR_INVALID, "unknown profile \"%s\" (use strict or "
	    "multipurpose)", s);
}

const char *
profile_name(enum cert_profile p)
{
	return (unsigned)p < PROFILE__MAX ? profiles[p].name : "unknown";
}

const char *
profile_policy_oid(enum cert_profile p)
{
	return (unsigned)p < PROFILE__MAX ? profiles[p].oid : "";
}

static const char *const usages[USAGE__MAX] = {
	[USAGE_BOTH] = "both",
	[USAGE_SIGN] = "sign",
	[USAGE_ENCRYPT] = "encrypt",
};

int
profile_usage_parse(enum cert_usage *out, const char *s)
{
	int i;

	for (i = 0; i < USAGE__MAX; i++) {
		if (strcmp(s, usages[i]) == 0) {
			*out = (enum cert_usage)i;
			return 0;
		}
	}
	return err_set(ERR_INVALID, "unknown usage \"%s\" (use both, sign "
	    "or encrypt)", s);
}

const char *
profile_usage_name(enum cert_usage u)
{
	return (unsigned)u < USAGE__MAX ? usages[u] : "unknown";
}

/* The keyUsage the profile gives a key of type kt used for u. */
static const char *
leaf_key_usage(enum key_type kt, enum cert_usage u)
{
	int ec = keys_type_is_ec(kt);

	switch (u) {
	case USAGE_SIGN:
		return "critical,digitalSignature";
	case USAGE_ENCRYPT:
		return ec ? "critical,keyAgreement" : "critical,keyEncipherment";
	default:
		return ec ? "critical,digitalSignature,keyAgreement" :
		    "critical,digitalSignature,keyEncipherment";
	}
}

const EVP_MD *
profile_digest(const EVP_PKEY *pk)
{
	if (EVP_PKEY_is_a(pk, "EC") && EVP_PKEY_get_bits(pk) > 256)
		return EVP_sha384();
	return EVP_sha256();
}

/* Add one extension from OpenSSL's config syntax (it encodes the DER). */
static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int ok;

	if ((ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value)) == NULL)
		return err_ossl(ERR_INVALID, "cannot build %s \"%s\"",
		    OBJ_nid2sn(nid), value);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : err_ossl(ERR_CRYPTO, "cannot add %s", OBJ_nid2sn(nid));
}

static int
add_san_email(X509 *x, const char *email)
{
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *gen = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	int rc = ERR_NOMEM;

	if ((gens = GENERAL_NAMES_new()) == NULL ||
	    (gen = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(ia5, email, (int)strlen(email)))
		goto out;
	GENERAL_NAME_set0_value(gen, GEN_EMAIL, ia5);
	ia5 = NULL; /* transferred */
	if (!sk_GENERAL_NAME_push(gens, gen))
		goto out;
	gen = NULL; /* transferred */
	rc = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT) == 1 ? 0 : ERR_CRYPTO;
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return rc ? err_ossl(rc, "cannot add subjectAltName") : 0;
}

/* certificatePolicies with the given OIDs and no qualifiers. */
static int
add_policies(X509 *x, const char *const *oids, size_t n)
{
	CERTIFICATEPOLICIES *cps = NULL;
	POLICYINFO *pi = NULL;
	size_t i;
	int rc = ERR_CRYPTO;

	if ((cps = CERTIFICATEPOLICIES_new()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((pi = POLICYINFO_new()) == NULL)
			goto out;
		ASN1_OBJECT_free(pi->policyid);
		if ((pi->policyid = OBJ_txt2obj(oids[i], 1)) == NULL ||
		    !sk_POLICYINFO_push(cps, pi))
			goto out;
		pi = NULL; /* transferred */
	}
	if (X509_add1_ext_i2d(x, NID_certificate_policies, cps, 0,
	    X509V3_ADD_DEFAULT) == 1)
		rc = 0;
out:
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cps);
	return rc ? err_ossl(rc, "cannot add certificatePolicies") : 0;
}

/* Serial, names, validity and key: what every certificate shares. */
static int
build_base(X509 **out, ASN1_INTEGER *serial, X509_NAME *subject,
    X509 *issuer, EVP_PKEY *pubkey, int64_t nb, int64_t na)
{
	X509 *x = NULL;
	ASN1_TIME *t = NULL;
	int rc = ERR_CRYPTO;

	*out = NULL;
	if ((x = X509_new()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_serialNumber(x, serial) ||
	    !X509_set_subject_name(x, subject) ||
	    /* Chained names must be byte-identical (BR 7.1.4.1). */
	    !X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : subject) ||
	    !X509_set_pubkey(x, pubkey))
		goto fail;
	if ((t = ASN1_TIME_set(NULL, (time_t)nb)) == NULL ||
	    !X509_set1_notBefore(x, t))
		goto fail;
	ASN1_TIME_free(t);
	if ((t = ASN1_TIME_set(NULL, (time_t)na)) == NULL ||
	    !X509_set1_notAfter(x, t))
		goto fail;
	*out = x;
	x = NULL; /* transferred */
	rc = 0;
	goto out;
fail:
	rc = err_ossl(ERR_CRYPTO, "cannot build certificate");
out:
	ASN1_TIME_free(t);
	X509_free(x);
	return rc;
}

int
profile_build_leaf(X509 **out, const struct profile_leaf *p)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	X509V3_CTX ctx;
	enum key_type kt;
	const char *policy = profile_policy_oid(p->profile);
	char url[1024];
	int rc;

	*out = NULL;
	if ((rc = keys_type_of(&kt, p->pubkey)) != 0)
		return rc;
	if ((subj = X509_NAME_new()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	/* Only CN = the mailbox: names stay in the store (BR 7.1.4.2.3). */
	if (!X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)p->email, -1, -1, 0)) {
		rc = err_ossl(ERR_INVALID, "cannot put \"%s\" in a subject",
		    p->email);
		goto out;
	}
	if ((rc = build_base(&x, p->serial, subj, p->issuer, p->pubkey,
	    p->not_before, p->not_after)) != 0)
		goto out;
	X509V3_set_ctx(&ctx, p->issuer, x, NULL, NULL, 0);
	if ((rc = add_ext(x, &ctx, NID_key_usage,
	    leaf_key_usage(kt, p->usage))) != 0 ||
	    (rc = add_ext(x, &ctx, NID_ext_key_usage, "emailProtection")) != 0 ||
	    (rc = add_policies(x, &policy, 1)) != 0)
		goto out;
	snprintf(url, sizeof(url), "URI:%s/crl/%s.crl", p->base_url,
	    p->issuer_name);
	if ((rc = add_ext(x, &ctx, NID_crl_distribution_points, url)) != 0)
		goto out;
	/* The daemon answers OCSP for every issuing CA (ocsp.h). */
	snprintf(url, sizeof(url), "OCSP;URI:%s/ocsp/%s,caIssuers;URI:%s/ca/"
	    "%s.crt", p->base_url, p->issuer_name, p->base_url,
	    p->issuer_name);
	if ((rc = add_ext(x, &ctx, NID_info_access, url)) != 0 ||
	    (rc = add_ext(x, &ctx, NID_authority_key_identifier,
	    "keyid:always")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash")) != 0 ||
	    (rc = add_san_email(x, p->email)) != 0)
		goto out;
	*out = x;
	x = NULL; /* transferred */
out:
	X509_NAME_free(subj);
	X509_free(x);
	return rc;
}

int
profile_build_ca(X509 **out, const struct profile_ca *p)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	X509V3_CTX ctx;
	const char *policies[] = { profiles[PROFILE_STRICT].oid,
	    profiles[PROFILE_MULTIPURPOSE].oid };
	char url[1024];
	int rc;

	*out = NULL;
	if ((subj = X509_NAME_new()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (!X509_NAME_add_entry_by_NID(subj, NID_countryName, MBSTRING_ASC,
	    (const unsigned char *)p->country, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_NID(subj, NID_organizationName,
	    MBSTRING_UTF8, (const unsigned char *)p->org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)p->cn, -1, -1, 0)) {
		rc = err_ossl(ERR_INVALID, "cannot build CA subject C=\"%s\", "
		    "O=\"%s\", CN=\"%s\"", p->country, p->org, p->cn);
		goto out;
	}
	if ((rc = build_base(&x, p->serial, subj, p->issuer, p->pubkey,
	    p->not_before, p->not_after)) != 0)
		goto out;
	X509V3_set_ctx(&ctx, p->root ? x : p->issuer, x, NULL, NULL, 0);
	if ((rc = add_ext(x, &ctx, NID_basic_constraints, p->root ?
	    "critical,CA:TRUE" : "critical,CA:TRUE,pathlen:0")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_key_usage,
	    "critical,keyCertSign,cRLSign")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash")) != 0)
		goto out;
	if (!p->root) {
		if ((rc = add_ext(x, &ctx, NID_ext_key_usage,
		    "emailProtection")) != 0 ||
		    (rc = add_policies(x, policies, 2)) != 0 ||
		    (rc = add_ext(x, &ctx, NID_authority_key_identifier,
		    "keyid:always")) != 0)
			goto out;
		snprintf(url, sizeof(url), "URI:%s/crl/%s.crl", p->base_url,
		    p->issuer_name);
		if ((rc = add_ext(x, &ctx, NID_crl_distribution_points,
		    url)) != 0)
			goto out;
		snprintf(url, sizeof(url), "caIssuers;URI:%s/ca/%s.crt",
		    p->base_url, p->issuer_name);
		if ((rc = add_ext(x, &ctx, NID_info_access, url)) != 0)
			goto out;
	}
	*out = x;
	x = NULL; /* transferred */
out:
	X509_NAME_free(subj);
	X509_free(x);
	return rc;
}

/* --- linting -------------------------------------------------------- */

/*
 * OpenSSL's cached extension accessors (X509_get_key_usage,
 * X509_get0_subject_key_id) refuse a certificate that is not signed yet,
 * so the linter decodes the extensions itself.
 */
static uint32_t
key_usage(X509 *x, int *present, int *crit)
{
	ASN1_BIT_STRING *ku;
	uint32_t bits = 0;
	int i;

	*crit = 0;
	if ((ku = X509_get_ext_d2i(x, NID_key_usage, crit, NULL)) == NULL) {
		*present = 0;
		return 0;
	}
	*present = 1;
	/* Bit 0 (digitalSignature) is KU_ 0x80 ... bit 8 is 0x8000. */
	for (i = 0; i < 8; i++)
		if (ASN1_BIT_STRING_get_bit(ku, i))
			bits |= 0x80u >> i;
	if (ASN1_BIT_STRING_get_bit(ku, 8))
		bits |= KU_DECIPHER_ONLY;
	ASN1_BIT_STRING_free(ku);
	return bits;
}

/* The subjectKeyIdentifier of x, or NULL. Caller frees. */
static ASN1_OCTET_STRING *
ski_of(X509 *x)
{
	return X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
}

static int
bad(const char *fmt, const char *arg)
{
	return err_set(ERR_PROFILE, fmt, arg);
}

static int
check_serial(X509 *x)
{
	BIGNUM *bn;
	int bits, neg, rc = 0;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return err_ossl(ERR_PROFILE, "serial number does not decode");
	bits = BN_num_bits(bn);
	neg = BN_is_negative(bn);
	BN_free(bn);
	if (neg || bits == 0)
		rc = bad("serial number must be positive (%s)", "BR 7.1");
	else if (bits > 159)
		rc = bad("serial number must be below 2^159 (%s)", "BR 7.1");
	else if (bits < 64)
		rc = bad("serial number must carry at least 64 random bits "
		    "(%s)", "BR 7.1");
	return rc;
}

/* Seconds between the certificate's validity bounds, and vs the issuer. */
static int
check_validity(X509 *x, X509 *issuer, int64_t max_secs)
{
	int days, secs;

	if (!ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)))
		return bad("validity does not decode (%s)", "RFC 5280 4.1.2.5");
	if (days < 0 || secs < 0 || (days == 0 && secs == 0))
		return bad("notAfter must be after notBefore (%s)",
		    "RFC 5280 4.1.2.5");
	/* The period includes both bounds: notAfter - notBefore + 1s. */
	if ((int64_t)days * DAY + secs + 1 > max_secs)
		return bad("validity exceeds the maximum (%s)", "BR 6.3.2");
	if (issuer != NULL && ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(issuer)) > 0)
		return bad("certificate would outlive its issuing CA (%s)",
		    "BR 6.3.2");
	if (issuer != NULL && ASN1_TIME_compare(X509_get0_notBefore(x),
	    X509_get0_notBefore(issuer)) < 0)
		return bad("certificate starts before its issuing CA (%s)",
		    "BR 6.3.2");
	return 0;
}

static int
check_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *aki;
	ASN1_OCTET_STRING *iski = NULL;
	int crit = 0, rc = 0;

	if ((aki = X509_get_ext_d2i(x, NID_authority_key_identifier, &crit,
	    NULL)) == NULL)
		return bad("authorityKeyIdentifier is missing (%s)",
		    "BR 7.1.2.3g");
	if (crit)
		rc = bad("authorityKeyIdentifier must not be critical (%s)",
		    "BR 7.1.2.3g");
	else if (aki->keyid == NULL || aki->issuer != NULL ||
	    aki->serial != NULL)
		rc = bad("authorityKeyIdentifier must hold keyIdentifier only "
		    "(%s)", "BR 7.1.2.3g");
	else if ((iski = ski_of(issuer)) != NULL &&
	    ASN1_OCTET_STRING_cmp(aki->keyid, iski) != 0)
		rc = bad("authorityKeyIdentifier does not match the issuer's "
		    "key (%s)", "RFC 5280 4.2.1.1");
	ASN1_OCTET_STRING_free(iski);
	AUTHORITY_KEYID_free(aki);
	return rc;
}

static int
check_http_urls(X509 *x, const char *where)
{
	STACK_OF(DIST_POINT) *dps;
	AUTHORITY_INFO_ACCESS *aia;
	DIST_POINT *dp;
	ACCESS_DESCRIPTION *ad;
	GENERAL_NAME *gn;
	int i, j, crit = 0, rc = 0, seen = 0, n;
	const char *u;

	if ((dps = X509_get_ext_d2i(x, NID_crl_distribution_points, &crit,
	    NULL)) == NULL)
		return bad("cRLDistributionPoints is missing (%s)", where);
	for (i = 0; rc == 0 && i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0) {
			rc = bad("cRLDistributionPoints must hold a fullName "
			    "(%s)", where);
			break;
		}
		n = sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		for (j = 0; j < n; j++) {
			gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname,
			    j);
			u = gn->type == GEN_URI ?
			    (const char *)ASN1_STRING_get0_data(gn->d.ia5) : "";
			if (strncmp(u, "http://", 7) != 0) {
				rc = bad("CRL distribution point must be an "
				    "http:// URL (%s)", where);
				break;
			}
			seen++;
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	if (rc == 0 && (crit || seen == 0))
		rc = bad("cRLDistributionPoints must be non-critical with a "
		    "URL (%s)", where);
	if (rc != 0)
		return rc;
	if ((aia = X509_get_ext_d2i(x, NID_info_access, &crit, NULL)) == NULL)
		return bad("authorityInformationAccess is missing (%s)", where);
	seen = 0;
	for (i = 0; rc == 0 && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		u = ad->location->type == GEN_URI ?
		    (const char *)ASN1_STRING_get0_data(ad->location->d.ia5) :
		    "";
		if (strncmp(u, "http://", 7) != 0)
			rc = bad("authorityInformationAccess must use http:// "
			    "URLs (%s)", where);
		if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers)
			seen++;
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	if (rc == 0 && crit)
		rc = bad("authorityInformationAccess must not be critical "
		    "(%s)", where);
	if (rc == 0 && seen == 0)
		rc = bad("authorityInformationAccess needs caIssuers (%s)",
		    where);
	return rc;
}

/* Address equality for S/MIME: exact local part, any-case domain. */
static int
same_mailbox(const char *a, size_t alen, const char *b)
{
	const char *at_a, *at_b;
	size_t blen = strlen(b);

	if (alen != blen || memchr(a, '\0', alen) != NULL)
		return 0;
	if ((at_a = memchr(a, '@', alen)) == NULL ||
	    (at_b = strchr(b, '@')) == NULL || at_a - a != at_b - b)
		return 0;
	return memcmp(a, b, (size_t)(at_a - a)) == 0 &&
	    strncasecmp(at_a, at_b, alen - (size_t)(at_a - a)) == 0;
}

static int
check_leaf_subject(X509 *x, const char *email)
{
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_ENTRY *e;
	const ASN1_STRING *v;
	int i, nid, cn = 0;

	for (i = 0; i < X509_NAME_entry_count(n); i++) {
		e = X509_NAME_get_entry(n, i);
		nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		v = X509_NAME_ENTRY_get_data(e);
		if (nid == NID_commonName || nid == NID_pkcs9_emailAddress) {
			if (!same_mailbox((const char *)ASN1_STRING_get0_data(v),
			    (size_t)ASN1_STRING_length(v), email))
				return bad("subject names an address other "
				    "than the mailbox (%s)", "BR 7.1.4.2.3");
			cn += nid == NID_commonName;
		} else if (nid != NID_serialNumber)
			return err_set(ERR_PROFILE, "subject attribute %s is "
			    "not allowed in a mailbox-validated certificate "
			    "(BR 7.1.4.2.3)", OBJ_nid2sn(nid));
	}
	if (cn > 1)
		return bad("subject must hold one commonName (%s)",
		    "BR 7.1.4.2.3");
	return 0;
}

static int
check_san(X509 *x, const char *email)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gn;
	int i, crit = 0, found = 0, rc = 0;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit,
	    NULL)) == NULL)
		return bad("subjectAltName is missing (%s)", "BR 7.1.2.3h");
	for (i = 0; rc == 0 && i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type != GEN_EMAIL)
			rc = bad("subjectAltName may hold rfc822Name only "
			    "(%s)", "BR 7.1.2.3h");
		else if (same_mailbox(
		    (const char *)ASN1_STRING_get0_data(gn->d.rfc822Name),
		    (size_t)ASN1_STRING_length(gn->d.rfc822Name), email))
			found++;
		else
			rc = bad("subjectAltName names an address other than "
			    "the mailbox (%s)", "BR 7.1.2.3h");
	}
	GENERAL_NAMES_free(gens);
	if (rc == 0 && crit)
		rc = bad("subjectAltName must not be critical when the subject "
		    "is not empty (%s)", "RFC 5280 4.2.1.6");
	if (rc == 0 && found != 1)
		rc = bad("subjectAltName must hold the mailbox once (%s)",
		    "BR 7.1.2.3h");
	return rc;
}

static int
check_leaf_usage(X509 *x, enum key_type kt, enum cert_profile p,
    enum cert_usage u)
{
	EXTENDED_KEY_USAGE *eku;
	uint32_t allowed, have, enc;
	int crit = 0, present, i, nid, rc = 0, email = 0;

	have = key_usage(x, &present, &crit);
	if (!present)
		return bad("keyUsage is missing (%s)", "BR 7.1.2.3e");
	if (!crit)
		return bad("keyUsage must be critical (%s)", "BR 7.1.2.3e");
	/* Encryption is key agreement for EC keys, key transport for RSA. */
	enc = keys_type_is_ec(kt) ? KU_KEY_AGREEMENT : KU_KEY_ENCIPHERMENT;
	allowed = KU_DIGITAL_SIGNATURE | enc;
	if (!keys_type_is_ec(kt) && p == PROFILE_MULTIPURPOSE)
		allowed |= KU_DATA_ENCIPHERMENT;
	if (have == 0 || (have & ~allowed) != 0)
		return err_set(ERR_PROFILE, "keyUsage bits not allowed for a "
		    "%s key (BR 7.1.2.3e)", keys_type_name(kt));
	/* Dual-key certificates carry one purpose each (profile notes). */
	if ((u == USAGE_SIGN && have != KU_DIGITAL_SIGNATURE) ||
	    (u == USAGE_ENCRYPT && (have & ~KU_DATA_ENCIPHERMENT) != enc) ||
	    (u == USAGE_BOTH && (have & (KU_DIGITAL_SIGNATURE | enc)) !=
	    (KU_DIGITAL_SIGNATURE | enc)))
		return err_set(ERR_PROFILE, "keyUsage does not match a %s "
		    "certificate for a %s key (BR 7.1.2.3e)",
		    profile_usage_name(u), keys_type_name(kt));
	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit,
	    NULL)) == NULL)
		return bad("extKeyUsage is missing (%s)", "BR 7.1.2.3f");
	for (i = 0; rc == 0 && i < sk_ASN1_OBJECT_num(eku); i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		if (nid == NID_email_protect)
			email++;
		else if (!(nid == NID_client_auth &&
		    p == PROFILE_MULTIPURPOSE))
			rc = err_set(ERR_PROFILE, "extKeyUsage %s is not "
			    "allowed in a %s certificate (BR 7.1.2.3f)",
			    nid != NID_undef ? OBJ_nid2sn(nid) : "(unknown)",
			    profile_name(p));
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (rc == 0 && email != 1)
		rc = bad("extKeyUsage must hold emailProtection (%s)",
		    "BR 7.1.2.3f");
	return rc;
}

static int
check_policies(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES *cps;
	char txt[80];
	int rc = 0;

	if ((cps = X509_get_ext_d2i(x, NID_certificate_policies, NULL,
	    NULL)) == NULL)
		return bad("certificatePolicies is missing (%s)",
		    "BR 7.1.2.3a");
	if (sk_POLICYINFO_num(cps) != 1)
		rc = bad("certificatePolicies must hold exactly one policy "
		    "(%s)", "BR 7.1.2.3a");
	else {
		OBJ_obj2txt(txt, sizeof(txt),
		    sk_POLICYINFO_value(cps, 0)->policyid, 1);
		if (strcmp(txt, oid) != 0)
			rc = err_set(ERR_PROFILE, "policy %s is not the "
			    "profile's %s (BR 7.1.2.3a)", txt, oid);
	}
	CERTIFICATEPOLICIES_free(cps);
	return rc;
}

static int
check_known_exts(X509 *x, const int *nids, size_t nnids)
{
	const X509_EXTENSION *ext;
	int i, nid;
	size_t j;
	char txt[80];

	for (i = 0; i < X509_get_ext_count(x); i++) {
		ext = X509_get_ext(x, i);
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(
		    (X509_EXTENSION *)ext));
		for (j = 0; j < nnids && nids[j] != nid; j++)
			;
		if (j == nnids) {
			OBJ_obj2txt(txt, sizeof(txt), X509_EXTENSION_get_object(
			    (X509_EXTENSION *)ext), 0);
			return err_set(ERR_PROFILE, "extension %s is not part "
			    "of the profile (BR 7.1.2)", txt);
		}
	}
	return 0;
}

int
profile_check_leaf(X509 *x, X509 *issuer, const char *email,
    enum cert_profile p, enum cert_usage u)
{
	static const int leaf_exts[] = {
		NID_key_usage, NID_ext_key_usage, NID_certificate_policies,
		NID_crl_distribution_points, NID_info_access,
		NID_authority_key_identifier, NID_subject_key_identifier,
		NID_subject_alt_name, NID_basic_constraints,
	};
	BASIC_CONSTRAINTS *bc;
	enum key_type kt;
	int rc;

	if (X509_get_version(x) != X509_VERSION_3)
		return bad("certificate must be version 3 (%s)",
		    "RFC 5280 4.1.2.1");
	if ((rc = check_serial(x)) != 0)
		return rc;
	if (X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(issuer)) != 0)
		return bad("issuer name differs from the CA's subject (%s)",
		    "BR 7.1.4.1");
	if ((rc = check_validity(x, issuer,
	    (int64_t)PROFILE_MAX_DAYS * DAY)) != 0)
		return rc;
	if ((rc = keys_type_of(&kt, X509_get0_pubkey(x))) != 0)
		return err_set(ERR_PROFILE, "%s (BR 6.1.5)", err_msg());
	if ((rc = check_known_exts(x, leaf_exts,
	    sizeof(leaf_exts) / sizeof(leaf_exts[0]))) != 0 ||
	    (rc = check_leaf_subject(x, email)) != 0 ||
	    (rc = check_san(x, email)) != 0 ||
	    (rc = check_leaf_usage(x, kt, p, u)) != 0 ||
	    (rc = check_policies(x, profile_policy_oid(p))) != 0 ||
	    (rc = check_http_urls(x, "BR 7.1.2.3b-c")) != 0 ||
	    (rc = check_aki(x, issuer)) != 0)
		return rc;
	if (X509_get_ext_by_NID(x, NID_subject_key_identifier, -1) < 0)
		return bad("subjectKeyIdentifier is missing (%s)",
		    "RFC 5280 4.2.1.2");
	if ((bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL,
	    NULL)) != NULL) {
		rc = bc->ca || bc->pathlen != NULL;
		BASIC_CONSTRAINTS_free(bc);
		if (rc)
			return bad("basicConstraints must be cA=FALSE without "
			    "pathLen (%s)", "BR 7.1.2.3d");
	}
	return 0;
}

static int
check_ca_subject(X509 *x)
{
	X509_NAME *n = X509_get_subject_name(x);

	if (X509_NAME_get_index_by_NID(n, NID_countryName, -1) < 0 ||
	    X509_NAME_get_index_by_NID(n, NID_organizationName, -1) < 0 ||
	    X509_NAME_get_index_by_NID(n, NID_commonName, -1) < 0)
		return bad("CA subject must hold C, O and CN (%s)",
		    "BR 7.1.4.2.1");
	return 0;
}

int
profile_check_ca(X509 *x, X509 *issuer)
{
	static const int ca_exts[] = {
		NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
		NID_certificate_policies, NID_crl_distribution_points,
		NID_info_access, NID_authority_key_identifier,
		NID_subject_key_identifier,
	};
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	enum key_type kt;
	uint32_t ku;
	int crit = 0, present, rc, i, nid;

	if (X509_get_version(x) != X509_VERSION_3)
		return bad("certificate must be version 3 (%s)",
		    "RFC 5280 4.1.2.1");
	if ((rc = check_serial(x)) != 0 || (rc = check_ca_subject(x)) != 0 ||
	    (rc = check_known_exts(x, ca_exts,
	    sizeof(ca_exts) / sizeof(ca_exts[0]))) != 0)
		return rc;
	if ((rc = keys_type_of(&kt, X509_get0_pubkey(x))) != 0)
		return err_set(ERR_PROFILE, "%s (BR 6.1.5)", err_msg());
	if (kt != KEY_RSA4096 && kt != KEY_ECP384)
		return bad("CA keys must be RSA 4096 or ECDSA P-384 (%s)",
		    "BR 6.1.5");
	if ((bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit,
	    NULL)) == NULL)
		return bad("basicConstraints is missing (%s)", "BR 7.1.2.1");
	rc = !bc->ca || !crit || (issuer == NULL && bc->pathlen != NULL);
	BASIC_CONSTRAINTS_free(bc);
	if (rc)
		return bad("CA basicConstraints must be critical cA=TRUE, the "
		    "root's without pathLen (%s)", "BR 7.1.2.1-2");
	ku = key_usage(x, &present, &crit);
	if (!present || !crit ||
	    (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) !=
	    (KU_KEY_CERT_SIGN | KU_CRL_SIGN) ||
	    (ku & ~(KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE)))
		return bad("CA keyUsage must be critical keyCertSign and "
		    "cRLSign (%s)", "BR 7.1.2.1-2");
	if (X509_get_ext_by_NID(x, NID_subject_key_identifier, -1) < 0)
		return bad("subjectKeyIdentifier is missing (%s)",
		    "BR 7.1.2.1");
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (issuer == NULL) {
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		if (eku != NULL)
			return bad("a root must not carry extKeyUsage (%s)",
			    "BR 7.1.2.1");
		return check_validity(x, NULL, (int64_t)25 * 366 * DAY);
	}
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		if (nid != NID_email_protect)
			rc = ERR_PROFILE;
	}
	if (eku == NULL || rc != 0) {
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		return bad("an issuing CA's extKeyUsage must be emailProtection "
		    "only (%s)", "BR 7.1.2.2");
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(issuer)) != 0)
		return bad("issuer name differs from the root's subject (%s)",
		    "BR 7.1.4.1");
	if ((rc = check_validity(x, issuer, (int64_t)25 * 366 * DAY)) != 0 ||
	    (rc = check_aki(x, issuer)) != 0 ||
	    (rc = check_http_urls(x, "BR 7.1.2.2")) != 0)
		return rc;
	return 0;
}
