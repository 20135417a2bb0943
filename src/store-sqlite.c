/*
 * store-sqlite.c: the SQLite store backend.
 *
 * One connection per struct store, in WAL mode so readers (OCSP, CRL
 * downloads) never wait for the writer, with synchronous=FULL because a
 * certificate that was handed out must still be on record after a power
 * loss (RFC 5280 5.2.3: a CRL must be able to name every serial issued).
 * The schema is built by numbered migrations tracked in PRAGMA user_version.
 *
 * Serials are unique across CAs and leaves forever: triggers copy every
 * serial into the serials table, whose primary key refuses a second use in
 * the same statement that stores the certificate, whoever writes the row.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "err.h"
#include "store-sqlite-int.h"
#include "util/timefmt.h"
#include "util/array.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* ERR_STORE with what we were doing and SQLite's reason. */
int
sq_dberr(struct sqlstore *s, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(ERR_STORE, "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

int
sq_qerr(struct sqlstore *s, enum stmt id)
{
	return sq_dberr(s, "cannot %s", sq_queries[id].what);
}

/* 1 if the last failure was a UNIQUE or PRIMARY KEY conflict. */
int
sq_conflict(struct sqlstore *s)
{
	int x = sqlite3_extended_errcode(s->db);

	return x == SQLITE_CONSTRAINT_UNIQUE ||
	    x == SQLITE_CONSTRAINT_PRIMARYKEY;
}

int
sq_bind_text(sqlite3_stmt *stmt, int i, const char *v)
{
	/* A NULL v binds SQL NULL. */
	return sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC);
}

int
sq_bind_blob(sqlite3_stmt *stmt, int i, const void *v, size_t len)
{
	return sqlite3_bind_blob64(stmt, i, v, len, SQLITE_STATIC);
}

/* The cached statement id, prepared on first use; borrowed. */
int
sq_stmt_get(sqlite3_stmt **out, struct sqlstore *s, enum stmt id)
{
	*out = NULL;
	if (s->stmts[id] == NULL && sqlite3_prepare_v3(s->db,
	    sq_queries[id].sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id],
	    NULL) != SQLITE_OK)
		return sq_qerr(s, id);
	*out = s->stmts[id];
	return 0;
}

/*
 * As sq_stmt_get(), with ?1, if the statement has parameters, bound to text,
 * or to num if text is NULL.
 */
int
sq_stmt_get1(sqlite3_stmt **out, struct sqlstore *s, enum stmt id,
    const char *text, int64_t num)
{
	int rc;

	if ((rc = sq_stmt_get(out, s, id)) != 0)
		return rc;
	if (sqlite3_bind_parameter_count(*out) == 0)
		return 0;
	if ((text != NULL ? sq_bind_text(*out, 1, text) :
	    sqlite3_bind_int64(*out, 1, num)) != SQLITE_OK)
		return sq_qerr(s, id);
	return 0;
}

/* Step a bound query to its first row; ERR_NOTFOUND, unset, if none. */
int
sq_stmt_row(struct sqlstore *s, sqlite3_stmt *stmt, enum stmt id)
{
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		return 0;
	case SQLITE_DONE:
		return ERR_NOTFOUND;
	default:
		return sq_qerr(s, id);
	}
}

/*
 * Make a cached statement ready for its next use. Resetting also ends the
 * read it may hold open, which would otherwise pin the WAL snapshot, and
 * clearing drops the bindings, which point into the caller's memory
 * (SQLITE_STATIC: nothing is copied on the hot path).
 */
void
sq_stmt_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Run a cached statement that takes no parameters and returns no rows. */
int
sq_stmt_run(struct sqlstore *s, enum stmt id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, id)) == 0 &&
	    sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_qerr(s, id);
	sq_stmt_done(stmt);
	return rc;
}

