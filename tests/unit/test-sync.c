/*
 * test-sync.c: the sync engine against a real store, CA and CSV source:
 * who gets certificates, seats, leavers, address changes, renewal, the
 * guards, hand-issued certificates, dual keys, and a run cut short by a
 * crash or a stop and finished by the next sync.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "domain.h"
#include "helpers.h"
#include "store-dir.h"
#include "sync.h"

struct fixture {
	struct tenv	*e;
	int64_t		 now;		/* a minute into the CA's life */
	char		 csv[128];	/* the source's file */
};

static int
setup(void **state)
{
	struct fixture *fx;
	struct store_domain *d = NULL;
	struct store_source src;
	char params[256];

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(1);
	/* EC keys are made in microseconds; RSA would dominate the run. */
	fx->e->cfg->issue_key = KEY_ECP256;
	fx->now = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	ok(domain_assert(&d, fx->e->st, "example.org", fx->now));
	store_domain_free(d);
	snprintf(fx->csv, sizeof(fx->csv), "%s/users.csv", fx->e->dir);
	snprintf(params, sizeof(params), "{\"path\": \"%s\"}", fx->csv);
	memset(&src, 0, sizeof(src));
	src.name = "corp";
	src.type = "csv";
	src.params = params;
	ok(store_source_put(fx->e->st, &src));
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

/* Write the CSV source: rows of "id,email,given,surname,groups". */
static void
write_csv(struct fixture *fx, const char *rows)
{
	char *text;

	assert_true(asprintf(&text, "id,email,given_name,surname,groups\n%s",
	    rows) > 0);
	ok(file_write(fx->csv, text, strlen(text), 0600, 0));
	free(text);
}

/* n users u00..u{n-1}@example.org in group Staff. */
static void
write_staff(struct fixture *fx, int n)
{
	char *rows, line[128];
	int i;

	assert_non_null(rows = calloc((size_t)n + 1, sizeof(line)));
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "u%02d,u%02d@example.org,Given,"
		    "Sur,Staff\n", i, i);
		memcpy(rows + strlen(rows), line, strlen(line) + 1);
	}
	write_csv(fx, rows);
	free(rows);
}

static void
set_policy(struct fixture *fx, const char *group, int on, const char *usage)
{
	struct store_group *g = NULL;

	ok(store_group_get(&g, fx->e->st, "corp", group));
	g->auto_request = on;
	free(g->usage);
	g->usage = usage != NULL ? strdup(usage) : NULL;
	ok(store_group_set_policy(fx->e->st, g));
	store_group_free(g);
}

static int
do_sync(struct sync_report **out, struct fixture *fx, int64_t at,
    const struct sync_opts *base)
{
	struct sync_opts o;

	if (base != NULL)
		o = *base;
	else
		memset(&o, 0, sizeof(o));
	o.at = at;
	return sync_run(out, fx->e->st, fx->e->cfg, fx->e->kek, &o);
}

/* A sync that must succeed; returns the report. */
static struct sync_report *
sync_ok(struct fixture *fx, int64_t at)
{
	struct sync_report *r = NULL;

	ok(do_sync(&r, fx, at, NULL));
	assert_non_null(r);
	assert_int_equal(r->failed, 0);
	return r;
}

static size_t
planned(const struct sync_report *r)
{
	return r->counts[STORE_ACTION_ISSUE] + r->counts[STORE_ACTION_RENEW] +
	    r->counts[STORE_ACTION_REISSUE] + r->counts[STORE_ACTION_REVOKE];
}

static size_t
events(struct fixture *fx, const char *kind)
{
	struct store_event_filter f;
	struct store_event **v = NULL;
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.state = -1;
	ok(store_event_list(&v, &n, fx->e->st, &f));
	store_event_list_free(v, n);
	return n;
}

/* Certificates for email (state -1: any); caller frees. */
static struct store_cert **
certs(struct fixture *fx, const char *email, int state, size_t *n)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;

	memset(&f, 0, sizeof(f));
	f.email = email;
	f.state = state;
	f.expired = -1;
	ok(store_cert_list(&v, n, fx->e->st, &f));
	return v;
}

static size_t
ncerts(struct fixture *fx, const char *email, int state)
{
	struct store_cert **v;
	size_t n;

	v = certs(fx, email, state, &n);
	store_cert_list_free(v, n);
	return n;
}

