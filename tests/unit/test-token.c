/*
 * test-token.c: API tokens (token.h) on a real SQLite store with two
 * directory sources: the secret's shape, that only its SHA-256 is stored
 * (checked on the database file), verification of malformed, unknown,
 * revoked and expired tokens, scopes resolved from group names, what a
 * scoped token sees, roles, revocation, and the audit entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "auditlog.h"
#include "config.h"
#include "directory.h"
#include "err.h"
#include "helpers.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "token.h"
#include "util/file.h"

#define NOW	1772366400	/* 2026-03-01T12:00:00Z */

static const unsigned char der1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

struct fixture {
	struct tenv	*e;		/* data directory, open store */
	int64_t		 g_hr_staff, g_hr_sales, g_it_staff, g_it_admins;
	int64_t		 u1, u2, u3;	/* hr staff, hr sales, it both */
};

static int64_t
group_id(struct store *st, const char *source, const char *name)
{
	struct store_group *g = NULL;
	int64_t id;

	ok(store_group_get(&g, st, source, name));
	id = g->id;
	store_group_free(g);
	return id;
}

/* The id of the user with ext_id in source. */
static int64_t
user_id(struct store *st, const char *ext_id)
{
	struct store_user **v = NULL;
	size_t n = 0, i;
	int64_t id = 0;

	ok(store_user_list(&v, &n, st, NULL));
	for (i = 0; i < n; i++)
		if (strcmp(v[i]->ext_id, ext_id) == 0)
			id = v[i]->id;
	store_user_list_free(v, n);
	assert_true(id > 0);
	return id;
}

static void
add_source(struct store *st, const char *name, const char *const *users)
{
	struct store_source src;
	struct dir_snapshot *snap;
	size_t dup[2], i;

	memset(&src, 0, sizeof(src));
	src.name = (char *)name;
	src.type = "csv";
	src.params = "{\"path\": \"/dev/null\"}";
	ok(store_source_put(st, &src));
	assert_non_null(snap = dir_snapshot_new(name));
	/* users: id, email, group, group-or-NULL, ... NULL */
	for (i = 0; users[i] != NULL; i += 4) {
		ok(dir_snapshot_add_user(snap, users[i], users[i + 1], "G",
		    "S", i + 1));
		ok(dir_snapshot_add_member(snap, users[i + 2]));
		if (users[i + 3] != NULL)
			ok(dir_snapshot_add_member(snap, users[i + 3]));
	}
	ok(dir_snapshot_finish(snap, dup));
	ok(store_begin(st));
	ok(store_dir_apply(st, src.id, snap, NOW, NULL));
	ok(store_commit(st));
	dir_snapshot_free(snap);
}

static int
setup(void **state)
{
	static const char *const hr[] = {
		"u1", "u1@example.org", "staff", NULL,
		"u2", "u2@example.org", "sales", NULL,
		NULL,
	};
	static const char *const it[] = {
		"u3", "u3@example.org", "staff", "admins",
		NULL,
	};
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(0);
	add_source(fx->e->st, "hr", hr);
	add_source(fx->e->st, "it", it);
	fx->g_hr_staff = group_id(fx->e->st, "hr", "staff");
	fx->g_hr_sales = group_id(fx->e->st, "hr", "sales");
	fx->g_it_staff = group_id(fx->e->st, "it", "staff");
	fx->g_it_admins = group_id(fx->e->st, "it", "admins");
	fx->u1 = user_id(fx->e->st, "u1");
	fx->u2 = user_id(fx->e->st, "u2");
	fx->u3 = user_id(fx->e->st, "u3");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tenv_free(fx->e);
	free(fx);
	return 0;
}

/* The text of the first column of sql's first row on a raw connection
 * (caller frees), or NULL if there is no row. */
