/*
 * export.h: public material and PKCS#12 key bundles in the formats mail
 * clients and administrators import.
 */
#ifndef MAILCERT_EXPORT_H
#define MAILCERT_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

struct store;

enum export_format {
	EXPORT_PEM,
	EXPORT_DER,
	EXPORT_P7B,	/* degenerate PKCS#7 SignedData (RFC 2315 certs-only) */
	EXPORT_SST,	/* Microsoft serialized store (sst.h) */
	EXPORT__MAX
};

/* "pem" -> EXPORT_PEM; ERR_INVALID naming s and the allowed values. */
int	export_format_parse(enum export_format *out, const char *s,
	    unsigned allowed);
#define EXPORT_ALLOW(f)	(1u << (f))

/*
 * The CA certificates still valid at time now, issuing CAs (newest first)
 * then roots. Retired CAs are included until they expire: they sign
 * nothing new, but mail signed under them before a rollover must still
 * verify against the bundle (Exchange Online checks against its SST).
 * *out is the caller's (sk_X509_pop_free).
 */
int	export_chain_certs(STACK_OF(X509) **out, struct store *st,
	    int64_t now);

/*
 * Encode certs: PEM (all, concatenated), P7B (all, DER), SST (all, bare
 * certificate elements), or DER, which can hold one certificate only:
 * ERR_INVALID if certs has more. *out is the caller's (free()).
 */
int	export_certs(unsigned char **out, size_t *outlen,
	    STACK_OF(X509) *certs, enum export_format f);

/* A CRL in PEM or DER. *out is the caller's. */
int	export_crl(unsigned char **out, size_t *outlen,
	    const unsigned char *der, size_t der_len, enum export_format f);

/* One key and its certificate for export_p12_multi(). Borrowed. */
struct export_p12_item {
	X509		*cert;
	EVP_PKEY	*key;		/* private; must belong to cert */
	const char	*friendly;	/* of both bags, or NULL */
};

/*
 * A PKCS#12 protected by pass with the n keys and certificates of items,
 * in that order (importers that take one identity take the first), then
 * every certificate of chain (may be NULL) that is not in it yet, so the
 * chains of several certificates can simply be concatenated. Each key bag
 * and its certificate bag carry the same friendlyName and, as localKeyID,
 * the SHA-1 of the certificate. Modern: PBES2/PBKDF2-HMAC-SHA256/
 * AES-256-CBC for both the key bags and the certificate safe, and a
 * SHA-256 MAC. legacy: pbeWithSHAAnd3-KeyTripleDES-CBC for both and a
 * SHA-1 MAC (old Windows, GnuPG 2.2). ERR_INVALID if n is 0 or a key does
 * not belong to its certificate. *out is the caller's (free()).
 */
int	export_p12_multi(unsigned char **out, size_t *outlen,
	    const struct export_p12_item *items, size_t n,
	    STACK_OF(X509) *chain, const char *pass, int legacy);

/* export_p12_multi() with the one key and certificate key and cert. */
int	export_p12(unsigned char **out, size_t *outlen, X509 *cert,
	    EVP_PKEY *key, STACK_OF(X509) *chain, const char *pass,
	    const char *friendly, int legacy);

/* A random password of 24 characters from a 64-symbol alphabet (144
 * bits). out must hold 25 bytes. */
int	export_password_new(char out[25]);

#endif
