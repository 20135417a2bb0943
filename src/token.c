/*
 * token.c: API bearer tokens (token.h). The secret is 32 bytes from the
 * OpenSSL DRBG, so its SHA-256 can serve as the lookup key: nobody can
 * search for a secret whose hash matches one in the store, and the one
 * byte-wise comparison left is made in constant time anyway.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auditlog.h"
#include "err.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "token.h"
#include "util/array.h"

#define SECRET_BYTES	32
#define DAYS_MAX	3650	/* --expires: at most ten years */
#define DAY		86400

static const char *const role_names[] = {
	[TOKEN_VIEWER] = "viewer",
	[TOKEN_OPERATOR] = "operator",
	[TOKEN_ADMIN] = "admin",
};

int
token_role_parse(enum token_role *out, const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (s != NULL && strcmp(s, role_names[i]) == 0) {
			*out = (enum token_role)i;
			return 0;
		}
	return err_set(ERR_INVALID, "unknown role \"%s\" (use viewer, "
	    "operator or admin)", s != NULL ? s : "");
}

const char *
token_role_name(enum token_role r)
{
	return (size_t)r < sizeof(role_names) / sizeof(role_names[0]) ?
	    role_names[r] : "unknown";
}

/* Hex SHA-256 of the token text, as the store keeps it. */
static int
secret_hash(char out[STORE_HASH_HEX], const char *secret)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char dig[32];
	unsigned int i;

	if (EVP_Digest(secret, strlen(secret), dig, NULL, EVP_sha256(),
	    NULL) != 1)
		return err_ossl(ERR_CRYPTO, "cannot hash a token");
	for (i = 0; i < sizeof(dig); i++) {
		out[2 * i] = hex[dig[i] >> 4];
		out[2 * i + 1] = hex[dig[i] & 0xf];
	}
	out[2 * sizeof(dig)] = '\0';
	OPENSSL_cleanse(dig, sizeof(dig));
	return 0;
}

