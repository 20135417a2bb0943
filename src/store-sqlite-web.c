/*
 * store-sqlite-web.c: the SQLite backend of store-web.h: API tokens, the
 * hash-chained audit log, OCSP responder certificates and the counts for
 * the overview. The operations are listed in store_sqlite_web_ops.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "auditlog.h"
#include "err.h"
#include "store-sqlite-int.h"
#include "util/array.h"
#include "util/timefmt.h"

#define ZERO_HASH							\
	"0000000000000000000000000000000000000000000000000000000000000000"

static int
nomem(void)
{
	return err_set(ERR_NOMEM, "out of memory");
}

/* Copy a hash column into a fixed buffer; "" if it is not 64 characters. */
static void
col_hash(char out[STORE_HASH_HEX], sqlite3_stmt *stmt, int i)
{
	const unsigned char *p = sqlite3_column_text(stmt, i);

	out[0] = '\0';
	if (p != NULL && strlen((const char *)p) == STORE_HASH_HEX - 1)
		memcpy(out, p, STORE_HASH_HEX);
}

/* ---- tokens ---- */

static int
token_row(struct store_token **out, sqlite3_stmt *stmt)
{
	struct store_token *t;
	int rc;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return nomem();
	t->id = sqlite3_column_int64(stmt, 0);
	col_hash(t->hash, stmt, 4);
	t->created_at = sqlite3_column_int64(stmt, 5);
	t->expires_at = sqlite3_column_int64(stmt, 6);
	t->revoked_at = sqlite3_column_int64(stmt, 7);
	t->last_used_at = sqlite3_column_int64(stmt, 8);
	if ((rc = sq_col_text(&t->name, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&t->role, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&t->groups, stmt, 3)) != 0) {
		store_token_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int
op_token_put(struct store *st, struct store_token *t)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_TOKEN_PUT, t->name, 0)) != 0)
		goto out;
	if (sq_bind_text(stmt, 2, t->role) != 0 ||
	    sq_bind_text(stmt, 3, t->groups) != 0 ||
	    sq_bind_text(stmt, 4, t->hash) != 0 ||
	    sqlite3_bind_int64(stmt, 5, now) != 0 ||
	    sq_bind_time(stmt, 6, t->expires_at) != 0) {
		rc = sq_qerr(s, STMT_TOKEN_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "a token named "
		    "\"%s\" exists already; revoke it first", t->name) :
		    sq_dberr(s, "cannot store token \"%s\"", t->name);
		goto out;
	}
	t->id = sqlite3_last_insert_rowid(s->db);
	t->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_token_by_hash(struct store_token **out, struct store *st,
    const char *hash)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_TOKEN_BY_HASH, hash, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_TOKEN_BY_HASH)) == 0)
		rc = token_row(out, stmt);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no token with that hash");
	sq_stmt_done(stmt);
	return rc;
}

static int
op_token_list(struct store_token ***out, size_t *n, struct store *st)
{
	struct sqlstore *s = sq(st);
	struct store_token **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get(&stmt, s, STMT_TOKEN_LIST)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = nomem();
			goto out;
		}
		v = nv;
		if ((rc = token_row(&v[len], stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_TOKEN_LIST);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_token_list_free(v, len);
	return rc;
}

/*
 * The revoked_at and last_used_at of token id (0 when unset);
 * ERR_NOTFOUND naming it if there is none.
 */
static int
token_state(int64_t *revoked_at, int64_t *used_at, struct sqlstore *s,
    int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_TOKEN_STATE, NULL, id)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_TOKEN_STATE)) == 0) {
		*revoked_at = sqlite3_column_int64(stmt, 0);
		*used_at = sqlite3_column_int64(stmt, 1);
	} else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no token %lld", (long long)id);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_token_revoke(struct store *st, int64_t id, int64_t at)
{
	struct sqlstore *s = sq(st);
	int64_t revoked_at, used_at;
	int changed = 0, rc;

	if ((rc = sq_run_ids(&changed, s, STMT_TOKEN_REVOKE, id, at)) != 0)
		return rc;
	if (changed)
		return 0;
	if ((rc = token_state(&revoked_at, &used_at, s, id)) != 0)
		return rc;
	return err_set(ERR_EXISTS, "token %lld is revoked already",
	    (long long)id);
}

/*
 * A read first: the common case (used within the minute) then takes no
 * write lock, so API requests never queue behind a long sync transaction
 * just to update a timestamp.
 */
static int
op_token_touch(struct store *st, int64_t id, int64_t at)
{
	struct sqlstore *s = sq(st);
	int64_t revoked_at, used_at;
	int rc;

	if ((rc = token_state(&revoked_at, &used_at, s, id)) != 0)
		return rc;
	if (used_at != 0 && at >= used_at && at - used_at < 60)
		return 0;
	return sq_run_ids(NULL, s, STMT_TOKEN_TOUCH, id, at);
}

/* ---- the audit log ---- */