/*
 * SHA-256 of every row of every table, so "nothing was written" is
 * checked on the database itself. skip_read_at leaves out the sources'
 * last_read_at, which a sync with nothing to do may update.
 */
static void
db_hash(struct fixture *fx, unsigned char md[32], int skip_read_at)
{
	sqlite3 *db;
	sqlite3_stmt *tabs, *rows;
	EVP_MD_CTX *ctx;
	const char *t;
	char sql[256];
	int i, skip;

	assert_int_equal(sqlite3_open_v2(fx->e->cfg->store_path, &db,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_non_null(ctx = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' ORDER BY name", -1, &tabs,
	    NULL), SQLITE_OK);
	while (sqlite3_step(tabs) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(tabs, 0);
		EVP_DigestUpdate(ctx, t, strlen(t) + 1);
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY "
		    "rowid", t);
		if (sqlite3_prepare_v2(db, sql, -1, &rows, NULL) != SQLITE_OK) {
			snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", t);
			assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows,
			    NULL), SQLITE_OK);
		}
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(rows); i++) {
				skip = skip_read_at &&
				    strcmp(t, "sources") == 0 &&
				    strcmp(sqlite3_column_name(rows, i),
				    "last_read_at") == 0;
				if (skip)
					continue;
				EVP_DigestUpdate(ctx, sqlite3_column_blob(rows,
				    i), (size_t)sqlite3_column_bytes(rows, i));
				EVP_DigestUpdate(ctx, "|", 1);
			}
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tabs);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, NULL), 1);
	EVP_MD_CTX_free(ctx);
	sqlite3_close(db);
}

static void
test_sync__first_then_noop(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	struct store_cert **v;
	struct store_run *run = NULL;
	unsigned char before[32], after[32];
	size_t n;

	write_csv(fx, "a,alice@example.org,Alice,Able,Staff\n"
	    "b,bob@example.org,Bob,,Staff\n"
	    "c,carol@example.net,Carol,Cole,Staff\n"
	    "d,dave@example.org,Dave,Doe,Other\n"
	    "e,eve@Example.ORG,Eve,Eden,Staff;Other\n");
	/* No group asks for certificates yet: the directory is stored. */
	r = sync_ok(fx, fx->now);
	assert_int_equal(r->users_read, 5);
	assert_int_equal(planned(r), 0);
	assert_int_equal(r->run_id, 0);
	sync_report_free(r);
	set_policy(fx, "Staff", 1, NULL);

	r = sync_ok(fx, fx->now);
	assert_int_equal(r->counts[STORE_ACTION_ISSUE], 2);
	assert_int_equal(planned(r), 2);
	assert_int_equal(r->done, 2);
	assert_true(r->run_id > 0);
	assert_int_equal(r->nlines, 2);
	assert_string_equal(r->lines[0].email, "alice@example.org");
	assert_string_equal(r->lines[0].group, "Staff");
	assert_string_equal(r->lines[0].ext_id, "a");
	assert_non_null(r->lines[0].new_serials);
	/* the address is issued normalised */
	assert_string_equal(r->lines[1].email, "eve@example.org");
	sync_report_free(r);
	v = certs(fx, "alice@example.org", CERT_STATE_VALID, &n);
	assert_int_equal(n, 1);
	assert_true(v[0]->user_id > 0);
	assert_int_equal(v[0]->not_before, fx->now);
	store_cert_list_free(v, n);
	assert_int_equal(ncerts(fx, "bob@example.org", -1), 0);
	assert_int_equal(ncerts(fx, "carol@example.net", -1), 0);
	assert_int_equal(ncerts(fx, "dave@example.org", -1), 0);
	assert_int_equal(events(fx, EVENT_CERT_ISSUED), 2);
	ok(store_run_latest(&run, fx->e->st));
	assert_int_equal(run->state, STORE_RUN_DONE);
	store_run_free(run);

	/* Right after a complete sync: nothing to do, nothing written. */
	db_hash(fx, before, 1);
	r = sync_ok(fx, fx->now + 60);
	assert_int_equal(planned(r), 0);
	assert_int_equal(r->run_id, 0);
	sync_report_free(r);
	db_hash(fx, after, 1);
	assert_memory_equal(before, after, 32);
}

