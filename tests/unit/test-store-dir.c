/*
 * test-store-dir.c: the directory half of the store (store-dir.h) against
 * the SQLite backend, each case in a fresh database: sources, applying
 * snapshots (idempotence checked on the raw tables), groups and their
 * policy, settings, sync runs and actions, the outbox with claims, leases
 * and retries, alerts, and the link from certificates to users.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "directory.h"
#include "err.h"
#include "helpers.h"
#include "store.h"
#include "store-dir.h"
#include "util/file.h"

#define NOW	1772366400	/* 2026-03-01T12:00:00Z */

/* One user of a test snapshot; groups are ','-separated, or NULL. */
struct tuser {
	const char	*id;
	const char	*email;
	const char	*given;
	const char	*surname;
	const char	*groups;
};

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

static int64_t
source_add(struct tenv *fx, const char *name)
{
	struct store_source s = {
		.name = (char *)name,
		.type = "csv",
		.params = "{\"path\":\"/srv/users.csv\"}",
	};

	ok(store_source_put(fx->st, &s));
	assert_true(s.id > 0);
	return s.id;
}

static struct dir_snapshot *
snap_make(const char *source, const struct tuser *u, size_t n)
{
	struct dir_snapshot *snap;
	char buf[256], *g, *save = NULL;
	size_t i, dup[2];

	assert_non_null(snap = dir_snapshot_new(source));
	for (i = 0; i < n; i++) {
		ok(dir_snapshot_add_user(snap, u[i].id, u[i].email,
		    u[i].given, u[i].surname, i + 1));
		if (u[i].groups == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s", u[i].groups);
		for (g = strtok_r(buf, ",", &save); g != NULL;
		    g = strtok_r(NULL, ",", &save))
			ok(dir_snapshot_add_member(snap, g));
	}
	ok(dir_snapshot_finish(snap, dup));
	return snap;
}

/* Apply snap in a transaction of its own; the count of changes. */
static size_t
apply(struct tenv *fx, int64_t source_id, const struct dir_snapshot *snap,
    int64_t now)
{
	size_t changed = 99;

	ok(store_begin(fx->st));
	ok(store_dir_apply(fx->st, source_id, snap, now, &changed));
	ok(store_commit(fx->st));
	return changed;
}

/* FNV-1a over every row of the directory tables, read by a second
 * connection: equal sums mean nothing was written. */
static uint64_t
tables_sum(struct tenv *fx)
{
	static const char *const q[] = {
		"SELECT * FROM users ORDER BY id",
		"SELECT * FROM groups ORDER BY id",
		"SELECT * FROM memberships ORDER BY user_id, group_id",
		"SELECT * FROM sources ORDER BY id",
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;
	int c;

	assert_int_equal(sqlite3_open_v2(fx->cfg->store_path, &db,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &stmt,
		    NULL), SQLITE_OK);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (c = 0; c < sqlite3_column_count(stmt); c++) {
				p = sqlite3_column_text(stmt, c);
				for (; p != NULL && *p != '\0'; p++)
					h = (h ^ *p) * 1099511628211ULL;
				h = (h ^ '|') * 1099511628211ULL;
			}
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return h;
}

static struct store_user *
user_by_ext(struct tenv *fx, const char *ext_id)
{
	struct store_user **v = NULL, *u = NULL;
	size_t n, i;

	ok(store_user_list(&v, &n, fx->st, NULL));
	for (i = 0; i < n; i++) {
		if (strcmp(v[i]->ext_id, ext_id) == 0) {
			u = v[i];
			v[i] = NULL;
		}
	}
	store_user_list_free(v, n);
	assert_non_null(u);
	return u;
}

static const struct tuser staff3[] = {
	{ "u1", "anna@example.org", "Anna", "Alpha", "staff,sales" },
	{ "u2", "ben@example.org", "Ben", "Beta", "staff" },
	{ "u3", NULL, "Cleo", NULL, NULL },
};

static void
test_store_dir__sources(void **state)
{
	struct tenv *fx = *state;
	struct store_source **v = NULL, *s = NULL;
	struct store_source bad = { .name = "x", .type = "csv",
	    .params = "{}" };
	size_t n;
	int64_t id;

	id = source_add(fx, "hr");
	source_add(fx, "ad.example-1");
	bad.name = "hr";
	want(store_source_put(fx->st, &bad), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "\"hr\""));
	bad.name = "has space";
	want(store_source_put(fx->st, &bad), ERR_INVALID);
	bad.name = "";
	want(store_source_put(fx->st, &bad), ERR_INVALID);
	bad.name = "x";
	bad.type = "nis";
	want(store_source_put(fx->st, &bad), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "nis"));

	ok(store_source_get(&s, fx->st, "hr"));
	assert_int_equal(s->id, id);
	assert_string_equal(s->type, "csv");
	assert_string_equal(s->params, "{\"path\":\"/srv/users.csv\"}");
	assert_true(s->created_at > 0);
	assert_int_equal(s->last_read_at, 0);
	assert_null(s->last_error);
	store_source_free(s);

	ok(store_source_set_status(fx->st, id, NOW, "bind failed"));
	ok(store_source_get(&s, fx->st, "hr"));
	assert_int_equal(s->last_read_at, NOW);
	assert_string_equal(s->last_error, "bind failed");
	store_source_free(s);
	ok(store_source_set_status(fx->st, id, NOW + 1, NULL));
	ok(store_source_get(&s, fx->st, "hr"));
	assert_null(s->last_error);
	store_source_free(s);
	want(store_source_set_status(fx->st, 999, NOW, NULL), ERR_NOTFOUND);

	ok(store_source_list(&v, &n, fx->st));
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->name, "ad.example-1");
	assert_string_equal(v[1]->name, "hr");
	store_source_list_free(v, n);

	ok(store_source_delete(fx->st, "hr"));
	want(store_source_get(&s, fx->st, "hr"), ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), "\"hr\""));
	want(store_source_delete(fx->st, "hr"), ERR_NOTFOUND);
}

