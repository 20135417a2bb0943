/*
 * store-sqlite-outbox.c: the SQLite backend of sync runs and their
 * actions, the event outbox and alerts (store-dir.h): the bookkeeping that
 * makes a sync resumable and its side effects durable. The operations are
 * listed in store_sqlite_dir_ops (store-sqlite-dir.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "store-sqlite-int.h"
#include "util/array.h"
#include "util/timefmt.h"

/* ---- sync runs and actions ---- */

static int
run_row(struct store_run **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_run *r;
	int state, rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	r->id = sqlite3_column_int64(stmt, 0);
	r->started_at = sqlite3_column_int64(stmt, 1);
	r->at = sqlite3_column_int64(stmt, 2);
	r->finished_at = sqlite3_column_int64(stmt, 3);
	if ((state = sq_col_enum(stmt, 4, store_run_state_parse)) < 0) {
		rc = err_set(ERR_STORE, "%s: sync run %lld has an unknown "
		    "state", s->path, (long long)r->id);
		store_run_free(r);
		return rc;
	}
	r->state = state;
	if ((rc = sq_col_text(&r->source, stmt, 5)) != 0) {
		store_run_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int
sq_run_put(struct store *st, struct store_run *r)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_RUN_PUT, NULL,
	    r->started_at)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, r->at) != 0 ||
	    sq_bind_text(stmt, 3, r->source) != 0) {
		rc = sq_qerr(s, STMT_RUN_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "another sync run "
		    "is still being applied; finish it first") :
		    sq_qerr(s, STMT_RUN_PUT);
		goto out;
	}
	r->id = sqlite3_last_insert_rowid(s->db);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
run_find(struct store_run **out, struct sqlstore *s, enum stmt id,
    const char *none)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, id)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, id)) == 0)
		rc = run_row(out, s, stmt);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "%s", none);
	sq_stmt_done(stmt);
	return rc;
}

int
sq_run_unfinished(struct store_run **out, struct store *st)
{
	return run_find(out, sq(st), STMT_RUN_UNFINISHED,
	    "no sync run is unfinished");
}

int
sq_run_latest(struct store_run **out, struct store *st)
{
	return run_find(out, sq(st), STMT_RUN_LATEST, "no sync has run yet");
}

int
sq_run_finish(struct store *st, int64_t id, int64_t finished_at)
{
	int changed = 0, rc;

	if ((rc = sq_run_ids(&changed, sq(st), STMT_RUN_FINISH, id,
	    finished_at)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no unfinished sync run "
	    "%lld", (long long)id);
}

static int
action_row(struct store_action **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_action *a;
	int kind, state, rc;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	a->id = sqlite3_column_int64(stmt, 0);
	kind = sq_col_enum(stmt, 3, store_action_kind_parse);
	state = sq_col_enum(stmt, 14, store_action_state_parse);
	if (kind < 0 || state < 0) {
		rc = err_set(ERR_STORE, "%s: sync action %lld has an unknown "
		    "kind or state", s->path, (long long)a->id);
		goto out;
	}
	a->kind = kind;
	a->state = state;
	a->run_id = sqlite3_column_int64(stmt, 1);
	a->seq = sqlite3_column_int64(stmt, 2);
	a->user_id = sqlite3_column_int64(stmt, 4);
	a->group_id = sqlite3_column_int64(stmt, 8);
	a->days = sqlite3_column_int(stmt, 10);
	a->done_at = sqlite3_column_int64(stmt, 17);
	if ((rc = sq_col_text(&a->email, stmt, 5)) != 0 ||
	    (rc = sq_col_text(&a->given_name, stmt, 6)) != 0 ||
	    (rc = sq_col_text(&a->surname, stmt, 7)) != 0 ||
	    (rc = sq_col_text(&a->key, stmt, 9)) != 0 ||
	    (rc = sq_col_text(&a->profile, stmt, 11)) != 0 ||
	    (rc = sq_col_text(&a->usage, stmt, 12)) != 0 ||
	    (rc = sq_col_text(&a->old_serials, stmt, 13)) != 0 ||
	    (rc = sq_col_text(&a->new_serials, stmt, 15)) != 0 ||
	    (rc = sq_col_text(&a->error, stmt, 16)) != 0)
		goto out;
	*out = a;
	a = NULL;	/* transferred */
out:
	store_action_free(a);
	return rc;
}

int
sq_action_put(struct store *st, struct store_action *a)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_ACTION_PUT, NULL,
	    a->run_id)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, a->seq) != 0 ||
	    sq_bind_text(stmt, 3, store_action_kind_name(a->kind)) != 0 ||
	    sq_bind_id(stmt, 4, a->user_id) != 0 ||
	    sq_bind_text(stmt, 5, a->email) != 0 ||
	    sq_bind_text(stmt, 6, a->given_name) != 0 ||
	    sq_bind_text(stmt, 7, a->surname) != 0 ||
	    sq_bind_id(stmt, 8, a->group_id) != 0 ||
	    sq_bind_text(stmt, 9, a->key) != 0 ||
	    sqlite3_bind_int(stmt, 10, a->days) != 0 ||
	    sq_bind_text(stmt, 11, a->profile) != 0 ||
	    sq_bind_text(stmt, 12, a->usage) != 0 ||
	    sq_bind_text(stmt, 13, a->old_serials) != 0) {
		rc = sq_qerr(s, STMT_ACTION_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "sync run %lld has "
		    "an action %lld already", (long long)a->run_id,
		    (long long)a->seq) : sq_dberr(s, "cannot store action "
		    "%lld of sync run %lld", (long long)a->seq,
		    (long long)a->run_id);
		goto out;
	}
	a->id = sqlite3_last_insert_rowid(s->db);
