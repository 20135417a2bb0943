/*
 * store-dir.h: the directory half of the store (schema 4): configured
 * sources, the users and groups they deliver with their memberships,
 * settings (the seat quota), sync runs and their planned actions, the
 * outbox of events, and raised alerts. It is part of the store module
 * (store.h): the same handle, transactions, error rules and ownership
 * rules apply. Names (sources, groups) are compared byte for byte.
 *
 * Why the shapes:
 * - Users and groups are never deleted by a sync, only marked absent, so a
 *   user who comes back keeps their id and certificates keep their link.
 * - A sync run is planned in one transaction (store_run_put() and its
 *   store_action_put()s) and applied action by action; an action's state
 *   changes in the same transaction as its certificates and events, so a
 *   run cut short is finished by applying its still-planned actions.
 * - Events are the durable outbox: written in the transaction of what they
 *   report, later claimed by a delivery worker with a lease, completed, or
 *   retried with a backoff until they fail for good.
 */
#ifndef MAILCERT_STORE_DIR_H
#define MAILCERT_STORE_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct dir_snapshot;

#define STORE_NAME_MAX	64	/* octets of a source name */

struct store_source {
	int64_t		 id;		/* set by store_source_put() */
	char		*name;		/* [A-Za-z0-9._-], 1..STORE_NAME_MAX */
	char		*type;		/* "ldap" | "graph" | "csv" */
	char		*params;	/* JSON object text (source.h); holds
					 * paths to secret files, never a
					 * secret */
	int64_t		 created_at;	/* set by store_source_put() */
	int64_t		 last_read_at;	/* last complete read; 0: never */
	char		*last_error;	/* why the last read failed; NULL if it
					 * succeeded or none was made */
};

struct store_user {
	int64_t		 id;
	int64_t		 source_id;
	char		*source;	/* the source's name */
	char		*ext_id;	/* the directory's id, unique per source */
	char		*email;		/* as delivered; NULL if none */
	char		*given_name;	/* NULL if none */
	char		*surname;	/* NULL if none */
	int		 present;	/* in the last complete read */
	int64_t		 first_seen;
	int64_t		 last_seen;	/* last read that added or changed the
					 * user's row (an unchanged user is not
					 * rewritten, so a no-op sync writes
					 * nothing; going absent keeps it) */
	int64_t		*group_ids;	/* groups the user is in, ascending */
	size_t		 ngroups;
};

struct store_user_filter {
	int64_t		 source_id;	/* 0: any */
	int		 present;	/* -1 any, 0 absent, 1 present */
};

struct store_group {
	int64_t		 id;
	int64_t		 source_id;
	char		*source;	/* the source's name */
	char		*name;		/* unique per source */
	int		 present;	/* delivered by the last complete read */
	size_t		 nmembers;	/* present members; filled by reads */
	/* policy, set by an administrator and kept across syncs */
	int		 auto_request;
	char		*key;		/* "ec-p256", ...; NULL: config default */
	int		 days;		/* 0: config default */
	char		*profile;	/* "strict" | "multipurpose"; NULL:
					 * config default */
	char		*usage;		/* "both" | "dual"; never NULL on reads,
					 * NULL on a policy write means "both" */
};

enum store_run_state {
	STORE_RUN_APPLYING,	/* planned; actions may still be planned */
	STORE_RUN_DONE,		/* every action done or failed */
	STORE_RUN__MAX
};

struct store_run {
	int64_t		 id;		/* set by store_run_put() */
	int64_t		 started_at;	/* wall clock */
	int64_t		 at;		/* the sync's clock (--at), which every
					 * action of the run uses */
	int64_t		 finished_at;	/* 0 until done */
	enum store_run_state state;
	char		*source;	/* --source, or NULL for all */
};

enum store_action_kind {
	STORE_ACTION_ISSUE,
	STORE_ACTION_RENEW,
	STORE_ACTION_REISSUE,
	STORE_ACTION_REVOKE,
	STORE_ACTION__MAX
};

enum store_action_state {
	STORE_ACTION_PLANNED,
	STORE_ACTION_DONE,
	STORE_ACTION_FAILED,
	STORE_ACTION_STATE__MAX
};

/* One planned action. What to issue is fixed at planning time. */
struct store_action {
	int64_t		 id;		/* set by store_action_put() */
	int64_t		 run_id;
	int64_t		 seq;		/* order within the run, from 1 */
	enum store_action_kind kind;
	int64_t		 user_id;
	char		*email;		/* normalised address to issue for */
	char		*given_name;
	char		*surname;
	int64_t		 group_id;	/* the group whose policy applies */
	char		*key;		/* "ec-p256", ... (issue kinds) */
	int		 days;
	char		*profile;
	char		*usage;		/* "both" | "dual" */
	char		*old_serials;	/* certificates renewed, replaced or
					 * revoked: serials joined by ','; NULL
					 * for issue */
	enum store_action_state state;
	char		*new_serials;	/* set when done: ','-joined */
	char		*error;		/* set when failed */
	int64_t		 done_at;	/* 0 while planned */
};