static void
test_sync__seats(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	size_t total, used, i;
	int found = 0;

	write_staff(fx, 3);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, NULL);
	ok(store_setting_set(fx->e->st, STORE_SETTING_SEATS, "2"));
	r = sync_ok(fx, fx->now);
	assert_int_equal(planned(r), 0);
	for (i = 0; i < r->nnotes; i++)
		if (strstr(r->notes[i], "group \"Staff\" needs 3 seats, 2 "
		    "free: no certificates for it this sync") != NULL)
			found = 1;
	assert_true(found);
	sync_report_free(r);
	assert_int_equal(events(fx, EVENT_SEATS_EXCEEDED), 1);
	/* the same situation is reported once */
	sync_report_free(sync_ok(fx, fx->now));
	assert_int_equal(events(fx, EVENT_SEATS_EXCEEDED), 1);

	ok(store_setting_set(fx->e->st, STORE_SETTING_SEATS, "3"));
	r = sync_ok(fx, fx->now);
	assert_int_equal(r->counts[STORE_ACTION_ISSUE], 3);
	assert_int_equal(r->done, 3);
	sync_report_free(r);
	ok(sync_seats(&total, &used, fx->e->st, fx->now));
	assert_int_equal(total, 3);
	assert_int_equal(used, 3);
	/* the alert was cleared: a new shortage is reported again */
	write_staff(fx, 4);
	sync_report_free(sync_ok(fx, fx->now));
	assert_int_equal(events(fx, EVENT_SEATS_EXCEEDED), 2);
	assert_int_equal(ncerts(fx, "u03@example.org", -1), 0);
	ok(store_setting_set(fx->e->st, STORE_SETTING_SEATS, NULL));
	ok(sync_seats(&total, &used, fx->e->st, fx->now));
	assert_int_equal(total, SYNC_SEATS_UNLIMITED);
}

/* Issue to n staff users; returns nothing, asserts all done. */
static void
issue_staff(struct fixture *fx, int n, const char *usage)
{
	struct sync_report *r;

	write_staff(fx, n);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, usage);
	r = sync_ok(fx, fx->now);
	assert_int_equal(r->done, (size_t)n);
	sync_report_free(r);
}

static void
test_sync__leaver_revoked(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	struct store_cert **v;
	struct store_ca *ca = NULL;
	int64_t crl_before, crl_after;
	size_t n;

	fx->e->cfg->sync_max_removal_percent = 100;
	issue_staff(fx, 3, NULL);
	ok(store_ca_current(&ca, fx->e->st));
	ok(store_crl_last_number(&crl_before, fx->e->st, ca->id));
	/* u01 leaves the group, u02 the directory */
	write_csv(fx, "u00,u00@example.org,Given,Sur,Staff\n"
	    "u01,u01@example.org,Given,Sur,Other\n");
	r = sync_ok(fx, fx->now + 100);
	assert_int_equal(r->counts[STORE_ACTION_REVOKE], 2);
	assert_int_equal(planned(r), 2);
	assert_int_equal(r->done, 2);
	assert_null(r->lines[0].group);
	sync_report_free(r);
	v = certs(fx, "u01@example.org", -1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->state, CERT_STATE_REVOKED);
	assert_int_equal(v[0]->reason, REVOKE_CESSATION_OF_OPERATION);
	assert_int_equal(v[0]->revoked_at, fx->now + 100);
	store_cert_list_free(v, n);
	assert_int_equal(ncerts(fx, "u02@example.org", CERT_STATE_REVOKED), 1);
	assert_int_equal(ncerts(fx, "u00@example.org", CERT_STATE_VALID), 1);
	assert_int_equal(events(fx, EVENT_CERT_REVOKED), 2);
	/* the CRL says so */
	ok(store_crl_last_number(&crl_after, fx->e->st, ca->id));
	assert_true(crl_after > crl_before);
	store_ca_free(ca);
	/* nothing more to revoke */
	r = sync_ok(fx, fx->now + 200);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
}

