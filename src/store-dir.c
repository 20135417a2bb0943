/*
 * store-dir.c: the backend-independent half of store-dir.h. As store.c
 * does for store.h, it checks what callers pass once for every backend
 * (names, kinds, states, policy values, filters), dispatches through
 * store_ops.dir, and releases the records the backends return.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "err.h"
#include "store-int.h"
#include "util/timefmt.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define KEY_MAX		256	/* octets of a setting or alert key */

static const char *const source_types[] = { "ldap", "graph", "csv" };

static const char *const run_states[] = {
	[STORE_RUN_APPLYING] = "applying",
	[STORE_RUN_DONE] = "done",
};

static const char *const action_kinds[] = {
	[STORE_ACTION_ISSUE] = "issue",
	[STORE_ACTION_RENEW] = "renew",
	[STORE_ACTION_REISSUE] = "reissue",
	[STORE_ACTION_REVOKE] = "revoke",
};

static const char *const action_states[] = {
	[STORE_ACTION_PLANNED] = "planned",
	[STORE_ACTION_DONE] = "done",
	[STORE_ACTION_FAILED] = "failed",
};

static const char *const event_states[] = {
	[STORE_EVENT_PENDING] = "pending",
	[STORE_EVENT_CLAIMED] = "claimed",
	[STORE_EVENT_DONE] = "done",
	[STORE_EVENT_FAILED] = "failed",
};

/* Index of s in names, or -1. */
static int
name_find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
source_name_check(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0')
		return err_set(ERR_INVALID, "source name is empty");
	if (strlen(name) > STORE_NAME_MAX)
		return err_set(ERR_INVALID, "source name \"%.*s...\" is longer "
		    "than %d characters", 16, name, STORE_NAME_MAX);
	for (p = name; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-')
			continue;
		return err_set(ERR_INVALID, "source name \"%s\" may only hold "
		    "letters, digits, '.', '_' and '-'", name);
	}
	return 0;
}

/* A policy or action usage: "both" or "dual"; NULL is "both". */
static int
usage_check(const char *usage, const char *whose, const char *name)
{
	if (usage == NULL || strcmp(usage, "both") == 0 ||
	    strcmp(usage, "dual") == 0)
		return 0;
	return err_set(ERR_INVALID, "%s \"%s\": unknown usage \"%s\" (use "
	    "both or dual)", whose, name, usage);
}

static int
profile_check(const char *profile, const char *whose, const char *name)
{
	if (profile == NULL || strcmp(profile, "strict") == 0 ||
	    strcmp(profile, "multipurpose") == 0)
		return 0;
	return err_set(ERR_INVALID, "%s \"%s\": unknown profile \"%s\" (use "
	    "strict or multipurpose)", whose, name, profile);
}

static int
key_check(const char *what, const char *key)
{
	if (key == NULL || key[0] == '\0')
		return err_set(ERR_INVALID, "%s key is empty", what);
	if (strlen(key) > KEY_MAX)
		return err_set(ERR_INVALID, "%s key \"%.*s...\" is longer than "
		    "%d octets", what, 16, key, KEY_MAX);
	return 0;
}

int
store_source_put(struct store *st, struct store_source *s)
{
	int rc;

	if ((rc = source_name_check(s->name)) != 0)
		return rc;
	if (name_find(source_types, nitems(source_types), s->type) < 0)
		return err_set(ERR_INVALID, "source \"%s\": unknown type "
		    "\"%s\" (use ldap, graph or csv)", s->name,
		    s->type != NULL ? s->type : "");
	if (s->params == NULL || s->params[0] == '\0')
		return err_set(ERR_INVALID, "source \"%s\" has no parameters",
		    s->name);
	return st->ops->dir->source_put(st, s);
}

int
store_source_get(struct store_source **out, struct store *st,
    const char *name)
{
	*out = NULL;
	assert(name != NULL);
	return st->ops->dir->source_get(out, st, name);
}

int
store_source_list(struct store_source ***out, size_t *n, struct store *st)
{
	*out = NULL;
	*n = 0;
	return st->ops->dir->source_list(out, n, st);
}