static void
test_store_dir__apply(void **state)
{
	struct tenv *fx = *state;
	struct dir_snapshot *snap;
	struct store_group **g = NULL;
	struct store_user **v = NULL, *u = NULL;
	struct store_user_filter f = { 0, 1 };
	int64_t src = source_add(fx, "hr");
	uint64_t sum;
	size_t n, changed;

	snap = snap_make("hr", staff3, 3);
	/* Three users and two groups. */
	assert_int_equal(apply(fx, src, snap, NOW), 5);
	sum = tables_sum(fx);
	assert_int_equal(apply(fx, src, snap, NOW + 100), 0);
	assert_true(tables_sum(fx) == sum);

	ok(store_user_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->ext_id, "u1");
	assert_string_equal(v[0]->source, "hr");
	assert_int_equal(v[0]->source_id, src);
	assert_int_equal(v[0]->ngroups, 2);
	assert_true(v[0]->group_ids[0] < v[0]->group_ids[1]);
	assert_int_equal(v[1]->ngroups, 1);
	assert_int_equal(v[2]->ngroups, 0);
	assert_null(v[2]->email);
	assert_null(v[2]->surname);
	assert_int_equal(v[0]->first_seen, NOW);
	assert_int_equal(v[0]->last_seen, NOW);
	ok(store_user_get(&u, fx->st, v[0]->id));
	assert_string_equal(u->email, "anna@example.org");
	assert_int_equal(u->ngroups, 2);
	assert_int_equal(u->group_ids[1], v[0]->group_ids[1]);
	store_user_free(u);
	store_user_list_free(v, n);
	want(store_user_get(&u, fx->st, 999), ERR_NOTFOUND);

	ok(store_group_list(&g, &n, fx->st));
	assert_int_equal(n, 2);
	assert_string_equal(g[0]->name, "sales");
	assert_int_equal(g[0]->nmembers, 1);
	assert_string_equal(g[1]->name, "staff");
	assert_int_equal(g[1]->nmembers, 2);
	assert_string_equal(g[1]->usage, "both");
	assert_int_equal(g[1]->auto_request, 0);
	assert_true(g[1]->present);
	store_group_list_free(g, n);

	/* Outside a transaction, or unfinished: refused. */
	want(store_dir_apply(fx->st, src, snap, NOW, &changed),
	    ERR_INTERNAL);
	ok(store_begin(fx->st));
	want(store_dir_apply(fx->st, 999, snap, NOW, NULL), ERR_NOTFOUND);
	store_rollback(fx->st);
	dir_snapshot_free(snap);
	assert_non_null(snap = dir_snapshot_new("hr"));
	ok(dir_snapshot_add_user(snap, "u9", NULL, NULL, NULL, 1));
	ok(store_begin(fx->st));
	want(store_dir_apply(fx->st, src, snap, NOW, NULL), ERR_INTERNAL);
	store_rollback(fx->st);
	dir_snapshot_free(snap);
}