/* The single integer a PRAGMA returns. */
static int
pragma_int(int *out, struct sqlstore *s, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int rc = 0;

	*out = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		rc = sq_dberr(s, "%s", sql);
	else
		*out = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

int
sq_col_text(char **out, sqlite3_stmt *stmt, int i)
{
	const unsigned char *p;

	*out = NULL;
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return 0;
	if ((p = sqlite3_column_text(stmt, i)) == NULL ||
	    (*out = strdup((const char *)p)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

int
sq_col_blob(unsigned char **out, size_t *len, sqlite3_stmt *stmt, int i)
{
	const void *p;
	int n;

	*out = NULL;
	*len = 0;
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return 0;
	p = sqlite3_column_blob(stmt, i);
	n = sqlite3_column_bytes(stmt, i);
	/* An empty blob reads as NULL; a NULL with bytes is out of memory. */
	if ((n > 0 && p == NULL) || (*out = malloc(n > 0 ? n : 1)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (n > 0)
		memcpy(*out, p, n);
	*len = n;
	return 0;
}

/* Column i's text as the enum value names_parse() finds, or -1. */
int
sq_col_enum(sqlite3_stmt *stmt, int i, int (*names_parse)(const char *))
{
	const unsigned char *p = sqlite3_column_text(stmt, i);

	return p == NULL ? -1 : names_parse((const char *)p);
}

/* Bind t to parameter i, or leave it NULL when t is 0 (unset). */
int
sq_bind_time(sqlite3_stmt *stmt, int i, int64_t t)
{
	return t == 0 ? sqlite3_bind_null(stmt, i) :
	    sqlite3_bind_int64(stmt, i, t);
}

/* Step a bound UPDATE/DELETE; *changed is the number of rows it touched. */
int
sq_step_changes(int *changed, struct sqlstore *s, sqlite3_stmt *stmt,
    enum stmt id)
{
	int rc = 0;

	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_qerr(s, id);
	else
		*changed = sqlite3_changes(s->db);
	sq_stmt_done(stmt);
	return rc;
}

/* Bind an id, or NULL for 0 (none). */
int
sq_bind_id(sqlite3_stmt *stmt, int i, int64_t id)
{
	return id == 0 ? sqlite3_bind_null(stmt, i) :
	    sqlite3_bind_int64(stmt, i, id);
}

/* Run a cached statement bound to (a, b), both integers (b only if it
 * takes two); *changed (may be NULL) is the number of rows it touched. */
int
sq_run_ids(int *changed, struct sqlstore *s, enum stmt id, int64_t a, int64_t b)
{
	sqlite3_stmt *stmt = NULL;
	int dummy, rc;

	if ((rc = sq_stmt_get1(&stmt, s, id, NULL, a)) != 0)
		return rc;
	if (sqlite3_bind_parameter_count(stmt) >= 2 &&
	    sqlite3_bind_int64(stmt, 2, b) != SQLITE_OK) {
		sq_stmt_done(stmt);
		return sq_qerr(s, id);
	}
	return sq_step_changes(changed != NULL ? changed : &dummy, s, stmt,
	    id);
}

/*
 * The database holds escrowed (sealed) keys and every subscriber's
 * address; SQLite would create it world-readable, and its -wal and -shm
 * files copy the database's mode, so create it private first.
 */
static int
create_private(const char *path)
{
	int fd;

	/*
	 * O_EXCL: never open and close an existing database, since close()
	 * drops every POSIX lock this process holds on it, including those
	 * of other connections in other threads (sqlite.org/howtocorrupt).
	 */
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		if (errno == EEXIST)
			return 0;
		return err_set(ERR_IO, "cannot open store \"%s\": %s", path,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

static int
migrate(struct sqlstore *s)
{
	char sql[64];
	int have, rc;
	size_t v;

	if ((rc = pragma_int(&have, s, "PRAGMA user_version")) != 0)
		return rc;
	/* Up to date: the usual case takes no write lock. */
	if (have == (int)sq_nmigrations)
		return 0;
	if ((rc = sq_stmt_run(s, STMT_BEGIN)) != 0)
		return rc;
	/* Another process may have migrated while we waited for the lock. */
	if ((rc = pragma_int(&have, s, "PRAGMA user_version")) != 0)
		goto out;
	if (have < 0 || have > (int)sq_nmigrations) {
		rc = err_set(ERR_STORE, "%s: schema version %d is newer than "
		    "this mailcert knows (%zu)", s->path, have,
		    sq_nmigrations);
		goto out;
	}
	for (v = have; v < sq_nmigrations; v++) {
		if (sqlite3_exec(s->db, sq_migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = sq_dberr(s, "schema migration %zu failed", v + 1);
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu",
	    sq_nmigrations);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_dberr(s, "cannot record the schema version");
		goto out;
	}
	rc = sq_stmt_run(s, STMT_COMMIT);
out:
	if (rc != 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void
op_close(struct store *st)
{
	struct sqlstore *s = sq(st);
	size_t i;

	for (i = 0; i < nitems(s->stmts); i++)
		sqlite3_finalize(s->stmts[i]);
	/* Every statement is finalized, so close cannot be refused. */
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int
op_open(struct store **out, const struct config *cfg)
{
	struct sqlstore *s = NULL;
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int rc;

	*out = NULL;
	if (cfg->store_path == NULL || cfg->store_path[0] == '\0')
		return err_set(ERR_INVALID, "no store path is configured");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(cfg->store_path)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	s->base.ops = &store_sqlite_ops;
	if ((rc = create_private(s->path)) != 0)
		goto out;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = s->db == NULL ? err_set(ERR_NOMEM, "out of memory") :
		    sq_dberr(s, "cannot open");
		goto out;
	}
	if (sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA foreign_keys = ON; "
	    "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_dberr(s, "cannot configure the connection");
		goto out;
	}
	/* The pragma answers with the mode it could set, not an error. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		rc = sq_dberr(s, "cannot switch to WAL");
		goto out;
	}
	mode = sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		rc = err_set(ERR_STORE, "%s: journal mode is \"%s\", not WAL",
		    s->path, mode ? (const char *)mode : "");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if ((rc = migrate(s)) != 0)
		goto out;
	*out = &s->base;
	s = NULL;	/* transferred */
out:
	sqlite3_finalize(stmt);
	if (s != NULL)
		op_close(&s->base);
	return rc;
}

static int
op_begin(struct store *st)
{
	return sq_stmt_run(sq(st), STMT_BEGIN);
}

static int
op_commit(struct store *st)
{
	return sq_stmt_run(sq(st), STMT_COMMIT);
}

static void
op_rollback(struct store *st)
{
	struct sqlstore *s = sq(st);

	/* SQLite rolls back by itself on some errors (full disk, I/O). */
	if (sqlite3_get_autocommit(s->db))
		return;
	sq_stmt_run(s, STMT_ROLLBACK);
}

static int
op_schema_version(int *out, struct store *st)
{
	return pragma_int(out, sq(st), "PRAGMA user_version");
}

static int
op_key_put(struct store *st, const struct store_key *k)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	assert(k->id != NULL);
	if ((rc = sq_stmt_get(&stmt, s, STMT_KEY_PUT)) != 0)
		goto out;
	if (sq_bind_text(stmt, 1, k->id) != 0 ||
	    sq_bind_text(stmt, 2, k->alg) != 0 ||
	    sq_bind_blob(stmt, 3, k->sealed, k->sealed_len) != 0 ||
	    sqlite3_bind_int64(stmt, 4, timefmt_now()) != 0) {
		rc = sq_qerr(s, STMT_KEY_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "key \"%s\" exists "
		    "already", k->id) : sq_dberr(s, "cannot store key \"%s\"",
		    k->id);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_key_get(struct store_key **out, struct store *st, const char *id)
{
	struct sqlstore *s = sq(st);
	struct store_key *k = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if ((rc = sq_stmt_get1(&stmt, s, STMT_KEY_GET, id, 0)) != 0)
		goto out;
	if ((rc = sq_stmt_row(s, stmt, STMT_KEY_GET)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_NOTFOUND, "no key \"%s\"", id);
		goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = sq_col_text(&k->id, stmt, 0)) != 0 ||
	    (rc = sq_col_text(&k->alg, stmt, 1)) != 0 ||
	    (rc = sq_col_blob(&k->sealed, &k->sealed_len, stmt, 2)) != 0)
		goto out;
	*out = k;
	k = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_key_free(k);
	return rc;
}

/* The CA on the current row of a CA_COLS query. */
static int
ca_row(struct store_ca **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_ca *ca = NULL;
	int role, state, rc;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	ca->id = sqlite3_column_int64(stmt, 0);
	role = sq_col_enum(stmt, 2, store_ca_role_parse);
	state = sq_col_enum(stmt, 4, store_ca_state_parse);
	if (role < 0 || state < 0) {
		rc = err_set(ERR_STORE, "%s: CA %lld has an unknown role or "
		    "state", s->path, (long long)ca->id);
		goto out;
	}
	ca->role = role;
	ca->state = state;
	ca->parent_id = sqlite3_column_int64(stmt, 3);
	if ((rc = sq_col_text(&ca->name, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&ca->serial, stmt, 5)) != 0 ||
	    (rc = sq_col_text(&ca->key_id, stmt, 6)) != 0 ||
	    (rc = sq_col_blob(&ca->der, &ca->der_len, stmt, 7)) != 0)
		goto out;
	ca->not_before = sqlite3_column_int64(stmt, 8);
	ca->not_after = sqlite3_column_int64(stmt, 9);
	ca->created_at = sqlite3_column_int64(stmt, 10);
	*out = ca;
	ca = NULL;	/* transferred */
out:
	store_ca_free(ca);
	return rc;
}

/*
 * The CA that query id finds by name, or by num when name is NULL;
 * ERR_NOTFOUND, with no message set, if there is none.
 */
static int
ca_find(struct store_ca **out, struct sqlstore *s, enum stmt id,
    const char *name, int64_t num)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if ((rc = sq_stmt_get1(&stmt, s, id, name, num)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, id)) == 0)
		rc = ca_row(out, s, stmt);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_ca_put(struct store *st, struct store_ca *ca)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int rc;

	assert(ca->name != NULL);
	if ((rc = sq_stmt_get(&stmt, s, STMT_CA_PUT)) != 0)
		goto out;
	/* A root's parent_id stays unbound: NULL, not a dangling 0. */
	if (sq_bind_text(stmt, 1, ca->name) != 0 ||
	    sq_bind_text(stmt, 2, store_ca_role_name(ca->role)) != 0 ||
	    (ca->parent_id != 0 &&
	    sqlite3_bind_int64(stmt, 3, ca->parent_id) != 0) ||
	    sq_bind_text(stmt, 4, store_ca_state_name(ca->state)) != 0 ||
	    sq_bind_text(stmt, 5, ca->serial) != 0 ||
	    sq_bind_text(stmt, 6, ca->key_id) != 0 ||
	    sq_bind_blob(stmt, 7, ca->der, ca->der_len) != 0 ||
	    sqlite3_bind_int64(stmt, 8, ca->not_before) != 0 ||
	    sqlite3_bind_int64(stmt, 9, ca->not_after) != 0 ||
	    sqlite3_bind_int64(stmt, 10, now) != 0) {
		rc = sq_qerr(s, STMT_CA_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		if (!sq_conflict(s))
			rc = sq_dberr(s, "cannot store CA \"%s\"", ca->name);
		else if (strstr(sqlite3_errmsg(s->db), "cas.name") != NULL)
			rc = err_set(ERR_EXISTS, "a CA named \"%s\" exists "
			    "already", ca->name);
		else
			rc = err_set(ERR_EXISTS, "serial %s was used before",
			    ca->serial);
		goto out;
	}
	ca->id = sqlite3_last_insert_rowid(s->db);
	ca->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_ca_get(struct store_ca **out, struct store *st, const char *name)
{
	int rc;

	if ((rc = ca_find(out, sq(st), STMT_CA_GET, name, 0)) == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no CA named \"%s\"", name);
	return rc;
}

static int
op_ca_get_id(struct store_ca **out, struct store *st, int64_t id)
{
	int rc;

	if ((rc = ca_find(out, sq(st), STMT_CA_GET_ID, NULL, id)) ==
	    ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no CA with id %lld", (long long)id);
	return rc;
}

static int
op_ca_current(struct store_ca **out, struct store *st)
{
	int rc;

	if ((rc = ca_find(out, sq(st), STMT_CA_CURRENT, NULL, 0)) ==
	    ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no active issuing CA");
	return rc;
}

static int
op_ca_list(struct store_ca ***out, size_t *n, struct store *st)
{
	struct sqlstore *s = sq(st);
	struct store_ca **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = sq_stmt_get(&stmt, s, STMT_CA_LIST)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		if ((rc = ca_row(&v[len], s, stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_CA_LIST);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_ca_list_free(v, len);
	return rc;
}

/* The certificate on the current row of a CERT_COLS query. */
static int
cert_row(struct store_cert **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_cert *c = NULL;
	int state, rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	c->id = sqlite3_column_int64(stmt, 0);
	c->ca_id = sqlite3_column_int64(stmt, 2);
	if ((state = sq_col_enum(stmt, 14, store_cert_state_parse)) < 0) {
		rc = err_set(ERR_STORE, "%s: certificate %lld has an unknown "
		    "state", s->path, (long long)c->id);
		goto out;
	}
	c->state = state;
	if ((rc = sq_col_text(&c->serial, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&c->ca_name, stmt, 3)) != 0 ||
	    (rc = sq_col_text(&c->email, stmt, 4)) != 0 ||
	    (rc = sq_col_text(&c->given_name, stmt, 5)) != 0 ||
	    (rc = sq_col_text(&c->surname, stmt, 6)) != 0 ||
	    (rc = sq_col_text(&c->profile, stmt, 7)) != 0 ||
	    (rc = sq_col_text(&c->key_alg, stmt, 8)) != 0 ||
	    (rc = sq_col_text(&c->key_id, stmt, 9)) != 0 ||
	    (rc = sq_col_blob(&c->der, &c->der_len, stmt, 10)) != 0)
		goto out;
	c->not_before = sqlite3_column_int64(stmt, 11);
	c->not_after = sqlite3_column_int64(stmt, 12);
	c->created_at = sqlite3_column_int64(stmt, 13);
	c->reason = sqlite3_column_int(stmt, 15);
	c->revoked_at = sqlite3_column_int64(stmt, 16);
	if ((rc = sq_col_text(&c->usage, stmt, 17)) != 0 ||
	    (rc = sq_col_text(&c->superseded_by, stmt, 18)) != 0)
		goto out;
	c->key_released_at = sqlite3_column_int64(stmt, 19);
	c->user_id = sqlite3_column_int64(stmt, 20);
	*out = c;
	c = NULL;	/* transferred */
out:
	store_cert_free(c);
	return rc;
}

static int
op_cert_put(struct store *st, struct store_cert *c)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int revoked = c->state == CERT_STATE_REVOKED, rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_CERT_PUT)) != 0)
		goto out;
	/* Left unbound, reason and revoked_at stay NULL for a valid one. */
	if (sq_bind_text(stmt, 1, c->serial) != 0 ||
	    sqlite3_bind_int64(stmt, 2, c->ca_id) != 0 ||
	    sq_bind_text(stmt, 3, c->email) != 0 ||
	    sq_bind_text(stmt, 4, c->given_name) != 0 ||
	    sq_bind_text(stmt, 5, c->surname) != 0 ||
	    sq_bind_text(stmt, 6, c->profile) != 0 ||
	    sq_bind_text(stmt, 7, c->key_alg) != 0 ||
	    sq_bind_text(stmt, 8, c->key_id) != 0 ||
	    sq_bind_blob(stmt, 9, c->der, c->der_len) != 0 ||
	    sqlite3_bind_int64(stmt, 10, c->not_before) != 0 ||
	    sqlite3_bind_int64(stmt, 11, c->not_after) != 0 ||
	    sqlite3_bind_int64(stmt, 12, now) != 0 ||
	    sq_bind_text(stmt, 13, store_cert_state_name(c->state)) != 0 ||
	    (revoked && (sqlite3_bind_int(stmt, 14, c->reason) != 0 ||
	    sqlite3_bind_int64(stmt, 15, c->revoked_at) != 0)) ||
	    sq_bind_text(stmt, 16, c->usage != NULL ? c->usage : "both") != 0 ||
	    (c->user_id != 0 &&
	    sqlite3_bind_int64(stmt, 17, c->user_id) != 0)) {
		rc = sq_qerr(s, STMT_CERT_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "serial %s was used "
		    "before", c->serial) : sq_dberr(s, "cannot store "
		    "certificate %s (CA id %lld)", c->serial,
		    (long long)c->ca_id);
		goto out;
	}
	c->id = sqlite3_last_insert_rowid(s->db);
	c->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_cert_get(struct store_cert **out, struct store *st, const char *serial)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if ((rc = sq_stmt_get1(&stmt, s, STMT_CERT_GET, serial, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_CERT_GET)) == 0)
		rc = cert_row(out, s, stmt);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no certificate with serial %s",
		    serial);
	sq_stmt_done(stmt);
	return rc;
}

/*
 * Only the filters in use go into the SQL, so that SQLite can pick the
 * email, user or (ca_id, state) index; the fragments are constants and every
 * value is bound.
 */
static int
op_cert_list(struct store_cert ***out, size_t *n, struct store *st,
    const struct store_cert_filter *f)
{
	struct sqlstore *s = sq(st);
	struct store_cert **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	char sql[768];
	size_t len = 0, cap = 0;
	int rc = 0, step;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT " CERT_COLS " WHERE 1%s%s%s%s%s%s "
	    "ORDER BY c.id",
	    f->email != NULL ? " AND c.email = :email" : "",
	    f->ca_id != 0 ? " AND c.ca_id = :ca" : "",
	    f->state != -1 ? " AND c.state = :state" : "",
	    f->expired == 1 ? " AND c.not_after < :now" :
	    f->expired == 0 ? " AND c.not_after >= :now" : "",
	    f->managed == 1 ? " AND c.user_id IS NOT NULL" :
	    f->managed == 2 ? " AND c.user_id IS NULL" : "",
	    f->user_id != 0 ? " AND c.user_id = :user" : "");
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    (f->email != NULL && sq_bind_text(stmt,
	    sqlite3_bind_parameter_index(stmt, ":email"), f->email) != 0) ||
	    (f->ca_id != 0 && sqlite3_bind_int64(stmt,
	    sqlite3_bind_parameter_index(stmt, ":ca"), f->ca_id) != 0) ||
	    (f->state != -1 && sq_bind_text(stmt,
	    sqlite3_bind_parameter_index(stmt, ":state"),
	    store_cert_state_name(f->state)) != 0) ||
	    (f->expired != -1 && sqlite3_bind_int64(stmt,
	    sqlite3_bind_parameter_index(stmt, ":now"), f->now) != 0) ||
	    (f->user_id != 0 && sqlite3_bind_int64(stmt,
	    sqlite3_bind_parameter_index(stmt, ":user"), f->user_id) != 0)) {
		rc = sq_dberr(s, "cannot list certificates");
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		if ((rc = cert_row(&v[len], s, stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_dberr(s, "cannot list certificates");
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sqlite3_finalize(stmt);
	store_cert_list_free(v, len);
	return rc;
}

static int
op_cert_revoke(struct store *st, const char *serial, int reason, int64_t at)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_CERT_REVOKE, serial, 0)) != 0)
		goto out;
	if (sqlite3_bind_int(stmt, 2, reason) != 0 ||
	    sqlite3_bind_int64(stmt, 3, at) != 0 ||
	    sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_dberr(s, "cannot revoke certificate %s", serial);
		goto out;
	}
	if (sqlite3_changes(s->db) == 1)
		goto out;
	/* Nothing changed: tell an unknown serial from a revoked one. */
	sq_stmt_done(stmt);
	if ((rc = sq_stmt_get1(&stmt, s, STMT_CERT_STATE, serial, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_CERT_STATE)) == 0)
		rc = err_set(ERR_EXISTS, "certificate %s is revoked already",
		    serial);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no certificate with serial %s",
		    serial);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_cert_supersede(struct store *st, const char *serial, const char *by)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_CERT_SUPERSEDE)) != 0)
		return rc;
	if (sq_bind_text(stmt, 1, serial) != 0 ||
	    sq_bind_text(stmt, 2, by) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_CERT_SUPERSEDE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_CERT_SUPERSEDE)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no certificate with "
	    "serial %s", serial);
}

static int
op_cert_release_key(struct store *st, const char *serial, const char *key_id,
    int64_t at)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_CERT_RELEASE)) != 0)
		return rc;
	if (sq_bind_text(stmt, 1, serial) != 0 ||
	    sqlite3_bind_int64(stmt, 2, at) != 0 ||
	    sq_bind_text(stmt, 3, key_id) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_CERT_RELEASE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_CERT_RELEASE)) != 0)
		return rc;
	if (!changed)
		return err_set(ERR_NOTFOUND, "certificate %s holds no key %s",
		    serial, key_id);
	if ((rc = sq_stmt_get(&stmt, s, STMT_KEY_DELETE)) != 0)
		return rc;
	if (sq_bind_text(stmt, 1, key_id) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_KEY_DELETE);
	}
	return sq_step_changes(&changed, s, stmt, STMT_KEY_DELETE);
}

