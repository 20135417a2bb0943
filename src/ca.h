/*
 * ca.h: mailcert's own certification authorities: creating the root and
 * issuing CA, and signing mailbox certificates under the profile. Signing
 * is split from recording so that many workers can sign while one thread
 * writes (issue.h): ca_prepare() only computes, ca_record() only stores.
 */
#ifndef MAILCERT_CA_H
#define MAILCERT_CA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "keys.h"
#include "profile.h"

struct config;
struct kek;
struct store;

/* A CA ready to sign: its certificate and unsealed key. Read-only once
 * loaded, so several threads may sign with one struct ca at once. */
struct ca {
	int64_t		 id;		/* store id */
	char		*name;		/* "issuing-1" */
	int		 root;		/* 1 for a root CA */
	X509		*cert;
	EVP_PKEY	*key;		/* private; wiped on ca_free() */
	int64_t		 not_after;
};

/* What to issue. Pointers are borrowed. */
struct ca_request {
	const char	*email;		/* as given; normalised by ca_prepare */
	const char	*given_name;
	const char	*surname;
	enum key_type	 key;		/* generated when csr is NULL */
	int		 days;		/* 0: the config's default */
	enum cert_profile profile;
	enum cert_usage	 usage;		/* one half of a dual pair, or both */
	X509_REQ	*csr;		/* NULL: generate the key on the server */
	int64_t		 user_id;	/* directory user it is managed for
					 * (store-dir.h); 0: by hand */
};

/* A signed certificate not yet stored. */
struct ca_issued {
	X509		*cert;
	EVP_PKEY	*key;		/* NULL when from a CSR */
	char		*email;		/* normalised */
	char		*serial;	/* uppercase hex */
	enum key_type	 key_type;
	char		 key_id[KEYS_ID_LEN]; /* "" when from a CSR */
	unsigned char	*sealed;	/* key sealed under the KEK, or NULL */
	size_t		 sealed_len;
	int		 shortened;	/* validity cut to the CA's end */
};

/*
 * Create a root and an issuing CA per cfg, in one transaction. ERR_EXISTS
 * if the store has CAs already.
 */
int	ca_init(struct store *st, const struct kek *kek,
	    const struct config *cfg);

/*
 * Create one CA called name with subject CN cn and store it inside the
 * caller's transaction: a root when parent is NULL, else an issuing CA
 * signed by parent (its validity cut to the parent's end). *out, if not
 * NULL, receives the new CA ready to sign (ca_free()).
 */
int	ca_create(struct ca **out, struct store *st, const struct kek *kek,
	    const struct config *cfg, const struct ca *parent,
	    const char *name, const char *cn, int64_t now);

/*
 * Load a CA by name, or the active issuing CA when name is NULL.
 * *out is the caller's (ca_free()).
 */
int	ca_load(struct ca **out, struct store *st, const struct kek *kek,
	    const char *name);
void	ca_free(struct ca *ca);		/* NULL is a no-op */

/*
 * Validate req, generate the key or vet the CSR, build, lint and sign the
 * certificate, and seal the new key. No store access; thread-safe.
 * ERR_INVALID / ERR_PROFILE with a message for a bad request.
 * *out is the caller's (ca_issued_free()).
 */
int	ca_prepare(struct ca_issued **out, const struct ca *ca,
	    const struct kek *kek, const struct config *cfg,
	    const struct ca_request *req, int64_t now);

/*
 * Write iss (its sealed key and the certificate row, linked to
 * req->user_id) inside the caller's transaction.
 */
int	ca_record(struct store *st, const struct ca *ca,
	    const struct ca_request *req, const struct ca_issued *iss);

/* ca_prepare() and ca_record() in a transaction of its own. */
int	ca_issue(struct ca_issued **out, struct store *st, const struct ca *ca,
	    const struct kek *kek, const struct config *cfg,
	    const struct ca_request *req, int64_t now);

/*
 * Dual-key mode: a signing (USAGE_SIGN) and an encryption (USAGE_ENCRYPT)
 * certificate for req, each with a key of its own generated here (req's
 * usage is ignored), both linted and recorded in one transaction. Both
 * keys are sealed; the signing key stays only until it is handed out
 * (store_cert_release_key()). ERR_INVALID if req has a CSR. *sign_out and
 * *enc_out are the caller's (ca_issued_free()).
 */
int	ca_issue_pair(struct ca_issued **sign_out,
	    struct ca_issued **enc_out, struct store *st, const struct ca *ca,
	    const struct kek *kek, const struct config *cfg,
	    const struct ca_request *req, int64_t now);

void	ca_issued_free(struct ca_issued *iss);	/* NULL is a no-op */

/* A fresh serial: 159 bits from the CSPRNG, positive, below 2^159. */
int	ca_serial_new(ASN1_INTEGER **out);

#endif
