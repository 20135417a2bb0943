/*
 * domain.h: proof that the organisation controls a mail domain, which the
 * S/MIME BR (3.2.2) ask for before mailbox certificates under it are
 * issued. A domain gets a random token; publishing
 *
 *	_mailcert.DOMAIN. TXT "mailcert-verify=TOKEN"
 *
 * and looking it up verifies the domain for DOMAIN_VALID_DAYS. An
 * administrator may instead assert a domain for closed setups without
 * public DNS; that is recorded as such and must be repeated yearly.
 *
 * Functions here never print; they report through return codes and
 * err_set() messages. Records returned through out are the caller's
 * (store_domain_free()).
 */
#ifndef MAILCERT_DOMAIN_H
#define MAILCERT_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct store_domain;

#define DOMAIN_VALID_DAYS	365	/* a verification lasts this long */
#define DOMAIN_RENEW_DAYS	30	/* re-verify with fewer days left */
#define DOMAIN_TXT_LABEL	"_mailcert"
#define DOMAIN_TXT_PREFIX	"mailcert-verify="

enum domain_state {
	DOMAIN_STATE_UNVERIFIED,	/* never verified */
	DOMAIN_STATE_VERIFIED,		/* DOMAIN_RENEW_DAYS or more left */
	DOMAIN_STATE_EXPIRING,		/* verified, fewer days left */
	DOMAIN_STATE_LAPSED,		/* the verification ran out */
	DOMAIN_STATE__MAX
};

/*
 * Add domain name (any case; stored lower-case) with a new random 128-bit
 * token, unverified. ERR_INVALID naming what is wrong with the name,
 * ERR_EXISTS if the domain is known.
 */
int	domain_add(struct store_domain **out, struct store *st,
	    const char *name);

/*
 * Mark name verified by assertion from now for DOMAIN_VALID_DAYS, adding
 * the domain first if it is new; an existing verification (DNS or
 * assertion) is replaced. ERR_INVALID for a bad name.
 */
int	domain_assert(struct store_domain **out, struct store *st,
	    const char *name, int64_t now);

/*
 * Look up the TXT records of _mailcert.NAME at the resolvers cfg names
 * and accept the domain if one of them is exactly "mailcert-verify=TOKEN":
 * then it is verified by DNS from now for DOMAIN_VALID_DAYS. On failure
 * the reason is recorded as the domain's last error and an earlier
 * verification stays until it lapses. Either way the outcome is stored.
 * Returns 0 when verified; ERR_NOTFOUND (unknown domain, no such record,
 * wrong token) or ERR_IO (DNS failed or timed out) with the message
 * saying why; other codes for store failures.
 */
int	domain_verify(struct store *st, const struct config *cfg,
	    const char *name, int64_t now);

/*
 * Re-verify every DNS-verified domain with fewer than DOMAIN_RENEW_DAYS
 * left at now (lapsed ones included), for the periodic sync. *checked and
 * *failed count the lookups made and those that did not verify; failures
 * are recorded per domain (domain_verify()) and do not stop the run.
 * Returns 0, or the first store or internal failure.
 */
int	domain_verify_due(size_t *checked, size_t *failed, struct store *st,
	    const struct config *cfg, int64_t now);

/*
 * Raise domain.expiring (verified, fewer than DOMAIN_RENEW_DAYS left) or
 * domain.lapsed (a verification ran out) for d at now, once per
 * verification that ends, with its outbox event (store-dir.h), inside the
 * caller's transaction. *kind is the EVENT_DOMAIN_* that applies (static),
 * NULL when neither does; *raised is 1 when this call raised it.
 */
int	domain_alert(const char **kind, int *raised, struct store *st,
	    const struct store_domain *d, int64_t now);

/* The state of d at now. */
enum domain_state domain_state(const struct store_domain *d, int64_t now);

/* Whole days of validity d has left at now; 0 when lapsed or unverified. */
int	domain_days_left(const struct store_domain *d, int64_t now);

/* "unverified" | "verified" | "expiring" | "lapsed"; static. */
const char *domain_state_name(enum domain_state s);

/*
 * The record to publish for d, `_mailcert.NAME. TXT "mailcert-verify=
 * TOKEN"`. *out is the caller's (free()).
 */
int	domain_record(char **out, const struct store_domain *d);

#endif