out:
	sq_stmt_done(stmt);
	return rc;
}

int
sq_action_list(struct store_action ***out, size_t *n, struct store *st,
    int64_t run_id, int state)
{
	struct sqlstore *s = sq(st);
	struct store_action **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_ACTION_LIST, NULL,
	    run_id)) != 0)
		goto out;
	if (state != -1 && sq_bind_text(stmt, 2,
	    store_action_state_name(state)) != 0) {
		rc = sq_qerr(s, STMT_ACTION_LIST);
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		if ((rc = action_row(&v[len], s, stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_ACTION_LIST);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_action_list_free(v, len);
	return rc;
}

/*
 * Nothing changed: ERR_NOTFOUND if row id is missing, else ERR_EXISTS
 * with the message busy (formatted with the id).
 */
static int
why_unchanged(struct sqlstore *s, enum stmt id, int64_t rowid,
    const char *what, const char *busy)
{
	sqlite3_stmt *stmt = NULL;
	char *state = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, id, NULL, rowid)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, id)) == 0 &&
	    (rc = sq_col_text(&state, stmt, 0)) == 0)
		rc = err_set(ERR_EXISTS, "%s %lld is %s: %s", what,
		    (long long)rowid, state != NULL ? state : "", busy);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no %s %lld", what,
		    (long long)rowid);
	sq_stmt_done(stmt);
	free(state);
	return rc;
}

int
sq_action_finish(struct store *st, int64_t id, enum store_action_state state,
    const char *new_serials, const char *error, int64_t at)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_ACTION_FINISH, NULL, id)) != 0)
		return rc;
	if (sq_bind_text(stmt, 2, store_action_state_name(state)) != 0 ||
	    sq_bind_text(stmt, 3, new_serials) != 0 ||
	    sq_bind_text(stmt, 4, error) != 0 ||
	    sqlite3_bind_int64(stmt, 5, at) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_ACTION_FINISH);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_ACTION_FINISH)) != 0)
		return rc;
	return changed ? 0 : why_unchanged(s, STMT_ACTION_STATE, id,
	    "sync action", "it was finished before");
}

/* ---- the outbox ---- */