/* "ID:HASH" -> id and hash; -1 if it is not that shape. */
static int
head_parse(int64_t *id, char hash[STORE_HASH_HEX], const char *v)
{
	const char *colon;
	char *end;
	long long n;

	if ((colon = strchr(v, ':')) == NULL ||
	    strlen(colon + 1) != STORE_HASH_HEX - 1)
		return -1;
	n = strtoll(v, &end, 10);
	if (end != colon || n <= 0)
		return -1;
	*id = n;
	memcpy(hash, colon + 1, STORE_HASH_HEX);
	return 0;
}

/*
 * The entry to chain after: the head setting, which removing the newest
 * rows does not change, so the next entry leaves the gap for verify to
 * find. A store without a head (a log that was never written, or a head
 * somebody removed) chains after its newest row, or from 64 zeros.
 */
static int
audit_head(int64_t *id, char hash[STORE_HASH_HEX], struct sqlstore *s)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *v;
	int rc;

	*id = 0;
	memcpy(hash, ZERO_HASH, STORE_HASH_HEX);
	if ((rc = sq_stmt_get1(&stmt, s, STMT_SETTING_GET,
	    STORE_SETTING_AUDIT_HEAD, 0)) != 0)
		return rc;
	if ((rc = sq_stmt_row(s, stmt, STMT_SETTING_GET)) == 0 &&
	    (v = sqlite3_column_text(stmt, 0)) != NULL &&
	    head_parse(id, hash, (const char *)v) == 0) {
		sq_stmt_done(stmt);
		return 0;
	}
	sq_stmt_done(stmt);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if ((rc = sq_stmt_get(&stmt, s, STMT_AUDIT_NEWEST)) != 0)
		return rc;
	if ((rc = sq_stmt_row(s, stmt, STMT_AUDIT_NEWEST)) == 0) {
		*id = sqlite3_column_int64(stmt, 0);
		col_hash(hash, stmt, 1);
	} else if (rc == ERR_NOTFOUND)
		rc = 0;
	sq_stmt_done(stmt);
	return rc;
}

