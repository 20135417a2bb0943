/*
 * profile.h: the certificate profile mailcert issues (CA/B Forum S/MIME
 * Baseline Requirements, mailbox-validated, strict or multipurpose). It
 * builds the to-be-signed certificates for leaves and CAs, and lints a
 * certificate against the profile before anything signs it (BR 4.3.1.2:
 * pre-issuance linting). Section numbers in messages are the BR's.
 */
#ifndef MAILCERT_PROFILE_H
#define MAILCERT_PROFILE_H

#include <stdint.h>

#include <openssl/types.h>

enum cert_profile {
	PROFILE_STRICT,		/* 2.23.140.1.5.1.3 */
	PROFILE_MULTIPURPOSE,	/* 2.23.140.1.5.1.2 */
	PROFILE__MAX
};

/* What a certificate's key is for; dual-key mode issues SIGN + ENCRYPT. */
enum cert_usage {
	USAGE_BOTH,		/* KU digitalSignature + keyEncipherment/Agreement */
	USAGE_SIGN,		/* KU digitalSignature only */
	USAGE_ENCRYPT,		/* KU keyEncipherment (RSA) / keyAgreement (EC) */
	USAGE__MAX
};

#define PROFILE_MAX_DAYS	825	/* BR 6.3.2 */
#define PROFILE_DEFAULT_DAYS	365

/* "strict" -> PROFILE_STRICT; ERR_INVALID naming s otherwise. */
int		 profile_parse(enum cert_profile *out, const char *s);
const char	*profile_name(enum cert_profile p);		/* static */
const char	*profile_policy_oid(enum cert_profile p);	/* static */
/* "both" | "sign" | "encrypt" -> USAGE_*; ERR_INVALID naming s. */
int		 profile_usage_parse(enum cert_usage *out, const char *s);
const char	*profile_usage_name(enum cert_usage u);		/* static */

/* What a mailbox certificate is made of; all pointers borrowed. */
struct profile_leaf {
	const char	*email;		/* normalised mailbox (mailbox.h) */
	enum cert_profile profile;
	enum cert_usage	 usage;
	EVP_PKEY	*pubkey;	/* subject key; only the public part used */
	X509		*issuer;	/* the issuing CA certificate */
	const char	*issuer_name;	/* CA name, for the CRL/AIA URLs */
	const char	*base_url;	/* http://host[:port] */
	ASN1_INTEGER	*serial;	/* copied into the certificate */
	int64_t		 not_before;
	int64_t		 not_after;
};

/* What a CA certificate is made of; all pointers borrowed. */
struct profile_ca {
	int		 root;		/* 1 root (self-signed), 0 issuing */
	const char	*country;
	const char	*org;
	const char	*cn;
	EVP_PKEY	*pubkey;
	X509		*issuer;	/* NULL for a root */
	const char	*issuer_name;	/* root's name for URLs; NULL for root */
	const char	*base_url;
	ASN1_INTEGER	*serial;	/* copied into the certificate */
	int64_t		 not_before;
	int64_t		 not_after;
};

/*
 * Build an unsigned certificate with every field and extension set.
 * *out is the caller's (X509_free). ERR_INVALID for unusable input.
 */
int	profile_build_leaf(X509 **out, const struct profile_leaf *p);
int	profile_build_ca(X509 **out, const struct profile_ca *p);

/*
 * Lint a to-be-signed (or signed) mailbox certificate: ERR_PROFILE with a
 * message naming the broken rule, else 0. issuer is the signing CA;
 * email the one mailbox it must be for; u what its keyUsage must say.
 */
int	profile_check_leaf(X509 *x, X509 *issuer, const char *email,
	    enum cert_profile p, enum cert_usage u);

/* Lint a CA certificate; issuer is NULL for a root. */
int	profile_check_ca(X509 *x, X509 *issuer);

/* The signature digest the profile pairs with key pk (SHA-256/384). */
const EVP_MD *profile_digest(const EVP_PKEY *pk);

#endif