static void
test_store_dir__leave_and_return(void **state)
{
	struct tenv *fx = *state;
	static const struct tuser changed[] = {
		/* u1 left sales and changed address; u2 left; u4 joined. */
		{ "u1", "anna.alpha@example.org", "Anna", "Alpha", "staff" },
		{ "u3", NULL, "Cleo", NULL, NULL },
		{ "u4", "dan@example.org", "Dan", "Delta", "staff" },
	};
	struct dir_snapshot *snap;
	struct store_user *u1, *u2, *u;
	struct store_user **v = NULL;
	struct store_user_filter absent = { 0, 0 };
	struct store_group *g = NULL;
	int64_t src = source_add(fx, "hr");
	size_t n;

	snap = snap_make("hr", staff3, 3);
	apply(fx, src, snap, NOW);
	dir_snapshot_free(snap);
	u1 = user_by_ext(fx, "u1");
	u2 = user_by_ext(fx, "u2");

	snap = snap_make("hr", changed, 3);
	/* u1 changed, u2 absent, u4 added, sales absent. */
	assert_int_equal(apply(fx, src, snap, NOW + 10), 4);
	assert_int_equal(apply(fx, src, snap, NOW + 20), 0);
	dir_snapshot_free(snap);

	u = user_by_ext(fx, "u2");
	assert_int_equal(u->id, u2->id);
	assert_false(u->present);
	assert_int_equal(u->ngroups, 0);
	assert_int_equal(u->last_seen, NOW);
	store_user_free(u);
	u = user_by_ext(fx, "u1");
	assert_string_equal(u->email, "anna.alpha@example.org");
	assert_int_equal(u->ngroups, 1);
	assert_int_equal(u->last_seen, NOW + 10);
	assert_int_equal(u->first_seen, NOW);
	store_user_free(u);
	ok(store_user_list(&v, &n, fx->st, &absent));
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->ext_id, "u2");
	store_user_list_free(v, n);

	ok(store_group_get(&g, fx->st, "hr", "sales"));
	assert_false(g->present);
	assert_int_equal(g->nmembers, 0);
	store_group_free(g);

	/* Back as before: the same ids, present again. */
	snap = snap_make("hr", staff3, 3);
	assert_true(apply(fx, src, snap, NOW + 30) > 0);
	dir_snapshot_free(snap);
	u = user_by_ext(fx, "u2");
	assert_int_equal(u->id, u2->id);
	assert_true(u->present);
	assert_int_equal(u->ngroups, 1);
	store_user_free(u);
	u = user_by_ext(fx, "u1");
	assert_int_equal(u->id, u1->id);
	assert_int_equal(u->ngroups, 2);
	store_user_free(u);
	ok(store_group_get(&g, fx->st, "hr", "sales"));
	assert_true(g->present);
	assert_int_equal(g->nmembers, 1);
	store_group_free(g);
	store_user_free(u1);
	store_user_free(u2);
}

/* A membership change alone counts its user as changed. */
static void
test_store_dir__membership_counts(void **state)
{
	struct tenv *fx = *state;
	static const struct tuser moved[] = {
		{ "u1", "anna@example.org", "Anna", "Alpha", "staff,sales" },
		{ "u2", "ben@example.org", "Ben", "Beta", "staff,sales" },
		{ "u3", NULL, "Cleo", NULL, NULL },
	};
	struct dir_snapshot *snap;
	int64_t src = source_add(fx, "hr");

	snap = snap_make("hr", staff3, 3);
	apply(fx, src, snap, NOW);
	dir_snapshot_free(snap);
	snap = snap_make("hr", moved, 3);
	assert_int_equal(apply(fx, src, snap, NOW + 1), 1);
	dir_snapshot_free(snap);
}