static int
event_row(struct store_event **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_event *e;
	int state, rc;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	e->id = sqlite3_column_int64(stmt, 0);
	if ((state = sq_col_enum(stmt, 9, store_event_state_parse)) < 0) {
		rc = err_set(ERR_STORE, "%s: event %lld has an unknown state",
		    s->path, (long long)e->id);
		goto out;
	}
	e->state = state;
	e->created_at = sqlite3_column_int64(stmt, 2);
	e->user_id = sqlite3_column_int64(stmt, 3);
	e->group_id = sqlite3_column_int64(stmt, 6);
	e->attempts = sqlite3_column_int(stmt, 10);
	e->next_attempt_at = sqlite3_column_int64(stmt, 11);
	e->lease_until = sqlite3_column_int64(stmt, 12);
	e->done_at = sqlite3_column_int64(stmt, 15);
	if ((rc = sq_col_text(&e->kind, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&e->email, stmt, 4)) != 0 ||
	    (rc = sq_col_text(&e->serial, stmt, 5)) != 0 ||
	    (rc = sq_col_text(&e->domain, stmt, 7)) != 0 ||
	    (rc = sq_col_text(&e->data, stmt, 8)) != 0 ||
	    (rc = sq_col_text(&e->claimed_by, stmt, 13)) != 0 ||
	    (rc = sq_col_text(&e->last_error, stmt, 14)) != 0)
		goto out;
	*out = e;
	e = NULL;	/* transferred */
out:
	store_event_free(e);
	return rc;
}

int
sq_event_put(struct store *st, struct store_event *e)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (e->created_at == 0)
		e->created_at = timefmt_now();
	if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_PUT, e->kind, 0)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, e->created_at) != 0 ||
	    sq_bind_id(stmt, 3, e->user_id) != 0 ||
	    sq_bind_text(stmt, 4, e->email) != 0 ||
	    sq_bind_text(stmt, 5, e->serial) != 0 ||
	    sq_bind_id(stmt, 6, e->group_id) != 0 ||
	    sq_bind_text(stmt, 7, e->domain) != 0 ||
	    sq_bind_text(stmt, 8, e->data) != 0 ||
	    sqlite3_bind_int64(stmt, 9, e->next_attempt_at) != 0) {
		rc = sq_qerr(s, STMT_EVENT_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_dberr(s, "cannot store event \"%s\"", e->kind);
		goto out;
	}
	e->id = sqlite3_last_insert_rowid(s->db);
out:
	sq_stmt_done(stmt);
	return rc;
}

/* Append the events of a bound query to v (len, cap). */
static int
event_rows(struct store_event ***v, size_t *len, size_t *cap,
    struct sqlstore *s, sqlite3_stmt *stmt, enum stmt id)
{
	struct store_event **nv;
	int rc, step;

	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(*v, *len, cap, sizeof(**v))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		*v = nv;
		if ((rc = event_row(&(*v)[*len], s, stmt)) != 0)
			return rc;
		(*len)++;
	}
	return step == SQLITE_DONE ? 0 : sq_qerr(s, id);
}

int
sq_event_list(struct store_event ***out, size_t *n, struct store *st,
    const struct store_event_filter *f)
{
	struct sqlstore *s = sq(st);
	struct store_event **v = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_LIST, f->kind, 0)) != 0)
		goto out;
	/* A negative LIMIT is none. */
	if ((f->kind == NULL && sqlite3_bind_null(stmt, 1) != 0) ||
	    (f->state != -1 && sq_bind_text(stmt, 2,
	    store_event_state_name(f->state)) != 0) ||
	    sqlite3_bind_int64(stmt, 3, f->user_id) != 0 ||
	    sqlite3_bind_int64(stmt, 4, f->after_id) != 0 ||
	    sqlite3_bind_int64(stmt, 5, f->limit == 0 || f->limit > INT64_MAX ?
	    -1 : (int64_t)f->limit) != 0) {
		rc = sq_qerr(s, STMT_EVENT_LIST);
		goto out;
	}
	if ((rc = event_rows(&v, &len, &cap, s, stmt, STMT_EVENT_LIST)) != 0)
		goto out;
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_event_list_free(v, len);
	return rc;
}

