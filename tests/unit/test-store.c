/*
 * test-store.c: the store contract (store.h) against the SQLite backend,
 * each case in a fresh database under its own temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "err.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

#define NOW	"2026-03-01T12:00:00Z"

/* Fail the test with the store's message unless expr returns want. */
#define want(expr, rc) do {						\
	int rc_ = (expr);						\
	if (rc_ != (rc))						\
		fail_msg("%s = %d (%s), want %d", #expr, rc_,		\
		    rc_ != 0 ? err_msg() : "", (rc));			\
} while (0)
#define ok(expr)	want(expr, 0)

struct fixture {
	char		 dir[64];	/* mkdtemp() directory */
	struct config	*cfg;		/* store_backend, store_path only */
	struct store	*st;		/* open on cfg */
	int64_t		 now;		/* NOW as a time */
	int64_t		 root;		/* root-1's id, once put_cas() ran */
};

static const unsigned char der1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const unsigned char der2[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };

static int
setup(void **state)
{
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL ||
	    (fx->cfg = calloc(1, sizeof(*fx->cfg))) == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-store.XXXXXX");
	if (mkdtemp(fx->dir) == NULL ||
	    (fx->cfg->store_backend = strdup("sqlite")) == NULL ||
	    (fx->cfg->store_path = file_join(fx->dir, "store.db")) == NULL)
		return -1;
	if (store_open(&fx->st, fx->cfg) != 0) {
		print_error("store_open: %s\n", err_msg());
		return -1;
	}
	if (timefmt_parse(&fx->now, NOW) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = { "", "-wal", "-shm" };
	struct fixture *fx = *state;
	char path[256];
	size_t i;

	store_close(fx->st);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", fx->cfg->store_path,
		    files[i]);
		unlink(path);
	}
	rmdir(fx->dir);
	free(fx->cfg->store_backend);
	free(fx->cfg->store_path);
	free(fx->cfg);
	free(fx);
	return 0;
}

static void
put_key(struct store *st, const char *id)
{
	unsigned char sealed[] = { 1, 2, 3, 4, 5 };
	struct store_key k = {
		.id = (char *)id,
		.alg = "rsa-3072",
		.sealed = sealed,
		.sealed_len = sizeof(sealed),
	};

	ok(store_key_put(st, &k));
}

/* A CA record whose strings are the caller's (static or literal). */
static struct store_ca
ca_make(const char *name, enum store_ca_role role, int64_t parent,
    const char *serial, const char *key_id)
{
	struct store_ca ca = {
		.name = (char *)name,
		.role = role,
		.parent_id = parent,
		.state = STORE_CA_ACTIVE,
		.serial = (char *)serial,
		.key_id = (char *)key_id,
		.der = (unsigned char *)der1,
		.der_len = sizeof(der1),
		.not_before = 1000,
		.not_after = 2000000000,
	};

	return ca;
}

/*
 * A root (key "k-root", serial "01", id in fx->root) and its issuing CA
 * "issuing-1" (serial "02"); returns the issuer's id.
 */
static int64_t
put_cas(struct fixture *fx)
{
	struct store_ca root = ca_make("root-1", STORE_CA_ROOT, 0, "01",
	    "k-root");
	struct store_ca iss;

	put_key(fx->st, "k-root");
	ok(store_ca_put(fx->st, &root));
	fx->root = root.id;
	iss = ca_make("issuing-1", STORE_CA_ISSUING, root.id, "02", "k-root");
	ok(store_ca_put(fx->st, &iss));
	return iss.id;
}

static struct store_cert
cert_make(int64_t ca_id, const char *serial, const char *email,
    int64_t not_after)
{
	struct store_cert c = {
		.serial = (char *)serial,
		.ca_id = ca_id,
		.email = (char *)email,
		.profile = "strict",
		.key_alg = "ecdsa-p256",
		.der = (unsigned char *)der2,
		.der_len = sizeof(der2),
		.not_before = 1000,
		.not_after = not_after,
		.state = CERT_STATE_VALID,
	};

	return c;
}