/* Outbox event kinds the sync writes; delivery (mail, LDAP) comes later. */
#define EVENT_CERT_ISSUED	"cert.issued"
#define EVENT_CERT_RENEWED	"cert.renewed"
#define EVENT_CERT_REVOKED	"cert.revoked"
#define EVENT_SEATS_EXCEEDED	"seats.exceeded"
#define EVENT_DOMAIN_EXPIRING	"domain.expiring"
#define EVENT_DOMAIN_LAPSED	"domain.lapsed"
#define EVENT_SYNC_FAILED	"sync.failed"

enum store_event_state {
	STORE_EVENT_PENDING,	/* waiting for delivery (or a retry) */
	STORE_EVENT_CLAIMED,	/* a worker holds a lease on it */
	STORE_EVENT_DONE,
	STORE_EVENT_FAILED,	/* retries exhausted */
	STORE_EVENT_STATE__MAX
};

struct store_event {
	int64_t		 id;		/* set by store_event_put() */
	char		*kind;		/* EVENT_* */
	int64_t		 created_at;	/* set by store_event_put() from the
					 * value given (the sync's clock) */
	int64_t		 user_id;	/* 0: none */
	char		*email;		/* NULL: none */
	char		*serial;	/* the certificate concerned; NULL */
	int64_t		 group_id;	/* 0: none */
	char		*domain;	/* NULL: none */
	char		*data;		/* JSON object text with details; NULL */
	/* delivery bookkeeping; puts start at pending, attempts 0 */
	enum store_event_state state;
	int		 attempts;
	int64_t		 next_attempt_at; /* not before; 0: at once */
	int64_t		 lease_until;	/* while claimed */
	char		*claimed_by;	/* worker id while claimed; once done or
					 * failed, the last worker's */
	char		*last_error;
	int64_t		 done_at;	/* completed at; 0 otherwise */
};

struct store_event_filter {
	const char	*kind;		/* NULL: any */
	int		 state;		/* -1 any, else enum store_event_state */
	int64_t		 user_id;	/* 0: any */
	int64_t		 after_id;	/* only ids above; 0: from the start */
	size_t		 limit;		/* 0: no limit */
};

/* ---- sources ---- */

/* Sets s->id and s->created_at. ERR_EXISTS naming s->name if taken. */
int	store_source_put(struct store *st, struct store_source *s);
/* ERR_NOTFOUND naming name if there is no such source. */
int	store_source_get(struct store_source **out, struct store *st,
	    const char *name);
/* All sources by name. */
int	store_source_list(struct store_source ***out, size_t *n,
	    struct store *st);
/* Record a read of source id: at, and error (NULL after success). */
int	store_source_set_status(struct store *st, int64_t id, int64_t at,
	    const char *error);
/*
 * Delete source name with its users, groups and memberships. Managed
 * certificates of its users lose their user link and so become like
 * certificates issued by hand: nothing renews or revokes them again.
 * ERR_NOTFOUND if absent.
 */
int	store_source_delete(struct store *st, const char *name);

/* ---- users, groups, memberships ---- */

/*
 * Make the stored directory of source_id what the finished snapshot snap
 * says, at now, inside the caller's transaction: users matched by ext_id
 * are updated and marked present (new ones added), those not in snap are
 * marked absent and lose their memberships; groups likewise by name (an
 * absent group keeps its policy); memberships become snap's. Rows that
 * already match are not written, so re-applying the same snapshot changes
 * nothing. *changed (may be NULL) counts users and groups added, changed,
 * or marked absent; a user whose memberships alone changed counts too.
 * ERR_NOTFOUND if there is no source source_id; ERR_INTERNAL when called
 * outside a transaction (it would be one commit per row).
 */
int	store_dir_apply(struct store *st, int64_t source_id,
	    const struct dir_snapshot *snap, int64_t now, size_t *changed);

/* Users matching f (NULL: all), by id, with their group_ids. */
int	store_user_list(struct store_user ***out, size_t *n,
	    struct store *st, const struct store_user_filter *f);
/* ERR_NOTFOUND if there is no user id. */
int	store_user_get(struct store_user **out, struct store *st, int64_t id);

/* All groups by source name, then name, with nmembers. */
int	store_group_list(struct store_group ***out, size_t *n,
	    struct store *st);
/*
 * The group called name, of source source (NULL: any source). ERR_NOTFOUND
 * naming it if there is none; ERR_EXISTS naming the sources when source is
 * NULL and two sources have a group of that name.
 */
