/*
 * test-store-web.c: the daemon half of the store (store-web.h) against the
 * SQLite backend, each case in a fresh database: tokens (names unique
 * among unrevoked ones, revocation, use records that skip busy writes),
 * the audit log's chaining, head and paging, transactions, OCSP
 * responders in the serial registry, and the counts for the overview,
 * checked on the raw tables with sqlite3 where the API cannot show it.
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
#include <sqlite3.h>

#include "auditlog.h"
#include "config.h"
#include "err.h"
#include "helpers.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "util/file.h"

#define NOW	1772366400	/* 2026-03-01T12:00:00Z */

#define H1	"1111111111111111111111111111111111111111111111111111111111111111"
#define H2	"2222222222222222222222222222222222222222222222222222222222222222"
#define H3	"3333333333333333333333333333333333333333333333333333333333333333"
#define ZERO	"0000000000000000000000000000000000000000000000000000000000000000"

static const unsigned char der1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

struct fixture {
	struct tenv	*e;		/* data directory, open store */
	int64_t		 ca_id;		/* issuing CA, after put_ca() */
};

static int
setup(void **state)
{
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(0);
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

/* Run sql on a second, raw connection; the integer it answers, or -1. */
static int64_t
raw(struct fixture *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(fx->e->cfg->store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		v = sqlite3_column_int64(stmt, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static struct store_token
token_make(const char *name, const char *role, const char *hash,
    const char *groups)
{
	struct store_token t;

	memset(&t, 0, sizeof(t));
	t.name = (char *)name;
	t.role = (char *)role;
	t.groups = (char *)groups;
	snprintf(t.hash, sizeof(t.hash), "%s", hash);
	return t;
}

static void
put_key(struct store *st, const char *id)
{
	unsigned char sealed[] = { 1, 2, 3 };
	struct store_key k = {
		.id = (char *)id,
		.alg = "ec-p256",
		.sealed = sealed,
		.sealed_len = sizeof(sealed),
	};

	ok(store_key_put(st, &k));
}

/* A root and an issuing CA; fx->ca_id is the issuer's. */
static void
put_ca(struct fixture *fx)
{
	struct store_ca ca = {
		.name = "root-1",
		.role = STORE_CA_ROOT,
		.state = STORE_CA_ACTIVE,
		.serial = "01",
		.key_id = "k-ca",
		.der = (unsigned char *)der1,
		.der_len = sizeof(der1),
		.not_before = 1000,
		.not_after = 2000000000,
	};

	put_key(fx->e->st, "k-ca");
	ok(store_ca_put(fx->e->st, &ca));
	ca.name = "issuing-1";
	ca.role = STORE_CA_ISSUING;
	ca.parent_id = ca.id;
	ca.serial = "02";
	ok(store_ca_put(fx->e->st, &ca));
	fx->ca_id = ca.id;
}

static void
put_cert(struct fixture *fx, const char *serial, int64_t not_after,
    int revoked)
{
	struct store_cert c = {
		.serial = (char *)serial,
		.ca_id = fx->ca_id,
		.email = "a@example.org",
		.profile = "strict",
		.key_alg = "ec-p256",
		.der = (unsigned char *)der1,
		.der_len = sizeof(der1),
		.not_before = 1000,
		.not_after = not_after,
		.state = CERT_STATE_VALID,
	};

	ok(store_cert_put(fx->e->st, &c));
	if (revoked)
		ok(store_cert_revoke(fx->e->st, serial, REVOKE_KEY_COMPROMISE,
		    NOW - DAY));
}

static void
test_store_web__schema(void **state)
{
	struct fixture *fx = *state;
	int v;

	ok(store_schema_version(&v, fx->e->st));
	assert_int_equal(v, 5);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM sqlite_master WHERE "
	    "name IN ('tokens', 'audit', 'responders')"), 3);
}

static void
test_store_web__token_put_get(void **state)
{
	struct fixture *fx = *state;
	struct store_token t = token_make("ci", "operator", H1, "3,7");
	struct store_token *got = NULL;

	t.expires_at = NOW + DAY;
	ok(store_token_put(fx->e->st, &t));
	assert_true(t.id > 0);
	assert_true(t.created_at > 0);
	ok(store_token_by_hash(&got, fx->e->st, H1));
	assert_int_equal(got->id, t.id);
	assert_string_equal(got->name, "ci");
	assert_string_equal(got->role, "operator");
	assert_string_equal(got->groups, "3,7");
	assert_string_equal(got->hash, H1);
	assert_int_equal(got->expires_at, NOW + DAY);
	assert_int_equal(got->revoked_at, 0);
	assert_int_equal(got->last_used_at, 0);
	store_token_free(got);
	got = NULL;

	want_msg(store_token_by_hash(&got, fx->e->st, H2), ERR_NOTFOUND,
	    "no token");
	assert_null(got);
	/* The secret is never stored: the row holds the hash it was given. */
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM tokens WHERE hash = '"
	    H1 "'"), 1);
}