static char *
raw_text(struct fixture *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char *v = NULL;

	assert_int_equal(sqlite3_open(fx->e->cfg->store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		assert_non_null(v = strdup((const char *)
		    sqlite3_column_text(stmt, 0)));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static int64_t
raw_int(struct fixture *fx, const char *sql)
{
	char *v = raw_text(fx, sql);
	int64_t n = v != NULL ? strtoll(v, NULL, 10) : -1;

	free(v);
	return n;
}

/* 1 if needle occurs in the bytes of file path. */
static int
file_holds(const char *path, const char *needle)
{
	unsigned char *data = NULL;
	size_t len = 0, nl = strlen(needle), i;
	int found = 0;

	if (file_read(&data, &len, path, 64 * 1024 * 1024) != 0)
		return 0;
	for (i = 0; i + nl <= len && !found; i++)
		found = memcmp(data + i, needle, nl) == 0;
	free(data);
	return found;
}

static void
sha256_hex(char out[65], const char *s)
{
	unsigned char d[32];
	unsigned int i;

	assert_int_equal(EVP_Digest(s, strlen(s), d, NULL, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_token__roles(void **state)
{
	enum token_role r;

	(void)state;
	ok(token_role_parse(&r, "viewer"));
	assert_int_equal(r, TOKEN_VIEWER);
	ok(token_role_parse(&r, "operator"));
	assert_int_equal(r, TOKEN_OPERATOR);
	ok(token_role_parse(&r, "admin"));
	assert_int_equal(r, TOKEN_ADMIN);
	want_msg(token_role_parse(&r, "Admin"), ERR_INVALID, "\"Admin\"");
	want(token_role_parse(&r, NULL), ERR_INVALID);
	assert_string_equal(token_role_name(TOKEN_OPERATOR), "operator");
}

static void
test_token__create_verify(void **state)
{
	struct fixture *fx = *state;
	struct token_auth *a = NULL;
	struct store_audit **v = NULL;
	char *s1 = NULL, *s2 = NULL, *stored;
	char hash[65], wal[256];
	size_t i, n = 0;

	ok(token_create(&s1, fx->e->st, "dash", TOKEN_ADMIN, NULL, 0, NOW,
	    "cli:root"));
	assert_int_equal(strlen(s1), TOKEN_LEN);
	assert_memory_equal(s1, "mct_", 4);
	for (i = 4; i < TOKEN_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
		    "mnopqrstuvwxyz0123456789-_", s1[i]));
	ok(token_create(&s2, fx->e->st, "ci", TOKEN_VIEWER, NULL, 0, NOW,
	    "cli:root"));
	assert_string_not_equal(s1, s2);

	/* Only SHA-256 of the token text is stored, never the secret. */
	sha256_hex(hash, s1);
	assert_non_null(stored = raw_text(fx, "SELECT hash FROM tokens "
	    "WHERE name = 'dash'"));
	assert_string_equal(stored, hash);
	free(stored);
	snprintf(wal, sizeof(wal), "%s-wal", fx->e->cfg->store_path);
	assert_false(file_holds(fx->e->cfg->store_path, s1 + 4));
	assert_false(file_holds(wal, s1 + 4));
	assert_true(file_holds(wal, hash) ||
	    file_holds(fx->e->cfg->store_path, hash));

	ok(token_verify(&a, fx->e->st, s1, NOW + 10));
	assert_string_equal(a->name, "dash");
	assert_int_equal(a->role, TOKEN_ADMIN);
	assert_null(a->groups);
	assert_int_equal(a->ngroups, 0);
	token_auth_free(a);
	assert_int_equal(raw_int(fx, "SELECT last_used_at FROM tokens "
	    "WHERE name = 'dash'"), NOW + 10);

	ok(store_audit_list(&v, &n, fx->e->st, 0, 0));
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->actor, "cli:root");
	assert_string_equal(v[0]->action, "token.create");
	assert_string_equal(v[0]->target, "dash");
	assert_string_equal(v[0]->result, "ok");
	store_audit_list_free(v, n);
	free(s1);
	free(s2);
}

static void
test_token__create_fails_whole(void **state)
{
	struct fixture *fx = *state;
	char *s = NULL;

	ok(token_create(&s, fx->e->st, "dup", TOKEN_VIEWER, NULL, 0, NOW, "x"));
	free(s);
	s = NULL;
	want_msg(token_create(&s, fx->e->st, "dup", TOKEN_OPERATOR, NULL, 0,
	    NOW, "x"), ERR_EXISTS, "\"dup\"");
	assert_null(s);
	/* No second row and no audit entry for the refused one. */
	assert_int_equal(raw_int(fx, "SELECT COUNT(*) FROM tokens"), 1);
	assert_int_equal(raw_int(fx, "SELECT COUNT(*) FROM audit"), 1);
	want_msg(token_create(&s, fx->e->st, "x", TOKEN_VIEWER, NULL, -1, NOW,
	    "x"), ERR_INVALID, "days");
	want_msg(token_create(&s, fx->e->st, "x", TOKEN_VIEWER, NULL, 3651, NOW,
	    "x"), ERR_INVALID, "days");
	want_msg(token_create(&s, fx->e->st, "bad name", TOKEN_VIEWER, NULL, 0,
	    NOW, "x"), ERR_INVALID, "may only hold");
	assert_int_equal(raw_int(fx, "SELECT COUNT(*) FROM tokens"), 1);
}

static void
test_token__verify_refuses(void **state)
{
	struct fixture *fx = *state;
	struct token_auth *a = NULL;
	char *s = NULL, *e = NULL, *r = NULL, *bad;

	ok(token_create(&s, fx->e->st, "ok", TOKEN_VIEWER, NULL, 0, NOW, "x"));
	ok(token_create(&e, fx->e->st, "short", TOKEN_VIEWER, NULL, 1, NOW,
	    "x"));
	ok(token_create(&r, fx->e->st, "gone", TOKEN_VIEWER, NULL, 0, NOW,
	    "x"));
	ok(token_revoke(fx->e->st, "gone", NOW, "x"));

	want_msg(token_verify(&a, fx->e->st, "", NOW), ERR_INVALID,
	    "malformed");
	want_msg(token_verify(&a, fx->e->st, s + 1, NOW), ERR_INVALID,
	    "malformed");
	assert_non_null(bad = strdup(s));
	bad[0] = 'M';
	want_msg(token_verify(&a, fx->e->st, bad, NOW), ERR_INVALID,
	    "malformed");
	memcpy(bad, s, TOKEN_LEN + 1);
	bad[10] = '+';		/* base64, not base64url */
	want_msg(token_verify(&a, fx->e->st, bad, NOW), ERR_INVALID,
	    "malformed");
	memcpy(bad, s, TOKEN_LEN + 1);
	/* Well-formed but never issued: one character changed. */
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	want_msg(token_verify(&a, fx->e->st, bad, NOW), ERR_INVALID, "unknown");
	free(bad);
	want_msg(token_verify(&a, fx->e->st, r, NOW), ERR_INVALID, "revoked");
	ok(token_verify(&a, fx->e->st, e, NOW + DAY - 1));
	token_auth_free(a);
	a = NULL;
	want_msg(token_verify(&a, fx->e->st, e, NOW + DAY), ERR_INVALID,
	    "expired");
	assert_null(a);
	want(token_verify(&a, fx->e->st, NULL, NOW), ERR_INVALID);
	free(s);
	free(e);
	free(r);
}

static void
test_token__scope(void **state)
{
	struct fixture *fx = *state;
	struct token_auth *a = NULL;
	char *s = NULL, *groups;
	char want_scope[64];
	int64_t lo, hi;

	want_msg(token_create(&s, fx->e->st, "x", TOKEN_VIEWER, "staff", 0, NOW,
	    "x"), ERR_EXISTS, "ambiguous");
	want_msg(token_create(&s, fx->e->st, "x", TOKEN_VIEWER, "sales,nope", 0,
	    NOW, "x"), ERR_NOTFOUND, "nope");
	want_msg(token_create(&s, fx->e->st, "x", TOKEN_VIEWER, "sales,", 0,
	    NOW, "x"), ERR_INVALID, "empty");
	want_msg(token_create(&s, fx->e->st, "x", TOKEN_ADMIN, "sales", 0, NOW,
	    "x"), ERR_INVALID, "viewer or operator");
	assert_int_equal(raw_int(fx, "SELECT COUNT(*) FROM tokens"), 0);

	/* Given twice, in any order: stored once each, ascending. */
	ok(token_create(&s, fx->e->st, "x", TOKEN_OPERATOR,
	    "it/staff,sales,it/staff", 0, NOW, "x"));
	lo = fx->g_hr_sales < fx->g_it_staff ? fx->g_hr_sales : fx->g_it_staff;
	hi = fx->g_hr_sales < fx->g_it_staff ? fx->g_it_staff : fx->g_hr_sales;
	snprintf(want_scope, sizeof(want_scope), "%lld,%lld", (long long)lo,
	    (long long)hi);
	assert_non_null(groups = raw_text(fx, "SELECT groups FROM tokens"));
	assert_string_equal(groups, want_scope);
	free(groups);

	ok(token_verify(&a, fx->e->st, s, NOW));
	assert_int_equal(a->role, TOKEN_OPERATOR);
	assert_int_equal(a->ngroups, 2);
	assert_int_equal(a->groups[0], lo);
	assert_int_equal(a->groups[1], hi);
	assert_true(token_sees_group(a, fx->g_hr_sales));
	assert_true(token_sees_group(a, fx->g_it_staff));
	assert_false(token_sees_group(a, fx->g_hr_staff));
	assert_false(token_sees_group(a, fx->g_it_admins));
	/* Scoped operators operate, but never administer. */
	assert_true(token_allows(a, TOKEN_OPERATOR));
	assert_false(token_allows(a, TOKEN_ADMIN));
	token_auth_free(a);
	free(s);
}

static void
put_cert(struct store *st, int64_t ca_id, const char *serial, int64_t user)
{
	struct store_cert c = {
		.serial = (char *)serial,
		.ca_id = ca_id,
		.email = "a@example.org",
		.profile = "strict",
		.key_alg = "ec-p256",
		.der = (unsigned char *)der1,
		.der_len = sizeof(der1),
		.not_before = 1000,
		.not_after = NOW + DAY,
		.state = CERT_STATE_VALID,
		.user_id = user,
	};

	ok(store_cert_put(st, &c));
}

static void
test_token__sees(void **state)
{
	struct fixture *fx = *state;
	struct token_auth *a = NULL, *all = NULL;
	struct store_user *u = NULL;
	struct store_cert *c = NULL;
	unsigned char sealed[] = { 1 };
	struct store_key k = { .id = "k", .alg = "ec-p256", .sealed = sealed,
	    .sealed_len = 1 };
	struct store_ca ca = { .name = "root-1", .role = STORE_CA_ROOT,
	    .state = STORE_CA_ACTIVE, .serial = "01", .key_id = "k",
	    .der = (unsigned char *)der1, .der_len = sizeof(der1),
	    .not_before = 1000, .not_after = 2000000000 };
	char *s = NULL, *s_all = NULL;

	ok(store_key_put(fx->e->st, &k));
	ok(store_ca_put(fx->e->st, &ca));
	put_cert(fx->e->st, ca.id, "C1", fx->u1);
	put_cert(fx->e->st, ca.id, "C2", fx->u2);
	put_cert(fx->e->st, ca.id, "C3", fx->u3);
	put_cert(fx->e->st, ca.id, "C4", 0);

	ok(token_create(&s, fx->e->st, "hrstaff", TOKEN_VIEWER, "hr/staff", 0,
	    NOW, "x"));
	ok(token_create(&s_all, fx->e->st, "all", TOKEN_VIEWER, NULL, 0, NOW,
	    "x"));
	ok(token_verify(&a, fx->e->st, s, NOW));
	ok(token_verify(&all, fx->e->st, s_all, NOW));

	ok(store_user_get(&u, fx->e->st, fx->u1));
	assert_true(token_sees_user(a, u));
	assert_true(token_sees_user(all, u));
	store_user_free(u);
	ok(store_user_get(&u, fx->e->st, fx->u2));
	assert_false(token_sees_user(a, u));
	store_user_free(u);
	/* u3 is in it/staff: another group of the same name. */
	ok(store_user_get(&u, fx->e->st, fx->u3));
	assert_false(token_sees_user(a, u));
	assert_true(token_sees_user(all, u));
	store_user_free(u);

	ok(store_cert_get(&c, fx->e->st, "C1"));
	assert_true(token_sees_cert(a, fx->e->st, c));
	store_cert_free(c);
	ok(store_cert_get(&c, fx->e->st, "C3"));
	assert_false(token_sees_cert(a, fx->e->st, c));
	store_cert_free(c);
	/* Issued by hand: no user, so outside every scope. */
	ok(store_cert_get(&c, fx->e->st, "C4"));
	assert_false(token_sees_cert(a, fx->e->st, c));
	assert_true(token_sees_cert(all, fx->e->st, c));
	store_cert_free(c);
	assert_false(token_sees_user(NULL, NULL));
	token_auth_free(a);
	token_auth_free(all);
	free(s);
	free(s_all);
}

static void
test_token__allows(void **state)
{
	struct token_auth v = { .role = TOKEN_VIEWER };
	struct token_auth o = { .role = TOKEN_OPERATOR };
	struct token_auth ad = { .role = TOKEN_ADMIN };

	(void)state;
	assert_true(token_allows(&v, TOKEN_VIEWER));
	assert_false(token_allows(&v, TOKEN_OPERATOR));
	assert_true(token_allows(&o, TOKEN_OPERATOR));
	assert_false(token_allows(&o, TOKEN_ADMIN));
	assert_true(token_allows(&ad, TOKEN_ADMIN));
	assert_true(token_allows(&ad, TOKEN_VIEWER));
	assert_false(token_allows(NULL, TOKEN_VIEWER));
}

static void
test_token__revoke(void **state)
{
	struct fixture *fx = *state;
	struct store_audit **v = NULL;
	char *s1 = NULL, *s2 = NULL, *id;
	size_t n = 0;

	ok(token_create(&s1, fx->e->st, "a", TOKEN_VIEWER, NULL, 0, NOW, "x"));
	ok(token_create(&s2, fx->e->st, "b", TOKEN_VIEWER, NULL, 0, NOW, "x"));
	ok(token_revoke(fx->e->st, "a", NOW + 5, "cli:alice"));
	want_msg(token_revoke(fx->e->st, "a", NOW, "x"), ERR_EXISTS,
	    "revoked already");
	want_msg(token_revoke(fx->e->st, "zz", NOW, "x"), ERR_NOTFOUND,
	    "\"zz\"");
	assert_non_null(id = raw_text(fx, "SELECT id FROM tokens "
	    "WHERE name = 'b'"));
	ok(token_revoke(fx->e->st, id, NOW + 6, "cli:alice"));
	free(id);
	assert_int_equal(raw_int(fx, "SELECT COUNT(*) FROM tokens "
	    "WHERE revoked_at IS NOT NULL"), 2);
	/* The name is free again once revoked. */
	free(s1);
	ok(token_create(&s1, fx->e->st, "a", TOKEN_VIEWER, NULL, 0, NOW, "x"));

	ok(store_audit_list_desc(&v, &n, fx->e->st, 0, 0));
	assert_int_equal(n, 5);
	assert_string_equal(v[1]->action, "token.revoke");
	assert_string_equal(v[1]->target, "b");
	assert_string_equal(v[1]->actor, "cli:alice");
	assert_int_equal(v[1]->at, NOW + 6);
	assert_string_equal(v[2]->target, "a");
	store_audit_list_free(v, n);
	free(s1);
	free(s2);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token__roles),
		cmocka_unit_test(test_token__allows),
		T(test_token__create_verify),
		T(test_token__create_fails_whole),
		T(test_token__verify_refuses),
		T(test_token__scope),
		T(test_token__sees),
		T(test_token__revoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