static int
op_ca_set_state(struct store *st, const char *name, enum store_ca_state state)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_CA_STATE)) != 0)
		return rc;
	if (sq_bind_text(stmt, 1, name) != 0 ||
	    sq_bind_text(stmt, 2, store_ca_state_name(state)) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_CA_STATE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_CA_STATE)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no CA named \"%s\"",
	    name);
}

static int
op_crl_put(struct store *st, const struct store_crl *crl)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_CRL_PUT, NULL, crl->ca_id)) != 0)
		goto out;
	if (sqlite3_bind_int64(stmt, 2, crl->number) != 0 ||
	    sqlite3_bind_int64(stmt, 3, crl->this_update) != 0 ||
	    sqlite3_bind_int64(stmt, 4, crl->next_update) != 0 ||
	    sq_bind_blob(stmt, 5, crl->der, crl->der_len) != 0) {
		rc = sq_qerr(s, STMT_CRL_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "CRL %lld of CA %lld "
		    "exists already", (long long)crl->number,
		    (long long)crl->ca_id) : sq_dberr(s, "cannot store CRL "
		    "%lld of CA %lld", (long long)crl->number,
		    (long long)crl->ca_id);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_crl_last_number(int64_t *out, struct store *st, int64_t ca_id)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = 0;
	/* MAX() over no rows is one NULL row, so COALESCE always answers. */
	if ((rc = sq_stmt_get1(&stmt, s, STMT_CRL_LAST, NULL, ca_id)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_CRL_LAST)) == 0)
		*out = sqlite3_column_int64(stmt, 0);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_crl_latest(struct store_crl **out, struct store *st, int64_t ca_id)
{
	struct sqlstore *s = sq(st);
	struct store_crl *crl = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if ((rc = sq_stmt_get1(&stmt, s, STMT_CRL_LATEST, NULL, ca_id)) != 0)
		goto out;
	if ((rc = sq_stmt_row(s, stmt, STMT_CRL_LATEST)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_NOTFOUND, "no CRL was generated for "
			    "CA %lld", (long long)ca_id);
		goto out;
	}
	if ((crl = calloc(1, sizeof(*crl))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	crl->ca_id = sqlite3_column_int64(stmt, 0);
	crl->number = sqlite3_column_int64(stmt, 1);
	crl->this_update = sqlite3_column_int64(stmt, 2);
	crl->next_update = sqlite3_column_int64(stmt, 3);
	if ((rc = sq_col_blob(&crl->der, &crl->der_len, stmt, 4)) != 0)
		goto out;
	*out = crl;
	crl = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_crl_free(crl);
	return rc;
}

static const char *
method_text(enum store_domain_method m)
{
	return m == STORE_DOMAIN_NONE ? NULL : store_domain_method_name(m);
}

/* The domain on the current row of a DOMAIN_COLS query. */
static int
domain_row(struct store_domain **out, struct sqlstore *s, sqlite3_stmt *stmt)
{
	struct store_domain *d = NULL;
	int method = STORE_DOMAIN_NONE, rc;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = sq_col_text(&d->name, stmt, 0)) != 0 ||
	    (rc = sq_col_text(&d->token, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&d->last_error, stmt, 7)) != 0)
		goto out;
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL &&
	    (method = sq_col_enum(stmt, 5, store_domain_method_parse)) < 0) {
		rc = err_set(ERR_STORE, "%s: domain \"%s\" has an unknown "
		    "verification method", s->path, d->name);
		goto out;
	}
	d->method = method;
	d->created_at = sqlite3_column_int64(stmt, 2);
	d->verified_at = sqlite3_column_int64(stmt, 3);
	d->valid_until = sqlite3_column_int64(stmt, 4);
	d->last_check_at = sqlite3_column_int64(stmt, 6);
	*out = d;
	d = NULL;	/* transferred */