static void
test_store_web__token_name_unique(void **state)
{
	struct fixture *fx = *state;
	struct store_token a = token_make("dash", "viewer", H1, NULL);
	struct store_token b = token_make("dash", "admin", H2, NULL);
	struct store_token c = token_make("other", "admin", H1, NULL);
	struct store_token **v = NULL;
	size_t n = 0;

	ok(store_token_put(fx->e->st, &a));
	want_msg(store_token_put(fx->e->st, &b), ERR_EXISTS, "\"dash\"");
	/* Two tokens never share a hash either. */
	want(store_token_put(fx->e->st, &c), ERR_EXISTS);
	/* Once revoked, the name is free again. */
	ok(store_token_revoke(fx->e->st, a.id, NOW));
	ok(store_token_put(fx->e->st, &b));
	ok(store_token_list(&v, &n, fx->e->st));
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->id, a.id);
	assert_int_equal(v[0]->revoked_at, NOW);
	assert_string_equal(v[1]->role, "admin");
	assert_null(v[1]->groups);
	assert_int_equal(v[1]->revoked_at, 0);
	store_token_list_free(v, n);
}

static void
test_store_web__token_revoke(void **state)
{
	struct fixture *fx = *state;
	struct store_token t = token_make("x", "viewer", H1, NULL);

	ok(store_token_put(fx->e->st, &t));
	ok(store_token_revoke(fx->e->st, t.id, NOW));
	want_msg(store_token_revoke(fx->e->st, t.id, NOW + 1), ERR_EXISTS,
	    "revoked already");
	want_msg(store_token_revoke(fx->e->st, t.id + 10, NOW), ERR_NOTFOUND,
	    "no token");
	want(store_token_revoke(fx->e->st, 0, NOW), ERR_NOTFOUND);
	/* The first revocation time stays. */
	assert_int_equal(raw(fx, "SELECT revoked_at FROM tokens"), NOW);
}

static void
test_store_web__token_invalid(void **state)
{
	struct fixture *fx = *state;
	struct store_token t;
	struct store_token *got = NULL;

	t = token_make("", "viewer", H1, NULL);
	want_msg(store_token_put(fx->e->st, &t), ERR_INVALID, "empty");
	t = token_make("a b", "viewer", H1, NULL);
	want_msg(store_token_put(fx->e->st, &t), ERR_INVALID, "may only hold");
	t = token_make("x", "root", H1, NULL);
	want_msg(store_token_put(fx->e->st, &t), ERR_INVALID, "unknown role");
	t = token_make("x", "viewer", "ABCD", NULL);
	want_msg(store_token_put(fx->e->st, &t), ERR_INVALID, "hex");
	t = token_make("x", "viewer", H1, NULL);
	t.hash[0] = 'A';	/* uppercase would make two spellings */
	want(store_token_put(fx->e->st, &t), ERR_INVALID);
	t = token_make("x", "viewer", H1, "1,,2");
	want_msg(store_token_put(fx->e->st, &t), ERR_INVALID, "group ids");
	t = token_make("x", "viewer", H1, "");
	want(store_token_put(fx->e->st, &t), ERR_INVALID);
	t = token_make("x", "viewer", H1, "01");
	want(store_token_put(fx->e->st, &t), ERR_INVALID);
	t = token_make("x", "viewer", H1, "2,");
	want(store_token_put(fx->e->st, &t), ERR_INVALID);
	want(store_token_by_hash(&got, fx->e->st, "zz"), ERR_INVALID);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM tokens"), 0);
}

