/*
 * test-issue.c: issuing batches on worker threads. Every reported serial
 * must be durably stored, and a bad request must fail alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>
#include <sqlite3.h>

#include "helpers.h"
#include "issue.h"

#define N	20

struct fixture {
	struct tenv	*e;
	int64_t		 now;
	char		 addr[N][64];	/* user00@example.com, ... */
	struct ca_request reqs[N];
};

static int
setup(void **state)
{
	struct fixture *fx;
	int i;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(1);
	fx->now = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	for (i = 0; i < N; i++) {
		snprintf(fx->addr[i], sizeof(fx->addr[i]),
		    "user%02d@example.com", i);
		fx->reqs[i] = req_for(fx->addr[i], KEY_ECP256);
	}
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

/* How many certificates the store holds. */
static size_t
stored(struct fixture *fx)
{
	struct store_cert_filter f;
	struct store_cert **list;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.expired = -1;
	ok(store_cert_list(&list, &n, fx->e->st, &f));
	store_cert_list_free(list, n);
	return n;
}

/* The stored certificate of serial must be for email and verify. */
static void
check_stored(struct fixture *fx, const char *serial, const char *email)
{
	struct store_cert *c;
	X509 *x;

	ok(store_cert_get(&c, fx->e->st, serial));
	assert_string_equal(c->serial, serial);
	assert_string_equal(c->email, email);
	assert_non_null(c->key_id);
	x = x509_from_der(c->der, c->der_len);
	assert_int_equal(X509_check_email(x, email, 0, 0), 1);
	assert_int_equal(verify_smime(x, fx->e->ca->cert, fx->e->root->cert,
	    fx->now + 1), X509_V_OK);
	X509_free(x);
	store_cert_free(c);
}

static void
test_issue__many_on_two_threads(void **state)
{
	struct fixture *fx = *state;
	struct issue_result *res;
	size_t before = stored(fx);
	int i, j;

	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    fx->reqs, N, 2, fx->now));
	assert_non_null(res);
	for (i = 0; i < N; i++) {
		if (res[i].rc != 0)
			fail_msg("request %d: %d %s", i, res[i].rc,
			    res[i].error != NULL ? res[i].error : "");
		assert_non_null(res[i].serial);
		assert_null(res[i].error);
		for (j = 0; j < i; j++)
			assert_string_not_equal(res[i].serial, res[j].serial);
		/* Results are in request order. */
		check_stored(fx, res[i].serial, fx->addr[i]);
	}
	assert_int_equal(stored(fx), before + N);
	issue_results_free(res, N);
}

static void
test_issue__bad_request_fails_alone(void **state)
{
	struct fixture *fx = *state;
	struct ca_request reqs[6];
	struct issue_result *res;
	char addr[6][64];
	size_t before = stored(fx);
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(addr[i], sizeof(addr[i]), "batch%d@example.com", i);
		reqs[i] = req_for(addr[i], KEY_ECP256);
	}
	reqs[3].email = "not an address";
	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    reqs, 6, 3, fx->now));
	assert_int_equal(res[3].rc, ERR_INVALID);
	assert_null(res[3].serial);
	assert_non_null(res[3].error);
	assert_non_null(strstr(res[3].error, "not an address"));
	for (i = 0; i < 6; i++) {
		if (i == 3)
			continue;
		assert_int_equal(res[i].rc, 0);
		assert_null(res[i].error);
		check_stored(fx, res[i].serial, addr[i]);
	}
	assert_int_equal(stored(fx), before + 5);
	issue_results_free(res, 6);
}

static void
test_issue__messages_stay_with_their_request(void **state)
{
	struct fixture *fx = *state;
	struct ca_request reqs[4];
	struct issue_result *res;
	int i;

	/* Four different faults on four threads: no message crosses over. */
	for (i = 0; i < 4; i++)
		reqs[i] = req_for("dave@example.com", KEY_ECP256);
	reqs[0].given_name = "";
	reqs[1].days = 900;
	reqs[2].email = "dave@";
	reqs[3].surname = "\xff";
	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    reqs, 4, 4, fx->now));
	for (i = 0; i < 4; i++) {
		assert_int_equal(res[i].rc, ERR_INVALID);
		assert_null(res[i].serial);
		assert_non_null(res[i].error);
	}
	assert_non_null(strstr(res[0].error, "given name is missing"));
	assert_non_null(strstr(res[1].error, "--days 900"));
	assert_non_null(strstr(res[2].error, "empty domain"));
	assert_non_null(strstr(res[3].error, "not valid UTF-8"));
	issue_results_free(res, 4);
}

/* Run sql on a second connection to the store's database. */
static int64_t
side_sql(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(fx->e->cfg->store_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, 5000), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	assert_int_equal(sqlite3_finalize(stmt), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

static void
test_issue__store_failure_fails_alone(void **state)
{
	struct fixture *fx = *state;
	struct ca_request reqs[5];
	struct issue_result *res;
	char addr[5][64];
	size_t before = stored(fx);
	int64_t keys = side_sql(fx, "SELECT count(*) FROM keys");
	int i;

	/* The database itself refuses one row, inside the group commit. */
	side_sql(fx, "CREATE TRIGGER inject BEFORE INSERT ON certs WHEN "
	    "NEW.email = 'fail@example.com' BEGIN SELECT RAISE(ABORT, "
	    "'injected failure'); END");
	for (i = 0; i < 5; i++) {
		snprintf(addr[i], sizeof(addr[i]), "store%d@example.com", i);
		reqs[i] = req_for(addr[i], KEY_ECP256);
	}
	reqs[2].email = "fail@example.com";
	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    reqs, 5, 2, fx->now));
	side_sql(fx, "DROP TRIGGER inject");
	assert_int_not_equal(res[2].rc, 0);
	assert_null(res[2].serial);
	assert_non_null(res[2].error);
	assert_non_null(strstr(res[2].error, "injected failure"));
	for (i = 0; i < 5; i++)
		if (i != 2) {
			assert_int_equal(res[i].rc, 0);
			check_stored(fx, res[i].serial, addr[i]);
		}
	assert_int_equal(stored(fx), before + 4);
	/* No escrowed key is left behind for the certificate that failed. */
	assert_int_equal(side_sql(fx, "SELECT count(*) FROM keys"), keys + 4);
	issue_results_free(res, 5);
}

static void
test_issue__zero_requests(void **state)
{
	struct fixture *fx = *state;
	struct issue_result *res = NULL;
	size_t before = stored(fx);

	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    NULL, 0, 2, fx->now));
	assert_int_equal(stored(fx), before);
	issue_results_free(res, 0);
	/* Threads 0 means one per core; one request still works. */
	ok(issue_many(&res, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg,
	    fx->reqs, 1, 0, fx->now));
	assert_int_equal(res[0].rc, 0);
	assert_int_equal(stored(fx), before + 1);
	issue_results_free(res, 1);
	issue_results_free(NULL, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue__many_on_two_threads),
		cmocka_unit_test(test_issue__bad_request_fails_alone),
		cmocka_unit_test(test_issue__messages_stay_with_their_request),
		cmocka_unit_test(test_issue__store_failure_fails_alone),
		cmocka_unit_test(test_issue__zero_requests),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
