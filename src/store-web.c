/*
 * store-web.c: the backend-independent half of store-web.h. As store.c
 * and store-dir.c do, it checks what callers pass once for every backend
 * (token names, roles, hashes, scopes, audit fields, responder serials),
 * dispatches through store_ops.web, and releases the records the backends
 * return.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "err.h"
#include "store-int.h"
#include "util/timefmt.h"

/* Octets of an audit field: the CLI's operands fit, a runaway does not. */
#define AUDIT_FIELD_MAX	4096

static int
token_name_check(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0')
		return err_set(ERR_INVALID, "token name is empty");
	if (strlen(name) > STORE_NAME_MAX)
		return err_set(ERR_INVALID, "token name \"%.*s...\" is longer "
		    "than %d characters", 16, name, STORE_NAME_MAX);
	/* It becomes the audit actor "token:NAME" and a log field. */
	for (p = name; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-' || *p == '@')
			continue;
		return err_set(ERR_INVALID, "token name \"%s\" may only hold "
		    "letters, digits, '.', '_', '-' and '@'", name);
	}
	return 0;
}

/* 1 if s is 64 lowercase hex digits. */
static int
hash_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != STORE_HASH_HEX - 1)
		return 0;
	for (i = 0; i < STORE_HASH_HEX - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A scope: NULL, or positive decimal ids joined by ','. */
static int
groups_check(const char *groups)
{
	const char *p;
	int digits = 0;

	if (groups == NULL)
		return 0;
	for (p = groups; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			/* A leading zero would make "01" and "1" differ. */
			if (digits == 0 && *p == '0')
				break;
			digits++;
		} else if (*p == ',' && digits > 0)
			digits = 0;
		else
			break;
	}
	if (*p != '\0' || digits == 0)
		return err_set(ERR_INVALID, "token scope \"%s\" is not a list "
		    "of group ids", groups);
	return 0;
}

static int
audit_field_check(const char *what, const char *v, int may_be_empty)
{
	if (v == NULL || (!may_be_empty && v[0] == '\0'))
		return err_set(ERR_INVALID, "audit entry without %s", what);
	if (strlen(v) > AUDIT_FIELD_MAX)
		return err_set(ERR_INVALID, "audit %s \"%.*s...\" is longer "
		    "than %d octets", what, 16, v, AUDIT_FIELD_MAX);
	return 0;
}

int
store_token_put(struct store *st, struct store_token *t)
{
	int rc;

	if ((rc = token_name_check(t->name)) != 0)
		return rc;
	if (t->role == NULL || (strcmp(t->role, "admin") != 0 &&
	    strcmp(t->role, "operator") != 0 &&
	    strcmp(t->role, "viewer") != 0))
		return err_set(ERR_INVALID, "token \"%s\": unknown role \"%s\" "
		    "(use admin, operator or viewer)", t->name,
		    t->role != NULL ? t->role : "");
	if (!hash_ok(t->hash))
		return err_set(ERR_INVALID, "token \"%s\": the hash is not 64 "
		    "lowercase hex digits", t->name);
	if ((rc = groups_check(t->groups)) != 0)
		return rc;
	if (t->expires_at < 0)
		return err_set(ERR_INVALID, "token \"%s\": negative expiry",
		    t->name);
	return st->ops->web->token_put(st, t);
}

int
store_token_by_hash(struct store_token **out, struct store *st,
    const char *hash)
{
	*out = NULL;
	if (!hash_ok(hash))
		return err_set(ERR_INVALID, "a token hash is 64 lowercase hex "
		    "digits");
	return st->ops->web->token_by_hash(out, st, hash);
}

int
store_token_list(struct store_token ***out, size_t *n, struct store *st)
{
	*out = NULL;
	*n = 0;
	return st->ops->web->token_list(out, n, st);
}

int
store_token_revoke(struct store *st, int64_t id, int64_t at)
{
	if (id <= 0)
		return err_set(ERR_NOTFOUND, "no token %lld", (long long)id);
	return st->ops->web->token_revoke(st, id, at);
}

int
store_token_touch(struct store *st, int64_t id, int64_t at)
{
	if (id <= 0)
		return err_set(ERR_NOTFOUND, "no token %lld", (long long)id);
	return st->ops->web->token_touch(st, id, at);
}

int
store_audit_append(struct store *st, struct store_audit *e)
{
	int rc;

	if ((rc = audit_field_check("actor", e->actor, 0)) != 0 ||
	    (rc = audit_field_check("action", e->action, 0)) != 0 ||
	    (rc = audit_field_check("result", e->result, 0)) != 0 ||
	    (e->target != NULL &&
	    (rc = audit_field_check("target", e->target, 1)) != 0))
		return rc;
	if (e->at == 0)
		e->at = timefmt_now();
	return st->ops->web->audit_append(st, e);
}

int
store_audit_list(struct store_audit ***out, size_t *n, struct store *st,
    int64_t after_id, size_t limit)
{
	*out = NULL;
	*n = 0;
	if (after_id < 0)
		after_id = 0;
	return st->ops->web->audit_list(out, n, st, after_id, limit);
}

int
store_audit_list_desc(struct store_audit ***out, size_t *n,
    struct store *st, int64_t before_id, size_t limit)
{
	*out = NULL;
	*n = 0;
	if (before_id < 0)
		before_id = 0;
	return st->ops->web->audit_list_desc(out, n, st, before_id, limit);
}

int
store_responder_put(struct store *st, struct store_responder *r)
{
	const char *p;

	if (r->ca_id <= 0)
		return err_set(ERR_INVALID, "OCSP responder without a CA");
	if (r->serial == NULL || r->serial[0] == '\0' ||
	    strlen(r->serial) > STORE_SERIAL_MAX)
		return err_set(ERR_INVALID, "OCSP responder serial is empty or "
		    "longer than %d hex digits", STORE_SERIAL_MAX);
	for (p = r->serial; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F')))
			return err_set(ERR_INVALID, "OCSP responder serial "
			    "\"%s\" is not uppercase hex", r->serial);
	if (r->key_id == NULL || r->key_id[0] == '\0')
		return err_set(ERR_INVALID, "OCSP responder %s has no key",
		    r->serial);
	if (r->der == NULL || r->der_len == 0)
		return err_set(ERR_INVALID, "OCSP responder %s has no "
		    "certificate", r->serial);
	if (r->not_after < r->not_before)
		return err_set(ERR_INVALID, "OCSP responder %s expires before "
		    "it is valid", r->serial);
	return st->ops->web->responder_put(st, r);
}

int
store_responder_latest(struct store_responder **out, struct store *st,
    int64_t ca_id)
{
	*out = NULL;
	return st->ops->web->responder_latest(out, st, ca_id);
}

int
store_stats_get(struct store_stats *out, struct store *st, int64_t now)
{
	memset(out, 0, sizeof(*out));
	return st->ops->web->stats_get(out, st, now);
}

void
store_token_free(struct store_token *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->role);
	free(t->groups);
	OPENSSL_cleanse(t->hash, sizeof(t->hash));
	free(t);
}

void
store_token_list_free(struct store_token **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_token_free(v[i]);
	free(v);
}

void
store_audit_free(struct store_audit *e)
{
	if (e == NULL)
		return;
	free(e->actor);
	free(e->action);
	free(e->target);
	free(e->result);
	free(e);
}

void
store_audit_list_free(struct store_audit **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_audit_free(v[i]);
	free(v);
}

void
store_responder_free(struct store_responder *r)
{
	if (r == NULL)
		return;
	free(r->serial);
	free(r->key_id);
	free(r->der);
	free(r);
}
