/*
 * store-sqlite-int.h: what the files of the SQLite backend share. The
 * connection and its statement cache (store-sqlite.c), the schema and the
 * SQL of every cached statement (store-sqlite-schema.c), and the helpers
 * that bind, step and read them. store-sqlite.c implements the store.h
 * operations, store-sqlite-dir.c those of store-dir.h, store-sqlite-web.c
 * those of store-web.h.
 *
 * Cached statements are borrowed from the handle: whoever gets one with
 * sq_stmt_get() hands it back with sq_stmt_done() before returning.
 */
#ifndef MAILCERT_STORE_SQLITE_INT_H
#define MAILCERT_STORE_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store-int.h"

#define CERT_COLS							\
	"c.id, c.serial, c.ca_id, a.name, c.email, c.given_name, "	\
	"c.surname, c.profile, c.key_alg, c.key_id, c.der, "		\
	"c.not_before, c.not_after, c.created_at, c.state, c.reason, "	\
	"c.revoked_at, c.usage, c.superseded_by, c.key_released_at, "	\
	"c.user_id FROM certs c JOIN cas a ON a.id = c.ca_id"

/* The cached statements; their SQL is sq_queries[]. */
enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_KEY_PUT,
	STMT_KEY_GET,
	STMT_CA_PUT,
	STMT_CA_GET,
	STMT_CA_GET_ID,
	STMT_CA_CURRENT,
	STMT_CA_LIST,
	STMT_CERT_PUT,
	STMT_CERT_GET,
	STMT_CERT_REVOKE,
	STMT_CERT_STATE,
	STMT_CERT_SUPERSEDE,
	STMT_CERT_RELEASE,
	STMT_KEY_DELETE,
	STMT_CA_STATE,
	STMT_CRL_PUT,
	STMT_CRL_LAST,
	STMT_CRL_LATEST,
	STMT_DOMAIN_PUT,
	STMT_DOMAIN_GET,
	STMT_DOMAIN_LIST,
	STMT_DOMAIN_UPDATE,
	/* store-dir.h */
	STMT_SOURCE_PUT,
	STMT_SOURCE_GET,
	STMT_SOURCE_GET_ID,
	STMT_SOURCE_LIST,
	STMT_SOURCE_STATUS,
	STMT_SOURCE_DELETE,
	STMT_APPLY_GROUPS,
	STMT_APPLY_GROUP_ADD,
	STMT_APPLY_GROUP_PRESENT,
	STMT_APPLY_USERS,
	STMT_APPLY_USER_ADD,
	STMT_APPLY_USER_UPDATE,
	STMT_APPLY_USER_ABSENT,
	STMT_APPLY_MEMBERS,
	STMT_APPLY_MEMBER_ADD,
	STMT_APPLY_MEMBER_DELETE,
	STMT_USER_LIST,
	STMT_USER_LIST_GROUPS,
	STMT_USER_GET,
	STMT_USER_GROUPS,
	STMT_GROUP_LIST,
	STMT_GROUP_GET,
	STMT_GROUP_GET_ANY,
	STMT_GROUP_POLICY,
	STMT_SETTING_GET,
	STMT_SETTING_SET,
	STMT_SETTING_DELETE,
	STMT_RUN_PUT,
	STMT_RUN_UNFINISHED,
	STMT_RUN_LATEST,
	STMT_RUN_FINISH,
	STMT_ACTION_PUT,
	STMT_ACTION_LIST,
	STMT_ACTION_FINISH,
	STMT_ACTION_STATE,
	STMT_EVENT_PUT,
	STMT_EVENT_LIST,
	STMT_EVENT_DUE,
	STMT_EVENT_LEASE,
	STMT_EVENT_GET,
	STMT_EVENT_COMPLETE,
	STMT_EVENT_RETRY,
	STMT_EVENT_STATE,
	STMT_ALERT_RAISE,
	STMT_ALERT_CLEAR,
	/* store-web.h */
	STMT_TOKEN_PUT,
	STMT_TOKEN_BY_HASH,
	STMT_TOKEN_LIST,
	STMT_TOKEN_REVOKE,
	STMT_TOKEN_STATE,
	STMT_TOKEN_TOUCH,
	STMT_AUDIT_PUT,
	STMT_AUDIT_NEWEST,
	STMT_AUDIT_LIST,
	STMT_AUDIT_LIST_DESC,
	STMT_RESPONDER_PUT,
	STMT_RESPONDER_LATEST,
	STMT_STATS_CERTS,
	STMT_STATS_EVENTS,
	STMT__MAX
};

struct sq_query {
	const char	*sql;
	const char	*what;		/* "cannot <what>" in messages */
};