static void
test_sync__keep(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;

	fx->e->cfg->sync_on_removal = CONFIG_REMOVAL_KEEP;
	fx->e->cfg->sync_max_removal_percent = 100;
	issue_staff(fx, 2, NULL);
	write_csv(fx, "u00,u00@example.org,Given,Sur,Staff\n");
	r = sync_ok(fx, fx->now + 100);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
	assert_int_equal(ncerts(fx, "u01@example.org", CERT_STATE_VALID), 1);
}

static void
test_sync__address_change(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	struct store_cert **old, **nw;
	size_t nold, nnew;

	issue_staff(fx, 2, NULL);
	write_csv(fx, "u00,u00@example.org,Given,Sur,Staff\n"
	    "u01,new01@example.org,Given,Sur,Staff\n");
	r = sync_ok(fx, fx->now + 100);
	assert_int_equal(r->counts[STORE_ACTION_REISSUE], 1);
	assert_int_equal(planned(r), 1);
	assert_int_equal(r->done, 1);
	assert_string_equal(r->lines[0].email, "new01@example.org");
	assert_non_null(r->lines[0].old_serials);
	sync_report_free(r);
	old = certs(fx, "u01@example.org", -1, &nold);
	nw = certs(fx, "new01@example.org", -1, &nnew);
	assert_int_equal(nold, 1);
	assert_int_equal(nnew, 1);
	assert_int_equal(old[0]->state, CERT_STATE_REVOKED);
	assert_int_equal(old[0]->reason, REVOKE_SUPERSEDED);
	assert_non_null(old[0]->superseded_by);
	assert_string_equal(old[0]->superseded_by, nw[0]->serial);
	assert_int_equal(nw[0]->state, CERT_STATE_VALID);
	assert_int_equal(nw[0]->user_id, old[0]->user_id);
	store_cert_list_free(old, nold);
	store_cert_list_free(nw, nnew);
	assert_int_equal(events(fx, EVENT_CERT_REVOKED), 1);
	assert_int_equal(events(fx, EVENT_CERT_ISSUED), 3);
	r = sync_ok(fx, fx->now + 200);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
}

static void
test_sync__renew(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	struct store_cert **v;
	int64_t at;
	size_t n;

	issue_staff(fx, 1, NULL);
	v = certs(fx, "u00@example.org", -1, &n);
	assert_int_equal(n, 1);
	at = v[0]->not_after - 15 * DAY;
	store_cert_list_free(v, n);
	/* outside the window: nothing */
	r = sync_ok(fx, at);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
	at += 2 * DAY;
	r = sync_ok(fx, at);
	assert_int_equal(r->counts[STORE_ACTION_RENEW], 1);
	assert_int_equal(r->done, 1);
	sync_report_free(r);
	v = certs(fx, "u00@example.org", -1, &n);
	assert_int_equal(n, 2);
	/* the old one stays valid, replaced; the new one has a new key */
	assert_int_equal(v[0]->state, CERT_STATE_VALID);
	assert_int_equal(v[1]->state, CERT_STATE_VALID);
	assert_non_null(v[0]->superseded_by);
	assert_string_equal(v[0]->superseded_by, v[1]->serial);
	assert_null(v[1]->superseded_by);
	assert_string_not_equal(v[0]->key_id, v[1]->key_id);
	assert_int_equal(v[1]->not_before, at);
	store_cert_list_free(v, n);
	assert_int_equal(events(fx, EVENT_CERT_RENEWED), 1);
	/* renewed once, not again */
	r = sync_ok(fx, at + DAY);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
}

static void
test_sync__guard_empty(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct sync_opts o;
	unsigned char before[32], after[32];

	issue_staff(fx, 2, NULL);
	write_csv(fx, "");
	db_hash(fx, before, 0);
	want_msg(do_sync(&r, fx, fx->now + 100, NULL), ERR_GUARD,
	    "source corp delivered no users");
	sync_report_free(r);
	db_hash(fx, after, 0);
	assert_memory_equal(before, after, 32);
	memset(&o, 0, sizeof(o));
	o.allow_mass_removal = 1;
	r = NULL;
	ok(do_sync(&r, fx, fx->now + 100, &o));
	assert_int_equal(r->counts[STORE_ACTION_REVOKE], 2);
	assert_int_equal(r->done, 2);
	sync_report_free(r);
}