static void
test_store_dir__group_policy(void **state)
{
	struct tenv *fx = *state;
	static const struct tuser other[] = {
		{ "x1", "eve@example.org", "Eve", "Echo", "staff" },
	};
	struct dir_snapshot *snap, *empty;
	struct store_group *g = NULL, pol;
	size_t dup[2];
	int64_t hr = source_add(fx, "hr"), ad = source_add(fx, "ad");

	snap = snap_make("hr", staff3, 3);
	apply(fx, hr, snap, NOW);
	dir_snapshot_free(snap);
	snap = snap_make("ad", other, 1);
	apply(fx, ad, snap, NOW);
	dir_snapshot_free(snap);

	want(store_group_get(&g, fx->st, NULL, "staff"), ERR_EXISTS);
	assert_non_null(strstr(err_msg(), "\"ad\""));
	assert_non_null(strstr(err_msg(), "\"hr\""));
	want(store_group_get(&g, fx->st, NULL, "Staff"), ERR_NOTFOUND);
	want(store_group_get(&g, fx->st, "ad", "sales"), ERR_NOTFOUND);
	ok(store_group_get(&g, fx->st, NULL, "sales"));
	assert_string_equal(g->source, "hr");
	store_group_free(g);

	ok(store_group_get(&g, fx->st, "hr", "staff"));
	pol = *g;
	pol.auto_request = 1;
	pol.key = "ec-p256";
	pol.days = 90;
	pol.profile = "multipurpose";
	pol.usage = "dual";
	ok(store_group_set_policy(fx->st, &pol));
	pol.usage = "sign";
	want(store_group_set_policy(fx->st, &pol), ERR_INVALID);
	pol.usage = NULL;
	pol.profile = "loose";
	want(store_group_set_policy(fx->st, &pol), ERR_INVALID);
	pol.profile = NULL;
	pol.id = 999;
	want(store_group_set_policy(fx->st, &pol), ERR_NOTFOUND);
	store_group_free(g);

	/* Absent and back: the policy stays. */
	assert_non_null(empty = dir_snapshot_new("hr"));
	ok(dir_snapshot_finish(empty, dup));
	apply(fx, hr, empty, NOW + 1);
	dir_snapshot_free(empty);
	ok(store_group_get(&g, fx->st, "hr", "staff"));
	assert_false(g->present);
	assert_int_equal(g->auto_request, 1);
	assert_string_equal(g->key, "ec-p256");
	assert_int_equal(g->days, 90);
	assert_string_equal(g->profile, "multipurpose");
	assert_string_equal(g->usage, "dual");
	store_group_free(g);
	snap = snap_make("hr", staff3, 3);
	apply(fx, hr, snap, NOW + 2);
	dir_snapshot_free(snap);
	ok(store_group_get(&g, fx->st, "hr", "staff"));
	assert_true(g->present);
	assert_int_equal(g->auto_request, 1);
	assert_int_equal(g->nmembers, 2);

	/* A NULL usage writes "both", NULL fields the defaults. */
	pol = *g;
	pol.usage = NULL;
	pol.key = NULL;
	pol.profile = NULL;
	pol.days = 0;
	ok(store_group_set_policy(fx->st, &pol));
	store_group_free(g);
	ok(store_group_get(&g, fx->st, "hr", "staff"));
	assert_string_equal(g->usage, "both");
	assert_null(g->key);
	assert_null(g->profile);
	assert_int_equal(g->days, 0);
	store_group_free(g);
}

/* A minimal CA row so that certificates can be stored. */
static int64_t
put_ca(struct tenv *fx)
{
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	unsigned char sealed[] = { 1, 2, 3 };
	struct store_key k = { .id = "k", .alg = "ec-p384", .sealed = sealed,
	    .sealed_len = sizeof(sealed) };
	struct store_ca ca = { .name = "root-1", .role = STORE_CA_ROOT,
	    .state = STORE_CA_ACTIVE, .serial = "01", .key_id = "k",
	    .der = (unsigned char *)der, .der_len = sizeof(der),
	    .not_before = 1, .not_after = 2000000000 };

	ok(store_key_put(fx->st, &k));
	ok(store_ca_put(fx->st, &ca));
	return ca.id;
}

static void
put_cert(struct tenv *fx, int64_t ca, const char *serial, int64_t user)
{
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };
	struct store_cert c = { .serial = (char *)serial, .ca_id = ca,
	    .email = "anna@example.org", .profile = "strict",
	    .key_alg = "ec-p256", .der = (unsigned char *)der,
	    .der_len = sizeof(der), .not_before = 1, .not_after = NOW,
	    .state = CERT_STATE_VALID, .user_id = user };

	ok(store_cert_put(fx->st, &c));
}