/* The serials of a list, space-separated, for one readable comparison. */
static void
assert_serials(struct store *st, const struct store_cert_filter *f,
    const char *want_serials)
{
	struct store_cert **v = NULL;
	char got[256] = "";
	size_t n, i, len = 0;

	ok(store_cert_list(&v, &n, st, f));
	for (i = 0; i < n; i++)
		len += snprintf(got + len, sizeof(got) - len, "%s%s",
		    i ? " " : "", v[i]->serial);
	assert_string_equal(got, want_serials);
	store_cert_list_free(v, n);
}

static void
test_store__open_twice(void **state)
{
	struct fixture *fx = *state;
	struct store_key *k = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	struct stat sb;
	int v;

	ok(store_schema_version(&v, fx->st));
	assert_int_equal(v, 5);
	put_key(fx->st, "k1");
	store_close(fx->st);
	fx->st = NULL;

	/* Migrating an up-to-date store is a no-op that keeps the data. */
	ok(store_open(&fx->st, fx->cfg));
	ok(store_schema_version(&v, fx->st));
	assert_int_equal(v, 5);
	ok(store_key_get(&k, fx->st, "k1"));
	store_key_free(k);

	assert_int_equal(stat(fx->cfg->store_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sqlite3_open(fx->cfg->store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void
test_store__open_newer_schema(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(fx->cfg->store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	want(store_open(&st, fx->cfg), ERR_STORE);
	assert_null(st);
	assert_non_null(strstr(err_msg(), "99"));
}

static void
test_store__open_unknown_backend(void **state)
{
	struct fixture *fx = *state;
	struct config cfg = *fx->cfg;
	struct store *st = NULL;

	cfg.store_backend = "pg";
	want(store_open(&st, &cfg), ERR_INVALID);
	assert_null(st);
	assert_non_null(strstr(err_msg(), "\"pg\""));
	assert_non_null(strstr(err_msg(), "sqlite"));
}

static void
test_store__key(void **state)
{
	struct fixture *fx = *state;
	struct store_key *k = NULL;

	put_key(fx->st, "0123abcd");
	ok(store_key_get(&k, fx->st, "0123abcd"));
	assert_string_equal(k->id, "0123abcd");
	assert_string_equal(k->alg, "rsa-3072");
	assert_int_equal(k->sealed_len, 5);
	assert_memory_equal(k->sealed, "\1\2\3\4\5", 5);
	store_key_free(k);

	want(store_key_get(&k, fx->st, "nope"), ERR_NOTFOUND);
	assert_null(k);
	assert_non_null(strstr(err_msg(), "nope"));
	want(store_key_put(fx->st, &(struct store_key){ .id = "0123abcd",
	    .alg = "x", .sealed = (unsigned char *)"s", .sealed_len = 1 }),
	    ERR_EXISTS);
}

static void
test_store__ca(void **state)
{
	struct fixture *fx = *state;
	struct store_ca *ca = NULL, **v = NULL;
	struct store_ca dup, old, retired;
	int64_t iss;
	size_t n;

	want(store_ca_current(&ca, fx->st), ERR_NOTFOUND);
	iss = put_cas(fx);

	ok(store_ca_get(&ca, fx->st, "issuing-1"));
	assert_int_equal(ca->id, iss);
	assert_int_equal(ca->role, STORE_CA_ISSUING);
	assert_int_equal(ca->state, STORE_CA_ACTIVE);
	assert_string_equal(ca->serial, "02");
	assert_string_equal(ca->key_id, "k-root");
	assert_int_equal(ca->der_len, sizeof(der1));
	assert_memory_equal(ca->der, der1, sizeof(der1));
	assert_int_equal(ca->not_before, 1000);
	assert_int_equal(ca->not_after, 2000000000);
	assert_int_equal(ca->created_at, fx->now);
	store_ca_free(ca);

	ok(store_ca_get(&ca, fx->st, "root-1"));
	assert_int_equal(ca->parent_id, 0);
	assert_int_equal(ca->role, STORE_CA_ROOT);
	store_ca_free(ca);

	want(store_ca_get(&ca, fx->st, "issuing-9"), ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), "issuing-9"));
	want(store_ca_get_id(&ca, fx->st, 4242), ERR_NOTFOUND);

	/* The newest active issuing CA is current; a retired one never. */
	old = ca_make("issuing-2", STORE_CA_ISSUING, fx->root, "03", "k-root");
	ok(store_ca_put(fx->st, &old));
	retired = ca_make("issuing-3", STORE_CA_ISSUING, fx->root, "04",
	    "k-root");
	retired.state = STORE_CA_RETIRED;
	ok(store_ca_put(fx->st, &retired));
	ok(store_ca_current(&ca, fx->st));
	assert_string_equal(ca->name, "issuing-2");
	store_ca_free(ca);

	dup = ca_make("issuing-1", STORE_CA_ISSUING, fx->root, "05", "k-root");
	want(store_ca_put(fx->st, &dup), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "issuing-1"));

	ok(store_ca_list(&v, &n, fx->st));
	assert_int_equal(n, 4);
	assert_string_equal(v[0]->name, "root-1");
	assert_string_equal(v[3]->name, "issuing-3");
	store_ca_list_free(v, n);
}

static void
test_store__ca_get_id(void **state)
{
	struct fixture *fx = *state;
	struct store_ca *ca = NULL;
	int64_t iss = put_cas(fx);

	ok(store_ca_get_id(&ca, fx->st, iss));
	assert_string_equal(ca->name, "issuing-1");
	assert_int_not_equal(ca->parent_id, 0);
	store_ca_free(ca);
}

static void
test_store__cert(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	int64_t iss = put_cas(fx);

	put_key(fx->st, "k-leaf");
	c = cert_make(iss, "0A1B", "alice@example.org", fx->now + 86400);
	c.given_name = "Alice";
	c.key_id = "k-leaf";
	ok(store_cert_put(fx->st, &c));
	assert_int_not_equal(c.id, 0);
	assert_int_equal(c.created_at, fx->now);

	ok(store_cert_get(&got, fx->st, "0A1B"));
	assert_int_equal(got->id, c.id);
	assert_string_equal(got->serial, "0A1B");
	assert_int_equal(got->ca_id, iss);
	assert_string_equal(got->ca_name, "issuing-1");
	assert_string_equal(got->email, "alice@example.org");
	assert_string_equal(got->given_name, "Alice");
	assert_null(got->surname);
	assert_string_equal(got->profile, "strict");
	assert_string_equal(got->key_alg, "ecdsa-p256");
	assert_string_equal(got->key_id, "k-leaf");
	assert_int_equal(got->der_len, sizeof(der2));
	assert_memory_equal(got->der, der2, sizeof(der2));
	assert_int_equal(got->not_before, 1000);
	assert_int_equal(got->not_after, fx->now + 86400);
	assert_int_equal(got->created_at, fx->now);
	assert_int_equal(got->state, CERT_STATE_VALID);
	assert_int_equal(got->reason, 0);
	assert_int_equal(got->revoked_at, 0);
	store_cert_free(got);

	/* A certificate from a CSR has no escrowed key. */
	c = cert_make(iss, "0A1C", "bob@example.org", fx->now + 86400);
	ok(store_cert_put(fx->st, &c));
	ok(store_cert_get(&got, fx->st, "0a1c"));
	assert_null(got->key_id);
	store_cert_free(got);

	want(store_cert_get(&got, fx->st, "FFFF"), ERR_NOTFOUND);
	assert_null(got);
	assert_non_null(strstr(err_msg(), "FFFF"));
}

static void
test_store__serial_unique(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c;
	struct store_ca ca;
	int64_t iss = put_cas(fx);

	/* The issuing CA holds serial 02; a leaf may not take it. */
	c = cert_make(iss, "02", "alice@example.org", fx->now);
	want(store_cert_put(fx->st, &c), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "02"));

	c = cert_make(iss, "abcd", "alice@example.org", fx->now);
	ok(store_cert_put(fx->st, &c));
	c = cert_make(iss, "ABCD", "bob@example.org", fx->now);
	want(store_cert_put(fx->st, &c), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "ABCD"));

	/* Nor may a new CA take a leaf's serial, in any case. */
	ca = ca_make("issuing-2", STORE_CA_ISSUING, fx->root, "AbCd", "k-root");
	want(store_ca_put(fx->st, &ca), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "ABCD"));
}