static void
test_sync__guard_percent(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	unsigned char before[32], after[32];

	issue_staff(fx, 10, NULL);
	/* one leaver of ten is 10%: allowed; two are not */
	write_staff(fx, 8);
	db_hash(fx, before, 0);
	want_msg(do_sync(&r, fx, fx->now + 100, NULL), ERR_GUARD,
	    "revoke the certificates of 2 of 10 managed users");
	assert_non_null(strstr(err_msg(), "--allow-mass-removal"));
	sync_report_free(r);
	db_hash(fx, after, 0);
	assert_memory_equal(before, after, 32);
	write_staff(fx, 9);
	r = sync_ok(fx, fx->now + 100);
	assert_int_equal(r->counts[STORE_ACTION_REVOKE], 1);
	sync_report_free(r);
}

static void
test_sync__by_hand(void **state)
{
	struct fixture *fx = *state;
	struct ca_issued *iss = NULL;
	struct ca_request req;
	struct sync_report *r;
	struct store_cert *c = NULL;

	fx->e->cfg->sync_max_removal_percent = 100;
	req = req_for("u00@example.org", KEY_ECP256);
	ok(ca_issue(&iss, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg, &req,
	    fx->now));
	/* the hand-made certificate is not the user's managed one */
	issue_staff(fx, 1, NULL);
	assert_int_equal(ncerts(fx, "u00@example.org", CERT_STATE_VALID), 2);
	write_csv(fx, "u01,u01@example.org,Given,Sur,Other\n");
	r = sync_ok(fx, fx->now + 100);
	assert_int_equal(r->counts[STORE_ACTION_REVOKE], 1);
	sync_report_free(r);
	ok(store_cert_get(&c, fx->e->st, iss->serial));
	assert_int_equal(c->state, CERT_STATE_VALID);
	assert_int_equal(c->user_id, 0);
	store_cert_free(c);
	assert_int_equal(ncerts(fx, "u00@example.org", CERT_STATE_REVOKED), 1);
	ca_issued_free(iss);
}

static void
test_sync__dual(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r;
	struct store_cert **v;
	int64_t at;
	size_t n, i;

	issue_staff(fx, 2, "dual");
	v = certs(fx, "u00@example.org", -1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->usage, "sign");
	assert_string_equal(v[1]->usage, "encrypt");
	at = v[0]->not_after - 10 * DAY;
	store_cert_list_free(v, n);
	assert_int_equal(events(fx, EVENT_CERT_ISSUED), 4);
	/* a renewed pair replaces each half with its counterpart */
	r = sync_ok(fx, at);
	assert_int_equal(r->counts[STORE_ACTION_RENEW], 2);
	sync_report_free(r);
	v = certs(fx, "u00@example.org", -1, &n);
	assert_int_equal(n, 4);
	for (i = 0; i < 2; i++) {
		assert_non_null(v[i]->superseded_by);
		assert_string_equal(v[i]->superseded_by, v[i + 2]->serial);
		assert_string_equal(v[i]->usage, v[i + 2]->usage);
	}
	store_cert_list_free(v, n);
	assert_int_equal(events(fx, EVENT_CERT_RENEWED), 4);
}

static void
test_sync__dry_run_and_confirm(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct sync_opts o;
	unsigned char before[32], after[32];

	write_staff(fx, 2);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, NULL);
	db_hash(fx, before, 0);
	memset(&o, 0, sizeof(o));
	o.dry_run = 1;
	ok(do_sync(&r, fx, fx->now, &o));
	assert_int_equal(r->counts[STORE_ACTION_ISSUE], 2);
	assert_int_equal(r->run_id, 0);
	assert_int_equal(r->done, 0);
	sync_report_free(r);
	db_hash(fx, after, 0);
	assert_memory_equal(before, after, 32);
}

static int
say_no(void *arg, const struct sync_report *r)
{
	*(size_t *)arg = planned(r);
	return 1;
}

static int
say_yes(void *arg, const struct sync_report *r)
{
	*(size_t *)arg = planned(r);
	return 0;
}