extern const struct sq_query	 sq_queries[STMT__MAX];
/* Migration N is sq_migrations[N - 1]; sq_nmigrations is the newest. */
extern const char *const	 sq_migrations[];
extern const size_t		 sq_nmigrations;

struct sqlstore {
	struct store	 base;		/* first, see store-int.h */
	sqlite3		*db;		/* the connection */
	char		*path;		/* database file, for messages */
	sqlite3_stmt	*stmts[STMT__MAX]; /* prepared on first use */
};

static inline struct sqlstore *
sq(struct store *st)
{
	return (struct sqlstore *)st;
}

/* ERR_STORE with what we were doing and SQLite's reason. */
int	sq_dberr(struct sqlstore *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* sq_dberr() with "cannot <what>" of statement id. */
int	sq_qerr(struct sqlstore *s, enum stmt id);
/* 1 if the last failure was a UNIQUE or PRIMARY KEY conflict. */
int	sq_conflict(struct sqlstore *s);

/* Bind without copying (the value must outlive the step); NULL binds
 * SQL NULL. sq_bind_time() binds 0 (unset) as NULL. SQLite codes. */
int	sq_bind_text(sqlite3_stmt *stmt, int i, const char *v);
int	sq_bind_blob(sqlite3_stmt *stmt, int i, const void *v, size_t len);
int	sq_bind_time(sqlite3_stmt *stmt, int i, int64_t t);

/* The cached statement id, prepared on first use; borrowed. */
int	sq_stmt_get(sqlite3_stmt **out, struct sqlstore *s, enum stmt id);
/* As sq_stmt_get(), with ?1, if the statement has parameters, bound to
 * text, or to num if text is NULL. */
int	sq_stmt_get1(sqlite3_stmt **out, struct sqlstore *s, enum stmt id,
	    const char *text, int64_t num);
/* Step a bound query to its first row; ERR_NOTFOUND, unset, if none. */
int	sq_stmt_row(struct sqlstore *s, sqlite3_stmt *stmt, enum stmt id);
/* Reset a cached statement and drop its bindings; NULL is a no-op. */
void	sq_stmt_done(sqlite3_stmt *stmt);
/* Run a cached statement that takes no parameters and returns no rows. */
int	sq_stmt_run(struct sqlstore *s, enum stmt id);
/* Step a bound UPDATE/DELETE and sq_stmt_done() it; *changed is the
 * number of rows it touched. */
int	sq_step_changes(int *changed, struct sqlstore *s, sqlite3_stmt *stmt,
	    enum stmt id);
/* Run a cached statement bound to the integers (a, b) (b only if it takes
 * two); *changed (may be NULL) is the number of rows it touched. */
int	sq_run_ids(int *changed, struct sqlstore *s, enum stmt id, int64_t a,
	    int64_t b);
/* Bind an id, or NULL for 0 (none). */
int	sq_bind_id(sqlite3_stmt *stmt, int i, int64_t id);

/* Column i as a malloc'd copy (*out is the caller's), NULL for SQL NULL. */
int	sq_col_text(char **out, sqlite3_stmt *stmt, int i);
int	sq_col_blob(unsigned char **out, size_t *len, sqlite3_stmt *stmt,
	    int i);
/* Column i's text as the enum value names_parse() finds, or -1. */
int	sq_col_enum(sqlite3_stmt *stmt, int i,
	    int (*names_parse)(const char *));

/*
 * The run, action, event and alert operations (store-sqlite-outbox.c), each
 * with the contract of its store-dir.h namesake.
 */
struct store_run;
struct store_action;
struct store_event;
int	sq_run_put(struct store *st, struct store_run *r);
int	sq_run_unfinished(struct store_run **out, struct store *st);
int	sq_run_latest(struct store_run **out, struct store *st);
int	sq_run_finish(struct store *st, int64_t id, int64_t finished_at);
int	sq_action_put(struct store *st, struct store_action *a);
int	sq_action_list(struct store_action ***out, size_t *n,
	    struct store *st, int64_t run_id, int state);
int	sq_action_finish(struct store *st, int64_t id,
	    enum store_action_state state, const char *new_serials,
	    const char *error, int64_t at);
int	sq_event_put(struct store *st, struct store_event *e);
int	sq_event_list(struct store_event ***out, size_t *n, struct store *st,
	    const struct store_event_filter *f);
int	sq_event_claim(struct store_event ***out, size_t *n, struct store *st,
	    const char *worker, size_t max, int64_t now, int64_t lease_s);
int	sq_event_complete(struct store *st, int64_t id, const char *worker,
	    int64_t now);
int	sq_event_retry(struct store *st, int64_t id, const char *worker,
	    const char *error, int64_t next_at, int max_attempts);
int	sq_alert_raise(struct store *st, const char *key, int64_t now,
	    int *raised);
int	sq_alert_clear(struct store *st, const char *key);

#endif