/* The ids of up to max events due at now, oldest first. */
static int
event_due(int64_t **out, size_t *n, struct sqlstore *s, size_t max,
    int64_t now)
{
	int64_t *ids = NULL, *nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_DUE, NULL, now)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, max > INT64_MAX ? -1 :
	    (int64_t)max) != 0) {
		rc = sq_qerr(s, STMT_EVENT_DUE);
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(ids, len, &cap, sizeof(*ids))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		ids = nv;
		ids[len++] = sqlite3_column_int64(stmt, 0);
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_EVENT_DUE);
		goto out;
	}
	*out = ids;
	*n = len;
	ids = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	free(ids);
	return rc;
}

/*
 * BEGIN IMMEDIATE takes the write lock before the events are chosen, so
 * a second worker's claim waits and then sees them leased.
 */
int
sq_event_claim(struct store_event ***out, size_t *n, struct store *st,
    const char *worker, size_t max, int64_t now, int64_t lease_s)
{
	struct sqlstore *s = sq(st);
	struct store_event **v = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t *ids = NULL;
	size_t nids = 0, i, len = 0, cap = 0;
	int rc, changed;

	if (!sqlite3_get_autocommit(s->db))
		return err_set(ERR_INTERNAL, "events must be claimed in a "
		    "transaction of their own, not inside another");
	if ((rc = sq_stmt_run(s, STMT_BEGIN)) != 0)
		return rc;
	if ((rc = event_due(&ids, &nids, s, max, now)) != 0)
		goto out;
	for (i = 0; i < nids; i++) {
		if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_LEASE, NULL,
		    ids[i])) != 0)
			goto out;
		if (sq_bind_text(stmt, 2, worker) != 0 ||
		    sqlite3_bind_int64(stmt, 3, now + lease_s) != 0) {
			rc = sq_qerr(s, STMT_EVENT_LEASE);
			goto out;
		}
		rc = sq_step_changes(&changed, s, stmt, STMT_EVENT_LEASE);
		stmt = NULL;
		if (rc != 0)
			goto out;
		if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_GET, NULL,
		    ids[i])) != 0 ||
		    (rc = event_rows(&v, &len, &cap, s, stmt,
		    STMT_EVENT_GET)) != 0)
			goto out;
		sq_stmt_done(stmt);
		stmt = NULL;
	}
	if ((rc = sq_stmt_run(s, STMT_COMMIT)) != 0)
		goto out;
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	if (rc != 0 && !sqlite3_get_autocommit(s->db))
		sq_stmt_run(s, STMT_ROLLBACK);
	store_event_list_free(v, len);
	free(ids);
	return rc;
}

int
sq_event_complete(struct store *st, int64_t id, const char *worker,
    int64_t now)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_COMPLETE, NULL, id)) != 0)
		return rc;
	if (sq_bind_text(stmt, 2, worker) != 0 ||
	    sqlite3_bind_int64(stmt, 3, now) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_EVENT_COMPLETE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_EVENT_COMPLETE)) != 0)
		return rc;
	return changed ? 0 : why_unchanged(s, STMT_EVENT_STATE, id, "event",
	    "not held by this worker");
}

int
sq_event_retry(struct store *st, int64_t id, const char *worker,
    const char *error, int64_t next_at, int max_attempts)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_EVENT_RETRY, NULL, id)) != 0)
		return rc;
	if (sq_bind_text(stmt, 2, worker) != 0 ||
	    sq_bind_text(stmt, 3, error) != 0 ||
	    sqlite3_bind_int64(stmt, 4, next_at) != 0 ||
	    sqlite3_bind_int(stmt, 5, max_attempts) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_EVENT_RETRY);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_EVENT_RETRY)) != 0)
		return rc;
	return changed ? 0 : why_unchanged(s, STMT_EVENT_STATE, id, "event",
	    "not held by this worker");
}

/* ---- alerts ---- */

int
sq_alert_raise(struct store *st, const char *key, int64_t now, int *raised)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_ALERT_RAISE, key, 0)) != 0)
		return rc;
	if (sqlite3_bind_int64(stmt, 2, now) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_ALERT_RAISE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_ALERT_RAISE)) != 0)
		return rc;
	*raised = changed > 0;
	return 0;
}

int
sq_alert_clear(struct store *st, const char *key)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_ALERT_CLEAR, key, 0)) != 0)
		return rc;
	return sq_step_changes(&changed, s, stmt, STMT_ALERT_CLEAR);
}
