/*
 * store-web.h: the daemon half of the store (schema 5): API tokens, the
 * hash-chained audit log, the OCSP responder certificates, and counts for
 * the overview and /metrics. Part of the store module (store.h): same
 * handle, transactions, error and ownership rules.
 */
#ifndef MAILCERT_STORE_WEB_H
#define MAILCERT_STORE_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_HASH_HEX	65	/* SHA-256 in hex plus NUL */

/* The setting that holds the audit log's head: "ID:HASH" of the newest
 * entry (store-dir.h settings). */
#define STORE_SETTING_AUDIT_HEAD	"audit.head"

/* An API token. Only the SHA-256 of the secret is stored. */
struct store_token {
	int64_t		 id;		/* set by store_token_put() */
	char		*name;		/* unique among unrevoked tokens */
	char		*role;		/* "admin" | "operator" | "viewer" */
	char		*groups;	/* scope: group ids joined by ',', or
					 * NULL for every group */
	char		 hash[STORE_HASH_HEX]; /* hex SHA-256 of the secret */
	int64_t		 created_at;	/* set by store_token_put() */
	int64_t		 expires_at;	/* 0: never */
	int64_t		 revoked_at;	/* 0: not revoked */
	int64_t		 last_used_at;	/* 0: never */
};

/*
 * One audit entry. hash = SHA-256 over prev_hash and every other field
 * (auditlog.h defines the encoding); the first entry's prev_hash is 64
 * zeros.
 */
struct store_audit {
	int64_t		 id;		/* 1, 2, ... without gaps */
	int64_t		 at;
	char		*actor;		/* "token:NAME", "cli:USER", "daemon" */
	char		*action;	/* "cert.revoke", "token.create", ... */
	char		*target;	/* serial, user id, name; "" if none */
	char		*result;	/* "ok" or "error: message" */
	char		 prev_hash[STORE_HASH_HEX];
	char		 hash[STORE_HASH_HEX];
};

/* The delegated OCSP responder certificate of an issuing CA. */
struct store_responder {
	int64_t		 id;
	int64_t		 ca_id;
	char		*serial;	/* uppercase hex */
	char		*key_id;	/* store_key id of its (sealed) key */
	unsigned char	*der;
	size_t		 der_len;
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 created_at;
};

/* Counts at a moment, for the overview and /metrics. */
struct store_stats {
	size_t		 certs[3];	/* valid (unexpired), revoked,
					 * expired (not revoked) */
	size_t		 events[4];	/* by enum store_event_state */
	int64_t		 oldest_pending_at; /* 0: none pending */
};

/* ---- tokens ---- */

/* Sets t->id and t->created_at. ERR_EXISTS naming t->name if an unrevoked
 * token has that name. */
int	store_token_put(struct store *st, struct store_token *t);
/* By hex hash; ERR_NOTFOUND if none (revoked and expired ones are
 * returned: the caller decides). */
int	store_token_by_hash(struct store_token **out, struct store *st,
	    const char *hash);
/* All tokens by id, revoked ones too. */
int	store_token_list(struct store_token ***out, size_t *n,
	    struct store *st);
/* Revoke token id at at. ERR_NOTFOUND if absent, ERR_EXISTS if it is
 * revoked already. */
int	store_token_revoke(struct store *st, int64_t id, int64_t at);
/* Record a use; cheap, and skipped when last_used_at is under a minute
 * old so that busy tokens do not write on every request. */
int	store_token_touch(struct store *st, int64_t id, int64_t at);

/* ---- the audit log ---- */

/*
 * Append e (actor, action, target, result, at) after the newest entry:
 * sets e->id, e->prev_hash and e->hash (auditlog.h's encoding), and the
 * head (id and hash) kept in settings "audit.head", so that removing the
 * newest entries is detected too. Inside the caller's transaction if one
 * is open, else in its own BEGIN IMMEDIATE one, so appenders on several
 * connections chain correctly.
 */
int	store_audit_append(struct store *st, struct store_audit *e);
/* Entries with id > after_id by id, at most limit (0: all). */
int	store_audit_list(struct store_audit ***out, size_t *n,
	    struct store *st, int64_t after_id, size_t limit);
/* The newest entries first, at most limit, with id < before_id (0: from
 * the newest). */
int	store_audit_list_desc(struct store_audit ***out, size_t *n,
	    struct store *st, int64_t before_id, size_t limit);

/* ---- OCSP responders ---- */

/* Sets r->id and r->created_at. */
int	store_responder_put(struct store *st, struct store_responder *r);
/* The newest responder of ca_id; ERR_NOTFOUND if none. */
int	store_responder_latest(struct store_responder **out,
	    struct store *st, int64_t ca_id);

/* ---- counts ---- */

int	store_stats_get(struct store_stats *out, struct store *st,
	    int64_t now);

void	store_token_free(struct store_token *t);
void	store_token_list_free(struct store_token **v, size_t n);
void	store_audit_free(struct store_audit *e);
void	store_audit_list_free(struct store_audit **v, size_t n);
void	store_responder_free(struct store_responder *r);

#endif
