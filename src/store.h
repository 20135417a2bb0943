/*
 * store.h: persistence for CAs, escrowed keys, certificates, CRLs and
 * verified mail domains. The
 * store is the only shared state of mailcert. SQLite (store-sqlite.c) is
 * the embedded backend; the backend is chosen in store_open() so another
 * (PostgreSQL) can be added behind the same calls (store-int.h).
 *
 * Writes that belong together go between store_begin() and store_commit():
 * a certificate and its sealed key are stored together or not at all.
 * Records returned through out parameters are the caller's and are released
 * with the matching *_free(); string fields inside them are owned by the
 * record. A struct store is one connection: one thread at a time.
 *
 * Serials are hex, at most 40 digits, accepted in any case and stored in
 * upper case; leading zeros count ("0A" and "A" differ), so writers always
 * use BN_bn2hex()'s whole-byte form.
 */
#ifndef MAILCERT_STORE_H
#define MAILCERT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;	/* opaque: owns the database handle */

enum store_ca_role {
	STORE_CA_ROOT,
	STORE_CA_ISSUING,
};

enum store_ca_state {
	STORE_CA_ACTIVE,	/* signs new certificates (issuing) / CRLs */
	STORE_CA_RETIRED,	/* kept for history, never signs again */
};

enum cert_state {
	CERT_STATE_VALID,
	CERT_STATE_REVOKED,
	CERT_STATE__MAX
};

/* RFC 5280 CRLReason values mailcert uses (never "unspecified"). */
enum revoke_reason {
	REVOKE_KEY_COMPROMISE = 1,
	REVOKE_AFFILIATION_CHANGED = 3,
	REVOKE_SUPERSEDED = 4,
	REVOKE_CESSATION_OF_OPERATION = 5,
	REVOKE_PRIVILEGE_WITHDRAWN = 9,
};

struct store_key {
	char		*id;		/* 32 hex digits, the seal's AAD */
	char		*alg;		/* "rsa-3072", ... */
	unsigned char	*sealed;	/* keys_seal() blob */
	size_t		 sealed_len;
};

struct store_ca {
	int64_t		 id;		/* set by store_ca_put() */
	char		*name;		/* "root-1", "issuing-1": used in URLs */
	enum store_ca_role role;
	int64_t		 parent_id;	/* issuer's id; 0 for a root */
	enum store_ca_state state;
	char		*serial;	/* uppercase hex */
	char		*key_id;	/* store_key id */
	unsigned char	*der;		/* the certificate */
	size_t		 der_len;
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 created_at;
};

struct store_cert {
	int64_t		 id;		/* set by store_cert_put() */
	char		*serial;	/* uppercase hex, unique forever */
	int64_t		 ca_id;
	char		*ca_name;	/* filled by reads; ignored by put */
	char		*email;		/* normalised mailbox */
	char		*given_name;
	char		*surname;
	char		*profile;	/* "strict" | "multipurpose" */
	char		*key_alg;	/* "rsa-3072", ... */
	char		*key_id;	/* escrowed key; NULL when from a CSR */
	unsigned char	*der;
	size_t		 der_len;
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 created_at;
	enum cert_state	 state;
	int		 reason;	/* enum revoke_reason when revoked */
	int64_t		 revoked_at;	/* 0 unless revoked */
	char		*usage;		/* "both" | "sign" | "encrypt"; NULL
					 * on put means "both" */
	char		*superseded_by;	/* serial of the replacement, or NULL */
	int64_t		 key_released_at; /* signing key handed out and
					 * deleted at; 0 if never */
	int64_t		 user_id;	/* directory user (store-dir.h) it is
					 * managed for; 0: issued by hand */
};

struct store_cert_filter {
	const char	*email;		/* NULL: any */
	int64_t		 ca_id;		/* 0: any */
	int		 state;		/* -1 any, else enum cert_state */
	int		 expired;	/* -1 any, 0 not expired, 1 expired */
	int64_t		 now;		/* reference time for expired */
	/* Zero means "any" for both, so a memset filter lists everything. */
	int		 managed;	/* 0 any, 1 managed only (user_id set),
					 * 2 by hand only */
	int64_t		 user_id;	/* 0 any, else only this user's */
};

/* How a mail domain was verified (domain.h); NONE until it first is. */
enum store_domain_method {
	STORE_DOMAIN_NONE,
	STORE_DOMAIN_DNS,	/* the TXT record was found */
	STORE_DOMAIN_ASSERT,	/* an administrator vouched, without DNS */
	STORE_DOMAIN__MAX
};

/* A mail domain and its proof of control. Times are 0 when unset. */
struct store_domain {
	char		*name;		/* lower-case A-label form */
	char		*token;		/* expected in the TXT record */
	int64_t		 created_at;	/* set by store_domain_put() */
	int64_t		 verified_at;	/* last successful verification */
	int64_t		 valid_until;	/* verification holds until */
	enum store_domain_method method; /* of the last success */
	int64_t		 last_check_at;	/* last DNS lookup, either outcome */
	char		*last_error;	/* why the last lookup failed; NULL
					 * after a success */
};