static void
test_store_dir__delete_unlinks(void **state)
{
	struct tenv *fx = *state;
	struct store_cert_filter f = { .state = -1, .expired = -1 };
	struct store_cert **v = NULL, *c = NULL;
	struct store_event ev = { .kind = EVENT_CERT_ISSUED, .created_at = NOW,
	    .serial = "0A" };
	struct store_event **ev_v = NULL;
	struct store_event_filter ef = { .state = -1 };
	struct store_group **g = NULL;
	struct store_user *u, **uv = NULL;
	struct dir_snapshot *snap;
	int64_t src = source_add(fx, "hr"), ca = put_ca(fx);
	size_t n;

	snap = snap_make("hr", staff3, 3);
	apply(fx, src, snap, NOW);
	dir_snapshot_free(snap);
	u = user_by_ext(fx, "u1");
	put_cert(fx, ca, "0A", u->id);
	put_cert(fx, ca, "0B", 0);
	ev.user_id = u->id;
	ok(store_event_put(fx->st, &ev));

	f.managed = 1;
	ok(store_cert_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->serial, "0A");
	assert_int_equal(v[0]->user_id, u->id);
	store_cert_list_free(v, n);
	f.managed = 0;
	f.user_id = u->id;
	ok(store_cert_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 1);
	store_cert_list_free(v, n);

	ok(store_source_delete(fx->st, "hr"));
	ok(store_cert_get(&c, fx->st, "0A"));
	assert_int_equal(c->user_id, 0);
	store_cert_free(c);
	f.user_id = 0;
	f.managed = 2;
	ok(store_cert_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 2);
	store_cert_list_free(v, n);
	ok(store_event_list(&ev_v, &n, fx->st, &ef));
	assert_int_equal(n, 1);
	assert_int_equal(ev_v[0]->user_id, 0);
	assert_string_equal(ev_v[0]->serial, "0A");
	store_event_list_free(ev_v, n);
	ok(store_user_list(&uv, &n, fx->st, NULL));
	assert_int_equal(n, 0);
	store_user_list_free(uv, n);
	ok(store_group_list(&g, &n, fx->st));
	assert_int_equal(n, 0);
	store_group_list_free(g, n);
	store_user_free(u);
}

static void
test_store_dir__settings(void **state)
{
	struct tenv *fx = *state;
	char *v = NULL;

	want(store_setting_get(&v, fx->st, STORE_SETTING_SEATS), ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), STORE_SETTING_SEATS));
	ok(store_setting_set(fx->st, STORE_SETTING_SEATS, "50"));
	ok(store_setting_get(&v, fx->st, STORE_SETTING_SEATS));
	assert_string_equal(v, "50");
	free(v);
	ok(store_setting_set(fx->st, STORE_SETTING_SEATS, "60"));
	ok(store_setting_get(&v, fx->st, STORE_SETTING_SEATS));
	assert_string_equal(v, "60");
	free(v);
	ok(store_setting_set(fx->st, STORE_SETTING_SEATS, NULL));
	want(store_setting_get(&v, fx->st, STORE_SETTING_SEATS), ERR_NOTFOUND);
	/* Deleting what is not set is no error. */
	ok(store_setting_set(fx->st, STORE_SETTING_SEATS, NULL));
	want(store_setting_set(fx->st, "", "1"), ERR_INVALID);
}