static void
test_store__serial_case(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	char serial[] = "dead00beef";
	int64_t iss = put_cas(fx);

	c = cert_make(iss, serial, "alice@example.org", fx->now);
	ok(store_cert_put(fx->st, &c));
	/* The caller's record is not rewritten. */
	assert_string_equal(c.serial, "dead00beef");

	ok(store_cert_get(&got, fx->st, "DEAD00BEEF"));
	assert_string_equal(got->serial, "DEAD00BEEF");
	store_cert_free(got);
	ok(store_cert_get(&got, fx->st, "Dead00Beef"));
	assert_int_equal(got->id, c.id);
	store_cert_free(got);
	ok(store_cert_revoke(fx->st, "dEAD00bEEF", REVOKE_SUPERSEDED, 5));
}

static void
test_store__serial_invalid(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	char longest[41], toolong[42];
	int64_t iss = put_cas(fx);

	want(store_cert_get(&got, fx->st, "xyz"), ERR_INVALID);
	assert_null(got);
	assert_non_null(strstr(err_msg(), "\"xyz\""));
	want(store_cert_get(&got, fx->st, "0x12"), ERR_INVALID);
	want(store_cert_get(&got, fx->st, "12 34"), ERR_INVALID);
	want(store_cert_get(&got, fx->st, ""), ERR_INVALID);
	want(store_cert_revoke(fx->st, "12:34", REVOKE_SUPERSEDED, 1),
	    ERR_INVALID);

	/* RFC 5280 4.1.2.2: 20 octets at most. */
	memset(longest, '7', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(toolong, '7', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	want(store_cert_get(&got, fx->st, longest), ERR_NOTFOUND);
	want(store_cert_get(&got, fx->st, toolong), ERR_INVALID);

	c = cert_make(iss, "12g4", "alice@example.org", fx->now);
	want(store_cert_put(fx->st, &c), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "12g4"));
}

static void
test_store__list_filters(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, **v = NULL, *got1 = NULL;
	struct store_cert_filter f = { .state = -1, .expired = -1 };
	struct store_ca ca2;
	int64_t a = put_cas(fx), b;
	size_t n;

	ca2 = ca_make("issuing-2", STORE_CA_ISSUING, fx->root, "03", "k-root");
	ok(store_ca_put(fx->st, &ca2));
	b = ca2.id;

	c = cert_make(a, "11", "alice@example.org", fx->now + 100);
	ok(store_cert_put(fx->st, &c));
	c = cert_make(b, "12", "alice@example.org", fx->now - 100);
	c.state = CERT_STATE_REVOKED;
	c.reason = REVOKE_KEY_COMPROMISE;
	c.revoked_at = fx->now - 200;
	ok(store_cert_put(fx->st, &c));
	c = cert_make(a, "13", "bob@example.org", fx->now - 1);
	ok(store_cert_put(fx->st, &c));
	/* Expired means not_after < now: this one is still good. */
	c = cert_make(b, "14", "bob@example.org", fx->now);
	ok(store_cert_put(fx->st, &c));

	f.now = fx->now;
	assert_serials(fx->st, &f, "11 12 13 14");
	f.email = "alice@example.org";
	assert_serials(fx->st, &f, "11 12");
	f.email = "carol@example.org";
	assert_serials(fx->st, &f, "");
	f.email = NULL;
	f.state = CERT_STATE_VALID;
	assert_serials(fx->st, &f, "11 13 14");
	f.state = CERT_STATE_REVOKED;
	assert_serials(fx->st, &f, "12");
	f.state = -1;
	f.expired = 1;
	assert_serials(fx->st, &f, "12 13");
	f.expired = 0;
	assert_serials(fx->st, &f, "11 14");
	f.expired = -1;
	f.ca_id = a;
	assert_serials(fx->st, &f, "11 13");
	f.ca_id = b;
	assert_serials(fx->st, &f, "12 14");

	/* All filters at once. */
	f = (struct store_cert_filter){ .email = "bob@example.org",
	    .ca_id = a, .state = CERT_STATE_VALID, .expired = 1,
	    .now = fx->now };
	assert_serials(fx->st, &f, "13");

	ok(store_cert_list(&v, &n, fx->st, &(struct store_cert_filter){
	    .email = "alice@example.org", .state = -1, .expired = -1 }));
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->ca_name, "issuing-1");
	assert_string_equal(v[1]->ca_name, "issuing-2");
	assert_int_equal(v[1]->state, CERT_STATE_REVOKED);
	assert_int_equal(v[1]->reason, REVOKE_KEY_COMPROMISE);
	assert_int_equal(v[1]->revoked_at, fx->now - 200);
	store_cert_list_free(v, n);

	/* Issued by hand, all of them: user_id reads back 0. */
	f = (struct store_cert_filter){ .state = -1, .expired = -1,
	    .managed = 2 };
	assert_serials(fx->st, &f, "11 12 13 14");
	f.managed = 1;
	assert_serials(fx->st, &f, "");
	f.managed = 0;
	f.user_id = 1;
	assert_serials(fx->st, &f, "");
	ok(store_cert_get(&got1, fx->st, "11"));
	assert_int_equal(got1->user_id, 0);
	store_cert_free(got1);
	f.user_id = -1;
	want(store_cert_list(&v, &n, fx->st, &f), ERR_INVALID);
	f.user_id = 0;
	f.managed = 3;
	want(store_cert_list(&v, &n, fx->st, &f), ERR_INVALID);
	f.managed = 0;
	/* A user id must name a directory user (foreign key). */
	c = cert_make(a, "15", "carol@example.org", fx->now);
	c.user_id = 42;
	want(store_cert_put(fx->st, &c), ERR_STORE);
	c.user_id = -2;
	want(store_cert_put(fx->st, &c), ERR_INVALID);

	f.state = CERT_STATE__MAX;
	want(store_cert_list(&v, &n, fx->st, &f), ERR_INVALID);
	f.state = -1;
	f.expired = 2;
	want(store_cert_list(&v, &n, fx->st, &f), ERR_INVALID);
}