static void
test_store_web__token_touch(void **state)
{
	struct fixture *fx = *state;
	struct store_token t = token_make("x", "viewer", H1, NULL);

	ok(store_token_put(fx->e->st, &t));
	ok(store_token_touch(fx->e->st, t.id, NOW));
	assert_int_equal(raw(fx, "SELECT last_used_at FROM tokens"), NOW);
	/* Within the minute: no write. */
	ok(store_token_touch(fx->e->st, t.id, NOW + 59));
	assert_int_equal(raw(fx, "SELECT last_used_at FROM tokens"), NOW);
	ok(store_token_touch(fx->e->st, t.id, NOW + 60));
	assert_int_equal(raw(fx, "SELECT last_used_at FROM tokens"), NOW + 60);
	want(store_token_touch(fx->e->st, t.id + 1, NOW), ERR_NOTFOUND);
}

static void
audit_add(struct fixture *fx, const char *actor, const char *action,
    const char *target, int64_t *id)
{
	struct store_audit e;

	memset(&e, 0, sizeof(e));
	e.at = NOW;
	e.actor = (char *)actor;
	e.action = (char *)action;
	e.target = (char *)target;
	e.result = "ok";
	ok(store_audit_append(fx->e->st, &e));
	if (id != NULL)
		*id = e.id;
}

static void
test_store_web__audit_chain(void **state)
{
	struct fixture *fx = *state;
	struct store_audit **v = NULL;
	char want_hash[65], head[128];
	char *setting = NULL;
	size_t n = 0, i;
	int64_t id;

	audit_add(fx, "cli:root", "init", "", &id);
	assert_int_equal(id, 1);
	audit_add(fx, "cli:root", "cert.issue", "a@example.org", &id);
	audit_add(fx, "token:dash", "cert.revoke", NULL, &id);
	assert_int_equal(id, 3);
	ok(store_audit_list(&v, &n, fx->e->st, 0, 0));
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->prev_hash, ZERO);
	for (i = 0; i < n; i++) {
		assert_int_equal(v[i]->id, (int64_t)i + 1);
		/* The stored hash is the encoding of the stored fields. */
		auditlog_hash(want_hash, v[i]);
		assert_string_equal(v[i]->hash, want_hash);
		if (i > 0)
			assert_string_equal(v[i]->prev_hash, v[i - 1]->hash);
	}
	assert_string_equal(v[1]->target, "a@example.org");
	assert_string_equal(v[2]->target, "");
	assert_string_equal(v[2]->actor, "token:dash");
	assert_int_equal(v[2]->at, NOW);
	snprintf(head, sizeof(head), "3:%s", v[2]->hash);
	ok(store_setting_get(&setting, fx->e->st, STORE_SETTING_AUDIT_HEAD));
	assert_string_equal(setting, head);
	free(setting);
	store_audit_list_free(v, n);
}

/* Removing the newest entry does not rewind the chain: the head stays. */
static void
test_store_web__audit_after_removal(void **state)
{
	struct fixture *fx = *state;
	struct store_audit **v = NULL;
	size_t n = 0;
	int64_t id;

	audit_add(fx, "cli:a", "x.one", "", NULL);
	audit_add(fx, "cli:a", "x.two", "", NULL);
	assert_int_equal(raw(fx, "DELETE FROM audit WHERE id = 2"), -1);
	audit_add(fx, "cli:a", "x.three", "", &id);
	assert_int_equal(id, 3);
	ok(store_audit_list(&v, &n, fx->e->st, 0, 0));
	assert_int_equal(n, 2);
	/* It chains after the removed entry, whose hash was the head. */
	assert_string_not_equal(v[1]->prev_hash, v[0]->hash);
	store_audit_list_free(v, n);
}