static void
test_store_dir__runs_and_actions(void **state)
{
	struct tenv *fx = *state;
	struct store_run r1 = { .at = NOW, .source = "hr" }, r2 = { .at = NOW };
	struct store_run *r = NULL;
	struct store_action a = { .kind = STORE_ACTION_ISSUE, .seq = 1,
	    .email = "anna@example.org", .given_name = "Anna",
	    .surname = "Alpha", .key = "ec-p256", .days = 365,
	    .profile = "strict", .state = STORE_ACTION_PLANNED };
	struct store_action **v = NULL;
	int64_t first;
	size_t n;

	want(store_run_unfinished(&r, fx->st), ERR_NOTFOUND);
	want(store_run_latest(&r, fx->st), ERR_NOTFOUND);
	ok(store_run_put(fx->st, &r1));
	assert_true(r1.id > 0);
	assert_true(r1.started_at > 0);
	/* One run at a time. */
	want(store_run_put(fx->st, &r2), ERR_EXISTS);

	a.run_id = r1.id;
	ok(store_action_put(fx->st, &a));
	first = a.id;
	want(store_action_put(fx->st, &a), ERR_EXISTS);
	a.seq = 2;
	a.kind = STORE_ACTION_REVOKE;
	a.old_serials = "0A,0B";
	a.key = NULL;
	ok(store_action_put(fx->st, &a));
	a.seq = 3;
	a.state = STORE_ACTION_DONE;
	want(store_action_put(fx->st, &a), ERR_INVALID);
	a.state = STORE_ACTION_PLANNED;
	a.usage = "encrypt";
	want(store_action_put(fx->st, &a), ERR_INVALID);

	ok(store_action_done(fx->st, first, "0C,0D", NOW + 5));
	want(store_action_done(fx->st, first, "0E", NOW + 6), ERR_EXISTS);
	want(store_action_fail(fx->st, first, "late", NOW + 6), ERR_EXISTS);
	want(store_action_done(fx->st, 999, NULL, NOW), ERR_NOTFOUND);

	ok(store_action_list(&v, &n, fx->st, r1.id, STORE_ACTION_PLANNED));
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->seq, 2);
	assert_int_equal(v[0]->kind, STORE_ACTION_REVOKE);
	assert_string_equal(v[0]->old_serials, "0A,0B");
	assert_null(v[0]->usage);
	ok(store_action_fail(fx->st, v[0]->id, "CA offline", NOW + 7));
	store_action_list_free(v, n);

	ok(store_action_list(&v, &n, fx->st, r1.id, -1));
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->state, STORE_ACTION_DONE);
	assert_string_equal(v[0]->new_serials, "0C,0D");
	assert_string_equal(v[0]->usage, "both");
	assert_string_equal(v[0]->key, "ec-p256");
	assert_int_equal(v[0]->days, 365);
	assert_int_equal(v[0]->done_at, NOW + 5);
	assert_int_equal(v[0]->user_id, 0);
	assert_int_equal(v[1]->state, STORE_ACTION_FAILED);
	assert_string_equal(v[1]->error, "CA offline");
	store_action_list_free(v, n);

	ok(store_run_unfinished(&r, fx->st));
	assert_int_equal(r->id, r1.id);
	assert_int_equal(r->state, STORE_RUN_APPLYING);
	assert_string_equal(r->source, "hr");
	assert_int_equal(r->at, NOW);
	store_run_free(r);
	ok(store_run_finish(fx->st, r1.id, NOW + 9));
	want(store_run_finish(fx->st, r1.id, NOW + 9), ERR_NOTFOUND);
	want(store_run_unfinished(&r, fx->st), ERR_NOTFOUND);
	ok(store_run_put(fx->st, &r2));
	ok(store_run_latest(&r, fx->st));
	assert_int_equal(r->id, r2.id);
	assert_null(r->source);
	store_run_free(r);
}

static struct store_event
event_make(const char *kind)
{
	struct store_event e = { .kind = (char *)kind, .created_at = NOW,
	    .email = "anna@example.org", .data = "{\"n\":1}" };

	return e;
}

static void
test_store_dir__events(void **state)
{
	struct tenv *fx = *state;
	struct store_event e, **v = NULL;
	struct store_event_filter f = { .state = -1 };
	int64_t ids[4];
	size_t n, i;

	for (i = 0; i < 4; i++) {
		e = event_make(i == 3 ? EVENT_SEATS_EXCEEDED :
		    EVENT_CERT_ISSUED);
		ok(store_event_put(fx->st, &e));
		ids[i] = e.id;
	}
	ok(store_event_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 4);
	assert_int_equal(v[0]->state, STORE_EVENT_PENDING);
	assert_int_equal(v[0]->attempts, 0);
	assert_int_equal(v[0]->created_at, NOW);
	assert_string_equal(v[0]->data, "{\"n\":1}");
	store_event_list_free(v, n);
	f.kind = EVENT_SEATS_EXCEEDED;
	ok(store_event_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->id, ids[3]);
	store_event_list_free(v, n);
	f.kind = NULL;
	f.after_id = ids[0];
	f.limit = 2;
	ok(store_event_list(&v, &n, fx->st, &f));
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->id, ids[1]);
	assert_int_equal(v[1]->id, ids[2]);
	store_event_list_free(v, n);
	f = (struct store_event_filter){ .state = STORE_EVENT_STATE__MAX };
	want(store_event_list(&v, &n, fx->st, &f), ERR_INVALID);
}