static void
test_sync__confirm(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct sync_opts o;
	unsigned char before[32], after[32];
	size_t shown = 0;

	write_staff(fx, 2);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, NULL);
	db_hash(fx, before, 0);
	memset(&o, 0, sizeof(o));
	o.confirm = say_no;
	o.arg = &shown;
	ok(do_sync(&r, fx, fx->now, &o));
	assert_int_equal(shown, 2);
	assert_true(r->declined);
	assert_int_equal(r->run_id, 0);
	sync_report_free(r);
	db_hash(fx, after, 0);
	assert_memory_equal(before, after, 32);
	shown = 0;
	o.confirm = say_yes;
	ok(do_sync(&r, fx, fx->now, &o));
	assert_int_equal(shown, 2);
	assert_int_equal(r->done, 2);
	assert_false(r->declined);
	sync_report_free(r);
	assert_int_equal(ncerts(fx, "u01@example.org", CERT_STATE_VALID), 1);
}

static void
test_sync__source_fails(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct store_source *src = NULL;

	fx->e->cfg->sync_max_removal_percent = 100;
	issue_staff(fx, 2, NULL);
	write_csv(fx, "u00,u00@example.org,Given,Sur,Staff\n\"broken\n");
	want(do_sync(&r, fx, fx->now + 100, NULL), ERR_IO);
	assert_int_equal(r->sources_failed, 1);
	assert_int_equal(planned(r), 0);
	assert_non_null(strstr(r->notes[0], "source corp: "));
	assert_non_null(strstr(r->notes[0], "its users are left as they "
	    "were"));
	sync_report_free(r);
	/* half a directory never looks like people leaving */
	assert_int_equal(ncerts(fx, "u01@example.org", CERT_STATE_VALID), 1);
	assert_int_equal(events(fx, EVENT_SYNC_FAILED), 1);
	ok(store_source_get(&src, fx->e->st, "corp"));
	assert_non_null(src->last_error);
	store_source_free(src);
	r = NULL;
	want(do_sync(&r, fx, fx->now + 200, NULL), ERR_IO);
	sync_report_free(r);
	assert_int_equal(events(fx, EVENT_SYNC_FAILED), 1);
	/* fixed: the alert clears, status too */
	write_staff(fx, 2);
	sync_report_free(sync_ok(fx, fx->now + 300));
	ok(store_source_get(&src, fx->e->st, "corp"));
	assert_null(src->last_error);
	store_source_free(src);
	r = NULL;
	want_msg(do_sync(&r, fx, fx->now, &(struct sync_opts){ .source =
	    "nope" }), ERR_NOTFOUND, "no source called \"nope\"");
	sync_report_free(r);
}

/* Dies after the first group commit, like a SIGKILL mid-apply. */
static void
die_after_commit(void *arg, size_t done, size_t total)
{
	(void)arg;
	if (done < total)
		_exit(0);
}

/* RSA keys take long enough that the first commit cannot hold them all. */
#define RESUME_USERS	8

static void
test_sync__resume(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct store_run *run = NULL;
	struct store_group *g = NULL;
	struct store_action **acts = NULL;
	struct store_cert **v;
	struct store *st = NULL;
	struct kek *kek = NULL;
	struct sync_opts o;
	char email[64];
	size_t nacts = 0, planned_left = 0, n, i;
	pid_t pid;
	int status;

	write_staff(fx, RESUME_USERS);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, NULL);
	ok(store_group_get(&g, fx->e->st, "corp", "Staff"));
	assert_non_null(g->key = strdup("rsa-2048"));
	ok(store_group_set_policy(fx->e->st, g));
	store_group_free(g);
	if ((pid = fork()) == 0) {
		/* A connection of its own: SQLite handles do not cross fork. */
		if (store_open(&st, fx->e->cfg) != 0 ||
		    keys_kek_load(&kek, fx->e->cfg->kek_path) != 0)
			_exit(2);
		memset(&o, 0, sizeof(o));
		o.at = fx->now;
		o.threads = 1;
		o.progress = die_after_commit;
		sync_run(&r, st, fx->e->cfg, kek, &o);
		_exit(1);	/* the whole run fit in one commit */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	ok(store_run_unfinished(&run, fx->e->st));
	ok(store_action_list(&acts, &nacts, fx->e->st, run->id, -1));
	assert_int_equal(nacts, RESUME_USERS);
	for (i = 0; i < nacts; i++)
		if (acts[i]->state == STORE_ACTION_PLANNED)
			planned_left++;
	store_action_list_free(acts, nacts);
	assert_true(planned_left > 0);
	assert_true(planned_left < RESUME_USERS);

	r = sync_ok(fx, fx->now + 60);
	assert_int_equal(r->resumed_run, run->id);
	assert_int_equal(r->resumed_done, planned_left);
	/* nothing is planned twice */
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
	ok(store_action_list(&acts, &nacts, fx->e->st, run->id, -1));
	for (i = 0; i < nacts; i++) {
		assert_int_equal(acts[i]->state, STORE_ACTION_DONE);
		assert_non_null(acts[i]->new_serials);
	}
	store_action_list_free(acts, nacts);
	store_run_free(run);
	run = NULL;
	assert_int_equal(store_run_unfinished(&run, fx->e->st),
	    ERR_NOTFOUND);
	/* every user has exactly one certificate, each reported once */
	for (i = 0; i < RESUME_USERS; i++) {
		snprintf(email, sizeof(email), "u%02zu@example.org", i);
		v = certs(fx, email, -1, &n);
		assert_int_equal(n, 1);
		assert_int_equal(v[0]->not_before, fx->now);
		store_cert_list_free(v, n);
	}
	assert_int_equal(events(fx, EVENT_CERT_ISSUED), RESUME_USERS);
}

