/*
 * crl.h: certificate revocation lists (RFC 5280 section 5) for every CA,
 * with the profile's cadence: the issuing CA's subscriber CRL is valid for
 * at most crl.subscriber_days (BR 4.9.7: at most 10, re-signed every 7),
 * the root's for crl.ca_days (at most 12 months).
 */
#ifndef MAILCERT_CRL_H
#define MAILCERT_CRL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

struct ca;
struct config;
struct kek;
struct store;
struct store_ca;
struct store_cert;

/*
 * Sign and store a fresh CRL for every CA that is not retired, numbered one
 * above the last. Each CRL is stored in its own transaction.
 */
int	crl_generate(struct store *st, const struct kek *kek,
	    const struct config *cfg, int64_t now);

/*
 * Sign a fresh CRL, with crl_generate()'s cadence, for every CA that is not
 * retired and needs one at now: it has none, more than half of its latest
 * CRL's window (nextUpdate - thisUpdate) has passed, or it revoked a
 * certificate its latest CRL does not list. Each CRL is stored in its own
 * transaction. *nsigned (may be NULL) counts the CRLs signed.
 */
int	crl_refresh(size_t *nsigned, struct store *st, const struct kek *kek,
	    const struct config *cfg, int64_t now);

/*
 * Sign and store rec's next CRL (numbered one above its last) with
 * thisUpdate now and the given nextUpdate, inside the caller's
 * transaction.
 */
int	crl_sign_next(struct store *st, const struct kek *kek,
	    const struct store_ca *rec, int64_t now, int64_t next_update);

/*
 * Build and sign a CRL for ca listing the n revoked entries (records with a
 * serial, revoked_at and reason). *out is the caller's (X509_CRL_free).
 */
int	crl_build(X509_CRL **out, const struct ca *ca,
	    struct store_cert *const *revoked, size_t n, int64_t number,
	    int64_t this_update, int64_t next_update);

#endif