static void
test_store__revoke(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	int64_t iss = put_cas(fx);

	c = cert_make(iss, "0C", "alice@example.org", fx->now + 100);
	ok(store_cert_put(fx->st, &c));
	want(store_cert_revoke(fx->st, "0C", 2, fx->now), ERR_INVALID);
	ok(store_cert_revoke(fx->st, "0c", REVOKE_AFFILIATION_CHANGED,
	    fx->now + 5));
	ok(store_cert_get(&got, fx->st, "0C"));
	assert_int_equal(got->state, CERT_STATE_REVOKED);
	assert_int_equal(got->reason, REVOKE_AFFILIATION_CHANGED);
	assert_int_equal(got->revoked_at, fx->now + 5);
	store_cert_free(got);

	/* The first revocation stands. */
	want(store_cert_revoke(fx->st, "0C", REVOKE_KEY_COMPROMISE, fx->now),
	    ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "0C"));
	ok(store_cert_get(&got, fx->st, "0C"));
	assert_int_equal(got->reason, REVOKE_AFFILIATION_CHANGED);
	store_cert_free(got);

	want(store_cert_revoke(fx->st, "0D", REVOKE_SUPERSEDED, fx->now),
	    ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), "0D"));
}

static void
test_store__rollback(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	struct store_key *k = NULL;
	int64_t iss = put_cas(fx);

	ok(store_begin(fx->st));
	put_key(fx->st, "k-leaf");
	c = cert_make(iss, "0E", "alice@example.org", fx->now + 100);
	c.key_id = "k-leaf";
	ok(store_cert_put(fx->st, &c));
	store_rollback(fx->st);

	want(store_key_get(&k, fx->st, "k-leaf"), ERR_NOTFOUND);
	want(store_cert_get(&got, fx->st, "0E"), ERR_NOTFOUND);
	/* Safe with no transaction open. */
	store_rollback(fx->st);

	/* Nothing was recorded, the serial included; now commit it. */
	ok(store_begin(fx->st));
	want(store_begin(fx->st), ERR_STORE);
	put_key(fx->st, "k-leaf");
	ok(store_cert_put(fx->st, &c));
	ok(store_commit(fx->st));
	ok(store_key_get(&k, fx->st, "k-leaf"));
	store_key_free(k);
	ok(store_cert_get(&got, fx->st, "0E"));
	store_cert_free(got);
}