int
store_source_set_status(struct store *st, int64_t id, int64_t at,
    const char *error)
{
	if (id <= 0)
		return err_set(ERR_INVALID, "source id %lld is not positive",
		    (long long)id);
	return st->ops->dir->source_set_status(st, id, at, error);
}

int
store_source_delete(struct store *st, const char *name)
{
	assert(name != NULL);
	return st->ops->dir->source_delete(st, name);
}

int
store_dir_apply(struct store *st, int64_t source_id,
    const struct dir_snapshot *snap, int64_t now, size_t *changed)
{
	size_t dummy;

	if (changed == NULL)
		changed = &dummy;
	*changed = 0;
	if (!snap->finished)
		return err_set(ERR_INTERNAL, "directory of source \"%s\" was "
		    "not finished before it was stored",
		    snap->source != NULL ? snap->source : "");
	if (source_id <= 0)
		return err_set(ERR_INVALID, "source id %lld is not positive",
		    (long long)source_id);
	return st->ops->dir->dir_apply(st, source_id, snap, now, changed);
}

int
store_user_list(struct store_user ***out, size_t *n, struct store *st,
    const struct store_user_filter *f)
{
	static const struct store_user_filter all = { 0, -1 };

	*out = NULL;
	*n = 0;
	if (f == NULL)
		f = &all;
	if (f->source_id < 0)
		return err_set(ERR_INVALID, "source id filter %lld is negative",
		    (long long)f->source_id);
	if (f->present < -1 || f->present > 1)
		return err_set(ERR_INVALID, "present filter %d is not -1, 0 "
		    "or 1", f->present);
	return st->ops->dir->user_list(out, n, st, f);
}

int
store_user_get(struct store_user **out, struct store *st, int64_t id)
{
	*out = NULL;
	return st->ops->dir->user_get(out, st, id);
}

int
store_group_list(struct store_group ***out, size_t *n, struct store *st)
{
	*out = NULL;
	*n = 0;
	return st->ops->dir->group_list(out, n, st);
}

int
store_group_get(struct store_group **out, struct store *st,
    const char *source, const char *name)
{
	*out = NULL;
	assert(name != NULL);
	return st->ops->dir->group_get(out, st, source, name);
}

int
store_group_set_policy(struct store *st, const struct store_group *g)
{
	struct store_group tmp;
	const char *name = g->name != NULL ? g->name : "";
	int rc;

	if (g->id <= 0)
		return err_set(ERR_INVALID, "group \"%s\" has no id", name);
	if ((rc = usage_check(g->usage, "group", name)) != 0 ||
	    (rc = profile_check(g->profile, "group", name)) != 0)
		return rc;
	if (g->days < 0)
		return err_set(ERR_INVALID, "group \"%s\": days %d is "
		    "negative", name, g->days);
	if (g->key != NULL && g->key[0] == '\0')
		return err_set(ERR_INVALID, "group \"%s\": empty key type",
		    name);
	/* A shallow copy, so the caller's record is not rewritten. */
	tmp = *g;
	tmp.auto_request = g->auto_request != 0;
	if (tmp.usage == NULL)
		tmp.usage = "both";
	return st->ops->dir->group_set_policy(st, &tmp);
}

int
store_setting_get(char **out, struct store *st, const char *key)
{
	int rc;

	*out = NULL;
	if ((rc = key_check("setting", key)) != 0)
		return rc;
	return st->ops->dir->setting_get(out, st, key);
}

int
store_setting_set(struct store *st, const char *key, const char *value)
{
	int rc;

	if ((rc = key_check("setting", key)) != 0)
		return rc;
	return st->ops->dir->setting_set(st, key, value);
}

int
store_run_put(struct store *st, struct store_run *r)
{
	int rc;

	if (r->source != NULL && (rc = source_name_check(r->source)) != 0)
		return rc;
	r->state = STORE_RUN_APPLYING;
	r->finished_at = 0;
	if (r->started_at == 0)
		r->started_at = timefmt_now();
	return st->ops->dir->run_put(st, r);
}

int
store_run_unfinished(struct store_run **out, struct store *st)
{
	*out = NULL;
	return st->ops->dir->run_unfinished(out, st);
}