/* "mct_" and base64url (RFC 4648 section 5) of 32 fresh random bytes. */
static int
secret_new(char **out)
{
	unsigned char raw[SECRET_BYTES];
	char b64[4 * ((SECRET_BYTES + 2) / 3) + 1], *s;
	size_t i, n;

	*out = NULL;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return err_ossl(ERR_CRYPTO, "cannot make a token secret");
	EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	for (n = 0; b64[n] != '\0' && b64[n] != '='; n++) {
		if (b64[n] == '+')
			b64[n] = '-';
		else if (b64[n] == '/')
			b64[n] = '_';
	}
	if ((s = malloc(TOKEN_LEN + 1)) == NULL) {
		OPENSSL_cleanse(b64, sizeof(b64));
		return err_set(ERR_NOMEM, "out of memory");
	}
	memcpy(s, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	for (i = 0; i < n && strlen(TOKEN_PREFIX) + i < TOKEN_LEN; i++)
		s[strlen(TOKEN_PREFIX) + i] = b64[i];
	s[strlen(TOKEN_PREFIX) + i] = '\0';
	OPENSSL_cleanse(b64, sizeof(b64));
	*out = s;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One "GROUP" or "SOURCE/GROUP" of --groups to its id. */
static int
group_resolve(int64_t *id, struct store *st, const char *spec)
{
	struct store_group *g = NULL;
	const char *slash;
	char *source = NULL, why[256];
	int rc;

	/* Source names hold no '/', so the first one ends the source. */
	if ((slash = strchr(spec, '/')) != NULL) {
		if ((source = strndup(spec, (size_t)(slash - spec))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		rc = store_group_get(&g, st, source, slash + 1);
		free(source);
		/* A group whose own name holds a '/'. */
		if (rc == ERR_NOTFOUND)
			rc = store_group_get(&g, st, NULL, spec);
	} else
		rc = store_group_get(&g, st, NULL, spec);
	if (rc == ERR_EXISTS) {
		snprintf(why, sizeof(why), "%s", err_msg());
		rc = err_set(ERR_EXISTS, "group \"%s\" is ambiguous (%s); "
		    "name it as SOURCE/GROUP", spec, why);
	}
	if (rc == 0)
		*id = g->id;
	store_group_free(g);
	return rc;
}

/* --groups text to ascending, distinct ids joined by ',' (*out: free()). */
static int
groups_resolve(char **out, struct store *st, const char *groups)
{
	char *copy = NULL, *p, *next, *text = NULL;
	int64_t *ids = NULL, *nv;
	size_t n = 0, cap = 0, i, len = 0, size;
	int rc = 0;

	*out = NULL;
	if ((copy = strdup(groups)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = copy; p != NULL; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if (*p == '\0') {
			rc = err_set(ERR_INVALID, "--groups \"%s\" has an "
			    "empty group name", groups);
			goto out;
		}
		if ((nv = array_grow(ids, n, &cap, sizeof(*ids))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		ids = nv;
		if ((rc = group_resolve(&ids[n], st, p)) != 0)
			goto out;
		n++;
	}
	qsort(ids, n, sizeof(*ids), id_cmp);
	size = n * 21 + 1;
	if ((text = malloc(size)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	text[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		len += (size_t)snprintf(text + len, size - len, "%s%lld",
		    len > 0 ? "," : "", (long long)ids[i]);
	}
	*out = text;
	text = NULL;	/* transferred */
out:
	free(copy);
	free(ids);
	free(text);
	return rc;
}

int
token_create(char **secret, struct store *st, const char *name,
    enum token_role role, const char *groups, int days, int64_t now,
    const char *actor)
{
	struct store_token t;
	char *s = NULL, *scope = NULL;
	int rc, began = 0;

	*secret = NULL;
	memset(&t, 0, sizeof(t));
	if ((size_t)role >= sizeof(role_names) / sizeof(role_names[0]))
		return err_set(ERR_INVALID, "unknown role %d", (int)role);
	if (days < 0 || days > DAYS_MAX)
		return err_set(ERR_INVALID, "a token expires after 0 (never) to "
		    "%d days, not %d", DAYS_MAX, days);
	if (groups != NULL && role == TOKEN_ADMIN)
		return err_set(ERR_INVALID, "a token scoped to groups may only "
		    "be viewer or operator, not admin");
	if ((rc = store_begin(st)) != 0)
		return rc;
	began = 1;
	/* Group ids are fixed now: a renamed group keeps its tokens. */
	if (groups != NULL && (rc = groups_resolve(&scope, st, groups)) != 0)
		goto out;
	if ((rc = secret_new(&s)) != 0 ||
	    (rc = secret_hash(t.hash, s)) != 0)
		goto out;
	t.name = (char *)name;
	t.role = (char *)token_role_name(role);
	t.groups = scope;
	t.expires_at = days > 0 ? now + (int64_t)days * DAY : 0;
	if ((rc = store_token_put(st, &t)) != 0 ||
	    (rc = auditlog_append(st, now, actor, "token.create", name,
	    NULL)) != 0 ||
	    (rc = store_commit(st)) != 0)
		goto out;
	began = 0;
	*secret = s;
	s = NULL;	/* transferred */
out:
	if (began)
		store_rollback(st);
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
	OPENSSL_cleanse(t.hash, sizeof(t.hash));
	free(scope);
	return rc;
}

/* 1 if s is "mct_" and 43 base64url characters. */
static int
secret_wellformed(const char *s)
{
	size_t i, plen = strlen(TOKEN_PREFIX);

	if (strlen(s) != TOKEN_LEN || strncmp(s, TOKEN_PREFIX, plen) != 0)
		return 0;
	for (i = plen; i < TOKEN_LEN; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* "3,7" to an ascending array; NULL text is no scope. */
static int
scope_parse(int64_t **out, size_t *n, const char *text)
{
	int64_t *v = NULL;
	const char *p;
	char *end;
	size_t cap = 1;

	*out = NULL;
	*n = 0;
	if (text == NULL)
		return 0;
	for (p = text; *p != '\0'; p++)
		cap += *p == ',';
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = text; *n < cap; p = end + 1) {
		v[*n] = strtoll(p, &end, 10);
		if (end == p || v[*n] <= 0 || (*end != ',' && *end != '\0'))
			break;
		(*n)++;
		if (*end == '\0')
			break;
	}
	if (*n != cap) {
		free(v);
		*n = 0;
		return err_set(ERR_STORE, "token scope \"%s\" is damaged", text);
	}
	qsort(v, *n, sizeof(*v), id_cmp);
	*out = v;
	return 0;
}

int
token_verify(struct token_auth **out, struct store *st, const char *secret,
    int64_t now)
{
	struct store_token *t = NULL;
	struct token_auth *a = NULL;
	enum token_role role;
	char hash[STORE_HASH_HEX];
	int rc;

	*out = NULL;
	if (secret == NULL || !secret_wellformed(secret))
		return err_set(ERR_INVALID, "malformed token");
	if ((rc = secret_hash(hash, secret)) != 0)
		return rc;
	if ((rc = store_token_by_hash(&t, st, hash)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_INVALID, "unknown token");
		goto out;
	}
	if (CRYPTO_memcmp(t->hash, hash, STORE_HASH_HEX - 1) != 0) {
		rc = err_set(ERR_INVALID, "unknown token");
		goto out;
	}
	if (t->revoked_at != 0) {
		rc = err_set(ERR_INVALID, "token \"%s\" is revoked", t->name);
		goto out;
	}
	if (t->expires_at != 0 && now >= t->expires_at) {
		rc = err_set(ERR_INVALID, "token \"%s\" has expired", t->name);
		goto out;
	}
	if (token_role_parse(&role, t->role) != 0) {
		rc = err_set(ERR_STORE, "token \"%s\" has an unknown role",
		    t->name);
		goto out;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->name = strdup(t->name)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	a->id = t->id;
	a->role = role;
	if ((rc = scope_parse(&a->groups, &a->ngroups, t->groups)) != 0)
		goto out;
	/*
	 * The use record is bookkeeping: a store busy with a long write must
	 * not turn a valid token away.
	 */
	if (store_token_touch(st, t->id, now) != 0)
		err_clear();
	*out = a;
	a = NULL;	/* transferred */
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	store_token_free(t);
	token_auth_free(a);
	return rc;
}

void
token_auth_free(struct token_auth *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->groups);
	free(a);
}

int
token_allows(const struct token_auth *a, enum token_role role)
{
	if (a == NULL)
		return 0;
	/* A scope narrows what a token sees; admin work is never narrow. */
	if (role == TOKEN_ADMIN && a->groups != NULL)
		return 0;
	return a->role >= role;
}

int
token_sees_group(const struct token_auth *a, int64_t group_id)
{
	if (a == NULL)
		return 0;
	if (a->groups == NULL)
		return 1;
	return bsearch(&group_id, a->groups, a->ngroups, sizeof(*a->groups),
	    id_cmp) != NULL;
}

int
token_sees_user(const struct token_auth *a, const struct store_user *u)
{
	size_t i = 0, j = 0;

	if (a == NULL || u == NULL)
		return 0;
	if (a->groups == NULL)
		return 1;
	/* Both lists ascend: one merge pass. */
	while (i < a->ngroups && j < u->ngroups) {
		if (a->groups[i] == u->group_ids[j])
			return 1;
		if (a->groups[i] < u->group_ids[j])
			i++;
		else
			j++;
	}
	return 0;
}

int
token_sees_cert(const struct token_auth *a, struct store *st,
    const struct store_cert *c)
{
	struct store_user *u = NULL;
	int sees;

	if (a == NULL || c == NULL)
		return 0;
	if (a->groups == NULL)
		return 1;
	if (c->user_id == 0)
		return 0;
	/* Unknown, or unreadable: hidden is the safe answer. */
	if (store_user_get(&u, st, c->user_id) != 0) {
		err_clear();
		return 0;
	}
	sees = token_sees_user(a, u);
	store_user_free(u);
	return sees;
}

/* The token id_or_name names: an id first, else an unrevoked name. */
static int
token_find(int64_t *id, char **name, struct store *st,
    const char *id_or_name)
{
	struct store_token **v = NULL;
	size_t n = 0, i, found = SIZE_MAX, revoked = SIZE_MAX;
	char *end;
	long long num;
	int rc;

	*name = NULL;
	if ((rc = store_token_list(&v, &n, st)) != 0)
		return rc;
	num = strtoll(id_or_name, &end, 10);
	for (i = 0; i < n && found == SIZE_MAX; i++) {
		if (*end == '\0' && end != id_or_name && v[i]->id == num)
			found = i;
	}
	for (i = 0; i < n && found == SIZE_MAX; i++) {
		if (strcmp(v[i]->name, id_or_name) != 0)
			continue;
		if (v[i]->revoked_at == 0)
			found = i;
		else
			revoked = i;
	}
	if (found != SIZE_MAX) {
		*id = v[found]->id;
		if ((*name = strdup(v[found]->name)) == NULL)
			rc = err_set(ERR_NOMEM, "out of memory");
	} else if (revoked != SIZE_MAX)
		rc = err_set(ERR_EXISTS, "token \"%s\" is revoked already",
		    id_or_name);
	else
		rc = err_set(ERR_NOTFOUND, "no token \"%s\"", id_or_name);
	store_token_list_free(v, n);
	return rc;
}

int
token_revoke(struct store *st, const char *id_or_name, int64_t now,
    const char *actor)
{
	char *name = NULL;
	int64_t id = 0;
	int rc;

	if (id_or_name == NULL || id_or_name[0] == '\0')
		return err_set(ERR_INVALID, "which token? give its id or name");
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = token_find(&id, &name, st, id_or_name)) != 0 ||
	    (rc = store_token_revoke(st, id, now)) != 0 ||
	    (rc = auditlog_append(st, now, actor, "token.revoke", name,
	    NULL)) != 0 ||
	    (rc = store_commit(st)) != 0)
		store_rollback(st);
	free(name);
	return rc;
}