/* The daemon's stop arriving after the first group commit. */
static void
stop_after_commit(void *arg, size_t done, size_t total)
{
	(void)done;
	(void)total;
	atomic_store((atomic_int *)arg, 1);
}

static void
test_sync__cancel(void **state)
{
	struct fixture *fx = *state;
	struct sync_report *r = NULL;
	struct store_run *run = NULL;
	struct store_group *g = NULL;
	struct store_action **acts = NULL;
	struct sync_opts o;
	atomic_int stop;
	size_t nacts = 0, planned_left = 0, i;

	write_staff(fx, RESUME_USERS);
	sync_report_free(sync_ok(fx, fx->now));
	set_policy(fx, "Staff", 1, NULL);
	ok(store_group_get(&g, fx->e->st, "corp", "Staff"));
	assert_non_null(g->key = strdup("rsa-2048"));
	ok(store_group_set_policy(fx->e->st, g));
	store_group_free(g);
	atomic_init(&stop, 0);
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	o.progress = stop_after_commit;
	o.arg = &stop;
	o.cancel = &stop;
	want_msg(do_sync(&r, fx, fx->now, &o), ERR_IO, "sync stopped: the "
	    "daemon is shutting down; the next sync finishes the run");
	assert_non_null(r);
	assert_true(r->done > 0);
	assert_true(r->done < RESUME_USERS);
	assert_int_equal(r->failed, 0);
	sync_report_free(r);

	/* what was applied is whole; the rest is still planned */
	ok(store_run_unfinished(&run, fx->e->st));
	ok(store_action_list(&acts, &nacts, fx->e->st, run->id, -1));
	assert_int_equal(nacts, RESUME_USERS);
	for (i = 0; i < nacts; i++) {
		if (acts[i]->state == STORE_ACTION_PLANNED) {
			planned_left++;
			continue;
		}
		assert_int_equal(acts[i]->state, STORE_ACTION_DONE);
		assert_int_equal(ncerts(fx, acts[i]->email, -1), 1);
	}
	store_action_list_free(acts, nacts);
	assert_true(planned_left > 0);
	assert_int_equal(events(fx, EVENT_CERT_ISSUED),
	    RESUME_USERS - planned_left);

	r = sync_ok(fx, fx->now + 60);
	assert_int_equal(r->resumed_run, run->id);
	assert_int_equal(r->resumed_done, planned_left);
	assert_int_equal(planned(r), 0);
	sync_report_free(r);
	store_run_free(run);
	run = NULL;
	assert_int_equal(store_run_unfinished(&run, fx->e->st),
	    ERR_NOTFOUND);
	assert_int_equal(events(fx, EVENT_CERT_ISSUED), RESUME_USERS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync__first_then_noop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__seats, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__leaver_revoked,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__keep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__address_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__renew, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__guard_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__guard_percent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__by_hand, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__dual, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__dry_run_and_confirm,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__confirm, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__source_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__resume, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync__cancel, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