int
store_run_latest(struct store_run **out, struct store *st)
{
	*out = NULL;
	return st->ops->dir->run_latest(out, st);
}

int
store_run_finish(struct store *st, int64_t id, int64_t finished_at)
{
	return st->ops->dir->run_finish(st, id, finished_at);
}

int
store_action_put(struct store *st, struct store_action *a)
{
	struct store_action tmp;
	int rc;

	if ((size_t)a->kind >= nitems(action_kinds))
		return err_set(ERR_INVALID, "action has unknown kind %d",
		    (int)a->kind);
	if (a->state != STORE_ACTION_PLANNED)
		return err_set(ERR_INVALID, "a new action must be planned, "
		    "not %s", store_action_state_name(a->state));
	if (a->run_id <= 0 || a->seq <= 0)
		return err_set(ERR_INVALID, "action of run %lld has sequence "
		    "number %lld", (long long)a->run_id, (long long)a->seq);
	if (a->user_id < 0 || a->group_id < 0 || a->days < 0)
		return err_set(ERR_INVALID, "action %lld of run %lld has a "
		    "negative user, group or days", (long long)a->seq,
		    (long long)a->run_id);
	if ((rc = usage_check(a->usage, "action for",
	    a->email != NULL ? a->email : "")) != 0 ||
	    (rc = profile_check(a->profile, "action for",
	    a->email != NULL ? a->email : "")) != 0)
		return rc;
	tmp = *a;
	if (tmp.kind != STORE_ACTION_REVOKE && tmp.usage == NULL)
		tmp.usage = "both";
	if ((rc = st->ops->dir->action_put(st, &tmp)) != 0)
		return rc;
	a->id = tmp.id;
	return 0;
}

int
store_action_list(struct store_action ***out, size_t *n, struct store *st,
    int64_t run_id, int state)
{
	*out = NULL;
	*n = 0;
	if (state != -1 && (state < 0 || state >= STORE_ACTION_STATE__MAX))
		return err_set(ERR_INVALID, "action state filter %d is not -1 "
		    "or a state", state);
	return st->ops->dir->action_list(out, n, st, run_id, state);
}

int
store_action_done(struct store *st, int64_t id, const char *new_serials,
    int64_t at)
{
	return st->ops->dir->action_finish(st, id, STORE_ACTION_DONE,
	    new_serials, NULL, at);
}

int
store_action_fail(struct store *st, int64_t id, const char *error,
    int64_t at)
{
	if (error == NULL || error[0] == '\0')
		return err_set(ERR_INVALID, "action %lld failed without a "
		    "reason", (long long)id);
	return st->ops->dir->action_finish(st, id, STORE_ACTION_FAILED, NULL,
	    error, at);
}

int
store_event_put(struct store *st, struct store_event *e)
{
	if (e->kind == NULL || e->kind[0] == '\0')
		return err_set(ERR_INVALID, "event has no kind");
	if (e->user_id < 0 || e->group_id < 0)
		return err_set(ERR_INVALID, "event \"%s\" has a negative user "
		    "or group id", e->kind);
	e->state = STORE_EVENT_PENDING;
	e->attempts = 0;
	return st->ops->dir->event_put(st, e);
}

int
store_event_list(struct store_event ***out, size_t *n, struct store *st,
    const struct store_event_filter *f)
{
	*out = NULL;
	*n = 0;
	if (f->state != -1 && (f->state < 0 ||
	    f->state >= STORE_EVENT_STATE__MAX))
		return err_set(ERR_INVALID, "event state filter %d is not -1 "
		    "or a state", f->state);
	if (f->user_id < 0 || f->after_id < 0)
		return err_set(ERR_INVALID, "event filter has a negative id");
	return st->ops->dir->event_list(out, n, st, f);
}

static int
worker_check(const char *worker)
{
	if (worker == NULL || worker[0] == '\0')
		return err_set(ERR_INVALID, "delivery worker has no id");
	return 0;
}

