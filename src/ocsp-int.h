/*
 * ocsp-int.h: what the two halves of the OCSP module share: ocsp.c (the
 * response cache and the answers) asks ocsp-responder.c for the delegated
 * responder certificate of each issuing CA.
 */
#ifndef MAILCERT_OCSP_INT_H
#define MAILCERT_OCSP_INT_H

#include <stdint.h>

#include <openssl/types.h>

struct config;
struct kek;
struct store;
struct store_ca;

/* A responder ready to sign; read-only once made, so shared by threads. */
struct ocsp_responder {
	int64_t		 id;		/* store_responder id */
	X509		*cert;
	EVP_PKEY	*key;		/* private, EC P-256 */
	int64_t		 not_before;
	int64_t		 not_after;
};

/*
 * The responder that signs ca's responses at now: the newest stored one
 * unless a third of its life is left (or less), else a new one made,
 * signed by ca and stored with its sealed key in one transaction (*made
 * is then 1). prev, if not NULL, is the responder already loaded for ca
 * and is reused instead of unsealing the same key again. When the CA's
 * key is gone, a stored responder that has not expired is still used.
 * ERR_NOTFOUND if there is none and none can be made. *out is the
 * caller's (ocsp_responder_free()).
 */
int	ocsp_responder_get(struct ocsp_responder **out, int *made,
	    struct store *st, const struct kek *kek, const struct config *cfg,
	    const struct store_ca *ca, const struct ocsp_responder *prev,
	    int64_t now);

void	ocsp_responder_free(struct ocsp_responder *r);	/* NULL is a no-op */

#endif
