/*
 * token.h: API bearer tokens. A token is "mct_" and 43 base64url
 * characters (32 random bytes); only its SHA-256 is stored
 * (store-web.h), so a stolen database grants nothing. Roles are ordered:
 * a viewer reads, an operator also revokes, reissues, triggers syncs and
 * exports public material, an admin also manages sources, groups, domains,
 * seats, tokens and CAs. A token scoped to groups sees only users in those
 * groups and their certificates.
 */
#ifndef MAILCERT_TOKEN_H
#define MAILCERT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_token;
struct store_cert;
struct store_user;

enum token_role { TOKEN_VIEWER, TOKEN_OPERATOR, TOKEN_ADMIN };

#define TOKEN_PREFIX	"mct_"
#define TOKEN_LEN	47	/* prefix + 43 characters */

/* A verified token, as the API sees it. */
struct token_auth {
	int64_t		 id;
	char		*name;
	enum token_role	 role;
	int64_t		*groups;	/* scope, ascending; NULL: unscoped */
	size_t		 ngroups;
};

/* "viewer" ... -> role; ERR_INVALID naming s. */
int	token_role_parse(enum token_role *out, const char *s);
const char *token_role_name(enum token_role r);	/* static */

/*
 * Create a token called name with role, scoped to the groups named in
 * groups (comma-separated "GROUP" or "SOURCE/GROUP", NULL: unscoped;
 * ERR_NOTFOUND / ERR_EXISTS naming an unknown or ambiguous group), expiring
 * after days (0: never) from now. *secret (the caller's, free()) is the
 * token text, shown once. One transaction, with its audit entry by actor.
 */
int	token_create(char **secret, struct store *st, const char *name,
	    enum token_role role, const char *groups, int days, int64_t now,
	    const char *actor);

/*
 * Check the secret of an "Authorization: Bearer" header. ERR_INVALID for a
 * malformed, unknown, revoked or expired token (the message says which,
 * for the log; clients only ever see 401). *out is the caller's
 * (token_auth_free()). Records the use (store_token_touch()).
 */
int	token_verify(struct token_auth **out, struct store *st,
	    const char *secret, int64_t now);
void	token_auth_free(struct token_auth *a);

/* 1 if a may act at least as role. */
int	token_allows(const struct token_auth *a, enum token_role role);
/* 1 if user u (with its group_ids) is within a's scope. */
int	token_sees_user(const struct token_auth *a, const struct store_user *u);
/* 1 if certificate c is within a's scope: unscoped tokens see all; scoped
 * ones only certificates linked to a user they see (st looks it up). */
int	token_sees_cert(const struct token_auth *a, struct store *st,
	    const struct store_cert *c);
/* 1 if group id is within a's scope. */
int	token_sees_group(const struct token_auth *a, int64_t group_id);

/* Revoke by id (decimal) or by name. ERR_NOTFOUND naming it. Audited. */
int	token_revoke(struct store *st, const char *id_or_name, int64_t now,
	    const char *actor);

#endif
