/*
 * eligible.h: who gets a managed certificate. A user is eligible when they
 * are present in their directory, in at least one auto-request group, and
 * have a valid address (mailbox.h), a given name and a surname, the
 * address's domain is verified and not lapsed (domain.h), and no other
 * user holds the same address. Every reason that applies is reported, so
 * `user list --ineligible` can show them all at once.
 *
 * The policy (key, days, profile, usage) of an eligible user is that of
 * their first auto-request group in (source, name) order, so it never
 * depends on the order a directory delivers groups in.
 */
#ifndef MAILCERT_ELIGIBLE_H
#define MAILCERT_ELIGIBLE_H

#include <stddef.h>
#include <stdint.h>

struct store_domain;
struct store_group;
struct store_user;

enum elig_reason {
	ELIG_ABSENT		= 1 << 0,	/* no longer in the directory */
	ELIG_NO_GROUP		= 1 << 1,	/* in no auto-request group */
	ELIG_NO_EMAIL		= 1 << 2,
	ELIG_BAD_EMAIL		= 1 << 3,	/* not a valid mailbox */
	ELIG_NO_GIVEN_NAME	= 1 << 4,
	ELIG_NO_SURNAME		= 1 << 5,
	ELIG_DOMAIN_UNKNOWN	= 1 << 6,	/* never added */
	ELIG_DOMAIN_UNVERIFIED	= 1 << 7,	/* added, never verified */
	ELIG_DOMAIN_LAPSED	= 1 << 8,
	ELIG_DUPLICATE_EMAIL	= 1 << 9,	/* an earlier user (by source
						 * name, then user id) has it */
};

/* Reasons that mean the user left: what on_removal acts on. */
#define ELIG_LEFT	(ELIG_ABSENT | ELIG_NO_GROUP)

struct elig_ctx;

/*
 * Index groups, domains and users (all borrowed; they must outlive the
 * context) for checks at time at. *out is the caller's (elig_ctx_free()).
 */
int	elig_ctx_new(struct elig_ctx **out, struct store_group *const *groups,
	    size_t ngroups, struct store_domain *const *domains,
	    size_t ndomains, struct store_user *const *users, size_t nusers,
	    int64_t at);
void	elig_ctx_free(struct elig_ctx *c);	/* NULL is a no-op */

/*
 * The reasons u is not eligible (0: eligible). *email (may be NULL)
 * receives the normalised address, borrowed from the context, or NULL if
 * the address is missing or invalid; *policy (may be NULL) the group
 * whose policy applies, or NULL if the user is in no auto-request group.
 */
unsigned elig_check(const struct elig_ctx *c, const struct store_user *u,
	    const char **email, const struct store_group **policy);

/*
 * The reasons as one line, "no given name; domain example.net is not
 * verified", naming u's domain where it matters. *out is the caller's.
 */
int	elig_reasons_format(char **out, unsigned reasons,
	    const struct store_user *u);

#endif