static void
test_store__crl(void **state)
{
	struct fixture *fx = *state;
	struct store_crl crl = { .this_update = 100, .next_update = 200,
	    .der = (unsigned char *)der1, .der_len = sizeof(der1) };
	struct store_crl *got = NULL;
	int64_t iss = put_cas(fx), last;

	ok(store_crl_last_number(&last, fx->st, iss));
	assert_int_equal(last, 0);
	want(store_crl_latest(&got, fx->st, iss), ERR_NOTFOUND);
	assert_null(got);

	crl.ca_id = iss;
	crl.number = 1;
	ok(store_crl_put(fx->st, &crl));
	crl.number = 2;
	crl.this_update = 150;
	crl.der = (unsigned char *)der2;
	ok(store_crl_put(fx->st, &crl));
	want(store_crl_put(fx->st, &crl), ERR_EXISTS);
	crl.number = 0;
	want(store_crl_put(fx->st, &crl), ERR_INVALID);

	ok(store_crl_last_number(&last, fx->st, iss));
	assert_int_equal(last, 2);
	ok(store_crl_latest(&got, fx->st, iss));
	assert_int_equal(got->ca_id, iss);
	assert_int_equal(got->number, 2);
	assert_int_equal(got->this_update, 150);
	assert_int_equal(got->next_update, 200);
	assert_int_equal(got->der_len, sizeof(der2));
	assert_memory_equal(got->der, der2, sizeof(der2));
	store_crl_free(got);

	/* Numbering is per CA. */
	ok(store_crl_last_number(&last, fx->st, fx->root));
	assert_int_equal(last, 0);
}

