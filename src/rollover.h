/*
 * rollover.h: the end of a CA's life and its orderly replacement. An
 * issuing CA never signs a certificate that outlives it (BR 6.3.2), so
 * well before it expires a successor takes over:
 *
 *   begin    a new issuing CA (and, if asked, a new root) signs every new
 *            certificate; the old one stays valid and keeps its CRL
 *   reissue  the old CA's active certificates are re-issued under the new
 *            one with new keys and the old ones marked superseded
 *   finish   the superseded certificates are revoked (reason superseded),
 *            the old CA signs its last CRL and is retired: kept in the store
 *            for history and decryption, never used to sign again
 *
 * A rollover is in progress while more than one issuing CA is active; the
 * newest active one is current (store_ca_current()), the others are old.
 */
#ifndef MAILCERT_ROLLOVER_H
#define MAILCERT_ROLLOVER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct config;
struct kek;

#define ROLLOVER_WARN_DAYS	90	/* warn this long before full_until */
#define ROLLOVER_NAME_MAX	32	/* "issuing-N" and "root-N" fit */

/* Where a CA stands, worst last. */
enum rollover_health {
	ROLLOVER_OK,		/* full-length for ROLLOVER_WARN_DAYS or more */
	ROLLOVER_SOON,		/* full_until is less than that away */
	ROLLOVER_SHORT,		/* past full_until: new ones are cut short */
	ROLLOVER_EXPIRED,	/* past notAfter */
	ROLLOVER_RETIRED,	/* retired by a finished rollover */
	ROLLOVER__MAX
};

/*
 * The last moment at which ca can still sign a certificate of the full
 * days days: an issuing CA a mailbox certificate, a root an issuing CA that
 * in turn signs one (an issuing CA never outlives its root). Not clamped:
 * it may lie in the past.
 */
int64_t		 rollover_full_until(const struct store_ca *ca, int days);

/* How ca stands at time now, for certificates of days days. */
enum rollover_health rollover_health(const struct store_ca *ca, int days,
		    int64_t now);

/* ROLLOVER_SOON -> "rollover-soon"; static. */
const char	*rollover_health_name(enum rollover_health h);

/* What rollover_begin() made. */
struct rollover_begun {
	char	 issuing[ROLLOVER_NAME_MAX];	/* the new current CA */
	char	 root[ROLLOVER_NAME_MAX];	/* its root, new or not */
	int	 new_root;			/* 1 if root was made now */
	char	 old[ROLLOVER_NAME_MAX];	/* the CA it replaces */
};

/*
 * Create the next issuing CA ("issuing-N", CN "<org> S/MIME CA N") under
 * the current CA's root, or with new_root under a new root ("root-N", CN
 * "<org> Root CA N"), in one transaction. From then on it is current; the
 * old one stays active. It signs no CRL: crl_generate() does that.
 * ERR_EXISTS if a rollover is in progress already; ERR_INVALID if the root
 * could no longer carry a full-length certificate and new_root is not set;
 * ERR_UNINIT if there is no active issuing CA.
 */
int	rollover_begin(struct rollover_begun *out, struct store *st,
	    const struct kek *kek, const struct config *cfg, int new_root,
	    int64_t now);

/* One CA being replaced. */
struct rollover_old {
	char		*name;
	enum store_ca_role role;
	int64_t		 not_after;
	size_t		 active;	/* issuing: valid, unexpired certs */
	size_t		 superseded;	/* of those, re-issued already */
	size_t		 csr;		/* of the rest, from a CSR: no key */
	size_t		 cas;		/* root: active CAs it signed */
};

/* A certificate that cannot be re-keyed: it came from a CSR. */
struct rollover_blocked {
	char		*serial;
	char		*email;
	char		*ca_name;
};

struct rollover_status {
	char		*current;	/* the CA new certificates come from */
	struct rollover_old *old;	/* issuing CAs first, then roots */
	size_t		 nold;		/* 0: no rollover in progress */
	struct rollover_blocked *blocked;
	size_t		 nblocked;
};

/*
 * Where the rollover stands at time now. Reads only. *out is the caller's
 * (rollover_status_free()). ERR_UNINIT if there is no active issuing CA.
 */
int	rollover_status(struct rollover_status **out, struct store *st,
	    int64_t now);
void	rollover_status_free(struct rollover_status *s);  /* NULL: no-op */

/* One certificate of an old CA and its replacement. */
struct rollover_pair {
	char		*old_serial;
	char		*new_serial;	/* NULL if this one failed */
	char		*email;
	int		 rc;		/* 0 or the ERR_* of this one */
	char		*error;		/* message when rc != 0 */
};

struct rollover_reissue {
	struct rollover_pair *v;	/* re-issued in this run, in order */
	size_t		 n;
	size_t		 adopted;	/* paired with a replacement found in
					 * the store instead (see below) */
	size_t		 remaining;	/* left for a later run by the batch */
	size_t		 csr;		/* left because they came from a CSR */
};

/*
 * Re-issue up to batch (0: all) active certificates of the old CAs that are
 * not superseded yet under the current CA, with new keys of the same type
 * and the same mailbox, names, profile and usage, then mark each old one
 * superseded by its new serial. Certificates from a CSR are counted, never
 * re-issued. Old keys stay in the store.
 *
 * New certificates are stored in issue_many()'s group commits and the marks
 * follow in one more transaction, so a crash can leave a new certificate
 * whose old one is unmarked. Every run therefore first pairs each unmarked
 * old certificate with an unclaimed valid certificate of the current CA for
 * the same mailbox, usage and profile (same key type for a server key; from
 * a CSR for a CSR) and marks it, issuing nothing: that also adopts a
 * replacement an administrator issued by hand, such as one for a user's new
 * CSR. A re-run thus never re-issues twice. Should two runs overlap, the
 * first mark stands and the later pair fails with ERR_EXISTS.
 *
 * Failures of single certificates are in their pairs; the return value is
 * negative only if the run failed. ERR_INVALID if no rollover is in
 * progress. *out is the caller's (rollover_reissue_free()).
 */
int	rollover_reissue(struct rollover_reissue **out, struct store *st,
	    const struct kek *kek, const struct config *cfg, size_t batch,
	    int64_t now);
void	rollover_reissue_free(struct rollover_reissue *r); /* NULL: no-op */

/* What rollover_finish() did, or what stopped it. */
struct rollover_finish {
	size_t		 pending;	/* active, not superseded: blocks */
	size_t		 csr;		/* of those, from a CSR */
	size_t		 adopted;	/* paired as in rollover_reissue() */
	size_t		 revoked;	/* superseded ones revoked now */
	char		**retired;	/* names of the CAs retired now */
	size_t		 nretired;
};

/*
 * Finish the rollover in one transaction: pair replacements as
 * rollover_reissue() does; then, unless active certificates of an old CA
 * remain unsuperseded (ERR_EXISTS, with out->pending and out->csr set),
 * revoke the superseded ones (reason superseded), sign each old CA's final
 * CRL (nextUpdate its notAfter: no other follows), retire it, and do the
 * same for every old root that no active CA hangs off. With nothing left to
 * finish it does nothing and returns 0, so a re-run converges. out is
 * filled in; release it with rollover_finish_clear().
 */
int	rollover_finish(struct rollover_finish *out, struct store *st,
	    const struct kek *kek, int64_t now);
void	rollover_finish_clear(struct rollover_finish *f);  /* NULL: no-op */

#endif