static void
test_store_web__audit_paging(void **state)
{
	struct fixture *fx = *state;
	struct store_audit **v = NULL;
	size_t n = 0;
	int i;

	for (i = 0; i < 7; i++)
		audit_add(fx, "daemon", "sync.run", "", NULL);
	ok(store_audit_list(&v, &n, fx->e->st, 2, 3));
	assert_int_equal(n, 3);
	assert_int_equal(v[0]->id, 3);
	assert_int_equal(v[2]->id, 5);
	store_audit_list_free(v, n);
	ok(store_audit_list_desc(&v, &n, fx->e->st, 0, 2));
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->id, 7);
	assert_int_equal(v[1]->id, 6);
	store_audit_list_free(v, n);
	ok(store_audit_list_desc(&v, &n, fx->e->st, 3, 0));
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->id, 2);
	assert_int_equal(v[1]->id, 1);
	store_audit_list_free(v, n);
	ok(store_audit_list(&v, &n, fx->e->st, 7, 0));
	assert_int_equal(n, 0);
	store_audit_list_free(v, n);
}

/* Inside the caller's transaction the entry shares its fate. */
static void
test_store_web__audit_transaction(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	ok(store_begin(fx->e->st));
	audit_add(fx, "cli:a", "token.create", "t1", &id);
	assert_int_equal(id, 1);
	store_rollback(fx->e->st);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM audit"), 0);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM settings WHERE key = "
	    "'" STORE_SETTING_AUDIT_HEAD "'"), 0);
	ok(store_begin(fx->e->st));
	audit_add(fx, "cli:a", "token.create", "t1", &id);
	ok(store_commit(fx->e->st));
	assert_int_equal(id, 1);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM audit"), 1);
}

static void
test_store_web__audit_invalid(void **state)
{
	struct fixture *fx = *state;
	struct store_audit e;
	char *big;

	memset(&e, 0, sizeof(e));
	e.actor = "cli:a";
	e.result = "ok";
	want_msg(store_audit_append(fx->e->st, &e), ERR_INVALID, "action");
	e.action = "";
	want(store_audit_append(fx->e->st, &e), ERR_INVALID);
	e.action = "x.y";
	e.result = NULL;
	want_msg(store_audit_append(fx->e->st, &e), ERR_INVALID, "result");
	e.result = "ok";
	assert_non_null(big = malloc(5000));
	memset(big, 'a', 4999);
	big[4999] = '\0';
	e.target = big;
	want_msg(store_audit_append(fx->e->st, &e), ERR_INVALID, "longer");
	free(big);
	assert_int_equal(raw(fx, "SELECT COUNT(*) FROM audit"), 0);
	/* at 0 is now. */
	e.target = NULL;
	ok(store_audit_append(fx->e->st, &e));
	assert_true(e.at > NOW - 365 * DAY);
}

