/*
 * dirsrc-ldap.h: the LDAP directory source (OpenLDAP and Active
 * Directory) through libldap: simple bind (or anonymous), ldap://,
 * ldaps:// or StartTLS with an optional CA file, paged searches (RFC 2696)
 * of users and groups, group membership through `member` (groupOfNames and
 * AD groups; AD nesting through LDAP_MATCHING_RULE_IN_CHAIN as an option),
 * and an attribute map whose defaults depend on the flavor (openldap:
 * entryUUID; ad: objectGUID and the "SMTP:" entry of proxyAddresses as
 * the primary address).
 */
#ifndef MAILCERT_DIRSRC_LDAP_H
#define MAILCERT_DIRSRC_LDAP_H

#include <jansson.h>

#include "source.h"

struct dir_snapshot;

/* The parameters (source.h), ended by an entry with key NULL. */
extern const struct source_opt dirsrc_ldap_opts[];

/* Rules beyond the table (URL scheme, flavor names, filter syntax, a
 * readable password file). ERR_INVALID naming the option. */
int	dirsrc_ldap_check(const json_t *params);

/*
 * Read all users and groups (source.h: all or nothing). name names the
 * snapshot, and messages start "source NAME: ": ERR_IO for any LDAP
 * failure (connect, TLS, bind, a search page, a size or time limit),
 * naming the URL and the step; ERR_INVALID for bad parameters, an
 * unreadable or empty password file, a user without the id attribute
 * (naming the DN) or two users with one id. *out is the caller's
 * (dir_snapshot_free()).
 */
int	dirsrc_ldap_read(struct dir_snapshot **out, const json_t *params,
	    const char *name);

#endif
