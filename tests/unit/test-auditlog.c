/*
 * test-auditlog.c: the audit log's hash chain (auditlog.h). The entry
 * encoding is recomputed here independently from the documented format;
 * verification must pass on an intact log and name the first bad entry
 * after each kind of tampering done behind the store's back with a raw
 * sqlite3 connection; and two processes appending on their own
 * connections at once must still leave one unbroken chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
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
#define ZERO	"0000000000000000000000000000000000000000000000000000000000000000"
#define PER_WRITER	60

static int
setup(void **state)
{
	*state = tenv_new(0);
	return 0;
}

static int
teardown(void **state)
{
	tenv_free(*state);
	return 0;
}

/* Run sql on a raw connection, as someone editing the file would. */
static void
raw_exec(struct tenv *fx, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(fx->cfg->store_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* The documented encoding, built byte by byte: 4-byte big-endian length
 * and the bytes of each field. */
static void
put_field(unsigned char *buf, size_t *len, const char *v)
{
	size_t n = strlen(v);

	buf[(*len)++] = (unsigned char)(n >> 24);
	buf[(*len)++] = (unsigned char)(n >> 16);
	buf[(*len)++] = (unsigned char)(n >> 8);
	buf[(*len)++] = (unsigned char)n;
	memcpy(buf + *len, v, n);
	*len += n;
}

static void
reference_hash(char out[65], const char *prev, const char *id,
    const char *at, const char *actor, const char *action,
    const char *target, const char *result)
{
	unsigned char buf[1024], d[32];
	size_t len = 0;
	int i;

	put_field(buf, &len, prev);
	put_field(buf, &len, id);
	put_field(buf, &len, at);
	put_field(buf, &len, actor);
	put_field(buf, &len, action);
	put_field(buf, &len, target);
	put_field(buf, &len, result);
	assert_int_equal(EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL),
	    1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_auditlog__hash_encoding(void **state)
{
	struct store_audit e;
	char got[65], ref[65], other[65];

	(void)state;
	memset(&e, 0, sizeof(e));
	memcpy(e.prev_hash, ZERO, sizeof(e.prev_hash));
	e.id = 1;
	e.at = NOW;
	e.actor = "cli:root";
	e.action = "init";
	e.target = "";
	e.result = "ok";
	auditlog_hash(got, &e);
	reference_hash(ref, ZERO, "1", "1772366400", "cli:root", "init", "",
	    "ok");
	assert_string_equal(got, ref);
	/* NULL target hashes as "", the way the store keeps it. */
	e.target = NULL;
	auditlog_hash(other, &e);
	assert_string_equal(other, ref);

	/* Lengths keep field boundaries: moving a byte changes the hash. */
	e.actor = "cli:roo";
	e.action = "tinit";
	auditlog_hash(other, &e);
	assert_string_not_equal(other, got);
	e.actor = "cli:root";
	e.action = "init";
	e.id = 2;
	auditlog_hash(other, &e);
	assert_string_not_equal(other, got);
}

/* Four entries: init, issue, revoke, sync. */
static void
fill(struct tenv *fx)
{
	ok(auditlog_append(fx->st, NOW, "cli:root", "init", "", NULL));
	ok(auditlog_append(fx->st, NOW + 1, "cli:root", "cert.issue",
	    "a@example.org", NULL));
	ok(auditlog_append(fx->st, NOW + 2, "token:dash", "cert.revoke",
	    "0A1B", "error: certificate 0A1B is revoked already"));
	ok(auditlog_append(fx->st, NOW + 3, "daemon", "sync.run", "", NULL));
}

static void
verify_bad(struct tenv *fx, int64_t bad_id, const char *sub)
{
	struct auditlog_report r;

	ok(auditlog_verify(&r, fx->st));
	if (r.problem == NULL)
		fail_msg("verify passed; want entry %lld \"%s\"",
		    (long long)bad_id, sub);
	if (r.bad_id != bad_id || strstr(r.problem, sub) == NULL)
		fail_msg("verify: entry %lld \"%s\"; want %lld \"%s\"",
		    (long long)r.bad_id, r.problem, (long long)bad_id, sub);
	free(r.problem);
}

static void
test_auditlog__intact(void **state)
{
	struct tenv *fx = *state;
	struct auditlog_report r;
	struct store_audit **v = NULL;
	size_t n = 0;

	ok(auditlog_verify(&r, fx->st));
	assert_int_equal(r.entries, 0);
	assert_null(r.problem);
	fill(fx);
	ok(auditlog_verify(&r, fx->st));
	assert_int_equal(r.entries, 4);
	assert_int_equal(r.bad_id, 0);
	assert_null(r.problem);
	ok(store_audit_list(&v, &n, fx->st, 0, 0));
	assert_string_equal(v[1]->result, "ok");
	assert_string_equal(v[2]->result,
	    "error: certificate 0A1B is revoked already");
	store_audit_list_free(v, n);
}

static void
test_auditlog__edited(void **state)
{
	struct tenv *fx = *state;

	fill(fx);
	raw_exec(fx, "UPDATE audit SET target = 'b@example.org' WHERE id = 2");
	verify_bad(fx, 2, "do not match its hash");
}

/* An editor who recomputes the edited entry's hash breaks the next link. */
static void
test_auditlog__rehashed(void **state)
{
	struct tenv *fx = *state;
	struct store_audit **v = NULL;
	char sql[256], h[65];
	size_t n = 0;

	fill(fx);
	ok(store_audit_list(&v, &n, fx->st, 1, 1));
	free(v[0]->actor);
	assert_non_null(v[0]->actor = strdup("cli:mallory"));
	auditlog_hash(h, v[0]);
	store_audit_list_free(v, n);
	snprintf(sql, sizeof(sql), "UPDATE audit SET actor = 'cli:mallory', "
	    "hash = '%s' WHERE id = 2", h);
	raw_exec(fx, sql);
	verify_bad(fx, 3, "not the hash of entry 2");
}

static void
test_auditlog__middle_removed(void **state)
{
	struct tenv *fx = *state;

	fill(fx);
	raw_exec(fx, "DELETE FROM audit WHERE id = 2");
	verify_bad(fx, 2, "removed: entry 3 follows entry 1");
}

static void
test_auditlog__newest_removed(void **state)
{
	struct tenv *fx = *state;

	fill(fx);
	raw_exec(fx, "DELETE FROM audit WHERE id >= 3");
	verify_bad(fx, 3, "entries 3 to 4 removed: the recorded head is "
	    "entry 4, the newest entry 2");
	/* Appending afterwards leaves the gap in place. */
	ok(auditlog_append(fx->st, NOW + 9, "cli:x", "y.z", "", NULL));
	verify_bad(fx, 3, "entries 3 to 4 removed: entry 5 follows");
}

static void
test_auditlog__head_tampered(void **state)
{
	struct tenv *fx = *state;

	fill(fx);
	raw_exec(fx, "DELETE FROM settings WHERE key = 'audit.head'");
	verify_bad(fx, 4, "head");
	raw_exec(fx, "INSERT INTO settings(key, value) VALUES "
	    "('audit.head', 'garbage')");
	verify_bad(fx, 4, "damaged");
	raw_exec(fx, "UPDATE settings SET value = '4:" ZERO "' WHERE key = "
	    "'audit.head'");
	verify_bad(fx, 4, "not the recorded head");
}

/* Append PER_WRITER entries on a connection of its own; exit status. */
static int
writer(const struct config *cfg, const char *actor)
{
	struct store *st = NULL;
	char target[32];
	int i;

	if (store_open(&st, cfg) != 0)
		return 1;
	for (i = 0; i < PER_WRITER; i++) {
		snprintf(target, sizeof(target), "%s-%d", actor, i);
		if (auditlog_append(st, NOW + i, actor, "test.append", target,
		    NULL) != 0) {
			fprintf(stderr, "%s: %s\n", actor, err_msg());
			store_close(st);
			return 1;
		}
	}
	store_close(st);
	return 0;
}

static void
test_auditlog__concurrent(void **state)
{
	struct tenv *fx = *state;
	struct auditlog_report r;
	pid_t pid[2];
	int i, status;

	ok(auditlog_append(fx->st, NOW, "cli:root", "init", "", NULL));
	for (i = 0; i < 2; i++) {
		assert_true((pid[i] = fork()) >= 0);
		if (pid[i] == 0)
			_exit(writer(fx->cfg, i == 0 ? "cli:a" : "cli:b"));
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	ok(auditlog_verify(&r, fx->st));
	if (r.problem != NULL)
		fail_msg("entry %lld: %s", (long long)r.bad_id, r.problem);
	assert_int_equal(r.entries, 1 + 2 * PER_WRITER);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auditlog__hash_encoding),
		T(test_auditlog__intact),
		T(test_auditlog__edited),
		T(test_auditlog__rehashed),
		T(test_auditlog__middle_removed),
		T(test_auditlog__newest_removed),
		T(test_auditlog__head_tampered),
		T(test_auditlog__concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