out:
	store_domain_free(d);
	return rc;
}

static int
op_domain_put(struct store *st, struct store_domain *d)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_DOMAIN_PUT)) != 0)
		goto out;
	if (sq_bind_text(stmt, 1, d->name) != 0 ||
	    sq_bind_text(stmt, 2, d->token) != 0 ||
	    sqlite3_bind_int64(stmt, 3, now) != 0 ||
	    sq_bind_time(stmt, 4, d->verified_at) != 0 ||
	    sq_bind_time(stmt, 5, d->valid_until) != 0 ||
	    sq_bind_text(stmt, 6, method_text(d->method)) != 0 ||
	    sq_bind_time(stmt, 7, d->last_check_at) != 0 ||
	    sq_bind_text(stmt, 8, d->last_error) != 0) {
		rc = sq_qerr(s, STMT_DOMAIN_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "domain \"%s\" "
		    "exists already", d->name) : sq_dberr(s, "cannot store "
		    "domain \"%s\"", d->name);
		goto out;
	}
	d->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_domain_get(struct store_domain **out, struct store *st, const char *name)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if ((rc = sq_stmt_get1(&stmt, s, STMT_DOMAIN_GET, name, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_DOMAIN_GET)) == 0)
		rc = domain_row(out, s, stmt);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no domain \"%s\" (add it with "
		    "mailcert domain add)", name);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_domain_list(struct store_domain ***out, size_t *n, struct store *st)
{
	struct sqlstore *s = sq(st);
	struct store_domain **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = sq_stmt_get(&stmt, s, STMT_DOMAIN_LIST)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		if ((rc = domain_row(&v[len], s, stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_DOMAIN_LIST);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_domain_list_free(v, len);
	return rc;
}

static int
op_domain_update(struct store *st, const struct store_domain *d)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_DOMAIN_UPDATE, d->name, 0)) != 0)
		return rc;
	if (sq_bind_time(stmt, 2, d->verified_at) != 0 ||
	    sq_bind_time(stmt, 3, d->valid_until) != 0 ||
	    sq_bind_text(stmt, 4, method_text(d->method)) != 0 ||
	    sq_bind_time(stmt, 5, d->last_check_at) != 0 ||
	    sq_bind_text(stmt, 6, d->last_error) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_DOMAIN_UPDATE);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_DOMAIN_UPDATE)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no domain \"%s\"",
	    d->name);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = op_open,
	.close = op_close,
	.begin = op_begin,
	.commit = op_commit,
	.rollback = op_rollback,
	.schema_version = op_schema_version,
	.key_put = op_key_put,
	.key_get = op_key_get,
	.ca_put = op_ca_put,
	.ca_get = op_ca_get,
	.ca_get_id = op_ca_get_id,
	.ca_current = op_ca_current,
	.ca_list = op_ca_list,
	.cert_put = op_cert_put,
	.cert_get = op_cert_get,
	.cert_list = op_cert_list,
	.cert_revoke = op_cert_revoke,
	.cert_supersede = op_cert_supersede,
	.cert_release_key = op_cert_release_key,
	.ca_set_state = op_ca_set_state,
	.crl_put = op_crl_put,
	.crl_last_number = op_crl_last_number,
	.crl_latest = op_crl_latest,
	.domain_put = op_domain_put,
	.domain_get = op_domain_get,
	.domain_list = op_domain_list,
	.domain_update = op_domain_update,
	.dir = &store_sqlite_dir_ops,
	.web = &store_sqlite_web_ops,
};