static int
audit_insert(struct sqlstore *s, const struct store_audit *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_AUDIT_PUT, NULL, e->id)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, e->at) != 0 ||
	    sq_bind_text(stmt, 3, e->actor) != 0 ||
	    sq_bind_text(stmt, 4, e->action) != 0 ||
	    sq_bind_text(stmt, 5, e->target != NULL ? e->target : "") != 0 ||
	    sq_bind_text(stmt, 6, e->result) != 0 ||
	    sq_bind_text(stmt, 7, e->prev_hash) != 0 ||
	    sq_bind_text(stmt, 8, e->hash) != 0) {
		rc = sq_qerr(s, STMT_AUDIT_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_conflict(s) ? err_set(ERR_STORE, "%s: audit entry "
		    "%lld exists beyond the recorded head; run \"mailcert "
		    "audit verify\"", s->path, (long long)e->id) :
		    sq_qerr(s, STMT_AUDIT_PUT);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
audit_set_head(struct sqlstore *s, const struct store_audit *e)
{
	sqlite3_stmt *stmt = NULL;
	char v[32 + STORE_HASH_HEX];
	int changed, rc;

	snprintf(v, sizeof(v), "%" PRId64 ":%s", e->id, e->hash);
	if ((rc = sq_stmt_get1(&stmt, s, STMT_SETTING_SET,
	    STORE_SETTING_AUDIT_HEAD, 0)) != 0)
		return rc;
	if (sq_bind_text(stmt, 2, v) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_SETTING_SET);
	}
	return sq_step_changes(&changed, s, stmt, STMT_SETTING_SET);
}

/*
 * Reading the head and writing the entry after it must be one write
 * transaction, or two connections could both chain after the same entry:
 * BEGIN IMMEDIATE takes the write lock before the head is read.
 */
static int
op_audit_append(struct store *st, struct store_audit *e)
{
	struct sqlstore *s = sq(st);
	int own, rc;

	own = sqlite3_get_autocommit(s->db);
	if (own && (rc = sq_stmt_run(s, STMT_BEGIN)) != 0)
		return rc;
	if ((rc = audit_head(&e->id, e->prev_hash, s)) != 0)
		goto out;
	e->id++;
	auditlog_hash(e->hash, e);
	if (e->hash[0] == '\0') {
		rc = err_ossl(ERR_CRYPTO, "cannot hash audit entry %lld",
		    (long long)e->id);
		goto out;
	}
	if ((rc = audit_insert(s, e)) != 0 ||
	    (rc = audit_set_head(s, e)) != 0)
		goto out;
	if (own)
		rc = sq_stmt_run(s, STMT_COMMIT);
out:
	if (rc != 0 && own && !sqlite3_get_autocommit(s->db))
		sq_stmt_run(s, STMT_ROLLBACK);
	return rc;
}

static int
audit_row(struct store_audit **out, sqlite3_stmt *stmt)
{
	struct store_audit *e;
	int rc;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return nomem();
	e->id = sqlite3_column_int64(stmt, 0);
	e->at = sqlite3_column_int64(stmt, 1);
	col_hash(e->prev_hash, stmt, 6);
	col_hash(e->hash, stmt, 7);
	if ((rc = sq_col_text(&e->actor, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&e->action, stmt, 3)) != 0 ||
	    (rc = sq_col_text(&e->target, stmt, 4)) != 0 ||
	    (rc = sq_col_text(&e->result, stmt, 5)) != 0) {
		store_audit_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* The entries of cached query id bound to (a, limit). */
static int
audit_rows(struct store_audit ***out, size_t *n, struct sqlstore *s,
    enum stmt id, int64_t a, size_t limit)
{
	struct store_audit **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, id, NULL, a)) != 0)
		goto out;
	/* A negative LIMIT is none. */
	if (sqlite3_bind_int64(stmt, 2, limit == 0 || limit > INT64_MAX ?
	    -1 : (int64_t)limit) != 0) {
		rc = sq_qerr(s, id);
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = nomem();
			goto out;
		}
		v = nv;
		if ((rc = audit_row(&v[len], stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, id);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_audit_list_free(v, len);
	return rc;
}

static int
op_audit_list(struct store_audit ***out, size_t *n, struct store *st,
    int64_t after_id, size_t limit)
{
	return audit_rows(out, n, sq(st), STMT_AUDIT_LIST, after_id, limit);
}

static int
op_audit_list_desc(struct store_audit ***out, size_t *n, struct store *st,
    int64_t before_id, size_t limit)
{
	return audit_rows(out, n, sq(st), STMT_AUDIT_LIST_DESC, before_id,
	    limit);
}

/* ---- OCSP responders ---- */

static int
op_responder_put(struct store *st, struct store_responder *r)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_RESPONDER_PUT, NULL,
	    r->ca_id)) != 0)
		goto out;
	if (sq_bind_text(stmt, 2, r->serial) != 0 ||
	    sq_bind_text(stmt, 3, r->key_id) != 0 ||
	    sq_bind_blob(stmt, 4, r->der, r->der_len) != 0 ||
	    sqlite3_bind_int64(stmt, 5, r->not_before) != 0 ||
	    sqlite3_bind_int64(stmt, 6, r->not_after) != 0 ||
	    sqlite3_bind_int64(stmt, 7, now) != 0) {
		rc = sq_qerr(s, STMT_RESPONDER_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "serial %s is "
		    "taken already", r->serial) : sq_dberr(s, "cannot store "
		    "OCSP responder %s", r->serial);
		goto out;
	}
	r->id = sqlite3_last_insert_rowid(s->db);
	r->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_responder_latest(struct store_responder **out, struct store *st,
    int64_t ca_id)
{
	struct sqlstore *s = sq(st);
	struct store_responder *r = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_RESPONDER_LATEST, NULL,
	    ca_id)) != 0)
		goto out;
	if ((rc = sq_stmt_row(s, stmt, STMT_RESPONDER_LATEST)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_NOTFOUND, "CA %lld has no OCSP "
			    "responder", (long long)ca_id);
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = nomem();
		goto out;
	}
	r->id = sqlite3_column_int64(stmt, 0);
	r->ca_id = sqlite3_column_int64(stmt, 1);
	r->not_before = sqlite3_column_int64(stmt, 5);
	r->not_after = sqlite3_column_int64(stmt, 6);
	r->created_at = sqlite3_column_int64(stmt, 7);
	if ((rc = sq_col_text(&r->serial, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&r->key_id, stmt, 3)) != 0 ||
	    (rc = sq_col_blob(&r->der, &r->der_len, stmt, 4)) != 0)
		goto out;
	*out = r;
	r = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_responder_free(r);
	return rc;
}

/* ---- counts ---- */

static int
op_stats_get(struct store_stats *out, struct store *st, int64_t now)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t k;
	int rc, state, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_STATS_CERTS, NULL, now)) != 0)
		return rc;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		k = sqlite3_column_int64(stmt, 0);
		if (k >= 0 && k < 3)
			out->certs[k] = (size_t)sqlite3_column_int64(stmt, 1);
	}
	rc = step == SQLITE_DONE ? 0 : sq_qerr(s, STMT_STATS_CERTS);
	sq_stmt_done(stmt);
	if (rc != 0)
		return rc;
	if ((rc = sq_stmt_get(&stmt, s, STMT_STATS_EVENTS)) != 0)
		return rc;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((state = sq_col_enum(stmt, 0,
		    store_event_state_parse)) < 0)
			continue;
		out->events[state] = (size_t)sqlite3_column_int64(stmt, 1);
		if (state == STORE_EVENT_PENDING)
			out->oldest_pending_at = sqlite3_column_int64(stmt, 2);
	}
	rc = step == SQLITE_DONE ? 0 : sq_qerr(s, STMT_STATS_EVENTS);
	sq_stmt_done(stmt);
	return rc;
}

const struct store_web_ops store_sqlite_web_ops = {
	.token_put = op_token_put,
	.token_by_hash = op_token_by_hash,
	.token_list = op_token_list,
	.token_revoke = op_token_revoke,
	.token_touch = op_token_touch,
	.audit_append = op_audit_append,
	.audit_list = op_audit_list,
	.audit_list_desc = op_audit_list_desc,
	.responder_put = op_responder_put,
	.responder_latest = op_responder_latest,
	.stats_get = op_stats_get,
};