static void
test_store__foreign_key(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	struct store_ca ca;
	struct store_crl crl = { .ca_id = 99, .number = 1,
	    .der = (unsigned char *)der1, .der_len = sizeof(der1) };
	int64_t iss = put_cas(fx);

	c = cert_make(99, "0F", "alice@example.org", fx->now);
	want(store_cert_put(fx->st, &c), ERR_STORE);
	assert_non_null(strstr(err_msg(), "FOREIGN KEY"));
	c = cert_make(iss, "0F", "alice@example.org", fx->now);
	c.key_id = "no-such-key";
	want(store_cert_put(fx->st, &c), ERR_STORE);
	want(store_cert_get(&got, fx->st, "0F"), ERR_NOTFOUND);

	ca = ca_make("issuing-2", STORE_CA_ISSUING, 99, "10", "k-root");
	want(store_ca_put(fx->st, &ca), ERR_STORE);
	ca = ca_make("issuing-2", STORE_CA_ISSUING, fx->root, "10",
	    "no-such-key");
	want(store_ca_put(fx->st, &ca), ERR_STORE);
	want(store_crl_put(fx->st, &crl), ERR_STORE);

	/* The failed puts did not burn serial 0F. */
	c.key_id = NULL;
	ok(store_cert_put(fx->st, &c));
}