int	store_group_get(struct store_group **out, struct store *st,
	    const char *source, const char *name);
/* Write g's policy fields (auto_request, key, days, profile, usage) to
 * group g->id. ERR_NOTFOUND if absent. */
int	store_group_set_policy(struct store *st, const struct store_group *g);

/* ---- settings ---- */

/* ERR_NOTFOUND if key was never set. *out is the caller's (free()). */
int	store_setting_get(char **out, struct store *st, const char *key);
/* Set key to value; value NULL deletes the setting. */
int	store_setting_set(struct store *st, const char *key,
	    const char *value);

#define STORE_SETTING_SEATS	"seats.total"	/* decimal; unset: no quota */

/* ---- sync runs and actions ---- */

/* Sets r->id (and r->started_at to now if 0); stores r with state
 * APPLYING. ERR_EXISTS while another run is APPLYING. */
int	store_run_put(struct store *st, struct store_run *r);
/* The run still APPLYING (at most one), or ERR_NOTFOUND. */
int	store_run_unfinished(struct store_run **out, struct store *st);
/* The newest run, or ERR_NOTFOUND. */
int	store_run_latest(struct store_run **out, struct store *st);
/* Mark run id DONE at finished_at. ERR_NOTFOUND unless it is APPLYING. */
int	store_run_finish(struct store *st, int64_t id, int64_t finished_at);

/* Sets a->id; a->state must be PLANNED. */
int	store_action_put(struct store *st, struct store_action *a);
/* The actions of run_id in seq order; state -1 any, else that state. */
int	store_action_list(struct store_action ***out, size_t *n,
	    struct store *st, int64_t run_id, int state);
/*
 * Finish planned action id: DONE with new_serials (may be NULL for a
 * revocation), or FAILED with error, at at. ERR_EXISTS if it is not
 * planned any more (so a resumed run can never do an action twice),
 * ERR_NOTFOUND if there is no action id.
 */
int	store_action_done(struct store *st, int64_t id,
	    const char *new_serials, int64_t at);
int	store_action_fail(struct store *st, int64_t id, const char *error,
	    int64_t at);

/* ---- the outbox ---- */

/* Sets e->id (and e->created_at to now if 0); stores e as pending with
 * no attempts. */
int	store_event_put(struct store *st, struct store_event *e);
/* Events matching f (not NULL), by id. */
int	store_event_list(struct store_event ***out, size_t *n,
	    struct store *st, const struct store_event_filter *f);
/*
 * For a delivery worker: claim up to max events that are pending and due
 * (next_attempt_at <= now), or claimed with a lease that ran out, oldest
 * first, leasing them to worker until now + lease_s; attempts is counted
 * up. One transaction of its own (BEGIN IMMEDIATE): two workers never get
 * the same event. ERR_INTERNAL if called inside a transaction.
 */
int	store_event_claim(struct store_event ***out, size_t *n,
	    struct store *st, const char *worker, size_t max, int64_t now,
	    int64_t lease_s);
/* Mark event id done, if worker still holds it (else ERR_EXISTS;
 * ERR_NOTFOUND if there is no event id). */
int	store_event_complete(struct store *st, int64_t id,
	    const char *worker, int64_t now);
/*
 * Give event id back after a failed delivery with error: pending again
 * from next_at, or FAILED when attempts reached max_attempts. ERR_EXISTS if
 * worker does not hold it.
 */
int	store_event_retry(struct store *st, int64_t id, const char *worker,
	    const char *error, int64_t next_at, int max_attempts);

/* ---- alerts: raise an admin event once per situation ---- */

/*
 * Raise the alert key at now: *raised is 1 if it was not raised already
 * (the caller then writes its event), 0 if it still is.
 */
int	store_alert_raise(struct store *st, const char *key, int64_t now,
	    int *raised);
/* The situation is over: the next raise of key counts again. */
int	store_alert_clear(struct store *st, const char *key);

void	store_source_free(struct store_source *s);
void	store_source_list_free(struct store_source **v, size_t n);
void	store_user_free(struct store_user *u);
void	store_user_list_free(struct store_user **v, size_t n);
void	store_group_free(struct store_group *g);
void	store_group_list_free(struct store_group **v, size_t n);
void	store_run_free(struct store_run *r);
void	store_action_free(struct store_action *a);
void	store_action_list_free(struct store_action **v, size_t n);
void	store_event_free(struct store_event *e);
void	store_event_list_free(struct store_event **v, size_t n);

/* Names the enums are shown and stored under; static text. The parsers
 * return the value or -1. */
const char *store_action_kind_name(enum store_action_kind k);
int	store_action_kind_parse(const char *s);
const char *store_action_state_name(enum store_action_state s);
int	store_action_state_parse(const char *s);
const char *store_event_state_name(enum store_event_state s);
int	store_event_state_parse(const char *s);

#endif