static void
test_store_web__responder(void **state)
{
	struct fixture *fx = *state;
	struct store_responder r = {
		.serial = "7F01",
		.key_id = "k-resp",
		.der = (unsigned char *)der1,
		.der_len = sizeof(der1),
		.not_before = NOW,
		.not_after = NOW + 30 * DAY,
	};
	struct store_responder *got = NULL;

	put_ca(fx);
	put_key(fx->e->st, "k-resp");
	want_msg(store_responder_latest(&got, fx->e->st, fx->ca_id),
	    ERR_NOTFOUND, "no OCSP responder");
	r.ca_id = fx->ca_id;
	ok(store_responder_put(fx->e->st, &r));
	r.serial = "7F02";
	r.not_before = NOW + DAY;
	ok(store_responder_put(fx->e->st, &r));
	ok(store_responder_latest(&got, fx->e->st, fx->ca_id));
	assert_string_equal(got->serial, "7F02");
	assert_string_equal(got->key_id, "k-resp");
	assert_int_equal(got->not_before, NOW + DAY);
	assert_int_equal(got->not_after, NOW + 30 * DAY);
	assert_memory_equal(got->der, der1, sizeof(der1));
	assert_int_equal(got->der_len, sizeof(der1));
	assert_true(got->created_at > 0);
	store_responder_free(got);

	/* One serial registry for everything the CA signs. */
	r.serial = "02";
	want_msg(store_responder_put(fx->e->st, &r), ERR_EXISTS, "taken");
	put_cert(fx, "7F03", NOW + DAY, 0);
	r.serial = "7F03";
	want(store_responder_put(fx->e->st, &r), ERR_EXISTS);
	r.serial = "7f04";
	want_msg(store_responder_put(fx->e->st, &r), ERR_INVALID, "uppercase");
	r.serial = "7F04";
	r.not_after = r.not_before - 1;
	want(store_responder_put(fx->e->st, &r), ERR_INVALID);
}

static void
test_store_web__stats(void **state)
{
	struct fixture *fx = *state;
	struct store_stats s;
	struct store_event e;
	struct store_event **claimed = NULL;
	size_t n = 0;
	int i;

	ok(store_stats_get(&s, fx->e->st, NOW));
	assert_int_equal(s.certs[0] + s.certs[1] + s.certs[2], 0);
	assert_int_equal(s.oldest_pending_at, 0);

	put_ca(fx);
	put_cert(fx, "A1", NOW + DAY, 0);
	put_cert(fx, "A2", NOW + 2 * DAY, 0);
	put_cert(fx, "A3", NOW, 0);		/* valid through now */
	put_cert(fx, "A4", NOW - 1, 0);		/* expired */
	put_cert(fx, "A5", NOW + DAY, 1);	/* revoked */
	put_cert(fx, "A6", NOW - DAY, 1);	/* revoked wins over expired */
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		e.kind = EVENT_CERT_ISSUED;
		e.created_at = NOW - 100 + i;
		ok(store_event_put(fx->e->st, &e));
	}
	ok(store_event_claim(&claimed, &n, fx->e->st, "w1", 1, NOW, 60));
	assert_int_equal(n, 1);
	ok(store_event_complete(fx->e->st, claimed[0]->id, "w1", NOW));
	store_event_list_free(claimed, n);

	ok(store_stats_get(&s, fx->e->st, NOW));
	assert_int_equal(s.certs[0], 3);
	assert_int_equal(s.certs[1], 2);
	assert_int_equal(s.certs[2], 1);
	assert_int_equal(s.events[STORE_EVENT_PENDING], 2);
	assert_int_equal(s.events[STORE_EVENT_CLAIMED], 0);
	assert_int_equal(s.events[STORE_EVENT_DONE], 1);
	assert_int_equal(s.events[STORE_EVENT_FAILED], 0);
	/* The first event was delivered; the oldest still waiting is #2. */
	assert_int_equal(s.oldest_pending_at, NOW - 99);

	/* A day later two more have expired. */
	ok(store_stats_get(&s, fx->e->st, NOW + DAY + 1));
	assert_int_equal(s.certs[0], 1);
	assert_int_equal(s.certs[2], 3);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_web__schema),
		T(test_store_web__token_put_get),
		T(test_store_web__token_name_unique),
		T(test_store_web__token_revoke),
		T(test_store_web__token_invalid),
		T(test_store_web__token_touch),
		T(test_store_web__audit_chain),
		T(test_store_web__audit_after_removal),
		T(test_store_web__audit_paging),
		T(test_store_web__audit_transaction),
		T(test_store_web__audit_invalid),
		T(test_store_web__responder),
		T(test_store_web__stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