struct store_crl {
	int64_t		 ca_id;
	int64_t		 number;	/* CRL number, 1, 2, ... per CA */
	int64_t		 this_update;
	int64_t		 next_update;
	unsigned char	*der;
	size_t		 der_len;
};

/*
 * Open (creating and migrating as needed) the store cfg names. *out is the
 * caller's (store_close()).
 */
int	store_open(struct store **out, const struct config *cfg);
void	store_close(struct store *st);			/* NULL is a no-op */

/* Transactions; they do not nest. rollback is safe to call after failure. */
int	store_begin(struct store *st);
int	store_commit(struct store *st);
void	store_rollback(struct store *st);

/* The schema version the store is at after migration. */
int	store_schema_version(int *out, struct store *st);

int	store_key_put(struct store *st, const struct store_key *k);
/* ERR_NOTFOUND if no key has that id. */
int	store_key_get(struct store_key **out, struct store *st, const char *id);

/* Sets ca->id and ca->created_at. ERR_EXISTS if the name or serial is
 * taken. */
int	store_ca_put(struct store *st, struct store_ca *ca);
/* By name; ERR_NOTFOUND naming it if absent. */
int	store_ca_get(struct store_ca **out, struct store *st, const char *name);
int	store_ca_get_id(struct store_ca **out, struct store *st, int64_t id);
/* The active issuing CA (newest first). ERR_NOTFOUND if none. */
int	store_ca_current(struct store_ca **out, struct store *st);
/* All CAs, oldest first. *out is an array of *n records; free with
 * store_ca_list_free(). */
int	store_ca_list(struct store_ca ***out, size_t *n, struct store *st);

/* Sets c->id and c->created_at. ERR_EXISTS if the serial was ever used. */
int	store_cert_put(struct store *st, struct store_cert *c);
/* By serial (hex, any case). ERR_NOTFOUND naming it if absent. */
int	store_cert_get(struct store_cert **out, struct store *st,
	    const char *serial);
/* Certificates matching f (not NULL), oldest first. */
int	store_cert_list(struct store_cert ***out, size_t *n,
	    struct store *st, const struct store_cert_filter *f);
/*
 * Mark serial revoked at time at for reason. ERR_NOTFOUND if unknown,
 * ERR_EXISTS if it is revoked already.
 */
int	store_cert_revoke(struct store *st, const char *serial, int reason,
	    int64_t at);

/* Record that serial was replaced by serial by (a rollover re-issue).
 * ERR_NOTFOUND if serial is unknown. */
int	store_cert_supersede(struct store *st, const char *serial,
	    const char *by);
/*
 * Hand out a key once: delete key key_id and note on certificate serial
 * that it was released at time at. Call inside a transaction, after the
 * key has been delivered. ERR_NOTFOUND if serial does not hold key_id.
 */
int	store_cert_release_key(struct store *st, const char *serial,
	    const char *key_id, int64_t at);
/* Set the state of the CA called name. ERR_NOTFOUND if there is none. */
int	store_ca_set_state(struct store *st, const char *name,
	    enum store_ca_state state);

/* Store a signed CRL. ERR_EXISTS if (ca_id, number) is taken. */
int	store_crl_put(struct store *st, const struct store_crl *crl);
/* The highest CRL number stored for ca_id, 0 if none. */
int	store_crl_last_number(int64_t *out, struct store *st, int64_t ca_id);
/* The newest CRL of ca_id; ERR_NOTFOUND if none was generated. */
int	store_crl_latest(struct store_crl **out, struct store *st,
	    int64_t ca_id);

/*
 * Store a new domain with all of d's fields but created_at, which is set
 * (in d too). ERR_EXISTS naming it if the domain is known.
 */
int	store_domain_put(struct store *st, struct store_domain *d);
/* By name (any case). ERR_NOTFOUND naming it if absent. */
int	store_domain_get(struct store_domain **out, struct store *st,
	    const char *name);
/* All domains by name. *out is an array of *n records; free with
 * store_domain_list_free(). */
int	store_domain_list(struct store_domain ***out, size_t *n,
	    struct store *st);
/*
 * Record the outcome of a verification: d's verified_at, valid_until,
 * method, last_check_at and last_error replace the stored ones (the token
 * never changes). ERR_NOTFOUND naming d->name if it is not known.
 */
int	store_domain_update(struct store *st, const struct store_domain *d);

void	store_key_free(struct store_key *k);
void	store_ca_free(struct store_ca *ca);
void	store_ca_list_free(struct store_ca **v, size_t n);
void	store_cert_free(struct store_cert *c);
void	store_cert_list_free(struct store_cert **v, size_t n);
void	store_crl_free(struct store_crl *crl);
void	store_domain_free(struct store_domain *d);
void	store_domain_list_free(struct store_domain **v, size_t n);

/* "dns" | "assert" | "none"; static. */
const char *store_domain_method_name(enum store_domain_method m);

/* "valid" | "revoked"; static. */
const char *store_cert_state_name(enum cert_state s);
/* "keyCompromise" -> REVOKE_KEY_COMPROMISE; ERR_INVALID naming s. */
int	store_reason_parse(int *out, const char *s);
/* REVOKE_SUPERSEDED -> "superseded"; static, "unspecified" if unknown. */
const char *store_reason_name(int reason);

#endif