int
store_event_claim(struct store_event ***out, size_t *n, struct store *st,
    const char *worker, size_t max, int64_t now, int64_t lease_s)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = worker_check(worker)) != 0)
		return rc;
	if (lease_s <= 0)
		return err_set(ERR_INVALID, "event lease of %lld seconds is "
		    "not positive", (long long)lease_s);
	if (max == 0)
		return 0;
	return st->ops->dir->event_claim(out, n, st, worker, max, now,
	    lease_s);
}

int
store_event_complete(struct store *st, int64_t id, const char *worker,
    int64_t now)
{
	int rc;

	if ((rc = worker_check(worker)) != 0)
		return rc;
	return st->ops->dir->event_complete(st, id, worker, now);
}

int
store_event_retry(struct store *st, int64_t id, const char *worker,
    const char *error, int64_t next_at, int max_attempts)
{
	int rc;

	if ((rc = worker_check(worker)) != 0)
		return rc;
	if (max_attempts < 1)
		return err_set(ERR_INVALID, "event %lld: at most %d attempts "
		    "is fewer than one", (long long)id, max_attempts);
	return st->ops->dir->event_retry(st, id, worker, error, next_at,
	    max_attempts);
}

int
store_alert_raise(struct store *st, const char *key, int64_t now,
    int *raised)
{
	int rc;

	*raised = 0;
	if ((rc = key_check("alert", key)) != 0)
		return rc;
	return st->ops->dir->alert_raise(st, key, now, raised);
}

int
store_alert_clear(struct store *st, const char *key)
{
	int rc;

	if ((rc = key_check("alert", key)) != 0)
		return rc;
	return st->ops->dir->alert_clear(st, key);
}

void
store_source_free(struct store_source *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->type);
	free(s->params);
	free(s->last_error);
	free(s);
}

void
store_source_list_free(struct store_source **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_source_free(v[i]);
	free(v);
}

void
store_user_free(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->source);
	free(u->ext_id);
	free(u->email);
	free(u->given_name);
	free(u->surname);
	free(u->group_ids);
	free(u);
}

void
store_user_list_free(struct store_user **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_user_free(v[i]);
	free(v);
}

void
store_group_free(struct store_group *g)
{
	if (g == NULL)
		return;
	free(g->source);
	free(g->name);
	free(g->key);
	free(g->profile);
	free(g->usage);
	free(g);
}

void
store_group_list_free(struct store_group **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_group_free(v[i]);
	free(v);
}

void
store_run_free(struct store_run *r)
{
	if (r == NULL)
		return;
	free(r->source);
	free(r);
}

void
store_action_free(struct store_action *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->given_name);
	free(a->surname);
	free(a->key);
	free(a->profile);
	free(a->usage);
	free(a->old_serials);
	free(a->new_serials);
	free(a->error);
	free(a);
}

void
store_action_list_free(struct store_action **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_action_free(v[i]);
	free(v);
}

void
store_event_free(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->kind);
	free(e->email);
	free(e->serial);
	free(e->domain);
	free(e->data);
	free(e->claimed_by);
	free(e->last_error);
	free(e);
}

void
store_event_list_free(struct store_event **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_event_free(v[i]);
	free(v);
}

const char *
store_run_state_name(enum store_run_state s)
{
	return (size_t)s < nitems(run_states) ? run_states[s] : "unknown";
}

int
store_run_state_parse(const char *s)
{
	return name_find(run_states, nitems(run_states), s);
}

const char *
store_action_kind_name(enum store_action_kind k)
{
	return (size_t)k < nitems(action_kinds) ? action_kinds[k] : "unknown";
}

int
store_action_kind_parse(const char *s)
{
	return name_find(action_kinds, nitems(action_kinds), s);
}

const char *
store_action_state_name(enum store_action_state s)
{
	return (size_t)s < nitems(action_states) ? action_states[s] :
	    "unknown";
}

int
store_action_state_parse(const char *s)
{
	return name_find(action_states, nitems(action_states), s);
}

const char *
store_event_state_name(enum store_event_state s)
{
	return (size_t)s < nitems(event_states) ? event_states[s] : "unknown";
}

int
store_event_state_parse(const char *s)
{
	return name_find(event_states, nitems(event_states), s);
}