static void
test_store__names(void **state)
{
	static const struct {
		const char	*name;
		int		 reason;
	} tab[] = {
		{ "keyCompromise", REVOKE_KEY_COMPROMISE },
		{ "affiliationChanged", REVOKE_AFFILIATION_CHANGED },
		{ "superseded", REVOKE_SUPERSEDED },
		{ "cessationOfOperation", REVOKE_CESSATION_OF_OPERATION },
		{ "privilegeWithdrawn", REVOKE_PRIVILEGE_WITHDRAWN },
	};
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ok(store_reason_parse(&r, tab[i].name));
		assert_int_equal(r, tab[i].reason);
		assert_string_equal(store_reason_name(r), tab[i].name);
	}
	want(store_reason_parse(&r, "keycompromise"), ERR_INVALID);
	assert_int_equal(r, 0);
	assert_non_null(strstr(err_msg(), "\"keycompromise\""));
	assert_non_null(strstr(err_msg(), "privilegeWithdrawn"));
	want(store_reason_parse(&r, "unspecified"), ERR_INVALID);
	assert_string_equal(store_reason_name(0), "unspecified");
	assert_string_equal(store_reason_name(2), "unspecified");
	assert_string_equal(store_cert_state_name(CERT_STATE_VALID), "valid");
	assert_string_equal(store_cert_state_name(CERT_STATE_REVOKED),
	    "revoked");
}

static void
test_store__usage_supersede_release(void **state)
{
	struct fixture *fx = *state;
	struct store_cert c, *got = NULL;
	struct store_key *k = NULL;
	int64_t iss = put_cas(fx);

	c = cert_make(iss, "1A", "alice@example.org", fx->now + 100);
	ok(store_cert_put(fx->st, &c));
	ok(store_cert_get(&got, fx->st, "1A"));
	assert_string_equal(got->usage, "both");
	assert_null(got->superseded_by);
	assert_int_equal(got->key_released_at, 0);
	store_cert_free(got);

	put_key(fx->st, "k-sign");
	c = cert_make(iss, "1B", "alice@example.org", fx->now + 100);
	c.usage = "sign";
	c.key_id = "k-sign";
	ok(store_cert_put(fx->st, &c));
	c = cert_make(iss, "1C", "alice@example.org", fx->now + 100);
	c.usage = "signing";
	want(store_cert_put(fx->st, &c), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "signing"));

	ok(store_cert_supersede(fx->st, "1a", "1b"));
	ok(store_cert_get(&got, fx->st, "1A"));
	assert_string_equal(got->superseded_by, "1B");
	store_cert_free(got);
	want(store_cert_supersede(fx->st, "FF", "1B"), ERR_NOTFOUND);

	/* Releasing deletes the key and forgets it on the certificate. */
	want(store_cert_release_key(fx->st, "1B", "k-other", fx->now),
	    ERR_NOTFOUND);
	ok(store_begin(fx->st));
	ok(store_cert_release_key(fx->st, "1B", "k-sign", fx->now + 7));
	ok(store_commit(fx->st));
	ok(store_cert_get(&got, fx->st, "1B"));
	assert_string_equal(got->usage, "sign");
	assert_null(got->key_id);
	assert_int_equal(got->key_released_at, fx->now + 7);
	store_cert_free(got);
	want(store_key_get(&k, fx->st, "k-sign"), ERR_NOTFOUND);
	want(store_cert_release_key(fx->st, "1B", "k-sign", fx->now),
	    ERR_NOTFOUND);
}

static void
test_store__ca_set_state(void **state)
{
	struct fixture *fx = *state;
	struct store_ca *got = NULL;

	put_cas(fx);
	ok(store_ca_set_state(fx->st, "issuing-1", STORE_CA_RETIRED));
	ok(store_ca_get(&got, fx->st, "issuing-1"));
	assert_int_equal(got->state, STORE_CA_RETIRED);
	store_ca_free(got);
	/* A retired issuing CA is never the current one. */
	want(store_ca_current(&got, fx->st), ERR_NOTFOUND);
	want(store_ca_set_state(fx->st, "nope", STORE_CA_ACTIVE),
	    ERR_NOTFOUND);
	want(store_ca_set_state(fx->st, "root-1", (enum store_ca_state)7),
	    ERR_INVALID);
}