static void
test_store_dir__claims(void **state)
{
	struct tenv *fx = *state;
	struct store_event e, **a = NULL, **b = NULL, **c = NULL;
	struct store_event_filter f = { .state = STORE_EVENT_DONE };
	size_t na, nb, nc, i, j;

	for (i = 0; i < 3; i++) {
		e = event_make(EVENT_CERT_ISSUED);
		ok(store_event_put(fx->st, &e));
	}
	/* Not due yet: never claimed before its time. */
	e = event_make(EVENT_CERT_RENEWED);
	e.next_attempt_at = NOW + 3600;
	ok(store_event_put(fx->st, &e));

	ok(store_event_claim(&a, &na, fx->st, "w1", 2, NOW, 60));
	ok(store_event_claim(&b, &nb, fx->st, "w2", 10, NOW, 60));
	assert_int_equal(na, 2);
	assert_int_equal(nb, 1);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i]->state, STORE_EVENT_CLAIMED);
		assert_string_equal(a[i]->claimed_by, "w1");
		assert_int_equal(a[i]->attempts, 1);
		assert_int_equal(a[i]->lease_until, NOW + 60);
		for (j = 0; j < nb; j++)
			assert_int_not_equal(a[i]->id, b[j]->id);
	}
	assert_true(a[0]->id < a[1]->id);
	ok(store_event_claim(&c, &nc, fx->st, "w3", 10, NOW + 59, 60));
	assert_int_equal(nc, 0);
	store_event_list_free(c, nc);

	want(store_event_complete(fx->st, a[0]->id, "w2", NOW), ERR_EXISTS);
	ok(store_event_complete(fx->st, a[0]->id, "w1", NOW + 1));
	want(store_event_complete(fx->st, a[0]->id, "w1", NOW + 2),
	    ERR_EXISTS);
	want(store_event_complete(fx->st, 999, "w1", NOW), ERR_NOTFOUND);
	ok(store_event_complete(fx->st, a[1]->id, "w1", NOW + 1));

	/* w2's lease runs out: w3 gets its event, w2 cannot finish it. */
	ok(store_event_claim(&c, &nc, fx->st, "w3", 10, NOW + 60, 60));
	assert_int_equal(nc, 1);
	assert_int_equal(c[0]->id, b[0]->id);
	assert_int_equal(c[0]->attempts, 2);
	want(store_event_complete(fx->st, b[0]->id, "w2", NOW + 61),
	    ERR_EXISTS);
	ok(store_event_complete(fx->st, c[0]->id, "w3", NOW + 61));
	store_event_list_free(c, nc);

	/* The event due later comes in its time. */
	ok(store_event_claim(&c, &nc, fx->st, "w3", 10, NOW + 3600, 60));
	assert_int_equal(nc, 1);
	assert_string_equal(c[0]->kind, EVENT_CERT_RENEWED);
	store_event_list_free(c, nc);

	ok(store_event_list(&c, &nc, fx->st, &f));
	assert_int_equal(nc, 3);
	assert_string_equal(c[0]->claimed_by, "w1");
	assert_int_equal(c[0]->done_at, NOW + 1);
	store_event_list_free(c, nc);

	/* Claiming inside another transaction is refused. */
	ok(store_begin(fx->st));
	want(store_event_claim(&c, &nc, fx->st, "w1", 1, NOW + 9999, 60),
	    ERR_INTERNAL);
	store_rollback(fx->st);
	want(store_event_claim(&c, &nc, fx->st, "", 1, NOW, 60), ERR_INVALID);
	want(store_event_claim(&c, &nc, fx->st, "w1", 1, NOW, 0), ERR_INVALID);
	store_event_list_free(a, na);
	store_event_list_free(b, nb);
}

static void
test_store_dir__retry(void **state)
{
	struct tenv *fx = *state;
	struct store_event e = event_make(EVENT_CERT_REVOKED), **v = NULL;
	struct store_event_filter f = { .state = -1 };
	int64_t t = NOW;
	size_t n;
	int i;

	ok(store_event_put(fx->st, &e));
	for (i = 1; i <= 3; i++) {
		ok(store_event_claim(&v, &n, fx->st, "w1", 5, t, 60));
		assert_int_equal(n, 1);
		assert_int_equal(v[0]->attempts, i);
		store_event_list_free(v, n);
		want(store_event_retry(fx->st, e.id, "w2", "smtp 451",
		    t + 10, 3), ERR_EXISTS);
		ok(store_event_retry(fx->st, e.id, "w1", "smtp 451", t + 10,
		    3));
		ok(store_event_list(&v, &n, fx->st, &f));
		assert_int_equal(v[0]->state, i < 3 ? STORE_EVENT_PENDING :
		    STORE_EVENT_FAILED);
		assert_string_equal(v[0]->last_error, "smtp 451");
		assert_int_equal(v[0]->lease_until, 0);
		if (i < 3) {
			assert_null(v[0]->claimed_by);
			assert_int_equal(v[0]->next_attempt_at, t + 10);
		}
		store_event_list_free(v, n);
		/* Backoff: not before next_at. */
		ok(store_event_claim(&v, &n, fx->st, "w1", 5, t + 9, 60));
		assert_int_equal(n, 0);
		store_event_list_free(v, n);
		t += 10;
	}
	ok(store_event_claim(&v, &n, fx->st, "w1", 5, t + 9999, 60));
	assert_int_equal(n, 0);
	store_event_list_free(v, n);
	want(store_event_retry(fx->st, e.id, "w1", "x", t, 0), ERR_INVALID);
	want(store_event_retry(fx->st, e.id, "w1", "x", t, 5), ERR_EXISTS);
}

static void
test_store_dir__alerts(void **state)
{
	struct tenv *fx = *state;
	int raised = -1;

	ok(store_alert_raise(fx->st, "seats.exceeded:staff", NOW, &raised));
	assert_int_equal(raised, 1);
	ok(store_alert_raise(fx->st, "seats.exceeded:staff", NOW + 1,
	    &raised));
	assert_int_equal(raised, 0);
	ok(store_alert_raise(fx->st, "domain.lapsed:example.org", NOW,
	    &raised));
	assert_int_equal(raised, 1);
	ok(store_alert_clear(fx->st, "seats.exceeded:staff"));
	ok(store_alert_clear(fx->st, "seats.exceeded:staff"));
	ok(store_alert_raise(fx->st, "seats.exceeded:staff", NOW + 2,
	    &raised));
	assert_int_equal(raised, 1);
	want(store_alert_raise(fx->st, "", NOW, &raised), ERR_INVALID);
}

static void
test_store_dir__names(void **state)
{
	(void)state;
	assert_string_equal(store_action_kind_name(STORE_ACTION_REISSUE),
	    "reissue");
	assert_int_equal(store_action_kind_parse("revoke"),
	    STORE_ACTION_REVOKE);
	assert_int_equal(store_action_kind_parse("delete"), -1);
	assert_string_equal(store_action_state_name(STORE_ACTION_FAILED),
	    "failed");
	assert_int_equal(store_action_state_parse("planned"),
	    STORE_ACTION_PLANNED);
	assert_string_equal(store_event_state_name(STORE_EVENT_CLAIMED),
	    "claimed");
	assert_int_equal(store_event_state_parse("done"), STORE_EVENT_DONE);
	assert_int_equal(store_event_state_parse(NULL), -1);
	assert_string_equal(store_event_state_name(STORE_EVENT_STATE__MAX),
	    "unknown");
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * 10,000 users in three of 50 groups each. The limits are several times
 * what an optimised build needs, so that sanitizer builds pass too, and
 * still far below what one write per row and a statement per user cost.
 */
static void
test_store_dir__apply_10k(void **state)
{
	struct tenv *fx = *state;
	struct dir_snapshot *snap;
	struct timespec t0;
	char id[32], mail[64], g[32];
	int64_t src = source_add(fx, "big");
	uint64_t sum;
	double first, noop;
	size_t i, j, dup[2];

	assert_non_null(snap = dir_snapshot_new("big"));
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "id-%05zu", i);
		snprintf(mail, sizeof(mail), "user%zu@example.org", i);
		ok(dir_snapshot_add_user(snap, id, mail, "Given", "Surname",
		    i + 1));
		for (j = 0; j < 3; j++) {
			snprintf(g, sizeof(g), "group-%zu", (i + j * 7) % 50);
			ok(dir_snapshot_add_member(snap, g));
		}
	}
	ok(dir_snapshot_finish(snap, dup));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(apply(fx, src, snap, NOW), 10050);
	first = seconds_since(&t0);
	sum = tables_sum(fx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(apply(fx, src, snap, NOW + 1), 0);
	noop = seconds_since(&t0);
	assert_true(tables_sum(fx) == sum);
	print_message("10k users: first apply %.3f s, no-op %.3f s\n", first,
	    noop);
	assert_true(first < 5.0);
	assert_true(noop < 1.0);
	dir_snapshot_free(snap);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_dir__sources),
		T(test_store_dir__apply),
		T(test_store_dir__leave_and_return),
		T(test_store_dir__membership_counts),
		T(test_store_dir__group_policy),
		T(test_store_dir__delete_unlinks),
		T(test_store_dir__settings),
		T(test_store_dir__runs_and_actions),
		T(test_store_dir__events),
		T(test_store_dir__claims),
		T(test_store_dir__retry),
		T(test_store_dir__alerts),
		T(test_store_dir__apply_10k),
		cmocka_unit_test(test_store_dir__names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