static void
test_store__domain(void **state)
{
	struct fixture *fx = *state;
	struct store_domain d, *got = NULL, **v = NULL;
	size_t n = 0;

	memset(&d, 0, sizeof(d));
	d.name = "example.org";
	d.token = "00112233445566778899aabbccddeeff";
	ok(store_domain_put(fx->st, &d));
	assert_int_equal(d.created_at, fx->now);
	want(store_domain_put(fx->st, &d), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "domain \"example.org\" exists"));
	/* lookups take any case; names are stored in one */
	ok(store_domain_get(&got, fx->st, "EXAMPLE.Org"));
	assert_string_equal(got->name, "example.org");
	assert_string_equal(got->token, d.token);
	assert_int_equal(got->created_at, fx->now);
	assert_int_equal(got->method, STORE_DOMAIN_NONE);
	assert_int_equal(got->verified_at, 0);
	assert_int_equal(got->valid_until, 0);
	assert_int_equal(got->last_check_at, 0);
	assert_null(got->last_error);
	/* a verification, then a failed check that keeps it */
	got->method = STORE_DOMAIN_DNS;
	got->verified_at = fx->now;
	got->valid_until = fx->now + 365 * 86400;
	got->last_check_at = fx->now;
	ok(store_domain_update(fx->st, got));
	store_domain_free(got);
	ok(store_domain_get(&got, fx->st, "example.org"));
	assert_int_equal(got->method, STORE_DOMAIN_DNS);
	assert_int_equal(got->valid_until, fx->now + 365 * 86400);
	free(got->last_error);
	assert_non_null(got->last_error = strdup("NXDOMAIN"));
	got->last_check_at = fx->now + 10;
	ok(store_domain_update(fx->st, got));
	store_domain_free(got);
	ok(store_domain_get(&got, fx->st, "example.org"));
	assert_string_equal(got->last_error, "NXDOMAIN");
	assert_int_equal(got->last_check_at, fx->now + 10);
	assert_int_equal(got->verified_at, fx->now);
	store_domain_free(got);
	got = (struct store_domain *)&got;
	want(store_domain_get(&got, fx->st, "other.org"), ERR_NOTFOUND);
	assert_null(got);
	assert_non_null(strstr(err_msg(), "no domain \"other.org\""));

	d.name = "a.example";
	d.method = STORE_DOMAIN_ASSERT;
	d.verified_at = fx->now;
	d.valid_until = fx->now + 86400;
	ok(store_domain_put(fx->st, &d));
	ok(store_domain_list(&v, &n, fx->st));
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->name, "a.example");
	assert_int_equal(v[0]->method, STORE_DOMAIN_ASSERT);
	assert_string_equal(v[1]->name, "example.org");
	store_domain_list_free(v, n);
	store_domain_list_free(NULL, 0);
	store_domain_free(NULL);

	/* what store.c refuses before the backend sees it */
	d.name = "B.example";
	want(store_domain_put(fx->st, &d), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "not in lower case"));
	d.name = "b.example";
	d.method = STORE_DOMAIN_NONE;
	want(store_domain_put(fx->st, &d), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "must be set together"));
	d.method = (enum store_domain_method)9;
	want(store_domain_put(fx->st, &d), ERR_INVALID);
	d.method = STORE_DOMAIN_ASSERT;
	d.token = "";
	want(store_domain_put(fx->st, &d), ERR_INVALID);
	d.name = "gone.example";
	want(store_domain_update(fx->st, &d), ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), "gone.example"));
	assert_string_equal(store_domain_method_name(STORE_DOMAIN_ASSERT),
	    "assert");
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store__open_twice),
		T(test_store__open_newer_schema),
		T(test_store__open_unknown_backend),
		T(test_store__key),
		T(test_store__ca),
		T(test_store__ca_get_id),
		T(test_store__cert),
		T(test_store__serial_unique),
		T(test_store__serial_case),
		T(test_store__serial_invalid),
		T(test_store__list_filters),
		T(test_store__revoke),
		T(test_store__rollback),
		T(test_store__crl),
		T(test_store__foreign_key),
		T(test_store__usage_supersede_release),
		T(test_store__ca_set_state),
		T(test_store__domain),
		cmocka_unit_test(test_store__names),
	};

	/* created_at comes from the clock; pin it. */
	setenv("MAILCERT_NOW", NOW, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
